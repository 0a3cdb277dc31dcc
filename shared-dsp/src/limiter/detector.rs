//! The limiter's base-rate true-peak detector and output band limit, as block kernels.
//!
//! [`Cascade`] reads a block of up to [`CHUNK`] base-rate samples and gives, for each, the
//! largest magnitude of the band-limited signal around it: three half-band interpolators (2x,
//! 4x, 8x; the same stages as the accurate true-peak meter in `true_peak.rs`, with a narrower
//! first transition) and a parabola through every point of the 8x stream and its neighbours.
//! It replaces a single 8x polyphase stage (91 taps per phase, 728 multiply-adds per sample,
//! one sample at a time) with 46 + 2 × 4 + 4 × 3 = 66 multiply-adds per sample computed across
//! the whole block at once, and reads the same: the first stage has the old design's pass band
//! (flat to 0.48 fs, 60 dB from 0.52 fs; a half-band is symmetric about fs/2, so a component and
//! its image never add up to an over-read). The limiter feeds it at 1x (no oversampling) and in
//! its true-peak safety stage.
//!
//! [`BandLimit`] is true-peak mode's output low-pass (a 145-tap linear-phase Kaiser FIR; see
//! `TP_FILTER_*` in `limiter.rs`), with its symmetric taps paired so each output takes 73
//! multiplies, computed across the block.
//!
//! Both sum every output in a fixed order, whatever its place in a block, so any host block
//! split gives bit-identical output; run inside [`crate::util::simd::wide`] they widen to eight
//! lanes without changing a bit.

use crate::oversampling::fir::{kaiser_beta, kaiser_length, kaiser_lowpass, parabola_peak};
use crate::true_peak::{halfband_branch, halfband_stage, halfband_taps};
use crate::util::sanitize;

/// Samples a kernel call takes at most (the limiter's chunk).
pub const CHUNK: usize = 64;

/// The detector's stop-band attenuation, pass-band edge and stop-band edge (fractions of the
/// base rate).
const ATTEN_DB: f64 = 60.0;
const PASS: f64 = 0.48;
const STOP: f64 = 0.52;
/// Each half-band stage's transition band as a fraction of the rate it runs at: images start at
/// (1, 2, 4) fs - 0.48 fs. The FIR branch lengths follow from Kaiser's rule
/// ([`halfband_taps`]; checked in the tests).
const TRANSITIONS: [f64; 3] = [
    (STOP - PASS) / 2.0,
    (2.0 - 2.0 * PASS) / 4.0,
    (4.0 - 2.0 * PASS) / 8.0,
];
const T1: usize = 92;
const T2: usize = 8;
const T3: usize = 6;

/// The three stages' filters.
#[derive(Clone, Debug)]
pub struct Cascade {
    g1: [f32; T1],
    g2: [f32; T2],
    g3: [f32; T3],
}

/// One channel's detector state: each stage's last inputs (oldest first) and the last two 8x
/// magnitudes (the parabola's neighbours across blocks).
#[derive(Clone, Copy, Debug)]
pub struct CascadeState {
    t1: [f32; T1 - 1],
    t2: [f32; T2 - 1],
    t3: [f32; T3 - 1],
    prev: [f32; 2],
}

impl Default for CascadeState {
    fn default() -> Self {
        Self {
            t1: [0.0; T1 - 1],
            t2: [0.0; T2 - 1],
            t3: [0.0; T3 - 1],
            prev: [0.0; 2],
        }
    }
}

impl Default for Cascade {
    fn default() -> Self {
        Self::new()
    }
}

impl Cascade {
    /// Delay of the 8x stream behind its input, in 8x samples: each half-band stage of `T` taps
    /// delays by `T - 1` samples of its output rate.
    pub const DELAY_8X: usize = 4 * (T1 - 1) + 2 * (T2 - 1) + (T3 - 1);
    /// How many calls' worth of samples late a peak within one sample of input `t` is reported:
    /// an 8x point `q` describes time `(q - DELAY_8X) / 8` and is refined (so reported) with the
    /// input that brings `q + 1`.
    pub const LATE: usize = (Self::DELAY_8X + 1) / 8 + 1;

