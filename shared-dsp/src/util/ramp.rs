//! A linear ramp towards a target over a fixed number of samples — the smoothing for mix and
//! crossfade amounts, where equal steps (not an exponential approach) are wanted and the target
//! must be reached exactly and in a known time (Zölzer, *DAFX*, 2nd ed., ch. 12, parameter
//! interpolation).

/// A value that moves linearly to its target in a given number of samples and then holds it
/// exactly. Per-sample stepping, so any block split gives the same values. `Copy`, no allocation.
#[derive(Clone, Copy, Debug)]
pub struct LinearRamp {
    current: f32,
    target: f32,
    step: f32,
    remaining: u32,
}

impl LinearRamp {
    /// A ramp resting at `value`.
    pub fn new(value: f32) -> Self {
        Self {
            current: value,
            target: value,
            step: 0.0,
            remaining: 0,
        }
    }

    /// Starts a ramp from the current value to `target` lasting `num_samples` samples (0: jump).
    #[inline]
    pub fn set_target(&mut self, target: f32, num_samples: usize) {
        if target == self.target && (self.remaining > 0 || self.current == target) {
            return;
        }
        self.target = target;
        if num_samples == 0 || self.current == target {
            self.current = target;
            self.remaining = 0;
        } else {
            let n = num_samples.min(u32::MAX as usize) as u32;
            self.step = (target - self.current) / n as f32;
            self.remaining = n;
        }
    }

    /// Jumps to `value` with no ramp.
    #[inline]
    pub fn reset(&mut self, value: f32) {
        self.current = value;
        self.target = value;
        self.remaining = 0;
    }

    /// The value now.
    #[inline]
    pub fn current(&self) -> f32 {
        self.current
    }

    /// The value being ramped to.
    #[inline]
    pub fn target(&self) -> f32 {
        self.target
    }

    /// True while ramping.
    #[inline]
    pub fn is_ramping(&self) -> bool {
        self.remaining > 0
    }

    /// Advances one sample and returns the new value; the last step lands exactly on the target.
    // Named like `Smoother::next` on purpose: the two are used side by side.
    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next(&mut self) -> f32 {
        if self.remaining > 0 {
            self.remaining -= 1;
            self.current = if self.remaining == 0 {
                self.target
            } else {
                self.current + self.step
            };
        }
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_is_linear_and_lands_exactly() {
        let mut r = LinearRamp::new(0.0);
        r.set_target(1.0, 4);
        let v: Vec<f32> = (0..6).map(|_| r.next()).collect();
        assert_eq!(v, [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]);
        assert!(!r.is_ramping());
        r.set_target(0.3, 0);
        assert_eq!(r.next(), 0.3);
    }
}
