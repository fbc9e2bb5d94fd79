//! Arithmetic expressions over tokens: `2 * M * d * d`, `(a + b) / 4`, `10^12`,
//! `max(0.137, 0.178)`, `softmax_stat_bytes(4)`, `2,048 elems`.
//!
//! Expression trees live in an [`Arena`] (one per document): a node is a
//! small `Copy` value and a tree is the index of its root, so the checker's
//! many trial parses allocate nothing and a failed one is rolled back.

use crate::lex::{Tok, Token, lex_code};
use crate::num::{Interval, Rational};
use smallvec::SmallVec;

/// The index of a node in its [`Arena`].
pub type ExprId = u32;

/// One node of an expression. Token indices are relative to the token slice
/// the expression was parsed from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Node {
    /// A number literal: index of its token.
    Num(u32),
    /// A name: index of its token.
    Var(u32),
    Neg(ExprId),
    Bin(char, ExprId, ExprId),
    /// A call: index of the name token, then its arguments as a range of
    /// [`Arena::args`] (start, count).
    Call(u32, u32, u32),
    /// A value followed by a unit word: index of the unit token.
    Unit(ExprId, u32),
}

/// Storage for the expressions of one document.
#[derive(Clone, Debug, Default)]
pub struct Arena {
    nodes: Vec<Node>,
    args: Vec<ExprId>,
}

/// A point to roll an [`Arena`] back to.
#[derive(Clone, Copy)]
struct Mark(usize, usize);

impl Arena {
    pub fn with_capacity(nodes: usize) -> Arena {
        Arena {
            nodes: Vec::with_capacity(nodes),
            args: Vec::new(),
        }
    }

    fn push(&mut self, n: Node) -> ExprId {
        self.nodes.push(n);
        (self.nodes.len() - 1) as ExprId
    }

    fn mark(&self) -> Mark {
        Mark(self.nodes.len(), self.args.len())
    }

    fn reset(&mut self, m: Mark) {
        self.nodes.truncate(m.0);
        self.args.truncate(m.1);
    }

    /// The node `id` (a literal of no token when `id` is not from this arena,
    /// which evaluates to nothing rather than panicking).
    pub fn node(&self, id: ExprId) -> Node {
        self.nodes
            .get(id as usize)
            .copied()
            .unwrap_or(Node::Num(u32::MAX))
    }

    /// The arguments of a call node.
    pub fn call_args(&self, start: u32, count: u32) -> &[ExprId] {
        let a = start as usize;
        self.args.get(a..a + count as usize).unwrap_or(&[])
    }

    /// A one-literal expression over token `tok`.
    pub fn literal(&mut self, tok: u32) -> ExprId {
        self.push(Node::Num(tok))
    }
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

struct Parser<'t, 'a> {
    toks: &'t [Token<'t>],
    pos: usize,
    /// The furthest token a primary was read at (the work done, even when
    /// a parse backs off).
    far: usize,
    depth: u32,
    arena: &'a mut Arena,
}

