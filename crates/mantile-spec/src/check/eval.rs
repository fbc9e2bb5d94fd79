//! Evaluation: a chain's sides evaluated with the names bound so far, compared,
//! its claim recorded and its target bound; `→` conversions and unit
//! restatements.

use super::*;

impl<'a> Checker<'a> {
    fn eval_part(
        &self,
        lx: &Lexed,
        part: &Part,
        test: Option<usize>,
        mode: LiteralMode,
        uses: &mut Uses,
    ) -> Option<Interval> {
        let e = part.expr?;
        let toks = part.toks(&lx.toks);
        let mut lookup = |name: &str, idx: usize| -> Option<Interval> {
            let r = self.lookup_alias_ref(test, name)?;
            let b = self.bind(r)?;
            let used_at = toks.get(idx).map(|t| t.range).unwrap_or_default();
            uses.push((used_at, r));
            Some(b.value)
        };
        expr::eval(&self.arena, e, toks, mode, &mut lookup)
    }

    pub(in crate::check) fn finish(
        &mut self,
        lx: &Lexed<'a>,
        chain: Chain<'a>,
        test: Option<usize>,
    ) {
        let mut parts = chain.parts;
        parts.retain(|p| p.expr.is_some());
        if parts.is_empty() {
            return;
        }
        let arena = &self.arena;
        let mut extra_names = chain.extra_names;
        let target_tok = match (parts.len() >= 2, parts[0].expr) {
            (true, Some(e)) => {
                let first = parts[0].toks(&lx.toks);
                match arena.node(e) {
                    // `hidden_size (`d`) = **16**`: the name and its symbol.
                    Node::Call(f, s, 1) if !matches!(first.get(f as usize).map(|t| &t.tok), Some(Tok::Ident(n)) if matches!(*n, "max" | "min" | "ceil" | "floor")) =>
                    {
                        if let Some(t) = first.get(f as usize)
                            && let Tok::Ident(n) = t.tok
                        {
                            extra_names.push((n, t.range));
                        }
                        let arg = arena.call_args(s, 1).first().copied();
                        arg.and_then(|a| arena.single_var(a))
                            .and_then(|i| first.get(i).cloned())
                    }
                    _ => self.lone_name(lx, &parts[0]),
                }
            }
            _ => None,
        };
        let target: Option<&'a str> = target_tok.as_ref().and_then(|t| match t.tok {
            Tok::Ident(s) => Some(s),
            _ => None,
        });
        let sides: &[Part] = if target.is_some() {
            &parts[1..]
        } else {
            &parts[..]
        };
        if self.prepass {
            if let (Some(name), Some(tt), Some(ti), [p]) = (target, &target_tok, test, sides)
                && chain.region == Region::Params
                && p.expr.is_some_and(|e| self.arena.is_single_literal(e))
                && let Some(value) =
                    self.eval_part(lx, p, test, LiteralMode::Exact, &mut Uses::new())
            {
                let range = tt.range.cover(p.range);
                for (n, name_at) in std::iter::once((name, tt.range)).chain(extra_names) {
                    self.tests[ti].binds.push(Bind {
                        name: n,
                        name_at,
                        value,
                        range,
                        value_at: p.range,
                        passes: 0,
                        trusted: true,
                        tainted: false,
                        checked: true,
                        prev: u32::MAX,
                    });
                }
            }
            return;
        }
        // (A number alone, the most common side, has neither; nor has a
        // side without `^` or `/`.)
        let mut divides_by_zero = false;
        if !self.prepass {
            for p in sides {
                if p.expr.is_some_and(|e| !self.arena.is_single_literal(e)) {
                    // (Both operators looked for in one pass, without a
                    // branch a token: comparing whole tokens branched on
                    // each variant and payload.)
                    let (mut power, mut division) = (false, false);
                    for t in p.toks(&lx.toks) {
                        let c = match t.tok {
                            Tok::Op(c) => c,
                            _ => ' ',
                        };
                        power |= c == '^';
                        division |= c == '/';
                    }
                    if power {
                        self.check_unit_scales(lx, p);
                    }
                    if division {
                        divides_by_zero |= self.check_division_by_zero(lx, p);
                    }
                }
            }
        }
        let mut uses = Uses::new();
        let mut vals: SmallVec<[Option<Interval>; 4]> = SmallVec::new();
        // A bit per side (of the first 63) that looked a name up. A side
        // with a value looked up every name it has: without the bit, it
        // is literal only (see `literal_only` below).
        let mut named: u64 = 0;
        for (i, p) in sides.iter().enumerate() {
            let before = uses.len();
            vals.push(self.eval_part(lx, p, test, LiteralMode::Stated, &mut uses));
            named |= u64::from(uses.len() > before) << i.min(63);
        }
        // A name no line gave a value, for which the next side substitutes
        // one (`2 * M * d_q = 2 * 1024 * 4096`): bound to it.
        // (Such a side holds by construction: it pins nothing.)
        let mut inferred: u64 = 0;
        if !self.prepass && vals.iter().any(Option::is_none) {
            inferred = self.infer_names(lx, sides, &vals, test);
        }
        if inferred != 0 {
            uses.clear();
            vals.clear();
            named = 0;
            for (i, p) in sides.iter().enumerate() {
                let before = uses.len();
                vals.push(self.eval_part(lx, p, test, LiteralMode::Stated, &mut uses));
                named |= u64::from(uses.len() > before) << i.min(63);
            }
        }
        let mut status = if divides_by_zero {
            ClaimStatus::Mismatch
        } else {
            ClaimStatus::Unevaluated
        };
        let mut reference: Option<Interval> = None;
        // A literal calculation exact arithmetic cannot hold (beyond i128,
        // or a division by zero): far off every other side, it is wrong.
        if sides.len() >= 2
            && let Some((i, approx)) = self.out_of_range_side(lx, sides, &vals)
        {
            status = ClaimStatus::Mismatch;
            self.report_out_of_range(sides, &vals, i, approx);
        }
        if sides.len() >= 2 && status != ClaimStatus::Mismatch {
            // The sides with a value, each with a reference to it in `vals`
            // (copied into lists of their own, each 80-byte interval was
            // written and read back again and again).
            type Sides<'v> = SmallVec<[(usize, &'v Interval); 8]>;
            let evald: Sides = vals
                .iter()
                .enumerate()
                .filter_map(|(i, v)| Some((i, v.as_ref()?)))
                .collect();
            if evald.len() >= 2 {
                status = ClaimStatus::Ok;
                // (Asked of sides with a value only.)
                let literal_only = |i: usize| {
                    let walked = || sides[i].expr.is_some_and(|e| self.arena.is_literal_only(e));
                    match i {
                        0..63 => {
                            debug_assert_eq!(named >> i & 1 == 0, walked());
                            named >> i & 1 == 0
                        }
                        _ => walked(),
                    }
                };
                let (lit, sym): (Sides, Sides) =
                    evald.iter().copied().partition(|x| literal_only(x.0));
                reference = Some(*evald[0].1);
                // Only sides that disagree need the element/byte reading.
                let bpe = std::cell::OnceCell::new();
                let doms = std::cell::OnceCell::new();
                let agree = |(a, va): (usize, &Interval), (b, vb): (usize, &Interval)| -> bool {
                    if va.overlaps(vb) {
                        return true;
                    }
                    let bpe =
                        bpe.get_or_init(|| self.lookup(test, "bytes_per_elem").map(|b| b.value));
                    let Some(bpe) = bpe else { return false };
                    let doms = doms.get_or_init(|| domains(&lx.toks, &self.arena, sides));
                    let conv =
                        |e: Interval, by: Interval| e.mul(bpe).is_some_and(|x| x.overlaps(&by));
                    match (doms[a], doms[b]) {
                        (Dom::Bytes, Dom::Elems | Dom::Lenient) => conv(*vb, *va),
                        (Dom::Elems | Dom::Lenient, Dom::Bytes) => conv(*va, *vb),
                        _ => false,
                    }
                };
                let owned = |(i, v): (usize, &Interval)| (i, *v);
                if let Some((bad, good)) = find_culprit(&lit, &agree) {
                    status = ClaimStatus::Mismatch;
                    reference = Some(*good.1);
                    self.report_literal_mismatch(lx, sides, owned(bad), owned(good));
                } else if let Some(&l) = lit.first() {
                    reference = Some(*l.1);
                    if let Some(&s) = sym.iter().find(|&&s| !agree(s, l)) {
                        status = ClaimStatus::Mismatch;
                        reference = Some(*s.1);
                        let sound = self.sound(&uses);
                        let d = self.report_formula_mismatch(
                            lx,
                            sides,
                            owned(s),
                            owned(l),
                            &uses,
                            sound,
                        );
                        self.hold_for_culprits(lx, d, &sides[s.0], test, *l.1, &uses);
                    }
                } else if let Some((bad, good)) = find_culprit(&sym, &agree) {
                    status = ClaimStatus::Mismatch;
                    reference = Some(*good.1);
                    let sound = self.sound(&uses);
                    let d = self.report_formula_mismatch(
                        lx,
                        sides,
                        owned(bad),
                        owned(good),
                        &uses,
                        sound,
                    );
                    self.hold_for_culprits(lx, d, &sides[bad.0], test, *good.1, &uses);
                }
            }
        }
        // The last calculation of a code block, and the summary below it.
        if !self.prepass && chain.code_block && sides.len() >= 2 && status == ClaimStatus::Ok {
            self.last_block = reference.or(stated_value(&vals)).map(|value| BlockResult {
                name: target,
                value,
                range: sides.last().map_or(TextRange::default(), |p| p.range),
                line: 0,
                test,
            });
        }
        if !self.prepass
            && chain.after_block
            && let (Some(name), [p]) = (target, sides)
            && let Some(v) = vals[0]
            && p.expr.is_some_and(|e| self.arena.is_single_literal(e))
            && self.summary_mismatch(name, v, p.range, test)
        {
            status = ClaimStatus::Mismatch;
        }
        // `bytes = 4,194,304 * 2`: the byte size multiplied in.
        if !self.prepass
            && let Some(ti) = test
        {
            self.check_byte_factor(lx, ti, sides);
        }
        // A formula the file gives for a name outside its tests
        // (`compute_time_ms = flops_per_chip / peak_flops × 1000`): kept,
        // and the calculations of that name in tests compared with it.
        if !self.prepass
            && let Some(name) = target
            && status != ClaimStatus::Mismatch
        {
            match test {
                None => {
                    for p in sides {
                        // A formula (`B*S`), not a name (`B = batch_size`).
                        let formula = p.expr.is_some_and(|e| {
                            !self.arena.is_literal_only(e) && self.arena.single_var(e).is_none()
                        });
                        if formula && self.templates.len() < MAX_TEMPLATES {
                            let end = self.section_end(p.range.start as usize);
                            self.templates.push((name, *p, end));
                            self.template_names |= Binds::name_bit(name);
                            if let Err(k) = self.template_sorted.binary_search(&name) {
                                self.template_sorted.insert(k, name);
                            }
                        }
                    }
                }
                Some(_) if self.template_names & Binds::name_bit(name) != 0 => {
                    if self.check_against_templates(lx, name, sides, test) {
                        status = ClaimStatus::Mismatch;
                    }
                }
                Some(_) => {}
            }
        }
        // `d * d_ff + d_ff * d = 2 * d * d_ff`: formulas over the same
        // names of no value must agree for any values.
        if !self.prepass
            && status == ClaimStatus::Unevaluated
            && sides.len() >= 2
            && vals.iter().all(Option::is_none)
            && self.check_identity(lx, sides, test)
        {
            status = ClaimStatus::Mismatch;
        }
        // Sides no exact comparison decides, compared by their form: a
        // number substituted for a name or copied from the side before.
        // (Where the claim failed already, only sides it could not
        // compare.)
        if !self.prepass
            && sides.len() >= 2
            && self.check_forms(lx, sides, &vals, test, status == ClaimStatus::Mismatch)
        {
            status = ClaimStatus::Mismatch;
        }
        if status == ClaimStatus::Ok {
            self.held(&uses);
        }
        if status == ClaimStatus::Ok
            && chain.region == Region::Steps
            && let (Some(ti), Some(v)) = (test, reference)
        {
            push_reserving(&mut self.tests[ti].ok_values, v, 16);
        }
        // The chain's value for binding: the last side the text states.
        let stated = vals.iter().rev().flatten().next().copied();
        if sides.len() >= 2 {
            let range = TextRange::new(
                sides[0].range.start as usize,
                sides.last().map(|p| p.range.end as usize).unwrap_or(0),
            );
            // A prose label (`Per chip = ...`) is not a name the claim defines.
            let named = target_tok.as_ref().filter(|t| {
                t.class != Class::Plain
                    || chain.code_block
                    || matches!(chain.region, Region::Params | Region::File)
            });
            let range = match named {
                Some(t) => t.range.cover(range),
                None => range,
            };
            let value = reference.or(stated);
            let target_at = named.filter(|_| target.is_some()).map(|t| t.range);
            let sides = self.record_sides(sides.iter().zip(&vals).map(|(p, v)| ClaimSide {
                range: p.range,
                value: *v,
            }));
            let bindings = self.record_bindings(&uses);
            self.claims.push(Claim {
                range,
                kind: ClaimKind::Equation,
                target_at,
                sides,
                interval: value,
                status,
                bindings,
            });
        }
        // A value stated on its own, and every literal of a calculation no
        // exact check pins (its claim cannot be evaluated, or agrees only
        // approximately), for the stray-value check.
        if let (false, Some(ti)) = (self.prepass, test)
            && chain.region != Region::Expected
            && status != ClaimStatus::Mismatch
        {
            // (A lone side with no name: a bare `= value` line that
            // continues no calculation.)
            let lone = sides.len() == 1
                && (target.is_some()
                    || sides[0]
                        .expr
                        .is_some_and(|e| self.arena.is_single_literal(e)));
            let exact =
                |i: usize| vals[i].is_some_and(|v| v.is_exact()) && inferred >> i.min(63) & 1 == 0;
            let exact_sides = (0..sides.len()).filter(|&i| exact(i)).count();
            for (i, p) in sides.iter().enumerate() {
                // Held exactly against another exact side.
                let pinned = status == ClaimStatus::Ok && exact_sides >= 2 && exact(i);
                let Some(e) = p.expr else { continue };
                if pinned || !(lone || sides.len() >= 2) {
                    continue;
                }
                let st = p.toks(&lx.toks);
                let stated = &mut self.stated;
                self.arena.literals(e, &mut |k| {
                    if let Some(Token {
                        tok: Tok::Num(n),
                        range,
                        ..
                    }) = st.get(k)
                        && !n.approx
                        && !n.truncated
                        // (Fewer than three digits have no shape: said
                        // before the digits are counted.)
                        && n.digit_value() >= 100
                        && let Some(shape) = NumberShape::of_lit(n)
                    {
                        stated.push((ti, *range, shape));
                    }
                });
            }
        }
        // A name the test already gave a value, stated again.
        if let (false, Some(name), Some(tt), Some(ti)) = (self.prepass, target, &target_tok, test)
            && chain.region != Region::Expected
        {
            let value = match sides.len() {
                1 => vals[0],
                _ if status == ClaimStatus::Ok => reference.or(stated),
                _ => None,
            };
            if let Some(v) = value {
                let at = tt.range.start as usize;
                self.restatement_of_name(ti, name, tt.range, v, sides.last().map(|p| p.range), at);
            }
        }
        // Bindings.
        let (Some(name), Some(tt)) = (target, target_tok) else {
            return;
        };
        let last = sides.last();
        let mut value = stated;
        if matches!(chain.region, Region::Params | Region::File)
            && let Some(p) = last
            && p.expr.is_some_and(|e| self.arena.is_single_literal(e))
        {
            value = self.eval_part(lx, p, test, LiteralMode::Exact, &mut Uses::new());
        }
        let Some(value) = value else { return };
        let range = tt.range.cover(last.map(|p| p.range).unwrap_or(tt.range));
        let trusted = matches!(chain.region, Region::Params | Region::File);
        let bindable = match chain.region {
            Region::Params | Region::File => true,
            Region::Steps => tt.class != Class::Plain || chain.code_block,
            Region::Expected => false,
        };
        if chain.region == Region::Steps
            && (chain.has_bold || tt.class == Class::Bold)
            && let Some(ti) = test
            && let Some(p) = last
        {
            let literal = match (p.expr, p.toks(&lx.toks).first()) {
                (
                    Some(e),
                    Some(Token {
                        tok: Tok::Num(n), ..
                    }),
                ) if self.arena.is_single_literal(e) && !n.is_inexact() => {
                    Some((n.value(), n.style))
                }
                _ => None,
            };
            let mut idx = SmallVec::new();
            for s in &sides[..sides.len() - 1] {
                if let Some(e) = s.expr {
                    let st = s.toks(&lx.toks);
                    self.arena.literals(e, &mut |i| {
                        if let Some(Tok::Num(n)) = st.get(i).map(|t| &t.tok) {
                            idx.push(n.value());
                        }
                    });
                }
            }
            let grounded = status == ClaimStatus::Ok;
            push_reserving(
                &mut self.tests[ti].steps,
                StepResult {
                    name,
                    value,
                    range: p.range,
                    literal,
                    grounded,
                    failed: status == ClaimStatus::Mismatch,
                    inputs: idx,
                },
                8,
            );
        }
        if !bindable {
            return;
        }
        let extra = if sides.len() == 1 {
            &extra_names[..]
        } else {
            &[]
        };
        for &(n, name_at) in std::iter::once(&(name, tt.range)).chain(extra) {
            let b = Bind {
                name: n,
                name_at,
                value,
                range,
                value_at: last.map_or(tt.range, |p| p.range),
                passes: 0,
                trusted,
                tainted: status == ClaimStatus::Mismatch,
                checked: trusted || (status == ClaimStatus::Ok && sides.len() >= 2),
                prev: u32::MAX,
            };
            match test {
                Some(ti) => self.tests[ti].binds.push(b),
                None => self.file_binds.push(b),
            }
        }
    }

    /// The value of the subtree `e` of a side whose tokens are `toks`, its
    /// names looked up (not counted as uses).
    pub(in crate::check) fn eval_sub(
        &self,
        e: ExprId,
        toks: &[Token],
        test: Option<usize>,
    ) -> Option<Interval> {
        let mut lookup = |name: &str, _: usize| -> Option<Interval> {
            self.bind(self.lookup_alias_ref(test, name)?)
                .map(|b| b.value)
        };
        expr::eval(&self.arena, e, toks, LiteralMode::Stated, &mut lookup)
    }

    /// A side that is a literal calculation with no exact value (beyond
    /// `i128`, or dividing by zero), whose approximate value is infinite or
    /// more than 1% away from another side's value: its index and value.
    fn out_of_range_side(
        &self,
        lx: &Lexed,
        sides: &[Part],
        vals: &[Option<Interval>],
    ) -> Option<(usize, f64)> {
        if vals.iter().all(Option::is_some) {
            return None;
        }
        let other = vals.iter().flatten().next()?;
        let (lo, hi) = (other.lo.to_f64(), other.hi.to_f64());
        sides.iter().enumerate().find_map(|(i, p)| {
            if vals[i].is_some() {
                return None;
            }
            let e = p.expr.filter(|&e| self.arena.is_literal_only(e))?;
            // (A division by zero is the division check's.)
            if self.zero_divisor(lx, p).is_some() {
                return None;
            }
            let x = expr::eval_f64(&self.arena, e, p.toks(&lx.toks))?;
            let far = !x.is_finite() || x < lo - 0.01 * lo.abs() || x > hi + 0.01 * hi.abs();
            far.then_some((i, x))
        })
    }

    /// The value binding `r` would need for `formula` to be `target`: found
    /// when the formula is a power (`c·x^k`, k ≤ 3) or affine (`a + b·x`)
    /// in it, and the result is exact.
    pub(in crate::check) fn solve(
        &self,
        lx: &Lexed,
        formula: &Part,
        test: Option<usize>,
        r: BindRef,
        target: Interval,
    ) -> Option<Rational> {
        let b = self.bind(r)?;
        let (name, x0) = (b.name, b.value.exact_value()?);
        let target = target.exact_value()?;
        let e = formula.expr?;
        let toks = formula.toks(&lx.toks);
        let at = |x: Rational| -> Option<Rational> {
            let mut lookup = |n: &str, _: usize| -> Option<Interval> {
                match self.lookup_alias_ref(test, n)? {
                    found if found == r => Some(Interval::exact(x)),
                    other => self.bind(other).map(|b| b.value),
                }
            };
            let _ = name;
            expr::eval(&self.arena, e, toks, LiteralMode::Stated, &mut lookup)?.exact_value()
        };
        let a = if x0 == Rational::ZERO {
            Rational::ONE
        } else {
            x0
        };
        let two = Rational::int(2);
        let three = Rational::int(3);
        let (f1, f2, f3) = (at(a)?, at(a.checked_mul(two)?)?, at(a.checked_mul(three)?)?);
        if f1 == f2 {
            return None;
        }
        // A power: f(2a)/f(a) = 2^k and f(3a)/f(a) = 3^k.
        if f1 != Rational::ZERO {
            let r2 = f2.checked_div(f1)?;
            let r3 = f3.checked_div(f1)?;
            for k in 1..=3i128 {
                if r2 == two.checked_pow(k)? && r3 == three.checked_pow(k)? {
                    let ratio = target.checked_div(f1)?;
                    let root = exact_root(ratio, k as u32)?;
                    return a.checked_mul(root);
                }
            }
        }
        // Affine: equal steps.
        let d1 = f2.checked_sub(f1)?;
        if f3.checked_sub(f2)? == d1 {
            let slope = d1.checked_div(a)?;
            return a.checked_add(target.checked_sub(f1)?.checked_div(slope)?);
        }
        None
    }

    pub(in crate::check) fn conversion(
        &mut self,
        lx: &Lexed,
        conv: Conversion,
        test: Option<usize>,
    ) {
        let Some(right_tok) = lx.toks.get(conv.right as usize) else {
            return;
        };
        let Tok::Num(lit) = &right_tok.tok else {
            return;
        };
        let right_range = right_tok.range;
        let mut uses = Uses::new();
        let left = self.eval_part(lx, &conv.left, test, LiteralMode::Stated, &mut uses);
        let bpe_ref = self.lookup_ref(test, "bytes_per_elem");
        let bpe = bpe_ref.and_then(|r| self.bind(r)).cloned();
        let right = expr::literal_interval(lit, LiteralMode::Stated);
        let range = conv.left.range.cover(right_range);
        let mut status = ClaimStatus::Unevaluated;
        let mut value = None;
        if let (Some(l), Some(b), Some(r)) = (left, bpe.as_ref(), right) {
            if let Some(r) = bpe_ref {
                uses.push((right_range, r));
            }
            if let Some(bytes) = l.mul(&b.value) {
                value = Some(bytes);
                status = if bytes.overlaps(&r) {
                    ClaimStatus::Ok
                } else {
                    ClaimStatus::Mismatch
                };
                if status == ClaimStatus::Mismatch
                    && self
                        .diags
                        .room(&CONVERSION_MISMATCH, right_range, Severity::Error)
                {
                    let mut d = Diagnostic::new(
                        &CONVERSION_MISMATCH,
                        right_range,
                        format!(
                            "{} elements × {} bytes is {} bytes, not {}",
                            l.display(),
                            b.value.display(),
                            bytes.display(),
                            self.doc.slice(right_range)
                        ),
                    )
                    .with_related(b.range, "bytes_per_elem is bound here");
                    let part = Part {
                        lo: conv.right,
                        hi: conv.right + 1,
                        expr: Some(self.arena.literal(0)),
                        range: right_range,
                    };
                    if let Some(fix) = replacement_fix(&lx.toks, &self.arena, &part, bytes) {
                        d = d.with_fix(fix);
                    }
                    // bytes_per_elem would be bytes / elements; a name in the
                    // element count whatever makes it bytes / bytes_per_elem.
                    let finding = self.pending.len() as u32;
                    self.pending.push(Some(d));
                    for &(_, br) in &uses {
                        let solution = if Some(br) == bpe_ref {
                            r.exact_value()
                                .zip(l.exact_value())
                                .and_then(|(r, l)| r.checked_div(l))
                        } else {
                            r.div(&b.value)
                                .and_then(|target| self.solve(lx, &conv.left, test, br, target))
                        };
                        self.fails.push(Fail {
                            bind: br,
                            finding,
                            solution,
                        });
                    }
                } else if status == ClaimStatus::Ok {
                    self.held(&uses);
                }
            }
        }
        let sides = self.record_sides([
            ClaimSide {
                range: conv.left.range,
                value: left,
            },
            ClaimSide {
                range: right_range,
                value: right,
            },
        ]);
        let bindings = self.record_bindings(&uses);
        self.claims.push(Claim {
            range,
            kind: ClaimKind::Conversion,
            target_at: None,
            sides,
            interval: value,
            status,
            bindings,
        });
    }

    pub(in crate::check) fn restatement(&mut self, r: Restatement) {
        let (Tok::Num(n), Tok::Num(m)) = (&r.value.tok, &r.restated.tok) else {
            return;
        };
        let (Some(nv), Some(mv)) = (
            expr::literal_interval(n, LiteralMode::Stated),
            expr::literal_interval(m, LiteralMode::Stated),
        ) else {
            return;
        };
        let candidates: SmallVec<[Interval; 2]> = r
            .scales
            .iter()
            .filter_map(|s| mv.mul(&Interval::exact(*s)))
            .collect();
        let ok = candidates.iter().any(|c| c.overlaps(&nv));
        // `peak_tflops = **1000** (1 PFLOP)`: off by a factor of 1000 or more,
        // the value is in another unit than the text says, not miscomputed.
        let far = candidates.iter().all(|c| {
            let lim = Rational::int(1000);
            match nv.mid().checked_div(c.mid()) {
                Some(q) => q > lim || q.checked_mul(lim).is_some_and(|x| x < Rational::ONE),
                None => true,
            }
        });
        let status = if candidates.is_empty() || (!ok && far) {
            ClaimStatus::Unevaluated
        } else if ok {
            ClaimStatus::Ok
        } else {
            ClaimStatus::Mismatch
        };
        let text = self.doc.text;
        let unit_text = text.get(r.unit.as_range()).unwrap_or("");
        if status == ClaimStatus::Mismatch
            && self.diags.room(
                &CONVERSION_MISMATCH,
                r.restated.range.cover(r.unit),
                Severity::Error,
            )
        {
            let best = r
                .scales
                .last()
                .and_then(|s| nv.mid().checked_div(*s))
                .map(|q| Interval::exact(q).display_rounded(m.decimals))
                .unwrap_or_default();
            self.diags.push(
                Diagnostic::new(
                    &CONVERSION_MISMATCH,
                    r.restated.range.cover(r.unit),
                    format!(
                        "{} is {best} {unit_text}, not {} {unit_text}",
                        self.doc.slice(r.value.range),
                        self.doc.slice(r.restated.range)
                    ),
                )
                .with_related(r.value.range, "the value restated"),
            );
        }
        let sides = self.record_sides([
            ClaimSide {
                range: r.value.range,
                value: Some(nv),
            },
            ClaimSide {
                range: r.restated.range.cover(r.unit),
                value: candidates.first().copied(),
            },
        ]);
        let bindings = self.record_bindings(&Uses::new());
        self.claims.push(Claim {
            range: r.value.range.cover(r.unit),
            kind: ClaimKind::Restatement,
            target_at: None,
            sides,
            interval: Some(nv),
            status,
            bindings,
        });
    }
}

/// Whether the text before `at` on its line says "same as": what follows
/// describes another case (`(Same as EP=4; …)` in a test with EP = 8).
pub(in crate::check) fn refers_elsewhere(text: &str, at: usize) -> bool {
    let start = text.as_bytes()[..at.min(text.len())]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    contains_ignore_ascii_case(text.get(start..at).unwrap_or(""), "same as")
}

/// The exact `k`-th root of `r`, when there is one.
fn exact_root(r: Rational, k: u32) -> Option<Rational> {
    if k == 1 {
        return Some(r);
    }
    if r.is_negative() {
        return None;
    }
    let root = |n: i128| -> Option<i128> {
        let guess = (n as f64).powf(1.0 / k as f64).round() as i128;
        (guess.saturating_sub(1)..=guess.saturating_add(1))
            .find(|&g| g >= 0 && g.checked_pow(k) == Some(n))
    };
    Rational::new(root(r.numer())?, root(r.denom())?)
}

/// The last side a calculation states a value for.
fn stated_value(vals: &[Option<Interval>]) -> Option<Interval> {
    vals.iter().rev().flatten().next().copied()
}
