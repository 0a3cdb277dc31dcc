//! Measured tests of the oversampler: image rejection after upsampling and alias rejection on
//! downsampling (≥ 100 dB), round-trip pass band flat within ±0.01 dB to 20 kHz at 44.1 kHz,
//! round-trip impulse exactly at `latency()`, block-split invariance (bit-exact), reset, no
//! allocation, and agreement with the straightforward per-sample polyphase algorithm.
//!
//! Tones sit exactly on DFT bins and are measured in steady state, so a rectangular window has no
//! leakage and every other bin shows only images, aliases and rounding noise.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use realfft::RealFftPlanner;
use shared_dsp::oversampling::fir::{
    FirHistory, PolyphaseBank, dot, kaiser_beta, kaiser_length, kaiser_lowpass,
};
use shared_dsp::oversampling::{Oversampler, PASSBAND_EDGE, STOPBAND_ATTEN_DB, STOPBAND_EDGE};
use std::f64::consts::PI;
use test_support::signals::white_from;

const N: usize = 4096;
const BLOCK: usize = 512;

fn spectrum_db(x: &[f32]) -> Vec<f64> {
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(x.len());
    let mut input: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).unwrap();
    let scale = 2.0 / x.len() as f64;
    out.iter()
        .map(|c| 20.0 * (c.norm() * scale).max(1e-20).log10())
        .collect()
}

fn tone(bin: usize, period: usize, amp: f64, len: usize) -> Vec<f32> {
    (0..len)
        .map(|n| (amp * (2.0 * PI * bin as f64 * n as f64 / period as f64).sin()) as f32)
        .collect()
}

/// Runs `x` up, optionally replaces the oversampled signal, and down; returns (up, down).
fn run(o: &mut Oversampler, x: &[f32], replace: Option<&[f32]>) -> (Vec<f32>, Vec<f32>) {
    let m = o.factor();
    let mut up = Vec::new();
    let mut down = vec![0.0; x.len()];
    for (i, (xb, db)) in x.chunks(BLOCK).zip(down.chunks_mut(BLOCK)).enumerate() {
        o.upsample(&[xb]);
        if let Some(r) = replace {
            let s = &r[i * BLOCK * m..i * BLOCK * m + xb.len() * m];
            o.oversampled_mut(0).copy_from_slice(s);
        }
        up.extend_from_slice(o.oversampled(0));
        o.downsample(&mut [db]);
    }
    (up, down)
}

#[test]
fn upsampling_rejects_images_by_100_db() {
    for m in [2, 4, 8] {
        let mut worst = -400.0f64;
        for bin in [93, 929, 1848] {
            // 1.0, 10.0 and 19.9 kHz at 44.1 kHz
            let mut o = Oversampler::new(1, m, BLOCK);
            let x = tone(bin, N, 0.5, 3 * N);
            let (up, _) = run(&mut o, &x, None);
            let spec = spectrum_db(&up[2 * N * m..]);
            let level = spec[bin];
            assert!(
                (level - 20.0 * 0.5f64.log10()).abs() < 0.01,
                "{m}x bin {bin}: {level}"
            );
            let other = spec
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != bin)
                .map(|(_, v)| *v)
                .fold(-400.0, f64::max);
            worst = worst.max(other - level);
        }
        println!("{m}x: worst image/noise re tone {worst:.1} dB");
        assert!(worst < -100.0, "{m}x: {worst}");
    }
}

#[test]
fn downsampling_rejects_aliases_by_100_db() {
    for m in [2, 4, 8] {
        let top = N * m;
        let mut worst = -400.0f64;
        // Stop band 24.1 kHz .. m * 22.05 kHz (bins of 44.1k/4096 = 10.77 Hz).
        let lo = (0.5465 * N as f64).ceil() as usize;
        let hi = top / 2 - 1;
        for bin in [lo, lo + 131, N - 200, N + 17, hi * 3 / 4, hi] {
            if bin >= top / 2 {
                continue;
            }
            let mut o = Oversampler::new(1, m, BLOCK);
            let hf = tone(bin, top, 1.0, 3 * top);
            let (_, down) = run(&mut o, &vec![0.0; 3 * N], Some(&hf));
            let spec = spectrum_db(&down[2 * N..]);
            let peak = spec.iter().copied().fold(-400.0, f64::max);
            worst = worst.max(peak);
        }
        println!("{m}x: worst alias {worst:.1} dB re full-scale stop-band tone");
        assert!(worst < -100.0, "{m}x: {worst}");
    }
}

