//! Checking one config, and the whole example workspace, end to end in memory.
//!
//! Run with `cargo bench -p mantile-engine`. Target: under 100 µs for a typical config.

use mantile_diag::SeverityOverrides;
use mantile_engine::{FileKind, Snapshot, check_text, classify};
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

fn snapshot() -> Snapshot {
    let layers = read_dir("backend/layers");
    let files = read_dir("backend/data/model_configs")
        .into_iter()
        .map(|(p, _)| p);
    Snapshot::new(Some(&layers), files)
}

/// One config: the example workspace's defective one (ten findings) and its
/// clean one (none).
#[divan::bench(args = ["acme_Wide-MoE-2B.json", "acme_Tiny-Llama-100M.json"])]
fn one_config(bencher: divan::Bencher, name: &str) {
    let snap = snapshot();
    let path = format!("backend/data/model_configs/{name}");
    let text = std::fs::read_to_string(workspace().join(&path)).unwrap();
    let overrides = SeverityOverrides::default();
    bencher.bench(|| {
        check_text(
            FileKind::Config,
            &path,
            divan::black_box(&text),
            Some(&snap),
            &overrides,
        )
        .diagnostics
        .len()
    });
}

/// The example workspace: build the snapshot (layer catalog from Python) and
/// check every file, from texts already in memory.
#[divan::bench]
fn example_workspace(bencher: divan::Bencher) {
    let layers = read_dir("backend/layers");
    let mut files = read_dir("backend/data/model_configs");
    files.extend(read_dir("tests"));
    let overrides = SeverityOverrides::default();
    bencher.bench(|| {
        let snap = Snapshot::new(Some(&layers), files.iter().map(|(p, _)| p.clone()));
        files
            .iter()
            .filter_map(|(p, t)| {
                Some(
                    check_text(classify(p)?, p, t, Some(&snap), &overrides)
                        .diagnostics
                        .len(),
                )
            })
            .sum::<usize>()
    });
}
