//! A small JSON parser that keeps the byte range of every key and value.
//!
//! `serde_json` gives values without positions; the checkers need to point at
//! the exact key or value, so this parser builds a tree of [`Node`]s with
//! ranges, reports the first syntax error with a precise range and a plain
//! message, and flags duplicate keys. It never panics and its nesting depth is
//! bounded, so hostile input cannot overflow the stack.

use mantile_diag::TextRange;

/// Deepest nesting accepted before giving up with an error.
pub const MAX_DEPTH: usize = 128;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub range: TextRange,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    /// The number's literal text; see [`Node::as_u128`], [`Node::as_f64`].
    Number(String),
    /// The decoded string.
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The decoded key.
    pub key: String,
    /// The key's range, quotes included.
    pub key_range: TextRange,
    pub value: Node,
}

impl Node {
    /// The member `key` of an object (the last one if the key is repeated,
    /// as `serde_json` and Python's `json` do).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.kind {
            NodeKind::Object(members) => members.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    pub fn members(&self) -> &[Member] {
        match &self.kind {
            NodeKind::Object(m) => m,
            _ => &[],
        }
    }

    pub fn elements(&self) -> &[Node] {
        match &self.kind {
            NodeKind::Array(e) => e,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// A non-negative integer literal (`1e3` and `2.0` are not integers here).
    pub fn as_u128(&self) -> Option<u128> {
        match &self.kind {
            NodeKind::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.kind {
            NodeKind::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self.kind, NodeKind::Object(_))
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Number(n) if n.parse::<i128>().is_ok() => "integer",
            NodeKind::Number(_) => "number",
            NodeKind::String(_) => "string",
            NodeKind::Array(_) => "array",
            NodeKind::Object(_) => "object",
        }
    }

    /// The node at an RFC 6901 JSON pointer (`/layer_types/0/specs`).
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = raw.replace("~1", "/").replace("~0", "~");
            node = match &node.kind {
                NodeKind::Object(_) => node.get(&token)?,
                NodeKind::Array(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Like [`Node::pointer`], but also returns the key range of the last
    /// object member on the path, if the last step was an object key.
    pub fn pointer_member(&self, pointer: &str) -> Option<(&Node, Option<TextRange>)> {
        let (parent, last) = match pointer.rfind('/') {
            Some(i) => (&pointer[..i], &pointer[i + 1..]),
            None => return Some((self, None)),
        };
        let parent = self.pointer(parent)?;
        let token = last.replace("~1", "/").replace("~0", "~");
        match &parent.kind {
            NodeKind::Object(_) => parent.member(&token).map(|m| (&m.value, Some(m.key_range))),
            NodeKind::Array(items) => items.get(token.parse::<usize>().ok()?).map(|n| (n, None)),
            _ => None,
        }
    }

    /// Converts to a `serde_json::Value` (for schema validation).
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Number(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            NodeKind::String(s) => Value::String(s.clone()),
            NodeKind::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            NodeKind::Object(members) => {
                let mut map = serde_json::Map::new();
                for m in members {
                    map.insert(m.key.clone(), m.value.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// A syntax error: where, and what in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
}

/// A key repeated in one object: the later one wins when the file is loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    pub first: TextRange,
    pub again: TextRange,
}

#[derive(Debug, Default)]
pub struct Parse {
    pub root: Option<Node>,
    pub error: Option<SyntaxError>,
    pub duplicates: Vec<DuplicateKey>,
}

/// Parses a whole document. A document with a syntax error has no root.
pub fn parse(text: &str) -> Parse {
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
        duplicates: Vec::new(),
    };
    let result = p.document();
    match result {
        Ok(root) => Parse {
            root: Some(root),
            error: None,
            duplicates: p.duplicates,
        },
        Err(error) => Parse {
            root: None,
            error: Some(error),
            duplicates: p.duplicates,
        },
    }
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
    duplicates: Vec<DuplicateKey>,
}

type PResult<T> = Result<T, SyntaxError>;

impl Parser<'_> {
    fn document(&mut self) -> PResult<Node> {
        if self.src.starts_with("\u{feff}".as_bytes()) {
            self.pos = 3;
        }
        self.skip_ws()?;
        if self.pos >= self.src.len() {
            return Err(self.err_at(self.pos, 0, "the file is empty: expected a JSON object"));
        }
        let node = self.value()?;
        self.skip_ws()?;
        if self.pos < self.src.len() {
            return Err(self.err_here("unexpected content after the end of the JSON value"));
        }
        Ok(node)
    }

    /// The range of the character at `pos` (or an empty range at the end).
    fn char_range(&self, pos: usize) -> TextRange {
        match self.text.get(pos..).and_then(|s| s.chars().next()) {
            Some(c) => TextRange::new(pos, pos + c.len_utf8()),
            None => TextRange::empty(pos.min(self.src.len())),
        }
    }

    fn err_at(&self, pos: usize, len: usize, msg: impl Into<String>) -> SyntaxError {
        SyntaxError {
            range: TextRange::new(pos, (pos + len).min(self.src.len())),
            message: msg.into(),
        }
    }

    fn err_here(&self, msg: impl Into<String>) -> SyntaxError {
        SyntaxError {
            range: self.char_range(self.pos),
            message: msg.into(),
        }
    }

    fn describe_here(&self) -> String {
        match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            None => "the end of the file".to_string(),
            Some(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
            Some(c) => format!("`{c}`"),
        }
    }

    fn skip_ws(&mut self) -> PResult<()> {
        loop {
            match self.src.get(self.pos) {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') if matches!(self.src.get(self.pos + 1), Some(b'/' | b'*')) => {
                    let end = self.comment_end();
                    return Err(self.err_at(
                        self.pos,
                        end - self.pos,
                        "comments are not allowed in JSON (Mantile loads configs with a strict JSON parser)",
                    ));
                }
                _ => return Ok(()),
            }
        }
    }

    fn comment_end(&self) -> usize {
        let rest = &self.text[self.pos..];
        if rest.starts_with("//") {
            self.pos + rest.find('\n').unwrap_or(rest.len())
        } else {
            self.pos + rest.find("*/").map(|i| i + 2).unwrap_or(rest.len())
        }
    }

    fn value(&mut self) -> PResult<Node> {
        match self.src.get(self.pos) {
            None => Err(self.err_here("unexpected end of file: expected a value")),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let start = self.pos;
                let s = self.string()?;
                Ok(Node {
                    range: TextRange::new(start, self.pos),
                    kind: NodeKind::String(s),
                })
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", NodeKind::Bool(true)),
            Some(b'f') => self.literal("false", NodeKind::Bool(false)),
            Some(b'n') => self.literal("null", NodeKind::Null),
            Some(b'\'') => Err(self.err_here("strings must use double quotes `\"`, not `'`")),
            Some(_) => {
                let word = self.word_range();
                let w = &self.text[word.as_range()];
                let msg = match w {
                    "True" | "False" | "None" => format!(
                        "`{w}` is Python, not JSON: use `{}`",
                        match w {
                            "True" => "true",
                            "False" => "false",
                            _ => "null",
                        }
                    ),
                    "NaN" | "Infinity" => format!("`{w}` is not a JSON number"),
                    _ if w.chars().count() > 1 => format!("expected a value, found `{w}`"),
                    _ => format!("expected a value, found {}", self.describe_here()),
                };
                Err(SyntaxError {
                    range: word,
                    message: msg,
                })
            }
        }
    }

    /// The range of the identifier-like word at `pos` (at least one character).
    fn word_range(&self) -> TextRange {
        let rest = &self.text[self.pos..];
        let len = rest
            .char_indices()
            .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        if len == 0 {
            self.char_range(self.pos)
        } else {
            TextRange::new(self.pos, self.pos + len)
        }
    }

    fn literal(&mut self, word: &str, kind: NodeKind) -> PResult<Node> {
        let start = self.pos;
        if self.src[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node {
                range: TextRange::new(start, self.pos),
                kind,
            })
        } else {
            let w = self.word_range();
            Err(SyntaxError {
                range: w,
                message: format!(
                    "expected a value, found `{}` (did you mean `{word}`?)",
                    &self.text[w.as_range()]
                ),
            })
        }
    }

    fn number(&mut self) -> PResult<Node> {
        let start = self.pos;
        let bad = |p: &Parser, msg: &str| {
            let end = p.src[start..]
                .iter()
                .position(|b| {
                    !matches!(
                        b,
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'_' | b','
                    )
                })
                .map(|i| start + i)
                .unwrap_or(p.src.len());
            let end = if end == start { start + 1 } else { end };
            SyntaxError {
                range: TextRange::new(start, end.min(p.src.len())),
                message: msg.to_string(),
            }
        };
        if self.src[self.pos] == b'-' {
            self.pos += 1;
        }
        match self.src.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.src.get(self.pos), Some(b'0'..=b'9')) {
                    return Err(bad(self, "numbers cannot have leading zeros"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(bad(self, "invalid number: expected a digit after `-`")),
        }
        if self.src.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !matches!(self.src.get(self.pos), Some(b'0'..=b'9')) {
                return Err(bad(self, "invalid number: expected a digit after `.`"));
            }
            self.digits();
        }
        if matches!(self.src.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.src.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.src.get(self.pos), Some(b'0'..=b'9')) {
                return Err(bad(
                    self,
                    "invalid number: expected a digit in the exponent",
                ));
            }
            self.digits();
        }
        if self.src.get(self.pos) == Some(&b'_') {
            return Err(bad(self, "JSON numbers cannot contain `_` separators"));
        }
        Ok(Node {
            range: TextRange::new(start, self.pos),
            kind: NodeKind::Number(self.text[start..self.pos].to_string()),
        })
    }

    fn digits(&mut self) {
        while matches!(self.src.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn string(&mut self) -> PResult<String> {
        let start = self.pos;
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let Some(&b) = self.src.get(self.pos) else {
                return Err(self.err_at(
                    start,
                    self.pos - start,
                    "unterminated string: missing closing `\"`",
                ));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let esc_start = self.pos;
                    self.pos += 1;
                    let Some(&e) = self.src.get(self.pos) else {
                        return Err(self.err_at(
                            start,
                            self.pos - start,
                            "unterminated string: missing closing `\"`",
                        ));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let c = self.unicode_escape(esc_start)?;
                            out.push(c);
                        }
                        _ => {
                            let r = self.char_range(esc_start + 1);
                            return Err(SyntaxError {
                                range: TextRange::new(esc_start, r.end as usize),
                                message: "invalid escape sequence in string".into(),
                            });
                        }
                    }
                }
                b'\n' | b'\r' => {
                    return Err(self.err_at(
                        start,
                        self.pos - start,
                        "unterminated string: a string cannot span lines",
                    ));
                }
                0..=0x1f => {
                    return Err(self.err_here("control characters must be escaped in strings"));
                }
                _ => {
                    // Copy a run of plain characters at once.
                    let run_end = self.src[self.pos..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                        .map(|i| self.pos + i)
                        .unwrap_or(self.src.len());
                    out.push_str(&self.text[self.pos..run_end]);
                    self.pos = run_end;
                }
            }
        }
    }

    fn hex4(&mut self, esc_start: usize) -> PResult<u32> {
        let hex = self.src.get(self.pos..self.pos + 4);
        let v = hex
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        match v {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.err_at(
                esc_start,
                (self.pos - esc_start).max(2),
                "invalid \\u escape: expected four hex digits",
            )),
        }
    }

    fn unicode_escape(&mut self, esc_start: usize) -> PResult<char> {
        let hi = self.hex4(esc_start)?;
        if (0xD800..0xDC00).contains(&hi) {
            if self.src.get(self.pos..self.pos + 2) == Some(b"\\u") {
                self.pos += 2;
                let lo = self.hex4(esc_start)?;
                if (0xDC00..0xE000).contains(&lo) {
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
                }
            }
            return Ok('\u{fffd}');
        }
        Ok(char::from_u32(hi).unwrap_or('\u{fffd}'))
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_here(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn array(&mut self) -> PResult<Node> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws()?;
        if self.src.get(self.pos) == Some(&b']') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws()?;
                items.push(self.value()?);
                self.skip_ws()?;
                match self.src.get(self.pos) {
                    Some(b',') => {
                        let comma = self.pos;
                        self.pos += 1;
                        self.skip_ws()?;
                        if self.src.get(self.pos) == Some(&b']') {
                            return Err(self.err_at(comma, 1, "trailing comma before `]`"));
                        }
                    }
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    None => {
                        return Err(self.err_at(
                            start,
                            1,
                            "unclosed `[`: the file ends before the matching `]`",
                        ));
                    }
                    _ => {
                        return Err(self.err_here(format!(
                            "expected `,` or `]` after an array element, found {}",
                            self.describe_here()
                        )));
                    }
                }
            }
        }
        self.depth -= 1;
        Ok(Node {
            range: TextRange::new(start, self.pos),
            kind: NodeKind::Array(items),
        })
    }

