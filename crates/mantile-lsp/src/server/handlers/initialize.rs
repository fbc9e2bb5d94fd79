//! `initialize` and `initialized`: what the client can do, the workspace
//! folders (read from disk before answering, so that the first checks see
//! each folder's layer classes and files), the settings.

use super::configuration;
use super::folders;
use crate::server::encoding;
use crate::server::hub::Source;
use crate::server::lsp;
use crate::server::session::{Config, Session};
use std::sync::Arc;

pub async fn initialize(s: &Arc<Session>, p: lsp::InitializeParams) -> lsp::InitializeResult {
    let caps = &p.capabilities;
    let encoding = encoding::negotiate(caps);
    let workspace = caps.workspace.as_ref();
    s.set_config(Config {
        encoding,
        pull: caps
            .text_document
            .as_ref()
            .is_some_and(|t| t.diagnostic.is_some()),
        refresh: workspace
            .and_then(|w| w.diagnostics.as_ref())
            .and_then(|d| d.refresh_support)
            .unwrap_or(false),
        watch_dynamic: workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false),
        pull_settings: workspace.and_then(|w| w.configuration).unwrap_or(false),
    });
    if let Some(options) = &p.initialization_options {
        configuration::apply(s, options, Source::Initialization, None).await;
    }
    for (root, uri) in folders::of_initialize(&p) {
        if let Some(folder) = s.add_folder(root, uri) {
            s.scan(&folder).await;
        }
    }
    s.mark_initialized();
    let capabilities = lsp::ServerCapabilities {
        position_encoding: Some(encoding::kind(encoding)),
        text_document_sync: Some(lsp::TextDocumentSync::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::Incremental),
                will_save: None,
                will_save_wait_until: None,
                save: Some(lsp::Save::SaveOptions(lsp::SaveOptions {
                    include_text: Some(false),
                })),
            },
        )),
        hover_provider: Some(lsp::HoverProvider::Bool(true)),
        definition_provider: Some(lsp::DefinitionProvider::Bool(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec!["\"".to_string()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(lsp::DocumentSymbolProvider::Bool(true)),
        document_link_provider: Some(lsp::DocumentLinkOptions::default()),
        inlay_hint_provider: Some(lsp::InlayHintProvider::Bool(true)),
        code_action_provider: Some(lsp::CodeActionProvider::CodeActionOptions(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![
                    lsp::CodeActionKind::QuickFix,
                    lsp::CodeActionKind::RefactorRewrite,
                ]),
                documentation: None,
                resolve_provider: None,
                work_done_progress_options: Default::default(),
            },
        )),
        diagnostic_provider: Some(lsp::DiagnosticProvider::DiagnosticOptions(
            lsp::DiagnosticOptions {
                identifier: Some("mantile".to_string()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                work_done_progress_options: Default::default(),
            },
        )),
        workspace: Some(lsp::WorkspaceOptions {
            workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp::ChangeNotifications::Bool(true)),
            }),
            file_operations: None,
            text_document_content: None,
        }),
        ..Default::default()
    };
    lsp::InitializeResult {
        capabilities,
        server_info: Some(lsp::ServerInfo {
            name: "mantile-lsp".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    }
}

pub async fn initialized(s: &Arc<Session>) {
    let cfg = s.config();
    let folders = s.folders();
    let root = match folders.as_slice() {
        [] => "no workspace folder (the first Mantile file opened will name one)".to_string(),
        [one] => format!("workspace {}", one.root.display()),
        many => format!(
            "workspaces {}",
            many.iter()
                .map(|f| f.root.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    s.log_message(
        lsp::MessageType::Info,
        format!(
            "mantile-lsp {}: {root}; positions in {}; diagnostics {}",
            env!("CARGO_PKG_VERSION"),
            match cfg.encoding {
                mantile_diag::PositionEncoding::Utf8 => "UTF-8",
                mantile_diag::PositionEncoding::Utf16 => "UTF-16",
                mantile_diag::PositionEncoding::Utf32 => "UTF-32",
            },
            if cfg.pull { "pulled" } else { "pushed" }
        ),
    )
    .await;
    if cfg.watch_dynamic {
        register_watchers(s).await;
    }
    s.start_hub();
    // Checks wait for the client's settings; once they are in, only what
    // was checked without them (a slow client) needs checking again.
    let changed = cfg.pull_settings && configuration::pull(s).await;
    if s.mark_settings_ready() && changed {
        s.recheck_all();
    }
}

async fn register_watchers(s: &Session) {
    let globs = [
        "**/backend/layers/*.py",
        "**/backend/data/model_configs/*.json",
        "**/model_builder/gaps/*",
        "**/tests/*_tests.md",
    ];
    let options = lsp::DidChangeWatchedFilesRegistrationOptions {
        watchers: globs
            .iter()
            .map(|g| lsp::FileSystemWatcher {
                glob_pattern: lsp::GlobPattern::Pattern(g.to_string()),
                kind: None,
            })
            .collect(),
    };
    let registration = lsp::Registration {
        id: "mantile-watch".to_string(),
        method: "workspace/didChangeWatchedFiles".to_string(),
        register_options: serde_json::to_value(options).ok(),
    };
    if let Err(e) = s.client.register_capability(vec![registration]).await {
        s.log_message(
            lsp::MessageType::Warning,
            format!("mantile-lsp: could not register file watchers: {e}"),
        )
        .await;
    }
}
