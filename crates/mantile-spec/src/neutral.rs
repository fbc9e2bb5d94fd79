//! The checker's precision under edits that change no number: a spec
//! rewritten without changing what it says (other line endings or list
//! markers, a blank line after each heading, products written without
//! spaces, numbers without thousands separators, prose wrapped at a width
//! as a formatter would) must get the findings of the unchanged text. Used
//! by `examples/neutral.rs`; not part of the API.
//!
//! Findings are compared by rule, severity and message, the message
//! without white space and separators (it quotes the source, which the
//! edit may have respaced or rewrapped).

use crate::check_spec;
use mantile_diag::{LineIndex, Severity};
use std::collections::HashMap;

/// A rewrite of a whole spec that keeps its meaning.
pub struct Edit {
    pub name: &'static str,
    pub apply: fn(&str) -> String,
}

/// Every edit the harness makes.
pub fn edits() -> Vec<Edit> {
    vec![
        Edit {
            name: "crlf",
            apply: |t| t.replace('\n', "\r\n"),
        },
        Edit {
            name: "dash-bullets",
            apply: dash_bullets,
        },
        Edit {
            name: "blank-after-headings",
            apply: blank_after_headings,
        },
        Edit {
            name: "tight-products",
            apply: tight_products,
        },
        Edit {
            name: "no-separators",
            apply: no_separators,
        },
        Edit {
            name: "wrap-80",
            apply: |t| wrap(t, 80),
        },
        Edit {
            name: "wrap-60",
            apply: |t| wrap(t, 60),
        },
        Edit {
            name: "wrap-40",
            apply: |t| wrap(t, 40),
        },
    ]
}

/// A finding that appeared (or vanished) with an edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub appeared: bool,
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// 1-based, in the edited text (appeared) or the original (vanished).
    pub line: usize,
}

/// The findings that differ between `text` and `edited` (see the module's
/// note).
pub fn compare(text: &str, edited: &str) -> Vec<Change> {
    type Key = (&'static str, Severity, String);
    let findings = |t: &str| -> Vec<(Key, Change)> {
        let index = LineIndex::new(t);
        check_spec(t)
            .diagnostics
            .into_iter()
            .map(|d| {
                let key = (d.rule.code, d.severity, normalise(&d.message));
                let change = Change {
                    appeared: false,
                    code: d.rule.code,
                    severity: d.severity,
                    message: d.message,
                    line: index.line_of(d.range.start as usize) as usize + 1,
                };
                (key, change)
            })
            .collect()
    };
    let before = findings(text);
    let after = findings(edited);
    let mut count: HashMap<Key, i64> = HashMap::new();
    for (k, _) in &before {
        *count.entry(k.clone()).or_default() += 1;
    }
    for (k, _) in &after {
        *count.entry(k.clone()).or_default() -= 1;
    }
    let mut out = Vec::new();
    // More after than before: the extra ones appeared (the last of them).
    for (k, c) in after.into_iter().rev() {
        if let Some(n) = count.get_mut(&k).filter(|n| **n < 0) {
            *n += 1;
            out.push(Change {
                appeared: true,
                ..c
            });
        }
    }
    for (k, c) in before.into_iter().rev() {
        if let Some(n) = count.get_mut(&k).filter(|n| **n > 0) {
            *n -= 1;
            out.push(c);
        }
    }
    out.sort_by_key(|c| (!c.appeared, c.line));
    out
}

/// A message without white space, `,` and `_` (what an edit may change in
/// the source it quotes).
fn normalise(message: &str) -> String {
    message
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '_'))
        .collect()
}

