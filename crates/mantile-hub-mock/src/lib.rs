//! A stand-in for the Hugging Face Hub, on 127.0.0.1 with an ephemeral port,
//! in the Hub's URL layout, for tests. Nothing here reaches the internet.
//!
//! - `GET /api/models/{org}/{name}[/revision/{rev}]`: model info (`sha`,
//!   `config`, `siblings`, `safetensors.parameters` when the model has them).
//! - `GET /{org}/{name}/resolve/{rev}/{file}`: the file, with `X-Repo-Commit`,
//!   `ETag` and `Range` support (206 + `Content-Range`).
//!
//! Each model can instead answer with an error status, stall, or send
//! malformed JSON, or play a hostile Hub ([`Hostile`]): cache-name headers
//! that are paths, redirects to another origin, endless or oversized bodies,
//! a `Content-Range` claiming a 1 TiB file. Every request is recorded (its
//! headers, and how many body bytes the mock got out before the client
//! stopped reading) so tests can assert what was sent and what was read.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub mod families;

/// How a model answers.
#[derive(Clone, Debug)]
pub enum Behaviour {
    Normal,
    /// Every request for the model gets this status (401, 403, 404, 500, …).
    Status(u16),
    /// Answers only after this long.
    Stall(Duration),
    /// The model info is not JSON.
    Malformed,
    /// The repository was renamed: every request answers 307 with a
    /// relative `Location` naming this repository instead (same origin).
    Renamed(String),
    /// A Hub that attacks its client.
    Hostile(Hostile),
}

/// What a hostile Hub does.
#[derive(Clone, Debug)]
pub enum Hostile {
    /// Files are served with these raw header values (`None`: the real one);
    /// e.g. `ETag: "/abs/path"`, `X-Repo-Commit: ../../x`.
    Headers {
        etag: Option<String>,
        commit: Option<String>,
    },
    /// Every request is answered `302 Location: {base}{same path}`: another
    /// origin (a second mock, whose requests show whether the token came along).
    RedirectTo { base: String },
    /// The model info's body never ends (blank JSON whitespace, fast).
    EndlessInfo,
    /// config.json has this many bytes (a valid JSON object padded with
    /// spaces); `declared`: its `Content-Length` says so, else the body is
    /// sent with no length and the connection closed at its end.
    OversizedConfig { len: u64, declared: bool },
    /// config.json claims to be 1 TiB: `Content-Length` (and, for a range
    /// request, `Content-Range: bytes a-b/1099511627776`) says so, and the
    /// body never ends.
    TebibyteConfig,
}

#[derive(Clone, Debug)]
pub struct MockModel {
    /// Where `.safetensors` files live, like the Hub's LFS storage: their
    /// requests answer `302` to `{lfs_base}{same path}` (another mock).
    pub lfs_base: Option<String>,
    pub repo: String,
    pub sha: String,
    pub config: Value,
    /// Parameters per dtype reported by the model-info API; `None` leaves
    /// `safetensors` out so clients must read the safetensors headers. Like
    /// the Hub's, these count stored elements: quantization scales and packed
    /// words (MXFP4 bytes, GPTQ int32s) one each.
    pub parameters: Option<Vec<(String, u64)>>,
    /// The model's exact parameter count where it differs from the stored
    /// elements (a quantized checkpoint): the published count of the
    /// unquantized original.
    pub logical_parameters: Option<u64>,
    /// Safetensors files: name → header JSON. The data section is virtual:
    /// the file's length counts it (from the headers' `data_offsets`), its
    /// bytes are blanks, and only the header is ever meant to be read.
    pub safetensors: Vec<(String, Value)>,
    /// Shards served byte for byte (malformed headers), with the file length
    /// the server claims.
    pub raw_shards: Vec<(String, Vec<u8>, u64)>,
    pub behaviour: Behaviour,
}

impl MockModel {
    /// A model from one of the fixtures in `fixtures/` (written from the
    /// models' public facts: `config.json`, shard counts, published parameter
    /// counts; the commit shas are well-formed 40-hex ids, not all the
    /// repositories' real commits). A fixture with `"shards": n` gets the
    /// tensors of its `config.json` (see [`families`]) split into `n` shards,
    /// stored as its `"quantization"` says (`fp8` with `scale_dtype`,
    /// `mxfp4`, `gptq`, `awq`); its `parameters` (the Hub's published count,
    /// stored elements per dtype), when given, must be theirs, and
    /// `logical_parameters` is the unquantized model's count.
    pub fn fixture(name: &str) -> MockModel {
        // Generating the larger fixtures takes a while in debug builds: once per process.
        static CACHE: std::sync::OnceLock<Mutex<HashMap<String, MockModel>>> =
            std::sync::OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(m) = cache.lock().unwrap().get(name) {
            return m.clone();
        }
        let m = MockModel::generate(name);
        cache.lock().unwrap().insert(name.to_string(), m.clone());
        m
    }

