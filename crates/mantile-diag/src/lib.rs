//! The diagnostics data model shared by every Mantile checker.
//!
//! Everything here is plain data: byte ranges into the checked text, a stable
//! rule code, a severity, a message, related locations and fixes expressed as
//! text edits. Nothing here knows about files on disk or about LSP; the CLI and
//! the language server convert at their edges (see [`LineIndex`]).

pub mod bytes;
mod line_index;
mod number;

pub use line_index::{LineCol, LineIndex, PositionEncoding};
pub use number::{NumberStyle, format_grouped, format_with_style};

use serde::Serialize;
use std::fmt;

/// A half-open byte range `start..end` into a document's UTF-8 text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    #[inline]
    pub fn new(start: usize, end: usize) -> TextRange {
        debug_assert!(start <= end, "range {start}..{end} is reversed");
        TextRange {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// An empty range at `offset`.
    #[inline]
    pub fn empty(offset: usize) -> TextRange {
        TextRange::new(offset, offset)
    }

    #[inline]
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    #[inline]
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    #[inline]
    pub fn contains(self, offset: usize) -> bool {
        (self.start as usize) <= offset && offset < self.end as usize
    }

    /// Contains `offset`, counting the end as inside (cursor positions).
    #[inline]
    pub fn contains_inclusive(self, offset: usize) -> bool {
        (self.start as usize) <= offset && offset <= self.end as usize
    }

    #[inline]
    pub fn as_range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// This range moved right by `delta` bytes.
    #[inline]
    pub fn shift(self, delta: usize) -> TextRange {
        TextRange::new(self.start as usize + delta, self.end as usize + delta)
    }

    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl From<std::ops::Range<usize>> for TextRange {
    fn from(r: std::ops::Range<usize>) -> TextRange {
        TextRange::new(r.start, r.end)
    }
}

/// How serious a finding is. Ordered from least to most serious.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "hint" => Severity::Hint,
            "info" | "information" => Severity::Info,
            "warning" | "warn" => Severity::Warning,
            "error" => Severity::Error,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule: a stable code (`MC060`), a kebab-case name, a one-line description and
/// a default severity. Each checker declares its rules as `static`s.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub default_severity: Severity,
}

/// Declares rules as statics and a `RULES` slice of them, in order:
///
/// ```
/// mantile_diag::declare_rules! {
///     /// Every rule of this checker.
///     ALL;
///     MY_RULE = "XX001", "my-rule", Warning, "What it checks.";
/// }
/// assert_eq!(ALL[0].code, "XX001");
/// ```
#[macro_export]
macro_rules! declare_rules {
    ($(#[$doc:meta])* $all:ident; $($id:ident = $code:literal, $name:literal, $sev:ident, $summary:literal;)*) => {
        $(pub static $id: $crate::Rule = $crate::Rule {
            code: $code,
            name: $name,
            summary: $summary,
            default_severity: $crate::Severity::$sev,
        };)*
        $(#[$doc])*
        pub static $all: &[&$crate::Rule] = &[$(&$id),*];
    };
}

/// One edit: replace the bytes of `range` with `new_text`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TextEdit {
    pub range: TextRange,
    pub new_text: String,
}

/// A fix carried with a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the fix does, as a code-action title ("Set parameter_count to 26,550,080").
    pub title: String,
    /// Edits to the document the diagnostic belongs to, non-overlapping.
    pub edits: Vec<TextEdit>,
}

impl Fix {
    pub fn replace(title: impl Into<String>, range: TextRange, new_text: impl Into<String>) -> Fix {
        Fix {
            title: title.into(),
            edits: vec![TextEdit {
                range,
                new_text: new_text.into(),
            }],
        }
    }

    /// Applies the edits to `text`; edits must not overlap.
    pub fn apply(&self, text: &str) -> String {
        apply_edits(text, &self.edits)
    }
}

/// Applies non-overlapping edits to `text`.
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0usize;
    for e in sorted {
        let r = e.range.as_range();
        if r.start < pos || r.end > text.len() {
            continue; // overlapping or out of range: skip rather than corrupt text
        }
        out.push_str(&text[pos..r.start]);
        out.push_str(&e.new_text);
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Another location that explains a diagnostic ("top-level hidden_size is here").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    /// A path relative to the workspace root, or `None` for the same document.
    pub path: Option<String>,
    pub range: TextRange,
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub range: TextRange,
    pub message: String,
    pub related: Vec<Related>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// A diagnostic at the rule's default severity.
    pub fn new(rule: &'static Rule, range: TextRange, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            severity: rule.default_severity,
            range,
            message: message.into(),
            related: Vec::new(),
            fixes: Vec::new(),
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn with_related(mut self, range: TextRange, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            path: None,
            range,
            message: message.into(),
        });
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Diagnostic {
        self.fixes.push(fix);
        self
    }

    pub fn code(&self) -> &'static str {
        self.rule.code
    }
}

/// Per-rule severity overrides (from settings or the command line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeverityOverrides {
    entries: Vec<(String, Option<Severity>)>,
}

impl SeverityOverrides {
    /// `Some(severity)` to change a rule's severity, `None` to turn it off.
    /// `key` is a rule code (`MC060`) or name (`parameter-count`).
    pub fn set(&mut self, key: &str, severity: Option<Severity>) {
        self.entries.push((key.to_string(), severity));
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Applies the overrides; drops diagnostics whose rule is turned off.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        if self.entries.is_empty() {
            return;
        }
        diagnostics.retain_mut(|d| {
            for (key, sev) in self.entries.iter().rev() {
                if key.eq_ignore_ascii_case(d.rule.code) || key == d.rule.name {
                    match sev {
                        Some(s) => {
                            d.severity = *s;
                            return true;
                        }
                        None => return false,
                    }
                }
            }
            true
        });
    }
}

/// Sorts diagnostics by position, then code, for stable output.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.range.start, a.range.end, a.rule.code).cmp(&(b.range.start, b.range.end, b.rule.code))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    static R: Rule = Rule {
        code: "T001",
        name: "test-rule",
        summary: "a test rule",
        default_severity: Severity::Warning,
    };

    #[test]
    fn fix_applies_edits_in_order_of_position() {
        let fix = Fix {
            title: "t".into(),
            edits: vec![
                TextEdit {
                    range: TextRange::new(6, 11),
                    new_text: "there".into(),
                },
                TextEdit {
                    range: TextRange::new(0, 5),
                    new_text: "hi".into(),
                },
            ],
        };
        assert_eq!(fix.apply("hello world"), "hi there");
    }

    #[test]
    fn overlapping_edit_is_skipped_not_corrupting() {
        let edits = [
            TextEdit {
                range: TextRange::new(0, 5),
                new_text: "A".into(),
            },
            TextEdit {
                range: TextRange::new(3, 7),
                new_text: "B".into(),
            },
        ];
        assert_eq!(apply_edits("0123456789", &edits), "A56789");
    }

    #[test]
    fn overrides_change_or_drop() {
        let d = Diagnostic::new(&R, TextRange::new(0, 1), "m");
        let mut v = vec![d.clone()];
        let mut o = SeverityOverrides::default();
        o.set("T001", Some(Severity::Error));
        o.apply(&mut v);
        assert_eq!(v[0].severity, Severity::Error);
        let mut o = SeverityOverrides::default();
        o.set("test-rule", None);
        let mut v = vec![d];
        o.apply(&mut v);
        assert!(v.is_empty());
    }
}
