//! Printing findings: rustc/ruff-style text, or stable JSON.

use mantile_diag::{Diagnostic, LineIndex, PositionEncoding, Severity, TextRange};
use serde::Serialize;

/// A checked file with its text and findings, ready to print.
pub struct CheckedFile {
    pub path: String,
    pub kind: &'static str,
    /// Shared with the analysis that checked it (a large file is not copied).
    pub text: std::sync::Arc<str>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Option<Stats>,
}

/// A folder or workspace file that could not be read: the check is
/// incomplete (said in the report; the exit status is 2).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
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

/// Whether a character would act on a terminal instead of showing: C0 and C1
/// control characters (escape sequences, carriage returns, line feeds,
/// backspaces) and the bidirectional overrides that reorder what is shown.
fn is_active(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02X}", c as u32)),
        c => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
    }
}

/// `s` with every character that would act on a terminal (see [`is_active`])
/// written as an escape (`\x1B`, `\r`, `\n`, `\u{9B}`), so that text from a
/// file — a config's strings, a file name — can neither move the cursor,
/// retitle or clear a terminal nor forge a line in a CI log.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_active) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_active(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A source line as shown: tabs kept (they align with the caret line's
/// tabs), every other active character escaped.
fn escape_source(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c != '\t' && is_active(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// How many columns `c` takes in [`escape_source`]'s output.
fn shown_width(c: char) -> usize {
    if c == '\t' || !is_active(c) {
        1
    } else {
        let mut s = String::new();
        push_escaped(&mut s, c);
        s.chars().count()
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn human_pos(idx: &LineIndex, text: &str, offset: usize) -> (u32, u32) {
    let lc = idx.line_col(text, offset, PositionEncoding::Utf32);
    (lc.line + 1, lc.col + 1)
}

/// Renders findings like rustc: location, message, the source line and a caret.
pub fn human(files: &[CheckedFile], problems: &[Problem], color: bool, stats: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    for f in files {
        let idx = LineIndex::new(&f.text);
        let path = escape_controls(&f.path);
        for d in &f.diagnostics {
            let (line, col) = human_pos(&idx, &f.text, d.range.start as usize);
            out.push_str(&format!(
                "{}:{line}:{col}: {}: {}\n",
                st.paint("1", &path),
                st.paint(
                    st.severity(d.severity),
                    &format!("{}[{}]", d.severity, d.rule.code)
                ),
                escape_controls(&d.message)
            ));
            snippet(&mut out, &st, &idx, &f.text, d.range, d.severity);
            for r in &d.related {
                let message = escape_controls(&r.message);
                match &r.path {
                    None => {
                        let (l, c) = human_pos(&idx, &f.text, r.range.start as usize);
                        out.push_str(&format!("     = note: {path}:{l}:{c}: {message}\n"));
                    }
                    Some(p) => {
                        out.push_str(&format!("     = note: {}: {message}\n", escape_controls(p)))
                    }
                }
            }
            for fix in &d.fixes {
                out.push_str(&format!(
                    "     = {}: {}\n",
                    st.paint("1;32", "fix"),
                    escape_controls(&fix.title)
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
                    escape_controls(&f.path),
                    s.claims_found,
                    s.claims_evaluated,
                    s.claims_failing
                ));
            }
        }
    }
    for p in problems {
        out.push_str(&format!(
            "{}: cannot read `{}`: {}; what it holds was not checked\n",
            st.paint("1;31", "error"),
            escape_controls(&p.path),
            escape_controls(&p.message)
        ));
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

/// The characters of a source line shown at most; a longer line is shown
/// as a window around the finding, [`CONTEXT`] characters before it.
const SHOWN: usize = 300;
const CONTEXT: usize = 100;

/// The char boundary `n` characters before `i` (or `floor`, if nearer).
fn back_chars(text: &str, mut i: usize, n: usize, floor: usize) -> usize {
    for _ in 0..n {
        if i <= floor {
            break;
        }
        i -= 1;
        while !text.is_char_boundary(i) {
            i -= 1;
        }
    }
    i
}

/// The char boundary `n` characters after `i` (or `ceil`, if nearer).
fn forward_chars(text: &str, i: usize, n: usize, ceil: usize) -> usize {
    text[i..ceil]
        .char_indices()
        .nth(n)
        .map_or(ceil, |(k, _)| i + k)
}

/// The source line of a finding with a caret line under its range. The
/// work is bounded by [`SHOWN`] whatever the line's length (a minified
/// config is one line), so that many findings cost no more on one line.
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
    let num = (line + 1).to_string();
    let pad = " ".repeat(num.len().max(3));
    let start = floor_boundary(text, (range.start as usize).clamp(lr.start, lr.end));
    let end = floor_boundary(text, (range.end as usize).clamp(start, lr.end)).max(start);
    // The part of the line shown: all of it, or a window around the range.
    let (begin, stop) = if forward_chars(text, lr.start, SHOWN, lr.end) == lr.end {
        (lr.start, lr.end)
    } else {
        let begin = back_chars(text, start, CONTEXT, lr.start);
        (begin, forward_chars(text, begin, SHOWN, lr.end))
    };
    let (before, after) = (begin > lr.start, stop < lr.end);
    let mut lead = String::from(if before { " " } else { "" });
    for c in text[begin..start].chars() {
        match c {
            '\t' => lead.push('\t'),
            c => lead.extend(std::iter::repeat_n(' ', shown_width(c))),
        }
    }
    let width = text[start..end.min(stop).max(start)]
        .chars()
        .map(shown_width)
        .sum::<usize>()
        .max(1);
    let src_shown = format!(
        "{}{}{}",
        if before { "…" } else { "" },
        escape_source(&text[begin..stop]),
        if after { "…" } else { "" }
    );
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
struct JsonReport<'a> {
    version: u32,
    files: Vec<JsonFile>,
    diagnostics: Vec<JsonDiagnostic>,
    summary: Summary,
    /// Folders and workspace files that could not be read.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unreadable: &'a [Problem],
}

/// The `--format json` report (version 1; see the README for the format).
pub fn json(files: &[CheckedFile], problems: &[Problem]) -> String {
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
        unreadable: problems,
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use mantile_diag::{Diagnostic, Fix};

    #[test]
    fn long_lines_show_a_window_around_the_finding() {
        // A minified config: one line of 20,000 characters, a finding far in.
        let text = format!("{{{}\"bad\": 12}}", "\"a×\": 1, ".repeat(2_000));
        let at = text.find("12").unwrap();
        let d = Diagnostic::new(
            &mantile_config::rules::INVALID_FILE,
            TextRange::new(at, at + 2),
            "x".to_string(),
        );
        let files = [CheckedFile {
            path: "a.json".into(),
            kind: "config",
            text: text.as_str().into(),
            diagnostics: vec![d],
            stats: None,
        }];
        let out = human(&files, &[], false, false);
        let lines: Vec<&str> = out.lines().collect();
        let src = lines[2].strip_prefix("  1 | ").unwrap();
        assert!(src.starts_with('…') && !src.ends_with('…'), "{src}");
        assert_eq!(src.chars().count(), 1 + 100 + "12}".len());
        let caret = lines[3].strip_prefix("    | ").unwrap();
        let col = caret.chars().take_while(|&c| c == ' ').count();
        assert_eq!(caret.chars().skip(col).collect::<String>(), "^^");
        assert_eq!(src.chars().skip(col).take(2).collect::<String>(), "12");
        // A line of 300 characters or fewer is shown whole.
        let short = "{\"b\": 12}".to_string();
        let files = [CheckedFile {
            text: short.as_str().into(),
            diagnostics: vec![Diagnostic::new(
                &mantile_config::rules::INVALID_FILE,
                TextRange::new(6, 8),
                "x".to_string(),
            )],
            ..files.into_iter().next().unwrap()
        }];
        assert!(human(&files, &[], false, false).contains("  1 | {\"b\": 12}\n    |       ^^\n"));
    }

    #[test]
    fn control_characters_are_escaped_and_carets_still_line_up() {
        assert_eq!(escape_controls("plain × text"), "plain × text");
        assert_eq!(
            escape_controls("a\x1b]0;pwned\x07b\r\nc\u{9b}2J\u{202e}"),
            "a\\x1B]0;pwned\\x07b\\r\\nc\\u{9B}2J\\u{202E}"
        );
        // A source line with a raw escape before the flagged value.
        let text = "{\"a\": \"\x1b[2J\", \"b\": 12}\n".to_string();
        let at = text.find("12").unwrap();
        let d = Diagnostic::new(
            &mantile_config::rules::INVALID_FILE,
            TextRange::new(at, at + 2),
            "bad \x1b[31mred\x1b[0m\nforged: error[MC999]".to_string(),
        )
        .with_fix(Fix::replace("Set \r to 1", TextRange::new(at, at + 2), "1"));
        let files = [CheckedFile {
            path: "ws/a\x1b[2Jb\nc.json".into(),
            kind: "config",
            text: text.into(),
            diagnostics: vec![d],
            stats: None,
        }];
        let problems = [Problem {
            path: "ws/\rgaps".into(),
            message: "denied\x1b".into(),
        }];
        let out = human(&files, &problems, false, false);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "ws/a\\x1B[2Jb\\nc.json:1:20: error[MC000]: bad \\x1B[31mred\\x1B[0m\\nforged: error[MC999]"
        );
        assert_eq!(lines[2], "  1 | {\"a\": \"\\x1B[2J\", \"b\": 12}");
        // The caret sits under `12`, past the four columns the escape takes.
        let caret = lines[3].find('^').unwrap();
        assert_eq!(&lines[2][caret..caret + 2], "12");
        assert_eq!(lines[4], "     = fix: Set \\r to 1");
        assert_eq!(
            lines[6],
            "error: cannot read `ws/\\rgaps`: denied\\x1B; what it holds was not checked"
        );
    }
}