    fn generate(name: &str) -> MockModel {
        let path = format!("{}/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let v: Value = serde_json::from_str(&text).unwrap();
        let mut m = MockModel {
            repo: v["repo"].as_str().unwrap().to_string(),
            sha: v["sha"].as_str().unwrap().to_string(),
            config: v["config"].clone(),
            parameters: v["parameters"].as_object().map(|m| {
                m.iter()
                    .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
                    .collect()
            }),
            logical_parameters: v["logical_parameters"].as_u64(),
            safetensors: Vec::new(),
            raw_shards: Vec::new(),
            behaviour: Behaviour::Normal,
            lfs_base: None,
        };
        if let Some(n) = v["shards"].as_u64() {
            let dtype: &'static str = match v["dtype"].as_str() {
                Some("F32") => "F32",
                Some("F16") => "F16",
                _ => "BF16",
            };
            let mut tensors = families::tensors(&m.config, dtype);
            match v["quantization"].as_str() {
                None => {}
                Some("fp8") => {
                    let scale: &'static str = match v["scale_dtype"].as_str() {
                        Some("BF16") => "BF16",
                        Some("F16") => "F16",
                        _ => "F32",
                    };
                    tensors = families::to_fp8_blocks(tensors, scale);
                }
                Some("mxfp4") => tensors = families::to_mxfp4_experts(tensors),
                Some(q @ ("gptq" | "awq")) => {
                    let group = m.config["quantization_config"]["group_size"]
                        .as_u64()
                        .unwrap_or(128);
                    tensors = families::to_int4(tensors, q == "awq", group);
                }
                Some(q) => panic!("{name}: unknown quantization `{q}`"),
            }
            // Extra tensors (`{i}` stands for every block index).
            let blocks = m.config["num_hidden_layers"].as_u64().unwrap_or(0);
            for t in v["extra_tensors"].as_array().into_iter().flatten() {
                let dt: &'static str = match t[1].as_str() {
                    Some("F32") => "F32",
                    _ => "BF16",
                };
                let shape: Vec<u64> = t[2]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_u64().unwrap())
                    .collect();
                let name = t[0].as_str().unwrap();
                if name.contains("{i}") {
                    for i in 0..blocks {
                        tensors.push((name.replace("{i}", &i.to_string()), dt, shape.clone()));
                    }
                } else {
                    tensors.push((name.to_string(), dt, shape));
                }
            }
            tensors.sort_by(|a, b| natural_cmp(&a.0, &b.0));
            let mut by_dtype: std::collections::BTreeMap<String, u64> = Default::default();
            for (_, d, shape) in &tensors {
                *by_dtype.entry(d.to_string()).or_default() += shape.iter().product::<u64>();
            }
            let counted: Vec<(String, u64)> = by_dtype.into_iter().collect();
            if let Some(stated) = &m.parameters {
                let mut stated = stated.clone();
                stated.sort();
                assert_eq!(
                    stated, counted,
                    "{name}: the generated tensors disagree with the fixture's published count"
                );
            }
            if v["info_parameters"] != false {
                m.parameters = Some(counted);
            } else {
                m.parameters = None;
            }
            m.safetensors = families::shard(&tensors, n as usize)
                .into_iter()
                .map(|(name, header, _)| (name, header))
                .collect();
        }
        m
    }

    /// Every fixture.
    pub fn all_fixtures() -> Vec<MockModel> {
        fixture_names()
            .iter()
            .map(|n| MockModel::fixture(n))
            .collect()
    }

    pub fn with(mut self, behaviour: Behaviour) -> MockModel {
        self.behaviour = behaviour;
        self
    }

    fn shard_names(&self) -> Vec<String> {
        let mut s: Vec<String> = self.safetensors.iter().map(|(n, _)| n.clone()).collect();
        s.extend(self.raw_shards.iter().map(|(n, _, _)| n.clone()));
        s
    }

    fn siblings(&self) -> Vec<String> {
        let mut s = vec!["config.json".to_string()];
        let shards = self.shard_names();
        if shards.len() > 1 {
            s.push("model.safetensors.index.json".to_string());
        }
        s.extend(shards);
        s
    }

    fn info(&self) -> Value {
        let mut v = json!({
            "id": self.repo,
            "modelId": self.repo,
            "sha": self.sha,
            "config": {
                "architectures": self.config.get("architectures").cloned().unwrap_or(Value::Null),
                "model_type": self.config.get("model_type").cloned().unwrap_or(Value::Null),
            },
            "siblings": self.siblings().iter().map(|s| json!({"rfilename": s})).collect::<Vec<_>>(),
        });
        if let Some(p) = &self.parameters {
            let total: u64 = p.iter().map(|(_, n)| n).sum();
            let params: serde_json::Map<String, Value> =
                p.iter().map(|(k, n)| (k.clone(), json!(n))).collect();
            v["safetensors"] = json!({"parameters": params, "total": total});
        }
        v
    }

    /// Every file the model serves: its bytes (for a shard, the 8-byte
    /// length and the header) and the length the file claims.
    fn files(&self) -> HashMap<String, Served> {
        let mut out = HashMap::new();
        out.insert(
            "config.json".to_string(),
            Served::whole(serde_json::to_vec_pretty(&self.config).unwrap()),
        );
        let shards = self.shard_names();
        if shards.len() > 1 {
            let mut map = serde_json::Map::new();
            let mut total = 0u64;
            for (shard, header) in &self.safetensors {
                for (k, t) in header.as_object().unwrap() {
                    if k == "__metadata__" {
                        continue;
                    }
                    map.insert(k.clone(), json!(shard));
                    total += t["data_offsets"][1].as_u64().unwrap_or(0)
                        - t["data_offsets"][0].as_u64().unwrap_or(0);
                }
            }
            for (shard, _, _) in &self.raw_shards {
                map.insert(format!("{shard}.tensor"), json!(shard));
            }
            out.insert(
                "model.safetensors.index.json".to_string(),
                Served::whole(
                    serde_json::to_vec(
                        &json!({"metadata": {"total_size": total}, "weight_map": map}),
                    )
                    .unwrap(),
                ),
            );
        }
        for (name, header) in &self.safetensors {
            let h = serde_json::to_vec(header).unwrap();
            let data: u64 = header
                .as_object()
                .unwrap()
                .values()
                .filter_map(|t| t["data_offsets"][1].as_u64())
                .max()
                .unwrap_or(0);
            let mut bytes = (h.len() as u64).to_le_bytes().to_vec();
            bytes.extend(h);
            let len = bytes.len() as u64 + data;
            out.insert(name.clone(), Served { bytes, len });
        }
        for (name, bytes, len) in &self.raw_shards {
            out.insert(
                name.clone(),
                Served {
                    bytes: bytes.clone(),
                    len: *len,
                },
            );
        }
        out
    }
}

