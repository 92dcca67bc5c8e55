//! `capi-compat check` on vendored headers, and where `--includedir`, `--pkgconfigdir` and
//! `--cmakedir` point: next to a pip install when its package holds this binary's files,
//! otherwise the cache.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn capi_compat(args: &[&str], cache: &Path) -> Output {
    run(Path::new(env!("CARGO_BIN_EXE_capi-compat")), args, cache)
}

fn run(binary: &Path, args: &[&str], cache: &Path) -> Output {
    Command::new(binary).args(args).env("CAPI_COMPAT_CACHE", cache).output().expect("running capi-compat")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capi-compat-install-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gen(dir: &Path, args: &[&str]) -> PathBuf {
    let header = dir.join("capi_compat.h");
    let mut all = vec!["gen", "-o", header.to_str().unwrap()];
    all.extend_from_slice(args);
    let output = capi_compat(&all, dir);
    assert!(output.status.success(), "gen {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    header
}

#[test]
fn check_accepts_a_fresh_header() {
    let dir = scratch("fresh");
    let header = gen(&dir, &["--min", "3.12", "--only", "PyDict_GetItemRef"]);
    let output = capi_compat(&["check", header.to_str().unwrap()], &dir);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("fresh (`capi-compat gen --min 3.12 --only PyDict_GetItemRef"));
}

#[test]
fn check_names_the_entries_edited_by_hand() {
    let dir = scratch("edited");
    let header = gen(&dir, &[]);
    let text = std::fs::read_to_string(&header).unwrap();
    let define = "#define PyDict_GetItemRef capicompat_PyDict_GetItemRef\n";
    let edited = text.replacen(define, &format!("{define}/* patched */\n"), 1);
    assert!(edited != text, "the edit must apply");
    std::fs::write(&header, edited).unwrap();
    let output = capi_compat(&["check", header.to_str().unwrap()], &dir);
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report.contains("edited by hand"), "{report}");
    assert!(report.contains("  differs: PyDict_GetItemRef\n"), "{report}");
    assert!(
        report.contains(&format!("regenerate: capi-compat gen --min 3.10 -o {}", header.display())),
        "{report}"
    );
}

#[test]
fn check_names_the_generator_of_a_stale_header() {
    let dir = scratch("stale");
    let header = gen(&dir, &["--only", "PyLong_AsInt"]);
    let text = std::fs::read_to_string(&header).unwrap();
    // As an older capi-compat with another spec wrote it: an entry it had that ours does not.
    let stale = text
        .replacen(concat!("capi-compat ", env!("CARGO_PKG_VERSION"), "."), "capi-compat 0.0.9.", 1)
        .replacen("Spec digest: fnv1a64:", "Spec digest: fnv1a64:00", 1)
        .replacen(
            "\n#ifdef __cplusplus\n}",
            "\n/* PyOld_Thing: gone.\n */\n#define PyOld_Thing 1\n\n#ifdef __cplusplus\n}",
            1,
        );
    std::fs::write(&header, stale).unwrap();
    let output = capi_compat(&["check", header.to_str().unwrap()], &dir);
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report.contains("stale (written by capi-compat 0.0.9 from spec fnv1a64:00"), "{report}");
    assert!(report.contains("  only in the file: PyOld_Thing\n"), "{report}");
    assert!(report.contains("  differs: the preamble\n"), "{report}");
}

#[test]
fn check_covers_the_hpy_h_of_an_hpy_header() {
    let dir = scratch("hpy");
    let header = gen(&dir, &["--hpy"]);
    let fresh = capi_compat(&["check", header.to_str().unwrap()], &dir);
    assert_eq!(fresh.status.code(), Some(0), "{}", stdout(&fresh));
    let hpy_h = dir.join("hpy.h");
    let text = std::fs::read_to_string(&hpy_h).unwrap();
    std::fs::write(&hpy_h, text.replace("PY_SSIZE_T_CLEAN\n#endif", "PY_SSIZE_T_CLEAN\n#endif\n#define X"))
        .unwrap();
    let output = capi_compat(&["check", header.to_str().unwrap()], &dir);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("  differs: hpy.h next to it\n"), "{}", stdout(&output));
}

#[test]
fn check_refuses_files_it_did_not_write() {
    let dir = scratch("other");
    let other = dir.join("other.h");
    std::fs::write(&other, "/* my own header */\n#include <Python.h>\n").unwrap();
    let missing = dir.join("missing.h");
    let output = capi_compat(&["check", other.to_str().unwrap(), missing.to_str().unwrap()], &dir);
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(2), "{report}");
    assert!(report.contains("other.h: not a header written by capi-compat: its first line"), "{report}");
    assert!(report.contains("missing.h: not a header written by capi-compat: cannot be read"), "{report}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("2 files were not written by capi-compat"));
}

/// A binary installed by cargo has no package next to it: the tree is written into the cache.
#[test]
fn locations_without_a_package_are_written_into_the_cache() {
    let cache = scratch("cache");
    let mut printed = Vec::new();
    for flag in ["--includedir", "--pkgconfigdir", "--cmakedir"] {
        let output = capi_compat(&[flag], &cache);
        assert!(output.status.success(), "{flag}: {}", String::from_utf8_lossy(&output.stderr));
        let dir = PathBuf::from(stdout(&output).trim_end());
        assert!(dir.starts_with(cache.join("install-tree")), "{flag}: {}", dir.display());
        printed.push(dir);
    }
    assert!(printed[0].join("capi_compat.h").is_file());
    assert!(printed[0].join("capi_compat_hpy/hpy.h").is_file());
    let pc = std::fs::read_to_string(printed[1].join("capi-compat.pc")).unwrap();
    assert!(pc.contains(concat!("Version: ", env!("CARGO_PKG_VERSION"))), "{pc}");
    assert!(printed[2].join("capi_compatConfig.cmake").is_file());
}

/// Installed by pip: bin/capi-compat and lib/pythonX.Y/site-packages/capi_compat/ holding the
/// same files; a package holding other files (another version) is passed over.
#[test]
fn locations_next_to_a_pip_install_are_the_package() {
    let prefix = scratch("prefix");
    let cache = prefix.join("cache");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    let binary = prefix.join("bin/capi-compat");
    std::fs::copy(env!("CARGO_BIN_EXE_capi-compat"), &binary).unwrap();
    let package = prefix.join("lib/python3.12/site-packages/capi_compat");
    let written = run(&binary, &["install-tree", package.to_str().unwrap()], &cache);
    assert!(written.status.success());
    let output = run(&binary, &["--pkgconfigdir"], &cache);
    assert_eq!(PathBuf::from(stdout(&output).trim_end()), package.join("share/pkgconfig"));

    let pc = package.join("share/pkgconfig/capi-compat.pc");
    std::fs::write(&pc, "Version: 0.0.1\n").unwrap();
    let output = run(&binary, &["--cmakedir"], &cache);
    let dir = PathBuf::from(stdout(&output).trim_end());
    assert!(
        dir.starts_with(cache.join("install-tree")),
        "a stale package must be passed over: {}",
        dir.display()
    );
}
