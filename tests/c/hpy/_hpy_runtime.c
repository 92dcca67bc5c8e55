/* HPy's runtime helpers (spec/hpy/runtime.yaml) from a classic extension: HPyTracker,
 * HPyArg_Parse/ParseKeywords/ParseKeywordsDict, HPy_BuildValue, HPyUnicode_FromFormat and
 * HPyErr_Format, HPyHelpers_PackArgsAndKeywords and struct sequences. Arguments become
 * handles with HPy_FromPyObject; tests/c/hpy/check_runtime.py checks the results. */
#include <Python.h>
#include "hpy.h"
#include <string.h>

#define MAX_ARGS 16

/* Hands a handle back to Python and closes it. */
static PyObject *give(HPyContext *ctx, HPy h) {
    PyObject *result;
    if (HPy_IsNull(h)) return CAPICOMPAT_NULL;
    result = HPy_AsPyObject(ctx, h);
    HPy_Close(ctx, h);
    return result;
}

/* A new reference to what h refers to, or to Ellipsis for HPy_NULL ("no value"). */
static PyObject *value_of(HPyContext *ctx, HPy h) {
    if (HPy_IsNull(h)) {
        Py_INCREF(Py_Ellipsis);
        return Py_Ellipsis;
    }
    return HPy_AsPyObject(ctx, h);
}

/* Handles to objs[0..n) (new ones, closed by close_all). */
static int open_all(HPyContext *ctx, PyObject *const *objs, Py_ssize_t n, HPy *out) {
    Py_ssize_t i;
    if (n > MAX_ARGS) {
        PyErr_SetString(PyExc_ValueError, "too many arguments for the test");
        return 0;
    }
    for (i = 0; i < n; i++) out[i] = HPy_FromPyObject(ctx, objs[i]);
    return 1;
}

static void close_all(HPyContext *ctx, HPy *h, Py_ssize_t n) {
    Py_ssize_t i;
    for (i = 0; i < n; i++) HPy_Close(ctx, h[i]);
}

static Py_ssize_t kwcount(PyObject *kwnames) {
    return kwnames == CAPICOMPAT_NULL ? 0 : PyTuple_GET_SIZE(kwnames);
}

/* ---- HPyArg_Parse ---------------------------------------------------------------------- */

#define UNTOUCHED 77

/* parse_one(use_tracker, fmt, *args): one unit (after an optional '|') through HPyArg_Parse;
 * the value as a Python object. An output left alone shows as 77 (Ellipsis for O and s). */
static PyObject *rt_parse_one(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h[MAX_ARGS];
    HPyTracker ht;
    HPyTracker *pht;
    const char *fmt, *unit;
    PyObject *result = CAPICOMPAT_NULL;
    Py_ssize_t n;
    int ok = 0;
    (void)self;
    memset(h, 0, sizeof(h));
    if (nargs < 2) {
        PyErr_SetString(PyExc_TypeError, "parse_one(use_tracker, fmt, *args)");
        return CAPICOMPAT_NULL;
    }
    pht = PyObject_IsTrue(args[0]) ? &ht : CAPICOMPAT_NULL;
    fmt = PyUnicode_AsUTF8(args[1]);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    n = nargs - 2;
    if (!open_all(ctx, args + 2, n, h)) return CAPICOMPAT_NULL;
    unit = fmt[0] == '|' ? fmt + 1 : fmt;
    switch (unit[0]) {
    case 'b':
    case 'B': {
        unsigned char v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyLong_FromLong((long)v);
        break;
    }
    case 'h': {
        short v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyLong_FromLong((long)v);
        break;
    }
    case 'H': {
        unsigned short v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyLong_FromLong((long)v);
        break;
    }
    case 'i':
    case 'p': {
        int v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyLong_FromLong((long)v);
        break;
    }
    case 'I': {
        unsigned int v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyLong_FromUnsignedLong((unsigned long)v);
        break;
    }
    case 'l': {
        long v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyLong_FromLong(v);
        break;
    }
    case 'k': {
        unsigned long v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyLong_FromUnsignedLong(v);
        break;
    }
    case 'L': {
        long long v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyLong_FromLongLong(v);
        break;
    }
    case 'K': {
        unsigned long long v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyLong_FromUnsignedLongLong(v);
        break;
    }
    case 'n': {
        HPy_ssize_t v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyLong_FromSsize_t(v);
        break;
    }
    case 'f': {
        float v = (float)UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyFloat_FromDouble((double)v);
        break;
    }
    case 'd': {
        double v = UNTOUCHED;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = PyFloat_FromDouble(v);
        break;
    }
    case 's': {
        const char *v = CAPICOMPAT_NULL;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) {
            if (v == CAPICOMPAT_NULL) {
                Py_INCREF(Py_Ellipsis);
                result = Py_Ellipsis;
            } else {
                result = PyUnicode_FromString(v);
            }
        }
        break;
    }
    default: { /* 'O' and anything else: one handle output */
        HPy v = HPy_NULL;
        ok = HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &v);
        if (ok) result = value_of(ctx, v);
        break;
    }
    }
    if (ok && pht != CAPICOMPAT_NULL) HPyTracker_Close(ctx, ht);
    close_all(ctx, h, n);
    return result;
}

