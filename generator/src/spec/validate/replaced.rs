//! `spec/replaced.yaml`: the C API names code should move away from. Each record is checked
//! on its own (versions, which keys go together) and against the spec: the replacement must be
//! a name our header offers or one every supported CPython declares (CPython 3.10's public
//! names, `spec/pypy/capi-3.10-names.tsv`), and an old name must not be one the spec provides.

use super::spanned_at;
use crate::spec::cdecl::is_c_identifier;
use crate::spec::diagnostics::Collector;
use crate::spec::model::{Entry, Kind, Replaced};
use crate::spec::raw::RawReplaced;
use crate::spec::version::{PyVersion, NEWEST};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, BTreeSet};

/// The base name of the file, among the spec's `*.yaml`: it holds no area.
pub const FILE_NAME: &str = "replaced.yaml";

/// What the rest of the spec says about names: its valid entries, the names of entries with
/// errors of their own, and whether an area file could not be read at all.
pub(super) struct Known<'a> {
    pub entries: &'a [Entry],
    pub rejected: &'a BTreeSet<String>,
    pub unreadable_area: bool,
}

/// Checks every record; returns the valid ones.
pub(super) fn check(
    file: &str,
    raw: Vec<RawReplaced>,
    known: &Known,
    errors: &mut Collector,
) -> Vec<Replaced> {
    let entries = known.entries;
    let cpython_310: BTreeSet<&str> = crate::selftest::pypy_probe::CPYTHON_310_NAMES
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .collect();
    let spec_names: BTreeMap<&str, &Entry> = entries.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for record in raw {
        let name = record.name.value.clone();
        let mut check = RecordCheck { file, name: &name, errors, ok: true };
        if !is_c_identifier(&name) {
            check.at(
                &record.name,
                format!("`{name}` is not a C identifier"),
                "write the old name as CPython spells it",
            );
        } else if !seen.insert(name.clone()) {
            check.at(&record.name, format!("`{name}` is listed twice"), "keep one record per old name");
        } else if spec_names.contains_key(name.as_str()) {
            check.at(
                &record.name,
                format!("`{name}` is a spec entry, which the header describes or provides"),
                "list here only names code should move away from",
            );
        }
        let kind =
            Kind::ALL.iter().find(|(s, k)| *s == record.kind.value && *k != Kind::Helper).map(|(_, k)| *k);
        if kind.is_none() {
            check.at(
                &record.kind,
                format!("unknown kind `{}`", record.kind.value),
                "one of: function, macro, type, constant, var",
            );
        }
        let removed = check.version(record.removed.as_ref());
        let deprecated = check.version(record.deprecated.as_ref());
        if let (Some(d), Some(r), Some(at)) = (deprecated, removed, record.deprecated.as_ref()) {
            if d > r {
                check.at(at, format!("deprecated in {d}, after its removal in {r}"), "");
            }
        }
        let discouraged = record.discouraged.as_ref().map(|d| d.value.trim().to_string());
        if removed.is_none() && deprecated.is_none() && discouraged.is_none() && !name.starts_with('_') {
            check.at(
                &record.name,
                format!("`{name}` is public, and neither `removed`, `deprecated` nor `discouraged`"),
                "say when CPython removed or deprecated it, or why code should move (`discouraged: …`)",
            );
        }
        if let Some(d) = &record.discouraged {
            if d.value.trim().is_empty() || d.value.contains('\n') {
                check.at(d, "`discouraged` must be one line saying why", "");
            }
        }
        if let Some(replacement) = &record.replacement {
            let offered = spec_names.get(replacement.value.as_str());
            // A name the rest of the spec may hold but could not be checked against is not
            // reported again here.
            let unsure = known.unreadable_area || known.rejected.contains(&replacement.value);
            let known = offered.is_some_and(|e| e.kind != Kind::Helper && !e.refused_everywhere())
                || cpython_310.contains(replacement.value.as_str())
                || unsure;
            if replacement.value == name {
                check.at(replacement, "a name cannot replace itself", "");
            } else if !known {
                check.at(
                    replacement,
                    format!("unknown replacement `{}`", replacement.value),
                    "name a spec entry the header provides, or a public name of CPython 3.10 (spec/pypy/capi-3.10-names.tsv)",
                );
            }
        }
        let exact = record.exact.as_ref().map(|e| e.value);
        match (&record.replacement, &record.exact) {
            (Some(_), None) => check.at(
                &record.name,
                "a replacement needs `exact: true` or `exact: false`",
                "`exact: true` when swapping the name is the whole change",
            ),
            (None, Some(e)) => {
                check.at(e, "`exact` without a `replacement`", "remove it, or name the replacement")
            }
            _ => {}
        }
        let needs_change = record.replacement.is_none() || exact == Some(false);
        match (&record.change, needs_change) {
            (None, true) => check.at(
                &record.name,
                "say in `change:` what code must do instead",
                "e.g. `change: returns a strong reference: Py_DECREF the result`",
            ),
            (Some(c), false) => check.at(
                c,
                "an exact replacement takes no `change`",
                "set `exact: false` if code must change beyond the name",
            ),
            (Some(c), true) if c.value.trim().is_empty() => check.at(c, "`change` is empty", ""),
            _ => {}
        }
        if !record.source.value.starts_with("https://") || record.source.value.contains(char::is_whitespace) {
            check.at(
                &record.source,
                "`source` must be one https:// URL",
                "link CPython's docs or What's New",
            );
        }
        if check.ok {
            out.push(Replaced {
                name,
                kind: kind.expect("checked"),
                removed,
                deprecated,
                discouraged,
                replacement: record.replacement.map(|r| r.value),
                exact: exact.unwrap_or(false),
                change: record.change.map(|c| c.value.trim().to_string()),
                source: record.source.value,
                location: spanned_at(file, &record.name),
            });
        }
    }
    out
}

struct RecordCheck<'a> {
    file: &'a str,
    name: &'a str,
    errors: &'a mut Collector,
    ok: bool,
}

impl RecordCheck<'_> {
    fn at<T>(&mut self, value: &Spanned<T>, message: impl Into<String>, help: &str) {
        self.ok = false;
        self.errors.error(spanned_at(self.file, value), Some(self.name), message, help);
    }

    /// A version CPython released a change in: 3.0 … the newest supported.
    fn version(&mut self, value: Option<&Spanned<String>>) -> Option<PyVersion> {
        let value = value?;
        match PyVersion::parse(&value.value) {
            Ok(v) if v.major == 3 && v <= NEWEST => Some(v),
            Ok(v) => {
                self.at(value, format!("`{v}` is not a CPython 3 version up to {NEWEST}"), "");
                None
            }
            Err(message) => {
                self.at(value, message, "");
                None
            }
        }
    }
}
