//! What `scan` found, classified against the spec: spec names used (with their status on each
//! interpreter from `--min` on), replaced names used (`spec/replaced.yaml`), names the header
//! refuses, and other private (`_Py…`) names. The report is plain data: `render` prints it,
//! `--json` serializes it as is.

use super::files::{read_source, ScanError};
use super::guards::{self, VersionRange};
use super::layers::{compatibility_layer, Layer};
use crate::spec::model::{Availability, Entry, Kind, Replaced, Spec, PYPY_LANGUAGE};
use crate::spec::version::{PyVersion, NEWEST};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One use of a name: where, and (when the code is under a `PY_VERSION_HEX` check) on which
/// CPython versions it is compiled.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// `PY_VERSION_HEX` bounds of the `#if` around the use, e.g. `< 3.13`; absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_on: Option<String>,
    /// The use is compiled only where the name itself is defined (`#ifdef NAME`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub only_where_defined: bool,
    /// The use is in the body of this macro.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_macro: Option<String>,
    /// In a macro that nothing scanned uses (directly or through used macros): never compiled.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unused_macro: bool,
}

/// A spec name the code uses, and how each interpreter gets it.
#[derive(Debug, Clone, Serialize)]
pub struct SpecNameUse {
    pub name: String,
    pub kind: &'static str,
    pub area: String,
    pub since: Option<String>,
    /// Per interpreter (`3.10` … `3.15`, `pypy3.11`): `native`, `backport` or `refused`.
    pub status: BTreeMap<String, &'static str>,
    /// A `CAPI_COMPAT_*` macro the code must define before including the header to get it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switch: Option<String>,
    pub uses: Vec<Location>,
}

/// A removed, deprecated, private or discouraged name the code uses, and what replaces it.
#[derive(Debug, Clone, Serialize)]
pub struct ReplacedUse {
    pub name: String,
    pub kind: &'static str,
    pub private: bool,
    pub removed: Option<String>,
    pub deprecated: Option<String>,
    pub discouraged: Option<String>,
    pub replacement: Option<String>,
    /// Renaming is the whole change (what `capi-compat upgrade` rewrites).
    pub exact: bool,
    pub change: Option<String>,
    /// How each interpreter gets the replacement (absent: every supported CPython has it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement_status: Option<BTreeMap<String, &'static str>>,
    pub source: String,
    /// Removed from CPython at or before the newest supported version, and some use is
    /// compiled there: `--check` fails.
    pub breaks: bool,
    pub uses: Vec<Location>,
}

/// A name the header refuses on some interpreter in range, and why.
#[derive(Debug, Clone, Serialize)]
pub struct RefusedUse {
    pub name: String,
    pub reason: String,
    /// The interpreters where neither CPython nor the header provides it.
    pub refused_on: Vec<String>,
    pub uses: Vec<Location>,
}

/// A private name (`_Py…`) neither the spec nor `replaced.yaml` knows.
#[derive(Debug, Clone, Serialize)]
pub struct PrivateUse {
    pub name: String,
    pub uses: Vec<Location>,
}

/// A vendored compatibility header left out of the scan.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedLayer {
    pub file: String,
    pub layer: Layer,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub min: String,
    /// The interpreters reported on: CPython `--min` … 3.15, and PyPy 3.11 when `--min` ≤ 3.11.
    pub interpreters: Vec<String>,
    pub files: Vec<String>,
    /// Compatibility layers found among the files (pythoncapi-compat's header, ours): not
    /// the project's code, so not read.
    pub skipped_layers: Vec<SkippedLayer>,
    /// Files that are not UTF-8: read with U+FFFD for the bad bytes.
    pub lossy_files: Vec<String>,
    pub spec_names: Vec<SpecNameUse>,
    pub replaced: Vec<ReplacedUse>,
    pub refused: Vec<RefusedUse>,
    pub private: Vec<PrivateUse>,
}

impl ScanReport {
    /// The removed names whose use makes `--check` fail.
    pub fn breaking(&self) -> Vec<&ReplacedUse> {
        self.replaced.iter().filter(|r| r.breaks).collect()
    }
}

/// The interpreters from `min` on: (label, `PY_VERSION_HEX` or `None` for PyPy).
fn interpreters(min: PyVersion) -> Vec<(String, Option<u32>)> {
    let mut out: Vec<(String, Option<u32>)> = (min.minor..=NEWEST.minor)
        .map(|minor| {
            let v = PyVersion::release(3, minor);
            (v.to_string(), Some(v.hex()))
        })
        .collect();
    if min <= PYPY_LANGUAGE {
        out.push((format!("pypy{PYPY_LANGUAGE}"), None));
    }
    out
}

fn status_word(a: Availability) -> &'static str {
    match a {
        Availability::Native => "native",
        Availability::Provided => "backport",
        Availability::Refused => "refused",
    }
}

