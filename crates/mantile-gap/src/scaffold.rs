//! Scaffolds for a gap's deliverables: the report (guide §4.1–4.7) and its
//! test suite (§4.8, three tests: single chip, TP = 4, decode), prefilled with
//! what the config knows. Every number is computed here, so the files pass
//! our own checks; the parts only a person can know are marked `TODO`.

use mantile_diag::format_grouped;

/// What a config says about a layer that needs a gap report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaffoldInput {
    /// `org/name` of the model.
    pub model: String,
    /// The layer's name in the config (`mtp_head`).
    pub layer: String,
    pub class: String,
    pub count: u128,
    /// The layer's specs, as written (`hidden_size` = `1536`).
    pub specs: Vec<(String, String)>,
    pub hidden_size: u128,
    /// Parameters of one instance: stated, recomputed, or `None`.
    pub parameters: Option<u128>,
    /// Query heads, KV heads and head_dim, for attention-like layers.
    pub heads: Option<(u128, u128, u128)>,
    /// Whether the class exists in `backend/layers` (then the gap is a variant).
    pub known_class: bool,
}

impl ScaffoldInput {
    /// `mtp_head` → `MTP_HEAD`-style test prefix (letters of the words, at most 4).
    pub fn prefix(&self) -> String {
        let words: Vec<&str> = self
            .layer
            .split(['_', '-', ' '])
            .filter(|w| !w.is_empty())
            .collect();
        let p: String = if words.len() > 1 {
            words.iter().filter_map(|w| w.chars().next()).collect()
        } else {
            self.layer.chars().take(3).collect()
        };
        p.to_ascii_uppercase().chars().take(4).collect()
    }

    /// A readable feature name: `mtp_head` → `Mtp Head`.
    pub fn feature(&self) -> String {
        self.layer
            .split(['_', '-', ' '])
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The report's path in the workspace.
    pub fn report_path(&self) -> String {
        format!("model_builder/gaps/{}.md", self.layer)
    }

    /// The suite's path in the workspace.
    pub fn suite_path(&self) -> String {
        format!("tests/{}_tests.md", self.layer)
    }

    /// Parameters per instance for the scaffold's numbers (a d×d stand-in
    /// when the config does not say).
    fn params(&self) -> (u128, bool) {
        match self.parameters {
            Some(p) if p > 0 => (p, true),
            _ => (self.hidden_size * self.hidden_size, false),
        }
    }
}

fn g(v: u128) -> String {
    format_grouped(v as i128)
}

/// One tensor pattern seen in the checkpoint, for §4.1 and §4.2.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedTensor {
    /// A concrete name (`model.layers.0.self_attn.q_proj.weight`).
    pub example: String,
    /// Where else it occurs (`× 27 (model.layers.{0..26})`), or empty.
    pub repeats: String,
    /// `[3072, 2048]`
    pub shape: String,
    pub dtype: String,
    /// Elements of one tensor.
    pub elements: u128,
}

/// What is known from the checkpoint itself (the tensor inventory), to fill
/// the report beyond what the config says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// §4.1 and §4.2: the real tensors.
    pub tensors: Vec<ObservedTensor>,
    /// §4.3: the dimension mismatch, as a `### Dimension Mismatch:` section.
    pub mismatch: Option<String>,
    /// `HIGH`, `MEDIUM` or `LOW` (else from whether the class is known).
    pub severity: Option<String>,
    /// The opening paragraph: what Mantile cannot model, and why.
    pub why: Option<String>,
    /// The config's name for the layer, when it differs from the report's.
    pub config_layer: Option<String>,
    /// §4.6: papers (title and link) describing the feature.
    pub references: Vec<String>,
}

/// The gap report (`model_builder/gaps/<layer>.md`).
pub fn gap_report(i: &ScaffoldInput) -> String {
    gap_report_observed(i, &Observed::default())
}

fn observed_tensors(o: &Observed) -> (String, String) {
    let mut listing = String::new();
    let mut analysis = String::new();
    for t in &o.tensors {
        listing.push_str(&format!(
            "  {}: {} ({}){}\n",
            t.example,
            t.shape,
            t.dtype,
            if t.repeats.is_empty() {
                String::new()
            } else {
                format!("  {}", t.repeats)
            }
        ));
        analysis.push_str(&format!(
            "### Tensor: {}\n\n**Shape**: {} ({}{})\n**What it is**: TODO\n**Why it's unusual**: TODO\n**Architectural interpretation**: TODO\n**Impact on implementation**:\n  - FLOPs: TODO (a weight used once per token costs `2 * M` FLOPs per parameter: `2 * M * {}`)\n  - Memory: {} elements × bytes_per_elem\n  - KV Cache: TODO or none\n\n",
            t.example,
            t.shape,
            t.dtype,
            if t.repeats.is_empty() {
                String::new()
            } else {
                format!(", {}", t.repeats)
            },
            t.elements,
            format_grouped(t.elements as i128),
        ));
    }
    (listing, analysis)
}

