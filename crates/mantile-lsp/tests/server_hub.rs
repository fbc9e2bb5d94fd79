//! Hugging Face metadata in the server, against the mock Hub on 127.0.0.1:
//! fetched in the background, merged into diagnostics when it arrives,
//! shown on hover, and used to generate a config.

mod server_support;

use mantile_hub_mock::{Behaviour, MockHub, MockModel};
use serde_json::{Value, json};
use server_support::*;
use std::time::Duration;

const REPO: &str = "TinyLlama/TinyLlama-1.1B-Chat-v1.0";

/// TinyLlama's dimensions, one norm per block and no lm_head: the layers sum
/// to 1,034,465,280 while the model has 1,100,048,384 parameters.
const TINY: &str = r#"{"model_id": "TinyLlama_TinyLlama-1.1B-Chat-v1.0", "hf_model_id": "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
 "name": "TinyLlama", "hidden_size": 2048, "num_layers": 22, "vocab_size": 32000, "total_params": 1034465280,
 "layer_types": [
  {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 22, "specs": {"hidden_size": 2048, "num_heads": 32, "num_kv_heads": 4, "head_dim": 64}},
  {"name": "feedforward", "class": "GatedMLPLayer", "count": 22, "specs": {"hidden_size": 2048, "intermediate_size": 5632}},
  {"name": "norm", "class": "NormLayer", "count": 22, "specs": {"hidden_size": 2048}},
  {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 32000, "hidden_size": 2048}}]}"#;

