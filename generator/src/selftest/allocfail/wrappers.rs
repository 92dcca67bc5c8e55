//! The C that puts every function of the spec behind a wrapper in the alloc-fail build: the
//! wrapper arms the failing allocator for the call and judges the result
//! (`templates/allocfail.h`). It follows the header, so the backports' own bodies (and the
//! backports they call) keep calling each other directly: only a test's calls are judged.

use crate::spec::cdecl::Signature;
use crate::spec::model::{Entry, Kind, Spec};

/// How a return type reports an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReturnKind {
    /// NULL is the error value, and needs an exception.
    Pointer,
    /// -1 is the error value (it may also be a valid result: the exception tells).
    Signed,
    /// -1.0 likewise.
    Double,
    /// void, unsigned, enums, structs: only the exception tells.
    NoErrorValue,
}

fn return_kind(return_type: &str) -> ReturnKind {
    let ty = return_type.trim();
    if ty.ends_with('*') {
        return ReturnKind::Pointer;
    }
    match ty {
        "int" | "long" | "long long" | "Py_ssize_t" | "Py_hash_t" | "int32_t" | "int64_t" | "PyTime_t" => {
            ReturnKind::Signed
        }
        "double" => ReturnKind::Double,
        _ => ReturnKind::NoErrorValue,
    }
}

/// Functions whose error report is not "the error value with an exception set", by their
/// documentation: the value that reports the error, and whether an exception goes with it.
fn documented_error(name: &str) -> Option<(&'static str, bool)> {
    if name.starts_with("PyArg_Parse") {
        // 0 on failure, with the exception
        return Some(("0", true));
    }
    if name.starts_with("PyTime_") && name.ends_with("Raw") {
        // "don't raise an exception on error"
        return Some(("-1", false));
    }
    if name.starts_with("PyInitConfig_") || name == "Py_InitializeFromInitConfig" {
        // the error is kept in the PyInitConfig (PyInitConfig_GetError), not raised
        return Some(("-1", false));
    }
    if name.starts_with("PyRun_Simple") {
        // "-1 if an exception was raised": printed (PyErr_Print) and cleared, as documented
        return Some(("-1", false));
    }
    if name == "PyThread_set_stacksize" {
        // pythread.h: 0, or -1 (-2: unsupported) for a size it cannot set; never an exception
        return Some(("-1", false));
    }
    if name == "PyErr_ProgramText" || name == "PyErr_ProgramTextObject" {
        // NULL whenever the line cannot be had, CPython's own clearing any error it met
        return Some(("NULL", false));
    }
    if name == "PyUnstable_Type_AssignVersionTag" {
        // "0 if a new tag could not be assigned"
        return Some(("0", false));
    }
    None
}

/// Pointer functions for which NULL without an exception is a result, not an error
/// (documented: an empty cell, a function without those defaults): the exception tells.
fn null_is_a_result(name: &str) -> bool {
    matches!(name, "PyCell_Get" | "PyFunction_GetKwDefaults")
}

/// The C expression that classifies `value` for `capicompat_af_leave`.
fn judged(name: &str, return_type: &str, kind: ReturnKind, value: &str) -> String {
    if kind == ReturnKind::Pointer && null_is_a_result(name) {
        // as -1 for an int: an error only with the exception; otherwise the test judges it
        return format!(
            "({value} == CAPICOMPAT_NULL ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE)"
        );
    }
    if let Some((error_value, raises)) = documented_error(name) {
        // a pointer's error value is NULL whatever the convention
        let error_value = if kind == ReturnKind::Pointer { "CAPICOMPAT_NULL" } else { error_value };
        return if raises {
            format!("({value} == {error_value} ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE)")
        } else {
            format!("capicompat_af_silent({value} == {error_value})")
        };
    }
    if return_type.trim() == "PyStatus" {
        // an error is a status, not an exception (PyStatus_Exception tells)
        return format!("capicompat_af_silent(PyStatus_Exception({value}))");
    }
    match kind {
        ReturnKind::Pointer => format!("capicompat_af_pointer({value})"),
        ReturnKind::Signed => format!("capicompat_af_signed((long long){value})"),
        ReturnKind::Double => format!("capicompat_af_double({value})"),
        ReturnKind::NoErrorValue => "CAPICOMPAT_AF_NO_VALUE".to_string(),
    }
}

/// The functions whose calls are judged: every function entry the header offers.
pub fn wrapped_entries(spec: &Spec) -> impl Iterator<Item = (&Entry, &Signature)> {
    spec.entries
        .iter()
        .filter(|e| e.kind == Kind::Function && e.defined_by.is_none())
        .filter(|e| e.refused.is_none() || e.provided_from.is_some())
        .filter_map(|e| e.signature.as_ref().map(|s| (e, s)))
}

