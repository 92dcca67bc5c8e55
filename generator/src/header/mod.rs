//! Spec → header: `plan` chooses the entries for a floor (and `--only`) in dependency order,
//! `emit` renders them through `templates/header.h.hbs`, `cnull` spells `NULL` for C and C++;
//! `used_by` finds the entries a user's code uses (`gen --used-by`).

pub mod cnull;
pub mod emit;
pub mod plan;
pub mod used_by;
