//! The C that puts every function of the spec behind a wrapper in the alloc-fail build: the
//! wrapper arms the failing allocator for the call and judges the result
//! (`templates/allocfail.h`). It follows the header, so the backports' own bodies (and the
//! backports they call) keep calling each other directly: only a test's calls are judged.

use crate::spec::cdecl::Signature;
use crate::spec::errors::{ErrorContract, ErrorException, ReturnShape};
use crate::spec::model::{Entry, Kind, Spec};

/// The C expression that classifies `value` for `capicompat_af_leave`, by the function's
/// error contract (`errors:` in the spec, or its return type's convention).
fn judged(return_type: &str, contract: &ErrorContract, value: &str) -> String {
    let shape = ReturnShape::of(return_type);
    if return_type.trim() == "PyStatus" {
        // an error is a status, not an exception (PyStatus_Exception tells)
        return format!("capicompat_af_silent(PyStatus_Exception({value}))");
    }
    let Some(error_value) = contract.value.as_deref() else {
        // no value reports an error: only an exception can (and for a function that never
        // raises, none may)
        return match contract.exception {
            ErrorException::Set => "CAPICOMPAT_AF_NO_VALUE".to_string(),
            ErrorException::None => "capicompat_af_silent(0)".to_string(),
        };
    };
    let error_value = if error_value == "NULL" { "CAPICOMPAT_NULL" } else { error_value };
    match (contract.exception, shape) {
        (ErrorException::None, _) => format!("capicompat_af_silent({value} == {error_value})"),
        // NULL is also a result (an empty cell): as -1 for an int, an error only with the
        // exception; otherwise the test judges it
        (ErrorException::Set, ReturnShape::Pointer) if contract.also_a_result => {
            format!("({value} == {error_value} ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE)")
        }
        (ErrorException::Set, ReturnShape::Pointer) => format!("capicompat_af_pointer({value})"),
        (ErrorException::Set, ReturnShape::Signed) if error_value == "-1" => {
            format!("capicompat_af_signed((long long){value})")
        }
        (ErrorException::Set, ReturnShape::Double) if error_value == "-1.0" => {
            format!("capicompat_af_double({value})")
        }
        (ErrorException::Set, _) => {
            format!("({value} == {error_value} ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE)")
        }
    }
}

