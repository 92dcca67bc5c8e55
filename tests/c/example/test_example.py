"""Tests for the _example extension module (tests/c/example/_example.c).

Standard library only (unittest), so that it runs under every interpreter: CPython 3.10+,
debug builds and PyPy. _example is imported from sys.path: build it into a directory on
PYTHONPATH first. Run with `python -m unittest discover -s tests/c/example` or directly.
"""

import gc
import importlib.util
import inspect
import sys
import types
import unittest
import weakref

try:
    import _example
except ImportError as exc:  # pragma: no cover - a build problem, not a test failure
    raise ImportError(
        "_example is not built: compile tests/c/example/_example.c into a directory on "
        "PYTHONPATH (see tests/c/example/README.md)") from exc

PYPY = sys.implementation.name == "pypy"
DEBUG_BUILD = hasattr(sys, "gettotalrefcount")
PYPY_CYCLES = ("PyPy's cpyext keeps objects referenced from C alive by a reference count that "
               "its GC does not trace: cycles through C objects are never collected")
NO_REFCOUNTS = "PyPy has no sys.getrefcount(): cpyext reference counts are not CPython's"


INT_MAX = 2**31 - 1
INT_MIN = -2**31


def collect():
    """Run the GC until weak references to unreachable objects are cleared (PyPy too)."""
    for _ in range(3):
        gc.collect()


class Thing:
    """A weak-referenceable object with a name and attributes."""

    def __init__(self, name="thing", **attrs):
        self.__name__ = name
        self.__dict__.update(attrs)

    def method(self):
        return self


class EqError(Exception):
    pass


class BadEq:
    """Hashes like 'a' but cannot be compared: dict lookups that reach it raise EqError."""

    def __hash__(self):
        return hash("a")

    def __eq__(self, other):
        raise EqError("no comparison")


class Mapping:
    """A minimal non-dict mapping whose __getitem__ behaviour is chosen per key."""

    def __init__(self, data, errors=None):
        self.data = data
        self.errors = errors or {}

    def __getitem__(self, key):
        if key in self.errors:
            raise self.errors[key]
        return self.data[key]

    def keys(self):
        return self.data.keys()

    def items(self):
        return self.data.items()


class MyKeyError(KeyError):
    pass


class MyAttributeError(AttributeError):
    pass


class Attrs:
    """Attributes that raise chosen exceptions."""

    present = "yes"

    @property
    def missing_subclass(self):
        raise MyAttributeError("a subclass of AttributeError")

    @property
    def broken(self):
        raise ValueError("broken property")

    def __getattr__(self, name):
        if name == "dynamic":
            return "from __getattr__"
        raise AttributeError(name)


class TestModule(unittest.TestCase):
    def test_module_attributes(self):
        self.assertEqual(_example.__name__, "_example")
        self.assertEqual(_example.__version__, "1.0")
        self.assertEqual(_example.INT_MAX, INT_MAX)
        self.assertEqual(_example.INT_MIN, INT_MIN)
        self.assertIsInstance(_example.Registry, type)
        self.assertEqual(_example.Registry.__name__, "Registry")
        self.assertEqual(_example.Registry.__module__, "_example")
        self.assertTrue(issubclass(_example.RegistryError, Exception))
        self.assertFalse(issubclass(_example.RegistryError, LookupError))
        self.assertEqual(_example.RegistryError.__name__, "RegistryError")
        self.assertEqual(_example.RegistryError.__module__, "_example")

    def test_registry_type_is_final(self):
        with self.assertRaises(TypeError):
            type("Sub", (_example.Registry,), {})

    @unittest.skipIf(PYPY, "PyPy does not enforce Py_TPFLAGS_IMMUTABLETYPE")
    def test_registry_type_is_immutable(self):
        with self.assertRaises(TypeError):
            _example.Registry.extra = 1
        self.assertFalse(hasattr(_example.Registry, "extra"))

    def test_signatures(self):
        sig = lambda f: str(inspect.signature(f))
        self.assertEqual(sig(_example.get), "(d, key, /, default=None)")
        self.assertEqual(sig(_example.registrations), "()")
        reg = _example.Registry()
        self.assertEqual(sig(reg.register), "(obj, name=None, *, replace=False, weak=False)")
        self.assertEqual(sig(reg.resolve), "(path, /, default=None)")
        if not PYPY:    # PyPy reads no __text_signature__ from a type's tp_doc
            self.assertEqual(sig(_example.Registry), "(initial=None, *, limit=None)")

    def test_counter_counts_successful_registrations(self):
        before = _example.registrations()
        reg = _example.Registry()
        reg.register(len)
        reg.register(print, name="p")
        self.assertEqual(_example.registrations(), before + 2)
        with self.assertRaises(_example.RegistryError):
            reg.register(len)
        with self.assertRaises(TypeError):
            reg.register(1)
        self.assertEqual(_example.registrations(), before + 2)
        reg.register(len, replace=True)
        _example.Registry({"x": 1, "y": 2})
        self.assertEqual(_example.registrations(), before + 5)

    def test_second_instance_has_its_own_state(self):
        spec = importlib.util.spec_from_file_location("_example", _example.__file__)
        other = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(other)
        self.assertIsNot(other, _example)
        self.assertIsNot(other.Registry, _example.Registry)
        self.assertIsNot(other.RegistryError, _example.RegistryError)
        self.assertEqual(other.registrations(), 0)
        before = _example.registrations()
        reg = other.Registry()
        reg.register(len)
        self.assertEqual(other.registrations(), 1)
        self.assertEqual(_example.registrations(), before)
        # the instance's errors are its own module's class
        with self.assertRaises(other.RegistryError):
            reg.register(len)
        self.assertNotIsInstance(reg, _example.Registry)


