//! What `--require` names: an interpreter that must be found (`3.13`, `3.13-dbg`, `pypy3.11`).

use super::{Implementation, Interpreter};

/// An interpreter the caller required (`--require`), described as `3.13`, `3.13-dbg`, `pypy3.11`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub text: String,
    pub implementation: Implementation,
    pub minor: u8,
    pub debug: bool,
}

impl Requirement {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not an interpreter requirement: write 3.13, 3.13-dbg or pypy3.11");
        let (implementation, rest) = match text.strip_prefix("pypy") {
            Some(rest) => (Implementation::PyPy, rest),
            None => (Implementation::CPython, text),
        };
        let (rest, debug) = match rest.strip_suffix("-dbg") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let minor = rest.strip_prefix("3.").and_then(|m| m.parse().ok()).ok_or_else(bad)?;
        Ok(Requirement { text: text.to_string(), implementation, minor, debug })
    }

    pub fn matches(&self, i: &Interpreter) -> bool {
        i.implementation == self.implementation && i.series().minor == self.minor && i.debug == self.debug
    }
}
