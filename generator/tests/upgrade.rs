//! `capi-compat upgrade` on the fixture tree `tests/upgrade/before/`: it becomes exactly the
//! committed `tests/upgrade/after/` (every rule applied, every trap left alone), a second run
//! changes nothing, `--diff` writes nothing and is a patch `patch` and `git apply` accept, and
//! bad input is a one-line error. (That `after/` builds and passes on every interpreter, and
//! that each rule's old and new code agree, is run by scripts/test.sh: `capi-compat matrix`
//! and `capi-compat upgrade --test-rules`; a broken rule failing that test is proven here.)

mod common;

use common::{repo_root, TempDir};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(side: &str) -> PathBuf {
    repo_root().join("tests/upgrade").join(side)
}

fn files_of(dir: &Path) -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.into_iter().map(|n| (n.clone(), std::fs::read_to_string(dir.join(&n)).unwrap())).collect()
}

fn copy_before(into: &Path) -> PathBuf {
    let dir = into.join("src");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files_of(&fixture("before")) {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn capi_compat(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capi-compat")).args(args).current_dir(cwd).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_fixture_becomes_the_committed_after_tree_with_every_rule_applied() {
    let rules = capi_compat::upgrade::load_rules(None).unwrap();
    let upgraded = capi_compat::upgrade::upgrade_paths(&rules, &[fixture("before")]).unwrap();
    let after = files_of(&fixture("after"));
    assert_eq!(upgraded.len(), after.len());
    for (file, (name, expected)) in upgraded.iter().zip(&after) {
        assert_eq!(file.path.file_name().unwrap().to_string_lossy(), *name);
        pretty_assertions::assert_eq!(file.upgraded.text, *expected, "{name}");
    }
    let mut applied: Vec<&str> =
        upgraded.iter().flat_map(|f| f.upgraded.changes.iter().map(|c| c.rule.as_str())).collect();
    applied.sort();
    applied.dedup();
    let mut all: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    all.sort();
    assert_eq!(applied, all, "the fixture must exercise every rule");
}

#[test]
fn traps_keep_the_old_text() {
    let after = std::fs::read_to_string(fixture("after/_upgraded.c")).unwrap();
    for kept in [
        " * _PyLong_AsInt(x) == Py_None; Py_INCREF(o); return o; Py_TYPE(o) = t; */",
        "// x == Py_None && _PyObject_LookupAttr(o, n, &r)",
        "\"_PyLong_AsInt(x) x == Py_None Py_TYPE(o) = t;\"",
        "#if 0\nstatic int disabled(PyObject *x) { return _PyLong_AsInt(x) + (x == Py_None); }\n#endif",
        "((PyObject *)arg == Py_None)",
        "    if (borrowed)\n        Py_INCREF(result);\n    return result;",
        "static void *as_pointer(PyObject *o) {\n    Py_INCREF(o);\n    return o;",
    ] {
        assert!(after.contains(kept), "after/_upgraded.c lost {kept:?}");
    }
    let raw = std::fs::read_to_string(fixture("after/raw_strings.cpp")).unwrap();
    assert!(raw.contains("R\"py(\n_PyLong_AsInt(x) == Py_None; Py_INCREF(o); return o;\n)py\""));
    assert!(raw.contains("R\"x(\")x == Py_None)x\""));
    assert!(raw.contains("return PyLong_AsInt(o) + (Py_IsNone(o))"));
    // A compatibility layer defining the new names with the old is never rewritten (the
    // definition would call itself): a vendored pythoncapi_compat.h, or a shim of the project's.
    for untouched in ["pythoncapi_compat.h", "compat_shim.h"] {
        let before = std::fs::read_to_string(fixture("before").join(untouched)).unwrap();
        assert_eq!(std::fs::read_to_string(fixture("after").join(untouched)).unwrap(), before, "{untouched}");
    }
    let helpers = std::fs::read_to_string(fixture("after/helpers.h")).unwrap();
    assert!(helpers.contains("#define HELPER_AS_INT(obj) \\\n    PyLong_AsInt(         \\\n        (obj))"));
    assert!(!helpers.contains("capi_compat.h\""), "helpers.h has no Python.h: nothing inserted");
}

#[test]
fn write_applies_the_changes_and_a_second_run_changes_nothing() {
    let tmp = TempDir::new("upgrade-write");
    let src = copy_before(tmp.path());
    let first = capi_compat(&["upgrade", "--write", "src"], tmp.path());
    assert!(first.status.success(), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    assert!(stdout.contains("upgrade: 30 changes in 3 of 5 files (written)"), "{stdout}");
    assert!(
        stdout.contains("src/_upgraded.c:5: add `#include \"capi_compat.h\"` after this line"),
        "{stdout}"
    );
    assert_eq!(files_of(&src), files_of(&fixture("after")));
    let mtimes: Vec<_> = files_of(&src)
        .iter()
        .map(|(n, _)| std::fs::metadata(src.join(n)).unwrap().modified().unwrap())
        .collect();
    let second = capi_compat(&["upgrade", "--write", "src"], tmp.path());
    assert!(second.status.success());
    assert!(
        text(&second.stdout).contains("upgrade: 0 changes in 0 of 5 files (written)"),
        "{}",
        text(&second.stdout)
    );
    assert_eq!(files_of(&src), files_of(&fixture("after")));
    let again: Vec<_> = files_of(&src)
        .iter()
        .map(|(n, _)| std::fs::metadata(src.join(n)).unwrap().modified().unwrap())
        .collect();
    assert_eq!(mtimes, again, "unchanged files are not rewritten");
    // No temporary file is left beside the sources.
    assert_eq!(std::fs::read_dir(&src).unwrap().count(), 5);
}

#[test]
fn diff_writes_nothing_and_is_a_patch_that_patch_and_git_apply_accept() {
    let tmp = TempDir::new("upgrade-diff");
    let src = copy_before(tmp.path());
    let out = capi_compat(&["upgrade", "--diff", "src"], tmp.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(files_of(&src), files_of(&fixture("before")), "--diff must not write");
    let diff = text(&out.stdout);
    assert!(diff.starts_with("--- a/src/_upgraded.c\n+++ b/src/_upgraded.c\n@@ "), "{diff}");
    assert!(
        text(&out.stderr).contains("upgrade: 30 changes in 3 of 5 files (shown as a diff, nothing written")
    );
    assert!(text(&out.stderr)
        .contains("src/helpers.h: note: uses names of capi_compat.h but does not include Python.h"));
    let patch_file = tmp.path().join("upgrade.diff");
    std::fs::write(&patch_file, &diff).unwrap();
    let git = Command::new("git")
        .args(["apply", "--check", "upgrade.diff"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(git.status.success(), "git apply --check: {}", text(&git.stderr));
    let dry = Command::new("patch")
        .args(["-p1", "--dry-run", "-i", "upgrade.diff"])
        .current_dir(tmp.path())
        .output();
    let Ok(dry) = dry else { panic!("`patch` is needed by this test (apt-get install patch)") };
    assert!(dry.status.success(), "patch --dry-run: {}", text(&dry.stdout));
    let applied = Command::new("patch")
        .args(["-p1", "-s", "-i", "upgrade.diff"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(applied.status.success());
    assert_eq!(files_of(&src), files_of(&fixture("after")), "the patch applied gives what --write writes");
}

#[test]
fn listing_says_what_would_change_and_writes_nothing() {
    let tmp = TempDir::new("upgrade-list");
    let src = copy_before(tmp.path());
    let out = capi_compat(&["upgrade", "src/_upgraded.c"], tmp.path());
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("src/_upgraded.c:25:17: PyLong_AsInt: `_PyLong_AsInt(arg)` -> `PyLong_AsInt(arg)`"),
        "{stdout}"
    );
    assert!(stdout.contains(
        "src/_upgraded.c:83:5: Py_NewRef: `Py_INCREF(arg); return arg;` -> `return Py_NewRef(arg);`"
    ));
    assert!(
        stdout.contains("(listed only, nothing written: --diff shows them as a patch, --write applies them)")
    );
    assert_eq!(files_of(&src), files_of(&fixture("before")));
}

#[test]
fn bad_input_is_a_one_line_error() {
    let tmp = TempDir::new("upgrade-bad");
    let missing = capi_compat(&["upgrade", "nowhere.c"], tmp.path());
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(text(&missing.stderr).lines().count(), 1, "{}", text(&missing.stderr));
    assert!(text(&missing.stderr).contains("nowhere.c: no such file or directory"));
    std::fs::write(tmp.path().join("latin1.c"), b"int a;\n/* caf\xe9 */\n").unwrap();
    let latin = capi_compat(&["upgrade", "latin1.c"], tmp.path());
    assert_eq!(latin.status.code(), Some(2));
    assert_eq!(
        text(&latin.stderr).trim(),
        "error: latin1.c:2: not UTF-8 text; convert the file to UTF-8 (or leave it out) and run again"
    );
    let both = capi_compat(&["upgrade", "--diff", "--write", "x.c"], tmp.path());
    assert_eq!(both.status.code(), Some(2), "--diff and --write conflict");
}

/// A spec directory: the repository's spec with `rules.yaml` replaced by `rules`.
fn spec_with_rules(tmp: &TempDir, rules: &str) -> PathBuf {
    let spec = tmp.path().join("spec");
    std::fs::create_dir_all(spec.join("upgrade")).unwrap();
    for entry in std::fs::read_dir(repo_root().join("spec")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&path, spec.join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(spec.join("upgrade/rules.yaml"), rules).unwrap();
    spec
}

const WRONG_RULE: &str = r#"rules:
  - name: Py_IsNone
    replaces: Py_None
    uses: Py_IsTrue
    exact: deliberately wrong, to prove the side-by-side test fails
    old_available: {}
    rewrite:
      - {from: "$x == Py_None", to: "Py_IsTrue($x)"}
    test:
      code: |
        static PyObject *run(PyObject *arg) { return PyBool_FromLong(arg == Py_None); }
      inputs: ["None", "True"]
"#;

#[test]
fn rule_errors_are_placed_at_file_line_and_column() {
    let tmp = TempDir::new("upgrade-rules");
    let broken = WRONG_RULE
        .replace("{from: \"$x == Py_None\"", "{from: \"$x + Py_None\"")
        .replace("uses: Py_IsTrue", "uses: Py_IsTrue\n    simple: [y]");
    let spec = spec_with_rules(&tmp, &broken);
    let out = capi_compat(&["check-spec", "--spec", spec.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "upgrade/rules.yaml:5:14: error in entry `Py_IsNone`: `simple` names `y`, which no `from` binds"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "upgrade/rules.yaml:9:16: error in entry `Py_IsNone`: bad `from` pattern: unsupported pattern"
        ),
        "{stderr}"
    );
    let exact = WRONG_RULE.replace("replaces: Py_None", "replaces: _PyObject_LookupAttrId");
    let spec = spec_with_rules(&tmp, &exact);
    let out = capi_compat(&["check-spec", "--spec", spec.to_str().unwrap()], tmp.path());
    assert!(
        text(&out.stderr)
            .contains("`_PyObject_LookupAttrId` is not an exact replacement in spec/replaced.yaml"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_rule_that_changes_behaviour_fails_its_side_by_side_test() {
    let tmp = TempDir::new("upgrade-wrong");
    let spec = spec_with_rules(&tmp, WRONG_RULE);
    let out = capi_compat(
        &["upgrade", "--test-rules", "--python", "cpython-3.12", "--spec", spec.to_str().unwrap()],
        tmp.path(),
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("Py_IsNone: run(None): old ('returned', 'True', "), "{stdout}");
    assert!(stdout.contains("rule Py_IsNone: FAIL: not proven on any interpreter here"), "{stdout}");
}

#[test]
fn write_through_a_symlink_replaces_the_file_it_points_to() {
    let tmp = TempDir::new("upgrade-symlink");
    let real = tmp.write("real.c", "int f(PyObject *o) { return _PyLong_AsInt(o); }\n");
    std::os::unix::fs::symlink(&real, tmp.path().join("link.c")).unwrap();
    let out = capi_compat(&["upgrade", "--write", "link.c"], tmp.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::symlink_metadata(tmp.path().join("link.c")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "int f(PyObject *o) { return PyLong_AsInt(o); }\n");
}
