//! One test per spec error: the exact diagnostic (file:line:column, entry, message, help), as
//! `check-spec` prints it. And the exit status of `check-spec`.

mod common;

use capi_compat::spec::source::{SpecFile, SpecSource};
use common::spec_check::{assert_mentions, check_files};
use common::{dedent, TempDir};
use pretty_assertions::assert_eq;
use std::process::Command;

/// `expected` is dedented like the YAML.
fn assert_errors(files: &[(&str, &str)], expected: &str) {
    assert_eq!(check_files(files), dedent(expected));
}

/// One spec file, `spec/dict.yaml`.
fn assert_dict_errors(yaml: &str, expected: &str) {
    assert_errors(&[("spec/dict.yaml", yaml)], expected);
}

#[test]
fn a_valid_spec_has_no_errors() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: capicompat_dict_check
            kind: helper
            summary: Raises SystemError for a non-dict.
            signature: int capicompat_dict_check(PyObject *d)
            body: "return PyDict_Check(d) ? 0 : -1;"
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            signature: int PyDict_Pop(PyObject *p, PyObject *key, PyObject **result)
            requires: [capicompat_dict_check]
            body: return -1;
            pypy: "7.3.18"
            test: CHECK(1);
        "#,
        "spec OK",
    );
}

#[test]
fn unknown_key_in_an_entry() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: Py_T_INT
            kind: constant
            since: "3.12"
            summary: The member type of a C int.
            doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
            vaule: "1"
            test: CHECK(Py_T_INT == 1);
        "#,
        r#"
        spec/dict.yaml:9:5: error: unknown field `vaule`, expected one of name, kind, since, summary, doc, signature, params, body, bodies, value, requires, pypy, pypy_reason, pypy_defect, force_below, refused, removed, unprobed, isolated, defined_by, test, provided_from, switch, printf_format, uses_private, bench, errors
          help: fix the YAML: the keys an entry takes are listed in spec/README.md
        the spec has 1 error
        "#,
    );
}

#[test]
fn unknown_top_level_key() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        summary: Dictionaries.
        entries: []
        "#,
        r#"
        spec/dict.yaml:3:1: error: unknown field `summary`, expected one of area, title, entries
          help: fix the YAML: the keys an entry takes are listed in spec/README.md
        the spec has 1 error
        "#,
    );
}

#[test]
fn duplicate_yaml_key() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: Py_T_INT
            kind: constant
            since: "3.12"
            summary: The member type of a C int.
            doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
            value: "1"
            since: "3.13"
            test: CHECK(Py_T_INT == 1);
        "#,
        r#"
        spec/dict.yaml:10:5: error: duplicate mapping key: since
          help: fix the YAML: the keys an entry takes are listed in spec/README.md
        the spec has 1 error
        "#,
    );
}

#[test]
fn duplicate_entry_names_across_files() {
    let dict = r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: Py_T_INT
            kind: constant
            since: "3.12"
            summary: The member type of a C int.
            doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
            value: "1"
            test: CHECK(Py_T_INT == 1);
    "#;
    let long = r#"
        area: long
        title: Integer objects
        entries:
          - name: Py_T_INT
            kind: constant
            since: "3.12"
            summary: The member type of an int.
            doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
            value: "1"
            test: CHECK(Py_T_INT == 1);
    "#;
    assert_errors(
        &[("spec/dict.yaml", dict), ("spec/long.yaml", long)],
        r#"
        spec/long.yaml:4:11: error in entry `Py_T_INT`: `Py_T_INT` is defined twice (first at spec/dict.yaml:4:11)
          help: keep one entry per name
        the spec has 1 error
        "#,
    );
}

#[test]
fn requires_naming_nothing() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            signature: int PyDict_Pop(PyObject *p, PyObject *key, PyObject **result)
            requires: [capicompat_dict_lookup]
            body: return capicompat_dict_lookup(p, key, result);
            test: CHECK(1);
        "#,
        r#"
        spec/dict.yaml:4:11: error in entry `PyDict_Pop`: `requires` names `capicompat_dict_lookup`, which no entry defines
          help: add that entry (or helper), or fix the spelling
        the spec has 1 error
        "#,
    );
}

#[test]
fn requires_cycle_of_two() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: capicompat_b
            kind: helper
            summary: B.
            signature: int capicompat_b(void)
            requires: [capicompat_a]
            body: return capicompat_a();
          - name: capicompat_a
            kind: helper
            summary: A.
            signature: int capicompat_a(void)
            requires: [capicompat_b]
            body: return capicompat_b();
        "#,
        r#"
        spec/dict.yaml:10:11: error in entry `capicompat_a`: `requires` forms a cycle: capicompat_a -> capicompat_b -> capicompat_a
          help: break the cycle: a helper both entries require usually does it
        the spec has 1 error
        "#,
    );
}

