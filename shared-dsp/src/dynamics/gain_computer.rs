//! Static gain computers of the compressor and the downward expander/gate, in the log domain:
//! input level in dB → gain reduction in dB. Pure functions of the settings, so the editor can
//! draw the transfer curve and tests can check it exactly.
//!
//! - Compressor: threshold `T`, ratio `R` (1:1 … ∞:1), soft knee of width `W` dB centred on
//!   the threshold, with the quadratic knee of Giannoulis, Massberg & Reiss, "Digital Dynamic
//!   Range Compressor Design — A Tutorial and Analysis", JAES 60(6), 2012 (soft-knee gain computer):
//!   `y = x` below `T - W/2`; `y = x + (1/R - 1)(x - T + W/2)² / (2W)` inside the knee;
//!   `y = T + (x - T)/R` above `T + W/2`. The knee is tangent to both straight parts, so the
//!   curve and its slope are continuous. `R = ∞` (`f32::INFINITY`) is a limiter curve.
//! - Expander/gate (the same piecewise-linear form mirrored below the threshold): `y = T + (x - T)·R` below
//!   `T`, `y = x` above, with the reduction clamped to `range_db`. `R = ∞` is a hard gate that
//!   drops by exactly `range_db` below the threshold.

/// Ratio as given, made valid: NaN or below 1 becomes 1 (no processing); `+∞` stays.
#[inline]
fn valid_ratio(ratio: f32) -> f32 {
    if ratio >= 1.0 { ratio } else { 1.0 }
}

/// `1/R` of a ratio as given (valid as [`valid_ratio`] makes it): the curves' slope term, the
/// domain in which the blocks glide a ratio, so 1:1 … ∞:1 is the finite interval 1 … 0.
#[inline]
pub(crate) fn inv_ratio(ratio: f32) -> f32 {
    1.0 / valid_ratio(ratio)
}

/// The ratio of a `1/R` ([`inv_ratio`]'s inverse; 0 gives ∞:1).
#[inline]
pub(crate) fn ratio_from_inv(inv: f32) -> f32 {
    if inv <= 0.0 { f32::INFINITY } else { 1.0 / inv }
}

/// The compressor's static curve. `Copy`, cheap to rebuild on every parameter change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompressorCurve {
    threshold_db: f32,
    ratio: f32,
    knee_db: f32,
    /// `1 - 1/R`: dB of reduction per dB above threshold (1 for ∞:1).
    slope: f32,
}

impl Default for CompressorCurve {
    fn default() -> Self {
        Self::new(0.0, 1.0, 0.0)
    }
}

impl CompressorCurve {
    /// Threshold in dBFS, ratio `R` ≥ 1 (`f32::INFINITY` for ∞:1; values below 1 or NaN are
    /// read as 1), knee width in dB (≥ 0; 0 = hard knee).
    pub fn new(threshold_db: f32, ratio: f32, knee_db: f32) -> Self {
        let ratio = valid_ratio(ratio);
        let knee_db = if knee_db > 0.0 { knee_db } else { 0.0 };
        Self {
            threshold_db,
            ratio,
            knee_db,
            slope: 1.0 - 1.0 / ratio,
        }
    }

    /// Threshold in dBFS.
    pub fn threshold_db(&self) -> f32 {
        self.threshold_db
    }

    /// Ratio (`f32::INFINITY` for ∞:1).
    pub fn ratio(&self) -> f32 {
        self.ratio
    }

    /// Knee width in dB.
    pub fn knee_db(&self) -> f32 {
        self.knee_db
    }

    /// Gain reduction in dB (≥ 0) that the static curve applies at `input_db`.
    #[inline]
    pub fn gain_reduction_db(&self, input_db: f32) -> f32 {
        let over2 = 2.0 * (input_db - self.threshold_db);
        if over2 <= -self.knee_db {
            0.0
        } else if over2 < self.knee_db {
            // Inside the knee (only reachable when knee_db > 0).
            let d = input_db - self.threshold_db + 0.5 * self.knee_db;
            self.slope * d * d / (2.0 * self.knee_db)
        } else {
            self.slope * (input_db - self.threshold_db)
        }
    }

    /// The static transfer curve: output level in dB for a steady input level in dB (no
    /// make-up). This is what the editor draws.
    #[inline]
    pub fn output_db(&self, input_db: f32) -> f32 {
        input_db - self.gain_reduction_db(input_db)
    }
}

/// The downward expander/gate's static curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpanderCurve {
    threshold_db: f32,
    ratio: f32,
    range_db: f32,
    /// `R - 1`: dB of reduction per dB below threshold (∞ for a gate).
    slope: f32,
}

impl Default for ExpanderCurve {
    fn default() -> Self {
        Self::new(-100.0, f32::INFINITY, 0.0)
    }
}

impl ExpanderCurve {
    /// Threshold in dBFS, expansion ratio `R` ≥ 1 (1:R; `f32::INFINITY` = gate; below 1 or NaN
    /// read as 1), range in dB (≥ 0): the most reduction ever applied.
    pub fn new(threshold_db: f32, ratio: f32, range_db: f32) -> Self {
        let ratio = valid_ratio(ratio);
        Self {
            threshold_db,
            ratio,
            range_db: if range_db > 0.0 { range_db } else { 0.0 },
            slope: ratio - 1.0,
        }
    }

