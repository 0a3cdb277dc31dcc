//! Cross-thread, reference and allocation tests of the utility blocks: GUI exchange, delay line,
//! crossfader, stereo tools and dither.

#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

use assert_no_alloc::assert_no_alloc;
use shared_dsp::exchange::{MeterValue, SharedValue, sample_fifo, triple_buffer};
use std::sync::Arc;
use std::thread;

// ---------------------------------------------------------------------------------------------
// exchange

/// A writer publishes frames where every element equals the generation number; a concurrent
/// reader must only ever see complete frames (all elements equal) with increasing generations.
/// The writer runs until the reader has checked enough frames (or a bounded maximum).
#[test]
fn triple_buffer_reader_never_sees_torn_frames() {
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    const LEN: usize = 512;
    const MAX_FRAMES: u32 = 2_000_000;
    const WANTED: u32 = 2_000;
    let (mut w, mut r) = triple_buffer(vec![0.0f32; LEN]);
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU32::new(0));
    let (stop2, written2) = (stop.clone(), written.clone());
    let writer = thread::spawn(move || {
        let mut g = 1u32;
        while g <= MAX_FRAMES && !stop2.load(Ordering::Relaxed) {
            assert_no_alloc(|| w.write_with(|buf| buf.fill(g as f32)));
            written2.store(g, Ordering::Release);
            g += 1;
        }
    });
    let mut last = 0.0f32;
    let mut seen = 0u32;
    while seen < WANTED && !writer.is_finished() {
        if let Some(frame) = r.read() {
            let g = frame[0];
            assert!(
                frame.iter().all(|&x| x == g),
                "torn frame at generation {g}"
            );
            assert!(g > last, "went back in time: {g} after {last}");
            last = g;
            seen += 1;
        } else {
            std::hint::spin_loop();
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let final_gen = written.load(Ordering::Acquire) as f32;
    assert_eq!(
        *r.latest(),
        vec![final_gen; LEN],
        "reader must end on the newest frame"
    );
    assert!(seen >= 100, "reader saw only {seen} frames");
}

/// Producer pushes a counting sequence in random-sized blocks; the consumer pops concurrently.
/// Every sample that arrives is in order, and what arrived plus what was dropped equals what was
/// pushed.
#[test]
fn fifo_concurrent_stream_is_ordered_and_accounted() {
    const TOTAL: u32 = 2_000_000;
    let (mut p, mut c) = sample_fifo(4096);
    let producer = thread::spawn(move || {
        let mut next = 0u32;
        let mut pushed = 0usize;
        let mut block = [0.0f32; 97];
        while next < TOTAL {
            let n = (1 + (next as usize * 7919) % 97).min((TOTAL - next) as usize);
            for (i, x) in block[..n].iter_mut().enumerate() {
                *x = (next + i as u32) as f32;
            }
            pushed += assert_no_alloc(|| p.push_slice(&block[..n]));
            next += n as u32;
        }
        pushed
    });
    let mut received = 0usize;
    let mut dropped = 0usize;
    let mut last = -1.0f32;
    let mut buf = [0.0f32; 300];
    let mut idle = 0u64;
    // Bounded: ends when everything is accounted for, or after many idle polls.
    while received + dropped < TOTAL as usize && idle < 200_000_000 {
        let n = c.pop_slice(&mut buf);
        dropped += c.take_dropped();
        if n == 0 {
            idle += 1;
            std::hint::spin_loop();
            continue;
        }
        for &x in &buf[..n] {
            assert!(x > last, "out of order: {x} after {last}");
            last = x;
        }
        received += n;
    }
    let pushed = producer.join().unwrap();
    dropped += c.take_dropped();
    assert_eq!(received, pushed);
    assert_eq!(received + dropped, TOTAL as usize);
}

/// The audio thread raises a peak many times between GUI reads; each `take` returns exactly the
/// maximum written since the previous one, even under concurrency.
#[test]
fn meter_peak_hold_under_concurrency() {
    let m = Arc::new(MeterValue::new(0.0));
    let loud = Arc::new(SharedValue::new(-70.0));
    let (m2, loud2) = (m.clone(), loud.clone());
    // Writer: values rise within each of 1000 rounds (round r peaks at r+1 exactly once).
    let writer = thread::spawn(move || {
        for r in 0..1000u32 {
            for k in 0..100u32 {
                let v = r as f32 + (k as f32) / 100.0;
                assert_no_alloc(|| m2.update_max(v));
            }
            assert_no_alloc(|| m2.update_max(r as f32 + 1.0));
            loud2.store(r as f32);
        }
    });
    let mut max_taken = 0.0f32;
    for _ in 0..100_000 {
        max_taken = max_taken.max(m.take());
    }
    writer.join().unwrap();
    max_taken = max_taken.max(m.take());
    assert_eq!(max_taken, 1000.0, "the overall peak must reach the GUI");
    assert_eq!(m.take(), 0.0);
    assert_eq!(loud.load(), 999.0);
    // Sequential semantics: max since last take.
    m.update_max(0.5);
    m.update_max(0.25);
    assert_eq!(m.peek(), 0.5);
    assert_eq!(m.take(), 0.5);
    m.update_max(0.25);
    assert_eq!(m.take(), 0.25);
}

#[test]
fn exchange_halves_are_send() {
    fn is_send<T: Send>() {}
    is_send::<shared_dsp::exchange::FifoProducer>();
    is_send::<shared_dsp::exchange::FifoConsumer>();
    is_send::<shared_dsp::exchange::TripleWriter<Vec<f32>>>();
    is_send::<shared_dsp::exchange::TripleReader<Vec<f32>>>();
    fn is_sync<T: Sync>() {}
    is_sync::<MeterValue>();
    is_sync::<SharedValue>();
}

// ---------------------------------------------------------------------------------------------
// helpers

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use realfft::RealFftPlanner;
use shared_dsp::dither::{Dither, NoiseShaping};
use shared_dsp::stereo::{
    CorrelationMeter, PanInput, PanLaw, Panner, StereoWidth, balance_gains, decode_ms, encode_ms,
    pan_gains,
};
use shared_dsp::util::{DelayLine, DryWetMix, gain_to_db};

/// Uniform white noise in ±`amplitude`, seeded.
fn noise(seed: u64, len: usize, amplitude: f32) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..len)
        .map(|_| (rng.random::<f32>() * 2.0 - 1.0) * amplitude)
        .collect()
}

