//! The PyPy probe, PyPy's counterpart of the since probe: every public name of CPython 3.10's
//! C API (spec/pypy/capi-3.10-names.tsv, generated from 3.10's headers) and every spec entry is
//! compiled against PyPy's headers, once without our header and once with it. It proves the
//! spec's `pypy:` claims (native since X, backfill, backport, unavailable) and that every name
//! PyPy lacks is backfilled by the header, refused on PyPy with a reason
//! (spec/pypy/refused.tsv), or reported as open.

use super::probes::{mentioned_names, probe_line};
use crate::build::compiler::{CompileCheck, Compiler, Standard};
use crate::build::process::run_captured;
use crate::interpreters::Interpreter;
use crate::spec::model::{Entry, Kind, PyPySupport, Spec};
use crate::spec::version::PyVersion;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// CPython 3.10's public names: `name<TAB>kind<TAB>header`, `#` comments.
pub const CPYTHON_310_NAMES: &str = include_str!("../../spec/pypy/capi-3.10-names.tsv");
/// Names PyPy lacks that the header refuses there: `name<TAB>reason`; a `*` in the name
/// stands for any run of characters (`PyConfig_*`, `*_Type`). The first line that covers a
/// name gives its reason.
pub const PYPY_REFUSED: &str = include_str!("../../spec/pypy/refused.tsv");

/// The language version PyPy 3.11 implements: what `since` is compared with on PyPy.
const PYPY_LANGUAGE: PyVersion = PyVersion::release(3, 11);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniverseName {
    pub name: String,
    pub kind: Kind,
    pub header: String,
}

/// The universe file, parsed; a malformed line is an error naming it.
pub fn universe() -> Result<Vec<UniverseName>, String> {
    let mut names = Vec::new();
    for (i, line) in CPYTHON_310_NAMES.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let kind = match fields.get(1) {
            Some(&"function") => Kind::Function,
            Some(&"var") => Kind::Var,
            Some(&"macro") => Kind::Macro,
            Some(&"type") => Kind::Type,
            _ => return Err(format!("spec/pypy/capi-3.10-names.tsv:{}: expected name, kind, header", i + 1)),
        };
        names.push(UniverseName {
            name: fields[0].to_string(),
            kind,
            header: fields.get(2).unwrap_or(&"").to_string(),
        });
    }
    Ok(names)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub pattern: String,
    pub reason: String,
}

impl Refusal {
    /// The pattern is a name, or has one `*` standing for any run of characters
    /// (`PyConfig_*`, `*_Type`, `PyDictRevIter*_Type`).
    pub fn covers(&self, name: &str) -> bool {
        match self.pattern.split_once('*') {
            Some((prefix, suffix)) => {
                name.len() >= prefix.len() + suffix.len()
                    && name.starts_with(prefix)
                    && name.ends_with(suffix)
            }
            None => self.pattern == name,
        }
    }
}

/// The PyPy refusals, parsed; each reason must be long enough to check.
pub fn refusals() -> Result<Vec<Refusal>, String> {
    let mut out = Vec::new();
    for (i, line) in PYPY_REFUSED.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        match line.split_once('\t') {
            Some((pattern, reason)) if reason.trim().len() >= 30 && !pattern.trim().is_empty() => {
                out.push(Refusal { pattern: pattern.trim().to_string(), reason: reason.trim().to_string() })
            }
            _ => {
                return Err(format!(
                    "spec/pypy/refused.tsv:{}: expected `name<TAB>reason` with a reason a reader can check",
                    i + 1
                ))
            }
        }
    }
    Ok(out)
}

/// Names PyPy lacks that are neither provided nor refused yet: `name<TAB>what is missing`.
/// The list may only shrink: a name that is open but not listed fails the probe, and so does a
/// listed name that is no longer open.
pub const PYPY_OPEN: &str = include_str!("../../spec/pypy/open.tsv");

/// The open list, parsed; each line must say what is missing.
pub fn open_names() -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in PYPY_OPEN.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        match line.split_once('\t') {
            Some((name, what)) if !name.trim().is_empty() && what.trim().len() >= 20 => {
                out.push((name.trim().to_string(), what.trim().to_string()))
            }
            _ => return Err(format!("spec/pypy/open.tsv:{}: expected `name<TAB>what is missing`", i + 1)),
        }
    }
    Ok(out)
}

