//! Measuring tools for the limiter's tests, shared by `shared-dsp/tests/limiter.rs` and the
//! plugin's `plugins/lathe_limiter/tests/engine.rs` so both hold the limiter to the same yardstick
//! (nothing in the audio path uses them; everything here allocates).
//!
//! - [`ReferenceTruePeak`]: an independent 16x true-peak reader, deliberately built unlike the
//!   limiter's own detectors (Kaiser windows, f32, parabolic refinement): a Blackman-Harris
//!   (4-term, -92 dB side lobes) windowed sinc, 128 taps per phase, evaluated in f64. Response
//!   0.99 at 0.48 fs, 0.88 at 0.49 fs, 0.5 at fs/2. On a 16x grid a peak can fall 1/32 sample
//!   from the nearest point: a sine at f reads at least `cos(π f / 16)` of its peak (0.01 dB low
//!   at fs/4, 0.04 dB at fs/2). (Window: F. J. Harris, "On
//!   the use of windows for harmonic analysis with the discrete Fourier transform", Proc. IEEE
//!   66(1), 1978, table I; 16x as the measuring standard, stricter than ITU-R BS.1770-4
//!   Annex 2's 4x.)
//! - [`TECH3341_TRUE_PEAK_CASES`]: the true-peak test signals 15–19 of EBU Tech 3341 (2016,
//!   §2.9 / table 2) as parameters, and [`sine`] to synthesise them.

use std::f64::consts::PI;

/// The 16x reference true-peak reader. See the module documentation.
#[derive(Clone, Debug)]
pub struct ReferenceTruePeak {
    /// Phase-major, `R` phases of `T` taps, each reversed to dot with a window oldest first.
    phases: Vec<f64>,
}

impl Default for ReferenceTruePeak {
    fn default() -> Self {
        Self::new()
    }
}

impl ReferenceTruePeak {
    /// Interpolation factor.
    pub const R: usize = 16;
    /// Taps per phase.
    pub const T: usize = 128;

    /// Designs the interpolator (each phase normalised to unity DC gain). Allocates.
    pub fn new() -> Self {
        let (r, t) = (Self::R, Self::T);
        let len = r * t;
        let c = (len as f64 - 1.0) / 2.0;
        let h: Vec<f64> = (0..len)
            .map(|n| {
                let x = (n as f64 - c) / r as f64;
                let sinc = if x.abs() < 1e-12 {
                    1.0
                } else {
                    (PI * x).sin() / (PI * x)
                };
                let w = 2.0 * PI * n as f64 / (len as f64 - 1.0);
                let win = 0.35875 - 0.48829 * w.cos() + 0.14128 * (2.0 * w).cos()
                    - 0.01168 * (3.0 * w).cos();
                sinc * win
            })
            .collect();
        let mut phases = Vec::with_capacity(len);
        for p in 0..r {
            let ph: Vec<f64> = (0..t).map(|j| h[p + r * j]).collect();
            let s: f64 = ph.iter().sum();
            phases.extend(ph.iter().rev().map(|v| v / s));
        }
        Self { phases }
    }

    /// The true peak (linear) of `x`, zero-padded on both sides (so a signal that starts or
    /// stops abruptly is measured with its reconstruction's ringing, as a DAC would play it).
    pub fn true_peak(&self, x: &[f32]) -> f64 {
        let xs = Self::padded(x);
        let sample_peak = x.iter().fold(0.0f64, |a, &b| a.max((b as f64).abs()));
        sample_peak.max(self.peak_of_windows(&xs, 0, xs.len() - Self::T + 1))
    }

    /// The largest magnitude of `x`'s reconstruction (and of its samples) at times from sample
    /// `from` to sample `to` (zero padding outside `x`): for steady-state readings that leave out
    /// an abrupt start's or end's ringing.
    pub fn true_peak_between(&self, x: &[f32], from: usize, to: usize) -> f64 {
        let to = to.min(x.len());
        let from = from.min(to);
        let xs = Self::padded(x);
        let sample_peak = x[from..to]
            .iter()
            .fold(0.0f64, |a, &b| a.max((b as f64).abs()));
        // Window `w` (the `T` padded samples from index `w`) gives the points at times
        // `w - 1 - T/2 + (2p + 1) / 2R` (p = 0..R), i.e. between samples `w - T/2 - 1` and
        // `w - T/2`, since the prototype's delay is `(R T - 1) / 2` high-rate samples.
        let half = Self::T / 2;
        sample_peak.max(self.peak_of_windows(&xs, from + half + 1, to + half + 1))
    }

    fn padded(x: &[f32]) -> Vec<f64> {
        std::iter::repeat_n(0.0, Self::T)
            .chain(x.iter().map(|&v| v as f64))
            .chain(std::iter::repeat_n(0.0, Self::T))
            .collect()
    }

