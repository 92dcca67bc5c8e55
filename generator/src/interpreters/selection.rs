//! Which interpreters a run over interpreters uses (`test`, `matrix`): the `--python` filters,
//! the floor, the headers, and the `--require`d ones that were not found.

use super::{Interpreter, Requirement};
use std::path::{Path, PathBuf};

/// The interpreters a run uses, those it passes over (and why), and required ones not found.
pub struct Selection {
    pub usable: Vec<Interpreter>,
    pub skipped: Vec<(Interpreter, String)>,
    pub missing: Vec<Requirement>,
}

/// Keeps interpreters that match a filter (a path to a file: that binary, whatever name it was
/// found under; any other text: label or path contains it; no filter keeps all), are new enough
/// for the floor and have headers.
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
            || filters.iter().any(|f| match names_a_file(f) {
                Some(file) => same_binary(&file, &i.real_executable),
                None => i.label.contains(f.as_str()) || i.path.to_string_lossy().contains(f.as_str()),
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

/// Filters that name an interpreter by path: discovery is asked to look at them too.
pub fn filter_paths(filters: &[String]) -> Vec<PathBuf> {
    filters.iter().filter_map(|f| names_a_file(f)).collect()
}

/// The `--python` paths that no interpreter found answers to (the file is not a Python).
pub fn unanswered_paths(filters: &[String], found: &[Interpreter]) -> Vec<PathBuf> {
    filter_paths(filters)
        .into_iter()
        .filter(|path| !found.iter().any(|i| same_binary(path, &i.real_executable)))
        .collect()
}

/// A filter with a `/` that is an existing file names an interpreter by path.
fn names_a_file(filter: &str) -> Option<PathBuf> {
    Some(PathBuf::from(filter)).filter(|p| filter.contains('/') && p.is_file())
}

/// Whether the file leads to this binary (a venv's or setup-python's `bin/python` is a symlink
/// to the interpreter that discovery found under another name).
fn same_binary(file: &Path, real_executable: &Path) -> bool {
    match (std::fs::canonicalize(file), std::fs::canonicalize(real_executable)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
