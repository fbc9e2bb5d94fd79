//! `check` and `new` against the mock Hugging Face Hub on 127.0.0.1.

use mantile_hub_mock::{Behaviour, MockHub, MockModel};
use std::path::{Path, PathBuf};

#[path = "../../../tests/support/mantile_ref.rs"]
mod mantile_ref;
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hub-cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("ws/backend/data/model_configs")).unwrap();
    dir
}

/// Runs the binary in `dir/ws` with the mock as the Hub and `dir/hf` as HF_HOME.
fn run(hub: &MockHub, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(args)
        .current_dir(dir.join("ws"))
        .env("NO_COLOR", "1")
        .env("HF_ENDPOINT", &hub.url)
        .env("HF_HOME", dir.join("hf"))
        .env("HF_TOKEN", "hf_test_secret")
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_HUB_CACHE")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn new_writes_a_config_for_every_mocked_model_that_check_accepts() {
    let (hub, _rt) = MockHub::start_in_background(MockModel::all_fixtures());
    let dir = scratch("new-all");
    for m in MockModel::all_fixtures() {
        let o = run(&hub, &dir, &["new", &m.repo]);
        assert_eq!(o.status.code(), Some(0), "{}: {}", m.repo, stderr(&o));
        let file = dir
            .join("ws/backend/data/model_configs")
            .join(format!("{}.json", m.repo.replace('/', "_")));
        assert!(file.exists(), "{}", stderr(&o));
    }
    // Every generated config passes check (with the Hub cross-checks) without errors.
    let o = run(&hub, &dir, &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let errors: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(v["files"].as_array().unwrap().len(), 7);
    // No Hub finding on a generated config but information (omitted pieces) and
    // the warnings the generator itself announces (Qwen2's bias convention).
    let hub_findings: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with("MC07"))
        .map(|d| format!("{} {}", d["path"], d["message"]))
        .collect();
    assert!(hub_findings.is_empty(), "{hub_findings:#?}");
}

