//! Seeded test signals. Every generator is deterministic: the same arguments give the same
//! samples on every machine (`rand_xoshiro`'s Xoshiro256++ seeded through `seed_from_u64`, and
//! plain `f64` arithmetic rounded once to `f32`).
//!
//! Stereo generators return `[left, right]`.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::f64::consts::PI;

/// The seeded generator every helper here draws from.
pub fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Uniform white noise in ±`amplitude`, seeded.
pub fn white(len: usize, seed: u64, amplitude: f32) -> Vec<f32> {
    white_from(&mut rng(seed), len, amplitude)
}

/// Uniform white noise in ±`amplitude` drawn from `rng`, for tests that take several signals
/// from one stream.
pub fn white_from(rng: &mut Xoshiro256PlusPlus, len: usize, amplitude: f32) -> Vec<f32> {
    (0..len)
        .map(|_| (rng.random::<f32>() * 2.0 - 1.0) * amplitude)
        .collect()
}

/// Two independent channels of [`white`] noise (seeds `seed` and `seed + 1`).
pub fn white_stereo(len: usize, seed: u64, amplitude: f32) -> [Vec<f32>; 2] {
    [
        white(len, seed, amplitude),
        white(len, seed.wrapping_add(1), amplitude),
    ]
}

/// Pink noise, two independent channels from one seed: uniform white noise through Paul Kellet's
/// "refined" pinking filter (coefficients from his 1999 music-dsp post; within ±0.05 dB of
/// -3 dB/octave from 9.2 Hz up at 44.1 kHz), scaled to about -20 dBFS RMS.
pub fn pink_stereo(len: usize, seed: u64) -> [Vec<f32>; 2] {
    let mut rng = rng(seed);
    let mut make = || {
        let mut b = [0.0f64; 7];
        (0..len)
            .map(|_| {
                let w: f64 = rng.random_range(-1.0..1.0);
                b[0] = 0.99886 * b[0] + w * 0.0555179;
                b[1] = 0.99332 * b[1] + w * 0.0750759;
                b[2] = 0.96900 * b[2] + w * 0.1538520;
                b[3] = 0.86650 * b[3] + w * 0.3104856;
                b[4] = 0.55000 * b[4] + w * 0.5329522;
                b[5] = -0.7616 * b[5] - w * 0.0168980;
                let y = b.iter().sum::<f64>() + w * 0.5362;
                b[6] = w * 0.115926;
                (y * 0.05) as f32
            })
            .collect::<Vec<f32>>()
    };
    [make(), make()]
}

/// `amplitude · sin(2π·freq_hz·n / sample_rate + phase)`, phase in degrees, for `n` in
/// `0..len`. With `sample_rate = 1.0`, `freq_hz` is a fraction of the sample rate (the form the
/// true-peak cases use).
pub fn sine(
    freq_hz: f64,
    sample_rate: f64,
    amplitude: f64,
    phase_deg: f64,
    len: usize,
) -> Vec<f32> {
    sine_from(freq_hz, sample_rate, amplitude, phase_deg, 0, len)
}

/// [`sine`] continuing from sample `start` (phase-continuous segments).
pub fn sine_from(
    freq_hz: f64,
    sample_rate: f64,
    amplitude: f64,
    phase_deg: f64,
    start: usize,
    len: usize,
) -> Vec<f32> {
    let phase = phase_deg.to_radians();
    (start..start + len)
        .map(|n| (amplitude * (2.0 * PI * freq_hz * n as f64 / sample_rate + phase).sin()) as f32)
        .collect()
}

/// A naive (not band-limited) square wave of ±`amplitude`: the sign of [`sine`]. Its edges
/// alias; use it where a hard, stepped signal is wanted, not a clean spectrum.
pub fn square(
    freq_hz: f64,
    sample_rate: f64,
    amplitude: f64,
    phase_deg: f64,
    len: usize,
) -> Vec<f32> {
    let level = amplitude as f32;
    sine(freq_hz, sample_rate, 1.0, phase_deg, len)
        .into_iter()
        .map(|s| if s >= 0.0 { level } else { -level })
        .collect()
}

/// An exponential (logarithmic) sine sweep from `f0` to `f1` Hz over `len` samples, full scale
/// (Farina's swept sine: phase `2π·f0·T/k·(e^{k·t/T} - 1)`, `k = ln(f1/f0)`).
pub fn log_sweep(f0: f64, f1: f64, sample_rate: f64, len: usize) -> Vec<f32> {
    let k = (f1 / f0).ln();
    let dur = len as f64 / sample_rate;
    (0..len)
        .map(|n| {
            let t = n as f64 / sample_rate;
            (2.0 * PI * f0 * dur / k * ((t / dur * k).exp() - 1.0)).sin() as f32
        })
        .collect()
}

