//! Reporting: findings for failing checks, a binding every use of which fails
//! reported where it is written, fixes, and the cap on findings per rule.

use super::*;

impl<'a> Checker<'a> {
    pub(in crate::check) fn report(mut self) -> SpecReport {
        let tests = std::mem::take(&mut self.tests)
            .into_iter()
            .map(|t| TestInfo {
                id: t.id,
                title: t.title,
                heading_range: t.heading,
                range: TextRange::new(t.start, t.end),
                expected: t.expected.into_iter().map(|(e, _)| e).collect(),
            })
            .collect();
        let mut stats = SpecStats::default();
        for c in &self.claims {
            stats.claims_found += 1;
            if c.status != ClaimStatus::Unevaluated {
                stats.claims_evaluated += 1;
            }
            if c.status == ClaimStatus::Mismatch {
                stats.claims_failing += 1;
            }
        }
        let mut diags = self.diags.finish();
        mantile_diag::sort_diagnostics(&mut diags);
        SpecReport {
            diagnostics: diags,
            claims: self.claims,
            tests,
            stats,
            sides: self.claim_sides,
            bindings: self.claim_bindings,
        }
    }

    /// The finding for the one pair `m` where the side `a` and the side
    /// next to it part (see [`Checker::forms`]).
    pub(in crate::check) fn report_form_mismatch(&mut self, a: &Part, m: &FormMismatch) {
        let name = m
            .bind
            .and_then(|r| self.bind(r))
            .map(|b| (b.name, b.value, b.range));
        let rule = if name.is_some() {
            &FORMULA_MISMATCH
        } else {
            &CLAIM_MISMATCH
        };
        // The number, not the name: on the side that has it. (Without a
        // name, the later side's is reported, quoting the earlier side.)
        let (at, other) = match name {
            Some(_) if self.doc.slice(m.b.0).contains(|c: char| c.is_ascii_digit()) => (m.b, m.a),
            Some(_) => (m.a, m.b),
            None => (m.b, m.a),
        };
        if !self.diags.room(rule, at.0, Severity::Error) {
            return;
        }
        let here = excerpt(self.doc.slice(at.0).trim());
        let msg = match name {
            Some((n, v, _)) => format!("`{here}` stands for {n} here, but {n} = {}", v.display()),
            None => format!(
                "`{here}` here, but `{}` in the same place of `{}`",
                excerpt(self.doc.slice(other.0).trim()),
                excerpt(self.doc.slice(a.range).trim())
            ),
        };
        let mut d = Diagnostic::new(rule, at.0, msg);
        match name {
            Some((n, v, bound_at)) => {
                d = d.with_related(bound_at, format!("{n} = {}", v.display()));
                let finding = self.pending.len() as u32;
                self.pending.push(Some(d));
                if let Some(r) = m.bind {
                    self.fails.push(Fail {
                        bind: r,
                        finding,
                        solution: at.1.exact_value(),
                    });
                }
            }
            None => {
                d = d.with_related(other.0, "the same place on the side next to it");
                self.diags.push(d);
            }
        }
    }

    pub(in crate::check) fn report_out_of_range(
        &mut self,
        sides: &[Part],
        vals: &[Option<Interval>],
        i: usize,
        approx: f64,
    ) {
        let p = &sides[i];
        if !self.diags.room(&CLAIM_MISMATCH, p.range, Severity::Error) {
            return;
        }
        let text = excerpt(self.doc.slice(p.range).trim());
        let other = vals
            .iter()
            .flatten()
            .next()
            .map(|v| v.display())
            .unwrap_or_default();
        let msg = if approx.is_finite() {
            format!("`{text}` is about {approx:.3e}, not {other}")
        } else if approx.is_nan() {
            format!("`{text}` has no value, but the other side is {other}")
        } else {
            format!("`{text}` is past any number (about {approx:e}), not {other}")
        };
        self.diags
            .push(Diagnostic::new(&CLAIM_MISMATCH, p.range, msg));
    }

