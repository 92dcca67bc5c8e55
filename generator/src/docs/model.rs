//! What the reference site shows, one row per name: the API spec's entries (helpers are ours
//! and private, so they are left out) and the HPy layer's functions and context handles. The
//! statuses come from the same `Entry::availability_at`/`availability_on_pypy` that
//! `capi-compat coverage` counts with, so the site and the coverage report cannot disagree.

use crate::hpy::{self, HpySpec};
use crate::spec::model::{Availability, Entry, Kind, PyPySupport, Spec};
use crate::spec::version::PyVersion;
use serde::Serialize;
use std::collections::BTreeSet;

/// The CPython minor versions the site has a column for (the header's supported range).
pub const MINORS: std::ops::RangeInclusive<u8> = 10..=15;

/// The filter key of the PyPy column (the CPython columns use their version, `3.10`).
pub const PYPY_KEY: &str = "pypy";

/// Which part of the project a name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// The C API backports of `spec/*.yaml`.
    Api,
    /// HPy 0.9's API, polyfilled by `gen --hpy` (`spec/hpy/`).
    Hpy,
}

/// How one interpreter gets a name. `Backport` is the header's definition; for an HPy name it
/// is the layer's (HPy is never native in CPython or PyPy's CPython ABI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Native,
    Backport,
    Refused,
}

impl From<Availability> for Status {
    fn from(a: Availability) -> Self {
        match a {
            Availability::Native => Status::Native,
            Availability::Provided => Status::Backport,
            Availability::Refused => Status::Refused,
        }
    }
}

/// One column of a row's status: `3.10` … `3.15`, or `pypy`.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub key: String,
    pub status: Status,
    /// What the cell says (`native`, `backport`, `refused`, `from 3.12`, …).
    pub label: String,
}

/// The link to a name's documentation, and what it is.
#[derive(Debug, Clone, Serialize)]
pub struct DocLink {
    pub url: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub name: String,
    pub layer: Layer,
    pub kind: String,
    /// The spec file (`spec/dict.yaml`, `spec/hpy/api.yaml`): what the area filter selects.
    pub area: String,
    pub area_title: String,
    pub summary: String,
    /// The C prototype, macro form or declaration (empty when there is none to show).
    pub signature: String,
    /// The CPython version that made it native (`HPy 0.9` for HPy names, when known).
    pub since: String,
    /// CPython 3.10 … 3.15, then PyPy 3.11.
    pub cells: Vec<Cell>,
    /// Why it is refused, from where it is provided, known divergences: one sentence each.
    pub notes: Vec<String>,
    /// The entries it requires: public names (rows of the page, linked) and our private
    /// helpers (not rows: shown as text).
    pub requires: Vec<String>,
    pub helpers: Vec<String>,
    pub doc: Option<DocLink>,
    /// Counted by `capi-compat coverage` (a documented addition of 3.11 … 3.15).
    pub counted: bool,
    /// The lower-case text the name filter searches (name and summary).
    pub search: String,
}

/// Every row, API entries in spec order, then the HPy layer's (when the spec has it).
pub fn rows(spec: &Spec, hpy: Option<&HpySpec>) -> Vec<Row> {
    let counted: BTreeSet<String> = crate::report::coverage::targets().into_iter().map(|t| t.name).collect();
    let mut rows: Vec<Row> = spec
        .entries
        .iter()
        .filter(|e| e.kind != Kind::Helper)
        .map(|e| api_row(spec, e, counted.contains(&e.name)))
        .collect();
    rows.extend(hpy.map(hpy_rows).unwrap_or_default());
    rows
}

