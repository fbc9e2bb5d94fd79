//! Parameter counts from specs, with the true tensor shapes, as explained terms.
//!
//! All arithmetic is checked: sizes that overflow give no count (a hostile
//! config gets no number rather than a wrong one).

use crate::dims::Dimensions;
use crate::specs::LayerSpecs;
use mantile_json::Node;

/// A `specs` object, read key by key. Prefer [`LayerSpecs`], which reads
/// the specs once (and [`count_specs`] on it).
#[derive(Clone, Copy)]
pub struct Specs<'a>(pub Node<'a>);

impl Specs<'_> {
    /// The spec `key` as a non-negative integer.
    pub fn int(&self, key: &str) -> Option<u128> {
        self.0.get(key)?.as_u128()
    }

    /// The spec `key` as a boolean.
    pub fn flag(&self, key: &str) -> Option<bool> {
        self.0.get(key)?.as_bool()
    }

    /// Query heads (see [`LayerSpecs::heads`], where the alias is resolved).
    pub fn heads(&self) -> Option<u128> {
        LayerSpecs::read(self.0).heads()
    }
}

/// One term of a parameter count: `q 2880×4096 = 11,796,480`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// What the tensors are (`q`, `k,v`, `router`, `experts`).
    pub label: String,
    /// The product with symbols, `d×(h·dh)`.
    pub formula: String,
    /// The product with numbers, `2880×4096`.
    pub numbers: String,
    pub value: u128,
}

/// A recomputed parameter count and how it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamCount {
    pub terms: Vec<Term>,
    pub total: u128,
}

impl ParamCount {
    fn new(terms: Vec<Term>) -> Option<ParamCount> {
        let total = terms
            .iter()
            .try_fold(0u128, |sum, t| sum.checked_add(t.value))?;
        Some(ParamCount { terms, total })
    }

    /// `q 2880×4096 + k,v 2×2880×512 + …` (numbers only).
    pub fn numbers(&self) -> String {
        let parts: Vec<String> = self
            .terms
            .iter()
            .map(|t| format!("{} {}", t.label, t.numbers))
            .collect();
        parts.join(" + ")
    }

    /// `q d×(h·dh) + …` (symbols only).
    pub fn formula(&self) -> String {
        let parts: Vec<String> = self
            .terms
            .iter()
            .map(|t| format!("{} {}", t.label, t.formula))
            .collect();
        parts.join(" + ")
    }
}

/// Where the terms of a count go: described, for messages and cards, or
/// only added up (no text is made).
trait Terms {
    fn term(
        &mut self,
        label: &str,
        formula: impl FnOnce() -> String,
        numbers: impl FnOnce() -> String,
        value: u128,
    );
}

impl Terms for Vec<Term> {
    fn term(
        &mut self,
        label: &str,
        formula: impl FnOnce() -> String,
        numbers: impl FnOnce() -> String,
        value: u128,
    ) {
        self.push(Term {
            label: label.to_string(),
            formula: formula(),
            numbers: numbers(),
            value,
        });
    }
}

/// The running total, `None` once it overflows.
struct Total(Option<u128>);

impl Terms for Total {
    fn term(
        &mut self,
        _: &str,
        _: impl FnOnce() -> String,
        _: impl FnOnce() -> String,
        value: u128,
    ) {
        self.0 = self.0.and_then(|t| t.checked_add(value));
    }
}

/// `a × b × …`, or `None` on overflow.
fn product(factors: &[u128]) -> Option<u128> {
    factors.iter().try_fold(1u128, |p, &f| p.checked_mul(f))
}

/// `a + b + …`, or `None` on overflow.
fn sum(terms: &[u128]) -> Option<u128> {
    terms.iter().try_fold(0u128, |s, &t| s.checked_add(t))
}

/// The parameters of one instance of `class` with the specs of a `specs`
/// object (see [`count_specs`]).
pub fn count(class: &str, s: Specs) -> Option<ParamCount> {
    count_specs(class, &LayerSpecs::read(s.0))
}

