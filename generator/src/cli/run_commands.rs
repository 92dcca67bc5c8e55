//! Commands that run interpreters: pythons, test (the spec's own matrix), matrix (users' code).

use super::{io_error, write_json, CliError, RunArgs, SpecArg};
use crate::build::compiler::Compiler;
use crate::interpreters::Selection;
use crate::spec::version::PyVersion;
use std::io::Write;
use std::path::PathBuf;

pub fn pythons(out: &mut dyn Write) -> Result<(), CliError> {
    out.write_all(crate::interpreters::render_table(&crate::interpreters::discover()).as_bytes())
        .map_err(io_error)
}

pub(super) fn compilers() -> Result<Vec<Compiler>, CliError> {
    let found = crate::build::compiler::available();
    if found.is_empty() {
        return Err(CliError::Usage("no C compiler found: install gcc (or set CC and CXX)".into()));
    }
    Ok(found)
}

/// The interpreters a run uses; none at all is a usage error, not an empty pass.
pub(super) fn select(run: &RunArgs, floor: PyVersion) -> Result<Selection, CliError> {
    use crate::interpreters::selection::{filter_paths, unanswered_paths};
    let found = crate::interpreters::discover_with(&filter_paths(&run.pythons));
    if let Some(path) = unanswered_paths(&run.pythons, &found).first() {
        return Err(CliError::Usage(format!(
            "--python {}: not a Python interpreter (it did not answer `-c` with its sysconfig)",
            path.display()
        )));
    }
    let selection = crate::interpreters::select(found, &run.pythons, &run.require, floor);
    if selection.usable.is_empty() {
        return Err(CliError::Usage(format!(
            "no usable Python interpreter ({floor} or newer, with headers) was found"
        )));
    }
    Ok(selection)
}

pub(super) fn jobs(run: &RunArgs) -> usize {
    run.jobs.unwrap_or_else(crate::build::parallel::default_jobs)
}

pub fn test(
    run: &RunArgs,
    only: Option<&[String]>,
    sanitize: Option<crate::selftest::sanitizer::Sanitizer>,
    spec: &SpecArg,
    out: &mut dyn Write,
    note: &mut dyn Write,
) -> Result<(), CliError> {
    let spec_data = crate::load_spec(spec.spec.as_deref())?;
    let floor = crate::spec::version::OLDEST;
    let header = crate::generate(&spec_data, floor, None)?;
    if let Some(names) = only {
        // Reuse --only's checks: unknown or refused names are a usage error.
        crate::header::plan::plan(&spec_data, floor, Some(names))?;
    }
    let compilers = compilers()?;
    let selection = select(run, floor)?;
    let names: Vec<String> = compilers.iter().map(|c| format!("{} ({})", c.family, c.c.display())).collect();
    writeln!(note, "compilers: {}", names.join(", ")).map_err(io_error)?;
    let sanitize = match sanitize {
        None => None,
        Some(sanitizer) => {
            let build = crate::selftest::sanitizer::SanitizedBuild::new(sanitizer, &compilers[0])
                .map_err(|e| CliError::Usage(format!("--sanitize: {e}")))?;
            writeln!(
                note,
                "sanitizers: -fsanitize={} with {}, preloading {}",
                build.sanitizer.names(),
                compilers[0].family,
                build.runtime.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ")
            )
            .map_err(io_error)?;
            Some(build)
        }
    };
    let options = crate::selftest::SelfTestOptions {
        header: &header,
        only,
        jobs: jobs(run),
        build_root: crate::interpreters::cache_dir().join("build/selftest"),
        sanitize,
    };
    let result = crate::selftest::run(&spec_data, selection, &compilers, &options, &mut std::io::stderr());
    out.write_all(result.render(&spec_data).as_bytes()).map_err(io_error)?;
    if let Some(path) = &run.json {
        write_json(path, &result.to_json(&spec_data))?;
    }
    match result.failures() {
        0 => Ok(()),
        n => Err(CliError::TestsFailed(n)),
    }
}

/// `--max-allocs` and `--native` of `test --alloc-fail`.
#[derive(Debug, Clone, Copy)]
pub struct AllocFailLimits {
    pub max_allocs: u32,
    /// Native names run through the interpreter's own function, not our forced backport.
    pub native: bool,
}

/// How `--only` names an HPy scenario of `test --alloc-fail`.
const HPY_PREFIX: &str = "HPy: ";

