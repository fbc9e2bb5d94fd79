//! Latency and memory harness for the language server and the checker (not
//! a test: a measurement).
//!
//! ```sh
//! cargo build --release -p mantile-lsp --bins --examples
//! target/release/examples/latency            # uses target/release/mantile-lsp
//! target/release/examples/latency big scan   # only some scenarios
//! ```
//!
//! Each scenario runs its own server process (so its peak RSS is its own),
//! on stdio, with the server's debounce set to 0 (`mantile.debounceMs`) and
//! the Hub off. Edits are replayed one at a time: each `didChange` is timed
//! from just before it is written until the last byte of the
//! `publishDiagnostics` for its version has been read (the reader thread
//! stamps each message as it arrives, before parsing it: the client's own
//! JSON parsing and thread hand-off are not the server's latency).
//!
//! - `example`: every file of `examples/workspace` open, then 200 edits of a
//!   config and 200 of a ~2,700-line spec (Mantile's `attention_tests.md`
//!   from `../shared/mantile-ref` when present, else a synthetic spec of
//!   that size).
//! - `big`: a 2,000-layer config (a model listed layer by layer, ~575 KB,
//!   generated here) opened unsaved in the example workspace, 200 edits of a
//!   `parameter_count` in its middle; then `mantile-lsp check` of the same
//!   file as a whole process (median of 20 runs).
//! - `scan`: a workspace of 1,000 configs (the real configs of
//!   `../shared/mantile-ref`, else the example ones, under 1,000 model ids)
//!   and the real specs: from the server's start to the last diagnostic the
//!   start-up reading publishes (the files `check` finds something in).
//!
//! Prints p50/p99/max and each server's peak RSS.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// Generated inputs go here (outside the repository).
const SCRATCH: &str = "/tmp/mantile-lsp-latency";

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

/// Replays `EDITS` edits toggling `a` ↔ `b` at the first place `a` occurs
/// from `from`.
fn replay(
    server: &mut Server,
    path: &Path,
    text: &str,
    (a, b): (&str, &str),
    from: usize,
    label: &str,
) {
    let u = uri(path);
    let at = from
        + text[from..]
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

fn start(bin: &Path, root: &Path) -> Server {
    let mut server = Server::start(bin);
    server.request(
        "initialize",
        json!({"processId": std::process::id(), "rootUri": uri(root),
               "initializationOptions": {"mantile": {"debounceMs": 0, "hub": {"enabled": false}}},
               "capabilities": {"general": {"positionEncodings": ["utf-16"]},
                                "textDocument": {"publishDiagnostics": {"versionSupport": true}}}}),
    );
    server.notify("initialized", json!({}));
    server
}

fn stop(mut server: Server) {
    let _ = server.request("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    let _ = server.child.wait();
}

fn mb(kib: Option<u64>) -> String {
    match kib {
        Some(k) => format!("{:.1} MB", k as f64 / 1024.0),
        None => "unavailable (no /proc)".to_string(),
    }
}

fn example_workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/workspace")
        .canonicalize()
        .unwrap()
}

fn reference() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/mantile-ref")
        .canonicalize()
        .ok()
}

