//! Tensor inventories of Hugging Face checkpoints, from their safetensors
//! headers (never the weights): the headers checked and parsed
//! ([`header_length`], [`parse_header`]), every tensor listed in an
//! [`Inventory`], names folded into patterns ([`pattern`]) and the block
//! structure analysed ([`structure`]). No I/O: the bytes come from the edge.
//!
//! A safetensors file starts with an 8-byte little-endian length `N`, then
//! `N` bytes of JSON: `{name: {"dtype", "shape", "data_offsets": [a, b]}, …,
//! "__metadata__": {…}}`; the offsets are relative to the data that follows.

pub mod pattern;
pub mod quant;
pub mod render;
pub mod structure;

use serde_json::Value;
use std::collections::BTreeMap;

/// Element types of safetensors (the format's full list, sub-byte floats
/// included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DType {
    Bool,
    U8,
    I8,
    F8E5M2,
    F8E4M3,
    F8E8M0,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    F64,
    I64,
    U64,
    C64,
    F4,
    F6E2M3,
    F6E3M2,
    /// A 4-bit integer: not a safetensors dtype (never parsed from a
    /// header), the element type of a GPTQ/AWQ weight read as its logical
    /// tensor ([`quant`]).
    I4,
}

impl DType {
    /// The dtypes of safetensors headers.
    pub const ALL: [DType; 20] = [
        DType::Bool,
        DType::U8,
        DType::I8,
        DType::F8E5M2,
        DType::F8E4M3,
        DType::F8E8M0,
        DType::I16,
        DType::U16,
        DType::F16,
        DType::BF16,
        DType::I32,
        DType::U32,
        DType::F32,
        DType::F64,
        DType::I64,
        DType::U64,
        DType::C64,
        DType::F4,
        DType::F6E2M3,
        DType::F6E3M2,
    ];

    /// The name in safetensors headers.
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "BOOL",
            DType::U8 => "U8",
            DType::I8 => "I8",
            DType::F8E5M2 => "F8_E5M2",
            DType::F8E4M3 => "F8_E4M3",
            DType::F8E8M0 => "F8_E8M0",
            DType::I16 => "I16",
            DType::U16 => "U16",
            DType::F16 => "F16",
            DType::BF16 => "BF16",
            DType::I32 => "I32",
            DType::U32 => "U32",
            DType::F32 => "F32",
            DType::F64 => "F64",
            DType::I64 => "I64",
            DType::U64 => "U64",
            DType::C64 => "C64",
            DType::F4 => "F4",
            DType::F6E2M3 => "F6_E2M3",
            DType::F6E3M2 => "F6_E3M2",
            DType::I4 => "I4",
        }
    }

    pub fn parse(s: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == s)
    }

    /// Bits per element.
    pub fn bits(self) -> u32 {
        match self {
            DType::F4 | DType::I4 => 4,
            DType::F6E2M3 | DType::F6E3M2 => 6,
            DType::Bool | DType::U8 | DType::I8 | DType::F8E5M2 | DType::F8E4M3 | DType::F8E8M0 => {
                8
            }
            DType::I16 | DType::U16 | DType::F16 | DType::BF16 => 16,
            DType::I32 | DType::U32 | DType::F32 => 32,
            DType::F64 | DType::I64 | DType::U64 | DType::C64 => 64,
        }
    }

    /// Integer types hold packed or quantized data (MXFP4 blocks as `U8`,
    /// scales as `U8`/`F8_E8M0`), not one parameter per element.
    pub fn is_packed(self) -> bool {
        matches!(
            self,
            DType::U8
                | DType::I8
                | DType::U16
                | DType::I16
                | DType::U32
                | DType::I32
                | DType::U64
                | DType::I64
                | DType::Bool
                | DType::F8E8M0
        )
    }

    /// Bytes that `numel` elements occupy (sub-byte types packed).
    pub fn storage_bytes(self, numel: u128) -> Option<u128> {
        numel
            .checked_mul(u128::from(self.bits()))
            .map(|b| b.div_ceil(8))
    }
}

/// One tensor of a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tensor {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<u64>,
    /// Index into [`Inventory::shards`].
    pub shard: u32,
}

impl Tensor {
    /// Elements (the product of the shape; 1 for a scalar). Shapes are
    /// checked when parsed, so this cannot overflow `u128` for them.
    pub fn numel(&self) -> u128 {
        self.shape
            .iter()
            .fold(1u128, |a, &d| a.saturating_mul(u128::from(d)))
    }

