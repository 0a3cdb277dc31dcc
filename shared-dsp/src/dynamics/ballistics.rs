//! Attack/release smoothing of the gain reduction, in dB, after the gain computer.
//!
//! An envelope follower, not a parameter smoother: it follows a target that changes every
//! sample (the reduction the curve asks for), with different times up and down and a
//! program-dependent release, where the suite's parameter smoothers
//! ([`crate::util::smoothing`]) glide a setting to a target. It shares their conventions: times
//! in ms as 63.2 % time constants, coefficients from the sample rate (`util::one_pole_coef_f64`),
//! and the suite's raised-cosine fade law when its release mode is switched.
//!
//! **Smooth branching peak detector** (Giannoulis, Massberg & Reiss, "Digital Dynamic Range
//! Compressor Design — A Tutorial and Analysis", JAES 60(6), 2012, eq. 16), run in the log
//! domain on the gain reduction the static curve asks for (the paper's recommended placement,
//! detector after the gain computer, so the attack and release act on dB of reduction and do
//! not change the static curve):
//! `y[n] = a·y[n-1] + (1-a)·x[n]` with `a` = attack coefficient while `x[n] > y[n-1]` (reduction
//! growing), release coefficient otherwise. We chose the branching form over the *decoupled*
//! one (eq. 17) because its times are exactly what the knobs say: after `attack_ms` the
//! reduction has covered 63.2 % (1 − 1/e) of a step in dB, after `release_ms` the same for a
//! fall, at every sample rate; the decoupled form adds the attack to the release. Its known
//! weakness (a release much shorter than the attack makes the level depend on both) is
//! acceptable within the SPEC ranges and documented here.
//!
//! **Program-dependent auto-release** (our design, after the dual-time-constant release of
//! analog program-dependent compressors: a fast RC release network in parallel with a slow one
//! that only charges under sustained reduction; cf. the "Auto Fast" release described in the
//! elysia *alpha compressor* manual, and the crest-factor-driven release of Giannoulis, Massberg
//! & Reiss, "Parameter Automation in a Dynamic Range Compressor", JAES 61(10), 2013):
//! - a *fast* branching smoother (the attack, and [`AUTO_FAST_RELEASE_MS`]);
//! - a *slow* state that charges towards the fast one with [`AUTO_CHARGE_MS`] while it is below
//!   it and falls towards it with [`AUTO_SLOW_RELEASE_MS`] otherwise;
//! - output = max(fast, slow).
//!
//! A short transient (much shorter than the charge time) barely charges the slow state, so the
//! reduction recovers with the fast time (no audible hole after a snare hit); sustained
//! reduction (a dense chorus) charges it fully, so the recovery follows the slow time (no
//! pumping). In between the release is a blend: fast at first, then slow from the level the slow
//! state had reached.

use super::pair::{PairStep, run_pair};
use crate::util::one_pole_coef_f64;
use crate::util::smoothing::fade_shape_f64;

/// Fast release of the auto-release mode, in ms.
pub const AUTO_FAST_RELEASE_MS: f32 = 50.0;
/// Slow release of the auto-release mode, in ms.
pub const AUTO_SLOW_RELEASE_MS: f32 = 800.0;
/// Time constant with which sustained reduction charges the slow release state, in ms.
pub const AUTO_CHARGE_MS: f32 = 400.0;

/// Closer than this (dB) to its target a smoother lands on it, so a settled gain is exact (a
/// released compressor passes the signal bit-exactly) and the states stop crawling.
pub const SNAP_DB: f64 = 1e-6;

/// Smooths a gain-reduction target (dB, ≥ 0). "Rise" means more reduction: the compressor's
/// attack, the gate's release (closing); "fall" the other way. All methods are audio-thread safe.
#[derive(Clone, Copy, Debug, Default)]
pub struct GainSmoother {
    rise: Pole,
    fall: Pole,
    auto_release: bool,
    auto_fast: Pole,
    auto_slow: Pole,
    auto_charge: Pole,
    /// The smoothed reduction (the fast state in auto mode). `f64`: at 384 kHz a 5 s release
    /// moves the state by 5e-7 of the step per sample, below `f32` resolution near 1.
    state: f64,
    /// The auto mode's slow state.
    slow: f64,
    /// Length in samples of the crossfade when the release mode is switched
    /// ([`MODE_FADE_MS`]).
    mode_fade_len: u32,
    /// The mode being left keeps running this many more samples, crossfaded out.
    mode_fade_left: u32,
    /// The left mode's states.
    old_state: f64,
    old_slow: f64,
}

