"""Run by generator/tests/hpy.rs under each interpreter, with _hpy_api on sys.path: the custom
API functions of the HPy layer, their results, exact exception types and messages, and (on
-dbg builds, through sys.gettotalrefcount) that loops over them leak no references."""
import contextvars
import errno
import gc
import os
import subprocess
import sys
import weakref

import _hpy_api as m

PYPY = sys.implementation.name == "pypy"
REFCOUNTS = hasattr(sys, "getrefcount") and not PYPY


def raises(exc, message, fn, *args):
    """fn(*args) raises exactly exc (not a subclass), with message when it is not None."""
    try:
        fn(*args)
    except BaseException as e:
        assert type(e) is exc, (fn, args, type(e), e)
        assert message is None or str(e) == message, (fn, args, str(e))
        return e
    raise AssertionError(f"{fn.__name__}{args} did not raise {exc.__name__}")


def collect():
    for _ in range(3):
        gc.collect()


def no_leak(what, fn, n=300):
    """fn() run n times leaves the total reference count as it was (on -dbg builds)."""
    if not hasattr(sys, "gettotalrefcount"):
        fn()
        return
    # Warm-up runs fill the interpreter's caches (specialised bytecode, type caches, free
    # lists), which can still grow during the first measured runs: a real leak grows every
    # time, so the check passes when one of three measurements stays flat.
    for _ in range(100):
        fn()
    grown = []
    for _ in range(3):
        collect()
        before = sys.gettotalrefcount()
        for _ in range(n):
            fn()
        collect()
        grown.append(sys.gettotalrefcount() - before)
        if grown[-1] < n // 10:
            return
    raise AssertionError(f"{what}: {grown} references leaked over {n} runs, three times")


def refs_unchanged(what, objs, fn):
    """fn() leaves each object's own reference count as it was (CPython)."""
    if not REFCOUNTS:
        fn()
        return
    before = [sys.getrefcount(o) for o in objs]
    fn()
    after = [sys.getrefcount(o) for o in objs]
    assert before == after, (what, before, after)


class Obj:
    pass


# ---- HPyListBuilder / HPyTupleBuilder ----
o = Obj()
items = [1, "a", o]
assert m.builder("list", items, "build", 3) == [1, "a", o]
assert type(m.builder("list", items, "build", 3)) is list
assert m.builder("tuple", items, "build", 3) == (1, "a", o)
assert type(m.builder("tuple", items, "build", 3)) is tuple
assert m.builder("list", [], "build", 0) == []
assert m.builder("tuple", [], "build", 0) == ()
assert m.builder("list", [], "cancel", 5) is None
assert m.builder("tuple", items, "cancel", 3) is None
# Set stores a new reference: the item lives on in the result after its handle is closed.
if REFCOUNTS:
    base = sys.getrefcount(o)
    built = [m.builder(k, [o, o], "build", 2) for k in ("list", "tuple")]
    assert sys.getrefcount(o) == base + 4, (sys.getrefcount(o), base)
    del built
    assert sys.getrefcount(o) == base
# Cancel drops the items the builder held.
refs_unchanged("list builder cancel", [o], lambda: m.builder("list", [o, o], "cancel", 2))
refs_unchanged("tuple builder cancel", [o], lambda: m.builder("tuple", [o, o], "cancel", 2))
# A failed New raises nothing (the builder asserts no error is pending); Build raises
# MemoryError, Set and Cancel do nothing.
for kind in ("list", "tuple"):
    for size in (-1, sys.maxsize):
        raises(MemoryError, None, m.builder, kind, [o], "build", size)
        assert m.builder(kind, [o], "cancel", size) is None
    refs_unchanged(f"{kind} builder failed Set", [o], lambda: raises(MemoryError, None, m.builder, kind, [o], "build", -1))
for kind in ("list", "tuple"):
    no_leak(f"{kind} builder build", lambda: m.builder(kind, [o, 1, "x"], "build", 3))
    no_leak(f"{kind} builder cancel", lambda: m.builder(kind, [o, 1, "x"], "cancel", 3))
    no_leak(f"{kind} builder failed", lambda: raises(MemoryError, None, m.builder, kind, [o], "build", -1))


# ---- HPy_Call ----
def f(*a, **k):
    return a, k


