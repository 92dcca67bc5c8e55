//! `capi-compat test --alloc-fail`: every entry's test run again with the Nth allocation
//! inside a call of a function under test failing, N = 1, 2, … until a run completes without
//! reaching N (or N passes `--max-allocs`). `wrappers` puts each function behind a judging
//! wrapper, `templates/allocfail.h` is the failing allocator and the judge, `driver.py` walks
//! N inside the interpreter (each run called from module level, as the self-test calls tests),
//! `report` prints the table (and the HPy layer's points per function), `known` matches and
//! audits the `--known` rows. A crash is contained:
//! the driver runs in a child process, which is restarted after the test that crashed it.
//! Every entry with a test is swept, the PyPy backfills of CPython 3.10's names included (in
//! the forced build: PyPy has no PyMem_SetAllocator); `templates/allocfail_hpy.c` holds the HPy
//! layer's scenarios (`HPY_SCENARIOS`), which `--only "HPy: …"` can name.

pub mod known;
pub mod report;
pub mod wrappers;

pub use known::{read_known, series_label, KnownAudit, KnownFinding};

use crate::build::cache::{sanitize, write_if_changed};
use crate::build::compiler::{compile_check, CompileCheck, Compiler, Standard};
use crate::build::lock::{self, BuildDir};
use crate::build::process::run_captured;
use crate::digest::Fnv64;
use crate::interpreters::{Implementation, Interpreter, Selection};
use crate::selftest::module::{TEST_MACROS, TEST_MACROS_FILE};
use crate::selftest::{native_on, offered};
use crate::spec::model::{Kind, Spec};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNTIME: &str = include_str!("../../../templates/allocfail.h");
const MODULE_C: &str = include_str!("../../../templates/allocfail_module.c");
const DRIVER: &str = include_str!("driver.py");
const MODULE_NAME: &str = "_capicompat_allocfail";
const HPY_MODULE_C: &str = include_str!("../../../templates/allocfail_hpy.c");
const HPY_MODULE_NAME: &str = "_capicompat_allocfail_hpy";
/// The scenarios of `templates/allocfail_hpy.c` (the driver reports one missing there).
pub const HPY_SCENARIOS: &[&str] = &[
    "HPy: tuple builder",
    "HPy: list builder",
    "HPy: HPyTuple_FromArray",
    "HPy: lists and dicts",
    "HPy: HPyTracker",
    "HPy: HPyField and HPyGlobal",
    "HPy: HPy_BuildValue and formatting",
    "HPy: raising errors",
    "HPy: HPy_New",
    "HPy: HPyType_FromSpec",
    "HPy: HPyType_FromSpec (legacy)",
    "HPy: HPy_MODINIT module creation",
    "HPy: HPyArg_Parse",
    "HPy: HPyArg_ParseKeywords and PackArgsAndKeywords",
    "HPy: HPyTuple_Pack and struct sequences",
];
/// One driver process may take this long before it is called hung.
const RUN_TIMEOUT: Duration = Duration::from_secs(900);
/// A run that crashes more often than this is given up (the rest reported as not run).
const MAX_RESTARTS: usize = 40;

pub struct AllocFailOptions<'a> {
    pub header: &'a str,
    pub only: Option<&'a [String]>,
    pub jobs: usize,
    pub build_root: std::path::PathBuf,
    /// The largest N tried per test (lower for an entry with a `capped:N` row in `known`).
    pub max_allocs: u32,
    /// Test names native on an interpreter through its own function (never forced): what
    /// CPython itself does under the same failure, for comparison with our backport.
    pub native: bool,
    pub known: Vec<KnownFinding>,
    /// The header `gen --hpy` writes and its `hpy.h`: the HPy layer's scenarios run too.
    pub hpy: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingKind {
    /// A wrong report (error without an exception, success with one) or a test that then failed.
    Fail,
    Leak,
    /// The interpreter died (or hung) at this N.
    Crash,
    /// The entry reached `--max-allocs` (a finding only with `--known`: every entry whose
    /// sweep stays incomplete must be listed there, with why).
    Capped,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub n: u32,
    pub kind: FindingKind,
    /// The function the failed allocation was in, and which allocation.
    pub location: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default)]
