//! Every stated number tied to something (issue 15): one small spec per
//! rule, with the finding a one-digit change must produce, and the shapes
//! that must stay silent.

use crate::check_spec;
use crate::test_support::{error_findings, error_messages, one_test};
use mantile_diag::Severity;

/// A test with parameters `params` and steps `steps`, then the error- and
/// warning-level findings as `line CODE severity text-at-range`.
fn findings(params: &str, steps: &str) -> Vec<String> {
    let text = one_test(params, steps);
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
            "* **weight_total = 100**\n\nLet me recalculate:\n\n* **weight_total = 250**"
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
    let steps = "* FLOPs = `2 * B * d = 4,096`\n\n**(e) Apply to V** → `2*d`\n\n* = `2,048`";
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

#[test]
fn a_lone_value_one_digit_from_a_used_one_is_a_stray() {
    // `16,484` is stated and used nowhere; `16,384`, one digit away, is
    // what the sum below uses.
    let steps = "**(a) Router**\n\n* Bytes per chip = `16,484`\n\n**(b) Experts**\n\n* Per chip = `65,536`\n\n**(c) Total**\n\n* **weight_per_chip = 16,384 + 65,536 = 81,920**";
    assert_eq!(findings(PARAMS, steps), ["13 MT011 error `16,484`"]);
    // Used (or restated) values, small values, and values further away
    // are not strays.
    assert!(findings(PARAMS, &steps.replace("16,484", "16,384")).is_empty());
    assert!(findings(PARAMS, &steps.replace("16,484", "17,584")).is_empty());
    assert!(findings("* hidden_size `d` = **64**\n* head_dim `dh` = **65**", "").is_empty());
}

#[test]
fn a_literal_no_exact_check_pins_is_a_stray_too() {
    // The total stated, then substituted into a time that is only stated
    // to three digits: a one-digit change there leaves the time right.
    let steps = "* **flops = 1,374,389,534,720**\n* **flops_per_chip = 1,374,389,534,720**\n\n```\nt_ms = 1,374,389,534,720 / 10^15 × 1000\n     = 1.374 ms\n```";
    assert!(findings(PARAMS, steps).is_empty());
    let changed = steps.replacen("1,374,389,534,720 /", "1,374,489,534,720 /", 1);
    assert_eq!(
        findings(PARAMS, &changed),
        ["15 MT011 error `1,374,489,534,720`"]
    );
    // In a calculation with a name no one defined, likewise.
    let steps = "* X = `1,048,576 * 4 = 4,194,304`\n* Y = `1,048,570 / (tp * q)`";
    assert_eq!(findings(PARAMS, steps), ["12 MT011 error `1,048,570`"]);
    // Pinned by an exact check, a literal is that check's business.
    let steps = "* X = `1,048,576 * 4 = 4,194,304`\n* Y = `1,048,570 + 6 = 1,048,576`";
    assert!(findings(PARAMS, steps).is_empty());
}

#[test]
fn a_name_no_line_defines_takes_the_number_substituted_for_it() {
    // `d_q` is defined nowhere; the GEMM substitutes 4096 for it, which
    // the bias below must then use.
    let steps =
        "* GEMM = `2 * B * d * d_q = 2 * 2 * 1024 * 4096 = 16,777,216`\n* Bias = `B * d_q = 8,192`";
    assert!(findings(PARAMS, steps).is_empty());
    assert_eq!(
        findings(PARAMS, &steps.replace("8,192", "8,190")),
        ["12 MT002 error `8,190`"]
    );
    // Factors written in another order (d is 1024) tell nothing about
    // `d_q`, and say nothing wrong.
    let steps =
        "* GEMM = `2 * B * d * d_q = 2 * 2 * 4096 * 1024 = 16,777,216`\n* Bias = `B * d_q = 8,190`";
    assert!(findings(PARAMS, steps).is_empty());
}

#[test]
fn sides_of_one_form_agree_number_for_number() {
    // The peak is no parameter: the calculation cannot be evaluated, but
    // the two sides have one form, and one number differs.
    let steps = "* **flops = 4,096**\n\n```\nt_ms = (flops / peak_flops) × 1000\n     = (4,096 / (1000 × 10^12)) × 1010\n```";
    assert_eq!(findings(PARAMS, steps), ["15 MT001 error `1010`"]);
    assert!(findings(PARAMS, &steps.replace("1010", "1000")).is_empty());
    // A number substituted for a name of another value.
    let steps = "* **flops = 4,096**\n* **flops_per_chip = 4,096**\n\n```\nt_ms = (flops / peak_flops) × 1000\n     = (4,097 / (1000 × 10^12)) × 1000\n```";
    assert_eq!(findings(PARAMS, steps), ["16 MT002 error `4,097`"]);
    // Other names face each other: two formulas, nothing to compare.
    let steps = "```\nt_ms = (flops / peak) × 1000\n     = (work / rate) × 3600\n```";
    assert!(findings(PARAMS, steps).is_empty());
}

#[test]
fn a_size_or_parallel_degree_is_never_zero() {
    assert_eq!(
        findings(
            "* tensor_parallel `tp` = **0**\n* batch_size `B` = **2**",
            ""
        ),
        ["5 MT002 error `0`"]
    );
    // A past length of 0 is a prefill, not a defect.
    assert!(
        findings(
            "* past_seq_len `S_past` = **0**\n* tensor_parallel `tp` = **1**",
            ""
        )
        .is_empty()
    );
}

#[test]
fn one_chip_has_no_communication() {
    let params = "* tensor_parallel `tp` = **1**\n* num_chips = **1**";
    assert_eq!(
        findings(params, "Single chip: **communication_bytes = 5**"),
        ["10 MT002 error `5`"]
    );
    assert!(findings(params, "Single chip: **communication_bytes = 0**").is_empty());
    let params = "* tensor_parallel `tp` = **2**\n* num_chips = **2**";
    assert!(findings(params, "* **communication_bytes = 4,096**").is_empty());
}

#[test]
fn a_quantity_in_a_unit_is_scaled_by_that_unit() {
    let steps = "```\nt_ms = flops / (peak_tflops × 10^12) × 1000\nl_ms = bytes / (mem_bw_gb_s × 10^9) × 1000\nb_ms = bytes / (mem_bw_gb_s × 2^30) × 1000\n```";
    assert!(findings(PARAMS, steps).is_empty());
    let wrong = steps.replace("10^12", "10^15").replace("10^9", "40^9");
    assert_eq!(
        findings(PARAMS, &wrong),
        ["12 MT003 error `10^15`", "13 MT003 error `40^9`"]
    );
}

#[test]
fn a_byte_count_multiplies_in_a_byte_size_of_the_test() {
    let params = "* bytes_per_elem = **2**\n* softmax_stat_bytes = **4**";
    let steps = "* bytes = `4,096 * 2 = 8,192`\n* stats bytes = `64 * 4 = 256`";
    assert!(findings(params, steps).is_empty());
    // A factor that is no byte size, with nothing else for bytes_per_elem:
    // one of the two is wrong.
    assert_eq!(
        findings("* bytes_per_elem = **2**", "* bytes = `4,096 * 3 = 12,288`"),
        ["9 MT002 error `3`"]
    );
    // Where another check holds with bytes_per_elem, only a warning.
    let steps = "* X: `2,048` elems → 4,096 B\n* bytes = `4,096 * 3 = 12,288`";
    assert_eq!(
        findings("* bytes_per_elem = **2**", steps),
        ["10 MT002 warning `3`"]
    );
    // Every byte count disagreeing with the parameter the same way: the
    // parameter is wrong.
    let steps = "* bytes = `4,096 * 2 = 8,192`\n* Bytes = `1,024 * 2 = 2,048`";
    assert_eq!(
        findings("* bytes_per_elem = **6**", steps),
        ["5 MT002 error `6`"]
    );
}

#[test]
fn a_convention_every_later_test_contradicts_is_wrong() {
    let text = |conv: &str| {
        format!(
            "# Tests\n\n## Conventions\n\n* `bytes_per_elem = {conv}`\n\n# Test A-1 — a\n\n### Test case parameters\n\n* bytes_per_elem = **2**\n\n# Test A-2 — b\n\n### Test case parameters\n\n* bytes_per_elem = **2**\n"
        )
    };
    let errors = error_findings;
    assert!(errors(&text("2")).is_empty());
    assert_eq!(
        errors(&text("4")),
        ["MT002 bytes_per_elem is 4 here, but the 2 tests after it that state it all give 2"]
    );
    // Tests that differ among themselves: no consensus, nothing said.
    let mixed = text("4").replacen("**2**", "**1**", 1);
    assert!(errors(&mixed).is_empty());
}

#[test]
fn a_symbol_restated_in_prose_keeps_the_inherited_or_long_named_value() {
    let text = "# Test A-1 — x\n\n### Test case parameters\n\n* top_k `k` = **2**\n* tensor_parallel = **8**\n\n### Expected calculations\n\nEach token is processed by `k=2` experts.\n\n# Test A-2 — y\n\n### Test case parameters\n\nSame as A-1, plus:\n\n* num_chips = **8**\n\n### Expected calculations\n\nEach token activates k=3 experts.\n\nPer chip (TP=4):\n";
    let report = check_spec(text);
    let got: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        got,
        [
            "k is 3 here, but 2 (the test's value)",
            "TP is 4 here, but 8 (the test's value)"
        ]
    );
}

