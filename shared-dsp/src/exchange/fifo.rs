//! A bounded single-producer/single-consumer ring FIFO of `f32` samples: the audio thread pushes,
//! an analysis or GUI thread pops (spectrum analyser input, scrolling histories).
//!
//! Lamport's ring: the producer alone advances the write index, the consumer alone advances the
//! read index; each publishes its index with release ordering and reads the other's with acquire
//! ordering, so a sample slot is only read after it was written and only overwritten after it
//! was read. The slots are `AtomicU32` holding `f32` bits, accessed relaxed (plain loads and
//! stores on every mainstream CPU), so the ring needs no `unsafe`.
//!
//! **When full, the producer drops the newest samples** (those it is trying to push) and never
//! blocks or touches the consumer's index; it counts what it dropped
//! ([`FifoConsumer::take_dropped`]). A consumer that fell behind — or resumes after the editor
//! was closed — and wants the most recent audio rather than the oldest calls
//! [`FifoConsumer::keep_latest`] first, which discards all but the newest samples.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

struct Ring {
    slots: Box<[AtomicU32]>,
    mask: usize,
    /// Total samples ever written (wrapping); written by the producer only.
    write: AtomicUsize,
    /// Total samples ever read (wrapping); written by the consumer only.
    read: AtomicUsize,
    /// Samples dropped because the ring was full, since the consumer last took the count.
    dropped: AtomicUsize,
}

/// Creates a sample FIFO holding at least `capacity` samples (rounded up to a power of two,
/// minimum 2). Allocates here only. Returns the producer half (audio thread) and the consumer
/// half (analysis/GUI thread); both are `Send`.
pub fn sample_fifo(capacity: usize) -> (FifoProducer, FifoConsumer) {
    let capacity = capacity.max(2).next_power_of_two();
    let ring = Arc::new(Ring {
        slots: (0..capacity).map(|_| AtomicU32::new(0)).collect(),
        mask: capacity - 1,
        write: AtomicUsize::new(0),
        read: AtomicUsize::new(0),
        dropped: AtomicUsize::new(0),
    });
    (
        FifoProducer {
            ring: ring.clone(),
            write: 0,
        },
        FifoConsumer { ring, read: 0 },
    )
}

/// The pushing half of a [`sample_fifo`]: never blocks, never allocates; every call is bounded
/// by the number of samples given.
pub struct FifoProducer {
    ring: Arc<Ring>,
    /// Local copy of the write index (only this half changes it).
    write: usize,
}

impl FifoProducer {
    /// Number of samples the ring holds when full.
    pub fn capacity(&self) -> usize {
        self.ring.slots.len()
    }

    /// Free space now (the consumer may free more at any time).
    #[inline]
    pub fn free_len(&self) -> usize {
        let read = self.ring.read.load(Ordering::Acquire);
        self.capacity() - self.write.wrapping_sub(read)
    }

    /// Pushes one sample; returns `false` (and counts a dropped sample) when the ring is full.
    #[inline]
    pub fn push(&mut self, sample: f32) -> bool {
        if self.free_len() == 0 {
            self.ring.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        self.ring.slots[self.write & self.ring.mask].store(sample.to_bits(), Ordering::Relaxed);
        self.write = self.write.wrapping_add(1);
        self.ring.write.store(self.write, Ordering::Release);
        true
    }

    /// Pushes as many samples of `samples` as fit, in order, and returns how many; the rest (the
    /// newest) are dropped and counted.
    #[inline]
    pub fn push_slice(&mut self, samples: &[f32]) -> usize {
        let n = samples.len().min(self.free_len());
        for (i, &x) in samples[..n].iter().enumerate() {
            self.ring.slots[self.write.wrapping_add(i) & self.ring.mask]
                .store(x.to_bits(), Ordering::Relaxed);
        }
        self.commit(n, samples.len() - n)
    }

    /// Pushes the per-frame mean of several channels (e.g. `(L + R) / 2` for a mono analyser) for
    /// `num_frames` frames; returns how many frames were pushed. Channels shorter than
    /// `num_frames` are not allowed (panics, as slice indexing does).
    #[inline]
    pub fn push_mean_of(&mut self, channels: &[&[f32]], num_frames: usize) -> usize {
        let n = num_frames.min(self.free_len());
        let scale = if channels.is_empty() {
            0.0
        } else {
            1.0 / channels.len() as f32
        };
        for i in 0..n {
            let sum: f32 = channels.iter().map(|c| c[i]).sum();
            self.ring.slots[self.write.wrapping_add(i) & self.ring.mask]
                .store((sum * scale).to_bits(), Ordering::Relaxed);
        }
        self.commit(n, num_frames - n)
    }

    fn commit(&mut self, pushed: usize, dropped: usize) -> usize {
        self.write = self.write.wrapping_add(pushed);
        self.ring.write.store(self.write, Ordering::Release);
        if dropped > 0 {
            self.ring.dropped.fetch_add(dropped, Ordering::Relaxed);
        }
        pushed
    }
}

/// The popping half of a [`sample_fifo`]: never blocks, never allocates.
pub struct FifoConsumer {
    ring: Arc<Ring>,
    /// Local copy of the read index (only this half changes it).
    read: usize,
}

impl FifoConsumer {
    /// Number of samples the ring holds when full.
    pub fn capacity(&self) -> usize {
        self.ring.slots.len()
    }

