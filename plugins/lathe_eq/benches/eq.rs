//! The Mastering EQ engine's cost per stereo frame with 8 bands (bells and shelves, typical
//! mastering moves), as the plugin and `lathe render eq` run it (bank, output stage, bypass), in
//! each processing mode, next to 8 cascaded `biquad` crate 0.6 `DirectForm2Transposed<f32>`
//! filters per channel (RBJ peaking) on the same audio in the same run; 48 kHz, 512-frame blocks.
//!
//! Criterion reports time per 512-frame block; the paired best-of-N line printed first gives ns
//! per stereo frame and the ratio directly (candidates interleaved, so load on a shared machine
//! hits them alike).

use biquad::{Biquad as _, Coefficients, DirectForm2Transposed, ToHertz, Type};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lathe_eq::engine::{EqEngine, EqMode, EqSettings};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use shared_dsp::filter::BandParams;
use std::hint::black_box;

const FS: f32 = 48_000.0;
const BLOCK: usize = 512;
const BELLS: [(f32, f32, f32); 8] = [
    (60.0, 2.0, 0.8),
    (150.0, -3.0, 1.2),
    (400.0, 1.5, 0.7),
    (900.0, -2.0, 2.0),
    (2000.0, 2.5, 1.0),
    (4500.0, -1.5, 1.5),
    (9000.0, 3.0, 0.7),
    (14_000.0, 1.0, 0.9),
];

fn noise(seed: u64) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..BLOCK).map(|_| rng.random_range(-0.5..0.5f32)).collect()
}

fn engine(mode: EqMode) -> EqEngine {
    let mut s = EqSettings {
        mode,
        ..EqSettings::default()
    };
    for (b, &(f, g, q)) in s.bands.iter_mut().zip(&BELLS) {
        *b = BandParams::bell(f, g, q);
    }
    EqEngine::with_settings(2, FS, BLOCK, &s)
}

fn peer() -> Vec<DirectForm2Transposed<f32>> {
    BELLS
        .iter()
        .map(|&(f, g, q)| {
            let c =
                Coefficients::<f32>::from_params(Type::PeakingEQ(g), FS.hz(), f.hz(), q).unwrap();
            DirectForm2Transposed::<f32>::new(c)
        })
        .collect()
}

fn run_peer(chains: &mut [Vec<DirectForm2Transposed<f32>>; 2], l: &mut [f32], r: &mut [f32]) {
    for (x, chain) in [l, r].into_iter().zip(chains.iter_mut()) {
        for s in x.iter_mut() {
            let mut y = *s;
            for f in chain.iter_mut() {
                y = f.run(y);
            }
            *s = y;
        }
    }
}

fn paired(in_l: &[f32], in_r: &[f32]) {
    let mut zl = engine(EqMode::ZeroLatency);
    let mut lp = engine(EqMode::LinearPhase);
    let mut chains = [peer(), peer()];
    let (mut l, mut r) = (in_l.to_vec(), in_r.to_vec());
    let mut best = [f64::INFINITY; 3];
    for _ in 0..200 {
        for (k, best) in best.iter_mut().enumerate() {
            let t = std::time::Instant::now();
            for _ in 0..8 {
                l.copy_from_slice(in_l);
                r.copy_from_slice(in_r);
                match k {
                    0 => zl.process(&mut [black_box(&mut l), black_box(&mut r)]),
                    1 => lp.process(&mut [black_box(&mut l), black_box(&mut r)]),
                    _ => run_peer(&mut chains, black_box(&mut l), black_box(&mut r)),
                }
            }
            *best = best.min(t.elapsed().as_nanos() as f64 / (8 * BLOCK) as f64);
        }
    }
    eprintln!(
        "paired best-of-200: zero latency {:.1} ns/frame, linear phase {:.1}, 8 biquad DF2T f32 per channel {:.1} -> peer/zero-latency {:.2}x, peer/linear-phase {:.2}x",
        best[0],
        best[1],
        best[2],
        best[2] / best[0],
        best[2] / best[1]
    );
}

fn bench(c: &mut Criterion) {
    let (in_l, in_r) = (noise(1), noise(2));
    paired(&in_l, &in_r);
    let mut group = c.benchmark_group("eq_engine_8_bands_stereo_48k");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.sample_size(30);
    let (mut l, mut r) = (in_l.clone(), in_r.clone());
    for (name, mode) in [
        ("zero_latency", EqMode::ZeroLatency),
        ("linear_phase", EqMode::LinearPhase),
    ] {
        let mut e = engine(mode);
        group.bench_function(BenchmarkId::new("lathe", name), |b| {
            b.iter(|| {
                l.copy_from_slice(&in_l);
                r.copy_from_slice(&in_r);
                e.process(&mut [black_box(&mut l), black_box(&mut r)]);
            })
        });
    }
    let mut chains = [peer(), peer()];
    group.bench_function("biquad_crate_df2t_f32", |b| {
        b.iter(|| {
            l.copy_from_slice(&in_l);
            r.copy_from_slice(&in_r);
            run_peer(&mut chains, black_box(&mut l), black_box(&mut r));
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
