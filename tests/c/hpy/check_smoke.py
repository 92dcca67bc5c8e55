"""Run by generator/tests/hpy.rs under each interpreter, with _hpy_smoke on sys.path."""
import _hpy_smoke as m

assert m.add(2, 3) == 5
assert m.add("a", "b") == "ab"
try:
    m.add(1, "x")
except TypeError:
    pass
else:
    raise AssertionError("add(1, 'x') did not raise")
assert m.twice(21) == 42
try:
    m.twice("x")
except TypeError:
    pass
else:
    raise AssertionError("twice('x') did not raise")
assert m.attr_repr(3 + 4j, "imag") == "4.0"
try:
    m.attr_repr(1, "nope")
except AttributeError:
    pass
else:
    raise AssertionError("attr_repr(1, 'nope') did not raise")
try:
    m.fail("boom")
except TypeError as e:
    assert str(e) == "boom", str(e)
else:
    raise AssertionError("fail() did not raise")
assert m.classify(None) == "none"
assert m.classify(7) == "int"
assert m.classify(True) == "other"
obj = object()
assert m.dup_refs(obj) == (1, 0), m.dup_refs(obj)
assert m.build(3) == ([0.5, 1.5, 2.5], True)
print("hpy smoke OK")
