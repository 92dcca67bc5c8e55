/* Stands for a vendored pythoncapi_compat.h (not compiled here): a compatibility header
 * implements the new names with the old ones and is never rewritten. */
static inline int PyLong_AsInt(PyObject *obj) { return _PyLong_AsInt(obj); }
static inline PyObject *Py_NewRef(PyObject *obj) { Py_INCREF(obj); return obj; }
static inline int is_none(PyObject *obj) { return obj == Py_None; }
