//! Which CPython versions compile a use: the `PY_VERSION_HEX` (and `PY_MINOR_VERSION`) checks
//! of the `#if`s around it. `#if PY_VERSION_HEX < 0x030D0000` around `_PyLong_AsInt` means the
//! use never meets a CPython without it, so `scan --check` does not fail for it.
//!
//! Only what is certain narrows a range. What a branch is known to need is kept for CPython
//! and for PyPy apart (each: never, or a version range), so `#if PY_VERSION_HEX < 0x030D0000 ||
//! defined(PYPY_VERSION)` keeps CPython below 3.13 and leaves PyPy unbounded. `&&` intersects
//! (a term that says nothing leaves the others); `||` takes, per implementation, the smallest
//! range holding every alternative (a gap between them is not kept, which errs towards
//! reporting); `!`, `#else` and `#elif` use what is known where the condition is false: the
//! complement of a one-sided comparison, and De Morgan's laws for `&&` and `||`. Anything else
//! (`?:`, macros the scan cannot expand, a comparison with two bounds negated) narrows nothing.

use super::tokenize::{directive_tokens, tokenize, used_in_directive, Token, TokenKind};

/// `PY_VERSION_HEX` values a piece of code is compiled for: `from <= hex < below`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionRange {
    pub from: Option<u32>,
    pub below: Option<u32>,
}

impl VersionRange {
    /// The smallest range holding both (a gap between them is included).
    fn hull(self, other: VersionRange) -> VersionRange {
        VersionRange {
            from: self.from.zip(other.from).map(|(a, b)| a.min(b)),
            below: self.below.zip(other.below).map(|(a, b)| a.max(b)),
        }
    }

    fn intersect(self, other: VersionRange) -> VersionRange {
        VersionRange {
            from: match (self.from, other.from) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            below: match (self.below, other.below) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }

    /// The complement, when it is a range (one bound).
    fn negation(self) -> Option<VersionRange> {
        match (self.from, self.below) {
            (Some(from), None) => Some(VersionRange { from: None, below: Some(from) }),
            (None, Some(below)) => Some(VersionRange { from: Some(below), below: None }),
            _ => None,
        }
    }

    /// Is code in this range compiled on the final release of the version with this hex, or
    /// a later one? (A guard `< 0x030D00A1` or `< 0x030D0000` both keep code off 3.13.)
    pub fn includes_from(&self, version_hex: u32) -> bool {
        let final_release = (version_hex & 0xFFFF_0000) | 0xF0;
        self.below.is_none_or(|b| b > final_release)
    }

    /// The range without bounds that exclude nothing from `oldest` … `newest` (`PY_VERSION_HEX`
    /// of the oldest and newest series reported on): `>= 3.9` says nothing to a 3.10 floor.
    pub fn within(&self, oldest: u32, newest: u32) -> VersionRange {
        VersionRange {
            from: self.from.filter(|f| *f > oldest),
            below: self.below.filter(|b| *b <= (newest | 0xF0)),
        }
    }

    /// `< 3.13`, `>= 3.12`, `>= 3.11 and < 3.13`; `None` when unbounded.
    pub fn describe(&self) -> Option<String> {
        match (self.from, self.below) {
            (None, None) => None,
            (Some(f), None) => Some(format!(">= {}", hex_version(f))),
            (None, Some(b)) => Some(format!("< {}", hex_version(b))),
            (Some(f), Some(b)) => Some(format!(">= {} and < {}", hex_version(f), hex_version(b))),
        }
    }
}

/// `0x030D0000` → `3.13`, `0x030D00A1` → `3.13.0a1`, `0x030C04F0` → `3.12.4`.
pub fn hex_version(hex: u32) -> String {
    let (major, minor, micro) = (hex >> 24, (hex >> 16) & 0xFF, (hex >> 8) & 0xFF);
    let (level, serial) = ((hex >> 4) & 0xF, hex & 0xF);
    let mut text = format!("{major}.{minor}");
    if micro != 0 || (level != 0 && level != 0xF) || serial != 0 {
        text.push_str(&format!(".{micro}"));
    }
    match level {
        0xA => text.push_str(&format!("a{serial}")),
        0xB => text.push_str(&format!("b{serial}")),
        0xC => text.push_str(&format!("rc{serial}")),
        _ => {}
    }
    text
}

/// A name used in active code, where, and the versions that compile it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardedName {
    pub name: String,
    pub line: u32,
    pub column: u32,
    /// The CPython versions that compile it (the PyPy ones when `only_pypy`).
    pub range: VersionRange,
    /// The `PY_VERSION_HEX` values of PyPy that compile it (meaningless when `not_on_pypy`).
    pub pypy_range: VersionRange,
    /// Macros the code is compiled only where defined (`#ifdef X`, `#if defined(X) && …`).
    pub where_defined: Vec<String>,
    /// Never compiled on PyPy (`#ifndef PYPY_VERSION`, `#ifdef Py_GIL_DISABLED`).
    pub not_on_pypy: bool,
    /// Compiled only on PyPy (`#ifdef PYPY_VERSION`, Cython's `#if CYTHON_COMPILING_IN_PYPY`).
    pub only_pypy: bool,
    /// The name is only tested for (`#ifdef X`, `defined(X)`), not used.
    pub feature_test: bool,
    /// The use is in the body of this `#define`d macro: compiled only where the macro is used.
    pub in_macro: Option<String>,
}

