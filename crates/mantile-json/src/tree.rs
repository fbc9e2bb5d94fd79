//! The syntax tree: one flat array of nodes in document order, and handles
//! ([`Node`], [`Member`]) that read it.
//!
//! A container's descendants follow it in the array, and it records where
//! they end, so walking children is a skip from sibling to sibling. An
//! object's children come in pairs: a key, then its value (an error node when
//! the value is missing). Numbers and strings without escapes are slices of
//! the text; only strings with escapes (or unfinished ones) keep a decoded copy.

use mantile_diag::TextRange;
use std::fmt;
use std::sync::Arc;

/// The kind of a value in the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
    /// A value that is missing or not JSON (`NaN`, `01`, `@`), or a container
    /// nested too deep; the syntax errors say what is wrong.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum RawKind {
    Null,
    True,
    False,
    Number,
    String,
    Array,
    Object,
    Key,
    Error,
}

/// A key that a later member of the same object repeats.
pub(crate) const SHADOWED: u8 = 1;

/// `aux` of a string or key read straight from the text between its quotes.
pub(crate) const RAW: u32 = u32::MAX;

/// One node: 16 bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Raw {
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// Array/object: the index just past its last descendant.
    /// String/key: [`RAW`], or an index into `Tree::spans` (decoded text).
    pub(crate) aux: u32,
    pub(crate) kind: RawKind,
    pub(crate) flags: u8,
}

impl Raw {
    pub(crate) fn is_container(&self) -> bool {
        matches!(self.kind, RawKind::Array | RawKind::Object)
    }
}

/// A syntax error: where, and what in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
}

/// A parsed document: its text, its tree, its syntax errors and repeated keys.
///
/// Parsing never fails and never panics: a document with syntax errors still
/// has a tree, with every value that could be read (see the crate docs for
/// how the parser recovers).
pub struct Tree {
    /// Shared with the caller when parsed by [`crate::parse_shared`].
    pub(crate) text: Arc<str>,
    pub(crate) nodes: Vec<Raw>,
    /// Decoded text of strings with escapes.
    pub(crate) decoded: String,
    /// `(start, end)` into `decoded`.
    pub(crate) spans: Vec<(u32, u32)>,
    pub(crate) root: Option<u32>,
    pub(crate) errors: Vec<SyntaxError>,
    /// Errors past [`crate::MAX_ERRORS`], counted but not kept.
    pub(crate) more_errors: usize,
    /// `(first key, repeated key)` node indices.
    pub(crate) duplicates: Vec<(u32, u32)>,
}

