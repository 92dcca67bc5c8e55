//! Turns spec files into a checked `Spec`, reporting every problem at once.

use crate::spec::cdecl::{is_c_identifier, parse_signature};
use crate::spec::diagnostics::{Collector, SourceLocation, SpecErrors};
use crate::spec::model::{Area, Entry, Kind, PyPySupport, RangeBody, Spec, TestSnippet};
use crate::spec::raw::{RawEntry, RawFile};
use crate::spec::source::SpecSource;
use crate::spec::version::{PyPyVersion, PyVersion, NEWEST, OLDEST};
use serde_saphyr::{Location, Spanned};
use std::collections::{BTreeMap, BTreeSet};

/// The prefix of every private name the header defines.
pub const HELPER_PREFIX: &str = "capicompat_";

pub fn load(source: &SpecSource) -> Result<Spec, SpecErrors> {
    let mut errors = Collector::default();
    let mut areas = Vec::new();
    let mut entries = Vec::new();
    // Entries that have errors of their own: `requires` naming them is not another error.
    let mut rejected = BTreeSet::new();
    for file in &source.files {
        let raw: RawFile = match serde_saphyr::from_str(&file.text) {
            Ok(raw) => raw,
            Err(e) => {
                let loc = e.location();
                errors.error(
                    at(&file.name, loc),
                    None,
                    yaml_message(&e),
                    "fix the YAML: the keys an entry takes are listed in spec/README.md",
                );
                continue;
            }
        };
        check_file(&file.name, raw, &mut errors, &mut areas, &mut entries, &mut rejected);
    }
    check_references(&entries, &rejected, &mut errors);
    errors.finish()?;
    Ok(Spec::new(areas, entries, source.digest()))
}

/// serde-saphyr renders `error: line L column C: message` and a snippet; we print the
/// location ourselves (file:line:column), so keep only the message.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let mut first = text.lines().next().unwrap_or("invalid YAML").trim();
    first = first.strip_prefix("error:").unwrap_or(first).trim_start();
    // Advice to the program that calls serde-saphyr, not to the spec's author.
    first = first.strip_suffix(", set DuplicateKeyPolicy in Options if acceptable").unwrap_or(first);
    if first.starts_with("line ") {
        if let Some(cut) = first.find(": ") {
            first = &first[cut + 2..];
        }
    }
    first.to_string()
}

fn at(file: &str, loc: Option<Location>) -> SourceLocation {
    let loc = loc.filter(|l| *l != Location::UNKNOWN);
    SourceLocation { file: file.to_string(), line: loc.map(|l| l.line()), column: loc.map(|l| l.column()) }
}

fn spanned_at<T>(file: &str, s: &Spanned<T>) -> SourceLocation {
    at(file, Some(s.referenced))
}

fn file_stem(name: &str) -> &str {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.strip_suffix(".yaml").unwrap_or(base)
}

fn check_file(
    file: &str,
    raw: RawFile,
    errors: &mut Collector,
    areas: &mut Vec<Area>,
    entries: &mut Vec<Entry>,
    rejected: &mut BTreeSet<String>,
) {
    let area = raw.area.value.clone();
    if area != file_stem(file) {
        errors.error(
            spanned_at(file, &raw.area),
            None,
            format!("the area is `{area}` but the file is named `{}.yaml`", file_stem(file)),
            format!("rename the file to `{area}.yaml` or set `area: {}`", file_stem(file)),
        );
    }
    if raw.title.trim().is_empty() || raw.title.contains('\n') || raw.title.contains("*/") {
        errors.error(
            spanned_at(file, &raw.area),
            None,
            "the title must be one line of text",
            "write a short title like `Dictionary objects`",
        );
    }
    areas.push(Area { name: area.clone(), title: raw.title.trim().to_string(), file: file.to_string() });
    for raw_entry in raw.entries {
        let name = raw_entry.name.value.clone();
        match check_entry(file, &area, raw_entry, errors) {
            Some(entry) => entries.push(entry),
            None => {
                rejected.insert(name);
            }
        }
    }
}

