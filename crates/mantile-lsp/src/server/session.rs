//! The server's state: open documents, the workspace snapshot, what was
//! negotiated; and the work that keeps diagnostics current.
//!
//! Document edits are applied synchronously, in the order the transport read
//! them ([`Session::open`], [`Session::change`], [`Session::close`] are called
//! from [`super::sequencer`], never across an `.await`). Each edit gives the
//! document a new revision; checks run later, off the runtime, and their
//! results are dropped if the revision moved on meanwhile.

use super::diagnostics::{self, CheckInput, Origin};
use super::encoding::{self, Text};
use super::lsp;
use super::uri;
use crate::disk;
use crate::files::{self, ReadError};
use dashmap::DashMap;
use mantile_diag::{PositionEncoding, SeverityOverrides};
use mantile_engine::{
    CONFIG_DIR, FileKind, GAPS_DIR, LAYERS_DIR, Snapshot, SpecCache, TESTS_DIR, classify,
};
use ropey::Rope;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tower_lsp_server::Client;

/// How long a document must stay unchanged before it is checked, so that a
/// burst of keystrokes is checked once.
pub const DEBOUNCE: Duration = Duration::from_millis(20);

/// An open document.
pub struct Document {
    pub rope: Rope,
    /// The client's version.
    pub version: i32,
    /// The server's own counter, unique across documents and reopenings:
    /// a check result is kept only if the revision it was computed for is
    /// still current.
    pub revision: u64,
    /// The last diagnostics computed (for pull requests and code actions).
    pub last: Option<Checked>,
    /// What the last check of this document keeps for the next (a test
    /// spec's Markdown structure, chunk by chunk).
    pub cache: Arc<std::sync::Mutex<SpecCache>>,
}

/// Diagnostics and what they were computed from.
pub struct Checked {
    pub revision: u64,
    /// The snapshot generation (see [`Session::snapshot_generation`]).
    pub generation: u64,
    pub diagnostics: Arc<Vec<lsp::Diagnostic>>,
}

/// What was negotiated at `initialize`.
#[derive(Clone, Debug)]
pub struct Config {
    pub encoding: PositionEncoding,
    /// The Mantile workspace root.
    pub root: Option<PathBuf>,
    /// The client pulls diagnostics (`textDocument/diagnostic`): open
    /// documents are not pushed to it.
    pub pull: bool,
    /// The client accepts `workspace/diagnostic/refresh`.
    pub refresh: bool,
    /// The client can register file watchers for us.
    pub watch_dynamic: bool,
    /// The client answers `workspace/configuration`.
    pub pull_settings: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            encoding: PositionEncoding::Utf16,
            root: None,
            pull: false,
            refresh: false,
            watch_dynamic: false,
            pull_settings: false,
        }
    }
}

pub struct Session {
    pub client: Client,
    pub docs: DashMap<lsp::Uri, Document>,
    config: RwLock<Config>,
    /// The workspace snapshot and its generation, bumped at every rebuild.
    snapshot: RwLock<(u64, Option<Arc<Snapshot>>)>,
    /// Per-rule severities from the client's settings.
    overrides: RwLock<SeverityOverrides>,
    revisions: AtomicU64,
    initialized: AtomicBool,
    shut_down: AtomicBool,
    /// Held while deciding to publish and publishing, so that results for
    /// one document reach the client in revision order.
    publish_lock: tokio::sync::Mutex<()>,
    /// Documents we pushed non-empty diagnostics for while they were closed
    /// (the workspace scan), to clear them when that no longer holds.
    pushed: DashMap<lsp::Uri, ()>,
    /// Hugging Face metadata, fetched in the background.
    pub hub: super::hub::Hub,
    /// The most detailed log messages sent: 1 error … 4 log.
    log_level: std::sync::atomic::AtomicU8,
    /// How long after an edit the check starts (`mantile.debounceMs`).
    pub debounce_ms: AtomicU64,
    /// Whether the client's settings are in (`workspace/configuration` is
    /// asked right after `initialized`): checks wait for them, so that no
    /// diagnostics are published with defaults about to be replaced.
    settings_ready: tokio::sync::watch::Sender<bool>,
    /// A check gave up waiting for the settings and used what it had.
    checked_early: AtomicBool,
}

/// How long a check waits for the client's settings before going on
/// without them (a client that never answers must not hold diagnostics).
const SETTINGS_WAIT: Duration = Duration::from_secs(2);

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(|e| e.into_inner()).clone()
}

pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

impl Session {
    pub fn new(client: Client) -> Session {
        Session {
            client,
            docs: DashMap::new(),
            config: RwLock::new(Config::default()),
            snapshot: RwLock::new((0, None)),
            overrides: RwLock::new(SeverityOverrides::default()),
            revisions: AtomicU64::new(0),
            initialized: AtomicBool::new(false),
            shut_down: AtomicBool::new(false),
            publish_lock: tokio::sync::Mutex::new(()),
            pushed: DashMap::new(),
            hub: Default::default(),
            log_level: std::sync::atomic::AtomicU8::new(3),
            settings_ready: tokio::sync::watch::channel(false).0,
            checked_early: AtomicBool::new(false),
            debounce_ms: AtomicU64::new(DEBOUNCE.as_millis() as u64),
        }
    }

    pub fn config(&self) -> Config {
        read(&self.config)
    }

    pub fn set_config(&self, config: Config) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config;
    }

    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        read(&self.snapshot).1
    }

    /// The snapshot with its generation: results computed with an older
    /// generation are stale even for the same text.
    pub fn snapshot_generation(&self) -> (u64, Option<Arc<Snapshot>>) {
        read(&self.snapshot)
    }

    fn set_snapshot(&self, snapshot: Arc<Snapshot>) {
        let mut s = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
        *s = (s.0 + 1, Some(snapshot));
    }

    pub fn mark_initialized(&self) {
        self.initialized.store(true, Ordering::SeqCst);
    }

    /// The client's settings are in (or will not be asked for). Returns
    /// whether a check ran without them meanwhile (after waiting
    /// [`SETTINGS_WAIT`]), so that what it published needs a recheck.
    pub fn mark_settings_ready(&self) -> bool {
        self.settings_ready.send_replace(true);
        self.checked_early.load(Ordering::SeqCst)
    }

    /// Waits (at most [`SETTINGS_WAIT`]) until the client's settings are in.
    async fn settings(&self) {
        let mut ready = self.settings_ready.subscribe();
        if *ready.borrow() {
            return;
        }
        let waited = tokio::time::timeout(SETTINGS_WAIT, ready.wait_for(|r| *r)).await;
        if !matches!(waited, Ok(Ok(_))) {
            self.checked_early.store(true, Ordering::SeqCst);
        }
    }

    pub fn mark_shut_down(&self) {
        self.shut_down.store(true, Ordering::SeqCst);
    }

    pub fn was_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::SeqCst)
    }

    /// Between `initialize` and `shutdown`.
    pub fn is_live(&self) -> bool {
        self.initialized.load(Ordering::SeqCst) && !self.shut_down.load(Ordering::SeqCst)
    }

    fn next_revision(&self) -> u64 {
        self.revisions.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Logs to the client (`window/logMessage`) if `kind` is within the
    /// `mantile.logLevel` setting (error, warning, info or log; default info).
    pub async fn log_message(&self, kind: lsp::MessageType, message: String) {
        let rank = |k: lsp::MessageType| match k {
            lsp::MessageType::Error => 1,
            lsp::MessageType::Warning => 2,
            lsp::MessageType::Info => 3,
            _ => 4,
        };
        if rank(kind) <= self.log_level.load(Ordering::Relaxed) {
            self.client.log_message(kind, message).await;
        }
    }

    /// Sets the log level from a setting value; false for an unknown one.
    pub fn set_log_level(&self, level: &str) -> bool {
        let rank = match level.to_ascii_lowercase().as_str() {
            "error" => 1,
            "warning" | "warn" => 2,
            "info" => 3,
            "log" | "debug" | "trace" | "verbose" => 4,
            _ => return false,
        };
        self.log_level.store(rank, Ordering::Relaxed);
        true
    }

    /// Logs to the client (`window/logMessage`) from synchronous code.
    pub fn log(self: &Arc<Self>, kind: lsp::MessageType, message: String) {
        let s = self.clone();
        tokio::spawn(async move { s.log_message(kind, message).await });
    }

    /// Runs `f` on the blocking pool with panics caught: a panic is logged
    /// and gives `None`; the server goes on.
    pub async fn run_blocking<T, F>(&self, what: &str, f: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let joined = tokio::task::spawn_blocking(move || catch_unwind(AssertUnwindSafe(f))).await;
        let message = match joined {
            Ok(Ok(v)) => return Some(v),
            Ok(Err(payload)) => panic_message(payload.as_ref()),
            Err(e) => e.to_string(),
        };
        self.log_message(
            lsp::MessageType::Error,
            format!("mantile-lsp: internal error while {what}: {message}"),
        )
        .await;
        None
    }

    /// The kind of a document and its path relative to the workspace root,
    /// if it is a Mantile file.
    pub fn target(&self, uri: &lsp::Uri) -> Option<(FileKind, String)> {
        let path = uri::to_path(uri)?;
        let root = self.config().root?;
        let rel = disk::relative(&root, &path)?;
        Some((classify(&rel)?, rel))
    }

    // ----- document sync: synchronous, in transport order -----

    pub fn open(self: &Arc<Self>, p: lsp::DidOpenTextDocumentParams) {
        let uri = uri::normalize(&p.text_document.uri);
        self.discover_root(&uri);
        let revision = self.next_revision();
        self.docs.insert(
            uri.clone(),
            Document {
                rope: Rope::from_str(&p.text_document.text),
                version: p.text_document.version,
                revision,
                last: None,
                cache: Arc::default(),
            },
        );
        if self.config().pull && self.pushed.remove(&uri).is_some() {
            // The client pulls open documents: drop what we pushed for it closed.
            let s = self.clone();
            let u = uri.clone();
            tokio::spawn(async move {
                let _g = s.publish_lock.lock().await;
                s.client.publish_diagnostics(u, Vec::new(), None).await;
            });
        }
        self.schedule(uri, revision, Duration::ZERO);
    }

    pub fn change(self: &Arc<Self>, p: lsp::DidChangeTextDocumentParams) {
        let uri = uri::normalize(&p.text_document.text_document_identifier.uri);
        let encoding = self.config().encoding;
        let revision = self.next_revision();
        let applied = {
            let Some(mut doc) = self.docs.get_mut(&uri) else {
                self.log(
                    lsp::MessageType::Warning,
                    "mantile-lsp: didChange for a document that is not open".into(),
                );
                return;
            };
            let doc = &mut *doc;
            let result = catch_unwind(AssertUnwindSafe(|| {
                for change in &p.content_changes {
                    apply_change(&mut doc.rope, change, encoding);
                }
            }));
            doc.version = p.text_document.version;
            doc.revision = revision;
            result
        };
        if let Err(payload) = applied {
            self.log(
                lsp::MessageType::Error,
                format!(
                    "mantile-lsp: internal error applying an edit: {}",
                    panic_message(payload.as_ref())
                ),
            );
        }
        let debounce = Duration::from_millis(self.debounce_ms.load(Ordering::Relaxed));
        self.schedule(uri, revision, debounce);
    }

    pub fn close(self: &Arc<Self>, p: lsp::DidCloseTextDocumentParams) {
        let uri = uri::normalize(&p.text_document.uri);
        self.docs.remove(&uri);
        // Closed files keep the diagnostics of their text on disk.
        let s = self.clone();
        tokio::spawn(async move { s.publish_from_disk(uri).await });
    }

    /// Without a root from `initialize`, the first document inside a Mantile
    /// workspace names it.
    fn discover_root(self: &Arc<Self>, uri: &lsp::Uri) {
        let mut cfg = self.config();
        if cfg.root.is_some() {
            return;
        }
        let Some(root) = uri::to_path(uri).and_then(|p| disk::find_root(&p)) else {
            return;
        };
        cfg.root = Some(root);
        self.set_config(cfg);
        let s = self.clone();
        tokio::spawn(async move { s.scan().await });
    }

    // ----- checks -----

    /// Checks a document after `delay`, if it is still at `revision` then.
    pub fn schedule(self: &Arc<Self>, uri: lsp::Uri, revision: u64, delay: Duration) {
        let s = self.clone();
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            s.check_and_publish(uri, revision).await;
        });
    }

    /// An open document's text, version, revision and cache.
    fn current(
        &self,
        uri: &lsp::Uri,
    ) -> Option<(Rope, i32, u64, Arc<std::sync::Mutex<SpecCache>>)> {
        let d = self.docs.get(uri)?;
        Some((d.rope.clone(), d.version, d.revision, d.cache.clone()))
    }

    /// Diagnostics for an open document at its current revision (computed
    /// now, or remembered from the last check).
    /// Returns the snapshot generation they were computed with.
    /// Also returns the revision and snapshot generation they were computed
    /// for.
    pub async fn diagnostics_of_open(
        &self,
        uri: &lsp::Uri,
    ) -> Option<(u64, u64, Arc<Vec<lsp::Diagnostic>>)> {
        self.settings().await;
        let (rope, version, revision, cache) = self.current(uri)?;
        let (generation, snapshot) = self.snapshot_generation();
        if let Some(d) = self.docs.get(uri)
            && let Some(c) = &d.last
            && (c.revision, c.generation) == (revision, generation)
        {
            return Some((revision, generation, c.diagnostics.clone()));
        }
        let diags = Arc::new(
            self.compute(uri, Source::Open(rope, cache), Some(version), snapshot)
                .await?,
        );
        if let Some(mut d) = self.docs.get_mut(uri)
            && d.revision == revision
        {
            d.last = Some(Checked {
                revision,
                generation,
                diagnostics: diags.clone(),
            });
        }
        Some((revision, generation, diags))
    }

    async fn check_and_publish(&self, uri: lsp::Uri, revision: u64) {
        if self.docs.get(&uri).map(|d| d.revision) != Some(revision) {
            return; // a newer edit has its own check scheduled
        }
        let Some((_, generation, diags)) = self.diagnostics_of_open(&uri).await else {
            return;
        };
        let _g = self.publish_lock.lock().await;
        let version = match self.docs.get(&uri) {
            Some(d) if d.revision == revision => d.version,
            _ => return, // stale: computed for an older text
        };
        if self.snapshot_generation().0 != generation {
            return; // stale: the workspace changed; its rescan rechecks
        }
        // Pulling clients ask; other files (any JSON the editor attaches us
        // to) are never published.
        if self.config().pull || !self.is_live() || self.target(&uri).is_none() {
            return;
        }
        self.client
            .publish_diagnostics(uri, diags.to_vec(), Some(version))
            .await;
    }

    /// Runs the engine on a document's text, off the runtime.
    async fn compute(
        &self,
        uri: &lsp::Uri,
        source: Source,
        version: Option<i32>,
        snapshot: Option<Arc<Snapshot>>,
    ) -> Option<Vec<lsp::Diagnostic>> {
        self.settings().await;
        let Some((kind, rel)) = self.target(uri) else {
            return Some(Vec::new()); // not a Mantile file
        };
        let cfg = self.config();
        let overrides = self.overrides();
        let uri = uri.clone();
        let hub = self.hub.enabled().then(|| self.hub.view());
        self.run_blocking("checking a document", move || {
            let (text, raw, cache) = match source {
                Source::Open(rope, cache) => (rope.to_string(), None, Some(cache)),
                Source::Disk(bytes) => (
                    String::from_utf8_lossy(&bytes).into_owned(),
                    Some(bytes),
                    None,
                ),
            };
            // Two checks of one document may overlap (an edit arrives while
            // the previous version is checked): the later one does not wait,
            // it checks without the cache. A cache left by a check that
            // panicked is still sound (what it holds is matched by text).
            let mut guard = cache.as_ref().and_then(|c| match c.try_lock() {
                Ok(g) => Some(g),
                Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => None,
            });
            let bytes = raw.as_deref().unwrap_or(text.as_bytes());
            let t = Text::new(&text, cfg.encoding);
            let mut input = CheckInput {
                kind,
                rel_path: &rel,
                snapshot: snapshot.as_deref(),
                overrides: &overrides,
                hub: hub.as_ref(),
                spec_cache: guard.as_deref_mut(),
            };
            let origin = Origin {
                uri: &uri,
                root: cfg.root.as_deref(),
                version,
            };
            diagnostics::check(&mut input, bytes, &t, &origin)
        })
        .await
    }

    /// Checks a file as it is on disk (no version). A file that cannot be
    /// read gets one finding that says why; one that is gone gets none.
    pub async fn diagnostics_on_disk(&self, uri: &lsp::Uri) -> Vec<lsp::Diagnostic> {
        let (Some(path), Some(root)) = (uri::to_path(uri), self.root()) else {
            return Vec::new();
        };
        if self.target(uri).is_none() {
            return Vec::new(); // not a Mantile file of this workspace
        }
        let read = self
            .run_blocking("reading a file", move || {
                files::read_in_workspace(&root, &path, mantile_engine::MAX_FILE_SIZE as u64)
            })
            .await;
        let problem = match read {
            Some(Ok(bytes)) => {
                return self
                    .compute(uri, Source::Disk(bytes), None, self.snapshot())
                    .await
                    .unwrap_or_default();
            }
            None | Some(Err(ReadError::NotFound)) => return Vec::new(),
            Some(Err(ReadError::TooLarge(len))) => mantile_engine::too_large_file(len),
            Some(Err(e)) => mantile_engine::unreadable_file(&e.to_string()),
        };
        let mut found = vec![problem];
        self.overrides().apply(&mut found);
        let origin = diagnostics::Origin {
            uri,
            root: None,
            version: None,
        };
        let t = Text::new("", self.encoding());
        found
            .iter()
            .map(|d| diagnostics::to_lsp(d, &t, &origin, &mut Default::default()))
            .collect()
    }

    async fn publish_from_disk(&self, uri: lsp::Uri) {
        if self.target(&uri).is_none() {
            return;
        }
        let diags = self.diagnostics_on_disk(&uri).await;
        let _g = self.publish_lock.lock().await;
        if self.docs.contains_key(&uri) || !self.is_live() {
            return; // reopened meanwhile: the open document's check decides
        }
        if diags.is_empty() {
            self.pushed.remove(&uri);
        } else {
            self.pushed.insert(uri.clone(), ());
        }
        self.client.publish_diagnostics(uri, diags, None).await;
    }

    // ----- Hugging Face -----

    /// Starts the task that fetches the Hub metadata checks ask for; each
    /// answer rechecks the documents.
    pub fn start_hub(self: &Arc<Self>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        self.hub.set_request(tx);
        let s = self.clone();
        tokio::spawn(async move {
            while let Some(repo) = rx.recv().await {
                let Some(client) = s.hub.client() else {
                    continue;
                };
                let s = s.clone();
                tokio::spawn(async move {
                    let outcome = client.facts(&repo).await;
                    // A problem of the whole Hub changes no diagnostic: it is logged once.
                    let changes = !outcome.as_ref().err().is_some_and(super::hub::is_global);
                    let status = super::hub::HubStatusParams {
                        mode: super::hub::mode(&outcome),
                        repo: repo.clone(),
                    };
                    let note = s.hub.finish(repo, outcome);
                    s.client
                        .send_notification::<super::hub::HubStatus>(status)
                        .await;
                    if let Some(note) = note {
                        s.log_message(lsp::MessageType::Warning, note).await;
                    }
                    if changes && s.is_live() {
                        // Checks computed without this answer are stale now.
                        s.invalidate();
                        s.recheck_all().await;
                    }
                });
            }
        });
    }

    // ----- the workspace -----

    /// Reads the workspace's snapshot (layer catalog, file list) from disk.
    pub async fn rebuild_snapshot(&self) -> Option<Arc<Snapshot>> {
        let root = self.config().root?;
        let snapshot = self
            .run_blocking("reading the workspace", move || disk::snapshot(&root))
            .await?;
        // Said at every rebuild: what cannot be read is not checked, and no
        // finding claims it is missing. (A config, spec or gap report that
        // cannot be read gets a finding of its own instead.)
        for (rel, why) in snapshot
            .unreadable
            .iter()
            .filter(|(rel, _)| classify(rel).is_none())
        {
            self.log_message(
                lsp::MessageType::Warning,
                format!("mantile-lsp: cannot read `{rel}`: {why}; what it holds is not checked"),
            )
            .await;
        }
        let snapshot = Arc::new(snapshot);
        self.set_snapshot(snapshot.clone());
        Some(snapshot)
    }

    /// After a change on disk: rebuilds the snapshot, rechecks the open
    /// documents and republishes the files that are not open.
    pub async fn scan(self: &Arc<Self>) {
        if self.rebuild_snapshot().await.is_none() {
            return;
        }
        self.recheck_all().await;
    }

    pub fn overrides(&self) -> SeverityOverrides {
        read(&self.overrides)
    }

    /// New rule severities: every result computed before is stale.
    pub fn set_overrides(&self, overrides: SeverityOverrides) {
        *self.overrides.write().unwrap_or_else(|e| e.into_inner()) = overrides;
        self.invalidate();
    }

    /// Makes every result computed so far stale (a new generation).
    pub fn invalidate(&self) {
        let mut s = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
        s.0 += 1;
    }

    /// Rechecks the open documents and republishes the closed files.
    pub async fn recheck_all(self: &Arc<Self>) {
        let open: Vec<(lsp::Uri, u64)> = self
            .docs
            .iter()
            .map(|d| (d.key().clone(), d.revision))
            .collect();
        for (uri, revision) in open {
            self.schedule(uri, revision, Duration::ZERO);
        }
        self.publish_closed().await;
        let cfg = self.config();
        if cfg.pull && cfg.refresh && self.is_live() {
            // Pulling clients ask again for their open documents.
            let _ = self.client.workspace_diagnostic_refresh().await;
        }
    }

    /// Publishes diagnostics for every Mantile file of the snapshot that is
    /// not open (and clears those published before that are gone).
    pub async fn publish_closed(&self) {
        let cfg = self.config();
        let (Some(root), Some(snapshot)) = (cfg.root.clone(), self.snapshot()) else {
            return;
        };
        let files: Vec<lsp::Uri> = snapshot
            .files
            .iter()
            .filter(|rel| classify(rel).is_some())
            .map(|rel| uri::from_path(&root.join(rel)))
            .filter(|u| !self.docs.contains_key(u))
            .collect();
        let mut results = Vec::with_capacity(files.len());
        for u in files {
            let diags = self.diagnostics_on_disk(&u).await;
            results.push((u, diags));
        }
        let seen: HashSet<lsp::Uri> = results.iter().map(|(u, _)| u.clone()).collect();
        let stale: Vec<lsp::Uri> = self
            .pushed
            .iter()
            .map(|e| e.key().clone())
            .filter(|u| !seen.contains(u))
            .collect();
        let _g = self.publish_lock.lock().await;
        for (u, diags) in results {
            if self.docs.contains_key(&u) || !self.is_live() {
                continue;
            }
            if diags.is_empty() {
                // Nothing to say, and nothing said before: stay quiet.
                if self.pushed.remove(&u).is_none() {
                    continue;
                }
            } else {
                self.pushed.insert(u.clone(), ());
            }
            self.client.publish_diagnostics(u, diags, None).await;
        }
        for u in stale {
            if self.docs.contains_key(&u) || !self.is_live() {
                continue;
            }
            self.pushed.remove(&u);
            self.client.publish_diagnostics(u, Vec::new(), None).await;
        }
    }

    /// Whether a changed file (relative path) changes what the checks see.
    pub fn affects_workspace(rel: &str) -> bool {
        let in_dir = |dir: &str| {
            rel.strip_prefix(dir)
                .and_then(|r| r.strip_prefix('/'))
                .is_some_and(|r| !r.is_empty() && !r.contains('/'))
        };
        (in_dir(LAYERS_DIR) && rel.ends_with(".py"))
            || in_dir(CONFIG_DIR)
            || in_dir(GAPS_DIR)
            || in_dir(TESTS_DIR)
    }

    pub fn relative(&self, uri: &lsp::Uri) -> Option<String> {
        let root = self.config().root?;
        disk::relative(&root, &uri::to_path(uri)?)
    }

    pub fn encoding(&self) -> PositionEncoding {
        self.config().encoding
    }

    pub fn root(&self) -> Option<PathBuf> {
        self.config().root
    }
}

