/* The HPy layer under `capi-compat test --alloc-fail`: scenarios calling the HPy functions
 * that allocate (builders, tuples, lists, dicts, HPyTracker, HPyField, HPyGlobal,
 * HPy_BuildValue, HPyUnicode_FromFormat, …), each call judged by the failing allocator's
 * wrapper like the spec's functions (capicompat_allocfail.h). A scenario returns 0 when its
 * results are right, -1 with an exception otherwise; every handle it opens it closes. */
#include "hpy.h"
#include "capi_compat_test.h"
#include <string.h>

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
/* … an int result whose error value is 0 (HPyArg_Parse*: 1 on success) */
#define AF_P(name, expr)                                                                       \
    __extension__({                                                                            \
        capicompat_af_call af_c_;                                                              \
        capicompat_af_enter(&af_c_, name);                                                     \
        int af_p_ = (expr);                                                                    \
        capicompat_af_leave(&af_c_, af_p_ == 0 ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE); \
        af_p_;                                                                                 \
    })
/* … a CPython object pointer (NULL is its error value) */
#define AF_O(name, expr)                                                                       \
    __extension__({                                                                            \
        capicompat_af_call af_c_;                                                              \
        capicompat_af_enter(&af_c_, name);                                                     \
        PyObject *af_o_ = (expr);                                                              \
        capicompat_af_leave(&af_c_, capicompat_af_pointer(af_o_));                             \
        af_o_;                                                                                 \
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

/* ---- HPy_New and HPyType_FromSpec: a pure type (Object shape, GC, an HPyField) with members,
 * get/set descriptors, a method and slots; a subtype of it; a legacy type (legacy shape and
 * PyType_Slot entries: methods, members, a repr); a type with a call function (HPy_New's
 * general path). */
typedef struct {
    long x;
    long y;
    HPyField obj;
} AfPointObject;
HPyType_HELPERS(AfPointObject)

HPyDef_SLOT(AfPoint_new, HPy_tp_new)
static HPy AfPoint_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    AfPointObject *p;
    HPy h;
    (void)kw;
    if (nargs != 2) {
        return HPyErr_SetString(ctx, ctx->h_TypeError, "Point(x, y)");
    }
    h = HPy_New(ctx, cls, &p);
    if (HPy_IsNull(h)) {
        return h;
    }
    p->x = HPyLong_AsLong(ctx, args[0]);
    p->y = HPyLong_AsLong(ctx, args[1]);
    if (HPyErr_Occurred(ctx)) {
        HPy_Close(ctx, h);
        return HPy_NULL;
    }
    return h;
}

HPyDef_SLOT(AfPoint_traverse, HPy_tp_traverse)
static int AfPoint_traverse_impl(void *object, HPyFunc_visitproc visit, void *arg)
{
    HPy_VISIT(&((AfPointObject *)object)->obj);
    return 0;
}

HPyDef_MEMBER(AfPoint_x, "x", HPyMember_LONG, offsetof(AfPointObject, x))
HPyDef_MEMBER(AfPoint_y, "y", HPyMember_LONG, offsetof(AfPointObject, y), .readonly = 1, .doc = "the y coordinate")

HPyDef_GETSET(AfPoint_obj, "obj", .doc = "an object kept in an HPyField")
static HPy AfPoint_obj_get(HPyContext *ctx, HPy self, void *closure)
{
    AfPointObject *p = AfPointObject_AsStruct(ctx, self);
    (void)closure;
    if (HPyField_IsNull(p->obj)) {
        return HPy_Dup(ctx, ctx->h_None);
    }
    return HPyField_Load(ctx, self, p->obj);
}
static int AfPoint_obj_set(HPyContext *ctx, HPy self, HPy value, void *closure)
{
    (void)closure;
    HPyField_Store(ctx, self, &AfPointObject_AsStruct(ctx, self)->obj, value);
    return 0;
}

HPyDef_METH(AfPoint_sum, "sum", HPyFunc_NOARGS, .doc = "x + y")
static HPy AfPoint_sum_impl(HPyContext *ctx, HPy self)
{
    AfPointObject *p = AfPointObject_AsStruct(ctx, self);
    return HPyLong_FromLong(ctx, p->x + p->y);
}

HPyDef_SLOT(AfPoint_neg, HPy_nb_negative)
static HPy AfPoint_neg_impl(HPyContext *ctx, HPy self)
{
    AfPointObject *p = AfPointObject_AsStruct(ctx, self);
    return HPyLong_FromLong(ctx, -(p->x + p->y));
}

static HPyDef *AfPoint_defines[] = {&AfPoint_new, &AfPoint_traverse, &AfPoint_x, &AfPoint_y, &AfPoint_obj,
                                    &AfPoint_sum, &AfPoint_neg, CAPICOMPAT_NULL};
static HPyType_Spec AfPoint_spec = {
    "_capicompat_allocfail_hpy.Point", sizeof(AfPointObject), 0,
    HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC | HPy_TPFLAGS_BASETYPE, SHAPE(AfPointObject), CAPICOMPAT_NULL,
    AfPoint_defines, "a point"};

typedef struct {
    AfPointObject base;
    long z;
} AfPoint3Object;
HPyType_HELPERS(AfPoint3Object)

HPyDef_SLOT(AfPoint3_traverse, HPy_tp_traverse)
static int AfPoint3_traverse_impl(void *object, HPyFunc_visitproc visit, void *arg)
{
    HPy_VISIT(&((AfPoint3Object *)object)->base.obj);
    return 0;
}
HPyDef_MEMBER(AfPoint3_z, "z", HPyMember_LONG, offsetof(AfPoint3Object, z))
static HPyDef *AfPoint3_defines[] = {&AfPoint3_traverse, &AfPoint3_z, CAPICOMPAT_NULL};
static HPyType_Spec AfPoint3_spec = {
    "_capicompat_allocfail_hpy.Point3", sizeof(AfPoint3Object), 0, HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
    SHAPE(AfPoint3Object), CAPICOMPAT_NULL, AfPoint3_defines, CAPICOMPAT_NULL};

typedef struct {
    PyObject_HEAD
    long value;
} AfLegacyObject;
HPyType_LEGACY_HELPERS(AfLegacyObject)

static PyObject *AfLegacy_repr(PyObject *self)
{
    return PyUnicode_FromFormat("<legacy %ld>", ((AfLegacyObject *)self)->value);
}
static PyObject *AfLegacy_twice(PyObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromLong(2 * ((AfLegacyObject *)self)->value);
}
static PyMethodDef AfLegacy_methods[] = {
    {"twice", AfLegacy_twice, METH_NOARGS, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL}
};
static PyMemberDef AfLegacy_members[] = {
    {"value", Py_T_LONG, offsetof(AfLegacyObject, value), 0, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, 0, 0, 0, CAPICOMPAT_NULL}
};
static PyType_Slot AfLegacy_slots[] = {
    {Py_tp_repr, (void *)AfLegacy_repr},
    {Py_tp_methods, AfLegacy_methods},
    {Py_tp_members, AfLegacy_members},
    {0, CAPICOMPAT_NULL}
};
HPyDef_METH(AfLegacy_hpy_value, "hpy_value", HPyFunc_NOARGS)
static HPy AfLegacy_hpy_value_impl(HPyContext *ctx, HPy self)
{
    return HPyLong_FromLong(ctx, AfLegacyObject_AsStruct(ctx, self)->value);
}
static HPyDef *AfLegacy_defines[] = {&AfLegacy_hpy_value, CAPICOMPAT_NULL};
static HPyType_Spec AfLegacy_spec = {
    "_capicompat_allocfail_hpy.Legacy", sizeof(AfLegacyObject), 0, HPy_TPFLAGS_DEFAULT,
    HPyType_BuiltinShape_Legacy, AfLegacy_slots, AfLegacy_defines, CAPICOMPAT_NULL};

typedef struct {
    long base;
} AfAdderObject;
HPyType_HELPERS(AfAdderObject)

HPyDef_SLOT(AfAdder_call, HPy_tp_call)
static HPy AfAdder_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    (void)args;
    (void)kwnames;
    return HPyLong_FromLong(ctx, AfAdderObject_AsStruct(ctx, self)->base + (long)nargs);
}
static HPyDef *AfAdder_defines[] = {&AfAdder_call, CAPICOMPAT_NULL};
static HPyType_Spec AfAdder_spec = {
    "_capicompat_allocfail_hpy.Adder", sizeof(AfAdderObject), 0, HPy_TPFLAGS_DEFAULT, SHAPE(AfAdderObject),
    CAPICOMPAT_NULL, AfAdder_defines, CAPICOMPAT_NULL};

