//! The Markdown structure of a spec, read with pulldown-cmark's source offsets:
//! headings, fenced code, tables, thematic breaks, and for every byte whether
//! it is prose, code, bold, or markup.
//!
//! A document may be read in chunks cut before headings ([`is_cut`]): the
//! same structure, piece by piece. [`MarkdownCache`] keeps one document's
//! chunks (and their lines' tokens) from one version to the next, so that an
//! edit re-reads only the chunks it touched.

use crate::lex::{Class, Token, lex_into};
use mantile_diag::TextRange;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

#[derive(Clone, Debug, PartialEq)]
pub struct Heading {
    pub level: u8,
    /// The whole heading line.
    pub range: TextRange,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
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

/// A table as read from the Markdown: ranges only.
#[derive(Clone, Debug, Default, PartialEq)]
struct TableRanges {
    range: TextRange,
    header: Vec<TextRange>,
    rows: Vec<Vec<TextRange>>,
}

/// The block structure pulldown-cmark finds in (a chunk of) the text.
#[derive(Clone, Debug, Default, PartialEq)]
struct Blocks {
    headings: Vec<Heading>,
    code_blocks: Vec<CodeBlock>,
    tables: Vec<TableRanges>,
    rules: Vec<TextRange>,
    /// Where a paragraph wraps (a soft line break, or a line break inside
    /// a code span): the end of the line before, in document order. See
    /// [`join_wrapped`].
    breaks: Vec<u32>,
}

impl Blocks {
    fn append(&mut self, other: &Blocks, delta: usize) {
        self.headings.extend(other.headings.iter().map(|h| Heading {
            level: h.level,
            range: h.range.shift(delta),
            text: h.text.clone(),
        }));
        self.code_blocks
            .extend(other.code_blocks.iter().map(|c| CodeBlock {
                range: c.range.shift(delta),
                info: c.info.clone(),
            }));
        self.tables.extend(other.tables.iter().map(|t| {
            TableRanges {
                range: t.range.shift(delta),
                header: t.header.iter().map(|r| r.shift(delta)).collect(),
                rows: t
                    .rows
                    .iter()
                    .map(|row| row.iter().map(|r| r.shift(delta)).collect())
                    .collect(),
            }
        }));
        self.rules
            .extend(other.rules.iter().map(|r| r.shift(delta)));
        self.breaks
            .extend(other.breaks.iter().map(|&at| at + delta as u32));
    }
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

#[derive(Clone, Copy, Debug, PartialEq)]
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

/// Reads the Markdown of `chunk` (which starts at byte `base` of the
/// document): fills `class` (one slot per byte of `chunk`) and appends to
/// `out`, with document offsets. Returns whether the chunk ends cleanly: no
/// code block or HTML block runs into its end, so a heading line after it
/// starts a new block whatever came before (see [`is_cut`]).
fn read_chunk(chunk: &str, base: usize, class: &mut [Class], out: &mut Blocks) -> bool {
    let mut clean = true;
    let mut heading: Option<(u8, TextRange, String)> = None;
    let mut table: Option<TableRanges> = None;
    let mut row: Option<Vec<TextRange>> = None;
    let mut in_head = false;
    let set = |class: &mut [Class], r: std::ops::Range<usize>, c: Class| {
        let end = r.end.min(class.len());
        match &mut class[r.start.min(end)..end] {
            // Most ranges are a marker of a byte or two: stores, not a
            // call to `memset`.
            [] => {}
            [a] => *a = c,
            [a, b] => (*a, *b) = (c, c),
            slots => slots.fill(c),
        }
    };
    let at = |r: &std::ops::Range<usize>| TextRange::new(r.start + base, r.end + base);
    let opts = Options::ENABLE_TABLES | Options::ENABLE_MATH;
    for (ev, r) in Parser::new_ext(chunk, opts).into_offset_iter() {
        let r = r.start.min(chunk.len())..r.end.min(chunk.len());
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, at(&r), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, range, mut text)) = heading.take() {
                    // Trimmed in place: no second allocation.
                    text.truncate(text.trim_end().len());
                    let lead = text.len() - text.trim_start().len();
                    text.drain(..lead);
                    out.headings.push(Heading { level, range, text });
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
                let src = &chunk[r.clone()];
                // A code span wrapped over lines: pulldown-cmark gives its
                // text with the line breaks made spaces, a string of its own.
                if !matches!(t, pulldown_cmark::CowStr::Borrowed(_)) {
                    let b = src.as_bytes();
                    for (k, &c) in b.iter().enumerate() {
                        // A line ends at `\r`, at `\n`, or at the `\r` of `\r\n`.
                        if c == b'\r' || (c == b'\n' && (k == 0 || b[k - 1] != b'\r')) {
                            out.breaks.push((base + r.start + k) as u32);
                        }
                    }
                }
                let lead = src.bytes().take_while(|&c| c == b'`').count();
                let trail = src.bytes().rev().take_while(|&c| c == b'`').count();
                if lead + trail <= src.len() {
                    set(class, r.start..r.end - trail, Class::Code);
                    set(class, r.start..r.start + lead, Class::Markup);
                    set(class, r.end - trail..r.end, Class::Markup);
                }
            }
            ev @ Event::Start(Tag::Strong) => {
                // It owns nothing: see the last arm.
                std::mem::forget(ev);
                let src = &chunk[r.clone()];
                if src.len() >= 4 {
                    // A select, not a branch: the loop vectorises.
                    for slot in class.get_mut(r.clone()).unwrap_or(&mut []) {
                        *slot = if *slot == Class::Plain {
                            Class::Bold
                        } else {
                            *slot
                        };
                    }
                    let m = |c: Option<&u8>| matches!(c, Some(b'*' | b'_'));
                    if m(src.as_bytes().first()) {
                        set(class, r.start..r.start + 2, Class::Markup);
                    }
                    if m(src.as_bytes().last()) {
                        set(class, r.end - 2..r.end, Class::Markup);
                    }
                }
            }
            Event::Start(Tag::Emphasis) => {
                let src = &chunk[r.clone()];
                // `2*256*1024`: CommonMark reads `*256*` as emphasis, the
                // author meant two products; a `*` between two operands
                // stays an operator.
                let b = chunk.as_bytes();
                let operand = |i: Option<usize>| {
                    i.and_then(|i| b.get(i))
                        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'(' | b')'))
                };
                let product = |at: usize| {
                    b[at] == b'*' && operand(at.checked_sub(1)) && operand(Some(at + 1))
                };
                if src.len() >= 2 && !(product(r.start) && product(r.end - 1)) {
                    if src.starts_with(['*', '_']) {
                        set(class, r.start..r.start + 1, Class::Markup);
                    }
                    if src.ends_with(['*', '_']) {
                        set(class, r.end - 1..r.end, Class::Markup);
                    }
                }
            }
            ev @ Event::Start(Tag::Item) => {
                // It owns nothing: see the last arm.
                std::mem::forget(ev);
                let src = &chunk[r.clone()];
                let marker = src
                    .bytes()
                    .take_while(|c| {
                        c.is_ascii_digit() || matches!(c, b'*' | b'-' | b'+' | b'.' | b')')
                    })
                    .count();
                set(class, r.start..r.start + marker, Class::Markup);
            }
            Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::Html(_)
            | Event::InlineHtml(_) => {
                set(class, r.clone(), Class::Skip);
            }
            Event::Start(Tag::HtmlBlock) if r.end >= chunk.len() => clean = false,
            Event::Start(Tag::CodeBlock(kind)) => {
                if r.end >= chunk.len() {
                    clean = false;
                }
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.trim().to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                out.code_blocks.push(CodeBlock {
                    range: at(&r),
                    info,
                });
            }
            Event::Rule => out.rules.push(at(&r)),
            Event::SoftBreak => {
                // (The break's range may start at trailing white space.)
                let b = chunk.as_bytes();
                if let Some(k) = b[r.start..].iter().position(|&c| c == b'\n' || c == b'\r') {
                    out.breaks.push((base + r.start + k) as u32);
                }
            }
            Event::Start(Tag::Table(_)) => {
                table = Some(TableRanges {
                    range: at(&r),
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
                    cells.push(at(&r));
                }
            }
            Event::End(TagEnd::Table) => {
                if let Some(t) = table.take() {
                    out.tables.push(t);
                }
            }
            // Ends, and paragraph, list, item and strong starts (the
            // commonest events but text) own nothing: forgetting them
            // spares an out-of-line call to the events' drop glue each.
            ev @ (Event::End(_) | Event::Start(Tag::Paragraph | Tag::List(_))) => {
                std::mem::forget(ev)
            }
            _ => {}
        }
    }
    clean
}