/// What a branch's conditions guarantee about where it is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Facts {
    /// The CPython versions that may compile it; `None`: no CPython does.
    cpython: Option<VersionRange>,
    /// The PyPy versions that may compile it; `None`: PyPy never does.
    pypy: Option<VersionRange>,
    /// Macros that are defined wherever the branch is compiled.
    defined: Vec<String>,
}

impl Default for Facts {
    /// Nothing known: compiled anywhere.
    fn default() -> Facts {
        Facts::everywhere(VersionRange::default())
    }
}

impl Facts {
    fn everywhere(range: VersionRange) -> Facts {
        Facts { cpython: Some(range), pypy: Some(range), defined: Vec::new() }
    }

    /// Both hold.
    fn and(&self, other: &Facts) -> Facts {
        let both = |a: Option<VersionRange>, b: Option<VersionRange>| a.zip(b).map(|(a, b)| a.intersect(b));
        Facts {
            cpython: both(self.cpython, other.cpython),
            pypy: both(self.pypy, other.pypy),
            defined: self.defined.iter().chain(&other.defined).cloned().collect(),
        }
    }

    /// One or the other holds: what both guarantee.
    fn or(&self, other: &Facts) -> Facts {
        let either = |a: Option<VersionRange>, b: Option<VersionRange>| match (a, b) {
            (Some(a), Some(b)) => Some(a.hull(b)),
            (a, b) => a.or(b),
        };
        Facts {
            cpython: either(self.cpython, other.cpython),
            pypy: either(self.pypy, other.pypy),
            defined: self.defined.iter().filter(|d| other.defined.contains(d)).cloned().collect(),
        }
    }
}

/// Free-threaded builds (`Py_GIL_DISABLED`) exist from CPython 3.13 on, and not on PyPy.
const FREE_THREADING_FROM: u32 = 0x030D_0000;

/// One `#if` … `#endif` group being read.
struct Frame {
    /// Where the current branch is compiled (this group's conditions only).
    current: Facts,
    /// What holds where no earlier branch was taken, as far as known.
    rest: Facts,
}

