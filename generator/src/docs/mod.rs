//! `capi-compat docs -o DIR`: the reference site, a static page of every name the spec (and
//! the HPy layer) defines, with a filter and the coverage picture. `model` makes the rows from
//! the spec, `svg` draws the picture; this module lays them out with
//! `templates/docs.html.hbs` and writes the files. The output is self-contained (no network
//! to view it) and deterministic (no dates, the spec's order).

pub mod model;
pub mod svg;

use crate::hpy::HpySpec;
use crate::report::coverage::{self, Coverage};
use crate::Spec;
use handlebars::Handlebars;
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

const PAGE_TEMPLATE: &str = include_str!("../../templates/docs.html.hbs");
const SCRIPT: &str = include_str!("../../templates/docs.js");
const STYLE: &str = include_str!("../../templates/docs.css");

/// The files of the site, by name.
pub const INDEX: &str = "index.html";
pub const SCRIPT_FILE: &str = "docs.js";
pub const STYLE_FILE: &str = "docs.css";
pub const PICTURE_FILE: &str = "coverage.svg";

/// Why the site could not be written.
#[derive(Debug)]
pub enum DocsError {
    /// `-o` names something that exists and is not a directory.
    NotADirectory(PathBuf),
    /// Creating the directory or writing a file failed.
    Write { path: PathBuf, error: std::io::Error },
}

impl fmt::Display for DocsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocsError::NotADirectory(path) => write!(
                f,
                "-o {}: not a directory; give a directory for the site (it is created if missing)",
                path.display()
            ),
            DocsError::Write { path, error } => {
                write!(f, "cannot write {}: {error}; give -o a directory you can write", path.display())
            }
        }
    }
}

impl std::error::Error for DocsError {}

#[derive(Serialize)]
struct Column {
    key: String,
    label: String,
}

#[derive(Serialize)]
struct AreaOption {
    file: String,
    title: String,
}

#[derive(Serialize)]
struct InterpreterLine {
    label: String,
    native: usize,
    provided: usize,
    refused: usize,
    missing: usize,
}

#[derive(Serialize)]
struct PageView<'a> {
    generator_version: &'static str,
    digest: &'a str,
    /// Empty for a spec without the HPy layer (`--spec DIR` with no `hpy/`).
    hpy_version: &'a str,
    api_count: usize,
    hpy_count: usize,
    counted: usize,
    columns: Vec<Column>,
    kinds: Vec<String>,
    areas: Vec<AreaOption>,
    interpreters: Vec<InterpreterLine>,
    rows: &'a [model::Row],
    picture: &'a str,
    script: &'static str,
    style: &'static str,
}

/// The site's files, (name, contents), in the order they are written.
pub fn render(spec: &Spec, hpy: Option<&HpySpec>) -> Vec<(&'static str, String)> {
    let rows = model::rows(spec, hpy);
    let coverage: Coverage = coverage::compute(spec);
    let picture = svg::render(&rows, &coverage);
    let mut columns: Vec<Column> = model::MINORS
        .map(|minor| Column { key: format!("3.{minor}"), label: format!("3.{minor}") })
        .collect();
    columns.push(Column { key: model::PYPY_KEY.into(), label: "PyPy 3.11".into() });
    let mut kinds: Vec<String> = rows.iter().map(|r| r.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    let mut areas: Vec<AreaOption> = Vec::new();
    for row in &rows {
        if !areas.iter().any(|a| a.file == row.area) {
            areas.push(AreaOption { file: row.area.clone(), title: row.area_title.clone() });
        }
    }
    let view = PageView {
        generator_version: env!("CARGO_PKG_VERSION"),
        digest: &spec.digest,
        hpy_version: hpy.map_or("", |h| h.version.as_str()),
        api_count: rows.iter().filter(|r| r.layer == model::Layer::Api).count(),
        hpy_count: rows.iter().filter(|r| r.layer == model::Layer::Hpy).count(),
        counted: rows.iter().filter(|r| r.counted).count(),
        columns,
        kinds,
        areas,
        interpreters: coverage
            .by_interpreter
            .iter()
            .map(|(label, c)| InterpreterLine {
                label: label.clone(),
                native: c.native,
                provided: c.provided,
                refused: c.refused,
                missing: c.missing,
            })
            .collect(),
        rows: &rows,
        picture: &picture,
        script: SCRIPT_FILE,
        style: STYLE_FILE,
    };
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    let page = hb.render_template(PAGE_TEMPLATE, &view).expect("the page template renders with its own view");
    vec![
        (INDEX, page),
        (SCRIPT_FILE, SCRIPT.to_string()),
        (STYLE_FILE, STYLE.to_string()),
        (PICTURE_FILE, picture),
    ]
}

/// Writes the site into `dir` (created if missing; files of the same names are replaced).
pub fn write(dir: &Path, files: &[(&'static str, String)]) -> Result<(), DocsError> {
    if dir.exists() && !dir.is_dir() {
        return Err(DocsError::NotADirectory(dir.to_path_buf()));
    }
    std::fs::create_dir_all(dir).map_err(|error| DocsError::Write { path: dir.to_path_buf(), error })?;
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|error| DocsError::Write { path, error })?;
    }
    Ok(())
}
