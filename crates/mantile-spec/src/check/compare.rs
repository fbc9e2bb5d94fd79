//! Comparison: which side of a failing chain is wrong, sides compared by
//! their form (numbers substituted for names, names inferred), identities,
//! formulas given outside the tests, restated symbols.

use super::*;

impl<'a> Checker<'a> {
    /// The literal sides of a calculation of `name` in a test, each
    /// compared by its form with the formulas the file gives for the name
    /// (see [`Checker::check_forms`]). Whether one was reported.
    pub(in crate::check) fn check_against_templates(
        &mut self,
        lx: &Lexed<'a>,
        name: &str,
        sides: &[Part],
        test: Option<usize>,
    ) -> bool {
        if self.template_sorted.binary_search(&name).is_err() {
            return false;
        }
        let at = sides.first().map_or(0, |p| p.range.start as usize);
        let templates: SmallVec<[Part; 2]> = self
            .templates
            .iter()
            // Given above the side, in its section (a template is outside
            // the tests: it never starts where the side does).
            .filter(|(n, p, end)| same(n, name) && (p.range.start as usize..*end).contains(&at))
            .map(|(_, p, _)| *p)
            .collect();
        let mut found = false;
        for t in &templates {
            for p in sides {
                if !p.expr.is_some_and(|e| self.arena.is_literal_only(e)) {
                    continue;
                }
                let Some(f) = self.forms(lx, t, p, test) else {
                    continue;
                };
                // One number differs where the rest agree, or has the
                // same operators around it (names the test does not give
                // face numbers).
                let [m] = &f.mismatch[..] else { continue };
                let coincides = |v: &Interval| v.overlaps(&m.a.1) || v.overlaps(&m.b.1);
                if (f.agree == 0 && f.common < 2) || f.infer.iter().any(|x| coincides(&x.value)) {
                    continue;
                }
                self.report_form_mismatch(t, m);
                found = true;
            }
        }
        found
    }

    /// `name ≈ value` right below a code block whose last calculation
    /// gives a related name (`total_memory_load_time_ms` after
    /// `total_load_time_ms = … = 0.168 ms`): its summary, of the same
    /// value. (The same name is the restatement check's.) Whether it was
    /// reported.
    pub(in crate::check) fn summary_mismatch(
        &mut self,
        name: &str,
        value: Interval,
        at: TextRange,
        test: Option<usize>,
    ) -> bool {
        let Some(b) = self.last_block.filter(|b| b.test == test) else {
            return false;
        };
        let Some(block_name) = b.name.filter(|n| *n != name && related_names(n, name)) else {
            return false;
        };
        if value.overlaps(&b.value) || !self.diags.room(&CLAIM_MISMATCH, at, Severity::Error) {
            return false;
        }
        self.diags.push(
            Diagnostic::new(
                &CLAIM_MISMATCH,
                at,
                format!(
                    "{name} is {} here, but the calculation above gives {block_name} = {}",
                    value.display(),
                    b.value.display()
                ),
            )
            .with_related(b.range, format!("{block_name} = {}", b.value.display())),
        );
        true
    }

