//! capi-compat: a YAML spec of the CPython C API becomes one C header that backports newer
//! API onto older Pythons. The binary (`main.rs`) only parses arguments; this library is what
//! the commands and the tests use.
//!
//! Two halves: turning the spec into a header (`spec` → `header`, with `hpy` for the HPy
//! layer, `report` for coverage and listings), and running things on interpreters
//! (`interpreters` finds them, `build` drives compilers and processes, `selftest` is
//! `capi-compat test`, `matrix` is `capi-compat matrix`, `ci` writes a CI workflow that runs
//! that matrix elsewhere). `cli` maps commands onto both; `docs` writes the reference site from the spec.

pub mod bench;
pub mod build;
pub mod check;
pub mod ci;
pub mod cli;
pub mod digest;
pub mod docs;
pub mod header;
pub mod hpy;
pub mod install;
pub mod interpreters;
pub mod matrix;
pub mod report;
pub mod scan;
pub mod selftest;
pub mod spec;
pub mod upgrade;

pub use spec::diagnostics::SpecErrors;
pub use spec::model::Spec;
pub use spec::source::SpecSource;

/// The spec's files: the embedded ones, or those of the directory given (`--spec DIR`).
pub fn spec_source(dir: Option<&std::path::Path>) -> Result<SpecSource, SpecErrors> {
    match dir {
        Some(dir) => SpecSource::from_dir(dir),
        None => Ok(SpecSource::embedded()),
    }
}

/// Reads and validates a spec: the embedded one, or the directory given.
pub fn load_spec(dir: Option<&std::path::Path>) -> Result<Spec, SpecErrors> {
    spec::validate::load(&spec_source(dir)?)
}

/// Reads and validates the spec and the HPy layer's data from the same place, reporting the
/// problems of both at once.
pub fn load_spec_and_hpy(dir: Option<&std::path::Path>) -> Result<(Spec, hpy::HpySpec), SpecErrors> {
    let source = spec_source(dir)?;
    match (spec::validate::load(&source), hpy::load(&source)) {
        (Ok(spec), Ok(hpy)) => Ok((spec, hpy)),
        (Err(a), Err(b)) => Err(SpecErrors(a.0.into_iter().chain(b.0).collect())),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// The whole header for a floor (and optional `--only` names), as `gen` writes it.
pub fn generate(
    spec: &Spec,
    floor: spec::version::PyVersion,
    only: Option<&[String]>,
) -> Result<String, header::plan::PlanError> {
    let plan = header::plan::plan(spec, floor, only)?;
    Ok(header::emit::render_header(spec, &plan, &header::emit::regenerate_command(floor, only)))
}
