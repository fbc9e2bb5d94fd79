//! The one analysis behind the server (issue 13), over the protocol: features
//! that keep working while a document has a syntax error, unsaved text that
//! other files' checks see, and diagnostics that end as the latest state's
//! whatever order rebuilds and Hub answers finish in.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

/// A config whose attention and embedding counts are wrong (12,288 and
/// 6,400 are right), one layer per line so that an edit inside one layer
/// leaves the others' lines alone.
const CONFIG: &str = r#"{
  "model_id": "org_Tiny-1",
  "hf_model_id": "org/Tiny-1",
  "name": "Tiny",
  "hidden_size": 64,
  "num_layers": 2,
  "vocab_size": 100,
  "total_params": 80448,
  "layer_types": [
    {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 2, "specs": {"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16, "parameter_count": 12000}},
    {"name": "feedforward", "class": "GatedMLPLayer", "count": 2,
     "specs": {"hidden_size": 64, "intermediate_size": 128}},
    {"name": "norm", "class": "NormLayer", "count": 5, "specs": {"hidden_size": 64}},
    {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 100, "hidden_size": 64, "parameter_count": 6401}}
  ]
}
"#;

/// `text` with protocol edits applied (UTF-16 positions; ASCII text here).
fn apply_utf16(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let (line, col) = (
            p["line"].as_u64().unwrap() as usize,
            p["character"].as_u64().unwrap() as usize,
        );
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + col
    };
    let mut e: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    e.sort();
    let mut out = text.to_string();
    for (a, b, t) in e.into_iter().rev() {
        out.replace_range(a..b, t);
    }
    out
}

/// Hover, symbols and inlay hints on the layers that are intact, on `text`
/// (the document's current text).
async fn features_on_intact_layers(c: &mut Client, uri: &str, text: &str, step: &str) {
    // Hover on the attention layer's name (before the edit) and on the
    // embedding layer's name (after it).
    for (needle, title) in [
        (
            "\"attention\"",
            "### `attention` · `GroupedQueryAttentionLayer` × 2",
        ),
        ("\"embedding\"", "### `embedding` · `EmbeddingLayer` × 1"),
    ] {
        let (l, col) = position(text, text.find(needle).unwrap() + 2, true);
        let hover = c
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": pos(l, col)}),
            )
            .await;
        let md = hover["contents"]["value"].as_str().unwrap_or_default();
        assert!(md.starts_with(title), "{step}: hover on {needle}: {hover}");
    }
    let symbols = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for layer in ["attention", "norm", "embedding"] {
        assert!(names.contains(&layer), "{step}: symbols {names:?}");
    }
    let end = position(text, text.len(), true);
    let hints = c
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri},
                   "range": {"start": pos(0, 0), "end": pos(end.0, end.1)}}),
        )
        .await;
    let labels: Vec<&str> = hints
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [" (recomputed 12,288)", " (recomputed 6,400)"],
        "{step}"
    );
    let (l, col) = position(text, text.find("6401").unwrap() + 4, true);
    assert_eq!(hints[1]["position"], pos(l, col), "{step}");
}

/// Issue 13: typing through a syntax error, one character at a time, never
/// turns the features off on the layers that are intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_through_a_syntax_error_keeps_features_on_the_intact_layers() {
    let root = workspace("typing_syntax_error", &[]);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, "org_Tiny-1.json");
    c.open(&uri, 1, CONFIG).await;
    assert!(
        c.publish(&uri, Some(1))
            .await
            .iter()
            .all(|d| d["code"] != "MC001")
    );
    // Type a member into the feed-forward layer, after its count: every
    // prefix but the last leaves the document broken (a comma before
    // nothing, an unterminated key, a missing colon, a missing value, an
    // unterminated string).
    let typed = " \"note\": \"x\",";
    let at = CONFIG.find("\"count\": 2,\n").unwrap() + "\"count\": 2,".len();
    let (l, col) = position(CONFIG, at, true);
    let mut text = CONFIG.to_string();
    let mut version = 1;
    for (i, ch) in typed.char_indices() {
        version += 1;
        let p = pos(l, col + i as u64);
        c.change(
            &uri,
            version,
            json!({"start": p, "end": p}),
            &ch.to_string(),
        )
        .await;
        text.insert(at + i, ch);
        let step = format!("after typing {:?}", &typed[..=i]);
        features_on_intact_layers(&mut c, &uri, &text, &step).await;
        let diags = c.publish(&uri, Some(version)).await;
        let broken = i + 1 < typed.len() && !matches!(&typed[..=i], " ");
        assert_eq!(
            codes(&diags).contains(&"MC001"),
            broken,
            "{step}: {diags:#?}"
        );
        if i + 1 == typed.len() {
            // The member typed in full is a field the format does not define.
            assert!(codes(&diags).contains(&"MC004"), "{diags:#?}");
        }
    }
    c.finish().await;
}

