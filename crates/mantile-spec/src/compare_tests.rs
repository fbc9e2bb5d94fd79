//! The checker's comparison and reporting (issue 17): which side of a
//! failing calculation is reported, which binding is blamed, which fix is
//! offered. Each case is one a mutant of the code got wrong.

use crate::check_spec;
use crate::test_support::{error_findings as errors, one_test as spec};
use mantile_diag::Severity;

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

/// A conventions section giving `formulas` (one per line, in a code
/// block), then a test in it computing `t_ms` as `calc`, then a test in
/// another section computing it as `later`.
fn conventions(formulas: &str, calc: &str, later: &str) -> String {
    format!(
        "# Tests\n\n## Conventions\n\n```\n{formulas}\n```\n\n# Test A-1 — a\n\n### Test case parameters\n\n* hidden_size `d` = **1024**\n\n### Expected calculations\n\n```\nt_ms = {calc}\n```\n\n# Other Tests\n\n# Test B-1 — b\n\n### Test case parameters\n\n* hidden_size `d` = **1024**\n\n### Expected calculations\n\n```\nt_ms = {later}\n```\n"
    )
}

#[test]
fn a_formula_given_for_a_name_holds_for_that_name_in_its_section_only() {
    let formulas = "t_ms = flops / peak × 1000\nu_ms = flops / peak × 2000";
    let ok = "4,096 / 10^15 × 1000";
    assert!(errors(&conventions(formulas, ok, ok)).is_empty());
    // u_ms's formula is not t_ms's.
    assert!(errors(&conventions(formulas, ok, "4,096 / 10^15 × 1800")).is_empty());
    assert_eq!(
        errors(&conventions(formulas, "4,096 / 10^15 × 1800", ok)),
        ["MT001 `1800` here, but `1000` in the same place of `flops / peak × 1000`"]
    );
}

#[test]
fn a_formula_given_with_its_factors_in_another_order_holds() {
    // `flops` and `peak` have no value in the test: the numbers facing them
    // are theirs, and 1000 facing 4,096 is the factors swapped, not a typo.
    let formulas = "t_ms = flops / peak × 1000";
    let ok = "4,096 / 10^15 × 1000";
    assert!(errors(&conventions(formulas, "1000 / 10^15 × 4,096", ok)).is_empty());
}

#[test]
fn an_identity_holds_for_any_value_of_its_one_name() {
    assert!(
        findings(&spec(
            "* `x` = **2**",
            "- Per expert: `v + v = 2 * v` elements"
        ))
        .is_empty()
    );
    assert_eq!(
        findings(&spec(
            "* `x` = **2**",
            "- Per expert: `v + v = 3 * v` elements"
        )),
        ["error MT001 `3 * v` elements`"]
    );
}

#[test]
fn an_identity_over_a_name_the_test_gives_is_not_one() {
    // `2 * tp * v = tp * tp * v` holds with tp = 2, the test's value: not
    // an identity that must hold for any tp.
    let params = "* tensor_parallel `tp` = **2**";
    assert!(
        findings(&spec(
            params,
            "- Per chip: `2 * tp * v = tp * tp * v` elements"
        ))
        .is_empty()
    );
}

#[test]
fn an_identity_over_more_names_than_made_up_values_is_left_alone() {
    // Eight names get a made-up value each; a ninth is past them.
    let eight = "- Product: `a * b * c * e * f * g * m * n = n * m * g * f * e * c * b * a`";
    assert!(findings(&spec("* `x` = **2**", eight)).is_empty());
    assert_eq!(
        findings(&spec("* `x` = **2**", &eight.replace("= n *", "= 2 * n *"))),
        ["error MT001 `2 * n * m * g * f * e * c * b * a`"]
    );
    let nine = "- Product: `a * b * c * e * f * g * m * n * o = o * n * m * g * f * e * c * b * a`";
    assert!(findings(&spec("* `x` = **2**", nine)).is_empty());
}

#[test]
fn one_number_changed_between_two_forms_with_the_same_names() {
    // w has no value, tp has one: the sides are not an identity, but they
    // have one form, and 5 faces 4.
    let params = "* tensor_parallel `tp` = **4**";
    assert!(findings(&spec(params, "* `y = w * 4 * tp = w * 4 * tp`")).is_empty());
    assert_eq!(
        findings(&spec(params, "* `y = w * 4 * tp = w * 5 * tp`")),
        ["error MT001 `5`"]
    );
}

/// The claim holding the first `part` of the text.
fn claim<'r>(report: &'r crate::SpecReport, text: &str, part: &str) -> &'r crate::Claim {
    let at = text.find(part).expect("the claim in the text");
    crate::claim_at(report, at).unwrap_or_else(|| panic!("no claim at {part}"))
}

