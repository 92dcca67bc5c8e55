"""Tests of the upgraded fixture (tests/upgrade/after/_upgraded.c) on one interpreter."""
import gc
import os.path
import sys

import _upgraded as m

assert m.trap() == "_PyLong_AsInt(x) x == Py_None Py_TYPE(o) = t;", m.trap()

assert m.as_int(5) == 5 and m.as_int(-2**31) == -2**31 and m.as_int_macro(7) == 7
for bad, exc in ((2**31, OverflowError), ("x", TypeError), (1.5, TypeError)):
    for f in (m.as_int, m.as_int_macro):
        try:
            f(bad)
        except exc:
            pass
        else:
            raise AssertionError("%s(%r) did not raise %s" % (f.__name__, bad, exc.__name__))


class Obj:
    present = 42

    @property
    def broken(self):
        raise ValueError("broken")


assert m.lookup(Obj(), "present") == 42
assert m.lookup(Obj(), "missing") is None
try:
    m.lookup(Obj(), "broken")
except ValueError:
    pass
else:
    raise AssertionError("lookup did not raise")

assert m.finalizing() is False
assert m.module_attr("os.path", "join") is os.path.join
try:
    m.module_attr("os", "no_such_attribute")
except AttributeError:
    pass
else:
    raise AssertionError("module_attr did not raise")

assert [m.classify(x) for x in (None, True, False, 0)] == ["none", "true", "false", "other"]
assert [m.flags(x) for x in (None, False, True, 1)] == [1, 2, 4, 0]

obj = object()
if hasattr(sys, "getrefcount"):
    before = sys.getrefcount(obj)
    result = m.identity(obj)
    assert result is obj and sys.getrefcount(obj) == before + 1
    del result
    assert sys.getrefcount(obj) == before
    t = (1, 2)
    before = sys.getrefcount(t)
    assert m.maybe_copy(t) is t
    assert sys.getrefcount(t) == before
assert m.identity(obj) is obj
lst = [1, 2]
copy = m.maybe_copy(lst)
assert copy == lst and copy is not lst
assert m.via_pointer(obj) is obj


class A:
    pass


class B:
    pass


a = A()
assert m.set_class(a, B) is True and type(a) is A
assert m.shrink() is True
assert m.attr_of("os.path", "join") is os.path.join
assert m.same_interpreter() is True
data = b"capi-compat"
assert m.hashes(data)[0] == hash(data)
assert m.hashes(data)[1] == m.hashes(data)[1]
assert m.text_checks("abc") == (1, "abc") and m.text_checks("abd") == (0, "abd")
assert m.calls(list, (("x",),)) == ([], ["x"])
if sys.implementation.name == "cpython":  # PyPy's PyEval_CallObject and PyObject_CallObject both take a list
    try:
        m.calls(list, ["not a tuple"])
    except TypeError:
        pass
    else:
        raise AssertionError("calls did not raise")
assert m.join(b"-", [b"a", b"b"]) == b"a-b"


resurrected = []


class Resurrects:
    def __del__(self):
        resurrected.append(self)


def finalized_object():
    obj = Resurrects()
    del obj
    gc.collect()
    return resurrected.pop()


assert m.finalized_and_called([], len, ("abc",)) == (0, 3)
# PyPy's PyObject_GC_IsFinalized (which its _PyGC_FINALIZED also expands to) is 0 for
# every object: cpyext keeps no GC header for a finalized flag.
FINALIZED = 1 if sys.implementation.name == "cpython" else 0
assert m.finalized_and_called(finalized_object(), divmod, (7, 2)) == (FINALIZED, (3, 1))
try:
    m.finalized_and_called([], len, ())
except TypeError:
    pass
else:
    raise AssertionError("finalized_and_called did not raise")
print("upgraded fixture: all checks passed on", sys.version.split()[0])