pub struct EntryRun {
    pub name: String,
    /// Run in the build with the backports forced (the name is native on this interpreter).
    pub forced: bool,
    /// Allocation points tried (each N whose failure was hit).
    pub points: u32,
    /// Points where the function returned an error with an exception set.
    pub errors: u32,
    /// Points where it recovered and the test then passed.
    pub recovered: u32,
    /// The largest N tried: `--max-allocs`, or an entry's own `capped:N` row (`known`).
    pub cap: u32,
    /// N reached `cap` before a run completed.
    pub capped: bool,
    /// The driver died in this test (run in its own process, not forked): the points after
    /// `points` were not tried.
    pub cut_short: bool,
    /// `MemoryError=12,…`: the exceptions the errors carried.
    pub exceptions: String,
    /// `PyDict_GetItemRef=14,…`: the functions the failures hit.
    pub functions: String,
    pub findings: Vec<Finding>,
    /// Findings listed in the `--known` file: shown with its reason, not counted as failures.
    pub known: Vec<(Finding, String)>,
    /// Why the entry was not (fully) run.
    pub not_run: Option<String>,
}

impl EntryRun {
    pub fn failed(&self) -> bool {
        !self.findings.is_empty() || self.not_run.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct InterpreterRun {
    pub interpreter: Interpreter,
    /// Reference leaks were checked (a debug build).
    pub leak_checked: bool,
    pub builds: Vec<CompileCheck>,
    pub entries: Vec<EntryRun>,
    pub restarts: usize,
    pub seconds: f64,
}

impl InterpreterRun {
    pub fn failures(&self) -> usize {
        self.builds.iter().filter(|b| !b.ok).count() + self.entries.iter().filter(|e| e.failed()).count()
    }
}

pub struct AllocFailResult {
    pub runs: Vec<InterpreterRun>,
    pub skipped: Vec<(Interpreter, String)>,
    pub missing: Vec<String>,
    pub max_allocs: u32,
    /// Macros not swept because on every interpreter swept they are CPython's own renaming
    /// of a function swept forced (`renamed_function`), with that function.
    pub renames: Vec<(String, String)>,
    /// The `--known` rows judged against this run (stale ones fail it).
    pub known: KnownAudit,
}

impl AllocFailResult {
    pub fn failures(&self) -> usize {
        self.runs.iter().map(|r| r.failures()).sum::<usize>() + self.missing.len() + self.known.stale.len()
    }
}

pub fn run(
    spec: &Spec,
    selection: Selection,
    compilers: &[Compiler],
    options: &AllocFailOptions,
    progress: &mut (dyn std::io::Write + Send),
) -> AllocFailResult {
    let Selection { usable, mut skipped, missing } = selection;
    // PyPy's cpyext has no PyMem_SetAllocator: nothing to hook.
    let (cpython, pypy): (Vec<Interpreter>, Vec<Interpreter>) =
        usable.into_iter().partition(|i| i.implementation == Implementation::CPython);
    skipped
        .extend(pypy.into_iter().map(|i| {
            (i, "alloc-fail: PyPy has no PyMem_SetAllocator to install a failing allocator".into())
        }));
    let sources = Sources {
        header: options.header,
        module: crate::selftest::module::render_module(spec, options.only),
        wrappers: wrappers::render(spec),
    };
    let runs = crate::build::parallel::map(
        &cpython,
        options.jobs,
        |interp| interp.label.clone(),
        |interp| {
            let mut run = run_interpreter(spec, interp, compilers, &sources, options);
            known::apply_known(&mut run, &options.known);
            run
        },
        |interp, run| {
            let points: u32 = run.entries.iter().map(|e| e.points).sum();
            format!(
                "{:<26} {points} allocation points, {} failed ({:.1}s)",
                interp.label,
                run.failures(),
                run.seconds
            )
        },
        progress,
    );
    let missing = missing.into_iter().map(|m| m.text).collect();
    let mut renames: Vec<(String, String)> = spec
        .entries
        .iter()
        .filter(|e| options.only.is_none_or(|names| names.contains(&e.name)))
        .filter_map(|e| {
            let mut callees = cpython.iter().map(|i| renamed_function(spec, &e.name, i, options.native));
            let first = callees.next()??;
            callees.all(|c| c == Some(first)).then(|| (e.name.clone(), first.to_string()))
        })
        .collect();
    renames.sort();
    let known = known::audit(&options.known, &runs, options.native);
    AllocFailResult { runs, skipped, missing, max_allocs: options.max_allocs, renames, known }
}

struct Sources<'a> {
    header: &'a str,
    module: String,
    wrappers: String,
}

/// The tests this interpreter runs, and whether in the forced build: as the self-test does,
/// a name native here is tested through our backport (forced) where it can be forced. That
/// includes the PyPy backfills of CPython 3.10's names: code only PyPy runs (and PyPy has no
/// PyMem_SetAllocator), swept through the forced build on CPython, where the same body runs.
fn planned_tests(
    spec: &Spec,
    interp: &Interpreter,
    only: Option<&[String]>,
    native: bool,
) -> Vec<(String, bool)> {
    spec.entries
        .iter()
        .filter(|e| e.kind != Kind::Helper && e.test.is_some())
        .filter(|e| only.is_none_or(|names| names.contains(&e.name)))
        .filter(|e| offered(spec, &e.name, interp))
        .filter(|e| renamed_function(spec, &e.name, interp, native).is_none())
        .map(|e| {
            let forced = !native
                && native_on(spec, &e.name, interp)
                && e.kind == Kind::Function
                && e.force_below.is_none_or(|limit| interp.hexversion < limit.hex());
            (e.name.clone(), forced)
        })
        .collect()
}

/// The function a macro only renames on this interpreter, when sweeping the macro's test would
/// try no code of ours: the macro is native here (CPython's own `#define`; the header defines
/// its copy only where CPython lacks it, as on PyPy), its body is one call of the one
/// function it requires (`PyRun_SimpleFile(f, p)` is `PyRun_SimpleFileExFlags(f, p, 0, NULL)`),
/// and that function is swept forced here, so our backport behind the macro is tried through
/// the function's own test. Run in the plain build the macro's test would sweep CPython's own
/// function (and in the forced build the same backport again, under other arguments). Not
/// with `--native`, which asks for CPython's behaviour.
fn renamed_function<'a>(spec: &'a Spec, name: &str, interp: &Interpreter, native: bool) -> Option<&'a str> {
    let entry = spec.get(name)?;
    if native || entry.kind != Kind::Macro || entry.requires.len() != 1 || entry.bodies.len() != 1 {
        return None;
    }
    let callee = spec.get(&entry.requires[0])?;
    let body = entry.bodies[0].body.trim();
    // the arguments are the macro's parameters or constants (`(a)`, `0`, `CAPICOMPAT_NULL`)
    let plain = |arg: &str| {
        let arg = arg.trim();
        let arg = arg.strip_prefix('(').and_then(|a| a.strip_suffix(')')).unwrap_or(arg).trim();
        !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let calls_only_callee = body
        .strip_prefix(callee.name.as_str())
        .and_then(|rest| rest.strip_prefix('('))
        .and_then(|rest| rest.strip_suffix(')'))
        .is_some_and(|args| args.split(',').all(plain));
    let callee_forced = callee.kind == Kind::Function
        && callee.test.is_some()
        && offered(spec, &callee.name, interp)
        && native_on(spec, &callee.name, interp)
        && callee.force_below.is_none_or(|limit| interp.hexversion < limit.hex());
    (calls_only_callee && native_on(spec, name, interp) && callee_forced).then_some(callee.name.as_str())
}

