//! `capi-compat matrix PROJECT_DIR` on the packages in tests/projects: built by their own
//! backends (setuptools, meson-python) through pip in a venv per interpreter, tested, and
//! proven to have imported their C code. Broken variants (a fallback that hides the
//! extension, an undefined symbol, a build error, a leak, an unreachable index, bad input)
//! must fail for the right reason. The full 12-interpreter runs are in scripts/test.sh; these
//! use one or two interpreters each to stay quick.
//!
//! They need the network once (pip, setuptools, meson and pytest from PyPI; pip's cache is
//! reused afterwards); without it they fail saying "could not reach the package index".

mod common;

use common::project::{
    assert_no_env_left, ccdemo_on_312, listing, matrix, patch, project_copy, CCDEMO_HEADER,
};
use common::{repo_root, signals, TempDir};
use std::path::PathBuf;
use std::process::Command;

#[test]
fn setuptools_package_passes_on_a_release_and_a_debug_build_and_the_tree_is_untouched() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    let before = listing(&dir);
    // The dependency group `test` brings pytest: no --with needed. The debug build runs the
    // tests in dev mode, which the second command checks.
    let dev_mode_check =
        "import sys, ccdemo; sys.exit(sys.flags.dev_mode != hasattr(sys, 'gettotalrefcount'))";
    let run = matrix(
        &[
            dir.to_str().unwrap(),
            "--header",
            CCDEMO_HEADER,
            "--python",
            "cpython-3.12",
            "--python",
            "pythons/cpython-3.14-dbg",
            "--require",
            "3.12,3.14-dbg",
            "--",
            "sh",
            "-c",
            &format!("python -m pytest -q && python -c \"{dev_mode_check}\""),
        ],
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert_eq!(run.rows().len(), 2, "{}", run.context());
    for row in run.rows() {
        assert_eq!(
            (row["build"].as_str(), row["import"].as_str(), row["test"].as_str()),
            (Some("passed"), Some("passed"), Some("passed")),
            "{row}"
        );
        assert_eq!(row["extensions"], serde_json::json!(["ccdemo._speedups", "ccdemo.sub._native"]), "{row}");
        // The unused variable in _native.c is counted, never fatal.
        assert_eq!(row["warnings"], 1, "{row}");
        assert!(row["warning_lines"][0].as_str().unwrap().contains("unused variable"), "{row}");
    }
    assert!(run.stdout.contains("matrix: 2 passed, 0 failed"), "{}", run.context());
    assert!(run.stdout.contains("WARNINGS"), "{}", run.context());
    assert_eq!(listing(&dir), before, "the user's tree changed");
    assert_no_env_left(&run);
    let junit = run.junit.as_deref().expect("JUnit report");
    assert_eq!(junit.matches("<testcase ").count(), 2, "{junit}");
    assert!(!junit.contains("<failure"), "{junit}");
    assert_well_formed_xml(junit);
}

/// Parsed by Python's XML parser, as CI dashboards would.
fn assert_well_formed_xml(text: &str) {
    let tmp = TempDir::new("junit");
    let file = tmp.path().join("report.xml");
    std::fs::write(&file, text).unwrap();
    let parse = "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])";
    let status = Command::new("python3").args(["-c", parse]).arg(&file).status().expect("python3");
    assert!(status.success(), "not well-formed XML:\n{text}");
}

