"""Run by generator/tests/hpy.rs under each interpreter, with _hpy_runtime on sys.path.

Checks HPy 0.9's runtime helpers (spec/hpy/runtime.yaml): every argument-parsing unit and
message, keywords, HPyTracker, HPy_BuildValue, HPyUnicode_FromFormat (against Python's own
formatting and, on CPython 3.12+, against PyUnicode_FromFormat), HPyErr_Format,
HPyHelpers_PackArgsAndKeywords and struct sequences; on -dbg builds, that nothing leaks."""
import codecs
import gc
import re
import struct
import sys
import warnings

import _hpy_runtime as m

CPYTHON = sys.implementation.name == "cpython"
# CPython 3.12+ formats like HPy (older ones pad negative numbers wrongly, among others).
LIKE_CPYTHON = CPYTHON and sys.version_info >= (3, 12)
# ... and 3.14+ also drops an incomplete UTF-8 character where a %s precision cuts one.
LIKE_CPYTHON_UTF8 = CPYTHON and sys.version_info >= (3, 14)
LONG_BITS = struct.calcsize("l") * 8
MISSING = Ellipsis  # what the test module returns for an HPy_NULL / untouched handle output
UNTOUCHED = 77  # what it returns for an untouched C output


def raises(exc, message, fn, *args, **kwargs):
    """fn(*args, **kwargs) raises exactly exc (not a subclass), with message when not None."""
    try:
        fn(*args, **kwargs)
    except BaseException as e:
        assert type(e) is exc, (fn, args, kwargs, type(e), e)
        assert message is None or str(e) == message, (fn, args, kwargs, str(e), message)
    else:
        raise AssertionError(f"{fn.__name__}{args}{kwargs} did not raise {exc.__name__}")


def is_exc(value, exc, message=None):
    return type(value) is exc and (message is None or str(value) == message)


# ---- HPyArg_Parse: every unit --------------------------------------------------------------
def p1(fmt, *args, tracker=False):
    return m.parse_one(tracker, fmt, *args)


I_MAX, I_MIN = 2**31 - 1, -(2**31)
L_MAX, L_MIN = 2 ** (LONG_BITS - 1) - 1, -(2 ** (LONG_BITS - 1))
LL_MAX, LL_MIN = 2**63 - 1, -(2**63)
ok_cases = {
    "b": [(0, 0), (1, 1), (255, 255)],
    "B": [(0, 0), (255, 255), (256, 0), (-1, 255), (2**70 + 3, 3)],
    "h": [(0, 0), (-1, -1), (2**15 - 1, 2**15 - 1), (-(2**15), -(2**15))],
    "H": [(0, 0), (-1, 2**16 - 1), (2**16 - 1, 2**16 - 1), (2**16, 0), (-(2**16) + 1, 1)],
    "i": [(0, 0), (-1, -1), (I_MAX, I_MAX), (I_MIN, I_MIN)],
    "I": [(0, 0), (-1, 2**32 - 1), (2**32, 0), (2**32 + 5, 5)],
    "l": [(0, 0), (-1, -1), (L_MAX, L_MAX), (L_MIN, L_MIN)],
    "k": [(0, 0), (-1, 2**LONG_BITS - 1), (2**LONG_BITS, 0), (2**LONG_BITS + 9, 9)],
    "L": [(0, 0), (-1, -1), (LL_MAX, LL_MAX), (LL_MIN, LL_MIN)],
    "K": [(0, 0), (-1, 2**64 - 1), (2**64, 0), (-(2**64) + 1, 1)],
    "n": [(0, 0), (-1, -1), (sys.maxsize, sys.maxsize), (-sys.maxsize - 1, -sys.maxsize - 1)],
    "f": [(1.5, 1.5), (-2, -2.0), (0.25, 0.25)],
    "d": [(1.5, 1.5), (-2, -2.0), (1e300, 1e300)],
    "p": [(0, 0), (1, 1), (-1, 1), (False, 0), (True, 1), ([], 0), ([0], 1), ("", 0), ("0", 1), (None, 0)],
    "s": [("hello HPy", "hello HPy"), ("", ""), ("\u20acur\u0398pe \U0001f600", "\u20acur\u0398pe \U0001f600")],
}
for unit, cases in ok_cases.items():
    for value, expected in cases:
        for tracker in (False, True):
            got = p1(unit, value, tracker=tracker)
            assert got == expected and type(got) is type(expected), (unit, value, got, expected)
    # optional and absent: the output is left alone
    assert p1("|" + unit) == (MISSING if unit == "s" else UNTOUCHED), unit
    # present after '|'
    assert p1("|" + unit, cases[0][0]) == cases[0][1], unit
obj = object()
assert p1("O", obj) is obj
assert p1("O", obj, tracker=True) is obj
assert p1("|O") is MISSING