fn run_interpreter(
    spec: &Spec,
    interp: &Interpreter,
    compilers: &[Compiler],
    sources: &Sources,
    options: &AllocFailOptions,
) -> InterpreterRun {
    let start = Instant::now();
    let planned = planned_tests(spec, interp, options.only, options.native);
    let mut run = InterpreterRun {
        interpreter: interp.clone(),
        leak_checked: false,
        builds: Vec::new(),
        entries: Vec::new(),
        restarts: 0,
        seconds: 0.0,
    };
    let wants_forced = planned.iter().any(|(_, forced)| *forced);
    let label = series_label(interp);
    let cap_of = |name: &str| known::entry_cap(&options.known, name, &label, options.max_allocs);
    let mut claims = Vec::new();
    let modules = match planned.is_empty() {
        // only HPy scenarios asked for (`--only "HPy: …"`)
        true => (None, None),
        false => match build(interp, &compilers[0], sources, &options.build_root, wants_forced) {
            Ok((plain, forced, checks, claim)) => {
                run.builds = checks;
                claims.push(claim);
                (plain, forced)
            }
            Err(check) => {
                run.builds.push(check);
                (None, None)
            }
        },
    };
    for (module, forced) in [(&modules.0, false), (&modules.1, true)] {
        let names: Vec<String> =
            planned.iter().filter(|(_, f)| *f == forced).map(|(n, _)| n.clone()).collect();
        if names.is_empty() {
            continue;
        }
        let Some(module) = module else {
            run.entries.extend(names.into_iter().map(|name| EntryRun {
                name,
                forced,
                not_run: Some("the alloc-fail module did not build".into()),
                ..EntryRun::default()
            }));
            continue;
        };
        // As in the self-test: an `isolated` entry's test runs in a process of its own, after
        // the others, so what it leaves behind meets no other test.
        let (isolated, shared): (Vec<String>, Vec<String>) =
            names.into_iter().partition(|n| spec.get(n).is_some_and(|e| e.isolated.is_some()));
        let groups = std::iter::once(shared).chain(isolated.into_iter().map(|n| vec![n]));
        for group in groups.filter(|g| !g.is_empty()) {
            let (entries, leak_checked, restarts) =
                drive(interp, module, MODULE_NAME, &group, forced, &cap_of);
            run.leak_checked |= leak_checked;
            run.restarts += restarts;
            run.entries.extend(entries);
        }
    }
    if let Some((header, hpy_h)) = &options.hpy {
        let names: Vec<String> = HPY_SCENARIOS
            .iter()
            .filter(|s| options.only.is_none_or(|only| only.iter().any(|n| n == *s)))
            .map(|s| s.to_string())
            .collect();
        match build_hpy(interp, &compilers[0], sources, header, hpy_h, &options.build_root) {
            Ok((module, claim)) => {
                claims.push(claim);
                let (entries, leak_checked, restarts) =
                    drive(interp, &module, HPY_MODULE_NAME, &names, false, &cap_of);
                run.leak_checked |= leak_checked;
                run.restarts += restarts;
                run.entries.extend(entries);
            }
            Err(check) => {
                run.builds.push(check);
                run.entries.extend(names.into_iter().map(|name| EntryRun {
                    name,
                    not_run: Some("the HPy alloc-fail module did not build".into()),
                    ..EntryRun::default()
                }));
            }
        }
    }
    run.entries.sort_by(|a, b| a.name.cmp(&b.name));
    drop(claims);
    run.seconds = start.elapsed().as_secs_f64();
    run
}

