/* A classic (PyModuleDef) extension that calls the HPy layer of capi_compat.h: arguments
 * become handles with HPy_FromPyObject, results go back with HPy_AsPyObject (a new
 * reference). generator/tests/hpy.rs builds it against every CPython found, as C99 and
 * (syntax only) as C++11, imports it and runs tests/c/hpy/check_smoke.py. */
#include <Python.h>
#include "hpy.h"

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
 * against ctx->h_LongType (a handle is its object, so equal handles are the same object) */
static PyObject *smoke_classify(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h = HPy_FromPyObject(ctx, arg);
    HPy type;
    const char *kind;
    (void)self;
    type = HPy_Type(ctx, h);
    if (h._i == ctx->h_None._i) {
        kind = "none";
    } else if (type._i == ctx->h_LongType._i) {
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

static PyMethodDef smoke_methods[] = {
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
