//! A checkpoint's tensor inventory from its safetensors headers, with HTTP
//! range requests and never a weight: the shards are found through
//! `model.safetensors.index.json` (or the single `model.safetensors`), and
//! read [`CONCURRENT_SHARDS`] at a time. Each shard costs one request when
//! its header fits the first read (sized from the tensors the index puts in
//! it), two otherwise. Any problem names the shard.

use crate::http::{self, Http};
use crate::{HubProblem, MAX_INDEX_BYTES, MAX_SHARDS, malformed};
use mantile_tensors::{Entry, Inventory, header_length, parse_header};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Shards whose headers are read at once.
pub const CONCURRENT_SHARDS: usize = 8;

/// A shard's file name from the index: a plain name (no folder, no `..`)
/// ending in `.safetensors`, since it becomes part of a URL.
pub fn shard_name(s: &str) -> Option<&str> {
    (crate::store::cache_name(s) == Some(s) && s.ends_with(".safetensors")).then_some(s)
}

fn in_shard(shard: &str, p: HubProblem) -> HubProblem {
    HubProblem::InShard {
        shard: shard.to_string(),
        inner: Box::new(p),
    }
}

/// The shards and, per shard, the names of its tensors (when the index says).
async fn shards(
    http: &Http,
    repo: &str,
    revision: &str,
    siblings: &[&str],
) -> Result<Option<Vec<(String, usize)>>, HubProblem> {
    let index = "model.safetensors.index.json";
    if siblings.contains(&index) {
        let url = http.url(&[repo, "resolve", revision, index]);
        let a = http.get(url, None, MAX_INDEX_BYTES).await?;
        if a.status >= 400 {
            return Err(in_shard(index, http::status_problem(&a)));
        }
        let v: Value = serde_json::from_slice(&a.body)
            .map_err(|_| malformed(format!("{index} is not JSON")))?;
        let map = v["weight_map"]
            .as_object()
            .ok_or_else(|| malformed(format!("{index} has no weight_map")))?;
        let mut per: BTreeMap<String, usize> = BTreeMap::new();
        for (tensor, shard) in map {
            let name = shard.as_str().and_then(shard_name).ok_or_else(|| {
                malformed(format!(
                    "{index} names a shard that is not a plain .safetensors file name"
                ))
            })?;
            // Bytes a header spends on this tensor: its name and ~100 of JSON.
            *per.entry(name.to_string()).or_default() += tensor.len() + 100;
        }
        if per.len() > MAX_SHARDS {
            return Err(malformed(format!(
                "{index} names {} shards (at most {MAX_SHARDS} are read)",
                per.len()
            )));
        }
        return Ok(Some(per.into_iter().collect()));
    }
    if siblings.contains(&"model.safetensors") {
        return Ok(Some(vec![("model.safetensors".to_string(), 0)]));
    }
    Ok(None)
}

/// `bytes a-b/total` → total.
fn content_total(a: &http::Answer) -> Option<u64> {
    a.header("content-range")?
        .rsplit_once('/')?
        .1
        .trim()
        .parse()
        .ok()
}

/// One shard's header entries: a first read sized from the index's
/// estimate, and a second for the rest when the header is longer.
async fn read_shard(
    http: Arc<Http>,
    url: reqwest::Url,
    estimate: usize,
) -> Result<Vec<Entry>, HubProblem> {
    let first = ((estimate + estimate / 8 + 256).max(1024) as u64).min(1 << 20);
    let a = http
        .get(url.clone(), Some((0, first - 1)), first as usize)
        .await?;
    if a.status >= 400 {
        return Err(http::status_problem(&a));
    }
    let total = content_total(&a);
    let n = header_length(&a.body, total).map_err(|e| malformed(e.to_string()))?;
    let mut bytes = a.body;
    let need = 8 + n as usize;
    if bytes.len() < need {
        if a.status != 206 && (bytes.len() as u64) < first {
            // The whole file came back, and it is shorter than its header says.
            return Err(malformed(
                mantile_tensors::HeaderError::PastEnd {
                    declared: n,
                    file: bytes.len() as u64,
                }
                .to_string(),
            ));
        }
        let from = bytes.len() as u64;
        let b = http
            .get(url, Some((from, need as u64 - 1)), need - bytes.len())
            .await?;
        if b.status >= 400 {
            return Err(http::status_problem(&b));
        }
        bytes.extend_from_slice(&b.body);
        if bytes.len() < need {
            return Err(malformed(format!(
                "the file ends inside its {n}-byte header"
            )));
        }
    }
    let data = total.map(|t| t.saturating_sub(need as u64));
    parse_header(&bytes[8..need], data).map_err(|e| malformed(e.to_string()))
}

/// The inventory of `repo` at `revision`; `None` when the repository has no
/// safetensors weights.
pub async fn fetch(
    http: &Arc<Http>,
    repo: &str,
    revision: &str,
    siblings: &[&str],
) -> Result<Option<Inventory>, HubProblem> {
    let Some(list) = shards(http, repo, revision, siblings).await? else {
        return Ok(None);
    };
    let sem = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_SHARDS));
    let mut set = tokio::task::JoinSet::new();
    for (i, (shard, estimate)) in list.iter().enumerate() {
        let url = http.url(&[repo, "resolve", revision, shard]);
        let (http, sem) = (http.clone(), sem.clone());
        let estimate = if *estimate == 0 { 64 * 1024 } else { *estimate };
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            (i, read_shard(http, url, estimate).await)
        });
    }
    let mut results: Vec<Option<Vec<Entry>>> = vec![None; list.len()];
    while let Some(joined) = set.join_next().await {
        let Ok((i, r)) = joined else {
            return Err(malformed("a shard reader failed"));
        };
        match r {
            Ok(e) => results[i] = Some(e),
            Err(p) => {
                set.abort_all();
                return Err(in_shard(&list[i].0, p));
            }
        }
    }
    let mut inv = Inventory::default();
    for ((shard, _), entries) in list.iter().zip(results) {
        inv.add_shard(shard, entries.unwrap_or_default())
            .map_err(malformed)?;
    }
    inv.finish()
        .map_err(|what| HubProblem::Inconsistent { what })?;
    Ok(Some(inv))
}
