//! The language server's message loop, framing layer included, on arbitrary
//! byte streams: it must never panic, and must return once its input ends.
//!
//! Each run starts a server on an in-memory input that begins with a valid
//! `initialize` and `initialized` (so that the fuzzed bytes reach a live
//! session, with a small workspace as its root) and goes on with the input:
//! - first byte even: the rest as raw bytes (framing, headers, garbage);
//! - first byte odd: the rest split at 0xFF bytes into message bodies, each
//!   framed with its right `Content-Length` (so the bodies reach the
//!   handlers: didOpen/didChange of odd texts, hovers at odd positions…).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

const CONFIG: &str = r#"{
  "model_id": "o_m", "hf_model_id": "o/m", "name": "m", "hidden_size": 8, "num_layers": 1,
  "vocab_size": 4, "total_params": 632,
  "layer_types": [
    {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 1, "specs": {"hidden_size": 8, "num_heads": 2, "num_kv_heads": 1, "head_dim": 4, "parameter_count": 190}},
    {"name": "router", "class": "RouterLayer", "count": 1, "specs": {"hidden_size": 8}}
  ]
}
"#;

/// A small workspace at a fixed path (the seeds name its files), written
/// once per fuzzing process.
fn workspace() -> &'static PathBuf {
    static WS: OnceLock<PathBuf> = OnceLock::new();
    WS.get_or_init(|| {
        let root = std::env::temp_dir().join("mantile-fuzz-ws");
        let configs = root.join("backend/data/model_configs");
        std::fs::create_dir_all(&configs).unwrap();
        std::fs::create_dir_all(root.join("tests")).unwrap();
        std::fs::write(configs.join("o_m.json"), CONFIG).unwrap();
        std::fs::write(
            root.join("tests/x_tests.md"),
            "# Test X-1 — x\n\n* `2 * 3 = 6`\n",
        )
        .unwrap();
        // No Hugging Face requests, whatever the fuzzed settings say.
        // SAFETY: set once, before any server thread runs.
        unsafe { std::env::set_var("HF_HUB_OFFLINE", "1") };
        root
    })
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let root = workspace();
    let init = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"processId":null,"rootUri":"file://{}","capabilities":{{}},"initializationOptions":{{"mantile":{{"hub":{{"enabled":false}},"debounceMs":0}}}}}}}}"#,
        root.display()
    );
    let mut input = frame(init.as_bytes());
    input.extend(frame(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#));
    if mode % 2 == 0 {
        input.extend_from_slice(rest);
    } else {
        for body in rest.split(|&b| b == 0xFF) {
            input.extend(frame(body));
        }
    }
    runtime().block_on(async {
        let input: &[u8] = &input;
        mantile_lsp::server::serve(input, tokio::io::sink()).await;
    });
});

/// One runtime for the whole fuzzing process: threads are reused between
/// runs (creating them per run, under the sanitizer, cost most of each run).
/// What a run leaves behind (a debounced check) ends on its own.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}