    /// The filters. Allocates nothing.
    pub fn new() -> Self {
        let beta = kaiser_beta(ATTEN_DB);
        debug_assert_eq!(
            TRANSITIONS.map(|t| halfband_taps(ATTEN_DB, t)),
            [T1, T2, T3]
        );
        Self {
            g1: halfband_branch(beta),
            g2: halfband_branch(beta),
            g3: halfband_branch(beta),
        }
    }

    /// For each of `input`'s samples (at most [`CHUNK`]), writes into `levels` the larger of
    /// its magnitude and the largest among the 8x points its arrival completes, each refined by
    /// the parabola through it and its neighbours ([`peak_levels`]); the points describe times
    /// up to [`Cascade::LATE`] samples before it. Moves `state` on.
    #[inline(always)]
    pub fn levels(&self, state: &mut CascadeState, input: &[f32], levels: &mut [f32]) {
        const H1: usize = T1 - 1;
        const H2: usize = T2 - 1;
        const H3: usize = T3 - 1;
        let n = input.len().min(CHUNK);
        let mut x1 = [0.0f32; H1 + CHUNK];
        x1[..H1].copy_from_slice(&state.t1);
        for (d, &s) in x1[H1..H1 + n].iter_mut().zip(input) {
            *d = sanitize(s);
        }
        let mut x2 = [0.0f32; H2 + 2 * CHUNK];
        x2[..H2].copy_from_slice(&state.t2);
        halfband_stage::<T1, CHUNK>(&self.g1, &x1, &mut x2[H2..]);
        let mut x3 = [0.0f32; H3 + 4 * CHUNK];
        x3[..H3].copy_from_slice(&state.t3);
        halfband_stage::<T2, { 2 * CHUNK }>(&self.g2, &x2, &mut x3[H3..]);
        // The 8x stream behind the previous call's last two points.
        let mut z = [0.0f32; 2 + 8 * CHUNK];
        z[..2].copy_from_slice(&state.prev);
        halfband_stage::<T3, { 4 * CHUNK }>(&self.g3, &x3, &mut z[2..]);
        peak_levels(&mut z, 8, &x1[H1..H1 + n], levels);
        state.prev = [z[8 * n], z[8 * n + 1]];
        state.t1.copy_from_slice(&x1[n..n + H1]);
        state.t2.copy_from_slice(&x2[2 * n..2 * n + H2]);
        state.t3.copy_from_slice(&x3[4 * n..4 * n + H3]);
    }
}

/// FIR branch lengths of the oversampled detectors' half-band stages: 2x → 4x (only at 2x) and
/// 4x → 8x of the base rate (at 2x and 4x). The oversampled signal holds nothing above the
/// oversampler's stop-band edge `E` = 0.5465 fs, so the first image starts at `2 - E` and
/// `4 - E` (fractions of the base rate): transitions `(2 - 2E) / 4` and `(4 - 2E) / 8` of the
/// stages' output rates, [`OS_ATTEN_DB`] (checked in the tests).
const TA: usize = 12;
const TB: usize = 8;
/// The oversampled detectors' rejection, which also sets their pass-band ripple: each stage
/// reads at most 10^(-A/20) high (+0.003 dB at 70 dB; at 60 dB two stages read sines up to
/// 0.027 dB high, which the limiter would pay for in loudness).
const OS_ATTEN_DB: f64 = 70.0;

/// The true-peak detector of the limiter's oversampled gain stage at factor `m` (2, 4 or 8): the
/// `m`-times oversampled signal brought to 8x of the base rate by half-band stages (two at 2x,
/// one at 4x, none at 8x), then each point refined by the parabola through it and its
/// neighbours. On an 8x grid a band-limited peak is read within 0.007 dB by the parabola (a
/// sine at the oversampler's band edge, 0.5465 fs, worst phase), so interpolating further buys
/// nothing: the detector this replaced went to 16x with a polyphase filter (24 multiply-adds
/// per sample at 4x; this takes 4).
#[derive(Clone, Debug)]
pub struct OversampledDetector {
    m: usize,
    ga: [f32; TA],
    gb: [f32; TB],
}