/// Calls `f(start, end, hint)` for each line of `bytes`: lines end at `\n`,
/// `\r\n` or a lone `\r` (as CommonMark and pulldown-cmark have it), `end`
/// at the line's break, or the end of a last line without one. `hint` (when `HINT`): the line
/// has a byte a claim needs (`=`, `~`, `>`, or 0xE2, the lead byte of `≈`
/// and `→`); it may also be set, harmlessly, for lines without one (a line
/// with `<`, `?`, `|`, `}` or a non-ASCII character).
/// Eight bytes at a time: the lines are short, so a vectorised search that
/// starts over at each line costs more than it saves.
fn scan_lines<const HINT: bool>(bytes: &[u8], mut f: impl FnMut(usize, usize, bool)) {
    use mantile_diag::bytes::eq_mask as eq;
    /// The bytes of `w` below 0x0E: `\n` and `\r` (0x0A, 0x0D), and the
    /// rare other control characters there, which the byte test discards
    /// (as it does the mask's few false positives).
    fn below_0e(w: u64) -> u64 {
        w.wrapping_sub(LO * 0x0E) & !w & HI
    }
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut start = 0;
    // The hint bits of the current line in the words before this one.
    let mut pending = 0u64;
    let words = bytes.chunks_exact(8);
    let at = bytes.len() - words.remainder().len();
    for (k, word) in words.enumerate() {
        let at = k * 8;
        let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        let mut nl = below_0e(w);
        let mut h = if HINT {
            // Two tests for four bytes: `=` `>` `~` are among the eight
            // bytes that have all the bits of 0x3C and not 0x80 (`<=>?|}~`
            // and DEL), and 0xE2 among the non-ASCII ones.
            eq(w | (LO * 0x43), 0x7F) | (w & HI)
        } else {
            0
        };
        while nl != 0 {
            let bit = nl.trailing_zeros();
            let i = at + (bit / 8) as usize;
            nl &= nl - 1;
            let c = bytes[i];
            if c != b'\n' && c != b'\r' {
                continue;
            }
            let upto = ((1u64 << bit) << 1).wrapping_sub(1);
            if c == b'\n' && i > 0 && bytes[i - 1] == b'\r' {
                // The `\n` of a `\r\n`: the line ended at the `\r`.
                start = i + 1;
                continue;
            }
            f(start, i, pending | (h & upto) != 0);
            h &= !upto;
            start = i + 1;
            pending = 0;
        }
        pending |= h;
    }
    let mut hint = pending != 0;
    for (i, &c) in bytes.iter().enumerate().skip(at) {
        if c == b'\n' && i > 0 && bytes[i - 1] == b'\r' {
            start = i + 1;
        } else if c == b'\n' || c == b'\r' {
            f(start, i, hint);
            start = i + 1;
            hint = false;
        } else if HINT && matches!(c, b'=' | b'~' | b'>' | 0xE2) {
            hint = true;
        }
    }
    if start < bytes.len() {
        f(start, bytes.len(), hint);
    }
}

