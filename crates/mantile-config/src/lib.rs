//! Checks Mantile model configs (`backend/data/model_configs/*.json`).
//!
//! [`check_config`] takes the text of one config and a [`ConfigContext`]
//! (file name, layer catalog, what the workspace holds) and returns
//! diagnostics with exact byte ranges. No I/O happens here: the engine reads
//! files and answers [`WorkspaceFiles`] queries.

pub mod catalog;
mod check;
pub mod edit;
pub mod hover;
pub mod hub;
pub mod params;
pub mod rules;
pub mod schema;

pub use catalog::{Catalog, CatalogOrigin, Category, ClassSource, LayerClass};
pub use check::{ConfigContext, LayerView, WorkspaceFiles, gap_report_path, layers};
pub use rules::RULES;

use mantile_diag::{Diagnostic, sort_diagnostics};
use mantile_json::{Node, parse};

/// The result of checking one config.
pub struct ConfigReport {
    pub diagnostics: Vec<Diagnostic>,
    /// The parsed document (absent after a syntax error).
    pub root: Option<Node>,
}

/// Checks the text of one model config.
pub fn check_config(text: &str, ctx: &ConfigContext) -> ConfigReport {
    let parsed = parse(text);
    let mut diagnostics = Vec::new();
    if let Some(e) = parsed.error {
        diagnostics.push(Diagnostic::new(&rules::JSON_SYNTAX, e.range, e.message));
    }
    for dup in &parsed.duplicates {
        diagnostics.push(
            Diagnostic::new(
                &rules::DUPLICATE_KEY,
                dup.again,
                format!(
                    "duplicate key \"{}\": this later value replaces the earlier one",
                    dup.key
                ),
            )
            .with_related(dup.first, "first defined here"),
        );
    }
    if let Some(root) = &parsed.root {
        schema::validate(root, &mut diagnostics);
        if root.is_object() {
            check::check(text, root, ctx, &mut diagnostics);
        }
    }
    sort_diagnostics(&mut diagnostics);
    ConfigReport {
        diagnostics,
        root: parsed.root,
    }
}

#[cfg(test)]
mod tests;
