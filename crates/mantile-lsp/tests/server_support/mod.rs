//! An in-process LSP client for the server tests: framed JSON-RPC over an
//! in-memory duplex pipe. Every message the server sends must be consumed by
//! the test (`request`, `publish`, `log`, `recv_where`); [`Client::finish`]
//! fails if any was left unread.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, WriteHalf};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Guards against a hang only; no test asserts on timing.
const HANG_GUARD: Duration = Duration::from_secs(60);

pub struct Client {
    write: WriteHalf<DuplexStream>,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Received, not yet consumed by the test.
    unread: Vec<Value>,
    next_id: i64,
    server: JoinHandle<bool>,
}

async fn read_message(r: &mut BufReader<tokio::io::ReadHalf<DuplexStream>>) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0u8; len.expect("Content-Length header")];
    r.read_exact(&mut body).await.ok()?;
    Some(serde_json::from_slice(&body).expect("the server sends JSON"))
}

impl Client {
    /// Starts a server on an in-memory pipe.
    pub fn start() -> Client {
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let (sr, sw) = tokio::io::split(server_end);
        let server = tokio::spawn(mantile_lsp::server::serve(sr, sw));
        let (cr, cw) = tokio::io::split(client_end);
        let (tx, incoming) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut r = BufReader::new(cr);
            while let Some(msg) = read_message(&mut r).await {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Client {
            write: cw,
            incoming,
            unread: Vec::new(),
            next_id: 0,
            server,
        }
    }

    pub async fn send(&mut self, msg: Value) {
        let body = serde_json::to_string(&msg).unwrap();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.write.write_all(framed.as_bytes()).await.unwrap();
        self.write.flush().await.unwrap();
    }

    /// Writes raw bytes to the server, framed or not.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.write.write_all(bytes).await.unwrap();
        self.write.flush().await.unwrap();
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Sends a request and returns its response (`result` or `error`).
    pub async fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        self.recv_where(&format!("the response to {method}"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        })
        .await
    }

