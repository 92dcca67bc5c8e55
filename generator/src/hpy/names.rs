//! The public names of HPy's API in the CPython ABI, as `spec/hpy/` lists them: the
//! universe `coverage --hpy` checks the generated header against, HPy 0.9's names and, apart,
//! those HPy's main branch added after 0.9 (`beyond_0_9` in the data). Names that start with
//! an underscore (HPy's internals), names that exist only in the universal ABI, and slots HPy
//! itself comments out are not part of it.

use super::data::read;
use crate::spec::diagnostics::{Collector, SpecErrors};
use crate::spec::source::SpecSource;
use serde::Deserialize;
use std::collections::BTreeSet;

/// How a name is looked for in a translation unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    /// A function (or a macro standing for one).
    Function,
    /// A macro, function-like or not.
    Macro,
    /// A typedef name.
    Type,
    /// An enumerator or an integer macro.
    Constant,
    /// A member of `HPyContext` (`ctx->h_None`).
    ContextHandle,
    /// A data symbol (`HPyStructSequence_UnnamedField`).
    Variable,
}

/// One public HPy name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ApiName {
    /// The part of spec/hpy it comes from (`functions`, `handles`, `slots`, …).
    pub group: &'static str,
    pub name: String,
    pub kind: NameKind,
    /// Added by HPy after 0.9 (its main branch): counted apart from 0.9's names.
    pub after_0_9: bool,
}

#[derive(Deserialize)]
struct Api {
    functions: Vec<ApiFunction>,
}

#[derive(Deserialize)]
struct ApiFunction {
    name: String,
    #[serde(default)]
    internal: bool,
    #[serde(default)]
    cpython_abi: Option<String>,
    #[serde(default)]
    beyond_0_9: Option<String>,
}

#[derive(Deserialize)]
struct Context {
    handles: Vec<Named>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
    /// Set on names HPy added after 0.9.
    #[serde(default)]
    beyond_0_9: Option<String>,
}

#[derive(Deserialize)]
struct Slots {
    slots: Vec<SlotName>,
    hpyfunc_signatures: Vec<Signature>,
}

#[derive(Deserialize)]
struct SlotName {
    name: String,
    /// Set on slots HPy enabled after 0.9 (HPy_tp_iter): provided, but not 0.9's API.
    #[serde(default)]
    beyond_0_9: Option<String>,
}

#[derive(Deserialize)]
struct Signature {
    name: String,
    /// `HPyFunc_VECTORCALLFUNC` has none of its own.
    #[serde(default)]
    typedef: Option<String>,
}

#[derive(Deserialize)]
struct Definitions {
    abi: Abi,
    declaration_macros: Vec<Named>,
    handle_types: Vec<Named>,
    handle_macros: Vec<Named>,
    scalar_types: ScalarTypes,
    enums: std::collections::BTreeMap<String, Enum>,
    type_flags: Vec<Flag>,
    structs: std::collections::BTreeMap<String, Struct>,
    macros: Vec<Named>,
}

#[derive(Deserialize)]
struct Abi {
    constants: Vec<Named>,
    version_macros: Vec<Named>,
}

#[derive(Deserialize)]
struct ScalarTypes {
    cpython_abi: Vec<Named>,
    cpy_types: CpyTypes,
    function_typedefs: Vec<Named>,
}

#[derive(Deserialize)]
struct CpyTypes {
    list: Vec<Named>,
}

#[derive(Deserialize)]
struct Enum {
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    values: Vec<Named>,
}

#[derive(Deserialize)]
struct Flag {
    name: String,
    #[serde(default)]
    internal: bool,
}

#[derive(Deserialize)]
struct Struct {
    #[serde(default)]
    definition: Option<String>,
}

/// A spec name that may carry a parameter list (`HPy_IsNull(h)`): the identifier alone.
fn identifier(name: &str) -> &str {
    name.split('(').next().unwrap_or(name).trim()
}

