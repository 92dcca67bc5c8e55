/* A realistic HPy-style extension, written against HPy 0.9's API only (plus module state,
 * which HPy 0.9 lacks): it builds with capi_compat.h's HPy layer alone, on every CPython
 * from 3.10 and on PyPy. scripts/test.sh runs
 *     capi-compat matrix --hpy --cflag=-DHPY --cflag=-DHPY_ABI_CPYTHON \
 *         tests/c/hpy-example/_hpy_example.c -- python -m unittest discover -s tests/c/hpy-example
 * (the two -D flags are the ones HPy's own build adds), and again in debug mode
 * (--cflag=-DCAPI_COMPAT_HPY_DEBUG) through run_debug_checked.py, which fails if the debug
 * layer reports anything.
 *
 * The module `_hpy_example` has
 *   - Vec(x=0.0, y=0.0, label=None): a GC type holding an object (an HPyField) and two
 *     doubles; members x and y, a `label` getset, a read-only `norm` getter; methods
 *     scaled(factor) and with_label(label, *, upper=False); + and - and unary -, ==/!=,
 *     bool(), repr(), hash(); destroyed instances are counted;
 *   - Counter: a pure type with no GC, callable (HPy_tp_call through HPyDef_CALL_FUNCTION);
 *   - ExampleError, a module exception;
 *   - functions: dot(a, b), describe(obj), count() (module state), destroyed(), execs()
 *     (an HPyGlobal), pack(*args, **kwargs) (HPy_BuildValue), make_list(n) (a builder). */
#include "hpy.h" /* HPy code includes only hpy.h, which brings Python.h */
#include <math.h>
#include <stddef.h>
#include <string.h>

/* ---- Vec ---- */

typedef struct {
    double x, y;
    HPyField label;
} VecObject;

HPyType_HELPERS(VecObject)

/* Module state (our extension of HPy): how many times count() was called. */
typedef struct {
    long calls;
} ExampleState;

static long vec_destroyed = 0;
/* Process-wide, like a C static: the names of the modules this extension initialised (a
 * second module object from the same spec has its own state and types, but shares this). */
static HPyGlobal exec_log;

HPyDef_SLOT(Vec_new, HPy_tp_new)
static HPy Vec_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw) {
    static const char *kwlist[] = {"x", "y", "label", CAPICOMPAT_NULL};
    double x = 0.0, y = 0.0;
    HPy label = HPy_NULL;
    HPyTracker ht;
    VecObject *v;
    HPy h;
    if (!HPyArg_ParseKeywordsDict(ctx, &ht, args, nargs, kw, "|ddO:Vec", kwlist, &x, &y, &label)) {
        return HPy_NULL;
    }
    h = HPy_New(ctx, cls, &v);
    if (HPy_IsNull(h)) {
        HPyTracker_Close(ctx, ht);
        return HPy_NULL;
    }
    v->x = x;
    v->y = y;
    if (!HPy_IsNull(label) && !HPy_Is(ctx, label, ctx->h_None)) {
        HPyField_Store(ctx, h, &v->label, label);
    }
    HPyTracker_Close(ctx, ht);
    return h;
}

HPyDef_SLOT(Vec_traverse, HPy_tp_traverse)
static int Vec_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg) {
    VecObject *v = (VecObject *)self;
    HPy_VISIT(&v->label);
    return 0;
}

HPyDef_SLOT(Vec_destroy, HPy_tp_destroy)
static void Vec_destroy_impl(void *self) {
    (void)self;
    vec_destroyed++;
}

HPyDef_MEMBER(Vec_x, "x", HPyMember_DOUBLE, offsetof(VecObject, x), .doc = "the x coordinate")
HPyDef_MEMBER(Vec_y, "y", HPyMember_DOUBLE, offsetof(VecObject, y), .doc = "the y coordinate")

HPyDef_GETSET(Vec_label, "label", .doc = "any object, or None")
static HPy Vec_label_get(HPyContext *ctx, HPy self, void *closure) {
    VecObject *v = VecObject_AsStruct(ctx, self);
    (void)closure;
    if (HPyField_IsNull(v->label)) return HPy_Dup(ctx, ctx->h_None);
    return HPyField_Load(ctx, self, v->label);
}

