//! The repository's own spec and header: output is deterministic, the embedded spec is the
//! `spec/` directory, and the committed header is what the spec generates.

mod common;

use capi_compat::spec::version::PyVersion;
use capi_compat::Spec;
use pretty_assertions::assert_eq;
use std::path::PathBuf;

const FLOOR: PyVersion = PyVersion::release(3, 10);

fn embedded_spec() -> Spec {
    capi_compat::load_spec(None).unwrap_or_else(|e| panic!("the embedded spec is invalid:\n{e}"))
}

fn spec_dir() -> PathBuf {
    common::repo_root().join("spec")
}

fn header(spec: &Spec, floor: PyVersion) -> String {
    capi_compat::generate(spec, floor, None).unwrap_or_else(|e| panic!("gen --min {floor}: {e}"))
}

/// Every floor the header supports.
fn floors() -> Vec<PyVersion> {
    (10..=15).map(|minor| PyVersion::release(3, minor)).collect()
}

#[test]
fn generating_twice_gives_identical_bytes() {
    let specs = [
        ("the embedded spec", embedded_spec as fn() -> Spec),
        ("golden/cross_area", || {
            capi_compat::load_spec(Some(&common::fixtures_dir().join("golden/cross_area/spec")))
                .expect("valid fixture")
        }),
    ];
    for (what, load) in specs {
        // Two separate loads, so that nothing may depend on a hash map's per-instance order.
        let (first, second) = (load(), load());
        for floor in floors() {
            assert_eq!(header(&first, floor), header(&second, floor), "{what}, --min {floor}");
        }
    }
}

#[test]
fn embedded_spec_is_the_spec_directory() {
    let dir = spec_dir();
    let from_dir =
        capi_compat::load_spec(Some(&dir)).unwrap_or_else(|e| panic!("--spec {}:\n{e}", dir.display()));
    let embedded = embedded_spec();
    assert_eq!(
        embedded.digest,
        from_dir.digest,
        "the digest of the embedded spec and of --spec {}",
        dir.display()
    );
    assert_eq!(header(&embedded, FLOOR), header(&from_dir, FLOOR));
}

#[test]
fn committed_header_is_fresh() {
    let path = common::repo_root().join("output/include/capi_compat.h");
    let regenerate = "regenerate it: run `cargo run -- gen --min 3.10 -o output/include/capi_compat.h` \
                      in the repository root";
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read the committed header {} ({e}): {regenerate}", path.display())
    });
    let fresh = header(&embedded_spec(), FLOOR);
    assert_eq!(committed, fresh, "{} is not what the spec generates: {regenerate}", path.display());
}

/// output/ also holds the rest of what an install provides (the `--hpy` pair, pkg-config
/// files, the CMake package): the meson subproject uses it as committed.
#[test]
fn committed_install_tree_is_fresh() {
    let regenerate = "regenerate it: run `cargo run -- install-tree output` in the repository root";
    let (spec, hpy) = capi_compat::load_spec_and_hpy(None).expect("the embedded spec is valid");
    let files = capi_compat::install::tree(&spec, &hpy).expect("the install tree renders");
    let output = common::repo_root().join("output");
    for file in &files {
        let path = output.join(&file.path);
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {} ({e}): {regenerate}", path.display()));
        assert!(committed == file.text, "{} is not what capi-compat writes: {regenerate}", path.display());
    }
}

/// The packaged crate carries the spec and the test macros through symlinks inside
/// generator/: they must lead to the repository's own files.
#[test]
fn crate_symlinks_lead_to_the_repository_files() {
    let generator = common::manifest_dir();
    let root = common::repo_root();
    for (link, target) in [
        ("spec", "spec"),
        ("templates/capi_compat_test.h", "tests/c/capi_compat_test.h"),
        ("LICENSE", "LICENSE"),
    ] {
        let resolved =
            generator.join(link).canonicalize().unwrap_or_else(|e| panic!("generator/{link}: {e}"));
        assert_eq!(resolved, root.join(target).canonicalize().unwrap(), "generator/{link}");
    }
}

/// The root meson.build (the meson subproject) states the crate's version.
#[test]
fn meson_subproject_version_is_the_crate_version() {
    let path = common::repo_root().join("meson.build");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let expected = concat!("version: '", env!("CARGO_PKG_VERSION"), "'");
    assert!(
        text.contains(expected),
        "{} must say {expected} (generator/Cargo.toml's version)",
        path.display()
    );
}

/// `cargo package` carries only what is inside generator/ (the symlinks above bring the spec
/// in): a source file that includes a file by a path leaving the crate builds here but not
/// from the packaged crate.
#[test]
fn included_files_stay_inside_the_crate() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut pending = vec![crate_dir.join("src")];
    let mut escaping = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let Some(start) = line.find("include_str!(\"").map(|i| i + "include_str!(\"".len()) else {
                    continue;
                };
                let Some(len) = line[start..].find('"') else { continue };
                // Lexically, as cargo package sees it: `..` climbs from the source's folder.
                let mut depth = path.parent().unwrap().strip_prefix(&crate_dir).unwrap().components().count();
                let mut left = false;
                for part in line[start..start + len].split('/') {
                    match part {
                        ".." if depth == 0 => left = true,
                        ".." => depth -= 1,
                        "." | "" => {}
                        _ => depth += 1,
                    }
                }
                if left {
                    escaping.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(escaping.is_empty(), "includes that leave generator/:\n{}", escaping.join("\n"));
}
