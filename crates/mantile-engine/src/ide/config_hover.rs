//! Hover cards for model configs: what a key or value means, with the
//! numbers worked out (dimensions, parameter formulas, weight and KV-cache
//! bytes). Pure: text and a byte offset in, Markdown and the byte range it
//! describes out. The language server converts positions at its edge.

use mantile_config::catalog::{Catalog, Category, ClassSource, LayerClass};
use mantile_config::params::ParamCount;
use mantile_config::schema;
use mantile_config::{LayerView, layers};
use mantile_diag::TextRange;
use mantile_json::{Kind, Node, Tree, parse};
use mantile_model::{Dimensions, LayerSpecs, preview};
use std::fmt::Write as _;

/// A hover card: Markdown describing the key or value at `range`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverCard {
    pub range: TextRange,
    pub markdown: String,
}

/// Layers the `total_params` table lists before "… more layers".
const TABLE_ROWS: usize = 100;

/// Bytes per parameter of the weight formats the cards show.
const FORMATS: [(&str, u128); 2] = [("bf16", 2), ("fp8", 1)];

/// One step of the path from the root to the hovered node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// What the cursor is on: the path to it and the range to highlight.
struct Hit<'a> {
    path: Vec<Step<'a>>,
    range: TextRange,
}

/// The card for the config `text` at byte `offset`, or `None` where there is
/// nothing to say (whitespace, unknown keys, a document that does not parse).
pub fn hover(text: &str, offset: usize, catalog: &Catalog) -> Option<HoverCard> {
    hover_tree(&parse(text), offset, catalog)
}

/// [`hover`] on a document already parsed (the parts that parse, also while
/// another part has a syntax error).
pub fn hover_tree(tree: &Tree, offset: usize, catalog: &Catalog) -> Option<HoverCard> {
    let root = tree.root()?;
    if !root.is_object() {
        return None;
    }
    let hit = locate(root, offset, Vec::new())?;
    let markdown = card(root, &hit.path, catalog)?;
    Some(HoverCard {
        range: hit.range,
        markdown,
    })
}

fn locate<'a>(node: Node<'a>, offset: usize, path: Vec<Step<'a>>) -> Option<Hit<'a>> {
    if !node.range.contains(offset) {
        return None;
    }
    match node.kind() {
        Kind::Object => {
            for m in node.members() {
                let mut p = path.clone();
                p.push(Step::Key(m.key));
                if m.key_range.contains(offset) {
                    return Some(Hit {
                        path: p,
                        range: m.key_range,
                    });
                }
                if m.value.range.contains(offset) {
                    return locate(m.value, offset, p);
                }
            }
        }
        Kind::Array => {
            for (i, item) in node.elements().enumerate() {
                if item.range.contains(offset) {
                    let mut p = path.clone();
                    p.push(Step::Index(i));
                    return locate(item, offset, p);
                }
            }
        }
        _ => {}
    }
    // On a scalar, or between the members of an object or array.
    let range = match node.kind() {
        Kind::Object | Kind::Array => {
            TextRange::new(node.range.start as usize, node.range.start as usize + 1)
        }
        _ => node.range,
    };
    Some(Hit { path, range })
}

fn card(root: Node, path: &[Step], catalog: &Catalog) -> Option<String> {
    match path {
        [] => None,
        [Step::Key("total_params" | "total_params_formatted")] => Some(total_card(root)),
        [Step::Key("layer_types"), Step::Index(i), rest @ ..] => {
            let all = layers(&root);
            let Some(l) = all.iter().find(|l| l.index == *i) else {
                return description_card(path);
            };
            match rest {
                []
                | [Step::Key("name" | "specs")]
                | [Step::Key("specs"), Step::Key("parameter_count")] => {
                    Some(layer_card(l, &all, catalog))
                }
                [Step::Key("class")] => {
                    let class = l.class_str().and_then(|c| catalog.get(c));
                    match class {
                        Some(c) => Some(class_card(c, catalog)),
                        None => description_card(path),
                    }
                }
                [Step::Key("specs"), Step::Key(_)] => {
                    let layer = layer_card(l, &all, catalog);
                    Some(match description_card(path) {
                        Some(d) => format!("{d}\n\n---\n\n{layer}"),
                        None => layer,
                    })
                }
                _ => description_card(path),
            }
        }
        _ => description_card(path),
    }
}

