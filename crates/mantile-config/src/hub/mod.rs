//! Cross-checks against a model's Hugging Face metadata, and configs generated from it.
//!
//! The metadata arrives as plain data ([`HubFacts`]); fetching and caching it
//! is the edge's job (`mantile-hub`). Nothing here does I/O.
//!
//! - [`types`]: the facts and problems, config.json's dimensions;
//! - [`rules`]: MC070–MC075, the config compared with the facts;
//! - [`hover`]: the card on `hf_model_id`;
//! - [`generator`]: a config generated from the facts.

mod generator;
mod hover;
mod rules;
mod types;

pub use generator::{CONFIG_JSON_MODEL_TYPES, Generated, MAX_DIMENSION, from_config, generate};
pub(crate) use generator::{J, at_revision, class_count, head, layer, write_members};
pub use hover::hover_card;
pub use rules::{check_against_hub, problem_diagnostic};
pub use types::*;

#[cfg(test)]
mod tests;