/// The call of the helper that judges a variadic function's int result (a macro cannot name
/// its value twice, so the helper compares it).
fn judged_int_call(contract: &ErrorContract, call: &str) -> String {
    match (contract.value.as_deref(), contract.exception) {
        (Some(error_value), ErrorException::Set) => {
            format!("capicompat_af_int_result({call}, {error_value})")
        }
        (Some(error_value), ErrorException::None) => {
            format!("capicompat_af_int_silent_result({call}, {error_value})")
        }
        (None, ErrorException::Set) => format!("capicompat_af_int_judged({call}, CAPICOMPAT_AF_NO_VALUE)"),
        (None, ErrorException::None) => {
            format!("capicompat_af_int_judged({call}, CAPICOMPAT_AF_SILENT_OTHER_VALUE)")
        }
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
    let contract = entry.error_contract().unwrap_or_else(|| ErrorContract::conventional(&sig.return_type));
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
                "#define {name}(...) (capicompat_af_enter(&capicompat_af_vcall, \"{name}\"), {})\n",
                judged_int_call(&contract, &format!("capicompat_af_t_{name}(__VA_ARGS__)"))
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
            judged(&sig.return_type, &contract, "capicompat_af_r")
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
         static inline int capicompat_af_int_result(int value, int error_value)\n{\n    capicompat_af_leave(&capicompat_af_vcall, value == error_value ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE);\n    return value;\n}\n\
         __attribute__((unused)) static inline int capicompat_af_int_silent_result(int value, int error_value)\n{\n    capicompat_af_leave(&capicompat_af_vcall, capicompat_af_silent(value == error_value));\n    return value;\n}\n\
         __attribute__((unused)) static inline int capicompat_af_int_judged(int value, enum capicompat_af_result result)\n{\n    capicompat_af_leave(&capicompat_af_vcall, result);\n    return value;\n}\n",
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

    fn contract(value: Option<&str>, exception: ErrorException, also_a_result: bool) -> ErrorContract {
        ErrorContract { value: value.map(str::to_string), exception, also_a_result }
    }

    #[test]
    fn conventional_returns_are_judged_by_their_type() {
        let judge = |ret: &str| judged(ret, &ErrorContract::conventional(ret), "r");
        assert_eq!(judge("PyObject *"), "capicompat_af_pointer(r)");
        assert_eq!(judge("Py_ssize_t"), "capicompat_af_signed((long long)r)");
        assert_eq!(judge("double"), "capicompat_af_double(r)");
        assert_eq!(judge("uint32_t"), "CAPICOMPAT_AF_NO_VALUE");
        assert_eq!(judge("PyStatus"), "capicompat_af_silent(PyStatus_Exception(r))");
    }

    #[test]
    fn contracts_without_an_exception_are_judged_silent() {
        // -1 (or NULL) without an exception is their error report, not a defect
        let silent = contract(Some("-1"), ErrorException::None, false);
        assert_eq!(judged("int", &silent, "r"), "capicompat_af_silent(r == -1)");
        let silent_null = contract(Some("NULL"), ErrorException::None, false);
        assert_eq!(judged("PyObject *", &silent_null, "r"), "capicompat_af_silent(r == CAPICOMPAT_NULL)");
        // a function that cannot fail and never raises: any exception is a defect
        let infallible = contract(None, ErrorException::None, false);
        assert_eq!(judged("int", &infallible, "r"), "capicompat_af_silent(0)");
    }

    #[test]
    fn other_error_values_and_results_are_judged_by_the_exception() {
        // NULL is an empty cell's contents: only with an exception an error
        let cell = contract(Some("NULL"), ErrorException::Set, true);
        assert_eq!(
            judged("PyObject *", &cell, "r"),
            "(r == CAPICOMPAT_NULL ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE)"
        );
        let zero = contract(Some("0"), ErrorException::Set, false);
        assert_eq!(
            judged("int", &zero, "r"),
            "(r == 0 ? CAPICOMPAT_AF_ERROR_VALUE : CAPICOMPAT_AF_OTHER_VALUE)"
        );
    }

    #[test]
    fn variadic_results_are_judged_by_a_helper() {
        let call = "f(__VA_ARGS__)";
        assert_eq!(
            judged_int_call(&contract(Some("0"), ErrorException::Set, false), call),
            "capicompat_af_int_result(f(__VA_ARGS__), 0)"
        );
        assert_eq!(
            judged_int_call(&contract(Some("-1"), ErrorException::None, false), call),
            "capicompat_af_int_silent_result(f(__VA_ARGS__), -1)"
        );
        assert_eq!(
            judged_int_call(&contract(None, ErrorException::None, false), call),
            "capicompat_af_int_judged(f(__VA_ARGS__), CAPICOMPAT_AF_SILENT_OTHER_VALUE)"
        );
    }

    #[test]
    fn the_spec_gives_the_documented_contracts() {
        // the contracts the judge once listed in code come from the spec now
        let spec = crate::load_spec(None).expect("the embedded spec loads");
        let contract_of = |name: &str| {
            let entry = spec.entries.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("{name}"));
            entry.error_contract().unwrap_or_else(|| panic!("{name} has no contract"))
        };
        for name in [
            "PyTime_MonotonicRaw",
            "PyInitConfig_SetInt",
            "Py_InitializeFromInitConfig",
            "PyRun_SimpleStringFlags",
            "PyRun_AnyFileExFlags",
            "PyRun_InteractiveLoopFlags",
            "PyThread_set_stacksize",
            "PyErr_ProgramText",
            "PyUnstable_Type_AssignVersionTag",
        ] {
            assert_eq!(contract_of(name).exception, ErrorException::None, "{name}");
        }
        assert_eq!(contract_of("PyArg_ParseArray").value.as_deref(), Some("0"));
        assert!(contract_of("PyCell_Get").also_a_result);
        assert_eq!(contract_of("PyRun_FileExFlags"), ErrorContract::conventional("PyObject *"));
    }
}
