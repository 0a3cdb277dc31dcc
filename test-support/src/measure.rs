//! Measurements several test files make: levels, differences, steps, peaks, and FFT spectra.

use realfft::RealFftPlanner;
use std::f64::consts::PI;

/// `20·log10(x)`, floored at -600 dB (so silence and exact matches stay finite).
pub fn db(x: f64) -> f64 {
    20.0 * x.max(1e-30).log10()
}

/// Root mean square of `x` (0 for an empty slice).
pub fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Largest absolute sample.
pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// Index of the largest sample (the first of equals).
pub fn argmax(x: &[f32]) -> usize {
    x.iter()
        .enumerate()
        .fold((0, f32::MIN), |b, (i, &v)| if v > b.1 { (i, v) } else { b })
        .0
}

/// Index of the largest absolute sample (the first of equals).
pub fn argmax_abs(x: &[f32]) -> usize {
    x.iter()
        .enumerate()
        .fold(
            (0, -1.0f32),
            |b, (i, &v)| if v.abs() > b.1 { (i, v.abs()) } else { b },
        )
        .0
}

/// Largest `|a[i] - b[i]|` over the common length.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max)
}

/// Largest sample-to-sample step `|x[n] - x[n-1]|`: a click detector.
pub fn max_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max)
}

/// Magnitude in dB (floored at -600 dB) of the DFT of `x` zero-padded to `size` (at least
/// `x.len()`), bins `0..=size/2`. Unscaled: a unit impulse reads 0 dB everywhere.
pub fn magnitude_db(x: &[f32], size: usize) -> Vec<f64> {
    assert!(
        size >= x.len(),
        "FFT size {size} shorter than the signal {}",
        x.len()
    );
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(size);
    let mut buf = vec![0.0f64; size];
    for (b, &v) in buf.iter_mut().zip(x) {
        *b = v as f64;
    }
    let mut spec = fft.make_output_vec();
    fft.process(&mut buf, &mut spec)
        .expect("buffer sizes match the plan");
    spec.iter().map(|c| db(c.norm())).collect()
}

/// Welch power spectrum: the mean over Hann-windowed `n`-point frames (hop `n/2`) of
/// `|X[k]|² / Σw²`, so that white noise of variance σ² reads σ² in every bin (bins `0..=n/2`).
pub fn welch_psd(x: &[f64], n: usize) -> Vec<f64> {
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let w: Vec<f64> = (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos())
        .collect();
    let w2: f64 = w.iter().map(|v| v * v).sum();
    let mut acc = vec![0.0f64; n / 2 + 1];
    let mut frames = 0;
    let mut buf = vec![0.0f64; n];
    let mut spec = fft.make_output_vec();
    let mut pos = 0;
    while pos + n <= x.len() {
        for i in 0..n {
            buf[i] = x[pos + i] * w[i];
        }
        fft.process(&mut buf, &mut spec)
            .expect("buffer sizes match the plan");
        for (a, c) in acc.iter_mut().zip(spec.iter()) {
            *a += c.norm_sqr();
        }
        frames += 1;
        pos += n / 2;
    }
    acc.iter().map(|a| a / (frames as f64 * w2)).collect()
}

/// Asserts `|got - want| <= tol`, printing the reading (so a passing run still shows it).
pub fn assert_near(what: &str, got: impl Into<f64>, want: f64, tol: f64) {
    let got = got.into();
    println!("{what}: {got:.4} (expected {want})");
    assert!(
        (got - want).abs() <= tol,
        "{what}: {got:.4} vs {want:.4} (tol {tol})"
    );
}
