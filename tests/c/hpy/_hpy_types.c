/* HPy definition machinery, written as HPy code: an HPy_MODINIT module (multi-phase init,
 * module state, HPy_mod_exec) whose types are made by HPyType_FromSpec from HPyDef_* macros.
 * generator/tests/hpy.rs builds it on every interpreter (C99, and C++11 syntax only) and runs
 * tests/c/hpy/check_types.py. */
#include <Python.h>

/* The trampoline hooks a debug mode would define: here they count, to check that every
 * trampoline enters and leaves once. */
static long hook_enters = 0;
static long hook_leaves = 0;
#define CAPICOMPAT_HPY_TRAMPOLINE_ENTER() ((void)hook_enters++)
#define CAPICOMPAT_HPY_TRAMPOLINE_LEAVE() ((void)hook_leaves++)

#include "hpy.h"
#include <string.h>

static long destroyed = 0;
static long released = 0;
static long finalized = 0;

static HPy new_long(HPyContext *ctx, long v) {
    return HPyLong_FromLong(ctx, v);
}

/* ---- Point: a pure type (Object shape), GC, with an HPyField */
typedef struct {
    long x;
    long y;
    HPyField obj;
} PointObject;
HPyType_HELPERS(PointObject)

HPyDef_SLOT(Point_new, HPy_tp_new)
static HPy Point_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw) {
    PointObject *p;
    HPy h;
    if (nargs != 2 || (!HPy_IsNull(kw) && HPy_Length(ctx, kw) > 0)) {
        return HPyErr_SetString(ctx, ctx->h_TypeError, "Point(x, y)");
    }
    h = HPy_New(ctx, cls, &p);
    if (HPy_IsNull(h)) return h;
    if (p->x != 0 || p->y != 0 || !HPyField_IsNull(p->obj)) {
        HPy_Close(ctx, h);
        return HPyErr_SetString(ctx, ctx->h_SystemError, "HPy_New did not zero the struct");
    }
    p->x = HPyLong_AsLong(ctx, args[0]);
    p->y = HPyLong_AsLong(ctx, args[1]);
    if (HPyErr_Occurred(ctx)) {
        HPy_Close(ctx, h);
        return HPy_NULL;
    }
    return h;
}

HPyDef_SLOT(Point_traverse, HPy_tp_traverse)
static int Point_traverse_impl(void *object, HPyFunc_visitproc visit, void *arg) {
    PointObject *p = (PointObject *)object;
    HPy_VISIT(&p->obj);
    return 0;
}

HPyDef_SLOT(Point_destroy, HPy_tp_destroy)
static void Point_destroy_impl(void *object) {
    (void)object;
    destroyed++;
}

HPyDef_MEMBER(Point_x, "x", HPyMember_LONG, offsetof(PointObject, x))
HPyDef_MEMBER(Point_y, "y", HPyMember_LONG, offsetof(PointObject, y), .readonly = 1, .doc = "the y coordinate")

HPyDef_MEMBER(Point_obj_member, "obj_member", HPyMember_OBJECT, offsetof(PointObject, obj), .readonly = 1)
HPyDef_MEMBER(Point_obj_ex, "OBJECT_EX_member", HPyMember_OBJECT_EX, offsetof(PointObject, obj), .readonly = 1)

HPyDef_GETSET(Point_obj, "obj", .doc = "an object kept in an HPyField")
static HPy Point_obj_get(HPyContext *ctx, HPy self, void *closure) {
    PointObject *p = PointObject_AsStruct(ctx, self);
    (void)closure;
    if (HPyField_IsNull(p->obj)) return HPy_Dup(ctx, ctx->h_None);
    return HPyField_Load(ctx, self, p->obj);
}
static int Point_obj_set(HPyContext *ctx, HPy self, HPy value, void *closure) {
    PointObject *p = PointObject_AsStruct(ctx, self);
    (void)closure;
    HPyField_Store(ctx, self, &p->obj, value);
    return 0;
}

HPyDef_GET(Point_scaled, "scaled", .doc = "x times the closure", .closure = (void *)(intptr_t)3)
static HPy Point_scaled_get(HPyContext *ctx, HPy self, void *closure) {
    return new_long(ctx, PointObject_AsStruct(ctx, self)->x * (long)(intptr_t)closure);
}

HPyDef_SET(Point_setx, "setx")
static int Point_setx_set(HPyContext *ctx, HPy self, HPy value, void *closure) {
    long v;
    (void)closure;
    if (HPy_IsNull(value)) {
        HPyErr_SetString(ctx, ctx->h_AttributeError, "cannot delete setx");
        return -1;
    }
    v = HPyLong_AsLong(ctx, value);
    if (v == -1 && HPyErr_Occurred(ctx)) return -1;
    PointObject_AsStruct(ctx, self)->x = v;
    return 0;
}

HPyDef_METH(Point_norm1, "norm1", HPyFunc_NOARGS, .doc = "|x| + |y|")
static HPy Point_norm1_impl(HPyContext *ctx, HPy self) {
    PointObject *p = PointObject_AsStruct(ctx, self);
    return new_long(ctx, labs(p->x) + labs(p->y));
}

HPyDef_METH(Point_times, "times", HPyFunc_O)
static HPy Point_times_impl(HPyContext *ctx, HPy self, HPy arg) {
    PointObject *p = PointObject_AsStruct(ctx, self);
    long k = HPyLong_AsLong(ctx, arg);
    if (k == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
    return new_long(ctx, (p->x + p->y) * k);
}

/* move(dx, dy) -> x + dx + y + dy, arguments parsed by hand */
HPyDef_METH(Point_move, "move", HPyFunc_VARARGS)
static HPy Point_move_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs) {
    PointObject *p = PointObject_AsStruct(ctx, self);
    long dx, dy;
    if (nargs != 2) return HPyErr_SetString(ctx, ctx->h_TypeError, "move(dx, dy)");
    dx = HPyLong_AsLong(ctx, args[0]);
    dy = HPyLong_AsLong(ctx, args[1]);
    if (HPyErr_Occurred(ctx)) return HPy_NULL;
    return new_long(ctx, p->x + dx + p->y + dy);
}