/// The names [`super::tokenize::identifiers`] reports, each with its version range.
pub fn guarded_identifiers(source: &str) -> Vec<GuardedName> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut names = Vec::new();
    let push = |t: &Token,
                frames: &[Frame],
                feature_test: bool,
                in_macro: Option<String>,
                names: &mut Vec<GuardedName>| {
        let facts = frames.iter().fold(Facts::default(), |all, f| all.and(&f.current));
        let pypy_range = facts.pypy.unwrap_or_default();
        names.push(GuardedName {
            name: t.spelling(source).into_owned(),
            line: t.line,
            column: t.column,
            range: facts.cpython.unwrap_or(pypy_range),
            pypy_range,
            where_defined: facts.defined,
            not_on_pypy: facts.pypy.is_none(),
            only_pypy: facts.cpython.is_none(),
            feature_test,
            in_macro,
        })
    };
    for token in tokenize(source) {
        match token.kind {
            TokenKind::Identifier if token.active => push(&token, &frames, false, None, &mut names),
            TokenKind::Directive => {
                let inner = directive_tokens(source, &token);
                if token.active {
                    let tested = tested_names(source, &inner);
                    let defining = defined_macro(source, &inner);
                    for t in used_in_directive(source, &inner) {
                        push(&t, &frames, tested.contains(&t.start), defining.clone(), &mut names);
                    }
                }
                follow(source, &inner, &mut frames);
            }
            _ => {}
        }
    }
    names
}

/// The names the code itself defines as types or macros: `struct NAME {` (also `union`,
/// `enum`) and `#define NAME`. A `_Py…` name among them is the project's, not CPython's.
pub fn defined_names(source: &str) -> std::collections::BTreeSet<String> {
    let mut defined = std::collections::BTreeSet::new();
    let tokens: Vec<Token> = tokenize(source)
        .into_iter()
        .filter(|t| t.active && !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment))
        .collect();
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            TokenKind::Directive => {
                if let Some(name) = defined_macro(source, &directive_tokens(source, t)) {
                    defined.insert(name);
                }
            }
            TokenKind::Identifier if matches!(t.spelling(source).as_ref(), "struct" | "union" | "enum") => {
                if let (Some(name), Some(brace)) = (tokens.get(i + 1), tokens.get(i + 2)) {
                    if name.kind == TokenKind::Identifier && brace.text(source) == "{" {
                        defined.insert(name.spelling(source).into_owned());
                    }
                }
            }
            _ => {}
        }
    }
    defined
}

/// Updates the group stack for one directive.
fn follow(source: &str, inner: &[Token], frames: &mut Vec<Frame>) {
    let significant: Vec<&Token> =
        inner.iter().filter(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment)).collect();
    let Some(name) = significant.get(1) else { return };
    let texts: Vec<String> = significant[2..].iter().map(|t| t.spelling(source).into_owned()).collect();
    let mut texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    // `#ifdef X` is `#if defined(X)`, `#ifndef X` is `#if !defined(X)`.
    let directive = name.spelling(source);
    let operand = texts.first().copied().unwrap_or("");
    let rewritten: Vec<&str> = match directive.as_ref() {
        "ifdef" | "elifdef" => vec!["defined", "(", operand, ")"],
        "ifndef" | "elifndef" => vec!["!", "defined", "(", operand, ")"],
        _ => Vec::new(),
    };
    if !rewritten.is_empty() {
        texts = rewritten;
    }
    match directive.as_ref() {
        "if" | "ifdef" | "ifndef" => {
            let (if_true, if_false) = condition(&texts);
            frames.push(Frame { current: if_true, rest: if_false });
        }
        "elif" | "elifdef" | "elifndef" => {
            if let Some(frame) = frames.last_mut() {
                let (if_true, if_false) = condition(&texts);
                frame.current = frame.rest.and(&if_true);
                frame.rest = frame.rest.and(&if_false);
            }
        }
        "else" => {
            if let Some(frame) = frames.last_mut() {
                frame.current = frame.rest.clone();
            }
        }
        "endif" => {
            frames.pop();
        }
        _ => {}
    }
}

/// The macro a `#define` defines.
fn defined_macro(source: &str, inner: &[Token]) -> Option<String> {
    let mut significant =
        inner.iter().filter(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment));
    let _hash = significant.next()?;
    if significant.next()?.spelling(source) != "define" {
        return None;
    }
    significant.next().filter(|t| t.kind == TokenKind::Identifier).map(|t| t.spelling(source).into_owned())
}

