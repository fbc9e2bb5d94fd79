//! Quantized checkpoints read as the model they store: every quantized
//! weight becomes one logical tensor with its architectural name and shape,
//! and the quantization data beside it (scales, zero points, group indices)
//! is set apart as elements that are not parameters of the architecture.
//!
//! The Hub counts what the headers list, element by element: a MXFP4 byte
//! holding two 4-bit values is one element, a GPTQ `int32` holding eight is
//! one, and every scale is one. A model's parameter count is the logical
//! one: what the unquantized checkpoint holds. The two are related exactly:
//!
//! `stored elements = logical parameters − Σ (logical − stored) of packed
//! weights + quantization data`
//!
//! Read from the headers (names, dtypes, shapes), with `config.json`'s
//! `quantization_config` for what the headers cannot say (GPTQ's bit width):
//!
//! - **FP8 and int8 weights with scales** (DeepSeek-V3, Qwen3-FP8,
//!   compressed-tensors FP8/W8A8, bitsandbytes 8-bit): `X.weight` keeps its
//!   shape and holds one parameter per element; `X.weight_scale_inv`,
//!   `X.weight_scale`, `X.input_scale`, `X.SCB`, … are quantization data, as
//!   are the KV-cache scales (`k_scale`, `v_scale`).
//! - **MXFP4** (gpt-oss): `X_blocks` (`U8 [… , out, in/32, 16]`, 32 4-bit
//!   values per 16 bytes) with `X_scales` (`U8 [… , out, in/32]`, one shared
//!   exponent per 32 values) is the weight `X` of logical shape `[…, out,
//!   in]`; packed experts (`experts.gate_up_proj`) are given in the
//!   orientation the unquantized checkpoints of transformers store them,
//!   `[E, in, out]`.
//! - **GPTQ and AWQ** (`qweight` `I32`, `qzeros`, `scales`, GPTQ's `g_idx`):
//!   `X.qweight` is the weight `X.weight [out, in]`: GPTQ packs `32/bits`
//!   input rows per `int32` (`[in·bits/32, out]`), AWQ packs output columns
//!   (`[in, out·bits/32]`); the scales (`[in/group, out]`) confirm which.
//! - **compressed-tensors pack-quantized** (`weight_packed` `I32 [out,
//!   in·bits/32]`, `weight_scale`, `weight_shape`): the weight `[out, in]`.
//!
//! What the headers cannot describe is refused with the reason, naming the
//! quantization: bitsandbytes 4-bit (the logical shapes are in the tensor
//! data), GPTQ/AWQ at bit widths that do not divide 32, and packed integer
//! tensors of a method not listed here.

use crate::{DType, Inventory, Tensor, grouped, shape_text};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// Last name components that hold quantization data beside a weight or an
/// attention module, never parameters of the architecture.
const AUX: [&str; 14] = [
    "weight_scale_inv",
    "weight_scale",
    "weight_scale_2",
    "input_scale",
    "output_scale",
    "weight_zero_point",
    "input_zero_point",
    "weight_global_scale",
    "input_global_scale",
    "weight_shape",
    "k_scale",
    "v_scale",
    "q_scale",
    "SCB",
];

/// How a family of weights is stored.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// Floating-point 8-bit (or int8) weights, one parameter per element,
    /// with scales beside them.
    Scaled {
        dtype: DType,
    },
    /// OCP microscaling FP4: 32 E2M1 values share an E8M0 exponent.
    Mxfp4,
    Gptq {
        bits: u32,
    },
    Awq {
        bits: u32,
    },
    CompressedPacked {
        bits: u32,
    },
}

impl Method {
    pub fn name(&self) -> String {
        match self {
            Method::Scaled { dtype } => format!("{} with scales", dtype.name()),
            Method::Mxfp4 => {
                "MXFP4 (4-bit E2M1 values in U8 blocks, a shared exponent per 32)".into()
            }
            Method::Gptq { bits } => format!("GPTQ {bits}-bit (I32-packed qweight)"),
            Method::Awq { bits } => format!("AWQ {bits}-bit (I32-packed qweight)"),
            Method::CompressedPacked { bits } => {
                format!("compressed-tensors {bits}-bit (I32-packed weight_packed)")
            }
        }
    }
}

