//! Renders a plan as the C header: the mechanism computes guards and code blocks, the
//! handlebars template (templates/header.h.hbs) lays them out.

use crate::header::plan::{Plan, Planned};
use crate::spec::model::{Entry, Kind, PyPySupport, RangeBody, Spec};
use crate::spec::version::PyVersion;
use handlebars::Handlebars;
use serde::Serialize;

const HEADER_TEMPLATE: &str = include_str!("../../templates/header.h.hbs");

/// What the generated guards compare: `PY_VERSION_HEX` rounded down to the nearest version
/// they name, defined once at the top of the header (`version_steps`). `PY_VERSION_HEX` is
/// five macros deep (from 3.15 through a function-like one), and a header has hundreds of
/// guards: expanding it in each was 40 % of the header's cost to gcc on 3.15, where nearly
/// every block is skipped (6 % on 3.10, where nearly every block is parsed). For every threshold T in the chain, `PY_VERSION_HEX < T`
/// holds exactly when `CAPICOMPAT_VERSION_HEX < T` does, whatever the version.
pub const VERSION_MACRO: &str = "CAPICOMPAT_VERSION_HEX";
pub const HEADER_FILE_NAME: &str = "capi_compat.h";

#[derive(Serialize)]
struct HeaderView {
    file_name: &'static str,
    generator_version: &'static str,
    command: String,
    /// `--used-by`: the paths of the code the header was made for, as the command gives them.
    made_for: Option<String>,
    floor: String,
    floor_hex: String,
    digest: String,
    entry_count: usize,
    switches_on: Vec<String>,
    /// The thresholds the guards compare `VERSION_MACRO` with, newest first.
    version_steps: Vec<String>,
    sections: Vec<SectionView>,
    /// Names whose forced backport the code after the header gets (`forced_redirect`).
    forced_redirects: Vec<String>,
}

