/* Code written against pythoncapi-compat, built with capi_compat.h instead: every name
 * pythoncapi_compat.h defines for a 3.10 floor (names.tsv, next to this file) is used here,
 * and what it returns is checked. The switch below is what a project swapping the header
 * defines to keep pythoncapi-compat's own inventions (_PyFrame_GetCodeBorrow, ...).
 * Built as C and C++ under the project's warning flags, on every interpreter, by
 * generator/tests/pythoncapi_compat.rs; check_pcc_names.py runs it. */
#define PY_SSIZE_T_CLEAN
#define CAPI_COMPAT_PYTHONCAPI_COMPAT 1
#include <Python.h>
#include "capi_compat.h"
#include "capi_compat_test.h"
#include <string.h>

/* ---- pyport.h / object.h macros ---- */

static int t_macros(void)
{
    void *p = _Py_NULL;
    CHECK(p == CAPICOMPAT_NULL);
    NEW(seven, PyLong_FromLong(7));
    PyObject *same = _PyObject_CAST(_Py_CAST(PyLongObject *, seven));
    CHECK(same == seven);
    Py_BUILD_ASSERT(sizeof(long) >= 4);
    CHECK(Py_IsTrue(Py_True) && !Py_IsTrue(seven));
    CHECK(Py_IsFalse(Py_False) && !Py_IsFalse(Py_None));
    Py_DECREF(seven);
    return 0;
}

/* ---- frames and thread states ---- */

static int t_frames(void)
{
    PyFrameObject *frame = PyEval_GetFrame();
    CHECK(frame != CAPICOMPAT_NULL);
    CHECK(PyFrame_Check((PyObject *)frame));
    CHECK(Py_IS_TYPE((PyObject *)frame, &PyFrame_Type));
    PyCodeObject *code = PyFrame_GetCode(frame);
    CHECK(code != CAPICOMPAT_NULL);
    CHECK(_PyFrame_GetCodeBorrow(frame) == code);
    NEW(co_code, PyCode_GetCode(code));
    CHECK(PyBytes_Check(co_code));
    Py_DECREF(co_code);
    NEW(varnames, PyCode_GetVarnames(code));
    CHECK(PyTuple_Check(varnames));
    Py_DECREF(varnames);
    NEW(freevars, PyCode_GetFreevars(code));
    CHECK(PyTuple_Check(freevars));
    Py_DECREF(freevars);
    NEW(cellvars, PyCode_GetCellvars(code));
    CHECK(PyTuple_Check(cellvars));
    Py_DECREF(cellvars);
    Py_DECREF(code);

    NEW(globals, PyFrame_GetGlobals(frame));
    CHECK(PyDict_Check(globals));
    NEW(builtins, PyFrame_GetBuiltins(frame));
    CHECK(PyDict_Check(builtins));
    Py_DECREF(builtins);
    CHECK(PyFrame_GetLasti(frame) >= 0);
#ifndef PYPY_VERSION
    /* PyPy's own PyFrame_GetLocals returns NULL, without an exception, even for the frame
       running this call, and PyFrame_GetVar builds on it: not checked there */
    NEW(locals, PyFrame_GetLocals(frame));
    Py_DECREF(locals);
    /* check_pcc_names.py calls run() from a function with a local named `marker` */
    NEW(marker, PyFrame_GetVarString(frame, "marker"));
    CHECK(PyUnicode_Check(marker));
    NEW(name, PyUnicode_FromString("marker"));
    NEW(again, PyFrame_GetVar(frame, name));
    CHECK(again == marker);
    Py_DECREF(again);
    Py_DECREF(name);
    Py_DECREF(marker);
    CHECK(PyFrame_GetVarString(frame, "capicompat_no_such_variable") == CAPICOMPAT_NULL);
    CHECK_EXC(PyExc_NameError);
#endif
    Py_DECREF(globals);

#ifndef PYPY_VERSION
    PyFrameObject *back = PyFrame_GetBack(frame);
    CHECK(_PyFrame_GetBackBorrow(frame) == back);
    Py_XDECREF(back);
#endif
    return 0;
}

