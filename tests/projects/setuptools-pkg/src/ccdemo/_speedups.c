/* ccdemo._speedups: dict helpers written against the CPython 3.13 C API (PyDict_GetItemRef,
 * PyDict_Pop); capi_compat.h provides them on 3.10-3.12 and PyPy. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "capi_compat.h"

/* lookup(mapping, key, default=None): mapping[key] if present, else default. */
static PyObject *
lookup(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs < 2 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "lookup() takes 2 or 3 arguments");
        return NULL;
    }
    if (!PyDict_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "lookup() expects a dict");
        return NULL;
    }
    PyObject *value;
    int found = PyDict_GetItemRef(args[0], args[1], &value);
    if (found < 0) {
        return NULL;
    }
    if (found == 0) {
        return Py_NewRef(nargs == 3 ? args[2] : Py_None);
    }
    return value;
}

/* pop_many(mapping, keys): removes every key present, returns how many were. */
static PyObject *
pop_many(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "pop_many() takes 2 arguments");
        return NULL;
    }
    if (!PyDict_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "pop_many() expects a dict");
        return NULL;
    }
    PyObject *iter = PyObject_GetIter(args[1]);
    if (iter == NULL) {
        return NULL;
    }
    Py_ssize_t popped = 0;
    PyObject *key;
    while ((key = PyIter_Next(iter)) != NULL) {
        int removed = PyDict_Pop(args[0], key, NULL);
        Py_DECREF(key);
        if (removed < 0) {
            Py_DECREF(iter);
            return NULL;
        }
        popped += removed;
    }
    Py_DECREF(iter);
    if (PyErr_Occurred()) {
        return NULL;
    }
    return PyLong_FromSsize_t(popped);
}

static PyMethodDef speedups_methods[] = {
    {"lookup", (PyCFunction)(void (*)(void))lookup, METH_FASTCALL, "lookup(mapping, key, default=None)"},
    {"pop_many", (PyCFunction)(void (*)(void))pop_many, METH_FASTCALL, "pop_many(mapping, keys)"},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot speedups_slots[] = {
    {0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "ccdemo._speedups", NULL, 0, speedups_methods, speedups_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModuleDef_Init(&speedups_module);
}
