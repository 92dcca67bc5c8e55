//! Turns spec files into a checked `Spec`, reporting every problem at once. `load` parses each
//! file and checks its header here; one entry's fields are checked by `entry` (which hands each
//! group of fields to `identity`, `keys`, `text`, `versions` and `code`); `references` checks
//! what spans entries and files.

mod bench;
mod code;
mod entry;
mod identity;
mod keys;
mod privates;
mod references;
mod text;
mod versions;

use crate::spec::diagnostics::{Collector, SourceLocation, SpecErrors};
use crate::spec::model::{Area, Entry, Spec};
use crate::spec::raw::RawFile;
use crate::spec::source::SpecSource;
use entry::check_entry;
use references::check_references;
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeSet;

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

pub(super) fn at(file: &str, loc: Option<Location>) -> SourceLocation {
    let loc = loc.filter(|l| *l != Location::UNKNOWN);
    SourceLocation { file: file.to_string(), line: loc.map(|l| l.line()), column: loc.map(|l| l.column()) }
}

pub(super) fn spanned_at<T>(file: &str, s: &Spanned<T>) -> SourceLocation {
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
