/* mesondemo._core: written against the CPython 3.13 C API (PyType_GetFullyQualifiedName,
 * PyDict_Next with Py_NewRef); capi_compat.h provides what older interpreters and PyPy lack. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "capi_compat.h"

static PyObject *
count_items(PyObject *module, PyObject *mapping)
{
    (void)module;
    if (!PyDict_Check(mapping)) {
        PyErr_SetString(PyExc_TypeError, "count_items() expects a dict");
        return NULL;
    }
    Py_ssize_t pos = 0, strs = 0;
    PyObject *key, *value;
    while (PyDict_Next(mapping, &pos, &key, &value)) {
        strs += PyUnicode_Check(key) ? 1 : 0;
    }
    return Py_BuildValue("(nn)", strs, PyDict_Size(mapping) - strs);
}

static PyObject *
describe(PyObject *module, PyObject *obj)
{
    (void)module;
    return PyType_GetFullyQualifiedName(Py_TYPE(obj));
}

static PyMethodDef core_methods[] = {
    {"count_items", count_items, METH_O, "count_items(mapping) -> (str_keys, other_keys)"},
    {"describe", describe, METH_O, "describe(obj) -> the type's fully qualified name"},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot core_slots[] = {{0, NULL}};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "mesondemo._core", NULL, 0, core_methods, core_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&core_module);
}
