//! MT011: a stated value that appears nowhere else in its test while a value
//! one digit away does.

use crate::check::*;
use crate::model::slots;

impl<'a> Checker<'a> {
    /// A value stated on its own (`Bytes per chip = 16,484`) that appears
    /// nowhere else in its test (no other line states or uses it, no
    /// calculation gives it) while a value one digit away does: a typo of
    /// that value, left behind when the lines that use it kept the right
    /// one. Values of three significant digits or more (small values meet
    /// one-digit neighbours by chance).
    ///
    /// First each value is counted among the numbers of the test's lines
    /// read for claims (their tokens) and the values its calculations
    /// give; one found there only once is then looked at against every
    /// number of the test's text.
    pub(in crate::check) fn check_stray_values(&mut self, lx: &Lexed) {
        let stated = std::mem::take(&mut self.stated);
        let mut i = 0;
        while i < stated.len() {
            let ti = stated[i].0;
            let j = i + stated[i..].iter().take_while(|s| s.0 == ti).count();
            let Some(t) = self.tests.get(ti) else {
                i = j;
                continue;
            };
            let (start, end) = (t.start, t.end);
            // The values to look at, by shape, each with its count.
            let mut shapes: SmallVec<[(NumberShape, TextRange, u32); 8]> =
                stated[i..j].iter().map(|&(_, r, s)| (s, r, 0)).collect();
            i = j;
            if shapes.is_empty() {
                continue;
            }
            // A literal a chain shares with the next (a result carried to
            // the line below) is listed once.
            shapes.sort_unstable_by_key(|x| (x.0, x.1.start));
            shapes.dedup_by_key(|x| x.1);
            let mut tally = Tally::new(&shapes);
            let a = lx
                .toks
                .partition_point(|t| (t.range.start as usize) < start);
            let z = lx.toks.partition_point(|t| (t.range.start as usize) < end);
            let token_shape = |t: &Token| match &t.tok {
                Tok::Num(n) => {
                    let (digits, int_len, frac_len) = n.digits();
                    Some(NumberShape {
                        digits,
                        int_len: int_len as u8,
                        frac_len: frac_len as u8,
                    })
                }
                _ => None,
            };
            for t in &lx.toks[a..z] {
                if let Tok::Num(n) = &t.tok
                    && tally.may_hold(n.digit_value() as u64)
                    && let Some(shape) = token_shape(t)
                {
                    tally.add(shape, 1);
                }
            }
            let k = self
                .claims
                .partition_point(|c| (c.range.start as usize) < start);
            let all_sides = &self.claim_sides;
            let claims = || {
                self.claims[k..]
                    .iter()
                    .take_while(|c| (c.range.start as usize) < end)
                    .flat_map(|c| slots(all_sides, &c.sides))
                    .filter_map(|s| s.value?.exact_value()?.as_integer())
                    .filter_map(NumberShape::of_integer)
            };
            for c in self.claims[k..]
                .iter()
                .take_while(|c| (c.range.start as usize) < end)
            {
                for s in slots(all_sides, &c.sides) {
                    // A side that is one number is counted among the tokens.
                    // (The token looked up only for a value looked at.)
                    let single = || {
                        let k = lx.toks.partition_point(|t| t.range.start < s.range.start);
                        lx.toks
                            .get(k)
                            .is_some_and(|t| t.range == s.range && matches!(t.tok, Tok::Num(_)))
                    };
                    if let Some(v) = s.value.and_then(|v| v.exact_value()?.as_integer())
                        && v >= 0
                        && tally.may_hold(v as u64)
                        && !single()
                        && let Some(shape) = NumberShape::of_integer(v)
                    {
                        tally.add(shape, 2);
                    }
                }
            }
            for x in shapes.iter_mut() {
                x.2 = tally.count(&x.0);
            }
            // The numbers of the test's claim lines and the values its
            // claims give, and of its whole text (with how many times and
            // where first): scanned for each value looked at while they are
            // few (the usual case), gathered in sets once they are many (a
            // hostile test's thousands).
            let few = shapes.iter().filter(|x| x.2 <= 1).count() <= 16;
            let mut lexed: Option<HashSet<NumberShape>> = None;
            let mut text_shapes: Option<HashMap<NumberShape, (u32, usize)>> = None;
            let mut all: Vec<(usize, NumberShape)> = Vec::new();
            let mut quoted: Option<(usize, Vec<(usize, NumberShape)>)> = None;
            for &(shape, range, n) in &shapes {
                // Stated more than once, or given by a calculation.
                if n > 1 {
                    continue;
                }
                let near = |s: &NumberShape| s.one_digit_from(&shape);
                // Taken from another test (`total KV bytes from GQA-1 =
                // 262,144`): it is in that test.
                if let Some(x) = self.test_named_on_line(range.start as usize, ti) {
                    let t = &self.tests[x];
                    // (The numbers of the test named last, kept.)
                    if quoted.as_ref().is_none_or(|q| q.0 != x) {
                        let there = numbers_in(self.doc.text.get(t.start..t.end).unwrap_or(""))
                            .map(|(at, n)| (at + t.start, n))
                            .collect();
                        quoted = Some((x, there));
                    }
                    let there = quoted.as_ref().map_or(&[][..], |q| &q.1[..]);
                    if there.iter().any(|n| n.1 == shape) {
                        continue;
                    }
                    if let Some(&(at, twin)) = there.iter().find(|n| near(&n.1))
                        && self.diags.room(&STRAY_VALUE, range, Severity::Error)
                    {
                        let d = self.stray_finding(range, at, twin, &t.id, " it is taken from");
                        self.diags.push(d);
                        continue;
                    }
                }
                let twin = if few {
                    if !lx.toks[a..z]
                        .iter()
                        .filter_map(token_shape)
                        .any(|s| near(&s))
                        && !claims().any(|s| near(&s))
                    {
                        continue;
                    }
                    // Confirmed against every number of the test's text.
                    if all.is_empty() {
                        let text = self.doc.text.get(start..end).unwrap_or("");
                        all.extend(numbers_in(text).map(|(at, n)| (at + start, n)));
                    }
                    if all.iter().filter(|n| n.1 == shape).count() > 1 {
                        continue;
                    }
                    all.iter().find(|n| near(&n.1)).copied()
                } else {
                    let lexed = lexed.get_or_insert_with(|| {
                        lx.toks[a..z]
                            .iter()
                            .filter_map(token_shape)
                            .chain(claims())
                            .collect()
                    });
                    if !shape.neighbours().any(|v| lexed.contains(&v)) {
                        continue;
                    }
                    let text_shapes = text_shapes.get_or_insert_with(|| {
                        let mut m: HashMap<NumberShape, (u32, usize)> = HashMap::new();
                        let text = self.doc.text.get(start..end).unwrap_or("");
                        for (at, n) in numbers_in(text) {
                            m.entry(n).or_insert((0, at + start)).0 += 1;
                        }
                        m
                    });
                    if text_shapes.get(&shape).is_some_and(|e| e.0 > 1) {
                        continue;
                    }
                    // The first in the text of the numbers one digit away.
                    shape
                        .neighbours()
                        .filter_map(|v| text_shapes.get(&v).map(|e| (e.1, v)))
                        .min_by_key(|e| e.0)
                };
                let Some((at, twin)) = twin else {
                    continue;
                };
                if !self.diags.room(&STRAY_VALUE, range, Severity::Error) {
                    continue;
                }
                let d = self.stray_finding(range, at, twin, &self.tests[ti].id, " else");
                self.diags.push(d);
            }
        }
    }