/// Checks one entry on its own; returns it when it is complete enough to check references.
fn check_entry(file: &str, area: &str, raw: RawEntry, errors: &mut Collector) -> Option<Entry> {
    let name = raw.name.value.clone();
    let location = spanned_at(file, &raw.name);
    let before = errors.len();
    let mut err = |loc: SourceLocation, message: String, help: &str| {
        errors.error(loc, Some(&name), message, help);
    };

    if !is_c_identifier(&name) {
        err(
            location.clone(),
            format!("`{name}` is not a C identifier"),
            "write the name exactly as C spells it",
        );
    }
    let kind = match Kind::ALL.iter().find(|(s, _)| *s == raw.kind.value) {
        Some((_, k)) => *k,
        None => {
            err(
                spanned_at(file, &raw.kind),
                format!("unknown kind `{}`", raw.kind.value),
                "use one of: function, macro, type, constant, var, helper",
            );
            return None;
        }
    };
    let is_helper = kind == Kind::Helper;
    if is_helper && !name.starts_with(HELPER_PREFIX) {
        err(location.clone(), format!("helper names must start with `{HELPER_PREFIX}`"), "rename it: our private names never look like CPython's (`_Py*` names collide with interpreter internals)");
    }
    // CPython documents a few `_Py` names (`_PyInterpreterFrame`); they can only be refused.
    let refused = raw.refused.is_some();
    if !is_helper && (name.starts_with(HELPER_PREFIX) || (name.starts_with("_Py") && !refused)) {
        err(
            location.clone(),
            format!("`{name}` is a private name, not a C API name"),
            "private functions are `kind: helper` entries named capicompat_*",
        );
    }

    // Which keys each kind takes.
    let present = |key: &str| -> bool {
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
            _ => false,
        }
    };
    let refusal = raw.refused.as_ref().map(|r| r.value.trim().to_string());
    let (needed, allowed): (&[&str], &[&str]) = match kind {
        // A refusal documents a name the header does not provide: what it is and why not.
        _ if refusal.is_some() => {
            (&["since", "doc", "refused"], &["signature", "params", "pypy", "removed", "unprobed"])
        }
        // Defined by another entry's body: nothing of its own is emitted, but it is tested.
        _ if raw.defined_by.is_some() => (&["since", "doc", "defined_by", "test"], &["pypy"]),
        Kind::Function => {
            (&["since", "doc", "signature", "body", "test"], &["pypy", "force_below", "removed", "unprobed"])
        }
        Kind::Helper => (&["signature", "body"], &["force_below"]),
        Kind::Macro => (&["since", "doc", "body", "test"], &["params", "pypy", "unprobed"]),
        Kind::Type => (&["since", "doc", "body", "test"], &["pypy", "unprobed"]),
        Kind::Constant => (&["since", "doc", "value", "test"], &["pypy", "unprobed"]),
        Kind::Var => (&["since", "doc", "body", "test"], &["pypy", "unprobed"]),
    };
    for key in needed {
        if !present(key) {
            let what = if *key == "body" { "`body` (or `bodies`)".to_string() } else { format!("`{key}`") };
            err(location.clone(), format!("a {} needs {what}", kind.as_str()), &help_for_missing(key));
        }
    }
    for key in [
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
    ] {
        if present(key) && !needed.contains(&key) && !allowed.contains(&key) {
            err(
                location.clone(),
                format!("a {} takes no `{key}`", kind.as_str()),
                "remove the key (spec/README.md lists what each kind takes)",
            );
        }
    }
    if raw.body.is_some() && raw.bodies.is_some() {
        err(
            location.clone(),
            "both `body` and `bodies`".into(),
            "keep `body` for one body, or `bodies` for per-range bodies",
        );
    }
    if raw.value.as_ref().is_some_and(|v| v.trim().is_empty() || v.trim().contains('\n')) {
        err(
            location.clone(),
            "`value` must be one line".into(),
            "a constant is one `#define NAME value` line; use a macro for more",
        );
    }
    if raw.doc.as_ref().is_some_and(|d| d.contains("*/") || d.contains('\n')) {
        err(location.clone(), "`doc` must be one URL on one line".into(), "it is printed inside a C comment");
    }
    if let (Some(reason), Some(r)) = (&refusal, &raw.refused) {
        if reason.len() < 30 || reason.contains("*/") {
            err(
                spanned_at(file, r),
                "the refusal's reason is too short to check".into(),
                "say concretely why no extension can provide it, so a reader can verify the claim",
            );
        }
        if is_helper {
            err(location.clone(), "a helper cannot be refused".into(), "remove the helper");
        }
    }
    let summary = raw.summary.clone().unwrap_or_default();
    if summary.trim().is_empty() || summary.trim().contains('\n') || summary.contains("*/") {
        err(
            location.clone(),
            "`summary` must be one line of text".into(),
            "say in one line what the name does; it becomes the header comment",
        );
    }

    let since = raw.since.as_ref().and_then(|s| match PyVersion::parse(&s.value) {
        Ok(v) if v.in_supported_range() => Some(v),
        Ok(v) => {
            err(
                spanned_at(file, s),
                format!("since `{v}` is outside {OLDEST} … {NEWEST}"),
                "the header supports CPython 3.10 to 3.15: a name native before 3.10 needs no entry",
            );
            None
        }
        Err(msg) => {
            err(spanned_at(file, s), msg, "");
            None
        }
    });

    let signature = raw.signature.as_ref().and_then(|s| match parse_signature(&s.value) {
        Ok(sig) if sig.name == name => Some(sig),
        Ok(sig) => {
            err(
                spanned_at(file, s),
                format!("the signature declares `{}`, not `{name}`", sig.name),
                "the prototype's function name must be the entry's name",
            );
            None
        }
        Err(msg) => {
            err(
                spanned_at(file, s),
                format!("the signature does not parse: {msg}"),
                "write a C prototype: `int PyFoo(PyObject *obj, Py_ssize_t n)`",
            );
            None
        }
    });

    if let Some(params) = &raw.params {
        for p in params {
            if !is_c_identifier(p) && p != "..." {
                err(location.clone(), format!("macro parameter `{p}` is not a C identifier"), "");
            }
        }
    }

    let mut bodies = Vec::new();
    if let Some(body) = &raw.body {
        bodies.push(RangeBody { below: None, body: body.clone() });
    }
    if let Some(raw_bodies) = &raw.bodies {
        let count = raw_bodies.len();
        let mut previous: Option<PyVersion> = None;
        for (i, rb) in raw_bodies.iter().enumerate() {
            let below = match &rb.below {
                None if i + 1 == count => None,
                None => {
                    err(
                        location.clone(),
                        format!("body {} of `bodies` has no `below`", i + 1),
                        "only the last body may leave out `below`: it covers the rest up to `since`",
                    );
                    None
                }
                Some(b) => match PyVersion::parse(&b.value) {
                    Ok(v) => {
                        let out_of_order = previous.is_some_and(|p| v <= p)
                            || since.is_some_and(|s| if raw.removed.is_some() { v > s } else { v >= s })
                            || !v.in_supported_range();
                        if out_of_order {
                            err(
                                spanned_at(file, b),
                                format!("`below: {v}` is out of order"),
                                "each `below` must rise, stay within 3.10 … 3.15 and stay under `since` (at most `since` for a name with `removed`: the last body then serves from `removed` on)",
                            );
                        }
                        if i + 1 == count {
                            err(
                                spanned_at(file, b),
                                "the last body of `bodies` has a `below`".into(),
                                "drop `below` from the last body: it covers the rest up to `since`",
                            );
                        }
                        previous = Some(v);
                        Some(v)
                    }
                    Err(msg) => {
                        err(spanned_at(file, b), msg, "");
                        None
                    }
                },
            };
            bodies.push(RangeBody { below, body: rb.body.clone() });
        }
        if count == 0 {
            err(location.clone(), "`bodies` is empty".into(), "give at least one body");
        }
    }
    if bodies.iter().any(|b| b.body.trim().is_empty()) {
        err(location.clone(), "a body is empty".into(), "write the C code, or refuse the name with a reason");
    }

    let pypy = match &raw.pypy {
        None => PyPySupport::Backport,
        Some(p) => match p.value.as_str() {
            "backport" => PyPySupport::Backport,
            "unavailable" => PyPySupport::Unavailable,
            other => match PyPyVersion::parse(other) {
                Ok(v) => PyPySupport::NativeSince(v),
                Err(msg) => {
                    err(spanned_at(file, p), msg, "");
                    PyPySupport::Backport
                }
            },
        },
    };

    let force_below = raw.force_below.as_ref().and_then(|f| match PyVersion::parse(&f.value) {
        Ok(v) if since.is_none_or(|s| v > s) && v.in_supported_range() => Some(v),
        Ok(v) => {
            err(
                spanned_at(file, f),
                format!("`force_below: {v}` must be after `since` and within 3.10 … 3.15"),
                "name the version that removed an API the backport uses",
            );
            None
        }
        Err(msg) => {
            err(spanned_at(file, f), msg, "");
            None
        }
    });

    let removed = raw.removed.as_ref().and_then(|r| match PyVersion::parse(&r.value) {
        Ok(v) if since.is_none_or(|s| v > s) && v.in_supported_range() => Some(v),
        Ok(v) => {
            err(
                spanned_at(file, r),
                format!("`removed: {v}` must be after `since` and within 3.10 … 3.15"),
                "name the first version whose headers no longer declare it",
            );
            None
        }
        Err(msg) => {
            err(spanned_at(file, r), msg, "");
            None
        }
    });
    let unprobed = raw.unprobed.as_ref().map(|u| u.value.trim().to_string());
    if let (Some(reason), Some(u)) = (&unprobed, &raw.unprobed) {
        if reason.len() < 30 {
            err(
                spanned_at(file, u),
                "say why the headers never show this name".into(),
                "e.g. `only declared when Py_STATS is defined`",
            );
        }
    }

    let test = raw.test.as_ref().map(|t| TestSnippet {
        code: t.value.clone(),
        file: file.to_string(),
        // Where the text starts: serde-saphyr places a block scalar (`|`) at its first line of
        // content already, and a plain one on its key's line.
        first_line: t.referenced.line(),
    });
    if test.as_ref().is_some_and(|t| t.code.trim().is_empty()) {
        err(
            location.clone(),
            "the test is empty".into(),
            "exercise the name: results, error paths, reference counts",
        );
    }

    let mut requires: Vec<String> = raw.requires.iter().map(|r| r.value.clone()).collect();
    if let Some(owner) = &raw.defined_by {
        requires.push(owner.value.clone());
    }
    if errors.len() != before {
        return None;
    }
    Some(Entry {
        name,
        kind,
        area: area.to_string(),
        since,
        summary: summary.trim().to_string(),
        doc: raw.doc.clone(),
        signature,
        params: raw.params.clone(),
        bodies,
        value: raw.value.clone(),
        requires,
        pypy,
        force_below,
        refused: refusal,
        removed,
        unprobed,
        defined_by: raw.defined_by.as_ref().map(|d| d.value.clone()),
        test,
        location,
    })
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

