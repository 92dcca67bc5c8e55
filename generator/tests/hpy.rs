//! `gen --hpy`: the HPy layer compiles and works on every CPython found, and leaves the
//! output without `--hpy` unchanged.
//!
//! `tests/c/hpy/_hpy_smoke.c` is built against each supported CPython as C99 (`-O2`, a real
//! extension) and checked as C++11 (`-fsyntax-only`) with the project's warnings, imported
//! there, and `tests/c/hpy/check_smoke.py` is run with it.

mod common;

use capi_compat::compiler::{self, Standard};
use capi_compat::pythons::{self, Implementation, Interpreter};
use capi_compat::version::PyVersion;
use std::path::{Path, PathBuf};
use std::process::Command;

const FLOOR: PyVersion = PyVersion::release(3, 10);

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capi-compat-hpy-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary's `gen --hpy -o DIR/capi_compat.h`.
fn gen_hpy(dir: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["gen", "--hpy", "-o"])
        .arg(dir.join("capi_compat.h"))
        .output()
        .expect("run capi-compat gen --hpy");
    assert!(output.status.success(), "gen --hpy failed:\n{}", String::from_utf8_lossy(&output.stderr));
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let output = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Python.h of 3.10 spells NULL as 0 for clang++; that warning is then switched off (only
/// when Python.h alone trips it), as the self-test does.
fn python_h_needs_null_waiver(compiler: &compiler::Compiler, interp: &Interpreter, dir: &Path) -> bool {
    let probe = dir.join("probe.cc");
    std::fs::write(&probe, "#include <Python.h>\n").unwrap();
    let mut cmd = compiler.command(Standard::Cxx11);
    cmd.arg("-fsyntax-only")
        .args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())))
        .arg(&probe);
    run(&mut cmd).is_err()
}

/// Builds, imports and checks the smoke extension under one interpreter.
fn smoke(compiler: &compiler::Compiler, interp: &Interpreter, header_dir: &Path) -> Result<(), String> {
    let root = common::repo_root();
    let source = root.join("tests/c/hpy/_hpy_smoke.c");
    let dir = workdir(&format!("{}-{}", compiler.family, interp.label));
    let includes: Vec<String> = std::iter::once(header_dir.to_path_buf())
        .chain(interp.include_dirs.iter().cloned())
        .map(|d| format!("-I{}", d.display()))
        .collect();

    let mut cxx = compiler.command(Standard::Cxx11);
    if python_h_needs_null_waiver(compiler, interp, &dir) {
        cxx.arg("-Wno-zero-as-null-pointer-constant");
    }
    run(cxx.arg("-fsyntax-only").args(&includes).arg(&source)).map_err(|e| format!("C++11: {e}"))?;

    let module = dir.join(format!("_hpy_smoke{}", interp.ext_suffix));
    let mut c = compiler.command(Standard::C99);
    c.args(["-O2", "-shared", "-fPIC"]).args(&includes).arg(&source).arg("-o").arg(&module);
    run(&mut c).map_err(|e| format!("C99 build: {e}"))?;

    let mut py = Command::new(&interp.path);
    py.arg(root.join("tests/c/hpy/check_smoke.py")).env("PYTHONPATH", &dir);
    run(&mut py).map_err(|e| format!("import and check: {e}"))?;
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

#[test]
fn smoke_extension_works_on_every_cpython() {
    let header_dir = workdir("header");
    gen_hpy(&header_dir);
    let hpy_h = std::fs::read_to_string(header_dir.join("hpy.h")).expect("gen --hpy writes hpy.h");
    assert!(hpy_h.contains("#include \"capi_compat.h\""), "{hpy_h}");

    let compilers = compiler::available();
    assert!(!compilers.is_empty(), "no C compiler found");
    let interpreters: Vec<Interpreter> = pythons::discover()
        .into_iter()
        .filter(|i| i.implementation == Implementation::CPython && i.supported())
        .collect();
    assert!(
        !interpreters.is_empty(),
        "no supported CPython (3.10 or newer, with headers) was found: the HPy smoke test ran nowhere"
    );
    let mut failures = Vec::new();
    for compiler in &compilers {
        for interp in &interpreters {
            match smoke(compiler, interp, &header_dir) {
                Ok(()) => eprintln!("hpy smoke: {} ({}): ok", interp.label, compiler.family),
                Err(e) => failures.push(format!("{} ({}): {e}", interp.label, compiler.family)),
            }
        }
    }
    assert!(failures.is_empty(), "HPy smoke test failed on:\n{}", failures.join("\n\n"));
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
    let (with_hpy, wrappers) = capi_compat::hpy::generate(&spec, FLOOR, None).unwrap();
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
    let (header, wrappers) = capi_compat::hpy::generate(&spec, FLOOR, None).unwrap();
    let hpy = capi_compat::hpy::load().unwrap();
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
    assert_eq!(wrappers.generated.len(), 119);
}

#[test]
fn section_has_every_custom_entry_after_the_wrappers() {
    let spec = capi_compat::load_spec(None).unwrap();
    let (header, _) = capi_compat::hpy::generate(&spec, FLOOR, None).unwrap();
    let hpy = capi_compat::hpy::load().unwrap();
    let customs = capi_compat::hpy::customs(&hpy);
    assert_eq!(customs.len(), hpy.customs.len(), "a custom.yaml entry was not emitted");
    assert!(customs.len() >= 29, "only {} custom entries", customs.len());
    let last_wrapper = header.find("/* Custom entries: ").expect("the custom entries comment");
    let mut previous = last_wrapper;
    for (name, code) in &customs {
        let f = hpy.functions.iter().find(|f| &f.name == name).unwrap();
        assert!(f.custom, "{name} is not custom in api.yaml");
        let at = header.find(code.as_str()).unwrap_or_else(|| panic!("{name} missing"));
        assert!(code.starts_with(&format!("static inline {} {{", f.signature)), "{name}: {code}");
        assert!(at > previous, "{name} is out of custom.yaml order or before the wrappers");
        previous = at;
    }
}