    /// The stray-value finding for the number at `range`, whose twin
    /// `twin` is at byte `at` of Test `id`.
    fn stray_finding(
        &self,
        range: TextRange,
        at: usize,
        twin: NumberShape,
        id: &str,
        which: &str,
    ) -> Diagnostic {
        let src = self.doc.slice(range);
        let twin_text = twin.display(NumberStyle::detect(src));
        let len = self.doc.text[at..]
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, ',' | '_' | '.')))
            .unwrap_or(0);
        let (nowhere, there) = match which {
            " else" => ("nowhere else", ""),
            _ => ("nowhere", which),
        };
        Diagnostic::new(
            &STRAY_VALUE,
            range,
            format!(
                "{src} appears {nowhere} in Test {id}{there}, but {twin_text}, one digit away, does: a typo?"
            ),
        )
        .with_related(TextRange::new(at, at + len), format!("{twin_text} is here"))
        .with_fix(Fix::replace(
            format!("Replace with {twin_text}"),
            range,
            twin_text,
        ))
    }

    /// Another test than `ti` named on the line of byte `at` by its ID
    /// (`from GQA-1`, `From Test 2`), within 160 bytes of it.
    fn test_named_on_line(&self, at: usize, ti: usize) -> Option<usize> {
        let b = self.doc.text.as_bytes();
        let lo = at.saturating_sub(160);
        let start = b[lo..at]
            .iter()
            .rposition(|&c| c == b'\n' || c == b'\r')
            .map_or(lo, |i| lo + i + 1);
        let hi = (at + 160).min(b.len());
        let end = b[at..hi]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(hi, |i| at + i);
        let line = self.doc.text.get(start..end)?;
        let words: SmallVec<[&str; 16]> = line
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|w| !w.is_empty())
            .collect();
        words.iter().enumerate().find_map(|(k, w)| {
            let w = w.trim_matches('-');
            let after_test = k > 0 && words[k - 1].eq_ignore_ascii_case("test");
            let id_like = w.contains('-') && w.ends_with(|c: char| c.is_ascii_digit());
            if !(id_like || after_test) || !valid_id(w) {
                return None;
            }
            self.test_by_id(w).filter(|&x| x != ti)
        })
    }
}