async fn start(test: &str, hub: &MockHub, extra: Value) -> (Client, std::path::PathBuf) {
    let root = workspace(test, &[]);
    let mut settings = json!({"endpoint": hub.url, "home": root.join(".hf").to_string_lossy()});
    if let (Some(s), Some(e)) = (settings.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    let mut c = Client::start();
    c.initialize_with(
        Some(&root),
        caps(&["utf-16"]),
        json!({"mantile": {"hub": settings}}),
    )
    .await;
    (c, root)
}

/// Reads the `mantile/hubStatus` notification sent after a Hub answer.
async fn hub_status(c: &mut Client) -> Value {
    c.recv_where("mantile/hubStatus", |m| m["method"] == "mantile/hubStatus")
        .await["params"]
        .clone()
}

/// Reads publishes for `uri` v1 until one has `code` (the first check runs
/// before the metadata arrives; the recheck after it has the Hub findings).
async fn until(c: &mut Client, uri: &str, code: &str) -> Vec<Value> {
    loop {
        let d = c.publish(uri, Some(1)).await;
        if codes(&d).contains(&code) {
            return d;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_findings_arrive_in_the_background_and_hover_shows_the_facts() {
    // The mock answers after 200 ms: the first check is published without waiting for it.
    let hub = MockHub::start(vec![
        MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0")
            .with(Behaviour::Stall(Duration::from_millis(200))),
    ])
    .await;
    let (mut c, root) = start("hub_background", &hub, json!({})).await;
    let uri = config_uri(&root, "TinyLlama_TinyLlama-1.1B-Chat-v1.0.json");
    c.open(&uri, 1, TINY).await;
    let first = c.publish(&uri, Some(1)).await;
    assert!(
        !codes(&first).contains(&"MC072"),
        "the first check does not wait for the Hub"
    );
    let diags = until(&mut c, &uri, "MC072").await;
    assert_eq!(
        hub_status(&mut c).await,
        json!({"mode": "live", "repo": REPO})
    );
    let total = diags.iter().find(|d| d["code"] == "MC072").unwrap();
    assert_eq!(total["severity"], 1);
    assert!(
        total["message"].as_str().unwrap().contains("the difference 65,583,104 is exactly an untied lm_head V×d = 32000×2048 = 65,536,000 + a final norm (2,048) + a second norm per block 22×2048 = 45,056"),
        "{total}"
    );
    // Hover on hf_model_id: the Hub's facts beside the config's values.
    let hover = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(0, 80)}),
        )
        .await;
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(
        md.starts_with(&format!("**{REPO}** on Hugging Face")),
        "{md}"
    );
    assert!(
        md.contains("| parameters | 1,100,048,384 | 1,034,465,280 ⚠ |"),
        "{md}"
    );
    assert!(md.contains("| kv heads | 4 | 4 |"), "{md}");
    // The token-free requests reached the mock once for this model.
    assert_eq!(
        hub.requests()
            .iter()
            .filter(|r| r.path.starts_with("/api/models/"))
            .count(),
        1
    );
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_config_can_be_generated_from_the_hub() {
    // A 200 ms answer: the first check is published before the metadata arrives.
    let hub = MockHub::start(vec![
        MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0")
            .with(Behaviour::Stall(Duration::from_millis(200))),
    ])
    .await;
    let (mut c, root) = start("hub_generate", &hub, json!({})).await;
    let uri = config_uri(&root, "TinyLlama_TinyLlama-1.1B-Chat-v1.0.json");
    let partial = format!("{{\"hf_model_id\": \"{REPO}\"}}\n");
    c.open(&uri, 1, &partial).await;
    c.publish(&uri, Some(1)).await;
    // Wait until the metadata is there (the recheck after it republishes v1).
    c.publish(&uri, Some(1)).await;
    assert_eq!(hub_status(&mut c).await["mode"], "live");
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": pos(0, 0), "end": pos(0, 0)}, "context": {"diagnostics": []}}),
        )
        .await;
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == format!("Generate the config from Hugging Face metadata ({REPO})"))
        .unwrap_or_else(|| panic!("{actions}"));
    let edit = &action["edit"]["changes"][&uri][0];
    assert_eq!(edit["range"], json!({"start": pos(0, 0), "end": pos(1, 0)}));
    let generated: Value = serde_json::from_str(edit["newText"].as_str().unwrap()).unwrap();
    assert_eq!(generated["total_params"], 1_100_048_384u64);
    assert_eq!(generated["layer_types"].as_array().unwrap().len(), 4);
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gated_model_is_one_warning_on_hf_model_id_and_offline_makes_no_request() {
    let base = MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0");
    let hub = MockHub::start(vec![base.with(Behaviour::Status(401))]).await;
    let (mut c, root) = start("hub_gated", &hub, json!({})).await;
    let uri = config_uri(&root, "TinyLlama_TinyLlama-1.1B-Chat-v1.0.json");
    c.open(&uri, 1, TINY).await;
    let diags = until(&mut c, &uri, "MC070").await;
    assert_eq!(hub_status(&mut c).await["mode"], "error");
    let gated = diags.iter().find(|d| d["code"] == "MC070").unwrap();
    assert_eq!(gated["severity"], 2);
    assert_eq!(gated["range"]["start"], pos(0, 66));
    assert!(
        gated["message"]
            .as_str()
            .unwrap()
            .contains("(401, gated model): set HF_TOKEN"),
        "{gated}"
    );
    c.finish().await;

    let hub = MockHub::start(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )])
    .await;
    let (mut c, root) = start("hub_offline", &hub, json!({"offline": true})).await;
    let uri = config_uri(&root, "TinyLlama_TinyLlama-1.1B-Chat-v1.0.json");
    c.open(&uri, 1, TINY).await;
    let diags = c.publish(&uri, Some(1)).await;
    // Offline with nothing cached: one warning in the log, no request, no Hub
    // finding, and no recheck (nothing changed).
    c.log("offline").await;
    assert_eq!(hub_status(&mut c).await["mode"], "offline");
    assert!(
        codes(&diags).iter().all(|c| !c.starts_with("MC07")),
        "{diags:?}"
    );
    assert!(hub.requests().is_empty());
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_attention_layer_is_added_from_the_hub() {
    let hub = MockHub::start(vec![
        MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0")
            .with(Behaviour::Stall(Duration::from_millis(200))),
    ])
    .await;
    let (mut c, root) = start("hub_add_layer", &hub, json!({})).await;
    let uri = config_uri(&root, "TinyLlama_TinyLlama-1.1B-Chat-v1.0.json");
    let without = TINY.replace(
        "\n  {\"name\": \"attention\", \"class\": \"GroupedQueryAttentionLayer\", \"count\": 22, \"specs\": {\"hidden_size\": 2048, \"num_heads\": 32, \"num_kv_heads\": 4, \"head_dim\": 64}},",
        "",
    );
    assert_ne!(without, TINY);
    c.open(&uri, 1, &without).await;
    let first = c.publish(&uri, Some(1)).await;
    assert!(codes(&first).contains(&"MC023"));
    c.publish(&uri, Some(1)).await; // after the metadata arrived
    assert_eq!(hub_status(&mut c).await["mode"], "live");
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": pos(0, 0), "end": pos(0, 0)}, "context": {"diagnostics": []}}),
        )
        .await;
    let add = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"] == format!("Add the attention layer from Hugging Face metadata ({REPO})")
        })
        .unwrap_or_else(|| panic!("{actions}"));
    let edit = &add["edit"]["changes"][&uri][0];
    let new_text = edit["newText"].as_str().unwrap();
    assert!(
        new_text.contains("\"class\": \"GroupedQueryAttentionLayer\"")
            && new_text.contains("\"num_kv_heads\": 4"),
        "{new_text}"
    );
    // Inserted before the first layer (feedforward), as the standard order wants.
    assert_eq!(edit["range"]["start"], pos(3, 2));
    c.finish().await;
}

