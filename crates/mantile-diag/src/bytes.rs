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

#[cfg(test)]
mod tests {
    use super::*;

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
