//! The command line: argument types, errors and exit codes; the subcommands live in
//! `spec_commands` (gen, check-spec, list, coverage, docs), `run_commands` (pythons, test, matrix)
//! and `install_commands` (check, install-tree, and the `--includedir`-style queries).

mod ci_commands;
mod install_commands;
mod project_command;
mod run_commands;
mod scan_command;
mod spec_commands;
mod upgrade_command;

use crate::header::plan;
use crate::spec::diagnostics::SpecErrors;
use crate::spec::version::PyVersion;
use clap::{Parser, Subcommand};
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "capi-compat",
    version,
    about = "Generate one C header that backports newer CPython C API onto CPython 3.10+",
    args_conflicts_with_subcommands = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub locations: Locations,
}

/// Where an installed capi-compat keeps what C builds use (as `pybind11 --cmakedir`): next to
/// a pip install, or written into the cache for a binary installed by cargo.
#[derive(Debug, Default, clap::Args)]
#[group(multiple = false)]
pub struct Locations {
    /// Print the directory holding capi_compat.h (`-I` it; `capi_compat_hpy/` inside holds the
    /// `--hpy` pair).
    #[arg(long)]
    pub includedir: bool,
    /// Print the directory holding capi-compat.pc and capi-compat-hpy.pc (for PKG_CONFIG_PATH).
    #[arg(long)]
    pub pkgconfigdir: bool,
    /// Print the directory holding capi_compatConfig.cmake (for capi_compat_DIR).
    #[arg(long)]
    pub cmakedir: bool,
}

#[derive(Debug, clap::Args)]
pub struct SpecArg {
    /// Read the spec from this directory instead of the copy built into the binary.
    #[arg(long, value_name = "DIR")]
    pub spec: Option<PathBuf>,
}

/// How a run over interpreters is chosen and reported (`test` and `matrix`).
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Only interpreters whose label or path contains this, or the interpreter at this path
    /// (`--python "$(command -v python)"`, found even outside the places discovery looks); repeatable.
    #[arg(long = "python", value_name = "TEXT")]
    pub pythons: Vec<String>,
    /// Fail unless these interpreters were found: 3.13, 3.13-dbg, pypy3.11 (comma-separated).
    #[arg(long, value_name = "SPEC,...", value_delimiter = ',', value_parser = crate::interpreters::Requirement::parse)]
    pub require: Vec<crate::interpreters::Requirement>,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Interpreters run at once (default: the number of cores).
    #[arg(long, short)]
    pub jobs: Option<usize>,
}

/// What only `matrix PROJECT_DIR` takes.
#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    /// PROJECT_DIR: more test requirements to install (comma-separated), besides the ones
    /// found in the project (its test extra or dependency group, a test requirements file,
    /// tox.ini's deps: the run's output says which).
    #[arg(long = "with", value_name = "REQ,...", value_delimiter = ',')]
    pub with: Vec<String>,
    /// PROJECT_DIR: install the test requirements from this file (relative to the project;
    /// `pip install -r`; repeatable) instead of the ones found in the project.
    #[arg(long = "requirements", value_name = "FILE")]
    pub requirements: Vec<PathBuf>,
    /// PROJECT_DIR: install this dependency group of pyproject.toml (PEP 735; repeatable)
    /// instead of the test requirements found in the project.
    #[arg(long = "group", value_name = "NAME")]
    pub group: Vec<String>,
    /// PROJECT_DIR: install none of the test requirements found in the project (only `--with`).
    #[arg(long = "no-test-requirements", conflicts_with_all = ["requirements", "group"])]
    pub no_test_requirements: bool,
    /// PROJECT_DIR: write a freshly generated header (`--min`, `--hpy`) over the project's
    /// vendored copy at this path (relative to the project), in the copy that is built.
    #[arg(long, value_name = "PATH")]
    pub header: Option<PathBuf>,
    /// PROJECT_DIR: build with our strict warnings and -Werror in CFLAGS.
    #[arg(long)]
    pub strict: bool,
    /// PROJECT_DIR: on debug builds, repeat each test in one process and report
    /// sys.gettotalrefcount() deltas per test (pytest or unittest test commands).
    #[arg(long)]
    pub leaks: bool,
    /// PROJECT_DIR: also write the results as JUnit XML (one test case per interpreter).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// PROJECT_DIR: on interpreters whose label contains one of these (`pypy`), a build that
    /// installs no extension module is accepted and reported as `pure-python (accepted)`,
    /// its tests still run; also `[tool.capi-compat] pure-python-ok = ["pypy"]` in
    /// pyproject.toml. A compiler error in the project's sources still fails.
    #[arg(long = "pure-python-ok", value_name = "LABEL,...", value_delimiter = ',')]
    pub pure_python_ok: Vec<String>,
}

