//! The since probe, run against every CPython found: it must accept the right `since` of
//! functions, constants and types, and catch a wrong one.

use capi_compat::interpreters::{discover, Implementation};
use std::path::Path;

#[test]
fn since_probe_accepts_true_versions_and_catches_a_wrong_one() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/since_probe");
    let spec = capi_compat::load_spec(Some(&dir)).expect("fixture spec is valid");
    let compiler = capi_compat::build::compiler::available().into_iter().next().expect("a C compiler");
    let interpreters: Vec<_> = discover()
        .into_iter()
        .filter(|i| i.implementation == Implementation::CPython && i.supported())
        .collect();
    assert!(!interpreters.is_empty(), "no CPython 3.10+ with headers found: the probe cannot be tested");
    let work = std::env::temp_dir().join(format!("capi-compat-since-probe-{}", std::process::id()));
    let mut wrong = Vec::new();
    for interp in &interpreters {
        std::fs::create_dir_all(&work).unwrap();
        let checks = capi_compat::selftest::interpreter::check_since(&compiler, interp, &spec, &work);
        let failed: Vec<&str> = checks.iter().filter(|c| !c.ok).map(|c| c.what.as_str()).collect();
        // PyLong_AsInt is really 3.13: `since: 3.11` is wrong on exactly 3.11 and 3.12.
        // _PyObject_LookupAttr is declared up to 3.12: Py_NewRef's claim that its body calls
        // it from 3.12 on is wrong from 3.13 (PyDict_GetItemRef's true ranges pass).
        let minor = interp.series().minor;
        let mut expected: Vec<&str> =
            if minor == 11 || minor == 12 { vec!["since of PyLong_AsInt"] } else { vec![] };
        if minor >= 13 {
            expected.push("private _PyObject_LookupAttr of Py_NewRef");
        }
        if failed != expected {
            wrong.push(format!(
                "{}: probe reported {failed:?}, expected {expected:?}: {checks:?}",
                interp.label
            ));
        }
    }
    std::fs::remove_dir_all(&work).ok();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
