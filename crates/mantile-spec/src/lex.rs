//! Tokens of one line of a spec, with byte ranges into the whole document.
//!
//! The input is the line's characters, each tagged with the Markdown context
//! it sits in: markup characters (backticks, `**`, list bullets) separate
//! tokens like white space but are never part of one.

use crate::num::Rational;
use mantile_diag::{NumberStyle, TextRange};

/// Where a character sits in the Markdown source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Plain,
    /// Inside inline code or a fenced code block.
    Code,
    /// Inside `**bold**` (not code).
    Bold,
    /// A markup character: backtick, emphasis marker, bullet.
    Markup,
    /// Text that must not be read as arithmetic (math, HTML).
    Skip,
}

/// A number as written: its exact value and how precisely it was stated.
///
/// The value is kept as its digits (`mant / 10^decimals`) in two `u64`
/// halves, so that a token stays small (8-byte aligned) in the token store.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NumLit {
    mant: [u64; 2],
    /// Digits after the decimal point.
    pub decimals: u32,
    /// Preceded by `~` or `≈`.
    pub approx: bool,
    /// Followed by `...` or `…` (digits cut off, not rounded).
    pub truncated: bool,
    pub style: NumberStyle,
}

impl NumLit {
    /// True when the literal stands for a range rather than one value.
    pub fn is_inexact(&self) -> bool {
        self.decimals > 0 || self.approx || self.truncated
    }

    /// The digits as written, without the decimal point.
    fn mantissa(&self) -> i128 {
        ((u128::from(self.mant[1]) << 64) | u128::from(self.mant[0])) as i128
    }

    /// The digits as written, as a number (without separators and the
    /// decimal point: `0.000268` is 268).
    pub fn digit_value(&self) -> u128 {
        (u128::from(self.mant[1]) << 64) | u128::from(self.mant[0])
    }

    /// The digits as written (without separators and decimal point), and
    /// how many come before and after the point (`0.000268`: 268, 1, 6).
    pub fn digits(&self) -> (u128, u32, u32) {
        let m = (u128::from(self.mant[1]) << 64) | u128::from(self.mant[0]);
        let len = if self.mant[1] == 0 {
            self.mant[0].checked_ilog10().map_or(1, |l| l + 1)
        } else {
            m.checked_ilog10().map_or(1, |l| l + 1)
        };
        (m, len.saturating_sub(self.decimals).max(1), self.decimals)
    }

    /// The exact value written.
    pub fn value(&self) -> Rational {
        if self.decimals == 0 {
            // Most literals: an integer, no power of ten to divide by.
            return Rational::int(self.mantissa());
        }
        10i128
            .checked_pow(self.decimals)
            .and_then(|d| Rational::new(self.mantissa(), d))
            .unwrap_or(Rational::ZERO)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tok<'a> {
    Num(NumLit),
    /// A name (ASCII letters, digits, `_`), or `µs`.
    Ident(&'a str),
    /// `+ - * / ^` (with `×`, `·`, `−`, `÷` folded in).
    Op(char),
    LParen,
    RParen,
    Comma,
    /// `=`, or `≈`/`~` between two values (`approx`).
    Eq {
        approx: bool,
    },
    /// `→` or `->`.
    Arrow,
    /// Anything else: words with non-ASCII letters, punctuation. Ends expressions.
    Word,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Token<'a> {
    pub tok: Tok<'a>,
    pub range: TextRange,
    pub class: Class,
}

impl Token<'_> {
    pub fn is_operand_end(&self) -> bool {
        matches!(self.tok, Tok::Num(_) | Tok::Ident(_) | Tok::RParen)
    }

    /// This token without its borrow of the text, moved `back` bytes
    /// towards the start (to keep in a cache: see [`Token::restore`]).
    pub fn detach(&self, back: usize) -> Token<'static> {
        Token {
            tok: self.tok.with_name(|| ""),
            range: TextRange::new(
                (self.range.start as usize).saturating_sub(back),
                (self.range.end as usize).saturating_sub(back),
            ),
            class: self.class,
        }
    }
}

impl<'a> Tok<'a> {
    /// The same token, a name (if it is one) replaced by `name()`.
    fn with_name<'b>(self, name: impl FnOnce() -> &'b str) -> Tok<'b> {
        match self {
            Tok::Ident(_) => Tok::Ident(name()),
            Tok::Num(n) => Tok::Num(n),
            Tok::Op(c) => Tok::Op(c),
            Tok::LParen => Tok::LParen,
            Tok::RParen => Tok::RParen,
            Tok::Comma => Tok::Comma,
            Tok::Eq { approx } => Tok::Eq { approx },
            Tok::Arrow => Tok::Arrow,
            Tok::Word => Tok::Word,
        }
    }
}