# Range errors, with HPy's messages and their "function " / "NAME() " / ';' forms.
range_errors = [
    ("b", 256, "unsigned byte integer is greater than maximum"),
    ("b", -1, "unsigned byte integer is less than minimum"),
    ("h", 2**15, "signed short integer is greater than maximum"),
    ("h", -(2**15) - 1, "signed short integer is less than minimum"),
    ("i", 2**31, "signed integer is greater than maximum"),
    ("i", -(2**31) - 1, "signed integer is less than minimum"),
]
for unit, value, message in range_errors:
    if unit == "i" and LONG_BITS == 32:
        raises(OverflowError, None, p1, unit, value)
        continue
    raises(OverflowError, "function " + message, p1, unit, value)
    raises(OverflowError, "conv() " + message, p1, unit + ":conv", value)
    raises(OverflowError, "custom text", p1, unit + ";custom text", value)
    raises(OverflowError, "function " + message, p1, unit, value, tracker=True)
# Out of the C long long range: the interpreter's own OverflowError.
for unit, value in [("i", 2**64), ("l", 2**LONG_BITS), ("l", -(2**LONG_BITS)), ("L", 2**63), ("L", -(2**63) - 1),
                    ("n", 2**63), ("b", 2**64), ("h", -(2**64))]:
    raises(OverflowError, None, p1, unit, value)
# Not an int / float: the interpreter's TypeError.
for unit in "bBhHiIlkLKnfd":
    raises(TypeError, None, p1, unit, "x")
    raises(TypeError, None, p1, unit, None)


class BadBool:
    def __bool__(self):
        raise ZeroDivisionError("no truth")


raises(ZeroDivisionError, "no truth", p1, "p", BadBool())
# 's'
raises(ValueError, "function embedded null character", p1, "s", "hello\0HPy")
raises(ValueError, "f() embedded null character", p1, "s:f", "\0")
raises(TypeError, "function a str is required", p1, "s", b"hello HPy")
raises(TypeError, "function a str is required", p1, "s", 5)
raises(SystemError, "function unicode conversion error", p1, "s", "\ud800")
raises(TypeError, "no str!", p1, "s;no str!", None)

# ---- HPyArg_Parse: arguments and messages ---------------------------------------------------
ph = m.parse_handles
assert ph(False, "OO", "a", "b") == ("a", "b", MISSING, MISSING)
assert ph(True, "OO", "a", "b") == ("a", "b", MISSING, MISSING)
assert ph(False, "O|O", 1) == (1, MISSING, MISSING, MISSING)
assert ph(False, "O|O", 1, 2) == (1, 2, MISSING, MISSING)
assert ph(False, "|OO") == (MISSING,) * 4
assert ph(False, "") == (MISSING,) * 4
assert ph(False, "OOOO:f", 1, 2, 3, 4) == (1, 2, 3, 4)
assert ph(False, "O:name with spaces", 1) == (1, MISSING, MISSING, MISSING)
raises(SystemError, "two_add() unknown arg format code", ph, False, "ZZ:two_add", "a")
raises(SystemError, "two_add() unknown arg format code", ph, True, "ZZ:two_add", "a")
raises(TypeError, "two_add() required positional argument missing", ph, False, "OO:two_add")
raises(TypeError, "two_add() mismatched args (too many arguments for fmt)", ph, False, "OO:two_add", 1, 2, 3)
raises(TypeError, "function mismatched args (too many arguments for fmt)", ph, False, "", 1)
raises(SystemError, "two_add() unknown arg format code", ph, False, "O$O:two_add", 1, 2)
raises(TypeError, "function required positional argument missing", ph, False, "OOO", 1, 2)
raises(TypeError, "my_func() required positional argument missing", ph, False, "OOO:my_func", 1, 2)
raises(TypeError, "my-error-message", ph, False, "OOO;my-error-message", 1, 2)
raises(TypeError, "my-error-message", ph, True, "OOO;my-error-message", 1, 2)
# ':' and ';' end the units; whichever comes first wins, and the rest is taken as it is.
raises(TypeError, "f;x() required positional argument missing", ph, False, "O:f;x")
raises(TypeError, "x:f", ph, False, "O;x:f")
# HPy's length limits: 200 bytes of name, 256 of message, 511 of ';' text.
raises(TypeError, "n" * 200 + "() required positional argument missing", ph, False, "O:" + "n" * 300)
raises(TypeError, "m" * 511, ph, False, "O;" + "m" * 600)
raises(TypeError, "n" * 199 + "\ufffd() required positional argument missing", ph, False, "O:" + "n" * 199 + "\u00e9")
# Several numbers.
assert m.parse_longs("lllll", 4, 5, 6, 7, 8) == (4, 5, 6, 7, 8)
assert m.parse_longs("l|l", 4) == (4, UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED)
assert m.parse_longs("l|ll", 4, 5) == (4, 5, UNTOUCHED, UNTOUCHED, UNTOUCHED)
raises(TypeError, None, m.parse_longs, "ll", 4, "x")

