//! MT002: a test on one chip has no communication.

use crate::check::*;

impl<'a> Checker<'a> {
    /// A test on one chip (every parallel degree it gives is 1, and so is
    /// `num_chips` when given) has no communication: a communication byte
    /// count or time it states is 0.
    pub(in crate::check) fn check_single_chip(&mut self) {
        const DEGREES: [[&str; 2]; 6] = [
            ["tensor_parallel", "tp"],
            ["context_parallel", "cp"],
            ["expert_parallel", "ep"],
            ["sequence_parallel", "sp"],
            ["pipeline_parallel", "pp"],
            ["data_parallel", "dp"],
        ];
        const COMM: [&str; 4] = [
            "communication_bytes",
            "comm_bytes",
            "communication_time_ms",
            "comm_time_ms",
        ];
        let mut out = Vec::new();
        let zero = Interval::exact(Rational::ZERO);
        for ti in 0..self.tests.len() {
            // The communication the test states (most often none at all,
            // or 0): looked at before its parallelism.
            let t = &self.tests[ti];
            let stated = t
                .binds
                .list
                .iter()
                .filter(|b| COMM.contains(&b.name))
                .map(|b| (b.name, b.value, b.value_at));
            let expected = t
                .expected
                .iter()
                .filter(|(e, _)| COMM.contains(&e.name.as_str()))
                .map(|(e, _)| (e.name.as_str(), e.value, e.range));
            let some: SmallVec<[(&str, Interval, TextRange); 2]> = stated
                .chain(expected)
                .filter(|(_, v, _)| !v.overlaps(&zero))
                .collect();
            if some.is_empty() {
                continue;
            }
            let value = |n: &str| {
                let b = self.bind(self.lookup_ref(Some(ti), n)?)?;
                b.value.exact_value()?.as_integer()
            };
            let mut given = 0;
            let mut one_chip = true;
            for names in DEGREES
                .iter()
                .chain(std::iter::once(&["num_chips", "num_chips"]))
            {
                if let Some(v) = names.iter().find_map(|n| value(n)) {
                    given += 1;
                    one_chip &= v == 1;
                }
            }
            if given == 0 || !one_chip {
                continue;
            }
            for (name, v, at) in some {
                out.push(Diagnostic::new(
                    &FORMULA_MISMATCH,
                    at,
                    format!(
                        "{name} is {}, but Test {} runs on one chip: there is no communication",
                        v.display(),
                        t.id
                    ),
                ));
            }
        }
        for d in out {
            if self.diags.room(d.rule, d.range, Severity::Error) {
                self.diags.push(d);
            }
        }
    }
}
