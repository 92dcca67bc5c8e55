/* The allocation-failure runtime of `capi-compat test --alloc-fail` (CPython only).
 *
 * A hook installed with the public PyMem_SetAllocator() on all three domains (RAW, MEM, OBJ)
 * passes every call on to the allocator it replaced (PyMem_GetAllocator()), except one: while
 * a call of a function under test is in progress ("armed"), it counts the allocations
 * (malloc, calloc, realloc) made on the test's thread and fails the Nth one, once. Each call
 * of a C API function in a test goes through a wrapper (generated per function) that arms the
 * counter for the call and, when the failure was hit inside it, judges what the function did:
 *   - an error return with an exception set: expected. The exception is cleared, the call's
 *     reference balance measured (debug builds), and the test is left at once (longjmp): its
 *     own checks expect success and no longer mean anything;
 *   - a success return with an exception set, or NULL without one: a defect, reported;
 *   - a success return without an exception: the function recovered; the test goes on and
 *     must then pass as written (its checks prove the result correct).
 * Only the calls of the functions under test are armed: a test's own set-up never fails, so
 * a failure is always attributable to the function, and reference leaks can be measured. */
#ifndef CAPICOMPAT_ALLOCFAIL_H
#define CAPICOMPAT_ALLOCFAIL_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

enum capicompat_af_outcome {
    CAPICOMPAT_AF_NONE = 0,
    /* the function under test returned an error with an exception set */
    CAPICOMPAT_AF_ERROR,
    /* it succeeded despite the failure (the test must then pass) */
    CAPICOMPAT_AF_RECOVERED,
    CAPICOMPAT_AF_FAIL
};

typedef struct {
    PyMemAllocatorEx previous[3];
    int installed;
    /* a test is running under the counter */
    int running;
    /* fail the target-th armed allocation (0: none) */
    long long target;
    /* armed allocations so far in this run */
    long long counted;
    int hit;
    const char *hit_in;
    const char *hit_what;
    size_t hit_size;
    enum capicompat_af_outcome outcome;
    char detail[512];
    /* reference balance (debug builds): of the failing call (error), of the test (recovered) */
    Py_ssize_t delta;
    /* calls not armed because an exception was already set or the GIL was not held */
    long long unarmed_calls;
    PyObject *gettotalrefcount;
    int gc_was_enabled;
    /* the thread state the test started in */
    PyThreadState *tstate;
    /* its interpreter: allocations made while a thread state of another interpreter is
       attached on the test's thread (a sub-interpreter being created inside the call) are
       that interpreter's, not counted */
    PyInterpreterState *interp;
    /* the total reference count when the test started */
    Py_ssize_t test_before;
    jmp_buf jump;
} capicompat_af_state;

static capicompat_af_state capicompat_af;
/* Only the test's thread counts: another thread's allocations would make N meaningless. */
static _Thread_local int capicompat_af_armed;

/* The thread state attached on this thread, NULL when detached (not the header's backport:
   this runtime must work with any spec). */
static inline PyThreadState *capicompat_af_attached(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyThreadState_GetUnchecked();
#else
    return _PyThreadState_UncheckedGet();
#endif
}

/* Is the test's interpreter the one allocating? Not while a call under test has made a
   sub-interpreter's thread state current (Py_NewInterpreterFromConfig): its own set-up (tens
   of thousands of allocations, each failure a Py_FatalError of CPython's, README) belongs to
   the new interpreter, whose calls are not tried either. Detached (NULL), the test's thread
   still counts. */
static inline int capicompat_af_own_interpreter(void)
{
    PyThreadState *attached = capicompat_af_attached();
    return attached == CAPICOMPAT_NULL || attached == capicompat_af.tstate
           || PyThreadState_GetInterpreter(attached) == capicompat_af.interp;
}

