//! `test --alloc-fail` must catch what it promises: a backport that returns NULL without an
//! exception, one that succeeds with the failed allocation's MemoryError still set, one that
//! leaks a reference on its failure path (debug builds), and one that crashes (contained: the
//! run goes on), each named with its entry and N; a correct backport passes, and so does one
//! that leaves only cyclic garbage (collected before the balance is judged). The PyPy-only
//! backfills of CPython 3.10 names are swept too (forced), a test that reads its caller's
//! frame sees the module level the self-test gives it, and `--known` rows that match nothing
//! where their entry was swept completely (stale), or entries reaching the cap without a
//! `capped` row, fail the run.

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

/// Runs the fixture's alloc-fail sweep on 3.12 alone with a `--known` file; (exit code, stdout,
/// JSON).
fn sweep_with_known(
    known: &str,
    only: &str,
    max_allocs: &str,
    tag: &str,
) -> (Option<i32>, String, serde_json::Value) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/allocfail");
    let dir = std::env::temp_dir().join(format!("capi-compat-allocfail-known-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let known_path = dir.join("known.tsv");
    std::fs::write(&known_path, known).unwrap();
    let json_path = dir.join("result.json");
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["test", "--alloc-fail", "--max-allocs", max_allocs, "--only", only, "--spec"])
        .arg(&fixture)
        .args(["--python", "pyenv/versions/3.12.", "--require", "3.12", "--known"])
        .arg(&known_path)
        .arg("--json")
        .arg(&json_path)
        .output()
        .expect("run capi-compat test --alloc-fail");
    let text =
        format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let json = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON ({e}):\n{text}"));
    std::fs::remove_dir_all(&dir).ok();
    (output.status.code(), text, json)
}

/// A `--known` row that no finding matches any more, on an entry and interpreter swept
/// completely, is STALE: named with file:line, and the run fails. A row that matches does not
/// fail it, nor does a row for an interpreter or entry the run did not sweep, nor one whose
/// entry reached `--max-allocs` (the finding could lie beyond: not judged).
#[test]
fn alloc_fail_known_rows_that_match_nothing_fail_the_run() {
    // line 2 matches PyList_GetItemRef's defect; line 3 is stale (PyLong_FromInt32 is correct);
    // line 4 names a debug build not swept here, line 5 an entry --only leaves out, line 6 '*'
    // matches the defect on 3.12 too
    let known = "# fixture\n\
        PyList_GetItemRef\t3.12\tfail\tthe fixture's defect\n\
        PyLong_FromInt32\t3.12\tfail\tno longer occurs\n\
        PyLong_FromInt32\t3.13d\tfail\tnot swept: another interpreter\n\
        PyDict_Pop\t*\tcrash\tnot swept: --only leaves it out\n\
        PyList_GetItemRef\t*\tfail\tthe same defect, any interpreter\n";
    let (code, text, json) = sweep_with_known(known, "PyList_GetItemRef,PyLong_FromInt32", "20", "stale");
    assert_eq!(code, Some(1), "a stale row must fail the run:\n{text}");
    let rows = &json["known_rows"];
    assert_eq!(rows["stale"], 1, "{rows}\n{text}");
    assert_eq!(rows["stale_rows"][0]["entry"], "PyLong_FromInt32", "{rows}");
    assert!(rows["stale_rows"][0]["place"].as_str().unwrap().ends_with("known.tsv:3"), "{rows}");
    assert_eq!(rows["not_swept"], 2, "the 3.13d row and the PyDict_Pop row: {rows}\n{text}");
    assert_eq!(rows["not_judged"].as_array().map(Vec::len), Some(0), "{rows}");
    assert_eq!(json["failures"], 1, "only the stale row fails (the defect is known):\n{text}");
    let stale_line =
        text.lines().find(|l| l.starts_with("STALE ")).unwrap_or_else(|| panic!("no STALE line:\n{text}"));
    assert!(
        stale_line.contains("known.tsv:3: PyLong_FromInt32 3.12 fail")
            && stale_line.ends_with("remove the line"),
        "{stale_line}"
    );
    assert!(text.contains("KNOWN fail cpython-3.12"), "the matching row is reported as KNOWN:\n{text}");

    // at --max-allocs 1 both entries reach the cap. With --known, an entry that does must be
    // listed as `capped` (why its sweep stays incomplete): PyLong_FromInt32 is not, which fails
    // the run; PyList_GetItemRef's fail row still matches (its finding is at allocation 1), and
    // a leak row for PyLong_FromInt32, whose later points were not tried, is not judged
    let known = "PyList_GetItemRef\t3.12\tfail\tthe fixture's defect\n\
        PyList_GetItemRef\t3.12\tcapped\tthe cap of this test\n\
        PyLong_FromInt32\t3.12\tleak\tmight lie beyond the cap\n";
    let (code, text, json) = sweep_with_known(known, "PyList_GetItemRef,PyLong_FromInt32", "1", "capped");
    assert_eq!(code, Some(1), "an unlisted capped entry fails the run:\n{text}");
    assert_eq!(json["failures"], 1, "{text}");
    let interp = &json["interpreters"][0];
    let capped = interp["entries"]["PyLong_FromInt32"]["findings"].as_array().cloned().unwrap_or_default();
    assert!(capped.len() == 1 && capped[0]["kind"] == "capped", "{capped:?}\n{text}");
    assert!(text.contains("CAPPED cpython-3.12"), "{text}");
    let rows = &json["known_rows"];
    assert_eq!(rows["stale"], 0, "{rows}\n{text}");
    assert_eq!(rows["not_judged"][0]["entry"], "PyLong_FromInt32", "{rows}\n{text}");
    assert!(rows["not_judged"][0]["why"].as_str().unwrap().contains("reached its cap 1"), "{rows}");

    // listed, the same sweep passes: matching rows and an unjudgeable one do not fail it
    let known = format!("{known}PyLong_FromInt32\t*\tcapped\tthe cap of this test\n");
    let (code, text, json) = sweep_with_known(&known, "PyList_GetItemRef,PyLong_FromInt32", "1", "listed");
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(json["known_rows"]["stale"], 0, "{text}");
    assert!(text.contains("KNOWN capped cpython-3.12"), "{text}");

    // a capped row whose entry now completes is stale like any other
    let known = "PyLong_FromInt32\t3.12\tcapped\tno longer capped\n";
    let (code, text, json) = sweep_with_known(known, "PyLong_FromInt32", "20", "completes");
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(json["known_rows"]["stale_rows"][0]["kind"], "capped", "{text}");
}

