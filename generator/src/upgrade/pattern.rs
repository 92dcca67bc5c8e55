//! A rule's `from` and `to` patterns: C tokens with `$name` placeholders. `from` is read into
//! pieces the matcher walks; its shape (a call, a comparison, statements) decides which
//! contexts a match may stand in, so that the replacement means the same there.

use std::fmt;

/// One piece of a `from` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A C token that must appear as written (an identifier, a number, a punctuator).
    Token(String),
    /// `$name`: a piece of the user's code, copied into the replacement as written.
    Hole(String),
}

/// What kind of code a pattern stands for; it decides the contexts a match is accepted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `NAME(…)`: a call, replaced by another call (same precedence, anywhere an expression is).
    Call,
    /// `$x == K`, `K != $x`, …: an equality expression, replaced by a call or `!call` where the
    /// comparison is a whole operand (nothing around it binds tighter than `==`).
    Equality,
    /// One or more statements ending in `;`, replaced by statements; the number of statements.
    Statements(usize),
}

/// A `from` pattern ready for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub pieces: Vec<Piece>,
    pub shape: Shape,
}

/// Why a pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(pub String);

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Punctuators of more than one character, longest first (maximal munch, as C lexes).
const LONG_PUNCTUATORS: &[&str] = &[
    "<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=", "%=",
    "+=", "-=", "&=", "^=", "|=", "::", "##",
];

/// Splits a pattern into tokens: identifiers, numbers, punctuators and `$name` holes.
pub fn lex(text: &str) -> Result<Vec<Piece>, PatternError> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut i = 0;
    let word_end = |mut j: usize| {
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        j
    };
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
        } else if b == b'$' {
            let end = word_end(i + 1);
            if end == i + 1 || bytes[i + 1].is_ascii_digit() {
                return Err(PatternError(format!("`$` at byte {i} is not followed by a placeholder name")));
            }
            pieces.push(Piece::Hole(text[i + 1..end].to_string()));
            i = end;
        } else if b.is_ascii_alphanumeric() || b == b'_' {
            let end = word_end(i);
            pieces.push(Piece::Token(text[i..end].to_string()));
            i = end;
        } else if b"\"'/\\#".contains(&b) {
            return Err(PatternError(format!(
                "`{}` in a pattern: patterns hold code tokens only (no literals, comments or directives)",
                b as char
            )));
        } else if b.is_ascii_punctuation() {
            let long = LONG_PUNCTUATORS.iter().find(|p| text[i..].starts_with(**p));
            let len = long.map_or(1, |p| p.len());
            pieces.push(Piece::Token(text[i..i + len].to_string()));
            i += len;
        } else {
            return Err(PatternError(format!("unexpected character `{}` in a pattern", &text[i..])));
        }
    }
    Ok(pieces)
}

fn is_token(piece: Option<&Piece>, text: &str) -> bool {
    matches!(piece, Some(Piece::Token(t)) if t == text)
}

fn is_identifier(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
}

/// Nesting depth of round and square brackets before each piece; an error when unbalanced.
fn depths(pieces: &[Piece]) -> Result<Vec<usize>, PatternError> {
    let mut depth = 0usize;
    let mut out = Vec::with_capacity(pieces.len());
    for piece in pieces {
        if let Piece::Token(t) = piece {
            if t == ")" || t == "]" {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| PatternError(format!("unbalanced `{t}` in the pattern")))?;
            }
        }
        out.push(depth);
        if let Piece::Token(t) = piece {
            if t == "(" || t == "[" {
                depth += 1;
            }
        }
    }
    if depth != 0 {
        return Err(PatternError("unbalanced brackets in the pattern".into()));
    }
    Ok(out)
}

/// Reads and checks a `from` pattern.
pub fn parse_from(text: &str) -> Result<Pattern, PatternError> {
    let pieces = lex(text)?;
    let depth = depths(&pieces)?;
    if !pieces.iter().any(|p| matches!(p, Piece::Token(t) if is_identifier(t))) {
        return Err(PatternError("a pattern needs at least one name to look for".into()));
    }
    let top_equality = (0..pieces.len())
        .filter(|&i| depth[i] == 0 && (is_token(pieces.get(i), "==") || is_token(pieces.get(i), "!=")));
    let equality: Vec<usize> = top_equality.collect();
    let shape = if is_token(pieces.last(), ";") {
        let statements = (0..pieces.len()).filter(|&i| depth[i] == 0 && is_token(pieces.get(i), ";")).count();
        Shape::Statements(statements)
    } else if let [op] = equality.as_slice() {
        if *op != 1 && *op + 2 != pieces.len() {
            return Err(PatternError(
                "a comparison pattern compares one placeholder with one name: `$x == Py_None` or `Py_None != $x`"
                    .into(),
            ));
        }
        Shape::Equality
    } else if equality.is_empty()
        && matches!(pieces.first(), Some(Piece::Token(t)) if is_identifier(t))
        && is_token(pieces.get(1), "(")
        && is_token(pieces.last(), ")")
        && depth[2..pieces.len() - 1].iter().all(|d| *d >= 1)
    {
        Shape::Call
    } else {
        return Err(PatternError(
            "unsupported pattern: write a call `NAME($a, $b)`, a comparison `$x == NAME`, or statements ending in `;`"
                .into(),
        ));
    };
    for (i, piece) in pieces.iter().enumerate() {
        let Piece::Hole(name) = piece else { continue };
        let at_edge = i == 0 || i + 1 == pieces.len();
        if at_edge && shape != Shape::Equality {
            return Err(PatternError(format!(
                "`${name}` at the pattern's edge: only a comparison's operand may stand there"
            )));
        }
        if let Some(Piece::Hole(next)) = pieces.get(i + 1) {
            return Err(PatternError(format!(
                "`${name}` followed by `${next}`: put a token between placeholders"
            )));
        }
    }
    Ok(Pattern { pieces, shape })
}