/// A sine whose amplitude steps through `levels` (linear), `step_len` samples each, cycling.
pub fn stepped(
    freq_hz: f64,
    sample_rate: f64,
    levels: &[f64],
    step_len: usize,
    len: usize,
) -> Vec<f32> {
    (0..len)
        .map(|n| {
            (levels[(n / step_len) % levels.len()]
                * (2.0 * PI * freq_hz * n as f64 / sample_rate).sin()) as f32
        })
        .collect()
}

/// Drum-like hits every 60 ms: `noise` (one sample per output sample) and a 60 Hz "kick", both
/// at 0.6 under an exponential decay of 15 ms.
pub fn drum_hits(noise: &[f32], sample_rate: f64) -> Vec<f32> {
    let period = (0.06 * sample_rate) as usize;
    noise
        .iter()
        .enumerate()
        .map(|(n, &nz)| {
            let t = (n % period) as f64 / sample_rate;
            let env = (-t / 0.015).exp();
            (env * (0.6 * nz as f64 + 0.6 * (2.0 * PI * 60.0 * t).sin())) as f32
        })
        .collect()
}

/// A dense, program-like stereo mix: a 55 Hz kick twice a second (30/s decay), a sine sweep
/// from 40 Hz to 0.45 fs in anti-phase between the channels, and independent noise that swells
/// with each kick. Peaks near full scale.
pub fn kick_mix(sample_rate: f32, seconds: f32, seed: u64) -> [Vec<f32>; 2] {
    let n = (sample_rate * seconds) as usize;
    let mut rng = rng(seed);
    let mut l = vec![0.0f32; n];
    let mut r = vec![0.0f32; n];
    for i in 0..n {
        let t = i as f32 / sample_rate;
        let beat = (t * 2.0).fract();
        let env = (-beat * 30.0).exp();
        let kick = env * (2.0 * std::f32::consts::PI * 55.0 * t).sin();
        let sweep_f = 40.0 * (sample_rate * 0.45 / 40.0).powf((t / seconds).min(1.0));
        let sweep = 0.2 * (2.0 * std::f32::consts::PI * sweep_f * t).sin();
        let noise: f32 = rng.random_range(-0.3..0.3);
        l[i] = 0.5 * kick + sweep + noise * (0.3 + env);
        r[i] = 0.5 * kick - sweep + rng.random_range(-0.3..0.3f32) * (0.3 + env);
    }
    [l, r]
}

/// Noise bursts for dynamics: uniform noise whose level jumps between 0.9 and 0.03 every 3000
/// samples (loud one third of the time, the channels a third of a cycle apart), so attack and
/// release both run often.
pub fn bursts(len: usize, seed: u64) -> [Vec<f32>; 2] {
    let mut rng = rng(seed);
    let mut channel = |c: usize| -> Vec<f32> {
        (0..len)
            .map(|i| {
                let env = if (i / 3000 + c).is_multiple_of(3) {
                    0.9
                } else {
                    0.03
                };
                env * rng.random_range(-1.0f32..1.0)
            })
            .collect()
    };
    let l = channel(0);
    [l, channel(1)]
}

/// A seeded programme for loudness tests: back-to-back segments of 0.3–4 s, each silence, white
/// noise or a tone (40 Hz–20 kHz) at a random level from -45 to -3 dBFS, the right channel within
/// ±6 dB of the left and different in content. Covers the absolute and relative gates.
pub fn programme(sample_rate: f64, seconds: f64, seed: u64) -> [Vec<f32>; 2] {
    let mut rng = rng(seed);
    let n = (seconds * sample_rate) as usize;
    let (mut l, mut r) = (Vec::with_capacity(n), Vec::with_capacity(n));
    while l.len() < n {
        let len = ((rng.random_range(0.3..4.0f64)) * sample_rate) as usize;
        let kind = rng.random_range(0..5u32);
        let level_l = rng.random_range(-45.0..-3.0f64);
        let level_r = level_l + rng.random_range(-6.0..6.0f64);
        let freq = 40.0 * 2f64.powf(rng.random_range(0.0..9.0f64));
        let (al, ar) = (10f64.powf(level_l / 20.0), 10f64.powf(level_r / 20.0));
        for i in 0..len {
            let (a, b) = match kind {
                0 => (0.0, 0.0),
                1 | 2 => (
                    rng.random_range(-1.0..1.0f64),
                    rng.random_range(-1.0..1.0f64),
                ),
                _ => {
                    let s = (2.0 * PI * freq * i as f64 / sample_rate).sin();
                    (s, s * 0.7)
                }
            };
            l.push((a * al) as f32);
            r.push((b * ar) as f32);
        }
    }
    l.truncate(n);
    r.truncate(n);
    [l, r]
}
