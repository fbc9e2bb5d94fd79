//! A gap report as sections and tensors, with byte ranges.

use mantile_diag::TextRange;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub level: u8,
    pub title: String,
    /// The heading line.
    pub heading: TextRange,
    /// From the heading to the next heading of the same or a higher level.
    pub range: TextRange,
}

/// A tensor named with its shape somewhere in the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorMention {
    pub name: String,
    pub shape: Vec<u128>,
    /// The shape's text, brackets included.
    pub shape_range: TextRange,
}

#[derive(Clone, Debug, Default)]
pub struct GapDoc {
    pub sections: Vec<Section>,
    pub tensors: Vec<TensorMention>,
    /// `tests/*_tests.md` paths the report names, with their ranges.
    pub suite_links: Vec<(String, TextRange)>,
}

impl GapDoc {
    pub fn title(&self) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.level == 1)
            .or(self.sections.first())
    }

    /// The first section whose title contains one of `words` (case-insensitive).
    pub fn find(&self, words: &[&str]) -> Option<&Section> {
        self.sections.iter().find(|s| {
            let t = s.title.to_ascii_lowercase();
            words.iter().any(|w| t.contains(w))
        })
    }

    /// The sections nested inside `parent`.
    pub fn children<'a>(&'a self, parent: &'a Section) -> impl Iterator<Item = &'a Section> {
        self.sections.iter().filter(move |s| {
            s.level > parent.level
                && s.heading.start > parent.heading.start
                && s.heading.start < parent.range.end
        })
    }
}

fn level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

pub fn parse(text: &str) -> GapDoc {
    let mut doc = GapDoc::default();
    let mut heading: Option<(u8, usize, String)> = None;
    for (event, range) in Parser::new_ext(text, Options::ENABLE_TABLES).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level: l, .. }) => {
                heading = Some((level(l), range.start, String::new()))
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                if let Some((_, _, title)) = heading.as_mut() {
                    title.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((l, start, title)) = heading.take() {
                    let end = text[start..range.end].trim_end().len() + start;
                    doc.sections.push(Section {
                        level: l,
                        title: title.trim().to_string(),
                        heading: TextRange::new(start, end),
                        range: TextRange::new(start, text.len()),
                    });
                }
            }
            _ => {}
        }
    }
    // Each section ends where the next one of the same or a higher level starts.
    for i in 0..doc.sections.len() {
        let (lvl, start) = (
            doc.sections[i].level,
            doc.sections[i].heading.start as usize,
        );
        if let Some(next) = doc.sections[i + 1..].iter().find(|s| s.level <= lvl) {
            doc.sections[i].range = TextRange::new(start, next.heading.start as usize);
        }
    }
    doc.tensors = tensors(text, &doc.sections);
    doc.suite_links = suite_links(text);
    doc
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// A shape `[4096, 2880]`, `(64,)` or `(4096, 2880)` at the start of `s`: dims and byte length.
/// Reads no further than the shape's own characters (not to the next
/// bracket of the line, which makes a line of many names quadratic).
fn shape_at(s: &str) -> Option<(Vec<u128>, usize)> {
    let close = match s.as_bytes().first()? {
        b'[' => b']',
        b'(' => b')',
        _ => return None,
    };
    let end = 1 + s.as_bytes()[1..]
        .iter()
        .position(|&c| !(c.is_ascii_digit() || c == b',' || c == b' ' || c == b'_'))?;
    if s.as_bytes()[end] != close {
        return None;
    }
    let inner = &s[1..end];
    if inner.trim().is_empty() {
        return None;
    }
    let dims: Option<Vec<u128>> = inner
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.replace('_', "").parse().ok())
        .collect();
    Some((dims?, end + 1))
}

