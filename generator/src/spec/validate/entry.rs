//! One entry on its own: each group of fields is checked by its module, every problem is
//! collected (with the entry's name), and the entry is built only when none was found.

use super::{bench, code, errors, identity, keys, privates, spanned_at, text, versions};
use crate::spec::cdecl::{is_c_identifier, Signature};
use crate::spec::diagnostics::{Collector, SourceLocation};
use crate::spec::model::Entry;
use crate::spec::raw::RawEntry;
use serde_saphyr::Spanned;

/// What every field check needs: where the entry is, and where problems go.
pub(super) struct EntryCheck<'a> {
    pub file: &'a str,
    pub name: String,
    /// The entry's `name:` line: problems with no value of their own are reported there.
    pub location: SourceLocation,
    errors: &'a mut Collector,
}

impl EntryCheck<'_> {
    /// A problem at a location.
    pub fn error(&mut self, location: SourceLocation, message: impl Into<String>, help: &str) {
        self.errors.error(location, Some(&self.name), message, help);
    }

    /// A problem with the entry as a whole (a missing or surplus key).
    pub fn entry_error(&mut self, message: impl Into<String>, help: &str) {
        let location = self.location.clone();
        self.error(location, message, help);
    }

    /// How many problems were found so far (in every entry).
    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// A problem with one value.
    pub fn value_error<T>(&mut self, value: &Spanned<T>, message: impl Into<String>, help: &str) {
        let location = spanned_at(self.file, value);
        self.error(location, message, help);
    }
}

/// Checks one entry on its own; returns it when it is complete enough to check references.
pub(super) fn check_entry(file: &str, area: &str, raw: RawEntry, errors: &mut Collector) -> Option<Entry> {
    let before = errors.len();
    let mut check =
        EntryCheck { file, name: raw.name.value.clone(), location: spanned_at(file, &raw.name), errors };
    let kind = identity::check(&raw, &mut check)?;
    keys::check(&raw, kind, &mut check);
    let text = text::check(&raw, kind, &mut check);
    let versions = versions::check(&raw, &mut check);
    let code = code::check(&raw, versions.since, &mut check);
    let uses_private = privates::check(&raw, &mut check);
    let bench = bench::check(&raw, &mut check);

    let mut requires: Vec<String> = raw.requires.iter().map(|r| r.value.clone()).collect();
    if let Some(owner) = &raw.defined_by {
        requires.push(owner.value.clone());
    }
    let printf_format = printf_format(&raw, code.signature.as_ref(), &mut check);
    if let Some(switch) = &raw.switch {
        if !is_c_identifier(&switch.value) || !switch.value.starts_with("CAPI_COMPAT_") {
            check.value_error(
                switch,
                format!("switch `{}` is not a CAPI_COMPAT_* macro name", switch.value),
                "name the macro users define before including the header, e.g. CAPI_COMPAT_PYTHONCAPI_COMPAT",
            );
        }
    }
    let isolated = isolated(&raw, &mut check);
    let error_contract = errors::check(&raw, code.signature.as_ref(), &mut check);
    let EntryCheck { name, location, errors, .. } = check;
    if errors.len() != before {
        return None;
    }
    Some(Entry {
        name,
        kind,
        area: area.to_string(),
        since: versions.since,
        summary: text.summary,
        doc: raw.doc.clone(),
        signature: code.signature,
        params: raw.params.clone(),
        bodies: code.bodies,
        value: raw.value.clone(),
        requires,
        pypy: versions.pypy,
        pypy_reason: versions.pypy_reason,
        pypy_defect: versions.pypy_defect,
        force_below: versions.force_below,
        refused: text.refusal,
        removed: versions.removed,
        unprobed: versions.unprobed,
        isolated,
        defined_by: raw.defined_by.as_ref().map(|d| d.value.clone()),
        test: code.test,
        provided_from: versions.provided_from,
        switch: raw.switch.as_ref().map(|s| s.value.clone()),
        printf_format,
        uses_private,
        bench,
        errors: error_contract,
        location,
    })
}

/// `isolated: <reason>`: only on an entry with a test (it is the test that runs apart), and
/// with a reason that names the state the test leaves behind.
fn isolated(raw: &RawEntry, check: &mut EntryCheck) -> Option<String> {
    let value = raw.isolated.as_ref()?;
    let reason = value.value.trim().to_string();
    if raw.test.is_none() {
        check.value_error(
            value,
            "`isolated` without a `test`",
            "`isolated` runs the entry's test in its own process: remove it, or add the test",
        );
    } else if reason.len() < 30 {
        check.value_error(
            value,
            "say what interpreter-wide state the test leaves behind",
            "e.g. `isolated: an audit hook cannot be removed, and every later test would run under it`",
        );
    }
    Some(reason)
}

/// `printf_format: [format, first]`: the format string's parameter and the first variadic one
/// of a variadic function, as gcc's `format(printf, …)` attribute numbers them.
fn printf_format(
    raw: &RawEntry,
    signature: Option<&Signature>,
    check: &mut EntryCheck,
) -> Option<(u32, u32)> {
    let value = raw.printf_format.as_ref()?;
    let sig = signature?;
    let fits = match value.value.as_slice() {
        [format, first] => {
            let format_is_char_ptr = (*format as usize)
                .checked_sub(1)
                .and_then(|i| sig.params.get(i))
                .is_some_and(|p| p.ty.replace(' ', "") == "constchar*");
            sig.variadic && format_is_char_ptr && *first as usize == sig.params.len() + 1
        }
        _ => false,
    };
    if !fits {
        check.value_error(
            value,
            "`printf_format` must be `[format parameter, first variadic parameter]` of a variadic function",
            "count parameters from 1: `[2, 3]` for `int F(T *w, const char *format, ...)`",
        );
        return None;
    }
    Some((value.value[0], value.value[1]))
}
