/* The fixture of `capi-compat upgrade`: every rule once or more, and the places a rewrite
 * must not reach. tests/upgrade/after/ is what `upgrade --write` makes of it; that version
 * builds and passes tests/upgrade/test_upgraded.py on every interpreter. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "capi_compat.h"
#include "helpers.h"

/* Traps: the old API in comments, strings and disabled code stays as it is.
 * _PyLong_AsInt(x) == Py_None; Py_INCREF(o); return o; Py_TYPE(o) = t; */
// x == Py_None && _PyObject_LookupAttr(o, n, &r)
static const char trap_text[] = "_PyLong_AsInt(x) x == Py_None Py_TYPE(o) = t;";

#if 0
static int disabled(PyObject *x) { return _PyLong_AsInt(x) + (x == Py_None); }
#endif

static PyObject *trap(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyUnicode_FromString(trap_text);
}

static PyObject *as_int(PyObject *self, PyObject *arg) {
    (void)self;
    int value = PyLong_AsInt(arg);
    if (value == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(value);
}

static PyObject *as_int_macro(PyObject *self, PyObject *arg) {
    (void)self;
    int value = HELPER_AS_INT(arg);
    if (value == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(value);
}

static PyObject *lookup(PyObject *self, PyObject *args) {
    PyObject *obj, *name, *value;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO", &obj, &name)) return NULL;
    switch (PyObject_GetOptionalAttr(obj,
                                 name, /* a comment inside the arguments stays */
                                 &value)) {
    case 1: return value;
    case 0: Py_RETURN_NONE;
    default: return NULL;
    }
}

static PyObject *finalizing(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyBool_FromLong(Py_IsFinalizing());
}

static PyObject *module_attr(PyObject *self, PyObject *args) {
    const char *module, *attribute;
    (void)self;
    if (!PyArg_ParseTuple(args, "ss", &module, &attribute)) return NULL;
    return PyImport_ImportModuleAttrString(module, attribute);
}

static PyObject *classify(PyObject *self, PyObject *arg) {
    (void)self;
    if (Py_IsNone(arg)) return PyUnicode_FromString("none");
    if (Py_IsTrue(arg)) return PyUnicode_FromString("true");
    if (!Py_IsFalse(arg) && !Py_IsNone(arg) && HELPER_IS_NONE(arg) == 0)
        return PyUnicode_FromString("other");
    return PyUnicode_FromString("false");
}

static PyObject *flags(PyObject *self, PyObject *arg) {
    (void)self;
    /* A cast binds tighter than ==: the operand is `(PyObject *)arg`, which the rewrite does
     * not take apart, so this comparison stays. */
    long bits = ((PyObject *)arg == Py_None) | ((Py_IsFalse(arg)) << 1) | (long)(Py_IsTrue(arg)) << 2;
    return PyLong_FromLong(bits);
}

static PyObject *identity(PyObject *self, PyObject *arg) {
    (void)self;
    return Py_NewRef(arg);
}

static PyObject *maybe_copy(PyObject *self, PyObject *arg) {
    PyObject *result = arg;
    int borrowed = 1;
    (void)self;
    if (PyList_Check(arg)) {
        result = PyList_GetSlice(arg, 0, PY_SSIZE_T_MAX);
        if (result == NULL) return NULL;
        borrowed = 0;
    }
    /* The `if` governs the first statement alone: not a `return Py_NewRef(...)`. */
    if (borrowed)
        Py_INCREF(result);
    return result;
}

/* Not a function returning PyObject *: `return Py_NewRef(o)` would change its type. */
static void *as_pointer(PyObject *o) {
    Py_INCREF(o);
    return o;
}

static PyObject *via_pointer(PyObject *self, PyObject *arg) {
    (void)self;
    return (PyObject *)as_pointer(arg);
}

static PyObject *set_class(PyObject *self, PyObject *args) {
    PyObject *obj;
    PyTypeObject *type;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO!", &obj, &PyType_Type, &type)) return NULL;
    PyTypeObject *old = Py_TYPE(obj);
    Py_SET_TYPE(obj, type); /* an assignment over two lines */
    int changed = Py_TYPE(obj) == type;
    Py_SET_TYPE(obj, old);
    return PyBool_FromLong(changed && Py_TYPE(obj) == old);
}

static PyObject *shrink(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    PyObject *tuple = Py_BuildValue("(iii)", 1, 2, 3);
    if (tuple == NULL) return NULL;
    Py_SET_SIZE(tuple, 2);
    int shrunk = Py_SIZE(tuple) == 2;
    Py_SET_SIZE(tuple, 3);
    int restored = PyTuple_GET_SIZE(tuple) == 3;
    Py_DECREF(tuple);
    return PyBool_FromLong(shrunk && restored);
}

/* Renames of private and deprecated names (spec/replaced.yaml's exact entries with a rule). */
static PyObject *attr_of(PyObject *self, PyObject *args) {
    PyObject *module, *attribute;
    (void)self;
    if (!PyArg_ParseTuple(args, "UU", &module, &attribute)) return NULL;
    return PyImport_ImportModuleAttr(module, attribute);
}

static PyObject *same_interpreter(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyBool_FromLong(PyInterpreterState_Get() == PyThreadState_GetInterpreter(PyThreadState_Get()));
}

static PyObject *hashes(PyObject *self, PyObject *arg) {
    char *data;
    Py_ssize_t size;
    (void)self;
    if (PyBytes_AsStringAndSize(arg, &data, &size) < 0) return NULL;
    return Py_BuildValue("(nn)", Py_HashBuffer(data, size), Py_HashPointer(arg));
}

static PyObject *text_checks(PyObject *self, PyObject *arg) {
    (void)self;
    const char *utf8 = PyUnicode_AsUTF8(arg);
    if (utf8 == NULL) return NULL;
    return Py_BuildValue("(is)", PyUnicode_EqualToUTF8(arg, "abc"), utf8);
}

static PyObject *calls(PyObject *self, PyObject *args) {
    PyObject *callable, *call_args;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO", &callable, &call_args)) return NULL;
    PyObject *none = PyObject_CallNoArgs(callable);
    if (none == NULL) return NULL;
    PyObject *some = PyObject_CallObject(callable, call_args);
    if (some == NULL) {
        Py_DECREF(none);
        return NULL;
    }
    return Py_BuildValue("(NN)", none, some);
}

static PyObject *join(PyObject *self, PyObject *args) {
    PyObject *separator, *items;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO", &separator, &items)) return NULL;
    return PyBytes_Join(separator, items);
}

static PyObject *finalized_and_called(PyObject *self, PyObject *args) {
    PyObject *obj, *callable, *call_args;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOO", &obj, &callable, &call_args)) return NULL;
    PyObject *result = PyObject_Call(callable, call_args, NULL);
    if (result == NULL) return NULL;
    return Py_BuildValue("(iN)", PyObject_GC_IsFinalized(obj), result);
}

static PyMethodDef methods[] = {
    {"trap", trap, METH_NOARGS, NULL},
    {"as_int", as_int, METH_O, NULL},
    {"as_int_macro", as_int_macro, METH_O, NULL},
    {"lookup", lookup, METH_VARARGS, NULL},
    {"finalizing", finalizing, METH_NOARGS, NULL},
    {"module_attr", module_attr, METH_VARARGS, NULL},
    {"classify", classify, METH_O, NULL},
    {"flags", flags, METH_O, NULL},
    {"identity", identity, METH_O, NULL},
    {"maybe_copy", maybe_copy, METH_O, NULL},
    {"via_pointer", via_pointer, METH_O, NULL},
    {"set_class", set_class, METH_VARARGS, NULL},
    {"shrink", shrink, METH_NOARGS, NULL},
    {"attr_of", attr_of, METH_VARARGS, NULL},
    {"same_interpreter", same_interpreter, METH_NOARGS, NULL},
    {"hashes", hashes, METH_O, NULL},
    {"text_checks", text_checks, METH_O, NULL},
    {"calls", calls, METH_VARARGS, NULL},
    {"join", join, METH_VARARGS, NULL},
    {"finalized_and_called", finalized_and_called, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_upgraded", NULL, -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__upgraded(void);
PyMODINIT_FUNC PyInit__upgraded(void) { return PyModule_Create(&module_def); }
