//! Checks across all files: duplicate names, `requires` that name nothing (or a refused or
//! PyPy-unavailable entry), and `requires` cycles.

use crate::spec::diagnostics::Collector;
use crate::spec::model::{Entry, Kind, PyPySupport};
use std::collections::{BTreeMap, BTreeSet};

/// Duplicate names, `requires` that name nothing, and cycles: checks across all files.
pub(super) fn check_references(entries: &[Entry], rejected: &BTreeSet<String>, errors: &mut Collector) {
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
