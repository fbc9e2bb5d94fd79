//! The typed view of a config: its model fields and layers, read in one pass
//! over the tree (the last member wins when a key is repeated).

use crate::catalog::Category;
use crate::dims::Dimensions;
use crate::params::{ParamCount, count_specs, count_total};
use crate::specs::LayerSpecs;
use mantile_diag::TextRange;
use mantile_json::{Member, Node};
use std::cell::OnceCell;

/// At most this many characters of a name are quoted in a message.
const NAME_CHARS: usize = 60;

/// `text`, shortened for a message.
pub fn preview(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(NAME_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]).into(),
        None => text.into(),
    }
}

/// A config's top-level fields and layers.
#[derive(Clone, Debug)]
pub struct Config<'a> {
    pub root: Node<'a>,
    pub model_id: Option<Node<'a>>,
    pub hf_model_id: Option<Node<'a>>,
    pub hidden_size: Option<Node<'a>>,
    pub num_layers: Option<Node<'a>>,
    pub vocab_size: Option<Node<'a>>,
    pub total_params: Option<Node<'a>>,
    pub total_params_formatted: Option<Node<'a>>,
    pub layer_types: Option<Member<'a>>,
    /// The object entries of `layer_types`, in order.
    pub layers: Vec<Layer<'a>>,
    /// Whether every entry of `layer_types` is an object.
    pub all_layers_are_objects: bool,
}

impl<'a> Config<'a> {
    /// Reads a config: one pass over the root's members, one over `layer_types`.
    pub fn new(root: Node<'a>) -> Config<'a> {
        let mut c = Config {
            root,
            model_id: None,
            hf_model_id: None,
            hidden_size: None,
            num_layers: None,
            vocab_size: None,
            total_params: None,
            total_params_formatted: None,
            layer_types: None,
            layers: Vec::new(),
            all_layers_are_objects: true,
        };
        for m in root.members() {
            let slot = match m.key {
                "model_id" => &mut c.model_id,
                "hf_model_id" => &mut c.hf_model_id,
                "hidden_size" => &mut c.hidden_size,
                "num_layers" => &mut c.num_layers,
                "vocab_size" => &mut c.vocab_size,
                "total_params" => &mut c.total_params,
                "total_params_formatted" => &mut c.total_params_formatted,
                "layer_types" => {
                    c.layer_types = Some(m);
                    continue;
                }
                _ => continue,
            };
            *slot = Some(m.value);
        }
        if let Some(lt) = c.layer_types {
            c.layers.reserve_exact(lt.value.elements().len());
            for (index, node) in lt.value.elements().enumerate() {
                if node.is_object() {
                    c.layers.push(Layer::read(index, node));
                } else {
                    c.all_layers_are_objects = false;
                }
            }
        }
        c
    }

    /// The model's sizes: its top-level fields, and the specs of its first
    /// attention and feed-forward layers that state them.
    pub fn dims(&self) -> Dimensions {
        let top = |n: Option<Node>| n?.as_u128();
        let of_role = |cat: Category, pick: fn(&Dimensions) -> Option<u128>| {
            self.layers
                .iter()
                .filter(|l| l.category() == Some(cat))
                .find_map(|l| pick(&l.dims()))
        };
        use Category::{Attention, FeedForward};
        Dimensions {
            hidden_size: top(self.hidden_size),
            num_layers: top(self.num_layers),
            vocab_size: top(self.vocab_size),
            heads: of_role(Attention, |d| d.heads),
            kv_heads: of_role(Attention, |d| d.kv_heads),
            head_dim: of_role(Attention, |d| d.head_dim),
            intermediate_size: of_role(FeedForward, |d| d.intermediate_size),
            num_experts: of_role(FeedForward, |d| d.num_experts),
            top_k: of_role(FeedForward, |d| d.top_k),
            shared_experts: of_role(FeedForward, |d| d.shared_experts),
            sliding_window: of_role(Attention, |d| d.sliding_window),
        }
    }

    /// A layer's sizes: its own specs, else the model's (see [`Config::dims`]).
    pub fn layer_dims(&self, layer: &Layer) -> Dimensions {
        layer.dims().or(self.dims())
    }

    /// Whether some layer has this role.
    pub fn has(&self, cat: Category) -> bool {
        self.layers.iter().any(|l| l.category() == Some(cat))
    }

    /// The layers of one role, in order.
    pub fn of_role(&self, cat: Category) -> impl Iterator<Item = &Layer<'a>> {
        self.layers
            .iter()
            .filter(move |l| l.category() == Some(cat))
    }