# ---- HPyArg_ParseKeywords --------------------------------------------------------------------
AB, POS_B, BAD, ABCD, A, NONE, UNI = range(7)  # keyword lists of the test module
kh = m.kw_handles
assert kh(True, AB, "OO", "x", b="y") == ("x", "y", MISSING, MISSING)
assert kh(True, AB, "OO", b="y", a="x") == ("x", "y", MISSING, MISSING)
assert kh(True, AB, "OO", "x", "y") == ("x", "y", MISSING, MISSING)
assert kh(True, AB, "O|O", a=3) == (3, MISSING, MISSING, MISSING)
assert kh(True, AB, "O|O", 3) == (3, MISSING, MISSING, MISSING)
assert kh(True, AB, "O|O", a=3, b=2) == (3, 2, MISSING, MISSING)
# HPy ignores keywords it does not know, and keywords for parameters given positionally.
assert kh(True, AB, "O|O", a=3, zzz=2) == (3, MISSING, MISSING, MISSING)
assert kh(True, AB, "OO", 1, 2, a=5) == (1, 2, MISSING, MISSING)
assert kh(True, UNI, "O|O", **{"\u00e9t\u00e9": 1}) == (1, MISSING, MISSING, MISSING)
assert kh(True, UNI, "O|O", 1, b=2) == (1, 2, MISSING, MISSING)


class Name(str):
    pass


assert kh(True, AB, "OO", **{Name("a"): 1, Name("b"): 2}) == (1, 2, MISSING, MISSING)
assert kh(True, NONE, "") == (MISSING,) * 4
raises(SystemError, "two_add() unknown arg format code", kh, True, AB, "ZZ:two_add", "a")
raises(TypeError, "add_two() no value for required argument", kh, True, AB, "OO:add_two", 1)
raises(TypeError, "add_two() no value for required argument", kh, True, AB, "OO:add_two", b=1)
raises(TypeError, "add_two() mismatched args (too few keywords for fmt)", kh, True, AB, "OOO:add_two", 1, 2)
raises(TypeError, "add_two() mismatched args (too many keywords for fmt)", kh, True, AB, "O:add_two", 1, 2)
raises(TypeError, "function mismatched args (too few keywords for fmt)", kh, True, AB, "OOO", 1, 2)
raises(TypeError, "my_func() mismatched args (too few keywords for fmt)", kh, True, AB, "OOO:my_func", 1, 2)
raises(TypeError, "my-error-message", kh, True, AB, "OOO;my-error-message", 1, 2)
raises(SystemError, "function empty keyword parameter name", m.kw_longs, BAD, "lll")
raises(SystemError, "function empty keyword parameter name", kh, True, BAD, "OOO", 1, 2, 3)
# positional-only parameters (empty names)
assert kh(True, POS_B, "O|O", 1, b=2) == (1, 2, MISSING, MISSING)
assert kh(True, POS_B, "O|O", 1, 2) == (1, 2, MISSING, MISSING)
assert kh(True, POS_B, "O|O", 1) == (1, MISSING, MISSING, MISSING)
raises(TypeError, "function no value for required argument", kh, True, POS_B, "O|O", a=1, b=2)
# keyword-only parameters
assert kh(True, AB, "O$O", 1, b=2) == (1, 2, MISSING, MISSING)
assert kh(True, AB, "O$O", a=1, b=2) == (1, 2, MISSING, MISSING)
assert kh(True, AB, "O$O", 1) == (1, MISSING, MISSING, MISSING)
raises(TypeError, "function keyword only argument passed as positional argument", kh, True, AB, "O$O", 1, 2)
# 'O' needs a tracker here
raises(SystemError, "function HPyArg_ParseKeywords cannot use the format character 'O' unless an HPyTracker is "
       "provided. Please supply an HPyTracker.", kh, False, AB, "OO", 1, 2)
raises(SystemError, "f() HPyArg_ParseKeywords cannot use the format character 'O' unless an HPyTracker is "
       "provided. Please supply an HPyTracker.", kh, False, AB, "|O:f")
# numbers without a tracker
assert m.kw_longs(AB, "l|l", a=3) == (3, UNTOUCHED, UNTOUCHED, UNTOUCHED)
assert m.kw_longs(AB, "ll", 3, b=-4) == (3, -4, UNTOUCHED, UNTOUCHED)
assert m.kw_longs(A, "b", a=255) == (255, UNTOUCHED, UNTOUCHED, UNTOUCHED)
raises(OverflowError, "function unsigned byte integer is greater than maximum", m.kw_longs, A, "b", a=256)
raises(TypeError, None, m.kw_longs, A, "l", a="x")
# several kinds of output
assert m.kw_mixed(1) == (1, -1.5, "default", UNTOUCHED)
assert m.kw_mixed(1, 2.5, "s", d=[]) == (1, 2.5, "s", 0)
assert m.kw_mixed(a=1, c="zz", d="yes") == (1, -1.5, "zz", 1)
raises(TypeError, "mixed() keyword only argument passed as positional argument", m.kw_mixed, 1, 2.5, "s", [])
raises(TypeError, "mixed() no value for required argument", m.kw_mixed, b=2.0)
raises(TypeError, None, m.kw_mixed, 1, b="x")
raises(TypeError, "mixed() a str is required", m.kw_mixed, 1, c=b"x")

