//! Lock-free handover of frequency-domain kernels from a design thread to the audio thread.
//!
//! Four preallocated slots and one atomic word. The design thread owns one slot ("back"), the
//! audio thread owns two ("front", the kernel in use, and "spare"), and the fourth sits in the
//! shared word, marked fresh when it holds a kernel the audio thread has not taken yet. This is
//! the classic triple buffer (e.g. Herlihy & Shavit, *The Art of Multiprocessor Programming*,
//! ch. 4, and the many "triple buffering" write-ups) with one more slot, so that the audio thread
//! can keep reading the old kernel while it crossfades to the new one: a plain triple buffer
//! would hand the old slot back to the writer at the moment the new one is taken.
//!
//! Neither side ever waits: the writer overwrites a kernel the reader has not taken yet (the
//! newest design wins), and the reader keeps its current kernel until a fresh one is there.

use std::cell::UnsafeCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const INDEX_MASK: usize = 0b11;
const FRESH: usize = 0b100;

/// A kernel partitioned into `num_partitions` blocks per channel, each the `bins = B + 1` complex
/// bins of a `2 B`-point real FFT, stored as separate real and imaginary arrays so the
/// multiply-accumulate loop vectorises. The `1 / (2 B)` inverse-FFT scale is folded in.
pub(crate) struct FdKernel {
    pub(crate) re: Vec<f32>,
    pub(crate) im: Vec<f32>,
    /// Partitions that hold non-zero taps (the rest are skipped).
    pub(crate) used_partitions: usize,
}

impl FdKernel {
    pub(crate) fn new(num_channels: usize, num_partitions: usize, bins: usize) -> Self {
        let len = num_channels * num_partitions * bins;
        Self {
            re: vec![0.0; len],
            im: vec![0.0; len],
            used_partitions: 0,
        }
    }
}

struct Shared {
    slots: [UnsafeCell<FdKernel>; 4],
    middle: AtomicUsize,
}

// SAFETY: a slot is only ever accessed by the side that owns its index under the protocol above;
// ownership moves only through `middle.swap` with acquire-release ordering, which orders every
// write to a slot before the other side's first read of it.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

/// Writer side: owned by the kernel design thread.
pub(crate) struct SlotWriter {
    shared: Arc<Shared>,
    back: usize,
}

/// Reader side: owned by the audio thread.
pub(crate) struct SlotReader {
    shared: Arc<Shared>,
    front: usize,
    spare: usize,
}

/// Makes the four slots, each initialised by `init`, and returns both ends.
pub(crate) fn kernel_slots(mut init: impl FnMut() -> FdKernel) -> (SlotWriter, SlotReader) {
    let shared = Arc::new(Shared {
        slots: [
            UnsafeCell::new(init()),
            UnsafeCell::new(init()),
            UnsafeCell::new(init()),
            UnsafeCell::new(init()),
        ],
        middle: AtomicUsize::new(1),
    });
    (
        SlotWriter {
            shared: shared.clone(),
            back: 0,
        },
        SlotReader {
            shared,
            front: 2,
            spare: 3,
        },
    )
}

impl SlotWriter {
    /// The slot this writer owns, to fill before [`SlotWriter::publish`].
    pub(crate) fn back_mut(&mut self) -> &mut FdKernel {
        // SAFETY: `back` is owned exclusively by the writer (see the module docs).
        unsafe { &mut *self.shared.slots[self.back].get() }
    }

    /// Hands the back slot to the reader and takes whatever slot was in the middle.
    pub(crate) fn publish(&mut self) {
        let previous = self.shared.middle.swap(self.back | FRESH, Ordering::AcqRel);
        self.back = previous & INDEX_MASK;
    }
}

impl SlotReader {
    /// The kernel in use.
    #[inline]
    pub(crate) fn front(&self) -> &FdKernel {
        // SAFETY: `front` is owned exclusively by the reader.
        unsafe { &*self.shared.slots[self.front].get() }
    }

    /// Takes a freshly published kernel if there is one, giving the spare slot back. After this
    /// returns `true`, [`SlotReader::front`] is still the old kernel and [`SlotReader::incoming`]
    /// the new one, until [`SlotReader::finish_swap`].
    #[inline]
    pub(crate) fn try_take(&mut self) -> bool {
        if self.shared.middle.load(Ordering::Relaxed) & FRESH == 0 {
            return false;
        }
        // Only the reader clears FRESH, so the swap returns a fresh slot.
        let taken = self.shared.middle.swap(self.spare, Ordering::AcqRel);
        self.spare = taken & INDEX_MASK;
        true
    }

    /// The kernel just taken by [`SlotReader::try_take`] (held in the spare position).
    #[inline]
    pub(crate) fn incoming(&self) -> &FdKernel {
        // SAFETY: `spare` is owned exclusively by the reader.
        unsafe { &*self.shared.slots[self.spare].get() }
    }

    /// Makes the incoming kernel the front one; the old one becomes the spare.
    #[inline]
    pub(crate) fn finish_swap(&mut self) {
        std::mem::swap(&mut self.front, &mut self.spare);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(tag: f32) -> FdKernel {
        let mut k = FdKernel::new(1, 1, 1);
        k.re[0] = tag;
        k
    }

    #[test]
    fn reader_gets_newest_and_slots_never_alias() {
        let mut n = 0.0;
        let (mut w, mut r) = kernel_slots(|| {
            n += 1.0;
            tagged(-n)
        });
        assert!(!r.try_take());
        w.back_mut().re[0] = 10.0;
        w.publish();
        w.back_mut().re[0] = 11.0;
        w.publish();
        assert!(r.try_take());
        assert_eq!(r.incoming().re[0], 11.0);
        let old = r.front().re[0];
        // While the reader holds old and new, the writer may publish again without touching them.
        w.back_mut().re[0] = 12.0;
        w.publish();
        w.back_mut().re[0] = 13.0;
        assert_eq!(r.front().re[0], old);
        assert_eq!(r.incoming().re[0], 11.0);
        r.finish_swap();
        assert_eq!(r.front().re[0], 11.0);
        assert!(r.try_take());
        assert_eq!(r.incoming().re[0], 12.0);
        r.finish_swap();
        assert!(!r.try_take());
    }

    #[test]
    fn concurrent_hand_over_is_consistent() {
        // Each kernel is written as a constant; a torn read would show two values.
        let (mut w, mut r) = kernel_slots(|| FdKernel::new(1, 1, 64));
        let writer = std::thread::spawn(move || {
            for i in 1..=20_000u32 {
                let k = w.back_mut();
                k.re.iter_mut().for_each(|x| *x = i as f32);
                w.publish();
            }
        });
        let mut last = 0.0f32;
        while last < 20_000.0 {
            if r.try_take() {
                let k = r.incoming();
                let v = k.re[0];
                assert!(k.re.iter().all(|&x| x == v), "torn kernel");
                assert!(v > last, "went back from {last} to {v}");
                last = v;
                r.finish_swap();
            }
            std::hint::spin_loop();
        }
        writer.join().unwrap();
    }
}
