//! Several capi-compat processes share one build cache: two runs at once with the same inputs
//! build once (the second waits, then reuses the first one's build), and a run killed in the
//! middle of a build leaves nothing that a later run takes for a finished build.
//!
//! Each test uses its own cache (CAPI_COMPAT_CACHE) and one interpreter given by path, so
//! other tests and the user's cache are never touched.

mod common;

use common::TempDir;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The entry the self-test runs here: cheap, and a backport on 3.10-3.12.
const ENTRY: &str = "PyLong_AsInt";

/// The first supported CPython release build discovery finds, by path.
fn cpython() -> PathBuf {
    let output =
        Command::new(env!("CARGO_BIN_EXE_capi-compat")).arg("pythons").output().expect("run pythons");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.lines()
        .filter(|l| l.starts_with("cpython-") && !l.contains("not supported") && !l.contains(" debug "))
        .filter_map(|l| l.split_whitespace().last().map(PathBuf::from))
        .next()
        .unwrap_or_else(|| panic!("no supported CPython release build found:\n{text}"))
}

fn selftest(cache: &Path, python: &Path, json: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_capi-compat"));
    cmd.env("CAPI_COMPAT_CACHE", cache)
        .args(["test", "--only", ENTRY, "--python"])
        .arg(python)
        .arg("--json")
        .arg(json)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn show(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The one interpreter's row of a self-test or matrix JSON report.
fn only_row(report: &serde_json::Value) -> &serde_json::Value {
    let rows = report["interpreters"].as_array().expect("interpreters");
    assert_eq!(rows.len(), 1, "expected one interpreter: {report}");
    &rows[0]
}

/// The self-test build directories (`build/selftest/LABEL/KEY`) in this cache.
fn build_dirs(cache: &Path) -> Vec<PathBuf> {
    let root = cache.join("build/selftest");
    let mut dirs = Vec::new();
    for label in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for key in std::fs::read_dir(label.path()).into_iter().flatten().flatten() {
            if key.path().is_dir() {
                dirs.push(key.path());
            }
        }
    }
    dirs
}

#[test]
fn two_selftests_at_once_build_once_and_both_pass() {
    let cache = TempDir::new("conc-cache");
    let python = cpython();
    let (a_json, b_json) = (cache.path().join("a.json"), cache.path().join("b.json"));
    let a = selftest(cache.path(), &python, &a_json).spawn().unwrap();
    let b = selftest(cache.path(), &python, &b_json).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "first run failed:\n{}", show(&a));
    assert!(b.status.success(), "second run failed:\n{}", show(&b));
    let reused: Vec<bool> =
        [&a_json, &b_json].iter().map(|p| only_row(&json(p))["reused_build"].as_bool().unwrap()).collect();
    assert_eq!(
        reused.iter().filter(|r| **r).count(),
        1,
        "exactly one run must build and the other reuse its build: {reused:?}"
    );
    let waited = [&a, &b].iter().any(|o| String::from_utf8_lossy(&o.stderr).contains("waiting for another"));
    assert!(waited, "the runs did not overlap, so this proves nothing:\n{}\n{}", show(&a), show(&b));
    for p in [&a_json, &b_json] {
        let row = only_row(&json(p)).clone();
        assert_ne!(row["entries"][ENTRY], "failed", "{row}");
        assert_eq!(row["failures"], 0, "{row}");
    }
}

fn kill_group(child: &mut Child) {
    let pgid = child.id().to_string();
    Command::new("kill").args(["-KILL", "--", &format!("-{pgid}")]).status().expect("run kill");
    child.wait().ok();
}

#[test]
fn a_run_killed_during_its_build_leaves_no_finished_build_behind() {
    let cache = TempDir::new("kill-cache");
    let python = cpython();
    let json_path = cache.path().join("run.json");
    // Killed at several points of the build: each time, a stamp (the mark of a finished
    // build) may exist only with the module it vouches for.
    for delay_ms in [300, 1500, 4000] {
        let mut child = selftest(cache.path(), &python, &json_path).process_group(0).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        while !build_dirs(cache.path()).iter().any(|d| d.join("selftest.c").is_file()) {
            assert!(Instant::now() < deadline, "the build never started");
            assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        kill_group(&mut child);
        for dir in build_dirs(cache.path()) {
            let stamp = dir.join("stamp");
            if let Ok(text) = std::fs::read_to_string(&stamp) {
                let key = dir.file_name().unwrap().to_string_lossy().into_owned();
                assert_eq!(text.lines().next(), Some(key.as_str()), "a partial stamp in {}", dir.display());
                let modules = std::fs::read_dir(&dir)
                    .unwrap()
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".so"))
                    .count();
                assert!(modules > 0, "a stamp without its module after a kill at {delay_ms} ms");
            } else if finished {
                panic!("the run finished but left no stamp in {}", dir.display());
            }
        }
        if finished {
            break;
        }
    }
    let output = selftest(cache.path(), &python, &json_path).output().unwrap();
    assert!(output.status.success(), "the run after the kills failed:\n{}", show(&output));
    let report = json(&json_path);
    let row = only_row(&report);
    assert_eq!(row["failures"], 0, "{row}");
    assert_ne!(row["entries"][ENTRY], "failed", "{row}");
}

const MODULE: &str = r#"
#include <Python.h>
#include "capi_compat.h"
static PyObject *one(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    return PyLong_FromLong(1);
}
static PyMethodDef methods[] = {{"one", one, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_conc", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit__conc(void);
PyMODINIT_FUNC PyInit__conc(void) { return PyModule_Create(&def); }
"#;

#[test]
fn two_matrix_runs_at_once_build_once_and_both_pass() {
    let cache = TempDir::new("conc-matrix");
    let python = cpython();
    let source = cache.write("_conc.c", MODULE);
    let run = |json: &Path| {
        Command::new(env!("CARGO_BIN_EXE_capi-compat"))
            .env("CAPI_COMPAT_CACHE", cache.path())
            .arg("matrix")
            .arg(&source)
            .arg("--python")
            .arg(&python)
            .arg("--json")
            .arg(json)
            .args(["--", "python", "-c", "import _conc, time; assert _conc.one() == 1; time.sleep(1)"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a_json, b_json) = (cache.path().join("a.json"), cache.path().join("b.json"));
    let (a, b) = (run(&a_json), run(&b_json));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success(), "{}\n{}", show(&a), show(&b));
    let rows: Vec<serde_json::Value> =
        [&a_json, &b_json].iter().map(|p| only_row(&json(p)).clone()).collect();
    let reused = rows.iter().filter(|r| r["reused_build"] == true).count();
    assert_eq!(reused, 1, "exactly one run must build: {rows:?}");
    assert!(rows.iter().all(|r| r["test"] == "passed"), "{rows:?}");
}
