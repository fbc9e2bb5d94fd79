//! Where the rules put their findings, with the output of one file bounded:
//! at most [`MAX_PER_RULE`] findings of one rule (then one summary finding at
//! the first one left out), messages of bounded length, and lists in messages
//! that name a few items and count the rest.

use mantile_diag::{Diagnostic, Rule, Severity, TextRange};

/// Findings of one rule kept per file; the rest are counted in a summary.
pub const MAX_PER_RULE: usize = 100;

/// Longest message kept, in characters (only hostile input comes near it).
const MAX_MESSAGE_CHARS: usize = 1000;

/// Items a list in a message names before "and N more".
pub const LIST_ITEMS: usize = 3;

struct Tally {
    rule: &'static Rule,
    kept: usize,
    dropped: usize,
    first_dropped: TextRange,
    worst_dropped: Severity,
}

/// The findings of one file.
#[derive(Default)]
pub struct Findings {
    list: Vec<Diagnostic>,
    tallies: Vec<Tally>,
}

impl Findings {
    pub fn new() -> Findings {
        Findings::default()
    }

    fn tally(&mut self, rule: &'static Rule) -> &mut Tally {
        let i = match self.tallies.iter().position(|t| std::ptr::eq(t.rule, rule)) {
            Some(i) => i,
            None => {
                self.tallies.push(Tally {
                    rule,
                    kept: 0,
                    dropped: 0,
                    first_dropped: TextRange::default(),
                    worst_dropped: Severity::Hint,
                });
                self.tallies.len() - 1
            }
        };
        &mut self.tallies[i]
    }

    /// Whether a finding of `rule` would still be listed.
    pub fn wants(&self, rule: &'static Rule) -> bool {
        self.tallies
            .iter()
            .find(|t| std::ptr::eq(t.rule, rule))
            .is_none_or(|t| t.kept < MAX_PER_RULE)
    }

    pub fn push(&mut self, mut d: Diagnostic) {
        let t = self.tally(d.rule);
        if t.kept < MAX_PER_RULE {
            t.kept += 1;
            shorten(&mut d.message);
            for r in &mut d.related {
                shorten(&mut r.message);
            }
            self.list.push(d);
        } else {
            note_dropped(t, d.range, d.severity);
        }
    }

    /// Pushes the finding `build` makes, or only counts it (at `range`)
    /// when `rule` has listed all it may: for findings costly to describe.
    pub fn push_with(
        &mut self,
        rule: &'static Rule,
        range: TextRange,
        build: impl FnOnce() -> Diagnostic,
    ) {
        if self.wants(rule) {
            self.push(build());
        } else {
            note_dropped(self.tally(rule), range, rule.default_severity);
        }
    }

    /// Adds the findings of `other`, gathered under other rules than these
    /// (each rule's cap was applied where it reported).
    pub fn extend(&mut self, other: Findings) {
        debug_assert!(
            other
                .tallies
                .iter()
                .all(|t| self.tallies.iter().all(|u| !std::ptr::eq(t.rule, u.rule))),
            "findings of one rule gathered in two places"
        );
        self.list.extend(other.list);
        self.tallies.extend(other.tallies);
    }

    /// The findings, with a summary for each rule that had more than it may list.
    pub fn into_vec(mut self) -> Vec<Diagnostic> {
        for t in &self.tallies {
            if t.dropped > 0 {
                self.list.push(
                    Diagnostic::new(
                        t.rule,
                        t.first_dropped,
                        format!(
                            "and {} more `{}` findings in this file from here on, not listed (only the first {MAX_PER_RULE} are)",
                            group(t.dropped as u128),
                            t.rule.name
                        ),
                    )
                    .with_severity(t.worst_dropped),
                );
            }
        }
        self.list
    }
}

fn note_dropped(t: &mut Tally, range: TextRange, severity: Severity) {
    if t.dropped == 0 {
        t.first_dropped = range;
        t.worst_dropped = severity;
    } else {
        t.worst_dropped = t.worst_dropped.max(severity);
    }
    t.dropped += 1;
}

fn shorten(message: &mut String) {
    if let Some((i, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
        message.truncate(i);
        message.push('…');
    }
}

/// `12345678` → `12,345,678` (any u128).
pub fn group(v: u128) -> String {
    let digits = v.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap_or_default())
        .collect();
    groups.join(",")
}

/// `a, b, c and 9,997 more`: the first [`LIST_ITEMS`] of `len` items joined
/// with `sep`, and how many are left.
pub fn some_of(items: impl Iterator<Item = String>, len: usize, sep: &str) -> String {
    some_of_n(items, len, sep, LIST_ITEMS)
}

/// [`some_of`] naming `max` items.
pub fn some_of_n(items: impl Iterator<Item = String>, len: usize, sep: &str, max: usize) -> String {
    let shown: Vec<String> = items.take(max).collect();
    let mut s = shown.join(sep);
    if len > shown.len() {
        s.push_str(&format!(" and {} more", group((len - shown.len()) as u128)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use mantile_diag::declare_rules;

    declare_rules! {
        ALL;
        T = "T001", "test-rule", Warning, "A test rule.";
    }

    #[test]
    fn caps_each_rule_with_a_summary_at_the_first_left_out() {
        let mut f = Findings::new();
        for i in 0..250usize {
            f.push_with(&T, TextRange::new(i, i + 1), || {
                Diagnostic::new(&T, TextRange::new(i, i + 1), "x".repeat(5000))
            });
        }
        let v = f.into_vec();
        assert_eq!(v.len(), MAX_PER_RULE + 1);
        assert!(v[0].message.chars().count() <= MAX_MESSAGE_CHARS + 1);
        let last = v.last().unwrap();
        assert_eq!(last.range, TextRange::new(100, 101));
        assert_eq!(
            last.message,
            "and 150 more `test-rule` findings in this file from here on, not listed (only the first 100 are)"
        );
    }

    #[test]
    fn lists_name_a_few() {
        let items = (0..10_000).map(|i| i.to_string());
        assert_eq!(some_of(items, 10_000, ", "), "0, 1, 2 and 9,997 more");
        assert_eq!(some_of(["a".to_string()].into_iter(), 1, ", "), "a");
        assert_eq!(
            group(u128::MAX),
            "340,282,366,920,938,463,463,374,607,431,768,211,455"
        );
        assert_eq!(group(999), "999");
    }
}
