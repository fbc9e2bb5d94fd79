//! The Hugging Face Hub client of mantile-lsp.
//!
//! [`HubClient::facts`] returns a model's `config.json` and exact parameter
//! count as [`HubFacts`] (plain data the core checks), or a [`HubProblem`].
//! It honours `HF_ENDPOINT`, `HF_TOKEN` (else `$HF_HOME/token`), `HF_HOME`,
//! `HF_HUB_CACHE` and `HF_HUB_OFFLINE=1`; keeps a disk cache with an expiry and
//! falls back to an expired copy (saying so) when the Hub cannot be asked;
//! bounds concurrency and time; and never downloads weights: parameter counts
//! come from the model-info API or from safetensors headers read with HTTP
//! range requests. The token is sent as `Authorization: Bearer` to the
//! endpoint's origin only, and never printed (the `Debug` of [`HubSettings`]
//! redacts it).
//!
//! The requests are made here, with reqwest, rather than through hf-hub:
//! hf-hub 0.4.3 (the last release without the Xet storage stack) names cache
//! files after the `ETag` and `X-Repo-Commit` headers unchecked, so a
//! server could make it write anywhere; it buffers bodies whole, trusts
//! `Content-Range` to size a download, and lets reqwest keep the token on a
//! redirect to another scheme. [`http`] and [`store`] are the few requests
//! and files we need, with those holes closed.

pub mod http;
pub mod inventory;
pub mod store;

use http::Http;
pub use mantile_config::hub::{HubFacts, HubParameters, HubProblem, Provenance, validate_repo_id};
pub use mantile_tensors::Inventory;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Semaphore;

pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// Where and how to reach the Hub.
#[derive(Clone)]
pub struct HubSettings {
    pub endpoint: String,
    pub token: Option<String>,
    /// `HF_HOME` (default `~/.cache/huggingface`).
    pub hf_home: PathBuf,
    /// The Hub cache (`HF_HUB_CACHE`, default `$HF_HOME/hub`), shared with
    /// Hugging Face's own clients.
    pub hub_cache: PathBuf,
    pub offline: bool,
    /// Time allowed for one model's metadata.
    pub timeout: Duration,
    /// How long cached metadata counts as fresh.
    pub max_age: Duration,
    /// Requests under way at once.
    pub concurrency: usize,
    /// Also read the checkpoint's tensor inventory (safetensors headers).
    pub tensors: bool,
}

impl std::fmt::Debug for HubSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSettings")
            .field("endpoint", &self.endpoint)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("hf_home", &self.hf_home)
            .field("hub_cache", &self.hub_cache)
            .field("offline", &self.offline)
            .field("timeout", &self.timeout)
            .field("max_age", &self.max_age)
            .field("tensors", &self.tensors)
            .finish()
    }
}

impl HubSettings {
    /// Settings from the process environment.
    pub fn from_env() -> HubSettings {
        HubSettings::from_vars(|k| std::env::var(k).ok())
    }

    /// Settings from an environment lookup (testable).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> HubSettings {
        let non_empty = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let hf_home = non_empty("HF_HOME").map(PathBuf::from).unwrap_or_else(|| {
            let home = non_empty("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."));
            non_empty("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".cache"))
                .join("huggingface")
        });
        let hub_cache = non_empty("HF_HUB_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| hf_home.join("hub"));
        let token = non_empty("HF_TOKEN").or_else(|| {
            std::fs::read_to_string(hf_home.join("token"))
                .ok()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
        });
        let offline = non_empty("HF_HUB_OFFLINE").is_some_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        });
        HubSettings {
            endpoint: non_empty("HF_ENDPOINT")
                .map(|e| e.trim_end_matches('/').to_string())
                .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()),
            token,
            hf_home,
            hub_cache,
            offline,
            timeout: Duration::from_secs(15),
            max_age: Duration::from_secs(7 * 24 * 3600),
            concurrency: 4,
            tensors: true,
        }
    }
}

