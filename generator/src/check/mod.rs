//! `capi-compat check FILE…`: is a vendored header exactly what its banner's command writes
//! with this capi-compat? Fresh, stale or edited (with the entries that differ and the
//! generator that wrote it), or not a header of ours at all. With `--hpy`, the `hpy.h` next
//! to the header is checked too.

pub mod banner;
pub mod chunks;

use crate::hpy::HpySpec;
use crate::Spec;
use std::path::{Path, PathBuf};

/// The verdict on one file.
#[derive(Debug)]
pub enum Outcome {
    Fresh {
        path: PathBuf,
        banner: banner::Banner,
    },
    /// Differs from what its command writes now.
    Stale {
        path: PathBuf,
        banner: banner::Banner,
        differences: chunks::Differences,
        hpy_h_differs: bool,
    },
    /// Not a header capi-compat wrote (or unreadable).
    NotOurs {
        path: PathBuf,
        why: String,
    },
}

impl Outcome {
    /// 0 fresh, 1 stale or edited, 2 not ours.
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Fresh { .. } => 0,
            Outcome::Stale { .. } => 1,
            Outcome::NotOurs { .. } => 2,
        }
    }
}

/// Checks one file against the spec (and the HPy data, for a `--hpy` header).
pub fn check(path: &Path, spec: &Spec, hpy: &HpySpec) -> Outcome {
    let not_ours = |why: String| Outcome::NotOurs { path: path.to_path_buf(), why };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return not_ours(format!("cannot be read: {e}")),
    };
    let banner = match banner::parse(&text) {
        Ok(banner) => banner,
        Err(e) => return not_ours(e.to_string()),
    };
    let options = &banner.options;
    let fresh = if let Some(paths) = &options.used_by {
        regenerate_used_by(path, paths, options, spec, hpy)
    } else if options.hpy {
        crate::hpy::generate(spec, hpy, options.min, options.only.as_deref()).map(|(header, _)| header)
    } else {
        crate::generate_with(spec, options.min, options.only.as_deref(), options.pythoncapi_compat)
            .map_err(crate::hpy::HpyError::Plan)
    };
    let fresh = match fresh {
        Ok(fresh) => fresh,
        Err(e) => return not_ours(format!("has a regenerate command this spec cannot follow: {e}")),
    };
    let hpy_h_differs = options.hpy && hpy_h_differs(path);
    if fresh == text && !hpy_h_differs {
        return Outcome::Fresh { path: path.to_path_buf(), banner };
    }
    let differences = chunks::compare(&text, &fresh);
    Outcome::Stale { path: path.to_path_buf(), banner, differences, hpy_h_differs }
}

/// A `--used-by` header again, from the code its banner names (relative to its directory).
fn regenerate_used_by(
    header: &Path,
    paths: &[PathBuf],
    options: &banner::GenOptions,
    spec: &Spec,
    hpy: &HpySpec,
) -> Result<String, crate::hpy::HpyError> {
    use crate::hpy::HpyError;
    let dir = match header.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let absolute: Vec<PathBuf> = paths.iter().map(|p| dir.join(p)).collect();
    let used = crate::header::used_by::read(&absolute, &dir).map_err(|e| HpyError::Probe(e.to_string()))?;
    if !options.hpy {
        return crate::generate_used_by(spec, options.min, &used).map_err(HpyError::Plan);
    }
    let hpy_names = crate::hpy::names::public_name_set(&crate::SpecSource::embedded())?;
    crate::hpy::generate_used_by(spec, hpy, &hpy_names, options.min, &used).map(|(header, _)| header)
}

/// A `--hpy` header's `hpy.h` sits next to it; a missing one is not an error (a project may
/// include the header directly), a different one is.
fn hpy_h_differs(header: &Path) -> bool {
    let hpy_h = header.with_file_name(crate::hpy::HPY_HEADER_FILE_NAME);
    let name = header.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match std::fs::read_to_string(&hpy_h) {
        Ok(text) => text != crate::hpy::hpy_h(&name),
        Err(_) => false,
    }
}

/// The report on one file: one line when fresh, otherwise what differs and how to fix it.
pub fn render(outcome: &Outcome, spec_digest: &str) -> String {
    let ours = env!("CARGO_PKG_VERSION");
    match outcome {
        Outcome::Fresh { path, banner } => {
            format!("{}: fresh (`{}`, capi-compat {ours})\n", path.display(), banner.command)
        }
        Outcome::NotOurs { path, why } => {
            format!("{}: not a header written by capi-compat: {why}\n", path.display())
        }
        Outcome::Stale { path, banner, differences, hpy_h_differs } => {
            let this_spec = format!("fnv1a64:{spec_digest}");
            let same_origin =
                banner.generator_version == ours && banner.digest.as_deref() == Some(&this_spec);
            let origin = format!(
                "written by capi-compat {} from spec {}",
                banner.generator_version,
                banner.digest.as_deref().unwrap_or("(no digest)")
            );
            let mut out = if same_origin {
                format!("{}: edited by hand ({origin}, as this capi-compat)\n", path.display())
            } else {
                format!(
                    "{}: stale ({origin}; this is capi-compat {ours}, spec {this_spec})\n",
                    path.display()
                )
            };
            let mut list = |what: &str, names: &[String]| {
                if !names.is_empty() {
                    out.push_str(&format!("  {what}: {}\n", names.join(", ")));
                }
            };
            list("differs", &differences.changed);
            list("only in the file", &differences.only_in_file);
            list("missing from the file", &differences.missing_from_file);
            if *hpy_h_differs {
                out.push_str(&format!("  differs: {} next to it\n", crate::hpy::HPY_HEADER_FILE_NAME));
            }
            let command = match (&banner.options.used_by, path.parent()) {
                // The paths of `--used-by` are relative to the header's directory.
                (Some(_), Some(dir)) if !dir.as_os_str().is_empty() => {
                    format!("cd {} && {}", dir.display(), banner.command)
                }
                _ => match banner.command.rfind(" -o ") {
                    Some(at) => format!("{} -o {}", &banner.command[..at], path.display()),
                    None => format!("{} -o {}", banner.command, path.display()),
                },
            };
            out.push_str(&format!("  regenerate: {command}\n"));
            out
        }
    }
}
