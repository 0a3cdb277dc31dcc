//! Word-length reduction with TPDF dither and optional noise shaping — the very last stage of
//! the limiter, for 16- or 24-bit delivery.
//!
//! Each sample is scaled to integer LSB units (`2^(bits−1)` per full scale), the shaped error
//! feedback is subtracted, triangular dither of ±1 LSB peak (sum of two uniforms of ±½ LSB) is
//! added, and the result is rounded to an integer and clipped to
//! `[−2^(bits−1), 2^(bits−1) − 1]`. So every output sample times `2^(bits−1)` is an integer in
//! range: the output is exactly what the file writer stores, and the writer's own truncation is
//! then lossless. TPDF dither of ±1 LSB makes the first and second moments of the total error
//! independent of the signal (no distortion, no noise modulation); the total error is white with
//! power LSB²/6 (dither) + LSB²/12 (rounding) = LSB²/4 before shaping (S. P. Lipshitz,
//! R. A. Wannamaker, J. Vanderkooy, "Quantization and dither: a theoretical survey", JAES 40(5),
//! 1992; R. A. Wannamaker, *The theory of dithered quantization*, PhD thesis, Waterloo, 2003).
//! Noise shaping curves and their sources: [`shaping`]. Noise source: [`rng`].
//!
//! The arithmetic runs in `f64` so that the ±1 LSB dither stays exact at 24 bits.

pub mod rng;
pub mod shaping;

pub use rng::SplitMix64;
pub use shaping::NoiseShaping;

use shaping::MAX_TAPS;

/// Seed used by [`Dither::new`].
pub const DEFAULT_SEED: u64 = 0x4C41_5448_4521_0001;

#[derive(Clone, Debug)]
struct ChannelState {
    rng: SplitMix64,
    /// Past total errors in LSB, newest first.
    errors: [f64; MAX_TAPS],
}

/// TPDF dither and quantiser with optional noise shaping, for any number of channels.
///
/// Allocation: only [`Dither::new`]. `set_*`, [`process`](Self::process) and
/// [`reset`](Self::reset) are audio-thread safe. Deterministic: the same seed and input give the
/// same output, and `reset` re-seeds, so a second run after `reset` reproduces the first
/// bit-exact. Each channel has its own noise generator, so any block split gives the same output.
/// Latency 0.
#[derive(Clone, Debug)]
pub struct Dither {
    bits: u32,
    scale: f64,
    min_int: f64,
    max_int: f64,
    shaping: NoiseShaping,
    dither_on: bool,
    seed: u64,
    channels: Vec<ChannelState>,
}

impl Dither {
    /// Dither for `num_channels` channels to `bits` (clamped to 8..=24), flat TPDF, seeded with
    /// [`DEFAULT_SEED`]. Allocates.
    pub fn new(num_channels: usize, bits: u32) -> Self {
        let mut d = Self {
            bits: 0,
            scale: 1.0,
            min_int: 0.0,
            max_int: 0.0,
            shaping: NoiseShaping::Off,
            dither_on: true,
            seed: DEFAULT_SEED,
            channels: vec![
                ChannelState {
                    rng: SplitMix64::new(0),
                    errors: [0.0; MAX_TAPS],
                };
                num_channels
            ],
        };
        d.set_bits(bits);
        d.reset();
        d
    }