/// The quantization of a checkpoint, as read from its headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Quantization {
    /// `quantization_config.quant_method` of config.json, when stated.
    pub quant_method: Option<String>,
    /// Each storage method, with the number of weights stored that way.
    pub methods: BTreeMap<Method, usize>,
    /// The granularity of the scales of scaled weights (`128×128 blocks`,
    /// `per output channel`, `per tensor`), from the first one seen.
    pub scale_granularity: Option<String>,
    /// Indices (in the stored inventory) of the quantization data.
    pub aux: Vec<usize>,
    /// Elements of the quantization data, by dtype.
    pub aux_by_dtype: BTreeMap<DType, u128>,
    pub aux_elements: u128,
    /// Elements of the stored inventory (what the Hub counts).
    pub stored_elements: u128,
    /// Stored elements of the packed weights, and the parameters they hold.
    pub packed_stored: u128,
    pub packed_logical: u128,
    /// Parameters of the logical model.
    pub logical_parameters: u128,
    /// Examples, `stored → logical`, one per pattern (for people).
    pub examples: Vec<String>,
}

impl Quantization {
    /// One line for people: the methods and the exact relation between the
    /// stored elements and the parameters.
    pub fn summary(&self) -> String {
        let methods: Vec<String> = self
            .methods
            .iter()
            .map(|(m, n)| {
                format!(
                    "{} ({} weight{})",
                    m.name(),
                    grouped(*n as u128),
                    if *n == 1 { "" } else { "s" }
                )
            })
            .collect();
        let mut s = methods.join(", ");
        if let Some(g) = &self.scale_granularity {
            s.push_str(&format!(", scales over {g}"));
        }
        s
    }

    /// `684,531,386,000 stored elements = 684,489,845,504 parameters + 41,540,496 elements of quantization data`
    pub fn equation(&self) -> String {
        let mut s = format!(
            "{} stored elements = {} parameters",
            grouped(self.stored_elements),
            grouped(self.logical_parameters)
        );
        if self.packed_logical != self.packed_stored {
            s.push_str(&format!(
                " − {} (the packed weights' {} parameters are {} stored elements)",
                grouped(self.packed_logical - self.packed_stored),
                grouped(self.packed_logical),
                grouped(self.packed_stored)
            ));
        }
        if self.aux_elements > 0 {
            let by: Vec<String> = self
                .aux_by_dtype
                .iter()
                .map(|(d, n)| format!("{} {}", d.name(), grouped(*n)))
                .collect();
            s.push_str(&format!(
                " + {} elements of quantization data ({}), which are not parameters",
                grouped(self.aux_elements),
                by.join(", ")
            ));
        }
        s
    }
}

/// A checkpoint read as its logical model.
#[derive(Clone, Debug)]
pub struct Logical<'a> {
    /// The logical tensors (the stored inventory itself when nothing is quantized).
    pub inventory: Cow<'a, Inventory>,
    pub quantization: Option<Quantization>,
    /// The projections are stored `[in, out]` (GPT-2's `Conv1D`) and were
    /// read transposed ([`crate::structure::conv1d_layout`]).
    pub conv1d: bool,
}

/// A quantized checkpoint whose logical model the headers cannot give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantError {
    /// The quantization, named (`bitsandbytes 4-bit`, `GPTQ 3-bit`).
    pub method: String,
    pub why: String,
}

impl std::fmt::Display for QuantError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the checkpoint is quantized with {}: {}",
            self.method, self.why
        )
    }
}

fn quant_config(config: Option<&Value>) -> Option<&Value> {
    config?.get("quantization_config")
}

fn quant_method(config: Option<&Value>) -> Option<String> {
    quant_config(config)?
        .get("quant_method")
        .and_then(Value::as_str)
        .map(|s| s.to_ascii_lowercase())
}