#[test]
fn requires_cycle_of_three() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: capicompat_a
            kind: helper
            summary: A.
            signature: int capicompat_a(void)
            requires: [capicompat_b]
            body: return capicompat_b();
          - name: capicompat_c
            kind: helper
            summary: C.
            signature: int capicompat_c(void)
            requires: [capicompat_a]
            body: return capicompat_a();
          - name: capicompat_b
            kind: helper
            summary: B.
            signature: int capicompat_b(void)
            requires: [capicompat_c]
            body: return capicompat_c();
        "#,
        r#"
        spec/dict.yaml:4:11: error in entry `capicompat_a`: `requires` forms a cycle: capicompat_a -> capicompat_b -> capicompat_c -> capicompat_a
          help: break the cycle: a helper both entries require usually does it
        the spec has 1 error
        "#,
    );
}

#[test]
fn requires_itself() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: capicompat_a
            kind: helper
            summary: A.
            signature: int capicompat_a(void)
            requires: [capicompat_a]
            body: return capicompat_a();
        "#,
        r#"
        spec/dict.yaml:4:11: error in entry `capicompat_a`: the entry requires itself
          help: remove it from its own `requires`
        the spec has 1 error
        "#,
    );
}

#[test]
fn since_outside_the_supported_range() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: Py_OLD
            kind: constant
            since: "3.9"
            summary: Too old.
            doc: https://example.invalid/Py_OLD
            value: "1"
            test: CHECK(Py_OLD == 1);
          - name: Py_NEW
            kind: constant
            since: "3.16.0a1"
            summary: Too new.
            doc: https://example.invalid/Py_NEW
            value: "1"
            test: CHECK(Py_NEW == 1);
        "#,
        r#"
        spec/dict.yaml:6:12: error in entry `Py_OLD`: since `3.9` is outside 3.10 … 3.15
          help: the header supports CPython 3.10 to 3.15: a name native before 3.10 needs no entry
        spec/dict.yaml:13:12: error in entry `Py_NEW`: since `3.16.0a1` is outside 3.10 … 3.15
          help: the header supports CPython 3.10 to 3.15: a name native before 3.10 needs no entry
        the spec has 2 errors
        "#,
    );
}

#[test]
fn since_that_does_not_parse() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: Py_T_INT
            kind: constant
            since: "3.13-dev"
            summary: The member type of a C int.
            doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
            value: "1"
            test: CHECK(Py_T_INT == 1);
        "#,
        r#"
        spec/dict.yaml:6:12: error in entry `Py_T_INT`: `3.13-dev` is not a CPython version: write `3.13`, or `3.13.0a4` for a pre-release
        the spec has 1 error
        "#,
    );
}

#[test]
fn missing_test() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: Py_T_INT
            kind: constant
            since: "3.12"
            summary: The member type of a C int.
            doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
            value: "1"
        "#,
        r#"
        spec/dict.yaml:4:11: error in entry `Py_T_INT`: a constant needs `test`
          help: add a `test:` snippet that exercises the name (spec/README.md, Tests)
        the spec has 1 error
        "#,
    );
}

#[test]
fn missing_signature() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            body: return -1;
            test: CHECK(1);
        "#,
        r#"
        spec/dict.yaml:4:11: error in entry `PyDict_Pop`: a function needs `signature`
          help: add the C prototype, e.g. `signature: int PyFoo(PyObject *obj)`
        the spec has 1 error
        "#,
    );
}

#[test]
fn name_that_is_not_a_c_identifier() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: Py-T-INT
            kind: constant
            since: "3.12"
            summary: The member type of a C int.
            doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
            value: "1"
            test: CHECK(1);
        "#,
        r#"
        spec/dict.yaml:4:11: error in entry `Py-T-INT`: `Py-T-INT` is not a C identifier
          help: write the name exactly as C spells it
        the spec has 1 error
        "#,
    );
}

#[test]
fn signature_that_does_not_parse() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            signature: int PyDict_Pop(PyObject *p, PyObject *)
            body: return -1;
            test: CHECK(1);
        "#,
        r#"
        spec/dict.yaml:9:16: error in entry `PyDict_Pop`: the signature does not parse: parameter 2 has no name (write `type name`)
          help: write a C prototype: `int PyFoo(PyObject *obj, Py_ssize_t n)`
        the spec has 1 error
        "#,
    );
}