    pub(in crate::check) fn report_literal_mismatch(
        &mut self,
        lx: &Lexed,
        sides: &[Part],
        bad: (usize, Interval),
        good: (usize, Interval),
    ) {
        let bp = &sides[bad.0];
        let gp = &sides[good.0];
        let single = bp.expr.is_some_and(|e| self.arena.is_single_literal(e));
        let btoks = bp.toks(&lx.toks);
        let range = if single {
            btoks.first().map(|t| t.range).unwrap_or(bp.range)
        } else {
            bp.range
        };
        if !self.diags.room(&CLAIM_MISMATCH, range, Severity::Error) {
            return;
        }
        let gtext = excerpt(self.doc.slice(gp.range).trim());
        let btext = excerpt(self.doc.slice(bp.range).trim());
        let msg = if single {
            let lit = btoks.first().map(|t| self.doc.slice(t.range)).unwrap_or("");
            format!("`{gtext}` is {}, not {lit}", good.1.display())
        } else {
            format!(
                "`{btext}` is {}, but `{gtext}` is {}",
                bad.1.display(),
                good.1.display()
            )
        };
        let mut d = Diagnostic::new(&CLAIM_MISMATCH, range, msg).with_related(
            gp.range,
            format!("this side evaluates to {}", good.1.display()),
        );
        if let Some(fix) = replacement_fix(&lx.toks, &self.arena, bp, good.1) {
            d = d.with_fix(fix);
        }
        self.diags.push(d);
    }

    pub(in crate::check) fn report_formula_mismatch(
        &mut self,
        lx: &Lexed,
        sides: &[Part],
        formula: (usize, Interval),
        numbers: (usize, Interval),
        uses: &Uses,
        sound: bool,
    ) -> Option<Diagnostic> {
        let fp = &sides[formula.0];
        let np = &sides[numbers.0];
        let np_single = np.expr.is_some_and(|e| self.arena.is_single_literal(e));
        let range = if np_single {
            np.toks(&lx.toks)
                .first()
                .map(|t| t.range)
                .unwrap_or(np.range)
        } else {
            np.range
        };
        let severity = if sound {
            Severity::Error
        } else {
            Severity::Warning
        };
        if !self.diags.room(&FORMULA_MISMATCH, range, severity) {
            return None;
        }
        let ftext = excerpt(self.doc.slice(fp.range).trim());
        let ntext = excerpt(self.doc.slice(np.range).trim());
        // The names the formula uses, each once (a few, then how many more).
        let mut seen: HashSet<String> = HashSet::new();
        let mut names: Vec<String> = Vec::new();
        let mut more = 0usize;
        for u in self.used_bindings(uses) {
            if fp.range.contains_inclusive(u.used_at.start as usize) {
                let s = format!("{} = {}", self.doc.slice(u.used_at), u.value.display());
                if seen.contains(&s) {
                    continue;
                }
                if names.len() < MAX_NAMED {
                    names.push(s.clone());
                } else {
                    more += 1;
                }
                seen.insert(s);
            }
        }
        if more > 0 {
            names.push(format!("and {more} more"));
        }
        let msg = format!(
            "`{ntext}` is {}, but `{ftext}` is {} with {}",
            numbers.1.display(),
            formula.1.display(),
            names.join(", ")
        );
        let mut d = Diagnostic::new(&FORMULA_MISMATCH, range, msg).with_related(
            fp.range,
            format!("the formula gives {}", formula.1.display()),
        );
        if !sound {
            d = d.with_severity(Severity::Warning);
        }
        if np_single && let Some(fix) = replacement_fix(&lx.toks, &self.arena, np, formula.1) {
            d = d.with_fix(fix);
        }
        Some(d)
    }

    /// Holds the finding `d` of a check that failed, with the value each
    /// binding it used would need for `formula` to be `target`.
    pub(in crate::check) fn hold_for_culprits(
        &mut self,
        lx: &Lexed,
        d: Option<Diagnostic>,
        formula: &Part,
        test: Option<usize>,
        target: Interval,
        uses: &Uses,
    ) {
        let Some(d) = d else { return };
        let finding = self.pending.len() as u32;
        self.pending.push(Some(d));
        let mut seen: SmallVec<[BindRef; 4]> = SmallVec::new();
        for &(_, r) in uses {
            if seen.contains(&r) {
                continue;
            }
            seen.push(r);
            let solution = self.solve(lx, formula, test, r, target);
            self.fails.push(Fail {
                bind: r,
                finding,
                solution,
            });
        }
    }

