//! The client against a hostile Hub (the mock's hostile mode): header values
//! that are paths, redirects to another origin, endless and oversized
//! bodies, a `Content-Range` claiming 1 TiB, and ids that are not `org/name`.
//! Each test failed with hf-hub 0.4.3 underneath (issue 12, items 1, 2, 5, 14).

use mantile_hub::{HubClient, HubProblem, HubSettings, MAX_CONFIG_BYTES, MAX_INFO_BYTES};
use mantile_hub_mock::{Behaviour, Hostile, MockHub, MockModel};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const REPO: &str = "TinyLlama/TinyLlama-1.1B-Chat-v1.0";
const TOKEN: &str = "hf_secret_test_token";

/// A scratch folder: `hf/` is HF_HOME; anything else in it is "outside".
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("hub-hostile")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn settings(hub: &MockHub, dir: &Path) -> HubSettings {
    let url = hub.url.clone();
    let home = dir.join("hf").to_string_lossy().into_owned();
    let mut s = HubSettings::from_vars(|k| match k {
        "HF_ENDPOINT" => Some(url.clone()),
        "HF_HOME" => Some(home.clone()),
        "HF_TOKEN" => Some(TOKEN.into()),
        _ => None,
    });
    s.timeout = Duration::from_secs(5);
    s
}

/// Every file (and symlink) under `dir`, without following symlinks.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

fn tiny() -> MockModel {
    MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0")
}

#[tokio::test]
async fn cache_names_from_headers_never_become_paths() {
    let dir = scratch("headers");
    let victim = dir.join("victim");
    let cases: Vec<(Option<String>, Option<String>)> = vec![
        (Some(format!("\"{}\"", victim.display())), None),
        (Some("\"../../../../victim\"".into()), None),
        (Some("\"a/b\"".into()), None),
        (Some("\"..\"".into()), None),
        (None, Some(victim.display().to_string())),
        (None, Some("../../../victim".into())),
        (None, Some("..".into())),
        (None, Some("a\\b".into())),
    ];
    for (etag, commit) in cases {
        let case = format!("{etag:?} {commit:?}");
        let hub = MockHub::start(vec![tiny().with(Behaviour::Hostile(Hostile::Headers {
            etag: etag.clone(),
            commit: commit.clone(),
        }))])
        .await;
        let _ = std::fs::remove_dir_all(dir.join("hf"));
        let r = HubClient::new(settings(&hub, &dir)).facts(REPO).await;
        assert!(!victim.exists(), "{case}: wrote {}", victim.display());
        assert_eq!(files_under(&dir), Vec::<PathBuf>::new(), "{case}");
        let p = r.unwrap_err();
        let HubProblem::Malformed { what } = &p else {
            panic!("{case}: {p:?}")
        };
        assert!(
            what.contains("header that is not a plain name"),
            "{case}: {what}"
        );
    }
}

#[tokio::test]
async fn the_token_never_follows_a_redirect_to_another_origin() {
    // `elsewhere` serves the model too; the Hub redirects everything there.
    let elsewhere = MockHub::start(vec![tiny()]).await;
    let hub = MockHub::start(vec![tiny().with(Behaviour::Hostile(Hostile::RedirectTo {
        base: elsewhere.url.clone(),
    }))])
    .await;
    let dir = scratch("redirect");
    let f = HubClient::new(settings(&hub, &dir))
        .facts(REPO)
        .await
        .unwrap();
    assert_eq!(f.config["hidden_size"], 2048);
    let there = elsewhere.requests();
    assert!(there.len() >= 2, "info and config.json: {there:?}");
    for r in &there {
        assert_eq!(r.authorization, None, "token sent to another origin: {r:?}");
        assert!(r.headers.iter().all(|(_, v)| !v.contains(TOKEN)), "{r:?}");
    }
    assert!(
        hub.requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))),
        "the endpoint itself gets the token"
    );
}

#[tokio::test]
async fn a_same_origin_redirect_keeps_the_token_and_shards_on_another_origin_get_none() {
    // A renamed repository (307 to a relative path) and shards stored on
    // another origin (302 with an absolute Location), as the real Hub does.
    let mut sharded = tiny();
    sharded.repo = "org/new-name".into();
    sharded.parameters = None;
    sharded.safetensors = vec![(
        "model.safetensors".into(),
        json!({"w": {"dtype": "BF16", "shape": [4, 8], "data_offsets": [0, 64]}}),
    )];
    let lfs = MockHub::start(vec![sharded.clone()]).await;
    sharded.lfs_base = Some(lfs.url.clone());
    let mut old = tiny();
    old.repo = "org/old-name".into();
    let hub = MockHub::start(vec![
        sharded,
        old.with(Behaviour::Renamed("org/new-name".into())),
    ])
    .await;
    let dir = scratch("renamed");
    let f = HubClient::new(settings(&hub, &dir))
        .facts("org/old-name")
        .await
        .unwrap();
    assert_eq!(f.parameters.unwrap().total, 32);
    let here = hub.requests();
    assert!(here.iter().any(|r| r.path.contains("/org/new-name")));
    assert!(
        here.iter()
            .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}")))
    );
    let there = lfs.requests();
    assert_eq!(there.len(), 1, "one range of the one shard: {there:?}");
    assert!(there.iter().all(|r| r.authorization.is_none()), "{there:?}");
}

