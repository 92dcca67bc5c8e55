//! A parser for the C prototypes the spec writes (`int PyDict_Pop(PyObject *d, PyObject *k,
//! PyObject **r)`). It understands what the C API uses: qualifiers, pointers, arrays and `...`;
//! function-pointer parameters must go through a typedef.

/// One parameter: its type as written (normalised spacing) and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub ty: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub return_type: String,
    pub name: String,
    pub params: Vec<Param>,
    pub variadic: bool,
}

impl Signature {
    /// The prototype with another function name, e.g. the `capicompat_` one we emit.
    pub fn render_with_name(&self, name: &str) -> String {
        let mut params: Vec<String> =
            self.params.iter().map(|p| join_type_and_name(&p.ty, &p.name)).collect();
        if self.variadic {
            params.push("...".to_string());
        }
        let params = if params.is_empty() { "void".to_string() } else { params.join(", ") };
        format!("{}({})", join_type_and_name(&self.return_type, name), params)
    }
}

/// `PyObject *` + `name` gives `PyObject *name`; `int` + `name` gives `int name`; a
/// pointer to function `PyObject *(*)(void)` + `f` gives `PyObject *(*f)(void)`.
fn join_type_and_name(ty: &str, name: &str) -> String {
    if ty.contains("(*)") {
        ty.replacen("(*)", &format!("(*{name})"), 1)
    } else if ty.ends_with('*') {
        format!("{ty}{name}")
    } else {
        format!("{ty} {name}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Star,
    Comma,
    Open,
    Close,
    Ellipsis,
    Array(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '*' => {
                tokens.push(Token::Star);
                i += 1
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1
            }
            '(' => {
                tokens.push(Token::Open);
                i += 1
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1
            }
            '.' => {
                if chars[i..].starts_with(&['.', '.', '.']) {
                    tokens.push(Token::Ellipsis);
                    i += 3
                } else {
                    return Err("a lone `.`".into());
                }
            }
            '[' => {
                let end = chars[i..].iter().position(|&c| c == ']').ok_or("`[` without `]`")?;
                let inside: String = chars[i + 1..i + end].iter().collect();
                tokens.push(Token::Array(inside.trim().to_string()));
                i += end + 1
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character `{other}`")),
        }
    }
    Ok(tokens)
}

/// Renders type tokens as C writes them: `const char *`, `PyObject **`.
fn render_type(tokens: &[Token]) -> String {
    let mut out = String::new();
    for tok in tokens {
        match tok {
            Token::Ident(word) => {
                // `char *const`: a qualifier binds to the star before it, no space.
                if !out.is_empty() && !out.ends_with('*') {
                    out.push(' ');
                }
                out.push_str(word);
            }
            Token::Star => {
                if !out.ends_with('*') {
                    out.push(' ');
                }
                out.push('*');
            }
            _ => {}
        }
    }
    out
}

pub fn is_c_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !C_KEYWORDS.contains(&text)
}

const C_KEYWORDS: &[&str] = &[
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
    "class",
    "new",
    "delete",
    "template",
    "this",
    "namespace",
    "operator",
    "private",
    "public",
    "protected",
    "virtual",
    "bool",
    "true",
    "false",
    "nullptr",
];

/// Words that belong to a type and so cannot be the declarator's name.
const TYPE_WORDS: &[&str] = &[
    "const", "volatile", "unsigned", "signed", "short", "long", "int", "char", "void", "float", "double",
    "struct", "union", "enum", "restrict",
];

/// Splits `type-tokens name` and checks that a name is there.
fn split_declarator(tokens: &[Token], what: &str) -> Result<(String, String), String> {
    let mut tokens = tokens.to_vec();
    let mut array_suffix = String::new();
    while let Some(Token::Array(inside)) = tokens.last() {
        array_suffix = format!("[{inside}]{array_suffix}");
        tokens.pop();
    }
    let name = match tokens.last() {
        Some(Token::Ident(name)) if !TYPE_WORDS.contains(&name.as_str()) => name.clone(),
        _ => return Err(format!("{what} has no name (write `type name`)")),
    };
    let ty_tokens = &tokens[..tokens.len() - 1];
    if ty_tokens.is_empty() {
        return Err(format!("{what} `{name}` has no type"));
    }
    if ty_tokens.iter().any(|t| !matches!(t, Token::Ident(_) | Token::Star)) {
        return Err(format!("{what} `{name}` has a type this parser does not read (use a typedef)"));
    }
    if !is_c_identifier(&name) {
        return Err(format!("{what} name `{name}` is not a C identifier"));
    }
    let mut ty = render_type(ty_tokens);
    if !array_suffix.is_empty() {
        // `T name[]` is `T *name` as a parameter; keep the array spelling in the type's place.
        ty = format!("{ty} *");
        ty = ty.replace("* *", "**");
    }
    Ok((ty, name))
}

/// Splits a parameter list at the commas outside parentheses.
fn split_top_level(tokens: &[Token]) -> Result<Vec<&[Token]>, String> {
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let mut groups = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::Open => depth += 1,
            Token::Close => depth = depth.checked_sub(1).ok_or("unbalanced `)`")?,
            Token::Comma if depth == 0 => {
                groups.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced `(`".into());
    }
    groups.push(&tokens[start..]);
    Ok(groups)
}

/// Writes tokens back as C (`const char *`, `int, ...`).
fn render_tokens(tokens: &[Token]) -> String {
    let mut out = String::new();
    for t in tokens {
        let piece = match t {
            Token::Ident(w) => w.as_str(),
            Token::Star => "*",
            Token::Comma => ",",
            Token::Ellipsis => "...",
            Token::Open => "(",
            Token::Close => ")",
            Token::Array(_) => "[]",
        };
        let glue = matches!(t, Token::Ident(_) | Token::Ellipsis)
            && out.chars().last().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ',');
        if glue || (matches!(t, Token::Star) && out.chars().last().is_some_and(|c| c.is_ascii_alphanumeric()))
        {
            out.push(' ');
        }
        out.push_str(piece);
    }
    out.replace("* *", "**")
}

