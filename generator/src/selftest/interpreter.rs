//! Runs the self-test on one interpreter: compile the header as every standard with every
//! compiler, build the test module, import it, run each entry's test.

use crate::build::cache::{sanitize, write_if_changed};
use crate::build::compiler::{compile_check, compile_check_within, CompileCheck, Compiler, Standard};
use crate::build::lock::{self, BuildDir};
use crate::build::process::run_captured;
use crate::digest::Fnv64;
use crate::interpreters::{Implementation, Interpreter};
use crate::selftest::module::{DRIVER, MODULE_NAME, TEST_MACROS, TEST_MACROS_FILE};
use crate::selftest::probes;
use crate::selftest::sanitizer::{self, SanitizedBuild};
use crate::spec::model::{Kind, Spec};
use crate::spec::version::PyVersion;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How long one interpreter may take to run every test before we call it hung.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    Leak(String),
    /// The test never ran: the build failed, or the interpreter crashed before it.
    NotRun(String),
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        *self == Outcome::Pass
    }
}

#[derive(Debug, Clone)]
pub struct InterpreterReport {
    pub interpreter: Interpreter,
    pub compiles: Vec<CompileCheck>,
    /// Tests the module offers on this interpreter, by entry name.
    pub tests: BTreeMap<String, Outcome>,
    /// The same tests against our backports where the name is native (built with
    /// CAPI_COMPAT_FORCE_BACKPORTS): the backport proven against the real function.
    pub forced: BTreeMap<String, Outcome>,
    pub reused_build: bool,
    pub seconds: f64,
    /// On PyPy: the CPython 3.10 names it lacks and what the header does about them.
    pub pypy_probe: Option<super::pypy_probe::PyPyProbeSummary>,
}

impl InterpreterReport {
    pub fn failures(&self) -> usize {
        self.compiles.iter().filter(|c| !c.ok).count()
            + self.tests.values().chain(self.forced.values()).filter(|o| !o.is_ok()).count()
    }
}

/// What every interpreter's run shares.
pub struct SelfTestInputs<'a> {
    pub header: &'a str,
    pub module_source: &'a str,
    pub compilers: &'a [Compiler],
    /// Names expected to have a test in the module on this interpreter (the module itself
    /// leaves out what the interpreter cannot have); missing ones are reported as not run.
    pub expected_tests: &'a (dyn Fn(&Interpreter) -> Vec<String> + Sync),
    /// Names native on this interpreter whose backport can be forced (functions).
    pub forced_tests: &'a (dyn Fn(&Interpreter) -> Vec<String> + Sync),
    pub build_root: &'a Path,
    pub spec: &'a Spec,
    /// Entries whose test changes interpreter-wide state for good (`isolated:`): each runs in
    /// an interpreter process of its own, after the shared process ran every other test.
    pub isolated: &'a [String],
    /// `--sanitize`: only the two modules are built (with the sanitizers) and run; the compile
    /// checks are the plain run's job.
    pub sanitize: Option<&'a SanitizedBuild>,
}

pub(crate) fn include_args(interp: &Interpreter, workdir: &Path) -> Vec<String> {
    let mut args = vec![format!("-I{}", workdir.display())];
    args.extend(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())));
    args
}

/// Where one interpreter's build lives and what it produces; the directory is this process's
/// while the value lives.
struct BuildPaths {
    _claim: BuildDir,
    workdir: PathBuf,
    source: PathBuf,
    module: PathBuf,
    forced_dir: PathBuf,
    forced_module: PathBuf,
    stamp: PathBuf,
}

impl BuildPaths {
    fn new(claim: BuildDir, ext_suffix: &str) -> Self {
        let workdir = claim.path().to_path_buf();
        let forced_dir = workdir.join("forced");
        BuildPaths {
            _claim: claim,
            source: workdir.join("selftest.c"),
            module: workdir.join(format!("{MODULE_NAME}{ext_suffix}")),
            forced_module: forced_dir.join(format!("{MODULE_NAME}{ext_suffix}")),
            forced_dir,
            stamp: workdir.join("stamp"),
            workdir,
        }
    }
}

