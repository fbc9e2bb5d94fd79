//! Tensor names folded into patterns: every numeric component of a dotted
//! name is an index slot, and tensors that differ only in those indices
//! (and share shape and dtype) form one group, shown as
//! `model.layers.{0..79}.self_attn.q_proj.weight  [8192, 8192]  BF16  ×80`.

use crate::{DType, Inventory};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// Compares names with their digit runs by value (`layers.2` < `layers.10`).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (&a[..da], &b[..db]);
                let ta = trim_zeros(na);
                let tb = trim_zeros(nb);
                let o = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                if o != Ordering::Equal {
                    return o;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let z = d.iter().take_while(|c| **c == b'0').count();
    if z == d.len() {
        &d[d.len() - 1..]
    } else {
        &d[z..]
    }
}

/// A name split into its template (`model.layers.{}.mlp.experts.{}.w1.weight`)
/// and index values.
pub fn split(name: &str) -> (String, Vec<u64>) {
    let mut template = String::with_capacity(name.len());
    let mut idx = Vec::new();
    for (i, part) in name.split('.').enumerate() {
        if i > 0 {
            template.push('.');
        }
        if !part.is_empty()
            && part.len() <= 12
            && part.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = part.parse::<u64>()
        {
            template.push_str("{}");
            idx.push(n);
        } else {
            template.push_str(part);
        }
    }
    (template, idx)
}

/// Tensors of one pattern with the same shape and dtype.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub template: String,
    pub shape: Vec<u64>,
    pub dtype: DType,
    /// The values each index slot takes.
    pub slots: Vec<BTreeSet<u64>>,
    /// Tensors in the group.
    pub count: usize,
    /// Elements of one tensor.
    pub numel: u128,
}

impl Group {
    /// The template with each slot's values: `model.layers.{0..79}.…`.
    pub fn display(&self) -> String {
        let mut out = String::new();
        let mut slots = self.slots.iter();
        let mut rest = self.template.as_str();
        while let Some(i) = rest.find("{}") {
            out.push_str(&rest[..i]);
            match slots.next() {
                Some(s) => out.push_str(&ranges(s)),
                None => out.push_str("{}"),
            }
            rest = &rest[i + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// `{0..3,5,7..9}`; one value alone is written bare (`7`).
pub fn ranges(values: &BTreeSet<u64>) -> String {
    if values.len() == 1 {
        return values.iter().next().map(u64::to_string).unwrap_or_default();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut it = values.iter().copied().peekable();
    while let Some(start) = it.next() {
        let mut end = start;
        while it.peek() == Some(&(end + 1)) {
            end += 1;
            it.next();
        }
        parts.push(if end == start {
            start.to_string()
        } else if end == start + 1 {
            format!("{start},{end}")
        } else {
            format!("{start}..{end}")
        });
    }
    format!("{{{}}}", parts.join(","))
}

/// The inventory's groups, in the natural order of their first tensor.
pub fn groups(inv: &Inventory) -> Vec<Group> {
    let mut index: std::collections::HashMap<(String, Vec<u64>, DType), usize> =
        std::collections::HashMap::new();
    let mut out: Vec<(usize, Group)> = Vec::new();
    // Tensors are sorted by natural order in `Inventory::finish`; keep the
    // first-seen order of groups.
    for (pos, t) in inv.tensors.iter().enumerate() {
        let (template, idx) = split(&t.name);
        let key = (template, t.shape.clone(), t.dtype);
        let g = match index.get(&key) {
            Some(&i) => &mut out[i].1,
            None => {
                index.insert(key.clone(), out.len());
                out.push((
                    pos,
                    Group {
                        template: key.0,
                        shape: key.1,
                        dtype: key.2,
                        slots: vec![BTreeSet::new(); idx.len()],
                        count: 0,
                        numel: t.numel(),
                    },
                ));
                &mut out.last_mut().expect("just pushed").1
            }
        };
        for (slot, v) in g.slots.iter_mut().zip(&idx) {
            slot.insert(*v);
        }
        g.count += 1;
    }
    out.sort_by_key(|(pos, _)| *pos);
    out.into_iter().map(|(_, g)| g).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_and_ranges() {
        let mut names = vec!["l.10.w", "l.2.w", "l.1.w", "a", "l.02.x"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["a", "l.1.w", "l.2.w", "l.02.x", "l.10.w"]);
        let s: BTreeSet<u64> = [0, 1, 2, 3, 5, 7, 8, 9, 11, 12].into_iter().collect();
        assert_eq!(ranges(&s), "{0..3,5,7..9,11,12}");
        assert_eq!(ranges(&[4].into_iter().collect()), "4");
        assert_eq!(
            split("model.layers.12.mlp.experts.3.w1.weight"),
            (
                "model.layers.{}.mlp.experts.{}.w1.weight".into(),
                vec![12, 3]
            )
        );
    }
}
