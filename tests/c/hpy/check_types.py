"""Run by generator/tests/hpy.rs under each interpreter, with _hpy_types on sys.path."""
import gc
import sys
import types

import _hpy_types as m

PYPY = sys.implementation.name == "pypy"


def raises(exc, message, fn, *args, **kwargs):
    """fn(*args) must raise exactly exc; with message, str(e) must equal it (or, for a
    callable message, satisfy it)."""
    try:
        fn(*args, **kwargs)
    except BaseException as e:  # noqa: BLE001 - checked below
        if type(e) is not exc:
            raise AssertionError(f"{fn.__name__}{args}: expected {exc.__name__}, got {type(e).__name__}: {e}")
        if message is not None:
            ok = message(str(e)) if callable(message) else str(e) == message
            if not ok:
                raise AssertionError(f"{fn.__name__}{args}: message {str(e)!r}, expected {message!r}")
        return e
    raise AssertionError(f"{fn.__name__}{args} did not raise {exc.__name__}")


def collect():
    for _ in range(3):
        gc.collect()


def skip(reason):
    """A check this interpreter cannot run: generator/tests/hpy.rs reports the line as a skip."""
    print(f"SKIP: {reason}")


# ---- the module: multi-phase init, state, exec slots in order, legacy methods
assert m.__doc__ == "HPy definition machinery tests", m.__doc__
assert m.bump() == 42  # 40 from mod_exec, +1 from mod_exec2, +1 here
assert m.bump() == 43
assert m.legacy_hello() == "hello"
assert m.__spec__.name == "_hpy_types"

# ---- Point: members, getset, methods of every signature, slots
P = m.Point
assert P.__doc__ == "a point"
assert P.__module__ == "_hpy_types" and P.__name__ == "Point"
p = P(3, -4)
assert (p.x, p.y) == (3, -4)
p.x = 5
assert p.x == 5
raises(AttributeError, None, setattr, p, "y", 1)
assert P.y.__doc__ == "the y coordinate"
assert P.obj.__doc__ == "an object kept in an HPyField"
assert P.norm1.__doc__ == "|x| + |y|"
assert p.norm1() == 9
assert p.times(2) == 2
assert p.move(1, 2) == 5 + 1 - 4 + 2
raises(TypeError, "move(dx, dy)", p.move, 1)
assert p.count() == 0
assert p.count(1, 2, 3) == 300
assert p.count(1, a=10, b=20) == 100 + 2 + 30
assert p.scaled == 15
p.setx = 7
assert p.x == 7
raises(AttributeError, "cannot delete setx", delattr, p, "setx")
raises(TypeError, "Point(x, y)", P, 1)
raises(TypeError, None, p.times, "x")
q = P(1, 1)
r = p + q
assert type(r) is P and (r.x, r.y) == (8, -3)
assert p.__add__(3) is NotImplemented
raises(TypeError, None, lambda: p + 3)
assert -p == -3
assert bool(p) and not bool(P(0, 0))
assert len(p) == 2 and p[0] == 7 and p[1] == -4 and list(p) == [7, -4]
assert hash(P(2, 3)) == 2003
assert repr(p) == "Point(7, -4)" and str(p) == "Point(7, -4)"
assert P(1, 2) == P(1, 2) and P(1, 2) != P(1, 3)
assert P(1, 2) < P(1, 3) <= P(1, 3) and P(2, 0) > P(1, 9) >= P(1, 9)
assert (P(1, 2) == 5) is False
raises(TypeError, None, lambda: P(1, 2) < 5)

# HPyField: get/set/delete, the object kept alive by the field
assert p.obj is None
o = object()
p.obj = o
assert p.obj is o
del p.obj
assert p.obj is None
if hasattr(sys, "getrefcount"):
    o = object()
    before = sys.getrefcount(o)
    p.obj = o
    assert sys.getrefcount(o) == before + 1
    p.obj = None
    assert sys.getrefcount(o) == before

# HPyMember_OBJECT reads a NULL field as None, HPyMember_OBJECT_EX raises AttributeError
pm = P(0, 0)
assert pm.obj_member is None
raises(AttributeError, lambda s: "OBJECT_EX_member" in s, getattr, pm, "OBJECT_EX_member")
pm.obj = pm
assert pm.obj_member is pm and pm.OBJECT_EX_member is pm
del pm.obj, pm

# the hidden marker is not an attribute
assert not hasattr(p, "__capicompat_hpy__")

