/* _example: a small extension module written against the CPython 3.13 C API and built on
 * CPython 3.10+ and PyPy with capi_compat.h, which supplies the functions those lack.
 *
 * It offers a few dict, list, mapping, attribute, int, str, weakref and import helpers, and a
 * `Registry` type: a named collection of objects (optionally held weakly), usable as a
 * decorator, with an optional size limit.  Everything lives in per-module state (multi-phase
 * init), so two instances of the module share nothing.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "capi_compat.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>

/* Py_T_PYSSIZET / Py_READONLY are in Python.h since 3.12; older CPythons and PyPy have the
 * structmember.h names. */
#ifndef Py_T_PYSSIZET
#  include <structmember.h>
#  define Py_T_PYSSIZET T_PYSSIZET
#  define Py_READONLY READONLY
#endif

/* ---- module state ---------------------------------------------------------------------- */

typedef struct {
    PyObject *RegistryError;     /* _example.RegistryError */
    PyTypeObject *RegistryType;  /* _example.Registry */
    Py_ssize_t registrations;    /* successful Registry registrations in this module instance */
} example_state;

static example_state *
get_state(PyObject *module)
{
    return (example_state *)PyModule_GetState(module);
}

/* KeyError(key), with key wrapped in a 1-tuple so that a tuple key is not taken as args. */
static void
set_key_error(PyObject *key)
{
    PyObject *args = PyTuple_Pack(1, key);
    if (args != NULL) {
        PyErr_SetObject(PyExc_KeyError, args);
        Py_DECREF(args);
    }
}

/* ---- dotted paths ("a.b.c") ------------------------------------------------------------ */

typedef struct {
    char *buf;   /* a scratch copy of the path; each '.' consumed becomes a NUL */
    char *next;  /* start of the next component, NULL when done */
} path_iter;

static int
path_iter_init(path_iter *it, const char *path)
{
    size_t len = strlen(path);
    it->buf = PyMem_Malloc(len + 1);
    if (it->buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(it->buf, path, len + 1);
    it->next = it->buf;
    return 0;
}

/* 1 and *comp set, 0 at the end, -1 (ValueError) for an empty component. */
static int
path_iter_next(path_iter *it, const char **comp)
{
    char *start = it->next, *dot;
    if (start == NULL) {
        return 0;
    }
    dot = strchr(start, '.');
    if (dot != NULL) {
        *dot = '\0';
        it->next = dot + 1;
    }
    else {
        it->next = NULL;
    }
    if (*start == '\0') {
        PyErr_SetString(PyExc_ValueError, "empty component in dotted path");
        return -1;
    }
    *comp = start;
    return 1;
}

static void
path_iter_free(path_iter *it)
{
    PyMem_Free(it->buf);
    it->buf = it->next = NULL;
}

/* ---- Registry -------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *entries;      /* dict: name (str) -> object, or a weakref.ref to it */
    PyObject *weakreflist;
    int limit;              /* maximum number of entries, -1 for no limit */
} RegistryObject;

#define RegistryObject_CAST(op) ((RegistryObject *)(op))

/* Registry is final (no Py_TPFLAGS_BASETYPE), so the type of an instance is the class that
 * defines the methods and holds the module. */
static example_state *
registry_state(PyObject *op)
{
    return (example_state *)PyType_GetModuleState(Py_TYPE(op));
}

/* The entries dict (borrowed), or NULL with RuntimeError once the GC cleared the object. */
static PyObject *
registry_entries(RegistryObject *self)
{
    if (self->entries == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the registry has been cleared");
    }
    return self->entries;
}

/* None -> -1 (no limit); an int (or __index__) >= 0 -> itself. */
static int
limit_from_object(PyObject *obj, int *limit)
{
    int value;
    if (obj == Py_None) {
        *limit = -1;
        return 0;
    }
    value = PyLong_AsInt(obj);
    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (value < 0) {
        PyErr_Format(PyExc_ValueError, "limit must be >= 0 or None, not %d", value);
        return -1;
    }
    *limit = value;
    return 0;
}

/* Turns an entry's value (a strong reference, consumed) into the registered object: a weak
 * entry is dereferenced, and pruned from the registry if its referent is gone.
 * 1 and a strong reference in *result, 0 (dead weak entry) or -1 with *result NULL. */
