//! The interpreters a run uses: `discovery` finds them (provisioned cache, pyenv, uv, `/usr/bin`,
//! `PATH`) and asks each about itself, `requirement` is what `--require` names, `selection`
//! applies the filters, the floor and the requirements.

pub mod discovery;
pub mod requirement;
pub mod selection;

pub use discovery::{cache_dir, discover, render_table, Implementation, Interpreter};
pub use requirement::Requirement;
pub use selection::{select, Selection};
