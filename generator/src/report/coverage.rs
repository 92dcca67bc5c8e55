//! `capi-compat coverage`: the spec against every C API name CPython documents as added in
//! 3.11 … 3.15 (spec/coverage/*.tsv): each is provided, refused with a reason, or missing.

use crate::spec::model::{Availability, Kind, Spec};
use crate::spec::version::PyVersion;
use serde::Serialize;
use std::collections::BTreeMap;

const ADDED: &str = include_str!("../../spec/coverage/capi-added.tsv");
const UNDATED: &str = include_str!("../../spec/coverage/capi-undated.tsv");

/// One name CPython added, and the version its documentation (or, for undated names, its
/// headers) gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub kind: String,
    pub added: String,
}

/// Reads a TSV with a header row, taking the name, kind and the named version column.
fn read_targets(text: &str, version_column: &str) -> Vec<Target> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(n), Some(k), Some(v)) = (col("name"), col("kind"), col(version_column)) else {
        return Vec::new();
    };
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|c| c.len() > n.max(k).max(v))
        .map(|c| Target { name: c[n].to_string(), kind: c[k].to_string(), added: c[v].to_string() })
        .collect()
}

/// Every target from 3.11 on (3.10 names are native on every supported Python), each name once.
pub fn targets() -> Vec<Target> {
    let mut seen = std::collections::BTreeSet::new();
    read_targets(ADDED, "added")
        .into_iter()
        .chain(read_targets(UNDATED, "first_public_header"))
        .filter(|t| t.added.as_str() != "3.10")
        .filter(|t| seen.insert(t.name.clone()))
        .collect()
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct VersionCounts {
    pub added: usize,
    pub provided: usize,
    /// Provided from a later version than 3.10 on, refused below it (also counted here, not
    /// in `provided` or `refused`).
    pub partly: usize,
    pub refused: usize,
    pub missing: usize,
}

/// What one interpreter gets of the documented additions.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct InterpreterCounts {
    pub native: usize,
    pub provided: usize,
    pub refused: usize,
    /// Not in the spec at all (see `missing`).
    pub missing: usize,
}

/// PyPy 3.11 against every public name of CPython 3.10 (spec/pypy/): what the header backfills
/// (`pypy: backfill`/`replace` entries), what is refused (refused.tsv), what is open (open.tsv);
/// the rest PyPy declares itself. The PyPy probe of `capi-compat test` proves the split against
/// PyPy's headers (it fails on a lacking name none of the three lists names).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct PyPy310Counts {
    pub names: usize,
    pub native: usize,
    pub provided: usize,
    pub refused: usize,
    pub open: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Refusal {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub provided: Vec<String>,
    pub refused: Vec<Refusal>,
    pub missing: Vec<String>,
    pub by_version: BTreeMap<String, VersionCounts>,
    /// Names provided only from some version on: (name, from).
    pub partly: Vec<(String, String)>,
    /// Per interpreter (CPython 3.10 … 3.15, PyPy 3.11): native, provided, refused.
    pub by_interpreter: Vec<(String, InterpreterCounts)>,
    /// Names whose spec `since` names another minor version than CPython's documentation
    /// (the since probe against real headers is what decides; this is for review).
    pub since_differs: Vec<String>,
    /// PyPy 3.11 against CPython 3.10's public names.
    pub pypy_cpython310: PyPy310Counts,
}

fn pypy_cpython310(spec: &Spec) -> PyPy310Counts {
    use crate::selftest::pypy_probe::{open_names, refusals, universe};
    let (Ok(universe), Ok(refused), Ok(open)) = (universe(), refusals(), open_names()) else {
        return PyPy310Counts::default();
    };
    let mut counts = PyPy310Counts { names: universe.len(), ..Default::default() };
    for u in &universe {
        let backfilled =
            spec.get(&u.name).is_some_and(|e| e.refused.is_none() && e.pypy.emitted_on_any_pypy());
        if backfilled {
            counts.provided += 1;
        } else if refused.iter().any(|r| r.covers(&u.name)) {
            counts.refused += 1;
        } else if open.iter().any(|(n, _)| n == &u.name) {
            counts.open += 1;
        } else {
            counts.native += 1;
        }
    }
    counts
}

