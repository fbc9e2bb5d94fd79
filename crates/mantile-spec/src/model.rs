//! The public result types of a spec check.

use crate::num::{Interval, Rational};
use mantile_diag::{Diagnostic, TextRange};

/// Everything one check of a spec found.
#[derive(Clone, Debug, Default)]
pub struct SpecReport {
    pub diagnostics: Vec<Diagnostic>,
    pub claims: Vec<Claim>,
    pub tests: Vec<TestInfo>,
    pub stats: SpecStats,
    /// Every claim's sides, claim after claim (see [`SpecReport::sides`]):
    /// one vector for the check, not one a claim.
    pub(crate) sides: Vec<ClaimSide>,
    /// The names every claim used (see [`SpecReport::bindings`]).
    pub(crate) bindings: Vec<BindingUse>,
}

impl SpecReport {
    /// A claim's sides, in the order the text states them.
    pub fn sides(&self, claim: &Claim) -> &[ClaimSide] {
        slots(&self.sides, &claim.sides)
    }

    /// The names a claim used, each with its value and where it was bound.
    pub fn bindings(&self, claim: &Claim) -> &[BindingUse] {
        slots(&self.bindings, &claim.bindings)
    }
}

/// The items of `all` at `at` (none when out of range).
pub(crate) fn slots<'v, T>(all: &'v [T], at: &std::ops::Range<u32>) -> &'v [T] {
    all.get(at.start as usize..at.end as usize).unwrap_or(&[])
}

/// Claim counts for `check --stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpecStats {
    /// Calculations recognised (a chain `a = b [= c ...]` with two or more
    /// sides that are expressions, or an element-to-byte `→` conversion).
    pub claims_found: usize,
    /// Claims with at least two sides that could be evaluated and compared.
    pub claims_evaluated: usize,
    /// Evaluated claims whose sides disagree.
    pub claims_failing: usize,
}

impl std::fmt::Display for SpecStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "claims found {}, evaluated {}, failing {}",
            self.claims_found, self.claims_evaluated, self.claims_failing
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimStatus {
    /// Every evaluated side agrees (at the precision the text states).
    Ok,
    /// Two sides disagree.
    Mismatch,
    /// Fewer than two sides could be evaluated (unknown names, prose).
    Unevaluated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimKind {
    /// `lhs = rhs [= ...]`, possibly over several lines.
    Equation,
    /// `N elems → M bytes`: `M = N * bytes_per_elem`.
    Conversion,
    /// A value restated in larger units: `268,435,456 bytes (256 MB)`,
    /// `1,099,511,627,776 (≈1.1 TFLOPs)`, `0.000168 ms (168 ns)`.
    Restatement,
}

/// One side of a claim.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimSide {
    pub range: TextRange,
    /// The side's value; a range when the text rounds (`0.168`, `≈2.2`, `2.19...`).
    pub value: Option<Interval>,
}

/// A name a claim used, with the value and where it was bound.
#[derive(Clone, Debug, PartialEq)]
pub struct BindingUse {
    /// Where the name is written where it was bound (see [`BindingUse::name`]).
    pub name_at: TextRange,
    pub value: Interval,
    /// Where the name got its value (a parameter bullet, a derived line, ...).
    pub bound_at: TextRange,
    /// Where the claim uses it.
    pub used_at: TextRange,
}

impl BindingUse {
    /// The name, read from the checked `text` (kept as a range so that a
    /// check allocates no string per name a claim uses).
    pub fn name<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.name_at.as_range()).unwrap_or("")
    }
}

/// A calculation found in the text.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// From the first side to the last.
    pub range: TextRange,
    pub kind: ClaimKind,
    /// Where the name the claim defines is written (`M` in `M = B*S =
    /// 256`), if it defines one: see [`Claim::target`].
    pub target_at: Option<TextRange>,
    /// Where its sides are in the report: see [`SpecReport::sides`].
    pub(crate) sides: std::ops::Range<u32>,
    /// The claim's value: the side the others are compared against (a range
    /// when the text rounds). See [`Claim::value`] and [`Claim::display`].
    pub interval: Option<Interval>,
    pub status: ClaimStatus,
    /// Where the names it used are in the report: see
    /// [`SpecReport::bindings`].
    pub(crate) bindings: std::ops::Range<u32>,
}

impl Claim {
    /// The name the claim defines, read from the checked `text` (kept as a
    /// range so that a check allocates no string per claim).
    pub fn target<'t>(&self, text: &'t str) -> Option<&'t str> {
        text.get(self.target_at?.as_range())
    }

    /// The claim's value (the midpoint when the text rounds).
    pub fn value(&self) -> Option<Rational> {
        self.interval.map(|v| v.mid())
    }

    /// The value as text (`1,048,576`, `0.16777216`, `≈0.168`); empty when
    /// the claim has no value.
    pub fn display(&self) -> String {
        self.interval.map(|v| v.display()).unwrap_or_default()
    }
}

/// A metric from a test's Expected results.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectedMetric {
    pub name: String,
    /// The value stated (a range when the text rounds); see
    /// [`ExpectedMetric::display`].
    pub value: Interval,
    /// The number's range.
    pub range: TextRange,
}

impl ExpectedMetric {
    /// The value as text (`1,048,576`, `≈0.168`).
    pub fn display(&self) -> String {
        self.value.display()
    }
}

/// A test (`# Test MHA-1 — ...`).
#[derive(Clone, Debug, PartialEq)]
pub struct TestInfo {
    pub id: String,
    pub title: String,
    pub heading_range: TextRange,
    /// From the heading to the end of the test.
    pub range: TextRange,
    pub expected: Vec<ExpectedMetric>,
}

/// The claim whose range holds `offset` (the innermost when several do).
pub fn claim_at(report: &SpecReport, offset: usize) -> Option<&Claim> {
    report
        .claims
        .iter()
        .filter(|c| c.range.contains_inclusive(offset))
        .min_by_key(|c| c.range.len())
}