/// Sorts each universe name into native / provided / refused / open and returns the problems:
/// a refusal of a name PyPy declares or the header provides, a refusal pattern that matches
/// nothing, a lacking name that is neither provided, refused nor on the open list, and an
/// open-list name that is no longer open.
pub fn classify(
    label: &str,
    universe: &[UniverseName],
    bare: &BTreeSet<String>,
    with_header: &BTreeSet<String>,
    refused: &[Refusal],
    open_list: &[(String, String)],
) -> (PyPyProbeSummary, Vec<String>) {
    let mut problems = Vec::new();
    let mut summary = PyPyProbeSummary { universe: universe.len(), ..Default::default() };
    for u in universe {
        if !bare.contains(&u.name) {
            summary.native += 1;
            // a pattern must not reach names PyPy has: the counts `coverage` derives from the
            // data files without a PyPy at hand rely on it
            if let Some(r) = refused.iter().find(|r| r.covers(&u.name)) {
                problems.push(format!(
                    "{label}'s headers declare `{}`, which spec/pypy/refused.tsv refuses (`{}`): remove it or narrow the pattern",
                    u.name, r.pattern
                ));
            }
            continue;
        }
        let provided = !with_header.contains(&u.name);
        let refusal = refused.iter().find(|r| r.covers(&u.name));
        match (provided, refusal) {
            (true, Some(r)) => problems.push(format!(
                "capi_compat.h provides `{}` on {label}, but spec/pypy/refused.tsv refuses it (`{}`)",
                u.name, r.pattern
            )),
            (true, None) => summary.provided.push(u.name.clone()),
            (false, Some(_)) => summary.refused.push(u.name.clone()),
            (false, None) => summary.open.push(u.name.clone()),
        }
    }
    for r in refused {
        if !universe.iter().any(|u| r.covers(&u.name)) {
            problems.push(format!("spec/pypy/refused.tsv: `{}` matches no CPython 3.10 name", r.pattern));
        }
    }
    for name in &summary.open {
        if !open_list.iter().any(|(n, _)| n == name) {
            problems.push(format!(
                "`{name}`: a CPython 3.10 name {label} lacks, neither provided by the header nor refused \
                 (spec/pypy/refused.tsv): backfill it (`pypy: backfill`) or refuse it with the reason"
            ));
        }
    }
    for (name, _) in open_list {
        if !summary.open.contains(name) {
            problems.push(format!(
                "spec/pypy/open.tsv lists `{name}`, which is no longer open on {label} (native, provided or refused): remove it"
            ));
        }
    }
    (summary, problems)
}

/// What the probe found on one PyPy.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PyPyProbeSummary {
    /// CPython 3.10 names probed.
    pub universe: usize,
    /// Declared by PyPy's own headers.
    pub native: usize,
    /// Lacking natively, declared once our header is included.
    pub provided: Vec<String>,
    /// Lacking, refused on PyPy with a reason.
    pub refused: Vec<String>,
    /// Lacking, neither provided nor refused: work not done (each listed in spec/pypy/open.tsv).
    pub open: Vec<String>,
}

/// Which of `names` the interpreter's headers lack (with our header too when `with_header`).
fn lacking(
    compiler: &Compiler,
    interp: &Interpreter,
    workdir: &Path,
    names: &[(String, Kind)],
    with_header: bool,
) -> Result<BTreeSet<String>, String> {
    let mut source =
        String::from("/* Generated by capi-compat test: the PyPy probe */\n#include <Python.h>\n");
    if with_header {
        source.push_str("#include \"capi_compat.h\"\n");
    }
    for (i, (name, kind)) in names.iter().enumerate() {
        source.push_str(&probe_line(i, name, *kind));
    }
    let file = workdir.join(if with_header { "pypy-probe-header.c" } else { "pypy-probe.c" });
    std::fs::write(&file, source).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let mut cmd = compiler.probe_command(Standard::C11);
    cmd.arg(format!("-I{}", workdir.display()));
    cmd.args(interp.include_dirs.iter().map(|d| format!("-I{}", d.display()))).arg(&file);
    let (_, out, err) = run_captured(&mut cmd, Duration::from_secs(120))?;
    let output = format!("{out}{err}");
    if crate::build::compiler::stopped_early(&output) {
        return Err(format!(
            "{} stopped at its error limit, so not every name was probed:\n{output}",
            compiler.family
        ));
    }
    let named = mentioned_names(&output);
    Ok(names.iter().filter(|(n, _)| named.contains(n)).map(|(n, _)| n.clone()).collect())
}

