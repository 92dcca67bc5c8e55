//! `capi-compat matrix PROJECT_DIR [-- TEST-COMMAND]`: the user's package built and tested on
//! every interpreter, as `pip install` builds it.
//!
//! Per interpreter: a copy of the project (the user's tree is never written to; `--header`
//! writes a fresh header over the vendored one in the copy), a fresh venv with pip (see
//! `pip`, `venv`), the project installed by its own build backend through pip (build
//! isolation, the project's and the interpreter's compile flags; ours only with `--strict`),
//! the test requirements (the ones the user names, or else the first source the project has:
//! metadata, a requirements file, tox.ini, a dev group; the rule is in
//! `python/capi_compat_project.py`, and the run's output names the source), then: every
//! extension module the build installed must import, the test command runs (with `-X dev`
//! on debug builds), and every extension must have been imported by the tests (the recorder in `python/capi_compat_imports.py`), so a package
//! that silently fell back to pure Python cannot pass. Where the user says a pure-Python
//! build is intended (`--pure-python-ok`, `[tool.capi-compat]`), a build without extension
//! modules runs its tests and is reported as `pure-python (accepted)`, never as a pass.

pub mod leaks;
pub mod pip;
pub mod report;
pub mod tree;
pub mod venv;
pub mod warnings;

use crate::build::process::run_captured;
use crate::interpreters::Interpreter;
use report::{ProjectReport, Step};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use venv::Venv;

const BUILD_TIMEOUT: Duration = Duration::from_secs(1200);
const TEST_TIMEOUT: Duration = Duration::from_secs(1800);
/// Our own strict flags, for `--strict`: what the header itself is held to.
const STRICT_CFLAGS: &[&str] = &["-Wall", "-Wextra", "-Wconversion", "-Wcast-qual", "-Werror"];

/// A header to write over the project's vendored copy (`--header PATH`).
#[derive(Debug, Clone)]
pub struct HeaderOverride {
    /// Relative to the project's root.
    pub path: PathBuf,
    pub header: String,
    /// With `--hpy`: `hpy.h`, written next to it.
    pub hpy_h: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ProjectOptions {
    /// The user's project (absolute).
    pub project: PathBuf,
    pub header: Option<HeaderOverride>,
    /// `--with`: extra test requirements.
    pub with: Vec<String>,
    /// `--requirements FILE` / `--group NAME`: the test requirements to install instead of
    /// the ones found in the project (files relative to its root).
    pub requirements_files: Vec<PathBuf>,
    pub groups: Vec<String>,
    /// False with `--no-test-requirements`: only `--with` is installed for the tests.
    pub read_test_requirements: bool,
    /// `--strict`: our warning flags (with -Werror) in CFLAGS.
    pub strict: bool,
    /// `--cflag`: more CFLAGS.
    pub cflags: Vec<String>,
    pub test_command: Vec<String>,
    /// `--leaks`: on debug builds, the tests again in one process, refcount deltas per test.
    pub leaks: bool,
    /// `--pure-python-ok`: interpreter label patterns where a build without extension
    /// modules is intended.
    pub pure_python_ok: Vec<String>,
    /// Where each run's work directories and logs go.
    pub work_root: PathBuf,
    /// The shared pip.
    pub pip: pip::PipSource,
}

/// Why `matrix PROJECT_DIR` cannot start at all (a usage error, not a per-interpreter FAIL).
#[derive(Debug, PartialEq, Eq)]
pub enum ProjectError {
    NotAProject(PathBuf),
    HeaderOutside(PathBuf),
    NoHeaderDir(PathBuf),
    NoRequirementsFile(PathBuf),
}

impl std::fmt::Display for ProjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProjectError::NotAProject(dir) => write!(
                f,
                "{}: no pyproject.toml or setup.py here; pass a project directory or C source files",
                dir.display()
            ),
            ProjectError::HeaderOutside(path) => {
                write!(f, "--header {}: give a path inside the project, relative to its root", path.display())
            }
            ProjectError::NoHeaderDir(path) => write!(
                f,
                "--header {}: the project has no directory {}; give the path of its vendored header",
                path.display(),
                path.parent().unwrap_or(Path::new("")).display()
            ),
            ProjectError::NoRequirementsFile(path) => write!(
                f,
                "--requirements {}: no such file in the project; give its path relative to the project's root",
                path.display()
            ),
        }
    }
}