#[tokio::test]
async fn an_endless_model_info_is_abandoned_at_its_cap() {
    let hub = MockHub::start(vec![tiny().with(Behaviour::Hostile(Hostile::EndlessInfo))]).await;
    let dir = scratch("endless");
    let mut s = settings(&hub, &dir);
    s.timeout = Duration::from_secs(15);
    let t = Instant::now();
    let p = HubClient::new(s).facts(REPO).await.unwrap_err();
    assert_eq!(
        p,
        HubProblem::Malformed {
            what: "a response larger than 8 MiB".into()
        }
    );
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    // What the mock got out before the client hung up: the cap, plus what
    // the two sockets' buffers hold (a client that buffers the whole answer
    // reads hundreds of MB a second here).
    let sent = hub.requests()[0].sent();
    assert!(
        sent >= MAX_INFO_BYTES as u64 && sent < MAX_INFO_BYTES as u64 + (48 << 20),
        "{sent} bytes sent"
    );
    assert_eq!(files_under(&dir), Vec::<PathBuf>::new());
}

#[tokio::test]
async fn an_oversized_config_is_refused_declared_or_not_and_nothing_is_left() {
    for declared in [true, false] {
        let len = MAX_CONFIG_BYTES as u64 + 1024 * 1024;
        let hub = MockHub::start(vec![tiny().with(Behaviour::Hostile(
            Hostile::OversizedConfig { len, declared },
        ))])
        .await;
        let dir = scratch(&format!("oversized-{declared}"));
        let p = HubClient::new(settings(&hub, &dir))
            .facts(REPO)
            .await
            .unwrap_err();
        assert_eq!(
            p,
            HubProblem::Malformed {
                what: "a response larger than 4 MiB".into()
            },
            "declared {declared}"
        );
        assert_eq!(files_under(&dir), Vec::<PathBuf>::new());
        // Exactly a little more than the cap still fits in memory once.
        let config = hub
            .requests()
            .into_iter()
            .find(|r| r.path.ends_with("/config.json"))
            .unwrap();
        assert!(config.sent() <= len);
    }
}

#[tokio::test]
async fn a_config_claiming_a_tebibyte_costs_one_request_and_no_file() {
    let hub = MockHub::start(vec![
        tiny().with(Behaviour::Hostile(Hostile::TebibyteConfig)),
    ])
    .await;
    let dir = scratch("tebibyte");
    let t = Instant::now();
    let p = HubClient::new(settings(&hub, &dir))
        .facts(REPO)
        .await
        .unwrap_err();
    assert_eq!(
        p,
        HubProblem::Malformed {
            what: "a response larger than 4 MiB".into()
        }
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let config_requests = hub
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/config.json"))
        .count();
    assert_eq!(config_requests, 1);
    assert_eq!(files_under(&dir), Vec::<PathBuf>::new(), "no sparse file");
}

#[tokio::test]
async fn ids_that_are_not_org_slash_name_reach_no_url_and_no_file() {
    let hub = MockHub::start(vec![tiny()]).await;
    let dir = scratch("ids");
    let client = HubClient::new(settings(&hub, &dir));
    for id in [
        "a/b/../../api/whoami",
        "a/b?x=1",
        "/",
        "../..",
        "a/..",
        "a/b#c",
        "a/b%2F..%2F..",
        "gpt2",
        "a/b c",
    ] {
        match client.facts(id).await {
            Err(HubProblem::InvalidId { .. }) => {}
            other => panic!("{id}: {other:?}"),
        }
    }
    assert_eq!(hub.requests().len(), 0, "{:?}", hub.requests());
    assert_eq!(files_under(&dir), Vec::<PathBuf>::new());
}

#[tokio::test]
async fn shard_names_from_the_index_must_be_plain_file_names() {
    let mut m = tiny();
    m.repo = "org/sharded".into();
    m.parameters = None;
    m.safetensors = vec![
        (
            "model-00001-of-00002.safetensors".into(),
            json!({"a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}),
        ),
        (
            "../../api/whoami?.safetensors".into(),
            json!({"b": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}),
        ),
    ];
    let hub = MockHub::start(vec![m]).await;
    let dir = scratch("shards");
    let p = HubClient::new(settings(&hub, &dir))
        .facts("org/sharded")
        .await
        .unwrap_err();
    assert_eq!(
        p,
        HubProblem::Malformed {
            what: "model.safetensors.index.json names a shard that is not a plain .safetensors file name".into()
        }
    );
    assert!(
        hub.requests().iter().all(|r| !r.path.contains("whoami")
            && r.path.starts_with("/api/models/org/sharded/")
            || r.path.starts_with("/org/sharded/resolve/")),
        "{:?}",
        hub.requests()
    );
}
