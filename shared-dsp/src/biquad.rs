//! A second-order IIR section in transposed direct form II, with `f64` state so that very low
//! cut-offs at very high sample rates (20 Hz at 384 kHz) keep their precision, and the exact
//! magnitude response of its coefficients.
//!
//! Used where fixed coefficients are published or derived once (BS.1770 K-weighting, the sidechain
//! filters of dynamics); modulated filters use the state-variable structures in [`crate::filter`].
//! Structure: Oppenheim & Schafer, *Discrete-Time Signal Processing*, §6.4 (transposed form II).

use std::f64::consts::PI;

/// Normalised coefficients: `H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BiquadCoefs {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl BiquadCoefs {
    /// The identity (a wire).
    pub const IDENTITY: Self = Self {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    /// Complex response at `freq_hz` as (re, im).
    pub fn response(&self, freq_hz: f64, sample_rate: f64) -> (f64, f64) {
        let w = 2.0 * PI * freq_hz / sample_rate;
        let (s1, c1) = w.sin_cos();
        let (s2, c2) = (2.0 * w).sin_cos();
        // e^{-jw} = c1 - j s1
        let nr = self.b0 + self.b1 * c1 + self.b2 * c2;
        let ni = -(self.b1 * s1 + self.b2 * s2);
        let dr = 1.0 + self.a1 * c1 + self.a2 * c2;
        let di = -(self.a1 * s1 + self.a2 * s2);
        let den = dr * dr + di * di;
        ((nr * dr + ni * di) / den, (ni * dr - nr * di) / den)
    }

    /// Magnitude response in dB at `freq_hz`.
    pub fn response_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        let (re, im) = self.response(freq_hz, sample_rate);
        10.0 * (re * re + im * im).max(1e-30).log10()
    }
}

/// One biquad section with its state. `process_sample` is audio-thread safe.
#[derive(Clone, Copy, Debug)]
pub struct Biquad {
    pub coefs: BiquadCoefs,
    s1: f64,
    s2: f64,
}

impl Default for Biquad {
    fn default() -> Self {
        Self::new(BiquadCoefs::IDENTITY)
    }
}

impl Biquad {
    pub fn new(coefs: BiquadCoefs) -> Self {
        Self {
            coefs,
            s1: 0.0,
            s2: 0.0,
        }
    }

    /// Replaces the coefficients, keeping the state.
    #[inline]
    pub fn set_coefs(&mut self, coefs: BiquadCoefs) {
        self.coefs = coefs;
    }

    #[inline]
    pub fn reset(&mut self) {
        self.s1 = 0.0;
        self.s2 = 0.0;
    }

    #[inline]
    pub fn process_sample(&mut self, x: f64) -> f64 {
        let c = &self.coefs;
        let y = c.b0 * x + self.s1;
        self.s1 = c.b1 * x - c.a1 * y + self.s2;
        self.s2 = c.b2 * x - c.a2 * y;
        // A NaN/inf input must not poison the state for longer than this sample, and a decaying
        // tail must not turn subnormal (slow on x86).
        if !(self.s1.is_normal() || self.s1 == 0.0) || !(self.s2.is_normal() || self.s2 == 0.0) {
            self.s1 = crate::util::sanitize_f64(self.s1);
            self.s2 = crate::util::sanitize_f64(self.s2);
        }
        y
    }

    /// In-place processing of an `f32` slice.
    #[inline]
    pub fn process(&mut self, samples: &mut [f32]) {
        for x in samples {
            *x = self.process_sample(*x as f64) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_a_wire() {
        let mut b = Biquad::default();
        let mut v = [1.0f32, -0.5, 0.25];
        b.process(&mut v);
        assert_eq!(v, [1.0, -0.5, 0.25]);
        assert!(BiquadCoefs::IDENTITY.response_db(1000.0, 48_000.0).abs() < 1e-12);
    }

    #[test]
    fn nan_input_does_not_poison_state() {
        let coefs = BiquadCoefs {
            b0: 0.5,
            b1: 0.2,
            b2: 0.1,
            a1: -0.3,
            a2: 0.1,
        };
        let mut b = Biquad::new(coefs);
        b.process_sample(f64::NAN);
        let y = b.process_sample(1.0);
        assert!(y.is_finite());
    }

    #[test]
    fn response_matches_measured_sine_gain() {
        // A resonant low-pass: measure a steady sine's gain and compare.
        let coefs = BiquadCoefs {
            b0: 0.0675,
            b1: 0.135,
            b2: 0.0675,
            a1: -1.143,
            a2: 0.413,
        };
        let sr = 48_000.0;
        let f = 3_000.0;
        let mut b = Biquad::new(coefs);
        let n = 48_000;
        // RMS over the second half, a whole number of periods, after the transient has died.
        let mut sum_sq = 0.0f64;
        for i in 0..n {
            let y = b.process_sample((2.0 * PI * f * i as f64 / sr).sin());
            if i >= n / 2 {
                sum_sq += y * y;
            }
        }
        let rms = (sum_sq / (n / 2) as f64).sqrt();
        let measured = 20.0 * (rms * 2f64.sqrt()).log10();
        assert!((measured - coefs.response_db(f, sr)).abs() < 0.01);
    }
}
