//! The self-test's results: a cell per entry and interpreter, the table, the JSON.

use super::interpreter::{InterpreterReport, Outcome};
use crate::interpreters::{Implementation, Interpreter, Requirement};
use crate::spec::model::{PyPySupport, Spec};
use serde::Serialize;

/// What a cell of the table says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// The interpreter has the name; the test passed against CPython's own.
    Native,
    /// The interpreter has the name; the test passed against it and against our backport.
    NativeAndBackport,
    /// The header's backport was used and the test passed.
    Backport,
    Failed,
    /// The name is not offered on this interpreter (PyPy, `pypy: unavailable`).
    NotApplicable,
}

pub struct SelfTestResult {
    pub reports: Vec<InterpreterReport>,
    pub skipped: Vec<(Interpreter, String)>,
    pub missing: Vec<Requirement>,
    /// Entry names in spec order (rows of the table).
    pub rows: Vec<String>,
}

/// Is the entry offered on this interpreter at all (natively or by the header)?
pub fn offered(spec: &Spec, name: &str, interp: &Interpreter) -> bool {
    let entry = spec.get(name).expect("row from the spec");
    !(interp.implementation == Implementation::PyPy && entry.pypy == PyPySupport::Unavailable)
        && entry.offered_at_hex(interp.hexversion)
}

pub fn native_on(spec: &Spec, name: &str, interp: &Interpreter) -> bool {
    let entry = spec.get(name).expect("row from the spec");
    // PyPy lacks what the spec backfills, whatever language version it implements.
    let pypy_lacks = interp.implementation == Implementation::PyPy && entry.pypy.emitted_on_any_pypy();
    entry.native_at_hex(interp.hexversion) && !pypy_lacks
}

pub fn cell(spec: &Spec, report: &InterpreterReport, name: &str) -> Cell {
    let interp = &report.interpreter;
    if !offered(spec, name, interp) {
        return Cell::NotApplicable;
    }
    let forced_ok = report.forced.get(name).map(Outcome::is_ok);
    match report.tests.get(name) {
        Some(Outcome::Pass) if forced_ok == Some(false) => Cell::Failed,
        Some(Outcome::Pass) if forced_ok == Some(true) => Cell::NativeAndBackport,
        Some(Outcome::Pass) if native_on(spec, name, interp) => Cell::Native,
        Some(Outcome::Pass) => Cell::Backport,
        _ => Cell::Failed,
    }
}

impl SelfTestResult {
    pub fn failures(&self) -> usize {
        self.reports.iter().map(|r| r.failures()).sum::<usize>() + self.missing.len()
    }

    pub fn passes(&self) -> usize {
        self.reports
            .iter()
            .map(|r| {
                r.tests.values().chain(r.forced.values()).filter(|o| o.is_ok()).count()
                    + r.compiles.iter().filter(|c| c.ok).count()
            })
            .sum()
    }

