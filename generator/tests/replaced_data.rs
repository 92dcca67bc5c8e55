//! `spec/replaced.yaml`: the data `scan` reports removed, deprecated and private names from,
//! and `upgrade` takes its exact rewrites from. Each check of the file, with its diagnostic as
//! `check-spec` prints it, and facts of the real file.

mod common;

use capi_compat::spec::source::{SpecFile, SpecSource};
use common::dedent;
use pretty_assertions::assert_eq;

const DICT: &str = r#"
    area: dict
    title: Dictionary objects
    entries:
      - name: PyDict_GetItemRef
        kind: function
        since: "3.13"
        summary: Gets an item as a strong reference.
        doc: https://docs.python.org/3/c-api/dict.html#c.PyDict_GetItemRef
        signature: int PyDict_GetItemRef(PyObject *p, PyObject *key, PyObject **result)
        body: return -1;
        test: CHECK(1);
"#;

fn load(replaced: &str) -> Result<capi_compat::Spec, String> {
    let source = SpecSource::from_files(vec![
        SpecFile { name: "spec/dict.yaml".into(), text: dedent(DICT) },
        SpecFile { name: "spec/replaced.yaml".into(), text: dedent(replaced) },
    ]);
    capi_compat::spec::validate::load(&source).map_err(|e| format!("{e}\n"))
}

fn assert_errors(replaced: &str, expected: &str) {
    assert_eq!(load(replaced).err().unwrap_or_else(|| "spec OK\n".into()), dedent(expected));
}

#[test]
fn valid_records_load_with_every_field() {
    let spec = load(
        r#"
        replaced:
          - name: _PyDict_GetItemWithErrorX
            kind: function
            removed: "3.13"
            deprecated: "3.12"
            replacement: PyDict_GetItemRef
            exact: false
            change: returns a strong reference
            source: https://docs.python.org/3/whatsnew/3.13.html
          - name: PyDict_GetItem
            kind: function
            discouraged: borrowed reference
            replacement: PyDict_GetItemRef
            exact: false
            change: returns a strong reference
            source: https://docs.python.org/3/c-api/dict.html
          - name: PyEval_CallFunction
            kind: function
            removed: "3.13"
            replacement: PyObject_CallFunction
            exact: true
            source: https://docs.python.org/3/whatsnew/3.13.html
          - name: _PyPrivateOnly
            kind: macro
            change: no replacement
            source: https://docs.python.org/3/whatsnew/3.13.html
        "#,
    )
    .unwrap();
    assert_eq!(spec.replaced.len(), 4);
    let first = spec.replaced("_PyDict_GetItemWithErrorX").unwrap();
    assert_eq!(first.removed.map(|v| v.to_string()).as_deref(), Some("3.13"));
    assert_eq!(first.deprecated.map(|v| v.to_string()).as_deref(), Some("3.12"));
    assert!(first.private() && !first.exact);
    assert_eq!(first.location.to_string(), "spec/replaced.yaml:2:11");
    // A CPython 3.10 public name (not a spec entry) is a valid replacement.
    let call = spec.replaced("PyEval_CallFunction").unwrap();
    assert!(call.exact && call.change.is_none() && !call.private());
    assert!(call.removed_at_hex(0x030D0000) && !call.removed_at_hex(0x030C00F0));
    assert_eq!(spec.replaced("PyDict_GetItem").unwrap().discouraged.as_deref(), Some("borrowed reference"));
    assert!(spec.replaced("PyDict_GetItemRef").is_none());
}

