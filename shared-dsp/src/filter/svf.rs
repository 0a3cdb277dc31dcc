//! The trapezoidal (TPT / zero-delay-feedback) state-variable filter section every Lathe filter is
//! built from, with a general output mix so that ANY stable second-order digital transfer function
//! can be realised in it, and the exact magnitude response of the section as realised.
//!
//! Sources:
//! - V. Zavalishin, *The Art of VA Filter Design*, rev. 2.1.2 (2020), ch. 3–4: trapezoidal
//!   integration of the analog state-variable filter, and why it tolerates fast coefficient
//!   modulation (the states are integrator outputs, not delayed samples, so a coefficient change
//!   does not inject the energy a direct-form biquad's state reinterpretation does).
//! - A. Simper, *Linear Trapezoidal Integrated State Variable Filter* (Cytomic technical paper,
//!   2013): the `ic1eq`/`ic2eq` update and the output mix `m0·v0 + m1·v1 + m2·v2`.
//!
//! Normalised form. With `σ = s / g` (the bilinear variable `s = (z − 1)/(z + 1)` scaled by the
//! section's `g`), the section is
//!
//! ```text
//!            c2·σ² + c1·σ + c0                  c2 = m0
//!   H(σ) = ---------------------,   where      c1 = m1 + k·m0
//!              σ² + k·σ + 1                    c0 = m2 + m0
//! ```
//!
//! On the unit circle `s = j·tan(ω/2)`, so with `w = tan(ω/2)/g` the magnitude is
//! `|H|² = ((c0 − c2·w²)² + (c1·w)²) / ((1 − w²)² + (k·w)²)` — exact for the digital filter as
//! realised, a handful of multiplications per frequency.
//!
//! Per-sample update (Simper's form, rearranged so `v2` is never formed; 12 multiply/adds):
//!
//! ```text
//!   v1   = a1·ic1 + a2·(x − ic2)          a1 = 1/(1 + g(g + k)),  a2 = g·a1
//!   y    = m0·x + n1·v1 + m2·ic2          n1 = m1 + g·m2
//!   ic2 += 2g·v1
//!   ic1  = 2·v1 − ic1
//! ```

/// Coefficients of one state-variable section in Simper's parametrisation. `g > 0`, `k > 0` keep
/// it stable; the output mix `m0, m1, m2` places the zeros.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SvfCoefs {
    /// Bilinear-warped cut-off, `tan(π·f/fs)` for a section designed by the bilinear transform.
    pub g: f64,
    /// Damping, `1/Q`.
    pub k: f64,
    /// Weight of the input (`v0`).
    pub m0: f64,
    /// Weight of the band-pass output (`v1`).
    pub m1: f64,
    /// Weight of the low-pass output (`v2`).
    pub m2: f64,
}

impl SvfCoefs {
    /// The identity (a wire): `y = x` exactly.
    pub const IDENTITY: Self = Self {
        g: 0.1,
        k: 1.0,
        m0: 1.0,
        m1: 0.0,
        m2: 0.0,
    };

    /// True when the section is exactly a wire.
    pub fn is_identity(&self) -> bool {
        self.m0 == 1.0 && self.m1 == 0.0 && self.m2 == 0.0
    }

    /// Numerator coefficients `(c2, c1, c0)` of the normalised transfer function (module doc).
    #[inline]
    pub fn numerator(&self) -> (f64, f64, f64) {
        (self.m0, self.m1 + self.k * self.m0, self.m2 + self.m0)
    }

    /// Builds the section from a normalised numerator `(c2, c1, c0)`, `g` and `k`.
    #[inline]
    pub fn from_numerator(g: f64, k: f64, c2: f64, c1: f64, c0: f64) -> Self {
        Self {
            g,
            k,
            m0: c2,
            m1: c1 - k * c2,
            m2: c0 - c2,
        }
    }

