//! Parameter counts from specs, with the true tensor shapes, as explained terms.

use mantile_json::Node;

/// Reads integer and boolean specs.
#[derive(Clone, Copy)]
pub struct Specs<'a>(pub Node<'a>);

impl Specs<'_> {
    pub fn int(&self, key: &str) -> Option<u128> {
        self.0.get(key)?.as_u128()
    }

    pub fn flag(&self, key: &str) -> Option<bool> {
        self.0.get(key)?.as_bool()
    }

    /// Query heads: `num_heads`, or `num_query_heads` (sliding-window attention's name).
    pub fn heads(&self) -> Option<u128> {
        self.int("num_heads")
            .or_else(|| self.int("num_query_heads"))
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
    fn new(terms: Vec<Term>) -> ParamCount {
        let total = terms.iter().map(|t| t.value).sum();
        ParamCount { terms, total }
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

fn term(label: &str, formula: &str, numbers: String, value: u128) -> Term {
    Term {
        label: label.to_string(),
        formula: formula.to_string(),
        numbers,
        value,
    }
}

/// Attention widths derived from specs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttentionDims {
    pub d: u128,
    pub heads: u128,
    /// Key/value heads (= heads for multi-head attention).
    pub kv_heads: u128,
    pub head_dim: u128,
}

impl AttentionDims {
    pub fn from_specs(class: &str, s: Specs) -> Option<AttentionDims> {
        let heads = s.heads()?;
        let kv_heads = if class == "AttentionLayer" {
            heads
        } else {
            s.int("num_kv_heads")?
        };
        Some(AttentionDims {
            d: s.int("hidden_size")?,
            heads,
            kv_heads,
            head_dim: s.int("head_dim")?,
        })
    }

    /// Query width `h·dh`.
    pub fn q_width(&self) -> u128 {
        self.heads * self.head_dim
    }

    /// Key/value width `kv·dh`.
    pub fn kv_width(&self) -> u128 {
        self.kv_heads * self.head_dim
    }
}

/// The parameters of one instance of `class` with these specs, from the true
/// tensor shapes; `None` for a class whose shapes are not known or when a
/// needed spec is missing or not an integer.
pub fn count(class: &str, s: Specs) -> Option<ParamCount> {
    let bias = s.flag("has_bias").unwrap_or(false);
    let pc = match class {
        "AttentionLayer" => {
            let a = AttentionDims::from_specs(class, s)?;
            let (d, q) = (a.d, a.q_width());
            vec![term(
                "q,k,v,o",
                "4×d×(h·dh)",
                format!("4×{d}×{q}"),
                4 * d.checked_mul(q)?,
            )]
        }
        "GroupedQueryAttentionLayer" | "SlidingWindowAttentionLayer" => {
            let a = AttentionDims::from_specs(class, s)?;
            let (d, q, kv) = (a.d, a.q_width(), a.kv_width());
            let mut t = vec![
                term("q", "d×(h·dh)", format!("{d}×{q}"), d.checked_mul(q)?),
                term(
                    "k,v",
                    "2×d×(kv·dh)",
                    format!("2×{d}×{kv}"),
                    2 * d.checked_mul(kv)?,
                ),
                term("o", "(h·dh)×d", format!("{q}×{d}"), q.checked_mul(d)?),
            ];
            if bias {
                t.push(term(
                    "bias",
                    "(h·dh + 2·kv·dh + d)",
                    format!("({q} + 2×{kv} + {d})"),
                    q + 2 * kv + d,
                ));
            }
            t
        }
        "MLPLayer" | "GatedMLPLayer" => {
            let d = s.int("hidden_size")?;
            let di = s.int("intermediate_size")?;
            let np = if class == "GatedMLPLayer" {
                3
            } else {
                s.int("num_projections").unwrap_or(2)
            };
            vec![term(
                "projections",
                &format!("{np}×d×di"),
                format!("{np}×{d}×{di}"),
                np.checked_mul(d)?.checked_mul(di)?,
            )]
        }
        "MoELayer" => {
            let d = s.int("hidden_size")?;
            let di = s.int("intermediate_size")?;
            let e = s.int("num_experts")?;
            let shared = s.int("num_shared_experts").unwrap_or(0);
            let np = s.int("num_projections").unwrap_or(2);
            if !(2..=3).contains(&np) {
                return None;
            }
            let experts = e + shared;
            let mut t = vec![term("router", "d×E", format!("{d}×{e}"), d.checked_mul(e)?)];
            if bias {
                t.push(term("router bias", "E", format!("{e}"), e));
            }
            let (ef, en) = if shared > 0 {
                ("(E+shared)", format!("{experts}"))
            } else {
                ("E", format!("{e}"))
            };
            t.push(term(
                "experts",
                &format!("{ef}×{np}×d×di"),
                format!("{en}×{np}×{d}×{di}"),
                experts.checked_mul(np)?.checked_mul(d)?.checked_mul(di)?,
            ));
            if bias {
                let (f, n, v) = if np == 3 {
                    ("(2·di + d)", format!("(2×{di} + {d})"), 2 * di + d)
                } else {
                    ("(di + d)", format!("({di} + {d})"), di + d)
                };
                t.push(term(
                    "expert bias",
                    &format!("{ef}×{f}"),
                    format!("{en}×{n}"),
                    experts.checked_mul(v)?,
                ));
            }
            t
        }
        "NormLayer" => {
            let d = s.int("hidden_size")?;
            if bias {
                vec![term("weight,bias", "2×d", format!("2×{d}"), 2 * d)]
            } else {
                vec![term("weight", "d", format!("{d}"), d)]
            }
        }
        "EmbeddingLayer" => {
            let v = s.int("vocab_size")?;
            let d = s.int("hidden_size")?;
            vec![term(
                "embedding",
                "V×d",
                format!("{v}×{d}"),
                v.checked_mul(d)?,
            )]
        }
        _ => return None,
    };
    Some(ParamCount::new(pc))
}

/// What GroupedQueryAttentionLayer computes, assuming o_proj is d×d.
pub fn gqa_class_assumed(a: &AttentionDims) -> u128 {
    a.d * a.q_width() + 2 * a.d * a.kv_width() + a.d * a.d
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

    fn count_of(class: &str, specs: &str) -> ParamCount {
        let tree = parse(specs);
        count(class, Specs(tree.root().unwrap())).unwrap()
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
        let a =
            AttentionDims::from_specs("GroupedQueryAttentionLayer", Specs(tree.root().unwrap()))
                .unwrap();
        assert_eq!(gqa_class_assumed(&a), 11_796_480 + 2_949_120 + 8_294_400);
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
