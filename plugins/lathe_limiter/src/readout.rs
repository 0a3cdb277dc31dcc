//! What the editor shows, written by the audio thread without allocating or locking
//! (docs/ARCHITECTURE.md, "GUI ↔ audio"); kept up to date with the editor closed, so it shows the
//! figures and the recent history the moment it opens.

use crate::engine::{LimiterEngine, METER_CHANNELS};
use shared_dsp::exchange::{HistoryRing, MeterValue, SharedValue};
use shared_dsp::util::{db_to_gain, gain_to_db};
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
    /// Peaks since the editor last read them (linear). The input peak is the level entering the
    /// limiter, after the drive (input gain plus any learned loudness-target gain).
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
        // The engine measures its input before the drive; the drive is a pure gain (the
        // limiter's first stage multiplies by it, glided over 20 ms), so the level entering the
        // gain computer is that peak times the drive. Applying the set drive here instead of
        // inside the engine's block loop is exact once the 20 ms glide has settled, costs one
        // `exp` per block and keeps the engine's meters as they are for the CLI and the tests.
        let drive = db_to_gain(self.drive_db(engine));
        for ch in 0..METER_CHANNELS {
            self.input_peak[ch].update_max(m.input_peak[ch] * drive);
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
        let inp = m.input_peak.iter().fold(0.0f32, |a, &b| a.max(b)) * drive;
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

    /// The drive in front of the limiter, dB: the input gain plus the learned gain when a
    /// loudness target is set (as `LimiterEngine` applies them).
    pub fn drive_db(&self, engine: &LimiterEngine) -> f32 {
        let s = engine.settings();
        let learned = if s.loudness_target_lufs.is_some() {
            engine.learned_gain_db()
        } else {
            0.0
        };
        s.input_db + learned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::LimiterSettings;

    /// The In meter shows what enters the limiter: the input peak after the drive.
    #[test]
    fn input_peak_is_after_the_drive() {
        for drive_db in [0.0f32, 6.0, -12.0] {
            let mut engine = LimiterEngine::new(2, 48_000.0, 256);
            engine.set_settings(&LimiterSettings {
                input_db: drive_db,
                ..Default::default()
            });
            let readout = Readout::default();
            let mut l = vec![0.0f32; 256];
            l[10] = 0.25;
            let mut r = l.clone();
            engine.process(&mut [&mut l[..], &mut r[..]]);
            readout.publish(&mut engine, 256, 48_000.0);
            let shown_db = gain_to_db(readout.input_peak[0].take());
            let expected = gain_to_db(0.25) + drive_db;
            assert!(
                (shown_db - expected).abs() < 0.01,
                "{shown_db} vs {expected}"
            );
        }
    }
}
