//! Loudness meter speed: Lathe's `LoudnessMeter` (momentary, short-term, integrated, LRA) against
//! the `ebur128` crate (a port of libebur128) with modes M | S | I | LRA, then both with 4x true
//! peak (Lathe's `TruePeakMeter` in BS.1770 mode; the crate's TRUE_PEAK, 4x at 48 kHz), on the
//! same 10 s of stereo 48 kHz white noise fed in 512-frame blocks. Throughput is in stereo frames: ns per frame
//! = 1000 / (Melem/s).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use shared_dsp::loudness::{ChannelLayout, LoudnessMeter};
use std::hint::black_box;
use std::time::Duration;

const SAMPLE_RATE: u32 = 48_000;
const BLOCK: usize = 512;

fn noise(seed: u64, n: usize) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-0.5..0.5f32)).collect()
}

fn bench(c: &mut Criterion) {
    let n = SAMPLE_RATE as usize * 10;
    let left = noise(1, n);
    let right = noise(2, n);
    let mut group = c.benchmark_group("loudness_stereo_48k_10s");
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));

    let mut ours = LoudnessMeter::new(SAMPLE_RATE as f64, ChannelLayout::Stereo, BLOCK);
    group.bench_function("lathe M+S+I+LRA", |b| {
        b.iter(|| {
            ours.reset();
            for (l, r) in left.chunks(BLOCK).zip(right.chunks(BLOCK)) {
                ours.process(&[l, r]);
                black_box(ours.take_points().count());
            }
            black_box((
                ours.integrated_lufs(),
                ours.loudness_range_lu(),
                ours.max_momentary_lufs(),
            ))
        })
    });

    let mut pair = [
        shared_dsp::loudness::KWeighting::new(SAMPLE_RATE as f64),
        shared_dsp::loudness::KWeighting::new(SAMPLE_RATE as f64),
    ];
    group.bench_function("lathe K-weighting only", |b| {
        b.iter(|| {
            let mut e = 0.0;
            for (l, r) in left.chunks(480).zip(right.chunks(480)) {
                let (a, b) =
                    shared_dsp::loudness::KWeighting::process_pair_sum_squares(&mut pair, l, r);
                e += a + b;
            }
            black_box(e)
        })
    });

    use ebur128::{EbuR128, Mode};
    let mut peer = EbuR128::new(2, SAMPLE_RATE, Mode::M | Mode::S | Mode::I | Mode::LRA).unwrap();
    group.bench_function("ebur128 M|S|I|LRA", |b| {
        b.iter(|| {
            peer.reset();
            for (l, r) in left.chunks(BLOCK).zip(right.chunks(BLOCK)) {
                peer.add_frames_planar_f32(&[l, r]).unwrap();
            }
            black_box((
                peer.loudness_global().unwrap(),
                peer.loudness_range().unwrap(),
            ))
        })
    });
    // With 4x true peak (BS.1770 Annex 2) on both sides, as the meter plugin runs them.
    use shared_dsp::true_peak::{TruePeakMeter, TruePeakMode};
    let mut tp = TruePeakMeter::new(2, TruePeakMode::Bs1770);
    group.bench_function("lathe M+S+I+LRA + true peak 4x", |b| {
        b.iter(|| {
            ours.reset();
            tp.reset();
            for (l, r) in left.chunks(BLOCK).zip(right.chunks(BLOCK)) {
                ours.process(&[l, r]);
                tp.process(&[l, r]);
                black_box(ours.take_points().count());
            }
            black_box((
                ours.integrated_lufs(),
                ours.loudness_range_lu(),
                tp.peak_gain(),
            ))
        })
    });
    group.bench_function("lathe true peak 4x block kernel", |b| {
        b.iter(|| {
            tp.reset();
            for (l, r) in left.chunks(BLOCK).zip(right.chunks(BLOCK)) {
                tp.process(&[l, r]);
            }
            black_box(tp.peak_gain())
        })
    });
    group.bench_function("lathe true peak 4x scalar reference", |b| {
        b.iter(|| {
            tp.reset();
            for (l, r) in left.chunks(BLOCK).zip(right.chunks(BLOCK)) {
                tp.process_scalar(&[l, r]);
            }
            black_box(tp.peak_gain())
        })
    });
    // Accurate mode (8x, flat to 0.45 fs): the half-band cascade `process` runs, against the
    // single-stage 8x interpolator it replaced (kept as `process_scalar`, the tests' reference).
    let mut tp8 = TruePeakMeter::new(2, TruePeakMode::Accurate);
    group.bench_function("lathe true peak accurate 8x cascade", |b| {
        b.iter(|| {
            tp8.reset();
            for (l, r) in left.chunks(BLOCK).zip(right.chunks(BLOCK)) {
                tp8.process(&[l, r]);
            }
            black_box(tp8.peak_gain())
        })
    });
    group.bench_function("lathe true peak accurate 8x single stage", |b| {
        b.iter(|| {
            tp8.reset();
            for (l, r) in left.chunks(BLOCK).zip(right.chunks(BLOCK)) {
                tp8.process_scalar(&[l, r]);
            }
            black_box(tp8.peak_gain())
        })
    });
    let mut peer_tp = EbuR128::new(
        2,
        SAMPLE_RATE,
        Mode::M | Mode::S | Mode::I | Mode::LRA | Mode::TRUE_PEAK,
    )
    .unwrap();
    group.bench_function("ebur128 M|S|I|LRA|TRUE_PEAK", |b| {
        b.iter(|| {
            peer_tp.reset();
            for (l, r) in left.chunks(BLOCK).zip(right.chunks(BLOCK)) {
                peer_tp.add_frames_planar_f32(&[l, r]).unwrap();
            }
            black_box((
                peer_tp.loudness_global().unwrap(),
                peer_tp.loudness_range().unwrap(),
                peer_tp.true_peak(0).unwrap(),
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
