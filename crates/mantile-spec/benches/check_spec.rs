//! `cargo bench -p mantile-spec`: checks `attention_tests.md` end to end
//! (`check_attention_tests`), and again after a one-digit edit with the
//! cache the language server keeps per open spec
//! (`recheck_attention_tests_after_an_edit`).
//!
//! The reference file is read from `../shared/mantile-ref/tests/` beside the
//! checkout when it is there; otherwise a synthetic spec of the same size is
//! generated, so the benchmark always runs.

use std::path::PathBuf;

/// Counts allocations per iteration (shown beside the timings).
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

fn spec_text() -> (String, &'static str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/mantile-ref/tests/attention_tests.md");
    match std::fs::read_to_string(&path) {
        Ok(t) => (t, "attention_tests.md"),
        Err(_) => (synthetic(2_700), "synthetic"),
    }
}

/// A spec of about `lines` lines in the reference files' style.
fn synthetic(lines: usize) -> String {
    let mut out = String::from(
        "# Attention Tests\n\n## Overview\n\nSynthetic.\n\n## Conventions Used in All Tests\n\n* `bytes_per_elem = 2`\n\n",
    );
    let mut i = 1;
    while out.lines().count() < lines {
        let d = 512 * (i % 4 + 1);
        let m = 128 * (i % 3 + 1);
        out.push_str(&format!(
            "---\n\n# Test SYN-{i} — synthetic\n\n### Test case parameters\n\n* hidden_size `d` = **{d}**\n* batch_size `B` = **2**\n* seq_len `S` = **{}**\n* num_chips = **1**\n\nDerived:\n\n* `M = B*S = {m}`\n\n### Expected calculations (step-by-step)\n\n* FLOPs per projection = `2 * M * d * d`\n* = `2 * {m} * {d} * {d} = {}`\n* X: `M*d` elems = `{m}*{d}={}` → {} B\n* **flops_per_chip = 4 * {} = {}**\n\n### Expected results\n\n**Per-chip metrics**\n\n* flops_per_chip: **{}**\n\n**Aggregate metrics**\n\n* flops_total: **{}**\n\n",
            m / 2,
            2 * m * d * d,
            m * d,
            2 * m * d,
            2 * m * d * d,
            8 * m * d * d,
            8 * m * d * d,
            8 * m * d * d,
        ));
        i += 1;
    }
    out
}

#[divan::bench]
fn check_attention_tests(bencher: divan::Bencher) {
    let (text, _) = spec_text();
    bencher
        .with_inputs(|| text.clone())
        .bench_refs(|t| mantile_spec::check_spec(t));
}

#[divan::bench]
fn check_synthetic_2700_lines(bencher: divan::Bencher) {
    let text = synthetic(2_700);
    bencher
        .with_inputs(|| text.clone())
        .bench_refs(|t| mantile_spec::check_spec(t));
}

/// What the language server does on a keystroke: the same document again
/// with one digit changed, with the cache kept from the previous version.
#[divan::bench]
fn recheck_attention_tests_after_an_edit(bencher: divan::Bencher) {
    let (text, _) = spec_text();
    let mid = text.len() / 2;
    let at = mid + text[mid..].find(|c: char| c.is_ascii_digit()).unwrap_or(0);
    let edited = format!("{}7{}", &text[..at], &text[at..]);
    let versions = [text, edited];
    let cache = std::sync::Mutex::new(mantile_spec::SpecCache::default());
    let turn = std::sync::atomic::AtomicUsize::new(0);
    bencher
        .with_inputs(|| {
            let k = turn.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            versions[k % 2].clone()
        })
        .bench_refs(|t| {
            let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
            mantile_spec::check_spec_cached(t, &mut cache)
        });
}
