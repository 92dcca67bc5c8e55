//! Asking one interpreter what it is (version, implementation, debug, free-threaded, include
//! dirs, extension suffix), once per native binary: the answer is cached under the cache
//! directory. A script standing in for an interpreter is asked every time.

use super::discovery::{cache_dir, Candidate, Implementation, Interpreter};
use super::include_dirs::HeaderFacts;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Asked of every interpreter; prints `key<TAB>value` lines (no JSON: nothing to parse it with
/// on our side, and every Python since 3.0 runs this). The header facts (`include`,
/// `platinclude`, `config_h`, `multiarch`, `build_include`) are turned into include dirs at each
/// discovery (`include_dirs`), so the cached answer stays right when headers come and go.
const PROBE: &str = r#"
import os, sys, sysconfig
p = sysconfig.get_paths()
cv = sysconfig.get_config_var
print("executable\t" + os.path.realpath(sys.executable))
v = sys.version_info
lvl = {"alpha": "a", "beta": "b", "candidate": "rc", "final": ""}[v.releaselevel]
print("version\t%d.%d.%d%s" % (v.major, v.minor, v.micro, lvl + (str(v.serial) if lvl else "")))
print("hexversion\t%d" % sys.hexversion)
print("implementation\t" + sys.implementation.name)
print("debug\t%d" % int(hasattr(sys, "gettotalrefcount")))
print("free_threaded\t%d" % int(bool(cv("Py_GIL_DISABLED"))))
print("ext_suffix\t" + (cv("EXT_SUFFIX") or ""))
print("include\t" + (p.get("include") or ""))
print("platinclude\t" + (p.get("platinclude") or ""))
try:
    print("config_h\t" + sysconfig.get_config_h_filename())
except Exception:
    pass
print("multiarch\t" + (cv("MULTIARCH") or ""))
print("build_include\t" + (cv("INCLUDEPY") or ""))
print("build_include\t" + (cv("CONFINCLUDEPY") or ""))
"#;

/// Whether a file is a native executable. Only such a binary is the interpreter itself; a
/// script (a pyenv shim, a wrapper) chooses its interpreter from the environment at each run.
fn is_native_executable(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && &magic == b"\x7fELF"
}

/// Where the answer of one binary is kept: keyed by the path asked, the real binary it resolves
/// to (symlinks followed), that binary's size and mtime, and the probe itself, so a reinstalled
/// interpreter or a changed probe asks again. None for a script: it is asked every time, since
/// what it runs can change with no file of its own changing (`pyenv global`, a new venv).
fn probe_cache_file(candidate: &Candidate) -> Option<PathBuf> {
    let real = std::fs::canonicalize(&candidate.path).ok()?;
    if !is_native_executable(&real) {
        return None;
    }
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
        // Whole or not at all: a run killed here, or another writing the same answer, never
        // leaves half an answer for the next run to trust.
        crate::build::lock::write_atomically(&file, &text).ok();
    }
    Some(text)
}

pub(super) fn probe(candidate: &Candidate) -> Option<Interpreter> {
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
        let path = |key: &str| get(key).filter(|v| !v.is_empty()).map(PathBuf::from);
        let facts = HeaderFacts {
            include: path("include"),
            platinclude: path("platinclude"),
            config_h: path("config_h"),
            multiarch: get("multiarch").filter(|v| !v.is_empty()),
            build_time: text
                .lines()
                .filter_map(|l| l.strip_prefix("build_include\t"))
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .collect(),
        };
        include_dirs = super::include_dirs::include_dirs(&facts);
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