/// Crossfade time when the auto-release is switched on or off while running, in ms: the left
/// mode's trajectory keeps running and is crossfaded (raised cosine) into the new one, so the
/// release rate does not change abruptly (a corner in the gain a listener hears as a tick).
pub const MODE_FADE_MS: f32 = 20.0;

impl GainSmoother {
    /// A smoother with no smoothing (coefficients 0) resting at 0 dB reduction.
    pub fn new() -> Self {
        Self::default()
    }

    /// Time constants in ms of rising and falling reduction. Never allocates.
    pub fn set_times(&mut self, rise_ms: f32, fall_ms: f32, sample_rate: f32) {
        let sr = sample_rate as f64;
        self.rise = Pole::new(rise_ms, sr);
        self.fall = Pole::new(fall_ms, sr);
        self.auto_fast = Pole::new(AUTO_FAST_RELEASE_MS, sr);
        self.auto_slow = Pole::new(AUTO_SLOW_RELEASE_MS, sr);
        self.auto_charge = Pole::new(AUTO_CHARGE_MS, sr);
        self.mode_fade_len = (MODE_FADE_MS as f64 * 0.001 * sr).round().max(1.0) as u32;
    }

    /// Switches the program-dependent release on (the fall time is then ignored). While
    /// running, the two modes are crossfaded over [`MODE_FADE_MS`].
    pub fn set_auto_release(&mut self, on: bool) {
        if on == self.auto_release {
            return;
        }
        self.old_state = self.state;
        self.old_slow = self.slow;
        self.mode_fade_left = if self.state == 0.0 && self.slow == 0.0 {
            0
        } else {
            self.mode_fade_len
        };
        if on {
            // Start the slow state where the output is, so switching does not jump.
            self.slow = self.state;
        } else {
            self.state = self.state.max(self.slow);
        }
        self.auto_release = on;
    }

    /// Back to 0 dB reduction.
    pub fn reset(&mut self) {
        self.state = 0.0;
        self.slow = 0.0;
        self.mode_fade_left = 0;
    }

    /// The smoothed reduction now, in dB.
    #[inline]
    pub fn value(&self) -> f32 {
        (if self.auto_release {
            self.state.max(self.slow)
        } else {
            self.state
        }) as f32
    }

    /// One step of one mode's states towards `target_db`; returns that mode's output.
    #[inline]
    fn advance(&self, auto: bool, state: &mut f64, slow: &mut f64, target_db: f64) -> f64 {
        let s = *state;
        if !auto {
            *state = step(s, target_db, self.rise, self.fall);
            *state
        } else {
            let fast = step(s, target_db, self.rise, self.auto_fast);
            *slow = step(*slow, fast, self.auto_charge, self.auto_slow);
            *state = fast;
            fast.max(*slow)
        }
    }

    /// Advances one sample towards `target_db` and returns the smoothed reduction in dB.
    #[inline]
    pub fn process(&mut self, target_db: f32) -> f32 {
        // A non-finite target reads as no reduction: the state never turns NaN or infinite.
        let target_db = if target_db.is_finite() {
            target_db as f64
        } else {
            0.0
        };
        let (mut state, mut slow) = (self.state, self.slow);
        let y = self.advance(self.auto_release, &mut state, &mut slow, target_db);
        (self.state, self.slow) = (state, slow);
        if self.mode_fade_left == 0 {
            return y as f32;
        }
        let (mut os, mut osl) = (self.old_state, self.old_slow);
        let old = self.advance(!self.auto_release, &mut os, &mut osl, target_db);
        (self.old_state, self.old_slow) = (os, osl);
        self.mode_fade_left -= 1;
        let u = 1.0 - self.mode_fade_left as f64 / self.mode_fade_len as f64;
        let w = fade_shape_f64(u);
        (old + w * (y - old)) as f32
    }
    /// [`Self::process`] over a block, in place: reduction targets (dB) in, smoothed reduction
    /// out, the same values sample for sample. Outside a release-mode crossfade the recursion
    /// runs without branches on the signal (the attack/release choice and the snap are selects),
    /// so a noisy key costs no mispredicted jumps.
    pub fn process_block(&mut self, samples: &mut [f32]) {
        if !self.plain(samples) {
            for x in samples.iter_mut() {
                *x = self.process(*x);
            }
            return;
        }
        let (rise, fall) = (self.rise, self.fall);
        let mut state = self.state;
        if !self.auto_release {
            for x in samples.iter_mut() {
                state = step(state, *x as f64, rise, fall);
                *x = state as f32;
            }
        } else {
            let (fast_fall, charge, slow_fall) = (self.auto_fast, self.auto_charge, self.auto_slow);
            let mut slow = self.slow;
            for x in samples.iter_mut() {
                state = step(state, *x as f64, rise, fast_fall);
                slow = step(slow, state, charge, slow_fall);
                *x = state.max(slow) as f32;
            }
            self.slow = slow;
        }
        self.state = state;
    }

