//! Checks and publishing: the files a change affected are checked off the
//! runtime, on the state of the folder when the check starts, and each
//! result is published only while no later change has affected its file
//! (the folder's stamps, see `mantile_engine::analysis`), so the last
//! diagnostics a client sees for a file are those of the latest state.
//!
//! Each result is published once: a file whose result did not change (a gap
//! report that a config edit affected, but whose inputs are the same) is
//! not published again; a closed file with nothing to say is published
//! only to clear what was said before.

use super::diagnostics::{self, Origin};
use super::encoding::Text;
use super::folder::Folder;
use super::lsp;
use super::session::Session;
use dashmap::DashMap;
use mantile_engine::{Affected, Analysis, FileDiagnostics};
use std::sync::Arc;
use std::time::Duration;

/// What was last published for each document.
#[derive(Default)]
pub struct Published {
    /// Held while deciding to publish and publishing, so that results for
    /// one document reach the client in order.
    lock: tokio::sync::Mutex<()>,
    /// The result last published for each URI (its version, and the
    /// result itself: a result that is the same object is not sent again).
    last: DashMap<lsp::Uri, (Option<i32>, Arc<FileDiagnostics>, bool)>,
}

/// A check's result for one file, converted for the protocol.
struct Checked {
    rel: String,
    uri: lsp::Uri,
    /// `None`: the file is gone.
    result: Option<Arc<FileDiagnostics>>,
    diagnostics: Vec<lsp::Diagnostic>,
}