#[test]
fn a_value_in_the_unit_its_name_says_restated_in_another() {
    assert!(findings("* peak_tflops = **1000** (1 PFLOP)", "").is_empty());
    assert_eq!(
        findings("* peak_tflops = **1005** (1 PFLOP)", ""),
        ["5 MT003 error `1 PFLOP`"]
    );
    // A unit word before a parenthesis is no call: the restatement is read.
    let conv = "- **Peak compute**: 1000 TFLOPS (10^15 FLOPS) = 4 PFLOP";
    assert_eq!(findings(conv, ""), ["5 MT001 error `4`"]);
}

#[test]
fn formulas_the_file_gives_hold_in_its_tests() {
    let text = |dh: &str, factor: &str| {
        format!(
            "# Tests\n\n## Conventions\n\n* `d = h*dh`\n\n```\nt_ms = flops / peak × {factor}\n```\n\n# Test A-1 — a\n\n### Test case parameters\n\n* hidden_size `d` = **1024**\n* num_heads `h` = **16**\n* head_dim `dh` = **{dh}**\n\n### Expected calculations\n\n```\nt_ms = 4,096 / 10^15 × 1000\n     ≈ 0.000000004 ms\n```\n\n# Other Tests\n\n# Test B-1 — b\n\n### Test case parameters\n\n* hidden_size `d` = **2880**\n* num_heads `h` = **32**\n* head_dim `dh` = **64**\n"
        )
    };
    let errors = |t: &str| -> Vec<String> {
        let index = mantile_diag::LineIndex::new(t);
        check_spec(t)
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                format!(
                    "{} {} {}",
                    index.line_of(d.range.start as usize) + 1,
                    d.rule.code,
                    d.message
                )
            })
            .collect()
    };
    // Test B-1 is in another section: the conventions above it do not
    // hold there.
    assert!(errors(&text("64", "1000")).is_empty());
    assert_eq!(
        errors(&text("62", "1000")),
        ["15 MT002 d is 1,024 here, but `h*dh` is 992 with the test's values"]
    );
    assert_eq!(
        errors(&text("64", "1800")),
        ["22 MT001 `1000` here, but `1800` in the same place of `flops / peak × 1800`"]
    );
}