/// Issue 12, item 2 (server side): the Hub's endpoint and cache folder come
/// from the user's own settings (initializationOptions) or the environment;
/// a workspace's settings (pulled with workspace/configuration, or pushed
/// with didChangeConfiguration) cannot move them, and the log says where to
/// set them instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_cannot_move_the_hub_endpoint_or_its_cache() {
    let hub = MockHub::start(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )])
    .await;
    let attacker = MockHub::start(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )])
    .await;
    let root = workspace("hub_workspace_settings", &[]);
    let evil_home = root.join("evil-home");
    let workspace_settings =
        json!([{"hub": {"endpoint": attacker.url, "home": evil_home.to_string_lossy()}}]);
    let mut c = Client::start();
    let mut capabilities = caps(&["utf-16"]);
    capabilities["workspace"] = json!({"configuration": true});
    c.initialize_with(
        Some(&root),
        capabilities,
        json!({"mantile": {"hub": {"endpoint": hub.url, "home": root.join(".hf").to_string_lossy()}}}),
    )
    .await;
    let request = c
        .recv_where("workspace/configuration", |m| {
            m["method"] == "workspace/configuration"
        })
        .await;
    c.respond(&request, workspace_settings.clone()).await;
    let warning = c
        .log("ignored mantile.hub.endpoint from the workspace settings")
        .await;
    assert!(
        warning.contains("Set it in your user settings")
            && warning.contains("initializationOptions")
            && warning.contains("HF_ENDPOINT"),
        "{warning}"
    );
    c.log("ignored mantile.hub.home from the workspace settings")
        .await;
    let uri = config_uri(&root, "TinyLlama_TinyLlama-1.1B-Chat-v1.0.json");
    c.open(&uri, 1, TINY).await;
    until(&mut c, &uri, "MC072").await;
    assert!(!hub.requests().is_empty());
    assert!(root.join(".hf/mantile-lsp").is_dir());

    // Pushed the other way: didChangeConfiguration makes the server pull again.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"mantile": {"hub": {"endpoint": attacker.url}}}}),
    )
    .await;
    let request = c
        .recv_where("workspace/configuration", |m| {
            m["method"] == "workspace/configuration"
        })
        .await;
    c.respond(&request, workspace_settings).await;
    c.log("ignored mantile.hub.endpoint").await;
    until(&mut c, &uri, "MC072").await;
    assert!(attacker.requests().is_empty(), "{:?}", attacker.requests());
    assert!(!evil_home.exists());
}

/// The same for a client that pushes its settings (no workspace/configuration).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_settings_cannot_move_the_hub_endpoint_either() {
    let hub = MockHub::start(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )])
    .await;
    let attacker = MockHub::start(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )])
    .await;
    let (mut c, root) = start("hub_pushed_settings", &hub, json!({})).await;
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"mantile": {"hub": {"endpoint": attacker.url}}}}),
    )
    .await;
    c.log("ignored mantile.hub.endpoint").await;
    let uri = config_uri(&root, "TinyLlama_TinyLlama-1.1B-Chat-v1.0.json");
    c.open(&uri, 1, TINY).await;
    until(&mut c, &uri, "MC072").await;
    assert!(attacker.requests().is_empty(), "{:?}", attacker.requests());
    assert!(!hub.requests().is_empty());
}

