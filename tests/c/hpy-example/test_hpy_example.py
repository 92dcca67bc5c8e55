"""Tests of the HPy-style extension _hpy_example, run under each interpreter by
`capi-compat matrix --hpy tests/c/hpy-example/_hpy_example.c -- python -m unittest discover -s tests/c/hpy-example`.
"""
import gc
import importlib.util
import sys
import unittest

import _hpy_example as ex

DEBUG_BUILD = hasattr(sys, "gettotalrefcount")


def collect():
    for _ in range(3):
        gc.collect()


class RefcountMixin:
    def assertNoLeak(self, fn, rounds=300):
        """fn() leaves the total reference count unchanged (debug builds only): a leak of one
        reference per call shows as `rounds`; caches the interpreter fills on its own (3.14's
        specialisation, interned strings) as a few dozen at most, and not on every attempt."""
        if not DEBUG_BUILD:
            fn()
            return
        for _ in range(100):
            fn()
        deltas = []
        for _ in range(3):
            collect()
            before = sys.gettotalrefcount()
            for _ in range(rounds):
                fn()
            collect()
            deltas.append(sys.gettotalrefcount() - before)
        smallest = min(deltas, key=abs)
        self.assertLess(abs(smallest), rounds // 4, f"{fn} leaked about {smallest / rounds:.2f} refs per call")


class VecTests(unittest.TestCase, RefcountMixin):
    def test_construct(self):
        v = ex.Vec()
        self.assertEqual((v.x, v.y, v.label), (0.0, 0.0, None))
        v = ex.Vec(1, 2.5, "a")
        self.assertEqual((v.x, v.y, v.label), (1.0, 2.5, "a"))
        v = ex.Vec(y=3, label=[1])
        self.assertEqual((v.x, v.y, v.label), (0.0, 3.0, [1]))
        self.assertIs(type(v), ex.Vec)
        self.assertEqual(ex.Vec.__module__, "_hpy_example")
        self.assertEqual(ex.Vec.__name__, "Vec")
        self.assertIn("2-D vector", ex.Vec.__doc__)

    def test_construct_errors(self):
        with self.assertRaises(TypeError):
            ex.Vec("x")
        with self.assertRaises(TypeError):
            ex.Vec(1, [])
        # HPy's keyword parsing ignores keywords it does not know.
        self.assertEqual(ex.Vec(z=1), ex.Vec())

    def test_members(self):
        v = ex.Vec(1, 2)
        v.x = 5
        self.assertEqual(v.x, 5.0)
        with self.assertRaises(TypeError):
            v.y = "no"
        self.assertEqual(type(v).__dict__["x"].__doc__, "the x coordinate")

    def test_label_getset(self):
        v = ex.Vec()
        v.label = "hello"
        self.assertEqual(v.label, "hello")
        v.label = None
        self.assertIsNone(v.label)
        with self.assertRaises(AttributeError) as cm:
            del v.label
        self.assertEqual(str(cm.exception), "cannot delete the label; set it to None")

    def test_norm_is_read_only(self):
        v = ex.Vec(3, 4)
        self.assertEqual(v.norm, 5.0)
        with self.assertRaises(AttributeError):
            v.norm = 1

    def test_methods(self):
        v = ex.Vec(1, 2, "lbl")
        w = v.scaled(3)
        self.assertEqual((w.x, w.y, w.label), (3.0, 6.0, "lbl"))
        with self.assertRaises(TypeError):
            v.scaled("x")
        self.assertEqual(v.with_label("abc").label, "abc")
        self.assertEqual(v.with_label("abc", upper=True).label, "ABC")
        self.assertEqual(v.with_label(label=7, upper=True).label, 7)
        with self.assertRaises(TypeError) as cm:
            v.with_label("abc", True)
        self.assertEqual(str(cm.exception), "with_label() keyword only argument passed as positional argument")
        with self.assertRaises(TypeError) as cm:
            v.with_label()
        self.assertEqual(str(cm.exception), "with_label() no value for required argument")

    def test_number_slots(self):
        a, b = ex.Vec(1, 2), ex.Vec(10, 20)
        s = a + b
        self.assertEqual((s.x, s.y), (11.0, 22.0))
        d = b - a
        self.assertEqual((d.x, d.y), (9.0, 18.0))
        n = -a
        self.assertEqual((n.x, n.y), (-1.0, -2.0))
        self.assertTrue(a)
        self.assertFalse(ex.Vec())
        with self.assertRaises(TypeError):
            a + 1
        with self.assertRaises(TypeError):
            1 - a

    def test_compare_hash_repr(self):
        self.assertEqual(ex.Vec(1, 2), ex.Vec(1, 2))
        self.assertNotEqual(ex.Vec(1, 2), ex.Vec(2, 1))
        self.assertFalse(ex.Vec(1, 2) == (1, 2))
        with self.assertRaises(TypeError):
            ex.Vec() < ex.Vec()
        self.assertEqual(hash(ex.Vec(1, 2)), hash((1.0, 2.0)))
        self.assertEqual(repr(ex.Vec(1, 2, "a")), "Vec(1.0, 2.0, label='a')")
        self.assertEqual(repr(ex.Vec()), "Vec(0.0, 0.0, label=None)")

    def test_subclass(self):
        class Sub(ex.Vec):
            def total(self):
                return self.x + self.y

        s = Sub(1, 2) + Sub(3, 4)
        self.assertIs(type(s), Sub)
        self.assertEqual(s.total(), 10.0)
        self.assertEqual(ex.dot(Sub(1, 1), ex.Vec(2, 3)), 5.0)

    def test_destroy_runs(self):
        collect()
        before = ex.destroyed()
        v = ex.Vec(1, 1, label=["x"])
        del v
        collect()
        self.assertEqual(ex.destroyed(), before + 1)

    @unittest.skipIf(sys.implementation.name == "pypy", "PyPy's cpyext does not collect cycles through C objects")
    def test_gc_collects_cycles_through_fields(self):
        collect()
        before = ex.destroyed()
        v = ex.Vec(1, 1)
        v.label = v
        w = ex.Vec(label=[v])
        v.label = [w]
        del v, w
        collect()
        self.assertEqual(ex.destroyed(), before + 2)

    @unittest.skipIf(sys.implementation.name == "pypy", "PyPy's gc.get_referents does not call tp_traverse")
    def test_gc_sees_the_field(self):
        payload = ["payload"]
        v = ex.Vec(label=payload)
        self.assertIn(payload, gc.get_referents(v))
        self.assertTrue(gc.is_tracked(v))

    def test_no_leaks(self):
        self.assertNoLeak(lambda: ex.Vec(1, 2, "x"))
        self.assertNoLeak(lambda: ex.Vec(1, 2, "x") + ex.Vec(3, 4))
        self.assertNoLeak(lambda: repr(ex.Vec(1, 2, "x")))
        self.assertNoLeak(lambda: ex.Vec(1, 2).with_label("a", upper=True))
        v = ex.Vec(1, 2, "x")

        def set_label():
            v.label = "y"
            v.label = None

        self.assertNoLeak(set_label)

        def errors():
            for bad in ((1, 2, 3, 4), ("x",)):
                try:
                    ex.Vec(*bad)
                except TypeError:
                    pass
            try:
                v.with_label("a", True)
            except TypeError:
                pass

        self.assertNoLeak(errors)


class CounterTests(unittest.TestCase, RefcountMixin):
    def test_call(self):
        c = ex.Counter()
        self.assertEqual(c(), 1)
        self.assertEqual(c(step=5), 6)
        self.assertEqual(c(-6), 0)
        self.assertEqual(c.calls, 0)
        with self.assertRaises(AttributeError):
            c.calls = 3
        with self.assertRaises(TypeError) as cm:
            ex.Counter(1)
        self.assertEqual(str(cm.exception), "Counter() takes no arguments")
        with self.assertRaises(TypeError):
            c("x")
        self.assertNoLeak(lambda: c(step=2))


class ModuleTests(unittest.TestCase, RefcountMixin):
    def test_dot(self):
        self.assertEqual(ex.dot(ex.Vec(1, 2), ex.Vec(3, 4)), 11.0)
        with self.assertRaises(TypeError) as cm:
            ex.dot(1, 2)
        self.assertEqual(str(cm.exception), "dot() needs two Vec objects")
        with self.assertRaises(TypeError) as cm:
            ex.dot(ex.Vec())
        self.assertEqual(str(cm.exception), "dot() required positional argument missing")

    def test_describe_and_module_exception(self):
        self.assertEqual(ex.describe(3), "number 3")
        self.assertEqual(ex.describe([1, 2]), "sequence of 2")
        self.assertEqual(ex.describe(object), "object <class 'object'>")
        self.assertTrue(issubclass(ex.ExampleError, ValueError))
        self.assertEqual(ex.ExampleError.__module__, "_hpy_example")
        with self.assertRaises(ex.ExampleError) as cm:
            ex.describe(None)
        self.assertEqual(str(cm.exception), "nothing to describe")

    def test_module_state_is_per_module(self):
        first = ex.count()
        self.assertEqual(ex.count(), first + 1)
        spec = importlib.util.find_spec("_hpy_example")
        other = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(other)
        self.assertIsNot(other, ex)
        self.assertEqual(other.count(), 1)
        self.assertEqual(ex.count(), first + 2)
        # Each module object has its own types; the HPyGlobal is shared by both.
        self.assertIsNot(other.Vec, ex.Vec)
        with self.assertRaises(TypeError):
            other.dot(ex.Vec(), ex.Vec())
        self.assertEqual(other.dot(other.Vec(1, 0), other.Vec(2, 0)), 2.0)
        self.assertEqual(ex.execs()[-1], "_hpy_example")
        self.assertEqual(other.execs(), ex.execs())

    def test_pack(self):
        self.assertEqual(ex.pack(1, 2, a=3), ((1, 2), {"a": 3}, [2, "summary"]))
        self.assertEqual(ex.pack(), ((), {}, [0, "summary"]))
        self.assertNoLeak(lambda: ex.pack(1, "x", k=[1]))

    def test_make_list(self):
        self.assertEqual(ex.make_list(5), [0, 1, 2, 3, 4])
        self.assertEqual(ex.make_list(0), [])
        with self.assertRaises(ValueError):
            ex.make_list(-1)
        self.assertNoLeak(lambda: ex.make_list(10))

    def test_docs(self):
        self.assertEqual(ex.__doc__, "A realistic HPy-style extension built on capi_compat.h")
        self.assertTrue(ex.dot.__doc__.startswith("dot(a, b)"))


if __name__ == "__main__":
    unittest.main()