static int Vec_label_set(HPyContext *ctx, HPy self, HPy value, void *closure) {
    VecObject *v = VecObject_AsStruct(ctx, self);
    (void)closure;
    if (HPy_IsNull(value)) {
        HPyErr_SetString(ctx, ctx->h_AttributeError, "cannot delete the label; set it to None");
        return -1;
    }
    HPyField_Store(ctx, self, &v->label, HPy_Is(ctx, value, ctx->h_None) ? HPy_NULL : value);
    return 0;
}

HPyDef_GET(Vec_norm, "norm", .doc = "the Euclidean length")
static HPy Vec_norm_get(HPyContext *ctx, HPy self, void *closure) {
    VecObject *v = VecObject_AsStruct(ctx, self);
    (void)closure;
    return HPyFloat_FromDouble(ctx, sqrt(v->x * v->x + v->y * v->y));
}

/* A new Vec of the same type as `like`, with the same label. */
static HPy vec_make(HPyContext *ctx, HPy like, double x, double y) {
    HPy type = HPy_Type(ctx, like);
    VecObject *src = VecObject_AsStruct(ctx, like), *dst;
    HPy h = HPy_New(ctx, type, &dst);
    HPy_Close(ctx, type);
    if (HPy_IsNull(h)) return HPy_NULL;
    dst->x = x;
    dst->y = y;
    if (!HPyField_IsNull(src->label)) {
        HPy label = HPyField_Load(ctx, like, src->label);
        HPyField_Store(ctx, h, &dst->label, label);
        HPy_Close(ctx, label);
    }
    return h;
}

HPyDef_METH(Vec_scaled, "scaled", HPyFunc_O, .doc = "scaled(factor) -> a new Vec")
static HPy Vec_scaled_impl(HPyContext *ctx, HPy self, HPy arg) {
    VecObject *v = VecObject_AsStruct(ctx, self);
    double f = HPyFloat_AsDouble(ctx, arg);
    if (f == -1.0 && HPyErr_Occurred(ctx)) return HPy_NULL;
    return vec_make(ctx, self, v->x * f, v->y * f);
}

HPyDef_METH(Vec_with_label, "with_label", HPyFunc_KEYWORDS,
            .doc = "with_label(label, *, upper=False) -> a new Vec; a str label is upper-cased on request")
static HPy Vec_with_label_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames) {
    static const char *kwlist[] = {"label", "upper", CAPICOMPAT_NULL};
    HPy label, result, stored;
    int upper = 0;
    HPyTracker ht;
    VecObject *dst;
    if (!HPyArg_ParseKeywords(ctx, &ht, args, nargs, kwnames, "O|$p:with_label", kwlist, &label, &upper)) {
        return HPy_NULL;
    }
    result = vec_make(ctx, self, VecObject_AsStruct(ctx, self)->x, VecObject_AsStruct(ctx, self)->y);
    if (HPy_IsNull(result)) {
        HPyTracker_Close(ctx, ht);
        return HPy_NULL;
    }
    if (upper && HPyUnicode_Check(ctx, label)) {
        HPy name = HPyUnicode_FromString(ctx, "upper");
        stored = HPy_IsNull(name) ? HPy_NULL : HPy_CallMethod(ctx, name, &label, 1, HPy_NULL);
        HPy_Close(ctx, name);
    } else {
        stored = HPy_Dup(ctx, label);
    }
    HPyTracker_Close(ctx, ht);
    if (HPy_IsNull(stored)) {
        HPy_Close(ctx, result);
        return HPy_NULL;
    }
    dst = VecObject_AsStruct(ctx, result);
    HPyField_Store(ctx, result, &dst->label, stored);
    HPy_Close(ctx, stored);
    return result;
}

/* a + b and a - b: both operands must be instances of a's type, else NotImplemented. */
static HPy vec_binary(HPyContext *ctx, HPy a, HPy b, double sign) {
    HPy type = HPy_Type(ctx, a);
    int ok = HPy_TypeCheck(ctx, b, type);
    VecObject *va, *vb;
    HPy_Close(ctx, type);
    if (!ok) return HPy_Dup(ctx, ctx->h_NotImplemented);
    va = VecObject_AsStruct(ctx, a);
    vb = VecObject_AsStruct(ctx, b);
    return vec_make(ctx, a, va->x + sign * vb->x, va->y + sign * vb->y);
}

