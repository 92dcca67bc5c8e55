//! capi-compat: a YAML spec of the CPython C API becomes one C header that backports newer
//! API onto older Pythons. The binary (`main.rs`) only parses arguments; this library is what
//! the commands and the tests use.

pub mod cdecl;
pub mod cli;
pub mod cnull;
pub mod compiler;
pub mod coverage;
pub mod diagnostics;
pub mod digest;
pub mod emit;
pub mod hpy;
pub mod listing;
pub mod matrix;
pub mod model;
pub mod parallel;
pub mod plan;
pub mod probes;
pub mod process;
pub mod pythons;
pub mod raw;
pub mod runner;
pub mod selftest;
pub mod source;
pub mod usermatrix;
pub mod validate;
pub mod version;

pub use diagnostics::SpecErrors;
pub use model::Spec;
pub use source::SpecSource;

/// Reads and validates a spec: the embedded one, or the directory given.
pub fn load_spec(dir: Option<&std::path::Path>) -> Result<Spec, SpecErrors> {
    let source = match dir {
        Some(dir) => SpecSource::from_dir(dir)?,
        None => SpecSource::embedded(),
    };
    validate::load(&source)
}

/// The whole header for a floor (and optional `--only` names), as `gen` writes it.
pub fn generate(
    spec: &Spec,
    floor: version::PyVersion,
    only: Option<&[String]>,
) -> Result<String, plan::PlanError> {
    let plan = plan::plan(spec, floor, only)?;
    Ok(emit::render_header(spec, &plan, &emit::regenerate_command(floor, only)))
}