fn api_row(spec: &Spec, e: &Entry, counted: bool) -> Row {
    let mut cells: Vec<Cell> = MINORS
        .map(|minor| {
            let version = PyVersion::release(3, minor);
            let status = Status::from(e.availability_at(version.hex()));
            Cell { key: version.to_string(), status, label: cpython_label(e, status, version) }
        })
        .collect();
    let pypy = Status::from(e.availability_on_pypy());
    cells.push(Cell { key: PYPY_KEY.into(), status: pypy, label: pypy_label(e, pypy) });
    let area = spec.area(&e.area);
    Row {
        name: e.name.clone(),
        layer: Layer::Api,
        kind: e.kind.as_str().to_string(),
        area: area.map_or_else(|| e.area.clone(), |a| a.file.clone()),
        area_title: area.map_or_else(String::new, |a| a.title.clone()),
        summary: e.summary.clone(),
        signature: signature(e),
        since: e.since.map(|v| v.to_string()).unwrap_or_default(),
        cells,
        notes: notes(e),
        requires: e.requires.iter().filter(|r| !is_helper(spec, r)).cloned().collect(),
        helpers: e.requires.iter().filter(|r| is_helper(spec, r)).cloned().collect(),
        doc: e.doc.as_deref().map(|url| doc_link(url, &e.name)),
        counted,
        search: format!("{} {}", e.name, e.summary).to_lowercase(),
    }
}

fn is_helper(spec: &Spec, name: &str) -> bool {
    spec.get(name).is_some_and(|e| e.kind == Kind::Helper)
}

fn cpython_label(e: &Entry, status: Status, version: PyVersion) -> String {
    match (status, e.provided_from) {
        (Status::Backport, Some(from)) if version.hex() >= from.hex() => format!("backport (from {from})"),
        (Status::Backport, _) if e.removed.is_some_and(|r| version.hex() >= r.hex()) => {
            "backport (removed)".into()
        }
        (Status::Native, _) => "native".into(),
        (Status::Backport, _) => "backport".into(),
        (Status::Refused, _) => "refused".into(),
    }
}

fn pypy_label(e: &Entry, status: Status) -> String {
    match (status, e.pypy) {
        (Status::Native, PyPySupport::NativeSince(v)) => format!("native (PyPy {v})"),
        (Status::Backport, PyPySupport::Backfill) => "backport (PyPy lacks it)".into(),
        (Status::Native, _) => "native".into(),
        (Status::Backport, _) => "backport".into(),
        (Status::Refused, _) => "refused".into(),
    }
}

/// The prototype of a function, the form of a macro, the plain name otherwise.
fn signature(e: &Entry) -> String {
    match (&e.signature, &e.params) {
        (Some(sig), _) => sig.render_with_name(&e.name),
        (None, Some(params)) => format!("#define {}({})", e.name, params.join(", ")),
        (None, None) if e.kind == Kind::Macro || e.kind == Kind::Constant => format!("#define {}", e.name),
        (None, None) => String::new(),
    }
}

fn notes(e: &Entry) -> Vec<String> {
    let mut notes = Vec::new();
    match (&e.refused, e.provided_from) {
        (Some(reason), Some(from)) => {
            notes.push(format!("Provided from CPython {from} on; refused below it: {reason}"))
        }
        (Some(reason), None) => notes.push(format!("Refused: {reason}")),
        (None, _) => {}
    }
    if let Some(removed) = e.removed {
        notes.push(format!(
            "CPython {removed} removed it; the header provides it again there (its own definition)."
        ));
    }
    match e.pypy {
        PyPySupport::Unavailable if e.refused.is_none() => {
            notes.push("PyPy: the backport cannot work on PyPy; the header defines nothing there.".into())
        }
        PyPySupport::Backfill => notes.push(
            "PyPy: PyPy lacks this name although CPython has had it since 3.10 or earlier; the header backfills it."
                .into(),
        ),
        _ => {}
    }
    if let Some(switch) = &e.switch {
        notes.push(format!("Defined only when the user defines {switch} (no CPython header declares it)."));
    }
    if let Some(owner) = &e.defined_by {
        notes.push(format!("Defined by {owner}'s definition."));
    }
    notes
}

