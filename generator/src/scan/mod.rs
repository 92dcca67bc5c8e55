//! `capi-compat scan`: what a user's C/C++ code uses of the C API. `tokenize` reads the code
//! (names in comments, literals and `#if 0` are not uses); `files` finds the sources.

pub mod files;
pub mod tokenize;

pub use files::{read_source, source_files, ScanError};
