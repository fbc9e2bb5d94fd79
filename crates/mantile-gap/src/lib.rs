//! Checks Mantile gap reports (`model_builder/gaps/*.md`) against the guide
//! (`AGENT_CREATE_CONFIG.md` §4.1–4.7), recomputes their calculations with the
//! spec engine, compares the tensors they list with the configs that name
//! them, checks each gap's test suite (§4.8), and builds the §6 deliverables
//! registry. Everything arrives as data; nothing here does I/O.

pub mod doc;
mod rules;
pub mod scaffold;

pub use doc::{GapDoc, Section, TensorMention, parse};
pub use rules::*;

use mantile_diag::{Diagnostic, Related, TextRange, sort_diagnostics};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Dimensions a config gives, for checking tensor shapes: the model's one
/// dimensions type.
pub type Dims = mantile_model::Dimensions;

/// A layer of a config that needs a gap report: `supported: false`, or a class Mantile lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GapRef {
    /// The config, relative to the workspace root.
    pub config: String,
    pub layer: String,
    pub class: String,
    pub count: Option<u128>,
    /// The report the layer names (workspace path), if any.
    pub report: Option<String>,
    /// `supported: false` (else: an unknown class).
    pub marked_unsupported: bool,
    pub dims: Dims,
}

/// A test suite in `tests/`: its tests' ids and titles.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Suite {
    pub path: String,
    /// Each test's id and title.
    pub tests: Vec<(String, String)>,
    /// Each test's Expected results, `(metric, value as written)`, by test id.
    pub expected: BTreeMap<String, Vec<(String, String)>>,
}

impl Suite {
    pub fn has_baseline(&self) -> bool {
        self.tests.iter().any(|(_, t)| {
            let t = t.to_ascii_lowercase();
            t.contains("single chip")
                || t.contains("single-chip")
                || t.contains("no parallelism")
                || t.contains("1 chip")
        })
    }

    pub fn has_parallel(&self) -> bool {
        self.tests.iter().any(|(_, t)| {
            let l = t.to_ascii_lowercase();
            l.contains("tensor parallel")
                || l.contains("expert parallel")
                || t.split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| w == "TP" || w == "EP")
        })
    }
}

/// What the workspace knows about gaps.
#[derive(Clone, Debug, Default)]
pub struct GapWorkspace {
    pub refs: Vec<GapRef>,
    pub suites: BTreeMap<String, Suite>,
}

impl GapWorkspace {
    pub fn refs_to<'a>(&'a self, report: &'a str) -> impl Iterator<Item = &'a GapRef> {
        self.refs
            .iter()
            .filter(move |r| r.report.as_deref() == Some(report))
    }
}

/// The test suite a report belongs to: one it names, else `tests/<stem>_tests.md`.
pub fn suite_path(report_path: &str, doc: &GapDoc) -> String {
    if let Some((p, _)) = doc.suite_links.first() {
        return p.clone();
    }
    let stem = report_path
        .rsplit('/')
        .next()
        .unwrap_or(report_path)
        .trim_end_matches(".md");
    format!("tests/{stem}_tests.md")
}

struct Required {
    what: &'static str,
    words: &'static [&'static str],
    hint: &'static str,
}

const REQUIRED: &[Required] = &[
    Required {
        what: "§4.1 Example Tensors",
        words: &["example tensor", "tensors detected"],
        hint: "the exact tensor names, shapes and dtypes from the dry run",
    },
    Required {
        what: "§4.3 Dimension Mismatch Analysis",
        words: &["dimension mismatch"],
        hint: "observed vs expected shapes, interpretation and derived parameters (or a statement that there is none)",
    },
    Required {
        what: "§4.4 Implementation Guidance",
        words: &["implementation guidance", "implementation hints"],
        hint: "recommended base class, methods to override, new constructor parameters, special handling",
    },
    Required {
        what: "§4.5 Impact Summary",
        words: &["impact summary"],
        hint: "tables of additional FLOPs and additional memory, with formulas and example values",
    },
    Required {
        what: "§4.6 Documentation References",
        words: &["reference"],
        hint: "links to implementations and at least one paper",
    },
    Required {
        what: "§4.7 Parallelism Strategies",
        words: &["parallelism"],
        hint: "how the layer is parallelized and its communication patterns",
    },
];