/* Does this allocation fail? Counts it when armed. */
static inline int capicompat_af_fails(const char *what, size_t size)
{
    if (!capicompat_af_armed || !capicompat_af_own_interpreter()) {
        return 0;
    }
    capicompat_af.counted++;
    if (capicompat_af.hit || capicompat_af.counted != capicompat_af.target) {
        return 0;
    }
    capicompat_af.hit = 1;
    capicompat_af.hit_what = what;
    capicompat_af.hit_size = size;
    return 1;
}

static inline void *capicompat_af_malloc(void *ctx, size_t size)
{
    PyMemAllocatorEx *prev = (PyMemAllocatorEx *)ctx;
    if (capicompat_af_fails("malloc", size)) {
        return CAPICOMPAT_NULL;
    }
    return prev->malloc(prev->ctx, size);
}

static inline void *capicompat_af_calloc(void *ctx, size_t nelem, size_t elsize)
{
    PyMemAllocatorEx *prev = (PyMemAllocatorEx *)ctx;
    if (capicompat_af_fails("calloc", nelem * elsize)) {
        return CAPICOMPAT_NULL;
    }
    return prev->calloc(prev->ctx, nelem, elsize);
}

static inline void *capicompat_af_realloc(void *ctx, void *ptr, size_t size)
{
    PyMemAllocatorEx *prev = (PyMemAllocatorEx *)ctx;
    if (capicompat_af_fails("realloc", size)) {
        return CAPICOMPAT_NULL;
    }
    return prev->realloc(prev->ctx, ptr, size);
}

static inline void capicompat_af_free(void *ctx, void *ptr)
{
    PyMemAllocatorEx *prev = (PyMemAllocatorEx *)ctx;
    prev->free(prev->ctx, ptr);
}

/* The total reference count (debug builds: sys.gettotalrefcount(), the public way on every
 * version), or 0 where there is none. Called only while not armed. */
static inline Py_ssize_t capicompat_af_total(void)
{
    if (capicompat_af.gettotalrefcount == CAPICOMPAT_NULL) {
        return 0;
    }
    /* the type attribute cache holds a reference to each attribute name it has seen: its
       churn is the interpreter's, not the function's */
    PyType_ClearCache();
    PyObject *value = PyObject_CallNoArgs(capicompat_af.gettotalrefcount);
    if (value == CAPICOMPAT_NULL) {
        PyErr_Clear();
        return 0;
    }
    Py_ssize_t total = PyLong_AsSsize_t(value);
    Py_DECREF(value);
    return total;
}

/* A full collection now. A run keeps the collector disabled (see capicompat_af_run), and
 * PyGC_Collect() collects nothing while it is disabled: enable it for this one. */
static inline Py_ssize_t capicompat_af_collect(void)
{
    int was_enabled = PyGC_Enable();
    Py_ssize_t collected = PyGC_Collect();
    if (!was_enabled) {
        PyGC_Disable();
    }
    return collected;
}

/* The reference balance since `before`, after a collection when it looks positive (cyclic
 * garbage is not a leak). */
static inline Py_ssize_t capicompat_af_balance(Py_ssize_t before)
{
    if (capicompat_af.gettotalrefcount == CAPICOMPAT_NULL) {
        return 0;
    }
    Py_ssize_t delta = capicompat_af_total() - before;
    if (delta > 0) {
        capicompat_af_collect();
        delta = capicompat_af_total() - before;
    }
    return delta;
}

static inline PyObject *capicompat_af_install(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (!capicompat_af.installed) {
        static const PyMemAllocatorDomain domains[3] = {PYMEM_DOMAIN_RAW, PYMEM_DOMAIN_MEM, PYMEM_DOMAIN_OBJ};
        PyObject *sys = PyImport_ImportModule("sys");
        if (sys == CAPICOMPAT_NULL) {
            return CAPICOMPAT_NULL;
        }
        /* present on debug builds only */
        capicompat_af.gettotalrefcount = PyObject_GetAttrString(sys, "gettotalrefcount");
        Py_DECREF(sys);
        if (capicompat_af.gettotalrefcount == CAPICOMPAT_NULL) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
                return CAPICOMPAT_NULL;
            }
            PyErr_Clear();
        }
        for (int i = 0; i < 3; i++) {
            PyMem_GetAllocator(domains[i], &capicompat_af.previous[i]);
            PyMemAllocatorEx hook = {&capicompat_af.previous[i], capicompat_af_malloc, capicompat_af_calloc,
                                     capicompat_af_realloc, capicompat_af_free};
            PyMem_SetAllocator(domains[i], &hook);
        }
        capicompat_af.installed = 1;
    }
    return PyBool_FromLong(capicompat_af.gettotalrefcount != CAPICOMPAT_NULL);
}

