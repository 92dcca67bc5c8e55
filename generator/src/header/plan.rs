//! Chooses which entries a header gets (`--min`, `--only`) and in which order.

use crate::spec::model::{Entry, Kind, PyPySupport, Spec};
use crate::spec::version::{PyVersion, NEWEST, OLDEST};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    FloorOutOfRange(PyVersion),
    UnknownNames(Vec<String>),
    /// `--only` asked for names the spec refuses, with the reasons.
    Refused(Vec<(String, String)>),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::FloorOutOfRange(v) => {
                write!(f, "--min {v} is outside {OLDEST} … {NEWEST}: the header supports CPython {OLDEST} and newer")
            }
            PlanError::Refused(names) => {
                write!(f, "--only names what the header refuses to provide:")?;
                for (name, why) in names {
                    write!(f, "\n  {name}: {why}")?;
                }
                Ok(())
            }
            PlanError::UnknownNames(names) => write!(
                f,
                "--only names {} that the spec does not have (`capi-compat list` shows every name)",
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// An entry chosen for the header, with the guard it gets there.
#[derive(Debug, Clone)]
pub struct Planned<'a> {
    pub entry: &'a Entry,
    /// Emitted only below this version (for helpers: the newest of their users' `since`;
    /// `None` for a helper asked for by `--only` alone, which is emitted unguarded).
    pub below: Option<PyVersion>,
    pub pypy: PyPySupport,
    pub force_below: Option<PyVersion>,
    /// CPython removed the name here: it is provided again from this version on.
    pub removed: Option<PyVersion>,
    /// Provided only from this version on; below it the name is declared refused.
    pub provided_from: Option<PyVersion>,
    /// Emitted only when the user defines this macro.
    pub switch: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub floor: PyVersion,
    /// Requirements come before what requires them; otherwise spec order.
    pub items: Vec<Planned<'a>>,
    /// `--only` names that need nothing at this floor (native there).
    pub native_at_floor: Vec<String>,
    /// Switches the header itself defines (`gen --pythoncapi-compat`), as if the user had
    /// written `#define SWITCH 1` before the include.
    pub switches_on: Vec<String>,
}

/// Parses `--min`: a minor version within the supported range.
pub fn parse_floor(text: &str) -> Result<PyVersion, String> {
    let v = PyVersion::parse(text)?;
    if v.micro != 0 || v.pre.is_some() {
        return Err(format!("--min takes a minor version like 3.12, not `{text}`"));
    }
    if !v.in_supported_range() {
        return Err(PlanError::FloorOutOfRange(v).to_string());
    }
    Ok(v)
}

fn native_at(entry: &Entry, floor: PyVersion) -> bool {
    // Helpers are never native: they exist when something needs them. A name CPython removed
    // later is not native at a floor from its removal on. A name PyPy lacks is needed as long
    // as the floor admits PyPy (which implements 3.11).
    let pypy_needs_it = entry.pypy.emitted_on_any_pypy() && floor <= PyVersion::release(3, 11);
    entry.since.is_some_and(|since| since.series() <= floor)
        && entry.removed.is_none_or(|r| r.series() > floor)
        && !pypy_needs_it
}