assert m.call(f, [], None) == ((), {})
# no arguments, args NULL: a call, not HPy_NULL without an exception
assert m.call_no_args(f) == ((), {})
assert m.call(f, [1, 2], None) == ((1, 2), {})
assert m.call(f, [1, 2, 3], ("x",)) == ((1, 2), {"x": 3})
assert m.call(f, [1, 2, 3], ("x", "y")) == ((1,), {"x": 2, "y": 3})
assert m.call(f, [1, 2], ()) == ((1, 2), {})
assert m.call(f, ["v"], ("only",)) == ((), {"only": "v"})
assert m.call(len, ["abcd"], None) == 4
assert m.call(dict, [1, 2], ("a", "b")) == {"a": 1, "b": 2}


def kwonly(a, *, b):
    return a - b


assert m.call(kwonly, [10, 3], ("b",)) == 7
raises(TypeError, None, m.call, kwonly, [10, 3], None)
raises(TypeError, None, m.call, 5, [], None)


def boom(*a):
    raise ValueError("boom")


raises(ValueError, "boom", m.call, boom, [1], None)
refs_unchanged("HPy_Call", [o, f], lambda: m.call(f, [o, o], ("k",)))
no_leak("HPy_Call", lambda: m.call(f, [o, 1, 2], ("k",)))
no_leak("HPy_Call error", lambda: raises(ValueError, None, m.call, boom, [o], None))


# ---- HPy_CallMethod (args[0] is the receiver) ----
class Meth:
    def m(self, a, b=0, *, c=0):
        return (self.__class__.__name__, a, b, c)


lst = [1]
assert m.call_method("append", [lst, 5], None) is None and lst == [1, 5]
assert m.call_method("upper", ["abc"], None) == "ABC"
mo = Meth()
assert m.call_method("m", [mo, 1], None) == ("Meth", 1, 0, 0)
assert m.call_method("m", [mo, 1, 2, 3], ("c",)) == ("Meth", 1, 2, 3)
assert m.call_method("m", [mo, 1, 2, 3], ("b", "c")) == ("Meth", 1, 2, 3)
raises(AttributeError, None, m.call_method, "nope", [mo], None)
raises(TypeError, None, m.call_method, "m", [mo], None)
refs_unchanged("HPy_CallMethod", [mo, o], lambda: m.call_method("m", [mo, o, o], ("c",)))
no_leak("HPy_CallMethod", lambda: m.call_method("m", [mo, o, 2, 3], ("c",)))
no_leak("HPy_CallMethod error", lambda: raises(AttributeError, None, m.call_method, "nope", [mo], None))

# ---- HPy_CallTupleDict ----
ARGS_MSG = "HPy_CallTupleDict requires args to be a tuple or null handle"
KW_MSG = "HPy_CallTupleDict requires kw to be a dict or null handle"
assert m.call_tuple_dict(f, None, None) == ((), {})
assert m.call_tuple_dict(f, (1, 2), None) == ((1, 2), {})
assert m.call_tuple_dict(f, None, {"a": 1}) == ((), {"a": 1})
assert m.call_tuple_dict(f, (1,), {"a": 1}) == ((1,), {"a": 1})
assert m.call_tuple_dict(f, (), {}) == ((), {})


class T(tuple):
    pass


class D(dict):
    pass


assert m.call_tuple_dict(f, T((1,)), D(a=2)) == ((1,), {"a": 2})
raises(TypeError, ARGS_MSG, m.call_tuple_dict, f, [1, 2], None)
raises(TypeError, ARGS_MSG, m.call_tuple_dict, f, [1, 2], {"a": 1})
raises(TypeError, KW_MSG, m.call_tuple_dict, f, (1,), [("a", 1)])
raises(TypeError, KW_MSG, m.call_tuple_dict, f, None, 5)
raises(ValueError, "boom", m.call_tuple_dict, boom, (1,), None)
raises(TypeError, None, m.call_tuple_dict, kwonly, (1, 2), None)
refs_unchanged("HPy_CallTupleDict", [o], lambda: m.call_tuple_dict(f, (o,), {"k": o}))
for a, k in ((None, None), ((o,), None), (None, {"k": o}), ((o,), {"k": o})):
    no_leak(f"HPy_CallTupleDict {a} {k}", lambda: m.call_tuple_dict(f, a, k))
no_leak("HPy_CallTupleDict type error", lambda: raises(TypeError, ARGS_MSG, m.call_tuple_dict, f, [o], None))

