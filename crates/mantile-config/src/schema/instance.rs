//! The syntax tree as a `jsonschema` instance: the validator reads the tree
//! itself, so a check makes no `serde_json::Value` copy of the document.
//!
//! Objects read as they load: a repeated key counts once, with its last
//! value. Numbers keep their literal, so `type: integer` is decided exactly
//! (`1e-400` is not an integer, though it rounds to 0.0 as a float).

use jsonschema::json::{Array, Json, JsonNumber, Node as SchemaNode, NodeIdentity, Object};
use jsonschema::types::JsonType;
use jsonschema_value::LazyInstance;
use mantile_json::{Elements, Kind, Members, Node};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::OnceLock;

/// The value whose text starts at byte `at` (the schema checks only
/// documents without syntax errors, so it parses).
fn value_at(bytes: &[u8], at: u32) -> Value {
    serde_json::Deserializer::from_slice(bytes.get(at as usize..).unwrap_or_default())
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok)
        .unwrap_or(Value::Null)
}

/// The tree representation, for `jsonschema::options_for::<TreeJson>()`.
pub struct TreeJson;

/// A value of the tree, or a bare string (a property name validated by `propertyNames`).
#[derive(Clone, Copy)]
pub enum Instance<'a> {
    Tree(Node<'a>),
    Name(&'a str),
}

impl Json for TreeJson {
    type Node<'a> = Instance<'a>;
    type PreparedKey = Box<str>;
    type StringBuffer = ();
    // A lookup is a scan of the raw keys that stops at the match: cheaper
    // than a pass that reads every member, so always look up.
    const KEYS_PER_LOOKUP: usize = 0;
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>((): &mut (), string: &str, f: impl FnOnce(Instance<'_>) -> T) -> T {
        f(Instance::Name(string))
    }
}

impl<'a> SchemaNode<'a, TreeJson> for Instance<'a> {
    type Object = TreeObject<'a>;
    type Array = TreeArray<'a>;
    type Number = Literal<'a>;

    fn as_object(&self) -> Option<TreeObject<'a>> {
        match self {
            Instance::Tree(n) if n.is_object() => Some(TreeObject(*n)),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<TreeArray<'a>> {
        match self {
            Instance::Tree(n) if n.is_array() => Some(TreeArray(*n)),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            Instance::Tree(n) => n.as_str().map(Cow::Borrowed),
            Instance::Name(s) => Some(Cow::Borrowed(s)),
        }
    }

    fn as_number(&self) -> Option<Literal<'a>> {
        match self {
            Instance::Tree(n) => n.number_text().map(Literal),
            Instance::Name(_) => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self {
            Instance::Tree(n) => n.as_bool(),
            Instance::Name(_) => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Instance::Tree(n) if matches!(n.kind(), Kind::Null | Kind::Error))
    }

    fn json_type(&self) -> JsonType {
        match self {
            Instance::Name(_) => JsonType::String,
            Instance::Tree(n) => match n.kind() {
                Kind::Null | Kind::Error => JsonType::Null,
                Kind::Bool => JsonType::Boolean,
                Kind::Number => JsonType::Number,
                Kind::String => JsonType::String,
                Kind::Array => JsonType::Array,
                Kind::Object => JsonType::Object,
            },
        }
    }

    fn equals_value(&self, expected: &Value) -> bool {
        match self {
            Instance::Name(s) => expected.as_str() == Some(s),
            Instance::Tree(n) => match n.kind() {
                Kind::String => expected.as_str() == n.as_str(),
                Kind::Bool => expected.as_bool() == n.as_bool(),
                Kind::Null => expected.is_null(),
                _ => jsonschema::json::cmp::equal(&n.to_value(), expected),
            },
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(match self {
            Instance::Tree(n) => n.to_value(),
            Instance::Name(s) => Value::String(s.to_string()),
        })
    }

    /// An error's instance is built from the text only if the error is
    /// displayed: an error at the root does not copy the document.
    fn lazy_value(&self) -> LazyInstance<'a> {
        match self {
            Instance::Tree(n) => LazyInstance::Deferred {
                bytes: n.tree().text().as_bytes(),
                tag: n.range.start,
                make: value_at,
                cell: OnceLock::new(),
            },
            Instance::Name(s) => LazyInstance::Ready(Cow::Owned(Value::String(s.to_string()))),
        }
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(match self {
            Instance::Tree(n) => {
                NodeIdentity::tagged(std::ptr::from_ref(n.tree()) as usize, n.index() as u32)
            }
            Instance::Name(s) => NodeIdentity::tagged(s.as_ptr() as usize, u32::MAX),
        })
    }
}

/// An object of the tree.
pub struct TreeObject<'a>(Node<'a>);

