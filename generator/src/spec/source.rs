//! Where spec files come from: a directory (`--spec DIR`) or the copy built into the binary.
//! The HPy layer's data lives in the `hpy/` folder beside the API spec's files, and comes
//! from the same place.

use crate::spec::diagnostics::{Diagnostic, SourceLocation, SpecErrors};
use std::path::Path;

/// One spec file's display name (as errors print it) and its text.
#[derive(Debug, Clone)]
pub struct SpecFile {
    pub name: String,
    pub text: String,
}

impl SpecFile {
    /// A file's bytes as text, or an error at the line and column of the first byte that is
    /// not UTF-8 (so that a stray byte is found without a hex editor).
    pub fn decode(name: String, bytes: Vec<u8>) -> Result<SpecFile, SpecErrors> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SpecFile { name, text }),
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                // Columns count characters, as the YAML errors' do; the prefix is valid UTF-8.
                let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                Err(SpecErrors(vec![Diagnostic {
                    location: SourceLocation {
                        file: name,
                        line: Some(line as u64),
                        column: Some(column as u64),
                    },
                    entry: None,
                    message: "this byte is not UTF-8".into(),
                    help: "the spec files are UTF-8 text: retype the character or remove the byte".into(),
                }]))
            }
        }
    }
}

/// The spec files, sorted by name so that output does not depend on directory order.
#[derive(Debug, Clone)]
pub struct SpecSource {
    /// The API spec: `*.yaml` directly in the directory.
    pub files: Vec<SpecFile>,
    /// The HPy layer's data: `hpy/*.yaml` (empty when the directory has no `hpy/`).
    pub hpy_files: Vec<SpecFile>,
    /// Where the HPy data is (or would be), as errors name it: `spec/hpy`, `DIR/hpy`.
    pub hpy_dir: String,
    /// The `upgrade` command's rewrite rules: `upgrade/*.yaml` (empty when there is none).
    pub upgrade_files: Vec<SpecFile>,
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_spec.rs"));
}

fn embedded_files(prefix: &str, files: &[(&str, &str)]) -> Vec<SpecFile> {
    files
        .iter()
        .map(|(name, text)| SpecFile { name: format!("{prefix}/{name}"), text: text.to_string() })
        .collect()
}

fn problem(file: &Path, message: String, help: &str) -> SpecErrors {
    SpecErrors(vec![Diagnostic {
        location: SourceLocation { file: file.display().to_string(), line: None, column: None },
        entry: None,
        message,
        help: help.to_string(),
    }])
}

/// Every `*.yaml` directly in `dir`, sorted by name.
fn yaml_files(dir: &Path) -> Result<Vec<SpecFile>, SpecErrors> {
    let read = std::fs::read_dir(dir).map_err(|e| {
        problem(
            dir,
            format!("cannot read the spec directory: {e}"),
            "pass --spec a directory holding the spec's *.yaml files",
        )
    })?;
    let mut files = Vec::new();
    for item in read {
        let path = item.map_err(|e| problem(dir, format!("cannot list the spec directory: {e}"), ""))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| {
            problem(dir, format!("cannot read {}: {e}", path.display()), "the spec files must be readable")
        })?;
        files.push(SpecFile::decode(path.display().to_string(), bytes)?);
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

impl SpecSource {
    /// The spec compiled into this binary from the repository's `spec/` directory.
    pub fn embedded() -> Self {
        SpecSource {
            files: embedded_files("spec", embedded::FILES),
            hpy_files: embedded_files("spec/hpy", embedded::HPY_FILES),
            hpy_dir: "spec/hpy".to_string(),
            upgrade_files: embedded_files("spec/upgrade", embedded::UPGRADE_FILES),
        }
    }

    /// Every `*.yaml` file directly in `dir`, and in `dir/hpy` when there is one.
    pub fn from_dir(dir: &Path) -> Result<Self, SpecErrors> {
        let files = yaml_files(dir)?;
        if files.is_empty() {
            return Err(problem(
                dir,
                "no *.yaml files in the spec directory".into(),
                "point --spec at the directory that holds dict.yaml, long.yaml, ...",
            ));
        }
        let hpy = dir.join("hpy");
        let hpy_files = if hpy.is_dir() { yaml_files(&hpy)? } else { Vec::new() };
        let upgrade = dir.join("upgrade");
        let upgrade_files = if upgrade.is_dir() { yaml_files(&upgrade)? } else { Vec::new() };
        Ok(SpecSource { files, hpy_files, hpy_dir: hpy.display().to_string(), upgrade_files })
    }

    /// An API spec of these files alone, with no HPy data (tests build specs this way).
    pub fn from_files(files: Vec<SpecFile>) -> Self {
        SpecSource { files, hpy_files: Vec::new(), hpy_dir: "hpy".to_string(), upgrade_files: Vec::new() }
    }

    /// The HPy data file with this base name (`api.yaml`).
    pub fn hpy_file(&self, base: &str) -> Option<&SpecFile> {
        self.hpy_files.iter().find(|f| f.name.rsplit('/').next() == Some(base))
    }

    /// A digest of every API spec file's name and text, to tell two specs apart in a banner.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_utf8_are_placed_at_their_line_and_column() {
        let errors =
            SpecFile::decode("spec/x.yaml".into(), b"area: x\ntitle: ab\xffc\n".to_vec()).unwrap_err();
        assert_eq!(errors.0[0].location.to_string(), "spec/x.yaml:2:10");
        // Columns count characters: `é` is two bytes, one column.
        let errors = SpecFile::decode("y.yaml".into(), "é".bytes().chain([0x80]).collect()).unwrap_err();
        assert_eq!(errors.0[0].location.to_string(), "y.yaml:1:2");
        assert_eq!(SpecFile::decode("z.yaml".into(), b"a: 1".to_vec()).unwrap().text, "a: 1");
    }
}
