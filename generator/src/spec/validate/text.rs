//! The entry's one-line texts: `summary`, `doc`, `value`, and a refusal's reason (long enough
//! for a reader to check). Each ends up inside a C comment or a `#define` line.

use super::entry::EntryCheck;
use crate::spec::model::Kind;
use crate::spec::raw::RawEntry;

pub(super) struct Texts {
    pub summary: String,
    pub refusal: Option<String>,
}

pub(super) fn check(raw: &RawEntry, kind: Kind, check: &mut EntryCheck) -> Texts {
    if raw.value.as_ref().is_some_and(|v| v.trim().is_empty() || v.trim().contains('\n')) {
        check.entry_error(
            "`value` must be one line",
            "a constant is one `#define NAME value` line; use a macro for more",
        );
    }
    if raw.doc.as_ref().is_some_and(|d| d.contains("*/") || d.contains('\n')) {
        check.entry_error("`doc` must be one URL on one line", "it is printed inside a C comment");
    }
    let refusal = raw.refused.as_ref().map(|r| r.value.trim().to_string());
    if let (Some(reason), Some(r)) = (&refusal, &raw.refused) {
        if reason.len() < 30 || reason.contains("*/") {
            check.value_error(
                r,
                "the refusal's reason is too short to check",
                "say concretely why no extension can provide it, so a reader can verify the claim",
            );
        }
        if kind == Kind::Helper {
            check.entry_error("a helper cannot be refused", "remove the helper");
        }
    }
    let summary = raw.summary.clone().unwrap_or_default();
    if summary.trim().is_empty() || summary.trim().contains('\n') || summary.contains("*/") {
        check.entry_error(
            "`summary` must be one line of text",
            "say in one line what the name does; it becomes the header comment",
        );
    }
    Texts { summary: summary.trim().to_string(), refusal }
}