/// The gap report, with what the checkpoint shows filled in (§4.1 from the
/// real tensors, §4.3 from the computed mismatch).
pub fn gap_report_observed(i: &ScaffoldInput, o: &Observed) -> String {
    let d = i.hidden_size;
    let (p, stated) = i.params();
    let m = 2048u128;
    let severity = o
        .severity
        .clone()
        .unwrap_or_else(|| if i.known_class { "MEDIUM" } else { "HIGH" }.to_string());
    let specs = i
        .specs
        .iter()
        .map(|(k, v)| format!("- `{k}` = {v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let params_line = if stated {
        format!("{} parameters per instance (from the config)", g(p))
    } else {
        format!(
            "unknown; the numbers below assume a d×d projection, `{d} * {d} = {}` parameters",
            g(p)
        )
    };
    let mismatch = match (&o.mismatch, i.heads) {
        (Some(m), _) => m.clone(),
        (None, heads) => match heads {
        Some((h, _, dh)) if h * dh != d => format!(
            "### Dimension Mismatch: query width differs from hidden_size\n\n**Observed**: query width `{h} * {dh} = {}`, hidden_size {d}\n**Expected (standard)**: query width = hidden_size = {d}\n**Interpretation**: the projections are not square; the output projection maps {} → {d}.\n\n**Derived parameters**:\n- num_heads = {h}\n- head_dim = {dh}\n- query width = `{h} * {dh} = {}`\n- hidden_size = {d}\n\n**Impact**:\n- FLOPs and weights must use the query width, not hidden_size\n",
            g(h * dh),
            h * dh,
            g(h * dh)
        ),
        _ => "None found in the config's specs. TODO: compare each tensor's shape from the dry run with the standard pattern and describe any mismatch (Observed, Expected, Interpretation, Derived parameters).\n".to_string(),
        },
    };
    let (listing, analysis) = observed_tensors(o);
    let listing = if listing.is_empty() {
        "  TODO: paste the tensor names, shapes and dtypes from the dry run\n  (model_builder/utils.py: inspect_model_structure)\n".to_string()
    } else {
        listing
    };
    let analysis = if analysis.is_empty() {
        "### Tensor: TODO.weight\n\n**What it is**: TODO\n**Why it's unusual**: TODO\n**Architectural interpretation**: TODO\n**Impact on implementation**:\n  - FLOPs: TODO (a weight used once per token costs `2 * M` FLOPs per parameter)\n  - Memory: TODO elements × bytes_per_elem\n  - KV Cache: TODO or none\n\n".to_string()
    } else {
        analysis
    };
    let why = o.why.clone().unwrap_or_else(|| {
        "TODO: one paragraph on what this layer does and why Mantile cannot model it yet.".into()
    });
    let papers = if o.references.is_empty() {
        "TODO: add the paper that introduced this layer (an arXiv or DOI link)".to_string()
    } else {
        o.references.join("; ")
    };
    let layer_label = match &o.config_layer {
        Some(l) if *l != i.layer => l.clone(),
        _ => i.layer.clone(),
    };
    let ctor = i
        .specs
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "layer_idx" | "input_dim" | "output_dim" | "parameter_count"
            )
        })
        .map(|(k, v)| format!("| `{k}` | `int` | TODO: describe (config value {v}) |"))
        .collect::<Vec<_>>()
        .join("\n");
    let base = if i.known_class {
        format!("`{}`", i.class)
    } else {
        "`Layer` from `backend/layers/base.py`".to_string()
    };
    format!(
        "# Gap Report: {feature}\n\n**Gap Type**: Layer\n**Severity**: {severity}\n**Model**: {model} (layer `{layer_label}`, class `{class}`, {count} per model)\n**Test suite**: [{suite}](../../{suite})\n\n{why}\n\nWhat the config states:\n{specs}\n- parameters: {params_line}\n\n## Example Tensors\n\n```\nUNSUPPORTED LAYER: {feature}\n\nTensors detected:\n{listing}```\n\n## Tensor Analysis\n\n{analysis}## Dimension Mismatch Analysis\n\n{mismatch}\n## Implementation Guidance\n\n### Recommended Base Class\n- **Extend**: {base}\n- **Reason**: TODO\n\n### Methods to Override\n| Method | Reason |\n|--------|--------|\n| `compute_flops()` | TODO |\n| `compute_weight_memory()` | TODO |\n| `compute_activation_memory()` | TODO |\n| `compute_kv_cache()` | TODO or N/A |\n\n### New Constructor Parameters\n| Parameter | Type | Description |\n|-----------|------|-------------|\n{ctor}\n\n### Special Handling Required\n- [ ] TODO\n\n## Impact Summary\n\n### Additional FLOPs (per layer)\n| Component | Formula | Example (d={d}, M={m}) |\n|-----------|---------|-------------------------|\n| {layer} | 2 * M * P | `2 * {m} * {p} = {flops}` |\n\n### Additional Memory (per layer)\n| Component | Formula | Example (bf16) |\n|-----------|---------|----------------|\n| {layer} weights | P * bytes | `{p} * 2 = {bytes}` |\n\n### Communication Changes\n| Pattern | When | Payload |\n|---------|------|---------|\n| All-reduce | TP, after the layer | `M * d * bytes = {m} * {d} * 2 = {comm}` |\n\n## Documentation References\n\n- **PyTorch**: TODO\n- **vLLM**: TODO\n- **SGLang**: TODO\n- **Papers**: {papers}\n\n## Parallelism Strategies\n\n1. Tensor Parallelism (TP): shard the weights across chips\n   - Each chip holds `P / tp` parameters\n   - All-reduce (or all-gather) of the output `[M, d]`\n2. TODO: other strategies that apply (expert, context, sequence parallelism)\n",
        feature = i.feature(),
        model = i.model,
        layer = i.layer,
        class = i.class,
        count = i.count,
        suite = i.suite_path(),
        flops = g(2 * m * p),
        bytes = g(p * 2),
        comm = g(m * d * 2),
    )
}