# ---- HPyArg_ParseKeywordsDict ----------------------------------------------------------------
kd = m.kwdict_handles
assert kd(True, AB, "O|O", (), dict(a=3, b=2)) == (3, 2, MISSING, MISSING)
assert kd(True, AB, "O|O", (3, 2), {}) == (3, 2, MISSING, MISSING)
assert kd(True, AB, "O|O", (), dict(a=3)) == (3, MISSING, MISSING, MISSING)
assert kd(True, AB, "O|O", (3,), None) == (3, MISSING, MISSING, MISSING)
assert kd(True, AB, "O|O", (3,), dict(a=5, b=6)) == (3, 6, MISSING, MISSING)
assert kd(True, POS_B, "O|O", (1,), dict(b=2)) == (1, 2, MISSING, MISSING)
raises(TypeError, "function no value for required argument", kd, True, AB, "O|O", (), {})
raises(TypeError, "function no value for required argument", kd, True, AB, "O|O", (), None)
raises(TypeError, "function keyword only argument passed as positional argument", kd, True, AB, "O$O", (1, 2), None)
raises(TypeError, "function mismatched args (too many keywords for fmt)", kd, True, ABCD, "OOO", (1, 2, 3), None)
raises(SystemError, "function empty keyword parameter name", kd, True, BAD, "OOO", (1, 2, 3), None)


class Mapping:
    """Any mapping works; a lookup error counts as a missing argument."""

    def __getitem__(self, key):
        if key == "a":
            return "from mapping"
        raise ValueError(key)


assert kd(True, AB, "O|O", (), Mapping()) == ("from mapping", MISSING, MISSING, MISSING)
raises(TypeError, "function no value for required argument", kd, True, AB, "OO", (), Mapping())
# 's' values live in the dict
assert m.kwdict_strs({"a": "".join(["x"] * 5), "b": "y"}) == ("xxxxx", "y")
assert m.kwdict_strs({"a": "x"}) == ("x", "default")
raises(TypeError, "function a str is required", m.kwdict_strs, {"a": 1})

# 'O' outputs: duplicates held by the tracker for ParseKeywords*, the arguments for Parse.
value, tracked, after_close, parse = m.fresh_outputs()
assert value == "fresh 12345", value
if CPYTHON:
    assert (tracked, after_close, parse) == (1, 0, 0), (tracked, after_close, parse)

# ---- HPyTracker -------------------------------------------------------------------------------
assert m.tracker_close(0, []) == 0
assert m.tracker_close(10, []) == 0
assert m.tracker_close(1, [1, 2, 3]) == 0
assert m.tracker_close(0, list(range(1000))) == 0  # grows many times
raises(MemoryError, None, m.tracker_close, -1, [])
if CPYTHON:
    # HPyTracker_Close closes each tracked handle once; ForgetAll drops them unclosed.
    probe = object()
    before = sys.getrefcount(probe)
    assert m.tracker_close(0, [probe] * 100) == 0
    assert m.tracker_close(3, [probe] * 7) == 0
    m.tracker_forget([probe, probe, probe])
    assert sys.getrefcount(probe) == before, (sys.getrefcount(probe), before)
else:
    m.tracker_forget([object()])

# ---- HPy_BuildValue ---------------------------------------------------------------------------
o = object()
built = {
    0: None, 1: 42, 2: -1, 3: 4000000000, 4: 2**LONG_BITS - 1, 5: 2**64 - 1, 6: -sys.maxsize - 1,
    7: L_MIN, 8: LL_MIN, 9: 0.25, 10: -1.5, 11: "caf\u00e9", 12: None, 13: o, 14: o, 15: (1, 2), 16: (1,),
    17: (), 18: [], 19: {}, 20: (1, 2), 21: [1, "x"], 22: {"a": 1, "b": o},
    23: [(4, "str"), ((0.5,), [4, 2]), 99], 24: ({"A": (1, 2), "B": 0.5}, [o]), 25: (o, 3, "z"),
    26: {7: [o, o]}, 27: (o, o), 28: ((1, 2), (3, 4)), 29: {"k": 5},
}
for case, expected in built.items():
    got = m.build(case, o)
    assert got == expected and type(got) is type(expected), (case, got, expected)
assert m.build(13, o) is o
assert m.build(27, o)[1] is o
BV = " in the format string passed to HPy_BuildValue"
N_MESSAGE = ("HPy_BuildValue does not support the 'N' formatting unit. Instead, use the 'O' formatting unit and "
             "manually close the handle in the caller if necessary. HPy API functions never 'steal' handles and "
             "always make a duplicate handle if needed, the 'ownership' of the original handle is never "
             "'transferred'. ")
build_errors = {
    40: "bad format char 'q'" + BV, 41: "unmatched '('" + BV, 42: "unmatched '['" + BV, 43: "unmatched '('" + BV,
    44: "unmatched '('" + BV, 45: "unmatched '['" + BV, 46: N_MESSAGE, 47: "unmatched '{'" + BV,
    48: "unexpected ','" + BV, 49: "missing ','" + BV, 50: "missing ':'" + BV, 51: "bad format char 'q'" + BV,
    52: N_MESSAGE, 53: "bad format char 'z'" + BV, 55: "internal error in HPy_BuildValue",
}
for case, message in build_errors.items():
    raises(SystemError, message, m.build, case, o)