/// The placeholder names a pattern text uses, in order of first use.
pub fn holes(text: &str) -> Result<Vec<String>, PatternError> {
    let mut names = Vec::new();
    for piece in lex(text)? {
        if let Piece::Hole(name) = piece {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    Ok(names)
}

/// Checks a `to` pattern against its `from`: the same kind of code, and no placeholder that
/// `from` does not bind.
pub fn check_to(from: &Pattern, to: &str) -> Result<(), PatternError> {
    let pieces = lex(to)?;
    depths(&pieces)?;
    let bound: Vec<&String> =
        from.pieces.iter().filter_map(|p| if let Piece::Hole(n) = p { Some(n) } else { None }).collect();
    for piece in &pieces {
        if let Piece::Hole(name) = piece {
            if !bound.contains(&name) {
                return Err(PatternError(format!("`${name}` is not bound by the `from` pattern")));
            }
        }
    }
    let call_at = |start: usize| {
        matches!(pieces.get(start), Some(Piece::Token(t)) if is_identifier(t))
            && is_token(pieces.get(start + 1), "(")
            && is_token(pieces.last(), ")")
            && depths(&pieces[start + 2..pieces.len() - 1]).is_ok()
    };
    let fits = match from.shape {
        Shape::Call => call_at(0),
        // A comparison becomes a call or its negation: both bind tighter than `==`.
        Shape::Equality => call_at(0) || (is_token(pieces.first(), "!") && call_at(1)),
        Shape::Statements(_) => is_token(pieces.last(), ";"),
    };
    if !fits {
        let want = match from.shape {
            Shape::Call => "a call `NAME(…)`",
            Shape::Equality => "a call `NAME(…)` or its negation `!NAME(…)`",
            Shape::Statements(_) => "statements ending in `;`",
        };
        return Err(PatternError(format!("`to` must be {want}, as `from` is")));
    }
    Ok(())
}

/// The replacement: `to` with each `$name` replaced by the code it was bound to.
pub fn substitute(to: &str, binding: impl Fn(&str) -> String) -> String {
    let bytes = to.as_bytes();
    let mut out = String::with_capacity(to.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let mut end = i + 1;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            out.push_str(&binding(&to[i + 1..end]));
            i = end;
        } else {
            let next = to[i..].find('$').map_or(to.len(), |n| i + n);
            out.push_str(&to[i..next]);
            i = next;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(t: &str) -> Piece {
        Piece::Token(t.into())
    }

    #[test]
    fn shapes_are_told_from_the_tokens() {
        let call = parse_from("_PyLong_AsInt($x)").unwrap();
        assert_eq!(call.shape, Shape::Call);
        assert_eq!(call.pieces, vec![tok("_PyLong_AsInt"), tok("("), Piece::Hole("x".into()), tok(")")]);
        assert_eq!(parse_from("$x==Py_None").unwrap().shape, Shape::Equality);
        assert_eq!(parse_from("Py_None != $x").unwrap().shape, Shape::Equality);
        assert_eq!(parse_from("Py_INCREF($o); return $o;").unwrap().shape, Shape::Statements(2));
        assert_eq!(parse_from("Py_TYPE($o) = $t;").unwrap().shape, Shape::Statements(1));
    }

    #[test]
    fn bad_patterns_say_why() {
        assert!(parse_from("f + $x").unwrap_err().0.contains("unsupported"));
        assert!(parse_from("f($x").unwrap_err().0.contains("unbalanced"));
        assert!(parse_from("f(\"a\")").unwrap_err().0.contains("literals"));
        assert!(parse_from("f($a $b)").unwrap_err().0.contains("between placeholders"));
        assert!(parse_from("$a = f(x);").unwrap_err().0.contains("edge"));
        let from = parse_from("_PyLong_AsInt($x)").unwrap();
        assert!(check_to(&from, "PyLong_AsInt($y)").unwrap_err().0.contains("not bound"));
        assert!(check_to(&from, "x;").unwrap_err().0.contains("a call"));
        assert!(check_to(&parse_from("$x != Py_None").unwrap(), "!Py_IsNone($x)").is_ok());
    }

    #[test]
    fn substitution_keeps_the_template_and_the_bound_code() {
        let out =
            substitute("Py_SET_TYPE($o, $t);", |n| if n == "o" { "self->x".into() } else { "&T".into() });
        assert_eq!(out, "Py_SET_TYPE(self->x, &T);");
    }
}
