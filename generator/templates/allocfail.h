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
 * a failure is always attributable to the function, and reference leaks can be measured.
 *
 * A sweep (capicompat_af_sweep_setup, then a run with no target) tries every N in one run of
 * the test: the run fails nothing itself, but at each counted allocation k in [first, last] it
 * forks, and the child fails that allocation (as a run with target k would: the same counting
 * up to k, the same judging after it), finishes as the driver tells it, reports on a pipe and
 * _exits. The sweep process waits for the child (killing it after the timeout), writes one
 * record for k to the record file, and goes on with allocation k succeeding. It calls no
 * Python API while it does (it is inside an allocator, in the middle of the interpreter's
 * work): the driver reads the records after the run. A child never forks again. */
#ifndef CAPICOMPAT_ALLOCFAIL_H
#define CAPICOMPAT_ALLOCFAIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
    /* the total reference count when the test started */
    Py_ssize_t test_before;
    jmp_buf jump;
    /* a sweep (see the file's comment): fork at the counted allocations first..last */
    int sweeping;
    long long sweep_first;
    long long sweep_last;
    /* the file the sweep process writes a record per child to, and the file its descriptor
       2 pointed to when the sweep began (the children's stderr) */
    int record_fd;
    int err_fd;
    /* after a child that crashed, fork no more in this run (the driver first decides whether
       the test can run forked at all) */
    int stop_at_crash;
    /* the allocation a crashed child was forked at (0: none), when stop_at_crash stopped */
    long long stopped_at;
    /* a child is killed after this long */
    double child_timeout;
    /* in a sweep's child: the allocation it fails, and the pipe its report goes to */
    long long forked_point;
    int report_fd;
} capicompat_af_state;

static capicompat_af_state capicompat_af;
/* Only the test's thread counts: another thread's allocations would make N meaningless. */
static _Thread_local int capicompat_af_armed;

/* write() all of it (a record is read back whole) */
static inline void capicompat_af_write_all(int fd, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t done = write(fd, data, size);
        if (done < 0 && errno == EINTR) {
            continue;
        }
        if (done <= 0) {
            return;
        }
        data += done;
        size -= (size_t)done;
    }
}

/* The sweep process allocates nothing of its own while it forks and waits (no malloc: it is
   inside one of the interpreter's allocations, and a heap it changed could change what the
   next child does where CPython reads memory it did not initialise). A child's report is a
   line of a few hundred bytes; a longer one is cut. */
#define CAPICOMPAT_AF_REPORT_MAX 8192
typedef struct {
    char data[CAPICOMPAT_AF_REPORT_MAX];
    size_t size;
} capicompat_af_report;

/* Reads what is there; *open_fd = 0 at the end. */
static inline void capicompat_af_report_read(capicompat_af_report *report, int fd, int *open_fd)
{
    char chunk[4096];
    ssize_t got = read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) {
        return;
    }
    if (got <= 0) {
        *open_fd = 0;
        return;
    }
    size_t keep = sizeof report->data - report->size;
    keep = (size_t)got < keep ? (size_t)got : keep;
    memcpy(report->data + report->size, chunk, keep);
    report->size += keep;
}

/* Copies the bytes of file `from_fd` in [from, to) to `to_fd`. */
static inline void capicompat_af_copy_range(int to_fd, int from_fd, off_t from, off_t to)
{
    char chunk[4096];
    while (from < to) {
        size_t want = (size_t)(to - from) < sizeof chunk ? (size_t)(to - from) : sizeof chunk;
        ssize_t got = pread(from_fd, chunk, want, from);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return;
        }
        capicompat_af_write_all(to_fd, chunk, (size_t)got);
        from += got;
    }
}

