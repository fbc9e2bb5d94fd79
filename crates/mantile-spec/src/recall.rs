//! Mutation testing of the checker's recall (issue 15): change one digit of
//! a number stated after an `=`, check the changed text, and see whether
//! the checker notices. Used by `examples/recall.rs`; not part of the API.
//!
//! A **candidate** is a number token after an `=` on a line the checker
//! reads (prose, inline code, unlabelled code blocks, table cells with a
//! calculation), on a line without an error-level finding in the unchanged
//! text. A **mutation** replaces one of its digits with another digit
//! (never making a leading zero), so every byte offset stays the same. It
//! is **caught** when the changed text has an error-level finding the
//! unchanged text does not have (same rule, range and message), and caught
//! **nearby** when such a finding starts within three lines of the change.

use crate::doc::{Doc, LineKind};
use crate::lex::{Tok, Token};
use crate::{ClaimStatus, SpecReport, check_spec};
use mantile_diag::{Diagnostic, Severity, TextRange};
use std::collections::HashSet;

/// A reproducible stream of pseudo-random numbers (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// One changed digit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutation {
    /// The number the digit belongs to.
    pub number: TextRange,
    /// The digit's byte offset.
    pub at: usize,
    pub from: char,
    pub to: char,
}

impl Mutation {
    pub fn apply(&self, text: &str) -> String {
        let mut s = String::with_capacity(text.len());
        s.push_str(&text[..self.at]);
        s.push(self.to);
        s.push_str(&text[self.at + 1..]);
        s
    }
}

/// The numbers of `text` a mutation may change (see the module's note),
/// in document order.
pub fn candidates(text: &str, report: &SpecReport) -> Vec<TextRange> {
    let doc = Doc::parse(text);
    let flagged: HashSet<usize> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| line_start(text, d.range.start as usize))
        .collect();
    let mut out = Vec::new();
    let mut toks: Vec<Token> = Vec::new();
    for line in &doc.lines {
        if !matches!(line.kind, LineKind::Text | LineKind::Code) {
            continue;
        }
        if flagged.contains(&line_start(text, line.range.start as usize)) {
            continue;
        }
        toks.clear();
        doc.line_tokens(line, &mut toks);
        let mut after_eq = false;
        for t in &toks {
            match t.tok {
                Tok::Eq { .. } => after_eq = true,
                Tok::Num(_) if after_eq => out.push(t.range),
                _ => {}
            }
        }
    }
    out.sort_by_key(|r| r.start);
    out.dedup();
    out
}

/// The byte offset where the line holding `at` starts.
fn line_start(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1)
}

/// One digit of `number` changed to another, chosen with `rng`; `None`
/// when the number has no digit that can change.
pub fn mutate(text: &str, number: TextRange, rng: &mut Rng) -> Option<Mutation> {
    let src = text.get(number.as_range())?;
    let digits: Vec<usize> = src
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    if digits.is_empty() {
        return None;
    }
    let i = digits[rng.below(digits.len())];
    let from = src.as_bytes()[i] as char;
    // A leading digit of a longer integer part does not become 0.
    let int_digits = src
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b',' || *b == b'_')
        .filter(u8::is_ascii_digit)
        .count();
    let leading = i == digits[0] && int_digits > 1;
    let choices: Vec<char> = ('0'..='9')
        .filter(|&c| c != from && !(leading && c == '0'))
        .collect();
    let to = choices[rng.below(choices.len())];
    Some(Mutation {
        number,
        at: number.start as usize + i,
        from,
        to,
    })
}

/// What became of one mutation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub mutation: Mutation,
    /// 1-based line of the change.
    pub line: usize,
    /// A new error-level finding.
    pub caught: bool,
    /// A new error-level finding within three lines of the change.
    pub nearby: bool,
    /// The rules of the new findings (any level).
    pub rules: Vec<&'static str>,
    /// Why it was missed (empty when caught).
    pub reason: String,
}

/// Checks `text` with `m` applied and compares with `base` (the report of
/// the unchanged text).
pub fn judge(text: &str, base: &SpecReport, m: &Mutation) -> Outcome {
    let changed = m.apply(text);
    let report = check_spec(&changed);
    let key = |d: &Diagnostic| (d.rule.code, d.range, d.message.clone());
    let old: HashSet<_> = base.diagnostics.iter().map(key).collect();
    let new: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| !old.contains(&key(d)))
        .collect();
    let line = line_no(text, m.at);
    let errors: Vec<&&Diagnostic> = new
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let caught = !errors.is_empty();
    let nearby = errors
        .iter()
        .any(|d| line_no(text, d.range.start as usize).abs_diff(line) <= 3);
    let mut rules: Vec<&'static str> = new.iter().map(|d| d.rule.code).collect();
    rules.sort_unstable();
    rules.dedup();
    let reason = if caught {
        String::new()
    } else {
        why_missed(text, base, m, &new)
    };
    Outcome {
        mutation: m.clone(),
        line,
        caught,
        nearby,
        rules,
        reason,
    }
}

/// The 1-based line of byte `at` (lines end at `\n`, `\r\n`, `\r`).
pub fn line_no(text: &str, at: usize) -> usize {
    crate::lines(text)
        .take_while(|(start, _)| *start <= at)
        .count()
        .max(1)
}

