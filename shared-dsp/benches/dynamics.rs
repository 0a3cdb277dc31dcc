//! Limiter, oversampler and true-peak meter cost, per stereo frame (criterion throughput is in
//! frames). No registry crate offers a comparable true-peak limiter or oversampler, so these are
//! absolute numbers; silent and noise input are measured side by side (denormal / data-dependent
//! cost check).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use shared_dsp::limiter::{Limiter, LimiterMode};
use shared_dsp::oversampling::Oversampler;
use shared_dsp::true_peak::{TruePeakMeter, TruePeakMode};
use std::hint::black_box;
use std::time::Duration;

const BLOCK: usize = 512;
const SR: f32 = 48_000.0;

fn noise(seed: u64) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..BLOCK).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

fn bench(c: &mut Criterion) {
    let (nl, nr) = (noise(1), noise(2));
    let silent = vec![0.0f32; BLOCK];

    let mut g = c.benchmark_group("limiter_true_peak");
    g.throughput(Throughput::Elements(BLOCK as u64));
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(400))
        .measurement_time(Duration::from_millis(1500));
    for factor in [1usize, 2, 4, 8] {
        for (name, l, r) in [("noise", &nl, &nr), ("silent", &silent, &silent)] {
            let mut lim = Limiter::new(2, SR);
            lim.set_mode(LimiterMode::TruePeak);
            lim.set_oversampling(factor);
            lim.set_input_gain_db(12.0);
            let (mut bl, mut br) = (l.clone(), r.clone());
            g.bench_function(format!("{factor}x/{name}"), |b| {
                b.iter(|| {
                    bl.copy_from_slice(l);
                    br.copy_from_slice(r);
                    lim.process(&mut [&mut bl, &mut br]);
                    black_box(bl[0]);
                })
            });
        }
    }
    let mut lim = Limiter::new(2, SR);
    lim.set_mode(LimiterMode::SamplePeak);
    lim.set_input_gain_db(12.0);
    let (mut bl, mut br) = (nl.clone(), nr.clone());
    g.bench_function("sample_peak_1x/noise", |b| {
        b.iter(|| {
            bl.copy_from_slice(&nl);
            br.copy_from_slice(&nr);
            lim.process(&mut [&mut bl, &mut br]);
            black_box(bl[0]);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("oversampler_round_trip");
    g.throughput(Throughput::Elements(BLOCK as u64));
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(400))
        .measurement_time(Duration::from_millis(1500));
    for factor in [2usize, 4, 8] {
        let mut os = Oversampler::new(2, factor, BLOCK);
        let (mut ol, mut or) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
        g.bench_function(format!("{factor}x/noise"), |b| {
            b.iter(|| {
                os.upsample(&[&nl, &nr]);
                os.downsample(&mut [&mut ol, &mut or]);
                black_box(ol[0]);
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("true_peak_meter");
    g.throughput(Throughput::Elements(BLOCK as u64));
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(400))
        .measurement_time(Duration::from_millis(1500));
    for mode in [TruePeakMode::Bs1770, TruePeakMode::Accurate] {
        let mut m = TruePeakMeter::new(2, mode);
        g.bench_function(format!("{mode:?}/noise"), |b| {
            b.iter(|| {
                m.process(&[&nl, &nr]);
                black_box(m.take_peak_gain());
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