struct Case {
    b: u128,
    s: u128,
    tp: u128,
}

/// The test suite (`tests/<layer>_tests.md`): three tests in the strict §4.8
/// format whose numbers treat the layer as P weights each used once per token
/// (2·M·P FLOPs), sharded by TP with an all-reduce of the output.
pub fn test_suite(i: &ScaffoldInput) -> String {
    let d = i.hidden_size;
    let (p, stated) = i.params();
    let prefix = i.prefix();
    let feature = i.feature();
    // TP = 4 needs P divisible by 4; otherwise the TP test uses TP = 2 or 1.
    let tp = [4u128, 2]
        .into_iter()
        .find(|t| p.is_multiple_of(*t) && d.is_multiple_of(*t))
        .unwrap_or(1);
    let cases = [
        Case {
            b: 1,
            s: 128,
            tp: 1,
        },
        Case { b: 1, s: 128, tp },
        Case { b: 8, s: 1, tp: 1 },
    ];
    let mut rows = String::new();
    let mut tests = String::new();
    for (n, c) in cases.iter().enumerate() {
        let id = format!("{prefix}-{}", n + 1);
        let m = c.b * c.s;
        let flops_total = 2 * m * p;
        let flops_chip = flops_total / c.tp;
        let w_chip = p / c.tp * 2;
        let w_total = w_chip * c.tp;
        let act_in = m * d;
        let act_out = m * d;
        let act_chip = (act_in + act_out) * 2;
        let act_total = act_chip * c.tp;
        let comm = if c.tp > 1 { m * d * 2 } else { 0 };
        let title = if c.tp > 1 {
            format!("{feature}, TP = {}", c.tp)
        } else if c.s == 1 {
            format!("{feature} decode, single chip")
        } else {
            format!("{feature}, single chip")
        };
        let config = if c.tp > 1 {
            format!("TP={}", c.tp)
        } else if c.s == 1 {
            "Decode, no parallelism".into()
        } else {
            "No parallelism".into()
        };
        rows.push_str(&format!(
            "| {id} | {config} | d={d}, M={m} | {} | {} | {} |\n",
            g(flops_chip),
            g(w_chip),
            g(act_chip)
        ));
        let flops_steps = if c.tp > 1 {
            format!(
                "* FLOPs per chip = `2 * M * P / tp`\n* = `2 * {m} * {p} / {} = {}`\n\n**Total FLOPs**\n* `flops_total = tp * flops_per_chip`\n* = `{} * {} = {}`\n\nPer chip:\n* **flops_per_chip = {}**",
                c.tp,
                g(flops_chip),
                c.tp,
                g(flops_chip),
                g(flops_total),
                g(flops_chip)
            )
        } else {
            format!(
                "* FLOPs = `2 * M * P`\n* = `2 * {m} * {p} = {}`\n\n**Total FLOPs**\n* `flops_total = {}`\n\nPer chip (1 chip):\n* **flops_per_chip = {}**",
                g(flops_total),
                g(flops_total),
                g(flops_total)
            )
        };
        let weight_steps = if c.tp > 1 {
            format!(
                "* weights per chip: `P / tp = {p} / {} = {}` elements → `{} * 2 = {}` bytes\n* Total over chips = `{} * {} = {}`",
                c.tp,
                g(p / c.tp),
                g(p / c.tp),
                g(w_chip),
                c.tp,
                g(w_chip),
                g(w_total)
            )
        } else {
            format!(
                "* weights: `P = {}` elements → `{} * 2 = {}` bytes",
                g(p),
                g(p),
                g(w_chip)
            )
        };
        let act_total_line = if c.tp > 1 {
            format!(
                "* Total over chips = `{} * {} = {}`\n",
                c.tp,
                g(act_chip),
                g(act_total)
            )
        } else {
            String::new()
        };
        let comm_steps = if c.tp > 1 {
            format!(
                "* All-reduce of the output `[M, d]`\n* communication_bytes = `M * d * bytes_per_elem = {m} * {d} * 2 = {}`",
                g(comm)
            )
        } else {
            "* Single chip: **0**".to_string()
        };
        tests.push_str(&format!(
            "\n---\n\n# Test {id} — {title}\n\n### Test case parameters\n\n* hidden_size `d` = **{d}**\n* parameters per layer `P` = **{p}**\n* batch_size `B` = **{b}**\n* seq_len `S` = **{s}**\n* bytes_per_elem = **2**\n* num_chips = **{tp}**\n* tensor_parallel `tp` = **{tp}**\n\nDerived:\n* `M = B*S = {m}`\n\n### Expected calculations (step-by-step)\n\n#### 1) FLOPs\n\n**(a) {layer}**\nEach of the P weights is used once per token:\n{flops_steps}\n\n#### 2) Weight memory\n\n{weight_steps}\n\nPer chip:\n* **weight_memory_per_chip = {wc}**\n* **weight_memory_total = {wt}**\n\n#### 3) Activation memory\n\n* input: `[M, d]` → `{m} * {d} = {ai}` elements → `{ai} * 2 = {aib}` bytes\n* output: `[M, d]` → `{m} * {d} = {ao}` elements → `{ao} * 2 = {aob}` bytes\n* Per-chip activation bytes = `{aib} + {aob}` = **{ac}**\n{act_total_line}\nPer chip:\n* **activation_memory_per_chip = {ac}**\n* **activation_memory_total = {at}**\n\n#### 4) KV cache\n\n* Not applicable for this layer: **0**\n\n#### 5) Communication\n\n{comm_steps}\n\n### Expected results\n\n**Per-chip metrics**\n* flops_per_chip: **{fc}**\n* weight_memory_per_chip: **{wc}**\n* activation_memory_per_chip: **{ac}**\n* kv_cache_per_chip: **0**\n\n**Aggregate metrics**\n* flops_total: **{ft}**\n* weight_memory_total: **{wt}**\n* activation_memory_total: **{at}**\n* kv_cache_total: **0**\n\n**Hardware-dependent (optional)**\n* communication_bytes: **{cb}**\n",
            b = c.b,
            s = c.s,
            tp = c.tp,
            layer = i.layer,
            wc = g(w_chip),
            wt = g(w_total),
            ai = g(act_in),
            aib = g(act_in * 2),
            ao = g(act_out),
            aob = g(act_out * 2),
            ac = g(act_chip),
            at = g(act_total),
            fc = g(flops_chip),
            ft = g(flops_total),
            cb = g(comm),
        ));
    }
    let assumption = if stated {
        format!("* `P` = {} parameters per layer, from the config", g(p))
    } else {
        format!(
            "* `P` = `d * d` = {}: a stand-in, the config states no parameter count",
            g(p)
        )
    };
    format!(
        "# {feature} Tests\n\n## Overview\n\nThese tests verify the correctness of:\n- **FLOPs computation**: the {layer} layer ({class})\n- **Weight memory**: Parameter storage per chip and in aggregate\n- **Activation memory**: Intermediate tensor buffers during forward pass\n- **Communication**: Inter-chip data transfer requirements\n\nScaffolded by mantile-lsp from the config: the numbers treat the layer as P weights each used\nonce per token. TODO: replace the steps with the layer's real computation.\n\n## Test Summary\n\n| Test | Config | Key Params | FLOPs/chip | Weight/chip | Activation/chip |\n|------|--------|------------|------------|-------------|-----------------|\n{rows}\n## Conventions Used in All Tests\n\n* `bytes_per_elem = 2` (FP16/BF16)\n* `B=batch_size`, `S=seq_len`, `M=B*S`\n* **FLOPs for GEMM** `(M×K)@(K×N)` = `2*M*K*N`\n* **communication_bytes** = payload bytes (logical tensor size)\n{assumption}\n{tests}",
        layer = i.layer,
        class = i.class,
    )
}
