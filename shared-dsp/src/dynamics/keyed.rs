//! The per-channel machinery the compressor and the gate share: a key (sidechain filter and
//! level detector, [`super::sidechain::KeyChannel`]), the ballistics of the reduction
//! ([`super::ballistics::GainSmoother`]), the lookahead delay of the program
//! ([`super::delay::LookaheadDelay`]), and the reduction meters. Each block keeps its own
//! gain computer and its own per-sample loop; this holds what they have in common.
//!
//! Allocation: [`KeyedChannels::new`] allocates; everything else never does.

use super::ballistics::GainSmoother;
use super::delay::LookaheadDelay;
use super::detector::DetectorMode;
use super::sidechain::KeyChannel;
use crate::util::ms_to_samples;

/// Longest lookahead any dynamics block offers, in ms.
pub const MAX_LOOKAHEAD_MS: f32 = 10.0;

/// One channel's key, ballistics, lookahead and meter.
#[derive(Clone, Debug)]
pub(crate) struct KeyedChannel {
    pub key: KeyChannel,
    pub smoother: GainSmoother,
    pub delay: LookaheadDelay,
    pub gain_reduction_db: f32,
}

/// Every channel of a dynamics block, the detector levels of the current sample, the lookahead
/// in use and the reduction peak since the meter last read it.
#[derive(Clone, Debug)]
pub(crate) struct KeyedChannels {
    pub channels: Vec<KeyedChannel>,
    /// Detector levels of the current sample (linear amplitude).
    pub levels: Vec<f32>,
    pub lookahead_samples: usize,
    pub max_gain_reduction_db: f32,
}

impl KeyedChannels {
    /// `num_channels` channels with room for [`MAX_LOOKAHEAD_MS`] at `sample_rate`. Allocates.
    pub fn new(num_channels: usize, sample_rate: f32) -> Self {
        let max_delay = Self::max_delay(sample_rate);
        Self {
            channels: (0..num_channels)
                .map(|_| KeyedChannel {
                    key: KeyChannel::default(),
                    smoother: GainSmoother::new(),
                    delay: LookaheadDelay::new(max_delay),
                    gain_reduction_db: 0.0,
                })
                .collect(),
            levels: vec![0.0; num_channels],
            lookahead_samples: 0,
            max_gain_reduction_db: 0.0,
        }
    }

    fn max_delay(sample_rate: f32) -> usize {
        ms_to_samples(MAX_LOOKAHEAD_MS as f64, sample_rate as f64)
    }

    /// Whether the lookahead buffers were sized for another sample rate.
    pub fn sized_for(&self, sample_rate: f32) -> bool {
        self.channels
            .first()
            .is_none_or(|c| c.delay.max_delay() == Self::max_delay(sample_rate))
    }

    /// Sets every channel's key filter and detector.
    pub fn configure_keys(
        &mut self,
        sample_rate: f32,
        sidechain_hpf_hz: f32,
        detector: DetectorMode,
        rms_window_ms: f32,
        peak_release_ms: f32,
    ) {
        for ch in &mut self.channels {
            ch.key.configure(
                sample_rate,
                sidechain_hpf_hz,
                detector,
                rms_window_ms,
                peak_release_ms,
            );
        }
    }

    /// Sets the lookahead (clamped to 0 … [`MAX_LOOKAHEAD_MS`] and to the buffers).
    pub fn set_lookahead_ms(&mut self, lookahead_ms: f32, sample_rate: f32) {
        let ms = if lookahead_ms.is_finite() {
            lookahead_ms.clamp(0.0, MAX_LOOKAHEAD_MS)
        } else {
            0.0
        };
        let max_delay = self.channels.first().map_or(0, |c| c.delay.max_delay());
        self.lookahead_samples = ms_to_samples(ms as f64, sample_rate as f64).min(max_delay);
        for ch in &mut self.channels {
            ch.delay.set_delay(self.lookahead_samples);
        }
    }

    /// Feeds sample `i` of the key into the first `nch` detectors and returns the loudest
    /// level (linear); the per-channel levels land in `levels`. `key`: `None` = the program
    /// `channels` itself, `Some` = an external sidechain, key channel `c` driving channel `c` (a
    /// mono key drives every channel; past a key slice's end it reads as silence).
    #[inline]
    pub fn detect(
        &mut self,
        channels: &[&mut [f32]],
        key: Option<&[&[f32]]>,
        i: usize,
        nch: usize,
    ) -> f32 {
        let mut max_level = 0.0f32;
        for c in 0..nch {
            let x = match key {
                Some(k) => k[c.min(k.len() - 1)].get(i).copied().unwrap_or(0.0),
                None => channels[c][i],
            };
            let level = self.channels[c].key.process_sample(x);
            self.levels[c] = level;
            max_level = max_level.max(level);
        }
        max_level
    }

    /// Clears keys, ballistics, lookahead, levels and meters.
    pub fn reset(&mut self) {
        for ch in &mut self.channels {
            ch.key.reset();
            ch.smoother.reset();
            ch.delay.reset();
            ch.gain_reduction_db = 0.0;
        }
        self.levels.fill(0.0);
        self.max_gain_reduction_db = 0.0;
    }

    /// Gain reduction now, in dB ≥ 0, the most of any channel.
    pub fn gain_reduction_db(&self) -> f32 {
        self.channels
            .iter()
            .map(|c| c.gain_reduction_db)
            .fold(0.0, f32::max)
    }

    /// Gain reduction now of one channel, in dB (0 for a channel that does not exist).
    pub fn channel_gain_reduction_db(&self, channel: usize) -> f32 {
        self.channels
            .get(channel)
            .map_or(0.0, |c| c.gain_reduction_db)
    }

    /// The most reduction since the last call, then starts a new interval at the present one.
    pub fn take_max_gain_reduction_db(&mut self) -> f32 {
        let m = self.max_gain_reduction_db;
        self.max_gain_reduction_db = self.gain_reduction_db();
        m
    }

    /// Records a channel's reduction of this sample for the meters.
    #[inline]
    pub fn meter(&mut self, channel: usize, gain_reduction_db: f32) {
        self.channels[channel].gain_reduction_db = gain_reduction_db;
        if gain_reduction_db > self.max_gain_reduction_db {
            self.max_gain_reduction_db = gain_reduction_db;
        }
    }
}