#[test]
fn names_the_side_before_substitutes_numbers_for_are_bound() {
    // `w * 2` after `4,096 * 2`: w is 4,096, and the claim holds.
    for (steps, start, value) in [
        (
            "* `x = 4,096 * 2 = w * 2`\n* `z = w * 3 = 12,000`",
            "4,096 * 2",
            "8,192",
        ),
        (
            "* `x = w * 2 = 4,096 * 2`\n* `z = w * 3 = 12,000`",
            "w * 2",
            "8,192",
        ),
        // Two names, each its own value.
        (
            "* `x = 4,096 * 2 * 3 = w * u * 3`\n* `z = w * 3 = 12,000`",
            "4,096 * 2",
            "24,576",
        ),
    ] {
        let text = spec("* `q` = **2**", steps);
        let report = check_spec(&text);
        let c = claim(&report, &text, start);
        assert_eq!(c.status, crate::ClaimStatus::Ok, "{steps}");
        assert_eq!(c.display(), value, "{steps}");
        assert_eq!(findings(&text), ["error MT002 `12,000`"], "{steps}");
    }
}

#[test]
fn one_number_changed_next_to_a_side_of_no_value_or_a_rounded_one() {
    // `3 * 7 * tp` has a value, `3 * w * 5` none (w is not given): 5
    // stands where tp is.
    let params = "* tensor_parallel `tp` = **4**";
    assert_eq!(
        findings(&spec(params, "* `y = 3 * 7 * tp = 3 * w * 5`")),
        ["error MT002 `5`"]
    );
    assert!(findings(&spec(params, "* `y = 3 * 7 * tp = 3 * w * tp`")).is_empty());
    // `2.0 × 4,096` is rounded: 2 × 4,097 is within its precision, but
    // the factor facing 4,096 changed.
    assert_eq!(
        findings(&spec(params, "* `y = 2.0 × 4,096 = 2 × 4,097`")),
        ["error MT001 `4,097`"]
    );
    assert!(findings(&spec(params, "* `y = 2.0 × 4,096 = 2 × 4,096`")).is_empty());
}

#[test]
fn a_symbol_restated_in_a_test_that_inherits_it() {
    // The test inheriting tp does not give it again: the restatement is
    // held against Test T-1's value, the only parameter there.
    let text = |restated: &str| {
        format!(
            "# Test T-1 — x\n\n### Test case parameters\n\n* `tp` = **4**\n\n### Expected calculations\n\n* `y = 2 * tp = 8`\n\n# Test T-2 — y\n\n### Test case parameters\n\nSame as Test T-1.\n\n### Expected calculations\n\nHere {restated} instead.\n"
        )
    };
    assert!(findings(&text("tp=4")).is_empty());
    assert_eq!(findings(&text("tp=6")), ["error MT002 `6`"]);
    assert_eq!(findings(&text("TP=6")), ["error MT002 `6`"]);
}

#[test]
fn a_parameter_restated_with_its_value_is_not_blamed_for_failing_uses() {
    // d = 2048 is stated twice; the two calculations substitute 1024: they
    // are wrong, each where it is, not d.
    let steps = "* `a = 2 * d = 2 * 1024 = 2,048`\n* `b = 4 * d = 4 * 1024 = 4,096`";
    let params = "* hidden_size `d` = **2048**";
    assert_eq!(findings(&spec(params, steps)), ["error MT002 `2048`"]);
    assert_eq!(
        findings(&spec(params, &format!("Here d=2048 again.\n\n{steps}"))),
        ["error MT002 `2 * 1024`", "error MT002 `4 * 1024`"]
    );
}

#[test]
fn a_side_whose_names_were_inferred_pins_nothing_the_others_still_do() {
    // w is bound from `4,096 * 2`: `w * 2` holds by construction, but
    // `4,096 * 2` is held against 8,192. 4,097 alone is one digit away.
    let steps = "* `x = 4,096 * 2 = w * 2 = 8,192`\n* **y = 4,097**";
    assert_eq!(
        findings(&spec("* `q` = **2**", steps)),
        ["error MT011 `4,097`"]
    );
}

#[test]
fn only_a_symbol_in_capitals_stands_for_its_lower_case_form() {
    // `TP` is tp written as an acronym; `S_k` and `s_k` are two symbols.
    let params = "* `tp` = **4**\n* `s_k` = **128**";
    assert_eq!(
        findings(&spec(params, "Here TP=6 instead.")),
        ["error MT002 `6`"]
    );
    assert!(findings(&spec(params, "Here S_k=256 instead.")).is_empty());
    assert_eq!(
        findings(&spec(params, "Here s_k=256 instead.")),
        ["error MT002 `256`"]
    );
}

#[test]
fn past_one_rules_cap_the_others_findings_are_listed_and_its_own_counted() {
    // 1,200 MT001 findings: 1,000 listed, the rest counted. Then an MT002
    // finding, listed, and a summary below a code block that disagrees
    // with it (an MT001 finding, counted), one digit from a value the test
    // uses: not reported as a stray value instead.
    let claims = "* `1 = 2`\n".repeat(1200);
    let block = "```\ntotal_load_time_ms = weight_load + kv_load\n                   = 0.134 + 0.0336\n                   = 0.168 ms\n```\n\n**total_memory_load_time_ms ≈ 0.671 ms**\n";
    let text = spec(
        "* hidden_size `d` = **4**",
        &format!("{claims}* `y = d * 2 = 9`\n* `w = 0.672 * 1 = 0.672`\n\n{block}"),
    );
    let report = check_spec(&text);
    let listed: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule.code != "MT009")
        .filter(|d| d.rule.code != "MT001" || d.message.contains("not listed"))
        .map(|d| {
            format!(
                "{} `{}` {}",
                d.rule.code,
                &text[d.range.as_range()],
                d.message
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            "MT001 `2` 201 more MT001 findings in this file are not listed, from here on (at most 1,000 per rule are)",
            "MT002 `9` `9` is 9, but `d * 2` is 8 with d = 4",
        ]
    );
    assert_eq!(report.stats.claims_failing, 1201);
}

