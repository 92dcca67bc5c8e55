//! `uses_private`: the interpreter-private functions a body calls, each with the CPython
//! versions it is called on (`from` … `below`). The names must be CPython's (`_Py…`), the
//! range must be a real one within the supported versions; the since probe then proves each
//! is declared wherever the range says.

use super::entry::EntryCheck;
use crate::spec::cdecl::is_c_identifier;
use crate::spec::model::PrivateUse;
use crate::spec::raw::RawEntry;
use crate::spec::version::PyVersion;
use serde_saphyr::Spanned;

pub(super) fn check(raw: &RawEntry, check: &mut EntryCheck) -> Vec<PrivateUse> {
    let mut uses = Vec::new();
    for raw_use in &raw.uses_private {
        let name = &raw_use.name;
        if !is_c_identifier(&name.value) || !name.value.starts_with("_Py") {
            check.value_error(
                name,
                format!("`{}` is not an interpreter-private name", name.value),
                "`uses_private` lists CPython's own private functions (`_PyObject_LookupAttr`)",
            );
            continue;
        }
        let from = version(raw_use.from.as_ref(), check);
        let below = version(raw_use.below.as_ref(), check);
        if let (Some(f), Some(b)) = (from, below) {
            if f >= b {
                let at = raw_use.below.as_ref().expect("parsed from it");
                check.value_error(
                    at,
                    format!("`below: {b}` is not after `from: {f}`"),
                    "the range is `from` … `below`",
                );
                continue;
            }
        }
        uses.push(PrivateUse { name: name.value.clone(), from, below });
    }
    uses
}

fn version(value: Option<&Spanned<String>>, check: &mut EntryCheck) -> Option<PyVersion> {
    let value = value?;
    match PyVersion::parse(&value.value) {
        Ok(v) if v.in_supported_range() || v.hex() == PyVersion::release(3, 16).hex() => Some(v),
        Ok(v) => {
            check.value_error(value, format!("`{v}` is outside 3.10 … 3.16"), "");
            None
        }
        Err(msg) => {
            check.value_error(value, msg, "");
            None
        }
    }
}