static inline double capicompat_af_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This process's open files, as they were when a child was forked. A child shares them (fork
   duplicates descriptors, not open files): one that reads on in a file the test opened (a
   PyRun_File* test's script) moves the sweep process's offset too, and one that writes (the
   test's capture of descriptor 2, the sweep's stderr file) extends the sweep process's file.
   After each child, every offset is put back and every regular file cut back to its size. */
#define CAPICOMPAT_AF_MAX_FILES 256
typedef struct {
    int count;
    int fd[CAPICOMPAT_AF_MAX_FILES];
    off_t offset[CAPICOMPAT_AF_MAX_FILES];
    /* -1: not a regular file */
    off_t size[CAPICOMPAT_AF_MAX_FILES];
} capicompat_af_files;

static inline void capicompat_af_save_file(capicompat_af_files *saved, int fd)
{
    struct stat st;
    off_t offset = lseek(fd, 0, SEEK_CUR);
    /* (the record file grows by the sweep's own records) */
    if (offset < 0 || saved->count >= CAPICOMPAT_AF_MAX_FILES || fd == capicompat_af.record_fd) {
        return;
    }
    saved->fd[saved->count] = fd;
    saved->offset[saved->count] = offset;
    saved->size[saved->count] = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
    saved->count++;
}

/* The open descriptors are listed from /proc/self/fd with getdents64 (opendir would malloc). */
static inline void capicompat_af_save_files(capicompat_af_files *saved)
{
    saved->count = 0;
    int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        return;
    }
    char entries[4096];
    long got;
    while ((got = syscall(SYS_getdents64, dir, entries, sizeof entries)) > 0) {
        for (long at = 0; at < got;) {
            /* struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name */
            unsigned short reclen;
            memcpy(&reclen, entries + at + 16, sizeof reclen);
            const char *name = entries + at + 19;
            if (name[0] >= '0' && name[0] <= '9' && atoi(name) != dir) {
                capicompat_af_save_file(saved, atoi(name));
            }
            at += reclen;
        }
    }
    close(dir);
}

static inline void capicompat_af_restore_files(const capicompat_af_files *saved)
{
    for (int i = 0; i < saved->count; i++) {
        struct stat st;
        if (saved->size[i] >= 0 && fstat(saved->fd[i], &st) == 0 && st.st_size > saved->size[i]) {
            (void)ftruncate(saved->fd[i], saved->size[i]);
        }
        (void)lseek(saved->fd[i], saved->offset[i], SEEK_SET);
    }
}

/* In the sweep process, at counted allocation k: fork a child that fails it. Returns 1 in the
   child, 0 in the sweep process once the child is done (or could not be made). The child's
   stderr is what it added to the sweep's stderr file (descriptor 2 when the sweep began). */
static inline int capicompat_af_fork_point(long long k)
{
    int result_pipe[2];
    capicompat_af_files files;
    struct stat st;
    /* nothing buffered may be written twice (by the child too) */
    fflush(CAPICOMPAT_NULL);
    capicompat_af_save_files(&files);
    off_t err_start = fstat(capicompat_af.err_fd, &st) == 0 ? st.st_size : 0;
    if (pipe(result_pipe) != 0) {
        return 0;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* the child: this thread goes on alone, holding the GIL as it did */
        close(result_pipe[0]);
        capicompat_af.sweeping = 0;
        capicompat_af.forked_point = k;
        capicompat_af.report_fd = result_pipe[1];
        capicompat_af.target = k;
        return 1;
    }
    close(result_pipe[1]);
    if (pid < 0) {
        close(result_pipe[0]);
        return 0;
    }
    static capicompat_af_report report;
    report.size = 0;
    int report_open = 1, status = 0, reaped = 0, hung = 0;
    double deadline = capicompat_af_now() + capicompat_af.child_timeout;
    while (!reaped) {
        double left = deadline - capicompat_af_now();
        if (left <= 0) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            hung = 1;
            break;
        }
        if (!report_open) {
            /* the pipe closed: the child is gone, or about to be */
            pid_t done = waitpid(pid, &status, WNOHANG);
            if (done == pid || (done < 0 && errno != EINTR)) {
                reaped = 1;
            }
            else {
                struct timespec pause = {0, 200000};
                nanosleep(&pause, CAPICOMPAT_NULL);
            }
            continue;
        }
        struct pollfd fds[1] = {{result_pipe[0], POLLIN, 0}};
        int ready = poll(fds, 1, left > 0.05 ? 50 : (int)(left * 1000) + 1);
        if (ready > 0) {
            capicompat_af_report_read(&report, result_pipe[0], &report_open);
        }
        else if (ready == 0 && waitpid(pid, &status, WNOHANG) == pid) {
            /* dead, while something it started still holds the pipe */
            reaped = 1;
        }
    }
    close(result_pipe[0]);
    off_t err_end = fstat(capicompat_af.err_fd, &st) == 0 && st.st_size > err_start ? st.st_size : err_start;
    /* a runaway child's stderr: its first and last 64 KiB (the cause comes first, the
       traceback last) */
    const off_t part = 65536;
    off_t err_cut = err_end - err_start > 2 * part ? err_end - part : err_start;
    size_t err_size = (size_t)(err_cut > err_start ? 2 * part : err_end - err_start);
    int crashed = hung || status != 0 || report.size == 0;
    /* the record: "k wait-status(-1: hung) report-size stderr-size\n", then both */
    char head[96];
    int head_size = snprintf(head, sizeof head, "%lld %d %zu %zu\n", k, hung ? -1 : status, report.size, err_size);
    capicompat_af_write_all(capicompat_af.record_fd, head, (size_t)head_size);
    if (report.size > 0) {
        capicompat_af_write_all(capicompat_af.record_fd, report.data, report.size);
    }
    if (err_cut > err_start) {
        capicompat_af_copy_range(capicompat_af.record_fd, capicompat_af.err_fd, err_start, err_start + part);
        capicompat_af_copy_range(capicompat_af.record_fd, capicompat_af.err_fd, err_cut, err_end);
    }
    else {
        capicompat_af_copy_range(capicompat_af.record_fd, capicompat_af.err_fd, err_start, err_end);
    }
    capicompat_af_restore_files(&files);
    if (crashed && capicompat_af.stop_at_crash) {
        capicompat_af.stopped_at = k;
        capicompat_af.sweeping = 0;
    }
    return 0;
}

