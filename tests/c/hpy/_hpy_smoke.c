/* A classic (PyModuleDef) extension that calls the HPy layer of capi_compat.h: arguments
 * become handles with HPy_FromPyObject, results go back with HPy_AsPyObject (a new
 * reference). generator/tests/hpy.rs builds it against every CPython found, as C99 and
 * (syntax only) as C++11, imports it and runs tests/c/hpy/check_smoke.py. */
#include <Python.h>
#include "hpy.h"
#include <string.h>

/* Hands a handle back to Python and closes it. */
static PyObject *give(HPyContext *ctx, HPy h) {
    PyObject *result;
    if (HPy_IsNull(h)) return CAPICOMPAT_NULL;
    result = HPy_AsPyObject(ctx, h);
    HPy_Close(ctx, h);
    return result;
}

/* add(a, b) -> a + b, through HPy_Add */
static PyObject *smoke_add(PyObject *self, PyObject *args) {
    PyObject *a, *b;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy ha, hb, sum;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO", &a, &b)) return CAPICOMPAT_NULL;
    ha = HPy_FromPyObject(ctx, a);
    hb = HPy_FromPyObject(ctx, b);
    sum = HPy_Add(ctx, ha, hb);
    HPy_Close(ctx, ha);
    HPy_Close(ctx, hb);
    return give(ctx, sum);
}

/* twice(n) -> 2 * n, through HPyLong_AsSsize_t and HPyLong_FromSsize_t */
static PyObject *smoke_twice(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h = HPy_FromPyObject(ctx, arg);
    HPy_ssize_t n;
    (void)self;
    n = HPyLong_AsSsize_t(ctx, h);
    HPy_Close(ctx, h);
    if (n == -1 && PyErr_Occurred()) return CAPICOMPAT_NULL;
    return give(ctx, HPyLong_FromSsize_t(ctx, 2 * n));
}

/* attr_repr(obj, name) -> repr(getattr(obj, name)), through HPy_GetAttr_s and HPy_Repr */
static PyObject *smoke_attr_repr(PyObject *self, PyObject *args) {
    PyObject *obj;
    const char *name;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h, attr, repr;
    (void)self;
    if (!PyArg_ParseTuple(args, "Os", &obj, &name)) return CAPICOMPAT_NULL;
    h = HPy_FromPyObject(ctx, obj);
    attr = HPy_GetAttr_s(ctx, h, name);
    HPy_Close(ctx, h);
    if (HPy_IsNull(attr)) return CAPICOMPAT_NULL;
    repr = HPy_Repr(ctx, attr);
    HPy_Close(ctx, attr);
    return give(ctx, repr);
}

