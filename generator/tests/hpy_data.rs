//! The HPy layer's data goes through the spec's source and diagnostics: `--spec DIR` reads
//! `DIR/hpy/`, and its problems are reported with file:line:column, all at once, together
//! with the API spec's.

mod common;

use common::TempDir;
use std::path::Path;
use std::process::Command;

fn spec_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec"))
}

/// A copy of the repository's spec (with `hpy/`) in a temporary directory.
fn copy_of_spec(label: &str) -> TempDir {
    let dir = TempDir::new(label);
    for sub in ["", "hpy"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(spec_dir().join(sub)).unwrap().flatten() {
            if entry.path().extension().is_some_and(|e| e == "yaml") {
                std::fs::copy(entry.path(), dir.path().join(sub).join(entry.file_name())).unwrap();
            }
        }
    }
    dir
}

fn run(args: &[&str]) -> (i32, String, String) {
    let output =
        Command::new(env!("CARGO_BIN_EXE_capi-compat")).args(args).output().expect("running capi-compat");
    (
        output.status.code().expect("capi-compat exited normally"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn gen_hpy_reads_the_hpy_data_of_spec_dir() {
    let dir = copy_of_spec("hpy-spec-copy");
    let spec = dir.path().to_str().unwrap();
    let embedded = run(&["gen", "--hpy"]);
    let copied = run(&["gen", "--hpy", "--spec", spec]);
    assert_eq!(embedded.0, 0, "{}", embedded.2);
    assert_eq!(copied, embedded, "the same data gives the same header");

    // A change in DIR/hpy/ shows in the header generated from DIR.
    edit(&dir.path().join("hpy/custom.yaml"), "- name: HPy_Is\n", "- name: HPy_Is\n  # marker\n");
    let marker = "return capicompat_hpy_h2py(obj) == capicompat_hpy_h2py(other); /* from DIR */";
    let custom = dir.path().join("hpy/custom.yaml");
    let text = std::fs::read_to_string(&custom).unwrap();
    let body_at = text.find("- name: HPy_Is\n").unwrap();
    let body_end = body_at + text[body_at..].find("\n- name:").unwrap();
    let entry = format!("- name: HPy_Is\n  body: |\n    (void)ctx;\n    {marker}\n");
    std::fs::write(&custom, format!("{}{entry}{}", &text[..body_at], &text[body_end + 1..])).unwrap();
    let (status, header, stderr) = run(&["gen", "--hpy", "--spec", spec]);
    assert_eq!(status, 0, "{stderr}");
    assert!(header.contains(marker), "the header does not use DIR/hpy/custom.yaml");
}

#[test]
fn hpy_problems_are_reported_with_file_line_and_entry_all_at_once() {
    let dir = copy_of_spec("hpy-spec-bad");
    let spec = dir.path().to_str().unwrap();
    // One problem in the API spec, one YAML error in api.yaml, a duplicate custom entry in
    // runtime.yaml: check-spec names all three.
    edit(&dir.path().join("dict.yaml"), "kind: function", "kind: funktion");
    edit(&dir.path().join("hpy/context.yaml"), "handles:", "handles: [");
    let runtime = dir.path().join("hpy/runtime.yaml");
    let text = std::fs::read_to_string(&runtime).unwrap();
    std::fs::write(&runtime, format!("{text}\n- name: HPy_Is\n  body: return 0;\n")).unwrap();

    let (status, stdout, stderr) = run(&["check-spec", "--spec", spec]);
    assert_eq!((status, stdout.as_str()), (2, ""), "{stderr}");
    let dict = dir.path().join("dict.yaml").display().to_string();
    let context = dir.path().join("hpy/context.yaml").display().to_string();
    assert!(stderr.contains(&format!("{dict}:")) && stderr.contains("unknown kind `funktion`"), "{stderr}");
    let context_line =
        stderr.lines().find(|l| l.starts_with(&format!("{context}:"))).unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        context_line.split(':').nth(1).is_some_and(|n| n.parse::<u32>().is_ok()),
        "no line: {context_line}"
    );

    // With context.yaml fixed, the duplicate is reported at its own line in runtime.yaml.
    std::fs::copy(spec_dir().join("hpy/context.yaml"), dir.path().join("hpy/context.yaml")).unwrap();
    let (status, _, stderr) = run(&["check-spec", "--spec", spec]);
    assert_eq!(status, 2);
    let lines = std::fs::read_to_string(&runtime).unwrap().lines().count();
    let expected = format!("{}:{}:", runtime.display(), lines - 1);
    assert!(
        stderr.contains(&expected) && stderr.contains("error in entry `HPy_Is`: already defined at "),
        "want {expected}…: {stderr}"
    );
    assert!(stderr.contains("unknown kind `funktion`"), "the API spec's problem is reported too: {stderr}");
    assert!(stderr.trim_end().ends_with("the spec has 2 errors"), "{stderr}");
}

#[test]
fn a_spec_dir_without_hpy_data_says_what_is_missing() {
    let dir = copy_of_spec("hpy-spec-missing");
    std::fs::remove_dir_all(dir.path().join("hpy")).unwrap();
    let spec = dir.path().to_str().unwrap();
    // The API spec alone is fine for everything but --hpy.
    let (status, stdout, stderr) = run(&["check-spec", "--spec", spec]);
    assert_eq!(status, 0, "{stderr}");
    assert!(!stdout.contains("HPy data"), "{stdout}");
    let (status, stdout, stderr) = run(&["gen", "--hpy", "--spec", spec]);
    assert_eq!((status, stdout.as_str()), (2, ""));
    let expected = format!(
        "{}: error: no HPy data here: the HPy layer (--hpy) reads its *.yaml files from this directory\n",
        dir.path().join("hpy").display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(stderr.trim_end().ends_with("the spec has 1 error"), "{stderr}");

    // One file missing: that file is named.
    let dir = copy_of_spec("hpy-spec-one-missing");
    std::fs::remove_file(dir.path().join("hpy/slots.yaml")).unwrap();
    let (status, _, stderr) = run(&["gen", "--hpy", "--spec", dir.path().to_str().unwrap()]);
    assert_eq!(status, 2);
    let expected = format!(
        "{}: error: the HPy layer's data file is missing",
        dir.path().join("hpy/slots.yaml").display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
}

#[test]
fn check_spec_reports_the_hpy_data() {
    let (status, stdout, stderr) = run(&["check-spec"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.contains("\nHPy data OK: HPy 0.9.0, "), "{stdout}");
}

/// The line (1-based) of the first line of `path` that starts with `prefix`, at or after the
/// line `after` (1-based, 0 for the start).
fn line_of(path: &Path, prefix: &str, after: usize) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let at = text.lines().enumerate().skip(after).find(|(_, l)| l.starts_with(prefix));
    at.unwrap_or_else(|| panic!("{} has no line starting with `{prefix}`", path.display())).0 + 1
}

#[test]
fn every_hpy_data_check_reports_file_line_and_column() {
    // (label, file, edit from, edit to, where the error must stand: the line starting with
    // this (after the line starting with the other, if any) and the column, the message)
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        (&'static str, &'static str, u32),
        &'static str,
    );
    let cases: &[Case] = &[
        (
            "handle count: where the list starts",
            "context.yaml",
            "- name: h_None\n  ctx_index: 0\n",
            "- name: h_None\n  beyond_0_9: not really\n  ctx_index: 0\n",
            ("- name: h_None", "", 3),
            "error: 82 handles of 0.9, but HPy 0.9's context has 83",
        ),
        (
            "handle order: at the handle out of place",
            "context.yaml",
            "- name: h_None\n  ctx_index: 0\n",
            "- name: h_None\n  ctx_index: 9999\n",
            ("- name: ", "- name: h_None", 3),
            "error in entry `h_True`: comes after h_None but has a lower ctx_index",
        ),
        (
            "a missing enum: where `enums:` starts",
            "definitions.yaml",
            "  HPyType_SpecParam_Kind:\n",
            "  HPyType_SpecParam_Kind_Renamed:\n",
            ("  ", "enums:", 3),
            "error in entry `HPyType_SpecParam_Kind`: the enum is missing",
        ),
        (
            "an enum without values: at the enum",
            "definitions.yaml",
            "    values:\n      - {name: HPyType_SpecParam_Base",
            "    values: []\n    unused:\n      - {name: HPyType_SpecParam_Base",
            ("    ", "  HPyType_SpecParam_Kind:", 5),
            "error in entry `HPyType_SpecParam_Kind`: the enum has no values",
        ),
        (
            "a slot's unknown signature: at the slot",
            "slots.yaml",
            "- name: HPy_nb_add\n  value: 7\n  cpython_slot: Py_nb_add\n  hpyfunc: HPyFunc_BINARYFUNC\n",
            "- name: HPy_nb_add\n  value: 7\n  cpython_slot: Py_nb_add\n  hpyfunc: HPyFunc_NOSUCH\n",
            ("- name: HPy_nb_add", "", 3),
            "error in entry `HPy_nb_add`: the slot names the unknown signature HPyFunc_NOSUCH",
        ),
        (
            "a signature whose trampoline cannot be derived: at the signature",
            "slots.yaml",
            "typedef: typedef HPy (*HPyFunc_getter)(HPyContext *ctx, HPy, void *)",
            "typedef: typedef HPy (*HPyFunc_getter)(HPy, void *)",
            ("- name: HPyFunc_GETTER", "", 3),
            "error in entry `HPyFunc_GETTER`: the impl does not take the context first",
        ),
        (
            "a hand-written trampoline's signature without a typedef: at the signature",
            "slots.yaml",
            "  typedef: typedef void (*HPyFunc_destroyfunc)(void *)\n",
            "",
            ("- name: HPyFunc_DESTROYFUNC", "", 3),
            "error in entry `HPyFunc_DESTROYFUNC`: the hand-written trampoline has no typedef",
        ),
    ];
    for (label, file, from, to, (prefix, after, column), message) in cases {
        let dir = copy_of_spec("hpy-spec-located");
        let path = dir.path().join("hpy").join(file);
        edit(&path, from, to);
        let (status, stdout, stderr) = run(&["check-spec", "--spec", dir.path().to_str().unwrap()]);
        assert_eq!((status, stdout.as_str()), (2, ""), "{label}: {stderr}");
        let after = if after.is_empty() { 0 } else { line_of(&path, after, 0) };
        let expected = format!("{}:{}:{column}: {message}", path.display(), line_of(&path, prefix, after));
        assert!(stderr.starts_with(&expected), "{label}: want `{expected}`, got:\n{stderr}");
        assert!(stderr.trim_end().ends_with("the spec has 1 error"), "{label}: one error only:\n{stderr}");
    }
}
