//! Units on a side: a name in a unit scaled by its power, a division by
//! zero, a byte count's per-element factor.

use super::*;

impl<'a> Checker<'a> {
    /// A byte count written as a count times a small factor (`bytes =
    /// 4,194,304 * 2`, `Bytes = 1,310,720 × 2`): the factor is a byte size,
    /// one of the test's (`bytes_per_elem`, `softmax_stat_bytes`). One that
    /// is none of them is held against each: a warning when other checks
    /// hold with each value, else an error (or the parameter reported, when
    /// every use disagrees with it the same way).
    pub(in crate::check) fn check_byte_factor(&mut self, lx: &Lexed, ti: usize, sides: &[Part]) {
        let Some(first) = sides.first() else { return };
        // A side `… * k` first (cheap), then the label.
        let product = sides.iter().any(|p| {
            p.expr.is_some_and(|e| {
                matches!(self.arena.node(e), Node::Bin('*', _, k) if matches!(self.arena.node(k), Node::Num(_)))
            })
        });
        if !product {
            return;
        }
        // The label: the text before the first side on its line (its last
        // 64 bytes, so that many claims on one line cost linear time).
        let text = self.doc.text.as_bytes();
        let at = (first.range.start as usize).min(text.len());
        let window = &text[at.saturating_sub(64)..at];
        let label = match window.iter().rposition(|&b| b == b'\n' || b == b'\r') {
            Some(i) => &window[i + 1..],
            None => window,
        };
        // (`y` is rare in labels: most are passed over at the first test.)
        let has = |w: &[u8]| {
            label
                .windows(w.len())
                .any(|x| x[0] | 0x20 == w[0] && x.iter().zip(w).all(|(a, b)| a | 0x20 == *b))
        };
        if !has_byte(label, b'y', b'Y') || !has(b"bytes") || has(b"per") {
            return;
        }
        for p in sides {
            let Some(e) = p.expr else { continue };
            let Node::Bin('*', left, k) = self.arena.node(e) else {
                continue;
            };
            let toks = p.toks(&lx.toks);
            let Node::Num(ki) = self.arena.node(k) else {
                continue;
            };
            if !self.arena.is_literal_only(left) {
                continue;
            }
            let Some(Token {
                tok: Tok::Num(kl),
                range: k_at,
                ..
            }) = toks.get(ki as usize)
            else {
                continue;
            };
            let Some(kv) = kl.value().as_integer().filter(|v| (1..=8).contains(v)) else {
                continue;
            };
            let Some(bpe) = self.lookup_alias_ref(Some(ti), "bytes_per_elem") else {
                return;
            };
            // Most often bytes_per_elem itself.
            if let Some(b) = self.bind_mut(bpe)
                && b.value.exact_value() == Some(Rational::int(kv))
            {
                b.passes += 1;
                continue;
            }
            // The test's byte sizes: names that say bytes, of a small value.
            let sizes = self.byte_sizes(ti);
            if let Some(r) = sizes.iter().find(|(_, v)| *v == kv).map(|(r, _)| *r) {
                if let Some(b) = self.bind_mut(r) {
                    b.passes += 1;
                }
                continue;
            }
            let mut held: SmallVec<[BindRef; 4]> = sizes.iter().map(|(r, _)| *r).collect();
            if !held.contains(&bpe) {
                held.insert(0, bpe);
            }
            let named: Vec<String> = held
                .iter()
                .filter_map(|&r| self.bind(r))
                .map(|b| format!("{} = {}", b.name, b.value.display()))
                .collect();
            let Some(b) = self.bind(bpe).cloned() else {
                return;
            };
            let range = *k_at;
            if !self.diags.room(&FORMULA_MISMATCH, range, Severity::Warning) {
                continue;
            }
            let d = Diagnostic::new(
                &FORMULA_MISMATCH,
                range,
                format!(
                    "the byte size multiplied in is {kv}, but the test's are {}",
                    named.join(", ")
                ),
            )
            .with_severity(Severity::Warning)
            .with_related(b.range, format!("{} = {}", b.name, b.value.display()));
            let finding = self.pending.len() as u32;
            self.pending.push(Some(d));
            // Each byte size may be the wrong one.
            for r in held {
                self.promote.push((finding, r));
                self.fails.push(Fail {
                    bind: r,
                    finding,
                    solution: Some(Rational::int(kv)),
                });
            }
        }
    }

    /// The bindings test `ti` sees (its own, those it inherits, the
    /// file's) whose names say bytes, with small integer values.
    fn byte_sizes(&self, ti: usize) -> SmallVec<[(BindRef, i128); 4]> {
        // The names that say bytes among the first bindings of each list
        // (parameters come first: a test's byte sizes are among them; a
        // bounded look, so that many byte counts cost linear time).
        let mut names: SmallVec<[&str; 4]> = SmallVec::new();
        // The lists `lookup_ref` looks in: the test's, those of the tests it
        // inherits from, the file's.
        let lists = std::iter::successors(Some(ti), |&i| self.tests[i].inherits)
            .take(1 + MAX_SAME_AS_DEPTH)
            .map(|i| &self.tests[i].binds.list)
            .chain(std::iter::once(&self.file_binds.list));
        for list in lists {
            for b in list.iter().take(BYTE_SIZE_SCAN) {
                if b.name.contains("bytes") && !names.contains(&b.name) {
                    names.push(b.name);
                }
            }
        }
        names
            .into_iter()
            .filter_map(|n| {
                let r = self.lookup_ref(Some(ti), n)?;
                let v = self.bind(r)?.value.exact_value()?.as_integer()?;
                (1..=16).contains(&v).then_some((r, v))
            })
            .collect()
    }

