//! A fused, pipelined cascade of static stereo SVF sections: the EQ bank's fast path when no
//! band moves (see [`super::eq_bank`]).
//!
//! A cascade of sections is a serial chain: section `j + 1` needs section `j`'s output of the
//! same sample, so two sections of one sample can never run side by side. Skewed by one sample
//! they can: section `j` works on sample `n − j` while section `j + 1` works on sample
//! `n − j − 1`, whose input section `j` produced one step earlier. Every section of a step then
//! depends only on the previous step, and a 4-lane `f64` register holds two sections × two
//! channels (a "stage": lanes `[L, R]` of section `2s`, then `[L, R]` of section `2s + 1`).
//! Between steps, one lane swap hands each stage its inputs: the low pair takes the previous
//! stage's high pair, the high pair takes its own low pair. The skew (`2·stages − 1` samples)
//! is filled at the start of a run and drained at its end with masked steps, so the output has
//! no latency and is the same, sample for sample, as running the sections one after another.
//! (The skewed schedule is the classic systolic-array / wavefront arrangement of a recursive
//! cascade; the section arithmetic is [`super::eq_bank`]'s.)
//!
//! The section step uses fused multiply-adds. [`run_scalar`] is the plain per-section reference
//! with the same fused operations in the same order (`f64::mul_add`); tests check the SIMD path
//! against it bit for bit. The SIMD path needs AVX2 and FMA ([`available`], the suite's one
//! dispatch test in [`crate::util::simd`]); elsewhere the bank keeps its two-lane baseline path.

/// One section's coefficients, shared by both channels (see `eq_bank::Section::tick`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct SectionCoefs {
    pub a1: f64,
    pub a2: f64,
    pub n1: f64,
    pub m2b: f64,
    pub b0: f64,
    pub g2: f64,
}

impl SectionCoefs {
    /// A section that passes its input through and keeps a zero state.
    pub const WIRE: Self = Self {
        a1: 0.0,
        a2: 0.0,
        n1: 0.0,
        m2b: 0.0,
        b0: 1.0,
        g2: 0.0,
    };
}

/// Two sections × two channels: coefficients per lane and state per lane, in the lane order
/// `[L, R]` of the low section, then `[L, R]` of the high section.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Stage {
    c: [[f64; 4]; 6],
    ic1: [f64; 4],
    ic2: [f64; 4],
}

impl Stage {
    /// Sets half `h` (0 = low section, 1 = high section) from one section.
    pub fn set(&mut self, h: usize, c: &SectionCoefs, ic1: [f64; 2], ic2: [f64; 2]) {
        let v = [c.a1, c.a2, c.n1, c.m2b, c.b0, c.g2];
        for (k, x) in v.iter().enumerate() {
            self.c[k][2 * h] = *x;
            self.c[k][2 * h + 1] = *x;
        }
        self.ic1[2 * h..2 * h + 2].copy_from_slice(&ic1);
        self.ic2[2 * h..2 * h + 2].copy_from_slice(&ic2);
    }

    /// The state of half `h`: `(ic1, ic2)` for `[L, R]`.
    pub fn state(&self, h: usize) -> ([f64; 2], [f64; 2]) {
        (
            [self.ic1[2 * h], self.ic1[2 * h + 1]],
            [self.ic2[2 * h], self.ic2[2 * h + 1]],
        )
    }
}

/// One section step on one channel, fused: the reference arithmetic of the SIMD kernel.
#[inline(always)]
fn tick_fused(c: &[[f64; 4]; 6], l: usize, ic1: &mut f64, ic2: &mut f64, x: f64) -> f64 {
    let [a1, a2, n1, m2b, b0, g2] = [c[0][l], c[1][l], c[2][l], c[3][l], c[4][l], c[5][l]];
    let p = a1.mul_add(*ic1, -(a2 * *ic2));
    let q = n1.mul_add(p, m2b * *ic2);
    let y = b0.mul_add(x, q);
    let v1 = a2.mul_add(x, p);
    *ic2 = g2.mul_add(v1, *ic2);
    *ic1 = (v1 + v1) - *ic1;
    y
}