static int
registry_unwrap(RegistryObject *self, PyObject *name, PyObject *value, PyObject **result)
{
    PyObject *obj;
    int rc;
    if (!PyWeakref_CheckRef(value)) {
        *result = value;
        return 1;
    }
    rc = PyWeakref_GetRef(value, &obj);
    Py_DECREF(value);
    *result = obj;
    if (rc == 0 && PyDict_Pop(self->entries, name, NULL) < 0) {
        return -1;
    }
    return rc;
}

/* registry[name] without KeyError: 1 and a strong reference, 0 if absent, -1 on error. */
static int
registry_lookup(RegistryObject *self, PyObject *name, PyObject **result)
{
    PyObject *value;
    int rc;
    *result = NULL;
    if (registry_entries(self) == NULL) {
        return -1;
    }
    rc = PyDict_GetItemRef(self->entries, name, &value);
    if (rc <= 0) {
        return rc;
    }
    return registry_unwrap(self, name, value, result);
}

/* Adds obj under name; 0 or -1. */
static int
registry_add(RegistryObject *self, example_state *state, PyObject *name, PyObject *obj,
             int replace, int weak)
{
    PyObject *entries = registry_entries(self), *value;
    int rc;
    if (entries == NULL) {
        return -1;
    }
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "registry names must be str, not '%.200s'",
                     Py_TYPE(name)->tp_name);
        return -1;
    }
    if (self->limit >= 0 && PyDict_GET_SIZE(entries) >= self->limit) {
        rc = replace ? PyDict_Contains(entries, name) : 0;
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            PyErr_Format(state->RegistryError, "registry is full (limit %d), cannot add %R",
                         self->limit, name);
            return -1;
        }
    }
    value = weak ? PyWeakref_NewRef(obj, NULL) : Py_NewRef(obj);
    if (value == NULL) {
        return -1;
    }
    if (replace) {
        rc = PyDict_SetItem(entries, name, value);
    }
    else {
        rc = PyDict_SetDefaultRef(entries, name, value, NULL);
        if (rc == 1) {
            PyErr_Format(state->RegistryError, "%R is already registered", name);
            rc = -1;
        }
    }
    Py_DECREF(value);
    if (rc < 0) {
        return -1;
    }
    state->registrations++;
    return 0;
}

