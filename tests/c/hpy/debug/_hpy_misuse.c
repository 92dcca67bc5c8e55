/* Misuse of handles, one scenario per name, for the HPy debug mode (-DCAPI_COMPAT_HPY_DEBUG).
 * generator/tests/hpy_debug.rs builds this module in debug mode, runs each scenario in a
 * fresh interpreter and checks the report: its text, and the file and line of the calls
 * involved, which it finds by the `SITE:` comments below. "correct" must report nothing. */
#include <Python.h>
#include "hpy.h"
#include <string.h>

static PyObject *run_use_after_close(HPyContext *ctx) {
    HPy h = HPyLong_FromLong(ctx, 42); /* SITE: use_after_close opened */
    HPy r;
    HPy_Close(ctx, h); /* SITE: use_after_close closed */
    r = HPy_Repr(ctx, h); /* SITE: use_after_close used */
    HPy_Close(ctx, r);
    Py_RETURN_NONE;
}

static PyObject *run_double_close(HPyContext *ctx) {
    HPy h = HPyLong_FromLong(ctx, 42); /* SITE: double_close opened */
    HPy_Close(ctx, h); /* SITE: double_close closed */
    HPy_Close(ctx, h); /* SITE: double_close used */
    Py_RETURN_NONE;
}

static PyObject *run_close_constant(HPyContext *ctx) {
    HPy_Close(ctx, ctx->h_None); /* SITE: close_constant used */
    Py_RETURN_NONE;
}

/* A handle still open after the work is done: found by the explicit check, which code
 * outside HPy functions (like this classic module) calls itself. */
static PyObject *run_leak_outside_call(HPyContext *ctx) {
    HPy h = HPyUnicode_FromString(ctx, "leaked"); /* SITE: leak_outside_call opened */
    unsigned long leaks;
    (void)h;
    leaks = capicompat_hpy_debug_check_open("run_leak_outside_call");
    return PyLong_FromUnsignedLong(leaks);
}

static PyObject *run_builder_after_build(HPyContext *ctx) {
    HPyListBuilder b = HPyListBuilder_New(ctx, 1); /* SITE: builder_after_build opened */
    HPy list;
    HPyListBuilder_Set(ctx, b, 0, ctx->h_None);
    list = HPyListBuilder_Build(ctx, b); /* SITE: builder_after_build closed */
    HPyListBuilder_Set(ctx, b, 0, ctx->h_True); /* SITE: builder_after_build used */
    HPy_Close(ctx, list);
    Py_RETURN_NONE;
}

static PyObject *run_builder_out_of_range(HPyContext *ctx) {
    HPyTupleBuilder b = HPyTupleBuilder_New(ctx, 2); /* SITE: builder_out_of_range opened */
    HPyTupleBuilder_Set(ctx, b, 2, ctx->h_None); /* SITE: builder_out_of_range used */
    HPyTupleBuilder_Cancel(ctx, b);
    Py_RETURN_NONE;
}

static PyObject *run_builder_leak(HPyContext *ctx) {
    HPyListBuilder b = HPyListBuilder_New(ctx, 0); /* SITE: builder_leak opened */
    (void)b;
    return PyLong_FromUnsignedLong(capicompat_hpy_debug_check_open("run_builder_leak"));
}

/* Correct code: dup, close, constants used without closing, results handed back. */
static PyObject *run_correct(HPyContext *ctx) {
    HPy a = HPyLong_FromLong(ctx, 1), b = HPy_Dup(ctx, a), none = HPy_Dup(ctx, ctx->h_None), sum;
    int same = HPy_Is(ctx, a, b);
    sum = HPy_Add(ctx, a, b);
    HPy_Close(ctx, a);
    HPy_Close(ctx, b);
    HPy_Close(ctx, none);
    if (HPy_IsNull(sum) || !same) return CAPICOMPAT_NULL;
    HPy_Close(ctx, sum);
    {
        HPyTupleBuilder tb = HPyTupleBuilder_New(ctx, 2);
        HPyListBuilder lb = HPyListBuilder_New(ctx, 1);
        HPy t;
        HPyTupleBuilder_Set(ctx, tb, 0, ctx->h_None);
        HPyTupleBuilder_Set(ctx, tb, 1, ctx->h_True);
        t = HPyTupleBuilder_Build(ctx, tb);
        HPyListBuilder_Set(ctx, lb, 0, t);
        HPyListBuilder_Cancel(ctx, lb);
        HPy_Close(ctx, t);
    }
    return PyLong_FromUnsignedLong(capicompat_hpy_debug_check_open("run_correct"));
}