/// With the model's tensor inventory: hover on `hf_model_id` sums it up, and
/// hover on a layer shows its tensors on the Hub beside its specs' shapes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hovers_show_the_hub_s_tensors() {
    let hub = MockHub::start(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )])
    .await;
    let (mut c, root) = start("hub_tensors_hover", &hub, json!({})).await;
    let uri = config_uri(&root, "TinyLlama_TinyLlama-1.1B-Chat-v1.0.json");
    c.open(&uri, 1, TINY).await;
    until(&mut c, &uri, "MC072").await;
    let hover = |at: usize| {
        let (line, character) = position(TINY, at, true);
        json!({"textDocument": {"uri": uri}, "position": pos(line, character)})
    };
    let h = c.request("textDocument/hover", hover(80)).await;
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("**Tensors**: 201 in 1 shard, 1,100,048,384 elements (BF16 1,100,048,384)"),
        "{md}"
    );
    assert!(
        md.contains("- embeddings: untied: lm_head.weight [32000, 2048]"),
        "{md}"
    );
    let at = TINY.find("GroupedQueryAttentionLayer").unwrap();
    let h = c.request("textDocument/hover", hover(at)).await;
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("**Tensors on Hugging Face** (TinyLlama/TinyLlama-1.1B-Chat-v1.0)"),
        "{md}"
    );
    assert!(
        md.contains(
            "| `model.layers.0.self_attn.k_proj.weight` | [kv·dh, d] = [256, 2048] | [256, 2048] |"
        ),
        "{md}"
    );
    assert!(!md.contains('⚠'), "{md}");
}

/// The "scaffold gap report" action fills §4.1 with the real tensors the
/// layer stands for, once the model's inventory is known.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scaffolded_gap_report_lists_the_hub_s_tensors() {
    let hub = MockHub::start(vec![MockModel::fixture("acme--Strange-LM-1B")]).await;
    let (mut c, root) = start("hub_scaffold_tensors", &hub, json!({})).await;
    let uri = config_uri(&root, "acme_Strange-LM-1B.json");
    let text = r#"{"model_id": "acme_Strange-LM-1B", "hf_model_id": "acme/Strange-LM-1B", "name": "s", "hidden_size": 1024,
 "num_layers": 8, "vocab_size": 32000, "total_params": 187196416,
 "layer_types": [
  {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 8, "specs": {"hidden_size": 1024, "num_heads": 16, "num_kv_heads": 4, "head_dim": 64}},
  {"name": "feedforward", "class": "GatedMLPLayer", "count": 8, "specs": {"hidden_size": 1024, "intermediate_size": 4096}},
  {"name": "norm", "class": "NormLayer", "count": 17, "specs": {"hidden_size": 1024}},
  {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 32000, "hidden_size": 1024}},
  {"name": "rel_pos_bias", "class": "RelPosBiasLayer", "count": 8, "specs": {"hidden_size": 1024, "parameter_count": 1024}}]}"#;
    c.open(&uri, 1, text).await;
    assert_eq!(hub_status(&mut c).await["mode"], "live");
    let at = text.find("RelPosBiasLayer").unwrap();
    let (line, character) = position(text, at, true);
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": pos(line, character), "end": pos(line, character)},
                   "context": {"diagnostics": []}}),
        )
        .await;
    let report = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Scaffold gap report model_builder/gaps/rel_pos_bias.md")
        })
        .unwrap_or_else(|| panic!("{actions:#}"));
    let created = report["edit"]["documentChanges"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| {
            c["edits"]
                .as_array()
                .and_then(|e| e.first())
                .and_then(|e| e["newText"].as_str())
                .filter(|t| t.starts_with("# Gap Report"))
        })
        .unwrap_or_else(|| panic!("{report:#}"));
    assert!(
        created.contains("  model.layers.0.self_attn.rel_pos_bias.weight: [16, 64] (BF16)  × 8 (model.layers.{0..7}.self_attn.rel_pos_bias.weight)"),
        "{created}"
    );
    assert!(
        created.contains("### Tensor: model.layers.0.self_attn.rel_pos_bias.weight"),
        "{created}"
    );
}
