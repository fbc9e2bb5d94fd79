//! Files changed on disk: `didSave` and `workspace/didChangeWatchedFiles`.

use crate::server::lsp;
use crate::server::session::Session;
use crate::server::uri;
use std::sync::Arc;

/// A save may change what is on disk for other files' checks (the saved
/// text is already the open document's): the file is read again.
pub async fn did_save(s: &Arc<Session>, p: lsp::DidSaveTextDocumentParams) {
    if let Some(path) = uri::to_path(&p.text_document.uri) {
        s.disk_changed(vec![path]).await;
    }
}

pub async fn did_change_watched_files(s: &Arc<Session>, p: lsp::DidChangeWatchedFilesParams) {
    let paths = p
        .changes
        .iter()
        .filter_map(|c| uri::to_path(&c.uri))
        .collect();
    s.disk_changed(paths).await;
}
