//! The HPy API layer (`gen --hpy`): HPy 0.9's API polyfilled on CPython 3.10+ and PyPy in
//! the CPython ABI (a handle is the `PyObject *`; in debug mode a checked record).
//! The facts and the hand-written C come from `spec/hpy/` (built into the binary, or `--spec
//! DIR`'s `hpy/`): `data` reads and checks them through the spec's diagnostics; this module
//! maps each one-to-one entry to a `static inline` wrapper, adds the custom entries of
//! `data::CUSTOM_FILES` (a body under api.yaml's prototype, or whole definitions), and lays the
//! section out with `templates/hpy.h.hbs` (handle conversions from `templates/hpy_debug.h`,
//! the definition machinery from `defs`) inside the generated header. `names` and `coverage`
//! check the result against HPy's public names.

pub mod coverage;
pub mod data;
pub mod defs;
pub mod names;
pub mod requires;

use crate::header::{emit, plan};
use crate::spec::diagnostics::SpecErrors;
use crate::spec::version::PyVersion;
use crate::Spec;
pub use data::{load, CustomBody, Function, Handle, HpySpec, HANDLE_COUNT};
use handlebars::Handlebars;
use serde::Serialize;
use std::fmt;

const SECTION_TEMPLATE: &str = include_str!("../../templates/hpy.h.hbs");
/// Handle conversions, plain and in debug mode (`-DCAPI_COMPAT_HPY_DEBUG`): C, no template.
const DEBUG_CORE: &str = include_str!("../../templates/hpy_debug.h");
/// The file `gen --hpy` writes next to the header, so that `#include "hpy.h"` works.
pub const HPY_HEADER_FILE_NAME: &str = "hpy.h";
/// Where the section goes: before the header's closing `extern "C"` block.
const CLOSING: &str = "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* floor and Py_LIMITED_API checks */";

/// What can go wrong when loading the HPy data or building the section.
#[derive(Debug)]
pub enum HpyError {
    /// The HPy data has problems (each with its file, line and entry).
    Spec(SpecErrors),
    /// `coverage --hpy` could not compile its probe.
    Probe(String),
    /// The base header has no closing `extern "C"` block to insert before.
    NoInsertionPoint,
    /// Planning the base header failed.
    Plan(plan::PlanError),
}

impl fmt::Display for HpyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HpyError::Spec(errors) => write!(f, "{errors}"),
            HpyError::Probe(msg) => write!(f, "{msg}"),
            HpyError::NoInsertionPoint => write!(f, "the header has no closing extern \"C\" block"),
            HpyError::Plan(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for HpyError {}

impl From<SpecErrors> for HpyError {
    fn from(e: SpecErrors) -> Self {
        HpyError::Spec(e)
    }
}

impl From<plan::PlanError> for HpyError {
    fn from(e: plan::PlanError) -> Self {
        HpyError::Plan(e)
    }
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
    with_hpy_flag(&emit::regenerate_command(floor, only, false))
}

/// A `gen` command line with `--hpy` added before its `-o`.
fn with_hpy_flag(cmd: &str) -> String {
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
    hpy: &HpySpec,
    floor: PyVersion,
    only: Option<&[String]>,
) -> Result<(String, Wrappers), HpyError> {
    let wrappers = wrappers(hpy);
    let section = render_section(hpy, &wrappers);
    // With `--only`, the entries the section itself uses come too (the whole spec has them).
    let names =
        only.map(|only| requires::with_requirements(only, &requires::api_requirements(spec, &section)));
    let plan = plan::plan(spec, floor, names.as_deref())?;
    let header = emit::render_header(spec, &plan, &regenerate_command(floor, only));
    Ok((insert_section(&header, &section)?, wrappers))
}

/// `gen --hpy --used-by`: when the code uses an HPy name (one of `hpy_names`), the whole HPy
/// layer and the API entries it needs, with the entries the code uses; otherwise the header
/// without the layer (`None` in place of the wrapper report), as `gen --used-by` writes it
/// but with this command in its banner.
pub fn generate_used_by(
    spec: &Spec,
    hpy: &HpySpec,
    hpy_names: &std::collections::BTreeSet<String>,
    floor: PyVersion,
    used: &crate::header::used_by::UsedBy,
) -> Result<(String, Option<Wrappers>), HpyError> {
    let command = with_hpy_flag(&emit::used_by_command(floor, &used.banner_paths));
    let (roots, _refused) = crate::header::used_by::entries_used(spec, &used.names);
    if !requires::uses_hpy(&used.names, hpy_names) {
        let plan = plan::plan(spec, floor, Some(&roots))?;
        return Ok((emit::render_header_made_for(spec, &plan, &command, Some(&used.banner_paths)), None));
    }
    let wrappers = wrappers(hpy);
    let section = render_section(hpy, &wrappers);
    let names = requires::with_requirements(&roots, &requires::api_requirements(spec, &section));
    let plan = plan::plan(spec, floor, Some(&names))?;
    let header = emit::render_header_made_for(spec, &plan, &command, Some(&used.banner_paths));
    Ok((insert_section(&header, &section)?, Some(wrappers)))
}

/// The `hpy.h` written next to the header: what HPy's own `hpy.h` does in the CPython ABI
/// (Python.h with `PY_SSIZE_T_CLEAN`), then the header; HPy's other ABIs are refused.
pub fn hpy_h(header_file_name: &str) -> String {
    format!(
        "/* Generated by capi-compat gen --hpy: the HPy API layer lives in {header_file_name}.\n \
         * SPDX-License-Identifier: 0BSD (no conditions, as the header). */\n\
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
        let spec = load(&crate::SpecSource::embedded()).unwrap();
        assert_eq!(spec.handles.iter().filter(|h| h.beyond_0_9.is_none()).count(), HANDLE_COUNT);
        assert_eq!(spec.handles.last().map(|h| h.name.as_str()), Some("h_DictType"));
        assert_eq!(spec.handles[0].name, "h_None");
    }

    #[test]
    fn custom_bodies_use_api_signatures() {
        let spec = load(&crate::SpecSource::embedded()).unwrap();
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
            location: crate::spec::yaml::whole_file("t.yaml"),
        }
    }

    #[test]
    fn custom_entries_are_checked() {
        let functions = load(&crate::SpecSource::embedded()).unwrap().functions;
        let check = |entries: &[CustomBody]| {
            let mut errors = crate::spec::diagnostics::Collector::default();
            data::check_customs(entries, &functions, &mut errors);
            errors.finish().map_err(|e| e.to_string())
        };
        assert!(check(&[entry("HPy_Is", Some("return 0;"), None)]).is_ok());
        assert!(check(&[entry("capicompat_hpy_x", None, Some("int capicompat_hpy_x;"))]).is_ok());
        let twice = check(&[entry("HPy_Is", Some("1"), None), entry("HPy_Is", Some("2"), None)]).unwrap_err();
        assert!(twice.contains("already defined at t.yaml"), "{twice}");
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
        let spec = load(&crate::SpecSource::embedded()).unwrap();
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
