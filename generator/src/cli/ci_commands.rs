//! `capi-compat ci github`: writes the workflow (or prints it).

use super::{io_error, CliError};
use crate::ci::CiRequest;
use crate::spec::version::PyVersion;
use std::io::Write;
use std::path::PathBuf;

pub fn github(
    min: PyVersion,
    hpy: bool,
    output: Option<PathBuf>,
    inputs: Vec<String>,
    test_command: Vec<String>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let request = CiRequest {
        min,
        hpy,
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
