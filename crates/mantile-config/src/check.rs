//! The semantic checks of a parsed config.

use crate::catalog::{Catalog, Category, closest};
use crate::edit::{insert_member, json_string};
use crate::params::{self, AttentionDims, ParamCount, Specs, format_short, parse_short};
use crate::rules::*;
use mantile_diag::{Diagnostic, Fix, Severity, TextEdit, TextRange, format_grouped};
use mantile_json::{Member, Node};

/// What the checks may ask of the workspace (answered by the engine, which does the I/O).
pub trait WorkspaceFiles {
    /// Whether a file exists, by path relative to the workspace root.
    fn exists(&self, rel_path: &str) -> bool;
}

/// Everything a config check needs besides the text.
pub struct ConfigContext<'a> {
    /// The file name without `.json`, when the config is a file.
    pub file_stem: Option<&'a str>,
    pub catalog: &'a Catalog,
    /// The workspace's files, when the config is inside a workspace.
    pub files: Option<&'a dyn WorkspaceFiles>,
}

/// A typed view of one `layer_types` entry.
pub struct LayerView<'a> {
    pub index: usize,
    pub node: Node<'a>,
    pub name: Option<Node<'a>>,
    pub class: Option<Node<'a>>,
    pub count: Option<u128>,
    pub supported: Option<bool>,
    pub specs: Option<Node<'a>>,
}

impl<'a> LayerView<'a> {
    pub fn name_str(&self) -> Option<&'a str> {
        self.name?.as_str()
    }

    pub fn class_str(&self) -> Option<&'a str> {
        self.class?.as_str()
    }

    pub fn specs_member(&self) -> Option<Member<'a>> {
        self.node.member("specs")
    }

    /// The role: from the class, else from a standard name.
    pub fn category(&self) -> Option<Category> {
        self.class_str()
            .and_then(Category::of_class)
            .or_else(|| Category::from_name(self.name_str()?))
    }

    /// Parameters of one instance, recomputed from the specs.
    pub fn recomputed(&self) -> Option<ParamCount> {
        params::count(self.class_str()?, Specs(self.specs?))
    }

    pub fn stated_count(&self) -> Option<Node<'a>> {
        self.specs?.get("parameter_count")
    }

    /// `"name"` for messages, or `layer_types[i]`.
    pub fn label(&self) -> String {
        match self.name_str() {
            Some(n) => format!("\"{n}\""),
            None => format!("layer_types[{}]", self.index),
        }
    }
}

pub fn layers<'a>(root: &Node<'a>) -> Vec<LayerView<'a>> {
    let Some(lt) = root.get("layer_types") else {
        return Vec::new();
    };
    lt.elements()
        .enumerate()
        .filter(|(_, n)| n.is_object())
        .map(|(index, node)| LayerView {
            index,
            node,
            name: node.get("name"),
            class: node.get("class"),
            count: node.get("count").and_then(Node::as_u128),
            supported: node.get("supported").and_then(Node::as_bool),
            specs: node.get("specs").filter(|s| s.is_object()),
        })
        .collect()
}

pub(crate) fn n(v: u128) -> String {
    format_grouped(v as i128)
}

pub fn check(text: &str, root: &Node, ctx: &ConfigContext, out: &mut Vec<Diagnostic>) {
    let layers = layers(root);
    check_ids(root, ctx, out);
    check_names(text, root, &layers, out);
    check_missing_layers(text, root, &layers, out);
    check_classes(text, root, &layers, ctx, out);
    check_gap_reports(&layers, out);
    check_gap_files(text, root, ctx, out);
    check_dimensions(root, &layers, out);
    check_parameter_counts(&layers, out);
    check_totals(root, &layers, out);
    check_layer_counts(root, &layers, out);
}

fn check_ids(root: &Node, ctx: &ConfigContext, out: &mut Vec<Diagnostic>) {
    let model_id = root.get("model_id").filter(|n| n.as_str().is_some());
    if let (Some(stem), Some(id)) = (ctx.file_stem, model_id)
        && id.as_str() != Some(stem)
    {
        out.push(
            Diagnostic::new(
                &MODEL_ID_FILENAME,
                id.range,
                format!(
                    "model_id \"{}\" does not match the file name \"{stem}.json\"",
                    id.as_str().unwrap_or_default()
                ),
            )
            .with_fix(Fix::replace(
                format!("Set model_id to \"{stem}\""),
                id.range,
                json_string(stem),
            )),
        );
    }
    let hf = root.get("hf_model_id");
    if let (Some(id_node), Some(hf_node)) = (model_id, hf)
        && let (Some(id), Some(hf)) = (id_node.as_str(), hf_node.as_str())
        && hf.contains('/')
    {
        let expected = hf.replace('/', "_");
        if id != expected {
            let case_only = id.eq_ignore_ascii_case(&expected);
            let mut d = Diagnostic::new(
                &HF_MODEL_ID,
                id_node.range,
                if case_only {
                    format!(
                        "model_id \"{id}\" differs only in letter case from hf_model_id \"{hf}\" with `/` → `_` (\"{expected}\")"
                    )
                } else {
                    format!("model_id \"{id}\" should be hf_model_id \"{hf}\" with `/` → `_`: \"{expected}\"")
                },
            )
            .with_related(hf_node.range, "hf_model_id is here");
            if case_only {
                d = d.with_severity(Severity::Warning);
            }
            out.push(d);
        }
    }
}

