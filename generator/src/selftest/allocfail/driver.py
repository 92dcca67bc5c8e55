# Runs inside the interpreter under test (`capi-compat test --alloc-fail`): for each test,
# for n = 1, 2, ... fails the nth allocation made inside a call of a function under test,
# until a run completes without reaching n (or n passes the cap). One line per finding;
# "AT name n" before each run names the point where a crash happened.
import gc, importlib.util, sys

path, modname, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
wanted = sys.argv[4:]
spec = importlib.util.spec_from_file_location(modname, path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
available = set(mod.names())
debug = mod.install()
print("DEBUG\t%d" % debug)
out = sys.stdout


def clean(text):
    return str(text).replace("\n", " ").replace("\t", " ")


for name in wanted:
    if name not in available:
        print("MISSING\t%s" % name)
        continue
    print("START\t%s" % name)
    out.flush()
    try:
        # warm-up, unarmed: one-off caches fill here, as in the self-test's leak check
        mod.run(name)
        mod.run(name)
    except BaseException as e:
        print("FAIL\t%s\t0\t-\tthe test fails with no allocation failed: %s" % (name, clean("%s: %s" % (type(e).__name__, e))))
        print("DONE\t%s\t0\t0\t0\t0\t\t" % name)
        continue
    n, errors, recovered, capped = 1, 0, 0, 0
    exceptions, functions = {}, {}
    while True:
        if n > cap:
            capped = 1
            break
        print("AT\t%s\t%d" % (name, n))
        out.flush()
        outcome, counted, where, detail, delta, unarmed = mod.allocfail(name, n)
        if outcome == "complete":
            break
        func = where.split(" ")[0]
        functions[func] = functions.get(func, 0) + 1
        if outcome == "fail":
            print("FAIL\t%s\t%d\t%s\t%s" % (name, n, clean(where), clean(detail)))
        else:
            if outcome == "error":
                errors += 1
                exceptions[detail] = exceptions.get(detail, 0) + 1
            else:
                recovered += 1
            if delta > 0:
                # confirmed only when the same point leaks again (a cache filling once is not a leak)
                deltas = [delta]
                for _ in range(2):
                    gc.collect()
                    again = mod.allocfail(name, n)
                    if again[0] != outcome or again[4] <= 0:
                        break
                    deltas.append(again[4])
                if len(deltas) == 3:
                    print("LEAK\t%s\t%d\t%s\t%s: the total reference count grew by %s (3 runs)"
                          % (name, n, clean(where), "error " + detail if outcome == "error" else "recovered", deltas))
        n += 1
    print("DONE\t%s\t%d\t%d\t%d\t%d\t%s\t%s" % (
        name, n - 1, errors, recovered, capped,
        ",".join("%s=%d" % kv for kv in sorted(exceptions.items())),
        ",".join("%s=%d" % kv for kv in sorted(functions.items()))))
    out.flush()
print("ALLDONE")
