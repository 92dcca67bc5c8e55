//! What `matrix PROJECT_DIR` found per interpreter, and its three renderings: the table on
//! standard output, `--json FILE` and `--junit FILE` (JUnit XML: one test case per
//! interpreter, for CI dashboards).

use crate::interpreters::Interpreter;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Passed,
    Failed,
    /// An earlier step failed, or there is no test command.
    NotRun,
    /// The import step: the build installed no extension module on an interpreter where
    /// the user said a pure-Python build is intended (`--pure-python-ok`).
    PurePythonAccepted,
}

impl Step {
    pub fn label(&self) -> &'static str {
        match self {
            Step::Passed => "ok",
            Step::Failed => "FAIL",
            Step::NotRun => "-",
            Step::PurePythonAccepted => "pure",
        }
    }
}

/// A reference-count delta of one test in `--leaks` mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakRow {
    pub test: String,
    /// The total reference count's change over each measured repetition.
    pub deltas: Vec<i64>,
    pub leaks: bool,
}

#[derive(Debug, Clone)]
pub struct ProjectReport {
    pub interpreter: Interpreter,
    /// Venv, pip, the project's build and install, the test requirements.
    pub build: Step,
    /// Every extension module the build installed imports, and the tests imported each.
    pub import: Step,
    pub test: Step,
    /// The distinct compiler warnings of the build.
    pub warnings: Vec<String>,
    /// The extension modules the build installed (dotted names).
    pub extensions: Vec<String>,
    /// Why a step failed: its first line is the reason, then the log's tail.
    pub details: String,
    /// The whole log of this interpreter's run (pip's build output, the test output).
    pub log: Option<PathBuf>,
    pub seconds: f64,
    /// `--leaks` on a debug build: one row per test.
    pub leaks: Option<Vec<LeakRow>>,
    /// What accepted a pure-Python build here (`--pure-python-ok pypy`), when one was.
    pub pure_python: Option<String>,
    /// Where the installed test requirements came from ("" when none were installed).
    pub test_requirements: String,
}

/// An interpreter's result: an accepted pure-Python build is neither a pass nor a failure,
/// and every rendering says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    PurePythonAccepted,
    Failed,
}

impl ProjectReport {
    pub fn new(interpreter: Interpreter) -> Self {
        ProjectReport {
            interpreter,
            build: Step::NotRun,
            import: Step::NotRun,
            test: Step::NotRun,
            warnings: vec![],
            extensions: vec![],
            details: String::new(),
            log: None,
            seconds: 0.0,
            leaks: None,
            pure_python: None,
            test_requirements: String::new(),
        }
    }

    pub fn outcome(&self) -> Outcome {
        let ok = ![self.build, self.import, self.test].contains(&Step::Failed)
            && self.build == Step::Passed
            && !self.leaks.as_ref().is_some_and(|rows| rows.iter().any(|r| r.leaks));
        match (ok, self.import) {
            (false, _) => Outcome::Failed,
            (true, Step::PurePythonAccepted) => Outcome::PurePythonAccepted,
            (true, _) => Outcome::Passed,
        }
    }

    pub fn passed(&self) -> bool {
        self.outcome() == Outcome::Passed
    }

    /// The one-line reason a failed interpreter failed.
    pub fn reason(&self) -> &str {
        self.details.lines().next().unwrap_or("")
    }

    pub fn leak_label(&self) -> String {
        match &self.leaks {
            None => "-".into(),
            Some(rows) => match rows.iter().filter(|r| r.leaks).count() {
                0 => "ok".into(),
                n => format!("{n} LEAK"),
            },
        }
    }
}

/// How many interpreters passed, built pure Python where that is accepted, and failed (a
/// required interpreter not found fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub pure_python: usize,
    pub failed: usize,
}

pub fn totals(reports: &[ProjectReport], missing: &[String]) -> Totals {
    let count = |o: Outcome| reports.iter().filter(|r| r.outcome() == o).count();
    Totals {
        passed: count(Outcome::Passed),
        pure_python: count(Outcome::PurePythonAccepted),
        failed: count(Outcome::Failed) + missing.len(),
    }
}

impl std::fmt::Display for Totals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} passed, ", self.passed)?;
        if self.pure_python > 0 {
            write!(f, "{} pure-python (accepted), ", self.pure_python)?;
        }
        write!(f, "{} failed", self.failed)
    }
}

