"""Run by generator/tests/hpy.rs under each interpreter, with _hpy_module on sys.path.

The extension is loaded a second time from a copy of its file under another name, which
gives two copies of every static function of the header: types made by one copy must be
recognised by the other (HPyType_FromSpec, tp_dealloc, GC)."""
import gc
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import tempfile

import _hpy_module as a

PYPY = sys.implementation.name == "pypy"


def collect():
    for _ in range(3):
        gc.collect()


tmp = tempfile.mkdtemp()
copy = os.path.join(tmp, os.path.basename(a.__file__))
shutil.copy(a.__file__, copy)
spec = importlib.util.spec_from_file_location(
    "copy._hpy_module", copy, loader=importlib.machinery.ExtensionFileLoader("copy._hpy_module", copy))
b = importlib.util.module_from_spec(spec)
spec.loader.exec_module(b)
assert b.Point is not a.Point and b.make_sub is not a.make_sub

assert PYPY or a.__doc__ is None  # (PyPy shows the module type's doc)
assert a.state_is_null() is True

# a SubPoint made by copy b on copy a's Point
SP = b.make_sub(a.Point)
assert SP.__mro__ == (SP, a.Point, object), SP.__mro__
s = SP(1, 2)  # a's tp_new, given b's type
assert type(s) is SP and (s.x, s.y, s.z) == (1, 2, 0)
s.z = 3
assert s.xyz() == 6
s.obj = "base field"
s.other = "own field"
assert s.obj == "base field" and s.other == "own field"

# deallocation (b's tp_dealloc) runs both HPy_tp_destroy: b's for SubPoint, a's for Point
collect()
da, db = a.destroyed(), b.destroyed()
del s
collect()
assert (a.destroyed(), b.destroyed()) == ((da[0] + 1, da[1]), (db[0], db[1] + 1)), (a.destroyed(), b.destroyed())

# GC through the fields of both levels (b's traverse trampoline finds a's record for the header)
if not PYPY:
    x, y = SP(0, 0), SP(0, 0)
    x.other, y.obj = y, x
    del x, y
    collect()
    assert (a.destroyed(), b.destroyed()) == ((da[0] + 3, da[1]), (db[0], db[1] + 3))

# b refuses a legacy type on a's pure Point
try:
    b.legacy_on(a.Point)
except TypeError as e:
    assert str(e) == "A legacy type should not inherit its memory layout from a pure type", e
else:
    raise AssertionError("a legacy type on a pure type of another copy was accepted")
on_object = b.legacy_on(object)
assert on_object.__mro__ == (on_object, object)

# reference leaks (debug builds)
if hasattr(sys, "gettotalrefcount"):
    def workload():
        s = SP(1, 2)
        s.other = s.obj = [1]
        _ = (s.xyz(), s.other, s.obj, a.Point(3, 4), b.Point(5))
        try:
            b.legacy_on(a.Point)
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

shutil.rmtree(tmp, ignore_errors=True)
print("check_module: ok")