/// Caps on what one answer may hold (bytes). Real answers stay far below:
/// model info is tens of KB, config.json a few KB, the largest
/// `model.safetensors.index.json` (DeepSeek-V3: ~91,000 tensors) ~9 MB, a
/// shard's safetensors header tens of KB.
pub const MAX_INFO_BYTES: usize = 8 << 20;
pub const MAX_CONFIG_BYTES: usize = 4 << 20;
pub const MAX_INDEX_BYTES: usize = 32 << 20;
pub const MAX_HEADER_BYTES: u64 = 16 << 20;
/// Shards of one model we read headers from.
pub const MAX_SHARDS: usize = 4096;
/// Our cache entry's size limit when read back.
const MAX_ENTRY_BYTES: u64 = 64 << 20;

/// Our metadata cache: `$HF_HOME/mantile-lsp`.
fn our_cache(settings: &HubSettings) -> PathBuf {
    settings.hf_home.join("mantile-lsp")
}

fn entry_name(repo: &str) -> String {
    format!("{}.json", store::repo_folder(repo))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn params_to_json(p: &HubParameters) -> Value {
    json!({
        "by_dtype": p.by_dtype.iter().map(|(d, n)| json!([d, n.to_string()])).collect::<Vec<_>>(),
        "total": p.total.to_string(),
        "source": p.source,
    })
}

fn params_from_json(v: &Value) -> Option<HubParameters> {
    let by_dtype = v["by_dtype"]
        .as_array()?
        .iter()
        .map(|e| Some((e[0].as_str()?.to_string(), e[1].as_str()?.parse().ok()?)))
        .collect::<Option<Vec<_>>>()?;
    Some(HubParameters {
        by_dtype,
        total: v["total"].as_str()?.parse().ok()?,
        source: if v["source"] == "safetensors headers" {
            "safetensors headers"
        } else {
            "model info"
        },
    })
}

/// A cached entry: the facts and when they were fetched.
struct Entry {
    facts: HubFacts,
    fetched_at: u64,
}

fn read_entry(settings: &HubSettings, repo: &str) -> Option<Entry> {
    let dir = store::Confined::existing(&our_cache(settings))?;
    let (bytes, _) = dir.read(&[&entry_name(repo)], MAX_ENTRY_BYTES)?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    if v["repo"] != repo || !v["config"].is_object() {
        return None;
    }
    Some(Entry {
        fetched_at: v["fetched_at"].as_u64()?,
        facts: HubFacts {
            repo_id: repo.to_string(),
            sha: v["sha"].as_str().map(str::to_string),
            config: v["config"].clone(),
            parameters: params_from_json(&v["parameters"]),
            provenance: Provenance::Live,
            tensors: v
                .get("tensors")
                .and_then(Inventory::from_json)
                .map(Arc::new),
            tensors_problem: None,
        },
    })
}

fn write_entry(settings: &HubSettings, facts: &HubFacts) {
    let v = json!({
        "repo": facts.repo_id,
        "fetched_at": now_secs(),
        "sha": facts.sha,
        "config": facts.config,
        "parameters": facts.parameters.as_ref().map(params_to_json),
        "tensors": facts.tensors.as_ref().map(|t| t.to_json()),
    });
    let Ok(bytes) = serde_json::to_vec(&v) else {
        return;
    };
    if let Ok(c) = store::Confined::new(&our_cache(settings))
        && let Ok(dir) = c.dir(&[])
    {
        let _ = c.write(&dir, &entry_name(&facts.repo_id), &bytes);
    }
}

/// `config.json` from Hugging Face's own cache layout, if some client put it there.
fn config_from_hf_cache(settings: &HubSettings, repo: &str) -> Option<(Value, u64)> {
    let (bytes, age) = store::get_from_hf_cache(
        &settings.hub_cache,
        repo,
        "config.json",
        MAX_CONFIG_BYTES as u64,
    )?;
    Some((serde_json::from_slice(&bytes).ok()?, age))
}

pub struct HubClient {
    settings: HubSettings,
    http: Result<Arc<Http>, HubProblem>,
    permits: Arc<Semaphore>,
}

impl HubClient {
    pub fn new(settings: HubSettings) -> HubClient {
        let http = Http::new(&settings.endpoint, settings.token.clone()).map(Arc::new);
        let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        HubClient {
            settings,
            http,
            permits,
        }
    }

    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }

    /// Requests sent and body bytes received so far.
    pub fn stats(&self) -> http::Stats {
        self.http.as_ref().map(|h| h.stats()).unwrap_or_default()
    }

    /// A model's facts: fresh from the cache, else from the Hub, else an
    /// expired cached copy (saying why), else the problem. An id that is not
    /// `org/name` in the Hub's alphabet is refused before any file or
    /// request is made from it.
    pub async fn facts(&self, repo: &str) -> Result<HubFacts, HubProblem> {
        validate_repo_id(repo).map_err(|reason| HubProblem::InvalidId { reason })?;
        let cached = read_entry(&self.settings, repo);
        let max_age = self.settings.max_age.as_secs();
        if let Some(e) = &cached {
            let age = now_secs().saturating_sub(e.fetched_at);
            let complete =
                !self.settings.tensors || e.facts.tensors.is_some() || e.facts.parameters.is_none();
            if age < max_age && complete {
                return Ok(HubFacts {
                    provenance: Provenance::Cached {
                        age_secs: age,
                        expired: false,
                        why: None,
                    },
                    ..e.facts.clone()
                });
            }
        }
        let stale = |why: String, cached: Option<Entry>| -> Option<HubFacts> {
            let e = cached?;
            let age = now_secs().saturating_sub(e.fetched_at);
            Some(HubFacts {
                provenance: Provenance::Cached {
                    age_secs: age,
                    expired: age >= max_age,
                    why: Some(why),
                },
                ..e.facts
            })
        };
        if self.settings.offline {
            if let Some(f) = stale("offline".into(), cached) {
                return Ok(f);
            }
            if let Some((config, age)) = config_from_hf_cache(&self.settings, repo) {
                return Ok(HubFacts {
                    repo_id: repo.to_string(),
                    sha: None,
                    config,
                    parameters: None,
                    provenance: Provenance::Cached {
                        age_secs: age,
                        expired: age >= max_age,
                        why: Some("offline".into()),
                    },
                    tensors: None,
                    tensors_problem: None,
                });
            }
            return Err(HubProblem::OfflineNoCache);
        }
        let http = match &self.http {
            Ok(h) => h,
            Err(p) => {
                return match stale(p.message(repo), cached) {
                    Some(f) => Ok(f),
                    None => Err(p.clone()),
                };
            }
        };
        let _permit = self.permits.acquire().await;
        let secs = self.settings.timeout.as_secs().max(1);
        let mut live =
            match tokio::time::timeout(self.settings.timeout, fetch(http, &self.settings, repo))
                .await
            {
                Ok(Err(HubProblem::Timeout { .. })) | Err(_) => Err(HubProblem::Timeout { secs }),
                Ok(r) => r,
            };
        // The tensor inventory, with a budget of its own (a model of 163
        // shards takes longer than its config.json).
        if let Ok((facts, siblings)) = &mut live
            && (self.settings.tensors || facts.parameters.is_none())
        {
            let budget = self.settings.timeout * 4;
            let revision = facts.sha.clone().unwrap_or_else(|| "main".into());
            let siblings: Vec<&str> = siblings.iter().map(String::as_str).collect();
            let got = match tokio::time::timeout(
                budget,
                inventory::fetch(http, repo, &revision, &siblings),
            )
            .await
            {
                Ok(Err(HubProblem::Timeout { .. })) | Err(_) => Err(HubProblem::Timeout {
                    secs: budget.as_secs().max(1),
                }),
                Ok(r) => r,
            };
            match got {
                Ok(Some(inv)) => {
                    if facts.parameters.is_none() {
                        facts.parameters = Some(parameters_from_inventory(&inv));
                    }
                    facts.tensors = Some(Arc::new(inv));
                }
                Ok(None) => {}
                // Without the model info's count, the headers were the only
                // source of it: their problem is the model's.
                Err(p) if facts.parameters.is_none() => live = Err(p),
                Err(p) => facts.tensors_problem = Some(p),
            }
        }
        let live = live.map(|(f, _)| f);
        match live {
            Ok(facts) => {
                if facts.tensors_problem.is_none() {
                    write_entry(&self.settings, &facts);
                }
                Ok(facts)
            }
            Err(HubProblem::NotFound) => Err(HubProblem::NotFound),
            Err(p) => match stale(p.message(repo), cached) {
                Some(f) => Ok(f),
                None => Err(p),
            },
        }
    }
}

