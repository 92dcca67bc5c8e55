//! `gen --hpy`: the HPy layer compiles and works on every CPython found, and leaves the
//! output without `--hpy` unchanged.
//!
//! Each `tests/c/hpy/_hpy_STEM.c` is built against each supported interpreter (CPython and
//! PyPy) as C99 (`-O2`, a real extension) and checked as C++11 and C++20 (`-fsyntax-only`) with the
//! project's warnings, with gcc and clang, and built again at `-O3` (gcc's `-Wmaybe-uninitialized`
//! looks through the inline layer there); it is imported and `tests/c/hpy/check_STEM.py`
//! is run with it. With gcc it is also built in debug mode (`-DCAPI_COMPAT_HPY_DEBUG`), must pass
//! the same checks, and the debug layer must report nothing. A check an interpreter cannot run
//! prints `SKIP: reason`; those lines are reported as skips, never counted as passes.
//!
//! On CPython 3.13+ release builds each extension is also compiled for the free-threaded build
//! (no such interpreter is packaged: the interpreter's headers with `Py_GIL_DISABLED` defined in
//! pyconfig.h, as the self-test does), in the oldest standards, where C11 atomics are not at
//! hand: C99 with gcc, C++11 with clang; and the debug mode must refuse that build with its
//! own message. `tests/c/hpy/multi/race.c` is raced by threads to its context's first use.

mod common;

use capi_compat::build::compiler::{self, Standard};
use capi_compat::interpreters::{self, Implementation, Interpreter};
use capi_compat::selftest::{interpreter, probes};
use capi_compat::spec::version::PyVersion;
use std::path::{Path, PathBuf};
use std::process::Command;

const FLOOR: PyVersion = PyVersion::release(3, 10);

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capi-compat-hpy-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) -> Result<(), String> {
    run_for_stdout(cmd).map(|_| ())
}

/// Runs `cmd`; its stdout when it succeeds.
fn run_for_stdout(cmd: &mut Command) -> Result<String, String> {
    let output = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// One test extension of tests/c/hpy: `_hpy_STEM.c` (module `_hpy_STEM`) and `check_STEM.py`.
struct TestExtension {
    stem: String,
    /// `_hpy_STEM.c`, and for an extension in a directory of its own every other `.c` there.
    sources: Vec<PathBuf>,
    check: PathBuf,
}

/// Every `_hpy_STEM.c` of tests/c/hpy with its `check_STEM.py` (a source without one fails),
/// and every subdirectory holding a `_hpy_STEM.c` and a `check_STEM.py`: an extension made of
/// all the `.c` files there (several translation units). `debug/` has no check script: its
/// scenarios are run by hpy_debug.rs.
fn test_extensions() -> Vec<TestExtension> {
    let dir = common::repo_root().join("tests/c/hpy");
    let stem_of = |path: &Path| -> Option<String> {
        let name = path.file_name()?.to_str()?;
        Some(name.strip_prefix("_hpy_")?.strip_suffix(".c")?.to_string())
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/c/hpy") {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let mut sources: Vec<PathBuf> = std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "c"))
                .collect();
            sources.sort();
            let Some(stem) = sources.iter().find_map(|p| stem_of(p)) else { continue };
            let check = path.join(format!("check_{stem}.py"));
            if check.is_file() {
                // The module's own file first, so that its name is the module's.
                sources.sort_by_key(|p| stem_of(p).is_none());
                found.push(TestExtension { stem, sources, check });
            }
        } else if let Some(stem) = stem_of(&path) {
            let check = dir.join(format!("check_{stem}.py"));
            assert!(check.is_file(), "{} has no {}", path.display(), check.display());
            found.push(TestExtension { stem, sources: vec![path], check });
        }
    }
    found.sort_by(|a, b| a.stem.cmp(&b.stem));
    found
}

/// The `SKIP: reason` lines a check script printed.
fn skips_in(stdout: &str) -> Vec<String> {
    stdout.lines().filter_map(|l| l.strip_prefix("SKIP: ")).map(str::to_string).collect()
}

