//! The HPy API layer (`gen --hpy`): HPy 0.9's API polyfilled on CPython 3.10+ and PyPy in
//! the CPython ABI (a handle is the `PyObject *`; in debug mode a checked record).
//! The facts and the hand-written C come from `spec/hpy/` (built into the binary); this module
//! loads them, maps each one-to-one entry to a `static inline` wrapper, adds the custom entries
//! of `CUSTOM_FILES` (a body under api.yaml's prototype, or whole definitions), and lays the
//! section out with `templates/hpy.h.hbs` (handle conversions from `templates/hpy_debug.h`,
//! the definition machinery from `defs`) inside the generated header. `names` and `coverage`
//! check the result against HPy's public names.

pub mod coverage;
pub mod defs;
pub mod names;

use crate::header::{emit, plan};
use crate::spec::version::PyVersion;
use crate::Spec;
use handlebars::Handlebars;
use serde::{Deserialize, Serialize};
use std::fmt;

const API_YAML: &str = include_str!("../../../spec/hpy/api.yaml");
const CONTEXT_YAML: &str = include_str!("../../../spec/hpy/context.yaml");
/// The files of hand-written C, in emission order: each may use what the ones before define.
/// A new file is added here (and to spec/hpy/README.md).
const CUSTOM_FILES: &[(&str, &str)] = &[
    ("custom.yaml", include_str!("../../../spec/hpy/custom.yaml")),
    ("runtime.yaml", include_str!("../../../spec/hpy/runtime.yaml")),
    ("types.yaml", include_str!("../../../spec/hpy/types.yaml")),
    ("macros.yaml", include_str!("../../../spec/hpy/macros.yaml")),
];
const SECTION_TEMPLATE: &str = include_str!("../../templates/hpy.h.hbs");
/// Handle conversions, plain and in debug mode (`-DCAPI_COMPAT_HPY_DEBUG`): C, no template.
const DEBUG_CORE: &str = include_str!("../../templates/hpy_debug.h");
/// The file `gen --hpy` writes next to the header, so that `#include "hpy.h"` works.
pub const HPY_HEADER_FILE_NAME: &str = "hpy.h";
/// Where the section goes: before the header's closing `extern "C"` block.
const CLOSING: &str = "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* CAPI_COMPAT_H */";