/// Checks what can be checked before any environment is made.
pub fn check_project(
    project: &Path,
    header: Option<&Path>,
    requirements_files: &[PathBuf],
) -> Result<(), ProjectError> {
    if !tree::is_project_dir(project) {
        return Err(ProjectError::NotAProject(project.to_path_buf()));
    }
    if let Some(missing) = requirements_files.iter().find(|f| !project.join(f).is_file()) {
        return Err(ProjectError::NoRequirementsFile(missing.clone()));
    }
    if let Some(path) = header {
        let inside =
            path.is_relative() && path.components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside {
            return Err(ProjectError::HeaderOutside(path.to_path_buf()));
        }
        if !project.join(path).parent().is_some_and(Path::is_dir) {
            return Err(ProjectError::NoHeaderDir(path.to_path_buf()));
        }
    }
    Ok(())
}

/// A fresh directory for this run's work; older runs' leftovers (a run killed half-way) are
/// removed once they are a day old.
pub fn new_work_root(base: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(base)?;
    let day = Duration::from_secs(24 * 60 * 60);
    for entry in std::fs::read_dir(base)?.flatten() {
        let old = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
        if old.is_some_and(|age| age > day) {
            std::fs::remove_dir_all(entry.path()).ok();
        }
    }
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let dir = base.join(format!("run-{}-{}", stamp.as_millis(), std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The whole run on one interpreter. Its work directory (copy and venv) is removed at the
/// end, whatever happened; the log stays.
pub fn run_one(interp: &Interpreter, options: &ProjectOptions) -> ProjectReport {
    let start = Instant::now();
    let label = crate::build::cache::sanitize(&interp.label);
    let work = options.work_root.join(&label);
    let log_path = options.work_root.join(format!("{label}.log"));
    let mut log = Log::default();
    let mut report = ProjectReport::new(interp.clone());
    std::fs::remove_dir_all(&work).ok();
    let result = Session::new(interp, options, &work, &mut log, &mut report).and_then(|s| s.run());
    if let Err(failure) = result {
        report.details = failure;
    }
    std::fs::remove_dir_all(&work).ok();
    if std::fs::write(&log_path, &log.text).is_ok() {
        report.log = Some(log_path);
    }
    report.seconds = start.elapsed().as_secs_f64();
    report
}

/// Everything a run on one interpreter writes down, in order.
pub struct Log {
    text: String,
    /// When the previous section ended: each section says how long it took.
    last: Instant,
}

impl Default for Log {
    fn default() -> Self {
        Log { text: String::new(), last: Instant::now() }
    }
}

impl Log {
    pub fn section(&mut self, title: &str, body: &str) {
        let seconds = self.last.elapsed().as_secs_f64();
        self.last = Instant::now();
        self.text.push_str(&format!("==== {title} ({seconds:.1}s)\n{body}"));
        if !body.ends_with('\n') {
            self.text.push('\n');
        }
    }
}

/// pip's refusal of an interpreter outside the project's `requires-python`
/// ("ERROR: Package 'x' requires a different Python: 3.10.13 not in '>=3.11'"), as a reason
/// that says how to leave the interpreter out.
fn unsupported_python(pip_output: &str) -> Option<String> {
    let line = pip_output.lines().find(|l| l.contains("requires a different Python: "))?;
    let (_, detail) = line.split_once("requires a different Python: ")?;
    let (version, spec) = detail.split_once(" not in ")?;
    let spec = spec.trim().trim_matches('\'');
    let minor = |v: &str| -> Option<(u32, u32)> {
        let mut parts = v.trim().split('.').map(|p| p.parse::<u32>().ok());
        Some((parts.next()??, parts.next()??))
    };
    // Below the project's floor, `--min` says it once for every older interpreter.
    let floor = spec.split(',').find_map(|clause| minor(clause.trim().strip_prefix(">=")?));
    let hint = match (floor, minor(version)) {
        (Some(floor), Some(this)) if this < floor => {
            format!("leave it out with --min {}.{}, or with --python", floor.0, floor.1)
        }
        _ => "leave it out with --python".to_string(),
    };
    Some(format!("the project does not support Python {version} (requires-python {spec}): {hint}\n{line}"))
}

/// Why the project's own directory may have come first on the tests' `sys.path`, so that a
/// flat layout's package (`./PKG/`, no built extension in it) was imported instead of the
/// installed one. `test_command` is the user's, `copy` the project's copy.
fn shadowing_reasons(test_command: &[String], copy: &Path, package: &str) -> Vec<String> {
    let words: Vec<&str> = test_command.iter().flat_map(|w| w.split_whitespace()).collect();
    let mut reasons = Vec::new();
    if words.iter().any(|w| *w == "-m" || *w == "-c") {
        reasons.push("`python -m`/`python -c` puts the project's directory first on sys.path".to_string());
    }
    let runs_pytest = words.iter().any(|w| w.rsplit('/').next().is_some_and(|p| p.starts_with("pytest")));
    if runs_pytest && !words.iter().any(|w| w.contains("--import-mode=importlib")) {
        // pytest's default import mode (prepend) inserts the first directory above a test
        // module that is not a package: the project's root when the tests dir is a package.
        let named = words.iter().map(|w| w.split("::").next().unwrap_or(w).trim_end_matches('/'));
        let packages: Vec<String> = named
            .chain(["tests", "test"])
            .filter(|w| !w.starts_with('-') && !w.is_empty())
            .filter(|w| copy.join(w).join("__init__.py").is_file() && *w != package)
            .map(|w| format!("./{w}/__init__.py"))
            .collect();
        if let Some(first) = packages.first() {
            reasons.push(format!(
                "pytest puts the project's directory on sys.path: the tests directory is a package ({first})"
            ));
        }
        if copy.join("conftest.py").is_file() {
            reasons.push("pytest puts the project's directory on sys.path for its ./conftest.py".to_string());
        }
        if has_test_files(&copy.join(package)) {
            reasons
                .push(format!("the tests live inside ./{package}/, which pytest imports from the project"));
        }
    }
    reasons
}

/// Whether a package directory holds test modules (`test_*.py`, `*_test.py`) at its top.
fn has_test_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py"))
    })
}