fn statuses(entry: &Entry, interpreters: &[(String, Option<u32>)]) -> BTreeMap<String, &'static str> {
    interpreters
        .iter()
        .map(|(label, hex)| {
            let a = match hex {
                Some(hex) => entry.availability_at(*hex),
                None => entry.availability_on_pypy(),
            };
            (label.clone(), status_word(a))
        })
        .collect()
}

/// Reads the files and classifies every name they use.
pub fn scan(spec: &Spec, files: &[PathBuf], min: PyVersion) -> Result<ScanReport, ScanError> {
    let interpreters = interpreters(min);
    let mut uses: BTreeMap<String, Vec<Found>> = BTreeMap::new();
    let mut lossy_files = Vec::new();
    let mut macros = MacroUses::default();
    // Types and macros the code defines itself: a `_Py…` one is the project's, not CPython's.
    let mut own_names = std::collections::BTreeSet::new();
    let mut scanned = Vec::new();
    let mut skipped_layers = Vec::new();
    for path in files {
        let (text, lossy) = read_source(path)?;
        let file = path.display().to_string();
        // A vendored pythoncapi_compat.h uses, under its version guards, the private API it
        // backports from: reported as the project's, `--check` failed on code it never wrote.
        if let Some(layer) = compatibility_layer(path, &text) {
            skipped_layers.push(SkippedLayer { file, layer });
            continue;
        }
        scanned.push(file.clone());
        if lossy {
            lossy_files.push(file.clone());
        }
        own_names.extend(guards::defined_names(&text));
        let guarded = guards::guarded_identifiers(&text);
        macros.add(&guarded);
        for found in guarded {
            // `#ifdef NAME` asks whether the name exists; it is no use of it.
            if found.feature_test || !is_candidate(spec, &found.name) {
                continue;
            }
            let mut only_on: Vec<String> =
                found.range.within(min.hex(), NEWEST.hex()).describe().into_iter().collect();
            let pypy_range = found.pypy_range.within(min.hex(), NEWEST.hex()).describe();
            if found.only_pypy {
                only_on = vec![pypy_range.map_or("PyPy".into(), |r| format!("PyPy {r}"))];
            } else if found.not_on_pypy {
                only_on.push("not PyPy".into());
            } else if found.pypy_range != found.range {
                only_on.push(format!("PyPy {}", pypy_range.as_deref().unwrap_or("any version")));
            }
            let location = Location {
                file: file.clone(),
                line: found.line,
                column: found.column,
                only_on: (!only_on.is_empty()).then(|| only_on.join(", ")),
                only_where_defined: found.where_defined.contains(&found.name),
                in_macro: found.in_macro.clone(),
                unused_macro: false,
            };
            let compiled_on = interpreters
                .iter()
                .filter(|(_, hex)| compiles(&found, *hex))
                .map(|(label, _)| label.clone())
                .collect();
            let on_cpython = !found.only_pypy;
            uses.entry(found.name).or_default().push(Found {
                location,
                range: found.range,
                on_cpython,
                compiled_on,
            });
        }
    }
    let mut report = ScanReport {
        min: min.to_string(),
        interpreters: interpreters.iter().map(|(l, _)| l.clone()).collect(),
        files: scanned,
        skipped_layers,
        lossy_files,
        spec_names: Vec::new(),
        replaced: Vec::new(),
        refused: Vec::new(),
        private: Vec::new(),
    };
    let live = macros.live();
    for found in uses.values_mut().flatten() {
        found.location.unused_macro = found.location.in_macro.as_ref().is_some_and(|m| !live.contains(m));
    }
    for (name, found) in uses {
        let locations: Vec<Location> = found.iter().map(|f| f.location.clone()).collect();
        if let Some(entry) = spec.get(&name) {
            classify_entry(entry, &interpreters, &found, &mut report);
        } else if let Some(replaced) = spec.replaced(&name) {
            let compiled_where_removed = found.iter().any(|f| {
                f.on_cpython
                    && !f.location.only_where_defined
                    && !f.location.unused_macro
                    && replaced.removed.is_some_and(|r| f.range.includes_from(r.hex()) && r <= NEWEST)
            });
            report.replaced.push(replaced_use(
                spec,
                replaced,
                &interpreters,
                compiled_where_removed,
                locations,
            ));
        } else if !own_names.contains(&name) {
            report.private.push(PrivateUse { name, uses: locations });
        }
    }
    Ok(report)
}

/// Names worth reporting: spec entries (not our helpers), replaced names, private `_Py` names.
fn is_candidate(spec: &Spec, name: &str) -> bool {
    spec.get(name).is_some_and(|e| e.kind != Kind::Helper)
        || spec.replaced(name).is_some()
        || name.starts_with("_Py")
        || name.starts_with("_PY")
}

