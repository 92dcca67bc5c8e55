//! `capi-compat test --sanitize`: the test module (plain and with the backports forced) built
//! with AddressSanitizer and UndefinedBehaviorSanitizer, run in an uninstrumented interpreter
//! with the sanitizer runtime preloaded. The interpreter's allocations go through `malloc`
//! (`PYTHONMALLOC`), so ASan sees every object our code touches; each report goes to a log
//! file, and the test that was running when it was written (the driver's last `START`) fails
//! with it.

use crate::build::compiler::Compiler;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The sanitizers `--sanitize` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SanitizerKind {
    Address,
    Undefined,
}

impl SanitizerKind {
    pub fn name(self) -> &'static str {
        match self {
            SanitizerKind::Address => "address",
            SanitizerKind::Undefined => "undefined",
        }
    }
}

/// Which sanitizers a run uses (`--sanitize`, `--sanitize=address`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitizer {
    kinds: Vec<SanitizerKind>,
}

/// Reports of the interpreter's own (uninstrumented) code that ASan's interceptors raise,
/// each understood and explained in the file. Empty of entries today; kept so a suppression
/// can only ever be added with its reason, in the open.
pub const ASAN_SUPPRESSIONS: &str = include_str!("../../templates/sanitizer/asan.supp");
const ASAN_SUPPRESSIONS_FILE: &str = "asan.supp";