/// The parameters of one instance of `class` with these specs, from the true
/// tensor shapes, term by term; `None` for a class whose shapes are not
/// known, when a needed spec is missing or not an integer, or when the sizes
/// overflow.
pub fn count_specs(class: &str, s: &LayerSpecs) -> Option<ParamCount> {
    let mut terms = Vec::new();
    terms_of(class, s, &mut terms)?;
    ParamCount::new(terms)
}

/// [`count_specs`]'s total alone, without describing the terms.
pub fn count_total(class: &str, s: &LayerSpecs) -> Option<u128> {
    let mut total = Total(Some(0));
    terms_of(class, s, &mut total)?;
    total.0
}

fn terms_of(class: &str, s: &LayerSpecs, t: &mut impl Terms) -> Option<()> {
    let bias = s.bias().unwrap_or(false);
    let dims = s.dims(class);
    let int = |n: Option<Node>| n?.as_u128();
    let text = |s: &str| s.to_string();
    match class {
        "AttentionLayer" => {
            let (d, q) = (dims.hidden_size?, dims.q_width()?);
            t.term(
                "q,k,v,o",
                || text("4×d×(h·dh)"),
                || format!("4×{d}×{q}"),
                product(&[4, d, q])?,
            );
        }
        "GroupedQueryAttentionLayer" | "SlidingWindowAttentionLayer" => {
            let (d, q, kv) = (dims.hidden_size?, dims.q_width()?, dims.kv_width()?);
            let (dq, dkv2) = (product(&[d, q])?, product(&[2, d, kv])?);
            let bias_sum = if bias {
                Some(sum(&[q, product(&[2, kv])?, d])?)
            } else {
                None
            };
            t.term("q", || text("d×(h·dh)"), || format!("{d}×{q}"), dq);
            t.term(
                "k,v",
                || text("2×d×(kv·dh)"),
                || format!("2×{d}×{kv}"),
                dkv2,
            );
            t.term("o", || text("(h·dh)×d"), || format!("{q}×{d}"), dq);
            if let Some(b) = bias_sum {
                t.term(
                    "bias",
                    || text("(h·dh + 2·kv·dh + d)"),
                    || format!("({q} + 2×{kv} + {d})"),
                    b,
                );
            }
        }
        "MLPLayer" | "GatedMLPLayer" => {
            let d = dims.hidden_size?;
            let di = dims.intermediate_size?;
            let np = if class == "GatedMLPLayer" {
                3
            } else {
                int(s.num_projections()).unwrap_or(2)
            };
            t.term(
                "projections",
                || format!("{np}×d×di"),
                || format!("{np}×{d}×{di}"),
                product(&[np, d, di])?,
            );
        }
        "MoELayer" => {
            let d = dims.hidden_size?;
            let di = dims.intermediate_size?;
            let e = dims.num_experts?;
            let shared = dims.shared_experts.unwrap_or(0);
            let np = int(s.num_projections()).unwrap_or(2);
            if !(2..=3).contains(&np) {
                return None;
            }
            let experts = e.checked_add(shared)?;
            let router = product(&[d, e])?;
            let weights = product(&[experts, np, d, di])?;
            let f = if np == 3 { "(2·di + d)" } else { "(di + d)" };
            let expert_bias = if bias {
                let per_expert = if np == 3 {
                    sum(&[product(&[2, di])?, d])?
                } else {
                    sum(&[di, d])?
                };
                product(&[experts, per_expert])?
            } else {
                0
            };
            let ef = if shared > 0 { "(E+shared)" } else { "E" };
            t.term("router", || text("d×E"), || format!("{d}×{e}"), router);
            if bias {
                t.term("router bias", || text("E"), || format!("{e}"), e);
            }
            t.term(
                "experts",
                || format!("{ef}×{np}×d×di"),
                || format!("{experts}×{np}×{d}×{di}"),
                weights,
            );
            if bias {
                t.term(
                    "expert bias",
                    || format!("{ef}×{f}"),
                    || {
                        if np == 3 {
                            format!("{experts}×(2×{di} + {d})")
                        } else {
                            format!("{experts}×({di} + {d})")
                        }
                    },
                    expert_bias,
                );
            }
        }
        "NormLayer" => {
            let d = dims.hidden_size?;
            if bias {
                t.term(
                    "weight,bias",
                    || text("2×d"),
                    || format!("2×{d}"),
                    product(&[2, d])?,
                );
            } else {
                t.term("weight", || text("d"), || format!("{d}"), d);
            }
        }
        "EmbeddingLayer" => {
            let v = dims.vocab_size?;
            let d = dims.hidden_size?;
            t.term(
                "embedding",
                || text("V×d"),
                || format!("{v}×{d}"),
                product(&[v, d])?,
            );
        }
        _ => return None,
    }
    Some(())
}

