//! `capi-compat scan` on the fixture tree `tests/fixtures/scan/`: what is reported and what is
//! not (names in comments, strings, raw strings, `#if 0`, unused macros), `--check`'s exit
//! status, the JSON's shape, and bad input. The tokenizer's own cases are unit tests in
//! `src/scan/tokenize.rs`.

mod common;

use common::{fixtures_dir, TempDir};
use std::path::Path;
use std::process::{Command, Output};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run capi-compat")
}

fn fixture() -> std::path::PathBuf {
    fixtures_dir().join("scan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The lines of the report's block for one name (its heading and the indented lines under it).
fn block<'a>(report: &'a str, name: &str) -> Vec<&'a str> {
    let mut lines =
        report.lines().skip_while(|l| !l.starts_with(&format!("  {name}  ")) && *l != format!("  {name}"));
    let Some(first) = lines.next() else { panic!("no block for {name} in:\n{report}") };
    std::iter::once(first).chain(lines.take_while(|l| l.starts_with("    "))).collect()
}

fn uses(report: &str, name: &str) -> Vec<String> {
    block(report, name)
        .iter()
        .filter(|l| l.starts_with("    src/") || l.starts_with("    docs/"))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn reports_uses_and_only_uses() {
    let out = run_in(&fixture(), &["scan", "src", "docs"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.starts_with("scanned 3 files for CPython 3.10–3.15 and PyPy 3.11\n"), "{report}");
    // Comments (with a splice), strings, a raw string, #if 0 and the .txt file hold no uses:
    // each name is reported at its real use only.
    assert_eq!(uses(&report, "_PyLong_AsInt"), ["src/module.c:21:12"]);
    assert_eq!(uses(&report, "_Py_IsFinalizing"), ["src/module.c:35:38 (only on < 3.13)"]);
    assert_eq!(uses(&report, "PyDict_GetItem"), ["src/module.c:55:23"]);
    // A splice inside the name, in a macro the code uses; and a macro nothing uses.
    assert_eq!(uses(&report, "_PyObject_LookupAttr"), ["src/compat.h:2:30 (in macro LOOKUP_ATTR)"]);
    assert_eq!(
        uses(&report, "PyWeakref_GetObject"),
        ["src/compat.h:4:23 (in macro NEVER_USED, which nothing scanned uses)"]
    );
    // A removed private: its replacement, exact, and how the header provides it.
    let long = block(&report, "_PyLong_AsInt").join("\n");
    assert!(
        long.contains("(function, private, removed in 3.13) — used where CPython no longer has it"),
        "{long}"
    );
    assert!(long.contains("use PyLong_AsInt: exact, rename it"), "{long}");
    assert!(
        long.contains("PyLong_AsInt with capi_compat.h: backport on 3.10–3.12, native on 3.13–3.15"),
        "{long}"
    );
    // A discouraged name: not exact, with the change the code needs.
    let get = block(&report, "PyDict_GetItem").join("\n");
    assert!(get.contains("use PyDict_GetItemRef: not exact: ") && get.contains("strong reference"), "{get}");
    // Spec names with their status; the C++ file is read.
    assert_eq!(
        block(&report, "PyDict_GetItemRef")[0],
        "  PyDict_GetItemRef  backport on 3.10–3.12, native on 3.13–3.15, backport on PyPy 3.11"
    );
    assert_eq!(uses(&report, "PyLong_AsInt"), ["src/sub/raw.cpp:4:36"]);
    assert_eq!(uses(&report, "Py_IsFinalizing"), ["src/module.c:37:38 (only on >= 3.13)"]);
    // Refused: with the reason; a use under `#ifdef NAME` is not a refusal, `#ifdef` no use.
    let refused = report.split("Refused by capi_compat.h (1):\n").nth(1).expect("a refused section");
    assert!(
        refused.starts_with("  PyFrozenDict_New  refused on 3.10, 3.11, 3.12, 3.13, 3.14, PyPy 3.11: "),
        "{refused}"
    );
    assert_eq!(uses(&report, "Py_mod_gil"), ["src/module.c:59:28 (only where defined)"]);
    // Other private names.
    assert_eq!(uses(&report, "_PyType_Lookup"), ["src/module.c:61:59"]);
    assert!(report.ends_with(
        "summary: 5 spec names, 5 replaced names (2 removed where the code is compiled), 1 refused name, 1 other private name\n"
    ));
}

#[test]
fn check_fails_on_removed_names_compiled_where_they_are_gone() {
    let out = run_in(&fixture(), &["scan", "--check", "src"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stderr(&out),
        "error: the code uses names CPython removed, where a supported version compiles it: \
         _PyLong_AsInt (removed in 3.13), _PyObject_LookupAttr (removed in 3.13) (see above for the replacements)\n"
    );
    // The guarded _Py_IsFinalizing and the unused macro's PyWeakref_GetObject do not count;
    // a file without the removed uses passes.
    let out = run_in(&fixture(), &["scan", "--check", "src/sub/raw.cpp"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn min_narrows_the_interpreters() {
    let out = run_in(&fixture(), &["scan", "--min", "3.13", "src/module.c"]);
    let report = stdout(&out);
    assert!(report.starts_with("scanned 1 file for CPython 3.13–3.15\n"), "{report}");
    assert_eq!(block(&report, "PyDict_GetItemRef")[0], "  PyDict_GetItemRef  native on 3.13–3.15");
}

#[test]
fn json_has_every_group() {
    let dir = TempDir::new("scan-json");
    let json = dir.path().join("scan.json");
    let out = run_in(&fixture(), &["scan", "src", "--json", json.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["min"], "3.10");
    assert_eq!(
        v["interpreters"],
        serde_json::json!(["3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "pypy3.11"])
    );
    assert_eq!(v["files"], serde_json::json!(["src/compat.h", "src/module.c", "src/sub/raw.cpp"]));
    let spec_name =
        v["spec_names"].as_array().unwrap().iter().find(|s| s["name"] == "PyDict_GetItemRef").unwrap();
    assert_eq!(spec_name["kind"], "function");
    assert_eq!(spec_name["since"], "3.13");
    assert_eq!(spec_name["status"]["3.12"], "backport");
    assert_eq!(spec_name["status"]["3.13"], "native");
    assert_eq!(spec_name["status"]["pypy3.11"], "backport");
    assert_eq!(spec_name["uses"], serde_json::json!([{"file": "src/module.c", "line": 28, "column": 9}]));
    let replaced = v["replaced"].as_array().unwrap();
    let long = replaced.iter().find(|r| r["name"] == "_PyLong_AsInt").unwrap();
    assert_eq!(long["removed"], "3.13");
    assert_eq!(long["replacement"], "PyLong_AsInt");
    assert_eq!(long["exact"], true);
    assert_eq!(long["private"], true);
    assert_eq!(long["breaks"], true);
    assert_eq!(long["replacement_status"]["3.13"], "native");
    let guarded = replaced.iter().find(|r| r["name"] == "_Py_IsFinalizing").unwrap();
    assert_eq!(guarded["breaks"], false);
    assert_eq!(guarded["uses"][0]["only_on"], "< 3.13");
    let weak = replaced.iter().find(|r| r["name"] == "PyWeakref_GetObject").unwrap();
    assert_eq!(weak["uses"][0]["unused_macro"], true);
    assert_eq!(weak["uses"][0]["in_macro"], "NEVER_USED");
    assert_eq!(v["refused"][0]["name"], "PyFrozenDict_New");
    assert!(v["refused"][0]["reason"].as_str().unwrap().contains("frozendict"));
    assert_eq!(v["private"][0]["name"], "_PyType_Lookup");
}

#[test]
fn files_that_are_not_utf8_are_read_and_said_so() {
    let dir = TempDir::new("scan-latin1");
    std::fs::write(dir.path().join("old.c"), b"/* caf\xe9 */ int x = _PyLong_AsInt(o);\n").unwrap();
    let out = run_in(dir.path(), &["scan", "old.c"]);
    let report = stdout(&out);
    assert!(
        report.contains("note: old.c is not UTF-8: read with U+FFFD for the bytes that are not\n"),
        "{report}"
    );
    assert_eq!(block(&report, "_PyLong_AsInt").last().copied(), Some("    old.c:1:20"));
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let out = run_in(&fixture(), &["scan", "src", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: nope: no such file or directory (give C/C++ files or directories to scan)\n"
    );
    assert!(out.stdout.is_empty());

    let out = run_in(&fixture(), &["scan", "--min", "junk", "src"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid value 'junk' for '--min <X.Y>'"), "{}", stderr(&out));
    let out = run_in(&fixture(), &["scan", "--min", "3.9", "src"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("3.9"), "{}", stderr(&out));

    let out = run_in(&fixture(), &["scan", "docs"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: no C or C++ files under docs: give .c/.h/.cpp/... files or directories holding them\n"
    );
    let out = run_in(&fixture(), &["scan"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A vendored pythoncapi_compat.h (zstandard, backports.zstd, bitarray, multidict ship one)
/// uses, under its version guards, the private API it backports from: `_Py_HashBytes`, removed
/// from 3.13's headers, made `scan --check` fail on zstandard 0.25.0's `c-ext` for code the
/// project never wrote, and 386 of its 429 reported uses were the layer's. The layer (by file
/// name, or by its include guard in a renamed copy) and our own headers are left out, and said so.
#[test]
fn vendored_compatibility_layers_are_not_scanned() {
    let project = fixtures_dir().join("vendored-layers");
    let dir = TempDir::new("scan-layers");
    let json = dir.path().join("scan.json");
    // Our own header beside them, as a project that switched would have it.
    std::fs::copy(project.join("ext/module.c"), dir.path().join("module.c")).unwrap();
    let ours = run_in(dir.path(), &["gen", "--only", "PyDict_GetItemRef", "-o", "capi_compat.h"]);
    assert!(ours.status.success(), "{}", stderr(&ours));
    let out = run_in(
        &project,
        &["scan", "--check", "ext", dir.path().to_str().unwrap(), "--json", json.to_str().unwrap()],
    );
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
    assert!(report.starts_with("scanned 2 files for CPython 3.10–3.15 and PyPy 3.11\n"), "{report}");
    for layer in ["ext/pythoncapi_compat.h", "ext/vendor/renamed_compat.h"] {
        assert!(
            report.contains(&format!(
                "note: {layer} not scanned: pythoncapi-compat's header, a compatibility layer, not your code\n"
            )),
            "{report}"
        );
    }
    let our_note = format!(
        "note: {} not scanned: a header capi-compat wrote, a compatibility layer, not your code\n",
        dir.path().join("capi_compat.h").display()
    );
    assert!(report.contains(&our_note), "{report}");
    for name in ["_Py_HashBytes", "_PyLong_AsInt", "_PyUnicode_Equal", "Py_HashBuffer", "PyLong_AsInt"] {
        assert!(!report.contains(name), "{name} is the layer's, not the code's:\n{report}");
    }
    assert!(block(&report, "PyDict_GetItemRef").iter().any(|l| l.trim() == "ext/module.c:11:9"), "{report}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["files"].as_array().unwrap().len(), 2);
    // Sorted by path: the temporary directory (absolute) before `ext/`.
    assert_eq!(v["skipped_layers"][0]["layer"], "capi_compat");
    assert_eq!(
        v["skipped_layers"][1],
        serde_json::json!({"file": "ext/pythoncapi_compat.h", "layer": "pythoncapi_compat"})
    );
    assert_eq!(v["skipped_layers"][2]["layer"], "pythoncapi_compat");

    // Nothing but a layer: a usage error, not an empty report.
    let only = run_in(&project, &["scan", "ext/pythoncapi_compat.h"]);
    assert_eq!(only.status.code(), Some(2));
    assert!(
        stderr(&only).contains("only compatibility layers to scan (ext/pythoncapi_compat.h: "),
        "{}",
        stderr(&only)
    );
}