/* The types HPy_New's scenario needs, made once, unarmed (kept for the process: the forked
   runs inherit them). */
static HPy af_point_type, af_legacy_type, af_adder_type;

static int af_types_ready(HPyContext *ctx)
{
    if (HPy_IsNull(af_point_type)) {
        af_point_type = HPyType_FromSpec(ctx, &AfPoint_spec, CAPICOMPAT_NULL);
        af_legacy_type = HPy_IsNull(af_point_type) ? HPy_NULL : HPyType_FromSpec(ctx, &AfLegacy_spec, CAPICOMPAT_NULL);
        af_adder_type = HPy_IsNull(af_legacy_type) ? HPy_NULL : HPyType_FromSpec(ctx, &AfAdder_spec, CAPICOMPAT_NULL);
        if (HPy_IsNull(af_adder_type)) {
            return -1;
        }
    }
    return 0;
}

static int scenario_new(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    AfPointObject *p;
    AfLegacyObject *l;
    AfAdderObject *a;
    if (af_types_ready(ctx) < 0) {
        return -1;
    }
    /* the fast paths (Object and Legacy shapes) and the general one (a call function) */
    HCHECK_NEW(hp, AF_H("HPy_New", HPy_New(ctx, af_point_type, &p)));
    CHECK(p->x == 0 && p->y == 0 && HPyField_IsNull(p->obj));
    CHECK(HPy_TypeCheck(ctx, hp, af_point_type));
    HCHECK_NEW(hl, AF_H("HPy_New", HPy_New(ctx, af_legacy_type, &l)));
    CHECK(l->value == 0);
    HCHECK_NEW(ha, AF_H("HPy_New", HPy_New(ctx, af_adder_type, &a)));
    CHECK(a->base == 0);
    a->base = 40;
    HCHECK_NEW(r, HPy_Call(ctx, ha, &hp, 2, HPy_NULL));
    CHECK(value_of(ctx, r) == 42);
    HPy_Close(ctx, r);
    HPy_Close(ctx, ha);
    HPy_Close(ctx, hl);
    HPy_Close(ctx, hp);
    return 0;
}