    /// [`Self::process_block`] on two smoothers with the same settings and two blocks of the
    /// same length (a stereo pair): the two recursions run in one loop, so each one's latency
    /// hides the other's. Falls back to one at a time otherwise.
    pub fn process_pair(a: &mut Self, b: &mut Self, xa: &mut [f32], xb: &mut [f32]) {
        match Self::pair(a, b, xa, xb) {
            Some(mut run) => {
                run_pair(&mut run, xa, xb);
                Self::store_pair(a, b, &run);
            }
            None => {
                a.process_block(xa);
                b.process_block(xb);
            }
        }
    }

    /// Two smoothers' recursions as one stepper for the targets `xa`, `xb`: when their settings
    /// are the same, neither is in auto-release or a release-mode crossfade, and every target
    /// is finite.
    pub(crate) fn pair(a: &Self, b: &Self, xa: &[f32], xb: &[f32]) -> Option<SmootherPair> {
        let same = a.rise == b.rise && a.fall == b.fall && xa.len() == xb.len();
        (same && !a.auto_release && !b.auto_release && a.plain(xa) && b.plain(xb)).then_some(
            SmootherPair {
                rise: a.rise,
                fall: a.fall,
                a: a.state,
                b: b.state,
            },
        )
    }

    /// Stores the states a [`Self::pair`] stepper ended with.
    pub(crate) fn store_pair(a: &mut Self, b: &mut Self, run: &SmootherPair) {
        (a.state, b.state) = (run.a, run.b);
    }

    /// Whether `targets` can take the branch-free path: no release-mode crossfade running and
    /// every target finite.
    fn plain(&self, targets: &[f32]) -> bool {
        // A fold rather than `all`: no early exit, so it vectorises.
        self.mode_fade_left == 0 && targets.iter().fold(true, |ok, x| ok & x.is_finite())
    }
}

/// A stereo pair of smoothers (no auto-release), one frame at a time, for loops that interleave
/// it with other work ([`super::keyed`]).
pub(crate) struct SmootherPair {
    rise: Pole,
    fall: Pole,
    a: f64,
    b: f64,
}

impl PairStep for SmootherPair {
    #[inline(always)]
    fn step(&mut self, a: f32, b: f32) -> (f32, f32) {
        self.a = step(self.a, a as f64, self.rise, self.fall);
        self.b = step(self.b, b as f64, self.rise, self.fall);
        (self.a as f32, self.b as f32)
    }
}

/// One pole of the smoother: its coefficient `a` (`y ← a·y + (1 − a)·x`), `1 − a`, and the
/// distance from the target below which one step lands within [`SNAP_DB`] of it
/// (`SNAP_DB / a`), all fixed when the time is set so none is computed on the recursion.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Pole {
    a: f64,
    one_minus_a: f64,
    snap_distance: f64,
}

impl Pole {
    fn new(time_ms: f32, sample_rate: f64) -> Self {
        let a = one_pole_coef_f64(time_ms as f64, sample_rate);
        Self {
            a,
            one_minus_a: 1.0 - a,
            snap_distance: if a > 0.0 { SNAP_DB / a } else { f64::INFINITY },
        }
    }
}

