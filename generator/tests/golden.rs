//! Golden tests, cbindgen-style.
//!
//! Each directory `tests/fixtures/golden/<case>/` holds a small spec in `spec/*.yaml` and the
//! headers it must generate beside it:
//!
//! - `expected-min-3.10.h` (every case has it): `gen --min 3.10`;
//! - `expected-min-X.Y.h`: `gen --min X.Y`;
//! - `expected-only-NAME,NAME.h`: `gen --min 3.10 --only NAME,NAME`
//!   (`expected-min-X.Y-only-NAME.h` combines both).
//!
//! `CAPI_COMPAT_BLESS=1 cargo test -p capi-compat --test golden` rewrites the expectations
//! instead of failing; to add one, create the empty file and bless. Read what it wrote.
//!
//! Every expectation is also compiled (`-fsyntax-only`) as C99 and C++17 with the project's
//! warnings, against the Python of `python3`, or of each interpreter listed (separated by
//! whitespace) in `CAPI_COMPAT_PYTHONS`. A header whose `--min` is newer than that Python must
//! instead stop at its `#error`.

mod common;

use capi_compat::spec::version::PyVersion;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

macro_rules! golden_cases {
    ($($case:ident),* $(,)?) => {
        /// Every case directory, so that one without a test is noticed.
        const CASES: &[&str] = &[$(stringify!($case)),*];
        $(
            mod $case {
                #[test]
                fn matches_expectations() {
                    super::check_expectations(stringify!($case));
                }

                #[test]
                fn expectations_compile() {
                    super::compile_expectations(stringify!($case));
                }
            }
        )*
    };
}

golden_cases! {
    basic,
    constants,
    cross_area,
    dropin,
    helpers,
    macros,
    min_floor,
    per_range_bodies,
    pypy,
    types,
}

