//! Recomputes the calculations in Mantile's Markdown test specs
//! (`tests/*_tests.md`).
//!
//! [`check_spec`] reads one document (no I/O) and returns every claim it found
//! (`lhs = rhs [= ...]` chains in inline code, bold, plain text and formula
//! blocks; `N elems → M bytes` conversions), each with its range, value and the
//! names it used, plus diagnostics for claims whose sides disagree and for the
//! document-level checks: Expected results vs the steps, the Test Summary table
//! vs each test, test IDs, and the strict format's sections.

mod check;
mod doc;
mod expr;
mod lex;
mod model;
pub mod num;
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
    check::Checker::new(text).run()
}

#[cfg(test)]
mod tests;