pub fn compute(spec: &Spec) -> Coverage {
    let mut cov = Coverage {
        provided: Vec::new(),
        refused: Vec::new(),
        missing: Vec::new(),
        by_version: BTreeMap::new(),
        partly: Vec::new(),
        by_interpreter: Vec::new(),
        since_differs: Vec::new(),
        pypy_cpython310: pypy_cpython310(spec),
    };
    let mut interpreters: Vec<(String, Option<u32>, InterpreterCounts)> = (10..=15)
        .map(|minor| {
            let v = PyVersion::release(3, minor);
            (format!("CPython {v}"), Some(v.hex()), InterpreterCounts::default())
        })
        .collect();
    interpreters.push(("PyPy 3.11".to_string(), None, InterpreterCounts::default()));
    for target in targets() {
        let counts = cov.by_version.entry(target.added.clone()).or_default();
        counts.added += 1;
        match spec.get(&target.name).filter(|e| e.kind != Kind::Helper) {
            Some(entry) => {
                for (_, hex, counts) in &mut interpreters {
                    let availability = match hex {
                        Some(hex) => entry.availability_at(*hex),
                        None => entry.availability_on_pypy(),
                    };
                    match availability {
                        Availability::Native => counts.native += 1,
                        Availability::Provided => counts.provided += 1,
                        Availability::Refused => counts.refused += 1,
                    }
                }
                if let (Some(from), Some(reason)) = (entry.provided_from, &entry.refused) {
                    counts.partly += 1;
                    cov.partly.push((target.name.clone(), from.to_string()));
                    cov.refused.push(Refusal {
                        name: target.name.clone(),
                        reason: format!("below {from}: {reason}"),
                    });
                } else if let Some(reason) = &entry.refused {
                    counts.refused += 1;
                    cov.refused.push(Refusal { name: target.name.clone(), reason: reason.clone() });
                } else {
                    counts.provided += 1;
                    cov.provided.push(target.name.clone());
                }
                if let Some(since) = entry.since {
                    if since.series().to_string() != target.added {
                        cov.since_differs
                            .push(format!("{}: spec {since}, docs {}", target.name, target.added));
                    }
                }
            }
            None => {
                counts.missing += 1;
                cov.missing.push(target.name.clone());
                for (_, _, counts) in &mut interpreters {
                    counts.missing += 1;
                }
            }
        }
    }
    cov.by_interpreter = interpreters.into_iter().map(|(label, _, counts)| (label, counts)).collect();
    cov
}

impl Coverage {
    pub fn render(&self) -> String {
        let row = |label: &str, c: &VersionCounts| {
            format!(
                "{label:<8} {:>6} {:>9} {:>7} {:>8} {:>8}\n",
                c.added, c.provided, c.partly, c.refused, c.missing
            )
        };
        let mut out = format!(
            "{:<8} {:>6} {:>9} {:>7} {:>8} {:>8}\n",
            "VERSION", "ADDED", "PROVIDED", "PARTLY", "REFUSED", "MISSING"
        );
        let mut total = VersionCounts::default();
        for (version, c) in &self.by_version {
            out.push_str(&row(version, c));
            total.added += c.added;
            total.provided += c.provided;
            total.partly += c.partly;
            total.refused += c.refused;
            total.missing += c.missing;
        }
        out.push_str(&row("total", &total));
        if !self.partly.is_empty() {
            out.push_str("\nPARTLY: provided from a version on, refused below it:\n");
            for (name, from) in &self.partly {
                out.push_str(&format!("  {name}: from {from}\n"));
            }
        }
        out.push_str(&format!(
            "\nper interpreter, of the {} documented additions (PyPy as the spec's `pypy:` claims, which the PyPy probe proves):\n",
            total.added
        ));
        out.push_str(&format!(
            "{:<12} {:>7} {:>9} {:>8} {:>8}\n",
            "INTERPRETER", "NATIVE", "PROVIDED", "REFUSED", "MISSING"
        ));
        for (label, c) in &self.by_interpreter {
            out.push_str(&format!(
                "{label:<12} {:>7} {:>9} {:>8} {:>8}\n",
                c.native, c.provided, c.refused, c.missing
            ));
        }
        let p = &self.pypy_cpython310;
        out.push_str(&format!(
            "\nPyPy 3.11, of CPython 3.10's {} public names (spec/pypy/; the PyPy probe proves the split): {} native, {} provided by the header, {} refused (refused.tsv), {} open (open.tsv)\n",
            p.names, p.native, p.provided, p.refused, p.open
        ));
        if !self.since_differs.is_empty() {
            out.push_str(
                "\n`since` differs from the documentation's versionadded (the since probe decides):\n",
            );
            for line in &self.since_differs {
                out.push_str(&format!("  {line}\n"));
            }
        }
        if !self.missing.is_empty() {
            out.push_str(&format!("\nneither provided nor refused ({}):\n", self.missing.len()));
            for chunk in self.missing.chunks(6) {
                out.push_str(&format!("  {}\n", chunk.join(" ")));
            }
        }
        out
    }
}
