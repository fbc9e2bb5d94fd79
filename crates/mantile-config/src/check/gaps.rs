//! MC040 an unsupported layer names its gap report; MC041 the report exists.

use super::{ConfigContext, first_char};
use crate::findings::Findings;
use crate::rules::{GAP_REPORT_NOT_FOUND, MISSING_GAP_REPORT};
use mantile_diag::{Diagnostic, TextRange};
use mantile_json::Node;
use mantile_model::{Config, preview};

/// The workspace path a `gap_report` value names, and its byte range in the
/// document. Accepts `model_builder/gaps/x.md`, `gaps/x.md`, `x.md` and prose
/// around the path (`See model_builder/gaps/x.md`).
pub fn gap_report_path(value: Node, text_of_value: &str) -> Option<(String, TextRange)> {
    let raw = text_of_value;
    let end = raw.find(".md")? + 3;
    let start = raw[..end]
        .rfind(|c: char| c.is_whitespace() || c == '"' || c == '`' || c == '(')
        .map(|i| i + 1)
        .unwrap_or(0);
    let token = &raw[start..end];
    if token.len() <= 3 || token.contains('\\') {
        return None;
    }
    let token = token.strip_prefix("./").unwrap_or(token);
    let path = if token.starts_with("model_builder/") {
        token.to_string()
    } else if token.starts_with("gaps/") {
        format!("model_builder/{token}")
    } else if !token.contains('/') {
        format!("model_builder/gaps/{token}")
    } else {
        token.to_string()
    };
    let at = value.range.start as usize + start;
    Some((path, TextRange::new(at, value.range.start as usize + end)))
}

pub(super) fn check(text: &str, config: &Config, ctx: &ConfigContext, out: &mut Findings) {
    for l in &config.layers {
        if l.supported == Some(false) && l.gap_report.is_none() {
            let anchor = l
                .supported_node
                .map(|s| s.range)
                .unwrap_or_else(|| first_char(l.node));
            out.push(Diagnostic::new(
                &MISSING_GAP_REPORT,
                anchor,
                format!(
                    "layer {} is marked `supported: false` but names no `gap_report` (model_builder/gaps/<layer>.md)",
                    l.label()
                ),
            ));
        }
    }
    for l in &config.layers {
        let Some(gap) = l.gap_report.filter(|g| g.as_str().is_some()) else {
            continue;
        };
        match gap_report_path(gap, &text[gap.range.as_range()]) {
            None => out.push(Diagnostic::new(
                &GAP_REPORT_NOT_FOUND,
                gap.range,
                "gap_report does not name a Markdown file (expected model_builder/gaps/<layer>.md)",
            )),
            Some((path, range)) => {
                if let Some(files) = ctx.files
                    && !files.exists(&path)
                {
                    out.push(Diagnostic::new(
                        &GAP_REPORT_NOT_FOUND,
                        range,
                        format!(
                            "gap report `{}` does not exist in the workspace",
                            preview(&path)
                        ),
                    ));
                }
            }
        }
    }
}