    /// Sides that use the same names, none of which has a value (formulas
    /// written two ways), evaluated with the same made-up values for the
    /// names: an identity gives one value, so two values mean one side is
    /// wrong. Whether one was reported.
    pub(in crate::check) fn check_identity(
        &mut self,
        lx: &Lexed,
        sides: &[Part],
        test: Option<usize>,
    ) -> bool {
        // The names of each side, sorted; all must be the same, and unbound.
        let mut names: SmallVec<[SmallVec<[&str; 4]>; 4]> = SmallVec::new();
        for p in sides {
            let Some(e) = p.expr else { return false };
            let toks = p.toks(&lx.toks);
            let mut ns: SmallVec<[&str; 4]> = SmallVec::new();
            let mut ok = true;
            expr::var_names(&self.arena, e, toks, &mut |n| {
                ok &= self.lookup_alias_ref(test, n).is_none() && ns.len() < 8;
                if !ns.contains(&n) {
                    ns.push(n);
                }
            });
            if !ok || ns.is_empty() {
                return false;
            }
            ns.sort_unstable();
            names.push(ns);
        }
        if names.iter().any(|ns| *ns != names[0]) {
            return false;
        }
        // Made-up values: primes, one per name.
        const PRIMES: [i128; 8] = [1009, 2003, 3001, 4001, 5003, 6007, 7001, 8009];
        let value = |n: &str| {
            let k = names[0].iter().position(|x| *x == n)?;
            Some(Interval::exact(Rational::int(PRIMES[k])))
        };
        let mut vals: SmallVec<[Interval; 4]> = SmallVec::new();
        for p in sides {
            let Some(e) = p.expr else { return false };
            let mut lookup = |n: &str, _: usize| value(n);
            let Some(v) = expr::eval(
                &self.arena,
                e,
                p.toks(&lx.toks),
                LiteralMode::Exact,
                &mut lookup,
            ) else {
                return false;
            };
            vals.push(v);
        }
        let Some(i) = (1..vals.len()).find(|&i| vals[i] != vals[0]) else {
            return false;
        };
        let (a, b) = (&sides[0], &sides[i]);
        if !self.diags.room(&CLAIM_MISMATCH, b.range, Severity::Error) {
            return true;
        }
        let (at, bt) = (
            excerpt(self.doc.slice(a.range).trim()),
            excerpt(self.doc.slice(b.range).trim()),
        );
        self.diags.push(
            Diagnostic::new(
                &CLAIM_MISMATCH,
                b.range,
                format!(
                    "`{bt}` is not `{at}`: they differ for values of {}",
                    names[0].join(", ")
                ),
            )
            .with_related(a.range, "the side it should equal"),
        );
        true
    }