    /// Entries × interpreters, a legend, failure details and the closing count line.
    pub fn render(&self, spec: &Spec) -> String {
        let mut out = String::new();
        out.push_str("Interpreters:\n");
        for (n, r) in self.reports.iter().enumerate() {
            out.push_str(&format!(
                "  [{}] {:<26} {}\n",
                n + 1,
                r.interpreter.label,
                r.interpreter.path.display()
            ));
        }
        let name_width = self.rows.iter().map(String::len).max().unwrap_or(4).max(8);
        let col = 7;
        out.push_str(&format!("\n{:<name_width$}", "ENTRY"));
        for n in 0..self.reports.len() {
            out.push_str(&format!(" {:>col$}", format!("[{}]", n + 1)));
        }
        out.push('\n');
        let mut line = |label: &str, cells: Vec<&str>| {
            out.push_str(&format!("{label:<name_width$}"));
            for c in cells {
                out.push_str(&format!(" {c:>col$}"));
            }
            out.push('\n');
        };
        line(
            "(compile)",
            self.reports
                .iter()
                .map(|r| if r.compiles.iter().all(|c| c.ok) { "ok" } else { "FAIL" })
                .collect(),
        );
        for name in &self.rows {
            let cells = self
                .reports
                .iter()
                .map(|r| match cell(spec, r, name) {
                    Cell::Native => "nat",
                    Cell::NativeAndBackport => "nat+bp",
                    Cell::Backport => "bp",
                    Cell::Failed => "FAIL",
                    Cell::NotApplicable => "-",
                })
                .collect();
            line(name, cells);
        }
        out.push_str(
            "\nnat: the interpreter's own function passed the test; bp: the header's backport passed;\n",
        );
        out.push_str("nat+bp: both, on the same interpreter (backports forced); -: not offered there\n");
        for r in &self.reports {
            for c in r.compiles.iter().filter(|c| !c.ok) {
                out.push_str(&format!(
                    "\nFAILED {} on {}:\n{}\n",
                    c.what,
                    r.interpreter.label,
                    indent(&c.output)
                ));
            }
            let forced = r.forced.iter().map(|(n, o)| (format!("{n} (backport forced)"), o));
            for (name, o) in r.tests.iter().map(|(n, o)| (n.clone(), o)).chain(forced) {
                let why = match o {
                    Outcome::Pass => continue,
                    Outcome::Fail(m) => format!("failed: {m}"),
                    Outcome::Leak(m) => format!("leaked: {m}"),
                    Outcome::NotRun(m) => format!("not run: {m}"),
                };
                out.push_str(&format!("FAILED {name} on {}: {why}\n", r.interpreter.label));
            }
        }
        for (i, why) in &self.skipped {
            out.push_str(&format!("skipped {} ({}): {why}\n", i.label, i.path.display()));
        }
        for m in &self.missing {
            out.push_str(&format!(
                "MISSING required interpreter {}: not found (run scripts/provision-pythons.sh)\n",
                m.text
            ));
        }
        for r in &self.reports {
            if let Some(p) = &r.pypy_probe {
                out.push_str(&format!(
                    "\nPyPy probe on {}: of CPython 3.10's {} public names, {} native, {} provided by the header, {} refused (spec/pypy/refused.tsv), {} open (spec/pypy/open.tsv){}\n",
                    r.interpreter.label,
                    p.universe,
                    p.native,
                    p.provided.len(),
                    p.refused.len(),
                    p.open.len(),
                    if p.open.is_empty() { String::new() } else { format!(":\n{}", wrap(&p.open.join(" "))) }
                ));
            }
        }
        let checks: usize = self.reports.iter().map(|r| r.compiles.len()).sum();
        let tests: usize = self.reports.iter().map(|r| r.tests.len()).sum();
        out.push_str(&format!(
            "\n{} interpreters, {} entries: {tests} test runs and {checks} compile checks\n",
            self.reports.len(),
            self.rows.len()
        ));
        out.push_str(&format!("selftest: {} passed, {} failed\n", self.passes(), self.failures()));
        out
    }

    pub fn to_json(&self, spec: &Spec) -> serde_json::Value {
        let interpreters: Vec<_> = self
            .reports
            .iter()
            .map(|r| {
                let cells: serde_json::Map<String, serde_json::Value> = self
                    .rows
                    .iter()
                    .map(|n| (n.clone(), serde_json::to_value(cell(spec, r, n)).unwrap_or_default()))
                    .collect();
                serde_json::json!({
                    "label": r.interpreter.label,
                    "path": r.interpreter.path,
                    "version": r.interpreter.version,
                    "debug": r.interpreter.debug,
                    "implementation": r.interpreter.implementation.as_str(),
                    "seconds": r.seconds,
                    "reused_build": r.reused_build,
                    "compiles": r.compiles.iter().map(|c| serde_json::json!({"what": c.what, "ok": c.ok, "output": c.output})).collect::<Vec<_>>(),
                    "entries": cells,
                    "failures": r.failures(),
                    "pypy_probe": r.pypy_probe,
                })
            })
            .collect();
        serde_json::json!({
            "interpreters": interpreters,
            "skipped": self.skipped.iter().map(|(i, why)| serde_json::json!({"label": i.label, "path": i.path, "why": why})).collect::<Vec<_>>(),
            "missing": self.missing.iter().map(|m| m.text.clone()).collect::<Vec<_>>(),
            "passed": self.passes(),
            "failed": self.failures(),
        })
    }
}

fn indent(text: &str) -> String {
    text.lines().take(40).map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

/// Long name lists as indented lines of about 100 columns.
fn wrap(text: &str) -> String {
    let mut lines = vec![String::from("   ")];
    for word in text.split_whitespace() {
        if lines.last().is_some_and(|l| l.len() + word.len() > 100) {
            lines.push(String::from("   "));
        }
        let last = lines.last_mut().expect("one line at least");
        last.push(' ');
        last.push_str(word);
    }
    lines.join("\n")
}
