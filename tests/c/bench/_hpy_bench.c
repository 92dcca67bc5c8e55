/* The same hot loops written twice, with the raw C API and HPy-style through capi_compat.h's
 * HPy layer (HPy functions defined with HPyDef_METH, called through their trampolines). tests/c/bench/bench.py times them against each other; since every HPy function
 * is a static inline wrapper and a handle is the PyObject *, the two should compile to the
 * same machine code and run at the same speed (the bar: within 2 %).
 * Built per interpreter by `capi-compat matrix --hpy` (scripts/test.sh). */
#include <Python.h>
#include "hpy.h"
#include <math.h>

/* arith(n): sum of i*i for i < n, with Python ints (allocation and number protocol). */
static PyObject *raw_arith(PyObject *self, PyObject *arg) {
    long n = PyLong_AsLong(arg), i;
    PyObject *acc;
    (void)self;
    if (n == -1 && PyErr_Occurred()) return CAPICOMPAT_NULL;
    acc = PyLong_FromLong(0);
    for (i = 0; acc != CAPICOMPAT_NULL && i < n; i++) {
        PyObject *x = PyLong_FromLong(i), *sq, *sum;
        if (x == CAPICOMPAT_NULL) {
            Py_CLEAR(acc);
            break;
        }
        sq = PyNumber_Multiply(x, x);
        Py_DECREF(x);
        if (sq == CAPICOMPAT_NULL) {
            Py_CLEAR(acc);
            break;
        }
        sum = PyNumber_Add(acc, sq);
        Py_DECREF(sq);
        Py_DECREF(acc);
        acc = sum;
    }
    return acc;
}

static HPy hpy_arith_loop(HPyContext *ctx, HPy arg) {
    long n = HPyLong_AsLong(ctx, arg), i;
    HPy acc;
    if (n == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
    acc = HPyLong_FromLong(ctx, 0);
    for (i = 0; !HPy_IsNull(acc) && i < n; i++) {
        HPy x = HPyLong_FromLong(ctx, i), sq, sum;
        if (HPy_IsNull(x)) {
            HPy_Close(ctx, acc);
            acc = HPy_NULL;
            break;
        }
        sq = HPy_Multiply(ctx, x, x);
        HPy_Close(ctx, x);
        if (HPy_IsNull(sq)) {
            HPy_Close(ctx, acc);
            acc = HPy_NULL;
            break;
        }
        sum = HPy_Add(ctx, acc, sq);
        HPy_Close(ctx, sq);
        HPy_Close(ctx, acc);
        acc = sum;
    }
    return acc;
}

/* attrs(obj, n): n times, read obj.value, compare it with obj.limit and count the times it is
 * smaller (attribute, comparison and int-conversion calls, no allocation). */
static PyObject *raw_attrs(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyObject *obj, *value_name, *limit_name;
    long n, i, count = 0;
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "attrs(obj, n)");
        return CAPICOMPAT_NULL;
    }
    obj = args[0];
    n = PyLong_AsLong(args[1]);
    if (n == -1 && PyErr_Occurred()) return CAPICOMPAT_NULL;
    value_name = PyUnicode_FromString("value");
    limit_name = PyUnicode_FromString("limit");
    for (i = 0; i < n; i++) {
        PyObject *value = PyObject_GetAttr(obj, value_name), *limit;
        int smaller;
        if (value == CAPICOMPAT_NULL) goto error;
        limit = PyObject_GetAttr(obj, limit_name);
        if (limit == CAPICOMPAT_NULL) {
            Py_DECREF(value);
            goto error;
        }
        smaller = PyObject_RichCompareBool(value, limit, Py_LT);
        Py_DECREF(value);
        Py_DECREF(limit);
        if (smaller < 0) goto error;
        count += smaller;
    }
    Py_DECREF(value_name);
    Py_DECREF(limit_name);
    return PyLong_FromLong(count);
error:
    Py_DECREF(value_name);
    Py_DECREF(limit_name);
    return CAPICOMPAT_NULL;
}

