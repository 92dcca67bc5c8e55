//! The entry's versions: `since` (native from), `removed`, `force_below`, the PyPy claim, and
//! why a name may be left out of the since probe (`unprobed`).

use super::entry::EntryCheck;
use crate::spec::model::{PyPySupport, TestSnippet};
use crate::spec::raw::RawEntry;
use crate::spec::version::{PyPyVersion, PyVersion, NEWEST, OLDEST};
use serde_saphyr::Spanned;

pub(super) struct Versions {
    pub since: Option<PyVersion>,
    pub pypy: PyPySupport,
    pub pypy_reason: Option<String>,
    pub pypy_defect: Option<TestSnippet>,
    pub force_below: Option<PyVersion>,
    pub removed: Option<PyVersion>,
    pub unprobed: Option<String>,
    pub provided_from: Option<PyVersion>,
}

pub(super) fn check(raw: &RawEntry, check: &mut EntryCheck) -> Versions {
    let since = raw.since.as_ref().and_then(|s| match PyVersion::parse(&s.value) {
        Ok(v) if v.in_supported_range() => Some(v),
        Ok(v) => {
            check.value_error(
                s,
                format!("since `{v}` is outside {OLDEST} … {NEWEST}"),
                "the header supports CPython 3.10 to 3.15: a name native before 3.10 needs no entry",
            );
            None
        }
        Err(msg) => {
            check.value_error(s, msg, "");
            None
        }
    });
    let pypy = match &raw.pypy {
        None => PyPySupport::Backport,
        Some(p) => match p.value.as_str() {
            "backport" => PyPySupport::Backport,
            "unavailable" => PyPySupport::Unavailable,
            "backfill" => PyPySupport::Backfill,
            "replace" => PyPySupport::Replace,
            other => match PyPyVersion::parse(other) {
                Ok(v) => PyPySupport::NativeSince(v),
                Err(msg) => {
                    check.value_error(p, msg, "");
                    PyPySupport::Backport
                }
            },
        },
    };
    let pypy_reason = pypy_reason(raw, pypy, check);
    let pypy_defect = pypy_defect(raw, pypy, check);
    let force_below = later_than_since(
        raw.force_below.as_ref(),
        since,
        "force_below",
        "name the version that removed an API the backport uses",
        check,
    );
    let removed = later_than_since(
        raw.removed.as_ref(),
        since,
        "removed",
        "name the first version whose headers no longer declare it",
        check,
    );
    let unprobed = raw.unprobed.as_ref().map(|u| u.value.trim().to_string());
    if let (Some(reason), Some(u)) = (&unprobed, &raw.unprobed) {
        if reason.len() < 30 {
            check.value_error(
                u,
                "say why the headers never show this name",
                "e.g. `only declared when Py_STATS is defined`",
            );
        }
    }
    if pypy == PyPySupport::Backfill && since.is_some_and(|s| s.series() > PyVersion::release(3, 11)) {
        if let Some(p) = &raw.pypy {
            check.value_error(
                p,
                "`pypy: backfill` is for names CPython 3.11 (PyPy's language version) already has",
                "for a newer name, `pypy: backport` (the default) emits the backport on PyPy",
            );
        }
    }
    let provided_from = raw.provided_from.as_ref().and_then(|p| match PyVersion::parse(&p.value) {
        Ok(v) if since.is_none_or(|s| v < s) && v.in_supported_range() && v.series() == v => Some(v),
        Ok(v) => {
            check.value_error(
                p,
                format!("`provided_from: {v}` must be a minor version (3.12) before `since`"),
                "name the first CPython where the backport works; below it the name stays refused",
            );
            None
        }
        Err(msg) => {
            check.value_error(p, msg, "");
            None
        }
    });
    Versions { since, pypy, pypy_reason, pypy_defect, force_below, removed, unprobed, provided_from }
}

