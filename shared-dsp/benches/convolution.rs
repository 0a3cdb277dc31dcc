//! Linear-phase convolution cost in ns per stereo frame: the partitioned convolver with an
//! 8191-tap kernel (partitions of 256, 512 and 1024), noise vs silence; for scale, direct
//! time-domain convolution of a 255-tap kernel, and `realfft` one-shot (whole-signal)
//! convolution of 1 s of audio with the 8191-tap kernel (the offline best case, not real-time).
//! There is no real-time peer crate on the registry to compare against.
//!
//! Criterion reports time per 4096-frame stereo block; the throughput line gives frames/s.
//! Also: kernel design time (`LinearPhaseDesigner::design` + `KernelSender::send`).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;
use shared_dsp::convolution::{LinearPhaseDesigner, PartitionedConvolver};
use std::hint::black_box;
use std::time::Duration;

const FS: f64 = 48_000.0;
const BLOCK: usize = 4096;
const TAPS: usize = 8191;

fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| 0.5 * (2.0 * (rng.next_u32() as f32 / u32::MAX as f32) - 1.0))
        .collect()
}

/// A mastering-style curve: low shelf, two bells, high shelf (smooth analytic stand-ins).
fn curve(f: f64) -> f64 {
    let bell = |f0: f64, g: f64, q: f64| {
        let x = (f.max(1.0) / f0).log2() * q * 1.2;
        g * (-x * x).exp()
    };
    let shelf = |f0: f64, g: f64| g / (1.0 + (f0 / f.max(1.0)).powi(2));
    shelf(10_000.0, 2.0) + bell(300.0, -2.0, 1.5) + bell(3000.0, 1.5, 2.0) + 1.0 - shelf(80.0, 1.0)
}

fn bench(c: &mut Criterion) {
    let mut designer = LinearPhaseDesigner::new(FS, TAPS);
    let mut kernel = vec![0.0f32; TAPS];
    designer.design(curve, &mut kernel);
    let in_l = noise(BLOCK, 1);
    let in_r = noise(BLOCK, 2);
    let silence = vec![0.0f32; BLOCK];

    let mut g = c.benchmark_group("convolution");
    g.throughput(Throughput::Elements(BLOCK as u64));
    g.warm_up_time(Duration::from_millis(700));
    g.measurement_time(Duration::from_secs(2));
    g.sample_size(20);

    for part in [256usize, 512, 1024] {
        let (mut conv, _tx) =
            PartitionedConvolver::new(2, part, TAPS, TAPS / 2, &[&kernel, &kernel]);
        let (mut l, mut r) = (in_l.clone(), in_r.clone());
        g.bench_function(BenchmarkId::new("partitioned_8191_noise", part), |b| {
            b.iter(|| {
                l.copy_from_slice(&in_l);
                r.copy_from_slice(&in_r);
                conv.process(&mut [&mut l, &mut r]);
                black_box(&l);
            })
        });
        if part == 512 {
            g.bench_function(BenchmarkId::new("partitioned_8191_silence", part), |b| {
                b.iter(|| {
                    l.copy_from_slice(&silence);
                    r.copy_from_slice(&silence);
                    conv.process(&mut [&mut l, &mut r]);
                    black_box(&l);
                })
            });
        }
    }

    // Direct convolution, 255 taps, stereo (for scale: ~32x fewer taps).
    let short: Vec<f32> = kernel[TAPS / 2 - 127..=TAPS / 2 + 127].to_vec();
    let mut hist_l = vec![0.0f32; BLOCK + short.len()];
    let mut hist_r = vec![0.0f32; BLOCK + short.len()];
    let mut out_l = vec![0.0f32; BLOCK];
    let mut out_r = vec![0.0f32; BLOCK];
    g.bench_function("direct_255_taps", |b| {
        b.iter(|| {
            let k = short.len();
            for (hist, inp, out) in [
                (&mut hist_l, &in_l, &mut out_l),
                (&mut hist_r, &in_r, &mut out_r),
            ] {
                hist.copy_within(BLOCK.., 0);
                hist[k..].copy_from_slice(inp);
                for (n, o) in out.iter_mut().enumerate() {
                    let window = &hist[n + 1..n + 1 + k];
                    *o = window.iter().rev().zip(&short).map(|(x, h)| x * h).sum();
                }
            }
            black_box(&out_l);
        })
    });

    // realfft one-shot convolution of 1 s (rounded to a whole FFT) per channel: the cost per
    // frame of convolving a whole file at once.
    let len = (48_000 + TAPS).next_power_of_two();
    let mut planner = RealFftPlanner::<f32>::new();
    let fwd = planner.plan_fft_forward(len);
    let inv = planner.plan_fft_inverse(len);
    let mut kbuf = vec![0.0f32; len];
    kbuf[..TAPS].copy_from_slice(&kernel);
    let mut kspec = fwd.make_output_vec();
    fwd.process(&mut kbuf, &mut kspec).unwrap();
    let signal = noise(48_000, 3);
    let mut buf = vec![0.0f32; len];
    let mut spec = fwd.make_output_vec();
    let mut scratch = vec![Complex::default(); fwd.get_scratch_len().max(inv.get_scratch_len())];
    g.throughput(Throughput::Elements(48_000));
    g.bench_function("realfft_one_shot_8191_per_second_stereo", |b| {
        b.iter(|| {
            for _ in 0..2 {
                buf.fill(0.0);
                buf[..48_000].copy_from_slice(&signal);
                fwd.process_with_scratch(&mut buf, &mut spec, &mut scratch)
                    .unwrap();
                for (s, k) in spec.iter_mut().zip(&kspec) {
                    *s *= k;
                }
                spec[0].im = 0.0;
                spec[len / 2].im = 0.0;
                inv.process_with_scratch(&mut spec, &mut buf, &mut scratch)
                    .unwrap();
            }
            black_box(&buf);
        })
    });

    // Design thread: one kernel design plus the stereo hand-over.
    g.throughput(Throughput::Elements(1));
    let (_conv, mut tx) = PartitionedConvolver::new(2, 512, TAPS, TAPS / 2, &[&kernel, &kernel]);
    g.bench_function("design_and_send_8191_stereo", |b| {
        b.iter(|| {
            designer.design(curve, &mut kernel);
            tx.send(&[&kernel, &kernel]).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
