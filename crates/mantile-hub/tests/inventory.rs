//! Tensor inventories from the mock Hub: every family's fixture, a model of
//! 191 shards, bad headers, and the cache.

use mantile_hub::{HubClient, HubProblem, HubSettings, Provenance};
use mantile_hub_mock::{MockHub, MockModel, fixture_names};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn home(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("hub-inventory")
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
        _ => None,
    });
    s.timeout = Duration::from_secs(20);
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_s_inventory_adds_up_to_the_hub_s_count() {
    let models = MockModel::all_fixtures();
    let hub = MockHub::start(models.clone()).await;
    let home = home("all");
    let client = HubClient::new(settings(&hub, &home));
    for m in &models {
        let f = client.facts(&m.repo).await.unwrap();
        let inv = f
            .tensors
            .as_ref()
            .unwrap_or_else(|| panic!("{}: {:?}", m.repo, f.tensors_problem));
        let totals = inv.totals();
        assert_eq!(
            totals.total_elements,
            f.parameters.as_ref().unwrap().total,
            "{}",
            m.repo
        );
        assert_eq!(inv.shards.len(), m.safetensors.len(), "{}", m.repo);
    }
    assert_eq!(models.len(), fixture_names().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_of_191_shards_costs_one_request_per_shard_and_no_weights() {
    let m = MockModel::fixture("meta-llama--Llama-3.1-405B-Instruct");
    let hub = MockHub::start(vec![m]).await;
    let home = home("405b");
    let client = HubClient::new(settings(&hub, &home));
    let f = client
        .facts("meta-llama/Llama-3.1-405B-Instruct")
        .await
        .unwrap();
    let inv = f.tensors.unwrap();
    assert_eq!(inv.shards.len(), 191);
    assert_eq!(inv.tensors.len(), 126 * 9 + 3);
    let shard_requests: Vec<_> = hub
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with(".safetensors"))
        .collect();
    assert_eq!(shard_requests.len(), 191);
    assert!(shard_requests.iter().all(|r| r.range.is_some()));
    let stats = client.stats();
    // Model info, config.json, the index, 191 header reads.
    assert_eq!(stats.requests, 3 + 191);
    assert!(stats.bytes < 2 << 20, "{} bytes", stats.bytes);
    // A second client reads it all from the cache, offline.
    let mut s = settings(&hub, &home);
    s.offline = true;
    let cached = HubClient::new(s)
        .facts("meta-llama/Llama-3.1-405B-Instruct")
        .await
        .unwrap();
    assert!(matches!(cached.provenance, Provenance::Cached { .. }));
    assert_eq!(cached.tensors.unwrap().tensors.len(), 126 * 9 + 3);
}

fn with_raw_shard(repo: &str, bytes: Vec<u8>, claimed: u64) -> MockModel {
    let mut m = MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0");
    m.repo = repo.into();
    // Two shards: a good one, and the bad one.
    m.safetensors.truncate(1);
    m.safetensors[0].0 = "model-00001-of-00002.safetensors".into();
    m.raw_shards = vec![("model-00002-of-00002.safetensors".into(), bytes, claimed)];
    m
}

fn shard(header: &[u8]) -> Vec<u8> {
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(header);
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_headers_are_one_problem_naming_the_shard() {
    let mut past_end = 10_000u64.to_le_bytes().to_vec();
    past_end.extend_from_slice(&[b' '; 100]);
    let cases: Vec<(&str, Vec<u8>, u64, &str)> = vec![
        ("org/past-end", past_end, 108, "declares a 10000-byte header, past the end of the 108-byte file"),
        ("org/not-json", shard(b"{\"w\": {\"dtype\""), 23, "its header is not a JSON object"),
        (
            "org/dtype",
            shard(br#"{"w": {"dtype": "Q4_K", "shape": [1], "data_offsets": [0, 1]}}"#),
            1000,
            "tensor `w` has the unknown dtype `Q4_K`",
        ),
        (
            "org/overflow",
            shard(br#"{"w": {"dtype": "BF16", "shape": [4294967296, 4294967296, 16], "data_offsets": [0, 2]}}"#),
            1000,
            "tensor `w` has a shape whose product overflows",
        ),
    ];
    let models = cases
        .iter()
        .map(|(repo, b, len, _)| with_raw_shard(repo, b.clone(), *len))
        .collect();
    let hub = MockHub::start(models).await;
    let home = home("bad");
    let client = HubClient::new(settings(&hub, &home));
    for (repo, _, _, want) in cases {
        let f = client.facts(repo).await.unwrap();
        assert!(f.tensors.is_none(), "{repo}");
        let p = f.tensors_problem.unwrap();
        assert_eq!(
            p,
            HubProblem::InShard {
                shard: "model-00002-of-00002.safetensors".into(),
                inner: Box::new(HubProblem::Malformed { what: want.into() })
            },
            "{repo}"
        );
        assert!(
            p.message(repo)
                .ends_with("(reading model-00002-of-00002.safetensors)"),
            "{}",
            p.message(repo)
        );
    }
}
