//! `capi-compat matrix`: builds a user's extension against every interpreter with the
//! generated header, imports it there, and runs the user's test command under it.

use crate::build::cache::{sanitize, write_if_changed};
use crate::build::compiler::{compile_check, CompileCheck};
use crate::build::compiler::{Compiler, Standard};
use crate::build::process::run_captured;
use crate::digest::Fnv64;
use crate::interpreters::Interpreter;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TEST_TIMEOUT: Duration = Duration::from_secs(900);

pub struct UserMatrixOptions {
    pub header: String,
    /// With `--hpy`: the `hpy.h` written next to the header.
    pub hpy_h: Option<String>,
    pub module: String,
    pub sources: Vec<PathBuf>,
    pub include_dirs: Vec<PathBuf>,
    /// Extra compiler flags, appended after the project's warnings.
    pub cflags: Vec<String>,
    /// The user's test command; `python` or `python3` as its first word (or `{python}`
    /// anywhere) is replaced by the interpreter under test.
    pub test_command: Vec<String>,
    pub build_root: PathBuf,
    pub jobs: usize,
    /// C11, or C++17 when every source is C++ ([`sources_standard`]).
    pub standard: Standard,
}

/// Extensions of C++ sources (`.C` only in that case: `.c` is C).
const CXX_EXTENSIONS: &[&str] = &["cc", "cpp", "cxx", "c++", "C", "CC", "CPP", "CXX"];

fn is_cxx(source: &Path) -> bool {
    source.extension().and_then(|e| e.to_str()).is_some_and(|e| CXX_EXTENSIONS.contains(&e))
}

/// The language the sources are built as: C++ sources used to get `-std=c11` from the C
/// driver, which gcc refuses for C++ under `-Werror` (`-std=c11 is valid for C/ObjC but not
/// for C++`: HPy 0.9's `pofcpp.cpp`). One compiler command builds the module, so C and C++
/// sources together cannot be: the error says so.
pub fn sources_standard(sources: &[PathBuf]) -> Result<Standard, String> {
    let (cxx, c): (Vec<&PathBuf>, Vec<&PathBuf>) = sources.iter().partition(|s| is_cxx(s));
    match (cxx.first(), c.first()) {
        (Some(_), None) => Ok(Standard::Cxx17),
        (None, _) => Ok(Standard::C11),
        (Some(cxx), Some(c)) => Err(format!(
            "{} is C++ and {} is C: one module is built by one compiler command, in one language; \
             build C and C++ sources together as a project (`capi-compat matrix PROJECT_DIR`)",
            cxx.display(),
            c.display()
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Passed,
    Failed,
    /// An earlier step failed, or there is no test command.
    NotRun,
}

impl Step {
    fn label(&self) -> &'static str {
        match self {
            Step::Passed => "ok",
            Step::Failed => "FAIL",
            Step::NotRun => "-",
        }
    }
}

#[derive(Debug, Clone)]
pub struct UserReport {
    pub interpreter: Interpreter,
    pub build: Step,
    pub import: Step,
    pub test: Step,
    /// What went wrong (compiler output, traceback, the test command's output tail).
    pub details: String,
    pub seconds: f64,
    pub reused_build: bool,
}

impl UserReport {
    pub fn failures(&self) -> usize {
        [self.build, self.import, self.test].iter().filter(|s| **s == Step::Failed).count()
    }

    pub fn build_label(&self) -> &'static str {
        self.build.label()
    }

    pub fn import_label(&self) -> &'static str {
        self.import.label()
    }

    pub fn test_label(&self) -> &'static str {
        self.test.label()
    }
}

