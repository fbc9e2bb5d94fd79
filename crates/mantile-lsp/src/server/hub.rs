//! Hugging Face metadata in the server: fetched in the background (bounded
//! by the client's semaphore and timeouts), never on a keystroke's path.
//!
//! A check that meets a config whose model has no known outcome asks for it
//! once (a channel to the fetcher task) and goes on without Hub findings;
//! when the answer arrives the open and closed documents are rechecked.
//! Settings: `mantile.hub.offline` (no network; cached metadata only),
//! `mantile.hub.endpoint`, `mantile.hub.home` (like `HF_HOME`),
//! `mantile.hub.enabled` (false: no Hub checks).

use dashmap::DashMap;
use mantile_engine::{HubFacts, HubProblem};
use mantile_hub::{HubClient, HubSettings};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::mpsc::UnboundedSender;

pub type Outcome = Arc<Result<HubFacts, HubProblem>>;

/// What a check needs: the known outcomes, and a way to ask for one.
#[derive(Clone)]
pub struct HubView {
    pub results: Arc<DashMap<String, Outcome>>,
    inflight: Arc<DashMap<String, ()>>,
    request: Option<UnboundedSender<String>>,
}

impl HubView {
    /// The outcome for `repo`, asking for a fetch (once) when none is known.
    pub fn outcome(&self, repo: &str) -> Option<Outcome> {
        if let Some(o) = self.results.get(repo) {
            return Some(o.clone());
        }
        if let Some(tx) = &self.request
            && self.inflight.insert(repo.to_string(), ()).is_none()
        {
            let _ = tx.send(repo.to_string());
        }
        None
    }
}

/// Problems of the whole Hub, not of one model: said once in the log.
pub fn is_global(p: &HubProblem) -> bool {
    matches!(p, HubProblem::Network { .. } | HubProblem::OfflineNoCache)
}

pub struct Hub {
    client: RwLock<Option<Arc<HubClient>>>,
    results: Arc<DashMap<String, Outcome>>,
    inflight: Arc<DashMap<String, ()>>,
    request: Mutex<Option<UnboundedSender<String>>>,
    warned: AtomicBool,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub {
            client: RwLock::new(Some(Arc::new(HubClient::new(HubSettings::from_env())))),
            results: Arc::default(),
            inflight: Arc::default(),
            request: Mutex::new(None),
            warned: AtomicBool::new(false),
        }
    }
}

impl Hub {
    pub fn view(&self) -> HubView {
        HubView {
            results: self.results.clone(),
            inflight: self.inflight.clone(),
            request: self
                .request
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        }
    }

    pub fn client(&self) -> Option<Arc<HubClient>> {
        self.client
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_request(&self, tx: UnboundedSender<String>) {
        *self.request.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
    }

    /// Applies `mantile.hub` settings; returns whether they changed anything
    /// (then every outcome is forgotten and fetched again as needed).
    pub fn configure(&self, value: &Value) -> bool {
        let settings = value.get("mantile").unwrap_or(value);
        let Some(hub) = settings.get("hub").and_then(Value::as_object) else {
            return false;
        };
        let mut s = HubSettings::from_env();
        if let Some(home) = hub
            .get("home")
            .and_then(Value::as_str)
            .filter(|h| !h.trim().is_empty())
        {
            let home = std::path::PathBuf::from(home);
            if std::env::var_os("HF_HUB_CACHE").is_none() {
                s.hub_cache = home.join("hub");
            }
            s.hf_home = home;
        }
        if let Some(off) = hub.get("offline").and_then(Value::as_bool) {
            s.offline |= off;
        }
        if let Some(e) = hub
            .get("endpoint")
            .and_then(Value::as_str)
            .filter(|e| !e.trim().is_empty())
        {
            s.endpoint = e.trim_end_matches('/').to_string();
        }
        let enabled = hub.get("enabled").and_then(Value::as_bool).unwrap_or(true);
        *self.client.write().unwrap_or_else(|e| e.into_inner()) =
            enabled.then(|| Arc::new(HubClient::new(s)));
        self.results.clear();
        self.inflight.clear();
        self.warned.store(false, Ordering::SeqCst);
        true
    }

    /// Records an outcome; returns a log line the first time the Hub as a
    /// whole is unreachable (or offline with nothing cached).
    pub fn finish(&self, repo: String, outcome: Result<HubFacts, HubProblem>) -> Option<String> {
        let note = match &outcome {
            Err(p) if is_global(p) && !self.warned.swap(true, Ordering::SeqCst) => Some(format!(
                "mantile-lsp: {}; the Hub cross-checks are skipped (settings: mantile.hub.offline, mantile.hub.endpoint)",
                p.message(&repo)
            )),
            _ => None,
        };
        self.results.insert(repo.clone(), Arc::new(outcome));
        self.inflight.remove(&repo);
        note
    }

    /// Whether Hub checks are on at all.
    pub fn enabled(&self) -> bool {
        self.client().is_some()
    }
}

/// `mantile/hubStatus` {mode, repo}: where the last Hub answer came from,
/// for a client's status display (`live`, `cached`, `offline`,
/// `unreachable`, or `error` for a problem of that model).
pub enum HubStatus {}

impl super::lsp::Notification for HubStatus {
    type Params = Value;
    const METHOD: super::lsp::LspNotificationMethod<'static> =
        super::lsp::LspNotificationMethod::Custom("mantile/hubStatus");
    const MESSAGE_DIRECTION: super::lsp::MessageDirection =
        super::lsp::MessageDirection::ServerToClient;
}

/// The mode of an outcome, for [`HubStatus`].
pub fn mode(outcome: &Result<HubFacts, HubProblem>) -> &'static str {
    match outcome {
        Ok(f) => match &f.provenance {
            mantile_engine::HubProvenance::Cached { why: Some(_), .. } => "cached",
            _ => "live",
        },
        Err(HubProblem::OfflineNoCache) => "offline",
        Err(HubProblem::Network { .. }) => "unreachable",
        Err(_) => "error",
    }
}