#[test]
fn signature_of_another_function() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            signature: int PyDict_PopString(PyObject *p, const char *key, PyObject **result)
            body: return -1;
            test: CHECK(1);
        "#,
        r#"
        spec/dict.yaml:9:16: error in entry `PyDict_Pop`: the signature declares `PyDict_PopString`, not `PyDict_Pop`
          help: the prototype's function name must be the entry's name
        the spec has 1 error
        "#,
    );
}

#[test]
fn helper_without_the_prefix() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: _PyDict_Lookup
            kind: helper
            summary: Looks a key up.
            signature: int _PyDict_Lookup(PyObject *d)
            body: return 0;
        "#,
        r#"
        spec/dict.yaml:4:11: error in entry `_PyDict_Lookup`: helper names must start with `capicompat_`
          help: rename it: our private names never look like CPython's (`_Py*` names collide with interpreter internals)
        the spec has 1 error
        "#,
    );
}

#[test]
fn area_that_is_not_the_file_name() {
    assert_dict_errors(
        r#"
        area: dicts
        title: Dictionary objects
        entries: []
        "#,
        r#"
        spec/dict.yaml:1:7: error: the area is `dicts` but the file is named `dict.yaml`
          help: rename the file to `dicts.yaml` or set `area: dict`
        the spec has 1 error
        "#,
    );
}

#[test]
fn bad_pypy_value() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: Py_T_INT
            kind: constant
            since: "3.12"
            summary: The member type of a C int.
            doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
            value: "1"
            pypy: native
            test: CHECK(Py_T_INT == 1);
        "#,
        r#"
        spec/dict.yaml:10:11: error in entry `Py_T_INT`: `native` is not a PyPy version: write `backport`, `unavailable`, or a version like `7.3.18`
        the spec has 1 error
        "#,
    );
}

#[test]
fn bodies_with_below_out_of_order() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            signature: int PyDict_Pop(PyObject *p, PyObject *key, PyObject **result)
            bodies:
              - below: "3.12"
                body: return -1;
              - below: "3.11"
                body: return -2;
              - body: return -3;
            test: CHECK(1);
        "#,
        r#"
        spec/dict.yaml:13:16: error in entry `PyDict_Pop`: `below: 3.11` is out of order
          help: each `below` must rise, stay within 3.10 … 3.15 and stay under `since` (at most `since` for a name with `removed`: the last body then serves from `removed` on)
        the spec has 1 error
        "#,
    );
}

#[test]
fn every_error_is_reported_in_file_and_line_order() {
    let dict = r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            signature: int PyDict_Pop(PyObject *p, PyObject *key, PyObject **result)
            requires: [capicompat_dict_lookup]
            body: return capicompat_dict_lookup(p, key, result);
            test: CHECK(1);
          - name: Py_T_INT
            kind: constant
            since: "3.9"
            summary: The member type of a C int.
            doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
            value: "1"
          - name: PyDict_PopString
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_PopString
            signature: int PyDict_PopString(PyObject *p, const char *key, PyObject **result)
            requires: [Py_T_INT]
            body: return -1;
            pypy: "7.3"
            test: CHECK(1);
    "#;
    let long = r#"
        area: long
        title: Integer objects
        entries:
          - name: PyLong_AsInt
            kind: macro
            since: "3.13"
            summary: Converts to a C int.
            doc: https://docs.python.org/3/c-api/long.html#c.PyLong_AsInt
            signature: int PyLong_AsInt(PyObject *obj)
            body: "(int)PyLong_AsLong(obj)"
            test: CHECK(1);
    "#;
    assert_errors(
        &[("spec/dict.yaml", dict), ("spec/long.yaml", long)],
        r#"
        spec/dict.yaml:4:11: error in entry `PyDict_Pop`: `requires` names `capicompat_dict_lookup`, which no entry defines
          help: add that entry (or helper), or fix the spelling
        spec/dict.yaml:13:11: error in entry `Py_T_INT`: a constant needs `test`
          help: add a `test:` snippet that exercises the name (spec/README.md, Tests)
        spec/dict.yaml:15:12: error in entry `Py_T_INT`: since `3.9` is outside 3.10 … 3.15
          help: the header supports CPython 3.10 to 3.15: a name native before 3.10 needs no entry
        spec/dict.yaml:27:11: error in entry `PyDict_PopString`: `7.3` is not a PyPy version: write `backport`, `unavailable`, or a version like `7.3.18`
        spec/long.yaml:4:11: error in entry `PyLong_AsInt`: a macro takes no `signature`
          help: remove the key (spec/README.md lists what each kind takes)
        the spec has 5 errors
        "#,
    );
}