#[test]
fn a_bare_value_that_continues_nothing_is_still_a_stated_value() {
    let steps = "* FLOPs = `2 * B * d = 4,096`\n\n**(b) Same**\nPer head: `(S×S) @ (S×dh)` → `2*S*S*dh`\n\n* = **4,097**\n\n* **flops_total = 4,096 + 4,096 = 8,192**";
    assert_eq!(findings(PARAMS, steps), ["16 MT011 error `4,097`"]);
}

#[test]
fn a_formula_written_two_ways_is_an_identity() {
    assert!(findings(PARAMS, "- Per expert: `u * v + v * u = 2 * u * v` elements").is_empty());
    assert_eq!(
        findings(PARAMS, "- Per expert: `u * v + v * u = 6 * u * v` elements"),
        ["11 MT001 error `6 * u * v` elements`"]
    );
    // Other names on each side: a definition, not an identity.
    assert!(findings(PARAMS, "- KV: `K + V = 2 * u * v` elements").is_empty());
}

#[test]
fn a_value_taken_from_another_test_is_found_there() {
    let text = |v: &str| {
        format!(
            "# Test G-1 — a\n\n### Test case parameters\n\n* hidden_size `d` = **1024**\n\n### Expected calculations\n\n* **kv_bytes = 262,144**\n\n# Test G-2 — b\n\n### Test case parameters\n\n* hidden_size `d` = **1024**\n\n### Expected calculations\n\n* total KV bytes from G-1 = {v}\n* **kv_per_chip = 65,536**\n"
        )
    };
    let errors = error_messages;
    assert!(errors(&text("262,144")).is_empty());
    assert_eq!(
        errors(&text("262,140")),
        [
            "262,140 appears nowhere in Test G-1 it is taken from, but 262,144, one digit away, does: a typo?"
        ]
    );
}

