//! What the editor shows, written by the audio thread without allocating or locking: input and
//! output peaks per channel, held until the editor reads them.

use shared_dsp::exchange::MeterValue;

/// Channels metered (the strip is mono or stereo).
pub const METER_CHANNELS: usize = 2;

#[derive(Default)]
pub struct Readout {
    pub input_peak: [MeterValue; METER_CHANNELS],
    pub output_peak: [MeterValue; METER_CHANNELS],
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
}