raises(TypeError, None, m.build, 54, [])  # unhashable key
raises(TypeError, None, m.build, 56, o)
for nested in (0, 1):
    raises(SystemError, "HPy_NULL object passed to HPy_BuildValue", m.build_null, nested, 0)
    raises(ValueError, "the earlier error", m.build_null, nested, 1)


# ---- HPyUnicode_FromFormat --------------------------------------------------------------------
def check_pair(result, expected, what, compare_cpython=True):
    """result is (HPy's outcome, CPython's outcome or None)."""
    hpy, cpy = result
    if isinstance(expected, tuple):
        exc, message = expected
        assert type(hpy) is exc, (what, hpy, expected)
        assert message is None or str(hpy) == message or re.fullmatch(message, str(hpy)), (what, str(hpy), message)
        return
    assert type(hpy) is str and hpy == expected, (what, hpy, expected)
    if compare_cpython and cpy is not None:
        assert cpy == hpy, ("CPython's PyUnicode_FromFormat differs", what, cpy, hpy)


# Integers: every flag/width/precision combination against Python's % formatting.
INT_KINDS = {  # kind: (C conversion spellings, values)
    "int": (["d", "i"], [0, 7, 123, -123, -1, I_MAX, I_MIN]),
    "long": (["ld", "li"], [0, 123, -123, L_MAX, L_MIN]),
    "longlong": (["lld", "lli"], [0, -123, LL_MAX, LL_MIN]),
    "ssize": (["zd", "zi"], [0, -123, sys.maxsize, -sys.maxsize - 1]),
    "uint": (["u"], [0, 123, 2**32 - 1]),
    "ulong": (["lu"], [0, 123, 2**LONG_BITS - 1]),
    "ulonglong": (["llu"], [0, 123, 2**64 - 1]),
    "size": (["zu"], [0, 123, sys.maxsize * 2 + 1]),
}
count = 0
for flag in ("", "0"):
    for width in ("", "1", "5", "9", "25"):
        for precision in ("", ".", ".0", ".1", ".5", ".12"):
            spec = flag + width + precision
            for kind, (convs, values) in INT_KINDS.items():
                for conv in convs:
                    for v in values:
                        fmt = "%" + spec + conv
                        expected = ("%" + spec + "d") % v
                        check_pair(m.fmt_num(("<" + fmt + ">").encode(), kind, v, LIKE_CPYTHON),
                                   "<" + expected + ">", fmt)
                        count += 1
            for v in (0, 123, -123, -1, I_MAX, I_MIN):  # %x takes an int, shown as unsigned
                fmt = "%" + spec + "x"
                check_pair(m.fmt_num(fmt.encode(), "int", v, LIKE_CPYTHON), ("%" + spec + "x") % (v & 0xFFFFFFFF), fmt)
assert count > 2000

# Strings: width counts characters; precision counts bytes for %s and characters for the rest.
def utf8_prefix(data, precision):
    """CPython 3.12+'s %s: the first `precision` bytes, an incomplete last character dropped
    where the precision cut the text, undecodable bytes replaced."""
    if precision is None or len(data) < precision:
        return data.decode("utf-8", "replace")
    return codecs.getincrementaldecoder("utf-8")("replace").decode(data[:precision], final=False)


class MyObj:
    def __str__(self):
        return "MyObj.__str__"

    def __repr__(self):
        return "MyObj.__repr__\u00fc"


texts = ["", "None", "\u20acur\u0398pe", "a\0b", "\U0001f600x\ud800"]
for width in (None, 1, 5, 12):
    for precision in (None, 0, 1, 2, 3, 5, 20):
        spec = ("" if width is None else str(width)) + ("" if precision is None else "." + str(precision))
        def shape(s):
            s = s if precision is None else s[:precision]
            return s if width is None else s.rjust(width)
        for data in [b"", b"None", "\u20acur\u0398pe".encode(), b"ab\xffcd", "\u20ac".encode(), b"\xe2\x82"]:
            expected = utf8_prefix(data, precision)
            expected = expected if width is None else expected.rjust(width)
            compare = LIKE_CPYTHON_UTF8 if max(data, default=0) >= 0x80 else LIKE_CPYTHON
            check_pair(m.fmt_str(("[%" + spec + "s]").encode(), data, compare), "[" + expected + "]",
                       ("%s", spec, data))
            check_pair(m.fmt_V(("%" + spec + "V").encode(), None, data, compare), expected, ("%V", spec, data))
        # The PyUnicode_FromFormat of CPython 3.14+ debug builds fails an assertion at %.0U.
        compare = LIKE_CPYTHON and precision != 0
        for text in texts:
            if "\ud800" not in text:
                check_pair(m.fmt_obj(("%" + spec + "U").encode(), text, False, compare), shape(text),
                           ("%U", spec, text))
                check_pair(m.fmt_V(("%" + spec + "V").encode(), text, b"ignored", compare), shape(text),
                           ("%V", spec, text))
            else:  # PyUnicode_FromFormat of older CPythons cannot take lone surrogates
                check_pair(m.fmt_obj(("%" + spec + "U").encode(), text, False, False), shape(text), ("%U", spec))
        for value in ["None", "\u20acur\u0398pe", 42, None, MyObj(), ["\u00e9"]]:
            for unit, fn in (("S", str), ("R", repr), ("A", ascii)):
                check_pair(m.fmt_obj(("%" + spec + unit).encode(), value, False, compare), shape(fn(value)),
                           (unit, spec, value))