class TestDictGet(unittest.TestCase):
    def test_found_missing_default(self):
        value = object()
        d = {"a": value, 1: "one"}
        self.assertIs(_example.get(d, "a"), value)
        self.assertEqual(_example.get(d, 1.0), "one")
        self.assertIsNone(_example.get(d, "b"))
        self.assertEqual(_example.get(d, "b", "dflt"), "dflt")
        self.assertEqual(_example.get(d, "b", default="kw"), "kw")
        self.assertEqual(_example.get({"k": None}, "k", 0), None)

    def test_no_missing_hook(self):
        class D(dict):
            def __missing__(self, key):
                return "missing"
        self.assertEqual(_example.get(D(a=1), "a"), 1)
        self.assertIsNone(_example.get(D(a=1), "b"))

    def test_errors(self):
        with self.assertRaises(TypeError):
            _example.get({}, [])        # unhashable: TypeError from the lookup
        with self.assertRaises(EqError):
            _example.get({"a": 1}, BadEq())
        with self.assertRaises(TypeError):
            _example.get([], 0)         # not a dict
        with self.assertRaises(TypeError):
            _example.get({}, "a", "b", "c")
        with self.assertRaises(TypeError):
            _example.get(d={}, key="a")  # positional-only


class TestDictGetPath(unittest.TestCase):
    def test_nested_dicts(self):
        cfg = {"db": {"host": "h", "port": 5432, "opts": {"ssl": True}}, "é": {"ü": 1}}
        self.assertEqual(_example.get_path(cfg, "db.host"), "h")
        self.assertEqual(_example.get_path(cfg, "db.opts.ssl"), True)
        self.assertIs(_example.get_path(cfg, "db"), cfg["db"])
        self.assertEqual(_example.get_path(cfg, "é.ü"), 1)
        self.assertIsNone(_example.get_path(cfg, "db.user"))
        self.assertEqual(_example.get_path(cfg, "nope.x", "d"), "d")
        self.assertEqual(_example.get_path(cfg, "db.opts.x", default=0), 0)

    def test_other_mappings(self):
        cfg = {"a": Mapping({"b": {"c": 3}}, {"gone": MyKeyError("gone"),
                                             "bad": IndexError("bad")})}
        self.assertEqual(_example.get_path(cfg, "a.b.c"), 3)
        self.assertEqual(_example.get_path(types.MappingProxyType(cfg), "a.b.c"), 3)
        self.assertEqual(_example.get_path(cfg, "a.gone", "d"), "d")  # KeyError subclass
        self.assertEqual(_example.get_path(cfg, "a.zzz", "d"), "d")
        with self.assertRaises(IndexError):
            _example.get_path(cfg, "a.bad")

    def test_errors(self):
        with self.assertRaises(TypeError):
            _example.get_path({"a": 1}, "a.b")    # int is not subscriptable
        with self.assertRaises(TypeError):
            _example.get_path({"a": [1]}, "a.0")  # list indices are ints
        for bad in ("", ".a", "a.", "a..b"):
            with self.assertRaises(ValueError, msg=bad):
                _example.get_path({"a": {"b": 1}}, bad)
        with self.assertRaises(ValueError):
            _example.get_path({}, "a\0b")         # embedded NUL


class TestMapping(unittest.TestCase):
    def test_lookup(self):
        value = object()
        self.assertIs(_example.lookup({"a": value}, "a"), value)
        self.assertIsNone(_example.lookup({"a": 1}, "b"))
        self.assertEqual(_example.lookup({}, "b", default=7), 7)
        self.assertEqual(_example.lookup([10, 20], 1), 20)
        self.assertEqual(_example.lookup(types.MappingProxyType({"a": 1}), "a"), 1)

        class D(dict):
            def __missing__(self, key):
                return "missing:" + key
        self.assertEqual(_example.lookup(D(), "k"), "missing:k")

    def test_lookup_suppresses_only_key_error(self):
        m = Mapping({"a": 1}, {"sub": MyKeyError("sub"), "lookup": LookupError("l"),
                               "value": ValueError("v")})
        self.assertEqual(_example.lookup(m, "a"), 1)
        self.assertEqual(_example.lookup(m, "sub", "d"), "d")
        with self.assertRaises(LookupError) as cm:
            _example.lookup(m, "lookup")
        self.assertIs(type(cm.exception), LookupError)
        with self.assertRaises(ValueError):
            _example.lookup(m, "value")
        with self.assertRaises(IndexError):
            _example.lookup([10, 20], 5)
        with self.assertRaises(TypeError):
            _example.lookup(5, 0)
        with self.assertRaises(TypeError):
            _example.lookup({}, [])
        with self.assertRaises(EqError):
            _example.lookup({"a": 1}, BadEq())

    def test_has_key(self):
        m = Mapping({"a": 1}, {"sub": MyKeyError("sub"), "value": ValueError("v")})
        self.assertIs(_example.has_key({"a": 1}, "a"), True)
        self.assertIs(_example.has_key({"a": 1}, "b"), False)
        self.assertIs(_example.has_key(m, "a"), True)
        self.assertIs(_example.has_key(m, "sub"), False)
        self.assertIs(_example.has_key([1], 0), True)
        with self.assertRaises(ValueError):
            _example.has_key(m, "value")
        with self.assertRaises(IndexError):
            _example.has_key([1], 1)
        with self.assertRaises(TypeError):
            _example.has_key({}, [])

    def test_has_key_str(self):
        m = Mapping({"a": 1}, {"sub": MyKeyError("sub"), "value": ValueError("v")})
        self.assertIs(_example.has_key_str({"é": 1}, "é"), True)
        self.assertIs(_example.has_key_str({"a": 1}, "b"), False)
        self.assertIs(_example.has_key_str(m, "a"), True)
        self.assertIs(_example.has_key_str(m, "sub"), False)
        with self.assertRaises(ValueError):
            _example.has_key_str(m, "value")
        with self.assertRaises(TypeError):
            _example.has_key_str([1], "0")
        with self.assertRaises(TypeError):
            _example.has_key_str(3, "a")


