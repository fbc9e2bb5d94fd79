//! The language server driven over an in-memory pipe, one capability per
//! test. Each test fails if the server sent a message it did not read.

mod server_support;

use serde_json::{Value, json};
use server_support::{Client, caps, codes, config_uri, pos, position, workspace};

/// A config with two defects after non-ASCII text: `total_params` (MC061)
/// on a line where `×ᵀ≈😀` come first, so UTF-8 and UTF-16 columns differ,
/// and a wrong attention `parameter_count` (MC060; 12,288 is right).
const DEFECT: &str = r#"{
  "model_id": "org_Tiny-1",
  "hf_model_id": "org/Tiny-1",
  "name": "Tiny ×ᵀ≈😀", "total_params": 80000,
  "hidden_size": 64,
  "num_layers": 2,
  "vocab_size": 100,
  "layer_types": [
    {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 2,
     "specs": {"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16, "parameter_count": 12000}},
    {"name": "feedforward", "class": "GatedMLPLayer", "count": 2,
     "specs": {"hidden_size": 64, "intermediate_size": 128, "parameter_count": 24576}},
    {"name": "norm", "class": "NormLayer", "count": 5, "specs": {"hidden_size": 64, "parameter_count": 64}},
    {"name": "embedding", "class": "EmbeddingLayer", "count": 1,
     "specs": {"vocab_size": 100, "hidden_size": 64, "parameter_count": 6400}}
  ]
}
"#;

const NAME: &str = "org_Tiny-1.json";

fn find<'a>(diags: &'a [Value], code: &str) -> &'a Value {
    diags
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diags:#?}"))
}

/// The byte offset of a UTF-16 position (what an editor does to apply an edit).
fn utf16_offset(text: &str, p: &Value) -> usize {
    let (line, col) = (
        p["line"].as_u64().unwrap(),
        p["character"].as_u64().unwrap(),
    );
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize)
        .map(str::len)
        .sum();
    let mut units = 0u64;
    for (i, c) in text[start..].char_indices() {
        if units >= col || c == '\n' {
            return start + i;
        }
        units += c.len_utf16() as u64;
    }
    text.len()
}

