//! `capi-compat docs -o DIR`: the reference site holds every name once, says what `coverage`
//! says about each, draws a well-formed SVG, is the same twice, and refuses a bad `-o` with
//! exit status 2. (scripts/test-docs-browser.py opens it in Chromium.)

mod common;

use common::TempDir;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

fn capi_compat(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capi-compat")).args(args).arg(dir).output().expect("the binary runs")
}

fn write_site(dir: &Path) {
    let output = capi_compat(&["docs", "-o"], dir);
    assert!(output.status.success(), "docs failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// The attributes of every name row's opening tag, in page order.
fn rows(page: &str) -> Vec<BTreeMap<String, String>> {
    page.match_indices("<tr id=\"n-")
        .map(|(at, _)| {
            let tag = &page[at..at + page[at..].find('>').expect("the tag closes")];
            let mut attrs = BTreeMap::new();
            let mut rest = tag.trim_start_matches("<tr");
            while let Some(eq) = rest.find("=\"") {
                let name = rest[..eq].trim().to_string();
                let value_end = rest[eq + 2..].find('"').expect("the value is quoted");
                attrs.insert(name, rest[eq + 2..eq + 2 + value_end].to_string());
                rest = &rest[eq + 2 + value_end + 1..];
            }
            attrs
        })
        .collect()
}

fn row<'a>(rows: &'a [BTreeMap<String, String>], name: &str) -> &'a BTreeMap<String, String> {
    rows.iter().find(|r| r["data-name"] == name).unwrap_or_else(|| panic!("no row for {name}"))
}

/// A row's status on CPython 3.10 … 3.15, then PyPy.
fn statuses(row: &BTreeMap<String, String>) -> Vec<&str> {
    let keys = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "pypy"];
    keys.iter().map(|k| row[&format!("data-status-{k}")].as_str()).collect()
}