#[test]
fn meson_python_package_passes_with_its_test_extra() {
    let (_tmp, dir) = project_copy("meson-pkg");
    // pytest comes from the `test` extra: a run without it would fail to find pytest.
    let run = matrix(
        &[
            dir.to_str().unwrap(),
            "--header",
            "src/mesondemo/capi_compat.h",
            "--python",
            "pypy",
            "--",
            "python",
            "-m",
            "pytest",
            "-q",
        ],
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert_eq!(run.rows()[0]["extensions"], serde_json::json!(["mesondemo._core", "mesondemo.ext._bytes"]));
    assert_eq!(run.all("test"), ["passed"]);
}

#[test]
fn a_fallback_hiding_the_extension_fails_as_never_imported() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    // A typo in the import: the ImportError is swallowed, the pure-Python code passes the tests.
    patch(&dir.join("src/ccdemo/__init__.py"), "from ._speedups import", "from ._speedup import");
    let run = ccdemo_on_312(&dir, &["--", "python", "-m", "pytest", "-q"]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    assert_eq!(run.all("test"), ["passed"], "the tests themselves pass: {}", run.context());
    assert_eq!(run.all("import"), ["failed"], "{}", run.context());
    assert_eq!(run.all("reason"), ["extension ccdemo._speedups was built but never imported by the tests"]);
    assert!(run.stdout.contains("matrix: 0 passed, 1 failed"), "{}", run.context());
    let junit = run.junit.as_deref().unwrap();
    assert!(
        junit.contains(
            "<failure message=\"extension ccdemo._speedups was built but never imported by the tests\""
        ),
        "{junit}"
    );
}

/// setuptools-pkg without src/: the package ./ccdemo beside setup.py.
fn flat_layout_copy() -> (TempDir, PathBuf) {
    let (tmp, src_layout) = project_copy("setuptools-pkg");
    let dir = src_layout.with_file_name("flat-pkg");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in ["setup.py", "pyproject.toml", "tests"] {
        std::fs::rename(src_layout.join(entry), dir.join(entry)).unwrap();
    }
    std::fs::rename(src_layout.join("src/ccdemo"), dir.join("ccdemo")).unwrap();
    patch(&dir.join("setup.py"), "\"include_dirs\": [\"src/ccdemo\"]", "\"include_dirs\": [\"ccdemo\"]");
    std::fs::write(
        dir.join("setup.py"),
        std::fs::read_to_string(dir.join("setup.py")).unwrap().replace("src/ccdemo/", "ccdemo/"),
    )
    .unwrap();
    patch(&dir.join("pyproject.toml"), "where = [\"src\"]", "where = [\".\"]");
    (tmp, dir)
}

#[test]
fn a_flat_layout_shadowed_by_python_m_gets_a_hint_and_passes_with_the_pytest_script() {
    let (_tmp, dir) = flat_layout_copy();
    let args = [dir.to_str().unwrap(), "--header", "ccdemo/capi_compat.h", "--python", "cpython-3.12", "--"];
    let run = matrix(&[&args[..], &["python", "-m", "pytest", "-q"]].concat(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    let details = &run.all("details")[0];
    assert!(
        details.starts_with("extension ccdemo._speedups was built but never imported by the tests\n"),
        "{details}"
    );
    assert!(
        details.contains("`python -m`/`python -c` puts the project's directory first on sys.path"),
        "{details}"
    );
    assert!(details.contains("run `pytest` rather than `python -m pytest`"), "{details}");
    let run = matrix(&[&args[..], &["pytest", "-q"]].concat(), &[]);
    assert_eq!(run.code, Some(0), "{}", run.context());
}

#[test]
fn an_extension_that_does_not_import_fails_with_the_loaders_reason() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    // Links (shared objects may leave symbols undefined), then fails to load.
    patch(
        &dir.join("src/ccdemo/sub/_native.c"),
        "static PyObject *\nclamp_int(",
        "extern int ccdemo_not_defined_anywhere(void);\nstatic PyObject *\nclamp_int(",
    );
    patch(
        &dir.join("src/ccdemo/sub/_native.c"),
        "(void)module;\n    if (nargs != 3)",
        "(void)module;\n    if (ccdemo_not_defined_anywhere()) return NULL;\n    if (nargs != 3)",
    );
    let run = ccdemo_on_312(&dir, &["--", "python", "-m", "pytest", "-q"]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    assert_eq!(
        (run.all("build"), run.all("import"), run.all("test")),
        (vec!["passed".to_string()], vec!["failed".to_string()], vec!["not_run".to_string()])
    );
    let reason = &run.all("reason")[0];
    assert!(reason.starts_with("extension ccdemo.sub._native does not import: ImportError"), "{reason}");
    assert!(reason.contains("undefined symbol: ccdemo_not_defined_anywhere"), "{reason}");
}

#[test]
fn build_errors_and_strict_flags_fail_the_build_with_the_log_tail() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    // Our strict flags make the project's unused variable an error.
    let run = ccdemo_on_312(&dir, &["--strict", "--", "python", "-m", "pytest"]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    assert_eq!(run.all("build"), ["failed"]);
    let details = &run.all("details")[0];
    assert!(details.starts_with("the build failed (pip install of the project):"), "{details}");
    assert!(details.contains("unused variable") && details.contains("-Werror"), "{details}");
    assert_no_env_left(&run);

    // Without --header the vendored header is missing: the backend's own error.
    let run = matrix(&[dir.to_str().unwrap(), "--python", "cpython-3.12"], &[]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    assert!(run.all("details")[0].contains("capi_compat.h: No such file or directory"), "{}", run.context());
}

#[test]
fn an_optional_extension_the_build_skipped_fails_the_build() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    // setuptools goes on without an optional extension that does not compile; --strict makes
    // _native's unused variable an error, and ccdemo.sub falls back to pure Python.
    patch(
        &dir.join("setup.py"),
        "[\"src/ccdemo/sub/_native.c\"], **common",
        "[\"src/ccdemo/sub/_native.c\"], optional=True, **common",
    );
    let run = ccdemo_on_312(&dir, &["--strict", "--", "python", "-m", "pytest", "-q"]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    assert_eq!(run.all("build"), ["failed"], "{}", run.context());
    let details = &run.all("details")[0];
    assert!(
        details.starts_with("the build skipped an extension: the compiler failed on the project's sources"),
        "{details}"
    );
    assert!(details.contains("src/ccdemo/sub/_native.c:12:9: error: unused variable"), "{details}");
}

#[test]
fn a_missing_test_command_is_a_clear_failure() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    let run = ccdemo_on_312(&dir, &["--", "no-such-test-runner", "-q"]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    assert_eq!(
        (run.all("build"), run.all("import"), run.all("test")),
        (vec!["passed".to_string()], vec!["not_run".to_string()], vec!["failed".to_string()])
    );
    assert_eq!(run.all("reason")[0], "the test command `no-such-test-runner` was not found (neither in the venv nor on PATH); install it with --with, or start the command with `python -m`");
}

#[test]
fn leaks_are_reported_per_test_on_debug_builds() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    // pop_many forgets to release each key it looked up.
    patch(
        &dir.join("src/ccdemo/_speedups.c"),
        "        Py_DECREF(key);\n        if (removed < 0)",
        "        if (removed < 0)",
    );
    let run = matrix(
        &[
            dir.to_str().unwrap(),
            "--header",
            CCDEMO_HEADER,
            "--leaks",
            "--python",
            "pythons/cpython-3.14-dbg",
            "--",
            "python",
            "-m",
            "pytest",
            "-q",
        ],
        &[],
    );
    assert_eq!(run.code, Some(1), "{}", run.context());
    let leaks = run.rows()[0]["leaks"].as_array().expect("leak rows").clone();
    let leaking: Vec<&str> =
        leaks.iter().filter(|r| r["leaks"] == true).map(|r| r["test"].as_str().unwrap()).collect();
    assert_eq!(leaking, ["tests/test_ccdemo.py::test_pop_many_counts_what_it_removed"], "{}", run.context());
    assert_eq!(leaks.len(), 5, "{}", run.context());
    assert!(
        run.stdout.contains("LEAK   tests/test_ccdemo.py::test_pop_many_counts_what_it_removed"),
        "{}",
        run.context()
    );
}

#[test]
fn leaks_under_unittest_are_measured_per_test_id() {
    let (_tmp, dir) = project_copy("meson-pkg");
    // count_items takes a reference to every key and never gives it back.
    patch(
        &dir.join("src/mesondemo/_core.c"),
        "strs += PyUnicode_Check(key) ? 1 : 0;",
        "strs += PyUnicode_Check(key) ? 1 : 0;\n        Py_INCREF(key);",
    );
    let run = matrix(
        &[
            dir.to_str().unwrap(),
            "--header",
            "src/mesondemo/capi_compat.h",
            "--leaks",
            "--python",
            "pythons/cpython-3.13-dbg",
            "--",
            "python",
            "-m",
            "unittest",
            "discover",
            "-s",
            "tests",
            "-p",
            "test_unittest_style.py",
        ],
        &[],
    );
    let leaks = run.rows()[0]["leaks"]
        .as_array()
        .unwrap_or_else(|| panic!("no leak rows: {}", run.context()))
        .clone();
    let verdicts: Vec<(String, bool)> =
        leaks.iter().map(|r| (r["test"].as_str().unwrap().to_string(), r["leaks"] == true)).collect();
    assert_eq!(
        verdicts,
        [
            ("test_unittest_style.JoinBytes.test_count_items".to_string(), true),
            ("test_unittest_style.JoinBytes.test_join".to_string(), false)
        ],
        "{}",
        run.context()
    );
    assert_eq!(run.code, Some(1), "{}", run.context());
}

#[test]
fn an_unreachable_index_is_named_plainly() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    let env = [("PIP_INDEX_URL", "http://127.0.0.1:9/simple"), ("PIP_RETRIES", "1"), ("PIP_TIMEOUT", "2")];
    let run = matrix(
        &[
            dir.to_str().unwrap(),
            "--header",
            CCDEMO_HEADER,
            "--python",
            "cpython-3.12",
            "--with",
            "hypothesis",
        ],
        &env,
    );
    assert_eq!(run.code, Some(1), "{}", run.context());
    let reason = &run.all("reason")[0];
    assert!(reason.starts_with("could not reach the package index: "), "{reason}");
}

#[test]
fn bad_input_is_a_one_line_usage_error() {
    let tmp = TempDir::new("project-bad-input");
    let cases: [(Vec<String>, &str); 4] = [
        (vec![tmp.path().display().to_string()], "no pyproject.toml or setup.py here"),
        (vec!["x.c".into(), "--with".into(), "pytest".into()], "--with needs a PROJECT_DIR"),
        (
            vec![
                repo_root().join("tests/projects/setuptools-pkg").display().to_string(),
                "--header".into(),
                "../x.h".into(),
            ],
            "give a path inside the project",
        ),
        (
            vec![
                repo_root().join("tests/projects/setuptools-pkg").display().to_string(),
                "--header".into(),
                "nowhere/x.h".into(),
            ],
            "the project has no directory nowhere",
        ),
    ];
    for (args, expected) in cases {
        let output =
            Command::new(env!("CARGO_BIN_EXE_capi-compat")).arg("matrix").args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(expected), "{args:?}: {stderr}");
    }
}

/// setuptools-pkg whose setup.py leaves the C extensions out on PyPy, as markupsafe does.
fn pure_on_pypy_copy() -> (TempDir, PathBuf) {
    let (tmp, dir) = project_copy("setuptools-pkg");
    patch(&dir.join("setup.py"), "from setuptools import", "import platform\nfrom setuptools import");
    patch(
        &dir.join("setup.py"),
        "    ext_modules=[",
        "    ext_modules=[] if platform.python_implementation() == \"PyPy\" else [",
    );
    (tmp, dir)
}

#[test]
fn an_intentional_pure_python_build_fails_unless_accepted_and_is_never_called_a_pass() {
    let (_tmp, dir) = pure_on_pypy_copy();
    let test = ["--", "python", "-m", "pytest", "-q"];
    let run_with = |extra: &[&str]| {
        let mut args = vec![dir.to_str().unwrap(), "--header", CCDEMO_HEADER];
        args.extend_from_slice(extra);
        args.extend_from_slice(&test);
        matrix(&args, &[])
    };

    // Not accepted: the build installed nothing, which is what a broken build looks like.
    let run = run_with(&["--python", "pypy"]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    assert_eq!(
        run.all("reason"),
        ["the build installed no extension module (did the build fall back to pure Python?)"]
    );

    // Accepted on PyPy only: CPython still builds and tests its extensions; PyPy's tests run
    // on the pure-Python code and the report says so in every rendering.
    let run = run_with(&["--python", "pypy", "--python", "cpython-3.12", "--pure-python-ok", "pypy"]);
    assert_eq!(run.code, Some(0), "{}", run.context());
    let rows: Vec<(String, String, String, String)> = run
        .rows()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (s("label").split('-').next().unwrap().to_string(), s("outcome"), s("import"), s("test"))
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("cpython".into(), "passed".into(), "passed".into(), "passed".into()),
            ("pypy".into(), "pure_python_accepted".into(), "pure_python_accepted".into(), "passed".into()),
        ],
        "{}",
        run.context()
    );
    let pypy = &run.rows()[1];
    assert_eq!(pypy["passed"], false, "{pypy}");
    assert_eq!(pypy["extensions"], serde_json::json!([]), "{pypy}");
    assert_eq!(pypy["pure_python_accepted_by"], "--pure-python-ok pypy", "{pypy}");
    assert!(run.stdout.contains("matrix: 1 passed, 1 pure-python (accepted), 0 failed"), "{}", run.context());
    assert!(run.stdout.contains("(accepted by --pure-python-ok pypy)"), "{}", run.context());
    let junit = run.junit.as_deref().expect("JUnit report");
    assert_eq!(
        junit.matches("<skipped message=\"pure-python (accepted by --pure-python-ok pypy)").count(),
        1
    );
    assert!(junit.contains("skipped=\"1\""), "{junit}");
    assert_well_formed_xml(junit);

    // The same from the project's pyproject.toml; tests that fail still fail.
    let pyproject = dir.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).unwrap();
    std::fs::write(&pyproject, format!("{text}\n[tool.capi-compat]\npure-python-ok = [\"pypy\"]\n")).unwrap();
    let run = run_with(&["--python", "pypy"]);
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert_eq!(run.all("outcome"), ["pure_python_accepted"], "{}", run.context());
    assert!(
        run.stdout.contains("accepted by pyproject.toml [tool.capi-compat] pure-python-ok \"pypy\""),
        "{}",
        run.context()
    );
    std::fs::write(dir.join("tests/test_broken.py"), "def test_broken():\n    assert False\n").unwrap();
    let run = run_with(&["--python", "pypy"]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    assert_eq!(run.all("outcome"), ["failed"], "{}", run.context());
    assert!(run.all("reason")[0].starts_with("the test command failed"), "{}", run.context());
}

