//! HPy 0.9's definition machinery (`HPyDef`, slots, `HPyFunc_*` signatures, their CPython
//! trampolines, type and module definition structs), generated from `spec/hpy/slots.yaml`
//! and `spec/hpy/definitions.yaml` and laid out by `templates/hpy_defs.h.hbs`.
//!
//! The data decides the enums, the per-signature typedefs, the `HPyFunc_DECLARE` shapes and
//! the trampolines: a trampoline is derived from the signature's C typedef (what the HPy impl
//! takes) and its `cpython_trampoline` shape (what CPython calls), parameter by parameter,
//! with the conversions of `convert_param`. The few shapes that do not pair up one to one
//! (`SPECIAL_TRAMPOLINES`) are written by hand in the template; the generator checks that
//! every signature is covered exactly once.

use super::data::read;
use crate::spec::diagnostics::{Collector, SourceLocation};
use crate::spec::source::SpecSource;
use crate::spec::yaml::spanned_at;
use handlebars::Handlebars;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

const DEFS_TEMPLATE: &str = include_str!("../../templates/hpy_defs.h.hbs");

/// Signatures whose trampoline the template writes by hand: their CPython shape does not map
/// parameter by parameter onto the impl (tuple arguments, the struct pointer of traverse, the
/// module-create check, the handle inside a buffer), or they have no CPython shape at all.
pub const SPECIAL_TRAMPOLINES: &[&str] = &[
    "HPyFunc_DESTROYFUNC",
    "HPyFunc_GETBUFFERPROC",
    "HPyFunc_RELEASEBUFFERPROC",
    "HPyFunc_INITPROC",
    "HPyFunc_NEWFUNC",
    "HPyFunc_TRAVERSEPROC",
    "HPyFunc_MOD_CREATE",
];

/// Signatures with neither a declaration nor a trampoline of their own (used through other
/// structs: `HPyCapsule_Destructor`, `HPyCallFunction`).
pub const NO_TRAMPOLINE: &[&str] = &["HPyFunc_CAPSULE_DESTRUCTOR", "HPyFunc_VECTORCALLFUNC"];

/// The enums of definitions.yaml the layer defines, in emission order.
const ENUMS: &[&str] = &[
    "HPy_RichCmpOp",
    "HPyDef_Kind",
    "HPyMember_FieldType",
    "HPyType_BuiltinShape",
    "HPyType_SpecParam_Kind",
];

