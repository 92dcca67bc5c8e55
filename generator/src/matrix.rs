//! `capi-compat test`: every interpreter × every entry, in parallel, as a table.

use crate::compiler::Compiler;
use crate::model::{Kind, PyPySupport, Spec};
use crate::pythons::{Implementation, Interpreter};
use crate::runner::{run_interpreter, InterpreterReport, Outcome, SelfTestInputs};
use serde::Serialize;
use std::io::Write;

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

pub struct MatrixResult {
    pub reports: Vec<InterpreterReport>,
    pub skipped: Vec<(Interpreter, String)>,
    pub missing: Vec<Requirement>,
    /// Entry names in spec order (rows of the table).
    pub rows: Vec<String>,
}

/// Is the entry offered on this interpreter at all (natively or by the header)?
fn offered(spec: &Spec, name: &str, interp: &Interpreter) -> bool {
    let entry = spec.get(name).expect("row from the spec");
    !(interp.implementation == Implementation::PyPy && entry.pypy == PyPySupport::Unavailable)
}

pub fn native_on(spec: &Spec, name: &str, interp: &Interpreter) -> bool {
    spec.get(name).expect("row from the spec").native_at_hex(interp.hexversion)
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

pub struct MatrixOptions<'a> {
    pub header: &'a str,
    pub only: Option<&'a [String]>,
    pub jobs: usize,
    pub build_root: std::path::PathBuf,
}

/// The interpreters a run uses, those it passes over (and why), and required ones not found.
pub struct Selection {
    pub usable: Vec<Interpreter>,
    pub skipped: Vec<(Interpreter, String)>,
    pub missing: Vec<Requirement>,
}

/// Keeps interpreters that match a filter (label or path contains it; no filter keeps all),
/// are new enough for the floor and have headers.
pub fn select(
    interpreters: Vec<Interpreter>,
    filters: &[String],
    requirements: &[Requirement],
    floor: crate::version::PyVersion,
) -> Selection {
    let mut usable = Vec::new();
    let mut skipped = Vec::new();
    for i in interpreters {
        let wanted = filters.is_empty()
            || filters
                .iter()
                .any(|f| i.label.contains(f.as_str()) || i.path.to_string_lossy().contains(f.as_str()));
        if !wanted {
            continue;
        }
        if !i.series().in_supported_range() || i.series() < floor {
            skipped.push((i, format!("older than {floor}")));
        } else if !i.supported() {
            skipped.push((i, "no Python.h (install its development headers)".to_string()));
        } else {
            usable.push(i);
        }
    }
    let missing = requirements.iter().filter(|r| !usable.iter().any(|i| r.matches(i))).cloned().collect();
    Selection { usable, skipped, missing }
}

pub fn run(
    spec: &Spec,
    selection: Selection,
    compilers: &[Compiler],
    options: &MatrixOptions,
    progress: &mut (dyn Write + Send),
) -> MatrixResult {
    let rows: Vec<String> = spec
        .entries
        .iter()
        .filter(|e| e.kind != Kind::Helper && e.test.is_some())
        .filter(|e| options.only.is_none_or(|names| names.contains(&e.name)))
        .map(|e| e.name.clone())
        .collect();
    let Selection { usable, skipped, missing } = selection;

    let module_source = crate::selftest::render_module(spec, options.only);
    let expected =
        |interp: &Interpreter| rows.iter().filter(|n| offered(spec, n, interp)).cloned().collect::<Vec<_>>();
    let forced = |interp: &Interpreter| {
        rows.iter()
            .filter(|n| offered(spec, n, interp) && native_on(spec, n, interp))
            .filter(|n| {
                spec.get(n).is_some_and(|e| {
                    e.kind == Kind::Function
                        && e.force_below.is_none_or(|limit| interp.hexversion < limit.hex())
                })
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    let inputs = SelfTestInputs {
        header: options.header,
        module_source: &module_source,
        compilers,
        expected_tests: &expected,
        forced_tests: &forced,
        build_root: &options.build_root,
        spec,
    };
    let reports = crate::parallel::map(
        &usable,
        options.jobs,
        |interp| interp.label.clone(),
        |interp| run_interpreter(interp, &inputs),
        |interp, report| {
            let passed = report.tests.values().chain(report.forced.values()).filter(|o| o.is_ok()).count();
            format!(
                "{:<26} {passed} tests passed, {} failed ({:.1}s{})",
                interp.label,
                report.failures(),
                report.seconds,
                if report.reused_build { ", build reused" } else { "" }
            )
        },
        progress,
    );
    MatrixResult { reports, skipped, missing, rows }
}

impl MatrixResult {
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
                    "compiles": r.compiles.iter().map(|c| serde_json::json!({"what": c.what, "ok": c.ok, "output": c.output})).collect::<Vec<_>>(),
                    "entries": cells,
                    "failures": r.failures(),
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
