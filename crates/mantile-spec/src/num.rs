//! Exact arithmetic: `i128` rationals and closed intervals of them.
//!
//! Every operation is checked: an overflow gives `None` (the claim becomes
//! unevaluable) instead of a wrong number or a panic.

use std::cmp::Ordering;
use std::fmt;

/// An exact rational number `num / den`, always normalised (`den > 0`, gcd 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rational {
    num: i128,
    den: i128,
}

/// The greatest common divisor of `|a|` and `|b|` (0 when both are 0).
/// Binary (Stein's) algorithm: shifts and subtractions, no 128-bit
/// division; in 64 bits while the values fit.
fn gcd(a: i128, b: i128) -> i128 {
    let (a, b) = (a.unsigned_abs(), b.unsigned_abs());
    let g = if a <= u64::MAX as u128 && b <= u64::MAX as u128 {
        binary_gcd64(a as u64, b as u64) as u128
    } else {
        binary_gcd128(a, b)
    };
    i128::try_from(g).unwrap_or(1)
}

/// Stein's algorithm for one unsigned type.
macro_rules! binary_gcd {
    ($name:ident, $t:ty) => {
        fn $name(mut a: $t, mut b: $t) -> $t {
            if a == 0 {
                return b;
            }
            if b == 0 {
                return a;
            }
            let shift = (a | b).trailing_zeros();
            a >>= a.trailing_zeros();
            loop {
                b >>= b.trailing_zeros();
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                b -= a;
                if b == 0 {
                    return a << shift;
                }
            }
        }
    };
}

binary_gcd!(binary_gcd64, u64);
binary_gcd!(binary_gcd128, u128);

impl Rational {
    pub const ZERO: Rational = Rational { num: 0, den: 1 };
    pub const ONE: Rational = Rational { num: 1, den: 1 };

