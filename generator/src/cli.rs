//! The command line: argument types and one function per subcommand.

use crate::diagnostics::SpecErrors;
use crate::{emit, listing, plan, version::PyVersion};
use clap::{Parser, Subcommand};
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "capi-compat", version, about = "Generate one C header that backports newer CPython C API onto CPython 3.10+")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct SpecArg {
    /// Read the spec from this directory instead of the copy built into the binary.
    #[arg(long, value_name = "DIR")]
    pub spec: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the header.
    Gen {
        /// The oldest CPython the header must support; names native there are left out.
        #[arg(long, value_name = "X.Y", default_value = "3.10", value_parser = plan::parse_floor)]
        min: PyVersion,
        /// Emit only these names (comma-separated) and what they require.
        #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
        only: Option<Vec<String>>,
        /// Where to write the header (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        spec: SpecArg,
    },
    /// Validate the spec and report every problem, without writing anything.
    CheckSpec {
        #[command(flatten)]
        spec: SpecArg,
    },
    /// Print the spec's entries as a table.
    List {
        /// Only the names added in this version.
        #[arg(long, value_name = "X.Y", value_parser = PyVersion::parse)]
        since: Option<PyVersion>,
        #[command(flatten)]
        spec: SpecArg,
    },
}

/// What can go wrong in a command, and the exit status each maps to.
#[derive(Debug)]
pub enum CliError {
    /// The spec is invalid: exit 2.
    Spec(SpecErrors),
    /// The arguments ask for something impossible: exit 2.
    Usage(String),
    /// Reading or writing a file failed: exit 1.
    Io(String),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Spec(_) | CliError::Usage(_) => 2,
            CliError::Io(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Spec(e) => write!(f, "{e}"),
            CliError::Usage(msg) | CliError::Io(msg) => write!(f, "error: {msg}"),
        }
    }
}

impl From<SpecErrors> for CliError {
    fn from(e: SpecErrors) -> Self {
        CliError::Spec(e)
    }
}

impl From<plan::PlanError> for CliError {
    fn from(e: plan::PlanError) -> Self {
        CliError::Usage(e.to_string())
    }
}

/// Runs one command; what it prints on success goes to `out`, notes to `note`.
pub fn run(cli: Cli, out: &mut dyn std::io::Write, note: &mut dyn std::io::Write) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::Io(e.to_string());
    match cli.command {
        Command::Gen { min, only, output, spec } => {
            let spec_data = crate::load_spec(spec.spec.as_deref())?;
            let plan = plan::plan(&spec_data, min, only.as_deref())?;
            for name in &plan.native_at_floor {
                writeln!(note, "note: `{name}` is native in CPython {min}: the header has nothing to add for it").map_err(io)?;
            }
            let header = emit::render_header(&spec_data, &plan, &emit::regenerate_command(min, only.as_deref()));
            match output {
                Some(path) => std::fs::write(&path, header)
                    .map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?,
                None => out.write_all(header.as_bytes()).map_err(io)?,
            }
        }
        Command::CheckSpec { spec } => {
            let spec_data = crate::load_spec(spec.spec.as_deref())?;
            let helpers = spec_data.entries.iter().filter(|e| e.kind == crate::model::Kind::Helper).count();
            writeln!(
                out,
                "spec OK: {} entries and {helpers} helpers in {} areas (digest {})",
                spec_data.entries.len() - helpers,
                spec_data.areas.len(),
                spec_data.digest
            )
            .map_err(io)?;
        }
        Command::List { since, spec } => {
            let spec_data = crate::load_spec(spec.spec.as_deref())?;
            out.write_all(listing::render_table(&spec_data, since).as_bytes()).map_err(io)?;
        }
    }
    Ok(())
}
