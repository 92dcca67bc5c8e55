//! The user's code as the matcher sees it: the tokens the compiler sees (no comments, no
//! literals' insides, nothing in `#if 0`), in streams: the file's top-level code, and the body
//! of each active `#define` on its own (a macro's body is code, but not code of the place
//! where it is written). Each token knows its brace depth and whether it is inside the body of
//! a function declared `PyObject *NAME(…)` with only plain blocks in between.

use crate::scan::tokenize::{directive_tokens, tokenize, Token, TokenKind};

#[derive(Debug, Clone)]
pub struct CodeToken {
    pub kind: TokenKind,
    /// Byte range in the file.
    pub start: usize,
    pub end: usize,
    /// As the compiler reads it (splices removed).
    pub text: String,
    pub line: u32,
    pub column: u32,
    /// Braces open around the token (in a macro body: unknown, counted from the body's start).
    pub depth: usize,
    /// In a function returning `PyObject *`, not inside a nested function-like body (a C++
    /// lambda, a GNU statement expression) or an initializer.
    pub in_pyobject_function: bool,
}

/// One stream of code tokens.
#[derive(Debug, Clone)]
pub struct Stream {
    pub tokens: Vec<CodeToken>,
    /// `clean_after[i]`: nothing but whitespace lies between token `i` and `i + 1` (no
    /// comment, no directive, no inactive code), so replacing both cannot drop any of those.
    pub clean_after: Vec<bool>,
    /// The matching bracket of each `(`, `[`, `{` and `)`, `]`, `}`.
    pub partner: Vec<Option<usize>>,
    /// A `#define` body: its start is the macro's, whatever the place it is used in.
    pub macro_body: bool,
}

