//! `capi-compat matrix`: users' code on every interpreter. `sources` builds loose C sources
//! into one extension module with the generated header, imports it and runs the test command;
//! `project` builds a whole package (PROJECT_DIR) with its own build backend in a venv per
//! interpreter, runs its tests and proves its extension modules were imported.

pub mod project;
pub mod sources;
