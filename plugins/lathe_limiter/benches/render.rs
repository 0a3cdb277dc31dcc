//! The Limiter engine's cost, as `lathe render limiter` and the plugin run it: 10 s of stereo
//! program-like material at 48 kHz through the whole chain (drive, limiter, meters), at each
//! oversampling setting, +12 dB of drive, in 512-frame blocks. Criterion's throughput is in
//! frames, so "elem/s" divided by 48 000 is the realtime factor, and the median time divided by
//! 480 000 is the cost per stereo frame.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lathe_limiter::engine::{LimiterEngine, LimiterSettings};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use shared_dsp::limiter::LimiterMode;
use std::hint::black_box;

const SR: f32 = 48_000.0;
const SECONDS: usize = 10;
const BLOCK: usize = 512;

fn material() -> [Vec<f32>; 2] {
    let n = SR as usize * SECONDS;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut make = |phase: f32| {
        (0..n)
            .map(|i| {
                let t = i as f32 / SR;
                let env = (-(t * 2.0).fract() * 25.0).exp();
                0.5 * env * (2.0 * std::f32::consts::PI * 55.0 * t + phase).sin()
                    + rng.random_range(-0.25..0.25f32) * (0.3 + env)
            })
            .collect::<Vec<f32>>()
    };
    [make(0.0), make(1.0)]
}

fn bench(c: &mut Criterion) {
    let input = material();
    let mut group = c.benchmark_group("limiter_render_10s_stereo_48k");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_secs(1));
    group.measurement_time(std::time::Duration::from_secs(3));
    group.throughput(Throughput::Elements((SR as usize * SECONDS) as u64));
    for (name, mode, os) in [
        ("sample_peak_1x", LimiterMode::SamplePeak, 1),
        ("true_peak_1x", LimiterMode::TruePeak, 1),
        ("true_peak_2x", LimiterMode::TruePeak, 2),
        ("true_peak_4x", LimiterMode::TruePeak, 4),
        ("true_peak_8x", LimiterMode::TruePeak, 8),
    ] {
        let settings = LimiterSettings {
            input_db: 12.0,
            mode,
            oversampling: os,
            ..LimiterSettings::default()
        };
        let mut engine = LimiterEngine::new(2, SR, BLOCK);
        engine.set_settings(&settings);
        let mut l = input[0].clone();
        let mut r = input[1].clone();
        group.bench_function(name, |b| {
            b.iter(|| {
                l.copy_from_slice(&input[0]);
                r.copy_from_slice(&input[1]);
                for (cl, cr) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)) {
                    engine.process(&mut [cl, cr]);
                }
                black_box(&l);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
