/* ccdemo.sub._native: int and str helpers written against the CPython 3.13 C API
 * (PyLong_AsInt, PyUnicode_EqualToUTF8, PyModule_Add); capi_compat.h provides them on older
 * interpreters and PyPy. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "capi_compat.h"

/* clamp_int(value, low, high): value limited to [low, high]; value must fit a C int. */
static PyObject *
clamp_int(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int spare = 0; /* left unused on purpose: a user-code warning the matrix counts */
    (void)module;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "clamp_int() takes 3 arguments");
        return NULL;
    }
    if (!PyLong_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "clamp_int() expects an int");
        return NULL;
    }
    int value = PyLong_AsInt(args[0]);
    if (value == -1 && PyErr_Occurred()) {
        return NULL;
    }
    int low = PyLong_AsInt(args[1]);
    if (low == -1 && PyErr_Occurred()) {
        return NULL;
    }
    int high = PyLong_AsInt(args[2]);
    if (high == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return PyLong_FromLong(value < low ? low : value > high ? high : value);
}

/* is_one_of(text, names): whether text equals one of the str names. */
static PyObject *
is_one_of(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "is_one_of() takes 2 arguments");
        return NULL;
    }
    if (!PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "is_one_of() expects a str");
        return NULL;
    }
    PyObject *iter = PyObject_GetIter(args[1]);
    if (iter == NULL) {
        return NULL;
    }
    PyObject *name;
    int found = 0;
    while (!found && (name = PyIter_Next(iter)) != NULL) {
        const char *utf8 = PyUnicode_AsUTF8(name);
        if (utf8 != NULL) {
            found = PyUnicode_EqualToUTF8(args[0], utf8);
        }
        Py_DECREF(name);
        if (utf8 == NULL) {
            Py_DECREF(iter);
            return NULL;
        }
    }
    Py_DECREF(iter);
    if (PyErr_Occurred()) {
        return NULL;
    }
    return PyBool_FromLong(found);
}

static PyMethodDef native_methods[] = {
    {"clamp_int", (PyCFunction)(void (*)(void))clamp_int, METH_FASTCALL, "clamp_int(value, low, high)"},
    {"is_one_of", (PyCFunction)(void (*)(void))is_one_of, METH_FASTCALL, "is_one_of(text, names)"},
    {NULL, NULL, 0, NULL},
};

static int
native_exec(PyObject *module)
{
    /* PyModule_Add steals the reference, even on failure. */
    return PyModule_Add(module, "C_INT_MAX", PyLong_FromLong(2147483647L));
}

static PyModuleDef_Slot native_slots[] = {
    {Py_mod_exec, (void *)native_exec},
    {0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "ccdemo.sub._native", NULL, 0, native_methods, native_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    return PyModuleDef_Init(&native_module);
}