fn wrapper(entry: &Entry, sig: &Signature) -> String {
    let name = &entry.name;
    let kind = return_kind(&sig.return_type);
    let void = sig.return_type.trim() == "void";
    let mut c = String::new();
    if sig.variadic {
        // A variadic call cannot be forwarded by a function: a macro calls the function
        // through a pointer taken before the name is redefined.
        let pointer = sig.render_with_name(&format!("(*const capicompat_af_t_{name})"));
        c.push_str(&format!("__attribute__((unused)) static {pointer} = {name};\n#undef {name}\n"));
        if void {
            c.push_str(&format!(
                "#define {name}(...) (capicompat_af_enter(&capicompat_af_vcall, \"{name}\"), capicompat_af_t_{name}(__VA_ARGS__), capicompat_af_leave(&capicompat_af_vcall, CAPICOMPAT_AF_NO_VALUE))\n"
            ));
        } else {
            c.push_str(&format!(
                "#define {name}(...) (capicompat_af_enter(&capicompat_af_vcall, \"{name}\"), capicompat_af_int_result(capicompat_af_t_{name}(__VA_ARGS__), {}))\n",
                documented_error(name).map_or("-1", |(value, _)| value)
            ));
        }
        return c;
    }
    let args: Vec<&str> = sig.params.iter().map(|p| p.name.as_str()).collect();
    let call = format!("{name}({})", args.join(", "));
    c.push_str(&format!("static inline {}\n{{\n", sig.render_with_name(&format!("capicompat_af_w_{name}"))));
    c.push_str("    capicompat_af_call capicompat_af_c;\n");
    c.push_str(&format!("    capicompat_af_enter(&capicompat_af_c, \"{name}\");\n"));
    if void {
        c.push_str(&format!(
            "    {call};\n    capicompat_af_leave(&capicompat_af_c, CAPICOMPAT_AF_NO_VALUE);\n"
        ));
    } else {
        c.push_str(&format!("    {} capicompat_af_r = {call};\n", sig.return_type.trim()));
        c.push_str(&format!(
            "    capicompat_af_leave(&capicompat_af_c, {});\n    return capicompat_af_r;\n",
            judged(name, &sig.return_type, kind, "capicompat_af_r")
        ));
    }
    c.push_str(&format!("}}\n#undef {name}\n#define {name} capicompat_af_w_{name}\n"));
    c
}

/// The wrappers, each under the `#if` its entry's test compiles under.
pub fn render(spec: &Spec) -> String {
    let mut c = String::from(
        "/* Generated by `capi-compat test --alloc-fail`: every function of the spec behind a\n   wrapper that judges its calls under the failing allocator. */\n\
         __attribute__((unused)) static capicompat_af_call capicompat_af_vcall;\n\
         static inline int capicompat_af_int_result(int value, int error_value)\n{\n    capicompat_af_leave(&capicompat_af_vcall, value == error_value ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE);\n    return value;\n}\n",
    );
    for (entry, sig) in wrapped_entries(spec) {
        let mut available = crate::selftest::module::availability(entry);
        if let Some(switch) = &entry.switch {
            // offered only behind the switch (the self-test module turns it on)
            available = if available.is_empty() {
                format!("defined({switch})")
            } else {
                format!("{available} && defined({switch})")
            };
        }
        c.push('\n');
        if !available.is_empty() {
            c.push_str(&format!("#if {available}\n"));
        }
        c.push_str(&wrapper(entry, sig));
        if !available.is_empty() {
            c.push_str("#endif\n");
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_kinds_follow_the_error_convention() {
        assert_eq!(return_kind("PyObject *"), ReturnKind::Pointer);
        assert_eq!(return_kind("const PyLongLayout*"), ReturnKind::Pointer);
        assert_eq!(return_kind("int"), ReturnKind::Signed);
        assert_eq!(return_kind("Py_ssize_t"), ReturnKind::Signed);
        assert_eq!(return_kind("double"), ReturnKind::Double);
        assert_eq!(return_kind("uint32_t"), ReturnKind::NoErrorValue);
        assert_eq!(return_kind("PyStatus"), ReturnKind::NoErrorValue);
    }

    #[test]
    fn functions_documented_to_report_errors_silently_are_judged_so() {
        // -1 (or NULL) without an exception is their error report, not a defect
        for (name, ret) in [
            ("PyRun_SimpleStringFlags", "int"),
            ("PyThread_set_stacksize", "int"),
            ("PyErr_ProgramTextObject", "PyObject *"),
        ] {
            let judged = judged(name, ret, return_kind(ret), "r");
            assert!(judged.starts_with("capicompat_af_silent("), "{name}: {judged}");
        }
        assert_eq!(
            judged("PyErr_ProgramText", "PyObject *", ReturnKind::Pointer, "r"),
            "capicompat_af_silent(r == CAPICOMPAT_NULL)"
        );
        // NULL is an empty cell's contents: only with an exception an error
        assert_eq!(
            judged("PyCell_Get", "PyObject *", ReturnKind::Pointer, "r"),
            "(r == CAPICOMPAT_NULL ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE)"
        );
        // an ordinary function still needs its exception
        assert_eq!(
            judged("PyRun_StringFlags", "PyObject *", ReturnKind::Pointer, "r"),
            "capicompat_af_pointer(r)"
        );
    }
}