#[test]
fn requiring_an_invalid_entry_reports_only_that_entry() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            signature: int PyDict_Pop(PyObject *p, PyObject *key, PyObject **result)
            requires: [capicompat_dict_lookup]
            body: return capicompat_dict_lookup(p, key, result);
            test: CHECK(1);
          - name: capicompat_dict_lookup
            kind: helper
            summary: Looks a key up.
            signature: int capicompat_dict_lookup(PyObject *d, PyObject *key)
            body: return 0;
            test: CHECK(1);
        "#,
        r#"
        spec/dict.yaml:13:11: error in entry `capicompat_dict_lookup`: a helper takes no `test`
          help: remove the key (spec/README.md lists what each kind takes)
        the spec has 1 error
        "#,
    );
}

/// The `test` runner maps a failing check back to the YAML with `#line`: the first line of the
/// snippet's text, for plain and block scalars alike.
#[test]
fn test_snippets_know_the_line_they_start_on() {
    let source = SpecSource::from_files(vec![SpecFile {
        name: "spec/member.yaml".into(),
        text: dedent(
            r#"
                area: member
                title: Member definitions
                entries:
                  - name: Py_T_INT
                    kind: constant
                    since: "3.12"
                    summary: The member type of a C int.
                    doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
                    value: "1"
                    test: CHECK(Py_T_INT == 1);
                  - name: Py_READONLY
                    kind: constant
                    since: "3.12"
                    summary: The member flag of a read-only member.
                    doc: https://docs.python.org/3/c-api/structures.html#c.Py_READONLY
                    value: "1"
                    test: |
                      CHECK(Py_READONLY == 1);
                      CHECK(Py_READONLY != 0);
                  - name: Py_RELATIVE_OFFSET
                    kind: constant
                    since: "3.12"
                    summary: The member flag of an offset relative to the type's own data.
                    doc: https://docs.python.org/3/c-api/structures.html#c.Py_RELATIVE_OFFSET
                    value: "8"
                    test: |-
                      CHECK(Py_RELATIVE_OFFSET == 8);
                "#,
        ),
    }]);
    let spec = capi_compat::spec::validate::load(&source).unwrap_or_else(|e| panic!("{e}"));
    let starts: Vec<(&str, &str, u64)> = spec
        .entries
        .iter()
        .map(|e| {
            let test = e.test.as_ref().expect("every entry has a test");
            (e.name.as_str(), test.file.as_str(), test.first_line)
        })
        .collect();
    assert_eq!(
        starts,
        [
            ("Py_T_INT", "spec/member.yaml", 10),
            ("Py_READONLY", "spec/member.yaml", 18),
            ("Py_RELATIVE_OFFSET", "spec/member.yaml", 27),
        ]
    );
}

// ---- the command line ----------------------------------------------------------------------

