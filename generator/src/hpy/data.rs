//! The HPy layer's data (`spec/hpy/*.yaml`, or `DIR/hpy/` with `--spec DIR`), read through the
//! spec's source and diagnostics: every problem of a run at once, each with file, line and the
//! entry it concerns. The definition machinery's files are read by `defs`.

use super::defs;
use crate::spec::diagnostics::{Collector, SourceLocation, SpecErrors};
use crate::spec::source::SpecSource;
use crate::spec::yaml::{self, spanned_at, whole_file};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

/// The files of hand-written C, in emission order: each may use what the ones before define.
/// A new file is added here (and to spec/hpy/README.md).
pub const CUSTOM_FILES: &[&str] = &["custom.yaml", "runtime.yaml", "types.yaml", "macros.yaml"];

/// `context.yaml`: only the handles.
#[derive(Debug, Deserialize)]
struct ContextFile {
    hpy_version: Spanned<String>,
    /// Each handle keeps where it stands, and the list where it starts, for errors.
    handles: Spanned<Vec<Spanned<Handle>>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Handle {
    pub name: String,
    pub ctx_index: u32,
    /// The C expression of the CPython object (`Py_None`, `PyExc_TypeError`, `&PyType_Type`, …).
    pub cpython: String,
    /// Set on handles HPy added after 0.9 (`h_DictType`): provided, counted apart from 0.9.
    #[serde(default)]
    pub beyond_0_9: Option<String>,
}

/// `api.yaml`: only the functions, with the fields a wrapper needs.
#[derive(Debug, Deserialize)]
struct ApiFile {
    hpy_version: Spanned<String>,
    functions: Vec<Function>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Function {
    pub name: String,
    pub signature: String,
    #[serde(default)]
    pub custom: bool,
    #[serde(default)]
    pub cpython: Option<String>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub args: Option<Vec<Arg>>,
    #[serde(default)]
    pub cpython_abi: Option<String>,
    /// What HPy calls the entry (`ctx`, `inline_helper`, `runtime_helper`, …): for the docs.
    #[serde(default)]
    pub kind: Option<String>,
    /// Our one-line note on what the CPython-ABI implementation does: for the docs.
    #[serde(default)]
    pub note: Option<String>,
    /// HPy's documentation page of the entry, when it has one: for the docs.
    #[serde(default)]
    pub doc: Option<String>,
    /// The first HPy version (from HPy's changelog), when documented: for the docs.
    #[serde(default)]
    pub since: Option<String>,
    /// Set on functions HPy added after 0.9 (provided, counted apart from 0.9).
    #[serde(default)]
    pub beyond_0_9: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Arg {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub conv: String,
    /// The parameter's type in PyPy's cpyext where it differs from CPython's (PyPy declares
    /// `PyErr_WarnEx`'s stack level `int`): the argument is converted explicitly there.
    #[serde(default)]
    pub pypy_type: Option<String>,
}

/// A file of hand-written C (`custom.yaml` and the others of `CUSTOM_FILES`): bodies of
/// `custom: true` entries and supporting definitions, in emission order.
#[derive(Debug, Deserialize)]
struct CustomFile {
    hpy_version: Spanned<String>,
    functions: Vec<RawCustomBody>,
}

/// A custom entry as the YAML writes it: its name keeps its line for errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustomBody {
    name: Spanned<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    replaces_wrapper: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CustomBody {
    pub name: String,
    /// The C statements of the body, without the braces; the prototype is api.yaml's.
    pub body: Option<String>,
    /// A whole C definition that is not an api.yaml function (a type, a macro, a
    /// `capicompat_hpy_*` helper), emitted as written. `name` says what it defines.
    pub code: Option<String>,
    /// Why a one-to-one api.yaml function gets a hand-written body instead of its generated
    /// wrapper (an interpreter whose native function differs from HPy's semantics).
    pub replaces_wrapper: Option<String>,
    /// Where its name stands (file, line), for errors.
    pub location: SourceLocation,
}

/// The HPy data the generator uses.
#[derive(Debug)]
pub struct HpySpec {
    pub version: String,
    pub handles: Vec<Handle>,
    pub functions: Vec<Function>,
    pub customs: Vec<CustomBody>,
    /// The definition machinery's C (enums, structs, HPyDef macros, trampolines), rendered
    /// from slots.yaml and definitions.yaml by `defs`.
    pub defs: String,
}

/// The number of constant handles HPy 0.9's context has.
pub const HANDLE_COUNT: usize = 83;

/// Reads one HPy data file into its shape, or records why it cannot be.
pub(super) fn read<T: DeserializeOwned>(
    source: &SpecSource,
    base: &str,
    errors: &mut Collector,
) -> Option<(String, T)> {
    let Some(file) = source.hpy_file(base) else {
        errors.error(
            whole_file(&format!("{}/{base}", source.hpy_dir)),
            None,
            "the HPy layer's data file is missing",
            "the HPy layer reads spec/hpy/*.yaml: copy the repository's spec/hpy next to your spec files",
        );
        return None;
    };
    let value = yaml::parse(file, errors, "fix the YAML: spec/hpy/README.md describes each file")?;
    Some((file.name.clone(), value))
}

/// One clear error when the spec has no HPy data at all (rather than one per missing file).
pub(super) fn require_hpy_data(source: &SpecSource) -> Result<(), SpecErrors> {
    if !source.hpy_files.is_empty() {
        return Ok(());
    }
    let mut errors = Collector::default();
    errors.error(
        whole_file(&source.hpy_dir),
        None,
        "no HPy data here: the HPy layer (--hpy) reads its *.yaml files from this directory",
        "copy the repository's spec/hpy into the spec directory, or leave out --spec",
    );
    errors.finish()
}

/// Reads and checks the HPy data: every problem is reported, with its file and line.
pub fn load(source: &SpecSource) -> Result<HpySpec, SpecErrors> {
    require_hpy_data(source)?;
    let mut errors = Collector::default();
    let context = read::<ContextFile>(source, "context.yaml", &mut errors);
    let api = read::<ApiFile>(source, "api.yaml", &mut errors);
    let mut custom_files = Vec::new();
    for base in CUSTOM_FILES {
        custom_files.extend(read::<CustomFile>(source, base, &mut errors));
    }
    let defs_files = defs::read_files(source, &mut errors);
    let (Some((context_name, context)), Some((api_name, api)), Some(defs_files)) = (context, api, defs_files)
    else {
        return Err(errors.finish().expect_err("a file that could not be read was reported"));
    };
    check_handles(&context_name, &context.handles, &mut errors);
    let handles: Vec<Handle> = context.handles.value.into_iter().map(|h| h.value).collect();
    let version = api.hpy_version.value.clone();
    let mut versions =
        vec![(spanned_at(&context_name, &context.hpy_version), context.hpy_version.value.clone())];
    let mut customs = Vec::new();
    for (name, file) in custom_files {
        versions.push((spanned_at(&name, &file.hpy_version), file.hpy_version.value));
        customs.extend(file.functions.into_iter().map(|raw| CustomBody {
            location: spanned_at(&name, &raw.name),
            name: raw.name.value,
            body: raw.body,
            code: raw.code,
            replaces_wrapper: raw.replaces_wrapper,
        }));
    }
    versions.extend(defs_files.versions());
    for (at, v) in versions.iter().filter(|(_, v)| *v != version) {
        errors.error(
            at.clone(),
            None,
            format!("this file is HPy {v} but {api_name} is HPy {version}"),
            "every file of spec/hpy describes the same HPy version",
        );
    }
    check_customs(&customs, &api.functions, &mut errors);
    let defs = defs::check(defs_files, &mut errors);
    errors.finish()?;
    Ok(HpySpec { version, handles, functions: api.functions, customs, defs: defs.unwrap_or_default() })
}

/// HPy 0.9's 83 constant handles (and those HPy added later, marked `beyond_0_9`), in the
/// universal context's order. The count is reported where the list starts, the order at the
/// handle out of place.
fn check_handles(file: &str, handles: &Spanned<Vec<Spanned<Handle>>>, errors: &mut Collector) {
    let of_0_9 = handles.value.iter().filter(|h| h.value.beyond_0_9.is_none()).count();
    if of_0_9 != HANDLE_COUNT {
        errors.error(
            spanned_at(file, handles),
            None,
            format!("{of_0_9} handles of 0.9, but HPy 0.9's context has {HANDLE_COUNT}"),
            "list every constant handle of HPy's context, once",
        );
    }
    // HPy's order is the universal context's order: ctx_index increases (with gaps).
    if let Some(pair) = handles.value.windows(2).find(|p| p[0].value.ctx_index >= p[1].value.ctx_index) {
        errors.error(
            spanned_at(file, &pair[1]),
            Some(&pair[1].value.name),
            format!("comes after {} but has a lower ctx_index", pair[0].value.name),
            "keep the handles in ctx_index order",
        );
    }
}

/// Each custom entry has exactly one of `body` (for a `custom: true` api.yaml function) and
/// `code` (for anything api.yaml does not list), and each name appears once.
pub(super) fn check_customs(customs: &[CustomBody], functions: &[Function], errors: &mut Collector) {
    let mut seen: std::collections::HashMap<&str, &SourceLocation> = std::collections::HashMap::new();
    for c in customs {
        let mut err =
            |message: String, help: &str| errors.error(c.location.clone(), Some(&c.name), message, help);
        if let Some(first) = seen.insert(c.name.as_str(), &c.location) {
            err(format!("already defined at {first}"), "keep one entry per name");
            continue;
        }
        let api = functions.iter().find(|f| f.name == c.name);
        match (&c.body, &c.code, api) {
            (Some(_), None, Some(f)) if f.custom != c.replaces_wrapper.is_some() => {}
            (Some(_), None, Some(f)) if f.custom => {
                err("custom in api.yaml, so there is no wrapper to replace".into(), "drop `replaces_wrapper`")
            }
            (Some(_), None, Some(_)) => err(
                "one-to-one in api.yaml: its generated wrapper would be replaced".into(),
                "say why its wrapper is replaced in `replaces_wrapper:`",
            ),
            (Some(_), None, None) => err(
                "not in api.yaml, so it has no prototype".into(),
                "write its whole definition under `code:`",
            ),
            (None, Some(_), None) => {}
            (None, Some(_), Some(_)) => err(
                "an api.yaml function written as `code:`".into(),
                "give its `body:` (the prototype is api.yaml's)",
            ),
            _ => err(
                "needs exactly one of `body:` and `code:`".into(),
                "a body for api.yaml functions, code for the rest",
            ),
        }
    }
}
