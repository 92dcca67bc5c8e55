//! CPython versions as the spec writes them (`3.13`, `3.13.0a4`) and as C sees them
//! (`PY_VERSION_HEX`).

use std::fmt;

/// The oldest and newest CPython minor versions the project supports.
pub const OLDEST: PyVersion = PyVersion::release(3, 10);
pub const NEWEST: PyVersion = PyVersion::release(3, 15);

/// A CPython version precise enough to place a `PY_VERSION_HEX` guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PyVersion {
    pub major: u8,
    pub minor: u8,
    pub micro: u8,
    /// Pre-release level as `PY_VERSION_HEX` encodes it: 0xA alpha, 0xB beta, 0xC candidate.
    /// `None` means "the minor version as a whole", which compares below its own pre-releases
    /// so that `3.13` covers 3.13.0a1 on.
    pub pre: Option<(u8, u8)>,
}

impl PyVersion {
    pub const fn release(major: u8, minor: u8) -> Self {
        PyVersion { major, minor, micro: 0, pre: None }
    }

    /// Parses `3.13`, `3.13.1`, `3.13.0a4`, `3.13.0b1`, `3.13.0rc2`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad =
            || format!("`{text}` is not a CPython version: write `3.13`, or `3.13.0a4` for a pre-release");
        let mut parts = text.split('.');
        let major = parse_u8(parts.next().ok_or_else(bad)?).ok_or_else(bad)?;
        let minor = parse_u8(parts.next().ok_or_else(bad)?).ok_or_else(bad)?;
        let (micro, pre) = match parts.next() {
            None => (0, None),
            Some(rest) => {
                let digits_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
                let micro = parse_u8(&rest[..digits_end]).ok_or_else(bad)?;
                let suffix = &rest[digits_end..];
                let pre = if suffix.is_empty() {
                    None
                } else {
                    let (level, serial) = if let Some(s) = suffix.strip_prefix("rc") {
                        (0xC, s)
                    } else if let Some(s) = suffix.strip_prefix('a') {
                        (0xA, s)
                    } else if let Some(s) = suffix.strip_prefix('b') {
                        (0xB, s)
                    } else {
                        return Err(bad());
                    };
                    let serial = parse_u8(serial).filter(|s| *s <= 15).ok_or_else(bad)?;
                    Some((level, serial))
                };
                (micro, pre)
            }
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(PyVersion { major, minor, micro, pre })
    }

    /// The value to compare `PY_VERSION_HEX` with: code for this version is native when
    /// `PY_VERSION_HEX >= hex()`.
    pub fn hex(&self) -> u32 {
        let (level, serial) = match self.pre {
            Some((level, serial)) => (u32::from(level), u32::from(serial)),
            // A plain micro release means its final; `3.13` (micro 0, no level) means any 3.13.
            None if self.micro > 0 => (0xF, 0),
            None => (0, 0),
        };
        (u32::from(self.major) << 24)
            | (u32::from(self.minor) << 16)
            | (u32::from(self.micro) << 8)
            | (level << 4)
            | serial
    }

    /// The minor series this version belongs to (`3.13.0a4` -> `3.13`).
    pub fn series(&self) -> PyVersion {
        PyVersion::release(self.major, self.minor)
    }

    pub fn in_supported_range(&self) -> bool {
        self.series() >= OLDEST && self.series() <= NEWEST
    }
}

fn parse_u8(text: &str) -> Option<u8> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for PyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.micro > 0 || self.pre.is_some() {
            write!(f, ".{}", self.micro)?;
        }
        if let Some((level, serial)) = self.pre {
            let tag = match level {
                0xA => "a",
                0xB => "b",
                _ => "rc",
            };
            write!(f, "{tag}{serial}")?;
        }
        Ok(())
    }
}

/// A PyPy version (`7.3.18`), compared with `PYPY_VERSION_NUM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PyPyVersion {
    pub major: u8,
    pub minor: u8,
    pub micro: u8,
}

impl PyPyVersion {
    pub fn parse(text: &str) -> Result<Self, String> {
        let nums: Vec<Option<u8>> = text.split('.').map(parse_u8).collect();
        match nums.as_slice() {
            [Some(major), Some(minor), Some(micro)] => {
                Ok(PyPyVersion { major: *major, minor: *minor, micro: *micro })
            }
            _ => Err(format!(
                "`{text}` is not a PyPy version: write `backport`, `unavailable`, or a version like `7.3.18`"
            )),
        }
    }

    /// `PYPY_VERSION_NUM` encodes a release as 0xMMmmuu00.
    pub fn hex(&self) -> u32 {
        (u32::from(self.major) << 24) | (u32::from(self.minor) << 16) | (u32::from(self.micro) << 8)
    }
}

impl fmt::Display for PyPyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.micro)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_of_release_and_prerelease() {
        assert_eq!(PyVersion::parse("3.13").unwrap().hex(), 0x030D_0000);
        assert_eq!(PyVersion::parse("3.13.0a4").unwrap().hex(), 0x030D_00A4);
        assert_eq!(PyVersion::parse("3.12.0rc2").unwrap().hex(), 0x030C_00C2);
        assert_eq!(PyVersion::parse("3.12.1").unwrap().hex(), 0x030C_01F0);
        assert_eq!(PyPyVersion::parse("7.3.18").unwrap().hex(), 0x0703_1200);
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "3", "3.x", "3.13.0z1", "3.13.0a", "3.13.0.1", "v3.13", "3.13 "] {
            assert!(PyVersion::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in ["3.13", "3.13.0a4", "3.12.0rc1", "3.11.2"] {
            assert_eq!(PyVersion::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn series_orders_prereleases_after_the_bare_minor() {
        let bare = PyVersion::parse("3.13").unwrap();
        let pre = PyVersion::parse("3.13.0a4").unwrap();
        assert!(bare < pre);
        assert_eq!(pre.series(), bare);
    }
}
