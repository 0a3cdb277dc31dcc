//! Host-free processing of the Limiter, shared by the plugin, the CLI and the tests.
//!
//! Foundation stage: input drive, the lookahead delay (reported as latency) and a sample-peak
//! safety clip at the ceiling. The lookahead gain computer from `shared-dsp` replaces the clip
//! in the limiter issue; the latency contract is already the final one.

use shared_dsp::gain::{DEFAULT_SMOOTHING_MS, GainStage};
use shared_dsp::util::{db_to_gain, ms_to_samples};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LimiterSettings {
    pub input_db: f32,
    pub ceiling_db: f32,
    pub lookahead_ms: f32,
    pub release_ms: f32,
}

impl Default for LimiterSettings {
    fn default() -> Self {
        Self {
            input_db: 0.0,
            ceiling_db: -1.0,
            lookahead_ms: 1.5,
            release_ms: 100.0,
        }
    }
}

/// Longest lookahead the parameter allows, for preallocation.
pub const MAX_LOOKAHEAD_MS: f32 = 10.0;

pub struct LimiterEngine {
    sample_rate: f32,
    drive: GainStage,
    ceiling_gain: f32,
    /// One ring per channel, sized for the longest lookahead.
    delay: Vec<Vec<f32>>,
    write_pos: usize,
    delay_samples: usize,
}

impl LimiterEngine {
    /// May allocate: call from `activate`.
    pub fn new(num_channels: usize, sample_rate: f32, _max_block: usize) -> Self {
        let capacity = ms_to_samples(MAX_LOOKAHEAD_MS as f64, sample_rate as f64) + 1;
        let mut engine = Self {
            sample_rate,
            drive: GainStage::new(sample_rate, DEFAULT_SMOOTHING_MS),
            ceiling_gain: db_to_gain(-1.0),
            delay: vec![vec![0.0; capacity]; num_channels],
            write_pos: 0,
            delay_samples: 0,
        };
        engine.set_settings(&LimiterSettings::default());
        engine
    }

    /// Never allocates. Changing the lookahead changes [`LimiterEngine::latency`].
    pub fn set_settings(&mut self, settings: &LimiterSettings) {
        self.drive.set_gain_db(settings.input_db);
        self.ceiling_gain = db_to_gain(settings.ceiling_db);
        let capacity = self.delay.first().map_or(1, Vec::len);
        self.delay_samples = ms_to_samples(settings.lookahead_ms as f64, self.sample_rate as f64)
            .min(capacity - 1);
    }

    /// Latency in samples: the lookahead.
    pub fn latency(&self) -> usize {
        self.delay_samples
    }

    /// Audio-thread safe.
    pub fn reset(&mut self) {
        self.drive.reset();
        for ring in &mut self.delay {
            ring.fill(0.0);
        }
        self.write_pos = 0;
    }

    /// Audio-thread safe.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.drive.process(channels);
        let num_samples = channels.first().map_or(0, |c| c.len());
        let capacity = self.delay.first().map_or(1, Vec::len);
        for i in 0..num_samples {
            let read_pos = (self.write_pos + capacity - self.delay_samples) % capacity;
            for (samples, ring) in channels.iter_mut().zip(self.delay.iter_mut()) {
                ring[self.write_pos] = samples[i];
                samples[i] = ring[read_pos].clamp(-self.ceiling_gain, self.ceiling_gain);
            }
            self.write_pos = (self.write_pos + 1) % capacity;
        }
    }
}
