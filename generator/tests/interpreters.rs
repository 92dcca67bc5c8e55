//! Interpreter discovery and `--require`: found interpreters are listed once each, and a
//! required interpreter that is not there fails the run instead of passing silently.

use capi_compat::interpreters::Requirement;
use capi_compat::interpreters::{discover, Implementation};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

#[test]
fn discovery_lists_each_real_interpreter_once() {
    let found = discover();
    assert!(found.iter().any(|i| i.supported()), "no CPython 3.10+ with headers was discovered");
    let mut seen = BTreeSet::new();
    for i in &found {
        assert!(seen.insert(i.real_executable.clone()), "{} listed twice", i.real_executable.display());
        assert!(i.ext_suffix.ends_with(".so"), "{}: extension suffix {:?}", i.label, i.ext_suffix);
    }
    let labels: BTreeSet<&str> = found.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(labels.len(), found.len(), "labels must be unique: {labels:?}");
    // The second discovery reads the probe cache and must agree with the first.
    let again: Vec<String> = discover().into_iter().map(|i| i.label).collect();
    assert_eq!(again, found.iter().map(|i| i.label.clone()).collect::<Vec<_>>());
}

#[test]
fn requirements_parse_and_match() {
    let dbg = Requirement::parse("3.13-dbg").unwrap();
    assert_eq!((dbg.implementation, dbg.minor, dbg.debug), (Implementation::CPython, 13, true));
    let pypy = Requirement::parse("pypy3.11").unwrap();
    assert_eq!((pypy.implementation, pypy.minor, pypy.debug), (Implementation::PyPy, 11, false));
    for bad in ["3", "python3.13", "3.x", "pypy", "3.13-debug"] {
        assert!(Requirement::parse(bad).is_err(), "{bad}");
    }
    for i in discover().iter().filter(|i| i.implementation == Implementation::CPython && !i.debug) {
        let req = Requirement::parse(&format!("3.{}", i.series().minor)).unwrap();
        assert!(req.matches(i), "{} should satisfy {}", i.label, req.text);
        assert!(!dbg.matches(i) || i.series().minor == 13);
    }
}

#[test]
fn a_missing_required_interpreter_fails_the_run() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/since_probe");
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["test", "--python", "cpython-3.10", "--require", "3.10,pypy3.11", "--spec"])
        .arg(&fixture)
        .output()
        .expect("run capi-compat test");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("MISSING required interpreter pypy3.11"), "{text}");
    assert!(!text.contains("MISSING required interpreter 3.10"), "{text}");
    assert!(text.contains("selftest: ") && !text.contains(" 0 failed"), "{text}");
}
