//! What the editor shows, written by the audio thread without allocating or waiting, read by the
//! editor at display rate (CONVENTIONS.md, "GUI ↔ audio").
//!
//! Single figures are [`SharedValue`]s (last written wins) and [`MeterValue`]s (peak held until
//! the editor takes it, so a bar never misses a peak between two frames). The loudness history
//! is a [`HistoryRing`]: a fixed ring of atomic words the audio thread keeps writing whether the
//! editor is open or not, so the graph is complete the moment the editor opens (a FIFO would fill
//! up and drop the newest points while nobody reads it).

use shared_dsp::exchange::{MeterValue, SharedValue};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// Most channels the meter takes (5.1).
pub const MAX_CHANNELS: usize = 6;
/// History resolution: one point per 100 ms (one gating-block hop).
pub const HISTORY_POINTS_PER_SECOND: usize = 10;
/// History length: the last 10 minutes.
pub const HISTORY_SECONDS: usize = 600;
/// Floor for dB cells that rest at "nothing": shown as "-inf".
pub const FLOOR_DB: f32 = f32::NEG_INFINITY;

/// A ring of (momentary, short-term) LUFS pairs, one per 100 ms, each packed into one atomic
/// `u64` so a pair is never torn. One writer (audio thread), any number of readers.
#[derive(Debug)]
pub struct HistoryRing {
    slots: Box<[AtomicU64]>,
    /// Points written since the last clear (release-stored after the slot).
    written: AtomicU64,
}

impl HistoryRing {
    /// A ring of `capacity` points. Allocates.
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: (0..capacity.max(1)).map(|_| AtomicU64::new(0)).collect(),
            written: AtomicU64::new(0),
        }
    }

    /// Points the ring holds at most.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Audio side: appends a point. Lock- and allocation-free.
    #[inline]
    pub fn push(&self, momentary_lufs: f32, short_term_lufs: f32) {
        let n = self.written.load(Ordering::Relaxed);
        let packed = (momentary_lufs.to_bits() as u64) | ((short_term_lufs.to_bits() as u64) << 32);
        self.slots[(n % self.slots.len() as u64) as usize].store(packed, Ordering::Relaxed);
        self.written.store(n + 1, Ordering::Release);
    }

    /// Audio side: forgets every point (a new measurement).
    pub fn clear(&self) {
        self.written.store(0, Ordering::Release);
    }

    /// Points written since the last clear (may exceed the capacity).
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// GUI side: calls `f(momentary_lufs, short_term_lufs)` for the newest `max_points` points
    /// (at most the capacity), oldest first. A point the writer replaces during the walk shows
    /// its newer value: at most the oldest one or two of a 6000-point graph.
    pub fn for_each_recent(&self, max_points: usize, mut f: impl FnMut(f32, f32)) {
        let end = self.written();
        let len = (max_points as u64).min(end).min(self.slots.len() as u64);
        for i in end - len..end {
            let v = self.slots[(i % self.slots.len() as u64) as usize].load(Ordering::Relaxed);
            f(f32::from_bits(v as u32), f32::from_bits((v >> 32) as u32));
        }
    }
}

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
    /// Momentary and short-term loudness, one point per 100 ms, the last 10 minutes.
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
            history: HistoryRing::new(HISTORY_SECONDS * HISTORY_POINTS_PER_SECOND),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_keeps_the_newest_points_in_order() {
        let h = HistoryRing::new(4);
        for i in 0..6 {
            h.push(i as f32, -(i as f32));
        }
        let mut got = Vec::new();
        h.for_each_recent(10, |m, s| got.push((m, s)));
        assert_eq!(
            got,
            vec![(2.0, -2.0), (3.0, -3.0), (4.0, -4.0), (5.0, -5.0)]
        );
        got.clear();
        h.for_each_recent(2, |m, s| got.push((m, s)));
        assert_eq!(got, vec![(4.0, -4.0), (5.0, -5.0)]);
        h.push(f32::NEG_INFINITY, -23.0);
        got.clear();
        h.for_each_recent(1, |m, s| got.push((m, s)));
        assert_eq!(got, vec![(f32::NEG_INFINITY, -23.0)]);
        h.clear();
        assert_eq!(h.written(), 0);
        h.for_each_recent(10, |_, _| panic!("cleared"));
    }
}
