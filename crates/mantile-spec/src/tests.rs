//! Fixture tests: one small spec per behaviour, the findings as a snapshot.
//! Refresh snapshots with `UPDATE_EXPECT=1 cargo test -p mantile-spec`.

use crate::{ClaimStatus, check_spec, claim_at, eval_expr};
use expect_test::{Expect, expect};
use mantile_diag::{LineIndex, PositionEncoding, apply_edits};

/// Diagnostics as `line:col severity CODE message [fix: ...]`, then the stats.
fn render(text: &str) -> String {
    let report = check_spec(text);
    let index = LineIndex::new(text);
    let mut out = String::new();
    for d in &report.diagnostics {
        let lc = index.line_col(text, d.range.start as usize, PositionEncoding::Utf8);
        out.push_str(&format!(
            "{}:{} {} {} {} `{}`",
            lc.line + 1,
            lc.col + 1,
            d.severity,
            d.rule.code,
            d.message,
            &text[d.range.as_range()]
        ));
        for f in &d.fixes {
            out.push_str(&format!(" [fix: {} → {:?}]", f.title, f.edits[0].new_text));
        }
        out.push('\n');
    }
    out.push_str(&format!("{}\n", report.stats));
    out
}

fn check(text: &str, expect: Expect) {
    expect.assert_eq(&render(text));
}

/// Only the error-level findings.
fn errors(text: &str) -> Vec<String> {
    check_spec(text)
        .diagnostics
        .iter()
        .filter(|d| d.severity == mantile_diag::Severity::Error)
        .map(|d| format!("{} {}", d.rule.code, &text[d.range.as_range()]))
        .collect()
}