/// Runs `capi-compat check-spec --spec DIR`, returning (status code, stdout, stderr).
fn check_spec(dir: &std::path::Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .arg("check-spec")
        .arg("--spec")
        .arg(dir)
        .output()
        .expect("running capi-compat");
    (
        output.status.code().expect("capi-compat exited normally"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn check_spec_exits_with_0_for_a_valid_spec() {
    let dir = TempDir::new("good-spec");
    dir.write(
        "dict.yaml",
        &dedent(
            r#"
            area: dict
            title: Dictionary objects
            entries:
              - name: Py_T_INT
                kind: constant
                since: "3.12"
                summary: The member type of a C int.
                doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
                value: "1"
                test: CHECK(Py_T_INT == 1);
            "#,
        ),
    );
    let (status, stdout, stderr) = check_spec(dir.path());
    assert_eq!((status, stderr.as_str()), (0, ""), "stdout: {stdout}");
    assert!(stdout.starts_with("spec OK: 1 entries and 0 helpers in 1 areas"), "{stdout}");
}

#[test]
fn check_spec_exits_with_2_for_an_invalid_spec() {
    let dir = TempDir::new("bad-spec");
    let file = dir.write(
        "dict.yaml",
        &dedent(
            r#"
            area: dict
            title: Dictionary objects
            entries:
              - name: Py_T_INT
                kind: constant
                since: "3.12"
                summary: The member type of a C int.
                doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
                value: "1"
            "#,
        ),
    );
    let (status, stdout, stderr) = check_spec(dir.path());
    assert_eq!((status, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        format!(
            "{}:4:11: error in entry `Py_T_INT`: a constant needs `test`\n  \
             help: add a `test:` snippet that exercises the name (spec/README.md, Tests)\n\
             the spec has 1 error\n",
            file.display()
        )
    );
}

#[test]
fn constant_value_doc_and_pypy_requirements_are_checked() {
    let text = r#"
area: misc
title: Misc
entries:
  - name: capicompat_helper
    kind: helper
    summary: A helper.
    signature: int capicompat_helper(void)
    body: return 0;
  - name: Py_T_INT
    kind: constant
    since: "3.12"
    summary: A constant.
    doc: "https://example.invalid/a */ b"
    value: |
      1
      2
    test: CHECK(1);
  - name: PyLong_AsInt
    kind: function
    since: "3.13"
    summary: Needs PyPy-unavailable code but claims PyPy.
    doc: https://docs.python.org/3/c-api/long.html#c.PyLong_AsInt
    signature: int PyLong_AsInt(PyObject *obj)
    requires: [PyDict_Pop]
    body: return 0;
    test: CHECK(1);
  - name: PyDict_Pop
    kind: function
    since: "3.13"
    summary: Not on PyPy.
    doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
    signature: int PyDict_Pop(PyObject *p, PyObject *key, PyObject **result)
    pypy: unavailable
    pypy_reason: "a reason long enough for the validator to accept it"
    body: return 0;
    test: CHECK(1);
"#;
    assert_mentions(
        &check_files(&[("spec/misc.yaml", text)]),
        &[
            "the spec has 3 errors",
            "`value` must be one line",
            "`doc` must be one URL on one line",
            "which is `pypy: unavailable`, but this entry is offered on PyPy",
        ],
    );
}

#[test]
fn new_keys_are_checked_per_kind() {
    let text = r#"
area: misc
title: Misc
entries:
  - name: Py_T_INT
    kind: constant
    since: "3.12"
    removed: "3.14"
    defined_by: Py_T_INT
    summary: A constant cannot be removed-and-provided, nor defined by itself.
    doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
    value: "1"
    test: CHECK(1);
  - name: PyLong_AsInt
    kind: function
    since: "3.13"
    removed: "3.12"
    unprobed: short
    summary: Removed before it was added.
    doc: https://docs.python.org/3/c-api/long.html#c.PyLong_AsInt
    signature: int PyLong_AsInt(PyObject *obj)
    body: return 0;
    test: CHECK(1);
"#;
    assert_mentions(
        &check_files(&[("spec/misc.yaml", text)]),
        &[
            "a constant takes no `removed`",
            "`removed: 3.12` must be after `since`",
            "say why the headers never show this name",
        ],
    );
}

#[test]
fn bench_cases_need_labels_a_run_and_a_figure_for_slower() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            signature: int PyDict_Pop(PyObject *p, PyObject *key, PyObject **result)
            body: return -1;
            test: CHECK(1);
            bench:
              - run: BENCH_USE(1);
              - case: hit
                run: " "
              - case: hit
                run: BENCH_USE(2);
                slower: one more call
        "#,
        r#"
        spec/dict.yaml:13:14: error in entry `PyDict_Pop`: a bench case without `case`
          help: with several cases, each needs a `case:` label (`missing`, `hit`)
        spec/dict.yaml:15:14: error in entry `PyDict_Pop`: the bench `run` is empty
          help: write the loop body the case times
        spec/dict.yaml:16:15: error in entry `PyDict_Pop`: the bench case `hit` is given twice
          help: give each case its own label
        spec/dict.yaml:18:17: error in entry `PyDict_Pop`: `slower` gives no figure
          help: say why the backport cannot match the native function, with the measured ns/op
        the spec has 4 errors
        "#,
    );
}

#[test]
fn uses_private_names_cpython_private_functions_in_a_real_range() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            signature: int PyDict_Pop(PyObject *p, PyObject *key, PyObject **result)
            uses_private:
              - name: PyDict_GetItem
              - name: _PyDict_Pop
                from: "3.12"
                below: "3.11"
            body: return -1;
            test: CHECK(1);
          - name: Py_T_INT
            kind: constant
            since: "3.12"
            summary: The member type of a C int.
            doc: https://docs.python.org/3/c-api/structures.html#c.Py_T_INT
            value: "1"
            uses_private:
              - name: _Py_T_INT
            test: CHECK(Py_T_INT == 1);
        "#,
        r#"
        spec/dict.yaml:11:15: error in entry `PyDict_Pop`: `PyDict_GetItem` is not an interpreter-private name
          help: `uses_private` lists CPython's own private functions (`_PyObject_LookupAttr`)
        spec/dict.yaml:14:16: error in entry `PyDict_Pop`: `below: 3.11` is not after `from: 3.12`
          help: the range is `from` … `below`
        spec/dict.yaml:17:11: error in entry `Py_T_INT`: a constant takes no `uses_private`
          help: remove the key (spec/README.md lists what each kind takes)
        the spec has 3 errors
        "#,
    );
}

