//! `capi-compat list`: the spec as a table.

use crate::spec::model::{Kind, Spec};
use crate::spec::version::PyVersion;

pub fn render_table(spec: &Spec, since: Option<PyVersion>) -> String {
    let rows: Vec<[String; 5]> = spec
        .entries
        .iter()
        .filter(|e| e.kind != Kind::Helper)
        .filter(|e| since.is_none_or(|s| e.since.is_some_and(|v| v.series() == s.series())))
        .map(|e| {
            [
                e.name.clone(),
                e.kind.as_str().to_string(),
                e.since.map(|v| v.to_string()).unwrap_or_default(),
                e.area.clone(),
                match (e.provided_from, &e.refused) {
                    (Some(from), Some(_)) => {
                        format!("from {from} (refused below); PyPy {}", e.pypy.describe())
                    }
                    (None, Some(_)) => "refused".to_string(),
                    _ => e.pypy.describe(),
                },
            ]
        })
        .collect();
    let header = ["NAME", "KIND", "SINCE", "AREA", "PYPY (or REFUSED)"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: &[&str]| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(&header);
    out.push('\n');
    for row in &rows {
        out.push_str(&line(&row.iter().map(String::as_str).collect::<Vec<_>>()));
        out.push('\n');
    }
    out.push_str(&format!("{} entries\n", rows.len()));
    out
}