/// The counts of a test's values looked at (see
/// [`Checker::check_stray_values`]), found through a table of 256 slots by a
/// hash of the low 64 bits of the digits: a number that is none of them
/// (most) costs one read, and one that hits, one comparison. (A bit filter
/// of 64 let one number in five through to a scan of every value, whose
/// comparisons were a sixth of the check's mispredicted branches.)
struct Tally {
    /// The distinct values, in order, with their counts.
    uniq: SmallVec<[(NumberShape, u32); 8]>,
    /// Per slot: 0 when no value hashes there, else the index + 1 of the
    /// one that does, or [`Tally::SEARCH`] when several do (or the values
    /// are too many to index in a byte).
    slots: [u8; 256],
}

impl Tally {
    const SEARCH: u8 = u8::MAX;

    /// `shapes` sorted by shape.
    fn new(shapes: &[(NumberShape, TextRange, u32)]) -> Tally {
        let mut t = Tally {
            uniq: SmallVec::new(),
            slots: [0; 256],
        };
        for x in shapes {
            if t.uniq.last().is_none_or(|u| u.0 != x.0) {
                t.uniq.push((x.0, 0));
            }
        }
        let index = t.uniq.len() < usize::from(Tally::SEARCH);
        for (k, u) in t.uniq.iter().enumerate() {
            let slot = &mut t.slots[Tally::slot(u.0.digits as u64)];
            *slot = match *slot {
                0 if index => k as u8 + 1,
                _ => Tally::SEARCH,
            };
        }
        t
    }

