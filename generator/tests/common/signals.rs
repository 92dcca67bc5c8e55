//! Interrupting a capi-compat run from a test: started, signalled once its test command is
//! running, and its children looked for afterwards.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A test command that starts a grandchild (`sleep`), writes its pid to `marker` and waits:
/// what must not survive the interrupted run.
pub fn sleeping_test_command(marker: &Path) -> Vec<String> {
    let script = format!("sleep 300 & echo $! > {}.tmp && mv {0}.tmp {0}; wait", marker.display());
    vec!["sh".into(), "-c".into(), script]
}

/// What an interrupted run left: its exit code, its standard error, the grandchild's pid.
pub struct Interrupted {
    pub code: Option<i32>,
    pub stderr: String,
    pub grandchild: u32,
    /// capi-compat's own.
    pub pid: u32,
}

/// Starts `cmd`, waits (up to 10 minutes) until `marker` names the test command's grandchild,
/// sends `signal` (`-TERM`, `-INT`) to capi-compat alone, and waits for it to exit.
pub fn interrupt_when_running(cmd: &mut Command, marker: &Path, signal: &str) -> Interrupted {
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("start capi-compat");
    let start = Instant::now();
    let grandchild = loop {
        if let Some(pid) = std::fs::read_to_string(marker).ok().and_then(|t| t.trim().parse().ok()) {
            break pid;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).ok();
            panic!("capi-compat ended ({status}) before its test command ran:\n{err}");
        }
        assert!(start.elapsed() < Duration::from_secs(600), "the test command never started");
        std::thread::sleep(Duration::from_millis(100));
    };
    let pid = child.id();
    let sent = Command::new("kill").arg(signal).arg(child.id().to_string()).status().unwrap();
    assert!(sent.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            panic!("capi-compat did not exit within 60 s of {signal}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).ok();
    Interrupted { code: status.code(), stderr, grandchild, pid }
}

/// Whether a process runs (a zombie, dead but not yet reaped, does not count).
pub fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // "PID (COMM) STATE ...": the state follows the last ')'.
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}