    pub fn bytes(&self) -> u128 {
        self.dtype.storage_bytes(self.numel()).unwrap_or(u128::MAX)
    }

    /// `[8192, 8192]`
    pub fn shape_text(&self) -> String {
        shape_text(&self.shape)
    }
}

pub fn shape_text(shape: &[u64]) -> String {
    let parts: Vec<String> = shape.iter().map(u64::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// Largest header accepted (real ones are tens of KB; safetensors itself
/// refuses 100 MB).
pub const MAX_HEADER_LEN: u64 = 16 << 20;

/// What is wrong with a safetensors header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer than 8 bytes.
    TooShort,
    /// A zero length, or one over [`MAX_HEADER_LEN`].
    BadLength(u64),
    /// The declared header runs past the end of the file.
    PastEnd {
        declared: u64,
        file: u64,
    },
    /// The header bytes are not a JSON object.
    NotJson,
    /// A tensor entry is not `{dtype, shape, data_offsets}`.
    BadEntry {
        tensor: String,
        why: String,
    },
    UnknownDtype {
        tensor: String,
        dtype: String,
    },
    /// The product of the shape does not fit.
    ShapeOverflow {
        tensor: String,
    },
    /// `data_offsets` disagree with the shape and dtype, or leave the file.
    Offsets {
        tensor: String,
        why: String,
    },
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let clip = |s: &str| -> String {
            let s: String = s.chars().take(120).collect();
            s.escape_debug().to_string()
        };
        match self {
            HeaderError::TooShort => write!(f, "shorter than the 8-byte header length"),
            HeaderError::BadLength(n) => {
                write!(
                    f,
                    "declares a {n}-byte header (at most {MAX_HEADER_LEN} accepted)"
                )
            }
            HeaderError::PastEnd { declared, file } => write!(
                f,
                "declares a {declared}-byte header, past the end of the {file}-byte file"
            ),
            HeaderError::NotJson => write!(f, "its header is not a JSON object"),
            HeaderError::BadEntry { tensor, why } => {
                write!(f, "tensor `{}`: {why}", clip(tensor))
            }
            HeaderError::UnknownDtype { tensor, dtype } => write!(
                f,
                "tensor `{}` has the unknown dtype `{}`",
                clip(tensor),
                clip(dtype)
            ),
            HeaderError::ShapeOverflow { tensor } => write!(
                f,
                "tensor `{}` has a shape whose product overflows",
                clip(tensor)
            ),
            HeaderError::Offsets { tensor, why } => {
                write!(f, "tensor `{}`: {why}", clip(tensor))
            }
        }
    }
}

/// The header length from a file's first 8 bytes; `file_len` (from
/// `Content-Range`, when the server gives it) bounds it.
pub fn header_length(first: &[u8], file_len: Option<u64>) -> Result<u64, HeaderError> {
    let b: [u8; 8] = first
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or(HeaderError::TooShort)?;
    let n = u64::from_le_bytes(b);
    if n == 0 || n > MAX_HEADER_LEN {
        return Err(HeaderError::BadLength(n));
    }
    if let Some(file) = file_len
        && n.checked_add(8).is_none_or(|end| end > file)
    {
        return Err(HeaderError::PastEnd { declared: n, file });
    }
    Ok(n)
}

/// One parsed entry: name, dtype, shape.
pub type Entry = (String, DType, Vec<u64>);