    /// A multiplicative hash of the low 64 bits: no 128-bit division for
    /// each number of the test.
    fn slot(digits: u64) -> usize {
        (digits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize
    }

    /// Whether a number whose digits' low 64 bits are `digits` may be one
    /// of the values.
    fn may_hold(&self, digits: u64) -> bool {
        self.slots[Tally::slot(digits)] != 0
    }

    fn find(&self, shape: &NumberShape) -> Option<usize> {
        match self.slots[Tally::slot(shape.digits as u64)] {
            0 => None,
            Tally::SEARCH => self.uniq.binary_search_by(|u| u.0.cmp(shape)).ok(),
            k => {
                let k = usize::from(k - 1);
                (self.uniq[k].0 == *shape).then_some(k)
            }
        }
    }

    fn add(&mut self, shape: NumberShape, by: u32) {
        if let Some(k) = self.find(&shape) {
            self.uniq[k].1 += by;
        }
    }

    fn count(&self, shape: &NumberShape) -> u32 {
        self.find(shape).map_or(0, |k| self.uniq[k].1)
    }
}

/// A number as its digits (without separators: `1,024` and `1024` are one
/// shape), with how many are before and after the decimal point (`1.0` and
/// `10` are not one shape). Numbers of more than 38 digits have none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(in crate::check) struct NumberShape {
    digits: u128,
    int_len: u8,
    frac_len: u8,
}

impl NumberShape {
    /// The shape of a literal of three significant digits or more (small
    /// values meet one-digit neighbours by chance).
    pub(in crate::check) fn of_lit(n: &crate::lex::NumLit) -> Option<NumberShape> {
        let (digits, int_len, frac_len) = n.digits();
        let shape = NumberShape {
            digits,
            int_len: int_len as u8,
            frac_len: frac_len as u8,
        };
        (shape.significant() >= 3).then_some(shape)
    }

    pub(in crate::check) fn of_integer(n: i128) -> Option<NumberShape> {
        let digits = u128::try_from(n).ok()?;
        let int_len = match u64::try_from(digits) {
            Ok(small) => small.checked_ilog10(),
            Err(_) => digits.checked_ilog10(),
        }
        .map_or(1, |l| l + 1) as u8;
        Some(NumberShape {
            digits,
            int_len,
            frac_len: 0,
        })
    }

    fn len(&self) -> u32 {
        u32::from(self.int_len) + u32::from(self.frac_len)
    }

    /// Digits after any leading zeros.
    fn significant(&self) -> u32 {
        self.digits.checked_ilog10().map_or(0, |l| l + 1)
    }

    /// Whether `other` has the same form and differs in exactly one digit
    /// (a leading digit does not become 0).
    fn one_digit_from(&self, other: &NumberShape) -> bool {
        if self.int_len != other.int_len || self.frac_len != other.frac_len {
            return false;
        }
        let diff = self.digits.abs_diff(other.digits);
        if diff == 0 {
            return false;
        }
        // diff = d·10^k with a single nonzero digit d, and the two agree on
        // every other digit (no carry): their digits at k differ by d.
        let k = diff.trailing_zeros_decimal();
        let weight = 10u128.pow(k);
        let d = diff / weight;
        d < 10 && {
            let (a, b) = (self.digits / weight % 10, other.digits / weight % 10);
            a.abs_diff(b) == d && !(k + 1 == self.len() && self.int_len > 1 && a.min(b) == 0)
        }
    }

    /// Every shape one digit from this one (see
    /// [`NumberShape::one_digit_from`]).
    fn neighbours(&self) -> impl Iterator<Item = NumberShape> + '_ {
        let len = self.len().min(38);
        (0..len).flat_map(move |k| {
            let weight = 10u128.pow(k);
            let cur = self.digits / weight % 10;
            (0..10u128).filter(move |&d| d != cur).filter_map(move |d| {
                let digits = self.digits - cur * weight + d * weight;
                let v = NumberShape { digits, ..*self };
                self.one_digit_from(&v).then_some(v)
            })
        })
    }

    fn display(&self, style: NumberStyle) -> String {
        let scale = 10u128.pow(u32::from(self.frac_len));
        let int = i128::try_from(self.digits / scale).unwrap_or(0);
        let int = format_with_style(int, style);
        if self.frac_len == 0 {
            int
        } else {
            format!(
                "{int}.{:0width$}",
                self.digits % scale,
                width = usize::from(self.frac_len)
            )
        }
    }
}

/// How many times 10 divides a number (0 for 0).
trait DecimalZeros {
    fn trailing_zeros_decimal(self) -> u32;
}