#[test]
fn the_summary_below_a_code_block_restates_its_result() {
    let steps = "```\ntotal_load_time_ms = weight_load + kv_load\n                   = 0.134 + 0.0336\n                   = 0.168 ms\n```\n\n**total_memory_load_time_ms ≈ {v} ms**\n\n#### Next\n";
    assert!(findings(PARAMS, &steps.replace("{v}", "0.168")).is_empty());
    assert_eq!(
        findings(PARAMS, &steps.replace("{v}", "0.671")),
        ["17 MT001 error `0.671 ms`"]
    );
    // Another quantity below the block: not its summary.
    assert!(
        findings(
            PARAMS,
            &steps.replace("total_memory_load_time_ms ≈ {v}", "flops_total = 4")
        )
        .is_empty()
    );
}

#[test]
fn a_division_by_zero_is_wrong_whatever_the_names() {
    assert_eq!(
        findings(PARAMS, "* **flops_per_chip = flops_total / 0 = 1,024**"),
        ["11 MT001 error `0`"]
    );
    assert!(findings(PARAMS, "* **flops_per_chip = flops_total / 4 = 1,024**").is_empty());
}

#[test]
fn a_value_restated_a_thousand_times_off_is_in_another_unit() {
    let at = |line: &str| findings(&format!("* `x` = **2**\n* {line}"), "");
    // Restated wrong, but in the same unit: an error.
    assert_eq!(at("y = 2,048 (2.1 KB)"), ["6 MT003 error `2.1 KB`"]);
    assert_eq!(at("y = 2,048 (2 MB)"), ["6 MT003 error `2 MB`"]);
    assert!(at("y = 2,048 (2 KB)").is_empty());
    // Off by a factor of 1000 or more either way: the text means another
    // unit than it says, not a miscalculation.
    assert!(at("y = 2,048 (2 GB)").is_empty());
    assert!(at("y = 2,048,000,000,000 (2 KB)").is_empty());
    // The bound itself is still a mismatch (1 KiB is 1,024 bytes only).
    assert_eq!(at("y = 1,024,000 (1 KiB)"), ["6 MT003 error `1 KiB`"]);
    assert!(at("y = 1,024,001 (1 KiB)").is_empty());
    assert_eq!(at("y = 2 (1 KiB)"), ["6 MT003 error `1 KiB`"]);
    assert!(at("y = 1 (1 KiB)").is_empty());
}

