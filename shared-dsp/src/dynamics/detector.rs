//! Level detection for dynamics processors: the sidechain's "how loud is the key right now",
//! in dB, per sample.
//!
//! Two modes, as in Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor Design — A
//! Tutorial and Analysis", JAES 60(6), 2012 (level detection):
//! - **Peak**: the rectified key `|x|`, optionally followed by an exponential release (instant
//!   attack, one-pole fall). The compressor uses it with no release: its ballistics live after the
//!   gain computer, in the log domain (the paper's recommended placement). The gate uses a
//!   short release so a low-frequency key does not dip between its peaks.
//! - **RMS**: a one-pole mean-square average whose time constant is the "window" in ms
//!   (Zölzer, *DAFX*, 2nd ed., ch. 4), read as `sqrt(2 · mean square)`.
//!
//! Calibration: both modes read a steady sine at its **peak** level (RMS mode reads the RMS level
//! plus 3.01 dB, the AES17 convention that a full-scale sine is 0 dBFS). So a threshold means
//! the same thing in either mode on tonal material, and switching modes does not jump the gain.
//!
//! Robustness: a NaN/inf key sample is read as silence, and the states are flushed of subnormals,
//! so a bad input never poisons the detector.

use super::pair::{PairStep, run_fused, run_pair};
use crate::util::{one_pole_coef, one_pole_coef_f64, sanitize};

/// How a detector measures level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DetectorMode {
    /// Sample peak `|x|` (with the detector's optional release).
    #[default]
    Peak,
    /// Mean square averaged over the RMS window, sine-calibrated (`sqrt(2 · ms)`).
    Rms,
}

/// Mean square subtracted from the RMS state every step (about -300 dB: far below any
/// threshold); silence then decays to exactly 0 and never turns subnormal.
const MIN_POWER: f64 = 1e-30;

/// A per-channel level detector. `process_sample` is audio-thread safe; setters never allocate.
#[derive(Clone, Copy, Debug)]
pub struct LevelDetector {
    mode: DetectorMode,
    /// One-pole coefficient of the mean-square average (RMS mode); `f64` with the state so long
    /// windows at high rates keep their time constant.
    rms_coef: f64,
    /// Mean square (RMS mode).
    power: f64,
    /// One-pole coefficient of the peak envelope's release (0 = instantaneous `|x|`).
    peak_release_coef: f32,
    /// Peak envelope (peak mode).
    state: f32,
}

impl Default for LevelDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl LevelDetector {
    /// A peak detector with no release (reads `|x|`), and a 0 ms RMS window until one is set.
    pub fn new() -> Self {
        Self {
            mode: DetectorMode::Peak,
            rms_coef: 0.0,
            power: 0.0,
            peak_release_coef: 0.0,
            state: 0.0,
        }
    }

    /// Chooses peak or RMS detection. The state is carried over at the same reading (peak `a` ↔
    /// mean square `a²/2`), so switching modes while running does not jump the level.
    pub fn set_mode(&mut self, mode: DetectorMode) {
        if mode != self.mode {
            match mode {
                DetectorMode::Rms => self.power = 0.5 * (self.state as f64) * (self.state as f64),
                DetectorMode::Peak => self.state = sanitize((2.0 * self.power).sqrt() as f32),
            }
            self.mode = mode;
        }
    }

    /// The detection mode.
    pub fn mode(&self) -> DetectorMode {
        self.mode
    }

    /// Time constant of the RMS average (the "window"), in ms. Never allocates.
    pub fn set_rms_window_ms(&mut self, window_ms: f32, sample_rate: f32) {
        self.rms_coef = one_pole_coef_f64(window_ms as f64, sample_rate as f64);
    }

    /// Release time constant of the peak envelope, in ms; 0 reads the instantaneous `|x|`.
    /// Never allocates.
    pub fn set_peak_release_ms(&mut self, release_ms: f32, sample_rate: f32) {
        self.peak_release_coef = one_pole_coef(release_ms, sample_rate);
    }

    /// Forgets the past (silence).
    pub fn reset(&mut self) {
        self.state = 0.0;
        self.power = 0.0;
    }

    /// Feeds one key sample and returns the level as a linear amplitude (sine-calibrated:
    /// a steady sine of peak `A` reads `A` in both modes). No logarithm: callers convert only
    /// when the level is near enough to a threshold to matter.
    #[inline]
    pub fn process_sample_linear(&mut self, x: f32) -> f32 {
        let a = rectified(x);
        match self.mode {
            DetectorMode::Peak => {
                self.state = peak_step(self.state, a, self.peak_release_coef);
                self.state
            }
            DetectorMode::Rms => {
                self.power = rms_step(self.power, a, self.rms_coef);
                rms_level(self.power)
            }
        }
    }

