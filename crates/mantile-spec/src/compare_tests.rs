//! The checker's comparison and reporting (issue 17): which side of a
//! failing calculation is reported, which binding is blamed, which fix is
//! offered. Each case is one a mutant of the code got wrong.

use crate::check_spec;
use mantile_diag::Severity;

/// A one-test spec with `params` and `steps`.
fn spec(params: &str, steps: &str) -> String {
    format!(
        "# Test T-1 — x\n\n### Test case parameters\n\n{params}\n\n### Expected calculations\n\n{steps}\n"
    )
}

/// `severity CODE text-at-range` of the findings above info level (the
/// format's own MT009 aside).
fn findings(text: &str) -> Vec<String> {
    check_spec(text)
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning && d.rule.code != "MT009")
        .map(|d| {
            format!(
                "{} {} `{}`",
                d.severity,
                d.rule.code,
                &text[d.range.as_range()]
            )
        })
        .collect()
}

#[test]
fn an_element_count_equals_its_bytes_through_bytes_per_elem() {
    let params = "* bytes_per_elem = **2**";
    assert!(findings(&spec(params, "* `2,048 elems = 4,096 B`")).is_empty());
    assert_eq!(
        findings(&spec(params, "* `2,048 elems = 4,098 B`")),
        ["error MT001 `4,098`"]
    );
}

#[test]
fn every_symbol_restated_stands_for_its_long_name() {
    for (symbol, long) in [
        ("tp", "tensor_parallel"),
        ("cp", "context_parallel"),
        ("ep", "expert_parallel"),
        ("sp", "sequence_parallel"),
        ("pp", "pipeline_parallel"),
        ("dp", "data_parallel"),
        ("B", "batch_size"),
        ("S", "seq_len"),
        ("d", "hidden_size"),
        ("h", "num_heads"),
        ("dh", "head_dim"),
        ("k", "top_k"),
        ("E", "num_experts"),
        ("d_ff", "intermediate_size"),
    ] {
        let text = spec(
            &format!("* {long} = **8**"),
            &format!("Here {symbol}=6 instead."),
        );
        assert_eq!(findings(&text), ["error MT002 `6`"], "{symbol}");
        let text = spec(
            &format!("* {long} = **8**"),
            &format!("Here {symbol}=8 again."),
        );
        assert!(findings(&text).is_empty(), "{symbol}");
    }
}

#[test]
fn a_unit_restated_exactly_a_thousand_times_smaller_is_still_compared() {
    // 1 is a thousandth of 1 KFLOPs: at the bound, not past it.
    assert_eq!(
        findings(&spec("* `x` = **2**", "* y = 1 (1 KFLOPs)")),
        ["error MT003 `1 KFLOPs`"]
    );
}

#[test]
fn a_number_facing_a_name_is_reported_whichever_side_it_is_on() {
    let steps = |a: &str, b: &str| {
        spec(
            "* hidden_size `d` = **1024**",
            &format!(
                "* **flops = 4,096**\n* **flops_per_chip = 4,096**\n\n```\nt_ms = {a}\n     = {b}\n```"
            ),
        )
    };
    assert_eq!(
        findings(&steps("(4,097 / peak) × 1000", "(flops / peak) × 1000")),
        ["error MT002 `4,097`"]
    );
    assert_eq!(
        findings(&steps("(flops / peak) × 1000", "(4,097 / peak) × 1000")),
        ["error MT002 `4,097`"]
    );
}

#[test]
fn a_binding_from_a_failing_claim_is_not_blamed_for_its_uses() {
    // x is 5 where its own calculation says 4: the uses that hold with 4
    // repeat that error (warnings), x is not reported as a culprit.
    let text = spec(
        "* batch_size `B` = **2**",
        "* `x = 2 * B = 5`\n* `y = x * 2 = 8`\n* `z = x * 3 = 12`",
    );
    assert_eq!(
        findings(&text),
        ["error MT002 `5`", "warning MT002 `8`", "warning MT002 `12`"]
    );
}

#[test]
fn two_mistyped_parameters_are_each_reported_where_written() {
    let text = spec(
        "* hidden_size `d` = **2048**\n* batch_size `B` = **3**",
        "* `a = 2 * d = 2 * 1024 = 2,048`\n* `b = 4 * d = 4 * 1024 = 4,096`\n* `c = 5 * B = 5 * 2 = 10`\n* `e = 7 * B = 7 * 2 = 14`",
    );
    assert_eq!(findings(&text), ["error MT002 `2048`", "error MT002 `3`"]);
}

#[test]
fn two_bindings_that_explain_the_same_failures_equally_blame_neither() {
    // B * d is 2,048; both uses say 4,096: B = 4 or d = 2,048 would do, and
    // neither value is written in them. Each use keeps its finding.
    let text = spec(
        "* hidden_size `d` = **1024**\n* batch_size `B` = **2**",
        "* `x = B * d = 4,096`\n* `y = B * d = 4,096`",
    );
    assert_eq!(
        findings(&text),
        ["error MT002 `4,096`", "error MT002 `4,096`"]
    );
}

#[test]
fn an_integer_result_is_not_offered_over_a_decimal_literal() {
    let report = check_spec(&spec("* `x` = **2**", "* `2 * 2 = 5.0`"));
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "MT001")
        .expect("a mismatch");
    assert!(d.fixes.is_empty(), "{:?}", d.fixes);
    // An integer literal gets its fix.
    let report = check_spec(&spec("* `x` = **2**", "* `2 * 2 = 5`"));
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "MT001")
        .expect("a mismatch");
    assert_eq!(d.fixes[0].edits[0].new_text, "4");
}