const PAPER_HOSTS: &[&str] = &[
    "arxiv.org",
    "doi.org",
    "openreview.net",
    "aclanthology.org",
    "proceedings",
    "papers.nips.cc",
];
const COMM_PATTERNS: &[&str] = &[
    "all-reduce",
    "allreduce",
    "all-gather",
    "allgather",
    "all-to-all",
    "alltoall",
    "reduce-scatter",
    "reducescatter",
];

/// Whether `lower` (text already in ASCII lower case) contains one of `needles`.
fn contains_any(lower: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| lower.contains(n))
}

/// Everything a gap report's check needs besides its text.
pub struct GapContext<'a> {
    /// The report's path relative to the workspace root.
    pub path: &'a str,
    /// The workspace's gap bookkeeping (absent outside a workspace).
    pub workspace: Option<&'a GapWorkspace>,
}

/// Checks one gap report.
pub fn check_gap_report(text: &str, ctx: &GapContext) -> Vec<Diagnostic> {
    check_parsed(text, &parse(text), &mantile_spec::check_spec(text), ctx)
}

/// [`check_gap_report`] on a report already read: its sections (`doc`, from
/// [`parse`]) and its calculations (`spec`, the spec engine's report on the
/// same text), which the caller keeps for its other uses (hover, symbols).
pub fn check_parsed(
    text: &str,
    doc: &GapDoc,
    spec: &mantile_spec::SpecReport,
    ctx: &GapContext,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let anchor = doc
        .title()
        .map(|s| s.heading)
        .unwrap_or(TextRange::empty(0));
    check_sections(text, doc, anchor, &mut out);
    // Every calculation, recomputed by the spec engine (claims only: the
    // test-file rules do not apply to a report).
    out.extend(
        spec.diagnostics
            .iter()
            .filter(|d| {
                std::ptr::eq(d.rule, &mantile_spec::CLAIM_MISMATCH)
                    || std::ptr::eq(d.rule, &mantile_spec::CONVERSION_MISMATCH)
            })
            .cloned(),
    );
    if let Some(ws) = ctx.workspace {
        check_workspace(doc, ctx.path, ws, anchor, &mut out);
    }
    sort_diagnostics(&mut out);
    // A report of 50,000 tensor sections gets a bounded list.
    mantile_spec::limit_per_rule(out)
}

fn check_sections(text: &str, doc: &GapDoc, anchor: TextRange, out: &mut Vec<Diagnostic>) {
    // §4.2: an analysis per unusual tensor.
    let analyses: Vec<&Section> = doc
        .sections
        .iter()
        .filter(|s| s.title.starts_with("Tensor:"))
        .collect();
    if analyses.is_empty() {
        out.push(Diagnostic::new(
            &MISSING_SECTION,
            anchor,
            "gap report lacks §4.2 Tensor Analysis: add a `### Tensor: <name>` section for each unusual tensor (What it is, Why it's unusual, Architectural interpretation, Impact on FLOPs, memory and KV cache)",
        ));
    }
    for s in &analyses {
        let body = text[s.range.as_range()].to_ascii_lowercase();
        let body = body.as_str();
        let mut missing = Vec::new();
        for (part, words) in [
            ("What it is", &["what it is"][..]),
            (
                "Why it's unusual",
                &["why it's unusual", "why it is unusual", "why it’s unusual"][..],
            ),
            ("Architectural interpretation", &["interpretation"][..]),
            ("FLOPs impact", &["flop"][..]),
            ("Memory impact", &["memory"][..]),
        ] {
            if !contains_any(body, words) {
                missing.push(part);
            }
        }
        if !missing.is_empty() {
            out.push(Diagnostic::new(
                &INCOMPLETE_SECTION,
                s.heading,
                format!(
                    "tensor analysis \"{}\" lacks: {} (§4.2)",
                    s.title,
                    missing.join(", ")
                ),
            ));
        }
    }
    for r in REQUIRED {
        let Some(sec) = doc.find(r.words) else {
            out.push(Diagnostic::new(
                &MISSING_SECTION,
                anchor,
                format!("gap report lacks {}: {}", r.what, r.hint),
            ));
            continue;
        };
        let body = text[sec.range.as_range()].to_ascii_lowercase();
        let body = body.as_str();
        let mut missing: Vec<&str> = Vec::new();
        match r.what {
            "§4.3 Dimension Mismatch Analysis" => {
                let none = contains_any(body, &["no dimension mismatch", "none", "no mismatch"]);
                if !none {
                    for (part, w) in [
                        ("Observed", "observed"),
                        ("Expected", "expected"),
                        ("Interpretation", "interpretation"),
                        ("Derived parameters", "derived"),
                    ] {
                        if !contains_any(body, &[w]) {
                            missing.push(part);
                        }
                    }
                }
            }
            "§4.4 Implementation Guidance" => {
                for (part, w) in [
                    ("Recommended Base Class", &["base class"][..]),
                    ("Methods to Override", &["override"][..]),
                    ("New Constructor Parameters", &["constructor"][..]),
                    ("Special Handling", &["special handling"][..]),
                ] {
                    if !contains_any(body, w) {
                        missing.push(part);
                    }
                }
            }
            "§4.5 Impact Summary" => {
                for (part, w) in [
                    ("Additional FLOPs table", "flops"),
                    ("Additional Memory table", "memory"),
                ] {
                    if !contains_any(body, &[w]) {
                        missing.push(part);
                    }
                }
                if !mantile_spec::lines(body).any(|(_, l)| l.trim_start().starts_with('|')) {
                    missing.push("a table");
                }
            }
            "§4.6 Documentation References" if !contains_any(body, PAPER_HOSTS) => {
                missing.push("at least one paper (an arXiv, DOI or proceedings link)");
            }
            "§4.7 Parallelism Strategies" if !contains_any(body, COMM_PATTERNS) => {
                missing.push("a communication pattern (all-reduce, all-gather, all-to-all or reduce-scatter)");
            }
            _ => {}
        }
        if !missing.is_empty() {
            out.push(Diagnostic::new(
                &INCOMPLETE_SECTION,
                sec.heading,
                format!("{} lacks: {}", r.what, missing.join(", ")),
            ));
        }
    }
}

