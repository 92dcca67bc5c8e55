//! `test --alloc-fail` must catch what it promises: a backport that returns NULL without an
//! exception, one that succeeds with the failed allocation's MemoryError still set, one that
//! leaks a reference on its failure path (debug builds), and one that crashes (contained: the
//! run goes on), each named with its entry and N; a correct backport passes, and so does one
//! that leaves only cyclic garbage (collected before the balance is judged). The PyPy-only
//! backfills of CPython 3.10 names are swept too (forced), and a test that reads its caller's
//! frame sees the module level the self-test gives it.

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
        // cyclic garbage left on a failure path is collected before the balance is judged
        // (the run keeps the collector disabled: the judge must enable it to collect), while
        // PyDict_GetItemRef's real leak below is still reported
        let cyclic = entry("PyDict_ContainsString");
        assert!(
            findings("PyDict_ContainsString").is_empty(),
            "{label}: cyclic garbage is not a leak\n{text}"
        );
        assert!(cyclic["points"].as_u64().unwrap() >= 1, "{label}: no allocation point tried\n{text}");
        only_finding("PyList_GetItemRef", "fail", 1, "returned NULL without an exception");
        only_finding("PyLong_AsInt", "fail", 1, "returned a success value with MemoryError set");
        only_finding("PyDict_Pop", "crash", 1, "the interpreter died");
        // the spec's `errors:` contracts: 0 without an exception is this function's error
        // report, not a success value; a MemoryError with the other's -1 is a defect
        let silent = entry("PyUnstable_Type_AssignVersionTag");
        assert!(
            findings("PyUnstable_Type_AssignVersionTag").is_empty(),
            "{label}: an error reported as documented\n{text}"
        );
        assert!(silent["errors"].as_u64().unwrap() >= 1, "{label}: {silent}");
        only_finding("PyThread_set_stacksize", "fail", 1, "but it reports errors without an exception");
        // a PyPy-only backfill of a CPython 3.10 name is in the whole-spec sweep (forced)
        only_finding("PyUnicode_RichCompare", "fail", 1, "returned NULL without an exception");
        assert_eq!(entry("PyUnicode_RichCompare")["forced"], true, "{label}: must run our backfill\n{text}");
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

/// PyEval_GetFrameLocals' test reads its caller's frame: the driver must call each run from a
/// frame of the kind the self-test gives it (module level, whose locals are its globals, with a
/// `__name__` as PyEval_GetFrameGlobals' test expects), not from a function with locals of its
/// own. Before, it failed with no allocation failed. And the
/// frame object CPython makes lazily for that frame must not count as a reference the tested
/// call leaked (PyConfig_Get: an unraisable exception's traceback makes it, on 3.13+).
#[test]
fn alloc_fail_calls_tests_from_a_frame_like_the_self_tests() {
    let json_path =
        std::env::temp_dir().join(format!("capi-compat-allocfail-frame-{}.json", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args([
            "test",
            "--alloc-fail",
            "--max-allocs",
            "30",
            "--only",
            "PyEval_GetFrameLocals,PyEval_GetFrameGlobals,PyConfig_Get",
        ])
        .args([
            "--python",
            "pyenv/versions/3.12.",
            "--python",
            "cpython-3.14-dbg/",
            "--require",
            "3.12,3.14-dbg",
        ])
        .arg("--json")
        .arg(&json_path)
        .output()
        .expect("run capi-compat test --alloc-fail");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "no finding expected:\n{text}\n{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    std::fs::remove_file(&json_path).ok();
    let interpreters = json["interpreters"].as_array().expect("interpreters");
    assert_eq!(interpreters.len(), 2, "3.12 and 3.14-dbg must both run:\n{text}\n{stderr}");
    assert!(
        interpreters.iter().any(|i| i["leak_checked"] == true),
        "the debug build must check leaks\n{text}"
    );
    for interp in interpreters {
        for name in ["PyEval_GetFrameLocals", "PyEval_GetFrameGlobals", "PyConfig_Get"] {
            let entry = &interp["entries"][name];
            assert_eq!(entry["findings"].as_array().map(Vec::len), Some(0), "{name}: {entry}\n{text}");
            // it ran (a run that completes without reaching N is judged too: a failed test
            // would be a finding), and where its calls allocate, N was walked
            assert!(entry.is_object() && entry["not_run"].is_null(), "{name} did not run: {entry}\n{text}");
            if name != "PyEval_GetFrameGlobals" {
                assert!(
                    entry["points"].as_u64().unwrap_or(0) >= 1,
                    "{name}: no allocation point tried: {entry}"
                );
            }
        }
    }
}
