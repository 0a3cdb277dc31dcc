//! Host-free processing of the Channel Strip, shared by the plugin, the CLI and the tests.

use shared_dsp::bypass::Bypass;
use shared_dsp::gain::{DEFAULT_SMOOTHING_MS, GainStage};

/// Plain parameter values the engine runs with (no framework types, so the CLI can use it).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ChannelSettings {
    pub trim_db: f32,
    pub invert: [bool; 2],
    pub output_db: f32,
    pub bypass: bool,
}

pub struct ChannelEngine {
    num_channels: usize,
    gain: GainStage,
    bypass: Bypass,
}

impl ChannelEngine {
    /// May allocate: call from `activate`.
    pub fn new(num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        Self {
            num_channels,
            gain: GainStage::new(sample_rate, DEFAULT_SMOOTHING_MS),
            bypass: Bypass::new(num_channels, max_block, 0, sample_rate),
        }
    }

    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Never allocates.
    pub fn set_settings(&mut self, settings: &ChannelSettings) {
        self.gain.set_gain_db(settings.trim_db + settings.output_db);
        self.gain.set_invert(0, settings.invert[0]);
        self.gain.set_invert(1, settings.invert[1]);
        self.bypass.set_bypassed(settings.bypass);
    }

    /// Audio-thread safe.
    pub fn reset(&mut self) {
        self.gain.reset();
        self.bypass.reset();
    }

    pub fn latency(&self) -> usize {
        0
    }

    /// Audio-thread safe; processes every channel in place.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let gain = &mut self.gain;
        self.bypass.process(channels, |c| gain.process(c));
    }
}
