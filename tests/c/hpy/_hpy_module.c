/* HPy types across extension modules: check_module.py loads this extension twice (a copy of
 * the file under another module name, so two copies of every static function) and makes a
 * SubPoint in one copy on the other copy's Point; deallocation, GC and the shape checks must
 * find Point's record across them. Also an HPy_MODINIT module without state.
 * generator/tests/hpy.rs builds it on every interpreter and runs tests/c/hpy/check_module.py. */
#include <Python.h>
#include "hpy.h"
#include <string.h>

static long sub_destroyed = 0;
static long point_destroyed = 0;

typedef struct {
    long x;
    long y;
    HPyField obj;
} PointObject;
HPyType_HELPERS(PointObject)

HPyDef_SLOT(Point_new, HPy_tp_new)
static HPy Point_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw) {
    PointObject *p;
    HPy h = HPy_New(ctx, cls, &p);
    (void)kw;
    if (HPy_IsNull(h)) return h;
    if (nargs > 0) p->x = HPyLong_AsLong(ctx, args[0]);
    if (nargs > 1) p->y = HPyLong_AsLong(ctx, args[1]);
    return h;
}

HPyDef_SLOT(Point_traverse, HPy_tp_traverse)
static int Point_traverse_impl(void *object, HPyFunc_visitproc visit, void *arg) {
    HPy_VISIT(&((PointObject *)object)->obj);
    return 0;
}

HPyDef_SLOT(Point_destroy, HPy_tp_destroy)
static void Point_destroy_impl(void *object) {
    (void)object;
    point_destroyed++;
}

HPyDef_MEMBER(Point_x, "x", HPyMember_LONG, offsetof(PointObject, x))
HPyDef_MEMBER(Point_y, "y", HPyMember_LONG, offsetof(PointObject, y))

HPyDef_GETSET(Point_obj, "obj")
static HPy Point_obj_get(HPyContext *ctx, HPy self, void *closure) {
    PointObject *p = PointObject_AsStruct(ctx, self);
    (void)closure;
    if (HPyField_IsNull(p->obj)) return HPy_Dup(ctx, ctx->h_None);
    return HPyField_Load(ctx, self, p->obj);
}
static int Point_obj_set(HPyContext *ctx, HPy self, HPy value, void *closure) {
    (void)closure;
    HPyField_Store(ctx, self, &PointObject_AsStruct(ctx, self)->obj, value);
    return 0;
}

static HPyDef *Point_defines[] = {
    &Point_new, &Point_traverse, &Point_destroy, &Point_x, &Point_y, &Point_obj, CAPICOMPAT_NULL};

static HPyType_Spec Point_spec = {
    "_hpy_module.Point", sizeof(PointObject), 0,
    HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC | HPy_TPFLAGS_BASETYPE,
    SHAPE(PointObject), CAPICOMPAT_NULL, Point_defines, CAPICOMPAT_NULL};

typedef struct {
    PointObject base;
    long z;
    HPyField other;
} SubPointObject;
HPyType_HELPERS(SubPointObject)

HPyDef_SLOT(SubPoint_traverse, HPy_tp_traverse)
static int SubPoint_traverse_impl(void *object, HPyFunc_visitproc visit, void *arg) {
    SubPointObject *p = (SubPointObject *)object;
    HPy_VISIT(&p->base.obj);
    HPy_VISIT(&p->other);
    return 0;
}

HPyDef_SLOT(SubPoint_destroy, HPy_tp_destroy)
static void SubPoint_destroy_impl(void *object) {
    (void)object;
    sub_destroyed++;
}

HPyDef_MEMBER(SubPoint_z, "z", HPyMember_LONG, offsetof(SubPointObject, z))

HPyDef_GETSET(SubPoint_other, "other")
static HPy SubPoint_other_get(HPyContext *ctx, HPy self, void *closure) {
    SubPointObject *p = SubPointObject_AsStruct(ctx, self);
    (void)closure;
    if (HPyField_IsNull(p->other)) return HPy_Dup(ctx, ctx->h_None);
    return HPyField_Load(ctx, self, p->other);
}
static int SubPoint_other_set(HPyContext *ctx, HPy self, HPy value, void *closure) {
    (void)closure;
    HPyField_Store(ctx, self, &SubPointObject_AsStruct(ctx, self)->other, value);
    return 0;
}