impl Session {
    /// Checks `affected` (files of `folder` a change of `generation`
    /// affected) after `delay`, and publishes the results that are still
    /// the latest then. `origin`: the document whose edit this is (a pulling
    /// client asks for it itself).
    pub fn schedule(
        self: &Arc<Self>,
        folder: &Arc<Folder>,
        affected: Affected,
        generation: u64,
        delay: Duration,
        origin: Option<&str>,
    ) {
        if affected.is_empty() {
            return;
        }
        let s = self.clone();
        let folder = folder.clone();
        let origin = origin.map(str::to_string);
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            s.check_and_publish(&folder, &affected, generation, origin.as_deref())
                .await;
        });
    }

    async fn check_and_publish(
        self: &Arc<Self>,
        folder: &Arc<Folder>,
        affected: &Affected,
        generation: u64,
        origin: Option<&str>,
    ) {
        self.settings().await;
        // Files a later change affected have a later check of their own.
        let (due, analysis) = folder.still_due(affected, generation);
        if due.is_empty() || !self.is_live() {
            return;
        }
        let encoding = self.encoding();
        let (f, a) = (folder.clone(), analysis.clone());
        let Some(checked) = self
            .run_blocking("checking documents", move || check(&f, &a, due, encoding))
            .await
        else {
            return;
        };
        self.publish_checked(folder, analysis.generation(), checked, origin)
            .await;
    }

    /// Publishes the results of a check made on the state of `generation`:
    /// each one only if no change since has affected its file (a later
    /// check publishes it), and only if it is not what was last published.
    async fn publish_checked(
        self: &Arc<Self>,
        folder: &Arc<Folder>,
        generation: u64,
        checked: Vec<Checked>,
        origin: Option<&str>,
    ) {
        // Models whose Hugging Face answer the checks would use.
        for c in &checked {
            if let Some(repo) = c.result.as_ref().and_then(|r| r.wants_hub.as_deref()) {
                self.hub.request(repo);
            }
        }
        let pull = self.config().pull;
        let mut refresh = false;
        let _g = self.published.lock.lock().await;
        for c in checked {
            if !self.is_live() || !folder.is_current(&c.rel, generation) {
                continue; // a later check publishes this file
            }
            let open = self.docs.contains_key(&c.uri);
            if open && pull {
                refresh |= origin != Some(c.rel.as_str());
                continue; // the client asks for open documents
            }
            self.publish(c, open).await;
        }
        let cfg = self.config();
        if refresh && cfg.refresh && self.is_live() {
            // Pulling clients ask again for their open documents.
            let _ = self.client.workspace_diagnostic_refresh().await;
        }
    }

    /// Publishes one result unless it was the last one published.
    async fn publish(&self, c: Checked, open: bool) {
        let Some(result) = c.result else {
            // Gone: clear what was said about it.
            if let Some((_, (_, _, said))) = self.published.last.remove(&c.uri)
                && said
            {
                self.client
                    .publish_diagnostics(c.uri, Vec::new(), None)
                    .await;
            }
            return;
        };
        let version = result.version.filter(|_| open);
        let said = !c.diagnostics.is_empty();
        let previous = self
            .published
            .last
            .get(&c.uri)
            .map(|e| (e.0, e.1.clone(), e.2));
        match previous {
            Some((v, r, _)) if v == version && Arc::ptr_eq(&r, &result) => return,
            // A closed file with nothing to say, and nothing said before.
            Some((_, _, false)) | None if !open && !said => {
                self.published.last.remove(&c.uri);
                return;
            }
            _ => {}
        }
        self.published
            .last
            .insert(c.uri.clone(), (version, result, said));
        self.client
            .publish_diagnostics(c.uri, c.diagnostics, version)
            .await;
    }

    /// A Mantile file's findings now, as the protocol shows them: an open
    /// document's for its current text, else the file's on disk.
    pub async fn findings(&self, uri: &lsp::Uri) -> Vec<lsp::Diagnostic> {
        self.settings().await;
        let Some(place) = self.place(uri) else {
            return Vec::new();
        };
        let analysis = place.folder.analysis();
        let (encoding, root) = (self.encoding(), place.folder.root.clone());
        self.run_blocking("checking a document", move || {
            analysis
                .diagnostics(&place.rel)
                .map(|r| to_lsp(&analysis, &r, &root, encoding))
                .unwrap_or_default()
        })
        .await
        .unwrap_or_default()
    }

    /// For a pulling client that opened a document: clears what was pushed
    /// for it while it was closed.
    pub fn unpush(self: &Arc<Self>, uri: &lsp::Uri) {
        let Some((_, (_, _, said))) = self.published.last.remove(uri) else {
            return;
        };
        if said {
            let s = self.clone();
            let u = uri.clone();
            tokio::spawn(async move {
                let _g = s.published.lock.lock().await;
                s.client.publish_diagnostics(u, Vec::new(), None).await;
            });
        }
    }

    /// Publishes every file's findings of `folder` again, whether they
    /// changed or not (a client that asked to check the workspace).
    pub fn republish(self: &Arc<Self>, folder: &Arc<Folder>) {
        let files = folder.analysis().files();
        for (rel, _) in &files {
            self.published.last.remove(&folder.uri_of(rel));
        }
        let affected = Affected(files.into_iter().map(|(p, _)| p).collect());
        let (_, generation) = folder.write(|_| Affected::default());
        self.schedule(folder, affected, generation, Duration::ZERO, None);
    }

    /// Clears everything published for a folder's files (the folder is
    /// gone).
    pub async fn unpublish_folder(&self, folder: &Folder) {
        let _g = self.published.lock.lock().await;
        let gone: Vec<lsp::Uri> = self
            .published
            .last
            .iter()
            .filter(|e| super::uri::to_path(e.key()).is_some_and(|p| p.starts_with(&folder.root)))
            .map(|e| e.key().clone())
            .collect();
        for uri in gone {
            if let Some((_, (_, _, true))) = self.published.last.remove(&uri) {
                self.client.publish_diagnostics(uri, Vec::new(), None).await;
            }
        }
    }
}

/// Checks the files `due` on `analysis` (blocking), skipping those a change
/// made since has affected: a later check has them, on a later state.
fn check(
    folder: &Folder,
    analysis: &Analysis,
    due: Vec<String>,
    encoding: mantile_diag::PositionEncoding,
) -> Vec<Checked> {
    due.into_iter()
        .filter(|rel| folder.is_current(rel, analysis.generation()))
        .map(|rel| {
            let result = analysis.diagnostics(&rel);
            let diagnostics = result
                .as_ref()
                .map(|r| to_lsp(analysis, r, &folder.root, encoding))
                .unwrap_or_default();
            Checked {
                uri: folder.uri_of(&rel),
                rel,
                result,
                diagnostics,
            }
        })
        .collect()
}