/// The plain and forced modules (when built), the build checks, and the claim on the build
/// directory (held while the modules run: another process may not prune it meanwhile).
type Built = (Option<std::path::PathBuf>, Option<std::path::PathBuf>, Vec<CompileCheck>, BuildDir);

/// Writes the sources into a directory keyed by everything they depend on and builds the
/// module (plain, and with the backports forced when some test needs it); reused when built.
fn build(
    interp: &Interpreter,
    compiler: &Compiler,
    sources: &Sources,
    build_root: &Path,
    wants_forced: bool,
) -> Result<Built, CompileCheck> {
    let mut h = Fnv64::default();
    h.field(env!("CARGO_PKG_VERSION").as_bytes()).field(sources.header.as_bytes());
    h.field(sources.module.as_bytes()).field(sources.wrappers.as_bytes()).field(RUNTIME.as_bytes());
    h.field(MODULE_C.as_bytes()).field(TEST_MACROS.as_bytes());
    h.field(interp.path.as_os_str().as_encoded_bytes()).field(interp.version.as_bytes());
    h.field(compiler.c.as_os_str().as_encoded_bytes());
    let key = h.hex();
    let label_dir = build_root.join(sanitize(&interp.label));
    let claim = lock::claim(&label_dir, &key).map_err(|e| CompileCheck {
        what: "alloc-fail setup".into(),
        ok: false,
        output: format!("cannot claim {}: {e}", label_dir.join(&key).display()),
    })?;
    let dir = claim.path().to_path_buf();
    // This build's capi_compat.h is the real header, then the runtime and the wrappers: the
    // test module includes it unchanged.
    let shim = "#include \"capi_compat_header.h\"\n#include \"capicompat_allocfail.h\"\n#include \"capicompat_allocfail_wrappers.h\"\n";
    let files = [
        ("capi_compat_header.h", sources.header),
        ("capi_compat.h", shim),
        ("capicompat_allocfail.h", RUNTIME),
        ("capicompat_allocfail_wrappers.h", sources.wrappers.as_str()),
        (TEST_MACROS_FILE, TEST_MACROS),
        ("selftest.c", sources.module.as_str()),
        ("allocfail_module.c", MODULE_C),
    ];
    std::fs::create_dir_all(dir.join("forced"))
        .and_then(|_| files.iter().try_for_each(|(name, text)| write_if_changed(&dir.join(name), text)))
        .map_err(|e| CompileCheck {
            what: "alloc-fail setup".into(),
            ok: false,
            output: format!("cannot write to {}: {e}", dir.display()),
        })?;
    let mut checks = Vec::new();
    let mut one = |out: std::path::PathBuf, flags: &[&str], what: &str| -> Option<std::path::PathBuf> {
        if out.is_file() {
            return Some(out);
        }
        let partial = out.with_extension(format!("partial-{}", std::process::id()));
        let mut cmd = compiler.command(Standard::C11);
        cmd.args(["-O2", "-shared", "-fPIC"])
            .args(flags)
            .arg(format!("-I{}", dir.display()))
            .args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())))
            .arg(dir.join("allocfail_module.c"))
            .arg("-o")
            .arg(&partial);
        let mut check = compile_check(what.into(), &mut cmd);
        if check.ok {
            if let Err(e) = std::fs::rename(&partial, &out) {
                check.ok = false;
                check.output = format!("cannot move the module into place: {e}");
            }
        }
        std::fs::remove_file(&partial).ok();
        let ok = check.ok;
        checks.push(check);
        ok.then_some(out)
    };
    let file = format!("{MODULE_NAME}{}", interp.ext_suffix);
    let plain = one(dir.join(&file), &[], "alloc-fail build");
    let forced = if wants_forced {
        one(
            dir.join("forced").join(&file),
            &["-DCAPI_COMPAT_FORCE_BACKPORTS"],
            "alloc-fail build (backports forced)",
        )
    } else {
        None
    };
    Ok((plain, forced, checks, claim))
}

