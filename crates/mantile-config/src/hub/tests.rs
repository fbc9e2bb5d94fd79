//! The Hub cross-checks, hover and generator, on fixtures.

use super::*;
use crate::check::layers;
use crate::{Catalog, ConfigContext, check_config};
use expect_test::{Expect, expect};
use mantile_diag::Severity;
use serde_json::Value;
use serde_json::json;

/// d=64, h=4, kv=2, dh=16, di=128, V=100, 2 blocks, untied: the layers
/// (2 × attention 12,288, 2 × feedforward 24,576, 2 × norm 64 (one per
/// block), embedding 6,400) sum to 80,256; the real model adds an lm_head
/// 6,400, a second norm per block 2×64 and a final norm 64: 86,848.
const CONFIG: &str = r#"{"model_id": "org_Tiny", "hf_model_id": "org/Tiny", "name": "t", "hidden_size": 64,
 "num_layers": 2, "vocab_size": 100, "total_params": 80256,
 "layer_types": [
  {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 2, "specs": {"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16}},
  {"name": "feedforward", "class": "GatedMLPLayer", "count": 2, "specs": {"hidden_size": 64, "intermediate_size": 128}},
  {"name": "norm", "class": "NormLayer", "count": 2, "specs": {"hidden_size": 64}},
  {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 100, "hidden_size": 64}}]}"#;

fn facts(config: Value, total: u128) -> HubFacts {
    HubFacts {
        repo_id: "org/Tiny".into(),
        sha: Some("0123456789abcdef0123".into()),
        config,
        parameters: Some(HubParameters {
            by_dtype: vec![("BF16".into(), total)],
            total,
            source: "model info",
        }),
        provenance: Provenance::Live,
        tensors: None,
        tensors_problem: None,
    }
}

fn llama_json() -> Value {
    json!({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
           "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100,
           "tie_word_embeddings": false, "attention_bias": false})
}

fn check(text: &str, facts: &HubFacts, expect: Expect) {
    let tree = mantile_json::parse(text);
    let root = tree.root().unwrap();
    let mut out = String::new();
    for d in check_against_hub(&root, facts) {
        out.push_str(&format!(
            "{} {} {:?}: {}\n",
            d.rule.code,
            d.severity,
            &text[d.range.as_range()],
            d.message
        ));
    }
    expect.assert_eq(&out);
}

#[test]
fn agreeing_metadata_gives_no_findings() {
    check(
        &CONFIG.replace("80256", "86848"),
        &facts(llama_json(), 86_848),
        expect![""],
    );
}

