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
        // total_params is the exact parameter count: the Hub's count of
        // stored elements, or for a quantized checkpoint the unquantized
        // model's published count.
        let stored: u64 = m.parameters.as_ref().unwrap().iter().map(|(_, n)| n).sum();
        let exact = m.logical_parameters.unwrap_or(stored);
        assert_eq!(v["total_params"], exact, "{}", m.repo);
        let notes = v["validation_notes"].as_str().unwrap();
        if m.logical_parameters.is_some() {
            // The notes relate the two counts exactly.
            assert!(
                notes.contains(&format!(
                    "{} stored elements = {} parameters",
                    mantile_tensors::grouped(stored.into()),
                    mantile_tensors::grouped(exact.into())
                )),
                "{}: {notes}",
                m.repo
            );
        }
    }
    let o = run(&hub, &dir, &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    // Configs, gap reports and suites alike: no error and no warning but
    // the one reminder a scaffold leaves a person on purpose, the paper of
    // a gap no known feature explains (the unknown architecture's tensors).
    let bad: Vec<String> = diags
        .iter()
        .filter(|d| d["severity"] == "error" || d["severity"] == "warning")
        .filter(|d| {
            !(d["path"] == "model_builder/gaps/unusual_tensors.md"
                && d["code"] == "GR002"
                && d["message"]
                    == "§4.6 Documentation References lacks: at least one paper (an arXiv, DOI or proceedings link)")
        })
        .map(|d| format!("{} {} {}", d["path"], d["code"], d["message"]))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
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
        let total = c["total_params"].as_u64().unwrap();
        let notes = c["validation_notes"].as_str().unwrap();
        assert_eq!(accounted(notes), Some((sum, total)), "{name}: {notes}");
        // Every gap the config names is scaffolded, for this model.
        for l in c["layer_types"].as_array().unwrap() {
            let Some(report) = l["gap_report"].as_str() else {
                continue;
            };
            let text = std::fs::read_to_string(dir.join("ws").join(report)).unwrap();
            assert!(
                text.contains(&format!(
                    "**Model**: {} (layer `{}`",
                    m.repo,
                    l["name"].as_str().unwrap()
                )),
                "{name}: {report}"
            );
            let suite = report
                .replace("model_builder/gaps/", "tests/")
                .replace(".md", "_tests.md");
            assert!(dir.join("ws").join(&suite).exists(), "{suite}");
        }
        // Non-square attention under GroupedQueryAttentionLayer: the notes
        // give the difference per layer and in total, the layer names the
        // report, whose §4.3 has the numbers.
        for l in c["layer_types"].as_array().unwrap() {
            let s = &l["specs"];
            let (Some(h), Some(dh)) = (s["num_heads"].as_u64(), s["head_dim"].as_u64()) else {
                continue;
            };
            let d = s["hidden_size"].as_u64().unwrap();
            if l["class"] != "GroupedQueryAttentionLayer" || h * dh == d {
                continue;
            }
            let (count, true_per) = (
                l["count"].as_u64().unwrap(),
                s["parameter_count"].as_u64().unwrap(),
            );
            let mantile = true_per + d * d - d * h * dh;
            let g = |n: u64| mantile_tensors::grouped(n.into());
            // Signed: the square o_proj is smaller when h·dh > d.
            let diff = |n: u64| {
                if mantile < true_per {
                    format!("−{}", g(n * (true_per - mantile)))
                } else {
                    format!("+{}", g(n * (mantile - true_per)))
                }
            };
            let sentence = format!(
                "for layer \"{}\" Mantile computes {} parameters per layer instead of the true {} ({} per layer, {} over its {count} layers)",
                l["name"].as_str().unwrap(),
                g(mantile),
                g(true_per),
                diff(1),
                diff(count)
            );
            assert!(notes.contains(&sentence), "{name}: {sentence}\n{notes}");
            let report = l["gap_report"].as_str().unwrap_or_else(|| panic!("{name}"));
            assert!(report.starts_with("model_builder/gaps/attention_dimension_mismatch"));
            let text = std::fs::read_to_string(dir.join("ws").join(report)).unwrap();
            let mismatch = text.split("## Dimension Mismatch Analysis").nth(1).unwrap();
            assert!(
                mismatch.contains(&format!(
                    "q_proj ({}, {d}), o_proj ({d}, {})",
                    h * dh,
                    h * dh
                )),
                "{report}: {mismatch}"
            );
        }
        if sum != total {
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
        "model_builder/gaps/mamba_mixer.md",
        "model_builder/gaps/learned_position_embedding.md",
        "model_builder/gaps/multimodal_encoder.md",
    ] {
        assert!(features.contains(&want), "{want} in {features:?}");
    }
}

