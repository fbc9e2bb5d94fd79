//! SARIF 2.1.0 (OASIS), as GitHub code scanning and other viewers read it.
//!
//! One run; the tool's driver lists every rule with its description, default level and help
//! link into the README; each finding is a result with its exact region (columns in UTF-16 code
//! units, SARIF's default `columnKind`), its related locations and its fixes as SARIF fixes.
//! Paths relative to the folder `check` ran in use the `%SRCROOT%` base.

use super::{Fingerprints, help_uri, span};
use crate::render::CheckedFile;
use mantile_diag::{LineIndex, PositionEncoding, Severity, TextRange};
use serde_json::{Value, json};

/// The official schema of the output (also vendored in `tests/data/`, where a test validates
/// against it).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

const COLUMNS: PositionEncoding = PositionEncoding::Utf16;

/// SARIF's level for a severity (it has no "info" or "hint": both are notes).
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// A path as a URI reference: `/`-separated, everything outside RFC 3986's unreserved
/// characters percent-encoded; absolute paths become `file://` URIs.
pub(crate) fn uri_of(path: &str) -> (String, bool) {
    let slashed = path.replace('\\', "/");
    let mut out = String::with_capacity(slashed.len());
    for b in slashed.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    let absolute = slashed.starts_with('/')
        || slashed.as_bytes().get(1) == Some(&b':') && slashed.as_bytes()[0].is_ascii_alphabetic();
    if absolute {
        let lead = if out.starts_with('/') { "" } else { "/" };
        // A drive letter's colon was encoded above: keep it as it is in file URIs.
        let out = if lead == "/" {
            out.replacen("%3A", ":", 1)
        } else {
            out
        };
        (format!("file://{lead}{out}"), true)
    } else {
        (out, false)
    }
}

fn artifact(path: &str) -> Value {
    match uri_of(path) {
        (uri, true) => json!({ "uri": uri }),
        (uri, false) => json!({ "uri": uri, "uriBaseId": "%SRCROOT%" }),
    }
}

fn region(idx: &LineIndex, text: &str, range: TextRange) -> Value {
    let ((sl, sc), (el, ec)) = span(idx, text, range, COLUMNS);
    json!({ "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec })
}

/// The SARIF log of the checked files. `cwd` is the folder the relative paths start from (it
/// becomes `%SRCROOT%`), or `None` to leave that base unresolved.
pub fn render(files: &[CheckedFile], cwd: Option<&std::path::Path>) -> String {
    let rules = mantile_engine::all_rules();
    let driver_rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            let help = format!(
                "{} See the rule tables of the mantile-lsp README: {}",
                r.summary,
                help_uri(r.code)
            );
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": help },
                "helpUri": help_uri(r.code),
                "defaultConfiguration": { "level": level(r.default_severity) },
                "properties": { "tags": ["mantile"], "severity": r.default_severity.as_str() }
            })
        })
        .collect();
    let mut fingerprints = Fingerprints::new();
    let mut results = Vec::new();
    for f in files {
        let idx = LineIndex::new(&f.text);
        for d in &f.diagnostics {
            let rule_index = rules.iter().position(|r| r.code == d.rule.code);
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let physical = match &r.path {
                        None => json!({
                            "artifactLocation": artifact(&f.path),
                            "region": region(&idx, &f.text, r.range)
                        }),
                        // Another file: its text is not at hand, so no region.
                        Some(p) => json!({ "artifactLocation": artifact(p) }),
                    };
                    json!({ "id": i + 1, "physicalLocation": physical, "message": { "text": r.message } })
                })
                .collect();
            let fixes: Vec<Value> = d
                .fixes
                .iter()
                .map(|fix| {
                    let replacements: Vec<Value> = fix
                        .edits
                        .iter()
                        .map(|e| {
                            json!({
                                "deletedRegion": region(&idx, &f.text, e.range),
                                "insertedContent": { "text": e.new_text }
                            })
                        })
                        .collect();
                    json!({
                        "description": { "text": fix.title },
                        "artifactChanges": [{ "artifactLocation": artifact(&f.path), "replacements": replacements }]
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": d.rule.code,
                "level": level(d.severity),
                "message": { "text": d.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact(&f.path),
                        "region": region(&idx, &f.text, d.range)
                    }
                }],
                "partialFingerprints": { "mantileFingerprint/v1": fingerprints.of(f, d) },
                "properties": { "severity": d.severity.as_str(), "rule": d.rule.name }
            });
            if let Some(i) = rule_index {
                result["ruleIndex"] = json!(i);
            }
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            if !fixes.is_empty() {
                result["fixes"] = Value::Array(fixes);
            }
            results.push(result);
        }
    }
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "mantile-lsp",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": super::README_URL,
                "rules": driver_rules
            }
        },
        "columnKind": "utf16CodeUnits",
        "artifacts": files.iter().map(|f| json!({ "location": artifact(&f.path), "roles": ["analysisTarget"] })).collect::<Vec<_>>(),
        "results": results
    });
    if let Some(cwd) = cwd {
        let (mut base, _) = uri_of(&cwd.to_string_lossy());
        if !base.ends_with('/') {
            base.push('/');
        }
        run["originalUriBaseIds"] = json!({ "%SRCROOT%": { "uri": base } });
    }
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run]
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri_of("backend/data/model_configs/a b.json"),
            ("backend/data/model_configs/a%20b.json".into(), false)
        );
        assert_eq!(uri_of("tests/×_tests.md").0, "tests/%C3%97_tests.md");
        assert_eq!(
            uri_of("/ws/x#1.json"),
            ("file:///ws/x%231.json".into(), true)
        );
        assert_eq!(
            uri_of("C:\\ws\\a.json"),
            ("file:///C:/ws/a.json".into(), true)
        );
        assert_eq!(uri_of("a%b,c:d.json").0, "a%25b%2Cc%3Ad.json");
    }
}
