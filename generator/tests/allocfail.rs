//! `test --alloc-fail` must catch what it promises: a backport that returns NULL without an
//! exception, one that succeeds with the failed allocation's MemoryError still set, one that
//! leaks a reference on its failure path (debug builds), and one that crashes (contained: the
//! run goes on), each named with its entry and N; a correct backport passes.

use std::path::Path;
use std::process::Command;

#[test]
fn alloc_fail_reports_each_kind_of_defect_with_its_entry_and_n() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/allocfail");
    let json_path = std::env::temp_dir().join(format!("capi-compat-allocfail-{}.json", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["test", "--alloc-fail", "--max-allocs", "20", "--spec"])
        .arg(&fixture)
        .arg("--json")
        .arg(&json_path)
        .output()
        .expect("run capi-compat test --alloc-fail");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "defects must exit 1:\n{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    std::fs::remove_file(&json_path).ok();
    let interpreters = json["interpreters"].as_array().expect("interpreters");
    assert!(!interpreters.is_empty(), "no interpreter ran:\n{text}");
    assert!(
        interpreters.iter().any(|i| i["debug"] == true && i["leak_checked"] == true),
        "no debug interpreter ran (scripts/provision-pythons.sh): the leak check cannot be proven\n{text}"
    );
    for interp in interpreters {
        let label = interp["label"].as_str().unwrap();
        assert_eq!(
            interp["build_failures"].as_array().map(Vec::len),
            Some(0),
            "{label}: build failed\n{text}"
        );
        let entry = |name: &str| &interp["entries"][name];
        let findings = |name: &str| entry(name)["findings"].as_array().cloned().unwrap_or_default();
        let only_finding = |name: &str, kind: &str, n: u64, detail: &str| {
            let found = findings(name);
            assert_eq!(found.len(), 1, "{label}: {name} must have one finding:\n{text}");
            assert_eq!(found[0]["kind"], kind, "{label}: {name}:\n{text}");
            assert_eq!(found[0]["n"], n, "{label}: {name}:\n{text}");
            assert!(found[0]["detail"].as_str().unwrap().contains(detail), "{label}: {name}: {}", found[0]);
        };
        // correct: every allocation point tried, each an error with an exception
        let good = entry("PyLong_FromInt32");
        if !good.is_null() {
            assert!(
                findings("PyLong_FromInt32").is_empty(),
                "{label}: the correct backport must pass\n{text}"
            );
            assert!(good["points"].as_u64().unwrap() >= 1, "{label}: no allocation point tried\n{text}");
            assert!(good["exceptions"].as_str().unwrap().contains("MemoryError"), "{label}: {good}");
        }
        only_finding("PyList_GetItemRef", "fail", 1, "returned NULL without an exception");
        only_finding("PyLong_AsInt", "fail", 1, "returned a success value with MemoryError set");
        only_finding("PyDict_Pop", "crash", 1, "the interpreter died");
        if interp["debug"] == true {
            only_finding("PyDict_GetItemRef", "leak", 2, "the total reference count grew by [1, 1, 1]");
        } else {
            assert!(
                findings("PyDict_GetItemRef").is_empty(),
                "{label}: a leak is not visible without a debug build"
            );
            assert_eq!(entry("PyDict_GetItemRef")["points"], 2, "{label}\n{text}");
        }
    }
    for needle in [
        "FAIL cpython-3.10.13 PyList_GetItemRef at allocation 1 in PyList_GetItemRef (malloc of",
        "CRASH cpython-3.14.10 PyDict_Pop (backport forced) at allocation 1",
        "LEAK cpython-3.15.2-dbg PyDict_GetItemRef (backport forced) at allocation 2 in PyDict_GetItemRef",
    ] {
        if interpreters.iter().any(|i| needle.contains(&format!(" {} ", i["label"].as_str().unwrap()))) {
            assert!(text.contains(needle), "the report lacks `{needle}`:\n{text}");
        }
    }
}
