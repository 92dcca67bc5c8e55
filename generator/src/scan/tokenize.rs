//! A C/C++ tokenizer for reading users' code: enough of translation phases 1–4 to tell a use
//! of a name from a mention of it. Names inside comments, string and character literals (raw
//! strings too) and `#if 0` blocks are not uses; backslash-newline splices are followed
//! everywhere (inside identifiers, comments and directives), as the compiler does.
//!
//! Every byte of the source belongs to exactly one top-level token (whitespace included), so
//! concatenating the tokens' text gives the source back; a rewriting tool can edit by offsets.
//! A preprocessor directive is one `Directive` token covering its whole logical line (without
//! the newline that ends it); [`directive_tokens`] gives the tokens inside it.
//!
//! Conditionals are followed only where the answer is certain without a preprocessor: `#if 0`
//! (also `#if (0)`, `#if false`) makes its group inactive and its `#else` active; `#if 1`
//! (any non-zero integer) makes its `#else`/`#elif` groups inactive. Anything else (`#ifdef`,
//! version checks) is assumed possibly true, so both branches stay active.
//!
//! Not macro expansion: a name produced by `##` pasting or hidden behind a macro is not seen.
//! A C++ user-defined-literal suffix (`"x"_s`) is lexed as an identifier after the literal,
//! as C reads `"%"PRId64`. The tokenizer never fails: unterminated literals end at the end of
//! their line, an unterminated comment or raw string at the end of the file.

use std::borrow::Cow;

/// What a token is. `Whitespace` covers blanks, newlines and splices between tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Identifier,
    /// A preprocessing number (`0x1p-3`, `1'000`, `10ULL`).
    Number,
    Punct,
    /// A string literal with any prefix (`u8"…"`, `L"…"`, `R"d(…)d"`), or an `#include`'s
    /// `<header-name>`.
    String,
    Char,
    Comment,
    /// A whole logical `#` line, from the `#` to the last character before its newline.
    Directive,
    Whitespace,
}

/// One token: its kind, byte range in the source, where it starts, and whether it is in code
/// the compiler can see (`false` inside `#if 0` and the `#else` of `#if 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token {
    pub kind: TokenKind,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// 1-based physical line of the first byte.
    pub line: u32,
    /// 1-based column of the first byte, counted in characters (a tab is one).
    pub column: u32,
    pub active: bool,
}

impl Token {
    /// The token as written, splices included.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }

    /// The token as the compiler reads it: backslash-newline splices removed (except in a
    /// raw string, where the standard keeps them).
    pub fn spelling<'a>(&self, source: &'a str) -> Cow<'a, str> {
        let text = self.text(source);
        if self.kind == TokenKind::String && is_raw_string(text) {
            return Cow::Borrowed(text);
        }
        remove_splices(text)
    }
}

/// The source's top-level tokens, in order; their byte ranges tile the source exactly.
pub fn tokenize(source: &str) -> Vec<Token> {
    let mut lexer = Lexer::new(source);
    let mut positions = Positions { pos: 0, line: 1, column: 1 };
    let mut conditionals = Conditionals::default();
    let mut tokens = Vec::new();
    while lexer.pos < source.len() {
        let (kind, start, end) = lexer.next_top_level();
        let (line, column) = positions.at(source.as_bytes(), start);
        let mut active = conditionals.active();
        if kind == TokenKind::Directive {
            let inner = lexer.directive_body(start, line, column);
            active = conditionals.directive(source, &inner);
        }
        tokens.push(Token { kind, start, end, line, column, active });
    }
    tokens
}

/// The tokens inside one `Directive` token (the `#`, the directive's name, its operands),
/// with the directive's `active` flag. Empty for any other kind of token.
pub fn directive_tokens(source: &str, directive: &Token) -> Vec<Token> {
    if directive.kind != TokenKind::Directive || directive.end > source.len() {
        return Vec::new();
    }
    Lexer::new(source)
        .directive_body(directive.start, directive.line, directive.column)
        .into_iter()
        .map(|t| Token { active: directive.active, ..t })
        .collect()
}

