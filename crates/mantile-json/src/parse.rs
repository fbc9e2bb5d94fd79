//! The parser: one pass over the text, no recursion, every error recovered.
//!
//! A hand-written lexer feeds a state machine that keeps the open arrays and
//! objects on an explicit stack. On an error the parser records it and goes
//! on from the next thing it recognises: a key, an element, a comma or a
//! closing bracket. Errors that only follow from the previous one (the rest
//! of a run of junk, the comma "missing" after an unfinished string) are not
//! repeated.

use crate::tree::{RAW, Raw, RawKind, SHADOWED, SyntaxError, Tree};
use crate::{MAX_DEPTH, MAX_ERRORS};
use mantile_diag::TextRange;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Colon,
    Comma,
    /// A double-quoted string, maybe unfinished.
    Str,
    /// A single-quoted string (not JSON).
    SingleQuoted,
    Number,
    /// Number-like text that is not a JSON number.
    BadNumber,
    /// A run of letters, digits and `_` (`true`, `None`, `tru`).
    Word,
    /// Any other character.
    Other,
    Eof,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
    /// Strings: [`RAW`] or an index into `spans`.
    aux: u32,
    /// Strings: the closing quote is missing.
    unterminated: bool,
    /// Bad numbers: what is wrong (reported only where a value is expected).
    problem: Option<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// A value is expected (at the root, after `:`, in an array).
    Value,
    /// After a value: `,` or the closing bracket is expected.
    AfterValue,
    /// In an object, a key is expected.
    Key,
    /// After a key, `:` is expected.
    Colon,
    Done,
}

pub(crate) fn parse(text: &str) -> Tree {
    parse_shared(text.into())
}

pub(crate) fn parse_shared(shared: Arc<str>) -> Tree {
    let text: &str = &shared;
    let mut p = Parser {
        text,
        src: text.as_bytes(),
        pos: 0,
        nodes: Vec::new(),
        decoded: String::new(),
        spans: Vec::new(),
        errors: Vec::new(),
        more_errors: 0,
        stack: Vec::new(),
        content_end: Vec::new(),
        pending: None,
        last_end: 0,
        junk: false,
        after_unterminated: false,
        root: None,
    };
    if text.len() >= u32::MAX as usize {
        p.report(
            TextRange::empty(0),
            format_args!("the file is too large to parse (4 GiB or more)"),
        );
    } else {
        // A rough guess of the node count, to avoid most regrowth.
        p.nodes.reserve(text.len() / 16);
        p.run();
    }
    let mut tree = Tree {
        text: shared.clone(),
        nodes: p.nodes,
        decoded: p.decoded,
        spans: p.spans,
        root: p.root,
        errors: p.errors,
        more_errors: p.more_errors,
        duplicates: Vec::new(),
    };
    mark_duplicates(&mut tree);
    // A tree may be kept for a document's life: no slack.
    tree.nodes.shrink_to_fit();
    tree.decoded.shrink_to_fit();
    tree.spans.shrink_to_fit();
    tree
}

struct Parser<'t> {
    text: &'t str,
    src: &'t [u8],
    pos: usize,
    nodes: Vec<Raw>,
    decoded: String,
    spans: Vec<(u32, u32)>,
    errors: Vec<SyntaxError>,
    more_errors: usize,
    /// The open arrays and objects (node indices), innermost last.
    stack: Vec<u32>,
    /// For each open container, where the content read so far ends: a
    /// container never ends before its last child.
    content_end: Vec<u32>,
    /// A token read ahead, to be handled next.
    pending: Option<Token>,
    /// The end of the last token handled.
    last_end: usize,
    /// An error was just reported on a token that fits nowhere: the tokens
    /// after it, until a comma or bracket, get no error of their own.
    junk: bool,
    /// The last string had no closing quote: its line ended instead.
    after_unterminated: bool,
    root: Option<u32>,
}

/// At most this many characters of a key or word are quoted in a message.
const QUOTE_CHARS: usize = 40;

