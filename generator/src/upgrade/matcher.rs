//! Finding a `from` pattern in a stream of code tokens, where the replacement means exactly
//! what the matched code meant.
//!
//! Placeholders between two tokens of the pattern take a balanced run of tokens (brackets
//! paired, no top-level `,` or `;` unless the pattern puts one there), so arguments may span
//! lines, nest calls, or hold a whole expression. A comparison's operand (`$x` in
//! `$x == Py_None`) is a postfix expression: a name with any `->m`, `.m`, `[…]`, `(…)` after
//! it, or a parenthesised expression. Then the match must be a whole expression of its level:
//! - a call: not a member (`s->f(…)`, `s.f(…)`, `N::f(…)`), not a declaration (`int f(…)`;
//!   at file scope only after `=`, `(`, `,`);
//! - a comparison: the tokens on both sides bind less tightly than `==` (`(`, `,`, `;`, `&&`,
//!   `||`, `?`, `:`, `=`, `return`, `|`, `^`, …), and not `==`/`!=` on its left (those group
//!   left to right), so `a + x == Py_None` and `!x == Py_None` are left alone;
//! - statements: they start a statement (after `;`, `{`, `}`, and for a single statement also
//!   after `)` of `if (…)`, `else`, `do`); several statements only where no `if`/`else` can
//!   govern the first alone (after `;`, `{`, `}`).
//!
//! A match never swallows a comment, a directive or disabled code, except inside the code of a
//! placeholder that the replacement copies once.

use super::code::{CodeToken, Stream};
use super::pattern::{Pattern, Piece, Shape};
use crate::scan::tokenize::TokenKind;

/// One place the pattern matched: the bytes to replace, and each placeholder's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub column: u32,
    /// Placeholder name → byte range of its code (first occurrence).
    pub bindings: Vec<(String, usize, usize)>,
    /// Length in bytes of the first token (a call's name, as written: splices included).
    pub name_len: usize,
}

/// What a rule asks of the code around and inside a match, besides the pattern.
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    /// Placeholders that must be a plain name or a member chain (`o`, `self->x`, `a.b`):
    /// evaluated twice by the old code, once by the new, so they must have no side effects.
    pub simple: Vec<String>,
    /// The match must be in the body of a function returning `PyObject *`.
    pub in_pyobject_function: bool,
}

const KEYWORDS_BEFORE_EXPRESSION: &[&str] = &["return", "case", "else", "do"];

/// Tokens that bind less tightly than `==` on its left (so the comparison is a whole operand).
const BEFORE_COMPARISON: &[&str] = &[
    "(", "[", "{", "}", ",", ";", "&&", "||", "?", ":", "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "<<=", ">>=", "|", "^", "return",
];
/// Tokens that bind less tightly than `==` on its right (or group it to the left: `==`, `!=`).
const AFTER_COMPARISON: &[&str] = &[")", "]", "}", ",", ";", "&&", "||", "?", ":", "==", "!=", "&", "|", "^"];

/// Every match of `pattern` in the stream, left to right, not overlapping.
pub fn find_all(stream: &Stream, pattern: &Pattern, conditions: &Conditions) -> Vec<Match> {
    let mut found = Vec::new();
    let anchor = pattern.pieces.iter().position(|p| matches!(p, Piece::Token(_))).unwrap_or(0);
    let mut next_free = 0usize;
    for i in 0..stream.tokens.len() {
        let Some(m) = match_at(stream, pattern, conditions, anchor, i) else { continue };
        if m.0 < next_free {
            continue;
        }
        next_free = m.1 + 1;
        found.push(m.2);
    }
    found
}