# ---- GC: cycles through HPyFields are collected; HPy_tp_destroy runs for each object
collect()
d0 = m.counters()[0]
a = P(1, 1)
a.obj = P(2, 2)  # no cycle: freed by reference counting, fields cleared by tp_dealloc
del a
collect()
assert m.counters()[0] == d0 + 2, (m.counters(), d0)
# a long chain through HPyFields is freed without one C recursion per object (trashcan)
collect()
d0 = m.counters()[0]
head = P(0, 0)
for i in range(200000):
    node = P(i, i)
    node.obj = head
    head = node
del head, node
collect()
if not PYPY:  # cpyext frees C objects of dead chains later, at its own pace
    assert m.counters()[0] == d0 + 200001, (m.counters(), d0)
# PyPy's cpyext does not collect reference cycles through C extension objects
if not PYPY:
    d0 = m.counters()[0]
    a, b = P(1, 1), P(2, 2)
    a.obj, b.obj = b, a
    del a, b
    collect()
    assert m.counters()[0] == d0 + 2, (m.counters(), d0)
    a = P(1, 1)
    a.obj = [a]
    del a
    collect()
    assert m.counters()[0] == d0 + 3
if not PYPY:
    a = P(0, 0)
    assert gc.is_tracked(a)
    assert a in gc.get_referrers(P) or True
    box = []
    a.obj = box
    assert box in gc.get_referents(a)
    assert P in gc.get_referents(a)
    del a


# a Python subclass of an HPy type
class Sub(P):
    def norm1(self):
        return super().norm1() * 10


collect()
d0 = m.counters()[0]
s = Sub(1, -2)
assert s.norm1() == 30 and isinstance(s, P) and s.x == 1
if not PYPY:
    s.obj = s
    s.extra = s
del s
collect()
assert m.counters()[0] == d0 + 1
assert m.is_subtype(Sub, P) is True and m.is_subtype(P, Sub) is False
assert m.is_subtype(bool, int) is True
assert m.type_name(P) == "Point" and m.type_name(Sub) == "Sub"
assert m.type_name(int) == "int" and m.type_name(types.SimpleNamespace) == "SimpleNamespace"

# HPy_New / HPyType_GenericNew
raises(TypeError, "HPy_New arg 1 must be a type", m.new_of, 1)
raises(TypeError, "HPy_Type_GenericNew arg 1 must be a type", m.generic_new, 1)
n = m.new_of(P)
assert type(n) is P and (n.x, n.y, n.obj) == (0, 0, None)
n = m.generic_new(P)
assert type(n) is P and (n.x, n.y) == (0, 0)
del n

# ---- Legacy shape: PyObject_HEAD in the struct, legacy methods merged
L = m.Legacy
lo = L(1, 2, 3)
assert lo.value == 3 and lo.get_value() == 3 and lo.twice() == 6
lo.value = 10
assert lo.get_value() == 10 and lo.legacy_value == 10 and lo.negated == -10
raises(AttributeError, None, setattr, lo, "legacy_value", 1)

# ---- a pure subclass of list (List shape)
T = m.TaggedList
assert T.__mro__ == (T, list, object)
t = T([1, 2, 3])
assert t == [1, 2, 3] and len(t) == 3 and t.tag == 0
t.tag = 7
t.append(4)
assert t.tag == 7 and t.tag_plus_len() == 11 and t[3] == 4
assert t.note is None
t.note = "n"
assert t.note == "n"
collect()
l0 = m.lists_destroyed()
item = object()
if hasattr(sys, "getrefcount"):
    before = sys.getrefcount(item)
    t.append(item)
    assert sys.getrefcount(item) == before + 1
else:
    t.append(item)
del t  # HPy's tp_dealloc, then list's own (which drops the items)
collect()
assert m.lists_destroyed() == l0 + 1
if hasattr(sys, "getrefcount"):
    assert sys.getrefcount(item) == before, "list items leaked"
if not PYPY:
    t = T([1])
    t.append(t)  # a cycle through the list part
    t2 = T()
    t2.note = t2  # and one through the HPyField
    del t, t2
    collect()
    assert m.lists_destroyed() == l0 + 3
    if hasattr(gc, "get_referents"):
        t = T([item])
        t.note = box = []
        refs = gc.get_referents(t)
        assert item in refs and box in refs, refs  # list items and the field
        del t, box


class SubList(T):
    pass


sl = SubList("ab")
sl.tag = 2
assert sl.tag_plus_len() == 4 and sl == ["a", "b"]
del sl

