"""Run by generator/tests/hpy.rs with _hpy_multi (two translation units) on sys.path."""
import os
import subprocess
import sys

import _hpy_multi as m

assert m.__doc__ == "two translation units"
assert m.twice(3) == [3, 3]
assert m.twice.__doc__ == "twice(x) -> [x, x], built in the second unit"
o = object()
assert m.pairs(o) == [o, o]
b = m.Box(7)
assert b.weight == 7 and m.weight_of(b) == 7
b.weight = 9
assert m.weight_of(m.Box(9)) == 9
if hasattr(sys, "gettotalrefcount"):
    for _ in range(100):
        m.pairs(o), m.twice(o), m.weight_of(b)
    before = sys.gettotalrefcount()
    for _ in range(300):
        m.pairs(o), m.twice(o), m.weight_of(b)
    assert abs(sys.gettotalrefcount() - before) < 75, sys.gettotalrefcount() - before

# Threads racing the first use of race.c's context (its fill), each race in a fresh process (a
# context is filled once per process): every thread gets the same, completely filled context;
# in debug mode race.c holds exactly one set of context constants (one fill).
RACES = 4
THREADS = 8
CHILD = "import _hpy_multi as m; print(m.race(%d))" % THREADS

for i in range(RACES):
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=os.environ)
    assert out.returncode == 0, (i, out.returncode, out.stdout, out.stderr)
    # the debug layer reports misuse on stderr; the caller checks this process's, so pass it on
    sys.stderr.write(out.stderr)
    threads, same, complete, constants, handles = eval(out.stdout)
    assert threads == THREADS, out.stdout
    assert same is True, "threads got different contexts: " + out.stdout
    assert complete is True, "a thread saw a context not filled yet: " + out.stdout
    assert handles > 50, out.stdout
    assert constants in (-1, handles), "the context was filled more than once: " + out.stdout
print("hpy multi OK (and %d races of %d threads)" % (RACES, THREADS))