    fn object(&mut self) -> PResult<Node> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut members: Vec<Member> = Vec::new();
        self.skip_ws()?;
        if self.src.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws()?;
                let key_start = self.pos;
                match self.src.get(self.pos) {
                    Some(b'"') => {}
                    None => {
                        return Err(self.err_at(
                            start,
                            1,
                            "unclosed `{`: the file ends before the matching `}`",
                        ));
                    }
                    Some(b'\'') => {
                        return Err(
                            self.err_here("object keys must use double quotes `\"`, not `'`")
                        );
                    }
                    _ => {
                        let w = self.word_range();
                        return Err(SyntaxError {
                            range: w,
                            message: format!(
                                "expected a key in double quotes, found {}",
                                self.describe_here()
                            ),
                        });
                    }
                }
                let key = self.string()?;
                let key_range = TextRange::new(key_start, self.pos);
                self.skip_ws()?;
                if self.src.get(self.pos) != Some(&b':') {
                    return Err(self.err_here(format!(
                        "expected `:` after the key \"{key}\", found {}",
                        self.describe_here()
                    )));
                }
                self.pos += 1;
                self.skip_ws()?;
                let value = self.value()?;
                if let Some(prev) = members.iter().find(|m| m.key == key) {
                    self.duplicates.push(DuplicateKey {
                        key: key.clone(),
                        first: prev.key_range,
                        again: key_range,
                    });
                }
                members.push(Member {
                    key,
                    key_range,
                    value,
                });
                self.skip_ws()?;
                match self.src.get(self.pos) {
                    Some(b',') => {
                        let comma = self.pos;
                        self.pos += 1;
                        self.skip_ws()?;
                        if self.src.get(self.pos) == Some(&b'}') {
                            return Err(self.err_at(comma, 1, "trailing comma before `}`"));
                        }
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    None => {
                        return Err(self.err_at(
                            start,
                            1,
                            "unclosed `{`: the file ends before the matching `}`",
                        ));
                    }
                    Some(b'"') => {
                        return Err(
                            self.err_here("expected `,` between object members (missing comma?)")
                        );
                    }
                    _ => {
                        return Err(self.err_here(format!(
                            "expected `,` or `}}` after an object member, found {}",
                            self.describe_here()
                        )));
                    }
                }
            }
        }
        self.depth -= 1;
        Ok(Node {
            range: TextRange::new(start, self.pos),
            kind: NodeKind::Object(members),
        })
    }
}

#[cfg(test)]
mod tests;