class TestDictSetDefault(unittest.TestCase):
    def test_inserts_when_missing(self):
        value = object()
        d = {}
        result = _example.setdefault(d, "k", value)
        self.assertEqual(result, (value, False))
        self.assertIs(result[0], value)
        self.assertIs(d["k"], value)
        self.assertEqual(_example.setdefault(d, "n"), (None, False))
        self.assertEqual(d, {"k": value, "n": None})

    def test_keeps_existing(self):
        old = object()
        d = {"k": old}
        value, present = _example.setdefault(d, "k", "new")
        self.assertIs(value, old)
        self.assertIs(present, True)
        self.assertIs(d["k"], old)
        self.assertEqual(len(d), 1)

    def test_errors(self):
        d = {"a": 1}
        with self.assertRaises(TypeError):
            _example.setdefault(d, [], 1)
        with self.assertRaises(EqError):
            _example.setdefault(d, BadEq(), 1)
        self.assertEqual(d, {"a": 1})
        with self.assertRaises(TypeError):
            _example.setdefault([], "k", 1)


class TestDictPop(unittest.TestCase):
    def test_pop(self):
        value = object()
        d = {"a": value, "b": 2}
        self.assertIs(_example.pop(d, "a"), value)
        self.assertEqual(d, {"b": 2})
        self.assertEqual(_example.pop(d, "a", "dflt"), "dflt")
        self.assertEqual(_example.pop(d, "b", "dflt"), 2)
        self.assertEqual(d, {})

    def test_missing_raises_key_error(self):
        with self.assertRaises(KeyError) as cm:
            _example.pop({"a": 1}, (1, 2))
        self.assertIs(type(cm.exception), KeyError)
        self.assertEqual(cm.exception.args, ((1, 2),))
        with self.assertRaises(KeyError):
            _example.pop({}, "a")

    def test_errors(self):
        with self.assertRaises(TypeError):
            _example.pop({"a": 1}, [])
        with self.assertRaises(TypeError):
            _example.pop({"a": 1}, [], "dflt")
        with self.assertRaises(EqError):
            _example.pop({"a": 1}, BadEq())
        with self.assertRaises(TypeError):
            _example.pop([1], 0)

    def test_empty_dict_does_not_hash_the_key(self):
        # as CPython 3.13's PyDict_Pop(): an empty dict answers "missing" at once
        self.assertEqual(_example.pop({}, [], "dflt"), "dflt")
        with self.assertRaises(KeyError):
            _example.pop({}, [])

    def test_discard(self):
        d = {"a": 1, "é": 2}
        self.assertIs(_example.discard(d, "a"), True)
        self.assertIs(_example.discard(d, "a"), False)
        self.assertIs(_example.discard(d, "é"), True)
        self.assertEqual(d, {})
        self.assertIs(_example.discard({}, "a"), False)
        with self.assertRaises(TypeError):
            _example.discard([], "a")
        with self.assertRaises(TypeError):
            _example.discard({}, 1)

    def test_contains_str(self):
        d = {"a": 1, "é": 2, 3: 4}
        self.assertIs(_example.contains_str(d, "a"), True)
        self.assertIs(_example.contains_str(d, "é"), True)
        self.assertIs(_example.contains_str(d, "3"), False)
        self.assertIs(_example.contains_str({}, ""), False)
        with self.assertRaises(TypeError):
            _example.contains_str(Mapping({"a": 1}), "a")


class TestList(unittest.TestCase):
    def test_item(self):
        value = object()
        lst = [value, 20, 30]
        self.assertIs(_example.item(lst, 0), value)
        self.assertEqual(_example.item(lst, 2), 30)

        class L(list):
            def __getitem__(self, i):
                return "overridden"
        self.assertEqual(_example.item(L([1, 2]), 1), 2)   # the list's own items

    def test_item_errors(self):
        lst = [10, 20, 30]
        for index in (3, 100, -1, -3):
            with self.assertRaises(IndexError, msg=index):
                _example.item(lst, index)       # negative indexes are not wrapped
        with self.assertRaises(IndexError):
            _example.item([], 0)
        with self.assertRaises(TypeError):
            _example.item((10, 20), 0)           # TypeError, not SystemError
        with self.assertRaises(TypeError):
            _example.item({0: 1}, 0)
        with self.assertRaises(TypeError):
            _example.item(lst, "0")
        with self.assertRaises(OverflowError):
            _example.item(lst, 2**100)

    def test_extend(self):
        lst = [1]
        self.assertEqual(_example.extend(lst, [2, 3]), 3)
        self.assertEqual(_example.extend(lst, (i for i in (4, 5))), 5)
        self.assertEqual(_example.extend(lst, {"k": 0}), 6)
        self.assertEqual(_example.extend(lst, ""), 6)
        self.assertEqual(lst, [1, 2, 3, 4, 5, "k"])
        self.assertEqual(_example.extend(lst, lst), 12)
        self.assertEqual(lst, [1, 2, 3, 4, 5, "k"] * 2)

    def test_extend_subclass_uses_list_extend(self):
        class L(list):
            def extend(self, other):
                raise AssertionError("override called")

            def __iadd__(self, other):
                raise AssertionError("override called")
        lst = L([1])
        self.assertEqual(_example.extend(lst, [2]), 2)
        self.assertEqual(list(lst), [1, 2])

    def test_extend_errors(self):
        lst = [1]
        with self.assertRaises(TypeError):
            _example.extend(lst, 5)
        self.assertEqual(lst, [1])

        def failing():
            yield 2
            yield 3
            raise ZeroDivisionError
        with self.assertRaises(ZeroDivisionError):
            _example.extend(lst, failing())
        self.assertEqual(lst, [1, 2, 3])         # what was appended stays
        with self.assertRaises(TypeError):
            _example.extend((1,), [2])

    def test_clear(self):
        lst = [1, 2, 3]
        self.assertEqual(_example.clear(lst), 3)
        self.assertEqual(lst, [])
        self.assertEqual(_example.clear(lst), 0)

    def test_clear_releases_items(self):
        item = Thing()
        ref = weakref.ref(item)
        lst = [item, item]
        del item
        self.assertEqual(_example.clear(lst), 2)
        collect()
        self.assertIsNone(ref())

    def test_clear_subclass_uses_list_clear(self):
        class L(list):
            def clear(self):
                raise AssertionError("override called")

            def __delitem__(self, index):
                raise AssertionError("override called")
        lst = L([1, 2])
        self.assertEqual(_example.clear(lst), 2)
        self.assertEqual(len(lst), 0)

    def test_clear_errors(self):
        with self.assertRaises(TypeError):
            _example.clear((1, 2))
        with self.assertRaises(TypeError):
            _example.clear(None)