/// Compiles, probes, builds and runs everything on one interpreter.
pub fn run_interpreter(interp: &Interpreter, inputs: &SelfTestInputs) -> InterpreterReport {
    let start = Instant::now();
    let mut report = InterpreterReport {
        interpreter: interp.clone(),
        compiles: Vec::new(),
        tests: BTreeMap::new(),
        forced: BTreeMap::new(),
        reused_build: false,
        seconds: 0.0,
        pypy_probe: None,
    };
    let expected = (inputs.expected_tests)(interp);
    let not_run = |report: &mut InterpreterReport, why: &str| {
        for name in &expected {
            report.tests.entry(name.clone()).or_insert_with(|| Outcome::NotRun(why.to_string()));
        }
    };
    let key = build_key(interp, inputs);
    let paths = match prepare_workdir(interp, inputs, &key) {
        Ok(paths) => paths,
        Err(setup_failed) => {
            report.compiles.push(setup_failed);
            not_run(&mut report, "the build directory could not be written");
            report.seconds = start.elapsed().as_secs_f64();
            return report;
        }
    };
    let forced_expected = (inputs.forced_tests)(interp);
    match reusable_checks(&paths, &key, !forced_expected.is_empty()) {
        Some(checks) => {
            report.reused_build = true;
            report.compiles.extend(checks);
        }
        None => {
            report.compiles.extend(compile_and_build(interp, inputs, &paths, !forced_expected.is_empty()));
            if report.compiles.iter().all(|c| c.ok) {
                let passed: Vec<&str> = report.compiles.iter().map(|c| c.what.as_str()).collect();
                // Written last and whole: only a finished build ever has a stamp.
                lock::write_atomically(&paths.stamp, &format!("{key}\n{}\n", passed.join("\n"))).ok();
            }
        }
    }
    if interp.implementation == Implementation::PyPy && inputs.sanitize.is_none() {
        // Always run (two syntax-only compiles): its summary is part of the report.
        let (checks, summary) =
            super::pypy_probe::check(&inputs.compilers[0], interp, inputs.spec, &paths.workdir);
        report.compiles.extend(checks);
        report.pypy_probe = summary;
        // and each `pypy: replace` claim against PyPy's own function (one small module)
        report.compiles.extend(super::pypy_replace::check(
            &inputs.compilers[0],
            interp,
            inputs.spec,
            &paths.workdir,
        ));
    }
    if paths.module.is_file() {
        let mut tests = BTreeMap::new();
        let run = ModuleRun { module: &paths.module, what: "run", sanitize: inputs.sanitize };
        let log_dir = paths.workdir.join("sanitizer-log/plain");
        run_module(interp, &run, &expected, inputs.isolated, &log_dir, &mut tests, &mut report.compiles);
        report.tests = tests;
    }
    not_run(&mut report, "the test module did not build, or did not offer this test");
    if !forced_expected.is_empty() {
        let mut forced = BTreeMap::new();
        if paths.forced_module.is_file() {
            let run = ModuleRun {
                module: &paths.forced_module,
                what: "run (backports forced)",
                sanitize: inputs.sanitize,
            };
            let log_dir = paths.workdir.join("sanitizer-log/forced");
            run_module(
                interp,
                &run,
                &forced_expected,
                inputs.isolated,
                &log_dir,
                &mut forced,
                &mut report.compiles,
            );
        }
        for name in forced_expected {
            let outcome = forced.remove(&name).unwrap_or_else(|| {
                Outcome::NotRun("the forced-backport module did not build, or did not offer this test".into())
            });
            report.forced.insert(name, outcome);
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    report
}

/// The build directory for these inputs, claimed for this process (another run with the same
/// inputs waits, then reuses this build), with the header, the test macros and the module's
/// source written into it. One directory per set of inputs: concurrent runs with other inputs
/// never meet, and a failed build can never leave an older module behind to be tested by
/// mistake.
fn prepare_workdir(
    interp: &Interpreter,
    inputs: &SelfTestInputs,
    key: &str,
) -> Result<BuildPaths, CompileCheck> {
    let label_dir = inputs.build_root.join(sanitize(&interp.label));
    let setup_failed = |e: std::io::Error| CompileCheck {
        what: "setup".into(),
        ok: false,
        output: format!("cannot write to {}: {e}", label_dir.join(key).display()),
    };
    let paths = BuildPaths::new(lock::claim(&label_dir, key).map_err(setup_failed)?, &interp.ext_suffix);
    write_if_changed(&paths.workdir.join("capi_compat.h"), inputs.header)
        .and_then(|_| write_if_changed(&paths.workdir.join(TEST_MACROS_FILE), TEST_MACROS))
        .and_then(|_| write_if_changed(&paths.source, inputs.module_source))
        .map_err(setup_failed)?;
    Ok(paths)
}

/// The checks an earlier run with the same inputs passed, when its modules are still there.
/// The stamp holds the key and the checks that passed, so a reused build reports them too.
fn reusable_checks(paths: &BuildPaths, key: &str, wants_forced: bool) -> Option<Vec<CompileCheck>> {
    let stamp_text = std::fs::read_to_string(&paths.stamp).unwrap_or_default();
    let mut stamp_lines = stamp_text.lines();
    let fresh = stamp_lines.next() == Some(key)
        && paths.module.is_file()
        && (!wants_forced || paths.forced_module.is_file());
    fresh.then(|| {
        stamp_lines
            .map(|what| CompileCheck {
                what: what.to_string(),
                ok: true,
                output: "passed in an earlier run with the same inputs".into(),
            })
            .collect()
    })
}

/// Every compile check (each standard with each compiler, the since and free-threaded probes)
/// and the module builds: plain, and with the backports forced where names are native.
fn compile_and_build(
    interp: &Interpreter,
    inputs: &SelfTestInputs,
    paths: &BuildPaths,
    wants_forced: bool,
) -> Vec<CompileCheck> {
    std::fs::remove_file(&paths.stamp).ok();
    let (workdir, source) = (&paths.workdir, &paths.source);
    let compiler = &inputs.compilers[0];
    if let Some(sanitize) = inputs.sanitize {
        return build_sanitized(compiler, interp, paths, sanitize, wants_forced);
    }
    let mut checks = Vec::new();
    // Every standard with every compiler: the same translation unit, syntax only.
    for compiler in inputs.compilers {
        for std in Standard::ALL {
            checks.push(syntax_check(compiler, std, interp, workdir, source));
        }
    }
    if interp.implementation == Implementation::CPython {
        checks.extend(check_since(compiler, interp, inputs.spec, workdir));
        if interp.series() >= PyVersion::release(3, 13) {
            checks.extend(check_free_threaded(compiler, interp, workdir, source));
        }
    }
    checks.push(build_module(compiler, interp, workdir, source, &paths.module, &[]));
    if wants_forced {
        // The backports compiled where the name is native, to run them side by side with
        // the native function (and under a debug interpreter's refcount checks). Under the
        // same warning flags: a body never calls what is deprecated where it is compiled.
        std::fs::create_dir_all(&paths.forced_dir).ok();
        let flags = ["-DCAPI_COMPAT_FORCE_BACKPORTS".to_string()];
        let mut check = build_module(compiler, interp, workdir, source, &paths.forced_module, &flags);
        check.what = "build (backports forced)".into();
        checks.push(check);
    }
    checks
}

/// The two modules built with the sanitizers. `-Wno-error`: sanitizer instrumentation makes
/// gcc warn where plain builds do not (its documented false positives), and the warnings are
/// the plain run's check.
fn build_sanitized(
    compiler: &Compiler,
    interp: &Interpreter,
    paths: &BuildPaths,
    sanitize: &SanitizedBuild,
    wants_forced: bool,
) -> Vec<CompileCheck> {
    let (workdir, source) = (&paths.workdir, &paths.source);
    let mut flags = sanitize.compile_flags.clone();
    flags.push("-Wno-error".into());
    let what = format!("build ({} -fsanitize={})", compiler.family, sanitize.sanitizer.names());
    let mut check = build_module(compiler, interp, workdir, source, &paths.module, &flags);
    check.what.clone_from(&what);
    let mut checks = vec![check];
    if wants_forced {
        std::fs::create_dir_all(&paths.forced_dir).ok();
        flags.push("-DCAPI_COMPAT_FORCE_BACKPORTS".into());
        let mut check = build_module(compiler, interp, workdir, source, &paths.forced_module, &flags);
        check.what = format!("{what} (backports forced)");
        checks.push(check);
    }
    checks
}

/// One `-fsyntax-only` compile of the test module. When it fails, Python.h alone is compiled
/// with the same flags: warnings Python.h itself triggers (3.10's NULL under clang++'s
/// -Wzero-as-null-pointer-constant, say) are not ours, so they are switched off, named in the
/// check, and ours is compiled again.
fn syntax_check(
    compiler: &Compiler,
    std: Standard,
    interp: &Interpreter,
    workdir: &Path,
    source: &Path,
) -> CompileCheck {
    let what = format!("{} {}", compiler.family, std.name());
    let attempt = |extra: &[String]| {
        let mut cmd = compiler.command(std);
        cmd.arg("-fsyntax-only").args(extra).args(include_args(interp, workdir)).arg(source);
        compile_check(what.clone(), &mut cmd)
    };
    let first = attempt(&[]);
    if first.ok {
        return first;
    }
    let disabled = python_h_waivers(compiler, std, interp, workdir);
    if disabled.is_empty() {
        return first;
    }
    let mut second = attempt(&disabled);
    second.what = format!("{what} (Python.h itself fails {})", disabled.join(" "));
    second
}

/// The `-Wno-…` flags that switch off the warnings `Python.h` alone triggers with this
/// compiler and standard under the project's flags (none when it compiles cleanly): PyPy's
/// headers redefine typedefs (a C11 feature clang flags in C99), 3.10 spells NULL as 0.
pub fn python_h_waivers(
    compiler: &Compiler,
    std: Standard,
    interp: &Interpreter,
    workdir: &Path,
) -> Vec<String> {
    let bare = workdir.join(format!("python-h-only-{}.c", std.name().replace('+', "x")));
    if std::fs::write(&bare, "#include <Python.h>\n").is_err() {
        return Vec::new();
    }
    let mut cmd = compiler.command(std);
    cmd.arg("-fsyntax-only")
        .args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())))
        .arg(&bare);
    let baseline = compile_check(format!("{} {}", compiler.family, std.name()), &mut cmd);
    if baseline.ok {
        return Vec::new();
    }
    werror_flags(&baseline.output).iter().map(|w| format!("-Wno-{w}")).collect()
}