# ---- a pure subclass of float (Float shape)
UF = m.UnitFloat
assert UF.__mro__ == (UF, float, object)
uf = UF(2.5)
assert uf == 2.5 and uf.unit == 0
uf.unit = 4
assert uf.scaled() == 10.0 and float(uf) == 2.5 and uf + 1 == 3.5
del uf

# ---- a pure subclass of str (Unicode shape)
WS = m.WeightedStr
assert WS.__mro__ == (WS, str, object)
for text in ("", "abc", "h\u00e9llo w\u00f6rld " * 50, "\U0001f600"):
    ws = WS(text)
    assert ws == text and ws.weight == 0 and type(ws) is WS and len(ws) == len(text)
    ws.weight = 3
    assert ws.weight == 3 and ws == text and ws.score() == 3 * len(text) and ws.upper() == text.upper()
    assert hash(ws) == hash(text) and ws + "!" == text + "!"
    del ws

# ---- a pure subclass of tuple (Tuple shape), with at most one item (the later ones would
# share memory with the struct, as in HPy)
TT = m.TaggedTuple
assert TT.__mro__ == (TT, tuple, object)
for items in ((), (5,), ("x",)):
    tt = TT(items)
    assert tt == items and tt.tag == 0 and type(tt) is TT
    tt.tag = -7
    assert tt.tag == -7 and tt == items and len(tt) == len(items)
    del tt

# ---- a pure subclass of int (Long shape). CPython keeps an int's digits from a fixed offset
# in PyLongObject on, so the struct after it is only safe for one-digit values (as in HPy).
TI = m.TaggedInt
ti = TI(5)
assert ti == 5 and ti.extra == 0 and type(ti) is TI
ti.extra = 7
assert ti.extra == 7 and ti + 1 == 6 and ti == 5
del ti

# ---- Quad: init, mapping, contains, ternary power, in-place add, index/float, str, finalize
Q = m.Quad
qd = Q(1, 2, 3)
assert len(qd) == 4 and [qd[i] for i in range(4)] == [1, 2, 3, 0]
# HPy_tp_iter: last to first (the sequence protocol would give first to last)
assert list(qd) == [0, 3, 2, 1] and [x for x in qd] == [0, 3, 2, 1]
qd[3] = 9
assert qd[3] == 9
del qd[0]
assert qd[0] == 0
raises(IndexError, "Quad index out of range", lambda: qd[4])
raises(TypeError, "Quad(up to 4 ints)", Q, 1, 2, 3, 4, 5)
raises(TypeError, "Quad(up to 4 ints)", Q, a=1)
assert 9 in qd and 7 not in qd
raises(TypeError, None, lambda: "x" in qd)
assert pow(qd, 2) == 28 and pow(qd, 2, 5) == 33
q2 = qd
qd += 1
assert qd is q2 and [qd[i] for i in range(4)] == [1, 3, 4, 10]
assert qd.__index__() == 18 and [10, 20][Q(0, 1)] == 20 and float(qd) == 4.5
assert str(qd) == "a quad" and repr(qd).startswith("<_hpy_types.Quad object")
collect()
f0 = m.counters()[2]
del qd, q2
collect()
assert m.counters()[2] == f0 + 1


# ---- the trampolines of signatures no enabled slot uses
class Probe:
    def __iter__(self):
        return iter([1, 2])


assert m.probe_signatures(Probe()) == 11

# ---- HPy_tp_call (vectorcall), HPyDef_CALL_FUNCTION, HPy_SetCallFunction
A = m.Adder
ad = A()
assert ad() == 0
ad.base = 10
assert ad(1, 2) == 13 and ad(1, 2, x=3) == 16
assert A.__vectorcalloffset__.__class__.__name__ == "member_descriptor"
ad.use_times()
assert ad(2, 3) == 50
assert A()(4) == 4  # new objects get the type's call function again
raises(TypeError, "type 'int does not implement the HPy call protocol", m.set_call, 5)
raises(TypeError, "type '_hpy_types.Point does not implement the HPy call protocol", m.set_call, P(1, 1))


class SubAdder(A):
    pass


sa = SubAdder()
sa.base = 1
assert sa(1) == 2
if PYPY:  # cpyext gives a Python subclass no vectorcall offset of its own
    raises(TypeError, "type 'SubAdder does not implement the HPy call protocol", m.set_call, sa)
else:
    m.set_call(sa)
    assert sa(2, 2) == 4
raises(TypeError, None, ad, "x")