HPyDef_SLOT(Vec_add, HPy_nb_add)
static HPy Vec_add_impl(HPyContext *ctx, HPy a, HPy b) {
    return vec_binary(ctx, a, b, 1.0);
}

HPyDef_SLOT(Vec_sub, HPy_nb_subtract)
static HPy Vec_sub_impl(HPyContext *ctx, HPy a, HPy b) {
    return vec_binary(ctx, a, b, -1.0);
}

HPyDef_SLOT(Vec_neg, HPy_nb_negative)
static HPy Vec_neg_impl(HPyContext *ctx, HPy self) {
    VecObject *v = VecObject_AsStruct(ctx, self);
    return vec_make(ctx, self, -v->x, -v->y);
}

HPyDef_SLOT(Vec_bool, HPy_nb_bool)
static int Vec_bool_impl(HPyContext *ctx, HPy self) {
    VecObject *v = VecObject_AsStruct(ctx, self);
    return v->x != 0.0 || v->y != 0.0;
}

HPyDef_SLOT(Vec_richcompare, HPy_tp_richcompare)
static HPy Vec_richcompare_impl(HPyContext *ctx, HPy self, HPy other, HPy_RichCmpOp op) {
    HPy type = HPy_Type(ctx, self);
    int same_type = HPy_TypeCheck(ctx, other, type);
    VecObject *a, *b;
    int equal;
    HPy_Close(ctx, type);
    if (!same_type || (op != HPy_EQ && op != HPy_NE)) return HPy_Dup(ctx, ctx->h_NotImplemented);
    a = VecObject_AsStruct(ctx, self);
    b = VecObject_AsStruct(ctx, other);
    equal = a->x == b->x && a->y == b->y;
    HPy_RETURN_RICHCOMPARE(ctx, equal, 1, op);
}

HPyDef_SLOT(Vec_hash, HPy_tp_hash)
static HPy_hash_t Vec_hash_impl(HPyContext *ctx, HPy self) {
    VecObject *v = VecObject_AsStruct(ctx, self);
    HPy t = HPy_BuildValue(ctx, "(dd)", v->x, v->y);
    HPy_hash_t h;
    if (HPy_IsNull(t)) return -1;
    h = HPy_Hash(ctx, t);
    HPy_Close(ctx, t);
    return h;
}

HPyDef_SLOT(Vec_repr, HPy_tp_repr)
static HPy Vec_repr_impl(HPyContext *ctx, HPy self) {
    VecObject *v = VecObject_AsStruct(ctx, self);
    HPy x = HPyFloat_FromDouble(ctx, v->x), y = HPyFloat_FromDouble(ctx, v->y), label, result;
    label = HPyField_IsNull(v->label) ? HPy_Dup(ctx, ctx->h_None) : HPyField_Load(ctx, self, v->label);
    result = HPyUnicode_FromFormat(ctx, "Vec(%R, %R, label=%R)", x, y, label);
    HPy_Close(ctx, x);
    HPy_Close(ctx, y);
    HPy_Close(ctx, label);
    return result;
}

static HPyDef *Vec_defines[] = {
    &Vec_new, &Vec_traverse, &Vec_destroy, &Vec_x, &Vec_y, &Vec_label, &Vec_norm, &Vec_scaled,
    &Vec_with_label, &Vec_add, &Vec_sub, &Vec_neg, &Vec_bool, &Vec_richcompare, &Vec_hash, &Vec_repr,
    CAPICOMPAT_NULL,
};

static HPyType_Spec Vec_spec = {
    .name = "_hpy_example.Vec",
    .basicsize = sizeof(VecObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
    .builtin_shape = SHAPE(VecObject),
    .defines = Vec_defines,
    .doc = "Vec(x=0.0, y=0.0, label=None): a 2-D vector with a label",
};

/* ---- Counter: callable through HPy_tp_call ---- */

typedef struct {
    long calls;
} CounterObject;

HPyType_HELPERS(CounterObject)

HPyDef_SLOT(Counter_new, HPy_tp_new)
static HPy Counter_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw) {
    CounterObject *c;
    HPy h;
    (void)args;
    if (nargs != 0 || (!HPy_IsNull(kw) && HPy_Length(ctx, kw) != 0)) {
        return HPyErr_SetString(ctx, ctx->h_TypeError, "Counter() takes no arguments");
    }
    h = HPy_New(ctx, cls, &c);
    return h;
}

