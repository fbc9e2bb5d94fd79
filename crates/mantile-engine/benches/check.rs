//! Checking one config, and the whole example workspace, end to end in memory.
//!
//! Run with `cargo bench -p mantile-engine`. Target: under 100 µs for a typical config.

use mantile_engine::{AnalysisHost, Content, DiskState, Scope, classify};
use std::path::Path;

fn main() {
    divan::main();
}

fn workspace() -> &'static Path {
    static ROOT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/workspace"))
}

fn read_dir(rel: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(workspace().join(rel))
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((format!("{rel}/{name}"), std::fs::read_to_string(&p).ok()?))
        })
        .collect();
    v.sort();
    v
}

/// The example workspace as read from disk (layer sources, every file).
fn disk() -> DiskState {
    let mut files = read_dir("backend/data/model_configs");
    files.extend(read_dir("tests"));
    files.extend(read_dir("model_builder/gaps"));
    DiskState {
        listed: files.iter().map(|(p, _)| p.clone()).collect(),
        layer_sources: Some(read_dir("backend/layers")),
        unreadable: Vec::new(),
        files: files
            .into_iter()
            .filter_map(|(p, t)| Some((p.clone(), classify(&p)?, Content::text(t))))
            .collect(),
    }
}

/// One config: the example workspace's defective one (ten findings) and its
/// clean one (none), checked after each edit (a new version of its text:
/// parse, schema, every rule).
#[divan::bench(args = ["acme_Wide-MoE-2B.json", "acme_Tiny-Llama-100M.json"])]
fn one_config(bencher: divan::Bencher, name: &str) {
    let mut host = AnalysisHost::new(Scope::Workspace);
    host.set_disk(disk());
    let path = format!("backend/data/model_configs/{name}");
    let text = std::fs::read_to_string(workspace().join(&path)).unwrap();
    let mut version = 0;
    host.open(&path, mantile_engine::FileKind::Config, &text, version);
    bencher.bench_local(|| {
        version += 1;
        host.edit(&path, divan::black_box(&text), version);
        host.analysis()
            .diagnostics(&path)
            .map(|d| d.diagnostics.len())
    });
}

/// The example workspace: the catalog from Python and every file checked,
/// from texts already in memory.
#[divan::bench]
fn example_workspace(bencher: divan::Bencher) {
    let state = disk();
    bencher.bench(|| {
        let mut host = AnalysisHost::new(Scope::Workspace);
        host.set_disk(state.clone());
        let analysis = host.analysis();
        analysis
            .files()
            .iter()
            .filter_map(|(p, _)| Some(analysis.diagnostics(p)?.diagnostics.len()))
            .sum::<usize>()
    });
}