/// The names the compiler sees used: identifiers of active code, plus those in the conditions
/// of active `#if`/`#elif`/`#ifdef`/`#ifndef` and in the bodies of active `#define`s (not the
/// macro's own name nor its parameters). Splices are removed from the names.
pub fn identifiers(source: &str) -> Vec<(String, u32, u32)> {
    let mut names = Vec::new();
    for token in tokenize(source) {
        if !token.active {
            continue;
        }
        match token.kind {
            TokenKind::Identifier => {
                names.push((token.spelling(source).into_owned(), token.line, token.column))
            }
            TokenKind::Directive => {
                for t in used_in_directive(source, &directive_tokens(source, &token)) {
                    names.push((t.spelling(source).into_owned(), t.line, t.column));
                }
            }
            _ => {}
        }
    }
    names
}

/// The identifier tokens of a directive that are uses of names (see [`identifiers`]).
pub fn used_in_directive(source: &str, inner: &[Token]) -> Vec<Token> {
    let significant: Vec<&Token> = inner.iter().filter(|t| !is_blank(t.kind)).collect();
    let Some(name) = significant.get(1).filter(|t| t.kind == TokenKind::Identifier) else {
        return Vec::new();
    };
    let rest = &significant[2..];
    let identifiers_of = |tokens: &[&Token]| -> Vec<Token> {
        tokens.iter().filter(|t| t.kind == TokenKind::Identifier).map(|t| **t).collect()
    };
    match name.spelling(source).as_ref() {
        "if" | "elif" | "ifdef" | "ifndef" | "elifdef" | "elifndef" => identifiers_of(rest),
        "define" => {
            let Some(macro_name) = rest.first() else { return Vec::new() };
            let mut body = &rest[1..];
            let function_like = body.first().is_some_and(|t| {
                t.start == macro_name.end && t.kind == TokenKind::Punct && t.text(source) == "("
            });
            if function_like {
                let close = body.iter().position(|t| t.kind == TokenKind::Punct && t.text(source) == ")");
                body = close.map_or(&[][..], |i| &body[i + 1..]);
            }
            identifiers_of(body)
        }
        _ => Vec::new(),
    }
}

fn is_blank(kind: TokenKind) -> bool {
    matches!(kind, TokenKind::Whitespace | TokenKind::Comment)
}

fn is_raw_string(text: &str) -> bool {
    let prefix_end = text.find('"').unwrap_or(0);
    text[..prefix_end].ends_with('R')
}