/// A match whose anchor token (the pattern's first fixed token) is stream token `i`:
/// (first token, last token, the match).
fn match_at(
    stream: &Stream,
    pattern: &Pattern,
    conditions: &Conditions,
    anchor: usize,
    i: usize,
) -> Option<(usize, usize, Match)> {
    let pieces = &pattern.pieces;
    // Each placeholder's first occurrence: name, first and last token, and the bytes it copies.
    let mut bound: Vec<Bound> = Vec::new();
    let mut first = i;
    if anchor == 1 {
        // `$x == K`: the operand ends just before the anchor.
        let Piece::Hole(name) = &pieces[0] else { return None };
        let start = operand_before(stream, i.checked_sub(1)?)?;
        let bytes = (stream.tokens[start].start, stream.tokens[i - 1].end);
        bound.push(Bound { name: name.clone(), first: start, last: i - 1, bytes, gaps: (start, i - 1) });
        first = start;
    }
    let mut pos = i;
    let mut k = anchor;
    while k < pieces.len() {
        match &pieces[k] {
            Piece::Token(t) => {
                if stream.text(pos) != t || !same_kind(&stream.tokens[pos], t) {
                    return None;
                }
                pos += 1;
            }
            Piece::Hole(name) => {
                // Between two fixed tokens the placeholder copies everything between them
                // (spacing, comments); at the pattern's end, its tokens only.
                let (start, end, bytes, gaps) = match pieces.get(k + 1) {
                    Some(Piece::Token(stop)) => {
                        let end = run_until(stream, pos, stop)?;
                        let bytes = (stream.tokens[pos - 1].end, stream.tokens[end + 1].start);
                        (pos, end, bytes, (pos - 1, end + 1))
                    }
                    _ => {
                        let end = operand_after(stream, pos)?;
                        (pos, end, (stream.tokens[pos].start, stream.tokens[end].end), (pos, end))
                    }
                };
                if let Some(b) = bound.iter().find(|b| &b.name == name) {
                    if !same_code(stream, (b.first, b.last), (start, end)) {
                        return None;
                    }
                } else {
                    bound.push(Bound { name: name.clone(), first: start, last: end, bytes, gaps });
                }
                pos = end + 1;
            }
        }
        k += 1;
        if pos > stream.tokens.len() || (k < pieces.len() && pos == stream.tokens.len()) {
            return None;
        }
    }
    let last = pos - 1;
    if !context_fits(stream, pattern.shape, first, last) {
        return None;
    }
    for name in &conditions.simple {
        if let Some(b) = bound.iter().find(|b| &b.name == name) {
            if !is_member_chain(stream, b.first, b.last) {
                return None;
            }
        }
    }
    if conditions.in_pyobject_function && !stream.tokens[first].in_pyobject_function {
        return None;
    }
    // Nothing but whitespace may be dropped: gaps are allowed only inside a first binding.
    let inside_binding = |g: usize| bound.iter().any(|b| b.gaps.0 <= g && g < b.gaps.1);
    if (first..last).any(|g| !stream.clean_after[g] && !inside_binding(g)) {
        return None;
    }
    let tok = |j: usize| &stream.tokens[j];
    let m = Match {
        start: tok(first).start,
        end: tok(last).end,
        line: tok(first).line,
        column: tok(first).column,
        bindings: bound.into_iter().map(|b| (b.name, b.bytes.0, b.bytes.1)).collect(),
        name_len: tok(first).end - tok(first).start,
    };
    Some((first, last, m))
}

struct Bound {
    name: String,
    first: usize,
    last: usize,
    /// The bytes the replacement copies.
    bytes: (usize, usize),
    /// Gaps after tokens `gaps.0 .. gaps.1` lie inside those bytes (comments there are kept).
    gaps: (usize, usize),
}

/// A pattern's identifier matches only an identifier token, a punctuator only a punctuator.
fn same_kind(token: &CodeToken, text: &str) -> bool {
    let identifier = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    match token.kind {
        TokenKind::Identifier => identifier,
        TokenKind::Punct => !identifier && !text.starts_with(|c: char| c.is_ascii_digit()),
        TokenKind::Number => text.starts_with(|c: char| c.is_ascii_digit()),
        _ => false,
    }
}

fn same_code(stream: &Stream, a: (usize, usize), b: (usize, usize)) -> bool {
    a.1 - a.0 == b.1 - b.0 && (0..=a.1 - a.0).all(|d| stream.text(a.0 + d) == stream.text(b.0 + d))
}

/// The last token of a non-empty balanced run from `start` that is followed by `stop` at the
/// run's own level; `None` at a top-level `,` or `;` the pattern does not expect there, or at
/// a closing bracket of the surroundings.
fn run_until(stream: &Stream, start: usize, stop: &str) -> Option<usize> {
    let mut j = start;
    while j < stream.tokens.len() {
        let t = stream.text(j);
        if t == stop && j > start && stream.tokens[j].kind == TokenKind::Punct {
            return Some(j - 1);
        }
        match t {
            "(" | "[" | "{" if stream.tokens[j].kind == TokenKind::Punct => j = stream.partner[j]? + 1,
            ")" | "]" | "}" | "," | ";" if stream.tokens[j].kind == TokenKind::Punct => return None,
            _ => j += 1,
        }
    }
    None
}

