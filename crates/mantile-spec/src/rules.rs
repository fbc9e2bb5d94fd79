//! The rules of the spec checker.

use mantile_diag::{Rule, Severity};

pub static CLAIM_MISMATCH: Rule = Rule {
    code: "MT001",
    name: "claim-mismatch",
    summary: "the two sides of a calculation disagree",
    default_severity: Severity::Error,
};

pub static FORMULA_MISMATCH: Rule = Rule {
    code: "MT002",
    name: "formula-mismatch",
    summary: "numbers substituted into a formula do not match the test's own parameters",
    default_severity: Severity::Error,
};

pub static CONVERSION_MISMATCH: Rule = Rule {
    code: "MT003",
    name: "conversion-mismatch",
    summary: "a unit conversion is wrong: an element count and its byte size (`→`) with bytes_per_elem, a value restated in another unit, a name in a unit scaled by another power",
    default_severity: Severity::Error,
};

pub static EXPECTED_MISMATCH: Rule = Rule {
    code: "MT004",
    name: "expected-mismatch",
    summary: "a test's Expected results disagree with the result its own steps state",
    default_severity: Severity::Error,
};

pub static SUMMARY_MISMATCH: Rule = Rule {
    code: "MT005",
    name: "summary-mismatch",
    summary: "a Test Summary row disagrees with the test's Expected results or parameters",
    default_severity: Severity::Error,
};

pub static SUMMARY_COVERAGE: Rule = Rule {
    code: "MT006",
    name: "summary-coverage",
    summary: "a test is missing from the Test Summary table, or a row names no test",
    default_severity: Severity::Warning,
};

pub static DUPLICATE_TEST_ID: Rule = Rule {
    code: "MT007",
    name: "duplicate-test-id",
    summary: "two tests have the same ID",
    default_severity: Severity::Error,
};

pub static TEST_ID_SEQUENCE: Rule = Rule {
    code: "MT008",
    name: "test-id-sequence",
    summary: "test IDs are out of order or skip a number",
    default_severity: Severity::Warning,
};

pub static MISSING_SECTION: Rule = Rule {
    code: "MT009",
    name: "missing-section",
    summary: "a section required by the strict test format (AGENT_CREATE_CONFIG.md §4.8) is missing",
    default_severity: Severity::Warning,
};

pub static UNRESOLVED_REFERENCE: Rule = Rule {
    code: "MT010",
    name: "unresolved-reference",
    summary: "\"Same as Test X\" names no earlier test in the file",
    default_severity: Severity::Info,
};

pub static STRAY_VALUE: Rule = Rule {
    code: "MT011",
    name: "stray-value",
    summary: "a stated value appears nowhere else in its test, one digit away from a value that does",
    default_severity: Severity::Error,
};

/// Every rule of this crate.
pub static RULES: &[&Rule] = &[
    &CLAIM_MISMATCH,
    &FORMULA_MISMATCH,
    &CONVERSION_MISMATCH,
    &EXPECTED_MISMATCH,
    &SUMMARY_MISMATCH,
    &SUMMARY_COVERAGE,
    &DUPLICATE_TEST_ID,
    &TEST_ID_SEQUENCE,
    &MISSING_SECTION,
    &UNRESOLVED_REFERENCE,
    &STRAY_VALUE,
];