    /// `num / den`; `None` when `den` is zero or the value does not fit.
    pub fn new(num: i128, den: i128) -> Option<Rational> {
        if den == 0 || num == i128::MIN || den == i128::MIN {
            return None;
        }
        if den == 1 {
            return Some(Rational { num, den });
        }
        let g = gcd(num, den).max(1);
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = -n;
            d = -d;
        }
        Some(Rational { num: n, den: d })
    }

    pub fn int(v: i128) -> Rational {
        Rational::new(v, 1).unwrap_or(Rational::ZERO)
    }

    pub fn numer(self) -> i128 {
        self.num
    }

    pub fn denom(self) -> i128 {
        self.den
    }

    pub fn is_integer(self) -> bool {
        self.den == 1
    }

    pub fn as_integer(self) -> Option<i128> {
        self.is_integer().then_some(self.num)
    }

    /// `10^exp` as a rational, `None` past `10^36`.
    pub fn pow10(exp: i32) -> Option<Rational> {
        if exp.unsigned_abs() > 36 {
            return None;
        }
        let p = 10i128.checked_pow(exp.unsigned_abs())?;
        if exp >= 0 {
            Rational::new(p, 1)
        } else {
            Rational::new(1, p)
        }
    }

    pub fn checked_add(self, o: Rational) -> Option<Rational> {
        if self.den == 1 && o.den == 1 {
            return Rational::new(self.num.checked_add(o.num)?, 1);
        }
        let g = gcd(self.den, o.den).max(1);
        let l = self.den / g;
        let den = l.checked_mul(o.den)?;
        let a = self.num.checked_mul(o.den / g)?;
        let b = o.num.checked_mul(l)?;
        Rational::new(a.checked_add(b)?, den)
    }

    pub fn checked_neg(self) -> Option<Rational> {
        Rational::new(self.num.checked_neg()?, self.den)
    }

    pub fn checked_sub(self, o: Rational) -> Option<Rational> {
        self.checked_add(o.checked_neg()?)
    }

    pub fn checked_mul(self, o: Rational) -> Option<Rational> {
        if self.den == 1 && o.den == 1 {
            return Rational::new(self.num.checked_mul(o.num)?, 1);
        }
        let g1 = gcd(self.num, o.den).max(1);
        let g2 = gcd(o.num, self.den).max(1);
        let n = (self.num / g1).checked_mul(o.num / g2)?;
        let d = (self.den / g2).checked_mul(o.den / g1)?;
        Rational::new(n, d)
    }

    pub fn checked_div(self, o: Rational) -> Option<Rational> {
        if o.num == 0 {
            return None;
        }
        self.checked_mul(Rational::new(o.den, o.num)?)
    }

    /// `self^exp` for a small integer exponent (|exp| <= 128).
    pub fn checked_pow(self, exp: i128) -> Option<Rational> {
        if exp.abs() > 128 {
            return None;
        }
        let mut acc = Rational::ONE;
        for _ in 0..exp.abs() {
            acc = acc.checked_mul(self)?;
        }
        if exp < 0 {
            Rational::ONE.checked_div(acc)
        } else {
            Some(acc)
        }
    }

    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    pub fn abs(self) -> Rational {
        Rational {
            num: self.num.saturating_abs(),
            den: self.den,
        }
    }

    /// Nearest integer (halves away from zero); `None` on overflow.
    pub fn round(self) -> Option<i128> {
        let two = self.num.checked_mul(2)?.checked_abs()?;
        let q = two.checked_add(self.den)? / self.den.checked_mul(2)?;
        Some(if self.num < 0 { -q } else { q })
    }

    /// An approximate `f64` (for display and scoring only, never comparison).
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Decimal text with at most `max_decimals` decimals, trailing zeros trimmed.
    pub fn to_decimal_string(self, max_decimals: u32) -> String {
        if self.is_integer() {
            return self.num.to_string();
        }
        let Some(scale) = 10i128.checked_pow(max_decimals) else {
            return format!("{}", self.to_f64());
        };
        let Some(scaled) = self
            .checked_mul(Rational::int(scale))
            .and_then(|r| r.round())
        else {
            return format!("{}", self.to_f64());
        };
        let neg = scaled < 0;
        // At least one digit before the point: zeros in front.
        let width = max_decimals as usize + 1;
        let digits = format!("{:0>width$}", scaled.unsigned_abs());
        let (int_part, frac) = digits.split_at(digits.len() - max_decimals as usize);
        let frac = frac.trim_end_matches('0');
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        s.push_str(int_part);
        if !frac.is_empty() {
            s.push('.');
            s.push_str(frac);
        }
        s
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Rational) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rational {
    fn cmp(&self, other: &Rational) -> Ordering {
        if self.den == other.den {
            return self.num.cmp(&other.num);
        }
        // Compare a/b with c/d without overflow where possible.
        match (
            self.num.checked_mul(other.den),
            other.num.checked_mul(self.den),
        ) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self
                .to_f64()
                .partial_cmp(&other.to_f64())
                .unwrap_or(Ordering::Equal),
        }
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_integer() {
            f.write_str(&mantile_diag::format_grouped(self.num))
        } else {
            f.write_str(&self.to_decimal_string(6))
        }
    }
}

/// A closed interval `[lo, hi]` of rationals: an exact value has `lo == hi`;
/// a rounded literal such as `0.168` stands for `[0.1675, 0.1685]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Interval {
    pub lo: Rational,
    pub hi: Rational,
}

impl Interval {
    pub fn exact(v: Rational) -> Interval {
        Interval { lo: v, hi: v }
    }

    pub fn new(a: Rational, b: Rational) -> Interval {
        if a <= b {
            Interval { lo: a, hi: b }
        } else {
            Interval { lo: b, hi: a }
        }
    }

    pub fn is_exact(&self) -> bool {
        self.lo == self.hi
    }