impl Tree {
    /// The text the tree was parsed from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The top-level value, if the document has one (absent only for an
    /// empty document or one with no value at all).
    pub fn root(&self) -> Option<Node<'_>> {
        self.root.map(|id| self.node(id))
    }

    /// The top-level value of a document without syntax errors.
    pub fn valid_root(&self) -> Option<Node<'_>> {
        if self.is_valid() { self.root() } else { None }
    }

    /// The value at `index` (see [`Node::index`]); `None` past the end or at a key.
    pub fn node_at(&self, index: usize) -> Option<Node<'_>> {
        let raw = self.nodes.get(index)?;
        (raw.kind != RawKind::Key).then(|| self.node(index as u32))
    }

    /// Whether the document has no syntax error (repeated keys are not syntax errors).
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The syntax errors, in the order the parser met them (at most
    /// [`crate::MAX_ERRORS`]; see [`Tree::more_errors`]).
    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }

    /// The first syntax error.
    pub fn first_error(&self) -> Option<&SyntaxError> {
        self.errors.first()
    }

    /// How many syntax errors were found beyond those kept.
    pub fn more_errors(&self) -> usize {
        self.more_errors
    }

    /// Keys repeated within one object, each with the first occurrence, in document order.
    pub fn duplicates(&self) -> impl ExactSizeIterator<Item = DuplicateKey<'_>> + '_ {
        self.duplicates.iter().map(|&(first, again)| DuplicateKey {
            key: self.str_of(again),
            first: self.range_of(first),
            again: self.range_of(again),
        })
    }

    /// The number of nodes (keys included), for size estimates.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Bytes held by the tree's own arrays (not counting the text).
    pub fn heap_size(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Raw>()
            + self.decoded.capacity()
            + self.spans.capacity() * 8
            + self.duplicates.capacity() * 8
    }

    pub(crate) fn node(&self, id: u32) -> Node<'_> {
        Node {
            range: self.range_of(id),
            tree: self,
            id,
        }
    }

    pub(crate) fn range_of(&self, id: u32) -> TextRange {
        let r = &self.nodes[id as usize];
        TextRange {
            start: r.start,
            end: r.end,
        }
    }

    /// The member whose key is node `key`.
    pub(crate) fn member(&self, key: u32) -> Member<'_> {
        let k = &self.nodes[key as usize];
        let v = &self.nodes[key as usize + 1];
        Member {
            key: self.str_of(key),
            key_range: TextRange {
                start: k.start,
                end: k.end,
            },
            value: Node {
                range: TextRange {
                    start: v.start,
                    end: v.end,
                },
                tree: self,
                id: key + 1,
            },
            shadowed: k.flags & SHADOWED != 0,
        }
    }

    /// The index just past node `id` and its descendants.
    pub(crate) fn next_sibling(&self, id: u32) -> u32 {
        let r = &self.nodes[id as usize];
        if r.is_container() { r.aux } else { id + 1 }
    }

    /// The decoded content of a string or key node.
    pub(crate) fn str_of(&self, id: u32) -> &str {
        let r = &self.nodes[id as usize];
        if r.aux == RAW {
            &self.text[r.start as usize + 1..r.end as usize - 1]
        } else {
            let (s, e) = self.spans[r.aux as usize];
            &self.decoded[s as usize..e as usize]
        }
    }
}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tree")
            .field("root", &self.root())
            .field("errors", &self.errors)
            .field("duplicates", &self.duplicates.len())
            .finish()
    }
}

/// A key repeated in one object: the later one wins when the file is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DuplicateKey<'a> {
    pub key: &'a str,
    pub first: TextRange,
    pub again: TextRange,
}

/// A value in a [`Tree`]: a cheap handle (copy it freely).
#[derive(Clone, Copy)]
pub struct Node<'a> {
    /// The value's byte range (quotes and brackets included).
    pub range: TextRange,
    tree: &'a Tree,
    id: u32,
}

/// A member of an object: its key and value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Member<'a> {
    /// The decoded key.
    pub key: &'a str,
    /// The key's range, quotes included.
    pub key_range: TextRange,
    pub value: Node<'a>,
    shadowed: bool,
}

impl Member<'_> {
    /// Whether a later member of the same object has the same key (so this
    /// one is replaced when the file is loaded).
    pub fn is_shadowed(&self) -> bool {
        self.shadowed
    }
}

impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.tree, other.tree) && self.id == other.id
    }
}

impl Eq for Node<'_> {}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?}@{}..{}",
            self.kind(),
            self.range.start,
            self.range.end
        )
    }
}