/// `pypy_defect` re-proves a `pypy: replace` claim: C statements the PyPy probe runs against
/// PyPy's own function (compiled without the header), passing only while that function still
/// misbehaves as `pypy_reason` says. Without it a fixed PyPy would go on getting the backport
/// unnoticed; so `replace` needs it, and nothing else takes it.
fn pypy_defect(raw: &RawEntry, pypy: PyPySupport, check: &mut EntryCheck) -> Option<TestSnippet> {
    match (&raw.pypy, &raw.pypy_defect) {
        (Some(p), None) if pypy == PyPySupport::Replace => {
            check.value_error(
                p,
                "`pypy: replace` needs `pypy_defect:`",
                "C statements that pass against PyPy's own function only while it misbehaves as `pypy_reason` says, e.g. `CHECK(PyFrame_GetLocals(f) == NULL); CHECK_NO_EXC();`",
            );
            None
        }
        (_, Some(d)) if pypy != PyPySupport::Replace => {
            check.value_error(d, "`pypy_defect` goes only with `pypy: replace`", "remove it");
            None
        }
        (_, Some(d)) if d.value.trim().is_empty() => {
            check.value_error(
                d,
                "`pypy_defect` is empty",
                "show the defect: call PyPy's function and CHECK what it does wrong",
            );
            None
        }
        (_, Some(d)) => Some(TestSnippet {
            code: d.value.clone(),
            file: check.file.to_string(),
            first_line: d.referenced.line(),
        }),
        _ => None,
    }
}

/// `pypy_reason` says what the `pypy:` claim cannot: why the backport cannot work on PyPy
/// (`unavailable`), how PyPy's own function misbehaves (`replace`), or, for a name native on
/// PyPy whose test branches on `PYPY_VERSION`, why the test checks less there. That last case
/// is how a native function that does not work hides (PyPy's `PyFrame_GetLocals` returned NULL
/// behind such a branch), so the branch needs the reason in the open. Elsewhere it is an error.
fn pypy_reason(raw: &RawEntry, pypy: PyPySupport, check: &mut EntryCheck) -> Option<String> {
    let test_branches = raw.test.as_ref().is_some_and(|t| t.value.contains("PYPY_VERSION"));
    let needed = match pypy {
        PyPySupport::Unavailable | PyPySupport::Replace => true,
        PyPySupport::NativeSince(_) => test_branches,
        PyPySupport::Backport | PyPySupport::Backfill => false,
    };
    if pypy == PyPySupport::Replace && raw.kind.value != "function" {
        if let Some(p) = &raw.pypy {
            check.value_error(
                p,
                "`pypy: replace` is for functions",
                "PyPy's macro is replaced by `#undef`ing a function's name",
            );
        }
    }
    match (&raw.pypy, &raw.pypy_reason) {
        (Some(p), None) if needed => {
            let (what, help) = match pypy {
                PyPySupport::Unavailable => (
                    "`pypy: unavailable` needs `pypy_reason:`",
                    "say what PyPy lacks that the backport needs, e.g. `cpyext has no PyCodeObject fields`",
                ),
                PyPySupport::Replace => (
                    "`pypy: replace` needs `pypy_reason:`",
                    "say how PyPy's own function differs from CPython's, e.g. `returns NULL without an exception`",
                ),
                _ => (
                    "the test branches on PYPY_VERSION for a name the spec calls native on PyPy: add `pypy_reason:`",
                    "say why the test checks less on PyPy; if PyPy's own function misbehaves, claim `pypy: replace`",
                ),
            };
            check.value_error(p, what, help)
        }
        (_, Some(r)) if !needed => check.value_error(
            r,
            "`pypy_reason` goes only with `pypy: unavailable`, `pypy: replace`, or a native claim whose test branches on PYPY_VERSION",
            "remove it",
        ),
        (_, Some(r)) if r.value.trim().len() < 30 => check.value_error(
            r,
            "say what PyPy lacks or does differently, concretely enough to check",
            "e.g. `cpyext has no PyCodeObject fields (co_extra)`",
        ),
        _ => {}
    }
    raw.pypy_reason.as_ref().map(|r| r.value.trim().to_string())
}

/// A version key that must come after `since` and within the supported range.
fn later_than_since(
    value: Option<&Spanned<String>>,
    since: Option<PyVersion>,
    key: &str,
    help: &str,
    check: &mut EntryCheck,
) -> Option<PyVersion> {
    let value = value?;
    match PyVersion::parse(&value.value) {
        Ok(v) if since.is_none_or(|s| v > s) && v.in_supported_range() => Some(v),
        Ok(v) => {
            check.value_error(
                value,
                format!("`{key}: {v}` must be after `since` and within 3.10 … 3.15"),
                help,
            );
            None
        }
        Err(msg) => {
            check.value_error(value, msg, "");
            None
        }
    }
}