/* Registers initial's items (a mapping) or initial's objects under their __name__. */
static int
registry_add_initial(RegistryObject *self, example_state *state, PyObject *initial)
{
    int is_mapping = PyObject_HasAttrStringWithError(initial, "keys");
    PyObject *items, *iter, *obj;
    if (is_mapping < 0) {
        return -1;
    }
    if (is_mapping) {
        Py_ssize_t i;
        int rc = 0;
        items = PyMapping_Items(initial);
        if (items == NULL) {
            return -1;
        }
        for (i = 0; rc == 0 && i < PyList_GET_SIZE(items); i++) {
            PyObject *item = PyList_GetItemRef(items, i);
            if (item == NULL) {
                rc = -1;
                break;
            }
            if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
                PyErr_SetString(PyExc_TypeError, "items() must return (name, object) pairs");
                rc = -1;
            }
            else {
                rc = registry_add(self, state, PyTuple_GET_ITEM(item, 0),
                                  PyTuple_GET_ITEM(item, 1), 0, 0);
            }
            Py_DECREF(item);
        }
        Py_DECREF(items);
        return rc;
    }
    iter = PyObject_GetIter(initial);
    if (iter == NULL) {
        return -1;
    }
    while ((obj = PyIter_Next(iter)) != NULL) {
        PyObject *name;
        int rc = PyObject_GetOptionalAttrString(obj, "__name__", &name);
        if (rc == 0) {
            PyErr_Format(PyExc_TypeError, "cannot register a '%.200s' object without a name",
                         Py_TYPE(obj)->tp_name);
        }
        if (rc > 0) {
            rc = registry_add(self, state, name, obj, 0, 0);
            Py_DECREF(name);
        }
        else {
            rc = -1;
        }
        Py_DECREF(obj);
        if (rc < 0) {
            Py_DECREF(iter);
            return -1;
        }
    }
    Py_DECREF(iter);
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *
Registry_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"initial", "limit", NULL};
    PyObject *initial = Py_None, *limit_obj = Py_None;
    RegistryObject *self;
    int limit;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O$O:Registry", kwlist,
                                     &initial, &limit_obj)) {
        return NULL;
    }
    if (limit_from_object(limit_obj, &limit) < 0) {
        return NULL;
    }
    self = (RegistryObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->limit = limit;
    self->entries = PyDict_New();
    if (self->entries == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    if (initial != Py_None
        && registry_add_initial(self, (example_state *)PyType_GetModuleState(type), initial) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int
Registry_traverse(PyObject *op, visitproc visit, void *arg)
{
    RegistryObject *self = RegistryObject_CAST(op);
    Py_VISIT(Py_TYPE(op));   /* instances of a heap type own a reference to it */
    Py_VISIT(self->entries);
    return 0;
}

static int
Registry_clear(PyObject *op)
{
    Py_CLEAR(RegistryObject_CAST(op)->entries);
    return 0;
}

static void
Registry_dealloc(PyObject *op)
{
    PyTypeObject *tp = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    if (RegistryObject_CAST(op)->weakreflist != NULL) {
        PyObject_ClearWeakRefs(op);
    }
    (void)Registry_clear(op);
    tp->tp_free(op);
    Py_DECREF(tp);
}

static PyObject *
Registry_repr(PyObject *op)
{
    RegistryObject *self = RegistryObject_CAST(op);
    Py_ssize_t n = self->entries != NULL ? PyDict_GET_SIZE(self->entries) : 0;
    return PyUnicode_FromFormat("<_example.Registry with %zd entr%s>", n, n == 1 ? "y" : "ies");
}

static Py_ssize_t
Registry_length(PyObject *op)
{
    PyObject *entries = registry_entries(RegistryObject_CAST(op));
    return entries != NULL ? PyDict_GET_SIZE(entries) : -1;
}

static PyObject *
Registry_subscript(PyObject *op, PyObject *name)
{
    PyObject *obj;
    int rc = registry_lookup(RegistryObject_CAST(op), name, &obj);
    if (rc == 0) {
        set_key_error(name);
    }
    return obj;
}

static int
Registry_contains(PyObject *op, PyObject *name)
{
    PyObject *obj;
    int rc = registry_lookup(RegistryObject_CAST(op), name, &obj);
    Py_XDECREF(obj);
    return rc;
}

PyDoc_STRVAR(Registry_register_doc,
"register($self, /, obj, name=None, *, replace=False, weak=False)\n--\n\n"
"Register obj under name (default: obj.__name__) and return obj, so that it can be used\n"
"as a decorator. RegistryError if the name is taken (unless replace) or the registry is\n"
"full. weak=True holds obj through a weak reference.");

static PyObject *
Registry_register(PyObject *op, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"obj", "name", "replace", "weak", NULL};
    PyObject *obj, *name = Py_None;
    int replace = 0, weak = 0, rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O$pp:register", kwlist,
                                     &obj, &name, &replace, &weak)) {
        return NULL;
    }
    if (name == Py_None) {
        rc = PyObject_GetOptionalAttrString(obj, "__name__", &name);
        if (rc < 0) {
            return NULL;
        }
        if (rc == 0) {
            PyErr_Format(PyExc_TypeError,
                         "cannot infer a name for a '%.200s' object: pass name=",
                         Py_TYPE(obj)->tp_name);
            return NULL;
        }
    }
    else {
        Py_INCREF(name);
    }
    rc = registry_add(RegistryObject_CAST(op), registry_state(op), name, obj, replace, weak);
    Py_DECREF(name);
    return rc < 0 ? NULL : Py_NewRef(obj);
}

PyDoc_STRVAR(Registry_get_doc,
"get($self, /, name, default=None)\n--\n\n"
"The object registered under name, or default.");

static PyObject *
Registry_get(PyObject *op, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "default", NULL};
    PyObject *name, *dflt = Py_None, *obj;
    int rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:get", kwlist, &name, &dflt)) {
        return NULL;
    }
    rc = registry_lookup(RegistryObject_CAST(op), name, &obj);
    return rc == 0 ? Py_NewRef(dflt) : obj;
}

PyDoc_STRVAR(Registry_unregister_doc,
"unregister($self, name, /)\n--\n\n"
"Remove name and return its object (None for a weak entry whose object is gone);\n"
"KeyError if name is not registered.");

static PyObject *
Registry_unregister(PyObject *op, PyObject *name)
{
    RegistryObject *self = RegistryObject_CAST(op);
    PyObject *value, *obj;
    int rc;
    if (registry_entries(self) == NULL) {
        return NULL;
    }
    rc = PyDict_Pop(self->entries, name, &value);
    if (rc <= 0) {
        if (rc == 0) {
            set_key_error(name);
        }
        return NULL;
    }
    if (!PyWeakref_CheckRef(value)) {
        return value;
    }
    rc = PyWeakref_GetRef(value, &obj);
    Py_DECREF(value);
    if (rc < 0) {
        return NULL;
    }
    return rc ? obj : Py_NewRef(Py_None);
}

