//! capi_compat.h as a drop-in successor to pythoncapi-compat's header.
//!
//! `tests/c/pythoncapi-compat/_pcc_names.c` uses every name pythoncapi_compat.h defines for a
//! 3.10 floor (`names.tsv`, with its source); it is built with our header as C11 and C++17,
//! with gcc and clang, under the project's warning flags, on every interpreter (CPython and
//! PyPy), imported, and `check_pcc_names.py` runs its checks. The other tests prove the claims
//! around it fail when wrong: a name provided only from 3.12 used on 3.11, a header whose floor
//! is above the Python, a printf-like backport without its format attribute, a `pypy:` claim
//! PyPy's headers contradict.

mod common;

use capi_compat::build::compiler::{self, Compiler, Standard};
use capi_compat::interpreters::{self, Implementation, Interpreter};
use capi_compat::selftest::interpreter;
use capi_compat::spec::version::PyVersion;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pcc_dir() -> PathBuf {
    common::repo_root().join("tests/c/pythoncapi-compat")
}

fn run(cmd: &mut Command) -> Result<Output, String> {
    let output = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// `capi-compat ARGS`, which must succeed.
fn capi_compat(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat")).args(args).output().expect("runs");
    assert!(
        output.status.success(),
        "capi-compat {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Writes `gen --min FLOOR` into `dir/capi_compat.h`.
fn gen_header(dir: &Path, floor: &str) {
    let out = dir.join("capi_compat.h");
    capi_compat(&["gen", "--min", floor, "-o", out.to_str().unwrap()]);
}

fn supported_interpreters() -> Vec<Interpreter> {
    interpreters::discover().into_iter().filter(|i| i.supported()).collect()
}

/// The first supported interpreter of a CPython series (release build), if installed.
fn cpython(series: PyVersion) -> Option<Interpreter> {
    supported_interpreters()
        .into_iter()
        .find(|i| i.implementation == Implementation::CPython && i.series() == series && !i.debug)
}

/// (name, status) rows of names.tsv.
fn names() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(pcc_dir().join("names.tsv")).expect("names.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "names.tsv: name, kind, pythoncapi-compat, capi_compat.h: {l}");
            (cols[0].to_string(), cols[3].to_string())
        })
        .collect()
}

fn uses_word(source: &str, word: &str) -> bool {
    source.match_indices(word).any(|(i, _)| {
        let before = source[..i].chars().next_back();
        let after = source[i + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

#[test]
fn the_module_uses_every_listed_name_and_the_header_emits_none_of_the_refused() {
    let source = std::fs::read_to_string(pcc_dir().join("_pcc_names.c")).expect("_pcc_names.c");
    let rows = names();
    assert!(rows.len() > 170, "names.tsv lists {} names", rows.len());
    let dir = common::TempDir::new("pcc-names");
    gen_header(dir.path(), "3.10");
    let header = std::fs::read_to_string(dir.path().join("capi_compat.h")).unwrap();
    for (name, status) in &rows {
        if status.starts_with("not offered") {
            assert!(!uses_word(&header, name), "the header defines {name}, listed as not offered");
        } else {
            assert!(uses_word(&source, name), "_pcc_names.c does not use {name} ({status})");
        }
    }
    // pythoncapi-compat's inventions only behind the switch
    for name in ["_PyFrame_GetCodeBorrow", "_PyFrame_GetBackBorrow", "_PyThreadState_GetFrameBorrow"] {
        let at = header.find(&format!("#define {name} ")).unwrap_or_else(|| panic!("{name} is not emitted"));
        let guard = header[..at].rfind("#if ").expect("a guard");
        assert!(
            header[guard..at].lines().next().unwrap().contains("defined(CAPI_COMPAT_PYTHONCAPI_COMPAT)"),
            "{name} is emitted without the switch"
        );
    }
}

fn build_and_run(
    compiler: &Compiler,
    std: Standard,
    interp: &Interpreter,
    header_dir: &Path,
) -> Result<(), String> {
    let dir = common::TempDir::new(&format!("pcc-{}-{}-{}", compiler.family, std.name(), interp.label));
    let module = dir.path().join(format!("_pcc_names{}", interp.ext_suffix));
    let mut cmd = compiler.command(std);
    // Warnings Python.h itself triggers are switched off, as the self-test does; ours never.
    cmd.args(interpreter::python_h_waivers(compiler, std, interp, dir.path()));
    cmd.args(["-O2", "-shared", "-fPIC"])
        .arg(format!("-I{}", header_dir.display()))
        .arg(format!("-I{}", common::repo_root().join("tests/c").display()))
        .args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())));
    cmd.arg(pcc_dir().join("_pcc_names.c")).arg("-o").arg(&module);
    run(&mut cmd).map_err(|e| format!("{} build: {e}", std.name()))?;
    let out = run(Command::new(&interp.path)
        .arg(pcc_dir().join("check_pcc_names.py"))
        .env("PYTHONPATH", dir.path()))
    .map_err(|e| format!("{} run: {e}", std.name()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("14 groups passed") {
        return Err(format!("{}: unexpected output {stdout}", std.name()));
    }
    Ok(())
}

#[test]
fn code_written_for_pythoncapi_compat_builds_and_passes_on_every_interpreter() {
    let header_dir = common::TempDir::new("pcc-header");
    gen_header(header_dir.path(), "3.10");
    let interpreters = supported_interpreters();
    assert!(
        interpreters.iter().any(|i| i.implementation == Implementation::CPython),
        "no supported CPython found: the pythoncapi-compat module ran nowhere"
    );
    let compilers = compiler::available();
    assert!(!compilers.is_empty(), "no C compiler found");
    let mut jobs = Vec::new();
    for interp in &interpreters {
        for c in &compilers {
            for std in [Standard::C11, Standard::Cxx17] {
                jobs.push((c, std, interp));
            }
        }
    }
    let results = capi_compat::build::parallel::map(
        &jobs,
        2,
        |(c, s, i)| format!("{} {} {}", i.label, c.family, s.name()),
        |(c, s, i)| build_and_run(c, *s, i, header_dir.path()),
        |(c, s, i), r| {
            format!("pcc {} {} {}: {}", i.label, c.family, s.name(), if r.is_ok() { "ok" } else { "FAILED" })
        },
        &mut std::io::stderr(),
    );
    let failures: Vec<String> = jobs
        .iter()
        .zip(results)
        .filter_map(|((c, s, i), r)| r.err().map(|e| format!("{} ({} {}): {e}", i.label, c.family, s.name())))
        .collect();
    assert!(failures.is_empty(), "the pythoncapi-compat module failed:\n{}", failures.join("\n\n"));
}

/// Compiles `code` (after Python.h and the header in `header_dir`) as C11, syntax only.
fn compile(interp: &Interpreter, header_dir: &Path, code: &str, extra: &[&str]) -> Output {
    let dir = common::TempDir::new("pcc-unit");
    let unit = dir.write("unit.c", &format!("#include <Python.h>\n#include \"capi_compat.h\"\n{code}"));
    let compiler = &compiler::available()[0];
    let mut cmd = compiler.command(Standard::C11);
    cmd.args(interpreter::python_h_waivers(compiler, Standard::C11, interp, dir.path()));
    cmd.arg("-fsyntax-only")
        .args(extra)
        .arg(format!("-I{}", header_dir.display()))
        .args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())))
        .arg(unit);
    cmd.output().expect("the compiler runs")
}

const USES_SET_IMMORTAL: &str = "int use(PyObject *op) { return PyUnstable_SetImmortal(op); }\n";

#[test]
fn a_name_provided_from_3_12_stops_the_build_below_with_the_reason() {
    let header_dir = common::TempDir::new("pcc-range");
    gen_header(header_dir.path(), "3.10");
    let mut checked = 0;
    for series in [PyVersion::release(3, 10), PyVersion::release(3, 11)] {
        let Some(interp) = cpython(series) else { continue };
        let out = compile(&interp, header_dir.path(), USES_SET_IMMORTAL, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "PyUnstable_SetImmortal compiled on {}", interp.label);
        assert!(
            stderr.contains("PyUnstable_SetImmortal needs CPython 3.12 or newer"),
            "{}: the error does not give the reason:\n{stderr}",
            interp.label
        );
        checked += 1;
    }
    let Some(interp312) = cpython(PyVersion::release(3, 12)) else {
        panic!("CPython 3.12 is required: the per-range claim is proven on 3.12 (and refused on 3.10/3.11)")
    };
    let out = compile(&interp312, header_dir.path(), USES_SET_IMMORTAL, &["-Wall", "-Werror"]);
    assert!(out.status.success(), "3.12: {}", String::from_utf8_lossy(&out.stderr));
    assert!(checked > 0, "neither CPython 3.10 nor 3.11 was found: the refusal was never checked");
}

#[test]
fn below_the_floor_the_header_says_one_thing_only() {
    let Some(interp) = cpython(PyVersion::release(3, 10)) else {
        panic!("CPython 3.10 is required for this test")
    };
    let header_dir = common::TempDir::new("pcc-floor");
    gen_header(header_dir.path(), "3.13");
    let out = compile(&interp, header_dir.path(), "", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let errors: Vec<&str> =
        stderr.lines().filter(|l| l.contains(": error:") || l.contains(": fatal error:")).collect();
    assert_eq!(errors.len(), 1, "expected only the floor's #error:\n{stderr}");
    assert!(errors[0].contains("generated with --min 3.13"), "{stderr}");
}

#[test]
fn a_printf_like_backport_has_its_format_checked() {
    let Some(interp) = cpython(PyVersion::release(3, 10)) else {
        panic!("CPython 3.10 is required for this test")
    };
    let header_dir = common::TempDir::new("pcc-printf");
    gen_header(header_dir.path(), "3.10");
    let call = |args: &str| {
        format!("int use(PyBytesWriter *w, const char *s) {{ (void)s; return PyBytesWriter_Format(w, {args}); }}\n")
    };
    let flags = ["-Wformat=2", "-Wformat-nonliteral", "-Werror"];
    let good = compile(&interp, header_dir.path(), &call("\"%s\", s"), &flags);
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
    // the backport carries format(printf, 2, 3): a mismatched argument is caught
    let bad = compile(&interp, header_dir.path(), &call("\"%d\", s"), &flags);
    assert!(!bad.status.success(), "a %d given a char * compiled: no format attribute");
}

#[test]
fn a_wrong_pypy_claim_fails_the_pypy_probe() {
    let Some(pypy) = supported_interpreters().into_iter().find(|i| i.implementation == Implementation::PyPy)
    else {
        panic!("PyPy is required for this test (scripts/provision-pythons.sh provisions it)")
    };
    // Py_IsTrue is backfilled: claim PyPy has it natively, which its headers contradict.
    let spec = common::TempDir::new("pcc-pypy-claim");
    for entry in std::fs::read_dir(common::repo_root().join("spec")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let mut text = std::fs::read_to_string(&path).unwrap();
            if path.file_name().is_some_and(|n| n == "object.yaml") {
                let start = text.find("  - name: Py_IsTrue\n").expect("Py_IsTrue in object.yaml");
                let at = start + text[start..].find("    pypy: backfill\n").expect("its pypy claim");
                text.replace_range(at..at + "    pypy: backfill\n".len(), "    pypy: \"7.3.0\"\n");
            }
            std::fs::write(spec.path().join(path.file_name().unwrap()), text).unwrap();
        }
    }
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["test", "--python", &pypy.label, "--only", "Py_IsTrue", "--spec"])
        .arg(spec.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "a wrong PyPy claim passed:\n{stdout}");
    assert!(
        stdout.contains("does not declare `Py_IsTrue`, but the spec says `pypy: native since 7.3.0`"),
        "the PyPy probe does not name the wrong claim:\n{stdout}"
    );
}