static int t_thread_state(void)
{
    PyThreadState *ts = PyThreadState_Get();
    PyInterpreterState *interp = PyInterpreterState_Get();
    CHECK(interp != CAPICOMPAT_NULL);
    CHECK(PyThreadState_GetInterpreter(ts) == interp);
#ifndef PYPY_VERSION
    PyFrameObject *frame = PyThreadState_GetFrame(ts);
    CHECK(frame != CAPICOMPAT_NULL);
    CHECK(_PyThreadState_GetFrameBorrow(ts) == frame);
    Py_DECREF(frame);
    CHECK(PyThreadState_GetUnchecked() == ts);
#endif
    PyThreadState_EnterTracing(ts);
    PyThreadState_LeaveTracing(ts);
    CHECK(!Py_IsFinalizing());
    return 0;
}

/* ---- floats, code ---- */

static int t_float_pack(void)
{
    char buf[8];
    CHECK(PyFloat_Pack2(1.5, buf, 1) == 0);
    CHECK(PyFloat_Unpack2(buf, 1) == 1.5);
    CHECK(PyFloat_Pack4(-2.25, buf, 0) == 0);
    CHECK(PyFloat_Unpack4(buf, 0) == -2.25);
    CHECK(PyFloat_Pack8(3.125, buf, 1) == 0);
    CHECK(PyFloat_Unpack8(buf, 1) == 3.125);
    return 0;
}

/* ---- modules, imports, weakrefs ---- */

static int t_modules(void)
{
    NEW(sys, PyImport_AddModuleRef("sys"));
    CHECK(PyModule_Check(sys));
    Py_DECREF(sys);
    NEW(mod, PyModule_New("capicompat_pcc_module"));
    CHECK(PyModule_Add(mod, "answer", PyLong_FromLong(42)) == 0);
    NEW(answer, PyObject_GetAttrString(mod, "answer"));
    CHECK(PyLong_AsLong(answer) == 42);
    Py_DECREF(answer);
    Py_DECREF(mod);

    NEW(cls, PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){}", "W", (PyObject *)&PyBaseObject_Type));
    NEW(obj, PyObject_CallNoArgs(cls));
    NEW(ref, PyWeakref_NewRef(obj, CAPICOMPAT_NULL));
    PyObject *target;
    CHECK(PyWeakref_GetRef(ref, &target) == 1 && target == obj);
    Py_DECREF(target);
    Py_DECREF(ref);
    Py_DECREF(obj);
    Py_DECREF(cls);
    return 0;
}

/* ---- attributes, mappings, dicts, lists ---- */

static int t_attrs_and_mappings(void)
{
    PyObject *value;
    NEW(mod, PyImport_ImportModule("sys"));
    NEW(attr, PyUnicode_FromString("version"));
    CHECK(PyObject_GetOptionalAttr(mod, attr, &value) == 1);
    Py_DECREF(value);
    CHECK(PyObject_GetOptionalAttrString(mod, "capicompat_missing", &value) == 0 && value == CAPICOMPAT_NULL);
    CHECK(PyObject_HasAttrWithError(mod, attr) == 1);
    CHECK(PyObject_HasAttrStringWithError(mod, "capicompat_missing") == 0);
    Py_DECREF(attr);
    Py_DECREF(mod);

    NEW(d, PyDict_New());
    NEW(key, PyUnicode_FromString("k"));
    NEW(one, PyLong_FromLong(1));
    CHECK(PyDict_SetItem(d, key, one) == 0);
    CHECK(PyMapping_GetOptionalItem(d, key, &value) == 1 && value == one);
    Py_DECREF(value);
    CHECK(PyMapping_GetOptionalItemString(d, "absent", &value) == 0 && value == CAPICOMPAT_NULL);
    CHECK(PyMapping_HasKeyWithError(d, key) == 1);
    CHECK(PyMapping_HasKeyStringWithError(d, "absent") == 0);
    CHECK(PyDict_GetItemRef(d, key, &value) == 1 && value == one);
    Py_DECREF(value);
    CHECK(PyDict_GetItemStringRef(d, "absent", &value) == 0 && value == CAPICOMPAT_NULL);
    CHECK(PyDict_ContainsString(d, "k") == 1);
    CHECK(PyDict_SetDefaultRef(d, key, Py_None, &value) == 1 && value == one);
    Py_DECREF(value);
    CHECK(PyDict_Pop(d, key, &value) == 1 && value == one);
    Py_DECREF(value);
    CHECK(PyDict_PopString(d, "k", &value) == 0 && value == CAPICOMPAT_NULL);
    Py_DECREF(key);
    Py_DECREF(d);

    NEW(lst, PyList_New(0));
    NEW(tup, PyTuple_Pack(2, one, Py_None));
    CHECK(PyList_Extend(lst, tup) == 0);
    CHECK(PyList_GET_SIZE(lst) == 2);
    NEW(first, PyList_GetItemRef(lst, 0));
    CHECK(PyObject_RichCompareBool(first, one, Py_EQ) == 1); /* PyPy unboxes ints in lists */
    Py_DECREF(first);
    CHECK(PyList_Clear(lst) == 0 && PyList_GET_SIZE(lst) == 0);
    Py_DECREF(tup);
    Py_DECREF(lst);
    Py_DECREF(one);
    return 0;
}

