//! A smoothed gain stage: trim, output gain and drive controls of every plugin.
//!
//! The gain glides in the dB domain with a one-pole smoother ([`crate::util::Smoother`]), so an
//! automation jump at any block size is a smooth exponential move in level, not a click.
//! Nothing allocates: `new`, `prepare`, `set_*`, `process` and `reset` are all audio-thread safe.

use crate::util::{Smoother, db_to_gain, sanitize};

/// Default glide time for gain controls.
pub const DEFAULT_SMOOTHING_MS: f32 = 10.0;

/// A gain applied equally to every channel, smoothed per sample.
#[derive(Clone, Debug)]
pub struct GainStage {
    gain_db: Smoother,
    smoothing_ms: f32,
    /// Per-channel sign, for polarity inversion (`true` = inverted).
    invert: [bool; 8],
}

impl GainStage {
    /// A unity-gain stage gliding over `smoothing_ms`.
    pub fn new(sample_rate: f32, smoothing_ms: f32) -> Self {
        let mut gain_db = Smoother::new(0.0);
        gain_db.set_time(smoothing_ms, sample_rate);
        Self {
            gain_db,
            smoothing_ms,
            invert: [false; 8],
        }
    }

    /// Sets the sample rate (the glide time stays as given to [`new`](Self::new)) and jumps to
    /// the target gain. Any block length works (`_max_block` unused).
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.gain_db.set_time(self.smoothing_ms, sample_rate);
        self.reset();
    }

    /// Added latency in samples: none.
    pub fn latency(&self) -> usize {
        0
    }

    /// Sets the gain to glide to. Never allocates.
    pub fn set_gain_db(&mut self, gain_db: f32) {
        self.gain_db.set_target(gain_db);
    }

    /// Inverts the polarity of channel `ch` (channels beyond 8 follow the last one).
    pub fn set_invert(&mut self, ch: usize, invert: bool) {
        self.invert[ch.min(7)] = invert;
    }

    /// Jumps to the target gain (call on activation/reset, not while playing).
    pub fn reset(&mut self) {
        let target = self.gain_db.target();
        self.gain_db.reset(target);
    }

    /// The gain being applied now, in dB.
    pub fn current_gain_db(&self) -> f32 {
        self.gain_db.current()
    }

    /// Applies the gain in place to every channel. Output is sanitised (no NaN/inf/subnormal).
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let num_samples = channels.first().map_or(0, |c| c.len());
        if !self.gain_db.is_smoothing() {
            let gain = db_to_gain(self.gain_db.current());
            for (ch, samples) in channels.iter_mut().enumerate() {
                let g = if self.invert[ch.min(7)] { -gain } else { gain };
                for x in samples.iter_mut() {
                    *x = sanitize(*x * g);
                }
            }
            return;
        }
        for i in 0..num_samples {
            let gain = db_to_gain(self.gain_db.next());
            for (ch, samples) in channels.iter_mut().enumerate() {
                let g = if self.invert[ch.min(7)] { -gain } else { gain };
                samples[i] = sanitize(samples[i] * g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unity_is_bit_exact_and_inversion_flips() {
        let mut g = GainStage::new(48_000.0, 10.0);
        g.set_invert(1, true);
        let mut l = [0.25f32, -0.5, 1.0];
        let mut r = [0.25f32, -0.5, 1.0];
        g.process(&mut [&mut l, &mut r]);
        assert_eq!(l, [0.25, -0.5, 1.0]);
        assert_eq!(r, [-0.25, 0.5, -1.0]);
    }

    #[test]
    fn block_split_invariant_and_glides() {
        use test_support::Split;
        let sr = 44_100.0;
        let input = test_support::signals::sine(70.0, sr as f64, 1.0, 30.0, 4096);
        let splits = [
            Split::Whole,
            Split::Fixed(37),
            Split::PER_SAMPLE,
            Split::Random { seed: 1, max: 500 },
        ];
        let stage = || {
            let mut g = GainStage::new(sr, 10.0);
            g.set_gain_db(-12.0);
            g
        };
        let whole =
            test_support::blocks::assert_split_invariant(&[&input], &splits, &[], 0.0, || {
                let mut g = stage();
                move |ch: &mut [&mut [f32]], _: usize| g.process(ch)
            });
        // No step larger than the glide allows: the first output sample is still near unity.
        assert!((whole[0][1] / input[1] - 1.0).abs() < 0.01);
        let mut a = stage();
        a.process(&mut [&mut input.clone()]);
        assert!((a.current_gain_db() + 12.0).abs() < 0.01);
    }
}
