//! Reading one spec file's YAML into its shape, with problems placed at file:line:column. The
//! API spec (`validate`) and the HPy data (`hpy`) both read their files through here.

use crate::spec::diagnostics::{Collector, SourceLocation};
use crate::spec::source::SpecFile;
use serde::de::DeserializeOwned;
use serde_saphyr::{Location, Spanned};

/// The file parsed into `T`, or `None` after recording why not.
pub fn parse<T: DeserializeOwned>(file: &SpecFile, errors: &mut Collector, help: &str) -> Option<T> {
    match serde_saphyr::from_str(&file.text) {
        Ok(value) => Some(value),
        Err(e) => {
            errors.error(at(&file.name, e.location()), None, message(&e), help);
            None
        }
    }
}

/// serde-saphyr renders `error: line L column C: message` and a snippet; we print the
/// location ourselves (file:line:column), so keep only the message.
fn message(e: &serde_saphyr::Error) -> String {
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

pub fn at(file: &str, loc: Option<Location>) -> SourceLocation {
    let loc = loc.filter(|l| *l != Location::UNKNOWN);
    SourceLocation { file: file.to_string(), line: loc.map(|l| l.line()), column: loc.map(|l| l.column()) }
}

/// Where a value stands in its file.
pub fn spanned_at<T>(file: &str, s: &Spanned<T>) -> SourceLocation {
    at(file, Some(s.referenced))
}

/// A problem with a file as a whole.
pub fn whole_file(file: &str) -> SourceLocation {
    SourceLocation { file: file.to_string(), line: None, column: None }
}