/// One channel's state for an [`OversampledDetector`].
#[derive(Clone, Copy, Debug)]
pub struct OversampledState {
    ta: [f32; TA - 1],
    tb: [f32; TB - 1],
    prev: [f32; 2],
}

impl Default for OversampledState {
    fn default() -> Self {
        Self {
            ta: [0.0; TA - 1],
            tb: [0.0; TB - 1],
            prev: [0.0; 2],
        }
    }
}

impl OversampledDetector {
    /// The detector for gain-stage factor `m` (2, 4 or 8). Allocates nothing.
    pub fn new(m: usize) -> Self {
        assert!(matches!(m, 2 | 4 | 8), "factor {m}");
        let beta = kaiser_beta(OS_ATTEN_DB);
        Self {
            m,
            ga: halfband_branch(beta),
            gb: halfband_branch(beta),
        }
    }

    /// Points per input sample (8 / m).
    fn r(&self) -> usize {
        8 / self.m
    }

    /// Delay of the 8x stream behind the input, in 8x samples.
    fn delay_8x(&self) -> usize {
        match self.m {
            2 => 2 * (TA - 1) + (TB - 1),
            4 => TB - 1,
            _ => 0,
        }
    }

    /// How many input samples late a peak next to an input sample may be reported: the points
    /// lag by `delay_8x / r` input samples, and a point is refined one point later.
    pub fn late(&self) -> usize {
        self.delay_8x().div_ceil(self.r()) + 1
    }

    /// For each sample of `input` (at most [`CHUNK`]): the larger of its magnitude and the
    /// largest refined magnitude among the 8x points its arrival completes (centres from the
    /// previous call's last point to this sample's second to last). Moves `state` on.
    #[inline(always)]
    pub fn levels(&self, state: &mut OversampledState, input: &[f32], levels: &mut [f32]) {
        const HA: usize = TA - 1;
        const HB: usize = TB - 1;
        let n = input.len().min(CHUNK);
        let r = self.r();
        let mut z = [0.0f32; 2 + 8 * CHUNK];
        z[..2].copy_from_slice(&state.prev);
        match self.m {
            2 => {
                let mut xa = [0.0f32; HA + CHUNK];
                xa[..HA].copy_from_slice(&state.ta);
                xa[HA..HA + n].copy_from_slice(&input[..n]);
                let mut xb = [0.0f32; HB + 2 * CHUNK];
                xb[..HB].copy_from_slice(&state.tb);
                halfband_stage::<TA, CHUNK>(&self.ga, &xa, &mut xb[HB..]);
                halfband_stage::<TB, { 2 * CHUNK }>(&self.gb, &xb, &mut z[2..]);
                state.ta.copy_from_slice(&xa[n..n + HA]);
                state.tb.copy_from_slice(&xb[2 * n..2 * n + HB]);
            }
            4 => {
                let mut xb = [0.0f32; HB + CHUNK];
                xb[..HB].copy_from_slice(&state.tb);
                xb[HB..HB + n].copy_from_slice(&input[..n]);
                halfband_stage::<TB, CHUNK>(&self.gb, &xb, &mut z[2..]);
                state.tb.copy_from_slice(&xb[n..n + HB]);
            }
            _ => z[2..2 + n].copy_from_slice(&input[..n]),
        }
        peak_levels(&mut z, r, &input[..n], levels);
        state.prev = [z[r * n], z[r * n + 1]];
    }
}

