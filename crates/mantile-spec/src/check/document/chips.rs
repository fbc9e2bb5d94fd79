//! MT002: `num_chips` against the test's parallel degrees.

use crate::check::*;

impl<'a> Checker<'a> {
    /// `num_chips` against the parallelism the test gives: the product of
    /// its tensor, context and expert parallel degrees (as Mantile's layers
    /// count their chips), times its sequence, pipeline or data parallel
    /// degrees or not (layers differ on whether those add chips).
    pub(in crate::check) fn check_chips(&mut self) {
        const ALWAYS: [[&str; 2]; 3] = [
            ["tensor_parallel", "tp"],
            ["context_parallel", "cp"],
            ["expert_parallel", "ep"],
        ];
        const MAYBE: [[&str; 2]; 3] = [
            ["sequence_parallel", "sp"],
            ["pipeline_parallel", "pp"],
            ["data_parallel", "dp"],
        ];
        for ti in 0..self.tests.len() {
            let degree = |names: &[&str; 2]| -> Option<(i128, bool)> {
                names.iter().find_map(|n| {
                    let r = self.lookup_ref(Some(ti), n)?;
                    let b = self.bind(r)?;
                    let v = b.value.exact_value()?.as_integer().filter(|&v| v >= 1)?;
                    Some((v, r.0 == ti as u32 && b.trusted))
                })
            };
            let Some(r) = self.lookup_ref(Some(ti), "num_chips") else {
                continue;
            };
            let Some(chips) = self.bind(r).filter(|b| b.trusted).cloned() else {
                continue;
            };
            let Some(n) = chips.value.exact_value().and_then(|v| v.as_integer()) else {
                continue;
            };
            let mut here = r.0 == ti as u32;
            let mut always = 1i128;
            let mut named = Vec::new();
            for names in &ALWAYS {
                if let Some((v, own)) = degree(names) {
                    always = always.saturating_mul(v);
                    here |= own;
                    named.push(format!("{} = {v}", names[1]));
                }
            }
            let mut maybe = Vec::new();
            for names in &MAYBE {
                if let Some((v, own)) = degree(names) {
                    maybe.push(v);
                    here |= own;
                    named.push(format!("{} = {v}", names[1]));
                }
            }
            // Only where this test states one of them, and says something.
            if !here || named.is_empty() {
                continue;
            }
            let fits = (0..1u32 << maybe.len()).any(|mask| {
                let p = maybe
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .fold(always, |acc, (_, v)| acc.saturating_mul(*v));
                p == n
            });
            if fits {
                continue;
            }
            let all = maybe.iter().fold(always, |acc, v| acc.saturating_mul(*v));
            let range = chips.value_at;
            if !self.diags.room(&FORMULA_MISMATCH, range, Severity::Error) {
                continue;
            }
            self.diags.push(Diagnostic::new(
                &FORMULA_MISMATCH,
                range,
                format!(
                    "num_chips is {n}, but the test's parallelism ({}) gives {all} chips",
                    named.join(", ")
                ),
            ));
        }
    }
}