/// Irregular block sizes 1..=700 summing to `len`.
fn block_sizes(len: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = Vec::new();
    let mut left = len;
    while left > 0 {
        let n = (1 + (rng.random::<u32>() % 700) as usize).min(left);
        out.push(n);
        left -= n;
    }
    out
}

/// Runs a stereo in-place process over `l`, `r` in irregular blocks.
fn stereo_in_blocks(
    l: &mut [f32],
    r: &mut [f32],
    seed: u64,
    mut f: impl FnMut(&mut [f32], &mut [f32], usize),
) {
    let mut pos = 0;
    for n in block_sizes(l.len(), seed) {
        f(&mut l[pos..pos + n], &mut r[pos..pos + n], pos);
        pos += n;
    }
}

// ---------------------------------------------------------------------------------------------
// util: delay line and crossfade

#[test]
fn delay_line_any_split_and_delay_change_read_true_past() {
    let len = 20_000;
    let x = noise(1, len, 1.0);
    let y = noise(2, len, 1.0);
    for delay in [0usize, 1, 333, 4096] {
        let mut d = DelayLine::new(2, 4096);
        d.set_delay(delay);
        let (mut l, mut r) = (x.clone(), y.clone());
        stereo_in_blocks(&mut l, &mut r, delay as u64, |a, b, _| {
            assert_no_alloc(|| d.process(&mut [a, b]))
        });
        for n in 0..len {
            let (el, er) = if n >= delay {
                (x[n - delay], y[n - delay])
            } else {
                (0.0, 0.0)
            };
            assert_eq!((l[n], r[n]), (el, er), "delay {delay} n {n}");
        }
    }
    // Changing the delay mid-stream reads the real input history (no stale or zero samples).
    let mut d = DelayLine::new(1, 1000);
    let mut a = x[..3000].to_vec();
    d.process(&mut [&mut a[..2000]]);
    d.set_delay(700);
    d.process(&mut [&mut a[2000..]]);
    for n in 2000..3000 {
        assert_eq!(a[n], x[n - 700]);
    }
    assert_no_alloc(|| d.reset());
    let mut z = [1.0f32; 800];
    d.process(&mut [&mut z]);
    assert!(z[..700].iter().all(|&s| s == 0.0) && z[700] == 1.0);
}

