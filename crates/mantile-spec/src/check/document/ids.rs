//! MT007, MT008: test IDs unique, increasing, without gaps.

use crate::check::*;

impl<'a> Checker<'a> {
    pub(in crate::check) fn check_ids(&mut self) {
        let mut seen: SmallMap<&str, TextRange> = SmallMap::default();
        // Per ID prefix: the highest number so far, and its group's index.
        let mut last: SmallMap<&str, (u64, usize)> = SmallMap::default();
        let mut groups: Vec<(&str, Vec<(u64, TextRange)>)> = Vec::new();
        for t in &self.tests {
            if let Some(r) = seen.get(&t.id.as_str()) {
                self.diags.push(
                    Diagnostic::new(
                        &DUPLICATE_TEST_ID,
                        t.heading,
                        format!("Test {} appears twice", t.id),
                    )
                    .with_related(*r, "first defined here"),
                );
                continue;
            }
            seen.insert(&t.id, t.heading);
            let (prefix, num) = split_id(&t.id);
            let Some((n, sub)) = id_number(num) else {
                continue;
            };
            if sub {
                continue;
            }
            if let Some((prev, _)) = last.get(&prefix)
                && n < *prev
            {
                self.diags.push(Diagnostic::new(
                    &TEST_ID_SEQUENCE,
                    t.heading,
                    format!(
                        "Test {} comes after {prefix}{prev}; IDs should increase",
                        t.id
                    ),
                ));
            }
            match last.get_mut(&prefix) {
                Some((high, g)) => {
                    *high = (*high).max(n);
                    groups[*g].1.push((n, t.heading));
                }
                None => {
                    last.insert(prefix, (n, groups.len()));
                    groups.push((prefix, vec![(n, t.heading)]));
                }
            }
        }
        for (prefix, mut nums) in groups {
            nums.sort_by_key(|(n, _)| *n);
            for w in nums.windows(2) {
                if w[1].0 > w[0].0 + 1 {
                    let missing: Vec<String> = (w[0].0 + 1..w[1].0)
                        .take(5)
                        .map(|k| format!("{prefix}{k}"))
                        .collect();
                    self.diags.push(Diagnostic::new(
                        &TEST_ID_SEQUENCE,
                        w[1].1,
                        format!(
                            "test IDs skip from {prefix}{} to {prefix}{}: {} missing",
                            w[0].0,
                            w[1].0,
                            missing.join(", ")
                        ),
                    ));
                }
            }
        }
    }
}