impl Stream {
    pub fn text(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |t| t.text.as_str())
    }

    fn build(raw: Vec<(Token, String)>, macro_body: bool) -> Stream {
        let mut tokens: Vec<CodeToken> = Vec::new();
        let mut clean_after: Vec<bool> = Vec::new();
        let mut dirty = false;
        for (token, text) in raw {
            let code = token.active
                && !matches!(token.kind, TokenKind::Whitespace | TokenKind::Comment | TokenKind::Directive);
            if !code {
                if token.kind != TokenKind::Whitespace || !token.active {
                    dirty = true;
                }
                continue;
            }
            if let Some(last) = clean_after.last_mut() {
                *last = !dirty;
            }
            dirty = false;
            tokens.push(CodeToken {
                kind: token.kind,
                start: token.start,
                end: token.end,
                text,
                line: token.line,
                column: token.column,
                depth: 0,
                in_pyobject_function: false,
            });
            clean_after.push(true);
        }
        let mut stream = Stream { partner: vec![None; tokens.len()], tokens, clean_after, macro_body };
        stream.pair_brackets();
        stream.mark_scopes();
        stream
    }

    fn pair_brackets(&mut self) {
        let mut open: Vec<usize> = Vec::new();
        for i in 0..self.tokens.len() {
            if self.tokens[i].kind != TokenKind::Punct {
                continue;
            }
            match self.tokens[i].text.as_str() {
                "(" | "[" | "{" => open.push(i),
                close @ (")" | "]" | "}") => {
                    let want = match close {
                        ")" => "(",
                        "]" => "[",
                        _ => "{",
                    };
                    // A mismatch (code split by #ifdef branches) leaves both unpaired.
                    if let Some(&o) = open.last() {
                        if self.tokens[o].text == want {
                            open.pop();
                            self.partner[i] = Some(o);
                            self.partner[o] = Some(i);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Brace depth, and the enclosing function's declared return type where it is `PyObject *`.
    /// `extern "C" {` and `namespace … {` open no scope: what is inside is at file scope.
    fn mark_scopes(&mut self) {
        // Per open brace: whether it opens a scope, and whether code inside still returns from
        // a `PyObject *` function.
        let mut braces: Vec<(bool, bool)> = Vec::new();
        for i in 0..self.tokens.len() {
            let punct = self.tokens[i].kind == TokenKind::Punct;
            if punct && self.tokens[i].text == "}" {
                braces.pop();
            }
            let scopes: Vec<bool> = braces.iter().filter(|(scope, _)| *scope).map(|(_, f)| *f).collect();
            self.tokens[i].depth = scopes.len();
            self.tokens[i].in_pyobject_function = scopes.last().copied().unwrap_or(false);
            if punct && self.tokens[i].text == "{" {
                if self.opens_file_scope(i) {
                    braces.push((false, false));
                    continue;
                }
                let inside = if scopes.is_empty() {
                    !self.macro_body && self.declares_pyobject_function(i)
                } else {
                    scopes.last().copied().unwrap_or(false) && self.opens_plain_block(i)
                };
                braces.push((true, inside));
            }
        }
    }

    /// `extern "C" {`, `namespace {`, `namespace a::b {`.
    fn opens_file_scope(&self, brace: usize) -> bool {
        let Some(prev) = brace.checked_sub(1) else { return false };
        if self.tokens[prev].kind == TokenKind::String {
            return prev >= 1 && self.text(prev - 1) == "extern";
        }
        let mut j = prev;
        while j > 0 && (self.tokens[j].kind == TokenKind::Identifier || self.text(j) == "::") {
            if self.text(j) == "namespace" {
                return true;
            }
            j -= 1;
        }
        self.text(j) == "namespace"
    }

    /// `PyObject *NAME(…) {` at file scope.
    fn declares_pyobject_function(&self, brace: usize) -> bool {
        let Some(close) = brace.checked_sub(1).filter(|&c| self.text(c) == ")") else { return false };
        let Some(open) = self.partner[close] else { return false };
        open >= 3
            && self.tokens[open - 1].kind == TokenKind::Identifier
            && self.text(open - 2) == "*"
            && self.text(open - 3) == "PyObject"
            && !matches!(open.checked_sub(4).map(|p| self.text(p)), Some("::" | "<" | "," | "(" | "struct"))
    }

    /// A `{` that opens a block of statements (after a statement, `else`, `do`, a label, or
    /// the `)` of `if`/`while`/`for`/`switch`), not a lambda's body or an initializer.
    fn opens_plain_block(&self, brace: usize) -> bool {
        let Some(prev) = brace.checked_sub(1) else { return true };
        match self.text(prev) {
            ";" | "{" | "}" | "else" | "do" | ":" => true,
            ")" => self.partner[prev]
                .and_then(|open| open.checked_sub(1))
                .is_some_and(|k| matches!(self.text(k), "if" | "while" | "for" | "switch")),
            _ => false,
        }
    }
}

/// The file's streams: its top-level code, then each active `#define`'s body.
pub fn streams(source: &str) -> Vec<Stream> {
    let tokens = tokenize(source);
    let spelled = |t: &Token| (*t, t.spelling(source).into_owned());
    let mut out = vec![Stream::build(tokens.iter().map(spelled).collect(), false)];
    for directive in tokens.iter().filter(|t| t.kind == TokenKind::Directive && t.active) {
        let inner = directive_tokens(source, directive);
        if let Some(body) = define_body(source, &inner) {
            out.push(Stream::build(body.iter().map(spelled).collect(), true));
        }
    }
    out
}

/// The tokens of a `#define`'s replacement list (after the name and any parameter list).
fn define_body<'a>(source: &str, inner: &'a [Token]) -> Option<&'a [Token]> {
    let significant: Vec<usize> = (0..inner.len())
        .filter(|&i| !matches!(inner[i].kind, TokenKind::Whitespace | TokenKind::Comment))
        .collect();
    let word = |k: usize| significant.get(k).map(|&i| inner[i].spelling(source));
    if word(1).as_deref() != Some("define") {
        return None;
    }
    let name = inner[*significant.get(2)?];
    let mut next = *significant.get(3).unwrap_or(&inner.len());
    if next < inner.len() && inner[next].start == name.end && inner[next].text(source) == "(" {
        next = (next..inner.len()).find(|&i| inner[i].text(source) == ")")? + 1;
    }
    Some(&inner[next.min(inner.len())..])
}

/// The names the file itself defines or declares: every active `#define`'s name, and every
/// identifier at file scope that is not in an expression (a declaration, a definition). A
/// file with a shim of its own for a name is left alone by the rules about that name.
pub fn defined_names(source: &str, streams: &[Stream]) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    for d in tokenize(source).iter().filter(|t| t.kind == TokenKind::Directive && t.active) {
        let inner = directive_tokens(source, d);
        let mut words = inner
            .iter()
            .filter(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment))
            .map(|t| t.spelling(source));
        if words.nth(1).as_deref() == Some("define") {
            if let Some(name) = words.next() {
                names.insert(name.into_owned());
            }
        }
    }
    let main = &streams[0];
    for i in 1..main.tokens.len() {
        let token = &main.tokens[i];
        if token.depth == 0
            && token.kind == TokenKind::Identifier
            && !matches!(main.text(i - 1), "=" | "(" | "," | "return" | "!" | "&")
        {
            names.insert(token.text.clone());
        }
    }
    names
}

/// The functions the file defines at file scope (`TYPE NAME(…) {`), with the line of the name:
/// a project's own backport of a name (`static inline int PyType_Freeze(PyTypeObject *t) {…}`
/// under a version check) is one, whatever `#if` is around it.
pub fn defined_functions(source: &str) -> Vec<(String, u32)> {
    let streams = streams(source);
    let main = &streams[0];
    let mut out = Vec::new();
    for i in 1..main.tokens.len() {
        let token = &main.tokens[i];
        let previous = &main.tokens[i - 1];
        let returns_something = previous.kind == TokenKind::Identifier || previous.text == "*";
        if token.depth != 0 || token.kind != TokenKind::Identifier || !returns_something {
            continue;
        }
        if main.text(i + 1) != "(" {
            continue;
        }
        let Some(close) = main.partner[i + 1] else { continue };
        if main.text(close + 1) == "{" {
            out.push((token.text.clone(), token.line));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_definitions_not_calls_or_declarations() {
        let code = "#if PY_VERSION_HEX < 0x030E0000\nstatic inline int PyType_Freeze(PyTypeObject *t)\n{ return -1; }\n#endif\n\
                    static PyObject *\nget(PyObject *self) { return PyLong_FromLong(f(1)); }\n\
                    int declared(void);\nPyDoc_STRVAR(doc, \"x\");\nstatic PyMemberDef members[] = {{0}};\n";
        assert_eq!(defined_functions(code), [("PyType_Freeze".to_string(), 2), ("get".to_string(), 6)]);
    }

    #[test]
    fn comments_strings_and_disabled_code_are_not_code() {
        let s = streams("a /* b */ c \"d\" e\n#if 0\nf\n#endif\ng // h\n");
        let texts: Vec<&str> = s[0].tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["a", "c", "\"d\"", "e", "g"]);
        assert_eq!(s[0].clean_after, [false, true, true, false, true]);
    }

    #[test]
    fn define_bodies_are_streams_of_their_own() {
        let s = streams("#define M(x) \\\n  _PyLong_AsInt(x)\nint y;\n");
        assert_eq!(s.len(), 2);
        let body: Vec<&str> = s[1].tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(body, ["_PyLong_AsInt", "(", "x", ")"]);
        assert!(s[1].macro_body);
    }

    #[test]
    fn extern_c_and_namespaces_are_file_scope() {
        let s = &streams("extern \"C\" {\nint a;\nnamespace x::y { int b; }\nvoid f(void) { c; }\n}\n")[0];
        let depth = |name: &str| s.tokens.iter().find(|t| t.text == name).unwrap().depth;
        assert_eq!((depth("a"), depth("b"), depth("c")), (0, 0, 1));
    }

    #[test]
    fn pyobject_functions_are_recognised_through_plain_blocks_only() {
        let src = "static PyObject *f(PyObject *o) { if (o) { a; } x = (int[]){ b }; }\nint g(void) { c; }";
        let s = &streams(src)[0];
        let at = |name: &str| s.tokens.iter().find(|t| t.text == name).unwrap().in_pyobject_function;
        assert!(at("a"));
        assert!(!at("b"));
        assert!(!at("c"));
    }
}
