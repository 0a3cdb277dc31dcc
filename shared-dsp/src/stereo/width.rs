//! Stereo width by mid/side scaling, with a mono-check switch.
//!
//! With `M = (L + R)/2`, `S = (L − R)/2` and width `w` (0 … 2 for 0 … 200 %), the output is
//! `L' = M + w·S`, `R' = M − w·S`, computed as `L' = L + k(L − R)`, `R' = R − k(L − R)` with
//! `k = (w − 1)/2` so that 100 % returns the input bit-exact; 0 % writes the same `M` into both
//! channels (identical channels, bit-exact); 200 % doubles the side. The mid (mono sum) is never
//! changed, so the control is mono-compatible by construction (Blumlein sum/difference matrix).

use crate::util::Smoother;

/// Width (0–200 %) and mono check for a stereo pair, smoothed (time constant
/// [`StereoWidth::SMOOTHING_MS`]) so moving it or toggling mono never clicks.
///
/// Allocation: none anywhere. `process`/`reset` are audio-thread safe; any block split gives the
/// same output. Stateless in the signal path: a non-finite input sample yields a non-finite output
/// sample at that position only (nothing is poisoned); the plugin's final `sanitize_slice` removes it.
#[derive(Clone, Debug)]
pub struct StereoWidth {
    width_percent: f32,
    mono: bool,
    width: Smoother,
}

impl StereoWidth {
    /// Time constant of the width glide.
    pub const SMOOTHING_MS: f32 = 10.0;

    /// Width 100 % (unchanged), mono check off.
    pub fn new(sample_rate: f32) -> Self {
        let mut w = Self {
            width_percent: 100.0,
            mono: false,
            width: Smoother::new(1.0),
        };
        w.prepare(sample_rate, 0);
        w
    }

    /// Sets the sample rate (the glide time stays [`Self::SMOOTHING_MS`]) and jumps to the
    /// target width. Any block length works (`_max_block` unused). Never allocates.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.width.set_time(Self::SMOOTHING_MS, sample_rate);
        self.reset();
    }

    /// Added latency in samples: none.
    pub fn latency(&self) -> usize {
        0
    }

    /// Sets the width in percent, 0 (mono) … 200 (side doubled); clamped.
    pub fn set_width_percent(&mut self, width_percent: f32) {
        self.width_percent = if width_percent.is_nan() {
            100.0
        } else {
            width_percent.clamp(0.0, 200.0)
        };
        self.update_target();
    }

    /// Mono check: when on, the output is the mono sum `(L + R)/2` in both channels whatever the
    /// width setting.
    pub fn set_mono(&mut self, mono: bool) {
        self.mono = mono;
        self.update_target();
    }

    /// The width (as a factor, 1 = 100 %) applied now, mono check included.
    pub fn current_width(&self) -> f32 {
        self.width.current()
    }

    /// Jumps to the target width (on reset).
    pub fn reset(&mut self) {
        self.width.reset(self.width.target());
    }

    fn update_target(&mut self) {
        let w = if self.mono {
            0.0
        } else {
            self.width_percent * 0.01
        };
        self.width.set_target(w);
    }

    /// Applies width to a stereo pair in place.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        if !self.width.is_smoothing() {
            let w = self.width.current();
            if w == 1.0 {
                return;
            }
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                (*l, *r) = apply_width(w, *l, *r);
            }
            return;
        }
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            (*l, *r) = apply_width(self.width.next(), *l, *r);
        }
    }
}

/// Width `w` (1 = unchanged) applied to one stereo sample; exact at `w` = 0 and 1.
#[inline]
pub fn apply_width(w: f32, l: f32, r: f32) -> (f32, f32) {
    if w == 1.0 {
        (l, r)
    } else if w == 0.0 {
        let m = (l + r) * 0.5;
        (m, m)
    } else {
        let d = (w - 1.0) * 0.5 * (l - r);
        (l + d, r - d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_extremes() {
        assert_eq!(apply_width(1.0, 0.3, -0.7), (0.3, -0.7));
        assert_eq!(apply_width(0.0, 0.25, -0.75), (-0.25, -0.25));
        // 200 %: M = -0.25, S = 0.5 -> S doubled.
        assert_eq!(apply_width(2.0, 0.25, -0.75), (0.75, -1.25));
    }
}
