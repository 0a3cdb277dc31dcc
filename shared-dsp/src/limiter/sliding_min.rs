//! Running minimum over the last `window` values in O(1) amortised time per value: the
//! "ascending minima" monotonic deque (D. Lemire, "Streaming maximum-minimum filter using no
//! more than three comparisons per element", Nordic Journal of Computing 13(4), 2006), kept on a
//! preallocated ring so pushing never allocates.

/// Minimum of the last `window` pushed values. `new` allocates; everything else never does.
/// The ring's capacity is a power of two, so positions wrap with a mask (a `%` per step was a
/// third of the limiter's gain computer).
#[derive(Clone, Debug)]
pub struct SlidingMin {
    index: Vec<u64>,
    value: Vec<f32>,
    mask: usize,
    max_window: usize,
    head: usize,
    count: usize,
    window: u64,
    next_index: u64,
}

impl SlidingMin {
    /// A window of up to `max_window` values. Allocates.
    pub fn new(max_window: usize) -> Self {
        let max_window = max_window.max(1);
        let cap = max_window.next_power_of_two();
        Self {
            index: vec![0; cap],
            value: vec![0.0; cap],
            mask: cap - 1,
            max_window,
            head: 0,
            count: 0,
            window: max_window as u64,
            next_index: 0,
        }
    }

    /// Sets the window length (clamped to the capacity) and clears. Never allocates.
    pub fn set_window(&mut self, window: usize) {
        self.window = window.clamp(1, self.max_window) as u64;
        self.reset();
    }

    /// The longest window `set_window` takes.
    pub fn max_window(&self) -> usize {
        self.max_window
    }

    /// The window length.
    pub fn window(&self) -> usize {
        self.window as usize
    }

    /// Forgets every value.
    pub fn reset(&mut self) {
        self.head = 0;
        self.count = 0;
        self.next_index = 0;
    }

    /// Whether `other` holds the same values in the same window (so both answer every future
    /// push alike). Compares only the live values.
    pub fn same_state(&self, other: &Self) -> bool {
        self.window == other.window
            && self.next_index == other.next_index
            && self.count == other.count
            && (0..self.count).all(|i| {
                let (a, b) = ((self.head + i) & self.mask, (other.head + i) & other.mask);
                self.index[a] == other.index[b]
                    && self.value[a].to_bits() == other.value[b].to_bits()
            })
    }

    /// Becomes a copy of `other` (same capacity). Never allocates.
    pub fn assign(&mut self, other: &Self) {
        self.index.copy_from_slice(&other.index);
        self.value.copy_from_slice(&other.value);
        self.mask = other.mask;
        self.max_window = other.max_window;
        self.head = other.head;
        self.count = other.count;
        self.window = other.window;
        self.next_index = other.next_index;
    }

    /// Pushes `v` and returns the minimum of the last `window` values (fewer right after reset).
    #[inline(always)]
    pub fn push(&mut self, v: f32) -> f32 {
        let mask = self.mask;
        let i = self.next_index;
        self.next_index += 1;
        // Drop values that can never be the minimum again (not smaller than the newcomer).
        while self.count > 0 {
            let back = (self.head + self.count - 1) & mask;
            if self.value[back] >= v {
                self.count -= 1;
            } else {
                break;
            }
        }
        // Drop the front once it has left the window.
        while self.count > 0 && self.index[self.head] + self.window <= i {
            self.head = (self.head + 1) & mask;
            self.count -= 1;
        }
        let slot = (self.head + self.count) & mask;
        self.index[slot] = i;
        self.value[slot] = v;
        self.count += 1;
        self.value[self.head]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_brute_force() {
        let mut state = 12345u32;
        let mut rand = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32
        };
        for window in [1usize, 2, 7, 64] {
            let mut m = SlidingMin::new(100);
            m.set_window(window);
            let xs: Vec<f32> = (0..2000)
                .map(|i| if i % 13 == 0 { 0.5 } else { rand() })
                .collect();
            for (i, &x) in xs.iter().enumerate() {
                let got = m.push(x);
                let lo = (i + 1).saturating_sub(window);
                let want = xs[lo..=i].iter().copied().fold(f32::INFINITY, f32::min);
                assert_eq!(got, want, "window {window} at {i}");
            }
        }
    }
}