/// Duplicate names, `requires` that name nothing, and cycles: checks across all files.
fn check_references(entries: &[Entry], rejected: &BTreeSet<String>, errors: &mut Collector) {
    let mut first_seen: BTreeMap<&str, &Entry> = BTreeMap::new();
    for entry in entries {
        if let Some(first) = first_seen.get(entry.name.as_str()) {
            errors.error(
                entry.location.clone(),
                Some(&entry.name),
                format!("`{}` is defined twice (first at {})", entry.name, first.location),
                "keep one entry per name",
            );
        } else {
            first_seen.insert(&entry.name, entry);
        }
    }
    for entry in entries {
        for req in &entry.requires {
            match first_seen.get(req.as_str()) {
                None if rejected.contains(req) => {}
                None => errors.error(
                    entry.location.clone(),
                    Some(&entry.name),
                    format!("`requires` names `{req}`, which no entry defines"),
                    "add that entry (or helper), or fix the spelling",
                ),
                Some(r) if r.refused.is_some() => errors.error(
                    entry.location.clone(),
                    Some(&entry.name),
                    format!("`requires` names `{req}`, which the spec refuses to provide"),
                    "a body cannot use a refused name: provide it, or do without",
                ),
                // Helpers take their PyPy guard from their users (plan.rs), so only entries are checked.
                Some(r)
                    if r.pypy == PyPySupport::Unavailable
                        && entry.pypy != PyPySupport::Unavailable
                        && entry.kind != Kind::Helper =>
                {
                    errors.error(
                    entry.location.clone(),
                    Some(&entry.name),
                    format!("`requires` names `{req}`, which is `pypy: unavailable`, but this entry is offered on PyPy"),
                    "mark this entry `pypy: unavailable` too, or stop requiring it",
                );
                }
                Some(_) if req == &entry.name => errors.error(
                    entry.location.clone(),
                    Some(&entry.name),
                    "the entry requires itself",
                    "remove it from its own `requires`",
                ),
                Some(_) => {}
            }
        }
    }
    for cycle in find_cycles(entries, &first_seen) {
        let first = first_seen[cycle[0].as_str()];
        errors.error(
            first.location.clone(),
            Some(&first.name),
            format!("`requires` forms a cycle: {}", cycle.join(" -> ")),
            "break the cycle: a helper both entries require usually does it",
        );
    }
}