/// The HPy scenarios' module: the `--hpy` header (with the runtime and the wrappers after it,
/// as for the spec's tests) and `hpy.h`.
fn build_hpy(
    interp: &Interpreter,
    compiler: &Compiler,
    sources: &Sources,
    header: &str,
    hpy_h: &str,
    build_root: &Path,
) -> Result<(std::path::PathBuf, BuildDir), CompileCheck> {
    let mut h = Fnv64::default();
    h.field(env!("CARGO_PKG_VERSION").as_bytes()).field(header.as_bytes()).field(hpy_h.as_bytes());
    h.field(sources.wrappers.as_bytes()).field(RUNTIME.as_bytes()).field(HPY_MODULE_C.as_bytes());
    h.field(TEST_MACROS.as_bytes()).field(interp.path.as_os_str().as_encoded_bytes());
    h.field(interp.version.as_bytes()).field(compiler.c.as_os_str().as_encoded_bytes());
    let key = h.hex();
    // beside, not among, the spec's builds: each claim prunes the other keys of its directory
    let label_dir = build_root.join("hpy").join(sanitize(&interp.label));
    let claim = lock::claim(&label_dir, &key).map_err(|e| CompileCheck {
        what: "alloc-fail HPy setup".into(),
        ok: false,
        output: format!("cannot claim {}: {e}", label_dir.join(&key).display()),
    })?;
    let dir = claim.path().to_path_buf();
    let shim = "#include \"capi_compat_header.h\"\n#include \"capicompat_allocfail.h\"\n#include \"capicompat_allocfail_wrappers.h\"\n";
    let files = [
        ("capi_compat_header.h", header),
        ("capi_compat.h", shim),
        ("hpy.h", hpy_h),
        ("capicompat_allocfail.h", RUNTIME),
        ("capicompat_allocfail_wrappers.h", sources.wrappers.as_str()),
        (TEST_MACROS_FILE, TEST_MACROS),
        ("allocfail_hpy.c", HPY_MODULE_C),
    ];
    std::fs::create_dir_all(&dir)
        .and_then(|_| files.iter().try_for_each(|(name, text)| write_if_changed(&dir.join(name), text)))
        .map_err(|e| CompileCheck {
            what: "alloc-fail HPy setup".into(),
            ok: false,
            output: format!("cannot write to {}: {e}", dir.display()),
        })?;
    let out = dir.join(format!("{HPY_MODULE_NAME}{}", interp.ext_suffix));
    if out.is_file() {
        return Ok((out, claim));
    }
    let partial = out.with_extension(format!("partial-{}", std::process::id()));
    let mut cmd = compiler.command(Standard::C11);
    cmd.args(["-O2", "-shared", "-fPIC"])
        .arg(format!("-I{}", dir.display()))
        .args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())))
        .arg(dir.join("allocfail_hpy.c"))
        .arg("-o")
        .arg(&partial);
    let mut check = compile_check("alloc-fail HPy build".into(), &mut cmd);
    if check.ok {
        if let Err(e) = std::fs::rename(&partial, &out) {
            check.ok = false;
            check.output = format!("cannot move the module into place: {e}");
        }
    }
    std::fs::remove_file(&partial).ok();
    if check.ok {
        Ok((out, claim))
    } else {
        Err(check)
    }
}

