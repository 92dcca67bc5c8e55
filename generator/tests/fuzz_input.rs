//! Hostile input to the generator (issue 14): the real spec files (`spec/*.yaml` and
//! `spec/hpy/*.yaml`) mutated — byte flips, truncation, deleted, duplicated and swapped lines,
//! values of the wrong type, huge values, deep nesting, alias bombs, invalid UTF-8 — and the C
//! declaration parser fed mutated prototypes from the spec.
//!
//! Properties, for every case:
//! - no panic, and no case runs longer than `CASE_LIMIT` (a watchdog ends the run and prints
//!   the seed and the case);
//! - a spec that does not load is reported with every diagnostic placed at
//!   `file:line:column` in one of the given files (the HPy data's checks across records too);
//! - `check-spec --spec DIR` on mutated copies of the spec exits 2 with such an error;
//! - a prototype the C parser accepts renders back to one that parses to the same signature.
//!
//! Each run tries `SPEC_CASES` and `CDECL_CASES` cases from a fixed seed and as many from a fresh random seed;
//! a failure prints the seed. `CAPI_COMPAT_FUZZ_SEED=<hex>` replays one seed only.
//! The library is driven directly (no process per case) so that thousands of cases stay fast.

use capi_compat::spec::cdecl::parse_signature;
use capi_compat::spec::diagnostics::SpecErrors;
use capi_compat::spec::source::{SpecFile, SpecSource};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Cases per seed for the spec files and for the C parser (two seeds per run).
const SPEC_CASES: u32 = 1000;
const CDECL_CASES: u32 = 4000;
/// A case takes milliseconds; this bound only catches hangs, with room for a loaded machine.
const CASE_LIMIT: Duration = Duration::from_secs(30);
const FIXED_SEED: u64 = 0x0c0a_91c0_3a7f_0014;

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

