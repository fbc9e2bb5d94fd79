//! Checks Mantile model configs (`backend/data/model_configs/*.json`).
//!
//! [`check_config`] takes the text of one config and a [`ConfigContext`]
//! (file name, layer catalog, what the workspace holds) and returns
//! diagnostics with exact byte ranges. It parses the text once
//! (`mantile-json`), reads the typed model once (`mantile-model`), and runs
//! the schema and the rules on them. No I/O happens here: the engine reads
//! files and answers [`WorkspaceFiles`] queries.

mod check;
mod dims;
pub mod edit;
mod findings;
pub mod generate;
pub mod hub;
pub mod hub_shapes;
pub mod rules;
pub mod schema;

/// The layer catalog (from `mantile-model`).
pub use mantile_model::catalog;
/// The parameter formulas (from `mantile-model`).
pub use mantile_model::params;

pub use catalog::{Catalog, CatalogOrigin, Category, ClassSource, LayerClass};
pub use check::{ConfigContext, LayerView, WorkspaceFiles, gap_report_path, layers};
pub use findings::MAX_PER_RULE;
pub use mantile_model::{Config, Dimensions, Layer, LayerSpecs};
pub use rules::RULES;

use findings::Findings;
use mantile_diag::{Diagnostic, sort_diagnostics};
use mantile_json::{Node, Tree, parse};
use mantile_model::preview;

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
/// Each rule lists at most [`MAX_PER_RULE`] findings, then one that counts the rest.
pub fn check_config(text: &str, ctx: &ConfigContext) -> ConfigReport {
    let tree = parse(text);
    let diagnostics = check_tree(&tree, ctx);
    ConfigReport { diagnostics, tree }
}

/// [`check_config`] on a document already parsed (its text is the tree's).
pub fn check_tree(tree: &Tree, ctx: &ConfigContext) -> Vec<Diagnostic> {
    let mut out = Findings::new();
    syntax_findings(tree, &mut out);
    if let Some(root) = tree.valid_root() {
        schema::validate_into(root, &mut out);
        if root.is_object() {
            let config = Config::new(root);
            check::check(tree.text(), &config, ctx, &mut out);
        }
    }
    let mut diagnostics = out.into_vec();
    sort_diagnostics(&mut diagnostics);
    diagnostics
}

/// MC001 for each syntax error, MC003 for each repeated key.
fn syntax_findings(tree: &Tree, out: &mut Findings) {
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
            mantile_diag::TextRange::empty(last.range.end as usize),
            format!(
                "and {} more syntax errors after this one",
                findings::group(tree.more_errors() as u128)
            ),
        ));
    }
    for dup in tree.duplicates() {
        out.push_with(&rules::DUPLICATE_KEY, dup.again, || {
            Diagnostic::new(
                &rules::DUPLICATE_KEY,
                dup.again,
                format!(
                    "duplicate key \"{}\": this later value replaces the earlier one",
                    preview(dup.key)
                ),
            )
            .with_related(dup.first, "first defined here")
        });
    }
}

#[cfg(test)]
mod tests;
