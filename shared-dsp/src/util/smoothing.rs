//! The suite's parameter smoothers, in one place: how a value moves from where it is to a new
//! target without a click. Two members, for two kinds of change:
//!
//! - [`Smoother`]: a one-pole (exponential) glide with a time constant in ms, for continuous
//!   settings (gains in dB, frequencies, thresholds, ratios, mix amounts). It can be re-aimed at
//!   any moment and never overshoots; its coefficient comes from the sample rate and the time
//!   (`exp(-1 / (τ·fs))`, [`one_pole_coef`]), so a glide takes the same time at every rate.
//! - [`Fade`]: a move of a fixed length along the raised cosine [`fade_shape`], for switches
//!   and crossfades (a section on/off, a filter slope change, a polarity flip, bypass, an order
//!   change): it lands exactly on its target in a known time, which a crossfade between two
//!   signals needs.
//! - [`LinearRamp`]: the same fixed-length move in equal steps, for values that must change at a
//!   constant rate. A crossfade between two signals should use [`Fade`] (the fade law below).
//!
//! **The one fade law.** Every fade in the suite is equal-gain (the two signals' gains sum to
//! 1, since they are correlated: the same program processed or not, so equal-power gains would
//! bulge by up to +3 dB at the midpoint; J. D. Reiss & A. McPherson, *Audio Effects*, CRC Press
//! 2015, on dry/wet mixing) and moves along a raised cosine in time, `0.5 − 0.5·cos(π·u)`. A
//! linear move starts and stops with a step in its slope; the raised cosine starts and ends
//! with zero slope, so its spectrum falls off as 1/f³ instead of 1/f² and a 10–20 ms fade is
//! inaudible as an event of its own (the Hann window's argument; F. J. Harris, "On the use of
//! windows for harmonic analysis with the discrete Fourier transform", Proc. IEEE 66(1), 1978).
//!
//! Not a member: the dynamics' attack/release ballistics ([`crate::dynamics::ballistics`]),
//! which follow a signal's envelope (a reduction that changes every sample) rather than glide a
//! setting to a target.
//!
//! Everything here is `Copy`, allocation-free and audio-thread safe; per-sample stepping, so any
//! block split gives the same values.

use super::one_pole_coef;

/// A one-pole (exponential) smoother towards a target, with its time constant in milliseconds.
///
/// Continuous settings: used inside DSP blocks to glide coefficients' inputs (frequency in log2 Hz, gain in dB, Q in
/// log2) so that a parameter jump at any block size makes no click or zipper noise. It snaps to
/// the target once within `SNAP` of it, so a settled smoother costs one compare per sample.
#[derive(Clone, Copy, Debug)]
pub struct Smoother {
    coef: f32,
    current: f32,
    target: f32,
}

impl Smoother {
    /// Closer than this to the target the smoother jumps onto it.
    const SNAP: f32 = 1e-6;

    /// A smoother resting at `value`. Call [`Smoother::set_time`] before use.
    pub fn new(value: f32) -> Self {
        Self {
            coef: 0.0,
            current: value,
            target: value,
        }
    }

    /// Sets the time constant. Never allocates.
    pub fn set_time(&mut self, time_ms: f32, sample_rate: f32) {
        self.coef = one_pole_coef(time_ms, sample_rate);
    }

    /// Sets a new target; the output glides towards it.
    #[inline]
    pub fn set_target(&mut self, target: f32) {
        self.target = target;
    }

    /// Jumps to `value` with no glide (on reset, or when processing starts).
    #[inline]
    pub fn reset(&mut self, value: f32) {
        self.current = value;
        self.target = value;
    }

    /// The value now, without advancing.
    #[inline]
    pub fn current(&self) -> f32 {
        self.current
    }

    /// The value being glided to.
    #[inline]
    pub fn target(&self) -> f32 {
        self.target
    }

    /// True while the output has not reached the target.
    #[inline]
    pub fn is_smoothing(&self) -> bool {
        self.current != self.target
    }