impl Token<'static> {
    /// A [`Token::detach`]ed token back in `text`, `ahead` bytes further: a
    /// name borrows its text again (the lexer's one spelling change,
    /// Greek `μs` to `µs`, is redone).
    pub fn restore<'a>(&self, text: &'a str, ahead: usize) -> Token<'a> {
        let range = self.range.shift(ahead);
        Token {
            tok: self
                .tok
                .with_name(|| match text.get(range.as_range()).unwrap_or("") {
                    "μs" => "µs",
                    name => name,
                }),
            range,
            class: self.class,
        }
    }
}

/// The bytes of a name: ASCII letters, digits and `_` (a table: one load
/// per byte in the lexer's hottest loop, instead of three range tests).
static IDENT_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = (c as u8).is_ascii_alphanumeric() || c == b'_' as usize;
        c += 1;
    }
    t
};

/// What an ASCII byte may start, for the lexer's dispatch (a table: one
/// load where the hot path would test several ranges).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Byte {
    /// White space, as `char::is_whitespace` has it (`\x0b` included).
    Space,
    Digit,
    /// A letter or `_`: a name.
    NameStart,
    /// Anything else, non-ASCII bytes included.
    Other,
}

static BYTES: [Byte; 256] = {
    let mut t = [Byte::Other; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
            Byte::Space
        } else if b.is_ascii_digit() {
            Byte::Digit
        } else if b.is_ascii_alphabetic() || b == b'_' {
            Byte::NameStart
        } else {
            Byte::Other
        };
        c += 1;
    }
    t
};

fn is_ident_char(c: u8) -> bool {
    IDENT_CHAR[c as usize]
}

/// How the lexer knows the class of a line's bytes.
trait Classes: Copy {
    /// The class of byte `i`.
    fn at(self, i: usize) -> Class;
    /// Where a name that goes on at byte `i` of `b` ends: at the first
    /// byte that is not a name's or whose class is not `c`.
    fn name_end(self, b: &[u8], i: usize, c: Class) -> usize;
    /// The classes of a line of `n` bytes, `None` if there are fewer
    /// (never: [`lex_into`] pads them).
    fn fit(self, n: usize) -> Option<Self>;
}

/// Every byte has the same class.
#[derive(Clone, Copy)]
struct Forced(Class);

impl Classes for Forced {
    fn at(self, _: usize) -> Class {
        self.0
    }
    fn name_end(self, b: &[u8], i: usize, _: Class) -> usize {
        let mut j = i;
        while j < b.len() && is_ident_char(b[j]) {
            j += 1;
        }
        j
    }

    fn fit(self, _: usize) -> Option<Self> {
        Some(self)
    }
}

/// A class per byte: at least as many as the line has bytes.
#[derive(Clone, Copy)]
struct PerByte<'c>(&'c [Class]);

impl Classes for PerByte<'_> {
    fn at(self, i: usize) -> Class {
        self.0.get(i).copied().unwrap_or(Class::Plain)
    }
    fn name_end(self, b: &[u8], i: usize, c: Class) -> usize {
        // As many classes as bytes (see `fit`): the byte's bounds test
        // covers its class's too.
        let Some(k) = self.0.get(..b.len()) else {
            return i;
        };
        let mut j = i;
        while j < b.len() && is_ident_char(b[j]) && k[j] == c {
            j += 1;
        }
        j
    }

    fn fit(self, n: usize) -> Option<Self> {
        // Exactly `n` classes: the lexer's `i < n` then bounds each look-up.
        self.0.get(..n).map(PerByte)
    }
}

/// Splits a line into tokens. `src` is the line, `base` its offset in the
/// document, `class` the class of each of its bytes (`force` overrides all).
/// Never panics; unknown characters become `Word`s.
pub fn lex<'a>(src: &'a str, base: usize, class: &[Class], force: Option<Class>) -> Vec<Token<'a>> {
    let mut out = Vec::with_capacity(src.len() / 4 + 4);
    lex_into(&mut out, src, base, class, force);
    out
}

