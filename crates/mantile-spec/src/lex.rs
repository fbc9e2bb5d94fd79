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
#[derive(Clone, Debug, PartialEq)]
pub struct NumLit {
    pub value: Rational,
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
}

/// A short name stored inline (no allocation per identifier).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name {
    len: u8,
    buf: [u8; Name::CAP],
}

impl Name {
    pub const CAP: usize = 46;

    pub fn new(s: &str) -> Option<Name> {
        if s.len() > Name::CAP {
            return None;
        }
        let mut buf = [0u8; Name::CAP];
        buf[..s.len()].copy_from_slice(s.as_bytes());
        Some(Name {
            len: s.len() as u8,
            buf,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or("")
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, o: &str) -> bool {
        self.as_str() == o
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, o: &&str) -> bool {
        self.as_str() == *o
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Num(NumLit),
    Ident(Name),
    /// `+ - * / ^` (with `×`, `·`, `−`, `÷` folded in).
    Op(char),
    LParen,
    RParen,
    Comma,
    /// `=`, or `≈`/`~` between two values (`approx`).
    Eq { approx: bool },
    /// `→` or `->`.
    Arrow,
    /// Anything else: words with non-ASCII letters, punctuation. Ends expressions.
    Word,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub range: TextRange,
    pub class: Class,
}

impl Token {
    pub fn is_operand_end(&self) -> bool {
        matches!(self.tok, Tok::Num(_) | Tok::Ident(_) | Tok::RParen)
    }
}

/// One character of a line: byte offset in the document, the char, its class.
pub type LineChar = (usize, char, Class);

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits a line into tokens. Never panics; unknown characters become `Word`s.
pub fn lex(chars: &[LineChar]) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(chars.len() / 4 + 4);
    let mut i = 0;
    let n = chars.len();
    let mut pending_approx = false;
    let end_of = |k: usize| -> usize {
        if k < n {
            chars[k].0
        } else {
            chars.last().map(|c| c.0 + c.1.len_utf8()).unwrap_or(0)
        }
    };
    // The next index (from k) that is neither white space nor markup.
    let next_sig = |mut k: usize| -> usize {
        while k < n && (chars[k].1.is_whitespace() || chars[k].2 == Class::Markup) {
            k += 1;
        }
        k
    };
    while i < n {
        let (off, c, class) = chars[i];
        if class == Class::Markup || c.is_whitespace() {
            i += 1;
            continue;
        }
        if class == Class::Skip {
            let start = i;
            while i < n && chars[i].2 == Class::Skip {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Word,
                range: TextRange::new(off, end_of(i).max(chars[start].0)),
                class,
            });
            pending_approx = false;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && i + 1 < n && chars[i + 1].1.is_ascii_digit()) {
            let start = i;
            let mut digits = String::new();
            let mut style = NumberStyle::Plain;
            while i < n && chars[i].1.is_ascii_digit() {
                digits.push(chars[i].1);
                i += 1;
            }
            // Thousands groups: `,ddd` or `_ddd`, not followed by another digit.
            while i + 3 < n {
                let sep = chars[i].1;
                if (sep == ',' || sep == '_')
                    && (1..=3).all(|k| chars[i + k].1.is_ascii_digit())
                    && !(i + 4 < n && chars[i + 4].1.is_ascii_digit())
                    && (style == NumberStyle::Plain
                        || (style == NumberStyle::Commas) == (sep == ','))
                    && !digits.is_empty()
                {
                    style = if sep == ',' {
                        NumberStyle::Commas
                    } else {
                        NumberStyle::Underscores
                    };
                    for k in 1..=3 {
                        digits.push(chars[i + k].1);
                    }
                    i += 4;
                } else {
                    break;
                }
            }
            let mut decimals = 0u32;
            let mut frac = String::new();
            if i + 1 < n && chars[i].1 == '.' && chars[i + 1].1.is_ascii_digit() {
                i += 1;
                while i < n && chars[i].1.is_ascii_digit() {
                    frac.push(chars[i].1);
                    i += 1;
                }
                decimals = frac.len() as u32;
            }
            let mut truncated = false;
            if i + 2 < n && chars[i].1 == '.' && chars[i + 1].1 == '.' && chars[i + 2].1 == '.' {
                truncated = true;
                i += 3;
            } else if i < n && chars[i].1 == '…' {
                truncated = true;
                i += 1;
            }
            let value = parse_decimal(&digits, &frac);
            let range = TextRange::new(chars[start].0, end_of(i));
            match value {
                Some(value) => out.push(Token {
                    tok: Tok::Num(NumLit {
                        value,
                        decimals,
                        approx: pending_approx,
                        truncated,
                        style,
                    }),
                    range,
                    class: chars[start].2,
                }),
                None => out.push(Token {
                    tok: Tok::Word,
                    range,
                    class: chars[start].2,
                }),
            }
            pending_approx = false;
            // `2x1024`: an `x` glued between digits multiplies.
            if i + 1 < n && chars[i].1 == 'x' && chars[i + 1].1.is_ascii_digit() {
                out.push(Token {
                    tok: Tok::Op('*'),
                    range: TextRange::new(chars[i].0, end_of(i + 1)),
                    class: chars[i].2,
                });
                i += 1;
            }
            continue;
        }
        if is_ident_start(c) {
            let start = i;
            let mut s = [0u8; Name::CAP + 1];
            let mut len = 0usize;
            while i < n && is_ident_char(chars[i].1) && chars[i].2 == class {
                if len < s.len() {
                    s[len] = chars[i].1 as u8;
                }
                len += 1;
                i += 1;
            }
            let s = if len <= Name::CAP {
                std::str::from_utf8(&s[..len]).unwrap_or("")
            } else {
                "\u{0}too long"
            };
            // A word glued to non-ASCII letters (`QKᵀ`) is prose, not a name.
            if i < n && chars[i].1.is_alphabetic() && !chars[i].1.is_ascii() {
                while i < n && (chars[i].1.is_alphanumeric() || chars[i].1 == '_') {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Word,
                    range: TextRange::new(chars[start].0, end_of(i)),
                    class,
                });
            } else {
                out.push(Token {
                    tok: Name::new(&s).map(Tok::Ident).unwrap_or(Tok::Word),
                    range: TextRange::new(chars[start].0, end_of(i)),
                    class,
                });
            }
            pending_approx = false;
            continue;
        }
        let single = |tok: Tok| Token {
            tok,
            range: TextRange::new(off, off + c.len_utf8()),
            class,
        };
        match c {
            '~' | '≈' => {
                let prev_operand = out.last().is_some_and(|t| t.is_operand_end());
                let k = next_sig(i + 1);
                let next_num = k < n && (chars[k].1.is_ascii_digit() || chars[k].1 == '.');
                // `a ≈ b` compares; `~W` and `≈2.2` qualify what follows.
                let spaced = i + 1 < n && (chars[i + 1].1.is_whitespace() || chars[i + 1].2 == Class::Markup);
                if prev_operand && spaced && k < n {
                    out.push(single(Tok::Eq { approx: true }));
                    pending_approx = next_num;
                } else if next_num {
                    pending_approx = true;
                } else {
                    out.push(single(Tok::Word));
                }
                i += 1;
                continue;
            }
            'µ' | 'μ' if i + 1 < n && chars[i + 1].1 == 's' => {
                out.push(Token {
                    tok: Name::new("µs").map(Tok::Ident).unwrap_or(Tok::Word),
                    range: TextRange::new(off, end_of(i + 2)),
                    class,
                });
                i += 2;
                continue;
            }
            '-' if i + 1 < n && chars[i + 1].1 == '>' => {
                out.push(Token {
                    tok: Tok::Arrow,
                    range: TextRange::new(off, end_of(i + 2)),
                    class,
                });
                i += 2;
                continue;
            }
            '=' => {
                let prev = if i > 0 { chars[i - 1].1 } else { ' ' };
                let next = if i + 1 < n { chars[i + 1].1 } else { ' ' };
                if matches!(prev, '<' | '>' | '!' | '=') || next == '=' || next == '>' {
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
        i += 1;
    }
    out
}

fn parse_decimal(int_digits: &str, frac: &str) -> Option<Rational> {
    if int_digits.len() + frac.len() > 36 {
        return None;
    }
    let mut all = String::with_capacity(int_digits.len() + frac.len());
    all.push_str(int_digits);
    all.push_str(frac);
    let v: i128 = if all.is_empty() { 0 } else { all.parse().ok()? };
    let den = 10i128.checked_pow(frac.len() as u32)?;
    Rational::new(v, den)
}

/// Tags every character of `s` as code, starting at byte offset `base`.
pub fn code_chars(s: &str, base: usize) -> Vec<LineChar> {
    s.char_indices()
        .map(|(i, c)| (base + i, c, Class::Code))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<String> {
        lex(&code_chars(s, 0))
            .into_iter()
            .map(|t| match t.tok {
                Tok::Num(n) => format!(
                    "N{}{}{}",
                    n.value.to_decimal_string(9),
                    if n.approx { "~" } else { "" },
                    if n.truncated { "..." } else { "" }
                ),
                Tok::Ident(s) => format!("I{}", s.as_str()),
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
        assert_eq!(kinds("max(0.137, 0.178)"), ["Imax", "(", "N0.137", ",", "N0.178", ")"]);
        assert_eq!(kinds("≈ 2.199..."), ["N2.199~..."]);
        assert_eq!(kinds("0.1 ≈ 0.10"), ["N0.1", "≈", "N0.1~"]);
        assert_eq!(kinds("2x1024 × 3 · 4 − 1"), ["N2", "*", "N1024", "*", "N3", "*", "N4", "-", "N1"]);
    }

    #[test]
    fn prose_and_arrows() {
        assert_eq!(kinds("QKᵀ → 4 B"), ["W", "→", "N4", "IB"]);
        assert_eq!(kinds("a -> b <= c"), ["Ia", "→", "Ib", "W", "W", "Ic"]);
        assert_eq!(kinds("1.0 µs"), ["N1", "Iµs"]);
    }
}