/* count(*args, **kw) -> nargs * 100 + number of keywords + the sum of the keyword values */
HPyDef_METH(Point_count, "count", HPyFunc_KEYWORDS)
static HPy Point_count_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames) {
    HPy_ssize_t nkw = 0, i;
    long total = 0;
    (void)self;
    if (!HPy_IsNull(kwnames)) nkw = HPy_Length(ctx, kwnames);
    for (i = 0; i < nkw; i++) {
        long v = HPyLong_AsLong(ctx, args[nargs + (size_t)i]);
        if (v == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
        total += v;
    }
    return new_long(ctx, (long)nargs * 100 + (long)nkw + total);
}

HPyDef_SLOT(Point_add, HPy_nb_add)
static HPy Point_add_impl(HPyContext *ctx, HPy a, HPy b) {
    HPy type = HPy_Type(ctx, a), result;
    PointObject *pa, *pb, *pr;
    if (!HPy_TypeCheck(ctx, b, type)) {
        HPy_Close(ctx, type);
        return HPy_Dup(ctx, ctx->h_NotImplemented);
    }
    pa = PointObject_AsStruct(ctx, a);
    pb = PointObject_AsStruct(ctx, b);
    result = HPy_New(ctx, type, &pr);
    HPy_Close(ctx, type);
    if (HPy_IsNull(result)) return result;
    pr->x = pa->x + pb->x;
    pr->y = pa->y + pb->y;
    return result;
}

HPyDef_SLOT(Point_neg, HPy_nb_negative)
static HPy Point_neg_impl(HPyContext *ctx, HPy a) {
    PointObject *p = PointObject_AsStruct(ctx, a);
    return new_long(ctx, -(p->x + p->y));
}

HPyDef_SLOT(Point_bool, HPy_nb_bool)
static int Point_bool_impl(HPyContext *ctx, HPy a) {
    PointObject *p = PointObject_AsStruct(ctx, a);
    return p->x != 0 || p->y != 0;
}

HPyDef_SLOT(Point_len, HPy_sq_length)
static HPy_ssize_t Point_len_impl(HPyContext *ctx, HPy a) {
    (void)ctx;
    (void)a;
    return 2;
}

HPyDef_SLOT(Point_item, HPy_sq_item)
static HPy Point_item_impl(HPyContext *ctx, HPy a, HPy_ssize_t i) {
    PointObject *p = PointObject_AsStruct(ctx, a);
    if (i == 0) return new_long(ctx, p->x);
    if (i == 1) return new_long(ctx, p->y);
    return HPyErr_SetString(ctx, ctx->h_IndexError, "Point index out of range");
}

HPyDef_SLOT(Point_hash, HPy_tp_hash)
static HPy_hash_t Point_hash_impl(HPyContext *ctx, HPy a) {
    PointObject *p = PointObject_AsStruct(ctx, a);
    return (HPy_hash_t)(p->x * 1000 + p->y);
}

HPyDef_SLOT(Point_repr, HPy_tp_repr)
static HPy Point_repr_impl(HPyContext *ctx, HPy a) {
    PointObject *p = PointObject_AsStruct(ctx, a);
    char buf[64];
    PyOS_snprintf(buf, sizeof buf, "Point(%ld, %ld)", p->x, p->y);
    return HPyUnicode_FromString(ctx, buf);
}

HPyDef_SLOT(Point_richcmp, HPy_tp_richcompare)
static HPy Point_richcmp_impl(HPyContext *ctx, HPy a, HPy b, HPy_RichCmpOp op) {
    HPy type = HPy_Type(ctx, a);
    int same = HPy_TypeCheck(ctx, b, type);
    PointObject *pa, *pb;
    long ka, kb;
    int r;
    HPy_Close(ctx, type);
    if (!same) return HPy_Dup(ctx, ctx->h_NotImplemented);
    pa = PointObject_AsStruct(ctx, a);
    pb = PointObject_AsStruct(ctx, b);
    ka = pa->x * 1000 + pa->y;
    kb = pb->x * 1000 + pb->y;
    switch (op) {
    case HPy_LT: r = ka < kb; break;
    case HPy_LE: r = ka <= kb; break;
    case HPy_EQ: r = ka == kb; break;
    case HPy_NE: r = ka != kb; break;
    case HPy_GT: r = ka > kb; break;
    case HPy_GE: r = ka >= kb; break;
    default: return HPyErr_SetString(ctx, ctx->h_SystemError, "bad op");
    }
    return HPy_Dup(ctx, r ? ctx->h_True : ctx->h_False);
}

static HPyDef *Point_defines[] = {
    &Point_new, &Point_traverse, &Point_destroy, &Point_x, &Point_y, &Point_obj, &Point_scaled,
    &Point_obj_member, &Point_obj_ex,
    &Point_setx, &Point_norm1, &Point_times, &Point_move, &Point_count, &Point_add, &Point_neg,
    &Point_bool, &Point_len, &Point_item, &Point_hash, &Point_repr, &Point_richcmp, CAPICOMPAT_NULL};

static HPyType_Spec Point_spec = {
    "_hpy_types.Point", sizeof(PointObject), 0,
    HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC | HPy_TPFLAGS_BASETYPE,
    SHAPE(PointObject), CAPICOMPAT_NULL, Point_defines, "a point"};

/* ---- Legacy: a legacy-shape type (PyObject_HEAD in the struct) with legacy methods */
typedef struct {
    PyObject_HEAD
    long value;
} LegacyObject;
HPyType_LEGACY_HELPERS(LegacyObject)

static PyObject *legacy_get_value(PyObject *self, PyObject *unused) {
    (void)unused;
    return PyLong_FromLong(((LegacyObject *)self)->value);
}

static PyMethodDef Legacy_methods[] = {
    {"get_value", legacy_get_value, METH_NOARGS, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL}};

static PyMemberDef Legacy_members[] = {
    {"legacy_value", Py_T_LONG, offsetof(LegacyObject, value), Py_READONLY, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, 0, 0, 0, CAPICOMPAT_NULL}};

static PyObject *legacy_get_negated(PyObject *self, void *closure) {
    (void)closure;
    return PyLong_FromLong(-((LegacyObject *)self)->value);
}

static PyGetSetDef Legacy_getsets[] = {
    {"negated", legacy_get_negated, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL}};

static PyType_Slot Legacy_slots[] = {
    {Py_tp_methods, Legacy_methods}, {Py_tp_members, Legacy_members}, {Py_tp_getset, Legacy_getsets},
    {0, CAPICOMPAT_NULL}};

HPyDef_SLOT(Legacy_new, HPy_tp_new)
static HPy Legacy_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw) {
    LegacyObject *o;
    HPy h = HPy_New(ctx, cls, &o);
    (void)args;
    (void)kw;
    if (HPy_IsNull(h)) return h;
    if ((void *)o != (void *)capicompat_hpy_h2py(h)) {
        HPy_Close(ctx, h);
        return HPyErr_SetString(ctx, ctx->h_SystemError, "a legacy struct starts at the object");
    }
    o->value = (long)nargs;
    return h;
}

HPyDef_MEMBER(Legacy_value, "value", HPyMember_LONG, offsetof(LegacyObject, value))

HPyDef_METH(Legacy_twice, "twice", HPyFunc_NOARGS)
static HPy Legacy_twice_impl(HPyContext *ctx, HPy self) {
    return new_long(ctx, 2 * LegacyObject_AsStruct(ctx, self)->value);
}

static HPyDef *Legacy_defines[] = {&Legacy_new, &Legacy_value, &Legacy_twice, CAPICOMPAT_NULL};

static HPyType_Spec Legacy_spec = {
    "_hpy_types.Legacy", sizeof(LegacyObject), 0, HPy_TPFLAGS_DEFAULT,
    HPyType_BuiltinShape_Legacy, Legacy_slots, Legacy_defines, CAPICOMPAT_NULL};

/* ---- TaggedList: a pure subclass of list (List shape) */
typedef struct {
    long tag;
    HPyField note;
} TaggedListObject;
HPyType_HELPERS(TaggedListObject, HPyType_BuiltinShape_List)

static long lists_destroyed = 0;

HPyDef_SLOT(TaggedList_traverse, HPy_tp_traverse)
static int TaggedList_traverse_impl(void *object, HPyFunc_visitproc visit, void *arg) {
    HPy_VISIT(&((TaggedListObject *)object)->note);
    return 0;
}

HPyDef_SLOT(TaggedList_destroy, HPy_tp_destroy)
static void TaggedList_destroy_impl(void *object) {
    (void)object;
    lists_destroyed++;
}

HPyDef_GETSET(TaggedList_note, "note")
static HPy TaggedList_note_get(HPyContext *ctx, HPy self, void *closure) {
    TaggedListObject *t = TaggedListObject_AsStruct(ctx, self);
    (void)closure;
    if (HPyField_IsNull(t->note)) return HPy_Dup(ctx, ctx->h_None);
    return HPyField_Load(ctx, self, t->note);
}
static int TaggedList_note_set(HPyContext *ctx, HPy self, HPy value, void *closure) {
    (void)closure;
    HPyField_Store(ctx, self, &TaggedListObject_AsStruct(ctx, self)->note, value);
    return 0;
}

HPyDef_METH(lists_destroyed_count, "lists_destroyed", HPyFunc_NOARGS)
static HPy lists_destroyed_count_impl(HPyContext *ctx, HPy self) {
    (void)self;
    return new_long(ctx, lists_destroyed);
}

HPyDef_MEMBER(TaggedList_tag, "tag", HPyMember_LONG, offsetof(TaggedListObject, tag))

HPyDef_METH(TaggedList_tag_plus_len, "tag_plus_len", HPyFunc_NOARGS)
static HPy TaggedList_tag_plus_len_impl(HPyContext *ctx, HPy self) {
    HPy_ssize_t n = HPy_Length(ctx, self);
    return new_long(ctx, TaggedListObject_AsStruct(ctx, self)->tag + (long)n);
}

static HPyDef *TaggedList_defines[] = {
    &TaggedList_tag, &TaggedList_tag_plus_len, &TaggedList_traverse, &TaggedList_destroy, &TaggedList_note,
    CAPICOMPAT_NULL};

static HPyType_Spec TaggedList_spec = {
    "_hpy_types.TaggedList", sizeof(TaggedListObject), 0,
    HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
    SHAPE(TaggedListObject), CAPICOMPAT_NULL, TaggedList_defines, CAPICOMPAT_NULL};

/* ---- Adder: HPy_tp_call, HPyDef_CALL_FUNCTION and HPy_SetCallFunction */
typedef struct {
    long base;
} AdderObject;
HPyType_HELPERS(AdderObject)

