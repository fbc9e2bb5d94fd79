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
    let parallel = ctx.one_shot && tree.text().len() >= PARALLEL_FROM;
    check_tree_with(tree, ctx, parallel)
}

/// [`check_tree`], with the schema on a thread of its own or not.
fn check_tree_with(tree: &Tree, ctx: &ConfigContext, parallel: bool) -> Vec<Diagnostic> {
    let mut out = Findings::new();
    syntax_findings(tree, &mut out);
    let mut rules = Findings::new();
    // A document checked again remembers its valid layers (see
    // [`ConfigContext::one_shot`]).
    let remember = !ctx.one_shot;
    if let Some(root) = tree.valid_root() {
        let check_rules = |rules: &mut Findings| {
            if root.is_object() {
                let config = Config::new(root);
                check::check(tree.text(), &config, ctx, rules);
            }
        };
        if parallel {
            // The schema and the rules read the tree only and report under
            // rules of their own (each with its own cap), so they can run
            // side by side; the findings are then sorted as one list.
            std::thread::scope(|s| {
                let schema = std::thread::Builder::new()
                    .spawn_scoped(s, || {
                        let mut found = Findings::new();
                        schema::validate_into(root, remember, &mut found);
                        found
                    })
                    .ok();
                if schema.is_none() {
                    schema::validate_into(root, remember, &mut out);
                }
                check_rules(&mut rules);
                if let Some(h) = schema {
                    match h.join() {
                        Ok(found) => out.extend(found),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
            });
        } else {
            schema::validate_into(root, remember, &mut out);
            check_rules(&mut rules);
        }
    }
    let mut diagnostics = out.into_vec();
    diagnostics.extend(rules.into_vec());
    sort_diagnostics(&mut diagnostics);
    diagnostics
}

/// From this size (bytes of text), a one-shot check (valid layers not
/// remembered, see [`ConfigContext::one_shot`]) validates the schema
/// on a thread of its own beside the rules: a thread costs ~0.1 ms, and the
/// check of a config this large ~3 ms (a 2,000-layer config: 8 ms of which
/// the schema is a third). A server re-checking new versions of a document
/// validates only its changed layers: a thread would cost it more (its
/// start, and the page faults of its memory) than it saves.
const PARALLEL_FROM: usize = 100_000;

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