#[test]
fn a_literal_calculation_past_exact_arithmetic_is_compared_approximately() {
    let errors = |steps: &str| error_messages(&one_test(PARAMS, steps));
    assert_eq!(
        errors("* `10^30 * 10^30 = 1`"),
        ["`10^30 * 10^30` is about 1.000e60, not 1"]
    );
    assert!(errors("* `10^30 * 10^30 = 10^60`").is_empty());
    assert_eq!(
        errors("* `10^400 = 5`"),
        ["`10^400` is past any number (about inf), not 5"]
    );
    assert_eq!(
        errors("* `10^400 - 10^400 = 5`"),
        ["`10^400 - 10^400` has no value, but the other side is 5"]
    );
    // A division by zero is reported once, by its own check.
    assert_eq!(
        errors("* `1 / (2 - 2) = 5`"),
        ["`1 / (2 - 2)` divides by zero"]
    );
}

#[test]
fn num_chips_is_the_product_of_the_parallel_degrees() {
    assert_eq!(
        findings(
            "* tensor_parallel `tp` = **4**\n* context_parallel `cp` = **2**\n* num_chips = **4**",
            ""
        ),
        ["7 MT002 error `4`"]
    );
    assert!(
        findings(
            "* tensor_parallel `tp` = **4**\n* context_parallel `cp` = **2**\n* num_chips = **8**",
            ""
        )
        .is_empty()
    );
    // Sequence parallelism may share the tensor-parallel chips, or not.
    for chips in ["4", "8"] {
        let params = format!(
            "* tensor_parallel `tp` = **4**\n* sequence_parallel `sp` = **2**\n* num_chips = **{chips}**"
        );
        assert!(findings(&params, "").is_empty(), "{chips}");
    }
    let params =
        "* tensor_parallel `tp` = **4**\n* sequence_parallel `sp` = **2**\n* num_chips = **6**";
    assert_eq!(findings(params, ""), ["7 MT002 error `6`"]);
}

#[test]
fn a_parameter_every_use_of_which_fails_is_reported_where_it_is_written() {
    // `d` is 2048 where it is written; both calculations substitute 1024.
    let params = "* hidden_size `d` = **2048**\n* batch_size `B` = **2**";
    let steps = "* FLOPs = `2 * B * d = 2 * 2 * 1024 = 4,096`\n* X: `B * d = 2 * 1024 = 2,048`";
    let text = one_test(params, steps);
    let report = check_spec(&text);
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let d = errors[0];
    assert_eq!((d.rule.code, &text[d.range.as_range()]), ("MT002", "2048"));
    assert_eq!(
        d.message,
        "d is 2,048 here, but the 2 calculations that use it hold with d = 1,024"
    );
    assert_eq!(d.related.len(), 2);
    assert_eq!(d.fixes[0].edits[0].new_text, "1024");
    // The fix replaces the digits where the parameter is written.
    let fixed = mantile_diag::apply_edits(&text, &d.fixes[0].edits);
    assert!(fixed.contains("* hidden_size `d` = **1024**\n"), "{fixed}");
    // One use that fails and one that holds: the use is wrong.
    let steps = "* FLOPs = `2 * B * d = 2 * 2 * 1024 = 4,096`\n* X: `B * d = 2 * 2048 = 4,096`";
    assert_eq!(findings(params, steps), ["10 MT002 error `2 * 2 * 1024`"]);
}
