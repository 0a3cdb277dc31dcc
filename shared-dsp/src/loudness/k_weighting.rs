//! BS.1770 K-weighting at any sample rate, and the fast per-channel filter that feeds the
//! loudness meter its K-weighted sums of squares.
//!
//! Sources:
//! - ITU-R BS.1770-4/5, Annex 1: the two-stage pre-filter (a high-frequency shelf modelling the
//!   head, then the "RLB" high-pass) whose 48 kHz coefficients the standard publishes.
//! - The analog prototype behind those coefficients, recovered by fitting the published 48 kHz
//!   biquads through the inverse bilinear transform (shelf f0 ≈ 1681.97 Hz, G ≈ 4.0 dB,
//!   Q ≈ 0.7072 with the mid-band gain an exponent ≈ 0.49967 of the high-band gain; high-pass
//!   f0 ≈ 38.135 Hz, Q ≈ 0.5003). This derivation is the one used by libebur128 (J. Kokemüller)
//!   and discussed by B. De Man et al., "Evaluation of implementations of the EBU R128 loudness
//!   measurement", AES 145th Convention, 2018. Re-applying the bilinear transform with frequency
//!   pre-warping at f0 (`K = tan(π f0 / fs)`) reproduces the published coefficients to 1e-15 at
//!   48 kHz and gives the same response at every other rate.
//! - Filter structure: direct form I (Oppenheim & Schafer, *Discrete-Time Signal Processing*,
//!   §6.3). Its recursion is one multiply and one add deep (transposed form II is two), which
//!   halves the loop-carried latency that bounds a recursive filter's speed; in `f64` its noise is
//!   far below anything a loudness figure can show. [`crate::biquad::Biquad`] (transposed form II)
//!   stays the plain reference and the tests check both agree. Two channels run side by side in
//!   the two `f64` lanes of an SSE2 register on x86-64, with the plain scalar loop beside it (the
//!   tests check the two are bit-identical).

use crate::biquad::BiquadCoefs;
use std::f64::consts::PI;

/// Corner frequency of the analog shelf prototype, Hz.
pub const SHELF_F0_HZ: f64 = 1681.974450955533;
/// High-frequency gain of the analog shelf prototype, dB.
pub const SHELF_GAIN_DB: f64 = 3.999843853973347;
/// Quality factor of the analog shelf prototype.
pub const SHELF_Q: f64 = 0.7071752369554196;
/// The shelf's mid-band numerator gain is `Vh^SHELF_VB_EXPONENT` (`Vh` the high-band gain): the
/// fit of the published coefficients puts it a hair under the geometric mean.
pub const SHELF_VB_EXPONENT: f64 = 0.4996667741545416;
/// Corner frequency of the analog RLB high-pass prototype, Hz.
pub const HIGH_PASS_F0_HZ: f64 = 38.13547087602444;
/// Quality factor of the analog RLB high-pass prototype.
pub const HIGH_PASS_Q: f64 = 0.5003270373238773;

/// The BS.1770 stage-1 coefficients published for 48 kHz.
pub const PUBLISHED_SHELF_48K: BiquadCoefs = BiquadCoefs {
    b0: 1.53512485958697,
    b1: -2.69169618940638,
    b2: 1.19839281085285,
    a1: -1.69065929318241,
    a2: 0.73248077421585,
};
/// The BS.1770 stage-2 coefficients published for 48 kHz.
pub const PUBLISHED_HIGH_PASS_48K: BiquadCoefs = BiquadCoefs {
    b0: 1.0,
    b1: -2.0,
    b2: 1.0,
    a1: -1.99004745483398,
    a2: 0.99007225036621,
};