/* ---- numbers ---- */

static int t_longs(void)
{
    NEW(big, PyLong_FromString("123456789012345678901234567890", CAPICOMPAT_NULL, 10));
    NEW(minus, PyLong_FromLong(-5));
    int sign;
    CHECK(PyLong_AsInt(minus) == -5);
    CHECK(PyLong_GetSign(minus, &sign) == 0 && sign == -1);
    CHECK(PyLong_IsNegative(minus) == 1 && PyLong_IsPositive(big) == 1);
    CHECK(PyLong_IsZero(minus) == 0);

    int32_t i32;
    int64_t i64;
    uint32_t u32;
    uint64_t u64;
    NEW(a, PyLong_FromInt32(-7));
    NEW(b, PyLong_FromInt64(-(INT64_C(1) << 40)));
    NEW(c, PyLong_FromUInt32(UINT32_C(4000000000)));
    NEW(e, PyLong_FromUInt64(UINT64_C(1) << 63));
    CHECK(PyLong_AsInt32(a, &i32) == 0 && i32 == -7);
    CHECK(PyLong_AsInt64(b, &i64) == 0 && i64 == (-(INT64_C(1) << 40)));
    CHECK(PyLong_AsUInt32(c, &u32) == 0 && u32 == UINT32_C(4000000000));
    CHECK(PyLong_AsUInt64(e, &u64) == 0 && u64 == (UINT64_C(1) << 63));
    Py_DECREF(a);
    Py_DECREF(b);
    Py_DECREF(c);
    Py_DECREF(e);

    const PyLongLayout *layout = PyLong_GetNativeLayout();
    CHECK(layout != CAPICOMPAT_NULL && layout->digit_size > 0);
    PyLongExport export_long;
    CHECK(PyLong_Export(big, &export_long) == 0);
    CHECK(export_long.digits != CAPICOMPAT_NULL && export_long.ndigits > 0);
    /* rebuild it from its digits with a writer */
    void *digits;
    PyLongWriter *writer = PyLongWriter_Create(export_long.negative, export_long.ndigits, &digits);
    CHECK(writer != CAPICOMPAT_NULL);
    memcpy(digits, export_long.digits, (size_t)export_long.ndigits * layout->digit_size);
    PyLong_FreeExport(&export_long);
    NEW(rebuilt, PyLongWriter_Finish(writer));
    CHECK(PyObject_RichCompareBool(rebuilt, big, Py_EQ) == 1);
    Py_DECREF(rebuilt);
    PyLongWriter *unused = PyLongWriter_Create(0, 1, &digits);
    CHECK(unused != CAPICOMPAT_NULL);
    PyLongWriter_Discard(unused);
    Py_DECREF(big);
    Py_DECREF(minus);
    return 0;
}

/* ---- objects ---- */

static int t_objects(void)
{
    NEW(lst, PyList_New(0));
    CHECK(Py_HashPointer(lst) == Py_HashPointer(lst));
    char data[] = "abc";
    NEW(abc, PyBytes_FromString("abc"));
    CHECK(Py_HashBuffer(data, 3) == PyObject_Hash(abc));
    Py_DECREF(abc);
#ifndef PYPY_VERSION
    CHECK(PyUnstable_Object_IsUniquelyReferenced(lst) == 1);
#endif
    CHECK(PyUnstable_TryIncRef(lst) == 1);
    Py_DECREF(lst);
    PyUnstable_EnableTryIncRef(lst);

    NEW(it, PyObject_GetIter(lst));
    PyObject *item;
    CHECK(PyIter_NextItem(it, &item) == 0 && item == CAPICOMPAT_NULL);
    Py_DECREF(it);

    PyObject *array[2];
    array[0] = lst;
    array[1] = Py_None;
    NEW(tup, PyTuple_FromArray(array, 2));
    CHECK(PyTuple_GET_SIZE(tup) == 2 && PyTuple_GET_ITEM(tup, 0) == lst);
    Py_DECREF(tup);
    Py_DECREF(lst);

    Py_BEGIN_CRITICAL_SECTION(Py_None);
    Py_END_CRITICAL_SECTION();
    Py_BEGIN_CRITICAL_SECTION2(Py_None, Py_True);
    Py_END_CRITICAL_SECTION2();
    return 0;
}