/// The lines of `text` with whether each is inside a fenced code block
/// (the fences included).
fn lines_with_fences(text: &str) -> Vec<(&str, bool)> {
    let mut fence: Option<(char, usize)> = None;
    text.split('\n')
        .map(|l| {
            let t = l.trim_start();
            let c = t.chars().next().unwrap_or(' ');
            let run = t.chars().take_while(|&x| x == c).count();
            let is_fence = matches!(c, '`' | '~') && run >= 3;
            match fence {
                Some((f, n)) => {
                    if is_fence && c == f && run >= n && t[run..].trim().is_empty() {
                        fence = None;
                    }
                    (l, true)
                }
                None => {
                    if is_fence {
                        fence = Some((c, run));
                    }
                    (l, is_fence)
                }
            }
        })
        .collect()
}

/// `text` with `f` applied to each line outside fenced code blocks.
fn map_prose(text: &str, mut f: impl FnMut(&str) -> String) -> String {
    lines_with_fences(text)
        .into_iter()
        .map(|(l, code)| if code { l.to_string() } else { f(l) })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `* item` list markers written `- item`.
fn dash_bullets(text: &str) -> String {
    map_prose(text, |l| {
        let indent = l.len() - l.trim_start_matches(' ').len();
        match l[indent..].strip_prefix("* ") {
            Some(rest) => format!("{}- {rest}", &l[..indent]),
            None => l.to_string(),
        }
    })
}

/// A blank line after every ATX heading that lacks one.
fn blank_after_headings(text: &str) -> String {
    let lines = lines_with_fences(text);
    let mut out = Vec::with_capacity(lines.len() + 64);
    for (i, &(l, code)) in lines.iter().enumerate() {
        out.push(l.to_string());
        let heading = !code && l.starts_with('#') && l.trim_start_matches('#').starts_with(' ');
        if heading && lines.get(i + 1).is_some_and(|n| !n.0.trim().is_empty()) {
            out.push(String::new());
        }
    }
    out.join("\n")
}

/// `2 × 4` and `2 * 4` written `2×4` and `2*4` (between digits).
fn tight_products(text: &str) -> String {
    map_prose(text, |l| {
        let mut out = String::with_capacity(l.len());
        let chars: Vec<char> = l.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let tight = i >= 1
                && chars[i] == ' '
                && chars[i - 1].is_ascii_digit()
                && matches!(chars.get(i + 1), Some('*' | '×'))
                && chars.get(i + 2) == Some(&' ')
                && chars.get(i + 3).is_some_and(|c| c.is_ascii_digit());
            if tight {
                out.push(chars[i + 1]);
                i += 3;
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        out
    })
}

/// `1,048,576` written `1048576` (a comma between digits, three after it).
fn no_separators(text: &str) -> String {
    map_prose(text, |l| {
        let b = l.as_bytes();
        let mut out = String::with_capacity(l.len());
        for (i, c) in l.char_indices() {
            let separator = c == ','
                && i > 0
                && b[i - 1].is_ascii_digit()
                && b.len() > i + 3
                && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
                && !b.get(i + 4).is_some_and(u8::is_ascii_digit);
            if !separator {
                out.push(c);
            }
        }
        out
    })
}

/// Paragraph and list lines wrapped at `width` bytes, as a formatter's
/// prose wrap does: at spaces, never inside a code span, never so that a
/// wrapped line would start a block (a list item, a heading, a quote, a
/// table row, a setext underline) or end with a hard break. Headings,
/// table rows, HTML and code are left alone.
fn wrap(text: &str, width: usize) -> String {
    map_prose(text, |l| {
        let t = l.trim_start();
        if l.len() <= width || t.starts_with(['#', '|', '<', '$', '>']) {
            return l.to_string();
        }
        // Continuation lines are indented to the item's content.
        let indent = l.len() - t.len();
        let marker = if t.starts_with(['*', '-', '+']) && t[1..].starts_with(' ') {
            2
        } else {
            let digits = t.bytes().take_while(u8::is_ascii_digit).count();
            match t.as_bytes().get(digits..digits + 2) {
                Some([b'.' | b')', b' ']) if digits > 0 => digits + 2,
                _ => 0,
            }
        };
        let pad = " ".repeat(indent + marker);
        let mut out = String::new();
        let mut rest = l.to_string();
        while rest.len() > width {
            let Some(cut) = cut_point(&rest, pad.len(), width) else {
                break;
            };
            out.push_str(rest[..cut].trim_end());
            out.push('\n');
            rest = format!("{pad}{}", rest[cut..].trim_start_matches(' '));
        }
        out.push_str(&rest);
        out
    })
}

/// The last space of `line` at or before `limit` (and after `from`) where
/// a line may be cut: outside a code span, with something before it, and
/// not before text that would start a block.
fn cut_point(line: &str, from: usize, limit: usize) -> Option<usize> {
    let b = line.as_bytes();
    let mut ticks = 0usize;
    let mut best = None;
    for (i, &c) in b.iter().enumerate() {
        if c == b'`' {
            ticks += 1;
        }
        if i > limit && best.is_some() {
            break;
        }
        if c != b' ' || i <= from || ticks % 2 == 1 {
            continue;
        }
        let before = line[from..i].trim();
        let after = line[i..].trim_start();
        if before.is_empty() || after.is_empty() || starts_block(after) {
            continue;
        }
        if i <= limit || best.is_none() {
            best = Some(i);
        }
    }
    best
}

/// Whether a line starting with `s` would start a block of its own.
fn starts_block(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    matches!(b.first(), Some(b'#' | b'>' | b'|' | b'<'))
        || (matches!(b.first(), Some(b'*' | b'-' | b'+')) && matches!(b.get(1), None | Some(b' ')))
        || (digits > 0
            && matches!(b.get(digits), Some(b'.' | b')'))
            && matches!(b.get(digits + 1), None | Some(b' ')))
        || s.trim_end().bytes().all(|c| c == b'=' || c == b'-')
        || s.starts_with("```")
        || s.starts_with("~~~")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_code_spans_whole_and_starts_no_block() {
        let line = "* **activation = 524,288 + 4,096 + 2,097,152 + 524,288 = 3,149,824** and `a * b = c` - 5 more words";
        let w = wrap(line, 30);
        for l in w.lines().skip(1) {
            assert!(l.starts_with("  "), "{w}");
            assert!(!starts_block(l.trim_start()), "{w}");
            assert!(!l.ends_with(' '), "{w}");
        }
        assert!(w.contains("`a * b = c`"), "{w}");
        // The words are the same, in the same order.
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(words(&w), words(line));
        // Code blocks, headings and tables stay as they are.
        let text = format!("```\n{line}\n```\n# {line}\n| {line} |");
        assert_eq!(wrap(&text, 30), text);
    }

    #[test]
    fn the_rewrites_keep_the_numbers() {
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let text = "* `2 * 1,024 = 2,048`\n\n# H\nx = 2 × 3 = 6\n```\n* 1,024\n```\n";
        for e in edits() {
            assert_eq!(digits(&(e.apply)(text)), digits(text), "{}", e.name);
        }
        assert_eq!(tight_products("2 * 3 × 4 = 24"), "2*3×4 = 24");
        assert_eq!(
            no_separators("1,048,576 and 1,2 and 12,3456"),
            "1048576 and 1,2 and 12,3456"
        );
        assert_eq!(
            dash_bullets("* a\n  * b\n```\n* c\n```"),
            "- a\n  - b\n```\n* c\n```"
        );
        assert_eq!(
            blank_after_headings("# A\ntext\n## B\n\nx"),
            "# A\n\ntext\n## B\n\nx"
        );
    }

    #[test]
    fn an_edit_of_the_example_spec_changes_no_finding() {
        let text =
            include_str!("../../../examples/workspace/tests/multi_token_prediction_tests.md");
        for e in edits() {
            let changes = compare(text, &(e.apply)(text));
            assert_eq!(changes, [], "{}", e.name);
        }
    }
}
