/* A translation unit of _hpy_multi where nothing touches the context before race_first_use's
 * threads do, so they race its first use (the fill). */
#include "hpy.h"
#include "race.h"
#include <pthread.h>
#include <stddef.h>

typedef struct {
    pthread_barrier_t *start;
    HPyContext *seen;
    int complete;
} racer;

#define HANDLES ((sizeof(HPyContext) - offsetof(HPyContext, h_None)) / sizeof(HPy))

/* Every handle filled, and a few of them the objects they stand for (h2py reads the handle
 * only: no GIL needed). */
static int context_complete(HPyContext *ctx) {
    const HPy *h = &ctx->h_None;
    size_t i;
    for (i = 0; i < HANDLES; i++) {
        if (HPy_IsNull(h[i])) return 0;
    }
    return capicompat_hpy_h2py(ctx->h_None) == Py_None && capicompat_hpy_h2py(ctx->h_True) == Py_True
           && capicompat_hpy_h2py(ctx->h_TypeError) == PyExc_TypeError
           && capicompat_hpy_h2py(ctx->h_ListType) == (PyObject *)&PyList_Type
           && capicompat_hpy_h2py(h[HANDLES - 1]) != CAPICOMPAT_NULL;
}

static void *race_one(void *arg) {
    racer *r = (racer *)arg;
    PyGILState_STATE gil;
    pthread_barrier_wait(r->start);
    /* a thread state, as every caller has (the fill asks for the builtins); on a GIL build
     * that is the GIL too, on a free-threaded one it is not */
    gil = PyGILState_Ensure();
    r->seen = capicompat_hpy_ctx();
    r->complete = context_complete(r->seen);
    PyGILState_Release(gil);
    return CAPICOMPAT_NULL;
}

int race_first_use(int threads, race_result *result) {
    pthread_t ids[RACE_THREADS_MAX];
    racer racers[RACE_THREADS_MAX];
    pthread_barrier_t start;
    int i, started = 0;
    if (threads < 1 || threads > RACE_THREADS_MAX) return -1;
    pthread_barrier_init(&start, CAPICOMPAT_NULL, (unsigned)threads);
    for (i = 0; i < threads; i++) {
        racers[i].start = &start;
        racers[i].seen = CAPICOMPAT_NULL;
        racers[i].complete = 0;
        if (pthread_create(&ids[i], CAPICOMPAT_NULL, race_one, &racers[i]) != 0) break;
        started++;
    }
    if (started < threads) {
        /* the threads started wait at the barrier forever: nothing to join */
        return -1;
    }
    for (i = 0; i < threads; i++) pthread_join(ids[i], CAPICOMPAT_NULL);
    pthread_barrier_destroy(&start);
    result->threads = threads;
    result->same_context = 1;
    result->complete = 1;
    for (i = 0; i < threads; i++) {
        if (racers[i].seen != racers[0].seen) result->same_context = 0;
        if (!racers[i].complete) result->complete = 0;
    }
    result->handles = (long)HANDLES;
#ifdef CAPI_COMPAT_HPY_DEBUG
    {
        /* the constants this unit's debug state holds open: the fill's, once */
        capicompat_hpy_dbg_state *s = capicompat_hpy_dbg();
        capicompat_hpy_dbg_handle *h;
        result->constants = 0;
        for (h = s->open.next; h != &s->open; h = h->next) {
            if (h->flags & CAPICOMPAT_HPY_DBG_CONSTANT) result->constants++;
        }
    }
#else
    result->constants = -1;
#endif
    return 0;
}
