//! The GitHub Actions workflow: one job per target (a strategy matrix), each installing its
//! interpreter and capi-compat and running `capi-compat matrix` on that interpreter alone.

use super::targets::{targets, Route, Target};
use super::{shell, CiRequest, UnsafeArgument};
use handlebars::Handlebars;
use serde::Serialize;

const TEMPLATE: &str = include_str!("../../templates/github-workflow.yml.hbs");

#[derive(Serialize)]
struct WorkflowView {
    command: String,
    cpython_range: String,
    free_threaded: String,
    debug: String,
    pypy: String,
    entries: Vec<EntryView>,
    matrix_args: String,
}

#[derive(Serialize)]
struct EntryView {
    name: String,
    python: String,
    route: &'static str,
    executable: String,
}

/// The workflow's text; the same request always gives the same bytes.
pub fn workflow(request: &CiRequest) -> Result<String, UnsafeArgument> {
    let all = targets(request.min);
    let view = WorkflowView {
        command: regenerate_command(request)?,
        cpython_range: range(&all, |t| {
            t.route == Route::SetupPython && t.name.starts_with("cpython-") && !t.python.ends_with('t')
        }),
        free_threaded: names(&all, |t| t.python.ends_with('t')),
        debug: names(&all, |t| t.route == Route::DeadsnakesDebug),
        pypy: names(&all, |t| t.name.starts_with("pypy-")),
        entries: all
            .iter()
            .map(|t| EntryView {
                name: t.name.clone(),
                python: t.python.clone(),
                route: t.route.as_str(),
                executable: t.executable.clone(),
            })
            .collect(),
        matrix_args: shell::join(&matrix_arguments(request))?,
    };
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    Ok(hb.render_template(TEMPLATE, &view).expect("the workflow template renders with its own view"))
}

/// What each job passes to `capi-compat matrix` after `--python`.
fn matrix_arguments(request: &CiRequest) -> Vec<String> {
    let mut args = vec!["--min".to_string(), request.min.to_string()];
    if request.hpy {
        args.push("--hpy".into());
    }
    args.extend(request.matrix_options.iter().cloned());
    if request.inputs.is_empty() {
        args.push(".".into());
    } else {
        args.extend(request.inputs.iter().cloned());
    }
    if !request.test_command.is_empty() {
        args.push("--".into());
        args.extend(request.test_command.iter().cloned());
    }
    args
}

fn regenerate_command(request: &CiRequest) -> Result<String, UnsafeArgument> {
    let mut args: Vec<String> = ["capi-compat", "ci", "github", "--min"].map(String::from).to_vec();
    args.push(request.min.to_string());
    if request.hpy {
        args.push("--hpy".into());
    }
    args.extend(request.matrix_options.iter().cloned());
    if let Some(output) = &request.output {
        args.extend(["-o".to_string(), output.clone()]);
    }
    args.extend(request.inputs.iter().cloned());
    if !request.test_command.is_empty() {
        args.push("--".into());
        args.extend(request.test_command.iter().cloned());
    }
    shell::join(&args)
}

fn names(all: &[Target], keep: impl Fn(&Target) -> bool) -> String {
    all.iter()
        .filter(|t| keep(t))
        .map(|t| t.name.trim_start_matches("cpython-").to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn range(all: &[Target], keep: impl Fn(&Target) -> bool) -> String {
    let kept: Vec<&Target> = all.iter().filter(|t| keep(t)).collect();
    match (kept.first(), kept.last()) {
        (Some(first), Some(last)) if first.series != last.series => {
            format!("{}–{}", first.python, last.python)
        }
        (Some(only), _) => only.python.clone(),
        _ => String::new(),
    }
}