/* xyz() -> x + y + z, reading the base's fields through the shared layout */
HPyDef_METH(SubPoint_xyz, "xyz", HPyFunc_NOARGS)
static HPy SubPoint_xyz_impl(HPyContext *ctx, HPy self) {
    SubPointObject *p = SubPointObject_AsStruct(ctx, self);
    return HPyLong_FromLong(ctx, p->base.x + p->base.y + p->z);
}

static HPyDef *SubPoint_defines[] = {
    &SubPoint_traverse, &SubPoint_destroy, &SubPoint_z, &SubPoint_other, &SubPoint_xyz, CAPICOMPAT_NULL};

static HPyType_Spec SubPoint_spec = {
    "_hpy_module.SubPoint", sizeof(SubPointObject), 0, HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
    SHAPE(SubPointObject), CAPICOMPAT_NULL, SubPoint_defines, CAPICOMPAT_NULL};

static HPyType_Spec LegacyOnPure_spec = {
    "_hpy_module.LegacyOnPure", 0, 0, HPy_TPFLAGS_DEFAULT,
    HPyType_BuiltinShape_Legacy, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL};

/* legacy_on(base) -> raises: a legacy type may not inherit a pure type's layout */
HPyDef_METH(legacy_on, "legacy_on", HPyFunc_O)
static HPy legacy_on_impl(HPyContext *ctx, HPy self, HPy base) {
    HPyType_SpecParam params[2];
    (void)self;
    memset(params, 0, sizeof params);
    params[0].kind = HPyType_SpecParam_Base;
    params[0].object = base;
    return HPyType_FromSpec(ctx, &LegacyOnPure_spec, params);
}

/* destroyed() -> (Points, SubPoints) destroyed by this copy's impls */
HPyDef_METH(destroyed, "destroyed", HPyFunc_NOARGS)
static HPy destroyed_impl(HPyContext *ctx, HPy self) {
    (void)self;
    (void)ctx;
    return capicompat_hpy_steal(Py_BuildValue("(ll)", point_destroyed, sub_destroyed));
}

/* make_sub(base) -> SubPoint, a subclass of base (a Point of either copy) */
HPyDef_METH(make_sub, "make_sub", HPyFunc_O)
static HPy make_sub_impl(HPyContext *ctx, HPy self, HPy base) {
    HPyType_SpecParam params[2];
    (void)self;
    memset(params, 0, sizeof params);
    params[0].kind = HPyType_SpecParam_Base;
    params[0].object = base;
    return HPyType_FromSpec(ctx, &SubPoint_spec, params);
}

/* state_is_null() -> whether HPyModule_GetState gives NULL for a module without state */
HPyDef_METH(state_is_null, "state_is_null", HPyFunc_NOARGS)
static HPy state_is_null_impl(HPyContext *ctx, HPy self) {
    return HPyBool_FromLong(ctx, HPyModule_GetState(ctx, self) == CAPICOMPAT_NULL);
}

HPyDef_SLOT(module_exec, HPy_mod_exec)
static int module_exec_impl(HPyContext *ctx, HPy m) {
    return HPyHelpers_AddType(ctx, m, "Point", &Point_spec, CAPICOMPAT_NULL) ? 0 : -1;
}

static HPyDef *module_defines[] = {
    &module_exec, &legacy_on, &destroyed, &make_sub, &state_is_null, CAPICOMPAT_NULL};

static HPyModuleDef moduledef = {
    .doc = CAPICOMPAT_NULL,
    .size = 0,
    .legacy_methods = CAPICOMPAT_NULL,
    .defines = module_defines,
    .globals = CAPICOMPAT_NULL,
};

HPy_MODINIT(_hpy_module, moduledef)
