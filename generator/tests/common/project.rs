//! Running `capi-compat matrix PROJECT_DIR` from the tests: copies of tests/projects to patch,
//! the run's exit code, output and JSON/JUnit reports.

use super::{repo_root, TempDir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of tests/projects/NAME in a temp dir, so a variant can be patched.
pub fn project_copy(name: &str) -> (TempDir, PathBuf) {
    let tmp = TempDir::new(&format!("project-{name}"));
    let dst = tmp.path().join(name);
    copy_dir(&repo_root().join("tests/projects").join(name), &dst);
    (tmp, dst)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn patch(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

/// Every file under a directory, relative, sorted: the user's tree before and after.
pub fn listing(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(root).unwrap().display().to_string());
            if path.is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub json: Option<Value>,
    pub junit: Option<String>,
}

pub fn matrix(args: &[&str], env: &[(&str, &str)]) -> Run {
    let tmp = TempDir::new("project-matrix-out");
    let json = tmp.path().join("report.json");
    let junit = tmp.path().join("report.xml");
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .arg("matrix")
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run capi-compat matrix");
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        json: std::fs::read_to_string(&json).ok().map(|t| serde_json::from_str(&t).expect("JSON report")),
        junit: std::fs::read_to_string(&junit).ok(),
    };
    if run.stdout.contains("could not reach the package index") && env.is_empty() {
        panic!("NETWORK: these tests install from PyPI and it could not be reached:\n{}", run.stdout);
    }
    run
}

impl Run {
    pub fn rows(&self) -> Vec<Value> {
        let json =
            self.json.as_ref().unwrap_or_else(|| panic!("no JSON report:\n{}\n{}", self.stdout, self.stderr));
        let rows = json["interpreters"].as_array().expect("interpreters").clone();
        assert!(!rows.is_empty(), "no interpreter ran:\n{}", self.stdout);
        rows
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.rows()
            .iter()
            .map(|r| r[key].as_str().map(str::to_string).unwrap_or_else(|| r[key].to_string()))
            .collect()
    }

    pub fn context(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr)
    }
}

/// The work directories of a run hold nothing but the logs once it is over.
pub fn assert_no_env_left(run: &Run) {
    for row in run.rows() {
        let log = PathBuf::from(row["log"].as_str().expect("a log per interpreter"));
        let work_root = log.parent().unwrap();
        let leftovers: Vec<String> = std::fs::read_dir(work_root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".log"))
            .collect();
        assert!(leftovers.is_empty(), "left behind in {}: {leftovers:?}", work_root.display());
    }
}

pub const CCDEMO_HEADER: &str = "src/ccdemo/capi_compat.h";

/// tests/projects/setuptools-pkg (or a patched copy) with a fresh header, on CPython 3.12:
/// `options` follow, then `--` and the test command when they hold one.
pub fn ccdemo_on_312(dir: &Path, options: &[&str]) -> Run {
    let dir = dir.to_str().expect("a UTF-8 path");
    matrix(&[&[dir, "--header", CCDEMO_HEADER, "--python", "cpython-3.12"][..], options].concat(), &[])
}
