//! The `.pspace` language: syntax tree, parser and formatter.

pub mod ast;
pub mod format;
pub mod parser;

pub use parser::parse;
