//! Fractional-octave smoothing of a power spectrum, evaluated at arbitrary display frequencies.
//!
//! Technique: each display point at `f` is a weighted mean of the power spectrum over
//! `f · 2^(±W)` with a Hann-shaped weight in log-frequency (`cos²` of `π/2 · log2(f'/f) / W`),
//! whose equivalent rectangular width is `W` octaves: "1/3-octave smoothing" means `W = 1/3`.
//! Averaging power (not dB) keeps the mean level of noise; a weight that is uniform per
//! octave (the `1/f'` Jacobian) and peaks at the centre keeps a pure tone's peak at its own
//! frequency. Follows the constant-relative-bandwidth smoothing of Hatziantoniou & Mourjopoulos,
//! "Generalized fractional-octave smoothing of audio and acoustic responses", JAES 48(4), 2000,
//! with a Hann window as the smoothing kernel.
//!
//! Where the band spans fewer than a few bins (low frequencies), the power is interpolated
//! linearly between bins and integrated numerically, so the curve stays smooth instead of
//! stepping from bin to bin.

use std::f64::consts::{FRAC_PI_2, LN_2};

/// Power interpolated linearly at fractional bin `x` (clamped to the spectrum).
#[inline]
fn interpolate(power: &[f32], x: f64) -> f64 {
    let last = power.len() - 1;
    let x = x.clamp(0.0, last as f64);
    let i = (x as usize).min(last.saturating_sub(1));
    let t = x - i as f64;
    let a = power[i] as f64;
    let b = power[(i + 1).min(last)] as f64;
    a + t * (b - a)
}

/// Mean power around fractional bin `x` with the log-Hann weight of half-width `half_octaves`
/// (`0` = no smoothing, plain interpolation).
pub(crate) fn smoothed_power(power: &[f32], x: f64, half_octaves: f64) -> f64 {
    if power.is_empty() {
        return 0.0;
    }
    if half_octaves <= 0.0 || x <= 0.0 {
        return interpolate(power, x);
    }
    let up = half_octaves.exp2();
    let lo = x / up;
    let hi = x * up;
    let last = (power.len() - 1) as f64;
    if hi - lo >= 8.0 {
        // Enough bins: sum them, weight w(u)/k (uniform per octave).
        let k0 = lo.ceil().max(1.0) as usize;
        let k1 = hi.floor().min(last) as usize;
        let (mut num, mut den) = (0.0, 0.0);
        let scale = FRAC_PI_2 / half_octaves;
        for (k, &p) in power.iter().enumerate().take(k1 + 1).skip(k0) {
            let kf = k as f64;
            let u = (kf / x).log2();
            let c = (u * scale).cos();
            let w = c * c / kf;
            num += w * p as f64;
            den += w;
        }
        if den > 0.0 {
            return num / den;
        }
    }
    // Few bins: integrate the interpolated spectrum uniformly in log-frequency.
    const STEPS: usize = 16;
    let (mut num, mut den) = (0.0, 0.0);
    for j in 0..=STEPS {
        let u = half_octaves * (2.0 * j as f64 / STEPS as f64 - 1.0);
        let c = (u * FRAC_PI_2 / half_octaves).cos();
        let w = c * c;
        num += w * interpolate(power, x * (u * LN_2).exp());
        den += w;
    }
    num / den
}

/// Unsmoothed display value for a point at fractional bin `x` whose display cell spans bins
/// `lo..=hi`: the largest bin power in the cell (so a tone between two widely spaced display
/// points is not skipped), or the interpolated power where the cell holds no whole bin.
pub(crate) fn cell_max_power(power: &[f32], lo: f64, x: f64, hi: f64) -> f64 {
    if power.is_empty() {
        return 0.0;
    }
    let last = power.len() - 1;
    let k0 = lo.max(0.0).ceil() as usize;
    let k1 = (hi.floor().max(0.0) as usize).min(last);
    let mut best = interpolate(power, x);
    if k0 <= k1 {
        for &p in &power[k0..=k1] {
            best = best.max(p as f64);
        }
    }
    best
}

/// Fills `out` with `out.len()` frequencies spaced evenly on a log axis from `low_hz` to
/// `high_hz` inclusive (e.g. 20 Hz to 20 kHz for the display grid). Does not allocate.
pub fn log_frequencies(low_hz: f32, high_hz: f32, out: &mut [f32]) {
    let n = out.len();
    if n == 1 {
        out[0] = low_hz;
        return;
    }
    let ratio = (high_hz as f64 / low_hz as f64).ln();
    for (i, f) in out.iter_mut().enumerate() {
        *f = (low_hz as f64 * (ratio * i as f64 / (n - 1) as f64).exp()) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_spectrum_stays_flat_and_interpolation_is_linear() {
        let p = vec![2.0f32; 1000];
        for x in [0.3, 1.0, 5.5, 50.0, 600.0, 990.0] {
            for w in [0.0, 1.0 / 12.0, 1.0 / 6.0, 0.5] {
                assert!((smoothed_power(&p, x, w) - 2.0).abs() < 1e-9, "{x} {w}");
            }
        }
        let ramp: Vec<f32> = (0..10).map(|i| i as f32).collect();
        assert!((smoothed_power(&ramp, 3.25, 0.0) - 3.25).abs() < 1e-9);
    }

    #[test]
    fn log_grid_ends_and_ratio() {
        let mut f = [0.0f32; 31];
        log_frequencies(20.0, 20_000.0, &mut f);
        assert!((f[0] - 20.0).abs() < 1e-4 && (f[30] - 20_000.0).abs() < 0.1);
        assert!((f[10] / f[0] - 10.0).abs() < 1e-3);
    }
}
