//! The exact findings on the real Mantile configs (`../shared/mantile-ref` beside the checkout,
//! or see `tests/support/mantile_ref.rs`: skipped without it, failed in CI). Each one is
//! justified in the README's "Findings on the real configs"; anything new at
//! any severity fails this test so it gets reviewed.

use std::process::Command;

#[path = "../../../tests/support/mantile_ref.rs"]
mod mantile_ref;

#[test]
fn findings_on_the_real_configs_are_exactly_the_reviewed_ones() {
    let Some(reference) = mantile_ref::corpus("reference.rs") else {
        return;
    };
    let configs = reference.join("backend/data/model_configs");
    let out = Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(["check", "--offline", "--format", "json"])
        .arg(&configs)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the GPT-OSS attention counts are errors"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let path = d["path"].as_str().unwrap();
            let file = path.rsplit('/').next().unwrap();
            format!(
                "{file}:{} {} {}",
                d["range"]["start"]["line"],
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    let expected = [
        "TinyLlama_TinyLlama-1.1B-Chat-v1.0.json:42 hint MC064",
        "meta-llama_Llama-3.1-405B-Instruct.json:8 info MC061",
        "meta-llama_Llama-3.3-70B-Instruct.json:43 hint MC064",
        "mistralai_Mistral-7B-v0.1.json:42 hint MC064",
        "mistralai_Mistral-7B-v0.1.json:8 info MC061",
        "openai_GPT-OSS-120B.json:2 warning MC011",
        "openai_GPT-OSS-120B.json:21 info MC055",
        "openai_GPT-OSS-120B.json:25 error MC060",
        // `attention_sliding` (line 12) and `attention_full` (line 29) follow
        // the convention the only way two attention kinds can: the standard
        // name as a prefix. "MoE", the only feed-forward layer, can be
        // `feedforward`.
        "openai_GPT-OSS-120B.json:38 info MC055",
        // The real GroupedQueryAttentionLayer.__init__ takes no `has_bias`, and
        // main._construct_layer filters specs by the signature: Mantile drops
        // the biases of "attention_full" without a word.
        "openai_GPT-OSS-120B.json:39 warning MC032",
        "openai_GPT-OSS-120B.json:40 error MC060",
        "openai_GPT-OSS-120B.json:44 warning MC021",
        "openai_GPT-OSS-120B.json:8 info MC061",
    ];
    assert_eq!(found, expected);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("= 26,550,080"),
        "the recomputed GPT-OSS attention count is shown"
    );
}
