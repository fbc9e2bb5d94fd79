//! `cargo bench -p mantile-spec --bench hostile`: the hostile and huge specs
//! of issue 12, generated here. Before the benchmarks run, each input is
//! checked (the fastest of three runs) against the bound the issue sets,
//! 1 s per MB of input (at least 50 ms for the small ones): the run stops
//! with the figures when one is slower. A check used to take seconds to
//! minutes on several of these (quadratic and cubic passes), or to abort on
//! a stack overflow.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

fn main() {
    check_bounds();
    divan::main();
}

/// A one-test spec whose calculations are `body`.
fn spec(body: &str) -> String {
    format!(
        "# Tests\n\n## Test Summary\n\n---\n\n# Test T-1 — one\n\n### Test case parameters\n\n* hidden_size `d` = **4**\n\n### Expected calculations\n\n{body}\n"
    )
}

fn join(item: &str, sep: &str, n: usize) -> String {
    vec![item; n].join(sep)
}

/// Every input: its name and text.
static INPUTS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    let mut v: Vec<(&'static str, String)> = vec![
        // A flat chain: recursion as deep as the chain aborted the process.
        (
            "sum_of_20k_terms",
            spec(&format!("* `{} = 1`", join("1", " + ", 20_000))),
        ),
        (
            "product_of_20k_factors",
            spec(&format!("* `2 * {} = 3`", join("1", " * ", 20_000))),
        ),
        (
            "sum_of_20k_names",
            spec(&format!("* `{} = 1`", join("d", " + ", 20_000))),
        ),
        (
            "value_with_20k_units",
            spec(&format!("* `3 {}= 2`", "elems ".repeat(20_000))),
        ),
        // An equality chain: every pair of sides was compared, thrice over.
        (
            "equality_chain_of_100k_sides",
            spec(&format!("* `{} = 2`", join("1", " = ", 100_000))),
        ),
        // Many claims on one line: each scanned the whole line again.
        (
            "claims_20k_on_one_line",
            spec(&format!("* {}", join("`1 = 2`", " ", 20_000))),
        ),
        (
            "claims_100k_on_one_line",
            spec(&format!("* {}", join("1 = 2", ", ", 100_000))),
        ),
        // A long sum then a stray token: the left side was looked for from
        // every start, each read to the end.
        (
            "sum_of_20k_terms_then_a_stray_number",
            spec(&format!("* `{} 2 = 2`", join("1", " + ", 20_000))),
        ),
        (
            "sum_of_20k_terms_then_a_stray_paren",
            spec(&format!("* `{} ) = 2`", join("1", " + ", 20_000))),
        ),
        (
            "arrows_20k_on_one_line",
            spec(&format!("* 4 elems {}", join("→ 8 B", " ", 20_000))),
        ),
        // Names bound and looked up: each look-up scanned every binding.
        (
            "bindings_100k",
            spec(&{
                let mut s = String::new();
                for i in 0..50_000 {
                    s.push_str(&format!("* `a{i} = {i}`\n"));
                }
                for i in 0..50_000 {
                    s.push_str(&format!("* `b{i} = zz{i} + 1`\n"));
                }
                s
            }),
        ),
        // Tests: inheritance, IDs, expected results, breaks and summaries.
        ("same_as_20k_tests", {
            let mut s = spec("");
            for i in 0..20_000 {
                s.push_str(&format!(
                    "\n# Test X-{i} — t\n\n### Test case parameters\n\n* Same as Test X-0\n"
                ));
            }
            s
        }),
        ("tests_20k_out_of_order", {
            let mut s = spec("");
            for i in (1..=20_000).rev() {
                s.push_str(&format!("\n# Test Y-{i} — t\n\n* x\n"));
            }
            s
        }),
        (
            "expected_results_50k",
            spec(&{
                let mut s = String::from("\n### Expected results\n\n");
                for i in 0..50_000 {
                    s.push_str(&format!("* m_{i}: **{i}**\n"));
                }
                s
            }),
        ),
        ("expected_results_and_breaks_20k_tests", {
            let mut s = spec("");
            for i in 0..20_000 {
                s.push_str(&format!(
                    "\n# Test Z-{i} — t\n\n### Expected results\n\n---\n"
                ));
            }
            s.push_str(&"\n---\n".repeat(50_000));
            s
        }),
        ("summary_of_100k_rows", {
            let mut s = String::from("# Tests\n\n| Test | Hidden | Comm |\n|---|---|---|\n");
            for i in 0..100_000 {
                s.push_str(&format!("| T-{} | 5 | 7 |\n", i % 3));
            }
            for t in 0..3 {
                s.push_str(&format!("\n# Test T-{t} — x\n\n### Test case parameters\n\n* hidden_size `d` = **4**\n\n### Expected results\n\n* communication_bytes: **8**\n"));
            }
            s
        }),
        ("table_of_100k_rows_with_claims", {
            let mut s = String::from("| a | b |\n|---|---|\n");
            s.push_str(&"| `1 + 1 = 3` | x |\n".repeat(100_000));
            s
        }),
        // Issue 15's checks: byte counts with a foreign factor, values
        // quoted from another test, formulas given outside the tests and
        // their calculations, lone values one digit apart, forms compared.
        ("byte_factors_50k", {
            let mut s = spec("* bytes_per_elem = **2**\n* softmax_stat_bytes = **4**\n");
            s.push_str(&"* bytes = `1,024 * 3 = 3,072`\n".repeat(50_000));
            s
        }),
        ("quoted_values_20k", {
            let mut s = spec("* **kv = 262,144**\n");
            s.push_str("\n# Test T-2 — two\n\n### Expected calculations\n\n");
            for i in 0..20_000 {
                s.push_str(&format!("* total from T-1 = {}\n", 262_000 + i));
            }
            s
        }),
        ("templates_and_calculations_20k", {
            let mut s = String::from("# Tests\n\n## Conventions\n\n");
            for i in 0..100 {
                s.push_str(&format!("* `t{i} = a * b + {i}`\n"));
            }
            s.push_str(&spec(""));
            for i in 0..20_000 {
                s.push_str(&format!("* `t{} = 3 * 4 + {}`\n", i % 100, i % 7));
            }
            s
        }),
        (
            "lone_values_one_digit_apart_50k",
            spec(&{
                let mut s = String::new();
                for i in 0..50_000 {
                    s.push_str(&format!("* = `{}`\n", 100_000 + 10 * i));
                }
                s
            }),
        ),
        (
            "forms_of_20k_names",
            spec(&format!(
                "* `x = {} = {}`",
                join("n", " * ", 20_000),
                join("2", " * ", 20_000)
            )),
        ),
        // Line ends of old Macs: one line of the whole document before.
        (
            "lone_cr_100k_claims",
            spec(&"* `2 * 3 = 7`\r".repeat(100_000)),
        ),
    ];
    v.sort_by_key(|(n, _)| *n);
    v
});

static NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| INPUTS.iter().map(|(n, _)| *n).collect());

fn text(name: &str) -> &'static str {
    INPUTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t.as_str())
        .unwrap_or("")
}

/// 1 s per MB, at least 50 ms.
fn bound(bytes: usize) -> Duration {
    Duration::from_secs_f64((bytes as f64 / 1e6).max(0.05))
}

fn check_bounds() {
    let mut over = Vec::new();
    eprintln!(
        "{:<40} {:>10} {:>10} {:>10}",
        "input", "bytes", "check", "bound"
    );
    for (name, text) in INPUTS.iter() {
        // The fastest of three: a shared machine's hiccups are not the code's.
        let took = (0..3)
            .map(|_| {
                let t = Instant::now();
                let report = mantile_spec::check_spec(text);
                let took = t.elapsed();
                drop(report);
                took
            })
            .min()
            .unwrap_or_default();
        let b = bound(text.len());
        eprintln!("{name:<40} {:>10} {took:>10.1?} {b:>10.1?}", text.len());
        if took > b {
            over.push(format!("{name}: {took:.1?} > {b:.1?}"));
        }
    }
    assert!(over.is_empty(), "over the bound: {over:?}");
}

#[divan::bench(args = NAMES.iter().copied(), sample_count = 5, sample_size = 1)]
fn check(bencher: divan::Bencher, name: &str) {
    let t = text(name);
    bencher
        .counter(divan::counter::BytesCount::new(t.len()))
        .bench(|| mantile_spec::check_spec(t));
}