#[test]
fn provided_from_needs_a_refusal_and_a_version_before_since() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Thing
            kind: function
            since: "3.13"
            summary: A thing.
            doc: https://docs.python.org/3/c-api/dict.html
            signature: int PyDict_Thing(PyObject *d)
            provided_from: "3.12"
            body: return 0;
            test: CHECK(1);
          - name: PyDict_Other
            kind: function
            since: "3.13"
            summary: Another thing.
            doc: https://docs.python.org/3/c-api/dict.html
            signature: int PyDict_Other(PyObject *d)
            provided_from: "3.14"
            refused: "3.10 and 3.11 cannot do it for a reason long enough to check"
            body: return 0;
            test: CHECK(1);
        "#,
        r#"
        spec/dict.yaml:4:11: error in entry `PyDict_Thing`: a function takes no `provided_from`
          help: remove the key (spec/README.md lists what each kind takes)
        spec/dict.yaml:19:20: error in entry `PyDict_Other`: `provided_from: 3.14` must be a minor version (3.12) before `since`
          help: name the first CPython where the backport works; below it the name stays refused
        the spec has 2 errors
        "#,
    );
}

#[test]
fn a_private_function_name_needs_a_switch_and_printf_format_must_fit() {
    assert_dict_errors(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: _PyDict_Borrowed
            kind: function
            since: "3.13"
            summary: Not CPython's.
            doc: https://docs.python.org/3/c-api/dict.html
            signature: PyObject *_PyDict_Borrowed(PyObject *d)
            body: return d;
            test: CHECK(1);
          - name: PyDict_Format
            kind: function
            since: "3.13"
            summary: Formats.
            doc: https://docs.python.org/3/c-api/dict.html
            signature: int PyDict_Format(PyObject *d, const char *format, ...)
            printf_format: [1, 2]
            body: return 0;
            test: CHECK(1);
        "#,
        r#"
        spec/dict.yaml:4:11: error in entry `_PyDict_Borrowed`: `_PyDict_Borrowed` is a private name, not a C API name
          help: private functions are `kind: helper` entries named capicompat_*
        spec/dict.yaml:18:20: error in entry `PyDict_Format`: `printf_format` must be `[format parameter, first variadic parameter]` of a variadic function
          help: count parameters from 1: `[2, 3]` for `int F(T *w, const char *format, ...)`
        the spec has 2 errors
        "#,
    );
}

/// A dict.yaml with one function entry whose PyPy keys are `pypy` (YAML lines) and test `test`.
fn pypy_entry(pypy: &str, test: &str) -> String {
    format!(
        r#"
        area: dict
        title: Dictionary objects
        entries:
          - name: PyDict_Pop
            kind: function
            since: "3.13"
            summary: Removes a key and returns its value.
            doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop
            signature: int PyDict_Pop(PyObject *p, PyObject *key, PyObject **result)
            body: return -1;
{pypy}
            test: "{test}"
        "#
    )
}

#[test]
fn pypy_unavailable_without_a_reason() {
    assert_dict_errors(
        &pypy_entry("            pypy: unavailable", "CHECK(1);"),
        r#"
        spec/dict.yaml:11:11: error in entry `PyDict_Pop`: `pypy: unavailable` needs `pypy_reason:`
          help: say what PyPy lacks that the backport needs, e.g. `cpyext has no PyCodeObject fields`
        the spec has 1 error
        "#,
    );
    let with_reason = "            pypy: unavailable\n            pypy_reason: \"cpyext exports no PyDict_Pop machinery at all here\"";
    assert_dict_errors(&pypy_entry(with_reason, "CHECK(1);"), "spec OK");
}

#[test]
fn pypy_replace_without_a_reason() {
    assert_dict_errors(
        &pypy_entry("            pypy: replace", "CHECK(1);"),
        r#"
        spec/dict.yaml:11:11: error in entry `PyDict_Pop`: `pypy: replace` needs `pypy_reason:`
          help: say how PyPy's own function differs from CPython's, e.g. `returns NULL without an exception`
        spec/dict.yaml:11:11: error in entry `PyDict_Pop`: `pypy: replace` needs `pypy_defect:`
          help: C statements that pass against PyPy's own function only while it misbehaves as `pypy_reason` says, e.g. `CHECK(PyFrame_GetLocals(f) == NULL); CHECK_NO_EXC();`
        the spec has 2 errors
        "#,
    );
    let claimed = "            pypy: replace\n            pypy_reason: \"PyPy's own PyDict_Pop returns 0 for a present key\"";
    let with_defect = format!("{claimed}\n            pypy_defect: \"CHECK(1);\"");
    assert_dict_errors(&pypy_entry(&with_defect, "CHECK(1);"), "spec OK");
}