/// Whether the document may be cut at byte `at`: there starts an ATX
/// heading at column 0 (`#` to `######`, then a space or the line's end),
/// right after a blank line. Such a heading closes every open paragraph,
/// list, quote, table and indented code block, so pulldown-cmark reads the
/// text before and after it apart exactly as it reads the whole, unless a
/// fenced code block or an HTML block is still open there: [`read_chunk`]
/// reports that (a block running into a chunk's end), and the caller then
/// reads the whole text. Link reference definitions reach across the
/// document: see [`Cuts::ref_defs`].
fn is_cut(text: &str, at: usize) -> bool {
    let b = text.as_bytes();
    if at < 2 || at >= b.len() || b[at - 1] != b'\n' || b[at] != b'#' {
        return false;
    }
    let hashes = b[at..].iter().take_while(|&&c| c == b'#').count();
    if hashes > 6
        || !matches!(
            b.get(at + hashes),
            None | Some(b' ' | b'\t' | b'\r' | b'\n')
        )
    {
        return false;
    }
    let before = &b[..at - 1];
    let line = &before[before
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1)..];
    line.iter().all(|&c| matches!(c, b' ' | b'\t' | b'\r'))
}

/// Where a text may be cut, from one scan of its lines.
#[derive(Debug, Default)]
struct Cuts {
    /// Offsets where [`is_cut`] holds, outside what looks like a fenced code
    /// block, at least `min_chunk` bytes apart.
    points: Vec<usize>,
    /// A line starts with `[` (after any container markers): it may open a
    /// link reference definition.
    ref_line: bool,
    /// The text contains `]:`.
    ref_colon: bool,
}

impl Cuts {
    /// The text may hold a link reference definition, so it must be read
    /// whole (a definition applies to links anywhere in the document).
    fn ref_defs(&self) -> bool {
        self.ref_line && self.ref_colon
    }
}

/// Scans `text` for the points where it may be cut into chunks of at least
/// `min_chunk` bytes (see [`is_cut`]), skipping fenced code blocks.
fn scan_cuts(text: &str, min_chunk: usize) -> Cuts {
    let bytes = text.as_bytes();
    let mut cuts = Cuts {
        ref_colon: memchr_pair(bytes, b']', b':'),
        ..Cuts::default()
    };
    let mut last = 0;
    let mut prev_blank = false;
    // The open fence: its character and length.
    let mut fence: Option<(u8, usize)> = None;
    scan_lines::<false>(bytes, |start, end, _| {
        let line = &bytes[start..end];
        // Prose (a letter, a table's `|`, a non-ASCII character first) is
        // neither a fence, a heading, a blank line nor a definition.
        if line
            .first()
            .is_some_and(|&c| c.is_ascii_alphabetic() || c >= 0x80 || c == b'|')
        {
            prev_blank = false;
            return;
        }
        let body_at = line
            .iter()
            .position(|&b| b != b' ' && b != b'\t')
            .unwrap_or(line.len());
        let body = &line[body_at..];
        let blank = body.iter().all(|&b| b == b'\r');
        // A link reference definition opens a paragraph: `[label]:` after
        // any container markers (looked for everywhere, fences or not).
        let lead = body
            .iter()
            .position(|&b| {
                !matches!(b, b' ' | b'\t' | b'>' | b'-' | b'*' | b'+' | b'.' | b')')
                    && !b.is_ascii_digit()
            })
            .unwrap_or(body.len());
        if body.get(lead) == Some(&b'[') {
            cuts.ref_line = true;
        }
        match fence {
            Some((c, n)) => {
                let run = body.iter().take_while(|&&b| b == c).count();
                if run >= n && body[run..].iter().all(|b| b.is_ascii_whitespace()) {
                    fence = None;
                }
            }
            None => {
                let c = body.first().copied().unwrap_or(0);
                let run = body.iter().take_while(|&&b| b == c).count();
                if (c == b'`' || c == b'~') && run >= 3 {
                    fence = Some((c, run));
                } else if prev_blank && start >= last + min_chunk && is_cut(text, start) {
                    cuts.points.push(start);
                    last = start;
                }
            }
        }
        prev_blank = blank;
    });
    cuts
}

/// Whether `a` is directly followed by `b` somewhere in `bytes`.
fn memchr_pair(bytes: &[u8], a: u8, b: u8) -> bool {
    let mut at = 0;
    while let Some(p) = bytes[at..].iter().position(|&c| c == a) {
        at += p + 1;
        if bytes.get(at) == Some(&b) {
            return true;
        }
    }
    false
}

/// One chunk's Markdown structure, kept from an earlier check of the same
/// document (offsets relative to the chunk).
#[derive(Default)]
struct CachedChunk {
    text: Box<str>,
    class: Vec<Class>,
    blocks: Blocks,
    lines: Vec<Line>,
    /// No code block or HTML block runs into the chunk's end.
    clean: bool,
    /// See [`Cuts`].
    ref_line: bool,
    ref_colon: bool,
    /// Tokens of the chunk's lines lexed so far (offsets relative to the
    /// chunk), and per line their range in `toks`.
    toks: Vec<Token<'static>>,
    line_toks: Vec<Option<(u32, u32)>>,
}

/// The Markdown structure of a document's chunks, kept between checks of
/// successive versions so that an edit re-reads only the chunks it touched.
#[derive(Default)]
pub struct MarkdownCache {
    chunks: Vec<CachedChunk>,
    /// Per chunk of the last document read: its first line and byte.
    starts: Vec<(usize, usize)>,
    /// Bytes read by pulldown-cmark in the last check (for tests and
    /// benchmarks).
    pub(crate) last_read: usize,
}

impl MarkdownCache {
    /// Appends the tokens of line `line_no` of `doc`, the document the last
    /// [`Doc::parse_cached`] with this cache read: kept from an earlier
    /// check when its chunk did not change, else lexed now and kept.
    /// `cursor` is the chunk of the previous call (lines in order).
    pub(crate) fn line_tokens<'a>(
        &mut self,
        doc: &Doc<'a>,
        line_no: usize,
        cursor: &mut usize,
        out: &mut Vec<Token<'a>>,
    ) {
        while *cursor + 1 < self.starts.len() && self.starts[*cursor + 1].0 <= line_no {
            *cursor += 1;
        }
        let (Some(&(first, base)), Some(line)) = (self.starts.get(*cursor), doc.lines.get(line_no))
        else {
            return;
        };
        let Some(chunk) = self.chunks.get_mut(*cursor) else {
            return;
        };
        match chunk.line_toks.get(line_no - first) {
            Some(&Some((a, b))) => {
                let kept = chunk.toks.get(a as usize..b as usize).unwrap_or(&[]);
                out.extend(kept.iter().map(|t| t.restore(doc.text, base)));
            }
            Some(None) => {
                let lo = out.len();
                let r = line.range.as_range();
                let class = chunk
                    .class
                    .get(r.start.saturating_sub(base)..r.end.saturating_sub(base))
                    .unwrap_or(&[]);
                doc.line_tokens_in(line, class, out);
                let a = chunk.toks.len() as u32;
                chunk.toks.extend(out[lo..].iter().map(|t| t.detach(base)));
                chunk.line_toks[line_no - first] = Some((a, chunk.toks.len() as u32));
            }
            None => {}
        }
    }
}

