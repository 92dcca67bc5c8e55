//! The spec as YAML writes it, before any checking. serde rejects unknown keys and wrong
//! shapes here (with line and column); everything else is checked in `validate`.

use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub area: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub entries: Vec<RawEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    pub since: Option<Spanned<String>>,
    pub summary: Option<String>,
    pub doc: Option<String>,
    pub signature: Option<Spanned<String>>,
    pub params: Option<Vec<String>>,
    pub body: Option<String>,
    pub bodies: Option<Vec<RawRangeBody>>,
    pub value: Option<String>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    pub pypy: Option<Spanned<String>>,
    /// With `pypy: unavailable`: why the backport cannot work on PyPy.
    pub pypy_reason: Option<Spanned<String>>,
    /// With `pypy: replace`: C statements that pass on PyPy, against PyPy's own function,
    /// only while it still shows the defect `pypy_reason` names.
    pub pypy_defect: Option<Spanned<String>>,
    pub force_below: Option<Spanned<String>>,
    pub refused: Option<Spanned<String>>,
    pub removed: Option<Spanned<String>>,
    pub unprobed: Option<Spanned<String>>,
    /// Why the entry's test changes interpreter-wide state for good: the self-test runs it in
    /// a process of its own.
    pub isolated: Option<Spanned<String>>,
    pub defined_by: Option<Spanned<String>>,
    pub test: Option<Spanned<String>>,
    /// With `refused`: the version from which the name is provided after all (refused below).
    pub provided_from: Option<Spanned<String>>,
    /// A macro the user defines to get this entry (names pythoncapi-compat invented).
    pub switch: Option<Spanned<String>>,
    /// `[format, first variadic]` parameter positions of a printf-like function.
    pub printf_format: Option<Spanned<Vec<u32>>>,
    #[serde(default)]
    pub uses_private: Vec<RawPrivateUse>,
    #[serde(default)]
    pub bench: Vec<RawBenchCase>,
    /// A function's error report, when it is not its return type's convention.
    pub errors: Option<Spanned<RawErrors>>,
}

/// A key that is there, even when its value is null.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `errors: {value: "-1", exception: none}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawErrors {
    /// `Some(None)`: the key with YAML's null (an unquoted `NULL`), which must be quoted.
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Option<Spanned<String>>>,
    pub exception: Option<Spanned<String>>,
    pub also_a_result: Option<Spanned<bool>>,
}

/// An interpreter-private function a body calls, and the CPython versions it is called on.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrivateUse {
    pub name: Spanned<String>,
    pub from: Option<Spanned<String>>,
    pub below: Option<Spanned<String>>,
}

/// One timed case of an entry's benchmark.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBenchCase {
    pub case: Option<Spanned<String>>,
    pub setup: Option<String>,
    pub run: Spanned<String>,
    pub teardown: Option<String>,
    pub slower: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRangeBody {
    pub below: Option<Spanned<String>>,
    pub body: String,
}

/// `spec/replaced.yaml`: the C API names CPython removed, deprecated or keeps private, each
/// with what replaces it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplacedFile {
    pub replaced: Vec<RawReplaced>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplaced {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    pub removed: Option<Spanned<String>>,
    pub deprecated: Option<Spanned<String>>,
    pub discouraged: Option<Spanned<String>>,
    pub replacement: Option<Spanned<String>>,
    pub exact: Option<Spanned<bool>>,
    pub change: Option<Spanned<String>>,
    pub source: Spanned<String>,
}
