/* The second translation unit of _hpy_multi: HPy functions and plain helpers that take
 * handles made in the other unit and give handles back to it. Each unit has its own context
 * (and, in debug mode, its own record lists); handles and types cross freely. */
#include "hpy.h"
#include "multi.h"

/* A new list [obj, obj]: the caller's handle is duplicated, never consumed. */
HPy multi_pair(HPyContext *ctx, HPy obj) {
    HPyListBuilder b = HPyListBuilder_New(ctx, 2);
    HPyListBuilder_Set(ctx, b, 0, obj);
    HPyListBuilder_Set(ctx, b, 1, obj);
    return HPyListBuilder_Build(ctx, b);
}

/* Closes a handle the other unit opened and hands over. */
void multi_consume(HPyContext *ctx, HPy h) {
    HPy_Close(ctx, h);
}

/* The weight of a Box made by the other unit's type (struct access across units). */
long multi_box_weight(HPyContext *ctx, HPy box) {
    return BoxObject_AsStruct(ctx, box)->weight;
}

HPyDef_METH(twice, "twice", HPyFunc_O, .doc = "twice(x) -> [x, x], built in the second unit")
static HPy twice_impl(HPyContext *ctx, HPy self, HPy arg) {
    (void)self;
    return multi_pair(ctx, arg);
}
