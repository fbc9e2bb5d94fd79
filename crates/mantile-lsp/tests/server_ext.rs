//! Mantile's own protocol (`server/lsp_ext.rs`): the commands run through
//! `workspace/executeCommand` (check the workspace, generate a config), the
//! `mantile/registry` and `mantile/inspect` requests, `$/progress`,
//! cancellation, and the user's settings changed live.

mod server_support;

use mantile_hub_mock::{Behaviour, MockHub, MockModel};
use serde_json::{Value, json};
use server_support::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TINY: &str = "TinyLlama/TinyLlama-1.1B-Chat-v1.0";
const TINY_FILE: &str = "backend/data/model_configs/TinyLlama_TinyLlama-1.1B-Chat-v1.0.json";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A fresh copy of `examples/workspace` (two configs, one with deliberate
/// defects and a gap documented by a report and a suite of three tests).
fn example(test: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("server-ext")
        .join(test);
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(&repo().join("examples/workspace"), &root);
    root
}

fn severity_counts(diags: &[Value]) -> (usize, usize, usize, usize) {
    let n = |s: i64| diags.iter().filter(|d| d["severity"] == s).count();
    (n(1), n(2), n(3), n(4))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_lists_models_gaps_and_suites_and_check_workspace_reports_progress() {
    let root = example("registry");
    let wide = config_uri(&root, "acme_Wide-MoE-2B.json");
    let mut c = Client::start();
    let caps = c.initialize(Some(&root), caps(&["utf-16"])).await;
    assert_eq!(
        caps["executeCommandProvider"]["commands"],
        json!(["mantile-lsp.checkWorkspace", "mantile-lsp.newConfig"])
    );
    // The start-up scan publishes the defective config's findings.
    let published = c.publish(&wide, None).await;
    let (e, w, _, _) = severity_counts(&published);
    assert!(e > 0 && w > 0, "{published:#?}");

    let r = c.request("mantile/registry", json!({})).await;
    assert_eq!(r["root"], file_uri(&root));
    // Each model's counts are those of its published findings.
    let models = r["models"].as_array().unwrap();
    assert_eq!(
        models
            .iter()
            .map(|m| (
                m["path"].as_str().unwrap(),
                m["modelId"].as_str().unwrap(),
                m["totalParams"].as_u64().unwrap(),
                m["errors"].as_u64().unwrap() as usize,
                m["warnings"].as_u64().unwrap() as usize
            ))
            .collect::<Vec<_>>(),
        [
            (
                "backend/data/model_configs/acme_Tiny-Llama-100M.json",
                "acme_Tiny-Llama-100M",
                100_092_672,
                0,
                0
            ),
            (
                "backend/data/model_configs/acme_Wide-MoE-2B.json",
                "acme_Wide-MoE-2b",
                1_492_554_240,
                e,
                w
            ),
        ]
    );
    assert_eq!(models[1]["uri"], wide);
    assert_eq!(models[1]["hfModelId"], "acme/Wide-MoE-2B");
    // The gap, its report and its suite, as `mantile-lsp report` lists them.
    let report = file_uri(&root.join("model_builder/gaps/multi_token_prediction.md"));
    let suite = file_uri(&root.join("tests/multi_token_prediction_tests.md"));
    assert_eq!(
        r["gaps"],
        json!([{
            "number": 1, "gapType": "Layer", "feature": "Multi-Token Prediction Head",
            "affectedLayers": ["mtp_head (acme_Wide-MoE-2B)"], "severity": "MEDIUM", "status": "Created",
            "report": "model_builder/gaps/multi_token_prediction.md", "reportUri": report,
            "unaccounted": null,
            "suite": {"path": "tests/multi_token_prediction_tests.md", "uri": suite, "tests": 3,
                      "ids": ["MTP-1", "MTP-2", "MTP-3"], "status": "Created"}
        }])
    );
    assert_eq!(
        r["checklist"],
        json!({"gapsIdentified": 1, "reportsCreated": 1, "testSuitesCreated": 1, "testsWritten": 3,
               "documentedInExistingReports": 0, "unaccounted": 0})
    );

    // Check Workspace on a token the client gives: progress, the findings
    // published again, and the counts `mantile-lsp check` prints for this
    // workspace (2 errors, 4 warnings, 2 infos, 0 hints in 4 files).
    let summary = c
        .request(
            "workspace/executeCommand",
            json!({"command": "mantile-lsp.checkWorkspace", "arguments": [], "workDoneToken": "t1"}),
        )
        .await;
    assert_eq!(
        summary,
        json!({"files": 4, "errors": 2, "warnings": 4, "infos": 2, "hints": 0})
    );
    let progress = |kind: &'static str| {
        move |m: &Value| {
            m["method"] == "$/progress"
                && m["params"]["token"] == "t1"
                && m["params"]["value"]["kind"] == kind
        }
    };
    let begin = c.recv_where("progress begin", progress("begin")).await;
    assert_eq!(
        begin["params"]["value"]["title"],
        "Mantile: checking the workspace"
    );
    let mut reports = Vec::new();
    for _ in 0..5 {
        let m = c.recv_where("progress report", progress("report")).await;
        reports.push(
            m["params"]["value"]["message"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(reports[0], "reading the workspace");
    assert!(
        reports.contains(&"tests/multi_token_prediction_tests.md".to_string()),
        "{reports:?}"
    );
    let end = c.recv_where("progress end", progress("end")).await;
    assert_eq!(
        end["params"]["value"]["message"],
        "4 files checked: 2 errors, 4 warnings, 2 info, 0 hints"
    );
    assert_eq!(
        severity_counts(&c.publish(&wide, None).await),
        severity_counts(&published)
    );
    // The client asked for the registry: it hears that it may have changed.
    c.recv_where("mantile/registryChanged", |m| {
        m["method"] == "mantile/registryChanged"
    })
    .await;

    // A gap report removed on disk: the registry says the gap is unaccounted.
    std::fs::remove_file(root.join("model_builder/gaps/multi_token_prediction.md")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": report, "type": 3}]}),
    )
    .await;
    c.recv_where("mantile/registryChanged", |m| {
        m["method"] == "mantile/registryChanged"
    })
    .await;
    let r = c.request("mantile/registry", json!({})).await;
    assert_eq!(r["gaps"][0]["status"], "Missing");
    assert_eq!(r["gaps"][0]["reportUri"], Value::Null);
    assert_eq!(
        r["gaps"][0]["unaccounted"],
        "model_builder/gaps/multi_token_prediction.md does not exist"
    );
    assert_eq!(r["checklist"]["unaccounted"], 1);
    // The rescan republishes the defective config.
    c.publish(&wide, None).await;

    // An unknown command is refused by name.
    let r = c
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "mantile-lsp.frobnicate"}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32602);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown command `mantile-lsp.frobnicate`"),
        "{r}"
    );
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_reads_the_editors_text_of_an_open_config() {
    let root = example("registry_open");
    let tiny = config_uri(&root, "acme_Tiny-Llama-100M.json");
    let mut c = Client::start();
    c.initialize(Some(&root), caps(&["utf-16"])).await;
    c.publish(&config_uri(&root, "acme_Wide-MoE-2B.json"), None)
        .await;
    // An unsaved edit: total_params off by one.
    let text =
        std::fs::read_to_string(root.join("backend/data/model_configs/acme_Tiny-Llama-100M.json"))
            .unwrap()
            .replace("\"total_params\": 100092672", "\"total_params\": 100092673");
    c.open(&tiny, 1, &text).await;
    let diags = c.publish(&tiny, Some(1)).await;
    let (e, w, _, _) = severity_counts(&diags);
    assert!(e + w > 0, "{diags:#?}");
    let r = c.request("mantile/registry", json!({})).await;
    let m = &r["models"][0];
    assert_eq!(m["totalParams"], 100_092_673u64);
    assert_eq!(
        (
            m["errors"].as_u64().unwrap() as usize,
            m["warnings"].as_u64().unwrap() as usize
        ),
        (e, w)
    );
    c.finish().await;
}

async fn hub_client(test: &str, hub: &MockHub, offline: bool) -> (Client, PathBuf) {
    let root = workspace(test, &[]);
    let mut c = Client::start();
    let caps = json!({"general": {"positionEncodings": ["utf-16"]},
                      "window": {"showDocument": {"support": true}, "workDoneProgress": true}});
    let hub_settings = json!({"endpoint": hub.url, "home": root.join(".hf").to_string_lossy(), "offline": offline});
    c.initialize_with(Some(&root), caps, json!({"mantile": {"hub": hub_settings}}))
        .await;
    (c, root)
}

/// Answers the server's `window/workDoneProgress/create`; returns the token.
async fn accept_progress(c: &mut Client) -> Value {
    let create = c
        .recv_where("window/workDoneProgress/create", |m| {
            m["method"] == "window/workDoneProgress/create"
        })
        .await;
    c.respond(&create, Value::Null).await;
    create["params"]["token"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_config_generates_writes_and_opens_and_hub_settings_change_live() {
    let hub = MockHub::start(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )])
    .await;
    // Offline with an empty cache: the generator's own message.
    let (mut c, root) = hub_client("ext_new_config", &hub, true).await;
    c.send(
        json!({"jsonrpc": "2.0", "id": 900, "method": "workspace/executeCommand",
                  "params": {"command": "mantile-lsp.newConfig", "arguments": [{"repo": TINY}]}}),
    )
    .await;
    let token = accept_progress(&mut c).await;
    let r = c
        .recv_where("the newConfig error", |m| m["id"] == 900)
        .await;
    assert_eq!(r["error"]["code"], -32803, "{r}");
    let message = r["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(TINY) && message.contains("no cached metadata"),
        "{message}"
    );
    // The progress began and ended (its end sent when the failed command let go of it).
    let of = |kind: &'static str, token: Value| {
        move |m: &Value| {
            m["method"] == "$/progress"
                && m["params"]["token"] == token
                && m["params"]["value"]["kind"] == kind
        }
    };
    c.recv_where("begin", of("begin", token.clone())).await;
    c.recv_where("report", of("report", token.clone())).await;
    c.recv_where("end", of("end", token.clone())).await;
    assert!(!root.join(TINY_FILE).exists());

    // The user goes online: no restart, the next command reaches the Hub.
    c.notify(
        "mantile/didChangeUserSettings",
        json!({"mantile": {"hub": {"endpoint": hub.url, "home": root.join(".hf").to_string_lossy(), "offline": false}}}),
    )
    .await;
    c.send(
        json!({"jsonrpc": "2.0", "id": 901, "method": "workspace/executeCommand",
                  "params": {"command": "mantile-lsp.newConfig", "arguments": [{"repo": TINY}]}}),
    )
    .await;
    let token = accept_progress(&mut c).await;
    let show = c
        .recv_where("window/showDocument", |m| {
            m["method"] == "window/showDocument"
        })
        .await;
    assert_eq!(show["params"]["uri"], file_uri(&root.join(TINY_FILE)));
    assert_eq!(show["params"]["takeFocus"], true);
    c.respond(&show, json!({"success": true})).await;
    let r = c
        .recv_where("the newConfig result", |m| m["id"] == 901)
        .await;
    assert_eq!(
        r["result"],
        json!({"uri": file_uri(&root.join(TINY_FILE)), "path": TINY_FILE, "written": [], "kept": [],
               "notes": [], "shown": true}),
        "{r}"
    );
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(TINY_FILE)).unwrap()).unwrap();
    assert_eq!(written["hf_model_id"], TINY);
    assert_eq!(written["total_params"], 1_100_048_384u64);
    let end = c.recv_where("end", of("end", token.clone())).await;
    assert_eq!(
        end["params"]["value"]["message"],
        format!("wrote {TINY_FILE}")
    );

    // The tensors of the model just generated (its metadata now cached).
    let r = c.request("mantile/inspect", json!({"repo": TINY})).await;
    assert!(
        r["text"]
            .as_str()
            .unwrap()
            .contains("201 tensors in 1 shard"),
        "{r}"
    );

    // Again: the file exists, and is kept unless asked to replace it.
    let r = c
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "mantile-lsp.newConfig", "arguments": [{"repo": TINY}]}),
        )
        .await;
    assert_eq!(
        r["error"]["message"],
        format!("`{TINY_FILE}` already exists; pass force to replace it")
    );
    // Not a model id: refused before anything is asked of the Hub.
    let r = c
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "mantile-lsp.newConfig", "arguments": [{"repo": "../.."}]}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32602);
    // The rescan after writing checks the new config (with the Hub, in the
    // background): those publications and Hub reports are not this test's point.
    c.finish_ignoring(&[
        "$/progress",
        "textDocument/publishDiagnostics",
        "mantile/hubStatus",
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_config_cancelled_writes_nothing() {
    // The Hub answers only after a long while: the client cancels first.
    let hub = MockHub::start(vec![
        MockModel::fixture("TinyLlama--TinyLlama-1.1B-Chat-v1.0")
            .with(Behaviour::Stall(Duration::from_secs(30))),
    ])
    .await;
    let (mut c, root) = hub_client("ext_new_cancel", &hub, false).await;
    // By $/cancelRequest.
    c.send(
        json!({"jsonrpc": "2.0", "id": 910, "method": "workspace/executeCommand",
                  "params": {"command": "mantile-lsp.newConfig", "arguments": [{"repo": TINY}]}}),
    )
    .await;
    let token = accept_progress(&mut c).await;
    let is = |kind: &'static str, token: Value| {
        move |m: &Value| {
            m["method"] == "$/progress"
                && m["params"]["token"] == token
                && m["params"]["value"]["kind"] == kind
        }
    };
    c.recv_where("begin", is("begin", token.clone())).await;
    c.recv_where("report", is("report", token.clone())).await;
    c.notify("$/cancelRequest", json!({"id": 910})).await;
    let r = c
        .recv_where("the cancelled response", |m| m["id"] == 910)
        .await;
    assert_eq!(r["error"]["code"], -32800, "{r}");
    let end = c.recv_where("end", is("end", token.clone())).await;
    assert_eq!(end["params"]["value"]["message"], "cancelled");

    // By the progress's cancel button (window/workDoneProgress/cancel).
    c.send(
        json!({"jsonrpc": "2.0", "id": 911, "method": "workspace/executeCommand",
                  "params": {"command": "mantile-lsp.newConfig", "arguments": [{"repo": TINY}]}}),
    )
    .await;
    let token = accept_progress(&mut c).await;
    let begin = c.recv_where("begin", is("begin", token.clone())).await;
    assert_eq!(begin["params"]["value"]["cancellable"], true);
    c.recv_where("report", is("report", token.clone())).await;
    c.notify("window/workDoneProgress/cancel", json!({"token": token}))
        .await;
    let r = c
        .recv_where("the cancelled response", |m| m["id"] == 911)
        .await;
    assert_eq!(r["error"]["code"], -32800, "{r}");
    c.recv_where("end", is("end", token.clone())).await;
    // Nothing was written, and nothing is written later.
    let r = c.request("mantile/registry", json!({})).await;
    assert_eq!(r["models"], json!([]));
    assert!(!root.join(TINY_FILE).exists());
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_answers_what_the_command_line_prints() {
    let hub = MockHub::start(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )])
    .await;
    let (mut c, root) = hub_client("ext_inspect", &hub, false).await;
    let r = c.request("mantile/inspect", json!({"repo": TINY})).await;
    let text = r["text"].as_str().unwrap();
    // The same inventory as `mantile-lsp inspect`, against the same Hub.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(["inspect", TINY])
        .env("HF_ENDPOINT", &hub.url)
        .env("HF_HOME", root.join(".hf-cli"))
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_HUB_CACHE")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text, String::from_utf8_lossy(&out.stdout));
    assert!(
        text.contains(TINY) && text.contains("model.layers.{0..21}.mlp.down_proj.weight"),
        "{text}"
    );
    // Unknown to the Hub: its message.
    let r = c
        .request_raw("mantile/inspect", json!({"repo": "nobody/nothing"}))
        .await;
    assert_eq!(r["error"]["code"], -32803, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nobody/nothing")
    );
    let r = c
        .request_raw("mantile/inspect", json!({"repo": "no id"}))
        .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    c.finish().await;
}