/// A file's findings as protocol diagnostics: ranges in its text, related
/// locations in other files in theirs (as the analysis has them: an open
/// document's unsaved text too), fixes in `data` with the version they were
/// computed for.
pub fn to_lsp(
    analysis: &Analysis,
    result: &FileDiagnostics,
    root: &std::path::Path,
    encoding: mantile_diag::PositionEncoding,
) -> Vec<lsp::Diagnostic> {
    let text = Text::new(&result.text, encoding);
    let path = root.join(&*result.path);
    let uri = super::uri::from_path(&path);
    let mut diagnostics = result.diagnostics.clone();
    if !crate::disk::name_is_utf8(&path) {
        mantile_engine::file_name_not_utf8(&mut diagnostics);
    }
    let origin = Origin {
        uri: &uri,
        root: Some(root),
        version: result.version,
    };
    let mut others = diagnostics::OtherFiles::new(analysis);
    diagnostics
        .iter()
        .map(|d| diagnostics::to_lsp(d, &text, &origin, &mut others))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::backend::Backend;
    use futures_util::StreamExt;
    use mantile_engine::{Content, FileKind};

    const PATH: &str = "backend/data/model_configs/o_m.json";

    /// Issue 13: a check that started before a change and ends after the
    /// check that started after it never has the last word — whichever
    /// order they finish in.
    #[tokio::test]
    async fn a_result_computed_before_a_change_is_never_published_after_it() {
        use tower::Service;
        let (mut service, socket) =
            tower_lsp_server::LspService::new(|client| Backend::new(Session::new(client)));
        let (mut to_client, _) = socket.split();
        let s = service.inner().session.clone();
        // The client takes notifications once the session is initialized.
        let init = tower_lsp_server::jsonrpc::Request::build("initialize")
            .params(serde_json::json!({"capabilities": {}}))
            .id(1)
            .finish();
        service.call(init).await.unwrap();
        let initialized = tower_lsp_server::jsonrpc::Request::build("initialized")
            .params(serde_json::json!({}))
            .finish();
        service.call(initialized).await.unwrap();
        s.mark_settings_ready();
        // What `initialized` says and starts (the log line).
        let log = to_client.next().await.unwrap();
        assert_eq!(log.method(), "window/logMessage");
        let folder = Arc::new(Folder::new("/ws".into(), None));
        let enc = mantile_diag::PositionEncoding::Utf16;
        let due = || vec![PATH.to_string()];
        // The first state, and a check of it that is slow to finish.
        folder.write(|h| {
            h.set_disk_file(
                PATH,
                FileKind::Config,
                Content::text(r#"{"model_id": "a"}"#),
            )
        });
        let old = folder.analysis();
        let old_checked = check(&folder, &old, due(), enc);
        // A change, and its check, which finishes first.
        folder.write(|h| {
            h.set_disk_file(
                PATH,
                FileKind::Config,
                Content::text(r#"{"model_id": "b"}"#),
            )
        });
        let new = folder.analysis();
        let new_checked = check(&folder, &new, due(), enc);
        // A check of the old state that starts now computes nothing.
        assert!(check(&folder, &old, due(), enc).is_empty());
        s.publish_checked(&folder, new.generation(), new_checked, None)
            .await;
        s.publish_checked(&folder, old.generation(), old_checked, None)
            .await;
        let published = to_client.next().await.unwrap();
        let messages: Vec<String> = published.params().unwrap()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["message"].as_str().unwrap().to_string())
            .collect();
        assert!(messages.iter().any(|m| m.contains("\"b\"")), "{messages:?}");
        // Nothing else: the older result was dropped, and the same result
        // is not sent twice.
        let again = check(&folder, &new, due(), enc);
        s.publish_checked(&folder, new.generation(), again, None)
            .await;
        let more = tokio::time::timeout(std::time::Duration::from_millis(200), to_client.next());
        assert!(more.await.is_err(), "nothing more is published");
    }
}