#[test]
fn a_byte_factor_is_looked_for_in_byte_counts_only() {
    let params = "* bytes_per_elem = **2**";
    assert_eq!(
        findings(&spec(params, "* bytes = `4,096 * 3 = 12,288`")),
        ["error MT002 `3`"]
    );
    // Labels that do not say bytes, or say bytes per something: the factor
    // is no byte size.
    for label in ["Memory bandwidth", "Bytes per chip", "Memory"] {
        let steps = format!("* {label} = `4,096 * 3 = 12,288`");
        assert!(findings(&spec(params, &steps)).is_empty(), "{label}");
    }
    // The label is the line's text before the claim (up to 63 bytes here:
    // the line break is just in the 64 bytes looked at).
    let line = format!("* Bytes {} = `4,096 * 3 = 12,288`", "x".repeat(51));
    assert_eq!(line.find("4,096"), Some(63));
    assert_eq!(findings(&spec(params, &line)), ["error MT002 `3`"]);
}

#[test]
fn a_byte_factor_that_no_byte_size_has_is_a_warning_when_each_holds_elsewhere() {
    let params = "* bytes_per_elem = **2**\n* softmax_stat_bytes = **4**";
    let wrong = "* bytes = `1,024 * 8 = 8,192`";
    // Each byte size multiplied in elsewhere: 8 is a third one, or a typo.
    let both = "* bytes = `1,024 * 2 = 2,048`\n* stats bytes = `64 * 4 = 256`";
    assert_eq!(
        findings(&spec(params, &format!("{both}\n{wrong}"))),
        ["warning MT002 `8`"]
    );
    // One of them multiplied in nowhere: that one may be wrong, an error.
    for one in [
        "* bytes = `1,024 * 2 = 2,048`",
        "* stats bytes = `64 * 4 = 256`",
    ] {
        assert_eq!(
            findings(&spec(params, &format!("{one}\n{wrong}"))),
            ["error MT002 `8`"],
            "{one}"
        );
    }
}

#[test]
fn two_formulas_in_other_names_are_not_compared_term_by_term() {
    // d faces h, w faces u: two formulas (w may be 64 u), not one with
    // numbers substituted; nothing says which term is wrong.
    let params = "* hidden_size `d` = **1024**\n* num_heads `h` = **16**";
    assert!(findings(&spec(params, "* `x = 2 * d * w = 2 * h * u`")).is_empty());
    // The same form with a number for d: 1,000 is not d.
    assert_eq!(
        findings(&spec(params, "* `x = 2 * d * w = 2 * 1,000 * w`")),
        ["error MT002 `1,000`"]
    );
}

/// Tests T-0 … T-`n`, each "Same as" the one before: T-0 with `base`
/// parameters, T-`n` with `params` and `steps`.
fn same_as_chain(n: usize, base: &str, params: &str, steps: &str) -> String {
    let mut text = format!("# Test T-0 — base\n\n### Test case parameters\n\n{base}\n\n");
    for k in 1..=n {
        let (own, calc) = if k == n { (params, steps) } else { ("", "") };
        text.push_str(&format!(
            "# Test T-{k} — step\n\n### Test case parameters\n\nSame as Test T-{}, except:\n\n{own}\n\n### Expected calculations\n\n{calc}\n\n",
            k - 1
        ));
    }
    text
}

#[test]
fn names_are_inherited_through_a_bounded_same_as_chain() {
    // A value given MAX_SAME_AS_DEPTH "Same as" steps up is known (the
    // wrong step is found); one more step up it is not (no finding).
    let base = "* hidden_size `d` = **1024**";
    let steps = "* `2 * d = 2,049`";
    assert_eq!(
        findings(&same_as_chain(16, base, "", steps)),
        ["error MT002 `2,049`"]
    );
    assert!(findings(&same_as_chain(17, base, "", steps)).is_empty());
}

#[test]
fn byte_sizes_are_inherited_through_the_same_bounded_chain() {
    // A byte size given MAX_SAME_AS_DEPTH steps up is one of the test's
    // (the byte count multiplying it in passes), as the names are; one step
    // further it is not seen, and the factor is no byte size of the test.
    let base = "* softmax_stat_bytes = **4**";
    let params = "* bytes_per_elem = **2**";
    let steps = "* stats bytes = `64 * 4 = 256`";
    assert!(findings(&same_as_chain(16, base, params, steps)).is_empty());
    assert_eq!(
        findings(&same_as_chain(17, base, params, steps)),
        ["error MT002 `4`"]
    );
    assert!(findings(&same_as_chain(1, base, params, steps)).is_empty());
}
