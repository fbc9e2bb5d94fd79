//! GitLab Code Quality report (a subset of the Code Climate format): a JSON array with, per
//! finding, `description`, `check_name`, `fingerprint`, `severity` (`info`, `minor`, `major`,
//! `critical`, `blocker`) and `location.path` / `location.lines.begin`.

use super::{Fingerprints, position};
use crate::render::CheckedFile;
use mantile_diag::{LineIndex, PositionEncoding, Severity};
use serde_json::json;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info | Severity::Hint => "info",
    }
}

pub fn render(files: &[CheckedFile]) -> String {
    let mut fingerprints = Fingerprints::new();
    let mut issues = Vec::new();
    for f in files {
        let idx = LineIndex::new(&f.text);
        for d in &f.diagnostics {
            let (line, _) = position(&idx, &f.text, d.range.start, PositionEncoding::Utf32);
            let (end_line, _) = position(&idx, &f.text, d.range.end, PositionEncoding::Utf32);
            issues.push(json!({
                "description": format!("{}: {}", d.rule.code, d.message),
                "check_name": d.rule.code,
                "fingerprint": fingerprints.of(f, d),
                "severity": severity(d.severity),
                "location": {
                    "path": f.path.replace('\\', "/"),
                    "lines": { "begin": line, "end": end_line }
                }
            }));
        }
    }
    serde_json::to_string_pretty(&issues).unwrap_or_default() + "\n"
}