/// The offsets of the names a directive only tests for: the operand of `#ifdef`/`#ifndef`
/// (and `#elifdef`/`#elifndef`), and each `defined X` / `defined(X)`.
fn tested_names(source: &str, inner: &[Token]) -> Vec<usize> {
    let significant: Vec<&Token> =
        inner.iter().filter(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment)).collect();
    let directive = significant.get(1).map(|t| t.spelling(source)).unwrap_or_default();
    if matches!(directive.as_ref(), "ifdef" | "ifndef" | "elifdef" | "elifndef") {
        return significant.get(2).map(|t| t.start).into_iter().collect();
    }
    let mut tested = Vec::new();
    for (i, t) in significant.iter().enumerate() {
        if t.kind == TokenKind::Identifier && t.spelling(source) == "defined" {
            let next = significant.get(i + 1);
            let operand = match next.map(|n| n.spelling(source)) {
                Some(p) if p == "(" => significant.get(i + 2),
                _ => next,
            };
            if let Some(op) = operand.filter(|o| o.kind == TokenKind::Identifier) {
                tested.push(op.start);
            }
        }
    }
    tested
}

/// What a condition guarantees where it is true, and where it is false.
fn condition(texts: &[&str]) -> (Facts, Facts) {
    let texts = strip_parens(texts);
    if top_level(texts).any(|t| t == "?") {
        return (Facts::default(), Facts::default());
    }
    // `||` binds looser than `&&`: split on it first.
    for (operator, disjunction) in [("||", true), ("&&", false)] {
        let parts = split_top_level(texts, operator);
        if parts.len() > 1 {
            return joined(&parts, disjunction);
        }
    }
    match texts.split_first() {
        // `!` binds tighter than a comparison: `!(a)`, `!defined X`, `!X` only.
        Some((&"!", rest)) if is_primary(rest) => {
            let (if_true, if_false) = condition(rest);
            (if_false, if_true)
        }
        _ => term_facts(texts),
    }
}

/// `a || b || …` (`disjunction`) or `a && b && …`: where a disjunction holds, one part does,
/// where it fails, every part fails; a conjunction the other way round (De Morgan).
fn joined(parts: &[Vec<&str>], disjunction: bool) -> (Facts, Facts) {
    parts
        .iter()
        .map(|part| condition(part))
        .reduce(|(true_a, false_a), (true_b, false_b)| {
            if disjunction {
                (true_a.or(&true_b), false_a.and(&false_b))
            } else {
                (true_a.and(&true_b), false_a.or(&false_b))
            }
        })
        .expect("split_top_level returns at least one part")
}

/// One operand of `!`: a name, `defined X`/`defined(X)`, or a whole parenthesised expression.
fn is_primary(texts: &[&str]) -> bool {
    matches!(texts, [_] | ["defined", _] | ["defined", "(", _, ")"])
        || strip_parens(texts).len() < texts.len()
}

/// One term: a version comparison, `defined(X)` or `!defined(X)`, one of Cython's
/// implementation macros; anything else says nothing.
fn term_facts(texts: &[&str]) -> (Facts, Facts) {
    if let Some(range) = comparison(texts) {
        let negation = range.negation().unwrap_or_default();
        return (Facts::everywhere(range), Facts::everywhere(negation));
    }
    let (negated, rest) = match texts.split_first() {
        Some((&"!", rest)) => (true, strip_parens(rest)),
        _ => (false, texts),
    };
    let any = Some(VersionRange::default());
    let free_threaded = Some(VersionRange { from: Some(FREE_THREADING_FROM), below: None });
    let only_pypy = Facts { cpython: None, pypy: any, defined: Vec::new() };
    let not_on_pypy = Facts { cpython: any, pypy: None, defined: Vec::new() };
    // Cython's generated code tests its own macros, which follow PYPY_VERSION. Not CPython
    // may be GraalPy or the limited API: its negation says nothing.
    let cython = match rest {
        ["CYTHON_COMPILING_IN_PYPY"] => Some((only_pypy.clone(), not_on_pypy.clone())),
        ["CYTHON_COMPILING_IN_CPYTHON"] => Some((not_on_pypy.clone(), Facts::default())),
        ["CYTHON_COMPILING_IN_CPYTHON_FREETHREADING"] => {
            Some((Facts { cpython: free_threaded, pypy: None, defined: Vec::new() }, Facts::default()))
        }
        _ => None,
    };
    if let Some((facts, opposite)) = cython {
        return if negated { (opposite, facts) } else { (facts, opposite) };
    }
    let name = match rest {
        ["defined", "(", name, ")"] | ["defined", name] => *name,
        _ => return (Facts::default(), Facts::default()),
    };
    let (mut where_defined, where_undefined) = match name {
        "Py_GIL_DISABLED" => {
            (Facts { cpython: free_threaded, pypy: None, defined: Vec::new() }, Facts::default())
        }
        "PYPY_VERSION" => (only_pypy, not_on_pypy),
        _ => (Facts::default(), Facts::default()),
    };
    where_defined.defined.push(name.to_string());
    if negated {
        (where_undefined, where_defined)
    } else {
        (where_defined, where_undefined)
    }
}