PyDoc_STRVAR(Registry_resolve_doc,
"resolve($self, path, /, default=None)\n--\n\n"
"Look up 'name.attr.attr...': the object registered under name, then its attributes.\n"
"default if the name or an attribute is missing.");

static PyObject *
Registry_resolve(PyObject *op, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"", "default", NULL};
    RegistryObject *self = RegistryObject_CAST(op);
    const char *path, *comp;
    PyObject *dflt = Py_None, *cur = NULL, *next;
    path_iter it;
    int rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|O:resolve", kwlist, &path, &dflt)) {
        return NULL;
    }
    if (registry_entries(self) == NULL || path_iter_init(&it, path) < 0) {
        return NULL;
    }
    while ((rc = path_iter_next(&it, &comp)) > 0) {
        if (cur == NULL) {
            PyObject *name;
            rc = PyDict_GetItemStringRef(self->entries, comp, &next);
            if (rc > 0) {
                name = PyUnicode_FromString(comp);
                if (name == NULL) {
                    Py_DECREF(next);
                    rc = -1;
                }
                else {
                    rc = registry_unwrap(self, name, next, &next);
                    Py_DECREF(name);
                }
            }
        }
        else {
            rc = PyObject_GetOptionalAttrString(cur, comp, &next);
            Py_DECREF(cur);
        }
        cur = next;
        if (rc <= 0) {
            break;
        }
    }
    path_iter_free(&it);
    if (rc < 0) {
        Py_XDECREF(cur);
        return NULL;
    }
    return cur != NULL ? cur : Py_NewRef(dflt);
}

PyDoc_STRVAR(Registry_names_doc,
"names($self, /)\n--\n\n"
"The registered names, sorted.");

static PyObject *
Registry_names(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    PyObject *entries = registry_entries(RegistryObject_CAST(op)), *names;
    if (entries == NULL) {
        return NULL;
    }
    names = PyList_New(0);
    if (names == NULL) {
        return NULL;
    }
    if (PyList_Extend(names, entries) < 0 || PyList_Sort(names) < 0) {
        Py_DECREF(names);
        return NULL;
    }
    return names;
}

PyDoc_STRVAR(Registry_prune_doc,
"prune($self, /)\n--\n\n"
"Drop the weak entries whose object is gone; return how many were dropped.");

static PyObject *
Registry_prune(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RegistryObject *self = RegistryObject_CAST(op);
    PyObject *keys;
    Py_ssize_t i, pruned = 0;
    if (registry_entries(self) == NULL) {
        return NULL;
    }
    keys = PyDict_Keys(self->entries);
    if (keys == NULL) {
        return NULL;
    }
    for (i = 0; i < PyList_GET_SIZE(keys); i++) {
        PyObject *key = PyList_GetItemRef(keys, i), *obj;
        int rc;
        if (key == NULL) {
            Py_DECREF(keys);
            return NULL;
        }
        rc = registry_lookup(self, key, &obj);
        Py_DECREF(key);
        Py_XDECREF(obj);
        if (rc < 0) {
            Py_DECREF(keys);
            return NULL;
        }
        pruned += rc == 0;
    }
    Py_DECREF(keys);
    return PyLong_FromSsize_t(pruned);
}

PyDoc_STRVAR(Registry_clear_doc,
"clear($self, /)\n--\n\n"
"Remove every entry; return how many there were.");

static PyObject *
Registry_clear_method(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    PyObject *entries = registry_entries(RegistryObject_CAST(op));
    Py_ssize_t n;
    if (entries == NULL) {
        return NULL;
    }
    n = PyDict_GET_SIZE(entries);
    PyDict_Clear(entries);
    return PyLong_FromSsize_t(n);
}

static PyObject *
Registry_get_entries(PyObject *op, void *Py_UNUSED(closure))
{
    PyObject *entries = registry_entries(RegistryObject_CAST(op));
    return entries != NULL ? PyDictProxy_New(entries) : NULL;
}

static PyObject *
Registry_get_limit(PyObject *op, void *Py_UNUSED(closure))
{
    int limit = RegistryObject_CAST(op)->limit;
    return limit < 0 ? Py_NewRef(Py_None) : PyLong_FromLong(limit);
}

