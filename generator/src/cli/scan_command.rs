//! `capi-compat scan PATHS…`: reads C/C++ sources and reports which C API names they use.

use super::{write_json, CliError, SpecArg};
use crate::scan::{self, render};
use crate::spec::version::PyVersion;
use std::io::Write;
use std::path::PathBuf;

pub fn scan(
    paths: &[PathBuf],
    min: PyVersion,
    json: Option<PathBuf>,
    check: bool,
    spec: &SpecArg,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let spec = crate::load_spec(spec.spec.as_deref())?;
    let files = scan::source_files(paths).map_err(|e| CliError::Usage(e.to_string()))?;
    if files.is_empty() {
        return Err(CliError::Usage(format!(
            "no C or C++ files under {}: give .c/.h/.cpp/... files or directories holding them",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    let report = scan::scan(&spec, &files, min).map_err(|e| CliError::Usage(e.to_string()))?;
    if report.files.is_empty() {
        let layers: Vec<String> = report.skipped_layers.iter().map(|s| s.file.clone()).collect();
        return Err(CliError::Usage(format!(
            "only compatibility layers to scan ({}: pythoncapi-compat's or capi-compat's header, not your code): give your own sources",
            layers.join(", ")
        )));
    }
    render::render_text(&report, out).map_err(super::io_error)?;
    if let Some(path) = json {
        write_json(&path, &report)?;
    }
    let breaking = report.breaking();
    if check && !breaking.is_empty() {
        let names: Vec<String> = breaking
            .iter()
            .map(|r| format!("{} (removed in {})", r.name, r.removed.as_deref().unwrap_or("?")))
            .collect();
        return Err(CliError::RemovedInUse(names));
    }
    Ok(())
}