/// Builds, imports and checks one test extension under one interpreter: the checks the
/// interpreter could not run (`SKIP:` lines), or what failed.
fn build_and_check(
    compiler: &compiler::Compiler,
    interp: &Interpreter,
    header_dir: &Path,
    ext: &TestExtension,
) -> Result<Vec<String>, String> {
    let dir = workdir(&format!("{}-{}-{}", ext.stem, compiler.family, interp.label));
    let includes: Vec<String> = std::iter::once(header_dir.to_path_buf())
        .chain(interp.include_dirs.iter().cloned())
        .map(|d| format!("-I{}", d.display()))
        .collect();

    // Warnings Python.h itself triggers (PyPy's typedef redefinitions under clang's C99, 3.10's
    // NULL under clang++) are switched off, as the self-test does; ours never are.
    // C++11 and C++20 (HPy's C++ examples use designated initialisers, C++20's).
    for std in [Standard::Cxx11, Standard::Cxx20] {
        let mut cxx = compiler.command(std);
        cxx.args(interpreter::python_h_waivers(compiler, std, interp, &dir));
        run(cxx.arg("-fsyntax-only").args(&includes).args(&ext.sources))
            .map_err(|e| format!("{}: {e}", std.name()))?;
    }

    let module = dir.join(format!("_hpy_{}{}", ext.stem, interp.ext_suffix));
    let mut c = compiler.command(Standard::C99);
    c.args(interpreter::python_h_waivers(compiler, Standard::C99, interp, &dir));
    c.args(["-O2", "-shared", "-fPIC"]).args(&includes).args(&ext.sources).arg("-o").arg(&module);
    run(&mut c).map_err(|e| format!("C99 build: {e}"))?;

    // -O3 with the project's -Werror: inlining lets gcc's flow warnings see the layer's
    // failure paths (HPy_New's *data on failure, issue 11).
    let mut o3 = compiler.command(Standard::C99);
    o3.args(interpreter::python_h_waivers(compiler, Standard::C99, interp, &dir));
    o3.args(["-O3", "-shared", "-fPIC"]).args(&includes).args(&ext.sources);
    run(o3.arg("-o").arg(dir.join(format!("o3{}", interp.ext_suffix))))
        .map_err(|e| format!("C99 -O3 build: {e}"))?;

    if interp.implementation == Implementation::CPython
        && interp.series() >= PyVersion::release(3, 13)
        && !interp.debug
    {
        check_free_threaded(compiler, interp, header_dir, ext, &dir)?;
    }

    let mut py = Command::new(&interp.path);
    py.arg(&ext.check).env("PYTHONPATH", &dir);
    let skips = skips_in(&run_for_stdout(&mut py).map_err(|e| format!("import and check: {e}"))?);

    // The same extension in debug mode (gcc only, to save time) passes the same checks, and
    // the debug layer says nothing about correct code.
    if compiler.family == "gcc" {
        let debug_dir = dir.join("debug");
        std::fs::create_dir_all(&debug_dir).unwrap();
        let mut c = compiler.command(Standard::C99);
        c.args(interpreter::python_h_waivers(compiler, Standard::C99, interp, &dir));
        c.args(["-O2", "-shared", "-fPIC", "-DCAPI_COMPAT_HPY_DEBUG"]).args(&includes).args(&ext.sources);
        c.arg("-o").arg(debug_dir.join(format!("_hpy_{}{}", ext.stem, interp.ext_suffix)));
        run(&mut c).map_err(|e| format!("C99 debug-mode build: {e}"))?;
        let mut cxx = compiler.command(Standard::Cxx17);
        cxx.args(interpreter::python_h_waivers(compiler, Standard::Cxx17, interp, &dir));
        cxx.args(["-fsyntax-only", "-DCAPI_COMPAT_HPY_DEBUG"]).args(&includes).args(&ext.sources);
        run(&mut cxx).map_err(|e| format!("C++17 debug-mode syntax check: {e}"))?;
        let output = Command::new(&interp.path)
            .arg(&ext.check)
            .env("PYTHONPATH", &debug_dir)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", interp.path.display()))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() || stderr.contains("capi-compat HPy debug") {
            return Err(format!(
                "debug mode: the check {} or the debug layer reported misuse:\n{}{stderr}",
                if output.status.success() { "passed" } else { "failed" },
                String::from_utf8_lossy(&output.stdout)
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(skips)
}

/// The extension compiled (syntax only) for the free-threaded build of `interp`'s version: C99
/// with gcc, C++11 with clang (the standards without C11 atomics, so that the layer's once-guard
/// is CPython's own); and the debug mode refused there, with its message.
fn check_free_threaded(
    compiler: &compiler::Compiler,
    interp: &Interpreter,
    header_dir: &Path,
    ext: &TestExtension,
    dir: &Path,
) -> Result<(), String> {
    let ft_dirs = probes::free_threaded_includes(&interp.include_dirs, &dir.join("free-threaded"))
        .map_err(|e| format!("free-threaded headers: {e}"))?;
    let includes: Vec<String> = std::iter::once(header_dir.to_path_buf())
        .chain(ft_dirs)
        .map(|d| format!("-I{}", d.display()))
        .collect();
    let std = if compiler.family == "gcc" { Standard::C99 } else { Standard::Cxx11 };
    let mut cmd = compiler.command(std);
    cmd.args(interpreter::python_h_waivers(compiler, std, interp, dir));
    run(cmd.arg("-fsyntax-only").args(&includes).args(&ext.sources))
        .map_err(|e| format!("free-threaded {}: {e}", std.name()))?;
    if ext.stem == "multi" {
        let mut debug = compiler.command(std);
        debug.args(interpreter::python_h_waivers(compiler, std, interp, dir));
        debug.args(["-fsyntax-only", "-DCAPI_COMPAT_HPY_DEBUG"]).args(&includes).args(&ext.sources);
        let out = debug.output().map_err(|e| format!("cannot run the compiler: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success()
            || !stderr.contains("the HPy debug mode (CAPI_COMPAT_HPY_DEBUG) needs the GIL")
        {
            return Err(format!("free-threaded debug mode was not refused with its message:\n{stderr}"));
        }
    }
    Ok(())
}

#[test]
fn test_extensions_work_on_every_interpreter() {
    let header_dir = workdir("header");
    common::gen_hpy_header(&header_dir);
    let hpy_h = std::fs::read_to_string(header_dir.join("hpy.h")).expect("gen --hpy writes hpy.h");
    assert!(hpy_h.contains("#include \"capi_compat.h\""), "{hpy_h}");

    let extensions = test_extensions();
    assert!(extensions.iter().any(|e| e.stem == "smoke"), "tests/c/hpy/_hpy_smoke.c is missing");
    assert!(
        extensions.iter().any(|e| e.stem == "multi"
            && e.sources.len() == 3
            && e.sources.iter().any(|s| s.ends_with("race.c"))),
        "tests/c/hpy/multi (three translation units, race.c among them) is missing"
    );
    let compilers = compiler::available();
    assert!(!compilers.is_empty(), "no C compiler found");
    let interpreters: Vec<Interpreter> =
        interpreters::discover().into_iter().filter(|i| i.supported()).collect();
    assert!(
        interpreters.iter().any(|i| i.implementation == Implementation::CPython),
        "no supported CPython (3.10 or newer, with headers) was found: the HPy tests ran nowhere"
    );
    // `CAPI_COMPAT_HPY_TEST=STEM` narrows the run to one extension while working on it.
    let only = std::env::var("CAPI_COMPAT_HPY_TEST").ok();
    // Every interpreter builds and runs every extension; the compilers take turns along the
    // interpreters (sorted by version, so each compiler meets every minor version's neighbours)
    // and both build on the first and the last: a heavy sweep, kept inside CI's time budget
    // (`CAPI_COMPAT_HPY_ALL_COMPILERS=1` builds everything with every compiler).
    let every_compiler = std::env::var_os("CAPI_COMPAT_HPY_ALL_COMPILERS").is_some();
    let mut jobs: Vec<(&TestExtension, &compiler::Compiler, &Interpreter)> = Vec::new();
    for ext in extensions.iter().filter(|e| only.as_deref().is_none_or(|o| o == e.stem)) {
        for (at, interp) in interpreters.iter().enumerate() {
            let edge = at == 0 || at + 1 == interpreters.len();
            for (which, compiler) in compilers.iter().enumerate() {
                if every_compiler || edge || at % compilers.len() == which {
                    jobs.push((ext, compiler, interp));
                }
            }
        }
    }
    // Two at a time, as the self-test runs (each job is compile-bound or runs one interpreter).
    let results = capi_compat::build::parallel::map(
        &jobs,
        2,
        |(ext, c, i)| format!("{} {} {}", ext.stem, i.label, c.family),
        |(ext, c, i)| build_and_check(c, i, &header_dir, ext),
        |(ext, c, i), r| {
            let outcome = match r {
                Ok(skips) if skips.is_empty() => "ok".to_string(),
                Ok(skips) => format!("ok, {} SKIPPED: {}", skips.len(), skips.join("; ")),
                Err(_) => "FAILED".to_string(),
            };
            format!("hpy {}: {} ({}): {outcome}", ext.stem, i.label, c.family)
        },
        &mut std::io::stderr(),
    );
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for ((ext, c, i), r) in jobs.iter().zip(results) {
        match r {
            Ok(skips) => skipped.extend(
                skips.into_iter().map(|s| format!("{} on {} ({}): {s}", ext.stem, i.label, c.family)),
            ),
            Err(e) => failures.push(format!("{} on {} ({}): {e}", ext.stem, i.label, c.family)),
        }
    }
    if !skipped.is_empty() {
        eprintln!(
            "HPy checks skipped (not passed) where the interpreter cannot run them:\n  {}",
            skipped.join("\n  ")
        );
    }
    assert!(failures.is_empty(), "HPy test extensions failed:\n{}", failures.join("\n\n"));
    std::fs::remove_dir_all(&header_dir).ok();
}

#[test]
fn gen_without_hpy_is_unchanged() {
    let spec = capi_compat::load_spec(None).unwrap();
    let plain = capi_compat::generate(&spec, FLOOR, None).unwrap();
    assert!(!plain.contains("HPy"), "the header without --hpy mentions HPy");

    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["gen", "--min", "3.10"])
        .output()
        .expect("run capi-compat gen");
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), plain, "gen without --hpy differs from generate()");

    // With --hpy, everything outside the HPy section (and the banner's command) is the same.
    let (with_hpy, wrappers) = capi_compat::hpy::generate(
        &spec,
        &capi_compat::hpy::load(&capi_compat::SpecSource::embedded()).unwrap(),
        FLOOR,
        None,
    )
    .unwrap();
    assert!(wrappers.skipped.is_empty(), "skipped: {:?}", wrappers.skipped);
    let start = with_hpy.find("\n/* ==== HPy ").expect("the HPy section");
    let end_marker = "/* ==== end of the HPy API layer ==== */";
    let end = with_hpy.find(end_marker).expect("the end of the HPy section") + end_marker.len();
    let stripped = format!("{}{}", &with_hpy[..start], &with_hpy[end..]).replace(" --hpy -o ", " -o ");
    assert_eq!(stripped, plain);
}

#[test]
fn section_has_every_handle_and_one_to_one_wrapper() {
    let spec = capi_compat::load_spec(None).unwrap();
    let (header, wrappers) = capi_compat::hpy::generate(
        &spec,
        &capi_compat::hpy::load(&capi_compat::SpecSource::embedded()).unwrap(),
        FLOOR,
        None,
    )
    .unwrap();
    let hpy = capi_compat::hpy::load(&capi_compat::SpecSource::embedded()).unwrap();
    let fields: Vec<&str> = header
        .lines()
        .filter_map(|l| l.trim().strip_prefix("HPy h_"))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let expected: Vec<&str> = hpy.handles.iter().map(|h| h.name.strip_prefix("h_").unwrap()).collect();
    assert_eq!(fields, expected, "HPyContext fields are not context.yaml's handles in order");
    for (name, _) in &wrappers.generated {
        let declared =
            [" ", " *"].iter().any(|before| header.contains(&format!("{before}{name}(HPyContext *ctx")));
        assert!(declared, "{name} missing");
    }
    let replaced = hpy.customs.iter().filter(|c| c.replaces_wrapper.is_some()).count();
    assert_eq!(
        wrappers.generated.len() + replaced,
        127,
        "119 one-to-one entries of 0.9 and 8 after, generated or replaced"
    );
}

#[test]
fn section_has_every_custom_entry_after_the_wrappers() {
    let spec = capi_compat::load_spec(None).unwrap();
    let (header, _) = capi_compat::hpy::generate(
        &spec,
        &capi_compat::hpy::load(&capi_compat::SpecSource::embedded()).unwrap(),
        FLOOR,
        None,
    )
    .unwrap();
    let hpy = capi_compat::hpy::load(&capi_compat::SpecSource::embedded()).unwrap();
    let customs = capi_compat::hpy::customs(&hpy);
    assert_eq!(customs.len(), hpy.customs.len(), "a custom.yaml entry was not emitted");
    assert!(customs.len() >= 29, "only {} custom entries", customs.len());
    let last_wrapper = header.find("/* Custom entries: ").expect("the custom entries comment");
    let mut previous = last_wrapper;
    for (name, code) in &customs {
        let at = header.find(code.as_str()).unwrap_or_else(|| panic!("{name} missing"));
        if let Some(f) = hpy.functions.iter().find(|f| &f.name == name) {
            let replaces = hpy.customs.iter().any(|c| &c.name == name && c.replaces_wrapper.is_some());
            assert!(f.custom || replaces, "{name} is not custom in api.yaml and replaces no wrapper");
            assert!(code.starts_with(&format!("static inline {} {{", f.signature)), "{name}: {code}");
        } else {
            assert!(code.contains(name.as_str()), "the code of {name} does not mention it: {code}");
        }
        assert!(at > previous, "{name} is out of custom.yaml order or before the wrappers");
        previous = at;
    }
}

/// `coverage --hpy` compiles a probe of every public HPy 0.9 name against the header: all 573
/// must be provided (names.rs says which they are; a dropped one fails here), and apart, the 13
/// names HPy's main branch added after 0.9.
#[test]
fn every_public_hpy_name_is_provided() {
    let dir = workdir("coverage");
    let json = dir.join("hpy-coverage.json");
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["coverage", "--hpy", "--json"])
        .arg(&json)
        .output()
        .expect("run capi-compat coverage --hpy");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "coverage --hpy failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let all = capi_compat::hpy::names::public_names(&capi_compat::SpecSource::embedded()).unwrap();
    let (later, names): (Vec<_>, Vec<_>) = all.iter().partition(|n| n.after_0_9);
    assert_eq!(report["total"], names.len(), "{stdout}");
    assert_eq!(names.len(), 573);
    assert_eq!(report["missing"].as_array().map(Vec::len), Some(0), "missing names:\n{stdout}");
    assert_eq!(report["provided"], names.len());
    // HPy's main branch after 0.9: its 13 public names, all provided, counted apart.
    assert_eq!(later.len(), 13);
    assert_eq!(report["after_0_9"]["total"], later.len(), "{stdout}");
    assert_eq!(report["after_0_9"]["provided"], later.len(), "missing after 0.9:\n{stdout}");
    assert!(
        stdout.contains("HPy after 0.9 (its main branch): 13 of 13 names provided, 0 missing"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `hpy.h` refuses HPy's other ABIs by name, rather than compiling into something else.
#[test]
fn hpy_h_refuses_the_universal_and_hybrid_abis() {
    let dir = workdir("abi");
    common::gen_hpy_header(&dir);
    let interp = interpreters::discover()
        .into_iter()
        .find(|i| i.implementation == Implementation::CPython && i.supported())
        .expect("a supported CPython");
    let compiler = compiler::available().into_iter().next().expect("a C compiler");
    let source = dir.join("abi.c");
    std::fs::write(&source, "#include \"hpy.h\"\n").unwrap();
    for abi in ["HPY_ABI_UNIVERSAL", "HPY_ABI_HYBRID"] {
        let output = compiler
            .command(Standard::C11)
            .arg("-fsyntax-only")
            .arg(format!("-D{abi}"))
            .arg(format!("-I{}", dir.display()))
            .args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())))
            .arg(&source)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "-D{abi} compiled");
        assert!(stderr.contains("capi-compat's HPy layer is HPy's CPython ABI only"), "{stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `coverage --hpy --python TEXT` that matches no interpreter is a usage error (exit 2) that
/// says what to look at.
#[test]
fn coverage_hpy_with_an_unknown_python_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["coverage", "--hpy", "--python", "no-such-python-anywhere"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no supported CPython release build matches `no-such-python-anywhere`"),
        "{stderr}"
    );
}

/// One extension to build with the sanitizers and the command line that checks it.
struct SanitizedJob<'a> {
    name: String,
    sources: &'a [PathBuf],
    defines: Vec<&'static str>,
    args: Vec<String>,
    interp: &'a Interpreter,
}

/// Builds one HPy extension with the sanitizers (gcc or the first compiler) and runs `args`
/// under the interpreter with the runtime preloaded: it must pass, and no sanitizer may report.
fn sanitized_check(
    build: &capi_compat::selftest::sanitizer::SanitizedBuild,
    compiler: &compiler::Compiler,
    header_dir: &Path,
    job: &SanitizedJob,
) -> Result<(), String> {
    use capi_compat::selftest::sanitizer;
    let SanitizedJob { name, sources, defines, args, interp } = job;
    let dir = workdir(&format!("sanitize-{name}-{}", interp.label));
    let mut c = compiler.command(Standard::C99);
    c.args(interpreter::python_h_waivers(compiler, Standard::C99, interp, &dir));
    c.args(&build.compile_flags).args(["-Wno-error", "-shared", "-fPIC"]).args(defines);
    c.arg(format!("-I{}", header_dir.display()));
    c.args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display()))).args(*sources);
    run(c.arg("-o").arg(dir.join(format!("{name}{}", interp.ext_suffix))))
        .map_err(|e| format!("sanitized build: {e}"))?;
    let log_dir = dir.join("sanitizer-log");
    let mut py = Command::new(&interp.path);
    build.configure(&mut py, &log_dir, interp.debug).map_err(|e| e.to_string())?;
    py.args(args).env("PYTHONPATH", &dir).current_dir(common::repo_root());
    let output = py.output().map_err(|e| format!("cannot run {}: {e}", interp.path.display()))?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let mut reports = sanitizer::reports(&log_dir);
    if sanitizer::is_error_report(&stderr) {
        reports.push(stderr.clone());
    }
    if !output.status.success() || !reports.is_empty() {
        let shown: Vec<String> = reports.iter().map(|r| sanitizer::digest(r)).collect();
        return Err(format!(
            "{} under the sanitizers:\n{}\n{}{stderr}",
            if output.status.success() { "passed but reported" } else { "failed" },
            shown.join("\n"),
            String::from_utf8_lossy(&output.stdout)
        ));
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// Every test extension of tests/c/hpy and the HPy example (tests/c/hpy-example), built with
/// -fsanitize=address,undefined, pass their checks with no sanitizer report on one release
/// CPython of each minor version found (3.10-3.15 on the project's machines).
#[test]
fn test_extensions_run_clean_under_the_sanitizers() {
    use capi_compat::selftest::sanitizer::{SanitizedBuild, Sanitizer};
    let header_dir = workdir("sanitize-header");
    common::gen_hpy_header(&header_dir);
    let compiler = compiler::available().into_iter().next().expect("no C compiler found");
    let sanitizer = Sanitizer::parse("address,undefined").expect("the default sanitizers");
    let build =
        SanitizedBuild::new(sanitizer, &compiler).unwrap_or_else(|e| panic!("--sanitize cannot run: {e}"));
    let mut per_minor: std::collections::BTreeMap<PyVersion, Interpreter> = std::collections::BTreeMap::new();
    for interp in interpreters::discover() {
        if interp.supported() && interp.implementation == Implementation::CPython && !interp.debug {
            per_minor.entry(interp.series()).or_insert(interp);
        }
    }
    assert!(!per_minor.is_empty(), "no release CPython 3.10+ found: the HPy layer ran under no sanitizer");
    let example_dir = common::repo_root().join("tests/c/hpy-example");
    let example = [example_dir.join("_hpy_example.c")];
    let extensions = test_extensions();
    let mut jobs: Vec<SanitizedJob> = Vec::new();
    for interp in per_minor.values() {
        for ext in &extensions {
            let args = vec![ext.check.display().to_string()];
            let name = format!("_hpy_{}", ext.stem);
            jobs.push(SanitizedJob { name, sources: &ext.sources, defines: vec![], args, interp });
        }
        let args = ["-m", "unittest", "discover", "-s", "tests/c/hpy-example"].map(String::from).to_vec();
        let defines = vec!["-DHPY", "-DHPY_ABI_CPYTHON"];
        jobs.push(SanitizedJob { name: "_hpy_example".into(), sources: &example, defines, args, interp });
    }
    let results = capi_compat::build::parallel::map(
        &jobs,
        2,
        |job| format!("{} {}", job.name, job.interp.label),
        |job| sanitized_check(&build, &compiler, &header_dir, job),
        |job, r| {
            let outcome = if r.is_ok() { "ok" } else { "FAILED" };
            format!("hpy {} under the sanitizers: {}: {outcome}", job.name, job.interp.label)
        },
        &mut std::io::stderr(),
    );
    let failures: Vec<String> = jobs
        .iter()
        .zip(results)
        .filter_map(|(job, r)| r.err().map(|e| format!("{} on {}: {e}", job.name, job.interp.label)))
        .collect();
    assert!(failures.is_empty(), "HPy extensions under the sanitizers:\n{}", failures.join("\n\n"));
    eprintln!(
        "HPy under ASan+UBSan ({}): {} extensions x {} interpreters clean",
        compiler.family,
        extensions.len() + 1,
        per_minor.len()
    );
    std::fs::remove_dir_all(&header_dir).ok();
}
