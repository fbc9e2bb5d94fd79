//! The protocol methods other than document sync (see [`super::sequencer`]).

use super::diagnostics::fix_data;
use super::encoding::{self, Text};
use super::features;
use super::hub::Source;
use super::lsp;
use super::session::{Config, Session};
use super::settings;
use super::uri;
use crate::disk;
use mantile_diag::TextRange;
use mantile_engine::FileKind;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tower_lsp_server::LanguageServer;
use tower_lsp_server::jsonrpc::Result;

pub struct Backend {
    pub session: Arc<Session>,
    /// What Mantile's own commands and requests keep (see [`super::commands`]).
    pub ext: Arc<super::commands::Ext>,
}

impl Backend {
    pub fn new(session: Session) -> Backend {
        Backend {
            session: Arc::new(session),
            ext: Arc::default(),
        }
    }
}

/// The workspace folder the client names: the first workspace folder, else
/// `rootUri`, else `rootPath`; then the Mantile root at or above it.
#[allow(deprecated)]
fn root_of(p: &lsp::InitializeParams) -> Option<PathBuf> {
    let folder = match &p.workspace_folders_initialize_params.workspace_folders {
        Some(lsp::WorkspaceFolders::WorkspaceFolderList(list)) if !list.is_empty() => {
            uri::to_path(&list[0].uri)
        }
        _ => None,
    };
    let folder = folder
        .or_else(|| p.root_uri.as_ref().and_then(uri::to_path))
        .or_else(|| match &p.root_path {
            Some(lsp::RootPath::String(s)) => Some(PathBuf::from(s)),
            _ => None,
        })?;
    Some(disk::find_root(&folder).unwrap_or(folder))
}

fn full_report(
    items: Vec<lsp::Diagnostic>,
    result_id: Option<String>,
) -> lsp::DocumentDiagnosticReport {
    lsp::DocumentDiagnosticReport::RelatedFullDocumentDiagnosticReport(
        lsp::RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport { result_id, items },
        },
    )
}

impl Backend {
    fn text_of(&self, uri: &lsp::Uri) -> Option<(String, i32)> {
        let d = self.session.docs.get(uri)?;
        Some((d.rope.to_string(), d.version))
    }

    /// An open Mantile document: its kind and current text.
    fn open_doc(&self, uri: &lsp::Uri) -> Option<(FileKind, String)> {
        let (kind, _) = self.session.target(uri)?;
        let (text, _) = self.text_of(uri)?;
        Some((kind, text))
    }

    async fn register_watchers(&self) {
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
        if let Err(e) = self
            .session
            .client
            .register_capability(vec![registration])
            .await
        {
            self.session
                .log_message(
                    lsp::MessageType::Warning,
                    format!("mantile-lsp: could not register file watchers: {e}"),
                )
                .await;
        }
    }
}

impl Backend {
    /// Applies `{"rules": {...}}` (at the top or under `mantile`); returns
    /// whether anything changed. Problems are logged, valid entries kept.
    /// Asks the client for the `mantile` settings section and applies it.
    async fn pull_settings(&self) -> bool {
        let item = lsp::ConfigurationItem {
            scope_uri: None,
            section: Some("mantile".to_string()),
        };
        match self.session.client.configuration(vec![item]).await {
            Ok(values) => match values.into_iter().next() {
                Some(v) if v.is_object() => {
                    self.apply_settings(&serde_json::json!({ "mantile": v }), Source::Workspace)
                        .await
                }
                _ => false,
            },
            Err(e) => {
                self.session
                    .log_message(
                        lsp::MessageType::Warning,
                        format!("mantile-lsp: workspace/configuration failed: {e}"),
                    )
                    .await;
                false
            }
        }
    }

