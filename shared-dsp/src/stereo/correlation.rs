//! Stereo correlation and balance meter.
//!
//! Pearson's correlation at lag 0, `r = E[LR] / √(E[L²]·E[R²])`, with the expectations taken by
//! one-pole (RC) integrators of time constant `time_ms` — audio has no DC to speak of, so the
//! means are taken as zero, as in analogue phase-correlation meters. `r` is +1 for mono, 0 for
//! uncorrelated channels (or one silent channel), −1 for polarity-inverted channels. The balance
//! is the energy ratio of the same integrators: `(E[R²] − E[L²]) / (E[R²] + E[L²])` in −1 … +1
//! (+1 = all right), and `10·log10(E[R²]/E[L²])` in dB.
//!
//! **Silence**: when either channel's mean power is below [`CorrelationMeter::SILENCE_POWER`]
//! (−100 dBFS RMS) the correlation reads 0 (nothing to correlate); when both are, the balance
//! reads 0 (centre).
//!
//! The integrators run in `f64` so that long time constants at high rates (1 − coef ≈ 1e-5)
//! keep full precision; each sample updates them once, so any block split gives the same result.

use crate::util::{one_pole_coef_f64, sanitize_f64};

/// Correlation and balance meter for a stereo pair (analysis only; the audio is not changed).
///
/// Allocation: none anywhere. `process`/`reset` are audio-thread safe.
#[derive(Clone, Debug)]
pub struct CorrelationMeter {
    coef: f64,
    ll: f64,
    rr: f64,
    lr: f64,
    time_ms: f32,
    sample_rate: f32,
}

impl CorrelationMeter {
    /// Default integration time, ms.
    pub const DEFAULT_TIME_MS: f32 = 300.0;
    /// Mean power (per channel, both channels) below which the input counts as silence:
    /// −100 dBFS RMS.
    pub const SILENCE_POWER: f64 = 1e-10;

    /// A meter at `sample_rate` with [`Self::DEFAULT_TIME_MS`].
    pub fn new(sample_rate: f32) -> Self {
        let mut m = Self {
            coef: 0.0,
            ll: 0.0,
            rr: 0.0,
            lr: 0.0,
            time_ms: Self::DEFAULT_TIME_MS,
            sample_rate,
        };
        m.update();
        m
    }

    /// Sets the sample rate (keeps the integration time) and forgets the history. Any block
    /// length works (`_max_block` unused). Never allocates.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.update();
        self.reset();
    }

    /// Added latency in samples: none (a meter; the audio is not touched).
    pub fn latency(&self) -> usize {
        0
    }

    /// Sets the integration time constant in ms.
    pub fn set_time(&mut self, time_ms: f32) {
        self.time_ms = time_ms;
        self.update();
    }

    fn update(&mut self) {
        self.coef = one_pole_coef_f64(self.time_ms as f64, self.sample_rate as f64);
    }

    /// Forgets the history (reads 0 until new audio arrives).
    pub fn reset(&mut self) {
        self.ll = 0.0;
        self.rr = 0.0;
        self.lr = 0.0;
    }

    /// Integrates a stereo block. Non-finite samples count as 0.
    pub fn process(&mut self, left: &[f32], right: &[f32]) {
        let a = 1.0 - self.coef;
        let (mut ll, mut rr, mut lr) = (self.ll, self.rr, self.lr);
        for (&l, &r) in left.iter().zip(right.iter()) {
            let l = if l.is_finite() { l as f64 } else { 0.0 };
            let r = if r.is_finite() { r as f64 } else { 0.0 };
            ll += a * (l * l - ll);
            rr += a * (r * r - rr);
            lr += a * (l * r - lr);
        }
        // Flush subnormal tails (only reached after minutes of silence; values far below the
        // silence threshold, so the readings are unaffected).
        self.ll = sanitize_f64(ll);
        self.rr = sanitize_f64(rr);
        self.lr = sanitize_f64(lr);
    }

    fn is_silent(&self) -> bool {
        self.ll < Self::SILENCE_POWER && self.rr < Self::SILENCE_POWER
    }

    /// Correlation −1 … +1; 0 when either channel is below the silence threshold.
    pub fn correlation(&self) -> f32 {
        if self.ll < Self::SILENCE_POWER || self.rr < Self::SILENCE_POWER {
            return 0.0;
        }
        (self.lr / (self.ll * self.rr).sqrt()).clamp(-1.0, 1.0) as f32
    }

    /// Balance −1 (all left) … +1 (all right), from the channels' energies; 0 on silence.
    pub fn balance(&self) -> f32 {
        if self.is_silent() {
            return 0.0;
        }
        ((self.rr - self.ll) / (self.rr + self.ll)) as f32
    }

    /// Balance as right-to-left energy ratio in dB (+ = right louder), clamped to ±100 dB; 0 on
    /// silence.
    pub fn balance_db(&self) -> f32 {
        if self.is_silent() {
            return 0.0;
        }
        let ratio = self.rr.max(1e-30) / self.ll.max(1e-30);
        (10.0 * ratio.log10()).clamp(-100.0, 100.0) as f32
    }

    /// Mean power of the left and right channels (for level readouts).
    pub fn mean_power(&self) -> (f64, f64) {
        (self.ll, self.rr)
    }
}