#[derive(Serialize)]
struct SectionView {
    area: String,
    title: String,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
struct ItemView {
    comment: String,
    guard: String,
    code: String,
}

/// The switch `gen --pythoncapi-compat` turns on: pythoncapi-compat's inventions.
pub const PYTHONCAPI_COMPAT_SWITCH: &str = "CAPI_COMPAT_PYTHONCAPI_COMPAT";

/// The command line that regenerates this header, shown in its banner.
pub fn regenerate_command(floor: PyVersion, only: Option<&[String]>, pythoncapi_compat: bool) -> String {
    let mut cmd = format!("capi-compat gen --min {floor}");
    if let Some(names) = only {
        cmd.push_str(&format!(" --only {}", names.join(",")));
    }
    if pythoncapi_compat {
        cmd.push_str(" --pythoncapi-compat");
    }
    cmd.push_str(&format!(" -o {HEADER_FILE_NAME}"));
    cmd
}

/// The command line that regenerates a `--used-by` header, run in the header's directory
/// (the paths are relative to it).
pub fn used_by_command(floor: PyVersion, paths: &[String]) -> String {
    format!("capi-compat gen --min {floor} --used-by {} -o {HEADER_FILE_NAME}", paths.join(" "))
}

pub fn render_header(spec: &Spec, plan: &Plan, command: &str) -> String {
    render_header_made_for(spec, plan, command, None)
}

/// As `render_header`, for a header made for the code under `made_for` (`--used-by`), which
/// its banner says.
pub fn render_header_made_for(
    spec: &Spec,
    plan: &Plan,
    command: &str,
    made_for: Option<&[String]>,
) -> String {
    let mut sections: Vec<SectionView> = Vec::new();
    let called = called_by_other_bodies(plan);
    // A name another entry's body defines (an enumerator) has no code of its own.
    for item in plan.items.iter().filter(|i| i.entry.defined_by.is_none()) {
        let views = item_views(item, plan.floor, called.contains(item.entry.name.as_str()));
        let area = &item.entry.area;
        match sections.last_mut() {
            Some(last) if &last.area == area => last.items.extend(views),
            _ => {
                let title = spec.area(area).map(|a| a.title.clone()).unwrap_or_default();
                sections.push(SectionView { area: area.clone(), title, items: views });
            }
        }
    }
    let view = HeaderView {
        file_name: HEADER_FILE_NAME,
        generator_version: env!("CARGO_PKG_VERSION"),
        command: command.to_string(),
        made_for: made_for.map(|paths| paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")),
        floor: plan.floor.to_string(),
        floor_hex: hex(plan.floor.hex()),
        digest: spec.digest.clone(),
        entry_count: plan.items.iter().filter(|i| i.entry.kind != Kind::Helper).count(),
        switches_on: plan.switches_on.clone(),
        version_steps: version_steps(&sections),
        sections,
        forced_redirects: called.iter().map(|n| n.to_string()).collect(),
    };
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    hb.render_template(HEADER_TEMPLATE, &view).expect("the header template renders with its own view")
}

/// Every version the items' guards and per-range bodies compare `VERSION_MACRO` with,
/// newest first.
fn version_steps(sections: &[SectionView]) -> Vec<String> {
    let mut steps = std::collections::BTreeSet::new();
    for item in sections.iter().flat_map(|s| &s.items) {
        for text in [&item.guard, &item.code] {
            for (at, _) in text.match_indices(VERSION_MACRO) {
                let rest = text[at + VERSION_MACRO.len()..].trim_start();
                let rest =
                    rest.strip_prefix(">=").or_else(|| rest.strip_prefix('<')).expect("guards use < and >=");
                let value: String = rest.trim_start().chars().take(10).collect();
                debug_assert!(value.starts_with("0x") && value.len() == 10, "{value}");
                steps.insert(value);
            }
        }
    }
    steps.into_iter().rev().collect()
}

fn hex(v: u32) -> String {
    format!("0x{v:08X}")
}

/// Defined by the self-test (never by users) to compile backported functions even where the
/// interpreter has them, so the backport runs side by side with the native function.
pub const FORCE_MACRO: &str = "CAPI_COMPAT_FORCE_BACKPORTS";

/// `CAPICOMPAT_FORCED_NAME` is defined where NAME's backport is compiled only because the
/// self-test forces it, and NAME is redirected to it only at the header's end.
pub const FORCED_MARKER_PREFIX: &str = "CAPICOMPAT_FORCED_";

/// How an item behaves when the self-test forces backports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forcing {
    /// Macros, constants, types: never forced (they would clash with the native ones).
    Never,
    /// Functions and helpers (renamed, so they cannot clash), up to a version that removed
    /// something their body uses.
    Below(Option<PyVersion>),
}

/// The `#if` condition under which an item is compiled (empty: always).
pub fn guard(below: Option<PyVersion>, pypy: PyPySupport, forcing: Forcing) -> String {
    guard_with_removal(below, None, pypy, forcing)
}

/// As `guard`, for a name CPython removed in `removed`: provided again from there on.
pub fn guard_with_removal(
    below: Option<PyVersion>,
    removed: Option<PyVersion>,
    pypy: PyPySupport,
    forcing: Forcing,
) -> String {
    let mut parts = Vec::new();
    if let Some(version) = missing_condition(below, removed, pypy) {
        match forcing {
            Forcing::Never => parts.push(version),
            Forcing::Below(None) => parts.push(format!("({version} || defined({FORCE_MACRO}))")),
            Forcing::Below(Some(limit)) => parts.push(format!(
                "({version} || (defined({FORCE_MACRO}) && {VERSION_MACRO} < {}))",
                hex(limit.hex())
            )),
        }
    }
    match pypy {
        PyPySupport::Backport | PyPySupport::Backfill | PyPySupport::Replace => {}
        PyPySupport::Unavailable => parts.push("!defined(PYPY_VERSION)".into()),
        PyPySupport::NativeSince(v) => {
            parts.push(format!("!(defined(PYPY_VERSION_NUM) && PYPY_VERSION_NUM >= {})", hex(v.hex())))
        }
    }
    parts.join(" && ")
}

/// Where the interpreter lacks the name (below `below`, from `removed` on, on PyPy where the
/// backport is emitted there): the version part of the guard, without the self-test's forcing.
pub(crate) fn missing_condition(
    below: Option<PyVersion>,
    removed: Option<PyVersion>,
    pypy: PyPySupport,
) -> Option<String> {
    let below = below?;
    let mut version = format!("{VERSION_MACRO} < {}", hex(below.hex()));
    if let Some(removed) = removed {
        version = format!("({version} || {VERSION_MACRO} >= {})", hex(removed.hex()));
    }
    // PyPy lacks the name whatever language version it implements.
    if pypy.emitted_on_any_pypy() {
        version = format!("({version} || defined(PYPY_VERSION))");
    }
    Some(version)
}

/// The function names other items' bodies call (or name) whose callers are all newer (their
/// `since` later than the name's): wherever such a caller's backport really runs, the name is
/// the interpreter's own. Their `#define NAME capicompat_NAME` holds only where the interpreter
/// lacks the name, so in the forced build the callers reach the interpreter's function, as in
/// users' builds; only the code after the header (the tests) is redirected to the forced
/// backport, at the header's end. A name called by a backport of its own family (or an older
/// one) stays redirected everywhere it is compiled: on every interpreter where that caller's
/// backport runs, the name is ours too (the PyBytesWriter family shares our struct).
fn called_by_other_bodies<'a>(plan: &Plan<'a>) -> std::collections::BTreeSet<&'a str> {
    let forcible: std::collections::BTreeMap<&str, PyVersion> = plan
        .items
        .iter()
        .filter(|i| i.entry.kind == Kind::Function && i.entry.defined_by.is_none())
        .filter_map(|i| i.below.map(|below| (i.entry.name.as_str(), below)))
        .collect();
    // Per callee: whether every caller is newer (then the callee is native wherever the
    // caller's backport is really used), or some caller is of the same family or older.
    let mut callers_newer: std::collections::BTreeMap<&'a str, bool> = std::collections::BTreeMap::new();
    for item in &plan.items {
        for body in &item.entry.bodies {
            for word in body.body.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if let Some((name, callee_below)) = forcible.get_key_value(word) {
                    if *name != item.entry.name {
                        let newer = item.below.is_none_or(|b| b.hex() > callee_below.hex());
                        let all = callers_newer.entry(*name).or_insert(true);
                        *all &= newer;
                    }
                }
            }
        }
    }
    callers_newer.into_iter().filter(|(_, newer)| *newer).map(|(name, _)| name).collect()
}