/// The bit width of GPTQ/AWQ (`bits`, `w_bit`) or of compressed-tensors'
/// weight groups (all the same), when config.json states it.
fn bits(config: Option<&Value>) -> Option<u32> {
    let q = quant_config(config)?;
    if let Some(b) = ["bits", "w_bit", "weight_bits"]
        .iter()
        .find_map(|k| q.get(*k)?.as_u64())
    {
        return u32::try_from(b).ok();
    }
    let groups = q.get("config_groups")?.as_object()?;
    let mut all = groups
        .values()
        .filter_map(|g| g.get("weights")?.get("num_bits")?.as_u64());
    let first = all.next()?;
    all.all(|b| b == first)
        .then(|| u32::try_from(first).ok())
        .flatten()
}

fn group_size(config: Option<&Value>) -> Option<i64> {
    let q = quant_config(config)?;
    ["group_size", "q_group_size"]
        .iter()
        .find_map(|k| q.get(*k)?.as_i64())
}

/// What to name a refused method after config.json's `quant_method`.
fn method_label(m: Option<&str>, fallback: &str) -> String {
    match m {
        Some("bitsandbytes") => "bitsandbytes".into(),
        Some(m) if !m.is_empty() => format!("`{m}`"),
        _ => fallback.into(),
    }
}

struct Builder<'a> {
    inv: &'a Inventory,
    by_name: HashMap<&'a str, usize>,
    /// Stored index → its replacement (`None`: quantization data, dropped).
    replaced: HashMap<usize, Option<Tensor>>,
    q: Quantization,
    example_keys: Vec<String>,
}

impl<'a> Builder<'a> {
    fn get(&self, name: &str) -> Option<(usize, &'a Tensor)> {
        self.by_name.get(name).map(|&i| (i, &self.inv.tensors[i]))
    }

    fn aux(&mut self, i: usize) {
        if self.replaced.contains_key(&i) {
            return;
        }
        let t = &self.inv.tensors[i];
        self.replaced.insert(i, None);
        self.q.aux.push(i);
        *self.q.aux_by_dtype.entry(t.dtype).or_default() += t.numel();
        self.q.aux_elements += t.numel();
    }

    fn weight(&mut self, i: usize, method: Method, logical: Tensor) {
        let stored = &self.inv.tensors[i];
        let key = format!(
            "{}|{}",
            crate::pattern::split(&stored.name).0,
            shape_text(&stored.shape)
        );
        if !self.example_keys.contains(&key) && self.q.examples.len() < 8 {
            self.example_keys.push(key);
            if stored.name != logical.name || stored.shape != logical.shape {
                let orientation = if method == Method::Mxfp4 && logical.shape.len() == 3 {
                    " as [E, in, out], the layout of the unquantized checkpoints"
                } else {
                    ""
                };
                self.q.examples.push(format!(
                    "{} {} {} → {} {}{orientation} ({} parameters)",
                    stored.name,
                    stored.dtype.name(),
                    stored.shape_text(),
                    logical.name,
                    logical.shape_text(),
                    grouped(logical.numel())
                ));
            }
        }
        if stored.numel() != logical.numel() {
            self.q.packed_stored += stored.numel();
            self.q.packed_logical += logical.numel();
        }
        *self.q.methods.entry(method).or_default() += 1;
        self.replaced.insert(i, Some(logical));
    }
}

fn stem(name: &str) -> (&str, &str) {
    name.rsplit_once('.').unwrap_or(("", name))
}

