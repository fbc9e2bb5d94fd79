//! The rules for gap reports and the workspace's gap bookkeeping.

mantile_diag::declare_rules! {
    /// Every gap-report rule, in code order.
    RULES;
    MISSING_SECTION = "GR001", "missing-report-section", Error, "A section the guide requires (§4.1–4.7) is missing from the gap report.";
    INCOMPLETE_SECTION = "GR002", "incomplete-section", Warning, "A required section lacks a part the guide asks for.";
    TENSOR_SHAPE = "GR004", "tensor-shape", Error, "A tensor's shape in the report contradicts the config's specs.";
    MISSING_TEST_SUITE = "GR010", "missing-test-suite", Error, "The gap has no test suite tests/<layer>_tests.md.";
    TEST_SUITE_SIZE = "GR011", "test-suite-size", Error, "A gap's test suite must have 3 to 5 tests.";
    TEST_SUITE_COVERAGE = "GR012", "test-suite-coverage", Error, "A gap's test suite needs a single-chip baseline and a parallel (TP or EP) test.";
    ORPHANED_REPORT = "GR013", "orphaned-report", Info, "No config's gap_report names this report.";
}
