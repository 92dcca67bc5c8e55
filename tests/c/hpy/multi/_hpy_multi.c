/* An HPy extension of several translation units (this one, multi_items.c and race.c), as real
 * extensions are: generator/tests/hpy.rs builds them into one module, plain and in debug mode,
 * on every interpreter and runs check_multi.py. race.c is the unit whose context threads race
 * to use first (issue 14). */
#include "hpy.h"
#include "multi.h"
#include "race.h"
#include <stddef.h>

HPyDef_MEMBER(Box_weight, "weight", HPyMember_LONG, offsetof(BoxObject, weight))

HPyDef_SLOT(Box_new, HPy_tp_new)
static HPy Box_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw) {
    BoxObject *box;
    HPy h;
    long weight = 0;
    (void)kw;
    if (!HPyArg_Parse(ctx, CAPICOMPAT_NULL, args, (size_t)nargs, "|l:Box", &weight)) return HPy_NULL;
    h = HPy_New(ctx, cls, &box);
    if (!HPy_IsNull(h)) box->weight = weight;
    return h;
}

static HPyDef *Box_defines[] = {&Box_new, &Box_weight, CAPICOMPAT_NULL};

static HPyType_Spec Box_spec = {
    "_hpy_multi.Box", sizeof(BoxObject), 0, HPy_TPFLAGS_DEFAULT, SHAPE(BoxObject), CAPICOMPAT_NULL,
    Box_defines, CAPICOMPAT_NULL};

/* pairs(x): a handle made here, turned into a list by the other unit, which this unit closes;
 * then a handle made here closed by the other unit. */
HPyDef_METH(pairs, "pairs", HPyFunc_O)
static HPy pairs_impl(HPyContext *ctx, HPy self, HPy arg) {
    HPy copy = HPy_Dup(ctx, arg);
    HPy pair = multi_pair(ctx, copy);
    HPy_Close(ctx, copy);
    if (HPy_IsNull(pair)) return HPy_NULL;
    multi_consume(ctx, HPy_Dup(ctx, self));
    return pair;
}

HPyDef_METH(weight_of, "weight_of", HPyFunc_O)
static HPy weight_of_impl(HPyContext *ctx, HPy self, HPy box) {
    (void)self;
    return HPyLong_FromLong(ctx, multi_box_weight(ctx, box));
}

HPyDef_SLOT(multi_exec, HPy_mod_exec)
static int multi_exec_impl(HPyContext *ctx, HPy module) {
    return HPyHelpers_AddType(ctx, module, "Box", &Box_spec, CAPICOMPAT_NULL) ? 0 : -1;
}

/* race(threads) -> (threads, same_context, complete, constants, handles), see race.h; once per
 * process (race.c's context is filled by the first race) */
HPyDef_METH(race, "race", HPyFunc_O)
static HPy race_impl(HPyContext *ctx, HPy self, HPy arg) {
    race_result r;
    int rc;
    long threads = HPyLong_AsLong(ctx, arg);
    (void)self;
    if (threads == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
    if (threads < 1 || threads > RACE_THREADS_MAX) return HPyErr_SetString(ctx, ctx->h_ValueError, "1..32 threads");
    /* the threads take the GIL: this one lets it go while it waits for them */
    Py_BEGIN_ALLOW_THREADS
    rc = race_first_use((int)threads, &r);
    Py_END_ALLOW_THREADS
    if (rc != 0) return HPyErr_SetString(ctx, ctx->h_RuntimeError, "cannot start the threads");
    return capicompat_hpy_steal(Py_BuildValue("(iOOll)", r.threads, r.same_context ? Py_True : Py_False,
                                              r.complete ? Py_True : Py_False, r.constants, r.handles));
}

/* The module's definitions, one of them from the other unit. */
static HPyDef *module_defines[] = {&pairs, &weight_of, &twice, &race, &multi_exec, CAPICOMPAT_NULL};

static HPyModuleDef moduledef = {"two translation units", 0, CAPICOMPAT_NULL, module_defines, CAPICOMPAT_NULL};

HPy_MODINIT(_hpy_multi, moduledef)
