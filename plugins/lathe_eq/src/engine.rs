//! Host-free processing of the Mastering EQ, shared by the plugin, the CLI and the tests.

use shared_dsp::bypass::Bypass;
use shared_dsp::gain::{DEFAULT_SMOOTHING_MS, GainStage};

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct EqSettings {
    pub output_db: f32,
    pub bypass: bool,
}

pub struct EqEngine {
    num_channels: usize,
    output: GainStage,
    bypass: Bypass,
}

impl EqEngine {
    /// May allocate: call from `activate`.
    pub fn new(num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        Self {
            num_channels,
            output: GainStage::new(sample_rate, DEFAULT_SMOOTHING_MS),
            bypass: Bypass::new(num_channels, max_block, 0, sample_rate),
        }
    }

    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Never allocates.
    pub fn set_settings(&mut self, settings: &EqSettings) {
        self.output.set_gain_db(settings.output_db);
        self.bypass.set_bypassed(settings.bypass);
    }

    /// Audio-thread safe.
    pub fn reset(&mut self) {
        self.output.reset();
        self.bypass.reset();
    }

    pub fn latency(&self) -> usize {
        0
    }

    /// Audio-thread safe.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let output = &mut self.output;
        self.bypass.process(channels, |c| output.process(c));
    }
}
