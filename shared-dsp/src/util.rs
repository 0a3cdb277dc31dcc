//! Small helpers every block shares: decibel conversion, one-pole time constants derived from
//! milliseconds and the sample rate, and denormal handling.
//!
//! Time constants follow the usual analog RC definition: after `time_ms` a one-pole smoother has
//! covered `1 - 1/e` (≈63.2 %) of a step, at every sample rate (Zölzer, *DAFX*, ch. 4).
//! Everything here is allocation-free and audio-thread safe.

pub mod approx;
pub mod crossfade;
pub mod delay;
pub mod simd;
pub mod smoothing;

pub use crossfade::DryWetMix;
pub use delay::DelayLine;
pub use smoothing::{Fade, LinearRamp, Smoother, fade_shape};

/// Below this the suite treats a level as silence (about -200 dBFS); also the floor for dB
/// conversions so `gain_to_db(0.0)` stays finite.
pub const MIN_GAIN: f32 = 1e-10;
/// The dB value reported for a gain at or below [`MIN_GAIN`].
pub const MINUS_INFINITY_DB: f32 = -200.0;

/// Decibels to linear amplitude.
#[inline]
pub fn db_to_gain(gain_db: f32) -> f32 {
    10f32.powf(gain_db * 0.05)
}

/// Linear amplitude to decibels, floored at [`MINUS_INFINITY_DB`].
#[inline]
pub fn gain_to_db(gain: f32) -> f32 {
    if gain <= MIN_GAIN {
        MINUS_INFINITY_DB
    } else {
        20.0 * gain.log10()
    }
}

/// `f64` twin of [`db_to_gain`] for coefficient design.
#[inline]
pub fn db_to_gain_f64(gain_db: f64) -> f64 {
    10f64.powf(gain_db * 0.05)
}

/// `f64` twin of [`gain_to_db`].
#[inline]
pub fn gain_to_db_f64(gain: f64) -> f64 {
    if gain <= MIN_GAIN as f64 {
        MINUS_INFINITY_DB as f64
    } else {
        20.0 * gain.log10()
    }
}

/// Feedback coefficient of a one-pole smoother with time constant `time_ms`:
/// `y += (1 - coef) * (x - y)`. A time of zero (or less) gives `0.0`, i.e. no smoothing.
#[inline]
pub fn one_pole_coef(time_ms: f32, sample_rate: f32) -> f32 {
    if time_ms <= 0.0 || sample_rate <= 0.0 {
        0.0
    } else {
        (-1.0 / (time_ms * 0.001 * sample_rate)).exp()
    }
}

/// `f64` twin of [`one_pole_coef`].
#[inline]
pub fn one_pole_coef_f64(time_ms: f64, sample_rate: f64) -> f64 {
    if time_ms <= 0.0 || sample_rate <= 0.0 {
        0.0
    } else {
        (-1.0 / (time_ms * 0.001 * sample_rate)).exp()
    }
}

/// Milliseconds to a whole number of samples, rounded to nearest.
#[inline]
pub fn ms_to_samples(time_ms: f64, sample_rate: f64) -> usize {
    (time_ms * 0.001 * sample_rate).round().max(0.0) as usize
}

/// Replaces a subnormal, NaN or infinite value by zero. Filter and envelope states pass through
/// this so that a bad input sample or a decaying tail never leaves poisoned or slow state behind.
#[inline]
pub fn sanitize(x: f32) -> f32 {
    if x.is_normal() { x } else { 0.0 }
}

/// `f64` twin of [`sanitize`].
#[inline]
pub fn sanitize_f64(x: f64) -> f64 {
    if x.is_normal() { x } else { 0.0 }
}

/// Flushes subnormal output samples to zero and replaces NaN/inf by zero in place. Hosts'
/// validators reject subnormal output; call this on a plugin's output as the last step.
#[inline]
pub fn sanitize_slice(samples: &mut [f32]) {
    for x in samples {
        *x = sanitize(*x);
    }
}

/// True when every sample is finite.
#[inline]
pub fn all_finite(samples: &[f32]) -> bool {
    samples.iter().all(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_round_trip() {
        for db in [-120.0f32, -60.0, -6.0, 0.0, 6.0, 24.0] {
            assert!((gain_to_db(db_to_gain(db)) - db).abs() < 1e-4, "{db}");
        }
        assert_eq!(gain_to_db(0.0), MINUS_INFINITY_DB);
        assert!((db_to_gain(-6.0206) - 0.5).abs() < 1e-5);
    }

    #[test]
    fn one_pole_reaches_63_percent_after_time_constant_at_any_rate() {
        for sr in [22_050.0f32, 44_100.0, 96_000.0, 384_000.0] {
            let coef = one_pole_coef(10.0, sr);
            let mut y = 0.0f32;
            let n = (0.010 * sr).round() as usize;
            for _ in 0..n {
                y += (1.0 - coef) * (1.0 - y);
            }
            assert!((y - (1.0 - (-1.0f32).exp())).abs() < 2e-3, "sr {sr}: {y}");
        }
        assert_eq!(one_pole_coef(0.0, 48_000.0), 0.0);
    }

    #[test]
    fn sanitize_removes_subnormal_nan_inf() {
        let mut v = [
            1.0,
            f32::NAN,
            f32::INFINITY,
            -f32::INFINITY,
            1e-40,
            -0.5,
            0.0,
        ];
        sanitize_slice(&mut v);
        assert_eq!(v, [1.0, 0.0, 0.0, 0.0, 0.0, -0.5, 0.0]);
    }
}
