/* Assertion macros for the spec's `test` snippets (see spec/README.md).
 * A failed check raises AssertionError naming the entry, the line and the check, and makes the
 * test function return -1. The snippet's line numbers are mapped back to the spec file with
 * #line, so a failure points at the YAML. */
#ifndef CAPI_COMPAT_TEST_H
#define CAPI_COMPAT_TEST_H

/* descriptors for the capture below and the terminal tests (POSIX; Python.h asks for it) */
#include <fcntl.h>
#include <unistd.h>

/* Replaces whatever exception is pending with an AssertionError that names it too, so a
 * failure caused by an unexpected exception says which one. */
static inline void capicompat_test_fail(const char *file, int line, const char *what)
{
    PyObject *pending = PyErr_Occurred();
    if (pending != CAPICOMPAT_NULL) {
        const char *tname = ((PyTypeObject *)pending)->tp_name;
        PyErr_Clear();
        PyErr_Format(PyExc_AssertionError, "%s:%d: %s (with %s pending)", file, line, what,
                     tname);
    }
    else {
        PyErr_Format(PyExc_AssertionError, "%s:%d: %s", file, line, what);
    }
}

/* An audit hook for the PySys_Audit/PySys_AddAuditHook tests: appends (event, args) to the list
 * `data` for events named "capicompat.<address of the list>.*" (hooks cannot be removed, so each
 * list only sees its own test's events), and refuses "...fail" with a RuntimeError. */
static inline int capicompat_test_audit_hook(const char *event, PyObject *args, void *data)
{
    char prefix[64];
    size_t len;
    PyObject *item;
    int rc;
    snprintf(prefix, sizeof prefix, "capicompat.%p.", data);
    len = strlen(prefix);
    if (strncmp(event, prefix, len) != 0) {
        return 0;
    }
    if (strcmp(event + len, "fail") == 0) {
        PyErr_SetString(PyExc_RuntimeError, "refused by the test hook");
        return -1;
    }
    item = Py_BuildValue("(sO)", event + len, args);
    if (item == CAPICOMPAT_NULL) {
        return -1;
    }
    rc = PyList_Append((PyObject *)data, item);
    Py_DECREF(item);
    return rc;
}

/* A trace/profile function for the PyEval_SetTrace/SetProfile tests: appends `what` to the list
 * `obj` for frames of functions named "capicompat_traced" (so the harness's own frames do not
 * count). */
static inline int capicompat_test_tracefunc(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    PyObject *code, *name, *item;
    int ours, rc;
    (void)arg;
    /* f_code, not PyFrame_GetCode(): PyPy has that only from the full header */
    code = PyObject_GetAttrString((PyObject *)frame, "f_code");
    if (code == CAPICOMPAT_NULL) {
        return -1;
    }
    name = PyObject_GetAttrString(code, "co_name");
    Py_DECREF(code);
    if (name == CAPICOMPAT_NULL) {
        return -1;
    }
    ours = PyUnicode_CompareWithASCIIString(name, "capicompat_traced") == 0;
    Py_DECREF(name);
    if (!ours) {
        return 0;
    }
    item = PyLong_FromLong(what);
    if (item == CAPICOMPAT_NULL) {
        return -1;
    }
    rc = PyList_Append(obj, item);
    Py_DECREF(item);
    return rc;
}

/* For the tests of functions that write to the C stream stderr (PyOS_Readline's prompts):
 * capicompat_test_capture_start() points descriptor 2 at a temporary file, and
 * capicompat_test_capture_end() points it back and copies what was written (NUL-terminated,
 * cut to size - 1 bytes) into buf. 0 on success, -1 when the descriptors cannot be moved. */
typedef struct {
    int saved;
    FILE *file;
} capicompat_test_capture;

static inline int capicompat_test_capture_start(capicompat_test_capture *cap)
{
    fflush(stderr);
    cap->file = tmpfile();
    cap->saved = cap->file != CAPICOMPAT_NULL ? dup(2) : -1;
    if (cap->saved < 0 || dup2(fileno(cap->file), 2) < 0) {
        if (cap->saved >= 0) {
            close(cap->saved);
        }
        if (cap->file != CAPICOMPAT_NULL) {
            fclose(cap->file);
        }
        cap->file = CAPICOMPAT_NULL;
        return -1;
    }
    return 0;
}