/// Parses and checks a header's JSON: every dtype known, every shape's
/// product in range, every `data_offsets` pair consistent with its shape and
/// inside `data_len` (the bytes after the header) when that is known.
pub fn parse_header(json: &[u8], data_len: Option<u64>) -> Result<Vec<Entry>, HeaderError> {
    let v: Value = serde_json::from_slice(json).map_err(|_| HeaderError::NotJson)?;
    let obj = v.as_object().ok_or(HeaderError::NotJson)?;
    let mut out = Vec::with_capacity(obj.len());
    for (name, t) in obj {
        if name == "__metadata__" {
            continue;
        }
        let bad = |why: &str| HeaderError::BadEntry {
            tensor: name.clone(),
            why: why.into(),
        };
        let t = t.as_object().ok_or_else(|| bad("not an object"))?;
        let dtype_s = t
            .get("dtype")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no dtype"))?;
        let dtype = DType::parse(dtype_s).ok_or_else(|| HeaderError::UnknownDtype {
            tensor: name.clone(),
            dtype: dtype_s.into(),
        })?;
        let shape: Vec<u64> = t
            .get("shape")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no shape"))?
            .iter()
            .map(Value::as_u64)
            .collect::<Option<_>>()
            .ok_or_else(|| bad("a shape that is not a list of non-negative integers"))?;
        let numel = shape
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .ok_or_else(|| HeaderError::ShapeOverflow {
                tensor: name.clone(),
            })?;
        let bytes = dtype
            .storage_bytes(u128::from(numel))
            .filter(|&b| b <= u128::from(u64::MAX))
            .ok_or_else(|| HeaderError::ShapeOverflow {
                tensor: name.clone(),
            })? as u64;
        let offs: Vec<u64> = t
            .get("data_offsets")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<_>>>())
            .filter(|o| o.len() == 2)
            .ok_or_else(|| bad("no data_offsets [begin, end]"))?;
        let off = |why: String| HeaderError::Offsets {
            tensor: name.clone(),
            why,
        };
        let (a, b) = (offs[0], offs[1]);
        if b < a || b - a != bytes {
            return Err(off(format!(
                "data_offsets [{a}, {b}] hold {} bytes, but {} {} takes {bytes}",
                b.saturating_sub(a),
                dtype.name(),
                shape_text(&shape)
            )));
        }
        if let Some(len) = data_len
            && b > len
        {
            return Err(off(format!(
                "data_offsets end at {b}, past the {len} bytes of data"
            )));
        }
        out.push((name.clone(), dtype, shape));
    }
    Ok(out)
}

/// Every tensor of a checkpoint, over its shards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Shard file names, in the order read.
    pub shards: Vec<String>,
    pub tensors: Vec<Tensor>,
}

/// Totals of an inventory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub tensors: usize,
    /// Elements per dtype.
    pub elements: BTreeMap<DType, u128>,
    /// Bytes per dtype (as stored).
    pub bytes: BTreeMap<DType, u128>,
    pub total_elements: u128,
    pub total_bytes: u128,
}

impl Inventory {
    /// Adds one shard's entries; a tensor named twice (in two shards) is an error.
    pub fn add_shard(&mut self, shard: &str, entries: Vec<Entry>) -> Result<(), String> {
        let idx = self.shards.len() as u32;
        self.shards.push(shard.to_string());
        self.tensors
            .extend(entries.into_iter().map(|(name, dtype, shape)| Tensor {
                name,
                dtype,
                shape,
                shard: idx,
            }));
        Ok(())
    }

    /// Sorts tensors in natural name order (numbers by value) and checks
    /// that no name appears twice.
    pub fn finish(&mut self) -> Result<(), String> {
        self.tensors
            .sort_by(|a, b| pattern::natural_cmp(&a.name, &b.name));
        if let Some(w) = self.tensors.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(format!(
                "tensor `{}` appears in two shards ({} and {})",
                w[0].name.escape_debug(),
                self.shards[w[0].shard as usize],
                self.shards[w[1].shard as usize]
            ));
        }
        Ok(())
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            tensors: self.tensors.len(),
            ..Totals::default()
        };
        for x in &self.tensors {
            let (n, b) = (x.numel(), x.bytes());
            *t.elements.entry(x.dtype).or_default() += n;
            *t.bytes.entry(x.dtype).or_default() += b;
            t.total_elements += n;
            t.total_bytes += b;
        }
        t
    }

    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// The inventory as versioned JSON (also its cache form).
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "shards": self.shards,
            "tensors": self.tensors.iter().map(|t| serde_json::json!([t.name, t.dtype.name(), t.shape, t.shard])).collect::<Vec<_>>(),
        })
    }

    pub fn from_json(v: &Value) -> Option<Inventory> {
        let shards: Vec<String> = v["shards"]
            .as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect::<Option<_>>()?;
        let tensors = v["tensors"]
            .as_array()?
            .iter()
            .map(|t| {
                let shard = t[3].as_u64()? as u32;
                ((shard as usize) < shards.len()).then_some(())?;
                Some(Tensor {
                    name: t[0].as_str()?.to_string(),
                    dtype: DType::parse(t[1].as_str()?)?,
                    shape: t[2]
                        .as_array()?
                        .iter()
                        .map(Value::as_u64)
                        .collect::<Option<_>>()?,
                    shard,
                })
            })
            .collect::<Option<_>>()?;
        Some(Inventory { shards, tensors })
    }
}

/// `1234567` → `1,234,567`.
pub fn grouped(v: u128) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `140_000_000_000` bytes → `130.4 GiB`.
pub fn bytes_text(n: u128) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests;