static long sum_args(HPyContext *ctx, const HPy *args, size_t nargs, HPy kwnames, int *err) {
    long total = 0;
    size_t i, n = nargs;
    if (!HPy_IsNull(kwnames)) n += (size_t)HPy_Length(ctx, kwnames);
    for (i = 0; i < n; i++) {
        long v = HPyLong_AsLong(ctx, args[i]);
        if (v == -1 && HPyErr_Occurred(ctx)) {
            *err = 1;
            return 0;
        }
        total += v;
    }
    *err = 0;
    return total;
}

HPyDef_SLOT(Adder_call, HPy_tp_call)
static HPy Adder_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames) {
    int err;
    long total = sum_args(ctx, args, nargs, kwnames, &err);
    if (err) return HPy_NULL;
    return new_long(ctx, AdderObject_AsStruct(ctx, self)->base + total);
}

HPyDef_CALL_FUNCTION(Adder_times)
static HPy Adder_times_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames) {
    int err;
    long total = sum_args(ctx, args, nargs, kwnames, &err);
    if (err) return HPy_NULL;
    return new_long(ctx, AdderObject_AsStruct(ctx, self)->base * total);
}

HPyDef_METH(Adder_use_times, "use_times", HPyFunc_NOARGS)
static HPy Adder_use_times_impl(HPyContext *ctx, HPy self) {
    if (HPy_SetCallFunction(ctx, self, &Adder_times) < 0) return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_MEMBER(Adder_base, "base", HPyMember_LONG, offsetof(AdderObject, base))

static HPyDef *Adder_defines[] = {&Adder_call, &Adder_use_times, &Adder_base, CAPICOMPAT_NULL};

static HPyType_Spec Adder_spec = {
    "_hpy_types.Adder", sizeof(AdderObject), 0, HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    SHAPE(AdderObject), CAPICOMPAT_NULL, Adder_defines, CAPICOMPAT_NULL};

/* ---- Buf: the buffer protocol */
typedef struct {
    char data[4];
} BufObject;
HPyType_HELPERS(BufObject)

static char format_B[] = "B";

HPyDef_SLOT(Buf_new, HPy_tp_new)
static HPy Buf_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw) {
    BufObject *b;
    HPy h = HPy_New(ctx, cls, &b);
    (void)args;
    (void)nargs;
    (void)kw;
    if (!HPy_IsNull(h)) memcpy(b->data, "abcd", 4);
    return h;
}

HPyDef_SLOT(Buf_getbuffer, HPy_bf_getbuffer)
static int Buf_getbuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view, int flags) {
    BufObject *b = BufObject_AsStruct(ctx, self);
    view->buf = b->data;
    view->obj = HPy_Dup(ctx, self);
    view->len = 4;
    view->itemsize = 1;
    view->readonly = 0;
    view->ndim = 1;
    view->format = (flags & PyBUF_FORMAT) ? format_B : CAPICOMPAT_NULL;
    view->shape = (flags & PyBUF_ND) ? &view->len : CAPICOMPAT_NULL;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? &view->itemsize : CAPICOMPAT_NULL;
    view->suboffsets = CAPICOMPAT_NULL;
    view->internal = CAPICOMPAT_NULL;
    return 0;
}

HPyDef_SLOT(Buf_releasebuffer, HPy_bf_releasebuffer)
static void Buf_releasebuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view) {
    (void)ctx;
    (void)self;
    (void)view;
    released++;
}

static HPyDef *Buf_defines[] = {&Buf_new, &Buf_getbuffer, &Buf_releasebuffer, CAPICOMPAT_NULL};

/* designated, as HPy's examples write specs (C99, C++20, and g++/clang++ accept it in C++11;
 * every member is named since g++ -Wextra warns in C++ about the ones left out) */
static HPyType_Spec Buf_spec = {
    .name = "_hpy_types.Buf",
    .basicsize = sizeof(BufObject),
    .itemsize = 0,
    .flags = HPy_TPFLAGS_DEFAULT,
    .builtin_shape = SHAPE(BufObject),
    .legacy_slots = CAPICOMPAT_NULL,
    .defines = Buf_defines,
    .doc = CAPICOMPAT_NULL,
};


/* ---- UnitFloat: a pure subclass of float (Float shape) */
typedef struct {
    long unit;
} UnitFloatObject;
HPyType_HELPERS(UnitFloatObject, HPyType_BuiltinShape_Float)

HPyDef_MEMBER(UnitFloat_unit, "unit", HPyMember_LONG, offsetof(UnitFloatObject, unit))

HPyDef_METH(UnitFloat_scaled, "scaled", HPyFunc_NOARGS)
static HPy UnitFloat_scaled_impl(HPyContext *ctx, HPy self) {
    double v = HPyFloat_AsDouble(ctx, self);
    return HPyFloat_FromDouble(ctx, v * (double)UnitFloatObject_AsStruct(ctx, self)->unit);
}

static HPyDef *UnitFloat_defines[] = {&UnitFloat_unit, &UnitFloat_scaled, CAPICOMPAT_NULL};

static HPyType_Spec UnitFloat_spec = {
    "_hpy_types.UnitFloat", sizeof(UnitFloatObject), 0, HPy_TPFLAGS_DEFAULT,
    SHAPE(UnitFloatObject), CAPICOMPAT_NULL, UnitFloat_defines, CAPICOMPAT_NULL};

/* ---- WeightedStr: a pure subclass of str (Unicode shape). A str subclass's characters live
 * in a buffer of their own, so the struct after PyUnicodeObject is safe for any length. */
typedef struct {
    long weight;
} WeightedStrObject;
HPyType_HELPERS(WeightedStrObject, HPyType_BuiltinShape_Unicode)

HPyDef_MEMBER(WeightedStr_weight, "weight", HPyMember_LONG, offsetof(WeightedStrObject, weight))

HPyDef_METH(WeightedStr_score, "score", HPyFunc_NOARGS)
static HPy WeightedStr_score_impl(HPyContext *ctx, HPy self) {
    HPy_ssize_t n = HPy_Length(ctx, self);
    if (n < 0) return HPy_NULL;
    return HPyLong_FromLong(ctx, (long)n * WeightedStrObject_AsStruct(ctx, self)->weight);
}

static HPyDef *WeightedStr_defines[] = {&WeightedStr_weight, &WeightedStr_score, CAPICOMPAT_NULL};

static HPyType_Spec WeightedStr_spec = {
    "_hpy_types.WeightedStr", sizeof(WeightedStrObject), 0, HPy_TPFLAGS_DEFAULT,
    SHAPE(WeightedStrObject), CAPICOMPAT_NULL, WeightedStr_defines, CAPICOMPAT_NULL};

/* ---- TaggedPair: a pure subclass of tuple (Tuple shape). PyTupleObject holds the first item,
 * later items overlap the struct (as in HPy), so it is only used with one item or none. */
typedef struct {
    long tag;
} TaggedTupleObject;
HPyType_HELPERS(TaggedTupleObject, HPyType_BuiltinShape_Tuple)

HPyDef_MEMBER(TaggedTuple_tag, "tag", HPyMember_LONG, offsetof(TaggedTupleObject, tag))

static HPyDef *TaggedTuple_defines[] = {&TaggedTuple_tag, CAPICOMPAT_NULL};

static HPyType_Spec TaggedTuple_spec = {
    "_hpy_types.TaggedTuple", sizeof(TaggedTupleObject), 0, HPy_TPFLAGS_DEFAULT,
    SHAPE(TaggedTupleObject), CAPICOMPAT_NULL, TaggedTuple_defines, CAPICOMPAT_NULL};

/* ---- Quad: four longs, through mapping, sequence, number, init, str and finalize slots */
typedef struct {
    long items[4];
} QuadObject;
HPyType_HELPERS(QuadObject)

static int quad_index(HPyContext *ctx, HPy key, HPy_ssize_t *i) {
    *i = HPyLong_AsSsize_t(ctx, key);
    if (*i == -1 && HPyErr_Occurred(ctx)) return -1;
    if (*i < 0 || *i >= 4) {
        HPyErr_SetString(ctx, ctx->h_IndexError, "Quad index out of range");
        return -1;
    }
    return 0;
}

static long quad_sum(QuadObject *q) {
    return q->items[0] + q->items[1] + q->items[2] + q->items[3];
}