/// The warnings named in `[-Werror,-Wfoo]` (clang) or `[-Werror=foo]` (gcc) diagnostics.
fn werror_flags(output: &str) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    for part in output.split('[').skip(1) {
        let inner = part.split(']').next().unwrap_or("");
        for flag in inner.split(',') {
            let flag = flag.trim();
            let name =
                flag.strip_prefix("-Werror=").or_else(|| flag.strip_prefix("-W").filter(|f| *f != "error"));
            if let Some(name) = name {
                found.insert(name.to_string());
            }
        }
    }
    found
}

/// Proves every entry's `since` against this interpreter's own headers: compiled without our
/// header, a name must be missing below `since` and declared from `since` on.
pub fn check_since(
    compiler: &Compiler,
    interp: &Interpreter,
    spec: &Spec,
    workdir: &Path,
) -> Vec<CompileCheck> {
    let probe = workdir.join("since-probe.c");
    if let Err(e) = std::fs::write(&probe, probes::since_probe_source(spec)) {
        return vec![CompileCheck { what: "since probe".into(), ok: false, output: e.to_string() }];
    }
    let mut cmd = compiler.probe_command(Standard::C11);
    cmd.args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display()))).arg(&probe);
    let output = match run_captured(&mut cmd, Duration::from_secs(120)) {
        Ok((_, out, err)) => format!("{out}{err}"),
        Err(e) => return vec![CompileCheck { what: "since probe".into(), ok: false, output: e }],
    };
    if crate::build::compiler::stopped_early(&output) {
        return vec![CompileCheck {
            what: "since probe".into(),
            ok: false,
            output: format!(
                "{} stopped at its error limit, so not every name was probed:\n{output}",
                compiler.family
            ),
        }];
    }
    let missing = probes::undeclared_names(spec, &output);
    let mut checks = Vec::new();
    for entry in spec.entries.iter().filter(|e| e.kind != Kind::Helper && e.unprobed.is_none()) {
        // A name behind a switch is offered because no CPython header declares it.
        if entry.switch.is_some() && !missing.contains(&entry.name) {
            checks.push(CompileCheck {
                what: format!("switch of {}", entry.name),
                ok: false,
                output: format!(
                    "{}'s Python.h declares `{}`, which the spec offers only behind a switch as pythoncapi-compat's invention: fix {}",
                    interp.label, entry.name, entry.location
                ),
            });
        }
        let Some(since) = entry.since else { continue };
        let expected_native = entry.native_at_hex(interp.hexversion);
        let native = !missing.contains(&entry.name);
        if native != expected_native {
            let said = if native { "declares" } else { "does not declare" };
            checks.push(CompileCheck {
                what: format!("since of {}", entry.name),
                ok: false,
                output: format!(
                    "{}'s Python.h {said} `{}`, but the spec says `since: {since}`: fix `since` in {}",
                    interp.label, entry.name, entry.location
                ),
            });
        }
    }
    checks.extend(private_checks(spec, interp, &probes::undeclared_private_names(spec, &output)));
    if checks.is_empty() {
        checks.push(CompileCheck { what: "since probe".into(), ok: true, output: String::new() });
    }
    checks
}

