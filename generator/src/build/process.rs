//! Running a child process with captured output and a time limit, in a process group of its
//! own (see `interrupt`: stopped with everything it started on SIGINT/SIGTERM or a timeout).

use super::interrupt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs a command, capturing stdout and stderr, killing it after `timeout`.
pub fn run_captured(cmd: &mut Command, timeout: Duration) -> Result<(bool, String, String), String> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
    let mut child = interrupt::start_child(|| {
        cmd.spawn().map(|c| {
            let pid = c.id();
            (c, pid)
        })
    })
    .map_err(|_| "interrupted: not started".to_string())?
    .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let pid = child.id();
    // Read both pipes on threads so a chatty child cannot block on a full pipe.
    let mut out_pipe = child.stdout.take().expect("piped");
    let mut err_pipe = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out_pipe, &mut s).ok();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err_pipe, &mut s).ok();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if start.elapsed() > timeout {
            // The whole group: a timed-out pytest's own children too.
            interrupt::kill_group(pid as i32, libc::SIGKILL);
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // What the child left running in its group is stopped with it (else a grandchild holding
    // the pipes would keep the readers below waiting).
    interrupt::child_done(pid);
    let stdout = out_reader.join().unwrap_or_default();
    let mut stderr = err_reader.join().unwrap_or_default();
    let ok = match status {
        Some(s) if s.success() => true,
        Some(s) => {
            if s.code().is_none() {
                stderr.push_str(&format!("\n(killed by a signal: {s})"));
            }
            false
        }
        None => {
            stderr.push_str(&format!("\n(timed out after {}s)", timeout.as_secs()));
            false
        }
    };
    Ok((ok, stdout, stderr))
}
