//! `capi-compat bench`: every entry's `bench` cases timed on each interpreter. Where a name is
//! native, the same loops are built twice — calling the interpreter's function, and calling
//! our backport (`CAPI_COMPAT_FORCE_BACKPORTS`) — loaded into one process and run in
//! interleaved rounds; the forced/native ratio is the median of the rounds' ratios. Where a
//! name is not native, the loop times our backport alone. `module` renders the C, `driver.py`
//! runs the rounds, `report` makes the table, the JSON and the ratio bar.

pub mod module;
pub mod report;

use crate::build::cache::{sanitize, write_if_changed};
use crate::build::compiler::Compiler;
use crate::build::process::run_captured;
use crate::interpreters::Interpreter;
use crate::selftest::module::{TEST_MACROS, TEST_MACROS_FILE};
use crate::spec::model::{Kind, Spec};
use module::{CaseRef, FORCED_MODULE_NAME, MODULE_NAME};
pub use report::{BenchRow, InterpreterBench, Mode};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const DRIVER: &str = include_str!("driver.py");

pub struct BenchOptions<'a> {
    pub header: &'a str,
    pub only: Option<&'a [String]>,
    /// Rounds per case (each round times every build once).
    pub rounds: usize,
    /// About how long one timed loop runs, in nanoseconds.
    pub target_ns: f64,
    pub build_root: PathBuf,
}

/// Optimised as extensions are, with code placement pinned so that it does not decide.
const BENCH_FLAGS: [&str; 6] =
    ["-std=c11", "-O2", "-fPIC", "-shared", "-falign-functions=64", "-falign-loops=64"];

/// How a case is measured on an interpreter.
pub fn mode(spec: &Spec, case: &CaseRef, interp: &Interpreter) -> Mode {
    let entry = spec.get(&case.entry).expect("cases come from the spec");
    if !entry.native_at_hex(interp.hexversion) {
        return Mode::Backport;
    }
    let forcible =
        entry.kind == Kind::Function && entry.force_below.is_none_or(|limit| interp.hexversion < limit.hex());
    if forcible {
        Mode::NativeAndForced
    } else {
        Mode::NativeOnly
    }
}

fn offered(spec: &Spec, case: &CaseRef, interp: &Interpreter) -> bool {
    crate::selftest::offered(spec, &case.entry, interp)
}

/// Benchmarks every interpreter in turn (never two at once: they would time each other).
pub fn run(
    spec: &Spec,
    interpreters: &[Interpreter],
    compiler: &Compiler,
    options: &BenchOptions,
    progress: &mut dyn std::io::Write,
) -> Vec<InterpreterBench> {
    let cases = module::cases(spec, options.only);
    let source = module::render_module(spec, options.only);
    interpreters
        .iter()
        .map(|interp| {
            let result = run_one(spec, interp, compiler, options, &cases, &source);
            let summary = match &result.error {
                Some(e) => format!("failed: {}", e.lines().next().unwrap_or("")),
                None => format!("{} cases", result.rows.len()),
            };
            writeln!(progress, "{:<26} {summary}", interp.label).ok();
            result
        })
        .collect()
}

