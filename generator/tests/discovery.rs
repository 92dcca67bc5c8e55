//! Discovery in a controlled environment (`capi-compat pythons` with its own PATH, HOME and
//! cache): a wrapper script whose target changes is never answered from a stale cache, and a
//! debug build on PATH (`python3.Xd`, `python3.X-dbg`) is found once, labelled debug, with its
//! own headers, and builds and runs an extension; Debian's own Python gets the directory its
//! multiarch `pyconfig.h` wrapper needs.

mod common;

use capi_compat::interpreters::{discover, Implementation, Interpreter};
use common::{repo_root, TempDir};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the CLI with `path_dir` first on PATH (then only /usr/bin and /bin, for the compiler),
/// an empty HOME (no pyenv, no uv) and a fresh cache (no provisioned manifest): what it finds
/// comes from `path_dir` (and Debian's `/usr/bin/python3.X`).
fn run_isolated(sandbox: &Path, path_dir: &Path, args: &[&str]) -> Output {
    let home = sandbox.join("home");
    std::fs::create_dir_all(&home).unwrap();
    Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(args)
        .current_dir(repo_root())
        .env("PATH", std::env::join_paths([path_dir, Path::new("/usr/bin"), Path::new("/bin")]).unwrap())
        .env("HOME", &home)
        .env("PYENV_ROOT", sandbox.join("no-pyenv"))
        .env("CAPI_COMPAT_CACHE", sandbox.join("cache"))
        .output()
        .expect("run capi-compat")
}

/// The `pythons` table's rows for one path: (label, kind column, include dirs).
fn row_for(table: &str, path: &Path) -> Option<(String, String, Vec<PathBuf>)> {
    let mut lines = table.lines();
    while let Some(line) = lines.next() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() >= 7 && Path::new(cols[6]) == path {
            let include = lines.next()?.trim().strip_prefix("include:")?;
            let dirs = include.split_whitespace().map(PathBuf::from).collect();
            return Some((cols[0].to_string(), cols[3].to_string(), dirs));
        }
    }
    None
}

/// Two real (non-script) CPython release builds of different versions, outside /usr/bin (which
/// discovery always looks at, so a shim pointing there would be merged with it).
fn two_release_interpreters() -> (Interpreter, Interpreter) {
    let found: Vec<Interpreter> = discover()
        .into_iter()
        .filter(|i| i.implementation == Implementation::CPython && !i.debug && !i.free_threaded)
        .filter(|i| !i.real_executable.starts_with("/usr/bin"))
        .collect();
    let first = found.first().expect("a CPython release build outside /usr/bin").clone();
    let second = found
        .iter()
        .find(|i| i.series() != first.series())
        .expect("two CPython release builds of different versions")
        .clone();
    (first, second)
}

fn write_shim(path: &Path, target: &Path, mtime: std::time::SystemTime) {
    std::fs::write(path, format!("#!/bin/sh\nexec '{}' \"$@\"\n", target.display())).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(mtime).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_wrapper_script_whose_target_changes_is_not_answered_from_the_cache() {
    let (a, b) = two_release_interpreters();
    // Same length whatever the target, and the same mtime: a cache keyed by the script file
    // itself cannot tell the two apart (the failure seen with a pyenv shim).
    let (target_a, target_b) = (a.real_executable.clone(), b.real_executable.clone());
    let width = target_a.as_os_str().len().max(target_b.as_os_str().len());
    // Extra leading slashes name the same file.
    let padded = |p: &Path| PathBuf::from(format!("{:/>width$}", p.display().to_string(), width = width));
    let (target_a, target_b) = (padded(&target_a), padded(&target_b));
    assert!(target_a.is_file() && target_b.is_file(), "{} {}", target_a.display(), target_b.display());

    let sandbox = TempDir::new("shim");
    let bin = sandbox.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let shim = bin.join("python3");
    let mtime = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);

    write_shim(&shim, &target_a, mtime);
    let first = run_isolated(sandbox.path(), &bin, &["pythons"]);
    let table = String::from_utf8_lossy(&first.stdout);
    let (label, _, _) = row_for(&table, &shim).unwrap_or_else(|| panic!("shim not listed:\n{table}"));
    assert!(label.starts_with(&format!("cpython-{}", a.version)), "{table}");

    write_shim(&shim, &target_b, mtime);
    let second = run_isolated(sandbox.path(), &bin, &["pythons"]);
    let table = String::from_utf8_lossy(&second.stdout);
    let (label, _, _) = row_for(&table, &shim).unwrap_or_else(|| panic!("shim not listed:\n{table}"));
    assert!(
        label.starts_with(&format!("cpython-{}", b.version)),
        "after the shim moved to {} discovery still says {label}:\n{table}",
        b.version
    );
}