#[test]
fn a_compiler_error_is_not_excused_by_pure_python_ok() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    // Both extensions optional, one broken: the build goes on without it. That is a failure
    // to build, not an intended pure-Python build.
    patch(&dir.join("setup.py"), "**common)", "optional=True, **common)");
    patch(&dir.join("src/ccdemo/_speedups.c"), "#include", "#error broken on purpose\n#include");
    let run = ccdemo_on_312(&dir, &["--pure-python-ok", "cpython", "--", "python", "-m", "pytest", "-q"]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    assert_eq!(run.all("outcome"), ["failed"], "{}", run.context());
    assert!(run.all("reason")[0].starts_with("the build skipped an extension"), "{}", run.context());
}

#[test]
fn test_requirements_come_from_a_literal_extras_require_in_setup_py() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    // No dependency group: pytest reaches the venv only through setup.py's `test` extra.
    let pyproject = dir.join("pyproject.toml");
    patch(&pyproject, "[dependency-groups]\ntest = [\"pytest>=7\"]\n", "");
    patch(
        &pyproject,
        "requires-python = \">=3.10\"",
        "requires-python = \">=3.10\"\ndynamic = [\"optional-dependencies\"]",
    );
    patch(&dir.join("setup.py"), "common = {", "TEST_REQUIRES = [\"pytest>=7\"]\ncommon = {");
    patch(&dir.join("setup.py"), "setup(\n", "setup(\n    extras_require={\"test\": TEST_REQUIRES},\n");
    let run = ccdemo_on_312(&dir, &["--", "python", "-m", "pytest", "-q"]);
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert_eq!(run.all("test"), ["passed"], "{}", run.context());
    let log = std::fs::read_to_string(run.rows()[0]["log"].as_str().unwrap()).unwrap();
    // The extra comes after the build, by name: a requirement that cannot be installed is
    // not reported as a failed build of the project.
    assert!(
        log.contains("==== the project (pip install -v .)")
            && log.contains("==== the project's 'test' extra (pip install ccdemo[test])"),
        "pip was not asked for the test extra:\n{log}"
    );
    assert!(run.stdout.contains("\ntest requirements: the 'test' extra (setup.py)\n"), "{}", run.context());
    assert_eq!(run.rows()[0]["test_requirements"], "the 'test' extra (setup.py)");
}

