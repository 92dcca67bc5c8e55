//! `test --sanitize` must catch what only a sanitizer sees: a heap overflow inside pymalloc's
//! rounding (in a backport), a use after free (in a test) and a signed overflow (in a
//! backport), each failing its own entry with the sanitizer's report, against the backport
//! where the name is missing and against the forced backport where it is native. The same
//! fixture passes without --sanitize: these faults are invisible to the plain self-test.

use std::path::Path;
use std::process::{Command, Output};

const FAULTS: [(&str, &str); 3] = [
    ("PyDict_GetItemRef", "AddressSanitizer: heap-buffer-overflow"),
    ("PyList_GetItemRef", "AddressSanitizer: heap-use-after-free"),
    ("PyDict_Pop", "runtime error: signed integer overflow"),
];

fn run(extra: &[&str]) -> (Output, String, serde_json::Value) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sanitize");
    let json_path = std::env::temp_dir().join(format!(
        "capi-compat-sanitize-{}-{}.json",
        std::process::id(),
        extra.len()
    ));
    // 3.12 runs the backports as the header's; 3.13 has the names, so its forced module runs
    // them next to the native functions.
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["test", "--python", "3.12", "--python", "3.13", "--require", "3.12,3.13", "--spec"])
        .arg(&fixture)
        .arg("--json")
        .arg(&json_path)
        .args(extra)
        .output()
        .expect("run capi-compat test");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let json = std::fs::read_to_string(&json_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("no JSON written: {}\n{text}", String::from_utf8_lossy(&output.stderr)));
    std::fs::remove_file(&json_path).ok();
    (output, text, json)
}

/// The lines of the report that belong to one entry's failure on one interpreter: from its
/// `FAILED` line to the next.
fn failure_block<'a>(text: &'a str, entry: &str, label: &str) -> Option<&'a str> {
    let head = format!("FAILED {entry} on {label}: ");
    let start = text.find(&head)?;
    let rest = &text[start + head.len()..];
    let end = rest.find("\nFAILED ").unwrap_or(rest.len());
    Some(&rest[..end])
}

#[test]
fn sanitize_fails_each_fault_in_its_own_entry() {
    let (output, text, json) = run(&["--sanitize"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the faults must fail the run: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let interpreters = json["interpreters"].as_array().expect("interpreters");
    let release: Vec<&serde_json::Value> = interpreters.iter().filter(|i| i["debug"] == false).collect();
    let versions =
        |minor: &str| release.iter().filter(|i| i["version"].as_str().unwrap().starts_with(minor)).count();
    assert!(versions("3.12") > 0 && versions("3.13") > 0, "no release 3.12 and 3.13:\n{text}");
    for interp in &release {
        let label = interp["label"].as_str().unwrap();
        let native = !interp["version"].as_str().unwrap().starts_with("3.12");
        let cells = &interp["entries"];
        assert_eq!(cells["PyLong_AsInt"], if native { "native_and_backport" } else { "backport" }, "{label}: the correct entry, after the faulty ones, must pass (the run resumes after each report)\n{text}");
        for (entry, report) in FAULTS {
            assert_eq!(cells[entry], "failed", "{label}: {entry} must fail\n{text}");
            // Where the name is native, the fault in the body shows in the forced backport;
            // the one in the test shows in both runs.
            let name = if native && entry != "PyList_GetItemRef" {
                format!("{entry} (backport forced)")
            } else {
                entry.to_string()
            };
            let block = failure_block(&text, &name, label)
                .unwrap_or_else(|| panic!("{label}: no failure of {name}:\n{text}"));
            assert!(
                block.starts_with("failed: sanitizer report") && block.contains(report),
                "{label}: {name} must fail with `{report}`, got:\n{block}"
            );
            // The report names the code it happened in: our header's body or the entry's test.
            assert!(
                block.contains("capi_compat.h:") || block.contains("sanitize.yaml:"),
                "{label}: {name}'s report does not point into the header or the test:\n{block}"
            );
        }
    }
}

#[test]
fn without_sanitize_the_faults_go_unnoticed() {
    // Debug builds' allocator hooks do see the overflow (so the run as a whole fails there);
    // release builds see nothing.
    let (_, text, json) = run(&[]);
    let release: Vec<&serde_json::Value> = json["interpreters"]
        .as_array()
        .expect("interpreters")
        .iter()
        .filter(|i| i["debug"] == false)
        .collect();
    assert!(!release.is_empty(), "no release interpreter ran:\n{text}");
    for interp in release {
        let label = interp["label"].as_str().unwrap();
        for (entry, _) in FAULTS {
            let cell = interp["entries"][entry].as_str().unwrap_or("");
            assert_ne!(
                cell, "failed",
                "{label}: {entry} fails even without the sanitizers, so the fixture proves nothing\n{text}"
            );
        }
    }
}