HPyDef_SLOT(Counter_call, HPy_tp_call)
static HPy Counter_call_impl(HPyContext *ctx, HPy callable, const HPy *args, size_t nargs, HPy kwnames) {
    CounterObject *c = CounterObject_AsStruct(ctx, callable);
    long step = 1;
    HPyTracker ht;
    static const char *kwlist[] = {"step", CAPICOMPAT_NULL};
    if (!HPyArg_ParseKeywords(ctx, &ht, args, nargs, kwnames, "|l:Counter.__call__", kwlist, &step)) {
        return HPy_NULL;
    }
    HPyTracker_Close(ctx, ht);
    c->calls += step;
    return HPyLong_FromLong(ctx, c->calls);
}

HPyDef_MEMBER(Counter_calls, "calls", HPyMember_LONG, offsetof(CounterObject, calls), .readonly = 1)

static HPyDef *Counter_defines[] = {&Counter_new, &Counter_call, &Counter_calls, CAPICOMPAT_NULL};

static HPyType_Spec Counter_spec = {
    .name = "_hpy_example.Counter",
    .basicsize = sizeof(CounterObject),
    .flags = HPy_TPFLAGS_DEFAULT,
    .builtin_shape = SHAPE(CounterObject),
    .defines = Counter_defines,
};

/* ---- module functions ---- */

HPyDef_METH(dot, "dot", HPyFunc_VARARGS, .doc = "dot(a, b) -> the dot product of two Vec objects")
static HPy dot_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs) {
    HPy a, b, type;
    VecObject *va, *vb;
    int ok;
    if (!HPyArg_Parse(ctx, CAPICOMPAT_NULL, args, nargs, "OO:dot", &a, &b)) return HPy_NULL;
    /* This module's own Vec (each module object made from the spec has its own types). */
    type = HPy_GetAttr_s(ctx, self, "Vec");
    if (HPy_IsNull(type)) return HPy_NULL;
    ok = HPy_TypeCheck(ctx, a, type) && HPy_TypeCheck(ctx, b, type);
    HPy_Close(ctx, type);
    if (!ok) return HPyErr_SetString(ctx, ctx->h_TypeError, "dot() needs two Vec objects");
    va = VecObject_AsStruct(ctx, a);
    vb = VecObject_AsStruct(ctx, b);
    return HPyFloat_FromDouble(ctx, va->x * vb->x + va->y * vb->y);
}

HPyDef_METH(describe, "describe", HPyFunc_O, .doc = "describe(obj) -> a str; raises ExampleError for None")
static HPy describe_impl(HPyContext *ctx, HPy self, HPy obj) {
    HPy error;
    if (HPy_Is(ctx, obj, ctx->h_None)) {
        error = HPy_GetAttr_s(ctx, self, "ExampleError");
        if (HPy_IsNull(error)) return HPy_NULL;
        HPyErr_SetString(ctx, error, "nothing to describe");
        HPy_Close(ctx, error);
        return HPy_NULL;
    }
    if (HPyNumber_Check(ctx, obj)) return HPyUnicode_FromFormat(ctx, "number %S", obj);
    if (HPyList_Check(ctx, obj) || HPyTuple_Check(ctx, obj)) {
        HPy_ssize_t n = HPy_Length(ctx, obj);
        if (n < 0) return HPy_NULL;
        return HPyUnicode_FromFormat(ctx, "sequence of %zd", n);
    }
    return HPyUnicode_FromFormat(ctx, "object %R", obj);
}

HPyDef_METH(count, "count", HPyFunc_NOARGS, .doc = "count() -> how many times count() was called (module state)")
static HPy count_impl(HPyContext *ctx, HPy self) {
    ExampleState *state = (ExampleState *)HPyModule_GetState(ctx, self);
    if (state == CAPICOMPAT_NULL) return HPy_NULL;
    state->calls++;
    return HPyLong_FromLong(ctx, state->calls);
}

HPyDef_METH(destroyed, "destroyed", HPyFunc_NOARGS, .doc = "destroyed() -> how many Vec objects were destroyed")
static HPy destroyed_impl(HPyContext *ctx, HPy self) {
    (void)self;
    return HPyLong_FromLong(ctx, vec_destroyed);
}

