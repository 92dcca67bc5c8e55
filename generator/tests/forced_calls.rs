//! In the self-test's forced build (CAPI_COMPAT_FORCE_BACKPORTS) the tests call our backports
//! of names the interpreter has, while a backport's own call of such a name reaches the
//! interpreter's function, as it does without forcing. The fixture's PyLong_AsInt backport
//! raises ValueError where CPython's raises OverflowError; PyLong_IsPositive's backport calls
//! PyLong_AsInt, and its test checks which error came back: CPython's from 3.13 on, in the
//! plain and the forced build alike, and the backport's on 3.12.

use std::path::Path;
use std::process::Command;

#[test]
fn a_forced_backport_calls_the_native_function_and_the_test_the_forced_backport() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/forced_calls");
    let json_path =
        std::env::temp_dir().join(format!("capi-compat-forced-calls-{}.json", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args([
            "test",
            "--python",
            "pyenv/versions/3.12.",
            "--python",
            "cpython-3.13/",
            "--python",
            "cpython-3.14/",
        ])
        .args(["--require", "3.12,3.13,3.14", "--spec"])
        .arg(&fixture)
        .arg("--json")
        .arg(&json_path)
        .output()
        .expect("run capi-compat test");
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = std::fs::read_to_string(&json_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("no JSON written:\n{text}"));
    std::fs::remove_file(&json_path).ok();
    assert_eq!(output.status.code(), Some(0), "every test passes:\n{text}");
    let mut seen = std::collections::BTreeSet::new();
    for interp in json["interpreters"].as_array().expect("interpreters") {
        let version = interp["version"].as_str().unwrap();
        let minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
        // Each test ran against the forced backport wherever the name is native.
        let (as_int, is_positive) = match minor.as_str() {
            "3.12" => ("backport", "backport"),
            "3.13" => ("native_and_backport", "backport"),
            _ => ("native_and_backport", "native_and_backport"),
        };
        let cells = &interp["entries"];
        assert_eq!(cells["PyLong_AsInt"], as_int, "{version}:\n{text}");
        assert_eq!(cells["PyLong_IsPositive"], is_positive, "{version}:\n{text}");
        seen.insert(minor);
    }
    assert_eq!(seen.len(), 3, "3.12, 3.13 and 3.14 must all have run: {seen:?}\n{text}");
}
