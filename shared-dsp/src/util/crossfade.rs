//! Dry/wet mixing and bypass crossfading of two time-aligned copies of a signal.
//!
//! The suite's one fade law ([`super::smoothing`]): dry and wet are correlated (the wet path is
//! the dry path processed, its latency compensated with [`super::delay::DelayLine`]), so the
//! gains are equal-gain (`1 − m` and `m`, summing to 1), not equal-power: equal-power gains
//! (cos/sin, summing to √2 at the midpoint) would bulge +3 dB for identical signals (J. D. Reiss
//! & A. McPherson, *Audio Effects: Theory, Implementation and Application*, CRC Press 2015, on
//! parallel/dry-wet mixing). A change of the amount moves along a raised cosine in time
//! ([`Fade`]) of a set length in ms, so its start and end have no corner; at rest the amount is
//! exactly the one set, and fully wet or fully dry the output is bit-exact the wet or dry input.

use super::smoothing::Fade;

/// Equal-gain dry/wet crossfader (also the bypass crossfade: mix 0 = bypassed).
///
/// Allocation: none anywhere (no buffers kept). Any block split gives the same output.
#[derive(Clone, Copy, Debug)]
pub struct DryWetMix {
    fade: Fade,
    fade_samples: usize,
}

impl DryWetMix {
    /// Default crossfade time.
    pub const DEFAULT_FADE_MS: f32 = 20.0;

    /// A mixer resting at `mix` (0 = dry, 1 = wet), fade time [`Self::DEFAULT_FADE_MS`] at
    /// `sample_rate`.
    pub fn new(mix: f32, sample_rate: f32) -> Self {
        let mut m = Self {
            fade: Fade::new(mix.clamp(0.0, 1.0)),
            fade_samples: 0,
        };
        m.set_fade_time(Self::DEFAULT_FADE_MS, sample_rate);
        m
    }

    /// Sets how long a full 0→1 crossfade takes; smaller moves take proportionally less time.
    pub fn set_fade_time(&mut self, fade_ms: f32, sample_rate: f32) {
        self.fade_samples = (fade_ms.max(0.0) * 0.001 * sample_rate).round() as usize;
    }

    /// Sets the mix target (0 = dry, 1 = wet, clamped; NaN counts as 1); the amount fades there
    /// along the raised cosine.
    pub fn set_mix(&mut self, mix: f32) {
        let mix = if mix.is_nan() {
            1.0
        } else {
            mix.clamp(0.0, 1.0)
        };
        let distance = (mix - self.fade.current()).abs();
        let n = (distance * self.fade_samples as f32).ceil() as usize;
        self.fade.set_target(mix, n.max(1));
    }

    /// Jumps to `mix` with no crossfade (on reset).
    pub fn reset(&mut self, mix: f32) {
        self.fade.reset(mix.clamp(0.0, 1.0));
    }

    /// The mix amount now.
    pub fn mix(&self) -> f32 {
        self.fade.current()
    }

    /// True while crossfading.
    pub fn is_fading(&self) -> bool {
        self.fade.is_fading()
    }

    /// True when at rest fully dry (a bypassed plugin may then skip its wet processing, but
    /// should keep its state warm if it wants a clean fade back).
    pub fn is_fully_dry(&self) -> bool {
        !self.is_fading() && self.mix() == 0.0
    }

    /// Mixes in place into `wet`: `wet = (1 - m) * dry + m * wet`, per channel; `dry` and `wet`
    /// must have the same number of channels and frames.
    pub fn process(&mut self, dry: &[&[f32]], wet: &mut [&mut [f32]]) {
        debug_assert_eq!(dry.len(), wet.len());
        if !self.fade.is_fading() {
            let m = self.fade.current();
            if m == 1.0 {
                return;
            }
            for (d, w) in dry.iter().zip(wet.iter_mut()) {
                if m == 0.0 {
                    w.copy_from_slice(&d[..w.len()]);
                } else {
                    for (y, &x) in w.iter_mut().zip(d.iter()) {
                        *y = mix_sample(x, *y, m);
                    }
                }
            }
            return;
        }
        let mut end = self.fade;
        for (d, w) in dry.iter().zip(wet.iter_mut()) {
            let mut ramp = self.fade;
            for (y, &x) in w.iter_mut().zip(d.iter()) {
                *y = mix_sample(x, *y, ramp.next());
            }
            end = ramp;
        }
        if wet.is_empty() {
            return;
        }
        self.fade = end;
    }
}

#[inline]
fn mix_sample(dry: f32, wet: f32, m: f32) -> f32 {
    // Written so m = 1 gives `wet` and m = 0 gives `dry` exactly (for finite input).
    dry * (1.0 - m) + wet * m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_are_bit_exact_and_midpoint_is_equal_gain() {
        let dry = [0.1f32, -0.3, 0.7];
        let wet0 = [0.2f32, 0.9, -0.11];
        let mut mix = DryWetMix::new(1.0, 48_000.0);
        let mut w = wet0;
        mix.process(&[&dry], &mut [&mut w]);
        assert_eq!(w, wet0);
        mix.reset(0.0);
        mix.process(&[&dry], &mut [&mut w]);
        assert_eq!(w, dry);
        mix.reset(0.5);
        let mut w = dry;
        mix.process(&[&dry], &mut [&mut w]);
        assert_eq!(w, dry, "identical dry and wet stay at unity gain at 50 %");
    }
}