fn is_name(token: &CodeToken) -> bool {
    token.kind == TokenKind::Identifier && !is_keyword(&token.text)
}

fn is_keyword(text: &str) -> bool {
    matches!(
        text,
        "return"
            | "if"
            | "else"
            | "while"
            | "for"
            | "do"
            | "switch"
            | "case"
            | "default"
            | "sizeof"
            | "goto"
            | "break"
            | "continue"
            | "typedef"
            | "struct"
            | "union"
            | "enum"
            | "const"
            | "volatile"
            | "static"
            | "extern"
            | "new"
            | "delete"
            | "throw"
            | "alignof"
            | "_Alignof"
            | "typeof"
            | "decltype"
    )
}

/// The first token of the postfix expression ending at `end` (`a`, `a->b[i]`, `f(x).y`, `(e)`).
fn operand_before(stream: &Stream, end: usize) -> Option<usize> {
    let mut j = end;
    loop {
        let t = &stream.tokens[j];
        if t.kind == TokenKind::Punct && (t.text == ")" || t.text == "]") {
            let open = stream.partner[j]?;
            let before = open.checked_sub(1);
            match before.map(|b| &stream.tokens[b]) {
                // A call or an index continues the expression to the left.
                Some(b) if is_name(b) || (b.kind == TokenKind::Punct && (b.text == ")" || b.text == "]")) => {
                    j = open - 1
                }
                _ if t.text == ")" => return Some(open),
                _ => return None,
            }
        } else if is_name(t) {
            match j.checked_sub(1).map(|b| stream.text(b)) {
                Some("->" | ".") if j >= 2 => j -= 2,
                _ => return Some(j),
            }
        } else {
            return None;
        }
    }
}

/// The last token of the postfix expression starting at `start`.
fn operand_after(stream: &Stream, start: usize) -> Option<usize> {
    let first = stream.tokens.get(start)?;
    let mut j = if is_name(first) {
        start + 1
    } else if first.kind == TokenKind::Punct && first.text == "(" {
        stream.partner[start]? + 1
    } else {
        return None;
    };
    while j < stream.tokens.len() {
        match stream.text(j) {
            "(" | "[" if stream.tokens[j].kind == TokenKind::Punct => j = stream.partner[j]? + 1,
            "->" | "." if stream.tokens.get(j + 1).is_some_and(is_name) => j += 2,
            _ => break,
        }
    }
    Some(j - 1)
}

/// `o`, `self->x`, `a.b->c`: names and member accesses only.
fn is_member_chain(stream: &Stream, start: usize, end: usize) -> bool {
    (start..=end).all(|j| {
        let even = (j - start).is_multiple_of(2);
        if even {
            is_name(&stream.tokens[j])
        } else {
            matches!(stream.text(j), "->" | ".")
        }
    }) && (end - start).is_multiple_of(2)
}

