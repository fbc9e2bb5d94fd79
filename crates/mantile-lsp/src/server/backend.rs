//! The protocol methods other than document sync (see [`super::sequencer`]),
//! each handled in its own module of [`super::handlers`].

use super::handlers;
use super::lsp;
use super::session::Session;
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

impl LanguageServer for Backend {
    async fn initialize(&self, p: lsp::InitializeParams) -> Result<lsp::InitializeResult> {
        self.ext.initialize(&p.capabilities);
        let mut result = handlers::initialize::initialize(&self.session, p).await;
        // ---- Mantile's commands (server/commands.rs) ----
        result.capabilities.execute_command_provider = Some(super::commands::capability());
        Ok(result)
    }

    async fn initialized(&self, _: lsp::InitializedParams) {
        handlers::initialize::initialized(&self.session).await
    }

    async fn shutdown(&self) -> Result<()> {
        self.session.mark_shut_down();
        Ok(())
    }

    async fn did_save(&self, p: lsp::DidSaveTextDocumentParams) {
        if self.session.place(&p.text_document.uri).is_some() {
            self.registry_changed(); // saved counts and deliverables
        }
        handlers::files::did_save(&self.session, p).await
    }

    async fn did_change_configuration(&self, p: lsp::DidChangeConfigurationParams) {
        if handlers::configuration::did_change_configuration(&self.session, p).await {
            self.registry_changed();
        }
    }

    async fn did_change_watched_files(&self, p: lsp::DidChangeWatchedFilesParams) {
        handlers::files::did_change_watched_files(&self.session, p).await;
        self.registry_changed();
    }

    async fn did_change_workspace_folders(&self, p: lsp::DidChangeWorkspaceFoldersParams) {
        handlers::folders::did_change_workspace_folders(&self.session, p).await;
        self.registry_changed();
    }

    async fn execute_command(&self, p: lsp::ExecuteCommandParams) -> Result<Option<lsp::LspAny>> {
        self.execute(p).await
    }

    async fn diagnostic(
        &self,
        p: lsp::DocumentDiagnosticParams,
    ) -> Result<lsp::DocumentDiagnosticReport> {
        Ok(handlers::diagnostic::diagnostic(&self.session, p).await)
    }

    async fn hover(&self, p: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
        Ok(handlers::hover::hover(&self.session, p).await)
    }

    async fn goto_definition(
        &self,
        p: lsp::DefinitionParams,
    ) -> Result<Option<lsp::DefinitionResponse>> {
        Ok(handlers::definition::definition(&self.session, p).await)
    }

    async fn code_action(
        &self,
        p: lsp::CodeActionParams,
    ) -> Result<Option<Vec<lsp::CodeActionResponse>>> {
        Ok(handlers::code_action::code_action(&self.session, p).await)
    }

    async fn completion(
        &self,
        p: lsp::CompletionParams,
    ) -> Result<Option<lsp::CompletionResponse>> {
        Ok(handlers::completion::completion(&self.session, p).await)
    }

    async fn document_symbol(
        &self,
        p: lsp::DocumentSymbolParams,
    ) -> Result<Option<lsp::DocumentSymbolResponse>> {
        Ok(handlers::symbol::document_symbol(&self.session, p).await)
    }

    async fn document_link(
        &self,
        p: lsp::DocumentLinkParams,
    ) -> Result<Option<Vec<lsp::DocumentLink>>> {
        Ok(handlers::link::document_link(&self.session, p).await)
    }

    async fn inlay_hint(&self, p: lsp::InlayHintParams) -> Result<Option<Vec<lsp::InlayHint>>> {
        Ok(handlers::inlay_hint::inlay_hint(&self.session, p).await)
    }
}
