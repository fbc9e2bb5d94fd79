//! Workspace folders: those `initialize` names, and
//! `workspace/didChangeWorkspaceFolders`. Each folder is a Mantile workspace
//! of its own (its catalog, configs, gap reports and suites, its settings'
//! rules), checked by its own analysis.

use crate::disk;
use crate::server::lsp;
use crate::server::session::Session;
use crate::server::uri;
use std::path::PathBuf;
use std::sync::Arc;

/// The Mantile root a client's folder stands for: the root at or above it,
/// else the folder itself.
fn root_of(folder: PathBuf) -> PathBuf {
    disk::find_root(&folder).unwrap_or(folder)
}

/// The folders the client names: every workspace folder, else `rootUri`,
/// else `rootPath`; each with the URI it was named by.
#[allow(deprecated)]
pub fn of_initialize(p: &lsp::InitializeParams) -> Vec<(PathBuf, Option<lsp::Uri>)> {
    if let Some(lsp::WorkspaceFolders::WorkspaceFolderList(list)) =
        &p.workspace_folders_initialize_params.workspace_folders
        && !list.is_empty()
    {
        return list
            .iter()
            .filter_map(|f| Some((root_of(uri::to_path(&f.uri)?), Some(f.uri.clone()))))
            .collect();
    }
    let folder = p
        .root_uri
        .as_ref()
        .and_then(|u| Some((uri::to_path(u)?, Some(u.clone()))))
        .or_else(|| match &p.root_path {
            Some(lsp::RootPath::String(s)) => Some((PathBuf::from(s), None)),
            _ => None,
        });
    folder.into_iter().map(|(f, u)| (root_of(f), u)).collect()
}

pub async fn did_change_workspace_folders(
    s: &Arc<Session>,
    p: lsp::DidChangeWorkspaceFoldersParams,
) {
    for f in &p.event.removed {
        let Some(path) = uri::to_path(&f.uri) else {
            continue;
        };
        if let Some(folder) = s.remove_folder(&root_of(path)) {
            s.unpublish_folder(&folder).await;
            s.forget_documents_of(&folder);
        }
    }
    let mut added = Vec::new();
    for f in &p.event.added {
        let Some(path) = uri::to_path(&f.uri) else {
            continue;
        };
        if let Some(folder) = s.add_folder(root_of(path), Some(f.uri.clone())) {
            added.push(folder);
        }
    }
    if added.is_empty() {
        return;
    }
    if s.config().pull_settings {
        super::configuration::pull(s).await;
    }
    for folder in added {
        s.adopt_documents(&folder);
        s.scan(&folder).await;
    }
}
