//! The one place where byte offsets become protocol positions and back.
//!
//! The core speaks in byte ranges into UTF-8 text ([`TextRange`]); the protocol
//! speaks in lines and columns counted in the negotiated encoding (UTF-8 when
//! the client offers it, else UTF-16, the protocol's default). Every
//! conversion in the server goes through this module, which delegates the
//! arithmetic to [`mantile_diag::LineIndex`].

use super::lsp::{ClientCapabilities, Position, PositionEncodingKind, Range};
use mantile_diag::{LineCol, LineIndex, PositionEncoding, TextRange};
use ropey::Rope;

/// The encoding to use with a client: UTF-8 if it offers it (no conversion
/// at all), else UTF-16, which every client supports.
pub fn negotiate(caps: &ClientCapabilities) -> PositionEncoding {
    let offered = caps
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_deref())
        .unwrap_or_default();
    if offered.contains(&PositionEncodingKind::UTF8) {
        PositionEncoding::Utf8
    } else {
        PositionEncoding::Utf16
    }
}

/// The protocol's name for an encoding.
pub fn kind(encoding: PositionEncoding) -> PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
        PositionEncoding::Utf32 => PositionEncodingKind::UTF32,
    }
}

/// A document's text with its line index, to convert many positions.
pub struct Text<'a> {
    pub text: &'a str,
    index: LineIndex,
    encoding: PositionEncoding,
}

impl<'a> Text<'a> {
    pub fn new(text: &'a str, encoding: PositionEncoding) -> Text<'a> {
        Text {
            text,
            index: LineIndex::new(text),
            encoding,
        }
    }

    pub fn encoding(&self) -> PositionEncoding {
        self.encoding
    }

    pub fn position(&self, offset: usize) -> Position {
        let lc = self.index.line_col(self.text, offset, self.encoding);
        Position {
            line: lc.line,
            character: lc.col,
        }
    }

    pub fn range(&self, range: TextRange) -> Range {
        Range {
            start: self.position(range.start as usize),
            end: self.position(range.end as usize),
        }
    }

    /// The byte offset of a position; out-of-range positions clamp.
    pub fn offset(&self, pos: Position) -> usize {
        self.index.offset(
            self.text,
            LineCol {
                line: pos.line,
                col: pos.character,
            },
            self.encoding,
        )
    }

    /// The byte range of a protocol range (reversed ranges are put in order).
    pub fn text_range(&self, range: Range) -> TextRange {
        let (a, b) = (self.offset(range.start), self.offset(range.end));
        TextRange::new(a.min(b), a.max(b))
    }
}

/// The byte offset of `pos` in a rope, for applying an incremental edit
/// without copying the whole document: only the position's line is indexed.
/// Positions past the end of a line clamp to its end, past the last line to
/// the end of the text.
pub fn rope_offset(rope: &Rope, pos: Position, encoding: PositionEncoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let start = rope.line_to_byte(line);
    let line_text = rope.line(line).to_string();
    let col = LineIndex::new(&line_text).offset(
        &line_text,
        LineCol {
            line: 0,
            col: pos.character,
        },
        encoding,
    );
    start + col
}

#[cfg(test)]
mod tests {
    use super::*;
    use PositionEncoding::*;

    /// Non-ASCII before the interesting spots: `×` (2 bytes, 1 unit), `ᵀ` and
    /// `≈` (3 bytes, 1 unit), `😀` (4 bytes, 2 UTF-16 units), and a CRLF line.
    const TEXT: &str = "{\"note\": \"d × dᵀ ≈ 😀\", \"x\": 1}\r\n\"😀😀\": 2\nend";

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn columns_differ_between_utf8_and_utf16_after_non_ascii() {
        let x = TEXT.find("\"x\"").unwrap();
        assert_eq!(Text::new(TEXT, Utf8).position(x), pos(0, 31));
        // × is 2 bytes, ᵀ and ≈ 3, 😀 4: 31 bytes; in UTF-16 they count 1, 1, 1, 2: 24.
        assert_eq!(Text::new(TEXT, Utf16).position(x), pos(0, 24));
        let two = TEXT.find('2').unwrap();
        assert_eq!(Text::new(TEXT, Utf8).position(two), pos(1, 12));
        assert_eq!(Text::new(TEXT, Utf16).position(two), pos(1, 8));
    }