/// [`lex`], appending the tokens to `out` (what was there stays untouched).
pub fn lex_into<'a>(
    out: &mut Vec<Token<'a>>,
    src: &'a str,
    base: usize,
    class: &[Class],
    force: Option<Class>,
) {
    // One copy of the lexer per way of knowing a byte's class, each with
    // the look-up inlined.
    match force {
        Some(c) => lex_with(out, src, base, Forced(c)),
        None if class.len() >= src.len() => lex_with(out, src, base, PerByte(&class[..src.len()])),
        None => {
            // Bytes without a class are plain (lines come with a class
            // per byte: this is a guard).
            let mut padded = class.to_vec();
            padded.resize(src.len(), Class::Plain);
            lex_with(out, src, base, PerByte(&padded))
        }
    }
}

fn lex_with<'a>(out: &mut Vec<Token<'a>>, src: &'a str, base: usize, classes: impl Classes) {
    let b = src.as_bytes();
    let n = b.len();
    let Some(classes) = classes.fit(n) else {
        return;
    };
    let cls = |i: usize| classes.at(i);
    let first = out.len();
    // The char at byte `i` and its length.
    let ch = |i: usize| -> (char, usize) {
        match b.get(i) {
            Some(&c) if c < 0x80 => (c as char, 1),
            Some(_) => src
                .get(i..)
                .and_then(|t| t.chars().next())
                .map(|c| (c, c.len_utf8()))
                .unwrap_or((' ', 1)),
            None => ('\0', 1),
        }
    };
    let digit = |i: usize| b.get(i).is_some_and(|c| c.is_ascii_digit());
    // The next byte index (from k) that is neither white space nor markup.
    let next_sig = |mut k: usize| -> usize {
        while k < n {
            let (c, l) = ch(k);
            if !(c.is_whitespace() || cls(k) == Class::Markup) {
                break;
            }
            k += l;
        }
        k
    };
    let range = |a: usize, z: usize| TextRange::new(base + a, base + z.max(a));
    let mut i = 0;
    let mut pending_approx = false;
    while i < n {
        let c0 = b[i];
        let kind = BYTES[c0 as usize];
        // ASCII white space is skipped whatever its class.
        if kind == Byte::Space {
            i += 1;
            continue;
        }
        let class_i = cls(i);
        let (c, len) = if c0 < 0x80 {
            (char::from(c0), 1)
        } else {
            ch(i)
        };
        if class_i == Class::Markup || (c0 >= 0x80 && c.is_whitespace()) {
            i += len;
            continue;
        }
        if class_i == Class::Skip {
            let start = i;
            while i < n && cls(i) == Class::Skip {
                i += ch(i).1;
            }
            out.push(Token {
                tok: Tok::Word,
                range: range(start, i),
                class: class_i,
            });
            pending_approx = false;
            continue;
        }
        if kind == Byte::Digit || (c0 == b'.' && digit(i + 1)) {
            let start = i;
            // The digits are read into a u64, exact up to 19 digits; a
            // longer number is read again below.
            let mut small: u64 = 0;
            let mut take = |d: u8| small = small.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                take(d);
                i += 1;
            }
            let has_int = i > start;
            let mut ndigits = i - start;
            let mut style = NumberStyle::Plain;
            let mut decimals = 0u32;
            let mut truncated = false;
            let mut digits_end = i;
            // Most numbers end at their last digit: what may go on is
            // looked at only after a separator, a point or a byte that may
            // start `…`.
            if matches!(b.get(i), Some(b',' | b'_' | b'.' | 0xE2)) {
                // Thousands groups: `,ddd` or `_ddd`, not followed by another digit.
                while i + 3 < n {
                    let sep = b[i];
                    if (sep == b',' || sep == b'_')
                        && digit(i + 1)
                        && digit(i + 2)
                        && digit(i + 3)
                        && !digit(i + 4)
                        && has_int
                        && (style == NumberStyle::Plain
                            || (style == NumberStyle::Commas) == (sep == b','))
                    {
                        style = if sep == b',' {
                            NumberStyle::Commas
                        } else {
                            NumberStyle::Underscores
                        };
                        for &d in &b[i + 1..i + 4] {
                            take(d);
                        }
                        ndigits += 3;
                        i += 4;
                    } else {
                        break;
                    }
                }
                if b.get(i) == Some(&b'.') && digit(i + 1) {
                    i += 1;
                    while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                        take(d);
                        decimals += 1;
                        i += 1;
                    }
                    ndigits += decimals as usize;
                }
                digits_end = i;
                if b[i..].starts_with(b"...") {
                    truncated = true;
                    i += 3;
                } else if b[i..].starts_with("…".as_bytes()) {
                    truncated = true;
                    i += '…'.len_utf8();
                }
            }
            // Up to 36 digits (below 10^36, in an i128 with room to spare);
            // a longer number is not read as one.
            let value = match ndigits {
                0..=19 => Some(small as i128),
                20..=36 => Some(
                    b[start..digits_end]
                        .iter()
                        .filter(|d| d.is_ascii_digit())
                        .fold(0i128, |v, &d| v * 10 + i128::from(d - b'0')),
                ),
                _ => None,
            };
            let tok = match value {
                Some(v) => Tok::Num(NumLit {
                    mant: [v as u128 as u64, ((v as u128) >> 64) as u64],
                    decimals,
                    approx: pending_approx,
                    truncated,
                    style,
                }),
                None => Tok::Word,
            };
            out.push(Token {
                tok,
                range: range(start, i),
                class: cls(start),
            });
            pending_approx = false;
            // `2x1024`: an `x` glued between digits multiplies.
            if b.get(i) == Some(&b'x') && digit(i + 1) {
                out.push(Token {
                    tok: Tok::Op('*'),
                    range: range(i, i + 1),
                    class: cls(i),
                });
                i += 1;
            }
            continue;
        }
        if kind == Byte::NameStart {
            let start = i;
            // A name ends where its Markdown context changes (`d`**16**).
            i = classes.name_end(b, i + 1, class_i);
            // A word glued to non-ASCII letters (`QKᵀ`) is prose, not a name.
            if i < n && b[i] >= 0x80 && ch(i).0.is_alphabetic() {
                while i < n {
                    let (c2, l2) = ch(i);
                    if !(c2.is_alphanumeric() || c2 == '_') {
                        break;
                    }
                    i += l2;
                }
                out.push(Token {
                    tok: Tok::Word,
                    range: range(start, i),
                    class: class_i,
                });
            } else {
                out.push(Token {
                    tok: Tok::Ident(&src[start..i]),
                    range: range(start, i),
                    class: class_i,
                });
            }
            pending_approx = false;
            continue;
        }
        let single = |tok: Tok<'a>| Token {
            tok,
            range: range(i, i + len),
            class: class_i,
        };
        match c {
            '~' | '≈' => {
                let prev_operand =
                    out.len() > first && out.last().is_some_and(|t| t.is_operand_end());
                let k = next_sig(i + len);
                let next_num = k < n && (digit(k) || b[k] == b'.');
                // `a ≈ b` compares; `~W` and `≈2.2` qualify what follows.
                let (after, _) = ch(i + len);
                let spaced =
                    i + len < n && (after.is_whitespace() || cls(i + len) == Class::Markup);
                if prev_operand && spaced && k < n {
                    out.push(single(Tok::Eq { approx: true }));
                    pending_approx = next_num;
                } else if next_num {
                    pending_approx = true;
                } else {
                    out.push(single(Tok::Word));
                }
                i += len;
                continue;
            }
            'µ' | 'μ' if b.get(i + len) == Some(&b's') => {
                out.push(Token {
                    tok: Tok::Ident("µs"),
                    range: range(i, i + len + 1),
                    class: class_i,
                });
                i += len + 1;
                continue;
            }
            '-' if b.get(i + 1) == Some(&b'>') => {
                out.push(Token {
                    tok: Tok::Arrow,
                    range: range(i, i + 2),
                    class: class_i,
                });
                i += 2;
                continue;
            }
            '=' => {
                let prev = if i > 0 { b[i - 1] } else { b' ' };
                let next = b.get(i + 1).copied().unwrap_or(b' ');
                if matches!(prev, b'<' | b'>' | b'!' | b'=') || next == b'=' || next == b'>' {
                    out.push(single(Tok::Word));
                } else {
                    out.push(single(Tok::Eq { approx: false }));
                }
            }
            '+' => out.push(single(Tok::Op('+'))),
            '-' | '−' => out.push(single(Tok::Op('-'))),
            '*' | '×' | '·' => out.push(single(Tok::Op('*'))),
            '/' | '÷' => out.push(single(Tok::Op('/'))),
            '^' => out.push(single(Tok::Op('^'))),
            '(' => out.push(single(Tok::LParen)),
            ')' => out.push(single(Tok::RParen)),
            ',' => out.push(single(Tok::Comma)),
            '→' => out.push(single(Tok::Arrow)),
            _ => out.push(single(Tok::Word)),
        }
        pending_approx = false;
        i += len;
    }
}