/// Members as they load: each key once, with its last value.
pub struct LiveMembers<'a>(Members<'a>);

impl<'a> Iterator for LiveMembers<'a> {
    type Item = (&'a str, Instance<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0
            .by_ref()
            .find(|m| !m.is_shadowed())
            .map(|m| (m.key, Instance::Tree(m.value)))
    }
}

impl<'a> Object<'a, TreeJson> for TreeObject<'a> {
    type Node = Instance<'a>;
    type MemberName = &'a str;
    type MembersIter = LiveMembers<'a>;

    fn len(&self) -> usize {
        self.0.loaded_member_count()
    }

    fn get(&self, key: &Box<str>) -> Option<Instance<'a>> {
        self.0.get(key).map(Instance::Tree)
    }

    fn members(&self) -> LiveMembers<'a> {
        LiveMembers(self.0.members())
    }
}

/// An array of the tree.
pub struct TreeArray<'a>(Node<'a>);

impl<'a> Array<'a, TreeJson> for TreeArray<'a> {
    type Node = Instance<'a>;
    type ElementsIter = std::iter::Map<Elements<'a>, fn(Node<'a>) -> Instance<'a>>;

    fn len(&self) -> usize {
        self.0.elements().len()
    }

    fn elements(&self) -> Self::ElementsIter {
        self.0.elements().map(Instance::Tree)
    }
}

/// A number, as written.
pub struct Literal<'a>(&'a str);

impl JsonNumber for Literal<'_> {
    fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.0)
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        let n = serde_json::from_str::<serde_json::Number>(self.0)
            .ok()
            .or_else(|| {
                // Beyond f64's range: the nearest finite value keeps the sign.
                let f = if self.0.starts_with('-') {
                    f64::MIN
                } else {
                    f64::MAX
                };
                serde_json::Number::from_f64(f)
            })
            .unwrap_or_else(|| serde_json::Number::from(0));
        Cow::Owned(n)
    }

    fn is_integer(&self) -> bool {
        is_integer_literal(self.0)
    }
}

/// Whether a JSON number literal denotes an integer, exactly: `2.0` and
/// `1e3` do, `1e-400` and `0.5` do not.
pub fn is_integer_literal(lit: &str) -> bool {
    let unsigned = lit.strip_prefix('-').unwrap_or(lit);
    // The common case: digits only.
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let (mantissa, exp) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], &unsigned[i + 1..]),
        None => (unsigned, "0"),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = int.chars().chain(frac.chars()).collect();
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return true; // zero
    }
    let trailing_zeros = significant.len() - significant.trim_end_matches('0').len();
    // The value is significant digits × 10^(exp - fraction digits); the
    // exponent is a string of digits, possibly huge: compare as numbers only
    // when it fits, else by its sign.
    let negative_exp = exp.starts_with('-');
    let exp_digits = exp.trim_start_matches(['+', '-']).trim_start_matches('0');
    let e = if exp_digits.is_empty() {
        0
    } else {
        match exp_digits.parse::<i128>() {
            Ok(e) if negative_exp => -e,
            Ok(e) => e,
            // An exponent past i128: a huge shift one way or the other.
            Err(_) => return !negative_exp,
        }
    };
    let scale = e - frac.len() as i128;
    scale >= 0 || (trailing_zeros as i128) >= -scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_decided_from_the_literal() {
        for (lit, int) in [
            ("0", true),
            ("-0", true),
            ("42", true),
            ("2.0", true),
            ("1e3", true),
            ("1.5e1", true),
            ("120e-1", true),
            ("0e-400", true),
            ("1e-400", false),
            ("0.5", false),
            ("1.25e1", false),
            ("1.5e-0", false),
            ("10e-01", true),
            ("1e99999999999999999999999999999999999999999", true),
            ("1e-99999999999999999999999999999999999999999", false),
        ] {
            assert_eq!(is_integer_literal(lit), int, "{lit}");
        }
    }
}
