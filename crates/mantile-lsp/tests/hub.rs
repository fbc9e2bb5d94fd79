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

/// Every fixture — one per architecture family, an unknown architecture, a
/// model of 163 shards — gets a config from its tensors that `check` (with
/// the Hub cross-checks) passes with no error and no warning, whose layers
/// and the pieces `check` names add up to the Hub's exact count, with its
/// gap reports and test suites scaffolded.
#[test]
fn new_writes_a_config_for_every_mocked_model_that_check_accepts() {
    let (hub, _rt) = MockHub::start_in_background(MockModel::all_fixtures());
    let dir = scratch("new-all");
    for m in MockModel::all_fixtures() {
        let o = run(&hub, &dir, &["new", &m.repo]);
        assert_eq!(o.status.code(), Some(0), "{}: {}", m.repo, stderr(&o));
        assert!(
            !stderr(&o).contains("config.json alone"),
            "{}: from the tensors: {}",
            m.repo,
            stderr(&o)
        );
        let file = dir
            .join("ws/backend/data/model_configs")
            .join(format!("{}.json", m.repo.replace('/', "_")));
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        // total_params is the Hub's exact count (none of the fixtures is quantized).
        let exact: u64 = m.parameters.as_ref().unwrap().iter().map(|(_, n)| n).sum();
        assert_eq!(v["total_params"], exact, "{}", m.repo);
    }
    let o = run(&hub, &dir, &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    let bad: Vec<String> = diags
        .iter()
        .filter(|d| d["path"].as_str().unwrap().contains("model_configs"))
        .filter(|d| d["severity"] == "error" || d["severity"] == "warning")
        .map(|d| format!("{} {} {}", d["path"], d["code"], d["message"]))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    let errors: Vec<&serde_json::Value> =
        diags.iter().filter(|d| d["severity"] == "error").collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(o.status.code(), Some(0));
    // Σ layers = total_params, or the difference is exactly pieces check names.
    for m in MockModel::all_fixtures() {
        let name = format!("{}.json", m.repo.replace('/', "_"));
        let config = dir.join("ws/backend/data/model_configs").join(&name);
        let c: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
        let sum: u64 = c["layer_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["count"].as_u64().unwrap() * l["specs"]["parameter_count"].as_u64().unwrap())
            .sum();
        if sum != c["total_params"].as_u64().unwrap() {
            assert!(
                diags
                    .iter()
                    .any(|d| d["path"].as_str().unwrap().ends_with(&name)
                        && d["code"] == "MC061"
                        && d["severity"] == "info"
                        && d["message"].as_str().unwrap().contains("which is exactly")),
                "{name}: the layers sum to {sum}"
            );
        }
    }
    // No Hub finding on a generated config but information.
    let hub_findings: Vec<String> = diags
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with("MC07"))
        .filter(|d| d["severity"] != "info")
        .map(|d| format!("{} {}", d["path"], d["message"]))
        .collect();
    assert!(hub_findings.is_empty(), "{hub_findings:#?}");
    // Every gap has its report and a suite of three tests, none missing.
    let o = run(&hub, &dir, &["report", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["checklist"]["unaccounted"], 0, "{r:#}");
    let features: Vec<&str> = r["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["report"].as_str().unwrap())
        .collect();
    for want in [
        "model_builder/gaps/multi_head_latent_attention.md",
        "model_builder/gaps/multi_token_prediction.md",
        "model_builder/gaps/learned_attention_sinks.md",
        "model_builder/gaps/sandwich_norm.md",
        "model_builder/gaps/logit_softcapping.md",
        "model_builder/gaps/parallel_block.md",
        "model_builder/gaps/attention_dimension_mismatch.md",
        "model_builder/gaps/unusual_tensors.md",
    ] {
        assert!(features.contains(&want), "{want} in {features:?}");
    }
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
    // The README's "Findings on the real configs against the Hub" states these figures.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let heading = "### Findings on the real configs against the Hub";
    let section = &readme[readme.find(heading).expect(heading)..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    for (stated, file, said) in [
        ("5.96 %", "TinyLlama", "(+5.96%)"),
        ("1.49 %", "meta-llama_Llama-3.3", "(+1.49%)"),
        ("1,100,048,384", "TinyLlama", "has exactly 1,100,048,384"),
        (
            "70,553,706,496",
            "meta-llama_Llama-3.3",
            "has exactly 70,553,706,496",
        ),
        ("4096-token sliding", "mistralai", "sliding_window 4096"),
    ] {
        assert!(
            section.contains(stated),
            "the README no longer says {stated:?}"
        );
        assert!(msg(file).contains(said), "{file}: {said:?}");
    }
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
        (
            "org/zero-experts",
            "num_local_experts",
            "`num_local_experts` 0",
        ),
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

/// `inspect`: the table, CSV and JSON of a model's tensors, from the cache
/// when offline; a bad header is one error naming the shard, exit 2.
#[test]
fn inspect_prints_the_inventory_in_three_formats() {
    let mut bad = MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0");
    bad.repo = "org/bad-header".into();
    bad.safetensors[0].0 = "model-00001-of-00002.safetensors".into();
    let mut past_end = 10_000u64.to_le_bytes().to_vec();
    past_end.extend_from_slice(&[b' '; 100]);
    bad.raw_shards = vec![("model-00002-of-00002.safetensors".into(), past_end, 108)];
    let (hub, _rt) = MockHub::start_in_background(vec![
        MockModel::fixture("deepseek-ai--DeepSeek-V2-Lite"),
        bad,
    ]);
    let dir = scratch("inspect");
    let repo = "deepseek-ai/DeepSeek-V2-Lite";
    let o = run(&hub, &dir, &["inspect", repo]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(
        table.starts_with(
            "deepseek-ai/DeepSeek-V2-Lite at 000000000000 — 5,291 tensors in 4 shards\n"
        ),
        "{table}"
    );
    for line in [
        "  model.layers.{1..26}.mlp.experts.{0..63}.gate_proj.weight  [1408, 2048]    BF16  ×1664  4,798,283,776",
        "  total  15,706,484,224  29.3 GiB",
        "  blocks           27 (model.layers.{0..26}), 2 kinds",
        "  block            blocks {1..26}: attention MLA (multi-head latent attention), kv rank 512 + rope 64; MoE 64 routed experts (gated, intermediate 1408), shared experts of width 2816; 2 norms (input, post-attention)",
    ] {
        assert!(table.contains(line), "{line}\n{table}");
    }
    let o = run(&hub, &dir, &["inspect", repo, "--format", "csv"]);
    let csv = stdout(&o);
    assert!(csv.starts_with("name,shape,dtype,parameters\n"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 5291);
    assert!(csv.contains(
        "\nmodel.layers.0.self_attn.kv_a_proj_with_mqa.weight,\"[576, 2048]\",BF16,1179648\n"
    ));
    let o = run(&hub, &dir, &["inspect", repo, "--format=json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["totals"]["parameters"], 15_706_484_224u64);
    assert_eq!(v["tensors"].as_array().unwrap().len(), 5291);
    assert_eq!(v["structure"]["tied_embeddings"], false);
    // Offline: from the cache, no request.
    let before = hub.requests().len();
    let o = run(&hub, &dir, &["inspect", repo, "--offline"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().next(), table.lines().next());
    assert_eq!(hub.requests().len(), before);
    // A bad header: one error naming the shard.
    let o = run(&hub, &dir, &["inspect", "org/bad-header"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: Hugging Face sent malformed metadata for `org/bad-header` (declares a 10000-byte header, past the end of the 108-byte file); the Hub checks were skipped (reading model-00002-of-00002.safetensors)\n"
    );
    assert!(stdout(&o).is_empty());
}

/// `new --dry-run` prints the config and the files it would scaffold, and
/// writes nothing; without safetensors headers, `new` says it used config.json alone.
#[test]
fn new_dry_run_writes_nothing_and_the_fallback_says_so() {
    let mut plain = MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0");
    plain.repo = "org/no-safetensors".into();
    plain.safetensors.clear();
    let (hub, _rt) = MockHub::start_in_background(vec![
        MockModel::fixture("deepseek-ai--DeepSeek-V2-Lite"),
        plain,
    ]);
    let dir = scratch("new-dry-run");
    let o = run(
        &hub,
        &dir,
        &["new", "deepseek-ai/DeepSeek-V2-Lite", "--dry-run"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let heads: Vec<&str> = out.lines().filter(|l| l.starts_with("==> ")).collect();
    assert_eq!(
        heads,
        [
            "==> backend/data/model_configs/deepseek-ai_DeepSeek-V2-Lite.json <==",
            "==> model_builder/gaps/multi_head_latent_attention.md <==",
            "==> tests/multi_head_latent_attention_tests.md <==",
        ]
    );
    assert!(out.contains("\"class\": \"MultiHeadLatentAttentionLayer\""));
    assert!(
        stderr(&o).ends_with("dry run: nothing written\n"),
        "{}",
        stderr(&o)
    );
    let mut written = Vec::new();
    for d in [
        "ws/backend/data/model_configs",
        "ws/model_builder",
        "ws/tests",
    ] {
        if let Ok(entries) = std::fs::read_dir(dir.join(d)) {
            written.extend(entries.flatten().map(|e| e.path()));
        }
    }
    assert!(written.is_empty(), "{written:?}");
    let o = run(&hub, &dir, &["new", "org/no-safetensors", "--out", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: generated from config.json alone, without the tensor inventory"),
        "{}",
        stderr(&o)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["total_params"], 1_100_048_384u64);
}
