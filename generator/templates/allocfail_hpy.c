/* The HPy layer under `capi-compat test --alloc-fail`: scenarios calling the HPy functions
 * that allocate (builders, tuples, lists, dicts, HPyTracker, HPyField, HPyGlobal,
 * HPy_BuildValue, HPyUnicode_FromFormat, …), each call judged by the failing allocator's
 * wrapper like the spec's functions (capicompat_allocfail.h). A scenario returns 0 when its
 * results are right, -1 with an exception otherwise; every handle it opens it closes. */
#include "hpy.h"
#include "capi_compat_test.h"

/* One judged HPy call: the handle it returns (HPy_NULL is its error value) */
#define AF_H(name, expr)                                                                       \
    __extension__({                                                                            \
        capicompat_af_call af_c_;                                                              \
        capicompat_af_enter(&af_c_, name);                                                     \
        HPy af_h_ = (expr);                                                                    \
        capicompat_af_leave(&af_c_, af_h_._i == 0 ? CAPICOMPAT_AF_NULL_VALUE : CAPICOMPAT_AF_OTHER_VALUE); \
        af_h_;                                                                                 \
    })
/* … an int result (-1 is its error value) */
#define AF_I(name, expr)                                                                       \
    __extension__({                                                                            \
        capicompat_af_call af_c_;                                                              \
        capicompat_af_enter(&af_c_, name);                                                     \
        int af_i_ = (expr);                                                                    \
        capicompat_af_leave(&af_c_, capicompat_af_signed(af_i_));                              \
        af_i_;                                                                                 \
    })
/* … a result without an error value (builders, trackers: the exception tells) */
#define AF_S(name, type, expr)                                                                 \
    __extension__({                                                                            \
        capicompat_af_call af_c_;                                                              \
        capicompat_af_enter(&af_c_, name);                                                     \
        type af_s_ = (expr);                                                                   \
        capicompat_af_leave(&af_c_, CAPICOMPAT_AF_NO_VALUE);                                   \
        af_s_;                                                                                 \
    })
#define AF_V(name, expr)                                                                       \
    do {                                                                                       \
        capicompat_af_call af_c_;                                                              \
        capicompat_af_enter(&af_c_, name);                                                     \
        expr;                                                                                  \
        capicompat_af_leave(&af_c_, CAPICOMPAT_AF_NO_VALUE);                                   \
    } while (0)

