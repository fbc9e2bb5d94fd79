//! Word-at-a-time byte search: eight bytes per step, for texts made of many
//! short lines, where a vectorised search that starts over at each line
//! costs more than it saves.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` (little-endian) that equals `c`,
/// and, rarely, of a byte just above one that does (`c ^ 1` right after a
/// `c`): callers that need exact answers check the byte.
#[inline]
pub fn eq_mask(word: u64, c: u8) -> u64 {
    let x = word ^ (LO * c as u64);
    x.wrapping_sub(LO) & !x & HI
}

/// The eight bytes at `at` as a little-endian word.
#[inline]
pub fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Calls `f` with the index of every `\n` in `bytes`, in order.
pub fn for_each_newline(bytes: &[u8], mut f: impl FnMut(usize)) {
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let mut m = eq_mask(word_at(bytes, at), b'\n');
        while m != 0 {
            let i = at + (m.trailing_zeros() / 8) as usize;
            if bytes[i] == b'\n' {
                f(i);
            }
            m &= m - 1;
        }
        at += 8;
    }
    for (i, &c) in bytes.iter().enumerate().skip(at) {
        if c == b'\n' {
            f(i);
        }
    }
}

/// Calls `f` with the start of every line after the first, in order: the
/// byte after each line break, where a line break is `\n`, `\r\n` or a lone
/// `\r` (the three the Language Server Protocol recognises). A `\r\n` is one
/// break, so no line starts between its two bytes.
pub fn for_each_line_start(bytes: &[u8], mut f: impl FnMut(usize)) {
    let mut at = 0;
    let mut hit = |i: usize| match bytes[i] {
        b'\n' => f(i + 1),
        b'\r' if bytes.get(i + 1) != Some(&b'\n') => f(i + 1),
        _ => {}
    };
    while at + 8 <= bytes.len() {
        let w = word_at(bytes, at);
        let mut m = eq_mask(w, b'\n') | eq_mask(w, b'\r');
        while m != 0 {
            hit(at + (m.trailing_zeros() / 8) as usize);
            m &= m - 1;
        }
        at += 8;
    }
    for i in at..bytes.len() {
        hit(i);
    }
}

/// The lines of `text` without their line breaks (`\n`, `\r\n` or a lone
/// `\r`), each with the byte offset where it starts. Unlike [`str::lines`],
/// a lone `\r` ends a line; like it, a final line break does not start an
/// empty last line.
pub fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut done = text.is_empty();
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let start = pos;
        match bytes[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
        {
            None => {
                done = true;
                Some((start, &text[start..]))
            }
            Some(i) => {
                let end = start + i;
                let crlf = bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n');
                pos = end + if crlf { 2 } else { 1 };
                done = pos == bytes.len();
                Some((start, &text[start..end]))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_starts_after_lf_crlf_and_lone_cr() {
        let pieces = [
            "", "a", "\n", "\r", "\r\n", "\n\r", "\x0b", "\x0c", "abcdefg", "×≈",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}{a}{c}{b}{c}");
                    let mut got = Vec::new();
                    for_each_line_start(text.as_bytes(), |i| got.push(i));
                    let bytes = text.as_bytes();
                    let want: Vec<usize> = (0..bytes.len())
                        .filter(|&i| {
                            bytes[i] == b'\n'
                                || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
                        })
                        .map(|i| i + 1)
                        .collect();
                    assert_eq!(got, want, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn lines_split_like_str_lines_plus_lone_cr() {
        for text in [
            "",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "\n\n",
            "x\ry\rz",
            "x\r",
            "\r\r\n",
        ] {
            let got: Vec<&str> = lines_with_offsets(text).map(|(_, l)| l).collect();
            let expected: Vec<String> = {
                // Reference: normalise breaks to \n, then str::lines.
                let norm = text.replace("\r\n", "\n").replace('\r', "\n");
                norm.lines().map(str::to_string).collect()
            };
            assert_eq!(got, expected, "{text:?}");
            for (start, line) in lines_with_offsets(text) {
                assert_eq!(&text[start..start + line.len()], line);
            }
        }
    }

    #[test]
    fn newlines_are_found_exactly() {
        // `\x0b` is `\n ^ 1`: the trick's near miss right after a newline.
        let pieces = [
            "", "a", "\n", "\x0b", "\n\x0b", "abcdefg", "abcdefgh", "×≈", "\r\n",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}{a}{c}{b}");
                    let mut got = Vec::new();
                    for_each_newline(text.as_bytes(), |i| got.push(i));
                    let want: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
                    assert_eq!(got, want, "{text:?}");
                }
            }
        }
    }
}
