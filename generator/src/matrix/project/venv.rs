//! One interpreter's isolated environment: a venv made by the interpreter's own `venv`
//! module, given the shared pip (see `pip`) and the two hooks the matrix relies on: the
//! import recorder (`capi_compat_imports`) and the project inspector (`capi_compat_project`).

use super::pip::PipSource;
use crate::build::process::run_captured;
use crate::interpreters::Interpreter;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const VENV_TIMEOUT: Duration = Duration::from_secs(300);

const IMPORT_RECORDER: &str = include_str!("python/capi_compat_imports.py");
const PROJECT_INSPECTOR: &str = include_str!("python/capi_compat_project.py");
const LEAK_RUNNER: &str = include_str!("python/capi_compat_leaks.py");
/// A `.pth` line runs at startup; it costs nothing unless the matrix set the variable.
const IMPORT_RECORDER_PTH: &str =
    "import os; os.environ.get('CAPI_COMPAT_IMPORT_LOG') and __import__('capi_compat_imports').install()\n";
/// The environment variable naming the file the recorder appends to.
pub const IMPORT_LOG_VAR: &str = "CAPI_COMPAT_IMPORT_LOG";

#[derive(Debug, Clone)]
pub struct Venv {
    pub root: PathBuf,
    pub python: PathBuf,
    pub bin: PathBuf,
    pub site_packages: PathBuf,
}

/// Creates the venv at `root` (which must not exist yet).
pub fn create(interp: &Interpreter, root: &Path, pip: &PipSource) -> Result<Venv, String> {
    let mut cmd = Command::new(&interp.path);
    cmd.args(["-m", "venv", "--without-pip"]).arg(root);
    match run_captured(&mut cmd, VENV_TIMEOUT) {
        Ok((true, _, _)) => {}
        Ok((false, out, err)) => {
            return Err(format!(
                "cannot create a venv with {}: {}",
                interp.path.display(),
                last_line(&format!("{out}{err}"))
            ))
        }
        Err(e) => return Err(format!("cannot create a venv: {e}")),
    }
    let bin = root.join("bin");
    let python = bin.join("python");
    if !python.is_file() {
        return Err(format!("the venv made by {} has no bin/python", interp.path.display()));
    }
    let script = "import sysconfig; print(sysconfig.get_path('purelib'))";
    let site_packages = match run_captured(Command::new(&python).args(["-c", script]), VENV_TIMEOUT) {
        Ok((true, out, _)) => PathBuf::from(out.trim()),
        Ok((false, out, err)) => {
            return Err(format!("the venv's python does not start: {}", last_line(&format!("{out}{err}"))))
        }
        Err(e) => return Err(e),
    };
    let files: [(&str, String); 5] = [
        ("capi_compat_pip.pth", format!("{}\n", pip.dir.display())),
        ("capi_compat_imports.py", IMPORT_RECORDER.to_string()),
        ("capi_compat_imports.pth", IMPORT_RECORDER_PTH.to_string()),
        ("capi_compat_project.py", PROJECT_INSPECTOR.to_string()),
        ("capi_compat_leaks.py", LEAK_RUNNER.to_string()),
    ];
    for (name, text) in files {
        let path = site_packages.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(Venv { root: root.to_path_buf(), python, bin, site_packages })
}

impl Venv {
    /// A command that runs in the venv as if it were activated.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        let mut path = vec![self.bin.clone()];
        if let Some(existing) = std::env::var_os("PATH") {
            path.extend(std::env::split_paths(&existing));
        }
        cmd.env("PATH", std::env::join_paths(path).unwrap_or_default())
            .env("VIRTUAL_ENV", &self.root)
            .env_remove("PYTHONHOME")
            .env_remove("PYTHONPATH")
            .env_remove(IMPORT_LOG_VAR);
        cmd
    }

    /// `python -m pip ARGS` in the venv, never asking questions.
    pub fn pip(&self) -> Command {
        let mut cmd = self.command(&self.python);
        cmd.args(["-m", "pip"]).env("PIP_DISABLE_PIP_VERSION_CHECK", "1").env("PIP_NO_INPUT", "1");
        cmd
    }

    /// Finds a program the way the activated venv's shell would: the venv's bin, then PATH.
    pub fn which(&self, program: &str) -> Option<PathBuf> {
        if program.contains('/') {
            let path = PathBuf::from(program);
            return path.is_file().then_some(path);
        }
        let mut dirs = vec![self.bin.clone()];
        if let Some(existing) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&existing));
        }
        dirs.into_iter().map(|d| d.join(program)).find(|p| is_executable(p))
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

pub fn last_line(text: &str) -> String {
    text.trim().lines().last().unwrap_or("(no output)").trim().to_string()
}