static int t_constants(void)
{
    const unsigned int ids[] = {Py_CONSTANT_NONE, Py_CONSTANT_FALSE, Py_CONSTANT_TRUE,
                                Py_CONSTANT_ELLIPSIS, Py_CONSTANT_NOT_IMPLEMENTED, Py_CONSTANT_ZERO,
                                Py_CONSTANT_ONE, Py_CONSTANT_EMPTY_STR, Py_CONSTANT_EMPTY_BYTES,
                                Py_CONSTANT_EMPTY_TUPLE};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        NEW(c, Py_GetConstant(ids[i]));
        CHECK(Py_GetConstantBorrowed(ids[i]) == c);
        Py_DECREF(c);
    }
    CHECK(Py_GetConstantBorrowed(Py_CONSTANT_NONE) == Py_None);
    CHECK(PyHASH_BITS > 0 && PyHASH_MODULUS > 0 && PyHASH_INF > 0 && PyHASH_IMAG > 0);
    return 0;
}

/* ---- strings and bytes ---- */

static int t_unicode(void)
{
    NEW(s, PyUnicode_FromString("caf\xc3\xa9"));
    CHECK(PyUnicode_EqualToUTF8(s, "caf\xc3\xa9") == 1);
    CHECK(PyUnicode_EqualToUTF8AndSize(s, "caf\xc3\xa9!", 5) == 1);
    NEW(t, PyUnicode_FromString("caf\xc3\xa9"));
    CHECK(PyUnicode_Equal(s, t) == 1);
    Py_DECREF(t);
    Py_hash_t cached = PyUnstable_Unicode_GET_CACHED_HASH(s);
    CHECK(cached == -1 || cached == PyObject_Hash(s));

    PyUnicodeWriter *w = PyUnicodeWriter_Create(0);
    CHECK(w != CAPICOMPAT_NULL);
    CHECK(PyUnicodeWriter_WriteChar(w, '<') == 0);
    CHECK(PyUnicodeWriter_WriteStr(w, s) == 0);
    CHECK(PyUnicodeWriter_WriteRepr(w, s) == 0);
    CHECK(PyUnicodeWriter_WriteUTF8(w, "x", -1) == 0);
    CHECK(PyUnicodeWriter_WriteASCII(w, "y", 1) == 0);
    CHECK(PyUnicodeWriter_WriteWideChar(w, L"z", 1) == 0);
    CHECK(PyUnicodeWriter_WriteSubstring(w, s, 0, 1) == 0);
    CHECK(PyUnicodeWriter_Format(w, "%d>", 7) == 0);
    NEW(out, PyUnicodeWriter_Finish(w));
    CHECK(PyUnicode_EqualToUTF8(out, "<caf\xc3\xa9'caf\xc3\xa9'xyzc7>") == 1);
    Py_DECREF(out);
    PyUnicodeWriter *discarded = PyUnicodeWriter_Create(8);
    CHECK(discarded != CAPICOMPAT_NULL);
    PyUnicodeWriter_Discard(discarded);
    Py_DECREF(s);
    return 0;
}

