//! pip for the per-interpreter venvs. One pip wheel (downloaded once from the package index
//! with any interpreter's pip, or taken from an interpreter's `ensurepip`) is unpacked once
//! into the cache; each venv reaches it through a `.pth` file. That gives every interpreter,
//! the provisioned Debian builds and PyPy included, the same recent pip (dependency groups,
//! build isolation) without installing pip twelve times.

use crate::build::process::run_captured;
use crate::interpreters::Interpreter;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const PIP_TIMEOUT: Duration = Duration::from_secs(600);

/// An unpacked pip wheel: the directory to put on a venv's `sys.path`.
#[derive(Debug, Clone)]
pub struct PipSource {
    pub dir: PathBuf,
    pub version: String,
}

/// Why no pip could be had for the venvs.
#[derive(Debug)]
pub struct NoPip(pub String);

impl std::fmt::Display for NoPip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The pip every venv uses: a cached wheel, else one downloaded with the first interpreter
/// that has pip, else one from an interpreter's `ensurepip`.
pub fn provide(cache: &Path, interpreters: &[Interpreter]) -> Result<PipSource, NoPip> {
    let wheels = cache.join("wheels");
    let wheel = match newest_pip_wheel(&wheels) {
        Some(wheel) => wheel,
        None => fetch_wheel(&wheels, interpreters)?,
    };
    unpack(cache, &wheel, interpreters)
}

/// `pip-26.3-py3-none-any.whl` -> `26.3`.
fn wheel_version(path: &Path) -> Option<Vec<u64>> {
    let name = path.file_name()?.to_str()?;
    let version = name.strip_prefix("pip-")?.split('-').next()?;
    version.split('.').map(|p| p.parse().ok()).collect()
}

fn newest_pip_wheel(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .filter_map(|p| wheel_version(&p).map(|v| (v, p)))
        .max()
        .map(|(_, p)| p)
}

fn fetch_wheel(wheels: &Path, interpreters: &[Interpreter]) -> Result<PathBuf, NoPip> {
    std::fs::create_dir_all(wheels).map_err(|e| NoPip(format!("cannot create {}: {e}", wheels.display())))?;
    let mut network_error = None;
    for interp in interpreters {
        let has_pip = run_captured(Command::new(&interp.path).args(["-m", "pip", "--version"]), PIP_TIMEOUT)
            .is_ok_and(|(ok, _, _)| ok);
        if !has_pip {
            continue;
        }
        let staging = wheels.join(format!(".download-{}", std::process::id()));
        let mut cmd = Command::new(&interp.path);
        cmd.args(["-m", "pip", "download", "--disable-pip-version-check", "--no-input", "--no-deps"])
            .args(["--only-binary", ":all:", "-d"])
            .arg(&staging)
            .arg("pip");
        let result = run_captured(&mut cmd, PIP_TIMEOUT);
        let found = newest_pip_wheel(&staging);
        let kept = found.and_then(|w| {
            let target = wheels.join(w.file_name()?);
            std::fs::rename(&w, &target).ok().map(|_| target)
        });
        std::fs::remove_dir_all(&staging).ok();
        if let Some(wheel) = kept {
            return Ok(wheel);
        }
        if let Ok((_, out, err)) = result {
            network_error = network_failure(&format!("{out}{err}")).or(network_error);
        }
        break;
    }
    for interp in interpreters {
        if let Some(bundled) = ensurepip_wheel(interp) {
            let target = wheels.join(bundled.file_name().unwrap_or_default());
            if std::fs::copy(&bundled, &target).is_ok() {
                return Ok(target);
            }
        }
    }
    Err(NoPip(match network_error {
        Some(e) => format!("no pip for the venvs: {e}, and no interpreter has ensurepip"),
        None => "no pip for the venvs: no interpreter has pip or ensurepip to bootstrap it from".into(),
    }))
}

/// The pip wheel an interpreter's `ensurepip` carries, if it has one.
fn ensurepip_wheel(interp: &Interpreter) -> Option<PathBuf> {
    let script = "import ensurepip, glob, os\n\
                  d = os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')\n\
                  print('\\n'.join(sorted(glob.glob(os.path.join(d, 'pip-*.whl')))))";
    let (ok, out, _) =
        run_captured(Command::new(&interp.path).args(["-I", "-c", script]), PIP_TIMEOUT).ok()?;
    ok.then(|| out.lines().last().map(PathBuf::from)).flatten().filter(|p| p.is_file())
}

