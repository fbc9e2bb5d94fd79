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
pub mod store;

use http::Http;
pub use mantile_config::hub::{HubFacts, HubParameters, HubProblem, Provenance, validate_repo_id};
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
    });
    let Ok(bytes) = serde_json::to_vec_pretty(&v) else {
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
    http: Result<Http, HubProblem>,
    permits: Arc<Semaphore>,
}

impl HubClient {
    pub fn new(settings: HubSettings) -> HubClient {
        let http = Http::new(&settings.endpoint, settings.token.clone());
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
            if age < max_age {
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
        let live =
            match tokio::time::timeout(self.settings.timeout, fetch(http, &self.settings, repo))
                .await
            {
                Ok(Err(HubProblem::Timeout { .. })) | Err(_) => Err(HubProblem::Timeout { secs }),
                Ok(r) => r,
            };
        match live {
            Ok(facts) => {
                write_entry(&self.settings, &facts);
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

async fn fetch(http: &Http, settings: &HubSettings, repo: &str) -> Result<HubFacts, HubProblem> {
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
    let siblings: Vec<&str> = info["siblings"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["rfilename"].as_str()).collect())
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

    let parameters = match parameters_from_info(&info["safetensors"]) {
        Some(p) => Some(p),
        None => parameters_from_headers(http, repo, revision, &siblings).await?,
    };
    Ok(HubFacts {
        repo_id: repo.to_string(),
        sha: sha.map(str::to_string),
        config,
        parameters,
        provenance: Provenance::Live,
    })
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

/// A shard's file name from the index: a plain name (no folder, no `..`)
/// ending in `.safetensors`, since it becomes part of a URL.
fn shard_name(s: &str) -> Option<&str> {
    (store::cache_name(s) == Some(s) && s.ends_with(".safetensors")).then_some(s)
}

/// Counts parameters from safetensors headers: for each shard, two range
/// requests (the 8-byte header length, then the JSON header). No weights.
async fn parameters_from_headers(
    http: &Http,
    repo: &str,
    revision: &str,
    siblings: &[&str],
) -> Result<Option<HubParameters>, HubProblem> {
    let shards: Vec<String> = if siblings.contains(&"model.safetensors.index.json") {
        let url = http.url(&[repo, "resolve", revision, "model.safetensors.index.json"]);
        let a = http.get(url, None, MAX_INDEX_BYTES).await?;
        if a.status >= 400 {
            return Err(http::status_problem(&a));
        }
        let index: Value = serde_json::from_slice(&a.body)
            .map_err(|_| malformed("model.safetensors.index.json is not JSON"))?;
        let mut shards = Vec::new();
        for v in index["weight_map"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, v)| v)
        {
            let name = v.as_str().and_then(shard_name).ok_or_else(|| {
                malformed("model.safetensors.index.json names a shard that is not a plain .safetensors file name")
            })?;
            shards.push(name.to_string());
        }
        shards.sort();
        shards.dedup();
        if shards.len() > MAX_SHARDS {
            return Err(malformed(format!(
                "model.safetensors.index.json names {} shards (at most {MAX_SHARDS} are read)",
                shards.len()
            )));
        }
        shards
    } else if siblings.contains(&"model.safetensors") {
        vec!["model.safetensors".to_string()]
    } else {
        return Ok(None);
    };
    let mut by_dtype: std::collections::BTreeMap<String, u128> = Default::default();
    for shard in shards {
        let url = http.url(&[repo, "resolve", revision, &shard]);
        let len = range(http, url.clone(), 0, 8).await?;
        let n = u64::from_le_bytes(
            len.get(..8)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    malformed(format!("{shard} is shorter than a safetensors header"))
                })?,
        );
        if n == 0 || n > MAX_HEADER_BYTES {
            return Err(malformed(format!("{shard} declares a {n}-byte header")));
        }
        let header = range(http, url, 8, n).await?;
        if header.len() as u64 != n {
            return Err(malformed(format!("{shard} ends inside its header")));
        }
        let v: Value = serde_json::from_slice(&header)
            .map_err(|_| malformed(format!("{shard} header is not JSON")))?;
        for (name, t) in v.as_object().into_iter().flatten() {
            if name == "__metadata__" {
                continue;
            }
            let dtype = t["dtype"].as_str().unwrap_or("?").to_string();
            let count = t["shape"]
                .as_array()
                .map(|s| {
                    s.iter()
                        .map(|d| u128::from(d.as_u64().unwrap_or(0)))
                        .fold(1u128, u128::saturating_mul)
                })
                .unwrap_or(0);
            let e = by_dtype.entry(dtype).or_default();
            *e = e.saturating_add(count);
        }
    }
    let total = by_dtype.values().fold(0u128, |a, b| a.saturating_add(*b));
    Ok(Some(HubParameters {
        by_dtype: by_dtype.into_iter().collect(),
        total,
        source: "safetensors headers",
    }))
}

/// `len` bytes from `start`, with one range request (never more than asked).
async fn range(
    http: &Http,
    url: reqwest::Url,
    start: u64,
    len: u64,
) -> Result<Vec<u8>, HubProblem> {
    let a = http
        .get(url, Some((start, start + len - 1)), len as usize)
        .await?;
    if a.status >= 400 {
        return Err(http::status_problem(&a));
    }
    Ok(a.body)
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