/// The schema's description of the key at `path` (array steps skipped).
fn description_card(path: &[Step]) -> Option<String> {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            Step::Key(k) => Some(*k),
            Step::Index(_) => None,
        })
        .collect();
    // A value inside an array of scalars has no key of its own.
    if matches!(path.last(), Some(Step::Index(_))) {
        return None;
    }
    let desc = schema::description(&keys)?;
    Some(format!("**`{}`**: {desc}", keys.last()?))
}

fn n(v: u128) -> String {
    i128::try_from(v)
        .map(mantile_diag::format_grouped)
        .unwrap_or_else(|_| v.to_string())
}

/// A byte count for people: exact below 10 kB, else with a decimal unit.
fn bytes(v: u128) -> String {
    if v < 10_000 {
        return format!("{} B", n(v));
    }
    let units = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")];
    let (div, unit) = units
        .iter()
        .find(|(d, _)| v as f64 >= *d)
        .copied()
        .unwrap_or((1e3, "kB"));
    format!("{:.1} {unit}", v as f64 / div)
}

fn plural(count: u128, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{} {word}s", n(count))
    }
}

fn class_card(c: &LayerClass, catalog: &Catalog) -> String {
    let mut s = format!("### `{}`\n\n", c.name);
    if !c.summary.is_empty() {
        let _ = writeln!(s, "{}\n", c.summary);
    }
    match &c.params {
        Some(_) => {
            let req: Vec<String> = c.required().map(|r| format!("`{r}`")).collect();
            let opt: Vec<String> = c
                .optional()
                .map(|p| format!("`{}` = `{}`", p.name, p.default.as_deref().unwrap_or("")))
                .collect();
            let _ = writeln!(
                s,
                "- required specs: {}",
                if req.is_empty() {
                    "none".to_string()
                } else {
                    req.join(", ")
                }
            );
            let _ = writeln!(
                s,
                "- optional specs: {}",
                if opt.is_empty() {
                    "none".to_string()
                } else {
                    opt.join(", ")
                }
            );
        }
        None => {
            let _ = writeln!(
                s,
                "- specs: not readable from the constructor (they are not checked)"
            );
        }
    }
    match &c.source {
        ClassSource::Python { path, line, .. } => {
            let _ = write!(s, "- defined in `{path}` line {}", line + 1);
        }
        ClassSource::Builtin => {
            let _ = write!(
                s,
                "- from Mantile's built-in catalog ({} classes; this workspace has no `backend/layers`)",
                catalog.classes.len()
            );
        }
    }
    s
}

/// Per-layer parameters: recomputed from the specs, else the stated count.
fn per_layer(l: &LayerView) -> Option<(u128, bool)> {
    match l.recomputed() {
        Some(pc) => Some((pc.total, true)),
        None => Some((l.stated_count()?.as_u128()?, false)),
    }
}

fn layer_title(l: &LayerView) -> String {
    let name = l
        .name_str()
        .map(|s| format!("`{s}`"))
        .unwrap_or_else(|| format!("layer_types[{}]", l.index));
    let mut t = format!("### {name}");
    if let Some(c) = l.class_str() {
        let _ = write!(t, " · `{c}`");
    }
    if let Some(c) = l.count {
        let _ = write!(t, " × {}", n(c));
    }
    t
}

fn layer_card(l: &LayerView, all: &[LayerView], catalog: &Catalog) -> String {
    let mut s = layer_title(l);
    s.push_str("\n\n");
    if let Some(c) = l.class_str().and_then(|c| catalog.get(c))
        && !c.summary.is_empty()
    {
        let _ = writeln!(s, "{}\n", c.summary);
    }
    let class = l.class_str().unwrap_or_default();
    let count = l.count.unwrap_or(1);
    let sp = l.specs.map(|_| &l.spec);
    let dims = l.dims();
    let attention = l.class_category() == Some(Category::Attention);
    if let Some(sp) = sp {
        if attention {
            attention_section(&mut s, &dims, sp);
        } else if let Some(shapes) = ffn_shapes(class, sp) {
            let _ = writeln!(s, "**Projections** (out, in): {shapes}\n");
        }
    }
    match l.recomputed() {
        Some(pc) => params_section(&mut s, &pc, l, count),
        None => {
            if let Some(stated) = l.stated_count().and_then(Node::as_u128) {
                let _ = writeln!(
                    s,
                    "**Parameters**: {} per layer as stated (the class's formula is not known here), × {count} = {}\n",
                    n(stated),
                    n(mul(stated, count))
                );
            }
        }
    }
    if class == "MoELayer"
        && let Some(sp) = sp
    {
        moe_section(&mut s, sp, count);
    }
    if let Some((per, _)) = per_layer(l) {
        let parts: Vec<String> = FORMATS
            .iter()
            .map(|&(f, b)| {
                if count == 1 {
                    format!("{f} {}", bytes(mul(per, b)))
                } else {
                    format!(
                        "{f} {} per layer, {} for {}",
                        bytes(mul(per, b)),
                        bytes(mul(mul(per, b), count)),
                        n(count)
                    )
                }
            })
            .collect();
        let _ = writeln!(s, "**Weights**: {}\n", parts.join(" · "));
    }
    if sp.is_some() && attention {
        kv_section(&mut s, &dims, l, all);
    }
    s.trim_end().to_string()
}

