//! Spectrum analyser costs: the audio thread's push (ns per stereo frame), the GUI thread's
//! `update` per hop at FFT sizes 2048/4096/16384 (75 % overlap), noise vs silence, and one
//! 1/6-octave `display_db` of 512 log-spaced points. No registry peer exists for this block;
//! a bare `realfft` forward transform of the same size is measured alongside for scale.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use realfft::RealFftPlanner;
use shared_dsp::spectrum::{SpectrumAnalyzer, log_frequencies};
use std::hint::black_box;
use std::time::Duration;

const FS: f32 = 48_000.0;

fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| 0.5 * (2.0 * (rng.next_u32() as f32 / u32::MAX as f32) - 1.0))
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("spectrum");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_millis(1500));
    g.sample_size(20);

    // Audio side: push a 512-frame stereo block (mean of L and R) and let the GUI side drain.
    let l = noise(512, 1);
    let r = noise(512, 2);
    let (mut analyser, mut tap) = SpectrumAnalyzer::with_tap(FS, 4096);
    g.throughput(Throughput::Elements(512));
    g.bench_function("tap_push_stereo_512", |b| {
        b.iter(|| {
            tap.push_stereo(black_box(&l), black_box(&r));
            // Keep the ring from filling without analysing (hops are measured below).
            analyser.discard_pending();
        })
    });

    for fft in [2048usize, 4096, 16384] {
        let hop = fft / 4;
        let input = noise(hop, 3);
        let silence = vec![0.0f32; hop];
        let mut a = SpectrumAnalyzer::new(FS, fft);
        a.feed(&noise(fft, 4));
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::new("update_per_hop_noise", fft), |b| {
            b.iter(|| a.feed(black_box(&input)))
        });
        g.bench_function(BenchmarkId::new("update_per_hop_silence", fft), |b| {
            b.iter(|| a.feed(black_box(&silence)))
        });
        let plan = RealFftPlanner::<f32>::new().plan_fft_forward(fft);
        let mut buf = noise(fft, 5);
        let mut out = plan.make_output_vec();
        let mut scratch = plan.make_scratch_vec();
        g.bench_function(BenchmarkId::new("bare_realfft_forward", fft), |b| {
            b.iter(|| {
                plan.process_with_scratch(&mut buf, &mut out, &mut scratch)
                    .unwrap();
                black_box(&out);
            })
        });
    }

    let mut a = SpectrumAnalyzer::new(FS, 8192);
    a.feed(&noise(48_000, 6));
    let mut freqs = vec![0.0f32; 512];
    log_frequencies(20.0, 20_000.0, &mut freqs);
    let mut db = vec![0.0f32; 512];
    g.throughput(Throughput::Elements(512));
    for (name, oct) in [
        ("display_512_points_sixth_octave", 1.0 / 6.0),
        ("display_512_points_unsmoothed", 0.0),
    ] {
        a.set_smoothing_octaves(oct);
        g.bench_function(name, |b| {
            b.iter(|| {
                a.display_db(&freqs, &mut db);
                black_box(&db);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
