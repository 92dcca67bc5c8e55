//! `isolated:` entries run in interpreter processes of their own: on CPython 3.13+ a legacy
//! tracer (PyEval_SetTrace, PyEval_SetProfile), once installed, leaves sys.monitoring's
//! C_RETURN and C_RAISE events active after it is removed, and the monitoring tests check that
//! they are not. The tracer tests come first in spec order; with `isolated` the monitoring
//! tests pass after them, and the same spec without `isolated` fails them (the leak is real,
//! and isolation is what stops it).

mod common;

use common::project::copy_dir;

use std::path::Path;
use std::process::Command;

const TRACERS: [&str; 2] = ["PyEval_SetTrace", "PyEval_SetProfile"];
const MONITORING: [&str; 2] = ["PyMonitoring_FireCReturnEvent", "PyMonitoring_FireCRaiseEvent"];

/// The self-test of the tracer and monitoring entries on the provisioned release CPython 3.13: exit code,
/// report, and the JSON's interpreters.
fn run(spec_dir: &Path, json_path: &Path) -> (Option<i32>, String, Vec<serde_json::Value>) {
    let only = TRACERS.iter().chain(&MONITORING).copied().collect::<Vec<_>>().join(",");
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["test", "--python", "cpython-3.13/", "--require", "3.13", "--only", &only, "--spec"])
        .arg(spec_dir)
        .arg("--json")
        .arg(json_path)
        .output()
        .expect("run capi-compat test");
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = std::fs::read_to_string(json_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("no JSON written:\n{text}"));
    let interpreters = json["interpreters"].as_array().expect("interpreters").clone();
    assert!(!interpreters.is_empty(), "no CPython 3.13 ran:\n{text}");
    (output.status.code(), text, interpreters)
}

#[test]
fn tracer_tests_before_the_monitoring_tests_leak_only_without_isolation() {
    let spec_dir = common::repo_root().join("spec");
    // The order under test: the tracers' tests come first in the module.
    let source = capi_compat::SpecSource::from_dir(&spec_dir).expect("the spec reads");
    let spec = capi_compat::spec::validate::load(&source).expect("the spec loads");
    let position = |name: &str| spec.entries.iter().position(|e| e.name == name).unwrap();
    for tracer in TRACERS {
        assert!(spec.get(tracer).unwrap().isolated.is_some(), "{tracer} must be isolated");
        for monitoring in MONITORING {
            assert!(position(tracer) < position(monitoring), "{tracer} must come before {monitoring}");
        }
    }

    let tmp = common::TempDir::new("isolation");
    let (code, text, interpreters) = run(&spec_dir, &tmp.path().join("isolated.json"));
    assert_eq!(code, Some(0), "with `isolated`, every test passes:\n{text}");
    for interp in &interpreters {
        for name in TRACERS.iter().chain(&MONITORING) {
            // Native on 3.13 and run again against the forced backport: both passed.
            assert_eq!(
                interp["entries"][name], "native_and_backport",
                "{name} on {}:\n{text}",
                interp["label"]
            );
        }
    }

    // The same spec without `isolated`: the tracers leave their events behind.
    let shared = tmp.path().join("spec");
    copy_dir(&spec_dir, &shared);
    for file in ["cpython310_tracing.yaml", "profiling.yaml", "threads.yaml", "sys.yaml"] {
        let path = shared.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = text.lines().filter(|l| !l.trim_start().starts_with("isolated:")).collect();
        assert_ne!(kept.len(), text.lines().count(), "{file} has no isolated entry any more");
        std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    }
    let (code, text, interpreters) = run(&shared, &tmp.path().join("shared.json"));
    assert_eq!(code, Some(1), "without `isolated`, the monitoring tests must fail:\n{text}");
    for interp in &interpreters {
        for name in MONITORING {
            assert_eq!(interp["entries"][name], "failed", "{name} on {}:\n{text}", interp["label"]);
        }
    }
}
