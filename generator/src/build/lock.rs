//! Build directories shared by several capi-compat processes at once (two `test` runs, a `test`
//! and a `matrix`, a CI job and a developer's shell): each directory is used by one process at a
//! time, and old ones are removed only when no process is using any directory beside them.
//!
//! Two levels of advisory file locks (`flock`, released by the kernel when a process dies, so a
//! killed run never leaves a lock behind):
//! - `LABEL_DIR/.lock`, shared by every process using a directory under LABEL_DIR, exclusive for
//!   the one that prunes old directories (taken without waiting: pruning is skipped when busy);
//! - `LABEL_DIR/KEY.lock`, exclusive while a process prepares, builds and runs in LABEL_DIR/KEY.
//!   A second run with the same inputs waits, then finds the first one's finished build.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Directories (and their lock files) untouched for this long are removed by the next run.
const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// A build directory this process holds until the value is dropped.
#[derive(Debug)]
pub struct BuildDir {
    path: PathBuf,
    // Held for their lifetime only: dropping a `File` releases its lock.
    _key_lock: File,
    _label_lock: File,
}

impl BuildDir {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes `label_dir/key` for this process, creating it. Waits (saying so on stderr) while
/// another process holds the same directory; first removes stale directories of other keys
/// when no other process is using `label_dir`.
pub fn claim(label_dir: &Path, key: &str) -> io::Result<BuildDir> {
    std::fs::create_dir_all(label_dir)?;
    let label_lock = open_lock(&label_dir.join(".lock"))?;
    match label_lock.try_lock() {
        Ok(()) => {
            prune_stale(label_dir, key);
            label_lock.unlock()?;
        }
        Err(TryLockError::WouldBlock) => {}
        Err(TryLockError::Error(e)) => return Err(e),
    }
    // Shared from here on: no pruning while any process uses a directory here.
    label_lock.lock_shared()?;
    let key_lock = open_lock(&label_dir.join(format!("{key}.lock")))?;
    match key_lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            eprintln!(
                "capi-compat: waiting for another capi-compat process using {}",
                label_dir.join(key).display()
            );
            key_lock.lock()?;
        }
        Err(TryLockError::Error(e)) => return Err(e),
    }
    let path = label_dir.join(key);
    std::fs::create_dir_all(&path)?;
    Ok(BuildDir { path, _key_lock: key_lock, _label_lock: label_lock })
}

fn open_lock(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).truncate(false).write(true).open(path)
}

/// Called with `label_dir/.lock` held exclusively: no process uses any directory here.
fn prune_stale(label_dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(label_dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == keep || name == ".lock" || name == format!("{keep}.lock") {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if !stale {
            continue;
        }
        if entry.path().is_dir() {
            std::fs::remove_dir_all(entry.path()).ok();
        } else if name.ends_with(".lock") {
            std::fs::remove_file(entry.path()).ok();
        }
    }
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename: a
/// reader (or a later run, after this one was killed) sees the old content or the new, never
/// a part.
pub fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path).inspect_err(|_| {
        std::fs::remove_file(&partial).ok();
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("capi-compat-lock-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        dir
    }

    fn age(path: &Path, days: u64) {
        let old = std::time::SystemTime::now() - Duration::from_secs(days * 24 * 60 * 60);
        File::open(path).unwrap().set_modified(old).unwrap();
    }

    #[test]
    fn a_second_claim_of_the_same_directory_waits_for_the_first() {
        let root = scratch("wait");
        let first = claim(&root, "k").unwrap();
        let released = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (root, released) = (root.clone(), released.clone());
            std::thread::spawn(move || {
                let _second = claim(&root, "k").unwrap();
                released.load(Ordering::SeqCst)
            })
        };
        std::thread::sleep(Duration::from_millis(300));
        released.store(true, Ordering::SeqCst);
        drop(first);
        assert!(waiter.join().unwrap(), "the second claim returned while the first was held");
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn other_keys_do_not_wait() {
        let root = scratch("keys");
        let _a = claim(&root, "a").unwrap();
        let b = {
            let root = root.clone();
            std::thread::spawn(move || claim(&root, "b").map(|d| d.path().to_path_buf()))
        };
        assert_eq!(b.join().unwrap().unwrap(), root.join("b"));
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn stale_directories_are_pruned_only_when_nobody_uses_the_label() {
        let root = scratch("prune");
        drop(claim(&root, "old").unwrap());
        let busy = claim(&root, "busy").unwrap();
        age(&root.join("old"), 2);
        age(&root.join("old.lock"), 2);
        // `busy` holds the label shared: this claim must not prune.
        drop(claim(&root, "new").unwrap());
        assert!(root.join("old").is_dir(), "pruned while another directory was in use");
        drop(busy);
        drop(claim(&root, "new").unwrap());
        assert!(!root.join("old").exists() && !root.join("old.lock").exists(), "stale build not pruned");
        assert!(root.join("busy").is_dir(), "a fresh directory was pruned");
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn the_kept_directory_is_never_pruned_even_when_old() {
        let root = scratch("keep");
        drop(claim(&root, "k").unwrap());
        age(&root.join("k"), 3);
        drop(claim(&root, "k").unwrap());
        assert!(root.join("k").is_dir());
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn atomic_writes_leave_no_partial_file() {
        let root = scratch("atomic");
        std::fs::create_dir_all(&root).unwrap();
        let file = root.join("stamp");
        write_atomically(&file, "one").unwrap();
        write_atomically(&file, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "two");
        let names: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("stamp")]);
        std::fs::remove_dir_all(&root).ok();
    }
}
