/* Helpers of the upgrade fixture: macros spanning lines (their bodies are code, so they are
 * rewritten), and no #include <Python.h> of its own (so upgrade notes that the header must
 * come from the file that includes this one). */
#ifndef UPGRADE_FIXTURE_HELPERS_H
#define UPGRADE_FIXTURE_HELPERS_H

#define HELPER_AS_INT(obj) \
    PyLong_AsInt(         \
        (obj))

#define HELPER_IS_NONE(obj) (Py_IsNone((obj)))

/* A shim of the old name under its own guard is the user's: a rule is not applied to a file
 * that defines the name it replaces (here _Py_IsFinalizing). */
#if defined(PYPY_VERSION) && 0
#define _Py_IsFinalizing() 0
#endif

#endif