/// What can go wrong when loading the HPy data or building the section.
#[derive(Debug)]
pub enum HpyError {
    /// A YAML file does not parse into the fields we need.
    Yaml { file: &'static str, message: String },
    /// The data contradicts itself (e.g. the wrong number of handles).
    Data(String),
    /// The base header has no closing `extern "C"` block to insert before.
    NoInsertionPoint,
    /// Planning the base header failed.
    Plan(plan::PlanError),
}

impl fmt::Display for HpyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HpyError::Yaml { file, message } => write!(f, "spec/hpy/{file}: {message}"),
            HpyError::Data(msg) => write!(f, "spec/hpy: {msg}"),
            HpyError::NoInsertionPoint => write!(f, "the header has no closing extern \"C\" block"),
            HpyError::Plan(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for HpyError {}

impl From<plan::PlanError> for HpyError {
    fn from(e: plan::PlanError) -> Self {
        HpyError::Plan(e)
    }
}

/// `context.yaml`: only the handles.
#[derive(Debug, Deserialize)]
pub struct ContextFile {
    pub hpy_version: String,
    pub handles: Vec<Handle>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Handle {
    pub name: String,
    pub ctx_index: u32,
    /// The C expression of the CPython object (`Py_None`, `PyExc_TypeError`, `&PyType_Type`, …).
    pub cpython: String,
}

/// `api.yaml`: only the functions, with the fields a wrapper needs.
#[derive(Debug, Deserialize)]
pub struct ApiFile {
    pub hpy_version: String,
    pub functions: Vec<Function>,
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
pub struct CustomFile {
    pub hpy_version: String,
    pub functions: Vec<CustomBody>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomBody {
    pub name: String,
    /// The C statements of the body, without the braces; the prototype is api.yaml's.
    #[serde(default)]
    pub body: Option<String>,
    /// A whole C definition that is not an api.yaml function (a type, a macro, a
    /// `capicompat_hpy_*` helper), emitted as written. `name` says what it defines.
    #[serde(default)]
    pub code: Option<String>,
    /// Why a one-to-one api.yaml function gets a hand-written body instead of its generated
    /// wrapper (an interpreter whose native function differs from HPy's semantics).
    #[serde(default)]
    pub replaces_wrapper: Option<String>,
    /// The file it came from (set by `load`).
    #[serde(skip)]
    pub file: &'static str,
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

/// Loads the copy of `spec/hpy` built into the binary.
pub fn load() -> Result<HpySpec, HpyError> {
    let context: ContextFile = serde_saphyr::from_str(CONTEXT_YAML)
        .map_err(|e| HpyError::Yaml { file: "context.yaml", message: e.to_string() })?;
    let api: ApiFile = serde_saphyr::from_str(API_YAML)
        .map_err(|e| HpyError::Yaml { file: "api.yaml", message: e.to_string() })?;
    if context.handles.len() != HANDLE_COUNT {
        return Err(HpyError::Data(format!(
            "context.yaml has {} handles, HPy 0.9 has {HANDLE_COUNT}",
            context.handles.len()
        )));
    }
    // HPy's order is the universal context's order: ctx_index increases (with gaps).
    if let Some(pair) = context.handles.windows(2).find(|p| p[0].ctx_index >= p[1].ctx_index) {
        return Err(HpyError::Data(format!(
            "handle {} comes after {} but has a lower ctx_index",
            pair[1].name, pair[0].name
        )));
    }
    if context.hpy_version != api.hpy_version {
        return Err(HpyError::Data(format!(
            "context.yaml is HPy {} but api.yaml is HPy {}",
            context.hpy_version, api.hpy_version
        )));
    }
    let mut customs = Vec::new();
    for (file, text) in CUSTOM_FILES {
        let custom: CustomFile =
            serde_saphyr::from_str(text).map_err(|e| HpyError::Yaml { file, message: e.to_string() })?;
        if custom.hpy_version != api.hpy_version {
            return Err(HpyError::Data(format!(
                "{file} is HPy {} but api.yaml is HPy {}",
                custom.hpy_version, api.hpy_version
            )));
        }
        customs.extend(custom.functions.into_iter().map(|c| CustomBody { file, ..c }));
    }
    check_customs(&customs, &api.functions)?;
    let defs = defs::render(&defs::load(&api.hpy_version)?)?;
    Ok(HpySpec {
        version: api.hpy_version,
        handles: context.handles,
        functions: api.functions,
        customs,
        defs,
    })
}

/// Each custom entry has exactly one of `body` (for a `custom: true` api.yaml function) and
/// `code` (for anything api.yaml does not list), and each name appears once.
fn check_customs(customs: &[CustomBody], functions: &[Function]) -> Result<(), HpyError> {
    let mut seen = std::collections::HashMap::new();
    for c in customs {
        let file = c.file;
        if let Some(first) = seen.insert(c.name.as_str(), file) {
            return Err(HpyError::Data(format!("{file}: {} is already defined in {first}", c.name)));
        }
        let api = functions.iter().find(|f| f.name == c.name);
        match (&c.body, &c.code, api) {
            (Some(_), None, Some(f)) if f.custom != c.replaces_wrapper.is_some() => {}
            (Some(_), None, Some(f)) if f.custom => {
                return Err(HpyError::Data(format!(
                    "{file}: {} is custom in api.yaml and has no wrapper to replace; drop `replaces_wrapper`",
                    c.name
                )))
            }
            (Some(_), None, Some(_)) => {
                return Err(HpyError::Data(format!(
                    "{file}: {} is one-to-one in api.yaml; say why its wrapper is replaced in `replaces_wrapper:`",
                    c.name
                )))
            }
            (Some(_), None, None) => {
                return Err(HpyError::Data(format!(
                    "{file}: {} is not in api.yaml; write its whole definition under `code:`",
                    c.name
                )))
            }
            (None, Some(_), None) => {}
            (None, Some(_), Some(_)) => {
                return Err(HpyError::Data(format!(
                    "{file}: {} is an api.yaml function; give its `body:` (the prototype is api.yaml's)",
                    c.name
                )))
            }
            _ => {
                return Err(HpyError::Data(format!(
                    "{file}: {} needs exactly one of `body:` and `code:`",
                    c.name
                )))
            }
        }
    }
    Ok(())
}

/// A one-to-one entry the generator could not map, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

/// The wrappers for every one-to-one entry, and the one-to-one entries left out.
#[derive(Debug, Default)]
pub struct Wrappers {
    /// (name, C code), in api.yaml order.
    pub generated: Vec<(String, String)>,
    pub skipped: Vec<Skipped>,
}

/// Whether api.yaml calls an entry one-to-one: it names a CPython call and is not custom.
pub fn is_one_to_one(f: &Function) -> bool {
    f.cpython.is_some() && !f.custom
}

pub fn wrappers(spec: &HpySpec) -> Wrappers {
    let mut out = Wrappers::default();
    let replaced =
        |f: &Function| spec.customs.iter().any(|c| c.name == f.name && c.replaces_wrapper.is_some());
    for f in spec.functions.iter().filter(|f| is_one_to_one(f) && !replaced(f)) {
        match wrapper(f) {
            Ok(code) => out.generated.push((f.name.clone(), code)),
            Err(reason) => out.skipped.push(Skipped { name: f.name.clone(), reason }),
        }
    }
    out
}

/// The return type written before the name in the prototype.
fn return_type(f: &Function) -> Result<String, String> {
    let at = f.signature.find(&format!("{}(", f.name)).ok_or("the signature does not name the function")?;
    let ty = f.signature[..at].trim();
    if ty.is_empty() {
        return Err("the signature has no return type".into());
    }
    Ok(ty.to_string())
}

/// `TYPE NAME`, with pointer stars next to the name as the rest of the header writes them
/// (`const char* f` becomes `const char *f`).
fn declare(ty: &str, name: &str) -> String {
    let base = ty.trim_end_matches(['*', ' ']);
    let stars = ty[base.len()..].chars().filter(|c| *c == '*').count();
    format!("{base} {}{name}", "*".repeat(stars))
}

/// One `static inline` wrapper, or why it cannot be generated.
pub fn wrapper(f: &Function) -> Result<String, String> {
    let cpython = f.cpython.as_deref().ok_or("no CPython mapping")?;
    if f.cpython_abi.as_deref() == Some("not_available") {
        return Err("not available in the CPython ABI".into());
    }
    let args = f.args.as_ref().ok_or("no argument list")?;
    let result = f.result.as_deref().ok_or("no result kind")?;
    let ret = return_type(f)?;
    let mut params = vec!["HPyContext *ctx".to_string()];
    let mut call_args = Vec::new();
    for a in args {
        params.push(declare(&a.ty, &a.name));
        call_args.push(match (a.conv.as_str(), a.ty.as_str()) {
            ("handle", "HPy") => format!("capicompat_hpy_h2py({})", a.name),
            ("pass", _) => match &a.pypy_type {
                None => a.name.clone(),
                Some(pypy) => format!("CAPICOMPAT_HPY_PYPY_ARG({pypy}, {})", a.name),
            },
            ("thread_state", "HPyThreadState") => format!("(PyThreadState *){}._i", a.name),
            (conv, ty) => return Err(format!("argument `{}`: conversion `{conv}` of `{ty}`", a.name)),
        });
    }
    let call = format!("{cpython}({})", call_args.join(", "));
    let body = match (result, ret.as_str()) {
        ("new_handle", "HPy") => format!("return capicompat_hpy_steal({call});"),
        ("int" | "same", _) => format!("return {call};"),
        ("void", "void") => format!("{call};"),
        ("always_null", "HPy") => format!("{call};\n    return HPy_NULL;"),
        ("thread_state", "HPyThreadState") => {
            format!("HPyThreadState state;\n    state._i = (intptr_t){call};\n    return state;")
        }
        (kind, ty) => return Err(format!("result `{kind}` returned as `{ty}`")),
    };
    Ok(format!(
        "static inline {}({}) {{\n    (void)ctx;\n    {body}\n}}",
        declare(&ret, &f.name),
        params.join(", ")
    ))
}

/// The `static inline` definition of a custom entry: api.yaml's prototype and custom.yaml's
/// body (indented; preprocessor lines stay in column 0).
pub fn custom_definition(f: &Function, body: &str) -> String {
    let lines: Vec<String> = body
        .trim_end()
        .lines()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else if l.trim_start().starts_with('#') {
                l.trim_start().to_string()
            } else {
                format!("    {l}")
            }
        })
        .collect();
    format!("static inline {} {{\n{}\n}}", f.signature, lines.join("\n"))
}

/// The custom entries, as (name, C code), in file and entry order.
pub fn customs(spec: &HpySpec) -> Vec<(String, String)> {
    spec.customs
        .iter()
        .filter_map(|c| match (&c.body, &c.code) {
            (Some(body), _) => {
                let f = spec.functions.iter().find(|f| f.name == c.name)?;
                Some((c.name.clone(), custom_definition(f, body)))
            }
            (None, Some(code)) => Some((c.name.clone(), code.trim_end().to_string())),
            (None, None) => None,
        })
        .collect()
}

/// The API functions defined in the section that take the context first (the ones a debug
/// report can name a call site for): the four the template defines, the wrappers and the
/// custom functions.
pub fn site_macro_names(spec: &HpySpec, wrappers: &Wrappers) -> Vec<String> {
    let takes_ctx = |name: &str| {
        spec.functions.iter().any(|f| f.name == name && f.signature.contains(&format!("{name}(HPyContext *")))
    };
    let mut names: Vec<String> = ["HPy_FromPyObject", "HPy_AsPyObject", "HPy_Dup", "HPy_Close"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.extend(wrappers.generated.iter().map(|(n, _)| n.clone()));
    names.extend(
        spec.customs.iter().filter(|c| c.body.is_some() && takes_ctx(&c.name)).map(|c| c.name.clone()),
    );
    names
}

#[derive(Serialize)]
struct SectionView<'a> {
    hpy_version: &'a str,
    handle_count: usize,
    wrapper_count: usize,
    handles: &'a [Handle],
    wrappers: Vec<WrapperView>,
    custom_count: usize,
    customs: Vec<WrapperView>,
    debug_core: &'a str,
    /// The API functions that take the context: in debug mode, each records its call site.
    site_macros: Vec<String>,
    defs: &'a str,
}

#[derive(Serialize)]
struct WrapperView {
    code: String,
}

/// The HPy section, as inserted into the header.
pub fn render_section(spec: &HpySpec, wrappers: &Wrappers) -> String {
    let customs = customs(spec);
    let view = SectionView {
        hpy_version: &spec.version,
        handle_count: spec.handles.len(),
        wrapper_count: wrappers.generated.len(),
        handles: &spec.handles,
        wrappers: wrappers.generated.iter().map(|(_, code)| WrapperView { code: code.clone() }).collect(),
        custom_count: customs.len(),
        site_macros: site_macro_names(spec, wrappers),
        customs: customs.into_iter().map(|(_, code)| WrapperView { code }).collect(),
        debug_core: DEBUG_CORE.trim_end(),
        defs: &spec.defs,
    };
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    hb.render_template(SECTION_TEMPLATE, &view).expect("the HPy template renders with its own view")
}

/// The command line in the banner of a header with the HPy layer.
pub fn regenerate_command(floor: PyVersion, only: Option<&[String]>) -> String {
    let cmd = emit::regenerate_command(floor, only);
    match cmd.rfind(" -o ") {
        Some(at) => format!("{} --hpy{}", &cmd[..at], &cmd[at..]),
        None => format!("{cmd} --hpy"),
    }
}

/// Inserts the section into a rendered header, before its closing `extern "C"` block.
pub fn insert_section(header: &str, section: &str) -> Result<String, HpyError> {
    let at = header.rfind(CLOSING).ok_or(HpyError::NoInsertionPoint)?;
    Ok(format!("{}{}{}", &header[..at], section.trim_end_matches('\n'), &header[at..]))
}

/// The whole header with the HPy layer, as `gen --hpy` writes it, plus the wrapper report.
pub fn generate(
    spec: &Spec,
    floor: PyVersion,
    only: Option<&[String]>,
) -> Result<(String, Wrappers), HpyError> {
    let hpy = load()?;
    let plan = plan::plan(spec, floor, only)?;
    let header = emit::render_header(spec, &plan, &regenerate_command(floor, only));
    let wrappers = wrappers(&hpy);
    let section = render_section(&hpy, &wrappers);
    Ok((insert_section(&header, &section)?, wrappers))
}

/// The `hpy.h` written next to the header: what HPy's own `hpy.h` does in the CPython ABI
/// (Python.h with `PY_SSIZE_T_CLEAN`), then the header; HPy's other ABIs are refused.
pub fn hpy_h(header_file_name: &str) -> String {
    format!(
        "/* Generated by capi-compat gen --hpy: the HPy API layer lives in {header_file_name}. */\n\
         #ifndef CAPI_COMPAT_HPY_H\n#define CAPI_COMPAT_HPY_H\n\
         #if defined(HPY_ABI_UNIVERSAL) || defined(HPY_ABI_HYBRID)\n\
         #  error \"capi-compat's HPy layer is HPy's CPython ABI only: drop -DHPY_ABI_UNIVERSAL/-DHPY_ABI_HYBRID\"\n\
         #endif\n\
         #ifndef PY_SSIZE_T_CLEAN\n#  define PY_SSIZE_T_CLEAN\n#endif\n\
         #include <Python.h>\n#include \"{header_file_name}\"\n#endif\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_83_handles_in_order() {
        let spec = load().unwrap();
        assert_eq!(spec.handles.len(), HANDLE_COUNT);
        assert_eq!(spec.handles[0].name, "h_None");
    }

    #[test]
    fn custom_bodies_use_api_signatures() {
        let spec = load().unwrap();
        let c = customs(&spec);
        assert_eq!(c.len(), spec.customs.len());
        let code = &c.iter().find(|(n, _)| n == "HPy_Is").unwrap().1;
        assert!(code
            .starts_with("static inline int HPy_Is(HPyContext *ctx, HPy obj, HPy other) {\n    (void)ctx;"));
        let as_long = &c.iter().find(|(n, _)| n == "HPyLong_AsLong").unwrap().1;
        assert!(as_long.contains("\n#if SIZEOF_LONG <= 4\n"), "{as_long}");
    }

    fn entry(name: &str, body: Option<&str>, code: Option<&str>) -> CustomBody {
        CustomBody {
            name: name.into(),
            body: body.map(Into::into),
            code: code.map(Into::into),
            replaces_wrapper: None,
            file: "t.yaml",
        }
    }

    #[test]
    fn custom_entries_are_checked() {
        let functions = load().unwrap().functions;
        let check = |entries: &[CustomBody]| check_customs(entries, &functions).map_err(|e| e.to_string());
        assert!(check(&[entry("HPy_Is", Some("return 0;"), None)]).is_ok());
        assert!(check(&[entry("capicompat_hpy_x", None, Some("int capicompat_hpy_x;"))]).is_ok());
        let twice = check(&[entry("HPy_Is", Some("1"), None), entry("HPy_Is", Some("2"), None)]).unwrap_err();
        assert!(twice.contains("already defined in t.yaml"), "{twice}");
        let not_custom = check(&[entry("HPy_Add", Some("1"), None)]).unwrap_err();
        assert!(not_custom.contains("replaces_wrapper"), "{not_custom}");
        let mut replacing = entry("HPy_Add", Some("1"), None);
        replacing.replaces_wrapper = Some("because".into());
        assert!(check(&[replacing.clone()]).is_ok());
        replacing.name = "HPy_Is".into();
        assert!(check(&[replacing]).unwrap_err().contains("no wrapper to replace"));
        let unknown = check(&[entry("HPy_Nope", Some("1"), None)]).unwrap_err();
        assert!(unknown.contains("under `code:`"), "{unknown}");
        let code_for_api = check(&[entry("HPy_Is", None, Some("x"))]).unwrap_err();
        assert!(code_for_api.contains("give its `body:`"), "{code_for_api}");
        let neither = check(&[entry("capicompat_hpy_y", None, None)]).unwrap_err();
        assert!(neither.contains("exactly one of"), "{neither}");
    }

    #[test]
    fn every_one_to_one_entry_is_generated_or_explained() {
        let spec = load().unwrap();
        let w = wrappers(&spec);
        let total = spec.functions.iter().filter(|f| is_one_to_one(f)).count();
        let replaced = spec.customs.iter().filter(|c| c.replaces_wrapper.is_some()).count();
        assert_eq!(w.generated.len() + w.skipped.len() + replaced, total);
        assert!(w.generated.iter().any(|(n, _)| n == "HPy_Add"));
    }

    #[test]
    fn banner_command_names_the_flag() {
        let cmd = regenerate_command(PyVersion::release(3, 10), None);
        assert_eq!(cmd, "capi-compat gen --min 3.10 --hpy -o capi_compat.h");
    }
}
