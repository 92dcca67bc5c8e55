//! Which files `scan` reads: the files named, and under each directory named every C or C++
//! source or header, in a stable order.

use std::fmt;
use std::path::{Path, PathBuf};

/// Extensions read when a directory is given (a file named explicitly is read whatever its
/// extension). `.inc` is common for included tables in C extensions.
pub const SOURCE_EXTENSIONS: &[&str] =
    &["c", "h", "cc", "cpp", "cxx", "c++", "hh", "hpp", "hxx", "h++", "inc", "ipp", "tcc"];

/// Directories never descended into: version control and build trees, which hold copies.
const SKIPPED_DIRECTORIES: &[&str] =
    &[".git", ".hg", ".svn", ".tox", ".nox", ".venv", "node_modules", "__pycache__"];

/// Why files could not be read.
#[derive(Debug)]
pub enum ScanError {
    /// A path given on the command line does not exist.
    Missing(PathBuf),
    /// A file or directory could not be read.
    Unreadable(PathBuf, std::io::Error),
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::Missing(path) => {
                write!(
                    f,
                    "{}: no such file or directory (give C/C++ files or directories to scan)",
                    path.display()
                )
            }
            ScanError::Unreadable(path, e) => write!(f, "{}: cannot read: {e}", path.display()),
        }
    }
}

impl std::error::Error for ScanError {}

/// The files to read: each path given that is a file, and the C/C++ files under each
/// directory (recursively, symlinked directories not followed), sorted, without duplicates.
pub fn source_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ScanError> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ScanError::Missing(path.clone()),
            _ => ScanError::Unreadable(path.clone(), e),
        })?;
        if metadata.is_dir() {
            collect_directory(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn collect_directory(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), ScanError> {
    let unreadable = |e| ScanError::Unreadable(dir.to_path_buf(), e);
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).map_err(unreadable)?.collect::<Result<_, _>>().map_err(unreadable)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| ScanError::Unreadable(path.clone(), e))?;
        if file_type.is_dir() {
            let name = entry.file_name();
            if !SKIPPED_DIRECTORIES.iter().any(|s| name == *s) {
                collect_directory(&path, files)?;
            }
        } else if is_source(&path) && (file_type.is_file() || path.is_file()) {
            files.push(path);
        }
    }
    Ok(())
}

/// Whether a file's extension is one of [`SOURCE_EXTENSIONS`] (any case: `.C`, `.H`).
pub fn is_source(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SOURCE_EXTENSIONS.iter().any(|s| s.eq_ignore_ascii_case(e)))
}

/// A source file's text, and whether it had to be read lossily (bytes that are not UTF-8
/// become U+FFFD, so names stay where they were; positions after them may shift by columns).
pub fn read_source(path: &Path) -> Result<(String, bool), ScanError> {
    let bytes = std::fs::read(path).map_err(|e| ScanError::Unreadable(path.to_path_buf(), e))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, false)),
        Err(e) => Ok((String::from_utf8_lossy(e.as_bytes()).into_owned(), true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_expand_to_sorted_sources() {
        let dir = std::env::temp_dir().join(format!("capi-compat-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for file in ["b.c", "a.h", "sub/z.cpp", "sub/y.txt", ".git/x.c", "sub/deeper/w.HPP", "m.inc"] {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "int x;\n").unwrap();
        }
        let found = source_files(&[dir.clone(), dir.join("sub/y.txt"), dir.join("b.c")]).unwrap();
        let relative: Vec<String> =
            found.iter().map(|p| p.strip_prefix(&dir).unwrap().display().to_string()).collect();
        assert_eq!(relative, ["a.h", "b.c", "m.inc", "sub/deeper/w.HPP", "sub/y.txt", "sub/z.cpp"]);
        let missing = source_files(&[dir.join("nope")]).unwrap_err();
        assert!(missing.to_string().contains("nope: no such file or directory"), "{missing}");
        std::fs::write(dir.join("latin1.c"), b"/* caf\xe9 */ PyA").unwrap();
        let (text, lossy) = read_source(&dir.join("latin1.c")).unwrap();
        assert!(lossy);
        assert!(text.ends_with("*/ PyA"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