/// A `capped:N` row gives its entry a cap of its own, below `--max-allocs`: that entry is swept
/// to N (and counts as capped, listed by the row), the others to `--max-allocs`. The fixture's
/// PyDict_GetItemRef and PyDict_ContainsString are correct, with 2 allocation points each.
#[test]
fn alloc_fail_a_capped_row_with_a_number_caps_its_entry_alone() {
    let only = "PyDict_GetItemRef,PyDict_ContainsString";
    let (code, text, json) = sweep_with_known("# none\n", only, "20", "noOwnCap");
    assert_eq!(code, Some(0), "{text}");
    let own = &json["interpreters"][0]["entries"]["PyDict_GetItemRef"];
    assert_eq!(
        (own["cap"].as_u64(), own["points"].as_u64(), own["capped"].as_bool()),
        (Some(20), Some(2), Some(false)),
        "{own}\n{text}"
    );

    let known = "PyDict_GetItemRef\t*\tcapped:1\tswept to 1 only, to keep the run short\n";
    let (code, text, json) = sweep_with_known(known, only, "20", "ownCap");
    assert_eq!(code, Some(0), "{text}");
    let entries = &json["interpreters"][0]["entries"];
    let own = &entries["PyDict_GetItemRef"];
    assert_eq!(
        (own["cap"].as_u64(), own["points"].as_u64(), own["capped"].as_bool()),
        (Some(1), Some(1), Some(true)),
        "{own}\n{text}"
    );
    let other = &entries["PyDict_ContainsString"];
    assert_eq!(
        (other["cap"].as_u64(), other["points"].as_u64(), other["capped"].as_bool()),
        (Some(20), Some(2), Some(false)),
        "{other}\n{text}"
    );
    assert!(
        text.contains("KNOWN capped cpython-3.12")
            && text.contains("PyDict_GetItemRef on cpython-3.12.1 (cap 1)"),
        "{text}"
    );

    // the global cap still bounds it: --max-allocs below the row's N wins
    let known = "PyDict_GetItemRef\t*\tcapped:5\tswept to 5 at most\n";
    let (code, text, json) = sweep_with_known(known, "PyDict_GetItemRef", "1", "globalWins");
    assert_eq!(code, Some(0), "{text}");
    let own = &json["interpreters"][0]["entries"]["PyDict_GetItemRef"];
    assert_eq!((own["cap"].as_u64(), own["points"].as_u64()), (Some(1), Some(1)), "{own}\n{text}");
}