/* HPy functions (called through their trampolines, as CPython calls them): the checks made
 * when a call into an HPy function returns. */
HPyDef_METH(leak_in_call, "leak_in_call", HPyFunc_O)
static HPy leak_in_call_impl(HPyContext *ctx, HPy self, HPy arg) {
    HPy kept = HPy_Dup(ctx, arg); /* SITE: leak_in_call opened */
    (void)self;
    (void)kept;
    return HPyLong_FromLong(ctx, 1);
}

HPyDef_METH(return_constant, "return_constant", HPyFunc_O)
static HPy return_constant_impl(HPyContext *ctx, HPy self, HPy arg) {
    (void)self;
    (void)arg;
    return ctx->h_None; /* SITE: return_constant used */
}

HPyDef_METH(return_argument, "return_argument", HPyFunc_O)
static HPy return_argument_impl(HPyContext *ctx, HPy self, HPy arg) {
    (void)ctx;
    (void)self;
    return arg;
}

HPyDef_METH(close_argument, "close_argument", HPyFunc_O)
static HPy close_argument_impl(HPyContext *ctx, HPy self, HPy arg) {
    (void)self;
    HPy_Close(ctx, arg); /* SITE: close_argument used */
    return HPy_Dup(ctx, ctx->h_None);
}

/* An argument handle kept past its call: using it in the next call is a use after close. */
static HPy kept_argument;
HPyDef_METH(keep_argument, "keep_argument", HPyFunc_O)
static HPy keep_argument_impl(HPyContext *ctx, HPy self, HPy arg) {
    (void)self;
    if (HPy_IsNull(kept_argument)) {
        kept_argument = arg;
        return HPy_Dup(ctx, ctx->h_None);
    }
    return HPy_Repr(ctx, kept_argument); /* SITE: keep_argument used */
}

/* Correct HPy functions: silent. */
HPyDef_METH(correct_call, "correct_call", HPyFunc_O)
static HPy correct_call_impl(HPyContext *ctx, HPy self, HPy arg) {
    HPy one = HPyLong_FromLong(ctx, 1), sum;
    (void)self;
    sum = HPy_Add(ctx, arg, one);
    HPy_Close(ctx, one);
    return sum;
}

static PyObject *misuse(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    const char *name = PyUnicode_AsUTF8(arg);
    (void)self;
    if (name == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    if (strcmp(name, "use_after_close") == 0) return run_use_after_close(ctx);
    if (strcmp(name, "double_close") == 0) return run_double_close(ctx);
    if (strcmp(name, "close_constant") == 0) return run_close_constant(ctx);
    if (strcmp(name, "leak_outside_call") == 0) return run_leak_outside_call(ctx);
    if (strcmp(name, "builder_after_build") == 0) return run_builder_after_build(ctx);
    if (strcmp(name, "builder_out_of_range") == 0) return run_builder_out_of_range(ctx);
    if (strcmp(name, "builder_leak") == 0) return run_builder_leak(ctx);
    if (strcmp(name, "correct") == 0) return run_correct(ctx);
    if (strcmp(name, "leaks") == 0) return PyLong_FromUnsignedLong(capicompat_hpy_debug_leaks());
    PyErr_SetString(PyExc_ValueError, name);
    return CAPICOMPAT_NULL;
}

/* A classic module can list HPy functions by the trampolines HPyDef_METH defines. */
#define TRAMPOLINE(sym) (PyCFunction)(void (*)(void))sym##_trampoline

static PyMethodDef misuse_methods[] = {
    {"misuse", misuse, METH_O, CAPICOMPAT_NULL},
    {"leak_in_call", TRAMPOLINE(leak_in_call), METH_O, CAPICOMPAT_NULL},
    {"return_constant", TRAMPOLINE(return_constant), METH_O, CAPICOMPAT_NULL},
    {"return_argument", TRAMPOLINE(return_argument), METH_O, CAPICOMPAT_NULL},
    {"close_argument", TRAMPOLINE(close_argument), METH_O, CAPICOMPAT_NULL},
    {"keep_argument", TRAMPOLINE(keep_argument), METH_O, CAPICOMPAT_NULL},
    {"correct_call", TRAMPOLINE(correct_call), METH_O, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL},
};

static struct PyModuleDef misuse_module = {
    PyModuleDef_HEAD_INIT, "_hpy_misuse", CAPICOMPAT_NULL, 0, misuse_methods,
    CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL,
};

PyMODINIT_FUNC PyInit__hpy_misuse(void);
PyMODINIT_FUNC PyInit__hpy_misuse(void) {
    return PyModule_Create(&misuse_module);
}
