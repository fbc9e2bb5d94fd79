//! The language server against hostile input (issue 12) and the quick-fix
//! race (issue 17): malformed messages, special files in the workspace,
//! scaffolds that would leave it, code actions before the first versioned
//! publish. In-memory pipe; every message the server sends is accounted for.

#![cfg(unix)]

mod server_support;

use serde_json::{Value, json};
use server_support::*;
use std::os::unix::fs::symlink;

/// A config with a wrong attention parameter_count (12,288 is right) and a
/// layer of a class Mantile lacks (`RouterLayer`, scaffolds offered).
const CONFIG: &str = r#"{
  "model_id": "org_Tiny-1",
  "hf_model_id": "org/Tiny-1",
  "name": "Tiny",
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

const NAME: &str = "org_Tiny-1.json";

/// The error answer with `id` (and no `method`).
async fn error_answer(c: &mut Client, id: Value) -> Value {
    c.recv_where(&format!("an error answer with id {id}"), |m| {
        m.get("method").is_none() && m["id"] == id && m.get("error").is_some()
    })
    .await["error"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_answered_and_the_session_goes_on() {
    let root = workspace(
        "malformed",
        &[("backend/data/model_configs/org_Tiny-1.json", CONFIG)],
    );
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    c.publish(&config_uri(&root, NAME), None).await;
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    // `null`: valid JSON, not a message.
    c.send_raw(frame("null").as_bytes()).await;
    assert_eq!(error_answer(&mut c, Value::Null).await["code"], -32600);
    // Invalid JSON.
    c.send_raw(frame("{\"jsonrpc\": \"2.0\", oops").as_bytes())
        .await;
    assert_eq!(error_answer(&mut c, Value::Null).await["code"], -32700);
    // A request with an id but no valid version: answered with its id.
    c.send_raw(frame(r#"{"jsonrpc": "1.0", "id": 77, "method": "textDocument/hover"}"#).as_bytes())
        .await;
    assert_eq!(error_answer(&mut c, json!(77)).await["code"], -32600);
    // A batch (LSP has none).
    c.send_raw(frame(r#"[{"jsonrpc": "2.0", "method": "initialized"}]"#).as_bytes())
        .await;
    assert_eq!(error_answer(&mut c, Value::Null).await["code"], -32600);
    // A bad Content-Length: the body's end is unknown; reading resumes at
    // the next header, here right after the body on the same line.
    let next = r#"{"jsonrpc": "2.0", "id": 501, "method": "shutdown-not-really"}"#;
    c.send_raw(format!("Content-Length: 12x\r\n\r\n{{\"a\": 1}}{}", frame(next)).as_bytes())
        .await;
    assert_eq!(error_answer(&mut c, Value::Null).await["code"], -32700);
    // The request after it reached the server (an unknown method).
    assert_eq!(error_answer(&mut c, json!(501)).await["code"], -32601);
    // No Content-Length at all, then garbage, then a good message.
    c.send_raw(b"X-Whatever: 1\r\n\r\n\x00\xff garbage").await;
    assert_eq!(error_answer(&mut c, Value::Null).await["code"], -32700);
    // An unsupported charset: its body (length known) is skipped.
    c.send_raw(
        format!(
            "Content-Length: 4\r\nContent-Type: application/vscode-jsonrpc; charset=latin1\r\n\r\nnull{}",
            frame(r#"{"jsonrpc": "2.0", "id": 502, "method": "nope"}"#)
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(error_answer(&mut c, Value::Null).await["code"], -32700);
    assert_eq!(error_answer(&mut c, json!(502)).await["code"], -32601);
    // A malformed response from the client is dropped, not answered.
    c.send_raw(frame(r#"{"jsonrpc": "1.0", "id": 9, "result": 1}"#).as_bytes())
        .await;
    // The session still works: open, diagnostics, hover, orderly exit.
    let uri = config_uri(&root, NAME);
    c.open(&uri, 1, CONFIG).await;
    let diags = c.publish(&uri, Some(1)).await;
    assert!(diags.iter().any(|d| d["code"] == "MC060"), "{diags:?}");
    let hover = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos(1, 5)}),
        )
        .await;
    assert!(hover.is_object() || hover.is_null());
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_actions_before_the_first_versioned_publish_still_offer_the_fix() {
    let root = workspace(
        "race",
        &[("backend/data/model_configs/org_Tiny-1.json", CONFIG)],
    );
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, NAME);
    // What the client holds: the start-up scan's diagnostics, no version.
    let scanned = c.publish(&uri, None).await;
    let d = scanned
        .iter()
        .find(|d| d["code"] == "MC060")
        .unwrap()
        .clone();
    assert_eq!(d["data"]["version"], Value::Null);
    // The file is opened and a quick-fix asked for at once, with those.
    c.open(&uri, 1, CONFIG).await;
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"],
                   "context": {"diagnostics": [d], "only": ["quickfix"]}}),
        )
        .await;
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Set parameter_count to 12,288"]);
    c.publish(&uri, Some(1)).await;
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn special_files_in_the_workspace_get_one_finding_each() {
    let root = workspace(
        "special",
        &[("backend/data/model_configs/org_Tiny-1.json", CONFIG)],
    );
    let configs = root.join("backend/data/model_configs");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(configs.join("fifo.json"))
            .status()
            .unwrap()
            .success()
    );
    symlink("/dev/zero", configs.join("zero.json")).unwrap();
    symlink("loop.json", configs.join("loop.json")).unwrap();
    std::fs::File::create(configs.join("huge.json"))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let message = |d: &[Value]| -> String {
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0]["code"], "MC000");
        d[0]["message"].as_str().unwrap().to_string()
    };
    let fifo = c.publish(&config_uri(&root, "fifo.json"), None).await;
    assert_eq!(
        message(&fifo),
        "file cannot be read: not a regular file (a FIFO)"
    );
    let zero = c.publish(&config_uri(&root, "zero.json"), None).await;
    assert!(message(&zero).contains("outside the workspace"), "{zero:?}");
    let looped = c.publish(&config_uri(&root, "loop.json"), None).await;
    assert!(message(&looped).contains("symbolic links"), "{looped:?}");
    let huge = c.publish(&config_uri(&root, "huge.json"), None).await;
    assert!(
        message(&huge).starts_with("file is too large to check (3072.0 MiB"),
        "{huge:?}"
    );
    // The real config is checked as ever.
    let real = c.publish(&config_uri(&root, NAME), None).await;
    assert!(real.iter().any(|d| d["code"] == "MC060"), "{real:?}");
    c.finish().await;
}

fn created_uris(actions: &Value) -> Vec<String> {
    actions
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| {
            a["edit"]["documentChanges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|c| c["kind"] == "create")
        .map(|c| c["uri"].as_str().unwrap().to_string())
        .collect()
}

async fn scaffolds(c: &mut Client, uri: &str, text: &str) -> Value {
    let at = text.find("RouterLayer").unwrap();
    let (l, col) = position(text, at, true);
    c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": pos(l, col), "end": pos(l, col)},
               "context": {"diagnostics": [], "only": ["refactor"]}}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaffolds_never_leave_the_workspace_nor_land_on_an_existing_file() {
    let root = workspace("scaffold_escape", &[]);
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, NAME);
    // A layer named to climb out, and a gap_report that is absolute.
    let evil = CONFIG.replace("\"name\": \"router\"", "\"name\": \"../../../x/evil\"");
    c.open(&uri, 1, &evil).await;
    c.publish(&uri, Some(1)).await;
    assert_eq!(
        created_uris(&scaffolds(&mut c, &uri, &evil).await),
        Vec::<String>::new()
    );
    let abs = CONFIG.replace(
        "\"count\": 2, \"specs\": {\"hidden_size\": 64, \"parameter_count\": 512}",
        "\"count\": 2, \"supported\": false, \"gap_report\": \"/tmp/evil.md\", \"specs\": {\"hidden_size\": 64, \"parameter_count\": 512}",
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": abs}]}),
    )
    .await;
    c.publish(&uri, Some(2)).await;
    assert_eq!(
        created_uris(&scaffolds(&mut c, &uri, &abs).await),
        [file_uri(&root.join("tests/router_tests.md"))]
    );
    // Files that appeared since the workspace was read: a report, and a
    // suite that is a dangling link out of the workspace. Neither action.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": CONFIG}]}),
    )
    .await;
    c.publish(&uri, Some(3)).await;
    std::fs::create_dir_all(root.join("model_builder/gaps")).unwrap();
    std::fs::write(root.join("model_builder/gaps/router.md"), "# mine\n").unwrap();
    std::fs::create_dir_all(root.join("tests")).unwrap();
    symlink(
        "/tmp/mantile-outside-suite.md",
        root.join("tests/router_tests.md"),
    )
    .unwrap();
    assert_eq!(
        created_uris(&scaffolds(&mut c, &uri, CONFIG).await),
        Vec::<String>::new()
    );
    // A gaps folder that leads out of the workspace: no report there.
    std::fs::remove_file(root.join("tests/router_tests.md")).unwrap();
    std::fs::remove_dir_all(root.join("model_builder")).unwrap();
    let outside = root.with_file_name("scaffold_escape_outside");
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(&outside).unwrap();
    symlink(&outside, root.join("model_builder")).unwrap();
    let actions = scaffolds(&mut c, &uri, CONFIG).await;
    assert_eq!(
        created_uris(&actions),
        [file_uri(&root.join("tests/router_tests.md"))]
    );
    let create = &actions[0]["edit"]["documentChanges"][0];
    assert_eq!(
        create["options"],
        json!({"overwrite": false, "ignoreIfExists": true})
    );
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_and_definitions_never_lead_out_of_the_workspace() {
    let config = CONFIG.replace(
        r#"{"name": "router", "class": "RouterLayer", "count": 2, "specs": {"hidden_size": 64, "parameter_count": 512}}"#,
        r#"{"name": "mtp", "class": "MtpLayer", "count": 1, "supported": false, "gap_report": "model_builder/gaps/mtp.md", "specs": {"hidden_size": 64}},
    {"name": "evil", "class": "EvilLayer", "count": 1, "supported": false, "gap_report": "model_builder/gaps/evil.md", "specs": {"hidden_size": 64}}"#,
    );
    let root = workspace(
        "links_escape",
        &[
            ("backend/data/model_configs/org_Tiny-1.json", &config),
            ("model_builder/gaps/mtp.md", "# Gap Report: Mtp\n"),
        ],
    );
    let outside = root.with_file_name("links_escape_secret.md");
    std::fs::write(&outside, "secret\n").unwrap();
    symlink(&outside, root.join("model_builder/gaps/evil.md")).unwrap();
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    let uri = config_uri(&root, NAME);
    // The start-up scan publishes the closed files first.
    c.publish(&uri, None).await;
    c.publish(&file_uri(&root.join("model_builder/gaps/mtp.md")), None)
        .await;
    let evil = c
        .publish(&file_uri(&root.join("model_builder/gaps/evil.md")), None)
        .await;
    assert!(
        evil[0]["message"]
            .as_str()
            .unwrap()
            .contains("outside the workspace"),
        "{evil:?}"
    );
    c.open(&uri, 1, &config).await;
    c.publish(&uri, Some(1)).await;
    let links = c
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let targets: Vec<&str> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, [file_uri(&root.join("model_builder/gaps/mtp.md"))]);
    let definition = |needle: &str| {
        let at = config.find(needle).unwrap() + 5;
        let (l, col) = position(&config, at, true);
        json!({"textDocument": {"uri": uri}, "position": pos(l, col)})
    };
    let good = c
        .request(
            "textDocument/definition",
            definition("\"model_builder/gaps/mtp.md"),
        )
        .await;
    assert_eq!(
        good["uri"],
        file_uri(&root.join("model_builder/gaps/mtp.md"))
    );
    let evil = c
        .request(
            "textDocument/definition",
            definition("\"model_builder/gaps/evil.md"),
        )
        .await;
    assert_eq!(evil, Value::Null);
    c.finish().await;
}