    /// The exact value, if the interval is a single point.
    pub fn exact_value(&self) -> Option<Rational> {
        self.is_exact().then_some(self.lo)
    }

    /// The midpoint (the exact value for exact intervals).
    pub fn mid(&self) -> Rational {
        if self.is_exact() {
            return self.lo;
        }
        self.lo
            .checked_add(self.hi)
            .and_then(|s| s.checked_div(Rational::int(2)))
            .unwrap_or(self.lo)
    }

    pub fn overlaps(&self, o: &Interval) -> bool {
        self.lo <= o.hi && o.lo <= self.hi
    }

    pub fn add(&self, o: &Interval) -> Option<Interval> {
        if let (Some(a), Some(b)) = (self.small_int(), o.small_int()) {
            return Some(Interval::int_exact(i128::from(a) + i128::from(b)));
        }
        Some(Interval::new(
            self.lo.checked_add(o.lo)?,
            self.hi.checked_add(o.hi)?,
        ))
    }

    pub fn sub(&self, o: &Interval) -> Option<Interval> {
        if let (Some(a), Some(b)) = (self.small_int(), o.small_int()) {
            return Some(Interval::int_exact(i128::from(a) - i128::from(b)));
        }
        Some(Interval::new(
            self.lo.checked_sub(o.hi)?,
            self.hi.checked_sub(o.lo)?,
        ))
    }

    pub fn neg(&self) -> Option<Interval> {
        Some(Interval::new(
            self.hi.checked_neg()?,
            self.lo.checked_neg()?,
        ))
    }

    /// The value when the interval is one integer that fits in an `i64`:
    /// most spec arithmetic (`2 * 256 * 1024`). Sums and products of two
    /// such values fit in an `i128` (and are never `i128::MIN`), so the
    /// fast paths below need no overflow checks and no gcd, and give the
    /// same normalised value as the general path.
    #[inline]
    pub(crate) fn small_int(&self) -> Option<i64> {
        if self.lo.den == 1 && self.hi.den == 1 && self.lo.num == self.hi.num {
            i64::try_from(self.lo.num).ok()
        } else {
            None
        }
    }

    #[inline]
    pub(crate) fn int_exact(v: i128) -> Interval {
        Interval::exact(Rational { num: v, den: 1 })
    }

    pub fn mul(&self, o: &Interval) -> Option<Interval> {
        if let (Some(a), Some(b)) = (self.small_int(), o.small_int()) {
            return Some(Interval::int_exact(i128::from(a) * i128::from(b)));
        }
        if self.is_exact() && o.is_exact() {
            return Some(Interval::exact(self.lo.checked_mul(o.lo)?));
        }
        let c = [
            self.lo.checked_mul(o.lo)?,
            self.lo.checked_mul(o.hi)?,
            self.hi.checked_mul(o.lo)?,
            self.hi.checked_mul(o.hi)?,
        ];
        let lo = *c.iter().min()?;
        let hi = *c.iter().max()?;
        Some(Interval { lo, hi })
    }

    pub fn div(&self, o: &Interval) -> Option<Interval> {
        // A divisor interval that touches zero has no useful quotient.
        if let (Some(a), Some(b)) = (self.small_int(), o.small_int()) {
            if b == 0 {
                return None;
            }
            // (`i64::MIN / -1` does not fit in 64 bits: in 128.)
            return Some(if b == -1 {
                Interval::int_exact(-i128::from(a))
            } else if a % b == 0 {
                Interval::int_exact(i128::from(a / b))
            } else {
                Interval::exact(Rational::new(i128::from(a), i128::from(b))?)
            });
        }
        if o.lo <= Rational::ZERO && o.hi >= Rational::ZERO {
            return None;
        }
        if self.is_exact() && o.is_exact() {
            return Some(Interval::exact(self.lo.checked_div(o.lo)?));
        }
        let inv = Interval::new(
            Rational::ONE.checked_div(o.lo)?,
            Rational::ONE.checked_div(o.hi)?,
        );
        self.mul(&inv)
    }

