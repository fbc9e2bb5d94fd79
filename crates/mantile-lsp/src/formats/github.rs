//! GitHub Actions workflow commands: one `::error …::message` line per finding, which the runner
//! turns into an annotation on the file and line (errors as `error`, warnings as `warning`,
//! information and hints as `notice`).
//!
//! Escaping as the runner's own toolkit does (`@actions/core`, `command.ts`): in the message,
//! `%` `\r` `\n` as `%25` `%0D` `%0A`; in property values also `:` and `,` as `%3A` and `%2C`.
//! Columns count Unicode characters, as in the human output.

use super::span;
use crate::render::CheckedFile;
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
                escape_property(&f.path),
                escape_property(&title),
                escape_data(&message),
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
}
