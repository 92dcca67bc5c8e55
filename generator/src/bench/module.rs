//! The spec's bench cases as one C extension module (templates/bench.c.hbs).

use crate::header::emit::{guard, Forcing};
use crate::spec::model::{Kind, PyPySupport, Spec};
use handlebars::Handlebars;
use serde::Serialize;

const BENCH_TEMPLATE: &str = include_str!("../../templates/bench.c.hbs");
/// The module's name as built plainly; the forced build gets `FORCED_MODULE_NAME`.
pub const MODULE_NAME: &str = "_capicompat_bench";
pub const FORCED_MODULE_NAME: &str = "_capicompat_bench_forced";

/// One case as the command knows it: which entry it times, and its label in the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRef {
    pub entry: String,
    pub label: String,
    pub slower: Option<String>,
}

#[derive(Serialize)]
struct CaseView {
    index: usize,
    label: String,
    available: String,
    file: String,
    line: u64,
    setup: String,
    run: String,
    teardown: String,
}

#[derive(Serialize)]
struct ModuleView {
    cases: Vec<CaseView>,
}

/// Every bench case of the entries selected (`only`: those names), in spec order.
pub fn cases(spec: &Spec, only: Option<&[String]>) -> Vec<CaseRef> {
    spec.entries
        .iter()
        .filter(|e| e.kind != Kind::Helper)
        .filter(|e| only.is_none_or(|names| names.contains(&e.name)))
        .flat_map(|e| {
            e.bench.iter().map(|c| CaseRef {
                entry: e.name.clone(),
                label: c.label(&e.name),
                slower: c.slower.clone(),
            })
        })
        .collect()
}

fn indent(code: &str) -> String {
    code.trim_end().lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

/// The module's C source for the entries selected.
pub fn render_module(spec: &Spec, only: Option<&[String]>) -> String {
    let cases = spec
        .entries
        .iter()
        .filter(|e| e.kind != Kind::Helper)
        .filter(|e| only.is_none_or(|names| names.contains(&e.name)))
        .flat_map(|e| e.bench.iter().map(move |c| (e, c)))
        .enumerate()
        .map(|(index, (entry, case))| CaseView {
            index,
            label: case.label(&entry.name),
            // Where the name is neither native nor backported, its bench cannot compile.
            available: match entry.pypy {
                PyPySupport::Unavailable => guard(None, PyPySupport::Unavailable, Forcing::Never),
                _ => String::new(),
            },
            file: case.file.replace('\\', "/").replace('"', "'"),
            line: case.first_line,
            setup: crate::header::cnull::rewrite_null(&indent(&case.setup)),
            run: crate::header::cnull::rewrite_null(&indent(&indent(&case.run))),
            teardown: crate::header::cnull::rewrite_null(&indent(&case.teardown)),
        })
        .collect();
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    hb.render_template(BENCH_TEMPLATE, &ModuleView { cases })
        .expect("the bench template renders with its own view")
}