fn check_names(text: &str, root: &Node, layers: &[LayerView], out: &mut Vec<Diagnostic>) {
    // Unique names.
    for (i, l) in layers.iter().enumerate() {
        let (Some(name), Some(node)) = (l.name_str(), l.name) else {
            continue;
        };
        if let Some(first) = layers[..i].iter().find(|p| p.name_str() == Some(name)) {
            out.push(
                Diagnostic::new(
                    &DUPLICATE_LAYER_NAME,
                    node.range,
                    format!("duplicate layer name \"{name}\""),
                )
                .with_related(
                    first.name.map(|n| n.range).unwrap_or_default(),
                    "first used here",
                ),
            );
        }
    }
    // Standard names.
    for l in layers {
        let (Some(name), Some(node)) = (l.name_str(), l.name) else {
            continue;
        };
        if Category::from_name(name).is_some() {
            continue;
        }
        // A layer of no standard role (an unsupported kind) has no standard name to follow.
        let Some(cat) = l.class_str().and_then(Category::of_class) else {
            continue;
        };
        let mut message = format!(
            "layer name \"{name}\" is not a standard name (attention, feedforward, norm, embedding)"
        );
        let mut d_fix = None;
        {
            let std = cat.standard_name();
            let class = l.class_str().unwrap_or_default();
            let rivals: Vec<String> = layers
                .iter()
                .filter(|o| o.index != l.index)
                .filter(|o| {
                    o.name_str() == Some(std)
                        || o.class_str().and_then(Category::of_class) == Some(cat)
                })
                .map(|o| o.label())
                .collect();
            // Several layers of one role cannot all take its standard name
            // (a model with sliding and full attention, dense and MoE
            // feed-forward blocks): `<standard>_<kind>` is then the way to
            // follow the convention.
            if !rivals.is_empty()
                && name
                    .strip_prefix(std)
                    .is_some_and(|rest| rest.starts_with('_') && rest.len() > 1)
            {
                continue;
            }
            if rivals.is_empty() {
                message.push_str(&format!(": a {class} is the `{std}` layer"));
                d_fix = Some(Fix::replace(
                    format!("Rename to \"{std}\""),
                    node.range,
                    json_string(std),
                ));
            } else {
                message.push_str(&format!(
                    ": the standard name for a {class} is `{std}`, also wanted by {}",
                    rivals.join(", ")
                ));
            }
        }
        let mut d = Diagnostic::new(&NONSTANDARD_LAYER_NAME, node.range, message);
        if let Some(f) = d_fix {
            d = d.with_fix(f);
        }
        out.push(d);
    }
    // Standard order.
    let ranks: Vec<Option<Category>> = layers.iter().map(LayerView::category).collect();
    let mut max_seen: Option<(Category, usize)> = None;
    for (i, r) in ranks.iter().enumerate() {
        let Some(r) = *r else { continue };
        if let Some((m, mi)) = max_seen
            && r < m
        {
            let l = &layers[i];
            let anchor = l
                .name
                .map(|n| n.range)
                .unwrap_or_else(|| first_char(l.node));
            let mut d = Diagnostic::new(
                &LAYER_ORDER,
                anchor,
                format!(
                    "layer {} ({}) comes after {} ({}); the standard order is attention, feedforward, norm, embedding",
                    l.label(),
                    r.standard_name(),
                    layers[mi].label(),
                    m.standard_name()
                ),
            );
            if let Some(fix) = reorder_fix(text, root, layers, &ranks) {
                d = d.with_fix(fix);
            }
            out.push(d);
            break;
        }
        if max_seen.is_none_or(|(m, _)| r > m) {
            max_seen = Some((r, i));
        }
    }
}

fn first_char(node: Node) -> TextRange {
    TextRange::new(node.range.start as usize, node.range.start as usize + 1)
}

/// Reorders `layer_types` by role, keeping each entry's text (and unknown
/// roles after the entry before them).
fn reorder_fix(
    text: &str,
    root: &Node,
    layers: &[LayerView],
    ranks: &[Option<Category>],
) -> Option<Fix> {
    let elements: Vec<Node> = root.get("layer_types")?.elements().collect();
    if elements.len() != layers.len() {
        return None; // a non-object entry: leave it to the user
    }
    let mut keyed: Vec<(usize, usize)> = Vec::new();
    let mut last = 0usize;
    for (i, r) in ranks.iter().enumerate() {
        if let Some(r) = r {
            last = *r as usize;
        }
        keyed.push((last, i));
    }
    keyed.sort_by_key(|&(rank, i)| (rank, i));
    let edits = elements
        .iter()
        .zip(&keyed)
        .map(|(slot, &(_, src))| TextEdit {
            range: slot.range,
            new_text: text[elements[src].range.as_range()].to_string(),
        })
        .collect();
    Some(Fix {
        title: "Reorder layer_types: attention, feedforward, norm, embedding".into(),
        edits,
    })
}

