//! The Channel Strip's cost with every section on (high-pass 24 dB/oct, low-pass 24 dB/oct,
//! gate, 4 EQ bands, compressor with soft knee and RMS detection, width, pan, trim and output),
//! next to 10 `biquad` crate 0.6 `DirectForm2Transposed<f32>` filters per channel (RBJ peaking
//! EQ) on the same audio in the same run: the goal is "no more expensive".
//!
//! 1 s of stereo program-like material at 48 kHz in 512-frame blocks; criterion reports the time
//! per second of audio, so the median divided by 48 000 is ns per stereo frame.

use biquad::{Biquad as _, Coefficients, DirectForm2Transposed, ToHertz, Type};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lathe_channel::engine::{ChannelEngine, ChannelSettings, PassSettings};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use shared_dsp::dynamics::DetectorMode;
use shared_dsp::filter::BandParams;
use std::hint::black_box;

const SR: f32 = 48_000.0;
const BLOCK: usize = 512;

fn material() -> [Vec<f32>; 2] {
    let n = SR as usize;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut make = |phase: f32| {
        (0..n)
            .map(|i| {
                let t = i as f32 / SR;
                let env = (-(t * 4.0).fract() * 20.0).exp();
                0.5 * env * (2.0 * std::f32::consts::PI * 110.0 * t + phase).sin()
                    + rng.random_range(-0.2..0.2f32) * (0.2 + env)
            })
            .collect::<Vec<f32>>()
    };
    [make(0.0), make(1.0)]
}

/// Every section on, doing real work.
pub fn busy_settings() -> ChannelSettings {
    let mut s = ChannelSettings {
        trim_db: 3.0,
        high_pass: PassSettings {
            on: true,
            freq_hz: 60.0,
            order: 4,
        },
        low_pass: PassSettings {
            on: true,
            freq_hz: 14_000.0,
            order: 4,
        },
        gate_on: true,
        eq_on: true,
        eq: [
            BandParams::low_shelf(120.0, 2.0, 0.707),
            BandParams::bell(400.0, -3.0, 1.2),
            BandParams::bell(3000.0, 2.5, 1.0),
            BandParams::high_shelf(9000.0, 1.5, 0.707),
        ],
        comp_on: true,
        pan: 0.2,
        width_percent: 130.0,
        output_db: -2.0,
        ..ChannelSettings::default()
    };
    s.gate.threshold_db = -45.0;
    s.gate.range_db = 30.0;
    s.comp.threshold_db = -24.0;
    s.comp.ratio = 4.0;
    s.comp.knee_db = 6.0;
    s.comp.detector = DetectorMode::Rms;
    s.comp.auto_makeup = true;
    s.comp.stereo_link = 0.8;
    s.comp.mix = 0.8;
    s
}

fn bench(c: &mut Criterion) {
    let input = material();
    let frames = input[0].len();
    let mut group = c.benchmark_group("strip_1s_stereo_48k");
    group.sample_size(20);
    group.throughput(Throughput::Elements(frames as u64));
    let mut l = input[0].clone();
    let mut r = input[1].clone();

    // The whole strip, then the same settings split to see where the time goes.
    let busy = busy_settings();
    let filters_eq_only = ChannelSettings {
        gate_on: false,
        comp_on: false,
        ..busy
    };
    let dynamics_only = ChannelSettings {
        high_pass: PassSettings {
            on: false,
            ..busy.high_pass
        },
        low_pass: PassSettings {
            on: false,
            ..busy.low_pass
        },
        eq_on: false,
        ..busy
    };
    let all_off = ChannelSettings::default();
    for (name, settings) in [
        ("lathe_strip_all_sections", busy),
        ("lathe_strip_filters_and_eq_only", filters_eq_only),
        ("lathe_strip_gate_and_comp_only", dynamics_only),
        ("lathe_strip_all_off", all_off),
    ] {
        let mut engine = ChannelEngine::new(2, SR, BLOCK);
        engine.set_settings(&settings);
        engine.reset();
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

    // Every section on while the host automates both thresholds (a new value every block): the
    // dynamics' static curves glide sample by sample the whole time.
    {
        let mut engine = ChannelEngine::new(2, SR, BLOCK);
        engine.set_settings(&busy);
        engine.reset();
        let mut settings = busy;
        group.bench_function("lathe_strip_all_sections_automated", |b| {
            b.iter(|| {
                l.copy_from_slice(&input[0]);
                r.copy_from_slice(&input[1]);
                for (i, (cl, cr)) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)).enumerate() {
                    let wobble = (i % 8) as f32;
                    settings.gate.threshold_db = -48.0 + wobble;
                    settings.comp.threshold_db = -26.0 + wobble;
                    engine.set_settings(&settings);
                    engine.process(&mut [cl, cr]);
                }
                black_box(&l);
            })
        });
    }

    let bells: Vec<(f32, f32, f32)> = (0..10)
        .map(|i| {
            (
                60.0 * 1.8f32.powi(i),
                if i % 2 == 0 { 3.0 } else { -2.0 },
                1.0,
            )
        })
        .collect();
    let make = || -> Vec<DirectForm2Transposed<f32>> {
        bells
            .iter()
            .map(|&(f, g, q)| {
                let c = Coefficients::<f32>::from_params(Type::PeakingEQ(g), SR.hz(), f.hz(), q)
                    .unwrap();
                DirectForm2Transposed::<f32>::new(c)
            })
            .collect()
    };
    let mut peer_l = make();
    let mut peer_r = make();
    group.bench_function("biquad_crate_10_df2t_f32", |b| {
        b.iter(|| {
            l.copy_from_slice(&input[0]);
            r.copy_from_slice(&input[1]);
            for (cl, cr) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)) {
                for x in cl.iter_mut() {
                    let mut y = *x;
                    for f in peer_l.iter_mut() {
                        y = f.run(y);
                    }
                    *x = y;
                }
                for x in cr.iter_mut() {
                    let mut y = *x;
                    for f in peer_r.iter_mut() {
                        y = f.run(y);
                    }
                    *x = y;
                }
            }
            black_box(&l);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
