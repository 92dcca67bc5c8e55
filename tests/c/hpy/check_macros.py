"""Run by generator/tests/hpy.rs under each interpreter, with _hpy_macros on sys.path."""
import os
import sys
import warnings

import _hpy_macros as m

c = m.constants()
assert c == {
    "version": "0.9.0",
    "abi": "cpython",
    "abi_version": 0,
    "abi_version_minor": 0,
    "tag": "hpy0",
    "ssize_max": sys.maxsize,
    "ssize_min": -sys.maxsize - 1,
    "twice": 42,
    "exported": 7,
    "vectorcall_struct": 1,
}, c

# HPy_RETURN_RICHCOMPARE: HPy_LT .. HPy_GE are 0 .. 5, as Py_LT .. Py_GE
ops = [lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a == b,
       lambda a, b: a != b, lambda a, b: a > b, lambda a, b: a >= b]
for a in (-2, 0, 3):
    for b in (-2, 0, 3):
        for op, fn in enumerate(ops):
            got = m.compare(a, b, op)
            assert got is fn(a, b), (a, b, op, got)

assert m.without_gil() == 1
assert m.pid() == os.getpid()

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert m.warn("careful", 1) is None
assert len(caught) == 1 and caught[0].category is UserWarning and str(caught[0].message) == "careful", caught
with warnings.catch_warnings():
    warnings.simplefilter("error")
    try:
        m.warn("now an error", 1)
    except UserWarning as e:
        assert str(e) == "now an error"
    else:
        raise AssertionError("an error-filtered warning did not raise")
print("hpy macros OK")
