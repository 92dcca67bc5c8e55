//! The spec after validation: every field parsed, every reference resolved.

use crate::spec::cdecl::Signature;
use crate::spec::diagnostics::SourceLocation;
use crate::spec::errors::ErrorContract;
use crate::spec::version::{PyPyVersion, PyVersion};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Function,
    Macro,
    Type,
    Constant,
    /// A data symbol of the C API (`Py_Version`): provided as a macro whose body is an
    /// expression giving the same value at run time.
    Var,
    /// A private function of ours that bodies use; never part of the public API.
    Helper,
}

impl Kind {
    pub const ALL: [(&'static str, Kind); 6] = [
        ("function", Kind::Function),
        ("macro", Kind::Macro),
        ("type", Kind::Type),
        ("constant", Kind::Constant),
        ("var", Kind::Var),
        ("helper", Kind::Helper),
    ];

    pub fn as_str(&self) -> &'static str {
        Kind::ALL.iter().find(|(_, k)| k == self).map(|(s, _)| *s).unwrap_or("?")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyPySupport {
    /// PyPy takes the backport like the CPython language version it implements.
    Backport,
    /// The backport cannot work on PyPy; nothing is emitted there.
    Unavailable,
    /// PyPy has the name natively from this version on.
    NativeSince(PyPyVersion),
    /// CPython has the name from `since` (3.10 or earlier) but PyPy lacks it: the backport is
    /// emitted on PyPy whatever language version it implements.
    Backfill,
    /// PyPy declares the function but it does not do what CPython's does (`pypy_reason` says
    /// how): the backport is emitted on PyPy and replaces PyPy's own (`#undef` first).
    Replace,
}

impl PyPySupport {
    pub fn describe(&self) -> String {
        match self {
            PyPySupport::Backport => "backport".into(),
            PyPySupport::Unavailable => "unavailable".into(),
            PyPySupport::NativeSince(v) => format!("native since {v}"),
            PyPySupport::Backfill => "backfilled (PyPy lacks it)".into(),
            PyPySupport::Replace => "replaced (PyPy's own misbehaves)".into(),
        }
    }

    /// Is the backport emitted on PyPy whatever language version PyPy implements?
    pub fn emitted_on_any_pypy(&self) -> bool {
        matches!(self, PyPySupport::Backfill | PyPySupport::Replace)
    }
}

/// The body for versions below `below` (the last body has none: it reaches up to `since`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeBody {
    pub below: Option<PyVersion>,
    pub body: String,
}

/// A test snippet and where it starts in its YAML file, so failures can point there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestSnippet {
    pub code: String,
    pub file: String,
    pub first_line: u64,
}

/// An interpreter-private function (`_Py…`) a body calls on CPython `from` … `below`
/// (open ends: every supported version on that side). The since probe proves it is declared
/// there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateUse {
    pub name: String,
    pub from: Option<PyVersion>,
    pub below: Option<PyVersion>,
}

impl PrivateUse {
    /// Does the body call it on the CPython of this `PY_VERSION_HEX`?
    pub fn used_at_hex(&self, hex: u32) -> bool {
        self.from.is_none_or(|f| hex >= f.hex()) && self.below.is_none_or(|b| hex < b.hex())
    }
}

/// One case of an entry's benchmark: C run once before the timed loop (`setup`), the loop's
/// body (`run`), and what releases the setup's objects (`teardown`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchCase {
    /// Empty for an entry with a single case.
    pub case: String,
    pub setup: String,
    pub run: String,
    pub teardown: String,
    /// Why the forced backport cannot match the native function here (with the figure): the
    /// case is measured and shown, but not held to the ratio bar.
    pub slower: Option<String>,
    pub file: String,
    pub first_line: u64,
}