# ---- buffer protocol
bf = m.Buf()
released0 = m.counters()[1]
with memoryview(bf) as mv:
    assert bytes(mv) == b"abcd" and mv.format == "B" and mv.shape == (4,) and not mv.readonly
    mv[0] = ord("z")
if PYPY:  # cpyext releases the buffer when the view is garbage-collected
    collect()
assert m.counters()[1] == released0 + 1
assert bytes(memoryview(bf)) == b"zbcd"
assert bytes(bf) == b"zbcd"
collect()

# ---- HPyType_FromSpec errors (HPy's messages)
Base = m.try_spec(0, object)
assert Base.__name__ == "Bad" and Base.__mro__ == (Base, object)
Derived = m.try_spec(0, P)
assert Derived.__mro__[1] is P
raises(TypeError, "cannot specify .legacy_slots without setting .builtin_shape=HPyType_BuiltinShape_Legacy", m.try_spec, 1)
raises(ValueError, "You must provide an HPy_tp_traverse slot if you specify HPy_TPFLAGS_HAVE_GC", m.try_spec, 2)
raises(ValueError, "invalid shape: 42", m.try_spec, 3)
raises(ValueError, "Unsupported HPyMeth signature", m.try_spec, 4)
raises(TypeError, "cannot specify both HPyType_SpecParam_Base and HPytype_SpecParam_BasesTuple", m.try_spec, 5, (object,))
raises(TypeError, "multiple specifications of HPyType_SpecParam_BasesTuple", m.try_spec, 6, (object,))
raises(TypeError, "unknown HPyType_SpecParam specification for '_hpy_types.Bad'", m.try_spec, 7)
raises(TypeError, lambda s: "legacy tp_dealloc" in s, m.try_spec, 8)
raises(TypeError, "A legacy type should not inherit its memory layout from a pure type", m.try_spec, 9, P)
raises(TypeError, "Cannot use HPy call protocol with var objects", m.try_spec, 10)
raises(TypeError, "Type claims to have basicsize==0 but defines members", m.try_spec, 13)
raises(TypeError, "Cannot use HPy call protocol with legacy types that inherit the struct. Either set the basicsize "
       "to anon-zero value or use legacy slot 'Py_tp_call'.", m.try_spec, 16)
raises(TypeError, "Cannot have HPy_tp_call and explicit member'__vectorcalloffset__'. Specify just one of them.",
       m.try_spec, 17)
raises(ValueError, "Unsupported slot in HPyType_Spec.defines (value: 2001).", m.try_spec, 18)  # ours
raises(ValueError, "metaclass was specified multiple times", m.try_spec, 12, type)
raises(TypeError, "Metaclass '5' is not a subclass of 'type'.", m.try_spec, 11, 5)
WithTuple = m.try_spec(14, (P, ))
assert WithTuple.__mro__ == (WithTuple, P, object)
wt = WithTuple(1, 2)
wt.obj = wt
assert wt.norm1() == 3 and wt.obj is wt
del wt.obj, wt
# an HPy subclass with its own struct keeps the call protocol and its data apart
SubA = m.try_spec(15, A)
sa = SubA()
sa.base = 5
sa.y = 1000
assert sa(1, 2) == 8 and sa.y == 1000
m.set_call(sa)
assert sa(2, 2) == 20 and sa.y == 1000
assert SubA.__vectorcalloffset__ is not A.__vectorcalloffset__
del sa


class Meta(type):
    pass


if PYPY:
    raises(TypeError, None, m.try_spec, 11, Meta)
else:
    MT = m.try_spec(11, Meta)
    assert type(MT) is Meta and MT.__name__ == "Bad"

# a metaclass made by HPyType_FromSpec (Type shape): its struct follows the heap type's
HM = m.Meta
assert HM.__mro__ == (HM, type, object)
if PYPY:
    # PyPy: no metaclasses for types made from a spec
    raises(TypeError, None, m.try_spec, 11, HM)
    skip("a metaclass adding instance data: cpyext has no metaclasses for types made from a spec")
else:
    # on 3.10/3.11 too (HPy 0.9's fallback; ours is PyType_FromMetaclass's backport)
    MT = m.try_spec(11, HM)
    assert type(MT) is HM and MT.meta_value == 0
    assert MT.bump() == 1 and MT.bump() == 2 and MT.meta_value == 2
    MT.meta_value = 40
    assert MT.bump() == 41 and type(MT()) is MT
    del MT
collect()