fn is_public(name: &str) -> bool {
    !name.starts_with('_') && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The typedef name of a C `typedef RET (*NAME)(PARAMS)` line.
fn typedef_name(typedef: &str) -> Option<&str> {
    let start = typedef.find("(*")? + 2;
    let end = start + typedef[start..].find(')')?;
    Some(typedef[start..end].trim())
}

/// The public names alone (`gen --hpy --used-by`: does the code use HPy?).
pub fn public_name_set(source: &SpecSource) -> Result<BTreeSet<String>, SpecErrors> {
    Ok(public_names(source)?.into_iter().map(|n| n.name).collect())
}

/// Every public HPy name of the CPython ABI, 0.9's and those added after it (`after_0_9`),
/// sorted by group and name, each once.
pub fn public_names(source: &SpecSource) -> Result<Vec<ApiName>, SpecErrors> {
    super::data::require_hpy_data(source)?;
    let mut errors = Collector::default();
    let api = read::<Api>(source, "api.yaml", &mut errors);
    let context = read::<Context>(source, "context.yaml", &mut errors);
    let slots = read::<Slots>(source, "slots.yaml", &mut errors);
    let defs = read::<Definitions>(source, "definitions.yaml", &mut errors);
    let (Some((_, api)), Some((_, context)), Some((_, slots)), Some((_, defs))) = (api, context, slots, defs)
    else {
        return Err(errors.finish().expect_err("a file that could not be read was reported"));
    };

    let names = std::cell::RefCell::new(BTreeSet::new());
    let add_to = |group: &'static str, name: &str, kind: NameKind, after_0_9: bool| {
        let name = identifier(name);
        if is_public(name) {
            names.borrow_mut().insert(ApiName { group, name: name.to_string(), kind, after_0_9 });
        }
    };
    for f in &api.functions {
        if !f.internal && f.cpython_abi.as_deref() != Some("not_available") {
            add_to("functions", &f.name, NameKind::Function, f.beyond_0_9.is_some());
        }
    }
    for h in &context.handles {
        add_to("context handles", &h.name, NameKind::ContextHandle, h.beyond_0_9.is_some());
    }
    for s in &slots.slots {
        add_to("slots", &s.name, NameKind::Constant, s.beyond_0_9.is_some());
    }
    // The struct access macro of the shape HPy added after 0.9 (the template defines it).
    add_to("macros", "HPyType_BuiltinShape_Dict_AsStruct", NameKind::Macro, true);
    let add = |group: &'static str, name: &str, kind: NameKind| add_to(group, name, kind, false);
    for s in &slots.hpyfunc_signatures {
        add("HPyFunc signatures", &s.name, NameKind::Constant);
        if let Some(name) = s.typedef.as_deref().and_then(typedef_name) {
            add("HPyFunc signatures", name, NameKind::Type);
        }
    }
    for n in defs.abi.constants.iter().chain(&defs.abi.version_macros) {
        add("macros", &n.name, NameKind::Macro);
    }
    for n in &defs.declaration_macros {
        add("macros", &n.name, NameKind::Macro);
    }
    for n in &defs.handle_types {
        add("types", &n.name, NameKind::Type);
    }
    for n in &defs.handle_macros {
        add("macros", &n.name, NameKind::Macro);
    }
    for n in &defs.scalar_types.cpython_abi {
        let kind = if n.name.starts_with("HPY_") { NameKind::Macro } else { NameKind::Type };
        add("types", &n.name, kind);
    }
    for n in defs.scalar_types.cpy_types.list.iter().chain(&defs.scalar_types.function_typedefs) {
        add("types", &n.name, NameKind::Type);
    }
    for (name, e) in &defs.enums {
        // `_HPyCapsule_key` is universal-only; the values of the two enums that slots.yaml
        // lists are added above.
        add("types", name, NameKind::Type);
        let universal_only =
            e.note.as_deref().is_some_and(|n| n.contains("only when HPY_ABI_CPYTHON is NOT"));
        if !universal_only {
            for v in &e.values {
                add_to("enum values", &v.name, NameKind::Constant, v.beyond_0_9.is_some());
            }
        }
    }
    for f in defs.type_flags.iter().filter(|f| !f.internal) {
        add("type flags", &f.name, NameKind::Constant);
    }
    for (name, s) in &defs.structs {
        let is_extern = s.definition.as_deref().is_some_and(|d| d.starts_with("extern "));
        add("types", name, if is_extern { NameKind::Variable } else { NameKind::Type });
    }
    for m in &defs.macros {
        for part in m.name.split(" / ") {
            if let Some((head, tail)) = part.split_once("<Shape>") {
                for shape in ["Legacy", "Object", "Type", "Long", "Float", "Unicode", "Tuple", "List"] {
                    add("macros", &format!("{head}{shape}{tail}"), NameKind::Macro);
                }
            } else {
                add("macros", part, NameKind::Macro);
            }
        }
    }
    let mut out: Vec<ApiName> = Vec::new();
    for n in names.into_inner() {
        // A name listed twice (a macro that is also a function) counts once, as first seen.
        if !out.iter().any(|o| o.name == n.name) {
            out.push(n);
        }
    }
    out.sort_by(|a, b| (a.group, &a.name).cmp(&(b.group, &b.name)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_universe_has_every_part_of_the_api() {
        let all = public_names(&SpecSource::embedded()).unwrap();
        let later: Vec<&str> = all.iter().filter(|n| n.after_0_9).map(|n| n.name.as_str()).collect();
        assert_eq!(
            later,
            [
                "h_DictType",
                "HPyType_BuiltinShape_Dict",
                "HPyIter_Check",
                "HPyIter_Next",
                "HPyList_Insert",
                "HPySlice_New",
                "HPy_DelSlice",
                "HPy_GetIter",
                "HPy_GetSlice",
                "HPy_SetSlice",
                "HPyType_BuiltinShape_Dict_AsStruct",
                "HPy_tp_descr_get",
                "HPy_tp_iter"
            ]
        );
        let names: Vec<ApiName> = all.into_iter().filter(|n| !n.after_0_9).collect();
        let count = |group: &str| names.iter().filter(|n| n.group == group).count();
        assert_eq!(count("context handles"), 83);
        assert_eq!(count("slots"), 60);
        // 39 signature values and 38 typedefs (VECTORCALLFUNC has none of its own).
        assert_eq!(count("HPyFunc signatures"), 77);
        // 219 entries less 12 internal and the 2 capsule functions absent from the CPython ABI.
        assert_eq!(count("functions"), 205);
        for name in
            ["HPy_NULL", "HPyDef_METH", "HPy_MODINIT", "HPyType_BuiltinShape_Long_AsStruct", "HPy_VISIT"]
        {
            assert!(names.iter().any(|n| n.name == name && n.kind == NameKind::Macro), "{name}");
        }
        for name in ["HPyField", "HPyType_Spec", "HPyDef", "HPyFunc_varargs", "cpy_PyObject"] {
            assert!(names.iter().any(|n| n.name == name && n.kind == NameKind::Type), "{name}");
        }
        assert!(names.iter().any(|n| n.name == "HPyMember_OBJECT_EX" && n.kind == NameKind::Constant));
        assert!(!names.iter().any(|n| n.name.starts_with('_') || n.name == "HPyCapsule_key_Pointer"));
        let unique: BTreeSet<&str> = names.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(unique.len(), names.len());
    }
}
