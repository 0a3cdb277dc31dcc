//! Pan laws and the channel strip's pan/balance stage.
//!
//! For a pan position `p` in −1 (left) … +1 (right):
//! - −3 dB, constant power: `gL = sin((1 − p)·π/4)`, `gR = sin((1 + p)·π/4)` (the sin/cos law
//!   written with sines so both extremes are exactly 0 and 1); centre 1/√2 = −3.0103 dB;
//! - −6 dB, linear (constant voltage): `gL = (1 − p)/2`, `gR = (1 + p)/2`; centre −6.0206 dB;
//! - −4.5 dB: the geometric mean of the two, `g = √(g₋₃ · g₋₆)`; centre −4.5154 dB.
//!
//! All three give 0 dB on the near side and −∞ on the far side at the extremes. −3 dB keeps the
//! acoustic power of a mono source constant across the image; −6 dB keeps its mono sum
//! constant; −4.5 dB is the usual compromise (Rumsey, *Spatial Audio*, ch. 3).
//!
//! **Stereo input is balanced, not panned** (what the channel strip uses for stereo tracks):
//! each channel keeps its own side; moving the control attenuates the far channel along the
//! chosen law's curve normalised to 0 dB at centre (`g(p)/g(0)`, capped at 0 dB), and the near
//! channel stays at 0 dB. So a stereo track at centre passes bit-exact, the image never gets
//! louder than the source, and hard right mutes the left channel. (True stereo panning —
//! narrowing the image and moving it — is width followed by balance in this suite.)

use crate::util::Smoother;
use std::f64::consts::FRAC_PI_4;

/// The gain at the centre position for each law.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PanLaw {
    /// Constant power (sin/cos): −3.0103 dB at centre.
    #[default]
    Minus3Db,
    /// Geometric mean of the −3 and −6 dB laws: −4.5154 dB at centre.
    Minus4_5Db,
    /// Linear, constant voltage: −6.0206 dB at centre.
    Minus6Db,
}

/// Left and right gains of a mono source at pan position `pan` (−1 … +1, clamped) under `law`.
#[inline]
pub fn pan_gains(pan: f32, law: PanLaw) -> (f32, f32) {
    let (l, r) = pan_gains_f64(pan, law);
    (l as f32, r as f32)
}

fn pan_gains_f64(pan: f32, law: PanLaw) -> (f64, f64) {
    let p = if pan.is_nan() {
        0.0
    } else {
        pan.clamp(-1.0, 1.0) as f64
    };
    let power = || (((1.0 - p) * FRAC_PI_4).sin(), ((1.0 + p) * FRAC_PI_4).sin());
    let linear = || ((1.0 - p) * 0.5, (1.0 + p) * 0.5);
    match law {
        PanLaw::Minus3Db => power(),
        PanLaw::Minus6Db => linear(),
        PanLaw::Minus4_5Db => {
            let ((pl, pr), (ll, lr)) = (power(), linear());
            ((pl * ll).sqrt(), (pr * lr).sqrt())
        }
    }
}

/// Left and right gains of a stereo balance control at `pan` (−1 … +1) under `law`: the far
/// channel follows the law normalised to 0 dB at centre, the near channel stays at 0 dB; exactly
/// `(1, 1)` at centre.
#[inline]
pub fn balance_gains(pan: f32, law: PanLaw) -> (f32, f32) {
    let (cl, cr) = pan_gains_f64(0.0, law);
    let (l, r) = pan_gains_f64(pan, law);
    ((l / cl).min(1.0) as f32, (r / cr).min(1.0) as f32)
}

/// What the [`Panner`] is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PanInput {
    /// A mono source in the left channel (the caller copies a mono input there); the right
    /// channel's content is ignored and overwritten. Output: the source panned with the law.
    Mono,
    /// A stereo source: balance control (see the module doc).
    #[default]
    Stereo,
}