/// Runs the driver over `names`, each swept to its `cap_of`, restarting it after the test that
/// crashed it.
fn drive(
    interp: &Interpreter,
    module: &Path,
    module_name: &str,
    names: &[String],
    forced: bool,
    cap_of: &dyn Fn(&str) -> u32,
) -> (Vec<EntryRun>, bool, usize) {
    let mut entries: Vec<EntryRun> = Vec::new();
    let mut leak_checked = false;
    let mut rest: &[String] = names;
    let mut restarts = 0;
    while !rest.is_empty() {
        let mut cmd = Command::new(&interp.path);
        cmd.arg("-I")
            .arg("-c")
            .arg(DRIVER)
            .arg(module)
            .arg(module_name)
            .args(rest.iter().map(|name| format!("{name}={}", cap_of(name))));
        let (ok, stdout, stderr) = match run_captured(&mut cmd, RUN_TIMEOUT) {
            Ok(r) => r,
            Err(e) => (false, String::new(), e),
        };
        let parsed = parse_driver_output(&stdout, forced);
        leak_checked |= parsed.debug;
        let finished = parsed.entries.len();
        entries.extend(parsed.entries);
        if ok && parsed.all_done {
            break;
        }
        // The interpreter died (or hung): the test it was in is charged with it, at its N.
        let tail: Vec<&str> = stderr.lines().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect();
        let tail = tail.join(" | ");
        let Some((name, n)) = parsed.current else {
            let why = format!("the driver did not start: {tail}");
            entries.extend(rest.iter().map(|name| EntryRun {
                name: name.clone(),
                forced,
                not_run: Some(why.clone()),
                ..EntryRun::default()
            }));
            break;
        };
        let mut crashed =
            parsed.partial.unwrap_or_else(|| EntryRun { name: name.clone(), forced, ..EntryRun::default() });
        crashed.points = crashed.points.max(n);
        crashed.cut_short = true;
        crashed.findings.push(Finding {
            n,
            kind: FindingKind::Crash,
            location: "-".into(),
            detail: format!("the interpreter died (or hung) here: {tail}"),
        });
        entries.push(crashed);
        let position = rest.iter().position(|r| *r == name).unwrap_or(finished);
        rest = &rest[position + 1..];
        restarts += 1;
        if restarts > MAX_RESTARTS {
            entries.extend(rest.iter().map(|name| EntryRun {
                name: name.clone(),
                forced,
                not_run: Some(format!("not run: the interpreter crashed {restarts} times")),
                ..EntryRun::default()
            }));
            break;
        }
    }
    for entry in &mut entries {
        entry.cap = cap_of(&entry.name);
    }
    (entries, leak_checked, restarts)
}