/* an attribute of o as a long, -1000 when it cannot be had */
static long attr_value(HPyContext *ctx, HPy o, const char *name)
{
    HPy v = HPy_GetAttr_s(ctx, o, name);
    long result;
    if (HPy_IsNull(v)) {
        HPyErr_Clear(ctx);
        return -1000;
    }
    result = value_of(ctx, v);
    HPy_Close(ctx, v);
    return result;
}

/* o.name() */
static HPy call_method0(HPyContext *ctx, HPy o, const char *name)
{
    HPy method = HPy_GetAttr_s(ctx, o, name), result;
    if (HPy_IsNull(method)) {
        return HPy_NULL;
    }
    result = HPy_Call(ctx, method, CAPICOMPAT_NULL, 0, HPy_NULL);
    HPy_Close(ctx, method);
    return result;
}

static int scenario_type_from_spec(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    HPyType_SpecParam params[2];
    HCHECK_NEW(type, AF_H("HPyType_FromSpec", HPyType_FromSpec(ctx, &AfPoint_spec, CAPICOMPAT_NULL)));
    memset(params, 0, sizeof params);
    params[0].kind = HPyType_SpecParam_Base;
    params[0].object = type;
    HCHECK_NEW(sub, AF_H("HPyType_FromSpec", HPyType_FromSpec(ctx, &AfPoint3_spec, params)));
    /* the types work: construction, members, get/set, a method, a slot, the subtype */
    HCHECK_NEW(three, HPyLong_FromLong(ctx, 3));
    HCHECK_NEW(four, HPyLong_FromLong(ctx, 4));
    HPy xy[2] = {three, four};
    HCHECK_NEW(pt, HPy_Call(ctx, type, xy, 2, HPy_NULL));
    CHECK(attr_value(ctx, pt, "x") == 3 && attr_value(ctx, pt, "y") == 4 && attr_value(ctx, pt, "sum") == -1000);
    HCHECK_NEW(sum, call_method0(ctx, pt, "sum"));
    CHECK(value_of(ctx, sum) == 7);
    HCHECK_NEW(neg, HPy_Negative(ctx, pt));
    CHECK(value_of(ctx, neg) == -7);
    CHECK(HPy_SetAttr_s(ctx, pt, "obj", three) == 0);
    CHECK(attr_value(ctx, pt, "obj") == 3);
    CHECK(HPy_SetAttr_s(ctx, pt, "y", three) == -1);
    HPyErr_Clear(ctx);
    HCHECK_NEW(sub_pt, HPy_Call(ctx, sub, xy, 2, HPy_NULL));
    CHECK(HPy_TypeCheck(ctx, sub_pt, type));
    CHECK(attr_value(ctx, sub_pt, "x") == 3 && attr_value(ctx, sub_pt, "z") == 0);
    HPy_Close(ctx, sub_pt);
    HPy_Close(ctx, neg);
    HPy_Close(ctx, sum);
    HPy_Close(ctx, pt);
    HPy_Close(ctx, four);
    HPy_Close(ctx, three);
    HPy_Close(ctx, sub);
    HPy_Close(ctx, type);
    return 0;
}

