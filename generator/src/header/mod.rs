//! Spec → header: `plan` chooses the entries for a floor (and `--only`) in dependency order,
//! `emit` renders them through `templates/header.h.hbs`, `cnull` spells `NULL` for C and C++.

pub mod cnull;
pub mod emit;
pub mod plan;
