//! Runs one job per interpreter on a few worker threads, reporting each as it finishes: a
//! plain line per job (CI logs), plus a live "running: …" status line on a terminal.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

struct Progress<'a> {
    out: &'a mut (dyn Write + Send),
    live: bool,
    running: BTreeSet<String>,
}

impl Progress<'_> {
    fn event(&mut self, finished_line: Option<&str>) {
        let mut text = String::new();
        if self.live {
            text.push_str("\r\x1b[K");
        }
        if let Some(line) = finished_line {
            text.push_str(line);
            text.push('\n');
        }
        if self.live && !self.running.is_empty() {
            let names: Vec<&str> = self.running.iter().map(String::as_str).collect();
            text.push_str(&format!("running: {}", names.join(", ")));
        }
        self.out.write_all(text.as_bytes()).ok();
        self.out.flush().ok();
    }
}

/// Applies `work` to every item on `jobs` threads; results come back in input order.
/// `name` labels an item in the live status; `line` turns a finished result into its line.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    name: impl Fn(&T) -> String + Sync,
    work: impl Fn(&T) -> R + Sync,
    line: impl Fn(&T, &R) -> String + Sync,
    progress: &mut (dyn Write + Send),
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    // Live status only when the progress goes to a terminal (stderr), never in CI logs.
    let live = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let progress = Mutex::new(Progress { out: progress, live, running: BTreeSet::new() });
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(items.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                if let Ok(mut p) = progress.lock() {
                    p.running.insert(name(item));
                    p.event(None);
                }
                let result = work(item);
                let done = finished.fetch_add(1, Ordering::SeqCst) + 1;
                let text = format!("[{done}/{}] {}", items.len(), line(item, &result));
                if let Ok(mut p) = progress.lock() {
                    p.running.remove(&name(item));
                    // Killed by an interrupt: not a result to show.
                    if !super::interrupt::is_interrupted() {
                        p.event(Some(&text));
                    }
                }
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(result);
                }
            });
        }
    });
    super::interrupt::park_if_interrupted();
    results.into_inner().unwrap_or_default().into_iter().flatten().collect()
}

/// The default number of jobs: one per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}