#[test]
fn dry_wet_crossfade_is_linear_click_free_and_exact_at_rest() {
    let sr = 48_000.0;
    let fade_ms = 10.0;
    let fade_samples = 480;
    let len = 4000;
    let dry = vec![1.0f32; len];
    let wet0 = vec![-1.0f32; len];
    // Any split gives the same output, and the fade is a straight line of 480 samples.
    let mut outs = Vec::new();
    for seed in [3u64, 4] {
        let mut mix = DryWetMix::new(0.0, sr);
        mix.set_fade_time(fade_ms, sr);
        let mut wet = wet0.clone();
        let mut pos = 0;
        for n in block_sizes(len, seed) {
            if pos <= 100 && pos + n > 100 {
                // Switch on at sample 100 of whatever block contains it.
                let (a, b) = wet.split_at_mut(pos + (100 - pos));
                let d = &dry[pos..100];
                assert_no_alloc(|| mix.process(&[d], &mut [&mut a[pos..]]));
                mix.set_mix(1.0);
                let d = &dry[100..pos + n];
                assert_no_alloc(|| mix.process(&[d], &mut [&mut b[..pos + n - 100]]));
            } else {
                let d = &dry[pos..pos + n];
                assert_no_alloc(|| mix.process(&[d], &mut [&mut wet[pos..pos + n]]));
            }
            pos += n;
        }
        outs.push(wet);
    }
    assert_eq!(outs[0], outs[1]);
    let out = &outs[0];
    assert!(
        out[..100].iter().all(|&s| s == 1.0),
        "fully dry is bit-exact dry"
    );
    assert!(
        out[100 + fade_samples..].iter().all(|&s| s == -1.0),
        "fully wet is exact"
    );
    let max_step = out
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    assert!(
        (max_step - 2.0 / fade_samples as f32).abs() < 1e-4,
        "step {max_step}"
    );
    // Midpoint of the fade is the equal-gain average.
    assert!(out[100 + fade_samples / 2 - 1].abs() < 1e-3);
}

// ---------------------------------------------------------------------------------------------
// stereo

#[test]
fn ms_round_trip_within_rounding() {
    let l0 = noise(5, 10_000, 1.0);
    let r0 = noise(6, 10_000, 1.0);
    let (mut m, mut s) = (l0.clone(), r0.clone());
    encode_ms(&mut m, &mut s);
    for i in 0..l0.len() {
        assert_eq!(m[i], (l0[i] + r0[i]) * 0.5);
    }
    decode_ms(&mut m, &mut s);
    let err = (0..l0.len())
        .map(|i| (m[i] - l0[i]).abs().max((s[i] - r0[i]).abs()))
        .fold(0.0, f32::max);
    assert!(err <= 2.0 * f32::EPSILON, "round-trip error {err}");
}

#[test]
fn pan_laws_centre_values_power_and_balance() {
    for (law, centre_db) in [
        (PanLaw::Minus3Db, -3.010_300),
        (PanLaw::Minus4_5Db, -4.515_450),
        (PanLaw::Minus6Db, -6.020_600),
    ] {
        let (l, r) = pan_gains(0.0, law);
        assert!(l == r);
        assert!(
            (gain_to_db(l) - centre_db).abs() < 2e-5,
            "{law:?} {}",
            gain_to_db(l)
        );
        assert_eq!(pan_gains(-1.0, law), (1.0, 0.0));
        assert_eq!(pan_gains(1.0, law), (0.0, 1.0));
        for i in 0..=20 {
            let p = i as f32 / 10.0 - 1.0;
            let (l, r) = pan_gains(p, law);
            let (ml, mr) = pan_gains(-p, law);
            assert!((l - mr).abs() < 1e-7 && (r - ml).abs() < 1e-7, "symmetric");
            match law {
                PanLaw::Minus3Db => assert!((l * l + r * r - 1.0).abs() < 1e-6, "constant power"),
                PanLaw::Minus6Db => assert!((l + r - 1.0).abs() < 1e-6, "constant sum"),
                PanLaw::Minus4_5Db => {
                    let (pl, pr) = pan_gains(p, PanLaw::Minus3Db);
                    let (ll, lr) = pan_gains(p, PanLaw::Minus6Db);
                    assert!(
                        (l - (pl * ll).sqrt()).abs() < 1e-6 && (r - (pr * lr).sqrt()).abs() < 1e-6
                    );
                }
            }
            let (bl, br) = balance_gains(p, law);
            assert!(bl <= 1.0 && br <= 1.0);
            if p <= 0.0 {
                assert_eq!(bl, 1.0, "near channel stays at 0 dB");
            }
            if p >= 0.0 {
                assert_eq!(br, 1.0);
            }
        }
    }
}

