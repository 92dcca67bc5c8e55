//! `--known FILE`: findings not fixed yet. Read (errors name the file and line), matched to the
//! sweep's findings (a match is reported as KNOWN, not counted), and audited afterwards: a row
//! whose entry this run swept completely on every interpreter the row covers, without a finding
//! of its kind, is STALE (the line is to be removed) and fails the run. A row the run could not
//! judge (the entry reached `--max-allocs`, was cut short by a crash or not run there) or did not
//! sweep at all (`--only`, `--python`, a skipped interpreter) is counted, never called stale.

use super::{EntryRun, Finding, FindingKind, InterpreterRun};
use crate::interpreters::Interpreter;
use std::path::Path;

/// A finding recorded as known (`--known FILE`, lines `ENTRY<TAB>INTERPRETER<TAB>KIND<TAB>REASON`;
/// INTERPRETER is `3.13`, `3.13d` (a debug build) or `*`; KIND is fail, leak, crash, or capped:
/// the entry reaches `--max-allocs` there, the reason saying why and how many points that leaves
/// untried).
#[derive(Debug, Clone)]
pub struct KnownFinding {
    pub entry: String,
    pub interpreter: String,
    pub kind: FindingKind,
    pub reason: String,
    /// `tests/allocfail-known.tsv:12`: where the row is, for the stale report.
    pub place: String,
}

impl KnownFinding {
    /// The row applies to the interpreter labelled so by `series_label`.
    pub fn covers(&self, label: &str) -> bool {
        self.interpreter == "*" || self.interpreter == label
    }

    fn matches(&self, entry: &str, kind: &FindingKind, label: &str) -> bool {
        self.entry == entry && &self.kind == kind && self.covers(label)
    }
}

/// Reads a `--known` file; errors name the file and line.
pub fn read_known(path: &Path) -> Result<Vec<KnownFinding>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut known = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let place = format!("{}:{}", path.display(), i + 1);
        let cols: Vec<&str> = line.split('\t').collect();
        let kind = match cols.get(2) {
            Some(&"fail") => FindingKind::Fail,
            Some(&"leak") => FindingKind::Leak,
            Some(&"crash") => FindingKind::Crash,
            Some(&"capped") => FindingKind::Capped,
            _ => {
                return Err(format!(
                    "{place}: expected ENTRY<TAB>INTERPRETER<TAB>fail|leak|crash|capped<TAB>REASON"
                ))
            }
        };
        if cols.len() != 4 || cols[3].trim().is_empty() {
            return Err(format!("{place}: expected 4 tab-separated fields, the last a reason"));
        }
        known.push(KnownFinding {
            entry: cols[0].to_string(),
            interpreter: cols[1].to_string(),
            kind,
            reason: cols[3].to_string(),
            place,
        });
    }
    Ok(known)
}

/// `3.13` or `3.13d`, as a `--known` file names interpreters.
pub fn series_label(interp: &Interpreter) -> String {
    let series = interp.series();
    format!("{}.{}{}", series.major, series.minor, if interp.debug { "d" } else { "" })
}

/// Moves the findings a known row matches from `findings` to `known` (with the row's reason).
/// With a `--known` file, an entry that reached `--max-allocs` is a finding of kind `capped`:
/// a row must say why its sweep stays incomplete.
pub(super) fn apply_known(run: &mut InterpreterRun, known: &[KnownFinding], max_allocs: u32) {
    let label = series_label(&run.interpreter);
    for entry in &mut run.entries {
        if entry.capped && !known.is_empty() {
            entry.findings.push(Finding {
                n: max_allocs,
                kind: FindingKind::Capped,
                location: "-".into(),
                detail: format!(
                    "reached --max-allocs {max_allocs} before a run completed (the points beyond it were not tried): raise the cap or list it as capped, with why"
                ),
            });
        }
        for finding in std::mem::take(&mut entry.findings) {
            match known.iter().find(|k| k.matches(&entry.name, &finding.kind, &label)) {
                Some(row) => entry.known.push((finding, row.reason.clone())),
                None => entry.findings.push(finding),
            }
        }
    }
}

/// What the run says about the `--known` rows.
#[derive(Debug, Clone, Default)]
pub struct KnownAudit {
    /// Rows no finding matched although their entry was swept completely where they apply:
    /// the row and what was swept.
    pub stale: Vec<(KnownFinding, String)>,
    /// Rows without a match whose entry was not swept completely on some interpreter they
    /// cover: the row and why.
    pub not_judged: Vec<(KnownFinding, String)>,
    /// Rows naming no entry and interpreter this run swept (`--only`, `--python`, skipped).
    pub not_swept: usize,
    /// Why no row was judged at all (`--native`: the rows describe our backports).
    pub skipped: Option<String>,
}

/// Why an entry's sweep on one interpreter is incomplete (None: every N until the test
/// completed was tried).
fn incomplete(entry: &EntryRun, max_allocs: u32) -> Option<String> {
    if let Some(why) = &entry.not_run {
        return Some(format!("not run ({why})"));
    }
    if entry.cut_short {
        return Some(format!("cut short by a crash at allocation {}", entry.points));
    }
    entry.capped.then(|| format!("reached --max-allocs {max_allocs}: the points beyond it were not tried"))
}

/// Judges every row against the interpreters this run swept (findings already applied).
pub fn audit(known: &[KnownFinding], runs: &[InterpreterRun], native: bool, max_allocs: u32) -> KnownAudit {
    let mut audit = KnownAudit::default();
    if native {
        audit.skipped =
            Some("--native runs the interpreters' own functions; the rows describe our backports".into());
        return audit;
    }
    for row in known {
        let covered: Vec<(&InterpreterRun, &EntryRun)> = runs
            .iter()
            .filter(|r| row.covers(&series_label(&r.interpreter)))
            .filter_map(|r| r.entries.iter().find(|e| e.name == row.entry).map(|e| (r, e)))
            .collect();
        if covered.is_empty() {
            audit.not_swept += 1;
            continue;
        }
        if covered.iter().any(|(_, e)| e.known.iter().any(|(f, _)| f.kind == row.kind)) {
            continue;
        }
        let unfinished: Vec<String> = covered
            .iter()
            .filter_map(|(r, e)| {
                incomplete(e, max_allocs).map(|why| format!("{}: {why}", r.interpreter.label))
            })
            .collect();
        let labels: Vec<&str> = covered.iter().map(|(r, _)| r.interpreter.label.as_str()).collect();
        if unfinished.is_empty() {
            audit.stale.push((row.clone(), format!("swept completely on {}", labels.join(", "))));
        } else {
            audit.not_judged.push((row.clone(), unfinished.join("; ")));
        }
    }
    audit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_place_and_a_bad_kind_names_file_and_line() {
        let dir = std::env::temp_dir().join(format!("capi-compat-known-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("known.tsv");
        std::fs::write(&path, "# comment\nPyDict_Pop\t*\tcapped\tits test is long\n").unwrap();
        let rows = read_known(&path).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].kind, FindingKind::Capped);
        assert!(rows[0].place.ends_with("known.tsv:2"), "{}", rows[0].place);
        std::fs::write(&path, "PyDict_Pop\t3.13d\tslow\twhy\n").unwrap();
        let err = read_known(&path).unwrap_err();
        assert!(err.contains("known.tsv:1:") && err.contains("capped"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
