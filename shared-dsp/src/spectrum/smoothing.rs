//! Fractional-octave smoothing of a power spectrum, evaluated at arbitrary display frequencies.
//!
//! Technique: each display point at `f` is a weighted mean of the power spectrum over
//! `f · 2^(±W)` with a bell-shaped weight symmetric in log-frequency (a biweight, see
//! `weight`), whose equivalent rectangular width is about `W` octaves (1.07 W):
//! "1/3-octave smoothing" means `W = 1/3`.
//! Averaging power (not dB) keeps the mean level of noise; a weight that is uniform per
//! octave (the `1/f'` Jacobian) and peaks at the centre keeps a pure tone's peak at its own
//! frequency. Follows the constant-relative-bandwidth smoothing of Hatziantoniou & Mourjopoulos,
//! "Generalized fractional-octave smoothing of audio and acoustic responses", JAES 48(4), 2000,
//! with a biweight as the smoothing kernel.
//!
//! Where the band spans fewer than a few bins (low frequencies), the power is interpolated
//! linearly between bins and integrated numerically, so the curve stays smooth instead of
//! stepping from bin to bin.

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

/// Smoothing weight of a bin at frequency ratio `r = f'/f` to the display point: a biweight
/// `(1 − t²)²` of `t = (r − 1/r) / (R − 1/R)`, `R = 2^half_octaves`. `t` is odd in
/// `log2 r` (swapping `r` and `1/r` flips its sign), so the weight is symmetric in
/// log-frequency and peaks at `r = 1`, and it costs no transcendental function per bin.
#[inline]
fn weight(r: f64, r_inv: f64, inv_span: f64) -> f64 {
    let t = (r - r_inv) * inv_span;
    let v = 1.0 - t * t;
    if v > 0.0 { v * v } else { 0.0 }
}

/// Mean power around fractional bin `x` over `x · 2^(±half_octaves)` with the log-symmetric
/// biweight of [`weight`] (`0` = no smoothing, plain interpolation).
pub(crate) fn smoothed_power(power: &[f32], x: f64, half_octaves: f64) -> f64 {
    if power.is_empty() {
        return 0.0;
    }
    if half_octaves <= 0.0 || x <= 0.0 {
        return interpolate(power, x);
    }
    let up = half_octaves.exp2();
    let inv_span = 1.0 / (up - 1.0 / up);
    let lo = x / up;
    let hi = x * up;
    let last = (power.len() - 1) as f64;
    if hi - lo >= 8.0 {
        // Enough bins: sum them with weight w / k (uniform per octave, so the weight is a
        // density in log-frequency).
        let k0 = lo.ceil().max(1.0) as usize;
        let k1 = hi.floor().min(last) as usize;
        let inv_x = 1.0 / x;
        let (mut num, mut den) = (0.0, 0.0);
        for (k, &p) in power.iter().enumerate().take(k1 + 1).skip(k0) {
            let kf = k as f64;
            let inv_k = 1.0 / kf;
            let w = weight(kf * inv_x, x * inv_k, inv_span) * inv_k;
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
        let r = u.exp2();
        let w = weight(r, 1.0 / r, inv_span);
        num += w * interpolate(power, x * r);
        den += w;
    }
    if den > 0.0 {
        num / den
    } else {
        interpolate(power, x)
    }
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