/// The test requirements found in the project (or named by the user), and where from.
#[derive(Debug, Default)]
struct TestRequirements {
    /// Where they come from, said in the run's output ("requirements/test.txt (the first …)").
    source: String,
    /// The project's extra to install it with (`pip install .[test]`).
    extra: Option<String>,
    requirements: Vec<String>,
    /// Requirements files for `pip -r`, relative to the project.
    files: Vec<String>,
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// One interpreter's run in progress; each step returns the failure text (its first line
/// is the reason) or moves on.
struct Session<'a> {
    interp: &'a Interpreter,
    options: &'a ProjectOptions,
    copy: PathBuf,
    venv: Venv,
    log: &'a mut Log,
    report: &'a mut ProjectReport,
    /// Compiler errors in the build log, even when the build went on without the extension.
    build_errors: Vec<String>,
    /// The extension modules the installed distribution's RECORD lists, with their real paths.
    extension_files: Vec<(String, PathBuf)>,
}

impl<'a> Session<'a> {
    fn new(
        interp: &'a Interpreter,
        options: &'a ProjectOptions,
        work: &Path,
        log: &'a mut Log,
        report: &'a mut ProjectReport,
    ) -> Result<Self, String> {
        report.build = Step::Failed;
        let copy = work.join("project");
        tree::copy_project(&options.project, &copy)
            .map_err(|e| format!("cannot copy {}: {e}", options.project.display()))?;
        if let Some(h) = &options.header {
            let target = copy.join(&h.path);
            std::fs::write(&target, &h.header)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            if let Some(text) = &h.hpy_h {
                let hpy = target.with_file_name(crate::hpy::HPY_HEADER_FILE_NAME);
                std::fs::write(&hpy, text).map_err(|e| format!("cannot write {}: {e}", hpy.display()))?;
            }
        }
        let venv = venv::create(interp, &work.join("venv"), &options.pip)?;
        log.section("venv", &format!("{} (pip {})\n", venv.root.display(), options.pip.version));
        Ok(Session {
            interp,
            options,
            copy,
            venv,
            log,
            report,
            build_errors: vec![],
            extension_files: vec![],
        })
    }