/// Unpacks the wheel once into `cache/pip/<wheel name>`; concurrent runs each unpack into a
/// private directory and the first rename wins.
fn unpack(cache: &Path, wheel: &Path, interpreters: &[Interpreter]) -> Result<PipSource, NoPip> {
    let stem = wheel.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    let version = wheel_version(wheel)
        .map(|v| v.iter().map(u64::to_string).collect::<Vec<_>>().join("."))
        .unwrap_or_default();
    let dir = cache.join("pip").join(&stem);
    if dir.join("pip/__init__.py").is_file() {
        return Ok(PipSource { dir, version });
    }
    let python = interpreters.first().ok_or_else(|| NoPip("no interpreter to unpack pip with".into()))?;
    let staging = cache.join("pip").join(format!(".{stem}-{}", std::process::id()));
    std::fs::create_dir_all(&staging)
        .map_err(|e| NoPip(format!("cannot create {}: {e}", staging.display())))?;
    let mut cmd = Command::new(&python.path);
    cmd.args(["-I", "-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])"])
        .arg(wheel)
        .arg(&staging);
    let unpacked = run_captured(&mut cmd, PIP_TIMEOUT);
    let renamed = match &unpacked {
        Ok((true, _, _)) => std::fs::rename(&staging, &dir).is_ok() || dir.join("pip/__init__.py").is_file(),
        _ => false,
    };
    std::fs::remove_dir_all(&staging).ok();
    if !renamed {
        let why = match unpacked {
            Ok((_, out, err)) => format!("{out}{err}").trim().lines().last().unwrap_or("").to_string(),
            Err(e) => e,
        };
        return Err(NoPip(format!("cannot unpack {}: {why}", wheel.display())));
    }
    Ok(PipSource { dir, version })
}

/// pip's words for "the index could not be reached", turned into one plain sentence.
pub fn network_failure(log: &str) -> Option<String> {
    const SIGNS: &[&str] = &[
        "NewConnectionError",
        "Failed to establish a new connection",
        "Temporary failure in name resolution",
        "Name or service not known",
        "Network is unreachable",
        "ConnectTimeoutError",
        "Connection refused",
        "ProxyError",
        "Read timed out",
        "SSLError",
        "Could not fetch URL",
    ];
    let line = log.lines().find(|l| SIGNS.iter().any(|s| l.contains(s)))?;
    Some(format!("could not reach the package index: {}", line.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_pip_wheel_wins_by_version_not_by_name() {
        let dir = std::env::temp_dir().join(format!("capi-compat-pipwheels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in
            ["pip-9.0.1-py2.py3-none-any.whl", "pip-26.3-py3-none-any.whl", "pip-25.10-py3-none-any.whl"]
        {
            std::fs::write(dir.join(name), "").unwrap();
        }
        assert_eq!(newest_pip_wheel(&dir), Some(dir.join("pip-26.3-py3-none-any.whl")));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn without_a_cached_wheel_or_an_interpreter_to_get_one_the_error_says_so() {
        let cache = std::env::temp_dir().join(format!("capi-compat-nopip-{}", std::process::id()));
        let err = provide(&cache, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no pip for the venvs: no interpreter has pip or ensurepip to bootstrap it from"
        );
        std::fs::remove_dir_all(&cache).ok();
    }

    #[test]
    fn network_failures_are_named_plainly() {
        let log = "WARNING: Retrying (Retry(total=4)) after connection broken by \
                   'NewConnectionError(\"Failed to establish a new connection: [Errno -3] \
                   Temporary failure in name resolution\")': /simple/setuptools/\n\
                   ERROR: No matching distribution found for setuptools>=61";
        let msg = network_failure(log).unwrap();
        assert!(msg.starts_with("could not reach the package index: WARNING: Retrying"), "{msg}");
        assert_eq!(network_failure("error: command 'gcc' failed"), None);
    }
}
