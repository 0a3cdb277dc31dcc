//! Branch-free `log2`/`exp2` for the dynamics' block loops, where the standard library's
//! `log10`/`exp` (calls into libm, one sample at a time) kept the gain computer and the gain
//! stage from vectorising.
//!
//! Both are written as straight-line arithmetic on `f32` bit patterns, so a loop that calls them
//! compiles to SIMD. Accuracy, checked against `f64` over their whole ranges by the tests below:
//! - [`log2`]: the exponent from the bits, the mantissa folded into `[√½, √2)` and
//!   `ln m = 2·atanh((m − 1)/(m + 1))` by its odd series to `t⁹/9` (the next term is below
//!   `4e-10`), within 2.5e-7 absolute in `log2`, i.e. 1.5e-6 dB;
//! - [`exp2`]: the argument rounded to the nearest integer with the `1.5·2²³` addition trick (no
//!   SSE4.1 rounding instruction needed), the fraction (|f| ≤ ½) through `e^(f·ln 2)`'s Taylor
//!   series to degree 7 (remainder below 2e-9), within 2.5e-7 relative; `exp2(0)` is exactly 1.
//!
//! The series are the textbook ones (Abramowitz & Stegun 4.1.27 for `ln`, 4.2.1 for `exp`).

use super::{MIN_GAIN, MINUS_INFINITY_DB};

/// `20·log10(2)`: dB per octave of amplitude.
const DB_PER_LOG2: f32 = 6.020_6;
/// `log2(10)/20`: octaves of amplitude per dB.
const LOG2_PER_DB: f32 = 0.166_096_4;

/// Base-2 logarithm of a positive, finite, normal `x` (other inputs give a finite but
/// meaningless value; see [`gain_to_db`] for the floored form).
#[inline(always)]
pub fn log2(x: f32) -> f32 {
    // Bits of √½: subtracting them makes the exponent field round the mantissa into [√½, √2).
    const SQRT_HALF_BITS: i32 = 0x3f35_04f3;
    let bits = x.to_bits() as i32;
    let e = bits.wrapping_sub(SQRT_HALF_BITS) >> 23;
    let m = f32::from_bits(bits.wrapping_sub(e << 23) as u32);
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let series = 1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 * (1.0 / 9.0))));
    e as f32 + (2.0 * std::f32::consts::LOG2_E) * t * series
}

/// `2^y`, for `y` clamped to −126 … 126 (a NaN `y` gives a finite but meaningless value).
#[inline(always)]
pub fn exp2(y: f32) -> f32 {
    // 1.5·2²³: adding it rounds to the nearest integer, which lands in the low mantissa bits.
    const ROUNDER: f32 = 12_582_912.0;
    let y = y.clamp(-126.0, 126.0);
    let r = y + ROUNDER;
    let n = (r.to_bits() as i32).wrapping_sub(ROUNDER.to_bits() as i32);
    let z = (y - (r - ROUNDER)) * std::f32::consts::LN_2;
    let p = 1.0
        + z * (1.0
            + z * (1.0 / 2.0
                + z * (1.0 / 6.0
                    + z * (1.0 / 24.0
                        + z * (1.0 / 120.0 + z * (1.0 / 720.0 + z * (1.0 / 5040.0)))))));
    f32::from_bits((n + 127).wrapping_shl(23) as u32) * p
}

/// Linear amplitude to dB, floored at [`MINUS_INFINITY_DB`] at or below [`MIN_GAIN`] (as
/// [`super::gain_to_db`]), branch-free.
#[inline(always)]
pub fn gain_to_db(gain: f32) -> f32 {
    let db = log2(gain) * DB_PER_LOG2;
    if gain > MIN_GAIN {
        db
    } else {
        MINUS_INFINITY_DB
    }
}

/// dB to linear amplitude (as [`super::db_to_gain`]), branch-free; `db_to_gain(0) == 1` exactly.
#[inline(always)]
pub fn db_to_gain(gain_db: f32) -> f32 {
    exp2(gain_db * LOG2_PER_DB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_matches_f64_over_the_normal_range() {
        let mut worst = 0.0f64;
        let mut x = f32::MIN_POSITIVE;
        while x < f32::MAX / 1.001 {
            let err = (log2(x) as f64 - (x as f64).log2()).abs();
            worst = worst.max(err);
            x *= 1.000_37;
        }
        assert!(worst < 2.5e-7 * 128.0, "{worst}");
        // Near 1, where the absolute error matters for dB: a tighter bound.
        let mut near = 0.0f64;
        for i in 0..100_000 {
            let x = 1e-6f32 + i as f32 * 2e-5;
            near = near
                .max((log2(x) as f64 - (x as f64).log2()).abs() / (x as f64).log2().abs().max(1.0));
        }
        assert!(near < 2.5e-7, "{near}");
        assert_eq!(log2(1.0), 0.0);
        assert_eq!(log2(0.5), -1.0);
    }

    #[test]
    fn exp2_matches_f64_and_is_exact_at_zero() {
        let mut worst = 0.0f64;
        let mut y = -125.0f32;
        while y < 125.0 {
            let exact = (y as f64).exp2();
            worst = worst.max((exp2(y) as f64 - exact).abs() / exact);
            y += 0.000_731;
        }
        assert!(worst < 2.5e-7, "{worst}");
        assert_eq!(exp2(0.0), 1.0);
        assert_eq!(db_to_gain(0.0), 1.0);
        assert_eq!(exp2(-1000.0), 2f32.powi(-126));
        assert!(exp2(1000.0).is_finite());
    }

    #[test]
    fn db_conversions_agree_with_the_exact_ones() {
        for i in 0..20_000 {
            let db = -190.0 + i as f32 * 0.0107;
            let g = db_to_gain(db);
            // The f32 product `db·log2(10)/20` alone carries a relative error of ~6e-8 of itself.
            assert!(
                (g / super::super::db_to_gain(db) - 1.0).abs() < 1e-6 + 5e-8 * db.abs(),
                "{db}"
            );
            // Relative in dB: log2's error scales with the octave count.
            assert!((gain_to_db(g) - db).abs() < 3e-7 * db.abs() + 2e-6, "{db}");
        }
        assert_eq!(gain_to_db(0.0), MINUS_INFINITY_DB);
        assert_eq!(gain_to_db(MIN_GAIN), MINUS_INFINITY_DB);
    }
}