/// The conditions an item adds to its version guard: a switch the user defines, and the
/// version a partly refused name is provided from.
fn with_conditions(guard: String, item: &Planned) -> String {
    let mut parts = Vec::new();
    if let Some(switch) = item.switch {
        parts.push(format!("defined({switch})"));
    }
    if let Some(from) = item.provided_from {
        parts.push(format!("{VERSION_MACRO} >= {}", hex(from.hex())));
    }
    if !guard.is_empty() {
        parts.push(guard);
    }
    parts.join(" && ")
}

fn item_views(item: &Planned, floor: PyVersion, called_by_others: bool) -> Vec<ItemView> {
    let entry = item.entry;
    let forcing = match entry.kind {
        Kind::Function | Kind::Helper => Forcing::Below(item.force_below),
        _ => Forcing::Never,
    };
    let guard = guard_with_removal(item.below, item.removed, item.pypy, forcing);
    // Only where the name is missing, when other bodies call it (see called_by_other_bodies).
    let redirect_where =
        if called_by_others { missing_condition(item.below, item.removed, item.pypy) } else { None };
    let mut views = vec![ItemView {
        comment: comment(entry),
        guard: with_conditions(guard, item),
        code: code(entry, floor, redirect_where.as_deref()),
    }];
    if let (Some(from), Some(reason)) = (item.provided_from, &entry.refused) {
        if from.hex() > floor.hex() && entry.kind == Kind::Function {
            views.push(refusal_view(entry, from, reason));
        }
    }
    views
}

/// Below `provided_from`, a function is declared with CAPICOMPAT_REFUSED: a call there stops
/// the build with the reason instead of compiling against nothing.
fn refusal_view(entry: &Entry, from: PyVersion, reason: &str) -> ItemView {
    let sig = entry.signature.as_ref().expect("validated: functions have a signature");
    let refused_name = format!("capicompat_refused_{}", entry.name);
    let message = format!("{} needs CPython {from} or newer with capi_compat.h: {reason}", entry.name)
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    ItemView {
        comment: format!("/* {} is refused below CPython {from} (see the message). */", entry.name),
        guard: format!("{VERSION_MACRO} < {}", hex(from.hex())),
        code: format!(
            "CAPICOMPAT_REFUSED(\"{message}\")\n{};\n#define {} {refused_name}",
            sig.render_with_name(&refused_name),
            entry.name
        ),
    }
}

/// The entry's comment, made from the same fields as its guard so the two cannot disagree.
fn comment(entry: &Entry) -> String {
    let mut lines = vec![format!("{}: {}", entry.name, entry.summary)];
    if let Some(switch) = &entry.switch {
        lines.push(format!(
            "Not a CPython name (pythoncapi-compat's); only with #define {switch}; PyPy: {}.",
            entry.pypy.describe()
        ));
    }
    if let Some(from) = entry.provided_from {
        lines.push(format!("Provided from CPython {from} on; refused below it."));
    }
    match entry.since {
        Some(since) => match entry.removed {
            Some(removed) => lines.push(format!(
                "Native in CPython {since} to {removed} (removed there); PyPy: {}.",
                entry.pypy.describe()
            )),
            None => lines.push(format!("Native since CPython {since}; PyPy: {}.", entry.pypy.describe())),
        },
        None if entry.switch.is_some() => {}
        None => lines.push("Private helper of this header.".into()),
    }
    if let Some(doc) = &entry.doc {
        lines.push(doc.clone());
    }
    let mut out = String::from("/* ");
    out.push_str(&lines.join("\n * "));
    out.push_str(" */");
    out
}