/// PyPy's own version, from its patchlevel.h (`PYPY_VERSION_NUM`).
fn pypy_version(interp: &Interpreter) -> Option<u32> {
    interp.include_dirs.iter().find_map(|dir| {
        let text = std::fs::read_to_string(dir.join("patchlevel.h")).ok()?;
        let line = text.lines().find(|l| l.trim_start().starts_with("#define PYPY_VERSION_NUM"))?;
        let hex = line.split_whitespace().nth(2)?.trim_start_matches("0x");
        u32::from_str_radix(hex, 16).ok()
    })
}

/// What the spec claims about an entry on this PyPy: is it native, and is it offered at all
/// (natively or by the header)?
fn claim(entry: &Entry, pypy_num: u32) -> (bool, bool) {
    let offered_by_version = entry.offered_at_hex(PYPY_LANGUAGE.hex());
    match entry.pypy {
        PyPySupport::NativeSince(v) => (pypy_num >= v.hex(), true),
        PyPySupport::Backfill => (false, true),
        // PyPy declares it; the header's backport stands in for it.
        PyPySupport::Replace => (true, true),
        PyPySupport::Unavailable => (false, false),
        // PyPy has what its language version has; newer names come from the header.
        PyPySupport::Backport => {
            let native = entry.since.is_some_and(|s| s.series() <= PYPY_LANGUAGE);
            (native, native || offered_by_version)
        }
    }
}

