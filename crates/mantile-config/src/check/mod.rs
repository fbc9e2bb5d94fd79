//! The semantic checks of a config, on its typed model: one module per
//! family of rules. Each rule is linear in the size of the config and each
//! finding's text is bounded (see [`crate::findings`]).

mod classes;
mod counts;
mod dimensions;
mod gaps;
mod ids;
mod missing;
mod names;
mod parameter_count;
mod totals;

pub use gaps::gap_report_path;
pub(crate) use totals::{explain_difference, layer_sum};

use crate::catalog::Catalog;
use crate::findings::{Findings, group};
use mantile_diag::TextRange;
use mantile_json::Node;
use mantile_model::Config;

/// What the checks may ask of the workspace (answered by the engine, which does the I/O).
pub trait WorkspaceFiles {
    /// Whether a file exists, by path relative to the workspace root.
    fn exists(&self, rel_path: &str) -> bool;
}

/// Everything a config check needs besides the text.
pub struct ConfigContext<'a> {
    /// The file name without `.json`, when the config is a file.
    pub file_stem: Option<&'a str>,
    pub catalog: &'a Catalog,
    /// The workspace's files, when the config is inside a workspace.
    pub files: Option<&'a dyn WorkspaceFiles>,
    /// The document is checked once (the command line), not again as it is
    /// edited (a server). A one-shot check does not remember the layers it
    /// finds valid (nothing will ask again; remembering would only cost a
    /// hash and a copy of each), and validates a large document's schema on
    /// a thread of its own. The findings are the same either way.
    pub one_shot: bool,
}

/// A typed view of one `layer_types` entry (the model's [`mantile_model::Layer`]).
pub type LayerView<'a> = mantile_model::Layer<'a>;

/// The object entries of a config's `layer_types`.
pub fn layers<'a>(root: &Node<'a>) -> Vec<LayerView<'a>> {
    Config::new(*root).layers
}

/// A count for messages: `12,345,678`.
pub(crate) fn n(v: u128) -> String {
    group(v)
}

/// The first character of a value (an object's brace), to underline.
pub(crate) fn first_char(node: Node) -> TextRange {
    TextRange::new(node.range.start as usize, node.range.start as usize + 1)
}

pub(crate) fn check(text: &str, config: &Config, ctx: &ConfigContext, out: &mut Findings) {
    ids::check(config, ctx, out);
    names::check(text, config, out);
    missing::check(text, config, out);
    classes::check(text, config, ctx, out);
    gaps::check(text, config, ctx, out);
    dimensions::check(config, out);
    parameter_count::check(config, out);
    totals::check(config, out);
    counts::check(config, out);
}
