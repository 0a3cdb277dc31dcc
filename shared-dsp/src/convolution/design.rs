//! Linear-phase FIR design by frequency sampling and windowing, for the linear-phase EQ.
//!
//! Technique (Oppenheim & Schafer, *Discrete-Time Signal Processing*, 3rd ed., §7.5–7.6;
//! Smith, *Spectral Audio Signal Processing*, "Window method" and "Frequency sampling"):
//! 1. sample the target magnitude `|H(f)| = 10^(gain_db(f)/20)` with zero phase on a dense grid
//!    of `M ≥ 8 N` points (`M` a power of two), so the ideal impulse response, which an EQ curve
//!    makes infinitely long, is time-aliased only beyond `±M/2` where it has long decayed;
//! 2. one inverse real FFT gives that zero-phase (even) impulse response;
//! 3. keep its central `N` taps (`N` odd), weight them with a window and shift by `(N − 1)/2`.
//!
//! The taps are exactly symmetric, so the phase is exactly linear: constant group delay
//! `(N − 1)/2` samples at every frequency (Oppenheim & Schafer §5.7.3, type I FIR).
//!
//! Window: Kaiser, β = 5 (Kaiser & Schafer, "On the use of the I0-sinh window for spectrum
//! analysis", IEEE Trans. ASSP 28(1), 1980). Truncating the response to `N` taps convolves the
//! target magnitude with the window's transform, i.e. smooths it over the main lobe, about
//! `±2 fs/N` Hz for β = 5. EQ curves are smooth, so the side lobes (−37 dB for β = 5) hardly
//! matter: a 48 dB/oct low-pass designed with β = 4…10 reaches the same −144 dB floor (f32 taps)
//! in its stop band, while the low-frequency error grows with β (+12 dB bell at 60 Hz, Q 2,
//! N = 8191 at 48 kHz: −0.62 dB at β = 4, −0.89 at 6, −1.11 at 8). β = 5 is the compromise.
//!
//! Accuracy: see the module docs of [`super`] (measured figures for the recommended lengths
//! and for narrow/steep low-frequency features).

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner};

use crate::util::{MINUS_INFINITY_DB, db_to_gain_f64};

/// Kaiser window shape parameter used for every kernel (see the module docs).
pub const KAISER_BETA: f64 = 5.0;

/// Kernel length that keeps the same low-frequency resolution at every sample rate: `taps_at_48k`
/// (rounded to `2^k − 1`) scaled by `sample_rate / 48 kHz` (rounded to the next `2^k − 1`, always
/// odd). 8191 taps at 44.1/48 kHz, 16383 at 88.2/96 kHz, 32767 at 176.4/192 kHz, 65535 at
/// 384 kHz for the default `taps_at_48k = 8191`. `2^k − 1` taps fill whole power-of-two
/// partitions exactly once the latency's centre tap is counted.
pub fn recommended_num_taps(sample_rate: f64, taps_at_48k: usize) -> usize {
    let target = taps_at_48k as f64 * (sample_rate / 48_000.0).max(0.25);
    // Allow 10 % slack so 44.1 kHz does not round up past 48 kHz's length.
    let mut n = 1usize;
    while ((n * 2) as f64) - 1.0 < target / 1.1 + 1.0 {
        n *= 2;
    }
    (n * 2 - 1).max(3)
}

/// The kernel that changes nothing: a unit tap at the centre of `num_taps` (odd) taps, i.e. a pure
/// delay of `(num_taps − 1)/2`. A linear-phase EQ with every band flat starts from this so its
/// latency is the same with or without bands. Allocates.
pub fn identity_kernel(num_taps: usize) -> Vec<f32> {
    let mut k = vec![0.0; num_taps];
    k[num_taps / 2] = 1.0;
    k
}

/// Zero-order modified Bessel function of the first kind, by its power series (converges fast
/// for the arguments a Kaiser window needs).
fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1.0;
    while term > sum * 1e-17 {
        term *= q / (k * k);
        sum += term;
        k += 1.0;
    }
    sum
}

