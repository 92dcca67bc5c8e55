//! `capi-compat test`, the self-test: every interpreter × every entry, in parallel. `module`
//! renders the test extension from the spec, `interpreter` compiles, probes and runs it on one
//! interpreter, `probes` holds the since and free-threaded probes, `pypy_probe` and
//! `pypy_replace` prove the spec's PyPy claims (by the headers, and by running PyPy's own
//! functions that `pypy: replace` stands in for), `report` the table.

pub mod allocfail;
pub mod interpreter;
pub mod module;
pub mod probes;
pub mod pypy_probe;
pub mod pypy_replace;
pub mod report;
pub mod sanitizer;

use crate::build::compiler::Compiler;
use crate::interpreters::{Interpreter, Selection};
use crate::spec::model::{Kind, Spec};
use interpreter::{run_interpreter, SelfTestInputs};
pub use report::{native_on, offered, Cell, SelfTestResult};
use std::io::Write;

pub struct SelfTestOptions<'a> {
    pub header: &'a str,
    pub only: Option<&'a [String]>,
    pub jobs: usize,
    pub build_root: std::path::PathBuf,
    /// `--sanitize`: the modules built and run under the sanitizers.
    pub sanitize: Option<sanitizer::SanitizedBuild>,
}

pub fn run(
    spec: &Spec,
    selection: Selection,
    compilers: &[Compiler],
    options: &SelfTestOptions,
    progress: &mut (dyn Write + Send),
) -> SelfTestResult {
    let rows: Vec<String> = spec
        .entries
        .iter()
        .filter(|e| e.kind != Kind::Helper && e.test.is_some())
        .filter(|e| options.only.is_none_or(|names| names.contains(&e.name)))
        .map(|e| e.name.clone())
        .collect();
    let Selection { usable, skipped, missing } = selection;

    let module_source = module::render_module(spec, options.only);
    let expected =
        |interp: &Interpreter| rows.iter().filter(|n| offered(spec, n, interp)).cloned().collect::<Vec<_>>();
    let forced = |interp: &Interpreter| {
        rows.iter()
            .filter(|n| offered(spec, n, interp) && native_on(spec, n, interp))
            .filter(|n| {
                spec.get(n).is_some_and(|e| {
                    e.kind == Kind::Function
                        && e.force_below.is_none_or(|limit| interp.hexversion < limit.hex())
                })
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    let isolated: Vec<String> =
        spec.entries.iter().filter(|e| e.isolated.is_some()).map(|e| e.name.clone()).collect();
    let inputs = SelfTestInputs {
        header: options.header,
        module_source: &module_source,
        compilers,
        expected_tests: &expected,
        forced_tests: &forced,
        build_root: &options.build_root,
        spec,
        sanitize: options.sanitize.as_ref(),
        isolated: &isolated,
    };
    let reports = crate::build::parallel::map(
        &usable,
        options.jobs,
        |interp| interp.label.clone(),
        |interp| run_interpreter(interp, &inputs),
        |interp, report| {
            let passed = report.tests.values().chain(report.forced.values()).filter(|o| o.is_ok()).count();
            format!(
                "{:<26} {passed} tests passed, {} failed ({:.1}s{})",
                interp.label,
                report.failures(),
                report.seconds,
                if report.reused_build { ", build reused" } else { "" }
            )
        },
        progress,
    );
    SelfTestResult { reports, skipped, missing, rows }
}
