//! Mantile's own requests and the commands the server runs
//! (`workspace/executeCommand`), declared in [`super::lsp_ext`]:
//!
//! - `mantile-lsp.checkWorkspace`: reads the workspace again, publishes every
//!   file's findings and answers with the counts, with `$/progress`;
//! - `mantile-lsp.newConfig`: generates a config from the Hub (and the gap
//!   reports and suites it needs), cancellable, then opens it;
//! - `mantile/registry`: the §6 deliverables, from `mantile_engine::deliverables`;
//! - `mantile/inspect`: a model's tensor inventory, as `inspect` prints it;
//! - `mantile/didChangeUserSettings`: the user's own settings, live.
//!
//! The domain work is the engine's and the generator's; this file reads and
//! writes files (confined to the workspace), reports progress and maps the
//! results to the protocol.

use super::backend::Backend;
use super::hub::Source;
use super::lsp;
use super::lsp_ext::{self as ext, CheckSummary, NewConfigArgs, NewConfigResult};
use super::uri;
use dashmap::DashMap;
use mantile_engine::CONFIG_DIR;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};

/// How long after a change the client is told the registry changed, so that
/// a burst of changes (a checkout, a generated config and its scaffolds) is
/// one notification.
const REGISTRY_DEBOUNCE: Duration = Duration::from_millis(250);

/// What the commands keep between calls.
#[derive(Default)]
pub struct Ext {
    /// The client shows progress the server creates (`window.workDoneProgress`).
    work_done_progress: AtomicBool,
    /// The client opens documents when asked (`window.showDocument`).
    show_document: AtomicBool,
    /// Running commands' progress tokens, to cancel them
    /// (`window/workDoneProgress/cancel`).
    cancels: DashMap<String, tokio::sync::watch::Sender<bool>>,
    next_token: AtomicU64,
    /// The client asked for the registry: it is told when it changes.
    registry_watched: AtomicBool,
    registry_pending: Arc<AtomicBool>,
}

impl Ext {
    /// Records what the client can do (at `initialize`).
    pub fn initialize(&self, caps: &lsp::ClientCapabilities) {
        let window = caps.window.as_ref();
        self.work_done_progress.store(
            window.and_then(|w| w.work_done_progress).unwrap_or(false),
            Ordering::Relaxed,
        );
        self.show_document.store(
            window
                .and_then(|w| w.show_document.as_ref())
                .is_some_and(|s| s.support),
            Ordering::Relaxed,
        );
    }
}

/// The commands, for `initialize`'s `executeCommandProvider`.
pub fn capability() -> lsp::ExecuteCommandOptions {
    lsp::ExecuteCommandOptions {
        commands: ext::COMMANDS.iter().map(|c| c.to_string()).collect(),
        work_done_progress_options: lsp::WorkDoneProgressOptions {
            work_done_progress: Some(true),
        },
    }
}

/// Registers Mantile's own methods on the service.
pub fn register(
    builder: tower_lsp_server::LspServiceBuilder<Backend>,
) -> tower_lsp_server::LspServiceBuilder<Backend> {
    builder
        .custom_method(ext::REGISTRY, Backend::registry)
        .custom_method(ext::INSPECT, Backend::inspect)
        .custom_method(ext::DID_CHANGE_USER_SETTINGS, Backend::user_settings)
        .custom_method("window/workDoneProgress/cancel", Backend::progress_cancel)
}

fn failed(message: impl Into<String>) -> Error {
    Error {
        // LSP's RequestFailed: the request was valid but could not be done.
        code: ErrorCode::ServerError(-32803),
        message: message.into().into(),
        data: None,
    }
}

fn cancelled() -> Error {
    Error {
        code: ErrorCode::RequestCancelled,
        message: "cancelled".into(),
        data: None,
    }
}

fn token_key(t: &lsp::ProgressToken) -> String {
    match t {
        lsp::ProgressToken::Int(i) => i.to_string(),
        lsp::ProgressToken::String(s) => format!("s:{s}"),
    }
}