const USES_INVENTION: &str = "PyCodeObject *use(PyFrameObject *f) { return _PyFrame_GetCodeBorrow(f); }\n";

#[test]
fn gen_pythoncapi_compat_offers_the_inventions_without_the_define() {
    let Some(interp) = cpython(PyVersion::release(3, 10)) else {
        panic!("CPython 3.10 is required for this test")
    };
    let flags = ["-Wall", "-Werror"];
    let plain = common::TempDir::new("pcc-switch-plain");
    gen_header(plain.path(), "3.10");
    // without the flag: only behind the define
    let out = compile(&interp, plain.path(), USES_INVENTION, &flags);
    assert!(!out.status.success(), "_PyFrame_GetCodeBorrow compiled without the switch");
    let defined = compile(
        &interp,
        plain.path(),
        USES_INVENTION,
        &["-DCAPI_COMPAT_PYTHONCAPI_COMPAT", "-Wall", "-Werror"],
    );
    assert!(defined.status.success(), "with the define: {}", String::from_utf8_lossy(&defined.stderr));
    // with the flag: without the define, and the banner's command regenerates the same header
    let flagged = common::TempDir::new("pcc-switch-flag");
    let header = flagged.path().join("capi_compat.h");
    capi_compat(&["gen", "--pythoncapi-compat", "-o", header.to_str().unwrap()]);
    let out = compile(&interp, flagged.path(), USES_INVENTION, &flags);
    assert!(out.status.success(), "with --pythoncapi-compat: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&header).unwrap();
    assert!(
        text.contains("regenerate with `capi-compat gen --min 3.10 --pythoncapi-compat -o capi_compat.h`")
    );
    let check = capi_compat(&["check", header.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&check.stdout).contains("fresh"), "check does not follow the flag");
}