/// The tokens at parenthesis depth 0.
fn top_level<'a>(texts: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
    let mut depth = 0i32;
    texts.iter().filter_map(move |t| {
        match *t {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ if depth == 0 => return Some(*t),
            _ => {}
        }
        None
    })
}

fn split_top_level<'a>(texts: &[&'a str], separator: &str) -> Vec<Vec<&'a str>> {
    let mut parts = vec![Vec::new()];
    let mut depth = 0i32;
    for t in texts {
        match *t {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ => {}
        }
        if depth == 0 && *t == separator {
            parts.push(Vec::new());
        } else {
            parts.last_mut().expect("never empty").push(*t);
        }
    }
    parts
}

fn strip_parens<'a>(mut texts: &'a [&'a str]) -> &'a [&'a str] {
    while texts.len() >= 2 && texts[0] == "(" && texts[texts.len() - 1] == ")" {
        let inner = &texts[1..texts.len() - 1];
        // Only when the outer pair encloses everything: `(a) < (b)` is not `a) < (b`.
        let mut depth = 0i32;
        if inner.iter().any(|t| {
            match *t {
                "(" => depth += 1,
                ")" => depth -= 1,
                _ => {}
            }
            depth < 0
        }) {
            break;
        }
        texts = inner;
    }
    texts
}

/// `PY_VERSION_HEX >= 0x030D0000`, `0x030D0000 > PY_VERSION_HEX`, `PY_MINOR_VERSION < 13`,
/// `PY_MAJOR_VERSION < 3` (Python 2 branches of older code).
fn comparison(texts: &[&str]) -> Option<VersionRange> {
    let [left, op, right] = texts else { return None };
    let (macro_name, op, number) = if is_version_macro(left) {
        (*left, *op, *right)
    } else if is_version_macro(right) {
        let flipped = match *op {
            "<" => ">",
            "<=" => ">=",
            ">" => "<",
            ">=" => "<=",
            other => other,
        };
        (*right, flipped, *left)
    } else {
        return None;
    };
    let value = parse_integer(number)?;
    // Each macro compared as `PY_VERSION_HEX` ranges: where the value starts, and its width.
    let (start, step) = match macro_name {
        "PY_MAJOR_VERSION" => (value.min(0xFF) << 24, 0x0100_0000),
        // Only 3.x is supported: `PY_MINOR_VERSION > 12` is `PY_VERSION_HEX >= 3.13`.
        "PY_MINOR_VERSION" => (0x0300_0000 | (value.min(0xFF) << 16), 0x1_0000),
        _ => (value, 1),
    };
    let next = start.saturating_add(step);
    let range = |from: Option<u32>, below: Option<u32>| Some(VersionRange { from, below });
    match op {
        ">=" => range(Some(start), None),
        ">" => range(Some(next), None),
        "<" => range(None, Some(start)),
        "<=" => range(None, Some(next)),
        "==" => range(Some(start), Some(next)),
        _ => None,
    }
}

fn is_version_macro(text: &str) -> bool {
    matches!(text, "PY_VERSION_HEX" | "PY_MINOR_VERSION" | "PY_MAJOR_VERSION")
}

fn parse_integer(text: &str) -> Option<u32> {
    let digits = text.trim_end_matches(['u', 'U', 'l', 'L']);
    match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => digits.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(source: &str) -> Vec<(String, Option<String>)> {
        guarded_identifiers(source).into_iter().map(|g| (g.name, g.range.describe())).collect()
    }

    fn named(source: &str, name: &str) -> Option<String> {
        ranges(source).into_iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} not found")).1
    }

    #[test]
    fn a_version_check_and_its_else() {
        let src = "#if PY_VERSION_HEX < 0x030D0000\n_PyOld();\n#else\nPyNew();\n#endif\nPyAny();\n";
        assert_eq!(named(src, "_PyOld").as_deref(), Some("< 3.13"));
        assert_eq!(named(src, "PyNew").as_deref(), Some(">= 3.13"));
        assert_eq!(named(src, "PyAny"), None);
        assert_eq!(named(src, "PY_VERSION_HEX"), None, "the condition itself is compiled everywhere");
    }

    #[test]
    fn elif_chains_flipped_operands_and_minor_versions() {
        let src = "#if 0x030C0000 <= PY_VERSION_HEX\nPyA\n#elif (PY_VERSION_HEX >= 0x030B00A1)\nPyB\n#else\nPyC\n#endif\n\
                   #if PY_MINOR_VERSION > 12\nPyD\n#endif\n";
        assert_eq!(named(src, "PyA").as_deref(), Some(">= 3.12"));
        assert_eq!(named(src, "PyB").as_deref(), Some(">= 3.11.0a1 and < 3.12"));
        assert_eq!(named(src, "PyC").as_deref(), Some("< 3.11.0a1"));
        assert_eq!(named(src, "PyD").as_deref(), Some(">= 3.13"));
    }

    fn get(source: &str, name: &str) -> GuardedName {
        guarded_identifiers(source)
            .into_iter()
            .find(|g| g.name == name)
            .unwrap_or_else(|| panic!("{name} not found"))
    }

    #[test]
    fn conjunctions_narrow_and_their_else_keeps_pypy_apart() {
        let src = "#if PY_VERSION_HEX < 0x030D0000 && !defined(PYPY_VERSION)\nPyA\n#else\nPyB\n#endif\n";
        assert_eq!(named(src, "PyA").as_deref(), Some("< 3.13"));
        assert!(get(src, "PyA").not_on_pypy);
        let else_branch = get(src, "PyB");
        assert_eq!(else_branch.range.describe().as_deref(), Some(">= 3.13"), "CPython takes it from 3.13 on");
        assert!(!else_branch.not_on_pypy && !else_branch.only_pypy);
        assert_eq!(else_branch.pypy_range.describe(), None, "PyPy of any version takes the #else");
        let src = "#if PY_VERSION_HEX < 0x030D0000 || defined(X)\nPyA\n#endif\n";
        assert_eq!(named(src, "PyA"), None);
    }

    #[test]
    fn disjunctions_keep_what_every_alternative_guarantees() {
        // The usual shape around a name CPython removed and PyPy still has.
        let src =
            "#if PY_VERSION_HEX < 0x030D0000 || defined(PYPY_VERSION)\n_PyOld();\n#else\nPyNew();\n#endif\n";
        let old = get(src, "_PyOld");
        assert_eq!(old.range.describe().as_deref(), Some("< 3.13"));
        assert!(!old.only_pypy && !old.not_on_pypy);
        assert_eq!(old.pypy_range.describe(), None);
        let new = get(src, "PyNew");
        assert_eq!(new.range.describe().as_deref(), Some(">= 3.13"));
        assert!(new.not_on_pypy, "where neither holds, it is not PyPy");
        // Ranges join into the smallest range holding both (the gap is not kept).
        let src = "#if PY_VERSION_HEX >= 0x030C0000 || (PY_VERSION_HEX >= 0x030B0000 && X)\nPyA\n#endif\n\
                   #if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030D0000\nPyB\n#else\nPyC\n#endif\n";
        assert_eq!(named(src, "PyA").as_deref(), Some(">= 3.11"));
        assert_eq!(named(src, "PyB"), None);
        assert_eq!(named(src, "PyC").as_deref(), Some(">= 3.11 and < 3.13"), "neither alternative holds");
        // A macro is known defined only when every alternative defines it.
        let src =
            "#if defined(X) || defined(Y)\nPyA\n#endif\n#if defined(X) || (defined(X) && Z)\nPyB\n#endif\n";
        assert!(get(src, "PyA").where_defined.is_empty());
        assert_eq!(get(src, "PyB").where_defined, ["X"]);
    }

    #[test]
    fn negations_of_whole_expressions() {
        let src = "#if !(PY_VERSION_HEX >= 0x030D0000)\nPyA\n#endif\n\
                   #if !(PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030D0000)\nPyB\n#endif\n\
                   #if !PY_VERSION_HEX >= 0x030D0000\nPyC\n#endif\n\
                   #if PY_VERSION_HEX >= 0x030B0000 ? 1 : 0\nPyD\n#endif\n";
        assert_eq!(named(src, "PyA").as_deref(), Some("< 3.13"));
        assert_eq!(named(src, "PyB").as_deref(), Some(">= 3.11 and < 3.13"));
        assert_eq!(named(src, "PyC"), None, "`!` binds tighter than `>=`: (!PY_VERSION_HEX) >= …");
        assert_eq!(named(src, "PyD"), None);
    }

    #[test]
    fn python_2_branches_and_equality() {
        let src = "#if PY_MAJOR_VERSION < 3\nPyA\n#else\nPyB\n#endif\n#if PY_MAJOR_VERSION == 3 && PY_MINOR_VERSION == 12\nPyC\n#endif\n";
        assert_eq!(named(src, "PyA").as_deref(), Some("< 3.0"));
        assert_eq!(named(src, "PyB").as_deref(), Some(">= 3.0"));
        assert_eq!(named(src, "PyC").as_deref(), Some(">= 3.12 and < 3.13"));
    }

    #[test]
    fn nested_groups_intersect_and_ifdef_narrows_nothing() {
        let src = "#if PY_VERSION_HEX >= 0x030B0000\n#ifdef X\n#if PY_VERSION_HEX < 0x030D0000\nPyA\n#endif\n#endif\n#endif\n";
        assert_eq!(named(src, "PyA").as_deref(), Some(">= 3.11 and < 3.13"));
    }

    #[test]
    fn removal_checks_allow_guards_below_the_final_release() {
        let removed_313 = 0x030D_0000;
        let below = |b| VersionRange { from: None, below: Some(b) };
        assert!(!below(0x030D_0000).includes_from(removed_313));
        assert!(!below(0x030D_00A1).includes_from(removed_313));
        assert!(!below(0x030D_00F0).includes_from(removed_313));
        assert!(below(0x030E_0000).includes_from(removed_313));
        assert!(VersionRange::default().includes_from(removed_313));
    }

    #[test]
    fn feature_tests_and_defined_guards() {
        let src = "#ifdef Py_mod_gil\n{Py_mod_gil, 0},\n#endif\n#if defined(PyA) && X\nPyA();\n#elif defined PyB\n#endif\n\
                   #ifndef PyC\nPyC1();\n#else\nPyC();\n#endif\n";
        let found = guarded_identifiers(src);
        let get = |name: &str, line: u32| found.iter().find(|g| g.name == name && g.line == line).unwrap();
        assert!(get("Py_mod_gil", 1).feature_test);
        assert!(!get("Py_mod_gil", 2).feature_test);
        assert_eq!(get("Py_mod_gil", 2).where_defined, ["Py_mod_gil"]);
        assert!(get("PyA", 4).feature_test && !get("X", 4).feature_test);
        assert_eq!(get("PyA", 5).where_defined, ["PyA"]);
        assert!(get("PyB", 6).feature_test);
        assert!(get("PyC1", 9).where_defined.is_empty());
        assert_eq!(get("PyC", 11).where_defined, ["PyC"]);
        assert_eq!(get("PyC", 11).in_macro, None);
    }

    #[test]
    fn uses_in_macro_bodies_name_their_macro() {
        let found = guarded_identifiers("#define COMPAT(x) _PyA(x)\nint y = COMPAT(1);\n");
        assert_eq!(found[0].name, "_PyA");
        assert_eq!(found[0].in_macro.as_deref(), Some("COMPAT"));
        assert_eq!(found[1].name, "x");
        assert_eq!(found[1].in_macro.as_deref(), Some("COMPAT"));
        assert_eq!(found[2].name, "int");
        assert_eq!(found[2].in_macro, None);
    }

    #[test]
    fn free_threading_and_pypy_checks() {
        let src = "#ifdef Py_GIL_DISABLED\nPyA();\n#endif\n#if !defined(PYPY_VERSION) && X\nPyB();\n#endif\n\
                   #ifdef PYPY_VERSION\nPyC();\n#else\nPyD();\n#endif\n";
        let found = guarded_identifiers(src);
        let get = |name: &str| found.iter().find(|g| g.name == name).unwrap();
        assert_eq!(get("PyA").range.describe().as_deref(), Some(">= 3.13"));
        assert!(get("PyA").not_on_pypy);
        assert!(get("PyB").not_on_pypy);
        assert!(!get("PyC").not_on_pypy && get("PyC").only_pypy);
        assert!(get("PyD").not_on_pypy && !get("PyD").only_pypy);
        let src = "#if CYTHON_COMPILING_IN_PYPY\nPyE();\n#else\nPyF();\n#endif\n#if !CYTHON_COMPILING_IN_CPYTHON\nPyG();\n#endif\n";
        let found = guarded_identifiers(src);
        let get = |name: &str| found.iter().find(|g| g.name == name).unwrap();
        assert!(get("PyE").only_pypy && !get("PyE").not_on_pypy);
        assert!(get("PyF").not_on_pypy && !get("PyF").only_pypy);
        assert!(
            !get("PyG").only_pypy && !get("PyG").not_on_pypy,
            "not CPython may be GraalPy or the limited API"
        );
    }

    #[test]
    fn the_code_s_own_types_and_macros() {
        let src = "typedef struct _PyScannerObject {\n int x;\n} PyScannerObject;\nstruct _PyOther *p;\n\
                   #define _PyMine 1\nenum _PyE { A };\n#if 0\nstruct _PyDead { int y; };\n#endif\n";
        let defined: Vec<String> = defined_names(src).into_iter().collect();
        assert_eq!(defined, ["_PyE", "_PyMine", "_PyScannerObject"]);
    }

    #[test]
    fn hex_versions_read_back() {
        assert_eq!(hex_version(0x030D_0000), "3.13");
        assert_eq!(hex_version(0x030D_00F0), "3.13");
        assert_eq!(hex_version(0x030C_04F0), "3.12.4");
        assert_eq!(hex_version(0x030E_00B2), "3.14.0b2");
    }

    proptest::proptest! {
        /// Any text drawn from what steers the conditionals: no panic, and every name's range is
        /// one `describe` can print.
        #[test]
        fn any_conditionals_are_followed_without_panic(
            src in "(#if |#elif |#else\\n|#endif\\n|#ifdef |#ifndef |#define |defined|\\(|\\)|!|&&|\\|\\||<|>=|==|PY_VERSION_HEX |PY_MINOR_VERSION |PY_MAJOR_VERSION |0x030D0000|13|3|Py_GIL_DISABLED|PYPY_VERSION|struct |\\{|_PyA |\\n| ){0,60}"
        ) {
            for g in guarded_identifiers(&src) {
                let _ = g.range.describe();
            }
            let _ = defined_names(&src);
        }
    }
}
