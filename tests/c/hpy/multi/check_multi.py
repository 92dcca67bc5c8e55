"""Run by generator/tests/hpy.rs with _hpy_multi (two translation units) on sys.path."""
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
print("hpy multi OK")
