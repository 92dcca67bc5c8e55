//! Helpers shared by the integration tests (each `tests/*.rs` includes this with `mod common;`
//! and uses only part of it).
#![allow(dead_code)]

pub mod project;
pub mod signals;
pub mod spec_check;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `generator/`.
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository root (the workspace, one level above `generator/`).
pub fn repo_root() -> PathBuf {
    manifest_dir().parent().expect("generator/ has a parent").to_path_buf()
}

pub fn fixtures_dir() -> PathBuf {
    manifest_dir().join("tests/fixtures")
}

/// Strips the indentation common to all non-blank lines and the first line break, so inline
/// YAML can be indented like the code around it: `dedent("\n    a:\n      b\n")` is
/// `"a:\n  b\n"`. Line 1 of the result is the line after the opening quote.
pub fn dedent(text: &str) -> String {
    // The closing quote's line holds only indentation: drop it.
    let text = text.strip_prefix('\n').unwrap_or(text).trim_end_matches([' ', '\t']);
    let margin = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: String = text
        .lines()
        .map(|l| if l.trim().is_empty() { "" } else { &l[margin..] })
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// A fresh directory under the system temp dir, removed (with its contents) on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique =
            format!("capi-compat-{label}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(unique);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `name` (relative to the directory) and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the binary's `gen --hpy -o DIR/capi_compat.h` (which also writes `DIR/hpy.h`).
pub fn gen_hpy_header(dir: &Path) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["gen", "--hpy", "-o"])
        .arg(dir.join("capi_compat.h"))
        .output()
        .expect("run capi-compat gen --hpy");
    assert!(output.status.success(), "gen --hpy failed:\n{}", String::from_utf8_lossy(&output.stderr));
}