class TestAsInt(unittest.TestCase):
    def test_values(self):
        for value in (0, 1, -1, 42, -42, INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1):
            self.assertEqual(_example.as_int(value), value)
        self.assertEqual(_example.as_int(True), 1)

        class I(int):
            pass
        self.assertEqual(_example.as_int(I(7)), 7)

        class Index:
            def __init__(self, v):
                self.v = v

            def __index__(self):
                return self.v
        self.assertEqual(_example.as_int(Index(-5)), -5)
        self.assertEqual(_example.as_int(Index(INT_MIN)), INT_MIN)
        with self.assertRaises(OverflowError):
            _example.as_int(Index(INT_MAX + 1))

    def test_overflow(self):
        for value in (INT_MAX + 1, INT_MIN - 1, 2**63, -2**63 - 1, 2**100, -2**100):
            with self.assertRaises(OverflowError, msg=value) as cm:
                _example.as_int(value)
            self.assertIs(type(cm.exception), OverflowError)

    def test_type_errors(self):
        class IntOnly:
            def __int__(self):
                return 1

        for value in (1.0, "1", None, IntOnly(), [1]):
            with self.assertRaises(TypeError, msg=repr(value)):
                _example.as_int(value)

        class BadIndex:
            def __index__(self):
                raise ValueError("bad")
        with self.assertRaises(ValueError):
            _example.as_int(BadIndex())


class TestAttributes(unittest.TestCase):
    def test_getattr_opt(self):
        obj = Attrs()
        self.assertEqual(_example.getattr_opt(obj, "present"), "yes")
        self.assertEqual(_example.getattr_opt(obj, "dynamic"), "from __getattr__")
        self.assertIsNone(_example.getattr_opt(obj, "nope"))
        self.assertEqual(_example.getattr_opt(obj, "nope", "d"), "d")
        self.assertEqual(_example.getattr_opt(obj, "nope", default="kw"), "kw")
        self.assertEqual(_example.getattr_opt(obj, "missing_subclass", "d"), "d")
        self.assertIs(_example.getattr_opt(_example, "Registry"), _example.Registry)

    def test_getattr_opt_errors(self):
        with self.assertRaises(ValueError):
            _example.getattr_opt(Attrs(), "broken")
        with self.assertRaises(TypeError):
            _example.getattr_opt(Attrs(), 1)
        with self.assertRaises(TypeError):
            _example.getattr_opt(Attrs(), b"present")

    def test_has_attr(self):
        obj = Attrs()
        setattr(obj, "café", 1)
        for has in (_example.has_attr, _example.has_attr_str):
            self.assertIs(has(obj, "present"), True)
            self.assertIs(has(obj, "dynamic"), True)
            self.assertIs(has(obj, "café"), True)
            self.assertIs(has(obj, "nope"), False)
            self.assertIs(has(obj, "missing_subclass"), False)
            with self.assertRaises(ValueError):
                has(obj, "broken")
            with self.assertRaises(TypeError):
                has(obj, 1)


class TestStrEquals(unittest.TestCase):
    CASES = [
        ("", b"", True),
        ("abc", b"abc", True),
        ("abc", b"abd", False),
        ("abc", b"ab", False),
        ("ab", b"abc", False),
        ("café", "café".encode(), True),
        ("café", "cafe".encode(), False),
        ("café", "café".encode("latin-1"), False),
        ("€100", "€100".encode(), True),
        ("😀 x", "😀 x".encode(), True),
        ("😀", "😁".encode(), False),
        ("\ud800", b"\xed\xa0\x80", False),   # a lone surrogate has no UTF-8 form
        ("a\udcff", b"a\xff", False),
        ("a", b"a\xff", False),               # invalid UTF-8
        ("ÿ", b"\xff", False),
    ]

    def test_str_equals(self):
        for s, data, expected in self.CASES:
            self.assertIs(_example.str_equals(s, data), expected, (s, data))
        self.assertIs(_example.str_equals("a\0b", b"a\0b"), True)
        self.assertIs(_example.str_equals("a\0b", b"a"), False)

    def test_str_equals_cstr(self):
        for s, data, expected in self.CASES:
            self.assertIs(_example.str_equals_cstr(s, data), expected, (s, data))
        self.assertIs(_example.str_equals_cstr("a\0b", b"a"), False)

    def test_str_subclass(self):
        class S(str):
            pass
        self.assertIs(_example.str_equals(S("hé"), "hé".encode()), True)

    def test_errors(self):
        with self.assertRaises(TypeError):
            _example.str_equals(b"abc", b"abc")
        with self.assertRaises(TypeError):
            _example.str_equals("abc", "abc")
        with self.assertRaises(ValueError):
            _example.str_equals_cstr("a", b"a\0")


