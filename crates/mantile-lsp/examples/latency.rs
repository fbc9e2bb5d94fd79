//! Latency and memory harness for the language server (not a test: a measurement).
//!
//! ```sh
//! cargo build --release -p mantile-lsp --bins --examples
//! target/release/examples/latency            # uses target/release/mantile-lsp
//! ```
//!
//! Starts the server on stdio, opens every file of `examples/workspace`, then
//! replays 200 edits on a config and 200 on a ~2,700-line spec (Mantile's
//! `attention_tests.md` from `../shared/mantile-ref` when present, else a
//! synthetic spec of that size), one at a time: each `didChange` is timed
//! from just before it is written until the last byte of the
//! `publishDiagnostics` for its version has been read (the reader thread
//! stamps each message as it arrives, before parsing it: the client's own
//! JSON parsing and thread hand-off are not the server's latency), with the
//! server's debounce set to 0 (`mantile.debounceMs`), so the figures
//! exclude it.
//! Prints p50/p99/max and the server's peak RSS.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const EDITS: usize = 200;

struct Server {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<(Instant, Value)>,
    next_id: i64,
}

impl Server {
    fn start(bin: &Path) -> Server {
        let mut child = Command::new(bin)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env("HF_HUB_OFFLINE", "1")
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let stdin = child.stdin.take().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if out.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; len];
                if out.read_exact(&mut body).is_err() {
                    return;
                }
                let arrived = Instant::now();
                if let Ok(v) = serde_json::from_slice(&body)
                    && tx.send((arrived, v)).is_err()
                {
                    return;
                }
            }
        });
        Server {
            child,
            stdin,
            rx,
            next_id: 1,
        }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let (_, msg) = self
                .rx
                .recv_timeout(Duration::from_secs(30))
                .expect("server answered");
            if msg["id"] == id && msg.get("method").is_none() {
                return msg;
            }
            self.answer_server_request(&msg);
        }
    }

    /// Answers requests the server sends (configuration, registration) with null.
    fn answer_server_request(&mut self, msg: &Value) {
        if msg.get("method").is_some() && msg.get("id").is_some() {
            let id = msg["id"].clone();
            self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
        }
    }

    /// Waits for diagnostics of `uri` at `version`; returns when they
    /// arrived.
    fn wait_diagnostics(&mut self, uri: &str, version: i64) -> Instant {
        loop {
            let (arrived, msg) = self
                .rx
                .recv_timeout(Duration::from_secs(30))
                .expect("diagnostics arrived");
            if msg["method"] == "textDocument/publishDiagnostics"
                && msg["params"]["uri"] == uri
                && msg["params"]["version"].as_i64() == Some(version)
            {
                return arrived;
            }
            self.answer_server_request(&msg);
        }
    }

    /// The server's minor page faults so far (`/proc/PID/stat`, Linux).
    fn minor_faults(&self) -> Option<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the command name (which may hold spaces): minflt is
        // the 10th field of the line, the 8th after `) `.
        let rest = &stat[stat.rfind(')')? + 2..];
        rest.split_whitespace().nth(7)?.parse().ok()
    }

    fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["backend/data/model_configs", "tests", "model_builder/gaps"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            out.extend(
                rd.filter_map(|e| Some(e.ok()?.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "md")),
            );
        }
    }
    out.sort();
    out
}

/// (line, utf-16 column) of byte `offset` in ASCII-or-not text.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col: usize = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .chars()
        .map(char::len_utf16)
        .sum();
    json!({"line": line, "character": col})
}