/// Runs the probe; the checks fail on every claim the headers contradict.
pub fn check(
    compiler: &Compiler,
    interp: &Interpreter,
    spec: &Spec,
    workdir: &Path,
) -> (Vec<CompileCheck>, Option<PyPyProbeSummary>) {
    let fail = |output: String| vec![CompileCheck { what: "pypy probe".into(), ok: false, output }];
    let (universe, refused) = match (universe(), refusals()) {
        (Ok(u), Ok(r)) => (u, r),
        (Err(e), _) | (_, Err(e)) => return (fail(e), None),
    };
    let Some(pypy_num) = pypy_version(interp) else {
        return (fail(format!("{}: no PYPY_VERSION_NUM in its patchlevel.h", interp.label)), None);
    };
    let entries: Vec<&Entry> = spec
        .entries
        .iter()
        .filter(|e| e.kind != Kind::Helper && e.unprobed.is_none() && e.switch.is_none())
        .collect();
    let mut names: Vec<(String, Kind)> = universe.iter().map(|u| (u.name.clone(), u.kind)).collect();
    let known: BTreeSet<String> = names.iter().map(|(n, _)| n.clone()).collect();
    names.extend(entries.iter().filter(|e| !known.contains(&e.name)).map(|e| (e.name.clone(), e.kind)));

    let (bare, with_header) = match (
        lacking(compiler, interp, workdir, &names, false),
        lacking(compiler, interp, workdir, &names, true),
    ) {
        (Ok(b), Ok(h)) => (b, h),
        (Err(e), _) | (_, Err(e)) => return (fail(e), None),
    };

    let mut problems = Vec::new();
    for entry in &entries {
        let (claims_native, claims_offered) = claim(entry, pypy_num);
        let native = !bare.contains(&entry.name);
        if native != claims_native {
            let said = if native { "declares" } else { "does not declare" };
            problems.push(format!(
                "{}'s headers {said} `{}`, but the spec says `pypy: {}`: fix it in {}",
                interp.label,
                entry.name,
                entry.pypy.describe(),
                entry.location
            ));
        }
        if claims_offered && !native && with_header.contains(&entry.name) {
            problems.push(format!(
                "`{}` is still undeclared on {} with capi_compat.h included, though the spec offers it there ({})",
                entry.name, interp.label, entry.location
            ));
        }
    }
    let open_list = match open_names() {
        Ok(o) => o,
        Err(e) => return (fail(e), None),
    };
    let (summary, sorted) = classify(&interp.label, &universe, &bare, &with_header, &refused, &open_list);
    problems.extend(sorted);
    let checks = if problems.is_empty() {
        vec![CompileCheck { what: "pypy probe".into(), ok: true, output: String::new() }]
    } else {
        fail(problems.join("\n"))
    };
    (checks, Some(summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_files_parse_and_every_refusal_matches_a_name() {
        let names = universe().expect("the universe parses");
        assert!(names.len() > 1500, "CPython 3.10 declares well over 1500 public names");
        for r in refusals().expect("the refusals parse") {
            assert!(names.iter().any(|u| r.covers(&u.name)), "{} matches nothing", r.pattern);
        }
    }

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn universe_of(list: &[&str]) -> Vec<UniverseName> {
        list.iter()
            .map(|n| UniverseName { name: n.to_string(), kind: Kind::Function, header: String::new() })
            .collect()
    }

    #[test]
    fn every_lacking_name_must_be_provided_refused_or_listed_open() {
        let universe = universe_of(&["PyA", "PyB", "PyC", "PyD"]);
        // PyB, PyC, PyD lacking; the header provides PyB; PyC refused; PyD listed open
        let bare = names(&["PyB", "PyC", "PyD"]);
        let with_header = names(&["PyC", "PyD"]);
        let refused = vec![Refusal { pattern: "PyC".into(), reason: "r".into() }];
        let open = vec![("PyD".to_string(), "not done".to_string())];
        let (summary, problems) = classify("pypy", &universe, &bare, &with_header, &refused, &open);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            (summary.native, summary.provided, summary.refused, summary.open.clone()),
            (1, vec!["PyB".to_string()], vec!["PyC".to_string()], vec!["PyD".to_string()])
        );

        // a new lacking name nobody classified fails
        let (_, problems) = classify("pypy", &universe, &bare, &with_header, &refused, &[]);
        assert!(
            problems.iter().any(|p| p.contains("`PyD`") && p.contains("neither provided")),
            "{problems:?}"
        );
        // an open-list name that is now provided fails (the list only shrinks)
        let provided_now = names(&["PyC"]);
        let (_, problems) = classify("pypy", &universe, &bare, &provided_now, &refused, &open);
        assert!(
            problems.iter().any(|p| p.contains("lists `PyD`") && p.contains("no longer open")),
            "{problems:?}"
        );
        // a refusal of a name the header provides, and of one PyPy declares, fail
        let refused_b = vec![
            Refusal { pattern: "PyB".into(), reason: "r".into() },
            Refusal { pattern: "PyA".into(), reason: "r".into() },
        ];
        let (_, problems) = classify("pypy", &universe, &bare, &with_header, &refused_b, &open);
        assert!(problems.iter().any(|p| p.contains("provides `PyB`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("declare `PyA`")), "{problems:?}");
    }

    #[test]
    fn the_open_list_names_only_universe_names_and_no_refused_one() {
        let universe = universe().unwrap();
        let refused = refusals().unwrap();
        for (name, _) in open_names().expect("open.tsv parses") {
            assert!(universe.iter().any(|u| u.name == name), "open.tsv: {name} is no CPython 3.10 name");
            assert!(!refused.iter().any(|r| r.covers(&name)), "open.tsv: {name} is refused too");
        }
    }

    #[test]
    fn a_prefix_pattern_covers_its_family_only() {
        let r = Refusal { pattern: "PyConfig_*".into(), reason: String::new() };
        assert!(r.covers("PyConfig_Read"));
        assert!(!r.covers("PyConfig"));
        assert!(!Refusal { pattern: "PyConfig".into(), reason: String::new() }.covers("PyConfig_Read"));
        let suffix = Refusal { pattern: "*_Type".into(), reason: String::new() };
        assert!(suffix.covers("PyGen_Type") && !suffix.covers("PyGen_TypeX") && !suffix.covers("_Typ"));
        let middle = Refusal { pattern: "PyDictRevIter*_Type".into(), reason: String::new() };
        assert!(middle.covers("PyDictRevIterKey_Type") && !middle.covers("PyDictIterKey_Type"));
    }
}