HPyDef_SLOT(Quad_init, HPy_tp_init)
static int Quad_init_impl(HPyContext *ctx, HPy self, const HPy *args, HPy_ssize_t nargs, HPy kw) {
    QuadObject *q = QuadObject_AsStruct(ctx, self);
    HPy_ssize_t i;
    if (nargs > 4 || (!HPy_IsNull(kw) && HPy_Length(ctx, kw) > 0)) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "Quad(up to 4 ints)");
        return -1;
    }
    for (i = 0; i < nargs; i++) {
        q->items[i] = HPyLong_AsLong(ctx, args[i]);
        if (q->items[i] == -1 && HPyErr_Occurred(ctx)) return -1;
    }
    return 0;
}

/* HPy's own function as a slot's impl */
HPyDef_SLOT_IMPL(Quad_new, HPyType_GenericNew, HPy_tp_new)

HPyDef_SLOT(Quad_mp_length, HPy_mp_length)
static HPy_ssize_t Quad_mp_length_impl(HPyContext *ctx, HPy self) {
    (void)ctx;
    (void)self;
    return 4;
}

HPyDef_SLOT(Quad_getitem, HPy_mp_subscript)
static HPy Quad_getitem_impl(HPyContext *ctx, HPy self, HPy key) {
    HPy_ssize_t i;
    if (quad_index(ctx, key, &i) < 0) return HPy_NULL;
    return new_long(ctx, QuadObject_AsStruct(ctx, self)->items[i]);
}

HPyDef_SLOT(Quad_setitem, HPy_mp_ass_subscript)
static int Quad_setitem_impl(HPyContext *ctx, HPy self, HPy key, HPy value) {
    HPy_ssize_t i;
    long v = 0;
    if (quad_index(ctx, key, &i) < 0) return -1;
    if (!HPy_IsNull(value)) {
        v = HPyLong_AsLong(ctx, value);
        if (v == -1 && HPyErr_Occurred(ctx)) return -1;
    }
    QuadObject_AsStruct(ctx, self)->items[i] = v;
    return 0;
}

HPyDef_SLOT(Quad_contains, HPy_sq_contains)
static int Quad_contains_impl(HPyContext *ctx, HPy self, HPy value) {
    QuadObject *q = QuadObject_AsStruct(ctx, self);
    long v = HPyLong_AsLong(ctx, value);
    int i;
    if (v == -1 && HPyErr_Occurred(ctx)) return -1;
    for (i = 0; i < 4; i++) {
        if (q->items[i] == v) return 1;
    }
    return 0;
}