/// The shape a tensor must have given a config's dimensions, with the
/// formula: `Some((["h·dh", "d"], [4096, 2880]))`.
pub fn expected_shape(name: &str, d: &Dims) -> Option<(Vec<&'static str>, Vec<u128>)> {
    let parts: Vec<&str> = name.split('.').collect();
    let last = *parts.last()?;
    let owner = if parts.len() >= 2 {
        parts[parts.len() - 2]
    } else {
        ""
    };
    let dd = d.hidden_size;
    let q = d.heads.zip(d.head_dim).map(|(h, dh)| h * dh);
    let kv = d.kv_heads.zip(d.head_dim).map(|(k, dh)| k * dh);
    let one = |n: &'static str, v: Option<u128>| Some((vec![n], vec![v?]));
    let two = |a: &'static str, x: Option<u128>, b: &'static str, y: Option<u128>| {
        Some((vec![a, b], vec![x?, y?]))
    };
    // Experts (and shared experts) have the MoE's own intermediate width,
    // which Dims does not carry: no expectation rather than a wrong one.
    if name.contains(".experts.") || name.contains(".shared_expert") {
        return None;
    }
    // A multimodal model's image or audio encoder and projector have widths
    // of their own: the decoder's specs say nothing of them.
    if parts.iter().any(|p| {
        matches!(
            *p,
            "vision_tower"
                | "vision_model"
                | "visual"
                | "vision_encoder"
                | "multi_modal_projector"
                | "mm_projector"
                | "audio_tower"
                | "audio_encoder"
        )
    }) {
        return None;
    }
    match (owner, last) {
        ("q_proj", "weight") => two("h·dh", q, "d", dd),
        ("k_proj" | "v_proj", "weight") => two("kv·dh", kv, "d", dd),
        ("o_proj", "weight") => two("d", dd, "h·dh", q),
        ("q_proj", "bias") => one("h·dh", q),
        ("k_proj" | "v_proj", "bias") => one("kv·dh", kv),
        ("o_proj", "bias") => one("d", dd),
        (_, "sinks") => one("h", d.heads),
        ("embed_tokens" | "lm_head" | "wte", "weight") => two("V", d.vocab_size, "d", dd),
        ("gate_proj" | "up_proj" | "w1" | "w3", "weight") => {
            two("di", d.intermediate_size, "d", dd)
        }
        ("down_proj" | "w2", "weight") => two("d", dd, "di", d.intermediate_size),
        ("gate" | "router", "weight")
            if name.contains("moe") || name.contains("mlp") || name.contains("router") =>
        {
            two("E", d.num_experts, "d", dd)
        }
        // The block and final norms are over d; q/k norms and the latent
        // norms of MLA (q_a_layernorm, kv_a_layernorm) are not.
        (
            "input_layernorm"
            | "post_attention_layernorm"
            | "pre_feedforward_layernorm"
            | "post_feedforward_layernorm"
            | "norm"
            | "final_layernorm"
            | "ln_1"
            | "ln_2"
            | "ln_f",
            "weight",
        ) => one("d", dd),
        _ => None,
    }
}