/// The scalar reference: every frame of `buf` through every section in order, one channel at a
/// time.
#[allow(clippy::needless_range_loop)]
pub(super) fn run_scalar(stages: &mut [Stage], buf: &mut [[f64; 2]]) {
    for frame in buf.iter_mut() {
        for st in stages.iter_mut() {
            for h in 0..2 {
                for ch in 0..2 {
                    let l = 2 * h + ch;
                    frame[ch] = tick_fused(&st.c, l, &mut st.ic1[l], &mut st.ic2[l], frame[ch]);
                }
            }
        }
    }
}

/// Whether this CPU runs the SIMD kernel: the suite's one CPU-feature test
/// ([`crate::util::simd::has_avx2_fma`]). The kernel itself is written in AVX2/FMA intrinsics,
/// so it carries its own `target_feature` and is only entered when this is true.
pub(super) fn available() -> bool {
    crate::util::simd::has_avx2_fma()
}

/// Stages per kernel call: their state stays in registers (4 × 3 of the 16 vector registers).
const GROUP: usize = 4;

/// `buf` through every stage, pipelined; the same output as [`run_scalar`]. Only call when
/// [`available`] is true.
pub(super) fn run_simd(stages: &mut [Stage], buf: &mut [[f64; 2]]) {
    #[cfg(target_arch = "x86_64")]
    {
        debug_assert!(available());
        for group in stages.chunks_mut(GROUP) {
            // SAFETY: the caller checked `available()` (AVX2 and FMA present).
            unsafe {
                match group.len() {
                    1 => x86::run::<1>(group, buf),
                    2 => x86::run::<2>(group, buf),
                    3 => x86::run::<3>(group, buf),
                    _ => x86::run::<4>(group, buf),
                }
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    run_scalar(stages, buf);
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Stage;
    use std::arch::x86_64::*;

    /// The pipeline's registers: per stage, coefficients, state and last output.
    struct Pipe<const P: usize> {
        c: [[__m256d; 6]; P],
        ic1: [__m256d; P],
        ic2: [__m256d; P],
        prev: [__m256d; P],
    }

    impl<const P: usize> Pipe<P> {
        /// One step: stage `s` takes its inputs from the previous step's outputs, runs its two
        /// sections, and (when `MASKED`) keeps the state of a section whose sample `step − j`
        /// is outside `0..n`. Returns the last section's output (sample `step − 2P + 1`).
        #[inline(always)]
        unsafe fn step<const MASKED: bool>(
            &mut self,
            step: usize,
            n: usize,
            x0: __m128d,
        ) -> __m128d {
            // SAFETY: only reached from `run`, which has AVX2 and FMA enabled.
            unsafe {
                let two = _mm256_set1_pd(2.0);
                // Highest stage first: each reads the previous step's outputs of itself and of
                // the stage below before they are overwritten.
                for s in (0..P).rev() {
                    let x = if s == 0 {
                        _mm256_insertf128_pd::<1>(
                            _mm256_castpd128_pd256(x0),
                            _mm256_castpd256_pd128(self.prev[0]),
                        )
                    } else {
                        _mm256_permute2f128_pd::<0x21>(self.prev[s - 1], self.prev[s])
                    };
                    let [a1, a2, n1, m2b, b0, g2] = self.c[s];
                    let (ic1, ic2) = (self.ic1[s], self.ic2[s]);
                    let p = _mm256_fmsub_pd(a1, ic1, _mm256_mul_pd(a2, ic2));
                    let q = _mm256_fmadd_pd(n1, p, _mm256_mul_pd(m2b, ic2));
                    let y = _mm256_fmadd_pd(b0, x, q);
                    let v1 = _mm256_fmadd_pd(a2, x, p);
                    let new2 = _mm256_fmadd_pd(g2, v1, ic2);
                    let new1 = _mm256_fmsub_pd(two, v1, ic1);
                    if MASKED {
                        let active =
                            |j: usize| -> i64 { if step >= j && step - j < n { -1 } else { 0 } };
                        let (lo, hi) = (active(2 * s), active(2 * s + 1));
                        let m = _mm256_castsi256_pd(_mm256_set_epi64x(hi, hi, lo, lo));
                        self.ic1[s] = _mm256_blendv_pd(ic1, new1, m);
                        self.ic2[s] = _mm256_blendv_pd(ic2, new2, m);
                    } else {
                        self.ic1[s] = new1;
                        self.ic2[s] = new2;
                    }
                    self.prev[s] = y;
                }
                _mm256_extractf128_pd::<1>(self.prev[P - 1])
            }
        }
    }

    /// `buf` through `P` stages (`2P` sections), skewed. `P` is a constant so the state lives
    /// in registers.
    // Indexing `stages[s]` for `s in 0..P` (rather than iterators) measured 25 % faster:
    // 7.4 against 9.7 ns per frame for 8 bells (code generation of the whole kernel shifts).
    #[allow(clippy::needless_range_loop)]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn run<const P: usize>(stages: &mut [Stage], buf: &mut [[f64; 2]]) {
        // SAFETY: AVX2/FMA are enabled for this function; every pointer access is inside
        // `buf` (`step < n`, `step - d < n`) or inside a stage's arrays.
        unsafe {
            let n = buf.len();
            let d = 2 * P - 1;
            let mut pipe = Pipe::<P> {
                c: [[_mm256_setzero_pd(); 6]; P],
                ic1: [_mm256_setzero_pd(); P],
                ic2: [_mm256_setzero_pd(); P],
                prev: [_mm256_setzero_pd(); P],
            };
            for s in 0..P {
                pipe.ic1[s] = _mm256_loadu_pd(stages[s].ic1.as_ptr());
                pipe.ic2[s] = _mm256_loadu_pd(stages[s].ic2.as_ptr());
                for k in 0..6 {
                    pipe.c[s][k] = _mm256_loadu_pd(stages[s].c[k].as_ptr());
                }
            }
            let ptr = buf.as_mut_ptr() as *mut f64;
            let input = |step: usize| {
                if step < n {
                    _mm_loadu_pd(ptr.add(2 * step))
                } else {
                    _mm_setzero_pd()
                }
            };
            // Fill: the first sections start while the last have nothing yet.
            for step in 0..d {
                pipe.step::<true>(step, n, input(step));
            }
            // Every section busy.
            for step in d..n {
                let y = pipe.step::<false>(step, n, _mm_loadu_pd(ptr.add(2 * step)));
                _mm_storeu_pd(ptr.add(2 * (step - d)), y);
            }
            // Drain: the last sections finish while the first have nothing left.
            for step in d.max(n)..n + d {
                let y = pipe.step::<true>(step, n, input(step));
                _mm_storeu_pd(ptr.add(2 * (step - d)), y);
            }
            for s in 0..P {
                _mm256_storeu_pd(stages[s].ic1.as_mut_ptr(), pipe.ic1[s]);
                _mm256_storeu_pd(stages[s].ic2.as_mut_ptr(), pipe.ic2[s]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages(count: usize) -> Vec<Stage> {
        let mut v = vec![Stage::default(); count.div_ceil(2)];
        for j in 0..v.len() * 2 {
            let c = if j < count {
                let g = 0.05 + 0.1 * j as f64;
                let k = 0.7 + 0.05 * j as f64;
                let a1 = 1.0 / (1.0 + g * (g + k));
                let a2 = g * a1;
                let (m0, m1, m2) = (1.0, 0.3 * k, 0.0);
                let n1 = m1 + g * m2;
                SectionCoefs {
                    a1,
                    a2,
                    n1,
                    m2b: m2,
                    b0: m0 + n1 * a2,
                    g2: 2.0 * g,
                }
            } else {
                SectionCoefs::WIRE
            };
            let st = [0.01 * j as f64, -0.02 * j as f64];
            v[j / 2].set(j % 2, &c, st, [0.5 * st[1], 0.3 * st[0]]);
        }
        v
    }

    #[test]
    fn simd_kernel_equals_the_scalar_reference_bit_for_bit() {
        if !available() {
            eprintln!("no AVX2+FMA on this CPU: the SIMD kernel is not used here");
            return;
        }
        for count in [1, 2, 3, 5, 8, 9, 16, 17] {
            for n in [0, 1, 2, 3, 7, 8, 31, 256] {
                let input: Vec<[f64; 2]> = (0..n)
                    .map(|i| [((i * 37) % 19) as f64 - 9.0, ((i * 11) % 7) as f64 * 0.1])
                    .collect();
                let (mut a, mut b) = (stages(count), stages(count));
                let (mut ya, mut yb) = (input.clone(), input.clone());
                run_scalar(&mut a, &mut ya);
                run_simd(&mut b, &mut yb);
                assert_eq!(ya, yb, "{count} sections, {n} frames");
                for (sa, sb) in a.iter().zip(&b) {
                    assert_eq!(sa.ic1, sb.ic1);
                    assert_eq!(sa.ic2, sb.ic2);
                }
            }
        }
    }
}
