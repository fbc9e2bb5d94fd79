//! The layer catalog: which classes Mantile has, what specs they take.
//!
//! Mantile's own tooling discovers layers by reading `backend/layers/*.py`:
//! every `class X(...)` whose name ends in `Layer`, except `Layer`, `BaseLayer`
//! and private names. [`Catalog::from_python`] does the same on file contents
//! handed to it (no I/O here); [`Catalog::builtin`] is the fallback for a
//! workspace without that folder.

use mantile_diag::TextRange;

/// Constructor arguments every layer takes that are not specs.
const NON_SPEC_PARAMS: &[&str] = &["self", "layer_idx", "dtype", "parallelism"];

/// Spec keys that are metadata, accepted on every class.
pub const METADATA_SPECS: &[&str] = &["layer_idx", "input_dim", "output_dim", "parameter_count"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecParam {
    pub name: String,
    /// The default's source text, for an optional parameter.
    pub default: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassSource {
    /// The built-in catalog (no `backend/layers` in the workspace).
    Builtin,
    /// Defined in a Python file of the workspace.
    Python {
        /// Path relative to the workspace root.
        path: String,
        /// Zero-based line of the `class` statement.
        line: u32,
        /// Byte range of the class name.
        name_range: TextRange,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerClass {
    pub name: String,
    /// First line of the docstring.
    pub summary: String,
    pub base: Option<String>,
    /// Constructor parameters that are specs, in order; `None` when they could
    /// not be read (then required specs are not checked for this class).
    pub params: Option<Vec<SpecParam>>,
    pub source: ClassSource,
}

impl LayerClass {
    pub fn required(&self) -> impl Iterator<Item = &str> {
        self.params
            .iter()
            .flatten()
            .filter(|p| p.default.is_none())
            .map(|p| p.name.as_str())
    }

    pub fn optional(&self) -> impl Iterator<Item = &SpecParam> {
        self.params.iter().flatten().filter(|p| p.default.is_some())
    }

    /// Whether `key` is a constructor parameter or metadata.
    pub fn accepts(&self, key: &str) -> bool {
        METADATA_SPECS.contains(&key)
            || match &self.params {
                Some(ps) => ps.iter().any(|p| p.name == key),
                None => true,
            }
    }

    pub fn category(&self) -> Option<Category> {
        Category::of_class(&self.name)
    }
}

/// The standard role of a layer, which gives its standard name and place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Attention,
    FeedForward,
    Norm,
    Embedding,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Attention,
        Category::FeedForward,
        Category::Norm,
        Category::Embedding,
    ];

    /// The standard layer name for this role.
    pub fn standard_name(self) -> &'static str {
        match self {
            Category::Attention => "attention",
            Category::FeedForward => "feedforward",
            Category::Norm => "norm",
            Category::Embedding => "embedding",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|c| c.standard_name() == name)
    }

    /// The role of a class, from its name (`…Attention…`, `…MLP…`/`MoE…`, `…Norm…`, `…Embedding…`).
    pub fn of_class(class: &str) -> Option<Category> {
        let lower = class.to_ascii_lowercase();
        if lower.contains("attention") {
            Some(Category::Attention)
        } else if lower.contains("mlp")
            || lower.contains("moe")
            || lower.contains("expert")
            || lower.contains("feedforward")
            || lower.contains("ffn")
        {
            Some(Category::FeedForward)
        } else if lower.contains("norm") {
            Some(Category::Norm)
        } else if lower.contains("embed") {
            Some(Category::Embedding)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogOrigin {
    Builtin,
    /// Read from `backend/layers/*.py` (the number of files read).
    Workspace {
        files: usize,
    },
}

#[derive(Clone, Debug)]
pub struct Catalog {
    pub classes: Vec<LayerClass>,
    pub origin: CatalogOrigin,
}

struct BuiltinClass {
    name: &'static str,
    summary: &'static str,
    required: &'static [&'static str],
    optional: &'static [(&'static str, &'static str)],
}

const BUILTIN: &[BuiltinClass] = &[
    BuiltinClass {
        name: "AttentionLayer",
        summary: "Vanilla multi-head attention (MHA).",
        required: &["hidden_size", "num_heads", "head_dim"],
        optional: &[],
    },
    BuiltinClass {
        name: "GroupedQueryAttentionLayer",
        summary: "Grouped-query attention (GQA): fewer key/value heads than query heads.",
        required: &["hidden_size", "num_heads", "num_kv_heads", "head_dim"],
        optional: &[("has_bias", "False")],
    },
    BuiltinClass {
        name: "SlidingWindowAttentionLayer",
        summary: "Grouped-query attention over a sliding window of recent tokens.",
        // backend/layers/swa.py: `sliding_window: Optional[int] = None`
        // ("None = unlimited"), so a layer without it is full attention.
        required: &["hidden_size", "num_query_heads", "num_kv_heads", "head_dim"],
        optional: &[
            ("sliding_window", "None"),
            ("num_sinks", "0"),
            ("has_bias", "False"),
        ],
    },
    BuiltinClass {
        name: "MLPLayer",
        summary: "Standard MLP with up and down projections.",
        required: &["hidden_size", "intermediate_size"],
        optional: &[("num_projections", "2")],
    },
    BuiltinClass {
        name: "GatedMLPLayer",
        summary: "Gated MLP (SwiGLU) with gate, up and down projections.",
        required: &["hidden_size", "intermediate_size"],
        optional: &[],
    },
    BuiltinClass {
        name: "MoELayer",
        summary: "Mixture of experts: a router and num_experts MLP experts, top_k active per token.",
        required: &["hidden_size", "intermediate_size", "num_experts", "top_k"],
        optional: &[
            ("num_shared_experts", "0"),
            ("num_projections", "2"),
            ("has_bias", "False"),
        ],
    },
    BuiltinClass {
        name: "NormLayer",
        summary: "LayerNorm or RMSNorm.",
        required: &["hidden_size"],
        optional: &[("has_bias", "False")],
    },
    BuiltinClass {
        name: "EmbeddingLayer",
        summary: "Token embeddings.",
        required: &["vocab_size", "hidden_size"],
        optional: &[],
    },
];

fn builtin_class(b: &BuiltinClass) -> LayerClass {
    let mut params: Vec<SpecParam> = b
        .required
        .iter()
        .map(|n| SpecParam {
            name: n.to_string(),
            default: None,
        })
        .collect();
    params.extend(b.optional.iter().map(|(n, d)| SpecParam {
        name: n.to_string(),
        default: Some(d.to_string()),
    }));
    LayerClass {
        name: b.name.to_string(),
        summary: b.summary.to_string(),
        base: None,
        params: Some(params),
        source: ClassSource::Builtin,
    }
}

impl Catalog {
    /// The catalog of the layer classes Mantile ships.
    pub fn builtin() -> Catalog {
        Catalog {
            classes: BUILTIN.iter().map(builtin_class).collect(),
            origin: CatalogOrigin::Builtin,
        }
    }

    /// Reads layer classes from the contents of `backend/layers/*.py` files,
    /// given as `(path relative to the workspace, text)`.
    pub fn from_python(files: &[(String, String)]) -> Catalog {
        let mut all = Vec::new();
        for (path, text) in files {
            all.extend(python::classes(path, text));
        }
        // Classes without a readable __init__ inherit their base's parameters.
        let mut by_name: std::collections::HashMap<&str, &LayerClass> =
            std::collections::HashMap::with_capacity(all.len());
        for c in &all {
            by_name.entry(c.name.as_str()).or_insert(c);
        }
        let mut classes = Vec::new();
        for c in all.iter().filter(|c| is_layer_class(&c.name)) {
            let mut class = c.clone();
            let mut base = c.base.clone();
            let mut hops = 0;
            while class.params.is_none() && hops < 16 {
                hops += 1;
                let Some(b) = base.as_deref() else { break };
                if let Some(parent) = by_name.get(b) {
                    class.params = parent.params.clone();
                    base = parent.base.clone();
                } else if let Some(bi) = BUILTIN.iter().find(|x| x.name == b) {
                    class.params = builtin_class(bi).params;
                } else {
                    break;
                }
            }
            if class.params.is_none()
                && let Some(bi) = BUILTIN.iter().find(|x| x.name == class.name)
            {
                class.params = builtin_class(bi).params;
            }
            classes.push(class);
        }
        Catalog {
            classes,
            origin: CatalogOrigin::Workspace { files: files.len() },
        }
    }

    pub fn get(&self, name: &str) -> Option<&LayerClass> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// The known class closest to `name`, if close enough to be a typo.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        closest(name, self.classes.iter().map(|c| c.name.as_str()))
    }
}

/// Whether Mantile's discovery treats `name` as a layer class.
pub fn is_layer_class(name: &str) -> bool {
    name.ends_with("Layer") && name != "Layer" && name != "BaseLayer" && !name.starts_with('_')
}

/// The candidate closest to `word` by edit distance (case-insensitive), if
/// the distance is small for the word's length.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    let limit = (w.len() / 3).clamp(1, 4);
    let chars = w.chars().count();
    candidates
        .filter(|c| *c != word)
        // Lengths further apart than the limit cannot be close: skip them
        // before the quadratic distance (a hostile 1 MB word stays cheap).
        .filter(|c| c.chars().count().abs_diff(chars) <= limit)
        .map(|c| (levenshtein(&w, &c.to_ascii_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c.len()))
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

mod python {
    //! Just enough of Python to read class statements, docstrings and `__init__` signatures.

    use super::{ClassSource, LayerClass, NON_SPEC_PARAMS, SpecParam};
    use mantile_diag::TextRange;

    pub(super) fn classes(path: &str, text: &str) -> Vec<LayerClass> {
        let lines: Vec<(usize, &str)> = line_offsets(text);
        let mut out = Vec::new();
        for (i, &(off, line)) in lines.iter().enumerate() {
            let Some(rest) = line.strip_prefix("class ") else {
                continue;
            };
            let name_len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if name_len == 0 {
                continue;
            }
            let name = &rest[..name_len];
            let after = rest[name_len..].trim_start();
            let base = after
                .strip_prefix('(')
                .and_then(|b| b.split([')', ',']).next())
                .map(|b| b.trim().rsplit('.').next().unwrap_or("").to_string())
                .filter(|b| !b.is_empty());
            let body = class_body(&lines, i);
            let summary = docstring_summary(&lines, &body);
            let params = init_params(&lines, &body, text);
            let name_start = off + "class ".len();
            out.push(LayerClass {
                name: name.to_string(),
                summary,
                base,
                params,
                source: ClassSource::Python {
                    path: path.to_string(),
                    line: i as u32,
                    name_range: TextRange::new(name_start, name_start + name_len),
                },
            });
        }
        out
    }

    fn line_offsets(text: &str) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        let mut off = 0;
        for line in text.split('\n') {
            out.push((off, line.strip_suffix('\r').unwrap_or(line)));
            off += line.len() + 1;
        }
        out
    }

    /// Line indices of the class body: the lines after the header until the
    /// next line that starts at column 0 (blank lines and comments included).
    fn class_body(lines: &[(usize, &str)], header: usize) -> std::ops::Range<usize> {
        let start = header + 1;
        let mut end = start;
        while end < lines.len() {
            let l = lines[end].1;
            if !l.trim().is_empty()
                && !l.starts_with([' ', '\t'])
                && !l.trim_start().starts_with('#')
            {
                break;
            }
            end += 1;
        }
        start..end
    }

    fn docstring_summary(lines: &[(usize, &str)], body: &std::ops::Range<usize>) -> String {
        let Some(first) = body.clone().find(|&i| !lines[i].1.trim().is_empty()) else {
            return String::new();
        };
        let t = lines[first].1.trim();
        let t = t.trim_start_matches(['r', 'u', 'R', 'U']);
        let Some(quote) = ["\"\"\"", "'''", "\"", "'"]
            .into_iter()
            .find(|q| t.starts_with(q))
        else {
            return String::new();
        };
        let inner = &t[quote.len()..];
        let inner = inner.split(quote).next().unwrap_or("").trim();
        if !inner.is_empty() {
            return inner.to_string();
        }
        // The summary is on the next non-empty line.
        for &(_, line) in &lines[first + 1..body.end] {
            let l = line.trim();
            if l.contains(quote) {
                return l.split(quote).next().unwrap_or("").trim().to_string();
            }
            if !l.is_empty() {
                return l.to_string();
            }
        }
        String::new()
    }

    fn init_params(
        lines: &[(usize, &str)],
        body: &std::ops::Range<usize>,
        text: &str,
    ) -> Option<Vec<SpecParam>> {
        let i = body
            .clone()
            .find(|&i| lines[i].1.trim_start().starts_with("def __init__"))?;
        let start = lines[i].0 + lines[i].1.find('(')? + 1;
        // Find the matching `)`.
        let mut depth = 1usize;
        let mut end = None;
        let mut in_str: Option<char> = None;
        for (j, c) in text[start..].char_indices() {
            match (in_str, c) {
                (Some(q), c) if c == q => in_str = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => in_str = Some(c),
                (None, '(' | '[' | '{') => depth += 1,
                (None, ')' | ']' | '}') => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(start + j);
                        break;
                    }
                }
                _ => {}
            }
        }
        let sig = &text[start..end?];
        let mut params = Vec::new();
        for raw in split_top_level(sig) {
            let p = raw
                .lines()
                .map(|l| l.split('#').next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(" ");
            let p = p.trim();
            if p.is_empty() || p == "*" || p == "/" || p.starts_with('*') {
                continue;
            }
            let (head, default) = match p.split_once('=') {
                Some((h, d)) => (h, Some(d.trim().to_string())),
                None => (p, None),
            };
            let name = head.split(':').next().unwrap_or("").trim();
            if name.is_empty() || NON_SPEC_PARAMS.contains(&name) {
                continue;
            }
            params.push(SpecParam {
                name: name.to_string(),
                default,
            });
        }
        Some(params)
    }

    fn split_top_level(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut depth = 0i32;
        let mut last = 0;
        let mut in_str: Option<char> = None;
        for (i, c) in s.char_indices() {
            match (in_str, c) {
                (Some(q), c) if c == q => in_str = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => in_str = Some(c),
                (None, '(' | '[' | '{') => depth += 1,
                (None, ')' | ']' | '}') => depth -= 1,
                (None, ',') if depth == 0 => {
                    out.push(&s[last..i]);
                    last = i + 1;
                }
                _ => {}
            }
        }
        out.push(&s[last..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATTENTION_PY: &str = r#"
"""Attention layers."""
from .base import Layer

class _Helper:
    pass

class BaseLayer(Layer):
    """Not a real layer."""

class GroupedQueryAttentionLayer(Layer):
    """
    Grouped-query attention.

    Longer text.
    """

    def __init__(
        self,
        layer_idx: int,
        hidden_size: int,
        num_heads: int,  # query heads
        num_kv_heads: int,
        head_dim: int,
        has_bias: bool = False,
        dtype: str = "bf16",
        parallelism: dict | None = None,
    ):
        super().__init__(layer_idx, dtype, parallelism)

class SlidingWindowAttentionLayer(GroupedQueryAttentionLayer):
    '''Sliding-window attention.'''
    def __init__(self, layer_idx, hidden_size, num_query_heads, num_kv_heads, head_dim, sliding_window, num_sinks=0, has_bias=False, *args, **kwargs):
        pass

class FancyAttentionLayer(GroupedQueryAttentionLayer):
    """Inherits its constructor."""

class _PrivateLayer(Layer):
    pass
"#;

    #[test]
    fn reads_classes_docstrings_and_constructor_parameters() {
        let cat =
            Catalog::from_python(&[("backend/layers/attention.py".into(), ATTENTION_PY.into())]);
        let names: Vec<&str> = cat.classes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "GroupedQueryAttentionLayer",
                "SlidingWindowAttentionLayer",
                "FancyAttentionLayer"
            ]
        );
        let gqa = cat.get("GroupedQueryAttentionLayer").unwrap();
        assert_eq!(gqa.summary, "Grouped-query attention.");
        assert_eq!(
            gqa.required().collect::<Vec<_>>(),
            ["hidden_size", "num_heads", "num_kv_heads", "head_dim"]
        );
        assert_eq!(
            gqa.optional().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["has_bias"]
        );
        let ClassSource::Python {
            line, name_range, ..
        } = &gqa.source
        else {
            panic!()
        };
        assert_eq!(
            ATTENTION_PY.lines().nth(*line as usize).unwrap(),
            "class GroupedQueryAttentionLayer(Layer):"
        );
        assert_eq!(
            &ATTENTION_PY[name_range.as_range()],
            "GroupedQueryAttentionLayer"
        );

        let swa = cat.get("SlidingWindowAttentionLayer").unwrap();
        assert_eq!(swa.summary, "Sliding-window attention.");
        assert_eq!(swa.base.as_deref(), Some("GroupedQueryAttentionLayer"));
        assert!(
            swa.accepts("num_sinks") && swa.accepts("parameter_count") && !swa.accepts("num_heads")
        );

        let fancy = cat.get("FancyAttentionLayer").unwrap();
        assert_eq!(fancy.params, gqa.params, "inherits the base constructor");
        assert_eq!(fancy.category(), Some(Category::Attention));
    }

    #[test]
    fn builtin_catalog_matches_the_documented_classes() {
        let cat = Catalog::builtin();
        assert_eq!(cat.classes.len(), 8);
        let moe = cat.get("MoELayer").unwrap();
        assert_eq!(
            moe.required().collect::<Vec<_>>(),
            ["hidden_size", "intermediate_size", "num_experts", "top_k"]
        );
        assert!(cat.get("NormLayer").unwrap().accepts("has_bias"));
    }

    #[test]
    fn suggestions_for_typos() {
        let cat = Catalog::builtin();
        assert_eq!(
            cat.suggest("GroupQueryAttentionLayer"),
            Some("GroupedQueryAttentionLayer")
        );
        assert_eq!(cat.suggest("NormLayr"), Some("NormLayer"));
        assert_eq!(cat.suggest("gatedmlplayer"), Some("GatedMLPLayer"));
        assert_eq!(cat.suggest("MambaMixerLayer"), None);
    }

    #[test]
    fn categories() {
        assert_eq!(Category::of_class("MoELayer"), Some(Category::FeedForward));
        assert_eq!(
            Category::of_class("GatedMLPLayer"),
            Some(Category::FeedForward)
        );
        assert_eq!(Category::of_class("RMSNormLayer"), Some(Category::Norm));
        assert_eq!(Category::of_class("MambaMixerLayer"), None);
    }
}