fn malformed(what: impl Into<String>) -> HubProblem {
    HubProblem::Malformed { what: what.into() }
}

/// Model info and config.json (into the Hugging Face cache); with the
/// repository's file list.
async fn fetch(
    http: &Http,
    settings: &HubSettings,
    repo: &str,
) -> Result<(HubFacts, Vec<String>), HubProblem> {
    // Model info: sha, files, and (for safetensors models) exact counts per dtype.
    let url = http.url(&["api", "models", repo, "revision", "main"]);
    let a = http.get(url, None, MAX_INFO_BYTES).await?;
    if a.status >= 400 {
        return Err(http::status_problem(&a));
    }
    let info: Value =
        serde_json::from_slice(&a.body).map_err(|_| malformed("model info is not JSON"))?;
    if !info.is_object() {
        return Err(malformed("model info is not an object"));
    }
    let sha = info["sha"].as_str().and_then(store::commit_name);
    // Every file is read at the commit the model info names, so they agree.
    let revision = sha.unwrap_or("main");
    let _ = settings;
    let siblings: Vec<String> = info["siblings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["rfilename"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();

    let url = http.url(&[repo, "resolve", revision, "config.json"]);
    let a = http.get(url, None, MAX_CONFIG_BYTES).await?;
    if a.status >= 400 {
        return Err(http::status_problem(&a));
    }
    let config: Value = serde_json::from_slice(&a.body).map_err(|_| {
        malformed(if std::str::from_utf8(&a.body).is_err() {
            "config.json is not UTF-8"
        } else {
            "config.json is not JSON"
        })
    })?;
    if !config.is_object() {
        return Err(malformed("config.json is not an object"));
    }
    // Into Hugging Face's cache layout, named by the answer's headers, which
    // are checked first: a name that is not a plain name is a malformed
    // answer, and nothing is written.
    let plain = |h: &str| -> Result<Option<&str>, HubProblem> {
        match a.headers.get(h) {
            None => Ok(None),
            Some(v) => v
                .to_str()
                .ok()
                .and_then(store::cache_name)
                .map(Some)
                .ok_or_else(|| malformed(format!("an {h} header that is not a plain name"))),
        }
    };
    let commit = plain("x-repo-commit")?.or(sha);
    let etag = match plain("x-linked-etag")? {
        Some(e) => Some(e),
        None => plain("etag")?,
    };
    if let (Some(commit), Some(etag)) = (commit, etag) {
        // A cache that cannot be written is no reason to fail the check.
        let _ = store::put_in_hf_cache(
            &settings.hub_cache,
            repo,
            commit,
            etag,
            "config.json",
            &a.body,
        );
    }

    Ok((
        HubFacts {
            repo_id: repo.to_string(),
            sha: sha.map(str::to_string),
            config,
            parameters: parameters_from_info(&info["safetensors"]),
            provenance: Provenance::Live,
            tensors: None,
            tensors_problem: None,
        },
        siblings,
    ))
}

/// Exact counts per dtype from the inventory (elements, as the Hub counts them).
fn parameters_from_inventory(inv: &Inventory) -> HubParameters {
    let t = inv.totals();
    HubParameters {
        by_dtype: t
            .elements
            .iter()
            .map(|(d, n)| (d.name().to_string(), *n))
            .collect(),
        total: t.total_elements,
        source: "safetensors headers",
    }
}

fn parameters_from_info(v: &Value) -> Option<HubParameters> {
    let params = v.get("parameters")?.as_object()?;
    let mut by_dtype: Vec<(String, u128)> = params
        .iter()
        .filter_map(|(k, n)| Some((k.clone(), u128::from(n.as_u64()?))))
        .collect();
    by_dtype.sort();
    let total = v
        .get("total")
        .and_then(Value::as_u64)
        .map(u128::from)
        .unwrap_or_else(|| by_dtype.iter().map(|(_, n)| n).sum());
    Some(HubParameters {
        by_dtype,
        total,
        source: "model info",
    })
}

/// The folder of a repo in Hugging Face's cache layout.
pub fn hf_cache_dir(settings: &HubSettings, repo: &str) -> PathBuf {
    settings.hub_cache.join(store::repo_folder(repo))
}

/// The client's futures must be `Send`, so the language server can spawn them.
#[allow(dead_code)]
fn assert_send(
    c: &HubClient,
) -> impl std::future::Future<Output = Result<HubFacts, HubProblem>> + Send + '_ {
    c.facts("x/y")
}
