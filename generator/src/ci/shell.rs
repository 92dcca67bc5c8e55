//! Quoting arguments into a `run:` step: bash words that mean exactly the argument, on one
//! line of a YAML block scalar, with nothing GitHub would expand before the shell sees it.

use super::UnsafeArgument;

/// One argument as a shell word: as it is when it holds only characters no shell treats
/// specially, else in single quotes (a `'` inside becomes `'\''`).
pub fn quote(argument: &str) -> Result<String, UnsafeArgument> {
    let refuse = |reason| Err(UnsafeArgument { argument: argument.to_string(), reason });
    if argument.contains(['\n', '\r']) {
        return refuse("a line break would end the step's command line");
    }
    if argument.contains('\0') {
        return refuse("a NUL byte cannot be passed to a command");
    }
    if argument.contains("${{") {
        return refuse("GitHub would evaluate `${{ … }}` as an expression before the shell runs");
    }
    let plain = !argument.is_empty()
        && argument.bytes().all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    if plain {
        Ok(argument.to_string())
    } else {
        Ok(format!("'{}'", argument.replace('\'', r"'\''")))
    }
}

/// Several arguments, space-separated.
pub fn join(arguments: &[String]) -> Result<String, UnsafeArgument> {
    let words: Result<Vec<String>, UnsafeArgument> = arguments.iter().map(|a| quote(a)).collect();
    Ok(words?.join(" "))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(quote("tests/c/example").unwrap(), "tests/c/example");
        assert_eq!(quote("-k").unwrap(), "-k");
        assert_eq!(quote("not slow").unwrap(), "'not slow'");
        assert_eq!(quote("it's").unwrap(), r"'it'\''s'");
        assert_eq!(quote("$HOME").unwrap(), "'$HOME'");
        assert_eq!(quote("").unwrap(), "''");
        assert!(quote("a\nb").is_err());
        assert!(quote("${{ secrets.TOKEN }}").is_err());
    }
}
