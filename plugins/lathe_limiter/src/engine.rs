//! Host-free processing of the Limiter, shared by the plugin, the CLI and the tests.
//!
//! Foundation stage: input drive, the lookahead delay (reported as latency) and a sample-peak
//! safety clip at the ceiling. The lookahead gain computer from `shared-dsp` replaces the clip
//! in the limiter issue; the latency contract is already the final one.

use shared_dsp::bypass::Bypass;
use shared_dsp::gain::{DEFAULT_SMOOTHING_MS, GainStage};
use shared_dsp::util::delay::DelayLine;
use shared_dsp::util::{db_to_gain, ms_to_samples};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LimiterSettings {
    pub input_db: f32,
    pub ceiling_db: f32,
    pub lookahead_ms: f32,
    pub release_ms: f32,
    pub bypass: bool,
}

impl Default for LimiterSettings {
    fn default() -> Self {
        Self {
            input_db: 0.0,
            ceiling_db: -1.0,
            lookahead_ms: 1.5,
            release_ms: 100.0,
            bypass: false,
        }
    }
}

/// Longest lookahead the parameter allows, for preallocation.
pub const MAX_LOOKAHEAD_MS: f32 = 10.0;

pub struct LimiterEngine {
    sample_rate: f32,
    drive: GainStage,
    ceiling_gain: f32,
    lookahead: DelayLine,
    bypass: Bypass,
}

impl LimiterEngine {
    /// May allocate: call from `activate`.
    pub fn new(num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        let max_latency = ms_to_samples(MAX_LOOKAHEAD_MS as f64, sample_rate as f64);
        let mut engine = Self {
            sample_rate,
            drive: GainStage::new(sample_rate, DEFAULT_SMOOTHING_MS),
            ceiling_gain: db_to_gain(-1.0),
            lookahead: DelayLine::new(num_channels, max_latency),
            bypass: Bypass::new(num_channels, max_block, max_latency, sample_rate),
        };
        engine.set_settings(&LimiterSettings::default());
        engine
    }

    /// Never allocates. Changing the lookahead changes [`LimiterEngine::latency`].
    pub fn set_settings(&mut self, settings: &LimiterSettings) {
        self.drive.set_gain_db(settings.input_db);
        self.ceiling_gain = db_to_gain(settings.ceiling_db);
        self.lookahead.set_delay(ms_to_samples(
            settings.lookahead_ms as f64,
            self.sample_rate as f64,
        ));
        self.bypass.set_latency(self.lookahead.latency());
        self.bypass.set_bypassed(settings.bypass);
    }

    /// Latency in samples: the lookahead.
    pub fn latency(&self) -> usize {
        self.lookahead.latency()
    }

    /// Audio-thread safe.
    pub fn reset(&mut self) {
        self.drive.reset();
        self.lookahead.reset();
        self.bypass.reset();
    }

    /// Audio-thread safe.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let (drive, lookahead, ceiling) = (&mut self.drive, &mut self.lookahead, self.ceiling_gain);
        self.bypass.process(channels, |c| {
            drive.process(c);
            lookahead.process(c);
            for ch in c.iter_mut() {
                for x in ch.iter_mut() {
                    *x = x.clamp(-ceiling, ceiling);
                }
            }
        });
    }
}