struct DriverOutput {
    debug: bool,
    entries: Vec<EntryRun>,
    /// The test and N the driver was in when its output ended.
    current: Option<(String, u32)>,
    /// What the unfinished test had found so far.
    partial: Option<EntryRun>,
    all_done: bool,
}

fn parse_driver_output(stdout: &str, forced: bool) -> DriverOutput {
    let mut out =
        DriverOutput { debug: false, entries: Vec::new(), current: None, partial: None, all_done: false };
    let mut open: Option<EntryRun> = None;
    for line in stdout.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        match cols.as_slice() {
            ["DEBUG", flag] => out.debug = *flag == "1",
            ["START", name] => {
                open = Some(EntryRun { name: name.to_string(), forced, ..EntryRun::default() });
                out.current = Some((name.to_string(), 0));
            }
            ["AT", name, n] => out.current = Some((name.to_string(), n.parse().unwrap_or(0))),
            [kind @ ("FAIL" | "LEAK" | "CRASH"), _name, n, location, detail] => {
                if let Some(entry) = open.as_mut() {
                    entry.findings.push(Finding {
                        n: n.parse().unwrap_or(0),
                        kind: match *kind {
                            "FAIL" => FindingKind::Fail,
                            "LEAK" => FindingKind::Leak,
                            _ => FindingKind::Crash,
                        },
                        location: location.to_string(),
                        detail: detail.to_string(),
                    });
                }
            }
            ["DONE", _name, points, errors, recovered, capped, exceptions, functions] => {
                if let Some(mut entry) = open.take() {
                    entry.points = points.parse().unwrap_or(0);
                    entry.errors = errors.parse().unwrap_or(0);
                    entry.recovered = recovered.parse().unwrap_or(0);
                    entry.capped = *capped == "1";
                    entry.exceptions = exceptions.to_string();
                    entry.functions = functions.to_string();
                    out.entries.push(entry);
                }
                out.current = None;
            }
            ["MISSING", name] => out.entries.push(EntryRun {
                name: name.to_string(),
                forced,
                not_run: Some("the alloc-fail module does not offer this test".into()),
                ..EntryRun::default()
            }),
            ["ALLDONE"] => out.all_done = true,
            _ => {}
        }
    }
    out.partial = open;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpython(version: &str, hexversion: u32) -> Interpreter {
        Interpreter {
            label: format!("cpython-{version}"),
            path: "/nonexistent/python3".into(),
            source: "test".into(),
            implementation: Implementation::CPython,
            version: version.into(),
            hexversion,
            debug: false,
            free_threaded: false,
            include_dirs: Vec::new(),
            ext_suffix: ".so".into(),
            real_executable: "/nonexistent/python3".into(),
        }
    }

    #[test]
    fn the_runner_macros_are_covered_by_the_function_they_rename() {
        // on CPython these macros are CPython's own: their tests would sweep CPython's runners
        let spec = crate::load_spec(None).expect("the built-in spec");
        let interp = cpython("3.12.1", 0x030C01F0);
        for (name, callee) in [
            ("PyRun_AnyFile", "PyRun_AnyFileExFlags"),
            ("PyRun_AnyFileEx", "PyRun_AnyFileExFlags"),
            ("PyRun_AnyFileFlags", "PyRun_AnyFileExFlags"),
            ("PyRun_InteractiveLoop", "PyRun_InteractiveLoopFlags"),
            ("PyRun_InteractiveOne", "PyRun_InteractiveOneFlags"),
            ("PyRun_SimpleFile", "PyRun_SimpleFileExFlags"),
            ("PyRun_SimpleFileEx", "PyRun_SimpleFileExFlags"),
            ("PyRun_FileEx", "PyRun_FileExFlags"),
        ] {
            assert_eq!(renamed_function(&spec, name, &interp, false), Some(callee), "{name}");
            // --native asks for CPython's behaviour: the macro's test is swept then
            assert_eq!(renamed_function(&spec, name, &interp, true), None, "{name}");
        }
        let planned: Vec<String> =
            planned_tests(&spec, &interp, None, false).into_iter().map(|(n, _)| n).collect();
        assert!(!planned.iter().any(|n| n == "PyRun_SimpleFile"));
        // the functions themselves are swept, forced: our backports
        for name in [
            "PyRun_AnyFileExFlags",
            "PyRun_InteractiveLoopFlags",
            "PyRun_InteractiveOneFlags",
            "PyRun_InteractiveOneObject",
        ] {
            let forced = planned_tests(&spec, &interp, None, false).into_iter().find(|(n, _)| n == name);
            assert_eq!(forced, Some((name.to_string(), true)), "{name}");
        }
    }

    #[test]
    fn a_macro_that_is_more_than_a_renaming_is_swept() {
        let spec = crate::load_spec(None).expect("the built-in spec");
        let interp = cpython("3.12.1", 0x030C01F0);
        // PyODict_SIZE's body is its own code; Py_IsTrue requires nothing; PyDictViewSet_Check two
        for name in ["PyODict_SIZE", "Py_IsTrue", "PyDictViewSet_Check", "PyCell_GET"] {
            assert!(spec.get(name).is_some(), "{name}");
            assert_eq!(renamed_function(&spec, name, &interp, false), None, "{name}");
        }
        // a function is never a renaming
        assert_eq!(renamed_function(&spec, "PyRun_AnyFileExFlags", &interp, false), None);
    }

    #[test]
    fn hpy_scenario_names_can_be_given_to_only() {
        // `--only` splits at commas
        for name in HPY_SCENARIOS {
            assert!(name.starts_with("HPy: ") && !name.contains(','), "{name}");
        }
    }
}