/* pow(q, n[, m]) -> sum * n (+ m) */
HPyDef_SLOT(Quad_power, HPy_nb_power)
static HPy Quad_power_impl(HPyContext *ctx, HPy self, HPy n, HPy mod) {
    long k = HPyLong_AsLong(ctx, n), extra = 0;
    if (k == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
    if (!HPy_Is(ctx, mod, ctx->h_None)) {
        extra = HPyLong_AsLong(ctx, mod);
        if (extra == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
    }
    return new_long(ctx, quad_sum(QuadObject_AsStruct(ctx, self)) * k + extra);
}

HPyDef_SLOT(Quad_iadd, HPy_nb_inplace_add)
static HPy Quad_iadd_impl(HPyContext *ctx, HPy self, HPy other) {
    QuadObject *q = QuadObject_AsStruct(ctx, self);
    long k = HPyLong_AsLong(ctx, other);
    int i;
    if (k == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
    for (i = 0; i < 4; i++) q->items[i] += k;
    return HPy_Dup(ctx, self);
}

HPyDef_SLOT(Quad_index, HPy_nb_index)
static HPy Quad_index_impl(HPyContext *ctx, HPy self) {
    return new_long(ctx, quad_sum(QuadObject_AsStruct(ctx, self)));
}

HPyDef_SLOT(Quad_float, HPy_nb_float)
static HPy Quad_float_impl(HPyContext *ctx, HPy self) {
    return HPyFloat_FromDouble(ctx, (double)quad_sum(QuadObject_AsStruct(ctx, self)) / 4.0);
}

HPyDef_SLOT(Quad_str, HPy_tp_str)
static HPy Quad_str_impl(HPyContext *ctx, HPy self) {
    (void)self;
    return HPyUnicode_FromString(ctx, "a quad");
}

HPyDef_SLOT(Quad_finalize, HPy_tp_finalize)
static void Quad_finalize_impl(HPyContext *ctx, HPy self) {
    (void)ctx;
    (void)self;
    finalized++;
}

/* HPy_tp_iter (the slot HPy enabled after 0.9): the items last to first, so that iteration
 * cannot be the sequence protocol's fallback over Quad_getitem. */
HPyDef_SLOT(Quad_iter, HPy_tp_iter)
static HPy Quad_iter_impl(HPyContext *ctx, HPy self) {
    QuadObject *q = QuadObject_AsStruct(ctx, self);
    HPyTupleBuilder b = HPyTupleBuilder_New(ctx, 4);
    HPy items, name, it;
    int i;
    for (i = 0; i < 4; i++) {
        HPy item = HPyLong_FromLong(ctx, q->items[3 - i]);
        if (HPy_IsNull(item)) {
            HPyTupleBuilder_Cancel(ctx, b);
            return HPy_NULL;
        }
        HPyTupleBuilder_Set(ctx, b, i, item);
        HPy_Close(ctx, item);
    }
    items = HPyTupleBuilder_Build(ctx, b);
    if (HPy_IsNull(items)) return HPy_NULL;
    name = HPyUnicode_FromString(ctx, "__iter__");
    it = HPy_IsNull(name) ? HPy_NULL : HPy_CallMethod(ctx, name, &items, 1, HPy_NULL);
    HPy_Close(ctx, name);
    HPy_Close(ctx, items);
    return it;
}

static HPyDef *Quad_defines[] = {
    &Quad_new, &Quad_init, &Quad_mp_length, &Quad_getitem, &Quad_setitem, &Quad_contains, &Quad_power,
    &Quad_iadd, &Quad_index, &Quad_float, &Quad_str, &Quad_finalize, &Quad_iter, CAPICOMPAT_NULL};

static HPyType_Spec Quad_spec = {
    "_hpy_types.Quad", sizeof(QuadObject), 0, HPy_TPFLAGS_DEFAULT,
    SHAPE(QuadObject), CAPICOMPAT_NULL, Quad_defines, CAPICOMPAT_NULL};

/* ---- the trampolines of the signatures no enabled slot uses compile and convert too:
 * probe_signatures(obj) calls each with obj and returns how many gave what was expected */
HPyFunc_DECLARE(sig_ssizessizearg, HPyFunc_SSIZESSIZEARGFUNC);
static HPy sig_ssizessizearg(HPyContext *ctx, HPy o, HPy_ssize_t a, HPy_ssize_t b) {
    (void)o;
    return new_long(ctx, (long)(a * 10 + b));
}
HPyFunc_TRAMPOLINE(tr_ssizessizearg, sig_ssizessizearg, HPyFunc_SSIZESSIZEARGFUNC)

HPyFunc_DECLARE(sig_ssizessizeobjarg, HPyFunc_SSIZESSIZEOBJARGPROC);
static int sig_ssizessizeobjarg(HPyContext *ctx, HPy o, HPy_ssize_t a, HPy_ssize_t b, HPy v) {
    (void)ctx;
    return HPy_Is(ctx, o, v) ? (int)(a + b) : -1;
}
HPyFunc_TRAMPOLINE(tr_ssizessizeobjarg, sig_ssizessizeobjarg, HPyFunc_SSIZESSIZEOBJARGPROC)

HPyFunc_DECLARE(sig_free, HPyFunc_FREEFUNC);
static long freed = 0;
static void sig_free(HPyContext *ctx, void *p) {
    (void)ctx;
    if (p != CAPICOMPAT_NULL) freed++;
}
HPyFunc_TRAMPOLINE(tr_free, sig_free, HPyFunc_FREEFUNC)

HPyFunc_DECLARE(sig_getattr, HPyFunc_GETATTRFUNC);
static HPy sig_getattr(HPyContext *ctx, HPy o, char *name) {
    return HPy_GetAttr_s(ctx, o, name);
}
HPyFunc_TRAMPOLINE(tr_getattr, sig_getattr, HPyFunc_GETATTRFUNC)

HPyFunc_DECLARE(sig_getattro, HPyFunc_GETATTROFUNC);
static HPy sig_getattro(HPyContext *ctx, HPy o, HPy name) {
    return HPy_GetAttr(ctx, o, name);
}
HPyFunc_TRAMPOLINE(tr_getattro, sig_getattro, HPyFunc_GETATTROFUNC)

HPyFunc_DECLARE(sig_setattr, HPyFunc_SETATTRFUNC);
static int sig_setattr(HPyContext *ctx, HPy o, char *name, HPy v) {
    return HPy_SetAttr_s(ctx, o, name, v);
}
HPyFunc_TRAMPOLINE(tr_setattr, sig_setattr, HPyFunc_SETATTRFUNC)

HPyFunc_DECLARE(sig_setattro, HPyFunc_SETATTROFUNC);
static int sig_setattro(HPyContext *ctx, HPy o, HPy name, HPy v) {
    return HPy_SetAttr(ctx, o, name, v);
}
HPyFunc_TRAMPOLINE(tr_setattro, sig_setattro, HPyFunc_SETATTROFUNC)

HPyFunc_DECLARE(sig_getiter, HPyFunc_GETITERFUNC);
static HPy sig_getiter(HPyContext *ctx, HPy o) {
    (void)ctx;
    return capicompat_hpy_steal(PyObject_GetIter(capicompat_hpy_h2py(o)));
}
HPyFunc_TRAMPOLINE(tr_getiter, sig_getiter, HPyFunc_GETITERFUNC)

HPyFunc_DECLARE(sig_iternext, HPyFunc_ITERNEXTFUNC);
static HPy sig_iternext(HPyContext *ctx, HPy o) {
    (void)ctx;
    return capicompat_hpy_steal(PyIter_Next(capicompat_hpy_h2py(o)));
}
HPyFunc_TRAMPOLINE(tr_iternext, sig_iternext, HPyFunc_ITERNEXTFUNC)

HPyFunc_DECLARE(sig_descrget, HPyFunc_DESCRGETFUNC);
static HPy sig_descrget(HPyContext *ctx, HPy a, HPy b, HPy c) {
    return HPy_Dup(ctx, HPy_Is(ctx, a, b) && HPy_Is(ctx, b, c) ? ctx->h_True : ctx->h_False);
}
HPyFunc_TRAMPOLINE(tr_descrget, sig_descrget, HPyFunc_DESCRGETFUNC)

HPyFunc_DECLARE(sig_descrset, HPyFunc_DESCRSETFUNC);
static int sig_descrset(HPyContext *ctx, HPy a, HPy b, HPy c) {
    return HPy_Is(ctx, a, b) && HPy_Is(ctx, b, c) ? 7 : -1;
}
HPyFunc_TRAMPOLINE(tr_descrset, sig_descrset, HPyFunc_DESCRSETFUNC)

HPyDef_METH(probe_signatures, "probe_signatures", HPyFunc_O)
static HPy probe_signatures_impl(HPyContext *ctx, HPy self, HPy arg) {
    PyObject *o = capicompat_hpy_h2py(arg), *r, *name = PyUnicode_FromString("tag");
    char tag[] = "tag";
    long good = 0;
    (void)self;
    if (name == CAPICOMPAT_NULL) return HPy_NULL;
    r = tr_ssizessizearg(o, 3, 4);
    if (r != CAPICOMPAT_NULL && PyLong_AsLong(r) == 34) good++;
    Py_XDECREF(r);
    if (tr_ssizessizeobjarg(o, 2, 3, o) == 5) good++;
    tr_free(o);
    if (freed == 1) good++;
    if (tr_setattr(o, tag, name) == 0) good++;
    r = tr_getattr(o, tag);
    if (r == name) good++;
    Py_XDECREF(r);
    if (tr_setattro(o, name, o) == 0) good++;
    r = tr_getattro(o, name);
    if (r == o) good++;
    Py_XDECREF(r);
    if (tr_setattro(o, name, CAPICOMPAT_NULL) == 0 && !PyObject_HasAttr(o, name)) good++;
    r = tr_getiter(o);
    if (r != CAPICOMPAT_NULL) {
        PyObject *first = tr_iternext(r);
        if (first != CAPICOMPAT_NULL && PyLong_AsLong(first) == 1) good++;
        Py_XDECREF(first);
        Py_DECREF(r);
    }
    r = tr_descrget(o, o, o);
    if (r == Py_True) good++;
    Py_XDECREF(r);
    if (tr_descrset(o, o, o) == 7) good++;
    Py_DECREF(name);
    if (PyErr_Occurred()) return HPy_NULL;
    return new_long(ctx, good);
}

/* ---- TaggedInt: a pure subclass of int (Long shape) */
typedef struct {
    long extra;
} TaggedIntObject;
HPyType_HELPERS(TaggedIntObject, HPyType_BuiltinShape_Long)

HPyDef_MEMBER(TaggedInt_extra, "extra", HPyMember_LONG, offsetof(TaggedIntObject, extra))

static HPyDef *TaggedInt_defines[] = {&TaggedInt_extra, CAPICOMPAT_NULL};

static HPyType_Spec TaggedInt_spec = {
    "_hpy_types.TaggedInt", sizeof(TaggedIntObject), 0, HPy_TPFLAGS_DEFAULT,
    SHAPE(TaggedIntObject), CAPICOMPAT_NULL, TaggedInt_defines, CAPICOMPAT_NULL};

/* ---- Meta: a metaclass with a struct (Type shape) */
typedef struct {
    long meta_value;
} MetaObject;
HPyType_HELPERS(MetaObject, HPyType_BuiltinShape_Type)

HPyDef_MEMBER(Meta_value, "meta_value", HPyMember_LONG, offsetof(MetaObject, meta_value))

HPyDef_METH(Meta_bump, "bump", HPyFunc_NOARGS)
static HPy Meta_bump_impl(HPyContext *ctx, HPy self) {
    return new_long(ctx, ++MetaObject_AsStruct(ctx, self)->meta_value);
}

static HPyDef *Meta_defines[] = {&Meta_value, &Meta_bump, CAPICOMPAT_NULL};

static HPyType_Spec Meta_spec = {
    "_hpy_types.Meta", sizeof(MetaObject), 0, HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    SHAPE(MetaObject), CAPICOMPAT_NULL, Meta_defines, CAPICOMPAT_NULL};

/* ---- Descr: HPy_tp_descr_get (HPy main after 0.9): ("class" or "instance", the owner) */
HPyDef_SLOT(Descr_get, HPy_tp_descr_get)
static HPy Descr_get_impl(HPyContext *ctx, HPy self, HPy obj, HPy owner) {
    HPy kind = HPyUnicode_FromString(ctx, HPy_IsNull(obj) || HPy_Is(ctx, obj, ctx->h_None) ? "class" : "instance");
    HPy r;
    (void)self;
    if (HPy_IsNull(kind)) return HPy_NULL;
    r = HPyTuple_Pack(ctx, 2, kind, HPy_IsNull(owner) ? ctx->h_None : owner);
    HPy_Close(ctx, kind);
    return r;
}

static HPyDef *Descr_defines[] = {&Descr_get, CAPICOMPAT_NULL};

static HPyType_Spec Descr_spec = {
    "_hpy_types.Descr", 0, 0, HPy_TPFLAGS_DEFAULT, HPyType_BuiltinShape_Object, CAPICOMPAT_NULL, Descr_defines,
    CAPICOMPAT_NULL};

/* ---- TaggedDict: a pure subclass of dict (the Dict shape, HPy main after 0.9) */
typedef struct {
    long tag;
} TaggedDictObject;
HPyType_HELPERS(TaggedDictObject, HPyType_BuiltinShape_Dict)

HPyDef_MEMBER(TaggedDict_tag, "tag", HPyMember_LONG, offsetof(TaggedDictObject, tag))

HPyDef_METH(TaggedDict_tag_plus_len, "tag_plus_len", HPyFunc_NOARGS)
static HPy TaggedDict_tag_plus_len_impl(HPyContext *ctx, HPy self) {
    return new_long(ctx, TaggedDictObject_AsStruct(ctx, self)->tag + (long)HPy_Length(ctx, self));
}

static HPyDef *TaggedDict_defines[] = {&TaggedDict_tag, &TaggedDict_tag_plus_len, CAPICOMPAT_NULL};

static HPyType_Spec TaggedDict_spec = {
    "_hpy_types.TaggedDict", sizeof(TaggedDictObject), 0, HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    SHAPE(TaggedDictObject), CAPICOMPAT_NULL, TaggedDict_defines, CAPICOMPAT_NULL};

/* ---- HPyType_FromSpec errors: each function makes a bad spec and returns the exception */
static HPyType_Spec Bad_spec = {
    "_hpy_types.Bad", sizeof(PointObject), 0, HPy_TPFLAGS_DEFAULT,
    HPyType_BuiltinShape_Object, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL};

HPyDef_SLOT(Legacy_destroy, HPy_tp_destroy)
static void Legacy_destroy_impl(void *object) {
    (void)object;
}

static void legacy_dealloc(PyObject *self) {
    Py_TYPE(self)->tp_free(self);
}

static PyType_Slot Dealloc_slots[] = {{Py_tp_dealloc, (void *)legacy_dealloc}, {0, CAPICOMPAT_NULL}};

static PyMemberDef VectorcallMember_members[] = {
    {"__vectorcalloffset__", Py_T_PYSSIZET, offsetof(LegacyObject, value), Py_READONLY, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, 0, 0, 0, CAPICOMPAT_NULL}};

static PyType_Slot VectorcallMember_slots[] = {{Py_tp_members, VectorcallMember_members}, {0, CAPICOMPAT_NULL}};

/* a tp_alloc that leaves garbage in the struct (never in the object's header): HPy_New must
 * zero the struct after it */
static PyObject *dirty_alloc(PyTypeObject *tp, Py_ssize_t nitems) {
    PyObject *o = PyType_GenericAlloc(tp, nitems);
    Py_ssize_t header = (Py_ssize_t)sizeof(PyObject);
    if (o != CAPICOMPAT_NULL && tp->tp_basicsize > header) {
        memset((char *)o + header, 0xAB, (size_t)(tp->tp_basicsize - header));
    }
    return o;
}

static PyType_Slot DirtyAlloc_slots[] = {{Py_tp_alloc, (void *)dirty_alloc}, {0, CAPICOMPAT_NULL}};

HPyDef_SLOT(mod_exec_for_type, HPy_mod_exec)
static int mod_exec_for_type_impl(HPyContext *ctx, HPy m) {
    (void)ctx;
    (void)m;
    return 0;
}

/* a struct extending AdderObject (as PointObject's y lies after its first long) */
HPyDef_MEMBER(Sub_y, "y", HPyMember_LONG, offsetof(PointObject, y))

/* a call function that needs no struct: the number of positional arguments */
HPyDef_SLOT(Count_call, HPy_tp_call)
static HPy Count_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames) {
    (void)self;
    (void)args;
    (void)kwnames;
    return new_long(ctx, (long)nargs);
}

HPyDef_CALL_FUNCTION(Count_negated)
static HPy Count_negated_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames) {
    (void)self;
    (void)args;
    (void)kwnames;
    return new_long(ctx, -(long)nargs);
}

/* a legacy type that declares its own __vectorcalloffset__ member (no HPy_tp_call): its
 * objects are callable once HPy_SetCallFunction gave them a function */
typedef struct {
    PyObject_HEAD
    long value;
    void *call;
} OwnCallObject;

static PyMemberDef OwnCall_members[] = {
    {"__vectorcalloffset__", Py_T_PYSSIZET, offsetof(OwnCallObject, call), Py_READONLY, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, 0, 0, 0, CAPICOMPAT_NULL}};

static PyType_Slot OwnCall_slots[] = {{Py_tp_members, OwnCall_members}, {0, CAPICOMPAT_NULL}};

HPyDef_METH(OwnCall_arm, "arm", HPyFunc_NOARGS)
static HPy OwnCall_arm_impl(HPyContext *ctx, HPy self) {
    if (HPy_SetCallFunction(ctx, self, &Count_negated) < 0) return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
}

/* try_spec(case, arg) -> the new type, or raises what HPyType_FromSpec raised */
HPyDef_METH(try_spec, "try_spec", HPyFunc_VARARGS)
static HPy try_spec_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs) {
    HPyType_Spec spec = Bad_spec;
    HPyType_SpecParam params[4];
    HPyDef *defs[3];
    HPyDef meth;
    long which;
    HPy result;
    HPy arg = nargs > 1 ? args[1] : ctx->h_None;
    (void)self;
    memset(params, 0, sizeof params);
    if (nargs < 1) return HPyErr_SetString(ctx, ctx->h_TypeError, "try_spec(case[, arg])");
    which = HPyLong_AsLong(ctx, args[0]);
    switch (which) {
    case 0: /* a plain type with the given base */
        params[0].kind = HPyType_SpecParam_Base;
        params[0].object = arg;
        spec.flags |= HPy_TPFLAGS_BASETYPE;
        break;
    case 1:
        spec.legacy_slots = Legacy_slots;
        break;
    case 2:
        spec.flags |= HPy_TPFLAGS_HAVE_GC;
        break;
    case 3:
        spec.builtin_shape = (HPyType_BuiltinShape)(which * 14); /* 42 */
        break;
    case 4:
        meth = Point_norm1;
        meth.meth.signature = HPyFunc_GETTER;
        defs[0] = &meth;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 5:
        params[0].kind = HPyType_SpecParam_Base;
        params[0].object = ctx->h_BaseObjectType;
        params[1].kind = HPyType_SpecParam_BasesTuple;
        params[1].object = arg;
        break;
    case 6:
        params[0].kind = HPyType_SpecParam_BasesTuple;
        params[0].object = arg;
        params[1].kind = HPyType_SpecParam_BasesTuple;
        params[1].object = arg;
        break;
    case 7:
        params[0].kind = (HPyType_SpecParam_Kind)(which + 92); /* 99 */
        break;
    case 8: /* legacy tp_dealloc with HPy_tp_destroy */
        spec.builtin_shape = HPyType_BuiltinShape_Legacy;
        spec.basicsize = (int)sizeof(LegacyObject);
        spec.legacy_slots = Dealloc_slots;
        defs[0] = &Legacy_destroy;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 9: /* a legacy type inheriting from a pure one (arg) */
        spec.builtin_shape = HPyType_BuiltinShape_Legacy;
        spec.basicsize = 0;
        params[0].kind = HPyType_SpecParam_Base;
        params[0].object = arg;
        break;
    case 10: /* HPy_tp_call on a var-sized type */
        spec.itemsize = 8;
        defs[0] = &Adder_call;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 11: /* a metaclass (arg) */
        params[0].kind = HPyType_SpecParam_Metaclass;
        params[0].object = arg;
        break;
    case 12:
        params[0].kind = HPyType_SpecParam_Metaclass;
        params[0].object = arg;
        params[1].kind = HPyType_SpecParam_Metaclass;
        params[1].object = arg;
        break;
    case 13: /* members without a struct of its own */
        spec.basicsize = 0;
        defs[0] = &Point_x;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 14: /* the bases as a tuple (arg) */
        params[0].kind = HPyType_SpecParam_BasesTuple;
        params[0].object = arg;
        break;
    case 15: /* a subclass (of arg, Adder) with a struct of its own, inheriting HPy_tp_call */
        params[0].kind = HPyType_SpecParam_Base;
        params[0].object = arg;
        spec.flags |= HPy_TPFLAGS_BASETYPE;
        defs[0] = &Sub_y;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 16: /* HPy_tp_call on a legacy type without a struct of its own */
        spec.builtin_shape = HPyType_BuiltinShape_Legacy;
        spec.basicsize = 0;
        defs[0] = &Adder_call;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 17: /* HPy_tp_call and a legacy __vectorcalloffset__ member */
        spec.builtin_shape = HPyType_BuiltinShape_Legacy;
        spec.basicsize = (int)sizeof(LegacyObject);
        spec.legacy_slots = VectorcallMember_slots;
        defs[0] = &Adder_call;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 18: /* a module slot in a type */
        defs[0] = &mod_exec_for_type;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 19: /* HPy_tp_call on a pure type without a struct of its own (HPy's "hpycall") */
        spec.basicsize = 0;
        defs[0] = &Count_call;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 20: /* a legacy type with an explicit __vectorcalloffset__ member */
        spec.builtin_shape = HPyType_BuiltinShape_Legacy;
        spec.basicsize = (int)sizeof(OwnCallObject);
        spec.legacy_slots = OwnCall_slots;
        defs[0] = &OwnCall_arm;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 21: /* a fresh GC type (Point's definitions): its objects keep it alive */
        spec = Point_spec;
        break;
    case 22: /* a subclass with a struct of its own and HPy_tp_call, of a plain type (arg) */
        params[0].kind = HPyType_SpecParam_Base;
        params[0].object = arg;
        defs[0] = &Count_call;
        defs[1] = CAPICOMPAT_NULL;
        spec.defines = defs;
        break;
    case 23: /* a legacy type with a custom tp_alloc that does not zero */
        spec.builtin_shape = HPyType_BuiltinShape_Legacy;
        spec.basicsize = (int)sizeof(LegacyObject);
        spec.legacy_slots = DirtyAlloc_slots;
        break;
    case 24: /* a legacy-shape type, no legacy slots */
        spec.builtin_shape = HPyType_BuiltinShape_Legacy;
        spec.basicsize = (int)sizeof(LegacyObject);
        break;
    case 25: /* a plain pure type with the given base (arg), no struct of its own */
        params[0].kind = HPyType_SpecParam_Base;
        params[0].object = arg;
        spec.basicsize = 0;
        break;
    default:
        return HPyErr_SetString(ctx, ctx->h_ValueError, "no such case");
    }
    result = HPyType_FromSpec(ctx, &spec, params);
    return result;
}