    /// Two sides walked in step (see [`expr::align`]), each pair where
    /// they part judged; `None` when they do not have one form (two
    /// different names face each other, or too many pairs).
    pub(in crate::check) fn forms(
        &self,
        lx: &Lexed<'a>,
        a: &Part,
        b: &Part,
        test: Option<usize>,
    ) -> Option<Forms<'a>> {
        let (ea, eb) = (a.expr?, b.expr?);
        let (ta, tb) = (a.toks(&lx.toks), b.toks(&lx.toks));
        let mut pairs = SmallVec::new();
        let common = expr::align(&self.arena, (ea, ta), (eb, tb), 32, &mut pairs)?;
        let var = |e: ExprId, toks: &[Token<'a>]| match self.arena.node(e) {
            Node::Var(i) => match toks.get(i as usize) {
                Some(&Token {
                    tok: Tok::Ident(n),
                    range,
                    ..
                }) => Some((n, range)),
                _ => None,
            },
            _ => None,
        };
        let range = |e: ExprId, toks: &[Token]| {
            let (lo, hi) = expr::token_span(&self.arena, e)?;
            Some(toks.get(lo)?.range.cover(toks.get(hi)?.range))
        };
        let mut f = Forms {
            common,
            ..Forms::default()
        };
        for (x, y) in pairs {
            let (vx, vy) = (var(x, ta), var(y, tb));
            if let (Some((n, _)), Some((m, _))) = (vx, vy)
                && same(n, m)
            {
                f.agree += 1;
                continue;
            }
            let (ix, iy) = (self.eval_sub(x, ta, test), self.eval_sub(y, tb, test));
            match (ix, iy) {
                (Some(p), Some(q)) if p.overlaps(&q) => f.agree += 1,
                // Two names that differ: two formulas, not one substituted.
                _ if vx.is_some() && vy.is_some() => return None,
                (Some(p), Some(q)) => {
                    let bind = |v: Option<(&str, TextRange)>| {
                        v.and_then(|(n, _)| self.lookup_alias_ref(test, n))
                    };
                    f.mismatch.push(FormMismatch {
                        a: (range(x, ta)?, p),
                        b: (range(y, tb)?, q),
                        bind: bind(vx).or(bind(vy)),
                    });
                }
                (None, Some(q)) if let Some((name, name_at)) = vx => f.infer.push(Inferred {
                    name,
                    name_at,
                    value: q,
                    value_at: range(y, tb)?,
                    later: false,
                }),
                (Some(p), None) if let Some((name, name_at)) = vy => f.infer.push(Inferred {
                    name,
                    name_at,
                    value: p,
                    value_at: range(x, ta)?,
                    later: true,
                }),
                // Neither value known: nothing to compare.
                _ => {}
            }
        }
        Some(f)
    }

    /// Binds the names a side uses with no value where the side next to it
    /// substitutes a number for them, when everything else in the two
    /// sides agrees and the side then has the other's value. A bit per
    /// side that names were bound for.
    pub(in crate::check) fn infer_names(
        &mut self,
        lx: &Lexed<'a>,
        sides: &[Part],
        vals: &[Option<Interval>],
        test: Option<usize>,
    ) -> u64 {
        let mut bound = 0u64;
        for i in 0..sides.len().saturating_sub(1) {
            let (a, b) = (&sides[i], &sides[i + 1]);
            let (known, unknown, k) = match (vals[i], vals[i + 1]) {
                (None, Some(v)) => (v, a, i),
                (Some(v), None) => (v, b, i + 1),
                _ => continue,
            };
            let Some(f) = self.forms(lx, a, b, test) else {
                continue;
            };
            // (No name to bind: nothing to do.)
            if f.infer.is_empty() {
                continue;
            }
            if !f.mismatch.is_empty()
                || f.agree == 0
                || f.infer.iter().any(|x| x.later != f.infer[0].later)
            {
                continue;
            }
            // One value per name.
            let consistent = f.infer.iter().all(|x| {
                f.infer
                    .iter()
                    .all(|y| !same(x.name, y.name) || x.value == y.value)
            });
            if !consistent || f.infer.iter().any(|x| !x.value.is_exact()) {
                continue;
            }
            // The side with those values must have the other's value.
            let toks = unknown.toks(&lx.toks);
            let mut lookup = |name: &str, _: usize| -> Option<Interval> {
                match f.infer.iter().find(|x| same(x.name, name)) {
                    Some(x) => Some(x.value),
                    None => self
                        .bind(self.lookup_alias_ref(test, name)?)
                        .map(|b| b.value),
                }
            };
            let Some(e) = unknown.expr else { continue };
            let holds = expr::eval(&self.arena, e, toks, LiteralMode::Stated, &mut lookup)
                .is_some_and(|v| v.overlaps(&known) && v.is_exact() == known.is_exact());
            if !holds {
                continue;
            }
            for x in f.infer {
                if self.lookup_alias_ref(test, x.name).is_some() {
                    continue;
                }
                let b = Bind {
                    name: x.name,
                    name_at: x.name_at,
                    value: x.value,
                    range: x.name_at.cover(x.value_at),
                    value_at: x.value_at,
                    passes: 0,
                    trusted: false,
                    tainted: false,
                    checked: false,
                    prev: u32::MAX,
                };
                match test {
                    Some(ti) => self.tests[ti].binds.push(b),
                    None => self.file_binds.push(b),
                }
                bound |= 1 << k.min(63);
            }
        }
        bound
    }

    /// Compares neighbouring sides that no exact comparison decides (a
    /// side with a name of no value, or a value stated approximately) by
    /// their form: where the two have one form and everything else agrees,
    /// one number that differs from the number or the name's value facing
    /// it is wrong. Whether one was reported.
    pub(in crate::check) fn check_forms(
        &mut self,
        lx: &Lexed<'a>,
        sides: &[Part],
        vals: &[Option<Interval>],
        test: Option<usize>,
        failed: bool,
    ) -> bool {
        let mut found = false;
        for i in 0..sides.len() - 1 {
            let decided = match (vals[i], vals[i + 1]) {
                (Some(p), Some(q)) => failed || (p.is_exact() && q.is_exact()),
                _ => false,
            };
            if decided {
                continue;
            }
            let Some(f) = self.forms(lx, &sides[i], &sides[i + 1], test) else {
                continue;
            };
            let [m] = &f.mismatch[..] else { continue };
            if f.agree == 0 {
                continue;
            }
            // A name bound here to the number that differs, or to the
            // number facing it: the factors may be written in another
            // order (`d * d_q = 4096 * 2880`).
            let coincides = |v: &Interval| v.overlaps(&m.a.1) || v.overlaps(&m.b.1);
            if f.infer.iter().any(|x| coincides(&x.value)) {
                continue;
            }
            self.report_form_mismatch(&sides[i], m);
            found = true;
        }
        found
    }

    /// `name` (written at `name_at`) stated as `value` (the side at
    /// `side_at`) where test `ti` already gave it a value: they must agree.
    /// Only names that look like symbols (`d`, `M_q`, `tp`, `flops_total`;
    /// `TP` for `tp`) are compared: words (`Total`, `Bytes`) label
    /// different values in turn.
    pub(in crate::check) fn restatement_of_name(
        &mut self,
        ti: usize,
        name: &str,
        name_at: TextRange,
        value: Interval,
        side_at: Option<TextRange>,
        at: usize,
    ) {
        if !is_symbol(name) {
            return;
        }
        // Most names are bound in the test itself.
        let r = match self.tests[ti].binds.before(name, at) {
            Some(k) => BindRef(ti as u32, k as u32),
            None => match self.restated_ref(ti, name, at) {
                Some(r) => r,
                None => return,
            },
        };
        // `(Same as EP=4; …)`: another case than this test's. (Looked at
        // only for a name held against a value: the line scanned back.)
        if super::eval::refers_elsewhere(self.doc.text, name_at.start as usize) {
            return;
        }
        let Some(prev) = self.bind_mut(r) else { return };
        // A bare statement may be revised by a later one ("Let me
        // recalculate: …"); a calculation or a parameter may not.
        if !prev.checked || prev.tainted {
            return;
        }
        if prev.value.overlaps(&value) {
            prev.passes += 1;
            return;
        }
        let (prev_value, prev_range, trusted) = (prev.value, prev.range, prev.trusted);
        let range = side_at.unwrap_or(name_at);
        let rule = if trusted {
            &FORMULA_MISMATCH
        } else {
            &CLAIM_MISMATCH
        };
        if !self.diags.room(rule, range, Severity::Error) {
            return;
        }
        let what = if trusted {
            "the test's value"
        } else {
            "stated above"
        };
        let d = Diagnostic::new(
            rule,
            range,
            format!(
                "{name} is {} here, but {} ({what})",
                value.display(),
                prev_value.display()
            ),
        )
        .with_related(prev_range, format!("{name} = {}", prev_value.display()));
        self.fails.push(Fail {
            bind: r,
            finding: self.pending.len() as u32,
            solution: value.exact_value(),
        });
        self.pending.push(Some(d));
    }

    /// The binding a restated symbol is held against when the test binds
    /// no such name before it: its lower-case form (`TP`), the long name it
    /// stands for (`tensor_parallel`), or a parameter the test inherits.
    fn restated_ref(&self, ti: usize, name: &str, at: usize) -> Option<BindRef> {
        let mut lower = [0u8; 3];
        let mut names: SmallVec<[&str; 3]> = smallvec::smallvec![name];
        if name.len() <= 3 && name.bytes().all(|c| c.is_ascii_uppercase()) {
            let lower = &mut lower[..name.len()];
            lower.copy_from_slice(name.as_bytes());
            lower.make_ascii_lowercase();
            names.push(std::str::from_utf8(lower).unwrap_or(name));
        }
        if let Some(long) = names.iter().find_map(|n| long_name(n)) {
            names.push(long);
        }
        if names.len() == 1 && self.tests[ti].inherits.is_none() {
            return None;
        }
        // Bound in this test before the statement, or else a parameter of
        // the test it inherits from (and not given again here).
        // (`name` itself the caller looked up.)
        let own = names[1..]
            .iter()
            .find_map(|n| self.tests[ti].binds.before(n, at))
            .map(|k| BindRef(ti as u32, k as u32));
        let inherited = || {
            let mut t = self.tests[ti].inherits;
            for _ in 0..MAX_SAME_AS_DEPTH {
                let i = t?;
                let binds = &self.tests[i].binds;
                if let Some(k) = names
                    .iter()
                    .filter(|n| binds.may_trust(n))
                    .find_map(|n| binds.latest_where(n, |b| b.trusted))
                {
                    return Some(BindRef(i as u32, k as u32));
                }
                t = self.tests[i].inherits;
            }
            None
        };
        let own_later = || {
            names
                .iter()
                .any(|n| self.tests[ti].binds.latest(n).is_some())
        };
        own.or_else(|| if own_later() { None } else { inherited() })
    }
}

