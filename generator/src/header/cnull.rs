//! C++ spells the null pointer `nullptr`; `NULL` is `__null` there, which clang reports under
//! `-Wzero-as-null-pointer-constant`. Spec authors write `NULL` as C does; the emitted code
//! says `CAPICOMPAT_NULL`, which the header defines as `nullptr` in C++11 and `NULL` in C.

pub const NULL_MACRO: &str = "CAPICOMPAT_NULL";

/// Replaces the identifier `NULL` outside string and character literals and comments.
pub fn rewrite_null(code: &str) -> String {
    let bytes = code.as_bytes();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &code[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            i += end;
        } else if let Some(comment) = rest.strip_prefix("/*") {
            let end = comment.find("*/").map(|e| e + 4).unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            i += end;
        } else if bytes[i] == b'"' || bytes[i] == b'\'' {
            let quote = bytes[i];
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != quote {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(bytes.len());
            out.push_str(&code[i..end]);
            i = end;
        } else if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
            let len = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            let word = &rest[..len];
            out.push_str(if word == "NULL" { NULL_MACRO } else { word });
            i += len;
        } else {
            let ch = rest.chars().next().expect("not at the end");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rewrite_null;

    #[test]
    fn rewrites_only_the_identifier() {
        assert_eq!(
            rewrite_null(
                r#"if (p == NULL && NULLABLE) return "NULL"; /* NULL */ // NULL
x = MY_NULL; c = 'N'; q=NULL;"#
            ),
            r#"if (p == CAPICOMPAT_NULL && NULLABLE) return "NULL"; /* NULL */ // NULL
x = MY_NULL; c = 'N'; q=CAPICOMPAT_NULL;"#
        );
        assert_eq!(rewrite_null(r#"s = "a\"NULL"; NULL"#), r#"s = "a\"NULL"; CAPICOMPAT_NULL"#);
    }
}