/* fail(message) raises TypeError(message) via ctx->h_TypeError and HPyErr_SetString */
static PyObject *smoke_fail(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    const char *message;
    (void)self;
    message = PyUnicode_AsUTF8(arg);
    if (message == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    return give(ctx, HPyErr_SetString(ctx, ctx->h_TypeError, message));
}

/* classify(x) -> "none", "int" or "other": the handle against ctx->h_None, and HPy_Type(x)
 * against ctx->h_LongType, with HPy_Is (handles to one object may differ: in debug mode
 * every handle is a record of its own) */
static PyObject *smoke_classify(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h = HPy_FromPyObject(ctx, arg);
    HPy type;
    const char *kind;
    (void)self;
    type = HPy_Type(ctx, h);
    if (HPy_Is(ctx, h, ctx->h_None)) {
        kind = "none";
    } else if (HPy_Is(ctx, type, ctx->h_LongType)) {
        kind = "int";
    } else {
        kind = "other";
    }
    HPy_Close(ctx, type);
    HPy_Close(ctx, h);
    return give(ctx, HPyUnicode_FromString(ctx, kind));
}

/* dup_refs(x) -> the reference count added by one HPy_Dup (1), after closing it (0) */
static PyObject *smoke_dup_refs(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h = HPy_FromPyObject(ctx, arg);
    Py_ssize_t before, with_dup, after;
    HPy d;
    (void)self;
    before = Py_REFCNT(arg);
    d = HPy_Dup(ctx, h);
    with_dup = Py_REFCNT(arg);
    HPy_Close(ctx, d);
    after = Py_REFCNT(arg);
    HPy_Close(ctx, h);
    return Py_BuildValue("nn", with_dup - before, after - before);
}

/* build(n) -> ([0.5, 1.5, ...], True): HPyList_New, HPyFloat_FromDouble, HPyList_Append,
 * HPy_Length, and a duplicate of ctx->h_True when the length is n */
static PyObject *smoke_build(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    Py_ssize_t n = PyLong_AsSsize_t(arg), i;
    HPy list, ok, null_handle;
    (void)self;
    if (n == -1 && PyErr_Occurred()) return CAPICOMPAT_NULL;
    list = HPyList_New(ctx, 0);
    if (HPy_IsNull(list)) return CAPICOMPAT_NULL;
    for (i = 0; i < n; i++) {
        HPy item = HPyFloat_FromDouble(ctx, (double)i + 0.5);
        int rc = HPy_IsNull(item) ? -1 : HPyList_Append(ctx, list, item);
        HPy_Close(ctx, item);
        if (rc < 0) {
            HPy_Close(ctx, list);
            return CAPICOMPAT_NULL;
        }
    }
    ok = HPy_Dup(ctx, HPy_Length(ctx, list) == n ? ctx->h_True : ctx->h_False);
    null_handle = HPy_FromPyObject(ctx, CAPICOMPAT_NULL); /* must be HPy_NULL */
    if (!HPy_IsNull(null_handle)) {
        HPy_Close(ctx, ok);
        HPy_Close(ctx, list);
        PyErr_SetString(PyExc_AssertionError, "HPy_FromPyObject(NULL) is not HPy_NULL");
        return CAPICOMPAT_NULL;
    }
    {
        PyObject *py_list = HPy_AsPyObject(ctx, list);
        PyObject *py_ok = HPy_AsPyObject(ctx, ok);
        HPy_Close(ctx, list);
        HPy_Close(ctx, ok);
        return Py_BuildValue("NN", py_list, py_ok);
    }
}

/* conv(kind, x): x through HPyLong_As<kind> (error checked with HPyErr_Occurred) and back
 * through the matching HPyLong_From<kind>. */
static PyObject *smoke_conv(PyObject *self, PyObject *args) {
    PyObject *obj;
    const char *kind;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h, r;
    (void)self;
    if (!PyArg_ParseTuple(args, "sO", &kind, &obj)) return CAPICOMPAT_NULL;
    h = HPy_FromPyObject(ctx, obj);
#define SMOKE_CONV(NAME, TYPE, AS, FROM)                                   \
    if (strcmp(kind, NAME) == 0) {                                         \
        TYPE v = AS(ctx, h);                                               \
        HPy_Close(ctx, h);                                                 \
        if (v == (TYPE)-1 && HPyErr_Occurred(ctx)) return CAPICOMPAT_NULL; \
        r = FROM(ctx, v);                                                  \
        return give(ctx, r);                                               \
    }
    SMOKE_CONV("long", long, HPyLong_AsLong, HPyLong_FromLong)
    SMOKE_CONV("ulong", unsigned long, HPyLong_AsUnsignedLong, HPyLong_FromUnsignedLong)
    SMOKE_CONV("ulongmask", unsigned long, HPyLong_AsUnsignedLongMask, HPyLong_FromUnsignedLong)
    SMOKE_CONV("longlong", long long, HPyLong_AsLongLong, HPyLong_FromLongLong)
    SMOKE_CONV("ulonglong", unsigned long long, HPyLong_AsUnsignedLongLong, HPyLong_FromUnsignedLongLong)
    SMOKE_CONV("ulonglongmask", unsigned long long, HPyLong_AsUnsignedLongLongMask,
               HPyLong_FromUnsignedLongLong)
    SMOKE_CONV("int32", int32_t, HPyLong_AsInt32_t, HPyLong_FromInt32_t)
    SMOKE_CONV("uint32", uint32_t, HPyLong_AsUInt32_t, HPyLong_FromUInt32_t)
    SMOKE_CONV("uint32mask", uint32_t, HPyLong_AsUInt32_tMask, HPyLong_FromUInt32_t)
    SMOKE_CONV("int64", int64_t, HPyLong_AsInt64_t, HPyLong_FromInt64_t)
    SMOKE_CONV("uint64", uint64_t, HPyLong_AsUInt64_t, HPyLong_FromUInt64_t)
    SMOKE_CONV("uint64mask", uint64_t, HPyLong_AsUInt64_tMask, HPyLong_FromUInt64_t)
    SMOKE_CONV("size_t", size_t, HPyLong_AsSize_t, HPyLong_FromSize_t)
#undef SMOKE_CONV
    HPy_Close(ctx, h);
    PyErr_SetString(PyExc_ValueError, kind);
    return CAPICOMPAT_NULL;
}

/* err_state() -> (HPyErr_Occurred with no error, with one set, after HPyErr_Clear) */
static PyObject *smoke_err_state(PyObject *self, PyObject *unused) {
    HPyContext *ctx = capicompat_hpy_ctx();
    int before, set, cleared;
    HPy null_handle;
    (void)self;
    (void)unused;
    before = HPyErr_Occurred(ctx);
    null_handle = HPyErr_SetString(ctx, ctx->h_ValueError, "x");
    set = HPyErr_Occurred(ctx);
    HPyErr_Clear(ctx);
    cleared = HPyErr_Occurred(ctx);
    return Py_BuildValue("iiii", before, set, cleared, HPy_IsNull(null_handle) ? 1 : 0);
}

/* is_(a, b) -> HPy_Is; typecheck(obj, type) -> HPy_TypeCheck; as ints */
static PyObject *smoke_is(PyObject *self, PyObject *args) {
    PyObject *a, *b;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy ha, hb;
    int rc;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO", &a, &b)) return CAPICOMPAT_NULL;
    ha = HPy_FromPyObject(ctx, a);
    hb = HPy_FromPyObject(ctx, b);
    rc = HPy_Is(ctx, ha, hb);
    HPy_Close(ctx, ha);
    HPy_Close(ctx, hb);
    return PyLong_FromLong(rc);
}

static PyObject *smoke_typecheck(PyObject *self, PyObject *args) {
    PyObject *obj, *type;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy ho, ht;
    int rc;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO", &obj, &type)) return CAPICOMPAT_NULL;
    ho = HPy_FromPyObject(ctx, obj);
    ht = HPy_FromPyObject(ctx, type);
    rc = HPy_TypeCheck(ctx, ho, ht);
    HPy_Close(ctx, ho);
    HPy_Close(ctx, ht);
    return PyLong_FromLong(rc);
}

/* bool_(n) -> HPyBool_FromLong(n) */
static PyObject *smoke_bool(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    long n = PyLong_AsLong(arg);
    (void)self;
    if (n == -1 && PyErr_Occurred()) return CAPICOMPAT_NULL;
    return give(ctx, HPyBool_FromLong(ctx, n));
}

/* item(op, obj, key[, value]): op is get/set/del; an int key uses the _i entry, a str key
 * the _s one. get returns the item, set and del return the int status (0), errors raise. */
static PyObject *smoke_item(PyObject *self, PyObject *args) {
    PyObject *obj, *key, *value = CAPICOMPAT_NULL;
    const char *op;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h, hv;
    int by_index, rc;
    Py_ssize_t idx = 0;
    const char *skey = CAPICOMPAT_NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "sOO|O", &op, &obj, &key, &value)) return CAPICOMPAT_NULL;
    by_index = PyLong_Check(key);
    if (by_index) {
        idx = PyLong_AsSsize_t(key);
        if (idx == -1 && PyErr_Occurred()) return CAPICOMPAT_NULL;
    } else {
        skey = PyUnicode_AsUTF8(key);
        if (skey == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    }
    h = HPy_FromPyObject(ctx, obj);
    if (strcmp(op, "get") == 0) {
        HPy r = by_index ? HPy_GetItem_i(ctx, h, idx) : HPy_GetItem_s(ctx, h, skey);
        HPy_Close(ctx, h);
        return give(ctx, r);
    }
    if (strcmp(op, "set") == 0) {
        hv = HPy_FromPyObject(ctx, value);
        rc = by_index ? HPy_SetItem_i(ctx, h, idx, hv) : HPy_SetItem_s(ctx, h, skey, hv);
        HPy_Close(ctx, hv);
    } else {
        rc = by_index ? HPy_DelItem_i(ctx, h, idx) : HPy_DelItem_s(ctx, h, skey);
    }
    HPy_Close(ctx, h);
    if (rc < 0) return CAPICOMPAT_NULL;
    return PyLong_FromLong(rc);
}