check_pair(m.fmt_obj(b"%10.5S", "\u20acur\u0398pe", False, False), "     \u20acur\u0398p", "%10.5S")
check_pair(m.fmt_obj(b"prefix-%R-suffix", MyObj(), False, False), "prefix-MyObj.__repr__\u00fc-suffix", "%R")
check_pair(m.fmt_obj(b"prefix-%A-suffix", MyObj(), False, False), "prefix-MyObj.__repr__\\xfc-suffix", "%A")


class BadStr:
    def __str__(self):
        raise ZeroDivisionError("str failed")

    def __repr__(self):
        raise KeyError("repr failed")


check_pair(m.fmt_obj(b"%S", BadStr(), False, False), (ZeroDivisionError, "str failed"), "%S raising")
check_pair(m.fmt_obj(b"%R", BadStr(), False, False), (KeyError, "'repr failed'"), "%R raising")
check_pair(m.fmt_obj(b"%U", 42, False, False), (TypeError, "bad argument type for built-in operation"), "%U int")
# %c, %p, %%
for ch in (0x41, 0, 0x7F, 0xE9, 0x263A, 0xD800, 0x10FFFF):
    check_pair(m.fmt_c(b"<%c>", ch, CPYTHON and ch != 0xD800), "<" + chr(ch) + ">", ("%c", ch))
for ch in (0x110000, -1, 0x7FFFFFFF):
    check_pair(m.fmt_c(b"%c", ch, False), (OverflowError, "character argument not in range(0x110000)"), ("%c", ch))
hpy, cpy = m.fmt_p(b"prefix-%p-suffix", 0xBEEF, CPYTHON)
assert re.fullmatch(r"prefix-0x0*[bB][eE][eE][fF]-suffix", hpy), hpy
assert cpy is None or cpy == hpy, (cpy, hpy)
hpy, cpy = m.fmt_p(b"%p", 0, CPYTHON)
assert hpy.startswith("0x") and (cpy is None or cpy == hpy), (hpy, cpy)
check_pair(m.fmt_num(b"%%", "int", 0, LIKE_CPYTHON), "%", "%%")
check_pair(m.fmt_num(b"100%% sure %d", "int", 5, LIKE_CPYTHON), "100% sure 5", "%% sure")
check_pair(m.fmt_c(b"%%%c", ord("w"), LIKE_CPYTHON), "%w", "%%%c")
check_pair(m.fmt_num(b"", "int", 0, LIKE_CPYTHON), "", "empty")
check_pair(m.fmt_num(b"plain text", "int", 0, LIKE_CPYTHON), "plain text", "plain")
long_fmt = "a" * 5000 + "%0300d" + "b" * 3000
assert m.fmt_num(long_fmt.encode(), "int", 7, False)[0] == "a" * 5000 + "7".zfill(300) + "b" * 3000
sentence = "check if %5d %s %6.3d is %5s or %6.3s" % (42, "==", -42, "True", "False")
assert m.fmt_more() == (sentence, sentence), m.fmt_more()
mixed = "\u00e9\u20ac"
assert m.fmt_mixed(mixed) == f"mix: -3/7 <{mixed[:2]:>5}|{mixed!r}|{ascii(mixed)}> o\u263a -12%", m.fmt_mixed(mixed)

# Every error, with its exact type and message.
INVALID = (SystemError, "invalid format string")
format_errors = [
    (b"%y%d", INVALID), (b"%04.2y%d", INVALID), (b"%u %? %u", INVALID), (b"%0%", INVALID), (b"%00%", INVALID),
    (b"%2%", INVALID), (b"%02%", INVALID), (b"%.0%", INVALID), (b"%.2%", INVALID), (b"%", INVALID),
    (b"abc%", INVALID), (b"%5", INVALID), (b"%.3", INVALID), (b"%l", INVALID), (b"%ll", INVALID), (b"%lx", INVALID),
    (b"%llx", INVALID), (b"%zx", INVALID), (b"%-5d", INVALID), (b"%+d", INVALID), (b"%hd", INVALID),
    (b"%lc", INVALID), (b"%T", INVALID), (b"%\xc3", INVALID),
    (b"format \xc3\xbc", (ValueError, "expected an ASCII-encoded format string, got a non-ASCII byte: 0xc3")),
    (b"%d \x80", (ValueError, "expected an ASCII-encoded format string, got a non-ASCII byte: 0x80")),
    (b"%" + str(sys.maxsize + 1).encode() + b"d", (ValueError, "width too big")),
    (b"%" + str(10 * sys.maxsize).encode() + b"d", (ValueError, "width too big")),
    (b"%." + str(sys.maxsize + 1).encode() + b"d", (ValueError, "precision too big")),
    (b"%5." + str(sys.maxsize + 1).encode() + b"s", (ValueError, "precision too big")),
    (b"%" + str(sys.maxsize).encode() + b"d", (MemoryError, None)),
]
for fmt, expected in format_errors:
    check_pair(m.fmt_num(fmt, "int", 0, False), expected, fmt)
