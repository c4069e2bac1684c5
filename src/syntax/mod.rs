//! Source text to syntax tree: the rule language's grammar (see `GRAMMAR.md`).

pub mod ast;
mod error;
mod format;
mod parser;

pub use error::{SyntaxError, SyntaxErrorKind};
pub use format::format;
pub(crate) use format::rule_words;
pub use parser::{parse, parse_all};
