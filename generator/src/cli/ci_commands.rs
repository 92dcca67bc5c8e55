//! `capi-compat ci github`: writes the workflow (or prints it).

use super::{io_error, CliError, ProjectArgs};
use crate::ci::CiRequest;
use crate::spec::version::PyVersion;
use std::io::Write;
use std::path::PathBuf;

pub fn github(
    min: PyVersion,
    hpy: bool,
    project: &ProjectArgs,
    output: Option<PathBuf>,
    inputs: Vec<String>,
    test_command: Vec<String>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let request = CiRequest {
        min,
        hpy,
        matrix_options: project_options(project),
        inputs,
        test_command,
        output: output.as_ref().map(|p| p.display().to_string()),
    };
    let text = crate::ci::github::workflow(&request).map_err(|e| CliError::Usage(e.to_string()))?;
    let Some(path) = output else {
        return out.write_all(text.as_bytes()).map_err(io_error);
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(&path, text).map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))
}

/// The `matrix PROJECT_DIR` options as the jobs pass them on, in a fixed order.
fn project_options(project: &ProjectArgs) -> Vec<String> {
    let mut options = Vec::new();
    if !project.with.is_empty() {
        options.extend(["--with".to_string(), project.with.join(",")]);
    }
    for file in &project.requirements {
        options.extend(["--requirements".to_string(), file.display().to_string()]);
    }
    for group in &project.group {
        options.extend(["--group".to_string(), group.clone()]);
    }
    if project.no_test_requirements {
        options.push("--no-test-requirements".into());
    }
    if let Some(header) = &project.header {
        options.extend(["--header".to_string(), header.display().to_string()]);
    }
    if project.strict {
        options.push("--strict".into());
    }
    if project.leaks {
        options.push("--leaks".into());
    }
    if let Some(junit) = &project.junit {
        options.extend(["--junit".to_string(), junit.display().to_string()]);
    }
    if !project.pure_python_ok.is_empty() {
        options.extend(["--pure-python-ok".to_string(), project.pure_python_ok.join(",")]);
    }
    options
}