/// `a × b`, saturating (a card shows absurd sizes rather than fail).
fn mul(a: u128, b: u128) -> u128 {
    a.saturating_mul(b)
}

/// The attention sizes, when all four are known and their widths fit.
fn attention_sizes(a: &Dimensions) -> Option<(u128, u128, u128, u128, u128, u128)> {
    Some((
        a.hidden_size?,
        a.heads?,
        a.kv_heads?,
        a.head_dim?,
        a.q_width()?,
        a.kv_width()?,
    ))
}

fn attention_section(s: &mut String, a: &Dimensions, sp: &LayerSpecs) {
    let Some((d, h, kv, dh, q, kvw)) = attention_sizes(a) else {
        return;
    };
    s.push_str("**Dimensions**\n");
    let _ = writeln!(s, "- q width h·dh = {h} × {dh} = {}", n(q));
    let _ = writeln!(s, "- kv width kv·dh = {kv} × {dh} = {}", n(kvw));
    if kv > 0 && h % kv == 0 {
        let g = h / kv;
        let what = if g == 1 {
            "one query head per key/value head (multi-head attention)".to_string()
        } else {
            format!("{g} query heads share each key/value head")
        };
        let _ = writeln!(s, "- GQA group h/kv = {h} / {kv} = {g}: {what}");
    } else {
        let _ = writeln!(
            s,
            "- GQA group h/kv = {h} / {kv}: not a whole number, heads cannot be grouped"
        );
    }
    if h > 0 {
        if q == d {
            let _ = writeln!(
                s,
                "- head_dim {dh} = d/h = {d} / {h}: h·dh = d, projections are square"
            );
        } else {
            let ratio = if d % h == 0 {
                n(d / h)
            } else {
                format!("{:.2}", d as f64 / h as f64)
            };
            let _ = writeln!(
                s,
                "- head_dim {dh} ≠ d/h = {d} / {h} = {ratio}: h·dh = {} ≠ d = {}, so q and o are not square",
                n(q),
                n(d)
            );
        }
    }
    let _ = writeln!(
        s,
        "- projections (out, in): q ({q}, {d}) · k ({kvw}, {d}) · v ({kvw}, {d}) · o ({d}, {q})"
    );
    if let Some(w) = sp.sliding_window().and_then(Node::as_u128) {
        let _ = writeln!(s, "- sliding window: {} tokens", n(w));
    }
    s.push('\n');
}