#[test]
fn every_case_directory_has_a_test() {
    let mut on_disk: Vec<String> = std::fs::read_dir(golden_dir())
        .expect("tests/fixtures/golden")
        .map(|e| e.expect("directory entry").file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<&str> = CASES.to_vec();
    listed.sort();
    pretty_assertions::assert_eq!(on_disk, listed, "add each golden case directory to `golden_cases!`");
}

// ---- expectations ------------------------------------------------------------------------

fn golden_dir() -> PathBuf {
    common::fixtures_dir().join("golden")
}

fn blessing() -> bool {
    std::env::var("CAPI_COMPAT_BLESS").is_ok_and(|v| v == "1")
}

/// One expected header and the `gen` arguments it stands for.
struct Expectation {
    path: PathBuf,
    floor: PyVersion,
    only: Option<Vec<String>>,
}

impl Expectation {
    /// `expected-min-3.12.h`, `expected-only-A,B.h`, `expected-min-3.12-only-A.h`.
    fn from_file_name(path: PathBuf) -> Expectation {
        fn bad(path: &Path) -> ! {
            panic!(
                "{}: name it `expected-min-X.Y.h`, `expected-only-NAME,...h` or `expected-min-X.Y-only-NAME,...h`",
                path.display()
            )
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("expected-").and_then(|r| r.strip_suffix(".h")) else {
            bad(&path)
        };
        let (min, only) = match rest.split_once("only-") {
            Some((min, names)) => (min.strip_suffix('-').unwrap_or(min), Some(names)),
            None => (rest, None),
        };
        let floor = match min {
            "" => PyVersion::release(3, 10),
            _ => {
                let Some(version) = min.strip_prefix("min-") else { bad(&path) };
                capi_compat::header::plan::parse_floor(version)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            }
        };
        let only = only.map(|names| names.split(',').map(str::to_string).collect());
        Expectation { path, floor, only }
    }

    fn generate(&self, spec: &capi_compat::Spec) -> String {
        capi_compat::generate(spec, self.floor, self.only.as_deref())
            .unwrap_or_else(|e| panic!("{}: generate failed: {e}", self.path.display()))
    }
}

/// The case's expectation files, sorted; the spec directory is the only other thing allowed.
fn expectations(case: &str) -> Vec<Expectation> {
    let dir = golden_dir().join(case);
    let mut found = Vec::new();
    for item in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = item.expect("directory entry").path();
        if path.file_name().is_some_and(|n| n == "spec") {
            continue;
        }
        found.push(Expectation::from_file_name(path));
    }
    let baseline = dir.join("expected-min-3.10.h");
    if !found.iter().any(|e| e.path == baseline) {
        if blessing() {
            found.push(Expectation::from_file_name(baseline));
        } else {
            panic!(
                "{} is missing: run `CAPI_COMPAT_BLESS=1 cargo test -p capi-compat --test golden` to create it",
                baseline.display()
            );
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

fn load_case_spec(case: &str) -> capi_compat::Spec {
    let dir = golden_dir().join(case).join("spec");
    capi_compat::load_spec(Some(&dir))
        .unwrap_or_else(|e| panic!("the spec of golden case `{case}` is invalid:\n{e}"))
}

/// While blessing, a case's two tests would race on its files: they take turns, and the
/// compile test blesses first.
fn bless_turn() -> Option<MutexGuard<'static, ()>> {
    static BLESS_LOCK: Mutex<()> = Mutex::new(());
    blessing().then(|| BLESS_LOCK.lock().unwrap_or_else(PoisonError::into_inner))
}

fn check_expectations(case: &str) {
    let _turn = bless_turn();
    compare_or_bless(case);
}

/// Compares every expectation of the case (or rewrites it when blessing), reporting all the
/// differences at once, each as the diff `pretty_assertions` prints.
fn compare_or_bless(case: &str) {
    let spec = load_case_spec(case);
    let mut failures = String::new();
    for expectation in expectations(case) {
        let actual = expectation.generate(&spec);
        let expected = std::fs::read_to_string(&expectation.path).unwrap_or_default();
        if expected == actual {
            continue;
        }
        if blessing() {
            std::fs::write(&expectation.path, &actual)
                .unwrap_or_else(|e| panic!("{}: {e}", expectation.path.display()));
            eprintln!("blessed {}", expectation.path.display());
            continue;
        }
        writeln!(
            failures,
            "\n{} differs from the generated header (< expected, > generated):\n{}",
            expectation.path.display(),
            pretty_assertions::StrComparison::new(&expected, &actual)
        )
        .unwrap();
    }
    if !failures.is_empty() {
        panic!(
            "golden case `{case}`:{failures}\nIf the new output is right, run \
             `CAPI_COMPAT_BLESS=1 cargo test -p capi-compat --test golden` and review the rewritten files."
        );
    }
}

// ---- compiling the expectations ----------------------------------------------------------

/// A Python whose headers the expectations compile against.
#[derive(Debug)]
struct Python {
    command: String,
    version: PyVersion,
    include: PathBuf,
}

fn pythons() -> &'static [Python] {
    static FOUND: OnceLock<Result<Vec<Python>, String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let commands = std::env::var("CAPI_COMPAT_PYTHONS").unwrap_or_else(|_| "python3".into());
        let pythons: Vec<Python> = commands.split_whitespace().map(ask_python).collect::<Result<_, _>>()?;
        if !pythons.iter().any(|p| p.version >= capi_compat::spec::version::OLDEST) {
            return Err(format!(
                "no interpreter in `{commands}` is Python {} or newer",
                capi_compat::spec::version::OLDEST
            ));
        }
        Ok(pythons)
    });
    match found {
        Ok(pythons) => pythons,
        Err(e) => panic!(
            "cannot compile the golden headers: {e}\nThey are compiled against Python.h: install python3 with its \
             development headers (e.g. python3-dev), or list interpreters that have them in CAPI_COMPAT_PYTHONS."
        ),
    }
}

