//! `gen --used-by PATHS…`: the header holds exactly what the code uses (names in comments,
//! strings and `#if 0` are not uses; names in `#if` conditions are) and what that requires, at
//! the floor asked for; its banner names the code and the command; `check` follows it; bad
//! paths are usage errors; the output is deterministic. That the trimmed headers build and run
//! the example extensions and the test projects on every interpreter is `scripts/test.sh`'s
//! `matrix --trimmed` steps.

mod common;

use common::{repo_root, TempDir};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn capi_compat(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run capi-compat")
}

/// `gen ARGS -o capi_compat.h` in `dir`; the header written.
fn gen_in(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["gen"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "capi_compat.h"]);
    let output = capi_compat(&all, dir);
    assert!(output.status.success(), "gen {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    std::fs::read_to_string(dir.join("capi_compat.h")).expect("the header was written")
}

/// The entries a header holds (its pieces named after an entry).
fn entries(header: &str) -> BTreeSet<String> {
    capi_compat::check::chunks::split(header)
        .into_keys()
        .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

const MENTIONS_ONLY: &str = r#"
#include <Python.h>
#include "capi_compat.h"
/* PyUnicode_Equal is only mentioned here, // and PyLong_AsInt here */
// PyDict_Pop(d, k, &v) in a line comment
static const char doc[] = "PyBytes_Join(sep, items) in a string";
static const char c = 'PyList_Extend';
#if 0
static int unused(PyObject *o) { return PyLong_AsInt(o); }
#endif
"#;

#[test]
fn names_in_comments_strings_and_if_0_are_not_uses() {
    let dir = TempDir::new("usedby-mentions");
    dir.write("mod.c", &format!("{MENTIONS_ONLY}static PyObject *f(PyObject *o) {{ return PyObject_GetOptionalAttrString ? o : o; }}\n"));
    let header = gen_in(dir.path(), &["--used-by", "mod.c"]);
    let got = entries(&header);
    assert!(got.contains("PyObject_GetOptionalAttrString"), "the one real use is missing: {got:?}");
    for mention in ["PyUnicode_Equal", "PyLong_AsInt", "PyDict_Pop", "PyBytes_Join", "PyList_Extend"] {
        assert!(!got.contains(mention), "`{mention}` is only mentioned, yet the header has it: {got:?}");
    }
}

#[test]
fn a_name_that_requires_another_brings_both() {
    let dir = TempDir::new("usedby-requires");
    dir.write("mod.c", "static int f(PyObject *d, PyObject **v) { return PyDict_PopString(d, \"k\", v); }\n");
    let got = entries(&gen_in(dir.path(), &["--used-by", "mod.c"]));
    assert_eq!(got, set(&["PyDict_Pop", "PyDict_PopString"]));
}

#[test]
fn a_macro_used_only_in_an_if_counts() {
    let dir = TempDir::new("usedby-if");
    dir.write("mod.c", "#if defined(Py_T_INT) && PY_VERSION_HEX >= 0x030C0000\nint x;\n#endif\n#ifdef Py_ALWAYS_INLINE\nint y;\n#endif\n");
    let got = entries(&gen_in(dir.path(), &["--used-by", "mod.c"]));
    assert_eq!(got, set(&["Py_ALWAYS_INLINE", "Py_T_INT"]));
}

#[test]
fn a_higher_floor_drops_what_is_native_there() {
    let dir = TempDir::new("usedby-min");
    dir.write(
        "mod.c",
        "int f(PyObject *a, PyObject *b) { return PyLong_AsInt(a) + PyDict_PopString(a, \"k\", NULL) + PyUnicode_Equal(a, b); }\n",
    );
    let at_310 = entries(&gen_in(dir.path(), &["--used-by", "mod.c"]));
    // capicompat_launder: a helper PyLong_AsInt's backport requires.
    assert_eq!(
        at_310,
        set(&["PyDict_Pop", "PyDict_PopString", "PyLong_AsInt", "PyUnicode_Equal", "capicompat_launder"])
    );
    // 3.13 has the first three natively; PyUnicode_Equal is 3.14's.
    let at_313 = entries(&gen_in(dir.path(), &["--min", "3.13", "--used-by", "mod.c"]));
    assert_eq!(at_313, set(&["PyUnicode_Equal"]));
}

#[test]
fn directories_are_read_and_our_own_headers_skipped() {
    let dir = TempDir::new("usedby-dirs");
    std::fs::create_dir_all(dir.path().join("src/sub")).unwrap();
    std::fs::create_dir_all(dir.path().join("include")).unwrap();
    dir.write("src/a.c", "int a(PyObject *o) { return PyLong_AsInt(o); }\n");
    dir.write("src/sub/b.h", "#define B(o) PyUnicode_Equal(o, o)\n");
    dir.write("src/notes.txt", "PyDict_Pop\n");
    // A header capi-compat wrote names every entry: reading it would make the whole header.
    let full = capi_compat(&["gen", "-o", "src/capi_compat.h"], dir.path());
    assert!(full.status.success());
    let header = gen_in(&dir.path().join("include"), &["--used-by", "../src"]);
    assert_eq!(entries(&header), set(&["PyLong_AsInt", "PyUnicode_Equal", "capicompat_launder"]));
}

#[test]
fn the_banner_names_the_code_and_check_follows_it() {
    let dir = TempDir::new("usedby-banner");
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::create_dir_all(dir.path().join("vendor")).unwrap();
    dir.write("src/a.c", "int a(PyObject *o) { return PyLong_AsInt(o); }\n");
    // Run from the project root; the banner's paths are relative to the header's directory.
    let output = capi_compat(&["gen", "--used-by", "src", "-o", "vendor/capi_compat.h"], dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let header = std::fs::read_to_string(dir.path().join("vendor/capi_compat.h")).unwrap();
    assert!(
        header.contains("regenerate with `capi-compat gen --min 3.10 --used-by ../src -o capi_compat.h`"),
        "{}",
        &header[..600]
    );
    assert!(header.contains(" * Made for the code in `../src` (relative to this header's directory"));
    // The command in the banner, run where it says, writes the same bytes.
    let again = capi_compat(
        &["gen", "--min", "3.10", "--used-by", "../src", "-o", "capi_compat.h"],
        &dir.path().join("vendor"),
    );
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(dir.path().join("vendor/capi_compat.h")).unwrap(), header);

    let check = capi_compat(&["check", "vendor/capi_compat.h"], dir.path());
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));
    // The code now uses one more name: the vendored header is stale, and check says which.
    dir.write("src/b.c", "int b(PyObject *o) { return PyUnicode_Equal(o, o); }\n");
    let check = capi_compat(&["check", "vendor/capi_compat.h"], dir.path());
    let report = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{report}");
    assert!(report.contains("missing from the file: ") && report.contains("PyUnicode_Equal"), "{report}");
    assert!(
        report.contains("regenerate: cd vendor && capi-compat gen --min 3.10 --used-by ../src"),
        "{report}"
    );
}

