//! Hugging Face metadata in the server: fetched in the background (bounded
//! by the client's semaphore and timeouts), never on a keystroke's path.
//!
//! A check that meets a config whose model has no known outcome asks for it
//! once (a channel to the fetcher task) and goes on without Hub findings;
//! when the answer arrives the open and closed documents are rechecked.
//! Settings: `mantile.hub.offline` (no network; cached metadata only),
//! `mantile.hub.endpoint`, `mantile.hub.home` (like `HF_HOME`),
//! `mantile.hub.enabled` (false: no Hub checks).
//!
//! `endpoint` and `home` decide where the user's Hugging Face token is sent
//! and where files are written, so a workspace must not set them: they are
//! taken only from the environment (`HF_ENDPOINT`, `HF_HOME`) and from
//! `initializationOptions` (which the user's own editor configuration
//! provides). Arriving through `workspace/configuration` or
//! `workspace/didChangeConfiguration` — where a repository's
//! `.vscode/settings.json` or `.nvim.lua` can put them — they are ignored,
//! with a warning that says where to set them.

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

/// Where settings came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `initializationOptions`: the user's own editor configuration.
    Initialization,
    /// `workspace/configuration` or `workspace/didChangeConfiguration`,
    /// which a workspace's own settings files can feed.
    Workspace,
}

/// The settings only the user may give (see the module's documentation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Trusted {
    endpoint: Option<String>,
    home: Option<String>,
}

fn text_setting(hub: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    hub.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            if key == "endpoint" {
                v.trim_end_matches('/').to_string()
            } else {
                v.to_string()
            }
        })
}

pub struct Hub {
    trusted: Mutex<Trusted>,
    client: RwLock<Option<Arc<HubClient>>>,
    results: Arc<DashMap<String, Outcome>>,
    inflight: Arc<DashMap<String, ()>>,
    request: Mutex<Option<UnboundedSender<String>>>,
    warned: AtomicBool,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub {
            trusted: Mutex::new(Trusted::default()),
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

    /// Applies `mantile.hub` settings from `source`; returns whether they
    /// changed anything (then every outcome is forgotten and fetched again as
    /// needed), and warnings for the log: `endpoint` and `home` from the
    /// workspace are ignored unless they are what the user already set.
    pub fn configure(&self, value: &Value, source: Source) -> (bool, Vec<String>) {
        let settings = value.get("mantile").unwrap_or(value);
        let Some(hub) = settings.get("hub").and_then(Value::as_object) else {
            return (false, Vec::new());
        };
        let mut warnings = Vec::new();
        let trusted = {
            let mut t = self.trusted.lock().unwrap_or_else(|e| e.into_inner());
            match source {
                Source::Initialization => {
                    t.endpoint = text_setting(hub, "endpoint");
                    t.home = text_setting(hub, "home");
                }
                Source::Workspace => {
                    for (key, mine, env) in [
                        ("endpoint", &t.endpoint, "HF_ENDPOINT"),
                        ("home", &t.home, "HF_HOME"),
                    ] {
                        if let Some(v) = text_setting(hub, key)
                            && Some(&v) != mine.as_ref()
                        {
                            warnings.push(format!(
                                "mantile-lsp: ignored mantile.hub.{key} from the workspace settings: it decides where your Hugging Face token is sent and where files are written, so a workspace may not set it. Set it in your user settings (the editor passes them as initializationOptions) or with {env} in the environment."
                            ));
                        }
                    }
                }
            }
            t.clone()
        };
        let mut s = HubSettings::from_env();
        if let Some(home) = &trusted.home {
            let home = std::path::PathBuf::from(home);
            if std::env::var_os("HF_HUB_CACHE").is_none() {
                s.hub_cache = home.join("hub");
            }
            s.hf_home = home;
        }
        if let Some(e) = &trusted.endpoint {
            s.endpoint = e.clone();
        }
        if let Some(off) = hub.get("offline").and_then(Value::as_bool) {
            s.offline |= off;
        }
        let enabled = hub.get("enabled").and_then(Value::as_bool).unwrap_or(true);
        *self.client.write().unwrap_or_else(|e| e.into_inner()) =
            enabled.then(|| Arc::new(HubClient::new(s)));
        self.results.clear();
        self.inflight.clear();
        self.warned.store(false, Ordering::SeqCst);
        (true, warnings)
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

pub use super::lsp_ext::{HubMode, HubStatus, HubStatusParams};

/// The mode of an outcome, for [`HubStatus`].
pub fn mode(outcome: &Result<HubFacts, HubProblem>) -> HubMode {
    match outcome {
        Ok(f) => match &f.provenance {
            mantile_engine::HubProvenance::Cached { why: Some(_), .. } => HubMode::Cached,
            _ => HubMode::Live,
        },
        Err(HubProblem::OfflineNoCache) => HubMode::Offline,
        Err(HubProblem::Network { .. }) => HubMode::Unreachable,
        Err(_) => HubMode::Error,
    }
}