    /// The layer named `name` (the first one).
    pub fn layer_named(&self, name: &str) -> Option<&Layer<'a>> {
        self.layers.iter().find(|l| l.name_str() == Some(name))
    }
}

/// One object entry of `layer_types`.
#[derive(Clone, Debug)]
pub struct Layer<'a> {
    /// Its index in `layer_types`.
    pub index: usize,
    pub node: Node<'a>,
    pub name: Option<Node<'a>>,
    pub class: Option<Node<'a>>,
    /// `count`, when it is a non-negative integer.
    pub count: Option<u128>,
    pub count_node: Option<Node<'a>>,
    /// `supported`, when it is a boolean.
    pub supported: Option<bool>,
    pub supported_node: Option<Node<'a>>,
    /// The `specs` object (absent when it is not an object).
    pub specs: Option<Node<'a>>,
    /// The range of the `specs` key, whatever its value.
    pub specs_key: Option<TextRange>,
    /// The specs the formulas read, aliases resolved (empty without a `specs` object).
    pub spec: LayerSpecs<'a>,
    pub gap_report: Option<Node<'a>>,
    role: Option<Category>,
    class_role: Option<Category>,
    /// The recomputed total of one instance, once asked for.
    recomputed_total: OnceCell<Option<u128>>,
}

impl<'a> Layer<'a> {
    /// Reads one `layer_types` entry in one pass over its members.
    pub fn read(index: usize, node: Node<'a>) -> Layer<'a> {
        let (mut name, mut class, mut count, mut supported, mut specs, mut gap_report) =
            (None, None, None, None, None, None);
        let mut specs_key = None;
        for m in node.members() {
            match m.key {
                "name" => name = Some(m.value),
                "class" => class = Some(m.value),
                "count" => count = Some(m.value),
                "supported" => supported = Some(m.value),
                "specs" => {
                    specs = Some(m.value);
                    specs_key = Some(m.key_range);
                }
                "gap_report" => gap_report = Some(m.value),
                _ => {}
            }
        }
        let specs_node = specs.filter(|s: &Node| s.is_object());
        let class_role = class.and_then(|c: Node| Category::of_class(c.as_str()?));
        let role = class_role.or_else(|| Category::from_name(name.and_then(|n: Node| n.as_str())?));
        Layer {
            index,
            node,
            name,
            class,
            count: count.and_then(|c: Node| c.as_u128()),
            count_node: count,
            supported: supported.and_then(|s: Node| s.as_bool()),
            supported_node: supported,
            specs: specs_node,
            specs_key,
            spec: specs_node.map(LayerSpecs::read).unwrap_or_default(),
            gap_report,
            role,
            class_role,
            recomputed_total: OnceCell::new(),
        }
    }

    pub fn name_str(&self) -> Option<&'a str> {
        self.name?.as_str()
    }