/* parse_handles(use_tracker, fmt, *args): up to four handle outputs (Ellipsis: untouched). */
static PyObject *rt_parse_handles(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h[MAX_ARGS];
    HPy out[4] = {HPy_NULL, HPy_NULL, HPy_NULL, HPy_NULL};
    HPyTracker ht;
    HPyTracker *pht;
    const char *fmt;
    PyObject *result = CAPICOMPAT_NULL;
    Py_ssize_t n;
    (void)self;
    memset(h, 0, sizeof(h));
    if (nargs < 2) {
        PyErr_SetString(PyExc_TypeError, "parse_handles(use_tracker, fmt, *args)");
        return CAPICOMPAT_NULL;
    }
    pht = PyObject_IsTrue(args[0]) ? &ht : CAPICOMPAT_NULL;
    fmt = PyUnicode_AsUTF8(args[1]);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    n = nargs - 2;
    if (!open_all(ctx, args + 2, n, h)) return CAPICOMPAT_NULL;
    if (HPyArg_Parse(ctx, pht, h, (size_t)n, fmt, &out[0], &out[1], &out[2], &out[3])) {
        result = Py_BuildValue("NNNN", value_of(ctx, out[0]), value_of(ctx, out[1]), value_of(ctx, out[2]),
                               value_of(ctx, out[3]));
        if (pht != CAPICOMPAT_NULL) HPyTracker_Close(ctx, ht);
    } else if (pht != CAPICOMPAT_NULL && !HPy_IsNull(ht)) {
        PyErr_SetString(PyExc_AssertionError, "a failed HPyArg_Parse left its tracker set");
    }
    close_all(ctx, h, n);
    return result;
}

/* parse_longs(fmt, *args): up to five 'l'-like outputs, 77 when untouched. */
static PyObject *rt_parse_longs(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h[MAX_ARGS];
    long v[5] = {UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED};
    const char *fmt;
    PyObject *result = CAPICOMPAT_NULL;
    Py_ssize_t n;
    (void)self;
    memset(h, 0, sizeof(h));
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "parse_longs(fmt, *args)");
        return CAPICOMPAT_NULL;
    }
    fmt = PyUnicode_AsUTF8(args[0]);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    n = nargs - 1;
    if (!open_all(ctx, args + 1, n, h)) return CAPICOMPAT_NULL;
    if (HPyArg_Parse(ctx, CAPICOMPAT_NULL, h, (size_t)n, fmt, &v[0], &v[1], &v[2], &v[3], &v[4])) {
        result = Py_BuildValue("lllll", v[0], v[1], v[2], v[3], v[4]);
    }
    close_all(ctx, h, n);
    return result;
}

/* ---- HPyArg_ParseKeywords, HPyArg_ParseKeywordsDict ------------------------------------- */

static const char *kw_ab[] = {"a", "b", CAPICOMPAT_NULL};
static const char *kw_pos_b[] = {"", "b", CAPICOMPAT_NULL};
static const char *kw_bad[] = {"", "b", "", CAPICOMPAT_NULL};
static const char *kw_abcd[] = {"a", "b", "c", "d", CAPICOMPAT_NULL};
static const char *kw_a[] = {"a", CAPICOMPAT_NULL};
static const char *kw_none[] = {CAPICOMPAT_NULL};
static const char *kw_uni[] = {"\xc3\xa9t\xc3\xa9", "b", CAPICOMPAT_NULL};
static const char **kwlists[] = {kw_ab, kw_pos_b, kw_bad, kw_abcd, kw_a, kw_none, kw_uni};

static const char **kwlist_arg(PyObject *o) {
    long i = PyLong_AsLong(o);
    if (i < 0 || i >= (long)(sizeof(kwlists) / sizeof(kwlists[0]))) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "no such keyword list");
        return CAPICOMPAT_NULL;
    }
    return kwlists[i];
}

/* kw_handles(use_tracker, kwlist, fmt, *args, **kwargs): HPyArg_ParseKeywords with up to
 * four handle outputs, as a tuple (Ellipsis: untouched). */
