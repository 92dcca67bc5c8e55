//! `capi-compat matrix` on users' code: a good extension passes, and a failing test command or
//! a build error shows up as a failure (exit 1), never as a pass.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const GOOD_MODULE: &str = r#"
#include <Python.h>
#include "capi_compat.h"
static PyObject *get(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *d, *k, *v;
    if (!PyArg_ParseTuple(args, "OO", &d, &k)) return NULL;
    int r = PyDict_GetItemRef(d, k, &v);
    if (r < 0) return NULL;
    if (r == 0) Py_RETURN_NONE;
    return v;
}
static PyMethodDef methods[] = {{"get", get, METH_VARARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_um", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit__um(void);
PyMODINIT_FUNC PyInit__um(void) { return PyModule_Create(&def); }
"#;

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capi-compat-um-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `matrix` on the CPython 3.10-3.12 interpreters and returns (exit code, JSON report).
fn matrix(source: &Path, test: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let json = source.with_extension("json");
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .arg("matrix")
        .arg(source)
        .args(["--python", "cpython-3.1", "--json"])
        .arg(&json)
        .arg("--")
        .args(test)
        .output()
        .expect("run capi-compat matrix");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let report = serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report")).unwrap();
    (output.status.code(), report, text)
}

fn steps(report: &serde_json::Value, step: &str) -> Vec<String> {
    let rows = report["interpreters"].as_array().expect("interpreters");
    assert!(!rows.is_empty(), "no interpreter ran");
    rows.iter().map(|r| r[step].as_str().unwrap().to_string()).collect()
}

#[test]
fn good_extension_passes_and_failures_fail() {
    let dir = workdir("good");
    let source = dir.join("_um.c");
    std::fs::write(&source, GOOD_MODULE).unwrap();
    let check = "import _um; assert _um.get({1: 2}, 1) == 2; assert _um.get({}, 1) is None";
    let (code, report, text) = matrix(&source, &["python", "-c", check]);
    assert_eq!(code, Some(0), "{text}");
    assert!(steps(&report, "test").iter().all(|s| s == "passed"), "{text}");
    // Interpreters are counted, not their steps (it said `9 passed` for three).
    let ran = steps(&report, "test").len();
    assert!(text.contains(&format!("\nmatrix: {ran} passed, 0 failed\n")), "{text}");

    let (code, report, text) = matrix(&source, &["python", "-c", "import _um; raise SystemExit(3)"]);
    assert_eq!(code, Some(1), "a failing test command must fail the matrix: {text}");
    assert!(steps(&report, "test").iter().all(|s| s == "failed"), "{text}");
    assert!(text.contains("matrix: ") && text.contains(" failed"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn build_errors_fail_and_stop_the_later_steps() {
    let dir = workdir("bad");
    let source = dir.join("_um.c");
    // -Wconversion is part of the project's flags: an implicit narrowing is an error.
    std::fs::write(
        &source,
        GOOD_MODULE.replace("(void)self;", "(void)self; long big = 1; int small = big; (void)small;"),
    )
    .unwrap();
    let (code, report, text) = matrix(&source, &["python", "-c", "import _um"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(steps(&report, "build").iter().all(|s| s == "failed"), "{text}");
    assert!(steps(&report, "import").iter().all(|s| s == "not_run"), "{text}");
    assert!(
        text.contains("-Wconversion") || text.contains("conversion"),
        "the compiler's message is shown: {text}"
    );
    // Warnings in the user's code fail on our -Werror: the failure says so and how to relax it
    // (HPy 0.9's proof-of-concept failed on unused parameters with no word on whose flags).
    assert!(text.contains("note: capi-compat builds the sources with -Wall -Wextra"), "{text}");
    assert!(text.contains("`--cflag=-Wno-error` keeps them as warnings"), "{text}");
    let failed = steps(&report, "build").len();
    assert!(text.contains(&format!("\nmatrix: 0 passed, {failed} failed\n")), "{text}");
    // And it does: the same code with the hint's flag builds, imports and runs.
    let json = source.with_extension("json");
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .arg("matrix")
        .arg(&source)
        .args(["--python", "cpython-3.12", "--cflag=-Wno-error", "--json"])
        .arg(&json)
        .args(["--", "python", "-c", "import _um"])
        .output()
        .expect("run capi-compat matrix");
    let relaxed = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{relaxed}");
    std::fs::remove_dir_all(&dir).ok();
}

/// SIGINT (Ctrl-C sent to capi-compat alone, as `kill -INT` does) while the test command runs
/// in its build directory: the test command's child is stopped, the exit code is 130, and the
/// build directory's claim is released: the next run with the same inputs neither waits nor
/// fails.
#[test]
fn an_interrupted_run_leaves_no_child_and_releases_its_build_directory() {
    let dir = workdir("interrupt");
    let source = dir.join("_um.c");
    std::fs::write(&source, GOOD_MODULE).unwrap();
    let marker = dir.join("grandchild.pid");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_capi-compat"));
    cmd.arg("matrix").arg(&source).args(["--python", "cpython-3.12", "--"]);
    cmd.args(common::signals::sleeping_test_command(&marker));
    let run = common::signals::interrupt_when_running(&mut cmd, &marker, "-INT");
    assert_eq!(run.code, Some(130), "{}", run.stderr);
    assert!(run.stderr.contains("capi-compat: interrupted (SIGINT)"), "{}", run.stderr);
    assert!(
        !common::signals::running(run.grandchild),
        "the test command's child {} survived",
        run.grandchild
    );
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .arg("matrix")
        .arg(&source)
        .args(["--python", "cpython-3.12", "--", "python", "-c", "import _um"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}\n{}", String::from_utf8_lossy(&output.stdout));
    assert!(!stderr.contains("waiting for another capi-compat process"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

/// C++ sources are built as C++ (C++17, our C++ warnings): they used to get the C driver's
/// `-std=c11`, which gcc refuses for C++ under `-Werror` (HPy 0.9's `pofcpp.cpp` could not
/// be built). C and C++ sources together are a usage error, not a compiler's complaint.
#[test]
fn cxx_sources_are_built_as_cxx() {
    let dir = workdir("cxx");
    let source = dir.join("_umcxx.cpp");
    std::fs::write(
        &source,
        r#"
#include <Python.h>
#include "capi_compat.h"
#include <vector>
static PyObject *total(PyObject *, PyObject *arg) {
    std::vector<long> items{1, 2, 3};
    auto sum = [&items]() { long s = 0; for (long v : items) s += v; return s; };
    long extra = PyLong_AsLong(arg);
    if (extra == -1 && PyErr_Occurred()) return nullptr;
    return PyLong_FromLong(sum() + extra);
}
static PyMethodDef methods[] = {{"total", total, METH_O, nullptr}, {nullptr, nullptr, 0, nullptr}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_umcxx", nullptr, -1, methods, nullptr, nullptr, nullptr, nullptr};
PyMODINIT_FUNC PyInit__umcxx(void) { return PyModule_Create(&def); }
"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .arg("matrix")
        .arg(&source)
        .args([
            "--python",
            "cpython-3.12",
            "--",
            "python",
            "-c",
            "import _umcxx; assert _umcxx.total(4) == 10",
        ])
        .output()
        .expect("run capi-compat matrix");
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(!text.contains("-std=c11"), "{text}");

    let c_source = dir.join("_umc.c");
    std::fs::write(&c_source, GOOD_MODULE).unwrap();
    let mixed = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .arg("matrix")
        .arg(&source)
        .arg(&c_source)
        .args(["--python", "cpython-3.12"])
        .output()
        .expect("run capi-compat matrix");
    let err = String::from_utf8_lossy(&mixed.stderr);
    assert_eq!(mixed.status.code(), Some(2), "{err}");
    assert!(
        err.contains("_umcxx.cpp is C++ and ") && err.contains("_umc.c is C: one module is built"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