/// KV cache: 2 (K and V) · kv · dh values per token per layer.
fn kv_section(s: &mut String, a: &Dimensions, l: &LayerView, all: &[LayerView]) {
    let Some((.., kvw)) = attention_sizes(a) else {
        return;
    };
    let per_layer_values = mul(2, kvw);
    let attn: Vec<(u128, u128)> = all
        .iter()
        .filter(|o| o.category() == Some(Category::Attention))
        .filter_map(|o| {
            o.class_str()?;
            o.specs?;
            let (.., kv_width) = attention_sizes(&o.dims())?;
            Some((o.count.unwrap_or(1), mul(2, kv_width)))
        })
        .collect();
    let attn_layers: u128 = attn.iter().fold(0, |t, (c, _)| t.saturating_add(*c));
    let model_values: u128 = attn
        .iter()
        .fold(0, |t, (c, v)| t.saturating_add(mul(*c, *v)));
    s.push_str("**KV cache per token** (2·kv·dh·bytes)\n");
    for (f, b) in FORMATS {
        let per = mul(per_layer_values, b);
        let mut line = format!("- {f}: 2 × {} × {b} = {} per layer", n(kvw), bytes(per));
        if let Some(c) = l.count
            && c > 1
        {
            let _ = write!(line, ", {} for these {}", bytes(mul(per, c)), n(c));
        }
        if attn_layers > 0 {
            let _ = write!(
                line,
                "; model ({}) {}",
                plural(attn_layers, "attention layer"),
                bytes(mul(model_values, b))
            );
        }
        let _ = writeln!(s, "{line}");
    }
    if let Some(w) = l.spec.sliding_window().and_then(Node::as_u128) {
        let _ = writeln!(
            s,
            "- the window keeps at most {} tokens: {} per layer at bf16, whatever the context length",
            n(w),
            bytes(mul(mul(w, per_layer_values), 2))
        );
    }
    s.push('\n');
}

fn ffn_shapes(class: &str, sp: &LayerSpecs) -> Option<String> {
    let d = sp.hidden_size()?.as_u128()?;
    let di = sp.intermediate_size()?.as_u128()?;
    let np = match class {
        "GatedMLPLayer" => 3,
        "MLPLayer" | "MoELayer" => sp.num_projections().and_then(Node::as_u128).unwrap_or(2),
        _ => return None,
    };
    let per = if class == "MoELayer" {
        " per expert"
    } else {
        ""
    };
    Some(if np == 3 {
        format!("gate ({di}, {d}) · up ({di}, {d}) · down ({d}, {di}){per}")
    } else {
        format!("up ({di}, {d}) · down ({d}, {di}){per}")
    })
}

fn params_section(s: &mut String, pc: &ParamCount, l: &LayerView, count: u128) {
    let mut line = format!("**Parameters** per layer = **{}**", n(pc.total));
    if let Some(stated) = l.stated_count().and_then(Node::as_u128) {
        if stated == pc.total {
            line.push_str(" (= stated parameter_count)");
        } else {
            let _ = write!(line, " (stated parameter_count is {})", n(stated));
        }
    }
    let _ = writeln!(s, "{line}");
    let _ = writeln!(s, "- `{}`", pc.formula());
    let _ = writeln!(s, "- {}", pc.numbers());
    if count != 1 {
        let _ = writeln!(s, "- × {} layers = {}", n(count), n(mul(pc.total, count)));
    }
    s.push('\n');
}

fn moe_section(s: &mut String, sp: &LayerSpecs, count: u128) {
    let int = |n: Option<Node>| n?.as_u128();
    let (Some(d), Some(di), Some(e), Some(k)) = (
        int(sp.hidden_size()),
        int(sp.intermediate_size()),
        int(sp.num_experts()),
        int(sp.top_k()),
    ) else {
        return;
    };
    let np = int(sp.num_projections()).unwrap_or(2);
    if !(2..=3).contains(&np) || e == 0 {
        return;
    }
    let bias = sp.bias().unwrap_or(false);
    let shared = int(sp.num_shared_experts()).unwrap_or(0);
    let add = |a: u128, b: u128| a.saturating_add(b);
    let per_expert = add(
        mul(mul(np, d), di),
        if bias {
            if np == 3 {
                add(mul(2, di), d)
            } else {
                add(di, d)
            }
        } else {
            0
        },
    );
    let router = add(mul(d, e), if bias { e } else { 0 });
    let total = add(router, mul(add(e, shared), per_expert));
    let running = add(k.min(e), shared);
    let active = add(router, mul(running, per_expert));
    s.push_str("**Experts**\n");
    let shared_txt = if shared > 0 {
        format!(" + {shared} shared")
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "- {e} routed{shared_txt}, top_k = {k}: each token runs the router and {running} experts"
    );
    let _ = writeln!(s, "- per expert: {}", n(per_expert));
    let _ = writeln!(
        s,
        "- active per token: router {} + {running} × {} = {} of {} ({:.1}%)",
        n(router),
        n(per_expert),
        n(active),
        n(total),
        active as f64 / total.max(1) as f64 * 100.0
    );
    if count != 1 {
        let _ = writeln!(
            s,
            "- × {} layers: {} active of {} per token",
            n(count),
            n(mul(active, count)),
            n(mul(total, count))
        );
    }
    s.push('\n');
}