/// `test --alloc-fail`: the tests again under the failing allocator.
pub fn alloc_fail(
    run: &RunArgs,
    only: Option<&[String]>,
    limits: AllocFailLimits,
    known: Option<&std::path::Path>,
    spec: &SpecArg,
    out: &mut dyn Write,
    note: &mut dyn Write,
) -> Result<(), CliError> {
    let known = match known {
        Some(path) => crate::selftest::allocfail::read_known(path).map_err(CliError::Usage)?,
        None => Vec::new(),
    };
    let spec_data = crate::load_spec(spec.spec.as_deref())?;
    let floor = crate::spec::version::OLDEST;
    let header = crate::generate(&spec_data, floor, None)?;
    // `--only` names spec entries and HPy scenarios (`HPy: …`, as the report names them).
    let hpy_wanted = only.is_none_or(|names| names.iter().any(|n| n.starts_with(HPY_PREFIX)));
    if let Some(names) = only {
        if let Some(unknown) = names.iter().find(|n| {
            n.starts_with(HPY_PREFIX) && !crate::selftest::allocfail::HPY_SCENARIOS.contains(&n.as_str())
        }) {
            return Err(CliError::Usage(format!(
                "--only: no HPy scenario `{unknown}` (they are: {})",
                crate::selftest::allocfail::HPY_SCENARIOS.join(", ")
            )));
        }
        let entries: Vec<String> = names.iter().filter(|n| !n.starts_with(HPY_PREFIX)).cloned().collect();
        if !entries.is_empty() {
            crate::header::plan::plan(&spec_data, floor, Some(&entries))?;
        }
    }
    let compilers = compilers()?;
    let selection = select(run, floor)?;
    writeln!(note, "compiler: {} ({})", compilers[0].family, compilers[0].c.display()).map_err(io_error)?;
    // The HPy layer's scenarios, when the spec has its data and `--only` does not leave them out.
    let hpy = match (hpy_wanted, crate::load_spec_and_hpy(spec.spec.as_deref())) {
        (true, Ok((spec_data, hpy))) => {
            let (hpy_header, _) = crate::hpy::generate(&spec_data, &hpy, floor, None)?;
            Some((hpy_header, crate::hpy::hpy_h("capi_compat.h")))
        }
        _ => {
            writeln!(
                note,
                "HPy layer: not tried (--only names no `HPy: …` scenario, or a spec without HPy data)"
            )
            .map_err(io_error)?;
            None
        }
    };
    let options = crate::selftest::allocfail::AllocFailOptions {
        header: &header,
        only,
        jobs: jobs(run),
        build_root: crate::interpreters::cache_dir().join("build/allocfail"),
        max_allocs: limits.max_allocs,
        native: limits.native,
        known,
        hpy,
    };
    let result =
        crate::selftest::allocfail::run(&spec_data, selection, &compilers, &options, &mut std::io::stderr());
    out.write_all(result.render().as_bytes()).map_err(io_error)?;
    if let Some(path) = &run.json {
        write_json(path, &result.to_json())?;
    }
    match result.failures() {
        0 => Ok(()),
        n => Err(CliError::TestsFailed(n)),
    }
}

/// How `bench` times and judges.
pub struct BenchSettings {
    pub rounds: usize,
    pub loop_ms: f64,
    pub check: bool,
    /// A header to time instead of the spec's.
    pub header: Option<PathBuf>,
}

pub fn bench(
    run: &RunArgs,
    only: Option<&[String]>,
    settings: BenchSettings,
    spec: &SpecArg,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let spec_data = crate::load_spec(spec.spec.as_deref())?;
    let floor = crate::spec::version::OLDEST;
    let header = match &settings.header {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("cannot read the header {}: {e}", path.display())))?,
        None => crate::generate(&spec_data, floor, None)?,
    };
    if let Some(names) = only {
        crate::header::plan::plan(&spec_data, floor, Some(names))?;
        if let Some(name) = names.iter().find(|n| spec_data.get(n).is_some_and(|e| e.bench.is_empty())) {
            return Err(CliError::Usage(format!("`{name}` has no `bench` in the spec")));
        }
    }
    if !(settings.loop_ms > 0.0 && settings.loop_ms <= 10_000.0) {
        return Err(CliError::Usage("--loop-ms must be above 0 and at most 10000".into()));
    }
    let compilers = compilers()?;
    let selection = select(run, floor)?;
    let options = crate::bench::BenchOptions {
        header: &header,
        only,
        rounds: settings.rounds,
        target_ns: settings.loop_ms * 1e6,
        build_root: crate::interpreters::cache_dir().join("build/bench"),
    };
    let results =
        crate::bench::run(&spec_data, &selection.usable, &compilers[0], &options, &mut std::io::stderr());
    out.write_all(crate::bench::report::render(&results).as_bytes()).map_err(io_error)?;
    if let Some(path) = &run.json {
        write_json(path, &crate::bench::report::to_json(&results))?;
    }
    let mut problems = crate::bench::report::problems(&results);
    problems.extend(selection.missing.iter().map(|m| format!("required interpreter not found: {}", m.text)));
    for p in &problems {
        writeln!(out, "{}", p).map_err(io_error)?;
    }
    match problems.len() {
        0 => Ok(()),
        n if settings.check || results.iter().any(|r| r.error.is_some()) || !selection.missing.is_empty() => {
            Err(CliError::TestsFailed(n))
        }
        _ => Ok(()),
    }
}

