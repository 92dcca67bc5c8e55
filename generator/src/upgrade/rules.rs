//! The rewrite rules (`spec/upgrade/*.yaml`): read, checked with file:line:column errors like
//! the rest of the spec, and compiled into patterns. Each rule is one exact replacement of an
//! old API by a new one, with the side-by-side test that proves it (see `ruletest`).

use super::matcher::Conditions;
use super::pattern::{self, Pattern};
use crate::spec::diagnostics::{Collector, SourceLocation, SpecErrors};
use crate::spec::model::Spec;
use crate::spec::source::SpecFile;
use crate::spec::version::PyVersion;
use crate::spec::yaml::{self, spanned_at, whole_file};
use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    replaces: Spanned<String>,
    uses: Spanned<String>,
    exact: Spanned<String>,
    old_available: RawAvailability,
    rewrite: Vec<RawRewrite>,
    #[serde(default)]
    simple: Vec<Spanned<String>>,
    #[serde(default)]
    in_pyobject_function: bool,
    test: RawTest,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAvailability {
    below: Option<Spanned<String>>,
    #[serde(default)]
    pypy: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRewrite {
    from: Spanned<String>,
    to: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    #[serde(default)]
    setup: String,
    code: Spanned<String>,
    inputs: Spanned<Vec<String>>,
}

/// One `from` → `to` of a rule.
#[derive(Debug, Clone)]
pub struct Rewrite {
    pub from_text: String,
    pub from: Pattern,
    pub to: String,
}

/// Where the old form compiles: CPython below `below` (every supported one without it), and
/// PyPy when `pypy`. The side-by-side test runs on exactly those interpreters.
#[derive(Debug, Clone, Copy)]
pub struct OldAvailability {
    pub below: Option<PyVersion>,
    pub pypy: bool,
}

/// The side-by-side test: `code` defines `static PyObject *run(PyObject *arg)` with the old
/// API; the rule rewrites it, and both versions are called on every input (Python
/// expressions, evaluated after `setup`) and must give the same result or exception.
#[derive(Debug, Clone)]
pub struct RuleTest {
    pub setup: String,
    pub code: String,
    pub inputs: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub replaces: String,
    pub uses: String,
    /// Why the new code means exactly what the old did.
    pub exact: String,
    /// `uses` is a name of our header (so the file must include it).
    pub needs_header: bool,
    pub rewrites: Vec<Rewrite>,
    pub conditions: Conditions,
    pub old_available: OldAvailability,
    pub test: RuleTest,
    pub location: SourceLocation,
}

/// Every rule of the files, checked; all problems at once.
pub fn load(files: &[SpecFile], spec: &Spec) -> Result<Vec<Rule>, SpecErrors> {
    let mut errors = Collector::default();
    let mut rules: Vec<Rule> = Vec::new();
    for file in files {
        let help = "see spec/README.md, section Upgrade rules";
        let Some(raw) = yaml::parse::<RawFile>(file, &mut errors, help) else { continue };
        if raw.rules.is_empty() {
            errors.error(
                whole_file(&file.name),
                None,
                "no rules in the file",
                "add rules or remove the file",
            );
        }
        for r in raw.rules {
            if let Some(rule) = check(&file.name, r, spec, &mut errors) {
                if rules.iter().any(|other| other.name == rule.name) {
                    let at = rule.location.clone();
                    errors.error(at, Some(&rule.name), "a second rule of this name", "rule names are unique");
                } else {
                    rules.push(rule);
                }
            }
        }
    }
    errors.finish()?;
    Ok(rules)
}

fn check(file: &str, r: RawRule, spec: &Spec, errors: &mut Collector) -> Option<Rule> {
    let name = r.name.value.clone();
    let before = errors.len();
    let mut fail =
        |at: SourceLocation, message: String, help: &str| errors.error(at, Some(&name), message, help);
    for (field, value) in [("name", &r.name), ("replaces", &r.replaces), ("uses", &r.uses)] {
        if !crate::spec::cdecl::is_c_identifier(&value.value) {
            fail(spanned_at(file, value), format!("`{field}` must be a C name"), "e.g. `_PyLong_AsInt`");
        }
    }
    if r.exact.value.trim().is_empty() {
        fail(spanned_at(file, &r.exact), "`exact` is empty".into(), "say why the new code means the same");
    }
    let below = match &r.old_available.below {
        Some(v) => match PyVersion::parse(&v.value) {
            Ok(version) => Some(version),
            Err(e) => {
                fail(spanned_at(file, v), e, "the first CPython version without the old API");
                None
            }
        },
        None => None,
    };
    let mut rewrites = Vec::new();
    if r.rewrite.is_empty() {
        fail(spanned_at(file, &r.name), "no `rewrite` entries".into(), "give at least one `from`/`to`");
    }
    for rw in &r.rewrite {
        let from = match pattern::parse_from(&rw.from.value) {
            Ok(p) => p,
            Err(e) => {
                fail(spanned_at(file, &rw.from), format!("bad `from` pattern: {e}"), "see spec/README.md");
                continue;
            }
        };
        if let Err(e) = pattern::check_to(&from, &rw.to.value) {
            fail(spanned_at(file, &rw.to), format!("bad `to` pattern: {e}"), "see spec/README.md");
            continue;
        }
        let mentions = |text: &str, word: &str| {
            pattern::lex(text).is_ok_and(|p| p.contains(&pattern::Piece::Token(word.to_string())))
        };
        if !mentions(&rw.from.value, &r.replaces.value) {
            let msg = format!("`from` does not mention `{}`, the API the rule replaces", r.replaces.value);
            fail(spanned_at(file, &rw.from), msg, "");
        }
        if !mentions(&rw.to.value, &r.uses.value) {
            fail(spanned_at(file, &rw.to), format!("`to` does not use `{}`", r.uses.value), "");
        }
        if mentions(&rw.to.value, &r.replaces.value) {
            let msg = format!("`to` still uses `{}`: a second run would rewrite again", r.replaces.value);
            fail(spanned_at(file, &rw.to), msg, "");
        }
        rewrites.push(Rewrite { from_text: rw.from.value.clone(), from, to: rw.to.value.clone() });
    }
    for hole in &r.simple {
        let bound =
            rewrites.iter().any(|rw| rw.from.pieces.contains(&pattern::Piece::Hole(hole.value.clone())));
        if !bound {
            fail(
                spanned_at(file, hole),
                format!("`simple` names `{}`, which no `from` binds", hole.value),
                "",
            );
        }
    }
    // A rule for a name of spec/replaced.yaml is that entry's rewrite: the entry must call the
    // replacement exact, and name the same one.
    if let Some(entry) = spec.replaced(&r.replaces.value) {
        if !entry.exact {
            let help = "only `exact: true` entries of spec/replaced.yaml can have a rule: the others need a change of code";
            fail(
                spanned_at(file, &r.replaces),
                format!("`{}` is not an exact replacement in spec/replaced.yaml", r.replaces.value),
                help,
            );
        } else if entry.replacement.as_deref() != Some(r.uses.value.as_str()) {
            let msg = format!(
                "spec/replaced.yaml replaces `{}` by `{}`, not `{}`",
                r.replaces.value,
                entry.replacement.as_deref().unwrap_or("nothing"),
                r.uses.value
            );
            fail(spanned_at(file, &r.uses), msg, "make `uses` the entry's replacement");
        }
    }
    if r.test.inputs.value.is_empty() {
        fail(spanned_at(file, &r.test.inputs), "the test has no inputs".into(), "list Python expressions");
    }
    if !r.test.code.value.contains("run(") {
        let help = "define `static PyObject *run(PyObject *arg)` using the old API";
        fail(spanned_at(file, &r.test.code), "the test's code defines no `run`".into(), help);
    }
    let needs_header = spec.get(&r.uses.value).is_some_and(|e| !e.refused_everywhere());
    let rule = Rule {
        name: name.clone(),
        replaces: r.replaces.value.clone(),
        uses: r.uses.value.clone(),
        exact: r.exact.value.trim().to_string(),
        needs_header,
        rewrites,
        conditions: Conditions {
            simple: r.simple.iter().map(|s| s.value.clone()).collect(),
            in_pyobject_function: r.in_pyobject_function,
        },
        old_available: OldAvailability { below, pypy: r.old_available.pypy },
        test: RuleTest {
            setup: r.test.setup.clone(),
            code: r.test.code.value.clone(),
            inputs: r.test.inputs.value.clone(),
        },
        location: spanned_at(file, &r.name),
    };
    if errors.len() > before {
        return None;
    }
    // The test must exercise the rule: its code, rewritten by this rule alone, changes.
    let upgraded = super::rewrite::apply_rules(std::slice::from_ref(&rule), &rule.test.code);
    if upgraded.text == rule.test.code {
        let help = "write the test's `run` with the old form the rule rewrites";
        errors.error(
            spanned_at(file, &r.test.code),
            Some(&name),
            "the rule does not change its test's code",
            help,
        );
        return None;
    }
    Some(rule)
}