#[test]
fn each_record_error_is_placed_and_explained() {
    assert_errors(
        r#"
        replaced:
          - name: _PyA
            kind: function
            replacement: PyNothing
            exact: true
            source: https://x
          - name: _PyB
            kind: function
            replacement: PyDict_GetItemRef
            source: https://x
          - name: _PyC
            kind: function
            replacement: PyDict_GetItemRef
            exact: true
            change: more
            source: https://x
          - name: PyD
            kind: function
            change: x
            source: https://x
          - name: _PyE
            kind: widget
            removed: "3.12"
            deprecated: "3.13"
            change: x
            source: docs
          - name: _PyA
            kind: function
            removed: "4.1"
            change: x
            source: https://x
          - name: PyDict_GetItemRef
            kind: function
            deprecated: "3.14"
            exact: false
            source: https://x
        "#,
        r#"
        spec/replaced.yaml:4:18: error in entry `_PyA`: unknown replacement `PyNothing`
          help: name a spec entry the header provides, or a public name of CPython 3.10 (spec/pypy/capi-3.10-names.tsv)
        spec/replaced.yaml:7:11: error in entry `_PyB`: a replacement needs `exact: true` or `exact: false`
          help: `exact: true` when swapping the name is the whole change
        spec/replaced.yaml:15:13: error in entry `_PyC`: an exact replacement takes no `change`
          help: set `exact: false` if code must change beyond the name
        spec/replaced.yaml:17:11: error in entry `PyD`: `PyD` is public, and neither `removed`, `deprecated` nor `discouraged`
          help: say when CPython removed or deprecated it, or why code should move (`discouraged: …`)
        spec/replaced.yaml:22:11: error in entry `_PyE`: unknown kind `widget`
          help: one of: function, macro, type, constant, var
        spec/replaced.yaml:24:17: error in entry `_PyE`: deprecated in 3.13, after its removal in 3.12
        spec/replaced.yaml:26:13: error in entry `_PyE`: `source` must be one https:// URL
          help: link CPython's docs or What's New
        spec/replaced.yaml:27:11: error in entry `_PyA`: `_PyA` is listed twice
          help: keep one record per old name
        spec/replaced.yaml:29:14: error in entry `_PyA`: `4.1` is not a CPython 3 version up to 3.15
        spec/replaced.yaml:32:11: error in entry `PyDict_GetItemRef`: `PyDict_GetItemRef` is a spec entry, which the header describes or provides
          help: list here only names code should move away from
        spec/replaced.yaml:32:11: error in entry `PyDict_GetItemRef`: say in `change:` what code must do instead
          help: e.g. `change: returns a strong reference: Py_DECREF the result`
        spec/replaced.yaml:35:12: error in entry `PyDict_GetItemRef`: `exact` without a `replacement`
          help: remove it, or name the replacement
        the spec has 12 errors
        "#,
    );
}

#[test]
fn unknown_keys_are_refused_with_their_place() {
    assert_errors(
        r#"
        replaced:
          - name: _PyA
            kind: function
            removed_in: "3.13"
            source: https://x
        "#,
        r#"
        spec/replaced.yaml:4:5: error: unknown field `removed_in`, expected one of name, kind, removed, deprecated, discouraged, replacement, exact, change, source
          help: fix the YAML: the keys a record takes are listed in spec/README.md (Replaced names)
        the spec has 1 error
        "#,
    );
}

/// The removals issue 13 names, as the real file records them.
#[test]
fn the_real_file_has_the_3_13_private_removals_with_exact_replacements() {
    let spec = capi_compat::load_spec(None).unwrap();
    for (old, new) in [
        ("_PyLong_AsInt", "PyLong_AsInt"),
        ("_PyObject_LookupAttr", "PyObject_GetOptionalAttr"),
        ("_Py_IsFinalizing", "Py_IsFinalizing"),
        ("_PyImport_GetModuleAttrString", "PyImport_ImportModuleAttrString"),
    ] {
        let r = spec.replaced(old).unwrap_or_else(|| panic!("{old} missing"));
        assert_eq!(r.replacement.as_deref(), Some(new), "{old}");
        assert!(r.exact, "{old}");
        assert_eq!(r.removed.map(|v| v.to_string()).as_deref(), Some("3.13"), "{old}");
        // The replacement is one our header provides on every supported CPython.
        let entry = spec.get(new).unwrap();
        assert!(entry.refused.is_none(), "{new}");
    }
    let weakref = spec.replaced("PyWeakref_GetObject").unwrap();
    assert!(!weakref.exact && weakref.change.as_deref().unwrap().contains("strong reference"));
    assert_eq!(weakref.removed.map(|v| v.to_string()).as_deref(), Some("3.15"));
    assert!(spec.replaced.len() >= 100, "{}", spec.replaced.len());
}