/// Tokens of a string read as code (every `*` multiplies), offsets from `base`.
pub fn lex_code(s: &str, base: usize) -> Vec<Token<'_>> {
    lex(s, base, &[], Some(Class::Code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<String> {
        lex_code(s, 0)
            .into_iter()
            .map(|t| match t.tok {
                Tok::Num(n) => format!(
                    "N{}{}{}",
                    n.value().to_decimal_string(9),
                    if n.approx { "~" } else { "" },
                    if n.truncated { "..." } else { "" }
                ),
                Tok::Ident(s) => format!("I{s}"),
                Tok::Op(c) => c.to_string(),
                Tok::LParen => "(".into(),
                Tok::RParen => ")".into(),
                Tok::Comma => ",".into(),
                Tok::Eq { approx } => if approx { "≈" } else { "=" }.into(),
                Tok::Arrow => "→".into(),
                Tok::Word => "W".into(),
            })
            .collect()
    }

    #[test]
    fn numbers_with_separators_and_precision() {
        assert_eq!(kinds("1,048,576 + 1_024"), ["N1048576", "+", "N1024"]);
        assert_eq!(
            kinds("max(0.137, 0.178)"),
            ["Imax", "(", "N0.137", ",", "N0.178", ")"]
        );
        assert_eq!(kinds("≈ 2.199..."), ["N2.199~..."]);
        assert_eq!(kinds("0.1 ≈ 0.10"), ["N0.1", "≈", "N0.1~"]);
        assert_eq!(
            kinds("2x1024 × 3 · 4 − 1"),
            ["N2", "*", "N1024", "*", "N3", "*", "N4", "-", "N1"]
        );
    }

    #[test]
    fn the_byte_tables_agree_with_char_tests() {
        for c in 0..=255u8 {
            assert_eq!(is_ident_char(c), c.is_ascii_alphanumeric() || c == b'_');
            let want = if !c.is_ascii() {
                Byte::Other
            } else if char::from(c).is_whitespace() {
                Byte::Space
            } else if c.is_ascii_digit() {
                Byte::Digit
            } else if c.is_ascii_alphabetic() || c == b'_' {
                Byte::NameStart
            } else {
                Byte::Other
            };
            assert!(BYTES[c as usize] == want, "byte {c:#x}");
        }
    }

    #[test]
    fn what_may_follow_a_number() {
        assert_eq!(kinds("3… 2.5…"), ["N3...", "N2.5..."]);
        assert_eq!(
            kinds("1,2 1_000_000 5_"),
            ["N1", ",", "N2", "N1000000", "N5", "I_"]
        );
        assert_eq!(kinds("7. x 1,024.5"), ["N7", "W", "Ix", "N1024.5"]);
    }

    #[test]
    fn long_numbers_stay_exact() {
        // 19 digits fit the fast accumulator, 20 and more go on in i128.
        assert_eq!(kinds("9999999999999999999"), ["N9999999999999999999"]);
        assert_eq!(kinds("18446744073709551616"), ["N18446744073709551616"]);
        assert_eq!(
            kinds("1,000,000,000,000,000,000,007.5"),
            ["N1000000000000000000007.5"]
        );
        let d36 = "123456789".repeat(4);
        assert_eq!(kinds(&d36), [format!("N{d36}")]);
        // Beyond 36 digits a number is not read as one.
        assert_eq!(kinds(&format!("{d36}1")), ["W"]);
    }

    #[test]
    fn detached_tokens_come_back_as_they_were() {
        let line = "x: `t = 2 × d_model` → 1.5 μs ≈ 1.5 µs, QKᵀ (4 B)";
        let text = format!("prefix\n{line}");
        let toks = lex(&text[7..], 7, &[], Some(Class::Code));
        let kept: Vec<_> = toks.iter().map(|t| t.detach(7)).collect();
        // Moved 3 bytes further in another text, as after an edit above.
        let moved = format!("abc{text}");
        let back: Vec<_> = kept.iter().map(|t| t.restore(&moved, 10)).collect();
        let relexed = lex(&moved[10..], 10, &[], Some(Class::Code));
        assert_eq!(back, relexed);
        assert!(back.iter().any(|t| t.tok == Tok::Ident("µs")));
    }

    #[test]
    fn prose_and_arrows() {
        assert_eq!(kinds("QKᵀ → 4 B"), ["W", "→", "N4", "IB"]);
        assert_eq!(kinds("a -> b <= c"), ["Ia", "→", "Ib", "W", "W", "Ic"]);
        assert_eq!(kinds("1.0 µs"), ["N1", "Iµs"]);
    }
}