    pub(super) async fn apply_settings(&self, value: &serde_json::Value, source: Source) -> bool {
        let (hub_changed, hub_warnings) = self.session.hub.configure(value, source);
        for w in hub_warnings {
            self.session.log_message(lsp::MessageType::Warning, w).await;
        }
        let mantile = value.get("mantile").unwrap_or(value);
        if let Some(ms) = mantile.get("debounceMs").and_then(|v| v.as_u64()) {
            self.session
                .debounce_ms
                .store(ms.min(1000), std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(level) = mantile.get("logLevel").and_then(|l| l.as_str())
            && !self.session.set_log_level(level)
        {
            self.session
                .log_message(
                    lsp::MessageType::Warning,
                    format!("mantile-lsp settings: unknown logLevel `{level}` (error, warning, info or log)"),
                )
                .await;
        }
        let (overrides, problems) = settings::overrides(value);
        for p in problems {
            self.session
                .log_message(
                    lsp::MessageType::Warning,
                    format!("mantile-lsp settings: {p}"),
                )
                .await;
        }
        match overrides {
            Some(o) => {
                self.session.set_overrides(o);
                true
            }
            None => hub_changed,
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, p: lsp::InitializeParams) -> Result<lsp::InitializeResult> {
        let caps = &p.capabilities;
        let encoding = encoding::negotiate(caps);
        let workspace = caps.workspace.as_ref();
        let config = Config {
            encoding,
            root: root_of(&p),
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
        };
        self.session.set_config(config);
        self.ext.initialize(caps);
        if let Some(options) = &p.initialization_options {
            self.apply_settings(options, Source::Initialization).await;
        }
        // Before answering, so that the first checks already see the
        // workspace's layer classes and files.
        self.session.rebuild_snapshot().await;
        self.session.mark_initialized();
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
            // ---- Mantile's commands (server/commands.rs) ----
            execute_command_provider: Some(super::commands::capability()),
            ..Default::default()
        };
        Ok(lsp::InitializeResult {
            capabilities,
            server_info: Some(lsp::ServerInfo {
                name: "mantile-lsp".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        })
    }

    async fn initialized(&self, _: lsp::InitializedParams) {
        let cfg = self.session.config();
        let root = match &cfg.root {
            Some(r) => format!("workspace {}", r.display()),
            None => "no workspace folder (the first Mantile file opened will name one)".to_string(),
        };
        self.session
            .log_message(
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
            self.register_watchers().await;
        }
        self.session.start_hub();
        // Checks wait for the client's settings; once they are in, only what
        // was checked without them (a slow client) needs checking again.
        let changed = cfg.pull_settings && self.pull_settings().await;
        if self.session.mark_settings_ready() && changed {
            self.session.recheck_all().await;
        }
        let s = self.session.clone();
        tokio::spawn(async move { s.publish_closed().await });
    }

    async fn shutdown(&self) -> Result<()> {
        self.session.mark_shut_down();
        Ok(())
    }

    async fn did_save(&self, p: lsp::DidSaveTextDocumentParams) {
        // The text is already current (didChange); a save may change what is
        // on disk for other checks, so check again now, without debounce.
        let uri = uri::normalize(&p.text_document.uri);
        if self.session.target(&uri).is_some() {
            self.registry_changed(); // saved counts and deliverables
        }
        // Without file watchers, a saved workspace file (a config, a gap
        // report, a layer class) may change what other files' checks see.
        let cfg = self.session.config();
        if !cfg.watch_dynamic
            && self
                .session
                .relative(&uri)
                .is_some_and(|rel| Session::affects_workspace(&rel))
        {
            self.session.scan().await; // rechecks this document too
            return;
        }
        let revision = self.session.docs.get(&uri).map(|d| d.revision);
        if let Some(revision) = revision {
            self.session
                .schedule(uri, revision, std::time::Duration::ZERO);
        }
    }

    async fn did_change_configuration(&self, p: lsp::DidChangeConfigurationParams) {
        let changed = if self.session.config().pull_settings {
            // Clients that answer workspace/configuration often send no settings here.
            self.pull_settings().await
        } else if p.settings.is_null() {
            false
        } else {
            self.apply_settings(&p.settings, Source::Workspace).await
        };
        if changed {
            self.session.recheck_all().await;
            self.registry_changed();
        }
    }

    async fn did_change_watched_files(&self, p: lsp::DidChangeWatchedFilesParams) {
        let relevant = p.changes.iter().any(|c| {
            self.session
                .relative(&c.uri)
                .is_some_and(|rel| Session::affects_workspace(&rel))
        });
        if relevant {
            self.session.scan().await;
            self.registry_changed();
        }
    }

    async fn execute_command(&self, p: lsp::ExecuteCommandParams) -> Result<Option<lsp::LspAny>> {
        self.execute(p).await
    }

    async fn diagnostic(
        &self,
        p: lsp::DocumentDiagnosticParams,
    ) -> Result<lsp::DocumentDiagnosticReport> {
        let uri = uri::normalize(&p.text_document.uri);
        match self.session.diagnostics_of_open(&uri).await {
            Some((revision, generation, d)) => {
                // Same text, same workspace and settings: same result.
                let id = format!("{revision}.{generation}");
                if p.previous_result_id.as_deref() == Some(id.as_str()) {
                    return Ok(
                        lsp::DocumentDiagnosticReport::RelatedUnchangedDocumentDiagnosticReport(
                            lsp::RelatedUnchangedDocumentDiagnosticReport {
                                related_documents: None,
                                unchanged_document_diagnostic_report:
                                    lsp::UnchangedDocumentDiagnosticReport { result_id: id },
                            },
                        ),
                    );
                }
                Ok(full_report(d.to_vec(), Some(id)))
            }
            None => Ok(full_report(
                self.session.diagnostics_on_disk(&uri).await,
                None,
            )),
        }
    }

    async fn hover(&self, p: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
        let pos = p.text_document_position_params;
        let uri = uri::normalize(&pos.text_document.uri);
        let Some((kind, text)) = self.open_doc(&uri) else {
            return Ok(None);
        };
        let encoding = self.session.encoding();
        let snapshot = self.session.snapshot();
        if kind != FileKind::Config {
            return Ok(self
                .session
                .run_blocking("computing a hover card", move || {
                    features::markdown_hover(
                        kind,
                        &text,
                        pos.position,
                        encoding,
                        snapshot.as_deref(),
                    )
                })
                .await
                .flatten());
        }
        let hub = self.session.hub.enabled().then(|| self.session.hub.view());
        let card = self
            .session
            .run_blocking("computing a hover card", move || {
                if let Some(hub) = &hub
                    && let Some(h) = features::hub_hover(&text, pos.position, encoding, hub)
                {
                    return Some(h);
                }
                let t = Text::new(&text, encoding);
                let offset = t.offset(pos.position);
                let catalog = features::catalog_of(snapshot.as_deref());
                mantile_config::hover::hover(&text, offset, &catalog).map(|c| {
                    // On a layer: its tensors on the Hub beside its specs' shapes.
                    let mut value = c.markdown;
                    if let Some(hub) = &hub
                        && let Some(card) = features::hub_layer_card(&text, offset, hub)
                    {
                        value.push_str("\n\n---\n\n");
                        value.push_str(&card);
                    }
                    lsp::Hover {
                        contents: lsp::Contents::MarkupContent(lsp::MarkupContent {
                            kind: lsp::MarkupKind::Markdown,
                            value,
                        }),
                        range: Some(t.range(c.range)),
                    }
                })
            })
            .await
            .flatten();
        Ok(card)
    }

    async fn goto_definition(
        &self,
        p: lsp::DefinitionParams,
    ) -> Result<Option<lsp::DefinitionResponse>> {
        let pos = p.text_document_position_params;
        let uri = uri::normalize(&pos.text_document.uri);
        let (Some((kind, text)), Some(root), Some(snapshot)) = (
            self.open_doc(&uri),
            self.session.root(),
            self.session.snapshot(),
        ) else {
            return Ok(None);
        };
        let encoding = self.session.encoding();
        let location = self
            .session
            .run_blocking("finding a definition", move || {
                let t = Text::new(&text, encoding);
                let offset = t.offset(pos.position);
                let target = mantile_engine::ide::definition(kind, &text, offset, &snapshot)?;
                let path = root.join(&target.path);
                // Only to files inside the workspace, links resolved.
                if !crate::files::resolves_inside(&root, &path) {
                    return None;
                }
                let range = match (target.range, target.line) {
                    // A byte range in the other file: its own text converts it.
                    (Some(r), _) => {
                        let other = crate::files::read_in_workspace(
                            &root,
                            &path,
                            mantile_engine::MAX_FILE_SIZE as u64,
                        )
                        .ok()?;
                        let other = String::from_utf8(other).ok()?;
                        Text::new(&other, encoding).range(r)
                    }
                    (None, line) => {
                        let at = lsp::Position {
                            line: line.unwrap_or(0),
                            character: 0,
                        };
                        lsp::Range { start: at, end: at }
                    }
                };
                Some(lsp::Location {
                    uri: uri::from_path(&path),
                    range,
                })
            })
            .await
            .flatten();
        Ok(location.map(|l| lsp::DefinitionResponse::Definition(lsp::Definition::Location(l))))
    }

    async fn code_action(
        &self,
        p: lsp::CodeActionParams,
    ) -> Result<Option<Vec<lsp::CodeActionResponse>>> {
        let wants = |kind: &lsp::CodeActionKind| {
            p.context.only.as_ref().is_none_or(|only| {
                only.iter().any(|k| {
                    k == kind
                        || *k == lsp::CodeActionKind::Empty
                        || (*k == lsp::CodeActionKind::Refactor
                            && *kind == lsp::CodeActionKind::RefactorRewrite)
                })
            })
        };
        let (want_fixes, want_scaffolds) = (
            wants(&lsp::CodeActionKind::QuickFix),
            wants(&lsp::CodeActionKind::RefactorRewrite),
        );
        if !want_fixes && !want_scaffolds {
            return Ok(None);
        }
        let uri = uri::normalize(&p.text_document.uri);
        let Some((text, version)) = self.text_of(&uri) else {
            return Ok(None);
        };
        // The client's diagnostics carry our fixes, for the version they were
        // computed for. If none of them is for this version — it sent none,
        // or only older ones, such as the start-up scan's (published without
        // a version) right after the file was opened — use the latest ones
        // computed for this text.
        let current =
            |d: &&lsp::Diagnostic| fix_data(d).is_some_and(|f| f.version == Some(version));
        let mut candidates: Vec<lsp::Diagnostic> = p
            .context
            .diagnostics
            .iter()
            .filter(current)
            .cloned()
            .collect();
        if candidates.is_empty()
            && let Some((_, _, last)) = self.session.diagnostics_of_open(&uri).await
        {
            candidates = last.iter().filter(current).cloned().collect();
        }
        let t = Text::new(&text, self.session.encoding());
        let wanted = t.text_range(p.range);
        let overlaps = |r: TextRange| r.start <= wanted.end && wanted.start <= r.end;
        let mut actions = Vec::new();
        for d in candidates {
            let Some(data) = fix_data(&d) else { continue };
            if data.version != Some(version) || !overlaps(t.text_range(d.range)) {
                continue; // computed for another text: the client will get new ones
            }
            let single = data.fixes.len() == 1;
            for fix in &data.fixes {
                let Some(edits) = fix.to_lsp(&t) else {
                    continue;
                };
                actions.push(lsp::CodeActionResponse::CodeAction(lsp::CodeAction {
                    title: fix.title.clone(),
                    kind: Some(lsp::CodeActionKind::QuickFix),
                    diagnostics: Some(vec![d.clone()]),
                    is_preferred: Some(single),
                    disabled: None,
                    edit: Some(lsp::WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), edits)])),
                        document_changes: None,
                        change_annotations: None,
                    }),
                    command: None,
                    data: None,
                    tags: None,
                }));
            }
        }
        if !want_fixes {
            actions.clear();
        }
        if want_scaffolds
            && matches!(self.session.target(&uri), Some((FileKind::Config, _)))
            && let (Some(snapshot), Some(root)) = (self.session.snapshot(), self.session.root())
        {
            let (doc, range, encoding) = (uri.clone(), p.range, self.session.encoding());
            let hub = self.session.hub.enabled().then(|| self.session.hub.view());
            let scaffolds = self
                .session
                .run_blocking("preparing scaffolds", move || {
                    features::scaffold_actions(
                        &doc,
                        version,
                        &text,
                        range,
                        encoding,
                        &snapshot,
                        &root,
                        hub.as_ref(),
                    )
                })
                .await
                .unwrap_or_default();
            actions.extend(
                scaffolds
                    .into_iter()
                    .map(lsp::CodeActionResponse::CodeAction),
            );
        }
        if want_scaffolds
            && matches!(self.session.target(&uri), Some((FileKind::Config, _)))
            && self.session.hub.enabled()
            && let Some((text, _)) = self.text_of(&uri)
        {
            let (hub, snapshot, encoding, doc) = (
                self.session.hub.view(),
                self.session.snapshot(),
                self.session.encoding(),
                uri.clone(),
            );
            if let Some(a) = self
                .session
                .run_blocking("generating a config", move || {
                    features::generate_action(&doc, &text, encoding, &hub, snapshot.as_deref())
                })
                .await
                .flatten()
            {
                actions.push(lsp::CodeActionResponse::CodeAction(a));
            }
        }
        if want_fixes
            && matches!(self.session.target(&uri), Some((FileKind::Config, _)))
            && self.session.hub.enabled()
            && let Some((text, _)) = self.text_of(&uri)
        {
            let (hub, snapshot, encoding, doc) = (
                self.session.hub.view(),
                self.session.snapshot(),
                self.session.encoding(),
                uri.clone(),
            );
            let added = self
                .session
                .run_blocking("adding a layer", move || {
                    features::missing_layer_actions(
                        &doc,
                        &text,
                        encoding,
                        &hub,
                        snapshot.as_deref(),
                    )
                })
                .await
                .unwrap_or_default();
            actions.extend(added.into_iter().map(lsp::CodeActionResponse::CodeAction));
        }
        Ok(Some(actions))
    }

    async fn completion(
        &self,
        p: lsp::CompletionParams,
    ) -> Result<Option<lsp::CompletionResponse>> {
        let pos = p.text_document_position_params;
        let uri = uri::normalize(&pos.text_document.uri);
        if !matches!(self.session.target(&uri), Some((FileKind::Config, _))) {
            return Ok(None);
        }
        let Some((text, _)) = self.text_of(&uri) else {
            return Ok(None);
        };
        let (encoding, snapshot) = (self.session.encoding(), self.session.snapshot());
        let items = self
            .session
            .run_blocking("completing", move || {
                features::completions(&text, pos.position, encoding, snapshot.as_deref())
            })
            .await
            .unwrap_or_default();
        Ok(Some(lsp::CompletionResponse::CompletionItemList(items)))
    }

    async fn document_symbol(
        &self,
        p: lsp::DocumentSymbolParams,
    ) -> Result<Option<lsp::DocumentSymbolResponse>> {
        let uri = uri::normalize(&p.text_document.uri);
        let Some((kind, text)) = self.open_doc(&uri) else {
            return Ok(None);
        };
        let encoding = self.session.encoding();
        let symbols = self
            .session
            .run_blocking("listing symbols", move || {
                features::symbols(kind, &text, encoding)
            })
            .await
            .unwrap_or_default();
        Ok(Some(lsp::DocumentSymbolResponse::DocumentSymbolList(
            symbols,
        )))
    }

    async fn document_link(
        &self,
        p: lsp::DocumentLinkParams,
    ) -> Result<Option<Vec<lsp::DocumentLink>>> {
        let uri = uri::normalize(&p.text_document.uri);
        let (Some((kind, text)), Some(snapshot), Some(root)) = (
            self.open_doc(&uri),
            self.session.snapshot(),
            self.session.root(),
        ) else {
            return Ok(None);
        };
        let encoding = self.session.encoding();
        Ok(self
            .session
            .run_blocking("finding links", move || {
                features::links(kind, &text, encoding, &snapshot, &root)
            })
            .await)
    }

    async fn inlay_hint(&self, p: lsp::InlayHintParams) -> Result<Option<Vec<lsp::InlayHint>>> {
        let uri = uri::normalize(&p.text_document.uri);
        let Some((kind, text)) = self.open_doc(&uri) else {
            return Ok(None);
        };
        let (encoding, range) = (self.session.encoding(), p.range);
        Ok(self
            .session
            .run_blocking("computing inlay hints", move || {
                features::inlay_hints(kind, &text, encoding, range)
            })
            .await)
    }
}
