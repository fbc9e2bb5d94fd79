//! Gap-report fixtures: one complete report, and one defect per test.

use super::*;
use expect_test::{Expect, expect};
use mantile_diag::LineIndex;

const REPORT: &str = "# Gap Report: Router Gate

**Severity**: HIGH
**Gap Type**: MoE

## Example Tensors

```
model.layers.0.mlp.gate.weight: [8, 64]
model.layers.0.self_attn.o_proj.weight: [64, 128]
```

## Tensor Analysis

### Tensor: model.layers.0.mlp.gate.weight

**What it is**: the router.
**Why it's unusual**: no dense layer has it.
**Architectural interpretation**: top-k routing.
**Impact on implementation**:
  - FLOPs: `2 * M * d * E`
  - Memory: `d * E = 64 * 8 = 512` elements

## Dimension Mismatch Analysis

None: every tensor has the standard shape.

## Implementation Guidance

Recommended base class: `Layer`. Methods to override: `compute_flops()`. New constructor parameters: `num_experts`. Special handling: top-k.

## Impact Summary

| Component | FLOPs | Memory |
|-----------|-------|--------|
| Router | `2 * 128 * 64 * 8 = 131,072` | `64 * 8 * 2 = 1,024` bytes |

## Documentation References

- Switch Transformers: https://arxiv.org/abs/2101.03961

## Parallelism Strategies

Expert parallelism with an all-to-all before and after the experts.
";

const SUITE_PATH: &str = "tests/router_tests.md";

fn workspace(tests: &[&str]) -> GapWorkspace {
    GapWorkspace {
        refs: vec![GapRef {
            config: "backend/data/model_configs/o_m.json".into(),
            layer: "router".into(),
            class: "RouterGateLayer".into(),
            count: Some(2),
            report: Some("model_builder/gaps/router.md".into()),
            marked_unsupported: true,
            dims: Dims {
                hidden_size: Some(64),
                heads: Some(4),
                kv_heads: Some(2),
                head_dim: Some(32),
                num_experts: Some(8),
                ..Dims::default()
            },
        }],
        suites: [(
            SUITE_PATH.to_string(),
            Suite {
                path: SUITE_PATH.into(),
                tests: tests
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (format!("RG-{}", i + 1), t.to_string()))
                    .collect(),
                ..Suite::default()
            },
        )]
        .into_iter()
        .collect(),
    }
}

const GOOD_TESTS: &[&str] = &[
    "Router, single chip",
    "Router, TP = 4",
    "Router decode, single chip",
];

fn check(text: &str, ws: &GapWorkspace, expect: Expect) {
    let diags = check_gap_report(
        text,
        &GapContext {
            path: "model_builder/gaps/router.md",
            workspace: Some(ws),
        },
    );
    let idx = LineIndex::new(text);
    let mut out = String::new();
    for d in diags {
        let lc = idx.line_col(
            text,
            d.range.start as usize,
            mantile_diag::PositionEncoding::Utf32,
        );
        out.push_str(&format!(
            "{} {} {}:{} {:?}: {}\n",
            d.rule.code,
            d.severity,
            lc.line + 1,
            lc.col + 1,
            &text[d.range.as_range()],
            d.message
        ));
    }
    expect.assert_eq(&out);
}

#[test]
fn complete_report_with_a_suite_has_no_findings() {
    check(REPORT, &workspace(GOOD_TESTS), expect![""]);
}

