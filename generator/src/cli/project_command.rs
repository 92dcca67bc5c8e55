//! `matrix PROJECT_DIR`: checks the request, makes the header and the shared pip, runs the
//! project on every interpreter (`crate::matrix::project`) and writes the reports.

use super::run_commands::{jobs, select};
use super::{io_error, write_json, CliError, ProjectArgs, RunArgs, SpecArg};
use crate::matrix::project::{self, report, HeaderOverride, ProjectOptions};
use crate::spec::version::PyVersion;
use std::io::Write;
use std::path::PathBuf;

pub struct ProjectRequest {
    pub dir: PathBuf,
    pub min: PyVersion,
    pub hpy: bool,
    /// The header made for the project's code (`gen --used-by PROJECT_DIR`).
    pub trimmed: bool,
    pub cflags: Vec<String>,
    pub args: ProjectArgs,
    pub test_command: Vec<String>,
}

pub fn matrix(
    request: ProjectRequest,
    run: &RunArgs,
    spec: &SpecArg,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let args = &request.args;
    let dir = std::fs::canonicalize(&request.dir)
        .map_err(|e| CliError::Usage(format!("{}: {e}", request.dir.display())))?;
    project::check_project(&dir, args.header.as_deref(), &args.requirements)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if args.leaks && !request.test_command.is_empty() {
        project::leaks::framework(&request.test_command).map_err(CliError::Usage)?;
    }
    if args.leaks && request.test_command.is_empty() {
        return Err(CliError::Usage("--leaks needs a test command after `--`".into()));
    }
    if request.hpy && args.header.is_none() {
        return Err(CliError::Usage(
            "--hpy with a PROJECT_DIR needs --header PATH (where hpy.h goes)".into(),
        ));
    }
    let header = match &args.header {
        None => None,
        Some(path) if request.trimmed => {
            Some(make_trimmed_header(&dir, path.clone(), request.min, request.hpy, spec)?)
        }
        Some(path) => Some(make_header(path.clone(), request.min, request.hpy, spec)?),
    };
    let selection = select(run, request.min)?;
    let cache = crate::interpreters::cache_dir();
    let pip = project::pip::provide(&cache, &selection.usable).map_err(|e| CliError::Usage(e.to_string()))?;
    let work_root = project::new_work_root(&cache.join("build/project"))
        .map_err(|e| CliError::Io(format!("cannot create the work directory: {e}")))?;
    // Interrupted, nothing of this run is worth keeping (copies, venvs, partial logs).
    crate::build::interrupt::remove_on_interrupt(work_root.clone());
    let options = ProjectOptions {
        project: dir.clone(),
        header,
        with: rejoin_version_ranges(&args.with),
        requirements_files: args.requirements.clone(),
        groups: args.group.clone(),
        read_test_requirements: !args.no_test_requirements,
        strict: args.strict,
        cflags: request.cflags,
        test_command: request.test_command,
        leaks: args.leaks,
        pure_python_ok: args.pure_python_ok.clone(),
        work_root,
        pip,
    };
    let reports = crate::build::parallel::map(
        &selection.usable,
        jobs(run),
        |interp| interp.label.clone(),
        |interp| project::run_one(interp, &options),
        |interp, r| {
            format!(
                "{:<26} build {}, import {}, test {}, {} warning{} ({:.1}s)",
                interp.label,
                r.build.label(),
                r.import.label(),
                r.test.label(),
                r.warnings.len(),
                if r.warnings.len() == 1 { "" } else { "s" },
                r.seconds
            )
        },
        &mut std::io::stderr(),
    );
    let missing: Vec<String> = selection.missing.iter().map(|m| m.text.clone()).collect();
    out.write_all(report::render(&reports, &selection.skipped, &missing, args.leaks).as_bytes())
        .map_err(io_error)?;
    if let Some(path) = &run.json {
        write_json(path, &report::to_json(&dir, &reports, &missing))?;
    }
    if let Some(path) = &args.junit {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        std::fs::write(path, report::to_junit(&name, &reports, &missing))
            .map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    match report::totals(&reports, &missing).failed {
        0 => Ok(()),
        n => Err(CliError::TestsFailed(n)),
    }
}

fn make_header(path: PathBuf, min: PyVersion, hpy: bool, spec: &SpecArg) -> Result<HeaderOverride, CliError> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if hpy {
        let (spec_data, hpy) = crate::load_spec_and_hpy(spec.spec.as_deref())?;
        let (header, _) = crate::hpy::generate(&spec_data, &hpy, min, None)?;
        Ok(HeaderOverride { path, header, hpy_h: Some(crate::hpy::hpy_h(&file_name)) })
    } else {
        let spec_data = crate::load_spec(spec.spec.as_deref())?;
        Ok(HeaderOverride { path, header: crate::generate(&spec_data, min, None)?, hpy_h: None })
    }
}

/// `--trimmed`: the header made for the project's own code, its banner's paths relative to
/// where it goes in the project (or to the project, when that directory does not exist yet).
fn make_trimmed_header(
    project: &std::path::Path,
    path: PathBuf,
    min: PyVersion,
    hpy: bool,
    spec: &SpecArg,
) -> Result<HeaderOverride, CliError> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let header_dir = project.join(&path).parent().filter(|d| d.is_dir()).unwrap_or(project).to_path_buf();
    let (header, layer) = super::spec_commands::used_by_header(
        min,
        hpy,
        &[project.to_path_buf()],
        &header_dir,
        spec,
        &mut std::io::stderr(),
    )?;
    Ok(HeaderOverride { path, header, hpy_h: layer.then(|| crate::hpy::hpy_h(&file_name)) })
}

/// `--with` splits on commas, and so do version ranges: `pytest>=7,<9` comes back as
/// `pytest>=7` and `<9`. A piece that starts with a version operator belongs to the one
/// before it.
fn rejoin_version_ranges(pieces: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in pieces {
        let trimmed = piece.trim();
        match out.last_mut() {
            Some(last) if trimmed.starts_with(['<', '>', '=', '!', '~']) => {
                last.push(',');
                last.push_str(trimmed);
            }
            _ if trimmed.is_empty() => {}
            _ => out.push(trimmed.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ranges_split_by_with_are_put_back_together() {
        let pieces: Vec<String> = ["pytest>=7", "<9", "hypothesis", " numpy!=2.0", "~=2.1", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(rejoin_version_ranges(&pieces), ["pytest>=7,<9", "hypothesis", "numpy!=2.0,~=2.1"]);
    }
}
