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
    /// List the Python interpreters found on this machine.
    Pythons,
    /// Run every entry's test on every interpreter found, and compile the header as C99, C11,
    /// C++11, C++17 and C++20 with each compiler.
    Test {
        /// Only interpreters whose label or path contains this (repeatable).
        #[arg(long = "python", value_name = "TEXT")]
        pythons: Vec<String>,
        /// Fail unless these interpreters were found: 3.13, 3.13-dbg, pypy3.11 (comma-separated).
        #[arg(long, value_name = "SPEC,...", value_delimiter = ',', value_parser = crate::matrix::Requirement::parse)]
        require: Vec<crate::matrix::Requirement>,
        /// Only these entries (comma-separated).
        #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
        only: Option<Vec<String>>,
        /// Also write the results as JSON to this file.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Interpreters tested at once (default: the number of cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        #[command(flatten)]
        spec: SpecArg,
    },
    /// Build your extension against every interpreter with the generated header, import it,
    /// and run your test command under each: `capi-compat matrix src/mod.c -- python -m pytest`.
    Matrix {
        /// The C sources of the extension module.
        #[arg(required = true, value_name = "SOURCES")]
        sources: Vec<PathBuf>,
        /// The module's import name (default: the first source's file stem).
        #[arg(long, value_name = "NAME")]
        module: Option<String>,
        /// The oldest CPython to support: the header's floor, and older interpreters are skipped.
        #[arg(long, value_name = "X.Y", default_value = "3.10", value_parser = plan::parse_floor)]
        min: PyVersion,
        /// Only interpreters whose label or path contains this (repeatable).
        #[arg(long = "python", value_name = "TEXT")]
        pythons: Vec<String>,
        /// Fail unless these interpreters were found: 3.13, 3.13-dbg, pypy3.11 (comma-separated).
        #[arg(long, value_name = "SPEC,...", value_delimiter = ',', value_parser = crate::matrix::Requirement::parse)]
        require: Vec<crate::matrix::Requirement>,
        /// Extra include directory for the sources (repeatable).
        #[arg(short = 'I', long = "include", value_name = "DIR")]
        include: Vec<PathBuf>,
        /// Extra compiler flag (repeatable), after the project's warning flags.
        #[arg(long = "cflag", value_name = "FLAG", allow_hyphen_values = true)]
        cflags: Vec<String>,
        /// Also write the results as JSON to this file.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        #[arg(long, short)]
        jobs: Option<usize>,
        #[command(flatten)]
        spec: SpecArg,
        /// The test command, after `--`; `python` as its first word runs the interpreter under test.
        #[arg(last = true, value_name = "TEST-COMMAND")]
        test_command: Vec<String>,
    },
    /// Compare the spec with every C API name CPython added in 3.11 … 3.15: provided,
    /// refused (with the reason), or missing.
    Coverage {
        /// Also write the result as JSON to this file.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Exit 1 when a name is neither provided nor refused.
        #[arg(long)]
        check: bool,
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
    /// Tests ran and some failed (the report was printed): exit 1.
    TestsFailed(usize),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Spec(_) | CliError::Usage(_) => 2,
            CliError::Io(_) | CliError::TestsFailed(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Spec(e) => write!(f, "{e}"),
            CliError::Usage(msg) | CliError::Io(msg) => write!(f, "error: {msg}"),
            CliError::TestsFailed(n) => write!(f, "error: {n} check{} failed", if *n == 1 { "" } else { "s" }),
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
        Command::Pythons => {
            out.write_all(crate::pythons::render_table(&crate::pythons::discover()).as_bytes()).map_err(io)?;
        }
        Command::Test { pythons, require, only, json, jobs, spec } => {
            let spec_data = crate::load_spec(spec.spec.as_deref())?;
            let floor = crate::version::OLDEST;
            let header = crate::generate(&spec_data, floor, None)?;
            if let Some(names) = &only {
                // Reuse --only's checks: unknown names are a usage error.
                plan::plan(&spec_data, floor, Some(names))?;
            }
            let compilers = crate::compiler::available();
            if compilers.is_empty() {
                return Err(CliError::Usage("no C compiler found: install gcc (or set CC and CXX)".into()));
            }
            let selection = crate::matrix::select(crate::pythons::discover(), &pythons, &require, floor);
            writeln!(note, "compilers: {}", compilers.iter().map(|c| format!("{} ({})", c.family, c.c.display())).collect::<Vec<_>>().join(", ")).map_err(io)?;
            let options = crate::matrix::MatrixOptions {
                header: &header,
                only: only.as_deref(),
                jobs: jobs.unwrap_or_else(crate::parallel::default_jobs),
                build_root: crate::pythons::cache_dir().join("build/selftest"),
            };
            let mut progress = std::io::stderr();
            if selection.usable.is_empty() {
                return Err(CliError::Usage("no usable Python interpreter (3.10 or newer, with headers) was found".into()));
            }
            let result = crate::matrix::run(&spec_data, selection, &compilers, &options, &mut progress);
            out.write_all(result.render(&spec_data).as_bytes()).map_err(io)?;
            if let Some(path) = json {
                let text = serde_json::to_string_pretty(&result.to_json(&spec_data)).expect("JSON of plain data");
                std::fs::write(&path, text).map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?;
            }
            let failures = result.failures();
            if failures > 0 {
                return Err(CliError::TestsFailed(failures));
            }
        }
        Command::Matrix { sources, module, min, pythons, require, include, cflags, json, jobs, spec, test_command } => {
            let spec_data = crate::load_spec(spec.spec.as_deref())?;
            let header = crate::generate(&spec_data, min, None)?;
            for src in &sources {
                if !src.is_file() {
                    return Err(CliError::Usage(format!("no such source file: {}", src.display())));
                }
            }
            let module = match module {
                Some(m) => m,
                None => sources[0].file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
            };
            if !crate::cdecl::is_c_identifier(&module) {
                return Err(CliError::Usage(format!("`{module}` is not a module name: pass --module NAME")));
            }
            let compilers = crate::compiler::available();
            let Some(compiler) = compilers.first() else {
                return Err(CliError::Usage("no C compiler found: install gcc (or set CC and CXX)".into()));
            };
            let selection = crate::matrix::select(crate::pythons::discover(), &pythons, &require, min);
            if selection.usable.is_empty() {
                return Err(CliError::Usage(format!("no usable Python interpreter ({min} or newer, with headers) was found")));
            }
            let options = crate::usermatrix::UserMatrixOptions {
                header,
                module,
                sources: sources.iter().map(|s| std::fs::canonicalize(s).unwrap_or_else(|_| s.clone())).collect(),
                include_dirs: include.iter().map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone())).collect(),
                cflags,
                test_command,
                build_root: crate::pythons::cache_dir().join("build/matrix"),
                jobs: jobs.unwrap_or_else(crate::parallel::default_jobs),
            };
            let reports = crate::parallel::map(
                &selection.usable,
                options.jobs,
                |interp| interp.label.clone(),
                |interp| crate::usermatrix::run_one(interp, &options, compiler),
                |interp, r| format!("{:<26} build {}, import {}, test {} ({:.1}s)", interp.label, r.build_label(), r.import_label(), r.test_label(), r.seconds),
                &mut std::io::stderr(),
            );
            let missing: Vec<String> = selection.missing.iter().map(|m| m.text.clone()).collect();
            out.write_all(crate::usermatrix::render(&reports, &selection.skipped, &missing).as_bytes()).map_err(io)?;
            if let Some(path) = json {
                let text = serde_json::to_string_pretty(&crate::usermatrix::to_json(&reports, &missing)).expect("JSON of plain data");
                std::fs::write(&path, text).map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?;
            }
            let failures: usize = reports.iter().map(|r| r.failures()).sum::<usize>() + missing.len();
            if failures > 0 {
                return Err(CliError::TestsFailed(failures));
            }
        }
        Command::Coverage { json, check, spec } => {
            let spec_data = crate::load_spec(spec.spec.as_deref())?;
            let coverage = crate::coverage::compute(&spec_data);
            out.write_all(coverage.render().as_bytes()).map_err(io)?;
            if let Some(path) = json {
                let text = serde_json::to_string_pretty(&coverage).expect("JSON of plain data");
                std::fs::write(&path, text).map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?;
            }
            if check && !coverage.missing.is_empty() {
                return Err(CliError::TestsFailed(coverage.missing.len()));
            }
        }
        Command::List { since, spec } => {
            let spec_data = crate::load_spec(spec.spec.as_deref())?;
            out.write_all(listing::render_table(&spec_data, since).as_bytes()).map_err(io)?;
        }
    }
    Ok(())
}