impl DecimalZeros for u128 {
    fn trailing_zeros_decimal(mut self) -> u32 {
        let mut k = 0;
        while self != 0 && self.is_multiple_of(10) {
            self /= 10;
            k += 1;
        }
        k
    }
}

/// Digits read one by one: in a `u64` while they fit (19), then a `u128`.
#[derive(Default)]
struct Digits {
    small: u64,
    big: Option<u128>,
    n: u32,
}

impl Digits {
    fn push(&mut self, d: u8) {
        self.n += 1;
        let d = d - b'0';
        if self.n <= 19 {
            self.small = self.small * 10 + u64::from(d);
        } else {
            self.big = self
                .big
                .or(Some(u128::from(self.small)))
                .and_then(|v| v.checked_mul(10))
                .and_then(|v| v.checked_add(u128::from(d)));
        }
    }

    fn value(&self) -> Option<u128> {
        if self.n <= 19 {
            Some(u128::from(self.small))
        } else {
            self.big
        }
    }
}

/// The numbers of `text` (digit runs with `,`/`_` thousands groups and
/// decimals), with their byte offsets. Digits glued to a letter (`W1`,
/// `bf16`) are not numbers.
pub(in crate::check) fn numbers_in(text: &str) -> impl Iterator<Item = (usize, NumberShape)> + '_ {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            // The next digit that starts a number.
            i += b.get(i..)?.iter().position(u8::is_ascii_digit)?;
            let start = i;
            let glued =
                i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.');
            let mut acc = Digits::default();
            while i < b.len() && b[i].is_ascii_digit() {
                acc.push(b[i]);
                i += 1;
            }
            while i + 3 < b.len()
                && matches!(b[i], b',' | b'_')
                && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
                && !b.get(i + 4).is_some_and(u8::is_ascii_digit)
            {
                for &d in &b[i + 1..i + 4] {
                    acc.push(d);
                }
                i += 4;
            }
            let int_len = acc.n;
            let mut frac_len = 0u32;
            if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    acc.push(b[i]);
                    frac_len += 1;
                    i += 1;
                }
            }
            if glued || (i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'_')) || acc.n > 38
            {
                continue;
            }
            let (Some(digits), Ok(int_len), Ok(frac_len)) =
                (acc.value(), u8::try_from(int_len), u8::try_from(frac_len))
            else {
                continue;
            };
            return Some((
                start,
                NumberShape {
                    digits,
                    int_len,
                    frac_len,
                },
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tally counts as a plain count of equal values does, through an
    /// indexed slot, a slot two values share and, past 254 values, a
    /// search for every value.
    #[test]
    fn tally_counts_every_value_as_a_plain_count_does() {
        let shape = |n: i128| NumberShape::of_integer(n).unwrap();
        // Two values whose digits hash to one slot.
        let a = 1_000u64;
        let b = (a + 1..)
            .find(|&b| Tally::slot(b) == Tally::slot(a))
            .unwrap();
        for n in [3usize, 300] {
            let mut values: Vec<i128> = (0..n as i128).map(|k| 10_000 + 7 * k).collect();
            values.extend([a as i128, b as i128, a as i128]);
            let mut shapes: Vec<(NumberShape, TextRange, u32)> = values
                .iter()
                .enumerate()
                .map(|(k, &v)| (shape(v), TextRange::new(k, k + 1), 0))
                .collect();
            shapes.sort_unstable_by_key(|x| (x.0, x.1.start));
            let mut tally = Tally::new(&shapes);
            // Numbers read: every value once, `a` twice more, and values
            // that are none of them.
            let read: Vec<i128> = values
                .iter()
                .copied()
                .chain([a as i128, a as i128, 5, 999_999, b as i128 + 1])
                .collect();
            for &v in &read {
                if tally.may_hold(v as u64) {
                    tally.add(shape(v), 1);
                }
            }
            for x in &shapes {
                let plain = read.iter().filter(|&&v| shape(v) == x.0).count() as u32;
                assert_eq!(tally.count(&x.0), plain, "{n} values: {:?}", x.0);
            }
            assert_eq!(tally.count(&shape(5)), 0);
        }
    }
}