static inline int capicompat_test_capture_end(capicompat_test_capture *cap, char *buf, size_t size)
{
    size_t got;
    int rc;
    buf[0] = '\0';
    if (cap->file == CAPICOMPAT_NULL) {
        return -1;
    }
    fflush(stderr);
    rc = dup2(cap->saved, 2) < 0 ? -1 : 0;
    close(cap->saved);
    rewind(cap->file);
    got = fread(buf, 1, size - 1, cap->file);
    buf[got] = '\0';
    fclose(cap->file);
    cap->file = CAPICOMPAT_NULL;
    return rc;
}

/* Counts the allocations made through the MEM and OBJ domains (which need the GIL, so only
 * the test's thread counts) between capicompat_test_count_allocs_start() and _end(), passing
 * each on to the allocator it replaced: for tests that prove a call allocates nothing (or not
 * in proportion to the process's state). The state is static, not on a test's stack: a run
 * left in the middle (the allocation-failure sweep leaves a test at a failed call) leaves the
 * hook working, and a later start only resets the count. CPython only (PyPy's cpyext has no
 * allocator domains). */
#ifndef PYPY_VERSION
typedef struct {
    PyMemAllocatorEx previous[2];
    size_t count;
    int installed;
} capicompat_test_alloc_counter;

static capicompat_test_alloc_counter capicompat_test_allocs;

/* In the allocation-failure build (templates/allocfail.h comes first) a wrapper around each
 * call of a function under test does its own bookkeeping (sys.gettotalrefcount() on debug
 * builds): during a run only the allocations the function itself makes count, those its
 * wrapper arms the failing allocator for. */
#ifdef CAPICOMPAT_ALLOCFAIL_H
#define CAPICOMPAT_TEST_COUNTED() (!capicompat_af.running || capicompat_af_armed)
#else
#define CAPICOMPAT_TEST_COUNTED() 1
#endif

static inline void *capicompat_test_count_malloc(void *ctx, size_t size)
{
    PyMemAllocatorEx *prev = (PyMemAllocatorEx *)ctx;
    capicompat_test_allocs.count += CAPICOMPAT_TEST_COUNTED() ? 1u : 0u;
    return prev->malloc(prev->ctx, size);
}

static inline void *capicompat_test_count_calloc(void *ctx, size_t nelem, size_t elsize)
{
    PyMemAllocatorEx *prev = (PyMemAllocatorEx *)ctx;
    capicompat_test_allocs.count += CAPICOMPAT_TEST_COUNTED() ? 1u : 0u;
    return prev->calloc(prev->ctx, nelem, elsize);
}

static inline void *capicompat_test_count_realloc(void *ctx, void *ptr, size_t size)
{
    PyMemAllocatorEx *prev = (PyMemAllocatorEx *)ctx;
    capicompat_test_allocs.count += CAPICOMPAT_TEST_COUNTED() ? 1u : 0u;
    return prev->realloc(prev->ctx, ptr, size);
}

static inline void capicompat_test_count_free(void *ctx, void *ptr)
{
    PyMemAllocatorEx *prev = (PyMemAllocatorEx *)ctx;
    prev->free(prev->ctx, ptr);
}

static inline void capicompat_test_count_allocs_start(void)
{
    static const PyMemAllocatorDomain domains[2] = {PYMEM_DOMAIN_MEM, PYMEM_DOMAIN_OBJ};
    int i;
    capicompat_test_allocs.count = 0;
    if (capicompat_test_allocs.installed) {
        return;
    }
    for (i = 0; i < 2; i++) {
        PyMemAllocatorEx counting = {&capicompat_test_allocs.previous[i], capicompat_test_count_malloc,
                                     capicompat_test_count_calloc, capicompat_test_count_realloc,
                                     capicompat_test_count_free};
        PyMem_GetAllocator(domains[i], &capicompat_test_allocs.previous[i]);
        PyMem_SetAllocator(domains[i], &counting);
    }
    capicompat_test_allocs.installed = 1;
}

