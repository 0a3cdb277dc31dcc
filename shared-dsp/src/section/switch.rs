//! A section's on/off switch: switched on or off, the section's output is crossfaded with its
//! input over a fixed time along the suite's fade law (equal-gain, raised cosine:
//! [`crate::util::smoothing::Fade`]). A section that is off and silent costs nothing; one that
//! starts fading in from silence is reset first, since its state is stale.
//!
//! Allocation: none (the caller owns the buffer that keeps the input while fading); every method
//! is audio-thread safe.

use crate::util::smoothing::Fade;

/// The on/off state of one section and its crossfade.
#[derive(Clone, Copy, Debug)]
pub struct SectionSwitch {
    on: bool,
    /// How far the section is in: 0 (out) … 1 (in).
    mix: Fade,
}

impl Default for SectionSwitch {
    fn default() -> Self {
        Self::new()
    }
}

impl SectionSwitch {
    /// A switch that is off.
    pub fn new() -> Self {
        Self {
            on: false,
            mix: Fade::new(0.0),
        }
    }

    /// Switches on or off with a crossfade of `fade_samples`. Returns true when the section
    /// starts fading in from fully off: its state is stale and should be reset.
    pub fn set(&mut self, on: bool, fade_samples: usize) -> bool {
        if on == self.on {
            return false;
        }
        let was_silent = !self.is_active();
        self.on = on;
        self.mix
            .set_target(if on { 1.0 } else { 0.0 }, fade_samples.max(1));
        on && was_silent
    }

    /// Ends any crossfade at once (on reset).
    pub fn jump(&mut self) {
        self.mix.reset(if self.on { 1.0 } else { 0.0 });
    }

    /// Whether the switch is set on (it may still be fading in).
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Whether the section has to run: on, or fading either way.
    pub fn is_active(&self) -> bool {
        self.mix.current() > 0.0 || self.mix.is_fading()
    }

    /// Whether a crossfade is under way.
    pub fn is_fading(&self) -> bool {
        self.mix.is_fading()
    }

    /// Runs an active section on `ch`: `process` processes it in place and returns something
    /// to be weighted by how far the section is in (a gain reduction to meter, say), which this
    /// returns. While fading, the input is kept in `dry` (one buffer per channel, at least as
    /// long as the block) and the output crossfaded with it.
    pub fn run(
        &mut self,
        dry: &mut [Vec<f32>],
        ch: &mut [&mut [f32]],
        process: impl FnOnce(&mut [&mut [f32]]) -> f32,
    ) -> f32 {
        let fading = self.mix.is_fading();
        if fading {
            save_dry(dry, ch);
        }
        let value = process(ch);
        let weight = if fading { self.crossfade(dry, ch) } else { 1.0 };
        value * weight
    }

    /// `out = dry + w·(out − dry)` with `w` stepping along the fade; returns the last `w`.
    pub fn crossfade(&mut self, dry: &[Vec<f32>], ch: &mut [&mut [f32]]) -> f32 {
        let n = ch.first().map_or(0, |c| c.len());
        let mut w = self.mix.current();
        for i in 0..n {
            w = self.mix.next();
            for (c, d) in ch.iter_mut().zip(dry.iter()) {
                c[i] = d[i] + w * (c[i] - d[i]);
            }
        }
        w
    }
}

/// Copies each channel of `ch` into the front of the matching buffer of `dry`.
pub fn save_dry(dry: &mut [Vec<f32>], ch: &[&mut [f32]]) {
    for (d, c) in dry.iter_mut().zip(ch.iter()) {
        d[..c.len()].copy_from_slice(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_on_crossfades_along_the_fade_law_and_resets_only_from_silence() {
        let mut s = SectionSwitch::new();
        assert!(!s.is_active());
        assert!(s.set(true, 4), "starting from silence asks for a reset");
        let mut dry = vec![vec![0.0f32; 8]];
        let mut x = [1.0f32; 6];
        let gr = s.run(&mut dry, &mut [&mut x], |ch| {
            for v in ch[0].iter_mut() {
                *v = 0.0;
            }
            6.0
        });
        // The section's output (0) fades in against its input (1).
        let w = |u: f32| crate::util::smoothing::fade_shape(u);
        assert_eq!(
            x,
            [1.0 - w(0.25), 1.0 - w(0.5), 1.0 - w(0.75), 0.0, 0.0, 0.0]
        );
        assert_eq!(gr, 6.0);
        assert!(!s.is_fading());
        // Switched off and straight on again while still audible: no reset.
        assert!(!s.set(false, 4));
        assert!(!s.set(true, 4));
    }
}