/// Whether the matched tokens `first..=last` stand where the replacement means the same.
fn context_fits(stream: &Stream, shape: Shape, first: usize, last: usize) -> bool {
    let before = first.checked_sub(1).map(|b| &stream.tokens[b]);
    let after = stream.tokens.get(last + 1);
    match shape {
        Shape::Call => {
            let Some(b) = before else { return true };
            if matches!(b.text.as_str(), "." | "->" | "::") {
                return false;
            }
            if b.kind == TokenKind::Identifier && !KEYWORDS_BEFORE_EXPRESSION.contains(&b.text.as_str()) {
                return false; // a declaration: `int _PyLong_AsInt(PyObject *)`
            }
            if !stream.macro_body && stream.tokens[first].depth == 0 {
                return matches!(b.text.as_str(), "=" | "(" | ",");
            }
            true
        }
        Shape::Equality => {
            let left_ok = match before {
                None => stream.macro_body,
                Some(b) => BEFORE_COMPARISON.contains(&b.text.as_str()),
            };
            let right_ok = match after {
                None => stream.macro_body,
                Some(a) => AFTER_COMPARISON.contains(&a.text.as_str()),
            };
            left_ok && right_ok
        }
        Shape::Statements(n) => match before.map(|t| t.text.as_str()) {
            None => stream.macro_body || first == 0,
            Some(";" | "{" | "}") => true,
            Some(")" | "else" | "do") if n == 1 => {
                let b = first - 1;
                stream.text(b) != ")"
                    || stream.partner[b]
                        .and_then(|open| open.checked_sub(1))
                        .is_some_and(|k| matches!(stream.text(k), "if" | "while" | "for" | "switch"))
            }
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::code::streams;
    use super::super::pattern::parse_from;
    use super::*;

    fn replaced(source: &str, from: &str, conditions: &Conditions) -> Vec<String> {
        let pattern = parse_from(from).unwrap();
        streams(source)
            .iter()
            .flat_map(|s| find_all(s, &pattern, conditions))
            .map(|m| source[m.start..m.end].to_string())
            .collect()
    }

    fn none() -> Conditions {
        Conditions::default()
    }

    #[test]
    fn calls_take_balanced_arguments_over_lines() {
        let src = "int f(PyObject *o) { return _PyLong_AsInt(g(o, 1)) + _PyLong_AsInt(\n  o);\n}";
        assert_eq!(
            replaced(src, "_PyLong_AsInt($x)", &none()),
            ["_PyLong_AsInt(g(o, 1))", "_PyLong_AsInt(\n  o)"]
        );
    }

    #[test]
    fn calls_are_not_declarations_or_members() {
        let src = "int _PyLong_AsInt(PyObject *);\nvoid f(S *s) { s->_PyLong_AsInt(x); s._PyLong_AsInt(x); }";
        assert!(replaced(src, "_PyLong_AsInt($x)", &none()).is_empty());
    }

    #[test]
    fn comparisons_only_where_they_are_whole_operands() {
        let src = "void f(void) { if (x == Py_None) a; b = Py_None != y->z; c = a + x == Py_None; \
                   d = !x == Py_None; e = (p) == Py_None && q; g = Py_None == x + 1; h = w == x == Py_None; }";
        let found = replaced(src, "$x == Py_None", &none());
        assert_eq!(found, ["x == Py_None", "(p) == Py_None"]);
        assert_eq!(replaced(src, "Py_None != $x", &none()), ["Py_None != y->z"]);
        assert!(replaced(src, "Py_None == $x", &none()).is_empty());
    }

    #[test]
    fn comparisons_tolerate_any_spacing() {
        let src = "void f(void) { a(x==Py_None); a(x  ==\n Py_None); a(x/**/== Py_None); }";
        assert_eq!(replaced(src, "$x == Py_None", &none()), ["x==Py_None", "x  ==\n Py_None"]);
    }

    #[test]
    fn statements_start_statements_and_keep_if_bodies_whole() {
        let conditions = Conditions { simple: vec!["o".into()], in_pyobject_function: true };
        let src = "static PyObject *f(PyObject *o) {\n if (c) Py_INCREF(o); return o;\n}\n\
                   static PyObject *g(PyObject *o) {\n Py_INCREF(o);\n return o;\n}\n\
                   static int h(PyObject *o) { Py_INCREF(o); return o; }\n\
                   static PyObject *k(PyObject *o) { Py_INCREF(o); return p; Py_INCREF(f(o)); return f(o); }";
        assert_eq!(replaced(src, "Py_INCREF($o); return $o;", &conditions), ["Py_INCREF(o);\n return o;"]);
        let single = "void f(void) { if (c) Py_TYPE(o) = t; x = Py_TYPE(o) = t; Py_TYPE(o) = a, b; }";
        assert_eq!(replaced(single, "Py_TYPE($o) = $t;", &none()), ["Py_TYPE(o) = t;"]);
    }

    #[test]
    fn a_comment_inside_fixed_tokens_stops_a_match_but_not_inside_a_copied_argument() {
        let src = "void f(void) { a = _PyLong_AsInt(/* keep */ x); b = _PyLong_AsInt /* here */ (y); }";
        assert_eq!(replaced(src, "_PyLong_AsInt($x)", &none()), ["_PyLong_AsInt(/* keep */ x)"]);
    }
}