pub fn render(
    reports: &[ProjectReport],
    skipped: &[(Interpreter, String)],
    missing: &[String],
    leaks: bool,
) -> String {
    let mut out = format!(
        "{:<28} {:>6} {:>6} {:>6} {:>8}{} {:>7}\n",
        "INTERPRETER",
        "BUILD",
        "IMPORT",
        "TEST",
        "WARNINGS",
        if leaks { "   LEAKS" } else { "" },
        "TIME"
    );
    for r in reports {
        let leak_column = if leaks { format!(" {:>7}", r.leak_label()) } else { String::new() };
        out.push_str(&format!(
            "{:<28} {:>6} {:>6} {:>6} {:>8}{} {:>6.1}s\n",
            r.interpreter.label,
            r.build.label(),
            r.import.label(),
            r.test.label(),
            if r.build == Step::Passed || !r.warnings.is_empty() {
                r.warnings.len().to_string()
            } else {
                "-".into()
            },
            leak_column,
            r.seconds
        ));
    }
    out.push_str(&render_test_requirements(reports));
    out.push_str(&render_warnings(reports));
    for r in reports.iter().filter(|r| r.leaks.is_some()) {
        out.push_str(&render_leaks(r));
    }
    let accepted: Vec<&ProjectReport> =
        reports.iter().filter(|r| r.outcome() == Outcome::PurePythonAccepted).collect();
    if !accepted.is_empty() {
        out.push_str("\npure-python (accepted): no extension module was built, so none was tested:\n");
        for r in accepted {
            let why = r.pure_python.as_deref().unwrap_or("");
            out.push_str(&format!("    {} (accepted by {why})\n", r.interpreter.label));
        }
    }
    for r in reports.iter().filter(|r| r.outcome() == Outcome::Failed) {
        out.push_str(&format!("\nFAILED on {} ({}):\n", r.interpreter.label, r.interpreter.path.display()));
        out.push_str(&r.details.lines().map(|l| format!("    {l}\n")).collect::<String>());
        if let Some(log) = &r.log {
            out.push_str(&format!("    (whole log: {})\n", log.display()));
        }
    }
    for (i, why) in skipped {
        out.push_str(&format!("skipped {} ({}): {why}\n", i.label, i.path.display()));
    }
    for m in missing {
        out.push_str(&format!("MISSING required interpreter {m}: not found\n"));
    }
    out.push_str(&format!("\nmatrix: {}\n", totals(reports, missing)));
    out
}

/// Where the installed test requirements came from, once per distinct source, with the
/// interpreters it applies to (all of them, normally); said also when none were found.
fn render_test_requirements(reports: &[ProjectReport]) -> String {
    let built: Vec<&ProjectReport> = reports.iter().filter(|r| r.build == Step::Passed).collect();
    let mut seen: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in &built {
        match seen.iter_mut().find(|(text, _)| *text == r.test_requirements) {
            Some((_, who)) => who.push(&r.interpreter.label),
            None => seen.push((&r.test_requirements, vec![&r.interpreter.label])),
        }
    }
    let mut out = String::new();
    for (text, who) in seen {
        let on = if who.len() == reports.len() { String::new() } else { format!(" (on {})", who.join(", ")) };
        match text {
            "" => out.push_str(&format!(
                "\ntest requirements: none found in the project{on}; name them with --with REQ, \
                 --requirements FILE or --group NAME\n"
            )),
            text => out.push_str(&format!("\ntest requirements: {text}{on}\n")),
        }
    }
    out
}

/// Each distinct warning once, with the interpreters that printed it.
fn render_warnings(reports: &[ProjectReport]) -> String {
    let mut seen: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in reports {
        for w in &r.warnings {
            match seen.iter_mut().find(|(text, _)| text == w) {
                Some((_, who)) => who.push(&r.interpreter.label),
                None => seen.push((w, vec![&r.interpreter.label])),
            }
        }
    }
    if seen.is_empty() {
        return String::new();
    }
    let mut out = String::from("\ncompiler warnings (not errors: the project's own flags decide that):\n");
    for (text, who) in seen {
        let on = if who.len() == reports.len() { "every interpreter".to_string() } else { who.join(", ") };
        out.push_str(&format!("    {text}\n        on {on}\n"));
    }
    out
}