/// The checkpoint as its logical model: quantized weights with their
/// architectural names and shapes, quantization data set apart. An
/// unquantized checkpoint is returned as it is, borrowed.
pub fn logical<'a>(inv: &'a Inventory, config: Option<&Value>) -> Result<Logical<'a>, QuantError> {
    let method = quant_method(config);
    let mut b = Builder {
        inv,
        by_name: inv
            .tensors
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect(),
        replaced: HashMap::new(),
        q: Quantization {
            quant_method: method.clone(),
            ..Quantization::default()
        },
        example_keys: Vec::new(),
    };
    // bitsandbytes 4-bit keeps each weight's shape in its quant_state data.
    if let Some(marker) = inv.tensors.iter().find(|t| {
        t.name.contains(".quant_state.")
            || t.name.ends_with(".absmax")
            || t.name.ends_with(".quant_map")
    }) {
        // The flattened weight itself, where it is beside its marker.
        let weight = [".quant_state.", ".absmax", ".quant_map"]
            .iter()
            .find_map(|m| marker.name.find(m).map(|i| &marker.name[..i]))
            .and_then(|w| b.get(w))
            .map(|(_, t)| t);
        let t = weight.unwrap_or(marker);
        return Err(QuantError {
            method: "bitsandbytes 4-bit (nf4/fp4)".into(),
            why: format!(
                "its weights are flattened bytes (`{}` is {} {}) whose logical shapes are kept in the tensor data (quant_state), not in the safetensors headers, so the model's layers and parameters cannot be read without downloading weights; use the unquantized checkpoint",
                t.name.escape_debug(),
                t.dtype.name(),
                t.shape_text()
            ),
        });
    }
    let packed_bits = |label: &str| -> Result<u32, QuantError> {
        let bits = bits(config).unwrap_or(4);
        if bits == 0 || 32 % bits != 0 {
            return Err(QuantError {
                method: format!("{label} {bits}-bit"),
                why: format!(
                    "{bits}-bit values do not pack evenly into 32-bit words, so the logical shapes cannot be read from the headers"
                ),
            });
        }
        Ok(bits)
    };
    for (i, t) in inv.tensors.iter().enumerate() {
        let (base, last) = stem(&t.name);
        match last {
            // GPTQ / AWQ.
            "qweight" => {
                let bits = packed_bits("GPTQ/AWQ")?;
                let pack = u64::from(32 / bits);
                // GPTQ packs input rows ([in·bits/32, out]), AWQ output
                // columns ([in, out·bits/32]): config.json's method, else
                // the scales' width (out), else GPTQ's g_idx, tell which.
                let scales_out = b
                    .get(&format!("{base}.scales"))
                    .and_then(|(_, s)| s.shape.get(1).copied());
                let cols = t.shape.get(1).copied().unwrap_or(0);
                let awq = match method.as_deref() {
                    Some("awq") => true,
                    Some("gptq") => false,
                    _ => match scales_out {
                        Some(o) if o == cols && o != cols * pack => false,
                        Some(o) if o == cols * pack => true,
                        _ => b.get(&format!("{base}.g_idx")).is_none(),
                    },
                };
                let label = if awq { "AWQ" } else { "GPTQ" };
                let bad = |why: String| QuantError {
                    method: format!("{label} {bits}-bit"),
                    why,
                };
                let [rows, cols] = t.shape[..] else {
                    return Err(bad(format!(
                        "`{}` has shape {}, not the 2-D [rows, columns] of a packed weight",
                        t.name.escape_debug(),
                        t.shape_text()
                    )));
                };
                let (out, inp) = if awq {
                    (cols * pack, rows)
                } else {
                    (cols, rows * pack)
                };
                // The scales, [groups, out], confirm the orientation.
                if let Some((si, s)) = b.get(&format!("{base}.scales")) {
                    if s.shape.len() != 2 || s.shape[1] != out {
                        return Err(bad(format!(
                            "`{}` {} does not match `{}` {} read as [out {out}, in {inp}] ({}): its scales should be [groups, {out}]",
                            s.name.escape_debug(),
                            s.shape_text(),
                            t.name.escape_debug(),
                            t.shape_text(),
                            if awq {
                                "AWQ packs output columns"
                            } else {
                                "GPTQ packs input rows"
                            }
                        )));
                    }
                    b.aux(si);
                }
                if let Some(g) = group_size(config).filter(|g| *g > 0)
                    && let Some((_, s)) = b.get(&format!("{base}.scales"))
                    && s.shape[0] != inp.div_ceil(g as u64)
                {
                    return Err(bad(format!(
                        "`{}` has {} groups, but an input width of {inp} in groups of {g} gives {}",
                        s.name.escape_debug(),
                        s.shape[0],
                        inp.div_ceil(g as u64)
                    )));
                }
                for aux in ["qzeros", "g_idx"] {
                    if let Some((ai, _)) = b.get(&format!("{base}.{aux}")) {
                        b.aux(ai);
                    }
                }
                let m = if awq {
                    Method::Awq { bits }
                } else {
                    Method::Gptq { bits }
                };
                b.weight(
                    i,
                    m,
                    Tensor {
                        name: format!("{base}.weight"),
                        dtype: if bits == 8 { DType::I8 } else { DType::I4 },
                        shape: vec![out, inp],
                        shard: t.shard,
                    },
                );
            }
            // compressed-tensors pack-quantized.
            "weight_packed" => {
                let bits = packed_bits("compressed-tensors")?;
                let [out, cols] = t.shape[..] else {
                    return Err(QuantError {
                        method: format!("compressed-tensors {bits}-bit"),
                        why: format!(
                            "`{}` has shape {}, not [out, in·bits/32]",
                            t.name.escape_debug(),
                            t.shape_text()
                        ),
                    });
                };
                b.weight(
                    i,
                    Method::CompressedPacked { bits },
                    Tensor {
                        name: format!("{base}.weight"),
                        dtype: if bits == 8 { DType::I8 } else { DType::I4 },
                        shape: vec![out, cols * u64::from(32 / bits)],
                        shard: t.shard,
                    },
                );
            }
            _ => {}
        }
        // MXFP4: X_blocks [..., g, 16] with X_scales [..., g].
        if let Some(x) = t.name.strip_suffix("_blocks")
            && t.dtype == DType::U8
            && let Some((si, s)) = b.get(&format!("{x}_scales"))
        {
            let n = t.shape.len();
            let ok = n >= 2 && t.shape[n - 1] == 16 && s.shape[..] == t.shape[..n - 1];
            if !ok {
                return Err(QuantError {
                    method: "MXFP4".into(),
                    why: format!(
                        "`{}` {} and `{}` {} are not blocks [..., groups, 16] with one scale per group",
                        t.name.escape_debug(),
                        t.shape_text(),
                        s.name.escape_debug(),
                        s.shape_text()
                    ),
                });
            }
            let mut shape: Vec<u64> = t.shape[..n - 2].to_vec();
            shape.push(t.shape[n - 2] * 32);
            // [..., out, in]; packed experts as transformers stores them
            // unquantized, [E, in, out].
            let experts = x.contains(".experts.") && !x.ends_with("weight");
            if experts && shape.len() >= 2 {
                let k = shape.len();
                shape.swap(k - 1, k - 2);
            }
            b.aux(si);
            b.weight(
                i,
                Method::Mxfp4,
                Tensor {
                    name: x.to_string(),
                    dtype: DType::F4,
                    shape,
                    shard: t.shard,
                },
            );
        }
    }
    // Scaled weights: FP8 (or int8) `X.weight` beside `X.weight_scale(_inv)`.
    let mut granularity_from: Option<(&Tensor, &Tensor)> = None;
    for (i, t) in inv.tensors.iter().enumerate() {
        let (base, last) = stem(&t.name);
        if last != "weight" || b.replaced.contains_key(&i) {
            continue;
        }
        let scale = ["weight_scale_inv", "weight_scale", "SCB"]
            .iter()
            .find_map(|s| b.get(&format!("{base}.{s}")));
        let fp8 = matches!(t.dtype, DType::F8E4M3 | DType::F8E5M2);
        if scale.is_none() && !fp8 {
            continue;
        }
        // The granularity shows best on the largest scaled weight.
        if let Some((_, s)) = scale
            && granularity_from.is_none_or(|(w, _): (&Tensor, &Tensor)| w.numel() < t.numel())
        {
            granularity_from = Some((t, s));
        }
        if !(fp8 || matches!(t.dtype, DType::I8 | DType::U8)) {
            // A scale beside a 16/32-bit weight: the weight is what it says.
            continue;
        }
        b.weight(i, Method::Scaled { dtype: t.dtype }, t.clone());
    }
    b.q.scale_granularity = granularity_from.map(|(w, s)| granularity(w, s, config));
    let quantized = !b.q.methods.is_empty();
    if quantized {
        for (i, t) in inv.tensors.iter().enumerate() {
            let (_, last) = stem(&t.name);
            if AUX.contains(&last) {
                b.aux(i);
            }
        }
    }
    // Packed integers left unexplained: a method this reader does not know.
    if let Some(t) = inv.tensors.iter().enumerate().find_map(|(i, t)| {
        (!b.replaced.contains_key(&i)
            && matches!(
                t.dtype,
                DType::I32 | DType::U32 | DType::I64 | DType::U64 | DType::U8 | DType::I8
            )
            && t.shape.len() >= 2)
            .then_some(t)
    }) && (quantized || method.is_some())
    {
        return Err(QuantError {
            method: method_label(method.as_deref(), "an unknown method"),
            why: format!(
                "`{}` is {} {}, packed data whose logical shape this reader cannot recover from the headers (it reads FP8 and int8 weights with scales, MXFP4, GPTQ, AWQ and compressed-tensors pack-quantized)",
                t.name.escape_debug(),
                t.dtype.name(),
                t.shape_text()
            ),
        });
    }
    let total = inv.totals().total_elements;
    if !quantized {
        let conv1d = crate::structure::conv1d_layout(inv);
        return Ok(Logical {
            inventory: if conv1d {
                Cow::Owned(crate::structure::transposed(inv))
            } else {
                Cow::Borrowed(inv)
            },
            quantization: None,
            conv1d,
        });
    }
    let mut out = Inventory {
        shards: inv.shards.clone(),
        tensors: Vec::with_capacity(inv.tensors.len()),
    };
    for (i, t) in inv.tensors.iter().enumerate() {
        match b.replaced.remove(&i) {
            Some(Some(l)) => out.tensors.push(l),
            Some(None) => {}
            None => out.tensors.push(t.clone()),
        }
    }
    out.finish().map_err(|e| QuantError {
        method: b
            .q
            .methods
            .keys()
            .next()
            .map(Method::name)
            .unwrap_or_default(),
        why: format!("its logical tensors clash: {e}"),
    })?;
    let mut q = b.q;
    q.aux.sort_unstable();
    q.stored_elements = total;
    q.logical_parameters = out.totals().total_elements;
    debug_assert_eq!(
        q.stored_elements + q.packed_logical,
        q.logical_parameters + q.packed_stored + q.aux_elements
    );
    let conv1d = crate::structure::conv1d_layout(&out);
    if conv1d {
        out = crate::structure::transposed(&out);
    }
    Ok(Logical {
        inventory: Cow::Owned(out),
        quantization: Some(q),
        conv1d,
    })
}

