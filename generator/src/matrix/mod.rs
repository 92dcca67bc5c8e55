//! `capi-compat matrix`: users' code on every interpreter. `sources` builds loose C sources
//! into one extension module with the generated header, imports it and runs the test command.

pub mod sources;