/// Bodies that can run at or above the floor: a body meant only below the floor is dead.
fn live_bodies(entry: &Entry, floor: PyVersion) -> Vec<&RangeBody> {
    entry.bodies.iter().filter(|b| b.below.is_none_or(|below| below.hex() > floor.hex())).collect()
}

fn indent(text: &str, by: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| if l.trim().is_empty() { String::new() } else { format!("{by}{l}") })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `#if` / `#elif` / `#else` around per-range pieces; a single piece stands alone.
fn per_range(bodies: &[&RangeBody], render: impl Fn(&str) -> String) -> String {
    if bodies.len() == 1 {
        return render(&bodies[0].body);
    }
    let mut out = String::new();
    for (i, b) in bodies.iter().enumerate() {
        let directive = match (i, b.below) {
            (0, Some(below)) => format!("#if {VERSION_MACRO} < {}", hex(below.hex())),
            (_, Some(below)) => format!("#elif {VERSION_MACRO} < {}", hex(below.hex())),
            (_, None) => "#else".to_string(),
        };
        out.push_str(&directive);
        out.push('\n');
        out.push_str(&render(&b.body));
        out.push('\n');
    }
    out.push_str("#endif");
    out
}

/// `redirect_where`: the condition under which a function's name is redirected to the
/// backport (None: wherever the backport is compiled).
fn code(entry: &Entry, floor: PyVersion, redirect_where: Option<&str>) -> String {
    crate::header::cnull::rewrite_null(&raw_code(entry, floor, redirect_where))
}

fn raw_code(entry: &Entry, floor: PyVersion, redirect_where: Option<&str>) -> String {
    let bodies = live_bodies(entry, floor);
    match entry.kind {
        Kind::Function | Kind::Helper => {
            let sig = entry.signature.as_ref().expect("validated: functions have a signature");
            let emitted_name =
                if entry.kind == Kind::Helper { entry.name.clone() } else { backport_name(&entry.name) };
            let mut out = String::new();
            if let Some((format, first)) = entry.printf_format {
                out.push_str(&format!(
                    "static inline {}\n    CAPICOMPAT_PRINTF({format}, {first});\n",
                    sig.render_with_name(&emitted_name)
                ));
            }
            out.push_str(&format!("static inline {}\n{{\n", sig.render_with_name(&emitted_name)));
            out.push_str(&per_range(&bodies, |b| indent(b, "    ")));
            out.push_str("\n}");
            if entry.kind == Kind::Function {
                let mut redirect = String::new();
                // PyPy's headers define the name as a macro for PyPy's own function.
                if entry.pypy == PyPySupport::Replace {
                    redirect.push_str(&format!("\n#undef {}", entry.name));
                }
                redirect.push_str(&format!("\n#define {} {}", entry.name, emitted_name));
                match redirect_where {
                    // Elsewhere the backport is compiled only because it is forced: the
                    // marker lets the header's end redirect the code after it.
                    Some(condition) => out.push_str(&format!(
                        "\n#if {condition}{redirect}\n#else\n#define {}{}\n#endif",
                        FORCED_MARKER_PREFIX, entry.name
                    )),
                    None => out.push_str(&redirect),
                }
            }
            out
        }
        Kind::Macro => {
            let head = match &entry.params {
                Some(params) => format!("{}({})", entry.name, params.join(", ")),
                None => entry.name.clone(),
            };
            let define = |b: &str| format!("#  define {head} {}", continue_lines(b));
            format!("#ifndef {}\n{}\n#endif", entry.name, per_range(&bodies, define))
        }
        // The interpreter declares a variable, not a macro: the version guard alone decides.
        Kind::Var => per_range(&bodies, |b| format!("#  define {} ({})", entry.name, continue_lines(b))),
        Kind::Constant => {
            let value = entry.value.as_deref().expect("validated: constants have a value").trim();
            format!("#ifndef {0}\n#  define {0} {1}\n#endif", entry.name, value)
        }
        Kind::Type => per_range(&bodies, |b| b.trim_end().to_string()),
    }
}

/// A multi-line macro body needs a backslash at the end of every line but the last.
fn continue_lines(body: &str) -> String {
    let lines: Vec<&str> = body.trim().lines().collect();
    if lines.len() == 1 {
        return lines[0].to_string();
    }
    let mut out = String::from("\\\n");
    out.push_str(&lines.iter().map(|l| format!("    {l}")).collect::<Vec<_>>().join(" \\\n"));
    out
}

/// The name a backported function is compiled under.
pub fn backport_name(name: &str) -> String {
    format!("{}{name}", crate::spec::validate::HELPER_PREFIX)
}
