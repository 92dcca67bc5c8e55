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
    generate_with(spec, floor, only, false)
}

/// As `generate`; with `pythoncapi_compat` the header also turns on pythoncapi-compat's
/// inventions itself (`gen --pythoncapi-compat`), as `#define CAPI_COMPAT_PYTHONCAPI_COMPAT`
/// before the include would.
pub fn generate_with(
    spec: &Spec,
    floor: spec::version::PyVersion,
    only: Option<&[String]>,
    pythoncapi_compat: bool,
) -> Result<String, header::plan::PlanError> {
    let mut plan = header::plan::plan(spec, floor, only)?;
    if pythoncapi_compat {
        plan.switches_on.push(header::emit::PYTHONCAPI_COMPAT_SWITCH.to_string());
    }
    let command = header::emit::regenerate_command(floor, only, pythoncapi_compat);
    Ok(header::emit::render_header(spec, &plan, &command))
}

/// The header made for the code `used` was read from (`gen --used-by`): the entries it uses
/// and what they require, at this floor.
pub fn generate_used_by(
    spec: &Spec,
    floor: spec::version::PyVersion,
    used: &header::used_by::UsedBy,
) -> Result<String, header::plan::PlanError> {
    let (roots, _refused) = header::used_by::entries_used(spec, &used.names);
    let plan = header::plan::plan(spec, floor, Some(&roots))?;
    let command = header::emit::used_by_command(floor, &used.banner_paths);
    Ok(header::emit::render_header_made_for(spec, &plan, &command, Some(&used.banner_paths)))
}
