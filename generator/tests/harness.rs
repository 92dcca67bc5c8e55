//! The self-test harness must catch what it promises to catch: a failed CHECK, a wrong
//! exception type, and (on debug builds) a leaked reference, against the native function
//! and against the forced backport alike. A harness that cannot fail proves nothing.

use std::path::Path;
use std::process::Command;

#[test]
fn harness_reports_each_kind_of_defect() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/harness");
    let json_path = std::env::temp_dir().join(format!("capi-compat-harness-{}.json", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["test", "--spec"])
        .arg(&fixture)
        .arg("--json")
        .arg(&json_path)
        .output()
        .expect("run capi-compat test");
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failing spec must exit 1: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    std::fs::remove_file(&json_path).ok();
    let interpreters = json["interpreters"].as_array().expect("interpreters");
    assert!(!interpreters.is_empty(), "no interpreter ran:\n{text}");
    let debug: Vec<&serde_json::Value> = interpreters.iter().filter(|i| i["debug"] == true).collect();
    assert!(
        !debug.is_empty(),
        "no debug interpreter found (run scripts/provision-pythons.sh): the leak check cannot be proven"
    );
    for interp in interpreters {
        let label = interp["label"].as_str().unwrap();
        let cells = &interp["entries"];
        let passing = ["backport", "native", "native_and_backport"];
        assert!(
            passing.contains(&cells["PyLong_AsInt"].as_str().unwrap_or("")),
            "{label}: the correct test must pass\n{text}"
        );
        for broken in ["PyDict_GetItemRef", "PyDict_Pop"] {
            assert_eq!(cells[broken], "failed", "{label}: {broken} must fail\n{text}");
        }
        let leak_expected = interp["debug"] == true;
        let leaked = cells["PyList_GetItemRef"] == "failed";
        assert_eq!(
            leaked, leak_expected,
            "{label}: the leaking test must fail exactly on debug builds\n{text}"
        );
    }
    for needle in [
        "CHECK(r == 12345) failed",
        "wrong exception, expected PyExc_TypeError",
        "leaked: sys.gettotalrefcount() grew",
    ] {
        assert!(text.contains(needle), "the report lacks `{needle}`:\n{text}");
    }
}
