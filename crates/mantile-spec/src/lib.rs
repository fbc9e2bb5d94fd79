//! Recomputes the calculations in Mantile's Markdown test specs
//! (`tests/*_tests.md`).
//!
//! [`check_spec`] reads one document (pure: no I/O, never panics) and returns a
//! [`SpecReport`]: every claim it found, the tests, diagnostics and counts.
//!
//! **Claims.** `lhs = rhs [= ...]` chains in inline code, bold, plain text and
//! unlabelled fenced blocks; a line or bullet that starts with `=` continues the
//! claim above it; a calculation wrapped over lines is read whole (a line of a
//! paragraph that ends inside code or bold, or with an operator, or whose next
//! line goes on with one or with its number's unit); several claims may share
//! a line. Operators `+ - * × · x / ^`
//! and parentheses, `max`/`min`, thousands separators `,` `_`, decimals, `~`/`≈`
//! and `...` (compared at the stated precision: every side is an interval of
//! exact rationals), units (`elems`, `bytes`/`B`, `ms`, `FLOPs`, `TFLOPs`, `MiB`;
//! `MB`/`GB` accept either base). `N elems → M bytes` checks `M = N ×
//! bytes_per_elem`, and `268,435,456 bytes (256 MB)` checks the restatement.
//! Names are bound from parameter bullets (``* hidden_size `d` = **1024**``),
//! derived lines (`` `M = B*S = 256` ``), conventions and earlier results, per
//! test; "Same as Test X" inherits X's names. A claim that cannot be evaluated
//! (unknown names, prose) is counted, not reported.
//!
//! **Rules** (see [`RULES`]):
//!
//! | code | name | severity | finding |
//! |------|------|----------|---------|
//! | MT001 | claim-mismatch | error | the sides of a calculation disagree |
//! | MT002 | formula-mismatch | error (warning when a name comes from a claim that fails itself) | numbers substituted into a formula disagree with the parameters |
//! | MT003 | conversion-mismatch | error | `→` element-to-byte conversion, unit restatement or a named unit's power of ten is wrong |
//! | MT004 | expected-mismatch | error (warning for `≈` values) | Expected results disagree with the steps |
//! | MT005 | summary-mismatch | error | a Test Summary row disagrees with its test |
//! | MT006 | summary-coverage | warning | a test is missing from the summary, or a row names no test |
//! | MT007 | duplicate-test-id | error | two tests share an ID |
//! | MT008 | test-id-sequence | warning | IDs out of order or skipping numbers |
//! | MT009 | missing-section | warning | a section of the strict format (§4.8) is missing |
//! | MT010 | unresolved-reference | info | "Same as Test X" names no earlier test |
//! | MT011 | stray-value | error | a value appears nowhere else in its test, one digit from one that does |

mod check;
mod doc;
mod expr;
mod lex;
mod model;
#[doc(hidden)]
pub mod neutral;
pub mod num;
#[doc(hidden)]
pub mod recall;
mod rules;

pub use expr::eval_expr;
pub use model::{
    BindingUse, Claim, ClaimKind, ClaimSide, ClaimStatus, ExpectedMetric, SpecReport, SpecStats,
    TestInfo, claim_at,
};
pub use num::{Interval, Rational};
pub use rules::*;

/// Checks one spec document. Pure, does no I/O, never panics.
pub fn check_spec(text: &str) -> SpecReport {
    check::Checker::new(doc::Doc::parse(text), None).run()
}

/// The lines of `text`, each with the byte offset where it starts and
/// without its line break. Lines end at `\n`, `\r\n` or a lone `\r`, as in
/// CommonMark (and as [`check_spec`] reads them); a break at the very end
/// does not start another line.
pub fn lines(text: &str) -> Lines<'_> {
    Lines { text, at: 0 }
}

/// See [`lines`].
#[derive(Clone, Debug)]
pub struct Lines<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        if start >= bytes.len() {
            return None;
        }
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(bytes.len(), |p| start + p);
        self.at = match bytes.get(end..end + 2) {
            Some(b"\r\n") => end + 2,
            _ => end + 1,
        };
        Some((start, self.text.get(start..end).unwrap_or("")))
    }
}

/// `diagnostics` (sorted) with at most 1,000 findings per rule, as
/// [`check_spec`] reports them: each rule's others are counted in one
/// finding at the first of them ("4,000 more GR002 findings in this file are
/// not listed"). An editor cannot show 100,000 findings either.
pub fn limit_per_rule(diagnostics: Vec<mantile_diag::Diagnostic>) -> Vec<mantile_diag::Diagnostic> {
    let mut out = check::limit_per_rule(diagnostics);
    mantile_diag::sort_diagnostics(&mut out);
    out
}

/// What a check keeps for the next check of the same document (an editor's
/// successive versions): the Markdown structure of each chunk of the text,
/// so that an edit re-reads only the chunks it touched.
#[derive(Default)]
pub struct SpecCache {
    markdown: doc::MarkdownCache,
}

impl SpecCache {
    /// How many bytes of Markdown the last check had to read again.
    pub fn last_read(&self) -> usize {
        self.markdown.last_read
    }
}

/// [`check_spec`] with a cache kept between versions of one document: the
/// same report, less work when only part of the text changed.
pub fn check_spec_cached(text: &str, cache: &mut SpecCache) -> SpecReport {
    let doc = doc::Doc::parse_cached(text, &mut cache.markdown);
    check::Checker::new(doc, Some(&mut cache.markdown)).run()
}

/// For the fuzz target: whether reading the text in chunks, cut at every
/// point the splitter allows, gives exactly the structure of reading it
/// whole (or is detected as unsafe and not used).
#[doc(hidden)]
pub fn chunked_markdown_agrees(text: &str) -> bool {
    doc::chunked_agrees(text)
}

/// For the fuzz target: whether reading `versions` in turn with one cache
/// gives, for each, the structure of reading it afresh.
#[doc(hidden)]
pub fn cached_markdown_agrees(versions: &[&str]) -> bool {
    doc::cached_agrees(versions)
}

/// For the fuzz target: whether checking `versions` in turn with one
/// [`SpecCache`] gives, for each, exactly the report of [`check_spec`].
#[doc(hidden)]
pub fn cached_reports_agree(versions: &[&str]) -> bool {
    let mut cache = SpecCache::default();
    versions.iter().all(|v| {
        format!("{:?}", check_spec_cached(v, &mut cache)) == format!("{:?}", check_spec(v))
    })
}

#[cfg(test)]
mod compare_tests;
#[cfg(test)]
mod edit_tests;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod recall_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