/* One call of a function under test. */
typedef struct {
    const char *name;
    int armed;
    int gc_was_enabled;
    int hit_before;
    Py_ssize_t total_before;
} capicompat_af_call;

/* What a wrapper knows of a return value. */
enum capicompat_af_result {
    /* the error value of the return type (NULL, -1) */
    CAPICOMPAT_AF_ERROR_VALUE,
    /* NULL: an error value that needs an exception */
    CAPICOMPAT_AF_NULL_VALUE,
    CAPICOMPAT_AF_OTHER_VALUE,
    /* void, or a type without an error value: only the exception tells */
    CAPICOMPAT_AF_NO_VALUE,
    /* a function that reports errors by its return value alone, never an exception
       (PyTime_MonotonicRaw, the PyInitConfig API): its error value, or another value */
    CAPICOMPAT_AF_SILENT_ERROR_VALUE,
    CAPICOMPAT_AF_SILENT_OTHER_VALUE
};

static inline void capicompat_af_enter(capicompat_af_call *call, const char *name)
{
    call->name = name;
    call->armed = 0;
    call->gc_was_enabled = 0;
    call->hit_before = 0;
    call->total_before = 0;
    if (!capicompat_af.running || capicompat_af_armed) {
        return;
    }
    /* the thread state, NULL when detached (not the header's backport: this runtime must
       work with any spec) */
#if PY_VERSION_HEX >= 0x030D0000
    PyThreadState *attached = PyThreadState_GetUnchecked();
#else
    PyThreadState *attached = _PyThreadState_UncheckedGet();
#endif
    /* another thread state (a sub-interpreter the test made) is not judged: leaving the
       test from there would leave that thread state current */
    if (attached != capicompat_af.tstate || PyErr_Occurred()) {
        /* without the GIL nothing can be judged; with an exception already set, neither can
           the function's own error report */
        capicompat_af.unarmed_calls++;
        return;
    }
    call->total_before = capicompat_af_total();
    /* a collection inside the call would run finalizers under the counter */
    call->gc_was_enabled = PyGC_Disable();
    call->hit_before = capicompat_af.hit;
    call->armed = 1;
    capicompat_af_armed = 1;
}

static inline void capicompat_af_describe(const char *what)
{
    snprintf(capicompat_af.detail, sizeof capicompat_af.detail, "%s", what);
}

