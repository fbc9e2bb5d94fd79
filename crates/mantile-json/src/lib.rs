//! An error-tolerant JSON parser that keeps the byte range of every key and value.
//!
//! `serde_json` gives values without positions and nothing at all on a
//! syntax error; the checkers and the editor features need to point at the
//! exact key or value, also while the user is typing. [`parse`] therefore
//! always gives a [`Tree`]: every value it could read, with its range, the
//! syntax errors beside it (precise ranges, plain messages) and the keys
//! repeated within an object.
//!
//! Recovery, so that the intact parts of a half-typed document stay usable:
//! - a string that misses its closing quote ends at the end of its line;
//! - a missing comma is assumed before a key or an element that follows a value;
//! - a missing colon is assumed between a key and a value;
//! - a missing value becomes an error node, so its key is kept;
//! - an unquoted key (`{a: 1}`) is read as the key it is meant to be;
//! - tokens that fit nowhere are skipped up to the next comma or bracket;
//! - a closing bracket closes the containers opened inside it; one that
//!   matches nothing is skipped; at the end of the file all are closed;
//! - Python's `True`/`False`/`None` and single-quoted strings are errors but
//!   keep their values; comments are errors and are skipped.
//!
//! The parser is one pass in linear time with an explicit stack (no
//! recursion); containers nested deeper than [`MAX_DEPTH`] are skipped with
//! an error, so code that walks the tree recursively is safe. The tree takes
//! 16 bytes per value plus the text (a copy, or shared with [`parse_shared`]).

mod parse;
mod tree;

pub use tree::{DuplicateKey, Elements, Kind, Member, Members, Node, SyntaxError, Tree};

/// Deepest nesting accepted; deeper containers are skipped with an error.
pub const MAX_DEPTH: usize = 128;

/// At most this many syntax errors are kept per document; the rest are counted.
pub const MAX_ERRORS: usize = 100;

/// Parses a whole document. Never fails: see [`Tree`].
pub fn parse(text: &str) -> Tree {
    parse::parse(text)
}

/// [`parse`] of a text the caller already holds in an `Arc`: the tree
/// shares it rather than keeping a copy (a large document's text is then in
/// memory once).
pub fn parse_shared(text: std::sync::Arc<str>) -> Tree {
    parse::parse_shared(text)
}

#[cfg(test)]
mod tests;