fn check_workspace(
    doc: &GapDoc,
    path: &str,
    ws: &GapWorkspace,
    anchor: TextRange,
    out: &mut Vec<Diagnostic>,
) {
    let refs: Vec<&GapRef> = ws.refs_to(path).collect();
    if refs.is_empty() {
        out.push(Diagnostic::new(
            &ORPHANED_REPORT,
            anchor,
            format!("no config names this gap report: no layer has \"gap_report\": \"{path}\""),
        ));
    }
    // Tensor shapes against the first config that names the report.
    if let Some(r) = refs.first() {
        for t in &doc.tensors {
            let Some((formula, want)) = expected_shape(&t.name, &r.dims) else {
                continue;
            };
            if want != t.shape {
                let fmt = |v: &[u128]| {
                    v.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                out.push(Diagnostic {
                    related: vec![Related {
                        path: Some(r.config.clone()),
                        range: TextRange::empty(0),
                        message: format!("layer \"{}\" of this config names the report", r.layer),
                    }],
                    ..Diagnostic::new(
                        &TENSOR_SHAPE,
                        t.shape_range,
                        format!(
                            "`{}` is [{}] here, but {}'s specs give [{}] = [{}]",
                            t.name,
                            fmt(&t.shape),
                            r.config.rsplit('/').next().unwrap_or(&r.config),
                            formula.join(", "),
                            fmt(&want)
                        ),
                    )
                });
            }
        }
    }
    let suite = suite_path(path, doc);
    let link = doc.suite_links.first().map(|(_, r)| *r).unwrap_or(anchor);
    match ws.suites.get(&suite) {
        None => out.push(Diagnostic::new(
            &MISSING_TEST_SUITE,
            link,
            format!("this gap has no test suite: `{suite}` does not exist (the guide asks for 3–5 step-by-step tests per gap, §4.8)"),
        )),
        Some(s) => {
            let n = s.tests.len();
            if !(3..=5).contains(&n) {
                let d = Diagnostic::new(
                    &TEST_SUITE_SIZE,
                    link,
                    format!("`{suite}` has {n} test{}; the guide asks for 3 to 5 per gap", if n == 1 { "" } else { "s" }),
                );
                out.push(if n > 5 { d.with_severity(mantile_diag::Severity::Warning) } else { d });
            }
            let mut lacks = Vec::new();
            if !s.has_baseline() {
                lacks.push("a single-chip baseline");
            }
            if !s.has_parallel() {
                lacks.push("a parallel (TP or EP) test");
            }
            if n > 0 && !lacks.is_empty() {
                out.push(Diagnostic::new(
                    &TEST_SUITE_COVERAGE,
                    link,
                    format!("`{suite}` lacks {} (judged by the test titles)", lacks.join(" and ")),
                ));
            }
        }
    }
}

// ----- the §6 deliverables registry -----

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct GapRow {
    pub number: usize,
    pub gap_type: String,
    pub feature: String,
    pub affected_layers: Vec<String>,
    pub severity: String,
    pub report: Option<String>,
    pub status: String,
    /// Why the gap is not accounted for, when it is not.
    pub unaccounted: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SuiteRow {
    pub gap: String,
    pub file: String,
    pub tests: usize,
    pub ids: Vec<String>,
    pub status: String,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, Default)]
pub struct Checklist {
    pub gaps_identified: usize,
    pub reports_created: usize,
    pub test_suites_created: usize,
    pub tests_written: usize,
    pub documented_in_existing_reports: usize,
    pub unaccounted: usize,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, Default)]
pub struct Registry {
    pub gaps: Vec<GapRow>,
    pub suites: Vec<SuiteRow>,
    pub checklist: Checklist,
}