/// The fixture names, sorted.
pub fn fixture_names() -> Vec<String> {
    let dir = format!("{}/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Natural order of tensor names (numbers by value), as checkpoints list them.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |s: &str| -> Vec<(String, u64)> {
        s.split('.')
            .map(|p| match p.parse::<u64>() {
                Ok(n) => (String::new(), n),
                Err(_) => (p.to_string(), 0),
            })
            .collect()
    };
    key(a).cmp(&key(b))
}

/// A file as served: its real bytes and the length it claims (a shard's
/// data section is virtual).
#[derive(Clone, Debug)]
struct Served {
    bytes: Vec<u8>,
    len: u64,
}

impl Served {
    fn whole(bytes: Vec<u8>) -> Served {
        let len = bytes.len() as u64;
        Served { bytes, len }
    }
}

/// One request the mock received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub authorization: Option<String>,
    pub range: Option<String>,
    /// Every header, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// Body bytes the mock wrote before the answer ended or the client left.
    pub sent: Arc<AtomicU64>,
}

impl Seen {
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

pub struct MockHub {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockHub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockHub {
    /// Starts the mock on the current tokio runtime.
    pub async fn start(models: Vec<MockModel>) -> MockHub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let models: Arc<HashMap<String, Hosted>> = Arc::new(
            models
                .into_iter()
                .map(|m| {
                    let files = m.files();
                    (m.repo.clone(), Hosted { model: m, files })
                })
                .collect(),
        );
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let models = models.clone();
                let seen = seen2.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, &models, &seen).await;
                });
            }
        });
        MockHub { url, seen, task }
    }

    /// Starts the mock on a runtime of its own thread, for synchronous tests
    /// (for example ones that run the `mantile-lsp` binary).
    pub fn start_in_background(models: Vec<MockModel>) -> (MockHub, tokio::runtime::Runtime) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let hub = rt.block_on(MockHub::start(models));
        (hub, rt)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A model with its files prepared once.
struct Hosted {
    model: MockModel,
    files: HashMap<String, Served>,
}