P_WIDTH = (SystemError, "formatting unit '%p' does not support width nor precision")
C_WIDTH = (SystemError, "formatting unit '%c' does not support width nor precision")
def zero_pad(unit):
    return (SystemError, "formatting unit '%" + unit + "' does not support 0-padding")
for fmt, expected in [(b"%4p", P_WIDTH), (b"%.4p", P_WIDTH), (b"%8.4p", P_WIDTH), (b"%04p", zero_pad("p")),
                      (b"%08.4p", zero_pad("p")), (b"%0p", zero_pad("p"))]:
    check_pair(m.fmt_p(fmt, 0, False), expected, fmt)
for fmt, expected in [(b"%4c", C_WIDTH), (b"%.4c", C_WIDTH), (b"%8.4c", C_WIDTH), (b"%04c", zero_pad("c")),
                      (b"%08.4c", zero_pad("c"))]:
    check_pair(m.fmt_c(fmt, 0x41, False), expected, fmt)
check_pair(m.fmt_str(b"%s", None, False), (SystemError, "null c string passed as value for formatting unit '%s'"), "%s")
check_pair(m.fmt_str(b"%0s", b"x", False), zero_pad("s"), "%0s")
check_pair(m.fmt_V(b"%V", None, None, False), (SystemError, "null c string passed as value for formatting unit '%V'"),
           "%V")
check_pair(m.fmt_V(b"%0V", "x", b"y", False), zero_pad("V"), "%0V")
check_pair(m.fmt_obj(b"%U", None, True, False), (SystemError, "HPy_NULL passed as value for formatting unit '%U'"),
           "%U")
for unit in "SRA":
    check_pair(m.fmt_obj(("%" + unit).encode(), None, True, False),
               (SystemError, "HPy_NULL passed as value for formatting unit '%S' or '%R' or '%A'"), unit)
for unit in "USRA":
    check_pair(m.fmt_obj(("%0" + unit).encode(), "x", False, False), zero_pad(unit), "%0" + unit)
    check_pair(m.fmt_obj(("%05.2" + unit).encode(), "x", False, False), zero_pad(unit), "%05.2" + unit)

# ---- HPyErr_Format -----------------------------------------------------------------------------
e = m.err_format(KeyError, b"x=%S!", 5)
assert type(e) is KeyError and e.args == ("x=5!",), repr(e)
e = m.err_format(ValueError, b"%R and %%", "a")
assert type(e) is ValueError and str(e) == "'a' and %", repr(e)
e = m.err_format(OSError, b"<%5.1U>", "xyz")
assert type(e) is OSError and e.args == ("<    x>",), repr(e)
# A failed formatting keeps its own error.
assert is_exc(m.err_format(KeyError, b"%S %y", 5), SystemError, "invalid format string")
assert is_exc(m.err_format(KeyError, b"%U", 5), TypeError)

# ---- HPyHelpers_PackArgsAndKeywords ------------------------------------------------------------
assert m.pack() == (MISSING, MISSING)
assert m.pack(1, "2", b"3") == ((1, "2", b"3"), MISSING)
assert m.pack(1, "2", b"3", a="b", c="d") == ((1, "2", b"3"), dict(a="b", c="d"))
assert m.pack(a="b", c="d") == (MISSING, dict(a="b", c="d"))
packed = m.pack(o, k=o)
assert packed[0][0] is o and packed[1]["k"] is o
for mode, exc, message in [(0, SystemError, "argument 'out_pos_args' must not be NULL"),
                           (1, SystemError, "argument 'out_kwd' must not be NULL"),
                           (2, SystemError, "argument 'out_pos_args' must not be NULL"),
                           (3, TypeError, None), (4, TypeError, None)]:
    error, untouched = m.pack_error(mode)
    assert is_exc(error, exc, message), (mode, error)
    assert untouched, mode