    /// Samples waiting now (the producer may add more at any time).
    #[inline]
    pub fn len(&self) -> usize {
        self.ring
            .write
            .load(Ordering::Acquire)
            .wrapping_sub(self.read)
    }

    /// True when no sample waits.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pops the oldest sample, if any.
    #[inline]
    pub fn pop(&mut self) -> Option<f32> {
        if self.is_empty() {
            return None;
        }
        let x = f32::from_bits(self.ring.slots[self.read & self.ring.mask].load(Ordering::Relaxed));
        self.advance(1);
        Some(x)
    }

    /// Pops up to `out.len()` of the oldest samples into `out`, returns how many.
    #[inline]
    pub fn pop_slice(&mut self, out: &mut [f32]) -> usize {
        let n = out.len().min(self.len());
        for (i, y) in out[..n].iter_mut().enumerate() {
            *y = f32::from_bits(
                self.ring.slots[self.read.wrapping_add(i) & self.ring.mask].load(Ordering::Relaxed),
            );
        }
        self.advance(n);
        n
    }

    /// Discards up to `num_samples` of the oldest samples, returns how many.
    #[inline]
    pub fn skip(&mut self, num_samples: usize) -> usize {
        let n = num_samples.min(self.len());
        self.advance(n);
        n
    }

    /// Discards all but the newest `num_samples` samples (to catch up with the audio after
    /// falling behind), returns how many were discarded.
    #[inline]
    pub fn keep_latest(&mut self, num_samples: usize) -> usize {
        let excess = self.len().saturating_sub(num_samples);
        self.advance(excess);
        excess
    }

    /// Discards every waiting sample.
    #[inline]
    pub fn clear(&mut self) {
        self.keep_latest(0);
    }

    /// Number of samples the producer dropped because the ring was full since the previous call
    /// (a gap in the stream), and resets the count.
    #[inline]
    pub fn take_dropped(&mut self) -> usize {
        self.ring.dropped.swap(0, Ordering::Relaxed)
    }

    fn advance(&mut self, n: usize) {
        self.read = self.read.wrapping_add(n);
        // Release: our reads of the slots happen before the producer may overwrite them.
        self.ring.read.store(self.read, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order_capacity_and_drop_newest() {
        let (mut p, mut c) = sample_fifo(5);
        assert_eq!(p.capacity(), 8);
        assert_eq!(p.push_slice(&[1.0, 2.0, 3.0]), 3);
        assert_eq!(c.pop(), Some(1.0));
        assert_eq!(p.push_slice(&[4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]), 6);
        assert_eq!(c.take_dropped(), 2);
        assert_eq!(c.take_dropped(), 0);
        assert!(!p.push(12.0));
        assert_eq!(c.len(), 8);
        let mut out = [0.0; 3];
        assert_eq!(c.pop_slice(&mut out), 3);
        assert_eq!(out, [2.0, 3.0, 4.0]);
        assert_eq!(c.keep_latest(2), 3);
        assert_eq!(c.pop(), Some(8.0));
        assert_eq!(c.pop(), Some(9.0));
        assert_eq!(c.pop(), None);
        let l = [1.0, 3.0];
        let r = [3.0, 5.0];
        assert_eq!(p.push_mean_of(&[&l, &r], 2), 2);
        assert_eq!(c.skip(1), 1);
        assert_eq!(c.pop(), Some(4.0));
        p.push(1.0);
        c.clear();
        assert!(c.is_empty());
    }
}
