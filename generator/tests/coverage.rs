//! `capi-compat coverage` counts each documented addition once: provided, refused or missing.

use capi_compat::report::coverage::{compute, targets};
use std::path::Path;

#[test]
fn counts_provided_refused_and_missing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/coverage");
    let spec = capi_compat::load_spec(Some(&dir)).expect("fixture spec is valid");
    let all = targets();
    assert!(all.len() > 400, "the coverage target lists every 3.11+ addition ({} found)", all.len());
    assert!(all.iter().all(|t| t.added != "3.10"), "3.10 names are native everywhere and not targets");
    let cov = compute(&spec);
    assert_eq!(cov.provided, vec!["PyFloat_Pack2".to_string(), "PyLong_AsInt".to_string()]);
    assert_eq!(cov.refused.len(), 1);
    assert_eq!(cov.refused[0].name, "PyDict_AddWatcher");
    assert!(cov.refused[0].reason.contains("no extension can install"));
    assert_eq!(cov.missing.len(), all.len() - 3);
    assert!(!cov.missing.contains(&"capicompat_unused".to_string()));
    assert_eq!(cov.since_differs, vec!["PyFloat_Pack2: spec 3.12, docs 3.11".to_string()]);
    let total: usize = cov.by_version.values().map(|c| c.added).sum();
    assert_eq!(total, all.len());
    let v313 = &cov.by_version["3.13"];
    assert_eq!(v313.added, v313.provided + v313.refused + v313.missing);
}

#[test]
fn check_flag_fails_while_names_are_missing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/coverage");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["coverage", "--check", "--spec"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("neither provided nor refused"), "{text}");
}

/// The coverage gate: every name CPython documents as added in 3.11 … 3.15 is provided by the
/// repository's spec or refused there with a reason.
#[test]
fn the_spec_covers_every_documented_addition() {
    let spec = capi_compat::load_spec(None).expect("the embedded spec is valid");
    let cov = compute(&spec);
    assert!(cov.missing.is_empty(), "neither provided nor refused: {:?}", cov.missing);
    assert!(cov.refused.iter().all(|r| r.reason.len() >= 30), "every refusal says why");
}

#[test]
fn pypy_gets_a_count_of_cpython_310_names() {
    // the real spec: its backfills, refusals and open names split CPython 3.10's names on PyPy
    let spec = capi_compat::load_spec(None).expect("the spec is valid");
    let p = compute(&spec).pypy_cpython310;
    assert!(p.names > 1500, "CPython 3.10's universe: {}", p.names);
    assert_eq!(p.names, p.native + p.provided + p.refused + p.open);
    // backfilled 3.10 names count as provided on PyPy (Py_IsTrue, the UnicodeError accessors …)
    assert!(p.provided >= 200, "provided on PyPy: {}", p.provided);
    assert!(p.refused > 0 && p.native > 1000);
    let text = compute(&spec).render();
    assert!(text.contains(&format!(
        "PyPy 3.11, of CPython 3.10's {} public names (spec/pypy/; the PyPy probe proves the split): {} native, {} provided by the header, {} refused (refused.tsv), {} open (open.tsv)",
        p.names, p.native, p.provided, p.refused, p.open
    )));
}