/// Sides up to which [`find_culprit`] compares every pair (cubic), rather
/// than every side with one reference (linear).
const CULPRIT_ALL_PAIRS: usize = 16;

/// Among values that should agree, the one that does not and one it should
/// match: (bad, good). With two sides the later one is taken as wrong.
pub(in crate::check) fn find_culprit<T: Copy>(
    vals: &[T],
    same: &impl Fn(T, T) -> bool,
) -> Option<(T, T)> {
    let n = vals.len();
    let agree = |a: usize, b: usize| same(vals[a], vals[b]);
    if n > CULPRIT_ALL_PAIRS {
        // A long chain: the first side is the reference, unless it alone
        // disagrees with the next two; the first side that disagrees with
        // the reference is wrong.
        let r = usize::from(!agree(0, 1) && !agree(0, 2) && agree(1, 2));
        let j = (0..n).find(|&j| j != r && !agree(r, j))?;
        return Some((vals[j], vals[r]));
    }
    let all_agree = (0..n).all(|a| (a + 1..n).all(|b| agree(a, b)));
    if all_agree {
        return None;
    }
    if n == 2 {
        return Some((vals[1], vals[0]));
    }
    for i in 0..n {
        let others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        let alone = others.iter().all(|&j| !agree(i, j));
        let rest_agree = others
            .iter()
            .all(|&a| others.iter().all(|&b| a == b || agree(a, b)));
        if alone && rest_agree {
            return Some((vals[i], vals[others[0]]));
        }
    }
    let j = (1..n).find(|&j| !agree(0, j))?;
    Some((vals[j], vals[0]))
}

