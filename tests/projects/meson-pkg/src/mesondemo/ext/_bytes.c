/* mesondemo.ext._bytes: PyBytes_Join (3.14) through capi_compat.h. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "capi_compat.h"

static PyObject *
join_bytes(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "join_bytes() takes 2 arguments");
        return NULL;
    }
    if (!PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "join_bytes() expects bytes as the separator");
        return NULL;
    }
    return PyBytes_Join(args[0], args[1]);
}

static PyMethodDef bytes_methods[] = {
    {"join_bytes", (PyCFunction)(void (*)(void))join_bytes, METH_FASTCALL, "join_bytes(sep, parts)"},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot bytes_slots[] = {{0, NULL}};

static struct PyModuleDef bytes_module = {
    PyModuleDef_HEAD_INIT, "mesondemo.ext._bytes", NULL, 0, bytes_methods, bytes_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__bytes(void)
{
    return PyModuleDef_Init(&bytes_module);
}
