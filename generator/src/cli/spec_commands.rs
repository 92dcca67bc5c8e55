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
    pythoncapi_compat: bool,
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
    let header = crate::generate_with(&spec_data, min, only, pythoncapi_compat)?;
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
    refuse_hpy_h_name(&path)?;
    write(&path, &header)?;
    write(&path.with_file_name(crate::hpy::HPY_HEADER_FILE_NAME), &crate::hpy::hpy_h(&file_name))
}

/// What `gen --used-by` was asked for.
pub struct UsedByRequest {
    pub min: PyVersion,
    pub paths: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    pub hpy: bool,
}

/// `gen --used-by PATHS…`: the header with what the code under PATHS uses (and with `--hpy`,
/// the HPy layer when the code uses HPy, `hpy.h` next to the header then).
pub fn gen_used_by(
    request: UsedByRequest,
    spec: &SpecArg,
    out: &mut dyn Write,
    note: &mut dyn Write,
) -> Result<(), CliError> {
    let header_dir = match request.output.as_deref().map(std::path::Path::parent) {
        Some(Some(parent)) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (header, hpy_h) = used_by_header(request.min, request.hpy, &request.paths, &header_dir, spec, note)?;
    let Some(path) = request.output else {
        return out.write_all(header.as_bytes()).map_err(io_error);
    };
    let write = |path: &std::path::Path, text: &str| {
        std::fs::write(path, text).map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))
    };
    if hpy_h {
        refuse_hpy_h_name(&path)?;
    }
    write(&path, &header)?;
    if hpy_h {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        write(&path.with_file_name(crate::hpy::HPY_HEADER_FILE_NAME), &crate::hpy::hpy_h(&file_name))?;
    }
    Ok(())
}

/// The header made for the code under `paths` (`gen --used-by`), the banner's paths relative
/// to `header_dir`; and whether it holds the HPy layer (with `hpy`: when the code uses HPy).
pub fn used_by_header(
    min: PyVersion,
    hpy: bool,
    paths: &[PathBuf],
    header_dir: &std::path::Path,
    spec: &SpecArg,
    note: &mut dyn Write,
) -> Result<(String, bool), CliError> {
    let used = crate::header::used_by::read(paths, header_dir)?;
    if !hpy {
        let spec_data = crate::load_spec(spec.spec.as_deref())?;
        refusal_notes(&spec_data, &used, note)?;
        return Ok((crate::generate_used_by(&spec_data, min, &used)?, false));
    }
    let source = crate::spec_source(spec.spec.as_deref())?;
    let (spec_data, hpy) = crate::load_spec_and_hpy(spec.spec.as_deref())?;
    let hpy_names = crate::hpy::names::public_name_set(&source)?;
    refusal_notes(&spec_data, &used, note)?;
    let (header, layer) = crate::hpy::generate_used_by(&spec_data, &hpy, &hpy_names, min, &used)?;
    if layer.is_none() {
        writeln!(
            note,
            "note: the code uses no HPy name: the header has no HPy layer, and no hpy.h is written"
        )
        .map_err(io_error)?;
    }
    Ok((header, layer.is_some()))
}

/// Names the code uses that the header refuses: said, not fatal (the code may need them only
/// where they are native). And the spec names the code defines itself, left out.
fn refusal_notes(
    spec: &crate::Spec,
    used: &crate::header::used_by::UsedBy,
    note: &mut dyn Write,
) -> Result<(), CliError> {
    for (name, place) in used.own_functions.iter().filter(|(name, _)| spec.get(name).is_some()) {
        writeln!(
            note,
            "note: the code defines {name} itself ({place}): left out of the header, which would define it a second time"
        )
        .map_err(io_error)?;
    }
    let refused: Vec<String> =
        crate::header::used_by::entries_used(spec, &used.names).1.into_iter().map(|(name, _)| name).collect();
    if refused.is_empty() {
        return Ok(());
    }
    writeln!(
        note,
        "note: the code uses names the header refuses to provide (`capi-compat list` says why): {}",
        refused.join(", ")
    )
    .map_err(io_error)
}

/// `--hpy` writes `hpy.h` next to the header: the header cannot be called that.
fn refuse_hpy_h_name(path: &std::path::Path) -> Result<(), CliError> {
    if path.file_name().is_some_and(|n| n == crate::hpy::HPY_HEADER_FILE_NAME) {
        return Err(CliError::Usage(format!(
            "--hpy writes {} next to the header: name the header something else (capi_compat.h)",
            crate::hpy::HPY_HEADER_FILE_NAME
        )));
    }
    Ok(())
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
