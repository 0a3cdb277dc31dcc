//! Block kernels of the oversampler: the polyphase interpolator and the polyphase decimator,
//! computed [`CHUNK`] base-rate frames at a time.
//!
//! Why they are fast: the per-sample form takes one dot product per output (a history window
//! against the taps) and ends every one with a horizontal sum across SIMD lanes. Here the loops
//! are turned around: for one tap `c` at a time, `acc[i] += c * x[i + offset]` runs over the
//! whole chunk, so the lanes of a vector hold *different outputs* (`i`), the coefficient is one
//! broadcast, the input is one unaligned load per eight outputs, and the accumulators
//! (`[f32; 64]`, eight AVX2 registers) stay in registers for the whole tap loop and never need
//! to be reduced. Run inside [`crate::util::simd::wide`], that is one 8-lane multiply and one
//! add per tap per 8 outputs. The interpolator runs this once per phase and interleaves the
//! phases into the high-rate stream; the decimator first deinterleaves the high-rate chunk into
//! its polyphase streams (so every tap reads a contiguous run again) and, the taps being
//! symmetric, adds the two inputs each coefficient multiplies before the one multiply.
//!
//! Each output is a sum over the taps in one fixed order (see [`Interpolator`] and
//! [`Decimator`]), the same whatever its position in the chunk, so the result does not depend
//! on how the host splits the stream into blocks; and Rust never fuses the multiply and the
//! add, so the AVX2 and the baseline builds of these loops give bit-identical results.
//!
//! Every kernel is `#[inline(always)]`: they are called from closures handed to `wide`, and a
//! kernel compiled out of line would be compiled for the baseline target only.

use crate::util::sanitize;

/// Base-rate frames per kernel call. 64 accumulators are eight 8-lane registers.
pub(super) const CHUNK: usize = 64;

/// `acc[i] = sum_s taps[s] * x[i + offsets[s]]` for `i < N`, summed in the order of `s`
/// (`x.len() >= max(offsets) + N`). The chunk-wide accumulation of the interpolator.
#[inline(always)]
fn correlate<const N: usize>(taps: &[f32], offsets: &[u32], x: &[f32]) -> [f32; N] {
    let mut acc = [0.0f32; N];
    for (&c, &k) in taps.iter().zip(offsets) {
        let k = k as usize;
        let xs: &[f32; N] = x[k..k + N].try_into().expect("kernel input window");
        for i in 0..N {
            acc[i] += c * xs[i];
        }
    }
    acc
}

/// Runs `$body` with `$n` bound to the smallest of 8, 16, 32 and [`CHUNK`] that holds `$len`
/// outputs: a short last chunk (or a short host block) costs the size rounded up to the next
/// power of two, not a full chunk. The surplus outputs are computed from stale state and thrown
/// away; they never feed back.
macro_rules! with_chunk_len {
    ($len:expr, $n:ident => $body:expr) => {
        match $len {
            0..=8 => {
                const $n: usize = 8;
                $body
            }
            9..=16 => {
                const $n: usize = 16;
                $body
            }
            17..=32 => {
                const $n: usize = 32;
                $body
            }
            _ => {
                const $n: usize = CHUNK;
                $body
            }
        }
    };
}

/// The interpolator: the prototype `h` (length `factor * taps`) split into `factor` phases.
///
/// High-rate output `factor * n + p` is `sum_j h[p + factor j] x[n - j]`, `j < taps`. The
/// state is one contiguous buffer: the previous `taps - 1` inputs, then the chunk, so output
/// `i` of the chunk reads `buf[i .. i + taps]`, oldest first: `buf[i + k]` is multiplied by
/// `h[p + factor (taps - 1 - k)]`. Nothing is padded, so the impulse response is exactly the
/// prototype and the delay is the prototype's own: `(factor * taps - 1) / 2` high-rate samples.
///
/// Summation order: from both ends of the window inwards (`k = 0, taps - 1, 1, taps - 2, ...`),
/// so the small outer taps are summed while the accumulators are still small and the large
/// central ones come last. Summed oldest to newest instead, the second half of the taps is
/// added to an accumulator that already holds most of the output: on full-scale noise that
/// measured 6.6e-7 to 8.4e-7 from the exact sum, against 2.0e-7 to 2.7e-7 for the per-sample
/// form's tree of 8 partial sums (this order: within 2.4e-7 of the per-sample form).
#[derive(Clone, Debug)]
pub(super) struct Interpolator {
    factor: usize,
    taps: usize,
    /// The window offsets `k` in summation order.
    order: Vec<u32>,
    /// Phase-major, `taps` per phase, each phase in `order`.
    coefs: Vec<f32>,
}