HPyDef_METH(execs, "execs", HPyFunc_NOARGS, .doc = "execs() -> the names of the modules initialised so far")
static HPy execs_impl(HPyContext *ctx, HPy self) {
    HPy log = HPyGlobal_Load(ctx, exec_log);
    (void)self;
    return HPy_IsNull(log) ? HPyList_New(ctx, 0) : log;
}

HPyDef_METH(pack, "pack", HPyFunc_KEYWORDS, .doc = "pack(*args, **kwargs) -> (args, kwargs, summary)")
static HPy pack_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames) {
    HPy tuple, dict, result;
    (void)self;
    if (!HPyHelpers_PackArgsAndKeywords(ctx, args, nargs, kwnames, &tuple, &dict)) return HPy_NULL;
    /* HPy_NULL stands for no positional or no keyword arguments. */
    if (HPy_IsNull(tuple)) tuple = HPyTuple_FromArray(ctx, CAPICOMPAT_NULL, 0);
    if (HPy_IsNull(dict)) dict = HPyDict_New(ctx);
    result = HPy_BuildValue(ctx, "(OO[is])", tuple, dict, (int)nargs, "summary");
    HPy_Close(ctx, tuple);
    HPy_Close(ctx, dict);
    return result;
}

HPyDef_METH(make_list, "make_list", HPyFunc_O, .doc = "make_list(n) -> [0, 1, ..., n-1] via HPyListBuilder")
static HPy make_list_impl(HPyContext *ctx, HPy self, HPy arg) {
    HPy_ssize_t n = HPyLong_AsSsize_t(ctx, arg), i;
    HPyListBuilder builder;
    (void)self;
    if (n == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
    if (n < 0) return HPyErr_SetString(ctx, ctx->h_ValueError, "n must be >= 0");
    builder = HPyListBuilder_New(ctx, n);
    for (i = 0; i < n; i++) {
        HPy item = HPyLong_FromSsize_t(ctx, i);
        if (HPy_IsNull(item)) {
            HPyListBuilder_Cancel(ctx, builder);
            return HPy_NULL;
        }
        HPyListBuilder_Set(ctx, builder, i, item);
        HPy_Close(ctx, item);
    }
    return HPyListBuilder_Build(ctx, builder);
}

HPyDef_SLOT(example_exec, HPy_mod_exec)
static int example_exec_impl(HPyContext *ctx, HPy module) {
    ExampleState *state = (ExampleState *)HPyModule_GetState(ctx, module);
    HPy error, log, name;
    int rc;
    if (state == CAPICOMPAT_NULL || state->calls != 0) {
        HPyErr_SetString(ctx, ctx->h_SystemError, "module state missing or not zeroed");
        return -1;
    }
    if (!HPyHelpers_AddType(ctx, module, "Vec", &Vec_spec, CAPICOMPAT_NULL)) return -1;
    if (!HPyHelpers_AddType(ctx, module, "Counter", &Counter_spec, CAPICOMPAT_NULL)) return -1;
    error = HPyErr_NewException(ctx, "_hpy_example.ExampleError", ctx->h_ValueError, HPy_NULL);
    if (HPy_IsNull(error)) return -1;
    rc = HPy_SetAttr_s(ctx, module, "ExampleError", error);
    HPy_Close(ctx, error);
    if (rc < 0) return -1;
    log = HPyGlobal_Load(ctx, exec_log);
    if (HPy_IsNull(log)) {
        log = HPyList_New(ctx, 0);
        if (HPy_IsNull(log)) return -1;
        HPyGlobal_Store(ctx, &exec_log, log);
    }
    name = HPy_GetAttr_s(ctx, module, "__name__");
    rc = HPy_IsNull(name) ? -1 : HPyList_Append(ctx, log, name);
    HPy_Close(ctx, name);
    HPy_Close(ctx, log);
    return rc;
}

static HPyDef *module_defines[] = {
    &dot, &describe, &count, &destroyed, &execs, &pack, &make_list, &example_exec, CAPICOMPAT_NULL,
};

static HPyGlobal *module_globals[] = {&exec_log, CAPICOMPAT_NULL};

static HPyModuleDef moduledef = {
    .doc = "A realistic HPy-style extension built on capi_compat.h",
    .size = sizeof(ExampleState),
    .defines = module_defines,
    .globals = module_globals,
};

HPy_MODINIT(_hpy_example, moduledef)