/// A chunk is at least this long, so that an edit re-reads a few KB.
const CACHE_CHUNK: usize = 2 * 1024;

/// Reads `text` with `cache`: its blocks and lines. The classes of its
/// bytes stay in the cache's chunks (lines are lexed from there).
fn read_cached(text: &str, lines: &mut Vec<Line>, cache: &mut MarkdownCache) -> Blocks {
    let bytes = text.as_bytes();
    let mut old = std::mem::take(&mut cache.chunks);
    // The chunks at the start that did not change, each still followed by
    // a cut (or by the end, for the last).
    let mut head = 0;
    let mut at = 0;
    while let Some(c) = old.get(head) {
        let end = at + c.text.len();
        let last = head + 1 == old.len();
        if bytes.get(at..end) != Some(c.text.as_bytes())
            || (last && end != text.len())
            || (!last && !is_cut(text, end))
        {
            break;
        }
        head += 1;
        at = end;
    }
    // The chunks at the end that did not change, each still after a cut.
    let mut tail = 0;
    let mut to = text.len();
    while head + tail < old.len() {
        let c = &old[old.len() - 1 - tail];
        let Some(start) = to.checked_sub(c.text.len()).filter(|&s| s >= at) else {
            break;
        };
        if &bytes[start..to] != c.text.as_bytes() || (start > 0 && !is_cut(text, start)) {
            break;
        }
        tail += 1;
        to = start;
    }
    // What lies between is cut afresh and read.
    let kept = old.len() - tail;
    let mid = &text[at..to];
    let cuts = scan_cuts(mid, CACHE_CHUNK);
    let others = old[..head].iter().chain(&old[kept..]);
    let ref_line = cuts.ref_line || others.clone().any(|c| c.ref_line);
    let ref_colon = cuts.ref_colon || others.clone().any(|c| c.ref_colon);
    let mut chunks: Vec<CachedChunk> = Vec::with_capacity(old.len() + 2);
    let mut whole = ref_line && ref_colon;
    if !whole {
        chunks.extend(old.drain(..head));
        let mut read = 0;
        if at < to || chunks.len() + tail == 0 {
            let mut from = 0;
            for end in cuts.points.into_iter().chain([mid.len()]) {
                read += end - from;
                chunks.push(CachedChunk::read(&mid[from..end]));
                from = end;
            }
        }
        chunks.extend(old.drain(kept - head..));
        cache.last_read = read;
        // A cut that fell inside a block shows as a chunk whose end a
        // block runs into.
        whole = chunks.iter().rev().skip(1).any(|c| !c.clean);
    }
    if whole {
        // A definition may reach across chunks, or a cut fell inside a
        // block: read the whole text as one chunk.
        let whole = CachedChunk::read(text);
        cache.last_read = text.len();
        *lines = whole.lines.clone();
        let blocks = whole.blocks.clone();
        cache.chunks = vec![whole];
        cache.starts = vec![(0, 0)];
        return blocks;
    }
    let mut all = Blocks::default();
    lines.reserve(chunks.iter().map(|c| c.lines.len()).sum());
    let mut at = 0;
    cache.starts.clear();
    for c in &chunks {
        cache.starts.push((lines.len(), at));
        all.append(&c.blocks, at);
        lines.extend(c.lines.iter().map(|l| Line {
            range: l.range.shift(at),
            ..*l
        }));
        at += c.text.len();
    }
    cache.chunks = chunks;
    all
}

impl CachedChunk {
    fn read(src: &str) -> CachedChunk {
        let mut class = vec![Class::Plain; src.len()];
        let mut blocks = Blocks::default();
        let clean = read_chunk(src, 0, &mut class, &mut blocks);
        let lines = lines_of(src, &class, &blocks);
        let cuts = scan_cuts(src, usize::MAX);
        CachedChunk {
            text: src.into(),
            class,
            blocks,
            line_toks: vec![None; lines.len()],
            lines,
            clean,
            ref_line: cuts.ref_line,
            ref_colon: cuts.ref_colon,
            toks: Vec::new(),
        }
    }
}

/// Finds the lines whose start lies in a block's range, for blocks given in
/// document order (as pulldown-cmark reports each kind): each search goes
/// on from where the last block was found, galloping ([`first_from`]), so
/// a block costs about the log of its distance from the last one rather
/// than two binary searches over the whole document.
#[derive(Default)]
struct LineSeek {
    /// The first line that starts at or after `pos`.
    at: usize,
    /// The start of the last block looked for.
    pos: usize,
}

impl LineSeek {
    /// The lines whose start lies in `r` (at least its first byte).
    fn span(&mut self, lines: &[Line], r: TextRange) -> std::ops::Range<usize> {
        let start = r.start as usize;
        if start < self.pos {
            // Out of order: search from the top.
            self.at = 0;
        }
        let a = first_from(lines, self.at, start);
        let b = first_from(lines, a, (r.end as usize).max(start + 1));
        (self.at, self.pos) = (a, start);
        a..b
    }
}

/// The first line at or after `from` that starts at or after `pos`, given
/// that the lines before `from` start before `pos` (lines are sorted): an
/// exponential search for the bracket, then a binary search within it.
fn first_from(lines: &[Line], from: usize, pos: usize) -> usize {
    let rest = lines.get(from..).unwrap_or(&[]);
    let before = |l: &Line| (l.range.start as usize) < pos;
    // Most blocks are a line or a few long: a few steps find their end.
    for (k, l) in rest.iter().take(4).enumerate() {
        if !before(l) {
            return from + k;
        }
    }
    let mut hi = 1;
    while hi < rest.len() && before(&rest[hi - 1]) {
        hi *= 2;
    }
    // Every line below `hi / 2` starts before `pos` (tested last round).
    let lo = hi / 2;
    let hi = hi.min(rest.len());
    from + lo + rest[lo..hi].partition_point(before)
}