fn run_one(
    spec: &Spec,
    interp: &Interpreter,
    compiler: &Compiler,
    options: &BenchOptions,
    cases: &[CaseRef],
    source: &str,
) -> InterpreterBench {
    let mut result = InterpreterBench { interpreter: interp.clone(), rows: Vec::new(), error: None };
    // One bench at a time per interpreter: a second waits (its timings would be the first's
    // noise anyway) instead of rebuilding the modules under the first one's feet.
    let claim = match crate::build::lock::claim(&options.build_root.join(sanitize(&interp.label)), "bench") {
        Ok(claim) => claim,
        Err(e) => {
            result.error =
                Some(format!("cannot use the build directory under {}: {e}", options.build_root.display()));
            return result;
        }
    };
    let workdir = claim.path().to_path_buf();
    let offered_cases: Vec<&CaseRef> = cases.iter().filter(|c| offered(spec, c, interp)).collect();
    // A case over its bar is measured again, up to ATTEMPTS runs in all, and fails only if
    // every run is over: a slower backport stays over in each, while a slow spell of the
    // machine (or of the allocator's state, as the str-keyed misses show: 0.96-1.21 from one run
    // to the next of the same build) rarely hits the same case every time.
    let mut rows = match measure_module(spec, interp, compiler, options, &workdir, source, &offered_cases) {
        Ok(rows) => rows,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    // Still over after every run of the whole module: each such entry's cases are built again
    // in a module of their own and measured there. Where a loop lands among some 300 others
    // moves a few cases by up to 20 % (PyDict_GetItemStringRef (missing) on 3.13.18: 1.18-1.21
    // in every run of the whole module, 1.01 built alone), as code placement moves the HPy
    // benchmark's loops; a slower backport is slower in both layouts.
    let mut over: Vec<String> = rows.iter().filter(|r| r.fails_bar()).map(|r| r.entry.clone()).collect();
    over.dedup();
    if !over.is_empty() {
        let alone_cases: Vec<&CaseRef> =
            offered_cases.iter().copied().filter(|c| over.contains(&c.entry)).collect();
        let alone_source = module::render_module(spec, Some(&over));
        match measure_module(
            spec,
            interp,
            compiler,
            options,
            &workdir.join("alone"),
            &alone_source,
            &alone_cases,
        ) {
            Ok(again) => rows = report::keep_passing(rows, again),
            Err(e) => result.error = Some(format!("the entries over their bar, built alone: {e}")),
        }
        for row in rows.iter_mut().filter(|r| over.contains(&r.entry)) {
            row.measured_alone = true;
        }
    }
    result.rows = rows;
    result
}

/// Builds `source` in `workdir` (plainly, and with the backports forced where a case needs it)
/// and measures its cases, up to ATTEMPTS runs while a case is over its bar.
fn measure_module(
    spec: &Spec,
    interp: &Interpreter,
    compiler: &Compiler,
    options: &BenchOptions,
    workdir: &Path,
    source: &str,
    offered_cases: &[&CaseRef],
) -> Result<Vec<BenchRow>, String> {
    std::fs::create_dir_all(workdir)
        .and_then(|_| write_if_changed(&workdir.join("capi_compat.h"), options.header))
        .and_then(|_| write_if_changed(&workdir.join(TEST_MACROS_FILE), TEST_MACROS))
        .and_then(|_| write_if_changed(&workdir.join("bench.c"), source))
        .map_err(|e| format!("cannot write to {}: {e}", workdir.display()))?;
    let needs_forced = offered_cases.iter().any(|c| mode(spec, c, interp) == Mode::NativeAndForced);
    let plain = workdir.join(format!("{MODULE_NAME}{}", interp.ext_suffix));
    let forced = workdir.join(format!("{FORCED_MODULE_NAME}{}", interp.ext_suffix));
    build(compiler, interp, workdir, &plain, MODULE_NAME, &[])?;
    if needs_forced {
        build(compiler, interp, workdir, &forced, FORCED_MODULE_NAME, &["-DCAPI_COMPAT_FORCE_BACKPORTS"])
            .map_err(|e| format!("the forced-backport build: {e}"))?;
    }
    let mut rows: Vec<BenchRow> = Vec::new();
    for attempt in 1..=ATTEMPTS {
        let timings = measure(interp, options, &plain, needs_forced.then_some(forced.as_path()))?;
        let mut again = Vec::new();
        for case in offered_cases {
            let t = timings
                .get(&case.label)
                .ok_or_else(|| format!("the module did not offer `{}`", case.label))?;
            again.push(BenchRow::new(case, mode(spec, case, interp), t));
        }
        rows = if attempt == 1 { again } else { report::keep_passing(rows, again) };
        if !rows.iter().any(BenchRow::fails_bar) {
            break;
        }
    }
    Ok(rows)
}

/// How many runs a case over its bar gets before it fails.
const ATTEMPTS: usize = 3;

/// One run of the driver over every case of the plain (and forced) module.
fn measure(
    interp: &Interpreter,
    options: &BenchOptions,
    plain: &Path,
    forced: Option<&Path>,
) -> Result<BTreeMap<String, report::Timings>, String> {
    let mut cmd = Command::new(&interp.path);
    cmd.arg("-I").arg("-c").arg(DRIVER).arg(options.rounds.to_string()).arg(format!("{}", options.target_ns));
    cmd.arg(plain).arg(MODULE_NAME);
    if let Some(forced) = forced {
        cmd.arg(forced).arg(FORCED_MODULE_NAME);
    }
    let timings = match run_captured(&mut cmd, Duration::from_secs(900)) {
        Ok((true, stdout, _)) => serde_json::from_str::<BTreeMap<String, report::Timings>>(stdout.trim())
            .map_err(|e| format!("the driver's output does not parse: {e}"))?,
        Ok((false, _, stderr)) => {
            let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
            return Err(format!(
                "the benchmark failed:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        Err(e) => return Err(e),
    };
    Ok(timings)
}

fn build(
    compiler: &Compiler,
    interp: &Interpreter,
    workdir: &Path,
    out: &Path,
    module: &str,
    extra: &[&str],
) -> Result<(), String> {
    let mut cmd = Command::new(&compiler.c);
    cmd.args(BENCH_FLAGS);
    // As extensions are built for a release interpreter (its CFLAGS): CPython's inline
    // functions keep their asserts only on debug builds.
    if !interp.debug {
        cmd.arg("-DNDEBUG");
    }
    cmd.arg(format!("-DCAPICOMPAT_BENCH_MODULE={module}"))
        .args(extra)
        .arg(format!("-I{}", workdir.display()))
        .args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())))
        .arg(workdir.join("bench.c"))
        .arg("-o")
        .arg(out);
    match run_captured(&mut cmd, Duration::from_secs(300)) {
        Ok((true, _, _)) => Ok(()),
        Ok((false, stdout, stderr)) => Err(format!("the build failed:\n{stdout}{stderr}")),
        Err(e) => Err(e),
    }
}
