//! Commands for installed copies and vendored headers: check, install-tree, and the
//! `--includedir` / `--pkgconfigdir` / `--cmakedir` queries.

use super::{io_error, CliError, Locations, SpecArg};
use crate::install;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `check FILE…`: every file's verdict, then the worst exit status (not ours > stale).
pub fn check(files: &[PathBuf], out: &mut dyn Write) -> Result<(), CliError> {
    let (spec, hpy) = crate::load_spec_and_hpy(None)?;
    let outcomes: Vec<_> = files.iter().map(|f| crate::check::check(f, &spec, &hpy)).collect();
    for outcome in &outcomes {
        out.write_all(crate::check::render(outcome, &spec.digest).as_bytes()).map_err(io_error)?;
    }
    let count = |code| outcomes.iter().filter(|o| o.exit_code() == code).count();
    match (count(2), count(1)) {
        (0, 0) => Ok(()),
        (0, stale) => Err(CliError::NotFresh(stale)),
        (not_ours, _) => Err(CliError::NotOurs(not_ours)),
    }
}

/// `install-tree DIR`: the tree an install provides, written under DIR.
pub fn install_tree(dir: &Path, spec: &SpecArg, out: &mut dyn Write) -> Result<(), CliError> {
    let (spec_data, hpy) = crate::load_spec_and_hpy(spec.spec.as_deref())?;
    let files = install::tree(&spec_data, &hpy)?;
    install::write_tree(dir, &files)
        .map_err(|e| CliError::Io(format!("cannot write the tree into {}: {e}", dir.display())))?;
    for file in &files {
        writeln!(out, "{}", dir.join(&file.path).display()).map_err(io_error)?;
    }
    Ok(())
}

/// `--includedir`, `--pkgconfigdir`, `--cmakedir`: the directory in this binary's tree.
pub fn print_location(which: &Locations, out: &mut dyn Write) -> Result<(), CliError> {
    let relative = if which.includedir {
        install::INCLUDE_DIR
    } else if which.pkgconfigdir {
        install::PKGCONFIG_DIR
    } else if which.cmakedir {
        install::CMAKE_DIR
    } else {
        return Err(CliError::Usage("name a command or a directory to print (see --help)".into()));
    };
    let (spec, hpy) = crate::load_spec_and_hpy(None)?;
    let files = install::tree(&spec, &hpy)?;
    let exe = std::env::current_exe().map_err(|e| CliError::Io(format!("cannot find this binary: {e}")))?;
    let root = install::locate::tree_root(&exe, &files, &spec.digest)
        .map_err(|e| CliError::Io(format!("cannot write the install tree into the cache: {e}")))?;
    writeln!(out, "{}", root.join(relative).display()).map_err(io_error)
}