/// `RET (*name)(ARGS)`: a pointer-to-function parameter, kept as `RET (*)(ARGS)`.
fn function_pointer(group: &[Token], position: usize) -> Result<Param, String> {
    let what = format!("parameter {position}");
    let open = group.iter().position(|t| *t == Token::Open).expect("caller checked");
    let name = match group.get(open + 1..open + 4) {
        Some([Token::Star, Token::Ident(name), Token::Close]) if is_c_identifier(name) => name.clone(),
        _ => {
            return Err(format!(
                "{what}: only pointers to functions, `RET (*name)(ARGS)`, may use parentheses"
            ))
        }
    };
    let ret = &group[..open];
    if ret.is_empty() || ret.iter().any(|t| !matches!(t, Token::Ident(_) | Token::Star)) {
        return Err(format!("{what}: the function pointer needs a return type"));
    }
    let args = &group[open + 4..];
    match (args.first(), args.last()) {
        (Some(Token::Open), Some(Token::Close)) if args.len() >= 2 => {}
        _ => {
            return Err(format!("{what}: write the pointed-to function's parameters, `RET (*{name})(ARGS)`"))
        }
    }
    let inner = &args[1..args.len() - 1];
    if inner.iter().any(|t| matches!(t, Token::Open | Token::Close)) {
        return Err(format!("{what}: nested function pointers need a typedef"));
    }
    let ret = render_type(ret);
    let space = if ret.ends_with('*') { "" } else { " " };
    Ok(Param { ty: format!("{ret}{space}(*)({})", render_tokens(inner)), name })
}