/// Designs linear-phase FIR kernels of a fixed odd length from a magnitude response.
///
/// Allocation: [`LinearPhaseDesigner::new`] allocates; [`LinearPhaseDesigner::design`] does not
/// (but costs one large FFT and `M/2 + 1` calls of the response function: run it on a design
/// thread, not the audio thread).
pub struct LinearPhaseDesigner {
    sample_rate: f64,
    num_taps: usize,
    grid_len: usize,
    ifft: Arc<dyn ComplexToReal<f64>>,
    spectrum: Vec<Complex<f64>>,
    impulse: Vec<f64>,
    scratch: Vec<Complex<f64>>,
    /// Window for taps `c..N` (`c` the centre); the left half mirrors it.
    half_window: Vec<f64>,
}

impl LinearPhaseDesigner {
    /// A designer for kernels of `num_taps` taps (made odd by adding one if even) at
    /// `sample_rate`. Allocates.
    pub fn new(sample_rate: f64, num_taps: usize) -> Self {
        Self::with_kaiser_beta(sample_rate, num_taps, KAISER_BETA)
    }

    /// Like [`LinearPhaseDesigner::new`] with another Kaiser window shape: smaller `beta`
    /// resolves narrow low features better but leaks more (side lobes ≈ −58 dB at 8, −44 dB at
    /// 6, −30 dB at 4, Kaiser & Schafer 1980). Allocates.
    pub fn with_kaiser_beta(sample_rate: f64, num_taps: usize, beta: f64) -> Self {
        let num_taps = (num_taps.max(3)) | 1;
        let grid_len = (8 * num_taps).next_power_of_two();
        let ifft = RealFftPlanner::<f64>::new().plan_fft_inverse(grid_len);
        let centre = num_taps / 2;
        let denom = bessel_i0(beta);
        let half_window = (0..=centre)
            .map(|j| {
                let r = j as f64 / centre as f64;
                bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / denom
            })
            .collect();
        Self {
            sample_rate,
            num_taps,
            grid_len,
            spectrum: vec![Complex::default(); grid_len / 2 + 1],
            impulse: vec![0.0; grid_len],
            scratch: vec![Complex::default(); ifft.get_scratch_len()],
            ifft,
            half_window,
        }
    }

    /// Kernel length `N` (odd).
    pub fn num_taps(&self) -> usize {
        self.num_taps
    }

    /// Group delay of every kernel, `(N − 1)/2` samples: what the convolver must declare as
    /// `kernel_delay_samples`.
    pub fn group_delay_samples(&self) -> usize {
        self.num_taps / 2
    }

    /// Sample rate the kernels are designed for.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Writes into `taps` (length [`LinearPhaseDesigner::num_taps`]) the linear-phase kernel
    /// whose magnitude follows `gain_db(freq_hz)` (e.g. an EQ's summed analytic `response_db`),
    /// evaluated from 0 Hz to Nyquist. Gains below −200 dB count as −200 dB; NaN counts as 0 dB.
    /// Does not allocate.
    ///
    /// # Panics
    /// If `taps.len()` differs from `num_taps()`.
    pub fn design(&mut self, gain_db: impl Fn(f64) -> f64, taps: &mut [f32]) {
        assert_eq!(taps.len(), self.num_taps, "kernel length");
        let bin_hz = self.sample_rate / self.grid_len as f64;
        for (k, c) in self.spectrum.iter_mut().enumerate() {
            let db = gain_db(k as f64 * bin_hz);
            let db = if db.is_nan() {
                0.0
            } else {
                db.max(MINUS_INFINITY_DB as f64)
            };
            *c = Complex::new(db_to_gain_f64(db), 0.0);
        }
        self.finish(taps);
    }

    /// The design grid: `(number of bins, Hz per bin)`; bin `k` is at `k · Hz per bin`, from
    /// 0 Hz to Nyquist.
    pub fn grid(&self) -> (usize, f64) {
        (self.spectrum.len(), self.sample_rate / self.grid_len as f64)
    }