/// Each interpreter-private function a body calls must be declared by this CPython's headers
/// wherever the entry's `uses_private` says the body calls it.
pub fn private_checks(
    spec: &Spec,
    interp: &Interpreter,
    undeclared: &std::collections::BTreeSet<String>,
) -> Vec<CompileCheck> {
    let mut checks = Vec::new();
    for entry in &spec.entries {
        for private in entry.uses_private.iter().filter(|p| p.used_at_hex(interp.hexversion)) {
            if undeclared.contains(&private.name) {
                checks.push(CompileCheck {
                    what: format!("private {} of {}", private.name, entry.name),
                    ok: false,
                    output: format!(
                        "{}'s Python.h does not declare `{}`, which the body of {} calls there: fix its `uses_private` range in {}",
                        interp.label, private.name, entry.name, entry.location
                    ),
                });
            }
        }
    }
    checks
}

/// The header and tests compiled for the free-threaded build (no such interpreter is
/// packaged): the same headers with Py_GIL_DISABLED defined in pyconfig.h.
fn check_free_threaded(
    compiler: &Compiler,
    interp: &Interpreter,
    workdir: &Path,
    source: &Path,
) -> Vec<CompileCheck> {
    let ft_dir = workdir.join("free-threaded");
    let dirs = match probes::free_threaded_includes(&interp.include_dirs, &ft_dir) {
        Ok(dirs) => dirs,
        Err(e) => {
            return vec![CompileCheck {
                what: "free-threaded headers".into(),
                ok: false,
                output: e.to_string(),
            }]
        }
    };
    [Standard::C11, Standard::Cxx17]
        .into_iter()
        .map(|std| {
            let mut cmd = compiler.command(std);
            cmd.arg("-fsyntax-only").arg(format!("-I{}", workdir.display()));
            cmd.args(dirs.iter().map(|d| format!("-I{}", d.display()))).arg(source);
            compile_check(format!("{} {} free-threaded", compiler.family, std.name()), &mut cmd)
        })
        .collect()
}