/// A `$/progress` in flight: ends when dropped (a cancelled request's
/// future is dropped), so a client never keeps a spinner for work that stopped.
struct WorkDone {
    client: Client,
    token: Option<lsp::ProgressToken>,
    ext: Arc<Ext>,
    ended: bool,
    cancelled: tokio::sync::watch::Receiver<bool>,
}

impl WorkDone {
    /// Begins progress on `given` (the request's `workDoneToken`), else on a
    /// token the server creates when the client supports that, else none.
    async fn begin(
        backend: &Backend,
        given: Option<lsp::ProgressToken>,
        title: &str,
        cancellable: bool,
    ) -> WorkDone {
        let ext = backend.ext.clone();
        let client = backend.session.client.clone();
        let token = match given {
            Some(t) => Some(t),
            None if ext.work_done_progress.load(Ordering::Relaxed) => {
                let n = ext.next_token.fetch_add(1, Ordering::Relaxed);
                let t = lsp::ProgressToken::String(format!("mantile-lsp/{n}"));
                client
                    .create_work_done_progress(t.clone())
                    .await
                    .ok()
                    .map(|()| t)
            }
            None => None,
        };
        let (tx, cancelled) = tokio::sync::watch::channel(false);
        if let Some(t) = &token {
            ext.cancels.insert(token_key(t), tx);
            client
                .send_notification::<ext::Progress>(json!({"token": t, "value": {
                    "kind": "begin", "title": title, "cancellable": cancellable, "percentage": 0
                }}))
                .await;
        }
        WorkDone {
            client,
            token,
            ext,
            ended: false,
            cancelled,
        }
    }

    async fn report(&self, message: &str, percentage: u32) {
        if let Some(t) = &self.token {
            self.client
                .send_notification::<ext::Progress>(json!({"token": t, "value": {
                    "kind": "report", "message": message, "percentage": percentage.min(100)
                }}))
                .await;
        }
    }

    async fn end(mut self, message: &str) {
        self.ended = true;
        if let Some(t) = self.token.take() {
            self.ext.cancels.remove(&token_key(&t));
            self.client
                .send_notification::<ext::Progress>(
                    json!({"token": t, "value": {"kind": "end", "message": message}}),
                )
                .await;
        }
    }

    /// Runs `work` unless the client cancels the progress first.
    async fn unless_cancelled<T>(&self, work: impl std::future::Future<Output = T>) -> Result<T> {
        let mut flag = self.cancelled.clone();
        tokio::select! {
            out = work => Ok(out),
            _ = flag.wait_for(|c| *c) => Err(cancelled()),
        }
    }

    fn is_cancelled(&self) -> bool {
        *self.cancelled.borrow()
    }
}

impl Drop for WorkDone {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        if let Some(t) = self.token.take() {
            self.ext.cancels.remove(&token_key(&t));
            let client = self.client.clone();
            tokio::spawn(async move {
                client
                    .send_notification::<ext::Progress>(
                        json!({"token": t, "value": {"kind": "end", "message": "cancelled"}}),
                    )
                    .await;
            });
        }
    }
}

fn count(diagnostics: &[lsp::Diagnostic], summary: &mut CheckSummary) {
    for d in diagnostics {
        match d.severity {
            Some(lsp::DiagnosticSeverity::Error) => summary.errors += 1,
            Some(lsp::DiagnosticSeverity::Warning) => summary.warnings += 1,
            Some(lsp::DiagnosticSeverity::Information) => summary.infos += 1,
            _ => summary.hints += 1,
        }
    }
}

