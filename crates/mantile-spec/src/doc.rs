//! The Markdown structure of a spec, read with pulldown-cmark's source offsets:
//! headings, fenced code, tables, thematic breaks, and for every byte whether
//! it is prose, code, bold, or markup.

use crate::lex::{Class, Token, lex_into};
use mantile_diag::TextRange;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

#[derive(Clone, Debug)]
pub struct Heading {
    pub level: u8,
    /// The whole heading line.
    pub range: TextRange,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct CodeBlock {
    pub range: TextRange,
    /// The info string (`python`), empty for a plain fence or an indented block.
    pub info: String,
}

#[derive(Clone, Debug)]
pub struct Cell<'a> {
    pub range: TextRange,
    /// The cell's source, trimmed.
    pub text: &'a str,
}

#[derive(Clone, Debug)]
pub struct Table<'a> {
    pub range: TextRange,
    pub header: Vec<Cell<'a>>,
    pub rows: Vec<Vec<Cell<'a>>>,
}

/// What kind of line this is, for the claim scanner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    Text,
    Heading,
    /// A line inside a fenced or indented code block (not the fences).
    Code,
    /// A line of a code block that is not arithmetic (python, json, ...).
    Skip,
    Table,
    Rule,
    Blank,
}

#[derive(Clone, Copy, Debug)]
pub struct Line {
    pub range: TextRange,
    pub kind: LineKind,
    /// The line has a byte that may start `=`, `~`, `≈`, `→` or `->`: a
    /// cheap superset of the lines that may hold a claim.
    pub hint: bool,
}

pub struct Doc<'a> {
    pub text: &'a str,
    class: Vec<Class>,
    pub headings: Vec<Heading>,
    pub tables: Vec<Table<'a>>,
    pub rules: Vec<TextRange>,
    pub lines: Vec<Line>,
}