/// `text`, shortened to [`QUOTE_CHARS`] characters.
fn preview(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The index of the first byte of `s` that ends a run of plain string
/// content: the `quote`, a backslash or a control character (the length of
/// `s` if none). Eight bytes at a time (strings are most of a config's
/// bytes): a byte is flagged when it equals `quote` or `\\`, or is below
/// 0x20, with the usual carry-free word tricks, exact for every byte.
pub(crate) fn string_stop(s: &[u8], quote: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // Bytes equal to zero, exactly: the high bit of each byte of the result.
    let zero = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    let q = ONES * u64::from(quote);
    let b = ONES * u64::from(b'\\');
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        // Below 0x20: the high three bits are zero.
        let control = zero(w & (ONES * 0xe0));
        let hit = (zero(w ^ q) | zero(w ^ b) | control) & HIGH;
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + s[i..]
        .iter()
        .position(|&c| c == quote || c == b'\\' || c < 0x20)
        .unwrap_or(s.len() - i)
}

impl Parser<'_> {
    // ----- errors -----

    fn report(&mut self, range: TextRange, message: fmt::Arguments) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(SyntaxError {
                range,
                message: message.to_string(),
            });
        } else {
            self.more_errors += 1;
        }
    }

    /// The range of the character at `pos` (or an empty range at the end).
    fn char_range(&self, pos: usize) -> TextRange {
        match self.text.get(pos..).and_then(|s| s.chars().next()) {
            Some(c) => TextRange::new(pos, pos + c.len_utf8()),
            None => TextRange::empty(pos.min(self.src.len())),
        }
    }

    /// How a token is named in a message.
    fn describe(&self, tok: &Token) -> String {
        if tok.kind == Tok::Eof {
            return "the end of the file".to_string();
        }
        let text = &self.text[tok.start..tok.end];
        match text.chars().next() {
            Some(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
            _ if matches!(tok.kind, Tok::Word | Tok::BadNumber | Tok::Number) => {
                format!("`{}`", preview(text))
            }
            Some(c) => format!("`{c}`"),
            None => "the end of the file".to_string(),
        }
    }

    // ----- lexer -----

    fn next(&mut self) -> Token {
        let tok = match self.pending.take() {
            Some(t) => t,
            None => self.lex(),
        };
        if tok.kind != Tok::Eof {
            self.last_end = tok.end;
        }
        tok
    }

    fn token(&self, kind: Tok, start: usize, end: usize) -> Token {
        Token {
            kind,
            start,
            end,
            aux: RAW,
            unterminated: false,
            problem: None,
        }
    }

    fn lex(&mut self) -> Token {
        if self.pos == 0 && self.src.starts_with("\u{feff}".as_bytes()) {
            self.pos = 3;
        }
        self.skip_trivia();
        let start = self.pos;
        let Some(&b) = self.src.get(start) else {
            return self.token(Tok::Eof, start, start);
        };
        let single = |kind| Token {
            kind,
            start,
            end: start + 1,
            aux: RAW,
            unterminated: false,
            problem: None,
        };
        match b {
            b'{' => {
                self.pos += 1;
                single(Tok::LBrace)
            }
            b'}' => {
                self.pos += 1;
                single(Tok::RBrace)
            }
            b'[' => {
                self.pos += 1;
                single(Tok::LBracket)
            }
            b']' => {
                self.pos += 1;
                single(Tok::RBracket)
            }
            b':' => {
                self.pos += 1;
                single(Tok::Colon)
            }
            b',' => {
                self.pos += 1;
                single(Tok::Comma)
            }
            b'"' => self.string(b'"'),
            b'\'' => self.string(b'\''),
            b'-' | b'0'..=b'9' => self.number(),
            _ => {
                let c = self.text[start..].chars().next().unwrap_or('\u{fffd}');
                if c.is_alphanumeric() || c == '_' {
                    let rest = &self.text[start..];
                    let len = rest
                        .char_indices()
                        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
                        .map(|(i, _)| i)
                        .unwrap_or(rest.len());
                    self.pos = start + len;
                    self.token(Tok::Word, start, self.pos)
                } else {
                    self.pos = start + c.len_utf8();
                    self.token(Tok::Other, start, self.pos)
                }
            }
        }
    }

    /// Skips whitespace, and comments with an error each.
    fn skip_trivia(&mut self) {
        // Most tokens follow a single space or none.
        match self.src.get(self.pos) {
            Some(b' ')
                if self
                    .src
                    .get(self.pos + 1)
                    .is_some_and(|&b| b > b' ' && b != b'/') =>
            {
                self.pos += 1;
                return;
            }
            Some(&b) if b > b' ' && b != b'/' => return,
            _ => {}
        }
        loop {
            // A run of whitespace at once (indentation is most of a config's bytes).
            let rest = &self.src[self.pos..];
            self.pos += rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(rest.len());
            match self.src.get(self.pos) {
                Some(b'/') if matches!(self.src.get(self.pos + 1), Some(b'/' | b'*')) => {
                    let rest = &self.text[self.pos..];
                    let len = if rest.starts_with("//") {
                        rest.find('\n').unwrap_or(rest.len())
                    } else {
                        rest.find("*/").map(|i| i + 2).unwrap_or(rest.len())
                    };
                    self.report(
                        TextRange::new(self.pos, self.pos + len),
                        format_args!(
                            "comments are not allowed in JSON (Mantile loads configs with a strict JSON parser)"
                        ),
                    );
                    self.pos += len;
                }
                _ => return,
            }
        }
    }

    fn number(&mut self) -> Token {
        let start = self.pos;
        let src = self.src;
        let digits = |mut p: usize| {
            while matches!(src.get(p), Some(b'0'..=b'9')) {
                p += 1;
            }
            p
        };
        let mut p = start;
        let mut problem = None;
        if src[p] == b'-' {
            p += 1;
        }
        match src.get(p) {
            Some(b'0') => {
                p += 1;
                if matches!(src.get(p), Some(b'0'..=b'9')) {
                    problem = Some("numbers cannot have leading zeros");
                }
            }
            Some(b'1'..=b'9') => p = digits(p),
            _ => problem = Some("invalid number: expected a digit after `-`"),
        }
        if problem.is_none() && src.get(p) == Some(&b'.') {
            p += 1;
            if matches!(src.get(p), Some(b'0'..=b'9')) {
                p = digits(p);
            } else {
                problem = Some("invalid number: expected a digit after `.`");
            }
        }
        if problem.is_none() && matches!(src.get(p), Some(b'e' | b'E')) {
            p += 1;
            if matches!(src.get(p), Some(b'+' | b'-')) {
                p += 1;
            }
            if matches!(src.get(p), Some(b'0'..=b'9')) {
                p = digits(p);
            } else {
                problem = Some("invalid number: expected a digit in the exponent");
            }
        }
        if problem.is_none() && src.get(p) == Some(&b'_') {
            problem = Some("JSON numbers cannot contain `_` separators");
        }
        match problem {
            None => {
                self.pos = p;
                self.token(Tok::Number, start, p)
            }
            Some(problem) => {
                // The whole number-like run is the bad token.
                let len = src[start..]
                    .iter()
                    .position(|b| {
                        !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'_')
                    })
                    .unwrap_or(src.len() - start);
                self.pos = start + len.max(1);
                Token {
                    problem: Some(problem),
                    ..self.token(Tok::BadNumber, start, self.pos)
                }
            }
        }
    }

    /// A string in `quote`s. It ends at the closing quote, or unfinished at
    /// the end of its line (strings cannot span lines) or of the file.
    fn string(&mut self, quote: u8) -> Token {
        let start = self.pos;
        self.pos += 1;
        let mut run = self.pos;
        // Where this string's decoded text starts in `decoded`, once an escape needs it.
        let mut decoded_from: Option<usize> = None;
        let mut unterminated = false;
        loop {
            self.pos += string_stop(&self.src[self.pos..], quote);
            let Some(&b) = self.src.get(self.pos) else {
                if quote == b'"' {
                    self.report(
                        TextRange::new(start, self.pos),
                        format_args!("unterminated string: missing closing `\"`"),
                    );
                }
                unterminated = true;
                break;
            };
            match b {
                b'\n' | b'\r' => {
                    if quote == b'"' {
                        self.report(
                            TextRange::new(start, self.pos),
                            format_args!("unterminated string: a string cannot span lines"),
                        );
                    }
                    unterminated = true;
                    break;
                }
                b'\\' => {
                    if decoded_from.is_none() {
                        decoded_from = Some(self.decoded.len());
                    }
                    self.decoded.push_str(&self.text[run..self.pos]);
                    self.escape();
                    run = self.pos;
                }
                c if c == quote => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    // A control character: an error, kept in the text.
                    self.report(
                        self.char_range(self.pos),
                        format_args!("control characters must be escaped in strings"),
                    );
                    self.pos += 1;
                }
            }
        }
        let content_end = if unterminated { self.pos } else { self.pos - 1 };
        let aux = match decoded_from {
            None if !unterminated => RAW,
            _ => {
                let from = decoded_from.unwrap_or(self.decoded.len());
                self.decoded.push_str(&self.text[run..content_end]);
                self.spans.push((from as u32, self.decoded.len() as u32));
                (self.spans.len() - 1) as u32
            }
        };
        Token {
            kind: if quote == b'"' {
                Tok::Str
            } else {
                Tok::SingleQuoted
            },
            start,
            end: self.pos,
            aux,
            unterminated,
            problem: None,
        }
    }

    /// Decodes the escape at `pos` (a backslash) into `decoded`.
    fn escape(&mut self) {
        let esc_start = self.pos;
        self.pos += 1;
        let Some(&e) = self.src.get(self.pos) else {
            return; // the string's end is reported by the caller
        };
        let c = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                self.pos += 1;
                let c = self.unicode_escape(esc_start);
                self.decoded.push(c);
                return;
            }
            b'\n' | b'\r' => return, // the line ends the string
            _ => {
                let r = self.char_range(self.pos);
                self.report(
                    TextRange::new(esc_start, r.end as usize),
                    format_args!("invalid escape sequence in string"),
                );
                // Keep the character as written.
                self.pos = r.end as usize;
                self.decoded.push_str(&self.text[esc_start + 1..self.pos]);
                return;
            }
        };
        self.pos += 1;
        self.decoded.push(c);
    }

    fn hex4(&mut self, esc_start: usize) -> Option<u32> {
        let v = self
            .src
            .get(self.pos..self.pos + 4)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        match v {
            Some(v) => {
                self.pos += 4;
                Some(v)
            }
            None => {
                self.report(
                    TextRange::new(esc_start, self.pos.max(esc_start + 2)),
                    format_args!("invalid \\u escape: expected four hex digits"),
                );
                None
            }
        }
    }

    fn unicode_escape(&mut self, esc_start: usize) -> char {
        let Some(hi) = self.hex4(esc_start) else {
            return '\u{fffd}';
        };
        if (0xD800..0xDC00).contains(&hi) {
            if self.src.get(self.pos..self.pos + 2) == Some(b"\\u") {
                let at = self.pos;
                self.pos += 2;
                match self.hex4(at) {
                    Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        return char::from_u32(c).unwrap_or('\u{fffd}');
                    }
                    Some(_) => {
                        // Not a low surrogate: read it again as an escape of its own.
                        self.pos = at;
                    }
                    None => {}
                }
            }
            return '\u{fffd}';
        }
        char::from_u32(hi).unwrap_or('\u{fffd}')
    }

    /// Skips a bracketed value from `start` to its matching bracket (or the
    /// end of the file), without building nodes; returns where it ends.
    fn skip_balanced(&mut self, start: usize) -> usize {
        let mut depth = 0usize;
        let mut p = start;
        let src = self.src;
        while p < src.len() {
            match src[p] {
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        p += 1;
                        break;
                    }
                }
                b'"' => {
                    p += 1;
                    while p < src.len() && !matches!(src[p], b'"' | b'\n' | b'\r') {
                        p += if src[p] == b'\\' { 2 } else { 1 };
                    }
                    p = p.min(src.len());
                    if p < src.len() && src[p] != b'"' {
                        continue; // an unfinished string ends at its line
                    }
                }
                _ => {}
            }
            p += 1;
        }
        let end = p.min(src.len());
        self.pos = end;
        self.last_end = end;
        end
    }

    // ----- tree -----

    fn leaf(&mut self, kind: RawKind, start: usize, end: usize, aux: u32) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Raw {
            start: start as u32,
            end: end as u32,
            aux,
            kind,
            flags: 0,
        });
        if self.stack.is_empty() && self.root.is_none() && kind != RawKind::Key {
            self.root = Some(id);
        }
        if let Some(c) = self.content_end.last_mut() {
            *c = (*c).max(end as u32);
        }
        id
    }

    fn push_open(&mut self, id: u32) {
        self.stack.push(id);
        self.content_end.push(self.nodes[id as usize].end);
    }

    /// Ends the innermost open container at `end` (or past its last child).
    fn close_top(&mut self, end: usize) {
        if let Some(id) = self.stack.pop() {
            let content = self.content_end.pop().unwrap_or(0);
            let len = self.nodes.len() as u32;
            let raw = &mut self.nodes[id as usize];
            raw.end = (end as u32).max(raw.start + 1).max(content);
            raw.aux = len;
            let end = raw.end;
            if let Some(c) = self.content_end.last_mut() {
                *c = (*c).max(end);
            }
        }
    }

    fn top_is_object(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|&id| self.nodes[id as usize].kind == RawKind::Object)
    }

    fn closer_of(&self, id: u32) -> Tok {
        match self.nodes[id as usize].kind {
            RawKind::Object => Tok::RBrace,
            _ => Tok::RBracket,
        }
    }

    // ----- the state machine -----

    fn run(&mut self) {
        let mut state = State::Value;
        while state != State::Done {
            let tok = self.next();
            state = match state {
                State::Value => self.value(tok),
                State::AfterValue => self.after_value(tok),
                State::Key => self.key(tok),
                State::Colon => self.colon(tok),
                State::Done => State::Done,
            };
        }
    }

    fn value(&mut self, tok: Token) -> State {
        let after = State::AfterValue;
        match tok.kind {
            Tok::LBrace | Tok::LBracket => return self.open(tok),
            Tok::Str => {
                self.leaf(RawKind::String, tok.start, tok.end, tok.aux);
                self.after_unterminated = tok.unterminated;
                self.junk = false;
                return after;
            }
            Tok::SingleQuoted => {
                self.report(
                    TextRange::new(tok.start, tok.start + 1),
                    format_args!("strings must use double quotes `\"`, not `'`"),
                );
                self.leaf(RawKind::String, tok.start, tok.end, tok.aux);
                self.after_unterminated = tok.unterminated;
                self.junk = false;
                return after;
            }
            Tok::Number => {
                self.leaf(RawKind::Number, tok.start, tok.end, 0);
                self.junk = false;
                return after;
            }
            Tok::BadNumber => {
                let problem = tok.problem.unwrap_or("invalid number");
                self.report(
                    TextRange::new(tok.start, tok.end),
                    format_args!("{problem}"),
                );
                self.leaf(RawKind::Error, tok.start, tok.end, 0);
                self.junk = false;
                return after;
            }
            Tok::Word => {
                let w = &self.text[tok.start..tok.end];
                let range = TextRange::new(tok.start, tok.end);
                let kind = match w {
                    "true" => RawKind::True,
                    "false" => RawKind::False,
                    "null" => RawKind::Null,
                    "True" | "False" | "None" => {
                        let json = match w {
                            "True" => "true",
                            "False" => "false",
                            _ => "null",
                        };
                        self.report(
                            range,
                            format_args!("`{w}` is Python, not JSON: use `{json}`"),
                        );
                        match w {
                            "True" => RawKind::True,
                            "False" => RawKind::False,
                            _ => RawKind::Null,
                        }
                    }
                    "NaN" | "Infinity" => {
                        self.report(range, format_args!("`{w}` is not a JSON number"));
                        RawKind::Error
                    }
                    _ => {
                        let guess = ["true", "false", "null"]
                            .into_iter()
                            .find(|lit| looks_like(w, lit));
                        let found = preview(w);
                        match guess {
                            _ if self.junk => {}
                            Some(g) => self.report(
                                range,
                                format_args!(
                                    "expected a value, found `{found}` (did you mean `{g}`?)"
                                ),
                            ),
                            None => self
                                .report(range, format_args!("expected a value, found `{found}`")),
                        }
                        self.junk = true;
                        RawKind::Error
                    }
                };
                if kind != RawKind::Error {
                    self.junk = false;
                } else if self.stack.is_empty() {
                    // Junk before the root value: skip it and look on.
                    return State::Value;
                }
                self.leaf(kind, tok.start, tok.end, 0);
                return after;
            }
            _ => {}
        }
        let inside = !self.stack.is_empty();
        match tok.kind {
            Tok::Eof => {
                if inside {
                    if self.top_is_object() {
                        // The key has no value: keep the member with an error value.
                        self.leaf(RawKind::Error, tok.start, tok.start, 0);
                    }
                    self.eof_close();
                } else if self.errors.is_empty() && self.more_errors == 0 {
                    self.report(
                        TextRange::empty(tok.start),
                        format_args!("the file is empty: expected a JSON object"),
                    );
                }
                State::Done
            }
            Tok::RBrace | Tok::RBracket | Tok::Comma if inside => {
                // A missing value: an empty error node holds its place.
                let found = self.describe(&tok);
                self.report(
                    self.char_range(tok.start),
                    format_args!("expected a value, found {found}"),
                );
                self.leaf(RawKind::Error, tok.start, tok.start, 0);
                self.junk = true;
                self.pending = Some(tok);
                State::AfterValue
            }
            Tok::Other if inside => {
                let found = self.describe(&tok);
                self.report(
                    TextRange::new(tok.start, tok.end),
                    format_args!("expected a value, found {found}"),
                );
                self.leaf(RawKind::Error, tok.start, tok.end, 0);
                self.junk = true;
                State::AfterValue
            }
            _ => {
                // `:` anywhere, or a stray token before the root value: skip it.
                if !self.junk {
                    let found = self.describe(&tok);
                    self.report(
                        TextRange::new(tok.start, tok.end),
                        format_args!("expected a value, found {found}"),
                    );
                }
                self.junk = true;
                State::Value
            }
        }
    }

    /// Opens an array or object (or skips it, past the nesting limit).
    fn open(&mut self, tok: Token) -> State {
        self.junk = false;
        if self.stack.len() >= MAX_DEPTH {
            self.report(
                TextRange::new(tok.start, tok.end),
                format_args!("nesting deeper than {MAX_DEPTH} levels"),
            );
            let end = self.skip_balanced(tok.start);
            self.leaf(RawKind::Error, tok.start, end, 0);
            return State::AfterValue;
        }
        let object = tok.kind == Tok::LBrace;
        let kind = if object {
            RawKind::Object
        } else {
            RawKind::Array
        };
        let id = self.leaf(kind, tok.start, tok.end, 0);
        self.push_open(id);
        // An empty container closes at once.
        let next = self.next();
        let closer = if object { Tok::RBrace } else { Tok::RBracket };
        if next.kind == closer {
            self.close_top(next.end);
            return State::AfterValue;
        }
        self.pending = Some(next);
        if object { State::Key } else { State::Value }
    }

    fn after_value(&mut self, tok: Token) -> State {
        let Some(&top) = self.stack.last() else {
            if tok.kind != Tok::Eof {
                self.report(
                    self.token_range(&tok),
                    format_args!("unexpected content after the end of the JSON value"),
                );
            }
            return State::Done;
        };
        let object = self.nodes[top as usize].kind == RawKind::Object;
        let closer = self.closer_of(top);
        match tok.kind {
            Tok::Comma => {
                self.junk = false;
                self.after_unterminated = false;
                let next = self.next();
                if next.kind == closer {
                    let c = if object { '}' } else { ']' };
                    self.report(
                        TextRange::new(tok.start, tok.end),
                        format_args!("trailing comma before `{c}`"),
                    );
                    self.close_top(next.end);
                    return State::AfterValue;
                }
                self.pending = Some(next);
                if object { State::Key } else { State::Value }
            }
            Tok::RBrace | Tok::RBracket => self.close(tok, State::AfterValue),
            Tok::Eof => {
                self.eof_close();
                State::Done
            }
            Tok::Str | Tok::SingleQuoted if object => {
                // The next member, without a comma before it.
                if !self.after_unterminated && !self.junk {
                    self.report(
                        self.char_range(tok.start),
                        format_args!("expected `,` between object members (missing comma?)"),
                    );
                }
                self.after_unterminated = false;
                self.pending = Some(tok);
                State::Key
            }
            Tok::LBrace
            | Tok::LBracket
            | Tok::Str
            | Tok::SingleQuoted
            | Tok::Number
            | Tok::BadNumber
            | Tok::Word
                if !object =>
            {
                // The next element, without a comma before it.
                if !self.after_unterminated && !self.junk {
                    self.report(
                        self.char_range(tok.start),
                        format_args!("expected `,` between array elements (missing comma?)"),
                    );
                }
                self.after_unterminated = false;
                self.junk = false;
                self.pending = Some(tok);
                State::Value
            }
            _ => {
                if !self.junk {
                    let found = self.describe(&tok);
                    let (what, c) = if object {
                        ("an object member", '}')
                    } else {
                        ("an array element", ']')
                    };
                    self.report(
                        self.token_range(&tok),
                        format_args!("expected `,` or `{c}` after {what}, found {found}"),
                    );
                }
                self.junk = true;
                self.skip_token(tok);
                State::AfterValue
            }
        }
    }

    fn key(&mut self, tok: Token) -> State {
        match tok.kind {
            Tok::Str => {
                self.leaf(RawKind::Key, tok.start, tok.end, tok.aux);
                self.after_unterminated = tok.unterminated;
                self.junk = false;
                State::Colon
            }
            Tok::SingleQuoted => {
                self.report(
                    TextRange::new(tok.start, tok.start + 1),
                    format_args!("object keys must use double quotes `\"`, not `'`"),
                );
                self.leaf(RawKind::Key, tok.start, tok.end, tok.aux);
                self.after_unterminated = tok.unterminated;
                self.junk = false;
                State::Colon
            }
            Tok::Word => {
                // An unquoted key: read it as the key it is meant to be.
                let w = &self.text[tok.start..tok.end];
                let found = preview(w);
                self.report(
                    TextRange::new(tok.start, tok.end),
                    format_args!("expected a key in double quotes, found `{found}`"),
                );
                let from = self.decoded.len() as u32;
                self.decoded.push_str(w);
                self.spans.push((from, self.decoded.len() as u32));
                let span = (self.spans.len() - 1) as u32;
                self.leaf(RawKind::Key, tok.start, tok.end, span);
                self.junk = false;
                State::Colon
            }
            Tok::RBrace | Tok::RBracket => self.close(tok, State::Key),
            Tok::Eof => {
                self.eof_close();
                State::Done
            }
            _ => {
                if !self.junk {
                    let found = self.describe(&tok);
                    self.report(
                        self.token_range(&tok),
                        format_args!("expected a key in double quotes, found {found}"),
                    );
                }
                self.junk = true;
                self.skip_token(tok);
                State::Key
            }
        }
    }

    fn colon(&mut self, tok: Token) -> State {
        let key_id = self.nodes.len() as u32 - 1;
        match tok.kind {
            Tok::Colon => State::Value,
            Tok::Comma | Tok::RBrace | Tok::RBracket | Tok::Eof => {
                if !self.after_unterminated {
                    let key = preview(self.str_of_key(key_id));
                    let found = self.describe(&tok);
                    self.report(
                        self.char_range(tok.start),
                        format_args!("expected `:` after the key \"{key}\", found {found}"),
                    );
                }
                // The member has no value: an empty error node just after the key.
                let at = self.nodes[key_id as usize].end as usize;
                self.leaf(RawKind::Error, at, at, 0);
                self.pending = Some(tok);
                self.junk = true;
                State::AfterValue
            }
            Tok::Other => {
                if !self.junk {
                    let key = preview(self.str_of_key(key_id));
                    let found = self.describe(&tok);
                    self.report(
                        self.char_range(tok.start),
                        format_args!("expected `:` after the key \"{key}\", found {found}"),
                    );
                }
                self.junk = true;
                State::Colon
            }
            _ => {
                // A value right after the key: the colon is missing.
                if !self.junk {
                    let key = preview(self.str_of_key(key_id));
                    let found = self.describe(&tok);
                    self.report(
                        self.char_range(tok.start),
                        format_args!("expected `:` after the key \"{key}\", found {found}"),
                    );
                }
                self.junk = false;
                self.pending = Some(tok);
                State::Value
            }
        }
    }

    fn str_of_key(&self, id: u32) -> &str {
        let r = &self.nodes[id as usize];
        if r.aux == RAW {
            &self.text[r.start as usize + 1..r.end as usize - 1]
        } else {
            let (s, e) = self.spans[r.aux as usize];
            &self.decoded[s as usize..e as usize]
        }
    }

    /// The range to underline for a token: words and numbers whole, else its first character.
    fn token_range(&self, tok: &Token) -> TextRange {
        match tok.kind {
            Tok::Word | Tok::Number | Tok::BadNumber => TextRange::new(tok.start, tok.end),
            _ => self.char_range(tok.start),
        }
    }

    /// Skips a token that fits nowhere (a bracketed one with its contents).
    fn skip_token(&mut self, tok: Token) {
        if matches!(tok.kind, Tok::LBrace | Tok::LBracket) {
            self.skip_balanced(tok.start);
        }
    }

    /// A closing bracket: closes the innermost container if it matches, or
    /// every container up to the one it matches; a bracket that matches no
    /// open container is skipped.
    fn close(&mut self, tok: Token, otherwise: State) -> State {
        let Some(&top) = self.stack.last() else {
            return State::Done;
        };
        if tok.kind == self.closer_of(top) {
            self.close_top(tok.end);
            self.junk = false;
            return State::AfterValue;
        }
        let found = if tok.kind == Tok::RBrace { '}' } else { ']' };
        let matching = self
            .stack
            .iter()
            .rposition(|&id| self.closer_of(id) == tok.kind);
        match matching {
            Some(level) => {
                let (want, what) = if self.nodes[top as usize].kind == RawKind::Object {
                    ('}', "object")
                } else {
                    (']', "array")
                };
                let opened = self.nodes[top as usize].start as usize;
                self.report(
                    TextRange::new(opened, opened + 1),
                    format_args!(
                        "unclosed `{}`: expected `{want}` to close the {what} before `{found}`",
                        if want == '}' { '{' } else { '[' }
                    ),
                );
                let end = self.last_end_before(tok.start);
                while self.stack.len() > level + 1 {
                    self.close_top(end);
                }
                self.close_top(tok.end);
                self.junk = false;
                State::AfterValue
            }
            None => {
                if !self.junk {
                    self.report(
                        self.char_range(tok.start),
                        format_args!("unexpected `{found}`: no open bracket to close"),
                    );
                }
                self.junk = true;
                otherwise
            }
        }
    }

    /// Where the content before `pos` ends (trailing whitespace excluded).
    fn last_end_before(&self, pos: usize) -> usize {
        let before = &self.src[..pos];
        before.len()
            - before
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .count()
    }

    /// The file ended with containers open: one error at the innermost, all closed.
    fn eof_close(&mut self) {
        let Some(&top) = self.stack.last() else {
            return;
        };
        let opened = self.nodes[top as usize].start as usize;
        let (open, close) = if self.nodes[top as usize].kind == RawKind::Object {
            ('{', '}')
        } else {
            ('[', ']')
        };
        self.report(
            TextRange::new(opened, opened + 1),
            format_args!("unclosed `{open}`: the file ends before the matching `{close}`"),
        );
        let end = self.last_end;
        while !self.stack.is_empty() {
            self.close_top(end);
        }
    }
}

