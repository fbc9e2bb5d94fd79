//! Output formats that CI systems read natively (`check --format sarif|github|gitlab`):
//!
//! - [`sarif`]: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers;
//! - [`github`]: GitHub Actions workflow commands (`::error file=…`), shown as annotations;
//! - [`gitlab`]: GitLab Code Quality reports.
//!
//! Each is a pure function of the checked files, like `render::human` and `render::json`.

pub mod github;
pub mod gitlab;
pub mod sarif;

use crate::render::CheckedFile;
use mantile_diag::{Diagnostic, LineIndex, PositionEncoding, TextRange};

/// The README, where every rule is documented (its rule tables). Set `MANTILE_LSP_DOCS_URL` at
/// build time to point the help links at another copy (a fork, a mirror).
pub const README_URL: &str = match option_env!("MANTILE_LSP_DOCS_URL") {
    Some(url) => url,
    None => "https://github.com/mantile-lsp/mantile-lsp/blob/main/README.md",
};

/// The README section (GitHub's anchor of its heading) whose table documents a rule.
pub fn rule_anchor(code: &str) -> &'static str {
    match code.get(..2) {
        // The second heading "Test specs (`tests/*_tests.md`)": GitHub numbers repeats.
        Some("MT") => "test-specs-tests_testsmd-1",
        Some("GR") => "gap-reports-model_buildergapsmd",
        _ => "model-configs-backenddatamodel_configsjson",
    }
}

/// The help link of a rule: its section of the README.
pub fn help_uri(code: &str) -> String {
    format!("{README_URL}#{}", rule_anchor(code))
}

/// 1-based line and column of a byte offset, the column in `encoding` units.
pub(crate) fn position(
    idx: &LineIndex,
    text: &str,
    offset: u32,
    encoding: PositionEncoding,
) -> (u32, u32) {
    let lc = idx.line_col(text, offset as usize, encoding);
    (lc.line + 1, lc.col + 1)
}

/// 1-based start and end positions of a range.
pub(crate) fn span(
    idx: &LineIndex,
    text: &str,
    range: TextRange,
    encoding: PositionEncoding,
) -> ((u32, u32), (u32, u32)) {
    (
        position(idx, text, range.start, encoding),
        position(idx, text, range.end, encoding),
    )
}

/// A stable fingerprint of a finding: its file, rule and message, and how many identical ones
/// came before it in the file (as ruff does), so that a finding keeps its identity when lines
/// move. 128 bits of two FNV-1a hashes, as 32 hex digits.
pub(crate) struct Fingerprints {
    seen: std::collections::HashMap<u128, u32>,
}

impl Fingerprints {
    pub(crate) fn new() -> Fingerprints {
        Fingerprints {
            seen: std::collections::HashMap::new(),
        }
    }

    pub(crate) fn of(&mut self, f: &CheckedFile, d: &Diagnostic) -> String {
        let base = hash128(&[
            f.path.as_bytes(),
            d.rule.code.as_bytes(),
            d.message.as_bytes(),
        ]);
        let n = self.seen.entry(base).or_insert(0);
        *n += 1;
        let h = hash128(&[&base.to_le_bytes(), &n.to_le_bytes()]);
        format!("{h:032x}")
    }
}

fn hash128(parts: &[&[u8]]) -> u128 {
    let fnv = |seed: u64| {
        let mut h = seed;
        for p in parts {
            for &b in p.iter().chain(&[0xff]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        h
    };
    (u128::from(fnv(0xcbf2_9ce4_8422_2325)) << 64) | u128::from(fnv(0x8422_2325_cbf2_9ce4))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GitHub's heading anchors: lower case, punctuation other than `-` and `_` dropped, spaces
    /// to hyphens; a repeated anchor gets `-1`, `-2`… (see `sections` below).
    fn github_slug(heading: &str) -> String {
        heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect()
    }

    #[test]
    fn every_rule_links_to_the_readme_section_whose_table_lists_it() {
        let readme = include_str!("../../../../README.md");
        // Each heading with the text up to the next heading.
        let mut sections: Vec<(String, String)> = Vec::new();
        let mut in_code = false;
        for line in readme.lines() {
            if line.starts_with("```") {
                in_code = !in_code;
            }
            if let Some(h) = line.strip_prefix('#').filter(|_| !in_code) {
                let slug = github_slug(h.trim_start_matches('#'));
                let repeats = sections
                    .iter()
                    .filter(|(s, _)| {
                        *s == slug
                            || s.strip_prefix(&slug).is_some_and(|r| {
                                r.starts_with('-') && r[1..].parse::<u32>().is_ok()
                            })
                    })
                    .count();
                let slug = if repeats == 0 {
                    slug
                } else {
                    format!("{slug}-{repeats}")
                };
                sections.push((slug, String::new()));
            } else if let Some((_, body)) = sections.last_mut() {
                body.push_str(line);
                body.push('\n');
            }
        }
        for rule in mantile_engine::all_rules() {
            let anchor = rule_anchor(rule.code);
            let (_, body) = sections
                .iter()
                .find(|(slug, _)| slug == anchor)
                .unwrap_or_else(|| panic!("no README heading with anchor #{anchor}"));
            let row = format!("| {} | `{}` |", rule.code, rule.name);
            assert!(
                body.contains(&row),
                "{row} is not in the README section #{anchor}"
            );
            assert!(help_uri(rule.code).starts_with("https://"));
        }
    }

    #[test]
    fn fingerprints_are_stable_and_tell_identical_findings_apart() {
        let file = |path: &str| CheckedFile {
            path: path.to_string(),
            kind: "config",
            text: "".into(),
            diagnostics: Vec::new(),
            stats: None,
        };
        let d = |msg: &str, at: usize| {
            Diagnostic::new(
                &mantile_config::rules::PARAMETER_COUNT,
                TextRange::empty(at),
                msg,
            )
        };
        let (a, b) = (file("a.json"), file("b.json"));
        let mut fp = Fingerprints::new();
        let first = fp.of(&a, &d("x", 1));
        let second = fp.of(&a, &d("x", 50));
        assert_ne!(first, second, "two identical findings in one file");
        assert_ne!(fp.of(&b, &d("x", 1)), first, "another file");
        assert_ne!(fp.of(&a, &d("y", 1)), first, "another message");
        // A new run gives the same fingerprints, wherever the findings moved.
        let mut again = Fingerprints::new();
        assert_eq!(again.of(&a, &d("x", 7)), first);
        assert_eq!(again.of(&a, &d("x", 9)), second);
        assert_eq!(first.len(), 32);
    }
}
