//! Which API entries the HPy section's own code needs. The section calls the C API directly
//! (`Py_T_INT` in member tables, `PyType_FromMetaclass`, …), so a header that holds it but
//! not all the entries (`--only`, `--used-by`) must hold those too: they are found by reading
//! the rendered section with the scanner's tokenizer, as a user's code is read.

use crate::header::used_by;
use crate::scan::tokenize;
use crate::Spec;
use std::collections::BTreeSet;

/// The spec entries the section's code uses, in spec order.
pub fn api_requirements(spec: &Spec, section: &str) -> Vec<String> {
    let names: BTreeSet<String> =
        tokenize::identifiers(section).into_iter().map(|(name, _, _)| name).collect();
    used_by::entries_used(spec, &names).0
}

/// `only` with the section's requirements added after it (each name once).
pub fn with_requirements(only: &[String], requirements: &[String]) -> Vec<String> {
    let mut names = only.to_vec();
    let seen: BTreeSet<&str> = only.iter().map(String::as_str).collect();
    names.extend(requirements.iter().filter(|r| !seen.contains(r.as_str())).cloned());
    names
}

/// Does the code use any public HPy name?
pub fn uses_hpy(code_names: &BTreeSet<String>, hpy_names: &BTreeSet<String>) -> bool {
    code_names.iter().any(|n| hpy_names.contains(n))
}
