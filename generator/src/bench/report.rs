//! Bench results: per case the median ns/op of each build, the median of the rounds'
//! forced/native ratios, the table, the JSON, and the bar a ratio must stay under.

use super::module::CaseRef;
use crate::interpreters::Interpreter;
use serde::{Deserialize, Serialize};

/// The ratio bar: a forced/native median above it fails `bench --check`.
pub const RATIO_BAR: f64 = 1.10;
/// The bar for operations under `FAST_NS` ns, where code placement alone moves results ~10 %.
pub const FAST_RATIO_BAR: f64 = 1.25;
pub const FAST_NS: f64 = 3.0;

/// Per-round ns/op of each build, as the driver prints them.
#[derive(Debug, Clone, Deserialize)]
pub struct Timings {
    pub plain: Vec<f64>,
    #[serde(default)]
    pub forced: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Native here: the interpreter's function against our forced backport.
    NativeAndForced,
    /// Native here, and not a function we can force (a macro): the native one alone.
    NativeOnly,
    /// Not native here: our backport alone.
    Backport,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    pub entry: String,
    pub case: String,
    pub mode: Mode,
    /// ns/op of the plain build: the native function, or our backport where not native.
    pub ns: f64,
    /// ns/op of our forced backport (where native).
    pub forced_ns: Option<f64>,
    /// Median of the rounds' forced/native ratios.
    pub ratio: Option<f64>,
    /// The entry's explanation of why the backport is slower here.
    pub slower: Option<String>,
    /// Over its bar in every run of the whole module, so measured again in a module of its
    /// entry's cases alone (this row is that measurement where it passed there).
    pub measured_alone: bool,
}

pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

impl BenchRow {
    pub fn new(case: &CaseRef, mode: Mode, t: &Timings) -> Self {
        let compared =
            mode == Mode::NativeAndForced && t.forced.len() == t.plain.len() && !t.plain.is_empty();
        let ratios: Vec<f64> = t.plain.iter().zip(&t.forced).map(|(n, f)| f / n).collect();
        BenchRow {
            entry: case.entry.clone(),
            case: case.label.clone(),
            mode,
            ns: median(&t.plain),
            forced_ns: compared.then(|| median(&t.forced)),
            ratio: compared.then(|| median(&ratios)),
            slower: case.slower.clone(),
            measured_alone: false,
        }
    }

    /// The bar this row's ratio must stay under.
    pub fn bar(&self) -> f64 {
        if self.ns < FAST_NS {
            FAST_RATIO_BAR
        } else {
            RATIO_BAR
        }
    }

    /// Over its bar without an explanation in the spec.
    pub fn fails_bar(&self) -> bool {
        self.slower.is_none() && self.ratio.is_some_and(|r| r > self.bar())
    }
}

