//! Checking configs in memory: the example configs, a model listed layer by
//! layer, and hostile shapes at growing sizes (the time per entry must stay
//! flat: every rule is linear, every finding's text bounded).
//!
//! Run with `cargo bench -p mantile-config`. Targets: a 2,000-layer config
//! checked in 10 ms or less; every hostile input under 1 s per MB.

use mantile_config::{Catalog, ConfigContext, check_config};
use std::fmt::Write as _;

fn main() {
    divan::main();
}

fn check(text: &str) -> usize {
    let catalog = Catalog::builtin();
    let ctx = ConfigContext {
        file_stem: Some("org_Model"),
        catalog: &catalog,
        files: None,
        one_shot: false,
    };
    check_config(divan::black_box(text), &ctx).diagnostics.len()
}

/// The top of a config, up to the opening of `layer_types`.
fn head() -> String {
    r#"{
  "model_id": "org_Model",
  "hf_model_id": "org/Model",
  "name": "Model",
  "hidden_size": 4096,
  "num_layers": 1000,
  "vocab_size": 32000,
  "total_params": 1,
  "total_params_formatted": "1.0K",
  "layer_types": ["#
        .to_string()
}

/// A model listed layer by layer: `layers` entries alternating attention and
/// gated MLP, each with its full specs (~290 bytes per entry).
fn layer_by_layer(layers: usize) -> String {
    let mut t = head();
    for i in 0..layers {
        if i > 0 {
            t.push(',');
        }
        if i % 2 == 0 {
            let _ = write!(
                t,
                r#"
    {{
      "name": "layer_{i}_attention",
      "class": "GroupedQueryAttentionLayer",
      "count": 1,
      "supported": true,
      "specs": {{"layer_idx": {i}, "hidden_size": 4096, "num_heads": 32, "num_kv_heads": 8, "head_dim": 128, "parameter_count": 41943040}}
    }}"#
            );
        } else {
            let _ = write!(
                t,
                r#"
    {{
      "name": "layer_{i}_mlp",
      "class": "GatedMLPLayer",
      "count": 1,
      "supported": true,
      "specs": {{"layer_idx": {i}, "hidden_size": 4096, "intermediate_size": 14336, "parameter_count": 176160768}}
    }}"#
            );
        }
    }
    t.push_str("\n  ]\n}\n");
    t
}

const EXAMPLES: [&str; 2] = ["acme_Wide-MoE-2B.json", "acme_Tiny-Llama-100M.json"];

/// The example workspace's defective config (ten findings) and its clean one.
#[divan::bench(args = EXAMPLES)]
fn example(bencher: divan::Bencher, name: &str) {
    let path = format!(
        "{}/../../examples/workspace/backend/data/model_configs/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    bencher.bench(|| check(&text));
}

/// A model listed layer by layer (2,000 entries: ~580 KB).
#[divan::bench(args = [200, 2000])]
fn layers_listed_one_by_one(bencher: divan::Bencher, layers: usize) {
    let text = layer_by_layer(layers);
    bencher.bench(|| check(&text));
}

/// Parsing alone, for the share of the check it takes.
#[divan::bench(args = [2000])]
fn parse_layer_by_layer(bencher: divan::Bencher, layers: usize) {
    let text = layer_by_layer(layers);
    bencher.bench(|| mantile_json::parse(divan::black_box(&text)).node_count());
}

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

/// Layers with non-standard names (MC021 for each).
#[divan::bench(args = SIZES, sample_count = 5)]
fn nonstandard_names(bencher: divan::Bencher, n: usize) {
    let mut t = head();
    for i in 0..n {
        let _ = write!(
            t,
            r#"{}{{"name": "attn_{i}", "class": "GroupedQueryAttentionLayer", "count": 1}}"#,
            if i > 0 { "," } else { "" }
        );
    }
    t.push_str("]}");
    bencher.bench(|| check(&t));
}

/// Layers all named `attention` (MC020 for all but the first).
#[divan::bench(args = SIZES, sample_count = 5)]
fn same_name(bencher: divan::Bencher, n: usize) {
    let mut t = head();
    for i in 0..n {
        let _ = write!(
            t,
            r#"{}{{"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 1}}"#,
            if i > 0 { "," } else { "" }
        );
    }
    t.push_str("]}");
    bencher.bench(|| check(&t));
}

/// Top-level fields the format does not define (MC004 for each).
#[divan::bench(args = SIZES, sample_count = 5)]
fn unknown_fields(bencher: divan::Bencher, n: usize) {
    let mut t = String::from("{");
    for i in 0..n {
        let _ = write!(t, r#""unknown_{i}": 1, "#);
    }
    t.push_str(r#""model_id": "org_Model"}"#);
    bencher.bench(|| check(&t));
}

/// One key repeated (MC003 for all but the first).
#[divan::bench(args = SIZES, sample_count = 5)]
fn duplicate_keys(bencher: divan::Bencher, n: usize) {
    let mut t = String::from("{");
    for i in 0..n {
        let _ = write!(t, r#"{}"k": {i}"#, if i > 0 { ", " } else { "" });
    }
    t.push('}');
    bencher.bench(|| check(&t));
}
