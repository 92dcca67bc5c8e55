# Runs inside the interpreter under test (`capi-compat test --alloc-fail`): for each test,
# for n = 1, 2, ... fails the nth allocation made inside a call of a function under test,
# until a run completes without reaching n (or n passes the cap). One line per finding. Each
# test is named NAME=CAP: its own cap (`--max-allocs`, or lower by a `capped:N` row of `--known`).
#
# A sweep is one run: a sweep process, forked before the test (the driver's own state stays as
# the warm-up left it), runs the test failing nothing, and the allocator (allocfail.h) forks at
# each counted allocation n up to the cap: the child fails allocation n, is judged as a run with
# target n (its leak re-confirmed by ordinary runs with target n), reports and _exits; the
# sweep goes on with n succeeding. A child cut short, hung or crashed cannot disturb the sweep,
# and a crash is charged to its test and n. The first crash of a test stops its sweep's forks:
# when the sweep process then dies too, the test cannot run in a forked child at all (thread
# states fork does not carry over) and is run in this process from that n, a run per n; a
# crash there ends the driver, which is restarted after this test.
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
# a child is killed (a crash: hung) after this long
CHILD_TIMEOUT = float(os.environ.get("CAPICOMPAT_ALLOCFAIL_CHILD_TIMEOUT", "60"))


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
    # every run starts from empty free lists (a full collection clears them): an allocation a
    # free list serves is not counted, so the points tried would depend on what ran before
    gc.collect()
    _NAMESPACE["name"], _NAMESPACE["n"] = name, n
    exec(_CALL, _NAMESPACE)
    return _NAMESPACE.pop("result")


def warm_up(name):
    _NAMESPACE["name"] = name
    exec(_WARM_UP, _NAMESPACE)


def evaluate(name, n, result=None):
    """(outcome, where, detail, deltas) of the run with target n (`result`: its result, when
    that run was a sweep's, forked at n)."""
    if result is None:
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


def child(name, n, write_fd, result=None):
    outcome, where, detail, deltas = evaluate(name, n, result)
    line = "\t".join([outcome, "0", where, detail, ",".join(map(str, deltas))])
    os.write(write_fd, line.encode("utf-8", "replace"))


def judge_child(status, data, err):
    """(outcome, where, detail, deltas) from what a child left: its report, or a crash
    (status -1: killed, hung)."""
    if status == 0 and data:
        outcome, counted, where, detail, deltas = data.decode("utf-8", "replace").split("\t")
        return outcome, where, detail, [int(d) for d in deltas.split(",")]
    lines = err.decode("utf-8", "replace").strip().splitlines()
    # the cause first (a fatal error or a failed assertion), then the end of the output
    causes = [l for l in lines if "Fatal Python error" in l or "Assertion" in l or "Error" in l.split(":")[0]]
    tail = " | ".join(causes[:2] + lines[-6:])
    why = "hung for %ds" % CHILD_TIMEOUT if status == -1 else "died (wait status %d)" % status
    return "crash", "-", "the interpreter %s: %s" % (why, clean(tail)), [0]


def sweep_run(name):
    # (one frame more, so that the run is called at the depth a point's own run had before:
    # tracing set inside a call instruments every code object on the stack)
    return run_test(name, 0)


def sweeper(name, first, cap, stop_at_crash, records_fd, errors_fd):
    """The sweep process (forked before the test, so the driver's state is as before the
    sweep). Its children report through the allocator; it adds one record of its own, n = 0:
    the allocations its run counted, the run's outcome, the n a crash stopped it at or 0."""
    os.dup2(errors_fd, 2)
    mod.sweep(first, cap, records_fd, errors_fd, int(stop_at_crash), CHILD_TIMEOUT)
    result = sweep_run(name)
    if result[7]:
        # a child, forked at allocation result[7]: judge it and report
        child(name, result[7], result[8], result)
        return
    end = "\t".join([str(result[1]), result[0], str(result[6]), clean(result[3])]).encode("utf-8", "replace")
    os.write(records_fd, b"0 0 %d 0\n" % len(end) + end)