    pub fn class_str(&self) -> Option<&'a str> {
        self.class?.as_str()
    }

    /// The `specs` member, whatever its value.
    pub fn specs_member(&self) -> Option<Member<'a>> {
        self.node.member("specs")
    }

    /// The role: from the class, else from a standard name.
    pub fn category(&self) -> Option<Category> {
        self.role
    }

    /// The role the class alone gives.
    pub fn class_category(&self) -> Option<Category> {
        self.class_role
    }

    /// The layer's sizes as its specs state them.
    pub fn dims(&self) -> Dimensions {
        self.spec.dims(self.class_str().unwrap_or_default())
    }

    /// Parameters of one instance, recomputed from the specs, with the terms.
    pub fn recomputed(&self) -> Option<ParamCount> {
        count_specs(self.class_str()?, &self.spec)
    }

    /// The recomputed total of one instance (computed once).
    pub fn recomputed_total(&self) -> Option<u128> {
        *self
            .recomputed_total
            .get_or_init(|| count_total(self.class_str()?, &self.spec))
    }

    /// `specs.parameter_count`.
    pub fn stated_count(&self) -> Option<Node<'a>> {
        self.spec.parameter_count()
    }

    /// `"name"` for messages (shortened), or `layer_types[i]`.
    pub fn label(&self) -> String {
        match self.name_str() {
            Some(n) => format!("\"{}\"", preview(n)),
            None => format!("layer_types[{}]", self.index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
  "model_id": "org_M", "hidden_size": 64, "num_layers": 2, "vocab_size": 100, "hidden_size": 48,
  "layer_types": [
    {"name": "attention", "class": "SlidingWindowAttentionLayer", "count": 2,
     "specs": {"hidden_size": 48, "num_query_heads": 4, "num_kv_heads": 2, "head_dim": 12, "sliding_window": 128}},
    7,
    {"name": "feedforward", "class": "MoELayer", "count": 2,
     "specs": {"hidden_size": 48, "intermediate_size": 32, "num_experts": 4, "top_k": 2}},
    {"name": "norm", "count": "5", "specs": [1]}
  ]
}"#;

    #[test]
    fn reads_fields_layers_and_dimensions() {
        let tree = mantile_json::parse(CONFIG);
        let c = Config::new(tree.root().unwrap());
        assert_eq!(c.hidden_size.unwrap().text(), "48", "the last member wins");
        assert_eq!(c.layers.len(), 3);
        assert!(!c.all_layers_are_objects);
        let idx: Vec<usize> = c.layers.iter().map(|l| l.index).collect();
        assert_eq!(idx, [0, 2, 3]);
        let norm = &c.layers[2];
        assert_eq!(norm.category(), Some(Category::Norm), "from the name");
        assert_eq!(norm.class_category(), None);
        assert_eq!(
            (norm.count, norm.count_node.unwrap().text()),
            (None, "\"5\"")
        );
        assert!(norm.specs.is_none() && norm.specs_member().is_some());
        assert_eq!(
            c.dims(),
            Dimensions {
                hidden_size: Some(48),
                num_layers: Some(2),
                vocab_size: Some(100),
                heads: Some(4),
                kv_heads: Some(2),
                head_dim: Some(12),
                intermediate_size: Some(32),
                num_experts: Some(4),
                top_k: Some(2),
                shared_experts: None,
                sliding_window: Some(128),
            }
        );
        // q 48×48 + k,v 2×48×24 + o 48×48
        assert_eq!(c.layers[0].recomputed_total(), Some(2304 + 2304 + 2304));
        let ffn = c.layer_named("feedforward").unwrap();
        assert_eq!(ffn.index, 2);
        // The feed-forward layer's own sizes, the model's where it has none.
        let d = c.layer_dims(ffn);
        assert_eq!(
            (d.intermediate_size, d.heads, d.vocab_size),
            (Some(32), Some(4), Some(100))
        );
    }

    #[test]
    fn labels_are_short() {
        let name = "n".repeat(500);
        let text = format!(r#"{{"layer_types": [{{"name": "{name}"}}, {{}}]}}"#);
        let tree = mantile_json::parse(&text);
        let c = Config::new(tree.root().unwrap());
        assert!(c.layers[0].label().chars().count() < 70);
        assert_eq!(c.layers[1].label(), "layer_types[1]");
    }
}