class TestWeakref(unittest.TestCase):
    def test_alive_and_dead(self):
        obj = Thing()
        ref = weakref.ref(obj)
        self.assertIs(_example.deref(ref), obj)
        del obj
        collect()
        self.assertIsNone(_example.deref(ref))

    def test_subclass_and_callback(self):
        obj = Thing()
        called = []
        self.assertIs(_example.deref(weakref.ref(obj, called.append)), obj)
        self.assertIs(_example.deref(weakref.ref(_example.Registry)), _example.Registry)

    # PyPy's PyWeakref_GetObject() calls the reference, which a ref subclass can override
    # (WeakMethod's __call__ returns a bound method): the backport must not be fooled.
    def test_ref_subclass_overriding_call(self):
        obj = Thing()
        meth = weakref.WeakMethod(obj.method)     # a weakref.ref subclass to obj
        self.assertIs(_example.deref(meth), obj)

    def test_proxy(self):
        obj = Thing()
        proxy = weakref.proxy(obj)
        if PYPY:
            # documented limitation of the backport: PyPy cannot reach a proxy's referent
            with self.assertRaises(TypeError):
                _example.deref(proxy)
        else:
            self.assertIs(_example.deref(proxy), obj)
            del obj
            collect()
            self.assertIsNone(_example.deref(proxy))

    def test_errors(self):
        for bad in (None, 1, Thing(), [weakref.ref(Thing)]):
            with self.assertRaises(TypeError, msg=repr(bad)):
                _example.deref(bad)


class TestAddModule(unittest.TestCase):
    def name(self, suffix):
        name = "_example_test_module_" + suffix
        sys.modules.pop(name, None)
        self.addCleanup(sys.modules.pop, name, None)
        return name

    def test_creates_and_returns(self):
        name = self.name("new")
        mod = _example.add_module(name)
        self.assertIsInstance(mod, types.ModuleType)
        self.assertEqual(mod.__name__, name)
        self.assertIs(sys.modules[name], mod)
        self.assertIs(_example.add_module(name), mod)

    def test_existing_module(self):
        self.assertIs(_example.add_module("sys"), sys)
        self.assertIs(_example.add_module("_example"), sys.modules["_example"])

    def test_replaces_a_non_module(self):
        name = self.name("not_a_module")
        sys.modules[name] = 42
        mod = _example.add_module(name)
        self.assertIsInstance(mod, types.ModuleType)
        self.assertIs(sys.modules[name], mod)

    def test_errors(self):
        with self.assertRaises(ValueError):
            _example.add_module("a\0b")
        with self.assertRaises(TypeError):
            _example.add_module(1)