/// A standard layer, with specs derived from the config, as JSON text
/// indented like the entries of `layer_types`.
fn standard_layer_json(
    cat: Category,
    root: &Node,
    layers: &[LayerView],
    indent: &str,
    unit: &str,
) -> Option<String> {
    let d = root.get("hidden_size")?.as_u128()?;
    let nl = root.get("num_layers").and_then(Node::as_u128);
    let (class, count, specs): (&str, u128, Vec<(&str, u128)>) = match cat {
        Category::Norm => (
            "NormLayer",
            nl.map(|n| 2 * n + 1)?,
            vec![("hidden_size", d)],
        ),
        Category::Embedding => (
            "EmbeddingLayer",
            1,
            vec![
                ("vocab_size", root.get("vocab_size")?.as_u128()?),
                ("hidden_size", d),
            ],
        ),
        _ => return None,
    };
    let _ = layers;
    let mut spec_text: Vec<String> = specs.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
    let json_specs = format!("{{{}}}", spec_text.join(", "));
    let parsed = mantile_json::parse(&json_specs);
    if let Some(pc) = params::count(class, Specs(parsed.root()?)) {
        spec_text.push(format!("\"parameter_count\": {}", pc.total));
    }
    if cat == Category::Norm {
        spec_text.insert(1, "\"has_bias\": false".to_string());
    }
    let inner = format!("{indent}{unit}");
    let specs_inner = format!("{inner}{unit}");
    Some(format!(
        "{{\n{inner}\"name\": \"{}\",\n{inner}\"class\": \"{class}\",\n{inner}\"count\": {count},\n{inner}\"specs\": {{\n{specs_inner}{}\n{inner}}}\n{indent}}}",
        cat.standard_name(),
        spec_text.join(&format!(",\n{specs_inner}"))
    ))
}

/// A model always has token embeddings and norms; a config without them
/// misses their parameters and memory. Attention and feed-forward layers
/// are too model-specific to add, so only embedding and norm get a fix.
fn check_missing_layers(text: &str, root: &Node, layers: &[LayerView], out: &mut Vec<Diagnostic>) {
    let Some(lt) = root.member("layer_types") else {
        return;
    };
    if layers.is_empty() || lt.value.elements().len() != layers.len() {
        return;
    }
    // A layer of unknown role may be the model's mixer (a Mamba block): then
    // missing attention or feed-forward layers are not a defect.
    let unknown_role = layers.iter().any(|l| l.category().is_none());
    for cat in Category::ALL {
        if layers.iter().any(|l| l.category() == Some(cat))
            || (unknown_role && matches!(cat, Category::Attention | Category::FeedForward))
        {
            continue;
        }
        let mut d = Diagnostic::new(
            &MISSING_LAYER,
            lt.key_range,
            format!(
                "layer_types has no {} layer (standard: attention, feedforward, norm, embedding)",
                cat.standard_name()
            ),
        );
        let Some(first) = lt.value.elements().next() else {
            continue;
        };
        let indent = crate::edit::indent_at(text, first.range.start as usize).to_string();
        let unit = crate::edit::detect_indent_unit(text).to_string();
        if let Some(json) = standard_layer_json(cat, root, layers, &indent, &unit) {
            // Insert after the last layer of an earlier role (standard order), else first.
            let after = layers
                .iter()
                .rev()
                .find(|l| l.category().is_some_and(|c| c < cat));
            let edit = match after {
                Some(l) => TextEdit {
                    range: TextRange::empty(l.node.range.end as usize),
                    new_text: format!(",\n{indent}{json}"),
                },
                None => TextEdit {
                    range: TextRange::empty(first.range.start as usize),
                    new_text: format!("{json},\n{indent}"),
                },
            };
            let name = cat.standard_name();
            let article = if name.starts_with(['a', 'e']) {
                "an"
            } else {
                "a"
            };
            d = d.with_fix(Fix {
                title: format!("Add {article} {name} layer"),
                edits: vec![edit],
            });
        }
        out.push(d);
    }
}

