//! Runs one job per interpreter on a few worker threads, reporting each as it finishes.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Applies `work` to every item on `jobs` threads; results come back in input order.
/// `line` turns a finished result into the progress line written to `progress`.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
    line: impl Fn(&T, &R) -> String + Sync,
    progress: &mut (dyn Write + Send),
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let progress = Mutex::new(progress);
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(items.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                let result = work(item);
                let done = finished.fetch_add(1, Ordering::SeqCst) + 1;
                let text = format!("[{done}/{}] {}\n", items.len(), line(item, &result));
                if let Ok(mut p) = progress.lock() {
                    p.write_all(text.as_bytes()).ok();
                    p.flush().ok();
                }
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(result);
                }
            });
        }
    });
    results.into_inner().unwrap_or_default().into_iter().flatten().collect()
}

/// The default number of jobs: one per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}