#[test]
fn inline_code_chain_wrong_result_is_an_error_with_a_fix() {
    let text = "* FLOPs = `2 * 4 * 512 * 128 * 2 = 2,097,152`\n";
    check(
        text,
        expect![[r#"
            1:36 error MT001 `2 * 4 * 512 * 128 * 2` is 1,048,576, not 2,097,152 `2,097,152` [fix: Replace with 1,048,576 → "1,048,576"]
            claims found 1, evaluated 1, failing 1
        "#]],
    );
    let report = check_spec(text);
    let fixed = apply_edits(text, &report.diagnostics[0].fixes[0].edits);
    assert_eq!(fixed, "* FLOPs = `2 * 4 * 512 * 128 * 2 = 1,048,576`\n");
    assert!(check_spec(&fixed).diagnostics.is_empty());
}

#[test]
fn bold_chain_uses_bound_names() {
    check(
        "# Test A-1 — x\n\n### Test case parameters\n\n* num_chips = **4**\n\n### Expected calculations\n\n* `flops_total = 2,281,701,376`\n* **flops_per_chip = flops_total / num_chips = 570,425,344**\n* **flops_per_chip = flops_total / 4 = 570,425,345**\n",
        expect![[r#"
            1:1 warning MT009 the strict test format asks for an `## Overview` section `# Test A-1 — x
            `
            1:1 warning MT009 the strict test format asks for a `## Test Summary` table `# Test A-1 — x
            `
            1:1 warning MT009 the strict test format asks for a `## Conventions Used in All Tests` section `# Test A-1 — x
            `
            1:1 warning MT009 Test A-1 lacks ### Expected results (strict test format) `# Test A-1 — x
            `
            11:40 error MT002 `570,425,345` is 570,425,345, but `flops_total / 4` is 570,425,344 with flops_total = 2,281,701,376 `570,425,345` [fix: Replace with 570,425,344 → "570,425,344"]
            claims found 2, evaluated 2, failing 1
        "#]],
    );
}

#[test]
fn bullet_starting_with_equals_continues_the_claim() {
    check(
        "* FLOPs per projection = `2 * 256 * 1024 * 1024`\n* = `536,870,912`\n* = **536,870,913**\n",
        expect![[r#"
            3:7 error MT001 `2 * 256 * 1024 * 1024` is 536,870,912, not 536,870,913 `536,870,913` [fix: Replace with 536,870,912 → "536,870,912"]
            claims found 1, evaluated 1, failing 1
        "#]],
    );
}

#[test]
fn continuation_lines_in_plain_paragraphs_and_formula_blocks() {
    check(
        "Arithmetic intensity = FLOPs / Bytes loaded\n= 2,199,023,255,552 / 268,435,456\n= **8192 FLOPs/byte**\n\n```\nt_ms = (268,435,456 / 10^12) × 1000\n     = 0.000268... × 1000\n     = 0.269 ms\n```\n\n```python\nx = 2 * 3  # = 7, not arithmetic to check\n```\n",
        expect![[r#"
            8:8 error MT001 `(268,435,456 / 10^12) × 1000` is 0.268435456, not 0.269 `0.269` [fix: Replace with 0.268 → "0.268"]
            claims found 2, evaluated 2, failing 1
        "#]],
    );
}

#[test]
fn several_claims_on_one_line() {
    check(
        "* `128*128=16,384`, `16,384*64=1,048,577`, `2*2*16=64`\n* = `64 * 1,048,576 = 67,108,864`\n",
        expect![[r#"
            1:32 error MT001 `16,384*64` is 1,048,576, not 1,048,577 `1,048,577` [fix: Replace with 1,048,576 → "1,048,576"]
            claims found 4, evaluated 4, failing 1
        "#]],
    );
}

#[test]
fn arrow_converts_elements_to_bytes() {
    check(
        "* `bytes_per_elem = 2`\n\n* X: `M_q×d = 2×1024 = 2,048 elems` → 4,096 B\n* Y: `2,048` elems → **4,098 bytes**\n* K: `256*64=16,384` → 32,768 B\n* no conversion: `(S×dh) @ (dh×S)` → `2*S*S*dh`\n",
        expect![[r#"
            4:26 error MT003 2,048 elements × 2 bytes is 4,096 bytes, not 4,098 `4,098` [fix: Replace with 4,096 → "4,096"]
            claims found 5, evaluated 5, failing 1
        "#]],
    );
}

#[test]
fn operators_separators_and_functions() {
    check(
        "* `3 × 4 · 2 x 5 = 120`\n* `2^10 - (24 / 3) + 1_000 = 2_016`\n* `max(0.137, 0.178) = 0.178`\n* `2,048 * softmax_stat_bytes(4) = 8,192`\n* `-2 + 5 = 3`\n* `10^3 = 1_001`\n",
        expect![[r#"
            6:11 error MT001 `10^3` is 1,000, not 1_001 `1_001` [fix: Replace with 1_000 → "1_000"]
            claims found 6, evaluated 6, failing 1
        "#]],
    );
}

#[test]
fn decimals_compare_at_the_stated_precision() {
    check(
        "* `16,777,216 / 10^11 × 1000 = 0.168`\n* `0.01 + 0.168 = 0.178`\n* `0.000067 + 0.101 ≈ 0.101`\n* `(65,536 / 10^11) × 1000 = 0.000655... ≈ 0.000656`\n* `65,536 / 10^8 = 0.000656`\n* `0.137 + 0.178 = 0.316`\n* `(2,199,023,255,552 / 10^15) × 1000 = 2.199... × 1000 = 2.199`\n* `1.5 × 2 = ~3`\n",
        expect![[r#"
            5:20 error MT001 `65,536 / 10^8` is 0.00065536, not 0.000656 `0.000656` [fix: Replace with 0.000655 → "0.000655"]
            7:42 error MT001 `2.199... × 1000` is ≈2,199, but `(2,199,023,255,552 / 10^15) × 1000` is 2.1990232556 `2.199... × 1000`
            claims found 8, evaluated 8, failing 2
        "#]],
    );
}

#[test]
fn units_scale_and_label() {
    check(
        "* `1.1 TFLOPs = 1,100,000,000,000`\n* `2 GFLOPs = 2,000,000,001`\n* `2 MiB = 2,097,152`\n* `4 KiB = 4,096 bytes`\n* `128 MB = 134,217,728` (MB has no fixed base: not evaluated)\n* `0.5 ms = 0.5` and `3 µs = 0.003` (µs: not evaluated)\n",
        expect![[r#"
            2:15 error MT001 `2 GFLOPs` is 2,000,000,000, not 2,000,000,001 `2,000,000,001` [fix: Replace with 2,000,000,000 → "2,000,000,000"]
            claims found 7, evaluated 5, failing 1
        "#]],
    );
}

#[test]
fn non_ascii_text_around_claims() {
    check(
        "* Größe für QKᵀ — `2 × 3 = 7` ✓, danach `4·4=16` ⇒ gut\n* 注意: `1,024 × 2 = 2,048` 字节\n* emoji 🚀 **x_total = 10 + 5 = 16** 🎯\n",
        expect![[r#"
            1:36 error MT001 `2 × 3` is 6, not 7 `7` [fix: Replace with 6 → "6"]
            3:35 error MT001 `10 + 5` is 15, not 16 `16` [fix: Replace with 15 → "15"]
            claims found 4, evaluated 4, failing 2
        "#]],
    );
}

#[test]
fn formula_and_substituted_numbers_disagree() {
    // A factor dropped from the numbers substituted into the formula.
    check(
        "# Test GQA-1 — x\n\n### Test case parameters\n\n* batch_size `B` = **2**\n* seq_len `S` = **128**\n* hidden_size `d` = **256**\n* bytes_per_elem = **2**\n\n### Expected calculations\n\n* KV bytes = `2 * B * S * d * bytes = 2 * 128 * 256 * 2 = 131,072`\n* KV elems = `2 * B * S * d = 131,072`\n* X: `B * S * d` = 131,072 bytes\n",
        expect![[r#"
            1:1 warning MT009 the strict test format asks for an `## Overview` section `# Test GQA-1 — x
            `
            1:1 warning MT009 the strict test format asks for a `## Test Summary` table `# Test GQA-1 — x
            `
            1:1 warning MT009 the strict test format asks for a `## Conventions Used in All Tests` section `# Test GQA-1 — x
            `
            1:1 warning MT009 Test GQA-1 lacks ### Expected results (strict test format) `# Test GQA-1 — x
            `
            12:39 error MT002 `2 * 128 * 256 * 2` is 131,072, but `2 * B * S * d * bytes` is 262,144 with B = 2, S = 128, d = 256, bytes = 2 `2 * 128 * 256 * 2`
            claims found 3, evaluated 3, failing 1
        "#]],
    );
}

/// Found by fuzzing: the range of an unresolved "Same as" came from the
/// line's first `Same` word, not from the "Same as" that was read, and could
/// end inside a character.
#[test]
fn an_unresolved_same_as_is_marked_where_it_is_written() {
    let text = "# Test T-1 — x\n\n### Test case parameters\n\nSame s`mꆒ 4,096 Same as B, and Same as Test ZZ-9\n\n* `d` = **2**\n";
    let report = check_spec(text);
    let marked: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule.code == "MT010")
        .map(|d| &text[d.range.as_range()])
        .collect();
    assert_eq!(marked, ["Same as B"]);
    let text = "# Test T-1 — x\n\n### Test case parameters\n\n×× Same as Test ZZ-9, except:\n";
    let report = check_spec(text);
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "MT010")
        .unwrap();
    assert_eq!(&text[d.range.as_range()], "Same as Test ZZ-9");
}

#[test]
fn derived_values_and_same_as_inheritance() {
    check(
        "# Test MHA-1 — base\n\n### Test case parameters\n\n* hidden_size `d` = **1024**\n* batch_size `B` = **2**\n* seq_len `S` = **128**\n\nDerived:\n\n* `M = B*S = 256`\n\n### Expected calculations\n\n* `2 * M * d = 524,288`\n\n---\n\n# Test MHA-2 — TP\n\n### Test case parameters\n\nSame as Test MHA-1, except:\n\n* tensor_parallel `tp` = **4**\n\n### Expected calculations\n\n* `2 * M * d / tp = 131,072`\n* `M * d / tp = 65,537`\n\n# Test MHA-3 — unknown base\n\n### Test case parameters\n\nSame as Test ZZ-9, except:\n\n* tp = **2**\n",
        expect![[r#"
            1:1 warning MT009 the strict test format asks for an `## Overview` section `# Test MHA-1 — base
            `
            1:1 warning MT009 the strict test format asks for a `## Test Summary` table `# Test MHA-1 — base
            `
            1:1 warning MT009 the strict test format asks for a `## Conventions Used in All Tests` section `# Test MHA-1 — base
            `
            1:1 warning MT009 Test MHA-1 lacks ### Expected results (strict test format) `# Test MHA-1 — base
            `
            19:1 warning MT009 Test MHA-2 lacks ### Expected results (strict test format) `# Test MHA-2 — TP
            `
            30:17 error MT002 `65,537` is 65,537, but `M * d / tp` is 65,536 with M = 256, d = 1,024, tp = 4 `65,537` [fix: Replace with 65,536 → "65,536"]
            32:1 warning MT009 Test MHA-3 lacks ### Expected calculations, ### Expected results (strict test format) `# Test MHA-3 — unknown base
            `
            36:1 info MT010 "Same as ZZ-9" names no earlier test; its values are not inherited `Same as Test ZZ-9`
            claims found 4, evaluated 4, failing 1
        "#]],
    );
}

#[test]
fn expected_results_disagree_with_the_steps() {
    // Test X-1: the steps compute the total; the Expected results are stale.
    // Test X-2: a step states a stale value; Expected results are right.
    check(
        "# Test X-1 — a\n\n### Test case parameters\n\n* num_chips = **4**\n\n### Expected calculations\n\n* flops_total = `100 + 28 = 128`\n* **flops_total = 128**\n\n### Expected results\n\n**Per-chip metrics**\n\n* flops_per_chip: **32**\n\n**Aggregate metrics**\n\n* flops_total: **127**\n\n---\n\n# Test X-2 — b\n\n### Test case parameters\n\n* num_chips = **2**\n\n### Expected calculations\n\n* `a = 10 + 6 = 16`\n* **flops_per_chip = 15**\n* **flops_total = 2 * 15 = 30**\n* **compute_time_ms ≈ 0.134 ms**\n\n### Expected results\n\n**Per-chip metrics**\n\n* flops_per_chip: **16**\n* compute_time_ms: **≈0.168**\n\n**Aggregate metrics**\n\n* flops_total: **32**\n",
        expect![[r#"
            1:1 warning MT009 the strict test format asks for an `## Overview` section `# Test X-1 — a
            `
            1:1 warning MT009 the strict test format asks for a `## Test Summary` table `# Test X-1 — a
            `
            1:1 warning MT009 the strict test format asks for a `## Conventions Used in All Tests` section `# Test X-1 — a
            `
            20:18 error MT004 Test X-1: Expected results give flops_total = 127, but the steps compute 128 `127` [fix: Set flops_total to 128 → "128"]
            33:22 error MT004 Test X-2: the steps state flops_per_chip = 15, but Expected results give 16 `15` [fix: Set flops_per_chip to 16 → "16"]
            34:28 error MT004 Test X-2: the steps state flops_total = 30, but Expected results give 32 `30`
            35:25 warning MT004 Test X-2: the steps state compute_time_ms = ≈0.134, but Expected results give ≈0.168 `0.134 ms`
            claims found 3, evaluated 3, failing 0
        "#]],
    );
}

#[test]
fn summary_table_rows_match_the_tests() {
    check(
        "# Layer Tests\n\n## Test Summary\n\n| Test | Config | Hidden | FLOPs/chip | KV Cache/chip | Comm |\n|------|--------|--------|-----------:|---------:|------|\n| T-1 | base | 1024 | 6.93B | 256KB | 1,048,576 |\n| T-2 | TP=4 | 512 | 1.7B | 64KB | 524,288 |\n| T-9 | gone | 1 | 1 | 1 | 1 |\n\n# Test T-1 — a\n\n### Test case parameters\n\n* hidden_size `d` = **1024**\n\n### Expected results\n\n* flops_per_chip: **6930014208**\n* kv_cache_per_chip: **262144**\n* communication_bytes: **1048576**\n\n# Test T-2 — b\n\n### Test case parameters\n\n* hidden_size `d` = **1024**\n\n### Expected results\n\n* flops_per_chip: **1732503552**\n* kv_cache_per_chip: **65536**\n* communication_bytes: **1048576**\n\n# Test T-3 — c\n",
        expect![[r#"
            1:1 warning MT009 the strict test format asks for an `## Overview` section `# Layer Tests
            `
            1:1 warning MT009 the strict test format asks for a `## Conventions Used in All Tests` section `# Layer Tests
            `
            8:16 error MT005 the summary gives Test T-2 Hidden = 512, but the test has hidden_size = 1,024 `512` [fix: Set to 1024 → "1024"]
            8:36 error MT005 the summary gives Test T-2 Comm = 524,288, but the test has communication_bytes = 1,048,576 `524,288` [fix: Set to 1,048,576 → "1,048,576"]
            9:2 warning MT006 the summary lists Test T-9, but the file has no such test ` T-9 `
            11:1 warning MT009 Test T-1 lacks ### Expected calculations, **Per-chip metrics**, **Aggregate metrics** (strict test format) `# Test T-1 — a
            `
            23:1 warning MT009 Test T-2 lacks ### Expected calculations, **Per-chip metrics**, **Aggregate metrics** (strict test format) `# Test T-2 — b
            `
            35:1 warning MT006 Test T-3 is not in the Test Summary table `# Test T-3 — c
            `
            35:1 warning MT009 Test T-3 lacks ### Test case parameters, ### Expected calculations, ### Expected results (strict test format) `# Test T-3 — c
            `
            claims found 0, evaluated 0, failing 0
        "#]],
    );
}

#[test]
fn test_ids_duplicate_out_of_order_or_skipped() {
    check(
        "# Test CP-2 — b\n\n# Test CP-1 — a\n\n# Test CP-3 — c\n\n# Test CP-3a — c variant\n\n# Test CP-3 — again\n\n# Test CP-6 — f\n\n## Test 0: old style\n",
        expect![[r#"
            1:1 warning MT009 the strict test format asks for an `## Overview` section `# Test CP-2 — b
            `
            1:1 warning MT009 the strict test format asks for a `## Test Summary` table `# Test CP-2 — b
            `
            1:1 warning MT009 the strict test format asks for a `## Conventions Used in All Tests` section `# Test CP-2 — b
            `
            1:1 warning MT009 Test CP-2 lacks ### Test case parameters, ### Expected calculations, ### Expected results (strict test format) `# Test CP-2 — b
            `
            3:1 warning MT008 Test CP-1 comes after CP-2; IDs should increase `# Test CP-1 — a
            `
            3:1 warning MT009 Test CP-1 lacks ### Test case parameters, ### Expected calculations, ### Expected results (strict test format) `# Test CP-1 — a
            `
            5:1 warning MT009 Test CP-3 lacks ### Test case parameters, ### Expected calculations, ### Expected results (strict test format) `# Test CP-3 — c
            `
            7:1 warning MT009 Test CP-3a lacks ### Test case parameters, ### Expected calculations, ### Expected results (strict test format) `# Test CP-3a — c variant
            `
            9:1 error MT007 Test CP-3 appears twice `# Test CP-3 — again
            `
            9:1 warning MT009 Test CP-3 lacks ### Test case parameters, ### Expected calculations, ### Expected results (strict test format) `# Test CP-3 — again
            `
            11:1 warning MT008 test IDs skip from CP-3 to CP-6: CP-4, CP-5 missing `# Test CP-6 — f
            `
            11:1 warning MT009 Test CP-6 lacks ### Test case parameters, ### Expected calculations, ### Expected results (strict test format) `# Test CP-6 — f
            `
            13:1 warning MT009 Test 0 lacks ### Test case parameters, ### Expected calculations, ### Expected results (strict test format) `## Test 0: old style
            `
            claims found 0, evaluated 0, failing 0
        "#]],
    );
}

#[test]
fn strict_format_sections_are_warnings() {
    check(
        "# MLP Tests\n\n## Overview\n\nx\n\n## Conventions Used in All Tests\n\n* `bytes_per_elem = 2`\n\n# Test M-1 — complete\n\n### Test case parameters\n\n* num_chips = **1**\n\n### Expected calculations (step-by-step)\n\nx\n\n### Expected results\n\n**Per-chip metrics**\n\n* flops_per_chip: **1**\n\n**Aggregate metrics**\n\n* flops_total: **1**\n\n# Test M-2 — old format\n\n### Configuration\n\n- Batch Size: 1\n",
        expect![[r#"
            1:1 warning MT009 the strict test format asks for a `## Test Summary` table `# MLP Tests
            `
            31:1 warning MT009 Test M-2 lacks ### Test case parameters, ### Expected calculations, ### Expected results (strict test format) `# Test M-2 — old format
            `
            claims found 0, evaluated 0, failing 0
        "#]],
    );
}

#[test]
fn replication_is_not_an_error_unless_a_wrong_product_is_stated() {
    // A router copied on every chip: per chip x chips != total, and the text
    // does not claim otherwise.
    let text = "# Test R-1 — x\n\n### Test case parameters\n\n* num_chips = **4**\n\n### Expected calculations\n\n* **weight_memory_per_chip = 16,384 + 33,554,432 = 33,570,816**\n* **weight_memory_total = 4 * 16,384 + 134,217,728 = 134,283,264** (router replicated)\n\n### Expected results\n\n* weight_memory_per_chip: **33570816**\n* weight_memory_total: **134283264**\n";
    assert_eq!(errors(text), Vec::<String>::new());
    let wrong = text.replace("= 134,283,264**", "= 134,283,265**");
    assert_eq!(errors(&wrong), ["MT001 134,283,265"]);
}

#[test]
fn unevaluable_claims_are_counted_not_reported() {
    check(
        "* `flops_total = QKV + scores + applyV + outproj`\n* = `1 + 2 + 3 + 4`\n* `d = h*dh`\n* `Q = X Wq`\n* `unknown_a = unknown_b = 3`\n",
        expect![[r#"
            claims found 2, evaluated 0, failing 0
        "#]],
    );
}

#[test]
fn claims_expose_range_value_and_bindings() {
    let text = "# Test H-1 — x\n\n### Test case parameters\n\n* batch_size `B` = **2**\n* seq_len `S` = **128**\n\n### Expected calculations\n\n* `M = B*S = 256`\n";
    let report = check_spec(text);
    let at = text.find("B*S").unwrap() + 1;
    let claim = claim_at(&report, at).expect("a claim at the cursor");
    assert_eq!(&text[claim.range.as_range()], "M = B*S = 256");
    assert_eq!(claim.status, ClaimStatus::Ok);
    assert_eq!(claim.display(), "256");
    assert_eq!(claim.target(text), Some("M"));
    let names: Vec<(&str, String, &str)> = report
        .bindings(claim)
        .iter()
        .map(|b| {
            (
                b.name(text),
                b.value.display(),
                &text[b.bound_at.as_range()],
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("B", "2".to_string(), "B` = **2"),
            ("S", "128".to_string(), "S` = **128")
        ]
    );
    assert_eq!(report.tests[0].id, "H-1");
    assert!(claim_at(&report, 0).is_none());
}

#[test]
fn eval_expr_is_a_small_public_helper() {
    assert_eq!(
        eval_expr("2 * 4 * 512 * 128 * 2").and_then(|r| r.as_integer()),
        Some(1_048_576)
    );
    assert_eq!(
        eval_expr("(2,199,023,255,552 / 10^15) × 1000").map(|r| r.to_decimal_string(6)),
        Some("2.199023".to_string())
    );
    assert_eq!(eval_expr("2 * M"), None);
}

#[test]
fn values_beyond_f64_precision_stay_exact() {
    check(
        "* `123,456,789,012,345 * 1,000 + 1 = 123,456,789,012,345,001`\n* `123,456,789,012,345 * 1,000 + 1 = 123,456,789,012,345,000`\n* `10^30 * 10^30 = 1`\n",
        expect![[r#"
            2:38 error MT001 `123,456,789,012,345 * 1,000 + 1` is 123,456,789,012,345,001, not 123,456,789,012,345,000 `123,456,789,012,345,000` [fix: Replace with 123,456,789,012,345,001 → "123,456,789,012,345,001"]
            3:4 error MT001 `10^30 * 10^30` is about 1.000e60, not 1 `10^30 * 10^30`
            claims found 3, evaluated 3, failing 2
        "#]],
    );
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "",
        "=",
        "= = =",
        "`",
        "**",
        "* = **",
        "`1 / 0 = 5`",
        "`((((((((((1))))))))))= 1`",
        "# Test",
        "# Test -1",
        "| Test |\n|---|\n| X-1 |",
        "`99999999999999999999999999999999999999999 = 1`",
        "→ → -> 5 B",
        "≈~≈ 0.000... = ...",
        "\u{feff}# Test A-1 — x\r\n\r\n* `2 × 3 = 6`\r\n",
        "`2^-3 = 0.125` `0^-1 = 1` `(-2)^129 = 1`",
    ] {
        let _ = check_spec(text);
    }
}

/// A bounded randomized stress run (fixed seed): mutated fragments of spec
/// Markdown must never make the checker panic.
#[test]
fn stress_mutated_markdown_never_panics() {
    let snippets = [
        "# Test MHA-1 — x\n",
        "### Test case parameters\n",
        "* hidden_size `d` = **1024**\n",
        "* `M = B*S = 256`\n",
        "* = `2 * 256 * 1024 * 1024 = 536,870,912`\n",
        "* X: `M×d = 2×1024 = 2,048 elems` → 4,096 B\n",
        "### Expected results\n",
        "* flops_per_chip: **≈2.199**\n",
        "| Test | FLOPs/chip |\n|---|---|\n| MHA-1 | 6.93B |\n",
        "```\nt = (1 / 10^15) × 1000\n  = 0.001... ms\n```\n",
        "Same as Test A, except:\n",
        "**flops_total = 4 * 570,425,344 = 2,281,701,376**\n",
        "QKᵀ → ≈ ~ µs 🚀 (since 16*64 = 1024)\n",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet: Vec<char> = "=*`_,.~≈→-x×^()[]|#:0123456789 \nabBdMS".chars().collect();
    for _ in 0..3_000 {
        let mut doc = String::new();
        for _ in 0..(next() % 8 + 1) {
            doc.push_str(snippets[(next() % snippets.len() as u64) as usize]);
        }
        let mut chars: Vec<char> = doc.chars().collect();
        for _ in 0..(next() % 6) {
            if chars.is_empty() {
                break;
            }
            let i = (next() % chars.len() as u64) as usize;
            match next() % 3 {
                0 => {
                    chars.remove(i);
                }
                1 => chars.insert(i, alphabet[(next() % alphabet.len() as u64) as usize]),
                _ => chars[i] = alphabet[(next() % alphabet.len() as u64) as usize],
            }
        }
        let doc: String = chars.into_iter().collect();
        let report = check_spec(&doc);
        for d in &report.diagnostics {
            assert!(
                doc.get(d.range.as_range()).is_some(),
                "bad range in {doc:?}"
            );
        }
    }
}

#[test]
fn values_restated_in_larger_units() {
    check(
        "* Total bytes = `134,217,728 × 2 = 268,435,456` bytes (256 MB)\n* GEMM: **1,099,511,627,776** (≈1.1 TFLOPs)\n* `x = 0.000168 ms` (168 nanoseconds), `y = 0.000042 ms` (42 ns)\n* **kv = 536,870,912 bytes** (512 MB!)\n* **w = 33,554,432** (16 MB)\n* **f = 77,309,411,328** (≈7.73 GFLOPs)\n",
        expect![[r#"
            5:23 error MT003 33,554,432 is 32 MB, not 16 MB `16 MB`
            6:30 error MT003 77,309,411,328 is 77.31 GFLOPs, not 7.73 GFLOPs `7.73 GFLOPs`
            claims found 8, evaluated 8, failing 2
        "#]],
    );
}

#[test]
fn lines_that_may_hold_claims() {
    use crate::check::may_claim;
    for yes in ["a = b", "x ≈ 2", "~3", "4 → 8", "4 -> 8"] {
        assert!(may_claim(yes), "{yes}");
    }
    for no in [
        "plain prose",
        "a - b > c",
        "QKᵀ",
        "⇒ and ≠",
        "…",
        "-",
        "x -",
        "—",
    ] {
        assert!(!may_claim(no), "{no}");
    }
    assert!(may_claim("a-b - c -> d"));
}

#[test]
fn find_str_agrees_with_str_find() {
    use crate::check::find_str;
    for (hay, needle) in [
        ("Same as Test A", "Same as "),
        ("SameSame as B", "Same as "),
        ("× Same as ×", "Same as "),
        ("Sam", "Same as "),
        ("", "x"),
        ("metrics", "metrics"),
        ("abc", ""),
    ] {
        assert_eq!(
            find_str(hay, needle),
            hay.find(needle).filter(|_| !needle.is_empty()),
            "{hay:?} {needle:?}"
        );
    }
}

#[test]
fn claims_in_table_cells_with_inline_code_are_checked() {
    let text = "# T\n\n| Component | Formula | Example |\n|---|---|---|\n| Router | 2 * M * d * E | `2 * 128 * 64 * 8 = 262,144` |\n| Bias | M × d | `128 × 64 = 8,192` |\n\n| Test | Key Params |\n|---|---|\n| 1 | d=1024, M=256 |\n";
    let r = check_spec(text);
    // The second table's plain cells bind nothing and claim nothing.
    let msgs: Vec<String> = r
        .diagnostics
        .iter()
        .filter(|d| d.rule.code != "MT006")
        .map(|d| {
            format!(
                "{} {:?}: {}",
                d.rule.code,
                &text[d.range.as_range()],
                d.message
            )
        })
        .collect();
    assert_eq!(
        msgs,
        [r#"MT001 "262,144": `2 * 128 * 64 * 8` is 131,072, not 262,144"#]
    );
    assert_eq!(
        (
            r.stats.claims_found,
            r.stats.claims_evaluated,
            r.stats.claims_failing
        ),
        (2, 2, 1)
    );
}