static int t_bytes(void)
{
    NEW(sep, PyBytes_FromString("-"));
    NEW(parts, Py_BuildValue("(yy)", "a", "b"));
    NEW(joined, PyBytes_Join(sep, parts));
    CHECK(strcmp(PyBytes_AS_STRING(joined), "a-b") == 0);
    Py_DECREF(joined);
    Py_DECREF(parts);
    Py_DECREF(sep);

    PyBytesWriter *w = PyBytesWriter_Create(3);
    CHECK(w != CAPICOMPAT_NULL);
    CHECK(PyBytesWriter_GetSize(w) == 3);
    memcpy(PyBytesWriter_GetData(w), "abc", 3);
    CHECK(PyBytesWriter_WriteBytes(w, "de", 2) == 0);
    CHECK(PyBytesWriter_Format(w, "%d", 42) == 0);
    CHECK(PyBytesWriter_Grow(w, 1) == 0);
    ((char *)PyBytesWriter_GetData(w))[PyBytesWriter_GetSize(w) - 1] = '!';
    CHECK(PyBytesWriter_Resize(w, PyBytesWriter_GetSize(w)) == 0);
    NEW(b, PyBytesWriter_Finish(w));
    CHECK(PyBytes_GET_SIZE(b) == 8 && memcmp(PyBytes_AS_STRING(b), "abcde42!", 8) == 0);
    Py_DECREF(b);

    w = PyBytesWriter_Create(0);
    CHECK(w != CAPICOMPAT_NULL);
    char *buf = (char *)PyBytesWriter_GrowAndUpdatePointer(w, 2, PyBytesWriter_GetData(w));
    CHECK(buf != CAPICOMPAT_NULL);
    buf[0] = 'o';
    buf[1] = 'k';
    NEW(ok, PyBytesWriter_FinishWithPointer(w, buf + 2));
    CHECK(PyBytes_GET_SIZE(ok) == 2);
    Py_DECREF(ok);
    w = PyBytesWriter_Create(4);
    CHECK(w != CAPICOMPAT_NULL);
    memcpy(PyBytesWriter_GetData(w), "wxyz", 4);
    NEW(two, PyBytesWriter_FinishWithSize(w, 2));
    CHECK(PyBytes_GET_SIZE(two) == 2);
    Py_DECREF(two);
    w = PyBytesWriter_Create(1);
    CHECK(w != CAPICOMPAT_NULL);
    PyBytesWriter_Discard(w);
    return 0;
}

/* ---- time, files, sys, config ---- */

static int t_time_files_sys(void)
{
    PyTime_t t1, t2, t3;
    CHECK(PyTime_Monotonic(&t1) == 0);
    CHECK(PyTime_Time(&t2) == 0);
    CHECK(PyTime_PerfCounter(&t3) == 0);
    CHECK(PyTime_MIN < 0 && PyTime_MAX > 0);
    CHECK(PyTime_AsSecondsDouble(t2) > 1e9);

    NEW(exe, PySys_GetAttrString("executable"));
    FILE *f = Py_fopen(exe, "rb");
    CHECK(f != CAPICOMPAT_NULL);
    CHECK(Py_fclose(f) == 0);
    NEW(name, PyUnicode_FromString("executable"));
    NEW(exe2, PySys_GetAttr(name));
    CHECK(exe2 == exe);
    Py_DECREF(exe2);
    PyObject *value;
    CHECK(PySys_GetOptionalAttr(name, &value) == 1 && value == exe);
    Py_DECREF(value);
    CHECK(PySys_GetOptionalAttrString("capicompat_missing", &value) == 0 && value == CAPICOMPAT_NULL);
    Py_DECREF(name);
    Py_DECREF(exe);

#ifndef PYPY_VERSION
    NEW(argv, PyConfig_Get("argv"));
    CHECK(PyList_Check(argv) || PyTuple_Check(argv));
    Py_DECREF(argv);
    int verbose;
    CHECK(PyConfig_GetInt("verbose", &verbose) == 0 && verbose >= 0);
#endif
    return 0;
}

/* ---- member types and flags (PyMemberDef) ---- */

typedef struct {
    PyObject_HEAD
    PyObject *obj;
    short s;
} capicompat_members;

