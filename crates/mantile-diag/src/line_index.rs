//! Byte offsets ⇄ line/column positions, in UTF-8, UTF-16 or Unicode scalar units.
//!
//! Lines end at `\n`, `\r\n` or a lone `\r` (the line breaks of the
//! Language Server Protocol, and of ropey with its `cr_lines` feature). A
//! `\r\n` is one break: positions never land between its `\r` and `\n`.

/// The unit a column counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PositionEncoding {
    /// Bytes of UTF-8 (LSP `utf-8`).
    Utf8,
    /// UTF-16 code units (LSP `utf-16`, the protocol default).
    Utf16,
    /// Unicode scalar values (LSP `utf-32`; what a person counts as characters).
    Utf32,
}

/// A zero-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Line starts of one text, to convert positions.
///
/// Every conversion costs O(log lines) plus at most [`MARK_EVERY`] bytes of
/// counting: on a line of plain ASCII a column is a byte count in every
/// encoding, and long lines with other characters carry checkpoints (the
/// UTF-16 and character counts every few hundred bytes), so that thousands
/// of positions on one long line (a minified config) cost no more than on
/// short ones.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    line_starts: Vec<u32>,
    len: u32,
    /// One bit per line: the line holds a byte outside ASCII.
    wide: Vec<u64>,
    /// Checkpoints on wide lines longer than [`MARK_EVERY`], in text order.
    marks: Vec<Mark>,
}

/// How far apart the checkpoints of a long non-ASCII line are, in bytes.
pub const MARK_EVERY: usize = 512;

/// A checkpoint: a char boundary inside a line, with the line's UTF-16 units
/// and characters before it.
#[derive(Clone, Copy, Debug)]
struct Mark {
    offset: u32,
    utf16: u32,
    chars: u32,
}

impl Mark {
    fn units(&self, encoding: PositionEncoding, line_start: usize) -> usize {
        match encoding {
            PositionEncoding::Utf8 => self.offset as usize - line_start,
            PositionEncoding::Utf16 => self.utf16 as usize,
            PositionEncoding::Utf32 => self.chars as usize,
        }
    }
}

