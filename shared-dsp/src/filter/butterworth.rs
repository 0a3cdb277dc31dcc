//! A single-channel Butterworth high-pass or low-pass filter, orders 1–16 (6–96 dB/oct), for
//! sidechain filters and anywhere a plain pass filter is needed.
//!
//! Bilinear transform prewarped at the corner (see [`super::design`]), realised as a cascade of
//! trapezoidal state-variable sections with `f64` state (Zavalishin, *The Art of VA Filter
//! Design*, ch. 3–4; Simper, *Linear Trapezoidal Integrated SVF*, 2013). The SVF keeps full
//! precision for a 20 Hz corner at 384 kHz and tolerates a new cut-off on every sample, so callers
//! may call [`ButterworthFilter::set_cutoff_hz`] as often as they like (it never allocates); no
//! smoothing is applied here — use [`super::EqBank`] for smoothed, click-free, stereo filters.

use super::design::{MAX_BILINEAR_FRACTION, butterworth_sections};
use super::params::MAX_SECTIONS_PER_BAND;
use super::svf::{SvfCoefs, SvfSection, cascade_response_db};

/// High-pass or low-pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PassKind {
    /// Attenuates below the corner.
    HighPass,
    /// Attenuates above the corner.
    LowPass,
}

/// One channel of Butterworth high-/low-pass. `process*` and `reset` are audio-thread safe; every
/// setter recomputes coefficients without allocating.
#[derive(Clone, Debug)]
pub struct ButterworthFilter {
    kind: PassKind,
    order: usize,
    cutoff_hz: f64,
    sample_rate: f64,
    coefs: [SvfCoefs; MAX_SECTIONS_PER_BAND],
    sections: [SvfSection; MAX_SECTIONS_PER_BAND],
    len: usize,
}

impl ButterworthFilter {
    /// A filter of `kind` and `order` (1..=16, clamped; slope 6·order dB/oct) with its −3 dB
    /// corner at `cutoff_hz` (clamped to 0.01 Hz .. 0.49·`sample_rate`).
    pub fn new(kind: PassKind, order: usize, cutoff_hz: f32, sample_rate: f32) -> Self {
        let mut f = Self {
            kind,
            order: order.clamp(1, 16),
            cutoff_hz: cutoff_hz as f64,
            sample_rate: sample_rate as f64,
            coefs: [SvfCoefs::IDENTITY; MAX_SECTIONS_PER_BAND],
            sections: [SvfSection::default(); MAX_SECTIONS_PER_BAND],
            len: 1,
        };
        f.update();
        f
    }

    fn update(&mut self) {
        let fc = self
            .cutoff_hz
            .clamp(0.01, MAX_BILINEAR_FRACTION * self.sample_rate);
        let old_len = self.len;
        self.len = butterworth_sections(
            self.kind == PassKind::HighPass,
            self.order,
            fc,
            self.sample_rate,
            &mut self.coefs,
        );
        for i in 0..self.len {
            self.sections[i].set_coefs(self.coefs[i]);
            if i >= old_len {
                self.sections[i].reset();
            }
        }
    }

    /// Moves the corner. Safe on every sample; never allocates.
    pub fn set_cutoff_hz(&mut self, cutoff_hz: f32) {
        if cutoff_hz.is_finite() && cutoff_hz as f64 != self.cutoff_hz {
            self.cutoff_hz = cutoff_hz as f64;
            self.update();
        }
    }

    /// Changes the order (1..=16). Never allocates; sections added start from rest.
    pub fn set_order(&mut self, order: usize) {
        let order = order.clamp(1, 16);
        if order != self.order {
            self.order = order;
            self.update();
        }
    }

    /// Switches between high-pass and low-pass.
    pub fn set_kind(&mut self, kind: PassKind) {
        if kind != self.kind {
            self.kind = kind;
            self.update();
        }
    }