# ---- issue 11: HPy's behaviour where the tests above did not look
# HPy_tp_call on a pure type with basicsize 0: the call function follows the object header
HC = m.try_spec(19)
hc = HC()
assert callable(hc) and hc(1, 2, 3) == 3 and hc() == 0
assert HC.__vectorcalloffset__.__class__.__name__ == "member_descriptor"
del hc

# an explicit __vectorcalloffset__ member: tp_call is PyVectorcall_Call (callable, and the
# 3.14 debug build's PyType_Ready assertion holds); the objects' function is NULL until
# HPy_SetCallFunction gives them one
OC = m.try_spec(20)
oc = OC()
assert callable(oc)
raises(TypeError, None, oc)
oc.arm()
assert oc(1, 2) == -2 and oc() == 0
del oc

# HPy_New: *data is NULL after a failure (the -O3 -Werror build reads it there)
assert m.new_fails(5) is True

# HPy_New's fast path: a type whose objects need no more than PyType_GenericAlloc gets a
# tp_alloc that marks it (one per shape: Object, Legacy); every other type takes the general
# path. Whichever path, *data is where the type's record puts the struct, and the struct is zero.
HEADER = m.new_probe(P)[1]
assert HEADER > 0
PySub = type("PySub", (P,), {})
LG = m.try_spec(24)
CALLSUB = m.try_spec(22, m.try_spec(0, object))
DIRTY = m.try_spec(23)
CSUB = m.c_subclass(m.try_spec(0, object))
BARE = m.try_spec(25, m.try_spec(0, object))
probes = [
    # (type, tp_alloc on CPython, where *data points)
    (P, "object", HEADER),
    (m.try_spec(0, object), "object", HEADER),
    (BARE, "object", HEADER),  # a pure type without a struct of its own: its base's
    (LG, "legacy", 0),
    (m.Legacy, "legacy", 0),  # legacy slots without a tp_alloc of their own
    (PySub, "generic", HEADER),  # CPython gives Python classes PyType_GenericAlloc
    (CALLSUB, "generic", HEADER),  # the call protocol: the mark inherited from its base taken back
    (DIRTY, "other", 0),  # a custom tp_alloc (legacy): HPy_New zeroes after PyObject_HEAD itself
    (CSUB, "object", HEADER),  # the C API's subclass inherits the mark; its struct is its base's
    (m.TaggedList, "generic", m.new_probe(m.TaggedList)[1]),  # the List shape: no fast path
]
for t, alloc, offset in probes:
    got = m.new_probe(t)
    assert got == (offset, offset, True), (t, got, offset)
    if sys.implementation.name == "cpython":
        kind = m.alloc_kind(t)
        assert kind == alloc, (t, kind, alloc)
# a C API subtype with a managed __dict__ inherits the mark, but its objects have a pre-header
# that only PyType_GenericAlloc sets up: HPy_New's objects of it keep a working __dict__
CSUBDICT = m.c_subclass_dict(m.try_spec(0, object))
if CSUBDICT is None:
    skip("a C API subtype with Py_TPFLAGS_MANAGED_DICT: CPython 3.12+ only")
else:
    assert m.alloc_kind(CSUBDICT) == "object", m.alloc_kind(CSUBDICT)
    assert m.new_probe(CSUBDICT) == (HEADER, HEADER, True), m.new_probe(CSUBDICT)
    o = m.new_of(CSUBDICT)
    assert type(o) is CSUBDICT and not hasattr(o, "attr")
    o.attr = [o]  # a cycle through the managed dict, collected below
    assert o.attr == [o] and gc.is_tracked(o)
    del o
    collect()
del CSUBDICT
# the call function is set on objects made by HPy_New of a subclass that added HPy_tp_call
assert callable(m.new_of(CALLSUB)) and m.new_of(CALLSUB)(1, 2) == 2
# a Python subclass keeps working through the general path, and so do its objects
assert type(m.new_of(PySub)) is PySub and m.new_of(PySub).x == 0
del PySub, LG, CALLSUB, DIRTY, CSUB, BARE, probes
collect()

# the traverse trampoline visits the object's type, which HPy's does not: CPython requires a
# heap type's instances to visit it, or a cycle through the type is never collected (checked
# here with a C API type that does not, on every CPython); ours is collected
if PYPY:
    skip("a reference cycle through an HPy type: PyPy does not collect cycles through C objects")