static HPy hpy_attrs_loop(HPyContext *ctx, const HPy *args, Py_ssize_t nargs) {
    HPy obj, value_name, limit_name;
    long n, i, count = 0;
    if (nargs != 2) {
        return HPyErr_SetString(ctx, ctx->h_TypeError, "attrs(obj, n)");
    }
    obj = args[0];
    n = HPyLong_AsLong(ctx, args[1]);
    if (n == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
    value_name = HPyUnicode_FromString(ctx, "value");
    limit_name = HPyUnicode_FromString(ctx, "limit");
    for (i = 0; i < n; i++) {
        HPy value = HPy_GetAttr(ctx, obj, value_name), limit;
        int smaller;
        if (HPy_IsNull(value)) goto error;
        limit = HPy_GetAttr(ctx, obj, limit_name);
        if (HPy_IsNull(limit)) {
            HPy_Close(ctx, value);
            goto error;
        }
        smaller = HPy_RichCompareBool(ctx, value, limit, Py_LT);
        HPy_Close(ctx, value);
        HPy_Close(ctx, limit);
        if (smaller < 0) goto error;
        count += smaller;
    }
    HPy_Close(ctx, value_name);
    HPy_Close(ctx, limit_name);
    return HPyLong_FromLong(ctx, count);
error:
    HPy_Close(ctx, value_name);
    HPy_Close(ctx, limit_name);
    return HPy_NULL;
}

/* The HPy entry points are HPy functions (HPyDef_METH): CPython calls them through their
 * trampolines, which the module lists as it would list C functions. */
HPyDef_METH(hpy_arith, "hpy_arith", HPyFunc_O)
static HPy hpy_arith_impl(HPyContext *ctx, HPy self, HPy arg) {
    (void)self;
    return hpy_arith_loop(ctx, arg);
}

HPyDef_METH(hpy_attrs, "hpy_attrs", HPyFunc_VARARGS)
static HPy hpy_attrs_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs) {
    (void)self;
    return hpy_attrs_loop(ctx, args, (Py_ssize_t)nargs);
}

/* calls: the cost of a call itself, from a Python loop (the loop is the same for both). */
static PyObject *raw_ident(PyObject *self, PyObject *arg) {
    (void)self;
    Py_INCREF(arg);
    return arg;
}

HPyDef_METH(hpy_ident, "hpy_ident", HPyFunc_O)
static HPy hpy_ident_impl(HPyContext *ctx, HPy self, HPy arg) {
    (void)self;
    return HPy_Dup(ctx, arg);
}

/* particles(coords, n): HPy's typical shape. n small objects of a type with a C struct are
 * made (tp_alloc / HPy_New), each initialised from an item of coords (item access with a boxed
 * index, as HPy_GetItem_i does it, and a float conversion), then read and updated through
 * their struct (the raw cast / HPy's AsStruct) in float-math loops; returns the sum of the
 * norms. Both sides make the same CPython calls. */
typedef struct {
    PyObject_HEAD
    double x, y;
} RawVecObject;

typedef struct {
    double x, y;
} VecObject;
HPyType_HELPERS(VecObject)

static PyTypeObject *raw_vec_type;
static HPy hpy_vec_type;

#ifndef PARTICLE_ROUNDS
#define PARTICLE_ROUNDS 8
#endif

/* CAPI_COMPAT_BENCH_HPY_EXTRA=N (tests only: scripts/test.sh) adds N dependent multiply-adds
 * per object to the HPy-style particles loop and to no other (the empty asm keeps the compiler
 * from folding them into a closed form): a real slowdown of a few per cent that the benchmark
 * must report as a failure. */
#ifdef CAPI_COMPAT_BENCH_HPY_EXTRA
static volatile size_t particles_extra_sink;
#define PARTICLES_EXTRA_COST(seed)                                          \
    do {                                                                    \
        size_t acc_ = (size_t)(seed);                                       \
        int j_;                                                             \
        for (j_ = 0; j_ < CAPI_COMPAT_BENCH_HPY_EXTRA; j_++) {            \
            acc_ = acc_ * 2654435761u + 1u;                                 \
            __asm__ volatile("" : "+r"(acc_)); /* opaque: no closed form */ \
        }                                                                   \
        particles_extra_sink = acc_;                                        \
    } while (0)
#else
#define PARTICLES_EXTRA_COST(seed) ((void)0)
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PARTICLES_PADDING(bytes) __asm__ volatile(".fill " PARTICLES_XSTR(bytes) ", 1, 0x90")
#else
#define PARTICLES_PADDING(bytes) ((void)0)
#endif

/* One copy of the pair per code layout (particles.h); bench.py reads PARTICLES_LAYOUTS. */
#define PARTICLES_LAYOUTS 6
#define PARTICLES_LAYOUT 0
#define PARTICLES_PAD 0
#include "particles.h"
#define PARTICLES_LAYOUT 1
#define PARTICLES_PAD 11
#include "particles.h"
#define PARTICLES_LAYOUT 2
#define PARTICLES_PAD 22
#include "particles.h"
#define PARTICLES_LAYOUT 3
#define PARTICLES_PAD 33
#include "particles.h"
#define PARTICLES_LAYOUT 4
#define PARTICLES_PAD 44
#include "particles.h"
#define PARTICLES_LAYOUT 5
#define PARTICLES_PAD 55
#include "particles.h"

