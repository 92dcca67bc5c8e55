//! Embeds the repository's spec/*.yaml into the binary, so `capi-compat gen` works anywhere.
use std::{env, fs, path::Path};

fn main() {
    // The compiler driver (cc crate) needs a target triple at run time: ours.
    println!("cargo:rustc-env=CAPI_COMPAT_TARGET={}", env::var("TARGET").unwrap());
    // At run time, not `env!`: a build script's binary may be reused for a copy of the crate
    // elsewhere (a shared target directory), and must read that copy's spec.
    let spec_dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("spec");
    // The API spec's files, the HPy layer's data in spec/hpy/, and the upgrade rules.
    let mut out = embed("FILES", &spec_dir);
    out.push_str(&embed("HPY_FILES", &spec_dir.join("hpy")));
    // The upgrade command's rewrite rules, in spec/upgrade/.
    out.push_str(&embed("UPGRADE_FILES", &spec_dir.join("upgrade")));
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("embedded_spec.rs"), out).unwrap();
}

/// `pub static NAME: &[(file name, text)]` for every *.yaml directly in `dir`, sorted by name.
fn embed(static_name: &str, dir: &Path) -> String {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("the spec directory {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    let mut out = format!("pub static {static_name}: &[(&str, &str)] = &[\n");
    for name in &names {
        let path = dir.join(name).canonicalize().expect("spec file path");
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");
    out
}
