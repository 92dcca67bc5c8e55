//! Build directories: one per set of inputs (a digest of everything a build depends on), so a
//! run reuses what an earlier one built and never mixes the outputs of two different inputs.

use std::path::Path;

/// A label (`cpython-3.13-dbg`) as a directory name.
pub fn sanitize(label: &str) -> String {
    label.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect()
}

/// Writes only when the text differs: an unchanged file keeps its mtime, so builds that depend on
/// it are not redone.
pub fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text)?;
    }
    Ok(())
}
