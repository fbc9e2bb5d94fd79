//! Fixture tests: one small config per behaviour, diagnostics as inline snapshots.

use super::*;
use expect_test::{Expect, expect};
use mantile_diag::{LineIndex, PositionEncoding};

/// A clean config: d=64, h=4, kv=2, dh=16, di=128, V=100, 2 blocks.
/// attention 64·64 + 2·64·32 + 64·64 = 12,288; feedforward 3·64·128 = 24,576;
/// norm 64 (5 of them: two per block plus a final one); embedding 6,400;
/// total 2·12,288 + 2·24,576 + 5·64 + 6,400 = 80,448.
const GOOD: &str = r#"{
  "model_id": "org_Tiny-1",
  "hf_model_id": "org/Tiny-1",
  "name": "Tiny 1",
  "hidden_size": 64,
  "num_layers": 2,
  "vocab_size": 100,
  "total_params": 80448,
  "total_params_formatted": "80.4K",
  "layer_types": [
    {
      "name": "attention",
      "class": "GroupedQueryAttentionLayer",
      "count": 2,
      "specs": {"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16, "parameter_count": 12288}
    },
    {
      "name": "feedforward",
      "class": "GatedMLPLayer",
      "count": 2,
      "specs": {"hidden_size": 64, "intermediate_size": 128, "parameter_count": 24576}
    },
    {
      "name": "norm",
      "class": "NormLayer",
      "count": 5,
      "specs": {"hidden_size": 64, "has_bias": false, "parameter_count": 64}
    },
    {
      "name": "embedding",
      "class": "EmbeddingLayer",
      "count": 1,
      "specs": {"vocab_size": 100, "hidden_size": 64, "parameter_count": 6400}
    }
  ],
  "validated": true
}"#;

struct Files(&'static [&'static str]);

impl WorkspaceFiles for Files {
    fn exists(&self, rel_path: &str) -> bool {
        self.0.contains(&rel_path)
    }
}

fn run(text: &str, stem: Option<&str>, files: Option<&dyn WorkspaceFiles>) -> String {
    let catalog = Catalog::builtin();
    let ctx = ConfigContext {
        file_stem: stem,
        catalog: &catalog,
        files,
        one_shot: false,
    };
    let report = check_config(text, &ctx);
    // A one-shot check (the command line's) finds exactly the same.
    let one_shot = ConfigContext {
        one_shot: true,
        ..ctx
    };
    assert_eq!(
        check_config(text, &one_shot).diagnostics,
        report.diagnostics
    );
    let idx = LineIndex::new(text);
    let mut out = String::new();
    for d in &report.diagnostics {
        let s = idx.line_col(text, d.range.start as usize, PositionEncoding::Utf32);
        out.push_str(&format!(
            "{} {} {}:{} {:?}: {}\n",
            d.rule.code,
            d.severity,
            s.line + 1,
            s.col + 1,
            &text[d.range.as_range()],
            d.message
        ));
        for f in &d.fixes {
            out.push_str(&format!("  fix: {}\n", f.title));
        }
    }
    out
}

/// The total of GOOD changes when a fixture breaks a count; most fixtures keep it.
fn check(text: &str, expect: Expect) {
    expect.assert_eq(&run(
        text,
        Some("org_Tiny-1"),
        Some(&Files(&["model_builder/gaps/router.md"])),
    ));
}

fn good_with(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "fixture does not contain {from:?}");
    GOOD.replacen(from, to, 1)
}

/// The fix of the first diagnostic, applied.
fn fixed(text: &str) -> String {
    let catalog = Catalog::builtin();
    let ctx = ConfigContext {
        file_stem: Some("org_Tiny-1"),
        catalog: &catalog,
        files: None,
        one_shot: false,
    };
    let report = check_config(text, &ctx);
    let d = report
        .diagnostics
        .iter()
        .find(|d| !d.fixes.is_empty())
        .expect("a fix");
    d.fixes[0].apply(text)
}

#[test]
fn clean_config_has_no_findings() {
    check(GOOD, expect![""]);
}