pub fn plan<'a>(spec: &'a Spec, floor: PyVersion, only: Option<&[String]>) -> Result<Plan<'a>, PlanError> {
    if !floor.in_supported_range() {
        return Err(PlanError::FloorOutOfRange(floor));
    }
    let roots: Vec<&Entry> = match only {
        Some(names) => {
            let unknown: Vec<String> = names.iter().filter(|n| spec.get(n).is_none()).cloned().collect();
            if !unknown.is_empty() {
                return Err(PlanError::UnknownNames(unknown));
            }
            let refused: Vec<(String, String)> = names
                .iter()
                .filter_map(|n| spec.get(n))
                .filter(|e| e.refused_everywhere())
                .filter_map(|e| e.refused.as_ref().map(|why| (e.name.clone(), why.clone())))
                .collect();
            if !refused.is_empty() {
                return Err(PlanError::Refused(refused));
            }
            names.iter().filter_map(|n| spec.get(n)).collect()
        }
        None => spec.entries.iter().filter(|e| e.kind != Kind::Helper && !e.refused_everywhere()).collect(),
    };
    // Only names asked for by --only deserve a note; the whole spec naturally has some.
    let native_at_floor = match only {
        Some(_) => roots.iter().filter(|e| native_at(e, floor)).map(|e| e.name.clone()).collect(),
        None => Vec::new(),
    };

    // Everything needed, walking `requires` from the roots that are not native at the floor.
    let mut chosen: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<&Entry> = roots.into_iter().filter(|e| !native_at(e, floor)).collect();
    while let Some(entry) = stack.pop() {
        if !chosen.insert(&entry.name) {
            continue;
        }
        for req in &entry.requires {
            if let Some(r) = spec.get(req) {
                if !native_at(r, floor) {
                    stack.push(r);
                }
            }
        }
    }

    let order = dependency_order(spec, &chosen);
    let guards = helper_guards(spec, &order);
    let items = order
        .into_iter()
        .map(|entry| {
            let (below, pypy) = match entry.since {
                Some(since) => (Some(since), entry.pypy),
                // Never native anywhere: only the switch guards it.
                None if entry.switch.is_some() => (None, entry.pypy),
                None => guards
                    .get(entry.name.as_str())
                    .map(|(b, p)| (Some(*b), *p))
                    .unwrap_or((None, PyPySupport::Backport)),
            };
            Planned {
                entry,
                below,
                pypy,
                force_below: entry.force_below,
                removed: entry.removed,
                provided_from: entry.provided_from,
                switch: entry.switch.as_deref(),
            }
        })
        .collect();
    Ok(Plan { floor, items, native_at_floor, switches_on: Vec::new() })
}

/// Kahn's algorithm, always taking the ready entry that comes first in the spec, so the order
/// is deterministic and stays close to how the spec reads.
fn dependency_order<'a>(spec: &'a Spec, chosen: &BTreeSet<&str>) -> Vec<&'a Entry> {
    let mut waiting_on: BTreeMap<&str, usize> = BTreeMap::new();
    let mut users: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for name in chosen {
        let entry = spec.get(name).expect("chosen from the spec");
        let reqs: Vec<&str> =
            entry.requires.iter().map(String::as_str).filter(|r| chosen.contains(r)).collect();
        waiting_on.insert(name, reqs.len());
        for r in reqs {
            users.entry(r).or_default().push(name);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = waiting_on
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(name, _)| Reverse(spec.position(name).expect("in spec")))
        .collect();
    let mut order = Vec::new();
    while let Some(Reverse(pos)) = ready.pop() {
        let entry = &spec.entries[pos];
        order.push(entry);
        for user in users.get(entry.name.as_str()).into_iter().flatten() {
            let n = waiting_on.get_mut(user).expect("user is chosen");
            *n -= 1;
            if *n == 0 {
                ready.push(Reverse(spec.position(user).expect("in spec")));
            }
        }
    }
    // Validation rejects cycles, so every chosen entry was ordered.
    debug_assert_eq!(order.len(), chosen.len());
    order
}

/// A helper is needed below the newest `since` of the entries that use it (directly or
/// through other helpers), and on PyPy unless none of them is emitted there.
fn helper_guards<'a>(spec: &'a Spec, order: &[&'a Entry]) -> BTreeMap<&'a str, (PyVersion, PyPySupport)> {
    let mut guards: BTreeMap<&str, (PyVersion, PyPySupport)> = BTreeMap::new();
    // Users come after what they require, so walking backwards sees every user first.
    for entry in order.iter().rev() {
        let own = match entry.since {
            Some(since) => (since, entry.pypy),
            None => match guards.get(entry.name.as_str()) {
                Some(g) => *g,
                None => continue,
            },
        };
        for req in &entry.requires {
            let Some(r) = spec.get(req) else { continue };
            if r.kind != Kind::Helper {
                continue;
            }
            let merged = match guards.get(r.name.as_str()) {
                None => own,
                Some((below, pypy)) => {
                    let pypy = if pypy.emitted_on_any_pypy() || own.1.emitted_on_any_pypy() {
                        PyPySupport::Backfill
                    } else if *pypy == PyPySupport::Unavailable && own.1 == PyPySupport::Unavailable {
                        PyPySupport::Unavailable
                    } else {
                        PyPySupport::Backport
                    };
                    ((*below).max(own.0), pypy)
                }
            };
            // A user native on PyPy still needs the helper where PyPy takes its backport.
            let merged = match merged.1 {
                PyPySupport::Unavailable | PyPySupport::Backfill => merged,
                _ => (merged.0, PyPySupport::Backport),
            };
            guards.insert(&r.name, merged);
        }
    }
    guards
}
