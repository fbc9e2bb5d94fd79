//! Edits that change no number change no finding: a calculation wrapped
//! over lines, written without spaces, or with its result in backticks
//! reads as it did, and a wrong digit in it is still caught.

use crate::check_spec;
use crate::test_support::one_test;
use mantile_diag::Severity;

const PARAMS: &str = "* hidden_size `d` = **1024**\n* batch_size `B` = **2**\n\
                      * intermediate_size `d_ff` = **4096**\n* tensor_parallel `tp` = **4**\n\
                      * bytes_per_elem = **2**";

/// The warning- and error-level findings of a one-test spec with `steps`
/// (the strict format's section warnings aside), as `line CODE text-at-range`.
fn findings(steps: &str) -> Vec<String> {
    let text = one_test(PARAMS, steps);
    let index = mantile_diag::LineIndex::new(&text);
    check_spec(&text)
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning && d.rule.code != "MT009")
        .map(|d| {
            let line = index.line_of(d.range.start as usize) + 1;
            format!("{line} {} `{}`", d.rule.code, &text[d.range.as_range()])
        })
        .collect()
}

/// The number of claims evaluated in a one-test spec with `steps`.
fn evaluated(steps: &str) -> usize {
    check_spec(&one_test(PARAMS, steps)).stats.claims_evaluated
}

#[test]
fn a_calculation_wrapped_over_lines_reads_whole() {
    // Each case holds as written; the same with a wrong result (the last
    // number) is an error on that number. The steps start on line 13.
    let cases = [
        // Wrapped after an operator, inside bold text.
        (
            "* **mem = 2,048 + 4,096 +\n  1,024 = 7,168**",
            "7,168",
            "7,169",
        ),
        // Wrapped after `=`, and before `×`.
        ("Total = `2 * B * d` =\n`4,096`", "4,096", "4,097"),
        ("Bytes = 2 * B * d\n× 2 = 8,192", "8,192", "8,193"),
        // Wrapped before `=`: the word before the break names the value.
        (
            "Elems = `B * d = 2,048` Bytes\n= `2,048 * 2 = 4,096`",
            "4,096",
            "4,196",
        ),
        // A byte count whose unit went to the next line, in bold and not.
        (
            "All-reduce: `B × d = 2,048` elements = **4,096\nbytes**",
            "4,096",
            "4,097",
        ),
        (
            "All-reduce: `B × d = 2,048` elements = 4,096\nbytes",
            "4,096",
            "4,097",
        ),
        // A conversion wrapped after its arrow.
        (
            "Output: `B × d = 2,048` elems ->\n4,096 bytes",
            "4,096",
            "4,097",
        ),
    ];
    for (steps, right, wrong) in cases {
        assert!(evaluated(steps) >= 1, "{steps}");
        assert_eq!(findings(steps), Vec::<String>::new(), "{steps}");
        let changed = steps.replacen(right, wrong, 1);
        let line = 13 + steps[..steps.find(right).unwrap()].matches('\n').count();
        let got = findings(&changed);
        assert!(
            got.iter()
                .any(|f| f.starts_with(&format!("{line} MT00"))
                    && f.ends_with(&format!("`{wrong}`"))),
            "{changed}: {got:?}"
        );
    }
}

#[test]
fn a_line_that_ends_a_statement_is_not_joined_to_the_next() {
    // A paragraph of two statements, one per line: two claims.
    let steps = "Total = `5 * B = 10`\nBytes = `10 * 2 = 20`";
    assert_eq!(evaluated(steps), 2);
    assert!(findings(steps).is_empty());
    assert_eq!(
        findings("Total = `5 * B = 10`\nBytes = `10 * 2 = 21`"),
        ["14 MT001 `21`"]
    );
}

#[test]
fn a_product_written_without_spaces_is_not_emphasis() {
    // CommonMark reads `*B*` in `2*B*d` as emphasis; the author meant a product.
    assert!(findings("* **x = 2*B*d = 4,096**").is_empty());
    assert_eq!(findings("* **x = 2*B*d = 4,097**"), ["13 MT002 `4,097`"]);
    assert!(findings("* **bytes = 2*256*1024*2 = 1,048,576**").is_empty());
    // Emphasis stays emphasis.
    assert!(findings("This is *not* a product: `2 * B = 4`").is_empty());
}

#[test]
fn a_calculation_in_plain_text_runs_into_its_result_in_code() {
    // `d_ff,local` is one name (a subscript), not `d_ff` and its symbol.
    let steps = "* d_ff,local = d_ff / tp = `1024`\n* `y = 2 * d_ff / tp = 2,048`";
    assert!(findings(steps).is_empty());
    assert_eq!(evaluated(steps), 2);
    assert_eq!(
        findings("* d_ff,local = d_ff / tp = `1025`\n* `y = 2 * d_ff / tp = 2,048`"),
        ["13 MT002 `1025`"]
    );
}

#[test]
fn a_value_below_a_definition_is_not_its_result() {
    // `S_local = S / cp` is a definition; `T=1` below it is another name's
    // value, not its result.
    let steps = "* `S_local = d / tp`\n\n* Decode step has `T=1` query token per sequence,";
    assert!(findings(steps).is_empty());
    // Another value of the same name is an error.
    assert_eq!(
        findings("* `S_local = d / tp`\n* `S_local = 255`"),
        ["14 MT002 `255`"]
    );
}
