//! The optional lookahead of the dynamics blocks: a per-channel ring-buffer delay of the program
//! while the key is read undelayed, so the gain starts moving `lookahead` samples before the
//! event it reacts to (the usual lookahead of peak limiters and gates; Zölzer, *DAFX*, 2nd ed.,
//! ch. 4). The delay is exactly the reported latency. Storage is sized once for a maximum delay
//! (`new` allocates); `process_sample`, `set_delay` and `reset` never allocate.

use crate::util::delay::DelayLine;

/// A delay line of 0 ..= `max_delay` samples, one channel, sample by sample: the suite's
/// [`DelayLine`] under the names the dynamics blocks use.
#[derive(Clone, Debug)]
pub struct LookaheadDelay {
    line: DelayLine,
}

impl LookaheadDelay {
    /// A delay line that can delay up to `max_delay_samples` (allocates), set to 0.
    pub fn new(max_delay_samples: usize) -> Self {
        Self {
            line: DelayLine::new(1, max_delay_samples),
        }
    }

    /// The largest delay this line supports, in samples.
    pub fn max_delay(&self) -> usize {
        self.line.max_delay_samples()
    }

    /// Sets the delay in samples (clamped to the maximum). Changing it while audio runs jumps
    /// the read position (a click): do it when the host re-queries latency.
    pub fn set_delay(&mut self, delay_samples: usize) {
        self.line.set_delay(delay_samples);
    }

    /// The delay in samples.
    pub fn delay(&self) -> usize {
        self.line.latency()
    }

    /// Zeroes the line.
    pub fn reset(&mut self) {
        self.line.reset();
    }

    /// Pushes `x` and returns the sample from `delay` samples ago.
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> f32 {
        self.line.process_sample(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impulse_lands_at_the_delay() {
        for d in [0usize, 1, 7, 64] {
            let mut line = LookaheadDelay::new(64);
            line.set_delay(d);
            let out: Vec<f32> = (0..200)
                .map(|i| line.process_sample(if i == 3 { 1.0 } else { 0.0 }))
                .collect();
            let pos = out.iter().position(|&y| y == 1.0).unwrap();
            assert_eq!(pos, 3 + d);
            assert_eq!(out.iter().filter(|&&y| y != 0.0).count(), 1);
        }
    }
}
