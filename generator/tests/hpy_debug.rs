//! The HPy debug mode (`-DCAPI_COMPAT_HPY_DEBUG`) catches each misuse, with the file and line
//! of the calls involved, and says nothing about correct code.
//!
//! `tests/c/hpy/debug/_hpy_misuse.c` is built in debug mode against every supported
//! interpreter; each scenario runs in a fresh process. The lines to expect are the ones marked
//! `SITE: <scenario> <role>` in the source.

mod common;

use capi_compat::build::compiler::{self, Standard};
use capi_compat::interpreters::{self, Interpreter};
use capi_compat::selftest::interpreter;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Scenario {
    name: &'static str,
    /// The Python code that triggers it (`m` is the module).
    code: &'static str,
    /// A fatal misuse kills the process; a leak is reported and the call returns normally.
    fatal: bool,
    /// The report, up to its first site.
    message: &'static str,
    /// The `SITE:` roles whose lines the report must name, in this order.
    sites: &'static [&'static str],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "use_after_close",
        code: "m.misuse('use_after_close')",
        fatal: true,
        message: "capi-compat HPy debug: use of a closed handle at ",
        sites: &["used", "opened", "closed"],
    },
    Scenario {
        name: "double_close",
        code: "m.misuse('double_close')",
        fatal: true,
        message: "capi-compat HPy debug: HPy_Close of a closed handle (closed twice) at ",
        sites: &["used", "opened", "closed"],
    },
    Scenario {
        name: "close_constant",
        code: "m.misuse('close_constant')",
        fatal: true,
        message: "capi-compat HPy debug: HPy_Close of a context constant (ctx->h_...; HPy_Dup it first) at ",
        sites: &["used"],
    },
    Scenario {
        name: "leak_outside_call",
        code: "m.misuse('leak_outside_call')",
        fatal: false,
        message: "capi-compat HPy debug: leaked handle to str opened at ",
        sites: &["opened"],
    },
    Scenario {
        name: "builder_after_build",
        code: "m.misuse('builder_after_build')",
        fatal: true,
        message: "capi-compat HPy debug: builder used after Build or Cancel at ",
        sites: &["used", "opened", "closed"],
    },
    Scenario {
        name: "builder_out_of_range",
        code: "m.misuse('builder_out_of_range')",
        fatal: true,
        message: "capi-compat HPy debug: builder Set with an index out of range at ",
        sites: &["used", "opened"],
    },
    Scenario {
        name: "builder_leak",
        code: "m.misuse('builder_leak')",
        fatal: false,
        message: "capi-compat HPy debug: leaked builder to list opened at ",
        sites: &["opened"],
    },
    Scenario {
        name: "leak_in_call",
        // 1 (the call's result) times the count of leaks reported so far (1).
        code: "m.leak_in_call(object()) * m.misuse('leaks')",
        fatal: false,
        message: "capi-compat HPy debug: leaked handle to object opened at ",
        sites: &["opened"],
    },
    Scenario {
        name: "return_constant",
        code: "m.return_constant(0)",
        fatal: true,
        message: "capi-compat HPy debug: return_constant_impl returned a context constant without HPy_Dup",
        sites: &[],
    },
    Scenario {
        name: "return_argument",
        code: "m.return_argument(0)",
        fatal: true,
        message: "capi-compat HPy debug: return_argument_impl returned an argument handle without HPy_Dup",
        sites: &[],
    },
    Scenario {
        name: "close_argument",
        code: "m.close_argument(0)",
        fatal: true,
        message: "capi-compat HPy debug: HPy_Close of an argument handle (the caller owns it) at ",
        sites: &["used"],
    },
    Scenario {
        name: "keep_argument",
        code: "m.keep_argument(1) or m.keep_argument(2)",
        fatal: true,
        message: "capi-compat HPy debug: use of a closed handle at ",
        sites: &["used"],
    },
];

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capi-compat-hpy-debug-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The line of `SITE: <scenario> <role>` in the source.
fn site_line(source: &str, scenario: &str, role: &str) -> usize {
    let marker = format!("SITE: {scenario} {role} ");
    source
        .lines()
        .position(|l| l.contains(&marker))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no `{marker}` in _hpy_misuse.c"))
}