/// The channel strip's pan stage: pans a mono source or balances a stereo one, with the gains
/// glided by a one-pole [`Smoother`] (time constant [`Panner::SMOOTHING_MS`]) so automation
/// never clicks.
///
/// Allocation: none anywhere. `process` and `reset` are audio-thread safe; any block split gives
/// the same output. At rest the gains are exact, so a centred stereo input passes bit-exact.
/// Stateless in the signal path: a non-finite input sample only affects its own output sample.
#[derive(Clone, Debug)]
pub struct Panner {
    law: PanLaw,
    input: PanInput,
    pan: f32,
    left: Smoother,
    right: Smoother,
}

impl Panner {
    /// Time constant of the gain glide.
    pub const SMOOTHING_MS: f32 = 10.0;

    /// A centred stereo balance with the −3 dB law, at `sample_rate`.
    pub fn new(sample_rate: f32) -> Self {
        let mut p = Self {
            law: PanLaw::Minus3Db,
            input: PanInput::Stereo,
            pan: 0.0,
            left: Smoother::new(1.0),
            right: Smoother::new(1.0),
        };
        p.prepare(sample_rate, 0);
        p
    }

    /// Sets the sample rate (the glide time stays [`Self::SMOOTHING_MS`]) and jumps the gains
    /// to their targets. Any block length works (`_max_block` unused). Never allocates.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.left.set_time(Self::SMOOTHING_MS, sample_rate);
        self.right.set_time(Self::SMOOTHING_MS, sample_rate);
        self.reset();
    }

    /// Added latency in samples: none.
    pub fn latency(&self) -> usize {
        0
    }

    /// Sets the pan position, −1 (left) … +1 (right).
    pub fn set_pan(&mut self, pan: f32) {
        self.pan = if pan.is_nan() {
            0.0
        } else {
            pan.clamp(-1.0, 1.0)
        };
        self.update_targets();
    }

    /// Sets the pan law.
    pub fn set_law(&mut self, law: PanLaw) {
        self.law = law;
        self.update_targets();
    }

    /// Sets whether the input is a mono source or a stereo pair.
    pub fn set_input(&mut self, input: PanInput) {
        self.input = input;
        self.update_targets();
    }

    /// The gains being glided to, `(left, right)`.
    pub fn target_gains(&self) -> (f32, f32) {
        (self.left.target(), self.right.target())
    }

    /// Jumps the gains to their targets (on reset / start of playback).
    pub fn reset(&mut self) {
        self.left.reset(self.left.target());
        self.right.reset(self.right.target());
    }

    fn update_targets(&mut self) {
        let (l, r) = match self.input {
            PanInput::Mono => pan_gains(self.pan, self.law),
            PanInput::Stereo => balance_gains(self.pan, self.law),
        };
        self.left.set_target(l);
        self.right.set_target(r);
    }

    /// Pans (mono input: the source is `left`) or balances (stereo input) in place.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        let mono = self.input == PanInput::Mono;
        if !self.left.is_smoothing() && !self.right.is_smoothing() {
            let (gl, gr) = (self.left.current(), self.right.current());
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let src_r = if mono { *l } else { *r };
                *l *= gl;
                *r = src_r * gr;
            }
            return;
        }
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let (gl, gr) = (self.left.next(), self.right.next());
            let src_r = if mono { *l } else { *r };
            *l *= gl;
            *r = src_r * gr;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::gain_to_db;

    #[test]
    fn centre_gains_and_extremes_are_exact() {
        for (law, db) in [
            (PanLaw::Minus3Db, -3.0103),
            (PanLaw::Minus4_5Db, -4.5154),
            (PanLaw::Minus6Db, -6.0206),
        ] {
            let (l, r) = pan_gains(0.0, law);
            assert_eq!(l, r);
            assert!(
                (gain_to_db(l) - db).abs() < 1e-4,
                "{law:?}: {}",
                gain_to_db(l)
            );
            assert_eq!(pan_gains(-1.0, law), (1.0, 0.0));
            assert_eq!(pan_gains(1.0, law), (0.0, 1.0));
            assert_eq!(balance_gains(0.0, law), (1.0, 1.0));
            assert_eq!(balance_gains(1.0, law), (0.0, 1.0));
        }
    }
}