    /// Squared magnitude at `t = tan(π·freq_hz/sample_rate)` (shared by every section at one
    /// frequency, so a cascade costs one `tan`).
    #[inline]
    pub fn magnitude_sq_at_tan(&self, t: f64) -> f64 {
        if self.is_identity() {
            return 1.0;
        }
        let (c2, c1, c0) = self.numerator();
        let w = t / self.g;
        if !w.is_finite() || w > 1e12 {
            // At (or numerically at) Nyquist: the limit w → ∞.
            return c2 * c2;
        }
        let w2 = w * w;
        let nr = c0 - c2 * w2;
        let ni = c1 * w;
        let dr = 1.0 - w2;
        let di = self.k * w;
        (nr * nr + ni * ni) / (dr * dr + di * di)
    }

    /// Complex response `(re, im)` at `t = tan(π·freq_hz/sample_rate)`.
    #[inline]
    pub fn response_at_tan(&self, t: f64) -> (f64, f64) {
        let (c2, c1, c0) = self.numerator();
        let w = t / self.g;
        if !w.is_finite() || w > 1e12 {
            return (c2, 0.0);
        }
        let w2 = w * w;
        let (nr, ni) = (c0 - c2 * w2, c1 * w);
        let (dr, di) = (1.0 - w2, self.k * w);
        let den = dr * dr + di * di;
        ((nr * dr + ni * di) / den, (ni * dr - nr * di) / den)
    }

    /// Magnitude response in dB of the section as realised, at `freq_hz`.
    pub fn response_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        10.0 * self
            .magnitude_sq_at_tan(warp(freq_hz, sample_rate))
            .max(1e-300)
            .log10()
    }

    /// The same section in the direct-form coefficients of [`crate::biquad::BiquadCoefs`]
    /// (for cross-checks; processing uses the SVF).
    pub fn to_biquad(&self) -> crate::biquad::BiquadCoefs {
        // H = N(s)/D(s) with s = (z−1)/(z+1):  N = c2 s²/g² + c1 s/g + c0,  D = s²/g² + k s/g + 1.
        let (c2, c1, c0) = self.numerator();
        let g = self.g;
        let (n2, n1, n0) = (c2 / (g * g), c1 / g, c0);
        let (d2, d1, d0) = (1.0 / (g * g), self.k / g, 1.0);
        // s^2 -> (z-1)^2, s -> (z-1)(z+1), 1 -> (z+1)^2, in powers of z^-1.
        let b0 = n2 + n1 + n0;
        let b1 = -2.0 * n2 + 2.0 * n0;
        let b2 = n2 - n1 + n0;
        let a0 = d2 + d1 + d0;
        let a1 = -2.0 * d2 + 2.0 * d0;
        let a2 = d2 - d1 + d0;
        crate::biquad::BiquadCoefs {
            b0: b0 / a0,
            b1: b1 / a0,
            b2: b2 / a0,
            a1: a1 / a0,
            a2: a2 / a0,
        }
    }
}

/// `tan(π·freq_hz/sample_rate)`: the bilinear-warped frequency. Clamped just below Nyquist so it
/// stays finite.
#[inline]
pub fn warp(freq_hz: f64, sample_rate: f64) -> f64 {
    let x = (freq_hz / sample_rate).clamp(0.0, 0.5 - 1e-12);
    (std::f64::consts::PI * x).tan()
}

/// Magnitude in dB of a cascade of sections at `freq_hz` (one `tan` for all of them).
pub fn cascade_response_db(sections: &[SvfCoefs], freq_hz: f64, sample_rate: f64) -> f64 {
    let t = warp(freq_hz, sample_rate);
    let mag_sq: f64 = sections.iter().map(|s| s.magnitude_sq_at_tan(t)).product();
    10.0 * mag_sq.max(1e-300).log10()
}

/// One section with `f64` state, for one channel. Coefficients may change on every sample.
///
/// `process_sample` and `reset` are audio-thread safe.
#[derive(Clone, Copy, Debug)]
pub struct SvfSection {
    coefs: SvfCoefs,
    a1: f64,
    a2: f64,
    g2: f64,
    n1: f64,
    ic1: f64,
    ic2: f64,
}