/// Builds the test module, optimised (more warnings fire with optimisation on).
fn build_module(
    compiler: &Compiler,
    interp: &Interpreter,
    workdir: &Path,
    source: &Path,
    out: &Path,
    extra: &[String],
) -> CompileCheck {
    // Built under a temporary name and renamed: a concurrent run never sees half a module.
    let partial = out.with_extension(format!("partial-{}", std::process::id()));
    let mut cmd = compiler.command(Standard::C11);
    // Later flags win: a sanitized build's -O1 replaces the -O2.
    cmd.args(["-O2", "-shared", "-fPIC"])
        .args(extra)
        .args(include_args(interp, workdir))
        .arg(source)
        .arg("-o")
        .arg(&partial);
    // Instrumented, the module takes three to four times as long to compile.
    let timeout =
        Duration::from_secs(if extra.iter().any(|f| f.starts_with("-fsanitize=")) { 1200 } else { 120 });
    let mut check = compile_check_within("build".into(), &mut cmd, timeout);
    if check.ok {
        if let Err(e) = std::fs::rename(&partial, out) {
            check.ok = false;
            check.output = format!("cannot move the module into place: {e}");
        }
    }
    std::fs::remove_file(&partial).ok();
    check
}

/// Everything a build depends on; an unchanged key means the last build can be reused.
fn build_key(interp: &Interpreter, inputs: &SelfTestInputs) -> String {
    let mut h = Fnv64::default();
    // The generator's version: a new capi-compat may check more, or write its stamp differently.
    h.field(env!("CARGO_PKG_VERSION").as_bytes()).field(b"stamp-v2");
    // And this very binary: a rebuilt generator may check differently under the same version.
    if let Some(meta) = std::env::current_exe().ok().and_then(|exe| std::fs::metadata(exe).ok()) {
        h.field(&meta.len().to_le_bytes());
        if let Some(mtime) = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()) {
            h.field(&mtime.as_nanos().to_le_bytes());
        }
    }
    h.field(inputs.header.as_bytes()).field(inputs.module_source.as_bytes()).field(TEST_MACROS.as_bytes());
    h.field(interp.path.as_os_str().as_encoded_bytes()).field(interp.version.as_bytes());
    for dir in &interp.include_dirs {
        h.field(dir.as_os_str().as_encoded_bytes());
    }
    for c in inputs.compilers {
        h.field(c.c.as_os_str().as_encoded_bytes()).field(c.cxx.as_os_str().as_encoded_bytes());
    }
    for w in crate::build::compiler::WARNINGS.iter().chain(crate::build::compiler::CXX_WARNINGS) {
        h.field(w.as_bytes());
    }
    if let Some(sanitize) = inputs.sanitize {
        for flag in &sanitize.compile_flags {
            h.field(b"sanitize").field(flag.as_bytes());
        }
        for lib in &sanitize.runtime {
            h.field(lib.as_os_str().as_encoded_bytes());
        }
    }
    h.hex()
}

