//! `capi-compat upgrade`: rewrites users' C/C++ code from old API to its exact replacement.
//!
//! Only exact rewrites: each rule (`spec/upgrade/*.yaml`, read by `rules`) says why the new
//! code means what the old did, and its test (`ruletest`) runs both side by side on every
//! interpreter that has the old API. Matching is on the tokens the compiler sees (`code`,
//! over `scan`'s tokenizer): never in comments, string or character literals, or `#if 0`
//! code; `#define` bodies are code. `pattern` reads a rule's `from`/`to`, `matcher` finds
//! `from` where the replacement means the same, `rewrite` applies the rules to a file's text
//! until nothing matches (so a second run changes nothing) and includes our header where the
//! new code uses one of its names, `diff` writes `--diff`'s unified diff.

pub mod code;
pub mod diff;
pub mod matcher;
pub mod pattern;
pub mod rewrite;
pub mod rules;
pub mod ruletest;

use crate::scan::files::{source_files, ScanError};
use rewrite::Upgraded;
use rules::Rule;
use std::fmt;
use std::path::{Path, PathBuf};

pub use rewrite::{upgrade, HeaderAction, HEADER_INCLUDE};

/// Reads and checks the spec and its rewrite rules (the embedded ones, or those of `DIR`).
pub fn load_rules(dir: Option<&Path>) -> Result<Vec<Rule>, crate::SpecErrors> {
    let source = crate::spec_source(dir)?;
    let spec = crate::spec::validate::load(&source)?;
    rules::load(&source.upgrade_files, &spec)
}

/// Why a file could not be upgraded.
#[derive(Debug)]
pub enum UpgradeError {
    Files(ScanError),
    /// Not UTF-8 at this line (1-based): the tool would not know what it rewrites.
    NotUtf8(PathBuf, usize),
    Read(PathBuf, std::io::Error),
    Write(PathBuf, std::io::Error),
}

impl fmt::Display for UpgradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpgradeError::Files(e) => write!(f, "{e}"),
            UpgradeError::NotUtf8(path, line) => write!(
                f,
                "{}:{line}: not UTF-8 text; convert the file to UTF-8 (or leave it out) and run again",
                path.display()
            ),
            UpgradeError::Read(path, e) => write!(f, "{}: cannot read: {e}", path.display()),
            UpgradeError::Write(path, e) => write!(f, "{}: cannot write: {e}", path.display()),
        }
    }
}

impl std::error::Error for UpgradeError {}

/// One file read and upgraded in memory.
#[derive(Debug, Clone)]
pub struct FileUpgrade {
    pub path: PathBuf,
    pub original: String,
    pub upgraded: Upgraded,
}

impl FileUpgrade {
    pub fn changed(&self) -> bool {
        self.original != self.upgraded.text
    }

    /// `--diff`'s part for this file: `a/PATH`, `b/PATH` for relative paths (`patch -p1`,
    /// `git apply`), the path itself for absolute ones.
    pub fn diff(&self) -> String {
        let shown = self.path.display().to_string();
        let (old, new) = if self.path.is_absolute() {
            (shown.clone(), shown)
        } else {
            (format!("a/{shown}"), format!("b/{shown}"))
        };
        diff::unified(&old, &new, &self.original, &self.upgraded.text)
    }
}

/// Vendored compatibility headers (ours, pythoncapi-compat's) define the new API with the old:
/// never rewritten.
pub fn is_compatibility_header(path: &Path) -> bool {
    matches!(path.file_name().and_then(|n| n.to_str()), Some("capi_compat.h" | "pythoncapi_compat.h"))
}

/// Reads every C/C++ file under `paths` and upgrades it in memory; nothing is written.
pub fn upgrade_paths(rules: &[Rule], paths: &[PathBuf]) -> Result<Vec<FileUpgrade>, UpgradeError> {
    let files = source_files(paths).map_err(UpgradeError::Files)?;
    let mut out = Vec::with_capacity(files.len());
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| UpgradeError::Read(path.clone(), e))?;
        let original = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                return Err(UpgradeError::NotUtf8(path, line));
            }
        };
        let upgraded = if is_compatibility_header(&path) {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let note = format!("not upgraded: {name} is a compatibility header (it implements the new names with the old ones)");
            rewrite::Upgraded {
                text: original.clone(),
                changes: Vec::new(),
                header: None,
                skipped: vec![note],
            }
        } else {
            upgrade(rules, &original)
        };
        out.push(FileUpgrade { path, original, upgraded });
    }
    Ok(out)
}

/// Replaces the file's contents at once: a temporary file beside it, with its permissions,
/// renamed over it (readers see the old or the new file, never half of one).
pub fn write_atomically(path: &Path, text: &str) -> Result<(), UpgradeError> {
    let fail = |e| UpgradeError::Write(path.to_path_buf(), e);
    // Through a symlink, the file it points to is replaced, not the link.
    let resolved = std::fs::canonicalize(path).map_err(fail)?;
    let path = resolved.as_path();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.capi-compat-{}.tmp", std::process::id()));
    let result = (|| {
        let permissions = std::fs::metadata(path)?.permissions();
        std::fs::write(&temp, text)?;
        std::fs::set_permissions(&temp, permissions)?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        std::fs::remove_file(&temp).ok();
    }
    result.map_err(fail)
}

/// What `upgrade` (without `--diff`/`--write`) prints: each change with its place and rule,
/// each header action, each rule skipped.
pub fn describe(file: &FileUpgrade) -> String {
    let mut out = String::new();
    let shown = file.path.display();
    for change in &file.upgraded.changes {
        let before = one_line(&change.before);
        let after = one_line(&change.after);
        out.push_str(&format!(
            "{shown}:{}:{}: {}: `{before}` -> `{after}`\n",
            change.line, change.column, change.rule
        ));
    }
    match &file.upgraded.header {
        Some(HeaderAction::Inserted { after_line }) => {
            out.push_str(&format!("{shown}:{after_line}: add `{HEADER_INCLUDE}` after this line (Python.h)\n"))
        }
        Some(HeaderAction::NoPythonH) => out.push_str(&format!(
            "{shown}: note: uses names of capi_compat.h but does not include Python.h itself: \
             include \"capi_compat.h\" after Python.h where this file gets it\n"
        )),
        Some(HeaderAction::PythoncapiCompat) => out.push_str(&format!(
            "{shown}: note: includes pythoncapi_compat.h, which provides the new names; capi_compat.h not added\n"
        )),
        Some(HeaderAction::AlreadyIncluded) | None => {}
    }
    for note in &file.upgraded.skipped {
        out.push_str(&format!("{shown}: note: {note}\n"));
    }
    out
}

/// Code on one line for a listing: runs of whitespace (newlines included) become one space.
fn one_line(code: &str) -> String {
    code.split_whitespace().collect::<Vec<_>>().join(" ")
}