fn total_card(root: Node) -> String {
    let all = layers(&root);
    let stated = root.get("total_params").and_then(Node::as_u128);
    let mut s = match stated {
        Some(t) => format!(
            "### total_params {} ({})\n\n",
            n(t),
            mantile_config::params::format_short(t)
        ),
        None => "### total_params\n\n".to_string(),
    };
    if let Some(desc) = schema::description(&["total_params"]) {
        let _ = writeln!(s, "{desc}\n");
    }
    if all.is_empty() {
        s.push_str("No `layer_types` to add up.");
        return s;
    }
    s.push_str("| layer | class | count | per layer | subtotal |\n|---|---|--:|--:|--:|\n");
    let mut sum: u128 = 0;
    let mut complete = true;
    for (row, l) in all.iter().enumerate() {
        let per = per_layer(l);
        if row >= TABLE_ROWS {
            // Past the rows shown, only add up.
            match (per, l.count) {
                (Some((p, _)), Some(c)) => sum = sum.saturating_add(mul(p, c)),
                _ => complete = false,
            }
            continue;
        }
        let name = l
            .name_str()
            .map(|s| preview(s).into_owned())
            .unwrap_or_else(|| format!("[{}]", l.index));
        let class = preview(l.class_str().unwrap_or("?"));
        let (per_txt, sub_txt) = match (per, l.count) {
            (Some((p, recomputed)), Some(c)) => {
                sum = sum.saturating_add(mul(p, c));
                let mark = if recomputed { "" } else { " (stated)" };
                (format!("{}{mark}", n(p)), n(mul(p, c)))
            }
            (Some((p, _)), None) => {
                complete = false;
                (n(p), "?".to_string())
            }
            _ => {
                complete = false;
                ("?".to_string(), "?".to_string())
            }
        };
        let count = l.count.map(n).unwrap_or_else(|| "?".to_string());
        let _ = writeln!(s, "| {name} | {class} | {count} | {per_txt} | {sub_txt} |");
    }
    if all.len() > TABLE_ROWS {
        let _ = writeln!(
            s,
            "| … {} more layers | | | | |",
            n((all.len() - TABLE_ROWS) as u128)
        );
    }
    let _ = writeln!(
        s,
        "| **Σ** | | | | **{}{}** |\n",
        n(sum),
        if complete { "" } else { "+?" }
    );
    if let Some(t) = stated
        && complete
    {
        if t == sum {
            s.push_str("total_params equals the layers' sum.");
        } else {
            let by = if t > sum {
                n(t - sum)
            } else {
                format!("-{}", n(sum - t))
            };
            let _ = write!(
                s,
                "total_params differs from the layers' sum by {by} ({:+.2}%).",
                (t as f64 - sum as f64) / sum.max(1) as f64 * 100.0
            );
        }
    }
    let _ = write!(
        s,
        "\n\nWeights: {}",
        FORMATS
            .iter()
            .map(|&(f, b)| format!("{f} {}", bytes(mul(stated.unwrap_or(sum), b))))
            .collect::<Vec<_>>()
            .join(" · ")
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    /// d=64, h=4, kv=2, dh=16; MoE with 4 experts, top 2, one shared.
    const CONFIG: &str = r#"{
  "model_id": "org_Tiny-1",
  "hidden_size": 64,
  "num_layers": 2,
  "vocab_size": 100,
  "total_params": 90000,
  "layer_types": [
    {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 2,
     "specs": {"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16, "parameter_count": 12288}},
    {"name": "feedforward", "class": "MoELayer", "count": 2,
     "specs": {"hidden_size": 64, "intermediate_size": 32, "num_experts": 4, "top_k": 2, "num_shared_experts": 1}},
    {"name": "norm", "class": "NormLayer", "count": 5, "specs": {"hidden_size": 64}},
    {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 100, "hidden_size": 64}}
  ]
}"#;

    /// Hovers at the first occurrence of `needle` (plus `skip` bytes).
    fn check(needle: &str, expect: Expect) {
        let at = CONFIG.find(needle).expect("needle in fixture");
        let card = hover(CONFIG, at + 1, &Catalog::builtin());
        let shown = match card {
            Some(c) => format!("{}\n---\n{}", &CONFIG[c.range.as_range()], c.markdown),
            None => "(none)".to_string(),
        };
        expect.assert_eq(&shown);
    }

    #[test]
    fn attention_layer_card_has_dims_params_bytes_and_kv_cache() {
        check(
            "\"name\": \"attention\"",
            expect![[r#"
                "name"
                ---
                ### `attention` · `GroupedQueryAttentionLayer` × 2

                Grouped-query attention (GQA): fewer key/value heads than query heads.

                **Dimensions**
                - q width h·dh = 4 × 16 = 64
                - kv width kv·dh = 2 × 16 = 32
                - GQA group h/kv = 4 / 2 = 2: 2 query heads share each key/value head
                - head_dim 16 = d/h = 64 / 4: h·dh = d, projections are square
                - projections (out, in): q (64, 64) · k (32, 64) · v (32, 64) · o (64, 64)

                **Parameters** per layer = **12,288** (= stated parameter_count)
                - `q d×(h·dh) + k,v 2×d×(kv·dh) + o (h·dh)×d`
                - q 64×64 + k,v 2×64×32 + o 64×64
                - × 2 layers = 24,576

                **Weights**: bf16 24.6 kB per layer, 49.2 kB for 2 · fp8 12.3 kB per layer, 24.6 kB for 2

                **KV cache per token** (2·kv·dh·bytes)
                - bf16: 2 × 32 × 2 = 128 B per layer, 256 B for these 2; model (2 attention layers) 256 B
                - fp8: 2 × 32 × 1 = 64 B per layer, 128 B for these 2; model (2 attention layers) 128 B"#]],
        );
    }

    #[test]
    fn attention_wider_than_hidden_size_with_a_sliding_window() {
        // h·dh = 4·16 = 64 > d = 48: q and o are not square.
        let text = r#"{"hidden_size": 48, "layer_types": [
  {"name": "attention", "class": "SlidingWindowAttentionLayer", "count": 3,
   "specs": {"hidden_size": 48, "num_query_heads": 4, "num_kv_heads": 1, "head_dim": 16, "sliding_window": 1000, "has_bias": true}}]}"#;
        let at = text.find("\"specs\"").unwrap() + 1;
        let c = hover(text, at, &Catalog::builtin()).unwrap();
        expect![[r#"
            ### `attention` · `SlidingWindowAttentionLayer` × 3

            Grouped-query attention over a sliding window of recent tokens.

            **Dimensions**
            - q width h·dh = 4 × 16 = 64
            - kv width kv·dh = 1 × 16 = 16
            - GQA group h/kv = 4 / 1 = 4: 4 query heads share each key/value head
            - head_dim 16 ≠ d/h = 48 / 4 = 12: h·dh = 64 ≠ d = 48, so q and o are not square
            - projections (out, in): q (64, 48) · k (16, 48) · v (16, 48) · o (48, 64)
            - sliding window: 1,000 tokens

            **Parameters** per layer = **7,824**
            - `q d×(h·dh) + k,v 2×d×(kv·dh) + o (h·dh)×d + bias (h·dh + 2·kv·dh + d)`
            - q 48×64 + k,v 2×48×16 + o 64×48 + bias (64 + 2×16 + 48)
            - × 3 layers = 23,472

            **Weights**: bf16 15.6 kB per layer, 46.9 kB for 3 · fp8 7,824 B per layer, 23.5 kB for 3

            **KV cache per token** (2·kv·dh·bytes)
            - bf16: 2 × 16 × 2 = 64 B per layer, 192 B for these 3; model (3 attention layers) 192 B
            - fp8: 2 × 16 × 1 = 32 B per layer, 96 B for these 3; model (3 attention layers) 96 B
            - the window keeps at most 1,000 tokens: 64.0 kB per layer at bf16, whatever the context length"#]].assert_eq(&c.markdown);
    }

    #[test]
    fn cards_work_on_the_intact_parts_of_a_broken_document() {
        // An unfinished string in the norm layer: the attention layer's card is still there.
        let broken = CONFIG.replacen(r#""name": "norm","#, r#""name": "norm,"#, 1);
        let at = broken.find("\"name\": \"attention\"").unwrap() + 1;
        let c = hover(&broken, at, &Catalog::builtin()).unwrap();
        assert!(
            c.markdown
                .starts_with("### `attention` · `GroupedQueryAttentionLayer` × 2"),
            "{}",
            c.markdown
        );
        assert!(c.markdown.contains("- q width h·dh = 4 × 16 = 64"));
    }

    #[test]
    fn spec_key_shows_its_description_then_the_layer() {
        let at = CONFIG.find("\"head_dim\"").unwrap() + 2;
        let c = hover(CONFIG, at, &Catalog::builtin()).unwrap();
        assert_eq!(&CONFIG[c.range.as_range()], "\"head_dim\"");
        assert!(c.markdown.starts_with("**`head_dim`**: "), "{}", c.markdown);
        assert!(c.markdown.contains("- q width h·dh = 4 × 16 = 64"));
    }

    #[test]
    fn moe_card_has_active_and_total_parameters() {
        check(
            "\"name\": \"feedforward\"",
            expect![[r#"
                "name"
                ---
                ### `feedforward` · `MoELayer` × 2

                Mixture of experts: a router and num_experts MLP experts, top_k active per token.

                **Projections** (out, in): up (32, 64) · down (64, 32) per expert

                **Parameters** per layer = **20,736**
                - `router d×E + experts (E+shared)×2×d×di`
                - router 64×4 + experts 5×2×64×32
                - × 2 layers = 41,472

                **Experts**
                - 4 routed + 1 shared, top_k = 2: each token runs the router and 3 experts
                - per expert: 4,096
                - active per token: router 256 + 3 × 4,096 = 12,544 of 20,736 (60.5%)
                - × 2 layers: 25,088 active of 41,472 per token

                **Weights**: bf16 41.5 kB per layer, 82.9 kB for 2 · fp8 20.7 kB per layer, 41.5 kB for 2"#]],
        );
    }

    #[test]
    fn class_card() {
        check(
            "\"NormLayer\"",
            expect![[r#"
                "NormLayer"
                ---
                ### `NormLayer`

                LayerNorm or RMSNorm.

                - required specs: `hidden_size`
                - optional specs: `has_bias` = `False`
                - from Mantile's built-in catalog (8 classes; this workspace has no `backend/layers`)"#]],
        );
    }

    #[test]
    fn class_card_names_the_python_source() {
        let layers = vec![(
            "backend/layers/norm.py".to_string(),
            "import x\n\nclass NormLayer(Layer):\n    \"\"\"RMS norm.\"\"\"\n    def __init__(self, layer_idx, hidden_size, eps=1e-6):\n        pass\n".to_string(),
        )];
        let catalog = Catalog::from_python(&layers);
        let at = CONFIG.find("\"NormLayer\"").unwrap() + 1;
        let c = hover(CONFIG, at, &catalog).unwrap();
        assert!(
            c.markdown
                .ends_with("- defined in `backend/layers/norm.py` line 3"),
            "{}",
            c.markdown
        );
        assert!(c.markdown.contains("`eps` = `1e-6`"), "{}", c.markdown);
    }

    #[test]
    fn total_params_breakdown() {
        check(
            "\"total_params\"",
            expect![[r#"
                "total_params"
                ---
                ### total_params 90,000 (90.0K)

                Exact parameter count of the model.

                | layer | class | count | per layer | subtotal |
                |---|---|--:|--:|--:|
                | attention | GroupedQueryAttentionLayer | 2 | 12,288 | 24,576 |
                | feedforward | MoELayer | 2 | 20,736 | 41,472 |
                | norm | NormLayer | 5 | 64 | 320 |
                | embedding | EmbeddingLayer | 1 | 6,400 | 6,400 |
                | **Σ** | | | | **72,768** |

                total_params differs from the layers' sum by 17,232 (+23.68%).

                Weights: bf16 180.0 kB · fp8 90.0 kB"#]],
        );
    }

    #[test]
    fn other_keys_get_the_schema_description_or_nothing() {
        let at = CONFIG.find("\"num_layers\"").unwrap() + 1;
        let c = hover(CONFIG, at, &Catalog::builtin()).unwrap();
        assert!(
            c.markdown.starts_with("**`num_layers`**: "),
            "{}",
            c.markdown
        );
        // Whitespace between top-level members: nothing.
        assert_eq!(hover(CONFIG, 1, &Catalog::builtin()), None);
        // Half-typed documents give no card and do not panic.
        for cut in 0..CONFIG.len() {
            if CONFIG.is_char_boundary(cut) {
                let _ = hover(&CONFIG[..cut], cut / 2, &Catalog::builtin());
            }
        }
    }
}
