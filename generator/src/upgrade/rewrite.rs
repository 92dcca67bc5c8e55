//! Applying the rules to one file's text: every match of every rule, replaced from the end so
//! offsets stay valid, repeated until nothing matches (a rewrite inside another's code, as in
//! `Py_SIZE(o) = _PyLong_AsInt(x);`, is found in the next round), so one run reaches the
//! fixed point and a second run changes nothing. Then the header: a file that now uses one
//! of our header's names gets `#include "capi_compat.h"` right after its `#include <Python.h>`.

use super::code::{defined_names, streams};
use super::matcher::find_all;
use super::pattern::{substitute, Piece, Shape};
use super::rules::Rule;
use crate::scan::tokenize::{directive_tokens, tokenize, TokenKind};

/// One replacement made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub rule: String,
    /// Where it starts in the text of its round (the original text for the first round).
    pub line: u32,
    pub column: u32,
    pub before: String,
    pub after: String,
}

/// What was done about our header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderAction {
    /// `#include "capi_compat.h"` was added after the line of `#include <Python.h>`.
    Inserted {
        after_line: u32,
    },
    AlreadyIncluded,
    /// The file includes pythoncapi_compat.h, which provides the names too; adding ours could
    /// clash with it, so nothing is added.
    PythoncapiCompat,
    /// The file does not include Python.h itself: the user has to include the header.
    NoPythonH,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgraded {
    pub text: String,
    pub changes: Vec<Change>,
    /// Set when a change introduced a name of our header.
    pub header: Option<HeaderAction>,
    /// Rules not applied to this file, and why.
    pub skipped: Vec<String>,
}

/// The header's file name as the inserted `#include` spells it.
pub const HEADER_INCLUDE: &str = "#include \"capi_compat.h\"";

const MAX_ROUNDS: usize = 8;

/// The rules applied until nothing matches, without touching includes.
pub fn apply_rules(rules: &[Rule], source: &str) -> Upgraded {
    let mut text = source.to_string();
    let mut changes = Vec::new();
    let mut skipped = Vec::new();
    let defined = defined_names(source, &streams(source));
    let active: Vec<&Rule> = rules
        .iter()
        .filter(|rule| {
            let calls = rule.rewrites.iter().any(|rw| rw.from.shape == Shape::Call);
            // A shim of its own for the old name: the rewrite would bypass it.
            if calls && defined.contains(&rule.replaces) {
                skipped.push(format!(
                    "{}: not applied: the file defines or declares `{}` itself",
                    rule.name, rule.replaces
                ));
                return false;
            }
            // A compatibility layer defining the new name, typically with the old one
            // (`static inline int PyLong_AsInt(PyObject *o) { return _PyLong_AsInt(o); }`):
            // rewriting would make the definition call itself.
            if defined.contains(&rule.uses) {
                skipped.push(format!(
                    "{}: not applied: the file defines or declares `{}` itself (a compatibility layer)",
                    rule.name, rule.uses
                ));
                return false;
            }
            true
        })
        .collect();
    for _ in 0..MAX_ROUNDS {
        let code = streams(&text);
        let mut edits: Vec<(usize, usize, String, Change)> = Vec::new();
        for rule in &active {
            for rw in &rule.rewrites {
                for stream in &code {
                    for m in find_all(stream, &rw.from, &rule.conditions) {
                        let (start, replacement) = match renamed(rw) {
                            // A call renamed: only its name changes, the arguments keep their
                            // layout to the byte.
                            Some(name) => (m.start, name.to_string()),
                            None => {
                                let binding = |name: &str| {
                                    m.bindings
                                        .iter()
                                        .find(|(n, _, _)| n == name)
                                        .map(|(_, s, e)| text[*s..*e].trim().to_string())
                                        .unwrap_or_default()
                                };
                                (m.start, substitute(&rw.to, binding))
                            }
                        };
                        let end = if renamed(rw).is_some() { m.start + m.name_len } else { m.end };
                        let change = Change {
                            rule: rule.name.clone(),
                            line: m.line,
                            column: m.column,
                            before: text[m.start..m.end].to_string(),
                            after: format!("{replacement}{}", &text[end..m.end]),
                        };
                        let after = replacement;
                        edits.push((start, end, after, change));
                    }
                }
            }
        }
        if edits.is_empty() {
            break;
        }
        // Left to right, the first (then the longest) of overlapping matches wins; the others
        // are found again in the next round, on the rewritten text.
        edits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut kept: Vec<(usize, usize, String, Change)> = Vec::new();
        for edit in edits {
            if kept.last().is_none_or(|k| edit.0 >= k.1) {
                kept.push(edit);
            }
        }
        for (start, end, after, _) in kept.iter().rev() {
            text.replace_range(*start..*end, after);
        }
        changes.extend(kept.into_iter().map(|k| k.3));
    }
    Upgraded { text, changes, header: None, skipped }
}

