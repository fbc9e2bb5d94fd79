//! `inspect`'s cost on the mock Hub over loopback: wall time, requests and
//! bytes for the tensor inventory of a model of many shards, read fresh
//! (empty cache) and from the cache. Release build:
//!
//! ```sh
//! cargo run --release -p mantile-hub --example inspect_bench [FIXTURE] [RUNS]
//! ```
//!
//! FIXTURE defaults to meta-llama--Llama-3.1-405B-Instruct (191 shards).
//! The time covers model info, config.json, the index, every shard's header
//! (8 at a time), parsing, the structure analysis and the table.

use mantile_hub::{HubClient, HubSettings};
use mantile_hub_mock::{MockHub, MockModel};
use mantile_tensors::render;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let fixture = args
        .next()
        .unwrap_or_else(|| "meta-llama--Llama-3.1-405B-Instruct".into());
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(10);
    let model = MockModel::fixture(&fixture);
    let repo = model.repo.clone();
    let shards = model.safetensors.len();
    let (hub, rt) = MockHub::start_in_background(vec![model]);
    let base = std::env::temp_dir().join(format!("mantile-inspect-bench-{}", std::process::id()));
    let settings = |home: &std::path::Path, offline: bool| {
        let (url, h) = (hub.url.clone(), home.to_string_lossy().into_owned());
        let mut s = HubSettings::from_vars(|k| match k {
            "HF_ENDPOINT" => Some(url.clone()),
            "HF_HOME" => Some(h.clone()),
            _ => None,
        });
        s.offline = offline;
        s.timeout = Duration::from_secs(60);
        s
    };
    let inspect = |client: &HubClient| -> Duration {
        let t = Instant::now();
        let facts = rt.block_on(client.facts(&repo)).expect("facts");
        let inv = facts.tensors.as_deref().expect("inventory");
        let a = render::analyse(inv, Some(&facts.config));
        let table = render::table(&repo, inv, &a);
        assert!(!table.is_empty());
        t.elapsed()
    };
    let mut fresh = Vec::new();
    let mut cached = Vec::new();
    let mut stats = None;
    for i in 0..runs {
        let home = base.join(format!("run{i}"));
        let client = HubClient::new(settings(&home, false));
        fresh.push(inspect(&client));
        stats = Some(client.stats());
        let offline = HubClient::new(settings(&home, true));
        cached.push(inspect(&offline));
    }
    let _ = std::fs::remove_dir_all(&base);
    let ms = |v: &mut Vec<Duration>| {
        v.sort();
        (
            v[0].as_secs_f64() * 1e3,
            v[v.len() / 2].as_secs_f64() * 1e3,
            v[v.len() - 1].as_secs_f64() * 1e3,
        )
    };
    let s = stats.expect("one run");
    let (a, b, c) = ms(&mut fresh);
    println!("{repo}: {shards} shards, {runs} runs");
    println!(
        "fresh:  min {a:.1} ms, median {b:.1} ms, max {c:.1} ms; {} requests, {} bytes read",
        s.requests, s.bytes
    );
    let (a, b, c) = ms(&mut cached);
    println!("cached: min {a:.1} ms, median {b:.1} ms, max {c:.1} ms; no request");
}
