// C++ traps: raw strings hold what looks like old API; only the code after them changes.
#include <Python.h>
#include "capi_compat.h"

static const char *sample = R"py(
_PyLong_AsInt(x) == Py_None; Py_INCREF(o); return o;
)py";
static const char *delimited = R"x(")x == Py_None)x";

static int use(PyObject *o) {
    return PyLong_AsInt(o) + (Py_IsNone(o)) + (sample != nullptr) + (delimited != nullptr);
}