/// The detectors' last step. `z` holds the previous call's last two points, then `r` points
/// per input sample (`r · input.len()` of them, the rest of `z` unused); they become
/// magnitudes. For each input sample, `levels` gets the larger of its magnitude and the largest
/// point among the centres its arrival completes (the point before each of its own `r`: the
/// last one needs its right neighbour), each raised to the vertex of the parabola through it and
/// its neighbours where it is a local maximum (quadratic peak interpolation; J. O. Smith,
/// *Spectral Audio Signal Processing*, applied in time). Computed for every centre at once,
/// then gathered per sample.
#[inline(always)]
fn peak_levels(z: &mut [f32; 2 + 8 * CHUNK], r: usize, input: &[f32], levels: &mut [f32]) {
    let n = input.len();
    for v in &mut z[2..2 + r * n] {
        *v = v.abs();
    }
    let mut refined = [0.0f32; 8 * CHUNK];
    for (c, out) in refined[..r * n].iter_mut().enumerate() {
        *out = parabola_peak(z[c], z[c + 1], z[c + 2]);
    }
    for ((l, &v), pts) in levels[..n]
        .iter_mut()
        .zip(input)
        .zip(refined[..r * n].chunks_exact(r))
    {
        *l = pts.iter().fold(v.abs(), |m, &p| if p > m { p } else { m });
    }
}

/// Taps of the output band limit (odd: a whole-sample delay of `(TAPS - 1) / 2`).
pub const BAND_LIMIT_TAPS: usize = 145;

/// True-peak mode's output band limit: a linear-phase Kaiser low-pass of [`BAND_LIMIT_TAPS`].
#[derive(Clone, Debug)]
pub struct BandLimit {
    h: [f32; BAND_LIMIT_TAPS],
}

/// One channel's band-limit state: the last `BAND_LIMIT_TAPS - 1` inputs, oldest first.
pub type BandLimitState = [f32; BAND_LIMIT_TAPS - 1];

impl BandLimit {
    /// Designs the low-pass: flat to `pass`, `atten_db` down from `stop` (fractions of the
    /// sample rate). Allocates (design only).
    pub fn new(pass: f64, stop: f64, atten_db: f64) -> Self {
        debug_assert_eq!(
            kaiser_length(atten_db, stop - pass) | 1,
            BAND_LIMIT_TAPS,
            "band-limit length"
        );
        let p = kaiser_lowpass(
            1,
            BAND_LIMIT_TAPS,
            0.5 * (pass + stop),
            kaiser_beta(atten_db),
        );
        let mut h = [0.0f32; BAND_LIMIT_TAPS];
        for (d, &c) in h.iter_mut().zip(&p) {
            *d = c as f32;
        }
        Self { h }
    }

    /// The filter's delay in samples.
    pub const DELAY: usize = (BAND_LIMIT_TAPS - 1) / 2;