static int t_members(void)
{
    const int codes[] = {Py_T_SHORT, Py_T_INT, Py_T_LONG, Py_T_FLOAT, Py_T_DOUBLE, Py_T_STRING,
                         _Py_T_OBJECT, Py_T_CHAR, Py_T_BYTE, Py_T_UBYTE, Py_T_USHORT, Py_T_UINT,
                         Py_T_ULONG, Py_T_STRING_INPLACE, Py_T_BOOL, Py_T_OBJECT_EX, Py_T_LONGLONG,
                         Py_T_ULONGLONG, Py_T_PYSSIZET};
    for (int i = 0; i < (int)(sizeof(codes) / sizeof(codes[0])); i++) {
        /* the structmember.h values: 0 ... 19 without 15 (T_NONE is 20) */
        CHECK(codes[i] == (i < 15 ? i : i + 1));
    }
#ifndef PYPY_VERSION
    CHECK(_Py_T_NONE == 20);
#endif
    CHECK(Py_READONLY == 1 && Py_AUDIT_READ == 2 && _Py_WRITE_RESTRICTED == 4);
    capicompat_members holder;
    memset(&holder, 0, sizeof(holder));
    holder.s = -3;
    PyMemberDef obj_member = {"obj", _Py_T_OBJECT, offsetof(capicompat_members, obj), Py_READONLY, CAPICOMPAT_NULL};
    PyMemberDef short_member = {"s", Py_T_SHORT, offsetof(capicompat_members, s), 0, CAPICOMPAT_NULL};
    NEW(none, PyMember_GetOne((const char *)&holder, &obj_member));
    CHECK(none == Py_None);
    Py_DECREF(none);
    NEW(minus3, PyMember_GetOne((const char *)&holder, &short_member));
    CHECK(PyLong_AsLong(minus3) == -3);
    Py_DECREF(minus3);
    return 0;
}

/* ---- managed dicts (types with Py_TPFLAGS_MANAGED_DICT on 3.12+, a dict pointer before) ---- */

#ifndef PYPY_VERSION
static int capicompat_count_visit(PyObject *obj, void *arg)
{
    (void)obj;
    (*(int *)arg)++;
    return 0;
}
#endif

static int t_managed_dict(void)
{
#ifndef PYPY_VERSION
    NEW(cls, PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){}", "M", (PyObject *)&PyBaseObject_Type));
    NEW(obj, PyObject_CallNoArgs(cls));
    CHECK(PyObject_SetAttrString(obj, "x", Py_None) == 0);
    int visited = 0;
    CHECK(PyObject_VisitManagedDict(obj, capicompat_count_visit, &visited) == 0);
    PyObject_ClearManagedDict(obj);
    CHECK_NO_EXC();
#ifdef Py_TPFLAGS_MANAGED_DICT
    /* 3.11+: a class statement's instances keep a managed dict, visited and cleared here */
    CHECK(PyType_HasFeature(Py_TYPE(obj), Py_TPFLAGS_MANAGED_DICT));
    CHECK(visited >= 1);
    CHECK(PyObject_HasAttrStringWithError(obj, "x") == 0);
#else
    /* 3.10 has no managed dicts: nothing to visit or clear */
    CHECK(visited == 0);
    CHECK(PyObject_HasAttrStringWithError(obj, "x") == 1);
#endif
    Py_DECREF(obj);
    Py_DECREF(cls);
#endif
    return 0;
}

typedef struct {
    const char *name;
    int (*run)(void);
} capicompat_case;

static const capicompat_case cases[] = {
    {"macros", t_macros},
    {"frames", t_frames},
    {"thread_state", t_thread_state},
    {"float_pack", t_float_pack},
    {"modules", t_modules},
    {"attrs_and_mappings", t_attrs_and_mappings},
    {"longs", t_longs},
    {"objects", t_objects},
    {"constants", t_constants},
    {"unicode", t_unicode},
    {"bytes", t_bytes},
    {"time_files_sys", t_time_files_sys},
    {"members", t_members},
    {"managed_dict", t_managed_dict},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL},
};

/* run(): the number of groups that passed; AssertionError at the first failed check. */
static PyObject *pcc_run(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    long passed = 0;
    for (const capicompat_case *c = cases; c->name != CAPICOMPAT_NULL; c++) {
        if (c->run() != 0) {
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_AssertionError, "%s failed", c->name);
            }
            return CAPICOMPAT_NULL;
        }
        if (PyErr_Occurred()) {
            return CAPICOMPAT_NULL;
        }
        passed++;
    }
    return PyLong_FromLong(passed);
}

static PyMethodDef methods[] = {
    {"run", pcc_run, METH_NOARGS, "Run every group of checks."},
    {CAPICOMPAT_NULL, CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_pcc_names", CAPICOMPAT_NULL, -1, methods,
    CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL, CAPICOMPAT_NULL,
};

PyMODINIT_FUNC PyInit__pcc_names(void)
{
    return PyModule_Create(&moduledef);
}