/// Tensors named with a shape on the same line (`model.layers.0.mlp.w1.weight: [14336, 4096]`),
/// or in a `Tensor: name` heading followed by a `Shape` line.
fn tensors(text: &str, sections: &[Section]) -> Vec<TensorMention> {
    let mut out = Vec::new();
    let mut pending: Option<String> = None;
    // Sections are in document order, as are lines: the next section to
    // meet (one pass over each).
    let mut next = 0;
    for (offset, line) in mantile_spec::lines(text) {
        let l = line.trim_end();
        while sections
            .get(next)
            .is_some_and(|s| (s.heading.start as usize) < offset)
        {
            next += 1;
        }
        if let Some(sec) = sections
            .get(next)
            .filter(|s| s.heading.start as usize == offset)
            && let Some(name) = sec.title.strip_prefix("Tensor:")
        {
            let name = name.trim();
            let n: String = name.chars().take_while(|&c| is_name_char(c)).collect();
            let rest = name[n.len()..].trim_start();
            match shape_at(rest) {
                Some((shape, len)) => {
                    let at = offset + l.find(rest).unwrap_or(0);
                    out.push(TensorMention {
                        name: n,
                        shape,
                        shape_range: TextRange::new(at, at + len),
                    });
                    pending = None;
                }
                None => pending = Some(n),
            }
            continue;
        }
        // "**Shape**: `(64,)`" after a bare "Tensor: name" heading.
        if let Some(name) = pending.as_ref()
            && l.trim_start().starts_with("**Shape**")
        {
            if let Some(i) = l.find(['[', '('])
                && let Some((shape, len)) = shape_at(&l[i..])
            {
                out.push(TensorMention {
                    name: name.clone(),
                    shape,
                    shape_range: TextRange::new(offset + i, offset + i + len),
                });
            }
            pending = None;
            continue;
        }
        // name then shape on one line.
        let mut i = 0;
        while i < l.len() {
            let Some(c) = l[i..].chars().next() else {
                break;
            };
            if is_name_char(c) {
                let n: String = l[i..].chars().take_while(|&c| is_name_char(c)).collect();
                let after = i + n.len();
                let gap =
                    l[after..].len() - l[after..].trim_start_matches([':', ' ', '`', '=']).len();
                if n.contains('.')
                    && (n.ends_with(".weight") || n.ends_with(".bias") || n.ends_with("sinks"))
                    && let Some((shape, len)) = shape_at(&l[after + gap..])
                {
                    let at = offset + after + gap;
                    out.push(TensorMention {
                        name: n.clone(),
                        shape,
                        shape_range: TextRange::new(at, at + len),
                    });
                }
                i = after.max(i + 1);
            } else {
                i += c.len_utf8();
            }
        }
    }
    out
}

fn suite_links(text: &str) -> Vec<(String, TextRange)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("_tests.md") {
        let end = from + i + "_tests.md".len();
        // The path's start, looked for back to the previous match only
        // (`a_tests.md_tests.md…` is not rescanned from its start each time).
        let start = text[from..end]
            .rfind(|c: char| {
                !(c.is_ascii_alphanumeric() || c == '_' || c == '/' || c == '.' || c == '-')
            })
            .map(|p| from + p + 1)
            .unwrap_or(from);
        let token = &text[start..end];
        let stem = token.rsplit('/').next().unwrap_or(token);
        if stem.len() > "_tests.md".len() {
            out.push((format!("tests/{stem}"), TextRange::new(start, end)));
        }
        from = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_nest_and_end_at_the_next_peer() {
        let t = "# Gap\n\nintro\n\n## A\n\ntext\n\n### A.1\n\nx\n\n## B\n\ny\n";
        let d = parse(t);
        let titles: Vec<(&str, u8)> = d
            .sections
            .iter()
            .map(|s| (s.title.as_str(), s.level))
            .collect();
        assert_eq!(titles, [("Gap", 1), ("A", 2), ("A.1", 3), ("B", 2)]);
        let a = &d.sections[1];
        assert_eq!(&t[a.range.as_range()], "## A\n\ntext\n\n### A.1\n\nx\n\n");
        assert_eq!(&t[a.heading.as_range()], "## A");
        assert_eq!(
            d.children(a).map(|s| s.title.as_str()).collect::<Vec<_>>(),
            ["A.1"]
        );
        assert_eq!(d.title().unwrap().title, "Gap");
    }

    #[test]
    fn tensors_in_lists_headings_and_shape_lines() {
        let t = "```\n  model.layers.0.self_attn.q_proj.weight: [4096, 2880] (torch.bfloat16)\n  model.layers.0.mlp.experts.0.w1.weight (14336, 4096)\n```\n\n### Tensor: model.layers.0.self_attn.sinks (64,)\n\n### Tensor: lm_head.weight\n\n**Shape**: `[201088, 2880]` × bf16\n";
        let d = parse(t);
        let got: Vec<(String, Vec<u128>, &str)> = d
            .tensors
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    m.shape.clone(),
                    &t[m.shape_range.as_range()],
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "model.layers.0.self_attn.q_proj.weight".to_string(),
                    vec![4096, 2880],
                    "[4096, 2880]"
                ),
                (
                    "model.layers.0.mlp.experts.0.w1.weight".to_string(),
                    vec![14336, 4096],
                    "(14336, 4096)"
                ),
                (
                    "model.layers.0.self_attn.sinks".to_string(),
                    vec![64],
                    "(64,)"
                ),
                (
                    "lm_head.weight".to_string(),
                    vec![201088, 2880],
                    "[201088, 2880]"
                ),
            ]
        );
    }

    #[test]
    fn suite_links_resolve_to_tests_folder() {
        let d = parse("See [tests](../../tests/mtp_head_tests.md) and `tests/mtp_head_tests.md`.");
        let paths: Vec<&str> = d.suite_links.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            ["tests/mtp_head_tests.md", "tests/mtp_head_tests.md"]
        );
    }
}
