//! `mantile-lsp`: the command line (`check`, `rules`) and, later, the language
//! server. Both are thin edges over `mantile-engine`: this crate reads files,
//! builds workspace snapshots and prints; it decides nothing about findings.

pub mod args;
pub mod cli;
pub mod disk;
pub mod files;
pub mod formats;
pub mod inspect;
pub mod render;
pub mod scaffolds;
pub mod server;
