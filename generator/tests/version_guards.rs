//! The header's guards compare `CAPICOMPAT_VERSION_HEX` (PY_VERSION_HEX rounded down to the
//! versions they name, defined once at the top) instead of expanding `PY_VERSION_HEX` in each:
//! cheaper to parse (README, "Parse cost"), and it must select exactly the same code. Proof:
//! on every interpreter found, the header and the same header with every guard spelled with
//! `PY_VERSION_HEX` preprocess (`gcc -E`) to the same text, as C and C++, plain, with the
//! self-test's forced backports and with the pythoncapi-compat switch; the `--hpy` header
//! plain and in its debug mode.

use capi_compat::header::emit::VERSION_MACRO;
use capi_compat::spec::version::PyVersion;
use std::path::Path;
use std::process::Command;

mod common;

/// The header as it was before the macro: each guard expands `PY_VERSION_HEX` itself.
fn spelled_with_py_version_hex(header: &str) -> String {
    let start = header.find("\n#if PY_VERSION_HEX >= ").expect("the version chain");
    let end = start + header[start..].find("\n#endif\n").expect("the chain's #endif") + "\n#endif\n".len();
    // Blank lines in its place keep every line number (`__LINE__` in assertions) the same.
    let blank = "\n".repeat(header[start..end].matches('\n').count());
    let without_chain = format!("{}{blank}{}", &header[..start], &header[end..]);
    without_chain.replace(VERSION_MACRO, "PY_VERSION_HEX")
}

fn preprocess(
    header_dir: &Path,
    interp: &capi_compat::interpreters::Interpreter,
    cpp: bool,
    defines: &[&str],
) -> String {
    let mut cmd = Command::new(if cpp { "g++" } else { "gcc" });
    cmd.args(["-E", "-P", "-x", if cpp { "c++" } else { "c" }]);
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    // Run in the header's directory: `__FILE__` is the same in both.
    cmd.current_dir(header_dir).args(["-I", "."]);
    for dir in &interp.include_dirs {
        cmd.arg("-I").arg(dir);
    }
    cmd.arg("use.c");
    let output = cmd.output().expect("run gcc -E");
    assert!(
        output.status.success(),
        "{}: gcc -E failed:\n{}",
        interp.label,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn same_code_selected(header: &str, label: &str, variants: &[&[&str]]) {
    let ours = common::TempDir::new(&format!("guards-ours-{label}"));
    let spelled = common::TempDir::new(&format!("guards-spelled-{label}"));
    let spelled_header = spelled_with_py_version_hex(header);
    assert!(!spelled_header.contains(VERSION_MACRO));
    for (dir, text) in [(&ours, header), (&spelled, spelled_header.as_str())] {
        dir.write("capi_compat.h", text);
        dir.write("use.c", "#include <Python.h>\n#include \"capi_compat.h\"\n");
    }
    let interpreters: Vec<_> =
        capi_compat::interpreters::discover().into_iter().filter(|i| i.supported()).collect();
    assert!(!interpreters.is_empty(), "no supported interpreter found: nothing was compared");
    for interp in &interpreters {
        for cpp in [false, true] {
            for defines in variants.iter().copied() {
                let a = preprocess(ours.path(), interp, cpp, defines);
                let b = preprocess(spelled.path(), interp, cpp, defines);
                assert!(
                    a == b,
                    "{label} on {} ({}, {defines:?}): the guards select different code",
                    interp.label,
                    if cpp { "C++" } else { "C" }
                );
            }
        }
    }
}

#[test]
fn the_version_macro_selects_what_py_version_hex_does() {
    let spec = capi_compat::load_spec(None).unwrap();
    let header = capi_compat::generate(&spec, PyVersion::release(3, 10), None).unwrap();
    let variants: [&[&str]; 3] = [&[], &["CAPI_COMPAT_FORCE_BACKPORTS"], &["CAPI_COMPAT_PYTHONCAPI_COMPAT"]];
    same_code_selected(&header, "full", &variants);
}

#[test]
fn the_version_macro_selects_what_py_version_hex_does_with_hpy() {
    let (spec, hpy) = capi_compat::load_spec_and_hpy(None).unwrap();
    let (header, _) = capi_compat::hpy::generate(&spec, &hpy, PyVersion::release(3, 10), None).unwrap();
    // The HPy section's own guards are not rewritten: the base header's variants cover ours.
    same_code_selected(&header, "hpy", &[&[], &["CAPI_COMPAT_HPY_DEBUG"]]);
}
