//! Error-feedback noise shaping filters.
//!
//! The quantiser's total error `e` (dither plus rounding, white with TPDF dither: variance
//! LSB²/4) is filtered and subtracted from the next inputs, so the output error is
//! `(1 − H(z))·e` with `H(z) = Σ cₖ z⁻ᵏ` — the noise transfer function (NTF). (Lipshitz,
//! Wannamaker & Vanderkooy, "Quantization and dither: a theoretical survey", JAES 40(5), 1992.)
//!
//! Coefficients `cₖ`:
//! - first order: `1` → NTF `1 − z⁻¹` (+6 dB at Nyquist, notch at DC);
//! - second order: `2, −1` → NTF `(1 − z⁻¹)²`;
//! - Lipshitz 5-tap "minimally audible" curve for 44.1 kHz: `2.033, −2.165, 1.959, −1.590,
//!   0.6149` (S. P. Lipshitz, J. Vanderkooy, R. A. Wannamaker, "Minimally audible noise
//!   shaping", JAES 39(11), 1991) — about −16 dB below 3 kHz, a notch near 4 kHz, the noise
//!   pushed above 15 kHz (+19 dB at Nyquist);
//! - Wannamaker 9-tap F-weighted curve for 44.1 kHz: `2.412, −3.370, 3.937, −4.174, 3.353,
//!   −2.205, 1.281, −0.569, 0.0847` (R. A. Wannamaker, "Psychoacoustically optimal noise
//!   shaping", JAES 40(7/8), 1992).
//!
//! The two psychoacoustic curves were designed for 44.1 kHz; at 48 kHz they shift up 9 % in
//! frequency (still useful); at higher rates use first/second order or none — at 88.2 kHz and up
//! 24-bit output needs no shaping anyway.

use std::f64::consts::PI;

/// Largest number of feedback taps of any shaper.
pub const MAX_TAPS: usize = 9;

/// Noise-shaping curve applied with the TPDF dither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NoiseShaping {
    /// Flat (white) TPDF dither.
    #[default]
    Off,
    /// First-order highpass shaping, NTF `1 − z⁻¹`.
    FirstOrder,
    /// Second-order highpass shaping, NTF `(1 − z⁻¹)²`.
    SecondOrder,
    /// Lipshitz et al. 5-tap psychoacoustic curve (44.1/48 kHz).
    Lipshitz,
    /// Wannamaker 9-tap F-weighted psychoacoustic curve (44.1/48 kHz).
    FWeighted,
}

impl NoiseShaping {
    /// Feedback coefficients `cₖ` (`H(z) = Σ cₖ z⁻⁽ᵏ⁺¹⁾`).
    pub fn coefficients(self) -> &'static [f64] {
        match self {
            Self::Off => &[],
            Self::FirstOrder => &[1.0],
            Self::SecondOrder => &[2.0, -1.0],
            Self::Lipshitz => &[2.033, -2.165, 1.959, -1.590, 0.6149],
            Self::FWeighted => &[
                2.412, -3.370, 3.937, -4.174, 3.353, -2.205, 1.281, -0.569, 0.0847,
            ],
        }
    }

    /// Power gain of the NTF, `|1 − H(e^{jω})|²`, at `freq_hz`.
    pub fn ntf_power(self, freq_hz: f64, sample_rate: f64) -> f64 {
        let w = 2.0 * PI * freq_hz / sample_rate;
        let (mut re, mut im) = (1.0, 0.0);
        for (k, c) in self.coefficients().iter().enumerate() {
            let a = w * (k + 1) as f64;
            re -= c * a.cos();
            im += c * a.sin();
        }
        re * re + im * im
    }

    /// NTF in dB at `freq_hz` (what the GUI can draw; 0 dB = flat TPDF noise).
    pub fn ntf_db(self, freq_hz: f64, sample_rate: f64) -> f64 {
        10.0 * self.ntf_power(freq_hz, sample_rate).max(1e-30).log10()
    }

    /// Total noise power gain over flat dither, `1 + Σ cₖ²` (white input to the NTF).
    pub fn total_power_gain(self) -> f64 {
        1.0 + self.coefficients().iter().map(|c| c * c).sum::<f64>()
    }
}