class TestRegistry(unittest.TestCase):
    def test_construct(self):
        reg = _example.Registry()
        self.assertEqual(len(reg), 0)
        self.assertIsNone(reg.limit)
        self.assertEqual(repr(reg), "<_example.Registry with 0 entries>")
        reg = _example.Registry({"a": 1, "b": 2}, limit=5)
        self.assertEqual(reg.names(), ["a", "b"])
        self.assertEqual(reg.limit, 5)
        self.assertEqual(repr(reg), "<_example.Registry with 2 entries>")
        reg = _example.Registry(initial=Mapping({"m": 3}))
        self.assertEqual(reg["m"], 3)
        reg = _example.Registry([len, print, Thing("t")])
        self.assertEqual(reg.names(), ["len", "print", "t"])
        self.assertIs(reg["len"], len)
        self.assertEqual(repr(_example.Registry({"x": 0})), "<_example.Registry with 1 entry>")

    def test_construct_errors(self):
        R, E = _example.Registry, _example.RegistryError
        with self.assertRaises(TypeError):
            R({1: "x"})                         # names are str
        with self.assertRaises(TypeError):
            R([len, 1])                          # 1 has no __name__
        with self.assertRaises(TypeError):
            R(5)                                 # not iterable
        with self.assertRaises(E):
            R({"a": 1, "b": 2, "c": 3}, limit=2)
        with self.assertRaises(TypeError):
            R(None, 2)                           # limit is keyword-only
        with self.assertRaises(TypeError):
            R(size=2)
        with self.assertRaises(ValueError):
            R(limit=-1)
        with self.assertRaises(TypeError):
            R(limit=1.5)
        with self.assertRaises(OverflowError):
            R(limit=2**40)

        class BrokenKeys:
            @property
            def keys(self):
                raise RuntimeError("broken keys")
        with self.assertRaises(RuntimeError):
            R(BrokenKeys())

    def test_register(self):
        reg = _example.Registry()
        obj = Thing("obj")
        self.assertIs(reg.register(obj), obj)
        self.assertIs(reg.register(obj, "alias"), obj)
        self.assertIs(_example.Registry().register(obj, name=None), obj)

        @reg.register
        def handler():
            return "handled"
        self.assertIs(reg["handler"], handler)
        self.assertEqual(reg.names(), ["alias", "handler", "obj"])
        self.assertEqual(len(reg), 3)
        self.assertIn("obj", reg)
        self.assertNotIn("nope", reg)
        self.assertNotIn(1, reg)

    def test_register_duplicate_and_replace(self):
        reg = _example.Registry()
        first, second = Thing("x"), Thing("x")
        reg.register(first)
        with self.assertRaises(_example.RegistryError) as cm:
            reg.register(second)
        self.assertIn("'x' is already registered", str(cm.exception))
        self.assertIs(reg["x"], first)
        self.assertIs(reg.register(second, replace=True), second)
        self.assertIs(reg["x"], second)
        with self.assertRaises(TypeError):
            reg.register(second, "x", True)      # replace is keyword-only

    def test_register_errors(self):
        reg = _example.Registry()
        with self.assertRaises(TypeError):
            reg.register(1)                      # no __name__
        with self.assertRaises(TypeError):
            reg.register(len, name=1)

        class BrokenName:
            @property
            def __name__(self):
                raise RuntimeError("broken name")
        with self.assertRaises(RuntimeError):
            reg.register(BrokenName())
        with self.assertRaises(TypeError):
            reg.register()
        self.assertEqual(len(reg), 0)

    def test_limit(self):
        reg = _example.Registry(limit=2)
        reg.register(len)
        reg.register(print)
        with self.assertRaises(_example.RegistryError):
            reg.register(repr)
        reg.register(repr, name="len", replace=True)   # replacing does not grow
        self.assertIs(reg["len"], repr)
        reg.limit = 3
        reg.register(repr)
        self.assertEqual(reg.limit, 3)
        with self.assertRaises(ValueError):
            reg.limit = 2                        # below the size
        with self.assertRaises(ValueError):
            reg.limit = -5
        with self.assertRaises(TypeError):
            reg.limit = "4"
        with self.assertRaises(OverflowError):
            reg.limit = INT_MAX + 1
        with self.assertRaises(AttributeError):
            del reg.limit
        self.assertEqual(reg.limit, 3)
        reg.limit = None
        self.assertIsNone(reg.limit)
        reg.limit = INT_MAX
        self.assertEqual(reg.limit, INT_MAX)

    def test_get_getitem_unregister(self):
        value = Thing("v")
        reg = _example.Registry({"v": value})
        self.assertIs(reg.get("v"), value)
        self.assertIsNone(reg.get("w"))
        self.assertEqual(reg.get("w", 0), 0)
        self.assertEqual(reg.get(name="w", default=1), 1)
        self.assertIs(reg["v"], value)
        with self.assertRaises(KeyError) as cm:
            reg["w"]
        self.assertEqual(cm.exception.args, ("w",))
        with self.assertRaises(TypeError):
            reg.get([])
        with self.assertRaises(TypeError):
            reg[[]]
        self.assertIs(reg.unregister("v"), value)
        self.assertEqual(len(reg), 0)
        with self.assertRaises(KeyError) as cm:
            reg.unregister((1, 2))
        self.assertEqual(cm.exception.args, ((1, 2),))
        with self.assertRaises(KeyError):
            reg.unregister("v")

    def test_resolve(self):
        db = Thing("db", host="h", opts=Thing("o", ssl=True))
        reg = _example.Registry()
        reg.register(db)
        self.assertIs(reg.resolve("db"), db)
        self.assertEqual(reg.resolve("db.host"), "h")
        self.assertIs(reg.resolve("db.opts.ssl"), True)
        self.assertEqual(reg.resolve("db.host.upper")(), "H")
        self.assertIsNone(reg.resolve("db.user"))
        self.assertIsNone(reg.resolve("nope.x"))
        self.assertEqual(reg.resolve("db.opts.x", "d"), "d")
        self.assertEqual(reg.resolve("nope", default="kw"), "kw")
        reg.register(Attrs(), "attrs")
        self.assertEqual(reg.resolve("attrs.missing_subclass", 0), 0)
        with self.assertRaises(ValueError):
            reg.resolve("attrs.broken")
        for bad in ("", ".db", "db.", "db..host"):
            with self.assertRaises(ValueError, msg=bad):
                reg.resolve(bad)
        with self.assertRaises(TypeError):
            reg.resolve(1)

    def test_entries_getset(self):
        reg = _example.Registry({"a": 1})
        entries = reg.entries
        self.assertIsInstance(entries, types.MappingProxyType)
        self.assertEqual(dict(entries), {"a": 1})
        reg.register(len)
        self.assertEqual(dict(entries), {"a": 1, "len": len})   # a live view
        with self.assertRaises(TypeError):
            entries["b"] = 2
        with self.assertRaises(AttributeError):
            reg.entries = {}

    def test_clear(self):
        reg = _example.Registry({"a": 1, "b": 2})
        self.assertEqual(reg.clear(), 2)
        self.assertEqual(len(reg), 0)
        self.assertEqual(reg.clear(), 0)

    def test_weak_entries(self):
        reg = _example.Registry()
        obj = Thing("w")
        keep = Thing("k")
        self.assertIs(reg.register(obj, weak=True), obj)
        reg.register(keep, weak=True)
        reg.register(len)
        self.assertIsInstance(reg.entries["w"], weakref.ref)
        self.assertIs(reg["w"], obj)
        self.assertIs(reg.get("w"), obj)
        self.assertIs(reg.resolve("w.__name__"), "w")
        del obj
        collect()
        self.assertEqual(len(reg), 3)            # dead entries stay until looked at
        self.assertEqual(reg.prune(), 1)
        self.assertEqual(reg.names(), ["k", "len"])
        self.assertEqual(reg.prune(), 0)
        obj = Thing("w")
        reg.register(obj, weak=True)
        del obj
        collect()
        self.assertEqual(reg.get("w", "gone"), "gone")   # and pruned on access
        self.assertNotIn("w", reg.entries)
        reg.register(Thing("w"), weak=True)
        collect()
        self.assertNotIn("w", reg)
        reg.register(Thing("w"), weak=True)
        collect()
        with self.assertRaises(KeyError):
            reg["w"]
        reg.register(Thing("w"), weak=True)
        collect()
        self.assertIsNone(reg.unregister("w"))
        self.assertIs(reg.unregister("k"), keep)

    def test_weak_entry_errors(self):
        reg = _example.Registry()
        before = _example.registrations()
        with self.assertRaises(TypeError):
            reg.register(1, "one", weak=True)    # ints are not weak-referenceable
        self.assertEqual(len(reg), 0)
        self.assertEqual(_example.registrations(), before)

    def test_weakref_to_registry(self):
        reg = _example.Registry()
        ref = weakref.ref(reg)
        self.assertIs(ref(), reg)
        self.assertIs(_example.deref(ref), reg)
        del reg
        collect()
        self.assertIsNone(ref())

    @unittest.skipIf(PYPY, PYPY_CYCLES)
    def test_cycle_through_itself_is_collected(self):
        reg = _example.Registry()
        reg.register(reg, "self")
        self.assertIs(reg["self"], reg)
        ref = weakref.ref(reg)
        del reg
        collect()
        self.assertIsNone(ref())

    @unittest.skipIf(PYPY, PYPY_CYCLES)
    def test_cycle_through_python_object_is_collected(self):
        reg = _example.Registry()
        holder = Thing("holder")
        holder.registry = reg
        reg.register(holder)
        reg_ref, holder_ref = weakref.ref(reg), weakref.ref(holder)
        del reg, holder
        collect()
        self.assertIsNone(reg_ref())
        self.assertIsNone(holder_ref())

    @unittest.skipIf(PYPY, "PyPy's gc.get_referents() does not call tp_traverse; no gc.is_tracked()")
    def test_traverse_reports_entries_and_type(self):
        reg = _example.Registry({"a": 1})
        referents = gc.get_referents(reg)
        self.assertIn(type(reg), referents)
        self.assertIn({"a": 1}, referents)
        self.assertTrue(gc.is_tracked(reg))