pub fn parse_signature(text: &str) -> Result<Signature, String> {
    let tokens = tokenize(text)?;
    let open = tokens
        .iter()
        .position(|t| *t == Token::Open)
        .ok_or("no `(`: write a prototype like `int PyFoo(PyObject *obj)`")?;
    if tokens.last() != Some(&Token::Close) {
        return Err("the prototype must end with `)` (no `;`, no attributes)".into());
    }
    let (return_type, name) = split_declarator(&tokens[..open], "the function")?;
    let inner = &tokens[open + 1..tokens.len() - 1];
    let mut params = Vec::new();
    let mut variadic = false;
    let groups = split_top_level(inner)?;
    let count = groups.len();
    for (index, group) in groups.into_iter().enumerate() {
        match group {
            [] => return Err(format!("parameter {} is empty", index + 1)),
            [Token::Ellipsis] if index + 1 == count && index > 0 => variadic = true,
            [Token::Ellipsis] => return Err("`...` must be the last of several parameters".into()),
            [Token::Ident(v)] if v == "void" && count == 1 => {}
            _ if group.contains(&Token::Open) => {
                params.push(function_pointer(group, index + 1)?);
            }
            _ => {
                let (ty, pname) = split_declarator(group, &format!("parameter {}", index + 1))?;
                params.push(Param { ty, name: pname });
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in &params {
        if !seen.insert(p.name.as_str()) {
            return Err(format!("parameter name `{}` is used twice", p.name));
        }
    }
    Ok(Signature { return_type, name, params, variadic })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_common_shapes() {
        let sig =
            parse_signature("int PyDict_GetItemRef(PyObject *p, PyObject *key, PyObject **result)").unwrap();
        assert_eq!(sig.return_type, "int");
        assert_eq!(sig.name, "PyDict_GetItemRef");
        assert_eq!(sig.params[2], Param { ty: "PyObject **".into(), name: "result".into() });
        assert_eq!(
            sig.render_with_name("capicompat_PyDict_GetItemRef"),
            "int capicompat_PyDict_GetItemRef(PyObject *p, PyObject *key, PyObject **result)"
        );
        let sig = parse_signature("const char *PyFoo(void)").unwrap();
        assert_eq!(sig.return_type, "const char *");
        assert!(sig.params.is_empty());
        assert_eq!(sig.render_with_name("f"), "const char *f(void)");
        let sig = parse_signature("PyObject* PyErr_Fmt(PyObject *t, const char *fmt, ...)").unwrap();
        assert!(sig.variadic);
        assert_eq!(sig.render_with_name("g"), "PyObject *g(PyObject *t, const char *fmt, ...)");
        let sig =
            parse_signature("unsigned long long f(Py_ssize_t n, const unsigned char *const buf)").unwrap();
        assert_eq!(sig.params[1].ty, "const unsigned char *const");
    }

    #[test]
    fn reads_function_pointer_parameters() {
        let sig = parse_signature(
            "int PyInitConfig_AddModule(PyInitConfig *config, const char *name, PyObject* (*initfunc)(void))",
        )
        .unwrap();
        assert_eq!(sig.params[2], Param { ty: "PyObject *(*)(void)".into(), name: "initfunc".into() });
        assert_eq!(
            sig.render_with_name("g"),
            "int g(PyInitConfig *config, const char *name, PyObject *(*initfunc)(void))"
        );
        let sig = parse_signature("void f(int (*cb)(PyObject *o, void *arg), void *arg)").unwrap();
        assert_eq!(sig.render_with_name("f"), "void f(int (*cb)(PyObject *o, void *arg), void *arg)");
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for bad in [
            "PyDict_GetItemRef",
            "int (PyObject *o)",
            "int f(PyObject *)",
            "int f(int a, int a)",
            "int f(void (*)(int))",
            "int f(void (*cb)(int (*g)(void)))",
            "int f(void (*cb))",
            "int f(int a);",
            "int f(...)",
            "int f(int a,)",
            "int f(int a) __attribute__",
            "int f(int @a)",
        ] {
            assert!(parse_signature(bad).is_err(), "{bad}");
        }
    }
}
