//! MT002: formulas the file gives (`d = h*dh`) held against the parameters of
//! the tests of their section.

use crate::check::*;

impl<'a> Checker<'a> {
    /// The formulas the file gives for names, held against each test that
    /// binds the name and every name of the formula (`d = h*dh` in the
    /// conventions, and a test with d = 1024, h = 16, dh = 62).
    pub(in crate::check) fn check_template_relations(&mut self, lx: &Lexed<'a>) {
        if self.templates.is_empty() {
            return;
        }
        // Only names some test gives as a parameter can be held to one.
        let mut params: SmallVec<[&str; 8]> = SmallVec::new();
        for t in &self.tests {
            for b in &t.binds.list {
                if b.trusted
                    && self.template_names & Binds::name_bit(b.name) != 0
                    && !params.contains(&b.name)
                    && self.templates.iter().any(|x| same(x.0, b.name))
                {
                    params.push(b.name);
                }
            }
        }
        let mut out = Vec::new();
        for &(name, part, end) in &self.templates {
            if !params.contains(&name) {
                continue;
            }
            let Some(e) = part.expr else { continue };
            let toks = part.toks(&lx.toks);
            let from = self
                .tests
                .partition_point(|t| t.start < part.range.start as usize);
            for ti in from..self.tests.len() {
                if self.tests[ti].start >= end {
                    break;
                }
                let Some(r) = self.lookup_ref(Some(ti), name).filter(|r| r.0 != u32::MAX) else {
                    continue;
                };
                let Some(b) = self.bind(r).filter(|b| b.trusted && b.value.is_exact()) else {
                    continue;
                };
                // Every name of the formula a parameter of the test.
                let mut all_params = true;
                let mut lookup = |n: &str, _: usize| -> Option<Interval> {
                    let r = self.lookup_ref(Some(ti), n)?;
                    let b = self.bind(r)?;
                    all_params &= r.0 != u32::MAX && b.trusted;
                    Some(b.value)
                };
                let Some(v) = expr::eval(&self.arena, e, toks, LiteralMode::Exact, &mut lookup)
                else {
                    continue;
                };
                if !all_params || v.overlaps(&b.value) {
                    continue;
                }
                let formula = excerpt(self.doc.slice(part.range).trim());
                out.push(
                    Diagnostic::new(
                        &FORMULA_MISMATCH,
                        b.value_at,
                        format!(
                            "{name} is {} here, but `{formula}` is {} with the test's values",
                            b.value.display(),
                            v.display()
                        ),
                    )
                    .with_related(part.range, format!("{name} = {formula}")),
                );
            }
        }
        out.sort_by_key(|d| d.range.start);
        out.dedup_by_key(|d| d.range);
        for d in out {
            if self.diags.room(d.rule, d.range, Severity::Error) {
                self.diags.push(d);
            }
        }
    }
}