# ---- HPy_CallMethodTupleDict(_s): str name -> HPy_CallMethodTupleDict, bytes -> _s ----
for name in ("m", b"m"):
    assert m.call_method_tuple_dict(name, mo, (1,), None) == ("Meth", 1, 0, 0)
    assert m.call_method_tuple_dict(name, mo, (1, 2), {"c": 3}) == ("Meth", 1, 2, 3)
    assert m.call_method_tuple_dict(name, mo, None, {"a": 4}) == ("Meth", 4, 0, 0)
    raises(TypeError, None, m.call_method_tuple_dict, name, mo, None, None)
    raises(TypeError, ARGS_MSG, m.call_method_tuple_dict, name, mo, [1], None)
    raises(TypeError, KW_MSG, m.call_method_tuple_dict, name, mo, (1,), [1])
    no_leak("HPy_CallMethodTupleDict", lambda: m.call_method_tuple_dict(name, mo, (o,), {"c": o}))
    no_leak("HPy_CallMethodTupleDict error", lambda: raises(TypeError, ARGS_MSG, m.call_method_tuple_dict, name, mo, [o], None))
for name in ("nope", b"nope"):
    raises(AttributeError, None, m.call_method_tuple_dict, name, mo, (1,), None)
    no_leak("HPy_CallMethodTupleDict missing", lambda: raises(AttributeError, None, m.call_method_tuple_dict, name, mo, None, None))
assert m.call_method_tuple_dict("m\u00e9".encode(), type("X", (), {"m\u00e9": lambda self: 9})(), None, None) == 9

# ---- HPyBytes_FromStringAndSize ----
assert m.bytes_(b"abc", 3) == b"abc"
assert m.bytes_(b"abcdef", 2) == b"ab"
assert m.bytes_(b"a\0b", 3) == b"a\0b"
assert m.bytes_(b"", 0) == b""
raises(ValueError, "NULL char * passed to HPyBytes_FromStringAndSize", m.bytes_, None, 3)
raises(ValueError, "NULL char * passed to HPyBytes_FromStringAndSize", m.bytes_, None, 0)
no_leak("HPyBytes_FromStringAndSize", lambda: m.bytes_(b"abc", 3))
no_leak("HPyBytes_FromStringAndSize NULL", lambda: raises(ValueError, None, m.bytes_, None, 3))

# ---- HPyTuple_FromArray, HPyTuple_Pack ----
for seq in ([], [1], [1, "a"], [1, "a", o], [None, 2.5, o, ()]):
    assert m.tuple_from_array(seq) == tuple(seq), seq
    assert m.tuple_pack(seq) == tuple(seq), seq
    assert type(m.tuple_pack(seq)) is tuple
if REFCOUNTS:
    base = sys.getrefcount(o)
    t1, t2 = m.tuple_from_array([o, o]), m.tuple_pack([o, o, o])
    assert sys.getrefcount(o) == base + 5, (sys.getrefcount(o), base)
    del t1, t2
    assert sys.getrefcount(o) == base
no_leak("HPyTuple_FromArray", lambda: m.tuple_from_array([o, 1, "x"]))
no_leak("HPyTuple_Pack", lambda: m.tuple_pack([o, 1, "x", o]))

# ---- HPy_DelAttr, HPy_DelAttr_s (bytes name) ----
d = Obj()
d.x = 1
d.y = 2
assert m.delattr_(d, "x") == 0 and not hasattr(d, "x")
assert m.delattr_(d, b"y") == 0 and not hasattr(d, "y")
raises(AttributeError, None, m.delattr_, d, "x")
raises(AttributeError, None, m.delattr_, d, b"y")
raises(AttributeError, None, m.delattr_, 1, "real")
raises(TypeError, None, m.delattr_, d, 5)


def del_again():
    d.z = o
    assert m.delattr_(d, "z") == 0
    d.z = o
    assert m.delattr_(d, b"z") == 0


refs_unchanged("HPy_DelAttr", [o], del_again)
no_leak("HPy_DelAttr", del_again)