/// A built module to run the tests of.
struct ModuleRun<'a> {
    module: &'a Path,
    /// `run`, `run (backports forced)`: how a failure of the whole run is named.
    what: &'a str,
    sanitize: Option<&'a SanitizedBuild>,
}

/// One interpreter process's share of a module's tests.
struct TestRun<'a> {
    module: &'a Path,
    /// `run`, `run (backports forced)`, `run, isolated NAME`: how a failure of the whole
    /// process is named.
    what: String,
    sanitize: Option<&'a SanitizedBuild>,
    /// Tests this process leaves out (the isolated ones).
    skip: &'a [String],
    /// The one test this process runs (an isolated one); None: all but `skip`.
    only: Option<&'a str>,
}

/// Runs a module's tests: every test but the isolated ones in one process, then each isolated
/// test among `expected` in a process of its own, so what it leaves behind (an audit hook that
/// cannot be removed, a tracer's monitoring events) meets no other test. The outcomes go into
/// one map whatever process ran them.
fn run_module(
    interp: &Interpreter,
    run: &ModuleRun,
    expected: &[String],
    isolated: &[String],
    log_dir: &Path,
    tests: &mut BTreeMap<String, Outcome>,
    problems: &mut Vec<CompileCheck>,
) {
    let shared = TestRun {
        module: run.module,
        what: run.what.to_string(),
        sanitize: run.sanitize,
        skip: isolated,
        only: None,
    };
    run_tests(interp, &shared, log_dir, tests, problems);
    for name in expected.iter().filter(|n| isolated.contains(n)) {
        let alone = TestRun {
            module: run.module,
            what: format!("{}, isolated {name}", run.what),
            sanitize: run.sanitize,
            skip: &[],
            only: Some(name),
        };
        run_tests(interp, &alone, &log_dir.join(format!("isolated-{}", sanitize(name))), tests, problems);
    }
}

/// How many times a sanitized run is resumed after a report stopped it (each report fails one
/// test; past this many, the rest are reported as not run).
const MAX_SANITIZER_RESUMES: usize = 40;

fn run_tests(
    interp: &Interpreter,
    run: &TestRun,
    log_dir: &Path,
    tests: &mut BTreeMap<String, Outcome>,
    problems: &mut Vec<CompileCheck>,
) {
    if run.sanitize.is_none() {
        run_driver(interp, run, None, None, tests, problems);
        return;
    }
    std::fs::remove_dir_all(log_dir).ok();
    // A sanitizer stops the process at its first report: the run resumes after the test that
    // made it, so one fault fails one test, not every test after it.
    let mut after: Option<String> = None;
    for attempt in 0..=MAX_SANITIZER_RESUMES {
        let attempt_dir = log_dir.join(format!("attempt-{attempt}"));
        match run_driver(interp, run, Some(&attempt_dir), after.as_deref(), tests, problems) {
            Some(stopped_in) => after = Some(stopped_in),
            None => return,
        }
    }
}