/// Other names people and tools use for a spec key (Hugging Face names
/// included), for "did you mean" on unknown keys.
const SPEC_ALIASES: &[(&str, &[&str])] = &[
    ("num_heads", &["num_query_heads"]),
    ("num_query_heads", &["num_heads"]),
    ("num_attention_heads", &["num_heads", "num_query_heads"]),
    ("n_heads", &["num_heads", "num_query_heads"]),
    ("num_key_value_heads", &["num_kv_heads"]),
    ("n_kv_heads", &["num_kv_heads"]),
    ("num_local_experts", &["num_experts"]),
    ("n_routed_experts", &["num_experts"]),
    ("num_experts_per_tok", &["top_k"]),
    ("experts_per_token", &["top_k"]),
    ("moe_intermediate_size", &["intermediate_size"]),
    ("ffn_dim", &["intermediate_size"]),
    ("attention_bias", &["has_bias"]),
    ("bias", &["has_bias"]),
    ("window_size", &["sliding_window"]),
    ("d_model", &["hidden_size"]),
    ("dim", &["hidden_size"]),
];

fn check_classes(
    text: &str,
    root: &Node,
    layers: &[LayerView],
    ctx: &ConfigContext,
    out: &mut Vec<Diagnostic>,
) {
    for l in layers {
        let (Some(class_node), Some(class)) = (l.class, l.class_str()) else {
            continue;
        };
        let Some(def) = ctx.catalog.get(class) else {
            if l.supported == Some(false) {
                continue; // an unsupported layer may name a class Mantile lacks
            }
            let mut d = Diagnostic::new(
                &UNKNOWN_CLASS,
                class_node.range,
                format!("unknown layer class `{class}`"),
            );
            match ctx.catalog.suggest(class) {
                Some(s) => {
                    d.message.push_str(&format!(": did you mean `{s}`?"));
                    d = d.with_fix(Fix::replace(
                        format!("Change to `{s}`"),
                        class_node.range,
                        json_string(s),
                    ));
                }
                None => {
                    let known: Vec<&str> = ctx
                        .catalog
                        .classes
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect();
                    d.message.push_str(&format!(
                        " (known: {}); if Mantile cannot model this layer yet, set `\"supported\": false` and add a `gap_report`",
                        known.join(", ")
                    ));
                }
            }
            out.push(d);
            continue;
        };
        let Some(specs) = l.specs else { continue };
        let specs_key = l.specs_member().map(|m| m.key_range).unwrap_or(specs.range);
        if l.supported != Some(false) {
            for req in def.required() {
                if specs.get(req).is_some() {
                    continue;
                }
                let mut d = Diagnostic::new(
                    &MISSING_SPEC,
                    specs_key,
                    format!(
                        "{class} requires the spec `{req}`, missing in layer {}",
                        l.label()
                    ),
                );
                let derived = match req {
                    "hidden_size" | "vocab_size" => root.get(req).and_then(Node::as_u128),
                    _ => None,
                };
                if let Some(v) = derived
                    && let Some(edit) = insert_member(text, specs, req, &v.to_string())
                {
                    d = d.with_fix(Fix {
                        title: format!("Add `{req}`: {v} (the model's {req})"),
                        edits: vec![edit],
                    });
                }
                out.push(d);
            }
        }
        for m in specs.members() {
            if def.accepts(m.key) {
                continue;
            }
            let mut d = Diagnostic::new(
                &UNKNOWN_SPEC,
                m.key_range,
                format!("{class} does not take the spec `{}`", m.key),
            );
            let alias = SPEC_ALIASES
                .iter()
                .find(|(k, _)| *k == m.key)
                .and_then(|(_, to)| to.iter().find(|t| def.accepts(t)).copied());
            let candidates: Vec<&str> = def
                .params
                .iter()
                .flatten()
                .map(|p| p.name.as_str())
                .chain(crate::catalog::METADATA_SPECS.iter().copied())
                .collect();
            if let Some(s) = alias.or_else(|| closest(m.key, candidates.iter().copied())) {
                d.message.push_str(&format!(": did you mean `{s}`?"));
                if specs.get(s).is_none() {
                    d = d.with_fix(Fix::replace(
                        format!("Rename to `{s}`"),
                        m.key_range,
                        json_string(s),
                    ));
                }
            } else if let Some(ps) = &def.params {
                let names: Vec<&str> = ps.iter().map(|p| p.name.as_str()).collect();
                d.message
                    .push_str(&format!(" (it takes {})", names.join(", ")));
            }
            out.push(d);
        }
    }
}

/// The workspace path a `gap_report` value names, and its byte range in the
/// document. Accepts `model_builder/gaps/x.md`, `gaps/x.md`, `x.md` and prose
/// around the path (`See model_builder/gaps/x.md`).
pub fn gap_report_path(value: Node, text_of_value: &str) -> Option<(String, TextRange)> {
    let raw = text_of_value;
    let end = raw.find(".md")? + 3;
    let start = raw[..end]
        .rfind(|c: char| c.is_whitespace() || c == '"' || c == '`' || c == '(')
        .map(|i| i + 1)
        .unwrap_or(0);
    let token = &raw[start..end];
    if token.len() <= 3 || token.contains('\\') {
        return None;
    }
    let token = token.strip_prefix("./").unwrap_or(token);
    let path = if token.starts_with("model_builder/") {
        token.to_string()
    } else if token.starts_with("gaps/") {
        format!("model_builder/{token}")
    } else if !token.contains('/') {
        format!("model_builder/gaps/{token}")
    } else {
        token.to_string()
    };
    let at = value.range.start as usize + start;
    Some((path, TextRange::new(at, value.range.start as usize + end)))
}