/// Debian's provisioned debug build (required by the test run), found through a PATH of
/// symlinks only: the names a distribution installs it under, both pointing at one binary.
#[test]
fn a_debug_build_on_path_is_found_once_with_its_multiarch_headers_and_works() {
    let debug = discover()
        .into_iter()
        .find(|i| i.implementation == Implementation::CPython && i.debug && i.source == "provisioned")
        .expect("a provisioned CPython debug build (run scripts/provision-pythons.sh)");
    let minor = debug.series().minor;
    let sandbox = TempDir::new("dbg-path");
    let bin = sandbox.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let dotted_d = bin.join(format!("python3.{minor}d"));
    let dash_dbg = bin.join(format!("python3.{minor}-dbg"));
    std::os::unix::fs::symlink(&debug.real_executable, &dotted_d).unwrap();
    std::os::unix::fs::symlink(&debug.real_executable, &dash_dbg).unwrap();

    let out = run_isolated(sandbox.path(), &bin, &["pythons"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{table}");
    // Both names lead to one binary: listed once, under the first name.
    let listed: Vec<&str> = table.lines().filter(|l| l.contains(bin.to_str().unwrap())).collect();
    assert_eq!(listed.len(), 1, "{table}");
    let (label, kind, include_dirs) =
        row_for(&table, &dash_dbg).or_else(|| row_for(&table, &dotted_d)).expect("debug build listed");
    assert!(label.starts_with(&format!("cpython-3.{minor}.")) && label.ends_with("-dbg"), "{table}");
    assert_eq!(kind, "debug", "{table}");
    // The debug build's own pyconfig.h comes first: the one that defines Py_DEBUG.
    let pyconfig = include_dirs
        .iter()
        .map(|d| d.join("pyconfig.h"))
        .find(|h| h.is_file())
        .unwrap_or_else(|| panic!("no pyconfig.h in {include_dirs:?}"));
    let text = std::fs::read_to_string(&pyconfig).unwrap();
    assert!(
        text.contains("#define Py_DEBUG 1") || text.contains(&format!("python3.{minor}d/pyconfig.h>")),
        "{} is not the debug build's",
        pyconfig.display()
    );
    assert!(include_dirs.iter().any(|d| d.join("Python.h").is_file()), "{include_dirs:?}");

    // And those dirs build an extension that imports and passes its tests there.
    let example = repo_root().join("tests/c/example");
    let python_filter = format!("python3.{minor}");
    let out = run_isolated(
        sandbox.path(),
        &bin,
        &[
            "matrix",
            "--python",
            &python_filter,
            "--require",
            &format!("3.{minor}-dbg"),
            example.join("_example.c").to_str().unwrap(),
            "--",
            "python",
            "-m",
            "unittest",
            "discover",
            "-s",
            example.to_str().unwrap(),
        ],
    );
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    let row =
        text.lines().find(|l| l.starts_with(&label)).unwrap_or_else(|| panic!("{label} not run:\n{text}"));
    assert_eq!(row.split_whitespace().skip(1).take(3).collect::<Vec<_>>(), ["ok", "ok", "ok"], "{text}");
    assert!(text.contains("matrix: ") && text.contains(" passed, 0 failed"), "{text}");
}

#[test]
fn a_python_path_that_is_no_interpreter_is_a_one_line_usage_error() {
    let sandbox = TempDir::new("not-python");
    let fake = sandbox.write("python", "#!/bin/sh\nexit 3\n");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["matrix", "--python", fake.to_str().unwrap(), "tests/c/example/_example.c"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim_end(),
        format!(
            "error: --python {}: not a Python interpreter (it did not answer `-c` with its sysconfig)",
            fake.display()
        )
    );
}

/// Debian's `/usr/include/python3.X/pyconfig.h` only includes
/// `<x86_64-linux-gnu/python3.X/pyconfig.h>`: the directory that holds it must be among the
/// include dirs, found from the wrapper's own `#include` (the unit tests in `include_dirs` do the
/// same on a relocated tree). This machine's Debian python3.11 with its -dev package has that
/// layout; a machine without any such interpreter fails here rather than passing unchecked.
#[test]
fn debians_multiarch_pyconfig_wrapper_gets_the_directory_it_needs() {
    let found = discover();
    let wrapped: Vec<(&Interpreter, String)> = found
        .iter()
        .filter_map(|i| {
            let text = std::fs::read_to_string(i.include_dirs.first()?.join("pyconfig.h")).ok()?;
            let target = text.lines().find_map(|l| {
                let t = l.trim_start().strip_prefix('#')?.trim_start().strip_prefix("include")?.trim_start();
                t.strip_prefix("<x86_64-linux-gnu/")?
                    .split_once('>')
                    .map(|(t, _)| format!("x86_64-linux-gnu/{t}"))
            })?;
            Some((i, target))
        })
        .collect();
    assert!(
        !wrapped.is_empty(),
        "no interpreter with Debian's multiarch pyconfig.h (Debian's python3.X-dev) found"
    );
    for (interpreter, target) in wrapped {
        assert!(
            interpreter.include_dirs.iter().any(|d| d.join(&target).is_file()),
            "{}: no include dir holds {target}: {:?}",
            interpreter.label,
            interpreter.include_dirs
        );
    }
}