impl Sanitizer {
    /// `address,undefined` (the default), `address` or `undefined`.
    pub fn parse(text: &str) -> Result<Sanitizer, String> {
        let mut kinds = Vec::new();
        for word in text.split(',').map(str::trim) {
            let kind = match word {
                "address" => SanitizerKind::Address,
                "undefined" => SanitizerKind::Undefined,
                other => {
                    return Err(format!(
                        "`{other}` is not a sanitizer this command runs: use address, undefined or address,undefined"
                    ))
                }
            };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        kinds.sort();
        Ok(Sanitizer { kinds })
    }

    fn has(&self, kind: SanitizerKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// `address,undefined`: as given to `-fsanitize=`, and in the build key.
    pub fn names(&self) -> String {
        self.kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(",")
    }

    /// The compile flags for the test module. A UB report stops the process (no recovery), so
    /// it fails the test that was running; frame pointers and `-g1` (line tables: a fifth of
    /// `-g`'s compile time) give reports whole stacks with lines. -O1, as the sanitizers' documentation advises: -O2 takes a third longer to
    /// compile the instrumented module and reports no more.
    pub fn compile_flags(&self, compiler: &Compiler) -> Vec<String> {
        let mut flags = vec![
            "-O1".into(),
            format!("-fsanitize={}", self.names()),
            "-fno-omit-frame-pointer".into(),
            "-g1".into(),
        ];
        if self.has(SanitizerKind::Undefined) {
            flags.push("-fno-sanitize-recover=undefined".into());
        }
        if compiler.family == "clang" {
            // clang links no sanitizer runtime into a shared object by default; this makes
            // the module need the shared runtime, the one that is preloaded.
            flags.push("-shared-libsan".into());
        }
        flags
    }

    /// The runtime libraries to preload into the interpreter: it is not linked against them,
    /// and ASan must come first in the process's library list.
    pub fn runtime(&self, compiler: &Compiler) -> Result<Vec<PathBuf>, String> {
        let names: Vec<&str> = match (compiler.family, self.has(SanitizerKind::Address)) {
            // clang's ASan runtime carries UBSan's too.
            ("clang", true) => vec!["libclang_rt.asan-x86_64.so"],
            ("clang", false) => vec!["libclang_rt.ubsan_standalone-x86_64.so"],
            _ => self
                .kinds
                .iter()
                .map(|k| match k {
                    SanitizerKind::Address => "libasan.so",
                    SanitizerKind::Undefined => "libubsan.so",
                })
                .collect(),
        };
        names.into_iter().map(|name| runtime_library(&compiler.c, name)).collect()
    }

    /// Sets up `cmd` (the interpreter running the driver) to run under the sanitizers, with
    /// reports written under `log_dir` (emptied first).
    pub fn configure(
        &self,
        cmd: &mut Command,
        build: &SanitizedBuild,
        log_dir: &Path,
        debug_build: bool,
    ) -> std::io::Result<()> {
        if log_dir.exists() {
            std::fs::remove_dir_all(log_dir)?;
        }
        std::fs::create_dir_all(log_dir)?;
        let suppressions = log_dir.join(ASAN_SUPPRESSIONS_FILE);
        std::fs::write(&suppressions, ASAN_SUPPRESSIONS)?;
        let log = log_dir.join("report");
        let symbolizer = match &build.symbolizer {
            Some(real) => {
                format!(":external_symbolizer_path={}", symbolizer_wrapper(log_dir, real)?.display())
            }
            None => String::new(),
        };
        let preload: Vec<String> = build.runtime.iter().map(|p| p.display().to_string()).collect();
        // The environment the run would inherit may hold PYTHON* settings of the user's; the
        // driver needs PYTHONMALLOC, so it cannot use -I (which ignores all of them): they are
        // removed instead.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PYTHON") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("LD_PRELOAD", preload.join(":"))
            // A request too large for any allocator returns NULL, as libc's malloc does:
            // tests check that a huge size raises MemoryError.
            //
            // Leak detection stays off: the interpreter keeps memory until exit by design, and
            // its allocations cannot be told from ours in a leak report. Leaks of references
            // are the debug builds' refcount check's job.
            .env(
                "ASAN_OPTIONS",
                format!(
                    "detect_leaks=0:allocator_may_return_null=1:halt_on_error=1:abort_on_error=0:exitcode=86:print_summary=1:suppressions={}:log_path={}{symbolizer}",
                    suppressions.display(),
                    log.display()
                ),
            )
            .env(
                "UBSAN_OPTIONS",
                format!("print_stacktrace=1:halt_on_error=1:exitcode=86:log_path={}{symbolizer}", log.display()),
            )
            // Every allocation through malloc, where ASan sees it: pymalloc's arenas would
            // hide an overflow or a use after free of a small object. Debug builds keep their
            // hooks on top.
            .env("PYTHONMALLOC", if debug_build { "malloc_debug" } else { "malloc" })
            .env("PYTHONNOUSERSITE", "1");
        Ok(())
    }
}

/// A sanitizer run set up for one compiler: its flags and the runtime to preload.
#[derive(Debug, Clone)]
pub struct SanitizedBuild {
    pub sanitizer: Sanitizer,
    pub compile_flags: Vec<String>,
    pub runtime: Vec<PathBuf>,
    /// llvm-symbolizer, when installed: the runtimes run it to put names and lines on frames
    /// (gcc's has its own symbolizer too, clang's only this one).
    pub symbolizer: Option<PathBuf>,
}

impl SanitizedBuild {
    /// Fails when the compiler has no sanitizer runtime to preload.
    pub fn new(sanitizer: Sanitizer, compiler: &Compiler) -> Result<SanitizedBuild, String> {
        let runtime = sanitizer.runtime(compiler)?;
        let compile_flags = sanitizer.compile_flags(compiler);
        let symbolizer = find_on_path("llvm-symbolizer");
        Ok(SanitizedBuild { sanitizer, compile_flags, runtime, symbolizer })
    }

    pub fn configure(&self, cmd: &mut Command, log_dir: &Path, debug_build: bool) -> std::io::Result<()> {
        self.sanitizer.configure(cmd, self, log_dir, debug_build)
    }
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// A script that runs the symbolizer without LD_PRELOAD: the runtime starts it with the
/// interpreter's environment, and llvm-symbolizer with the ASan runtime preloaded into it
/// deadlocks, holding the run's output pipes open for ever. Named `llvm-symbolizer`: the
/// runtime picks the protocol by the name.
fn symbolizer_wrapper(log_dir: &Path, real: &Path) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let dir = log_dir.join("bin");
    std::fs::create_dir_all(&dir)?;
    let wrapper = dir.join("llvm-symbolizer");
    let quoted = real.display().to_string().replace('\'', "'\\''");
    std::fs::write(&wrapper, format!("#!/bin/sh\nunset LD_PRELOAD\nexec '{quoted}' \"$@\"\n"))?;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))?;
    Ok(wrapper)
}

/// The compiler's runtime library by file name; the driver echoes a name it cannot find
/// unchanged, which is reported as missing.
fn runtime_library(compiler: &Path, name: &str) -> Result<PathBuf, String> {
    let output = Command::new(compiler)
        .arg(format!("-print-file-name={name}"))
        .output()
        .map_err(|e| format!("cannot run {}: {e}", compiler.display()))?;
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if path.is_absolute() && path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} has no {name} (install the compiler's sanitizer runtime: libasan/libubsan for gcc, libclang-rt for clang)",
            compiler.display()
        ))
    }
}

