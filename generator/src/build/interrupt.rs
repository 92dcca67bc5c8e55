//! SIGINT and SIGTERM while children run: `process::run_captured` starts each child in a
//! process group of its own (a terminal's Ctrl-C no longer reaches pip, pytest or a compiler
//! directly, and a SIGTERM sent to capi-compat alone never did), so on either signal this
//! module stops every group itself: SIGTERM, a grace period, then SIGKILL. It then removes
//! the run's partial work (`remove_on_interrupt`) and exits 130 (SIGINT) or 143 (SIGTERM)
//! with a message. Build-cache claims (`lock`) are `flock`s on descriptors the children do
//! not inherit: they end with this process, once no child is left to write in a claimed
//! directory.
//!
//! The signal handler only writes the signal's number to a pipe (what is safe in a handler);
//! a thread reads it and does the work.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

/// How long the children get to exit after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(3);

/// The running children's process groups (each child leads its own), and whether the run was
/// interrupted: once it is, no new child starts.
struct Children {
    groups: BTreeSet<i32>,
    interrupted: Option<i32>,
}

static CHILDREN: Mutex<Children> = Mutex::new(Children { groups: BTreeSet::new(), interrupted: None });
/// Directories to remove when interrupted (a run's partial work).
static CLEANUP: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// The write end of the pipe the handler writes to (-1 before `install`).
static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);
static INSTALL: Once = Once::new();

/// The run was interrupted: a child was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

/// Starts `spawn` (which must put the child in a new process group: `process_group(0)`) and
/// records its group, unless the run is being interrupted. Holding the lock across the spawn
/// means the interrupting thread sees every group that will ever run.
pub fn start_child<T>(
    spawn: impl FnOnce() -> std::io::Result<(T, u32)>,
) -> Result<std::io::Result<T>, Interrupted> {
    let mut children = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
    if children.interrupted.is_some() {
        return Err(Interrupted);
    }
    Ok(spawn().map(|(child, pid)| {
        children.groups.insert(pid as i32);
        child
    }))
}

/// The child leading `pid`'s group has been reaped: its group is no longer ours to stop.
/// What it left running in its group is stopped now (a test command's server, say).
pub fn child_done(pid: u32) {
    let mut children = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
    if children.groups.remove(&(pid as i32)) {
        kill_group(pid as i32, libc::SIGKILL);
    }
}

/// Whether SIGINT/SIGTERM arrived: results from now on are those of killed children.
pub fn is_interrupted() -> bool {
    CHILDREN.lock().unwrap_or_else(|e| e.into_inner()).interrupted.is_some()
}

/// Called where results would be reported: when interrupted, the watching thread is stopping
/// the children and will end the process with the signal's exit code, so this thread waits
/// for that instead of reporting killed children as failures.
pub fn park_if_interrupted() {
    while is_interrupted() {
        std::thread::park_timeout(Duration::from_secs(1));
    }
}

/// Kills a whole process group (the child and whatever it started in its group).
pub fn kill_group(pgid: i32, signal: i32) {
    if pgid > 0 {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
        unsafe { libc::kill(-pgid, signal) };
    }
}

/// Removes `dir` (recursively) if the run is interrupted.
pub fn remove_on_interrupt(dir: PathBuf) {
    CLEANUP.lock().unwrap_or_else(|e| e.into_inner()).push(dir);
}

/// Handles SIGINT and SIGTERM for the rest of the process (once; later calls do nothing).
pub fn install() {
    INSTALL.call_once(|| {
        let mut fds = [0i32; 2];
        // SAFETY: pipe(2) fills the two descriptors of a fresh array.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return;
        }
        for fd in fds {
            // SAFETY: fcntl on the descriptors just made; children must not inherit them.
            unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        }
        PIPE_WRITE.store(fds[1], Ordering::SeqCst);
        let read_end = fds[0];
        std::thread::spawn(move || watch(read_end));
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: a zeroed sigaction with a handler that only calls write(2).
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    });
}

extern "C" fn on_signal(signal: libc::c_int) {
    let fd = PIPE_WRITE.load(Ordering::SeqCst);
    let byte = signal as u8;
    // SAFETY: write(2) is async-signal-safe; one byte from the stack.
    unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
}

/// The thread that stops everything on the first signal, and exits at once on a second.
fn watch(read_end: i32) {
    let mut byte = 0u8;
    // SAFETY: read(2) of one byte into a local.
    while unsafe { libc::read(read_end, (&mut byte as *mut u8).cast(), 1) } != 1 {}
    let signal = byte as i32;
    let name = if signal == libc::SIGINT { "SIGINT" } else { "SIGTERM" };
    let groups: Vec<i32> = {
        let mut children = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
        children.interrupted = Some(signal);
        children.groups.iter().copied().collect()
    };
    eprintln!(
        "\ncapi-compat: interrupted ({name}): stopping {} running process group{} and removing partial work",
        groups.len(),
        if groups.len() == 1 { "" } else { "s" }
    );
    // A second signal: no more waiting.
    std::thread::spawn(move || {
        let mut again = 0u8;
        // SAFETY: as above.
        while unsafe { libc::read(read_end, (&mut again as *mut u8).cast(), 1) } != 1 {}
        std::process::exit(128 + signal);
    });
    stop_groups(&groups);
    // Twice: a worker may still write a log as its killed child is reaped.
    for _ in 0..2 {
        for dir in CLEANUP.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            std::fs::remove_dir_all(dir).ok();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::process::exit(128 + signal);
}

/// SIGTERM to every group, then SIGKILL to those still there after the grace period. The
/// worker threads reap the group leaders meanwhile (their wait loops go on).
fn stop_groups(groups: &[i32]) {
    for &pgid in groups {
        kill_group(pgid, libc::SIGTERM);
    }
    let alive = |pgid: &i32| {
        // SAFETY: signal 0 only asks whether the group has a process left.
        unsafe { libc::kill(-pgid, 0) == 0 }
    };
    let start = Instant::now();
    while start.elapsed() < GRACE && groups.iter().any(alive) {
        std::thread::sleep(Duration::from_millis(50));
    }
    for pgid in groups.iter().filter(|g| alive(g)) {
        kill_group(*pgid, libc::SIGKILL);
    }
    // The killed ones must be gone before the exit releases the build-cache locks.
    let start = Instant::now();
    while start.elapsed() < GRACE && groups.iter().any(alive) {
        std::thread::sleep(Duration::from_millis(20));
    }
}