static int
Registry_set_limit(PyObject *op, PyObject *value, void *Py_UNUSED(closure))
{
    RegistryObject *self = RegistryObject_CAST(op);
    PyObject *entries = registry_entries(self);
    int limit;
    if (entries == NULL) {
        return -1;
    }
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete the limit (set it to None)");
        return -1;
    }
    if (limit_from_object(value, &limit) < 0) {
        return -1;
    }
    if (limit >= 0 && limit < PyDict_GET_SIZE(entries)) {
        PyErr_Format(PyExc_ValueError, "limit %d is below the current size %zd",
                     limit, PyDict_GET_SIZE(entries));
        return -1;
    }
    self->limit = limit;
    return 0;
}

static PyMethodDef Registry_methods[] = {
    {"register", (PyCFunction)(void (*)(void))Registry_register,
     METH_VARARGS | METH_KEYWORDS, Registry_register_doc},
    {"get", (PyCFunction)(void (*)(void))Registry_get,
     METH_VARARGS | METH_KEYWORDS, Registry_get_doc},
    {"unregister", Registry_unregister, METH_O, Registry_unregister_doc},
    {"resolve", (PyCFunction)(void (*)(void))Registry_resolve,
     METH_VARARGS | METH_KEYWORDS, Registry_resolve_doc},
    {"names", Registry_names, METH_NOARGS, Registry_names_doc},
    {"prune", Registry_prune, METH_NOARGS, Registry_prune_doc},
    {"clear", Registry_clear_method, METH_NOARGS, Registry_clear_doc},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Registry_getset[] = {
    {"entries", Registry_get_entries, NULL,
     PyDoc_STR("A read-only live view of the entries (weak ones as weakref.ref)."), NULL},
    {"limit", Registry_get_limit, Registry_set_limit,
     PyDoc_STR("The maximum number of entries, or None."), NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyMemberDef Registry_members[] = {
    {"__weaklistoffset__", Py_T_PYSSIZET, offsetof(RegistryObject, weakreflist), Py_READONLY,
     NULL},
    {NULL, 0, 0, 0, NULL}
};

static PyType_Slot Registry_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR(
        "Registry(initial=None, *, limit=None)\n--\n\n"
        "Objects registered by name. initial: a mapping of names to objects, or an iterable\n"
        "of objects registered under their __name__. limit: the maximum number of entries.")},
    {Py_tp_new, (void *)Registry_new},
    {Py_tp_dealloc, (void *)Registry_dealloc},
    {Py_tp_traverse, (void *)Registry_traverse},
    {Py_tp_clear, (void *)Registry_clear},
    {Py_tp_repr, (void *)Registry_repr},
    {Py_tp_methods, Registry_methods},
    {Py_tp_getset, Registry_getset},
    {Py_tp_members, Registry_members},
    {Py_mp_length, (void *)Registry_length},
    {Py_mp_subscript, (void *)Registry_subscript},
    {Py_sq_contains, (void *)Registry_contains},
    {0, NULL}
};

static PyType_Spec Registry_spec = {
    .name = "_example.Registry",
    .basicsize = sizeof(RegistryObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Registry_slots,
};

/* ---- module functions ------------------------------------------------------------------ */

PyDoc_STRVAR(example_get_doc,
"get(d, key, /, default=None)\n--\n\n"
"d[key] for a dict d, or default.");

static PyObject *
example_get(PyObject *Py_UNUSED(module), PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"", "", "default", NULL};
    PyObject *d, *key, *dflt = Py_None, *value;
    int rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O|O:get", kwlist,
                                     &PyDict_Type, &d, &key, &dflt)) {
        return NULL;
    }
    rc = PyDict_GetItemRef(d, key, &value);
    return rc == 0 ? Py_NewRef(dflt) : value;
}

PyDoc_STRVAR(example_get_path_doc,
"get_path(mapping, path, /, default=None)\n--\n\n"
"mapping['a']['b']['c'] for path 'a.b.c', or default if a key is missing.");

static PyObject *
example_get_path(PyObject *Py_UNUSED(module), PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"", "", "default", NULL};
    PyObject *mapping, *dflt = Py_None, *cur, *next;
    const char *path, *comp;
    path_iter it;
    int rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "Os|O:get_path", kwlist,
                                     &mapping, &path, &dflt)) {
        return NULL;
    }
    if (path_iter_init(&it, path) < 0) {
        return NULL;
    }
    cur = Py_NewRef(mapping);
    while ((rc = path_iter_next(&it, &comp)) > 0) {
        if (PyDict_Check(cur)) {
            rc = PyDict_GetItemStringRef(cur, comp, &next);
        }
        else {
            rc = PyMapping_GetOptionalItemString(cur, comp, &next);
        }
        Py_DECREF(cur);
        cur = next;
        if (rc <= 0) {
            break;
        }
    }
    path_iter_free(&it);
    if (rc < 0) {
        Py_XDECREF(cur);
        return NULL;
    }
    return cur != NULL ? cur : Py_NewRef(dflt);
}

