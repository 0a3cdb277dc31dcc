//! The dip that changes the order of a chain's sections: the chain's output fades to silence,
//! the order switches, and it fades back in, each half along the suite's fade law (raised
//! cosine: [`crate::util::smoothing::fade_shape`]). Two orders cannot run side by side without a
//! second copy of every section's state, so they are not crossfaded.
//!
//! No allocation; every method is audio-thread safe.

use crate::util::smoothing::fade_shape;

/// Which order (any `Copy` value) is in force, and the dip under way if any.
#[derive(Clone, Copy, Debug)]
pub struct OrderDip<T> {
    active: T,
    target: T,
    /// Samples left in the present half of the dip (0 = steady).
    left: usize,
    /// Fading out (true) or in (false).
    out: bool,
    /// Samples per half.
    len: usize,
}

impl<T: Copy + PartialEq> OrderDip<T> {
    /// Steady at `order`; each half of a dip lasts `fade_samples` (at least 1).
    pub fn new(order: T, fade_samples: usize) -> Self {
        Self {
            active: order,
            target: order,
            left: 0,
            out: false,
            len: fade_samples.max(1),
        }
    }

    /// The order in force now.
    pub fn active(&self) -> T {
        self.active
    }

    /// Whether a dip is under way.
    pub fn is_dipping(&self) -> bool {
        self.left > 0
    }

    /// Asks for `order`. With `audible` false (the order makes no difference now) and no dip
    /// under way it changes at once; otherwise the dip starts (or turns round, from the level
    /// reached).
    pub fn set(&mut self, order: T, audible: bool) {
        if order == self.target {
            return;
        }
        self.target = order;
        if !audible && self.left == 0 {
            self.active = order;
        } else if self.left == 0 || !self.out {
            let position = self.position();
            self.out = true;
            self.left = ((position * self.len as f32).round() as usize).max(1);
        }
    }

    /// Ends any dip at once, in the order asked for.
    pub fn reset(&mut self) {
        self.active = self.target;
        self.left = 0;
    }

    /// How many of the next `frames` frames run in the present order: up to the silent point
    /// of a dip fading out, else all of them.
    pub fn frames_in_order(&self, frames: usize) -> usize {
        if self.left > 0 && self.out {
            self.left.min(frames)
        } else {
            frames
        }
    }

    /// Applies the dip's gain to a piece (every channel the same length) and advances it; at
    /// the silent point the order switches and the dip fades back in. Nothing to do when steady.
    pub fn apply(&mut self, piece: &mut [&mut [f32]]) {
        if self.left == 0 {
            return;
        }
        let n = piece.first().map_or(0, |c| c.len());
        for i in 0..n {
            let gain = fade_shape(self.position());
            for c in piece.iter_mut() {
                c[i] *= gain;
            }
            if self.left > 0 {
                self.left -= 1;
                if self.left == 0 && self.out {
                    // Silent: switch and fade back in.
                    self.active = self.target;
                    self.out = false;
                    self.left = self.len;
                }
            }
        }
    }

    /// The dip's linear position: 1 = full level, 0 = silent.
    fn position(&self) -> f32 {
        if self.left == 0 {
            1.0
        } else if self.out {
            self.left as f32 / self.len as f32
        } else {
            1.0 - self.left as f32 / self.len as f32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dip_fades_out_switches_at_silence_and_fades_back_in() {
        let mut d = OrderDip::new(0u8, 4);
        d.set(1, false);
        assert_eq!(d.active(), 1, "inaudible: at once");
        d.set(2, true);
        assert_eq!(d.frames_in_order(10), 4);
        let mut x = [1.0f32; 4];
        d.apply(&mut [&mut x]);
        assert_eq!(
            x,
            [1.0, fade_shape(0.75), fade_shape(0.5), fade_shape(0.25)]
        );
        assert_eq!(d.active(), 2);
        let mut y = [1.0f32; 6];
        d.apply(&mut [&mut y]);
        assert_eq!(
            y,
            [
                0.0,
                fade_shape(0.25),
                fade_shape(0.5),
                fade_shape(0.75),
                1.0,
                1.0
            ]
        );
        assert!(!d.is_dipping());
    }
}
