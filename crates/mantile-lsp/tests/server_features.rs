//! Completion, symbols, links, inlay hints, Markdown hover and the scaffold
//! actions over the protocol (in-memory pipe, every message accounted for).

mod server_support;

use serde_json::{Value, json};
use server_support::*;

const CONFIG: &str = r#"{
  "model_id": "org_Tiny-1",
  "hf_model_id": "org/Tiny-1",
  "name": "Tiny ×ᵀ≈😀",
  "hidden_size": 64,
  "num_layers": 2,
  "vocab_size": 100,
  "total_params": 80448,
  "layer_types": [
    {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 2,
     "specs": {"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16, "parameter_count": 12000}},
    {"name": "feedforward", "class": "GatedMLPLayer", "count": 2, "specs": {"hidden_size": 64, "intermediate_size": 128}},
    {"name": "norm", "class": "NormLayer", "count": 5, "specs": {"hidden_size": 64}},
    {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 100, "hidden_size": 64}},
    {"name": "router", "class": "RouterLayer", "count": 2, "specs": {"hidden_size": 64, "parameter_count": 512}}
  ]
}
"#;

async fn open(test: &str, files: &[(&str, &str)]) -> (Client, String, std::path::PathBuf) {
    let root = workspace(test, files);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, "org_Tiny-1.json");
    c.open(&uri, 1, CONFIG).await;
    c.publish(&uri, Some(1)).await;
    (c, uri, root)
}

fn at(needle: &str, delta: usize) -> Value {
    let (l, col) = position(CONFIG, CONFIG.find(needle).unwrap() + delta, true);
    pos(l, col)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_of_spec_keys_and_classes() {
    let (mut c, uri, _) = open("completion", &[]).await;
    // Inside the norm's specs, typing `, ` after `"hidden_size": 64`: the keys NormLayer still takes.
    let after = at("{\"hidden_size\": 64}}", 18);
    c.change(&uri, 2, json!({"start": after, "end": after}), ", ")
        .await;
    c.publish(&uri, Some(2)).await;
    let mut cursor = after.clone();
    cursor["character"] = json!(after["character"].as_u64().unwrap() + 2);
    let items = c
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": cursor}),
        )
        .await;
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels[..2], ["has_bias", "layer_idx"], "{labels:?}");
    assert!(!labels.contains(&"hidden_size"));
    // In a class value: the classes, replacing the string's content.
    let items = c
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": at("\"NormLayer\"", 3)}),
        )
        .await;
    let norm = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "NormLayer")
        .unwrap();
    assert_eq!(norm["kind"], 7); // Class
    assert_eq!(norm["textEdit"]["newText"], "NormLayer");
    assert_eq!(norm["textEdit"]["range"]["start"], at("\"NormLayer\"", 1));
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_symbols_and_inlay_hints() {
    let (mut c, uri, _) = open("symbols", &[]).await;
    let symbols = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let names: Vec<String> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} ({})",
                s["name"].as_str().unwrap(),
                s["detail"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "attention (GroupedQueryAttentionLayer × 2)",
            "feedforward (GatedMLPLayer × 2)",
            "norm (NormLayer × 5)",
            "embedding (EmbeddingLayer × 1)",
            "router (RouterLayer × 2)"
        ]
    );
    assert_eq!(
        symbols[0]["selectionRange"]["start"],
        at("\"attention\"", 0)
    );
    let hints = c
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": {"start": pos(0, 0), "end": pos(30, 0)}}),
        )
        .await;
    assert_eq!(
        hints,
        json!([{"position": at("12000", 5), "label": " (recomputed 12,288)", "tooltip": "q 64×64 + k,v 2×64×32 + o 64×64 = 12,288"}])
    );
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaffold_actions_create_files_without_overwriting() {
    let (mut c, uri, root) = open("scaffold", &[]).await;
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": at("RouterLayer", 0), "end": at("RouterLayer", 0)},
                   "context": {"diagnostics": [], "only": ["refactor"]}}),
        )
        .await;
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Scaffold gap report model_builder/gaps/router.md",
            "Scaffold test suite tests/router_tests.md (3 tests: single chip, TP = 4, decode)"
        ]
    );
    let changes = actions[0]["edit"]["documentChanges"].as_array().unwrap();
    let report_uri = file_uri(&root.join("model_builder/gaps/router.md"));
    assert_eq!(
        changes[0],
        json!({"kind": "create", "uri": report_uri, "options": {"overwrite": false, "ignoreIfExists": true}})
    );
    assert!(
        changes[1]["edits"][0]["newText"]
            .as_str()
            .unwrap()
            .starts_with("# Gap Report: Router\n")
    );
    assert_eq!(
        changes[2]["textDocument"],
        json!({"uri": uri, "version": 1})
    );
    // The router entry is written on one line: the insertion follows suit.
    assert_eq!(
        changes[2]["edits"][0]["newText"],
        ", \"supported\": false, \"gap_report\": \"model_builder/gaps/router.md\""
    );
    // Only quick-fixes asked for: no scaffolds.
    let fixes = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": at("RouterLayer", 0), "end": at("RouterLayer", 0)},
                   "context": {"diagnostics": [], "only": ["quickfix"]}}),
        )
        .await;
    assert!(
        fixes
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["kind"] == "quickfix"),
        "{fixes}"
    );
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_and_hover_in_gap_reports() {
    let suite = "# Test RT-1 — Router, single chip\n\n### Expected results\n\n* flops_per_chip: **1,024**\n";
    let report =
        "# Gap Report: Router\n\nTests: tests/router_tests.md (RT-1)\n\n* `64 * 8 = 512`\n";
    let config = CONFIG.replace(
        "\"class\": \"RouterLayer\",",
        "\"class\": \"RouterLayer\", \"supported\": false, \"gap_report\": \"gaps/router.md\",",
    );
    let root = workspace(
        "links",
        &[
            ("tests/router_tests.md", suite),
            ("model_builder/gaps/router.md", report),
            ("backend/data/model_configs/org_Tiny-1.json", &config),
        ],
    );
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    // Every file on disk is published once at start-up.
    for rel in [
        "backend/data/model_configs/org_Tiny-1.json",
        "model_builder/gaps/router.md",
        "tests/router_tests.md",
    ] {
        c.publish(&file_uri(&root.join(rel)), None).await;
    }
    let cfg_uri = config_uri(&root, "org_Tiny-1.json");
    c.open(&cfg_uri, 1, &config).await;
    c.publish(&cfg_uri, Some(1)).await;
    let links = c
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": cfg_uri}}),
        )
        .await;
    assert_eq!(
        links[0]["target"],
        file_uri(&root.join("model_builder/gaps/router.md"))
    );
    let report_uri = file_uri(&root.join("model_builder/gaps/router.md"));
    c.open(&report_uri, 1, report).await;
    c.publish(&report_uri, Some(1)).await;
    let links = c
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": report_uri}}),
        )
        .await;
    assert_eq!(
        links[0]["target"],
        file_uri(&root.join("tests/router_tests.md"))
    );
    // Hover on the test ID: its Expected results, from the suite.
    let hover = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": report_uri}, "position": pos(2, 30)}),
        )
        .await;
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(
        md.starts_with("**Test RT-1** — Router, single chip (`tests/router_tests.md`)"),
        "{md}"
    );
    assert!(md.contains("| flops_per_chip | 1,024 |"), "{md}");
    // Hover on a calculation: its value.
    let hover = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": report_uri}, "position": pos(4, 5)}),
        )
        .await;
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .starts_with("**= 512** (agrees)"),
        "{hover}"
    );
    c.finish().await;
}

