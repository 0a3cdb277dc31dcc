//! Utility blocks: ns per stereo frame (criterion reports time per 512-frame block; divide by
//! 512 — `Throughput::Elements` also prints frames/s). Silent and noise input are measured
//! side by side: the cost must not depend on the signal (denormals, branches). No peer crate on
//! the registry implements these blocks in a comparable form, so there is no peer here.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use shared_dsp::dither::{Dither, NoiseShaping};
use shared_dsp::exchange::sample_fifo;
use shared_dsp::stereo::{CorrelationMeter, StereoWidth};
use shared_dsp::util::{DelayLine, DryWetMix};
use std::hint::black_box;
use std::time::Duration;

const FRAMES: usize = 512;
const SR: f32 = 48_000.0;

fn inputs() -> [(&'static str, Vec<f32>, Vec<f32>); 2] {
    let mut state = 0x1234_5678u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state as f32 / u32::MAX as f32) * 2.0 - 1.0
    };
    let l: Vec<f32> = (0..FRAMES).map(|_| next() * 0.5).collect();
    let r: Vec<f32> = (0..FRAMES).map(|_| next() * 0.5).collect();
    [
        ("silence", vec![0.0; FRAMES], vec![0.0; FRAMES]),
        ("noise", l, r),
    ]
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("utility");
    g.throughput(Throughput::Elements(FRAMES as u64));
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(400))
        .measurement_time(Duration::from_millis(1200));
    for (name, l0, r0) in inputs() {
        let (mut l, mut r) = (l0.clone(), r0.clone());
        for (label, shaping) in [
            ("dither16_flat", NoiseShaping::Off),
            ("dither16_lipshitz", NoiseShaping::Lipshitz),
            ("dither16_fweighted", NoiseShaping::FWeighted),
        ] {
            let mut d = Dither::new(2, 16);
            d.set_noise_shaping(shaping);
            g.bench_function(BenchmarkId::new(label, name), |b| {
                b.iter(|| {
                    l.copy_from_slice(&l0);
                    r.copy_from_slice(&r0);
                    d.process(&mut [&mut l, &mut r]);
                    black_box(&l);
                })
            });
        }
        let mut w = StereoWidth::new(SR);
        w.set_width_percent(150.0);
        w.reset();
        g.bench_function(BenchmarkId::new("width150", name), |b| {
            b.iter(|| {
                l.copy_from_slice(&l0);
                r.copy_from_slice(&r0);
                w.process(&mut l, &mut r);
                black_box(&l);
            })
        });
        let mut m = CorrelationMeter::new(SR);
        g.bench_function(BenchmarkId::new("correlation", name), |b| {
            b.iter(|| {
                m.process(black_box(&l0), black_box(&r0));
                black_box(m.correlation());
            })
        });
        let mut dl = DelayLine::new(2, 4096);
        dl.set_delay(100);
        g.bench_function(BenchmarkId::new("delay100", name), |b| {
            b.iter(|| {
                l.copy_from_slice(&l0);
                r.copy_from_slice(&r0);
                dl.process(&mut [&mut l, &mut r]);
                black_box(&l);
            })
        });
        let mut mix = DryWetMix::new(0.5, SR);
        g.bench_function(BenchmarkId::new("drywet50", name), |b| {
            b.iter(|| {
                l.copy_from_slice(&l0);
                r.copy_from_slice(&r0);
                mix.process(&[&l0, &r0], &mut [&mut l, &mut r]);
                black_box(&l);
            })
        });
        let (mut p, mut cons) = sample_fifo(4 * FRAMES);
        let mut out = vec![0.0f32; FRAMES];
        g.bench_function(BenchmarkId::new("fifo_push_mean_pop", name), |b| {
            b.iter(|| {
                p.push_mean_of(&[&l0, &r0], FRAMES);
                black_box(cons.pop_slice(&mut out));
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
