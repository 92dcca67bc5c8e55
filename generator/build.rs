//! Embeds the repository's spec/*.yaml into the binary, so `capi-compat gen` works anywhere.
use std::{env, fs, path::Path};

fn main() {
    // The compiler driver (cc crate) needs a target triple at run time: ours.
    println!("cargo:rustc-env=CAPI_COMPAT_TARGET={}", env::var("TARGET").unwrap());
    let spec_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    println!("cargo:rerun-if-changed={}", spec_dir.display());
    let mut names: Vec<String> = fs::read_dir(&spec_dir)
        .expect("the spec/ directory next to generator/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    let mut out = String::from("pub static FILES: &[(&str, &str)] = &[\n");
    for name in &names {
        let path = spec_dir.join(name).canonicalize().expect("spec file path");
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("embedded_spec.rs"), out).unwrap();
}