/// Stage 1 (high shelf) at `sample_rate` Hz, by the bilinear transform of the analog prototype
/// pre-warped at its corner.
pub fn shelf_coefs(sample_rate: f64) -> BiquadCoefs {
    let k = (PI * SHELF_F0_HZ / sample_rate).tan();
    let vh = 10f64.powf(SHELF_GAIN_DB / 20.0);
    let vb = vh.powf(SHELF_VB_EXPONENT);
    let a0 = 1.0 + k / SHELF_Q + k * k;
    BiquadCoefs {
        b0: (vh + vb * k / SHELF_Q + k * k) / a0,
        b1: 2.0 * (k * k - vh) / a0,
        b2: (vh - vb * k / SHELF_Q + k * k) / a0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / SHELF_Q + k * k) / a0,
    }
}

/// Stage 2 (RLB high-pass) at `sample_rate` Hz.
///
/// BS.1770 publishes the 48 kHz numerator as exactly `1, -2, 1`, which is the bilinear transform
/// of `g · s² / (s² + s ω0/Q + ω0²)` with the pass-band gain `g = 1 + K48/Q + K48²` ≈ 1.00499
/// (+0.043 dB; `K48 = tan(π f0 / 48000)`). Keeping the numerator at `1, -2, 1` at other rates (as
/// libebur128 does) would change that gain with the rate: +0.05 dB at 22.05 kHz, -0.04 dB at
/// 384 kHz. Here the prototype's `g` is kept instead, so the numerator is `g / a0 · (1, -2, 1)`:
/// exactly `1, -2, 1` at 48 kHz and the same response at every rate.
pub fn high_pass_coefs(sample_rate: f64) -> BiquadCoefs {
    let g = high_pass_a0(48_000.0);
    let a0 = high_pass_a0(sample_rate);
    let k = (PI * HIGH_PASS_F0_HZ / sample_rate).tan();
    let b0 = g / a0;
    BiquadCoefs {
        b0,
        b1: -2.0 * b0,
        b2: b0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / HIGH_PASS_Q + k * k) / a0,
    }
}

/// `1 + K/Q + K²` of the high-pass at `sample_rate`, the bilinear transform's normaliser.
fn high_pass_a0(sample_rate: f64) -> f64 {
    let k = (PI * HIGH_PASS_F0_HZ / sample_rate).tan();
    1.0 + k / HIGH_PASS_Q + k * k
}

/// Magnitude response of the whole K-weighting at `freq_hz`, in dB.
pub fn response_db(freq_hz: f64, sample_rate: f64) -> f64 {
    shelf_coefs(sample_rate).response_db(freq_hz, sample_rate)
        + high_pass_coefs(sample_rate).response_db(freq_hz, sample_rate)
}

/// Below this a filter state is flushed to zero at a sub-block end. In one 10 ms sub-block
/// the K-weighting decays by at most ~1e-35 (its slowest pole is the 38 Hz high-pass), so states
/// never reach the subnormal range (1e-308), where x86 arithmetic turns slow, nor do their
/// squares.
const FLUSH_BELOW: f64 = 1e-100;

/// The K-weighting cascade of one channel in direct form I, `f64` state. `process_*` and
/// `reset` are audio-thread safe (no allocation).
#[derive(Clone, Copy, Debug)]
pub struct KWeighting {
    // Shelf: b0, b1, b2, a1, a2. High-pass: h0 · (1, -2, 1) / (1, c1, c2).
    b0: f64,
    b1: f64,
    b2: f64,
    a1: f64,
    a2: f64,
    h0: f64,
    c1: f64,
    c2: f64,
    /// x[n-1], x[n-2], u[n-1], u[n-2], w[n-1], w[n-2]: input, shelf output, high-pass output
    /// divided by `h0`.
    state: [f64; 6],
}

impl KWeighting {
    /// The filter for `sample_rate` Hz, at rest.
    pub fn new(sample_rate: f64) -> Self {
        let s = shelf_coefs(sample_rate);
        let h = high_pass_coefs(sample_rate);
        Self {
            b0: s.b0,
            b1: s.b1,
            b2: s.b2,
            a1: s.a1,
            a2: s.a2,
            h0: h.b0,
            c1: h.a1,
            c2: h.a2,
            state: [0.0; 6],
        }
    }