fn plural(n: u32, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

impl CheckSummary {
    /// `4 files checked: 3 errors, 4 warnings, 2 info, 0 hints`.
    pub fn line(&self) -> String {
        format!(
            "{} checked: {}, {}, {} info, {}",
            plural(self.files, "file"),
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            self.infos,
            plural(self.hints, "hint")
        )
    }
}

impl Backend {
    /// `workspace/executeCommand`.
    pub async fn execute(&self, p: lsp::ExecuteCommandParams) -> Result<Option<Value>> {
        let token = p.work_done_progress_params.work_done_token;
        let args = p.arguments.unwrap_or_default();
        let to_value = |v: std::result::Result<Value, serde_json::Error>| {
            v.map(Some)
                .map_err(|e| Error::invalid_params(e.to_string()))
        };
        match p.command.as_str() {
            ext::CHECK_WORKSPACE => {
                let summary = self.check_workspace(token).await?;
                to_value(serde_json::to_value(summary))
            }
            ext::NEW_CONFIG => {
                let a: NewConfigArgs = args
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::invalid_params("expected one argument {repo, force}"))
                    .and_then(|v| {
                        serde_json::from_value(v).map_err(|e| {
                            Error::invalid_params(format!("expected {{repo, force}}: {e}"))
                        })
                    })?;
                let r = self.new_config(a, token).await?;
                to_value(serde_json::to_value(r))
            }
            other => Err(Error::invalid_params(format!(
                "unknown command `{other}` (known: {})",
                ext::COMMANDS.join(", ")
            ))),
        }
    }

    /// The findings of a workspace file now: an open document's current
    /// ones, else the file's on disk.
    async fn findings(&self, uri: &lsp::Uri) -> Vec<lsp::Diagnostic> {
        self.session.findings(uri).await
    }

    async fn check_workspace(&self, token: Option<lsp::ProgressToken>) -> Result<CheckSummary> {
        let folders = self.session.folders();
        if folders.is_empty() {
            return Err(failed(
                "no Mantile workspace: open a folder holding backend/data/model_configs or tests/",
            ));
        }
        let progress = WorkDone::begin(self, token, "Mantile: checking the workspace", true).await;
        progress.report("reading the workspace", 0).await;
        // Read again from disk, publish every file's findings.
        for folder in &folders {
            progress.unless_cancelled(self.session.scan(folder)).await?;
            self.session.republish(folder);
        }
        let files: Vec<(String, lsp::Uri)> = folders
            .iter()
            .flat_map(|f| {
                f.analysis()
                    .files()
                    .into_iter()
                    .map(|(rel, _)| (rel.to_string(), f.uri_of(&rel)))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut summary = CheckSummary {
            files: files.len() as u32,
            ..Default::default()
        };
        let n = files.len().max(1);
        for (i, (rel, uri)) in files.iter().enumerate() {
            progress.report(rel, (100 * i / n) as u32).await;
            let found = progress.unless_cancelled(self.findings(uri)).await?;
            count(&found, &mut summary);
        }
        progress.end(&summary.line()).await;
        self.registry_changed();
        Ok(summary)
    }

    async fn new_config(
        &self,
        a: NewConfigArgs,
        token: Option<lsp::ProgressToken>,
    ) -> Result<NewConfigResult> {
        let repo = a.repo.trim().to_string();
        if let Err(reason) = mantile_hub::validate_repo_id(&repo) {
            return Err(Error::invalid_params(format!(
                "`{}` is not a Hugging Face model id `org/name`: {reason}",
                repo.escape_debug()
            )));
        }
        // The first workspace folder takes new configs.
        let Some(folder) = self.session.folders().into_iter().next() else {
            return Err(failed(
                "not inside a Mantile workspace (no backend/data/model_configs or tests/ folder)",
            ));
        };
        let root = folder.root.clone();
        let Some(client) = self.session.hub.client() else {
            return Err(failed(
                "the Hugging Face Hub is turned off (mantile.hub.enabled): a config is generated from its metadata",
            ));
        };
        let rel = format!("{CONFIG_DIR}/{}.json", repo.replace('/', "_"));
        let target = crate::files::confine(&root, &rel)
            .map_err(|e| failed(format!("cannot write the config in this workspace: {e}")))?;
        if crate::files::exists(&target) && !a.force {
            return Err(failed(format!(
                "`{rel}` already exists; pass force to replace it"
            )));
        }
        let progress = WorkDone::begin(
            self,
            token,
            &format!("Mantile: generating a config for {repo}"),
            true,
        )
        .await;
        progress
            .report(
                "reading Hugging Face metadata (config.json, safetensors headers)",
                10,
            )
            .await;
        let facts = progress
            .unless_cancelled(client.facts(&repo))
            .await?
            .map_err(|p| failed(p.describe(&repo)))?;
        progress
            .report("mapping the tensors to Mantile's layers", 60)
            .await;
        let catalog = folder.analysis().catalog().clone();
        let tensors_problem = facts.tensors_problem.as_ref().map(|p| p.describe(&repo));
        let workspace = root.clone();
        let planned = self
            .session
            .run_blocking("generating a config", move || {
                // The same steps as `mantile-lsp new` (cli.rs).
                let mut generated = mantile_config::hub::generate(&facts, &catalog)?;
                // A gap report already documenting another model stays theirs.
                crate::scaffolds::assign_reports(&mut generated, &|rel| {
                    crate::scaffolds::workspace_file(&workspace, rel)
                });
                let files = crate::scaffolds::plan(&generated, &catalog);
                Ok::<_, String>((generated, files))
            })
            .await
            .ok_or_else(|| failed("internal error while generating the config (see the log)"))?
            .map_err(|e| failed(format!("cannot generate a config for `{repo}`: {e}")))?;
        // Nothing is written once the client cancelled.
        if progress.is_cancelled() {
            return Err(cancelled());
        }
        let (generated, scaffolds) = planned;
        progress.report("writing the files", 90).await;
        let text = generated.text.clone();
        let force = a.force;
        let (root2, target2) = (root.clone(), target.clone());
        let written = self
            .session
            .run_blocking("writing a config", move || {
                let w = if force {
                    crate::files::replace(&target2, text.as_bytes())
                } else {
                    crate::files::write_new(&target2, text.as_bytes())
                };
                w.map_err(|e| e.to_string())?;
                crate::scaffolds::write(&root2, &scaffolds)
            })
            .await
            .ok_or_else(|| failed("internal error while writing the config (see the log)"))?
            .map_err(failed)?;
        let (written, kept) = written;
        let mut notes: Vec<String> = generated
            .unsupported
            .iter()
            .map(|u| format!("not modelled: {u}"))
            .collect();
        if !generated.from_tensors {
            notes.push(format!(
                "generated from config.json alone, without the tensor inventory ({})",
                tensors_problem.unwrap_or_else(|| {
                    "the repository publishes no safetensors headers, or none are cached".into()
                })
            ));
        }
        // The new files change the workspace: read it again, publish.
        self.session.scan(&folder).await;
        self.registry_changed();
        let uri = uri::from_path(&target);
        let shown = self.ext.show_document.load(Ordering::Relaxed)
            && self
                .session
                .client
                .show_document(lsp::ShowDocumentParams {
                    uri: uri.clone(),
                    external: None,
                    take_focus: Some(true),
                    selection: None,
                })
                .await
                .unwrap_or(false);
        progress.end(&format!("wrote {rel}")).await;
        Ok(NewConfigResult {
            uri,
            path: rel,
            written,
            kept,
            notes,
            shown,
        })
    }

    /// `mantile/registry`.
    pub async fn registry(&self, _: ext::RegistryParams) -> Result<ext::RegistryResult> {
        self.ext.registry_watched.store(true, Ordering::Relaxed);
        // The first workspace folder's deliverables.
        let Some(folder) = self.session.folders().into_iter().next() else {
            return Ok(ext::RegistryResult::default());
        };
        let root = folder.root.clone();
        // The analysis has the editor's text of open files, else the disk's.
        let analysis = folder.analysis();
        let a = analysis.clone();
        let deliverables = self
            .session
            .run_blocking("listing the deliverables", move || {
                mantile_engine::deliverables::deliverables(&a)
            })
            .await
            .ok_or_else(|| failed("internal error while listing the deliverables (see the log)"))?;
        let uri_of = |rel: &str| uri::from_path(&root.join(rel));
        let exists = |rel: &str| analysis.exists(rel);
        let mut models = Vec::with_capacity(deliverables.models.len());
        for m in deliverables.models {
            let uri = uri_of(&m.path);
            let mut summary = CheckSummary::default();
            count(&self.findings(&uri).await, &mut summary);
            models.push(ext::Model {
                uri,
                path: m.path,
                model_id: m.model_id,
                name: m.name,
                hf_model_id: m.hf_model_id,
                total_params: m.total_params.map(|t| u64::try_from(t).unwrap_or(u64::MAX)),
                errors: summary.errors,
                warnings: summary.warnings,
            });
        }
        let gaps = deliverables
            .gaps
            .into_iter()
            .map(|g| ext::Gap {
                number: g.row.number as u32,
                gap_type: g.row.gap_type,
                feature: g.row.feature,
                affected_layers: g.row.affected_layers,
                severity: g.row.severity,
                status: g.row.status,
                report_uri: g.row.report.as_deref().filter(|r| exists(r)).map(uri_of),
                report: g.row.report,
                unaccounted: g.row.unaccounted,
                suite: g.suite.map(|s| ext::Suite {
                    uri: exists(&s.file).then(|| uri_of(&s.file)),
                    path: s.file,
                    tests: s.tests as u32,
                    ids: s.ids,
                    status: s.status,
                }),
            })
            .collect();
        let c = deliverables.checklist;
        Ok(ext::RegistryResult {
            root: Some(uri::from_path(&root)),
            models,
            gaps,
            checklist: ext::Checklist {
                gaps_identified: c.gaps_identified as u32,
                reports_created: c.reports_created as u32,
                test_suites_created: c.test_suites_created as u32,
                tests_written: c.tests_written as u32,
                documented_in_existing_reports: c.documented_in_existing_reports as u32,
                unaccounted: c.unaccounted as u32,
            },
        })
    }

    /// `mantile/inspect`.
    pub async fn inspect(&self, p: ext::InspectParams) -> Result<ext::InspectResult> {
        let repo = p.repo.trim().to_string();
        if let Err(reason) = mantile_hub::validate_repo_id(&repo) {
            return Err(Error::invalid_params(format!(
                "`{}` is not a Hugging Face model id `org/name`: {reason}",
                repo.escape_debug()
            )));
        }
        let Some(client) = self.session.hub.client() else {
            return Err(failed(
                "the Hugging Face Hub is turned off (mantile.hub.enabled)",
            ));
        };
        let facts = client
            .facts(&repo)
            .await
            .map_err(|p| failed(p.describe(&repo)))?;
        let text = self
            .session
            .run_blocking("listing a model's tensors", move || {
                crate::inspect::render_facts(&repo, &facts, crate::args::InspectFormat::Table)
            })
            .await
            .ok_or_else(|| failed("internal error while listing the tensors (see the log)"))?
            .map_err(failed)?;
        Ok(ext::InspectResult { text })
    }

    /// `mantile/didChangeUserSettings`: the user's own settings, trusted as
    /// `initializationOptions` are (the Hub's endpoint and home included).
    pub async fn user_settings(&self, value: Value) {
        if super::handlers::configuration::apply(
            &self.session,
            &value,
            Source::Initialization,
            None,
        )
        .await
        {
            self.registry_changed();
        }
    }

    /// `window/workDoneProgress/cancel`.
    pub async fn progress_cancel(&self, p: lsp::WorkDoneProgressCancelParams) {
        if let Some(tx) = self.ext.cancels.get(&token_key(&p.token)) {
            tx.send_replace(true);
        }
    }

    /// Tells a client that asked for the registry that it may have changed
    /// (once per burst of changes).
    pub fn registry_changed(&self) {
        if !self.ext.registry_watched.load(Ordering::Relaxed)
            || self.ext.registry_pending.swap(true, Ordering::SeqCst)
        {
            return;
        }
        let (client, pending, session) = (
            self.session.client.clone(),
            self.ext.registry_pending.clone(),
            self.session.clone(),
        );
        tokio::spawn(async move {
            tokio::time::sleep(REGISTRY_DEBOUNCE).await;
            pending.store(false, Ordering::SeqCst);
            if session.is_live() {
                client
                    .send_notification::<ext::RegistryChanged>(ext::RegistryChangedParams {})
                    .await;
            }
        });
    }
}