#define HCHECK_NEW(var, expr)                                                                  \
    HPy var = (expr);                                                                          \
    do {                                                                                       \
        if (HPy_IsNull(var)) {                                                                 \
            capicompat_test_fail(__FILE__, __LINE__, #var " = " #expr " returned HPy_NULL");  \
            return -1;                                                                         \
        }                                                                                      \
    } while (0)

/* a long's value, -1000 when it is not one */
static long value_of(HPyContext *ctx, HPy h)
{
    long v = HPyLong_AsLong(ctx, h);
    if (v == -1 && HPyErr_Occurred(ctx)) {
        HPyErr_Clear(ctx);
        return -1000;
    }
    return v;
}

static int scenario_tuple_builder(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    HCHECK_NEW(one, AF_H("HPyLong_FromLong", HPyLong_FromLong(ctx, 1000001)));
    HCHECK_NEW(two, AF_H("HPyUnicode_FromString", HPyUnicode_FromString(ctx, "two")));
    HPyTupleBuilder b = AF_S("HPyTupleBuilder_New", HPyTupleBuilder, HPyTupleBuilder_New(ctx, 2));
    AF_V("HPyTupleBuilder_Set", HPyTupleBuilder_Set(ctx, b, 0, one));
    AF_V("HPyTupleBuilder_Set", HPyTupleBuilder_Set(ctx, b, 1, two));
    HPy t = AF_H("HPyTupleBuilder_Build", HPyTupleBuilder_Build(ctx, b));
    /* as HPy's: a builder that could not be made reports nothing; its Build raises */
    if (HPy_IsNull(t)) {
        capicompat_af_deferred_error();
    }
    CHECK(!HPy_IsNull(t));
    CHECK(HPy_Length(ctx, t) == 2);
    HPy first = HPy_GetItem_i(ctx, t, 0);
    CHECK(value_of(ctx, first) == 1000001);
    HPy_Close(ctx, first);
    HPy_Close(ctx, t);
    HPy_Close(ctx, two);
    HPy_Close(ctx, one);
    return 0;
}

static int scenario_list_builder(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    HCHECK_NEW(one, AF_H("HPyLong_FromLong", HPyLong_FromLong(ctx, 2000002)));
    HPyListBuilder b = AF_S("HPyListBuilder_New", HPyListBuilder, HPyListBuilder_New(ctx, 3));
    AF_V("HPyListBuilder_Set", HPyListBuilder_Set(ctx, b, 0, one));
    AF_V("HPyListBuilder_Set", HPyListBuilder_Set(ctx, b, 1, one));
    AF_V("HPyListBuilder_Set", HPyListBuilder_Set(ctx, b, 2, one));
    HPy l = AF_H("HPyListBuilder_Build", HPyListBuilder_Build(ctx, b));
    if (HPy_IsNull(l)) {
        capicompat_af_deferred_error();
    }
    CHECK(!HPy_IsNull(l));
    CHECK(HPy_Length(ctx, l) == 3);
    HPy_Close(ctx, l);
    HPy_Close(ctx, one);
    return 0;
}

static int scenario_tuple_from_array(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    HCHECK_NEW(a, HPyLong_FromLong(ctx, 3000003));
    HCHECK_NEW(s, HPyUnicode_FromString(ctx, "s"));
    HPy items[3] = {a, s, a};
    HCHECK_NEW(t, AF_H("HPyTuple_FromArray", HPyTuple_FromArray(ctx, items, 3)));
    CHECK(HPy_Length(ctx, t) == 3);
    HPy_Close(ctx, t);
    HPy_Close(ctx, s);
    HPy_Close(ctx, a);
    return 0;
}

static int scenario_list_and_dict(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    HCHECK_NEW(l, AF_H("HPyList_New", HPyList_New(ctx, 0)));
    HCHECK_NEW(d, AF_H("HPyDict_New", HPyDict_New(ctx)));
    HCHECK_NEW(k, AF_H("HPyUnicode_FromString", HPyUnicode_FromString(ctx, "a key that is not interned")));
    for (int i = 0; i < 12; i++) {
        CHECK(AF_I("HPyList_Append", HPyList_Append(ctx, l, k)) == 0);
    }
    CHECK(AF_I("HPy_SetItem", HPy_SetItem(ctx, d, k, l)) == 0);
    CHECK(AF_I("HPy_SetItem_s", HPy_SetItem_s(ctx, d, "other", k)) == 0);
    CHECK(HPy_Length(ctx, d) == 2 && HPy_Length(ctx, l) == 12);
    HPy_Close(ctx, k);
    HPy_Close(ctx, d);
    HPy_Close(ctx, l);
    return 0;
}

static int scenario_tracker(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    HPyTracker ht = AF_S("HPyTracker_New", HPyTracker, HPyTracker_New(ctx, 1));
    for (int i = 0; i < 8; i++) {
        HCHECK_NEW(v, AF_H("HPyLong_FromLong", HPyLong_FromLong(ctx, 4000000 + i)));
        /* a tracker that cannot grow closes the handle and fails, as HPy's does */
        if (AF_I("HPyTracker_Add", HPyTracker_Add(ctx, ht, v)) < 0) {
            HPyTracker_Close(ctx, ht);
            return -1;
        }
    }
    AF_V("HPyTracker_Close", HPyTracker_Close(ctx, ht));
    return 0;
}

static HPyGlobal scenario_global;

static int scenario_global_and_field(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    HCHECK_NEW(owner, HPyList_New(ctx, 0));
    HCHECK_NEW(v, AF_H("HPyUnicode_FromString", HPyUnicode_FromString(ctx, "stored")));
    HPyField field = HPyField_NULL;
    AF_V("HPyField_Store", HPyField_Store(ctx, owner, &field, v));
    HCHECK_NEW(f, AF_H("HPyField_Load", HPyField_Load(ctx, owner, field)));
    AF_V("HPyGlobal_Store", HPyGlobal_Store(ctx, &scenario_global, v));
    HCHECK_NEW(g, AF_H("HPyGlobal_Load", HPyGlobal_Load(ctx, scenario_global)));
    CHECK(HPy_Is(ctx, f, v) && HPy_Is(ctx, g, v));
    HPyGlobal_Store(ctx, &scenario_global, HPy_NULL);
    HPyField_Store(ctx, owner, &field, HPy_NULL);
    HPy_Close(ctx, g);
    HPy_Close(ctx, f);
    HPy_Close(ctx, v);
    HPy_Close(ctx, owner);
    return 0;
}

static int scenario_build_value_and_format(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    HCHECK_NEW(t, AF_H("HPy_BuildValue", HPy_BuildValue(ctx, "(is[ii]{s:i})", 5000005, "x", 1, 2, "k", 3)));
    CHECK(HPy_Length(ctx, t) == 4);
    HCHECK_NEW(s, AF_H("HPyUnicode_FromFormat", HPyUnicode_FromFormat(ctx, "%d-%s-%R", 42, "text", t)));
    CHECK(HPy_Length(ctx, s) > 10);
    HCHECK_NEW(b, AF_H("HPyBytes_FromStringAndSize", HPyBytes_FromStringAndSize(ctx, "0123456789abcdef0123456789abcdef", 32)));
    HCHECK_NEW(r, AF_H("HPy_Repr", HPy_Repr(ctx, b)));
    HPy_Close(ctx, r);
    HPy_Close(ctx, b);
    HPy_Close(ctx, s);
    HPy_Close(ctx, t);
    return 0;
}

static int scenario_errors(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    /* raising allocates the message and the exception: either may fail, the error stays set */
    HPy r = AF_H("HPyErr_SetString", HPyErr_SetString(ctx, ctx->h_ValueError, "a message to allocate"));
    CHECK(HPy_IsNull(r));
    CHECK(HPyErr_ExceptionMatches(ctx, ctx->h_ValueError));
    HPyErr_Clear(ctx);
    HCHECK_NEW(o, HPyList_New(ctx, 0));
    HPy missing = AF_H("HPy_GetAttr_s", HPy_GetAttr_s(ctx, o, "no_such_attribute_here"));
    CHECK(HPy_IsNull(missing));
    CHECK(HPyErr_ExceptionMatches(ctx, ctx->h_AttributeError));
    HPyErr_Clear(ctx);
    HPy_Close(ctx, o);
    return 0;
}

typedef struct {
    const char *name;
    int (*run)(void);
} capicompat_test_case;

static const capicompat_test_case capicompat_test_cases[] = {
    {"HPy: tuple builder", scenario_tuple_builder},
    {"HPy: list builder", scenario_list_builder},
    {"HPy: HPyTuple_FromArray", scenario_tuple_from_array},
    {"HPy: lists and dicts", scenario_list_and_dict},
    {"HPy: HPyTracker", scenario_tracker},
    {"HPy: HPyField and HPyGlobal", scenario_global_and_field},
    {"HPy: HPy_BuildValue and formatting", scenario_build_value_and_format},
    {"HPy: raising errors", scenario_errors},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL}
};