class TestReleases(unittest.TestCase):
    """What the functions hand back or store is released again: a leaked reference would
    keep the object alive (on PyPy too, where cpyext keeps objects C holds alive)."""

    CALLS = {
        "get": lambda o: _example.get({"k": o}, "k"),
        "get default": lambda o: _example.get({}, "k", o),
        "get_path": lambda o: _example.get_path({"a": Mapping({"b": {"c": o}})}, "a.b.c"),
        "lookup": lambda o: _example.lookup(Mapping({"k": o}), "k"),
        "lookup dict": lambda o: _example.lookup({"k": o}, "k"),
        "has_key": lambda o: _example.has_key({"k": o}, "k"),
        "has_key_str": lambda o: _example.has_key_str(Mapping({"k": o}), "k"),
        "setdefault new": lambda o: _example.setdefault({}, "k", o),
        "setdefault present": lambda o: _example.setdefault({"k": o}, "k", None),
        "pop": lambda o: _example.pop({"k": o}, "k"),
        "discard": lambda o: _example.discard({"k": o}, "k"),
        "contains_str": lambda o: _example.contains_str({"k": o}, "k"),
        "item": lambda o: _example.item([o], 0),
        "extend": lambda o: _example.extend([], [o, o]),
        "clear": lambda o: _example.clear([o]),
        "getattr_opt": lambda o: _example.getattr_opt(Thing(a=o), "a"),
        "has_attr": lambda o: _example.has_attr(Thing(a=o), "a"),
        "has_attr_str": lambda o: _example.has_attr_str(Thing(a=o), "a"),
        "deref": lambda o: _example.deref(weakref.ref(o)),
        "Registry": lambda o: _example.Registry({"k": o}),
        "register": lambda o: _example.Registry().register(o),
        "register weak": lambda o: _example.Registry().register(o, weak=True),
        "get registered": lambda o: _example.Registry([o]).get("released"),
        "weak entry": lambda o: (lambda reg: (reg.register(o, "w", weak=True), reg["w"],
                                              "w" in reg, reg.resolve("w"), reg.prune()))(
                                                  _example.Registry()),
        "unregister": lambda o: _example.Registry([o]).unregister("released"),
        "resolve": lambda o: _example.Registry([Thing("t", a=o)]).resolve("t.a"),
    }

    def test_results_are_released(self):
        for name, call in self.CALLS.items():
            with self.subTest(name):
                obj = Thing("released")
                ref = weakref.ref(obj)
                for _ in range(3):
                    call(obj)
                del obj
                collect()
                self.assertIsNone(ref(), "a reference was leaked")

    def test_error_paths_release(self):
        def pop_missing(o):
            with self.assertRaises(KeyError):
                _example.pop({"a": 1}, o)

        def registry_full(o):
            reg = _example.Registry({"x": 1}, limit=1)
            with self.assertRaises(_example.RegistryError):
                reg.register(o)

        def duplicate(o):
            reg = _example.Registry([o])
            with self.assertRaises(_example.RegistryError):
                reg.register(o)

        def lookup_error(o):
            with self.assertRaises(ValueError):
                _example.lookup(Mapping({}, {"k": ValueError(o)}), "k")

        for call in (pop_missing, registry_full, duplicate, lookup_error):
            with self.subTest(call.__name__):
                obj = Thing("released")
                ref = weakref.ref(obj)
                call(obj)
                del obj
                collect()
                self.assertIsNone(ref(), "a reference was leaked")