    /// Clears the state (silence before the next sample).
    #[inline]
    pub fn reset(&mut self) {
        self.state = [0.0; 6];
    }

    /// Sets states that have decayed below any meaningful level to exactly zero, so that a long
    /// silence never reaches subnormal arithmetic. Call between blocks (cheap: six compares).
    #[inline]
    pub fn flush_tiny(&mut self) {
        // Each state on its own: the shelf's states die out long before the high-pass's, and
        // zeroing a state of 1e-100 perturbs the output by nothing measurable.
        for s in &mut self.state {
            if s.abs() < FLUSH_BELOW {
                *s = 0.0;
            }
        }
    }

    /// Filters `input` and returns the sum of the squared K-weighted samples. A non-finite input
    /// makes the sum non-finite (the caller then discards it and calls [`KWeighting::reset`]).
    ///
    /// The high-pass recursion runs on `w = v / h0` (its numerator gain taken out); the sum of
    /// squares is scaled by `h0²` once at the end, which saves a multiply per sample.
    #[inline]
    pub fn process_sum_squares(&mut self, input: &[f32]) -> f64 {
        let (b0, b1, b2, a1, a2, c1, c2) = (
            self.b0, self.b1, self.b2, self.a1, self.a2, self.c1, self.c2,
        );
        let [mut x1, mut x2, mut u1, mut u2, mut w1, mut w2] = self.state;
        let mut acc = 0.0f64;
        for &x in input {
            let x = x as f64;
            // Operands ordered so each recursion's critical path is one multiply and one add.
            let u = (b0 * x + b1 * x1 + b2 * x2 - a2 * u2) - a1 * u1;
            let w = ((u - (u1 + u1)) + u2 - c2 * w2) - c1 * w1;
            acc += w * w;
            x2 = x1;
            x1 = x;
            u2 = u1;
            u1 = u;
            w2 = w1;
            w1 = w;
        }
        self.state = [x1, x2, u1, u2, w1, w2];
        acc * (self.h0 * self.h0)
    }

    /// Two channels (same sample rate) in one pass, bit-identical to
    /// [`KWeighting::process_sum_squares`] on each: on x86-64 the two channels share SSE2 lanes
    /// (half the instructions, and the two recursions overlap); elsewhere the plain interleaved
    /// loop [`KWeighting::process_pair_sum_squares_scalar`]. `left` and `right` must have equal
    /// length.
    #[inline]
    pub fn process_pair_sum_squares(
        pair: &mut [KWeighting; 2],
        left: &[f32],
        right: &[f32],
    ) -> (f64, f64) {
        #[cfg(target_arch = "x86_64")]
        {
            Self::process_pair_sum_squares_sse2(pair, left, right)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Self::process_pair_sum_squares_scalar(pair, left, right)
        }
    }

