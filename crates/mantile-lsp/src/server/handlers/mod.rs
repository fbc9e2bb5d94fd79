//! The protocol's requests and notifications other than document sync, one
//! per file. Each request about a document starts from the same preamble
//! ([`Session::snapshot`]): the document's folder and path, a frozen
//! analysis of its folder, its text as that analysis has it, and the
//! negotiated encoding; the work runs off the runtime on that snapshot
//! ([`Session::on_document`]) and converts the engine's plain results to
//! protocol types. No handler decides anything about Mantile files: that is
//! the engine's.

pub mod code_action;
pub mod completion;
pub mod configuration;
pub mod definition;
pub mod diagnostic;
pub mod files;
pub mod folders;
pub mod hover;
pub mod initialize;
pub mod inlay_hint;
pub mod link;
pub mod symbol;

use super::encoding::Text;
use super::lsp;
use super::session::{Place, Session};
use super::uri;
use mantile_diag::PositionEncoding;
use mantile_engine::{Analysis, FileKind};
use std::path::Path;
use std::sync::Arc;

/// What a request about an open document works on.
pub struct DocSnapshot {
    pub uri: lsp::Uri,
    pub place: Place,
    /// The folder's state when the request arrived.
    pub analysis: Analysis,
    /// The document's text in that state.
    pub text: Arc<str>,
    pub encoding: PositionEncoding,
}

impl DocSnapshot {
    /// The text, to convert positions.
    pub fn text(&self) -> Text<'_> {
        Text::new(&self.text, self.encoding)
    }

    pub fn rel(&self) -> &str {
        &self.place.rel
    }

    pub fn kind(&self) -> FileKind {
        self.place.kind
    }

    pub fn root(&self) -> &Path {
        &self.place.folder.root
    }

    /// The `file:` URI of a workspace file, when it resolves inside the
    /// workspace (links followed): the only places features lead to.
    pub fn target(&self, rel: &str) -> Option<lsp::Uri> {
        let path = self.root().join(rel);
        crate::files::resolves_inside(self.root(), &path).then(|| uri::from_path(&path))
    }
}

impl Session {
    /// The preamble: an open Mantile document of a workspace folder, with
    /// its folder's current analysis.
    pub fn snapshot(&self, uri: &lsp::Uri) -> Option<DocSnapshot> {
        let uri = uri::normalize(uri);
        let place = self.docs.get(&uri)?.place.clone()?;
        let analysis = place.folder.analysis();
        let text = analysis.text(&place.rel)?;
        Some(DocSnapshot {
            uri,
            place,
            analysis,
            text,
            encoding: self.encoding(),
        })
    }

    /// Runs `f` on the snapshot of an open document, off the runtime, with
    /// panics caught (`what` names the work in the log).
    pub async fn on_document<T, F>(&self, uri: &lsp::Uri, what: &str, f: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce(&DocSnapshot) -> T + Send + 'static,
    {
        let snap = self.snapshot(uri)?;
        self.run_blocking(what, move || f(&snap)).await
    }
}

/// Markdown for the protocol.
pub fn markdown(value: String) -> lsp::MarkupContent {
    lsp::MarkupContent {
        kind: lsp::MarkupKind::Markdown,
        value,
    }
}