@unittest.skipIf(PYPY, NO_REFCOUNTS)
class TestRefcounts(unittest.TestCase):
    """Strong references are returned and released exactly once (a backport that leaked or
    over-released a reference would change these counts)."""

    N = 200

    def assertStableRefcount(self, obj, func):
        func()
        gc.collect()        # exceptions caught on error paths sit in reference cycles
        before = sys.getrefcount(obj)
        for _ in range(self.N):
            func()
        gc.collect()
        self.assertEqual(sys.getrefcount(obj), before)

    def test_dict_functions(self):
        value, key = Thing(), "key"
        d = {key: value}
        self.assertStableRefcount(value, lambda: _example.get(d, key))
        self.assertStableRefcount(value, lambda: _example.get({}, key, value))
        self.assertStableRefcount(value, lambda: _example.get_path({"a": d}, "a.key"))
        self.assertStableRefcount(value, lambda: _example.lookup(d, key))
        self.assertStableRefcount(value, lambda: _example.lookup(Mapping(d), key))
        self.assertStableRefcount(value, lambda: _example.setdefault(d, key, 1))
        self.assertStableRefcount(value, lambda: _example.setdefault({}, key, value))
        self.assertStableRefcount(value, lambda: _example.pop({key: value}, key))
        self.assertStableRefcount(value, lambda: _example.discard({key: value}, key))
        self.assertStableRefcount(value, lambda: _example.has_key(d, key))
        self.assertStableRefcount(key, lambda: _example.has_key_str(d, "missing"))

    def test_error_paths(self):
        key = Thing()
        d = {"a": 1}

        def pop_missing():
            try:
                _example.pop(d, key)
            except KeyError:
                pass

        def lookup_error():
            try:
                _example.lookup(Mapping({}, {key: ValueError()}), key)
            except ValueError:
                pass
        self.assertStableRefcount(key, pop_missing)
        self.assertStableRefcount(key, lookup_error)
        self.assertStableRefcount(key, lambda: _example.lookup(Mapping({}), key))
        self.assertStableRefcount(key, lambda: _example.getattr_opt(Attrs(), "nope", key))

    def test_list_and_attr_functions(self):
        value = Thing(attr=None)
        lst = [value]
        self.assertStableRefcount(value, lambda: _example.item(lst, 0))
        self.assertStableRefcount(value, lambda: _example.extend([], lst))
        self.assertStableRefcount(value, lambda: _example.clear([value, value]))
        self.assertStableRefcount(value, lambda: _example.getattr_opt(value, "method"))
        holder = Thing(attr=value)
        self.assertStableRefcount(value, lambda: _example.getattr_opt(holder, "attr"))
        self.assertStableRefcount(value, lambda: _example.has_attr(holder, "attr"))
        self.assertStableRefcount(value, lambda: _example.deref(weakref.ref(value)))
        mod = _example.add_module("sys")
        self.assertStableRefcount(mod, lambda: _example.add_module("sys"))

    def test_registry(self):
        value = Thing("value")
        reg = _example.Registry()
        reg.register(value)
        reg.register(value, "weak", weak=True)
        self.assertStableRefcount(value, lambda: reg.get("value"))
        self.assertStableRefcount(value, lambda: reg["weak"])
        self.assertStableRefcount(value, lambda: reg.resolve("weak"))
        self.assertStableRefcount(value, lambda: "weak" in reg)
        self.assertStableRefcount(value, lambda: reg.register(value, replace=True))
        self.assertStableRefcount(value, lambda: reg.register(value, "w2", weak=True,
                                                              replace=True))
        self.assertStableRefcount(value, lambda: _example.Registry([value]))
        self.assertStableRefcount(reg, lambda: reg.entries)


@unittest.skipUnless(DEBUG_BUILD, "needs a debug build (sys.gettotalrefcount)")
class TestNoLeaks(unittest.TestCase):
    """On debug builds: the total reference count does not grow with the number of calls,
    error paths included."""

    def exercise(self):
        # names of more than one character: 1-character strs are immortal singletons,
        # whose leaks would not show in the total
        d = {"a": 1, "bb": {"cc": 2}}
        lst = [1, 2]
        _example.get(d, "a")
        _example.get(d, "zz", 0)
        _example.get_path(d, "bb.cc")
        _example.lookup(Mapping(d), "zz")
        _example.setdefault(d, "s", [])
        _example.pop(dict(d), "a")
        _example.discard(dict(d), "bb")
        _example.contains_str(d, "bb")
        _example.has_key_str(d, "bb")
        _example.item(lst, 1)
        _example.extend(list(lst), (x for x in lst))
        _example.clear(list(lst))
        _example.as_int(12345)
        _example.getattr_opt(Attrs(), "dynamic")
        _example.has_attr(Attrs(), "nope")
        _example.str_equals("é", "é".encode())
        obj = Thing("xx")
        _example.deref(weakref.ref(obj))
        reg = _example.Registry({"yy": 1}, limit=3)
        reg.register(obj, weak=True)
        reg.resolve("xx.__name__")
        reg.names()
        reg.prune()
        for func, args, exc in (
            (_example.get, ({}, []), TypeError),
            (_example.pop, ({"a": 1}, "b"), KeyError),
            (_example.item, ([], 0), IndexError),
            (_example.item, ((), 0), TypeError),
            (_example.as_int, (2**40,), OverflowError),
            (_example.as_int, (1.5,), TypeError),
            (_example.getattr_opt, (Attrs(), "broken"), ValueError),
            (_example.deref, (obj,), TypeError),
            (reg.register, (obj,), _example.RegistryError),
            (reg.unregister, ("nope",), KeyError),
            (_example.extend, ([], 1), TypeError),
        ):
            try:
                func(*args)
            except exc:
                pass
            else:
                raise AssertionError(f"{func.__name__}{args!r} did not raise {exc}")

    def test_total_refcount_is_stable(self):
        rounds = 500
        for _ in range(50):
            self.exercise()
        deltas = []
        for _ in range(3):
            gc.collect()
            before = sys.gettotalrefcount()
            for _ in range(rounds):
                self.exercise()
            gc.collect()
            deltas.append(sys.gettotalrefcount() - before)
        # one reference leaked by any one call would add `rounds` in every round; the
        # interpreter's own caches settle at a few dozen
        self.assertLess(min(deltas), rounds // 2, deltas)

if __name__ == "__main__":
    unittest.main()
