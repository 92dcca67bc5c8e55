//! `--leaks` on debug builds: the project's tests again in one process, each repeated until
//! `sys.gettotalrefcount()` shows whether it leaks (`python/capi_compat_leaks.py`, a pytest
//! plugin and a unittest runner). The test command says which framework: `python -m pytest
//! ARGS` (or `pytest ARGS`) and `python -m unittest ARGS` are understood; ARGS are kept.

use super::report::LeakRow;
use super::venv::Venv;
use super::Log;
use crate::build::process::run_captured;
use std::path::Path;
use std::time::Duration;

const LEAK_TIMEOUT: Duration = Duration::from_secs(3600);

/// The framework and its arguments in a test command, or why `--leaks` cannot use it.
pub fn framework(command: &[String]) -> Result<(&'static str, &[String]), String> {
    let first = command.first().map(String::as_str).unwrap_or("");
    let program = Path::new(first).file_name().and_then(|n| n.to_str()).unwrap_or("");
    if program == "pytest" || program == "py.test" {
        return Ok(("pytest", &command[1..]));
    }
    let is_python = program.starts_with("python") || program.starts_with("pypy") || first == "{python}";
    if is_python && command.len() >= 3 && command[1] == "-m" {
        match command[2].as_str() {
            "pytest" => return Ok(("pytest", &command[3..])),
            "unittest" => return Ok(("unittest", &command[3..])),
            _ => {}
        }
    }
    Err(format!(
        "--leaks needs a test command `python -m pytest …`, `pytest …` or `python -m unittest …`, not `{}`",
        command.join(" ")
    ))
}

/// Runs the tests under the leak runner and reads its per-test verdicts.
pub fn measure(
    venv: &Venv,
    project: &Path,
    command: &[String],
    log: &mut Log,
) -> Result<Vec<LeakRow>, String> {
    let (kind, args) = framework(command)?;
    let out = venv.root.join("leaks.tsv");
    let mut cmd = venv.command(&venv.python);
    cmd.args(["-m", "capi_compat_leaks"]).arg(&out).arg(kind).args(args).current_dir(project);
    let text = match run_captured(&mut cmd, LEAK_TIMEOUT) {
        Ok((_, stdout, stderr)) => format!("{stdout}{stderr}"),
        Err(e) => e,
    };
    log.section("--leaks: the tests repeated in one process", &text);
    let rows = parse(&std::fs::read_to_string(&out).unwrap_or_default());
    if rows.is_empty() {
        return Err(format!("--leaks measured no test:\n{}", super::tail(&text, 15)));
    }
    Ok(rows)
}

/// `id<TAB>d1,d2,d3<TAB>ok|LEAK|error` lines.
pub fn parse(text: &str) -> Vec<LeakRow> {
    text.lines()
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let (test, deltas, verdict) = (cols.next()?, cols.next()?, cols.next()?);
            let deltas = deltas.split(',').filter(|d| !d.is_empty()).filter_map(|d| d.parse().ok()).collect();
            Some(LeakRow { test: test.to_string(), deltas, leaks: verdict == "LEAK" })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_framework_comes_from_the_test_command() {
        let cmd = words("python -m pytest -q tests");
        assert_eq!(framework(&cmd).unwrap(), ("pytest", &cmd[3..]));
        let cmd = words("/venv/bin/pytest tests");
        assert_eq!(framework(&cmd).unwrap().0, "pytest");
        let cmd = words("python3 -m unittest discover -s tests");
        assert_eq!(framework(&cmd).unwrap(), ("unittest", &cmd[3..]));
        assert!(framework(&words("make check")).unwrap_err().contains("--leaks needs"));
    }

    #[test]
    fn verdicts_are_read_per_test() {
        let rows = parse("t::a\t1,0\tok\nt::b\t8,7,7\tLEAK\nt::c\t\terror\n");
        assert_eq!(rows.len(), 3);
        assert!(!rows[0].leaks && rows[1].leaks && rows[2].deltas.is_empty());
        assert_eq!(rows[1].deltas, [8, 7, 7]);
    }
}