fn render_leaks(r: &ProjectReport) -> String {
    let Some(rows) = &r.leaks else { return String::new() };
    let mut out = format!("\nreference-count deltas per repetition on {}:\n", r.interpreter.label);
    for row in rows {
        let deltas: Vec<String> = row.deltas.iter().map(i64::to_string).collect();
        out.push_str(&format!(
            "    {:<6} {}  [{}]\n",
            if row.leaks { "LEAK" } else { "ok" },
            row.test,
            deltas.join(", ")
        ));
    }
    out
}

pub fn to_json(
    project: &std::path::Path,
    reports: &[ProjectReport],
    missing: &[String],
) -> serde_json::Value {
    let totals = totals(reports, missing);
    serde_json::json!({
        "project": project,
        "passed": totals.passed,
        "pure_python_accepted": totals.pure_python,
        "failed": totals.failed,
        "interpreters": reports.iter().map(|r| serde_json::json!({
            "label": r.interpreter.label,
            "path": r.interpreter.path,
            "debug": r.interpreter.debug,
            "passed": r.passed(),
            "outcome": r.outcome(),
            "pure_python_accepted_by": r.pure_python,
            "test_requirements": r.test_requirements,
            "build": r.build,
            "import": r.import,
            "test": r.test,
            "warnings": r.warnings.len(),
            "warning_lines": r.warnings,
            "extensions": r.extensions,
            "reason": r.reason(),
            "details": r.details,
            "log": r.log,
            "seconds": r.seconds,
            "leaks": r.leaks,
        })).collect::<Vec<_>>(),
        "missing": missing,
    })
}

/// JUnit XML as CI dashboards read it: one `<testcase>` per interpreter.
pub fn to_junit(project_name: &str, reports: &[ProjectReport], missing: &[String]) -> String {
    let Totals { failed, pure_python: skipped, .. } = totals(reports, missing);
    let seconds: f64 = reports.iter().map(|r| r.seconds).sum();
    let suite = xml_escape(&format!("capi-compat matrix {project_name}"));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"{suite}\" tests=\"{}\" failures=\"{failed}\" time=\"{seconds:.3}\">\n",
        reports.len() + missing.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\" time=\"{seconds:.3}\">\n",
        reports.len() + missing.len()
    ));
    let class = xml_escape(&format!("capi-compat.matrix.{project_name}"));
    for r in reports {
        out.push_str(&format!(
            "    <testcase classname=\"{class}\" name=\"{}\" time=\"{:.3}\">\n",
            xml_escape(&r.interpreter.label),
            r.seconds
        ));
        if r.outcome() == Outcome::PurePythonAccepted {
            out.push_str(&format!(
                "      <skipped message=\"{}\"/>\n",
                xml_escape(&format!(
                    "pure-python (accepted by {}): no extension module was built",
                    r.pure_python.as_deref().unwrap_or("")
                ))
            ));
        } else if !r.passed() {
            out.push_str(&format!(
                "      <failure message=\"{}\">{}</failure>\n",
                xml_escape(r.reason()),
                xml_escape(&r.details)
            ));
        }
        let summary = format!(
            "interpreter: {}\nbuild: {}, import: {}, test: {}, warnings: {}\nextensions: {}\n{}{}",
            r.interpreter.path.display(),
            r.build.label(),
            r.import.label(),
            r.test.label(),
            r.warnings.len(),
            r.extensions.join(", "),
            r.warnings.iter().map(|w| format!("{w}\n")).collect::<String>(),
            r.log.as_ref().map(|l| format!("whole log: {}\n", l.display())).unwrap_or_default()
        );
        out.push_str(&format!("      <system-out>{}</system-out>\n", xml_escape(&summary)));
        out.push_str("    </testcase>\n");
    }
    for m in missing {
        out.push_str(&format!(
            "    <testcase classname=\"{class}\" name=\"{}\" time=\"0\">\n      <failure message=\"required interpreter not found\"/>\n    </testcase>\n",
            xml_escape(m)
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 cannot hold
/// (a test's output may carry terminal escapes).
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_keeps_text_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            xml_escape("a<b & \"c\" 'd'>\x1b[31m\tok"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;[31m\tok"
        );
    }
}
