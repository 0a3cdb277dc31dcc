//! An integer-sample delay line for latency compensation: the dry path of a mix control, the
//! un-looked-ahead side of a limiter's detector, whole plugins aligned to another's latency.
//!
//! One circular buffer per channel (length a power of two ≥ `max_delay_samples + 1`, so the read
//! position is a mask, not a division). Writing a sample then reading `delay` positions back
//! makes an impulse at input sample `n` come out at exactly `n + delay`; `delay = 0` passes the
//! input through bit-exact. Textbook structure (Zölzer, *DAFX*, 2nd ed., §2.2 "Delay").

/// Multichannel integer delay.
///
/// Allocation: only [`DelayLine::new`]. [`set_delay`](Self::set_delay), [`process`](Self::process)
/// and [`reset`](Self::reset) are audio-thread safe. Changing the delay while audio runs jumps
/// (it is meant to be set when latency changes, e.g. at activation, where the host expects a
/// discontinuity); the samples it then reads are the true past input, never stale garbage.
/// Samples pass through unchanged, non-finite ones included (they leave the line after the delay;
/// there is no feedback to poison).
#[derive(Clone, Debug)]
pub struct DelayLine {
    buffers: Vec<Box<[f32]>>,
    mask: usize,
    write: usize,
    delay_samples: usize,
    max_delay_samples: usize,
}

impl DelayLine {
    /// A silent delay line for `num_channels` channels able to delay by up to
    /// `max_delay_samples`; the delay starts at zero. Allocates.
    pub fn new(num_channels: usize, max_delay_samples: usize) -> Self {
        let len = (max_delay_samples + 1).next_power_of_two();
        Self {
            buffers: (0..num_channels)
                .map(|_| vec![0.0; len].into_boxed_slice())
                .collect(),
            mask: len - 1,
            write: 0,
            delay_samples: 0,
            max_delay_samples,
        }
    }

    /// Number of channels.
    pub fn num_channels(&self) -> usize {
        self.buffers.len()
    }

    /// Largest delay this line can give.
    pub fn max_delay_samples(&self) -> usize {
        self.max_delay_samples
    }

    /// Sets the delay, clamped to [`max_delay_samples`](Self::max_delay_samples). Never allocates.
    pub fn set_delay(&mut self, delay_samples: usize) {
        self.delay_samples = delay_samples.min(self.max_delay_samples);
    }

    /// The delay now, in samples (the latency this block adds).
    pub fn latency(&self) -> usize {
        self.delay_samples
    }

    /// Clears the history to silence. Audio-thread safe.
    pub fn reset(&mut self) {
        for b in &mut self.buffers {
            b.fill(0.0);
        }
        self.write = 0;
    }

    /// Delays every channel in place. `channels.len()` must not exceed
    /// [`num_channels`](Self::num_channels) and all channels must have the same length (extra
    /// channels are left untouched in release builds). Any block size, any split, same output.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        debug_assert!(channels.len() <= self.buffers.len());
        debug_assert!(channels.windows(2).all(|w| w[0].len() == w[1].len()));
        let num_frames = channels.first().map_or(0, |c| c.len());
        for (buf, ch) in self.buffers.iter_mut().zip(channels.iter_mut()) {
            Self::run(buf, self.mask, self.write, self.delay_samples, ch);
        }
        self.write = self.write.wrapping_add(num_frames) & self.mask;
    }

    /// Delays one channel `channel` in place; call it for every channel with blocks of equal
    /// length, then [`advance`](Self::advance) once by that length. (For hosts that hand channels
    /// out one at a time.)
    pub fn process_channel(&mut self, channel: usize, samples: &mut [f32]) {
        Self::run(
            &mut self.buffers[channel],
            self.mask,
            self.write,
            self.delay_samples,
            samples,
        );
    }

    /// One sample of channel 0 (a one-channel line used sample by sample, as the dynamics
    /// blocks' lookahead is): stores `x`, returns the sample from `delay` samples ago, and moves
    /// on by one frame. Audio-thread safe.
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> f32 {
        let buf = &mut self.buffers[0];
        buf[self.write] = x;
        let y = buf[self.write.wrapping_sub(self.delay_samples) & self.mask];
        self.write = (self.write + 1) & self.mask;
        y
    }

    /// Moves the write position on by `num_frames` after [`process_channel`](Self::process_channel)
    /// calls.
    pub fn advance(&mut self, num_frames: usize) {
        self.write = self.write.wrapping_add(num_frames) & self.mask;
    }

    #[inline]
    fn run(buf: &mut [f32], mask: usize, write: usize, delay: usize, samples: &mut [f32]) {
        if delay == 0 {
            // Keep the history current so a later `set_delay` reads the true past.
            let mut w = write;
            for &x in samples.iter() {
                buf[w] = x;
                w = (w + 1) & mask;
            }
            return;
        }
        let mut w = write;
        for x in samples.iter_mut() {
            buf[w] = *x;
            *x = buf[w.wrapping_sub(delay) & mask];
            w = (w + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impulse_lands_exactly_at_the_delay() {
        for delay in [0usize, 1, 7, 64, 100] {
            let mut d = DelayLine::new(2, 100);
            d.set_delay(delay);
            assert_eq!(d.latency(), delay);
            let mut l = vec![0.0f32; 256];
            let mut r = vec![0.0f32; 256];
            l[3] = 1.0;
            r[5] = -0.5;
            d.process(&mut [&mut l, &mut r]);
            for n in 0..256 {
                assert_eq!(
                    l[n],
                    if n == 3 + delay { 1.0 } else { 0.0 },
                    "d {delay} n {n}"
                );
                assert_eq!(r[n], if n == 5 + delay { -0.5 } else { 0.0 });
            }
        }
        let mut d = DelayLine::new(1, 10);
        d.set_delay(50);
        assert_eq!(d.latency(), 10);
    }
}
