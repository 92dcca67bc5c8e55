//! The interpreters a run uses: `discovery` finds them (provisioned cache, pyenv, uv,
//! `/usr/bin`, `PATH`), `probe_cache` asks each about itself once, `include_dirs` turns its
//! sysconfig's answer into the compiler's include path, `requirement` is what
//! `--require` names, `selection` applies the filters, the floor and the requirements.

pub mod discovery;
mod include_dirs;
mod probe_cache;
pub mod requirement;
pub mod selection;

pub use discovery::{cache_dir, discover, discover_with, render_table, Implementation, Interpreter};
pub use requirement::Requirement;
pub use selection::{select, Selection};