    fn run(mut self) -> Result<(), String> {
        self.install()?;
        self.report.build = Step::Passed;
        self.import_extensions()?;
        if self.report.pure_python.is_some() {
            self.report.import = Step::PurePythonAccepted;
            if !self.options.test_command.is_empty() {
                let argv = self.test_argv().inspect_err(|_| self.report.test = Step::Failed)?;
                self.run_tests(&argv, &self.venv.root.join("imports.log"))?;
            }
            return Ok(());
        }
        if self.options.test_command.is_empty() {
            self.report.import = Step::Passed;
            return Ok(());
        }
        // The modules import; whether the tests imported them is decided after the tests.
        self.report.import = Step::NotRun;
        let log_file = self.venv.root.join("imports.log");
        let argv = self.test_argv().inspect_err(|_| self.report.test = Step::Failed)?;
        let tests = self.run_tests(&argv, &log_file);
        let audit = self.audit_imports(&log_file);
        self.report.import = if audit.is_ok() { Step::Passed } else { Step::Failed };
        match (tests, audit) {
            (Ok(()), Ok(())) => {}
            (Err(t), Err(a)) => return Err(format!("{t}\n{a}")),
            (Err(e), _) | (_, Err(e)) => return Err(e),
        }
        if self.options.leaks && self.interp.debug {
            let rows = leaks::measure(&self.venv, &self.copy, &self.options.test_command, self.log)
                .inspect_err(|_| self.report.test = Step::Failed)?;
            self.report.leaks = Some(rows);
        }
        Ok(())
    }

    /// The test requirements, then the project, each through pip.
    fn install(&mut self) -> Result<(), String> {
        let found = self.test_requirements()?;
        let mut requirements = found.requirements.clone();
        requirements.extend(self.options.with.iter().cloned());
        let mut source = found.source.clone();
        if !self.options.with.is_empty() {
            let with = format!("--with {}", self.options.with.join(","));
            source = if source.is_empty() { with } else { format!("{source}; {with}") };
        }
        self.report.test_requirements = source;
        let extra = found.extra;
        if !requirements.is_empty() || !found.files.is_empty() {
            let mut cmd = self.venv.pip();
            cmd.args(["install", "--no-compile"]).args(&requirements);
            for file in &found.files {
                cmd.arg("-r").arg(file);
            }
            // `-e .` in a requirements file means the project: pip reads it from here.
            cmd.current_dir(&self.copy);
            let mut what: Vec<String> = requirements.clone();
            what.extend(found.files.iter().map(|f| format!("-r {f}")));
            let title = format!("test requirements: {}", what.join(" "));
            self.pip_step(&title, &mut cmd).map_err(|text| match text.starts_with("could not reach") {
                true => text,
                false => format!("cannot install the {title}:\n{}", tail(&text, 20)),
            })?;
        }
        let mut cmd = self.venv.pip();
        cmd.args(["install", "-v"]).arg(&self.copy).current_dir(&self.venv.root);
        self.build_env(&mut cmd);
        let log = self.pip_step("the project (pip install -v .)", &mut cmd);
        let text = match &log {
            Ok(text) | Err(text) => text.clone(),
        };
        self.report.warnings = warnings::compiler_warnings(&text);
        self.build_errors = warnings::compiler_errors(&text);
        log.map_err(|text| match (text.starts_with("could not reach"), unsupported_python(&text)) {
            (true, _) => text,
            (false, Some(why)) => why,
            (false, None) => format!("the build failed (pip install of the project):\n{}", tail(&text, 30)),
        })?;
        // The compiler failed on the project's own sources (relative paths; a backend's
        // try-compile probes use temporary files) and the build went on: an extension was
        // skipped, and its pure-Python fallback would be tested instead.
        let in_sources: Vec<&String> = self.build_errors.iter().filter(|l| !l.starts_with('/')).collect();
        if !in_sources.is_empty() {
            let mut text = "the build skipped an extension: the compiler failed on the project's sources, \
                            yet the build succeeded (setuptools' optional=True, or a fallback in setup.py)"
                .to_string();
            for line in in_sources.iter().take(10) {
                text.push_str(&format!("\n{line}"));
            }
            return Err(text);
        }
        match extra {
            Some(extra) => self.install_extra(&extra),
            None => Ok(()),
        }
    }

