//! `capi-compat upgrade`: list, show (`--diff`) or apply (`--write`) the exact rewrites of old
//! C API in users' code; `--test-rules` runs every rule's side-by-side test.

use super::{io_error, CliError, RunArgs, SpecArg};
use crate::upgrade::{self, FileUpgrade};
use std::io::Write;
use std::path::PathBuf;

/// What `upgrade` does with what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print each change with its place and rule; write nothing.
    List,
    /// Print a unified diff; write nothing.
    Diff,
    /// Rewrite the files in place.
    Write,
}

fn upgrade_error(e: upgrade::UpgradeError) -> CliError {
    match e {
        upgrade::UpgradeError::Files(_) | upgrade::UpgradeError::NotUtf8(..) => {
            CliError::Usage(e.to_string())
        }
        _ => CliError::Io(e.to_string()),
    }
}

pub fn upgrade(
    paths: &[PathBuf],
    mode: Mode,
    spec: &SpecArg,
    out: &mut dyn Write,
    note: &mut dyn Write,
) -> Result<(), CliError> {
    let rules = upgrade::load_rules(spec.spec.as_deref())?;
    let files = upgrade::upgrade_paths(&rules, paths).map_err(upgrade_error)?;
    let changed: Vec<&FileUpgrade> = files.iter().filter(|f| f.changed()).collect();
    let count: usize = changed.iter().map(|f| f.upgraded.changes.len()).sum();
    for file in &files {
        let described = upgrade::describe(file);
        match mode {
            Mode::List => out.write_all(described.as_bytes()).map_err(io_error)?,
            Mode::Diff => {
                out.write_all(file.diff().as_bytes()).map_err(io_error)?;
                // The notes (header, rules not applied) go beside the patch, not into it.
                let notes: String =
                    described.lines().filter(|l| l.contains(": note: ")).map(|l| format!("{l}\n")).collect();
                note.write_all(notes.as_bytes()).map_err(io_error)?;
            }
            Mode::Write => {
                if file.changed() {
                    upgrade::write_atomically(&file.path, &file.upgraded.text).map_err(upgrade_error)?;
                }
                out.write_all(described.as_bytes()).map_err(io_error)?;
            }
        }
    }
    let what = match mode {
        Mode::List => "listed only, nothing written: --diff shows them as a patch, --write applies them",
        Mode::Diff => "shown as a diff, nothing written: --write applies them",
        Mode::Write => "written",
    };
    let summary = format!(
        "upgrade: {count} change{} in {} of {} file{} ({what})\n",
        if count == 1 { "" } else { "s" },
        changed.len(),
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    // With --diff, standard output is the patch alone.
    let target: &mut dyn Write = if mode == Mode::Diff { note } else { out };
    target.write_all(summary.as_bytes()).map_err(io_error)
}

/// Every rule's side-by-side test on every interpreter where its old API exists.
pub fn test_rules(run: &RunArgs, spec: &SpecArg, out: &mut dyn Write) -> Result<(), CliError> {
    let source = crate::spec_source(spec.spec.as_deref())?;
    let spec_data = crate::spec::validate::load(&source)?;
    let rules = upgrade::rules::load(&source.upgrade_files, &spec_data)?;
    let floor = crate::spec::version::PyVersion::release(3, 10);
    let header = crate::generate(&spec_data, floor, None)?;
    let compilers = super::run_commands::compilers()?;
    let compiler = &compilers[0];
    let selection = super::run_commands::select(run, floor)?;
    let work = crate::interpreters::cache_dir().join("build/upgrade-rules");
    let reports = crate::build::parallel::map(
        &selection.usable,
        super::run_commands::jobs(run),
        |interp| interp.label.clone(),
        |interp| upgrade::ruletest::run_on(&rules, interp, &header, compiler, &work),
        |interp, r| match r {
            Ok(Some(r)) => format!("{:<26} {} rules: {}", interp.label, r.rules.len(), r.run.test_label()),
            Ok(None) => format!("{:<26} no rule's old API", interp.label),
            Err(e) => format!("{:<26} {e}", interp.label),
        },
        &mut std::io::stderr(),
    );
    let mut failures = selection.missing.len();
    let mut tested_somewhere: Vec<&str> = Vec::new();
    let mut text = String::new();
    for (interp, report) in selection.usable.iter().zip(&reports) {
        match report {
            Err(e) => {
                failures += 1;
                text.push_str(&format!("{:<26} FAIL  {e}\n", interp.label));
            }
            Ok(None) => text.push_str(&format!("{:<26} -     no rule's old API exists here\n", interp.label)),
            Ok(Some(r)) => {
                let ok = r.run.failures() == 0 && r.run.test == crate::matrix::sources::Step::Passed;
                if ok {
                    tested_somewhere.extend(r.rules.iter().map(String::as_str));
                } else {
                    failures += 1;
                }
                text.push_str(&format!(
                    "{:<26} {}  {} rules, {} inputs, old and new compared: {}\n",
                    interp.label,
                    if ok { "ok  " } else { "FAIL" },
                    r.rules.len(),
                    r.inputs,
                    r.rules.join(", ")
                ));
                if !ok {
                    for line in r.run.details.lines() {
                        text.push_str(&format!("    {line}\n"));
                    }
                }
            }
        }
    }
    for missing in &selection.missing {
        text.push_str(&format!("{:<26} FAIL  required but not found\n", missing.text));
    }
    for rule in &rules {
        if !tested_somewhere.contains(&rule.name.as_str()) {
            failures += 1;
            text.push_str(&format!(
                "rule {}: FAIL: not proven on any interpreter here (its old API exists on none that passed)\n",
                rule.name
            ));
        }
    }
    text.push_str(&format!(
        "upgrade rules: {} rules, {failures} failure{}\n",
        rules.len(),
        if failures == 1 { "" } else { "s" }
    ));
    out.write_all(text.as_bytes()).map_err(io_error)?;
    match failures {
        0 => Ok(()),
        n => Err(CliError::TestsFailed(n)),
    }
}