#[test]
fn output_is_deterministic() {
    let example = repo_root().join("tests/c/example");
    let dir = TempDir::new("usedby-determinism");
    let args = ["gen", "--used-by", example.to_str().unwrap()];
    let first = capi_compat(&args, dir.path());
    let second = capi_compat(&args, dir.path());
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(!first.stdout.is_empty());
    assert_eq!(first.stdout, second.stdout, "two runs wrote different headers");
}

#[test]
fn missing_paths_are_usage_errors() {
    let dir = TempDir::new("usedby-missing");
    dir.write("a.c", "int x;\n");
    let output = capi_compat(&["gen", "--used-by", "a.c", "nope/src", "-o", "capi_compat.h"], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "error: --used-by nope/src: no such file or directory (give the C/C++ files or directories of your code)"
    );
    assert!(!dir.path().join("capi_compat.h").exists(), "a header was written anyway");
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let output = capi_compat(&["gen", "--used-by", "empty"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no C or C++ source files there"));
    let output = capi_compat(&["gen", "--used-by", "a.c", "--only", "PyLong_AsInt"], dir.path());
    assert_eq!(output.status.code(), Some(2), "--only and --used-by together must be refused");
}

const HPY_CODE: &str = r#"
#include "hpy.h"
HPyDef_METH(f, "f", HPyFunc_NOARGS)
static HPy f_impl(HPyContext *ctx, HPy self) { return HPy_Dup(ctx, ctx->h_None); }
"#;

#[test]
fn hpy_layer_only_when_the_code_uses_hpy_with_what_it_needs() {
    let dir = TempDir::new("usedby-hpy");
    dir.write("hpymod.c", HPY_CODE);
    dir.write("plain.c", "int a(PyObject *o) { return PyLong_AsInt(o); }\n");
    let with_hpy = gen_in(dir.path(), &["--hpy", "--used-by", "hpymod.c"]);
    assert!(with_hpy.contains("#define HPyDef_METH("), "no HPy layer");
    assert!(dir.path().join("hpy.h").exists(), "hpy.h was not written");
    // The layer's member tables use Py_T_INT & co (3.12): the header must backport them.
    let got = entries(&with_hpy);
    assert!(got.contains("Py_T_INT") && got.contains("PyType_FromMetaclass"), "{got:?}");
    assert!(!got.contains("PyLong_AsInt"), "not used by the code nor by the layer: {got:?}");
    assert!(with_hpy
        .contains("regenerate with `capi-compat gen --min 3.10 --used-by hpymod.c --hpy -o capi_compat.h`"));

    std::fs::remove_file(dir.path().join("hpy.h")).unwrap();
    let without = gen_in(dir.path(), &["--hpy", "--used-by", "plain.c"]);
    assert!(!without.contains("HPyDef_METH"), "the code uses no HPy, yet the layer is there");
    assert!(!dir.path().join("hpy.h").exists(), "hpy.h written for code without HPy");
    assert_eq!(entries(&without), set(&["PyLong_AsInt", "capicompat_launder"]));
}

/// `--hpy --only` used to leave out what the HPy layer itself needs (Py_T_INT below 3.12).
#[test]
fn hpy_with_only_keeps_what_the_layer_needs() {
    let dir = TempDir::new("usedby-hpy-only");
    let header = gen_in(dir.path(), &["--hpy", "--only", "PyLong_AsInt"]);
    let got = entries(&header);
    assert!(got.contains("PyLong_AsInt") && got.contains("Py_T_INT"), "{got:?}");
}

/// The install projects hold copies of the two example extensions: the header made for each
/// is the same, banner aside (so `scripts/test.sh` builds one of them with it).
#[test]
fn install_projects_get_the_same_trimmed_header() {
    let projects = repo_root().join("tests/projects");
    let mut bodies = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(&projects)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("install-"))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    for name in &names {
        let output = capi_compat(&["gen", "--hpy", "--used-by", name], &projects);
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let text = String::from_utf8(output.stdout).unwrap();
        let body = text.split_once(" */\n").expect("a banner").1.to_string();
        assert!(body.contains("#define HPyDef_METH("), "{name}: its HPy example gets no HPy layer");
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "the install projects' trimmed headers differ: {names:?}"
    );
}

/// A vendored pythoncapi_compat.h names every function it backports: read as the code, it made
/// zstandard 0.25.0's `gen --used-by c-ext` a 3,817-line header (98 entries) where its own
/// sources need a 136-line one. It is skipped like our own headers, by name or by its include
/// guard in a renamed copy.
#[test]
fn a_vendored_pythoncapi_compat_is_not_the_code() {
    let dir = TempDir::new("usedby-pcc");
    let project = common::fixtures_dir().join("vendored-layers/ext");
    std::fs::create_dir_all(dir.path().join("vendor")).unwrap();
    for file in ["module.c", "pythoncapi_compat.h", "vendor/renamed_compat.h"] {
        std::fs::copy(project.join(file), dir.path().join(file)).unwrap();
    }
    let header = gen_in(dir.path(), &["--used-by", "."]);
    assert_eq!(entries(&header), set(&["PyDict_GetItemRef"]));
}

/// A project's own backport of a name the header provides (backports.zstd 1.8.0 defines
/// `PyType_Freeze` for < 3.14 in its compat header) became, through the header's
/// `#define PyType_Freeze capicompat_PyType_Freeze`, a second definition of ours: the header
/// made for the code failed to build it. A function the code defines is now left out, with
/// a note, and the module builds and runs on the header made for it.
#[test]
fn a_function_the_code_defines_itself_is_left_out() {
    let dir = TempDir::new("usedby-own");
    let code = r#"#include <Python.h>
#include "capi_compat.h"

#if PY_VERSION_HEX < 0x030E0000
static inline int PyType_Freeze(PyTypeObject *type)
{
    (void)type;
    return -1;   /* the project's choice: no freezing before 3.14 */
}
#endif

static PyObject *freeze(PyObject *self, PyObject *type)
{
    (void)self;
    int r = PyType_Freeze((PyTypeObject *)type);
    PyObject *d = PyDict_New(), *v = NULL;
    if (d == NULL) return NULL;
    int got = PyDict_GetItemRef(d, type, &v);
    Py_DECREF(d);
    return Py_BuildValue("ii", r, got);
}
static PyMethodDef methods[] = {{"freeze", freeze, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_own", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit__own(void);
PyMODINIT_FUNC PyInit__own(void) { return PyModule_Create(&def); }
"#;
    dir.write("_own.c", code);
    let output = capi_compat(&["gen", "--used-by", ".", "-o", "capi_compat.h"], dir.path());
    let notes = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{notes}");
    assert!(
        notes.contains("note: the code defines PyType_Freeze itself (./_own.c:5): left out of the header"),
        "{notes}"
    );
    let header = std::fs::read_to_string(dir.path().join("capi_compat.h")).unwrap();
    assert_eq!(entries(&header), set(&["PyDict_GetItemRef"]));
    // Built on the header made for it (3.12: the project's PyType_Freeze is compiled).
    let built = capi_compat(
        &[
            "matrix",
            "--trimmed",
            "_own.c",
            "--python",
            "cpython-3.12",
            "--",
            "python",
            "-c",
            "import _own; r = _own.freeze(int); assert r[1] == 0, r",
        ],
        dir.path(),
    );
    let text =
        format!("{}{}", String::from_utf8_lossy(&built.stdout), String::from_utf8_lossy(&built.stderr));
    assert_eq!(built.status.code(), Some(0), "{text}");
}