impl<'a> Doc<'a> {
    pub fn parse(text: &'a str) -> Doc<'a> {
        let mut class = vec![Class::Plain; text.len()];
        let mut headings = Vec::new();
        let mut code_blocks = Vec::new();
        let mut tables: Vec<Table> = Vec::new();
        let mut rules = Vec::new();
        let mut heading: Option<(u8, TextRange, String)> = None;
        let mut table: Option<Table> = None;
        let mut row: Option<Vec<Cell>> = None;
        let mut in_head = false;
        let set = |class: &mut Vec<Class>, r: std::ops::Range<usize>, c: Class| {
            let end = r.end.min(class.len());
            for slot in &mut class[r.start.min(end)..end] {
                *slot = c;
            }
        };
        let opts = Options::ENABLE_TABLES | Options::ENABLE_MATH;
        for (ev, r) in Parser::new_ext(text, opts).into_offset_iter() {
            let r = r.start.min(text.len())..r.end.min(text.len());
            match ev {
                Event::Start(Tag::Heading { level, .. }) => {
                    heading = Some((level as u8, TextRange::from(r.clone()), String::new()));
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, range, text)) = heading.take() {
                        headings.push(Heading {
                            level,
                            range,
                            text: text.trim().to_string(),
                        });
                    }
                }
                Event::Text(t) => {
                    if let Some(h) = heading.as_mut() {
                        h.2.push_str(&t);
                    }
                }
                Event::Code(t) => {
                    if let Some(h) = heading.as_mut() {
                        h.2.push_str(&t);
                    }
                    let src = &text[r.clone()];
                    let lead = src.len() - src.trim_start_matches('`').len();
                    let trail = src.len() - src.trim_end_matches('`').len();
                    if lead + trail <= src.len() {
                        set(&mut class, r.start..r.end - trail, Class::Code);
                        set(&mut class, r.start..r.start + lead, Class::Markup);
                        set(&mut class, r.end - trail..r.end, Class::Markup);
                    }
                }
                Event::Start(Tag::Strong) => {
                    let src = &text[r.clone()];
                    if src.len() >= 4 {
                        for slot in class.get_mut(r.clone()).unwrap_or(&mut []) {
                            if *slot == Class::Plain {
                                *slot = Class::Bold;
                            }
                        }
                        let m = |c: char| c == '*' || c == '_';
                        if src.starts_with(m) {
                            set(&mut class, r.start..r.start + 2, Class::Markup);
                        }
                        if src.ends_with(m) {
                            set(&mut class, r.end - 2..r.end, Class::Markup);
                        }
                    }
                }
                Event::Start(Tag::Emphasis) => {
                    let src = &text[r.clone()];
                    if src.len() >= 2 {
                        if src.starts_with(['*', '_']) {
                            set(&mut class, r.start..r.start + 1, Class::Markup);
                        }
                        if src.ends_with(['*', '_']) {
                            set(&mut class, r.end - 1..r.end, Class::Markup);
                        }
                    }
                }
                Event::Start(Tag::Item) => {
                    let src = &text[r.clone()];
                    let marker = src
                        .char_indices()
                        .take_while(|(_, c)| {
                            c.is_ascii_digit() || matches!(c, '*' | '-' | '+' | '.' | ')')
                        })
                        .last()
                        .map(|(i, c)| i + c.len_utf8())
                        .unwrap_or(0);
                    set(&mut class, r.start..r.start + marker, Class::Markup);
                }
                Event::InlineMath(_)
                | Event::DisplayMath(_)
                | Event::Html(_)
                | Event::InlineHtml(_) => {
                    set(&mut class, r.clone(), Class::Skip);
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let info = match kind {
                        CodeBlockKind::Fenced(info) => info.trim().to_string(),
                        CodeBlockKind::Indented => String::new(),
                    };
                    code_blocks.push(CodeBlock {
                        range: TextRange::from(r.clone()),
                        info,
                    });
                }
                Event::Rule => rules.push(TextRange::from(r.clone())),
                Event::Start(Tag::Table(_)) => {
                    table = Some(Table {
                        range: TextRange::from(r.clone()),
                        header: Vec::new(),
                        rows: Vec::new(),
                    });
                }
                Event::Start(Tag::TableHead) => {
                    in_head = true;
                    row = Some(Vec::new());
                }
                Event::End(TagEnd::TableHead) => {
                    in_head = false;
                    if let (Some(t), Some(cells)) = (table.as_mut(), row.take()) {
                        t.header = cells;
                    }
                }
                Event::Start(Tag::TableRow) => row = Some(Vec::new()),
                Event::End(TagEnd::TableRow) => {
                    if let (Some(t), Some(cells)) = (table.as_mut(), row.take())
                        && !in_head
                    {
                        t.rows.push(cells);
                    }
                }
                Event::Start(Tag::TableCell) => {
                    if let Some(cells) = row.as_mut() {
                        cells.push(Cell {
                            range: TextRange::from(r.clone()),
                            text: text[r.clone()].trim(),
                        });
                    }
                }
                Event::End(TagEnd::Table) => {
                    if let Some(t) = table.take() {
                        tables.push(t);
                    }
                }
                _ => {}
            }
        }