/* type_name(t) -> HPyType_GetName; is_subtype(a, b) -> HPyType_IsSubtype */
HPyDef_METH(type_name, "type_name", HPyFunc_O)
static HPy type_name_impl(HPyContext *ctx, HPy self, HPy t) {
    (void)self;
    return HPyUnicode_FromString(ctx, HPyType_GetName(ctx, t));
}

HPyDef_METH(is_subtype, "is_subtype", HPyFunc_VARARGS)
static HPy is_subtype_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs) {
    (void)self;
    if (nargs != 2) return HPyErr_SetString(ctx, ctx->h_TypeError, "is_subtype(a, b)");
    return HPyBool_FromLong(ctx, HPyType_IsSubtype(ctx, args[0], args[1]));
}

/* new_of(t) -> HPy_New(t) (TypeError when t is not a type); generic_new(t) */
HPyDef_METH(new_of, "new_of", HPyFunc_O)
static HPy new_of_impl(HPyContext *ctx, HPy self, HPy t) {
    void *data;
    (void)self;
    return HPy_New(ctx, t, &data);
}

/* new_probe(t) -> (offset, by_record, zeroed): where HPy_New put *data from the object's start,
 * where the type's record (or its nearest HPy base's) says the struct starts, and whether the
 * struct (after PyObject_HEAD for a legacy one, up to the call function if any) was all zero */