/// Each cycle once, starting from its alphabetically first member.
fn find_cycles(entries: &[Entry], by_name: &BTreeMap<&str, &Entry>) -> Vec<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unseen,
        OnStack,
        Done,
    }
    fn visit<'a>(
        name: &'a str,
        by_name: &BTreeMap<&'a str, &'a Entry>,
        marks: &mut BTreeMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
        cycles: &mut BTreeSet<Vec<String>>,
    ) {
        marks.insert(name, Mark::OnStack);
        stack.push(name);
        if let Some(entry) = by_name.get(name) {
            for req in &entry.requires {
                if req == name || !by_name.contains_key(req.as_str()) {
                    continue;
                }
                match marks.get(req.as_str()).copied().unwrap_or(Mark::Unseen) {
                    Mark::Unseen => visit(req, by_name, marks, stack, cycles),
                    Mark::OnStack => {
                        let start = stack.iter().position(|n| *n == req).unwrap_or(0);
                        let mut cycle: Vec<String> = stack[start..].iter().map(|s| s.to_string()).collect();
                        let min =
                            cycle.iter().enumerate().min_by(|a, b| a.1.cmp(b.1)).map(|(i, _)| i).unwrap_or(0);
                        cycle.rotate_left(min);
                        cycle.push(cycle[0].clone());
                        cycles.insert(cycle);
                    }
                    Mark::Done => {}
                }
            }
        }
        stack.pop();
        marks.insert(name, Mark::Done);
    }
    let mut marks = BTreeMap::new();
    let mut cycles = BTreeSet::new();
    for entry in entries {
        if marks.get(entry.name.as_str()).copied().unwrap_or(Mark::Unseen) == Mark::Unseen {
            visit(&entry.name, by_name, &mut marks, &mut Vec::new(), &mut cycles);
        }
    }
    cycles.into_iter().collect()
}