impl<'a> Node<'a> {
    fn raw(&self) -> &'a Raw {
        &self.tree.nodes[self.id as usize]
    }

    /// The tree this node belongs to.
    pub fn tree(self) -> &'a Tree {
        self.tree
    }

    /// The node's index in its tree (stable for the tree's life; document order).
    pub fn index(self) -> usize {
        self.id as usize
    }

    pub fn kind(self) -> Kind {
        match self.raw().kind {
            RawKind::Null => Kind::Null,
            RawKind::True | RawKind::False => Kind::Bool,
            RawKind::Number => Kind::Number,
            RawKind::String | RawKind::Key => Kind::String,
            RawKind::Array => Kind::Array,
            RawKind::Object => Kind::Object,
            RawKind::Error => Kind::Error,
        }
    }

    /// The value's source text.
    pub fn text(self) -> &'a str {
        &self.tree.text[self.range.as_range()]
    }

    /// The member `key` of an object (the last one if the key is repeated,
    /// as `serde_json` and Python's `json` do).
    pub fn get(self, key: &str) -> Option<Node<'a>> {
        self.key_of(key).map(|k| self.tree.node(k + 1))
    }

    /// The member `key` of an object (the last one if the key is repeated).
    pub fn member(self, key: &str) -> Option<Member<'a>> {
        let k = self.key_of(key)?;
        Some(self.tree.member(k))
    }

    /// How many members an object has once loaded (a repeated key counts
    /// once); 0 for other values. Counts without reading the keys.
    pub fn loaded_member_count(self) -> usize {
        let raw = self.raw();
        if raw.kind != RawKind::Object {
            return 0;
        }
        let mut n = 0;
        let mut k = self.id + 1;
        while k < raw.aux {
            n += usize::from(self.tree.nodes[k as usize].flags & SHADOWED == 0);
            k = self.tree.next_sibling(k + 1);
        }
        n
    }

    /// The key node of the member `key` that loads (the last of repeated
    /// ones, which is the only one not shadowed): a scan that compares the
    /// keys' text and stops at that member.
    fn key_of(self, key: &str) -> Option<u32> {
        let raw = self.raw();
        if raw.kind != RawKind::Object {
            return None;
        }
        let tree = self.tree;
        let mut k = self.id + 1;
        while k < raw.aux {
            let r = &tree.nodes[k as usize];
            let matches = if r.aux == RAW {
                // Quotes around the key: compare lengths first.
                (r.end - r.start) as usize == key.len() + 2
                    && &tree.text[r.start as usize + 1..r.end as usize - 1] == key
            } else {
                tree.str_of(k) == key
            };
            if matches && r.flags & SHADOWED == 0 {
                return Some(k);
            }
            k = tree.next_sibling(k + 1);
        }
        None
    }

    /// An object's members in document order (repeated keys included); empty
    /// for other values.
    pub fn members(self) -> Members<'a> {
        let (next, end) = match self.raw().kind {
            RawKind::Object => (self.id + 1, self.raw().aux),
            _ => (0, 0),
        };
        Members {
            tree: self.tree,
            next,
            end,
        }
    }

    /// An array's elements in order; empty for other values.
    pub fn elements(self) -> Elements<'a> {
        let (next, end) = match self.raw().kind {
            RawKind::Array => (self.id + 1, self.raw().aux),
            _ => (0, 0),
        };
        Elements {
            tree: self.tree,
            next,
            end,
        }
    }

    /// The decoded string.
    pub fn as_str(self) -> Option<&'a str> {
        match self.raw().kind {
            RawKind::String => Some(self.tree.str_of(self.id)),
            _ => None,
        }
    }

    pub fn as_bool(self) -> Option<bool> {
        match self.raw().kind {
            RawKind::True => Some(true),
            RawKind::False => Some(false),
            _ => None,
        }
    }

    /// The number's literal text (`2.5e-3`).
    pub fn number_text(self) -> Option<&'a str> {
        match self.raw().kind {
            RawKind::Number => Some(self.text()),
            _ => None,
        }
    }

    /// A non-negative integer literal (`1e3` and `2.0` are not integers here).
    pub fn as_u128(self) -> Option<u128> {
        let text = self.number_text()?;
        // Up to 19 digits fit a u64: read them at once (what `parse` gives,
        // without its general path); anything else is left to `parse`.
        if text.len() <= 19 && !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            let v = text.bytes().fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
            return Some(u128::from(v));
        }
        text.parse().ok()
    }

    pub fn as_f64(self) -> Option<f64> {
        self.number_text()?.parse().ok()
    }

    pub fn is_object(self) -> bool {
        self.raw().kind == RawKind::Object
    }

    pub fn is_array(self) -> bool {
        self.raw().kind == RawKind::Array
    }

    pub fn is_error(self) -> bool {
        self.raw().kind == RawKind::Error
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(self) -> &'static str {
        match self.raw().kind {
            RawKind::Null => "null",
            RawKind::True | RawKind::False => "boolean",
            RawKind::Number if self.text().parse::<i128>().is_ok() => "integer",
            RawKind::Number => "number",
            RawKind::String | RawKind::Key => "string",
            RawKind::Array => "array",
            RawKind::Object => "object",
            RawKind::Error => "invalid value",
        }
    }

    /// The node at an RFC 6901 JSON pointer (`/layer_types/0/specs`).
    pub fn pointer(self, pointer: &str) -> Option<Node<'a>> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            node = node.step(&unescape_token(raw))?;
        }
        Some(node)
    }

    /// Like [`Node::pointer`], but also returns the key range of the last
    /// object member on the path, if the last step was an object key.
    pub fn pointer_member(self, pointer: &str) -> Option<(Node<'a>, Option<TextRange>)> {
        let (parent, last) = match pointer.rfind('/') {
            Some(i) => (&pointer[..i], &pointer[i + 1..]),
            None => return Some((self, None)),
        };
        let parent = self.pointer(parent)?;
        let token = unescape_token(last);
        match parent.raw().kind {
            RawKind::Object => parent.member(&token).map(|m| (m.value, Some(m.key_range))),
            RawKind::Array => parent.step(&token).map(|n| (n, None)),
            _ => None,
        }
    }

    fn step(self, token: &str) -> Option<Node<'a>> {
        match self.raw().kind {
            RawKind::Object => self.get(token),
            RawKind::Array => self.elements().nth(token.parse::<usize>().ok()?),
            _ => None,
        }
    }

    /// Converts to a `serde_json::Value` (error nodes become `null`).
    pub fn to_value(self) -> serde_json::Value {
        use serde_json::Value;
        // The tree's depth is bounded (crate::MAX_DEPTH), so recursion is safe.
        match self.raw().kind {
            RawKind::Null | RawKind::Error => Value::Null,
            RawKind::True => Value::Bool(true),
            RawKind::False => Value::Bool(false),
            RawKind::Number => serde_json::from_str::<serde_json::Number>(self.text())
                .map(Value::Number)
                .unwrap_or(Value::Null),
            RawKind::String | RawKind::Key => Value::String(self.tree.str_of(self.id).into()),
            RawKind::Array => Value::Array(self.elements().map(Node::to_value).collect()),
            RawKind::Object => {
                let mut map = serde_json::Map::new();
                for m in self.members() {
                    map.insert(m.key.to_string(), m.value.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

fn unescape_token(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains('~') {
        raw.replace("~1", "/").replace("~0", "~").into()
    } else {
        raw.into()
    }
}

/// The members of an object, in document order.
#[derive(Clone)]
pub struct Members<'a> {
    tree: &'a Tree,
    next: u32,
    end: u32,
}

impl<'a> Iterator for Members<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        if self.next >= self.end {
            return None;
        }
        let key = self.next;
        self.next = self.tree.next_sibling(key + 1);
        Some(self.tree.member(key))
    }
}

impl std::iter::FusedIterator for Members<'_> {}

/// The elements of an array, in order.
#[derive(Clone)]
pub struct Elements<'a> {
    tree: &'a Tree,
    next: u32,
    end: u32,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Node<'a>;

    fn next(&mut self) -> Option<Node<'a>> {
        if self.next >= self.end {
            return None;
        }
        let id = self.next;
        self.next = self.tree.next_sibling(id);
        Some(self.tree.node(id))
    }
}

impl std::iter::FusedIterator for Elements<'_> {}

impl Elements<'_> {
    /// Whether there are no (more) elements.
    pub fn is_empty(&self) -> bool {
        self.next >= self.end
    }

    /// How many elements are left (counted: linear in the elements).
    pub fn len(&self) -> usize {
        self.clone().count()
    }
}

impl Members<'_> {
    /// Whether there are no (more) members.
    pub fn is_empty(&self) -> bool {
        self.next >= self.end
    }

    /// How many members are left (counted: linear in the members).
    pub fn len(&self) -> usize {
        self.clone().count()
    }
}