    /// Sends a request and returns its result; fails on an error response.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let r = self.request_raw(method, params).await;
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    /// The first message (unread ones first, in arrival order) that `pred`
    /// accepts; the others stay unread.
    pub async fn recv_where(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.unread.iter().position(&pred) {
            return self.unread.remove(i);
        }
        loop {
            let msg = tokio::time::timeout(HANG_GUARD, self.incoming.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what} from the server; unread: {:#?}", self.unread))
                .unwrap_or_else(|| panic!("the server closed before sending {what}"));
            if pred(&msg) {
                return msg;
            }
            self.unread.push(msg);
        }
    }

    /// The next message (unread ones first), or `None` if none arrives
    /// within `wait`.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        if !self.unread.is_empty() {
            return Some(self.unread.remove(0));
        }
        tokio::time::timeout(wait, self.incoming.recv())
            .await
            .ok()
            .flatten()
    }

    /// The diagnostics published for `uri` at `version` (`None`: a file
    /// checked from disk). Publications for older versions of the same
    /// document are skipped: debouncing may or may not produce them.
    pub async fn publish(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let msg = self
            .recv_where(&format!("publishDiagnostics for {uri} v{version:?}"), |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri
                    && m["params"]["version"].as_i64() == version
            })
            .await;
        if let Some(v) = version {
            self.unread.retain(|m| {
                !(m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri
                    && m["params"]["version"].as_i64().is_some_and(|o| o < v))
            });
        }
        msg["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// Answers a request the server sent.
    pub async fn respond(&mut self, request: &Value, result: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": result}))
            .await;
    }

    /// A `window/logMessage` containing `needle`.
    pub async fn log(&mut self, needle: &str) -> String {
        let m = self
            .recv_where(&format!("a log message with {needle:?}"), |m| {
                m["method"] == "window/logMessage"
                    && m["params"]["message"]
                        .as_str()
                        .is_some_and(|s| s.contains(needle))
            })
            .await;
        m["params"]["message"].as_str().unwrap().to_string()
    }

    /// `initialize` with the given client capabilities and root, then
    /// `initialized`; consumes the startup log. Returns the server's
    /// capabilities.
    /// Initializes with the Hugging Face checks off (tests never reach the
    /// internet); see [`Client::initialize_with`] for other options.
    pub async fn initialize(&mut self, root: Option<&Path>, capabilities: Value) -> Value {
        self.initialize_with(root, capabilities, hub_off()).await
    }

    /// [`Client::initialize`] with workspace folders (`(path, name)`) and
    /// no root. Returns the server's capabilities and the startup log.
    pub async fn initialize_folders(
        &mut self,
        folders: &[(&Path, &str)],
        capabilities: Value,
    ) -> (Value, String) {
        let folders: Vec<Value> = folders
            .iter()
            .map(|(path, name)| json!({"uri": file_uri(path), "name": name}))
            .collect();
        let result = self
            .request(
                "initialize",
                json!({"processId": null, "rootUri": null, "capabilities": capabilities,
                       "workspaceFolders": folders, "initializationOptions": hub_off()}),
            )
            .await;
        self.notify("initialized", json!({})).await;
        let started = self.log("mantile-lsp").await;
        (result["capabilities"].clone(), started)
    }

    pub async fn initialize_with(
        &mut self,
        root: Option<&Path>,
        capabilities: Value,
        options: Value,
    ) -> Value {
        let root_uri = root.map(file_uri);
        let result = self
            .request(
                "initialize",
                json!({"processId": null, "rootUri": root_uri, "capabilities": capabilities,
                       "initializationOptions": options}),
            )
            .await;
        self.notify("initialized", json!({})).await;
        self.log("mantile-lsp").await;
        result["capabilities"].clone()
    }

    pub async fn open(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "json", "version": version, "text": text}}),
        )
        .await;
    }

    /// `didChange` with one incremental edit: replace `range` with `text`.
    pub async fn change(&mut self, uri: &str, version: i64, range: Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": range, "text": text}]}),
        )
        .await;
    }

    /// [`Client::finish`], dropping the messages of `methods` the test did
    /// not read (for sessions whose background work publishes a number of
    /// times that is not the point of the test).
    pub async fn finish_ignoring(mut self, methods: &[&str]) {
        let ignored = |m: &Value| methods.iter().any(|x| m["method"] == *x);
        self.request("shutdown", Value::Null).await;
        self.notify("exit", Value::Null).await;
        let clean = tokio::time::timeout(HANG_GUARD, &mut self.server)
            .await
            .expect("the server stops after exit")
            .expect("the server task does not panic");
        assert!(clean, "the server saw shutdown before exit");
        while let Ok(Some(m)) = tokio::time::timeout(HANG_GUARD, self.incoming.recv()).await {
            self.unread.push(m);
        }
        self.unread.retain(|m| !ignored(m));
        assert!(
            self.unread.is_empty(),
            "the server sent messages the test never read: {:#?}",
            self.unread
        );
    }

    /// `shutdown`, `exit`; fails if the server sent anything the test did
    /// not read, or did not stop cleanly.
    pub async fn finish(mut self) {
        self.request("shutdown", Value::Null).await;
        self.notify("exit", Value::Null).await;
        let clean = tokio::time::timeout(HANG_GUARD, &mut self.server)
            .await
            .expect("the server stops after exit")
            .expect("the server task does not panic");
        assert!(clean, "the server saw shutdown before exit");
        while let Ok(Some(m)) = tokio::time::timeout(HANG_GUARD, self.incoming.recv()).await {
            self.unread.push(m);
        }
        assert!(
            self.unread.is_empty(),
            "the server sent messages the test never read: {:#?}",
            self.unread
        );
    }
}

/// The rule codes of published diagnostics, in order.
pub fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

/// A `file:` URI as clients spell it.
pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A fresh workspace folder for one test, with `files` (relative path, text).
pub fn workspace(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("server-tests")
        .join(test);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("backend/data/model_configs")).unwrap();
    for (rel, text) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    root
}

/// The URI of a config in a workspace.
pub fn config_uri(root: &Path, name: &str) -> String {
    file_uri(&root.join("backend/data/model_configs").join(name))
}

/// The UTF-8 and UTF-16 position of byte `offset` in `text`, as (line, col).
pub fn position(text: &str, offset: usize, utf16: bool) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col_text = &before[line_start..];
    let col = if utf16 {
        col_text.encode_utf16().count()
    } else {
        col_text.len()
    };
    (line, col as u64)
}

/// `{"line": l, "character": c}`.
pub fn pos(line: u64, character: u64) -> Value {
    json!({"line": line, "character": character})
}

/// Initialization options with the Hugging Face checks off.
fn hub_off() -> Value {
    json!({"mantile": {"hub": {"enabled": false}}})
}

/// Client capabilities offering `encodings` (in order of preference).
pub fn caps(encodings: &[&str]) -> Value {
    json!({"general": {"positionEncodings": encodings}})
}