/// What the user hands `matrix`: their sources, how to build them, how to test them.
pub struct UserCode {
    pub sources: Vec<PathBuf>,
    pub module: Option<String>,
    pub include: Vec<PathBuf>,
    pub cflags: Vec<String>,
    pub test_command: Vec<String>,
    /// Build with the HPy layer (`gen --hpy`), `hpy.h` next to the header.
    pub hpy: bool,
    /// Build with the header made for the sources and include directories (`gen --used-by`).
    pub trimmed: bool,
}

pub fn matrix(
    user: UserCode,
    min: PyVersion,
    run: &RunArgs,
    spec: &SpecArg,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    if let Some(missing) = user.sources.iter().find(|s| !s.is_file()) {
        return Err(CliError::Usage(format!("no such source file: {}", missing.display())));
    }
    let hpy_h_text = || Some(crate::hpy::hpy_h(crate::header::emit::HEADER_FILE_NAME));
    let (header, hpy_h) = if user.trimmed {
        let code: Vec<PathBuf> = user.sources.iter().chain(&user.include).cloned().collect();
        let (header, layer) = super::spec_commands::used_by_header(
            min,
            user.hpy,
            &code,
            std::path::Path::new("."),
            spec,
            &mut std::io::stderr(),
        )?;
        (header, if layer { hpy_h_text() } else { None })
    } else if user.hpy {
        let (spec_data, hpy) = crate::load_spec_and_hpy(spec.spec.as_deref())?;
        let (header, _) = crate::hpy::generate(&spec_data, &hpy, min, None)?;
        (header, hpy_h_text())
    } else {
        (crate::generate(&crate::load_spec(spec.spec.as_deref())?, min, None)?, None)
    };
    let module = match user.module {
        Some(m) => m,
        None => user.sources[0].file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    if !crate::spec::cdecl::is_c_identifier(&module) {
        return Err(CliError::Usage(format!("`{module}` is not a module name: pass --module NAME")));
    }
    let standard = crate::matrix::sources::sources_standard(&user.sources).map_err(CliError::Usage)?;
    let compilers = compilers()?;
    let compiler = &compilers[0];
    let selection = select(run, min)?;
    let absolute = |paths: &[PathBuf]| {
        paths.iter().map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())).collect()
    };
    let options = crate::matrix::sources::UserMatrixOptions {
        header,
        hpy_h,
        module,
        sources: absolute(&user.sources),
        include_dirs: absolute(&user.include),
        cflags: user.cflags,
        test_command: user.test_command,
        build_root: crate::interpreters::cache_dir().join("build/matrix"),
        jobs: jobs(run),
        standard,
    };
    let reports = crate::build::parallel::map(
        &selection.usable,
        options.jobs,
        |interp| interp.label.clone(),
        |interp| crate::matrix::sources::run_one(interp, &options, compiler),
        |interp, r| {
            format!(
                "{:<26} build {}, import {}, test {} ({:.1}s)",
                interp.label,
                r.build_label(),
                r.import_label(),
                r.test_label(),
                r.seconds
            )
        },
        &mut std::io::stderr(),
    );
    let missing: Vec<String> = selection.missing.iter().map(|m| m.text.clone()).collect();
    out.write_all(crate::matrix::sources::render(&reports, &selection.skipped, &missing).as_bytes())
        .map_err(io_error)?;
    if let Some(path) = &run.json {
        write_json(path, &crate::matrix::sources::to_json(&reports, &missing))?;
    }
    match reports.iter().map(|r| r.failures()).sum::<usize>() + missing.len() {
        0 => Ok(()),
        n => Err(CliError::TestsFailed(n)),
    }
}
