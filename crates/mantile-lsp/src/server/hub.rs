//! Hugging Face metadata in the server: fetched in the background (bounded
//! by the client's semaphore and timeouts), never on a keystroke's path.
//!
//! A check that meets a config whose model has no known answer asks for it
//! once (a channel to the fetcher task) and goes on without Hub findings;
//! the answer is recorded in each folder's analysis, which rechecks the
//! configs that name that model (and nothing else).
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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::mpsc::UnboundedSender;

/// Problems of the whole Hub, not of one model: said once in the log.
pub use mantile_engine::is_global;

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
    /// The models asked for since the settings last changed (in flight or
    /// answered): each is fetched once.
    asked: DashMap<String, ()>,
    /// Bumped when the settings change: an answer to an older ask is dropped.
    epoch: AtomicU64,
    request: Mutex<Option<UnboundedSender<(String, u64)>>>,
    warned: AtomicBool,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub {
            trusted: Mutex::new(Trusted::default()),
            client: RwLock::new(Some(Arc::new(HubClient::new(HubSettings::from_env())))),
            asked: DashMap::new(),
            epoch: AtomicU64::new(0),
            request: Mutex::new(None),
            warned: AtomicBool::new(false),
        }
    }
}

impl Hub {
    pub fn client(&self) -> Option<Arc<HubClient>> {
        self.client
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_request(&self, tx: UnboundedSender<(String, u64)>) {
        *self.request.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
    }

    /// Asks for `repo`'s metadata, once (until the settings change).
    pub fn request(&self, repo: &str) {
        if !self.enabled() || self.asked.insert(repo.to_string(), ()).is_some() {
            return;
        }
        if let Some(tx) = &*self.request.lock().unwrap_or_else(|e| e.into_inner()) {
            let _ = tx.send((repo.to_string(), self.epoch.load(Ordering::SeqCst)));
        }
    }

    /// Whether an answer to an ask made at `epoch` still counts.
    pub fn is_current(&self, epoch: u64) -> bool {
        self.epoch.load(Ordering::SeqCst) == epoch
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
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.asked.clear();
        self.warned.store(false, Ordering::SeqCst);
        (true, warnings)
    }

    /// Notes an answer; returns a log line the first time the Hub as a
    /// whole is unreachable (or offline with nothing cached).
    pub fn finish(&self, repo: &str, outcome: &Result<HubFacts, HubProblem>) -> Option<String> {
        match outcome {
            Err(p) if is_global(p) && !self.warned.swap(true, Ordering::SeqCst) => Some(format!(
                "mantile-lsp: {}; the Hub cross-checks are skipped (settings: mantile.hub.offline, mantile.hub.endpoint)",
                p.message(repo)
            )),
            _ => None,
        }
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

impl super::session::Session {
    /// Starts the task that fetches the Hub metadata checks ask for; each
    /// answer is recorded in every folder's analysis, which rechecks the
    /// configs naming that model.
    pub fn start_hub(self: &Arc<Self>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, u64)>();
        self.hub.set_request(tx);
        let s = self.clone();
        tokio::spawn(async move {
            while let Some((repo, epoch)) = rx.recv().await {
                let Some(client) = s.hub.client() else {
                    continue;
                };
                let s = s.clone();
                tokio::spawn(async move {
                    let outcome = client.facts(&repo).await;
                    if !s.hub.is_current(epoch) {
                        return; // asked with settings that changed since
                    }
                    let status = HubStatusParams {
                        mode: mode(&outcome),
                        repo: repo.clone(),
                    };
                    let note = s.hub.finish(&repo, &outcome);
                    s.client.send_notification::<HubStatus>(status).await;
                    if let Some(note) = note {
                        s.log_message(super::lsp::MessageType::Warning, note).await;
                    }
                    // A problem of the whole Hub changes no diagnostic: it is logged once.
                    if outcome.as_ref().err().is_some_and(is_global) || !s.is_live() {
                        return;
                    }
                    let outcome = Arc::new(outcome);
                    for f in s.folders() {
                        let (affected, generation) = f.write(|h| {
                            // Checked under the host's lock: settings that
                            // change now clear the host after this.
                            if s.hub.is_current(epoch) {
                                h.set_hub_outcome(&repo, outcome.clone())
                            } else {
                                Default::default()
                            }
                        });
                        s.schedule(&f, affected, generation, std::time::Duration::ZERO, None);
                    }
                });
            }
        });
    }
}