    /// The plain two-channel loop (reference for the SIMD path, and the path on other CPUs).
    pub fn process_pair_sum_squares_scalar(
        pair: &mut [KWeighting; 2],
        left: &[f32],
        right: &[f32],
    ) -> (f64, f64) {
        debug_assert_eq!(left.len(), right.len());
        let n = left.len().min(right.len());
        let (l, r) = pair.split_at_mut(1);
        (
            l[0].process_sum_squares(&left[..n]),
            r[0].process_sum_squares(&right[..n]),
        )
    }

    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn process_pair_sum_squares_sse2(
        pair: &mut [KWeighting; 2],
        left: &[f32],
        right: &[f32],
    ) -> (f64, f64) {
        // SSE2 is part of the x86-64 baseline, so these intrinsics need no runtime check; the
        // operations and their order are exactly the scalar loop's (no FMA), lane 0 = left.
        use std::arch::x86_64::*;
        debug_assert_eq!(left.len(), right.len());
        let f = pair[0];
        // SAFETY: SSE2 is part of the x86-64 baseline every x86-64 CPU has, so its intrinsics
        // are always available; nothing here touches memory through pointers.
        let [x1, x2, u1, u2, w1, w2, acc] = unsafe {
            let splat = |c: f64| _mm_set1_pd(c);
            let (b0, b1, b2, a1, a2, c1, c2) = (
                splat(f.b0),
                splat(f.b1),
                splat(f.b2),
                splat(f.a1),
                splat(f.a2),
                splat(f.c1),
                splat(f.c2),
            );
            let lanes = |i: usize| _mm_set_pd(pair[1].state[i], pair[0].state[i]);
            let (mut x1, mut x2, mut u1, mut u2, mut w1, mut w2) =
                (lanes(0), lanes(1), lanes(2), lanes(3), lanes(4), lanes(5));
            let mut acc = _mm_setzero_pd();
            for (&xl, &xr) in left.iter().zip(right) {
                let x = _mm_set_pd(xr as f64, xl as f64);
                let ff = _mm_add_pd(
                    _mm_add_pd(_mm_mul_pd(b0, x), _mm_mul_pd(b1, x1)),
                    _mm_mul_pd(b2, x2),
                );
                let u = _mm_sub_pd(_mm_sub_pd(ff, _mm_mul_pd(a2, u2)), _mm_mul_pd(a1, u1));
                let d = _mm_add_pd(_mm_sub_pd(u, _mm_add_pd(u1, u1)), u2);
                let w = _mm_sub_pd(_mm_sub_pd(d, _mm_mul_pd(c2, w2)), _mm_mul_pd(c1, w1));
                acc = _mm_add_pd(acc, _mm_mul_pd(w, w));
                x2 = x1;
                x1 = x;
                u2 = u1;
                u1 = u;
                w2 = w1;
                w1 = w;
            }
            [x1, x2, u1, u2, w1, w2, acc]
        };
        let mut out = [[0.0f64; 2]; 7];
        for (o, v) in out.iter_mut().zip([x1, x2, u1, u2, w1, w2, acc]) {
            // SAFETY: SSE2 is baseline on x86-64; `o` is a valid, writable [f64; 2] and the
            // unaligned store needs no alignment.
            unsafe { _mm_storeu_pd(o.as_mut_ptr(), v) };
        }
        for (ch, k) in pair.iter_mut().enumerate() {
            k.state = [
                out[0][ch], out[1][ch], out[2][ch], out[3][ch], out[4][ch], out[5][ch],
            ];
        }
        let h0sq = f.h0 * f.h0;
        (out[6][0] * h0sq, out[6][1] * h0sq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biquad::Biquad;

    #[test]
    fn derived_48k_coefficients_equal_published() {
        let s = shelf_coefs(48_000.0);
        let h = high_pass_coefs(48_000.0);
        let p = PUBLISHED_SHELF_48K;
        let q = PUBLISHED_HIGH_PASS_48K;
        let pairs = [
            (s.b0, p.b0),
            (s.b1, p.b1),
            (s.b2, p.b2),
            (s.a1, p.a1),
            (s.a2, p.a2),
            (h.b0, q.b0),
            (h.b1, q.b1),
            (h.b2, q.b2),
            (h.a1, q.a1),
            (h.a2, q.a2),
        ];
        for (i, (derived, published)) in pairs.iter().enumerate() {
            assert!(
                (derived - published).abs() < 1e-12,
                "coef {i}: {derived} vs {published}"
            );
        }
    }

    #[test]
    fn response_is_the_same_curve_at_every_rate() {
        // The derived filters must draw the published 48 kHz curve at every rate, up to the
        // bilinear transform's frequency warping, which differs slightly from rate to rate.
        let published = |f: f64| {
            PUBLISHED_SHELF_48K.response_db(f, 48_000.0)
                + PUBLISHED_HIGH_PASS_48K.response_db(f, 48_000.0)
        };
        for sr in [22_050.0, 44_100.0, 88_200.0, 96_000.0, 192_000.0, 384_000.0] {
            for f in [20.0, 40.0, 100.0, 500.0, 997.0, 2_000.0, 4_000.0, 8_000.0] {
                let d = response_db(f, sr) - published(f);
                // Bilinear warping of the shelf differs by up to 0.022 dB at 22.05 kHz, 0.006 dB elsewhere.
                let tol = if sr < 30_000.0 { 0.025 } else { 0.007 };
                assert!(d.abs() < tol, "sr {sr} f {f}: {d} dB");
            }
        }
        // At 1 kHz the K-weighting is within a hair of 0 dB (the reason 1 kHz tones read their
        // level in Tech 3341), and the shelf's +4 dB is reached at high frequencies.
        assert!(response_db(1_000.0, 48_000.0).abs() < 0.7);
        assert!((response_db(10_000.0, 48_000.0) - 4.0).abs() < 0.1);
    }

    #[test]
    fn high_pass_numerator_is_exactly_published_at_48k() {
        let h = high_pass_coefs(48_000.0);
        assert_eq!((h.b0, h.b1, h.b2), (1.0, -2.0, 1.0));
        // Pass-band gain equal at all rates (the reason for the normalisation).
        for sr in [22_050.0, 44_100.0, 96_000.0, 384_000.0] {
            let d = high_pass_coefs(sr).response_db(2_000.0, sr) - h.response_db(2_000.0, 48_000.0);
            assert!(d.abs() < 2e-3, "{sr}: {d}");
        }
    }

    #[test]
    fn direct_form_one_matches_reference_biquads() {
        for sr in [22_050.0, 48_000.0, 384_000.0] {
            let mut fast = KWeighting::new(sr);
            let mut s1 = Biquad::new(shelf_coefs(sr));
            let mut s2 = Biquad::new(high_pass_coefs(sr));
            let input: Vec<f32> = (0..4096)
                .map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 0.7)
                .collect();
            let mut reference = 0.0f64;
            for &x in &input {
                let y = s2.process_sample(s1.process_sample(x as f64));
                reference += y * y;
            }
            let got =
                fast.process_sum_squares(&input[..1000]) + fast.process_sum_squares(&input[1000..]);
            assert!(
                ((got - reference) / reference).abs() < 1e-10,
                "sr {sr}: {got} vs {reference}"
            );
        }
    }

    #[test]
    fn pair_kernel_is_bit_identical_to_single() {
        let sr = 44_100.0;
        let a: Vec<f32> = (0..777).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..777).map(|i| (i as f32 * 0.011).cos() * 0.3).collect();
        let mut single = [KWeighting::new(sr), KWeighting::new(sr)];
        let mut pair = single;
        let mut scalar = single;
        for range in [0..300, 300..301, 301..777] {
            let (a, b) = (&a[range.clone()], &b[range]);
            let (pa, pb) = KWeighting::process_pair_sum_squares(&mut pair, a, b);
            let (sa, sb) = KWeighting::process_pair_sum_squares_scalar(&mut scalar, a, b);
            assert_eq!(pa, single[0].process_sum_squares(a));
            assert_eq!(pb, single[1].process_sum_squares(b));
            assert_eq!((pa, pb), (sa, sb));
            assert_eq!(pair[0].state, single[0].state);
            assert_eq!(pair[1].state, single[1].state);
        }
    }

    #[test]
    fn flush_clears_only_tiny_states() {
        let mut k = KWeighting::new(48_000.0);
        k.process_sum_squares(&[1.0, 0.5]);
        k.flush_tiny();
        assert!(k.state.iter().any(|s| *s != 0.0));
        // Many seconds of silence: the state decays, gets flushed, and never goes subnormal.
        let zeros = [0.0f32; 480];
        for _ in 0..2_000 {
            k.process_sum_squares(&zeros);
            assert!(k.state.iter().all(|s| *s == 0.0 || s.is_normal()));
            k.flush_tiny();
        }
        assert!(k.state.iter().all(|s| *s == 0.0));
    }
}
