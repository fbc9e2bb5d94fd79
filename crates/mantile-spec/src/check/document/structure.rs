//! MT009: the sections the strict test format asks for.

use crate::check::*;

impl<'a> Checker<'a> {
    pub(in crate::check) fn check_structure(&mut self) {
        if self.tests.is_empty() {
            return;
        }
        let first_test = self.tests[0].start;
        let file_heads: Vec<String> = self
            .doc
            .headings
            .iter()
            .filter(|h| self.locate(h.range.start as usize).0.is_none())
            .map(|h| h.text.to_lowercase())
            .collect();
        let anchor = self
            .doc
            .headings
            .iter()
            .find(|h| (h.range.start as usize) < first_test)
            .map(|h| h.range)
            .unwrap_or(self.tests[0].heading);
        for (want, what) in [
            ("overview", "an `## Overview` section"),
            ("test summary", "a `## Test Summary` table"),
            (
                "conventions",
                "a `## Conventions Used in All Tests` section",
            ),
        ] {
            if !file_heads.iter().any(|h| h.contains(want)) {
                self.diags.push(Diagnostic::new(
                    &MISSING_SECTION,
                    anchor,
                    format!("the strict test format asks for {what}"),
                ));
            }
        }
        let mut out = Vec::new();
        for t in &self.tests {
            let mut missing = Vec::new();
            if !t.params_heading {
                missing.push("### Test case parameters");
            }
            if t.calc_start.is_none() {
                missing.push("### Expected calculations");
            }
            if t.exp_start.is_none() {
                missing.push("### Expected results");
            } else {
                if !t.per_chip_label {
                    missing.push("**Per-chip metrics**");
                }
                if !t.aggregate_label {
                    missing.push("**Aggregate metrics**");
                }
            }
            if !missing.is_empty() {
                out.push(Diagnostic::new(
                    &MISSING_SECTION,
                    t.heading,
                    format!(
                        "Test {} lacks {} (strict test format)",
                        t.id,
                        missing.join(", ")
                    ),
                ));
            }
        }
        for d in out {
            self.diags.push(d);
        }
    }
}
