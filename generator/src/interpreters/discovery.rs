//! Finding Python interpreters and asking each, once, what it is.

use super::probe_cache::probe;
use crate::spec::version::PyVersion;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What one interpreter told us about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    /// Short unique name used in tables: `cpython-3.13.0`, `cpython-3.14.1-dbg`, `pypy-3.11.13`.
    pub label: String,
    pub path: PathBuf,
    /// Where it was found (pyenv, PATH, debian, uv, provisioned).
    pub source: String,
    pub implementation: Implementation,
    /// `3.13.0`, `3.15.0a2`.
    pub version: String,
    pub hexversion: u32,
    pub debug: bool,
    pub free_threaded: bool,
    pub include_dirs: Vec<PathBuf>,
    pub ext_suffix: String,
    /// The real binary behind `path` (a pyenv shim and the pyenv binary are one interpreter).
    pub real_executable: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Implementation {
    CPython,
    PyPy,
}

impl Implementation {
    pub fn as_str(&self) -> &'static str {
        match self {
            Implementation::CPython => "cpython",
            Implementation::PyPy => "pypy",
        }
    }
}

impl Interpreter {
    /// The language version as the header's guards see it (`PY_VERSION_HEX`).
    pub fn series(&self) -> PyVersion {
        PyVersion::release((self.hexversion >> 24) as u8, (self.hexversion >> 16) as u8)
    }

    pub fn supported(&self) -> bool {
        self.series().in_supported_range() && self.include_dirs.iter().any(|d| d.join("Python.h").is_file())
    }
}

/// The directory where provisioned interpreters and build products are kept.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CAPI_COMPAT_CACHE") {
        return PathBuf::from(dir);
    }
    home().join(".cache/capi-compat")
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"))
}

/// A candidate: a path, where it was found, and include dirs known in advance (the
/// provisioning manifest knows them; a relocated Debian build's sysconfig does not).
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub path: PathBuf,
    pub source: &'static str,
    pub include_dirs: Vec<PathBuf>,
}

fn candidates(given: &[PathBuf]) -> Vec<Candidate> {
    let mut found = Vec::new();
    let mut add = |path: PathBuf, source: &'static str, include_dirs: Vec<PathBuf>| {
        if path.is_file() {
            found.push(Candidate { path, source, include_dirs });
        }
    };
    // Provisioned interpreters first: their manifest carries the right include dirs.
    let manifest = cache_dir().join("pythons/manifest.tsv");
    if let Ok(text) = std::fs::read_to_string(&manifest) {
        for line in text.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() >= 3 {
                let dirs = cols[2].split(':').filter(|d| !d.is_empty()).map(PathBuf::from).collect();
                add(PathBuf::from(cols[1]), "provisioned", dirs);
            }
        }
    }
    let pyenv_root =
        std::env::var_os("PYENV_ROOT").map(PathBuf::from).unwrap_or_else(|| home().join(".pyenv"));
    for dir in sorted_dirs(&pyenv_root.join("versions")) {
        add(dir.join("bin/python3"), "pyenv", vec![]);
        add(dir.join("bin/pypy3"), "pyenv", vec![]);
    }
    for dir in sorted_dirs(&home().join(".local/share/uv/python")) {
        add(dir.join("bin/python3"), "uv", vec![]);
    }
    for minor in 10..=15 {
        add(PathBuf::from(format!("/usr/bin/python3.{minor}")), "debian", vec![]);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            for name in path_names(&dir) {
                add(dir.join(name), "PATH", vec![]);
            }
        }
    }
    // Last, so that a binary also found above keeps that (better) source.
    for path in given {
        add(path.clone(), "given", vec![]);
    }
    found
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The interpreters in one PATH directory: `python3`, `python3.X`, its debug build (`python3.Xd`,
/// Debian's `python3.X-dbg`), its free-threaded build (`python3.Xt`), `pypy3`, `pypy3.X`.
fn path_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.retain(|n| is_interpreter_name(n));
    names.sort();
    names
}

pub(super) fn is_interpreter_name(name: &str) -> bool {
    let (rest, flavours): (&str, &[&str]) = if let Some(rest) = name.strip_prefix("python3") {
        (rest, &["", "d", "-dbg", "t"])
    } else if let Some(rest) = name.strip_prefix("pypy3") {
        (rest, &[""])
    } else {
        return false;
    };
    let Some(minor_and_flavour) = rest.strip_prefix('.') else {
        return rest.is_empty();
    };
    let digits = minor_and_flavour.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && flavours.contains(&&minor_and_flavour[digits..])
}

/// Every interpreter found, each real path once, sorted by implementation, version and
/// debug-ness. Probes run in parallel: each is a process start.
pub fn discover() -> Vec<Interpreter> {
    discover_with(&[])
}

/// As `discover`, plus interpreters named by path (`--python /opt/py/bin/python`) that may lie
/// outside every place discovery looks.
pub fn discover_with(given: &[PathBuf]) -> Vec<Interpreter> {
    let mut seen = BTreeSet::new();
    let unique: Vec<Candidate> = candidates(given)
        .into_iter()
        .filter(|c| seen.insert(std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone())))
        .collect();
    let mut found: Vec<Interpreter> = std::thread::scope(|scope| {
        let handles: Vec<_> = unique.iter().map(|c| scope.spawn(move || probe(c))).collect();
        handles.into_iter().filter_map(|h| h.join().ok().flatten()).collect()
    });
    // Shims and symlinks lead to the same binary: keep the first (best) source of each.
    let mut executables = BTreeSet::new();
    found.retain(|i| executables.insert(i.real_executable.clone()));
    found.sort_by(|a, b| {
        (a.implementation, a.hexversion, a.debug, &a.label, &a.path).cmp(&(
            b.implementation,
            b.hexversion,
            b.debug,
            &b.label,
            &b.path,
        ))
    });
    // Two interpreters of the same version (pyenv's and Debian's 3.11) keep distinct labels.
    let mut labels = BTreeSet::new();
    for interp in &mut found {
        if !labels.insert(interp.label.clone()) {
            interp.label = format!("{}-{}", interp.label, interp.source.to_lowercase());
            labels.insert(interp.label.clone());
        }
    }
    found
}

pub fn render_table(interpreters: &[Interpreter]) -> String {
    let mut out = String::new();
    for i in interpreters {
        let note = if !i.series().in_supported_range() {
            "  (older than 3.10: not supported)"
        } else if !i.supported() {
            "  (no Python.h: install its development headers)"
        } else {
            ""
        };
        out.push_str(&format!(
            "{:<24} {:<11} {:<8} {:<5} {:<4} {:<38} {}{}\n",
            i.label,
            i.source,
            i.implementation.as_str(),
            if i.debug { "debug" } else { "-" },
            if i.free_threaded { "ft" } else { "-" },
            i.ext_suffix,
            i.path.display(),
            note
        ));
        out.push_str(&format!(
            "{:<24} include: {}\n",
            "",
            i.include_dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(" ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::is_interpreter_name;

    #[test]
    fn path_names_include_debug_and_free_threaded_builds() {
        for name in
            ["python3", "python3.13", "python3.13d", "python3.13-dbg", "python3.14t", "pypy3", "pypy3.11"]
        {
            assert!(is_interpreter_name(name), "{name}");
        }
        for name in [
            "python3-config",
            "python3.13-config",
            "python3.13d-config",
            "python3.13-gdb.py",
            "python3.",
            "python3.x",
            "pypy3.11d",
            "python2.7",
            "python",
        ] {
            assert!(!is_interpreter_name(name), "{name}");
        }
    }
}