/// Runs the driver once, from the test after `after` (all when None). Returns the test a
/// sanitizer report stopped it in, when it did.
fn run_driver(
    interp: &Interpreter,
    run: &TestRun,
    log_dir: Option<&Path>,
    after: Option<&str>,
    tests: &mut BTreeMap<String, Outcome>,
    problems: &mut Vec<CompileCheck>,
) -> Option<String> {
    let what = run.what.as_str();
    let mut cmd = Command::new(&interp.path);
    match (run.sanitize, log_dir) {
        (Some(sanitize), Some(log_dir)) => {
            // -s and a directory of our own instead of -I, which would ignore PYTHONMALLOC.
            if let Err(e) = sanitize.configure(&mut cmd, log_dir, interp.debug) {
                let output = format!("cannot prepare {}: {e}", log_dir.display());
                problems.push(CompileCheck { what: what.into(), ok: false, output });
                return None;
            }
            cmd.arg("-s").current_dir(log_dir);
        }
        _ => {
            cmd.arg("-I");
        }
    }
    cmd.arg("-c").arg(DRIVER).arg(run.module).arg(MODULE_NAME).arg(after.unwrap_or(""));
    cmd.arg(run.skip.join(",")).arg(run.only.unwrap_or(""));
    let (ok, stdout, stderr) = match run_captured(&mut cmd, RUN_TIMEOUT) {
        Ok(r) => r,
        Err(e) => {
            problems.push(CompileCheck { what: what.into(), ok: false, output: e });
            return None;
        }
    };
    let mut done = false;
    let mut started: Option<String> = None;
    for line in stdout.lines() {
        let cols: Vec<&str> = line.splitn(3, '\t').collect();
        match cols.as_slice() {
            ["PASS", name] => {
                tests.insert(name.to_string(), Outcome::Pass);
            }
            ["FAIL", name, msg] => {
                tests.insert(name.to_string(), Outcome::Fail(msg.to_string()));
            }
            ["LEAK", name, msg] => {
                tests.insert(name.to_string(), Outcome::Leak(msg.to_string()));
            }
            ["START", name] => started = Some(name.to_string()),
            ["DONE"] => done = true,
            _ => {}
        }
    }
    let unfinished = started.filter(|n| !tests.contains_key(n));
    let mut reports = log_dir.map(sanitizer::reports).unwrap_or_default();
    // gcc's UBSan runtime, loaded next to ASan's, writes to stderr whatever log_path says.
    if log_dir.is_some() && sanitizer::is_error_report(&stderr) {
        reports.push(stderr.clone());
    }
    if let (false, Some(log_dir)) = (reports.is_empty(), log_dir) {
        // The process stops at the first report (halt_on_error): the test it was running is
        // the one that made it. A report with no test running (import, exit) fails the run.
        let shown: Vec<String> = reports.iter().map(|r| sanitizer::digest(r)).collect();
        let text = format!("sanitizer report ({}):\n{}", log_dir.display(), indent_lines(&shown.join("\n")));
        match &unfinished {
            Some(name) if !ok => {
                tests.insert(name.clone(), Outcome::Fail(text));
                return unfinished;
            }
            _ => problems.push(CompileCheck {
                what: format!("{what} under the sanitizers"),
                ok: false,
                output: text,
            }),
        }
    }
    if !ok || !done {
        let tail: String = stderr
            .lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        if let Some(name) = unfinished.filter(|n| !tests.contains_key(n)) {
            tests.insert(
                name,
                Outcome::Fail(format!("the interpreter died in this test: {}", tail.replace('\n', " | "))),
            );
        }
        problems.push(CompileCheck {
            what: what.into(),
            ok: false,
            output: format!("the interpreter did not finish the tests:\n{tail}"),
        });
    }
    None
}

fn indent_lines(text: &str) -> String {
    text.lines().map(|l| format!("    {}", l.trim_start())).collect::<Vec<_>>().join("\n")
}
