//! A triple buffer: lock-free, wait-free exchange of whole snapshots (spectrum frames,
//! gain-reduction history chunks) from one writer thread to one reader thread.
//!
//! Three slots, each owned at any moment by exactly one party: the writer's back slot, the
//! reader's front slot, and the shared middle slot whose index lives in one atomic byte together
//! with a "fresh" bit. Publishing swaps the back slot into the middle (release); reading swaps a
//! fresh middle slot into the front (acquire). Because slots only change hands through that one
//! atomic swap, the reader can never see a snapshot the writer is still writing: torn reads are
//! impossible by construction, and neither side ever waits for the other. The writer may
//! overwrite unread snapshots; the reader always gets the newest complete one.

use std::cell::UnsafeCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

/// Set in the middle index when the middle slot holds a snapshot the reader has not seen.
const FRESH: u8 = 0b100;
const INDEX: u8 = 0b011;

struct Shared<T> {
    slots: [UnsafeCell<T>; 3],
    /// Index of the middle slot (bits 0–1) and the [`FRESH`] bit.
    middle: AtomicU8,
}

// SAFETY: a slot is only ever accessed by the party that owns its index (writer: `back`, reader:
// `front`); ownership changes hands only through the atomic swap of `middle`, with
// release/acquire ordering, so there is never concurrent access to one slot. `T: Send` is needed
// because values written on one thread are read (and dropped) on another.
unsafe impl<T: Send> Sync for Shared<T> {}

/// Creates a triple buffer whose three slots start as clones of `initial` (allocate here: e.g.
/// `vec![0.0; num_bins]`; afterwards nothing allocates). Returns the writer half (for the audio
/// or analysis thread) and the reader half (for the GUI). Both halves are `Send`.
pub fn triple_buffer<T: Clone + Send>(initial: T) -> (TripleWriter<T>, TripleReader<T>) {
    let shared = Arc::new(Shared {
        slots: [
            UnsafeCell::new(initial.clone()),
            UnsafeCell::new(initial.clone()),
            UnsafeCell::new(initial),
        ],
        middle: AtomicU8::new(1),
    });
    (
        TripleWriter {
            shared: shared.clone(),
            back: 0,
        },
        TripleReader { shared, front: 2 },
    )
}

/// The writing half of a [`triple_buffer`]. Never blocks, never allocates (unless the closure
/// given to it does).
pub struct TripleWriter<T> {
    shared: Arc<Shared<T>>,
    back: u8,
}

impl<T: Send> TripleWriter<T> {
    /// The slot being written. It holds an older snapshot (the one published two or more
    /// publishes ago, or one the reader released), not necessarily the last one published:
    /// overwrite it completely, or use [`write_with`](Self::write_with).
    #[inline]
    pub fn back_buffer(&mut self) -> &mut T {
        // SAFETY: the writer owns `back` exclusively until it publishes it.
        unsafe { &mut *self.shared.slots[self.back as usize].get() }
    }

    /// Makes the back slot the newest snapshot for the reader and takes the old middle slot as the
    /// new back slot. Wait-free: one atomic swap.
    #[inline]
    pub fn publish(&mut self) {
        let old = self.shared.middle.swap(self.back | FRESH, Ordering::AcqRel);
        self.back = old & INDEX;
    }

    /// Fills the back slot with `write` and publishes it.
    #[inline]
    pub fn write_with(&mut self, write: impl FnOnce(&mut T)) {
        write(self.back_buffer());
        self.publish();
    }
}

impl<T: Clone + Send> TripleWriter<T> {
    /// Publishes a copy of `value` (`clone_from`, which for `Vec`s of equal length reuses the
    /// slot's storage and does not allocate).
    #[inline]
    pub fn write(&mut self, value: &T) {
        self.write_with(|slot| slot.clone_from(value));
    }
}

/// The reading half of a [`triple_buffer`]. Never blocks, never allocates.
pub struct TripleReader<T> {
    shared: Arc<Shared<T>>,
    front: u8,
}

impl<T: Send> TripleReader<T> {
    /// True when a snapshot newer than the one [`latest`](Self::latest) last returned waits.
    #[inline]
    pub fn has_new(&self) -> bool {
        self.shared.middle.load(Ordering::Relaxed) & FRESH != 0
    }

    /// The newest snapshot if one was published since the previous read, else `None`
    /// (intermediate snapshots the reader was too slow for are skipped).
    #[inline]
    pub fn read(&mut self) -> Option<&T> {
        if self.fetch_new() {
            Some(self.current())
        } else {
            None
        }
    }

    /// The newest snapshot available: a new one if published, else the one read last (at first,
    /// the initial value).
    #[inline]
    pub fn latest(&mut self) -> &T {
        self.fetch_new();
        self.current()
    }

    fn fetch_new(&mut self) -> bool {
        if !self.has_new() {
            return false;
        }
        // Only the writer can set FRESH, only the reader clears it: the middle is fresh here.
        let old = self.shared.middle.swap(self.front, Ordering::AcqRel);
        self.front = old & INDEX;
        true
    }

    fn current(&self) -> &T {
        // SAFETY: the reader owns `front` exclusively until its next swap, which needs `&mut self`
        // and so ends this borrow first.
        unsafe { &*self.shared.slots[self.front as usize].get() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_sees_newest_only_and_none_when_nothing_new() {
        let (mut w, mut r) = triple_buffer(0u32);
        assert_eq!(r.read(), None);
        assert_eq!(*r.latest(), 0);
        w.write(&1);
        w.write(&2);
        w.write(&3);
        assert!(r.has_new());
        assert_eq!(r.read(), Some(&3));
        assert_eq!(r.read(), None);
        assert_eq!(*r.latest(), 3);
        w.write_with(|v| *v = 4);
        assert_eq!(*r.latest(), 4);
    }
}