impl Interpolator {
    /// Splits `h` (zero-extended to a multiple of `factor`). Allocates.
    pub(super) fn new(h: &[f64], factor: usize) -> Self {
        let factor = factor.max(1);
        let taps = h.len().div_ceil(factor).max(1);
        let order: Vec<u32> = (0..taps)
            .map(|s| if s % 2 == 0 { s / 2 } else { taps - 1 - s / 2 } as u32)
            .collect();
        let mut coefs = vec![0.0f32; factor * taps];
        for p in 0..factor {
            for (s, &k) in order.iter().enumerate() {
                let j = taps - 1 - k as usize;
                coefs[p * taps + s] = h.get(p + factor * j).copied().unwrap_or(0.0) as f32;
            }
        }
        Self {
            factor,
            taps,
            order,
            coefs,
        }
    }

    /// Length of the state buffer [`Interpolator::process`] needs.
    pub(super) fn state_len(&self) -> usize {
        self.taps - 1 + CHUNK
    }

    /// Interpolates `input` into `out[..input.len() * factor]`. `state` (at least
    /// [`Interpolator::state_len`] long, zeroed to start) carries the last `taps - 1` inputs
    /// from call to call at its front. Inputs are sanitised on the way in. Never allocates.
    #[inline(always)]
    pub(super) fn process(&self, state: &mut [f32], input: &[f32], out: &mut [f32]) {
        match self.factor {
            2 => self.process_m::<2>(state, input, out),
            4 => self.process_m::<4>(state, input, out),
            8 => self.process_m::<8>(state, input, out),
            m => panic!("no interpolator kernel for factor {m}"),
        }
    }

    #[inline(always)]
    fn process_m<const M: usize>(&self, state: &mut [f32], input: &[f32], out: &mut [f32]) {
        debug_assert_eq!(self.factor, M);
        let t = self.taps;
        let hist = t - 1;
        let buf = &mut state[..hist + CHUNK];
        let out = &mut out[..input.len() * M];
        for (inp, out) in input.chunks(CHUNK).zip(out.chunks_mut(CHUNK * M)) {
            let n = inp.len();
            for (b, &x) in buf[hist..hist + n].iter_mut().zip(inp) {
                *b = sanitize(x);
            }
            // All phases into `acc` (phase-major), then interleave them into the high-rate
            // stream: `out[M i + p] = acc[p][i]`.
            let mut acc = [[0.0f32; CHUNK]; M];
            with_chunk_len!(n, N => {
                for (a, coefs) in acc.iter_mut().zip(self.coefs.chunks_exact(t)) {
                    let r: [f32; N] = correlate(coefs, &self.order, buf);
                    a[..N].copy_from_slice(&r);
                }
            });
            for (i, frame) in out.chunks_exact_mut(M).enumerate() {
                let frame: &mut [f32; M] = frame.try_into().expect("M samples");
                for p in 0..M {
                    frame[p] = acc[p][i];
                }
            }
            // The newest `taps - 1` inputs become the next chunk's history.
            buf.copy_within(n..n + hist, 0);
        }
    }
}

/// One symmetric pair of decimator taps: `c * (streams[a + i] + streams[b + i])` for output `i`.
#[derive(Clone, Copy, Debug)]
struct Pair {
    c: f32,
    a: u32,
    b: u32,
}