#[test]
fn mc001_syntax_error() {
    check(
        &good_with(r#""validated": true"#, r#""validated": True"#),
        expect![[r#"
            MC001 error 36:16 "True": `True` is Python, not JSON: use `true`
        "#]],
    );
}

#[test]
fn mc001_every_syntax_error_and_nothing_else() {
    // Two mistakes mid-edit: each is reported, and no other rule judges the
    // half-read document (the layer count or names would be false alarms).
    check(
        &good_with(r#""num_layers": 2,"#, r#""num_layers": 2"#).replacen(
            r#""name": "norm","#,
            r#""name": "norm"#,
            1,
        ),
        expect![[r#"
            MC001 error 7:3 "\"": expected `,` between object members (missing comma?)
            MC001 error 24:15 "\"norm": unterminated string: a string cannot span lines
        "#]],
    );
}

#[test]
fn mc002_schema_type_required_and_pattern() {
    check(
        &good_with(r#""hidden_size": 64,"#, r#""hidden_size": "64","#)
            .replacen(
                r#"  "name": "Tiny 1",
"#,
                "",
                1,
            )
            .replacen(r#""80.4K""#, r#""80 thousand""#, 1),
        expect![[r#"
            MC002 error 1:1 "{": missing required field `name`
            MC002 error 4:18 "\"64\"": `hidden_size` must be an integer, found string
            MC002 error 8:29 "\"80 thousand\"": `total_params_formatted` must be a number with a K, M, B or T suffix, like `69.5B`
        "#]],
    );
    check(
        &good_with(r#""count": 5"#, r#""count": 0"#),
        expect![[r#"
            MC002 error 26:16 "0": `layer_types[2].count` must be at least 1, found 0
        "#]],
    );
}

#[test]
fn mc003_duplicate_key() {
    check(
        &good_with(
            r#""validated": true"#,
            r#""validated": true, "validated": false"#,
        ),
        expect![[r#"
            MC003 warning 36:22 "\"validated\"": duplicate key "validated": this later value replaces the earlier one
        "#]],
    );
}

#[test]
fn mc004_unknown_field_with_suggestion() {
    check(
        &good_with(
            r#""validated": true"#,
            r#""validated": true, "validation_note": "x""#,
        ),
        expect![[r#"
            MC004 warning 36:22 "\"validation_note\"": unknown field `validation_note` in the config: did you mean `validation_notes`?
              fix: Rename to `validation_notes`
        "#]],
    );
}

#[test]
fn mc010_model_id_must_match_file_name() {
    let text = good_with(r#""model_id": "org_Tiny-1""#, r#""model_id": "org_Tiny-2""#);
    check(
        &text,
        expect![[r#"
            MC010 error 2:15 "\"org_Tiny-2\"": model_id "org_Tiny-2" does not match the file name "org_Tiny-1.json"
              fix: Set model_id to "org_Tiny-1"
            MC011 error 2:15 "\"org_Tiny-2\"": model_id "org_Tiny-2" should be hf_model_id "org/Tiny-1" with `/` → `_`: "org_Tiny-1"
        "#]],
    );
    assert_eq!(fixed(&text), GOOD);
}

#[test]
fn mc011_hf_model_id_case_only_is_a_warning() {
    let text = good_with(
        r#""hf_model_id": "org/Tiny-1""#,
        r#""hf_model_id": "org/tiny-1""#,
    );
    check(
        &text,
        expect![[r#"
            MC011 warning 2:15 "\"org_Tiny-1\"": model_id "org_Tiny-1" differs only in letter case from hf_model_id "org/tiny-1" with `/` → `_` ("org_tiny-1")
        "#]],
    );
}

#[test]
fn mc020_mc021_duplicate_and_nonstandard_names() {
    check(
        &good_with(r#""name": "norm""#, r#""name": "feedforward""#),
        expect![[r#"
            MC020 error 24:15 "\"feedforward\"": duplicate layer name "feedforward"
        "#]],
    );
    let text = good_with(r#""name": "feedforward""#, r#""name": "mlp""#);
    check(
        &text,
        expect![[r#"
            MC021 warning 18:15 "\"mlp\"": layer name "mlp" is not a standard name (attention, feedforward, norm, embedding): a GatedMLPLayer is the `feedforward` layer
              fix: Rename to "feedforward"
        "#]],
    );
    assert_eq!(fixed(&text), GOOD);
}

/// Two attention kinds cannot both be `attention`: `attention_<kind>` is the
/// convention then, and only a name without the prefix is a finding.
#[test]
fn mc021_two_attention_kinds_take_the_standard_name_as_prefix() {
    let two = |sliding_name: &str| {
        good_with(r#""name": "attention""#, r#""name": "attention_full""#).replacen(
            r#"    {
      "name": "feedforward""#,
            &format!(
                r#"    {{
      "name": "{sliding_name}",
      "class": "SlidingWindowAttentionLayer",
      "count": 0,
      "specs": {{"hidden_size": 64, "num_query_heads": 4, "num_kv_heads": 2, "head_dim": 16, "sliding_window": 8}}
    }},
    {{
      "name": "feedforward""#
            ),
            1,
        )
    };
    check(
        &two("attention_sliding"),
        expect![[r#"
            MC002 error 20:16 "0": `layer_types[1].count` must be at least 1, found 0
        "#]],
    );
    check(
        &two("swa"),
        expect![[r#"
            MC021 warning 18:15 "\"swa\"": layer name "swa" is not a standard name (attention, feedforward, norm, embedding): the standard name for a SlidingWindowAttentionLayer is `attention`, also wanted by "attention_full"
            MC002 error 20:16 "0": `layer_types[1].count` must be at least 1, found 0
        "#]],
    );
}

#[test]
fn mc021_no_standard_name_for_a_layer_of_unknown_role() {
    check(
        &GOOD
            .replacen(
                r#""name": "norm",
      "class": "NormLayer","#,
                r#""name": "norm",
      "class": "NormLayer",
      "count": 5,
      "specs": {"hidden_size": 64, "has_bias": false, "parameter_count": 64}
    },
    {
      "name": "mtp_head",
      "class": "MultiTokenPredictionLayer",
      "supported": false,
      "gap_report": "gaps/router.md","#,
                1,
            )
            // The new layer states 64 parameters, 5 times.
            .replacen("80448", "80768", 1)
            .replacen("80.4K", "80.8K", 1),
        expect![""],
    );
}

#[test]
fn mc023_missing_embedding_and_norm_get_a_fix_that_makes_the_config_clean() {
    let without = GOOD.replacen(
        r#",
    {
      "name": "embedding",
      "class": "EmbeddingLayer",
      "count": 1,
      "specs": {"vocab_size": 100, "hidden_size": 64, "parameter_count": 6400}
    }"#,
        "",
        1,
    );
    check(
        &without,
        expect![[r#"
            MC061 warning 8:19 "80448": total_params 80,448 differs from the layers' sum Σ count × parameters = 2×12,288 + 2×24,576 + 5×64 = 74,048 by 6,400 (+8.64%)
              fix: Set total_params to 74,048
            MC023 warning 10:3 "\"layer_types\"": layer_types has no embedding layer (standard: attention, feedforward, norm, embedding)
              fix: Add an embedding layer
        "#]],
    );
    let with_fix = fixed(
        &without
            .replacen("80448", "74048", 1)
            .replacen("80.4K", "74.0K", 1),
    );
    let restored = with_fix
        .replacen("74048", "80448", 1)
        .replacen("74.0K", "80.4K", 1);
    assert_eq!(run(&restored, Some("org_Tiny-1"), None), "", "{restored}");
    // The norm goes before the embedding, with count 2·num_layers + 1.
    let no_norm = GOOD.replacen(
        r#"    {
      "name": "norm",
      "class": "NormLayer",
      "count": 5,
      "specs": {"hidden_size": 64, "has_bias": false, "parameter_count": 64}
    },
"#,
        "",
        1,
    );
    let f = fixed(
        &no_norm
            .replacen("80448", "80128", 1)
            .replacen("80.4K", "80.1K", 1),
    );
    let norm_at = f.find("\"name\": \"norm\"").unwrap();
    assert!(
        f.find("\"name\": \"feedforward\"").unwrap() < norm_at
            && norm_at < f.find("\"name\": \"embedding\"").unwrap(),
        "{f}"
    );
    assert!(f.contains("\"count\": 5,"), "{f}");
    // A mixer of unknown role: no attention or feed-forward is required.
    let mamba = GOOD
        .replacen("GroupedQueryAttentionLayer", "MambaMixerLayer", 1)
        .replacen(
            r#""class": "MambaMixerLayer","#,
            r#""class": "MambaMixerLayer", "supported": false, "gap_report": "gaps/router.md","#,
            1,
        );
    assert!(!run(&mamba, Some("org_Tiny-1"), None).contains("MC023"));
}

#[test]
fn mc022_layer_order_with_reorder_fix() {
    // Swap the norm and feedforward entries.
    let ff = "    {\n      \"name\": \"feedforward\",\n      \"class\": \"GatedMLPLayer\",\n      \"count\": 2,\n      \"specs\": {\"hidden_size\": 64, \"intermediate_size\": 128, \"parameter_count\": 24576}\n    }";
    let norm = "    {\n      \"name\": \"norm\",\n      \"class\": \"NormLayer\",\n      \"count\": 5,\n      \"specs\": {\"hidden_size\": 64, \"has_bias\": false, \"parameter_count\": 64}\n    }";
    let swapped = GOOD
        .replacen(ff, "@FF@", 1)
        .replacen(norm, ff, 1)
        .replacen("@FF@", norm, 1);
    check(
        &swapped,
        expect![[r#"
            MC022 warning 24:15 "\"feedforward\"": layer "feedforward" (feedforward) comes after "norm" (norm); the standard order is attention, feedforward, norm, embedding
              fix: Reorder layer_types: attention, feedforward, norm, embedding
        "#]],
    );
    assert_eq!(fixed(&swapped), GOOD);
}

#[test]
fn mc030_unknown_class() {
    let text = good_with(r#""NormLayer""#, r#""NormLayr""#);
    check(
        &text,
        expect![[r#"
            MC030 error 25:16 "\"NormLayr\"": unknown layer class `NormLayr`: did you mean `NormLayer`?
              fix: Change to `NormLayer`
        "#]],
    );
    assert_eq!(fixed(&text), GOOD);
    check(
        &good_with(r#""NormLayer""#, r#""MambaMixerLayer""#),
        expect![[r#"
            MC030 error 25:16 "\"MambaMixerLayer\"": unknown layer class `MambaMixerLayer` (known: AttentionLayer, GroupedQueryAttentionLayer, SlidingWindowAttentionLayer, MLPLayer, GatedMLPLayer, MoELayer, NormLayer, EmbeddingLayer); if Mantile cannot model this layer yet, set `"supported": false` and add a `gap_report`
        "#]],
    );
}

#[test]
fn mc030_unknown_class_is_fine_when_unsupported_with_a_report() {
    check(
        &good_with(
            r#""class": "NormLayer","#,
            r#""class": "RouterNormLayer", "supported": false, "gap_report": "See model_builder/gaps/router.md","#,
        ),
        expect![""],
    );
}

#[test]
fn mc031_missing_spec_with_derived_fix() {
    let text = good_with(
        r#"{"hidden_size": 64, "has_bias": false"#,
        r#"{"has_bias": false"#,
    );
    check(
        &text,
        expect![[r#"
            MC031 error 27:7 "\"specs\"": NormLayer requires the spec `hidden_size`, missing in layer "norm"
              fix: Add `hidden_size`: 64 (the model's hidden_size)
        "#]],
    );
    let f = fixed(&text);
    assert!(
        f.contains(r#""specs": {"has_bias": false, "parameter_count": 64, "hidden_size": 64}"#),
        "{f}"
    );
}

#[test]
fn mc032_unknown_spec_with_alias_suggestion() {
    let text = good_with(r#""num_heads": 4"#, r#""num_attention_heads": 4"#);
    check(
        &text,
        expect![[r#"
            MC031 error 15:7 "\"specs\"": GroupedQueryAttentionLayer requires the spec `num_heads`, missing in layer "attention"
            MC032 warning 15:36 "\"num_attention_heads\"": GroupedQueryAttentionLayer does not take the spec `num_attention_heads`: did you mean `num_heads`?
              fix: Rename to `num_heads`
        "#]],
    );
    let sliding = good_with(
        r#""class": "GroupedQueryAttentionLayer""#,
        r#""class": "SlidingWindowAttentionLayer""#,
    )
    .replacen(
        r#""head_dim": 16,"#,
        r#""head_dim": 16, "sliding_window": 8,"#,
        1,
    );
    check(
        &sliding,
        expect![[r#"
            MC031 error 15:7 "\"specs\"": SlidingWindowAttentionLayer requires the spec `num_query_heads`, missing in layer "attention"
            MC032 warning 15:36 "\"num_heads\"": SlidingWindowAttentionLayer does not take the spec `num_heads`: did you mean `num_query_heads`?
              fix: Rename to `num_query_heads`
        "#]],
    );
}

#[test]
fn mc040_mc041_gap_reports() {
    check(
        &good_with(
            r#""class": "NormLayer","#,
            r#""class": "NormLayer", "supported": false,"#,
        ),
        expect![[r#"
            MC040 error 25:42 "false": layer "norm" is marked `supported: false` but names no `gap_report` (model_builder/gaps/<layer>.md)
        "#]],
    );
    check(
        &good_with(
            r#""class": "NormLayer","#,
            r#""class": "NormLayer", "supported": false, "gap_report": "See model_builder/gaps/missing.md","#,
        ),
        expect![[r#"
            MC041 error 25:68 "model_builder/gaps/missing.md": gap report `model_builder/gaps/missing.md` does not exist in the workspace
        "#]],
    );
    // The short form `gaps/x.md` resolves under model_builder/.
    check(
        &good_with(
            r#""class": "NormLayer","#,
            r#""class": "NormLayer", "supported": false, "gap_report": "gaps/router.md","#,
        ),
        expect![""],
    );
    // Outside a workspace the file cannot be looked up: no finding.
    let text = good_with(
        r#""class": "NormLayer","#,
        r#""class": "NormLayer", "supported": false, "gap_report": "x.md","#,
    );
    assert_eq!(run(&text, Some("org_Tiny-1"), None), "");
}

#[test]
fn mc050_mc051_sizes_must_match_the_model() {
    check(
        &good_with(
            r#"{"hidden_size": 64, "intermediate_size""#,
            r#"{"hidden_size": 32, "intermediate_size""#,
        )
        .replacen(
            r#""parameter_count": 24576"#,
            r#""parameter_count": 12288"#,
            1,
        )
        .replacen(
            r#""vocab_size": 100, "hidden_size""#,
            r#""vocab_size": 101, "hidden_size""#,
            1,
        )
        .replacen(
            r#""parameter_count": 6400"#,
            r#""parameter_count": 6464"#,
            1,
        ),
        expect![[r#"
            MC061 warning 8:19 "80448": total_params 80,448 differs from the layers' sum Σ count × parameters = 2×12,288 + 2×12,288 + 5×64 + 1×6,464 = 55,936 by 24,512 (+43.82%)
              fix: Set total_params to 55,936
            MC050 error 21:32 "32": hidden_size 32 of layer "feedforward" differs from the model's hidden_size 64
              fix: Set hidden_size to 64
            MC051 error 33:31 "101": vocab_size 101 of layer "embedding" differs from the model's vocab_size 100
              fix: Set vocab_size to 100
        "#]],
    );
}

#[test]
fn mc052_mc055_attention_heads_and_width() {
    check(
        &good_with(r#""num_kv_heads": 2"#, r#""num_kv_heads": 3"#)
            .replacen(
                r#""parameter_count": 12288"#,
                r#""parameter_count": 14336"#,
                1,
            )
            .replacen("80448", "84544", 1)
            .replacen("80.4K", "84.5K", 1),
        expect![[r#"
            MC052 error 15:68 "3": 4 query heads cannot be shared evenly by 3 key/value heads (query heads must be a multiple of num_kv_heads)
        "#]],
    );
    // h·dh = 4·32 = 128 ≠ d = 64: true shapes 64·128 + 2·64·64 + 128·64 = 24,576.
    check(
        &good_with(
            r#""head_dim": 16, "parameter_count": 12288"#,
            r#""head_dim": 32, "parameter_count": 24576"#,
        )
        .replacen("80448", "105024", 1)
        .replacen("80.4K", "105.0K", 1),
        expect![[r#"
            MC055 info 15:71 "\"head_dim\"": dimension mismatch: query width h·dh = 4×32 = 128 differs from hidden_size 64, so q_proj is (128, 64) and o_proj is (64, 128), not square; GroupedQueryAttentionLayer assumes o_proj is 64×64, which undercounts its weights by 4,096 parameters per layer
        "#]],
    );
}

#[test]
fn mc053_mc054_moe_constraints() {
    let moe = good_with(
        r#""class": "GatedMLPLayer",
      "count": 2,
      "specs": {"hidden_size": 64, "intermediate_size": 128, "parameter_count": 24576}"#,
        r#""class": "MoELayer",
      "count": 2,
      "specs": {"hidden_size": 64, "intermediate_size": 128, "num_experts": 4, "top_k": 5, "num_projections": 4}"#,
    );
    check(
        &moe,
        expect![[r#"
            MC053 error 21:89 "5": top_k 5 exceeds num_experts 4: a token cannot be routed to more experts than exist
            MC054 error 21:111 "4": num_projections must be 2 (up, down) or 3 (gate, up, down), found 4
        "#]],
    );
}

#[test]
fn mc060_parameter_count_recomputed_with_formula() {
    let text = good_with(r#""parameter_count": 24576"#, r#""parameter_count": 24000"#);
    check(
        &text,
        expect![[r#"
            MC060 error 21:81 "24000": parameter_count 24,000 of layer "feedforward" does not match its specs: projections 3×64×128 = 24,576
              fix: Set parameter_count to 24,576
        "#]],
    );
    assert_eq!(fixed(&text), GOOD);
}

#[test]
fn mc060_wide_attention_with_bias_and_square_assumption() {
    // d=24, h=4, dh=8 (q width 32), kv=2 (kv width 16), with biases:
    // true 24·32 + 2·24·16 + 32·24 + (32 + 2·16 + 24) = 768 + 768 + 768 + 88 = 2,392.
    // The class's square assumption: 24·32 + 2·24·16 + 24·24 = 2,112.
    let text = r#"{"model_id": "org_Tiny-1", "hf_model_id": "org/Tiny-1", "name": "w", "hidden_size": 24, "num_layers": 1,
 "vocab_size": 10, "total_params": 2392,
 "layer_types": [{"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 1,
   "specs": {"hidden_size": 24, "num_heads": 4, "num_kv_heads": 2, "head_dim": 8, "has_bias": true, "parameter_count": 2112}}]}"#;
    check(
        text,
        expect![[r#"
            MC023 warning 3:2 "\"layer_types\"": layer_types has no feedforward layer (standard: attention, feedforward, norm, embedding)
            MC023 warning 3:2 "\"layer_types\"": layer_types has no norm layer (standard: attention, feedforward, norm, embedding)
              fix: Add a norm layer
            MC023 warning 3:2 "\"layer_types\"": layer_types has no embedding layer (standard: attention, feedforward, norm, embedding)
              fix: Add an embedding layer
            MC055 info 4:68 "\"head_dim\"": dimension mismatch: query width h·dh = 4×8 = 32 differs from hidden_size 24, so q_proj is (32, 24) and o_proj is (24, 32), not square; GroupedQueryAttentionLayer assumes o_proj is 24×24, which undercounts its weights by 192 parameters per layer
            MC060 error 4:120 "2112": parameter_count 2,112 of layer "attention" does not match its specs: q 24×32 + k,v 2×24×16 + o 32×24 + bias (32 + 2×16 + 24) = 2,392 (the stated value assumes a square o_proj)
              fix: Set parameter_count to 2,392
        "#]],
    );
}

#[test]
fn mc061_total_explained_by_known_pieces_is_information() {
    // + untied lm_head 100·64 = 6,400, + final norm 64.
    check(
        &good_with("80448", "86912").replacen("80.4K", "86.9K", 1),
        expect![[r#"
            MC061 info 8:19 "86912": total_params 86,912 exceeds the layers' sum 80,448 by 6,464, which is exactly an untied lm_head V×d = 100×64 = 6,400 + a final norm (64); layer_types does not list them, so Mantile's own parameter total is lower
        "#]],
    );
}

#[test]
fn mc061_unexplained_total_is_a_warning_with_fix() {
    let text = good_with("80448", "80000").replacen("80.4K", "80.0K", 1);
    check(
        &text,
        expect![[r#"
            MC061 warning 8:19 "80000": total_params 80,000 differs from the layers' sum Σ count × parameters = 2×12,288 + 2×24,576 + 5×64 + 1×6,400 = 80,448 by -448 (-0.56%)
              fix: Set total_params to 80,448
        "#]],
    );
    assert_eq!(fixed(&text).replacen("80.0K", "80.4K", 1), GOOD);
}

#[test]
fn mc062_formatted_total() {
    let text = good_with("80.4K", "8.0M");
    check(
        &text,
        expect![[r#"
            MC062 warning 9:29 "\"8.0M\"": total_params_formatted "8.0M" does not agree with total_params 80,448 (80.4K)
              fix: Set to "80.4K"
        "#]],
    );
    assert_eq!(fixed(&text), GOOD);
    check(&good_with("80.4K", "80K"), expect![""]); // stated at a coarser precision, still right
}

#[test]
fn mc063_attention_counts_must_add_up() {
    check(
        &good_with(r#""num_layers": 2"#, r#""num_layers": 3"#),
        expect![[r#"
            MC063 warning 6:17 "3": attention layer counts add up to 2 ("attention" 2), but num_layers is 3
            MC063 warning 6:17 "3": feedforward layer counts add up to 2 ("feedforward" 2), but num_layers is 3
        "#]],
    );
}

#[test]
fn mc063_more_attention_layers_than_blocks_is_an_error() {
    check(
        &good_with(
            r#""class": "GroupedQueryAttentionLayer",
      "count": 2"#,
            r#""class": "GroupedQueryAttentionLayer",
      "count": 3"#,
        )
        .replacen("80448", "92736", 1)
        .replacen("80.4K", "92.7K", 1),
        expect![[r#"
            MC063 error 6:17 "2": attention layer counts add up to 3 ("attention" 3), but num_layers is 2
        "#]],
    );
}

#[test]
fn mc064_one_norm_per_block_is_a_hint() {
    check(
        &good_with(r#""count": 5"#, r#""count": 2"#)
            .replacen("80448", "80256", 1)
            .replacen("80.4K", "80.3K", 1),
        expect![[r#"
            MC064 hint 26:16 "2": norm count 2 equals num_layers: pre-norm transformer blocks usually have two norms each (before attention and before the MLP) plus a final norm, 5; check the model's tensors
        "#]],
    );
}

#[test]
fn non_object_documents_and_entries_do_not_panic() {
    check(
        "[]",
        expect![[r#"
        MC002 error 1:1 "[]": the config must be an object, found array
    "#]],
    );
    check(
        &good_with(r#""layer_types": ["#, r#""layer_types": [3, "#),
        expect![[r#"
            MC002 error 10:19 "3": `layer_types[0]` must be an object, found integer
        "#]],
    );
}

#[test]
fn a_tiny_exponent_is_not_an_integer() {
    // 1e-400 rounds to 0.0 as a float, which a float-based schema check takes
    // for the integer 0; it is not an integer (nor a count of anything).
    check(
        &good_with(r#""total_params": 80448"#, r#""total_params": 1e-400"#),
        expect![[r#"
            MC002 error 8:19 "1e-400": `total_params` must be an integer, found 1e-400 (not an integer, though it rounds to 0)
        "#]],
    );
    check(
        &good_with(r#""parameter_count": 64}"#, r#""parameter_count": 1e-400}"#),
        expect![[r#"
            MC002 error 27:74 "1e-400": `layer_types[2].specs.parameter_count` must be an integer, found 1e-400 (not an integer, though it rounds to 0)
        "#]],
    );
    // An integer written with a fraction or an exponent is an integer.
    check(
        &good_with(r#""total_params": 80448"#, r#""total_params": 80448.0"#),
        expect![""],
    );
}

/// GOOD with `n` more copies of its attention layer, named by `name(i)`.
fn with_attention_layers(n: usize, name: impl Fn(usize) -> String) -> String {
    let extra: String = (0..n)
        .map(|i| {
            format!(
                r#"{{"name": "{}", "class": "GroupedQueryAttentionLayer", "count": 1, "specs": {{"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16, "parameter_count": 12288}}}},
    "#,
                name(i)
            )
        })
        .collect();
    good_with(r#""layer_types": ["#, &format!("\"layer_types\": [{extra}"))
}

/// `code: count` of each rule, and the last finding of each.
fn tally(text: &str) -> String {
    let out = run(text, Some("org_Tiny-1"), None);
    let mut counts: Vec<(String, usize, String)> = Vec::new();
    for line in out.lines().filter(|l| !l.starts_with("  fix")) {
        let code = line.split(' ').next().unwrap_or_default().to_string();
        match counts.iter_mut().find(|c| c.0 == code) {
            Some(c) => {
                c.1 += 1;
                c.2 = line.to_string();
            }
            None => counts.push((code, 1, line.to_string())),
        }
    }
    counts
        .iter()
        .map(|(code, n, last)| format!("{code} ×{n}, last: {last}\n"))
        .collect()
}

#[test]
fn each_rule_lists_at_most_a_hundred_findings_then_counts_the_rest() {
    // 250 more layers all named "attention": 250 duplicates (MC020), and
    // counts that no longer add up (MC061, MC063, each one finding).
    let text = with_attention_layers(250, |_| "attention".to_string());
    expect![[r#"
        MC063 ×1, last: MC063 error 6:17 "2": attention layer counts add up to 252 ("attention" 1 + "attention" 1 + "attention" 1 + "attention" 1 + "attention" 1 + "attention" 1 + "attention" 1 + "attention" 1 + "attention" 1 + "attention" 1 + "attention" 1 + "attention" 1 and 239 more), but num_layers is 2
        MC061 ×1, last: MC061 warning 8:19 "80448": total_params 80,448 differs from the layers' sum Σ count × parameters = 1×12,288 + 1×12,288 + 1×12,288 + 1×12,288 + 1×12,288 + 1×12,288 + 1×12,288 + 1×12,288 + 1×12,288 + 1×12,288 + 1×12,288 + 1×12,288 and 242 more = 3,152,448 by -3,072,000 (-97.45%)
        MC020 ×101, last: MC020 error 111:14 "\"attention\"": and 150 more `duplicate-layer-name` findings in this file from here on, not listed (only the first 100 are)
    "#]]
    .assert_eq(&tally(&text));
}

#[test]
fn mc021_names_a_few_rivals_and_counts_the_others() {
    let text = with_attention_layers(9_999, |i| format!("attn_{i}"));
    let out = run(&text, Some("org_Tiny-1"), None);
    let first = out.lines().find(|l| l.starts_with("MC021")).unwrap();
    expect![[r#"MC021 warning 10:28 "\"attn_0\"": layer name "attn_0" is not a standard name (attention, feedforward, norm, embedding): the standard name for a GroupedQueryAttentionLayer is `attention`, also wanted by "attn_1", "attn_2", "attn_3" and 9,996 more"#]]
        .assert_eq(first);
    assert!(out.len() < 200_000, "output of {} bytes", out.len());
}

/// A large config is checked with the schema on a thread of its own: the
/// findings are exactly those of the check on one thread, caps and all.
#[test]
fn the_schema_beside_the_rules_finds_what_one_thread_finds() {
    let entry = |i: usize| {
        let (count, extra, name) = match i % 5 {
            0 => ("0", r#", "colour": 1"#, format!("attention_{i}")),
            1 => ("2", "", "attention".to_string()),
            2 => ("\"2\"", "", format!("feedforward_x{i}")),
            3 => ("2", r#", "count": 3"#, format!("norm_{i}")),
            _ => ("1", "", format!("layer{i}")),
        };
        format!(
            r#"    {{
      "name": "{name}",
      "class": "GroupedQueryAttentionLayer",
      "count": {count}{extra},
      "specs": {{"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16, "parameter_count": {}}}
    }}"#,
            12288 + i % 3
        )
    };
    let layers: Vec<String> = (0..1000).map(entry).collect();
    let text = GOOD.replacen(
        "\"layer_types\": [",
        &format!("\"layer_types\": [\n{},", layers.join(",\n")),
        1,
    );
    assert!(text.len() >= PARALLEL_FROM, "{}", text.len());
    let catalog = Catalog::builtin();
    let ctx = ConfigContext {
        file_stem: Some("org_Tiny-1"),
        catalog: &catalog,
        files: None,
        one_shot: false,
    };
    let tree = mantile_json::parse(&text);
    let one = check_tree_with(&tree, &ctx, false);
    let two = check_tree_with(&tree, &ctx, true);
    assert_eq!(one, two);
    // A server's check (valid layers remembered, then known), and a
    // one-shot check (the schema on its own thread, nothing remembered).
    assert_eq!(check_tree(&tree, &ctx), one);
    assert_eq!(check_tree(&tree, &ctx), one);
    let one_shot = ConfigContext {
        one_shot: true,
        ..ctx
    };
    assert_eq!(check_tree(&tree, &one_shot), one);
    // Both sides found something, past their caps.
    for code in ["MC002", "MC003", "MC004", "MC020"] {
        assert!(
            one.iter().filter(|d| d.rule.code == code).count() > 5,
            "{code}"
        );
    }
    assert!(one.iter().any(|d| d.message.contains("more `")));
}