/// (steal, total) jiffies of all CPUs, from `/proc/stat` (Linux).
fn cpu_times() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    Some((*fields.get(7)?, fields.iter().take(8).sum()))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Replays `EDITS` edits toggling `a` ↔ `b` at the first place `a` occurs.
fn replay(server: &mut Server, path: &Path, text: &str, a: &str, b: &str, label: &str) {
    let u = uri(path);
    let at = text
        .find(a)
        .unwrap_or_else(|| panic!("{label}: {a:?} not found"));
    let mut doc = text.to_string();
    let mut version = 1;
    let mut times = Vec::with_capacity(EDITS);
    let cpu_before = cpu_times();
    let faults_before = server.minor_faults();
    for i in 0..EDITS {
        let (from, to) = if i % 2 == 0 { (a, b) } else { (b, a) };
        let start = position(&doc, at);
        let end = position(&doc, at + from.len());
        doc.replace_range(at..at + from.len(), to);
        version += 1;
        let t = Instant::now();
        server.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": version},
                   "contentChanges": [{"range": {"start": start, "end": end}, "text": to}]}),
        );
        let arrived = server.wait_diagnostics(&u, version);
        times.push(arrived.duration_since(t));
    }
    times.sort();
    // On a shared virtual machine the hypervisor may take CPU time away
    // ("steal"): say how much, since it inflates every figure.
    let steal = match (cpu_before, cpu_times()) {
        (Some((s0, t0)), Some((s1, t1))) if t1 > t0 => {
            format!(
                " (CPU steal during the run: {:.0}%)",
                (s1 - s0) as f64 * 100.0 / (t1 - t0) as f64
            )
        }
        _ => String::new(),
    };
    let faults = match (faults_before, server.minor_faults()) {
        (Some(a), Some(b)) => format!(", {} page faults per edit", (b - a) / EDITS as u64),
        _ => String::new(),
    };
    println!(
        "{label}: {} lines, {EDITS} edits: didChange → diagnostics (debounce excluded) p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms{steal}{faults}",
        text.lines().count(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn synthetic_spec() -> String {
    let suite = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/workspace/tests/multi_token_prediction_tests.md"),
    )
    .unwrap();
    let mut s = String::new();
    let mut n = 0;
    while s.lines().count() < 2700 {
        n += 1;
        s.push_str(&suite.replace("MTP-", &format!("MTP{n}-")));
        s.push('\n');
    }
    s
}

fn main() {
    let exe = std::env::current_exe().unwrap();
    let bin = std::env::var_os("MANTILE_LSP")
        .map(PathBuf::from)
        .unwrap_or_else(|| exe.parent().unwrap().parent().unwrap().join("mantile-lsp"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/workspace")
        .canonicalize()
        .unwrap();
    let mut server = Server::start(&bin);
    server.request(
        "initialize",
        json!({"processId": std::process::id(), "rootUri": uri(&root),
               "initializationOptions": {"mantile": {"debounceMs": 0, "hub": {"enabled": false}}},
               "capabilities": {"general": {"positionEncodings": ["utf-16"]},
                                "textDocument": {"publishDiagnostics": {"versionSupport": true}}}}),
    );
    server.notify("initialized", json!({}));
    // Open the whole example workspace.
    for f in files(&root) {
        let text = std::fs::read_to_string(&f).unwrap();
        let lang = if f.extension().is_some_and(|e| e == "json") {
            "json"
        } else {
            "markdown"
        };
        server.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(&f), "languageId": lang, "version": 1, "text": text}}),
        );
        server.wait_diagnostics(&uri(&f), 1);
    }
    let rss_workspace = server.peak_rss_kib();

    let config = root.join("backend/data/model_configs/acme_Wide-MoE-2B.json");
    let text = std::fs::read_to_string(&config).unwrap();
    replay(&mut server, &config, &text, "7077888", "7864320", "config");

    let reference = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/mantile-ref/tests/attention_tests.md");
    let (spec_text, source) = match std::fs::read_to_string(&reference) {
        Ok(t) => (t, "attention_tests.md"),
        Err(_) => (synthetic_spec(), "synthetic spec"),
    };
    let spec = root.join("tests/latency_attention_tests.md");
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&spec), "languageId": "markdown", "version": 1, "text": spec_text}}),
    );
    server.wait_diagnostics(&uri(&spec), 1);
    let (a, b) = if spec_text.contains("536,870,912") {
        ("536,870,912", "536,870,913")
    } else {
        ("1,207,959,552", "1,207,959,553")
    };
    replay(&mut server, &spec, &spec_text, a, b, source);

    match (rss_workspace, server.peak_rss_kib()) {
        (Some(w), Some(all)) => println!(
            "peak RSS: {:.1} MB with the example workspace open; {:.1} MB after the runs above",
            w as f64 / 1024.0,
            all as f64 / 1024.0
        ),
        _ => println!("peak RSS: unavailable (no /proc)"),
    }
    let _ = server.request("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    let _ = server.child.wait();
}
