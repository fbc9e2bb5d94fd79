//! Fixtures with `$0` marking the cursor.

use super::*;
use expect_test::{Expect, expect};
use mantile_config::Catalog;
use mantile_diag::TextRange;

fn cursor(fixture: &str) -> (String, usize) {
    let at = fixture.find("$0").expect("a $0 cursor");
    (fixture.replacen("$0", "", 1), at)
}

fn complete(fixture: &str, expect: Expect) {
    let (text, at) = cursor(fixture);
    let items = completions(&mantile_json::parse(&text), at, &Catalog::builtin());
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
    let labels: Vec<String> = completions(&mantile_json::parse(&text), at, &Catalog::builtin())
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(
        labels.contains(&"hf_model_id".to_string()) && !labels.contains(&"model_id".to_string()),
        "{labels:?}"
    );
    // Top-level fields by name; each field documented from its own place in
    // the schema (a layer's `name` is not the model's).
    let mut sorted = labels.clone();
    sorted.sort();
    assert_eq!(labels, sorted);
    let name_doc = |fixture: &str| {
        let (text, at) = cursor(fixture);
        completions(&mantile_json::parse(&text), at, &Catalog::builtin())
            .into_iter()
            .find(|c| c.label == "name")
            .and_then(|c| c.documentation)
    };
    let layer = name_doc(r#"{"layer_types": [{$0}]}"#);
    let top = name_doc(r#"{$0}"#);
    assert_eq!(
        layer.as_deref(),
        mantile_config::schema::description(&["layer_types", "name"])
    );
    assert_eq!(
        top.as_deref(),
        mantile_config::schema::description(&["name"])
    );
    assert!(layer.is_some() && layer != top, "{layer:?} {top:?}");
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

const CONFIG_PATH: &str = "backend/data/model_configs/o_m.json";

const ATTENTION_PY: (&str, &str) = (
    "backend/layers/attention.py",
    "class GroupedQueryAttentionLayer(Layer):\n    \"\"\"GQA.\"\"\"\n    def __init__(self, layer_idx, hidden_size, num_heads, num_kv_heads, head_dim, has_bias=False):\n        pass\n",
);

/// The workspace of these tests: `files` beside the layer class, the gap
/// report and its suite.
fn workspace(files: &[(&str, &str)]) -> Analysis {
    let mut all = vec![
        ATTENTION_PY,
        ("model_builder/gaps/mtp.md", "# Gap\n"),
        ("tests/mtp_tests.md", "# Test MTP-1 — x\n"),
    ];
    all.extend_from_slice(files);
    fixture(&all)
}

/// One file at `path` in a workspace of its own.
fn alone(path: &str, text: &str) -> Analysis {
    fixture(&[(path, text)])
}

#[test]
fn symbols_of_a_config_spec_and_report() {
    let a = alone(CONFIG_PATH, CONFIG);
    let s: Vec<(String, Option<String>)> = a
        .symbols(CONFIG_PATH)
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
    let t: Vec<String> = alone("tests/ab_tests.md", spec)
        .symbols("tests/ab_tests.md")
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
    let g: Vec<String> = alone("model_builder/gaps/g.md", "# Gap\n\n## Example Tensors\n")
        .symbols("model_builder/gaps/g.md")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(g, ["Gap", "Example Tensors"]);
}

#[test]
fn features_work_on_the_intact_layers_while_a_syntax_error_is_typed() {
    // An unfinished string in the second layer: the first layer still has
    // its symbol, hover and inlay hint.
    let broken = CONFIG.replace("\"name\": \"mtp\"", "\"name\": \"mt");
    let a = alone(CONFIG_PATH, &broken);
    assert!(!a.diagnostics(CONFIG_PATH).unwrap().diagnostics.is_empty());
    let names: Vec<String> = a.symbols(CONFIG_PATH).into_iter().map(|s| s.name).collect();
    assert!(names.contains(&"attention".to_string()), "{names:?}");
    let at = broken.find("12000").unwrap();
    let hints = a.inlay_hints(CONFIG_PATH, TextRange::new(0, broken.len()));
    assert_eq!(
        hints.iter().map(|h| h.label.as_str()).collect::<Vec<_>>(),
        [" (recomputed 12,288)"]
    );
    assert_eq!(hints[0].offset, at + 5);
    let hover = a
        .hover(CONFIG_PATH, broken.find("\"attention\"").unwrap() + 1)
        .unwrap();
    assert!(hover.markdown.contains("`attention`"), "{}", hover.markdown);
}

#[test]
fn definition_of_a_class_and_a_gap_report() {
    let report = "# Gap\n\nSuite: tests/mtp_tests.md\n";
    let a = workspace(&[
        (CONFIG_PATH, CONFIG),
        ("model_builder/gaps/other.md", report),
    ]);
    let at = CONFIG.find("GroupedQuery").unwrap() + 3;
    let t = a.definition(CONFIG_PATH, at).unwrap();
    assert_eq!(
        (t.path.as_str(), t.line),
        ("backend/layers/attention.py", Some(0))
    );
    assert_eq!(t.range, Some(TextRange::new(6, 32)));
    let at = CONFIG.find("gaps/mtp").unwrap();
    let t = a.definition(CONFIG_PATH, at).unwrap();
    assert_eq!(t.path, "model_builder/gaps/mtp.md");
    assert!(
        a.definition(CONFIG_PATH, CONFIG.find("count").unwrap())
            .is_none()
    );
    // From a gap report to its suite.
    let t = a
        .definition(
            "model_builder/gaps/other.md",
            report.find("mtp_tests").unwrap(),
        )
        .unwrap();
    assert_eq!(t.path, "tests/mtp_tests.md");
}

#[test]
fn links_to_existing_files_only() {
    let a = workspace(&[(CONFIG_PATH, CONFIG)]);
    let l = a.links(CONFIG_PATH);
    assert_eq!(l.len(), 1);
    assert_eq!(
        (&CONFIG[l[0].range.as_range()], l[0].target.as_str()),
        ("gaps/mtp.md", "model_builder/gaps/mtp.md")
    );
    let missing = CONFIG.replace("gaps/mtp.md", "gaps/other.md");
    assert!(
        workspace(&[(CONFIG_PATH, &missing)])
            .links(CONFIG_PATH)
            .is_empty()
    );
}

#[test]
fn inlay_hints_show_recomputed_values_where_they_differ() {
    let all = TextRange::new(0, usize::MAX >> 1);
    let h = alone(CONFIG_PATH, CONFIG).inlay_hints(CONFIG_PATH, all);
    assert_eq!(h.len(), 1);
    assert_eq!(&CONFIG[..h[0].offset].rsplit(' ').next().unwrap(), &"12000");
    assert_eq!(h[0].label, " (recomputed 12,288)");
    // Only within the range asked for.
    let before = TextRange::new(0, CONFIG.find("12000").unwrap());
    assert!(
        alone(CONFIG_PATH, CONFIG)
            .inlay_hints(CONFIG_PATH, before)
            .is_empty()
    );
    let spec = "# Test AB-1 — x\n\n* `2 * 4 * 512 = 4,000`\n";
    let h = alone("tests/ab_tests.md", spec).inlay_hints("tests/ab_tests.md", all);
    assert_eq!(
        h.iter().map(|h| h.label.as_str()).collect::<Vec<_>>(),
        [" (recomputed 4,096)"]
    );
}

#[test]
fn scaffold_actions_for_an_unknown_class_mark_it_and_create_files() {
    let text = "{\n  \"hf_model_id\": \"o/m\",\n  \"hidden_size\": 64,\n  \"layer_types\": [\n    {\n      \"name\": \"router\",\n      \"class\": \"RouterLayer\",\n      \"count\": 2,\n      \"specs\": {\"hidden_size\": 64, \"parameter_count\": 512}\n    }\n  ]\n}";
    let a = alone(CONFIG_PATH, text);
    let actions = a.scaffold_actions(CONFIG_PATH, text.find("RouterLayer").unwrap());
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
    let a = fixture(&[
        (CONFIG_PATH, &edited),
        (
            "model_builder/gaps/router.md",
            &actions[0].create[0].content,
        ),
        ("tests/router_tests.md", &actions[1].create[0].content),
    ]);
    assert!(
        a.scaffold_actions(CONFIG_PATH, edited.find("RouterLayer").unwrap())
            .is_empty()
    );
    let codes: Vec<&str> = a
        .diagnostics(CONFIG_PATH)
        .unwrap()
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
        alone(CONFIG_PATH, &known)
            .scaffold_actions(CONFIG_PATH, known.find("NormLayer").unwrap())
            .is_empty()
    );
}

#[test]
fn scaffold_input_from_a_config_layer() {
    let text = r#"{"hf_model_id": "o/m", "hidden_size": 8, "layer_types": [
        {"name": "mtp_head", "class": "MtpLayer", "count": 1, "supported": false, "specs": {"hidden_size": 8, "parameter_count": 128}}]}"#;
    let i = scaffold_input(text, "mtp_head", &Catalog::builtin()).unwrap();
    assert_eq!(
        (
            i.model.as_str(),
            i.class.as_str(),
            i.hidden_size,
            i.parameters,
            i.known_class
        ),
        ("o/m", "MtpLayer", 8, Some(128), false)
    );
    assert_eq!(
        i.specs,
        [
            ("hidden_size".to_string(), "8".to_string()),
            ("parameter_count".to_string(), "128".to_string())
        ]
    );
    assert!(scaffold_input(text, "nope", &Catalog::builtin()).is_none());
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
    let created = |text: &str| -> Vec<String> {
        alone(CONFIG_PATH, text)
            .scaffold_actions(CONFIG_PATH, text.find("RouterLayer").unwrap())
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
    let h = alone("tests/ab_tests.md", spec)
        .hover("tests/ab_tests.md", at)
        .unwrap();
    assert_eq!(&spec[h.range.as_range()], "FLOPs = `2 * M * 4 = 2,048");
    assert_eq!(
        h.markdown,
        "**= 2,048** (agrees)\n\nDefines `FLOPs`.\n\n| name | value | bound at |\n|---|--:|---|\n| `M` | 256 | line 10 |\n"
    );
}

#[test]
fn hover_on_a_test_id_shows_its_expected_results_from_the_workspace() {
    let suite = "# Test AB-1 — x, single chip\n\n### Expected results\n\n**Per-chip metrics**\n* flops_per_chip: **1,024**\n";
    let report = "| Gap | Tests |\n|---|---|\n| ab | AB-1 |\n";
    let path = "model_builder/gaps/ab.md";
    let a = fixture(&[("tests/ab_tests.md", suite), (path, report)]);
    let h = a.hover(path, report.find("AB-1").unwrap() + 2).unwrap();
    assert_eq!(&report[h.range.as_range()], "AB-1");
    assert_eq!(
        h.markdown,
        "**Test AB-1** — x, single chip (`tests/ab_tests.md`)\n\n| Expected | value |\n|---|--:|\n| flops_per_chip | 1,024 |\n"
    );
    assert!(a.hover(path, report.find("Gap").unwrap()).is_none());
}