    /// Filters `io` (at most [`CHUNK`] samples) in place, moving `state` on.
    #[inline(always)]
    pub fn process(&self, state: &mut BandLimitState, io: &mut [f32]) {
        const H: usize = BAND_LIMIT_TAPS - 1;
        const MID: usize = H / 2;
        let n = io.len().min(CHUNK);
        let mut x = [0.0f32; H + CHUNK];
        x[..H].copy_from_slice(state);
        for (d, &s) in x[H..H + n].iter_mut().zip(io.iter()) {
            *d = sanitize(s);
        }
        // y[i] = sum_j h[j] x[i + H - j]; with h[j] = h[H - j], pairs (j, H - j) share one
        // multiply, the centre tap stands alone.
        let mut acc = [0.0f32; CHUNK];
        for j in 0..MID {
            let c = self.h[j];
            let near: &[f32; CHUNK] = x[H - j..H - j + CHUNK].try_into().expect("block");
            let far: &[f32; CHUNK] = x[j..j + CHUNK].try_into().expect("block");
            for ((a, &p), &q) in acc.iter_mut().zip(near).zip(far) {
                *a += c * (p + q);
            }
        }
        let c = self.h[MID];
        let centre: &[f32; CHUNK] = x[MID..MID + CHUNK].try_into().expect("block");
        for (a, &p) in acc.iter_mut().zip(centre) {
            *a += c * p;
        }
        io[..n].copy_from_slice(&acc[..n]);
        state.copy_from_slice(&x[n..n + H]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oversampling::fir::{FirHistory, PeakRefiner, PolyphaseBank};
    use test_support::signals::white;

    #[test]
    fn stage_lengths_follow_the_design_rule() {
        assert_eq!(
            TRANSITIONS.map(|t| halfband_taps(ATTEN_DB, t)),
            [T1, T2, T3]
        );
        assert_eq!(Cascade::DELAY_8X, 383);
        assert_eq!(Cascade::LATE, 49);
    }

    /// The block split never changes a level, and wide and baseline code agree bit for bit.
    #[test]
    fn levels_do_not_depend_on_the_split_or_the_instruction_set() {
        let c = Cascade::new();
        let x = white(3000, 7, 1.0);
        let run = |sizes: &[usize], wide: bool| {
            let mut st = CascadeState::default();
            let mut out = Vec::new();
            let mut i = 0;
            let mut s = 0;
            while i < x.len() {
                let n = sizes[s % sizes.len()].min(x.len() - i);
                let mut l = [0.0f32; CHUNK];
                if wide {
                    crate::util::simd::wide(
                        #[inline(always)]
                        || c.levels(&mut st, &x[i..i + n], &mut l),
                    );
                } else {
                    crate::util::simd::scalar(|| c.levels(&mut st, &x[i..i + n], &mut l));
                }
                out.extend_from_slice(&l[..n]);
                i += n;
                s += 1;
            }
            out
        };
        let whole = run(&[64], true);
        assert_eq!(whole, run(&[1, 7, 64, 33, 2], true));
        assert_eq!(whole, run(&[64], false));
    }

    /// Against the single 8x polyphase stage the cascade replaced (same pass band and
    /// rejection, one sample at a time through `PeakRefiner`): the same peaks, a few sample
    /// steps apart in time, so compared as running maxima over windows wider than both delays.
    #[test]
    fn reads_as_the_single_stage_detector_it_replaced() {
        let taps = kaiser_length(ATTEN_DB, (STOP - PASS) / 8.0).div_ceil(8);
        let h = kaiser_lowpass(8, taps, 0.5, kaiser_beta(ATTEN_DB));
        let bank = PolyphaseBank::from_prototype(&h, 8);
        let mut hist = FirHistory::new(bank.taps_per_phase());
        let mut refine = PeakRefiner::default();
        let c = Cascade::new();
        let mut st = CascadeState::default();
        for (seed, tone) in [(1u64, 0.0f32), (2, 0.47), (3, 0.3)] {
            let x: Vec<f32> = white(8192, seed, 1.0)
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    if tone > 0.0 {
                        (std::f32::consts::TAU * tone * i as f32 + 0.7).sin() * 0.9 + 0.05 * v
                    } else {
                        v
                    }
                })
                .collect();
            let single: Vec<f32> = x
                .iter()
                .map(|&v| {
                    hist.push(v);
                    refine.peak(&bank, hist.window())
                })
                .collect();
            let mut cascade = vec![0.0f32; x.len()];
            for (i, o) in x.chunks(CHUNK).zip(cascade.chunks_mut(CHUNK)) {
                c.levels(&mut st, i, o);
            }
            // Each window's peak must appear in the other reading within a few samples.
            let max = |v: &[f32]| v.iter().fold(0.0f32, |m, &v| m.max(v));
            let (w, slack) = (256, 8);
            for b in (512..x.len() - w - slack).step_by(w) {
                let (a, k) = (max(&single[b..b + w]), max(&cascade[b..b + w]));
                let (a_wide, k_wide) = (
                    max(&single[b - slack..b + w + slack]),
                    max(&cascade[b - slack..b + w + slack]),
                );
                let over = 20.0 * (k / a_wide).log10();
                let under = 20.0 * (k_wide / a).log10();
                assert!(
                    over < 0.02 && under > -0.02,
                    "seed {seed} tone {tone} at {b}: {over} / {under} dB"
                );
            }
        }
    }