/// Gives the lines of each block of `ranges` (one kind of block, in document
/// order) the kind `kind`.
fn mark(lines: &mut [Line], ranges: impl Iterator<Item = TextRange>, kind: LineKind) {
    let mut seek = LineSeek::default();
    for r in ranges {
        let sp = seek.span(lines, r);
        lines[sp].iter_mut().for_each(|l| l.kind = kind);
    }
}

/// The lines of `text`, each blank or text, and whether it has a byte a
/// claim needs. (Out of line: its loop is the hot part of [`lines_of`],
/// and its code then does not change with what follows there.)
#[inline(never)]
fn plain_lines(text: &str) -> Vec<Line> {
    // Lines, each with a kind, and whether it has a byte a claim needs
    // (`=`, `~`, `>`, or 0xE2, the lead byte of `≈` and `→`).
    let mut lines = Vec::with_capacity(text.len() / 24);
    let bytes = text.as_bytes();
    scan_lines::<true>(bytes, |start, end, hint| {
        // Blank: only white space. Most lines start with an ASCII character
        // that is not; the others are left to `trim` (a no-break space is
        // white space).
        let blank = match bytes[start..end]
            .iter()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c'))
        {
            None => true,
            Some(b) if b.is_ascii() => false,
            Some(_) => text[start..end].trim().is_empty(),
        };
        lines.push(Line {
            range: TextRange::new(start, end),
            kind: if blank {
                LineKind::Blank
            } else {
                LineKind::Text
            },
            hint,
        })
    });
    lines
}