PyDoc_STRVAR(example_lookup_doc,
"lookup(mapping, key, /, default=None)\n--\n\n"
"mapping[key], or default if that raises KeyError.");

static PyObject *
example_lookup(PyObject *Py_UNUSED(module), PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"", "", "default", NULL};
    PyObject *mapping, *key, *dflt = Py_None, *value;
    int rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|O:lookup", kwlist,
                                     &mapping, &key, &dflt)) {
        return NULL;
    }
    rc = PyMapping_GetOptionalItem(mapping, key, &value);
    return rc == 0 ? Py_NewRef(dflt) : value;
}

PyDoc_STRVAR(example_has_key_doc,
"has_key(mapping, key, /)\n--\n\n"
"Whether mapping[key] succeeds (KeyError means no; other errors propagate).");

static PyObject *
example_has_key(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *mapping, *key;
    int rc;
    if (!PyArg_ParseTuple(args, "OO:has_key", &mapping, &key)) {
        return NULL;
    }
    rc = PyMapping_HasKeyWithError(mapping, key);
    return rc < 0 ? NULL : PyBool_FromLong(rc);
}

PyDoc_STRVAR(example_has_key_str_doc,
"has_key_str(mapping, key, /)\n--\n\n"
"has_key() for a str key.");

static PyObject *
example_has_key_str(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *mapping;
    const char *key;
    int rc;
    if (!PyArg_ParseTuple(args, "Os:has_key_str", &mapping, &key)) {
        return NULL;
    }
    rc = PyMapping_HasKeyStringWithError(mapping, key);
    return rc < 0 ? NULL : PyBool_FromLong(rc);
}

PyDoc_STRVAR(example_setdefault_doc,
"setdefault(d, key, default=None, /)\n--\n\n"
"Like d.setdefault(key, default), returning (value, was_present).");

static PyObject *
example_setdefault(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *d, *key, *dflt = Py_None, *value, *res;
    int rc;
    if (!PyArg_ParseTuple(args, "O!O|O:setdefault", &PyDict_Type, &d, &key, &dflt)) {
        return NULL;
    }
    rc = PyDict_SetDefaultRef(d, key, dflt, &value);
    if (rc < 0) {
        return NULL;
    }
    res = Py_BuildValue("(NO)", value, rc ? Py_True : Py_False);
    return res;
}

PyDoc_STRVAR(example_pop_doc,
"pop(d, key, [default,] /)\n--\n\n"
"Like d.pop(key[, default]).");

static PyObject *
example_pop(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *d, *key, *dflt = NULL, *value;
    int rc;
    if (!PyArg_ParseTuple(args, "O!O|O:pop", &PyDict_Type, &d, &key, &dflt)) {
        return NULL;
    }
    rc = PyDict_Pop(d, key, &value);
    if (rc < 0) {
        return NULL;
    }
    if (rc == 0) {
        if (dflt == NULL) {
            set_key_error(key);
            return NULL;
        }
        return Py_NewRef(dflt);
    }
    return value;
}

PyDoc_STRVAR(example_discard_doc,
"discard(d, key, /)\n--\n\n"
"Remove the str key from the dict d if present; return whether it was.");

static PyObject *
example_discard(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *d;
    const char *key;
    int rc;
    if (!PyArg_ParseTuple(args, "O!s:discard", &PyDict_Type, &d, &key)) {
        return NULL;
    }
    rc = PyDict_PopString(d, key, NULL);
    return rc < 0 ? NULL : PyBool_FromLong(rc);
}

PyDoc_STRVAR(example_contains_str_doc,
"contains_str(d, key, /)\n--\n\n"
"key in d, for a dict d and a str key.");

static PyObject *
example_contains_str(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *d;
    const char *key;
    int rc;
    if (!PyArg_ParseTuple(args, "O!s:contains_str", &PyDict_Type, &d, &key)) {
        return NULL;
    }
    rc = PyDict_ContainsString(d, key);
    return rc < 0 ? NULL : PyBool_FromLong(rc);
}

PyDoc_STRVAR(example_item_doc,
"item(lst, index, /)\n--\n\n"
"lst[index] for a list (a negative index is out of range).");