/// From `validation_notes`: (the layers' sum, total_params), checking on
/// the way that the pieces "not in layer_types" add up to the difference.
fn accounted(notes: &str) -> Option<(u64, u64)> {
    let num = |s: &str| s.trim().replace(',', "").parse::<u64>().ok();
    let rest = notes
        .split("Every tensor is accounted for: the layers hold ")
        .nth(1)?;
    let (body, _) = rest.split_once(". ").unwrap_or((rest, ""));
    let body = body.trim_end_matches('.');
    // What the Hub counts beyond the parameters comes after.
    let body = body
        .split("; the checkpoint also stores ")
        .next()
        .unwrap_or(body);
    if let Some((sum, total)) = body.split_once(" = total_params ") {
        let (sum, total) = (num(sum)?, num(total)?);
        return (sum == total).then_some((sum, total));
    }
    let (sum, rest) = body.split_once("; not in layer_types: ")?;
    let (pieces, total) = rest.split_once("; together total_params ")?;
    // Items are separated by ", " outside parentheses; each ends with its count.
    let (mut depth, mut start, mut items) = (0i32, 0usize, Vec::new());
    for (i, ch) in pieces.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 && pieces[i + 1..].starts_with(' ') => {
                items.push(&pieces[start..i]);
                start = i + 2;
            }
            _ => {}
        }
    }
    items.push(&pieces[start..]);
    let parts: Option<Vec<u64>> = items.iter().map(|it| num(it.rsplit(' ').next()?)).collect();
    let (sum, total) = (num(sum)?, num(total)?);
    (sum + parts?.iter().sum::<u64>() == total).then_some((sum, total))
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
    // A header whose tensor name would clear the terminal.
    let mut hostile = bad.clone();
    hostile.repo = "org/hostile-header".into();
    let header =
        "{\"w\\u001b[2J\": {\"dtype\": \"Q4_K\", \"shape\": [1], \"data_offsets\": [0, 1]}}";
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    hostile.raw_shards = vec![("model-00002-of-00002.safetensors".into(), bytes, 1000)];
    let (hub, _rt) = MockHub::start_in_background(vec![
        MockModel::fixture("deepseek-ai--DeepSeek-V2-Lite"),
        bad,
        hostile,
    ]);
    let dir = scratch("inspect");
    let repo = "deepseek-ai/DeepSeek-V2-Lite";
    let o = run(&hub, &dir, &["inspect", repo]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(
        table.starts_with(
            "deepseek-ai/DeepSeek-V2-Lite at f7ee3b2aa6b1 — 5,291 tensors in 4 shards\n"
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
        "error: Hugging Face sent malformed metadata for `org/bad-header` (declares a 10000-byte header, past the end of the 108-byte file) (reading model-00002-of-00002.safetensors)\n"
    );
    assert!(stdout(&o).is_empty());
    let o = run(&hub, &dir, &["inspect", "org/hostile-header"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains('\u{1b}'), "{:?}", stderr(&o));
    assert!(
        stderr(&o).contains("unknown dtype `Q4_K`"),
        "{}",
        stderr(&o)
    );
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

/// A model with the Llama-3.2-1B fixture's config whose tensors are stored
/// as `f` makes them, in `shards` shards.
fn restored(
    repo: &str,
    shards: usize,
    f: impl Fn(Vec<mantile_hub_mock::families::T>) -> Vec<mantile_hub_mock::families::T>,
) -> MockModel {
    let mut m = MockModel::fixture("meta-llama--Llama-3.2-1B");
    m.repo = repo.into();
    let tensors = f(mantile_hub_mock::families::tensors(&m.config, "BF16"));
    m.parameters = None;
    m.safetensors = mantile_hub_mock::families::shard(&tensors, shards)
        .into_iter()
        .map(|(n, h, _)| (n, h))
        .collect();
    m
}

/// `inspect` and `new` on quantized checkpoints: MXFP4 read as its logical
/// weights; bitsandbytes 4-bit, whose shapes are not in the headers,
/// inspected as stored and refused by `new` with the reason; and a tensor
/// listed in two shards, an error naming both.
#[test]
fn quantized_and_inconsistent_checkpoints() {
    let bnb = restored("org/Llama-3.2-1B-bnb-4bit", 1, |ts| {
        let mut out = Vec::new();
        for (name, dtype, shape) in ts {
            if name.contains(".layers.") && name.ends_with("_proj.weight") {
                let n: u64 = shape.iter().product();
                out.push((format!("{name}.absmax"), "F32", vec![n / 64]));
                out.push((format!("{name}.quant_map"), "F32", vec![16]));
                out.push((
                    format!("{name}.quant_state.bitsandbytes__nf4"),
                    "U8",
                    vec![117],
                ));
                out.push((name, "U8", vec![n / 2, 1]));
            } else {
                out.push((name, dtype, shape));
            }
        }
        out
    });
    let twice = restored("org/twice", 3, |ts| ts);
    let mut twice = twice;
    // The first shard's first tensor also in the last shard's header.
    let (first, last) = (twice.safetensors[0].1.clone(), twice.safetensors.len() - 1);
    let (name, entry) = first
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| *k != "__metadata__")
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap();
    let header = twice.safetensors[last].1.as_object_mut().unwrap();
    let end = header
        .values()
        .filter_map(|t| t["data_offsets"][1].as_u64())
        .max()
        .unwrap();
    let len =
        entry["data_offsets"][1].as_u64().unwrap() - entry["data_offsets"][0].as_u64().unwrap();
    let mut entry = entry;
    entry["data_offsets"] = serde_json::json!([end, end + len]);
    header.insert(name.clone(), entry);
    let (hub, _rt) =
        MockHub::start_in_background(vec![MockModel::fixture("openai--gpt-oss-120b"), bnb, twice]);
    let dir = scratch("quantized");
    // MXFP4: the parameters and how the Hub's count relates to them.
    let o = run(
        &hub,
        &dir,
        &["inspect", "openai/gpt-oss-120b", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["totals"]["parameters"], 63_081_444_672u64);
    assert_eq!(v["parameters"], 116_829_156_672u64);
    let q = &v["quantization"];
    assert_eq!(q["quant_method"], "mxfp4");
    assert_eq!(q["quantization_data_elements"], 3_583_180_800u64);
    assert_eq!(q["packed_parameters"], 114_661_785_600u64);
    assert_eq!(q["packed_stored_elements"], 57_330_892_800u64);
    assert_eq!(v["structure"]["unusual"], serde_json::json!([]));
    let o = run(&hub, &dir, &["inspect", "openai/gpt-oss-120b"]);
    let table = stdout(&o);
    for line in [
        "Totals (elements as stored; quantized: the parameters are under Structure)",
        "MoE 128 routed experts (gated, intermediate 2880), router bias, expert biases",
        "model.layers.0.mlp.experts.gate_up_proj_blocks U8 [128, 5760, 90, 16] → model.layers.0.mlp.experts.gate_up_proj [128, 2880, 5760] as [E, in, out]",
        "63,081,444,672 stored elements = 116,829,156,672 parameters − 57,330,892,800 (the packed weights' 114,661,785,600 parameters are 57,330,892,800 stored elements) + 3,583,180,800 elements of quantization data (U8 3,583,180,800), which are not parameters",
    ] {
        assert!(table.contains(line), "{line}\n{table}");
    }
    // bitsandbytes 4-bit: inspected as stored, refused by `new` by name.
    let o = run(&hub, &dir, &["inspect", "org/Llama-3.2-1B-bnb-4bit"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("quantized        the checkpoint is quantized with bitsandbytes 4-bit (nf4/fp4): its weights are flattened bytes"),
        "{}",
        stdout(&o)
    );
    let o = run(
        &hub,
        &dir,
        &["new", "org/Llama-3.2-1B-bnb-4bit", "--out", "-"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(
        err.starts_with("error: cannot generate a config for `org/Llama-3.2-1B-bnb-4bit`: the checkpoint is quantized with bitsandbytes 4-bit (nf4/fp4): its weights are flattened bytes (`model.layers.0.mlp.down_proj.weight` is U8 [8388608, 1]) whose logical shapes are kept in the tensor data (quant_state)"),
        "{err}"
    );
    // A tensor in two shards: inspect and new fail, naming both shards.
    for args in [
        vec!["inspect", "org/twice"],
        vec!["new", "org/twice", "--out", "-"],
    ] {
        let o = run(&hub, &dir, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&o),
            format!(
                "error: the checkpoint of `org/twice` on Hugging Face is inconsistent: tensor `{name}` appears in two shards (model-00001-of-00003.safetensors and model-00003-of-00003.safetensors); its tensors cannot be read as one model\n"
            ),
            "{args:?}"
        );
    }
}

/// Without safetensors headers, `new` falls back to config.json for the
/// families it knows; what it writes passes `check` (with the Hub's
/// metadata) with no error and no warning, and a quantized checkpoint,
/// whose Hub count is not its parameter count, is refused with the reason.
#[test]
fn the_config_json_fallback_passes_check_for_every_family_it_knows() {
    let known = [
        "llama",
        "mistral",
        "qwen2",
        "qwen3",
        "mixtral",
        "qwen2_moe",
        "qwen3_moe",
        "gpt_oss",
    ];
    let models: Vec<MockModel> = MockModel::all_fixtures()
        .into_iter()
        .filter(|m| known.contains(&m.config["model_type"].as_str().unwrap_or_default()))
        .map(|mut m| {
            m.safetensors.clear();
            m
        })
        .collect();
    assert!(models.len() >= 12, "{}", models.len());
    let (hub, _rt) = MockHub::start_in_background(models.clone());
    let dir = scratch("fallback");
    let mut written = Vec::new();
    for m in &models {
        let o = run(&hub, &dir, &["new", &m.repo]);
        if m.logical_parameters.is_some() {
            assert_eq!(o.status.code(), Some(2), "{}", m.repo);
            assert!(
                stderr(&o).contains("is not its parameter count"),
                "{}: {}",
                m.repo,
                stderr(&o)
            );
            continue;
        }
        assert_eq!(o.status.code(), Some(0), "{}: {}", m.repo, stderr(&o));
        assert!(stderr(&o).contains("config.json alone"), "{}", stderr(&o));
        written.push(m.repo.clone());
    }
    assert!(written.len() >= 9, "{written:?}");
    // GPT-OSS's learned sinks are a gap of their own (one logit per head in
    // every layer), not Mantile's num_sinks (sink tokens kept in the window).
    let oss: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            dir.join("ws/backend/data/model_configs/unsloth_gpt-oss-20b-BF16.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let layers = oss["layer_types"].as_array().unwrap();
    assert!(
        layers.iter().all(|l| l["specs"].get("num_sinks").is_none()),
        "{oss:#}"
    );
    let sinks = layers
        .iter()
        .find(|l| l["name"] == "attention_sinks")
        .unwrap();
    assert_eq!(sinks["supported"], false);
    assert_eq!(sinks["count"], 24);
    assert_eq!(sinks["specs"]["parameter_count"], 64);
    assert_eq!(
        sinks["gap_report"],
        "model_builder/gaps/learned_attention_sinks.md"
    );
    assert!(
        dir.join("ws/model_builder/gaps/learned_attention_sinks.md")
            .exists()
    );
    let o = run(&hub, &dir, &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let bad: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error" || d["severity"] == "warning")
        .map(|d| format!("{} {} {}", d["path"], d["code"], d["message"]))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(o.status.code(), Some(0));
}

/// Two models with the same gap in one workspace: the report already there
/// documents the first model (its §4.1 tensors and §4.3 numbers are that
/// model's), so the second gets a report and a suite of its own, named in
/// its config; the first keeps the shared report when it is generated
/// again; and the whole workspace passes `check`.
#[test]
fn a_gap_report_shared_by_two_models_stays_the_first_ones() {
    let (hub, _rt) = MockHub::start_in_background(vec![
        MockModel::fixture("Qwen--Qwen3-0.6B"),
        MockModel::fixture("Qwen--Qwen3-30B-A3B"),
    ]);
    let dir = scratch("shared-report");
    let ws = dir.join("ws");
    let config = |id: &str| -> serde_json::Value {
        let p = ws.join(format!("backend/data/model_configs/{id}.json"));
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let reports = |c: &serde_json::Value| -> Vec<String> {
        c["layer_types"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l["gap_report"].as_str().map(str::to_string))
            .collect()
    };
    let o = run(&hub, &dir, &["new", "Qwen/Qwen3-0.6B"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let shared = "model_builder/gaps/attention_dimension_mismatch.md";
    let first = std::fs::read_to_string(ws.join(shared)).unwrap();
    assert!(first.contains("**Model**: Qwen/Qwen3-0.6B "), "{first}");
    assert!(reports(&config("Qwen_Qwen3-0.6B")).contains(&shared.to_string()));

    let o = run(&hub, &dir, &["new", "Qwen/Qwen3-30B-A3B"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let own = "model_builder/gaps/attention_dimension_mismatch_Qwen_Qwen3-30B-A3B.md";
    let err = stderr(&o);
    assert!(err.contains(&format!("wrote {own}\n")), "{err}");
    assert!(
        err.contains("wrote tests/attention_dimension_mismatch_Qwen_Qwen3-30B-A3B_tests.md\n"),
        "{err}"
    );
    let second = config("Qwen_Qwen3-30B-A3B");
    let r = reports(&second);
    assert!(
        r.contains(&own.to_string()) && !r.contains(&shared.to_string()),
        "{r:?}"
    );
    assert!(
        second["validation_notes"].as_str().unwrap().contains(own),
        "{second:#}"
    );
    let text = std::fs::read_to_string(ws.join(own)).unwrap();
    assert!(text.contains("**Model**: Qwen/Qwen3-30B-A3B "), "{text}");
    // The first model's report is untouched and still its own.
    assert_eq!(std::fs::read_to_string(ws.join(shared)).unwrap(), first);
    let o = run(&hub, &dir, &["new", "Qwen/Qwen3-0.6B", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("kept {shared} (it exists)")),
        "{}",
        stderr(&o)
    );
    assert!(reports(&config("Qwen_Qwen3-0.6B")).contains(&shared.to_string()));

    let o = run(&hub, &dir, &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let bad: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error" || d["severity"] == "warning")
        .map(|d| format!("{} {} {}", d["path"], d["code"], d["message"]))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(o.status.code(), Some(0));
}

/// A model served with `tensors` (in 2 shards) and `config`, no published count.
fn synthetic(
    repo: &str,
    config: serde_json::Value,
    tensors: &[mantile_hub_mock::families::T],
) -> MockModel {
    let mut m = MockModel::fixture("meta-llama--Llama-3.2-1B");
    m.repo = repo.into();
    m.sha = "5d7c0a1e9b3f4c2d8e6a0b1c2d3e4f5a6b7c8d9e".into();
    m.config = config;
    m.parameters = None;
    m.safetensors = mantile_hub_mock::families::shard(tensors, 2)
        .into_iter()
        .map(|(n, h, _)| (n, h))
        .collect();
    m
}

/// Unknown `model_type`s are read from their tensor patterns alone: a
/// GPT-NeoX-style checkpoint (`gpt_neox.layers.N.attention.query_key_value`,
/// `mlp.dense_h_to_4h`, `embed_in`/`embed_out`, LayerNorms with biases)
/// whose config.json uses the standard keys, and a Llama-style one whose
/// config.json names its dimensions MPT's way (`d_model`, `n_heads`,
/// `n_layers`) and whose checkpoint keeps rotary frequencies as buffers
/// (`rotary_emb.inv_freq`: counted by the Hub, not parameters). Each config passes
/// `check`, its counts add up to the Hub's; without any head count the
/// refusal says what is missing.
#[test]
fn unknown_architectures_from_their_tensor_patterns() {
    let (d, l, v, h, ff) = (512u64, 4u64, 1000u64, 8u64, 2048u64);
    let mut neox = vec![("gpt_neox.embed_in.weight".to_string(), "F16", vec![v, d])];
    for i in 0..l {
        for (n, s) in [
            ("input_layernorm.weight", vec![d]),
            ("input_layernorm.bias", vec![d]),
            ("post_attention_layernorm.weight", vec![d]),
            ("post_attention_layernorm.bias", vec![d]),
            ("attention.query_key_value.weight", vec![3 * d, d]),
            ("attention.query_key_value.bias", vec![3 * d]),
            ("attention.dense.weight", vec![d, d]),
            ("attention.dense.bias", vec![d]),
            ("mlp.dense_h_to_4h.weight", vec![ff, d]),
            ("mlp.dense_h_to_4h.bias", vec![ff]),
            ("mlp.dense_4h_to_h.weight", vec![d, ff]),
            ("mlp.dense_4h_to_h.bias", vec![d]),
        ] {
            neox.push((format!("gpt_neox.layers.{i}.{n}"), "F16", s));
        }
    }
    neox.push(("gpt_neox.final_layer_norm.weight".into(), "F16", vec![d]));
    neox.push(("gpt_neox.final_layer_norm.bias".into(), "F16", vec![d]));
    neox.push(("embed_out.weight".into(), "F16", vec![v, d]));
    let neox_config = serde_json::json!({"model_type": "acme_neox", "architectures": ["AcmeNeoXForCausalLM"],
        "hidden_size": d, "num_hidden_layers": l, "num_attention_heads": h, "intermediate_size": ff,
        "vocab_size": v, "tie_word_embeddings": false});
    let llama = serde_json::json!({"model_type": "llama", "hidden_size": d, "num_hidden_layers": l,
        "num_attention_heads": h, "intermediate_size": ff, "vocab_size": v, "tie_word_embeddings": true});
    let mut odd = mantile_hub_mock::families::tensors(&llama, "BF16");
    for i in 0..l {
        odd.push((
            format!("model.layers.{i}.self_attn.rotary_emb.inv_freq"),
            "F32",
            vec![32],
        ));
    }
    let odd_config = serde_json::json!({"model_type": "acme_odd", "d_model": d, "n_layers": l,
        "n_heads": h, "vocab_size": v});
    let headless_config =
        serde_json::json!({"model_type": "acme_odd", "n_layers": l, "vocab_size": v});
    // Gated attention (Qwen3-Next style): q_proj twice the width o_proj reads.
    let mut gated = mantile_hub_mock::families::tensors(&llama, "BF16");
    for t in gated.iter_mut().filter(|t| t.0.ends_with("q_proj.weight")) {
        t.2[0] *= 2;
    }
    let gated_config = serde_json::json!({"model_type": "acme_gated", "hidden_size": d,
        "num_hidden_layers": l, "num_attention_heads": h, "vocab_size": v, "tie_word_embeddings": true});
    let models = vec![
        synthetic("acme/neox", neox_config, &neox),
        synthetic("acme/odd", odd_config, &odd),
        synthetic("acme/headless", headless_config, &odd),
        synthetic("acme/gated", gated_config, &gated),
    ];
    let (hub, _rt) = MockHub::start_in_background(models.clone());
    let dir = scratch("unknown");
    for m in models.iter().filter(|m| m.repo != "acme/headless") {
        let o = run(&hub, &dir, &["new", &m.repo]);
        assert_eq!(o.status.code(), Some(0), "{}: {}", m.repo, stderr(&o));
    }
    let config = |id: &str| -> serde_json::Value {
        let p = dir.join(format!("ws/backend/data/model_configs/{id}.json"));
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let kinds = |c: &serde_json::Value| -> Vec<String> {
        c["layer_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| format!("{} {} ×{}", l["name"], l["class"], l["count"]).replace('"', ""))
            .collect()
    };
    let n = config("acme_neox");
    assert_eq!(
        kinds(&n),
        [
            "attention SlidingWindowAttentionLayer ×4",
            "feedforward MLPLayer ×4",
            "norm NormLayer ×9",
            "embedding EmbeddingLayer ×1"
        ]
    );
    let stored: u64 = neox.iter().map(|t| t.2.iter().product::<u64>()).sum();
    assert_eq!(n["total_params"], stored);
    assert!(
        n["validation_notes"]
            .as_str()
            .unwrap()
            .contains("an untied lm_head (V×d = 1000×512) 512,000"),
        "{n:#}"
    );
    let o = config("acme_odd");
    assert_eq!(
        kinds(&o),
        [
            "attention GroupedQueryAttentionLayer ×4",
            "feedforward GatedMLPLayer ×4",
            "norm NormLayer ×9",
            "embedding EmbeddingLayer ×1",
        ]
    );
    // The rotary frequencies are buffers the Hub counts, not parameters.
    let stored: u64 = odd.iter().map(|t| t.2.iter().product::<u64>()).sum();
    assert_eq!(o["total_params"], stored - 4 * 32);
    assert!(
        o["validation_notes"].as_str().unwrap().contains(&format!(
            "the Hub counts {} stored elements = {} parameters + 128 elements of buffers saved with the weights, which are not parameters (causal masks, rotary frequencies: model.layers.0.self_attn.rotary_emb.inv_freq [32] × 4 (model.layers.{{0..3}}.self_attn.rotary_emb.inv_freq))",
            mantile_tensors::grouped(stored.into()),
            mantile_tensors::grouped((stored - 128).into())
        )),
        "{o:#}"
    );
    assert_eq!(o["layer_types"][0]["specs"]["num_heads"], 8);
    // A layout no class maps is a gap, counted exactly, not a refusal.
    let g = config("acme_gated");
    assert_eq!(
        kinds(&g),
        [
            "attention UnmappedAttentionLayer ×4",
            "feedforward GatedMLPLayer ×4",
            "norm NormLayer ×9",
            "embedding EmbeddingLayer ×1",
        ]
    );
    let stored: u64 = gated.iter().map(|t| t.2.iter().product::<u64>()).sum();
    assert_eq!(g["total_params"], stored);
    assert_eq!(g["layer_types"][0]["supported"], false);
    assert_eq!(
        g["layer_types"][0]["specs"]["parameter_count"],
        2 * d * d + d * d + d * d + d * d
    );
    let report =
        std::fs::read_to_string(dir.join("ws/model_builder/gaps/unmapped_attention.md")).unwrap();
    assert!(
        report.contains("block 0's attention has widths q 1024, k 512, v 512, o_proj input 512 over hidden 512: not a pattern the generator maps"),
        "{report}"
    );
    let out = run(&hub, &dir, &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bad: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"].as_str().unwrap().contains("model_configs"))
        .filter(|d| d["severity"] == "error" || d["severity"] == "warning")
        .map(|d| format!("{} {} {}", d["path"], d["code"], d["message"]))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    // No head count anywhere: refused with what is missing.
    let o = run(&hub, &dir, &["new", "acme/headless", "--out", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: cannot generate a config for `acme/headless`: config.json gives no attention head count (num_attention_heads, n_head or n_heads) and no head_dim, and the query width 512 alone cannot be split into heads\n"
    );
}

/// The gap reports `new` scaffolds stay inside the workspace: a
/// `model_builder` folder that is a link leading out is refused (nothing is
/// created there), and a shared report that is a link leading out is not
/// read: it documents no model, so the model gets a report of its own.
#[cfg(unix)]
#[test]
fn new_scaffolds_only_inside_the_workspace() {
    let (hub, _rt) = MockHub::start_in_background(vec![MockModel::fixture("Qwen--Qwen3-0.6B")]);
    let dir = scratch("scaffold-confined");
    let outside = dir.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("ws/model_builder")).unwrap();
    let o = run(&hub, &dir, &["new", "Qwen/Qwen3-0.6B"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("resolves outside the workspace; nothing is written there"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    // Refused before anything is written: no config naming absent reports.
    assert!(
        stderr(&o).ends_with("; nothing written\n"),
        "{}",
        stderr(&o)
    );
    assert!(
        !dir.join("ws/backend/data/model_configs/Qwen_Qwen3-0.6B.json")
            .exists()
    );
    // A report that is a link to a file outside, whose **Model** line
    // would claim this model: not read, so not trusted.
    std::fs::remove_file(dir.join("ws/model_builder")).unwrap();
    std::fs::create_dir_all(dir.join("ws/model_builder/gaps")).unwrap();
    std::fs::write(
        outside.join("secret.md"),
        "**Model**: Qwen/Qwen3-0.6B (layer `attention`)\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.join("secret.md"),
        dir.join("ws/model_builder/gaps/attention_dimension_mismatch.md"),
    )
    .unwrap();
    let o = run(&hub, &dir, &["new", "Qwen/Qwen3-0.6B", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("wrote model_builder/gaps/attention_dimension_mismatch_Qwen_Qwen3-0.6B.md\n"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("secret.md")).unwrap(),
        "**Model**: Qwen/Qwen3-0.6B (layer `attention`)\n"
    );
}
