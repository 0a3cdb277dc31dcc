//! A scrolling history shared between the audio thread (one writer) and the GUI (readers):
//! a fixed ring of atomic floats, several values ("lanes") per point, for loudness or
//! gain-reduction graphs that must keep filling while the editor is closed and be whole the
//! moment it opens.
//!
//! Unlike [`crate::exchange::sample_fifo`], nothing is consumed: the writer overwrites the oldest
//! point, any reader copies the newest points at any time. A reader racing the writer can see
//! the single point being written half-updated (one lane new, one old), which on a graph is
//! invisible; it never sees uninitialised memory or blocks the writer. The write counter is
//! published with release ordering after the values, and read with acquire ordering.

use atomic_float::AtomicF32;
use std::sync::atomic::{AtomicU64, Ordering};

/// The ring. `new` allocates; [`HistoryRing::push`] and the readers never allocate or lock.
#[derive(Debug)]
pub struct HistoryRing {
    lanes: usize,
    capacity: usize,
    values: Box<[AtomicF32]>,
    written: AtomicU64,
}

impl HistoryRing {
    /// A ring holding `capacity` points of `lanes` values each, all `initial`. Allocates.
    pub fn new(capacity: usize, lanes: usize, initial: f32) -> Self {
        let capacity = capacity.max(1);
        let lanes = lanes.max(1);
        Self {
            lanes,
            capacity,
            values: (0..capacity * lanes)
                .map(|_| AtomicF32::new(initial))
                .collect(),
            written: AtomicU64::new(0),
        }
    }

    /// Points the ring holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Values per point.
    pub fn lanes(&self) -> usize {
        self.lanes
    }

    /// Points written since creation or the last [`HistoryRing::clear`].
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// Appends one point (`point[lane]`; missing lanes are written as `0.0`, extra ones
    /// ignored). Single writer only. Audio-thread safe.
    pub fn push(&self, point: &[f32]) {
        let n = self.written.load(Ordering::Relaxed);
        let slot = (n % self.capacity as u64) as usize * self.lanes;
        for lane in 0..self.lanes {
            let v = point.get(lane).copied().unwrap_or(0.0);
            self.values[slot + lane].store(v, Ordering::Relaxed);
        }
        self.written.store(n + 1, Ordering::Release);
    }

    /// Forgets every point (the next reader sees an empty history). Writer side.
    pub fn clear(&self) {
        self.written.store(0, Ordering::Release);
    }

    /// Copies lane `lane` of the newest `out.len()` points (or as many as exist) into the END of
    /// `out`, oldest first, and returns how many were copied; the front of `out` is untouched.
    pub fn read_latest(&self, lane: usize, out: &mut [f32]) -> usize {
        let written = self.written();
        let available = written.min(self.capacity as u64) as usize;
        let n = out.len().min(available);
        if lane >= self.lanes {
            return 0;
        }
        let start = written - n as u64;
        let offset = out.len() - n;
        for (i, dst) in out[offset..].iter_mut().enumerate() {
            let slot = ((start + i as u64) % self.capacity as u64) as usize;
            *dst = self.values[slot * self.lanes + lane].load(Ordering::Relaxed);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_points_in_order() {
        let ring = HistoryRing::new(4, 2, f32::NEG_INFINITY);
        let mut out = [9.0f32; 3];
        assert_eq!(ring.read_latest(0, &mut out), 0);
        for i in 0..6 {
            ring.push(&[i as f32, -(i as f32)]);
        }
        assert_eq!(ring.written(), 6);
        assert_eq!(ring.read_latest(0, &mut out), 3);
        assert_eq!(out, [3.0, 4.0, 5.0]);
        let mut all = [0.0f32; 6];
        assert_eq!(ring.read_latest(1, &mut all), 4);
        assert_eq!(all, [0.0, 0.0, -2.0, -3.0, -4.0, -5.0]);
        ring.clear();
        assert_eq!(ring.read_latest(1, &mut all), 0);
    }

    #[test]
    fn fewer_points_than_asked_fill_the_end() {
        let ring = HistoryRing::new(8, 1, 0.0);
        ring.push(&[1.0]);
        ring.push(&[2.0]);
        let mut out = [-1.0f32; 4];
        assert_eq!(ring.read_latest(0, &mut out), 2);
        assert_eq!(out, [-1.0, -1.0, 1.0, 2.0]);
        assert_eq!(ring.read_latest(5, &mut out), 0);
    }
}
