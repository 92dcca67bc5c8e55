/* The alloc-fail build of the self-test module (`capi-compat test --alloc-fail`): the same
 * tests (selftest.c, rendered from the spec) with every function call behind a judging
 * wrapper (the `capi_compat.h` of this build is the real header followed by the wrappers),
 * plus the entry points the driver calls. */
#include "selftest.c"

/* allocfail(name, n): run the test with its nth armed allocation failing.
   Returns (outcome, allocations counted, where the failure hit, detail, reference delta,
   calls not armed). */
static PyObject *
capicompat_af_run_named(PyObject *self, PyObject *args)
{
    (void)self;
    const char *wanted;
    long long target;
    if (!PyArg_ParseTuple(args, "sL", &wanted, &target)) {
        return CAPICOMPAT_NULL;
    }
    for (const capicompat_test_case *c = capicompat_test_cases; c->name != CAPICOMPAT_NULL; c++) {
        if (strcmp(c->name, wanted) == 0) {
            capicompat_af_run(c->run, target);
            return capicompat_af_result_tuple();
        }
    }
    PyErr_Format(PyExc_KeyError, "no test named %s", wanted);
    return CAPICOMPAT_NULL;
}

static PyMethodDef capicompat_af_methods[] = {
    {"names", selftest_names, METH_NOARGS, CAPICOMPAT_NULL},
    {"run", selftest_run, METH_O, CAPICOMPAT_NULL},
    {"install", capicompat_af_install, METH_NOARGS, CAPICOMPAT_NULL},
    {"allocfail", capicompat_af_run_named, METH_VARARGS, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL}
};

static struct PyModuleDef capicompat_af_module = {
    PyModuleDef_HEAD_INIT, "_capicompat_allocfail", CAPICOMPAT_NULL, -1, capicompat_af_methods,
    CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL
};

PyMODINIT_FUNC PyInit__capicompat_allocfail(void);

PyMODINIT_FUNC
PyInit__capicompat_allocfail(void)
{
    return PyModule_Create(&capicompat_af_module);
}
