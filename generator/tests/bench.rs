//! `capi-compat bench` on the newest CPython release found: both builds run, the forced/native
//! ratio is measured, and `--check` fails on a slow backport unless the spec explains it.

use capi_compat::interpreters::{discover, Implementation};
use std::path::Path;
use std::process::Command;

#[test]
fn bench_measures_the_ratio_and_check_holds_the_bar() {
    let newest = discover()
        .into_iter()
        .filter(|i| i.implementation == Implementation::CPython && i.supported() && !i.debug)
        .filter(|i| i.hexversion >= 0x030E_0000)
        .max_by_key(|i| i.hexversion)
        .expect("a CPython 3.14+ release build (scripts/provision-pythons.sh provides one)");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench");
    let json = std::env::temp_dir().join(format!("capi-compat-bench-{}.json", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["bench", "--check", "--rounds", "5", "--loop-ms", "1", "--spec"])
        .arg(&spec)
        .arg("--python")
        .arg(&newest.path)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("capi-compat runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The unexplained slow backport fails the bar; the explained one does not.
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // ... in every run of the whole module and again in a module of its own.
    assert!(stdout.contains("PyLong_AsInt forced/native"), "{stdout}");
    assert!(stdout.contains("over in the whole module and built alone"), "{stdout}");
    assert!(!stdout.contains("PyLong_GetSign (positive) forced/native"), "{stdout}");
    assert!(stdout.contains("(explained)"), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    std::fs::remove_file(&json).ok();
    let rows = report["interpreters"][0]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{report}");
    for row in rows {
        assert_eq!(row["mode"], "native-and-forced", "{row}");
        let ratio = row["ratio"].as_f64().expect("a ratio");
        // 64 conversions against one: far beyond any noise.
        assert!(ratio > 3.0, "{row}");
        assert!(row["ns"].as_f64().unwrap() > 0.0 && row["forced_ns"].as_f64().unwrap() > 0.0, "{row}");
    }
}
