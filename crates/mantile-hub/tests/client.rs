//! The client against the mock Hub on 127.0.0.1: online, cached, offline,
//! errors, timeouts, and parameter counts from safetensors headers.

use mantile_hub::{HubClient, HubProblem, HubSettings, Provenance, hf_cache_dir};
use mantile_hub_mock::{Behaviour, MockHub, MockModel};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

const LLAMA: &str = "meta-llama/Llama-3.3-70B-Instruct";

fn home(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("hub-client")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn settings(hub: &MockHub, home: &Path) -> HubSettings {
    let url = hub.url.clone();
    let home = home.to_string_lossy().into_owned();
    let mut s = HubSettings::from_vars(|k| match k {
        "HF_ENDPOINT" => Some(url.clone()),
        "HF_HOME" => Some(home.clone()),
        "HF_TOKEN" => Some("hf_secret_test_token".into()),
        _ => None,
    });
    s.timeout = Duration::from_millis(1500);
    s
}

#[tokio::test]
async fn online_facts_are_cached_in_both_layouts_and_the_token_is_sent() {
    let hub = MockHub::start(vec![MockModel::fixture(
        "meta-llama--Llama-3.3-70B-Instruct",
    )])
    .await;
    let home = home("online");
    let s = settings(&hub, &home);
    let client = HubClient::new(s.clone());
    let f = client.facts(LLAMA).await.unwrap();
    assert_eq!(f.provenance, Provenance::Live);
    assert_eq!(f.config["hidden_size"], 8192);
    let p = f.parameters.unwrap();
    assert_eq!((p.total, p.source), (70_553_706_496, "model info"));
    assert_eq!(p.by_dtype, [("BF16".to_string(), 70_553_706_496)]);
    // config.json lands in Hugging Face's own cache layout.
    let sha = f.sha.unwrap();
    let snap = hf_cache_dir(&s, LLAMA)
        .join("snapshots")
        .join(&sha)
        .join("config.json");
    assert!(snap.exists(), "{} missing", snap.display());
    assert_eq!(
        std::fs::read_to_string(hf_cache_dir(&s, LLAMA).join("refs/main"))
            .unwrap()
            .trim(),
        sha
    );
    // Every request carried the token as a bearer token.
    let reqs = hub.requests();
    assert!(!reqs.is_empty());
    assert!(
        reqs.iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer hf_secret_test_token")),
        "{reqs:?}"
    );
    assert!(
        reqs.iter()
            .any(|r| r.path == "/api/models/meta-llama/Llama-3.3-70B-Instruct/revision/main"),
        "{reqs:?}"
    );
    // A second call within the expiry is served from our cache, without a request.
    let n = hub.requests().len();
    let again = client.facts(LLAMA).await.unwrap();
    assert_eq!(hub.requests().len(), n);
    assert!(matches!(
        again.provenance,
        Provenance::Cached {
            expired: false,
            why: None,
            ..
        }
    ));
    assert_eq!(again.parameters.unwrap().total, 70_553_706_496);
}

#[tokio::test]
async fn offline_uses_the_cache_or_says_nothing_is_cached() {
    let hub = MockHub::start(vec![MockModel::fixture(
        "meta-llama--Llama-3.3-70B-Instruct",
    )])
    .await;
    let home = home("offline");
    let mut s = settings(&hub, &home);
    HubClient::new(s.clone()).facts(LLAMA).await.unwrap();
    let before = hub.requests().len();
    s.offline = true;
    s.max_age = Duration::ZERO; // expired, and offline: use it and say so
    let offline = HubClient::new(s.clone());
    let f = offline.facts(LLAMA).await.unwrap();
    assert!(
        matches!(&f.provenance, Provenance::Cached { why: Some(w), .. } if w == "offline"),
        "{:?}",
        f.provenance
    );
    assert_eq!(f.parameters.unwrap().total, 70_553_706_496);
    assert_eq!(
        offline.facts("nobody/nothing").await.unwrap_err(),
        HubProblem::OfflineNoCache
    );
    assert_eq!(
        hub.requests().len(),
        before,
        "offline must not touch the network"
    );
}

#[tokio::test]
async fn offline_falls_back_to_the_hugging_face_cache_layout() {
    // Another client (Python's huggingface_hub) left config.json in the Hub cache.
    let home = home("hf-layout");
    let repo_dir = home.join("hub/models--org--m");
    std::fs::create_dir_all(repo_dir.join("refs")).unwrap();
    std::fs::create_dir_all(repo_dir.join("snapshots/abc")).unwrap();
    std::fs::write(repo_dir.join("refs/main"), "abc").unwrap();
    std::fs::write(
        repo_dir.join("snapshots/abc/config.json"),
        r#"{"hidden_size": 64}"#,
    )
    .unwrap();
    let h = home.to_string_lossy().into_owned();
    let s = HubSettings::from_vars(|k| match k {
        "HF_HOME" => Some(h.clone()),
        "HF_HUB_OFFLINE" => Some("1".into()),
        _ => None,
    });
    assert!(s.offline);
    let f = HubClient::new(s).facts("org/m").await.unwrap();
    assert_eq!(f.config["hidden_size"], 64);
    assert!(f.parameters.is_none());
}

#[tokio::test]
async fn errors_become_problems() {
    let base = MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0");
    let mk = |repo: &str, b: Behaviour| {
        MockModel {
            repo: repo.into(),
            ..base.clone()
        }
        .with(b)
    };
    let hub = MockHub::start(vec![
        mk("org/gated", Behaviour::Status(401)),
        mk("org/forbidden", Behaviour::Status(403)),
        mk("org/broken", Behaviour::Status(503)),
        mk("org/slow", Behaviour::Stall(Duration::from_secs(5))),
        mk("org/garbled", Behaviour::Malformed),
    ])
    .await;
    let home = home("errors");
    let client = HubClient::new(settings(&hub, &home));
    assert_eq!(
        client.facts("org/gated").await.unwrap_err(),
        HubProblem::Unauthorized {
            status: 401,
            gated: true
        }
    );
    assert_eq!(
        client.facts("org/forbidden").await.unwrap_err(),
        HubProblem::Unauthorized {
            status: 403,
            gated: true
        }
    );
    assert_eq!(
        client.facts("org/missing").await.unwrap_err(),
        HubProblem::NotFound
    );
    assert_eq!(
        client.facts("org/broken").await.unwrap_err(),
        HubProblem::Server { status: 503 }
    );
    assert_eq!(
        client.facts("org/slow").await.unwrap_err(),
        HubProblem::Timeout { secs: 1 }
    );
    assert_eq!(
        client.facts("org/garbled").await.unwrap_err(),
        HubProblem::Malformed {
            what: "model info is not JSON".into()
        }
    );
    // No message carries the token.
    for p in [
        HubProblem::Unauthorized {
            status: 401,
            gated: true,
        },
        HubProblem::NotFound,
    ] {
        assert!(!p.message("org/gated").contains("hf_secret_test_token"));
    }
    assert!(!format!("{:?}", client.settings()).contains("hf_secret_test_token"));
}

#[tokio::test]
async fn a_failing_hub_falls_back_to_an_expired_copy_and_says_why() {
    let good = MockModel::fixture("mistralai--Mistral-7B-v0.1");
    let home = home("stale");
    {
        let hub = MockHub::start(vec![good.clone()]).await;
        HubClient::new(settings(&hub, &home))
            .facts("mistralai/Mistral-7B-v0.1")
            .await
            .unwrap();
    }
    let hub = MockHub::start(vec![good.with(Behaviour::Status(500))]).await;
    let mut s = settings(&hub, &home);
    s.max_age = Duration::ZERO;
    let f = HubClient::new(s)
        .facts("mistralai/Mistral-7B-v0.1")
        .await
        .unwrap();
    match &f.provenance {
        Provenance::Cached {
            expired,
            why: Some(why),
            ..
        } => {
            assert!(*expired);
            assert!(why.contains("answered 500"), "{why}");
        }
        p => panic!("{p:?}"),
    }
    assert_eq!(f.config["sliding_window"], 4096);
}

#[tokio::test]
async fn parameters_from_safetensors_headers_with_range_requests() {
    let mut m = MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0");
    m.repo = "org/sharded".into();
    m.parameters = None;
    m.safetensors = vec![
        (
            "model-00001-of-00002.safetensors".into(),
            json!({"__metadata__": {"format": "pt"},
                   "model.embed_tokens.weight": {"dtype": "BF16", "shape": [32000, 2048], "data_offsets": [0, 131_072_000]},
                   "model.norm.weight": {"dtype": "F32", "shape": [2048], "data_offsets": [131_072_000, 131_080_192]}}),
        ),
        (
            "model-00002-of-00002.safetensors".into(),
            json!({"lm_head.weight": {"dtype": "BF16", "shape": [32000, 2048], "data_offsets": [0, 131_072_000]}}),
        ),
    ];
    let hub = MockHub::start(vec![m]).await;
    let home = home("headers");
    let f = HubClient::new(settings(&hub, &home))
        .facts("org/sharded")
        .await
        .unwrap();
    let inv = f.tensors.as_ref().unwrap();
    assert_eq!(inv.tensors.len(), 3);
    assert_eq!(inv.get("model.norm.weight").unwrap().shape, [2048]);
    let p = f.parameters.unwrap();
    assert_eq!(p.source, "safetensors headers");
    assert_eq!(
        p.by_dtype,
        [
            ("BF16".to_string(), 2 * 32000 * 2048),
            ("F32".to_string(), 2048)
        ]
    );
    assert_eq!(p.total, 2 * 32000 * 2048 + 2048);
    let shard_reqs: Vec<_> = hub
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with(".safetensors"))
        .collect();
    // One range request per shard: the first read, sized from the index,
    // holds the whole header.
    assert_eq!(
        shard_reqs.len(),
        2,
        "one range request per shard: {shard_reqs:?}"
    );
    assert!(
        shard_reqs.iter().all(|r| r.range.is_some()),
        "never a whole shard: {shard_reqs:?}"
    );
}

#[test]
fn settings_from_the_environment() {
    let home = home("env");
    std::fs::write(home.join("token"), "hf_from_file\n").unwrap();
    let h = home.to_string_lossy().into_owned();
    let s = HubSettings::from_vars(|k| match k {
        "HF_HOME" => Some(h.clone()),
        "HF_ENDPOINT" => Some("http://127.0.0.1:9/".into()),
        "HF_HUB_CACHE" => Some("/tmp/elsewhere".into()),
        _ => None,
    });
    assert_eq!(s.endpoint, "http://127.0.0.1:9");
    assert_eq!(s.token.as_deref(), Some("hf_from_file"));
    assert_eq!(s.hub_cache, PathBuf::from("/tmp/elsewhere"));
    assert!(!s.offline);
    let d = HubSettings::from_vars(|k| (k == "HOME").then(|| "/home/u".to_string()));
    assert_eq!(d.endpoint, "https://huggingface.co");
    assert_eq!(d.hub_cache, PathBuf::from("/home/u/.cache/huggingface/hub"));
    assert_eq!(d.token, None);
}