/// After a further run: each case keeps its earlier row unless that one failed its bar and the
/// new one passes (so a case fails only while every run of it is over).
pub fn keep_passing(earlier: Vec<BenchRow>, again: Vec<BenchRow>) -> Vec<BenchRow> {
    earlier
        .into_iter()
        .map(|row| {
            if !row.fails_bar() {
                return row;
            }
            match again.iter().find(|a| a.entry == row.entry && a.case == row.case) {
                Some(a) if !a.fails_bar() => a.clone(),
                _ => row,
            }
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct InterpreterBench {
    pub interpreter: Interpreter,
    pub rows: Vec<BenchRow>,
    /// The build or the run failed (rows may be missing).
    pub error: Option<String>,
}

/// The problems `bench --check` fails on: failed runs, and ratios over the bar.
pub fn problems(results: &[InterpreterBench]) -> Vec<String> {
    let mut out = Vec::new();
    for r in results {
        if let Some(e) = &r.error {
            out.push(format!("{}: {e}", r.interpreter.label));
        }
        for row in r.rows.iter().filter(|row| row.fails_bar()) {
            out.push(format!(
                "{}: {} forced/native {:.2} is over {:.2} ({:.1} vs {:.1} ns/op){}",
                r.interpreter.label,
                row.case,
                row.ratio.unwrap_or(f64::NAN),
                row.bar(),
                row.forced_ns.unwrap_or(f64::NAN),
                row.ns,
                if row.measured_alone { "; over in the whole module and built alone" } else { "" }
            ));
        }
    }
    out
}

pub fn render(results: &[InterpreterBench]) -> String {
    let width =
        results.iter().flat_map(|r| r.rows.iter().map(|row| row.case.len())).max().unwrap_or(10).max(10);
    let mut out = String::new();
    for r in results {
        out.push_str(&format!("\n{}\n", r.interpreter.label));
        out.push_str(&format!(
            "  {:<width$}  {:>10}  {:>10}  {:>13}\n",
            "case", "native", "forced", "forced/native"
        ));
        for row in &r.rows {
            let (native, forced, ratio) = match row.mode {
                Mode::NativeAndForced => (
                    format!("{:.2}", row.ns),
                    row.forced_ns.map_or("-".into(), |f| format!("{f:.2}")),
                    row.ratio.map_or("-".into(), |x| {
                        let mark = if row.fails_bar() {
                            " !"
                        } else if row.slower.is_some() && x > row.bar() {
                            " (explained)"
                        } else {
                            ""
                        };
                        format!("{x:.3}{mark}")
                    }),
                ),
                Mode::NativeOnly => (format!("{:.2}", row.ns), "-".into(), "-".into()),
                Mode::Backport => ("-".into(), format!("{:.2}", row.ns), "(backport)".into()),
            };
            out.push_str(&format!("  {:<width$}  {native:>10}  {forced:>10}  {ratio:>13}\n", row.case));
        }
        if let Some(e) = &r.error {
            out.push_str(&format!("  FAILED: {e}\n"));
        }
    }
    out
}

pub fn to_json(results: &[InterpreterBench]) -> serde_json::Value {
    serde_json::json!({
        "ratio_bar": RATIO_BAR,
        "fast_ratio_bar": FAST_RATIO_BAR,
        "fast_ns": FAST_NS,
        "interpreters": results.iter().map(|r| serde_json::json!({
            "label": r.interpreter.label,
            "version": r.interpreter.version,
            "error": r.error,
            "rows": r.rows,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(slower: Option<&str>) -> CaseRef {
        CaseRef { entry: "PyX".into(), label: "PyX (hit)".into(), slower: slower.map(str::to_string) }
    }

    #[test]
    fn the_ratio_is_the_median_of_the_rounds_ratios() {
        let t = Timings { plain: vec![10.0, 10.0, 20.0], forced: vec![11.0, 30.0, 20.0] };
        let row = BenchRow::new(&case(None), Mode::NativeAndForced, &t);
        assert_eq!(row.ns, 10.0);
        assert_eq!(row.forced_ns, Some(20.0));
        assert_eq!(row.ratio, Some(1.1));
    }

    #[test]
    fn fast_operations_get_the_wider_bar_and_explained_rows_pass() {
        let slow = Timings { plain: vec![2.0], forced: vec![2.4] };
        assert!(!BenchRow::new(&case(None), Mode::NativeAndForced, &slow).fails_bar());
        let slow = Timings { plain: vec![5.0], forced: vec![6.0] };
        assert!(BenchRow::new(&case(None), Mode::NativeAndForced, &slow).fails_bar());
        assert!(
            !BenchRow::new(&case(Some("one more call, 1.2 ns")), Mode::NativeAndForced, &slow).fails_bar()
        );
    }

    #[test]
    fn a_case_fails_only_while_every_run_is_over_its_bar() {
        let timed = |forced: f64| Timings { plain: vec![20.0; 3], forced: vec![forced; 3] };
        let row = |forced: f64| BenchRow::new(&case(None), Mode::NativeAndForced, &timed(forced));
        let kept = keep_passing(vec![row(24.0)], vec![row(20.5)]);
        assert!(!kept[0].fails_bar(), "a run within the bar replaces one over it");
        let kept = keep_passing(vec![row(24.0)], vec![row(23.0)]);
        assert!(kept[0].fails_bar(), "over in both runs: still a failure");
        let kept = keep_passing(vec![row(20.5)], vec![row(30.0)]);
        assert_eq!(kept[0].forced_ns, Some(20.5), "a passing row is not replaced");
    }

    #[test]
    fn a_backport_alone_has_no_ratio() {
        let t = Timings { plain: vec![3.0, 4.0, 5.0], forced: vec![] };
        let row = BenchRow::new(&case(None), Mode::Backport, &t);
        assert_eq!(row.ratio, None);
        assert!(!row.fails_bar());
    }
}
