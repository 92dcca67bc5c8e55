//! `gen --used-by PATHS…`: which spec entries a user's C/C++ code uses. The code is read with
//! the scanner's tokenizer, so a name in a comment, a string or an `#if 0` block is not a use,
//! while a name in an `#if`/`#ifdef` condition (a version check) is. The header then holds
//! only those entries and what they require (the `--only` machinery does the rest).
//!
//! Compatibility layers (a vendored `capi_compat.h`, the `hpy.h` of `--hpy`, pythoncapi-compat's
//! `pythoncapi_compat.h`) are not the user's code: they name every entry, so they are skipped.

use crate::scan::layers::compatibility_layer;
use crate::scan::tokenize;
use crate::spec::model::Spec;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// What the code under the given paths uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedBy {
    /// The paths as the banner's command gives them: relative to the header's directory,
    /// where that command runs.
    pub banner_paths: Vec<String>,
    /// The source files read (compatibility layers left out).
    pub files: Vec<PathBuf>,
    /// Every name the code uses (identifiers of active code and of `#if` conditions), less
    /// the functions it defines itself.
    pub names: BTreeSet<String>,
    /// Functions the code defines itself, with where (`file:line`): a project's own backport
    /// (backports.zstd 1.8.0's `PyType_Freeze` for < 3.14). The header must not provide them
    /// too: its `#define NAME capicompat_NAME` turns the project's definition into a second
    /// definition of ours, and the build stops.
    pub own_functions: BTreeMap<String, String>,
}

/// Why the code could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsedByError {
    /// A path that does not exist (or cannot be read).
    Missing { path: PathBuf, why: String },
    /// No C or C++ source under the paths.
    NoSources(Vec<PathBuf>),
    /// A path the banner's command could not carry (a space, a backquote, not UTF-8).
    Unspeakable(PathBuf),
    /// A file under the paths could not be read.
    Scan(String),
    /// The directory the header goes to does not exist.
    NoHeaderDir { dir: PathBuf, why: String },
}

impl fmt::Display for UsedByError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsedByError::Missing { path, why } => {
                write!(f, "--used-by {}: {why} (give the C/C++ files or directories of your code)", path.display())
            }
            UsedByError::NoSources(paths) => write!(
                f,
                "--used-by {}: no C or C++ source files there (.c, .h, .cc, .cpp, .cxx, .hpp, …)",
                paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ")
            ),
            UsedByError::Unspeakable(path) => write!(
                f,
                "--used-by {}: the header's banner cannot carry this path (a space, a backquote or not UTF-8): rename it, or give its directory",
                path.display()
            ),
            UsedByError::Scan(why) => write!(f, "--used-by {why}"),
            UsedByError::NoHeaderDir { dir, why } => {
                write!(f, "cannot write the header into {}: {why}", dir.display())
            }
        }
    }
}

impl std::error::Error for UsedByError {}

/// Reads the code under `paths` (files or directories). `header_dir` is where the header is
/// written: the banner names the paths relative to it.
pub fn read(paths: &[PathBuf], header_dir: &Path) -> Result<UsedBy, UsedByError> {
    let base = std::fs::canonicalize(header_dir)
        .map_err(|e| UsedByError::NoHeaderDir { dir: header_dir.to_path_buf(), why: e.to_string() })?;
    let mut banner_paths = Vec::new();
    for path in paths {
        let absolute = std::fs::canonicalize(path)
            .map_err(|e| UsedByError::Missing { path: path.clone(), why: describe_io(&e) })?;
        banner_paths
            .push(speakable(&relative_to(&absolute, &base)).ok_or(UsedByError::Unspeakable(path.clone()))?);
    }
    let found = crate::scan::source_files(paths).map_err(|e| UsedByError::Scan(e.to_string()))?;
    let mut files = Vec::new();
    let mut names = BTreeSet::new();
    let mut own_functions = BTreeMap::new();
    for file in found {
        // Names are ASCII: a file read lossily loses none.
        let (text, _lossy) = crate::scan::read_source(&file).map_err(|e| UsedByError::Scan(e.to_string()))?;
        if compatibility_layer(&file, &text).is_some() {
            continue;
        }
        names.extend(tokenize::identifiers(&text).into_iter().map(|(name, _, _)| name));
        for (name, line) in crate::upgrade::code::defined_functions(&text) {
            own_functions.entry(name).or_insert_with(|| format!("{}:{line}", file.display()));
        }
        files.push(file);
    }
    if files.is_empty() {
        return Err(UsedByError::NoSources(paths.to_vec()));
    }
    names.retain(|n| !own_functions.contains_key(n));
    Ok(UsedBy { banner_paths, files, names, own_functions })
}

/// The spec entries the code names that a header can provide (not refused everywhere), in
/// spec order; and apart, the names it uses that the header refuses, with the reason.
pub fn entries_used(spec: &Spec, names: &BTreeSet<String>) -> (Vec<String>, Vec<(String, String)>) {
    let mut provided = Vec::new();
    let mut refused = Vec::new();
    for entry in spec.entries.iter().filter(|e| names.contains(&e.name)) {
        match (&entry.refused, entry.refused_everywhere()) {
            (Some(why), true) => refused.push((entry.name.clone(), why.clone())),
            _ => provided.push(entry.name.clone()),
        }
    }
    (provided, refused)
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string(),
    }
}

/// `path` relative to `base` (both absolute and canonical), `.` when they are the same.
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let path_parts: Vec<Component> = path.components().collect();
    let base_parts: Vec<Component> = base.components().collect();
    let common = path_parts.iter().zip(&base_parts).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base_parts.len() {
        out.push("..");
    }
    for part in &path_parts[common..] {
        out.push(part);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The path as one word of the banner's command (`/` separators), if it can be one.
fn speakable(path: &Path) -> Option<String> {
    let text = path.to_str()?.replace('\\', "/");
    let bad = |c: char| c.is_whitespace() || c == '`' || c.is_control();
    (!text.is_empty() && !text.chars().any(bad)).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(relative_to(&p("/a/b/src"), &p("/a/b")), p("src"));
        assert_eq!(relative_to(&p("/a/b/src/x.c"), &p("/a/b/inc")), p("../src/x.c"));
        assert_eq!(relative_to(&p("/a/b"), &p("/a/b")), p("."));
        assert_eq!(relative_to(&p("/a"), &p("/a/b/c")), p("../.."));
    }

    #[test]
    fn paths_the_banner_cannot_carry_are_refused() {
        assert_eq!(speakable(Path::new("src/x.c")).as_deref(), Some("src/x.c"));
        assert_eq!(speakable(Path::new("my src/x.c")), None);
        assert_eq!(speakable(Path::new("a`b")), None);
    }

    #[test]
    fn our_headers_are_recognised() {
        use crate::scan::layers::written_by_capi_compat;
        let spec = crate::load_spec(None).unwrap();
        let header = crate::generate(&spec, crate::spec::version::PyVersion::release(3, 14), None).unwrap();
        assert!(written_by_capi_compat(&header));
        assert!(written_by_capi_compat(&crate::hpy::hpy_h("capi_compat.h")));
        assert!(!written_by_capi_compat("/* my code */\n#include <Python.h>\n"));
    }
}