    /// The project's test extra, once the project is built: `pip install NAME[EXTRA]` finds
    /// NAME installed and adds only the extra's requirements, so a requirement that cannot be
    /// installed is never mistaken for a failed build of the project.
    fn install_extra(&mut self, extra: &str) -> Result<(), String> {
        let name = self.inspect("name", &[])?;
        let mut cmd = self.venv.pip();
        cmd.args(["install", "--no-compile"])
            .arg(format!("{}[{extra}]", name.trim()))
            .current_dir(&self.venv.root);
        let title = format!("the project's '{extra}' extra (pip install {}[{extra}])", name.trim());
        self.pip_step(&title, &mut cmd).map(|_| ()).map_err(|text| {
            match text.starts_with("could not reach") {
                true => text,
                false => format!("cannot install the test requirements of {title}:\n{}", tail(&text, 20)),
            }
        })
    }

    /// What the compiler sees beyond the project's and the interpreter's own flags: the
    /// interpreter's include dirs as discovery found them (a relocated Debian build's
    /// sysconfig names /usr/include, where its pyconfig.h is not), and `--strict`/`--cflag`.
    fn build_env(&self, cmd: &mut std::process::Command) {
        let mut cpath: Vec<PathBuf> = self.interp.include_dirs.clone();
        if let Some(existing) = std::env::var_os("CPATH") {
            cpath.extend(std::env::split_paths(&existing));
        }
        cmd.env("CPATH", std::env::join_paths(cpath).unwrap_or_default());
        let mut cflags: Vec<String> = std::env::var("CFLAGS").ok().into_iter().collect();
        if self.options.strict {
            cflags.extend(STRICT_CFLAGS.iter().map(|s| s.to_string()));
        }
        cflags.extend(self.options.cflags.iter().cloned());
        if !cflags.is_empty() {
            cmd.env("CFLAGS", cflags.join(" "));
        }
    }

    /// Runs pip; the whole output goes to the log, a failure says whether the index could not
    /// be reached. Returns the output either way.
    fn pip_step(&mut self, title: &str, cmd: &mut std::process::Command) -> Result<String, String> {
        let (ok, text) = match run_captured(cmd, BUILD_TIMEOUT) {
            Ok((ok, out, err)) => (ok, format!("{out}{err}")),
            Err(e) => (false, e),
        };
        self.log.section(title, &text);
        if ok {
            return Ok(text);
        }
        // A network failure says so first; otherwise the caller words the failure.
        Err(match pip::network_failure(&text) {
            Some(network) => format!("{network} (installing {title})\n{}", tail(&text, 10)),
            None => text,
        })
    }

