//! Source text to syntax tree: the rule language's grammar (see `GRAMMAR.md`).

pub mod ast;
mod error;
mod parser;

pub use error::{SyntaxError, SyntaxErrorKind};
pub use parser::parse;
