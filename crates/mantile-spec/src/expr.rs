//! Arithmetic expressions over tokens: `2 * M * d * d`, `(a + b) / 4`, `10^12`,
//! `max(0.137, 0.178)`, `softmax_stat_bytes(4)`, `2,048 elems`.

use crate::lex::{Tok, Token, lex_code};
use crate::num::{Interval, Rational};

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A number literal: index of its token.
    Num(usize),
    /// A name: index of its token.
    Var(usize),
    Neg(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
    /// A call: index of the name token, arguments.
    Call(usize, Vec<Expr>),
    /// A value followed by a unit word: index of the unit token.
    Unit(Box<Expr>, usize),
}

/// What a unit word does to the number before it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnitKind {
    /// A label only (`elems`, `bytes`, `ms`, `FLOPs`).
    Same,
    /// An exact power of ten (`TFLOPs`, `GFLOPs`).
    Pow10(i32),
    /// A byte multiple whose base (1000 or 1024) the text leaves open (`MB`).
    Bytes(u32),
    /// A binary byte multiple (`MiB`).
    BinBytes(u32),
    /// A time unit other than the default milliseconds.
    Time,
}

pub fn unit_kind(word: &str) -> Option<UnitKind> {
    Some(match word {
        "elems" | "elem" | "elements" | "element" | "bytes" | "byte" | "B" | "tokens" | "token"
        | "scalars" | "scalar" | "ms" | "FLOPs" | "FLOPS" | "flops" | "FLOP" => UnitKind::Same,
        "KFLOPs" | "KFLOPS" => UnitKind::Pow10(3),
        "MFLOPs" | "MFLOPS" | "MFLOP" => UnitKind::Pow10(6),
        "GFLOPs" | "GFLOPS" | "GFLOP" => UnitKind::Pow10(9),
        "TFLOPs" | "TFLOPS" | "TFLOP" => UnitKind::Pow10(12),
        "PFLOPs" | "PFLOPS" | "PFLOP" => UnitKind::Pow10(15),
        "KB" | "kB" => UnitKind::Bytes(1),
        "MB" => UnitKind::Bytes(2),
        "GB" => UnitKind::Bytes(3),
        "TB" => UnitKind::Bytes(4),
        "KiB" => UnitKind::BinBytes(1),
        "MiB" => UnitKind::BinBytes(2),
        "GiB" => UnitKind::BinBytes(3),
        "TiB" => UnitKind::BinBytes(4),
        "µs" | "μs" | "us" | "ns" | "nanoseconds" | "microseconds" | "s" | "seconds" => {
            UnitKind::Time
        }
        _ => return None,
    })
}

struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    depth: u32,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.pos + k).map(|t| &t.tok)
    }

    fn expr(&mut self) -> Option<Expr> {
        if self.depth > 64 {
            return None;
        }
        self.depth += 1;
        let r = self.additive();
        self.depth -= 1;
        r
    }

    fn additive(&mut self) -> Option<Expr> {
        let mut lhs = self.term()?;
        while let Some(Tok::Op(op @ ('+' | '-'))) = self.peek() {
            let op = *op;
            let save = self.pos;
            self.pos += 1;
            match self.term() {
                Some(rhs) => lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs)),
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        Some(lhs)
    }

    fn term(&mut self) -> Option<Expr> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(c @ ('*' | '/'))) => *c,
                // `2 x 1024`: a lone `x` between two values multiplies.
                Some(Tok::Ident(s))
                    if s == "x" && matches!(self.peek_at(1), Some(Tok::Num(_) | Tok::LParen)) =>
                {
                    '*'
                }
                _ => break,
            };
            let save = self.pos;
            self.pos += 1;
            match self.unary() {
                Some(rhs) => lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs)),
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        Some(lhs)
    }

    fn unary(&mut self) -> Option<Expr> {
        if let Some(Tok::Op('-')) = self.peek() {
            let save = self.pos;
            self.pos += 1;
            if self.depth > 64 {
                return None;
            }
            self.depth += 1;
            let r = self.unary();
            self.depth -= 1;
            match r {
                Some(e) => return Some(Expr::Neg(Box::new(e))),
                None => {
                    self.pos = save;
                    return None;
                }
            }
        }
        self.power()
    }

    fn power(&mut self) -> Option<Expr> {
        let base = self.postfix()?;
        if let Some(Tok::Op('^')) = self.peek() {
            let save = self.pos;
            self.pos += 1;
            if self.depth > 64 {
                return None;
            }
            self.depth += 1;
            let r = self.unary();
            self.depth -= 1;
            match r {
                Some(e) => return Some(Expr::Bin('^', Box::new(base), Box::new(e))),
                None => self.pos = save,
            }
        }
        Some(base)
    }

    fn postfix(&mut self) -> Option<Expr> {
        let mut e = self.primary()?;
        while let Some(Tok::Ident(w)) = self.peek() {
            // `B` after a name is the name's symbol, not bytes.
            if unit_kind(w).is_none() || (w == "B" && !matches!(e, Expr::Num(_))) {
                break;
            }
            // `2 bytes * 3` is fine; `M*d*bytes` never reaches here (operand).
            e = Expr::Unit(Box::new(e), self.pos);
            self.pos += 1;
            // `FLOPs/byte`, `GB/s`: a compound unit is still a label.
            if let (Some(Tok::Op('/')), Some(Tok::Ident(w2))) = (self.peek(), self.peek_at(1))
                && matches!(w2.as_str(), "byte" | "bytes" | "s" | "chip" | "token")
            {
                self.pos += 2;
            }
        }
        Some(e)
    }

    fn primary(&mut self) -> Option<Expr> {
        match self.peek()? {
            Tok::Num(_) => {
                self.pos += 1;
                Some(Expr::Num(self.pos - 1))
            }
            Tok::Ident(_) => {
                let name_pos = self.pos;
                self.pos += 1;
                if let Some(Tok::LParen) = self.peek() {
                    let save = self.pos;
                    self.pos += 1;
                    let mut args = Vec::new();
                    let ok = loop {
                        match self.expr() {
                            Some(a) => args.push(a),
                            None => break false,
                        }
                        match self.peek() {
                            Some(Tok::Comma) => self.pos += 1,
                            Some(Tok::RParen) => {
                                self.pos += 1;
                                break true;
                            }
                            _ => break false,
                        }
                    };
                    if ok {
                        return Some(Expr::Call(name_pos, args));
                    }
                    self.pos = save;
                }
                Some(Expr::Var(name_pos))
            }
            Tok::LParen => {
                let save = self.pos;
                self.pos += 1;
                if let Some(e) = self.expr()
                    && let Some(Tok::RParen) = self.peek()
                {
                    self.pos += 1;
                    return Some(e);
                }
                self.pos = save;
                None
            }
            _ => None,
        }
    }
}

/// Parses the longest expression at the start of `toks`; returns it and the
/// number of tokens it uses.
pub fn parse_prefix(toks: &[Token]) -> Option<(Expr, usize)> {
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let e = p.expr()?;
    Some((e, p.pos))
}

/// Parses `toks` as exactly one expression.
pub fn parse_exact(toks: &[Token]) -> Option<Expr> {
    let (e, used) = parse_prefix(toks)?;
    (used == toks.len()).then_some(e)
}

/// How literals are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiteralMode {
    /// `0.168` is exactly 0.168 (parameters, `eval_expr`).
    Exact,
    /// `0.168` is anything that rounds to it; `~1.1` and `2.19...` likewise.
    Stated,
}