static inline void capicompat_af_leave(capicompat_af_call *call, enum capicompat_af_result result)
{
    if (!call->armed) {
        return;
    }
    capicompat_af_armed = 0;
    if (call->gc_was_enabled) {
        PyGC_Enable();
    }
    if (capicompat_af.hit == call->hit_before) {
        return;
    }
    capicompat_af.hit_in = call->name;
    PyObject *pending = PyErr_Occurred();
    if (result == CAPICOMPAT_AF_SILENT_ERROR_VALUE || result == CAPICOMPAT_AF_SILENT_OTHER_VALUE) {
        if (pending != CAPICOMPAT_NULL) {
            capicompat_af.outcome = CAPICOMPAT_AF_FAIL;
            snprintf(capicompat_af.detail, sizeof capicompat_af.detail,
                     "raised %s, but it reports errors without an exception", ((PyTypeObject *)pending)->tp_name);
            PyErr_Clear();
            longjmp(capicompat_af.jump, 1);
        }
        if (result == CAPICOMPAT_AF_SILENT_OTHER_VALUE) {
            capicompat_af.outcome = CAPICOMPAT_AF_RECOVERED;
            return;
        }
        capicompat_af.outcome = CAPICOMPAT_AF_ERROR;
        capicompat_af_describe("error value (no exception, as documented)");
        capicompat_af.delta = capicompat_af_balance(call->total_before);
        longjmp(capicompat_af.jump, 1);
    }
    if (pending != CAPICOMPAT_NULL) {
        const char *type_name = ((PyTypeObject *)pending)->tp_name;
        if (result == CAPICOMPAT_AF_OTHER_VALUE) {
            capicompat_af.outcome = CAPICOMPAT_AF_FAIL;
            snprintf(capicompat_af.detail, sizeof capicompat_af.detail,
                     "returned a success value with %s set", type_name);
        }
        else {
            capicompat_af.outcome = CAPICOMPAT_AF_ERROR;
            capicompat_af_describe(type_name);
        }
        PyErr_Clear();
        capicompat_af.delta = capicompat_af_balance(call->total_before);
        longjmp(capicompat_af.jump, 1);
    }
    if (result == CAPICOMPAT_AF_NULL_VALUE) {
        capicompat_af.outcome = CAPICOMPAT_AF_FAIL;
        capicompat_af_describe("returned NULL without an exception");
        longjmp(capicompat_af.jump, 1);
    }
    /* it recovered (or an int error value without an exception, which the test's own
       checks judge) */
    capicompat_af.outcome = CAPICOMPAT_AF_RECOVERED;
}

/* For a caller whose API reports the error of an earlier call later, as documented (HPy's
   builders: New reports nothing, Build raises MemoryError): when the failure was hit and that
   error is now set, the run ends as an error report. (No reference balance: the caller's own
   objects are still alive.) */
static inline void capicompat_af_deferred_error(void)
{
    PyObject *pending = PyErr_Occurred();
    if (!capicompat_af.running || !capicompat_af.hit || pending == CAPICOMPAT_NULL) {
        return;
    }
    capicompat_af.outcome = CAPICOMPAT_AF_ERROR;
    snprintf(capicompat_af.detail, sizeof capicompat_af.detail, "%s (reported later)",
             ((PyTypeObject *)pending)->tp_name);
    PyErr_Clear();
    longjmp(capicompat_af.jump, 1);
}

static inline enum capicompat_af_result capicompat_af_pointer(const void *value)
{
    return value == CAPICOMPAT_NULL ? CAPICOMPAT_AF_NULL_VALUE : CAPICOMPAT_AF_OTHER_VALUE;
}

static inline enum capicompat_af_result capicompat_af_signed(long long value)
{
    return value == -1 ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE;
}

static inline enum capicompat_af_result capicompat_af_silent(int is_error)
{
    return is_error ? CAPICOMPAT_AF_SILENT_ERROR_VALUE : CAPICOMPAT_AF_SILENT_OTHER_VALUE;
}

static inline enum capicompat_af_result capicompat_af_double(double value)
{
    return value == -1.0 ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE;
}