# ---- Struct sequences -----------------------------------------------------------------------------
WithFields = m.structseq_type(0)
assert WithFields.__name__ == "WithFields" and WithFields.__qualname__ == "WithFields"
assert WithFields.__module__ == "_hpy_runtime"
assert WithFields.__doc__ == "some doc"
assert WithFields.n_fields == 3
assert WithFields.field0.__doc__ == "doc0" and WithFields.field1.__doc__ is None
assert issubclass(WithFields, tuple)
s0 = m.structseq_new(WithFields, 1, 2.0, "3")
assert type(s0) is WithFields
assert s0.field0 == 1 and s0.field1 == 2.0 and s0[2] == "3"
assert tuple(s0) == (1, 2.0, "3")
assert s0._ == "3"  # HPy's CPython ABI passes the unnamed marker on as the name "_"
assert repr(s0) == "_hpy_runtime.WithFields(field0=1, field1=2.0, _='3')", repr(s0)
raises(TypeError, "expected exactly 3 arguments but got 1", m.structseq_new, WithFields, 1)
raises(TypeError, "type 'str' does not look like a struct sequence type", m.structseq_new, str)
raises(TypeError, "type 'int' does not look like a struct sequence type", m.structseq_new, 5)
raises(TypeError, "type 'tuple' does not look like a struct sequence type", m.structseq_new, tuple, 1)
NoFields = m.structseq_type(1)
assert NoFields.__name__ == "NoFields" and NoFields.__module__ == "_hpy_runtime"
assert not NoFields.__doc__
assert NoFields.n_fields == 0
assert m.structseq_new(NoFields) == ()
raises(TypeError, "expected exactly 0 arguments but got 3", m.structseq_new, NoFields, 1, 2.0, "3")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # CPython warns that a dotless name gives no __module__
    Plain = m.structseq_type(2)
assert Plain.__name__ == "Plain" and Plain.__doc__ == "plain"
p = m.structseq_new(Plain, 1, 2)
assert (p.x, p.y) == (1, 2) and p == (1, 2)
Deep = m.structseq_type(3)
assert Deep.__name__ == "Deep" and Deep.__module__ == "a.b"
raises(SystemError, "Struct sequence descriptor does not define the name field.", m.structseq_type, 4)


# ---- No leaks (debug builds count every reference) ------------------------------------------------
def growth(fn):
    """How much the total reference count grows when fn() (which may raise) is repeated 300
    times: a leak of one reference a call makes it 300; caches move it a little."""
    def once():
        try:
            fn()
        except Exception:
            pass
    for _ in range(20):
        once()
    gc.collect()
    before = sys.gettotalrefcount()
    for _ in range(300):
        once()
    gc.collect()
    return sys.gettotalrefcount() - before


if hasattr(sys, "gettotalrefcount"):
    x, y = object(), object()
    checks = [
        lambda: p1("O", x), lambda: p1("O", x, tracker=True), lambda: p1("s", "abc"), lambda: p1("b", 256),
        lambda: p1("s", "\ud800"), lambda: ph(True, "OO", x, y), lambda: ph(True, "OOO", x, y),
        lambda: ph(True, "O|O;message", x, y, x),
        lambda: kh(True, AB, "OO", x, b=y), lambda: kh(True, AB, "OO", b=y, a=x),
        # these fail after 'O' outputs were tracked
        lambda: kh(True, ABCD, "OOl", x, y, "not a long"), lambda: kh(True, ABCD, "OOO", x, y, c=x, d=y),
        lambda: kh(True, AB, "O$O", x, y), lambda: kh(False, AB, "OO", x, y), lambda: kh(True, BAD, "OOO", x, y, x),
        lambda: kd(True, AB, "O|O", (), {"a": x, "b": y}),
        lambda: kd(True, ABCD, "OOO", (), {"a": x, "b": y, "c": x, "d": y}),
        lambda: kd(True, ABCD, "OOl", (), {"a": x, "b": y, "c": "not a long"}),
        lambda: kd(True, AB, "O|O", (), Mapping()),
        lambda: m.kw_mixed(x, 2.0, "s", d=x), lambda: m.kw_mixed(x, c=5), lambda: m.kwdict_strs({"a": "x", "b": 5}),
        lambda: m.tracker_close(0, [x] * 50), lambda: m.tracker_forget([x, y]),
        lambda: m.build_null(1, 0), lambda: m.build_null(0, 1),
        lambda: m.fmt_mixed("\u00e9"), lambda: m.fmt_num(b"%5d|%y", "int", 5, False),
        lambda: m.fmt_num(b"%lld", "longlong", -5, False), lambda: m.fmt_obj(b"%S %y", x, False, False),
        lambda: m.fmt_obj(b"<%5.2R>", "abcd", False, False), lambda: m.fmt_obj(b"%S", BadStr(), False, False),
        lambda: m.fmt_V(b"|%V|", "ab", b"cd", False), lambda: m.fmt_str("\u00e9%.1s".encode(), b"\xc3\xa9", False),
        lambda: m.fmt_c(b"%c!", 0x263A, False), lambda: m.err_format(KeyError, b"%S", x),
        lambda: m.err_format(KeyError, b"%S %y", x), lambda: m.pack(x, y, k=x), lambda: m.pack_error(4),
        lambda: m.pack_error(3), lambda: m.structseq_new(WithFields, x, y, x), lambda: m.structseq_new(WithFields, x),
        lambda: m.structseq_new(str), m.fresh_outputs,
    ]
    checks += [(lambda case=case: m.build(case, x)) for case in list(built) + list(build_errors)]
    for number, check in enumerate(checks):
        # a leak (or a reference dropped too many) changes the count every time; the
        # interpreter's own warming up only once
        grew = min(growth(check), growth(check), key=abs)
        assert abs(grew) < 100, ("leak", number, grew)
    # and growth() does see a leak
    leaked = []
    assert growth(lambda: leaked.append(object())) >= 300

print("hpy runtime OK")