/// The interval a literal stands for.
pub fn literal_interval(n: &crate::lex::NumLit, mode: LiteralMode) -> Option<Interval> {
    if mode == LiteralMode::Exact || !n.is_inexact() {
        return Some(Interval::exact(n.value));
    }
    let ulp = Rational::pow10(-(n.decimals as i32))?;
    let half = ulp.checked_div(Rational::int(2))?;
    if n.approx {
        // `≈ 0.000656`: approximately, within one unit of the last digit.
        return Some(Interval::new(
            n.value.checked_sub(ulp)?,
            n.value.checked_add(ulp)?,
        ));
    }
    if n.truncated {
        // `0.000168...` is written both for cut-off and for rounded digits.
        return Some(Interval::new(
            n.value.checked_sub(half)?,
            n.value.checked_add(ulp)?,
        ));
    }
    Some(Interval::new(
        n.value.checked_sub(half)?,
        n.value.checked_add(half)?,
    ))
}

/// Evaluates `e`; `lookup` resolves names (and may record that it was asked).
pub fn eval(
    e: &Expr,
    toks: &[Token],
    mode: LiteralMode,
    lookup: &mut dyn FnMut(&str, usize) -> Option<Interval>,
) -> Option<Interval> {
    match e {
        Expr::Num(i) => match &toks.get(*i)?.tok {
            Tok::Num(n) => literal_interval(n, mode),
            _ => None,
        },
        Expr::Var(i) => match &toks.get(*i)?.tok {
            Tok::Ident(name) => lookup(name, *i),
            _ => None,
        },
        Expr::Neg(a) => eval(a, toks, mode, lookup)?.neg(),
        Expr::Bin(op, a, b) => {
            let x = eval(a, toks, mode, lookup)?;
            let y = eval(b, toks, mode, lookup)?;
            match op {
                '+' => x.add(&y),
                '-' => x.sub(&y),
                '*' => x.mul(&y),
                '/' => x.div(&y),
                '^' => x.pow(&y),
                _ => None,
            }
        }
        Expr::Call(i, args) => {
            let Tok::Ident(name) = &toks.get(*i)?.tok else {
                return None;
            };
            match name.as_str() {
                "max" | "min" if !args.is_empty() => {
                    let mut acc = eval(&args[0], toks, mode, lookup)?;
                    for a in &args[1..] {
                        let v = eval(a, toks, mode, lookup)?;
                        acc = if name == "max" {
                            acc.max(&v)
                        } else {
                            acc.min(&v)
                        };
                    }
                    Some(acc)
                }
                "ceil" | "floor" if args.len() == 1 => {
                    let v = eval(&args[0], toks, mode, lookup)?.exact_value()?;
                    let q = v.numer().div_euclid(v.denom());
                    let r = if name == "floor" || v.is_integer() {
                        q
                    } else {
                        q + 1
                    };
                    Some(Interval::exact(Rational::int(r)))
                }
                // `softmax_stat_bytes(4)`: a name annotated with its value.
                _ if args.len() == 1 && matches!(args[0], Expr::Num(_)) => {
                    eval(&args[0], toks, mode, lookup)
                }
                _ => None,
            }
        }
        Expr::Unit(a, u) => {
            let v = eval(a, toks, mode, lookup)?;
            let Tok::Ident(w) = &toks.get(*u)?.tok else {
                return None;
            };
            match unit_kind(w)? {
                UnitKind::Same => Some(v),
                UnitKind::Pow10(p) => v.mul(&Interval::exact(Rational::pow10(p)?)),
                UnitKind::BinBytes(p) => v.mul(&Interval::exact(
                    Rational::int(1024).checked_pow(p as i128)?,
                )),
                UnitKind::Bytes(_) | UnitKind::Time => None,
            }
        }
    }
}

/// True when the expression names no variable.
pub fn is_literal_only(e: &Expr) -> bool {
    match e {
        Expr::Num(_) => true,
        Expr::Var(_) => false,
        Expr::Neg(a) | Expr::Unit(a, _) => is_literal_only(a),
        Expr::Bin(_, a, b) => is_literal_only(a) && is_literal_only(b),
        Expr::Call(_, args) => args.iter().all(is_literal_only),
    }
}