    /// Threshold in dBFS.
    pub fn threshold_db(&self) -> f32 {
        self.threshold_db
    }

    /// Expansion ratio (`f32::INFINITY` for a gate).
    pub fn ratio(&self) -> f32 {
        self.ratio
    }

    /// Range in dB.
    pub fn range_db(&self) -> f32 {
        self.range_db
    }

    /// Gain reduction in dB (0 … `range_db`) at `input_db`, against the curve's own threshold.
    #[inline]
    pub fn gain_reduction_db(&self, input_db: f32) -> f32 {
        self.gain_reduction_db_at(input_db, self.threshold_db)
    }

    /// Gain reduction in dB against another threshold (the gate's hysteresis lowers it while
    /// open).
    #[inline]
    pub fn gain_reduction_db_at(&self, input_db: f32, threshold_db: f32) -> f32 {
        let under = threshold_db - input_db;
        if under > 0.0 {
            // ∞·under = ∞ for the gate, clamped to the range.
            (self.slope * under).min(self.range_db)
        } else {
            // At or above threshold (or a NaN level): open. Avoids 0·∞ for the gate.
            0.0
        }
    }

    /// The static transfer curve: output level in dB for a steady input level in dB.
    #[inline]
    pub fn output_db(&self, input_db: f32) -> f32 {
        input_db - self.gain_reduction_db(input_db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_knee_compressor_matches_threshold_and_ratio() {
        let c = CompressorCurve::new(-20.0, 4.0, 0.0);
        assert_eq!(c.output_db(-40.0), -40.0);
        assert_eq!(c.output_db(-20.0), -20.0);
        assert!((c.output_db(0.0) - (-15.0)).abs() < 1e-5);
        assert!((c.gain_reduction_db(-8.0) - 9.0).abs() < 1e-5);
    }

    #[test]
    fn infinite_ratio_is_a_limiter_curve() {
        let c = CompressorCurve::new(-12.0, f32::INFINITY, 0.0);
        for x in [-12.0f32, -6.0, 0.0, 12.0] {
            assert!((c.output_db(x) + 12.0).abs() < 1e-5);
        }
        assert_eq!(c.output_db(-30.0), -30.0);
    }

    #[test]
    fn soft_knee_is_continuous_tangent_and_centred() {
        for ratio in [2.0f32, 4.0, 10.0, f32::INFINITY] {
            let (t, w) = (-18.0f32, 12.0f32);
            let c = CompressorCurve::new(t, ratio, w);
            let slope_above = 1.0 / ratio;
            // Edges: identity below, straight line above.
            assert!((c.output_db(t - w / 2.0) - (t - w / 2.0)).abs() < 1e-5);
            let above = t + w / 2.0;
            assert!((c.output_db(above) - (t + (above - t) / ratio)).abs() < 1e-4);
            // At the threshold the knee sits (1 - 1/R)·W/8 below the identity.
            let at_t = c.output_db(t);
            assert!((at_t - (t - (1.0 - 1.0 / ratio) * w / 8.0)).abs() < 1e-4);
            // Slopes match the straight parts at both edges.
            let h = 1e-2;
            let d_low = (c.output_db(t - w / 2.0 + h) - c.output_db(t - w / 2.0 - h)) / (2.0 * h);
            let d_high = (c.output_db(above + h) - c.output_db(above - h)) / (2.0 * h);
            assert!((d_low - 1.0).abs() < 2e-3, "{d_low}");
            assert!((d_high - slope_above).abs() < 2e-3, "{d_high}");
            // Monotonic.
            let mut prev = c.output_db(-60.0);
            for i in 1..=600 {
                let y = c.output_db(-60.0 + i as f32 * 0.1);
                assert!(y >= prev - 1e-5);
                prev = y;
            }
        }
    }

    #[test]
    fn invalid_ratios_are_unity() {
        for r in [f32::NAN, 0.5, -3.0, 1.0] {
            let c = CompressorCurve::new(-30.0, r, 6.0);
            assert_eq!(c.gain_reduction_db(0.0), 0.0);
            let e = ExpanderCurve::new(-30.0, r, 40.0);
            assert_eq!(e.gain_reduction_db(-60.0), 0.0);
        }
    }

    #[test]
    fn expander_ratio_and_range() {
        let e = ExpanderCurve::new(-40.0, 2.0, 30.0);
        assert_eq!(e.gain_reduction_db(-30.0), 0.0);
        assert_eq!(e.gain_reduction_db(-40.0), 0.0);
        assert!((e.gain_reduction_db(-50.0) - 10.0).abs() < 1e-5);
        assert!((e.output_db(-50.0) + 60.0).abs() < 1e-5);
        assert_eq!(e.gain_reduction_db(-100.0), 30.0);
        let gate = ExpanderCurve::new(-40.0, f32::INFINITY, 80.0);
        assert_eq!(gate.gain_reduction_db(-40.0), 0.0);
        assert_eq!(gate.gain_reduction_db(-40.001), 80.0);
        assert_eq!(gate.gain_reduction_db(f32::NAN), 0.0);
        assert_eq!(gate.gain_reduction_db_at(-42.0, -43.0), 0.0);
    }
}
