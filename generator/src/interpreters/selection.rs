//! Which interpreters a run over interpreters uses (`test`, `matrix`): the `--python` filters,
//! the floor, the headers, and the `--require`d ones that were not found.

use super::{Interpreter, Requirement};

/// The interpreters a run uses, those it passes over (and why), and required ones not found.
pub struct Selection {
    pub usable: Vec<Interpreter>,
    pub skipped: Vec<(Interpreter, String)>,
    pub missing: Vec<Requirement>,
}

/// Keeps interpreters that match a filter (label or path contains it; no filter keeps all),
/// are new enough for the floor and have headers.
pub fn select(
    interpreters: Vec<Interpreter>,
    filters: &[String],
    requirements: &[Requirement],
    floor: crate::spec::version::PyVersion,
) -> Selection {
    let mut usable = Vec::new();
    let mut skipped = Vec::new();
    for i in interpreters {
        let wanted = filters.is_empty()
            || filters
                .iter()
                .any(|f| i.label.contains(f.as_str()) || i.path.to_string_lossy().contains(f.as_str()));
        if !wanted {
            continue;
        }
        if !i.series().in_supported_range() || i.series() < floor {
            skipped.push((i, format!("older than {floor}")));
        } else if !i.supported() {
            skipped.push((i, "no Python.h (install its development headers)".to_string()));
        } else {
            usable.push(i);
        }
    }
    let missing = requirements.iter().filter(|r| !usable.iter().any(|i| r.matches(i))).cloned().collect();
    Selection { usable, skipped, missing }
}