const GAP_CONFIG: &str = r#"{
  "model_id": "org_Tiny-1",
  "hf_model_id": "org/Tiny-1",
  "name": "Tiny",
  "hidden_size": 64,
  "num_layers": 2,
  "vocab_size": 100,
  "total_params": 80448,
  "layer_types": [
    {"name": "mtp_head", "class": "MultiTokenPredictionLayer", "count": 1, "supported": false,
     "gap_report": "model_builder/gaps/mtp.md", "specs": {"hidden_size": 64, "parameter_count": 4096}}
  ]
}
"#;

const GAP_REPORT: &str = "# Gap Report: MTP\n\n## Example Tensors\n\n`model.mtp.proj.weight` [64, 64]\n\n### Tensor: model.norm.weight\n\nWhat it is: the final norm `model.norm.weight` [64].\n";

const SUITE: &str =
    "# Test MTP-1 — single chip\n\n# Test MTP-2 — TP = 4\n\n# Test MTP-3 — decode\n";

/// Issue 13: an open config's layer edited (not saved) changes the open gap
/// report's GR004 at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsaved_config_edit_changes_the_open_gap_report() {
    let config_rel = "backend/data/model_configs/org_Tiny-1.json";
    let report_rel = "model_builder/gaps/mtp.md";
    let root = workspace(
        "unsaved_gap",
        &[
            (config_rel, GAP_CONFIG),
            (report_rel, GAP_REPORT),
            ("tests/mtp_tests.md", SUITE),
        ],
    );
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let config = file_uri(&root.join(config_rel));
    let report = file_uri(&root.join(report_rel));
    // The start-up reading publishes each file's own findings (closed).
    for uri in [
        &config,
        &report,
        &file_uri(&root.join("tests/mtp_tests.md")),
    ] {
        c.publish(uri, None).await;
    }
    c.open(&report, 1, GAP_REPORT).await;
    let gr004 = |diags: &[Value]| -> Vec<String> {
        diags
            .iter()
            .filter(|d| d["code"] == "GR004")
            .map(|d| d["message"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        gr004(&c.publish(&report, Some(1)).await),
        Vec::<String>::new()
    );
    c.open(&config, 1, GAP_CONFIG).await;
    c.publish(&config, Some(1)).await;
    // The layer's hidden_size becomes 128, in the editor only.
    let at = GAP_CONFIG
        .find("\"hidden_size\": 64, \"parameter_count\"")
        .unwrap()
        + "\"hidden_size\": ".len();
    let (l, col) = position(GAP_CONFIG, at, true);
    c.change(
        &config,
        2,
        json!({"start": pos(l, col), "end": pos(l, col + 2)}),
        "128",
    )
    .await;
    c.publish(&config, Some(2)).await;
    let after = c.publish(&report, Some(1)).await;
    assert_eq!(
        gr004(&after),
        ["`model.norm.weight` is [64] here, but org_Tiny-1.json's specs give [d] = [128]"],
        "{after:#?}"
    );
    // The related location is in the config as the editor has it.
    let d = after.iter().find(|d| d["code"] == "GR004").unwrap();
    assert_eq!(d["relatedInformation"][0]["location"]["uri"], config);
    // Nothing was saved.
    assert_eq!(
        std::fs::read_to_string(root.join(config_rel)).unwrap(),
        GAP_CONFIG
    );
    // Typed back: GR004 goes, still without a save.
    c.change(
        &config,
        3,
        json!({"start": pos(l, col), "end": pos(l, col + 3)}),
        "64",
    )
    .await;
    c.publish(&config, Some(3)).await;
    assert_eq!(
        gr004(&c.publish(&report, Some(1)).await),
        Vec::<String>::new()
    );
    // Closed without saving: the disk's text again (64: no GR004), so the
    // report is not published again; the config's own findings are.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": config}}),
    )
    .await;
    assert!(!c.publish(&config, None).await.is_empty());
    c.finish().await;
}