fn check_gap_reports(layers: &[LayerView], out: &mut Vec<Diagnostic>) {
    for l in layers {
        let gap = l.node.get("gap_report");
        if l.supported == Some(false) && gap.is_none() {
            let anchor = l
                .node
                .get("supported")
                .map(|s| s.range)
                .unwrap_or_else(|| first_char(l.node));
            out.push(Diagnostic::new(
                &MISSING_GAP_REPORT,
                anchor,
                format!(
                    "layer {} is marked `supported: false` but names no `gap_report` (model_builder/gaps/<layer>.md)",
                    l.label()
                ),
            ));
        }
    }
}

/// Checks `gap_report` files; needs the raw text, so it is separate from `check`.
pub fn check_gap_files(text: &str, root: &Node, ctx: &ConfigContext, out: &mut Vec<Diagnostic>) {
    for l in layers(root) {
        let Some(gap) = l.node.get("gap_report").filter(|g| g.as_str().is_some()) else {
            continue;
        };
        match gap_report_path(gap, &text[gap.range.as_range()]) {
            None => out.push(Diagnostic::new(
                &GAP_REPORT_NOT_FOUND,
                gap.range,
                "gap_report does not name a Markdown file (expected model_builder/gaps/<layer>.md)",
            )),
            Some((path, range)) => {
                if let Some(files) = ctx.files
                    && !files.exists(&path)
                {
                    out.push(Diagnostic::new(
                        &GAP_REPORT_NOT_FOUND,
                        range,
                        format!("gap report `{path}` does not exist in the workspace"),
                    ));
                }
            }
        }
    }
}

fn check_dimensions(root: &Node, layers: &[LayerView], out: &mut Vec<Diagnostic>) {
    let top_d = root.get("hidden_size").filter(|n| n.as_u128().is_some());
    let top_v = root.get("vocab_size").filter(|n| n.as_u128().is_some());
    for l in layers {
        let Some(specs) = l.specs else { continue };
        let s = Specs(specs);
        for (key, top, rule) in [
            ("hidden_size", top_d, &HIDDEN_SIZE_MISMATCH),
            ("vocab_size", top_v, &VOCAB_SIZE_MISMATCH),
        ] {
            let (Some(spec), Some(top)) = (specs.get(key), top) else {
                continue;
            };
            let (Some(a), Some(b)) = (spec.as_u128(), top.as_u128()) else {
                continue;
            };
            if a != b {
                out.push(
                    Diagnostic::new(
                        rule,
                        spec.range,
                        format!(
                            "{key} {a} of layer {} differs from the model's {key} {b}",
                            l.label()
                        ),
                    )
                    .with_related(top.range, format!("the model's {key}"))
                    .with_fix(Fix::replace(
                        format!("Set {key} to {b}"),
                        spec.range,
                        b.to_string(),
                    )),
                );
            }
        }
        let class = l.class_str().unwrap_or_default();
        if let (Some(h), Some(kv_node)) = (s.heads(), specs.get("num_kv_heads"))
            && let Some(kv) = kv_node.as_u128()
            && (kv == 0 || h % kv != 0)
        {
            out.push(Diagnostic::new(
                &KV_HEADS,
                kv_node.range,
                format!("{h} query heads cannot be shared evenly by {kv} key/value heads (query heads must be a multiple of num_kv_heads)"),
            ));
        }
        if let (Some(k_node), Some(e)) = (specs.get("top_k"), s.int("num_experts"))
            && let Some(k) = k_node.as_u128()
            && k > e
        {
            out.push(Diagnostic::new(
                &TOP_K,
                k_node.range,
                format!("top_k {k} exceeds num_experts {e}: a token cannot be routed to more experts than exist"),
            ));
        }
        if let Some(np_node) = specs.get("num_projections")
            && let Some(np) = np_node.as_u128()
            && !(2..=3).contains(&np)
        {
            out.push(Diagnostic::new(
                &NUM_PROJECTIONS,
                np_node.range,
                format!("num_projections must be 2 (up, down) or 3 (gate, up, down), found {np}"),
            ));
        }
        if Category::of_class(class) == Some(Category::Attention)
            && let Some(a) = AttentionDims::from_specs(class, s)
            && a.q_width() != a.d
        {
            let anchor = specs
                .member("head_dim")
                .map(|m| m.key_range)
                .unwrap_or(specs.range);
            let (d, q) = (a.d, a.q_width());
            let mut msg = format!(
                "dimension mismatch: query width h·dh = {}×{} = {q} differs from hidden_size {d}, so q_proj is ({q}, {d}) and o_proj is ({d}, {q}), not square",
                a.heads, a.head_dim
            );
            if class == "GroupedQueryAttentionLayer" {
                let assumed = params::gqa_class_assumed(&a);
                let truth = d * q + 2 * d * a.kv_width() + q * d;
                let diff = truth.abs_diff(assumed);
                msg.push_str(&format!(
                    "; GroupedQueryAttentionLayer assumes o_proj is {d}×{d}, which {} its weights by {} parameters per layer",
                    if truth > assumed { "undercounts" } else { "overcounts" },
                    n(diff)
                ));
            }
            out.push(Diagnostic::new(&ATTENTION_WIDTH, anchor, msg));
        }
    }
}

