//! Compiler warnings in a build log: GCC and Clang print them as
//! `file:line[:column]: warning: text`; the same warning printed twice counts once.

use std::collections::BTreeSet;

/// The distinct compiler warning lines of a build log, in order of first appearance.
pub fn compiler_warnings(log: &str) -> Vec<String> {
    diagnostics(log, ": warning: ")
}

/// The distinct compiler error lines: a build that swallowed them (and fell back to pure
/// Python) still shows why.
pub fn compiler_errors(log: &str) -> Vec<String> {
    diagnostics(log, ": error: ")
}

fn diagnostics(log: &str, kind: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    log.lines()
        .map(str::trim)
        .filter(|line| is_compiler_diagnostic(line, kind))
        .filter(|line| seen.insert(line.to_string()))
        .map(str::to_string)
        .collect()
}

fn is_compiler_diagnostic(line: &str, kind: &str) -> bool {
    let Some((location, _)) = line.split_once(kind) else { return false };
    // `path:12` or `path:12:5`: at least one number after the file name.
    let mut parts = location.rsplit(':');
    let last = parts.next().unwrap_or("");
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    numeric(last) && parts.next().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_compiler_warnings_once_and_nothing_else() {
        let log = "\
  warning: build_py: byte-compiling is disabled, skipping.
  src/x.c:12:9: warning: unused variable 'spare' [-Wunused-variable]
  src/x.c:12:9: warning: unused variable 'spare' [-Wunused-variable]
  ../src/y.c:3: warning: \"FOO\" redefined
  WARNING: Retrying (Retry(total=4)) after connection broken
  src/x.c:20:1: error: expected ';'
";
        assert_eq!(
            compiler_warnings(log),
            [
                "src/x.c:12:9: warning: unused variable 'spare' [-Wunused-variable]",
                "../src/y.c:3: warning: \"FOO\" redefined"
            ]
        );
        assert_eq!(compiler_errors(log), ["src/x.c:20:1: error: expected ';'"]);
    }
}
