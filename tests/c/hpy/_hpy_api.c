/* The custom API functions of the HPy layer (builders, calls, bytes, tuples, attributes,
 * errors, capsules, context variables, compile, globals, slices, void pointers, dump), each
 * exposed through a classic PyModuleDef method. tests/c/hpy/check_api.py checks them. */
#include <Python.h>
#include "hpy.h"
#include <errno.h>
#include <string.h>

/* Hands a handle back to Python and closes it. */
static PyObject *give(HPyContext *ctx, HPy h) {
    PyObject *result;
    if (HPy_IsNull(h)) return CAPICOMPAT_NULL;
    result = HPy_AsPyObject(ctx, h);
    HPy_Close(ctx, h);
    return result;
}

/* None stands for HPy_NULL in the arguments of these test functions. */
static HPy handle_or_null(HPyContext *ctx, PyObject *o) {
    return o == Py_None ? HPy_NULL : HPy_FromPyObject(ctx, o);
}

/* The items of a list or tuple as new handles in a PyMem array (NULL with an error set). */
static HPy *handles_of(HPyContext *ctx, PyObject *seq, Py_ssize_t *n) {
    PyObject *fast = PySequence_Fast(seq, "a sequence is required");
    HPy *items;
    Py_ssize_t i;
    if (fast == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    *n = PySequence_Fast_GET_SIZE(fast);
    items = PyMem_New(HPy, (size_t)(*n > 0 ? *n : 1));
    if (items == CAPICOMPAT_NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return CAPICOMPAT_NULL;
    }
    for (i = 0; i < *n; i++) items[i] = HPy_FromPyObject(ctx, PySequence_Fast_GET_ITEM(fast, i));
    Py_DECREF(fast);
    return items;
}

static void close_all(HPyContext *ctx, HPy *items, Py_ssize_t n) {
    Py_ssize_t i;
    for (i = 0; i < n; i++) HPy_Close(ctx, items[i]);
    PyMem_Free(items);
}

/* builder(kind, items, mode, size): kind "list" or "tuple". mode "build": New(size), Set each
 * item, Build. "cancel": the same, then Cancel, returns None. "fail": New(size) with a size
 * that fails, asserts that no error is pending, Sets (ignored), then Build (which raises). */
static PyObject *api_builder(PyObject *self, PyObject *args) {
    const char *kind, *mode;
    PyObject *seq;
    Py_ssize_t size, n, i;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy *items, result;
    int is_list, pending;
    (void)self;
    if (!PyArg_ParseTuple(args, "sOsn", &kind, &seq, &mode, &size)) return CAPICOMPAT_NULL;
    items = handles_of(ctx, seq, &n);
    if (items == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    is_list = strcmp(kind, "list") == 0;
    if (is_list) {
        HPyListBuilder b = HPyListBuilder_New(ctx, size);
        pending = PyErr_Occurred() != CAPICOMPAT_NULL;
        for (i = 0; i < n; i++) HPyListBuilder_Set(ctx, b, i, items[i]);
        if (strcmp(mode, "cancel") == 0) {
            HPyListBuilder_Cancel(ctx, b);
            result = HPy_Dup(ctx, ctx->h_None);
        } else {
            result = HPyListBuilder_Build(ctx, b);
        }
    } else {
        HPyTupleBuilder b = HPyTupleBuilder_New(ctx, size);
        pending = PyErr_Occurred() != CAPICOMPAT_NULL;
        for (i = 0; i < n; i++) HPyTupleBuilder_Set(ctx, b, i, items[i]);
        if (strcmp(mode, "cancel") == 0) {
            HPyTupleBuilder_Cancel(ctx, b);
            result = HPy_Dup(ctx, ctx->h_None);
        } else {
            result = HPyTupleBuilder_Build(ctx, b);
        }
    }
    close_all(ctx, items, n);
    if (pending) {
        HPy_Close(ctx, result);
        PyErr_SetString(PyExc_AssertionError, "a builder's New left an error pending");
        return CAPICOMPAT_NULL;
    }
    return give(ctx, result);
}

/* call(f, args, kwnames): HPy_Call with args as the array (positional values, then keyword
 * values) and kwnames None (HPy_NULL) or a tuple of str. */
static PyObject *api_call(PyObject *self, PyObject *args) {
    PyObject *f, *seq, *kwnames;
    Py_ssize_t n, nkw;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy hf, hk, *items, result;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOO", &f, &seq, &kwnames)) return CAPICOMPAT_NULL;
    nkw = kwnames == Py_None ? 0 : PyTuple_Size(kwnames);
    if (nkw < 0) return CAPICOMPAT_NULL;
    items = handles_of(ctx, seq, &n);
    if (items == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    hf = HPy_FromPyObject(ctx, f);
    hk = handle_or_null(ctx, kwnames);
    result = HPy_Call(ctx, hf, items, (size_t)(n - nkw), hk);
    HPy_Close(ctx, hf);
    HPy_Close(ctx, hk);
    close_all(ctx, items, n);
    return give(ctx, result);
}

/* call_no_args(f): HPy_Call with args NULL, as C code calls without arguments. */
static PyObject *api_call_no_args(PyObject *self, PyObject *f) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy hf = HPy_FromPyObject(ctx, f);
    HPy result = HPy_Call(ctx, hf, CAPICOMPAT_NULL, 0, HPy_NULL);
    (void)self;
    HPy_Close(ctx, hf);
    return give(ctx, result);
}

/* call_method(name, args, kwnames): HPy_CallMethod, args[0] being the receiver. */
static PyObject *api_call_method(PyObject *self, PyObject *args) {
    PyObject *name, *seq, *kwnames;
    Py_ssize_t n, nkw;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy hn, hk, *items, result;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOO", &name, &seq, &kwnames)) return CAPICOMPAT_NULL;
    nkw = kwnames == Py_None ? 0 : PyTuple_Size(kwnames);
    if (nkw < 0) return CAPICOMPAT_NULL;
    items = handles_of(ctx, seq, &n);
    if (items == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    hn = HPy_FromPyObject(ctx, name);
    hk = handle_or_null(ctx, kwnames);
    result = HPy_CallMethod(ctx, hn, items, (size_t)(n - nkw), hk);
    HPy_Close(ctx, hn);
    HPy_Close(ctx, hk);
    close_all(ctx, items, n);
    return give(ctx, result);
}

/* call_tuple_dict(f, args, kw): HPy_CallTupleDict, None standing for HPy_NULL. */
static PyObject *api_call_tuple_dict(PyObject *self, PyObject *args) {
    PyObject *f, *a, *k;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy hf, ha, hk, result;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOO", &f, &a, &k)) return CAPICOMPAT_NULL;
    hf = HPy_FromPyObject(ctx, f);
    ha = handle_or_null(ctx, a);
    hk = handle_or_null(ctx, k);
    result = HPy_CallTupleDict(ctx, hf, ha, hk);
    HPy_Close(ctx, hf);
    HPy_Close(ctx, ha);
    HPy_Close(ctx, hk);
    return give(ctx, result);
}

/* call_method_tuple_dict(name, receiver, args, kw): HPy_CallMethodTupleDict when name is a
 * str object, HPy_CallMethodTupleDict_s when it is bytes (its UTF-8). */
static PyObject *api_call_method_tuple_dict(PyObject *self, PyObject *args) {
    PyObject *name, *r, *a, *k;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy hr, ha, hk, result;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOO", &name, &r, &a, &k)) return CAPICOMPAT_NULL;
    hr = HPy_FromPyObject(ctx, r);
    ha = handle_or_null(ctx, a);
    hk = handle_or_null(ctx, k);
    if (PyBytes_Check(name)) {
        result = HPy_CallMethodTupleDict_s(ctx, PyBytes_AsString(name), hr, ha, hk);
    } else {
        HPy hn = HPy_FromPyObject(ctx, name);
        result = HPy_CallMethodTupleDict(ctx, hn, hr, ha, hk);
        HPy_Close(ctx, hn);
    }
    HPy_Close(ctx, hr);
    HPy_Close(ctx, ha);
    HPy_Close(ctx, hk);
    return give(ctx, result);
}

/* bytes_(data, n): HPyBytes_FromStringAndSize(data, n), data None being a NULL pointer. */
static PyObject *api_bytes(PyObject *self, PyObject *args) {
    PyObject *data;
    Py_ssize_t n;
    HPyContext *ctx = capicompat_hpy_ctx();
    const char *buf = CAPICOMPAT_NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "On", &data, &n)) return CAPICOMPAT_NULL;
    if (data != Py_None) {
        buf = PyBytes_AsString(data);
        if (buf == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    }
    return give(ctx, HPyBytes_FromStringAndSize(ctx, buf, n));
}

/* tuple_from_array(seq) -> HPyTuple_FromArray of its items */
static PyObject *api_tuple_from_array(PyObject *self, PyObject *seq) {
    Py_ssize_t n;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy *items = handles_of(ctx, seq, &n), result;
    (void)self;
    if (items == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    result = HPyTuple_FromArray(ctx, items, n);
    close_all(ctx, items, n);
    return give(ctx, result);
}

/* tuple_pack(seq) -> HPyTuple_Pack of its 0 to 4 items */
static PyObject *api_tuple_pack(PyObject *self, PyObject *seq) {
    Py_ssize_t n;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy *items = handles_of(ctx, seq, &n), result;
    (void)self;
    if (items == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    switch (n) {
    case 0: result = HPyTuple_Pack(ctx, 0); break;
    case 1: result = HPyTuple_Pack(ctx, 1, items[0]); break;
    case 2: result = HPyTuple_Pack(ctx, 2, items[0], items[1]); break;
    case 3: result = HPyTuple_Pack(ctx, 3, items[0], items[1], items[2]); break;
    case 4: result = HPyTuple_Pack(ctx, 4, items[0], items[1], items[2], items[3]); break;
    default:
        PyErr_SetString(PyExc_ValueError, "0 to 4 items");
        result = HPy_NULL;
    }
    close_all(ctx, items, n);
    return give(ctx, result);
}

/* delattr_(obj, name): HPy_DelAttr for a str name, HPy_DelAttr_s for bytes; returns the int. */
static PyObject *api_delattr(PyObject *self, PyObject *args) {
    PyObject *obj, *name;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h;
    int rc;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO", &obj, &name)) return CAPICOMPAT_NULL;
    h = HPy_FromPyObject(ctx, obj);
    if (PyBytes_Check(name)) {
        rc = HPy_DelAttr_s(ctx, h, PyBytes_AsString(name));
    } else {
        HPy hn = HPy_FromPyObject(ctx, name);
        rc = HPy_DelAttr(ctx, h, hn);
        HPy_Close(ctx, hn);
    }
    HPy_Close(ctx, h);
    if (rc < 0) return CAPICOMPAT_NULL;
    return PyLong_FromLong(rc);
}

/* fatal(message): HPy_FatalError, which does not return. */
static PyObject *api_fatal(PyObject *self, PyObject *arg) {
    const char *message = PyUnicode_AsUTF8(arg);
    (void)self;
    if (message == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    HPy_FatalError(capicompat_hpy_ctx(), message);
}

/* set_from_errno(errno, type, filename): errno set, then HPyErr_SetFromErrno (filename None)
 * or HPyErr_SetFromErrnoWithFilenameObject; raises what they set, asserting HPy_NULL. */
static PyObject *api_set_from_errno(PyObject *self, PyObject *args) {
    int err;
    PyObject *type, *filename;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy ht, hf, r;
    (void)self;
    if (!PyArg_ParseTuple(args, "iOO", &err, &type, &filename)) return CAPICOMPAT_NULL;
    ht = HPy_FromPyObject(ctx, type);
    hf = HPy_FromPyObject(ctx, filename);
    errno = err;
    if (filename == Py_None) {
        r = HPyErr_SetFromErrno(ctx, ht);
    } else {
        r = HPyErr_SetFromErrnoWithFilenameObject(ctx, ht, hf);
    }
    HPy_Close(ctx, ht);
    HPy_Close(ctx, hf);
    if (!HPy_IsNull(r) || !HPyErr_Occurred(ctx)) {
        HPy_Close(ctx, r);
        PyErr_Clear();
        PyErr_SetString(PyExc_AssertionError, "HPyErr_SetFromErrno* did not return HPy_NULL with an error");
    }
    return CAPICOMPAT_NULL;
}

/* ---- capsules ---- */

/* What the destructors saw: (which, name, pointer, context) per call, drained by capsule_log. */
#define LOG_SIZE 64
static struct {
    const char *which;
    const char *name;
    void *pointer;
    void *context;
} capsule_calls[LOG_SIZE];
static int capsule_ncalls = 0;
static int payload_a = 1, payload_b = 2, context_c = 3;
static const char capsule_name[] = "api.capsule";

static void log_call(const char *which, const char *name, void *pointer, void *context) {
    if (capsule_ncalls < LOG_SIZE) {
        capsule_calls[capsule_ncalls].which = which;
        capsule_calls[capsule_ncalls].name = name;
        capsule_calls[capsule_ncalls].pointer = pointer;
        capsule_calls[capsule_ncalls].context = context;
    }
    capsule_ncalls++;
}

HPyCapsule_DESTRUCTOR(first_destructor)
static void first_destructor_impl(const char *name, void *pointer, void *context) {
    log_call("first", name, pointer, context);
}

HPyCapsule_DESTRUCTOR(second_destructor)
static void second_destructor_impl(const char *name, void *pointer, void *context) {
    log_call("second", name, pointer, context);
}

/* The name of a known pointer, so that Python can compare them. */
static PyObject *pointer_name(const void *p) {
    if (p == CAPICOMPAT_NULL) Py_RETURN_NONE;
    if (p == &payload_a) return PyUnicode_FromString("a");
    if (p == &payload_b) return PyUnicode_FromString("b");
    if (p == &context_c) return PyUnicode_FromString("c");
    if (p == capsule_name) return PyUnicode_FromString("capsule_name");
    return PyUnicode_FromString("?");
}

/* capsule_log() -> [(which, name, pointer, context), ...] since the last call */
static PyObject *api_capsule_log(PyObject *self, PyObject *unused) {
    PyObject *list = PyList_New(0);
    int i;
    (void)self;
    (void)unused;
    if (list == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    for (i = 0; i < capsule_ncalls && i < LOG_SIZE; i++) {
        PyObject *item = Py_BuildValue("(sNNN)", capsule_calls[i].which, pointer_name(capsule_calls[i].name),
                                       pointer_name(capsule_calls[i].pointer),
                                       pointer_name(capsule_calls[i].context));
        if (item == CAPICOMPAT_NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(list);
            return CAPICOMPAT_NULL;
        }
        Py_DECREF(item);
    }
    capsule_ncalls = 0;
    return list;
}

/* capsule_new(destructor, named): HPyCapsule_New(&payload_a, name or NULL, destructor) with
 * destructor "first", "none" (NULL), "no_impl" or "no_trampoline" (invalid). */
static PyObject *api_capsule_new(PyObject *self, PyObject *args) {
    const char *which;
    int named;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPyCapsule_Destructor broken = first_destructor, *d = CAPICOMPAT_NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "sp", &which, &named)) return CAPICOMPAT_NULL;
    if (strcmp(which, "first") == 0) {
        d = &first_destructor;
    } else if (strcmp(which, "no_impl") == 0) {
        broken.impl = CAPICOMPAT_NULL;
        d = &broken;
    } else if (strcmp(which, "no_trampoline") == 0) {
        broken.cpy_trampoline = CAPICOMPAT_NULL;
        d = &broken;
    }
    return give(ctx, HPyCapsule_New(ctx, &payload_a, named ? capsule_name : CAPICOMPAT_NULL, d));
}

/* capsule_op(capsule, op): the HPyCapsule_* accessors and setters on the capsule:
 * "info" -> (name, pointer, context, IsValid(name), IsValid(NULL)); "set" -> SetPointer(b),
 * SetContext(c); "unset_name" -> SetName(NULL); "second" / "none" / "no_impl" ->
 * SetDestructor(second / NULL / invalid); "bad_pointer" -> SetPointer(NULL) (raises);
 * "wrong_name" -> GetPointer with another name (raises). */
static PyObject *api_capsule_op(PyObject *self, PyObject *args) {
    PyObject *capsule;
    const char *op;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h;
    int rc = 0;
    (void)self;
    if (!PyArg_ParseTuple(args, "Os", &capsule, &op)) return CAPICOMPAT_NULL;
    h = HPy_FromPyObject(ctx, capsule);
    if (strcmp(op, "info") == 0) {
        const char *name = HPyCapsule_GetName(ctx, h);
        void *pointer = HPyCapsule_GetPointer(ctx, h, name);
        void *context = HPyCapsule_GetContext(ctx, h);
        int valid = HPyCapsule_IsValid(ctx, h, name);
        int valid_null = HPyCapsule_IsValid(ctx, h, CAPICOMPAT_NULL);
        HPy_Close(ctx, h);
        if (PyErr_Occurred()) return CAPICOMPAT_NULL;
        return Py_BuildValue("(NNNii)", pointer_name(name), pointer_name(pointer), pointer_name(context), valid,
                             valid_null);
    }
    if (strcmp(op, "set") == 0) {
        rc = HPyCapsule_SetPointer(ctx, h, &payload_b);
        if (rc == 0) rc = HPyCapsule_SetContext(ctx, h, &context_c);
    } else if (strcmp(op, "unset_name") == 0) {
        rc = HPyCapsule_SetName(ctx, h, CAPICOMPAT_NULL);
    } else if (strcmp(op, "second") == 0) {
        rc = HPyCapsule_SetDestructor(ctx, h, &second_destructor);
    } else if (strcmp(op, "none") == 0) {
        rc = HPyCapsule_SetDestructor(ctx, h, CAPICOMPAT_NULL);
    } else if (strcmp(op, "no_impl") == 0) {
        HPyCapsule_Destructor broken = second_destructor;
        broken.impl = CAPICOMPAT_NULL;
        rc = HPyCapsule_SetDestructor(ctx, h, &broken);
    } else if (strcmp(op, "bad_pointer") == 0) {
        rc = HPyCapsule_SetPointer(ctx, h, CAPICOMPAT_NULL);
    } else if (strcmp(op, "wrong_name") == 0) {
        rc = HPyCapsule_GetPointer(ctx, h, "api.other") == CAPICOMPAT_NULL ? -1 : 0;
    } else {
        PyErr_SetString(PyExc_ValueError, op);
        rc = -1;
    }
    HPy_Close(ctx, h);
    if (rc < 0) return CAPICOMPAT_NULL;
    return PyLong_FromLong(rc);
}

/* contextvar_get(var, default) -> (status, value or the string "<NULL>"), default None
 * standing for HPy_NULL. */
static PyObject *api_contextvar_get(PyObject *self, PyObject *args) {
    PyObject *var, *dflt, *value;
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy hv, hd, result;
    int32_t rc;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO", &var, &dflt)) return CAPICOMPAT_NULL;
    hv = HPy_FromPyObject(ctx, var);
    hd = handle_or_null(ctx, dflt);
    result = HPy_FromPyObject(ctx, Py_Ellipsis); /* overwritten: must not leak */
    HPy_Close(ctx, result);
    rc = HPyContextVar_Get(ctx, hv, hd, &result);
    HPy_Close(ctx, hv);
    HPy_Close(ctx, hd);
    if (rc < 0) {
        HPy_Close(ctx, result);
        return CAPICOMPAT_NULL;
    }
    value = HPy_IsNull(result) ? PyUnicode_FromString("<NULL>") : HPy_AsPyObject(ctx, result);
    HPy_Close(ctx, result);
    if (value == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    return Py_BuildValue("(iN)", (int)rc, value);
}

/* compile_s(source, filename, kind) -> HPy_Compile_s */
static PyObject *api_compile_s(PyObject *self, PyObject *args) {
    const char *source, *filename;
    int kind;
    HPyContext *ctx = capicompat_hpy_ctx();
    (void)self;
    if (!PyArg_ParseTuple(args, "ssi", &source, &filename, &kind)) return CAPICOMPAT_NULL;
    return give(ctx, HPy_Compile_s(ctx, source, filename, (HPy_SourceKind)kind));
}

/* source_kinds() -> the three HPy_SourceKind values */
static PyObject *api_source_kinds(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return Py_BuildValue("(iii)", (int)HPy_SourceKind_Expr, (int)HPy_SourceKind_File, (int)HPy_SourceKind_Single);
}

/* ---- globals ---- */
static HPyGlobal api_global;

/* global_store(obj): HPyGlobal_Store, None standing for HPy_NULL (empties the global). */
static PyObject *api_global_store(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h = handle_or_null(ctx, arg);
    (void)self;
    HPyGlobal_Store(ctx, &api_global, h);
    HPy_Close(ctx, h);
    Py_RETURN_NONE;
}

/* global_load() -> HPyGlobal_Load (a new handle each time) */
static PyObject *api_global_load(PyObject *self, PyObject *unused) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h = HPyGlobal_Load(ctx, api_global);
    (void)self;
    (void)unused;
    if (HPy_IsNull(h)) Py_RETURN_NONE;
    return give(ctx, h);
}

/* slice_adjust(length, start, stop, step) -> (HPy's (slicelength, start, stop),
 * the interpreter's PySlice_AdjustIndices on the same input) */
static PyObject *api_slice_adjust(PyObject *self, PyObject *args) {
    Py_ssize_t length, start, stop, step, start2, stop2, n, n2;
    (void)self;
    if (!PyArg_ParseTuple(args, "nnnn", &length, &start, &stop, &step)) return CAPICOMPAT_NULL;
    start2 = start;
    stop2 = stop;
    n = HPySlice_AdjustIndices(capicompat_hpy_ctx(), length, &start, &stop, step);
    n2 = PySlice_AdjustIndices(length, &start2, &stop2, step);
    return Py_BuildValue("((nnn)(nnn))", n, start, stop, n2, start2, stop2);
}

/* after09(op, ...): the API HPy's main branch added after 0.9.
 *   ("insert", list, i, x) -> HPyList_Insert's result      ("getslice", obj, i, j) -> HPy_GetSlice
 *   ("setslice", obj, i, j, v) -> HPy_SetSlice's result    ("delslice", obj, i, j) -> HPy_DelSlice's result
 *   ("getiter", obj) -> HPy_GetIter                         ("itercheck", obj) -> HPyIter_Check
 *   ("next", it) -> (item,) or () at the end without an exception (HPyIter_Next)
 *   ("slice", start, stop, step) -> HPySlice_New (None stands for HPy_NULL)
 *   ("dicttype",) -> ctx->h_DictType                        ("const_tuple", a, b) -> HPyTuple_FromArray of a const array */
static PyObject *api_after09(PyObject *self, PyObject *args) {
    HPyContext *ctx = capicompat_hpy_ctx();
    const char *op;
    Py_ssize_t n = PyTuple_GET_SIZE(args), i = 0, j = 0;
    HPy h[3] = {HPy_NULL, HPy_NULL, HPy_NULL}, result = HPy_NULL;
    PyObject *out = CAPICOMPAT_NULL;
    int k, status = 0, is_status = 0;
    (void)self;
    if (n < 1 || !PyUnicode_Check(PyTuple_GET_ITEM(args, 0))) {
        PyErr_SetString(PyExc_TypeError, "after09(op, ...)");
        return CAPICOMPAT_NULL;
    }
    op = PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 0));
    if (op == CAPICOMPAT_NULL) return CAPICOMPAT_NULL;
    for (k = 1; k < n && k <= 3; k++) h[k - 1] = handle_or_null(ctx, PyTuple_GET_ITEM(args, k));
    if (strcmp(op, "insert") == 0 || strcmp(op, "getslice") == 0 || strcmp(op, "setslice") == 0
        || strcmp(op, "delslice") == 0) {
        i = n > 2 ? PyLong_AsSsize_t(PyTuple_GET_ITEM(args, 2)) : 0;
        j = n > 3 && strcmp(op, "insert") != 0 ? PyLong_AsSsize_t(PyTuple_GET_ITEM(args, 3)) : 0;
        if (PyErr_Occurred()) goto done;
    }
    if (strcmp(op, "insert") == 0 && n == 4) {
        status = HPyList_Insert(ctx, h[0], i, h[2]);
        is_status = 1;
    } else if (strcmp(op, "getslice") == 0 && n == 4) {
        result = HPy_GetSlice(ctx, h[0], i, j);
        if (HPy_IsNull(result)) goto done;
    } else if (strcmp(op, "setslice") == 0 && n == 5) {
        HPy v = handle_or_null(ctx, PyTuple_GET_ITEM(args, 4));
        status = HPy_SetSlice(ctx, h[0], i, j, v);
        HPy_Close(ctx, v);
        is_status = 1;
    } else if (strcmp(op, "delslice") == 0 && n == 4) {
        status = HPy_DelSlice(ctx, h[0], i, j);
        is_status = 1;
    } else if (strcmp(op, "getiter") == 0 && n == 2) {
        result = HPy_GetIter(ctx, h[0]);
        if (HPy_IsNull(result)) goto done;
    } else if (strcmp(op, "itercheck") == 0 && n == 2) {
        status = HPyIter_Check(ctx, h[0]);
        is_status = 1;
    } else if (strcmp(op, "next") == 0 && n == 2) {
        HPy item = HPyIter_Next(ctx, h[0]);
        if (HPy_IsNull(item)) {
            if (!HPyErr_Occurred(ctx)) out = PyTuple_New(0);
            goto done;
        }
        result = HPyTuple_Pack(ctx, 1, item);
        HPy_Close(ctx, item);
        if (HPy_IsNull(result)) goto done;
    } else if (strcmp(op, "slice") == 0 && n == 4) {
        result = HPySlice_New(ctx, h[0], h[1], h[2]);
        if (HPy_IsNull(result)) goto done;
    } else if (strcmp(op, "dicttype") == 0 && n == 1) {
        result = HPy_Dup(ctx, ctx->h_DictType);
    } else if (strcmp(op, "const_tuple") == 0 && n == 3) {
        const HPy items[2] = {h[0], h[1]};
        result = HPyTuple_FromArray(ctx, items, 2);
        if (HPy_IsNull(result)) goto done;
    } else {
        PyErr_Format(PyExc_ValueError, "after09: bad op %s or argument count", op);
        goto done;
    }
    if (is_status) {
        out = status == -1 && PyErr_Occurred() ? CAPICOMPAT_NULL : PyLong_FromLong(status);
    } else {
        out = give(ctx, result);
    }
done:
    for (k = 0; k < 3; k++) HPy_Close(ctx, h[k]);
    return out;
}

/* voidp(obj) -> True when HPy_AsVoidP is the handle's object pointer and HPy_FromVoidP gives
 * back the same handle */
static PyObject *api_voidp(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h = HPy_FromPyObject(ctx, arg), back;
    void *p = HPy_AsVoidP(h);
    int ok;
    (void)self;
    back = HPy_FromVoidP(p);
#ifdef CAPI_COMPAT_HPY_DEBUG
    ok = 1; /* in debug mode the handle is a record, not the object pointer */
#else
    ok = p == (void *)arg;
#endif
    ok = ok && HPy_Is(ctx, back, h) && HPy_AsVoidP(back) == p &&
         HPy_IsNull(HPy_FromVoidP(CAPICOMPAT_NULL)) && HPy_AsVoidP(HPy_NULL) == CAPICOMPAT_NULL;
    HPy_Close(ctx, h); /* back is the same handle, not a second one */
    return PyBool_FromLong(ok);
}

/* dump(obj): _HPy_Dump to stderr */
static PyObject *api_dump(PyObject *self, PyObject *arg) {
    HPyContext *ctx = capicompat_hpy_ctx();
    HPy h = HPy_FromPyObject(ctx, arg);
    (void)self;
    _HPy_Dump(ctx, h);
    HPy_Close(ctx, h);
    Py_RETURN_NONE;
}

/* dump_null(): _HPy_Dump(HPy_NULL), which CPython reports as a freed object */
static PyObject *api_dump_null(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    _HPy_Dump(capicompat_hpy_ctx(), HPy_NULL);
    Py_RETURN_NONE;
}

static PyMethodDef api_methods[] = {
    {"builder", api_builder, METH_VARARGS, CAPICOMPAT_NULL},
    {"call", api_call, METH_VARARGS, CAPICOMPAT_NULL},
    {"call_no_args", api_call_no_args, METH_O, CAPICOMPAT_NULL},
    {"call_method", api_call_method, METH_VARARGS, CAPICOMPAT_NULL},
    {"call_tuple_dict", api_call_tuple_dict, METH_VARARGS, CAPICOMPAT_NULL},
    {"call_method_tuple_dict", api_call_method_tuple_dict, METH_VARARGS, CAPICOMPAT_NULL},
    {"bytes_", api_bytes, METH_VARARGS, CAPICOMPAT_NULL},
    {"tuple_from_array", api_tuple_from_array, METH_O, CAPICOMPAT_NULL},
    {"tuple_pack", api_tuple_pack, METH_O, CAPICOMPAT_NULL},
    {"delattr_", api_delattr, METH_VARARGS, CAPICOMPAT_NULL},
    {"fatal", api_fatal, METH_O, CAPICOMPAT_NULL},
    {"set_from_errno", api_set_from_errno, METH_VARARGS, CAPICOMPAT_NULL},
    {"capsule_log", api_capsule_log, METH_NOARGS, CAPICOMPAT_NULL},
    {"capsule_new", api_capsule_new, METH_VARARGS, CAPICOMPAT_NULL},
    {"capsule_op", api_capsule_op, METH_VARARGS, CAPICOMPAT_NULL},
    {"contextvar_get", api_contextvar_get, METH_VARARGS, CAPICOMPAT_NULL},
    {"compile_s", api_compile_s, METH_VARARGS, CAPICOMPAT_NULL},
    {"source_kinds", api_source_kinds, METH_NOARGS, CAPICOMPAT_NULL},
    {"global_store", api_global_store, METH_O, CAPICOMPAT_NULL},
    {"global_load", api_global_load, METH_NOARGS, CAPICOMPAT_NULL},
    {"slice_adjust", api_slice_adjust, METH_VARARGS, CAPICOMPAT_NULL},
    {"after09", api_after09, METH_VARARGS, CAPICOMPAT_NULL},
    {"voidp", api_voidp, METH_O, CAPICOMPAT_NULL},
    {"dump", api_dump, METH_O, CAPICOMPAT_NULL},
    {"dump_null", api_dump_null, METH_NOARGS, CAPICOMPAT_NULL},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL},
};

static struct PyModuleDef api_module = {
    PyModuleDef_HEAD_INIT, "_hpy_api", CAPICOMPAT_NULL, -1, api_methods,
    CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL,
};

PyMODINIT_FUNC PyInit__hpy_api(void);
PyMODINIT_FUNC PyInit__hpy_api(void) {
    return PyModule_Create(&api_module);
}