    /// `self ^ exp` for an exact integer exponent.
    pub fn pow(&self, exp: &Interval) -> Option<Interval> {
        let e = exp.exact_value()?.as_integer()?;
        // An integer to a power of at most 128 (`10^12`, `2^30`): the same
        // value (or overflow) as repeated multiplication.
        if let (Some(b), Ok(k @ 0..=128)) = (self.small_int(), u32::try_from(e)) {
            return i128::from(b)
                .checked_pow(k)
                .filter(|&v| v != i128::MIN)
                .map(Interval::int_exact);
        }
        if self.is_exact() {
            return Some(Interval::exact(self.lo.checked_pow(e)?));
        }
        if self.lo.is_negative() || e < 0 {
            return None;
        }
        Some(Interval::new(
            self.lo.checked_pow(e)?,
            self.hi.checked_pow(e)?,
        ))
    }

    pub fn min(&self, o: &Interval) -> Interval {
        Interval::new(self.lo.min(o.lo), self.hi.min(o.hi))
    }

    pub fn max(&self, o: &Interval) -> Interval {
        Interval::new(self.lo.max(o.lo), self.hi.max(o.hi))
    }

    /// The midpoint rounded to `decimals` (grouped when an integer).
    pub fn display_rounded(&self, decimals: u32) -> String {
        let m = self.mid();
        if decimals == 0 {
            return m
                .round()
                .map(mantile_diag::format_grouped)
                .unwrap_or_else(|| m.to_decimal_string(0));
        }
        m.to_decimal_string(decimals)
    }