fn check_parameter_counts(layers: &[LayerView], out: &mut Vec<Diagnostic>) {
    for l in layers {
        let (Some(stated_node), Some(pc)) = (l.stated_count(), l.recomputed()) else {
            continue;
        };
        let Some(stated) = stated_node.as_u128() else {
            continue;
        };
        if stated == pc.total {
            continue;
        }
        let mut msg = format!(
            "parameter_count {} of layer {} does not match its specs: {} = {}",
            n(stated),
            l.label(),
            pc.numbers(),
            n(pc.total)
        );
        if l.class_str() == Some("GroupedQueryAttentionLayer")
            && let Some(a) = AttentionDims::from_specs(
                "GroupedQueryAttentionLayer",
                Specs(l.specs.unwrap_or(l.node)),
            )
            && params::gqa_class_assumed(&a) == stated
        {
            msg.push_str(" (the stated value assumes a square o_proj)");
        }
        out.push(
            Diagnostic::new(&PARAMETER_COUNT, stated_node.range, msg).with_fix(Fix::replace(
                format!("Set parameter_count to {}", n(pc.total)),
                stated_node.range,
                pc.total.to_string(),
            )),
        );
    }
}

/// A known piece of a model that configs leave out of `layer_types`.
struct Piece {
    what: String,
    value: u128,
    /// How unusual the piece is: explanations prefer the common pieces
    /// (lm_head, norms, q/k/v biases, sinks: 1) over rarer ones (q/k norms,
    /// MLP and router biases, an lm_head bias: 3), so that a coincidental sum
    /// of rare pieces never replaces the usual account.
    cost: u32,
}

