//! A header cut into named pieces, to say which entries differ between two headers.
//!
//! The template puts each entry after a blank line as `/* NAME: summary`, and each area as
//! `/* ==== Title (area) ==== */`; whatever comes before the first of them is the preamble
//! (banner, guards, shared macros), and the closing `extern "C"` block and guard end it.

use std::collections::BTreeMap;

/// Piece name → text, for pieces in order of first appearance.
pub fn split(text: &str) -> BTreeMap<String, String> {
    let mut pieces: BTreeMap<String, String> = BTreeMap::new();
    let mut current = String::from("the preamble");
    let mut previous_blank = false;
    let lines: Vec<&str> = text.lines().collect();
    for (at, line) in lines.iter().copied().enumerate() {
        // The closing `extern "C"` block and include guard: not part of the last entry.
        if line == "#ifdef __cplusplus" && lines.get(at + 1) == Some(&"}") {
            current = unique(&pieces, "the closing lines".into());
        } else if let Some(name) = piece_start(line, previous_blank) {
            current = unique(&pieces, name);
        }
        let piece = pieces.entry(current.clone()).or_default();
        piece.push_str(line);
        piece.push('\n');
        previous_blank = line.is_empty();
    }
    pieces
}

fn piece_start(line: &str, previous_blank: bool) -> Option<String> {
    if let Some(title) = line.strip_prefix("/* ==== ").and_then(|l| l.strip_suffix(" ==== */")) {
        return Some(format!("section `{title}`"));
    }
    if !previous_blank {
        return None;
    }
    let rest = line.strip_prefix("/* ")?;
    let (name, _) = rest.split_once(": ")?;
    let is_identifier = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    is_identifier.then(|| name.to_string())
}

/// The same name twice (a comment that looks like an entry's) gets a number.
fn unique(pieces: &BTreeMap<String, String>, name: String) -> String {
    if !pieces.contains_key(&name) {
        return name;
    }
    (2..).map(|n| format!("{name} #{n}")).find(|n| !pieces.contains_key(n)).expect("a free number")
}

/// How the pieces of `file` differ from those of `fresh`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Differences {
    pub changed: Vec<String>,
    pub only_in_file: Vec<String>,
    pub missing_from_file: Vec<String>,
}

pub fn compare(file: &str, fresh: &str) -> Differences {
    let (file, fresh) = (split(file), split(fresh));
    let mut out = Differences::default();
    for (name, text) in &file {
        match fresh.get(name) {
            Some(expected) if expected != text => out.changed.push(name.clone()),
            Some(_) => {}
            None => out.only_in_file.push(name.clone()),
        }
    }
    out.missing_from_file = fresh.keys().filter(|n| !file.contains_key(*n)).cloned().collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "/* banner */\n#define X\n\n/* ==== Dicts (dict) ==== */\n\n\
        /* PyDict_A: a.\n * Native since CPython 3.13. */\nint a;\n\n/* PyDict_B: b. */\nint b;\n";

    #[test]
    fn names_the_entries_that_differ() {
        let edited = HEADER.replace("int a;", "int a = 1;").replace("/* PyDict_B: b. */\nint b;\n", "");
        let edited = edited.replace("#define X", "#define Y") + "\n/* PyDict_C: c. */\nint c;\n";
        let diff = compare(&edited, HEADER);
        assert_eq!(diff.changed, vec!["PyDict_A", "the preamble"]);
        assert_eq!(diff.only_in_file, vec!["PyDict_C"]);
        assert_eq!(diff.missing_from_file, vec!["PyDict_B"]);
        assert_eq!(compare(HEADER, HEADER), Differences::default());
    }

    #[test]
    fn a_comment_inside_code_is_not_an_entry() {
        let pieces = split("\n/* PyX: x. */\n{\n    /* note: y */\n}\n");
        assert_eq!(pieces.keys().collect::<Vec<_>>(), vec!["PyX", "the preamble"]);
    }
}