/// CPython documents each C API name at `c-api/PAGE.html#c.NAME` (Sphinx's C domain). The
/// spec's `doc` holds that address (spec/coverage/capi-added.tsv's `doc_file` is the same
/// page for every name both have; tests/docs.rs checks it); names CPython does not document
/// link to the header or the page that defines them, and the label says so.
fn doc_link(url: &str, name: &str) -> DocLink {
    let label = if url.starts_with("https://docs.python.org/") {
        match url.rsplit_once("#c.") {
            Some((_, anchor)) if anchor == name => "CPython docs".to_string(),
            Some((_, anchor)) => format!("CPython docs (under {anchor})"),
            None => "CPython docs (the page; no entry of its own)".to_string(),
        }
    } else if url.starts_with("https://github.com/python/cpython/") {
        "CPython header (undocumented)".to_string()
    } else if url.contains("pythoncapi-compat") {
        "pythoncapi-compat docs".to_string()
    } else if url.contains("hpyproject.org") {
        "HPy docs".to_string()
    } else {
        "documentation".to_string()
    };
    DocLink { url: url.to_string(), label }
}

/// The HPy layer's rows: api.yaml's functions, then the context's constant handles. Every one
/// is the layer's own definition on each interpreter, except the names HPy declares only in
/// its universal ABI (and any one-to-one entry the generator could not map).
fn hpy_rows(hpy: &HpySpec) -> Vec<Row> {
    let skipped = hpy::wrappers(hpy).skipped;
    let mut rows = Vec::new();
    for f in &hpy.functions {
        let refusal = if f.cpython_abi.as_deref() == Some("not_available") {
            Some(
                "HPy declares it only in its universal ABI; the layer implements the CPython ABI".to_string(),
            )
        } else {
            skipped.iter().find(|s| s.name == f.name).map(|s| format!("not generated: {}", s.reason))
        };
        let mut notes: Vec<String> = refusal.iter().map(|r| format!("Refused: {r}")).collect();
        notes.extend(f.note.clone());
        notes.extend(
            f.beyond_0_9.as_ref().map(|_| "Added by HPy after 0.9; the layer offers it.".to_string()),
        );
        let summary = match (&f.cpython, f.custom) {
            (Some(call), false) => format!("HPy's {} over CPython's {call}.", f.name),
            _ => format!("HPy's {} (hand-written in the layer).", f.name),
        };
        rows.push(hpy_row(
            HpyRowParts {
                name: &f.name,
                kind: f.kind.as_deref().unwrap_or("function"),
                area: "spec/hpy/api.yaml",
                summary,
                signature: f.signature.clone(),
                since: f.since.as_ref().map(|v| format!("HPy {v}")).unwrap_or_default(),
                refused: refusal.is_some(),
                doc: f.doc.as_deref().map(|url| doc_link(url, &f.name)),
            },
            notes,
        ));
    }
    for h in &hpy.handles {
        let notes = h.beyond_0_9.as_ref().map(|_| "Added by HPy after 0.9; the layer offers it.".to_string());
        rows.push(hpy_row(
            HpyRowParts {
                name: &h.name,
                kind: "handle",
                area: "spec/hpy/context.yaml",
                summary: format!("The context's constant handle of {}.", h.cpython),
                signature: format!("HPy ctx->{}", h.name),
                since: String::new(),
                refused: false,
                doc: None,
            },
            notes.into_iter().collect(),
        ));
    }
    rows
}

struct HpyRowParts<'a> {
    name: &'a str,
    kind: &'a str,
    area: &'a str,
    summary: String,
    signature: String,
    since: String,
    refused: bool,
    doc: Option<DocLink>,
}

fn hpy_row(p: HpyRowParts, notes: Vec<String>) -> Row {
    let (status, label) =
        if p.refused { (Status::Refused, "refused") } else { (Status::Backport, "HPy layer") };
    let cell = |key: String| Cell { key, status, label: label.to_string() };
    let mut cells: Vec<Cell> = MINORS.map(|minor| cell(PyVersion::release(3, minor).to_string())).collect();
    cells.push(cell(PYPY_KEY.into()));
    Row {
        search: format!("{} {}", p.name, p.summary).to_lowercase(),
        name: p.name.to_string(),
        layer: Layer::Hpy,
        kind: p.kind.to_string(),
        area: p.area.to_string(),
        area_title: "HPy layer".to_string(),
        summary: p.summary,
        signature: p.signature,
        since: p.since,
        cells,
        notes,
        requires: Vec::new(),
        helpers: Vec::new(),
        doc: p.doc,
        counted: false,
    }
}
