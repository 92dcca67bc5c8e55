//! `scan`'s report as text: grouped (replaced names first, as they need work; then spec names,
//! refusals, other private names), names sorted, each use as `file:line:col`.

use super::findings::{Location, ScanReport};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// `backport on 3.10–3.12, native on 3.13–3.15, backport on PyPy 3.11`.
pub fn describe_statuses(report: &ScanReport, status: &BTreeMap<String, &'static str>) -> String {
    let mut parts: Vec<(String, &str)> = Vec::new();
    let mut run: Option<(String, String, &str)> = None;
    for label in &report.interpreters {
        let Some(&s) = status.get(label) else { continue };
        if let Some(pypy) = label.strip_prefix("pypy") {
            if let Some((first, last, s)) = run.take() {
                parts.push((span(&first, &last), s));
            }
            parts.push((format!("PyPy {pypy}"), s));
            continue;
        }
        run = match run.take() {
            Some((first, _, prev)) if prev == s => Some((first, label.clone(), s)),
            Some((first, last, prev)) => {
                parts.push((span(&first, &last), prev));
                Some((label.clone(), label.clone(), s))
            }
            None => Some((label.clone(), label.clone(), s)),
        };
    }
    if let Some((first, last, s)) = run {
        parts.push((span(&first, &last), s));
    }
    parts.iter().map(|(versions, s)| format!("{s} on {versions}")).collect::<Vec<_>>().join(", ")
}

fn span(first: &str, last: &str) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

fn write_uses(out: &mut dyn Write, uses: &[Location]) -> io::Result<()> {
    for u in uses {
        let mut notes = Vec::new();
        if let Some(range) = &u.only_on {
            notes.push(format!("only on {range}"));
        }
        if u.only_where_defined {
            notes.push("only where defined".to_string());
        }
        match (&u.in_macro, u.unused_macro) {
            (Some(m), true) => notes.push(format!("in macro {m}, which nothing scanned uses")),
            (Some(m), false) => notes.push(format!("in macro {m}")),
            _ => {}
        }
        if notes.is_empty() {
            writeln!(out, "    {}:{}:{}", u.file, u.line, u.column)?;
        } else {
            writeln!(out, "    {}:{}:{} ({})", u.file, u.line, u.column, notes.join(", "))?;
        }
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn render_text(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let cpython: Vec<&String> = report.interpreters.iter().filter(|l| !l.starts_with("pypy")).collect();
    let pypy = report.interpreters.iter().find(|l| l.starts_with("pypy"));
    write!(
        out,
        "scanned {} for CPython {}",
        plural(report.files.len(), "file", "files"),
        span(cpython.first().map_or("", |s| s.as_str()), cpython.last().map_or("", |s| s.as_str()))
    )?;
    if let Some(p) = pypy {
        write!(out, " and PyPy {}", p.trim_start_matches("pypy"))?;
    }
    writeln!(out)?;
    for skipped in &report.skipped_layers {
        writeln!(
            out,
            "note: {} not scanned: {}, a compatibility layer, not your code",
            skipped.file,
            skipped.layer.describe()
        )?;
    }
    for file in &report.lossy_files {
        writeln!(out, "note: {file} is not UTF-8: read with U+FFFD for the bytes that are not")?;
    }

    if !report.replaced.is_empty() {
        writeln!(out, "\nRemoved, deprecated and private names ({}):", report.replaced.len())?;
        for r in &report.replaced {
            let mut status = vec![r.kind.to_string()];
            if r.private {
                status.push("private".into());
            }
            if let Some(v) = &r.deprecated {
                status.push(format!("deprecated in {v}"));
            }
            if let Some(v) = &r.removed {
                status.push(format!("removed in {v}"));
            }
            if let Some(why) = &r.discouraged {
                status.push(format!("discouraged: {why}"));
            }
            let breaks = if r.breaks { " — used where CPython no longer has it" } else { "" };
            writeln!(out, "  {}  ({}){breaks}", r.name, status.join(", "))?;
            match (&r.replacement, &r.change) {
                (Some(new), _) if r.exact => writeln!(out, "    use {new}: exact, rename it")?,
                (Some(new), Some(change)) => writeln!(out, "    use {new}: not exact: {change}")?,
                (None, Some(change)) => writeln!(out, "    no replacement: {change}")?,
                _ => {}
            }
            if let (Some(new), Some(status)) = (&r.replacement, &r.replacement_status) {
                writeln!(out, "    {new} with capi_compat.h: {}", describe_statuses(report, status))?;
            }
            writeln!(out, "    source: {}", r.source)?;
            write_uses(out, &r.uses)?;
        }
    }

    if !report.spec_names.is_empty() {
        writeln!(out, "\nSpec names used ({}):", report.spec_names.len())?;
        for s in &report.spec_names {
            write!(out, "  {}  {}", s.name, describe_statuses(report, &s.status))?;
            if let Some(switch) = &s.switch {
                write!(out, " (define {switch} before including capi_compat.h)")?;
            }
            writeln!(out)?;
            write_uses(out, &s.uses)?;
        }
    }

    if !report.refused.is_empty() {
        writeln!(out, "\nRefused by capi_compat.h ({}):", report.refused.len())?;
        for r in &report.refused {
            let on: Vec<String> = r
                .refused_on
                .iter()
                .map(|l| l.strip_prefix("pypy").map_or(l.clone(), |v| format!("PyPy {v}")))
                .collect();
            writeln!(out, "  {}  refused on {}: {}", r.name, on.join(", "), r.reason)?;
            write_uses(out, &r.uses)?;
        }
    }

    if !report.private.is_empty() {
        writeln!(
            out,
            "\nOther private names ({}): not CPython's public API, no replacement on record",
            report.private.len()
        )?;
        for p in &report.private {
            writeln!(out, "  {}", p.name)?;
            write_uses(out, &p.uses)?;
        }
    }

    let breaking = report.breaking().len();
    writeln!(
        out,
        "\nsummary: {}, {} ({} removed where the code is compiled), {}, {}",
        plural(report.spec_names.len(), "spec name", "spec names"),
        plural(report.replaced.len(), "replaced name", "replaced names"),
        breaking,
        plural(report.refused.len(), "refused name", "refused names"),
        plural(report.private.len(), "other private name", "other private names"),
    )
}
