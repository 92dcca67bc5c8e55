/* ---- Handles in debug mode (-DCAPI_COMPAT_HPY_DEBUG) ----
 * Beyond HPy, whose CPython-ABI mode has no debug checks: each handle is a record of its own
 * (HPy_Dup gives a new one), so the layer can tell who opened it, when it was closed, and
 * whether it may be closed at all. Checked, with the file and line of the API call:
 *   - use of a closed handle, and closing one twice (fatal: the object may be gone);
 *   - closing a context constant (ctx->h_None, ...) or an argument handle, and returning one
 *     from an HPy function without HPy_Dup (fatal: the caller's reference would be stolen);
 *   - handles opened during a call into an HPy function (HPyDef trampoline) and still open when
 *     it returns: leaks, reported on stderr, counted, not fatal;
 *   - builder misuse (see the builders).
 * Closed records wait in a quarantine before reuse, so a late use is still caught unless
 * CAPICOMPAT_HPY_DEBUG_QUARANTINE more handles were closed in between. The state is per
 * translation unit and every handle operation changes it: it needs the GIL, so the debug mode
 * is refused on a free-threaded build (Py_GIL_DISABLED) rather than corrupted there. */
/* A call into an HPy function, as its trampoline opened it (see capicompat_hpy_call_enter). */
typedef struct {
    unsigned long serial;
    const char *previous;
} capicompat_hpy_call;

#ifdef CAPI_COMPAT_HPY_DEBUG
#ifdef Py_GIL_DISABLED
#  error "capi-compat: the HPy debug mode (CAPI_COMPAT_HPY_DEBUG) needs the GIL; build without it on a free-threaded CPython (Py_GIL_DISABLED)"
#endif
#include <stdio.h>
#include <stdlib.h>

#ifndef CAPICOMPAT_HPY_DEBUG_QUARANTINE
#  define CAPICOMPAT_HPY_DEBUG_QUARANTINE 1024
#endif

#define CAPICOMPAT_HPY_DBG_MAGIC 0x48505944UL
#define CAPICOMPAT_HPY_DBG_OPEN 1u
#define CAPICOMPAT_HPY_DBG_CONSTANT 2u
#define CAPICOMPAT_HPY_DBG_ARGUMENT 4u
#define CAPICOMPAT_HPY_DBG_REPORTED 8u
#define CAPICOMPAT_HPY_DBG_BUILDER 16u

typedef struct capicompat_hpy_dbg_handle {
    unsigned long magic;
    unsigned int flags;
    PyObject *obj;
    /* Handles are numbered as they open: a call's handles are those above its mark. */
    unsigned long serial;
    const char *opened_file;
    int opened_line;
    const char *closed_file;
    int closed_line;
    /* Links in the list of open handles (by serial) or in the quarantine (oldest first). */
    struct capicompat_hpy_dbg_handle *prev, *next;
} capicompat_hpy_dbg_handle;

typedef struct {
    const char *site_file;
    int site_line;
    /* The HPy function running (its impl's name), for reports about what it returns. */
    const char *function;
    unsigned long serial;
    capicompat_hpy_dbg_handle open, quarantine;
    size_t quarantined;
    unsigned long leaks;
} capicompat_hpy_dbg_state;

/* An argument array of a call into an HPy function, as handles: a block of records that
 * capicompat_hpy_call_leave frees with the call's other argument handles. */
typedef struct capicompat_hpy_dbg_block {
    unsigned long serial;
    struct capicompat_hpy_dbg_block *next;
} capicompat_hpy_dbg_block;

static inline capicompat_hpy_dbg_block **capicompat_hpy_dbg_blocks(void) {
    static capicompat_hpy_dbg_block *blocks;
    return &blocks;
}

static inline capicompat_hpy_dbg_state *capicompat_hpy_dbg(void) {
    static capicompat_hpy_dbg_state state;
    if (state.open.next == CAPICOMPAT_NULL) {
        state.open.next = state.open.prev = &state.open;
        state.quarantine.next = state.quarantine.prev = &state.quarantine;
        state.site_file = "(unknown)";
    }
    return &state;
}

static inline void capicompat_hpy_dbg_unlink(capicompat_hpy_dbg_handle *h) {
    h->prev->next = h->next;
    h->next->prev = h->prev;
}

static inline void capicompat_hpy_dbg_append(capicompat_hpy_dbg_handle *list, capicompat_hpy_dbg_handle *h) {
    h->prev = list->prev;
    h->next = list;
    list->prev->next = h;
    list->prev = h;
}