    /// The test requirements as the venv's Python reads them from the project (the rule is
    /// in `python/capi_compat_project.py`; setup.py is parsed, never run), or the files and
    /// groups the user named.
    fn test_requirements(&mut self) -> Result<TestRequirements, String> {
        if !self.options.read_test_requirements {
            let source = "none read from the project (--no-test-requirements)".to_string();
            return Ok(TestRequirements { source, ..Default::default() });
        }
        let mut args: Vec<String> = Vec::new();
        for file in &self.options.requirements_files {
            args.extend(["--requirements".to_string(), file.display().to_string()]);
        }
        for group in &self.options.groups {
            args.extend(["--group".to_string(), group.clone()]);
        }
        let out = self.inspect("requirements", &args)?;
        let mut found = TestRequirements::default();
        let mut notes = String::new();
        for line in out.lines() {
            match line.split_once('\t') {
                Some(("source", text)) => found.source = text.to_string(),
                Some(("extra", name)) => found.extra = Some(name.to_string()),
                Some(("req", req)) => found.requirements.push(req.to_string()),
                Some(("reqfile", file)) => found.files.push(file.to_string()),
                Some(("note", note)) => notes.push_str(&format!("{note}\n")),
                _ => {}
            }
        }
        if !notes.is_empty() {
            self.log.section("test requirements not read", &notes);
        }
        Ok(found)
    }

    fn inspect(&mut self, what: &str, args: &[String]) -> Result<String, String> {
        let mut cmd = self.venv.command(&self.venv.python);
        cmd.args(["-m", "capi_compat_project", what]).arg(&self.copy).args(args).current_dir(&self.venv.root);
        match run_captured(&mut cmd, BUILD_TIMEOUT) {
            Ok((true, out, _)) => Ok(out),
            Ok((false, out, err)) => {
                let text = format!("{out}{err}");
                self.log.section(&format!("capi_compat_project {what}"), &text);
                Err(format!("cannot read the project's {what}: {}", venv::last_line(&text)))
            }
            Err(e) => Err(e),
        }
    }

