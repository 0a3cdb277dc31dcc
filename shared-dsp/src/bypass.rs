//! Host bypass that crossfades and keeps latency.
//!
//! The plugin's processing always runs (so its state is warm when bypass is released); the dry
//! input is captured before it, delayed by the plugin's latency with a
//! [`DelayLine`](crate::util::delay::DelayLine), and crossfaded against the processed signal by an
//! equal-gain [`DryWetMix`](crate::util::crossfade::DryWetMix). Bypassed, the output is the input
//! delayed by exactly the reported latency, so switching never shifts the audio in time.
//!
//! `new` and `prepare` allocate (the dry scratch and delay); `set_*` never allocate; `process`,
//! `capture_dry`, `apply` and `reset` are audio-thread safe. `capture_dry`/`apply` take at most
//! `max_block` frames; `process` splits longer blocks itself.

use crate::util::crossfade::DryWetMix;
use crate::util::delay::DelayLine;
use crate::util::sanitize_slice;

/// Crossfade time of a bypass switch.
pub const BYPASS_FADE_MS: f32 = 20.0;

pub struct Bypass {
    dry: Vec<Vec<f32>>,
    delay: DelayLine,
    mix: DryWetMix,
    bypassed: bool,
}

impl Bypass {
    /// For `num_channels` channels, blocks up to `max_block` frames and latencies up to
    /// `max_latency_samples`. Starts not bypassed.
    pub fn new(
        num_channels: usize,
        max_block: usize,
        max_latency_samples: usize,
        sample_rate: f32,
    ) -> Self {
        let mut mix = DryWetMix::new(1.0, sample_rate);
        mix.set_fade_time(BYPASS_FADE_MS, sample_rate);
        Self {
            dry: vec![vec![0.0; max_block.max(1)]; num_channels],
            delay: DelayLine::new(num_channels, max_latency_samples),
            mix,
            bypassed: false,
        }
    }

