//! The entry's name and kind: a C identifier, a known kind, and private names kept apart from
//! CPython's (`capicompat_*` helpers; `_Py*` only for refused documented names, CPython's own `_Py` macros, and names behind a `switch`).

use super::entry::EntryCheck;
use super::HELPER_PREFIX;
use crate::spec::cdecl::is_c_identifier;
use crate::spec::model::Kind;
use crate::spec::raw::RawEntry;

/// The entry's kind, or `None` when it is unknown (nothing else can be checked then).
pub(super) fn check(raw: &RawEntry, check: &mut EntryCheck) -> Option<Kind> {
    let name = check.name.clone();
    if !is_c_identifier(&name) {
        check.entry_error(format!("`{name}` is not a C identifier"), "write the name exactly as C spells it");
    }
    let Some(kind) = Kind::ALL.iter().find(|(s, _)| *s == raw.kind.value).map(|(_, k)| *k) else {
        check.value_error(
            &raw.kind,
            format!("unknown kind `{}`", raw.kind.value),
            "use one of: function, macro, type, constant, var, helper",
        );
        return None;
    };
    let is_helper = kind == Kind::Helper;
    if is_helper && !name.starts_with(HELPER_PREFIX) {
        check.entry_error(format!("helper names must start with `{HELPER_PREFIX}`"), "rename it: our private names never look like CPython's (`_Py*` names collide with interpreter internals)");
    }
    // CPython documents a few `_Py` names (`_PyInterpreterFrame`); they can only be refused.
    // Its headers' `_Py` macros and constants (`_Py_NULL`, `_Py_T_OBJECT`) are emitted under
    // `#ifndef`, so they never clash; names behind a `switch` are the user's explicit choice.
    let refused = raw.refused.is_some();
    let underscore_ok = refused || raw.switch.is_some() || matches!(kind, Kind::Macro | Kind::Constant);
    if !is_helper && (name.starts_with(HELPER_PREFIX) || (name.starts_with("_Py") && !underscore_ok)) {
        check.entry_error(
            format!("`{name}` is a private name, not a C API name"),
            "private functions are `kind: helper` entries named capicompat_*",
        );
    }
    Some(kind)
}
