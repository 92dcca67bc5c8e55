//! The alloc-fail run as a table (allocation points tried per entry and interpreter), its
//! findings, a summary per interpreter, and JSON.

use super::{AllocFailResult, FindingKind, InterpreterRun};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

fn cell(run: &InterpreterRun, name: &str) -> String {
    match run.entries.iter().find(|e| e.name == name) {
        None => "-".into(),
        Some(e) if e.failed() => "FAIL".into(),
        Some(e) if e.capped => format!("{}+", e.points),
        Some(e) => e.points.to_string(),
    }
}

impl AllocFailResult {
    pub fn render(&self) -> String {
        let mut s = String::new();
        let names: BTreeSet<&str> =
            self.runs.iter().flat_map(|r| r.entries.iter().map(|e| e.name.as_str())).collect();
        let with_points: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| {
                self.runs
                    .iter()
                    .any(|r| r.entries.iter().any(|e| e.name == *n && (e.points > 0 || e.failed())))
            })
            .collect();
        writeln!(
            s,
            "allocation points tried per entry (N+: reached --max-allocs {}; FAIL: see below)",
            self.max_allocs
        )
        .ok();
        let width = with_points.iter().map(|n| n.len()).max().unwrap_or(5).max(5);
        write!(s, "{:<width$}", "ENTRY").ok();
        for run in &self.runs {
            write!(s, " {:>8}", short_label(&run.interpreter.label)).ok();
        }
        s.push('\n');
        for name in &with_points {
            write!(s, "{name:<width$}").ok();
            for run in &self.runs {
                write!(s, " {:>8}", cell(run, name)).ok();
            }
            s.push('\n');
        }
        writeln!(
            s,
            "{} entries tested, {} with allocation points or findings; the others make no allocation inside the functions they call",
            names.len(),
            with_points.len()
        )
        .ok();
        let mut findings = String::new();
        for run in &self.runs {
            for check in run.builds.iter().filter(|b| !b.ok) {
                writeln!(findings, "FAIL {} {}: {}", run.interpreter.label, check.what, check.output.trim())
                    .ok();
            }
            for entry in &run.entries {
                let build = if entry.forced { " (backport forced)" } else { "" };
                if let Some(why) = &entry.not_run {
                    writeln!(findings, "FAIL {} {}{build}: {why}", run.interpreter.label, entry.name).ok();
                }
                for f in &entry.findings {
                    let kind = match f.kind {
                        FindingKind::Fail => "FAIL",
                        FindingKind::Leak => "LEAK",
                        FindingKind::Crash => "CRASH",
                        FindingKind::Capped => "CAPPED",
                    };
                    writeln!(
                        findings,
                        "{kind} {} {}{build} at allocation {} in {}: {}",
                        run.interpreter.label, entry.name, f.n, f.location, f.detail
                    )
                    .ok();
                }
            }
        }
        let mut known = String::new();
        for run in &self.runs {
            for entry in &run.entries {
                // one line per kind of finding: the first point, and how many there were
                let mut kinds: Vec<&FindingKind> = entry.known.iter().map(|(f, _)| &f.kind).collect();
                kinds.dedup();
                for kind in kinds {
                    let same: Vec<&(super::Finding, String)> =
                        entry.known.iter().filter(|(f, _)| &f.kind == kind).collect();
                    let (first, reason) = same[0];
                    writeln!(
                        known,
                        "KNOWN {} {} {}: {} point(s), first at allocation {} in {}: {} [{reason}]",
                        format!("{kind:?}").to_lowercase(),
                        run.interpreter.label,
                        entry.name,
                        same.len(),
                        first.n,
                        first.location,
                        first.detail.chars().take(160).collect::<String>()
                    )
                    .ok();
                }
            }
        }
        if !known.is_empty() {
            s.push_str("\nknown findings (listed with --known; not counted as failures, still open):\n");
            s.push_str(&known);
        }
        if !findings.is_empty() {
            s.push_str("\nfindings:\n");
            s.push_str(&findings);
        }
        s.push_str(&self.render_known_audit());
        let capped: Vec<String> = self
            .runs
            .iter()
            .flat_map(|r| {
                r.entries
                    .iter()
                    .filter(|e| e.capped)
                    .map(move |e| format!("{} on {}", e.name, r.interpreter.label))
            })
            .collect();
        if !capped.is_empty() {
            writeln!(
                s,
                "\nreached --max-allocs {} (points beyond it not tried): {}",
                self.max_allocs,
                capped.join(", ")
            )
            .ok();
        }
        let hpy: Vec<BTreeMap<String, u32>> = self.runs.iter().map(hpy_points_per_function).collect();
        let functions: BTreeSet<&String> = hpy.iter().flat_map(|m| m.keys()).collect();
        if !functions.is_empty() {
            s.push_str("\nHPy layer: allocation points tried per function (all its scenarios)\n");
            let width = functions.iter().map(|f| f.len()).max().unwrap_or(8).max(8);
            write!(s, "{:<width$}", "FUNCTION").ok();
            for run in &self.runs {
                write!(s, " {:>8}", short_label(&run.interpreter.label)).ok();
            }
            s.push('\n');
            for function in &functions {
                write!(s, "{function:<width$}").ok();
                for points in &hpy {
                    write!(s, " {:>8}", points.get(*function).copied().unwrap_or(0)).ok();
                }
                s.push('\n');
            }
        }
        s.push_str("\nper interpreter:\n");
        for run in &self.runs {
            let points: u32 = run.entries.iter().map(|e| e.points).sum();
            let errors: u32 = run.entries.iter().map(|e| e.errors).sum();
            let recovered: u32 = run.entries.iter().map(|e| e.recovered).sum();
            let failed_points: usize = run.entries.iter().map(|e| e.findings.len()).sum();
            let known_points: usize = run
                .entries
                .iter()
                .map(|e| e.known.iter().filter(|(f, _)| f.kind != FindingKind::Capped).count())
                .sum();
            let with: usize = run.entries.iter().filter(|e| e.points > 0).count();
            writeln!(
                s,
                "{:<26} {} entries ({with} allocating): {points} points tried, {errors} reported an error, {recovered} recovered, {failed_points} findings ({known_points} more known); refcounts {}; {:.1}s{}",
                run.interpreter.label,
                run.entries.len(),
                if run.leak_checked { "checked" } else { "not checked (release build)" },
                run.seconds,
                if run.restarts > 0 { format!(", {} restarts after crashes", run.restarts) } else { String::new() }
            )
            .ok();
        }
        if !self.renames.is_empty() {
            let list: Vec<String> = self.renames.iter().map(|(m, f)| format!("{m} ({f})")).collect();
            writeln!(
                s,
                "not swept, covered by the function they rename (CPython's own macros here, so their tests would run CPython's code; our backport behind them is swept forced through the function's test): {}",
                list.join(", ")
            )
            .ok();
        }
        for (interp, why) in &self.skipped {
            writeln!(s, "skipped {}: {why}", interp.label).ok();
        }
        for label in &self.missing {
            writeln!(s, "FAIL required interpreter not found: {label}").ok();
        }
        if self.known.skipped.is_none() {
            writeln!(
                s,
                "known rows: {} stale, {} not judged (entry's sweep incomplete), {} not swept by this run",
                self.known.stale.len(),
                self.known.not_judged.len(),
                self.known.not_swept
            )
            .ok();
        }
        writeln!(s, "alloc-fail: {} interpreters, {} failed", self.runs.len(), self.failures()).ok();
        s
    }

    /// The stale `--known` rows (each a failure: remove the line) and the rows not judged.
    fn render_known_audit(&self) -> String {
        let audit = &self.known;
        let mut s = String::new();
        if let Some(why) = &audit.skipped {
            writeln!(s, "\nknown rows not judged for staleness: {why}").ok();
            return s;
        }
        if !audit.stale.is_empty() {
            s.push_str("\nstale known rows (no finding matches them any more):\n");
        }
        for (row, swept) in &audit.stale {
            writeln!(
                s,
                "STALE {}: {} {} {}: no such finding, {swept}: remove the line",
                row.place,
                row.entry,
                row.interpreter,
                format!("{:?}", row.kind).to_lowercase()
            )
            .ok();
        }
        if !audit.not_judged.is_empty() {
            writeln!(
                s,
                "\nknown rows without a finding that this run cannot judge (their entry's sweep is incomplete):"
            )
            .ok();
        }
        for (row, why) in &audit.not_judged {
            writeln!(
                s,
                "NOT JUDGED {}: {} {} {}: {why}",
                row.place,
                row.entry,
                row.interpreter,
                format!("{:?}", row.kind).to_lowercase()
            )
            .ok();
        }
        s
    }

    pub fn to_json(&self) -> serde_json::Value {
        let runs: Vec<serde_json::Value> = self
            .runs
            .iter()
            .map(|run| {
                let entries: serde_json::Map<String, serde_json::Value> = run
                    .entries
                    .iter()
                    .map(|e| {
                        let findings: Vec<serde_json::Value> = e
                            .findings
                            .iter()
                            .map(|f| {
                                serde_json::json!({
                                    "n": f.n,
                                    "kind": format!("{:?}", f.kind).to_lowercase(),
                                    "location": f.location,
                                    "detail": f.detail,
                                })
                            })
                            .collect();
                        (
                            e.name.clone(),
                            serde_json::json!({
                                "forced": e.forced,
                                "points": e.points,
                                "errors": e.errors,
                                "recovered": e.recovered,
                                "capped": e.capped,
                                "exceptions": e.exceptions,
                                "functions": e.functions,
                                "findings": findings,
                                "known": e.known.iter().map(|(f, reason)| serde_json::json!({"n": f.n, "kind": format!("{:?}", f.kind).to_lowercase(), "detail": f.detail, "reason": reason})).collect::<Vec<_>>(),
                                "not_run": e.not_run,
                            }),
                        )
                    })
                    .collect();
                serde_json::json!({
                    "label": run.interpreter.label,
                    "debug": run.interpreter.debug,
                    "leak_checked": run.leak_checked,
                    "seconds": run.seconds,
                    "restarts": run.restarts,
                    "build_failures": run.builds.iter().filter(|b| !b.ok).map(|b| format!("{}: {}", b.what, b.output)).collect::<Vec<_>>(),
                    "entries": entries,
                    "hpy_points_per_function": hpy_points_per_function(run),
                })
            })
            .collect();
        serde_json::json!({
            "max_allocs": self.max_allocs,
            "interpreters": runs,
            "skipped": self.skipped.iter().map(|(i, why)| serde_json::json!({"label": i.label, "reason": why})).collect::<Vec<_>>(),
            "missing": self.missing,
            "renamed_by_macros": self.renames.iter().map(|(m, f)| serde_json::json!({"macro": m, "function": f})).collect::<Vec<_>>(),
            "known_rows": {
                "stale": self.known.stale.len(),
                "stale_rows": self.known.stale.iter().map(|(k, swept)| serde_json::json!({"place": k.place, "entry": k.entry, "interpreter": k.interpreter, "kind": format!("{:?}", k.kind).to_lowercase(), "swept": swept})).collect::<Vec<_>>(),
                "not_judged": self.known.not_judged.iter().map(|(k, why)| serde_json::json!({"place": k.place, "entry": k.entry, "interpreter": k.interpreter, "kind": format!("{:?}", k.kind).to_lowercase(), "why": why})).collect::<Vec<_>>(),
                "not_swept": self.known.not_swept,
                "skipped": self.known.skipped,
            },
            "failures": self.failures(),
        })
    }
}

/// The allocation points the HPy scenarios tried, per HPy function they failed in (from each
/// scenario's `functions`, `HPyType_FromSpec=42,HPy_New=3`).
pub fn hpy_points_per_function(run: &InterpreterRun) -> BTreeMap<String, u32> {
    let mut points = BTreeMap::new();
    for entry in run.entries.iter().filter(|e| e.name.starts_with("HPy: ")) {
        for (function, n) in entry.functions.split(',').filter_map(|f| f.rsplit_once('=')) {
            *points.entry(function.to_string()).or_insert(0) += n.parse::<u32>().unwrap_or(0);
        }
    }
    points
}

/// `cpython-3.13.18-dbg` → `3.13d`, for narrow columns.
fn short_label(label: &str) -> String {
    let rest = label.strip_prefix("cpython-").unwrap_or(label);
    let version: Vec<&str> = rest.split(['.', '-']).take(3).collect();
    let mut short = version.join(".");
    if label.ends_with("-dbg") {
        short.push('d');
    }
    short
}
