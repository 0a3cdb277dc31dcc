//! What the editor shows, written by the audio thread without allocating or locking
//! (docs/ARCHITECTURE.md, "GUI ↔ audio"); kept up to date with the editor closed, so it shows the
//! figures and the recent history the moment it opens.

use crate::engine::{LimiterEngine, METER_CHANNELS};
use shared_dsp::exchange::{HistoryRing, MeterValue, SharedValue};
use shared_dsp::util::gain_to_db;
use std::sync::atomic::{AtomicBool, Ordering};

/// History resolution (gain reduction and waveform envelope), seconds per point.
pub const HISTORY_POINT_S: f32 = 0.02;
/// History length kept, seconds.
pub const HISTORY_S: f32 = 20.0;
/// History lanes: gain reduction (positive dB), input peak (dBFS), output peak (dBFS).
pub const LANE_GR: usize = 0;
pub const LANE_INPUT: usize = 1;
pub const LANE_OUTPUT: usize = 2;

pub struct Readout {
    /// Peaks since the editor last read them (linear).
    pub input_peak: [MeterValue; METER_CHANNELS],
    pub output_peak: [MeterValue; METER_CHANNELS],
    pub output_true_peak: [MeterValue; METER_CHANNELS],
    /// Highest output true peak since the loudness reset, dBTP.
    pub output_true_peak_max_db: SharedValue,
    /// Gain reduction held until the editor reads it (positive dB).
    pub gain_reduction_db: MeterValue,
    pub momentary_lufs: SharedValue,
    pub short_term_lufs: SharedValue,
    pub integrated_lufs: SharedValue,
    pub history: HistoryRing,
    /// Set by the editor's loudness reset button.
    pub reset_loudness: AtomicBool,
    /// Running maxima for the current history point.
    point: [SharedValue; 3],
    point_samples: SharedValue,
}

impl Default for Readout {
    fn default() -> Self {
        Self {
            input_peak: Default::default(),
            output_peak: Default::default(),
            output_true_peak: Default::default(),
            output_true_peak_max_db: SharedValue::new(f32::NEG_INFINITY),
            gain_reduction_db: MeterValue::new(0.0),
            momentary_lufs: SharedValue::new(f32::NEG_INFINITY),
            short_term_lufs: SharedValue::new(f32::NEG_INFINITY),
            integrated_lufs: SharedValue::new(f32::NEG_INFINITY),
            history: HistoryRing::new((HISTORY_S / HISTORY_POINT_S) as usize, 3, f32::NEG_INFINITY),
            reset_loudness: AtomicBool::new(false),
            point: [
                SharedValue::new(0.0),
                SharedValue::new(0.0),
                SharedValue::new(0.0),
            ],
            point_samples: SharedValue::new(0.0),
        }
    }
}

impl Readout {
    /// Publishes the engine's meters after a block of `frames` at `sample_rate`. Audio-thread
    /// safe.
    pub fn publish(&self, engine: &mut LimiterEngine, frames: usize, sample_rate: f32) {
        if self.reset_loudness.swap(false, Ordering::AcqRel) {
            engine.reset_loudness();
            self.output_true_peak_max_db.store(f32::NEG_INFINITY);
        }
        let m = engine.meters();
        for ch in 0..METER_CHANNELS {
            self.input_peak[ch].update_max(m.input_peak[ch]);
            self.output_peak[ch].update_max(m.output_peak[ch]);
        }
        let tp = engine.take_output_true_peak();
        let mut tp_max = self.output_true_peak_max_db.load();
        for (ch, v) in tp.iter().enumerate() {
            self.output_true_peak[ch].update_max(*v);
            tp_max = tp_max.max(gain_to_db(*v));
        }
        self.output_true_peak_max_db.store(tp_max);
        self.gain_reduction_db.update_max(m.gain_reduction_db);
        let (mo, st, int) = engine.output_loudness();
        self.momentary_lufs.store(mo as f32);
        self.short_term_lufs.store(st as f32);
        self.integrated_lufs.store(int as f32);

        // History: the maxima over each HISTORY_POINT_S.
        let inp = m.input_peak.iter().fold(0.0f32, |a, &b| a.max(b));
        let out = m.output_peak.iter().fold(0.0f32, |a, &b| a.max(b));
        let vals = [m.gain_reduction_db, inp, out];
        for (p, v) in self.point.iter().zip(vals) {
            p.store(p.load().max(v));
        }
        let n = self.point_samples.load() + frames as f32;
        if n >= HISTORY_POINT_S * sample_rate {
            self.history.push(&[
                self.point[0].load(),
                gain_to_db(self.point[1].load()),
                gain_to_db(self.point[2].load()),
            ]);
            for p in &self.point {
                p.store(0.0);
            }
            self.point_samples.store(0.0);
        } else {
            self.point_samples.store(n);
        }
    }
}