/// The new name when `to` is `from` with its first name changed and nothing else
/// (`_PyLong_AsInt($x)` → `PyLong_AsInt($x)`).
fn renamed(rw: &super::rules::Rewrite) -> Option<&str> {
    let to = super::pattern::lex(&rw.to).ok()?;
    match (rw.from.pieces.first(), to.first()) {
        (Some(Piece::Token(_)), Some(Piece::Token(_))) if rw.from.pieces[1..] == to[1..] => {
            rw.to.trim_start().split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next()
        }
        _ => None,
    }
}

/// The rules applied, and our header included where the new code needs it.
pub fn upgrade(rules: &[Rule], source: &str) -> Upgraded {
    let mut upgraded = apply_rules(rules, source);
    let needs_header =
        upgraded.changes.iter().any(|c| rules.iter().any(|r| r.name == c.rule && r.needs_header));
    if needs_header {
        let (action, text) = include_header(&upgraded.text);
        upgraded.header = Some(action);
        upgraded.text = text;
    }
    upgraded
}

/// The file's active `#include`s: (header name as written, the directive's end, its line).
fn includes(source: &str) -> Vec<(String, usize, u32)> {
    let mut found = Vec::new();
    for directive in tokenize(source).iter().filter(|t| t.kind == TokenKind::Directive && t.active) {
        let inner = directive_tokens(source, directive);
        let words: Vec<String> = inner
            .iter()
            .filter(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment))
            .map(|t| t.spelling(source).into_owned())
            .collect();
        if words.get(1).map(String::as_str) == Some("include") {
            if let Some(target) = words.get(2) {
                let name = target.trim_matches(|c| c == '"' || c == '<' || c == '>').to_string();
                found.push((name, directive.end, directive.line));
            }
        }
    }
    found
}

fn include_header(text: &str) -> (HeaderAction, String) {
    let found = includes(text);
    let base = |name: &str| name.rsplit('/').next().unwrap_or(name).to_string();
    if found.iter().any(|(name, _, _)| base(name) == "capi_compat.h") {
        return (HeaderAction::AlreadyIncluded, text.to_string());
    }
    if found.iter().any(|(name, _, _)| base(name) == "pythoncapi_compat.h") {
        return (HeaderAction::PythoncapiCompat, text.to_string());
    }
    let Some((_, end, line)) = found.iter().find(|(name, _, _)| name == "Python.h") else {
        return (HeaderAction::NoPythonH, text.to_string());
    };
    let eol = if text[*end..].starts_with("\r\n") { "\r\n" } else { "\n" };
    let mut out = text.to_string();
    out.insert_str(*end, &format!("{eol}{HEADER_INCLUDE}"));
    (HeaderAction::Inserted { after_line: *line }, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_matches_reach_the_fixed_point_in_one_run() {
        let rules = crate::upgrade::load_rules(None).unwrap();
        let source = "void f(PyObject *o, PyObject *x) {\n    Py_SIZE(o) = _PyLong_AsInt(x) == 1;\n}\n";
        let once = apply_rules(&rules, source);
        assert_eq!(
            once.text,
            "void f(PyObject *o, PyObject *x) {\n    Py_SET_SIZE(o, PyLong_AsInt(x) == 1);\n}\n"
        );
        assert_eq!(once.changes.len(), 2);
        assert_eq!(apply_rules(&rules, &once.text).text, once.text);
    }

    #[test]
    fn the_header_goes_after_python_h_with_the_files_line_ending() {
        let (action, text) = include_header("#include <stdio.h>\r\n#include <Python.h>\r\nint x;\r\n");
        assert_eq!(action, HeaderAction::Inserted { after_line: 2 });
        assert_eq!(
            text,
            "#include <stdio.h>\r\n#include <Python.h>\r\n#include \"capi_compat.h\"\r\nint x;\r\n"
        );
        assert_eq!(
            include_header("#include \"Python.h\"\n#include \"ext/capi_compat.h\"\n").0,
            HeaderAction::AlreadyIncluded
        );
        assert_eq!(
            include_header("#include <Python.h>\n#include \"pythoncapi_compat.h\"\n").0,
            HeaderAction::PythoncapiCompat
        );
        assert_eq!(include_header("#include \"mod.h\"\n").0, HeaderAction::NoPythonH);
        // An include in disabled code does not count.
        let (action, _) = include_header("#if 0\n#include <Python.h>\n#endif\n");
        assert_eq!(action, HeaderAction::NoPythonH);
    }
}
