//! What the editor shows, written by the audio thread without allocating or locking: input and
//! output peaks per channel, gate and compressor gain reduction (held until the editor reads
//! them), the compressor detector's level (the transfer-curve dot) and the gate's open state.

use crate::engine::ChannelEngine;
use shared_dsp::exchange::{MeterValue, SharedValue};

/// Channels metered (the strip is mono or stereo).
pub const METER_CHANNELS: usize = 2;

pub struct Readout {
    pub input_peak: [MeterValue; METER_CHANNELS],
    pub output_peak: [MeterValue; METER_CHANNELS],
    /// Gain reductions, positive dB, the most since the editor's last read.
    pub gate_gr_db: MeterValue,
    pub comp_gr_db: MeterValue,
    /// Compressor detector level now, dBFS (−∞ when the compressor is off).
    pub comp_level_db: SharedValue,
    /// 1 while the gate is open (or off), 0 while closed.
    pub gate_open: SharedValue,
    /// The sample rate the plugin was activated at (the editor's curves use it).
    pub sample_rate: SharedValue,
}

impl Default for Readout {
    fn default() -> Self {
        Self {
            input_peak: Default::default(),
            output_peak: Default::default(),
            gate_gr_db: MeterValue::new(0.0),
            comp_gr_db: MeterValue::new(0.0),
            comp_level_db: SharedValue::new(f32::NEG_INFINITY),
            gate_open: SharedValue::new(1.0),
            sample_rate: SharedValue::new(48_000.0),
        }
    }
}

impl Readout {
    /// Records a block's input (before processing). Audio-thread safe.
    pub fn input(&self, channels: &[&mut [f32]]) {
        for (m, c) in self.input_peak.iter().zip(channels) {
            m.update_max_abs_of(c);
        }
    }

    /// Records a block's output. Audio-thread safe.
    pub fn output(&self, channels: &[&mut [f32]]) {
        for (m, c) in self.output_peak.iter().zip(channels) {
            m.update_max_abs_of(c);
        }
    }

    /// Records the dynamics' meters after a block. Audio-thread safe.
    pub fn dynamics(&self, engine: &mut ChannelEngine) {
        self.gate_gr_db
            .update_max(engine.take_gate_gain_reduction_db());
        self.comp_gr_db
            .update_max(engine.take_comp_gain_reduction_db());
        self.comp_level_db.store(engine.comp_input_level_db());
        self.gate_open
            .store(if engine.gate_open() { 1.0 } else { 0.0 });
    }
}