/// Whether a side counts elements or bytes, for `= 524,288 bytes` shorthand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::check) enum Dom {
    Bytes,
    Elems,
    /// A formula with no byte factor: an element count, or already bytes.
    Lenient,
    Unknown,
}

pub(in crate::check) fn domains(
    all: &[Token],
    arena: &Arena,
    sides: &[Part],
) -> SmallVec<[Dom; 8]> {
    let mut out: SmallVec<[Dom; 8]> = sides
        .iter()
        .map(|p| {
            let Some(e) = p.expr else {
                return Dom::Unknown;
            };
            let toks = p.toks(all);
            match arena.unit_word(e, toks) {
                Some("B" | "bytes" | "byte") => return Dom::Bytes,
                Some("elems" | "elements" | "elem" | "element") => return Dom::Elems,
                _ => {}
            }
            if arena.is_literal_only(e) {
                return Dom::Unknown;
            }
            if arena.any_var(e, toks, &|n| n.contains("bytes")) {
                Dom::Bytes
            } else {
                Dom::Lenient
            }
        })
        .collect();
    let mut next = Dom::Unknown;
    for d in out.iter_mut().rev() {
        match *d {
            Dom::Bytes | Dom::Elems => next = *d,
            Dom::Unknown => *d = next,
            Dom::Lenient => {}
        }
    }
    out
}

/// The parameter a conventional symbol stands for (`tp`: tensor_parallel,
/// `k`: top_k), as Mantile's specs write them.
fn long_name(symbol: &str) -> Option<&'static str> {
    Some(match symbol {
        "tp" => "tensor_parallel",
        "cp" => "context_parallel",
        "ep" => "expert_parallel",
        "sp" => "sequence_parallel",
        "pp" => "pipeline_parallel",
        "dp" => "data_parallel",
        "B" => "batch_size",
        "S" => "seq_len",
        "d" => "hidden_size",
        "h" => "num_heads",
        "dh" => "head_dim",
        "k" => "top_k",
        "E" => "num_experts",
        "d_ff" => "intermediate_size",
        _ => return None,
    })
}