#[test]
fn panner_mono_pans_stereo_balances_centre_bit_exact_any_split() {
    let sr = 48_000.0;
    let len = 24_000;
    let l0 = noise(7, len, 0.5);
    let r0 = noise(8, len, 0.5);
    // Centred stereo passes bit-exact.
    let mut p = Panner::new(sr);
    let (mut l, mut r) = (l0.clone(), r0.clone());
    assert_no_alloc(|| p.process(&mut l, &mut r));
    assert_eq!((l, r), (l0.clone(), r0.clone()));
    // Mono input, hard-ish right after a glide: the settled gains equal the law.
    let mut p = Panner::new(sr);
    p.set_input(PanInput::Mono);
    p.set_law(PanLaw::Minus4_5Db);
    p.set_pan(0.5);
    assert_no_alloc(|| p.reset());
    let (mut l, mut r) = (l0.clone(), vec![9.0; len]);
    p.process(&mut l, &mut r);
    let (gl, gr) = pan_gains(0.5, PanLaw::Minus4_5Db);
    for i in 0..len {
        assert_eq!((l[i], r[i]), (l0[i] * gl, l0[i] * gr));
    }
    // Automated pan: any block split gives the same output; no step larger than the signal
    // allows (glide), settles on the exact gains.
    let mut outs = Vec::new();
    for seed in [9u64, 10] {
        let mut p = Panner::new(sr);
        p.set_law(PanLaw::Minus3Db);
        let (mut l, mut r) = (l0.clone(), r0.clone());
        stereo_in_blocks(&mut l, &mut r, seed, |a, b, pos| {
            // Parameter changes land at fixed sample positions regardless of block size.
            if pos <= 5000 && pos + a.len() > 5000 {
                let k = 5000 - pos;
                let (a1, a2) = a.split_at_mut(k);
                let (b1, b2) = b.split_at_mut(k);
                p.process(a1, b1);
                p.set_pan(-1.0);
                assert_no_alloc(|| p.process(a2, b2));
            } else {
                p.process(a, b);
            }
        });
        outs.push((l, r));
    }
    assert_eq!(outs[0], outs[1]);
    let (l, r) = &outs[0];
    assert_eq!(l[len - 1], l0[len - 1], "near side at 0 dB");
    assert_eq!(r[len - 1], 0.0, "far side muted at the extreme");
}

#[test]
fn width_mono_unchanged_doubled_and_mono_check() {
    let sr = 44_100.0;
    let len = 8192;
    let l0 = noise(11, len, 0.5);
    let r0 = noise(12, len, 0.5);
    let run = |width: f32, mono: bool| {
        let mut w = StereoWidth::new(sr);
        w.set_width_percent(width);
        w.set_mono(mono);
        w.reset();
        let (mut l, mut r) = (l0.clone(), r0.clone());
        assert_no_alloc(|| w.process(&mut l, &mut r));
        (l, r)
    };
    let (l, r) = run(100.0, false);
    assert_eq!((&l, &r), (&l0, &r0), "100 % is bit-exact");
    let (l, r) = run(0.0, false);
    assert_eq!(l, r, "0 % gives identical channels");
    for i in 0..len {
        assert_eq!(l[i], (l0[i] + r0[i]) * 0.5);
    }
    assert_eq!(run(150.0, true), (l.clone(), r.clone()), "mono check = 0 %");
    let (l2, r2) = run(200.0, false);
    for i in 0..len {
        let (m, s) = ((l0[i] + r0[i]) * 0.5, (l0[i] - r0[i]) * 0.5);
        assert!((l2[i] - (m + 2.0 * s)).abs() < 1e-6 && (r2[i] - (m - 2.0 * s)).abs() < 1e-6);
    }
    // Glide from 100 % to 0 % (mono check pressed mid-stream): any split gives the same output
    // and the channels end identical.
    let mut outs = Vec::new();
    for seed in [13u64, 14] {
        let mut w = StereoWidth::new(sr);
        let (mut l, mut r) = (l0.clone(), r0.clone());
        stereo_in_blocks(&mut l, &mut r, seed, |a, b, pos| {
            if pos <= 1000 && pos + a.len() > 1000 {
                let k = 1000 - pos;
                let (a1, a2) = a.split_at_mut(k);
                let (b1, b2) = b.split_at_mut(k);
                w.process(a1, b1);
                w.set_mono(true);
                w.process(a2, b2);
            } else {
                w.process(a, b);
            }
        });
        outs.push((l, r));
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0].0[len - 1], outs[0].1[len - 1]);
    assert_eq!(&outs[0].0[..1000], &l0[..1000]);
}

