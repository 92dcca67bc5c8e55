/* HPy's remaining public macros (spec/hpy/macros.yaml) and HPyErr_WarnEx (whose stack level is
 * an int in PyPy's cpyext): run by generator/tests/hpy.rs with check_macros.py. */
#include "hpy.h"
#include <string.h>
#include <unistd.h>

/* The declaration helpers declare and define functions as HPy's headers do. */
HPyAPI_FUNC int macros_twice(int x) {
    return 2 * x;
}

HPy_EXPORTED_FUNC int capicompat_macros_exported(void);
HPy_EXPORTED_FUNC int capicompat_macros_exported(void) {
    return 7;
}

HPyDef_METH(constants, "constants", HPyFunc_NOARGS)
static HPy constants_impl(HPyContext *ctx, HPy self) {
    (void)self;
    return HPy_BuildValue(ctx, "{s:s,s:s,s:i,s:i,s:s,s:n,s:n,s:i,s:i,s:i}", "version", HPY_VERSION, "abi", HPY_ABI,
                          "abi_version", HPY_ABI_VERSION, "abi_version_minor", HPY_ABI_VERSION_MINOR, "tag",
                          HPY_ABI_TAG, "ssize_max", HPY_SSIZE_T_MAX, "ssize_min", HPY_SSIZE_T_MIN, "twice",
                          macros_twice(21), "exported", capicompat_macros_exported(), "vectorcall_struct",
                          (int)(sizeof(HPyType_Vectorcall) == sizeof(cpy_vectorcallfunc) + sizeof(HPyCallFunction)));
}

/* compare(a, b, op) -> HPy_RETURN_RICHCOMPARE on two C longs */
static HPy compare_longs(HPyContext *ctx, long a, long b, int op) {
    HPy_RETURN_RICHCOMPARE(ctx, a, b, (HPy_RichCmpOp)op);
}

HPyDef_METH(compare, "compare", HPyFunc_VARARGS)
static HPy compare_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs) {
    long a, b;
    int op;
    (void)self;
    if (!HPyArg_Parse(ctx, CAPICOMPAT_NULL, args, nargs, "lli", &a, &b, &op)) return HPy_NULL;
    return compare_longs(ctx, a, b, op);
}

/* without_gil() -> 1 if the block ran with the GIL released and it is held again after */
HPyDef_METH(without_gil, "without_gil", HPyFunc_NOARGS)
static HPy without_gil_impl(HPyContext *ctx, HPy self) {
    int released = 0;
    (void)self;
    HPy_BEGIN_LEAVE_PYTHON(ctx)
    released = !PyGILState_Check();
    HPy_END_LEAVE_PYTHON(ctx)
    return HPyLong_FromLong(ctx, released && PyGILState_Check());
}

/* pid() -> HPyLong_AsPid(HPyLong_FromPid(getpid())) */
HPyDef_METH(pid, "pid", HPyFunc_NOARGS)
static HPy pid_impl(HPyContext *ctx, HPy self) {
    HPy h = HPyLong_FromPid(ctx, getpid());
    pid_t back;
    (void)self;
    if (HPy_IsNull(h)) return HPy_NULL;
    back = HPyLong_AsPid(ctx, h);
    HPy_Close(ctx, h);
    if (back != getpid()) return HPyErr_SetString(ctx, ctx->h_SystemError, "pid round trip");
    return HPyLong_FromPid(ctx, back);
}

/* warn(message, stack_level) -> HPyErr_WarnEx(UserWarning, message, stack_level). (The HPyDef
 * is not named `warn`: HPyDef variables are global, and libc's warn() would interpose.) */
HPyDef_METH(warn_ex, "warn", HPyFunc_VARARGS)
static HPy warn_ex_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs) {
    const char *message;
    HPy_ssize_t level;
    (void)self;
    if (!HPyArg_Parse(ctx, CAPICOMPAT_NULL, args, nargs, "sn", &message, &level)) return HPy_NULL;
    if (HPyErr_WarnEx(ctx, ctx->h_UserWarning, message, level) < 0) return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
}

static HPyDef *defines[] = {&constants, &compare, &without_gil, &pid, &warn_ex, CAPICOMPAT_NULL};
static HPyModuleDef moduledef = {CAPICOMPAT_NULL, 0, CAPICOMPAT_NULL, defines, CAPICOMPAT_NULL};

HPy_MODINIT(_hpy_macros, moduledef)