/// One branching one-pole step from `state` towards a finite `target`: the `rise` pole while
/// the target is above the state, `fall` otherwise, landing on the target when the step ends
/// within [`SNAP_DB`] of it. Every candidate is computed from `state` in parallel and chosen by
/// selects: the recursion's critical path is one multiply-add and two selects.
#[inline(always)]
fn step(state: f64, target: f64, rise: Pole, fall: Pole) -> f64 {
    let up = target > state;
    let towards_rise = rise.a * state + rise.one_minus_a * target;
    let towards_fall = fall.a * state + fall.one_minus_a * target;
    let y = if up { towards_rise } else { towards_fall };
    let snap_distance = if up {
        rise.snap_distance
    } else {
        fall.snap_distance
    };
    if (state - target).abs() <= snap_distance {
        target
    } else {
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_auto_release_while_releasing_has_no_corner() {
        let sr = 48_000.0f32;
        let mut s = GainSmoother::new();
        s.set_times(1.0, 50.0, sr);
        for _ in 0..4800 {
            s.process(12.0);
        }
        // Releasing towards 0 dB; switch to auto-release part-way.
        let mut y = Vec::new();
        for i in 0..6000 {
            if i == 1000 {
                s.set_auto_release(true);
            }
            y.push(s.process(0.0) as f64);
        }
        let slope = (y[999] - y[998]).abs();
        let worst_bend = (999..5999)
            .map(|i| (y[i + 1] - 2.0 * y[i] + y[i - 1]).abs())
            .fold(0.0f64, f64::max);
        // An abrupt switch bends the gain by about the whole slope in one sample.
        assert!(
            worst_bend < 0.01 * slope,
            "bend {worst_bend} vs slope {slope}"
        );
        // And it does settle into the auto mode (slower than the 50 ms release now).
        assert!(y[5999] > 12.0 * (-5000.0f64 / 2400.0).exp() * 1.5);
    }

    /// Samples until the smoother covers 63.2 % of a step from `from` to `to`.
    fn time_to_63(s: &mut GainSmoother, from: f32, to: f32) -> usize {
        let goal = from + (to - from) * (1.0 - (-1.0f32).exp());
        let mut n = 0;
        loop {
            n += 1;
            let y = s.process(to);
            if (to > from && y >= goal) || (to < from && y <= goal) || n > 10_000_000 {
                return n;
            }
        }
    }

    #[test]
    fn attack_and_release_are_time_constants_in_db() {
        // Including the extremes of the SPEC ranges at the highest rate: 0.05 ms attack and
        // 5 s release at 384 kHz (where f32 state would miss the release by several %).
        for (sr, attack_ms, release_ms) in [
            (22_050.0f32, 10.0f32, 200.0f32),
            (44_100.0, 10.0, 200.0),
            (96_000.0, 10.0, 200.0),
            (192_000.0, 10.0, 200.0),
            (384_000.0, 0.05, 5000.0),
        ] {
            let mut s = GainSmoother::new();
            s.set_times(attack_ms, release_ms, sr);
            let n_att = time_to_63(&mut s, 0.0, 20.0);
            assert!(
                (n_att as f32 - attack_ms * 0.001 * sr).abs() <= 1.0,
                "{sr}: {n_att}"
            );
            for _ in 0..(sr as usize) {
                s.process(20.0);
            }
            let n_rel = time_to_63(&mut s, 20.0, 0.0);
            assert!(
                (n_rel as f32 - release_ms * 0.001 * sr).abs() <= 1.0,
                "{sr}: {n_rel}"
            );
        }
    }

    #[test]
    fn auto_release_is_fast_after_a_transient_and_slow_after_sustained_reduction() {
        let sr = 48_000.0f32;
        let mut s = GainSmoother::new();
        s.set_times(0.1, 100.0, sr);
        s.set_auto_release(true);
        // 10 ms of 12 dB reduction.
        for _ in 0..480 {
            s.process(12.0);
        }
        let start = s.value();
        let fast = time_to_63(&mut s, start, 0.0) as f32 / sr * 1000.0;
        s.reset();
        // 3 s of sustained reduction.
        for _ in 0..(3 * 48_000) {
            s.process(12.0);
        }
        let start = s.value();
        let slow = time_to_63(&mut s, start, 0.0) as f32 / sr * 1000.0;
        assert!(fast < 1.2 * AUTO_FAST_RELEASE_MS, "fast {fast} ms");
        assert!(slow > 0.9 * AUTO_SLOW_RELEASE_MS, "slow {slow} ms");
        assert!(slow < 1.1 * AUTO_SLOW_RELEASE_MS, "slow {slow} ms");
    }
}