#[derive(Debug, Deserialize)]
struct SlotsFile {
    hpy_version: Spanned<String>,
    /// Each entry keeps where it stands, and the lists where they start, for errors.
    slots: Spanned<Vec<Spanned<Slot>>>,
    hpyfunc_signatures: Spanned<Vec<Spanned<Signature>>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Slot {
    pub name: String,
    pub value: i64,
    pub hpyfunc: String,
    #[serde(default)]
    pub cpython_slot: Option<String>,
    pub applies_to: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Signature {
    pub name: String,
    pub value: i64,
    #[serde(default)]
    pub typedef: Option<String>,
    #[serde(default)]
    pub cpython_trampoline: Option<String>,
    #[serde(default)]
    pub meth_flags: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DefinitionsFile {
    hpy_version: Spanned<String>,
    enums: Spanned<BTreeMap<String, Spanned<EnumDef>>>,
    type_flags: Vec<TypeFlag>,
}

#[derive(Debug, Deserialize)]
struct EnumDef {
    #[serde(default)]
    values: Vec<EnumValue>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EnumValue {
    pub name: String,
    pub value: i64,
    /// The CPython constant with the same value, if HPy's value is CPython's.
    #[serde(default)]
    pub cpython: Option<String>,
}

/// The public spelling of a CPython constant the data names by its old structmember.h name
/// (`T_LONG` is `Py_T_LONG` from 3.12, and our header defines those for older versions);
/// `None` for the two without a public new name (`T_OBJECT`, `T_NONE`).
fn public_constant(name: &str) -> Option<String> {
    match name {
        "T_OBJECT" | "T_NONE" => None,
        n if n.starts_with("T_") => Some(format!("Py_{n}")),
        n => Some(n.to_string()),
    }
}

#[derive(Debug, Clone, Deserialize)]
struct TypeFlag {
    name: String,
    value: String,
    #[serde(default)]
    internal: bool,
}

/// The definition data the generator uses.
#[derive(Debug)]
pub struct DefsSpec {
    pub slots: Vec<Slot>,
    pub signatures: Vec<Signature>,
    pub enums: Vec<(String, Vec<EnumValue>)>,
    flags: Vec<TypeFlag>,
}

/// slots.yaml and definitions.yaml as read, with their file names.
pub struct DefsFiles {
    slots: (String, SlotsFile),
    definitions: (String, DefinitionsFile),
}

impl DefsFiles {
    /// Where each file states the HPy version it describes, and that version.
    pub fn versions(&self) -> Vec<(SourceLocation, String)> {
        vec![
            (spanned_at(&self.slots.0, &self.slots.1.hpy_version), self.slots.1.hpy_version.value.clone()),
            (
                spanned_at(&self.definitions.0, &self.definitions.1.hpy_version),
                self.definitions.1.hpy_version.value.clone(),
            ),
        ]
    }
}

/// Reads slots.yaml and definitions.yaml, or records why they cannot be read.
pub fn read_files(source: &SpecSource, errors: &mut Collector) -> Option<DefsFiles> {
    let slots = read(source, "slots.yaml", errors);
    let definitions = read(source, "definitions.yaml", errors);
    Some(DefsFiles { slots: slots?, definitions: definitions? })
}

/// Checks the definition data and renders its C, or records every problem found, each at
/// file:line:column: a missing enum where `enums:` starts, an empty one at its entry, a slot or
/// signature at its entry, a hand-written trampoline without its signature where
/// `hpyfunc_signatures:` starts.
pub fn check(files: DefsFiles, errors: &mut Collector) -> Option<String> {
    let (slots_file, slots) = files.slots;
    let (definitions_file, defs) = files.definitions;
    let before = errors.len();
    let mut enums = Vec::new();
    let enums_at = spanned_at(&definitions_file, &defs.enums);
    let mut all = defs.enums.value;
    for name in ENUMS {
        match all.remove(*name) {
            None => errors.error(
                enums_at.clone(),
                Some(name),
                "the enum is missing",
                "the HPy layer defines these enums: list its values under `enums:`",
            ),
            Some(def) if def.value.values.is_empty() => errors.error(
                spanned_at(&definitions_file, &def),
                Some(name),
                "the enum has no values",
                "list its values",
            ),
            Some(def) => enums.push((name.to_string(), def.value.values)),
        }
    }
    // Where each slot and signature stands, by name, for the errors found below.
    let mut located: BTreeMap<String, SourceLocation> = BTreeMap::new();
    for s in &slots.hpyfunc_signatures.value {
        located.entry(s.value.name.clone()).or_insert_with(|| spanned_at(&slots_file, s));
    }
    let signatures_at = spanned_at(&slots_file, &slots.hpyfunc_signatures);
    for slot in &slots.slots.value {
        if !slots.hpyfunc_signatures.value.iter().any(|s| s.value.name == slot.value.hpyfunc) {
            errors.error(
                spanned_at(&slots_file, slot),
                Some(&slot.value.name),
                format!("the slot names the unknown signature {}", slot.value.hpyfunc),
                "name one of `hpyfunc_signatures`",
            );
        }
    }
    let spec = DefsSpec {
        slots: slots.slots.value.into_iter().map(|s| s.value).collect(),
        signatures: slots.hpyfunc_signatures.value.into_iter().map(|s| s.value).collect(),
        enums,
        flags: defs.type_flags,
    };
    if errors.len() != before {
        return None;
    }
    match render(&spec) {
        Ok(code) => Some(code),
        Err((name, message)) => {
            let at = name.as_ref().and_then(|n| located.get(n)).cloned().unwrap_or(signatures_at);
            errors.error(at, name.as_deref(), message, "");
            None
        }
    }
}

/// A C type and an optional parameter name, as written in a prototype.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Param {
    ty: String,
    name: Option<String>,
}

/// Normalises the spelling of a C type: single spaces, `T *` for pointers, and the
/// `cpy_` aliases spelled as CPython's types (they are the same types in the CPython ABI).
fn norm_type(ty: &str) -> String {
    let mut t = ty.split_whitespace().collect::<Vec<_>>().join(" ");
    t = t.replace(" *", "*").replace('*', " *").replace("* *", "**").replace("* const", "*const");
    t = t.trim().to_string();
    for (alias, real) in
        [("cpy_PyObject", "PyObject"), ("cpy_visitproc", "visitproc"), ("cpy_PyModuleDef", "PyModuleDef")]
    {
        if t == alias || t.starts_with(&format!("{alias} ")) {
            t = format!("{real}{}", &t[alias.len()..]);
        }
    }
    t
}

/// Splits `int x` / `const HPy *args` / `HPy` into type and name. A parameter without a name
/// is a lone type; a trailing identifier after a type is a name.
fn parse_param(p: &str) -> Param {
    let p = p.trim();
    let ident_start = p.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
    let (ty, name) = (p[..ident_start].trim(), &p[ident_start..]);
    if ty.is_empty() || ty == "const" || ty == "unsigned" {
        Param { ty: norm_type(p), name: None }
    } else {
        Param { ty: norm_type(ty), name: Some(name.to_string()) }
    }
}

fn split_params(list: &str) -> Vec<Param> {
    let list = list.trim();
    if list.is_empty() || list == "void" {
        return Vec::new();
    }
    list.split(',').map(parse_param).collect()
}

/// `typedef RET (*NAME)(PARAMS)` -> (RET, NAME, PARAMS as written, parsed PARAMS).
fn parse_typedef(t: &str) -> Result<(String, String, String, Vec<Param>), String> {
    let rest = t.trim().strip_prefix("typedef ").ok_or("typedef does not start with `typedef`")?;
    let open = rest.find("(*").ok_or("typedef is not a function pointer")?;
    let ret = norm_type(&rest[..open]);
    let close = rest[open..].find(')').ok_or("typedef has no `)`")? + open;
    let name = rest[open + 2..close].trim().to_string();
    let params = rest[close + 1..].trim().strip_prefix('(').and_then(|p| p.strip_suffix(')'));
    let params = params.ok_or("typedef has no parameter list")?;
    Ok((ret, name, params.to_string(), split_params(params)))
}

/// `RET SYM(PARAMS)` -> (RET, parsed PARAMS).
fn parse_shape(s: &str) -> Result<(String, Vec<Param>), String> {
    let at = s.find("SYM(").ok_or("the CPython shape does not name SYM")?;
    let params = s[at + 4..].trim().strip_suffix(')').ok_or("the CPython shape has no `)`")?;
    Ok((norm_type(&s[..at]), split_params(params)))
}

/// How many objects a CPython argument array holds, from the other parameters of its shape:
/// `nargs` (fastcall), or `nargsf` plus the keyword names (vectorcall).
fn array_count(cpy_params: &[Param]) -> Result<&'static str, String> {
    let named = |n: &str| cpy_params.iter().any(|p| p.name.as_deref() == Some(n));
    if named("nargs") {
        Ok("(size_t)nargs")
    } else if named("nargsf") && named("kwnames") {
        Ok("capicompat_hpy_vectorcall_count(nargsf, kwnames)")
    } else {
        Err("an argument array without nargs or nargsf/kwnames".into())
    }
}

/// The expression that turns one CPython trampoline argument into the impl's argument.
fn convert_param(cpy: &Param, hpy_ty: &str, cpy_params: &[Param]) -> Result<String, String> {
    let name = cpy.name.as_deref().ok_or("a CPython trampoline parameter has no name")?;
    let hpy_ty = norm_type(hpy_ty);
    Ok(match (cpy.ty.as_str(), hpy_ty.as_str()) {
        ("PyObject *", "HPy") => format!("capicompat_hpy_borrow({name})"),
        ("PyObject *const *", "const HPy *") => {
            format!("capicompat_hpy_borrow_args({name}, {})", array_count(cpy_params)?)
        }
        ("size_t", "size_t") if name == "nargsf" => format!("(size_t)PyVectorcall_NARGS({name})"),
        ("Py_ssize_t", "size_t") => format!("(size_t){name}"),
        ("int", "HPy_RichCmpOp") => format!("(HPy_RichCmpOp){name}"),
        ("Py_buffer *", "HPy_buffer *") => format!("capicompat_hpy_buffer({name})"),
        (a, b) if a == b => name.to_string(),
        (a, b) => return Err(format!("no conversion from CPython's `{a}` to HPy's `{b}`")),
    })
}

/// The statement that calls the impl and returns its converted result.
fn convert_result(cpy_ret: &str, hpy_ret: &str, call: &str) -> Result<(String, String), String> {
    Ok(match (cpy_ret, hpy_ret) {
        ("PyObject *", "HPy") => ("PyObject *".into(), format!("capicompat_hpy_release({call})")),
        ("void", "void") => ("void".into(), call.to_string()),
        (a, b) if a == b => (a.to_string(), call.to_string()),
        ("HPy_ssize_t", "HPy_ssize_t") | ("HPy_hash_t", "HPy_hash_t") => (cpy_ret.into(), call.into()),
        (a, b) => return Err(format!("no conversion of the result from HPy's `{b}` to CPython's `{a}`")),
    })
}

/// What the template gets for one signature.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureView {
    pub name: String,
    pub value: i64,
    /// The typedef line (without the `;`), if the signature has one.
    pub typedef: Option<String>,
    /// The body of `_HPyFunc_DECLARE_<NAME>(SYM)`: a `static` prototype named SYM.
    pub declare: Option<String>,
    /// The lines of `_HPyFunc_TRAMPOLINE_<NAME>(SYM, IMPL)` (without continuation
    /// backslashes), when derived from the data; hand-written ones are in the template.
    pub trampoline: Option<Vec<String>>,
    /// METH_* flags for signatures valid in HPyMeth.
    pub meth_flags: Option<String>,
}

/// The typedef, declaration and (unless hand-written) trampoline of one signature.
pub fn signature_view(sig: &Signature) -> Result<SignatureView, String> {
    let mut view = SignatureView {
        name: sig.name.clone(),
        value: sig.value,
        typedef: sig.typedef.clone(),
        declare: None,
        trampoline: None,
        meth_flags: sig.meth_flags.clone(),
    };
    let Some(typedef) = &sig.typedef else {
        return Ok(view);
    };
    if NO_TRAMPOLINE.contains(&sig.name.as_str()) {
        return Ok(view);
    }
    let (ret, _, params_text, params) = parse_typedef(typedef)?;
    // `(SYM)`: an API function used as an impl (HPyType_GenericNew) is declared again here,
    // and in debug mode its name is also a function-like macro, which the parentheses keep
    // from expanding.
    view.declare = Some(if ret.ends_with('*') {
        format!("static {ret}(SYM)({params_text})")
    } else {
        format!("static {ret} (SYM)({params_text})")
    });
    if SPECIAL_TRAMPOLINES.contains(&sig.name.as_str()) {
        return Ok(view);
    }
    let shape = sig.cpython_trampoline.as_deref().ok_or("no CPython trampoline shape")?;
    let (cpy_ret, cpy_params) = parse_shape(shape)?;
    let hpy_params: Vec<&Param> = match params.first() {
        Some(p) if p.ty == "HPyContext *" => params[1..].iter().collect(),
        _ => return Err("the impl does not take the context first".into()),
    };
    if hpy_params.len() != cpy_params.len() {
        return Err(format!(
            "the impl takes {} arguments after the context, the CPython shape {}",
            hpy_params.len(),
            cpy_params.len()
        ));
    }
    let mut args = vec!["capicompat_hpy_ctx()".to_string()];
    for (cpy, hpy) in cpy_params.iter().zip(&hpy_params) {
        args.push(convert_param(cpy, &hpy.ty, &cpy_params)?);
    }
    let call = format!("IMPL({})", args.join(", "));
    let (cret, expr) = convert_result(&cpy_ret, &ret, &call)?;
    let decl_params: Vec<String> = cpy_params
        .iter()
        .map(|p| {
            let name = p.name.as_deref().unwrap_or("");
            if p.ty.ends_with('*') {
                format!("{}{name}", p.ty)
            } else {
                format!("{} {name}", p.ty)
            }
        })
        .collect();
    let head = if cret.ends_with('*') { format!("static {cret}SYM") } else { format!("static {cret} SYM") };
    let mut lines = vec![format!("{head}({}) {{", decl_params.join(", "))];
    // The mark and the leave call are the debug mode's (no-ops otherwise): the handles the
    // call opens are those above the mark.
    if cret == "void" {
        lines.push("    CAPICOMPAT_HPY_TRAMPOLINE_ENTER();".into());
        lines.push("    CAPICOMPAT_HPY_CALL_MARK(#IMPL);".into());
        lines.push(format!("    {expr};"));
    } else {
        lines.push(if cret.ends_with('*') {
            format!("    {cret}result;")
        } else {
            format!("    {cret} result;")
        });
        lines.push("    CAPICOMPAT_HPY_TRAMPOLINE_ENTER();".into());
        lines.push("    CAPICOMPAT_HPY_CALL_MARK(#IMPL);".into());
        lines.push(format!("    result = {expr};"));
    }
    lines.push("    capicompat_hpy_call_leave(capicompat_hpy_mark, HPy_NULL, #IMPL);".into());
    lines.push("    CAPICOMPAT_HPY_TRAMPOLINE_LEAVE();".into());
    if cret != "void" {
        lines.push("    return result;".into());
    }
    lines.push("}".into());
    view.trampoline = Some(lines);
    Ok(view)
}

#[derive(Serialize)]
struct SlotView {
    name: String,
    value: i64,
    sig: String,
    /// The CPython slot id (`Py_nb_add`, `Py_mod_exec`), or `0` for HPy-only slots.
    cpython: String,
    module: bool,
}

#[derive(Serialize)]
struct EnumView {
    name: String,
    values: Vec<EnumValue>,
}

#[derive(Serialize)]
struct SameValueView {
    hpy: String,
    cpython: String,
}

#[derive(Serialize)]
struct FlagView {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct TrampolineView {
    name: String,
    declare: Option<String>,
    /// Lines joined with ` \` continuations.
    body: Option<String>,
}

#[derive(Serialize)]
struct DefsView {
    enums: Vec<EnumView>,
    signatures: Vec<SignatureView>,
    trampolines: Vec<TrampolineView>,
    typedefs: Vec<String>,
    slots: Vec<SlotView>,
    flags: Vec<FlagView>,
    meth_signatures: Vec<SignatureView>,
    same_values: Vec<SameValueView>,
}

/// Renders the definitions part of the HPy section; an error names the signature it concerns.
pub fn render(spec: &DefsSpec) -> Result<String, (Option<String>, String)> {
    let mut signatures = Vec::new();
    for sig in &spec.signatures {
        signatures.push(signature_view(sig).map_err(|e| (Some(sig.name.clone()), e))?);
    }
    for special in SPECIAL_TRAMPOLINES {
        if !signatures.iter().any(|s| s.name == *special && s.declare.is_some()) {
            return Err((Some(special.to_string()), "the hand-written trampoline has no typedef".into()));
        }
    }
    let trampolines = signatures
        .iter()
        .filter(|s| s.declare.is_some())
        .map(|s| TrampolineView {
            name: s.name.clone(),
            declare: s.declare.clone(),
            body: s.trampoline.as_ref().map(|lines| lines.join(" \\\n    ")),
        })
        .collect();
    let typedefs = signatures.iter().filter_map(|s| s.typedef.clone()).collect::<Vec<_>>();
    let mut seen = std::collections::HashSet::new();
    let typedefs = typedefs.into_iter().filter(|t| seen.insert(t.clone())).collect();
    let view = DefsView {
        enums: spec
            .enums
            .iter()
            .map(|(name, values)| EnumView { name: name.clone(), values: values.clone() })
            .collect(),
        meth_signatures: signatures.iter().filter(|s| s.meth_flags.is_some()).cloned().collect(),
        same_values: spec
            .enums
            .iter()
            .flat_map(|(_, values)| values)
            .filter_map(|v| {
                let cpython = public_constant(v.cpython.as_deref()?)?;
                Some(SameValueView { hpy: v.name.clone(), cpython })
            })
            .collect(),
        signatures,
        trampolines,
        typedefs,
        slots: spec
            .slots
            .iter()
            .map(|s| SlotView {
                name: s.name.clone(),
                value: s.value,
                sig: s.hpyfunc.clone(),
                cpython: s.cpython_slot.clone().unwrap_or_else(|| "0".into()),
                module: s.applies_to == "module",
            })
            .collect(),
        flags: spec
            .flags
            .iter()
            .filter(|f| !f.internal)
            .map(|f| FlagView { name: f.name.clone(), value: f.value.clone() })
            .collect(),
    };
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    hb.render_template(DEFS_TEMPLATE, &view).map_err(|e| (None, format!("templates/hpy_defs.h.hbs: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> DefsSpec {
        let mut errors = Collector::default();
        let files = read_files(&SpecSource::embedded(), &mut errors).unwrap();
        let (_, slots) = files.slots;
        let (_, defs) = files.definitions;
        let mut all = defs.enums.value;
        let enums = ENUMS.iter().map(|n| (n.to_string(), all.remove(*n).unwrap().value.values)).collect();
        DefsSpec {
            slots: slots.slots.value.into_iter().map(|s| s.value).collect(),
            signatures: slots.hpyfunc_signatures.value.into_iter().map(|s| s.value).collect(),
            enums,
            flags: defs.type_flags,
        }
    }

    #[test]
    fn counts_match_hpy_0_9() {
        let s = spec();
        // HPy 0.9's 60, and HPy_tp_iter and HPy_tp_descr_get, which HPy enabled after 0.9.
        assert_eq!(s.slots.len(), 62);
        assert_eq!(s.signatures.len(), 39);
        assert_eq!(s.enums.len(), ENUMS.len());
    }

    #[test]
    fn every_signature_is_derived_or_hand_written() {
        for sig in &spec().signatures {
            let v = signature_view(sig).unwrap_or_else(|e| panic!("{}: {e}", sig.name));
            let special = SPECIAL_TRAMPOLINES.contains(&sig.name.as_str());
            let none = NO_TRAMPOLINE.contains(&sig.name.as_str());
            assert_eq!(v.trampoline.is_some(), !special && !none, "{}", sig.name);
        }
    }

    #[test]
    fn varargs_trampoline_reinterprets_the_array() {
        let s = spec();
        let sig = s.signatures.iter().find(|s| s.name == "HPyFunc_VARARGS").unwrap();
        let v = signature_view(sig).unwrap();
        let body = v.trampoline.unwrap().join("\n");
        assert!(
            body.starts_with(
                "static PyObject *SYM(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {"
            ),
            "{body}"
        );
        assert!(body.contains("capicompat_hpy_release(IMPL(capicompat_hpy_ctx(), capicompat_hpy_borrow(self), capicompat_hpy_borrow_args(args, (size_t)nargs), (size_t)nargs))"), "{body}");
        assert_eq!(
            v.declare.unwrap(),
            "static HPy (SYM)(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)"
        );
        let kw = signature_view(s.signatures.iter().find(|s| s.name == "HPyFunc_KEYWORDS").unwrap()).unwrap();
        assert!(kw
            .trampoline
            .unwrap()
            .join("\n")
            .contains("(size_t)PyVectorcall_NARGS(nargsf), capicompat_hpy_borrow(kwnames)"));
    }

    #[test]
    fn richcompare_and_buffer_convert() {
        let s = spec();
        let find = |n: &str| signature_view(s.signatures.iter().find(|s| s.name == n).unwrap()).unwrap();
        assert!(find("HPyFunc_RICHCMPFUNC").trampoline.unwrap().join("\n").contains("(HPy_RichCmpOp)op"));
        // The buffer trampolines are hand-written (the owner handle inside the view).
        assert!(find("HPyFunc_GETBUFFERPROC").trampoline.is_none());
        let get = find("HPyFunc_GETTER").trampoline.unwrap().join("\n");
        assert!(get.contains("static PyObject *SYM(PyObject *arg0, void *arg1)"), "{get}");
    }

    #[test]
    fn unknown_conversions_are_refused() {
        let sig = Signature {
            name: "X".into(),
            value: 1,
            typedef: Some("typedef HPy (*HPyFunc_x)(HPyContext *ctx, double)".into()),
            cpython_trampoline: Some("PyObject *SYM(float a)".into()),
            meth_flags: None,
        };
        assert!(signature_view(&sig).unwrap_err().contains("no conversion"));
    }

    #[test]
    fn renders() {
        let out = render(&spec()).unwrap();
        assert!(out.contains("HPy_nb_add = 7,"), "{out}");
        assert!(out.contains("#define _HPySlot_SIG__HPy_nb_add HPyFunc_BINARYFUNC"));
        assert!(out.contains("HPyMember_OBJECT_EX = 16,"));
        assert!(out.contains("    case HPy_tp_destroy: return 0;\n"), "{out}");
        assert!(out.contains("[HPyMember_LONG == Py_T_LONG ? 1 : -1]"), "{out}");
        assert!(!out.contains("T_OBJECT ?"));
        assert!(out.contains("    case HPy_mod_exec: return Py_mod_exec;\n"));
    }
}