#[test]
fn round_trip_pass_band_is_flat_to_20_khz() {
    for m in [1, 2, 4, 8] {
        let mut worst = 0.0f64;
        for bin in [2, 93, 465, 929, 1393, 1600, 1857] {
            // 21.5 Hz .. 19.998 kHz at 44.1 kHz
            let mut o = Oversampler::new(1, m, BLOCK);
            let x = tone(bin, N, 0.5, 3 * N);
            let (_, down) = run(&mut o, &x, None);
            let spec = spectrum_db(&down[2 * N..]);
            worst = worst.max((spec[bin] - 20.0 * 0.5f64.log10()).abs());
        }
        println!("{m}x: round trip worst pass-band error {worst:.5} dB");
        assert!(worst < 0.01, "{m}x: {worst}");
    }
}

#[test]
fn round_trip_impulse_lands_exactly_at_latency() {
    for m in [1, 2, 4, 8] {
        let mut o = Oversampler::new(2, m, 64);
        let lat = o.latency();
        let mut x = vec![0.0f32; 400];
        x[7] = 1.0;
        let mut l = vec![0.0f32; 400];
        let mut r = vec![0.0f32; 400];
        for ((xb, lb), rb) in x.chunks(64).zip(l.chunks_mut(64)).zip(r.chunks_mut(64)) {
            o.upsample(&[xb, xb]);
            o.downsample(&mut [lb, rb]);
        }
        let argmax = l
            .iter()
            .enumerate()
            .fold((0, 0.0f32), |a, (i, &v)| if v > a.1 { (i, v) } else { a })
            .0;
        println!("{m}x latency {lat}");
        assert_eq!(argmax, 7 + lat, "{m}x");
        assert_eq!(l, r);
        // Linear phase: the response is symmetric about the latency.
        for k in 1..lat.min(60) {
            assert!((l[7 + lat + k] - l[7 + lat - k]).abs() < 1e-6, "{m}x k {k}");
        }
        assert!((l[7 + lat] - 1.0).abs() < 0.1);
    }
    assert_eq!(
        Oversampler::latency_for(8),
        Oversampler::new(1, 8, 4).latency()
    );
}

#[test]
fn block_splits_reset_and_set_factor_do_not_change_or_allocate() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let x: Vec<f32> = (0..3000).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    let mut o = Oversampler::new(1, 1, BLOCK);
    for m in [2, 8, 4] {
        o.set_factor(m);
        let (_, whole) = run(&mut o, &x, None);
        let mut split = vec![0.0f32; x.len()];
        test_support::no_alloc(|| {
            o.reset();
            o.set_factor(1);
            o.set_factor(m);
            let mut i = 0;
            while i < x.len() {
                let n = rng.random_range(1..=BLOCK).min(x.len() - i);
                o.upsample(&[&x[i..i + n]]);
                assert_eq!(o.oversampled_len(), n * m);
                o.downsample(&mut [&mut split[i..i + n]]);
                i += n;
            }
        });
        assert_eq!(whole, split, "{m}x");
    }
}