static PyType_Slot raw_vec_slots[] = {{0, CAPICOMPAT_NULL}};
static PyType_Spec raw_vec_spec = {"_hpy_bench.RawVec", (int)sizeof(RawVecObject), 0, Py_TPFLAGS_DEFAULT,
                                   raw_vec_slots};
static HPyType_Spec hpy_vec_spec = {"_hpy_bench.Vec", (int)sizeof(VecObject), 0, HPy_TPFLAGS_DEFAULT,
                                    SHAPE(VecObject), CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL};

#define TRAMPOLINE(sym) (PyCFunction)(void (*)(void))sym##_trampoline

static PyMethodDef bench_methods[] = {
    {"raw_arith", raw_arith, METH_O, CAPICOMPAT_NULL},
    {"hpy_arith", TRAMPOLINE(hpy_arith), METH_O, CAPICOMPAT_NULL},
    {"raw_attrs", (PyCFunction)(void (*)(void))raw_attrs, METH_FASTCALL, CAPICOMPAT_NULL},
    {"hpy_attrs", TRAMPOLINE(hpy_attrs), METH_FASTCALL, CAPICOMPAT_NULL},
    {"raw_ident", raw_ident, METH_O, CAPICOMPAT_NULL},
    {"hpy_ident", TRAMPOLINE(hpy_ident), METH_O, CAPICOMPAT_NULL},
    {"raw_particles_0", (PyCFunction)(void (*)(void))raw_particles_0, METH_FASTCALL, CAPICOMPAT_NULL},
    {"hpy_particles_0", TRAMPOLINE(hpy_particles_0), METH_FASTCALL, CAPICOMPAT_NULL},
    {"raw_particles_1", (PyCFunction)(void (*)(void))raw_particles_1, METH_FASTCALL, CAPICOMPAT_NULL},
    {"hpy_particles_1", TRAMPOLINE(hpy_particles_1), METH_FASTCALL, CAPICOMPAT_NULL},
    {"raw_particles_2", (PyCFunction)(void (*)(void))raw_particles_2, METH_FASTCALL, CAPICOMPAT_NULL},
    {"hpy_particles_2", TRAMPOLINE(hpy_particles_2), METH_FASTCALL, CAPICOMPAT_NULL},
    {"raw_particles_3", (PyCFunction)(void (*)(void))raw_particles_3, METH_FASTCALL, CAPICOMPAT_NULL},
    {"hpy_particles_3", TRAMPOLINE(hpy_particles_3), METH_FASTCALL, CAPICOMPAT_NULL},
    {"raw_particles_4", (PyCFunction)(void (*)(void))raw_particles_4, METH_FASTCALL, CAPICOMPAT_NULL},
    {"hpy_particles_4", TRAMPOLINE(hpy_particles_4), METH_FASTCALL, CAPICOMPAT_NULL},
    {"raw_particles_5", (PyCFunction)(void (*)(void))raw_particles_5, METH_FASTCALL, CAPICOMPAT_NULL},
    {"hpy_particles_5", TRAMPOLINE(hpy_particles_5), METH_FASTCALL, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL},
};

static struct PyModuleDef bench_module = {
    PyModuleDef_HEAD_INIT, "_hpy_bench", CAPICOMPAT_NULL, 0, bench_methods,
    CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL,
};

PyMODINIT_FUNC PyInit__hpy_bench(void);
PyMODINIT_FUNC PyInit__hpy_bench(void) {
    HPyContext *ctx = capicompat_hpy_ctx();
    PyObject *m = PyModule_Create(&bench_module);
    if (m == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    if (PyModule_AddIntConstant(m, "PARTICLES_LAYOUTS", PARTICLES_LAYOUTS) < 0) {
        Py_DECREF(m);
        return CAPICOMPAT_NULL;
    }
    /* the two types live as long as the process (the module is not reloaded) */
    raw_vec_type = (PyTypeObject *)PyType_FromSpec(&raw_vec_spec);
    hpy_vec_type = HPyType_FromSpec(ctx, &hpy_vec_spec, CAPICOMPAT_NULL);
    if (raw_vec_type == CAPICOMPAT_NULL || HPy_IsNull(hpy_vec_type)) {
        Py_DECREF(m);
        return CAPICOMPAT_NULL;
    }
    return m;
}