impl BenchCase {
    /// `NAME` or `NAME (case)`.
    pub fn label(&self, entry: &str) -> String {
        if self.case.is_empty() {
            entry.to_string()
        } else {
            format!("{entry} ({})", self.case)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    pub area: String,
    /// First native version; `None` for helpers.
    pub since: Option<PyVersion>,
    pub summary: String,
    pub doc: Option<String>,
    pub signature: Option<Signature>,
    pub params: Option<Vec<String>>,
    pub bodies: Vec<RangeBody>,
    pub value: Option<String>,
    pub requires: Vec<String>,
    pub pypy: PyPySupport,
    /// With `pypy: unavailable`: why the backport cannot work on PyPy.
    pub pypy_reason: Option<String>,
    /// With `pypy: replace`: the check that PyPy's own function still misbehaves, run on PyPy
    /// without the header (the claim is re-proved, as `since` is).
    pub pypy_defect: Option<TestSnippet>,
    /// The backport uses API removed in this version, so the self-test cannot force it there.
    pub force_below: Option<PyVersion>,
    /// Why the header does not provide this name (nothing is emitted for it).
    pub refused: Option<String>,
    /// CPython removed the name in this version (native only in `since` … `removed`).
    pub removed: Option<PyVersion>,
    /// Why the since probe cannot see this name in the default headers (Py_STATS builds only,
    /// a macro users define, a placeholder in the docs).
    pub unprobed: Option<String>,
    /// Why the test changes interpreter-wide state that outlives it (an audit hook, a legacy
    /// tracer's monitoring events): the self-test runs it in an interpreter process of its own,
    /// so no other test runs after it in that process.
    pub isolated: Option<String>,
    /// Another entry whose body defines this name (an enumerator of an emitted enum).
    pub defined_by: Option<String>,
    pub test: Option<TestSnippet>,
    /// With `refused`: provided from this version on, refused (with that reason) below it.
    pub provided_from: Option<PyVersion>,
    /// A macro users define to get this entry: names pythoncapi-compat invented, which no
    /// CPython header declares, are offered only behind it.
    pub switch: Option<String>,
    /// A printf-like function: the format's parameter position and the first variadic one.
    pub printf_format: Option<(u32, u32)>,
    /// Interpreter-private functions the body calls, per version range.
    pub uses_private: Vec<PrivateUse>,
    /// The benchmark's cases (none: the entry is not benchmarked).
    pub bench: Vec<BenchCase>,
    /// `errors:`, when the function's error report is not its return type's convention.
    pub errors: Option<ErrorContract>,
    pub location: SourceLocation,
}

impl Entry {
    /// How the function reports an error: `errors:`, or the convention of its return type.
    pub fn error_contract(&self) -> Option<ErrorContract> {
        self.errors
            .clone()
            .or_else(|| self.signature.as_ref().map(|s| ErrorContract::conventional(&s.return_type)))
    }
}

/// A name of CPython's C API that code should move away from (`spec/replaced.yaml`): removed,
/// deprecated, private or discouraged, and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    /// The old name, as CPython spells it.
    pub name: String,
    pub kind: Kind,
    /// The first CPython version whose headers no longer declare it.
    pub removed: Option<PyVersion>,
    /// The CPython version that deprecated it (`Py_DEPRECATED(3.x)` in the headers, or the docs).
    pub deprecated: Option<PyVersion>,
    /// Why code should move although CPython neither deprecated nor removed it (a borrowed
    /// reference that is unsafe with free threading, errors silently swallowed).
    pub discouraged: Option<String>,
    /// The name to use instead: a spec entry (so our header provides it on old Pythons) or a
    /// name every supported CPython has; `None` when nothing replaces it (`change` says what to do).
    pub replacement: Option<String>,
    /// The replacement takes the same arguments and behaves the same: swapping the name is the
    /// whole change (`capi-compat upgrade` rewrites only these).
    pub exact: bool,
    /// What else the code must change (not exact), or what to do instead (no replacement).
    pub change: Option<String>,
    /// Where CPython says so (its documentation or What's New).
    pub source: String,
    pub location: SourceLocation,
}

impl Replaced {
    /// A name in CPython's private namespace (`_Py…`, `_PY…`).
    pub fn private(&self) -> bool {
        self.name.starts_with('_')
    }