    /// Largest magnitude of the `R` points of each window starting at `first..last`.
    fn peak_of_windows(&self, xs: &[f64], first: usize, last: usize) -> f64 {
        let t = Self::T;
        let last = last.min(xs.len() + 1 - t);
        let mut peak = 0.0f64;
        for w in first..last {
            let win = &xs[w..w + t];
            for ph in self.phases.chunks_exact(t) {
                // Four partial sums: shorter dependency chains, same result to rounding.
                let mut acc = [0.0f64; 4];
                for (a, b) in ph.chunks_exact(4).zip(win.chunks_exact(4)) {
                    for k in 0..4 {
                        acc[k] += a[k] * b[k];
                    }
                }
                peak = peak.max(((acc[0] + acc[1]) + (acc[2] + acc[3])).abs());
            }
        }
        peak
    }

    /// The true peak in dB re full scale.
    pub fn true_peak_db(&self, x: &[f32]) -> f64 {
        20.0 * self.true_peak(x).max(1e-30).log10()
    }
}

/// One EBU Tech 3341 true-peak test signal: a stereo sine, the same in both channels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tech3341Case {
    /// The case number in Tech 3341.
    pub case: u32,
    /// Frequency as a fraction of the sample rate.
    pub freq_over_fs: f64,
    /// Peak amplitude of the sine (linear).
    pub amplitude: f64,
    /// Phase of the first sample, degrees.
    pub phase_deg: f64,
    /// The true peak a meter must read, dBTP (tolerance +0.2 / -0.4 dB).
    pub expected_dbtp: f64,
}

impl Tech3341Case {
    /// `len` samples of the case's signal (one channel).
    pub fn signal(&self, len: usize) -> Vec<f32> {
        sine(self.freq_over_fs, self.amplitude, self.phase_deg, len)
    }
}

/// EBU Tech 3341 true-peak cases 15–19 (fs/4 at 0°, fs/4 at 45°, fs/6 at 60°, fs/8 at 67.5°,
/// all -6 dBTP at amplitude 0.5; case 19 is fs/4 at 45° with amplitude 1.41, +3 dBTP).
pub const TECH3341_TRUE_PEAK_CASES: [Tech3341Case; 5] = [
    Tech3341Case {
        case: 15,
        freq_over_fs: 0.25,
        amplitude: 0.5,
        phase_deg: 0.0,
        expected_dbtp: -6.0,
    },
    Tech3341Case {
        case: 16,
        freq_over_fs: 0.25,
        amplitude: 0.5,
        phase_deg: 45.0,
        expected_dbtp: -6.0,
    },
    Tech3341Case {
        case: 17,
        freq_over_fs: 1.0 / 6.0,
        amplitude: 0.5,
        phase_deg: 60.0,
        expected_dbtp: -6.0,
    },
    Tech3341Case {
        case: 18,
        freq_over_fs: 0.125,
        amplitude: 0.5,
        phase_deg: 67.5,
        expected_dbtp: -6.0,
    },
    Tech3341Case {
        case: 19,
        freq_over_fs: 0.25,
        amplitude: 1.41,
        phase_deg: 45.0,
        expected_dbtp: 3.0,
    },
];

/// `len` samples of `amplitude · sin(2π · freq_over_fs · n + phase)`.
pub fn sine(freq_over_fs: f64, amplitude: f64, phase_deg: f64, len: usize) -> Vec<f32> {
    (0..len)
        .map(|n| {
            (amplitude * (2.0 * PI * freq_over_fs * n as f64 + phase_deg.to_radians()).sin()) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In steady state the reference reads each Tech 3341 case, and a 0.45 fs sine at any
    /// phase, at its analytic true peak (the sine's amplitude), low by at most the 16x grid's
    /// error: a peak up to 1/32 sample from the nearest point reads `cos(π f / 16)` of it
    /// (0.0105 dB at fs/4, 0.034 dB at 0.45 fs). The padded whole signal also covers the
    /// ringing of its abrupt start, so it never reads lower.
    #[test]
    fn reference_reads_sines_at_their_amplitude() {
        let probe = ReferenceTruePeak::new();
        let check = |x: &[f32], f: f64, amp: f64, what: &str| {
            let steady = 20.0 * probe.true_peak_between(x, 300, 900).log10();
            let amp_db = 20.0 * amp.log10();
            let grid_db = 20.0 * (std::f64::consts::PI * f / 16.0).cos().log10();
            assert!(
                steady <= amp_db + 0.002 && steady >= amp_db + grid_db - 0.002,
                "{what}: {steady} dB, amplitude {amp_db} dB"
            );
            assert!(probe.true_peak_db(x) >= steady);
            steady
        };
        for c in TECH3341_TRUE_PEAK_CASES {
            let got = check(&c.signal(1200), c.freq_over_fs, c.amplitude, "case");
            assert!((got - c.expected_dbtp).abs() < 0.05, "case {}", c.case);
        }
        for deg in [0.0, 30.0, 77.0] {
            check(&sine(0.45, 0.5, deg, 1200), 0.45, 0.5, "0.45 fs");
        }
    }
}