static PyMethodDef smoke_methods[] = {
    {"conv", smoke_conv, METH_VARARGS, CAPICOMPAT_NULL},
    {"err_state", smoke_err_state, METH_NOARGS, CAPICOMPAT_NULL},
    {"is_", smoke_is, METH_VARARGS, CAPICOMPAT_NULL},
    {"typecheck", smoke_typecheck, METH_VARARGS, CAPICOMPAT_NULL},
    {"bool_", smoke_bool, METH_O, CAPICOMPAT_NULL},
    {"item", smoke_item, METH_VARARGS, CAPICOMPAT_NULL},
    {"add", smoke_add, METH_VARARGS, CAPICOMPAT_NULL},
    {"twice", smoke_twice, METH_O, CAPICOMPAT_NULL},
    {"attr_repr", smoke_attr_repr, METH_VARARGS, CAPICOMPAT_NULL},
    {"fail", smoke_fail, METH_O, CAPICOMPAT_NULL},
    {"classify", smoke_classify, METH_O, CAPICOMPAT_NULL},
    {"dup_refs", smoke_dup_refs, METH_O, CAPICOMPAT_NULL},
    {"build", smoke_build, METH_O, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL},
};

static struct PyModuleDef smoke_module = {
    PyModuleDef_HEAD_INIT, "_hpy_smoke", CAPICOMPAT_NULL, -1, smoke_methods,
    CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL,
};

PyMODINIT_FUNC PyInit__hpy_smoke(void);
PyMODINIT_FUNC PyInit__hpy_smoke(void) {
    return PyModule_Create(&smoke_module);
}
