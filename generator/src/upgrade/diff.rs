//! Unified diffs (`upgrade --diff`), as `diff -u` writes them and `patch`/`git apply` read
//! them: Myers' shortest edit script over lines, hunks with three lines of context.

const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equal,
    Delete,
    Insert,
}

/// Lines with their endings, so a last line without a newline stays one.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// The shortest edit script turning `a` into `b` (Myers 1986, the forward greedy version with
/// a trace kept for the way back: the edits are few, so D stays small).
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (n + m) as usize;
    let offset = max as isize + 1;
    let mut v = vec![0isize; 2 * max + 3];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    'search: for d in 0..=max as isize {
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let idx = (k + offset) as usize;
            let mut x =
                if k == -d || (k != d && v[idx - 1] < v[idx + 1]) { v[idx + 1] } else { v[idx - 1] + 1 };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[idx] = x;
            if x >= n && y >= m {
                break 'search;
            }
            k += 2;
        }
    }
    // Walk back through the trace: each step d came from the diagonal its x was taken from.
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    let idx = |k: isize| (k + offset) as usize;
    for d in (0..trace.len() as isize).rev() {
        let v = &trace[d as usize];
        let k = x - y;
        let prev_k = if k == -d || (k != d && v[idx(k - 1)] < v[idx(k + 1)]) { k + 1 } else { k - 1 };
        let prev_x = v[idx(prev_k)];
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            ops.push(Op::Equal);
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            ops.push(if x == prev_x { Op::Insert } else { Op::Delete });
        }
        x = prev_x;
        y = prev_y;
    }
    ops.reverse();
    ops
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// The unified diff from `old` to `new` under the names `old_name`/`new_name`; empty when equal.
pub fn unified(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let (a, b) = (lines(old), lines(new));
    let ops = edit_script(&a, &b);
    // Positions in a and b before each op.
    let mut at = Vec::with_capacity(ops.len() + 1);
    let (mut i, mut j) = (0usize, 0usize);
    for op in &ops {
        at.push((i, j));
        match op {
            Op::Equal => {
                i += 1;
                j += 1;
            }
            Op::Delete => i += 1,
            Op::Insert => j += 1,
        }
    }
    at.push((i, j));
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k] != Op::Equal).collect();
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let mut c = 0;
    while c < changed.len() {
        let start = changed[c].saturating_sub(CONTEXT);
        let mut last = changed[c];
        while c + 1 < changed.len() && changed[c + 1] <= last + 2 * CONTEXT + 1 {
            c += 1;
            last = changed[c];
        }
        let end = (last + CONTEXT + 1).min(ops.len());
        let (a0, b0) = at[start];
        let (a1, b1) = at[end];
        let range =
            |s: usize, len: usize| if len == 0 { format!("{s},0") } else { format!("{},{len}", s + 1) };
        out.push_str(&format!("@@ -{} +{} @@\n", range(a0, a1 - a0), range(b0, b1 - b0)));
        for k in start..end {
            let (x, y) = at[k];
            match ops[k] {
                Op::Equal => push_line(&mut out, ' ', a[x]),
                Op::Delete => push_line(&mut out, '-', a[x]),
                Op::Insert => push_line(&mut out, '+', b[y]),
            }
        }
        c += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let expected = "--- a/x.c\n+++ b/x.c\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n";
        assert_eq!(unified("a/x.c", "b/x.c", old, new), expected);
    }

    #[test]
    fn distant_changes_make_two_hunks_and_near_ones_one() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new = old.replace("2\n", "two\n").replace("19\n", "nineteen\n");
        let diff = unified("a", "b", &old, &new);
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
        let near = old.replace("5\n", "five\n").replace("9\n", "nine\n");
        assert_eq!(unified("a", "b", &old, &near).matches("@@ -").count(), 1);
    }

    #[test]
    fn inserted_and_removed_lines_and_a_missing_final_newline() {
        let diff = unified("a", "b", "x\ny", "x\nnew\ny");
        assert_eq!(diff, "--- a\n+++ b\n@@ -1,2 +1,3 @@\n x\n+new\n y\n\\ No newline at end of file\n");
        let diff = unified("a", "b", "x\ny\nz\n", "x\nz\n");
        assert_eq!(diff, "--- a\n+++ b\n@@ -1,3 +1,2 @@\n x\n-y\n z\n");
        assert_eq!(unified("a", "b", "", "x\n"), "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x\n");
        assert_eq!(unified("a", "b", "same\n", "same\n"), "");
    }
}