fn build_key(interp: &Interpreter, options: &UserMatrixOptions, compiler: &Compiler) -> String {
    let mut h = Fnv64::default();
    h.field(options.header.as_bytes()).field(options.module.as_bytes());
    for src in &options.sources {
        h.field(src.as_os_str().as_encoded_bytes());
        h.field(&std::fs::read(src).unwrap_or_default());
    }
    for f in &options.cflags {
        h.field(f.as_bytes());
    }
    for d in interp.include_dirs.iter().chain(&options.include_dirs) {
        h.field(d.as_os_str().as_encoded_bytes());
    }
    h.field(interp.path.as_os_str().as_encoded_bytes()).field(compiler.c.as_os_str().as_encoded_bytes());
    h.field(options.standard.flag().as_bytes());
    h.hex()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

pub fn run_one(interp: &Interpreter, options: &UserMatrixOptions, compiler: &Compiler) -> UserReport {
    let start = Instant::now();
    let mut report = UserReport {
        interpreter: interp.clone(),
        build: Step::NotRun,
        import: Step::NotRun,
        test: Step::NotRun,
        details: String::new(),
        seconds: 0.0,
        reused_build: false,
    };
    let key = build_key(interp, options, compiler);
    // Ours until the run on this interpreter ends: a concurrent run with the same inputs waits,
    // then imports the module this one built.
    let claim = match crate::build::lock::claim(&options.build_root.join(sanitize(&interp.label)), &key) {
        Ok(claim) => claim,
        Err(e) => {
            report.build = Step::Failed;
            report.details =
                format!("cannot use the build directory under {}: {e}", options.build_root.display());
            report.seconds = start.elapsed().as_secs_f64();
            return report;
        }
    };
    let dir = claim.path().to_path_buf();
    let module_file = dir.join(format!("{}{}", options.module, interp.ext_suffix));
    if module_file.is_file() {
        report.build = Step::Passed;
        report.reused_build = true;
    } else {
        let check = write_if_changed(&dir.join(crate::header::emit::HEADER_FILE_NAME), &options.header)
            .and_then(|_| match &options.hpy_h {
                Some(text) => write_if_changed(&dir.join(crate::hpy::HPY_HEADER_FILE_NAME), text),
                None => Ok(()),
            })
            .map_err(|e| CompileCheck { what: "build".into(), ok: false, output: e.to_string() })
            .map(|_| build(interp, options, compiler, &dir, &module_file));
        let check = check.unwrap_or_else(|e| e);
        report.build = if check.ok { Step::Passed } else { Step::Failed };
        if !check.ok {
            report.details = with_werror_hint(check.output);
        }
    }
    if report.build == Step::Passed {
        let mut cmd = Command::new(&interp.path);
        cmd.arg("-c").arg(format!("import {}", options.module)).env("PYTHONPATH", python_path(&dir));
        match run_captured(&mut cmd, Duration::from_secs(60)) {
            Ok((true, _, _)) => report.import = Step::Passed,
            Ok((false, out, err)) => {
                report.import = Step::Failed;
                report.details = tail(&format!("{out}{err}"), 15);
            }
            Err(e) => {
                report.import = Step::Failed;
                report.details = e;
            }
        }
    }
    if report.import == Step::Passed && !options.test_command.is_empty() {
        let argv = substitute_python(&options.test_command, &interp.path);
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]).env("PYTHONPATH", python_path(&dir)).env("CAPI_COMPAT_PYTHON", &interp.path);
        match run_captured(&mut cmd, TEST_TIMEOUT) {
            Ok((true, _, _)) => report.test = Step::Passed,
            Ok((false, out, err)) => {
                report.test = Step::Failed;
                report.details = tail(&format!("{out}{err}"), 25);
            }
            Err(e) => {
                report.test = Step::Failed;
                report.details = e;
            }
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    report
}

fn build(
    interp: &Interpreter,
    options: &UserMatrixOptions,
    compiler: &Compiler,
    dir: &Path,
    out: &Path,
) -> CompileCheck {
    let partial = out.with_extension(format!("partial-{}", std::process::id()));
    let mut cmd = compiler.command(options.standard);
    cmd.args(["-O2", "-shared", "-fPIC"]).arg(format!("-I{}", dir.display()));
    cmd.args(options.include_dirs.iter().map(|d| format!("-I{}", d.display())));
    cmd.args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display())));
    cmd.args(&options.cflags).args(&options.sources).arg("-o").arg(&partial);
    let mut check = compile_check("build".into(), &mut cmd);
    if check.ok {
        if let Err(e) = std::fs::rename(&partial, out) {
            check.ok = false;
            check.output = e.to_string();
        }
    }
    std::fs::remove_file(&partial).ok();
    check
}

/// The sources are built under the header's own warnings with `-Werror`: real code that
/// builds clean under its project's flags (HPy 0.9's proof-of-concept: unused `self`
/// parameters, `HPy_ssize_t` passed as `size_t`) fails on warnings alone, and the compiler's
/// `[-Werror=…]` does not say that those flags are ours, nor how to relax them.
fn with_werror_hint(output: String) -> String {
    if !output.contains("[-Werror") {
        return output;
    }
    format!(
        "{output}\nnote: capi-compat builds the sources with {} (the flags the header is clean under): \
         warnings in your code fail the build; `--cflag=-Wno-error` keeps them as warnings\n",
        crate::build::compiler::WARNINGS.join(" ")
    )
}

fn python_path(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(existing) = std::env::var_os("PYTHONPATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).unwrap_or_else(|_| dir.as_os_str().to_owned())
}

/// `python -m pytest` runs under the interpreter being tested, not whatever is on PATH.
pub fn substitute_python(command: &[String], python: &Path) -> Vec<String> {
    let py = python.display().to_string();
    command
        .iter()
        .enumerate()
        .map(|(i, word)| {
            if i == 0 && (word == "python" || word == "python3") {
                py.clone()
            } else {
                word.replace("{python}", &py)
            }
        })
        .collect()
}

pub fn render(reports: &[UserReport], skipped: &[(Interpreter, String)], missing: &[String]) -> String {
    let mut out =
        format!("{:<28} {:>6} {:>6} {:>6} {:>7}\n", "INTERPRETER", "BUILD", "IMPORT", "TEST", "TIME");
    for r in reports {
        out.push_str(&format!(
            "{:<28} {:>6} {:>6} {:>6} {:>6.1}s\n",
            r.interpreter.label,
            r.build.label(),
            r.import.label(),
            r.test.label(),
            r.seconds
        ));
    }
    for r in reports.iter().filter(|r| r.failures() > 0) {
        out.push_str(&format!("\nFAILED on {} ({}):\n", r.interpreter.label, r.interpreter.path.display()));
        out.push_str(&r.details.lines().map(|l| format!("    {l}\n")).collect::<String>());
    }
    for (i, why) in skipped {
        out.push_str(&format!("skipped {} ({}): {why}\n", i.label, i.path.display()));
    }
    for m in missing {
        out.push_str(&format!("MISSING required interpreter {m}: not found\n"));
    }
    // Interpreters, as the project matrix counts them: steps summed said `12 passed` for four.
    let passed = reports.iter().filter(|r| r.failures() == 0).count();
    let failed = reports.iter().filter(|r| r.failures() > 0).count() + missing.len();
    out.push_str(&format!("\nmatrix: {passed} passed, {failed} failed\n"));
    out
}

pub fn to_json(reports: &[UserReport], missing: &[String]) -> serde_json::Value {
    serde_json::json!({
        "interpreters": reports.iter().map(|r| serde_json::json!({
            "label": r.interpreter.label,
            "path": r.interpreter.path,
            "build": r.build,
            "import": r.import,
            "test": r.test,
            "details": r.details,
            "seconds": r.seconds,
            "reused_build": r.reused_build,
        })).collect::<Vec<_>>(),
        "missing": missing,
    })
}