HPyDef_METH(new_probe, "new_probe", HPyFunc_O)
static HPy new_probe_impl(HPyContext *ctx, HPy self, HPy t) {
    unsigned char *data;
    PyTypeObject *tp;
    PyObject *o;
    Py_ssize_t offset, by_record, end, i;
    int zeroed = 1;
    HPy h = HPy_New(ctx, t, &data);
    (void)self;
    if (HPy_IsNull(h)) return h;
    o = capicompat_hpy_h2py(h);
    tp = Py_TYPE(o);
    offset = (Py_ssize_t)(data - (unsigned char *)o);
    by_record = (Py_ssize_t)((char *)capicompat_hpy_struct_of(o) - (char *)o);
    end = tp->tp_vectorcall_offset > 0 ? tp->tp_vectorcall_offset : tp->tp_basicsize;
    /* (a legacy struct starts with PyObject_HEAD, which is not zero) */
    for (i = offset > 0 ? offset : (Py_ssize_t)sizeof(PyObject); i < end; i++) {
        if (((unsigned char *)o)[i] != 0) zeroed = 0;
    }
    HPy_Close(ctx, h);
    return capicompat_hpy_steal(Py_BuildValue("(nnO)", offset, by_record, zeroed ? Py_True : Py_False));
}

/* alloc_kind(t) -> which tp_alloc t has: "object" / "legacy" (HPy_New's fast-path marks),
 * "generic" (PyType_GenericAlloc) or "other" */
HPyDef_METH(alloc_kind, "alloc_kind", HPyFunc_O)
static HPy alloc_kind_impl(HPyContext *ctx, HPy self, HPy t) {
    allocfunc a = ((PyTypeObject *)capicompat_hpy_h2py(t))->tp_alloc;
    (void)self;
    return HPyUnicode_FromString(ctx, a == capicompat_hpy_alloc_object   ? "object"
                                      : a == capicompat_hpy_alloc_legacy ? "legacy"
                                      : a == PyType_GenericAlloc         ? "generic"
                                                                         : "other");
}

/* c_subclass(base) -> a type made with the C API (PyType_FromSpecWithBases), no struct of its
 * own: it inherits base's tp_alloc */
static PyType_Slot CSub_slots[] = {{0, CAPICOMPAT_NULL}};
static PyType_Spec CSub_spec = {"_hpy_types.CSub", 0, 0, Py_TPFLAGS_DEFAULT, CSub_slots};

HPyDef_METH(c_subclass, "c_subclass", HPyFunc_O)
static HPy c_subclass_impl(HPyContext *ctx, HPy self, HPy base) {
    PyObject *bases = PyTuple_Pack(1, capicompat_hpy_h2py(base)), *t;
    (void)ctx;
    (void)self;
    if (bases == CAPICOMPAT_NULL) return HPy_NULL;
    t = PyType_FromSpecWithBases(&CSub_spec, bases); /* (a tuple: PyPy takes no single type) */
    Py_DECREF(bases);
    return capicompat_hpy_steal(t);
}

/* c_subclass_dict(base) -> a C API subtype (CPython 3.12+) with a managed __dict__: it
 * inherits base's tp_alloc (HPy_New's mark), but its objects have a pre-header that only
 * PyType_GenericAlloc sets up, so HPy_New must not take its own allocation for them */
#if !defined(PYPY_VERSION) && PY_VERSION_HEX >= 0x030C0000
static int csub_dict_traverse(PyObject *o, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(o));
    return PyObject_VisitManagedDict(o, visit, arg);
}

static int csub_dict_clear(PyObject *o) {
    PyObject_ClearManagedDict(o);
    return 0;
}

static PyType_Slot CSubDict_slots[] = {{Py_tp_traverse, (void *)csub_dict_traverse},
                                       {Py_tp_clear, (void *)csub_dict_clear},
                                       {0, CAPICOMPAT_NULL}};
static PyType_Spec CSubDict_spec = {"_hpy_types.CSubDict", 0, 0,
                                    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_MANAGED_DICT,
                                    CSubDict_slots};
#endif

HPyDef_METH(c_subclass_dict, "c_subclass_dict", HPyFunc_O)
static HPy c_subclass_dict_impl(HPyContext *ctx, HPy self, HPy base) {
#if !defined(PYPY_VERSION) && PY_VERSION_HEX >= 0x030C0000
    PyObject *bases = PyTuple_Pack(1, capicompat_hpy_h2py(base)), *t;
    (void)ctx;
    (void)self;
    if (bases == CAPICOMPAT_NULL) return HPy_NULL;
    t = PyType_FromSpecWithBases(&CSubDict_spec, bases);
    Py_DECREF(bases);
    return capicompat_hpy_steal(t);
#else
    (void)self;
    (void)base;
    return HPy_Dup(ctx, ctx->h_None);
#endif
}

/* new_fails(t) -> True when HPy_New(t) failed with *data == NULL (t is not a type). Read
 * after the checked failure: gcc -O3 -Werror must see *data set on that path too. */
HPyDef_METH(new_fails, "new_fails", HPyFunc_O)
static HPy new_fails_impl(HPyContext *ctx, HPy self, HPy t) {
    PointObject *data;
    HPy h = HPy_New(ctx, t, &data);
    (void)self;
    if (!HPy_IsNull(h)) {
        HPy_Close(ctx, h);
        return HPyErr_SetString(ctx, ctx->h_ValueError, "HPy_New succeeded");
    }
    if (data != CAPICOMPAT_NULL) return HPyErr_SetString(ctx, ctx->h_SystemError, "*data is not NULL");
    HPyErr_Clear(ctx);
    return HPy_Dup(ctx, ctx->h_True);
}

/* a type made with the C API whose tp_traverse does not visit the type, as HPy's trampoline
 * does not: the evidence that a cycle through such a heap type is never collected */
typedef struct {
    PyObject_HEAD
    PyObject *obj;
} NoTypeVisitObject;

static int notypevisit_traverse(PyObject *self, visitproc visit, void *arg) {
    Py_VISIT(((NoTypeVisitObject *)self)->obj);
    return 0;
}

static int notypevisit_clear(PyObject *self) {
    Py_CLEAR(((NoTypeVisitObject *)self)->obj);
    return 0;
}