/// Two names of one quantity written two ways (`total_load_time_ms`,
/// `total_memory_load_time_ms`): the same unit (last part) and another
/// part of three letters or more in common.
fn related_names(a: &str, b: &str) -> bool {
    let (pa, pb): (SmallVec<[&str; 6]>, SmallVec<[&str; 6]>) =
        (a.split('_').collect(), b.split('_').collect());
    pa.len() >= 2
        && pb.len() >= 2
        && pa.last() == pb.last()
        && pa[..pa.len() - 1]
            .iter()
            .any(|x| x.len() >= 3 && pb[..pb.len() - 1].contains(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn culprits_in_short_and_long_chains() {
        let v = |x: i128| Interval::exact(Rational::int(x));
        let same = |a: (usize, Interval), b: (usize, Interval)| a.1.overlaps(&b.1);
        for n in [3, 16, 17, 200] {
            // One side in the middle disagrees.
            let mut vals: Vec<(usize, Interval)> = (0..n).map(|i| (i, v(4))).collect();
            vals[n / 2].1 = v(5);
            let (bad, good) = find_culprit(&vals, &same).expect("a culprit");
            assert_eq!((bad.0, good.1), (n / 2, v(4)), "n = {n}");
            // The first side alone disagrees.
            let mut vals: Vec<(usize, Interval)> = (0..n).map(|i| (i, v(4))).collect();
            vals[0].1 = v(6);
            let (bad, good) = find_culprit(&vals, &same).expect("a culprit");
            assert_eq!((bad.0, good.1), (0, v(4)), "n = {n}");
            // All agree.
            let vals: Vec<(usize, Interval)> = (0..n).map(|i| (i, v(4))).collect();
            assert!(find_culprit(&vals, &same).is_none());
        }
        // Two sides: the later one is taken as wrong.
        let vals = [(0, v(1)), (1, v(2))];
        assert_eq!(find_culprit(&vals, &same).map(|(b, _)| b.0), Some(1));
    }

    #[test]
    fn culprits_when_no_side_stands_alone() {
        let v = |x: i128| Interval::exact(Rational::int(x));
        let same = |a: (usize, Interval), b: (usize, Interval)| a.1.overlaps(&b.1);
        let pick = |xs: &[i128]| {
            let vals: Vec<(usize, Interval)> = xs.iter().map(|&x| v(x)).enumerate().collect();
            find_culprit(&vals, &same).map(|(bad, good)| (bad.0, good.0))
        };
        // Three sides, all different: the first that differs from the first.
        assert_eq!(pick(&[4, 5, 6]), Some((1, 0)));
        // Two against two: likewise.
        assert_eq!(pick(&[4, 4, 5, 5]), Some((2, 0)));
        // The last of three alone.
        assert_eq!(pick(&[4, 4, 7]), Some((2, 0)));
        // The first alone, the others agreeing: the reference is the second.
        assert_eq!(pick(&[7, 4, 4]), Some((0, 1)));
        // A long chain whose second and third sides differ too: the first
        // stays the reference.
        let mut long = vec![4i128; 20];
        long[1] = 5;
        long[2] = 6;
        assert_eq!(pick(&long), Some((1, 0)));
        // A long chain whose first side alone differs from the next two.
        let mut long = vec![4i128; 20];
        long[0] = 9;
        assert_eq!(pick(&long), Some((0, 1)));
        // A long chain whose first side differs from the second only.
        let mut long = vec![4i128; 20];
        long[1] = 9;
        assert_eq!(pick(&long), Some((1, 0)));
        // Up to 16 sides every pair is compared: two outliers (the first and
        // the last) make none stand alone, and the first that differs from
        // the first is taken. Past 16, the first side alone against the
        // next two is the one taken.
        let mut n16 = vec![4i128; 16];
        n16[0] = 6;
        n16[15] = 5;
        assert_eq!(pick(&n16), Some((1, 0)));
        let mut n17 = vec![4i128; 17];
        n17[0] = 6;
        n17[16] = 5;
        assert_eq!(pick(&n17), Some((0, 1)));
    }

    #[test]
    fn names_of_one_quantity() {
        assert!(related_names(
            "total_load_time_ms",
            "total_memory_load_time_ms"
        ));
        assert!(!related_names("total_load_time_ms", "total_load_time_us"));
        assert!(!related_names("load_ms", "store_ms"));
        assert!(!related_names("ms", "total_ms"));
        assert!(!related_names("a_b_ms", "a_c_ms"));
        // The unit is compared as the unit, not among the other parts.
        assert!(!related_names("x_bytes", "bytes_total_bytes"));
        assert!(!related_names("bytes_total_bytes", "x_bytes"));
        assert_eq!(long_name("tp"), Some("tensor_parallel"));
        assert_eq!(long_name("k"), Some("top_k"));
        assert_eq!(long_name("zz"), None);
    }
}
