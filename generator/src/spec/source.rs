//! Where spec files come from: a directory (`--spec DIR`) or the copy built into the binary.

use crate::spec::diagnostics::{Diagnostic, SourceLocation, SpecErrors};
use std::path::Path;

/// One spec file's display name (as errors print it) and its text.
#[derive(Debug, Clone)]
pub struct SpecFile {
    pub name: String,
    pub text: String,
}

/// The spec files, sorted by name so that output does not depend on directory order.
#[derive(Debug, Clone)]
pub struct SpecSource {
    pub files: Vec<SpecFile>,
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_spec.rs"));
}

impl SpecSource {
    /// The spec compiled into this binary from the repository's `spec/` directory.
    pub fn embedded() -> Self {
        let files = embedded::FILES
            .iter()
            .map(|(name, text)| SpecFile { name: format!("spec/{name}"), text: text.to_string() })
            .collect();
        SpecSource { files }
    }

    /// Every `*.yaml` file directly in `dir`.
    pub fn from_dir(dir: &Path) -> Result<Self, SpecErrors> {
        let fail = |message: String, help: &str| {
            SpecErrors(vec![Diagnostic {
                location: SourceLocation { file: dir.display().to_string(), line: None, column: None },
                entry: None,
                message,
                help: help.to_string(),
            }])
        };
        let read = std::fs::read_dir(dir).map_err(|e| {
            fail(
                format!("cannot read the spec directory: {e}"),
                "pass --spec a directory holding the spec's *.yaml files",
            )
        })?;
        let mut files = Vec::new();
        for item in read {
            let path = item.map_err(|e| fail(format!("cannot list the spec directory: {e}"), ""))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| {
                fail(format!("cannot read {}: {e}", path.display()), "the spec files must be readable UTF-8")
            })?;
            files.push(SpecFile { name: path.display().to_string(), text });
        }
        if files.is_empty() {
            return Err(fail(
                "no *.yaml files in the spec directory".into(),
                "point --spec at the directory that holds dict.yaml, long.yaml, ...",
            ));
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(SpecSource { files })
    }

    /// A digest of every file's name and text, to tell two specs apart in a banner.
    pub fn digest(&self) -> String {
        let mut hash = crate::digest::Fnv64::default();
        for file in &self.files {
            // The base name only: the embedded spec and `--spec spec` give the same digest.
            let base = file.name.rsplit('/').next().unwrap_or(&file.name);
            hash.field(base.as_bytes()).field(file.text.as_bytes());
        }
        hash.hex()
    }
}
