//! The server's state: open documents, the workspace folders (each with
//! its analysis host), what was negotiated, the client's settings.
//!
//! Document edits are applied synchronously, in the order the transport read
//! them ([`Session::open`], [`Session::change`], [`Session::close`] are called
//! from [`super::sequencer`], never across an `.await`): the rope takes the
//! edit and the folder's host the new text, which gives a new generation and
//! the files the edit affects. Their checks run later, off the runtime
//! ([`super::publish`]), and their results are published only while no later
//! change has affected them.

use super::encoding;
use super::folder::Folder;
use super::lsp;
use super::uri;
use crate::disk;
use dashmap::DashMap;
use mantile_diag::{PositionEncoding, SeverityOverrides};
use mantile_engine::{Affected, FileKind, LAYERS_DIR, classify};
use ropey::Rope;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tower_lsp_server::Client;

/// How long a document must stay unchanged before it is checked, so that a
/// burst of keystrokes is checked once.
pub const DEBOUNCE: Duration = Duration::from_millis(20);

/// An open document.
pub struct Document {
    /// The text, to apply incremental edits to.
    pub rope: Rope,
    /// The client's version.
    pub version: i32,
    /// Where it belongs: its folder, its path there and its kind (`None`:
    /// not a Mantile file of a workspace folder; it gets nothing).
    pub place: Option<Place>,
}

/// A Mantile file of a workspace folder.
#[derive(Clone)]
pub struct Place {
    pub folder: Arc<Folder>,
    pub rel: String,
    pub kind: FileKind,
}

/// What was negotiated at `initialize`.
#[derive(Clone, Debug)]
pub struct Config {
    pub encoding: PositionEncoding,
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
    /// The workspace folders, each with its own analysis.
    folders: RwLock<Vec<Arc<Folder>>>,
    /// The rule severities from settings that name no folder: every folder's
    /// unless it has its own.
    default_overrides: RwLock<SeverityOverrides>,
    initialized: AtomicBool,
    shut_down: AtomicBool,
    /// What was published, to publish each result once, in order.
    pub(super) published: super::publish::Published,
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
            folders: RwLock::new(Vec::new()),
            default_overrides: RwLock::new(SeverityOverrides::default()),
            initialized: AtomicBool::new(false),
            shut_down: AtomicBool::new(false),
            published: Default::default(),
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