        // Lines, each with a kind.
        // One pass over the bytes, one table look-up each: line ends, and
        // whether a line has a byte a claim needs.
        const NL: u8 = 1;
        const HINT: u8 = 2;
        const TABLE: [u8; 256] = {
            let mut t = [0u8; 256];
            t[b'\n' as usize] = NL;
            t[b'=' as usize] = HINT;
            t[b'~' as usize] = HINT;
            t[b'>' as usize] = HINT;
            t[0xE2] = HINT;
            t
        };
        let mut lines = Vec::with_capacity(text.len() / 24);
        let mut start = 0;
        let mut hint = false;
        let mut push = |start: usize, end: usize, hint: bool| {
            lines.push(Line {
                range: TextRange::new(start, end),
                kind: if text[start..end].trim().is_empty() {
                    LineKind::Blank
                } else {
                    LineKind::Text
                },
                hint,
            })
        };
        for (i, &c) in text.as_bytes().iter().enumerate() {
            match TABLE[c as usize] {
                0 => {}
                NL => {
                    push(start, i, hint);
                    start = i + 1;
                    hint = false;
                }
                _ => hint = true,
            }
        }
        if start < text.len() {
            push(start, text.len(), hint);
        }
        // Lines whose start lies in `r` (a binary search: lines are sorted).
        let span = |lines: &[Line], r: TextRange| -> std::ops::Range<usize> {
            let end = r.end.max(r.start + 1);
            let a = lines.partition_point(|l| l.range.start < r.start);
            let b = lines.partition_point(|l| l.range.start < end);
            a..b.max(a)
        };
        let within = |r: TextRange, l: &Line| {
            l.range.start >= r.start && l.range.start < r.end.max(r.start + 1)
        };
        for h in &headings {
            let sp = span(&lines, h.range);
            for l in &mut lines[sp] {
                l.kind = LineKind::Heading;
            }
        }
        for t in &tables {
            let sp = span(&lines, t.range);
            for l in &mut lines[sp] {
                l.kind = LineKind::Table;
            }
        }
        for r in &rules {
            let sp = span(&lines, *r);
            for l in &mut lines[sp] {
                l.kind = LineKind::Rule;
            }
        }
        for cb in &code_blocks {
            let arithmetic =
                cb.info.is_empty() || matches!(cb.info.as_str(), "text" | "txt" | "math");
            let src = &text[cb.range.as_range()];
            let fenced = src.trim_start().starts_with("```") || src.trim_start().starts_with("~~~");
            let idx: Vec<usize> = span(&lines, cb.range)
                .filter(|&i| within(cb.range, &lines[i]))
                .collect();
            for (k, &i) in idx.iter().enumerate() {
                let fence = fenced
                    && (k == 0
                        || (k + 1 == idx.len() && {
                            let t = text[lines[i].range.as_range()].trim();
                            t.starts_with("```") || t.starts_with("~~~")
                        }));
                lines[i].kind = if fence || !arithmetic {
                    LineKind::Skip
                } else {
                    LineKind::Code
                };
            }
        }
        // A table cell that holds a calculation in inline code (a gap report's
        // impact table: `2 * M * d = ...`) is scanned as a line of its own.
        // Plain cells (a summary row's `d=1024, M=256`) stay table text.
        let cells: Vec<TextRange> = tables
            .iter()
            .flat_map(|t| t.header.iter().chain(t.rows.iter().flatten()))
            .map(|c| c.range)
            .filter(|r| {
                let s = text.get(r.as_range()).unwrap_or("");
                s.contains('`') && s.contains('=')
            })
            .collect();
        if !cells.is_empty() {
            let mut with_cells = Vec::with_capacity(lines.len() + cells.len());
            for l in lines {
                let kind = l.kind;
                let range = l.range;
                with_cells.push(l);
                if kind == LineKind::Table {
                    with_cells.extend(
                        cells
                            .iter()
                            .filter(|c| c.start >= range.start && c.end <= range.end)
                            .map(|&c| Line {
                                range: c,
                                kind: LineKind::Text,
                                hint: true,
                            }),
                    );
                }
            }
            lines = with_cells;
        }
        Doc {
            text,
            class,
            headings,
            tables,
            rules,
            lines,
        }
    }

    /// Appends the tokens of a line to `out`.
    pub fn line_tokens(&self, line: &Line, out: &mut Vec<Token<'a>>) {
        let r = line.range.as_range();
        let text: &'a str = self.text;
        let src = text.get(r.clone()).unwrap_or("");
        if line.kind == LineKind::Code {
            lex_into(out, src, r.start, &[], Some(Class::Code))
        } else {
            lex_into(out, src, r.start, self.class.get(r).unwrap_or(&[]), None)
        }
    }

    pub fn slice(&self, r: TextRange) -> &str {
        self.text.get(r.as_range()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(&str, LineKind)> {
        Doc::parse(text)
            .lines
            .iter()
            .map(|l| (&text[l.range.as_range()], l.kind))
            .collect()
    }

    #[test]
    fn lines_and_blank_lines() {
        use LineKind::{Blank, Text};
        assert_eq!(lines(""), []);
        assert_eq!(lines("a"), [("a", Text)]);
        assert_eq!(lines("a\n"), [("a", Text)]);
        assert_eq!(
            lines("a\n\n \t\r\nb = 1\r\n"),
            [
                ("a", Text),
                ("", Blank),
                (" \t\r", Blank),
                ("b = 1\r", Text)
            ]
        );
        // A no-break space is white space; `×` is not.
        assert_eq!(
            lines("\u{a0}\n×\n\u{a0}x"),
            [("\u{a0}", Blank), ("×", Text), ("\u{a0}x", Text)]
        );
    }
}