#[test]
fn missing_sections_point_at_the_title() {
    let text = REPORT.replace("## Parallelism Strategies\n\nExpert parallelism with an all-to-all before and after the experts.\n", "");
    check(
        &text,
        &workspace(GOOD_TESTS),
        expect![[r####"
            GR001 error 1:1 "# Gap Report: Router Gate": gap report lacks §4.7 Parallelism Strategies: how the layer is parallelized and its communication patterns
        "####]],
    );
    let text = REPORT.replace(
        "### Tensor: model.layers.0.mlp.gate.weight",
        "### The router",
    );
    check(
        &text,
        &workspace(GOOD_TESTS),
        expect![[r####"
            GR001 error 1:1 "# Gap Report: Router Gate": gap report lacks §4.2 Tensor Analysis: add a `### Tensor: <name>` section for each unusual tensor (What it is, Why it's unusual, Architectural interpretation, Impact on FLOPs, memory and KV cache)
        "####]],
    );
}

#[test]
fn incomplete_sections_are_warnings_on_their_heading() {
    let text = REPORT
        .replace("**Why it's unusual**: no dense layer has it.\n", "")
        .replace(
            "- Switch Transformers: https://arxiv.org/abs/2101.03961",
            "- vLLM: fused_moe",
        )
        .replace(
            "with an all-to-all before and after the experts",
            "across chips",
        );
    check(
        &text,
        &workspace(GOOD_TESTS),
        expect![[r####"
            GR002 warning 15:1 "### Tensor: model.layers.0.mlp.gate.weight": tensor analysis "Tensor: model.layers.0.mlp.gate.weight" lacks: Why it's unusual (§4.2)
            GR002 warning 37:1 "## Documentation References": §4.6 Documentation References lacks: at least one paper (an arXiv, DOI or proceedings link)
            GR002 warning 41:1 "## Parallelism Strategies": §4.7 Parallelism Strategies lacks: a communication pattern (all-reduce, all-gather, all-to-all or reduce-scatter)
        "####]],
    );
}

#[test]
fn wrong_numbers_are_recomputed() {
    let text = REPORT.replace("`d * E = 64 * 8 = 512`", "`d * E = 64 * 8 = 1,024`");
    check(
        &text,
        &workspace(GOOD_TESTS),
        expect![[r#"
        MT001 error 22:31 "1,024": `64 * 8` is 512, not 1,024
    "#]],
    );
    // Also in the impact summary's table cells.
    let text = REPORT.replace(
        "`2 * 128 * 64 * 8 = 131,072`",
        "`2 * 128 * 64 * 8 = 262,144`",
    );
    check(
        &text,
        &workspace(GOOD_TESTS),
        expect![[r#"
        MT001 error 36:32 "262,144": `2 * 128 * 64 * 8` is 131,072, not 262,144
    "#]],
    );
}

#[test]
fn tensor_shapes_are_compared_with_the_config() {
    let text = REPORT
        .replace("o_proj.weight: [64, 128]", "o_proj.weight: [64, 64]")
        .replace("gate.weight: [8, 64]", "gate.weight: [16, 64]");
    check(
        &text,
        &workspace(GOOD_TESTS),
        expect![[r####"
            GR004 error 9:33 "[16, 64]": `model.layers.0.mlp.gate.weight` is [16, 64] here, but o_m.json's specs give [E, d] = [8, 64]
            GR004 error 10:41 "[64, 64]": `model.layers.0.self_attn.o_proj.weight` is [64, 64] here, but o_m.json's specs give [d, h·dh] = [64, 128]
        "####]],
    );
}

#[test]
fn test_suite_must_exist_with_three_to_five_tests_and_coverage() {
    let mut ws = workspace(GOOD_TESTS);
    ws.suites.clear();
    check(
        REPORT,
        &ws,
        expect![[r####"
            GR010 error 1:1 "# Gap Report: Router Gate": this gap has no test suite: `tests/router_tests.md` does not exist (the guide asks for 3–5 step-by-step tests per gap, §4.8)
        "####]],
    );
    check(
        REPORT,
        &workspace(&["Router, single chip", "Router decode, single chip"]),
        expect![[r####"
            GR011 error 1:1 "# Gap Report: Router Gate": `tests/router_tests.md` has 2 tests; the guide asks for 3 to 5 per gap
            GR012 error 1:1 "# Gap Report: Router Gate": `tests/router_tests.md` lacks a parallel (TP or EP) test (judged by the test titles)
        "####]],
    );
    // A suite the report names explicitly is the one checked.
    let text = REPORT.replace(
        "**Gap Type**: MoE",
        "**Gap Type**: MoE\n**Tests**: tests/gate_tests.md",
    );
    check(
        &text,
        &workspace(GOOD_TESTS),
        expect![[r####"
            GR010 error 5:12 "tests/gate_tests.md": this gap has no test suite: `tests/gate_tests.md` does not exist (the guide asks for 3–5 step-by-step tests per gap, §4.8)
        "####]],
    );
}

#[test]
fn a_report_no_config_names_is_orphaned() {
    let mut ws = workspace(GOOD_TESTS);
    ws.refs.clear();
    check(
        REPORT,
        &ws,
        expect![[r####"
            GR013 info 1:1 "# Gap Report: Router Gate": no config names this gap report: no layer has "gap_report": "model_builder/gaps/router.md"
        "####]],
    );
}

#[test]
fn registry_counts_and_unaccounted_gaps() {
    let reports = vec![(
        "model_builder/gaps/router.md".to_string(),
        REPORT.to_string(),
    )];
    let reg = registry(&workspace(GOOD_TESTS), &reports);
    expect![[r####"
        ## Gap Registry

        | # | Gap Type | Feature | Affected Layer(s) | Severity | Gap Report File | Status |
        |---|----------|---------|-------------------|----------|-----------------|--------|
        | 1 | MoE | Router Gate | router (o_m) | HIGH | gaps/router.md | Created |

        **Total gaps identified: 1**
        **Gap reports created: 1**

        ## Test Suite Registry

        | Gap | Test File | # Tests | Test IDs | Status |
        |-----|-----------|---------|----------|--------|
        | Router Gate | tests/router_tests.md | 3 | RG-1, RG-2, RG-3 | Created |

        **Total: 3 tests across 1 test files**

        ### Gap Count Verification
        - Gaps identified during analysis: **1**
        - Gap reports created: **1**
        - Test suites created: **1**
        - Total tests written: **3**
        - Gaps documented in existing reports: **0**
        - Unaccounted gaps: **0** ✓
    "####]]
    .assert_eq(&registry_markdown(&reg));

    // Without its suite, or with a section missing, the gap is unaccounted.
    let mut ws = workspace(GOOD_TESTS);
    ws.suites.clear();
    let reg = registry(&ws, &reports);
    assert_eq!(reg.checklist.unaccounted, 1);
    assert_eq!(
        reg.gaps[0].unaccounted.as_deref(),
        Some("no test suite tests/router_tests.md")
    );
    let broken = REPORT.replace("## Impact Summary", "## Costs");
    let reg = registry(
        &workspace(GOOD_TESTS),
        &[("model_builder/gaps/router.md".into(), broken)],
    );
    assert_eq!(reg.gaps[0].status, "Incomplete");
    assert_eq!(
        reg.gaps[0].unaccounted.as_deref(),
        Some("report lacks §4.5 Impact Summary")
    );
    // A second class documented in the same report counts as documented, N − M − P = 0.
    let mut ws = workspace(GOOD_TESTS);
    let mut second = ws.refs[0].clone();
    second.class = "RouterBiasLayer".into();
    ws.refs.push(second);
    let c = registry(&ws, &reports).checklist;
    assert_eq!(
        (
            c.gaps_identified,
            c.reports_created,
            c.documented_in_existing_reports,
            c.unaccounted
        ),
        (2, 1, 1, 0)
    );
    // A layer naming no report at all.
    let mut ws = workspace(GOOD_TESTS);
    ws.refs[0].report = None;
    let reg = registry(&ws, &reports);
    assert_eq!(
        (reg.gaps[0].status.as_str(), reg.checklist.unaccounted),
        ("Missing", 1)
    );
}

fn mtp_input(parameters: Option<u128>) -> scaffold::ScaffoldInput {
    scaffold::ScaffoldInput {
        model: "acme/Wide-MoE-2B".into(),
        layer: "mtp_head".into(),
        class: "MultiTokenPredictionLayer".into(),
        count: 1,
        specs: vec![
            ("hidden_size".into(), "1536".into()),
            ("parameter_count".into(), "4721664".into()),
        ],
        hidden_size: 1536,
        parameters,
        heads: None,
        known_class: false,
    }
}

#[test]
fn scaffolded_report_and_suite_pass_our_own_checks() {
    for parameters in [Some(4_721_664), None, Some(6)] {
        let input = mtp_input(parameters);
        let report = scaffold::gap_report(&input);
        let suite_text = scaffold::test_suite(&input);
        // The suite: no errors from the spec checker, three tests with the right coverage.
        let spec = mantile_spec::check_spec(&suite_text);
        let errors: Vec<String> = spec
            .diagnostics
            .iter()
            .filter(|d| d.severity == mantile_diag::Severity::Error)
            .map(|d| format!("{}: {}", d.rule.code, d.message))
            .collect();
        assert!(
            errors.is_empty(),
            "{parameters:?}: {errors:#?}\n{suite_text}"
        );
        // "No errors" means something only if the claims were evaluated.
        assert!(
            spec.stats.claims_evaluated >= 20
                && spec.stats.claims_evaluated * 10 >= spec.stats.claims_found * 9,
            "{:?}",
            spec.stats
        );
        let ids: Vec<String> = spec.tests.iter().map(|t| t.id.clone()).collect();
        assert_eq!(ids, ["MH-1", "MH-2", "MH-3"]);
        // The report: no errors in a workspace where the config names it and the suite exists.
        let ws = GapWorkspace {
            refs: vec![GapRef {
                config: "backend/data/model_configs/acme_Wide-MoE-2B.json".into(),
                layer: "mtp_head".into(),
                class: "MultiTokenPredictionLayer".into(),
                count: Some(1),
                report: Some(input.report_path()),
                marked_unsupported: true,
                dims: Dims {
                    hidden_size: Some(1536),
                    ..Dims::default()
                },
            }],
            suites: [(
                input.suite_path(),
                Suite {
                    path: input.suite_path(),
                    tests: spec
                        .tests
                        .iter()
                        .map(|t| (t.id.clone(), t.title.clone()))
                        .collect(),
                    ..Suite::default()
                },
            )]
            .into_iter()
            .collect(),
        };
        let diags = check_gap_report(
            &report,
            &GapContext {
                path: &input.report_path(),
                workspace: Some(&ws),
            },
        );
        let findings: Vec<String> = diags
            .iter()
            .map(|d| format!("{} {}: {}", d.rule.code, d.severity, d.message))
            .collect();
        // Only the reminder a person must act on: the paper reference.
        assert_eq!(
            findings,
            [
                "GR002 warning: §4.6 Documentation References lacks: at least one paper (an arXiv, DOI or proceedings link)"
            ],
            "{report}"
        );
        // And the registry counts the scaffolded gap as accounted for.
        let reg = registry(&ws, &[(input.report_path(), report.clone())]);
        assert_eq!(reg.checklist.unaccounted, 0, "{reg:?}");
    }
}

#[test]
fn scaffold_names() {
    let i = mtp_input(None);
    assert_eq!(
        (i.prefix(), i.feature()),
        ("MH".to_string(), "Mtp Head".to_string())
    );
    assert_eq!(i.report_path(), "model_builder/gaps/mtp_head.md");
    assert_eq!(i.suite_path(), "tests/mtp_head_tests.md");
    let one = scaffold::ScaffoldInput {
        layer: "router".into(),
        ..i
    };
    assert_eq!(one.prefix(), "ROU");
}

/// A report's findings with their ranges and messages.
fn findings(text: &str, ws: &GapWorkspace) -> Vec<(TextRange, &'static str, String)> {
    check_gap_report(
        text,
        &GapContext {
            path: "model_builder/gaps/router.md",
            workspace: Some(ws),
        },
    )
    .into_iter()
    .map(|d| (d.range, d.rule.code, d.message))
    .collect()
}

#[test]
fn lone_cr_line_ends_read_like_lf() {
    // A report with findings of every kind: a wrong shape, a wrong sum, an
    // incomplete section.
    let text = REPORT
        .replace("o_proj.weight: [64, 128]", "o_proj.weight: [64, 64]")
        .replace("= 131,072", "= 262,144")
        .replace("**Why it's unusual**: no dense layer has it.\n", "");
    let ws = workspace(GOOD_TESTS);
    let lf = findings(&text, &ws);
    assert_eq!(
        lf.iter().map(|f| f.1).collect::<Vec<_>>(),
        ["GR004", "GR002", "MT001"]
    );
    // `\r` is one byte like `\n`: the same findings at the same offsets.
    assert_eq!(findings(&text.replace('\n', "\r"), &ws), lf);
    let doc = parse(&text.replace('\n', "\r"));
    assert_eq!(doc.tensors, parse(&text).tensors);
    assert_eq!(doc.tensors.len(), 2);
    // The declared fields are read on lone-CR lines too.
    let reg = registry(
        &ws,
        &[(
            "model_builder/gaps/router.md".into(),
            REPORT.replace('\n', "\r"),
        )],
    );
    assert_eq!(
        (reg.gaps[0].severity.as_str(), reg.gaps[0].gap_type.as_str()),
        ("HIGH", "MoE")
    );
}

#[test]
fn shapes_and_suite_links_are_read_without_rescanning_the_line() {
    // Every name on a long line is followed by a bracket that never closes
    // as a shape: each is read up to its first non-shape character.
    let line = "a.weight[1, 2 x ".repeat(2000);
    assert!(parse(&format!("# Gap\n\n{line}\n")).tensors.is_empty());
    let line = format!("{}a.weight[4, 4]", "a.weight[1, 2 x ".repeat(100));
    let doc = parse(&format!("# Gap\n\n{line}\n"));
    assert_eq!(
        doc.tensors
            .iter()
            .map(|t| t.shape.clone())
            .collect::<Vec<_>>(),
        [vec![4, 4]]
    );
    // A run of `_tests.md` is read once: each path starts after the last.
    let doc = parse("See x_tests.md_tests.md and tests/y_tests.md.");
    let links: Vec<&str> = doc.suite_links.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(links, ["tests/x_tests.md", "tests/y_tests.md"]);
}

#[test]
fn many_gaps_sharing_a_report_read_it_once_and_agree() {
    // 200 classes naming one report: the registry lists it once, and every
    // gap gets the same verdict.
    let mut ws = workspace(GOOD_TESTS);
    let first = ws.refs[0].clone();
    ws.refs = (0..200)
        .map(|i| GapRef {
            class: format!("Router{i}Layer"),
            ..first.clone()
        })
        .collect();
    let reg = registry(
        &ws,
        &[("model_builder/gaps/router.md".into(), REPORT.to_string())],
    );
    assert_eq!(reg.gaps.len(), 200);
    assert_eq!(reg.suites.len(), 1);
    assert_eq!(reg.checklist.reports_created, 1);
    assert_eq!(reg.checklist.documented_in_existing_reports, 199);
    assert_eq!(reg.checklist.unaccounted, 0);
    assert!(reg.gaps.iter().all(|g| g.feature == "Router Gate"));
}

#[test]
fn findings_per_rule_are_capped_and_the_rest_counted() {
    // 1,500 tensor analyses that each lack every part.
    let sections: String = (0..1500)
        .map(|i| format!("### Tensor: t{i}.weight\n\nx\n\n"))
        .collect();
    let text = REPORT.replace(
        "## Dimension Mismatch",
        &format!("{sections}## Dimension Mismatch"),
    );
    let found = findings(&text, &workspace(GOOD_TESTS));
    let gr002: Vec<&(TextRange, &str, String)> = found.iter().filter(|f| f.1 == "GR002").collect();
    assert_eq!(gr002.len(), 1001);
    let count = gr002
        .iter()
        .find(|f| f.2.starts_with("500 more"))
        .expect("the count");
    assert_eq!(
        count.2,
        "500 more GR002 findings in this file are not listed, from here on (at most 1,000 per rule are)"
    );
    // Where the 1,001st analysis starts.
    let at = text.find("### Tensor: t1000.weight").unwrap();
    assert_eq!(count.0.start as usize, at);
}

/// A multimodal model's image encoder has widths of its own: its tensors
/// are not held to the decoder's specs (no GR004 on a vision tower's q_proj).
#[test]
fn encoder_tensors_are_not_held_to_the_decoder_specs() {
    let d = Dims {
        hidden_size: Some(2560),
        heads: Some(8),
        kv_heads: Some(4),
        head_dim: Some(256),
        ..Dims::default()
    };
    assert_eq!(
        expected_shape("language_model.model.layers.0.self_attn.q_proj.weight", &d),
        Some((vec!["h·dh", "d"], vec![2048, 2560]))
    );
    for name in [
        "vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight",
        "model.multi_modal_projector.linear_1.weight",
        "visual.blocks.0.attn.qkv.weight",
    ] {
        assert_eq!(expected_shape(name, &d), None, "{name}");
    }
}
