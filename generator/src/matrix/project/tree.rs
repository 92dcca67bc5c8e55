//! The copy of the user's project each interpreter builds from: the user's tree is never
//! written to (no build/, egg-info or caches appear in it), and what a build or a previous
//! run left there is not copied.

use std::io;
use std::path::Path;

/// What a project directory holds that marks it as a project `pip install` can build.
pub fn is_project_dir(dir: &Path) -> bool {
    dir.join("pyproject.toml").is_file() || dir.join("setup.py").is_file()
}

/// Whether a directory entry is a product of builds, tests or version control rather than
/// part of the project's sources.
fn skipped(name: &str, path: &Path) -> bool {
    matches!(
        name,
        ".git" | ".hg" | ".svn" | "build" | "dist" | "__pycache__" | ".pytest_cache" | ".mypy_cache"
            | ".tox" | ".nox" | ".eggs"
    ) || name.ends_with(".egg-info")
        // A virtual environment, whatever it is called.
        || path.join("pyvenv.cfg").is_file()
}

/// Copies `from` into `to` (created), skipping build products, caches and venvs. Symlinks
/// are copied as the files they point to: the copy must build on its own.
pub fn copy_project(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    let mut entries: Vec<_> = std::fs::read_dir(from)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let path = entry.path();
        if skipped(&name.to_string_lossy(), &path) {
            continue;
        }
        let target = to.join(&name);
        let meta = std::fs::metadata(&path)?;
        if meta.is_dir() {
            copy_project(&path, &target)?;
        } else if meta.is_file() {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_products_caches_and_venvs_stay_behind() {
        let root = std::env::temp_dir().join(format!("capi-compat-tree-{}", std::process::id()));
        let (src, dst) = (root.join("src"), root.join("dst"));
        for dir in ["pkg/__pycache__", "build/lib", "dist", "pkg.egg-info", ".git", "env/bin", "pkg/sub"] {
            std::fs::create_dir_all(src.join(dir)).unwrap();
        }
        for file in ["setup.py", "pkg/__init__.py", "pkg/sub/_x.c", "env/pyvenv.cfg", "build/lib/x.so"] {
            std::fs::write(src.join(file), file).unwrap();
        }
        copy_project(&src, &dst).unwrap();
        assert!(dst.join("setup.py").is_file() && dst.join("pkg/sub/_x.c").is_file());
        for gone in ["pkg/__pycache__", "build", "dist", "pkg.egg-info", ".git", "env"] {
            assert!(!dst.join(gone).exists(), "{gone} was copied");
        }
        assert!(is_project_dir(&src) && !is_project_dir(&src.join("pkg")));
        std::fs::remove_dir_all(&root).ok();
    }
}