async fn serve(
    mut stream: TcpStream,
    models: &HashMap<String, Hosted>,
    seen: &Mutex<Vec<Seen>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buf.len() > 64 * 1024 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut all = Vec::new();
    for l in lines.take_while(|l| !l.is_empty()) {
        if let Some((k, v)) = l.split_once(':') {
            all.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let sent = Arc::new(AtomicU64::new(0));
    seen.lock().unwrap().push(Seen {
        path: path.clone(),
        authorization: header("authorization"),
        range: header("range"),
        headers: all.clone(),
        sent: sent.clone(),
    });
    let reply = route(&path, header("range").as_deref(), models).await;
    let reason = match reply.status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        _ => "Error",
    };
    let mut resp = format!(
        "HTTP/1.1 {} {reason}\r\nConnection: close\r\n",
        reply.status
    );
    match &reply.body {
        Body::Bytes(b) => resp.push_str(&format!("Content-Length: {}\r\n", b.len())),
        Body::Stream {
            declared: Some(n), ..
        } => resp.push_str(&format!("Content-Length: {n}\r\n")),
        Body::Stream { declared: None, .. } => {}
    }
    for (k, v) in &reply.headers {
        resp.push_str(&format!("{k}: {v}\r\n"));
    }
    resp.push_str("\r\n");
    stream.write_all(resp.as_bytes()).await?;
    if method != "HEAD" {
        match reply.body {
            Body::Bytes(b) => {
                stream.write_all(&b).await?;
                sent.fetch_add(b.len() as u64, Ordering::SeqCst);
            }
            Body::Stream { prefix, len, .. } => {
                // Written in 64 KiB pieces until `len` (or the client leaves:
                // the write fails and the task ends).
                stream.write_all(&prefix).await?;
                let mut left = len.saturating_sub(prefix.len() as u64);
                sent.fetch_add(prefix.len() as u64, Ordering::SeqCst);
                let piece = vec![b' '; 64 * 1024];
                while left > 0 {
                    let n = left.min(piece.len() as u64) as usize;
                    stream.write_all(&piece[..n]).await?;
                    sent.fetch_add(n as u64, Ordering::SeqCst);
                    left -= n as u64;
                }
            }
        }
    }
    stream.shutdown().await
}

/// A body: bytes, or a stream of `len` bytes (`prefix` then spaces), with
/// an optional declared `Content-Length` (which may lie).
enum Body {
    Bytes(Vec<u8>),
    Stream {
        prefix: Vec<u8>,
        len: u64,
        declared: Option<u64>,
    },
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

fn reply(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Reply {
    Reply {
        status,
        headers,
        body: Body::Bytes(body),
    }
}

fn error(status: u16, code: &str) -> Reply {
    reply(
        status,
        vec![
            ("X-Error-Code".into(), code.into()),
            ("Content-Type".into(), "application/json".into()),
        ],
        format!("{{\"error\": \"{code}\"}}").into_bytes(),
    )
}

fn redirect(status: u16, location: String) -> Reply {
    reply(status, vec![("Location".into(), location)], Vec::new())
}

/// A redirect as the Hub sends it for a file stored elsewhere: with the
/// file's `X-Repo-Commit`, `X-Linked-Etag` and `X-Linked-Size`.
fn file_redirect(hosted: &Hosted, file: Option<&str>, location: String) -> Reply {
    let mut r = redirect(302, location);
    if let Some(f) = file.and_then(|f| hosted.files.get(f)) {
        r.headers
            .push(("X-Repo-Commit".into(), hosted.model.sha.clone()));
        r.headers.push((
            "X-Linked-Etag".into(),
            format!("\"{:016x}\"", fnv(&f.bytes)),
        ));
        r.headers.push(("X-Linked-Size".into(), f.len.to_string()));
    }
    r
}

const TEBIBYTE: u64 = 1 << 40;

async fn route(path: &str, range: Option<&str>, models: &HashMap<String, Hosted>) -> Reply {
    let full_path = path;
    let path = path.split('?').next().unwrap_or(path);
    let (repo, file) = if let Some(rest) = path.strip_prefix("/api/models/") {
        let repo: Vec<&str> = rest.split('/').take(2).collect();
        (repo.join("/"), None)
    } else {
        let segs: Vec<&str> = path.trim_start_matches('/').splitn(5, '/').collect();
        if segs.len() < 5 || segs[2] != "resolve" {
            return error(404, "EntryNotFound");
        }
        (
            format!("{}/{}", segs[0], segs[1]),
            Some(segs[4].to_string()),
        )
    };
    let Some(hosted) = models.get(&repo) else {
        return error(404, "RepoNotFound");
    };
    let model = &hosted.model;
    let json_reply = |bytes: Vec<u8>| {
        reply(
            200,
            vec![("Content-Type".into(), "application/json".into())],
            bytes,
        )
    };
    match &model.behaviour {
        Behaviour::Status(s) => {
            let code = match s {
                401 | 403 => "GatedRepo",
                404 => "RepoNotFound",
                _ => "ServerError",
            };
            return error(*s, code);
        }
        Behaviour::Stall(d) => tokio::time::sleep(*d).await,
        Behaviour::Malformed if file.is_none() => {
            return json_reply(b"{\"id\": \"truncated".to_vec());
        }
        Behaviour::Renamed(to) => {
            return redirect(307, full_path.replacen(&repo, to, 1));
        }
        Behaviour::Hostile(Hostile::RedirectTo { base }) => {
            return file_redirect(hosted, file.as_deref(), format!("{base}{full_path}"));
        }
        Behaviour::Hostile(Hostile::EndlessInfo) if file.is_none() => {
            return Reply {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: Body::Stream {
                    prefix: Vec::new(),
                    len: u64::MAX,
                    declared: None,
                },
            };
        }
        _ => {}
    }
    let Some(file) = file else {
        return json_reply(serde_json::to_vec(&model.info()).unwrap());
    };
    if let (Some(base), true) = (&model.lfs_base, file.ends_with(".safetensors")) {
        return file_redirect(hosted, Some(&file), format!("{base}{full_path}"));
    }
    let Some(served) = hosted.files.get(&file) else {
        return error(404, "EntryNotFound");
    };
    let bytes = served.bytes.clone();
    let etag = format!("\"{:016x}\"", fnv(&bytes));
    let mut headers = vec![
        ("X-Repo-Commit".to_string(), model.sha.clone()),
        ("ETag".to_string(), etag),
        ("Accept-Ranges".to_string(), "bytes".to_string()),
    ];
    if file == "config.json" {
        match &model.behaviour {
            Behaviour::Hostile(Hostile::Headers { etag, commit }) => {
                if let Some(e) = etag {
                    headers[1].1 = e.clone();
                }
                if let Some(c) = commit {
                    headers[0].1 = c.clone();
                }
            }
            Behaviour::Hostile(Hostile::OversizedConfig { len, declared }) => {
                return Reply {
                    status: 200,
                    headers,
                    body: Body::Stream {
                        prefix: bytes,
                        len: *len,
                        declared: declared.then_some(*len),
                    },
                };
            }
            Behaviour::Hostile(Hostile::TebibyteConfig) => {
                let (status, declared) = match range.and_then(|r| parse_range(r, TEBIBYTE as usize))
                {
                    Some((a, b)) => {
                        headers.push(("Content-Range".into(), format!("bytes {a}-{b}/{TEBIBYTE}")));
                        (206, (b - a + 1) as u64)
                    }
                    None => (200, TEBIBYTE),
                };
                return Reply {
                    status,
                    headers,
                    body: Body::Stream {
                        prefix: Vec::new(),
                        len: u64::MAX,
                        declared: Some(declared),
                    },
                };
            }
            _ => {}
        }
    }
    let len = served.len;
    match range.and_then(|r| parse_range(r, len as usize)) {
        Some((a, b)) => {
            headers.push(("Content-Range".into(), format!("bytes {a}-{b}/{len}")));
            if b < bytes.len() {
                reply(206, headers, bytes[a..=b].to_vec())
            } else {
                // Past the real bytes: the virtual data section, as blanks.
                Reply {
                    status: 206,
                    headers,
                    body: Body::Stream {
                        prefix: bytes.get(a..).map(<[u8]>::to_vec).unwrap_or_default(),
                        len: (b - a + 1) as u64,
                        declared: Some((b - a + 1) as u64),
                    },
                }
            }
        }
        None if range.is_some() => reply(416, headers, Vec::new()),
        None if len > bytes.len() as u64 => Reply {
            status: 200,
            headers,
            body: Body::Stream {
                prefix: bytes,
                len,
                declared: Some(len),
            },
        },
        None => reply(200, headers, bytes),
    }
}

fn parse_range(r: &str, len: usize) -> Option<(usize, usize)> {
    let (a, b) = r.strip_prefix("bytes=")?.split_once('-')?;
    let a: usize = a.parse().ok()?;
    let b: usize = if b.is_empty() {
        len.checked_sub(1)?
    } else {
        b.parse().ok()?
    };
    let b = b.min(len.checked_sub(1)?);
    (a <= b).then_some((a, b))
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}