    /// Reports a binding every use of which fails, and would hold with one
    /// other value, instead of those uses (a mistyped parameter is found
    /// where it is written); then every other finding held.
    pub(in crate::check) fn resolve_culprits(&mut self) {
        let mut fails = std::mem::take(&mut self.fails);
        fails.sort_by_key(|f| (f.bind.0, f.bind.1, f.finding));
        // Each binding every use of which fails, all holding with one other
        // value: its findings, and how many of them write that value.
        struct Candidate {
            bind: BindRef,
            value: Rational,
            findings: SmallVec<[u32; 4]>,
            written: usize,
        }
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut i = 0;
        while i < fails.len() {
            let r = fails[i].bind;
            let j = i + fails[i..].iter().take_while(|f| f.bind == r).count();
            let group = &fails[i..j];
            i = j;
            let Some(b) = self.bind(r) else { continue };
            let solution = group[0].solution;
            let consistent = group.iter().all(|f| f.solution == solution);
            let Some(v) = solution.filter(|_| consistent && group.len() >= 2 && b.passes == 0)
            else {
                continue;
            };
            if b.tainted || b.value.overlaps(&Interval::exact(v)) {
                continue;
            }
            let findings: SmallVec<[u32; 4]> = group.iter().map(|f| f.finding).collect();
            let shape = v.as_integer().and_then(NumberShape::of_integer);
            let written = findings
                .iter()
                .filter_map(|&k| self.pending.get(k as usize)?.as_ref())
                .filter(|d| {
                    shape
                        .as_ref()
                        .is_some_and(|s| numbers_in(self.doc.slice(d.range)).any(|(_, n)| n == *s))
                })
                .count();
            candidates.push(Candidate {
                bind: r,
                value: v,
                findings,
                written,
            });
        }
        // Where two bindings explain the same failures, the one whose value
        // the calculations write (`1024` for d, not `1` for B) is the one;
        // when neither stands out, each use keeps its own finding.
        let shares =
            |a: &Candidate, b: &Candidate| a.findings.iter().any(|f| b.findings.contains(f));
        let accepted: Vec<usize> = (0..candidates.len())
            .filter(|&c| {
                candidates.iter().enumerate().all(|(o, other)| {
                    o == c
                        || !shares(&candidates[c], other)
                        || candidates[c].written > other.written
                })
            })
            .collect();
        for c in accepted {
            let cand = &candidates[c];
            let Some(b) = self.bind(cand.bind) else {
                continue;
            };
            let (name, value, value_at, trusted) = (b.name, b.value, b.value_at, b.trusted);
            let v = cand.value;
            let mut related = Vec::new();
            for &f in &cand.findings {
                if let Some(d) = self.pending.get_mut(f as usize).and_then(Option::take) {
                    related.push(d.range);
                }
            }
            if related.is_empty() {
                continue;
            }
            let rule = if trusted {
                &FORMULA_MISMATCH
            } else {
                &CLAIM_MISMATCH
            };
            let mut d = Diagnostic::new(
                rule,
                value_at,
                format!(
                    "{name} is {} here, but the {} calculations that use it hold with {name} = {}",
                    value.display(),
                    cand.findings.len(),
                    Interval::exact(v).display()
                ),
            );
            for r in related.iter().take(MAX_NAMED) {
                d = d.with_related(
                    *r,
                    format!("holds with {name} = {}", Interval::exact(v).display()),
                );
            }
            if let Some(n) = v.as_integer() {
                let style = NumberStyle::detect(self.doc.slice(value_at).trim_matches('*'));
                let new = format_with_style(n, style);
                let digits = leading_number(self.doc.text, value_at);
                d = d.with_fix(Fix::replace(format!("Set {name} to {new}"), digits, new));
            }
            self.diags.push(d);
        }
        // A warning whose binding no check corroborates: one of the two is
        // wrong, an error.
        for (f, r) in std::mem::take(&mut self.promote) {
            let lone = self.bind(r).is_some_and(|b| b.passes == 0);
            if let Some(Some(d)) = self.pending.get_mut(f as usize)
                && lone
            {
                d.severity = Severity::Error;
            }
        }
        for d in std::mem::take(&mut self.pending).into_iter().flatten() {
            self.diags.push(d);
        }
    }
}

/// A fix replacing a single-literal side with `value`, in the text's style.
pub(in crate::check) fn replacement_fix(
    all: &[Token],
    arena: &Arena,
    part: &Part,
    value: Interval,
) -> Option<Fix> {
    let e = part.expr?;
    if !arena.is_single_literal(e) {
        return None;
    }
    let mut idx = None;
    arena.literals(e, &mut |i| idx = Some(i));
    let tok = part.toks(all).get(idx?)?;
    let Tok::Num(n) = &tok.tok else { return None };
    let new_text = if let Some(v) = value.exact_value().and_then(|v| v.as_integer()) {
        if n.decimals > 0 {
            return None;
        }
        format_with_style(v, n.style)
    } else {
        // Keep the stated precision.
        let s = value.mid().to_decimal_string(n.decimals);
        if n.decimals == 0 {
            return None;
        }
        let mut s = s;
        let have = s.split_once('.').map(|(_, f)| f.len()).unwrap_or(0) as u32;
        if have == 0 {
            s.push('.');
        }
        for _ in have..n.decimals {
            s.push('0');
        }
        s
    };
    // Keep a trailing `...` or approximation sign out of the edit.
    let digits_end = tok.range.start as usize + new_text_len_of_literal(tok, n.truncated)?;
    let range = TextRange::new(tok.range.start as usize, digits_end);
    Some(Fix::replace(
        format!("Replace with {new_text}"),
        range,
        new_text,
    ))
}