fn ask_python(command: &str) -> Result<Python, String> {
    let script =
        "import sys, sysconfig; print('%d.%d' % sys.version_info[:2]); print(sysconfig.get_paths()['include'])";
    let output = Command::new(command)
        .args(["-c", script])
        .output()
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    let (Some(version), Some(include)) = (lines.next(), lines.next()) else {
        return Err(format!(
            "`{command}` did not say its version and include directory ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    };
    let version = PyVersion::parse(version.trim()).map_err(|e| format!("`{command}`: {e}"))?;
    let include = PathBuf::from(include.trim());
    if !include.join("Python.h").is_file() {
        return Err(format!("`{command}` (Python {version}) has no {}", include.join("Python.h").display()));
    }
    Ok(Python { command: command.to_string(), version, include })
}

#[derive(Debug, Clone, Copy)]
enum Lang {
    C99,
    Cxx17,
}

impl Lang {
    const ALL: [Lang; 2] = [Lang::C99, Lang::Cxx17];

    fn flags(self) -> &'static [&'static str] {
        match self {
            Lang::C99 => &["-x", "c", "-std=c99"],
            Lang::Cxx17 => &["-x", "c++", "-std=c++17", "-Wzero-as-null-pointer-constant"],
        }
    }
}

const WARNINGS: &[&str] = &["-Wall", "-Wextra", "-Wconversion", "-Wcast-qual", "-Werror"];

/// The C or C++ compiler the `cc` crate picks for the target these tests were built for
/// (it honours CC / CXX).
fn compiler(lang: Lang) -> Command {
    let target = env!("CAPI_COMPAT_TARGET");
    cc::Build::new()
        .cargo_metadata(false)
        .opt_level(0)
        .debug(false)
        .target(target)
        .host(target)
        .cpp(matches!(lang, Lang::Cxx17))
        .get_compiler()
        .to_command()
}

/// `-fsyntax-only` on a translation unit that includes Python.h and the header; the
/// compiler's output on failure.
fn syntax_check(header: &Path, python: &Python, lang: Lang) -> Result<(), String> {
    syntax_check_with(header, python, lang, &[])
}

fn syntax_check_with(header: &Path, python: &Python, lang: Lang, defines: &[&str]) -> Result<(), String> {
    let unit =
        format!("#include <Python.h>\n#include \"{}\"\n", header.file_name().unwrap().to_string_lossy());
    let mut cmd = compiler(lang);
    cmd.arg("-fsyntax-only")
        .args(lang.flags())
        .args(WARNINGS)
        .args(defines)
        .arg(format!("-I{}", python.include.display()))
        .arg(format!("-I{}", header.parent().unwrap().display()))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let shown = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {shown}: {e}"))?;
    child.stdin.take().unwrap().write_all(unit.as_bytes()).expect("writing the translation unit");
    let output = child.wait_with_output().map_err(|e| format!("{shown}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{shown} ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Compiles every expectation of the case against every Python, as C and as C++, and reports
/// all failures at once. Below the header's `--min` the compile must stop at its `#error`.
fn compile_expectations(case: &str) {
    let _turn = bless_turn();
    if blessing() {
        compare_or_bless(case);
    }
    let pythons = pythons();
    let mut failures = Vec::new();
    for expectation in expectations(case) {
        let header = &expectation.path;
        if !pythons.iter().any(|p| p.version >= expectation.floor) {
            eprintln!(
                "note: no Python {} or newer to compile {} with (see CAPI_COMPAT_PYTHONS): only checked its #error",
                expectation.floor,
                header.display()
            );
        }
        for python in pythons {
            for lang in Lang::ALL {
                let what = format!(
                    "{} as {lang:?} with Python {} ({})",
                    header.display(),
                    python.version,
                    python.command
                );
                let result = syntax_check(header, python, lang);
                if python.version >= expectation.floor {
                    if let Err(output) = result {
                        failures.push(format!("{what} does not compile: {output}"));
                    }
                } else {
                    let refusal = format!("needs CPython {} or newer", expectation.floor);
                    match result {
                        Ok(()) => failures
                            .push(format!("{what}: compiled, but should stop at its #error ({refusal})")),
                        Err(output) if !output.contains(&refusal) => failures
                            .push(format!("{what}: failed, but not with its #error ({refusal}): {output}")),
                        Err(_) => {}
                    }
                }
            }
        }
    }
    if !failures.is_empty() {
        panic!("golden case `{case}`: {} compile failure(s):\n\n{}", failures.len(), failures.join("\n\n"));
    }
}

/// The header refuses a limited-API build plainly (its backports use the full C API), rather
/// than handing abi3 code something that is not abi3-clean.
#[test]
fn limited_api_builds_stop_at_the_headers_error() {
    let header = golden_dir().join("basic/expected-min-3.10.h");
    let refusal = "does not support Py_LIMITED_API";
    let mut failures = Vec::new();
    for python in pythons().iter().filter(|p| p.version >= capi_compat::spec::version::OLDEST) {
        for lang in Lang::ALL {
            match syntax_check_with(&header, python, lang, &["-DPy_LIMITED_API=0x030A0000"]) {
                Ok(()) => failures
                    .push(format!("{lang:?} with Python {}: compiled under Py_LIMITED_API", python.version)),
                Err(output) if !output.contains(refusal) => failures.push(format!(
                    "{lang:?} with Python {}: failed without our #error: {output}",
                    python.version
                )),
                Err(_) => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
