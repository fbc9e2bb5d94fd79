//! Editor features, as queries on an [`Analysis`]: hover, completion,
//! document symbols, go to definition, document links, inlay hints and code
//! actions (scaffolds, generation from Hugging Face). Every feature reads
//! the file's syntax as the analysis parsed it once for its version, so
//! they agree with each other and with the diagnostics, and keep working on
//! the parts of a document that parse while another part is broken.
//!
//! Results are plain data in byte offsets of the file's text
//! ([`Analysis::text`]); the language server maps them to protocol types.
//! Nothing here knows LSP or does I/O.

mod completion;
mod config_hover;
mod hub;
mod inlay;
mod markdown_hover;
mod navigation;
mod scaffold;
mod symbols;

pub use completion::{Completion, CompletionKind, JsonSpot, completions, json_spot};
pub use config_hover::{HoverCard, hover as config_hover, hover_tree as config_hover_tree};
pub use inlay::InlayHint;
pub use navigation::{Link, Target};
pub use scaffold::scaffold_input;
pub use symbols::{Symbol, SymbolKind};

#[cfg(test)]
use crate::Analysis;
use mantile_diag::{TextEdit, TextRange};

/// Hover: Markdown about the thing at `range`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    pub range: TextRange,
    pub markdown: String,
}

/// A file to create (never one that exists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    /// Relative to the workspace root.
    pub path: String,
    pub content: String,
}

/// What a code action is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// Repairs a defect.
    QuickFix,
    /// Rewrites or scaffolds (files created, the document rewritten).
    Rewrite,
}

/// A code action: files to create and edits of the current document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceAction {
    pub title: String,
    pub kind: ActionKind,
    pub create: Vec<NewFile>,
    pub edits: Vec<TextEdit>,
}

#[cfg(test)]
mod tests;

/// The analysis of a few workspace files, for the features' tests: each
/// `(relative path, text)`; layer sources from `backend/layers/*.py`.
#[cfg(test)]
pub(crate) fn fixture(files: &[(&str, &str)]) -> Analysis {
    crate::analysis::fixture_host(files).analysis()
}
