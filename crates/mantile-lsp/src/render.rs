//! Printing findings: rustc/ruff-style text, or stable JSON.

use mantile_diag::{Diagnostic, LineIndex, PositionEncoding, Severity, TextRange};
use serde::Serialize;

/// A checked file with its text and findings, ready to print.
pub struct CheckedFile {
    pub path: String,
    pub kind: &'static str,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Option<Stats>,
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Stats {
    pub claims_found: usize,
    pub claims_evaluated: usize,
    pub claims_failing: usize,
}

#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub hint: usize,
}

impl Summary {
    pub fn of(files: &[CheckedFile]) -> Summary {
        let mut s = Summary::default();
        for d in files.iter().flat_map(|f| &f.diagnostics) {
            match d.severity {
                Severity::Error => s.error += 1,
                Severity::Warning => s.warning += 1,
                Severity::Info => s.info += 1,
                Severity::Hint => s.hint += 1,
            }
        }
        s
    }
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn severity(&self, sev: Severity) -> &'static str {
        match sev {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
            Severity::Hint => "1;32",
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn human_pos(idx: &LineIndex, text: &str, offset: usize) -> (u32, u32) {
    let lc = idx.line_col(text, offset, PositionEncoding::Utf32);
    (lc.line + 1, lc.col + 1)
}

/// Renders findings like rustc: location, message, the source line and a caret.
pub fn human(files: &[CheckedFile], color: bool, stats: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    for f in files {
        let idx = LineIndex::new(&f.text);
        for d in &f.diagnostics {
            let (line, col) = human_pos(&idx, &f.text, d.range.start as usize);
            out.push_str(&format!(
                "{}:{line}:{col}: {}: {}\n",
                st.paint("1", &f.path),
                st.paint(
                    st.severity(d.severity),
                    &format!("{}[{}]", d.severity, d.rule.code)
                ),
                d.message
            ));
            snippet(&mut out, &st, &idx, &f.text, d.range, d.severity);
            for r in &d.related {
                match &r.path {
                    None => {
                        let (l, c) = human_pos(&idx, &f.text, r.range.start as usize);
                        out.push_str(&format!("     = note: {}:{l}:{c}: {}\n", f.path, r.message));
                    }
                    Some(p) => out.push_str(&format!("     = note: {p}: {}\n", r.message)),
                }
            }
            for fix in &d.fixes {
                out.push_str(&format!(
                    "     = {}: {}\n",
                    st.paint("1;32", "fix"),
                    fix.title
                ));
            }
            out.push('\n');
        }
    }
    if stats {
        for f in files {
            if let Some(s) = f.stats {
                out.push_str(&format!(
                    "{}: {} claims found, {} evaluated, {} failing\n",
                    f.path, s.claims_found, s.claims_evaluated, s.claims_failing
                ));
            }
        }
    }
    let s = Summary::of(files);
    let with = files.iter().filter(|f| !f.diagnostics.is_empty()).count();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if s == Summary::default() {
        out.push_str(&format!(
            "No findings in {}.\n",
            plural(files.len(), "file")
        ));
    } else {
        out.push_str(&format!(
            "Found {}, {}, {}, {} in {} ({} checked).\n",
            plural(s.error, "error"),
            plural(s.warning, "warning"),
            plural(s.info, "info"),
            plural(s.hint, "hint"),
            plural(with, "file"),
            files.len()
        ));
    }
    out
}

fn snippet(
    out: &mut String,
    st: &Style,
    idx: &LineIndex,
    text: &str,
    range: TextRange,
    sev: Severity,
) {
    let line = idx.line_of(range.start as usize);
    let lr = idx.line_range(text, line);
    let src = &text[lr.clone()];
    let num = (line + 1).to_string();
    let pad = " ".repeat(num.len().max(3));
    let start = floor_boundary(text, (range.start as usize).clamp(lr.start, lr.end));
    let end = floor_boundary(text, (range.end as usize).clamp(start, lr.end)).max(start);
    let lead: String = text[lr.start..start]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let width = text[start..end].chars().count().max(1);
    let src_shown: String = if src.chars().count() > 300 {
        src.chars().take(300).collect::<String>() + "…"
    } else {
        src.to_string()
    };
    out.push_str(&format!("{pad} {}\n", st.paint("1;34", "|")));
    out.push_str(&format!(
        "{num:>w$} {} {src_shown}\n",
        st.paint("1;34", "|"),
        w = pad.len()
    ));
    out.push_str(&format!(
        "{pad} {} {lead}{}\n",
        st.paint("1;34", "|"),
        st.paint(st.severity(sev), &"^".repeat(width))
    ));
}

/// The nearest char boundary at or before `i` (ranges of undecodable files
/// are byte offsets into the original bytes, not into the text shown).
fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Serialize)]
struct JsonPos {
    /// 1-based line.
    line: u32,
    /// 1-based column in Unicode characters.
    column: u32,
    /// 0-based byte offset.
    offset: u32,
}

#[derive(Serialize)]
struct JsonRange {
    start: JsonPos,
    end: JsonPos,
}

fn json_range(idx: &LineIndex, text: &str, r: TextRange) -> JsonRange {
    let pos = |o: u32| {
        let (line, column) = human_pos(idx, text, o as usize);
        JsonPos {
            line,
            column,
            offset: o,
        }
    };
    JsonRange {
        start: pos(r.start),
        end: pos(r.end),
    }
}

#[derive(Serialize)]
struct JsonRelated {
    path: String,
    range: Option<JsonRange>,
    message: String,
}

#[derive(Serialize)]
struct JsonEdit {
    range: JsonRange,
    new_text: String,
}

#[derive(Serialize)]
struct JsonFix {
    title: String,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    path: String,
    code: &'static str,
    rule: &'static str,
    severity: Severity,
    message: String,
    range: JsonRange,
    related: Vec<JsonRelated>,
    fixes: Vec<JsonFix>,
}

#[derive(Serialize)]
struct JsonFile {
    path: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<Stats>,
}

#[derive(Serialize)]
struct JsonReport {
    version: u32,
    files: Vec<JsonFile>,
    diagnostics: Vec<JsonDiagnostic>,
    summary: Summary,
}

/// The `--format json` report (version 1; see the README for the format).
pub fn json(files: &[CheckedFile]) -> String {
    let mut diagnostics = Vec::new();
    for f in files {
        let idx = LineIndex::new(&f.text);
        for d in &f.diagnostics {
            diagnostics.push(JsonDiagnostic {
                path: f.path.clone(),
                code: d.rule.code,
                rule: d.rule.name,
                severity: d.severity,
                message: d.message.clone(),
                range: json_range(&idx, &f.text, d.range),
                related: d
                    .related
                    .iter()
                    .map(|r| JsonRelated {
                        path: r.path.clone().unwrap_or_else(|| f.path.clone()),
                        range: r.path.is_none().then(|| json_range(&idx, &f.text, r.range)),
                        message: r.message.clone(),
                    })
                    .collect(),
                fixes: d
                    .fixes
                    .iter()
                    .map(|fix| JsonFix {
                        title: fix.title.clone(),
                        edits: fix
                            .edits
                            .iter()
                            .map(|e| JsonEdit {
                                range: json_range(&idx, &f.text, e.range),
                                new_text: e.new_text.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            });
        }
    }
    let report = JsonReport {
        version: 1,
        files: files
            .iter()
            .map(|f| JsonFile {
                path: f.path.clone(),
                kind: f.kind,
                stats: f.stats,
            })
            .collect(),
        diagnostics,
        summary: Summary::of(files),
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        + "\n"
}