/// Why a change went unnoticed, from what the unchanged report knows about
/// the number.
fn why_missed(text: &str, base: &SpecReport, m: &Mutation, new: &[&Diagnostic]) -> String {
    if let Some(d) = new.iter().max_by_key(|d| d.severity) {
        return format!(
            "reported below error level ({} {})",
            d.rule.code, d.severity
        );
    }
    let at = m.number.start as usize;
    let inside = |r: TextRange| r.start as usize <= at && at < r.end as usize;
    if let Some(c) = base
        .claims
        .iter()
        .filter(|c| base.sides(c).iter().any(|s| inside(s.range)))
        .min_by_key(|c| c.range.len())
    {
        let side = base.sides(c).iter().find(|s| inside(s.range));
        return match (c.status, side.and_then(|s| s.value)) {
            (ClaimStatus::Unevaluated, _) => {
                "in a claim that cannot be evaluated (unknown names, prose)".into()
            }
            (_, None) => "on a side of a claim that cannot be evaluated".into(),
            (_, Some(v)) if !v.is_exact() => {
                "in an approximate value, still within its stated precision".into()
            }
            _ => "in an evaluated claim, yet no finding".into(),
        };
    }
    let bound: Vec<_> = base
        .claims
        .iter()
        .flat_map(|c| base.bindings(c))
        .filter(|b| inside(b.bound_at))
        .collect();
    if !bound.is_empty() {
        return "a bound value whose uses state no number to compare".into();
    }
    let line = line_text(text, at);
    let body = line
        .trim_start()
        .trim_start_matches(['*', '-', '+', '`', ' '])
        .trim_start();
    if body.starts_with('=') {
        "a bare `= value` line that continues no claim".into()
    } else if line.contains("**") && !line.contains('`') {
        "a value in bold prose (`name = **value**`) that no claim uses".into()
    } else if line.contains('`') {
        "a named value (`name = value`) that nothing restates or uses".into()
    } else {
        "a number in prose".into()
    }
}

fn line_text(text: &str, at: usize) -> &str {
    let start = line_start(text, at);
    let end = text[start..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| start + i);
    &text[start..end]
}

/// Every candidate of `text` (or `per_file` of them, chosen with `rng`),
/// each with one mutation, judged.
pub fn run_file(text: &str, rng: &mut Rng, per_file: Option<usize>) -> Vec<Outcome> {
    let base = check_spec(text);
    let mut numbers = candidates(text, &base);
    if let Some(k) = per_file {
        // A partial Fisher–Yates shuffle: the first k are a uniform sample.
        for i in 0..k.min(numbers.len()) {
            let j = i + rng.below(numbers.len() - i);
            numbers.swap(i, j);
        }
        numbers.truncate(k);
        numbers.sort_by_key(|r| r.start);
    }
    numbers
        .into_iter()
        .filter_map(|n| mutate(text, n, rng))
        .map(|m| judge(text, &base, &m))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "# Test T-1 — x\n\n### Test case parameters\n\n* hidden_size `d` = **1024**\n* seq_len `S` = **8**\n\n### Expected calculations\n\n* FLOPs = `2 * S * d = 2 * 8 * 1024 = 16,384`\n* Note: about 16 K = 16,000 roughly\n";

    #[test]
    fn candidates_follow_an_equals_sign_on_lines_without_errors() {
        let base = check_spec(SPEC);
        let got: Vec<&str> = candidates(SPEC, &base)
            .iter()
            .map(|r| &SPEC[r.as_range()])
            .collect();
        assert_eq!(
            got,
            ["1024", "8", "2", "2", "8", "1024", "16,384", "16,000"]
        );
        // A line with an error is left alone.
        let wrong = SPEC.replace("= 16,384", "= 16,385");
        let base = check_spec(&wrong);
        assert!(
            candidates(&wrong, &base)
                .iter()
                .all(|r| !wrong[r.as_range()].starts_with("16,3"))
        );
    }

    #[test]
    fn mutations_change_one_digit_reproducibly() {
        let base = check_spec(SPEC);
        let numbers = candidates(SPEC, &base);
        let run = |seed| {
            let mut rng = Rng::new(seed);
            numbers
                .iter()
                .filter_map(|&n| mutate(SPEC, n, &mut rng))
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        for m in &a {
            let changed = m.apply(SPEC);
            assert_eq!(changed.len(), SPEC.len());
            assert_ne!(changed, SPEC);
            let n = &changed[m.number.as_range()];
            assert!(!(n.len() > 1 && n.starts_with('0')), "{n}");
        }
    }

    #[test]
    fn outcomes_say_caught_nearby_or_why_missed() {
        let base = check_spec(SPEC);
        let at = SPEC.find("16,384").unwrap();
        let m = Mutation {
            number: TextRange::new(at, at + 6),
            at: at + 1,
            from: '6',
            to: '7',
        };
        let o = judge(SPEC, &base, &m);
        assert!(o.caught && o.nearby, "{o:?}");
        assert_eq!(o.rules, ["MT001"]);
        // The rough note is prose: missed, with its reason.
        let at = SPEC.find("16,000").unwrap();
        let m = Mutation {
            number: TextRange::new(at, at + 6),
            at,
            from: '1',
            to: '2',
        };
        let o = judge(SPEC, &base, &m);
        assert!(!o.caught);
        assert_eq!(o.reason, "a number in prose");
    }
}
