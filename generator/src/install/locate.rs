//! Where the running binary's tree is (`--includedir`, `--pkgconfigdir`, `--cmakedir`).
//!
//! Installed by pip, the binary sits in the environment's `bin/` (`Scripts\` on Windows) and
//! the wheel's `capi_compat` package, which carries the tree, in that environment's
//! site-packages: `../lib/python3.X/site-packages/capi_compat` from the binary. A candidate
//! counts only if it holds exactly the files this binary would write, so a package left over
//! from another version is never reported. Installed by cargo, there is no package: the tree
//! is written from the embedded spec into the cache (`~/.cache/capi-compat/install-tree/
//! VERSION-DIGEST`), once per version and spec.

use super::{holds_tree, write_tree, TreeFile};
use std::path::{Path, PathBuf};

/// The directory the Python package has in a wheel, and so in site-packages.
pub const PYTHON_PACKAGE: &str = "capi_compat";

/// The tree for the binary at `exe`: the pip-installed package next to it, else the cache
/// (written if missing).
pub fn tree_root(exe: &Path, files: &[TreeFile], digest: &str) -> std::io::Result<PathBuf> {
    if let Some(found) = package_candidates(exe).into_iter().find(|dir| holds_tree(dir, files)) {
        return Ok(found);
    }
    let root = crate::interpreters::cache_dir()
        .join("install-tree")
        .join(format!("{}-{digest}", env!("CARGO_PKG_VERSION")));
    write_tree(&root, files)?;
    Ok(root)
}

/// Where a Python package installed into the same environment as `exe` would be, in a fixed
/// order: POSIX schemes (`lib/python3.X/site-packages`, Debian's `dist-packages`, PyPy's
/// `lib/pypy3.X`), then Windows' `Lib/site-packages`.
pub fn package_candidates(exe: &Path) -> Vec<PathBuf> {
    let Some(prefix) = exe.parent().and_then(Path::parent) else { return Vec::new() };
    let mut found = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(prefix.join(lib)) else { continue };
        let mut versions: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| {
                e.file_name().to_str().is_some_and(|n| n.starts_with("python") || n.starts_with("pypy"))
            })
            .map(|e| e.path())
            .collect();
        versions.sort();
        for dir in versions {
            for site in ["site-packages", "dist-packages"] {
                found.push(dir.join(site).join(PYTHON_PACKAGE));
            }
        }
    }
    found.push(prefix.join("Lib").join("site-packages").join(PYTHON_PACKAGE));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_follow_the_install_schemes() {
        let base = std::env::temp_dir().join(format!("capi-compat-locate-{}", std::process::id()));
        let site = base.join("lib/python3.12/site-packages");
        std::fs::create_dir_all(&site).unwrap();
        std::fs::create_dir_all(base.join("lib/pypy3.11")).unwrap();
        std::fs::create_dir_all(base.join("lib/other")).unwrap();
        let found = package_candidates(&base.join("bin/capi-compat"));
        std::fs::remove_dir_all(&base).unwrap();
        assert_eq!(
            found,
            vec![
                base.join("lib/pypy3.11/site-packages/capi_compat"),
                base.join("lib/pypy3.11/dist-packages/capi_compat"),
                base.join("lib/python3.12/site-packages/capi_compat"),
                base.join("lib/python3.12/dist-packages/capi_compat"),
                base.join("Lib/site-packages/capi_compat"),
            ]
        );
    }
}
