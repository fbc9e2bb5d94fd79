//! A layer's `specs`, read once: each spec the formulas and checks use, by
//! name, with its aliases resolved in this one place.

use crate::dims::Dimensions;
use mantile_json::Node;

/// Declares the specs [`LayerSpecs`] reads: one slot and one accessor each.
macro_rules! specs {
    ($($(#[$doc:meta])* $name:ident = $slot:literal;)*) => {
        /// The number of specs read.
        const SLOTS: usize = [$($slot),*].len();

        impl<'a> LayerSpecs<'a> {
            /// The slot of a spec key, if it is one of those read.
            fn slot(key: &str) -> Option<usize> {
                match key {
                    $(stringify!($name) => Some($slot),)*
                    _ => None,
                }
            }

            $(
                $(#[$doc])*
                #[doc = concat!("`", stringify!($name), "` (the last one, if repeated).")]
                pub fn $name(&self) -> Option<Node<'a>> {
                    self.get($slot)
                }
            )*
        }
    };
}

specs! {
    hidden_size = 0;
    num_heads = 1;
    /// Sliding-window attention's name for the query heads.
    num_query_heads = 2;
    num_kv_heads = 3;
    head_dim = 4;
    intermediate_size = 5;
    num_experts = 6;
    top_k = 7;
    num_shared_experts = 8;
    num_projections = 9;
    has_bias = 10;
    sliding_window = 11;
    num_sinks = 12;
    vocab_size = 13;
    parameter_count = 14;
}

/// No node in a slot.
const EMPTY: u32 = u32::MAX;

/// The specs of one layer that Mantile's formulas read (the last member
/// wins when a key is repeated, as when the file is loaded). Other keys stay
/// in [`LayerSpecs::node`]. Compact: the specs are kept as node indices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerSpecs<'a> {
    /// The `specs` object itself.
    pub node: Option<Node<'a>>,
    slots: [u32; SLOTS],
}

impl Default for LayerSpecs<'_> {
    fn default() -> Self {
        LayerSpecs {
            node: None,
            slots: [EMPTY; SLOTS],
        }
    }
}

fn int(n: Option<Node>) -> Option<u128> {
    n?.as_u128()
}

impl<'a> LayerSpecs<'a> {
    /// Reads a `specs` object in one pass over its members (nothing for
    /// another value).
    pub fn read(specs: Node<'a>) -> LayerSpecs<'a> {
        let mut s = LayerSpecs {
            node: Some(specs).filter(|n| n.is_object()),
            ..LayerSpecs::default()
        };
        for m in specs.members() {
            if let Some(slot) = Self::slot(m.key) {
                s.slots[slot] = m.value.index() as u32;
            }
        }
        s
    }

    fn get(&self, slot: usize) -> Option<Node<'a>> {
        let index = self.slots[slot];
        if index == EMPTY {
            return None;
        }
        self.node?.tree().node_at(index as usize)
    }

    /// The node that gives the query heads: `num_heads` when it is an
    /// integer, else `num_query_heads` (the alias is resolved here only).
    pub fn heads_node(&self) -> Option<Node<'a>> {
        self.num_heads()
            .filter(|n| n.as_u128().is_some())
            .or(self.num_query_heads().filter(|n| n.as_u128().is_some()))
    }

    /// Query heads: `num_heads`, or `num_query_heads`.
    pub fn heads(&self) -> Option<u128> {
        self.heads_node()?.as_u128()
    }

    /// `has_bias`, when it is a boolean.
    pub fn bias(&self) -> Option<bool> {
        self.has_bias()?.as_bool()
    }

    /// The layer's sizes as its specs state them. Multi-head attention
    /// (`AttentionLayer`) has as many key/value heads as query heads.
    pub fn dims(&self, class: &str) -> Dimensions {
        let heads = self.heads();
        Dimensions {
            hidden_size: int(self.hidden_size()),
            num_layers: None,
            vocab_size: int(self.vocab_size()),
            heads,
            kv_heads: if class == "AttentionLayer" {
                heads
            } else {
                int(self.num_kv_heads())
            },
            head_dim: int(self.head_dim()),
            intermediate_size: int(self.intermediate_size()),
            num_experts: int(self.num_experts()),
            top_k: int(self.top_k()),
            shared_experts: int(self.num_shared_experts()),
            sliding_window: int(self.sliding_window()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_once_and_resolves_the_heads_alias() {
        let tree = mantile_json::parse(
            r#"{"hidden_size": 48, "num_query_heads": 4, "num_kv_heads": 1, "head_dim": 16, "has_bias": true, "x": 1, "head_dim": 12}"#,
        );
        let s = LayerSpecs::read(tree.root().unwrap());
        assert_eq!(s.heads(), Some(4));
        assert_eq!(s.heads_node().unwrap().text(), "4");
        assert_eq!(s.bias(), Some(true));
        assert_eq!(s.parameter_count(), None);
        let d = s.dims("SlidingWindowAttentionLayer");
        assert_eq!(d.head_dim, Some(12), "the last head_dim wins");
        assert_eq!((d.heads, d.kv_heads), (Some(4), Some(1)));
        let mha = s.dims("AttentionLayer");
        assert_eq!(mha.kv_heads, Some(4), "multi-head attention: kv = h");

        // `num_heads` wins when it is an integer, else the alias.
        let tree = mantile_json::parse(r#"{"num_heads": "8", "num_query_heads": 4}"#);
        assert_eq!(LayerSpecs::read(tree.root().unwrap()).heads(), Some(4));
        let tree = mantile_json::parse(r#"{"num_heads": 8, "num_query_heads": 4}"#);
        assert_eq!(LayerSpecs::read(tree.root().unwrap()).heads(), Some(8));
        // Not an object: nothing.
        let tree = mantile_json::parse("[1]");
        assert_eq!(
            LayerSpecs::read(tree.root().unwrap()),
            LayerSpecs::default()
        );
    }
}
