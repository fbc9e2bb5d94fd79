//! Hover in Markdown: test specs and gap reports.

use super::Hover;
use crate::Analysis;
use mantile_diag::TextRange;
use std::sync::Arc;

/// A test ID (`MTP-1`, `GQA-3`) around `offset`.
fn test_id_at(text: &str, offset: usize) -> Option<(String, TextRange)> {
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let start = text[..offset.min(text.len())]
        .rfind(|c: char| !is_id(c))
        .map_or(0, |i| i + 1);
    let end = text[start..]
        .find(|c: char| !is_id(c))
        .map_or(text.len(), |i| start + i);
    let word = &text[start..end];
    let (prefix, num) = word.rsplit_once('-')?;
    let ok = !prefix.is_empty()
        && prefix.chars().next()?.is_ascii_uppercase()
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        && !num.is_empty()
        && num.chars().all(|c| c.is_ascii_digit());
    ok.then(|| (word.to_string(), TextRange::new(start, end)))
}

/// The 1-based line of `offset`, with the line breaks of [`mantile_diag::LineIndex`].
fn line_of(text: &str, offset: usize) -> usize {
    mantile_diag::LineIndex::new(text).line_of(offset) as usize + 1
}

impl Analysis {
    /// Hover in a test spec or gap report: a test ID shows that test's
    /// Expected results (from this file or any suite of the workspace); a
    /// calculation shows its value and the variables it used, with the line
    /// each was bound on.
    pub(crate) fn markdown_hover(&self, path: &str, offset: usize) -> Option<Hover> {
        let parsed = self.parsed_of(path)?;
        let report = parsed.spec()?;
        let text = self.text(path)?;
        markdown_hover(&text, report, offset, || self.suites())
    }
}

/// [`Analysis::markdown_hover`] on a document's spec report; `suites` lists
/// the workspace's suites, asked only for a test ID this file lacks.
pub(crate) fn markdown_hover(
    text: &str,
    report: &mantile_spec::SpecReport,
    offset: usize,
    suites: impl FnOnce() -> Vec<Arc<mantile_gap::Suite>>,
) -> Option<Hover> {
    if let Some((id, range)) = test_id_at(text, offset) {
        let here = report.tests.iter().find(|t| t.id == id).map(|t| {
            let metrics: Vec<(String, String)> = t
                .expected
                .iter()
                .map(|m| (m.name.clone(), m.display()))
                .collect();
            (t.title.clone(), "this file".to_string(), metrics)
        });
        let elsewhere = || {
            suites().iter().find_map(|s| {
                let title = s.tests.iter().find(|(i, _)| *i == id)?.1.clone();
                Some((
                    title,
                    format!("`{}`", s.path),
                    s.expected.get(&id).cloned().unwrap_or_default(),
                ))
            })
        };
        if let Some((title, file, metrics)) = here.or_else(elsewhere) {
            let mut md = format!("**Test {id}** — {title} ({file})\n\n");
            if metrics.is_empty() {
                md.push_str("No Expected results found.");
            } else {
                md.push_str("| Expected | value |\n|---|--:|\n");
                for (name, value) in metrics {
                    md.push_str(&format!("| {name} | {value} |\n"));
                }
            }
            return Some(Hover {
                range,
                markdown: md,
            });
        }
    }
    let claim = mantile_spec::claim_at(report, offset)?;
    let status = match claim.status {
        mantile_spec::ClaimStatus::Ok => "agrees",
        mantile_spec::ClaimStatus::Mismatch => "**does not agree**",
        _ => "not evaluated",
    };
    let mut md = format!("**= {}** ({status})\n", claim.display());
    if let Some(t) = claim.target(text) {
        md.push_str(&format!("\nDefines `{t}`.\n"));
    }
    let bindings = report.bindings(claim);
    if !bindings.is_empty() {
        md.push_str("\n| name | value | bound at |\n|---|--:|---|\n");
        for b in bindings {
            md.push_str(&format!(
                "| `{}` | {} | line {} |\n",
                b.name(text),
                b.value.display(),
                line_of(text, b.bound_at.start as usize)
            ));
        }
    }
    Some(Hover {
        range: claim.range,
        markdown: md,
    })
}