    /// Like [`LinearPhaseDesigner::design`], from a zero-phase amplitude per grid bin (see
    /// [`LinearPhaseDesigner::grid`]). Any sign is allowed: a negative amplitude is a polarity
    /// flip at that frequency, as in the cross terms of a mid/side band's left/right matrix.
    /// Non-finite amplitudes count as 0. Does not allocate.
    ///
    /// # Panics
    /// If `amplitude` is not one value per grid bin or `taps.len()` differs from `num_taps()`.
    pub fn design_from_amplitudes(&mut self, amplitude: &[f64], taps: &mut [f32]) {
        assert_eq!(
            amplitude.len(),
            self.spectrum.len(),
            "one amplitude per bin"
        );
        assert_eq!(taps.len(), self.num_taps, "kernel length");
        for (c, &a) in self.spectrum.iter_mut().zip(amplitude) {
            *c = Complex::new(if a.is_finite() { a } else { 0.0 }, 0.0);
        }
        self.finish(taps);
    }

    /// Inverse transform of the zero-phase spectrum, windowed and centred into `taps`.
    fn finish(&mut self, taps: &mut [f32]) {
        self.ifft
            .process_with_scratch(&mut self.spectrum, &mut self.impulse, &mut self.scratch)
            .expect("buffers sized by the plan");
        let scale = 1.0 / self.grid_len as f64;
        let centre = self.num_taps / 2;
        for (j, &w) in self.half_window.iter().enumerate() {
            // The zero-phase response is even: impulse[j] == impulse[M - j] up to rounding; use
            // one value for both sides so the taps are exactly symmetric.
            let v = (self.impulse[j] * scale * w) as f32;
            taps[centre + j] = v;
            taps[centre - j] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recommended_lengths() {
        assert_eq!(recommended_num_taps(44_100.0, 8191), 8191);
        assert_eq!(recommended_num_taps(48_000.0, 8191), 8191);
        assert_eq!(recommended_num_taps(96_000.0, 8191), 16383);
        assert_eq!(recommended_num_taps(88_200.0, 8191), 16383);
        assert_eq!(recommended_num_taps(192_000.0, 8191), 32767);
        assert_eq!(recommended_num_taps(384_000.0, 8191), 65535);
        assert_eq!(recommended_num_taps(22_050.0, 8191), 4095);
        assert_eq!(recommended_num_taps(48_000.0, 4095), 4095);
    }

    #[test]
    fn bessel_matches_known_values() {
        // Abramowitz & Stegun table 9.8: I0(1) = 1.266065878, I0(8) = 427.5641157.
        assert!((bessel_i0(1.0) - 1.266_065_878).abs() < 1e-8);
        assert!((bessel_i0(8.0) - 427.564_115_7).abs() < 1e-6);
    }

    #[test]
    fn amplitudes_and_decibels_design_the_same_kernel() {
        let mut d = LinearPhaseDesigner::new(48_000.0, 511);
        let (bins, hz) = d.grid();
        let db = |f: f64| 6.0 / (1.0 + (f / 1000.0).powi(2));
        let amps: Vec<f64> = (0..bins)
            .map(|k| 10f64.powf(db(k as f64 * hz) / 20.0))
            .collect();
        let (mut a, mut b) = (vec![0.0; 511], vec![0.0; 511]);
        d.design(db, &mut a);
        d.design_from_amplitudes(&amps, &mut b);
        assert_eq!(a, b);
        // A negative amplitude is a polarity flip.
        let neg: Vec<f64> = amps.iter().map(|x| -x).collect();
        d.design_from_amplitudes(&neg, &mut b);
        assert!(a.iter().zip(&b).all(|(x, y)| *x == -*y));
    }

    #[test]
    fn flat_response_is_a_centred_unit_impulse() {
        let mut d = LinearPhaseDesigner::new(48_000.0, 255);
        let mut taps = vec![0.0; 255];
        d.design(|_| 0.0, &mut taps);
        for (i, &t) in taps.iter().enumerate() {
            let want = if i == 127 { 1.0 } else { 0.0 };
            assert!((t - want).abs() < 1e-6, "tap {i}: {t}");
        }
        assert_eq!(d.group_delay_samples(), 127);
    }
}
