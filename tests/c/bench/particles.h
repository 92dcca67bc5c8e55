/* The particles loops of _hpy_bench.c, raw C API and HPy-style, for one code layout:
 * _hpy_bench.c includes this file once per layout with PARTICLES_LAYOUT (0, 1, ...) and
 * PARTICLES_PAD (bytes) defined, which gives raw_particles_<L> and hpy_particles_<L>. Each copy
 * starts with PARTICLES_PAD bytes of no-ops (run once per call), so the two loops of a layout
 * land at other offsets from the cache-line, fetch-window and branch-predictor boundaries than
 * in the other layouts, and every copy at an address of its own. Where a loop happens to land
 * moves its time by about 2 % (README, "Benchmark"); bench.py takes the HPy/raw ratio over all
 * layouts, so no one placement decides it. */
#define PARTICLES_PASTE(a, b) a##b
#define PARTICLES_NAMED(a, b) PARTICLES_PASTE(a, b)
#define PARTICLES_RAW PARTICLES_NAMED(raw_particles_, PARTICLES_LAYOUT)
#define PARTICLES_HPY PARTICLES_NAMED(hpy_particles_, PARTICLES_LAYOUT)
#define PARTICLES_HPY_LOOP PARTICLES_NAMED(hpy_particles_loop_, PARTICLES_LAYOUT)
#define PARTICLES_HPY_IMPL PARTICLES_NAMED(PARTICLES_HPY, _impl)
#define PARTICLES_STR(x) #x
#define PARTICLES_XSTR(x) PARTICLES_STR(x)
#define PARTICLES_DEF_METH(sym, name) HPyDef_METH(sym, name, HPyFunc_VARARGS)

static PyObject *PARTICLES_RAW(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyObject **objs, *coords;
    Py_ssize_t n, m, i, made = 0;
    double total = 0.0;
    int r;
    (void)self;
    PARTICLES_PADDING(PARTICLES_PAD);
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "particles(coords, n)");
        return CAPICOMPAT_NULL;
    }
    coords = args[0];
    n = PyLong_AsSsize_t(args[1]);
    if (n == -1 && PyErr_Occurred()) return CAPICOMPAT_NULL;
    m = PyObject_Length(coords);
    if (m < 0) return CAPICOMPAT_NULL;
    if (m == 0 || n <= 0) return PyFloat_FromDouble(0.0);
    objs = PyMem_New(PyObject *, (size_t)n);
    if (objs == CAPICOMPAT_NULL) return PyErr_NoMemory();
    for (made = 0; made < n; made++) {
        PyObject *o = raw_vec_type->tp_alloc(raw_vec_type, 0), *index, *item;
        RawVecObject *v;
        double x;
        if (o == CAPICOMPAT_NULL) goto error;
        objs[made] = o;
        index = PyLong_FromSsize_t(made % m);
        if (index == CAPICOMPAT_NULL) goto error_with_object;
        item = PyObject_GetItem(coords, index);
        Py_DECREF(index);
        if (item == CAPICOMPAT_NULL) goto error_with_object;
        x = PyFloat_AsDouble(item);
        Py_DECREF(item);
        if (x == -1.0 && PyErr_Occurred()) goto error_with_object;
        v = (RawVecObject *)o;
        v->x = x;
        v->y = 0.5 * x;
    }
    for (r = 0; r < PARTICLE_ROUNDS; r++) {
        for (i = 0; i < n; i++) {
            RawVecObject *v = (RawVecObject *)objs[i];
            total += sqrt(v->x * v->x + v->y * v->y);
            v->x = 0.999 * v->x + 0.001 * v->y;
            v->y = 0.999 * v->y - 0.001 * v->x;
        }
    }
    for (i = 0; i < n; i++) Py_DECREF(objs[i]);
    PyMem_Free(objs);
    return PyFloat_FromDouble(total);
error_with_object:
    made++;
error:
    for (i = 0; i < made; i++) Py_DECREF(objs[i]);
    PyMem_Free(objs);
    return CAPICOMPAT_NULL;
}

static HPy PARTICLES_HPY_LOOP(HPyContext *ctx, const HPy *args, Py_ssize_t nargs) {
    HPy *objs, coords;
    Py_ssize_t n, m, i, made = 0;
    double total = 0.0;
    int r;
    PARTICLES_PADDING(PARTICLES_PAD);
    if (nargs != 2) return HPyErr_SetString(ctx, ctx->h_TypeError, "particles(coords, n)");
    coords = args[0];
    n = HPyLong_AsSsize_t(ctx, args[1]);
    if (n == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
    m = HPy_Length(ctx, coords);
    if (m < 0) return HPy_NULL;
    if (m == 0 || n <= 0) return HPyFloat_FromDouble(ctx, 0.0);
    objs = (HPy *)PyMem_Malloc((size_t)n * sizeof(HPy));
    if (objs == CAPICOMPAT_NULL) return HPyErr_NoMemory(ctx);
    for (made = 0; made < n; made++) {
        VecObject *v;
        HPy o = HPy_New(ctx, hpy_vec_type, &v), item;
        double x;
        if (HPy_IsNull(o)) goto error;
        objs[made] = o;
        item = HPy_GetItem_i(ctx, coords, made % m);
        if (HPy_IsNull(item)) goto error_with_object;
        x = HPyFloat_AsDouble(ctx, item);
        HPy_Close(ctx, item);
        if (x == -1.0 && HPyErr_Occurred(ctx)) goto error_with_object;
        PARTICLES_EXTRA_COST(made);
        v->x = x;
        v->y = 0.5 * x;
    }
    for (r = 0; r < PARTICLE_ROUNDS; r++) {
        for (i = 0; i < n; i++) {
            VecObject *v = VecObject_AsStruct(ctx, objs[i]);
            total += sqrt(v->x * v->x + v->y * v->y);
            v->x = 0.999 * v->x + 0.001 * v->y;
            v->y = 0.999 * v->y - 0.001 * v->x;
        }
    }
    for (i = 0; i < n; i++) HPy_Close(ctx, objs[i]);
    PyMem_Free(objs);
    return HPyFloat_FromDouble(ctx, total);
error_with_object:
    made++;
error:
    for (i = 0; i < made; i++) HPy_Close(ctx, objs[i]);
    PyMem_Free(objs);
    return HPy_NULL;
}

PARTICLES_DEF_METH(PARTICLES_HPY, "hpy_particles_" PARTICLES_XSTR(PARTICLES_LAYOUT))
static HPy PARTICLES_HPY_IMPL(HPyContext *ctx, HPy self, const HPy *args, size_t nargs) {
    (void)self;
    return PARTICLES_HPY_LOOP(ctx, args, (Py_ssize_t)nargs);
}

#undef PARTICLES_LAYOUT
#undef PARTICLES_PAD
