//! Reports on the spec: `coverage` against CPython's documented additions, `listing` the table
//! of `capi-compat list`.

pub mod coverage;
pub mod listing;