/// (name as errors print it, bytes) of every `*.yaml` directly in `dir`, sorted.
fn read_yaml(dir: &Path, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (format!("{prefix}/{}", p.file_name().unwrap().to_str().unwrap()), std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

struct RealSpec {
    api: Vec<(String, Vec<u8>)>,
    hpy: Vec<(String, Vec<u8>)>,
}

fn real_spec() -> &'static RealSpec {
    static SPEC: OnceLock<RealSpec> = OnceLock::new();
    SPEC.get_or_init(|| RealSpec {
        api: read_yaml(&spec_dir(), "spec"),
        hpy: read_yaml(&spec_dir().join("hpy"), "spec/hpy"),
    })
}

fn as_files(files: &[(String, Vec<u8>)]) -> Vec<SpecFile> {
    files
        .iter()
        .map(|(n, b)| SpecFile { name: n.clone(), text: String::from_utf8(b.clone()).unwrap() })
        .collect()
}

// ---- mutations ----------------------------------------------------------------------------

/// One change to a file. The numbers are reduced modulo the file's size when applied, so any
/// value is valid and proptest can shrink them freely.
#[derive(Debug, Clone)]
enum Mutation {
    FlipByte {
        at: u32,
        xor: u8,
    },
    Truncate {
        at: u32,
    },
    DeleteLines {
        at: u32,
        count: u8,
    },
    DuplicateLines {
        at: u32,
        count: u8,
    },
    SwapLines {
        a: u32,
        b: u32,
    },
    /// The value after `key:` on a line replaced with one of `HOSTILE_VALUES`.
    ReplaceValue {
        at: u32,
        value: u8,
    },
    /// `depth` levels of `[` or `{` (unclosed or closed) put in place of a value.
    Nest {
        at: u32,
        depth: u16,
        map: bool,
        closed: bool,
    },
    /// A line of hostile YAML inserted (anchors, tags, tabs, NUL, BOM, ...).
    InsertLine {
        at: u32,
        line: u8,
    },
    /// The file replaced by an alias bomb ("billion laughs").
    AliasBomb {
        levels: u8,
    },
}

const HOSTILE_VALUES: &[&str] = &[
    "[1, 2]",
    "{a: 1}",
    "123",
    "-1",
    "true",
    "null",
    "~",
    "\"\"",
    "1e999999",
    "18446744073709551616",
    "-9223372036854775809",
    "3.4294967296",
    "99999999999999999999.99999999999999",
    "\"3.10\"",
    "0x7fffffffffffffff",
    ".nan",
    "!!binary aGVsbG8=",
    "*undefined_alias",
    "&anchor value",
    "|\n  block",
    "'unterminated",
    "\"unterminated",
    "{",
    "]",
    "- item",
    "? complex",
    "\t",
    "int f(",
    "PyObject *(*)(void)",
];

const HOSTILE_LINES: &[&str] = &[
    "\t- name: Tabbed",
    "\u{feff}area: bom",
    "\0",
    "%YAML 1.1",
    "---",
    "...",
    "<<: *base",
    "- &a [*a]",
    "!!python/object:os.system ls",
    "? [complex, key]\n: value",
    "  - name: X\n    kind: function\n    kind: macro",
    "entries: null",
    "area:",
    "        deeply: indented: twice",
    "\"key\": \"\\uD800\"",
    "\u{202e}reversed",
];

fn long_value(n: usize) -> String {
    format!("\"{}\"", "x".repeat(n))
}

fn line_starts(bytes: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1))
        .collect()
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    let lines = line_starts(bytes);
    let line_range = |i: usize| {
        let i = i % lines.len();
        (lines[i], lines.get(i + 1).copied().unwrap_or(bytes.len()))
    };
    match *m {
        Mutation::FlipByte { at, xor } => {
            if !bytes.is_empty() {
                bytes[at as usize % len] ^= xor.max(1);
            }
        }
        Mutation::Truncate { at } => bytes.truncate(at as usize % len),
        Mutation::DeleteLines { at, count } => {
            let (start, _) = line_range(at as usize);
            let (_, end) = line_range((at as usize % lines.len() + count as usize).min(lines.len() - 1));
            bytes.drain(start..end);
        }
        Mutation::DuplicateLines { at, count } => {
            let (start, _) = line_range(at as usize);
            let (_, end) = line_range((at as usize % lines.len() + count as usize).min(lines.len() - 1));
            let copy = bytes[start..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::SwapLines { a, b } => {
            let (ra, rb) = (line_range(a as usize), line_range(b as usize));
            let (first, second) = if ra.0 <= rb.0 { (ra, rb) } else { (rb, ra) };
            if first.1 <= second.0 {
                let mut out = bytes[..first.0].to_vec();
                out.extend_from_slice(&bytes[second.0..second.1]);
                out.extend_from_slice(&bytes[first.1..second.0]);
                out.extend_from_slice(&bytes[first.0..first.1]);
                out.extend_from_slice(&bytes[second.1..]);
                *bytes = out;
            }
        }
        Mutation::ReplaceValue { at, value } => {
            let choice = value as usize % (HOSTILE_VALUES.len() + 2);
            let value = match choice.checked_sub(HOSTILE_VALUES.len()) {
                None => HOSTILE_VALUES[choice].to_string(),
                Some(0) => long_value(200_000),
                Some(_) => "9".repeat(5000),
            };
            replace_value(bytes, &lines, at as usize, &value);
        }
        Mutation::Nest { at, depth, map, closed } => {
            let depth = depth as usize;
            let (open, close) = if map { ("{a: ", "}") } else { ("[", "]") };
            let mut value = open.repeat(depth);
            value.push('1');
            if closed {
                value.push_str(&close.repeat(depth));
            }
            replace_value(bytes, &lines, at as usize, &value);
        }
        Mutation::InsertLine { at, line } => {
            let (start, _) = line_range(at as usize);
            let text = format!("{}\n", HOSTILE_LINES[line as usize % HOSTILE_LINES.len()]);
            bytes.splice(start..start, text.into_bytes());
        }
        Mutation::AliasBomb { levels } => {
            let levels = 2 + levels as usize % 10;
            let mut text = String::from("a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
            for i in 1..levels {
                let p = i - 1;
                text.push_str(&format!(
                    "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
                ));
            }
            text.push_str(&format!(
                "area: *a{}\ntitle: *a{}\nentries: *a{}\n",
                levels - 1,
                levels - 1,
                levels - 1
            ));
            *bytes = text.into_bytes();
        }
    }
}

/// Replaces what follows the first `: ` at or after line `at` (or the line) with `value`.
fn replace_value(bytes: &mut Vec<u8>, lines: &[usize], at: usize, value: &str) {
    for k in 0..lines.len() {
        let i = (at + k) % lines.len();
        let start = lines[i];
        let end = lines.get(i + 1).map_or(bytes.len(), |e| e - 1);
        if let Some(colon) = bytes[start..end].windows(2).position(|w| w == b": ") {
            bytes.splice(start + colon + 2..end, value.bytes());
            return;
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<u32>(), any::<u8>()).prop_map(|(at, xor)| Mutation::FlipByte { at, xor }),
        4 => any::<u32>().prop_map(|at| Mutation::Truncate { at }),
        4 => (any::<u32>(), 0u8..8).prop_map(|(at, count)| Mutation::DeleteLines { at, count }),
        4 => (any::<u32>(), 0u8..8).prop_map(|(at, count)| Mutation::DuplicateLines { at, count }),
        4 => (any::<u32>(), any::<u32>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        4 => (any::<u32>(), any::<u8>()).prop_map(|(at, value)| Mutation::ReplaceValue { at, value }),
        4 => (any::<u32>(), prop_oneof![1u16..64, 64u16..20_000], any::<bool>(), any::<bool>())
            .prop_map(|(at, depth, map, closed)| Mutation::Nest { at, depth, map, closed }),
        4 => (any::<u32>(), any::<u8>()).prop_map(|(at, line)| Mutation::InsertLine { at, line }),
        1 => any::<u8>().prop_map(|levels| Mutation::AliasBomb { levels }),
    ]
}

/// Which files a case loads: the mutated API spec file alone (most cases: a few ms each), the
/// whole API spec with it (cross-file checks, ~100 ms in a debug build) or the HPy data (all
/// of its files are needed; ~100 ms).
#[derive(Debug, Clone, Copy)]
enum Target {
    ApiFileAlone,
    WholeApiSpec,
    HpyData,
}

/// Which files a case loads, which of them it changes, and how (1–3 changes, in order).
#[derive(Debug, Clone)]
struct SpecCase {
    target: Target,
    file: usize,
    mutations: Vec<Mutation>,
}

fn spec_case() -> impl Strategy<Value = SpecCase> {
    let target = prop_oneof![
        59 => Just(Target::ApiFileAlone),
        1 => Just(Target::WholeApiSpec),
        4 => Just(Target::HpyData),
    ];
    (target, any::<usize>(), prop::collection::vec(mutation(), 1..=3))
        .prop_map(|(target, file, mutations)| SpecCase { target, file, mutations })
}

// ---- properties ---------------------------------------------------------------------------

/// Every diagnostic names one of `files`, and carries line and column.
fn check_located(errors: &SpecErrors, files: &[String]) -> Result<(), String> {
    if errors.0.is_empty() {
        return Err("an error without diagnostics".into());
    }
    for d in &errors.0 {
        if !files.contains(&d.location.file) {
            return Err(format!("diagnostic names an unknown file: {d}"));
        }
        if d.location.line.is_none() || d.location.column.is_none() {
            return Err(format!("diagnostic without line and column: {d}"));
        }
        if d.location.line == Some(0) || d.location.column == Some(0) {
            return Err(format!("lines and columns count from 1: {d}"));
        }
        if d.message.trim().is_empty() {
            return Err(format!("diagnostic without a message at {}", d.location));
        }
    }
    Ok(())
}

/// Runs one spec case through the library: decode, then load the API spec or the HPy data
/// with the mutated file in place of the real one.
fn run_spec_case(case: &SpecCase) -> Result<(), String> {
    let real = real_spec();
    let set = if matches!(case.target, Target::HpyData) { &real.hpy } else { &real.api };
    let index = case.file % set.len();
    let (name, original) = &set[index];
    let mut bytes = original.clone();
    for m in &case.mutations {
        apply(&mut bytes, m);
    }
    let names: Vec<String> = set.iter().map(|(n, _)| n.clone()).collect();
    let mutated = match SpecFile::decode(name.clone(), bytes) {
        Ok(file) => file,
        Err(errors) => {
            REJECTED.fetch_add(1, Ordering::Relaxed);
            return check_located(&errors, &names);
        }
    };
    let result = match case.target {
        Target::ApiFileAlone => {
            capi_compat::spec::validate::load(&SpecSource::from_files(vec![mutated])).map(drop)
        }
        Target::WholeApiSpec => {
            let mut files = as_files(set);
            files[index] = mutated;
            capi_compat::spec::validate::load(&SpecSource::from_files(files)).map(drop)
        }
        Target::HpyData => {
            let mut files = as_files(set);
            files[index] = mutated;
            let source = SpecSource {
                files: Vec::new(),
                hpy_files: files,
                hpy_dir: "spec/hpy".into(),
                upgrade_files: Vec::new(),
            };
            capi_compat::hpy::load(&source).map(drop)
        }
    };
    match result {
        Ok(()) => Ok(()),
        Err(errors) => {
            REJECTED.fetch_add(1, Ordering::Relaxed);
            check_located(&errors, &names)
        }
    }
}

/// Prototypes of the real spec: every `signature:` of the API spec and of HPy's api.yaml.
fn real_signatures() -> Vec<String> {
    let real = real_spec();
    let mut out = Vec::new();
    for (_, bytes) in real.api.iter().chain(&real.hpy) {
        for line in String::from_utf8_lossy(bytes).lines() {
            if let Some(rest) = line.trim_start().strip_prefix("signature:") {
                out.push(rest.trim().trim_matches(|c| c == '"' || c == '\'').to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

const C_PIECES: &[&str] = &[
    "(", ")", "*", ",", "...", "..", ".", "[", "]", "[3]", "void", "int", "const", "char", "unsigned",
    "struct", "PyObject", "x", "_", " ", "\t", "\n", ";", "(*", "(*f)", "(void)", "9", "é", "\u{0}", "::",
    "&",
];

#[derive(Debug, Clone)]
enum CdeclEdit {
    Delete {
        at: u16,
        len: u8,
    },
    Insert {
        at: u16,
        piece: u8,
        times: u16,
    },
    Duplicate {
        at: u16,
        len: u8,
    },
    /// `depth` parentheses around the parameter list (or one parameter).
    Wrap {
        at: u16,
        depth: u16,
    },
}

fn cdecl_edit() -> impl Strategy<Value = CdeclEdit> {
    prop_oneof![
        (any::<u16>(), 1u8..12).prop_map(|(at, len)| CdeclEdit::Delete { at, len }),
        (any::<u16>(), any::<u8>(), prop_oneof![3 => 1u16..3, 1 => 3u16..20_000])
            .prop_map(|(at, piece, times)| CdeclEdit::Insert { at, piece, times }),
        (any::<u16>(), 1u8..40).prop_map(|(at, len)| CdeclEdit::Duplicate { at, len }),
        (any::<u16>(), prop_oneof![1u16..8, 8u16..20_000])
            .prop_map(|(at, depth)| CdeclEdit::Wrap { at, depth }),
    ]
}

fn char_index(text: &str, at: u16) -> usize {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    bounds[at as usize % bounds.len()]
}

fn edit(text: &mut String, e: &CdeclEdit) {
    match *e {
        CdeclEdit::Delete { at, len } => {
            let start = char_index(text, at);
            let end = text[start..].char_indices().nth(len as usize).map_or(text.len(), |(i, _)| start + i);
            text.replace_range(start..end, "");
        }
        CdeclEdit::Insert { at, piece, times } => {
            let at = char_index(text, at);
            text.insert_str(at, &C_PIECES[piece as usize % C_PIECES.len()].repeat(times as usize));
        }
        CdeclEdit::Duplicate { at, len } => {
            let start = char_index(text, at);
            let end = text[start..].char_indices().nth(len as usize).map_or(text.len(), |(i, _)| start + i);
            let copy = text[start..end].to_string();
            text.insert_str(end, &copy);
        }
        CdeclEdit::Wrap { at, depth } => {
            let start = char_index(text, at);
            let end = text[start..].find([',', ')']).map_or(text.len(), |i| start + i);
            text.insert_str(end, &")".repeat(depth as usize));
            text.insert_str(start, &"(".repeat(depth as usize));
        }
    }
}

/// The parser returns (never panics), and what it accepts it writes back as a prototype that
/// parses to the same signature.
fn run_cdecl_case(text: &str) -> Result<(), String> {
    let Ok(sig) = parse_signature(text) else { return Ok(()) };
    let rendered = sig.render_with_name(&sig.name);
    match parse_signature(&rendered) {
        Ok(again) if again == sig => Ok(()),
        Ok(again) => Err(format!("`{text}` read as {sig:?} renders as `{rendered}`, read back as {again:?}")),
        Err(e) => Err(format!("`{text}` read as {sig:?} renders as `{rendered}`, which does not parse: {e}")),
    }
}

// ---- the runner: seeds, watchdog, measurement ---------------------------------------------

/// A case being run (one per test running in parallel), for the watchdog.
struct Running {
    what: &'static str,
    seed: String,
    since: Instant,
    case: String,
}

static RUNNING: Mutex<Vec<Running>> = Mutex::new(Vec::new());
static WATCHDOG: OnceLock<()> = OnceLock::new();
/// Spec cases whose input was rejected (with errors): most must be, or the mutations are
/// too mild to test the error paths.
static REJECTED: AtomicU32 = AtomicU32::new(0);

/// A thread that ends the test process when a case runs past `CASE_LIMIT`: a hang is a failure
/// with the seed and the case printed, not a stuck test run.
fn start_watchdog() {
    WATCHDOG.get_or_init(|| {
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_millis(200));
            let running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(r) = running.iter().find(|r| r.since.elapsed() > CASE_LIMIT) {
                // Straight to stderr: the test harness captures `eprintln!` in threads a test
                // spawns, and would lose it at `exit`.
                let _ = writeln!(
                    std::io::stderr(),
                    "{}: a case ran longer than {CASE_LIMIT:?} (a hang): seed {} (replay with \
                     CAPI_COMPAT_FUZZ_SEED={}), case {}",
                    r.what,
                    r.seed,
                    r.seed,
                    r.case
                );
                std::process::exit(101);
            }
        });
    });
}

/// Runs one case with the watchdog looking.
fn guarded<T: std::fmt::Debug>(
    what: &'static str,
    seed: &str,
    case: &T,
    check: impl FnOnce() -> Result<(), String>,
) -> Result<(), TestCaseError> {
    let running = Running { what, seed: seed.to_string(), since: Instant::now(), case: format!("{case:?}") };
    RUNNING.lock().unwrap_or_else(|e| e.into_inner()).push(running);
    let result = check();
    RUNNING.lock().unwrap_or_else(|e| e.into_inner()).retain(|r| r.what != what);
    result.map_err(TestCaseError::fail)
}

fn seeds() -> Vec<u64> {
    if let Ok(hex) = std::env::var("CAPI_COMPAT_FUZZ_SEED") {
        let seed =
            u64::from_str_radix(hex.trim_start_matches("0x"), 16).expect("CAPI_COMPAT_FUZZ_SEED is hex");
        return vec![seed];
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let random = (now.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32);
    vec![FIXED_SEED, random]
}

/// Runs `cases` cases of `strategy` per seed; returns (cases run, seconds).
fn run<S: Strategy>(
    what: &'static str,
    cases: u32,
    strategy: S,
    check: impl Fn(&S::Value) -> Result<(), String>,
) -> (u32, f64)
where
    S::Value: std::fmt::Debug,
{
    start_watchdog();
    let started = Instant::now();
    let mut total = 0;
    for seed in seeds() {
        let hex = format!("{seed:016x}");
        let config = Config { cases, failure_persistence: None, max_shrink_iters: 2000, ..Config::default() };
        let rng =
            TestRng::from_seed(RngAlgorithm::ChaCha, &[seed.to_le_bytes(), [0; 8], [0; 8], [0; 8]].concat());
        let mut runner = TestRunner::new_with_rng(config, rng);
        match runner.run(&strategy, |case| guarded(what, &hex, &case, || check(&case))) {
            Ok(()) => total += cases,
            Err(TestError::Fail(why, case)) => {
                panic!("{what}: {why}\n  smallest failing case: {case:?}\n  seed {hex}: replay with CAPI_COMPAT_FUZZ_SEED={hex}")
            }
            Err(TestError::Abort(why)) => panic!("{what}: aborted: {why} (seed {hex})"),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("{what}: {total} cases in {seconds:.1} s ({:.0} cases/s)", f64::from(total) / seconds);
    (total, seconds)
}

#[test]
fn mutated_spec_files_give_located_errors_and_never_panic() {
    let (total, _) = run("spec files", SPEC_CASES, spec_case(), run_spec_case);
    let rejected = REJECTED.load(Ordering::Relaxed);
    eprintln!("spec files: {rejected} of {total} mutated inputs rejected with located errors");
    assert!(rejected > total / 2, "only {rejected} of {total} mutated inputs were rejected");
}

#[test]
fn mutated_prototypes_never_panic_and_what_parses_round_trips() {
    let signatures = real_signatures();
    assert!(signatures.len() > 300, "found only {} signatures in the spec", signatures.len());
    let strategy = (0..signatures.len(), prop::collection::vec(cdecl_edit(), 1..=4));
    let (total, _) = run("C prototypes", CDECL_CASES, strategy, |(index, edits)| {
        let mut text = signatures[*index].clone();
        for e in edits {
            edit(&mut text, e);
        }
        run_cdecl_case(&text)
    });
    assert!(total >= CDECL_CASES);
}

/// The real spec loads: the mutations above start from valid files (else every case would
/// only test the first error).
#[test]
fn the_unmutated_spec_and_hpy_data_load() {
    let real = real_spec();
    capi_compat::spec::validate::load(&SpecSource::from_files(as_files(&real.api))).unwrap();
    let source = SpecSource {
        files: Vec::new(),
        hpy_files: as_files(&real.hpy),
        hpy_dir: "spec/hpy".into(),
        upgrade_files: Vec::new(),
    };
    capi_compat::hpy::load(&source).unwrap();
}

/// A copy of the spec directory with one file replaced by `bytes`.
fn mutated_copy(dir: &Path, file: &str, bytes: &[u8]) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("hpy")).unwrap();
    let real = real_spec();
    for (name, original) in real.api.iter().chain(&real.hpy) {
        let relative = name.strip_prefix("spec/").unwrap();
        let content = if relative == file { bytes } else { original };
        std::fs::write(dir.join(relative), content).unwrap();
    }
}

#[test]
fn check_spec_exits_2_with_a_located_error_on_mutated_directories() {
    let real = real_spec();
    let original = |name: &str| real.api.iter().chain(&real.hpy).find(|(n, _)| n == name).unwrap().1.clone();
    let mutate = |name: &str, m: Mutation| {
        let mut bytes = original(name);
        apply(&mut bytes, &m);
        bytes
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // Invalid UTF-8 in the middle of dict.yaml.
        ("dict.yaml", mutate("spec/dict.yaml", Mutation::FlipByte { at: 2000, xor: 0x80 })),
        // A value of the wrong type.
        ("long.yaml", mutate("spec/long.yaml", Mutation::ReplaceValue { at: 8, value: 0 })),
        // Deep unclosed nesting.
        (
            "unicode.yaml",
            mutate("spec/unicode.yaml", Mutation::Nest { at: 30, depth: 5000, map: false, closed: false }),
        ),
        // Truncated HPy data.
        ("hpy/api.yaml", mutate("spec/hpy/api.yaml", Mutation::Truncate { at: 3001 })),
        // Duplicated lines in the HPy context.
        ("hpy/context.yaml", mutate("spec/hpy/context.yaml", Mutation::DuplicateLines { at: 12, count: 3 })),
    ];
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-check-spec");
    for (file, bytes) in cases {
        let dir = root.join(file.replace('/', "-"));
        mutated_copy(&dir, file, &bytes);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_capi-compat"))
            .args(["check-spec", "--spec"])
            .arg(&dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        let path = dir.join(file).display().to_string();
        let first = stderr.lines().next().unwrap_or_default();
        let rest = first.strip_prefix(&format!("{path}:")).unwrap_or_else(|| panic!("{file}: {stderr}"));
        let mut parts = rest.splitn(3, ':');
        let (line, column) = (parts.next().unwrap(), parts.next().unwrap());
        assert!(
            line.parse::<u64>().is_ok() && column.parse::<u64>().is_ok(),
            "{file}: the first error has no line:column: {first}"
        );
    }
}

/// A file of the HPy data stating another HPy version used to be reported without a line
/// (an exception the properties above had to allow); it is placed at its `hpy_version:`.
#[test]
fn an_hpy_version_mismatch_is_placed_at_the_version() {
    let real = real_spec();
    let mut files = as_files(&real.hpy);
    let macros = files.iter_mut().find(|f| f.name == "spec/hpy/macros.yaml").unwrap();
    let line = macros.text.lines().position(|l| l.starts_with("hpy_version:")).unwrap() + 1;
    macros.text = macros.text.replacen("hpy_version: 0.9.0", "hpy_version: 0.9.1", 1);
    let source = SpecSource {
        files: Vec::new(),
        hpy_files: files,
        hpy_dir: "spec/hpy".into(),
        upgrade_files: Vec::new(),
    };
    let errors = capi_compat::hpy::load(&source).unwrap_err();
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!(errors.0[0].location.to_string(), format!("spec/hpy/macros.yaml:{line}:14"), "{errors}");
    assert!(errors.0[0].message.starts_with("this file is HPy 0.9.1 but"), "{errors}");
}