#[test]
fn new_refuses_to_overwrite_and_prints_with_dash() {
    let (hub, _rt) = MockHub::start_in_background(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )]);
    let dir = scratch("new-overwrite");
    let repo = "TinyLlama/TinyLlama-1.1B-Chat-v1.0";
    assert_eq!(run(&hub, &dir, &["new", repo]).status.code(), Some(0));
    let o = run(&hub, &dir, &["new", repo]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("already exists; pass --force"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        run(&hub, &dir, &["new", repo, "--force"]).status.code(),
        Some(0)
    );
    let o = run(&hub, &dir, &["new", repo, "--out", "-"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["total_params"], 1_100_048_384u64);
    assert_eq!(v["model_id"], "TinyLlama_TinyLlama-1.1B-Chat-v1.0");
    let o = run(&hub, &dir, &["new", "nobody/nothing"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("was not found on Hugging Face (404)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn hub_problems_land_on_hf_model_id_without_the_token() {
    let base = MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0");
    let gated = MockModel {
        repo: "org/gated".into(),
        ..base.clone()
    }
    .with(Behaviour::Status(401));
    let (hub, _rt) = MockHub::start_in_background(vec![gated]);
    let dir = scratch("gated");
    let config = r#"{"model_id": "org_gated", "hf_model_id": "org/gated", "name": "g", "hidden_size": 8, "num_layers": 1,
 "vocab_size": 4, "total_params": 40,
 "layer_types": [{"name": "norm", "class": "NormLayer", "count": 1, "specs": {"hidden_size": 8}},
                 {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 4, "hidden_size": 8}}]}"#;
    std::fs::write(
        dir.join("ws/backend/data/model_configs/org_gated.json"),
        config,
    )
    .unwrap();
    let o = run(&hub, &dir, &["check"]);
    let out = stdout(&o);
    assert!(
        out.starts_with("backend/data/model_configs/org_gated.json:1:42: warning[MC070]: Hugging Face refused access to `org/gated` (401, gated model): set HF_TOKEN"),
        "{out}"
    );
    assert!(!out.contains("hf_test_secret") && !stderr(&o).contains("hf_test_secret"));
    // --offline: no request at all.
    let before = hub.requests().len();
    let o = run(&hub, &dir, &["check", "--offline"]);
    assert!(!stdout(&o).contains("MC070"));
    assert_eq!(hub.requests().len(), before);
}

/// The real configs (`../shared/mantile-ref`, see `tests/support/mantile_ref.rs`) against the
/// public facts of their models.
#[test]
fn real_configs_against_the_mock_hub() {
    let Some(reference) = mantile_ref::corpus("hub.rs real_configs_against_the_mock_hub") else {
        return;
    };
    let configs = reference.join("backend/data/model_configs");
    let (hub, _rt) = MockHub::start_in_background(MockModel::all_fixtures());
    let dir = scratch("reference");
    let o = run(
        &hub,
        &dir,
        &["check", "--format", "json", configs.to_str().unwrap()],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let hub_findings: Vec<(String, String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with("MC07"))
        .map(|d| {
            let file = d["path"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            (
                file,
                format!(
                    "{} {}",
                    d["severity"].as_str().unwrap(),
                    d["code"].as_str().unwrap()
                ),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let summary: Vec<String> = hub_findings
        .iter()
        .map(|(f, c, _)| format!("{f} {c}"))
        .collect();
    assert_eq!(
        summary,
        [
            "TinyLlama_TinyLlama-1.1B-Chat-v1.0.json error MC072",
            "meta-llama_Llama-3.3-70B-Instruct.json error MC072",
            "mistralai_Mistral-7B-v0.1.json warning MC074",
        ],
        "{hub_findings:#?}"
    );
    let msg = |file: &str| {
        hub_findings
            .iter()
            .find(|(f, _, _)| f.starts_with(file))
            .unwrap()
            .2
            .clone()
    };
    assert_eq!(
        msg("TinyLlama"),
        "total_params 1,034,465,280 is not the model's parameter count: TinyLlama/TinyLlama-1.1B-Chat-v1.0 has exactly 1,100,048,384 (BF16 1,100,048,384 from model info), +65,583,104 (+5.96%); the layers sum to 1,034,465,280, and the difference 65,583,104 is exactly an untied lm_head V×d = 32000×2048 = 65,536,000 + a final norm (2,048) + a second norm per block 22×2048 = 45,056, which layer_types does not list"
    );
    assert_eq!(
        msg("meta-llama_Llama-3.3"),
        "total_params 69,502,369,792 is not the model's parameter count: meta-llama/Llama-3.3-70B-Instruct has exactly 70,553,706,496 (BF16 70,553,706,496 from model info), +1,051,336,704 (+1.49%); the layers sum to 69,502,369,792, and the difference 1,051,336,704 is exactly an untied lm_head V×d = 128256×8192 = 1,050,673,152 + a final norm (8,192) + a second norm per block 80×8192 = 655,360, which layer_types does not list"
    );
    assert!(
        msg("mistralai")
            .starts_with("mistralai/Mistral-7B-v0.1's config.json sets sliding_window 4096")
    );
}

/// `new meta-llama/Llama-3.3-70B-Instruct` gives the real config's layer specs.
#[test]
fn generated_llama_matches_the_real_layer_specs() {
    let Some(reference) =
        mantile_ref::corpus("hub.rs generated_llama_matches_the_real_layer_specs")
    else {
        return;
    };
    let real = std::fs::read_to_string(
        reference.join("backend/data/model_configs/meta-llama_Llama-3.3-70B-Instruct.json"),
    )
    .expect("the corpus holds meta-llama_Llama-3.3-70B-Instruct.json");
    let (hub, _rt) = MockHub::start_in_background(vec![MockModel::fixture(
        "meta-llama--Llama-3.3-70B-Instruct",
    )]);
    let dir = scratch("llama-specs");
    let o = run(
        &hub,
        &dir,
        &["new", "meta-llama/Llama-3.3-70B-Instruct", "--out", "-"],
    );
    let generated: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let real: serde_json::Value = serde_json::from_str(&real).unwrap();
    let specs = |v: &serde_json::Value| -> Vec<(String, String, serde_json::Value)> {
        v["layer_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["name"].as_str().unwrap().into(),
                    l["class"].as_str().unwrap().into(),
                    l["specs"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(specs(&generated), specs(&real));
    assert_eq!(generated["total_params"], 70_553_706_496u64);
    assert_eq!(generated["model_id"], real["model_id"]);
}

/// Issue 12, item 5: an id that is not `org/name` never reaches a URL (where
/// `a/b/../../api/whoami` would become another endpoint, with the token).
#[test]
fn new_refuses_ids_that_are_not_org_slash_name_before_any_request() {
    let (hub, _rt) = MockHub::start_in_background(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )]);
    let dir = scratch("new-bad-ids");
    for id in ["a/b/../../api/whoami", "a/b?x=1", "/", "../..", "a/b%2F.."] {
        let o = run(&hub, &dir, &["new", id]);
        assert_eq!(o.status.code(), Some(2), "{id}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("is not a Hugging Face model id `org/name`"),
            "{id}: {}",
            stderr(&o)
        );
    }
    assert!(hub.requests().is_empty(), "{:?}", hub.requests());
    let written = std::fs::read_dir(dir.join("ws/backend/data/model_configs"))
        .unwrap()
        .count();
    assert_eq!(written, 0);
    assert!(!dir.join("hf").exists(), "nothing cached either");
}

/// `check` looks up no id that is not `org/name`: one warning on
/// `hf_model_id`, no request.
#[test]
fn check_looks_up_no_invalid_hf_model_id() {
    let (hub, _rt) = MockHub::start_in_background(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )]);
    let dir = scratch("check-bad-id");
    let config = r#"{"model_id": "x", "hf_model_id": "../..", "name": "g", "hidden_size": 8, "num_layers": 1,
 "vocab_size": 4, "total_params": 40,
 "layer_types": [{"name": "norm", "class": "NormLayer", "count": 1, "specs": {"hidden_size": 8}},
                 {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 4, "hidden_size": 8}}]}"#;
    std::fs::write(dir.join("ws/backend/data/model_configs/x.json"), config).unwrap();
    let o = run(&hub, &dir, &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mc070: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "MC070")
        .collect();
    assert_eq!(mc070.len(), 1, "{v:#}");
    assert_eq!(
        mc070[0]["message"],
        "`../..` is not a Hugging Face model id (the org `..` starts or ends with `.` or `-`); nothing was asked of the Hub"
    );
    assert!(hub.requests().is_empty(), "{:?}", hub.requests());
}

/// Issue 12, wrong output: a config.json with a zero dimension gets a refusal
/// with the reason, not a config that `check` rejects.
#[test]
fn new_refuses_zero_dimensions_with_the_reason() {
    let base = MockModel::fixture("mistralai--Mixtral-8x7B-v0.1");
    let cases = [
        (
            "org/zero-kv",
            "num_key_value_heads",
            "`num_key_value_heads` 0",
        ),
        ("org/zero-head-dim", "head_dim", "`head_dim` 0"),
        ("org/zero-experts", "num_local_experts", "`num_experts` 0"),
        ("org/zero-hidden", "hidden_size", "`hidden_size` 0"),
    ];
    let models: Vec<MockModel> = cases
        .iter()
        .map(|(repo, key, _)| {
            let mut m = MockModel {
                repo: repo.to_string(),
                ..base.clone()
            };
            m.config[*key] = serde_json::json!(0);
            m
        })
        .collect();
    let (hub, _rt) = MockHub::start_in_background(models);
    let dir = scratch("new-zero");
    for (repo, _, reason) in cases {
        let o = run(&hub, &dir, &["new", repo]);
        assert_eq!(o.status.code(), Some(2), "{repo}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("cannot generate a config for `{repo}`"))
                && stderr(&o).contains(reason),
            "{repo}: {}",
            stderr(&o)
        );
    }
    let written = std::fs::read_dir(dir.join("ws/backend/data/model_configs"))
        .unwrap()
        .count();
    assert_eq!(written, 0);
}