static int scenario_type_from_spec_legacy(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    AfLegacyObject *l;
    HCHECK_NEW(type, AF_H("HPyType_FromSpec", HPyType_FromSpec(ctx, &AfLegacy_spec, CAPICOMPAT_NULL)));
    HCHECK_NEW(obj, HPy_New(ctx, type, &l));
    l->value = 21;
    CHECK(attr_value(ctx, obj, "value") == 21);
    HCHECK_NEW(twice, call_method0(ctx, obj, "twice"));
    CHECK(value_of(ctx, twice) == 42);
    HCHECK_NEW(hv, call_method0(ctx, obj, "hpy_value"));
    CHECK(value_of(ctx, hv) == 21);
    HCHECK_NEW(repr, HPy_Repr(ctx, obj));
    HCHECK_NEW(expected, HPyUnicode_FromString(ctx, "<legacy 21>"));
    CHECK(HPy_RichCompareBool(ctx, repr, expected, HPy_EQ) == 1);
    HPy_Close(ctx, expected);
    HPy_Close(ctx, repr);
    HPy_Close(ctx, hv);
    HPy_Close(ctx, twice);
    HPy_Close(ctx, obj);
    HPy_Close(ctx, type);
    return 0;
}

/* ---- HPy_MODINIT's module creation: the PyModuleDef it builds from an HPyModuleDef (methods,
 * legacy methods, an HPy_mod_exec slot adding a type, module state), then the module CPython
 * makes and executes from it, as an import does. */
HPyDef_METH(afmod_answer, "answer", HPyFunc_NOARGS)
static HPy afmod_answer_impl(HPyContext *ctx, HPy self)
{
    return HPyLong_FromLong(ctx, HPyModule_GetState(ctx, self) != CAPICOMPAT_NULL ? 42 : -1);
}

HPyDef_SLOT(afmod_exec, HPy_mod_exec)
static int afmod_exec_impl(HPyContext *ctx, HPy m)
{
    HPy version;
    int failed;
    if (!HPyHelpers_AddType(ctx, m, "Point", &AfPoint_spec, CAPICOMPAT_NULL)) {
        return -1;
    }
    version = HPyLong_FromLong(ctx, 7);
    if (HPy_IsNull(version)) {
        return -1;
    }
    failed = HPy_SetAttr_s(ctx, m, "version", version) < 0;
    HPy_Close(ctx, version);
    return failed ? -1 : 0;
}

static PyObject *afmod_legacy(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(13);
}
static PyMethodDef afmod_legacy_methods[] = {
    {"legacy", afmod_legacy, METH_NOARGS, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL}
};
static HPyDef *afmod_defines[] = {&afmod_answer, &afmod_exec, CAPICOMPAT_NULL};
static HPyModuleDef afmod_def = {
    .doc = "a module HPy_MODINIT makes",
    .size = 16,
    .legacy_methods = afmod_legacy_methods,
    .defines = afmod_defines,
    .globals = CAPICOMPAT_NULL,
};

/* what an import passes: an object with the module's name */
static PyObject *af_module_spec;

