//! What the editor shows, written by the audio thread without allocating or waiting, read by the
//! editor at display rate (docs/ARCHITECTURE.md, "GUI ↔ audio").
//!
//! Single figures are [`SharedValue`]s (last written wins) and [`MeterValue`]s (peak held until
//! the editor takes it, so a bar never misses a peak between two frames). The loudness history
//! is a [`HistoryRing`]: a fixed ring of atomic floats the audio thread keeps writing whether the
//! editor is open or not, so the graph is complete the moment the editor opens (a FIFO would fill
//! up and drop the newest points while nobody reads it).

use shared_dsp::exchange::{HistoryRing, MeterValue, SharedValue};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// History lane of the momentary loudness (highest evaluation of each 100 ms step), LUFS.
pub const HISTORY_MOMENTARY: usize = 0;
/// History lane of the short-term loudness at the end of each 100 ms step, LUFS.
pub const HISTORY_SHORT_TERM: usize = 1;

/// Most channels the meter takes (5.1).
pub const MAX_CHANNELS: usize = 6;
/// History resolution: one point per 100 ms (one gating-block hop).
pub const HISTORY_POINTS_PER_SECOND: usize = 10;
/// History length: the last 10 minutes.
pub const HISTORY_SECONDS: usize = 600;
/// Floor for dB cells that rest at "nothing": shown as "-inf".
pub const FLOOR_DB: f32 = f32::NEG_INFINITY;

/// Everything the editor displays. Create once in `Plugin::default` and share as `Arc<Readout>`.
#[derive(Debug)]
pub struct Readout {
    /// Momentary loudness (400 ms), LUFS, latest evaluation.
    pub momentary: SharedValue,
    /// Highest momentary loudness since the editor last took it (for the bar), LUFS.
    pub momentary_peak: MeterValue,
    /// Short-term loudness (3 s), LUFS.
    pub short_term: SharedValue,
    /// Integrated loudness since the last reset, LUFS (`-inf` until gated blocks exist).
    pub integrated: SharedValue,
    /// Loudness range since the last reset, LU.
    pub loudness_range: SharedValue,
    /// Max momentary / short-term since the last reset, LUFS.
    pub max_momentary: SharedValue,
    pub max_short_term: SharedValue,
    /// Highest true peak over all channels since the last reset, dBTP.
    pub true_peak_max: SharedValue,
    /// Highest true peak per channel since the last reset, dBTP.
    pub true_peak_channel_max: [SharedValue; MAX_CHANNELS],
    /// True peak per channel since the editor last took it (for the bars), linear.
    pub true_peak_now: [MeterValue; MAX_CHANNELS],
    /// Highest sample peak over all channels since the last reset, dBFS.
    pub sample_peak_max: SharedValue,
    /// Peak-to-loudness ratio (true-peak max − integrated), dB; NaN until both exist.
    pub plr: SharedValue,
    /// Stereo correlation −1…+1 (0 for mono input).
    pub correlation: SharedValue,
    /// Balance −1 (left)…+1 (right), and the same as an energy ratio in dB.
    pub balance: SharedValue,
    pub balance_db: SharedValue,
    /// Seconds measured since the last reset.
    pub elapsed_seconds: SharedValue,
    /// Channels the plugin runs with (1, 2 or 6).
    pub num_channels: AtomicU32,
    /// Whether the meter is measuring (false while paused).
    pub running: AtomicBool,
    /// Set by the editor, taken by the audio thread: start a new measurement.
    pub reset_request: AtomicBool,
    /// Momentary and short-term loudness (lanes [`HISTORY_MOMENTARY`], [`HISTORY_SHORT_TERM`]),
    /// one point per 100 ms, the last 10 minutes.
    pub history: HistoryRing,
}

impl Default for Readout {
    fn default() -> Self {
        let db = || SharedValue::new(FLOOR_DB);
        Self {
            momentary: db(),
            momentary_peak: MeterValue::new(FLOOR_DB),
            short_term: db(),
            integrated: db(),
            loudness_range: SharedValue::new(0.0),
            max_momentary: db(),
            max_short_term: db(),
            true_peak_max: db(),
            true_peak_channel_max: std::array::from_fn(|_| db()),
            true_peak_now: std::array::from_fn(|_| MeterValue::new(0.0)),
            sample_peak_max: db(),
            plr: SharedValue::new(f32::NAN),
            correlation: SharedValue::new(0.0),
            balance: SharedValue::new(0.0),
            balance_db: SharedValue::new(0.0),
            elapsed_seconds: SharedValue::new(0.0),
            num_channels: AtomicU32::new(2),
            running: AtomicBool::new(true),
            reset_request: AtomicBool::new(false),
            history: HistoryRing::new(
                HISTORY_SECONDS * HISTORY_POINTS_PER_SECOND,
                2,
                f32::NEG_INFINITY,
            ),
        }
    }
}

impl Readout {
    /// Editor side: asks the audio thread to start a new measurement.
    pub fn request_reset(&self) {
        self.reset_request.store(true, Ordering::Relaxed);
    }

    /// Audio side: a new measurement starts; forgets the history and the held bar peaks.
    pub fn clear(&self) {
        self.history.clear();
        self.momentary_peak.reset();
        for v in &self.true_peak_now {
            v.reset();
        }
    }

    /// Whether the loudness range is still provisional: EBU Tech 3342 needs a programme of some
    /// length; the meter flags the first 60 s.
    pub fn lra_provisional(&self) -> bool {
        self.elapsed_seconds.load() < 60.0
    }
}
