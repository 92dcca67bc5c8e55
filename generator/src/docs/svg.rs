//! The coverage picture: one row per spec area (and the HPy layer), one column per
//! interpreter, each cell a bar split into native / backport / refused names, written as SVG
//! by hand (a few rectangles and labels need no plotting crate). A first row repeats
//! `capi-compat coverage`'s per-interpreter counts of CPython's documented additions.

use super::model::{Layer, Row, Status};
use crate::report::coverage::Coverage;
use std::fmt::Write;

const LABEL_WIDTH: usize = 300;
/// Longer labels are cut (with an ellipsis) to fit LABEL_WIDTH; the tooltip has them whole.
const LABEL_CHARS: usize = 46;
const CELL_WIDTH: usize = 96;
const BAR_WIDTH: usize = 86;
const ROW_HEIGHT: usize = 20;
const TOP: usize = 58;

/// The colours of the three statuses (and of names missing from the spec); the page's status
/// cells (docs.css) use light shades of the same hues.
pub const COLOURS: [(&str, &str); 4] =
    [("native", "#4c72b0"), ("backport", "#55a868"), ("refused", "#dd8452"), ("missing", "#c44e52")];

/// Counts of one cell: native, backport, refused, missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts([usize; 4]);

impl Counts {
    fn add(&mut self, status: Status) {
        self.0[match status {
            Status::Native => 0,
            Status::Backport => 1,
            Status::Refused => 2,
        }] += 1;
    }

    fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// One line of the picture.
struct Line {
    label: String,
    cells: Vec<Counts>,
}

/// The column headings: CPython 3.10 … 3.15, PyPy 3.11 (as the rows' cells are ordered).
fn headings(rows: &[Row]) -> Vec<String> {
    rows.first()
        .map(|r| {
            r.cells
                .iter()
                .map(|c| {
                    if c.key == super::model::PYPY_KEY {
                        "PyPy 3.11".into()
                    } else {
                        format!("CPython {}", c.key)
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Counts per area (spec file order as the rows come), the HPy layer last as one line.
fn lines(rows: &[Row], columns: usize) -> Vec<Line> {
    let mut lines: Vec<(String, Line)> = Vec::new();
    for row in rows {
        let (key, label) = match row.layer {
            Layer::Api => {
                let stem = row.area.trim_start_matches("spec/").trim_end_matches(".yaml");
                (row.area.clone(), format!("{stem}: {}", row.area_title))
            }
            Layer::Hpy => ("hpy".to_string(), "hpy: the HPy layer".to_string()),
        };
        let at = match lines.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                lines.push((key, Line { label, cells: vec![Counts::default(); columns] }));
                lines.len() - 1
            }
        };
        for (counts, cell) in lines[at].1.cells.iter_mut().zip(&row.cells) {
            counts.add(cell.status);
        }
    }
    lines.into_iter().map(|(_, line)| line).collect()
}

/// `capi-compat coverage`'s per-interpreter line (missing names included).
fn coverage_line(coverage: &Coverage) -> Line {
    Line {
        label: "CPython's documented additions (coverage)".to_string(),
        cells: coverage
            .by_interpreter
            .iter()
            .map(|(_, c)| Counts([c.native, c.provided, c.refused, c.missing]))
            .collect(),
    }
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_string();
    }
    let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn render(rows: &[Row], coverage: &Coverage) -> String {
    let headings = headings(rows);
    let mut all = vec![coverage_line(coverage)];
    all.extend(lines(rows, headings.len()));
    let width = LABEL_WIDTH + CELL_WIDTH * headings.len() + 10;
    let height = TOP + ROW_HEIGHT * all.len() + 10;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img" aria-labelledby="coverage-title">"#
    );
    let _ = writeln!(
        svg,
        r#"<title id="coverage-title">Names per area and interpreter: native, backport, refused</title>"#
    );
    let _ = writeln!(svg, r##"<rect width="{width}" height="{height}" fill="#ffffff"/>"##);
    for (i, (name, colour)) in COLOURS.iter().enumerate() {
        let x = LABEL_WIDTH + i * 90;
        let _ = writeln!(svg, r#"<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>"#);
        let _ = writeln!(svg, r#"<text x="{}" y="16">{name}</text>"#, x + 16);
    }
    for (i, heading) in headings.iter().enumerate() {
        let x = LABEL_WIDTH + i * CELL_WIDTH + BAR_WIDTH / 2;
        let _ = writeln!(
            svg,
            r#"<text x="{x}" y="{}" text-anchor="middle" font-weight="bold">{}</text>"#,
            TOP - 10,
            escape(heading)
        );
    }
    for (n, line) in all.iter().enumerate() {
        let y = TOP + n * ROW_HEIGHT;
        let weight = if n == 0 { r#" font-weight="bold""# } else { "" };
        let _ =
            writeln!(svg, r#"<text x="4" y="{}"{weight}>{}</text>"#, y + 13, escape(&shorten(&line.label)));
        for (i, counts) in line.cells.iter().enumerate() {
            let x0 = LABEL_WIDTH + i * CELL_WIDTH;
            let total = counts.total().max(1);
            let _ = writeln!(svg, "<g>");
            let _ = writeln!(
                svg,
                "<title>{}, {}: {} native, {} backport, {} refused{}</title>",
                escape(&line.label),
                escape(headings.get(i).map_or("", String::as_str)),
                counts.0[0],
                counts.0[1],
                counts.0[2],
                if counts.0[3] > 0 { format!(", {} missing", counts.0[3]) } else { String::new() }
            );
            let _ = writeln!(
                svg,
                r##"<rect x="{x0}" y="{}" width="{BAR_WIDTH}" height="{}" fill="#e4e4e4"/>"##,
                y + 2,
                ROW_HEIGHT - 5
            );
            // Segments end at integer cumulative offsets: the same file on every platform, and
            // the last segment ends exactly at the bar's end.
            let mut x = x0;
            let mut so_far = 0;
            for (k, (_, colour)) in COLOURS.iter().enumerate() {
                so_far += counts.0[k];
                let end = x0 + so_far * BAR_WIDTH / total;
                if end > x {
                    let _ = writeln!(
                        svg,
                        r#"<rect x="{x}" y="{}" width="{}" height="{}" fill="{colour}"/>"#,
                        y + 2,
                        end - x,
                        ROW_HEIGHT - 5
                    );
                }
                x = end;
            }
            let offered = counts.0[0] + counts.0[1];
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{}" text-anchor="middle" fill="#ffffff" stroke="#000000" stroke-opacity="0.45" stroke-width="2" paint-order="stroke" font-weight="bold">{offered}/{}</text>"##,
                x0 + BAR_WIDTH / 2,
                y + 13,
                counts.total()
            );
            let _ = writeln!(svg, "</g>");
        }
    }
    svg.push_str("</svg>\n");
    svg
}