static int scenario_module(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    if (af_module_spec == CAPICOMPAT_NULL) {
        PyObject *types = PyImport_ImportModule("types");
        if (types == CAPICOMPAT_NULL) {
            return -1;
        }
        af_module_spec = PyObject_CallMethod(types, "SimpleNamespace", CAPICOMPAT_NULL);
        Py_DECREF(types);
        if (af_module_spec == CAPICOMPAT_NULL || PyObject_SetAttrString(af_module_spec, "name", PyUnicode_FromString("_af_hpy_module")) < 0) {
            return -1;
        }
    }
    /* HPy_MODINIT(_af_hpy_module, afmod_def)'s PyInit body: a new definition each time */
    PyObject *def = AF_O("HPy_MODINIT", capicompat_hpy_modinit(&afmod_def, "_af_hpy_module"));
    CHECK(def != CAPICOMPAT_NULL);
    PyObject *module = AF_O("HPy_MODINIT/PyModule_FromDefAndSpec",
                            PyModule_FromDefAndSpec((PyModuleDef *)def, af_module_spec));
    CHECK(module != CAPICOMPAT_NULL);
    CHECK(AF_I("HPy_MODINIT/PyModule_ExecDef", PyModule_ExecDef(module, (PyModuleDef *)def)) == 0);
    /* what the definition promised is there */
    HPy hm = HPy_FromPyObject(ctx, module);
    CHECK(attr_value(ctx, hm, "version") == 7);
    HCHECK_NEW(answer, call_method0(ctx, hm, "answer"));
    CHECK(value_of(ctx, answer) == 42);
    HCHECK_NEW(legacy, call_method0(ctx, hm, "legacy"));
    CHECK(value_of(ctx, legacy) == 13);
    HCHECK_NEW(point, HPy_GetAttr_s(ctx, hm, "Point"));
    CHECK(HPy_TypeCheck(ctx, point, ctx->h_TypeType));
    HPy_Close(ctx, point);
    HPy_Close(ctx, legacy);
    HPy_Close(ctx, answer);
    HPy_Close(ctx, hm);
    Py_DECREF(module);
    return 0;
}

/* ---- argument parsing: every unit kind that converts, the tracker, keywords as names
 * (vectorcall) and as a dict, an error report; and packing vectorcall arguments */
static int scenario_arg_parse(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    HPyTracker ht;
    long a = 0;
    double d = 0.0;
    const char *text = CAPICOMPAT_NULL;
    HPy o = HPy_NULL;
    HCHECK_NEW(i, HPyLong_FromLong(ctx, 6000006));
    HCHECK_NEW(f, HPyFloat_FromDouble(ctx, 2.5));
    HCHECK_NEW(s, HPyUnicode_FromString(ctx, "a text not yet converted to UTF-8 \xc3\xa9"));
    HCHECK_NEW(l, HPyList_New(ctx, 0));
    HPy args[4] = {i, f, s, l};
    CHECK(AF_P("HPyArg_Parse", HPyArg_Parse(ctx, &ht, args, 4, "ldsO:parse", &a, &d, &text, &o)) == 1);
    CHECK(a == 6000006 && d == 2.5 && strcmp(text, "a text not yet converted to UTF-8 \xc3\xa9") == 0 && HPy_Is(ctx, o, l));
    HPyTracker_Close(ctx, ht);
    /* an error to report: too many arguments (a TypeError, or the MemoryError making it) */
    CHECK(AF_P("HPyArg_Parse", HPyArg_Parse(ctx, CAPICOMPAT_NULL, args, 4, "l:parse", &a)) == 0);
    CHECK(HPyErr_ExceptionMatches(ctx, ctx->h_TypeError));
    HPyErr_Clear(ctx);
    HPy_Close(ctx, l);
    HPy_Close(ctx, s);
    HPy_Close(ctx, f);
    HPy_Close(ctx, i);
    return 0;
}