static PyObject *rt_kw_handles(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h[MAX_ARGS];
    HPy out[4] = {HPy_NULL, HPy_NULL, HPy_NULL, HPy_NULL};
    HPy hkw;
    HPyTracker ht;
    HPyTracker *pht;
    const char **kwlist;
    const char *fmt;
    PyObject *result = CAPICOMPAT_NULL;
    Py_ssize_t n, nkw = kwcount(kwnames);
    (void)self;
    memset(h, 0, sizeof(h));
    if (nargs < 3) {
        PyErr_SetString(PyExc_TypeError, "kw_handles(use_tracker, kwlist, fmt, *args, **kwargs)");
        return CAPICOMPAT_NULL;
    }
    pht = PyObject_IsTrue(args[0]) ? &ht : CAPICOMPAT_NULL;
    kwlist = kwlist_arg(args[1]);
    if (kwlist == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    fmt = PyUnicode_AsUTF8(args[2]);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    n = nargs - 3;
    if (!open_all(ctx, args + 3, n + nkw, h)) return CAPICOMPAT_NULL;
    hkw = HPy_FromPyObject(ctx, kwnames);
    if (HPyArg_ParseKeywords(ctx, pht, h, (size_t)n, hkw, fmt, kwlist, &out[0], &out[1], &out[2], &out[3])) {
        result = Py_BuildValue("NNNN", value_of(ctx, out[0]), value_of(ctx, out[1]), value_of(ctx, out[2]),
                               value_of(ctx, out[3]));
        if (pht != CAPICOMPAT_NULL) HPyTracker_Close(ctx, ht);
    }
    HPy_Close(ctx, hkw);
    close_all(ctx, h, n + nkw);
    return result;
}

/* kw_longs(kwlist, fmt, *args, **kwargs): HPyArg_ParseKeywords without a tracker, up to four
 * 'l'-like outputs (77: untouched). */
static PyObject *rt_kw_longs(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h[MAX_ARGS];
    long v[4] = {UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED};
    HPy hkw;
    const char **kwlist;
    const char *fmt;
    PyObject *result = CAPICOMPAT_NULL;
    Py_ssize_t n, nkw = kwcount(kwnames);
    (void)self;
    memset(h, 0, sizeof(h));
    if (nargs < 2) {
        PyErr_SetString(PyExc_TypeError, "kw_longs(kwlist, fmt, *args, **kwargs)");
        return CAPICOMPAT_NULL;
    }
    kwlist = kwlist_arg(args[0]);
    if (kwlist == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    fmt = PyUnicode_AsUTF8(args[1]);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    n = nargs - 2;
    if (!open_all(ctx, args + 2, n + nkw, h)) return CAPICOMPAT_NULL;
    hkw = HPy_FromPyObject(ctx, kwnames);
    if (HPyArg_ParseKeywords(ctx, CAPICOMPAT_NULL, h, (size_t)n, hkw, fmt, kwlist, &v[0], &v[1], &v[2], &v[3])) {
        result = Py_BuildValue("llll", v[0], v[1], v[2], v[3]);
    }
    HPy_Close(ctx, hkw);
    close_all(ctx, h, n + nkw);
    return result;
}

/* kw_mixed(*args, **kwargs): HPyArg_ParseKeywords with "O|ds$p:mixed" for ("a", "b", "c",
 * "d"): a handle, a double, a string and a flag (77: untouched). */
static PyObject *rt_kw_mixed(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h[MAX_ARGS];
    HPy a = HPy_NULL, hkw;
    double b = -1.5;
    const char *c = "default";
    int d = UNTOUCHED;
    HPyTracker ht;
    PyObject *result = CAPICOMPAT_NULL;
    Py_ssize_t nkw = kwcount(kwnames);
    (void)self;
    memset(h, 0, sizeof(h));
    if (!open_all(ctx, args, nargs + nkw, h)) return CAPICOMPAT_NULL;
    hkw = HPy_FromPyObject(ctx, kwnames);
    if (HPyArg_ParseKeywords(ctx, &ht, h, (size_t)nargs, hkw, "O|ds$p:mixed", kw_abcd, &a, &b, &c, &d)) {
        result = Py_BuildValue("Ndsi", value_of(ctx, a), b, c, d);
        HPyTracker_Close(ctx, ht);
    }
    HPy_Close(ctx, hkw);
    close_all(ctx, h, nargs + nkw);
    return result;
}

/* kwdict_handles(use_tracker, kwlist, fmt, args_tuple, kwargs_dict_or_None): the arguments are
 * closed before the outputs are read, so tracked outputs must hold their own references. */
static PyObject *rt_kwdict_handles(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h[MAX_ARGS];
    HPy out[4] = {HPy_NULL, HPy_NULL, HPy_NULL, HPy_NULL};
    HPy hkw;
    HPyTracker ht;
    HPyTracker *pht;
    const char **kwlist;
    const char *fmt;
    PyObject *result = CAPICOMPAT_NULL;
    Py_ssize_t n, i;
    int ok;
    (void)self;
    memset(h, 0, sizeof(h));
    if (nargs != 5 || !PyTuple_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "kwdict_handles(use_tracker, kwlist, fmt, args_tuple, kwargs)");
        return CAPICOMPAT_NULL;
    }
    pht = PyObject_IsTrue(args[0]) ? &ht : CAPICOMPAT_NULL;
    kwlist = kwlist_arg(args[1]);
    if (kwlist == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    fmt = PyUnicode_AsUTF8(args[2]);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    n = PyTuple_GET_SIZE(args[3]);
    if (n > MAX_ARGS) {
        PyErr_SetString(PyExc_ValueError, "too many arguments for the test");
        return CAPICOMPAT_NULL;
    }
    for (i = 0; i < n; i++) h[i] = HPy_FromPyObject(ctx, PyTuple_GET_ITEM(args[3], i));
    hkw = args[4] == Py_None ? HPy_NULL : HPy_FromPyObject(ctx, args[4]);
    ok = HPyArg_ParseKeywordsDict(ctx, pht, h, n, hkw, fmt, kwlist, &out[0], &out[1], &out[2], &out[3]);
    close_all(ctx, h, n);
    HPy_Close(ctx, hkw);
    if (ok) {
        result = Py_BuildValue("NNNN", value_of(ctx, out[0]), value_of(ctx, out[1]), value_of(ctx, out[2]),
                               value_of(ctx, out[3]));
        if (pht != CAPICOMPAT_NULL) HPyTracker_Close(ctx, ht);
    }
    return result;
}

/* kwdict_strs(kwargs_dict): HPyArg_ParseKeywordsDict "s|s" for ("a", "b"); the strings live
 * in the dict. */
static PyObject *rt_kwdict_strs(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy hkw = HPy_FromPyObject(ctx, arg);
    const char *a = "?", *b = "default";
    PyObject *result = CAPICOMPAT_NULL;
    (void)self;
    if (HPyArg_ParseKeywordsDict(ctx, CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, hkw, "s|s", kw_ab, &a, &b)) {
        result = Py_BuildValue("ss", a, b);
    }
    HPy_Close(ctx, hkw);
    return result;
}

/* fresh_outputs(): 'O' outputs of HPyArg_ParseKeywords (tracked, so duplicates) stay valid
 * after the argument handles are closed, while those of HPyArg_Parse are the arguments
 * themselves. Returns (parsed value, refcount added by ParseKeywords' 'O', left after
 * HPyTracker_Close, added by HPyArg_Parse's 'O'); the counts mean something on CPython only. */
static PyObject *rt_fresh_outputs(PyObject *self, PyObject *unused) {
    HPyContext *ctx = capicompat_hpy_ctx();
    PyObject *fresh = PyUnicode_FromFormat("fresh %d", 12345);
    HPy h, out = HPy_NULL, borrowed = HPy_NULL;
    HPyTracker ht;
    Py_ssize_t base, tracked, after_close, parse;
    PyObject *value;
    (void)self;
    (void)unused;
    if (fresh == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    h = HPy_FromPyObject(ctx, fresh);
    Py_DECREF(fresh); /* from here on, only handles keep it alive */
    base = Py_REFCNT(capicompat_hpy_h2py(h));
    if (!HPyArg_Parse(ctx, CAPICOMPAT_NULL, &h, 1, "O", &borrowed)) {
        HPy_Close(ctx, h);
        return CAPICOMPAT_NULL;
    }
    parse = Py_REFCNT(capicompat_hpy_h2py(h)) - base;
    if (!HPyArg_ParseKeywords(ctx, &ht, &h, 1, HPy_NULL, "O", kw_a, &out)) {
        HPy_Close(ctx, h);
        return CAPICOMPAT_NULL;
    }
    tracked = Py_REFCNT(capicompat_hpy_h2py(h)) - base;
    HPy_Close(ctx, h);
    value = HPy_AsPyObject(ctx, out); /* still alive: the tracker holds it */
    HPyTracker_Close(ctx, ht);
    after_close = Py_REFCNT(value) - (base - 1) - 1;
    return Py_BuildValue("Nnnn", value, tracked, after_close, parse);
}

/* ---- HPyTracker ------------------------------------------------------------------------ */

/* tracker_close(size, objs): tracks a duplicate of each obj and closes the tracker; returns
 * how many HPyTracker_Add calls failed. */
static PyObject *rt_tracker_close(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    Py_ssize_t size, i;
    PyObject *objs;
    HPyTracker ht;
    long failures = 0;
    (void)self;
    if (!PyArg_ParseTuple(args, "nO!", &size, &PyList_Type, &objs)) return CAPICOMPAT_NULL;
    ht = HPyTracker_New(ctx, size);
    if (HPy_IsNull(ht)) return CAPICOMPAT_NULL;
    for (i = 0; i < PyList_GET_SIZE(objs); i++) {
        HPy h = HPy_FromPyObject(ctx, PyList_GET_ITEM(objs, i));
        if (HPyTracker_Add(ctx, ht, h) < 0) failures++;
    }
    HPyTracker_Close(ctx, ht);
    return PyLong_FromLong(failures);
}

/* tracker_forget(objs): tracks a duplicate of each obj, forgets them all (closing them here),
 * then tracks the objs again and closes the tracker. */
static PyObject *rt_tracker_forget(PyObject *self, PyObject *objs) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy kept[MAX_ARGS];
    Py_ssize_t n, i;
    HPyTracker ht;
    (void)self;
    if (!PyList_Check(objs) || PyList_GET_SIZE(objs) > MAX_ARGS) {
        PyErr_SetString(PyExc_TypeError, "a short list");
        return CAPICOMPAT_NULL;
    }
    n = PyList_GET_SIZE(objs);
    ht = HPyTracker_New(ctx, 0);
    if (HPy_IsNull(ht)) return CAPICOMPAT_NULL;
    HPyTracker_ForgetAll(ctx, ht); /* on nothing */
    for (i = 0; i < n; i++) {
        kept[i] = HPy_FromPyObject(ctx, PyList_GET_ITEM(objs, i));
        (void)HPyTracker_Add(ctx, ht, kept[i]);
    }
    HPyTracker_ForgetAll(ctx, ht);
    close_all(ctx, kept, n);
    for (i = 0; i < n; i++) {
        (void)HPyTracker_Add(ctx, ht, HPy_FromPyObject(ctx, PyList_GET_ITEM(objs, i)));
    }
    HPyTracker_Close(ctx, ht);
    Py_RETURN_NONE;
}

/* ---- HPy_BuildValue -------------------------------------------------------------------- */

/* build(i, obj): case i of a table (check_runtime.py has the expected values); obj is what
 * 'O' gets. */
static PyObject *rt_build(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    int i;
    PyObject *obj;
    HPy o, r;
    (void)self;
    if (!PyArg_ParseTuple(args, "iO", &i, &obj)) return CAPICOMPAT_NULL;
    o = HPy_FromPyObject(ctx, obj);
    switch (i) {
    case 0: r = HPy_BuildValue(ctx, ""); break;
    case 1: r = HPy_BuildValue(ctx, "i", 42); break;
    case 2: r = HPy_BuildValue(ctx, "i", -1); break;
    case 3: r = HPy_BuildValue(ctx, "I", 4000000000U); break;
    case 4: r = HPy_BuildValue(ctx, "k", ULONG_MAX); break;
    case 5: r = HPy_BuildValue(ctx, "K", ULLONG_MAX); break;
    case 6: r = HPy_BuildValue(ctx, "n", PY_SSIZE_T_MIN); break;
    case 7: r = HPy_BuildValue(ctx, "l", LONG_MIN); break;
    case 8: r = HPy_BuildValue(ctx, "L", LLONG_MIN); break;
    case 9: r = HPy_BuildValue(ctx, "f", 0.25f); break;
    case 10: r = HPy_BuildValue(ctx, "d", -1.5); break;
    case 11: r = HPy_BuildValue(ctx, "s", "caf\xc3\xa9"); break;
    case 12: r = HPy_BuildValue(ctx, "s", (const char *)CAPICOMPAT_NULL); break;
    case 13: r = HPy_BuildValue(ctx, "O", o); break;
    case 14: r = HPy_BuildValue(ctx, "S", o); break;
    case 15: r = HPy_BuildValue(ctx, "ii", 1, 2); break;
    case 16: r = HPy_BuildValue(ctx, "(i)", 1); break;
    case 17: r = HPy_BuildValue(ctx, "()"); break;
    case 18: r = HPy_BuildValue(ctx, "[]"); break;
    case 19: r = HPy_BuildValue(ctx, "{}"); break;
    case 20: r = HPy_BuildValue(ctx, "(i,i)", 1, 2); break;
    case 21: r = HPy_BuildValue(ctx, "[i,s]", 1, "x"); break;
    case 22: r = HPy_BuildValue(ctx, "{s:i, s:O}", "a", 1, "b", o); break;
    case 23: r = HPy_BuildValue(ctx, "[(is)((f)[kk])i]", 4, "str", 0.5, 4UL, 2UL, 99); break;
    case 24: r = HPy_BuildValue(ctx, "({s:(i,i), s:d},[O])", "A", 1, 2, "B", 0.5, o); break;
    case 25: r = HPy_BuildValue(ctx, "O, i , s", o, 3, "z"); break;
    case 26: r = HPy_BuildValue(ctx, "{i:[O,O]}", 7, o, o); break;
    case 27: r = HPy_BuildValue(ctx, "(OO)", o, o); break;
    case 28: r = HPy_BuildValue(ctx, "(ii)(ii)", 1, 2, 3, 4); break;
    case 29: r = HPy_BuildValue(ctx, "{s : i}", "k", 5); break;
    /* errors */
    case 40: r = HPy_BuildValue(ctx, "(q)", 42); break;
    case 41: r = HPy_BuildValue(ctx, "(i", 42); break;
    case 42: r = HPy_BuildValue(ctx, "[i", 42); break;
    case 43: r = HPy_BuildValue(ctx, "([(i)k", 42, 1UL); break;
    case 44: r = HPy_BuildValue(ctx, "(i]", 42); break;
    case 45: r = HPy_BuildValue(ctx, "[i)", 42); break;
    case 46: r = HPy_BuildValue(ctx, "N", o); break;
    case 47: r = HPy_BuildValue(ctx, "{i:i", 1, 42); break;
    case 48: r = HPy_BuildValue(ctx, "{i:i,,}", 1, 42); break;
    case 49: r = HPy_BuildValue(ctx, "{i:ii,}", 1, 42, 43); break;
    case 50: r = HPy_BuildValue(ctx, "{i}", 42); break;
    case 51: r = HPy_BuildValue(ctx, "[iiq]", 1, 2, 3); break;
    case 52: r = HPy_BuildValue(ctx, "{s:O,s:N}", "a", o, "b", o); break;
    case 53: r = HPy_BuildValue(ctx, "(O[O{O:z}])", o, o, o, 1); break;
    case 54: r = HPy_BuildValue(ctx, "{O:i}", o, 1); break; /* unhashable key */
    case 55: r = HPy_BuildValue(ctx, "i)", 1); break;
    case 56: r = HPy_BuildValue(ctx, "{[i]:i}", 1, 2); break;
    default:
        HPy_Close(ctx, o);
        PyErr_SetString(PyExc_ValueError, "no such case");
        return CAPICOMPAT_NULL;
    }
    HPy_Close(ctx, o);
    return give(ctx, r);
}

/* build_null(nested, with_error): 'O' given HPy_NULL, with or without an exception already
 * set. */
static PyObject *rt_build_null(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    int nested, with_error;
    HPy r;
    (void)self;
    if (!PyArg_ParseTuple(args, "ii", &nested, &with_error)) return CAPICOMPAT_NULL;
    if (with_error) PyErr_SetString(PyExc_ValueError, "the earlier error");
    r = nested ? HPy_BuildValue(ctx, "(iO)", 42, HPy_NULL) : HPy_BuildValue(ctx, "O", HPy_NULL);
    if (!HPy_IsNull(r)) {
        HPy_Close(ctx, r);
        PyErr_SetString(PyExc_AssertionError, "HPy_BuildValue accepted HPy_NULL");
    }
    return CAPICOMPAT_NULL;
}

/* ---- HPyUnicode_FromFormat, HPyErr_Format ------------------------------------------------ */

static const char *bytes_arg(PyObject *o) {
    if (!PyBytes_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "bytes expected");
        return CAPICOMPAT_NULL;
    }
    return PyBytes_AS_STRING(o);
}

/* What a call produced: its result (a new reference), or, when it returned NULL, the
 * exception instance it raised (the error indicator is left clear). */
static PyObject *outcome_py(PyObject *result) {
    PyObject *type, *value, *tb;
    if (result != CAPICOMPAT_NULL) return result;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    if (value == CAPICOMPAT_NULL) {
        Py_INCREF(Py_None);
        value = Py_None;
    }
    return value;
}

static PyObject *outcome(HPyContext *ctx, HPy result) {
    return outcome_py(HPy_IsNull(result) ? CAPICOMPAT_NULL : give(ctx, result));
}

static PyObject *none(void) {
    Py_INCREF(Py_None);
    return Py_None;
}

/* fmt_num(fmt, kind, value, with_cpython): one C integer of the given kind, through
 * HPyUnicode_FromFormat and (with_cpython) PyUnicode_FromFormat: a pair of outcomes. */
static PyObject *rt_fmt_num(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    PyObject *fmt_obj, *value, *a, *b;
    const char *fmt, *kind;
    int with_cpython;
    (void)self;
    if (!PyArg_ParseTuple(args, "SsOp", &fmt_obj, &kind, &value, &with_cpython)) return CAPICOMPAT_NULL;
    fmt = bytes_arg(fmt_obj);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
#define RT_FMT_NUM(K, TYPE, CONV)                                                             \
    if (strcmp(kind, K) == 0) {                                                               \
        TYPE v = (TYPE)CONV(value);                                                           \
        if (PyErr_Occurred()) return CAPICOMPAT_NULL;                                         \
        a = outcome(ctx, HPyUnicode_FromFormat(ctx, fmt, v));                                 \
        b = with_cpython ? outcome_py(PyUnicode_FromFormat(fmt, v)) : none();                 \
        return Py_BuildValue("NN", a, b);                                                     \
    }
    RT_FMT_NUM("int", int, PyLong_AsLong)
    RT_FMT_NUM("long", long, PyLong_AsLong)
    RT_FMT_NUM("longlong", long long, PyLong_AsLongLong)
    RT_FMT_NUM("ssize", Py_ssize_t, PyLong_AsSsize_t)
    RT_FMT_NUM("uint", unsigned int, PyLong_AsUnsignedLongMask)
    RT_FMT_NUM("ulong", unsigned long, PyLong_AsUnsignedLongMask)
    RT_FMT_NUM("ulonglong", unsigned long long, PyLong_AsUnsignedLongLongMask)
    RT_FMT_NUM("size", size_t, PyLong_AsSize_t)
#undef RT_FMT_NUM
    PyErr_SetString(PyExc_ValueError, kind);
    return CAPICOMPAT_NULL;
}

/* fmt_str(fmt, bytes_or_None, with_cpython): a C string (None: NULL). */
static PyObject *rt_fmt_str(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    PyObject *fmt_obj, *s_obj, *a, *b;
    const char *fmt, *s = CAPICOMPAT_NULL;
    int with_cpython;
    (void)self;
    if (!PyArg_ParseTuple(args, "SOp", &fmt_obj, &s_obj, &with_cpython)) return CAPICOMPAT_NULL;
    fmt = bytes_arg(fmt_obj);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    if (s_obj != Py_None && (s = bytes_arg(s_obj)) == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    a = outcome(ctx, HPyUnicode_FromFormat(ctx, fmt, s));
    b = with_cpython ? outcome_py(PyUnicode_FromFormat(fmt, s)) : none();
    return Py_BuildValue("NN", a, b);
}

/* fmt_obj(fmt, obj, is_null, with_cpython): one handle (HPy_NULL if is_null), for %U %S %R %A. */
static PyObject *rt_fmt_obj(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    PyObject *fmt_obj, *obj, *a, *b;
    const char *fmt;
    int is_null, with_cpython;
    HPy h;
    (void)self;
    if (!PyArg_ParseTuple(args, "SOpp", &fmt_obj, &obj, &is_null, &with_cpython)) return CAPICOMPAT_NULL;
    fmt = bytes_arg(fmt_obj);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    h = is_null ? HPy_NULL : HPy_FromPyObject(ctx, obj);
    a = outcome(ctx, HPyUnicode_FromFormat(ctx, fmt, h));
    HPy_Close(ctx, h);
    b = with_cpython ? outcome_py(PyUnicode_FromFormat(fmt, obj)) : none();
    return Py_BuildValue("NN", a, b);
}

/* fmt_V(fmt, str_or_None, bytes_or_None, with_cpython): %V's handle (None: HPy_NULL) and C
 * string (None: NULL). */
static PyObject *rt_fmt_V(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    PyObject *fmt_obj, *obj, *s_obj, *a, *b;
    const char *fmt, *s = CAPICOMPAT_NULL;
    int with_cpython;
    HPy h;
    (void)self;
    if (!PyArg_ParseTuple(args, "SOOp", &fmt_obj, &obj, &s_obj, &with_cpython)) return CAPICOMPAT_NULL;
    fmt = bytes_arg(fmt_obj);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    if (s_obj != Py_None && (s = bytes_arg(s_obj)) == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    h = obj == Py_None ? HPy_NULL : HPy_FromPyObject(ctx, obj);
    a = outcome(ctx, HPyUnicode_FromFormat(ctx, fmt, h, s));
    HPy_Close(ctx, h);
    b = with_cpython ? outcome_py(PyUnicode_FromFormat(fmt, obj == Py_None ? CAPICOMPAT_NULL : obj, s)) : none();
    return Py_BuildValue("NN", a, b);
}

/* fmt_c(fmt, ordinal, with_cpython): %c's int. */
static PyObject *rt_fmt_c(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    PyObject *fmt_obj, *a, *b;
    const char *fmt;
    int ch, with_cpython;
    (void)self;
    if (!PyArg_ParseTuple(args, "Sip", &fmt_obj, &ch, &with_cpython)) return CAPICOMPAT_NULL;
    fmt = bytes_arg(fmt_obj);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    a = outcome(ctx, HPyUnicode_FromFormat(ctx, fmt, ch));
    b = with_cpython ? outcome_py(PyUnicode_FromFormat(fmt, ch)) : none();
    return Py_BuildValue("NN", a, b);
}

/* fmt_p(fmt, address, with_cpython): %p's pointer. */
static PyObject *rt_fmt_p(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    PyObject *fmt_obj, *a, *b;
    const char *fmt;
    Py_ssize_t address;
    int with_cpython;
    void *p;
    (void)self;
    if (!PyArg_ParseTuple(args, "Snp", &fmt_obj, &address, &with_cpython)) return CAPICOMPAT_NULL;
    fmt = bytes_arg(fmt_obj);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    p = (void *)(uintptr_t)address;
    a = outcome(ctx, HPyUnicode_FromFormat(ctx, fmt, p));
    b = with_cpython ? outcome_py(PyUnicode_FromFormat(fmt, p)) : none();
    return Py_BuildValue("NN", a, b);
}

/* fmt_mixed(obj): several units in one format. */
static PyObject *rt_fmt_mixed(PyObject *self, PyObject *obj) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h = HPy_FromPyObject(ctx, obj);
    HPy r;
    (void)self;
    r = HPyUnicode_FromFormat(ctx, "%s: %d/%u <%5.2S|%R|%A> %c%c %zd%% [%-]", "mix", -3, 7U, h, h, h, 'o', 0x263a,
                              (Py_ssize_t)-12);
    if (!HPy_IsNull(r)) {
        /* the "[%-]" makes it fail after all the other units */
        HPy_Close(ctx, r);
        PyErr_SetString(PyExc_AssertionError, "%- accepted");
        HPy_Close(ctx, h);
        return CAPICOMPAT_NULL;
    }
    PyErr_Clear();
    r = HPyUnicode_FromFormat(ctx, "%s: %d/%u <%5.2S|%R|%A> %c%c %zd%%", "mix", -3, 7U, h, h, h, 'o', 0x263a,
                              (Py_ssize_t)-12);
    HPy_Close(ctx, h);
    return give(ctx, r);
}

/* A variadic function of the extension's own that hands the rest of its arguments on. */
static HPy format_after_tag(HPyContext *ctx, const char *fmt, ...) {
    va_list vl;
    HPy result;
    int tag;
    va_start(vl, fmt);
    tag = va_arg(vl, int); /* consumed here, not formatted */
    result = tag == 99 ? HPyUnicode_FromFormatV(ctx, fmt, vl) : HPy_NULL;
    va_end(vl);
    return result;
}

/* fmt_more(): (a sentence with width and precision, the same through HPyUnicode_FromFormatV
 * from a va_list that was already read from) */
static PyObject *rt_fmt_more(PyObject *self, PyObject *unused) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy a, b;
    (void)self;
    (void)unused;
    a = HPyUnicode_FromFormat(ctx, "check if %5d %s %6.3d is %5S or %6.3S", 42, "==", -42, ctx->h_True,
                              ctx->h_False);
    b = format_after_tag(ctx, "check if %5d %s %6.3d is %5S or %6.3S", 99, 42, "==", -42, ctx->h_True,
                         ctx->h_False);
    return Py_BuildValue("NN", outcome(ctx, a), outcome(ctx, b));
}

/* err_format(type, fmt, obj): HPyErr_Format(type, fmt, obj's handle); returns the exception
 * raised (with an AssertionError if the result was not HPy_NULL). */
static PyObject *rt_err_format(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    PyObject *type, *fmt_obj, *obj;
    const char *fmt;
    HPy htype, h, r;
    (void)self;
    if (!PyArg_ParseTuple(args, "OSO", &type, &fmt_obj, &obj)) return CAPICOMPAT_NULL;
    fmt = bytes_arg(fmt_obj);
    if (fmt == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    htype = HPy_FromPyObject(ctx, type);
    h = HPy_FromPyObject(ctx, obj);
    r = HPyErr_Format(ctx, htype, fmt, h);
    HPy_Close(ctx, h);
    HPy_Close(ctx, htype);
    if (!HPy_IsNull(r)) {
        HPy_Close(ctx, r);
        PyErr_SetString(PyExc_AssertionError, "HPyErr_Format did not return HPy_NULL");
        return CAPICOMPAT_NULL;
    }
    if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_AssertionError, "HPyErr_Format raised nothing");
        return CAPICOMPAT_NULL;
    }
    return outcome_py(CAPICOMPAT_NULL);
}