    /// Advances one sample and returns the new value.
    #[inline]
    #[allow(clippy::should_implement_trait)] // never ends, so not an Iterator
    pub fn next(&mut self) -> f32 {
        if self.current != self.target {
            let next = self.target + self.coef * (self.current - self.target);
            // Snap when close, or when float rounding stops the glide short of the target.
            if next == self.current
                || (next - self.target).abs() <= Self::SNAP * self.target.abs().max(1.0)
            {
                self.current = self.target;
            } else {
                self.current = next;
            }
        }
        self.current
    }

    /// Advances `num_samples` samples at once (exactly what that many `next` calls would give,
    /// up to rounding) and returns the new value.
    #[inline]
    pub fn skip(&mut self, num_samples: usize) -> f32 {
        if self.current != self.target {
            let k = self.coef.powi(num_samples.min(i32::MAX as usize) as i32);
            self.current = self.target + k * (self.current - self.target);
            if (self.current - self.target).abs() <= Self::SNAP * self.target.abs().max(1.0) {
                self.current = self.target;
            }
        }
        self.current
    }
}

/// A value that moves linearly to its target in a given number of samples and then holds it
/// exactly. Per-sample stepping, so any block split gives the same values. `Copy`, no allocation.
#[derive(Clone, Copy, Debug)]
pub struct LinearRamp {
    current: f32,
    target: f32,
    step: f32,
    remaining: u32,
}

impl LinearRamp {
    /// A ramp resting at `value`.
    pub fn new(value: f32) -> Self {
        Self {
            current: value,
            target: value,
            step: 0.0,
            remaining: 0,
        }
    }

    /// Starts a ramp from the current value to `target` lasting `num_samples` samples (0: jump).
    #[inline]
    pub fn set_target(&mut self, target: f32, num_samples: usize) {
        if target == self.target && (self.remaining > 0 || self.current == target) {
            return;
        }
        self.target = target;
        if num_samples == 0 || self.current == target {
            self.current = target;
            self.remaining = 0;
        } else {
            let n = num_samples.min(u32::MAX as usize) as u32;
            self.step = (target - self.current) / n as f32;
            self.remaining = n;
        }
    }

    /// Jumps to `value` with no ramp.
    #[inline]
    pub fn reset(&mut self, value: f32) {
        self.current = value;
        self.target = value;
        self.remaining = 0;
    }

    /// The value now.
    #[inline]
    pub fn current(&self) -> f32 {
        self.current
    }

    /// The value being ramped to.
    #[inline]
    pub fn target(&self) -> f32 {
        self.target
    }

    /// True while ramping.
    #[inline]
    pub fn is_ramping(&self) -> bool {
        self.remaining > 0
    }

    /// Advances one sample and returns the new value; the last step lands exactly on the target.
    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next(&mut self) -> f32 {
        if self.remaining > 0 {
            self.remaining -= 1;
            self.current = if self.remaining == 0 {
                self.target
            } else {
                self.current + self.step
            };
        }
        self.current
    }
}

/// The fade law: the raised-cosine position of a fade `u` (0 … 1, clamped) of the way through,
/// from 0 to 1 with zero slope at both ends (see the module doc).
#[inline]
pub fn fade_shape(u: f32) -> f32 {
    0.5 - 0.5 * (std::f32::consts::PI * u.clamp(0.0, 1.0)).cos()
}

/// `f64` twin of [`fade_shape`].
#[inline]
pub fn fade_shape_f64(u: f64) -> f64 {
    0.5 - 0.5 * (std::f64::consts::PI * u.clamp(0.0, 1.0)).cos()
}

/// A value that moves from where it is to its target in a given number of samples along the
/// raised cosine ([`fade_shape`]), then holds the target exactly. A new target mid-fade starts a
/// new fade from the value reached (with zero slope again, so a turned-round fade has no corner
/// either).
#[derive(Clone, Copy, Debug)]
pub struct Fade {
    start: f32,
    current: f32,
    target: f32,
    len: u32,
    left: u32,
}

impl Fade {
    /// A fade resting at `value`.
    pub fn new(value: f32) -> Self {
        Self {
            start: value,
            current: value,
            target: value,
            len: 0,
            left: 0,
        }
    }

    /// The length in samples of a fade of `time_ms` at `sample_rate` (at least 1).
    pub fn samples_for_ms(time_ms: f32, sample_rate: f32) -> usize {
        ((time_ms.max(0.0) * 0.001 * sample_rate).round() as usize).max(1)
    }