/// The example workspace open, a config and a long spec edited.
fn scenario_example(bin: &Path) {
    let root = example_workspace();
    // Cold start: the process started, the workspace read (`initialize`
    // is answered after it), the first diagnostics published.
    let t = Instant::now();
    let mut server = start(bin, &root);
    let initialized = t.elapsed();
    let first = loop {
        let (arrived, msg) = server
            .rx
            .recv_timeout(Duration::from_secs(30))
            .expect("diagnostics arrived");
        server.answer_server_request(&msg);
        if msg["method"] == "textDocument/publishDiagnostics" {
            break arrived.duration_since(t);
        }
    };
    println!(
        "cold start (example workspace): initialize answered {:.1} ms, first diagnostics {:.1} ms after the process started",
        initialized.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3
    );
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
    replay(
        &mut server,
        &config,
        &text,
        ("7077888", "7864320"),
        0,
        "config",
    );
    let (spec_text, source) = match reference()
        .and_then(|r| std::fs::read_to_string(r.join("tests/attention_tests.md")).ok())
    {
        Some(t) => (t, "attention_tests.md"),
        None => (synthetic_spec(), "synthetic spec"),
    };
    let spec = root.join("tests/latency_attention_tests.md");
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&spec), "languageId": "markdown", "version": 1, "text": spec_text}}),
    );
    server.wait_diagnostics(&uri(&spec), 1);
    let pair = if spec_text.contains("536,870,912") {
        ("536,870,912", "536,870,913")
    } else {
        ("1,207,959,552", "1,207,959,553")
    };
    replay(&mut server, &spec, &spec_text, pair, 0, source);
    println!(
        "example workspace: peak RSS {} with every file open; {} after the runs above",
        mb(rss_workspace),
        mb(server.peak_rss_kib())
    );
    stop(server);
}

/// A model listed layer by layer: `layers` entries alternating attention
/// and gated MLP, each with its full specs (~290 bytes per entry), the
/// attention counts stated right and the MLP ones wrong (a finding each).
fn layer_by_layer(layers: usize) -> String {
    let mut t = String::from(
        "{\n  \"model_id\": \"org_Model\",\n  \"hf_model_id\": \"org/Model\",\n  \"name\": \"Model\",\n  \"hidden_size\": 4096,\n  \"num_layers\": 1000,\n  \"vocab_size\": 32000,\n  \"total_params\": 1,\n  \"total_params_formatted\": \"1.0K\",\n  \"layer_types\": [",
    );
    for i in 0..layers {
        if i > 0 {
            t.push(',');
        }
        if i % 2 == 0 {
            t.push_str(&format!("\n    {{\n      \"name\": \"layer_{i}_attention\",\n      \"class\": \"GroupedQueryAttentionLayer\",\n      \"count\": 1,\n      \"supported\": true,\n      \"specs\": {{\"layer_idx\": {i}, \"hidden_size\": 4096, \"num_heads\": 32, \"num_kv_heads\": 8, \"head_dim\": 128, \"parameter_count\": 41943040}}\n    }}"));
        } else {
            t.push_str(&format!("\n    {{\n      \"name\": \"layer_{i}_mlp\",\n      \"class\": \"GatedMLPLayer\",\n      \"count\": 1,\n      \"supported\": true,\n      \"specs\": {{\"layer_idx\": {i}, \"hidden_size\": 4096, \"intermediate_size\": 14336, \"parameter_count\": 176160768}}\n    }}"));
        }
    }
    t.push_str("\n  ]\n}\n");
    t
}

/// The median wall time of `runs` runs of `bin args`.
fn time_process(bin: &Path, args: &[&str], cwd: &Path, runs: usize) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let out = Command::new(bin)
                .args(args)
                .current_dir(cwd)
                .env("HF_HUB_OFFLINE", "1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(out.code().is_some_and(|c| c <= 1), "{args:?}: {out}");
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[0], percentile(&times, 0.5))
}

/// A 2,000-layer config, edited in the editor and checked on the command line.
fn scenario_big(bin: &Path) {
    let root = example_workspace();
    let text = layer_by_layer(2000);
    let mut server = start(bin, &root);
    let path = root.join("backend/data/model_configs/org_Model.json");
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&path), "languageId": "json", "version": 1, "text": text}}),
    );
    server.wait_diagnostics(&uri(&path), 1);
    let middle = text.len() / 2;
    replay(
        &mut server,
        &path,
        &text,
        ("41943040", "41943041"),
        middle,
        &format!("2,000-layer config ({} KB)", text.len() / 1024),
    );
    println!(
        "2,000-layer config: peak RSS {} (its server, with the example workspace read)",
        mb(server.peak_rss_kib())
    );
    stop(server);
    let dir = Path::new(SCRATCH).join("big/backend/data/model_configs");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("org_Model.json");
    std::fs::write(&file, &text).unwrap();
    let (min, median) = time_process(
        bin,
        &[
            "check",
            "--offline",
            "backend/data/model_configs/org_Model.json",
        ],
        &dir.join("../../.."),
        20,
    );
    println!(
        "2,000-layer config: `check --offline` as a whole process: median {:.1} ms, fastest {:.1} ms ({})",
        median.as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        file.display()
    );
}