else:
    import weakref

    def cycle_through_type_collected(make_type, *args):
        # (the type is made here: 3.10 keeps a call's arguments on the caller's stack)
        T = make_type()
        o = T(*args)
        T.me = o  # o -> T (its type) -> T.__dict__ -> o
        w = weakref.ref(T)
        del T, o
        collect()
        return w() is None

    assert cycle_through_type_collected(lambda: m.try_spec(21), 1, 2)
    assert not cycle_through_type_collected(m.no_type_visit_type), "CPython collected a cycle through a heap type " \
        "whose instances do not visit it: HPy's traverse (without the type) would not leak any more"
    G = m.try_spec(21)
    g = G(3, 4)
    box = []
    g.obj = box
    assert box in gc.get_referents(g) and G in gc.get_referents(g)  # HPy's list has only box
    del g, G, box
collect()

# ---- HPy after 0.9: the HPy_tp_descr_get slot, the Dict builtin shape
class Owner:
    d = m.Descr()


assert Owner.d == ("class", Owner)
assert Owner().d == ("instance", Owner)
TD = m.TaggedDict
td = TD(a=1)
td["b"] = 2
td.tag = 40
assert isinstance(td, dict) and dict(td) == {"a": 1, "b": 2}
assert td.tag == 40 and td.tag_plus_len() == 42
td.clear()
assert td.tag == 40 and td.tag_plus_len() == 40
del td
collect()

# ---- HPy_MODINIT errors (HPy's messages), through PyModule_FromDefAndSpec
import importlib.machinery  # noqa: E402

spec = importlib.machinery.ModuleSpec("made", None)
raises(SystemError, "HPy does not permit HPyModuleDef.size < 0", m.modinit_case, 0, spec)
assert m.modinit_case(1, spec) == "made"  # HPy_mod_create may return any non-module object
raises(SystemError, "HPy_mod_create slot returned a builtin module object. This is currently not supported.",
       m.modinit_case, 2, spec)
NDM = ("This is not allowed because custom HPy_mod_create slot cannot return a builtin module object and cannot "
       "make any use of any other data defined in the HPyModuleDef. Either do not define HPy_mod_create slot and "
       "let the runtime create a builtin module object from the provided HPyModuleDef, or do not define anything "
       "else but the HPy_mod_create slot.")
raises(SystemError, "HPyModuleDef defines a HPy_mod_create slot and some other slots or methods. " + NDM,
       m.modinit_case, 3, spec)
raises(SystemError, "HPyModuleDef defines a HPy_mod_create slot and some of the other fields are not set to their "
       "default value. " + NDM, m.modinit_case, 4, spec)
raises(SystemError, "Multiple definitions of the HPy_mod_create slot in HPyModuleDef.defines.", m.modinit_case, 5, spec)
raises(SystemError, "Unsupported slot in HPyModuleDef.defines (value: 66).", m.modinit_case, 6, spec)

# ---- every trampoline ran both hooks (this call's own leave is still to come)
enters, leaves = m.hooks()
assert enters == leaves + 1 and enters > 100, (enters, leaves)

# ---- reference leaks (debug builds)
if hasattr(sys, "gettotalrefcount"):

    def workload():
        p = P(1, 2)
        q = p + P(3, 4)
        p.obj = q
        q.obj = [p]
        _ = (p.norm1(), p.times(2), p.move(1, 1), p.count(1, k=2), -p, p == q, p < q, hash(p), repr(p),
             p.scaled, p.obj, p[0], len(p), bool(p))
        p.setx = 3
        del p.obj
        ad = A()
        ad.base = 2
        _ = ad(1, 2, z=3)
        ad.use_times()
        _ = ad(2)
        t = T([1, 2])
        t.tag = 1
        _ = t.tag_plus_len()
        lo = L(1)
        _ = (lo.twice(), lo.get_value())
        bf = m.Buf()
        _ = bytes(memoryview(bf))
        _ = (m.new_of(P), m.generic_new(P), m.type_name(P), m.is_subtype(P, object), m.bump())
        qd = Q(1, 2)
        qd[1] = 5
        qd += 2
        _ = (qd[0], 5 in qd, pow(qd, 2, 3), float(qd), str(qd), UF(1.5).scaled())
        for case in (1, 2, 3, 4, 5, 6, 7, 8, 13, 16, 17, 18):
            try:
                m.try_spec(case, (object,))
            except (TypeError, ValueError):
                pass
        try:
            m.set_call(1)
        except TypeError:
            pass
        try:
            p.move(1)
        except TypeError:
            pass

    for _ in range(50):
        workload()
    collect()
    before = sys.gettotalrefcount()
    for _ in range(300):
        workload()
    collect()
    after = sys.gettotalrefcount()
    assert after - before < 100, f"reference leak: {after - before} over 300 runs"

print("check_types: ok")
