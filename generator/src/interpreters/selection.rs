//! Which interpreters a run over interpreters uses (`test`, `matrix`): the `--python` filters,
//! the floor, the headers, and the `--require`d ones that were not found.

use super::{Interpreter, Requirement};

/// The interpreters a run uses, those it passes over (and why), and required ones not found.
pub struct Selection {
    pub usable: Vec<Interpreter>,
    pub skipped: Vec<(Interpreter, String)>,
    pub missing: Vec<Requirement>,
}

/// Keeps interpreters that match a filter (label or path contains it, or the filter is a path
/// to the same binary; no filter keeps all), are new enough for the floor and have headers.
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
            || filters.iter().any(|f| {
                i.label.contains(f.as_str())
                    || i.path.to_string_lossy().contains(f.as_str())
                    || names_binary(f, &i.real_executable)
            });
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

/// Filters that name an interpreter by path (they contain a `/` and are a file): discovery is
/// asked to look at them too.
pub fn filter_paths(filters: &[String]) -> Vec<std::path::PathBuf> {
    filters.iter().filter(|f| f.contains('/')).map(std::path::PathBuf::from).filter(|p| p.is_file()).collect()
}

/// Whether a `--python` path leads to this binary (a venv's or setup-python's `bin/python` is a
/// symlink to the interpreter that discovery found under another name).
fn names_binary(filter: &str, real_executable: &std::path::Path) -> bool {
    filter.contains('/')
        && std::fs::canonicalize(filter)
            .is_ok_and(|f| std::fs::canonicalize(real_executable).is_ok_and(|r| r == f))
}
