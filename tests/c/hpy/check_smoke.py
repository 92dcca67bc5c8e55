"""Run by generator/tests/hpy.rs under each interpreter, with _hpy_smoke on sys.path."""
import ctypes
import struct
import sys

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


def raises(exc, message, fn, *args):
    """fn(*args) raises exactly exc (not a subclass), with message when it is not None."""
    try:
        fn(*args)
    except BaseException as e:
        assert type(e) is exc, (fn, args, type(e), e)
        assert message is None or str(e) == message, (fn, args, str(e))
    else:
        raise AssertionError(f"{fn.__name__}{args} did not raise {exc.__name__}")


# HPyLong_As*/From* (and HPyErr_Occurred on their error paths)
LP64 = sys.maxsize > 2**32 and struct.calcsize("l") == 8
LONG_BITS = struct.calcsize("l") * 8
LL_MAX, ULL_MAX = 2**63 - 1, 2**64 - 1
L_MAX, UL_MAX = 2 ** (LONG_BITS - 1) - 1, 2**LONG_BITS - 1
signed = {"long": L_MAX, "longlong": LL_MAX, "int32": 2**31 - 1, "int64": LL_MAX}
unsigned = {"ulong": UL_MAX, "ulonglong": ULL_MAX, "uint32": 2**32 - 1, "uint64": ULL_MAX, "size_t": sys.maxsize * 2 + 1}
for kind, top in signed.items():
    for v in (0, 1, -1, 7, top, -top - 1):
        assert m.conv(kind, v) == v, (kind, v, m.conv(kind, v))
    raises(OverflowError, None, m.conv, kind, top + 1)
    raises(OverflowError, None, m.conv, kind, -top - 2)
    raises(TypeError, None, m.conv, kind, "x")
for kind, top in unsigned.items():
    for v in (0, 1, 7, top):
        assert m.conv(kind, v) == v, (kind, v, m.conv(kind, v))
    raises(OverflowError, None, m.conv, kind, top + 1)
    raises(OverflowError, None, m.conv, kind, -1)
    raises(TypeError, None, m.conv, kind, "x")
raises(OverflowError, "can't convert negative value to size_t", m.conv, "size_t", -1)
# Masks truncate, never raise for ints.
for kind, bits in (("ulongmask", LONG_BITS), ("ulonglongmask", 64), ("uint32mask", 32), ("uint64mask", 64)):
    assert m.conv(kind, -1) == 2**bits - 1, kind
    assert m.conv(kind, 2**bits + 5) == 5, kind
    assert m.conv(kind, 12) == 12, kind
# HPy's semantics: HPyLong_AsLong goes through PyLong_AsLongLong on LP64 ...
if LP64:
    raises(OverflowError, "Python int too large to convert to C int32_t", m.conv, "int32", 2**31)
    raises(OverflowError, "Python int too large to convert to C int32_t", m.conv, "int32", -(2**31) - 1)
    raises(OverflowError, "Python int too large to convert to C uint32_t", m.conv, "uint32", 2**32)
    # The message is the interpreter's own PyLong_AsLongLong one: asked of CPython through
    # ctypes; PyPy has no ctypes.pythonapi, so there only the type is checked.
    ll_overflow = None
    if hasattr(ctypes, "pythonapi"):
        try:
            ctypes.pythonapi.PyLong_AsLongLong.restype = ctypes.c_longlong
            ctypes.pythonapi.PyLong_AsLongLong(ctypes.py_object(2**64))
        except OverflowError as e:
            ll_overflow = str(e)
        assert ll_overflow is not None
    else:
        assert sys.implementation.name == "pypy", sys.implementation
    raises(OverflowError, ll_overflow, m.conv, "long", 2**64)
    raises(OverflowError, ll_overflow, m.conv, "int64", 2**64)
# ... and HPyLong_AsUnsignedLong*/AsUInt* do not call __index__.
class Idx:
    def __index__(self):
        return 3
raises(TypeError, None, m.conv, "ulong", Idx())
raises(TypeError, None, m.conv, "uint64", Idx())
raises(TypeError, None, m.conv, "uint32", Idx())
raises(TypeError, "an integer is required", m.conv, "size_t", Idx())
raises(TypeError, "an integer is required", m.conv, "uint64", Idx())
raises(ValueError, "nope", m.conv, "nope", 1)

# HPyErr_Occurred / HPyErr_Clear
assert m.err_state() == (0, 1, 0, 1)

# HPy_Is, HPy_TypeCheck
x = object()
assert m.is_(x, x) == 1
assert m.is_(x, object()) == 0
assert m.is_(None, None) == 1
assert m.typecheck(True, int) == 1
assert m.typecheck(7, bool) == 0
assert m.typecheck("s", object) == 1
assert m.typecheck([], dict) == 0

# HPyBool_FromLong
assert m.bool_(0) is False
assert m.bool_(5) is True
assert m.bool_(-1) is True

# HPy_GetItem/SetItem/DelItem _i and _s (PyObject_*Item with a boxed key)
lst = [10, 20, 30]
assert m.item("get", lst, 1) == 20
assert m.item("get", lst, -1) == 30
raises(IndexError, None, m.item, "get", lst, 5)
raises(TypeError, None, m.item, "get", lst, "a")
d = {"a": 1, 4: "four"}
assert m.item("get", d, "a") == 1
assert m.item("get", d, 4) == "four"
raises(KeyError, None, m.item, "get", d, "zz")
raises(KeyError, None, m.item, "get", d, 5)
class Seen:
    def __getitem__(self, k):
        return ("got", k)
assert m.item("get", Seen(), -3) == ("got", -3)
assert m.item("get", Seen(), "k\u00e9") == ("got", "k\u00e9")
assert m.item("set", lst, -1, 33) == 0 and lst == [10, 20, 33]
raises(IndexError, None, m.item, "set", lst, 3, 0)
assert m.item("set", d, "b", 2) == 0 and d["b"] == 2
assert m.item("set", d, 7, 8) == 0 and d[7] == 8
raises(TypeError, None, m.item, "set", (1, 2), 0, 5)
raises(TypeError, None, m.item, "set", (1, 2), "k", 5)
assert m.item("del", lst, 0) == 0 and lst == [20, 33]
raises(IndexError, None, m.item, "del", lst, 9)
assert m.item("del", d, "a") == 0 and "a" not in d
assert m.item("del", d, 7) == 0 and 7 not in d
raises(KeyError, None, m.item, "del", d, "a")
raises(KeyError, None, m.item, "del", d, 7)
raises(TypeError, None, m.item, "del", "str", 0)
raises(TypeError, None, m.item, "get", 5, "k")
print("hpy smoke OK")