    /// Sets the seed and re-seeds (same as a [`reset`](Self::reset) with the new seed).
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
        self.reset();
    }

    /// Sets the output word length (clamped to 8..=24 bits). Never allocates.
    pub fn set_bits(&mut self, bits: u32) {
        self.bits = bits.clamp(8, 24);
        self.scale = (1u64 << (self.bits - 1)) as f64;
        self.min_int = -self.scale;
        self.max_int = self.scale - 1.0;
    }

    /// The output word length.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// One LSB as a linear amplitude, `2^−(bits−1)`.
    pub fn lsb(&self) -> f32 {
        (1.0 / self.scale) as f32
    }

    /// Sets the noise shaping curve. Never allocates; the error history is kept.
    pub fn set_noise_shaping(&mut self, shaping: NoiseShaping) {
        self.shaping = shaping;
    }

    /// The noise shaping curve.
    pub fn noise_shaping(&self) -> NoiseShaping {
        self.shaping
    }

    /// Turns the TPDF dither off (plain rounding, shaped if shaping is on) or back on. Rounding
    /// without dither causes signal-dependent distortion at low levels; it exists for comparison
    /// and tests.
    pub fn set_dither_enabled(&mut self, enabled: bool) {
        self.dither_on = enabled;
    }

    /// Latency in samples (always 0).
    pub fn latency(&self) -> usize {
        0
    }

    /// Clears the noise-shaping history and re-seeds every channel's generator from the seed.
    pub fn reset(&mut self) {
        for (i, ch) in self.channels.iter_mut().enumerate() {
            // Decorrelate channels: distinct, well-mixed seeds.
            let mut mix =
                SplitMix64::new(self.seed ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
            ch.rng = SplitMix64::new(mix.next_u64());
            ch.errors = [0.0; MAX_TAPS];
        }
    }

    /// Dithers and quantises in place. Channel `i` uses generator `i`; channels beyond
    /// the number given at construction are left untouched. Non-finite input becomes 0.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let q = Quantiser {
            scale: self.scale,
            inv_scale: 1.0 / self.scale,
            lo: self.min_int,
            hi: self.max_int,
            dither: if self.dither_on { 1.0 } else { 0.0 },
        };
        let coefs = self.shaping.coefficients();
        for (state, samples) in self.channels.iter_mut().zip(channels.iter_mut()) {
            // One monomorphised loop per filter length keeps the error history in registers.
            match coefs.len() {
                0 => run::<0>(&q, &[], state, samples),
                1 => run::<1>(&q, coefs, state, samples),
                2 => run::<2>(&q, coefs, state, samples),
                5 => run::<5>(&q, coefs, state, samples),
                _ => run::<MAX_TAPS>(&q, coefs, state, samples),
            }
        }
    }
}

struct Quantiser {
    scale: f64,
    inv_scale: f64,
    lo: f64,
    hi: f64,
    /// 1 with dither, 0 without.
    dither: f64,
}

/// Rounds to the nearest integer (ties to even) for |x| < 2^51: adding and subtracting 1.5·2^52
/// leaves no fraction bits in an `f64`. Cheaper than `f64::round`, which is a library call on
/// baseline x86-64.
#[inline(always)]
fn round_nearest(x: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    (x + MAGIC) - MAGIC
}

#[inline(always)]
fn run<const N: usize>(
    q: &Quantiser,
    coefs: &[f64],
    state: &mut ChannelState,
    samples: &mut [f32],
) {
    let mut c = [0.0f64; N];
    c.copy_from_slice(&coefs[..N]);
    let mut e = [0.0f64; N];
    e.copy_from_slice(&state.errors[..N]);
    let mut rng = state.rng;
    for x in samples.iter_mut() {
        let input = if x.is_finite() {
            *x as f64 * q.scale
        } else {
            0.0
        };
        let mut feedback = 0.0;
        for k in 0..N {
            feedback += c[k] * e[k];
        }
        let v = input - feedback;
        let y = round_nearest(v + q.dither * rng.tpdf());
        if N > 0 {
            // The error before clipping keeps the loop linear and bounded (|error| ≤ 1.5 LSB)
            // even when the output clips.
            for k in (1..N).rev() {
                e[k] = e[k - 1];
            }
            e[0] = y - v;
        }
        *x = (y.clamp(q.lo, q.hi) * q.inv_scale) as f32;
    }
    state.rng = rng;
    state.errors[..N].copy_from_slice(&e);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_on_the_grid_and_clipped() {
        for bits in [16u32, 24] {
            for shaping in [NoiseShaping::Off, NoiseShaping::Lipshitz] {
                let mut d = Dither::new(1, bits);
                d.set_noise_shaping(shaping);
                let scale = (1u64 << (bits - 1)) as f64;
                let mut x: Vec<f32> = (0..4000).map(|i| (i as f32 * 0.01).sin() * 1.2).collect();
                x[7] = f32::NAN;
                d.process(&mut [&mut x]);
                for &y in &x {
                    let k = y as f64 * scale;
                    assert_eq!(k, k.round(), "{bits} {y}");
                    assert!(k >= -scale && k <= scale - 1.0);
                }
                assert_eq!(x[7] as f64 * scale, (x[7] as f64 * scale).round());
            }
        }
    }
}
