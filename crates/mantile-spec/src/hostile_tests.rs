//! Hostile and huge input (issue 12): no stack overflow on long chains, line
//! ends of every kind, findings bounded in number and size. How the work
//! scales with size is measured by `benches/hostile.rs`, not here.

use crate::test_support::error_findings as codes_and_messages;
use crate::{ClaimStatus, check_spec, eval_expr};
use mantile_diag::Severity;

/// Runs `f` on a thread with a 1 MiB stack (half what the language server's
/// worker threads have): a recursion proportional to the input aborts the
/// whole process there, which no test harness can catch.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic")
}

/// A one-test spec whose calculations are `body`.
fn spec(body: &str) -> String {
    format!(
        "# Test T-1 — long\n\n### Test case parameters\n\n* hidden_size `d` = **4**\n\n### Expected calculations\n\n{body}\n"
    )
}

#[test]
fn long_flat_chains_are_evaluated_in_constant_stack() {
    let n = 20_000;
    let sum = vec!["1"; n].join(" + ");
    let product = vec!["1"; n].join(" * ");
    let vars = vec!["d"; n].join(" + ");
    let units = "elems ".repeat(n);
    let negations = "-".repeat(n);
    let found = on_small_stack(move || {
        [
            codes_and_messages(&spec(&format!("* `{sum} = 1`"))),
            codes_and_messages(&spec(&format!("* `2 * {product} = 3`"))),
            codes_and_messages(&spec(&format!("* `{vars} = 1`"))),
            codes_and_messages(&spec(&format!("* `3 {units}= 2`"))),
            // Deeper than the parser's limit: the claim is what the parser
            // can read (its last 64 signs), and no crash.
            codes_and_messages(&spec(&format!("* `{negations}1 = 2`"))),
            vec![format!("{:?}", eval_expr(&vec!["2"; n].join(" + ")))],
        ]
    });
    let want: [(&str, &str); 6] = [
        ("MT001 `1 + 1 + 1", "…` is 20,000, not 1"),
        ("MT001 `2 * 1 * 1", "…` is 2, not 3"),
        ("MT002 `1` is 1, but `d + d + d", "…` is 80,000 with d = 4"),
        ("MT001 `3 elems elems", "…` is 3, not 2"),
        ("MT001 `--------", "1` is 1, not 2"),
        ("Some(Rational { num: 40000, den: 1 })", ""),
    ];
    assert_eq!(found.len(), want.len());
    for (got, (head, tail)) in found.iter().zip(want) {
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].starts_with(head) && got[0].ends_with(tail),
            "{got:?}"
        );
        assert!(got[0].len() < 300, "{} bytes", got[0].len());
    }
    // The values, and messages that quote a long side only in part.
    let text = spec(&format!("* `{} = 1`", vec!["1"; n].join(" + ")));
    let report = on_small_stack(move || check_spec(&text));
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "MT001")
        .expect("MT001");
    assert!(d.message.ends_with("…` is 20,000, not 1"), "{}", d.message);
    assert!(d.message.len() < 300, "{} bytes", d.message.len());
}

#[test]
fn a_long_sum_of_names_lists_a_few_and_counts_the_rest() {
    let names: Vec<String> = (0..20).map(|i| format!("n{i}")).collect();
    let params: String = names.iter().map(|n| format!("* `{n}` = **1**\n")).collect();
    let text = format!(
        "# Test T-1 — names\n\n### Test case parameters\n\n{params}\n### Expected calculations\n\n* `{} = 21`\n",
        names.join(" + ")
    );
    let msgs = codes_and_messages(&text);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].ends_with(
            "is 20 with n0 = 1, n1 = 1, n2 = 1, n3 = 1, n4 = 1, n5 = 1, n6 = 1, n7 = 1, and 12 more"
        ),
        "{}",
        msgs[0]
    );
}

#[test]
fn a_long_equality_chain_names_the_side_that_disagrees() {
    // 1,000 sides (the all-pairs search is cubic): one wrong in the middle.
    let mut sides = vec!["2 * 2"; 1000];
    sides[500] = "5";
    let text = spec(&format!("* `{}`", sides.join(" = ")));
    let report = check_spec(&text);
    let errs: Vec<(&str, &str)> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.rule.code, &text[d.range.as_range()]))
        .collect();
    assert_eq!(errs, [("MT001", "5")]);
    assert_eq!(report.sides(&report.claims[0]).len(), 1000);
    // The first side alone disagreeing is found too.
    let mut sides = vec!["4"; 100];
    sides[0] = "2 * 3";
    let text = spec(&format!("* `{}`", sides.join(" = ")));
    let errs: Vec<String> = codes_and_messages(&text);
    assert_eq!(errs, ["MT001 `2 * 3` is 6, but `4` is 4"]);
}