/// The reports the sanitizers wrote under `log_dir` (one file per process), oldest first. A
/// file with warnings only (`failed to allocate 0x… bytes`, written when a test asks for a
/// huge size on purpose and gets NULL) is not an error report.
pub fn reports(log_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(log_dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("report")))
        .collect();
    files.sort();
    files.iter().filter_map(|p| std::fs::read_to_string(p).ok()).filter(|t| is_error_report(t)).collect()
}

pub fn is_error_report(text: &str) -> bool {
    text.contains("ERROR: ") || text.contains("runtime error:") || text.contains("SUMMARY: ")
}

/// A report cut down to what a failure line shows: the error line, the first frames of each
/// stack (where it happened, and where the memory was allocated and freed) and the summary.
pub fn digest(report: &str) -> String {
    const FRAMES: usize = 4;
    let mut kept = Vec::new();
    let mut frames_in_stack = 0;
    for line in report.lines() {
        let t = line.trim_start();
        if t.starts_with('#') {
            frames_in_stack += 1;
            if frames_in_stack <= FRAMES {
                kept.push(line);
            }
            continue;
        }
        frames_in_stack = 0;
        let interesting = t.contains("ERROR: AddressSanitizer")
            || t.contains("runtime error:")
            || t.starts_with("READ of")
            || t.starts_with("WRITE of")
            || t.starts_with("SUMMARY:")
            || t.contains("is located")
            || t.starts_with("freed by")
            || t.starts_with("previously allocated by");
        if interesting {
            kept.push(line);
        }
    }
    if kept.is_empty() {
        report.lines().take(30).collect::<Vec<_>>().join("\n")
    } else {
        kept.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sanitizer_list() {
        assert_eq!(Sanitizer::parse("address,undefined").unwrap().names(), "address,undefined");
        assert_eq!(Sanitizer::parse("undefined,address,undefined").unwrap().names(), "address,undefined");
        assert_eq!(Sanitizer::parse("address").unwrap().names(), "address");
        let err = Sanitizer::parse("thread").unwrap_err();
        assert!(err.contains("`thread` is not a sanitizer"), "{err}");
    }

    #[test]
    fn clang_needs_the_shared_runtime() {
        let clang = Compiler { family: "clang", c: "clang".into(), cxx: "clang++".into() };
        let gcc = Compiler { family: "gcc", c: "gcc".into(), cxx: "g++".into() };
        let both = Sanitizer::parse("address,undefined").unwrap();
        assert!(both.compile_flags(&clang).contains(&"-shared-libsan".to_string()));
        assert!(!both.compile_flags(&gcc).contains(&"-shared-libsan".to_string()));
        assert!(both.compile_flags(&gcc).contains(&"-fno-sanitize-recover=undefined".to_string()));
        let address = Sanitizer::parse("address").unwrap();
        assert!(!address.compile_flags(&gcc).iter().any(|f| f.contains("recover")));
    }

    #[test]
    fn warnings_alone_are_no_report() {
        assert!(!is_error_report("==1==WARNING: AddressSanitizer failed to allocate 0x4000 bytes\n"));
        assert!(is_error_report("x.c:3:5: runtime error: signed integer overflow\n"));
        assert!(is_error_report("==1==ERROR: AddressSanitizer: heap-use-after-free\n"));
    }

    #[test]
    fn digest_keeps_the_error_and_the_stack() {
        let report = "=================\n==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x1\nWRITE of size 1 at 0x1 thread T0\n    #0 0x7f in overflow selftest.c:12\n    #1 0x7f in run selftest.c:40\n\nShadow bytes around the buggy address:\n  0x0c: 00 00\nSUMMARY: AddressSanitizer: heap-buffer-overflow selftest.c:12 in overflow\n";
        let d = digest(report);
        assert!(d.contains("heap-buffer-overflow on address"));
        assert!(d.contains("#0 0x7f in overflow selftest.c:12"));
        assert!(d.contains("SUMMARY:"));
        assert!(!d.contains("Shadow bytes"));
        let deep: String = (0..10).map(|n| format!("    #{n} 0x1 in f{n}\n")).collect();
        let d = digest(&format!("==1==ERROR: AddressSanitizer: x\n{deep}"));
        assert!(d.contains("#3 0x1 in f3") && !d.contains("#4 0x1"), "{d}");
    }
}
