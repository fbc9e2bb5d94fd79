//! What the checker's unit tests share: a one-test spec and its error-level
//! findings in the forms the tests compare.

use crate::check_spec;
use mantile_diag::Severity;

/// A one-test spec (`T-1`) with parameters `params` and steps `steps`.
pub(crate) fn one_test(params: &str, steps: &str) -> String {
    format!(
        "# Test T-1 — x\n\n### Test case parameters\n\n{params}\n\n### Expected calculations\n\n{steps}\n"
    )
}

/// The error-level findings of `text` as `CODE message`.
pub(crate) fn error_findings(text: &str) -> Vec<String> {
    errors_as(text, |d| format!("{} {}", d.rule.code, d.message))
}

/// The error-level findings' messages.
pub(crate) fn error_messages(text: &str) -> Vec<String> {
    errors_as(text, |d| d.message.clone())
}

fn errors_as(text: &str, f: impl Fn(&mantile_diag::Diagnostic) -> String) -> Vec<String> {
    check_spec(text)
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(f)
        .collect()
}
