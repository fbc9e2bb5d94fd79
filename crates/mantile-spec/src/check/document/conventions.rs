//! MT002: a value the file gives outside its tests that every later test
//! contradicts.

use crate::check::*;

impl<'a> Checker<'a> {
    /// A value the file gives outside its tests (`bytes_per_elem = 2` in
    /// the conventions) that every test after it stating the name (two or
    /// more) contradicts, all with one other value: the file's is wrong.
    pub(in crate::check) fn check_conventions(&mut self) {
        // The file's names (the first few bindings of each).
        let mut names: SmallMap<&str, SmallVec<[usize; 2]>> = SmallMap::default();
        for (k, b) in self.file_binds.list.iter().enumerate() {
            if b.trusted && b.value.is_exact() {
                let v = names.entry(b.name, SmallVec::new);
                if v.len() < 8 {
                    v.push(k);
                }
            }
        }
        if names.items.is_empty() {
            return;
        }
        let mask = names.keys().fold(0u64, |m, n| m | Binds::name_bit(n));
        // What each test states for them: its own parameter, or else its
        // Expected value.
        let mut stated: SmallMap<&str, Vec<(usize, Interval)>> = SmallMap::default();
        for t in &self.tests {
            let mut seen: SmallVec<[&str; 8]> = SmallVec::new();
            let own = t
                .binds
                .list
                .iter()
                .filter(|b| b.trusted)
                .map(|b| (b.name, b.value));
            let expected = t.expected.iter().map(|(e, _)| (e.name.as_str(), e.value));
            for (n, v) in own.chain(expected) {
                if mask & Binds::name_bit(n) == 0 || names.get(&n).is_none() || seen.contains(&n) {
                    continue;
                }
                if seen.len() < 8 {
                    seen.push(n);
                }
                stated.entry(n, Vec::new).push((t.start, v));
            }
        }
        let mut out = Vec::new();
        for (name, binds) in &names.items {
            let Some(vals) = stated.get(name) else {
                continue;
            };
            for &k in binds {
                let b = &self.file_binds.list[k];
                let after: Vec<Interval> = vals
                    .iter()
                    .filter(|(start, _)| *start > b.range.start as usize)
                    .map(|(_, v)| *v)
                    .collect();
                let Some(first) = after.first() else { continue };
                let one = after.iter().all(|v| v.overlaps(first) && first.overlaps(v));
                if after.len() < 2 || !one || first.overlaps(&b.value) {
                    continue;
                }
                out.push(Diagnostic::new(
                    &FORMULA_MISMATCH,
                    b.value_at,
                    format!(
                        "{name} is {} here, but the {} tests after it that state it all give {}",
                        b.value.display(),
                        after.len(),
                        first.display()
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