/* ---- HPyHelpers_PackArgsAndKeywords ---------------------------------------------------- */

/* pack(*args, **kwargs) -> (args tuple, kwargs dict), Ellipsis for HPy_NULL */
static PyObject *rt_pack(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h[MAX_ARGS];
    HPy hkw, t = HPy_NULL, d = HPy_NULL;
    PyObject *result = CAPICOMPAT_NULL;
    Py_ssize_t nkw = kwcount(kwnames);
    (void)self;
    memset(h, 0, sizeof(h));
    if (!open_all(ctx, args, nargs + nkw, h)) return CAPICOMPAT_NULL;
    hkw = HPy_FromPyObject(ctx, kwnames);
    if (HPyHelpers_PackArgsAndKeywords(ctx, h, (size_t)nargs, hkw, &t, &d)) {
        result = Py_BuildValue("NN", value_of(ctx, t), value_of(ctx, d));
        HPy_Close(ctx, t);
        HPy_Close(ctx, d);
    }
    HPy_Close(ctx, hkw);
    close_all(ctx, h, nargs + nkw);
    return result;
}

/* pack_error(mode) -> (the exception raised, whether both outputs were left alone) */
static PyObject *rt_pack_error(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy args3[3];
    HPy t, d, kw;
    long mode = PyLong_AsLong(arg);
    int ok, untouched;
    (void)self;
    args3[0] = ctx->h_None;
    args3[1] = ctx->h_True;
    args3[2] = ctx->h_False;
    t = ctx->h_Ellipsis;
    d = ctx->h_Ellipsis;
    switch (mode) {
    case 0: ok = HPyHelpers_PackArgsAndKeywords(ctx, args3, 3, HPy_NULL, CAPICOMPAT_NULL, &d); break;
    case 1: ok = HPyHelpers_PackArgsAndKeywords(ctx, args3, 3, HPy_NULL, &t, CAPICOMPAT_NULL); break;
    case 2: ok = HPyHelpers_PackArgsAndKeywords(ctx, args3, 3, HPy_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL); break;
    case 3: ok = HPyHelpers_PackArgsAndKeywords(ctx, args3, 1, ctx->h_None, &t, &d); break;
    case 4: { /* a kwnames tuple whose item cannot be a dict key */
        PyObject *l = PyList_New(0);
        PyObject *names = l == CAPICOMPAT_NULL ? CAPICOMPAT_NULL : PyTuple_Pack(2, l, l);
        Py_XDECREF(l);
        if (names == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
        kw = HPy_FromPyObject(ctx, names);
        Py_DECREF(names);
        ok = HPyHelpers_PackArgsAndKeywords(ctx, args3, 1, kw, &t, &d);
        HPy_Close(ctx, kw);
        break;
    }
    default: PyErr_SetString(PyExc_ValueError, "unknown mode"); return CAPICOMPAT_NULL;
    }
    if (ok) {
        PyErr_SetString(PyExc_AssertionError, "PackArgsAndKeywords succeeded");
        return CAPICOMPAT_NULL;
    }
    untouched = HPy_Is(ctx, t, ctx->h_Ellipsis) && HPy_Is(ctx, d, ctx->h_Ellipsis);
    return Py_BuildValue("NN", outcome_py(CAPICOMPAT_NULL), PyBool_FromLong(untouched));
}

/* ---- Struct sequences ------------------------------------------------------------------ */

static HPyStructSequence_Field fields3[] = {
    {"field0", "doc0"},
    {"field1", CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL}, /* set to HPyStructSequence_UnnamedField below */
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL},
};
static HPyStructSequence_Field fields0[] = {{CAPICOMPAT_NULL, CAPICOMPAT_NULL}};
static HPyStructSequence_Field fields_xy[] = {{"x", "the x"}, {"y", "the y"}, {CAPICOMPAT_NULL, CAPICOMPAT_NULL}};