    pub fn encoding(&self) -> PositionEncoding {
        self.config().encoding
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
    pub async fn settings(&self) {
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

    // ----- folders -----

    pub fn folders(&self) -> Vec<Arc<Folder>> {
        read(&self.folders)
    }

    /// The folder holding `path` (the innermost one, when folders nest).
    pub fn folder_of(&self, path: &Path) -> Option<Arc<Folder>> {
        self.folders()
            .into_iter()
            .filter(|f| path.starts_with(&f.root))
            .max_by_key(|f| f.root.components().count())
    }

    /// Where a document belongs, if it is a Mantile file of a folder.
    pub fn place(&self, uri: &lsp::Uri) -> Option<Place> {
        let path = uri::to_path(uri)?;
        let folder = self.folder_of(&std::path::absolute(&path).ok()?)?;
        let rel = folder.relative(&path)?;
        let kind = classify(&rel)?;
        Some(Place { folder, rel, kind })
    }

    /// Adds a workspace folder (its Mantile root), with the settings every
    /// folder has; returns it, or `None` when it is already there.
    pub fn add_folder(&self, root: PathBuf, uri: Option<lsp::Uri>) -> Option<Arc<Folder>> {
        let mut folders = self.folders.write().unwrap_or_else(|e| e.into_inner());
        if folders.iter().any(|f| f.root == root) {
            return None;
        }
        let folder = Arc::new(Folder::new(root, uri));
        let overrides = read(&self.default_overrides);
        let enabled = self.hub.enabled();
        folder.write(|h| {
            let mut a = h.set_overrides(overrides);
            a.extend(h.set_hub_enabled(enabled));
            a
        });
        folders.push(folder.clone());
        Some(folder)
    }

    /// Removes the folder at `root`; returns it.
    pub fn remove_folder(&self, root: &Path) -> Option<Arc<Folder>> {
        let mut folders = self.folders.write().unwrap_or_else(|e| e.into_inner());
        let i = folders.iter().position(|f| f.root == root)?;
        Some(folders.remove(i))
    }

    /// New rule severities for every folder without its own (`folder`:
    /// `None`) or for one folder; everything they affect is checked again.
    pub fn set_overrides(self: &Arc<Self>, folder: Option<&Arc<Folder>>, o: SeverityOverrides) {
        let targets = match folder {
            Some(f) => vec![f.clone()],
            None => {
                *self
                    .default_overrides
                    .write()
                    .unwrap_or_else(|e| e.into_inner()) = o.clone();
                self.folders()
            }
        };
        for f in targets {
            let (affected, generation) = f.write(|h| h.set_overrides(o.clone()));
            self.schedule(&f, affected, generation, Duration::ZERO, None);
        }
    }

    /// The Hub settings changed: every answer is forgotten, and each
    /// folder's configs are checked again (with or without the Hub).
    pub fn hub_changed(self: &Arc<Self>) {
        let enabled = self.hub.enabled();
        for f in self.folders() {
            let (mut affected, generation) = f.write(|h| {
                let mut a = h.clear_hub();
                a.extend(h.set_hub_enabled(enabled));
                a
            });
            // Every config is checked again (most results reused): those
            // that want a model's metadata ask for it anew.
            affected.0.extend(
                f.analysis()
                    .files()
                    .into_iter()
                    .filter(|(_, k)| *k == FileKind::Config)
                    .map(|(p, _)| p),
            );
            self.schedule(&f, affected, generation, Duration::ZERO, None);
        }
    }

    /// Open documents of a folder that is gone: they get nothing now.
    pub fn forget_documents_of(&self, folder: &Arc<Folder>) {
        for mut d in self.docs.iter_mut() {
            if d.place
                .as_ref()
                .is_some_and(|p| Arc::ptr_eq(&p.folder, folder))
            {
                d.place = None;
            }
        }
    }

    /// Open documents that belong to a new folder: its analysis has their
    /// text.
    pub fn adopt_documents(self: &Arc<Self>, folder: &Arc<Folder>) {
        for mut d in self.docs.iter_mut() {
            let Some(place) = self.place(d.key()) else {
                continue;
            };
            if !Arc::ptr_eq(&place.folder, folder) {
                continue;
            }
            let (text, version) = (d.rope.to_string(), d.version);
            let (affected, generation) =
                folder.write(|h| h.open(&place.rel, place.kind, &text, version));
            d.place = Some(place.clone());
            self.schedule(
                folder,
                affected,
                generation,
                Duration::ZERO,
                Some(&place.rel),
            );
        }
    }

    // ----- document sync: synchronous, in transport order -----

    pub fn open(self: &Arc<Self>, p: lsp::DidOpenTextDocumentParams) {
        let uri = uri::normalize(&p.text_document.uri);
        self.discover_root(&uri);
        let place = self.place(&uri);
        let text = p.text_document.text;
        let version = p.text_document.version;
        self.docs.insert(
            uri.clone(),
            Document {
                rope: Rope::from_str(&text),
                version,
                place: place.clone(),
            },
        );
        if self.config().pull {
            // The client pulls open documents: drop what we pushed for it closed.
            self.unpush(&uri);
        }
        if let Some(p) = place {
            let (affected, generation) = p.folder.write(|h| h.open(&p.rel, p.kind, &text, version));
            self.schedule(
                &p.folder,
                affected,
                generation,
                Duration::ZERO,
                Some(&p.rel),
            );
        }
    }

    pub fn change(self: &Arc<Self>, p: lsp::DidChangeTextDocumentParams) {
        let uri = uri::normalize(&p.text_document.text_document_identifier.uri);
        let encoding = self.encoding();
        let version = p.text_document.version;
        let (applied, text, place) = {
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
            doc.version = version;
            let text = doc.place.as_ref().map(|_| doc.rope.to_string());
            (result, text, doc.place.clone())
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
        if let (Some(p), Some(text)) = (place, text) {
            let (affected, generation) = p.folder.write(|h| h.edit(&p.rel, &text, version));
            let debounce = Duration::from_millis(self.debounce_ms.load(Ordering::Relaxed));
            self.schedule(&p.folder, affected, generation, debounce, Some(&p.rel));
        }
    }

    pub fn close(self: &Arc<Self>, p: lsp::DidCloseTextDocumentParams) {
        let uri = uri::normalize(&p.text_document.uri);
        let Some((_, doc)) = self.docs.remove(&uri) else {
            return;
        };
        let Some(p) = doc.place else { return };
        // Closed files keep the diagnostics of their text on disk (read
        // again: it may have been saved since the last reading).
        let (affected, generation) = p.folder.write(|h| h.close(&p.rel));
        self.schedule(&p.folder, affected, generation, Duration::ZERO, None);
        let s = self.clone();
        tokio::spawn(async move { s.refresh(&p.folder, vec![p.rel]).await });
    }

    /// Without a folder from `initialize`, the first document inside a
    /// Mantile workspace names one.
    fn discover_root(self: &Arc<Self>, uri: &lsp::Uri) {
        if !self.folders().is_empty() {
            return;
        }
        let Some(root) = uri::to_path(uri).and_then(|p| disk::find_root(&p)) else {
            return;
        };
        if let Some(folder) = self.add_folder(root, None) {
            let s = self.clone();
            tokio::spawn(async move { s.scan(&folder).await });
        }
    }

    // ----- the disk -----

    /// Reads a folder from disk again and checks what changed.
    pub async fn scan(self: &Arc<Self>, folder: &Arc<Folder>) {
        let reading = folder
            .scan(|root| async move {
                self.run_blocking("reading the workspace", move || {
                    disk::read_workspace(&root, true, |_, _| true)
                })
                .await
            })
            .await;
        let Some((affected, generation)) = reading else {
            return;
        };
        // Said at every reading: what cannot be read is not checked, and no
        // finding claims it is missing. (A config, spec or gap report that
        // cannot be read gets a finding of its own instead.)
        let analysis = folder.analysis();
        for (rel, why) in analysis
            .unreadable()
            .iter()
            .filter(|(rel, _)| classify(rel).is_none())
        {
            self.log_message(
                lsp::MessageType::Warning,
                format!("mantile-lsp: cannot read `{rel}`: {why}; what it holds is not checked"),
            )
            .await;
        }
        self.schedule(folder, affected, generation, Duration::ZERO, None);
    }

    /// Reads some files of a folder again (a save, a close, a watched
    /// change) and checks what they affect.
    pub async fn refresh(self: &Arc<Self>, folder: &Arc<Folder>, rels: Vec<String>) {
        let (affected, generation) = folder
            .refresh(|root| async move {
                self.run_blocking("reading files", move || {
                    rels.into_iter()
                        .map(|rel| {
                            let content = disk::read_content(&root, &rel);
                            (rel, content)
                        })
                        .collect()
                })
                .await
                .unwrap_or_default()
            })
            .await;
        self.schedule(folder, affected, generation, Duration::ZERO, None);
    }

    /// Files changed on disk (watchers, saves): what they change is read
    /// again — a layer source, or a file that is not one of Mantile's,
    /// rereads the folder; Mantile files are read one by one.
    pub async fn disk_changed(self: &Arc<Self>, paths: Vec<PathBuf>) {
        let mut by_folder: Vec<(Arc<Folder>, Vec<String>, bool)> = Vec::new();
        for path in paths {
            let Some(folder) = self.folder_of(&path) else {
                continue;
            };
            let Some(rel) = folder.relative(&path) else {
                continue;
            };
            if !affects_workspace(&rel) {
                continue;
            }
            let whole = classify(&rel).is_none();
            match by_folder
                .iter_mut()
                .find(|(f, _, _)| Arc::ptr_eq(f, &folder))
            {
                Some((_, rels, all)) => {
                    rels.push(rel);
                    *all |= whole;
                }
                None => by_folder.push((folder, vec![rel], whole)),
            }
        }
        for (folder, rels, whole) in by_folder {
            if whole {
                self.scan(&folder).await;
            } else {
                self.refresh(&folder, rels).await;
            }
        }
    }

    /// Checks everything again (settings that only a fresh check applies).
    pub fn recheck_all(self: &Arc<Self>) {
        for f in self.folders() {
            let analysis = f.analysis();
            let affected = Affected(analysis.files().into_iter().map(|(p, _)| p).collect());
            let (_, generation) = f.write(|_| Affected::default());
            self.schedule(&f, affected, generation, Duration::ZERO, None);
        }
    }
}

/// Whether a changed file (relative path) changes what the checks see.
pub fn affects_workspace(rel: &str) -> bool {
    let in_dir = |dir: &str| {
        rel.strip_prefix(dir)
            .and_then(|r| r.strip_prefix('/'))
            .is_some_and(|r| !r.is_empty() && !r.contains('/'))
    };
    use mantile_engine::{CONFIG_DIR, GAPS_DIR, TESTS_DIR};
    (in_dir(LAYERS_DIR) && rel.ends_with(".py"))
        || in_dir(CONFIG_DIR)
        || in_dir(GAPS_DIR)
        || in_dir(TESTS_DIR)
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
        assert!(affects_workspace("backend/layers/attention.py"));
        assert!(!affects_workspace("backend/layers/README.md"));
        assert!(affects_workspace("backend/data/model_configs/a.json"));
        assert!(affects_workspace("model_builder/gaps/mamba.md"));
        assert!(!affects_workspace("backend/layers/sub/x.py"));
        assert!(!affects_workspace("src/main.py"));
    }
}
