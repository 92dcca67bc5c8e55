//! `bench`: the entry's benchmark cases. Each has a `run` (the timed loop's body), optional
//! `setup`/`teardown`, a `case` label when there are several (labels unique), and `slower`
//! when the backport cannot match the native function (the reason, with the figure).

use super::entry::EntryCheck;
use crate::spec::model::BenchCase;
use crate::spec::raw::RawEntry;
use std::collections::BTreeSet;

pub(super) fn check(raw: &RawEntry, check: &mut EntryCheck) -> Vec<BenchCase> {
    let mut cases = Vec::new();
    let mut labels = BTreeSet::new();
    let several = raw.bench.len() > 1;
    for raw_case in &raw.bench {
        let case = raw_case.case.as_ref().map(|c| c.value.trim().to_string()).unwrap_or_default();
        if several && case.is_empty() {
            check.value_error(
                &raw_case.run,
                "a bench case without `case`",
                "with several cases, each needs a `case:` label (`missing`, `hit`)",
            );
        }
        if !case.is_empty() && !labels.insert(case.clone()) {
            let at = raw_case.case.as_ref().expect("non-empty comes from a value");
            check.value_error(
                at,
                format!("the bench case `{case}` is given twice"),
                "give each case its own label",
            );
        }
        if raw_case.run.value.trim().is_empty() {
            check.value_error(
                &raw_case.run,
                "the bench `run` is empty",
                "write the loop body the case times",
            );
        }
        let slower = raw_case.slower.as_ref().map(|s| s.value.trim().to_string());
        if let (Some(text), Some(at)) = (&slower, &raw_case.slower) {
            if !text.chars().any(|c| c.is_ascii_digit()) {
                check.value_error(
                    at,
                    "`slower` gives no figure",
                    "say why the backport cannot match the native function, with the measured ns/op",
                );
            }
        }
        cases.push(BenchCase {
            case,
            setup: raw_case.setup.clone().unwrap_or_default(),
            run: raw_case.run.value.clone(),
            teardown: raw_case.teardown.clone().unwrap_or_default(),
            slower,
            file: check.file.to_string(),
            first_line: raw_case.run.referenced.line(),
        });
    }
    cases
}