#[test]
fn findings_per_rule_are_capped_and_the_rest_counted() {
    let claims = "* `1 = 2`\n".repeat(1500);
    let report = check_spec(&spec(&claims));
    let mt001: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule.code == "MT001")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(mt001.len(), 1001);
    assert_eq!(
        mt001.last().copied(),
        Some(
            "500 more MT001 findings in this file are not listed, from here on (at most 1,000 per rule are)"
        )
    );
    // Every claim is still evaluated and counted.
    assert_eq!(report.stats.claims_failing, 1500);
    // The count sits where the first unlisted finding would have been.
    let last = report
        .diagnostics
        .iter()
        .rfind(|d| d.rule.code == "MT001")
        .expect("the count");
    let first_dropped = report.sides(&report.claims[1000])[1].range;
    assert_eq!(last.range, first_dropped);
    assert_eq!(last.severity, Severity::Error);
    // Another rule past the cap of the first still has its findings.
    let mixed = spec(&format!("{claims}* `y = d * 2 = 9`\n"));
    let report = check_spec(&mixed);
    let mt002 = report
        .diagnostics
        .iter()
        .filter(|d| d.rule.code == "MT002")
        .count();
    assert_eq!(mt002, 1);
    // The same cap for findings gathered elsewhere (gap reports).
    let many: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule.code == "MT002")
        .cycle()
        .take(1002)
        .cloned()
        .collect();
    let limited = crate::limit_per_rule(many);
    assert_eq!(limited.len(), 1001);
    assert_eq!(
        limited[1000].message,
        "2 more MT002 findings in this file are not listed, from here on (at most 1,000 per rule are)"
    );
}

#[test]
fn many_claims_on_one_line_each_count() {
    let line = format!("* {}", vec!["`1 = 1`"; 5000].join(" "));
    let report = check_spec(&spec(&line));
    assert_eq!(report.stats.claims_found, 5000);
    assert_eq!(report.stats.claims_evaluated, 5000);
    assert!(report.claims.iter().all(|c| c.status == ClaimStatus::Ok));
}

/// A spec with several tests, claims, continuations, a table and a summary:
/// what a document looks like whatever its line ends.
const MULTI: &str = "# Tests\n\n## Test Summary\n\n| Test | Hidden |\n|---|---|\n| T-1 | 1024 |\n| T-2 | 512 |\n\n---\n\n# Test T-1 — one\n\n### Test case parameters\n\n* hidden_size `d` = **1024**\n* batch_size `B` = **2**\n\n### Expected calculations\n\n* FLOPs = `2 * B * d`\n* `= 2 * 2 * 1024 = 4,096`\n* X: `B*d` elems = `2*1024=2048` → 4,096 B\n* **flops_per_chip = 4,097**\n\n```\ny = 2 * 3 = 7\n```\n\n### Expected results\n\n**Per-chip metrics**\n\n* flops_per_chip: **4,096**\n\n---\n\n# Test T-2 — two\n\n### Test case parameters\n\n* Same as Test T-1, except:\n* hidden_size `d` = **256**\n\n### Expected calculations\n\n* `2 * B * d = 2 * 2 * 256 = 1,025`\n";

#[test]
fn lone_cr_and_crlf_line_ends_read_like_lf() {
    let lf = check_spec(MULTI);
    assert!(lf.stats.claims_found >= 5, "{}", lf.stats);
    assert!(!lf.diagnostics.is_empty());
    // `\r` is one byte like `\n`: the same report, offsets and all.
    let cr = MULTI.replace('\n', "\r");
    assert_eq!(format!("{:?}", check_spec(&cr)), format!("{lf:?}"));
    // `\r\n`: the same findings on the same lines.
    let crlf = MULTI.replace('\n', "\r\n");
    let by_line = |text: &str| -> Vec<(u32, &'static str, String)> {
        let index = mantile_diag::LineIndex::new(text);
        check_spec(text)
            .diagnostics
            .iter()
            .map(|d| {
                (
                    index.line_of(d.range.start as usize),
                    d.rule.code,
                    d.message.clone(),
                )
            })
            .collect()
    };
    assert_eq!(by_line(&crlf), by_line(MULTI));
    assert_eq!(check_spec(&crlf).stats, lf.stats);
}

#[test]
fn lines_end_at_lf_crlf_and_lone_cr() {
    let got: Vec<(usize, &str)> = crate::lines("a\r\nb\rc\n\nd\r").collect();
    assert_eq!(got, [(0, "a"), (3, "b"), (5, "c"), (7, ""), (8, "d")]);
    assert_eq!(crate::lines("").count(), 0);
    assert_eq!(
        crate::lines("\r\r\n").collect::<Vec<_>>(),
        [(0, ""), (1, "")]
    );
}

#[test]
fn long_ids_and_quoted_cells_stay_short_in_messages() {
    // An ID of 10,000 characters is not a test ID; a summary cell of
    // 10,000 digits is quoted in part.
    let long_id = format!("# Test {}-1 — x\n", "A".repeat(10_000));
    assert!(check_spec(&long_id).tests.is_empty());
    let cell = "9".repeat(10_000);
    let text = format!(
        "# Tests\n\n| Test | Hidden |\n|---|---|\n| T-1 | 1{cell} |\n\n# Test T-1 — x\n\n### Test case parameters\n\n* hidden_size `d` = **4**\n"
    );
    let report = check_spec(&text);
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| d.message.chars().count() < 400),
        "{:?}",
        report.diagnostics
    );
}
