//! The include directories a C compiler needs for one interpreter, from what its own sysconfig
//! reports (not from a path pattern). Worked out at each discovery from the cached sysconfig
//! facts, so headers installed after the interpreter was first asked (a `-dev` package) count.

use std::path::{Path, PathBuf};

/// What the interpreter's sysconfig says about its headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderFacts {
    /// `sysconfig.get_path("include")`, `("platinclude")`: install-relative, right even for a
    /// relocated build.
    pub include: Option<PathBuf>,
    pub platinclude: Option<PathBuf>,
    /// `sysconfig.get_config_h_filename()`.
    pub config_h: Option<PathBuf>,
    /// The `MULTIARCH` config variable (`x86_64-linux-gnu` on Debian), if any.
    pub multiarch: Option<String>,
    /// `INCLUDEPY`, `CONFINCLUDEPY`: where the build was configured to install them (stale for a
    /// relocated build, hence last).
    pub build_time: Vec<PathBuf>,
}

/// Best first: `include`, `platinclude`, the directory of `pyconfig.h`, the directory that a
/// wrapper `pyconfig.h` needs on the path, then the build-time ones; each existing one once.
///
/// The wrapper is Debian's multiarch layout: `include/python3.X/pyconfig.h` only does
/// `#include <x86_64-linux-gnu/python3.X/pyconfig.h>`, found relative to `include/`, which the
/// compiler has as a system directory for `/usr` but not for a relocated or copied tree.
pub fn include_dirs(facts: &HeaderFacts) -> Vec<PathBuf> {
    let mut wanted: Vec<PathBuf> = Vec::new();
    wanted.extend(facts.include.iter().cloned());
    wanted.extend(facts.platinclude.iter().cloned());
    if let Some(config_h) = facts.config_h.as_deref().filter(|h| h.is_file()) {
        wanted.extend(config_h.parent().map(Path::to_path_buf));
        wanted.extend(wrapper_root(config_h, facts.multiarch.as_deref()));
    }
    wanted.extend(facts.build_time.iter().cloned());
    let mut seen = Vec::new();
    let mut dirs = Vec::new();
    for dir in wanted {
        let Ok(real) = std::fs::canonicalize(&dir) else { continue };
        if real.is_dir() && !seen.contains(&real) {
            seen.push(real);
            dirs.push(dir);
        }
    }
    dirs
}

/// For a `pyconfig.h` that includes another one by `<…/pyconfig.h>`: the nearest ancestor of its
/// directory under which that file exists (the target for this machine's `MULTIARCH` first).
fn wrapper_root(config_h: &Path, multiarch: Option<&str>) -> Option<PathBuf> {
    let text = std::fs::read_to_string(config_h).ok()?;
    let mut targets: Vec<&str> =
        text.lines().filter_map(angle_include).filter(|t| t.ends_with("/pyconfig.h")).collect();
    if let Some(arch) = multiarch.filter(|a| !a.is_empty()) {
        targets.sort_by_key(|t| !t.starts_with(&format!("{arch}/")));
    }
    let start = std::fs::canonicalize(config_h).ok()?.parent()?.to_path_buf();
    targets
        .iter()
        .find_map(|target| start.ancestors().find(|dir| dir.join(target).is_file()).map(Path::to_path_buf))
}

/// `#  include <a/b.h>` → `a/b.h`.
fn angle_include(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start().strip_prefix("include")?.trim_start();
    rest.strip_prefix('<')?.split_once('>').map(|(target, _)| target)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Debian-style tree under a temp dir: the wrapper in include/python3.13, the real
    /// pyconfig.h in include/<arch>/python3.13, Python.h next to the wrapper.
    fn debian_tree(root: &Path) -> PathBuf {
        let include = root.join("usr/include");
        std::fs::create_dir_all(include.join("python3.13")).unwrap();
        for arch in ["x86_64-linux-gnu", "i386-linux-gnu"] {
            std::fs::create_dir_all(include.join(arch).join("python3.13")).unwrap();
            std::fs::write(include.join(arch).join("python3.13/pyconfig.h"), "/* real */\n").unwrap();
        }
        std::fs::write(include.join("python3.13/Python.h"), "").unwrap();
        std::fs::write(
            include.join("python3.13/pyconfig.h"),
            "#if defined(__i386__)\n#  include <i386-linux-gnu/python3.13/pyconfig.h>\n\
             #elif defined(__x86_64__)\n# include <x86_64-linux-gnu/python3.13/pyconfig.h>\n#endif\n",
        )
        .unwrap();
        include
    }

    fn temp_root(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("capi-compat-incdirs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        root
    }

    #[test]
    fn a_multiarch_wrapper_brings_in_the_directory_its_include_needs() {
        let root = temp_root("wrapper");
        let include = debian_tree(&root);
        let facts = HeaderFacts {
            include: Some(include.join("python3.13")),
            platinclude: Some(include.join("python3.13")),
            config_h: Some(include.join("python3.13/pyconfig.h")),
            multiarch: Some("x86_64-linux-gnu".into()),
            // A relocated build: the configured paths are not on this machine.
            build_time: vec![PathBuf::from("/nonexistent/include/python3.13")],
        };
        let dirs = include_dirs(&facts);
        assert_eq!(dirs, [include.join("python3.13"), include.clone()]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn headers_installed_later_are_found_from_the_same_facts() {
        let root = temp_root("later");
        let include = root.join("usr/include");
        let facts = HeaderFacts {
            include: Some(include.join("python3.13")),
            config_h: Some(include.join("python3.13/pyconfig.h")),
            multiarch: Some("x86_64-linux-gnu".into()),
            ..HeaderFacts::default()
        };
        assert!(include_dirs(&facts).is_empty());
        debian_tree(&root);
        assert_eq!(include_dirs(&facts), [include.join("python3.13"), include.clone()]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_plain_pyconfig_adds_only_its_own_directory() {
        let root = temp_root("plain");
        let dir = root.join("include/python3.12");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pyconfig.h"), "#define HAVE_X 1\n#include <stdio.h>\n").unwrap();
        let facts = HeaderFacts {
            include: Some(dir.clone()),
            config_h: Some(dir.join("pyconfig.h")),
            build_time: vec![dir.clone()],
            ..HeaderFacts::default()
        };
        assert_eq!(include_dirs(&facts), [dir]);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