    #[test]
    fn round_trips_every_char_boundary_in_both_encodings() {
        for enc in [Utf8, Utf16] {
            let t = Text::new(TEXT, enc);
            for (off, _) in TEXT.char_indices() {
                if TEXT[..off].ends_with('\r') {
                    continue; // between \r and \n is not a position
                }
                assert_eq!(t.offset(t.position(off)), off, "{enc:?} at byte {off}");
            }
        }
    }

    #[test]
    fn rope_offsets_agree_with_the_text_index() {
        let rope = Rope::from_str(TEXT);
        for enc in [Utf8, Utf16] {
            let t = Text::new(TEXT, enc);
            for (off, _) in TEXT.char_indices() {
                let p = t.position(off);
                if TEXT[..off].ends_with('\r') {
                    continue;
                }
                assert_eq!(rope_offset(&rope, p, enc), off, "{enc:?} at byte {off}");
            }
            // Clamping: past a line's end, past the last line.
            assert_eq!(rope_offset(&rope, pos(2, 99), enc), TEXT.len());
            assert_eq!(rope_offset(&rope, pos(9, 0), enc), TEXT.len());
            assert_eq!(t.offset(pos(0, 999)), TEXT.find('\r').unwrap());
        }
    }

    #[test]
    fn lone_cr_line_ends_agree_between_rope_and_text_index() {
        // Old Mac line ends (a lone \r), mixed with \r\n and \n, non-ASCII
        // before each spot: the rope's lines must be the index's lines.
        let text = "{\"a\": \"×\",\r  \"b\": \"😀\", \"c\": 1,\r\n  \"ᵀ\": 2\r\r}\n";
        let rope = Rope::from_str(text);
        assert_eq!(rope.len_lines(), LineIndex::new(text).line_count());
        for enc in [Utf8, Utf16] {
            let t = Text::new(text, enc);
            let c = text.find("\"c\"").unwrap();
            let want = match enc {
                Utf8 => pos(1, 15),
                _ => pos(1, 13),
            };
            assert_eq!(t.position(c), want, "{enc:?}");
            assert_eq!(t.position(text.find('}').unwrap()), pos(4, 0));
            for (off, _) in text.char_indices() {
                if text[..off].ends_with('\r') && text[off..].starts_with('\n') {
                    continue;
                }
                let p = t.position(off);
                assert_eq!(t.offset(p), off, "{enc:?} at byte {off}");
                assert_eq!(rope_offset(&rope, p, enc), off, "{enc:?} at byte {off}");
            }
        }
    }

    #[test]
    fn a_column_inside_a_surrogate_pair_moves_to_the_emoji_start() {
        let emoji = TEXT.find('😀').unwrap();
        let t = Text::new(TEXT, Utf16);
        let p = t.position(emoji);
        assert_eq!(t.offset(pos(p.line, p.character + 1)), emoji);
        let rope = Rope::from_str(TEXT);
        assert_eq!(
            rope_offset(&rope, pos(p.line, p.character + 1), Utf16),
            emoji
        );
    }

    #[test]
    fn negotiation_prefers_utf8_and_defaults_to_utf16() {
        let caps = |encs: Option<Vec<PositionEncodingKind>>| ClientCapabilities {
            general: Some(crate::server::lsp::GeneralClientCapabilities {
                position_encodings: encs,
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(negotiate(&ClientCapabilities::default()), Utf16);
        assert_eq!(negotiate(&caps(None)), Utf16);
        assert_eq!(
            negotiate(&caps(Some(vec![
                PositionEncodingKind::UTF16,
                PositionEncodingKind::UTF8
            ]))),
            Utf8
        );
        assert_eq!(
            negotiate(&caps(Some(vec![PositionEncodingKind::UTF32]))),
            Utf16
        );
    }
}