# ---- HPyErr_SetFromErrno, HPyErr_SetFromErrnoWithFilenameObject ----
e = raises(FileNotFoundError, None, m.set_from_errno, errno.ENOENT, OSError, None)
assert e.errno == errno.ENOENT and e.strerror == os.strerror(errno.ENOENT), e
assert e.filename is None and e.filename2 is None, e
e = raises(FileNotFoundError, None, m.set_from_errno, errno.ENOENT, OSError, "f.txt")
assert e.errno == errno.ENOENT and e.filename == "f.txt" and e.filename2 is None, e
e = raises(PermissionError, None, m.set_from_errno, errno.EACCES, OSError, b"raw")
assert e.filename == b"raw", e
e = raises(ValueError, None, m.set_from_errno, errno.ENOENT, ValueError, None)
assert e.args == (errno.ENOENT, os.strerror(errno.ENOENT)), e.args
no_leak("HPyErr_SetFromErrno", lambda: raises(FileNotFoundError, None, m.set_from_errno, errno.ENOENT, OSError, None))
no_leak("HPyErr_SetFromErrnoWithFilenameObject",
        lambda: raises(FileNotFoundError, None, m.set_from_errno, errno.ENOENT, OSError, "f"))

# ---- Capsules ----
INVALID = "Invalid HPyCapsule destructor"


def drained():
    collect()
    return m.capsule_log()


assert drained() == []
c = m.capsule_new("first", True)
assert m.capsule_op(c, "info") == ("capsule_name", "a", None, 1, 0)
del c
assert drained() == [("first", "capsule_name", "a", None)]
c = m.capsule_new("first", True)
assert m.capsule_op(c, "set") == 0
assert m.capsule_op(c, "info") == ("capsule_name", "b", "c", 1, 0)
del c
assert drained() == [("first", "capsule_name", "b", "c")]
c = m.capsule_new("first", False)
assert m.capsule_op(c, "info") == (None, "a", None, 1, 1)
del c
assert drained() == [("first", None, "a", None)]
c = m.capsule_new("first", True)
assert m.capsule_op(c, "unset_name") == 0
assert m.capsule_op(c, "info") == (None, "a", None, 1, 1)
del c
assert drained() == [("first", None, "a", None)]
# No destructor
c = m.capsule_new("none", True)
assert m.capsule_op(c, "info") == ("capsule_name", "a", None, 1, 0)
del c
assert drained() == []
# HPyCapsule_SetDestructor replaces or removes the destructor.
c = m.capsule_new("first", True)
assert m.capsule_op(c, "second") == 0
del c
assert drained() == [("second", "capsule_name", "a", None)]
c = m.capsule_new("none", True)
assert m.capsule_op(c, "second") == 0
del c
assert drained() == [("second", "capsule_name", "a", None)]
c = m.capsule_new("first", True)
assert m.capsule_op(c, "none") == 0
del c
assert drained() == []
# An HPyCapsule_Destructor missing one of its functions is refused (and changes nothing).
raises(ValueError, INVALID, m.capsule_new, "no_impl", True)
raises(ValueError, INVALID, m.capsule_new, "no_trampoline", True)
assert drained() == []
c = m.capsule_new("first", True)
raises(ValueError, INVALID, m.capsule_op, c, "no_impl")
del c
assert drained() == [("first", "capsule_name", "a", None)]
# The one-to-one accessors' errors come from the interpreter's PyCapsule_*.
c = m.capsule_new("none", True)
raises(ValueError, "PyCapsule_SetPointer called with null pointer", m.capsule_op, c, "bad_pointer")
raises(ValueError, None, m.capsule_op, c, "wrong_name")
assert m.capsule_op(c, "info") == ("capsule_name", "a", None, 1, 0)
del c
raises(ValueError, None, m.capsule_op, o, "info")
assert drained() == []
# Many capsules: each destructor runs exactly once, and nothing leaks.
caps = [m.capsule_new("first", True) for _ in range(40)]
del caps
assert drained() == [("first", "capsule_name", "a", None)] * 40
no_leak("HPyCapsule_New", lambda: m.capsule_new("first", True))
no_leak("HPyCapsule_SetDestructor", lambda: m.capsule_op(m.capsule_new("first", True), "second"))
no_leak("HPyCapsule_New invalid", lambda: raises(ValueError, INVALID, m.capsule_new, "no_impl", True))
m.capsule_log()

