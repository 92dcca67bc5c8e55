//! Running a child process with captured output and a time limit.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs a command, capturing stdout and stderr, killing it after `timeout`.
pub fn run_captured(cmd: &mut Command, timeout: Duration) -> Result<(bool, String, String), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
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
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
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