impl<'t> Parser<'t, '_> {
    fn peek(&self) -> Option<&'t Tok<'t>> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, k: usize) -> Option<&'t Tok<'t>> {
        self.toks.get(self.pos + k).map(|t| &t.tok)
    }

    fn expr(&mut self) -> Option<ExprId> {
        if self.depth > 64 {
            return None;
        }
        self.depth += 1;
        let r = self.additive();
        self.depth -= 1;
        r
    }

    // Each level returns, with its node, the token after it (`next`, as
    // `peek` gives it), so the levels above look at it without reading it
    // again.

    fn additive(&mut self) -> Option<ExprId> {
        let (mut lhs, mut next) = self.term()?;
        while let Some(Tok::Op(op @ ('+' | '-'))) = next {
            let save = self.pos;
            self.pos += 1;
            match self.term() {
                Some((rhs, n)) => {
                    lhs = self.arena.push(Node::Bin(*op, lhs, rhs));
                    next = n;
                }
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        Some(lhs)
    }

    #[inline(always)]
    fn term(&mut self) -> Option<(ExprId, Option<&'t Tok<'t>>)> {
        let (mut lhs, mut next) = self.unary()?;
        loop {
            let op = match next {
                Some(Tok::Op(c @ ('*' | '/'))) => *c,
                // `2 x 1024`: a lone `x` between two values multiplies.
                Some(Tok::Ident(s))
                    if *s == "x" && matches!(self.peek_at(1), Some(Tok::Num(_) | Tok::LParen)) =>
                {
                    '*'
                }
                _ => break,
            };
            let save = self.pos;
            self.pos += 1;
            match self.unary() {
                Some((rhs, n)) => {
                    lhs = self.arena.push(Node::Bin(op, lhs, rhs));
                    next = n;
                }
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        Some((lhs, next))
    }

    // The common operand (a number or a name, maybe with a unit) is parsed
    // by `unary` → `power` → `postfix` → `primary` inlined into `term`;
    // the rarer shapes that recurse (`-x`, `x^k`, `(…)`, calls) are out of
    // line.

    #[inline(always)]
    fn unary(&mut self) -> Option<(ExprId, Option<&'t Tok<'t>>)> {
        let at = self.peek();
        if let Some(Tok::Op('-')) = at {
            let e = self.negation()?;
            return Some((e, self.peek()));
        }
        self.power(at)
    }

    #[inline(never)]
    fn negation(&mut self) -> Option<ExprId> {
        let e = self.operand_after_op()??;
        Some(self.arena.push(Node::Neg(e)))
    }

    /// The operand after the operator at `pos` (`-x`, `^k`), one level
    /// deeper: `None` past the depth limit (which gives up the whole
    /// parse), `Some(None)` with `pos` back at the operator when no
    /// operand follows it.
    fn operand_after_op(&mut self) -> Option<Option<ExprId>> {
        let save = self.pos;
        self.pos += 1;
        if self.depth > 64 {
            return None;
        }
        self.depth += 1;
        let r = self.unary();
        self.depth -= 1;
        if r.is_none() {
            self.pos = save;
        }
        Some(r.map(|(e, _)| e))
    }

    /// The operand at `at` (the token at `pos`), with any power.
    #[inline(always)]
    fn power(&mut self, at: Option<&'t Tok<'t>>) -> Option<(ExprId, Option<&'t Tok<'t>>)> {
        let (base, next) = self.postfix(at)?;
        if let Some(Tok::Op('^')) = next {
            let e = self.exponent(base)?;
            return Some((e, self.peek()));
        }
        Some((base, next))
    }

    /// `base ^ …`, at the `^` (`base` alone when no operand follows it).
    #[inline(never)]
    fn exponent(&mut self, base: ExprId) -> Option<ExprId> {
        Some(match self.operand_after_op()? {
            Some(e) => self.arena.push(Node::Bin('^', base, e)),
            None => base,
        })
    }

    #[inline(always)]
    fn postfix(&mut self, at: Option<&'t Tok<'t>>) -> Option<(ExprId, Option<&'t Tok<'t>>)> {
        let mut e = self.primary(at)?;
        let mut next = self.peek();
        while let Some(Tok::Ident(w)) = next {
            // `B` after a name is the name's symbol, not bytes.
            if unit_kind(w).is_none() || (*w == "B" && !matches!(self.arena.node(e), Node::Num(_)))
            {
                break;
            }
            // `2 bytes * 3` is fine; `M*d*bytes` never reaches here (operand).
            e = self.arena.push(Node::Unit(e, self.pos as u32));
            self.pos += 1;
            // `FLOPs/byte`, `GB/s`: a compound unit is still a label.
            if let (Some(Tok::Op('/')), Some(Tok::Ident(w2))) = (self.peek(), self.peek_at(1))
                && matches!(*w2, "byte" | "bytes" | "s" | "chip" | "token")
            {
                self.pos += 2;
            }
            next = self.peek();
        }
        Some((e, next))
    }

    /// The primary at `at` (the token at `pos`).
    #[inline(always)]
    fn primary(&mut self, at: Option<&'t Tok<'t>>) -> Option<ExprId> {
        self.far = self.far.max(self.pos);
        match at? {
            Tok::Num(_) => {
                self.pos += 1;
                Some(self.arena.push(Node::Num(self.pos as u32 - 1)))
            }
            Tok::Ident(name) => {
                let name = *name;
                let name_pos = self.pos as u32;
                self.pos += 1;
                // A unit word before a parenthesis restates the value in
                // another unit (`1000 TFLOPS (10^15 FLOPS)`): no call.
                if let Some(Tok::LParen) = self.peek()
                    && unit_kind(name).is_none()
                    && let Some(call) = self.call(name_pos)
                {
                    return Some(call);
                }
                Some(self.arena.push(Node::Var(name_pos)))
            }
            Tok::LParen => self.paren(),
            _ => None,
        }
    }

    /// The call of the name at `name_pos`, at the `(` after it (where it
    /// leaves `pos` when there is none).
    #[inline(never)]
    fn call(&mut self, name_pos: u32) -> Option<ExprId> {
        let save = self.pos;
        self.pos += 1;
        let mut args: Vec<ExprId> = Vec::new();
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
            let start = self.arena.args.len() as u32;
            let count = args.len() as u32;
            self.arena.args.extend(args);
            return Some(self.arena.push(Node::Call(name_pos, start, count)));
        }
        self.pos = save;
        None
    }

    /// `( … )`, at the `(`.
    #[inline(never)]
    fn paren(&mut self) -> Option<ExprId> {
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
}

/// Parses the longest expression at the start of `toks`; returns it and the
/// number of tokens it uses. Nothing is left in the arena when it fails.
pub fn parse_prefix(arena: &mut Arena, toks: &[Token]) -> Option<(ExprId, usize)> {
    parse_prefix_far(arena, toks).0
}

/// [`parse_prefix`], and how far into `toks` the parser read.
fn parse_prefix_far(arena: &mut Arena, toks: &[Token]) -> (Option<(ExprId, usize)>, usize) {
    let mark = arena.mark();
    let mut p = Parser {
        toks,
        pos: 0,
        far: 0,
        depth: 0,
        arena,
    };
    match p.expr() {
        Some(e) => (Some((e, p.pos)), p.far.max(p.pos)),
        None => {
            let far = p.far;
            arena.reset(mark);
            (None, far)
        }
    }
}

/// Parses `toks` as exactly one expression. Nothing is left in the arena
/// when it fails.
pub fn parse_exact(arena: &mut Arena, toks: &[Token]) -> Option<ExprId> {
    let mark = arena.mark();
    let (e, used) = parse_prefix(arena, toks)?;
    if used == toks.len() {
        Some(e)
    } else {
        arena.reset(mark);
        None
    }
}

/// Why [`parse_whole`] failed: how many tokens the longest expression at
/// the start uses (0 when none), and how many the parser read to find out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop {
    pub used: usize,
    pub read: usize,
}

/// Parses `toks` as exactly one expression, or says where it stopped.
/// Nothing is left in the arena when it fails.
pub fn parse_whole(arena: &mut Arena, toks: &[Token]) -> Result<ExprId, Stop> {
    let mark = arena.mark();
    match parse_prefix_far(arena, toks) {
        (Some((e, used)), _) if used == toks.len() => Ok(e),
        (Some((_, used)), far) => {
            arena.reset(mark);
            Err(Stop {
                used,
                read: far + 1,
            })
        }
        (None, far) => Err(Stop {
            used: 0,
            read: far + 1,
        }),
    }
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
    // (An integer as written, most literals: `value` takes no power of ten.)
    if mode == LiteralMode::Exact || !n.is_inexact() {
        return Some(Interval::exact(n.value()));
    }
    let ulp = Rational::pow10(-(n.decimals as i32))?;
    let half = ulp.checked_div(Rational::int(2))?;
    if n.approx {
        // `≈ 0.000656`: approximately, within one unit of the last digit.
        return Some(Interval::new(
            n.value().checked_sub(ulp)?,
            n.value().checked_add(ulp)?,
        ));
    }
    if n.truncated {
        // `0.000168...` is written both for cut-off and for rounded digits.
        return Some(Interval::new(
            n.value().checked_sub(half)?,
            n.value().checked_add(ulp)?,
        ));
    }
    Some(Interval::new(
        n.value().checked_sub(half)?,
        n.value().checked_add(half)?,
    ))
}

fn tok<'t>(toks: &'t [Token<'t>], i: u32) -> Option<&'t Tok<'t>> {
    toks.get(i as usize).map(|t| &t.tok)
}

/// One step of the iterative evaluation: look at a node, or combine the
/// values of its children (already on the value stack).
#[derive(Clone, Copy)]
enum Step {
    Visit(ExprId),
    Apply(ExprId),
}

/// How deep [`eval`] recurses before it goes on with an explicit stack.
const EVAL_RECURSION: u32 = 96;

/// Evaluates `e`; `lookup` resolves names (and may record that it was asked).
///
/// In bounded native stack whatever the depth: the usual shallow trees are
/// evaluated recursively (the fastest way), and a subtree below
/// [`EVAL_RECURSION`] levels (a 100,000-term sum is a tree that deep) with
/// an explicit stack. Either way children are evaluated left to right and
/// the first value that cannot be computed stops the evaluation, so
/// `lookup` is asked for the same names in the same order.
pub fn eval(
    arena: &Arena,
    e: ExprId,
    toks: &[Token],
    mode: LiteralMode,
    lookup: &mut dyn FnMut(&str, usize) -> Option<Interval>,
) -> Option<Interval> {
    eval_rec(arena, e, toks, mode, lookup, 0).map(Val::interval)
}

/// A value during [`eval_rec`]: most spec arithmetic is on integers that
/// fit in an `i64` (`2 * 256 * 1024 * 1024`), computed as such; anything
/// else (a fraction, a range, a larger integer) as an [`Interval`]. Every
/// operation gives the value the [`Interval`] one would.
#[derive(Clone, Copy)]
enum Val {
    Int(i64),
    Iv(Interval),
}

impl Val {
    fn of(v: Interval) -> Val {
        match v.small_int() {
            Some(i) => Val::Int(i),
            None => Val::Iv(v),
        }
    }

    /// An exact integer (the result of an operation on two `i64`, which
    /// always fits in an `i128`).
    fn wide(v: i128) -> Val {
        match i64::try_from(v) {
            Ok(i) => Val::Int(i),
            Err(_) => Val::Iv(Interval::int_exact(v)),
        }
    }

    fn interval(self) -> Interval {
        match self {
            Val::Int(i) => Interval::int_exact(i128::from(i)),
            Val::Iv(v) => v,
        }
    }
}

/// `x op y`, on integers when both are.
#[inline]
fn bin_val(op: char, x: Val, y: Val) -> Option<Val> {
    if let (Val::Int(a), Val::Int(b)) = (x, y) {
        let (wa, wb) = (i128::from(a), i128::from(b));
        match op {
            '+' => return Some(Val::wide(wa + wb)),
            '-' => return Some(Val::wide(wa - wb)),
            '*' => return Some(Val::wide(wa * wb)),
            // (A remainder first: `i64::MIN / -1` does not fit.)
            '/' if b != 0 && b != -1 && a % b == 0 => return Some(Val::Int(a / b)),
            _ => {}
        }
    }
    bin_value(op, x.interval(), y.interval()).map(Val::of)
}

fn eval_rec(
    arena: &Arena,
    e: ExprId,
    toks: &[Token],
    mode: LiteralMode,
    lookup: &mut dyn FnMut(&str, usize) -> Option<Interval>,
    depth: u32,
) -> Option<Val> {
    if depth > EVAL_RECURSION {
        return eval_iter(arena, e, toks, mode, lookup).map(Val::of);
    }
    // A literal or name operand is read here rather than in a call of its
    // own.
    let ev =
        |e: ExprId, lookup: &mut dyn FnMut(&str, usize) -> Option<Interval>| match arena.node(e) {
            Node::Num(i) => num_val(toks, i, mode),
            Node::Var(i) => var_val(toks, i, lookup),
            _ => eval_rec(arena, e, toks, mode, lookup, depth + 1),
        };
    match arena.node(e) {
        Node::Num(i) => num_val(toks, i, mode),
        Node::Var(i) => var_val(toks, i, lookup),
        Node::Neg(a) => match ev(a, lookup)? {
            Val::Int(v) => Some(Val::wide(-i128::from(v))),
            Val::Iv(v) => v.neg().map(Val::of),
        },
        Node::Bin(op, a, b) => {
            let x = ev(a, lookup)?;
            let y = ev(b, lookup)?;
            bin_val(op, x, y)
        }
        Node::Call(i, start, count) => {
            eval_call(arena, (i, start, count), toks, mode, lookup, depth)
        }
        Node::Unit(a, u) => {
            let v = ev(a, lookup)?;
            match unit_word_kind(toks, u)? {
                UnitKind::Same => Some(v),
                _ => unit_value(v.interval(), toks, u).map(Val::of),
            }
        }
    }
}

/// The value of the name at token `i`. (This and [`num_val`] are out of
/// line: inlined, they weigh on every frame of [`eval_rec`].)
#[inline(never)]
fn var_val(
    toks: &[Token],
    i: u32,
    lookup: &mut dyn FnMut(&str, usize) -> Option<Interval>,
) -> Option<Val> {
    match tok(toks, i)? {
        Tok::Ident(name) => lookup(name, i as usize).map(Val::of),
        _ => None,
    }
}

/// The value of the literal at token `i`.
#[inline(never)]
fn num_val(toks: &[Token], i: u32, mode: LiteralMode) -> Option<Val> {
    match tok(toks, i)? {
        // An integer as written: the same value as `literal_interval`'s.
        Tok::Num(n) if !n.is_inexact() => {
            let m = n.digit_value() as i128;
            Some(match i64::try_from(m) {
                Ok(v) => Val::Int(v),
                Err(_) => Val::Iv(Interval::exact(
                    Rational::new(m, 1).unwrap_or(Rational::ZERO),
                )),
            })
        }
        Tok::Num(n) => literal_interval(n, mode).map(Val::of),
        _ => None,
    }
}

/// The value of a call node (name token, first argument, count), at `depth`.
/// (Apart: its argument buffer would weigh on every other node's frame.)
#[inline(never)]
fn eval_call(
    arena: &Arena,
    (i, start, count): (u32, u32, u32),
    toks: &[Token],
    mode: LiteralMode,
    lookup: &mut dyn FnMut(&str, usize) -> Option<Interval>,
    depth: u32,
) -> Option<Val> {
    let Tok::Ident(name) = tok(toks, i)? else {
        return None;
    };
    let args = arena.call_args(start, count);
    if !call_known(arena, name, args) {
        return None;
    }
    let mut vals: SmallVec<[Interval; 4]> = SmallVec::new();
    for &a in args {
        vals.push(eval_rec(arena, a, toks, mode, lookup, depth + 1)?.interval());
    }
    call_value(name, &vals).map(Val::of)
}

/// The kind of the unit word at token `u`.
#[inline]
fn unit_word_kind(toks: &[Token], u: u32) -> Option<UnitKind> {
    match tok(toks, u)? {
        Tok::Ident(w) => unit_kind(w),
        _ => None,
    }
}

#[inline]
fn bin_value(op: char, x: Interval, y: Interval) -> Option<Interval> {
    match op {
        '+' => x.add(&y),
        '-' => x.sub(&y),
        '*' => x.mul(&y),
        '/' => x.div(&y),
        '^' => x.pow(&y),
        _ => None,
    }
}

/// Whether a call has a value (see [`call_value`]); the others are not
/// evaluated at all.
#[inline]
fn call_known(arena: &Arena, name: &str, args: &[ExprId]) -> bool {
    (match name {
        "max" | "min" => !args.is_empty(),
        "ceil" | "floor" => args.len() == 1,
        _ => false,
    }) || (args.len() == 1 && matches!(arena.node(args[0]), Node::Num(_)))
}

/// `v` followed by the unit word at token `u`.
#[inline]
fn unit_value(v: Interval, toks: &[Token], u: u32) -> Option<Interval> {
    let Tok::Ident(w) = tok(toks, u)? else {
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

/// [`eval`] with an explicit stack. (Not inlined: its stacks would weigh
/// on every frame of [`eval_rec`], which calls it only past its depth.)
#[inline(never)]
fn eval_iter(
    arena: &Arena,
    e: ExprId,
    toks: &[Token],
    mode: LiteralMode,
    lookup: &mut dyn FnMut(&str, usize) -> Option<Interval>,
) -> Option<Interval> {
    let mut todo: SmallVec<[Step; 16]> = SmallVec::new();
    let mut vals: SmallVec<[Interval; 8]> = SmallVec::new();
    todo.push(Step::Visit(e));
    while let Some(step) = todo.pop() {
        match step {
            Step::Visit(id) => match arena.node(id) {
                Node::Num(i) => match tok(toks, i)? {
                    Tok::Num(n) => vals.push(literal_interval(n, mode)?),
                    _ => return None,
                },
                Node::Var(i) => match tok(toks, i)? {
                    Tok::Ident(name) => vals.push(lookup(name, i as usize)?),
                    _ => return None,
                },
                Node::Neg(a) | Node::Unit(a, _) => {
                    todo.push(Step::Apply(id));
                    todo.push(Step::Visit(a));
                }
                Node::Bin(_, a, b) => {
                    todo.push(Step::Apply(id));
                    todo.push(Step::Visit(b));
                    todo.push(Step::Visit(a));
                }
                Node::Call(i, start, count) => {
                    let Tok::Ident(name) = tok(toks, i)? else {
                        return None;
                    };
                    let args = arena.call_args(start, count);
                    if !call_known(arena, name, args) {
                        return None;
                    }
                    todo.push(Step::Apply(id));
                    todo.extend(args.iter().rev().map(|&a| Step::Visit(a)));
                }
            },
            Step::Apply(id) => {
                let v = match arena.node(id) {
                    Node::Neg(_) => vals.pop()?.neg()?,
                    Node::Bin(op, _, _) => {
                        let y = vals.pop()?;
                        let x = vals.pop()?;
                        bin_value(op, x, y)?
                    }
                    Node::Call(i, _, count) => {
                        let Tok::Ident(name) = tok(toks, i)? else {
                            return None;
                        };
                        let at = vals.len().checked_sub(count as usize)?;
                        let v = call_value(name, &vals[at..])?;
                        vals.truncate(at);
                        v
                    }
                    Node::Unit(_, u) => unit_value(vals.pop()?, toks, u)?,
                    Node::Num(_) | Node::Var(_) => return None,
                };
                vals.push(v);
            }
        }
    }
    vals.pop()
}

/// The value of a call whose arguments evaluate to `args`.
fn call_value(name: &str, args: &[Interval]) -> Option<Interval> {
    match name {
        "max" | "min" if !args.is_empty() => {
            let mut acc = args[0];
            for v in &args[1..] {
                acc = if name == "max" {
                    acc.max(v)
                } else {
                    acc.min(v)
                };
            }
            Some(acc)
        }
        "ceil" | "floor" if args.len() == 1 => {
            let v = args[0].exact_value()?;
            let q = v.numer().div_euclid(v.denom());
            let r = if name == "floor" || v.is_integer() {
                q
            } else {
                q + 1
            };
            Some(Interval::exact(Rational::int(r)))
        }
        // `softmax_stat_bytes(4)`: a name annotated with its value.
        _ if args.len() == 1 => Some(args[0]),
        _ => None,
    }
}

impl Arena {
    /// Calls `f` with every node of the expression `e`, parents before
    /// children, children left to right, until `f` returns `false`.
    /// Iterative: constant native stack whatever the depth.
    /// (Generic: the checker's predicates are inlined into the walk.)
    fn visit<F: FnMut(Node) -> bool + ?Sized>(&self, e: ExprId, f: &mut F) {
        // The walk goes down the first child directly and stacks only the
        // others: a literal or a chain of units stacks nothing.
        let mut todo: SmallVec<[ExprId; 16]> = SmallVec::new();
        let mut id = e;
        loop {
            let n = self.node(id);
            if !f(n) {
                return;
            }
            id = match n {
                Node::Neg(a) | Node::Unit(a, _) => a,
                Node::Bin(_, a, b) => {
                    todo.push(b);
                    a
                }
                Node::Call(_, s, c) => match self.call_args(s, c).split_first() {
                    Some((&first, rest)) => {
                        todo.extend(rest.iter().rev().copied());
                        first
                    }
                    None => match todo.pop() {
                        Some(next) => next,
                        None => return,
                    },
                },
                Node::Num(_) | Node::Var(_) => match todo.pop() {
                    Some(next) => next,
                    None => return,
                },
            };
        }
    }

    /// [`Arena::visit`], for the checker.
    pub fn visit_pub(&self, e: ExprId, f: &mut dyn FnMut(Node) -> bool) {
        self.visit(e, f)
    }

    /// The node under any units: `2 bytes`, `x elems elems` → `2`, `x`.
    fn strip_units(&self, mut e: ExprId) -> Node {
        loop {
            match self.node(e) {
                Node::Unit(a, _) => e = a,
                n => return n,
            }
        }
    }

    /// True when the expression names no variable.
    pub fn is_literal_only(&self, e: ExprId) -> bool {
        let mut only = true;
        self.visit(e, &mut |n| {
            only &= !matches!(n, Node::Var(_));
            only
        });
        only
    }

    /// The unit word at the end of the expression, if any.
    pub fn unit_word<'t>(&self, e: ExprId, toks: &'t [Token]) -> Option<&'t str> {
        match self.node(e) {
            Node::Unit(_, u) => match tok(toks, u)? {
                Tok::Ident(w) => Some(*w),
                _ => None,
            },
            _ => None,
        }
    }

    /// True when some name the expression uses satisfies `pred`.
    pub fn any_var(&self, e: ExprId, toks: &[Token], pred: &dyn Fn(&str) -> bool) -> bool {
        let mut found = false;
        self.visit(e, &mut |n| {
            found |=
                matches!(n, Node::Var(i) if matches!(tok(toks, i), Some(Tok::Ident(s)) if pred(s)));
            !found
        });
        found
    }

    /// True when the expression is one literal (possibly with a unit).
    pub fn is_single_literal(&self, e: ExprId) -> bool {
        matches!(self.strip_units(e), Node::Num(_))
    }

    /// The name's token, when the expression is a single variable (possibly
    /// with a unit).
    pub fn single_var(&self, e: ExprId) -> Option<usize> {
        match self.strip_units(e) {
            Node::Var(i) => Some(i as usize),
            _ => None,
        }
    }

    /// Calls `f` with the token index of every literal in the expression,
    /// left to right.
    pub fn literals(&self, e: ExprId, f: &mut dyn FnMut(usize)) {
        self.visit(e, &mut |n| {
            if let Node::Num(i) = n {
                f(i as usize);
            }
            true
        });
    }
}

/// Walks two expressions in step while they have the same form (the same
/// operator, call or unit at each node), and lists, left to right, the
/// pairs of subtrees where they part: two leaves (`d` and `1024`), a leaf
/// and a subtree (`peak` and `1000 × 10^12`), or two different operators.
/// Labels (`elems`, `bytes`) are looked through. `false` when there would
/// be more than `limit` pairs (`out` then holds the first ones), else how
/// many operators the two have in common.
///
/// `2 * M * d = 2 * 256 * 1024` pairs `2`–`2`, `M`–`256`, `d`–`1024`: how
/// a calculation substitutes numbers into a formula.
pub fn align(
    arena: &Arena,
    (a, ta): (ExprId, &[Token]),
    (b, tb): (ExprId, &[Token]),
    limit: usize,
    out: &mut SmallVec<[(ExprId, ExprId); 8]>,
) -> Option<u32> {
    fn ident<'t>(toks: &'t [Token<'t>], i: u32) -> Option<&'t str> {
        match tok(toks, i) {
            Some(Tok::Ident(s)) => Some(*s),
            _ => None,
        }
    }
    // Through label units only: `2 TFLOPs` is not `2`.
    let bare = |mut e: ExprId, toks: &[Token]| loop {
        match arena.node(e) {
            Node::Unit(x, u) if ident(toks, u).and_then(unit_kind) == Some(UnitKind::Same) => e = x,
            _ => return e,
        }
    };
    let mut todo: SmallVec<[(ExprId, ExprId); 16]> = SmallVec::new();
    let mut common = 0;
    todo.push((a, b));
    while let Some((x, y)) = todo.pop() {
        let (x, y) = (bare(x, ta), bare(y, tb));
        match (arena.node(x), arena.node(y)) {
            (Node::Bin(o1, x1, x2), Node::Bin(o2, y1, y2)) if o1 == o2 => {
                common += 1;
                todo.push((x2, y2));
                todo.push((x1, y1));
            }
            (Node::Neg(x1), Node::Neg(y1)) => todo.push((x1, y1)),
            (Node::Unit(x1, u), Node::Unit(y1, v)) if ident(ta, u) == ident(tb, v) => {
                todo.push((x1, y1))
            }
            (Node::Call(f, s1, c1), Node::Call(g, s2, c2))
                if c1 == c2 && ident(ta, f).is_some() && ident(ta, f) == ident(tb, g) =>
            {
                let (xs, ys) = (arena.call_args(s1, c1), arena.call_args(s2, c2));
                for (&xa, &ya) in xs.iter().zip(ys).rev() {
                    todo.push((xa, ya));
                }
            }
            _ => {
                if out.len() >= limit {
                    return None;
                }
                out.push((x, y));
            }
        }
        if todo.len() > 4 * limit + 16 {
            return None;
        }
    }
    Some(common)
}

/// Every product of a name and a power (`peak_tflops × 10^12`,
/// `2^30 * mem_gb`) in `e`: the name's token and the power's base and
/// exponent tokens.
pub fn scaled_names(arena: &Arena, e: ExprId, f: &mut dyn FnMut(u32, u32, u32)) {
    arena.visit(e, &mut |n| {
        if let Node::Bin('*', x, y) = n {
            for (v, p) in [(x, y), (y, x)] {
                if let (Node::Var(name), Node::Bin('^', b, k)) = (arena.node(v), arena.node(p))
                    && let (Node::Num(b), Node::Num(k)) = (arena.node(b), arena.node(k))
                {
                    f(name, b, k);
                }
            }
        }
        true
    });
}

/// Calls `f` with the name of every variable of `e` (calls' names aside).
pub fn var_names<'t>(arena: &Arena, e: ExprId, toks: &'t [Token<'t>], f: &mut dyn FnMut(&'t str)) {
    arena.visit(e, &mut |n| {
        if let Node::Var(i) = n
            && let Some(Tok::Ident(s)) = tok(toks, i)
        {
            f(s);
        }
        true
    });
}

/// The first and last token of an expression (`None` for a node of no
/// token).
pub fn token_span(arena: &Arena, e: ExprId) -> Option<(usize, usize)> {
    let mut span: Option<(usize, usize)> = None;
    arena.visit(e, &mut |n| {
        let t = match n {
            Node::Num(i) | Node::Var(i) | Node::Call(i, _, _) | Node::Unit(_, i) => i,
            Node::Neg(_) | Node::Bin(..) => return true,
        } as usize;
        span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        true
    });
    span
}

/// An approximate value of a literal-only expression, for a calculation
/// exact arithmetic cannot hold (beyond `i128`, or a division by zero:
/// then infinite or NaN). `None` for names, calls other than `max`/`min`,
/// units without a fixed factor, or a tree deeper than 128.
pub fn eval_f64(arena: &Arena, e: ExprId, toks: &[Token]) -> Option<f64> {
    fn go(arena: &Arena, e: ExprId, toks: &[Token], depth: u32) -> Option<f64> {
        if depth > 128 {
            return None;
        }
        let ev = |x: ExprId| go(arena, x, toks, depth + 1);
        Some(match arena.node(e) {
            Node::Num(i) => match tok(toks, i)? {
                Tok::Num(n) => n.value().to_f64(),
                _ => return None,
            },
            Node::Var(_) => return None,
            Node::Neg(a) => -ev(a)?,
            Node::Bin(op, a, b) => {
                let (x, y) = (ev(a)?, ev(b)?);
                match op {
                    '+' => x + y,
                    '-' => x - y,
                    '*' => x * y,
                    '/' => x / y,
                    '^' => x.powf(y),
                    _ => return None,
                }
            }
            Node::Call(i, start, count) => {
                let Tok::Ident(name) = tok(toks, i)? else {
                    return None;
                };
                let args = arena.call_args(start, count);
                let mut vals = args.iter().map(|&a| ev(a));
                let first = vals.next()??;
                match *name {
                    "max" => vals.try_fold(first, |m, v| Some(m.max(v?)))?,
                    "min" => vals.try_fold(first, |m, v| Some(m.min(v?)))?,
                    _ => return None,
                }
            }
            Node::Unit(a, u) => {
                let v = ev(a)?;
                let Tok::Ident(w) = tok(toks, u)? else {
                    return None;
                };
                match unit_kind(w)? {
                    UnitKind::Same => v,
                    UnitKind::Pow10(p) => v * 10f64.powi(p),
                    UnitKind::BinBytes(p) => v * 1024f64.powi(p as i32),
                    UnitKind::Bytes(_) | UnitKind::Time => return None,
                }
            }
        })
    }
    go(arena, e, toks, 0)
}

/// Evaluates an arithmetic expression such as `2 * 4 * 512 * 128 * 2`,
/// `(2,199,023,255,552 / 10^15) × 1000` or `max(3, 4) / 8`. Literals are exact;
/// names are not allowed. `None` for anything else (never panics).
pub fn eval_expr(src: &str) -> Option<Rational> {
    let toks = lex_code(src, 0);
    let mut arena = Arena::default();
    let e = parse_exact(&mut arena, &toks)?;
    eval(&arena, e, &toks, LiteralMode::Exact, &mut |_, _| None)?.exact_value()
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

    #[test]
    fn integer_evaluation_agrees_with_intervals() {
        // The recursive evaluation computes on `i64` where it can; the
        // iterative one on intervals throughout: the same values, across
        // the `i64` and `i128` limits too.
        for src in [
            "2 * 256 * 1024 * 1024",
            "9223372036854775807 + 1",
            "-9223372036854775807 - 1 - 1",
            "(-9223372036854775807 - 1) / -1",
            "(-9223372036854775807 - 1) * -1",
            "-(-9223372036854775807 - 1)",
            "3037000500 * 3037000500",
            "2^62 * 4 * 2^62",
            "2^63 / 2^62",
            "2^126 * 2 - 1",
            "2^127",
            "(-2)^127",
            "7 / 2 * 2",
            "6 / 3 / 0",
            "1 - 0.5 * 3",
            "~1,024 * 2",
            "0.168 * 1000 + 2.19... - 1",
            "10^-3 * 2 x 4",
            "2 GB + 1 MiB",
            "3 elems * 2 TFLOPs",
            "max(2, 1.5) * min(3, 2^70)",
            "floor(7 / 2) + ceil(7 / 2) + softmax_stat_bytes(4)",
            "-(2 * -3) ^ 2",
            "(2^126 - 1) * 2 + 1 + 0",
            "99999999999999999999999 * 1 - 1",
            "M * 2",
        ] {
            let toks = lex_code(src, 0);
            let mut arena = Arena::default();
            let e = parse_exact(&mut arena, &toks).expect(src);
            for mode in [LiteralMode::Exact, LiteralMode::Stated] {
                let mut asked = Vec::new();
                let mut lookup = |n: &str, _: usize| {
                    asked.push(n.to_string());
                    Some(Interval::exact(Rational::int(3)))
                };
                let fast = eval(&arena, e, &toks, mode, &mut lookup);
                let general = eval_iter(&arena, e, &toks, mode, &mut lookup);
                assert_eq!(fast, general, "{src} ({mode:?})");
            }
        }
    }

    #[test]
    fn the_parser_backs_off_where_an_operator_has_no_operand() {
        // (tokens used by the longest prefix, or None)
        for (src, used) in [
            ("2 * ", Some(1)),
            ("2 * 3 +", Some(3)),
            ("2 ^", Some(1)),
            ("2 ^ 3 ^ 2 *", Some(5)),
            ("- - 2", Some(3)),
            ("-", None),
            ("2 x 3 x", Some(3)),
            ("2 x M", Some(1)),
            ("4 bytes / byte * 2", Some(6)),
            ("M B", Some(1)),
            ("2 B * 3", Some(4)),
            ("1000 TFLOPS (10^15 FLOPS)", Some(2)),
            ("f(1, 2) ^ -2 GB", Some(10)),
            ("f(1, ) * 2", Some(1)),
            ("(1 + 2 * (3 - ) ", None),
            ("2 * (3 + ) ^ 2", Some(1)),
            ("2 ^ (", Some(1)),
        ] {
            let toks = lex_code(src, 0);
            let mut arena = Arena::default();
            let got = parse_prefix(&mut arena, &toks).map(|(_, n)| n);
            assert_eq!(got, used, "{src}");
        }
    }

    #[test]
    fn failed_parses_leave_the_arena_as_it_was() {
        let mut arena = Arena::default();
        let toks = lex_code("max(2 * M, 3) + (1", 0);
        // `max(2 * M, 3)` parses; the trailing `+ (1` does not.
        assert!(parse_exact(&mut arena, &toks).is_none());
        assert_eq!((arena.nodes.len(), arena.args.len()), (0, 0));
        let (e, used) = parse_prefix(&mut arena, &toks).expect("prefix");
        assert_eq!(used, 8);
        assert!(matches!(arena.node(e), Node::Call(0, 0, 2)));
        let kept = arena.nodes.len();
        assert!(parse_exact(&mut arena, &toks[1..]).is_none());
        assert_eq!(arena.nodes.len(), kept);
        // An id from elsewhere evaluates to nothing instead of panicking.
        assert_eq!(
            eval(&arena, 999, &toks, LiteralMode::Exact, &mut |_, _| None),
            None
        );
    }
}