    /// [`Self::process_sample_linear`] over a block already through [`rectify`], in place:
    /// the same levels, sample for sample, from a recursion without branches on the signal.
    pub(crate) fn run_rectified(&mut self, samples: &mut [f32]) {
        match self.mode {
            DetectorMode::Peak => {
                let (mut s, coef) = (self.state, self.peak_release_coef);
                for x in samples.iter_mut() {
                    s = peak_step(s, *x, coef);
                    *x = s;
                }
                self.state = s;
            }
            DetectorMode::Rms => {
                let (mut p, coef) = (self.power, self.rms_coef);
                for x in samples.iter_mut() {
                    p = rms_step(p, *x, coef);
                    *x = rms_level(p);
                }
                self.power = p;
            }
        }
    }

    /// Two detectors' recursions as one stepper, when their settings are the same.
    pub(crate) fn pair(a: &Self, b: &Self) -> Option<DetectorPair> {
        if a.mode != b.mode {
            return None;
        }
        match a.mode {
            DetectorMode::Peak if a.peak_release_coef == b.peak_release_coef => {
                Some(DetectorPair::Peak(PeakPair {
                    coef: a.peak_release_coef,
                    a: a.state,
                    b: b.state,
                }))
            }
            DetectorMode::Rms if a.rms_coef == b.rms_coef => Some(DetectorPair::Rms(RmsPair {
                coef: a.rms_coef,
                a: a.power,
                b: b.power,
            })),
            _ => None,
        }
    }

    /// Stores the states a [`Self::pair`] stepper ended with.
    pub(crate) fn store_pair(a: &mut Self, b: &mut Self, pair: &DetectorPair) {
        match pair {
            DetectorPair::Peak(run) => (a.state, b.state) = (run.a, run.b),
            DetectorPair::Rms(run) => (a.power, b.power) = (run.a, run.b),
        }
    }

    /// Feeds one key sample and returns the level in dB (floored at
    /// [`MINUS_INFINITY_DB`](crate::util::MINUS_INFINITY_DB)).
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> f32 {
        crate::util::gain_to_db(self.process_sample_linear(x))
    }

    /// The level now, in dB, without advancing.
    pub fn level_db(&self) -> f32 {
        match self.mode {
            DetectorMode::Peak => crate::util::gain_to_db(self.state),
            DetectorMode::Rms => crate::util::gain_to_db(rms_level(self.power)),
        }
    }
}

/// The rectified key: `|x|`, with NaN/inf (the detector must never be poisoned) and subnormals
/// read as silence.
#[inline(always)]
fn rectified(x: f32) -> f32 {
    sanitize(x.abs())
}

/// [`rectified`] over a block: a detector's input before [`LevelDetector::run_rectified`].
pub(crate) fn rectify(samples: &mut [f32]) {
    for x in samples.iter_mut() {
        *x = rectified(*x);
    }
}

/// Subtracted from the peak envelope's decay every sample: a falling envelope reaches exactly
/// `a` (or 0) instead of creeping into the subnormal range, without a compare on the recursion.
/// Far below any level that matters (-600 dB), and lost in rounding above about -460 dB.
const PEAK_FLOOR: f32 = 1e-30;

/// One step of the peak envelope on the rectified key `a`: instant rise, one-pole fall,
/// `max(a, coef·state + (1 − coef)·a)` (the fall towards `a`, or `a` itself when it is higher),
/// written so only a multiply, an add and a max sit on the recursion.
#[inline(always)]
fn peak_step(state: f32, a: f32, coef: f32) -> f32 {
    (coef * state + ((1.0 - coef) * a - PEAK_FLOOR)).max(a)
}

/// One step of the mean-square average on the rectified key `a`; [`MIN_POWER`] is subtracted
/// each step and the result floored at 0, so silence lands on exactly 0 (no compare on the
/// recursion, no subnormal state).
#[inline(always)]
fn rms_step(power: f64, a: f32, coef: f64) -> f64 {
    let p = (a as f64) * (a as f64);
    (coef * power + ((1.0 - coef) * p - MIN_POWER)).max(0.0)
}

/// The sine-calibrated level of a mean square.
#[inline(always)]
fn rms_level(power: f64) -> f32 {
    (2.0 * power).sqrt() as f32
}

/// A stereo detector's recursion, one frame at a time, for loops that interleave it with other
/// work ([`super::keyed`]).
pub(crate) enum DetectorPair {
    Peak(PeakPair),
    Rms(RmsPair),
}