fn apply(text: &str, edits: &[Value]) -> String {
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                utf16_offset(text, &e["range"]["start"]),
                utf16_offset(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    edits.sort();
    let mut out = text.to_string();
    for (a, b, t) in edits.into_iter().rev() {
        out.replace_range(a..b, t);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_picks_utf8_when_offered() {
    let mut c = Client::start();
    let server = c.initialize(None, caps(&["utf-16", "utf-8"])).await;
    assert_eq!(server["positionEncoding"], "utf-8");
    assert_eq!(server["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(server["textDocumentSync"]["openClose"], true);
    assert_eq!(server["hoverProvider"], true);
    assert_eq!(server["definitionProvider"], true);
    assert_eq!(
        server["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix", "refactor.rewrite"])
    );
    assert_eq!(server["diagnosticProvider"]["identifier"], "mantile");
    assert_eq!(
        server["completionProvider"]["triggerCharacters"],
        json!(["\""])
    );
    assert_eq!(server["documentSymbolProvider"], true);
    assert_eq!(server["inlayHintProvider"], true);
    assert!(server["documentLinkProvider"].is_object());
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_falls_back_to_utf16() {
    for offered in [json!({}), caps(&["utf-32", "utf-16"])] {
        let mut c = Client::start();
        let server = c.initialize(None, offered).await;
        assert_eq!(server["positionEncoding"], "utf-16");
        c.finish().await;
    }
}

/// Opens DEFECT and returns its diagnostics, with the client offering `encodings`.
async fn open_defect(test: &str, encodings: &[&str]) -> (Client, String, Vec<Value>) {
    let root = workspace(test, &[]);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(encodings)).await;
    let uri = config_uri(&root, NAME);
    c.open(&uri, 1, DEFECT).await;
    let diags = c.publish(&uri, Some(1)).await;
    (c, uri, diags)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn did_open_publishes_utf16_ranges_after_non_ascii() {
    let (c, _, diags) = open_defect("open_utf16", &["utf-16"]).await;
    assert_eq!(codes(&diags), ["MC061", "MC060"]);
    let total = find(&diags, "MC061");
    // `  "name": "Tiny ×ᵀ≈😀", "total_params": ` is 47 bytes but 40 UTF-16 units.
    assert_eq!(
        total["range"],
        json!({"start": pos(3, 40), "end": pos(3, 45)})
    );
    assert_eq!(total["severity"], 2);
    assert_eq!(total["source"], "mantile");
    assert!(
        total["message"]
            .as_str()
            .unwrap()
            .starts_with("total_params 80,000 differs from the layers' sum")
    );
    let count = find(&diags, "MC060");
    let at = DEFECT.find("12000").unwrap();
    let (l, col) = position(DEFECT, at, true);
    assert_eq!(
        count["range"],
        json!({"start": pos(l, col), "end": pos(l, col + 5)})
    );
    assert_eq!(count["severity"], 1);
    assert_eq!(
        count["data"]["fixes"][0]["title"],
        "Set parameter_count to 12,288"
    );
    assert_eq!(count["data"]["version"], 1);
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn did_open_publishes_utf8_ranges_when_negotiated() {
    let (c, _, diags) = open_defect("open_utf8", &["utf-8", "utf-16"]).await;
    let total = find(&diags, "MC061");
    assert_eq!(
        total["range"],
        json!({"start": pos(3, 47), "end": pos(3, 52)})
    );
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn related_information_points_into_the_document() {
    let root = workspace("related", &[]);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, NAME);
    // A layer hidden_size that differs from the model's (MC050) names the
    // model's hidden_size as related.
    let text = DEFECT.replace(
        "\"hidden_size\": 64, \"num_heads\"",
        "\"hidden_size\": 65, \"num_heads\"",
    );
    c.open(&uri, 1, &text).await;
    let diags = c.publish(&uri, Some(1)).await;
    let d = find(&diags, "MC050");
    let related = &d["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri);
    let at = text.find("\"hidden_size\": 64,\n").unwrap() + "\"hidden_size\": ".len();
    let (l, col) = position(&text, at, true);
    assert_eq!(
        related["location"]["range"],
        json!({"start": pos(l, col), "end": pos(l, col + 2)})
    );
    assert_eq!(related["message"], "the model's hidden_size");
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_edits_apply_in_order() {
    let (mut c, uri, _) = open_defect("changes", &["utf-16"]).await;
    // Retype parameter_count one keystroke per version: delete `12000`,
    // then type 1, 2, 2, 8, 8. Out of order, the number would be wrong.
    let at = DEFECT.find("12000").unwrap();
    let (l, col) = position(DEFECT, at, true);
    c.change(
        &uri,
        2,
        json!({"start": pos(l, col), "end": pos(l, col + 5)}),
        "",
    )
    .await;
    for (i, ch) in "12288".chars().enumerate() {
        let p = pos(l, col + i as u64);
        c.change(
            &uri,
            3 + i as i64,
            json!({"start": p, "end": p}),
            &ch.to_string(),
        )
        .await;
    }
    // Then fix total_params after the emoji, in UTF-16 columns: 80000 → 80448.
    c.change(
        &uri,
        8,
        json!({"start": pos(3, 42), "end": pos(3, 45)}),
        "448",
    )
    .await;
    let diags = c.publish(&uri, Some(8)).await;
    assert_eq!(codes(&diags), Vec::<&str>::new(), "{diags:#?}");
    // Pulling gives the same answer for the current text.
    let report = c
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(report["kind"], "full");
    assert_eq!(report["items"], json!([]));
    c.finish().await;
}

/// A spec long enough that the server's cache keeps its Markdown in
/// several chunks: twenty tests, the seventh with a wrong product.
fn long_spec() -> String {
    let mut s = String::from("# Tests ×ᵀ≈\n\n## Conventions\n\n* `bytes_per_elem = 2`\n\n");
    for i in 1..=20u64 {
        let wrong = if i == 7 { 1 } else { 0 };
        let d = 64 * i;
        s.push_str(&format!(
            "---\n\n# Test T-{i} — case {i} (`d` × `d`ᵀ)\n\n### Test case parameters\n\n\
             * hidden_size `d` = **{d}**\n* batch_size `B` = **2**\n\n\
             ### Expected calculations (step-by-step)\n\n\
             * Weights: `d * d = {d} * {d} = {}`\n\
             * Notes ≈ prose, `{i} + {i} = {}`, more prose to make the test a few hundred bytes long.\n\
             * Filler: the quick brown fox jumps over the lazy dog; the quick brown fox jumps again.\n\n",
            d * d + wrong,
            2 * i,
        ));
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successive_spec_edits_are_checked_against_the_current_text() {
    let root = workspace("spec_edits", &[]);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = server_support::file_uri(&root.join("tests/long_tests.md"));
    let mut text = long_spec();
    assert!(text.len() > 6_000, "{}", text.len());
    c.open(&uri, 1, &text).await;
    let at = text.find("448 * 448 = 200705").unwrap() + "448 * 448 = ".len();
    let mt001 = |diags: &[Value]| -> Vec<Value> {
        diags
            .iter()
            .filter(|d| d["code"] == "MT001")
            .map(|d| d["range"].clone())
            .collect()
    };
    let diags = c.publish(&uri, Some(1)).await;
    let (l, col) = position(&text, at, true);
    assert_eq!(
        mt001(&diags),
        [json!({"start": pos(l, col), "end": pos(l, col + 6)})]
    );
    // Insert a line in the first test: the error moves down a line.
    let first = text.find("* batch_size").unwrap();
    let (fl, fc) = position(&text, first, true);
    let line = "* note ≈ `1 + 1 = 2`\n";
    c.change(
        &uri,
        2,
        json!({"start": pos(fl, fc), "end": pos(fl, fc)}),
        line,
    )
    .await;
    text.insert_str(first, line);
    let diags = c.publish(&uri, Some(2)).await;
    assert_eq!(
        mt001(&diags),
        [json!({"start": pos(l + 1, col), "end": pos(l + 1, col + 6)})]
    );
    // Break the last test's sum, then fix the seventh test's product.
    let sum = text.rfind("20 + 20 = 40").unwrap() + "20 + 20 = ".len();
    let (sl, sc) = position(&text, sum, true);
    c.change(
        &uri,
        3,
        json!({"start": pos(sl, sc), "end": pos(sl, sc + 2)}),
        "41",
    )
    .await;
    text.replace_range(sum..sum + 2, "41");
    c.change(
        &uri,
        4,
        json!({"start": pos(l + 1, col + 5), "end": pos(l + 1, col + 6)}),
        "4",
    )
    .await;
    let diags = c.publish(&uri, Some(4)).await;
    assert_eq!(
        mt001(&diags),
        [json!({"start": pos(sl, sc), "end": pos(sl, sc + 2)})],
        "{diags:#?}"
    );
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_clients_get_open_documents_by_pull_only() {
    let root = workspace("pull", &[]);
    let mut c = Client::start();
    let capabilities = json!({
        "general": {"positionEncodings": ["utf-16"]},
        "textDocument": {"diagnostic": {"dynamicRegistration": false}}
    });
    c.initialize(Some(&root), capabilities).await;
    let uri = config_uri(&root, NAME);
    c.open(&uri, 1, DEFECT).await;
    let report = c
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(report["kind"], "full");
    let items = report["items"].as_array().unwrap();
    assert_eq!(codes(items), ["MC061", "MC060"]);
    assert_eq!(
        find(items, "MC061")["range"],
        json!({"start": pos(3, 40), "end": pos(3, 45)})
    );
    // No publishDiagnostics for the open document: finish() would see it.
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_configs_get_diagnostics_without_being_opened() {
    let good = DEFECT.replace("80000", "80448").replace("12000", "12288");
    let root = workspace(
        "scan",
        &[
            ("backend/data/model_configs/org_Tiny-1.json", DEFECT),
            (
                "backend/data/model_configs/org_Tiny-2.json",
                &good.replace("Tiny-1", "Tiny-2"),
            ),
        ],
    );
    let mut c = Client::start();
    // The editor's folder is below the Mantile root: the server walks up.
    let (_, started) = c
        .initialize_folders(&[(&root.join("backend/data"), "data")], json!({}))
        .await;
    assert!(
        started.contains(&format!("workspace {}", root.display())),
        "{started}"
    );
    // Only the defective one is published (a clean file has nothing to clear).
    let diags = c.publish(&config_uri(&root, NAME), None).await;
    assert_eq!(codes(&diags), ["MC061", "MC060"]);
    // Checked from disk: the fixes name no document version.
    assert_eq!(diags[0]["data"]["version"], Value::Null);
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_layer_changes_recheck_open_documents() {
    let good = DEFECT.replace("80000", "80448").replace("12000", "12288");
    let root = workspace("watch", &[]);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, NAME);
    c.open(&uri, 1, &good).await;
    assert_eq!(c.publish(&uri, Some(1)).await, Vec::<Value>::new());
    // The workspace now defines its own layers, without NormLayer.
    let layers = "class RMSNormLayer(Layer):\n    \"\"\"RMS norm.\"\"\"\n    def __init__(self, layer_idx, hidden_size, eps=1e-6):\n        pass\n";
    std::fs::create_dir_all(root.join("backend/layers")).unwrap();
    std::fs::write(root.join("backend/layers/norm.py"), layers).unwrap();
    let changed = server_support::file_uri(&root.join("backend/layers/norm.py"));
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": changed, "type": 1}]}),
    )
    .await;
    let diags = c.publish(&uri, Some(1)).await;
    assert!(codes(&diags).contains(&"MC030"), "{diags:#?}");
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_shows_layer_dimensions_and_parameter_breakdown() {
    let (mut c, uri, _) = open_defect("hover", &["utf-16"]).await;
    let at = DEFECT.find("\"head_dim\"").unwrap();
    let (l, col) = position(DEFECT, at + 3, true);
    let hover = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(l, col)}),
        )
        .await;
    assert_eq!(hover["contents"]["kind"], "markdown");
    let md = hover["contents"]["value"].as_str().unwrap();
    for line in [
        "- q width h·dh = 4 × 16 = 64",
        "- GQA group h/kv = 4 / 2 = 2: 2 query heads share each key/value head",
        "**Parameters** per layer = **12,288** (stated parameter_count is 12,000)",
        "- q 64×64 + k,v 2×64×32 + o 64×64",
        "- bf16: 2 × 32 × 2 = 128 B per layer",
    ] {
        assert!(md.contains(line), "{line:?} not in:\n{md}");
    }
    let (_, col0) = position(DEFECT, at, true);
    assert_eq!(
        hover["range"],
        json!({"start": pos(l, col0), "end": pos(l, col0 + 10)})
    );
    // On total_params, after the emoji: the breakdown table.
    let hover = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(3, 26)}),
        )
        .await;
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("| attention | GroupedQueryAttentionLayer | 2 | 12,288 | 24,576 |"),
        "{md}"
    );
    assert_eq!(
        hover["range"],
        json!({"start": pos(3, 24), "end": pos(3, 38)})
    );
    // Whitespace: nothing.
    let none = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(0, 1)}),
        )
        .await;
    assert_eq!(none, Value::Null);
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_action_fixes_parameter_count() {
    let (mut c, uri, diags) = open_defect("code_action", &["utf-16"]).await;
    let d = find(&diags, "MC060").clone();
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"],
                   "context": {"diagnostics": [d]}}),
        )
        .await;
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:#?}");
    let a = &actions[0];
    assert_eq!(a["title"], "Set parameter_count to 12,288");
    assert_eq!(a["kind"], "quickfix");
    assert_eq!(a["isPreferred"], true);
    let edits = a["edit"]["changes"][&uri].as_array().unwrap();
    let fixed = apply(DEFECT, edits);
    assert_eq!(fixed, DEFECT.replace("12000", "12288"));
    // The editor applies it as an incremental change; MC060 goes away.
    let e = &edits[0];
    c.change(&uri, 2, e["range"].clone(), e["newText"].as_str().unwrap())
        .await;
    let after = c.publish(&uri, Some(2)).await;
    assert_eq!(codes(&after), ["MC061"]);
    // The fix of a diagnostic from version 1 is not offered for version 2.
    let stale = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"],
                   "context": {"diagnostics": [d]}}),
        )
        .await;
    assert_eq!(stale, json!([]));
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_action_without_client_diagnostics_uses_the_last_check() {
    let (mut c, uri, diags) = open_defect("code_action_range", &["utf-16"]).await;
    let d = find(&diags, "MC061");
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"],
                   "context": {"diagnostics": []}}),
        )
        .await;
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Set total_params to 80,448"]);
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_typed_documents_never_crash_the_server() {
    let (mut c, uri, _) = open_defect("half_typed", &["utf-16"]).await;
    // Replace the whole text with ever longer prefixes, splitting the
    // emoji's surrogate pair too; hover at the end of each.
    let mut version = 1;
    let cuts: Vec<usize> = (0..DEFECT.len())
        .step_by(7)
        .filter(|&i| DEFECT.is_char_boundary(i))
        .collect();
    for &cut in &cuts {
        version += 1;
        let prefix = &DEFECT[..cut];
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": prefix}]}),
        )
        .await;
        let (l, col) = position(prefix, cut, true);
        c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(l, col + 1)}),
        )
        .await;
    }
    let last = c.publish(&uri, Some(version)).await;
    assert!(!last.is_empty());
    // Still serving.
    c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_document_shows_the_file_on_disk_again() {
    let root = workspace(
        "close",
        &[("backend/data/model_configs/org_Tiny-1.json", DEFECT)],
    );
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, NAME);
    assert_eq!(codes(&c.publish(&uri, None).await), ["MC061", "MC060"]);
    // Edited in the editor: the open text decides.
    let fixed = DEFECT.replace("80000", "80448").replace("12000", "12288");
    c.open(&uri, 1, &fixed).await;
    assert_eq!(c.publish(&uri, Some(1)).await, Vec::<Value>::new());
    // Closed without saving: the file on disk decides again.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    assert_eq!(codes(&c.publish(&uri, None).await), ["MC061", "MC060"]);
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_outside_the_workspace_layout_get_nothing() {
    let root = workspace("outside", &[]);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let other = server_support::file_uri(&root.join("package.json"));
    c.open(&other, 1, "{ not json").await;
    let report = c
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": other}}),
        )
        .await;
    assert_eq!(report["items"], json!([]));
    let hover = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": other}, "position": pos(0, 3)}),
        )
        .await;
    assert_eq!(hover, Value::Null);
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": other}}),
    )
    .await;
    // No publishDiagnostics for it at all: finish() checks.
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_watchers_are_registered_when_the_client_can() {
    let root = workspace("register", &[]);
    let mut c = Client::start();
    let capabilities = json!({
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
    });
    c.initialize(Some(&root), capabilities).await;
    let reg = c
        .recv_where("client/registerCapability", |m| {
            m["method"] == "client/registerCapability"
        })
        .await;
    let r = &reg["params"]["registrations"][0];
    assert_eq!(r["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&str> = r["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert_eq!(
        globs,
        [
            "**/backend/layers/*.py",
            "**/backend/data/model_configs/*.json",
            "**/model_builder/gaps/*",
            "**/tests/*_tests.md"
        ]
    );
    c.respond(&reg, Value::Null).await;
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_that_are_not_utf8_are_reported_not_garbled() {
    let root = workspace("not_utf8", &[]);
    std::fs::write(
        root.join("backend/data/model_configs/org_Tiny-1.json"),
        b"{\"model_id\": \"\xff\"}",
    )
    .unwrap();
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let diags = c.publish(&config_uri(&root, NAME), None).await;
    assert_eq!(codes(&diags), ["MC000"]);
    assert_eq!(
        diags[0]["message"],
        "file is not valid UTF-8: invalid byte 0xFF at offset 14"
    );
    assert_eq!(diags[0]["range"]["start"], pos(0, 14));
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_a_gap_report_rechecks_the_configs_that_name_it() {
    let unsupported = DEFECT
        .replace("80000", "80448")
        .replace("12000", "12288")
        .replace(
            "{\"name\": \"norm\", \"class\": \"NormLayer\",",
            "{\"name\": \"norm\", \"class\": \"NormLayer\", \"supported\": false, \"gap_report\": \"model_builder/gaps/norm.md\",",
        );
    let root = workspace("save_gap", &[]);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, NAME);
    c.open(&uri, 1, &unsupported).await;
    let before = c.publish(&uri, Some(1)).await;
    assert!(codes(&before).contains(&"MC041"), "{before:#?}");
    // The report is written and saved (no file watchers registered).
    let gap = root.join("model_builder/gaps/norm.md");
    std::fs::create_dir_all(gap.parent().unwrap()).unwrap();
    std::fs::write(&gap, "# Gap Report: norm\n").unwrap();
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": server_support::file_uri(&gap)}}),
    )
    .await;
    let after = c.publish(&uri, Some(1)).await;
    assert!(!codes(&after).contains(&"MC041"), "{after:#?}");
    // The rescan also publishes the (closed, unfinished) report's own findings.
    let report = c.publish(&server_support::file_uri(&gap), None).await;
    assert!(!report.is_empty());
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_severities_come_from_settings() {
    let root = workspace("settings", &[]);
    let mut c = Client::start();
    // Not `initialize`: the warning about the unknown rule is a log that
    // names the server too, before the startup log.
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": server_support::file_uri(&root), "capabilities": {},
               "initializationOptions": {"mantile": {"rules": {"total-params": "off", "MC404": "error"}, "hub": {"enabled": false}}}}),
    )
    .await;
    c.log("unknown rule `MC404`").await;
    c.notify("initialized", json!({})).await;
    c.log("mantile-lsp 0").await;
    let uri = config_uri(&root, NAME);
    c.open(&uri, 1, DEFECT).await;
    let diags = c.publish(&uri, Some(1)).await;
    assert_eq!(codes(&diags), ["MC060"]);
    assert_eq!(diags[0]["severity"], 1);
    // New settings: the open document is checked again, same version.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"mantile": {"rules": {"MC060": "hint"}}}}),
    )
    .await;
    let diags = c.publish(&uri, Some(1)).await;
    assert_eq!(codes(&diags), ["MC061", "MC060"]);
    assert_eq!(find(&diags, "MC060")["severity"], 4);
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_reports_unchanged_for_the_same_text() {
    let (mut c, uri, _) = open_defect("pull_unchanged", &["utf-16"]).await;
    let first = c
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let id = first["resultId"].as_str().unwrap().to_string();
    let again = c
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}, "previousResultId": id}),
        )
        .await;
    assert_eq!(again, json!({"kind": "unchanged", "resultId": id}));
    // After an edit, a full report with a new id.
    c.change(&uri, 2, json!({"start": pos(0, 0), "end": pos(0, 0)}), " ")
        .await;
    c.publish(&uri, Some(2)).await;
    let after = c
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}, "previousResultId": id}),
        )
        .await;
    assert_eq!(after["kind"], "full");
    assert_ne!(after["resultId"], json!(id));
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definition_of_a_class_is_its_python_source() {
    let layers = "# Norms: x × γ ≈ y\nclass MyNormLayer(Layer):\n    \"\"\"RMS norm.\"\"\"\n    def __init__(self, layer_idx, hidden_size):\n        pass\n";
    let text = DEFECT
        .replace("80000", "80448")
        .replace("12000", "12288")
        .replace("\"NormLayer\"", "\"MyNormLayer\"");
    let root = workspace("definition", &[("backend/layers/norm.py", layers)]);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, NAME);
    c.open(&uri, 1, &text).await;
    c.publish(&uri, Some(1)).await;
    let at = text.find("MyNormLayer").unwrap();
    let (l, col) = position(&text, at, true);
    let def = c
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": pos(l, col)}),
        )
        .await;
    assert_eq!(
        def,
        json!({"uri": server_support::file_uri(&root.join("backend/layers/norm.py")),
               "range": {"start": pos(1, 6), "end": pos(1, 17)}})
    );
    c.finish().await;
}