    /// Every extension module the installed distribution lists must import in a fresh
    /// process (outside the project's tree, so its sources cannot stand in for the build).
    fn import_extensions(&mut self) -> Result<(), String> {
        self.report.import = Step::Failed;
        let out = self.inspect("extensions", &[])?;
        self.extension_files = out
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(module, path)| (module.to_string(), PathBuf::from(path)))
            .collect();
        self.report.extensions = self.extension_files.iter().map(|(m, _)| m.clone()).collect();
        // A compiler error in the project's sources has already failed the build (`install`):
        // what is accepted here is a build that never tried to compile.
        if self.report.extensions.is_empty() {
            if let Some(why) = self.pure_python_accepted()? {
                self.log
                    .section("no extension module: pure Python accepted", &format!("accepted by {why}\n"));
                self.report.pure_python = Some(why);
                return Ok(());
            }
        }
        if self.report.extensions.is_empty() {
            let mut text =
                "the build installed no extension module (did the build fall back to pure Python?)"
                    .to_string();
            if !self.build_errors.is_empty() {
                text.push_str("\ncompiler errors in the build log:");
                for line in self.build_errors.iter().take(10) {
                    text.push_str(&format!("\n{line}"));
                }
            }
            return Err(text);
        }
        let script = "import importlib, sys, traceback\n\
                      failed = 0\n\
                      for name in sys.argv[1:]:\n\
                      \x20   try:\n\
                      \x20       importlib.import_module(name)\n\
                      \x20   except BaseException as e:\n\
                      \x20       failed += 1\n\
                      \x20       print('extension %s does not import: %s: %s' % (name, type(e).__name__, e))\n\
                      \x20       traceback.print_exc()\n\
                      sys.exit(1 if failed else 0)";
        let mut cmd = self.venv.command(&self.venv.python);
        cmd.args(["-c", script]).args(&self.report.extensions).current_dir(&self.venv.root);
        let (ok, text) = match run_captured(&mut cmd, BUILD_TIMEOUT) {
            Ok((ok, out, err)) => (ok, format!("{out}{err}")),
            Err(e) => (false, e),
        };
        self.log.section("import every extension module", &text);
        if ok {
            Ok(())
        } else {
            Err(text.trim_end().to_string())
        }
    }

    /// What accepts a pure-Python build on this interpreter: `--pure-python-ok` or the
    /// project's `[tool.capi-compat] pure-python-ok`, whose pattern is in the label.
    fn pure_python_accepted(&mut self) -> Result<Option<String>, String> {
        let label = &self.interp.label;
        if let Some(p) = self.options.pure_python_ok.iter().find(|p| label.contains(p.as_str())) {
            return Ok(Some(format!("--pure-python-ok {p}")));
        }
        let settings = self.inspect("settings", &[])?;
        let from_project =
            settings.lines().filter_map(|l| l.strip_prefix("pure-python-ok\t")).find(|p| label.contains(p));
        Ok(from_project.map(|p| format!("pyproject.toml [tool.capi-compat] pure-python-ok \"{p}\"")))
    }

    fn run_tests(&mut self, argv: &[String], import_log: &Path) -> Result<(), String> {
        self.report.test = Step::Failed;
        let mut cmd = self.venv.command(&argv[0]);
        cmd.args(&argv[1..])
            .current_dir(&self.copy)
            .env(venv::IMPORT_LOG_VAR, import_log)
            .env("CAPI_COMPAT_PYTHON", &self.venv.python);
        if self.interp.debug {
            // -X dev for the test command and every Python it starts.
            cmd.env("PYTHONDEVMODE", "1");
        }
        let (ok, text) = match run_captured(&mut cmd, TEST_TIMEOUT) {
            Ok((ok, out, err)) => (ok, format!("{out}{err}")),
            Err(e) => (false, e),
        };
        self.log.section(&format!("test command: {}", argv.join(" ")), &text);
        if ok {
            self.report.test = Step::Passed;
            Ok(())
        } else {
            Err(format!("the test command failed: {}\n{}", argv.join(" "), tail(&text, 25)))
        }
    }

    /// The test command with `python`/`python3` (first word) and `{python}` naming the
    /// venv's interpreter, and its program found in the venv or on PATH.
    fn test_argv(&self) -> Result<Vec<String>, String> {
        let argv = crate::matrix::sources::substitute_python(&self.options.test_command, &self.venv.python);
        match self.venv.which(&argv[0]) {
            Some(_) => Ok(argv),
            None => Err(format!(
                "the test command `{}` was not found (neither in the venv nor on PATH); \
                 install it with --with, or start the command with `python -m`",
                argv[0]
            )),
        }
    }

    /// A flat layout (`./PKG/__init__.py` beside the build's `PKG.ext`): the reasons the tests
    /// may have imported the project's sources instead of the installed package, and the
    /// ways out.
    /// `imported`: the extension files the tests loaded. When one of the package's own was
    /// loaded from the installed package, its sources were not what the tests imported: the
    /// tests just never used the others, and no hint is given.
    fn shadowing_hint(&self, imported: &std::collections::BTreeSet<PathBuf>) -> Option<String> {
        let package = self
            .report
            .extensions
            .iter()
            .filter_map(|m| m.split('.').next())
            .find(|top| self.copy.join(top).join("__init__.py").is_file())?;
        let installed_one_loaded = self
            .extension_files
            .iter()
            .any(|(module, path)| module.split('.').next() == Some(package) && imported.contains(path));
        if installed_one_loaded {
            return None;
        }
        let command = &self.options.test_command;
        let mut reasons = shadowing_reasons(command, &self.copy, package);
        if reasons.is_empty() {
            reasons.push(
                "something put the project's directory on sys.path (a pytest `pythonpath` setting, \
                          a conftest.py, a tests directory that is a package)"
                    .to_string(),
            );
        }
        // The ways out that fit this command and layout.
        let words: Vec<&str> = command.iter().flat_map(|w| w.split_whitespace()).collect();
        let mut ways = Vec::new();
        if words.contains(&"-m") || words.contains(&"-c") {
            ways.push("run `pytest` rather than `python -m pytest`".to_string());
        }
        ways.push("add `--import-mode=importlib` to pytest's options".to_string());
        if has_test_files(&self.copy.join(package)) {
            ways.push(format!(
                "run the tests that live inside the package from outside the project: \
                 `sh -c 'cd / && python -m pytest --pyargs {package}'`"
            ));
        }
        ways.push("use a src/ layout".to_string());
        Some(format!(
            "(the project's own ./{package}/, which holds no built extension, may have been imported instead \
             of the installed package: {}. Ways out: {})",
            reasons.join("; "),
            ways.join("; ")
        ))
    }

    /// Every extension module the build installed must appear in the recorder's log.
    fn audit_imports(&mut self, import_log: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(import_log).unwrap_or_default();
        let imported: std::collections::BTreeSet<PathBuf> =
            text.lines().filter_map(|l| l.split_once('\t')).map(|(_, p)| PathBuf::from(p)).collect();
        let never: Vec<String> = self
            .extension_files
            .iter()
            .filter(|(_, path)| !imported.contains(path))
            .map(|(module, _)| format!("extension {module} was built but never imported by the tests"))
            .collect();
        if never.is_empty() {
            return Ok(());
        }
        let mut text = never.join("\n");
        if let Some(hint) = self.shadowing_hint(&imported) {
            text.push_str(&format!("\n{hint}"));
        }
        Err(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interpreter_outside_requires_python_is_named_with_the_way_to_leave_it_out() {
        let pip = "Preparing metadata\nERROR: Package 'multidict' requires a different Python: 3.10.13 not in '>=3.11'\n";
        assert_eq!(
            unsupported_python(pip).unwrap().lines().next().unwrap(),
            "the project does not support Python 3.10.13 (requires-python >=3.11): leave it out with --min 3.11, or with --python"
        );
        let pip = "ERROR: Package 'x' requires a different Python: 3.15.2 not in '<3.15,>=3.9'";
        assert!(unsupported_python(pip).unwrap().starts_with(
            "the project does not support Python 3.15.2 (requires-python <3.15,>=3.9): leave it out with --python\n"
        ));
        assert_eq!(unsupported_python("error: command 'gcc' failed"), None);
    }

    #[test]
    fn what_puts_a_flat_layouts_sources_on_sys_path_is_named() {
        let copy = std::env::temp_dir().join(format!("capi-compat-shadowing-{}", std::process::id()));
        std::fs::create_dir_all(copy.join("tests")).unwrap();
        std::fs::create_dir_all(copy.join("pkg")).unwrap();
        let words = |text: &str| -> Vec<String> { text.split(' ').map(str::to_string).collect() };
        // A plain pytest on tests that are not a package: nothing to name.
        assert!(shadowing_reasons(&words("pytest -q tests/"), &copy, "pkg").is_empty());
        std::fs::write(copy.join("tests/__init__.py"), "").unwrap();
        assert_eq!(
            shadowing_reasons(&words("pytest -q tests/"), &copy, "pkg"),
            ["pytest puts the project's directory on sys.path: the tests directory is a package (./tests/__init__.py)"]
        );
        assert!(shadowing_reasons(&words("pytest --import-mode=importlib tests"), &copy, "pkg").is_empty());
        std::fs::write(copy.join("conftest.py"), "").unwrap();
        assert_eq!(shadowing_reasons(&words("python -m pytest tests::test_x"), &copy, "pkg").len(), 3);
        std::fs::remove_dir_all(&copy).ok();
    }
}
