//! The entry's C: the prototype (`signature`, naming the entry), macro `params`, the backport
//! `body` or per-range `bodies` (each `below` rising and under `since`), and the `test`.

use super::entry::EntryCheck;
use crate::spec::cdecl::{is_c_identifier, parse_signature, Signature};
use crate::spec::model::{RangeBody, TestSnippet};
use crate::spec::raw::RawEntry;
use crate::spec::version::PyVersion;

pub(super) struct Code {
    pub signature: Option<Signature>,
    pub bodies: Vec<RangeBody>,
    pub test: Option<TestSnippet>,
}

pub(super) fn check(raw: &RawEntry, since: Option<PyVersion>, check: &mut EntryCheck) -> Code {
    let signature = signature(raw, check);
    if let Some(params) = &raw.params {
        for p in params {
            if !is_c_identifier(p) && p != "..." {
                check.entry_error(format!("macro parameter `{p}` is not a C identifier"), "");
            }
        }
    }
    let bodies = bodies(raw, since, check);
    let test = raw.test.as_ref().map(|t| TestSnippet {
        code: t.value.clone(),
        file: check.file.to_string(),
        // Where the text starts: serde-saphyr places a block scalar (`|`) at its first line of
        // content already, and a plain one on its key's line.
        first_line: t.referenced.line(),
    });
    if test.as_ref().is_some_and(|t| t.code.trim().is_empty()) {
        check.entry_error("the test is empty", "exercise the name: results, error paths, reference counts");
    }
    Code { signature, bodies, test }
}

fn signature(raw: &RawEntry, check: &mut EntryCheck) -> Option<Signature> {
    let s = raw.signature.as_ref()?;
    match parse_signature(&s.value) {
        Ok(sig) if sig.name == check.name => Some(sig),
        Ok(sig) => {
            let message = format!("the signature declares `{}`, not `{}`", sig.name, check.name);
            check.value_error(s, message, "the prototype's function name must be the entry's name");
            None
        }
        Err(msg) => {
            check.value_error(
                s,
                format!("the signature does not parse: {msg}"),
                "write a C prototype: `int PyFoo(PyObject *obj, Py_ssize_t n)`",
            );
            None
        }
    }
}

fn bodies(raw: &RawEntry, since: Option<PyVersion>, check: &mut EntryCheck) -> Vec<RangeBody> {
    let mut bodies = Vec::new();
    if let Some(body) = &raw.body {
        bodies.push(RangeBody { below: None, body: body.clone() });
    }
    if let Some(raw_bodies) = &raw.bodies {
        let count = raw_bodies.len();
        let mut previous: Option<PyVersion> = None;
        for (i, rb) in raw_bodies.iter().enumerate() {
            let below = match &rb.below {
                None if i + 1 == count => None,
                None => {
                    check.entry_error(
                        format!("body {} of `bodies` has no `below`", i + 1),
                        "only the last body may leave out `below`: it covers the rest up to `since`",
                    );
                    None
                }
                Some(b) => match PyVersion::parse(&b.value) {
                    Ok(v) => {
                        let out_of_order = previous.is_some_and(|p| v <= p)
                            || since.is_some_and(|s| if raw.removed.is_some() { v > s } else { v >= s })
                            || !v.in_supported_range();
                        if out_of_order {
                            check.value_error(
                                b,
                                format!("`below: {v}` is out of order"),
                                "each `below` must rise, stay within 3.10 … 3.15 and stay under `since` (at most `since` for a name with `removed`: the last body then serves from `removed` on)",
                            );
                        }
                        if i + 1 == count {
                            check.value_error(
                                b,
                                "the last body of `bodies` has a `below`",
                                "drop `below` from the last body: it covers the rest up to `since`",
                            );
                        }
                        previous = Some(v);
                        Some(v)
                    }
                    Err(msg) => {
                        check.value_error(b, msg, "");
                        None
                    }
                },
            };
            bodies.push(RangeBody { below, body: rb.body.clone() });
        }
        if count == 0 {
            check.entry_error("`bodies` is empty", "give at least one body");
        }
    }
    if bodies.iter().any(|b| b.body.trim().is_empty()) {
        check.entry_error("a body is empty", "write the C code, or refuse the name with a reason");
    }
    bodies
}
