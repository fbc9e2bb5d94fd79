//! Checks Mantile model configs (`backend/data/model_configs/*.json`).
//!
//! [`check_config`] takes the text of one config and a [`ConfigContext`]
//! (file name, layer catalog, what the workspace holds) and returns
//! diagnostics with exact byte ranges. No I/O happens here: the engine reads
//! files and answers [`WorkspaceFiles`] queries.

pub mod catalog;
mod check;
pub mod edit;
pub mod generate;
pub mod hover;
pub mod hub;
pub mod hub_shapes;
pub mod params;
pub mod rules;
pub mod schema;

pub use catalog::{Catalog, CatalogOrigin, Category, ClassSource, LayerClass};
pub use check::{ConfigContext, LayerView, WorkspaceFiles, gap_report_path, layers};
pub use rules::RULES;

use mantile_diag::{Diagnostic, TextRange, sort_diagnostics};
use mantile_json::{Node, Tree, parse};

/// The result of checking one config.
pub struct ConfigReport {
    pub diagnostics: Vec<Diagnostic>,
    /// The parsed document.
    pub tree: Tree,
}

impl ConfigReport {
    /// The document's top-level value (present also after syntax errors).
    pub fn root(&self) -> Option<Node<'_>> {
        self.tree.root()
    }
}

/// Checks the text of one model config.
///
/// A document with syntax errors gets those (and its repeated keys) only:
/// the other rules would judge a document that is not what the user means.
pub fn check_config(text: &str, ctx: &ConfigContext) -> ConfigReport {
    let tree = parse(text);
    let mut diagnostics = Vec::new();
    syntax_diagnostics(&tree, &mut diagnostics);
    if let Some(root) = tree.valid_root() {
        schema::validate(root, &mut diagnostics);
        if root.is_object() {
            check::check(text, &root, ctx, &mut diagnostics);
        }
    }
    sort_diagnostics(&mut diagnostics);
    ConfigReport { diagnostics, tree }
}

/// MC001 for each syntax error, MC003 for each repeated key.
fn syntax_diagnostics(tree: &Tree, out: &mut Vec<Diagnostic>) {
    for e in tree.errors() {
        out.push(Diagnostic::new(
            &rules::JSON_SYNTAX,
            e.range,
            e.message.clone(),
        ));
    }
    if tree.more_errors() > 0
        && let Some(last) = tree.errors().last()
    {
        out.push(Diagnostic::new(
            &rules::JSON_SYNTAX,
            TextRange::empty(last.range.end as usize),
            format!(
                "and {} more syntax errors after this one",
                mantile_diag::format_grouped(tree.more_errors() as i128)
            ),
        ));
    }
    for dup in tree.duplicates() {
        out.push(
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
}

#[cfg(test)]
mod tests;
