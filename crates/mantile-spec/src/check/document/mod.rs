//! The document-level rules, run once the walk is done: one module each.

mod chips;
mod conventions;
mod expected;
mod ids;
mod single_chip;
mod sizes;
mod stray;
mod structure;
mod summaries;
mod templates;

pub(in crate::check) use stray::*;
