//! Which keys each kind of entry needs and takes (a refusal and a `defined_by` entry have
//! their own sets), and `body`/`bodies` given together.

use super::entry::EntryCheck;
use crate::spec::model::Kind;
use crate::spec::raw::RawEntry;

/// Every key whose presence depends on the kind, in the order errors name them.
const KIND_KEYS: [&str; 19] = [
    "since",
    "doc",
    "signature",
    "params",
    "body",
    "value",
    "pypy",
    "test",
    "force_below",
    "refused",
    "removed",
    "unprobed",
    "defined_by",
    "provided_from",
    "switch",
    "printf_format",
    "uses_private",
    "bench",
    "errors",
];

fn present(raw: &RawEntry, key: &str) -> bool {
    match key {
        "since" => raw.since.is_some(),
        "doc" => raw.doc.is_some(),
        "signature" => raw.signature.is_some(),
        "params" => raw.params.is_some(),
        "body" => raw.body.is_some() || raw.bodies.is_some(),
        "value" => raw.value.is_some(),
        "pypy" => raw.pypy.is_some(),
        "test" => raw.test.is_some(),
        "force_below" => raw.force_below.is_some(),
        "refused" => raw.refused.is_some(),
        "removed" => raw.removed.is_some(),
        "unprobed" => raw.unprobed.is_some(),
        "defined_by" => raw.defined_by.is_some(),
        "provided_from" => raw.provided_from.is_some(),
        "switch" => raw.switch.is_some(),
        "printf_format" => raw.printf_format.is_some(),
        "uses_private" => !raw.uses_private.is_empty(),
        "bench" => !raw.bench.is_empty(),
        "errors" => raw.errors.is_some(),
        _ => false,
    }
}

/// The keys an entry needs, and the others it may have.
fn key_sets(raw: &RawEntry, kind: Kind) -> (Vec<&'static str>, Vec<&'static str>) {
    let (needed, allowed): (&[&str], &[&str]) = match kind {
        // Provided from a version on, refused below it: a provided entry with its refusal.
        _ if raw.refused.is_some() && raw.provided_from.is_some() => {
            let (needed, allowed) = provided_keys(kind);
            let mut needed = needed.to_vec();
            needed.extend(["refused", "provided_from"]);
            return (needed, allowed.to_vec());
        }
        // A refusal documents a name the header does not provide: what it is and why not.
        _ if raw.refused.is_some() => {
            (&["since", "doc", "refused"], &["signature", "params", "pypy", "removed", "unprobed"])
        }
        // Defined by another entry's body: nothing of its own is emitted, but it is tested.
        _ if raw.defined_by.is_some() => (&["since", "doc", "defined_by", "test"], &["pypy"]),
        // A name no CPython declares, offered only behind a macro the user defines.
        Kind::Function if raw.switch.is_some() => {
            (&["doc", "signature", "body", "test", "switch"], &["pypy", "printf_format", "errors"])
        }
        _ => provided_keys(kind),
    };
    (needed.to_vec(), allowed.to_vec())
}

/// What a provided entry of each kind needs and may have.
fn provided_keys(kind: Kind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        Kind::Function => (
            &["since", "doc", "signature", "body", "test"],
            &[
                "pypy",
                "force_below",
                "removed",
                "unprobed",
                "printf_format",
                "uses_private",
                "bench",
                "errors",
            ],
        ),
        Kind::Helper => (&["signature", "body"], &["force_below", "uses_private"]),
        Kind::Macro => (&["since", "doc", "body", "test"], &["params", "pypy", "unprobed", "bench"]),
        Kind::Type => (&["since", "doc", "body", "test"], &["pypy", "unprobed"]),
        Kind::Constant => (&["since", "doc", "value", "test"], &["pypy", "unprobed"]),
        Kind::Var => (&["since", "doc", "body", "test"], &["pypy", "unprobed"]),
    }
}

pub(super) fn check(raw: &RawEntry, kind: Kind, check: &mut EntryCheck) {
    let (needed, allowed) = key_sets(raw, kind);
    for key in &needed {
        if !present(raw, key) {
            let what = if *key == "body" { "`body` (or `bodies`)".to_string() } else { format!("`{key}`") };
            check.entry_error(format!("a {} needs {what}", kind.as_str()), &help_for_missing(key));
        }
    }
    for key in KIND_KEYS {
        if present(raw, key) && !needed.contains(&key) && !allowed.contains(&key) {
            check.entry_error(
                format!("a {} takes no `{key}`", kind.as_str()),
                "remove the key (spec/README.md lists what each kind takes)",
            );
        }
    }
    if raw.body.is_some() && raw.bodies.is_some() {
        check.entry_error(
            "both `body` and `bodies`",
            "keep `body` for one body, or `bodies` for per-range bodies",
        );
    }
}

fn help_for_missing(key: &str) -> String {
    match key {
        "since" => "add `since: \"3.13\"` (the first CPython version where the name is native)".into(),
        "doc" => {
            "add the documentation URL, e.g. https://docs.python.org/3/c-api/dict.html#c.PyDict_Pop".into()
        }
        "signature" => "add the C prototype, e.g. `signature: int PyFoo(PyObject *obj)`".into(),
        "body" => "add the C code that provides the name on older Pythons".into(),
        "value" => "add `value:` with the constant's value".into(),
        "test" => "add a `test:` snippet that exercises the name (spec/README.md, Tests)".into(),
        _ => String::new(),
    }
}