fn build(
    compiler: &compiler::Compiler,
    interp: &Interpreter,
    header_dir: &Path,
    source: &Path,
) -> Result<PathBuf, String> {
    let dir = workdir(&interp.label);
    let mut c = compiler.command(Standard::C11);
    c.args(interpreter::python_h_waivers(compiler, Standard::C11, interp, &dir));
    c.args(["-O2", "-shared", "-fPIC", "-DCAPI_COMPAT_HPY_DEBUG"]).arg(format!("-I{}", header_dir.display()));
    c.args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())));
    c.arg(source).arg("-o").arg(dir.join(format!("_hpy_misuse{}", interp.ext_suffix)));
    let out = c.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("build failed:\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(dir)
}

fn run_scenario(interp: &Interpreter, dir: &Path, code: &str) -> std::process::Output {
    Command::new(&interp.path)
        .args(["-c", &format!("import _hpy_misuse as m; print({code})")])
        .env("PYTHONPATH", dir)
        .output()
        .expect("run the interpreter")
}

fn check_interpreter(
    compiler: &compiler::Compiler,
    interp: &Interpreter,
    header_dir: &Path,
    source_path: &Path,
    source: &str,
) -> Vec<String> {
    let dir = match build(compiler, interp, header_dir, source_path) {
        Ok(dir) => dir,
        Err(e) => return vec![e],
    };
    let file = source_path.display().to_string();
    let mut failures = Vec::new();
    for s in SCENARIOS {
        let out = run_scenario(interp, &dir, s.code);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut expected = s.message.to_string();
        let sites: Vec<String> =
            s.sites.iter().map(|role| format!("{file}:{}", site_line(source, s.name, role))).collect();
        expected.push_str(sites.first().map_or("", |s| s.as_str()));
        let mut problems = Vec::new();
        if !stderr.contains(&expected) {
            problems.push(format!("no `{expected}`"));
        }
        for site in sites.iter().skip(1) {
            if !stderr.contains(site.as_str()) {
                problems.push(format!("does not name {site}"));
            }
        }
        if s.fatal && out.status.success() {
            problems.push("the process survived a fatal misuse".into());
        }
        if !s.fatal && (!out.status.success() || stdout.trim() != "1") {
            problems.push(format!(
                "expected the call to return 1 (one leak), got status {} and {stdout:?}",
                out.status
            ));
        }
        if !problems.is_empty() {
            failures.push(format!("{} {}: {}\nstderr:\n{stderr}", interp.label, s.name, problems.join("; ")));
        }
    }
    for (code, expected) in [("m.misuse('correct')", "0"), ("m.correct_call(41)", "42")] {
        let out = run_scenario(interp, &dir, code);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success()
            || String::from_utf8_lossy(&out.stdout).trim() != expected
            || !stderr.is_empty()
        {
            failures.push(format!("{} {code}: status {}, stderr:\n{stderr}", interp.label, out.status));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    failures
}

#[test]
fn debug_mode_reports_each_misuse_with_its_sites() {
    let header_dir = workdir("header");
    common::gen_hpy_header(&header_dir);
    let source_path = common::repo_root().join("tests/c/hpy/debug/_hpy_misuse.c");
    let source = std::fs::read_to_string(&source_path).unwrap();
    let compiler = compiler::available().into_iter().next().expect("a C compiler");
    let interpreters: Vec<Interpreter> =
        interpreters::discover().into_iter().filter(|i| i.supported()).collect();
    assert!(!interpreters.is_empty(), "no supported interpreter found: the debug-mode test ran nowhere");
    let failures: Vec<String> = interpreters
        .iter()
        .flat_map(|i| check_interpreter(&compiler, i, &header_dir, &source_path, &source))
        .collect();
    assert!(failures.is_empty(), "debug mode:\n{}", failures.join("\n\n"));
    std::fs::remove_dir_all(&header_dir).ok();
}
