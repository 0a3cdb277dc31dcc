//! Analog (s-domain) prototypes of every band type: the curves the digital filters are matched
//! to, and what the GUI and tests compare against.
//!
//! Bell and shelves are the analog prototypes of R. Bristow-Johnson's *Cookbook formulae for
//! audio EQ biquad filter coefficients* (with `A = 10^(gain_db/40)`); high-/low-pass are
//! Butterworth (`|H|² = 1/(1 + x^2N)`, S. Butterworth, 1930); notch, band-pass and all-pass are the
//! standard second-order sections; tilt is a first-order shelf pair pivoting at `f0`
//! (`H(s) = A·(s + ω0/A)/(s + A·ω0)`, `A = 10^(gain_db/20)`: `−gain_db` at DC, `+gain_db` at
//! high frequencies, 0 dB at `f0`). `x = f/f0` throughout.

use super::params::{BandParams, BandType};

/// A band's analog prototype with its constants precomputed, cheap to evaluate at many
/// frequencies (the matched designer evaluates it a dozen times per design).
#[derive(Clone, Copy, Debug)]
pub struct AnalogPrototype {
    kind: BandType,
    f0: f64,
    q: f64,
    a: f64,
    order: i32,
}

impl AnalogPrototype {
    /// The prototype of `p` (clamped as the designer clamps it; `enabled` ignored).
    pub fn new(p: &BandParams) -> Self {
        let p = p.clamped();
        let g_db = p.gain_db as f64;
        let a = match p.kind {
            BandType::Tilt => 10f64.powf(g_db / 20.0),
            _ => 10f64.powf(g_db / 40.0),
        };
        Self {
            kind: p.kind,
            f0: p.freq_hz as f64,
            q: p.q as f64,
            a,
            order: p.order as i32,
        }
    }

    /// Squared magnitude at `freq_hz`.
    #[inline]
    pub fn magnitude_sq(&self, freq_hz: f64) -> f64 {
        let x = (freq_hz / self.f0).max(0.0);
        let x2 = x * x;
        let (q, a) = (self.q, self.a);
        match self.kind {
            BandType::Bell => {
                let r = (1.0 - x2).powi(2);
                (r + (x * a / q).powi(2)) / (r + (x / (a * q)).powi(2))
            }
            BandType::LowShelf => {
                let m = a.sqrt() * x / q;
                a * a * ((a - x2).powi(2) + m * m) / ((1.0 - a * x2).powi(2) + m * m)
            }
            BandType::HighShelf => {
                let m = a.sqrt() * x / q;
                a * a * ((1.0 - a * x2).powi(2) + m * m) / ((a - x2).powi(2) + m * m)
            }
            BandType::HighPass => {
                let xn = x2.powi(self.order);
                if xn.is_infinite() {
                    1.0
                } else {
                    xn / (1.0 + xn)
                }
            }
            BandType::LowPass => 1.0 / (1.0 + x2.powi(self.order)),
            BandType::Notch => {
                let r = (1.0 - x2).powi(2);
                r / (r + x2 / (q * q))
            }
            BandType::BandPass => {
                let r = (1.0 - x2).powi(2);
                let b = x2 / (q * q);
                b / (r + b)
            }
            BandType::Tilt => a * a * (x2 + 1.0 / (a * a)) / (x2 + a * a),
            BandType::AllPass => 1.0,
        }
    }
}

/// Squared magnitude of the analog prototype of `p` at `freq_hz` (the band's shape even when
/// `p.enabled` is false). Parameters are clamped as the designer clamps them.
pub fn analog_magnitude_sq(p: &BandParams, freq_hz: f64) -> f64 {
    AnalogPrototype::new(p).magnitude_sq(freq_hz)
}

/// Magnitude in dB of the analog prototype of `p` at `freq_hz` (floored at −3000 dB).
pub fn analog_response_db(p: &BandParams, freq_hz: f64) -> f64 {
    10.0 * analog_magnitude_sq(p, freq_hz).max(1e-300).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prototypes_hit_their_defining_points() {
        let f0 = 1000.0;
        let bell = BandParams::bell(f0, 6.0, 2.0);
        assert!((analog_response_db(&bell, 1000.0) - 6.0).abs() < 1e-9);
        assert!(analog_response_db(&bell, 10.0).abs() < 0.01);
        let ls = BandParams::low_shelf(f0, -12.0, 0.707);
        assert!((analog_response_db(&ls, 1.0) + 12.0).abs() < 1e-3);
        assert!((analog_response_db(&ls, 1000.0) + 6.0).abs() < 1e-9);
        let hs = BandParams::high_shelf(f0, 9.0, 0.707);
        assert!((analog_response_db(&hs, 1e6) - 9.0).abs() < 1e-3);
        assert!((analog_response_db(&hs, 1000.0) - 4.5).abs() < 1e-9);
        for order in 1..=16 {
            let hp = BandParams::high_pass(f0, order);
            assert!((analog_response_db(&hp, 1000.0) + 3.0103).abs() < 1e-3);
            // 6 dB/oct per order, far below the corner.
            let slope = analog_response_db(&hp, 20.0) - analog_response_db(&hp, 10.0);
            assert!(
                (slope - 6.0206 * order as f64).abs() < 0.01,
                "{order}: {slope}"
            );
        }
        let tilt = BandParams::new(BandType::Tilt, f0, 6.0, 1.0);
        assert!(analog_response_db(&tilt, 1000.0).abs() < 1e-9);
        assert!((analog_response_db(&tilt, 1e7) - 6.0).abs() < 1e-3);
        assert!((analog_response_db(&tilt, 0.01) + 6.0).abs() < 1e-3);
        let notch = BandParams::new(BandType::Notch, f0, 0.0, 4.0);
        assert!(analog_response_db(&notch, 1000.0) < -200.0);
        let bp = BandParams::new(BandType::BandPass, f0, 0.0, 4.0);
        assert!(analog_response_db(&bp, 1000.0).abs() < 1e-9);
    }
}