    /// Changes the sample rate (recomputes coefficients, clears the state).
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate as f64;
        self.update();
        self.reset();
    }

    /// The suite's lifecycle call: recomputes the coefficients for `sample_rate` and clears the
    /// state. Any block length works, so `_max_block` is not needed. Never allocates.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.set_sample_rate(sample_rate);
    }

    /// Added latency in samples: none (minimum-phase IIR).
    pub fn latency(&self) -> usize {
        0
    }

    /// The corner in Hz.
    pub fn cutoff_hz(&self) -> f32 {
        self.cutoff_hz as f32
    }

    /// The order (1..=16).
    pub fn order(&self) -> usize {
        self.order
    }

    /// Clears the state.
    pub fn reset(&mut self) {
        for s in &mut self.sections {
            s.reset();
        }
    }

    /// One sample (`f64` in and out, for callers that keep `f64` signals).
    #[inline]
    pub fn process_sample_f64(&mut self, x: f64) -> f64 {
        let mut y = x;
        for s in &mut self.sections[..self.len] {
            y = s.process_sample(y);
        }
        y
    }

    /// One sample. NaN/inf input gives 0 out and clears the state; output is never subnormal.
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> f32 {
        let y = self.process_sample_f64(x as f64);
        let y = y as f32;
        if y.is_normal() {
            y
        } else {
            if !y.is_finite() {
                self.reset();
            }
            0.0
        }
    }

    /// In-place processing of one channel's block. Tiny states are flushed at the end of the
    /// block so silence never turns subnormal.
    pub fn process(&mut self, samples: &mut [f32]) {
        for x in samples.iter_mut() {
            *x = self.process_sample(*x);
        }
        for s in &mut self.sections[..self.len] {
            s.sanitize();
        }
    }

    /// The section coefficients in use (for analysis).
    pub fn sections(&self) -> &[SvfCoefs] {
        &self.coefs[..self.len]
    }

    /// Magnitude in dB of the digital filter as realised, at `freq_hz`.
    pub fn response_db(&self, freq_hz: f64) -> f64 {
        cascade_response_db(self.sections(), freq_hz, self.sample_rate)
    }

    /// Magnitude in dB of the analog Butterworth prototype at `freq_hz`.
    pub fn analog_response_db(&self, freq_hz: f64) -> f64 {
        let x2 = (freq_hz / self.cutoff_hz).powi(2);
        let xn = x2.powi(self.order as i32);
        let mag_sq = match self.kind {
            PassKind::LowPass => 1.0 / (1.0 + xn),
            PassKind::HighPass => {
                if xn.is_infinite() {
                    1.0
                } else {
                    xn / (1.0 + xn)
                }
            }
        };
        10.0 * mag_sq.max(1e-300).log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corner_is_minus_3_db_and_slope_is_6_db_per_order() {
        for order in 1..=16 {
            let hp = ButterworthFilter::new(PassKind::HighPass, order, 1000.0, 48_000.0);
            assert!((hp.response_db(1000.0) + 3.0103).abs() < 1e-6, "{order}");
            let slope = hp.response_db(20.0) - hp.response_db(10.0);
            assert!(
                (slope - 6.0206 * order as f64).abs() < 0.05,
                "{order}: {slope}"
            );
            let lp = ButterworthFilter::new(PassKind::LowPass, order, 1000.0, 48_000.0);
            assert!((lp.response_db(1000.0) + 3.0103).abs() < 1e-6, "{order}");
        }
    }

    #[test]
    fn nan_input_recovers() {
        let mut f = ButterworthFilter::new(PassKind::HighPass, 4, 100.0, 48_000.0);
        let mut v = vec![0.5f32; 64];
        v[3] = f32::NAN;
        f.process(&mut v);
        assert!(v.iter().all(|x| x.is_finite()));
        let mut w = vec![0.5f32; 64];
        f.process(&mut w);
        assert!(w.iter().all(|x| x.is_finite()) && w[63] != 0.0);
    }
}