impl ProjectArgs {
    /// The flags given, for the error when they are given with loose sources.
    fn given(&self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        let pairs = [
            (!self.with.is_empty(), "--with"),
            (!self.requirements.is_empty(), "--requirements"),
            (!self.group.is_empty(), "--group"),
            (self.no_test_requirements, "--no-test-requirements"),
            (self.header.is_some(), "--header"),
            (self.strict, "--strict"),
            (self.leaks, "--leaks"),
            (self.junit.is_some(), "--junit"),
            (!self.pure_python_ok.is_empty(), "--pure-python-ok"),
        ];
        for (given, flag) in pairs {
            if given {
                flags.push(flag);
            }
        }
        flags
    }
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
        /// Emit only what the C/C++ code in these files or directories uses, and what that
        /// requires (names in comments, strings and `#if 0` are not uses).
        #[arg(long, value_name = "PATHS", num_args = 1.., conflicts_with = "only")]
        used_by: Option<Vec<PathBuf>>,
        /// Where to write the header (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also emit the HPy API layer into the header, and write `hpy.h` next to it.
        #[arg(long)]
        hpy: bool,
        /// Also offer the names pythoncapi-compat invented (`_PyFrame_GetCodeBorrow`, …)
        /// without `#define CAPI_COMPAT_PYTHONCAPI_COMPAT` before the include: the header
        /// defines that switch itself. (With --used-by, define the switch in the code instead.)
        #[arg(long, conflicts_with_all = ["hpy", "used_by"])]
        pythoncapi_compat: bool,
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
    /// Rewrite old C API in C/C++ code to its exact replacement (the rules of spec/upgrade/):
    /// list the changes, show them as a unified diff (--diff), or apply them (--write).
    Upgrade {
        /// C/C++ files, or directories (their C/C++ sources and headers).
        #[arg(value_name = "PATHS", required_unless_present = "test_rules")]
        paths: Vec<PathBuf>,
        /// Print a unified diff of the changes (for `patch -p1` or `git apply`); write nothing.
        #[arg(long, conflicts_with = "write")]
        diff: bool,
        /// Rewrite the files in place (each replaced at once, by a rename).
        #[arg(long)]
        write: bool,
        /// Run every rule's side-by-side test (old and new code on each interpreter that has
        /// the old API) instead of upgrading anything.
        #[arg(long, conflicts_with_all = ["diff", "write", "paths"])]
        test_rules: bool,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        spec: SpecArg,
    },
    /// Run every entry's test on every interpreter found, and compile the header as C99, C11,
    /// C++11, C++17 and C++20 with each compiler.
    Test {
        #[command(flatten)]
        run: RunArgs,
        /// Only these entries (comma-separated).
        #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
        only: Option<Vec<String>>,
        /// Instead of the matrix: run every test again with the Nth allocation inside a call of
        /// a function under test failing, N = 1, 2, … until a run completes (CPython; refcounts
        /// checked on debug builds).
        #[arg(long)]
        alloc_fail: bool,
        /// With --alloc-fail: the largest N tried per test.
        #[arg(long, value_name = "N", default_value_t = 200, requires = "alloc_fail",
              value_parser = clap::value_parser!(u32).range(1..=100_000))]
        max_allocs: u32,
        /// With --alloc-fail: findings already known (ENTRY<TAB>INTERPRETER<TAB>KIND<TAB>REASON
        /// lines; KIND fail, leak, crash, capped, or capped:N to sweep that entry to N only),
        /// reported with their reason but not counted as failures; an entry reaching its cap
        /// needs a capped row, and a row that
        /// matches nothing where its entry was swept completely fails the run (stale).
        #[arg(long, value_name = "FILE", requires = "alloc_fail")]
        known: Option<PathBuf>,
        /// With --alloc-fail: test a name native on the interpreter through the interpreter's
        /// own function instead of our forced backport (to compare CPython's behaviour under
        /// the same failure with ours).
        #[arg(long, requires = "alloc_fail")]
        native: bool,
        /// Build the test module (and the forced backports) with -fsanitize=address,undefined
        /// (or the list given) and run it with the sanitizer runtime preloaded: any report
        /// fails the test that was running. Uses the first compiler (CC=clang for clang).
        #[arg(long, value_name = "LIST", num_args = 0..=1, require_equals = true, conflicts_with = "alloc_fail",
              default_missing_value = "address,undefined", value_parser = crate::selftest::sanitizer::Sanitizer::parse)]
        sanitize: Option<crate::selftest::sanitizer::Sanitizer>,
        #[command(flatten)]
        spec: SpecArg,
    },
    /// Time every entry's `bench` cases on each interpreter: the native function against our
    /// forced backport where the name is native (interleaved rounds in one process, the
    /// forced/native ratio is the median of the rounds'), our backport alone where it is not.
    Bench {
        #[command(flatten)]
        run: RunArgs,
        /// Only these entries (comma-separated).
        #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
        only: Option<Vec<String>>,
        /// Rounds per case (each round times every build once).
        #[arg(long, default_value_t = 21, value_parser = clap::value_parser!(u32).range(1..=1000))]
        rounds: u32,
        /// How long one timed loop runs, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 0.5)]
        loop_ms: f64,
        /// Exit 1 when a forced/native ratio is over its bar (1.10; 1.25 under 3 ns/op) without
        /// a `slower` explanation in the spec, or a build or run failed.
        #[arg(long)]
        check: bool,
        /// Time the spec's bench cases against this header instead of the one the spec makes
        /// (an earlier version of it, to compare).
        #[arg(long, value_name = "FILE")]
        header: Option<PathBuf>,
        #[command(flatten)]
        spec: SpecArg,
    },
    /// Build your extension against every interpreter with the generated header, import it,
    /// and run your test command under each: `capi-compat matrix src/mod.c -- python -m pytest`;
    /// or your whole package, built by its own backend in a fresh venv per interpreter:
    /// `capi-compat matrix . --with pytest -- python -m pytest`.
    Matrix {
        /// The C sources of one extension module, or one project directory (pyproject.toml or
        /// setup.py).
        #[arg(required = true, value_name = "SOURCES|PROJECT_DIR")]
        sources: Vec<PathBuf>,
        /// The module's import name (default: the first source's file stem).
        #[arg(long, value_name = "NAME")]
        module: Option<String>,
        /// The oldest CPython to support: the header's floor, and older interpreters are skipped.
        #[arg(long, value_name = "X.Y", default_value = "3.10", value_parser = plan::parse_floor)]
        min: PyVersion,
        #[command(flatten)]
        run: RunArgs,
        /// Extra include directory for the sources (repeatable).
        #[arg(short = 'I', long = "include", value_name = "DIR")]
        include: Vec<PathBuf>,
        /// Extra compiler flag (repeatable), after the project's warning flags.
        #[arg(long = "cflag", value_name = "FLAG", allow_hyphen_values = true)]
        cflags: Vec<String>,
        /// Build with the HPy layer (as `gen --hpy`): sources may `#include "hpy.h"`.
        #[arg(long)]
        hpy: bool,
        /// Build with the header made for the code (as `gen --used-by`): of the sources and
        /// the -I directories, or of PROJECT_DIR (with --header), instead of the whole header.
        #[arg(long)]
        trimmed: bool,
        #[command(flatten)]
        project: ProjectArgs,
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
        /// Instead: which of HPy 0.9's public API names the header made with `gen --hpy`
        /// provides, found by compiling a probe against the newest CPython release found
        /// (or `--python`).
        #[arg(long, conflicts_with = "check")]
        hpy: bool,
        /// With `--hpy`: use the newest interpreter whose label or path contains this.
        #[arg(long, value_name = "TEXT", requires = "hpy")]
        python: Option<String>,
        #[command(flatten)]
        spec: SpecArg,
    },
    /// Write a CI workflow that runs `capi-compat matrix` on every interpreter, one job each.
    Ci {
        #[command(subcommand)]
        engine: CiEngine,
    },
    /// Check vendored headers: exit 0 when each is exactly what the command in its banner
    /// writes with this capi-compat, 1 when one is stale or edited (the entries that differ
    /// are listed), 2 when a file is not a header capi-compat wrote. For pre-commit and CI.
    Check {
        /// The headers (a `--hpy` header's hpy.h next to it is checked with it).
        #[arg(required = true, value_name = "HEADER")]
        files: Vec<PathBuf>,
    },
    /// Write what an install provides into DIR: include/ (capi_compat.h, and the --hpy pair in
    /// include/capi_compat_hpy/), share/pkgconfig/ and share/cmake/capi_compat/.
    InstallTree {
        /// The root of the tree (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        #[command(flatten)]
        spec: SpecArg,
    },
    /// Read C/C++ sources (files or directories) and report the C API names they use: spec
    /// names and where each is native, backported or refused; removed, deprecated and private
    /// names with their replacements; names the header refuses, with the reason. Names in
    /// comments, strings and `#if 0` are not uses.
    Scan {
        /// C/C++ files, or directories (searched for .c .h .cc .cpp .cxx .hh .hpp .hxx .inc …).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The oldest CPython the code supports: interpreters reported on are this … 3.15 (and
        /// PyPy 3.11 when this is 3.11 or older).
        #[arg(long, value_name = "X.Y", default_value = "3.10", value_parser = plan::parse_floor)]
        min: PyVersion,
        /// Also write the report as JSON to this file.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Exit 1 when the code uses a name CPython removed, where a supported CPython compiles
        /// it (a `#if PY_VERSION_HEX < …` around the use that keeps it off those versions counts).
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        spec: SpecArg,
    },
    /// Write the reference site into DIR (created if missing): index.html, docs.js, docs.css
    /// and coverage.svg, every name of the spec and the HPy layer with its status on each
    /// interpreter; open DIR/index.html in a browser (no network needed).
    Docs {
        /// The site's directory.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
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

/// The CI engines `capi-compat ci` writes a workflow for.
#[derive(Debug, Subcommand)]
pub enum CiEngine {
    /// A GitHub Actions workflow: `capi-compat ci github -o .github/workflows/capi-compat.yml
    /// -- python -m pytest`. Jobs: CPython 3.10 … 3.15, free-threaded 3.13t/3.14t, debug builds
    /// 3.13–3.15, PyPy 3.11 (those at `--min` or newer).
    Github {
        /// The oldest CPython tested, and the header's floor (`matrix --min`).
        #[arg(long, value_name = "X.Y", default_value = "3.10", value_parser = plan::parse_floor)]
        min: PyVersion,
        /// Build with the HPy layer (`matrix --hpy`).
        #[arg(long)]
        hpy: bool,
        /// Passed on to each job's `capi-compat matrix PROJECT_DIR`.
        #[command(flatten)]
        project: ProjectArgs,
        /// Where to write the workflow (default: standard output); missing directories are made.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The project directory or C sources, relative to the repository root (default: `.`).
        #[arg(value_name = "PROJECT_OR_SOURCES")]
        inputs: Vec<String>,
        /// The test command each job runs, after `--` (as for `capi-compat matrix`).
        #[arg(last = true, value_name = "TEST-COMMAND")]
        test_command: Vec<String>,
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
    /// `check`: headers that are stale or edited (the report was printed): exit 1.
    NotFresh(usize),
    /// `check`: files that are not headers capi-compat wrote (the report was printed): exit 2.
    NotOurs(usize),
    /// `scan --check`: removed names the code uses (the report was printed): exit 1.
    RemovedInUse(Vec<String>),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Spec(_) | CliError::Usage(_) | CliError::NotOurs(_) => 2,
            CliError::Io(_)
            | CliError::TestsFailed(_)
            | CliError::NotFresh(_)
            | CliError::RemovedInUse(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Spec(e) => write!(f, "{e}"),
            CliError::Usage(msg) | CliError::Io(msg) => write!(f, "error: {msg}"),
            CliError::TestsFailed(n) => {
                write!(f, "error: {n} check{} failed", if *n == 1 { "" } else { "s" })
            }
            CliError::NotFresh(n) => write!(
                f,
                "error: {n} header{} not what capi-compat writes: regenerate with the command shown",
                if *n == 1 { " is" } else { "s are" }
            ),
            CliError::RemovedInUse(names) => write!(
                f,
                "error: the code uses {} CPython removed, where a supported version compiles it: {} (see above for the replacements)",
                if names.len() == 1 { "a name" } else { "names" },
                names.join(", ")
            ),
            CliError::NotOurs(n) => {
                write!(
                    f,
                    "error: {n} file{} not written by capi-compat",
                    if *n == 1 { " was" } else { "s were" }
                )
            }
        }
    }
}

impl From<SpecErrors> for CliError {
    fn from(e: SpecErrors) -> Self {
        CliError::Spec(e)
    }
}

impl From<crate::hpy::HpyError> for CliError {
    fn from(e: crate::hpy::HpyError) -> Self {
        match e {
            crate::hpy::HpyError::Spec(errors) => CliError::Spec(errors),
            crate::hpy::HpyError::Probe(msg) => CliError::Io(msg),
            other => CliError::Usage(other.to_string()),
        }
    }
}

impl From<crate::header::used_by::UsedByError> for CliError {
    fn from(e: crate::header::used_by::UsedByError) -> Self {
        CliError::Usage(e.to_string())
    }
}

impl From<crate::docs::DocsError> for CliError {
    fn from(e: crate::docs::DocsError) -> Self {
        CliError::Usage(e.to_string())
    }
}

impl From<plan::PlanError> for CliError {
    fn from(e: plan::PlanError) -> Self {
        CliError::Usage(e.to_string())
    }
}

/// Runs one command; what it prints on success goes to `out`, notes to `note`.
pub fn run(cli: Cli, out: &mut dyn std::io::Write, note: &mut dyn std::io::Write) -> Result<(), CliError> {
    let Some(command) = cli.command else {
        return install_commands::print_location(&cli.locations, out);
    };
    match command {
        Command::Check { files } => install_commands::check(&files, out),
        Command::InstallTree { dir, spec } => install_commands::install_tree(&dir, &spec, out),
        Command::Gen { min, only: _, used_by: Some(paths), output, hpy, spec, .. } => {
            spec_commands::gen_used_by(
                spec_commands::UsedByRequest { min, paths, output, hpy },
                &spec,
                out,
                note,
            )
        }
        Command::Gen { min, only, output, hpy: false, pythoncapi_compat, spec, .. } => {
            spec_commands::gen(min, only.as_deref(), pythoncapi_compat, output, &spec, out, note)
        }
        Command::Gen { min, only, output, hpy: true, spec, .. } => {
            spec_commands::gen_hpy(min, only.as_deref(), output, &spec, out, note)
        }
        Command::CheckSpec { spec } => spec_commands::check_spec(&spec, out),
        Command::List { since, spec } => spec_commands::list(since, &spec, out),
        Command::Scan { paths, min, json, check, spec } => {
            scan_command::scan(&paths, min, json, check, &spec, out)
        }
        Command::Docs { output, spec } => spec_commands::docs(&output, &spec, out),
        Command::Coverage { json, hpy: true, python, spec, .. } => {
            spec_commands::hpy_coverage(json, python.as_deref(), &spec, out)
        }
        Command::Coverage { json, check, spec, .. } => spec_commands::coverage(json, check, &spec, out),
        Command::Pythons => run_commands::pythons(out),
        Command::Upgrade { test_rules: true, run, spec, .. } => upgrade_command::test_rules(&run, &spec, out),
        Command::Upgrade { paths, diff, write, spec, .. } => {
            let mode = match (diff, write) {
                (true, _) => upgrade_command::Mode::Diff,
                (_, true) => upgrade_command::Mode::Write,
                _ => upgrade_command::Mode::List,
            };
            upgrade_command::upgrade(&paths, mode, &spec, out, note)
        }
        Command::Test { run, only, alloc_fail: true, max_allocs, known, native, spec, .. } => {
            let limits = run_commands::AllocFailLimits { max_allocs, native };
            run_commands::alloc_fail(&run, only.as_deref(), limits, known.as_deref(), &spec, out, note)
        }
        Command::Test { run, only, sanitize, spec, .. } => {
            run_commands::test(&run, only.as_deref(), sanitize, &spec, out, note)
        }
        Command::Bench { run, only, rounds, loop_ms, check, header, spec } => {
            let settings = run_commands::BenchSettings { rounds: rounds as usize, loop_ms, check, header };
            run_commands::bench(&run, only.as_deref(), settings, &spec, out)
        }
        Command::Ci { engine: CiEngine::Github { min, hpy, project, output, inputs, test_command } } => {
            ci_commands::github(min, hpy, &project, output, inputs, test_command, out)
        }
        Command::Matrix {
            sources,
            module,
            min,
            run,
            include,
            cflags,
            hpy,
            trimmed,
            project,
            spec,
            test_command,
        } => {
            if let [dir] = sources.as_slice() {
                if dir.is_dir() {
                    if module.is_some() || !include.is_empty() {
                        return Err(CliError::Usage(
                            "--module and -I are for loose sources; a project's build backend decides those"
                                .into(),
                        ));
                    }
                    if trimmed && project.header.is_none() {
                        return Err(CliError::Usage(
                            "--trimmed with a PROJECT_DIR needs --header PATH (the header it replaces)"
                                .into(),
                        ));
                    }
                    let request = project_command::ProjectRequest {
                        dir: dir.clone(),
                        min,
                        hpy,
                        trimmed,
                        cflags,
                        args: project,
                        test_command,
                    };
                    return project_command::matrix(request, &run, &spec, out);
                }
            }
            if let Some(dir) = sources.iter().find(|s| s.is_dir()) {
                return Err(CliError::Usage(format!(
                    "{} is a directory: give a project directory alone, or C source files",
                    dir.display()
                )));
            }
            if let Some(flag) = project.given().first() {
                return Err(CliError::Usage(format!("{flag} needs a PROJECT_DIR, not C source files")));
            }
            let user =
                run_commands::UserCode { sources, module, include, cflags, test_command, hpy, trimmed };
            run_commands::matrix(user, min, &run, &spec, out)
        }
    }
}

fn io_error(e: std::io::Error) -> CliError {
    CliError::Io(e.to_string())
}

/// Writes a report as pretty JSON (the `--json FILE` of several commands).
fn write_json(path: &std::path::Path, value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).expect("JSON of plain data");
    std::fs::write(path, text).map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))
}