/// `128×128 blocks`, `per output channel`, `per tensor`.
fn granularity(w: &Tensor, s: &Tensor, config: Option<&Value>) -> String {
    let block = quant_config(config)
        .and_then(|q| q.get("weight_block_size"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).collect::<Vec<_>>());
    match (&w.shape[..], &s.shape[..]) {
        (_, [] | [1]) => "the whole tensor (one scale per weight)".into(),
        ([o, _], [so] | [so, 1]) if so == o => "each output channel".into(),
        ([o, i], [so, si]) => {
            // config.json's block size when it fits, else the smallest power
            // of two that gives as many blocks.
            let fit = |n: u64, blocks: u64| {
                (0..32)
                    .map(|k| 1u64 << k)
                    .find(|p| n.div_ceil(*p) == blocks)
                    .unwrap_or_else(|| n.div_ceil(blocks.max(1)))
            };
            let (bo, bi) = match block.as_deref() {
                Some([a, b]) if o.div_ceil(*a) == *so && i.div_ceil(*b) == *si => (*a, *b),
                _ => (fit(*o, *so), fit(*i, *si)),
            };
            format!(
                "{bo}×{bi} blocks ({} `{}`)",
                s.dtype.name(),
                stem(&s.name).1
            )
        }
        _ => format!(
            "{} `{}` {}",
            s.dtype.name(),
            stem(&s.name).1,
            s.shape_text()
        ),
    }
}