/* Where the API function being called was called from (set by the macros at the end of
 * the layer, one per API function). */
static inline void capicompat_hpy_site(const char *file, int line) {
    capicompat_hpy_dbg_state *s = capicompat_hpy_dbg();
    s->site_file = file;
    s->site_line = line;
}

static inline const char *capicompat_hpy_dbg_type_name(PyObject *obj) {
    return obj != CAPICOMPAT_NULL ? Py_TYPE(obj)->tp_name : "NULL";
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((noreturn))
#endif
static inline void capicompat_hpy_dbg_fatal(const char *what, const capicompat_hpy_dbg_handle *h) {
    capicompat_hpy_dbg_state *s = capicompat_hpy_dbg();
    fprintf(stderr, "capi-compat HPy debug: %s at %s:%d", what, s->site_file, s->site_line);
    if (h != CAPICOMPAT_NULL && (h->flags & CAPICOMPAT_HPY_DBG_CONSTANT)) {
        fprintf(stderr, " (a context constant, the handle to %s)", capicompat_hpy_dbg_type_name(h->obj));
    } else if (h != CAPICOMPAT_NULL) {
        fprintf(stderr, " (handle to %s opened at %s:%d", capicompat_hpy_dbg_type_name(h->obj), h->opened_file,
                h->opened_line);
        if (h->closed_file != CAPICOMPAT_NULL) {
            fprintf(stderr, ", closed at %s:%d", h->closed_file, h->closed_line);
        }
        fprintf(stderr, ")");
    }
    fprintf(stderr, "\n");
    fflush(stderr);
    Py_FatalError("capi-compat HPy debug: invalid use of a handle (see above)");
}

static inline HPy capicompat_hpy_dbg_open(PyObject *obj, unsigned int flags) {
    capicompat_hpy_dbg_state *s = capicompat_hpy_dbg();
    capicompat_hpy_dbg_handle *h;
    HPy result;
    if (s->quarantined >= (size_t)CAPICOMPAT_HPY_DEBUG_QUARANTINE) {
        h = s->quarantine.next;
        capicompat_hpy_dbg_unlink(h);
        s->quarantined--;
    } else {
        h = (capicompat_hpy_dbg_handle *)malloc(sizeof(capicompat_hpy_dbg_handle));
        if (h == CAPICOMPAT_NULL) Py_FatalError("capi-compat HPy debug: out of memory for a handle");
    }
    h->magic = CAPICOMPAT_HPY_DBG_MAGIC;
    h->flags = flags | CAPICOMPAT_HPY_DBG_OPEN;
    h->obj = obj;
    h->serial = ++s->serial;
    h->opened_file = s->site_file;
    h->opened_line = s->site_line;
    h->closed_file = CAPICOMPAT_NULL;
    h->closed_line = 0;
    capicompat_hpy_dbg_append(&s->open, h);
    result._i = (intptr_t)h;
    return result;
}

/* The record of an open handle; anything else is fatal. */
static inline capicompat_hpy_dbg_handle *capicompat_hpy_dbg_get(HPy handle) {
    capicompat_hpy_dbg_handle *h = (capicompat_hpy_dbg_handle *)handle._i;
    if (h->magic != CAPICOMPAT_HPY_DBG_MAGIC) capicompat_hpy_dbg_fatal("not a handle", CAPICOMPAT_NULL);
    if (!(h->flags & CAPICOMPAT_HPY_DBG_OPEN)) capicompat_hpy_dbg_fatal("use of a closed handle", h);
    return h;
}

/* Closes the record (no reference changes); it waits in the quarantine. */
static inline void capicompat_hpy_dbg_retire(capicompat_hpy_dbg_handle *h) {
    capicompat_hpy_dbg_state *s = capicompat_hpy_dbg();
    h->flags &= ~CAPICOMPAT_HPY_DBG_OPEN;
    h->closed_file = s->site_file;
    h->closed_line = s->site_line;
    capicompat_hpy_dbg_unlink(h);
    capicompat_hpy_dbg_append(&s->quarantine, h);
    s->quarantined++;
}

static inline PyObject *capicompat_hpy_h2py(HPy h) {
    return h._i == 0 ? CAPICOMPAT_NULL : capicompat_hpy_dbg_get(h)->obj;
}

static inline HPy capicompat_hpy_steal(PyObject *o) {
    return o == CAPICOMPAT_NULL ? HPy_NULL : capicompat_hpy_dbg_open(o, 0u);
}

/* A handle to an object the caller owns (an argument of an HPy function): valid until the
 * function returns, never closed by it. */
static inline HPy capicompat_hpy_borrow(PyObject *o) {
    return o == CAPICOMPAT_NULL ? HPy_NULL : capicompat_hpy_dbg_open(o, CAPICOMPAT_HPY_DBG_ARGUMENT);
}

static inline HPy capicompat_hpy_constant(PyObject *o) {
    return capicompat_hpy_dbg_open(o, CAPICOMPAT_HPY_DBG_CONSTANT);
}

static inline HPy capicompat_hpy_dup(HPy h) {
    PyObject *obj = capicompat_hpy_h2py(h);
    if (obj == CAPICOMPAT_NULL) return HPy_NULL;
    Py_INCREF(obj);
    return capicompat_hpy_dbg_open(obj, 0u);
}

static inline void capicompat_hpy_close(HPy handle) {
    capicompat_hpy_dbg_handle *h;
    PyObject *obj;
    if (handle._i == 0) return;
    h = (capicompat_hpy_dbg_handle *)handle._i;
    if (h->magic == CAPICOMPAT_HPY_DBG_MAGIC && !(h->flags & CAPICOMPAT_HPY_DBG_OPEN)) {
        capicompat_hpy_dbg_fatal("HPy_Close of a closed handle (closed twice)", h);
    }
    h = capicompat_hpy_dbg_get(handle);
    if (h->flags & CAPICOMPAT_HPY_DBG_CONSTANT) {
        capicompat_hpy_dbg_fatal("HPy_Close of a context constant (ctx->h_...; HPy_Dup it first)", h);
    }
    if (h->flags & CAPICOMPAT_HPY_DBG_ARGUMENT) {
        capicompat_hpy_dbg_fatal("HPy_Close of an argument handle (the caller owns it)", h);
    }
    obj = h->obj;
    capicompat_hpy_dbg_retire(h);
    Py_DECREF(obj);
}

/* A call into an HPy function begins: its mark is the last handle opened before it. */
static inline capicompat_hpy_call capicompat_hpy_call_enter(const char *function) {
    capicompat_hpy_dbg_state *s = capicompat_hpy_dbg();
    capicompat_hpy_call mark;
    mark.serial = s->serial;
    mark.previous = s->function;
    s->function = function;
    return mark;
}

/* The call that began at `mark` returns `result` (HPy_NULL for functions returning no
 * handle): its argument handles end, and any other handle it opened and did not close (bar
 * the result) has leaked. `what` names the HPy function for the report. */
static inline void capicompat_hpy_call_leave(capicompat_hpy_call call, HPy result, const char *what) {
    capicompat_hpy_dbg_state *s = capicompat_hpy_dbg();
    unsigned long mark = call.serial;
    capicompat_hpy_dbg_handle *h, *prev;
    capicompat_hpy_dbg_handle *res = result._i == 0 ? CAPICOMPAT_NULL : capicompat_hpy_dbg_get(result);
    if (res != CAPICOMPAT_NULL && (res->flags & CAPICOMPAT_HPY_DBG_CONSTANT)) {
        capicompat_hpy_dbg_fatal("returning a context constant without HPy_Dup", res);
    }
    if (res != CAPICOMPAT_NULL && (res->flags & CAPICOMPAT_HPY_DBG_ARGUMENT)) {
        capicompat_hpy_dbg_fatal("returning an argument handle without HPy_Dup", res);
    }
    capicompat_hpy_dbg_block **blocks = capicompat_hpy_dbg_blocks();
    while (*blocks != CAPICOMPAT_NULL && (*blocks)->serial >= mark) {
        capicompat_hpy_dbg_block *done = *blocks;
        *blocks = done->next;
        free(done);
    }
    for (h = s->open.prev; h != &s->open && h->serial > mark; h = prev) {
        prev = h->prev;
        if (h == res) continue;
        if (h->flags & CAPICOMPAT_HPY_DBG_ARGUMENT) {
            capicompat_hpy_dbg_retire(h);
        } else if (!(h->flags & (CAPICOMPAT_HPY_DBG_REPORTED | CAPICOMPAT_HPY_DBG_CONSTANT))) {
            h->flags |= CAPICOMPAT_HPY_DBG_REPORTED;
            s->leaks++;
            fprintf(stderr, "capi-compat HPy debug: leaked %s to %s opened at %s:%d (%s when %s returned)\n",
                    (h->flags & CAPICOMPAT_HPY_DBG_BUILDER) ? "builder" : "handle",
                    capicompat_hpy_dbg_type_name(h->obj), h->opened_file, h->opened_line,
                    (h->flags & CAPICOMPAT_HPY_DBG_BUILDER) ? "neither built nor cancelled" : "still open", what);
            fflush(stderr);
        }
    }
    s->function = call.previous;
}

static inline const HPy *capicompat_hpy_borrow_args(PyObject *const *args, size_t n) {
    capicompat_hpy_dbg_block **blocks = capicompat_hpy_dbg_blocks();
    capicompat_hpy_dbg_block *block;
    HPy *handles;
    size_t i;
    /* The handles follow the header, aligned as an HPy. */
    size_t header = (sizeof(capicompat_hpy_dbg_block) + sizeof(HPy) - 1) / sizeof(HPy) * sizeof(HPy);
    block = (capicompat_hpy_dbg_block *)malloc(header + (n > 0 ? n : 1) * sizeof(HPy));
    if (block == CAPICOMPAT_NULL) Py_FatalError("capi-compat HPy debug: out of memory for argument handles");
    block->serial = capicompat_hpy_dbg()->serial;
    block->next = *blocks;
    *blocks = block;
    handles = (HPy *)(void *)((char *)block + header);
    for (i = 0; i < n; i++) handles[i] = capicompat_hpy_borrow(args[i]);
    return handles;
}

/* The handle an HPy function returns, given back to CPython as the new reference it owns.
 * A constant or an argument was not the function's to give away. */
static inline PyObject *capicompat_hpy_release(HPy result) {
    capicompat_hpy_dbg_handle *h;
    PyObject *obj;
    if (result._i == 0) return CAPICOMPAT_NULL;
    h = capicompat_hpy_dbg_get(result);
    if (h->flags & (CAPICOMPAT_HPY_DBG_CONSTANT | CAPICOMPAT_HPY_DBG_ARGUMENT)) {
        const char *function = capicompat_hpy_dbg()->function;
        fprintf(stderr, "capi-compat HPy debug: %s returned %s without HPy_Dup\n",
                function != CAPICOMPAT_NULL ? function : "an HPy function",
                (h->flags & CAPICOMPAT_HPY_DBG_CONSTANT) ? "a context constant" : "an argument handle");
        capicompat_hpy_dbg_fatal("returning a handle the function does not own", h);
    }
    obj = h->obj;
    capicompat_hpy_dbg_retire(h);
    return obj;
}

/* After an HPy getbuffer impl: the owner handle it stored in the view becomes the reference
 * CPython's PyBuffer_Release gives back. */
static inline void capicompat_hpy_buffer_filled(Py_buffer *view) {
    HPy owner;
    owner._i = (intptr_t)view->obj;
    view->obj = capicompat_hpy_release(owner);
}

/* Before an HPy releasebuffer impl: the view's owner as a handle, for the length of the call
 * (the trampoline puts the object back). */
static inline void capicompat_hpy_buffer_lend_owner(Py_buffer *view) {
    view->obj = (PyObject *)capicompat_hpy_borrow(view->obj)._i;
}

/* Builders (HPyListBuilder, HPyTupleBuilder) are records too, flagged as builders: one left
 * open is a leak, one used after Build or Cancel is fatal, and so is a Set out of range or of
 * HPy_NULL. `builder` is the builder's intptr_t field. */
static inline intptr_t capicompat_hpy_builder_open(PyObject *seq) {
    return capicompat_hpy_dbg_open(seq, CAPICOMPAT_HPY_DBG_BUILDER)._i;
}

static inline capicompat_hpy_dbg_handle *capicompat_hpy_builder_record(intptr_t builder) {
    capicompat_hpy_dbg_handle *h = (capicompat_hpy_dbg_handle *)builder;
    if (h == CAPICOMPAT_NULL || h->magic != CAPICOMPAT_HPY_DBG_MAGIC || !(h->flags & CAPICOMPAT_HPY_DBG_BUILDER)) {
        capicompat_hpy_dbg_fatal("not a builder (made by HPyListBuilder_New or HPyTupleBuilder_New)",
                                 CAPICOMPAT_NULL);
    }
    if (!(h->flags & CAPICOMPAT_HPY_DBG_OPEN)) capicompat_hpy_dbg_fatal("builder used after Build or Cancel", h);
    return h;
}

static inline PyObject *capicompat_hpy_builder_get(intptr_t builder) {
    return capicompat_hpy_builder_record(builder)->obj;
}

static inline PyObject *capicompat_hpy_builder_end(intptr_t builder) {
    capicompat_hpy_dbg_handle *h = capicompat_hpy_builder_record(builder);
    PyObject *seq = h->obj;
    capicompat_hpy_dbg_retire(h);
    return seq;
}

static inline void capicompat_hpy_builder_check_set(intptr_t builder, Py_ssize_t size, Py_ssize_t index, HPy item) {
    capicompat_hpy_dbg_handle *h = capicompat_hpy_builder_record(builder);
    if (index < 0 || index >= size) capicompat_hpy_dbg_fatal("builder Set with an index out of range", h);
    if (item._i == 0) capicompat_hpy_dbg_fatal("builder Set of HPy_NULL", h);
}

/* How many leaks this translation unit has reported (for tests and atexit checks). */
static inline unsigned long capicompat_hpy_debug_leaks(void) {
    return capicompat_hpy_dbg()->leaks;
}

/* Every handle still open that is not a context constant: the leak check for code that
 * calls the HPy layer outside HPy functions (e.g. from a classic module's methods). Reports
 * each and returns how many there were. */
static inline unsigned long capicompat_hpy_debug_check_open(const char *what) {
    capicompat_hpy_call everything;
    everything.serial = 0;
    everything.previous = capicompat_hpy_dbg()->function;
    capicompat_hpy_call_leave(everything, HPy_NULL, what);
    return capicompat_hpy_dbg()->leaks;
}

#else /* !CAPI_COMPAT_HPY_DEBUG: a handle is the PyObject *, everything folds away. */

static inline PyObject *capicompat_hpy_h2py(HPy h) {
    return (PyObject *)h._i;
}

static inline HPy capicompat_hpy_steal(PyObject *o) {
    HPy h;
    h._i = (intptr_t)o;
    return h;
}

static inline HPy capicompat_hpy_borrow(PyObject *o) {
    return capicompat_hpy_steal(o);
}

static inline HPy capicompat_hpy_constant(PyObject *o) {
    return capicompat_hpy_steal(o);
}

static inline HPy capicompat_hpy_dup(HPy h) {
    Py_XINCREF(capicompat_hpy_h2py(h));
    return h;
}

static inline void capicompat_hpy_close(HPy h) {
    Py_XDECREF(capicompat_hpy_h2py(h));
}

static inline capicompat_hpy_call capicompat_hpy_call_enter(const char *function) {
    capicompat_hpy_call mark;
    mark.serial = 0;
    mark.previous = function;
    return mark;
}

static inline void capicompat_hpy_call_leave(capicompat_hpy_call mark, HPy result, const char *what) {
    (void)mark;
    (void)result;
    (void)what;
}

static inline const HPy *capicompat_hpy_borrow_args(PyObject *const *args, size_t n) {
    /* A handle has the layout of the PyObject * it holds. */
    (void)n;
    return (const HPy *)(const void *)args;
}

static inline PyObject *capicompat_hpy_release(HPy result) {
    return capicompat_hpy_h2py(result);
}

static inline void capicompat_hpy_buffer_filled(Py_buffer *view) {
    (void)view;
}

static inline void capicompat_hpy_buffer_lend_owner(Py_buffer *view) {
    (void)view;
}

static inline intptr_t capicompat_hpy_builder_open(PyObject *seq) {
    return (intptr_t)seq;
}

static inline PyObject *capicompat_hpy_builder_get(intptr_t builder) {
    return (PyObject *)builder;
}

static inline PyObject *capicompat_hpy_builder_end(intptr_t builder) {
    return (PyObject *)builder;
}

static inline void capicompat_hpy_builder_check_set(intptr_t builder, Py_ssize_t size, Py_ssize_t index, HPy item) {
    (void)builder;
    (void)size;
    (void)index;
    (void)item;
}

#endif /* CAPI_COMPAT_HPY_DEBUG */

/* Opens a call into an HPy function (a trampoline): its mark for capicompat_hpy_call_leave. */
#define CAPICOMPAT_HPY_CALL_MARK(function) capicompat_hpy_call capicompat_hpy_mark = capicompat_hpy_call_enter(function)

/* The objects of a vectorcall argument array: positional ones and keyword values. */
static inline size_t capicompat_hpy_vectorcall_count(size_t nargsf, PyObject *kwnames) {
    return (size_t)PyVectorcall_NARGS(nargsf) + (kwnames != CAPICOMPAT_NULL ? (size_t)PyTuple_GET_SIZE(kwnames) : 0);
}
