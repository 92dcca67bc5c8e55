"""`capi-compat matrix PROJECT_DIR --leaks` on a debug build: the project's tests again, in
one process, each test repeated until sys.gettotalrefcount() shows whether it leaks.

    python -m capi_compat_leaks OUT pytest ARGS...     (a pytest plugin wraps each test call)
    python -m capi_compat_leaks OUT unittest ARGS...   (a runner repeats each test case)

OUT gets one line per test: "<test id>\\t<deltas, comma-separated>\\t<ok|LEAK|error>".
After two warm-up calls, the test runs in windows of 5 calls; a window whose total reference
count did not grow proves there is no leak; three windows that all grew are a leak (the way
capi-compat's self-test checks the header's backports).
"""

import gc
import sys

_OUT = None


def _settle():
    gc.collect()
    # The type attribute cache keeps each new name string it has seen: the interpreter's
    # cache, not the test's leak.
    clear = getattr(sys, "_clear_internal_caches", None) or getattr(sys, "_clear_type_cache", None)
    if clear is not None:
        clear()


def leak_deltas(run):
    run()
    run()
    deltas = []
    for _ in range(3):
        _settle()
        before = sys.gettotalrefcount()
        for _ in range(5):
            run()
        _settle()
        delta = sys.gettotalrefcount() - before
        deltas.append(delta)
        if delta <= 0:
            return deltas, False
    return deltas, True


def _record(test_id, deltas, verdict):
    line = "%s\t%s\t%s\n" % (test_id.replace("\t", " ").replace("\n", " "), ",".join(map(str, deltas)), verdict)
    with open(_OUT, "a", encoding="utf-8") as f:
        f.write(line)


def _measure(test_id, run):
    try:
        deltas, leaks = leak_deltas(run)
    except BaseException:  # the real run reports the failure; this only measures
        _record(test_id, [], "error")
        return
    _record(test_id, deltas, "LEAK" if leaks else "ok")


# ---- pytest: this module is also the plugin (-p capi_compat_leaks) ----

try:
    import pytest

    def _direct_call(item):
        # The test function with its fixtures' values, as pytest_pyfunc_call calls it, but
        # without the hook machinery around it (whose bookkeeping would count as growth).
        function = getattr(item, "obj", None)
        funcargs = getattr(item, "funcargs", None)
        names = getattr(getattr(item, "_fixtureinfo", None), "argnames", None)
        if function is None or funcargs is None or names is None:
            return item.runtest
        return lambda: function(**{name: funcargs[name] for name in names})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(item):
        if _OUT is not None:
            _measure(item.nodeid, _direct_call(item))
        yield

except ImportError:
    pytest = None


def run_pytest(args):
    if pytest is None:
        raise SystemExit("error: --leaks with pytest needs pytest in the venv (--with pytest)")
    return pytest.main(list(args) + ["-p", "capi_compat_leaks", "-p", "no:cacheprovider"])


# ---- unittest ----

def _cases(suite):
    import unittest

    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _cases(test)
        else:
            yield test


class LeakRunner:
    def __init__(self, *args, **kwargs):
        pass

    def run(self, suite):
        import unittest

        result = unittest.TestResult()
        current_class = None
        for test in _cases(suite):
            cls = type(test)
            if cls is not current_class:
                if current_class is not None:
                    current_class.tearDownClass()
                cls.setUpClass()
                current_class = cls
            _measure(test.id(), lambda: test.run(unittest.TestResult()))
            test.run(result)
        if current_class is not None:
            current_class.tearDownClass()
        for what, failures in (("FAIL", result.failures), ("ERROR", result.errors)):
            for test, trace in failures:
                sys.stderr.write("%s: %s\n%s\n" % (what, test.id(), trace))
        return result


def run_unittest(args):
    import unittest

    program = unittest.main(module=None, argv=["python -m unittest"] + list(args), testRunner=LeakRunner, exit=False)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    if not hasattr(sys, "gettotalrefcount"):
        raise SystemExit("error: --leaks needs a debug build (sys.gettotalrefcount)")
    _OUT = sys.argv[1]
    # The plugin is imported again by name under pytest: it must see the same file.
    sys.modules["capi_compat_leaks"] = sys.modules[__name__]
    open(_OUT, "w").close()
    runner = {"pytest": run_pytest, "unittest": run_unittest}[sys.argv[2]]
    sys.exit(runner(sys.argv[3:]))