/// The decimator: the prototype divided by `factor` (length `L = factor * taps`), keeping one
/// high-rate sample in `factor`.
///
/// Alignment (the same as the per-sample form it replaces, which dotted the last `L` high-rate
/// samples, oldest first, with the taps after each `factor` new ones): base-rate output `n` is
/// `y[n] = sum_k d[k] xh[factor n + factor - 1 - k]` (the taps are symmetric, so "oldest first"
/// and "newest first" are the same). With `k = factor j + r` that is
/// `sum_{r, j} d[factor j + r] s_{factor-1-r}[n - j]`, where `s_q[t] = xh[factor t + q]` are the
/// `factor` polyphase streams. The state holds the streams one after the other, `stride =
/// taps - 1 + CHUNK` apart, each as `taps - 1` samples of history followed by the chunk, so
/// `s_q[n_i - j]` is at `q * stride + taps - 1 + i - j`.
///
/// The taps are symmetric, `d[k] = d[L - 1 - k]`, and tap `L - 1 - k` reads
/// `s_r[n - (taps - 1) + j]`, at `r * stride + j + i`: each coefficient multiplies the sum of
/// two inputs (one multiply per pair instead of two). Pairs are summed in `k` order, from the
/// outer (smallest) taps in.
#[derive(Clone, Debug)]
pub(super) struct Decimator {
    factor: usize,
    taps: usize,
    pairs: Vec<Pair>,
}

impl Decimator {
    /// The decimator for the prototype `h` (length `factor * taps`, symmetric), scaled by
    /// `1 / factor`. Allocates.
    pub(super) fn new(h: &[f64], factor: usize) -> Self {
        let factor = factor.max(1);
        let taps = h.len().div_ceil(factor).max(1);
        let len = factor * taps;
        let stride = taps - 1 + CHUNK;
        let d = |k: usize| (h.get(k).copied().unwrap_or(0.0) / factor as f64) as f32;
        // Offset of the input tap `k` multiplies, relative to output 0 of the chunk.
        let offset = |k: usize| {
            let (j, r) = (k / factor, k % factor);
            ((factor - 1 - r) * stride + taps - 1 - j) as u32
        };
        let mut pairs: Vec<Pair> = (0..len / 2)
            .map(|k| Pair {
                c: d(k),
                a: offset(k),
                b: offset(len - 1 - k),
            })
            .collect();
        if len % 2 == 1 {
            // The centre tap (odd lengths only): c/2 * (x + x) == c * x exactly.
            let k = len / 2;
            pairs.push(Pair {
                c: d(k) * 0.5,
                a: offset(k),
                b: offset(k),
            });
        }
        Self {
            factor,
            taps,
            pairs,
        }
    }

    /// Length of the state buffer [`Decimator::process`] needs.
    pub(super) fn state_len(&self) -> usize {
        self.factor * (self.taps - 1 + CHUNK)
    }

    /// Filters and decimates `input` (`out.len() * factor` high-rate samples) into `out`.
    /// `state` (at least [`Decimator::state_len`] long, zeroed to start) carries the last
    /// `taps - 1` samples of every polyphase stream. Inputs are sanitised on the way in. Never
    /// allocates.
    #[inline(always)]
    pub(super) fn process(&self, state: &mut [f32], input: &[f32], out: &mut [f32]) {
        match self.factor {
            2 => self.process_m::<2>(state, input, out),
            4 => self.process_m::<4>(state, input, out),
            8 => self.process_m::<8>(state, input, out),
            m => panic!("no decimator kernel for factor {m}"),
        }
    }

    #[inline(always)]
    fn process_m<const M: usize>(&self, state: &mut [f32], input: &[f32], out: &mut [f32]) {
        debug_assert_eq!(self.factor, M);
        let hist = self.taps - 1;
        let stride = hist + CHUNK;
        let state = &mut state[..M * stride];
        let input = &input[..out.len() * M];
        for (hi, out) in input.chunks(CHUNK * M).zip(out.chunks_mut(CHUNK)) {
            let n = out.len();
            // Deinterleave into the polyphase streams, after their histories.
            for (q, stream) in state.chunks_exact_mut(stride).enumerate() {
                for (s, frame) in stream[hist..hist + n].iter_mut().zip(hi.chunks_exact(M)) {
                    *s = sanitize(frame[q]);
                }
            }
            with_chunk_len!(n, N => {
                let mut acc = [0.0f32; N];
                for pr in &self.pairs {
                    let (a, b) = (pr.a as usize, pr.b as usize);
                    let xa: &[f32; N] = state[a..a + N].try_into().expect("window");
                    let xb: &[f32; N] = state[b..b + N].try_into().expect("window");
                    for i in 0..N {
                        acc[i] += pr.c * (xa[i] + xb[i]);
                    }
                }
                out.copy_from_slice(&acc[..n]);
            });
            for q in 0..M {
                let s = q * stride;
                state.copy_within(s + n..s + n + hist, s);
            }
        }
    }
}