static inline size_t capicompat_test_count_allocs_end(void)
{
    static const PyMemAllocatorDomain domains[2] = {PYMEM_DOMAIN_MEM, PYMEM_DOMAIN_OBJ};
    int i;
    if (capicompat_test_allocs.installed) {
        for (i = 0; i < 2; i++) {
            PyMem_SetAllocator(domains[i], &capicompat_test_allocs.previous[i]);
        }
        capicompat_test_allocs.installed = 0;
    }
    return capicompat_test_allocs.count;
}
#endif

/* The PyUnstable_GC_VisitObjects test's callback and its state. It allocates nothing, so an
 * allocation-failure sweep of the test tries the function's own allocations only (a callback
 * running Python code would allocate for every object of the heap). */
typedef struct {
    /* objects the visit must reach, sorted by address; how often each was reached */
    PyObject **expected;
    size_t *seen;
    size_t expected_count;
    /* visits so far; the visit that returns 0 (0: none does) */
    size_t visits;
    size_t stop_at;
    /* visits made while the collector was enabled */
    size_t while_enabled;
} capicompat_test_visits;

static inline int capicompat_test_compare_addresses(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(PyObject *const *)a;
    uintptr_t y = (uintptr_t)*(PyObject *const *)b;
    return x < y ? -1 : x > y;
}

static inline int capicompat_test_visit(PyObject *obj, void *arg)
{
    capicompat_test_visits *v = (capicompat_test_visits *)arg;
    PyObject **hit = (PyObject **)bsearch(&obj, v->expected, v->expected_count, sizeof(PyObject *),
                                          capicompat_test_compare_addresses);
    if (hit != CAPICOMPAT_NULL) {
        v->seen[hit - v->expected]++;
    }
    if (PyGC_IsEnabled()) {
        v->while_enabled++;
    }
    v->visits++;
    return v->stop_at == 0 || v->visits < v->stop_at;
}

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            capicompat_test_fail(__FILE__, __LINE__, "CHECK(" #cond ") failed");      \
            return -1;                                                                \
        }                                                                             \
    } while (0)

#define CHECK_NO_EXC()                                                                \
    do {                                                                              \
        if (PyErr_Occurred()) {                                                       \
            capicompat_test_fail(__FILE__, __LINE__, "unexpected exception");         \
            return -1;                                                                \
        }                                                                             \
    } while (0)

/* Exactly this type: a subclass would hide a backport that raises the wrong exception. */
#define CHECK_EXC(exc_type)                                                           \
    do {                                                                              \
        PyObject *capicompat_pending = PyErr_Occurred();                              \
        if (capicompat_pending == CAPICOMPAT_NULL) {                                             \
            capicompat_test_fail(__FILE__, __LINE__, "no exception, expected " #exc_type); \
            return -1;                                                                \
        }                                                                             \
        if (capicompat_pending != (exc_type)) {                                       \
            capicompat_test_fail(__FILE__, __LINE__, "wrong exception, expected " #exc_type); \
            return -1;                                                                \
        }                                                                             \
        PyErr_Clear();                                                                \
    } while (0)

/* PyPy's cpyext counts only references held by C code (a list or dict holding the object
 * does not show), so CPython's counts cannot be compared there: on PyPy this checks only that
 * the object is alive. CPython, release and debug, checks the exact count. */
#ifdef PYPY_VERSION
#define CHECK_REFCNT(obj, n)                                                          \
    do {                                                                              \
        (void)(n);                                                                    \
        if (Py_REFCNT(obj) < 1) {                                                     \
            capicompat_test_fail(__FILE__, __LINE__, "CHECK_REFCNT(" #obj "): dead object"); \
            return -1;                                                                \
        }                                                                             \
    } while (0)
#else
#define CHECK_REFCNT(obj, n)                                                          \
    do {                                                                              \
        if (Py_REFCNT(obj) != (n)) {                                                  \
            capicompat_test_fail(__FILE__, __LINE__, "CHECK_REFCNT(" #obj ", " #n ") failed"); \
            return -1;                                                                \
        }                                                                             \
    } while (0)
#endif

#define NEW(var, expr)                                                                \
    PyObject *var = (expr);                                                           \
    do {                                                                              \
        if (var == CAPICOMPAT_NULL) {                                                            \
            capicompat_test_fail(__FILE__, __LINE__, #var " = " #expr " returned NULL"); \
            return -1;                                                                \
        }                                                                             \
    } while (0)

#endif