/// The unit word at the end of the expression, if any.
pub fn unit_word(e: &Expr, toks: &[Token]) -> Option<String> {
    match e {
        Expr::Unit(_, u) => match &toks.get(*u)?.tok {
            Tok::Ident(w) => Some(w.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// True when some name the expression uses satisfies `pred`.
pub fn any_var(e: &Expr, toks: &[Token], pred: &dyn Fn(&str) -> bool) -> bool {
    match e {
        Expr::Num(_) => false,
        Expr::Var(i) => matches!(toks.get(*i).map(|t| &t.tok), Some(Tok::Ident(s)) if pred(s)),
        Expr::Neg(a) | Expr::Unit(a, _) => any_var(a, toks, pred),
        Expr::Bin(_, a, b) => any_var(a, toks, pred) || any_var(b, toks, pred),
        Expr::Call(_, args) => args.iter().any(|a| any_var(a, toks, pred)),
    }
}

/// True when the expression is one literal (possibly with a unit).
pub fn is_single_literal(e: &Expr) -> bool {
    match e {
        Expr::Num(_) => true,
        Expr::Unit(a, _) => is_single_literal(a),
        _ => false,
    }
}

/// The name, when the expression is a single variable (possibly with a unit).
pub fn single_var(e: &Expr) -> Option<usize> {
    match e {
        Expr::Var(i) => Some(*i),
        Expr::Unit(a, _) => single_var(a),
        _ => None,
    }
}

/// Token indices of every literal in the expression.
pub fn literals(e: &Expr, out: &mut Vec<usize>) {
    match e {
        Expr::Num(i) => out.push(*i),
        Expr::Var(_) => {}
        Expr::Neg(a) | Expr::Unit(a, _) => literals(a, out),
        Expr::Bin(_, a, b) => {
            literals(a, out);
            literals(b, out);
        }
        Expr::Call(_, args) => args.iter().for_each(|a| literals(a, out)),
    }
}

/// Evaluates an arithmetic expression such as `2 * 4 * 512 * 128 * 2`,
/// `(2,199,023,255,552 / 10^15) × 1000` or `max(3, 4) / 8`. Literals are exact;
/// names are not allowed. `None` for anything else (never panics).
pub fn eval_expr(src: &str) -> Option<Rational> {
    let toks = lex_code(src, 0);
    let e = parse_exact(&toks)?;
    eval(&e, &toks, LiteralMode::Exact, &mut |_, _| None)?.exact_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str) -> Option<String> {
        eval_expr(s).map(|r| r.to_decimal_string(9))
    }

    #[test]
    fn precedence_and_operators() {
        assert_eq!(ev("2 * 4 * 512 * 128 * 2").as_deref(), Some("1048576"));
        assert_eq!(ev("1 + 2 * 3 ^ 2").as_deref(), Some("19"));
        assert_eq!(ev("(1 + 2) × 3 · 2").as_deref(), Some("18"));
        assert_eq!(ev("2^3^2").as_deref(), Some("512"));
        assert_eq!(ev("-4 + 10 / 4").as_deref(), Some("-1.5"));
        assert_eq!(ev("2 x 3").as_deref(), Some("6"));
        assert_eq!(
            ev("(2,199,023,255,552 / 10^15) × 1000").as_deref(),
            Some("2.199023256")
        );
        assert_eq!(
            ev("max(0.137, 0.178) + min(1, 2)").as_deref(),
            Some("1.178")
        );
        assert_eq!(ev("2,048 * softmax_stat_bytes(4)").as_deref(), Some("8192"));
        assert_eq!(ev("1.5 TFLOPs").as_deref(), Some("1500000000000"));
        assert_eq!(ev("2 MiB").as_deref(), Some("2097152"));
    }

    #[test]
    fn rejects_what_it_cannot_evaluate() {
        assert_eq!(ev("2 * M"), None);
        assert_eq!(ev("1 / 0"), None);
        assert_eq!(ev("2 3"), None);
        assert_eq!(ev("(1 + 2"), None);
        assert_eq!(ev("4 MB"), None);
        assert_eq!(ev(""), None);
        assert_eq!(ev("10^40 * 10^40"), None);
    }
}