static PyObject *
example_item(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *lst;
    Py_ssize_t index;
    if (!PyArg_ParseTuple(args, "On:item", &lst, &index)) {
        return NULL;
    }
    return PyList_GetItemRef(lst, index);
}

PyDoc_STRVAR(example_extend_doc,
"extend(lst, iterable, /)\n--\n\n"
"list.extend(lst, iterable); return the new length.");

static PyObject *
example_extend(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *lst, *iterable;
    if (!PyArg_ParseTuple(args, "O!O:extend", &PyList_Type, &lst, &iterable)) {
        return NULL;
    }
    if (PyList_Extend(lst, iterable) < 0) {
        return NULL;
    }
    return PyLong_FromSsize_t(PyList_GET_SIZE(lst));
}

PyDoc_STRVAR(example_clear_doc,
"clear(lst, /)\n--\n\n"
"list.clear(lst); return how many items were removed.");

static PyObject *
example_clear(PyObject *Py_UNUSED(module), PyObject *lst)
{
    Py_ssize_t n;
    if (!PyList_Check(lst)) {
        PyErr_Format(PyExc_TypeError, "clear() argument must be a list, not '%.200s'",
                     Py_TYPE(lst)->tp_name);
        return NULL;
    }
    n = PyList_GET_SIZE(lst);
    if (PyList_Clear(lst) < 0) {
        return NULL;
    }
    return PyLong_FromSsize_t(n);
}

PyDoc_STRVAR(example_as_int_doc,
"as_int(obj, /)\n--\n\n"
"obj (an int or an object with __index__) as a C int.");

static PyObject *
example_as_int(PyObject *Py_UNUSED(module), PyObject *obj)
{
    int value = PyLong_AsInt(obj);
    if (value == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return PyLong_FromLong(value);
}

PyDoc_STRVAR(example_getattr_opt_doc,
"getattr_opt(obj, name, /, default=None)\n--\n\n"
"getattr(obj, name, default).");

static PyObject *
example_getattr_opt(PyObject *Py_UNUSED(module), PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"", "", "default", NULL};
    PyObject *obj, *name, *dflt = Py_None, *value;
    int rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|O:getattr_opt", kwlist,
                                     &obj, &name, &dflt)) {
        return NULL;
    }
    rc = PyObject_GetOptionalAttr(obj, name, &value);
    return rc == 0 ? Py_NewRef(dflt) : value;
}

PyDoc_STRVAR(example_has_attr_doc,
"has_attr(obj, name, /)\n--\n\n"
"hasattr(obj, name).");

static PyObject *
example_has_attr(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *obj, *name;
    int rc;
    if (!PyArg_ParseTuple(args, "OO:has_attr", &obj, &name)) {
        return NULL;
    }
    rc = PyObject_HasAttrWithError(obj, name);
    return rc < 0 ? NULL : PyBool_FromLong(rc);
}

PyDoc_STRVAR(example_has_attr_str_doc,
"has_attr_str(obj, name, /)\n--\n\n"
"hasattr(obj, name) with name converted to UTF-8.");

static PyObject *
example_has_attr_str(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *obj;
    const char *name;
    int rc;
    if (!PyArg_ParseTuple(args, "Os:has_attr_str", &obj, &name)) {
        return NULL;
    }
    rc = PyObject_HasAttrStringWithError(obj, name);
    return rc < 0 ? NULL : PyBool_FromLong(rc);
}

PyDoc_STRVAR(example_str_equals_doc,
"str_equals(s, data, /)\n--\n\n"
"Whether the str s encodes to the bytes data in UTF-8 (never for surrogates).");

static PyObject *
example_str_equals(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *s;
    const char *data;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "Uy#:str_equals", &s, &data, &size)) {
        return NULL;
    }
    return PyBool_FromLong(PyUnicode_EqualToUTF8AndSize(s, data, size));
}

PyDoc_STRVAR(example_str_equals_cstr_doc,
"str_equals_cstr(s, data, /)\n--\n\n"
"str_equals() for data without NUL bytes, compared as a C string.");

static PyObject *
example_str_equals_cstr(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *s;
    const char *data;
    if (!PyArg_ParseTuple(args, "Uy:str_equals_cstr", &s, &data)) {
        return NULL;
    }
    return PyBool_FromLong(PyUnicode_EqualToUTF8(s, data));
}

PyDoc_STRVAR(example_deref_doc,
"deref(ref, /)\n--\n\n"
"The referent of a weak reference, or None if it is gone.");