/* Does this allocation fail? Counts it when armed; in a sweep, forks a child that fails it. */
static inline int capicompat_af_fails(const char *what, size_t size)
{
    if (!capicompat_af_armed) {
        return 0;
    }
    capicompat_af.counted++;
    if (capicompat_af.sweeping && capicompat_af.counted >= capicompat_af.sweep_first
        && capicompat_af.counted <= capicompat_af.sweep_last && !capicompat_af_fork_point(capicompat_af.counted)) {
        return 0;
    }
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
    capicompat_af.gc_was_enabled = PyGC_Disable();
    capicompat_af.test_before = capicompat_af_total();
    capicompat_af.running = 1;
    if (setjmp(capicompat_af.jump) == 0) {
        capicompat_af_test_body(test, capicompat_af.test_before);
    }
    capicompat_af.running = 0;
    capicompat_af.sweeping = 0;
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

/* sweep(first, last, record_fd, err_fd, stop_at_crash, child_timeout): the next run is a sweep (see
   the file's comment) */
static inline PyObject *capicompat_af_sweep_setup(PyObject *self, PyObject *args)
{
    (void)self;
    long long first, last;
    int record_fd, err_fd, stop_at_crash;
    double timeout;
    if (!PyArg_ParseTuple(args, "LLiiid", &first, &last, &record_fd, &err_fd, &stop_at_crash, &timeout)) {
        return CAPICOMPAT_NULL;
    }
    if (capicompat_af.forked_point != 0) {
        PyErr_SetString(PyExc_RuntimeError, "a sweep's child never forks");
        return CAPICOMPAT_NULL;
    }
    capicompat_af.sweeping = 1;
    capicompat_af.sweep_first = first;
    capicompat_af.sweep_last = last;
    capicompat_af.record_fd = record_fd;
    capicompat_af.err_fd = err_fd;
    capicompat_af.stop_at_crash = stop_at_crash;
    capicompat_af.stopped_at = 0;
    capicompat_af.child_timeout = timeout;
    Py_RETURN_NONE;
}

/* allocfail(test_run_function_index, target) is built by the module: see allocfail_module.c.
   After a sweep's run, the last three items tell the sweep process where a crash stopped it,
   and the child the allocation it was forked at and its report pipe. */
static inline PyObject *capicompat_af_result_tuple(void)
{
    char where[160];
    where[0] = '\0';
    if (capicompat_af.hit) {
        snprintf(where, sizeof where, "%s (%s of %zu bytes)", capicompat_af.hit_in ? capicompat_af.hit_in : "?",
                 capicompat_af.hit_what ? capicompat_af.hit_what : "?", capicompat_af.hit_size);
    }
    return Py_BuildValue("(sLssnLLLi)", capicompat_af_outcome_name(), capicompat_af.counted, where,
                         capicompat_af.detail, capicompat_af.delta, capicompat_af.unarmed_calls,
                         capicompat_af.stopped_at, capicompat_af.forked_point, capicompat_af.report_fd);
}

/* The tests' own PyGC_Collect() calls (a test that checks what a collection frees) collect as
 * in the self-test, although the run keeps automatic collection off. */
#define PyGC_Collect capicompat_af_collect

#endif
