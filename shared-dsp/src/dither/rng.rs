//! The dither's noise source: SplitMix64 (G. L. Steele, D. Lea, C. H. Flood, "Fast splittable
//! pseudorandom number generators", OOPSLA 2014) — one add and three xor-shift-multiplies per
//! 64 bits, every output bit of good quality, seedable, no allocation. Each 64-bit output gives
//! two independent 32-bit uniforms whose difference is the triangular (TPDF) dither value.

/// SplitMix64 generator.
#[derive(Clone, Copy, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed` (any value, zero included).
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A triangular-PDF value in (−1, 1): the difference of two independent uniforms on [0, 1)
    /// (equivalently the sum of two uniforms on ±½). Mean 0, variance 1/6.
    #[inline]
    pub fn tpdf(&mut self) -> f64 {
        let bits = self.next_u64();
        let a = (bits >> 32) as f64;
        let b = (bits & 0xFFFF_FFFF) as f64;
        (a - b) * (1.0 / 4_294_967_296.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tpdf_moments_and_shape() {
        let mut r = SplitMix64::new(1);
        let n = 200_000;
        let (mut sum, mut sq, mut inner) = (0.0, 0.0, 0usize);
        for _ in 0..n {
            let d = r.tpdf();
            assert!(d > -1.0 && d < 1.0);
            sum += d;
            sq += d * d;
            if d.abs() < 0.5 {
                inner += 1;
            }
        }
        let mean = sum / n as f64;
        let var = sq / n as f64 - mean * mean;
        assert!(mean.abs() < 0.005, "{mean}");
        assert!((var - 1.0 / 6.0).abs() < 0.003, "{var}");
        // Triangular: P(|d| < 1/2) = 3/4.
        assert!((inner as f64 / n as f64 - 0.75).abs() < 0.005);
    }
}