/// What GroupedQueryAttentionLayer computes, assuming o_proj is d×d:
/// `d·(h·dh) + 2·d·(kv·dh) + d·d`.
pub fn gqa_class_assumed(a: &Dimensions) -> Option<u128> {
    let (d, q, kv) = (a.hidden_size?, a.q_width()?, a.kv_width()?);
    sum(&[product(&[d, q])?, product(&[2, d, kv])?, product(&[d, d])?])
}

/// `116829156672` → `116.8B` (one decimal, as Mantile's configs write it).
pub fn format_short(n: u128) -> String {
    let (div, suffix) = if n >= 1_000_000_000_000 {
        (1e12, "T")
    } else if n >= 1_000_000_000 {
        (1e9, "B")
    } else if n >= 1_000_000 {
        (1e6, "M")
    } else {
        (1e3, "K")
    };
    format!("{:.1}{suffix}", n as f64 / div)
}

/// Parses `69.5B` into (value, half of its last unit): the stated precision.
pub fn parse_short(s: &str) -> Option<(f64, f64)> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        'K' | 'k' => (&s[..s.len() - 1], 1e3),
        'M' => (&s[..s.len() - 1], 1e6),
        'B' | 'G' => (&s[..s.len() - 1], 1e9),
        'T' => (&s[..s.len() - 1], 1e12),
        _ => return None,
    };
    let value: f64 = num.parse().ok()?;
    let decimals = num.split_once('.').map(|(_, f)| f.len()).unwrap_or(0) as i32;
    Some((value * mult, 0.5 * 10f64.powi(-decimals) * mult))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mantile_json::parse;

    /// The described count, checked against the total computed alone.
    fn count_of(class: &str, specs: &str) -> ParamCount {
        let tree = parse(specs);
        let pc = count(class, Specs(tree.root().unwrap())).unwrap();
        let total = count_total(class, &LayerSpecs::read(tree.root().unwrap()));
        assert_eq!(total, Some(pc.total), "{class} {specs}");
        pc
    }

    #[test]
    fn gqa_with_square_projections_matches_llama_shapes() {
        // Llama-style: d = h·dh, so the true count equals the class formula.
        let pc = count_of(
            "GroupedQueryAttentionLayer",
            r#"{"hidden_size": 8192, "num_heads": 64, "num_kv_heads": 8, "head_dim": 128}"#,
        );
        // q 8192² + k,v 2·8192·1024 + o 8192² = 67,108,864·2 + 16,777,216
        assert_eq!(pc.total, 150_994_944);
        assert_eq!(pc.numbers(), "q 8192×8192 + k,v 2×8192×1024 + o 8192×8192");
    }

    #[test]
    fn attention_wider_than_hidden_size_counts_the_true_o_proj() {
        // GPT-OSS-like: h·dh = 4096 > d = 2880, with biases.
        let specs = r#"{"hidden_size": 2880, "num_heads": 64, "num_kv_heads": 8, "head_dim": 64, "has_bias": true}"#;
        let pc = count_of("GroupedQueryAttentionLayer", specs);
        // 2880·4096 + 2·2880·512 + 4096·2880 + (4096 + 1024 + 2880)
        assert_eq!(pc.total, 11_796_480 + 2_949_120 + 11_796_480 + 8_000);
        let tree = parse(specs);
        let a = LayerSpecs::read(tree.root().unwrap()).dims("GroupedQueryAttentionLayer");
        assert_eq!(
            gqa_class_assumed(&a),
            Some(11_796_480 + 2_949_120 + 8_294_400)
        );
    }

    #[test]
    fn moe_with_gated_experts_and_bias() {
        let pc = count_of(
            "MoELayer",
            r#"{"num_experts": 128, "top_k": 4, "hidden_size": 2880, "intermediate_size": 2880, "num_projections": 3, "has_bias": true}"#,
        );
        // router 2880·128 + 128; experts 128·(3·2880·2880 + 2·2880 + 2880)
        assert_eq!(pc.total, 368_640 + 128 + 128 * (24_883_200 + 8_640));
    }

    #[test]
    fn moe_defaults_to_two_projections_and_counts_shared_experts() {
        let pc = count_of(
            "MoELayer",
            r#"{"num_experts": 8, "top_k": 2, "hidden_size": 16, "intermediate_size": 32, "num_shared_experts": 1}"#,
        );
        assert_eq!(pc.total, 16 * 8 + 9 * 2 * 16 * 32);
        assert_eq!(pc.formula(), "router d×E + experts (E+shared)×2×d×di");
    }

    #[test]
    fn small_classes() {
        assert_eq!(
            count_of("NormLayer", r#"{"hidden_size": 10, "has_bias": true}"#).total,
            20
        );
        assert_eq!(
            count_of("EmbeddingLayer", r#"{"vocab_size": 7, "hidden_size": 3}"#).total,
            21
        );
        assert_eq!(
            count_of(
                "GatedMLPLayer",
                r#"{"hidden_size": 2, "intermediate_size": 5}"#
            )
            .total,
            30
        );
        assert_eq!(
            count_of("MLPLayer", r#"{"hidden_size": 2, "intermediate_size": 5}"#).total,
            20
        );
        assert_eq!(
            count_of(
                "AttentionLayer",
                r#"{"hidden_size": 8, "num_heads": 2, "head_dim": 4}"#
            )
            .total,
            256
        );
        let tree = parse(r#"{"hidden_size": "8"}"#);
        let root = tree.root().unwrap();
        assert!(
            count("NormLayer", Specs(root)).is_none(),
            "a string is not a size"
        );
        assert!(count("MambaLayer", Specs(root)).is_none());
    }

    #[test]
    fn sizes_that_overflow_give_no_count() {
        let huge = u128::MAX / 2 + 1;
        let specs = format!(
            r#"{{"hidden_size": {huge}, "num_heads": 2, "num_kv_heads": 1, "head_dim": 1, "has_bias": true}}"#
        );
        let tree = parse(&specs);
        let s = Specs(tree.root().unwrap());
        assert!(count("GroupedQueryAttentionLayer", s).is_none());
        assert!(count("NormLayer", s).is_none(), "2×d with bias");
        assert!(count("AttentionLayer", s).is_none());
    }

    #[test]
    fn specs_read_key_by_key() {
        let tree = parse(
            r#"{"hidden_size": 8, "size": "8", "has_bias": false, "gated": true, "flag": 1, "num_query_heads": 6}"#,
        );
        let s = Specs(tree.root().unwrap());
        assert_eq!(s.int("hidden_size"), Some(8));
        assert_eq!(s.int("size"), None, "a string is not an integer");
        assert_eq!(s.int("missing"), None);
        assert_eq!(s.flag("has_bias"), Some(false));
        assert_eq!(s.flag("gated"), Some(true));
        assert_eq!(s.flag("flag"), None, "1 is not a boolean");
        assert_eq!(s.flag("missing"), None);
        assert_eq!(s.heads(), Some(6), "the sliding-window alias");
        let tree = parse(r#"{"num_heads": 12}"#);
        assert_eq!(Specs(tree.root().unwrap()).heads(), Some(12));
        let tree = parse(r#"{"hidden_size": 8}"#);
        assert_eq!(Specs(tree.root().unwrap()).heads(), None);
    }

    #[test]
    fn moe_terms_with_plain_experts_and_bias() {
        // Two projections (up, down): each expert's biases are di + d.
        let pc = count_of(
            "MoELayer",
            r#"{"num_experts": 4, "top_k": 1, "hidden_size": 16, "intermediate_size": 32, "has_bias": true}"#,
        );
        assert_eq!(
            pc.formula(),
            "router d×E + router bias E + experts E×2×d×di + expert bias E×(di + d)"
        );
        assert_eq!(
            pc.numbers(),
            "router 16×4 + router bias 4 + experts 4×2×16×32 + expert bias 4×(32 + 16)"
        );
        let values: Vec<u128> = pc.terms.iter().map(|t| t.value).collect();
        // 16·4, 4, 4·2·16·32, 4·(32 + 16)
        assert_eq!(values, [64, 4, 4_096, 192]);
        assert_eq!(pc.total, 4_356);
    }

    #[test]
    fn moe_terms_with_gated_and_shared_experts_and_bias() {
        // Three projections (gate, up, down): 2·di + d biases per expert;
        // the shared expert has weights and biases like a routed one, and no
        // router column.
        let pc = count_of(
            "MoELayer",
            r#"{"num_experts": 4, "top_k": 1, "hidden_size": 16, "intermediate_size": 32, "num_projections": 3, "num_shared_experts": 1, "has_bias": true}"#,
        );
        assert_eq!(
            pc.formula(),
            "router d×E + router bias E + experts (E+shared)×3×d×di + expert bias (E+shared)×(2·di + d)"
        );
        assert_eq!(
            pc.numbers(),
            "router 16×4 + router bias 4 + experts 5×3×16×32 + expert bias 5×(2×32 + 16)"
        );
        let values: Vec<u128> = pc.terms.iter().map(|t| t.value).collect();
        // 16·4, 4, 5·3·16·32, 5·(2·32 + 16)
        assert_eq!(values, [64, 4, 7_680, 400]);
        assert_eq!(pc.total, 8_148);
    }

    #[test]
    fn moe_without_shared_experts_names_e_alone() {
        let pc = count_of(
            "MoELayer",
            r#"{"num_experts": 4, "top_k": 1, "hidden_size": 16, "intermediate_size": 32, "num_projections": 3, "num_shared_experts": 0}"#,
        );
        assert_eq!(pc.formula(), "router d×E + experts E×3×d×di");
        assert_eq!(pc.numbers(), "router 16×4 + experts 4×3×16×32");
        assert_eq!(pc.total, 64 + 6_144);
    }

    /// `a` and `b` agree to a part in 10¹² (the products of decimals are not
    /// exact in binary).
    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        let near = |x: f64, y: f64| (x - y).abs() <= 1e-12 * y.abs();
        near(a.0, b.0) && near(a.1, b.1)
    }

    #[test]
    fn short_format_every_suffix() {
        for (text, want) in [
            ("1.5K", (1.5e3, 0.05e3)),
            ("12k", (12e3, 0.5e3)),
            ("2.25M", (2.25e6, 0.005e6)),
            ("3G", (3e9, 0.5e9)),
            ("1.2T", (1.2e12, 0.05e12)),
            (" 9.75B ", (9.75e9, 0.005e9)),
        ] {
            let got = parse_short(text);
            assert!(
                got.is_some_and(|g| close(g, want)),
                "{text}: {got:?}, want {want:?}"
            );
        }
        for bad in ["", "B", "1.5", "1.5m", "1,5B", "1.5KB"] {
            assert_eq!(parse_short(bad), None, "{bad:?}");
        }
        assert_eq!(format_short(999), "1.0K");
        assert_eq!(format_short(1_500), "1.5K");
        assert_eq!(format_short(999_999), "1000.0K");
        assert_eq!(format_short(1_000_000), "1.0M");
        assert_eq!(format_short(1_000_000_000), "1.0B");
        assert_eq!(format_short(2_340_000_000_000), "2.3T");
    }

    #[test]
    fn short_format_round_trip() {
        assert_eq!(format_short(69_502_369_792), "69.5B");
        assert_eq!(format_short(1_034_465_280), "1.0B");
        assert_eq!(format_short(405_853_388_800), "405.9B");
        assert_eq!(format_short(124_000_000), "124.0M");
        let (v, half) = parse_short("69.5B").unwrap();
        assert_eq!((v, half), (69.5e9, 0.05e9));
        assert_eq!(parse_short("7B"), Some((7e9, 0.5e9)));
        assert_eq!(parse_short("7.2x"), None);
    }
}
