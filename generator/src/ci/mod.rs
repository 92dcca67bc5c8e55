//! `capi-compat ci github`: the per-interpreter matrix of `capi-compat matrix`, run on a CI
//! engine instead of one machine. `targets` is which interpreters a workflow tests and how a
//! runner gets each; `github` writes the GitHub Actions workflow for them (from
//! `templates/github-workflow.yml.hbs`); `shell` quotes the user's arguments into its steps.

pub mod github;
mod shell;
pub mod targets;

use crate::spec::version::PyVersion;
use std::fmt;

/// What the workflow's jobs run: `capi-compat matrix --min MIN [--hpy] [OPTIONS…] INPUTS… -- TEST…`.
#[derive(Debug, Clone)]
pub struct CiRequest {
    /// The oldest CPython tested (and the header's floor).
    pub min: PyVersion,
    pub hpy: bool,
    /// More `capi-compat matrix` options, as given (`--with pytest`, `--header PATH`, …).
    pub matrix_options: Vec<String>,
    /// The project directory or C sources, relative to the repository root (default `.`).
    pub inputs: Vec<String>,
    /// The test command after `--` (may be empty).
    pub test_command: Vec<String>,
    /// Where the workflow is written, for the regenerate line in its banner.
    pub output: Option<String>,
}

/// An argument that cannot be carried into a workflow's shell step as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeArgument {
    pub argument: String,
    pub reason: &'static str,
}

impl fmt::Display for UnsafeArgument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "argument {:?} cannot go into a workflow: {}", self.argument, self.reason)
    }
}

impl std::error::Error for UnsafeArgument {}