fn coverage_json(dir: &TempDir) -> Value {
    let path = dir.path().join("coverage.json");
    let output = capi_compat(&["coverage", "--json"], &path);
    assert!(output.status.success(), "coverage failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("coverage writes JSON")
}

#[test]
fn the_site_is_the_same_twice() {
    let (a, b) = (TempDir::new("docs-a"), TempDir::new("docs-b"));
    write_site(a.path());
    write_site(b.path());
    for name in ["index.html", "docs.js", "docs.css", "coverage.svg"] {
        let first = std::fs::read(a.path().join(name)).unwrap();
        let second = std::fs::read(b.path().join(name)).unwrap();
        assert!(!first.is_empty(), "{name} is empty");
        assert!(first == second, "{name} differs between two runs");
    }
    // Written over an existing site, the files are replaced, not appended to.
    write_site(a.path());
    assert_eq!(
        std::fs::read(a.path().join("index.html")).unwrap(),
        std::fs::read(b.path().join("index.html")).unwrap()
    );
}

#[test]
fn every_name_is_on_the_page_exactly_once() {
    let (spec, hpy) = capi_compat::load_spec_and_hpy(None).expect("the embedded spec is valid");
    let page =
        capi_compat::docs::render(&spec, Some(&hpy)).into_iter().find(|(n, _)| *n == "index.html").unwrap().1;
    let expected: Vec<String> = spec
        .entries
        .iter()
        .filter(|e| e.kind != capi_compat::spec::model::Kind::Helper)
        .map(|e| e.name.clone())
        .chain(hpy.functions.iter().map(|f| f.name.clone()))
        .chain(hpy.handles.iter().map(|h| h.name.clone()))
        .collect();
    assert!(expected.len() > 800, "the spec and the HPy layer have {} names", expected.len());
    for name in &expected {
        let rows = page.matches(&format!("<tr id=\"n-{name}\"")).count();
        assert_eq!(rows, 1, "{name} has {rows} rows");
    }
    let rows = rows(&page);
    assert_eq!(rows.len(), expected.len(), "a row for each name and nothing else");
    // Every in-page link goes to a row.
    for (at, _) in page.match_indices("<a href=\"#n-") {
        let target = &page[at + 10..at + 10 + page[at + 10..].find('"').unwrap()];
        assert!(page.contains(&format!("<tr id=\"{target}\"")), "a link to #{target}, which is no row");
    }
    // Helpers are ours and private: not on the page.
    let helper = spec.entries.iter().find(|e| e.kind == capi_compat::spec::model::Kind::Helper).unwrap();
    assert!(!page.contains(&format!("id=\"n-{}\"", helper.name)), "helper {} is listed", helper.name);
    // The page says how many of each layer it lists.
    let api = rows.iter().filter(|r| r["data-layer"] == "api").count();
    assert!(page.contains(&format!("C API spec ({api})")), "the page counts {api} C API names");
}

#[test]
fn statuses_are_those_coverage_reports() {
    let dir = TempDir::new("docs-coverage");
    let coverage = coverage_json(&dir);
    let site = dir.path().join("site");
    write_site(&site);
    let page = std::fs::read_to_string(site.join("index.html")).unwrap();
    let rows = rows(&page);
    let names = |key: &str| -> Vec<String> {
        coverage[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    let refused: Vec<String> = coverage["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    let partly: BTreeMap<String, String> = coverage["partly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
        .collect();

    // Native later: a backport below 3.13, native from it.
    assert!(names("provided").contains(&"PyDict_GetItemRef".to_string()));
    let cells = statuses(row(&rows, "PyDict_GetItemRef"));
    assert_eq!(cells, ["backport", "backport", "backport", "native", "native", "native", "backport"]);
    // Refused: nothing below 3.12, where CPython has it.
    assert!(refused.contains(&"PyDict_AddWatcher".to_string()) && !partly.contains_key("PyDict_AddWatcher"));
    let cells = statuses(row(&rows, "PyDict_AddWatcher"));
    assert_eq!(cells, ["refused", "refused", "native", "native", "native", "native", "refused"]);
    let reason =
        coverage["refused"].as_array().unwrap().iter().find(|r| r["name"] == "PyDict_AddWatcher").unwrap()
            ["reason"]
            .as_str()
            .unwrap()
            .to_string();
    let escaped = reason.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    assert!(
        page.contains(&format!("Refused: {}", escaped.split('\'').next().unwrap())),
        "the reason is shown"
    );
    // Provided from a version on: refused below 3.12, a backport from it, native from 3.15.
    assert_eq!(partly.get("PyUnstable_SetImmortal").map(String::as_str), Some("3.12"));
    let cells = statuses(row(&rows, "PyUnstable_SetImmortal"));
    assert_eq!(cells, ["refused", "refused", "backport", "backport", "backport", "native", "refused"]);
    assert!(page.contains("backport (from 3.12)"));

    // Every documented addition, as coverage sorts it: provided ones are never refused on
    // CPython; refused ones are only refused or native; partly ones are refused exactly below
    // their version.
    for name in names("provided") {
        let cells = statuses(row(&rows, &name));
        assert!(!cells[..6].contains(&"refused"), "{name} is provided but refused somewhere: {cells:?}");
    }
    for name in refused.iter().filter(|n| !partly.contains_key(*n)) {
        let cells = statuses(row(&rows, name));
        assert!(
            cells[..6].iter().all(|s| *s != "backport"),
            "{name} is refused but has a backport: {cells:?}"
        );
    }
    for (name, from) in &partly {
        let minor: usize = from.trim_start_matches("3.").parse().unwrap();
        let cells = statuses(row(&rows, name));
        for (i, cell) in cells[..6].iter().enumerate() {
            assert_eq!(*cell == "refused", 10 + i < minor, "{name} from {from}: {cells:?}");
        }
    }
    // And the counts per interpreter are coverage's, column by column.
    let columns = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "pypy"];
    for (column, (label, counts)) in
        columns.iter().zip(coverage["by_interpreter"].as_array().unwrap().iter().map(|p| (&p[0], &p[1])))
    {
        for (status, key) in [("native", "native"), ("backport", "provided"), ("refused", "refused")] {
            let shown = rows
                .iter()
                .filter(|r| r["data-counted"] == "true" && r[&format!("data-status-{column}")] == status)
                .count();
            assert_eq!(shown as u64, counts[key].as_u64().unwrap(), "{label}: {status}");
        }
    }
}

#[test]
fn the_coverage_picture_is_well_formed_svg() {
    let dir = TempDir::new("docs-svg");
    write_site(dir.path());
    let svg = std::fs::read_to_string(dir.path().join("coverage.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg)
        .unwrap_or_else(|e| panic!("coverage.svg is not well-formed XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
    let (spec, _) = capi_compat::load_spec_and_hpy(None).unwrap();
    let areas: std::collections::BTreeSet<&str> = spec
        .entries
        .iter()
        .filter(|e| e.kind != capi_compat::spec::model::Kind::Helper)
        .map(|e| e.area.as_str())
        .collect();
    // A cell per interpreter for coverage's line, each area and the HPy layer.
    let cells = root.children().filter(|n| n.has_tag_name("g")).count();
    assert_eq!(cells, 7 * (1 + areas.len() + 1));
    // The first line is coverage's: its CPython 3.10 cell says what coverage counts.
    let coverage = capi_compat::report::coverage::compute(&spec);
    let c310 = &coverage.by_interpreter[0].1;
    let first = root.children().find(|n| n.has_tag_name("g")).unwrap();
    let title = first.children().find(|n| n.has_tag_name("title")).unwrap().text().unwrap();
    assert!(
        title.contains(&format!(
            "{} native, {} backport, {} refused",
            c310.native, c310.provided, c310.refused
        )),
        "{title}"
    );
    // The page shows the same picture inline.
    let page = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(page.contains(svg.trim_end()), "index.html inlines coverage.svg");
}

#[test]
fn links_go_to_the_page_cpython_documents_the_name_on() {
    let (spec, hpy) = capi_compat::load_spec_and_hpy(None).unwrap();
    let page =
        capi_compat::docs::render(&spec, Some(&hpy)).into_iter().find(|(n, _)| *n == "index.html").unwrap().1;
    let tsv = std::fs::read_to_string(common::repo_root().join("spec/coverage/capi-added.tsv")).unwrap();
    let header: Vec<&str> = tsv.lines().next().unwrap().split('\t').collect();
    let (name_col, doc_col) = (
        header.iter().position(|h| *h == "name").unwrap(),
        header.iter().position(|h| *h == "doc_file").unwrap(),
    );
    let mut checked = 0;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, doc_file) = (cols[name_col], cols[doc_col]);
        let Some(entry) = spec.get(name) else { continue };
        let url = entry.doc.as_deref().unwrap_or_default();
        if !url.starts_with("https://docs.python.org/") || doc_file.is_empty() {
            continue;
        }
        let page_name = format!("/c-api/{}.html", doc_file.trim_end_matches(".rst"));
        assert!(url.contains(&page_name), "{name}: {url} is not on {doc_file}");
        assert!(page.contains(&format!("<a href=\"{url}\">")), "{name}: the page links {url}");
        checked += 1;
    }
    assert!(checked > 400, "only {checked} names checked");
    // A name documented on its own anchor says "CPython docs"; one CPython does not document
    // says what the link is instead.
    assert!(page.contains(
        "<a href=\"https://docs.python.org/3/c-api/dict.html#c.PyDict_GetItemRef\">CPython docs</a>"
    ));
    assert!(page.contains(">CPython header (undocumented)</a>"));
}

#[test]
fn a_bad_output_directory_is_refused_with_status_2() {
    let dir = TempDir::new("docs-bad");
    let file = dir.write("a-file", "not a directory\n");
    let output = capi_compat(&["docs", "-o"], &file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("a-file: not a directory") && stderr.lines().count() == 1, "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory\n", "the file is left alone");

    let under_file = file.join("site");
    let output = capi_compat(&["docs", "-o"], &under_file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write ") && stderr.contains("a directory you can write"),
        "{stderr}"
    );

    // Unwritable even for root: /proc takes no new directories.
    let output = capi_compat(&["docs", "-o"], Path::new("/proc/capi-compat-docs"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write /proc/capi-compat-docs"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_spec_without_the_hpy_layer_makes_a_site_of_the_c_api() {
    let dir = TempDir::new("docs-no-hpy");
    let spec = common::fixtures_dir().join("coverage");
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args(["docs", "--spec"])
        .arg(&spec)
        .arg("-o")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let page = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    let rows = rows(&page);
    let fixture = capi_compat::load_spec(Some(&spec)).unwrap();
    let public = fixture.entries.iter().filter(|e| e.kind != capi_compat::spec::model::Kind::Helper).count();
    assert_eq!(rows.len(), public);
    assert!(rows.iter().all(|r| r["data-layer"] == "api"));
    assert!(!page.contains("HPy  layer"), "no empty HPy version in the text");
}
