//! Where something was written: `site.yml:12:7`.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A position in a file the user wrote; lines and columns count from 1.
///
/// Displays as `file:line:column`, the form editors and terminals turn into links.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl Span {
    pub fn new(file: impl Into<Arc<str>>, line: u32, column: u32) -> Self {
        Self { file: file.into(), line, column }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_file_line_column() {
        assert_eq!(Span::new("site.yml", 12, 7).to_string(), "site.yml:12:7");
    }
}