/// Whether `word` is probably a mistyped JSON literal: a prefix of it
/// (`tru`), the literal in other letter case (`NULL`), or at most two edits
/// from it with the same first letter (`ture`, `flase`).
fn looks_like(word: &str, literal: &str) -> bool {
    if word.len() > 8 {
        return false;
    }
    let w = word.to_ascii_lowercase();
    if literal.starts_with(&w) || w == literal {
        return true;
    }
    if w.as_bytes()[0] != literal.as_bytes()[0] {
        return false;
    }
    // Edit distance, small strings only.
    let (a, b) = (w.as_bytes(), literal.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

/// Finds keys repeated within an object: records each repeat with the first
/// occurrence, and flags every occurrence but the last as shadowed. Linear:
/// small objects compare keys pairwise, larger ones use a hash map.
fn mark_duplicates(tree: &mut Tree) {
    let mut found: Vec<(u32, u32)> = Vec::new();
    let mut shadowed: Vec<u32> = Vec::new();
    let mut keys: Vec<(u32, &str)> = Vec::new();
    let mut seen: HashMap<&str, (u32, u32)> = HashMap::new();
    for (id, raw) in tree.nodes.iter().enumerate() {
        if raw.kind != RawKind::Object {
            continue;
        }
        keys.clear();
        let mut k = id as u32 + 1;
        while k < raw.aux {
            keys.push((k, tree.str_of(k)));
            k = tree.next_sibling(k + 1);
        }
        if keys.len() <= 8 {
            for i in 1..keys.len() {
                if let Some(first) = keys[..i].iter().find(|p| p.1 == keys[i].1) {
                    found.push((first.0, keys[i].0));
                    // The previous occurrence (not the first) is the one now shadowed.
                    let prev = keys[..i].iter().rev().find(|p| p.1 == keys[i].1);
                    shadowed.extend(prev.map(|p| p.0));
                }
            }
        } else {
            seen.clear();
            for &(k, key) in &keys {
                match seen.get_mut(key) {
                    Some((first, latest)) => {
                        found.push((*first, k));
                        shadowed.push(*latest);
                        *latest = k;
                    }
                    None => {
                        seen.insert(key, (k, k));
                    }
                }
            }
        }
    }
    drop(keys);
    drop(seen);
    for id in shadowed {
        tree.nodes[id as usize].flags |= SHADOWED;
    }
    tree.duplicates = found;
}