/* structseq_type(i): 0 _hpy_runtime.WithFields (3 fields, the last unnamed), 1
 * _hpy_runtime.NoFields (no doc), 2 Plain (no module), 3 a.b.Deep, 4 a nameless descriptor */
static PyObject *rt_structseq_type(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPyStructSequence_Desc desc;
    long i = PyLong_AsLong(arg);
    (void)self;
    fields3[2].name = HPyStructSequence_UnnamedField;
    desc.name = CAPICOMPAT_NULL;
    desc.doc = CAPICOMPAT_NULL;
    desc.fields = fields0;
    switch (i) {
    case 0:
        desc.name = "_hpy_runtime.WithFields";
        desc.doc = "some doc";
        desc.fields = fields3;
        break;
    case 1: desc.name = "_hpy_runtime.NoFields"; break;
    case 2:
        desc.name = "Plain";
        desc.doc = "plain";
        desc.fields = fields_xy;
        break;
    case 3:
        desc.name = "a.b.Deep";
        desc.fields = fields_xy;
        break;
    case 4: break;
    default: PyErr_SetString(PyExc_ValueError, "no such case"); return CAPICOMPAT_NULL;
    }
    return give(ctx, HPyStructSequence_NewType(ctx, &desc));
}

/* structseq_new(type, *items) */
static PyObject *rt_structseq_new(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h[MAX_ARGS];
    HPy r;
    (void)self;
    memset(h, 0, sizeof(h));
    if (nargs < 1 || !open_all(ctx, args, nargs, h)) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "structseq_new(type, *items)");
        return CAPICOMPAT_NULL;
    }
    r = HPyStructSequence_New(ctx, h[0], nargs - 1, h + 1);
    close_all(ctx, h, nargs);
    return give(ctx, r);
}

