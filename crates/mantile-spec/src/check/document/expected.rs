//! MT004: a test's Expected results against the results its steps state.

use crate::check::*;

impl<'a> Checker<'a> {
    pub(in crate::check) fn check_expected(&mut self) {
        for ti in 0..self.tests.len() {
            let t = &self.tests[ti];
            if t.expected.is_empty() {
                continue;
            }
            // Each metric's Expected values (in order of first mention) and
            // the last step that states it.
            let mut exps: SmallMap<&str, SmallVec<[usize; 2]>> = SmallMap::default();
            for (i, (e, _)) in t.expected.iter().enumerate() {
                exps.entry(e.name.as_str(), SmallVec::new).push(i);
            }
            let mut last_step: SmallMap<&str, usize> = SmallMap::default();
            for (i, s) in t.steps.iter().enumerate() {
                if exps.get(&s.name).is_some() {
                    last_step.insert(s.name, i);
                }
            }
            let mut found: Vec<(StepResult, ExpectedMetric, Option<NumberStyle>)> = Vec::new();
            for name in exps.keys() {
                let Some(step) = last_step.get(&name).map(|&i| &t.steps[i]) else {
                    continue;
                };
                let Some(exps) = exps.get(&name) else {
                    continue;
                };
                if exps
                    .iter()
                    .any(|&i| t.expected[i].0.value.overlaps(&step.value))
                    || step.failed
                {
                    continue;
                }
                let (e, style) = &t.expected[exps[0]];
                found.push((step.clone(), e.clone(), *style));
            }
            if found.is_empty() {
                continue;
            }
            let stale: HashSet<Rational> = found
                .iter()
                .filter(|(s, _, _)| !s.grounded)
                .filter_map(|(s, _, _)| s.value.exact_value())
                .collect();
            let id = t.id.clone();
            let ok_values: HashSet<Interval> = t.ok_values.iter().copied().collect();
            for (mut step, exp, exp_style) in found {
                step.grounded |= ok_values.contains(&step.value);
                let approx = !step.value.is_exact() || !exp.value.is_exact();
                let tainted = step.inputs.iter().any(|v| stale.contains(v));
                let sev = if approx {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                let d = if step.grounded && !tainted {
                    let mut d = Diagnostic::new(
                        &EXPECTED_MISMATCH,
                        exp.range,
                        format!(
                            "Test {id}: Expected results give {} = {}, but the steps compute {}",
                            exp.name,
                            exp.value.display(),
                            step.value.display()
                        ),
                    )
                    .with_related(step.range, "the steps' result");
                    if let (Some(v), Some(style)) = (step.value.exact_value(), exp_style)
                        && let Some(i) = v.as_integer()
                    {
                        d = d.with_fix(Fix::replace(
                            format!("Set {} to {}", exp.name, format_with_style(i, style)),
                            exp.range,
                            format_with_style(i, style),
                        ));
                    }
                    d
                } else {
                    let mut d = Diagnostic::new(
                        &EXPECTED_MISMATCH,
                        step.range,
                        format!(
                            "Test {id}: the steps state {} = {}, but Expected results give {}",
                            step.name,
                            step.value.display(),
                            exp.value.display()
                        ),
                    )
                    .with_related(exp.range, "the Expected results value");
                    if !step.grounded
                        && let (Some((_, style)), Some(v)) = (step.literal, exp.value.exact_value())
                        && let Some(i) = v.as_integer()
                    {
                        d = d.with_fix(Fix::replace(
                            format!("Set {} to {}", step.name, format_with_style(i, style)),
                            step.range,
                            format_with_style(i, style),
                        ));
                    }
                    d
                };
                self.diags.push(d.with_severity(sev));
            }
        }
    }
}