static int scenario_arg_parse_keywords(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    static const char *keywords[] = {"a", "b", "c", CAPICOMPAT_NULL};
    HPyTracker ht;
    long a = 0, b = 0;
    HPy c = HPy_NULL;
    HCHECK_NEW(one, HPyLong_FromLong(ctx, 7000001));
    HCHECK_NEW(two, HPyLong_FromLong(ctx, 7000002));
    HCHECK_NEW(three, HPyUnicode_FromString(ctx, "three"));
    HCHECK_NEW(kwnames, HPy_BuildValue(ctx, "(ss)", "c", "b"));
    /* a positionally, c and b by keyword (vectorcall: values after the positional ones) */
    HPy args[3] = {one, three, two};
    CHECK(AF_P("HPyArg_ParseKeywords",
               HPyArg_ParseKeywords(ctx, &ht, args, 1, kwnames, "l|lO:kw", keywords, &a, &b, &c)) == 1);
    CHECK(a == 7000001 && b == 7000002 && HPy_Is(ctx, c, three));
    HPyTracker_Close(ctx, ht);
    /* the same as a dict (tp_new/tp_init style) */
    HCHECK_NEW(kw, HPyDict_New(ctx));
    CHECK(HPy_SetItem_s(ctx, kw, "b", two) == 0 && HPy_SetItem_s(ctx, kw, "c", three) == 0);
    a = b = 0;
    c = HPy_NULL;
    CHECK(AF_P("HPyArg_ParseKeywordsDict",
               HPyArg_ParseKeywordsDict(ctx, &ht, args, 1, kw, "l|lO:kw", keywords, &a, &b, &c)) == 1);
    CHECK(a == 7000001 && b == 7000002 && HPy_Is(ctx, c, three));
    HPyTracker_Close(ctx, ht);
    /* a required argument missing: a TypeError (or the MemoryError making it) */
    CHECK(AF_P("HPyArg_ParseKeywordsDict",
               HPyArg_ParseKeywordsDict(ctx, CAPICOMPAT_NULL, args, 0, kw, "l|lO:kw", keywords, &a, &b, &c)) == 0);
    CHECK(HPyErr_ExceptionMatches(ctx, ctx->h_TypeError));
    HPyErr_Clear(ctx);
    /* the vectorcall arguments as a tuple and a dict */
    HPy packed_args = HPy_NULL, packed_kw = HPy_NULL;
    CHECK(AF_P("HPyHelpers_PackArgsAndKeywords",
               HPyHelpers_PackArgsAndKeywords(ctx, args, 1, kwnames, &packed_args, &packed_kw)) == 1);
    CHECK(HPy_Length(ctx, packed_args) == 1 && HPy_Length(ctx, packed_kw) == 2);
    HCHECK_NEW(got_b, HPy_GetItem_s(ctx, packed_kw, "b"));
    CHECK(value_of(ctx, got_b) == 7000002);
    HPy_Close(ctx, got_b);
    HPy_Close(ctx, packed_kw);
    HPy_Close(ctx, packed_args);
    HPy_Close(ctx, kw);
    HPy_Close(ctx, kwnames);
    HPy_Close(ctx, three);
    HPy_Close(ctx, two);
    HPy_Close(ctx, one);
    return 0;
}

/* ---- HPyTuple_Pack and struct sequences */
static HPyStructSequence_Field af_seq_fields[] = {{"first", "the first"}, {"second", CAPICOMPAT_NULL}, {CAPICOMPAT_NULL, CAPICOMPAT_NULL}};
static HPyStructSequence_Desc af_seq_desc = {"_capicompat_allocfail_hpy.Pair", "a pair", af_seq_fields};

static int scenario_pack_and_struct_sequence(void)
{
    HPyContext *ctx = capicompat_hpy_ctx();
    HCHECK_NEW(a, HPyLong_FromLong(ctx, 8000008));
    HCHECK_NEW(b, HPyUnicode_FromString(ctx, "b"));
    HCHECK_NEW(t, AF_H("HPyTuple_Pack", HPyTuple_Pack(ctx, 3, a, b, a)));
    CHECK(HPy_Length(ctx, t) == 3);
    HCHECK_NEW(type, AF_H("HPyStructSequence_NewType", HPyStructSequence_NewType(ctx, &af_seq_desc)));
    HPy items[2] = {a, b};
    HCHECK_NEW(pair, AF_H("HPyStructSequence_New", HPyStructSequence_New(ctx, type, 2, items)));
    CHECK(attr_value(ctx, pair, "first") == 8000008);
    HPy_Close(ctx, pair);
    HPy_Close(ctx, type);
    HPy_Close(ctx, t);
    HPy_Close(ctx, b);
    HPy_Close(ctx, a);
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
    {"HPy: HPy_New", scenario_new},
    {"HPy: HPyType_FromSpec", scenario_type_from_spec},
    {"HPy: HPyType_FromSpec (legacy)", scenario_type_from_spec_legacy},
    {"HPy: HPy_MODINIT module creation", scenario_module},
    {"HPy: HPyArg_Parse", scenario_arg_parse},
    {"HPy: HPyArg_ParseKeywords and PackArgsAndKeywords", scenario_arg_parse_keywords},
    {"HPy: HPyTuple_Pack and struct sequences", scenario_pack_and_struct_sequence},
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