static PyObject *
example_deref(PyObject *Py_UNUSED(module), PyObject *ref)
{
    PyObject *obj;
    int rc = PyWeakref_GetRef(ref, &obj);
    if (rc < 0) {
        return NULL;
    }
    return rc ? obj : Py_NewRef(Py_None);
}

PyDoc_STRVAR(example_add_module_doc,
"add_module(name, /)\n--\n\n"
"sys.modules[name], replaced by a new empty module if missing or not a module.");

static PyObject *
example_add_module(PyObject *Py_UNUSED(module), PyObject *args)
{
    const char *name;
    if (!PyArg_ParseTuple(args, "s:add_module", &name)) {
        return NULL;
    }
    return PyImport_AddModuleRef(name);
}

PyDoc_STRVAR(example_registrations_doc,
"registrations($module, /)\n--\n\n"
"How many registrations this module's registries have made.");

static PyObject *
example_registrations(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(get_state(module)->registrations);
}

#define KW_METHOD(name) \
    {#name, (PyCFunction)(void (*)(void))example_##name, METH_VARARGS | METH_KEYWORDS, \
     example_##name##_doc}
#define VA_METHOD(name) {#name, example_##name, METH_VARARGS, example_##name##_doc}
#define O_METHOD(name) {#name, example_##name, METH_O, example_##name##_doc}

static PyMethodDef example_methods[] = {
    KW_METHOD(get),
    KW_METHOD(get_path),
    KW_METHOD(lookup),
    VA_METHOD(has_key),
    VA_METHOD(has_key_str),
    VA_METHOD(setdefault),
    VA_METHOD(pop),
    VA_METHOD(discard),
    VA_METHOD(contains_str),
    VA_METHOD(item),
    VA_METHOD(extend),
    O_METHOD(clear),
    O_METHOD(as_int),
    KW_METHOD(getattr_opt),
    VA_METHOD(has_attr),
    VA_METHOD(has_attr_str),
    VA_METHOD(str_equals),
    VA_METHOD(str_equals_cstr),
    O_METHOD(deref),
    VA_METHOD(add_module),
    {"registrations", example_registrations, METH_NOARGS, example_registrations_doc},
    {NULL, NULL, 0, NULL}
};

/* ---- module ---------------------------------------------------------------------------- */

static int
example_exec(PyObject *module)
{
    example_state *state = get_state(module);
    state->registrations = 0;
    state->RegistryError = PyErr_NewExceptionWithDoc(
        "_example.RegistryError",
        "Raised when a name is already registered or a registry is full.",
        NULL, NULL);
    if (state->RegistryError == NULL) {
        return -1;
    }
    state->RegistryType = (PyTypeObject *)PyType_FromModuleAndSpec(module, &Registry_spec, NULL);
    if (state->RegistryType == NULL) {
        return -1;
    }
    /* PyModule_Add steals the value, also on error and when it is NULL */
    if (PyModule_Add(module, "RegistryError", Py_NewRef(state->RegistryError)) < 0
        || PyModule_Add(module, "Registry", Py_NewRef((PyObject *)state->RegistryType)) < 0
        || PyModule_Add(module, "INT_MAX", PyLong_FromLong(INT_MAX)) < 0
        || PyModule_Add(module, "INT_MIN", PyLong_FromLong(INT_MIN)) < 0
        || PyModule_Add(module, "__version__", PyUnicode_FromString("1.0")) < 0) {
        return -1;
    }
    return 0;
}

static int
example_traverse(PyObject *module, visitproc visit, void *arg)
{
    example_state *state = get_state(module);
    Py_VISIT(state->RegistryError);
    Py_VISIT(state->RegistryType);
    return 0;
}

static int
example_clear_state(PyObject *module)
{
    example_state *state = get_state(module);
    Py_CLEAR(state->RegistryError);
    Py_CLEAR(state->RegistryType);
    return 0;
}

static void
example_free(void *module)
{
    (void)example_clear_state((PyObject *)module);
}

static PyModuleDef_Slot example_slots[] = {
    {Py_mod_exec, (void *)example_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_USED},   /* the registrations counter relies on the GIL */
#endif
    {0, NULL}
};

static struct PyModuleDef example_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_example",
    .m_doc = "Example extension module built with capi_compat.h.",
    .m_size = sizeof(example_state),
    .m_methods = example_methods,
    .m_slots = example_slots,
    .m_traverse = example_traverse,
    .m_clear = example_clear_state,
    .m_free = example_free,
};

PyMODINIT_FUNC
PyInit__example(void)
{
    return PyModuleDef_Init(&example_module);
}