/// What to check: an open document's text, or a file's bytes from disk.
enum Source {
    /// An open document's text, and its cache.
    Open(Rope, Arc<std::sync::Mutex<SpecCache>>),
    Disk(Vec<u8>),
}

/// Applies one change to a rope. Positions are converted on the rope's line,
/// in the negotiated encoding; out-of-range positions clamp.
pub fn apply_change(
    rope: &mut Rope,
    change: &lsp::TextDocumentContentChangeEvent,
    enc: PositionEncoding,
) {
    match change {
        lsp::TextDocumentContentChangeEvent::TextDocumentContentChangePartial(c) => {
            let a = encoding::rope_offset(rope, c.range.start, enc);
            let b = encoding::rope_offset(rope, c.range.end, enc);
            let (a, b) = (a.min(b), a.max(b));
            let (ca, cb) = (rope.byte_to_char(a), rope.byte_to_char(b));
            rope.remove(ca..cb);
            rope.insert(ca, &c.text);
        }
        lsp::TextDocumentContentChangeEvent::TextDocumentContentChangeWholeDocument(c) => {
            *rope = Rope::from_str(&c.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partial(
        l0: u32,
        c0: u32,
        l1: u32,
        c1: u32,
        text: &str,
    ) -> lsp::TextDocumentContentChangeEvent {
        lsp::TextDocumentContentChangeEvent::TextDocumentContentChangePartial(
            lsp::TextDocumentContentChangePartial {
                range: lsp::Range {
                    start: lsp::Position {
                        line: l0,
                        character: c0,
                    },
                    end: lsp::Position {
                        line: l1,
                        character: c1,
                    },
                },
                #[allow(deprecated)]
                range_length: None,
                text: text.to_string(),
            },
        )
    }

    #[test]
    fn edits_after_non_ascii_land_in_the_right_place_in_each_encoding() {
        // "ᵀ≈" is 6 bytes but 2 UTF-16 units; 😀 is 4 bytes, 2 units.
        let text = "ᵀ≈ x\n😀 y\n";
        let mut r8 = Rope::from_str(text);
        apply_change(&mut r8, &partial(0, 7, 0, 8, "X"), PositionEncoding::Utf8);
        apply_change(&mut r8, &partial(1, 5, 1, 6, "Y"), PositionEncoding::Utf8);
        assert_eq!(r8.to_string(), "ᵀ≈ X\n😀 Y\n");
        let mut r16 = Rope::from_str(text);
        apply_change(&mut r16, &partial(0, 3, 0, 4, "X"), PositionEncoding::Utf16);
        apply_change(&mut r16, &partial(1, 3, 1, 4, "Y"), PositionEncoding::Utf16);
        assert_eq!(r16.to_string(), "ᵀ≈ X\n😀 Y\n");
        // A multi-line replacement and an insertion past the end.
        apply_change(&mut r16, &partial(0, 1, 1, 2, "-"), PositionEncoding::Utf16);
        assert_eq!(r16.to_string(), "ᵀ- Y\n");
        apply_change(&mut r16, &partial(7, 0, 7, 0, "!"), PositionEncoding::Utf16);
        assert_eq!(r16.to_string(), "ᵀ- Y\n!");
    }

    #[test]
    fn edits_on_lines_ended_by_a_lone_cr_land_on_the_line_the_client_means() {
        // Line 1 is "b😀 c" (after a lone \r); line 2 is "d" (after \r\n).
        let text = "a×\rb😀 c\r\nd";
        let mut r8 = Rope::from_str(text);
        apply_change(&mut r8, &partial(1, 6, 1, 7, "C"), PositionEncoding::Utf8);
        apply_change(&mut r8, &partial(2, 0, 2, 1, "D"), PositionEncoding::Utf8);
        assert_eq!(r8.to_string(), "a×\rb😀 C\r\nD");
        let mut r16 = Rope::from_str(text);
        apply_change(&mut r16, &partial(1, 4, 1, 5, "C"), PositionEncoding::Utf16);
        apply_change(&mut r16, &partial(2, 0, 2, 1, "D"), PositionEncoding::Utf16);
        assert_eq!(r16.to_string(), "a×\rb😀 C\r\nD");
    }

    #[tokio::test]
    async fn a_panic_off_the_runtime_is_caught_and_the_session_goes_on() {
        let (service, socket) = tower_lsp_server::LspService::new(|client| {
            super::super::backend::Backend::new(Session::new(client))
        });
        let (mut to_client, _) = socket.split();
        let s = service.inner().session.clone();
        let r: Option<u32> = s.run_blocking("testing", || panic!("boom")).await;
        assert_eq!(r, None);
        let log = futures_util::StreamExt::next(&mut to_client).await.unwrap();
        assert_eq!(
            log.params().unwrap()["message"],
            "mantile-lsp: internal error while testing: boom"
        );
        assert_eq!(s.run_blocking("testing", || 7).await, Some(7));
    }

    #[test]
    fn workspace_files_that_matter() {
        assert!(Session::affects_workspace("backend/layers/attention.py"));
        assert!(!Session::affects_workspace("backend/layers/README.md"));
        assert!(Session::affects_workspace(
            "backend/data/model_configs/a.json"
        ));
        assert!(Session::affects_workspace("model_builder/gaps/mamba.md"));
        assert!(!Session::affects_workspace("backend/layers/sub/x.py"));
        assert!(!Session::affects_workspace("src/main.py"));
    }
}