/// A replacement in an area file that does not parse, or in an entry with errors of its own,
/// is not reported again: the area's error is the one to fix.
#[test]
fn no_follow_on_errors_when_the_replacement_could_not_be_checked() {
    let source = SpecSource::from_files(vec![
        SpecFile { name: "spec/dict.yaml".into(), text: "area: dict\ntitle: [unclosed\n".into() },
        SpecFile {
            name: "spec/replaced.yaml".into(),
            text: dedent(
                r#"
                replaced:
                  - name: _PyA
                    kind: function
                    removed: "3.13"
                    replacement: PyDict_GetItemRef
                    exact: true
                    source: https://x
                "#,
            ),
        },
    ]);
    let errors = capi_compat::spec::validate::load(&source).unwrap_err();
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!(errors.0[0].location.file, "spec/dict.yaml");
}

/// The public headers' names of each CPython found (Include/ without Include/internal/, read
/// with scan's tokenizer: names in comments and `#if 0` do not count), by minor version.
fn header_names_by_minor() -> std::collections::BTreeMap<u8, Vec<(String, std::collections::BTreeSet<String>)>>
{
    use capi_compat::interpreters::discovery::{discover, Implementation};
    use capi_compat::scan::tokenize::{directive_tokens, tokenize, TokenKind};
    let mut by_minor: std::collections::BTreeMap<u8, Vec<_>> = Default::default();
    for interpreter in discover() {
        if interpreter.implementation != Implementation::CPython
            || interpreter.debug
            || interpreter.free_threaded
        {
            continue;
        }
        let minor = ((interpreter.hexversion >> 16) & 0xFF) as u8;
        let Some(include) = interpreter.include_dirs.iter().find(|d| d.join("Python.h").is_file()) else {
            continue;
        };
        let mut names = std::collections::BTreeSet::new();
        let mut dirs = vec![include.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()) {
                if entry.is_dir() && entry.file_name().is_some_and(|n| n != "internal") {
                    dirs.push(entry);
                } else if entry.extension().is_some_and(|e| e == "h") {
                    let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
                    // Every active name: code, and the directives (a `#define` declares one).
                    for t in tokenize(&text).into_iter().filter(|t| t.active) {
                        match t.kind {
                            TokenKind::Identifier => {
                                names.insert(t.spelling(&text).into_owned());
                            }
                            TokenKind::Directive => names.extend(
                                directive_tokens(&text, &t)
                                    .iter()
                                    .filter(|inner| inner.kind == TokenKind::Identifier)
                                    .map(|inner| inner.spelling(&text).into_owned()),
                            ),
                            _ => {}
                        }
                    }
                }
            }
        }
        by_minor.entry(minor).or_default().push((interpreter.label.clone(), names));
    }
    by_minor
}

/// Every `removed:` of the real file against the headers of every CPython 3.10 … 3.15 found
/// (all six are required): the name is gone from its removal on, and declared by the version
/// just before it (or by 3.15 when it was never removed; it may have appeared after 3.10).
#[test]
fn removal_versions_match_the_cpython_headers() {
    let spec = capi_compat::load_spec(None).unwrap();
    let headers = header_names_by_minor();
    for minor in 10..=15u8 {
        assert!(
            headers.contains_key(&minor),
            "CPython 3.{minor} not found: this test needs 3.10 … 3.15 (scripts/provision-pythons.sh)"
        );
    }
    let mut wrong = Vec::new();
    for r in &spec.replaced {
        let last_with_it = r.removed.map_or(15, |v| v.minor.saturating_sub(1));
        for (minor, interpreters) in headers.range(10..=15u8) {
            let gone = r.removed.is_some_and(|v| *minor >= v.minor);
            if !gone && *minor != last_with_it {
                continue;
            }
            for (label, names) in interpreters {
                let declared = names.contains(&r.name);
                if declared == gone {
                    let removed = r.removed.map_or("never".to_string(), |v| v.to_string());
                    wrong.push(format!(
                        "{}: removed {removed}, but {label}'s headers {} it",
                        r.name,
                        if declared { "declare" } else { "do not declare" }
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} disagreements:\n{}", wrong.len(), wrong.join("\n"));
}
