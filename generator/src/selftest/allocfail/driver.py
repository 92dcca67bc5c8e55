# Runs inside the interpreter under test (`capi-compat test --alloc-fail`): for each test,
# for n = 1, 2, ... fails the nth allocation made inside a call of a function under test,
# until a run completes without reaching n (or n passes the cap). Each run is a forked child:
# a run cut short (its test left at the failing call) or crashed cannot disturb the next one,
# and a crash is charged to its test and n. One line per finding. Each test is named NAME=CAP:
# its own cap (`--max-allocs`, or lower by a `capped:N` row of `--known`).
import gc, importlib.util, os, sys, time

path, modname = sys.argv[1], sys.argv[2]
caps = dict((name, int(cap)) for name, cap in (arg.rsplit("=", 1) for arg in sys.argv[3:]))
wanted = [arg.rsplit("=", 1)[0] for arg in sys.argv[3:]]
spec = importlib.util.spec_from_file_location(modname, path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
available = set(mod.names())
debug = mod.install()
print("DEBUG\t%d" % debug)
out = sys.stdout
CHILD_TIMEOUT = 60.0


def clean(text):
    return str(text).replace("\n", " ").replace("\t", " ")


# Each run is called from module level, as the self-test's first runs are: a test that reads
# its caller's frame (PyEval_GetFrameLocals: a module level's locals are its globals) must see
# a frame of the kind the self-test gives it, not evaluate()'s locals. One namespace serves
# the warm-up and every run, so what a test leaves in its caller's globals once (a warning's
# __warningregistry__) is there before the runs, as a cache. _getframe() first gives the
# frame its frame object before the call (CPython makes one lazily, owned by the frame: made
# inside a call, e.g. for the traceback of an unraisable exception, it would count as a
# reference the call leaked). A module's globals have a __name__ (PyEval_GetFrameGlobals' test
# looks for it).
_NAMESPACE = {"__name__": "_capicompat_allocfail_run", "_getframe": sys._getframe, "allocfail": mod.allocfail, "run": mod.run}
_CALL = compile("_getframe()\nresult = allocfail(name, n)", "<alloc-fail run>", "exec")
_WARM_UP = compile("run(name)", "<alloc-fail warm-up>", "exec")


def run_test(name, n):
    _NAMESPACE["name"], _NAMESPACE["n"] = name, n
    exec(_CALL, _NAMESPACE)
    return _NAMESPACE.pop("result")


def warm_up(name):
    _NAMESPACE["name"] = name
    exec(_WARM_UP, _NAMESPACE)


def evaluate(name, n):
    result = run_test(name, n)
    outcome, delta = result[0], result[4]
    deltas = [delta]
    if outcome in ("error", "recovered") and delta > 0:
        # a leak is confirmed only when the same point leaks again in this process (a cache
        # filling once is not a leak)
        for _ in range(2):
            gc.collect()
            again = run_test(name, n)
            if again[0] != outcome or again[4] <= 0:
                break
            deltas.append(again[4])
    return outcome, clean(result[2]), clean(result[3]), deltas


def child(name, n, write_fd):
    outcome, where, detail, deltas = evaluate(name, n)
    line = "\t".join([outcome, "0", where, detail, ",".join(map(str, deltas))])
    os.write(write_fd, line.encode("utf-8", "replace"))


def run_point(name, n):
    """(outcome, where, detail, deltas) of one forked run; outcome "crash" when the child died."""
    out.flush()
    sys.stderr.flush()
    result_r, result_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(result_r)
        os.close(err_r)
        os.dup2(err_w, 2)
        try:
            child(name, n, result_w)
        finally:
            os._exit(0)
    os.close(result_w)
    os.close(err_w)
    deadline = time.monotonic() + CHILD_TIMEOUT
    status = None
    while status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
        elif time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            status = -1
        else:
            time.sleep(0.0005)
    data = b""
    while True:
        chunk = os.read(result_r, 65536)
        if not chunk:
            break
        data += chunk
    err = b""
    while True:
        chunk = os.read(err_r, 65536)
        if not chunk:
            break
        err += chunk
    os.close(result_r)
    os.close(err_r)
    if status == 0 and data:
        outcome, counted, where, detail, deltas = data.decode("utf-8", "replace").split("\t")
        return outcome, where, detail, [int(d) for d in deltas.split(",")]
    lines = err.decode("utf-8", "replace").strip().splitlines()
    # the cause first (a fatal error or a failed assertion), then the end of the output
    causes = [l for l in lines if "Fatal Python error" in l or "Assertion" in l or "Error" in l.split(":")[0]]
    tail = " | ".join(causes[:2] + lines[-6:])
    why = "hung for %ds" % CHILD_TIMEOUT if status == -1 else "died (wait status %d)" % status
    return "crash", "-", "the interpreter %s: %s" % (why, clean(tail)), [0]


for name in wanted:
    if name not in available:
        print("MISSING\t%s" % name)
        continue
    print("START\t%s" % name)
    out.flush()
    try:
        # warm-up, unarmed: one-off caches fill here, as in the self-test's leak check
        warm_up(name)
        warm_up(name)
        # the forked runs start from a heap without garbage (they collect none themselves)
        gc.collect()
    except BaseException as e:
        print("FAIL\t%s\t0\t-\tthe test fails with no allocation failed: %s" % (name, clean("%s: %s" % (type(e).__name__, e))))
        print("DONE\t%s\t0\t0\t0\t0\t\t" % name)
        continue
    n, errors, recovered, capped, cap = 1, 0, 0, 0, caps[name]
    exceptions, functions = {}, {}
    forked = True
    while True:
        if n > cap:
            capped = 1
            break
        if forked:
            outcome, where, detail, deltas = run_point(name, n)
            if outcome == "crash" and run_point(name, 0)[0] == "crash":
                # the test cannot run in a forked child at all (it uses thread states fork
                # does not carry over): run it in this process; a crash ends the driver,
                # which is restarted after this test
                forked = False
                continue
        else:
            print("AT\t%s\t%d" % (name, n))
            out.flush()
            outcome, where, detail, deltas = evaluate(name, n)
        if outcome in ("complete", "unhit-fail"):
            if outcome == "unhit-fail":
                print("FAIL\t%s\t%d\t-\t%s" % (name, n, detail))
            break
        func = where.split(" ")[0]
        functions[func] = functions.get(func, 0) + 1
        if outcome in ("fail", "crash"):
            print("%s\t%s\t%d\t%s\t%s" % ("CRASH" if outcome == "crash" else "FAIL", name, n, where, detail))
        else:
            if outcome == "error":
                errors += 1
                exceptions[detail] = exceptions.get(detail, 0) + 1
            else:
                recovered += 1
            if len(deltas) == 3:
                print("LEAK\t%s\t%d\t%s\t%s: the total reference count grew by %s (3 runs)"
                      % (name, n, where, "error " + detail if outcome == "error" else "recovered", deltas))
        n += 1
    print("DONE\t%s\t%d\t%d\t%d\t%d\t%s\t%s" % (
        name, n - 1, errors, recovered, capped,
        ",".join("%s=%d" % kv for kv in sorted(exceptions.items())),
        ",".join("%s=%d" % kv for kv in sorted(functions.items()))))
    out.flush()
print("ALLDONE")
