//! Commands that read the spec: gen, check-spec, list, coverage, docs.

use super::{io_error, write_json, CliError, SpecArg};
use crate::header::{emit, plan};
use crate::report::listing;
use crate::spec::version::PyVersion;
use std::io::Write;
use std::path::PathBuf;

pub fn gen(
    min: PyVersion,
    only: Option<&[String]>,
    output: Option<PathBuf>,
    spec: &SpecArg,
    out: &mut dyn Write,
    note: &mut dyn Write,
) -> Result<(), CliError> {
    let spec_data = crate::load_spec(spec.spec.as_deref())?;
    let plan = plan::plan(&spec_data, min, only)?;
    for name in &plan.native_at_floor {
        writeln!(note, "note: `{name}` is native in CPython {min}: the header has nothing to add for it")
            .map_err(io_error)?;
    }
    let header = emit::render_header(&spec_data, &plan, &emit::regenerate_command(min, only));
    match output {
        Some(path) => std::fs::write(&path, header)
            .map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display()))),
        None => out.write_all(header.as_bytes()).map_err(io_error),
    }
}

/// `gen --hpy`: the header with the HPy layer, and `hpy.h` next to it when writing a file.
pub fn gen_hpy(
    min: PyVersion,
    only: Option<&[String]>,
    output: Option<PathBuf>,
    spec: &SpecArg,
    out: &mut dyn Write,
    note: &mut dyn Write,
) -> Result<(), CliError> {
    let (spec_data, hpy) = crate::load_spec_and_hpy(spec.spec.as_deref())?;
    let (header, wrappers) = crate::hpy::generate(&spec_data, &hpy, min, only)?;
    for skipped in &wrappers.skipped {
        writeln!(note, "note: HPy `{}` is not generated yet: {}", skipped.name, skipped.reason)
            .map_err(io_error)?;
    }
    let Some(path) = output else {
        return out.write_all(header.as_bytes()).map_err(io_error);
    };
    let write = |path: &std::path::Path, text: &str| {
        std::fs::write(path, text).map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))
    };
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let file_name = file_name.unwrap_or_else(|| emit::HEADER_FILE_NAME.to_string());
    if file_name == crate::hpy::HPY_HEADER_FILE_NAME {
        return Err(CliError::Usage(format!(
            "--hpy writes {} next to the header: name the header something else (capi_compat.h)",
            crate::hpy::HPY_HEADER_FILE_NAME
        )));
    }
    write(&path, &header)?;
    write(&path.with_file_name(crate::hpy::HPY_HEADER_FILE_NAME), &crate::hpy::hpy_h(&file_name))
}

/// `check-spec`: the API spec, and the HPy data when the spec has it (`hpy/`), every problem
/// of both reported at once.
pub fn check_spec(spec: &SpecArg, out: &mut dyn Write) -> Result<(), CliError> {
    let source = crate::spec_source(spec.spec.as_deref())?;
    let (spec_data, hpy) = if source.hpy_files.is_empty() {
        (crate::spec::validate::load(&source)?, None)
    } else {
        let (spec_data, hpy) = crate::load_spec_and_hpy(spec.spec.as_deref())?;
        (spec_data, Some(hpy))
    };
    let helpers = spec_data.entries.iter().filter(|e| e.kind == crate::spec::model::Kind::Helper).count();
    writeln!(
        out,
        "spec OK: {} entries and {helpers} helpers in {} areas, {} replaced names (digest {})",
        spec_data.entries.len() - helpers,
        spec_data.areas.len(),
        spec_data.replaced.len(),
        spec_data.digest
    )
    .map_err(io_error)?;
    if let Some(hpy) = hpy {
        writeln!(
            out,
            "HPy data OK: HPy {}, {} functions, {} hand-written entries, {} handles ({})",
            hpy.version,
            hpy.functions.len(),
            hpy.customs.len(),
            hpy.handles.len(),
            source.hpy_dir
        )
        .map_err(io_error)?;
    }
    if !source.upgrade_files.is_empty() {
        let rules = crate::upgrade::rules::load(&source.upgrade_files, &spec_data)?;
        let rewrites: usize = rules.iter().map(|r| r.rewrites.len()).sum();
        writeln!(out, "upgrade rules OK: {} rules, {rewrites} patterns", rules.len()).map_err(io_error)?;
    }
    Ok(())
}

pub fn list(since: Option<PyVersion>, spec: &SpecArg, out: &mut dyn Write) -> Result<(), CliError> {
    let spec_data = crate::load_spec(spec.spec.as_deref())?;
    out.write_all(listing::render_table(&spec_data, since).as_bytes()).map_err(io_error)
}

pub fn coverage(
    json: Option<PathBuf>,
    check: bool,
    spec: &SpecArg,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let spec_data = crate::load_spec(spec.spec.as_deref())?;
    let coverage = crate::report::coverage::compute(&spec_data);
    out.write_all(coverage.render().as_bytes()).map_err(io_error)?;
    if let Some(path) = json {
        write_json(&path, &coverage)?;
    }
    if check && !coverage.missing.is_empty() {
        return Err(CliError::TestsFailed(coverage.missing.len()));
    }
    Ok(())
}

/// `coverage --hpy`: HPy 0.9's public names against the header `gen --hpy` writes.
pub fn hpy_coverage(
    json: Option<PathBuf>,
    python: Option<&str>,
    spec: &SpecArg,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    use crate::hpy::coverage;
    let source = crate::spec_source(spec.spec.as_deref())?;
    let spec_data = crate::spec::validate::load(&source)?;
    let found: Vec<_> = crate::interpreters::discover()
        .into_iter()
        .filter(|i| python.is_none_or(|p| i.label.contains(p) || i.path.to_string_lossy().contains(p)))
        .collect();
    let interp = coverage::pick_interpreter(&found).ok_or_else(|| {
        CliError::Usage(match python {
            Some(p) => {
                format!("no supported CPython release build matches `{p}` (see `capi-compat pythons`)")
            }
            None => "no supported CPython release build (3.10 or newer, with headers) was found".into(),
        })
    })?;
    // Claimed: two coverage runs at once would overwrite each other's probe.
    let claim = crate::build::lock::claim(&crate::interpreters::cache_dir().join("hpy-coverage"), "probe")
        .map_err(|e| CliError::Io(format!("cannot use the cache directory for the HPy probe: {e}")))?;
    let result = coverage::check(&spec_data, &source, interp, claim.path())?;
    out.write_all(result.render().as_bytes()).map_err(io_error)?;
    if let Some(path) = json {
        write_json(&path, &result)?;
    }
    Ok(())
}

/// `docs -o DIR`: the reference site.
pub fn docs(dir: &std::path::Path, spec: &SpecArg, out: &mut dyn Write) -> Result<(), CliError> {
    // A spec directory without `hpy/` makes a site of the C API alone.
    let source = crate::spec_source(spec.spec.as_deref())?;
    let (spec_data, hpy) = if source.hpy_files.is_empty() {
        (crate::spec::validate::load(&source)?, None)
    } else {
        let (spec_data, hpy) = crate::load_spec_and_hpy(spec.spec.as_deref())?;
        (spec_data, Some(hpy))
    };
    let files = crate::docs::render(&spec_data, hpy.as_ref());
    crate::docs::write(dir, &files)?;
    writeln!(out, "wrote {} (open it in a browser)", dir.join(crate::docs::INDEX).display()).map_err(io_error)
}