/// What the inspector reads from setup.py and setup.cfg (no network: it only reads files).
fn inspector_requirements(files: &[(&str, &str)]) -> String {
    inspector_requirements_with(files, &[])
}

/// The same with the inspector's own arguments (`--requirements FILE`, `--group NAME`); files
/// may be in subdirectories.
fn inspector_requirements_with(files: &[(&str, &str)], args: &[&str]) -> String {
    let tmp = TempDir::new("inspector");
    for (name, text) in files {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let script = common::manifest_dir().join("src/matrix/project/python/capi_compat_project.py");
    let output =
        Command::new("python3").arg(script).arg("requirements").arg(tmp.path()).args(args).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn setup_py_extras_and_tests_require_are_read_without_running_setup_py() {
    // Running this setup.py would fail: it is parsed, never executed.
    let literal = "raise SystemExit('executed')\nfrom setuptools import setup\nBASE = ['pytest>=7']\n\
                   setup(name='x', extras_require={'docs': ['sphinx'], 'tests': BASE + ['hypothesis']},\n\
                   \x20     tests_require=BASE + ['coverage'])\n";
    assert_eq!(
        inspector_requirements(&[("setup.py", literal)]),
        "source\tthe 'tests' extra (setup.py), tests_require (setup.py)\nextra\ttests\nreq\tpytest>=7\nreq\tcoverage\n"
    );
    // A computed value is named in a note, not guessed at; computed extras' values still
    // name their extras (pip resolves those from the built metadata).
    let computed =
        "import setuptools, os\nsetuptools.setup(extras_require={'test': os.environ['T'].split()},\n\
                    \x20   tests_require=[r for r in open('req.txt')])\n";
    assert_eq!(
        inspector_requirements(&[("setup.py", computed)]),
        "note\tsetup.py line 3: tests_require is computed, not a literal; not read (give the test \
         requirements with --with)\nsource\tthe 'test' extra (setup.py)\nextra\ttest\n"
    );
    let cfg = "[options]\ntests_require =\n    pytest\n[options.extras_require]\ntesting = nose\ntest =\n    pytest\n";
    assert_eq!(
        inspector_requirements(&[("setup.cfg", cfg)]),
        "source\tthe 'test' extra (setup.cfg), tests_require (setup.cfg)\nextra\ttest\nreq\tpytest\n"
    );
    // pyproject.toml's own extras win: setuptools refuses extras declared in both places.
    let pyproject = "[project]\nname = 'x'\n[project.optional-dependencies]\ndev = ['pytest']\n";
    assert_eq!(inspector_requirements(&[("pyproject.toml", pyproject), ("setup.py", literal)]), "");
}

/// Each place projects keep test requirements in, and the rule between them: what the
/// metadata declares for tests, else the first test requirements file, else tox.ini's
/// [testenv] deps, else the `dev` group or a dev requirements file. Named files and groups
/// replace all of it.
#[test]
fn test_requirements_come_from_requirements_files_tox_ini_and_dependency_groups() {
    let reqs = ("requirements/test.txt", "pytest\n");
    assert_eq!(
        inspector_requirements(&[("setup.py", "from setuptools import setup\nsetup()\n"), reqs]),
        "source\trequirements/test.txt (the first test requirements file found)\nreqfile\trequirements/test.txt\n"
    );
    // The order of the files: requirements-test.txt before requirements/test.txt.
    assert_eq!(
        inspector_requirements(&[reqs, ("requirements-test.txt", "pytest\n"), ("requirements-dev.txt", "x\n")]),
        "source\trequirements-test.txt (the first test requirements file found)\nreqfile\trequirements-test.txt\n"
    );
    // Declared metadata wins over a file.
    let group = "[project]\nname = 'x'\n[dependency-groups]\ntesting = ['pytest', {include-group = 'cov'}]\ncov = ['coverage']\n";
    assert_eq!(
        inspector_requirements(&[("pyproject.toml", group), reqs]),
        "source\tthe 'testing' dependency group (pyproject.toml)\nreq\tpytest\nreq\tcoverage\n"
    );
    // tox.ini: plain lines and -r files ({toxinidir} filled in); factor lines and other
    // substitutions are named, not installed.
    let tox = "[tox]\nenvlist = py3\n[testenv]\ndeps =\n    pytest>=7  # the runner\n    -r{toxinidir}/ci/req.txt\n    \
               py312: numpy\n    {env:EXTRA}\ncommands = pytest\n";
    assert_eq!(
        inspector_requirements(&[("tox.ini", tox), ("requirements-dev.txt", "x\n")]),
        "note\ttox.ini [testenv] deps: 'py312: numpy' is for some tox environments only or needs tox to fill it in; \
         not installed (give it with --with)\n\
         note\ttox.ini [testenv] deps: '{env:EXTRA}' is for some tox environments only or needs tox to fill it in; \
         not installed (give it with --with)\n\
         source\ttox.ini [testenv] deps\nreq\tpytest>=7\nreqfile\tci/req.txt\n"
    );
    // A `dev` group, and else a dev requirements file, when nothing is declared for tests.
    let dev = "[project]\nname = 'x'\n[dependency-groups]\ndev = ['pytest']\ndocs = ['sphinx']\n";
    assert_eq!(
        inspector_requirements(&[("pyproject.toml", dev), ("requirements-dev.txt", "x\n")]),
        "source\tthe 'dev' dependency group (pyproject.toml; no test group)\nreq\tpytest\n"
    );
    assert_eq!(
        inspector_requirements(&[("setup.py", "setup()\n"), ("requirements/dev.txt", "x\n")]),
        "source\trequirements/dev.txt (no test requirements declared)\nreqfile\trequirements/dev.txt\n"
    );
    assert_eq!(inspector_requirements(&[("setup.py", "setup()\n")]), "");
    // Named: only these, whatever the project declares.
    assert_eq!(
        inspector_requirements_with(
            &[("pyproject.toml", dev), reqs],
            &["--requirements", "requirements/test.txt", "--group", "docs"]
        ),
        "source\t-r requirements/test.txt --group docs (as asked)\nreq\tsphinx\nreqfile\trequirements/test.txt\n"
    );
}

#[test]
fn a_requirements_file_is_installed_and_named_in_the_output() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    // No group: pytest comes only from requirements/test.txt, which includes another file
    // (pip reads `-r` relative to the file).
    patch(&dir.join("pyproject.toml"), "[dependency-groups]\ntest = [\"pytest>=7\"]\n", "");
    std::fs::create_dir_all(dir.join("requirements")).unwrap();
    std::fs::write(dir.join("requirements/test.txt"), "-r base.txt\n").unwrap();
    std::fs::write(dir.join("requirements/base.txt"), "pytest>=7\n").unwrap();
    let run = ccdemo_on_312(&dir, &["--", "pytest", "-q"]);
    assert_eq!(run.code, Some(0), "{}", run.context());
    assert!(
        run.stdout.contains(
            "\ntest requirements: requirements/test.txt (the first test requirements file found)\n"
        ),
        "{}",
        run.context()
    );
    // A group that is not there: the reason names it.
    let run = ccdemo_on_312(&dir, &["--group", "lint", "--", "pytest", "-q"]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    assert_eq!(
        run.all("reason")[0],
        "cannot read the project's requirements: error: [dependency-groups] has no group lint"
    );
}

#[test]
fn a_requirements_file_outside_the_project_is_a_usage_error() {
    let (_tmp, dir) = project_copy("setuptools-pkg");
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .arg("matrix")
        .arg(&dir)
        .args(["--requirements", "requirements/nope.txt", "--", "pytest"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: --requirements requirements/nope.txt: no such file in the project; give its path relative to the project's root\n"
    );
}

/// `pytest tests/` with tests/__init__.py: pytest's default import mode puts the project's
/// root first on sys.path, so a flat layout's ./ccdemo (no .so in it) is imported; the
/// failure says why and how to get out (that `--import-mode=importlib` then passes was tried
/// on xxhash 4.1.0, README "Tried on real packages": not run here, to save a build).
#[test]
fn a_flat_layout_shadowed_by_plain_pytest_gets_the_hint() {
    let (_tmp, dir) = flat_layout_copy();
    std::fs::write(dir.join("tests/__init__.py"), "").unwrap();
    let args = [dir.to_str().unwrap(), "--header", "ccdemo/capi_compat.h", "--python", "cpython-3.12", "--"];
    let run = matrix(&[&args[..], &["pytest", "-q", "tests/"]].concat(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.context());
    let details = &run.all("details")[0];
    assert!(
        details.contains(
            "pytest puts the project's directory on sys.path: the tests directory is a package (./tests/__init__.py)"
        ),
        "{details}"
    );
    assert!(details.contains("add `--import-mode=importlib` to pytest's options"), "{details}");
}

/// SIGTERM while the tests run: pip's/pytest's process groups are stopped (no grandchild
/// survives), the run's work directory is removed, the exit code is 143 with a message.
#[test]
fn sigterm_stops_every_child_and_removes_the_runs_work() {
    let (tmp, dir) = project_copy("setuptools-pkg");
    let marker = tmp.path().join("grandchild.pid");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_capi-compat"));
    cmd.arg("matrix")
        .arg(&dir)
        .args(["--header", CCDEMO_HEADER, "--python", "cpython-3.12", "--no-test-requirements", "--"])
        .args(signals::sleeping_test_command(&marker));
    let run = signals::interrupt_when_running(&mut cmd, &marker, "-TERM");
    assert_eq!(run.code, Some(143), "{}", run.stderr);
    assert!(
        run.stderr.contains("capi-compat: interrupted (SIGTERM): stopping 1 running process group"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("matrix:"), "an interrupted run reported results:\n{}", run.stderr);
    assert!(!signals::running(run.grandchild), "the test command's child {} survived", run.grandchild);
    // Each run's directory under the build cache is named run-MILLIS-PID.
    let root = capi_compat::interpreters::cache_dir().join("build/project");
    let left: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(&format!("-{}", run.pid)))
        .collect();
    assert!(left.is_empty(), "the interrupted run left {left:?}");
}