impl Default for SvfSection {
    fn default() -> Self {
        Self::new(SvfCoefs::IDENTITY)
    }
}

impl SvfSection {
    /// A section at rest with the given coefficients.
    pub fn new(coefs: SvfCoefs) -> Self {
        let mut s = Self {
            coefs,
            a1: 0.0,
            a2: 0.0,
            g2: 0.0,
            n1: 0.0,
            ic1: 0.0,
            ic2: 0.0,
        };
        s.set_coefs(coefs);
        s
    }

    /// Replaces the coefficients, keeping the state (safe on every sample). Never allocates.
    #[inline]
    pub fn set_coefs(&mut self, coefs: SvfCoefs) {
        self.coefs = coefs;
        let g = coefs.g;
        self.a1 = 1.0 / (1.0 + g * (g + coefs.k));
        self.a2 = g * self.a1;
        self.g2 = 2.0 * g;
        self.n1 = coefs.m1 + g * coefs.m2;
    }

    /// The coefficients in use.
    pub fn coefs(&self) -> SvfCoefs {
        self.coefs
    }

    /// Clears the state.
    #[inline]
    pub fn reset(&mut self) {
        self.ic1 = 0.0;
        self.ic2 = 0.0;
    }

    /// One sample through the section.
    #[inline(always)]
    pub fn process_sample(&mut self, x: f64) -> f64 {
        let v1 = self.a1 * self.ic1 + self.a2 * (x - self.ic2);
        let y = self.coefs.m0 * x + self.n1 * v1 + self.coefs.m2 * self.ic2;
        self.ic2 += self.g2 * v1;
        self.ic1 = 2.0 * v1 - self.ic1;
        y
    }

    /// Zeroes non-finite states (after a NaN/inf input) and states too small to matter, before
    /// they turn subnormal.
    #[inline]
    pub fn sanitize(&mut self) {
        self.ic1 = flush(self.ic1);
        self.ic2 = flush(self.ic2);
    }
}

/// Below this an `f64` filter state is treated as silence (about -600 dBFS): far above the
/// subnormal range, far below anything audible.
pub const STATE_FLOOR: f64 = 1e-30;

/// Zero for non-finite values and values below [`STATE_FLOOR`]; the value otherwise.
#[inline(always)]
pub fn flush(x: f64) -> f64 {
    if x.abs() >= STATE_FLOOR && x.is_finite() {
        x
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure_impulse(coefs: SvfCoefs, n: usize) -> Vec<f64> {
        let mut s = SvfSection::new(coefs);
        (0..n)
            .map(|i| s.process_sample(if i == 0 { 1.0 } else { 0.0 }))
            .collect()
    }

    #[test]
    fn matches_direct_form_biquad() {
        // The same transfer function through the SVF and through the reference DF2T biquad.
        let c = SvfCoefs::from_numerator(0.3, 0.5, 0.7, 1.3, 2.1);
        let bq = c.to_biquad();
        let mut df = crate::biquad::Biquad::new(bq);
        let h = measure_impulse(c, 200);
        for (i, &y) in h.iter().enumerate() {
            let r = df.process_sample(if i == 0 { 1.0 } else { 0.0 });
            assert!((y - r).abs() < 1e-12, "{i}: {y} vs {r}");
        }
        for f in [10.0, 1000.0, 7000.0, 20_000.0] {
            let a = c.response_db(f, 48_000.0);
            let b = bq.response_db(f, 48_000.0);
            assert!((a - b).abs() < 1e-9, "{f}: {a} vs {b}");
        }
    }

    #[test]
    fn identity_is_exact() {
        let mut s = SvfSection::default();
        for x in [1.0, -0.3, 1e-20, 12345.678] {
            assert_eq!(s.process_sample(x), x);
        }
    }

    #[test]
    fn flush_removes_non_finite_and_tiny() {
        assert_eq!(flush(f64::NAN), 0.0);
        assert_eq!(flush(f64::INFINITY), 0.0);
        assert_eq!(flush(1e-300), 0.0);
        assert_eq!(flush(-0.25), -0.25);
    }
}
