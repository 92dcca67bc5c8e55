//! The interpreters a CI workflow tests, and how a runner gets each: CPython releases and the
//! free-threaded builds from actions/setup-python, the debug builds from the deadsnakes PPA
//! (Ubuntu packages; setup-python has none), PyPy from setup-python.

use crate::spec::version::{PyVersion, NEWEST, OLDEST};

/// How a runner installs an interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `actions/setup-python` with `python-version: <python>`.
    SetupPython,
    /// `apt-get install python<python>-dbg` from the deadsnakes PPA; the binary is `python3.Xd`.
    DeadsnakesDebug,
}

impl Route {
    pub fn as_str(&self) -> &'static str {
        match self {
            Route::SetupPython => "setup-python",
            Route::DeadsnakesDebug => "deadsnakes-dbg",
        }
    }
}

/// One job of the workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The job's name, in the labels' style: `cpython-3.13`, `cpython-3.13t`, `cpython-3.13-dbg`,
    /// `pypy-3.11`.
    pub name: String,
    /// The version as the route takes it: `3.13`, `3.13t`, `pypy3.11`.
    pub python: String,
    pub route: Route,
    /// The command that runs it once installed, for routes that do not report a path.
    pub executable: String,
    /// The Python language version it implements.
    pub series: PyVersion,
}

/// Free-threaded builds tested: 3.13 and 3.14 (setup-python's `3.13t`, `3.14t`).
const FREE_THREADED: [u8; 2] = [13, 14];
/// Debug builds tested: the ones the local test run has too.
const DEBUG: [u8; 3] = [13, 14, 15];
/// PyPy's Python versions tested.
const PYPY: [u8; 1] = [11];

/// Every target whose Python version is `min` or newer, in a fixed order: CPython releases,
/// free-threaded builds, debug builds, PyPy.
pub fn targets(min: PyVersion) -> Vec<Target> {
    let mut all = Vec::new();
    for minor in OLDEST.minor..=NEWEST.minor {
        all.push(target(format!("cpython-3.{minor}"), format!("3.{minor}"), Route::SetupPython, "", minor));
    }
    for minor in FREE_THREADED {
        all.push(target(format!("cpython-3.{minor}t"), format!("3.{minor}t"), Route::SetupPython, "", minor));
    }
    for minor in DEBUG {
        let exe = format!("python3.{minor}d");
        all.push(target(
            format!("cpython-3.{minor}-dbg"),
            format!("3.{minor}"),
            Route::DeadsnakesDebug,
            &exe,
            minor,
        ));
    }
    for minor in PYPY {
        all.push(target(format!("pypy-3.{minor}"), format!("pypy3.{minor}"), Route::SetupPython, "", minor));
    }
    all.retain(|t| t.series >= min);
    all
}

fn target(name: String, python: String, route: Route, executable: &str, minor: u8) -> Target {
    Target { name, python, route, executable: executable.to_string(), series: PyVersion::release(3, minor) }
}