static const capicompat_test_case *find_case(PyObject *arg)
{
    const char *wanted = PyUnicode_AsUTF8(arg);
    if (wanted == CAPICOMPAT_NULL) {
        return CAPICOMPAT_NULL;
    }
    for (const capicompat_test_case *c = capicompat_test_cases; c->name != CAPICOMPAT_NULL; c++) {
        if (strcmp(c->name, wanted) == 0) {
            return c;
        }
    }
    PyErr_Format(PyExc_KeyError, "no test named %s", wanted);
    return CAPICOMPAT_NULL;
}

static PyObject *hpy_names(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    PyObject *names = PyList_New(0);
    for (const capicompat_test_case *c = capicompat_test_cases; names != CAPICOMPAT_NULL && c->name != CAPICOMPAT_NULL; c++) {
        PyObject *name = PyUnicode_FromString(c->name);
        if (name == CAPICOMPAT_NULL || PyList_Append(names, name) < 0) {
            Py_XDECREF(name);
            Py_CLEAR(names);
            break;
        }
        Py_DECREF(name);
    }
    return names;
}

static PyObject *hpy_run(PyObject *self, PyObject *arg)
{
    (void)self;
    const capicompat_test_case *c = find_case(arg);
    if (c == CAPICOMPAT_NULL) {
        return CAPICOMPAT_NULL;
    }
    if (c->run() != 0 || PyErr_Occurred()) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_SystemError, "the scenario failed without an exception");
        }
        return CAPICOMPAT_NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *hpy_allocfail(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *name;
    long long target;
    if (!PyArg_ParseTuple(args, "UL", &name, &target)) {
        return CAPICOMPAT_NULL;
    }
    const capicompat_test_case *c = find_case(name);
    if (c == CAPICOMPAT_NULL) {
        return CAPICOMPAT_NULL;
    }
    capicompat_af_run(c->run, target);
    return capicompat_af_result_tuple();
}

static PyMethodDef hpy_af_methods[] = {
    {"names", hpy_names, METH_NOARGS, CAPICOMPAT_NULL},
    {"run", hpy_run, METH_O, CAPICOMPAT_NULL},
    {"install", capicompat_af_install, METH_NOARGS, CAPICOMPAT_NULL},
    {"allocfail", hpy_allocfail, METH_VARARGS, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL}
};

static struct PyModuleDef hpy_af_module = {
    PyModuleDef_HEAD_INIT, "_capicompat_allocfail_hpy", CAPICOMPAT_NULL, -1, hpy_af_methods,
    CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL
};

PyMODINIT_FUNC PyInit__capicompat_allocfail_hpy(void);

PyMODINIT_FUNC
PyInit__capicompat_allocfail_hpy(void)
{
    return PyModule_Create(&hpy_af_module);
}