fn new_text_len_of_literal(tok: &Token, truncated: bool) -> Option<usize> {
    let len = tok.range.len();
    if truncated {
        // `...` is three bytes, `…` three bytes too.
        len.checked_sub(3)
    } else {
        Some(len)
    }
}

/// The digits at the start of `range` (a value and perhaps its unit).
fn leading_number(text: &str, range: TextRange) -> TextRange {
    let src = text.get(range.as_range()).unwrap_or("");
    let len = src
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, ',' | '_' | '.')))
        .unwrap_or(src.len());
    TextRange::new(range.start as usize, range.start as usize + len)
}

/// How many findings of one rule a file gets, at most; the rest are
/// counted in one last finding (an editor cannot show 100,000 either).
const MAX_PER_RULE: usize = 1000;

/// A check's findings, at most [`MAX_PER_RULE`] per rule.
#[derive(Default)]
pub(in crate::check) struct Findings {
    list: Vec<Diagnostic>,
    /// Findings kept per rule (by code).
    kept: Vec<(&'static str, usize)>,
    /// Per rule beyond the limit: how many were dropped, the first one's
    /// range and the highest severity.
    dropped: Vec<(&'static Rule, usize, TextRange, Severity)>,
}

/// `diagnostics` with at most [`MAX_PER_RULE`] findings per rule, in their
/// order; each rule's others are counted in one finding where the first of
/// them was (see [`crate::limit_per_rule`]).
pub(crate) fn limit_per_rule(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut f = Findings::default();
    for d in diagnostics {
        f.push(d);
    }
    f.finish()
}

impl Findings {
    /// Whether a finding of `rule` at `range` would be kept: when not, it
    /// is counted now, so that the caller need not build it.
    pub(in crate::check) fn room(
        &mut self,
        rule: &'static Rule,
        range: TextRange,
        severity: Severity,
    ) -> bool {
        let full = self
            .kept
            .iter()
            .any(|e| e.0 == rule.code && e.1 >= MAX_PER_RULE);
        if full {
            self.drop(rule, range, severity);
        }
        !full
    }

    fn drop(&mut self, rule: &'static Rule, range: TextRange, severity: Severity) {
        if let Some(e) = self.dropped.iter_mut().find(|e| e.0.code == rule.code) {
            e.1 += 1;
            e.3 = e.3.max(severity);
        } else {
            self.dropped.push((rule, 1, range, severity));
        }
    }

    /// The findings kept, then one per rule that had too many.
    fn finish(self) -> Vec<Diagnostic> {
        let mut diags = self.list;
        for (rule, n, range, severity) in self.dropped {
            diags.push(
                Diagnostic::new(
                    rule,
                    range,
                    format!(
                        "{} more {} findings in this file are not listed, from here on (at most {} per rule are)",
                        group_thousands(n),
                        rule.code,
                        group_thousands(MAX_PER_RULE)
                    ),
                )
                .with_severity(severity),
            );
        }
        diags
    }

    pub(in crate::check) fn push(&mut self, d: Diagnostic) {
        let code = d.rule.code;
        let k = match self.kept.iter().position(|e| e.0 == code) {
            Some(k) => k,
            None => {
                self.kept.push((code, 0));
                self.kept.len() - 1
            }
        };
        if self.kept[k].1 < MAX_PER_RULE {
            self.kept[k].1 += 1;
            self.list.push(d);
        } else {
            self.drop(d.rule, d.range, d.severity);
        }
    }
}

fn group_thousands(n: usize) -> String {
    mantile_diag::format_grouped(n as i128)
}

/// How many characters of the text a finding quotes, at most.
const MAX_QUOTED: usize = 160;

/// `text` as a finding quotes it: whole, or its first [`MAX_QUOTED`]
/// characters and `…` (a side of 100,000 terms is not repeated in full).
pub(in crate::check) fn excerpt(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

/// How many names, values or places one finding lists before "and N more".
const MAX_NAMED: usize = 8;
