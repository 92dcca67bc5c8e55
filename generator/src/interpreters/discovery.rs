//! Finding Python interpreters and asking each, once, what it is.

use crate::spec::version::PyVersion;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

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
struct Candidate {
    path: PathBuf,
    source: &'static str,
    include_dirs: Vec<PathBuf>,
}

fn candidates() -> Vec<Candidate> {
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
    found
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// `python3`, `python3.X`, `pypy3`, `pypy3.X` in one PATH directory.
fn path_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.retain(|n| {
        let rest = n.strip_prefix("python3").or_else(|| n.strip_prefix("pypy3"));
        match rest {
            Some("") => true,
            Some(r) => {
                r.strip_prefix('.').is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
            }
            None => false,
        }
    });
    names.sort();
    names
}

/// Asked of every interpreter; prints `key<TAB>value` lines (no JSON: nothing to parse it with
/// on our side, and every Python since 3.0 runs this).
const PROBE: &str = r#"
import os, sys, sysconfig
p = sysconfig.get_paths()
print("executable\t" + os.path.realpath(sys.executable))
v = sys.version_info
lvl = {"alpha": "a", "beta": "b", "candidate": "rc", "final": ""}[v.releaselevel]
print("version\t%d.%d.%d%s" % (v.major, v.minor, v.micro, lvl + (str(v.serial) if lvl else "")))
print("hexversion\t%d" % sys.hexversion)
print("implementation\t" + sys.implementation.name)
print("debug\t%d" % int(hasattr(sys, "gettotalrefcount")))
print("free_threaded\t%d" % int(bool(sysconfig.get_config_var("Py_GIL_DISABLED"))))
print("include\t" + (p.get("include") or ""))
print("platinclude\t" + (p.get("platinclude") or ""))
print("ext_suffix\t" + (sysconfig.get_config_var("EXT_SUFFIX") or ""))
"#;

/// Where the answer of one binary is kept: keyed by the real binary, its size and mtime, and
/// the probe itself, so a reinstalled interpreter or a changed probe asks again.
fn probe_cache_file(candidate: &Candidate) -> Option<PathBuf> {
    let real = std::fs::canonicalize(&candidate.path).ok()?;
    let meta = std::fs::metadata(&real).ok()?;
    let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    let mut key = crate::digest::Fnv64::default();
    key.field(candidate.path.as_os_str().as_encoded_bytes()).field(real.as_os_str().as_encoded_bytes());
    key.field(&meta.len().to_le_bytes()).field(&mtime.to_le_bytes()).field(PROBE.as_bytes());
    Some(cache_dir().join("probe").join(format!("{}.txt", key.hex())))
}

/// The interpreter's answer to PROBE, asked once per binary and then read from the cache.
fn probe_text(candidate: &Candidate) -> Option<String> {
    let cached = probe_cache_file(candidate);
    if let Some(text) = cached.as_ref().and_then(|f| std::fs::read_to_string(f).ok()) {
        return Some(text);
    }
    let output = Command::new(&candidate.path).arg("-I").arg("-c").arg(PROBE).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if let Some(file) = cached {
        // A cache that cannot be written only costs the next run a process start.
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).ok();
        }
        std::fs::write(file, &text).ok();
    }
    Some(text)
}

fn probe(candidate: &Candidate) -> Option<Interpreter> {
    let text = probe_text(candidate)?;
    let get = |key: &str| -> Option<String> {
        text.lines().find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('\t')).map(str::to_string))
    };
    let implementation = match get("implementation")?.as_str() {
        "cpython" => Implementation::CPython,
        "pypy" => Implementation::PyPy,
        _ => return None,
    };
    let mut include_dirs = candidate.include_dirs.clone();
    if include_dirs.is_empty() {
        for key in ["include", "platinclude"] {
            if let Some(dir) = get(key).filter(|d| !d.is_empty()).map(PathBuf::from) {
                if !include_dirs.contains(&dir) {
                    include_dirs.push(dir);
                }
            }
        }
    }
    let version = get("version")?;
    let debug = get("debug")? == "1";
    let free_threaded = get("free_threaded")? == "1";
    let mut label = format!("{}-{version}", implementation.as_str());
    if free_threaded {
        label.push('t');
    }
    if debug {
        label.push_str("-dbg");
    }
    Some(Interpreter {
        label,
        path: candidate.path.clone(),
        source: candidate.source.to_string(),
        implementation,
        version,
        hexversion: get("hexversion")?.parse().ok()?,
        debug,
        free_threaded,
        include_dirs,
        ext_suffix: get("ext_suffix")?,
        real_executable: get("executable").map(PathBuf::from).unwrap_or_else(|| candidate.path.clone()),
    })
}

/// Every interpreter found, each real path once, sorted by implementation, version and
/// debug-ness. Probes run in parallel: each is a process start.
pub fn discover() -> Vec<Interpreter> {
    let mut seen = BTreeSet::new();
    let unique: Vec<Candidate> = candidates()
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