#[test]
fn a_defect_check_goes_only_with_a_replace_claim() {
    // it re-proves that PyPy's own function still misbehaves; other claims have none to prove
    assert_dict_errors(
        &pypy_entry("            pypy: \"7.3.18\"\n            pypy_defect: \"CHECK(1);\"", "CHECK(1);"),
        r#"
        spec/dict.yaml:12:18: error in entry `PyDict_Pop`: `pypy_defect` goes only with `pypy: replace`
          help: remove it
        the spec has 1 error
        "#,
    );
}

#[test]
fn a_native_pypy_claim_whose_test_branches_on_pypy_needs_a_reason() {
    // how PyPy's PyFrame_GetLocals, returning NULL, hid behind a test that skipped on PyPy
    assert_dict_errors(
        &pypy_entry("            pypy: \"7.3.18\"", "#ifndef PYPY_VERSION\\nCHECK(1);\\n#endif"),
        r#"
        spec/dict.yaml:11:11: error in entry `PyDict_Pop`: the test branches on PYPY_VERSION for a name the spec calls native on PyPy: add `pypy_reason:`
          help: say why the test checks less on PyPy; if PyPy's own function misbehaves, claim `pypy: replace`
        the spec has 1 error
        "#,
    );
    // a reason where none is wanted
    assert_dict_errors(
        &pypy_entry("            pypy: \"7.3.18\"\n            pypy_reason: \"nothing differs on PyPy for this name at all\"", "CHECK(1);"),
        r#"
        spec/dict.yaml:12:18: error in entry `PyDict_Pop`: `pypy_reason` goes only with `pypy: unavailable`, `pypy: replace`, or a native claim whose test branches on PYPY_VERSION
          help: remove it
        the spec has 1 error
        "#,
    );
}

#[test]
fn isolated_needs_a_test_and_a_reason() {
    let text = r#"
area: misc
title: Misc
entries:
  - name: PyLong_AsInt
    kind: function
    since: "3.13"
    isolated: leaks
    summary: An isolated test must say what it leaves behind.
    doc: https://docs.python.org/3/c-api/long.html#c.PyLong_AsInt
    signature: int PyLong_AsInt(PyObject *obj)
    body: return 0;
    test: CHECK(1);
  - name: PyLong_AsLongAndOverflow
    kind: function
    since: "3.10"
    isolated: "installs something that outlives the test, which is the point"
    summary: Refused, so no test to isolate.
    doc: https://docs.python.org/3/c-api/long.html#c.PyLong_AsLongAndOverflow
    refused: "A refusal has no test, so nothing can run in a process of its own here."
"#;
    let source = capi_compat::SpecSource::from_files(vec![capi_compat::spec::source::SpecFile {
        name: "spec/misc.yaml".into(),
        text: text.into(),
    }]);
    let errors = capi_compat::spec::validate::load(&source).expect_err("problems").to_string();
    for needle in [
        "spec/misc.yaml:8:",
        "say what interpreter-wide state the test leaves behind",
        "spec/misc.yaml:17:",
        "`isolated` without a `test`",
    ] {
        assert!(errors.contains(needle), "missing `{needle}` in:\n{errors}");
    }
}

/// A function entry of `spec/dict.yaml` with this signature and `errors:` line.
fn errors_entry(name: &str, signature: &str, errors: &str) -> String {
    format!(
        "  - name: {name}\n    kind: function\n    since: \"3.13\"\n    summary: Does it.\n    \
         doc: https://docs.python.org/3/c-api/dict.html\n    signature: {signature}\n    \
         errors: {errors}\n    body: return 0;\n    test: CHECK(1);\n"
    )
}

