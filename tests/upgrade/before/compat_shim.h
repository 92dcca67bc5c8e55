/* A compatibility shim of the project's own (not compiled here): it defines the new name with
 * the old one, so rewriting the call inside would make PyLong_AsInt call itself. upgrade
 * leaves the rule alone in this file, with a note; the declaration in the extern "C" block
 * is not a call either. */
#ifdef __cplusplus
extern "C" {
#endif
#if PY_VERSION_HEX < 0x030D0000
static inline int PyLong_AsInt(PyObject *obj) { return _PyLong_AsInt(obj); }
#endif
PyAPI_FUNC(Py_hash_t) _Py_HashBytes(const void *src, Py_ssize_t len);
#ifdef __cplusplus
}
#endif
