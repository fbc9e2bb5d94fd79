//! The typed model of a Mantile config, over its syntax tree.
//!
//! [`Config::new`] reads a config's tree once: its model fields, its layers
//! ([`Layer`]) and each layer's specs ([`LayerSpecs`], with the
//! `num_heads`/`num_query_heads` alias resolved in one place). Sizes are
//! [`Dimensions`], the one type for model dimensions. The layer catalog
//! ([`catalog`]) says which classes exist and what specs they take; the
//! parameter formulas ([`params`]) count a layer's weights from its specs.
//!
//! No I/O, no diagnostics: the checkers (`mantile-config`) and the editor
//! features read this model and judge it.

pub mod catalog;
pub mod config;
pub mod dims;
pub mod params;
pub mod specs;

pub use catalog::{Catalog, CatalogOrigin, Category, ClassSource, LayerClass};
pub use config::{Config, Layer, preview};
pub use dims::Dimensions;
pub use params::{ParamCount, Term, count_specs, count_total};
pub use specs::LayerSpecs;
