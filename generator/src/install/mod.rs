//! What an installed capi-compat offers C builds, as a directory tree laid out like an install
//! prefix: the headers, pkg-config files and a CMake package. The same tree is committed in
//! `output/` (the meson subproject's and the Python wheel's copy), written on demand into the
//! cache for a binary installed by cargo, and found next to a pip install (`locate`).
//!
//! ```text
//! include/capi_compat.h                      gen --min 3.10
//! include/capi_compat_hpy/capi_compat.h      gen --hpy --min 3.10
//! include/capi_compat_hpy/hpy.h
//! share/pkgconfig/capi-compat.pc             -I include
//! share/pkgconfig/capi-compat-hpy.pc         -I include/capi_compat_hpy
//! share/cmake/capi_compat/capi_compatConfig.cmake         capi_compat::headers, capi_compat::hpy
//! share/cmake/capi_compat/capi_compatConfigVersion.cmake
//! ```
//! Every path inside the files is relative to the file itself, so the tree can be moved.

mod cmake;
pub mod locate;
mod pkgconfig;

use crate::spec::version::PyVersion;
use crate::{hpy::HpySpec, Spec};
use std::path::Path;

/// The floor of the installed headers: the lowest one, which serves every supported Python.
pub const FLOOR: PyVersion = PyVersion::release(3, 10);
pub const INCLUDE_DIR: &str = "include";
pub const HPY_INCLUDE_DIR: &str = "include/capi_compat_hpy";
pub const PKGCONFIG_DIR: &str = "share/pkgconfig";
pub const CMAKE_DIR: &str = "share/cmake/capi_compat";

/// One file of the tree: its path relative to the root (with `/`), and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    pub path: String,
    pub text: String,
}

/// Every file of the tree, in a fixed order.
pub fn tree(spec: &Spec, hpy: &HpySpec) -> Result<Vec<TreeFile>, crate::hpy::HpyError> {
    let header = crate::generate(spec, FLOOR, None)?;
    let (hpy_header, _) = crate::hpy::generate(spec, hpy, FLOOR, None)?;
    let version = env!("CARGO_PKG_VERSION");
    let file = |dir: &str, name: &str, text: String| TreeFile { path: format!("{dir}/{name}"), text };
    let header_name = crate::header::emit::HEADER_FILE_NAME;
    Ok(vec![
        file(INCLUDE_DIR, header_name, header),
        file(HPY_INCLUDE_DIR, header_name, hpy_header),
        file(HPY_INCLUDE_DIR, crate::hpy::HPY_HEADER_FILE_NAME, crate::hpy::hpy_h(header_name)),
        file(PKGCONFIG_DIR, "capi-compat.pc", pkgconfig::render(pkgconfig::Flavour::Plain, version)),
        file(PKGCONFIG_DIR, "capi-compat-hpy.pc", pkgconfig::render(pkgconfig::Flavour::Hpy, version)),
        file(CMAKE_DIR, "capi_compatConfig.cmake", cmake::config(version)),
        file(CMAKE_DIR, "capi_compatConfigVersion.cmake", cmake::config_version(version)),
    ])
}

/// Writes the tree under `root`, leaving files that already hold the right text untouched.
pub fn write_tree(root: &Path, files: &[TreeFile]) -> std::io::Result<()> {
    for file in files {
        let path = root.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        crate::build::cache::write_if_changed(&path, &file.text)?;
    }
    Ok(())
}

/// Does `root` hold exactly these files' texts (other files are ignored)?
pub fn holds_tree(root: &Path, files: &[TreeFile]) -> bool {
    files.iter().all(|f| std::fs::read_to_string(root.join(&f.path)).is_ok_and(|text| text == f.text))
}
