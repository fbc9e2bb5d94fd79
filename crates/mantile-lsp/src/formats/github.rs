//! GitHub Actions workflow commands: one `::error …::message` line per finding, which the runner
//! turns into an annotation on the file and line (errors as `error`, warnings as `warning`,
//! information and hints as `notice`).
//!
//! Escaping as the runner's own toolkit does (`@actions/core`, `command.ts`): in the message,
//! `%` `\r` `\n` as `%25` `%0D` `%0A`; in property values also `:` and `,` as `%3A` and `%2C`.
//! Columns count Unicode characters, as in the human output.

use super::span;
use crate::render::{CheckedFile, escape_controls};
use mantile_diag::{LineIndex, PositionEncoding, Severity};

/// The message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value (`file=…`, `title=…`) of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "notice",
    }
}

/// A message whose lines (it may have several: the fixes) keep their breaks, every other
/// character that would act on a terminal or a CI log (ESC, a lone CR) written as an escape.
fn message_lines(s: &str) -> String {
    s.split('\n')
        .map(escape_controls)
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn render(files: &[CheckedFile]) -> String {
    let mut out = String::new();
    for f in files {
        let idx = LineIndex::new(&f.text);
        for d in &f.diagnostics {
            let ((line, col), (end_line, end_col)) =
                span(&idx, &f.text, d.range, PositionEncoding::Utf32);
            let title = format!("{} ({})", d.rule.code, d.rule.name);
            let mut message = d.message.clone();
            for fix in &d.fixes {
                message.push_str(&format!("\nfix: {}", fix.title));
            }
            out.push_str(&format!(
                "::{} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
                command(d.severity),
                escape_property(&escape_controls(&f.path)),
                escape_property(&escape_controls(&title)),
                escape_data(&message_lines(&message)),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(escape_data("50% of\r\nit: a, b"), "50%25 of%0D%0Ait: a, b");
        assert_eq!(escape_property("dir,x/a:b%.json"), "dir%2Cx/a%3Ab%25.json");
        // `::` in a message stays: the runner splits at the first `::` after the properties.
        assert_eq!(escape_data("a::b"), "a::b");
    }

    #[test]
    fn terminal_controls_never_reach_the_log() {
        // A file name and a message (a config's string) with ESC sequences and a lone CR: the
        // runner would pass them to the log raw; they come out as visible escapes.
        let d = mantile_diag::Diagnostic::new(
            &mantile_config::rules::INVALID_FILE,
            mantile_diag::TextRange::new(0, 1),
            "name \u{1b}]0;pwned\u{7} here\rforged".to_string(),
        );
        let files = [CheckedFile {
            path: "a\u{1b}[2J.json".into(),
            kind: "config",
            text: "{}".into(),
            diagnostics: vec![d],
            stats: None,
        }];
        let out = render(&files);
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert_eq!(out.lines().count(), 1, "{out:?}");
        assert!(out.contains("file=a\\x1B[2J.json"), "{out}");
        assert!(
            out.ends_with("::name \\x1B]0;pwned\\x07 here\\rforged\n"),
            "{out}"
        );
    }
}