static void notypevisit_dealloc(PyObject *self) {
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    (void)notypevisit_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

HPyDef_METH(no_type_visit_type, "no_type_visit_type", HPyFunc_NOARGS)
static HPy no_type_visit_type_impl(HPyContext *ctx, HPy self) {
    static PyType_Slot slots[] = {{Py_tp_traverse, (void *)notypevisit_traverse},
                                  {Py_tp_clear, (void *)notypevisit_clear},
                                  {Py_tp_dealloc, (void *)notypevisit_dealloc},
                                  {0, CAPICOMPAT_NULL}};
    static PyType_Spec spec = {"_hpy_types.NoTypeVisit", (int)sizeof(NoTypeVisitObject), 0,
                               Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, slots};
    (void)ctx;
    (void)self;
    return capicompat_hpy_steal(PyType_FromSpec(&spec));
}

HPyDef_METH(generic_new, "generic_new", HPyFunc_O)
static HPy generic_new_impl(HPyContext *ctx, HPy self, HPy t) {
    (void)self;
    return HPyType_GenericNew(ctx, t, CAPICOMPAT_NULL, 0, HPy_NULL);
}

HPyDef_METH(set_call, "set_call", HPyFunc_O)
static HPy set_call_impl(HPyContext *ctx, HPy self, HPy obj) {
    (void)self;
    if (HPy_SetCallFunction(ctx, obj, &Adder_times) < 0) return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
}

/* hooks() -> (enters, leaves), taken inside this method's own trampoline */
HPyDef_METH(hooks, "hooks", HPyFunc_NOARGS)
static HPy hooks_impl(HPyContext *ctx, HPy self) {
    (void)ctx;
    (void)self;
    return capicompat_hpy_steal(Py_BuildValue("(ll)", hook_enters, hook_leaves));
}

HPyDef_METH(counters, "counters", HPyFunc_NOARGS)
static HPy counters_impl(HPyContext *ctx, HPy self) {
    (void)ctx;
    (void)self;
    return capicompat_hpy_steal(Py_BuildValue("(lll)", destroyed, released, finalized));
}

/* ---- the module: state, HPy_mod_exec adding the types */
typedef struct {
    long counter;
} ModState;

HPyDef_SLOT(mod_exec, HPy_mod_exec)
static int mod_exec_impl(HPyContext *ctx, HPy m) {
    ModState *st = (ModState *)HPyModule_GetState(ctx, m);
    HPyType_SpecParam list_base[2];
    if (st == CAPICOMPAT_NULL || st->counter != 0) {
        HPyErr_SetString(ctx, ctx->h_SystemError, "module state missing or not zeroed");
        return -1;
    }
    st->counter = 40;
    memset(list_base, 0, sizeof list_base);
    list_base[0].kind = HPyType_SpecParam_Base;
    list_base[0].object = ctx->h_ListType;
    if (!HPyHelpers_AddType(ctx, m, "Point", &Point_spec, CAPICOMPAT_NULL)) return -1;
    if (!HPyHelpers_AddType(ctx, m, "Legacy", &Legacy_spec, CAPICOMPAT_NULL)) return -1;
    if (!HPyHelpers_AddType(ctx, m, "TaggedList", &TaggedList_spec, list_base)) return -1;
    if (!HPyHelpers_AddType(ctx, m, "Adder", &Adder_spec, CAPICOMPAT_NULL)) return -1;
    if (!HPyHelpers_AddType(ctx, m, "Buf", &Buf_spec, CAPICOMPAT_NULL)) return -1;
    if (!HPyHelpers_AddType(ctx, m, "Quad", &Quad_spec, CAPICOMPAT_NULL)) return -1;
    list_base[0].object = ctx->h_FloatType;
    if (!HPyHelpers_AddType(ctx, m, "UnitFloat", &UnitFloat_spec, list_base)) return -1;
    list_base[0].object = ctx->h_LongType;
    if (!HPyHelpers_AddType(ctx, m, "TaggedInt", &TaggedInt_spec, list_base)) return -1;
    list_base[0].object = ctx->h_UnicodeType;
    if (!HPyHelpers_AddType(ctx, m, "WeightedStr", &WeightedStr_spec, list_base)) return -1;
    list_base[0].object = ctx->h_TupleType;
    if (!HPyHelpers_AddType(ctx, m, "TaggedTuple", &TaggedTuple_spec, list_base)) return -1;
    list_base[0].object = ctx->h_TypeType;
    if (!HPyHelpers_AddType(ctx, m, "Meta", &Meta_spec, list_base)) return -1;
    list_base[0].object = ctx->h_DictType;
    if (!HPyHelpers_AddType(ctx, m, "TaggedDict", &TaggedDict_spec, list_base)) return -1;
    if (!HPyHelpers_AddType(ctx, m, "Descr", &Descr_spec, CAPICOMPAT_NULL)) return -1;
    return 0;
}

HPyDef_SLOT(mod_exec2, HPy_mod_exec)
static int mod_exec2_impl(HPyContext *ctx, HPy m) {
    ModState *st = (ModState *)HPyModule_GetState(ctx, m);
    st->counter += 1; /* runs after mod_exec: declaration order */
    return 0;
}

HPyDef_METH(bump, "bump", HPyFunc_NOARGS)
static HPy bump_impl(HPyContext *ctx, HPy m) {
    ModState *st = (ModState *)HPyModule_GetState(ctx, m);
    return new_long(ctx, ++st->counter);
}

/* ---- HPy_MODINIT's errors, through the PyInit machinery on other HPyModuleDefs:
 * modinit_case(n, spec) -> the module made from definition n */
HPyDef_SLOT(bad_create, HPy_mod_create)
static HPy bad_create_impl(HPyContext *ctx, HPy spec) {
    (void)spec;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_SLOT(good_create, HPy_mod_create)
static HPy good_create_impl(HPyContext *ctx, HPy spec) {
    return HPy_GetAttr_s(ctx, spec, "name");
}

HPyDef_SLOT(module_create, HPy_mod_create)
static HPy module_create_impl(HPyContext *ctx, HPy spec) {
    (void)ctx;
    (void)spec;
    return capicompat_hpy_steal(PyModule_New("made_by_create"));
}

static HPyDef *only_create[] = {&good_create, CAPICOMPAT_NULL};
static HPyDef *module_create_defs[] = {&module_create, CAPICOMPAT_NULL};
static HPyDef *create_and_meth[] = {&good_create, &bump, CAPICOMPAT_NULL};
static HPyDef *two_creates[] = {&good_create, &bad_create, CAPICOMPAT_NULL};
static HPyDef *type_slot_in_module[] = {&Point_repr, CAPICOMPAT_NULL};

HPyDef_METH(modinit_case, "modinit_case", HPyFunc_VARARGS)
static HPy modinit_case_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs) {
    static HPyModuleDef defs[7];
    PyObject *def;
    long which;
    (void)self;
    if (nargs != 2) return HPyErr_SetString(ctx, ctx->h_TypeError, "modinit_case(n, spec)");
    which = HPyLong_AsLong(ctx, args[0]);
    if (which < 0 || which >= 7) return HPyErr_SetString(ctx, ctx->h_ValueError, "no such case");
    memset(&defs[which], 0, sizeof defs[which]);
    switch (which) {
    case 0: defs[0].size = -1; break;
    case 1: defs[1].defines = only_create; break;
    case 2: defs[2].defines = module_create_defs; break;
    case 3: defs[3].defines = create_and_meth; break;
    case 4: defs[4].defines = only_create; defs[4].doc = "doc"; break;
    case 5: defs[5].defines = two_creates; break;
    default: defs[6].defines = type_slot_in_module; break;
    }
    def = capicompat_hpy_modinit(&defs[which], "_hpy_types_case");
    if (def == CAPICOMPAT_NULL) return HPy_NULL;
    return capicompat_hpy_steal(PyModule_FromDefAndSpec((PyModuleDef *)def, capicompat_hpy_h2py(args[1])));
}

static HPyDef *module_defines[] = {
    &mod_exec, &mod_exec2, &bump, &try_spec, &type_name, &is_subtype, &new_of, &generic_new,
    &set_call, &counters, &modinit_case, &probe_signatures, &hooks, &lists_destroyed_count, &new_fails,
    &new_probe, &alloc_kind, &c_subclass, &c_subclass_dict,
    &no_type_visit_type, CAPICOMPAT_NULL};

static PyObject *legacy_hello(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyUnicode_FromString("hello");
}

static PyMethodDef module_legacy_methods[] = {
    {"legacy_hello", legacy_hello, METH_NOARGS, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL}};

static HPyModuleDef moduledef = {
    "HPy definition machinery tests", sizeof(ModState), module_legacy_methods, module_defines, CAPICOMPAT_NULL};

HPy_MODINIT(_hpy_types, moduledef)