#[test]
fn error_contracts_must_fit_the_return_type() {
    let mut yaml = String::from("area: dict\ntitle: Dictionary objects\nentries:\n");
    for (name, signature, errors) in [
        // valid: the documented exceptions to the convention
        ("PyDict_A", "int PyDict_A(PyObject *d)", r#"{value: "-1", exception: none}"#),
        ("PyDict_B", "PyObject *PyDict_B(PyObject *d)", r#"{value: "NULL", also_a_result: true}"#),
        ("PyDict_C", "int PyDict_C(PyObject *d)", "{value: none, exception: none}"),
        ("PyDict_D", "int PyDict_D(PyObject *d)", r#"{value: "0"}"#),
        ("PyDict_O", "int PyDict_O(PyObject *d)", "{value: 0, exception: none}"),
        // invalid
        ("PyDict_E", "int PyDict_E(PyObject *d)", "{exception: sometimes}"),
        ("PyDict_F", "int PyDict_F(PyObject *d)", r#"{value: "NULL"}"#),
        ("PyDict_G", "PyObject *PyDict_G(PyObject *d)", r#"{value: "0"}"#),
        ("PyDict_H", "void PyDict_H(PyObject *d)", "{exception: none}"),
        ("PyDict_I", "int PyDict_I(PyObject *d)", "{also_a_result: true}"),
        ("PyDict_J", "PyObject *PyDict_J(PyObject *d)", "{exception: none, also_a_result: true}"),
        ("PyDict_K", "PyObject *PyDict_K(PyObject *d)", r#"{value: "NULL", exception: set}"#),
        // YAML reads an unquoted NULL as null
        ("PyDict_N", "PyObject *PyDict_N(PyObject *d)", "{value: NULL, exception: none}"),
        ("PyDict_L", "size_t PyDict_L(PyObject *d)", r#"{value: "-1"}"#),
    ] {
        yaml.push_str(&errors_entry(name, signature, errors));
    }
    assert_errors(
        &[("spec/dict.yaml", &yaml)],
        r#"
        spec/dict.yaml:55:25: error in entry `PyDict_E`: unknown `exception: sometimes`
          help: write `exception: set` (an error sets an exception, the default) or `exception: none` (it never raises)
        spec/dict.yaml:64:21: error in entry `PyDict_F`: `value: NULL` cannot be an error value of `int`
          help: write an integer such as `"-1"` or `"0"`, or `none` when no value reports an error
        spec/dict.yaml:73:21: error in entry `PyDict_G`: `value: 0` cannot be an error value of `PyObject *`
          help: write `NULL`, or `none` when no value reports an error
        spec/dict.yaml:82:13: error in entry `PyDict_H`: a function returning `void` has no error value an `errors:` contract can name
          help: remove `errors` (a void function reports errors by an exception only; a struct such as PyStatus reports its own)
        spec/dict.yaml:91:29: error in entry `PyDict_I`: `also_a_result` on a function that returns no pointer
          help: remove it: an integer's error value is judged by its exception anyway (-1 is a valid result of many)
        spec/dict.yaml:100:46: error in entry `PyDict_J`: `also_a_result` needs an error value that comes with an exception
          help: without the exception nothing tells the error from the result: remove `also_a_result` or `exception: none`
        spec/dict.yaml:109:13: error in entry `PyDict_K`: `errors` restates the convention of `PyObject *`
          help: remove `errors`: the return type already gives this contract
        spec/dict.yaml:118:13: error in entry `PyDict_N`: `value:` is YAML's null (an unquoted NULL or null)
          help: quote it: `value: "NULL"`
        spec/dict.yaml:127:21: error in entry `PyDict_L`: `value: -1` cannot be an error value of `size_t`
          help: write a non-negative integer such as `"0"`, or `none` when no value reports an error
        the spec has 9 errors
        "#,
    );
}

#[test]
fn check_spec_exits_with_2_for_an_error_contract_that_does_not_fit() {
    let dir = TempDir::new("bad-errors");
    let mut yaml = String::from("area: dict\ntitle: Dictionary objects\nentries:\n");
    yaml.push_str(&errors_entry("PyDict_F", "int PyDict_F(PyObject *d)", r#"{value: "NULL"}"#));
    let file = dir.write("dict.yaml", &yaml);
    let (status, stdout, stderr) = check_spec(dir.path());
    assert_eq!((status, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with(&format!(
            "{}:10:21: error in entry `PyDict_F`: `value: NULL` cannot be an error value of `int`\n",
            file.display()
        )),
        "{stderr}"
    );
}

#[test]
fn error_contracts_take_only_their_keys() {
    let yaml = format!(
        "area: dict\ntitle: Dictionary objects\nentries:\n{}",
        errors_entry("PyDict_M", "int PyDict_M(PyObject *d)", "{value: -1, raises: no}")
    );
    assert_errors(
        &[("spec/dict.yaml", &yaml)],
        r#"
        spec/dict.yaml:10:25: error: unknown field `raises`, expected one of value, exception, also_a_result
          help: fix the YAML: the keys an entry takes are listed in spec/README.md
        the spec has 1 error
        "#,
    );
}