/* The message of the pending exception, for a test that failed after its function recovered. */
static inline void capicompat_af_append_exception(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    const char *text = "?";
    PyObject *str = value != CAPICOMPAT_NULL ? PyObject_Str(value) : CAPICOMPAT_NULL;
    if (str != CAPICOMPAT_NULL) {
        const char *utf8 = PyUnicode_AsUTF8(str);
        if (utf8 != CAPICOMPAT_NULL) {
            text = utf8;
        }
    }
    PyErr_Clear();
    size_t used = strlen(capicompat_af.detail);
    snprintf(capicompat_af.detail + used, sizeof capicompat_af.detail - used, "%s: %s",
             type != CAPICOMPAT_NULL ? ((PyTypeObject *)type)->tp_name : "?", text);
    Py_XDECREF(str);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

/* The test itself and the judgement of how it ended, when no wrapper left it by longjmp.
   Kept out of line: nothing of it lives in the frame that calls setjmp. */
__attribute__((noinline)) static void capicompat_af_test_body(int (*test)(void), Py_ssize_t before)
{
    int status = test();
    capicompat_af.running = 0;
    if (!capicompat_af.hit) {
        if (status != 0 || PyErr_Occurred()) {
            capicompat_af.outcome = CAPICOMPAT_AF_FAIL;
            capicompat_af_describe("the test failed with no allocation failed: ");
            capicompat_af_append_exception();
        }
    }
    else if (status != 0 || PyErr_Occurred()) {
        capicompat_af.outcome = CAPICOMPAT_AF_FAIL;
        capicompat_af_describe("returned without an exception, then the test failed: ");
        capicompat_af_append_exception();
    }
    else {
        capicompat_af.delta = capicompat_af_balance(before);
    }
}

/* Runs one test with the target-th armed allocation failing; see the file's comment. */
static inline void capicompat_af_run(int (*test)(void), long long target)
{
    memset(capicompat_af.detail, 0, sizeof capicompat_af.detail);
    capicompat_af.target = target;
    capicompat_af.counted = 0;
    capicompat_af.hit = 0;
    capicompat_af.hit_in = CAPICOMPAT_NULL;
    capicompat_af.hit_what = CAPICOMPAT_NULL;
    capicompat_af.hit_size = 0;
    capicompat_af.outcome = CAPICOMPAT_AF_NONE;
    capicompat_af.delta = 0;
    capicompat_af.unarmed_calls = 0;
    /* no automatic collection during the run: one that frees older garbage between two
       measurements would hide a leak (only the explicit one after a positive balance runs) */
    capicompat_af.tstate = PyThreadState_Get();
    capicompat_af.interp = PyThreadState_GetInterpreter(capicompat_af.tstate);
    capicompat_af.gc_was_enabled = PyGC_Disable();
    capicompat_af.test_before = capicompat_af_total();
    capicompat_af.running = 1;
    if (setjmp(capicompat_af.jump) == 0) {
        capicompat_af_test_body(test, capicompat_af.test_before);
    }
    capicompat_af.running = 0;
    capicompat_af_armed = 0;
    if (capicompat_af.gc_was_enabled) {
        PyGC_Enable();
    }
    if (PyErr_Occurred()) {
        PyErr_Clear();
    }
}

static inline const char *capicompat_af_outcome_name(void)
{
    if (!capicompat_af.hit) {
        /* the run never reached the target: the sweep is over */
        return capicompat_af.outcome == CAPICOMPAT_AF_FAIL ? "unhit-fail" : "complete";
    }
    switch (capicompat_af.outcome) {
    case CAPICOMPAT_AF_ERROR:
        return "error";
    case CAPICOMPAT_AF_RECOVERED:
        return "recovered";
    case CAPICOMPAT_AF_FAIL:
        return "fail";
    case CAPICOMPAT_AF_NONE:
        break;
    }
    /* every armed call is judged when it returns: the test left the call some other way */
    return "fail";
}

/* allocfail(test_run_function_index, target) is built by the module: see allocfail_module.c */
static inline PyObject *capicompat_af_result_tuple(void)
{
    char where[160];
    where[0] = '\0';
    if (capicompat_af.hit) {
        snprintf(where, sizeof where, "%s (%s of %zu bytes)", capicompat_af.hit_in ? capicompat_af.hit_in : "?",
                 capicompat_af.hit_what ? capicompat_af.hit_what : "?", capicompat_af.hit_size);
    }
    return Py_BuildValue("(sLssnL)", capicompat_af_outcome_name(), capicompat_af.counted, where,
                         capicompat_af.detail, capicompat_af.delta, capicompat_af.unarmed_calls);
}

/* The tests' own PyGC_Collect() calls (a test that checks what a collection frees) collect as
 * in the self-test, although the run keeps automatic collection off. */
#define PyGC_Collect capicompat_af_collect

#endif