#[test]
fn correlation_meter_reference_cases() {
    let sr = 48_000.0;
    let len = 48_000;
    let a = noise(15, len, 0.5);
    let b = noise(16, len, 0.5);
    let meter = |l: &[f32], r: &[f32]| {
        let mut m = CorrelationMeter::new(sr);
        assert_no_alloc(|| m.process(l, r));
        m
    };
    let neg: Vec<f32> = a.iter().map(|x| -x).collect();
    let half: Vec<f32> = a.iter().map(|x| x * 0.5).collect();
    assert!((meter(&a, &a).correlation() - 1.0).abs() < 1e-6);
    assert!((meter(&a, &neg).correlation() + 1.0).abs() < 1e-6);
    let unc = meter(&a, &b).correlation();
    assert!(unc.abs() < 0.1, "uncorrelated noise reads {unc}");
    // Partially correlated: R = rho*A + sqrt(1-rho^2)*B has Pearson correlation rho.
    for rho in [-0.5f32, 0.3, 0.8] {
        let r: Vec<f32> = (0..len)
            .map(|i| rho * a[i] + (1.0 - rho * rho).sqrt() * b[i])
            .collect();
        let c = meter(&a, &r).correlation();
        assert!((c - rho).abs() < 0.1, "rho {rho}: {c}");
    }
    let m = meter(&a, &half);
    assert!((m.correlation() - 1.0).abs() < 1e-6);
    assert!((m.balance_db() + 6.0206).abs() < 1e-3, "{}", m.balance_db());
    assert!((m.balance() - (0.25 - 1.0) / 1.25).abs() < 1e-5);
    let silence = vec![0.0f32; len];
    let m = meter(&silence, &silence);
    assert_eq!(
        (m.correlation(), m.balance(), m.balance_db()),
        (0.0, 0.0, 0.0)
    );
    let m = meter(&a, &silence);
    assert_eq!(m.correlation(), 0.0);
    assert!((m.balance() + 1.0).abs() < 1e-9);
    // NaN/inf input does not poison the meter.
    let mut bad = a.clone();
    bad[100] = f32::NAN;
    bad[200] = f32::INFINITY;
    let m = meter(&bad, &bad);
    assert!((m.correlation() - 1.0).abs() < 1e-6);
    // Time constant: switching from in-phase to anti-phase, the one-pole cross term follows
    // r(t) = 2·exp(-t/tau) - 1; with tau = 100 ms, at 300 ms r = 2/e^3 - 1 = -0.9004.
    let mut m = CorrelationMeter::new(sr);
    m.set_time(100.0);
    m.process(&a, &a);
    m.process(&a[..14_400], &neg[..14_400]);
    let expected = 2.0 * (-3.0f32).exp() - 1.0;
    assert!(
        (m.correlation() - expected).abs() < 0.02,
        "{}",
        m.correlation()
    );
    // Block-size invariance: bit-identical readings.
    let mut m1 = CorrelationMeter::new(sr);
    m1.process(&a, &b);
    let mut m2 = CorrelationMeter::new(sr);
    let mut pos = 0;
    for n in block_sizes(len, 17) {
        m2.process(&a[pos..pos + n], &b[pos..pos + n]);
        pos += n;
    }
    assert_eq!(m1.correlation(), m2.correlation());
    assert_eq!(m1.balance(), m2.balance());
    assert_no_alloc(|| m2.reset());
    assert_eq!(m2.correlation(), 0.0);
}