    #[test]
    fn oversampled_stage_lengths_follow_the_design_rule() {
        let e = crate::oversampling::STOPBAND_EDGE;
        assert_eq!(halfband_taps(OS_ATTEN_DB, (2.0 - 2.0 * e) / 4.0), TA);
        assert_eq!(halfband_taps(OS_ATTEN_DB, (4.0 - 2.0 * e) / 8.0), TB);
        let late = [2, 4, 8].map(|m| OversampledDetector::new(m).late());
        assert_eq!(late, [9, 5, 1]);
    }

    /// Sines across the oversampled band (to the oversampler's stop-band edge), every factor,
    /// several phases: the detector reads the analytic amplitude within ±0.01 dB (half-band
    /// ripple at 70 dB is ±0.003 dB a stage, the parabola on an 8x grid ≤ 0.007 dB low).
    #[test]
    fn oversampled_detector_reads_sines_at_their_amplitude() {
        for m in [2usize, 4, 8] {
            let d = OversampledDetector::new(m);
            let (mut lo, mut hi) = (1.0f64, -1.0f64);
            for f in [0.02, 0.2, 0.4, 0.45, 0.5, 0.54] {
                for phase in [0.0, 0.37, 1.1] {
                    let w = std::f64::consts::TAU * f / m as f64;
                    let x: Vec<f32> = (0..4096)
                        .map(|i| (0.8 * (w * i as f64 + phase).cos()) as f32)
                        .collect();
                    let mut st = OversampledState::default();
                    let mut l = vec![0.0f32; x.len()];
                    for (i, o) in x.chunks(CHUNK).zip(l.chunks_mut(CHUNK)) {
                        d.levels(&mut st, i, o);
                    }
                    for win in l[512..].chunks(256) {
                        let peak = win.iter().fold(0.0f32, |a, &b| a.max(b));
                        let db = 20.0 * (peak as f64 / 0.8).log10();
                        lo = lo.min(db);
                        hi = hi.max(db);
                    }
                }
            }
            eprintln!("{m}x: {lo:.4} .. {hi:.4} dB");
            assert!(lo > -0.01 && hi < 0.01, "{m}x: {lo} .. {hi} dB");
        }
    }

    #[test]
    fn oversampled_levels_do_not_depend_on_the_split_or_the_instruction_set() {
        let x = white(3000, 11, 1.0);
        for m in [2usize, 4, 8] {
            let d = OversampledDetector::new(m);
            let run = |sizes: &[usize], wide: bool| {
                let mut st = OversampledState::default();
                let mut out = Vec::new();
                let (mut i, mut s) = (0, 0);
                while i < x.len() {
                    let n = sizes[s % sizes.len()].min(x.len() - i);
                    let mut l = [0.0f32; CHUNK];
                    if wide {
                        crate::util::simd::wide(
                            #[inline(always)]
                            || d.levels(&mut st, &x[i..i + n], &mut l),
                        );
                    } else {
                        crate::util::simd::scalar(|| d.levels(&mut st, &x[i..i + n], &mut l));
                    }
                    out.extend_from_slice(&l[..n]);
                    i += n;
                    s += 1;
                }
                out
            };
            let whole = run(&[64], true);
            assert_eq!(whole, run(&[1, 7, 64, 33, 2], true), "{m}x split");
            assert_eq!(whole, run(&[64], false), "{m}x scalar");
        }
    }

    #[test]
    fn band_limit_matches_direct_convolution() {
        let f = BandLimit::new(0.455, 0.49, 80.0);
        let x = white(1000, 9, 1.0);
        let mut st = [0.0f32; BAND_LIMIT_TAPS - 1];
        let mut y = x.clone();
        for c in y.chunks_mut(37) {
            f.process(&mut st, c);
        }
        for (i, &yi) in y.iter().enumerate() {
            let mut want = 0.0f64;
            for (j, &h) in f.h.iter().enumerate() {
                if i >= j {
                    want += h as f64 * x[i - j] as f64;
                }
            }
            assert!((yi as f64 - want).abs() < 1e-5, "{i}: {yi} vs {want}");
        }
    }
}
