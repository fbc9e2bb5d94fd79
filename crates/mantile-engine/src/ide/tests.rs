//! Fixtures with `$0` marking the cursor.

use super::*;
use expect_test::{Expect, expect};

fn cursor(fixture: &str) -> (String, usize) {
    let at = fixture.find("$0").expect("a $0 cursor");
    (fixture.replacen("$0", "", 1), at)
}

fn complete(fixture: &str, expect: Expect) {
    let (text, at) = cursor(fixture);
    let items = completions(&text, at, &Catalog::builtin());
    let out: Vec<String> = items
        .iter()
        .map(|c| {
            format!(
                "{} {:?} {:?}",
                c.label,
                &text[c.range.as_range()],
                c.new_text
            )
        })
        .collect();
    expect.assert_eq(&(out.join("\n") + "\n"));
}

#[test]
fn completes_class_names_inside_the_string() {
    complete(
        r#"{"layer_types": [{"name": "norm", "class": "Nor$0"}]}"#,
        expect![[r#"
            AttentionLayer "Nor" "AttentionLayer"
            EmbeddingLayer "Nor" "EmbeddingLayer"
            GatedMLPLayer "Nor" "GatedMLPLayer"
            GroupedQueryAttentionLayer "Nor" "GroupedQueryAttentionLayer"
            MLPLayer "Nor" "MLPLayer"
            MoELayer "Nor" "MoELayer"
            NormLayer "Nor" "NormLayer"
            SlidingWindowAttentionLayer "Nor" "SlidingWindowAttentionLayer"
        "#]],
    );
}

#[test]
fn completes_spec_keys_required_first_in_a_half_typed_document() {
    // The rest of the document is missing: completion still knows the class.
    complete(
        "{\"layer_types\": [{\"name\": \"attention\", \"class\": \"SlidingWindowAttentionLayer\", \"specs\": {\"hidden_size\": 64, $0",
        expect![[r#"
            num_query_heads "" "\"num_query_heads\": "
            num_kv_heads "" "\"num_kv_heads\": "
            head_dim "" "\"head_dim\": "
            sliding_window "" "\"sliding_window\": "
            num_sinks "" "\"num_sinks\": "
            has_bias "" "\"has_bias\": "
            layer_idx "" "\"layer_idx\": "
            input_dim "" "\"input_dim\": "
            output_dim "" "\"output_dim\": "
            parameter_count "" "\"parameter_count\": "
        "#]],
    );
}

#[test]
fn completes_standard_names_not_yet_used_with_the_role_first() {
    complete(
        r#"{"layer_types": [{"name": "attention", "class": "GroupedQueryAttentionLayer"}, {"class": "NormLayer", "name": "$0"}]}"#,
        expect![[r#"
            norm "" "norm"
            embedding "" "embedding"
            feedforward "" "feedforward"
        "#]],
    );
}

#[test]
fn completes_missing_layer_and_top_level_fields() {
    complete(
        r#"{"layer_types": [{"name": "x", $0}]}"#,
        expect![[r#"
            class "" "\"class\": "
            count "" "\"count\": "
            supported "" "\"supported\": "
            gap_report "" "\"gap_report\": "
            specs "" "\"specs\": "
        "#]],
    );
    let (text, at) = cursor(r#"{"model_id": "a", "$0"#);
    let labels: Vec<String> = completions(&text, at, &Catalog::builtin())
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(
        labels.contains(&"hf_model_id".to_string()) && !labels.contains(&"model_id".to_string()),
        "{labels:?}"
    );
}

#[test]
fn json_spot_reads_keys_values_and_paths() {
    let (text, at) = cursor(r#"{"a": {"b": [ {"c": "x$0yz"} ]}}"#);
    let spot = json_spot(&text, at).unwrap();
    assert_eq!(spot.path, ["a", "b", "[]"]);
    assert_eq!(spot.value_of.as_deref(), Some("c"));
    assert_eq!(&text[spot.replace.as_range()], "xyz");
    assert!(json_spot("[1, 2", 3).is_none(), "not in an object");
}

const CONFIG: &str = r#"{
  "layer_types": [
    {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 2,
     "specs": {"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16, "parameter_count": 12000}},
    {"name": "mtp", "class": "MtpLayer", "count": 1, "supported": false, "gap_report": "See gaps/mtp.md", "specs": {"hidden_size": 64}}
  ]
}"#;

fn snapshot() -> Snapshot {
    let layers = vec![(
        "backend/layers/attention.py".to_string(),
        "class GroupedQueryAttentionLayer(Layer):\n    \"\"\"GQA.\"\"\"\n    def __init__(self, layer_idx, hidden_size, num_heads, num_kv_heads, head_dim, has_bias=False):\n        pass\n".to_string(),
    )];
    Snapshot::new(
        Some(&layers),
        [
            "model_builder/gaps/mtp.md".to_string(),
            "tests/mtp_tests.md".to_string(),
        ],
    )
}

#[test]
fn symbols_of_a_config_spec_and_report() {
    let s: Vec<(String, Option<String>)> = symbols(FileKind::Config, CONFIG)
        .into_iter()
        .map(|s| (s.name, s.detail))
        .collect();
    assert_eq!(
        s,
        [
            (
                "attention".to_string(),
                Some("GroupedQueryAttentionLayer × 2".to_string())
            ),
            ("mtp".to_string(), Some("MtpLayer × 1".to_string()))
        ]
    );
    let spec = "# Test AB-1 — One, single chip\n\ntext\n\n# Test AB-2 — Two, TP = 4\n";
    let t: Vec<String> = symbols(FileKind::TestSpec, spec)
        .into_iter()
        .map(|s| format!("{} {:?}", s.name, s.detail))
        .collect();
    assert_eq!(
        t,
        [
            "Test AB-1 Some(\"One, single chip\")",
            "Test AB-2 Some(\"Two, TP = 4\")"
        ]
    );
    let g: Vec<String> = symbols(FileKind::GapReport, "# Gap\n\n## Example Tensors\n")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(g, ["Gap", "Example Tensors"]);
}

#[test]
fn definition_of_a_class_and_a_gap_report() {
    let snap = snapshot();
    let at = CONFIG.find("GroupedQuery").unwrap() + 3;
    let t = definition(FileKind::Config, CONFIG, at, &snap).unwrap();
    assert_eq!(
        (t.path.as_str(), t.line),
        ("backend/layers/attention.py", Some(0))
    );
    assert_eq!(t.range, Some(TextRange::new(6, 32)));
    let at = CONFIG.find("gaps/mtp").unwrap();
    let t = definition(FileKind::Config, CONFIG, at, &snap).unwrap();
    assert_eq!(t.path, "model_builder/gaps/mtp.md");
    assert!(
        definition(
            FileKind::Config,
            CONFIG,
            CONFIG.find("count").unwrap(),
            &snap
        )
        .is_none()
    );
    // From a gap report to its suite.
    let report = "# Gap\n\nSuite: tests/mtp_tests.md\n";
    let t = definition(
        FileKind::GapReport,
        report,
        report.find("mtp_tests").unwrap(),
        &snap,
    )
    .unwrap();
    assert_eq!(t.path, "tests/mtp_tests.md");
}

#[test]
fn links_to_existing_files_only() {
    let snap = snapshot();
    let l = links(FileKind::Config, CONFIG, &snap);
    assert_eq!(l.len(), 1);
    assert_eq!(
        (&CONFIG[l[0].range.as_range()], l[0].target.as_str()),
        ("gaps/mtp.md", "model_builder/gaps/mtp.md")
    );
    let missing = CONFIG.replace("gaps/mtp.md", "gaps/other.md");
    assert!(links(FileKind::Config, &missing, &snap).is_empty());
}

#[test]
fn inlay_hints_show_recomputed_values_where_they_differ() {
    let h = inlay_hints(FileKind::Config, CONFIG);
    assert_eq!(h.len(), 1);
    assert_eq!(&CONFIG[..h[0].offset].rsplit(' ').next().unwrap(), &"12000");
    assert_eq!(h[0].label, " (recomputed 12,288)");
    let spec = "# Test AB-1 — x\n\n* `2 * 4 * 512 = 4,000`\n";
    let h = inlay_hints(FileKind::TestSpec, spec);
    assert_eq!(
        h.iter().map(|h| h.label.as_str()).collect::<Vec<_>>(),
        [" (recomputed 4,096)"]
    );
}

#[test]
fn scaffold_actions_for_an_unknown_class_mark_it_and_create_files() {
    let text = "{\n  \"hf_model_id\": \"o/m\",\n  \"hidden_size\": 64,\n  \"layer_types\": [\n    {\n      \"name\": \"router\",\n      \"class\": \"RouterLayer\",\n      \"count\": 2,\n      \"specs\": {\"hidden_size\": 64, \"parameter_count\": 512}\n    }\n  ]\n}";
    let snap = Snapshot::new(None, Vec::<String>::new());
    let actions = scaffold_actions(text, text.find("RouterLayer").unwrap(), &snap);
    let titles: Vec<&str> = actions.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Scaffold gap report model_builder/gaps/router.md",
            "Scaffold test suite tests/router_tests.md (3 tests: single chip, TP = 4, decode)"
        ]
    );
    let edited = mantile_diag::apply_edits(text, &actions[0].edits);
    assert!(edited.contains("\"specs\": {\"hidden_size\": 64, \"parameter_count\": 512},\n      \"supported\": false,\n      \"gap_report\": \"model_builder/gaps/router.md\"\n    }"), "{edited}");
    assert!(
        actions[0].create[0]
            .content
            .starts_with("# Gap Report: Router\n")
    );
    // The edited config is now valid about its gap (no MC030), and files that exist are not offered again.
    let snap = Snapshot::new(
        None,
        [
            "model_builder/gaps/router.md".to_string(),
            "tests/router_tests.md".to_string(),
        ],
    );
    assert!(scaffold_actions(&edited, edited.find("RouterLayer").unwrap(), &snap).is_empty());
    let codes: Vec<&str> = crate::check_text(
        FileKind::Config,
        "backend/data/model_configs/x.json",
        &edited,
        Some(&snap),
        &Default::default(),
    )
    .diagnostics
    .iter()
    .map(|d| d.rule.code)
    .collect();
    assert!(
        !codes.contains(&"MC030") && !codes.contains(&"MC040") && !codes.contains(&"MC041"),
        "{codes:?}"
    );
    // A supported layer of a known class gets nothing.
    let known = text.replace("RouterLayer", "NormLayer");
    assert!(
        scaffold_actions(
            &known,
            known.find("NormLayer").unwrap(),
            &Snapshot::new(None, Vec::<String>::new())
        )
        .is_empty()
    );
}

#[test]
fn scaffolds_are_never_offered_outside_their_folder() {
    // A layer named to climb out of the workspace, and gap_report paths
    // that are absolute or climb: no file is offered anywhere.
    let layer = |name: &str, extra: &str| {
        format!(
            "{{\n  \"hf_model_id\": \"o/m\",\n  \"hidden_size\": 64,\n  \"layer_types\": [\n    {{\"name\": \"{name}\", \"class\": \"RouterLayer\", \"count\": 1{extra}, \"specs\": {{\"hidden_size\": 64}}}}\n  ]\n}}"
        )
    };
    let snap = Snapshot::new(None, Vec::<String>::new());
    let created = |text: &str| -> Vec<String> {
        scaffold_actions(text, text.find("RouterLayer").unwrap(), &snap)
            .into_iter()
            .flat_map(|a| a.create.into_iter().map(|f| f.path))
            .collect()
    };
    for name in [
        "../../../x/evil",
        "a/b",
        "..",
        ".hidden",
        "x\\u001b]0;t\\u0007",
    ] {
        let text = layer(name, "");
        assert!(created(&text).is_empty(), "{name}: {:?}", created(&text));
    }
    for gap in [
        "/tmp/evil.md",
        "../../evil.md",
        "model_builder/gaps/../../../evil.md",
        "gaps/../../../../evil.md",
        "model_builder/gaps/sub/x.md",
    ] {
        let text = layer(
            "router",
            &format!(", \"supported\": false, \"gap_report\": \"{gap}\""),
        );
        // The suite (named after the layer) is still offered; the report is not.
        assert_eq!(created(&text), ["tests/router_tests.md"], "{gap}");
    }
    // A plain name still gets both.
    assert_eq!(
        created(&layer("router", "")),
        ["model_builder/gaps/router.md", "tests/router_tests.md"]
    );
}

#[test]
fn hover_on_a_claim_shows_its_value_and_bindings() {
    let spec = "# Test AB-1 — x, single chip\n\n### Test case parameters\n\n* batch_size `B` = **2**\n* seq_len `S` = **128**\n\nDerived:\n\n* `M = B*S = 256`\n\n* FLOPs = `2 * M * 4 = 2,048`\n";
    let at = spec.find("2 * M").unwrap() + 4;
    let (range, md) = markdown_hover(FileKind::TestSpec, spec, at, None).unwrap();
    assert_eq!(&spec[range.as_range()], "FLOPs = `2 * M * 4 = 2,048");
    assert_eq!(
        md,
        "**= 2,048** (agrees)\n\nDefines `FLOPs`.\n\n| name | value | bound at |\n|---|--:|---|\n| `M` | 256 | line 10 |\n"
    );
}

#[test]
fn hover_on_a_test_id_shows_its_expected_results_from_the_workspace() {
    let suite = "# Test AB-1 — x, single chip\n\n### Expected results\n\n**Per-chip metrics**\n* flops_per_chip: **1,024**\n";
    let snap = Snapshot::new(None, Vec::<String>::new())
        .with_texts(&[], &[("tests/ab_tests.md".to_string(), suite.to_string())]);
    let report = "| Gap | Tests |\n|---|---|\n| ab | AB-1 |\n";
    let (range, md) = markdown_hover(
        FileKind::GapReport,
        report,
        report.find("AB-1").unwrap() + 2,
        Some(&snap),
    )
    .unwrap();
    assert_eq!(&report[range.as_range()], "AB-1");
    assert_eq!(
        md,
        "**Test AB-1** — x, single chip (`tests/ab_tests.md`)\n\n| Expected | value |\n|---|--:|\n| flops_per_chip | 1,024 |\n"
    );
    assert!(
        markdown_hover(
            FileKind::GapReport,
            report,
            report.find("Gap").unwrap(),
            Some(&snap)
        )
        .is_none()
    );
}
