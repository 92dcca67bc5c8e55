//! Validating spec files written inline in a test, as `check-spec` would.

use super::dedent;
use capi_compat::spec::source::{SpecFile, SpecSource};

/// Validates the files (name, YAML; the YAML dedented, see `dedent`) and returns what
/// `check-spec` would print: every diagnostic and the count, or `spec OK`.
pub fn check_files(files: &[(&str, &str)]) -> String {
    let source = SpecSource::from_files(
        files.iter().map(|(name, text)| SpecFile { name: name.to_string(), text: dedent(text) }).collect(),
    );
    match capi_compat::spec::validate::load(&source) {
        Ok(_) => "spec OK\n".to_string(),
        Err(errors) => format!("{errors}\n"),
    }
}

/// Asserts that `text` (a spec's diagnostics) says each of `needles`.
pub fn assert_mentions(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
}
