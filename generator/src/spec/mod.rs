//! The spec: `source` finds the files (embedded or `--spec DIR`), `raw` is their YAML shape,
//! `validate` turns raw entries into the checked `model` (every problem a `diagnostics` entry
//! with file:line:column), `cdecl` parses C prototypes, `errors` is a function's error contract, `version` is Python versions, `yaml` reads one file
//! (the HPy data in `spec/hpy/` is read through it too).

pub mod cdecl;
pub mod diagnostics;
pub mod errors;
pub mod model;
pub mod raw;
pub mod source;
pub mod validate;
pub mod version;
pub mod yaml;
