/* What the two translation units of _hpy_multi share. */
#ifndef MULTI_H
#define MULTI_H

typedef struct {
    long weight;
} BoxObject;
HPyType_HELPERS(BoxObject)

HPy multi_pair(HPyContext *ctx, HPy obj);
void multi_consume(HPyContext *ctx, HPy h);
long multi_box_weight(HPyContext *ctx, HPy box);
/* HPyDef_METH's variable is not static (as in HPy): the module lists it from the other unit. */
extern HPyDef twice;

#endif