/// A client that answers `workspace/configuration`, started on `root`;
/// returns it with the server's settings request, not yet answered.
async fn start_pulling_settings(root: &std::path::Path) -> (Client, serde_json::Value) {
    let mut c = Client::start();
    let mut capabilities = caps(&["utf-16"]);
    capabilities["workspace"] = json!({"configuration": true});
    c.initialize(Some(root), capabilities).await;
    let request = c
        .recv_where("workspace/configuration", |m| {
            m["method"] == "workspace/configuration"
        })
        .await;
    (c, request)
}

/// A document opened before the client has answered `workspace/configuration`
/// is checked once, with the settings: no diagnostics computed with defaults
/// that are about to be replaced (`finish` fails on any extra publish).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_wait_for_the_pulled_settings() {
    let root = workspace("settings_first", &[]);
    let (mut c, request) = start_pulling_settings(&root).await;
    let uri = config_uri(&root, "org_Tiny-1.json");
    c.open(&uri, 1, CONFIG).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    c.respond(&request, json!([{"rules": {"MC060": "off"}}]))
        .await;
    let diags = c.publish(&uri, Some(1)).await;
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(!codes.contains(&"MC060"), "{codes:?}");
    assert!(codes.contains(&"MC061"), "{codes:?}");
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_pulled_with_workspace_configuration_and_set_the_log_level() {
    let root = workspace("pull_settings", &[]);
    let (mut c, request) = start_pulling_settings(&root).await;
    assert_eq!(request["params"]["items"], json!([{"section": "mantile"}]));
    c.respond(
        &request,
        json!([{"rules": {"MC060": "off"}, "logLevel": "warning"}]),
    )
    .await;
    let uri = config_uri(&root, "org_Tiny-1.json");
    c.open(&uri, 1, CONFIG).await;
    let diags = c.publish(&uri, Some(1)).await;
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(!codes.contains(&"MC060"), "{codes:?}");
    c.finish().await;
}