    /// Human-readable text: `1,048,576`, `0.16777216`, or `≈0.1678` for ranges.
    pub fn display(&self) -> String {
        if let Some(v) = self.exact_value() {
            if v.is_integer() {
                return v.to_string();
            }
            return v.to_decimal_string(10);
        }
        // Show the midpoint to the precision the range allows.
        let m = self.mid();
        let width = self.hi.checked_sub(self.lo).unwrap_or(Rational::ONE);
        let decimals = (0..=15)
            .find(|&d| Rational::pow10(-d).is_some_and(|u| u <= width))
            .unwrap_or(15) as u32;
        if decimals == 0 {
            match m.round() {
                Some(i) => format!("≈{}", mantile_diag::format_grouped(i)),
                None => format!("≈{}", m.to_decimal_string(0)),
            }
        } else {
            format!("≈{}", m.to_decimal_string(decimals))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i128, d: i128) -> Rational {
        Rational::new(n, d).unwrap()
    }

    /// Euclid's algorithm, the plain way, to check the binary one against.
    fn euclid(a: i128, b: i128) -> i128 {
        let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a as i128
    }

    #[test]
    fn gcd_agrees_with_euclid() {
        let mut values = vec![0i128, 1, -1, 2, 3, 12, -18, 1024, 1 << 40, 3 << 62];
        values.extend([
            u64::MAX as i128,
            (u64::MAX as i128) + 1,
            i128::MAX,
            -i128::MAX,
        ]);
        values.extend([
            10i128.pow(36),
            6 * 10i128.pow(30),
            7 * (1 << 100),
            2_199_023_255_552,
        ]);
        for &a in &values {
            for &b in &values {
                assert_eq!(gcd(a, b), euclid(a, b), "gcd({a}, {b})");
            }
        }
    }

    #[test]
    fn normalises_and_orders() {
        assert_eq!(r(2, 4), r(1, 2));
        assert_eq!(r(1, -2), r(-1, 2));
        assert!(r(1, 3) < r(1, 2));
        assert_eq!(Rational::new(1, 0), None);
    }

    #[test]
    fn arithmetic_is_exact_beyond_f64() {
        let big = Rational::int(2_199_023_255_552);
        let p = big.checked_mul(Rational::int(1_000_000_007)).unwrap();
        assert_eq!(p.as_integer(), Some(2_199_023_270_945_162_788_864));
        assert_eq!(r(1, 3).checked_add(r(1, 6)), Some(r(1, 2)));
        assert_eq!(r(1, 3).checked_div(Rational::ZERO), None);
        assert_eq!(
            Rational::int(i128::MAX / 2).checked_mul(Rational::int(4)),
            None
        );
    }

    #[test]
    fn rounding_a_tiny_value_does_not_overflow() {
        // Found by fuzzing (`max(2*2^-2 - 3x 3)^-31 x 5`): a huge denominator.
        let tiny = Rational::new(5, i128::MAX - 1).unwrap();
        assert_eq!(tiny.round(), None);
        assert_eq!(tiny.to_decimal_string(6), "0");
        assert!(crate::eval_expr("max(2*2^-2 - 3x 3)^-31 x 5").is_some());
    }

    #[test]
    fn decimal_text() {
        assert_eq!(r(16_777_216, 100_000_000).to_decimal_string(4), "0.1678");
        assert_eq!(r(1, 8).to_decimal_string(6), "0.125");
        assert_eq!(r(-5, 2).to_decimal_string(0), "-3");
        assert_eq!(Rational::int(1_048_576).to_string(), "1,048,576");
    }

    #[test]
    fn intervals_propagate_rounding() {
        let a = Interval::new(r(1675, 10000), r(1685, 10000)); // 0.168
        let b = Interval::exact(r(1, 100)); // 0.01
        let s = a.add(&b).unwrap();
        assert!(s.overlaps(&Interval::exact(r(178, 1000))));
        assert!(!s.overlaps(&Interval::exact(r(179, 1000))));
        assert_eq!(b.div(&Interval::exact(Rational::ZERO)), None);
        let p = Interval::exact(Rational::int(10)).pow(&Interval::exact(Rational::int(12)));
        assert_eq!(
            p.unwrap().exact_value(),
            Some(Rational::int(1_000_000_000_000))
        );
    }

    fn i(v: i128) -> Rational {
        Rational::int(v)
    }

    fn iv(lo: Rational, hi: Rational) -> Interval {
        Interval::new(lo, hi)
    }

    #[test]
    fn parts_of_a_rational() {
        let x = r(6, -4);
        assert_eq!((x.numer(), x.denom()), (-3, 2));
        assert!(!x.is_integer());
        assert_eq!(x.as_integer(), None);
        assert_eq!(r(8, 4).as_integer(), Some(2));
        assert!(r(8, 4).is_integer());
        assert_eq!(r(-8, 4).as_integer(), Some(-2));
        assert_eq!(Rational::new(i128::MIN, 1), None);
        assert_eq!(Rational::new(1, i128::MIN), None);
        assert_eq!(i(7).numer(), 7);
        assert_eq!(i(7).denom(), 1);
    }

    #[test]
    fn signs_and_floats() {
        assert!(r(-1, 2).is_negative());
        assert!(!Rational::ZERO.is_negative());
        assert!(!r(1, 2).is_negative());
        assert_eq!(r(-3, 4).abs(), r(3, 4));
        assert_eq!(r(3, 4).abs(), r(3, 4));
        assert_eq!(r(1, 4).to_f64(), 0.25);
        assert_eq!(r(-3, 2).to_f64(), -1.5);
        assert_eq!(i(1 << 60).to_f64(), 1_152_921_504_606_846_976.0);
        assert_eq!(r(1, 3).checked_neg(), Some(r(-1, 3)));
    }

    #[test]
    fn powers_of_ten_and_negative_exponents() {
        assert_eq!(Rational::pow10(0), Some(Rational::ONE));
        assert_eq!(Rational::pow10(3), Some(i(1000)));
        assert_eq!(Rational::pow10(-3), Some(r(1, 1000)));
        assert_eq!(Rational::pow10(36), Some(i(10i128.pow(36))));
        assert_eq!(Rational::pow10(-36), Some(r(1, 10i128.pow(36))));
        assert_eq!(Rational::pow10(37), None);
        assert_eq!(Rational::pow10(-37), None);
        // 2^-3 is 1/8, not 8; (2/3)^-2 is 9/4.
        assert_eq!(i(2).checked_pow(-3), Some(r(1, 8)));
        assert_eq!(r(2, 3).checked_pow(-2), Some(r(9, 4)));
        assert_eq!(r(2, 3).checked_pow(2), Some(r(4, 9)));
        assert_eq!(i(5).checked_pow(0), Some(Rational::ONE));
        assert_eq!(i(-2).checked_pow(3), Some(i(-8)));
        assert_eq!(Rational::ZERO.checked_pow(-1), None);
        // |exp| up to 128, no further.
        assert_eq!(Rational::ONE.checked_pow(128), Some(Rational::ONE));
        assert_eq!(Rational::ONE.checked_pow(-128), Some(Rational::ONE));
        assert_eq!(Rational::ONE.checked_pow(129), None);
        assert_eq!(Rational::ONE.checked_pow(-129), None);
        assert_eq!(i(2).checked_pow(127), None);
    }

    #[test]
    fn sums_products_and_quotients() {
        // Integers, and fractions whose denominators share a factor.
        assert_eq!(i(2).checked_add(i(3)), Some(i(5)));
        assert_eq!(r(1, 6).checked_add(r(1, 10)), Some(r(4, 15)));
        assert_eq!(r(1, 6).checked_add(i(2)), Some(r(13, 6)));
        assert_eq!(i(2).checked_add(r(1, 6)), Some(r(13, 6)));
        assert_eq!(r(1, 2).checked_sub(r(1, 3)), Some(r(1, 6)));
        assert_eq!(i(i128::MAX).checked_add(i(1)), None);
        assert_eq!(r(i128::MAX, 3).checked_add(r(i128::MAX, 5)), None);
        // Factors cancelled across before multiplying.
        assert_eq!(r(2, 3).checked_mul(r(9, 4)), Some(r(3, 2)));
        assert_eq!(r(2, 3).checked_mul(i(6)), Some(i(4)));
        assert_eq!(i(6).checked_mul(r(2, 3)), Some(i(4)));
        assert_eq!(r(i128::MAX, 7).checked_mul(r(i128::MAX - 1, 11)), None);
        assert_eq!(i(i128::MAX).checked_mul(i(2)), None);
        assert_eq!(r(1, 2).checked_div(r(1, 4)), Some(i(2)));
        assert_eq!(r(1, 2).checked_div(r(-1, 4)), Some(i(-2)));
        assert_eq!(r(3, 4).checked_div(r(9, 8)), Some(r(2, 3)));
        assert_eq!(i(1).checked_div(Rational::ZERO), None);
    }

    #[test]
    fn comparison_is_exact_across_denominators() {
        assert_eq!(r(5, 7).cmp(&r(3, 7)), Ordering::Greater);
        assert_eq!(r(1, 2).cmp(&r(2, 3)), Ordering::Less);
        assert_eq!(r(2, 3).cmp(&r(1, 2)), Ordering::Greater);
        assert_eq!(r(1, 3).cmp(&r(333_333, 1_000_000)), Ordering::Greater);
        assert_eq!(r(2, 4).cmp(&r(1, 2)), Ordering::Equal);
        // Cross products past i128: compared in f64.
        let a = r(i128::MAX - 1, 3);
        let b = r(i128::MAX - 2, 5);
        assert_eq!(a.cmp(&b), Ordering::Greater);
        assert_eq!(b.cmp(&a), Ordering::Less);
        assert_eq!(r(1, 3).partial_cmp(&r(1, 2)), Some(Ordering::Less));
        // Closer than an f64 can tell (both are 1e17 as floats), yet the
        // cross products fit: compared exactly.
        let x = r(3 * 10i128.pow(17) + 1, 3);
        let y = r(7 * 10i128.pow(17) + 1, 7);
        assert_eq!(x.to_f64(), y.to_f64());
        assert_eq!(x.cmp(&y), Ordering::Greater);
        assert_eq!(y.cmp(&x), Ordering::Less);
    }

    #[test]
    fn rounding_halves_away_from_zero() {
        assert_eq!(r(5, 2).round(), Some(3));
        assert_eq!(r(-5, 2).round(), Some(-3));
        assert_eq!(r(7, 3).round(), Some(2));
        assert_eq!(r(-7, 3).round(), Some(-2));
        assert_eq!(r(1, 2).round(), Some(1));
        assert_eq!(r(2, 5).round(), Some(0));
        assert_eq!(i(-4).round(), Some(-4));
        assert_eq!(i(i128::MAX / 2 + 1).round(), None);
    }

    #[test]
    fn decimal_text_of_every_kind() {
        assert_eq!(r(-1, 8).to_decimal_string(6), "-0.125");
        assert_eq!(r(1, 3).to_decimal_string(6), "0.333333");
        assert_eq!(r(2, 3).to_decimal_string(2), "0.67");
        assert_eq!(r(41, 4).to_decimal_string(1), "10.3");
        assert_eq!(i(-12).to_decimal_string(3), "-12");
        // Past 10^38 decimals: the float's text.
        assert_eq!(r(1, 4).to_decimal_string(40), "0.25");
        assert_eq!(r(1, 8).to_string(), "0.125");
        assert_eq!(i(-1_048_576).to_string(), "-1,048,576");
    }

    #[test]
    fn interval_basics() {
        let a = iv(i(3), i(1));
        assert_eq!((a.lo, a.hi), (i(1), i(3)));
        assert!(!a.is_exact());
        assert_eq!(a.exact_value(), None);
        assert_eq!(a.mid(), i(2));
        let e = Interval::exact(r(1, 3));
        assert!(e.is_exact());
        assert_eq!(e.exact_value(), Some(r(1, 3)));
        assert_eq!(e.mid(), r(1, 3));
        // Touching endpoints overlap; a gap does not.
        assert!(a.overlaps(&iv(i(3), i(5))));
        assert!(iv(i(3), i(5)).overlaps(&a));
        assert!(!a.overlaps(&iv(r(31, 10), i(5))));
        assert!(!iv(r(31, 10), i(5)).overlaps(&a));
        assert_eq!(a.add(&e), Some(iv(r(4, 3), r(10, 3))));
        assert_eq!(a.sub(&iv(i(1), i(2))), Some(iv(i(-1), i(2))));
        assert_eq!(a.neg(), Some(iv(i(-3), i(-1))));
        assert_eq!(a.min(&iv(i(2), i(2))), iv(i(1), i(2)));
        assert_eq!(a.max(&iv(i(2), i(2))), iv(i(2), i(3)));
    }

    #[test]
    fn interval_products_quotients_and_powers() {
        let a = iv(i(1), i(2));
        // Products take every corner: a negative factor swaps them.
        assert_eq!(a.mul(&iv(i(-3), i(4))), Some(iv(i(-6), i(8))));
        assert_eq!(a.mul(&Interval::exact(i(-2))), Some(iv(i(-4), i(-2))));
        assert_eq!(
            Interval::exact(i(3)).mul(&Interval::exact(r(1, 3))),
            Some(Interval::exact(i(1)))
        );
        // A divisor touching zero has no quotient, from either side.
        assert_eq!(a.div(&iv(i(-1), i(1))), None);
        assert_eq!(a.div(&iv(i(0), i(2))), None);
        assert_eq!(a.div(&iv(i(-2), i(0))), None);
        assert_eq!(a.div(&iv(i(4), i(8))), Some(iv(r(1, 8), r(1, 2))));
        assert_eq!(a.div(&iv(i(-4), i(-2))), Some(iv(i(-1), r(-1, 4))));
        assert_eq!(
            Interval::exact(i(1)).div(&Interval::exact(i(4))),
            Some(Interval::exact(r(1, 4)))
        );
        // One side a range: the quotient is a range.
        assert_eq!(a.div(&Interval::exact(i(4))), Some(iv(r(1, 4), r(1, 2))));
        assert_eq!(
            Interval::exact(i(1)).div(&iv(i(2), i(4))),
            Some(iv(r(1, 4), r(1, 2)))
        );
        // Powers: an exact integer exponent; a range only to a positive
        // power of a positive base.
        let two = |e: i128| Interval::exact(i(e));
        assert_eq!(
            Interval::exact(i(2)).pow(&two(-1)),
            Some(Interval::exact(r(1, 2)))
        );
        assert_eq!(iv(i(2), i(3)).pow(&two(2)), Some(iv(i(4), i(9))));
        assert_eq!(iv(i(2), i(3)).pow(&two(-1)), None);
        assert_eq!(iv(i(-2), i(3)).pow(&two(2)), None);
        assert_eq!(iv(i(2), i(3)).pow(&two(0)), Some(iv(i(1), i(1))));
        assert_eq!(a.pow(&Interval::exact(r(1, 2))), None);
        assert_eq!(a.pow(&iv(i(1), i(2))), None);
    }

    #[test]
    fn integer_fast_paths_agree_with_rationals() {
        let values = [
            0i128,
            1,
            -1,
            2,
            -2,
            3,
            7,
            -12,
            1024,
            1 << 40,
            i64::MAX as i128,
            i64::MIN as i128,
            i64::MAX as i128 + 1,
            i64::MIN as i128 - 1,
            i128::MAX,
            -i128::MAX,
        ];
        let ex = |v: Rational| Interval::exact(v);
        for &a in &values {
            for &b in &values {
                let (x, y) = (i(a), i(b));
                let (ix, iy) = (ex(x), ex(y));
                assert_eq!(ix.mul(&iy), x.checked_mul(y).map(ex), "{a} * {b}");
                assert_eq!(ix.add(&iy), x.checked_add(y).map(ex), "{a} + {b}");
                assert_eq!(ix.sub(&iy), x.checked_sub(y).map(ex), "{a} - {b}");
                assert_eq!(ix.div(&iy), x.checked_div(y).map(ex), "{a} / {b}");
            }
            for e in [-1i128, 0, 1, 2, 3, 12, 62, 63, 64, 126, 127, 128, 129] {
                assert_eq!(
                    ex(i(a)).pow(&ex(i(e))),
                    i(a).checked_pow(e).map(ex),
                    "{a} ^ {e}"
                );
            }
        }
    }

    #[test]
    fn interval_text() {
        assert_eq!(Interval::exact(i(1_048_576)).display(), "1,048,576");
        assert_eq!(Interval::exact(r(1, 8)).display(), "0.125");
        assert_eq!(iv(r(1675, 10000), r(1685, 10000)).display(), "≈0.168");
        // The midpoint (0.16805) to the width's precision (0.0011: 3 places).
        assert_eq!(iv(r(1675, 10000), r(1686, 10000)).display(), "≈0.168");
        assert_eq!(iv(i(10), i(12)).display(), "≈11");
        assert_eq!(iv(r(15, 10), r(25, 10)).display(), "≈2");
        assert_eq!(iv(i(1), i(2)).display_rounded(0), "2");
        assert_eq!(
            Interval::exact(i(1_234_567)).display_rounded(0),
            "1,234,567"
        );
        assert_eq!(Interval::exact(r(1, 3)).display_rounded(3), "0.333");
    }
}
