//! Turns spec files into a checked `Spec`, reporting every problem at once. `load` parses each
//! file and checks its header here; one entry's fields are checked by `entry` (which hands each
//! group of fields to `identity`, `keys`, `text`, `versions`, `code` and `errors`); `references` checks
//! what spans entries and files.

mod bench;
mod code;
mod entry;
mod errors;
mod identity;
mod keys;
mod privates;
mod references;
pub mod replaced;
mod text;
mod versions;

use crate::spec::diagnostics::{Collector, SpecErrors};
use crate::spec::model::{Area, Entry, Spec};
use crate::spec::raw::{RawFile, RawReplacedFile};
use crate::spec::source::SpecSource;
use crate::spec::yaml;
pub(super) use crate::spec::yaml::spanned_at;
use entry::check_entry;
use references::check_references;
use std::collections::BTreeSet;

/// The prefix of every private name the header defines.
pub const HELPER_PREFIX: &str = "capicompat_";

pub fn load(source: &SpecSource) -> Result<Spec, SpecErrors> {
    let mut errors = Collector::default();
    let mut areas = Vec::new();
    let mut entries = Vec::new();
    // Entries that have errors of their own: `requires` naming them is not another error.
    let mut rejected = BTreeSet::new();
    let mut replaced_records = Vec::new();
    // An area file that did not parse: its names are unknown, so a replacement naming one of
    // them is not another error.
    let mut unreadable_area = false;
    for file in &source.files {
        if file.name.rsplit('/').next() == Some(replaced::FILE_NAME) {
            let help = "fix the YAML: the keys a record takes are listed in spec/README.md (Replaced names)";
            if let Some(raw) = yaml::parse::<RawReplacedFile>(file, &mut errors, help) {
                replaced_records.push((file.name.clone(), raw.replaced));
            }
            continue;
        }
        let help = "fix the YAML: the keys an entry takes are listed in spec/README.md";
        let Some(raw) = yaml::parse::<RawFile>(file, &mut errors, help) else {
            unreadable_area = true;
            continue;
        };
        check_file(&file.name, raw, &mut errors, &mut areas, &mut entries, &mut rejected);
    }
    check_references(&entries, &rejected, &mut errors);
    let mut replaced = Vec::new();
    for (file, records) in replaced_records {
        let known = replaced::Known { entries: &entries, rejected: &rejected, unreadable_area };
        replaced.extend(replaced::check(&file, records, &known, &mut errors));
    }
    errors.finish()?;
    Ok(Spec::new(areas, entries, source.digest()).with_replaced(replaced))
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