/// The text with every backslash-newline splice taken out.
pub fn remove_splices(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let n = splice_len(bytes, i);
        if n > 0 {
            out.push_str(&text[copied..i]);
            i += n;
            copied = i;
        } else {
            i += 1;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Length of a backslash-newline splice at `i` (a backslash, optional trailing blanks as gcc
/// allows, then `\n` or `\r\n`), or 0.
fn splice_len(bytes: &[u8], i: usize) -> usize {
    if bytes.get(i) != Some(&b'\\') {
        return 0;
    }
    let mut j = i + 1;
    while matches!(bytes.get(j), Some(b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')) {
        j += 1;
    }
    if bytes.get(j) == Some(&b'\n') {
        j + 1 - i
    } else {
        0
    }
}

/// Line and column of byte offsets, for offsets asked in increasing order.
struct Positions {
    pos: usize,
    line: u32,
    column: u32,
}

impl Positions {
    fn at(&mut self, bytes: &[u8], target: usize) -> (u32, u32) {
        for &b in &bytes[self.pos..target] {
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                self.column = self.column.saturating_add(1);
            }
        }
        self.pos = target;
        (self.line, self.column)
    }
}

struct Lexer<'a> {
    source: &'a str,
    bytes: &'a [u8],
    pos: usize,
    at_line_start: bool,
}

impl<'a> Lexer<'a> {
    fn new(source: &'a str) -> Self {
        Lexer { source, bytes: source.as_bytes(), pos: 0, at_line_start: true }
    }

    /// The byte at `i` after skipping any splices there, and the offset just past it.
    fn peek_at(&self, mut i: usize) -> Option<(u8, usize)> {
        loop {
            let n = splice_len(self.bytes, i);
            if n == 0 {
                break;
            }
            i += n;
        }
        self.bytes.get(i).map(|&b| (b, i + 1))
    }

    fn next_top_level(&mut self) -> (TokenKind, usize, usize) {
        let start = self.pos;
        let b = self.bytes[start];
        let starts_directive = self.at_line_start
            && (b == b'#' || (b == b'%' && self.peek_at(start + 1).is_some_and(|(c, _)| c == b':')));
        if starts_directive {
            let end = self.directive_end(start);
            self.pos = end;
            self.at_line_start = false;
            return (TokenKind::Directive, start, end);
        }
        let (kind, end) = self.lex_one(start, false, false);
        self.pos = end;
        match kind {
            TokenKind::Whitespace => {
                if self.bytes[start..end].contains(&b'\n') && has_real_newline(self.bytes, start, end) {
                    self.at_line_start = true;
                }
            }
            TokenKind::Comment => {}
            _ => self.at_line_start = false,
        }
        (kind, start, end)
    }

    /// Where the directive starting at `start` ends: after its last non-blank token before
    /// the newline that ends the logical line.
    fn directive_end(&self, start: usize) -> usize {
        let mut pos = start;
        let mut end = start;
        let mut header_name_next = false;
        let mut seen = 0;
        while pos < self.bytes.len() && self.bytes[pos] != b'\n' {
            let (kind, next) = self.lex_one(pos, true, header_name_next);
            if !is_blank(kind) {
                end = next;
                seen += 1;
                header_name_next = seen == 2
                    && kind == TokenKind::Identifier
                    && matches!(
                        remove_splices(&self.source[pos..next]).as_ref(),
                        "include" | "include_next" | "import"
                    );
            }
            pos = next;
        }
        end
    }

    /// The tokens of the directive at `start` (blank ones too, except trailing blanks).
    fn directive_body(&self, start: usize, line: u32, column: u32) -> Vec<Token> {
        let end = self.directive_end(start);
        let mut positions = Positions { pos: start, line, column };
        let mut tokens = Vec::new();
        let mut pos = start;
        let mut header_name_next = false;
        let mut seen = 0;
        while pos < end {
            let (kind, next) = self.lex_one(pos, true, header_name_next);
            let next = next.min(end).max(pos + 1);
            let (line, column) = positions.at(self.bytes, pos);
            tokens.push(Token { kind, start: pos, end: next, line, column, active: true });
            if !is_blank(kind) {
                seen += 1;
                header_name_next = seen == 2
                    && kind == TokenKind::Identifier
                    && matches!(
                        remove_splices(&self.source[pos..next]).as_ref(),
                        "include" | "include_next" | "import"
                    );
            }
            pos = next;
        }
        tokens
    }

    /// Lexes one token at `start`; returns its kind and end. In a directive, whitespace stops
    /// before a newline; `header_name` lexes `<…>` as a string.
    fn lex_one(&self, start: usize, in_directive: bool, header_name: bool) -> (TokenKind, usize) {
        let bytes = self.bytes;
        let b = bytes[start];
        if start == 0 && self.source.starts_with('\u{feff}') {
            return (TokenKind::Whitespace, 3);
        }
        if is_space(b) || splice_len(bytes, start) > 0 {
            let mut i = start;
            loop {
                let n = splice_len(bytes, i);
                if n > 0 {
                    i += n;
                } else if i < bytes.len() && is_space(bytes[i]) && !(in_directive && bytes[i] == b'\n') {
                    i += 1;
                } else {
                    break;
                }
            }
            return (TokenKind::Whitespace, i);
        }
        let next = self.peek_at(start + 1).map(|(c, _)| c);
        if b == b'/' && next == Some(b'/') {
            return (TokenKind::Comment, self.line_comment_end(start));
        }
        if b == b'/' && next == Some(b'*') {
            return (TokenKind::Comment, self.block_comment_end(start));
        }
        if header_name && b == b'<' {
            let mut i = start + 1;
            while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'>' {
                i += 1;
            }
            return (TokenKind::String, if bytes.get(i) == Some(&b'>') { i + 1 } else { i });
        }
        if is_identifier_start(b) {
            return self.identifier_or_prefixed_literal(start);
        }
        if b.is_ascii_digit() || (b == b'.' && next.is_some_and(|c| c.is_ascii_digit())) {
            return (TokenKind::Number, self.number_end(start));
        }
        if b == b'"' {
            return (TokenKind::String, self.quoted_end(start + 1, b'"'));
        }
        if b == b'\'' {
            return (TokenKind::Char, self.quoted_end(start + 1, b'\''));
        }
        (TokenKind::Punct, self.punct_end(start))
    }

    fn line_comment_end(&self, start: usize) -> usize {
        let mut i = start;
        while let Some((c, next)) = self.peek_at(i) {
            if c == b'\n' {
                // The newline (and any splice before it that led nowhere) is not the comment's.
                return trim_trailing_cr(self.bytes, start, next - 1);
            }
            i = next;
        }
        self.bytes.len()
    }

    fn block_comment_end(&self, start: usize) -> usize {
        // Skip the opening `/*` (a splice may sit between its characters).
        let (_, after_slash) = self.peek_at(start).unwrap_or((0, start + 1));
        let (_, mut i) = self.peek_at(after_slash).unwrap_or((0, after_slash + 1));
        let mut previous_star = false;
        while let Some((c, next)) = self.peek_at(i) {
            if previous_star && c == b'/' {
                return next;
            }
            previous_star = c == b'*';
            i = next;
        }
        self.bytes.len()
    }

    fn identifier_or_prefixed_literal(&self, start: usize) -> (TokenKind, usize) {
        let mut i = start;
        let mut spelled = String::new();
        let mut end = start;
        while let Some((c, next)) = self.peek_at(i) {
            if !is_identifier_continue(c) {
                break;
            }
            if spelled.len() < 4 {
                spelled.push(c as char);
            }
            end = next;
            i = next;
        }
        // The quote must follow the prefix directly (a splice between them is allowed).
        if let Some((quote, after_quote)) = self.peek_at(end) {
            let raw = matches!(spelled.as_str(), "R" | "u8R" | "uR" | "UR" | "LR");
            let plain = matches!(spelled.as_str(), "u8" | "u" | "U" | "L");
            if raw && quote == b'"' {
                if let Some(raw_end) = self.raw_string_end(after_quote) {
                    return (TokenKind::String, raw_end);
                }
                return (TokenKind::String, self.quoted_end(after_quote, b'"'));
            }
            if plain && (quote == b'"' || quote == b'\'') {
                let kind = if quote == b'"' { TokenKind::String } else { TokenKind::Char };
                return (kind, self.quoted_end(after_quote, quote));
            }
        }
        (TokenKind::Identifier, end)
    }

    /// The end of a raw string whose delimiter starts at `open`, or `None` when what follows
    /// `R"` is not a valid delimiter (then it is read as an ordinary string, as a C compiler
    /// without raw strings would).
    fn raw_string_end(&self, open: usize) -> Option<usize> {
        let bytes = self.bytes;
        let mut i = open;
        while i < bytes.len() && i - open <= 16 {
            match bytes[i] {
                b'(' => break,
                b' ' | b')' | b'\\' | b'\t' | b'\x0b' | b'\x0c' | b'\n' | b'\r' | b'"' => return None,
                _ => i += 1,
            }
        }
        if bytes.get(i) != Some(&b'(') {
            return None;
        }
        let delimiter = &bytes[open..i];
        let mut j = i + 1;
        while j < bytes.len() {
            if bytes[j] == b')'
                && bytes[j + 1..].starts_with(delimiter)
                && bytes.get(j + 1 + delimiter.len()) == Some(&b'"')
            {
                return Some(j + delimiter.len() + 2);
            }
            j += 1;
        }
        Some(bytes.len())
    }

    /// The end of a `"…"` or `'…'` literal whose contents start at `i`: after the closing
    /// quote, or before the newline when it is unterminated.
    fn quoted_end(&self, mut i: usize, quote: u8) -> usize {
        while let Some((c, next)) = self.peek_at(i) {
            if c == b'\n' {
                return trim_trailing_cr(self.bytes, i, next - 1);
            }
            if c == quote {
                return next;
            }
            if c == b'\\' {
                match self.peek_at(next) {
                    Some((b'\n', _)) | None => return next,
                    Some((_, after)) => i = after,
                }
                continue;
            }
            i = next;
        }
        self.bytes.len()
    }

    fn number_end(&self, start: usize) -> usize {
        let mut i = start;
        let mut end = start;
        let mut previous = 0u8;
        while let Some((c, next)) = self.peek_at(i) {
            let exponent_sign = (c == b'+' || c == b'-') && matches!(previous, b'e' | b'E' | b'p' | b'P');
            let separator = c == b'\''
                && previous != b'\''
                && end > start
                && self.peek_at(next).is_some_and(|(d, _)| is_identifier_continue(d));
            if !(is_identifier_continue(c) || c == b'.' || exponent_sign || separator) {
                break;
            }
            previous = c;
            end = next;
            i = next;
        }
        end
    }

    fn punct_end(&self, start: usize) -> usize {
        const LONGEST_FIRST: [&[u8]; 30] = [
            b"%:%:", b"<<=", b">>=", b"...", b"->*", b"<=>", b"->", b"++", b"--", b"<<", b">>", b"<=", b">=",
            b"==", b"!=", b"&&", b"||", b"*=", b"/=", b"%=", b"+=", b"-=", b"&=", b"^=", b"|=", b"##", b"::",
            b".*", b"<:", b"%:",
        ];
        const DIGRAPHS: [&[u8]; 3] = [b":>", b"<%", b"%>"];
        for candidate in LONGEST_FIRST.iter().chain(DIGRAPHS.iter()) {
            if let Some(end) = self.matches_logically(start, candidate) {
                return end;
            }
        }
        // One character; a non-ASCII one (not an identifier character) whole.
        let mut end = start + 1;
        while end < self.bytes.len() && !self.source.is_char_boundary(end) {
            end += 1;
        }
        end
    }

    /// Whether `expected` is spelled at `start`, splices allowed between its characters.
    fn matches_logically(&self, start: usize, expected: &[u8]) -> Option<usize> {
        let mut i = start;
        for (k, &want) in expected.iter().enumerate() {
            let (c, next) = if k == 0 { (self.bytes[i], i + 1) } else { self.peek_at(i)? };
            if c != want {
                return None;
            }
            i = next;
        }
        Some(i)
    }
}

fn has_real_newline(bytes: &[u8], start: usize, end: usize) -> bool {
    let mut i = start;
    while i < end {
        let n = splice_len(bytes, i);
        if n > 0 {
            i += n;
        } else if bytes[i] == b'\n' {
            return true;
        } else {
            i += 1;
        }
    }
    false
}

/// `end`, moved back over a `\r` that belongs to a `\r\n` line ending.
fn trim_trailing_cr(bytes: &[u8], start: usize, end: usize) -> usize {
    if end > start && bytes[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

fn is_identifier_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_identifier_continue(b: u8) -> bool {
    is_identifier_start(b) || b.is_ascii_digit()
}

/// The `#if` nesting: which groups are active.
#[derive(Default)]
struct Conditionals {
    frames: Vec<Frame>,
}

struct Frame {
    /// Whether the code around the `#if` is active.
    enclosing: bool,
    /// Whether the current group (after the last `#if`/`#elif`/`#else`) is active.
    group: bool,
    /// A branch known to be taken has been seen: every later branch is dead.
    settled: bool,
}

impl Conditionals {
    fn active(&self) -> bool {
        self.frames.last().is_none_or(|f| f.group)
    }

    /// Follows one directive; returns whether the directive itself is active.
    fn directive(&mut self, source: &str, inner: &[Token]) -> bool {
        let significant: Vec<&Token> = inner.iter().filter(|t| !is_blank(t.kind)).collect();
        let name = significant.get(1).map(|t| t.spelling(source)).unwrap_or_default();
        let condition = || known_condition(source, significant.get(2..).unwrap_or(&[]));
        match name.as_ref() {
            "if" | "ifdef" | "ifndef" => {
                let enclosing = self.active();
                let known = if name == "if" { condition() } else { None };
                self.frames.push(Frame {
                    enclosing,
                    group: enclosing && known != Some(false),
                    settled: known == Some(true),
                });
                enclosing
            }
            "elif" | "elifdef" | "elifndef" => {
                let known = if name == "elif" { condition() } else { None };
                match self.frames.last_mut() {
                    Some(frame) => {
                        // After a branch known to be taken, the condition is never evaluated.
                        let evaluated = frame.enclosing && !frame.settled;
                        frame.group = evaluated && known != Some(false);
                        frame.settled |= known == Some(true);
                        evaluated
                    }
                    None => true,
                }
            }
            "else" => match self.frames.last_mut() {
                Some(frame) => {
                    frame.group = frame.enclosing && !frame.settled;
                    frame.settled = true;
                    frame.enclosing
                }
                None => true,
            },
            "endif" => self.frames.pop().is_none_or(|f| f.enclosing),
            _ => self.active(),
        }
    }
}

/// `Some(false)` for `0`, `(0)` or `false`; `Some(true)` for a non-zero integer; else `None`.
fn known_condition(source: &str, tokens: &[&Token]) -> Option<bool> {
    let texts: Vec<Cow<str>> = tokens.iter().map(|t| t.spelling(source)).collect();
    let texts: Vec<&str> = texts.iter().map(|t| t.as_ref()).collect();
    let inner = match texts.as_slice() {
        ["(", x, ")"] => *x,
        [x] => *x,
        _ => return None,
    };
    if inner == "false" {
        return Some(false);
    }
    let digits = inner.trim_end_matches(['u', 'U', 'l', 'L']);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(digits.bytes().any(|b| b != b'0'));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> Vec<String> {
        identifiers(source).into_iter().map(|(n, _, _)| n).collect()
    }

    fn kinds(source: &str) -> Vec<(TokenKind, String)> {
        tokenize(source)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Whitespace)
            .map(|t| (t.kind, t.text(source).to_string()))
            .collect()
    }

    fn assert_tiles(source: &str) {
        let tokens = tokenize(source);
        let mut pos = 0;
        for t in &tokens {
            assert_eq!(t.start, pos, "gap or overlap at {pos} in {source:?}");
            assert!(t.end > t.start, "empty token in {source:?}");
            pos = t.end;
        }
        assert_eq!(pos, source.len());
    }

    #[test]
    fn names_in_comments_are_not_uses() {
        let src = "// PyDict_GetItem here\nint a; /* _PyLong_AsInt\n and more */ int b;\n";
        assert_eq!(names(src), ["int", "a", "int", "b"]);
        assert_tiles(src);
    }

    #[test]
    fn a_line_comment_continues_over_a_splice() {
        let src = "// comment \\\nPyHidden();\nPyShown();\n";
        assert_eq!(names(src), ["PyShown"]);
    }

    #[test]
    fn block_comment_end_may_be_split_by_a_splice() {
        let src = "/* a *\\\n/ PyAfter /* not closed";
        assert_eq!(names(src), ["PyAfter"]);
        assert_eq!(kinds(src).last().unwrap().0, TokenKind::Comment);
    }

    #[test]
    fn names_in_strings_are_not_uses() {
        let src = r#"f("PyDict_GetItem \" still \\", x); g(u8"PyA", L"PyB", u"PyC", U"PyD", h);"#;
        assert_eq!(names(src), ["f", "x", "g", "h"]);
        let strings: Vec<String> =
            kinds(src).into_iter().filter(|(k, _)| *k == TokenKind::String).map(|(_, t)| t).collect();
        assert_eq!(
            strings,
            [r#""PyDict_GetItem \" still \\""#, r#"u8"PyA""#, r#"L"PyB""#, r#"u"PyC""#, r#"U"PyD""#]
        );
    }

    #[test]
    fn a_prefix_name_without_quote_is_an_identifier() {
        assert_eq!(names("L + u8 + R + U (x)"), ["L", "u8", "R", "U", "x"]);
        assert_eq!(names("LR'x' uR\"y\""), ["LR"]);
    }

    #[test]
    fn unterminated_strings_end_at_the_line() {
        let src = "f(\"PyX\n); PyY();";
        assert_eq!(names(src), ["f", "PyY"]);
        let src = "#error don't use PyZ\nPyW();";
        assert_eq!(names(src), ["PyW"]);
    }

    #[test]
    fn raw_strings_hold_anything_until_their_delimiter() {
        let src = "auto s = R\"py(PyDict_GetItem )\" \"still\" PyX)py\"; use(PyY);";
        assert_eq!(names(src), ["auto", "s", "use", "PyY"]);
        let src = "auto s = u8R\"(a\\\nb PyX)\"; LR\"x(PyZ\n)x\" PyY";
        assert_eq!(names(src), ["auto", "s", "PyY"]);
        let raw = tokenize(src).into_iter().find(|t| t.kind == TokenKind::String).unwrap();
        assert_eq!(raw.spelling(src), "u8R\"(a\\\nb PyX)\"", "splices stay in a raw string");
    }

    #[test]
    fn character_literals_are_not_uses() {
        let src = "c = 'a'; d = '\\''; e = u8'x'; f = L'\\n'; g = 1'000'000; h;";
        assert_eq!(names(src), ["c", "d", "e", "f", "g", "h"]);
        let chars: Vec<String> =
            kinds(src).into_iter().filter(|(k, _)| *k == TokenKind::Char).map(|(_, t)| t).collect();
        assert_eq!(chars, ["'a'", "'\\''", "u8'x'", "L'\\n'"]);
        assert!(kinds(src).contains(&(TokenKind::Number, "1'000'000".into())));
    }

    #[test]
    fn splices_join_identifiers() {
        let src = "PyLong_\\\nAsInt(x);\nPy\\  \r\nDict_New();";
        let found = identifiers(src);
        assert_eq!(found[0], ("PyLong_AsInt".to_string(), 1, 1));
        assert_eq!(found[2], ("PyDict_New".to_string(), 3, 1));
        assert_tiles(src);
    }

    #[test]
    fn directives_are_one_token_across_splices() {
        let src = "#define COMPAT(x) \\\n    _PyLong_AsInt(x)   \nint y = COMPAT(z);\n";
        let tokens = tokenize(src);
        assert_eq!(tokens[0].kind, TokenKind::Directive);
        assert_eq!(tokens[0].text(src), "#define COMPAT(x) \\\n    _PyLong_AsInt(x)");
        assert_eq!(names(src), ["_PyLong_AsInt", "x", "int", "y", "COMPAT", "z"]);
        let found = identifiers(src);
        assert_eq!(found[0], ("_PyLong_AsInt".to_string(), 2, 5));
    }

    #[test]
    fn directive_contents_count_where_they_are_uses() {
        let src = "#include <Python.h>\n#include \"PyInc.h\"\n#ifdef PyA\n#endif\n#if defined(PyB) && PY_VERSION_HEX\n\
                   #elif PyC\n#endif\n#undef PyD\n#pragma PyE\n#error PyF\n#define PyG PyH\n";
        assert_eq!(names(src), ["PyA", "defined", "PyB", "PY_VERSION_HEX", "PyC", "PyH"]);
        let include = directive_tokens(src, &tokenize(src)[0]);
        assert!(include.iter().any(|t| t.kind == TokenKind::String && t.text(src) == "<Python.h>"));
    }

    #[test]
    fn a_comment_may_span_lines_inside_a_directive() {
        let src = "#define X /* one\n two */ PyA\nPyB\n";
        assert_eq!(names(src), ["PyA", "PyB"]);
        assert_eq!(tokenize(src)[0].text(src), "#define X /* one\n two */ PyA");
    }

    #[test]
    fn hash_not_at_line_start_is_punctuation() {
        let src = "a # b\n  /* c */ # define Q PyA\n%: define R PyB\n";
        let directives: Vec<String> =
            kinds(src).into_iter().filter(|(k, _)| *k == TokenKind::Directive).map(|(_, t)| t).collect();
        assert_eq!(directives, ["# define Q PyA", "%: define R PyB"]);
    }

    #[test]
    fn if_zero_is_inactive_and_its_else_active() {
        let src = "#if 0\nPyA();\n#if 1\nPyB();\n#else\nPyC();\n#endif\n#else\nPyD();\n#endif\nPyE();\n";
        assert_eq!(names(src), ["PyD", "PyE"]);
        let tokens = tokenize(src);
        let directive_activity: Vec<(String, bool)> = tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Directive)
            .map(|t| (t.text(src).to_string(), t.active))
            .collect();
        assert_eq!(
            directive_activity,
            [
                ("#if 0".into(), true),
                ("#if 1".into(), false),
                ("#else".into(), false),
                ("#endif".into(), false),
                ("#else".into(), true),
                ("#endif".into(), true)
            ]
        );
    }

    #[test]
    fn if_one_makes_its_else_inactive_and_unknown_conditions_keep_both() {
        let src = "#if 1\nPyA\n#elif X\nPyB\n#else\nPyC\n#endif\n#ifdef Y\nPyD\n#else\nPyE\n#endif\n";
        assert_eq!(names(src), ["PyA", "Y", "PyD", "PyE"]);
        let src = "#if (0)\nPyA\n#elif 0\nPyB\n#elif Z\nPyC\n#else\nPyD\n#endif\n#if false\nPyE\n#endif\n";
        assert_eq!(names(src), ["Z", "PyC", "PyD", "false"]);
    }

    #[test]
    fn inactive_text_need_not_be_valid_c() {
        let src = "#if 0\nit's a note: don't \"call\n PyA\n#endif\nPyB\n";
        assert_eq!(names(src), ["PyB"]);
        assert_tiles(src);
    }

    #[test]
    fn unbalanced_conditionals_do_not_panic() {
        assert_eq!(names("#endif\n#else\nPyA\n#elif 0\nPyB\n"), ["PyA", "PyB"]);
        assert_eq!(names("#if 0\nPyA\n"), Vec::<String>::new());
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let src = "/* é */ PyA\r\n\tPyB";
        let found = identifiers(src);
        assert_eq!(found, [("PyA".to_string(), 1, 9), ("PyB".to_string(), 2, 2)]);
    }

    #[test]
    fn numbers_and_punctuation() {
        let src = "x = 0x1p-3 + .5e+2f >>= a->b ... :: <=> 10ULL";
        let texts: Vec<String> = kinds(src).into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            texts,
            ["x", "=", "0x1p-3", "+", ".5e+2f", ">>=", "a", "->", "b", "...", "::", "<=>", "10ULL"]
        );
    }

    #[test]
    fn odd_input_never_panics_and_always_tiles() {
        for src in [
            "",
            "\\",
            "\\\n",
            "#",
            "#\\\n",
            "R\"",
            "R\"abc",
            "R\"(",
            "u8",
            "'",
            "\"",
            "/*",
            "/",
            "a\\",
            "\u{feff}PyA",
            "é",
            "#include <",
            "\r",
            "\\\r\n",
            "x'",
            "1'",
            "%:",
            "%",
            "#if",
            "#elif",
            "R\"12345678901234567(x)\"",
        ] {
            assert_tiles(src);
            let _ = identifiers(src);
        }
        assert_eq!(names("\u{feff}PyA"), ["PyA"]);
    }

    proptest::proptest! {
        /// Any text, drawn mostly from the characters that steer the lexer: no panic, the
        /// tokens tile the source, directive contents stay inside their directive, and
        /// identifiers are never empty.
        #[test]
        fn any_text_tiles(src in "([#/*\\\n\r\"'R8uLU()<>a-z0-9 _.:%é]|\\\n|#if 0\n|#else\n|#endif\n|/\\\n/){0,80}") {
            assert_tiles(&src);
            for token in tokenize(&src) {
                for inner in directive_tokens(&src, &token) {
                    proptest::prop_assert!(inner.start >= token.start && inner.end <= token.end);
                }
            }
            for (name, line, column) in identifiers(&src) {
                proptest::prop_assert!(!name.is_empty() && line >= 1 && column >= 1);
            }
        }
    }
}
