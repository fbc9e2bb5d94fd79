//! The Hugging Face Hub client of mantile-lsp.
//!
//! [`HubClient::facts`] returns a model's `config.json` and exact parameter
//! count as [`HubFacts`] (plain data the core checks), or a [`HubProblem`].
//! It honours `HF_ENDPOINT`, `HF_TOKEN` (else `$HF_HOME/token`), `HF_HOME`,
//! `HF_HUB_CACHE` and `HF_HUB_OFFLINE=1`; keeps a disk cache with an expiry and
//! falls back to an expired copy (saying so) when the Hub cannot be asked;
//! bounds concurrency and time; and never downloads weights: parameter counts
//! come from the model-info API or from safetensors headers read with HTTP
//! range requests. The token is sent as `Authorization: Bearer` and never
//! printed (the `Debug` of [`HubSettings`] redacts it).

use hf_hub::api::tokio::{Api, ApiBuilder, ApiError};
use hf_hub::{Cache, Repo};
pub use mantile_config::hub::{HubFacts, HubParameters, HubProblem, Provenance};
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

/// The cache entry we keep per model, beside the Hub cache.
fn entry_path(settings: &HubSettings, repo: &str) -> PathBuf {
    settings
        .hf_home
        .join("mantile-lsp")
        .join(format!("models--{}.json", repo.replace('/', "--")))
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
    let text = std::fs::read_to_string(entry_path(settings, repo)).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
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
    let path = entry_path(settings, &facts.repo_id);
    let v = json!({
        "repo": facts.repo_id,
        "fetched_at": now_secs(),
        "sha": facts.sha,
        "config": facts.config,
        "parameters": facts.parameters.as_ref().map(params_to_json),
    });
    if let Some(dir) = path.parent()
        && std::fs::create_dir_all(dir).is_ok()
    {
        let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, serde_json::to_vec_pretty(&v).unwrap_or_default()).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
}

/// `config.json` from Hugging Face's own cache layout, if some client put it there.
fn config_from_hf_cache(settings: &HubSettings, repo: &str) -> Option<(Value, u64)> {
    let path = Cache::new(settings.hub_cache.clone())
        .repo(Repo::model(repo.to_string()))
        .get("config.json")?;
    let text = std::fs::read_to_string(&path).ok()?;
    let age = std::fs::metadata(&path)
        .ok()?
        .modified()
        .ok()?
        .elapsed()
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Some((serde_json::from_str(&text).ok()?, age))
}

pub struct HubClient {
    settings: HubSettings,
    api: Option<Api>,
    permits: Arc<Semaphore>,
}

