//! Single-value meter cells shared between the audio thread and the GUI: one atomic `f32`
//! each, relaxed ordering (a meter value carries no other data with it).

use atomic_float::AtomicF32;
use std::sync::atomic::Ordering;

/// A meter cell with peak-hold-until-read semantics.
///
/// The audio thread calls [`update_max`](Self::update_max) with every block's peak (or every
/// sample's); the GUI calls [`take`](Self::take) once per frame and gets the largest value
/// written since its previous `take`, so no peak between two GUI frames is ever missed, however
/// many audio blocks ran in between. The cell then falls back to its floor (given at
/// construction: `0.0` for linear peaks, e.g. [`crate::util::MINUS_INFINITY_DB`] for values in
/// dB, `0.0` for gain reduction stored as a positive number of dB).
///
/// Share it as `Arc<MeterValue>`. All methods are lock-free, allocation-free and audio-thread
/// safe. NaN passed to `update_max` is ignored, so a bad sample cannot stick in the meter.
#[derive(Debug)]
pub struct MeterValue {
    value: AtomicF32,
    floor: f32,
}

impl MeterValue {
    /// A cell resting at `floor`, the value [`take`](Self::take) resets it to.
    pub fn new(floor: f32) -> Self {
        Self {
            value: AtomicF32::new(floor),
            floor,
        }
    }

    /// The floor the cell resets to on [`take`](Self::take).
    pub fn floor(&self) -> f32 {
        self.floor
    }

    /// Audio side: raises the held value to `value` if it is larger. Lock-free; the
    /// compare-and-swap only retries if a concurrent `take` or `update_max` changed the cell
    /// between the load and the swap, and returns at once when `value` is not larger (the
    /// common case costs one relaxed load).
    #[inline]
    pub fn update_max(&self, value: f32) {
        let mut current = self.value.load(Ordering::Relaxed);
        // `!(value > current)` also rejects NaN.
        while value > current {
            match self.value.compare_exchange_weak(
                current,
                value,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => current = now,
            }
        }
    }

    /// Audio side: the peak of a block of samples (`max |x|`), fed to
    /// [`update_max`](Self::update_max) with a single atomic access.
    #[inline]
    pub fn update_max_abs_of(&self, samples: &[f32]) {
        let peak = samples
            .iter()
            .fold(0.0f32, |m, &x| if x.abs() > m { x.abs() } else { m });
        self.update_max(peak);
    }

    /// GUI side: the largest value written since the previous `take` (or the floor if none),
    /// and resets the cell to the floor.
    #[inline]
    pub fn take(&self) -> f32 {
        self.value.swap(self.floor, Ordering::Relaxed)
    }

    /// The value held now, without resetting it.
    #[inline]
    pub fn peek(&self) -> f32 {
        self.value.load(Ordering::Relaxed)
    }

    /// Resets the cell to its floor (e.g. when the user clicks the meter).
    #[inline]
    pub fn reset(&self) {
        self.value.store(self.floor, Ordering::Relaxed);
    }
}

impl Default for MeterValue {
    /// A cell with floor `0.0` (linear peaks).
    fn default() -> Self {
        Self::new(0.0)
    }
}

/// A plain shared `f32`: the last value stored wins (current loudness, current gain reduction,
/// a setting read back by the GUI). Relaxed ordering, lock-free, audio-thread safe.
#[derive(Debug, Default)]
pub struct SharedValue(AtomicF32);

impl SharedValue {
    /// A cell holding `value`.
    pub fn new(value: f32) -> Self {
        Self(AtomicF32::new(value))
    }

    /// Replaces the value.
    #[inline]
    pub fn store(&self, value: f32) {
        self.0.store(value, Ordering::Relaxed);
    }

    /// The last value stored.
    #[inline]
    pub fn load(&self) -> f32 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_is_held_until_taken_then_falls_to_floor() {
        let m = MeterValue::new(-200.0);
        assert_eq!(m.peek(), -200.0);
        m.update_max(-20.0);
        m.update_max(-3.0);
        m.update_max(-12.0);
        m.update_max(f32::NAN);
        assert_eq!(m.peek(), -3.0);
        assert_eq!(m.take(), -3.0);
        assert_eq!(m.take(), -200.0);
        m.update_max_abs_of(&[0.1, -0.7, 0.2]);
        assert_eq!(m.peek(), 0.7);
        m.reset();
        assert_eq!(m.peek(), -200.0);
        let s = SharedValue::new(1.0);
        s.store(-23.5);
        assert_eq!(s.load(), -23.5);
    }
}
