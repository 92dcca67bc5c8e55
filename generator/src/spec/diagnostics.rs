//! Errors in a spec, written for the person who has to fix the YAML.

use std::fmt;

/// Where in the spec a problem is: the file always, the line and column when known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceLocation {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// One problem: where, which entry, what is wrong, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: SourceLocation,
    pub entry: Option<String>,
    pub message: String,
    pub help: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error", self.location)?;
        if let Some(entry) = &self.entry {
            write!(f, " in entry `{entry}`")?;
        }
        write!(f, ": {}", self.message)?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

/// Every problem found in one run, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<Diagnostic>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "the spec has {n} error{}", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for SpecErrors {}

/// Collects diagnostics while a spec is read and checked.
#[derive(Debug, Default)]
pub struct Collector {
    found: Vec<Diagnostic>,
}

impl Collector {
    pub fn error(
        &mut self,
        location: SourceLocation,
        entry: Option<&str>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.found.push(Diagnostic {
            location,
            entry: entry.map(str::to_string),
            message: message.into(),
            help: help.into(),
        });
    }

    pub fn len(&self) -> usize {
        self.found.len()
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    pub fn finish(mut self) -> Result<(), SpecErrors> {
        if self.found.is_empty() {
            return Ok(());
        }
        self.found.sort_by(|a, b| a.location.cmp(&b.location));
        Err(SpecErrors(self.found))
    }
}