impl HubClient {
    pub fn new(settings: HubSettings) -> HubClient {
        let api = if settings.offline {
            None
        } else {
            ApiBuilder::from_cache(Cache::new(settings.hub_cache.clone()))
                .with_endpoint(settings.endpoint.clone())
                .with_token(settings.token.clone())
                .with_progress(false)
                .with_user_agent("mantile-lsp", env!("CARGO_PKG_VERSION"))
                .build()
                .ok()
        };
        let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        HubClient {
            settings,
            api,
            permits,
        }
    }

    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }

    /// A model's facts: fresh from the cache, else from the Hub, else an
    /// expired cached copy (saying why), else the problem.
    pub async fn facts(&self, repo: &str) -> Result<HubFacts, HubProblem> {
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
        let Some(api) = &self.api else {
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
        };
        let _permit = self.permits.acquire().await;
        let secs = self.settings.timeout.as_secs().max(1);
        let live =
            match tokio::time::timeout(self.settings.timeout, fetch(api, &self.settings, repo))
                .await
            {
                Ok(r) => r,
                Err(_) => Err(HubProblem::Timeout { secs }),
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

fn status_problem(status: u16, gated: bool) -> HubProblem {
    match status {
        401 | 403 => HubProblem::Unauthorized { status, gated },
        404 => HubProblem::NotFound,
        s => HubProblem::Server { status: s },
    }
}

fn reqwest_problem(e: &hf_hub::api::tokio::ApiError) -> HubProblem {
    match e {
        ApiError::RequestError(r) => {
            if let Some(s) = r.status() {
                status_problem(s.as_u16(), false)
            } else if r.is_timeout() {
                HubProblem::Timeout { secs: 0 }
            } else if r.is_connect() {
                HubProblem::Network {
                    message: "connection failed".into(),
                }
            } else if r.is_decode() || r.is_body() {
                HubProblem::Malformed {
                    what: "unreadable response body".into(),
                }
            } else {
                HubProblem::Network {
                    message: "request failed".into(),
                }
            }
        }
        ApiError::MissingHeader(h) => HubProblem::Malformed {
            what: format!("no {h} header"),
        },
        ApiError::InvalidHeader(h) => HubProblem::Malformed {
            what: format!("invalid {h} header"),
        },
        ApiError::IoError(_) => HubProblem::Network {
            message: "could not write the Hub cache".into(),
        },
        _ => HubProblem::Malformed {
            what: "unexpected response".into(),
        },
    }
}

async fn fetch(api: &Api, settings: &HubSettings, repo: &str) -> Result<HubFacts, HubProblem> {
    let model = api.model(repo.to_string());
    // Model info: sha, files, and (for safetensors models) exact counts per dtype.
    let resp = model
        .info_request()
        .send()
        .await
        .map_err(|e| reqwest_problem(&ApiError::RequestError(e)))?;
    let status = resp.status().as_u16();
    if status >= 400 {
        let gated = resp
            .headers()
            .get("x-error-code")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "GatedRepo");
        return Err(status_problem(status, gated));
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| reqwest_problem(&ApiError::RequestError(e)))?;
    let info: Value = serde_json::from_slice(&bytes).map_err(|_| HubProblem::Malformed {
        what: "model info is not JSON".into(),
    })?;
    if !info.is_object() {
        return Err(HubProblem::Malformed {
            what: "model info is not an object".into(),
        });
    }
    let sha = info["sha"].as_str().map(str::to_string);
    let siblings: Vec<String> = info["siblings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["rfilename"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();

    // config.json, through hf-hub (into the shared Hub cache layout).
    let path = model
        .download("config.json")
        .await
        .map_err(|e| reqwest_problem(&e))?;
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|_| HubProblem::Malformed {
            what: "config.json is not UTF-8".into(),
        })?;
    let config: Value = serde_json::from_str(&text).map_err(|_| HubProblem::Malformed {
        what: "config.json is not JSON".into(),
    })?;
    if !config.is_object() {
        return Err(HubProblem::Malformed {
            what: "config.json is not an object".into(),
        });
    }

    let parameters = match parameters_from_info(&info["safetensors"]) {
        Some(p) => Some(p),
        None => parameters_from_headers(api, settings, repo, &siblings).await?,
    };
    Ok(HubFacts {
        repo_id: repo.to_string(),
        sha,
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

/// Largest safetensors header we accept (real ones are well under 10 MB).
const MAX_HEADER: u64 = 64 * 1024 * 1024;

/// Counts parameters from safetensors headers: for each shard, two range
/// requests (the 8-byte header length, then the JSON header). No weights.
async fn parameters_from_headers(
    api: &Api,
    settings: &HubSettings,
    repo: &str,
    siblings: &[String],
) -> Result<Option<HubParameters>, HubProblem> {
    let model = api.model(repo.to_string());
    let shards: Vec<String> = if siblings.iter().any(|s| s == "model.safetensors.index.json") {
        let path = model
            .download("model.safetensors.index.json")
            .await
            .map_err(|e| reqwest_problem(&e))?;
        let text = tokio::fs::read_to_string(&path).await.unwrap_or_default();
        let index: Value = serde_json::from_str(&text).map_err(|_| HubProblem::Malformed {
            what: "model.safetensors.index.json is not JSON".into(),
        })?;
        let mut shards: Vec<String> = index["weight_map"]
            .as_object()
            .map(|m| {
                m.values()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        shards.sort();
        shards.dedup();
        shards
    } else if siblings.iter().any(|s| s == "model.safetensors") {
        vec!["model.safetensors".to_string()]
    } else {
        return Ok(None);
    };
    let mut by_dtype: std::collections::BTreeMap<String, u128> = Default::default();
    for shard in shards {
        let url = format!("{}/{repo}/resolve/main/{shard}", settings.endpoint);
        let len_bytes = range(api, &url, 0, 7).await?;
        let n = u64::from_le_bytes(
            len_bytes
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| HubProblem::Malformed {
                    what: format!("{shard} is shorter than a safetensors header"),
                })?,
        );
        if n == 0 || n > MAX_HEADER {
            return Err(HubProblem::Malformed {
                what: format!("{shard} declares a {n}-byte header"),
            });
        }
        let header = range(api, &url, 8, 8 + n - 1).await?;
        let v: Value = serde_json::from_slice(&header).map_err(|_| HubProblem::Malformed {
            what: format!("{shard} header is not JSON"),
        })?;
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
                        .product::<u128>()
                })
                .unwrap_or(0);
            *by_dtype.entry(dtype).or_default() += count;
        }
    }
    let total = by_dtype.values().sum();
    Ok(Some(HubParameters {
        by_dtype: by_dtype.into_iter().collect(),
        total,
        source: "safetensors headers",
    }))
}

async fn range(api: &Api, url: &str, a: u64, b: u64) -> Result<Vec<u8>, HubProblem> {
    let resp = api
        .client()
        .get(url)
        .header("Range", format!("bytes={a}-{b}"))
        .send()
        .await
        .map_err(|e| reqwest_problem(&ApiError::RequestError(e)))?;
    let status = resp.status().as_u16();
    if status >= 400 {
        return Err(status_problem(status, false));
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| reqwest_problem(&ApiError::RequestError(e)))?;
    // A server that ignores Range sends the whole file: keep only what was asked.
    let want = (b - a + 1) as usize;
    Ok(if status == 206 {
        bytes.to_vec()
    } else {
        bytes.iter().skip(a as usize).take(want).copied().collect()
    })
}

/// The folder of a repo in Hugging Face's cache layout.
pub fn hf_cache_dir(settings: &HubSettings, repo: &str) -> PathBuf {
    settings
        .hub_cache
        .join(format!("models--{}", repo.replace('/', "--")))
}

/// The client's futures must be `Send`, so the language server can spawn them.
#[allow(dead_code)]
fn assert_send(
    c: &HubClient,
) -> impl std::future::Future<Output = Result<HubFacts, HubProblem>> + Send + '_ {
    c.facts("x/y")
}