fn known_pieces(root: &Node, layers: &[LayerView]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let d = root.get("hidden_size").and_then(Node::as_u128);
    let v = root.get("vocab_size").and_then(Node::as_u128);
    let nl = root.get("num_layers").and_then(Node::as_u128);
    let has = |c: Category| layers.iter().any(|l| l.category() == Some(c));
    if let (Some(d), Some(v)) = (d, v)
        && has(Category::Embedding)
    {
        pieces.push(Piece {
            what: format!("an untied lm_head V×d = {v}×{d} = {}", n(v * d)),
            value: v * d,
            cost: 1,
        });
    }
    if let Some(norm) = layers.iter().find(|l| l.category() == Some(Category::Norm))
        && let Some(per) = norm
            .recomputed()
            .map(|p| p.total)
            .or_else(|| norm.stated_count()?.as_u128())
    {
        pieces.push(Piece {
            what: format!("a final norm ({})", n(per)),
            value: per,
            cost: 1,
        });
        if let (Some(nl), Some(c)) = (nl, norm.count)
            && c == nl
        {
            pieces.push(Piece {
                what: format!("a second norm per block {nl}×{per} = {}", n(nl * per)),
                value: nl * per,
                cost: 1,
            });
        }
    }
    // q/k/v biases (Qwen2-style) in attention layers that state no has_bias.
    let qkv_bias: u128 = layers
        .iter()
        .filter(|l| l.category() == Some(Category::Attention))
        .filter(|l| l.specs.and_then(|s| s.get("has_bias")?.as_bool()) != Some(true))
        .filter_map(|l| {
            let a = AttentionDims::from_specs(l.class_str()?, Specs(l.specs?))?;
            Some(l.count? * (a.q_width() + 2 * a.kv_width()))
        })
        .sum();
    if qkv_bias > 0 {
        pieces.push(Piece {
            what: format!(
                "q/k/v projection biases in the attention layers ({})",
                n(qkv_bias)
            ),
            value: qkv_bias,
            cost: 1,
        });
    }
    // q/k norms (Qwen3, Gemma-3: over each head; OLMo-2, Command-R: over
    // the full query and key widths), which no attention class counts.
    let attn_dims: Vec<(u128, AttentionDims)> = layers
        .iter()
        .filter(|l| l.category() == Some(Category::Attention))
        .filter_map(|l| {
            Some((
                l.count?,
                AttentionDims::from_specs(l.class_str()?, Specs(l.specs?))?,
            ))
        })
        .collect();
    let per_head: u128 = attn_dims.iter().map(|(c, a)| c * 2 * a.head_dim).sum();
    if per_head > 0 {
        pieces.push(Piece {
            what: format!(
                "q/k norms over each head, 2×head_dim per attention layer ({})",
                n(per_head)
            ),
            value: per_head,
            cost: 3,
        });
    }
    let full_width: u128 = attn_dims
        .iter()
        .map(|(c, a)| c * (a.q_width() + a.kv_width()))
        .sum();
    if full_width > 0 && full_width != per_head {
        pieces.push(Piece {
            what: format!(
                "q/k norms over the full query and key widths ({})",
                n(full_width)
            ),
            value: full_width,
            cost: 3,
        });
    }
    // MLP biases (Phi-2, StarCoder2): MLPLayer and GatedMLPLayer count none.
    let mlp_bias: u128 = layers
        .iter()
        .filter(|l| matches!(l.class_str(), Some("MLPLayer" | "GatedMLPLayer")))
        .filter_map(|l| {
            let s = Specs(l.specs?);
            let (d, di) = (s.int("hidden_size")?, s.int("intermediate_size")?);
            let up =
                if l.class_str() == Some("GatedMLPLayer") || s.int("num_projections") == Some(3) {
                    2 * di
                } else {
                    di
                };
            Some(l.count? * (up + d))
        })
        .sum();
    if mlp_bias > 0 {
        pieces.push(Piece {
            what: format!("MLP projection biases ({})", n(mlp_bias)),
            value: mlp_bias,
            cost: 3,
        });
    }
    // Router biases (one per expert: GPT-OSS's router.bias, DeepSeek-V3's
    // score-correction bias) in MoE layers that state no has_bias.
    let router_bias: u128 = layers
        .iter()
        .filter(|l| l.class_str() == Some("MoELayer"))
        .filter(|l| l.specs.and_then(|s| s.get("has_bias")?.as_bool()) != Some(true))
        .filter_map(|l| Some(l.count? * Specs(l.specs?).int("num_experts")?))
        .sum();
    if router_bias > 0 {
        pieces.push(Piece {
            what: format!(
                "router biases, one per expert in each MoE layer ({})",
                n(router_bias)
            ),
            value: router_bias,
            cost: 3,
        });
    }
    // The lm_head's own bias (Phi-2).
    if let Some(v) = v
        && has(Category::Embedding)
    {
        pieces.push(Piece {
            what: format!("the lm_head's bias ({})", n(v)),
            value: v,
            cost: 3,
        });
    }
    let sinks = layers.iter().any(|l| {
        l.specs
            .and_then(|s| s.get("num_sinks")?.as_u128())
            .unwrap_or(0)
            > 0
    });
    if sinks {
        let total: u128 = layers
            .iter()
            .filter(|l| l.category() == Some(Category::Attention))
            .filter_map(|l| Some(l.count? * Specs(l.specs?).heads()?))
            .sum();
        if total > 0 {
            pieces.push(Piece {
                what: format!(
                    "learned attention sinks, one per query head in every attention layer ({})",
                    n(total)
                ),
                value: total,
                cost: 1,
            });
        }
    }
    pieces
}

/// The smallest combination of pieces that configs leave out of
/// `layer_types` (untied lm_head, final norm, second norm per block, attention
/// sinks) whose parameters add up to exactly `diff`, described.
pub(crate) fn explain_difference(
    root: &Node,
    layers: &[LayerView],
    diff: u128,
    lm_head_possible: bool,
) -> Option<Vec<String>> {
    let mut pieces = known_pieces(root, layers);
    if !lm_head_possible {
        pieces.retain(|p| !p.what.contains("lm_head"));
    }
    let mut best: Option<(u32, Vec<usize>)> = None;
    for mask in 1u32..(1 << pieces.len()) {
        let chosen: Vec<usize> = (0..pieces.len()).filter(|i| mask & (1 << i) != 0).collect();
        let cost: u32 = chosen.iter().map(|&i| pieces[i].cost).sum();
        if chosen.iter().map(|&i| pieces[i].value).sum::<u128>() == diff
            && best
                .as_ref()
                .is_none_or(|(c, b)| (cost, chosen.len()) < (*c, b.len()))
        {
            best = Some((cost, chosen));
        }
    }
    let best = best.map(|(_, b)| b);
    best.map(|chosen| chosen.into_iter().map(|i| pieces[i].what.clone()).collect())
}

/// Σ count × parameters per layer (recomputed where the class is known, else
/// stated), with the terms; `None` when a layer's parameters are unknown.
pub(crate) fn layer_sum(layers: &[LayerView]) -> Option<(u128, Vec<String>, bool)> {
    let mut sum: u128 = 0;
    let mut recomputed_used = false;
    let mut parts = Vec::new();
    for l in layers {
        let count = l.count.filter(|&c| c > 0)?;
        let stated = l.stated_count().and_then(Node::as_u128);
        let per = match (l.recomputed(), stated) {
            (Some(pc), s) => {
                if s.is_some_and(|s| s != pc.total) {
                    recomputed_used = true;
                }
                pc.total
            }
            (None, Some(s)) => s,
            (None, None) => return None,
        };
        sum += count * per;
        parts.push(format!("{}×{}", count, n(per)));
    }
    Some((sum, parts, recomputed_used))
}

