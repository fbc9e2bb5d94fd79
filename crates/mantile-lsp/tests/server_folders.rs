//! Several workspace folders in one session: each folder is a Mantile
//! workspace of its own (its layer catalog, configs, gap reports and suites,
//! its own rules from `workspace/configuration` with its `scopeUri`), and
//! folders come and go with `workspace/didChangeWorkspaceFolders`.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

/// A config with MC061 (total_params off) whose norm layer is a
/// `NormLayer` and whose `mtp` layer names `model_builder/gaps/mtp.md`.
const CONFIG: &str = r#"{"model_id": "org_Tiny-1", "hf_model_id": "org/Tiny-1", "name": "t", "hidden_size": 64,
 "num_layers": 2, "vocab_size": 100, "total_params": 80000,
 "layer_types": [
  {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 2, "specs": {"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16}},
  {"name": "feedforward", "class": "GatedMLPLayer", "count": 2, "specs": {"hidden_size": 64, "intermediate_size": 128}},
  {"name": "norm", "class": "NormLayer", "count": 4, "specs": {"hidden_size": 64}},
  {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 100, "hidden_size": 64}},
  {"name": "mtp", "class": "MtpLayer", "count": 1, "supported": false, "gap_report": "model_builder/gaps/mtp.md", "specs": {"hidden_size": 64, "parameter_count": 4096}}]}"#;

const REPORT: &str = "# Gap Report: MTP\n";

/// Layer classes without `NormLayer`.
const RMS_ONLY: &str =
    "class RMSNormLayer(Layer):\n    def __init__(self, layer_idx, hidden_size):\n        pass\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workspace_folders_are_two_workspaces() {
    let config_rel = "backend/data/model_configs/org_Tiny-1.json";
    let report_rel = "model_builder/gaps/mtp.md";
    // Folder A: its own layer classes (no NormLayer), the config and its report.
    let a = workspace(
        "folders_a",
        &[
            ("backend/layers/norm.py", RMS_ONLY),
            (config_rel, CONFIG),
            (report_rel, REPORT),
        ],
    );
    // Folder B: the same config, no layer classes (Mantile's own), and a
    // report of the same name that no config of B names.
    let b = workspace(
        "folders_b",
        &[(config_rel, &CONFIG.replace("mtp.md", "other.md"))],
    );
    std::fs::create_dir_all(b.join("model_builder/gaps")).unwrap();
    std::fs::write(b.join(report_rel), REPORT).unwrap();
    let mut c = Client::start();
    let mut capabilities = caps(&["utf-16"]);
    capabilities["workspace"] = json!({"configuration": true, "workspaceFolders": true});
    let (init, started) = c
        .initialize_folders(&[(&a, "a"), (&b, "b")], capabilities)
        .await;
    assert_eq!(
        init["workspace"]["workspaceFolders"],
        json!({"supported": true, "changeNotifications": true})
    );
    assert!(
        started.contains(&format!("workspaces {}, {}", a.display(), b.display())),
        "{started}"
    );
    // The settings: the unscoped section, then each folder's; folder A turns
    // MC061 off, B keeps it.
    let request = c
        .recv_where("workspace/configuration", |m| {
            m["method"] == "workspace/configuration"
        })
        .await;
    assert_eq!(
        request["params"]["items"],
        json!([{"section": "mantile"},
               {"scopeUri": file_uri(&a), "section": "mantile"},
               {"scopeUri": file_uri(&b), "section": "mantile"}])
    );
    c.respond(&request, json!([{}, {"rules": {"MC061": "off"}}, {}]))
        .await;

    let a_config = c.publish(&file_uri(&a.join(config_rel)), None).await;
    let b_config = c.publish(&file_uri(&b.join(config_rel)), None).await;
    // A's catalog lacks NormLayer; B's is Mantile's own.
    assert!(codes(&a_config).contains(&"MC030"), "{a_config:#?}");
    assert!(!codes(&b_config).contains(&"MC030"), "{b_config:#?}");
    // A's rules, not B's.
    assert!(!codes(&a_config).contains(&"MC061"), "{a_config:#?}");
    assert!(codes(&b_config).contains(&"MC061"), "{b_config:#?}");
    // Each folder's gap bookkeeping: B's config names other.md, which B
    // lacks (MC041), and no config of B names B's mtp.md (GR013) although
    // A's config names a file of that name in A.
    assert!(codes(&b_config).contains(&"MC041"), "{b_config:#?}");
    assert!(!codes(&a_config).contains(&"MC041"), "{a_config:#?}");
    let a_report = c.publish(&file_uri(&a.join(report_rel)), None).await;
    let b_report = c.publish(&file_uri(&b.join(report_rel)), None).await;
    assert!(!codes(&a_report).contains(&"GR013"), "{a_report:#?}");
    assert!(codes(&b_report).contains(&"GR013"), "{b_report:#?}");

    // Folder B goes: what was published for its files is cleared. A new
    // folder C comes: it is read and its files published.
    let cc = workspace("folders_c", &[(config_rel, CONFIG)]);
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": file_uri(&cc), "name": "c"}],
                         "removed": [{"uri": file_uri(&b), "name": "b"}]}}),
    )
    .await;
    assert_eq!(
        c.publish(&file_uri(&b.join(config_rel)), None).await,
        Vec::<Value>::new()
    );
    assert_eq!(
        c.publish(&file_uri(&b.join(report_rel)), None).await,
        Vec::<Value>::new()
    );
    // The folders' settings are asked for again, C's included.
    let request = c
        .recv_where("workspace/configuration", |m| {
            m["method"] == "workspace/configuration"
        })
        .await;
    assert_eq!(
        request["params"]["items"],
        json!([{"section": "mantile"},
               {"scopeUri": file_uri(&a), "section": "mantile"},
               {"scopeUri": file_uri(&cc), "section": "mantile"}])
    );
    c.respond(&request, json!([{}, {"rules": {"MC061": "off"}}, {}]))
        .await;
    let c_config = c.publish(&file_uri(&cc.join(config_rel)), None).await;
    assert!(codes(&c_config).contains(&"MC061"), "{c_config:#?}");
    assert!(codes(&c_config).contains(&"MC041"), "{c_config:#?}");
    // A document of A opened: A's catalog and rules.
    let uri = file_uri(&a.join(config_rel));
    c.open(&uri, 1, CONFIG).await;
    let open = c.publish(&uri, Some(1)).await;
    assert!(
        codes(&open).contains(&"MC030") && !codes(&open).contains(&"MC061"),
        "{open:#?}"
    );
    c.finish().await;
}