/// 1,000 configs and the real specs: start-up reading to the last diagnostic.
fn scenario_scan(bin: &Path) {
    let ws = Path::new(SCRATCH).join("scan");
    let _ = std::fs::remove_dir_all(&ws);
    let configs = ws.join("backend/data/model_configs");
    std::fs::create_dir_all(&configs).unwrap();
    std::fs::create_dir_all(ws.join("tests")).unwrap();
    std::fs::create_dir_all(ws.join("backend/layers")).unwrap();
    let source = reference().unwrap_or_else(example_workspace);
    let list = |dir: &str, ext: &str| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(source.join(dir))
            .map(|rd| rd.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        v.retain(|p| p.to_string_lossy().ends_with(ext));
        v.sort();
        v
    };
    for p in list("backend/layers", ".py") {
        std::fs::copy(&p, ws.join("backend/layers").join(p.file_name().unwrap())).unwrap();
    }
    let specs = list("tests", "_tests.md");
    for p in &specs {
        std::fs::copy(p, ws.join("tests").join(p.file_name().unwrap())).unwrap();
    }
    let templates: Vec<(String, String)> = list("backend/data/model_configs", ".json")
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            (v["hf_model_id"].as_str().unwrap().to_string(), text)
        })
        .collect();
    for i in 0..1000 {
        let (repo, text) = &templates[i % templates.len()];
        let new_repo = format!("{repo}-v{i}");
        let model_id = new_repo.replace('/', "_");
        let old_id = repo.replace('/', "_");
        let text = text
            .replace(&format!("\"{repo}\""), &format!("\"{new_repo}\""))
            .replace(&format!("\"{old_id}\""), &format!("\"{model_id}\""));
        std::fs::write(configs.join(format!("{model_id}.json")), text).unwrap();
    }
    // The files the start-up reading publishes: those `check` finds something in.
    let out = Command::new(bin)
        .args(["check", "--offline", "--format", "json"])
        .arg(&ws)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut expected: std::collections::BTreeSet<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| uri(&std::fs::canonicalize(d["path"].as_str().unwrap()).unwrap()))
        .collect();
    let total = expected.len();
    let t = Instant::now();
    let mut server = start(bin, &ws.canonicalize().unwrap());
    let mut last = t;
    while !expected.is_empty() {
        let (arrived, msg) = server
            .rx
            .recv_timeout(Duration::from_secs(60))
            .expect("diagnostics arrived");
        if msg["method"] == "textDocument/publishDiagnostics"
            && let Some(u) = msg["params"]["uri"].as_str()
            && expected.remove(u)
        {
            last = arrived;
        }
        server.answer_server_request(&msg);
    }
    println!(
        "workspace of 1,000 configs and {} specs: start to the last of {total} files' diagnostics {:.0} ms; peak RSS {}",
        specs.len(),
        last.duration_since(t).as_secs_f64() * 1e3,
        mb(server.peak_rss_kib())
    );
    stop(server);
}

fn main() {
    let exe = std::env::current_exe().unwrap();
    let bin = std::env::var_os("MANTILE_LSP")
        .map(PathBuf::from)
        .unwrap_or_else(|| exe.parent().unwrap().parent().unwrap().join("mantile-lsp"));
    let asked: Vec<String> = std::env::args().skip(1).collect();
    let wants = |name: &str| asked.is_empty() || asked.iter().any(|a| a == name);
    if wants("example") {
        scenario_example(&bin);
    }
    if wants("big") {
        scenario_big(&bin);
    }
    if wants("scan") {
        scenario_scan(&bin);
    }
}