# ---- HPyContextVar_Get ----
v = contextvars.ContextVar("v")
assert m.contextvar_get(v, None) == (0, "<NULL>")
assert m.contextvar_get(v, 5) == (0, 5)
token = v.set(o)
assert m.contextvar_get(v, 5) == (0, o)
assert m.contextvar_get(v, None)[1] is o
v.reset(token)
assert m.contextvar_get(v, None) == (0, "<NULL>")
w = contextvars.ContextVar("w", default=3)
assert m.contextvar_get(w, None) == (0, 3)
assert m.contextvar_get(w, 9) == (0, 9)
assert contextvars.copy_context().run(lambda: (w.set(4), m.contextvar_get(w, 9))[1]) == (0, 4)
raises(TypeError, None, m.contextvar_get, "not a var", None)
v.set(o)
refs_unchanged("HPyContextVar_Get", [o], lambda: m.contextvar_get(v, None))
no_leak("HPyContextVar_Get", lambda: (m.contextvar_get(v, None), m.contextvar_get(w, o)))
no_leak("HPyContextVar_Get unset", lambda: m.contextvar_get(contextvars.ContextVar("u"), None))
no_leak("HPyContextVar_Get error", lambda: raises(TypeError, None, m.contextvar_get, o, None))

# ---- HPy_Compile_s and HPy_SourceKind ----
EXPR, FILE, SINGLE = m.source_kinds()
assert (EXPR, FILE, SINGLE) == (0, 1, 2)
code = m.compile_s("1 + 2", "<expr>", EXPR)
assert type(code).__name__ == "code" and code.co_filename == "<expr>"
assert eval(code) == 3
code = m.compile_s("x = 5\ny = x * 2\n", "file.py", FILE)
ns = {}
exec(code, ns)
assert ns["x"] == 5 and ns["y"] == 10 and code.co_filename == "file.py"
code = m.compile_s("z = 7", "<single>", SINGLE)
ns = {}
exec(code, ns)
assert ns["z"] == 7
raises(SyntaxError, None, m.compile_s, "x = 5", "<expr>", EXPR)
raises(SyntaxError, None, m.compile_s, "1 +", "<file>", FILE)
for bad in (3, -1, 258):
    raises(SystemError, "invalid source kind", m.compile_s, "1", "<bad>", bad)
no_leak("HPy_Compile_s", lambda: m.compile_s("a + 1", "<leak>", EXPR))
no_leak("HPy_Compile_s error", lambda: raises(SystemError, None, m.compile_s, "1", "<bad>", 3))

# ---- HPyGlobal_Store / HPyGlobal_Load ----
g1 = Obj()
g1_ref = weakref.ref(g1)
m.global_store(g1)
del g1
collect()
assert g1_ref() is not None, "the global does not keep its object alive"
assert m.global_load() is g1_ref()
assert m.global_load() is m.global_load()
g2 = Obj()
g2_ref = weakref.ref(g2)
m.global_store(g2)
del g2
collect()
assert g1_ref() is None, "replacing the global did not release the old object"
assert m.global_load() is g2_ref()
m.global_store(g2_ref())  # storing the same object again keeps it
collect()
assert g2_ref() is not None and m.global_load() is g2_ref()
m.global_store(None)  # HPy_NULL empties the global and releases its object
collect()
assert g2_ref() is None
assert m.global_load() is None
if REFCOUNTS:
    base = sys.getrefcount(o)
    m.global_store(o)
    assert sys.getrefcount(o) == base + 1
    loaded = m.global_load()
    assert sys.getrefcount(o) == base + 2
    del loaded
    m.global_store(o)
    assert sys.getrefcount(o) == base + 1
    m.global_store(None)
    assert sys.getrefcount(o) == base
# The old object is released only once the global holds the new one: a finaliser that loads
# the global sees the new object.
seen = []


class Spy:
    def __del__(self):
        seen.append(m.global_load())


m.global_store(Spy())
g3 = Obj()
m.global_store(g3)
collect()
assert seen == [g3], seen
no_leak("HPyGlobal_Store", lambda: (m.global_store(Obj()), m.global_store(o), m.global_load()))
m.global_store(None)

# ---- HPySlice_AdjustIndices: same as the interpreter's PySlice_AdjustIndices ----
for length in (0, 1, 5, 10):
    for step in (1, 2, 3, -1, -2, -4):
        for start in range(-13, 14, 3):
            for stop in range(-14, 15, 4):
                ours, theirs = m.slice_adjust(length, start, stop, step)
                assert ours == theirs, (length, start, stop, step, ours, theirs)
                assert ours[0] == len(range(length)[start:stop:step]), (length, start, stop, step, ours)
