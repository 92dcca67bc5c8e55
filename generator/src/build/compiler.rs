//! The C compilers to test with, found through the `cc` crate (which honours CC/CXX), plus
//! clang when it is installed.

use crate::build::process::run_captured;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The warnings the header must be clean under; Python.h itself is, on 3.10 … 3.15. The
/// format checks catch a printf-like backport without its format attribute (clang reports the
/// forwarding of a non-literal format under -Wformat-nonliteral).
pub const WARNINGS: &[&str] = &[
    "-Wall",
    "-Wextra",
    "-Wconversion",
    "-Wcast-qual",
    "-Wformat=2",
    "-Wformat-nonliteral",
    "-Wformat-security",
    "-Werror",
];
/// C++ adds one more: the header must not spell a null pointer as 0.
pub const CXX_WARNINGS: &[&str] = &["-Wzero-as-null-pointer-constant"];

/// Language standards the header is compiled as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standard {
    C99,
    C11,
    Cxx11,
    Cxx17,
    Cxx20,
}

impl Standard {
    pub const ALL: [Standard; 5] =
        [Standard::C99, Standard::C11, Standard::Cxx11, Standard::Cxx17, Standard::Cxx20];

    pub fn flag(&self) -> &'static str {
        match self {
            Standard::C99 => "-std=c99",
            Standard::C11 => "-std=c11",
            Standard::Cxx11 => "-std=c++11",
            Standard::Cxx17 => "-std=c++17",
            Standard::Cxx20 => "-std=c++20",
        }
    }

    pub fn is_cxx(&self) -> bool {
        matches!(self, Standard::Cxx11 | Standard::Cxx17 | Standard::Cxx20)
    }

    pub fn name(&self) -> &'static str {
        &self.flag()[5..]
    }
}

/// One compiler family with its C and C++ drivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiler {
    pub family: &'static str,
    pub c: PathBuf,
    pub cxx: PathBuf,
}

impl Compiler {
    /// The command for one standard, with the project's warnings.
    pub fn command(&self, std: Standard) -> Command {
        let mut cmd = Command::new(if std.is_cxx() { &self.cxx } else { &self.c });
        if std.is_cxx() {
            cmd.args(["-x", "c++"]);
        }
        cmd.arg(std.flag()).args(WARNINGS);
        if std.is_cxx() {
            cmd.args(CXX_WARNINGS);
        }
        cmd
    }

    /// The command of a name probe: only errors matter (warnings and -Werror would drown the
    /// names), and every one of them must be printed, since each names a missing name. gcc
    /// prints them all with `-fmax-errors=0`; clang stops after 20 unless `-ferror-limit=0`
    /// (and ignores gcc's flag), which would take every name after the 20th for declared.
    pub fn probe_command(&self, std: Standard) -> Command {
        let mut cmd = self.command(std);
        let unlimited = if self.family == "clang" { "-ferror-limit=0" } else { "-fmax-errors=0" };
        cmd.args(["-fsyntax-only", "-w", "-Wno-error", unlimited]);
        cmd
    }
}

/// Whether a compiler stopped before reporting every error (its error limit), so the names
/// after the last one reported were never probed.
pub fn stopped_early(compiler_output: &str) -> bool {
    compiler_output.contains("too many errors emitted")
        || compiler_output.contains("compilation terminated due to -fmax-errors")
}

fn runs(path: &Path) -> bool {
    Command::new(path).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn cc_tool(cpp: bool, compiler: Option<&str>) -> Option<PathBuf> {
    let target = env!("CAPI_COMPAT_TARGET");
    let mut build = cc::Build::new();
    build
        .cargo_metadata(false)
        .cargo_warnings(false)
        .target(target)
        .host(target)
        .opt_level(2)
        .cpp(cpp)
        .warnings(false);
    if let Some(c) = compiler {
        build.compiler(c);
    }
    let tool = build.try_get_compiler().ok()?;
    let path = tool.path().to_path_buf();
    runs(&path).then_some(path)
}

/// The default compiler (`cc`, or `$CC`/`$CXX`), and clang when installed and different.
pub fn available() -> Vec<Compiler> {
    let mut found = Vec::new();
    if let (Some(c), Some(cxx)) = (cc_tool(false, None), cc_tool(true, None)) {
        let family = if is_clang(&c) { "clang" } else { "gcc" };
        found.push(Compiler { family, c, cxx });
    }
    // clang is looked up on PATH directly: the cc crate would only guess its name.
    if !found.iter().any(|c| c.family == "clang") {
        let (c, cxx) = (PathBuf::from("clang"), PathBuf::from("clang++"));
        if runs(&c) && runs(&cxx) {
            found.push(Compiler { family: "clang", c, cxx });
        }
    }
    found
}

fn is_clang(path: &Path) -> bool {
    Command::new(path)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("clang"))
}

/// One compiler run and what it said.
#[derive(Debug, Clone)]
pub struct CompileCheck {
    /// `gcc c99`, `clang c++20`, `build`.
    pub what: String,
    pub ok: bool,
    /// The compiler's diagnostics when it failed.
    pub output: String,
}

/// Runs a compile command (two minutes at most) and keeps its diagnostics.
pub fn compile_check(what: String, cmd: &mut Command) -> CompileCheck {
    compile_check_within(what, cmd, Duration::from_secs(120))
}

/// The same, for a compile known to take longer (the self-test module under the sanitizers).
pub fn compile_check_within(what: String, cmd: &mut Command, timeout: Duration) -> CompileCheck {
    match run_captured(cmd, timeout) {
        Ok((ok, stdout, stderr)) => {
            CompileCheck { what, ok, output: format!("{stdout}{stderr}").trim().to_string() }
        }
        Err(e) => CompileCheck { what, ok: false, output: e },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each compiler found must print every error of a probe: clang stops after 20 unless told
    /// (and ignores gcc's flag), which once took every name after the 20th for declared.
    #[test]
    fn a_probe_reports_every_missing_name_with_each_compiler() {
        let dir = std::env::temp_dir().join(format!("capicompat-probe-limit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let source = dir.join("probe.c");
        let text: String = (0..30)
            .map(|i| format!("static void (*p{i})(void) = (void (*)(void))&capicompat_missing_{i};\n"))
            .collect();
        std::fs::write(&source, text).unwrap();
        let compilers = available();
        assert!(!compilers.is_empty(), "no C compiler found");
        for compiler in compilers {
            let output = compiler.probe_command(Standard::C11).arg(&source).output().unwrap();
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(!stopped_early(&said), "{} stopped early:\n{said}", compiler.family);
            let named = crate::selftest::probes::mentioned_names(&said);
            for i in 0..30 {
                assert!(
                    named.contains(&format!("capicompat_missing_{i}")),
                    "{}: name {i} not reported:\n{said}",
                    compiler.family
                );
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn stopping_at_the_error_limit_is_recognised() {
        assert!(stopped_early("fatal error: too many errors emitted, stopping now [-ferror-limit=]"));
        assert!(stopped_early("compilation terminated due to -fmax-errors=20."));
        assert!(!stopped_early("p.c:1:1: error: use of undeclared identifier 'x'"));
    }
}
