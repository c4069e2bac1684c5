//! Syntax errors: what was wrong and where, as data.

use std::fmt;

use super::ast::Span;

/// A rules file that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The offending text.
    pub span: Span,
    /// What was wrong.
    pub kind: SyntaxErrorKind,
}

/// What was wrong with the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// Something else stood where one of `expected` must.
    Expected {
        /// Descriptions of what may stand here, such as `` `clause` `` or `a time such as 20:00`.
        expected: Vec<&'static str>,
        /// What stands here instead.
        found: String,
    },
    /// A value of the right shape that is not valid, such as `2000-02-30`.
    Invalid {
        /// What kind of value.
        what: &'static str,
        /// The value as written.
        text: String,
        /// Why it is not valid.
        why: String,
    },
    /// A string without its closing quote.
    UnterminatedString,
}

impl fmt::Display for SyntaxErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxErrorKind::Expected { expected, found } => {
                write!(f, "expected ")?;
                write_alternatives(f, expected)?;
                write!(f, ", found {found}")
            }
            SyntaxErrorKind::Invalid { what, text, why } => {
                write!(f, "invalid {what} `{text}`: {why}")
            }
            SyntaxErrorKind::UnterminatedString => write!(f, "unterminated string"),
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for SyntaxError {}

/// Writes `a`, `a or b`, or `a, b or c`.
fn write_alternatives(f: &mut fmt::Formatter<'_>, items: &[&str]) -> fmt::Result {
    match items {
        [] => write!(f, "something else"),
        [one] => write!(f, "{one}"),
        [init @ .., last] => {
            write!(f, "{}", init.join(", "))?;
            write!(f, " or {last}")
        }
    }
}