/// Columns of `s` in `encoding`.
fn width(s: &str, encoding: PositionEncoding) -> usize {
    match encoding {
        PositionEncoding::Utf8 => s.len(),
        PositionEncoding::Utf16 => s.chars().map(char::len_utf16).sum(),
        PositionEncoding::Utf32 => s.chars().count(),
    }
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0u32);
        crate::bytes::for_each_line_start(text.as_bytes(), |i| line_starts.push(i as u32));
        let mut index = LineIndex {
            wide: vec![0; line_starts.len().div_ceil(64)],
            line_starts,
            len: text.len() as u32,
            marks: Vec::new(),
        };
        if !text.is_ascii() {
            for line in 0..index.line_starts.len() {
                let range = index.line_range(text, line as u32);
                let s = &text[range.clone()];
                if s.is_ascii() {
                    continue;
                }
                index.wide[line / 64] |= 1 << (line % 64);
                if s.len() > MARK_EVERY {
                    index.mark(text, range);
                }
            }
        }
        index
    }

    /// Checkpoints along the wide line `range`.
    fn mark(&mut self, text: &str, range: std::ops::Range<usize>) {
        let (mut at, mut utf16, mut chars) = (range.start, 0usize, 0usize);
        loop {
            let mut next = at + MARK_EVERY;
            if next >= range.end {
                return;
            }
            while !text.is_char_boundary(next) {
                next += 1;
            }
            let chunk = &text[at..next];
            utf16 += width(chunk, PositionEncoding::Utf16);
            chars += width(chunk, PositionEncoding::Utf32);
            self.marks.push(Mark {
                offset: next as u32,
                utf16: utf16 as u32,
                chars: chars as u32,
            });
            at = next;
        }
    }

    fn is_wide(&self, line: u32) -> bool {
        let line = line as usize;
        self.wide[line / 64] & (1 << (line % 64)) != 0
    }

    /// The checkpoints strictly inside `range`.
    fn marks_in(&self, range: &std::ops::Range<usize>) -> &[Mark] {
        let lo = self
            .marks
            .partition_point(|m| (m.offset as usize) <= range.start);
        let hi = self
            .marks
            .partition_point(|m| (m.offset as usize) < range.end);
        &self.marks[lo..hi.max(lo)]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte range of line `line` without its line break.
    pub fn line_range(&self, text: &str, line: u32) -> std::ops::Range<usize> {
        let line = (line as usize).min(self.line_starts.len() - 1);
        let start = self.line_starts[line] as usize;
        let Some(&next) = self.line_starts.get(line + 1) else {
            return start..self.len as usize;
        };
        // The break before the next line: `\n`, a lone `\r`, or `\r\n`.
        let mut end = next as usize - 1;
        if end > start
            && text.as_bytes()[end] == b'\n'
            && text.as_bytes().get(end - 1) == Some(&b'\r')
        {
            end -= 1;
        }
        start..end
    }

    /// The line that holds byte `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> u32 {
        let offset = offset.min(self.len as usize) as u32;
        (self.line_starts.partition_point(|&s| s <= offset) - 1) as u32
    }

    /// Converts a byte offset to a line and column in `encoding`. An offset
    /// inside a multi-byte character is moved back to the character's start.
    pub fn line_col(&self, text: &str, offset: usize, encoding: PositionEncoding) -> LineCol {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let range = self.line_range(text, line);
        let mut end = offset.min(range.end).max(range.start);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let col = if encoding == PositionEncoding::Utf8 || !self.is_wide(line) {
            end - range.start
        } else {
            let marks = self.marks_in(&range);
            match marks.partition_point(|m| (m.offset as usize) <= end) {
                0 => width(&text[range.start..end], encoding),
                k => {
                    let m = marks[k - 1];
                    m.units(encoding, range.start) + width(&text[m.offset as usize..end], encoding)
                }
            }
        };
        LineCol {
            line,
            col: col as u32,
        }
    }

    /// Converts a line and column in `encoding` to a byte offset. Positions past
    /// the end of a line clamp to the line's end; past the last line, to the
    /// end of the text. A column inside a character (a UTF-16 surrogate half,
    /// or a UTF-8 continuation byte) moves to the character's start.
    pub fn offset(&self, text: &str, pos: LineCol, encoding: PositionEncoding) -> usize {
        if pos.line as usize >= self.line_starts.len() {
            return text.len();
        }
        let range = self.line_range(text, pos.line);
        let want = pos.col as usize;
        if encoding == PositionEncoding::Utf8 || !self.is_wide(pos.line) {
            let mut at = range.start.saturating_add(want).min(range.end);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            return at;
        }
        // Start from the last checkpoint at or before the column.
        let marks = self.marks_in(&range);
        let (mut from, mut units) =
            match marks.partition_point(|m| m.units(encoding, range.start) <= want) {
                0 => (range.start, 0),
                k => (
                    marks[k - 1].offset as usize,
                    marks[k - 1].units(encoding, range.start),
                ),
            };
        if units == want {
            return from;
        }
        for (i, ch) in text[from..range.end].char_indices() {
            let w = match encoding {
                PositionEncoding::Utf8 => ch.len_utf8(),
                PositionEncoding::Utf16 => ch.len_utf16(),
                PositionEncoding::Utf32 => 1,
            };
            if units + w > want {
                return from + i;
            }
            units += w;
            if units == want {
                from += i + ch.len_utf8();
                return from;
            }
        }
        range.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PositionEncoding::*;

    const TEXT: &str = "a × b\r\nWᵀ ≈ 1 😀 x\nend";

    #[test]
    fn columns_in_each_encoding() {
        let idx = LineIndex::new(TEXT);
        let b = TEXT.find('b').unwrap();
        assert_eq!(idx.line_col(TEXT, b, Utf8), LineCol { line: 0, col: 5 });
        assert_eq!(idx.line_col(TEXT, b, Utf16), LineCol { line: 0, col: 4 });
        assert_eq!(idx.line_col(TEXT, b, Utf32), LineCol { line: 0, col: 4 });
        let x = TEXT.find('x').unwrap();
        // "Wᵀ ≈ 1 😀 " : W(1) ᵀ(3 bytes,1 unit) space ≈(3,1) space 1 space 😀(4 bytes, 2 utf16) space
        assert_eq!(idx.line_col(TEXT, x, Utf8), LineCol { line: 1, col: 16 });
        assert_eq!(idx.line_col(TEXT, x, Utf16), LineCol { line: 1, col: 10 });
        assert_eq!(idx.line_col(TEXT, x, Utf32), LineCol { line: 1, col: 9 });
    }

    #[test]
    fn round_trips_every_char_boundary() {
        let idx = LineIndex::new(TEXT);
        for enc in [Utf8, Utf16, Utf32] {
            for (off, _) in TEXT.char_indices() {
                if TEXT.as_bytes()[off] == b'\n' && off > 0 && TEXT.as_bytes()[off - 1] == b'\r' {
                    continue; // between \r and \n is not a position
                }
                let lc = idx.line_col(TEXT, off, enc);
                assert_eq!(idx.offset(TEXT, lc, enc), off, "{enc:?} at {off}");
            }
        }
    }

    #[test]
    fn clamps_out_of_range_positions() {
        let idx = LineIndex::new(TEXT);
        assert_eq!(idx.offset(TEXT, LineCol { line: 0, col: 99 }, Utf16), 6);
        assert_eq!(
            idx.offset(TEXT, LineCol { line: 9, col: 0 }, Utf16),
            TEXT.len()
        );
        // Inside the surrogate pair of 😀: moves to the emoji's start.
        let emoji = TEXT.find('😀').unwrap();
        let lc = idx.line_col(TEXT, emoji, Utf16);
        let mid = LineCol {
            line: lc.line,
            col: lc.col + 1,
        };
        assert_eq!(idx.offset(TEXT, mid, Utf16), emoji);
        // A byte offset inside ×: moves back to its start.
        let times = TEXT.find('×').unwrap();
        assert_eq!(idx.line_col(TEXT, times + 1, Utf8).col, 2);
    }

    #[test]
    fn lone_cr_ends_a_line_like_lf_and_crlf() {
        // Old Mac line ends, mixed with the others, and non-ASCII on each line.
        let text = "a×\rb≈ 😀\r\nc\nd\r\re";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 6);
        let lines: Vec<&str> = (0..6).map(|l| &text[idx.line_range(text, l)]).collect();
        assert_eq!(lines, ["a×", "b≈ 😀", "c", "d", "", "e"]);
        let e = text.find('e').unwrap();
        for enc in [Utf8, Utf16, Utf32] {
            assert_eq!(idx.line_col(text, e, enc), LineCol { line: 5, col: 0 });
            for (off, _) in text.char_indices() {
                if text[..off].ends_with('\r') && text[off..].starts_with('\n') {
                    continue; // between \r and \n is not a position
                }
                let lc = idx.line_col(text, off, enc);
                assert_eq!(idx.offset(text, lc, enc), off, "{enc:?} at {off}");
            }
        }
        let x = text.find('😀').unwrap() + 4; // end of line 1
        assert_eq!(idx.line_col(text, x, Utf16), LineCol { line: 1, col: 5 });
        assert_eq!(idx.line_col(text, x, Utf8), LineCol { line: 1, col: 9 });
        // A trailing lone \r starts an empty last line, as \n does.
        assert_eq!(LineIndex::new("x\r").line_count(), 2);
        assert_eq!(LineIndex::new("x\r").line_col("x\r", 2, Utf16).line, 1);
    }

    /// The conversions without checkpoints or fast paths: every column
    /// counted from the line's start.
    fn naive_col(idx: &LineIndex, text: &str, offset: usize, enc: PositionEncoding) -> LineCol {
        let line = idx.line_of(offset);
        let range = idx.line_range(text, line);
        let mut end = offset.min(range.end).max(range.start);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        LineCol {
            line,
            col: width(&text[range.start..end], enc) as u32,
        }
    }

    #[test]
    fn long_lines_convert_exactly_with_checkpoints() {
        // Lines far longer than the checkpoint spacing, minified-config
        // style, with 2-, 3- and 4-byte characters at every distance from
        // the checkpoints; an ASCII line; lone CR and CRLF breaks.
        let unit = "{\"a×\": 1, \"ᵀ\": \"😀≈\"},";
        let long = unit.repeat(3 * MARK_EVERY / unit.len() + 7);
        let ascii = "{\"x\": 1},".repeat(200);
        let text = format!("{long}\n{ascii}\r{long}😀\r\n{long}");
        let idx = LineIndex::new(&text);
        assert!(!idx.marks.is_empty());
        for enc in [Utf8, Utf16, Utf32] {
            for off in 0..=text.len() {
                let lc = idx.line_col(&text, off, enc);
                assert_eq!(lc, naive_col(&idx, &text, off, enc), "{enc:?} at {off}");
                if text.is_char_boundary(off)
                    && !(text[..off].ends_with('\r') && text[off..].starts_with('\n'))
                {
                    assert_eq!(idx.offset(&text, lc, enc), off, "{enc:?} at {off}");
                }
            }
            // Columns inside a character or past the end of a line.
            for line in 0..idx.line_count() as u32 {
                let r = idx.line_range(&text, line);
                let w = width(&text[r.clone()], enc) as u32;
                for col in (0..w + 3).step_by(7) {
                    let got = idx.offset(&text, LineCol { line, col }, enc);
                    let mut want = r.end;
                    let mut units = 0;
                    for (i, ch) in text[r.clone()].char_indices() {
                        let cw = width(&text[r.start + i..r.start + i + ch.len_utf8()], enc);
                        if units + cw > col as usize {
                            want = r.start + i;
                            break;
                        }
                        units += cw;
                        if units == col as usize {
                            want = r.start + i + ch.len_utf8();
                            break;
                        }
                    }
                    assert_eq!(got, want, "{enc:?} line {line} col {col}");
                }
            }
        }
    }

    #[test]
    fn empty_text_and_trailing_newline() {
        let idx = LineIndex::new("");
        assert_eq!(idx.line_col("", 0, Utf16), LineCol { line: 0, col: 0 });
        let t = "x\n";
        let idx = LineIndex::new(t);
        assert_eq!(idx.line_col(t, 2, Utf16), LineCol { line: 1, col: 0 });
        assert_eq!(idx.line_count(), 2);
    }
}