    /// Starts a fade from the value now to `target` lasting `num_samples` samples (0: jump). The
    /// same target again changes nothing.
    #[inline]
    pub fn set_target(&mut self, target: f32, num_samples: usize) {
        if target == self.target && (self.left > 0 || self.current == target) {
            return;
        }
        self.target = target;
        self.start = self.current;
        if num_samples == 0 || self.current == target {
            self.current = target;
            self.left = 0;
        } else {
            self.len = num_samples.min(u32::MAX as usize) as u32;
            self.left = self.len;
        }
    }

    /// Jumps to `value` with no fade.
    #[inline]
    pub fn reset(&mut self, value: f32) {
        self.start = value;
        self.current = value;
        self.target = value;
        self.left = 0;
    }

    /// The value now.
    #[inline]
    pub fn current(&self) -> f32 {
        self.current
    }

    /// The value being faded to.
    #[inline]
    pub fn target(&self) -> f32 {
        self.target
    }

    /// True while fading.
    #[inline]
    pub fn is_fading(&self) -> bool {
        self.left > 0
    }

    /// Advances one sample and returns the new value; the last step lands exactly on the target.
    #[allow(clippy::should_implement_trait)] // never ends, so not an Iterator
    #[inline]
    pub fn next(&mut self) -> f32 {
        if self.left > 0 {
            self.left -= 1;
            self.current = if self.left == 0 {
                self.target
            } else {
                let u = 1.0 - self.left as f32 / self.len as f32;
                self.start + (self.target - self.start) * fade_shape(u)
            };
        }
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoother_glides_with_time_constant_and_settles() {
        let sr = 48_000.0;
        let mut s = Smoother::new(0.0);
        s.set_time(5.0, sr);
        s.set_target(1.0);
        let n = (0.005 * sr) as usize;
        let mut y = 0.0;
        for _ in 0..n {
            y = s.next();
        }
        assert!((y - 0.632).abs() < 0.01, "{y}");
        for _ in 0..(sr as usize) {
            s.next();
        }
        assert_eq!(s.current(), 1.0);
        assert!(!s.is_smoothing());
        let mut a = Smoother::new(2.0);
        let mut b = Smoother::new(2.0);
        a.set_time(10.0, sr);
        b.set_time(10.0, sr);
        a.set_target(-3.0);
        b.set_target(-3.0);
        for _ in 0..100 {
            a.next();
        }
        assert!((a.current() - b.skip(100)).abs() < 1e-4);
    }

    #[test]
    fn ramp_is_linear_and_lands_exactly() {
        let mut r = LinearRamp::new(0.0);
        r.set_target(1.0, 4);
        let v: Vec<f32> = (0..6).map(|_| r.next()).collect();
        assert_eq!(v, [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]);
        assert!(!r.is_ramping());
        r.set_target(0.3, 0);
        assert_eq!(r.next(), 0.3);
    }

    #[test]
    fn fade_is_a_raised_cosine_that_lands_exactly() {
        let mut f = Fade::new(0.0);
        f.set_target(1.0, 4);
        let v: Vec<f32> = (0..6).map(|_| f.next()).collect();
        let expected = [
            fade_shape(0.25),
            fade_shape(0.5),
            fade_shape(0.75),
            1.0,
            1.0,
            1.0,
        ];
        assert_eq!(v, expected);
        assert!((v[1] - 0.5).abs() < 1e-6);
        assert!(!f.is_fading());
        // Zero slope at both ends: the first and last steps are the smallest.
        let mut f = Fade::new(-1.0);
        f.set_target(1.0, 480);
        let mut prev = -1.0f32;
        let steps: Vec<f32> = (0..480)
            .map(|_| {
                let y = f.next();
                let d = y - prev;
                prev = y;
                d
            })
            .collect();
        let peak = steps.iter().copied().fold(0.0, f32::max);
        assert!((peak - std::f32::consts::PI / 480.0).abs() < 1e-4, "{peak}");
        assert!(steps[0] < 0.01 * peak && steps[479] < 0.01 * peak);
        f.set_target(0.3, 0);
        assert_eq!(f.next(), 0.3);
    }
}
