//! The spec's test snippets as one C extension module, built against each interpreter.

use crate::header::emit::guard;
use crate::spec::model::{Entry, Kind, PyPySupport, Spec};
use handlebars::Handlebars;
use serde::Serialize;

const SELFTEST_TEMPLATE: &str = include_str!("../../templates/selftest.c.hbs");
pub const MODULE_NAME: &str = "_capicompat_selftest";
/// The assertion macros the snippets use, shipped with the binary.
pub const TEST_MACROS: &str = include_str!("../../templates/capi_compat_test.h");
pub const TEST_MACROS_FILE: &str = "capi_compat_test.h";

#[derive(Serialize)]
struct TestView {
    index: usize,
    name: String,
    available: String,
    file: String,
    line: u64,
    code: String,
    /// Before and after the test (forced build): older names the test calls are the
    /// interpreter's own where it has them (see `older_names_native`).
    enter: String,
    leave: String,
}

#[derive(Serialize)]
struct ModuleView {
    module: &'static str,
    /// The switches entries sit behind (CAPI_COMPAT_PYTHONCAPI_COMPAT): the module turns
    /// them on so those entries are tested too.
    switches: Vec<String>,
    tests: Vec<TestView>,
}

/// The `#if` under which an entry's test compiles: not on PyPy for `pypy: unavailable`, and
/// not below `provided_from` for a name refused there.
pub(crate) fn availability(entry: &Entry) -> String {
    let mut parts = Vec::new();
    if let Some(from) = entry.provided_from {
        parts.push(format!("PY_VERSION_HEX >= 0x{:08X}", from.hex()));
    }
    if entry.pypy == PyPySupport::Unavailable {
        parts.push(guard(None, PyPySupport::Unavailable, crate::header::emit::Forcing::Never));
    }
    parts.join(" && ")
}

/// In the forced build, the test of a name runs as on an interpreter just older than the
/// name's `since`: the names it calls that are older than it (native there) are the
/// interpreter's own, not the forced backports, so the test meets the combination the
/// backport really meets (the perf-map family: PyUnstable_CopyPerfMapFile's backport writes
/// through the interpreter's PyUnstable_WritePerfMapEntry, and its test must close the
/// interpreter's map with the interpreter's PyUnstable_PerfMapState_Fini). Returns the
/// directives before and after the test's function (empty when it calls no such name).
fn older_names_native(spec: &Spec, entry: &Entry, code: &str) -> (String, String) {
    let Some(since) = entry.since else { return (String::new(), String::new()) };
    let older: std::collections::BTreeMap<&str, &Entry> = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| *word != entry.name)
        .filter_map(|word| spec.get(word))
        .filter(|e| e.kind == Kind::Function && e.defined_by.is_none() && e.refused.is_none())
        .filter(|e| e.since.is_some_and(|s| s.hex() < since.hex()))
        .map(|e| (e.name.as_str(), e))
        .collect();
    let (mut enter, mut leave) = (String::new(), String::new());
    for name in older.into_values() {
        let Some(missing) = crate::header::emit::missing_condition(name.since, name.removed, name.pypy)
        else {
            continue;
        };
        let native = format!("#if defined({}) && !({missing})\n", crate::header::emit::FORCE_MACRO);
        enter.push_str(&format!("{native}#  pragma push_macro(\"{0}\")\n#  undef {0}\n#endif\n", name.name));
        leave.push_str(&format!("{native}#  pragma pop_macro(\"{0}\")\n#endif\n", name.name));
    }
    (enter, leave)
}

/// The module's C source. `only` restricts it to those entries.
pub fn render_module(spec: &Spec, only: Option<&[String]>) -> String {
    let tests = spec
        .entries
        .iter()
        .filter(|e| e.kind != Kind::Helper)
        .filter(|e| only.is_none_or(|names| names.contains(&e.name)))
        .filter_map(|e| e.test.as_ref().map(|t| (e, t)))
        .enumerate()
        .map(|(index, (entry, test))| (index, entry, test, older_names_native(spec, entry, &test.code)))
        .map(|(index, entry, test, (enter, leave))| TestView {
            index,
            name: entry.name.clone(),
            // Where the name is neither native nor backported, its test cannot compile.
            available: availability(entry),
            file: test.file.replace('\\', "/").replace('"', "'"),
            line: test.first_line,
            code: crate::header::cnull::rewrite_null(test.code.trim_end()),
            enter,
            leave,
        })
        .collect();
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    let switches: std::collections::BTreeSet<String> =
        spec.entries.iter().filter_map(|e| e.switch.clone()).collect();
    let view = ModuleView { module: MODULE_NAME, switches: switches.into_iter().collect(), tests };
    hb.render_template(SELFTEST_TEMPLATE, &view).expect("the selftest template renders with its own view")
}

/// Runs inside the interpreter under test: imports the module, runs every test (but those it
/// is told to skip, or only those it is told to run), and on debug builds requires
/// `sys.gettotalrefcount()` not to grow once the test has warmed up.
pub const DRIVER: &str = r#"
import gc, importlib.util, sys
path, modname, after = sys.argv[1], sys.argv[2], sys.argv[3]
# The tests to leave out (the isolated ones, run in processes of their own), or the only ones
# to run (one isolated test): comma-separated names, empty for none.
skip = set(filter(None, sys.argv[4].split(",")))
only = set(filter(None, sys.argv[5].split(",")))
spec = importlib.util.spec_from_file_location(modname, path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
debug = hasattr(sys, "gettotalrefcount")

def settle():
    gc.collect()
    # The type attribute cache keeps a reference to each (new) name string it has seen:
    # growth there is the interpreter's cache, not the test's leak.
    clear = getattr(sys, "_clear_type_cache", None)
    if clear is not None:
        clear()

def leak_deltas(run):
    # One-off caches (interned strings, type caches) settle in the warm-up; a window with a
    # delta of zero (or less) proves the test does not leak. Three non-zero windows are a leak.
    deltas = []
    for _ in range(3):
        settle()
        before = sys.gettotalrefcount()
        for _ in range(5):
            run()
        settle()
        delta = sys.gettotalrefcount() - before
        # A drop is some cache letting go, never a leak by the test.
        if delta <= 0:
            return None
        deltas.append(delta)
    return deltas

names = [n for n in mod.names() if n not in skip and (not only or n in only)]
# Resumed after a test that stopped the process (a sanitizer report): the tests after it.
if after:
    names = names[names.index(after) + 1:]
for name in names:
    # Announced first, so a test that crashes the interpreter is named by the last START.
    print("START\t%s" % name)
    sys.stdout.flush()
    try:
        mod.run(name)
        mod.run(name)
        deltas = leak_deltas(lambda: mod.run(name)) if debug else None
    except BaseException as e:
        msg = "%s: %s" % (type(e).__name__, e)
        print("FAIL\t%s\t%s" % (name, msg.replace("\n", " ").replace("\t", " ")))
    else:
        if deltas:
            print("LEAK\t%s\tsys.gettotalrefcount() grew by %s over 5 runs, 3 times" % (name, deltas))
        else:
            print("PASS\t%s" % name)
    sys.stdout.flush()
print("DONE")
"#;