    /// Sets the sample rate (the fade time stays [`BYPASS_FADE_MS`]) and the largest block, keeps
    /// the channel count, latency and bypass state, and jumps to that state with a cleared dry
    /// delay (as [`reset`](Self::reset)). Allocates when `max_block` grows.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        for dry in &mut self.dry {
            dry.resize(max_block.max(1), 0.0);
        }
        self.mix.set_fade_time(BYPASS_FADE_MS, sample_rate);
        self.reset();
    }

    /// The latency the dry path is delayed by, in samples (that of the processed path: the
    /// bypass adds none of its own).
    pub fn latency(&self) -> usize {
        self.delay.latency()
    }

    /// Largest block [`capture_dry`](Self::capture_dry) accepts.
    pub fn max_block(&self) -> usize {
        self.dry.first().map_or(0, Vec::len)
    }

    /// The latency of the processed path, which the dry path is delayed to match.
    pub fn set_latency(&mut self, latency_samples: usize) {
        self.delay.set_delay(latency_samples);
    }

    /// Switches bypass on or off; the change crossfades over [`BYPASS_FADE_MS`].
    pub fn set_bypassed(&mut self, bypassed: bool) {
        if bypassed != self.bypassed {
            self.bypassed = bypassed;
            self.mix.set_mix(if bypassed { 0.0 } else { 1.0 });
        }
    }

    /// Jumps to the current bypass state with no fade and clears the dry delay.
    pub fn reset(&mut self) {
        self.mix.reset(if self.bypassed { 0.0 } else { 1.0 });
        self.delay.reset();
    }

    /// True when fully bypassed and not fading.
    pub fn is_fully_bypassed(&self) -> bool {
        self.mix.is_fully_dry()
    }

    /// Runs `wet` (the plugin's processing, in place) on `channels` in chunks of at most
    /// [`max_block`](Self::max_block) frames, crossfading each chunk with its delayed dry input.
    /// Up to 8 channels; any block length.
    pub fn process<F: FnMut(&mut [&mut [f32]])>(
        &mut self,
        channels: &mut [&mut [f32]],
        mut wet: F,
    ) {
        let frames = channels.first().map_or(0, |c| c.len());
        let max = self.max_block().max(1);
        // Fully in with no latency: nothing to delay or mix; the dry copy starts when a switch
        // starts the crossfade (the dry signal is then the input of that block).
        let straight = !self.bypassed && !self.mix.is_fading() && self.delay.latency() == 0;
        if straight && frames <= max {
            wet(channels);
        } else {
            // In chunks either way: `wet` was prepared for `max` frames, whatever the host sends.
            let n = channels.len().min(8);
            let mut start = 0;
            while start < frames {
                let end = (start + max).min(frames);
                let mut chunk: [&mut [f32]; 8] = Default::default();
                for (slot, ch) in chunk.iter_mut().zip(channels.iter_mut()) {
                    *slot = &mut ch[start..end];
                }
                if straight {
                    wet(&mut chunk[..n]);
                } else {
                    self.capture_dry(&chunk[..n]);
                    wet(&mut chunk[..n]);
                    self.apply(&mut chunk[..n]);
                }
                start = end;
            }
        }
        if straight {
            for ch in channels.iter_mut() {
                sanitize_slice(ch);
            }
        }
    }

    /// Copies the block's input as the dry signal, delayed by the latency. Call before
    /// processing. `channels` must not hold more frames than [`max_block`](Self::max_block).
    pub fn capture_dry<S: AsRef<[f32]>>(&mut self, channels: &[S]) {
        let frames = channels.first().map_or(0, |c| c.as_ref().len());
        debug_assert!(frames <= self.max_block());
        let frames = frames.min(self.max_block());
        for (dry, ch) in self.dry.iter_mut().zip(channels) {
            dry[..frames].copy_from_slice(&ch.as_ref()[..frames]);
        }
        let mut dry: [&mut [f32]; 8] = Default::default();
        let n = self.dry.len().min(8);
        for (slot, d) in dry.iter_mut().zip(self.dry.iter_mut()) {
            *slot = &mut d[..frames];
        }
        self.delay.process(&mut dry[..n]);
    }

    /// Crossfades the processed block in `channels` with the captured dry block. Output is
    /// sanitised: a bypassed plugin never passes NaN, infinite or subnormal samples.
    pub fn apply(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels
            .first()
            .map_or(0, |c| c.len())
            .min(self.max_block());
        let mut dry: [&[f32]; 8] = [&[]; 8];
        let n = self.dry.len().min(channels.len()).min(8);
        for (slot, d) in dry.iter_mut().zip(self.dry.iter()) {
            *slot = &d[..frames];
        }
        self.mix.process(&dry[..n], &mut channels[..n]);
        for ch in channels.iter_mut() {
            sanitize_slice(ch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A latent "plugin": delays by `latency` and halves the level.
    struct Latent {
        bypass: Bypass,
        wet_delay: DelayLine,
    }

    impl Latent {
        fn new(latency: usize, max_block: usize) -> Self {
            let mut bypass = Bypass::new(1, max_block, 64, 48_000.0);
            let mut wet_delay = DelayLine::new(1, 64);
            wet_delay.set_delay(latency);
            bypass.set_latency(latency);
            Self { bypass, wet_delay }
        }

        fn run(&mut self, input: &[f32], block: usize) -> Vec<f32> {
            let mut out = Vec::new();
            for chunk in input.chunks(block) {
                let mut buf = chunk.to_vec();
                self.bypass.capture_dry(&[&buf[..]]);
                self.wet_delay.process(&mut [&mut buf[..]]);
                for x in &mut buf {
                    *x *= 0.5;
                }
                self.bypass.apply(&mut [&mut buf[..]]);
                out.extend_from_slice(&buf);
            }
            out
        }
    }

    #[test]
    fn bypassed_output_is_input_delayed_by_latency() {
        let mut p = Latent::new(17, 256);
        p.bypass.set_bypassed(true);
        p.bypass.reset();
        let input: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let out = p.run(&input, 100);
        assert_eq!(&out[17..], &input[..1000 - 17]);
        assert!(out[..17].iter().all(|&x| x == 0.0));
    }

    #[test]
    fn process_splits_long_blocks_like_short_ones() {
        let input: Vec<f32> = (0..3000).map(|i| (i as f32 * 0.013).sin()).collect();
        let mut a = Latent::new(9, 64);
        a.bypass.set_bypassed(true);
        let short = a.run(&input, 64);
        let mut b = Bypass::new(1, 64, 64, 48_000.0);
        b.set_latency(9);
        b.set_bypassed(true);
        let mut wet_delay = DelayLine::new(1, 64);
        wet_delay.set_delay(9);
        let mut long = input.clone();
        b.process(&mut [&mut long[..]], |c| {
            wet_delay.process(c);
            for x in c[0].iter_mut() {
                *x *= 0.5;
            }
        });
        assert_eq!(short, long);
    }

    #[test]
    fn switching_crossfades_without_a_jump() {
        let mut p = Latent::new(5, 64);
        p.bypass.reset();
        let input: Vec<f32> = vec![1.0; 4000];
        let mut out = p.run(&input[..1000], 64);
        p.bypass.set_bypassed(true);
        out.extend(p.run(&input[1000..], 64));
        // Processed level 0.5, bypassed 1.0: the move takes the fade time, in small steps. The
        // fade is the raised cosine of `util::smoothing` (shared-dsp's one fade law): its
        // steepest step is π/2 times the mean step, 0.5 / (20 ms at 48 kHz).
        let max_step = test_support::measure::max_step(&out[100..]);
        let steepest = 0.5 / (0.02 * 48_000.0) * std::f32::consts::FRAC_PI_2;
        assert!(max_step <= steepest * 1.01, "step {max_step}");
        assert!(
            max_step >= steepest * 0.99,
            "step {max_step}: not the raised cosine"
        );
        assert_eq!(out[3999], 1.0);
        assert_eq!(out[999], 0.5);
    }
}