/// Which macros the scanned code uses: a name in a `#define` body is compiled only where the
/// macro is expanded. A macro is live when active code outside any macro body uses it, or the
/// body of a live macro does.
#[derive(Default)]
struct MacroUses {
    /// Names used outside macro bodies.
    direct: std::collections::BTreeSet<String>,
    /// Each macro's body's names.
    bodies: BTreeMap<String, std::collections::BTreeSet<String>>,
}

impl MacroUses {
    fn add(&mut self, names: &[guards::GuardedName]) {
        for n in names {
            match &n.in_macro {
                Some(m) => {
                    self.bodies.entry(m.clone()).or_default().insert(n.name.clone());
                }
                None => {
                    self.direct.insert(n.name.clone());
                }
            }
        }
    }

    fn live(&self) -> std::collections::BTreeSet<String> {
        let mut live: std::collections::BTreeSet<String> =
            self.direct.iter().filter(|n| self.bodies.contains_key(*n)).cloned().collect();
        let mut queue: Vec<String> = live.iter().cloned().collect();
        while let Some(m) = queue.pop() {
            for used in self.bodies.get(&m).into_iter().flatten() {
                if self.bodies.contains_key(used) && live.insert(used.clone()) {
                    queue.push(used.clone());
                }
            }
        }
        live
    }
}

/// One use while the files are read: where, and which interpreters compile it.
struct Found {
    location: Location,
    range: VersionRange,
    /// Not only on PyPy.
    on_cpython: bool,
    compiled_on: Vec<String>,
}

/// Is code under these guards compiled on the interpreter with this `PY_VERSION_HEX` series
/// (`None`: PyPy, which implements 3.11)? A bound inside a series' pre-releases counts as
/// excluding the series.
fn compiles(found: &guards::GuardedName, series_hex: Option<u32>) -> bool {
    let (range, hex) = match series_hex {
        Some(_) if found.only_pypy => return false,
        Some(hex) => (found.range, hex),
        None if found.not_on_pypy => return false,
        None => (found.pypy_range, PYPY_LANGUAGE.hex()),
    };
    range.from.is_none_or(|f| f < hex + 0x1_0000) && range.below.is_none_or(|b| b > (hex | 0xF0))
}

fn classify_entry(
    entry: &Entry,
    interpreters: &[(String, Option<u32>)],
    found: &[Found],
    report: &mut ScanReport,
) {
    let status = statuses(entry, interpreters);
    let uses: Vec<Location> = found.iter().map(|f| f.location.clone()).collect();
    // Only uses compiled where the name is refused count; one under `#ifdef NAME` is compiled
    // only where the interpreter has the name.
    let refused_here = |f: &&Found| {
        !f.location.only_where_defined
            && !f.location.unused_macro
            && f.compiled_on.iter().any(|label| status.get(label) == Some(&"refused"))
    };
    let problems: Vec<&Found> = found.iter().filter(refused_here).collect();
    let refused_on: Vec<String> = interpreters
        .iter()
        .map(|(label, _)| label)
        .filter(|label| status.get(*label) == Some(&"refused"))
        .filter(|label| problems.iter().any(|f| f.compiled_on.contains(label)))
        .cloned()
        .collect();
    let unguarded: Vec<Location> = problems.iter().map(|f| f.location.clone()).collect();
    if !refused_on.is_empty() {
        let reason = match &entry.refused {
            Some(reason) => reason.trim().to_string(),
            None => "the backport cannot work on PyPy (spec: `pypy: unavailable`)".to_string(),
        };
        report.refused.push(RefusedUse { name: entry.name.clone(), reason, refused_on, uses: unguarded });
    }
    report.spec_names.push(SpecNameUse {
        name: entry.name.clone(),
        kind: entry.kind.as_str(),
        area: entry.area.clone(),
        since: entry.since.map(|v| v.to_string()),
        status,
        switch: entry.switch.clone(),
        uses,
    });
}

fn replaced_use(
    spec: &Spec,
    replaced: &Replaced,
    interpreters: &[(String, Option<u32>)],
    breaks: bool,
    uses: Vec<Location>,
) -> ReplacedUse {
    let replacement_status =
        replaced.replacement.as_deref().and_then(|r| spec.get(r)).map(|entry| statuses(entry, interpreters));
    ReplacedUse {
        name: replaced.name.clone(),
        kind: replaced.kind.as_str(),
        private: replaced.private(),
        removed: replaced.removed.map(|v| v.to_string()),
        deprecated: replaced.deprecated.map(|v| v.to_string()),
        discouraged: replaced.discouraged.clone(),
        replacement: replaced.replacement.clone(),
        exact: replaced.exact,
        change: replaced.change.clone(),
        replacement_status,
        source: replaced.source.clone(),
        breaks,
        uses,
    }
}
