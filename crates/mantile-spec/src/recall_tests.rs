//! Every stated number tied to something (issue 15): one small spec per
//! rule, with the finding a one-digit change must produce, and the shapes
//! that must stay silent.

use crate::check_spec;
use mantile_diag::Severity;

/// A test with parameters `params` and steps `steps`, then the error- and
/// warning-level findings as `line CODE severity text-at-range`.
fn findings(params: &str, steps: &str) -> Vec<String> {
    let text = format!(
        "# Test T-1 — x\n\n### Test case parameters\n\n{params}\n\n### Expected calculations\n\n{steps}\n"
    );
    let report = check_spec(&text);
    let index = mantile_diag::LineIndex::new(&text);
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning && d.rule.code != "MT009")
        .map(|d| {
            format!(
                "{} {} {} `{}`",
                index.line_of(d.range.start as usize) + 1,
                d.rule.code,
                d.severity,
                &text[d.range.as_range()]
            )
        })
        .collect()
}

const PARAMS: &str =
    "* hidden_size `d` = **1024**\n* batch_size `B` = **2**\n* tensor_parallel `tp` = **4**";

#[test]
fn a_formula_that_disagrees_with_sound_names_is_an_error() {
    // `flops_total` comes from a step that holds: the chain contradicts it.
    assert_eq!(
        findings(
            PARAMS,
            "* `flops_total = 2 * B * d = 4,096`\n* **flops_per_chip = flops_total / tp = 1,025**"
        ),
        ["12 MT002 error `1,025`"]
    );
    // From a step that fails itself: the same disagreement repeats that
    // error, a warning.
    assert_eq!(
        findings(
            PARAMS,
            "* `flops_total = 2 * B * d = 4,097`\n* **flops_per_chip = flops_total / tp = 1,024**"
        ),
        ["11 MT002 error `4,097`", "12 MT002 warning `1,024`"]
    );
}

#[test]
fn a_symbol_stated_again_must_keep_its_value() {
    // A parameter restated in prose (`TP` is `tp`), and a computed value
    // restated approximately.
    assert_eq!(
        findings(PARAMS, "Per chip with TP=8:\n\n* `x = 2 * B = 4`"),
        ["11 MT002 error `8`"]
    );
    assert_eq!(
        findings(
            PARAMS,
            "```\nt_ms = 2 * B * d / 10^6 = 0.004096\n```\n\n**t_ms ≈ 0.0042 ms**"
        ),
        ["15 MT001 error `0.0042 ms`"]
    );
    assert!(
        findings(
            PARAMS,
            "**t_ms ≈ 0.0041 ms**\n\n* `t_ms = 2 * B * d / 10^6 = 0.004096`"
        )
        .is_empty()
    );
    // Silent: a bare statement revised below, another case (`same as`),
    // words that label one value after another.
    assert!(
        findings(
            PARAMS,
            "* **weight_total = 100**\n\nLet me recalculate:\n\n* **weight_total = 120**"
        )
        .is_empty()
    );
    assert!(findings(PARAMS, "(Same as TP=8: the payload does not depend on it)").is_empty());
    assert!(findings(PARAMS, "* Total = `2 * B = 4`\n* Total = `d * 2 = 2,048`").is_empty());
}

#[test]
fn a_bare_result_continues_the_step_above_a_formula_less_heading() {
    let steps =
        "* FLOPs = `2 * B * d = 4,096`\n\n**(e) Apply the same to V**\nSame shape:\n\n* = `4,097`";
    assert_eq!(findings(PARAMS, steps), ["16 MT001 error `4,097`"]);
    // A heading with a formula of its own: the value is not the step's.
    let steps = "* FLOPs = `2 * B * d = 4,096`\n\n**(e) Apply to V** → `2*d`\n\n* = `4,097`";
    assert!(findings(PARAMS, steps).is_empty());
    // A new calculation is not a continuation.
    let steps =
        "* Q = `2 * B * d = 4,096`\n\n**(g) Total**\n\n* = `4,096 + 4,096`\n* **total = 8,192**";
    assert!(findings(PARAMS, steps).is_empty());
}

#[test]
fn a_result_on_the_next_bullet_completes_a_calculation() {
    // An expression of names, its terms on the next bullet, the named
    // result on the one after.
    let steps = "* Q + K\n* = `4,096 + 2,048`\n* **flops_total = 6,145**";
    assert_eq!(findings(PARAMS, steps), ["13 MT001 error `6,145`"]);
    let steps = "* Router + Experts = `4,096 + 2,048`\n* **flops_total = 6,144**";
    assert!(findings(PARAMS, steps).is_empty());
    let steps = "* Router + Experts = `4,096 + 2,048`\n* **flops_total = 6,146**";
    assert_eq!(findings(PARAMS, steps), ["12 MT001 error `6,146`"]);
    // Not a result: a calculation of its own on the next bullet, or a line
    // whose result is its byte size.
    let steps = "* = `2 * 2 * 16 * 128 * 128`\n* First: `128*128=16,384`";
    assert!(findings(PARAMS, steps).is_empty());
    let steps = "* `K`: `[M, d]` = `2*64` elems → 256 B\n* `Y`: `[M, d]` = 4,096 B";
    assert!(findings("* bytes_per_elem = **2**", steps).is_empty());
}