#[test]
fn total_explained_by_omitted_pieces_is_an_error_beyond_one_percent() {
    check(
        CONFIG,
        &facts(llama_json(), 86_848),
        expect![[r#"
            MC072 error "80256": total_params 80,256 is not the model's parameter count: org/Tiny has exactly 86,848 (BF16 86,848 from model info), +6,592 (+7.59%); the layers sum to 80,256, and the difference 6,592 is exactly an untied lm_head V×d = 100×64 = 6,400 + a final norm (64) + a second norm per block 2×64 = 128, which layer_types does not list
        "#]],
    );
    // Tied embeddings: the lm_head cannot be the explanation.
    let mut tied = llama_json();
    tied["tie_word_embeddings"] = json!(true);
    check(
        CONFIG,
        &facts(tied, 86_848),
        expect![[r#"
            MC072 error "80256": total_params 80,256 is not the model's parameter count: org/Tiny has exactly 86,848 (BF16 86,848 from model info), +6,592 (+7.59%)
        "#]],
    );
    // Within 1%: a warning.
    check(
        &CONFIG.replace("80256", "86800"),
        &facts(llama_json(), 86_848),
        expect![[r#"
            MC072 warning "86800": total_params 86,800 is not the model's parameter count: org/Tiny has exactly 86,848 (BF16 86,848 from model info), +48 (+0.06%); the layers sum to 80,256, and the difference 6,592 is exactly an untied lm_head V×d = 100×64 = 6,400 + a final norm (64) + a second norm per block 2×64 = 128, which layer_types does not list
        "#]],
    );
}

#[test]
fn dimension_mismatches_point_at_the_config_value() {
    let mut c = llama_json();
    c["num_key_value_heads"] = json!(4);
    c["intermediate_size"] = json!(256);
    c["num_hidden_layers"] = json!(3);
    check(
        &CONFIG.replace("80256", "86848"),
        &facts(c, 86_848),
        expect![[r#"
            MC071 error "2": num_layers 2 differs from num_hidden_layers 3 in org/Tiny's config.json
            MC071 error "2": num_kv_heads 2 differs from num_key_value_heads 4 in org/Tiny's config.json
            MC071 error "128": intermediate_size 128 differs from intermediate_size 256 in org/Tiny's config.json
        "#]],
    );
}

#[test]
fn sliding_window_bias_and_stale_cache() {
    let mut c = llama_json();
    c["sliding_window"] = json!(4096);
    c["attention_bias"] = json!(true);
    let mut f = facts(c, 86_848);
    f.provenance = Provenance::Cached {
        age_secs: 3 * 86400 + 5,
        expired: true,
        why: Some("offline".into()),
    };
    check(
        &CONFIG.replace("80256", "86848"),
        &f,
        expect![[r#"
            MC073 info "\"org/Tiny\"": Hugging Face metadata from cache, 3 days old: offline
            MC071 error "\"GroupedQueryAttentionLayer\"": has_bias is false for "attention" but org/Tiny's config.json has attention_bias true (Hugging Face metadata from cache, 3 days old)
            MC074 warning "\"GroupedQueryAttentionLayer\"": org/Tiny's config.json sets sliding_window 4096, but no layer is a SlidingWindowAttentionLayer: attention over contexts longer than 4096 tokens, and its KV cache, are overestimated (Hugging Face metadata from cache, 3 days old)
        "#]],
    );
    // Qwen2-style: a window that is switched off is no sliding window.
    let mut c = llama_json();
    c["sliding_window"] = json!(4096);
    c["use_sliding_window"] = json!(false);
    check(
        &CONFIG.replace("80256", "86848"),
        &facts(c, 86_848),
        expect![""],
    );
}

#[test]
fn qkv_biases_the_config_omits_explain_the_difference() {
    // Qwen2-style: q/k/v carry biases, has_bias is not stated: 2 × (64 + 2×32) = 256.
    let mut c = llama_json();
    c["tie_word_embeddings"] = json!(true);
    check(
        CONFIG,
        &facts(c, 80_256 + 256),
        expect![[r#"
            MC072 warning "80256": total_params 80,256 is not the model's parameter count: org/Tiny has exactly 80,512 (BF16 80,512 from model info), +256 (+0.32%); the layers sum to 80,256, and the difference 256 is exactly q/k/v projection biases in the attention layers (256), which layer_types does not list
        "#]],
    );
}

#[test]
fn quantized_counts_are_not_compared() {
    let mut f = facts(llama_json(), 60_000);
    f.parameters = Some(HubParameters {
        by_dtype: vec![("BF16".into(), 20_000), ("U8".into(), 40_000)],
        total: 60_000,
        source: "model info",
    });
    check(
        CONFIG,
        &f,
        expect![[r#"
            MC072 info "80256": the Hub's count for org/Tiny (60,000 elements) includes quantized tensors stored as U8, which pack several parameters per element or are scales; without a readable tensor inventory it is not compared with total_params
        "#]],
    );
}

/// The tensors of the tiny Llama of CONFIG (two blocks, d = 64, kv = 32,
/// di = 128), each projection's given by `projection(name, shape)`; the
/// embeddings and norms in BF16.
fn tiny_llama_tensors(
    mut projection: impl FnMut(&str, Vec<u64>) -> Vec<mantile_tensors::Entry>,
) -> Vec<mantile_tensors::Entry> {
    use mantile_tensors::DType;
    let mut e = vec![
        (
            "model.embed_tokens.weight".to_string(),
            DType::BF16,
            vec![100, 64],
        ),
        ("lm_head.weight".to_string(), DType::BF16, vec![100, 64]),
        ("model.norm.weight".to_string(), DType::BF16, vec![64]),
    ];
    for l in 0..2 {
        let p = format!("model.layers.{l}");
        for (n, s) in [
            ("self_attn.q_proj", vec![64, 64]),
            ("self_attn.k_proj", vec![32, 64]),
            ("self_attn.v_proj", vec![32, 64]),
            ("self_attn.o_proj", vec![64, 64]),
            ("mlp.gate_proj", vec![128, 64]),
            ("mlp.up_proj", vec![128, 64]),
            ("mlp.down_proj", vec![64, 128]),
        ] {
            e.extend(projection(&format!("{p}.{n}"), s));
        }
        for n in ["input_layernorm", "post_attention_layernorm"] {
            e.push((format!("{p}.{n}.weight"), DType::BF16, vec![64]));
        }
    }
    e
}

/// The tiny Llama of CONFIG in FP8: projections `F8_E4M3` with one F32
/// block scale each (14 elements), the rest BF16.
fn fp8_facts() -> HubFacts {
    use mantile_tensors::DType;
    let e = tiny_llama_tensors(|name, s| {
        vec![
            (format!("{name}.weight"), DType::F8E4M3, s),
            (format!("{name}.weight_scale_inv"), DType::F32, vec![1, 1]),
        ]
    });
    let mut inv = mantile_tensors::Inventory::default();
    inv.add_shard("model.safetensors", e).unwrap();
    inv.finish().unwrap();
    let t = inv.totals();
    let mut f = facts(llama_json(), t.total_elements);
    f.parameters = Some(HubParameters {
        by_dtype: t
            .elements
            .iter()
            .map(|(d, n)| (d.name().to_string(), *n))
            .collect(),
        total: t.total_elements,
        source: "model info",
    });
    f.tensors = Some(std::sync::Arc::new(inv));
    f
}

#[test]
fn quantized_counts_are_compared_as_parameters_with_the_inventory() {
    let f = fp8_facts();
    assert_eq!(f.parameters.as_ref().unwrap().total, 86_862);
    // The logical count (the stored elements less 14 scales) is exact.
    check(&CONFIG.replace("80256", "86848"), &f, expect![""]);
    // The stored elements are not the parameter count.
    check(
        &CONFIG.replace("80256", "86862"),
        &f,
        expect![[r#"
            MC072 warning "86862": total_params 86,862 is not the model's parameter count: org/Tiny has exactly 86,848 (from the safetensors headers: 86,862 stored elements = 86,848 parameters + 14 elements of quantization data (F32 14), which are not parameters), -14 (-0.02%)
        "#]],
    );
    check(
        CONFIG,
        &f,
        expect![[r#"
            MC072 error "80256": total_params 80,256 is not the model's parameter count: org/Tiny has exactly 86,848 (from the safetensors headers: 86,862 stored elements = 86,848 parameters + 14 elements of quantization data (F32 14), which are not parameters), +6,592 (+7.59%); the layers sum to 80,256, and the difference 6,592 is exactly an untied lm_head V×d = 100×64 = 6,400 + a final norm (64) + a second norm per block 2×64 = 128, which layer_types does not list
        "#]],
    );
    // And `new` writes the parameters, naming the scales.
    let g = generate(&f, &Catalog::builtin()).unwrap();
    let v: Value = serde_json::from_str(&g.text).unwrap();
    assert_eq!(v["total_params"], 86_848);
    assert!(
        v["validation_notes"].as_str().unwrap().contains(
            "86,862 stored elements = 86,848 parameters + 14 elements of quantization data (F32 14)"
        ),
        "{}",
        v["validation_notes"]
    );
}

#[test]
fn problems_say_what_to_do_and_never_show_a_token() {
    let p = HubProblem::Unauthorized {
        status: 401,
        gated: true,
    };
    assert_eq!(
        p.message("meta-llama/Llama-3.3-70B-Instruct"),
        "Hugging Face refused access to `meta-llama/Llama-3.3-70B-Instruct` (401, gated model): set HF_TOKEN (or log in so that $HF_HOME/token exists) with a token that has access, and accept the model's terms on its Hugging Face page"
    );
    assert_eq!(p.severity(), Severity::Warning);
    assert_eq!(HubProblem::Timeout { secs: 10 }.severity(), Severity::Info);
    assert_eq!(age(59), "59 seconds");
    assert_eq!(age(3600), "60 minutes");
    assert_eq!(age(86400), "24 hours");
    assert_eq!(age(86400 * 3), "3 days");
}

#[test]
fn generated_llama_config_passes_check_without_errors() {
    let g = generate(&facts(llama_json(), 86_848), &Catalog::builtin()).unwrap();
    assert_eq!(g.model_id, "org_Tiny");
    let catalog = Catalog::builtin();
    let ctx = ConfigContext {
        file_stem: Some("org_Tiny"),
        catalog: &catalog,
        files: None,
        one_shot: false,
    };
    let report = check_config(&g.text, &ctx);
    let findings: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.rule.code, d.severity))
        .collect();
    // The lm_head the layer list omits is explained, not an error.
    assert_eq!(findings, ["MC061 info"], "{}", g.text);
    let root = report.root().unwrap();
    let attn = root.pointer("/layer_types/0/specs").unwrap();
    assert_eq!(attn.get("parameter_count").unwrap().as_u128(), Some(12_288));
    assert_eq!(
        root.pointer("/layer_types/2/count").unwrap().as_u128(),
        Some(5)
    );
    assert_eq!(
        g.unsupported,
        ["the untied lm_head (100×64) is not a Mantile layer; it is counted in total_params"]
    );
    // Cross-checking the generated config against the same facts agrees.
    assert!(check_against_hub(&root, &facts(llama_json(), 86_848)).is_empty());
}

#[test]
fn generated_gpt_oss_style_config_has_both_attention_kinds() {
    let c = json!({"architectures": ["GptOssForCausalLM"], "model_type": "gpt_oss", "hidden_size": 24, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "intermediate_size": 24, "vocab_size": 10,
        "num_local_experts": 4, "experts_per_token": 2, "sliding_window": 128, "attention_bias": true,
        "layer_types": ["sliding_attention", "full_attention"], "tie_word_embeddings": false});
    let f = HubFacts {
        parameters: Some(HubParameters {
            by_dtype: vec![("BF16".into(), 1)],
            total: 1,
            source: "model info",
        }),
        ..facts(c, 1)
    };
    let g = generate(&f, &Catalog::builtin()).unwrap();
    let tree = mantile_json::parse(&g.text);
    let root = tree.root().unwrap();
    let classes: Vec<(&str, u128)> = layers(&root)
        .iter()
        .map(|l| (l.class_str().unwrap(), l.count.unwrap()))
        .collect();
    assert_eq!(
        classes,
        [
            ("SlidingWindowAttentionLayer", 1),
            // Biased full attention: the class that takes has_bias, without a window.
            ("SlidingWindowAttentionLayer", 1),
            ("MoELayer", 2),
            ("NormLayer", 5),
            ("EmbeddingLayer", 1),
            // One learned logit per head in every layer: a gap, not num_sinks.
            ("LearnedSinksLayer", 2)
        ]
    );
    assert!(
        g.unsupported[0].starts_with(
            "Learned attention sinks (attention_sinks, model_builder/gaps/learned_attention_sinks.md): each attention layer has 4 learned logits"
        ),
        "{:?}",
        g.unsupported
    );
    assert!(!g.text.contains("\"num_sinks\":"));
    assert_eq!(g.gaps.len(), 1);
    assert_eq!((g.gaps[0].count, g.gaps[0].parameters), (2, 4));
}

#[test]
fn zero_or_absurd_dimensions_are_refused_with_the_reason() {
    let refuse = |key: &str, v: Value| {
        let mut c = llama_json();
        c[key] = v;
        generate(&facts(c, 86_848), &Catalog::builtin()).unwrap_err()
    };
    assert_eq!(
        refuse("num_key_value_heads", json!(0)),
        "config.json gives `num_key_value_heads` 0: no layer can have a zero num_key_value_heads, and a config built on it would not pass check"
    );
    assert!(refuse("head_dim", json!(0)).starts_with("config.json gives `head_dim` 0"));
    assert!(refuse("hidden_size", json!(0)).starts_with("config.json gives `hidden_size` 0"));
    assert!(refuse("vocab_size", json!(0)).starts_with("config.json gives `vocab_size` 0"));
    assert!(
        refuse("intermediate_size", json!(0))
            .starts_with("config.json gives `intermediate_size` 0")
    );
    assert_eq!(
        refuse("hidden_size", json!(1u64 << 40)),
        "config.json gives `hidden_size` 1099511627776, more than 16777216: not a dimension a real model has"
    );
    assert_eq!(
        refuse("num_key_value_heads", json!(3)),
        "config.json gives 4 attention heads and 3 key/value heads: the query heads must be a multiple of the key/value heads"
    );
    assert!(refuse("sliding_window", json!(0)).contains("`sliding_window` 0"));
    assert!(
        refuse(
            "layer_types",
            json!(["sliding_attention", "full_attention", "full_attention"])
        )
        .contains("lists 1 sliding and 2 full attention layers, but num_hidden_layers is 2")
    );
    let moe = |experts: Value, k: Value| {
        let mut c = llama_json();
        c["model_type"] = json!("mixtral");
        c["num_local_experts"] = experts;
        c["num_experts_per_tok"] = k;
        generate(&facts(c, 86_848), &Catalog::builtin()).unwrap_err()
    };
    assert!(moe(json!(0), json!(2)).starts_with("config.json gives `num_experts` 0"));
    assert!(moe(json!(8), json!(0)).starts_with("config.json gives `num_experts_per_tok` 0"));
    assert_eq!(
        moe(json!(2), json!(4)),
        "config.json routes each token to 4 experts of 2: top_k cannot exceed the number of experts"
    );
}

#[test]
fn model_ids_are_org_slash_name_in_the_hub_s_alphabet() {
    for ok in [
        "meta-llama/Llama-3.3-70B-Instruct",
        "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
        "openai/gpt-oss-120b",
        "Qwen/Qwen2.5-7B-Instruct",
        "a/b",
        "org_x/m_1.5",
    ] {
        assert_eq!(validate_repo_id(ok), Ok(()), "{ok}");
    }
    let reason = |id: &str| validate_repo_id(id).unwrap_err();
    assert_eq!(
        reason("a/b/../../api/whoami"),
        "expected `org/name`, with exactly one `/` (found 5)"
    );
    assert_eq!(
        reason("a/b?x=1"),
        "the name contains `?`; only letters, digits, `.`, `_` and `-` are allowed"
    );
    assert_eq!(reason("/"), "the org is empty");
    assert_eq!(
        reason("gpt2"),
        "expected `org/name`, with exactly one `/` (found 0)"
    );
    assert_eq!(
        reason("../x"),
        "the org `..` starts or ends with `.` or `-`"
    );
    assert_eq!(reason("a/."), "the name `.` starts or ends with `.` or `-`");
    assert_eq!(reason("a/b..c"), "the name `b..c` contains `..` or `--`");
    assert_eq!(
        reason("a/b\u{1b}[2J"),
        "the name contains the character U+001B; only letters, digits, `.`, `_` and `-` are allowed"
    );
    assert_eq!(
        reason("a/b%2F.."),
        "the name contains `%`; only letters, digits, `.`, `_` and `-` are allowed"
    );
    assert_eq!(
        reason(&format!("a/{}", "x".repeat(97))),
        "the name is longer than 96 characters"
    );
    let msg = HubProblem::InvalidId {
        reason: reason("a/b\u{1b}"),
    }
    .message("a/b\u{1b}");
    assert!(
        msg.starts_with("`a/b\\u{1b}` is not a Hugging Face model id"),
        "{msg}"
    );
}

#[test]
fn unknown_model_types_are_refused_with_the_list() {
    let mut c = llama_json();
    c["model_type"] = json!("mamba");
    let e = generate(&facts(c, 1), &Catalog::builtin()).unwrap_err();
    assert!(
        e.starts_with("model_type `mamba` is not one the generator maps"),
        "{e}"
    );
}

/// The BF16 tiny llama's tensors, with biases on the projections `biased`
/// (`"mlp.up_proj"`) of every block.
fn llama_facts_with_biases(biased: &[&str]) -> HubFacts {
    use mantile_tensors::DType;
    let e = tiny_llama_tensors(|name, s| {
        let mut v = Vec::new();
        if biased.iter().any(|b| name.ends_with(&format!(".{b}"))) {
            v.push((format!("{name}.bias"), DType::BF16, vec![s[0]]));
        }
        v.push((format!("{name}.weight"), DType::BF16, s));
        v
    });
    let mut inv = mantile_tensors::Inventory::default();
    inv.add_shard("model.safetensors", e).unwrap();
    inv.finish().unwrap();
    let mut f = facts(llama_json(), inv.totals().total_elements);
    f.tensors = Some(std::sync::Arc::new(inv));
    f
}

/// What `new` writes for a generated config: the config, what is not
/// supported, the gap reports' layers and reasons.
fn generated(g: &Generated) -> String {
    let mut out = format!("{}\nunsupported: {:?}\n", g.text, g.unsupported);
    for gap in &g.gaps {
        out.push_str(&format!(
            "gap {} {} ×{} {}: {} ({} tensors)\n",
            gap.layer,
            gap.class,
            gap.count,
            gap.slug,
            gap.why,
            gap.tensors.len()
        ));
    }
    out
}

#[test]
fn a_feed_forward_no_class_maps_is_a_gap_layer_counted_exactly() {
    // A bias on one MLP projection only: no class maps it, so the block's
    // feed-forward tensors become a gap layer (the attention still maps).
    let f = llama_facts_with_biases(&["mlp.up_proj"]);
    let g = generate(&f, &Catalog::builtin()).unwrap();
    expect![[r#"
        {
          "model_id": "org_Tiny",
          "hf_model_id": "org/Tiny",
          "name": "Tiny",
          "hidden_size": 64,
          "num_layers": 2,
          "vocab_size": 100,
          "total_params": 87104,
          "total_params_formatted": "87.1K",
          "layer_types": [
            {
              "name": "attention",
              "class": "GroupedQueryAttentionLayer",
              "count": 2,
              "supported": true,
              "specs": {
                "layer_idx": 0,
                "parameter_count": 12288,
                "input_dim": 64,
                "output_dim": 64,
                "hidden_size": 64,
                "num_heads": 4,
                "num_kv_heads": 2,
                "head_dim": 16
              }
            },
            {
              "name": "feedforward",
              "class": "UnmappedFeedForwardLayer",
              "count": 2,
              "supported": false,
              "gap_report": "model_builder/gaps/unmapped_feedforward.md",
              "specs": {
                "parameter_count": 24704,
                "hidden_size": 64
              }
            },
            {
              "name": "norm",
              "class": "NormLayer",
              "count": 5,
              "supported": true,
              "specs": {
                "layer_idx": 0,
                "parameter_count": 64,
                "input_dim": 64,
                "output_dim": 64,
                "hidden_size": 64,
                "has_bias": false
              }
            },
            {
              "name": "embedding",
              "class": "EmbeddingLayer",
              "count": 1,
              "supported": true,
              "specs": {
                "parameter_count": 6400,
                "vocab_size": 100,
                "hidden_size": 64
              }
            }
          ],
          "validated": false,
          "validation_notes": "Generated by mantile-lsp from the safetensors headers of org/Tiny at 0123456789ab (23 tensors in 1 shard; dimensions from their shapes and config.json). Every tensor is accounted for: the layers hold 80,704; not in layer_types: an untied lm_head (V×d = 100×64) 6,400; together total_params 87,104. Not modelled by Mantile: Feed-forward the generator does not map to a Mantile class (layer \"feedforward\", model_builder/gaps/unmapped_feedforward.md).",
          "validation_sources": [
            "https://huggingface.co/org/Tiny"
          ]
        }

        unsupported: ["Feed-forward the generator does not map to a Mantile class (feedforward, model_builder/gaps/unmapped_feedforward.md): block 0's MLP has biases on some projections only: not a pattern the generator maps; its tensors are listed here, counted exactly, for a person to map"]
        gap feedforward UnmappedFeedForwardLayer ×2 unmapped_feedforward: block 0's MLP has biases on some projections only: not a pattern the generator maps; its tensors are listed here, counted exactly, for a person to map (4 tensors)
    "#]].assert_eq(&generated(&g));
    let v: Value = serde_json::from_str(&g.text).unwrap();
    let total = f.tensors.as_ref().unwrap().totals().total_elements;
    assert_eq!(v["total_params"].as_u64().map(u128::from), Some(total));
}