/// A TinyLlama-shaped config naming `repo`, stating `total` parameters.
fn model_config(i: usize, repo: &str, total: u64) -> String {
    format!(
        r#"{{"model_id": "m_{i}", "hf_model_id": "{repo}", "name": "m", "hidden_size": 2048, "num_layers": 22, "vocab_size": 32000, "total_params": {total},
 "layer_types": [
  {{"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 22, "specs": {{"hidden_size": 2048, "num_heads": 32, "num_kv_heads": 4, "head_dim": 64}}}},
  {{"name": "feedforward", "class": "GatedMLPLayer", "count": 22, "specs": {{"hidden_size": 2048, "intermediate_size": 5632}}}},
  {{"name": "norm", "class": "NormLayer", "count": 22, "specs": {{"hidden_size": 2048}}}},
  {{"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {{"vocab_size": 32000, "hidden_size": 2048}}}}]}}"#
    )
}

/// `(code, message, line)` of each finding, sorted: what a file shows.
type Shown = Vec<(String, String, u64)>;

fn shown_lsp(diags: &[Value]) -> Shown {
    let mut v: Shown = diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Issue 13: workspace readings started one after the other while Hub
/// answers arrive (each after its own delay) never leave a file with
/// diagnostics of an older state: once everything has settled, the last
/// diagnostics published for each file are those `check` gives for the
/// final state (same engine, same Hub). (Which result wins a race depends
/// on timing; `server::publish`'s unit tests pin the rule that decides it,
/// with the interleavings made by hand.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_published_diagnostics_are_those_of_the_latest_state() {
    use mantile_hub_mock::{Behaviour, MockHub, MockModel};
    use std::collections::BTreeMap;
    use std::time::Duration;
    let models = [
        ("TinyLlama--TinyLlama-1.1B-Chat-v1.0", 150),
        ("mistralai--Mistral-7B-v0.1", 40),
        ("meta-llama--Llama-3.3-70B-Instruct", 300),
    ];
    let hub = MockHub::start(
        models
            .iter()
            .map(|(m, ms)| MockModel::fixture(m).with(Behaviour::Stall(Duration::from_millis(*ms))))
            .collect(),
    )
    .await;
    let repos: Vec<String> = models.iter().map(|(m, _)| m.replace("--", "/")).collect();
    const N: usize = 24;
    let rel = |i: usize| format!("backend/data/model_configs/m_{i}.json");
    let files: Vec<(String, String)> = (0..N)
        .map(|i| (rel(i), model_config(i, &repos[i % 3], 1_000_000_000)))
        .collect();
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (&**p, &**t)).collect();
    let root = workspace("latest_state", &borrowed);
    let home = root.join(".hf");
    let mut c = Client::start();
    c.initialize_with(
        Some(&root),
        caps(&["utf-16"]),
        json!({"mantile": {"debounceMs": 0, "hub": {"endpoint": hub.url, "home": home.to_string_lossy()}}}),
    )
    .await;
    let layers = root.join("backend/layers/norm.py");
    std::fs::create_dir_all(layers.parent().unwrap()).unwrap();
    // Rounds of changes on disk, each announced at once, without waiting
    // for the readings they start, while the Hub's answers arrive: some
    // configs rewritten, the layer classes defined or not (every config
    // rechecked), each announced twice.
    for round in 0..4u64 {
        let mut changed = Vec::new();
        for i in (0..N).filter(|i| (*i as u64 + round).is_multiple_of(3)) {
            std::fs::write(
                root.join(rel(i)),
                model_config(i, &repos[i % 3], 1_000_000_000 + round),
            )
            .unwrap();
            changed.push(json!({"uri": file_uri(&root.join(rel(i))), "type": 2}));
        }
        if round.is_multiple_of(2) {
            std::fs::write(&layers, "class RMSNormLayer(Layer):\n    def __init__(self, layer_idx, hidden_size):\n        pass\n").unwrap();
        } else {
            let _ = std::fs::remove_file(&layers);
        }
        changed.push(json!({"uri": file_uri(&layers), "type": 2}));
        c.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": changed}),
        )
        .await;
        c.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": file_uri(&layers), "type": 2}]}),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(round * 7 % 30)).await;
    }
    // Until the server is quiet.
    while c.try_recv(Duration::from_millis(1500)).await.is_some() {}
    // Last, a reading of the whole folder (every config checked again,
    // which takes a while) and, while those checks run, single configs
    // changed one after the other: each one's check, started later, ends
    // first; the slow checks' older results for them must not be the last
    // word.
    std::fs::write(
        &layers,
        "class NormLayer(Layer):\n    def __init__(self, layer_idx, hidden_size):\n        pass\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&layers), "type": 2}]}),
    )
    .await;
    for (k, ms) in [(1usize, 150u64), (5, 150), (9, 200), (13, 300)] {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        std::fs::write(
            root.join(rel(k)),
            model_config(k, &repos[k % 3], 2_000_000_000),
        )
        .unwrap();
        c.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": file_uri(&root.join(rel(k))), "type": 2}]}),
        )
        .await;
    }
    // What `check` says of the final state, with the same Hub.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(["check", "--format", "json"])
        .arg(&root)
        .env("HF_ENDPOINT", &hub.url)
        .env("HF_HOME", root.join(".hf-cli"))
        .env_remove("HF_HUB_OFFLINE")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut expected: BTreeMap<String, Shown> = BTreeMap::new();
    for (p, _) in &files {
        expected.insert(file_uri(&root.join(p)), Vec::new());
    }
    for d in report["diagnostics"].as_array().unwrap() {
        let path = std::path::Path::new(d["path"].as_str().unwrap());
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().unwrap().join(path)
        };
        expected.entry(file_uri(&path)).or_default().push((
            d["code"].as_str().unwrap().to_string(),
            d["message"].as_str().unwrap().to_string(),
            d["range"]["start"]["line"].as_u64().unwrap() - 1,
        ));
    }
    for v in expected.values_mut() {
        v.sort();
    }
    assert!(
        expected
            .values()
            .any(|v| v.iter().any(|(c, _, _)| c == "MC072")),
        "the Hub's findings are part of the final state: {expected:#?}"
    );
    // Read until every file shows the final state, then a while longer:
    // nothing published after that may change it.
    let mut last: BTreeMap<String, Shown> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut settled = None;
    loop {
        let wait = match settled {
            Some(at) => {
                let quiet: tokio::time::Instant = at + Duration::from_millis(1500);
                if tokio::time::Instant::now() >= quiet {
                    break;
                }
                quiet - tokio::time::Instant::now()
            }
            None => deadline.saturating_duration_since(tokio::time::Instant::now()),
        };
        if let Some(m) = c.try_recv(wait).await
            && m["method"] == "textDocument/publishDiagnostics"
        {
            last.insert(
                m["params"]["uri"].as_str().unwrap().to_string(),
                shown_lsp(m["params"]["diagnostics"].as_array().unwrap()),
            );
        }
        let matches = expected
            .iter()
            .all(|(u, want)| last.get(u).unwrap_or(&Vec::new()) == want);
        if matches && settled.is_none() {
            settled = Some(tokio::time::Instant::now());
        }
        if settled.is_none() && tokio::time::Instant::now() >= deadline {
            break;
        }
    }
    for (u, want) in &expected {
        assert_eq!(last.get(u).unwrap_or(&Vec::new()), want, "{u}");
    }
    c.finish().await;
}

/// A fix whose text is long (a config's layers reordered) is published
/// without it — a diagnostic goes out at every keystroke, a fix is applied
/// seldom — and the code action still gives it whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_fix_travels_without_its_text_and_the_action_has_it() {
    let mut text = String::from(
        "{\"model_id\": \"org_Tiny-1\", \"hf_model_id\": \"org/Tiny-1\", \"name\": \"t\", \"hidden_size\": 64,\n \"num_layers\": 20, \"vocab_size\": 100, \"total_params\": 1,\n \"layer_types\": [",
    );
    for i in 0..40 {
        if i > 0 {
            text.push(',');
        }
        if i % 2 == 0 {
            text.push_str(&format!("\n  {{\"name\": \"layer_{i}_attention\", \"class\": \"GroupedQueryAttentionLayer\", \"count\": 1, \"specs\": {{\"layer_idx\": {i}, \"hidden_size\": 64, \"num_heads\": 4, \"num_kv_heads\": 2, \"head_dim\": 16}}}}"));
        } else {
            text.push_str(&format!("\n  {{\"name\": \"layer_{i}_mlp\", \"class\": \"GatedMLPLayer\", \"count\": 1, \"specs\": {{\"layer_idx\": {i}, \"hidden_size\": 64, \"intermediate_size\": 128}}}}"));
        }
    }
    text.push_str("]}\n");
    let root = workspace("long_fix", &[]);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, "org_Tiny-1.json");
    c.open(&uri, 1, &text).await;
    let diags = c.publish(&uri, Some(1)).await;
    let reorder = diags
        .iter()
        .find(|d| {
            d["data"]["fixes"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["edits"][0].get("newText").is_none()))
        })
        .unwrap_or_else(|| panic!("a fix without its text: {diags:#?}"));
    let title = reorder["data"]["fixes"][0]["title"]
        .as_str()
        .unwrap()
        .to_string();
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": reorder["range"],
                   "context": {"diagnostics": [reorder]}}),
        )
        .await;
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("{actions:#}"));
    // Every edit has its text (one per layer, 40 of them).
    let edits = action["edit"]["changes"][&uri].as_array().unwrap();
    assert_eq!(edits.len(), 40);
    let total: usize = edits
        .iter()
        .map(|e| e["newText"].as_str().unwrap().len())
        .sum();
    assert!(total > 4096, "{total}");
    // Applied (as one whole-document change), the finding it fixes is gone.
    let fixed = apply_utf16(&text, edits);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    )
    .await;
    let after = c.publish(&uri, Some(2)).await;
    let code = reorder["code"].as_str().unwrap();
    assert!(
        after.iter().all(|d| d["code"] != code),
        "{code} after the fix: {after:#?}"
    );
    c.finish().await;
}