impl DetectorPair {
    /// Runs over two rectified key blocks of the same length, in place.
    pub(crate) fn run(&mut self, xa: &mut [f32], xb: &mut [f32]) {
        match self {
            DetectorPair::Peak(d) => run_pair(d, xa, xb),
            DetectorPair::Rms(d) => run_pair(d, xa, xb),
        }
    }

    /// Runs `other` over `oa`/`ob` and this over `xa`/`xb`, in one loop ([`run_fused`]).
    pub(crate) fn run_beside(
        &mut self,
        other: &mut impl PairStep,
        (oa, ob): (&mut [f32], &mut [f32]),
        (xa, xb): (&mut [f32], &mut [f32]),
    ) {
        match self {
            DetectorPair::Peak(d) => run_fused(other, oa, ob, d, xa, xb),
            DetectorPair::Rms(d) => run_fused(other, oa, ob, d, xa, xb),
        }
    }
}

/// Two peak envelopes with one release.
pub(crate) struct PeakPair {
    coef: f32,
    a: f32,
    b: f32,
}

impl PairStep for PeakPair {
    #[inline(always)]
    fn step(&mut self, a: f32, b: f32) -> (f32, f32) {
        self.a = peak_step(self.a, a, self.coef);
        self.b = peak_step(self.b, b, self.coef);
        (self.a, self.b)
    }
}

/// Two mean-square averages with one window.
pub(crate) struct RmsPair {
    coef: f64,
    a: f64,
    b: f64,
}

impl PairStep for RmsPair {
    #[inline(always)]
    fn step(&mut self, a: f32, b: f32) -> (f32, f32) {
        self.a = rms_step(self.a, a, self.coef);
        self.b = rms_step(self.b, b, self.coef);
        (rms_level(self.a), rms_level(self.b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::MINUS_INFINITY_DB;
    use std::f32::consts::PI;

    #[test]
    fn peak_and_rms_read_a_sine_at_its_peak_level() {
        let sr = 48_000.0;
        for mode in [DetectorMode::Peak, DetectorMode::Rms] {
            let mut d = LevelDetector::new();
            d.set_mode(mode);
            d.set_rms_window_ms(50.0, sr);
            let amp = 0.25f32; // -12.04 dB
            let mut max_db = f32::MIN;
            let mut last = 0.0;
            for i in 0..48_000 {
                last = d.process_sample(amp * (2.0 * PI * 1000.0 * i as f32 / sr).sin());
                max_db = max_db.max(last);
            }
            let expected = 20.0 * amp.log10();
            match mode {
                DetectorMode::Peak => assert!((max_db - expected).abs() < 0.01, "{max_db}"),
                DetectorMode::Rms => assert!((last - expected).abs() < 0.03, "{last}"),
            }
        }
    }

    #[test]
    fn rms_window_is_a_time_constant() {
        // A DC step of 1: the mean square covers 63.2 % of its step after the window time.
        let sr = 44_100.0;
        let mut d = LevelDetector::new();
        d.set_mode(DetectorMode::Rms);
        d.set_rms_window_ms(10.0, sr);
        let n = (0.010 * sr) as usize;
        let mut db = 0.0;
        for _ in 0..n {
            db = d.process_sample(1.0);
        }
        // level_db = 10 log10(2 ms) with ms = 1 - 1/e.
        let expected = 10.0 * (2.0 * (1.0 - (-1.0f32).exp())).log10();
        assert!((db - expected).abs() < 0.02, "{db} vs {expected}");
    }

    #[test]
    fn peak_release_decays_with_its_time_constant() {
        let sr = 96_000.0;
        let mut d = LevelDetector::new();
        d.set_peak_release_ms(10.0, sr);
        d.process_sample(1.0);
        let n = (0.010 * sr) as usize;
        let mut db = 0.0;
        for _ in 0..n {
            db = d.process_sample(0.0);
        }
        // exp(-1) = -8.69 dB
        assert!((db + 8.686).abs() < 0.01, "{db}");
    }

    #[test]
    fn nan_reads_as_silence_and_never_sticks() {
        let mut d = LevelDetector::new();
        d.set_mode(DetectorMode::Rms);
        d.set_rms_window_ms(1.0, 48_000.0);
        assert!(d.process_sample(f32::NAN).is_finite());
        assert!(d.process_sample(f32::INFINITY).is_finite());
        let db = d.process_sample(0.5);
        assert!(db.is_finite());
        for _ in 0..100_000 {
            d.process_sample(0.0);
        }
        assert_eq!(d.level_db(), MINUS_INFINITY_DB);
    }
}