#define FASTCALL(f) ((PyCFunction)(void (*)(void))(f))

static PyMethodDef rt_methods[] = {
    {"parse_one", FASTCALL(rt_parse_one), METH_FASTCALL, CAPICOMPAT_NULL},
    {"parse_handles", FASTCALL(rt_parse_handles), METH_FASTCALL, CAPICOMPAT_NULL},
    {"parse_longs", FASTCALL(rt_parse_longs), METH_FASTCALL, CAPICOMPAT_NULL},
    {"kw_handles", FASTCALL(rt_kw_handles), METH_FASTCALL | METH_KEYWORDS, CAPICOMPAT_NULL},
    {"kw_longs", FASTCALL(rt_kw_longs), METH_FASTCALL | METH_KEYWORDS, CAPICOMPAT_NULL},
    {"kw_mixed", FASTCALL(rt_kw_mixed), METH_FASTCALL | METH_KEYWORDS, CAPICOMPAT_NULL},
    {"kwdict_handles", FASTCALL(rt_kwdict_handles), METH_FASTCALL, CAPICOMPAT_NULL},
    {"kwdict_strs", rt_kwdict_strs, METH_O, CAPICOMPAT_NULL},
    {"fresh_outputs", rt_fresh_outputs, METH_NOARGS, CAPICOMPAT_NULL},
    {"tracker_close", rt_tracker_close, METH_VARARGS, CAPICOMPAT_NULL},
    {"tracker_forget", rt_tracker_forget, METH_O, CAPICOMPAT_NULL},
    {"build", rt_build, METH_VARARGS, CAPICOMPAT_NULL},
    {"build_null", rt_build_null, METH_VARARGS, CAPICOMPAT_NULL},
    {"fmt_num", rt_fmt_num, METH_VARARGS, CAPICOMPAT_NULL},
    {"fmt_str", rt_fmt_str, METH_VARARGS, CAPICOMPAT_NULL},
    {"fmt_obj", rt_fmt_obj, METH_VARARGS, CAPICOMPAT_NULL},
    {"fmt_V", rt_fmt_V, METH_VARARGS, CAPICOMPAT_NULL},
    {"fmt_c", rt_fmt_c, METH_VARARGS, CAPICOMPAT_NULL},
    {"fmt_p", rt_fmt_p, METH_VARARGS, CAPICOMPAT_NULL},
    {"fmt_mixed", rt_fmt_mixed, METH_O, CAPICOMPAT_NULL},
    {"fmt_more", rt_fmt_more, METH_NOARGS, CAPICOMPAT_NULL},
    {"err_format", rt_err_format, METH_VARARGS, CAPICOMPAT_NULL},
    {"pack", FASTCALL(rt_pack), METH_FASTCALL | METH_KEYWORDS, CAPICOMPAT_NULL},
    {"pack_error", rt_pack_error, METH_O, CAPICOMPAT_NULL},
    {"structseq_type", rt_structseq_type, METH_O, CAPICOMPAT_NULL},
    {"structseq_new", FASTCALL(rt_structseq_new), METH_FASTCALL, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL},
};

static struct PyModuleDef rt_module = {
    PyModuleDef_HEAD_INIT, "_hpy_runtime", CAPICOMPAT_NULL, -1, rt_methods,
    CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL,
};

PyMODINIT_FUNC PyInit__hpy_runtime(void);
PyMODINIT_FUNC PyInit__hpy_runtime(void) {
    return PyModule_Create(&rt_module);
}