    /// A division by a number that is 0 (`flops_total / 0`, `x / (2 - 2)`):
    /// no value, whatever the names are. Whether the side has one.
    pub(in crate::check) fn check_division_by_zero(&mut self, lx: &Lexed, p: &Part) -> bool {
        let Some(range) = self.zero_divisor(lx, p) else {
            return false;
        };
        if !self.diags.room(&CLAIM_MISMATCH, range, Severity::Error) {
            return true;
        }
        let text = excerpt(self.doc.slice(p.range).trim());
        self.diags.push(Diagnostic::new(
            &CLAIM_MISMATCH,
            range,
            format!("`{text}` divides by zero"),
        ));
        true
    }

    /// Where a side divides by a number that is 0, if it does.
    pub(in crate::check) fn zero_divisor(&self, lx: &Lexed, p: &Part) -> Option<TextRange> {
        let e = p.expr?;
        let toks = p.toks(&lx.toks);
        let mut divisors: SmallVec<[ExprId; 4]> = SmallVec::new();
        self.arena.visit_pub(e, &mut |n| {
            if let Node::Bin('/', _, d) = n {
                divisors.push(d);
            }
            true
        });
        let d = divisors.into_iter().find(|&d| {
            self.arena.is_literal_only(d)
                && expr::eval(&self.arena, d, toks, LiteralMode::Exact, &mut |_, _| None)
                    .is_some_and(|v| v.exact_value() == Some(Rational::ZERO))
        })?;
        let (lo, hi) = expr::token_span(&self.arena, d)?;
        Some(toks.get(lo)?.range.cover(toks.get(hi)?.range))
    }

    /// A name in a unit (`peak_tflops`, `memory_bw_gb_s`) times a power
    /// (`10^12`): the power must be the unit's (TFLOPS are 10^12 FLOPS; a
    /// GB is 10^9 or 2^30 bytes).
    pub(in crate::check) fn check_unit_scales(&mut self, lx: &Lexed, p: &Part) {
        let Some(e) = p.expr else { return };
        let toks = p.toks(&lx.toks);
        let mut found: SmallVec<[(u32, u32, u32); 2]> = SmallVec::new();
        expr::scaled_names(&self.arena, e, &mut |n, b, k| found.push((n, b, k)));
        for (n, b, k) in found {
            let (Some(name), Some(base), Some(exp)) = (
                toks.get(n as usize),
                toks.get(b as usize),
                toks.get(k as usize),
            ) else {
                continue;
            };
            let (Tok::Ident(name_s), Tok::Num(bl), Tok::Num(kl)) = (&name.tok, &base.tok, &exp.tok)
            else {
                continue;
            };
            let Some((unit, decimal, binary)) = unit_of_name(name_s) else {
                continue;
            };
            let (bv, kv) = (bl.value().as_integer(), kl.value().as_integer());
            let ok = matches!((bv, kv), (Some(10), Some(k)) if k == decimal)
                || matches!((bv, kv, binary), (Some(2), Some(k), Some(bk)) if k == bk);
            if ok {
                continue;
            }
            let range = base.range.cover(exp.range);
            if !self
                .diags
                .room(&CONVERSION_MISMATCH, range, Severity::Error)
            {
                continue;
            }
            let want = match binary {
                Some(bk) => format!("10^{decimal} (or 2^{bk})"),
                None => format!("10^{decimal}"),
            };
            self.diags.push(Diagnostic::new(
                &CONVERSION_MISMATCH,
                range,
                format!(
                    "{name_s} is in {unit}: one {unit} is {want} of the base unit, not {}",
                    self.doc.slice(range)
                ),
            ));
        }
    }
}

/// The unit a name says its value is in (`peak_tflops`: TFLOPS), with the
/// power of ten of one such unit, and of two for byte units.
pub(in crate::check) fn unit_of_name(name: &str) -> Option<(&'static str, i128, Option<i128>)> {
    let n = name.to_ascii_lowercase();
    let ends = |s: &[&str]| s.iter().any(|x| n.ends_with(x));
    Some(if ends(&["_pflops", "_pflop"]) {
        ("PFLOPS", 15, None)
    } else if ends(&["_tflops", "_tflop"]) {
        ("TFLOPS", 12, None)
    } else if ends(&["_gflops", "_gflop"]) {
        ("GFLOPS", 9, None)
    } else if ends(&["_tb_s", "_tbps", "_tb"]) {
        ("TB", 12, Some(40))
    } else if ends(&["_gb_s", "_gbps", "_gb"]) {
        ("GB", 9, Some(30))
    } else if ends(&["_mb_s", "_mbps", "_mb"]) {
        ("MB", 6, Some(20))
    } else {
        return None;
    })
}

/// How many bindings of a list [`Checker::byte_sizes`] looks at.
const BYTE_SIZE_SCAN: usize = 64;