fn check_totals(root: &Node, layers: &[LayerView], out: &mut Vec<Diagnostic>) {
    let total_node = root.get("total_params");
    let total = total_node.and_then(Node::as_u128);
    if let (Some(t), Some(fmt_node)) = (total, root.get("total_params_formatted"))
        && let Some(s) = fmt_node.as_str()
        && let Some((value, half)) = parse_short(s)
        && ((t as f64) - value).abs() > half * 1.000_001
    {
        let want = format_short(t);
        out.push(
            Diagnostic::new(
                &TOTAL_PARAMS_FORMATTED,
                fmt_node.range,
                format!(
                    "total_params_formatted \"{s}\" does not agree with total_params {} ({want})",
                    n(t)
                ),
            )
            .with_fix(Fix::replace(
                format!("Set to \"{want}\""),
                fmt_node.range,
                json_string(&want),
            )),
        );
    }
    let (Some(total_node), Some(total)) = (total_node, total) else {
        return;
    };
    if layers.is_empty() {
        return;
    }
    let Some((sum, parts, recomputed_used)) = layer_sum(layers) else {
        return;
    };
    if sum == total {
        return;
    }
    let basis = if recomputed_used {
        " (with recomputed parameter counts)"
    } else {
        ""
    };
    if total > sum {
        let diff = total - sum;
        if let Some(what) = explain_difference(root, layers, diff, true) {
            out.push(
                Diagnostic::new(
                    &TOTAL_PARAMS,
                    total_node.range,
                    format!(
                        "total_params {} exceeds the layers' sum {}{basis} by {}, which is exactly {}; layer_types does not list {}, so Mantile's own parameter total is lower",
                        n(total),
                        n(sum),
                        n(diff),
                        what.join(" + "),
                        if what.len() == 1 { "it" } else { "them" }
                    ),
                )
                .with_severity(Severity::Info),
            );
            return;
        }
    }
    let diff = total as i128 - sum as i128;
    out.push(
        Diagnostic::new(
            &TOTAL_PARAMS,
            total_node.range,
            format!(
                "total_params {} differs from the layers' sum Σ count × parameters = {} = {}{basis} by {} ({:+.2}%)",
                n(total),
                parts.join(" + "),
                n(sum),
                format_grouped(diff),
                diff as f64 / sum.max(1) as f64 * 100.0
            ),
        )
        .with_fix(Fix::replace(
            format!("Set total_params to {}", n(sum)),
            total_node.range,
            sum.to_string(),
        )),
    );
}

fn check_layer_counts(root: &Node, layers: &[LayerView], out: &mut Vec<Diagnostic>) {
    let Some(nl_node) = root.get("num_layers") else {
        return;
    };
    let Some(nl) = nl_node.as_u128() else { return };
    let unknown_role = layers.iter().any(|l| l.category().is_none());
    for cat in [Category::Attention, Category::FeedForward] {
        let of_cat: Vec<&LayerView> = layers
            .iter()
            .filter(|l| l.category() == Some(cat))
            .collect();
        if of_cat.is_empty() || of_cat.iter().any(|l| l.count.is_none()) {
            continue;
        }
        let sum: u128 = of_cat.iter().filter_map(|l| l.count).sum();
        if sum == nl || (sum < nl && unknown_role) {
            continue;
        }
        let parts: Vec<String> = of_cat
            .iter()
            .map(|l| format!("{} {}", l.label(), l.count.unwrap_or(0)))
            .collect();
        let mut d = Diagnostic::new(
            &LAYER_COUNT,
            nl_node.range,
            format!(
                "{} layer counts add up to {sum} ({}), but num_layers is {nl}",
                cat.standard_name(),
                parts.join(" + ")
            ),
        );
        if sum < nl {
            d = d.with_severity(Severity::Warning);
        }
        for l in &of_cat {
            if let Some(c) = l.node.get("count") {
                d = d.with_related(c.range, format!("count of {}", l.label()));
            }
        }
        out.push(d);
    }
    // Norm count: one per block is judgement (conventions vary), so a hint.
    let blocks_have_both = [Category::Attention, Category::FeedForward]
        .iter()
        .all(|c| layers.iter().any(|l| l.category() == Some(*c)));
    if blocks_have_both
        && let Some(norm) = layers.iter().find(|l| l.category() == Some(Category::Norm))
        && norm.count == Some(nl)
        && let Some(c) = norm.node.get("count")
    {
        out.push(Diagnostic::new(
            &NORM_COUNT,
            c.range,
            format!(
                "norm count {nl} equals num_layers: pre-norm transformer blocks usually have two norms each (before attention and before the MLP) plus a final norm, {}; check the model's tensors",
                2 * nl + 1
            ),
        ));
    }
}
