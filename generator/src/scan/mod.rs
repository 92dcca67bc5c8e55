//! `capi-compat scan`: what a user's C/C++ code uses of the C API. `tokenize` reads the code
//! (names in comments, literals and `#if 0` are not uses), `files` finds the sources, `guards`
//! follows `PY_VERSION_HEX` checks, `layers` recognises vendored compatibility headers (skipped), `findings` classifies the names against the spec and
//! `spec/replaced.yaml`, and `render` prints the report.

pub mod files;
pub mod findings;
pub mod guards;
pub mod layers;
pub mod render;
pub mod tokenize;

pub use files::{read_source, source_files, ScanError};
pub use findings::{scan, ScanReport};