/// Runs `x` through one channel in blocks of the lengths `sizes` yields, into `up` (the
/// oversampled stream) and `down`. After each upsample, `hf` (as long as `up`) is added to the
/// oversampled block, so the decimator sees content of its own, not just the interpolator's
/// output. Allocates nothing.
fn run_blocks(
    o: &mut Oversampler,
    x: &[f32],
    hf: &[f32],
    (up, down): (&mut [f32], &mut [f32]),
    mut sizes: impl FnMut() -> usize,
) {
    let m = o.factor();
    let mut i = 0;
    while i < x.len() {
        let n = sizes().clamp(1, o.max_block()).min(x.len() - i);
        assert_eq!(o.upsample(&[&x[i..i + n]]), n * m);
        for (v, &h) in o.oversampled_mut(0).iter_mut().zip(&hf[i * m..]) {
            *v += h;
        }
        up[i * m..(i + n) * m].copy_from_slice(o.oversampled(0));
        o.downsample(&mut [&mut down[i..i + n]]);
        i += n;
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn random_block_splits_are_bit_identical_to_one_block() {
    const LEN: usize = 5000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
    let x = white_from(&mut rng, LEN, 1.0);
    for m in [2, 4, 8] {
        let hf: Vec<f32> = white_from(&mut rng, LEN * m, 1.0)
            .iter()
            .map(|v| 0.5 * v)
            .collect();
        let mut o = Oversampler::new(1, m, LEN);
        let (mut up_whole, mut down_whole) = (vec![0.0f32; LEN * m], vec![0.0f32; LEN]);
        run_blocks(&mut o, &x, &hf, (&mut up_whole, &mut down_whole), || LEN);
        let (mut up, mut down) = (vec![0.0f32; LEN * m], vec![0.0f32; LEN]);
        for max_block in [7, 64, 100, LEN] {
            test_support::no_alloc(|| {
                o.reset();
                let sizes = || rng.random_range(1..=max_block);
                run_blocks(&mut o, &x, &hf, (&mut up, &mut down), sizes);
            });
            assert!(
                bits(&up) == bits(&up_whole),
                "{m}x up, blocks ≤ {max_block}"
            );
            assert!(
                bits(&down) == bits(&down_whole),
                "{m}x down, blocks ≤ {max_block}"
            );
        }
    }
}

/// The prototype the oversampler designs for `m` (same formulas as `Oversampler::new`).
fn prototype(m: usize) -> Vec<f64> {
    let transition = (STOPBAND_EDGE - PASSBAND_EDGE) / m as f64;
    let taps = kaiser_length(STOPBAND_ATTEN_DB, transition).div_ceil(m);
    kaiser_lowpass(m, taps, 0.5, kaiser_beta(STOPBAND_ATTEN_DB))
}

/// The per-sample algorithm the block kernels replaced: after each base-rate input, one
/// polyphase dot product per phase; after each `m` high-rate inputs, one dot product of the
/// last `L` samples (oldest first) with the prototype divided by `m`.
struct Reference {
    m: usize,
    up: PolyphaseBank,
    down: Vec<f32>,
    up_hist: FirHistory,
    down_hist: FirHistory,
}

impl Reference {
    fn new(m: usize) -> Self {
        let h = prototype(m);
        let up = PolyphaseBank::from_prototype(&h, m);
        let down: Vec<f32> = h.iter().map(|&c| (c / m as f64) as f32).collect();
        Self {
            m,
            up_hist: FirHistory::new(up.taps_per_phase()),
            down_hist: FirHistory::new(down.len()),
            up,
            down,
        }
    }

    fn upsample(&mut self, x: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; x.len() * self.m];
        for (&v, o) in x.iter().zip(out.chunks_exact_mut(self.m)) {
            self.up_hist.push(v);
            self.up.interpolate(self.up_hist.window(), o);
        }
        out
    }

    fn downsample(&mut self, xh: &[f32]) -> Vec<f32> {
        xh.chunks_exact(self.m)
            .map(|frame| {
                for &v in frame {
                    self.down_hist.push(v);
                }
                dot(&self.down, self.down_hist.window())
            })
            .collect()
    }
}

#[test]
fn block_kernels_match_the_per_sample_algorithm() {
    const LEN: usize = 3000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(23);
    let x = white_from(&mut rng, LEN, 1.0);
    for m in [2, 4, 8] {
        // Full-scale noise at the high rate for the decimator, on its own.
        let hf = white_from(&mut rng, LEN * m, 1.0);
        let mut o = Oversampler::new(1, m, 256);
        let mut r = Reference::new(m);
        assert_eq!(
            o.latency(),
            r.down.len() / m - 1,
            "{m}x: not the oversampler's design"
        );
        let (mut worst_up, mut worst_down) = (0.0f32, 0.0f32);
        let mut i = 0;
        while i < LEN {
            let n = rng.random_range(1..=256).min(LEN - i);
            o.upsample(&[&x[i..i + n]]);
            let want = r.upsample(&x[i..i + n]);
            for (g, w) in o.oversampled(0).iter().zip(&want) {
                worst_up = worst_up.max((g - w).abs());
            }
            let hb = &hf[i * m..(i + n) * m];
            o.oversampled_mut(0).copy_from_slice(hb);
            let mut got = vec![0.0f32; n];
            o.downsample(&mut [&mut got]);
            let want = r.downsample(hb);
            for (g, w) in got.iter().zip(&want) {
                worst_down = worst_down.max((g - w).abs());
            }
            i += n;
        }
        println!("{m}x: worst |block - per-sample| up {worst_up:e}, down {worst_down:e}");
        assert!(worst_up < 1e-6, "{m}x up: {worst_up}");
        assert!(worst_down < 1e-6, "{m}x down: {worst_down}");
    }
}