assert m.slice_adjust(10, -sys.maxsize - 1, sys.maxsize, 1)[0] == (10, 0, 10)
assert m.slice_adjust(10, sys.maxsize, -sys.maxsize - 1, -1)[0] == (10, 9, -1)

# ---- HPy after 0.9 (its main branch): list insert, slices, iterators, HPySlice_New, h_DictType ----
A = m.after09
lst = [1, 2, 3]
assert A("insert", lst, 1, "x") == 0 and lst == [1, "x", 2, 3]
assert A("insert", lst, -1, "y") == 0 and lst == [1, "x", 2, "y", 3]
assert A("insert", lst, 100, "z") == 0 and lst[-1] == "z"
raises(SystemError, None, A, "insert", (1, 2), 0, 5)  # PyList_Insert: a list is required
assert A("getslice", [0, 1, 2, 3, 4], 1, 3) == [1, 2]
assert A("getslice", "hello", -4, 100) == "ello"
assert A("getslice", (0, 1, 2), 2, 1) == ()
raises(TypeError, None, A, "getslice", 5, 0, 1)
lst = [0, 1, 2, 3, 4]
assert A("setslice", lst, 1, 3, "ab") == 0 and lst == [0, "a", "b", 3, 4]
assert A("delslice", lst, 0, 2) == 0 and lst == ["b", 3, 4]
assert A("setslice", lst, 0, 1, None) == 0 and lst == [3, 4]  # HPy_NULL value deletes
raises(TypeError, None, A, "setslice", (1, 2), 0, 1, [5])
raises(TypeError, None, A, "delslice", "abc", 0, 1)
it = A("getiter", [1, 2])
assert A("itercheck", it) == 1 and A("itercheck", [1, 2]) == 0 and A("itercheck", 5) == 0
assert A("next", it) == (1,) and A("next", it) == (2,) and A("next", it) == ()
raises(TypeError, None, A, "getiter", 5)


class Boom:
    def __iter__(self):
        return self

    def __next__(self):
        raise ValueError("boom")


raises(ValueError, "boom", A, "next", Boom())
assert A("slice", 1, 10, 2) == slice(1, 10, 2)
assert A("slice", None, 5, None) == slice(None, 5, None)
assert [0, 1, 2, 3, 4, 5][A("slice", None, None, -2)] == [5, 3, 1]
assert A("dicttype") is dict
assert A("const_tuple", 1, "b") == (1, "b")
no_leak("HPy after 0.9", lambda: (A("insert", [1], 0, o), A("getslice", [o, o], 0, 1), A("next", A("getiter", [o])),
                                   A("slice", o, None, 1), A("setslice", [1, 2], 0, 1, [o]), A("delslice", [o], 0, 1)))

# ---- HPy_AsVoidP / HPy_FromVoidP ----
assert m.voidp(o) is True
assert m.voidp(None) is True
refs_unchanged("HPy_AsVoidP", [o], lambda: m.voidp(o))


# ---- _HPy_Dump and HPy_FatalError, in child processes ----
def child(code):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(m.__file__) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


r = child("import _hpy_api, sys; _hpy_api.dump([1, 'a']); _hpy_api.dump('x\u00e9'); print('alive')")
assert r.returncode == 0 and r.stdout == "alive\n", r
lines = r.stderr.splitlines()
assert "object repr     : [1, 'a']" in lines, r.stderr
assert "object repr     : 'x\u00e9'" in lines, r.stderr
assert "object type name: list" in lines and "object type name: str" in lines, r.stderr
r = child("import _hpy_api; _hpy_api.dump_null(); print('alive')")
assert r.returncode == 0 and r.stdout == "alive\n", r
assert r.stderr.startswith("<object at ") and r.stderr.endswith(" is freed>\n"), r.stderr

r = child("import _hpy_api; _hpy_api.fatal('boom!'); print('survived')")
assert r.returncode != 0 and "survived" not in r.stdout, r
first = r.stderr.splitlines()[0] if r.stderr else ""
# CPython's Py_FatalError and PyPy's (cpyext's _Py_FatalErrorFunc) both print
# "Fatal Python error: <function>: <message>" first, as HPy's own test expects.
assert first.startswith("Fatal Python error: ") and first.endswith(": boom!"), r.stderr
assert first == "Fatal Python error: HPy_FatalError: boom!", first

print("hpy api OK")