def sweep(name, first, cap, stop_at_crash):
    """Sweeps n = first..cap (see the top): [(n, outcome, where, detail, deltas)] and the
    sweep's own record (counted, outcome, stopped_at, detail), None when the sweep process
    died (or made no progress for longer than a child may take)."""
    out.flush()
    sys.stderr.flush()
    # in-memory files (no module imported for them: an import would change the state the
    # tests see, sys.modules and sys.path_importer_cache)
    records = os.memfd_create("capicompat-allocfail-records")
    errors = os.memfd_create("capicompat-allocfail-stderr")
    pid = os.fork()
    if pid == 0:
        try:
            sweeper(name, first, cap, stop_at_crash, records, errors)
        finally:
            os._exit(0)
    size, progress, pause = 0, time.monotonic(), 0.0002
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        now_size = os.fstat(records).st_size
        if now_size != size:
            size, progress, pause = now_size, time.monotonic(), 0.0002
        elif time.monotonic() - progress > CHILD_TIMEOUT + 30:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            break
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
    data = os.pread(records, os.fstat(records).st_size, 0)
    os.close(records)
    os.close(errors)
    points, end, at = [], None, 0
    while at < len(data):
        newline = data.index(b"\n", at)
        n, status, report_size, err_size = (int(f) for f in data[at:newline].split())
        report = data[newline + 1:newline + 1 + report_size]
        err = data[newline + 1 + report_size:newline + 1 + report_size + err_size]
        at = newline + 1 + report_size + err_size
        if n == 0:
            counted, outcome, stopped_at, detail = report.decode("utf-8", "replace").split("\t", 3)
            end = (int(counted), outcome, int(stopped_at), detail)
        else:
            points.append((n,) + judge_child(status, report, err))
    return points, end


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
    errors, recovered, capped, cap = 0, 0, 0, caps[name]
    exceptions, functions = {}, {}

    def record(n, outcome, where, detail, deltas):
        """Counts and reports the point n (not a run that completed)."""
        global errors, recovered
        func = where.split(" ")[0]
        functions[func] = functions.get(func, 0) + 1
        if outcome in ("fail", "crash"):
            print("%s\t%s\t%d\t%s\t%s" % ("CRASH" if outcome == "crash" else "FAIL", name, n, where, detail))
            return
        if outcome == "error":
            errors += 1
            exceptions[detail] = exceptions.get(detail, 0) + 1
        else:
            recovered += 1
        if len(deltas) == 3:
            print("LEAK\t%s\t%d\t%s\t%s: the total reference count grew by %s (3 runs)"
                  % (name, n, where, "error " + detail if outcome == "error" else "recovered", deltas))

    # forked sweeps from n = 1. The first crash stops one (it forks no more, and runs to its
    # end): if the sweep process then dies too, the test cannot run in a forked child at all
    # (it uses thread states fork does not carry over), and is run in this process from there
    n, checked, forked = 1, False, True
    while forked:
        points, end = sweep(name, n, cap, not checked)
        for point in points:
            if point[1] == "crash" and not checked:
                checked = True
                if end is None:
                    forked = False
                    break
            record(*point)
            n = point[0] + 1
        if not forked:
            break
        if end is None:
            forked = False
            break
        counted, outcome, stopped_at, detail = end
        if stopped_at:
            continue
        if counted >= cap:
            capped = 1
        elif outcome == "unhit-fail":
            print("FAIL\t%s\t%d\t-\t%s" % (name, n, detail))
        break
    # in this process, a run per n; a crash ends the driver, which is restarted after this test
    while not forked:
        if n > cap:
            capped = 1
            break
        print("AT\t%s\t%d" % (name, n))
        out.flush()
        outcome, where, detail, deltas = evaluate(name, n)
        if outcome in ("complete", "unhit-fail"):
            if outcome == "unhit-fail":
                print("FAIL\t%s\t%d\t-\t%s" % (name, n, detail))
            break
        record(n, outcome, where, detail, deltas)
        n += 1
    print("DONE\t%s\t%d\t%d\t%d\t%d\t%s\t%s" % (
        name, n - 1, errors, recovered, capped,
        ",".join("%s=%d" % kv for kv in sorted(exceptions.items())),
        ",".join("%s=%d" % kv for kv in sorted(functions.items()))))
    out.flush()
print("ALLDONE")