/// The lines of `text` (a chunk, or the whole document) with their kinds,
/// given its blocks (offsets relative to `text`).
fn lines_of(text: &str, class: &[Class], blocks: &Blocks) -> Vec<Line> {
    let mut lines = plain_lines(text);
    mark(
        &mut lines,
        blocks.headings.iter().map(|h| h.range),
        LineKind::Heading,
    );
    mark(
        &mut lines,
        blocks.tables.iter().map(|t| t.range),
        LineKind::Table,
    );
    mark(&mut lines, blocks.rules.iter().copied(), LineKind::Rule);
    let mut seek = LineSeek::default();
    for cb in &blocks.code_blocks {
        let arithmetic = cb.info.is_empty() || matches!(cb.info.as_str(), "text" | "txt" | "math");
        let src = &text[cb.range.as_range()];
        let fenced = src.trim_start().starts_with("```") || src.trim_start().starts_with("~~~");
        // (The lines whose start lies in the block: its lines.)
        let idx = seek.span(&lines, cb.range);
        let n = idx.len();
        for (k, i) in idx.enumerate() {
            let fence = fenced
                && (k == 0
                    || (k + 1 == n && {
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
    join_wrapped(text, class, &mut lines, &blocks.breaks);
    // A table cell that holds a calculation in inline code (a gap report's
    // impact table: `2 * M * d = ...`) is scanned as a line of its own.
    // Plain cells (a summary row's `d=1024, M=256`) stay table text.
    let cells: Vec<TextRange> = blocks
        .tables
        .iter()
        .flat_map(|t| t.header.iter().chain(t.rows.iter().flatten()))
        .copied()
        .filter(|r| {
            let s = text.get(r.as_range()).unwrap_or("");
            s.contains('`') && s.contains('=')
        })
        .collect();
    if !cells.is_empty() {
        // Both are in document order: one pass over each.
        let mut with_cells = Vec::with_capacity(lines.len() + cells.len());
        let mut next = 0;
        for l in lines {
            let kind = l.kind;
            let range = l.range;
            with_cells.push(l);
            if kind == LineKind::Table {
                while cells.get(next).is_some_and(|c| c.start < range.start) {
                    next += 1;
                }
                while let Some(&c) = cells.get(next).filter(|c| c.start < range.end) {
                    next += 1;
                    if c.end <= range.end {
                        with_cells.push(Line {
                            range: c,
                            kind: LineKind::Text,
                            hint: true,
                        });
                    }
                }
            }
        }
        lines = with_cells;
    }
    lines
}

/// Joins a line to the next when a paragraph wraps there in the middle of
/// a statement, so that a calculation wrapped over lines (by hand, or by a
/// formatter's prose wrap) is read whole: the break falls inside inline
/// code or bold text (its byte has their class), the line ends with an
/// operator, a relation or an arrow (`+`, `×`, `=`, `→`, `->`, `(` ...),
/// or the next line
/// goes on with an operator, `=` or `≈`, or with the unit of the number
/// the line ends with (`= 65,536` / `bytes`). Other soft breaks keep their
/// lines apart: in Mantile's specs a line of a paragraph is a statement of
/// its own (`Total elems = ...` then `Bytes = ...`).
fn join_wrapped(text: &str, class: &[Class], lines: &mut Vec<Line>, breaks: &[u32]) {
    // The lines that go on to the next (their indices, in order).
    let mut joins: Vec<usize> = Vec::new();
    let mut at_line = 0;
    for &end in breaks {
        // The line that ends at the break, and the one after it.
        at_line = first_from(lines, at_line, end as usize + 1);
        let (Some(i), Some(next)) = (at_line.checked_sub(1), lines.get(at_line)) else {
            continue;
        };
        let line = lines[i];
        if line.range.end != end || line.kind != LineKind::Text || next.kind != LineKind::Text {
            continue;
        }
        if matches!(class.get(end as usize), Some(Class::Code | Class::Bold))
            || continues(text, end as usize)
        {
            joins.push(i);
        }
    }
    let Some(&first) = joins.first() else { return };
    // Each joined line is folded into the one before it; the rest move down.
    let mut kept = first + 1;
    let mut j = 0;
    for i in first + 1..lines.len() {
        let l = lines[i];
        if joins.get(j) == Some(&(i - 1)) {
            j += 1;
            let prev = &mut lines[kept - 1];
            prev.range = TextRange::new(prev.range.start as usize, l.range.end as usize);
            prev.hint |= l.hint;
        } else {
            lines[kept] = l;
            kept += 1;
        }
    }
    lines.truncate(kept);
}

/// Whether the statement of the line that ends at byte `end` goes on
/// after the soft break there (see [`join_wrapped`]).
fn continues(text: &str, end: usize) -> bool {
    let before = text[..end].trim_end();
    let after_at = text[end..]
        .find(|c: char| c != '\n' && c != '\r')
        .map_or(text.len(), |k| end + k);
    let after = text[after_at..].trim_start();
    let ends_with_op = before.ends_with(['+', '-', '×', '·', '÷', '/', '^', '(', '=', '≈', '→'])
        || before.ends_with("->")
        // `2 *`, `2*` or `(a)*`, not the end of `*emphasis*` or `**bold**`.
        || matches!(before.as_bytes(), [.., b' ' | b'0'..=b'9' | b')', b'*']);
    if ends_with_op {
        return true;
    }
    let mut chars = after.chars();
    let first = chars.next();
    let second = chars.next();
    let starts_with_op = match first {
        Some('×' | '·' | '÷' | '/' | '^' | '→' | '=' | '≈') => true,
        // (`* ` or `+ ` would have started a list item: no soft break.)
        Some('*' | '+') => second.is_some_and(|c| c.is_ascii_digit() || c == '(' || c == '`'),
        Some('-') => second == Some('>'),
        _ => false,
    };
    if starts_with_op {
        return true;
    }
    // `= 65,536` then `bytes`: the unit of the number before (not a new
    // statement about it: `bytes = ...`, `bytes:`).
    if before.ends_with(|c: char| c.is_ascii_digit()) {
        let word_len = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let (word, rest) = after.split_at(word_len);
        let rest = rest.trim_start();
        return crate::expr::unit_kind(word).is_some()
            && !rest.starts_with(['=', ':', '(', '≈', '~']);
    }
    false
}

/// Reading `text` cut at every point where [`is_cut`] holds (fences or
/// not) gives the structure of reading it whole, unless the reader would not
/// use the cuts: a chunk reports a block running into its end, or the text
/// may hold a link reference definition.
pub(crate) fn chunked_agrees(text: &str) -> bool {
    let whole = CachedChunk::read(text);
    let mut bounds: Vec<usize> = (1..text.len())
        .filter(|&i| text.is_char_boundary(i) && is_cut(text, i))
        .collect();
    bounds.push(text.len());
    let mut class = vec![Class::Plain; text.len()];
    let mut blocks = Blocks::default();
    let mut lines = Vec::new();
    let mut from = 0;
    for (k, &to) in bounds.iter().enumerate() {
        let chunk = CachedChunk::read(&text[from..to]);
        if !chunk.clean && k + 1 < bounds.len() {
            return true;
        }
        class[from..to].copy_from_slice(&chunk.class);
        blocks.append(&chunk.blocks, from);
        lines.extend(chunk.lines.iter().map(|l| Line {
            range: l.range.shift(from),
            ..*l
        }));
        from = to;
    }
    let cuts = scan_cuts(text, usize::MAX);
    cuts.ref_defs() || (class == whole.class && blocks == whole.blocks && lines == whole.lines)
}

/// Checking `versions` one after the other with one cache gives, for each,
/// the structure of reading it afresh.
pub(crate) fn cached_agrees(versions: &[&str]) -> bool {
    let mut cache = MarkdownCache::default();
    versions.iter().all(|text| {
        let fresh = Doc::parse(text);
        let cached = Doc::parse_cached(text, &mut cache);
        let cells = |d: &Doc| -> Vec<Vec<TextRange>> {
            d.tables
                .iter()
                .map(|t| {
                    let mut v = vec![t.range];
                    v.extend(
                        t.header
                            .iter()
                            .chain(t.rows.iter().flatten())
                            .map(|c| c.range),
                    );
                    v
                })
                .collect()
        };
        let class: Vec<Class> = cache
            .chunks
            .iter()
            .flat_map(|c| c.class.iter().copied())
            .collect();
        fresh.class == class
            && fresh.headings == cached.headings
            && fresh.rules == cached.rules
            && fresh.lines == cached.lines
            && cells(&fresh) == cells(&cached)
    })
}

impl<'a> Doc<'a> {
    pub fn parse(text: &'a str) -> Doc<'a> {
        let mut class = vec![Class::Plain; text.len()];
        let mut blocks = Blocks::default();
        read_chunk(text, 0, &mut class, &mut blocks);
        let lines = lines_of(text, &class, &blocks);
        Doc::assemble(text, class, blocks, lines)
    }

    /// [`Doc::parse`], re-reading only the chunks that changed since the
    /// text `cache` last saw.
    /// The document's bytes' classes stay in the cache: lex its lines with
    /// [`MarkdownCache::line_tokens`].
    pub fn parse_cached(text: &'a str, cache: &mut MarkdownCache) -> Doc<'a> {
        let mut lines = Vec::new();
        let blocks = read_cached(text, &mut lines, cache);
        Doc::assemble(text, Vec::new(), blocks, lines)
    }

    fn assemble(text: &'a str, class: Vec<Class>, blocks: Blocks, lines: Vec<Line>) -> Doc<'a> {
        let Blocks {
            headings,
            tables,
            rules,
            ..
        } = blocks;
        let cell = |r: TextRange| Cell {
            range: r,
            text: text.get(r.as_range()).unwrap_or("").trim(),
        };
        let tables: Vec<Table<'a>> = tables
            .into_iter()
            .map(|t| Table {
                range: t.range,
                header: t.header.into_iter().map(cell).collect(),
                rows: t
                    .rows
                    .into_iter()
                    .map(|row| row.into_iter().map(cell).collect())
                    .collect(),
            })
            .collect();
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
        self.line_tokens_in(line, self.class.get(r).unwrap_or(&[]), out)
    }

    /// Appends the tokens of a line whose bytes have the classes `class`.
    fn line_tokens_in(&self, line: &Line, class: &[Class], out: &mut Vec<Token<'a>>) {
        let r = line.range.as_range();
        let text: &'a str = self.text;
        let src = text.get(r.clone()).unwrap_or("");
        if line.kind == LineKind::Code {
            lex_into(out, src, r.start, &[], Some(Class::Code))
        } else {
            lex_into(out, src, r.start, class, None)
        }
    }

    pub fn slice(&self, r: TextRange) -> &str {
        self.text.get(r.as_range()).unwrap_or("")
    }

    /// The index of the first line that starts at or after byte `off`
    /// (the number of lines when none does).
    pub(crate) fn first_line_from(&self, off: usize) -> usize {
        self.lines
            .partition_point(|l| (l.range.start as usize) < off)
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

    /// A spec-like text of `n` tests, each a few hundred bytes.
    fn spec(n: usize) -> String {
        let mut s = String::from("# Tests\n\n## Conventions\n\n* `bytes_per_elem = 2`\n\n");
        for i in 1..=n {
            s.push_str(&format!(
                "---\n\n# Test T-{i} — case {i}\n\n* hidden_size `d` = **{}**\n* `M = B*S = 256`\n\n\
                 | a | b |\n|---|---|\n| `2 * 3 = 6` | **x** |\n\n\
                 ```python\n# not a heading\n\n# nor this\nx = 1\n```\n\n\
                 ## Expected\n\n1. flops: **{}**\n   - nested `1 + 1 = 2`\n\n",
                1024 * i,
                4 * i
            ));
        }
        s
    }

    #[test]
    fn cuts_fall_before_headings_after_blank_lines_outside_fences() {
        let text =
            "# A\n\npara\n# B\n\n## C\n\n```\n\n# in code\n```\n\n#nope\n\n####### seven\n\n### D";
        let at = |h: &str| text.find(h).unwrap();
        let points = scan_cuts(text, 0).points;
        // `# B` follows a paragraph line, `# in code` is fenced, `#nope`
        // and seven `#` are not headings.
        assert_eq!(points, [at("## C"), at("### D")]);
        assert!(
            is_cut(text, at("# in code")),
            "the line test alone does not see fences"
        );
        assert!(!is_cut(text, at("# B")));
        // Chunks of at least `min_chunk` bytes (`## C` is at 15).
        assert_eq!(scan_cuts(text, 15).points, [at("## C"), at("### D")]);
        assert_eq!(scan_cuts(text, 16).points, [at("### D")]);
        assert_eq!(scan_cuts(text, 64).points, []);
        // A possible link reference definition keeps the text whole.
        assert!(!scan_cuts(text, 0).ref_defs());
        assert!(scan_cuts("a\n\n> - [x]: /u\n", 0).ref_defs());
        assert!(!scan_cuts("W[d, d]: shape\n", 0).ref_defs());
    }

    #[test]
    fn reading_in_chunks_reads_what_reading_whole_reads() {
        let cases = [
            spec(12),
            // A fence that my scan misjudges (opened in a list item, closed
            // by the heading) and a real one after it.
            "- item\n  ```\n  code\n\n# Heading\n\n```\n\n# comment\n```\n\n# After\n".into(),
            // An HTML comment across a cut point.
            "a\n\n<!--\n\n# not a heading\n\n-->\n\n# Heading\n".into(),
            // A definition used before it is made, in another chunk.
            "[x][y]\n\n# Heading\n\n[y]: /url\n".into(),
            // Indented code, a quote and a list right before cuts.
            "    code\n\n# H1\n\n> quote\n\n# H2\n\n1. item\n\n   more\n\n# H3\n".into(),
            // Calculations wrapped over lines (joined), in each chunk.
            "a = 1 +\n2 = 3\n\n# H1\n\n**x = 4\nbytes**\n\n# H2\n\n`2 *\r\n3 = 6`\n".into(),
        ];
        for text in &cases {
            assert!(chunked_agrees(text), "{text}");
        }
        // The spec does get cut.
        assert!(scan_cuts(&cases[0], 0).points.len() >= 12);
    }

    #[test]
    fn the_cache_rereads_only_what_an_edit_touched() {
        let text = spec(40);
        let mut cache = MarkdownCache::default();
        let mut check = |t: &str| {
            assert!(cached_agrees(&[t]), "fresh cache");
            let fresh = Doc::parse(t);
            let cached = Doc::parse_cached(t, &mut cache);
            assert_eq!(fresh.lines, cached.lines);
            let class: Vec<Class> = cache
                .chunks
                .iter()
                .flat_map(|c| c.class.iter().copied())
                .collect();
            assert_eq!(fresh.class, class);
            assert_eq!(fresh.headings, cached.headings);
            cache.last_read
        };
        assert_eq!(check(&text), text.len());
        assert_eq!(check(&text), 0, "nothing changed");
        let at = text.find("T-20 ").unwrap();
        let typed = format!("{}9{}", &text[..at], &text[at..]);
        let read = check(&typed);
        assert!(read > 0 && read < 5 * CACHE_CHUNK / 2, "read {read}");
        // Typing at the very start and at the very end.
        let read = check(&format!("x{typed}"));
        assert!(read > 0 && read < 5 * CACHE_CHUNK / 2, "read {read}");
        let read = check(&format!("x{typed}y = 1"));
        assert!(read > 0 && read < 5 * CACHE_CHUNK / 2, "read {read}");
        // Opening a fence that swallows every later heading: the cuts after
        // it are unsafe, so the whole text is read (and matches).
        let fence_at = text.find("# Test T-30").unwrap();
        let fenced = format!("{}```\n{}", &text[..fence_at], &text[fence_at..]);
        check(&fenced);
        // A link reference definition anywhere: read whole.
        let defined = format!("{text}\n[y]: /url\n");
        assert_eq!(check(&defined), defined.len());
        // Back to the first text.
        check(&text);
        // Deleting a heading's `#` merges two chunks.
        let merged = text.replacen("# Test T-10 ", "Test T-10 ", 1);
        check(&merged);
        check(&text);
    }

    /// The word-at-a-time line scan against a byte-by-byte one, on lines
    /// of every length around the word size and bytes next to the ones it
    /// looks for (`\x0b` is `\n ^ 1`, `<` is `= ^ 1`: the trick's near misses).
    #[test]
    fn line_scan_matches_a_plain_one() {
        let pieces = [
            "",
            "a",
            "ab=",
            "\x0b",
            "<",
            "×",
            "≈",
            "→",
            "?",
            "~",
            "\u{7f}",
            "abcdefg",
            "abcdefgh",
            "0123456789abcdef=",
            "\r",
            "\r\n",
            "a\rb",
            "\x0c",
        ];
        let mut texts = Vec::new();
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    texts.push(format!("{a}\n{b}{c}\n\n{c}{a}"));
                    texts.push(format!("{a}{b}\n{c}"));
                }
            }
        }
        for text in &texts {
            let mut got = Vec::new();
            scan_lines::<true>(text.as_bytes(), |a, z, h| got.push((a, z, h)));
            // Lines end at `\n`, `\r\n` and a lone `\r`.
            let mut want = Vec::new();
            let mut start = 0;
            let b = text.as_bytes();
            for (i, &c) in b.iter().enumerate() {
                if c == b'\n' && i > 0 && b[i - 1] == b'\r' {
                    start = i + 1;
                } else if c == b'\n' || c == b'\r' {
                    want.push((start, i));
                    start = i + 1;
                }
            }
            if start < text.len() {
                want.push((start, text.len()));
            }
            let spans: Vec<_> = got.iter().map(|&(a, z, _)| (a, z)).collect();
            assert_eq!(spans, want, "{text:?}");
            for &(a, z, h) in &got {
                let needs = text.as_bytes()[a..z]
                    .iter()
                    .any(|c| matches!(c, b'=' | b'~' | b'>' | 0xE2));
                assert!(h || !needs, "{text:?}: line {a}..{z} lost its hint");
            }
        }
    }

    #[test]
    fn a_statement_wrapped_over_lines_is_one_line() {
        use LineKind::{Blank, Text};
        let one = |t: &str| -> Vec<(String, LineKind)> {
            lines(t)
                .into_iter()
                .map(|(s, k)| (s.to_string(), k))
                .collect()
        };
        let is = |t: &str, want: &[&str]| {
            let got: Vec<String> = one(t).into_iter().map(|(s, _)| s).collect();
            assert_eq!(got, want, "{t:?}");
        };
        // The line ends with an operator or `=`; the next goes on with one.
        is("a = 1 +\n2 = 3\nb = 4", &["a = 1 +\n2 = 3", "b = 4"]);
        is("Total =\n  `4,096`", &["Total =\n  `4,096`"]);
        is("x = 2 * B\n× d = 4,096", &["x = 2 * B\n× d = 4,096"]);
        is("Bytes\n= `2 * 3 = 6`", &["Bytes\n= `2 * 3 = 6`"]);
        is(
            "`2 * 3 = 6` elems ->\n12 bytes",
            &["`2 * 3 = 6` elems ->\n12 bytes"],
        );
        is("a = 1 +\r\n2 = 3", &["a = 1 +\r\n2 = 3"]);
        // Three lines, and a wrapped list item.
        is(
            "* s = 1 +\n  2 +\n  3 = 6\n* t = 1",
            &["* s = 1 +\n  2 +\n  3 = 6", "* t = 1"],
        );
        // The break falls inside bold text or a code span.
        is(
            "**x = 65,536\nbytes** more\ny = 1",
            &["**x = 65,536\nbytes** more", "y = 1"],
        );
        is("`2 * 3\n= 6`\nz", &["`2 * 3\n= 6`", "z"]);
        // The unit of the number the line ends with; not a statement about it.
        is("x = 4,096\nbytes, y = 2", &["x = 4,096\nbytes, y = 2"]);
        is("x = 4,096\nbytes = 8,192", &["x = 4,096", "bytes = 8,192"]);
        // A statement per line where a line ends one: Mantile's specs write
        // a paragraph as a statement per line.
        is(
            "Total = `5 * 2 = 10`\nBytes = `10 * 2 = 20`",
            &["Total = `5 * 2 = 10`", "Bytes = `10 * 2 = 20`"],
        );
        is(
            "**(a) Step**\nFLOPs = `2 * 3 = 6`",
            &["**(a) Step**", "FLOPs = `2 * 3 = 6`"],
        );
        is("*note*\nx = 1", &["*note*", "x = 1"]);
        // No soft break: list items, a hard break, a blank line.
        is("* a = 1 +\n* b", &["* a = 1 +", "* b"]);
        is("a = 1 +  \n2", &["a = 1 +  ", "2"]);
        assert_eq!(
            one("a = 1 +\n\n2"),
            [
                ("a = 1 +".into(), Text),
                ("".into(), Blank),
                ("2".into(), Text)
            ]
        );
    }

    #[test]
    fn lines_and_blank_lines() {
        use LineKind::{Blank, Text};
        assert_eq!(lines(""), []);
        assert_eq!(lines("a"), [("a", Text)]);
        assert_eq!(lines("a\n"), [("a", Text)]);
        // `\r\n` and a lone `\r` end lines too, and are not part of them.
        assert_eq!(
            lines("a\n\n \t\r\nb = 1\r\n"),
            [("a", Text), ("", Blank), (" \t", Blank), ("b = 1", Text)]
        );
        assert_eq!(
            lines("a\r\rb = 1\rc\r\n\nd"),
            [
                ("a", Text),
                ("", Blank),
                ("b = 1", Text),
                ("c", Text),
                ("", Blank),
                ("d", Text)
            ]
        );
        // A no-break space is white space; `é` is not.
        assert_eq!(
            lines("\u{a0}\né\n\u{a0}x"),
            [("\u{a0}", Blank), ("é", Text), ("\u{a0}x", Text)]
        );
        // ASCII white space beyond space and tab, as `str::trim` sees it.
        assert_eq!(
            lines("\x0b\x0c\n\x0c=\n"),
            [("\x0b\x0c", Blank), ("\x0c=", Text)]
        );
    }
}