/// A report's declared fields: `**Severity**: HIGH`, `**Gap Type**: MoE`.
fn declared(text: &str, field: &str) -> Option<String> {
    let key = format!("**{field}**");
    mantile_spec::lines(text).find_map(|(_, l)| {
        let rest = l.trim_start_matches(['-', '*', ' ']).trim_start();
        let rest = rest
            .strip_prefix(&key[2..])
            .map(|r| r.trim_start_matches("**"))
            .or_else(|| l.trim_start().strip_prefix(&key))?;
        let v = rest
            .trim_start_matches(':')
            .trim_start_matches("**")
            .trim()
            .trim_matches('`')
            .to_string();
        (!v.is_empty()).then_some(v)
    })
}

/// What the registry needs from one gap report.
struct ReportFacts {
    /// The required sections it lacks (GR001), by name.
    missing: Vec<String>,
    suite: String,
    title: Option<String>,
}

impl ReportFacts {
    fn of(path: &str, text: &str) -> ReportFacts {
        let doc = parse(text);
        let missing = check_gap_report(
            text,
            &GapContext {
                path,
                workspace: None,
            },
        )
        .iter()
        .filter(|d| std::ptr::eq(d.rule, &MISSING_SECTION))
        .map(|d| {
            d.message
                .trim_start_matches("gap report lacks ")
                .split(':')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect();
        ReportFacts {
            missing,
            suite: suite_path(path, &doc),
            title: doc.title().map(|s| s.title.clone()),
        }
    }
}

/// Builds the registry: one gap per distinct unsupported class, its report,
/// its test suite, and the counts of §6.3. `reports` holds the text of every
/// existing `model_builder/gaps/*.md` (README excluded).
pub fn registry(ws: &GapWorkspace, reports: &[(String, String)]) -> Registry {
    let mut by_class: BTreeMap<&str, Vec<&GapRef>> = BTreeMap::new();
    for r in &ws.refs {
        by_class.entry(r.class.as_str()).or_default().push(r);
    }
    let mut reg = Registry::default();
    // Each report's text (the first given for a path), and what the
    // registry needs from it, worked out once however many gaps share it.
    let mut texts: HashMap<&str, &str> = HashMap::new();
    for (p, t) in reports {
        texts.entry(p.as_str()).or_insert(t.as_str());
    }
    let mut facts: HashMap<String, ReportFacts> = HashMap::new();
    let mut reports_seen: HashSet<String> = HashSet::new();
    let mut suites_listed: HashSet<String> = HashSet::new();
    for (i, (class, refs)) in by_class.iter().enumerate() {
        let report = refs.iter().find_map(|r| r.report.clone());
        let text = report.as_deref().and_then(|p| texts.get(p).copied());
        let fact = match (&report, text) {
            (Some(p), Some(t)) => Some(
                &*facts
                    .entry(p.clone())
                    .or_insert_with(|| ReportFacts::of(p, t)),
            ),
            _ => None,
        };
        let mut unaccounted = None;
        let mut status = "Created".to_string();
        match (&report, fact) {
            (None, _) => {
                status = "Missing".into();
                unaccounted = Some("no gap_report named".to_string());
            }
            (Some(p), None) => {
                status = "Missing".into();
                unaccounted = Some(format!("{p} does not exist"));
            }
            (Some(p), Some(f)) => {
                let suite = &f.suite;
                let suite_ok = ws.suites.get(suite).is_some_and(|s| s.tests.len() >= 3);
                if !f.missing.is_empty() {
                    status = "Incomplete".into();
                    unaccounted = Some(format!("report lacks {}", f.missing.join(", ")));
                } else if !suite_ok {
                    unaccounted = Some(match ws.suites.get(suite) {
                        None => format!("no test suite {suite}"),
                        Some(s) => format!("{suite} has {} tests (needs 3–5)", s.tests.len()),
                    });
                }
                let first = reports_seen.insert(p.clone());
                // N − M − P = unaccounted: accounted gaps count once, as a new
                // report or as documented in one already counted.
                if unaccounted.is_none() {
                    if first {
                        reg.checklist.reports_created += 1;
                    } else {
                        reg.checklist.documented_in_existing_reports += 1;
                    }
                }
            }
        }
        let text_of = |f: &str| text.and_then(|t| declared(t, f));
        let feature = fact
            .and_then(|f| f.title.as_deref())
            .map(|t| {
                t.trim_start_matches("Gap Report:")
                    .trim_start_matches("Gap report:")
                    .trim()
                    .to_string()
            })
            .unwrap_or_else(|| class.to_string());
        let severity = text_of("Severity").unwrap_or_else(|| {
            if refs.iter().any(|r| !r.marked_unsupported) {
                "HIGH"
            } else {
                "MEDIUM"
            }
            .to_string()
        });
        let gap_type = text_of("Gap Type").unwrap_or_else(|| {
            let c = class.to_ascii_lowercase();
            if c.contains("attention") {
                "Attention"
            } else if c.contains("moe") || c.contains("expert") || c.contains("router") {
                "MoE"
            } else if c.contains("norm") {
                "Normalization"
            } else {
                "Layer"
            }
            .to_string()
        });
        reg.checklist.gaps_identified += 1;
        if unaccounted.is_some() {
            reg.checklist.unaccounted += 1;
        }
        reg.gaps.push(GapRow {
            number: i + 1,
            gap_type,
            feature: feature.clone(),
            affected_layers: refs
                .iter()
                .map(|r| {
                    format!(
                        "{} ({})",
                        r.layer,
                        r.config
                            .rsplit('/')
                            .next()
                            .unwrap_or(&r.config)
                            .trim_end_matches(".json")
                    )
                })
                .collect(),
            severity,
            report: report.clone(),
            status,
            unaccounted,
        });
        if let Some(f) = fact {
            let suite = f.suite.clone();
            if suites_listed.insert(suite.clone()) {
                let s = ws.suites.get(&suite);
                reg.suites.push(SuiteRow {
                    gap: feature.clone(),
                    file: suite.clone(),
                    tests: s.map_or(0, |s| s.tests.len()),
                    ids: s
                        .map(|s| s.tests.iter().map(|(id, _)| id.clone()).collect())
                        .unwrap_or_default(),
                    status: if s.is_some() {
                        "Created".into()
                    } else {
                        "Missing".into()
                    },
                });
            }
        }
    }
    reg.checklist.test_suites_created = reg.suites.iter().filter(|s| s.status == "Created").count();
    reg.checklist.tests_written = reg.suites.iter().map(|s| s.tests).sum();
    reg
}

/// The registry as the Markdown of the guide's §6.1–6.3, ready to paste.
pub fn registry_markdown(reg: &Registry) -> String {
    let mut s = String::from(
        "## Gap Registry\n\n| # | Gap Type | Feature | Affected Layer(s) | Severity | Gap Report File | Status |\n|---|----------|---------|-------------------|----------|-----------------|--------|\n",
    );
    for g in &reg.gaps {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            g.number,
            g.gap_type,
            g.feature,
            g.affected_layers.join(", "),
            g.severity,
            g.report
                .as_deref()
                .map(|r| r.trim_start_matches("model_builder/"))
                .unwrap_or("—"),
            g.status
        ));
    }
    let c = &reg.checklist;
    s.push_str(&format!(
        "\n**Total gaps identified: {}**\n**Gap reports created: {}**\n\n## Test Suite Registry\n\n| Gap | Test File | # Tests | Test IDs | Status |\n|-----|-----------|---------|----------|--------|\n",
        c.gaps_identified, c.reports_created
    ));
    for t in &reg.suites {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            t.gap,
            t.file,
            t.tests,
            t.ids.join(", "),
            t.status
        ));
    }
    s.push_str(&format!(
        "\n**Total: {} tests across {} test files**\n\n### Gap Count Verification\n- Gaps identified during analysis: **{}**\n- Gap reports created: **{}**\n- Test suites created: **{}**\n- Total tests written: **{}**\n- Gaps documented in existing reports: **{}**\n- Unaccounted gaps: **{}**{}\n",
        c.tests_written,
        c.test_suites_created,
        c.gaps_identified,
        c.reports_created,
        c.test_suites_created,
        c.tests_written,
        c.documented_in_existing_reports,
        c.unaccounted,
        if c.unaccounted == 0 { " ✓" } else { " (MUST BE 0)" }
    ));
    let open: Vec<String> = reg
        .gaps
        .iter()
        .filter_map(|g| {
            g.unaccounted
                .as_ref()
                .map(|u| format!("- {} ({}): {u}", g.feature, g.affected_layers.join(", ")))
        })
        .collect();
    if !open.is_empty() {
        s.push_str("\nUnaccounted:\n");
        s.push_str(&open.join("\n"));
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests;