    /// Is the name gone from CPython at this `PY_VERSION_HEX`?
    pub fn removed_at_hex(&self, hex: u32) -> bool {
        self.removed.is_some_and(|r| hex >= r.hex())
    }
}

#[derive(Debug, Clone)]
pub struct Area {
    pub name: String,
    pub title: String,
    pub file: String,
}

#[derive(Debug, Clone)]
pub struct Spec {
    /// In file-name order.
    pub areas: Vec<Area>,
    /// In area order, then file order.
    pub entries: Vec<Entry>,
    /// A digest of every spec file's name and text, printed in the header's banner.
    pub digest: String,
    /// `spec/replaced.yaml`, in file order.
    pub replaced: Vec<Replaced>,
    index: BTreeMap<String, usize>,
    replaced_index: BTreeMap<String, usize>,
}

/// How an interpreter gets a name: its own, the header's, or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Native,
    Provided,
    Refused,
}

/// The CPython language version PyPy 3.11 implements (its `PY_VERSION_HEX`).
pub const PYPY_LANGUAGE: PyVersion = PyVersion::release(3, 11);

impl Entry {
    /// On CPython at this `PY_VERSION_HEX`.
    pub fn availability_at(&self, hex: u32) -> Availability {
        if self.native_at_hex(hex) {
            Availability::Native
        } else if self.offered_at_hex(hex) {
            Availability::Provided
        } else {
            Availability::Refused
        }
    }

    /// On PyPy 3.11, as the spec's `pypy:` claim says (the PyPy probe proves the claims).
    pub fn availability_on_pypy(&self) -> Availability {
        let hex = PYPY_LANGUAGE.hex();
        match self.pypy {
            PyPySupport::NativeSince(_) => Availability::Native,
            PyPySupport::Unavailable => Availability::Refused,
            PyPySupport::Backfill | PyPySupport::Replace => Availability::Provided,
            PyPySupport::Backport => self.availability_at(hex),
        }
    }

    /// Refused on every version (nothing is emitted); a name refused only below
    /// `provided_from` is provided from there on.
    pub fn refused_everywhere(&self) -> bool {
        self.refused.is_some() && self.provided_from.is_none()
    }

    /// Does the header (or the interpreter) offer the name at this `PY_VERSION_HEX`?
    pub fn offered_at_hex(&self, hex: u32) -> bool {
        match (&self.refused, self.provided_from) {
            (None, _) => true,
            (Some(_), Some(from)) => hex >= from.hex() || self.native_at_hex(hex),
            (Some(_), None) => self.native_at_hex(hex),
        }
    }

    /// Is the name native at this `PY_VERSION_HEX` (from `since`, and before `removed`)?
    pub fn native_at_hex(&self, hex: u32) -> bool {
        self.since.is_some_and(|s| hex >= s.hex()) && self.removed.is_none_or(|r| hex < r.hex())
    }
}

impl Spec {
    pub fn new(areas: Vec<Area>, entries: Vec<Entry>, digest: String) -> Self {
        let index = entries.iter().enumerate().map(|(i, e)| (e.name.clone(), i)).collect();
        Spec { areas, entries, digest, replaced: Vec::new(), index, replaced_index: BTreeMap::new() }
    }

    /// The spec with its list of replaced names.
    pub fn with_replaced(mut self, replaced: Vec<Replaced>) -> Self {
        self.replaced_index = replaced.iter().enumerate().map(|(i, r)| (r.name.clone(), i)).collect();
        self.replaced = replaced;
        self
    }

    /// What `spec/replaced.yaml` says about an old name.
    pub fn replaced(&self, name: &str) -> Option<&Replaced> {
        self.replaced_index.get(name).map(|&i| &self.replaced[i])
    }

    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.index.get(name).map(|&i| &self.entries[i])
    }

    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn area(&self, name: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.name == name)
    }
}
