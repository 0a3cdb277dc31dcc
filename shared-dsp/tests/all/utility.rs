//! Cross-thread, reference and allocation tests of the utility blocks: GUI exchange, delay line,
//! crossfader, stereo tools and dither.

use shared_dsp::exchange::{MeterValue, SharedValue, sample_fifo, triple_buffer};
use std::sync::Arc;
use std::thread;
use test_support::blocks::{run_in_place, run_in_place_no_alloc};
use test_support::measure::welch_psd;
use test_support::signals::{sine, white};
use test_support::{Split, no_alloc};

/// Irregular block sizes 1..=700 summing to `len`.
fn block_sizes(len: usize, seed: u64) -> Vec<usize> {
    Split::Random { seed, max: 700 }.sizes(len)
}

// ---------------------------------------------------------------------------------------------
// exchange

/// A writer publishes frames where every element equals the generation number; a concurrent
/// reader must only ever see complete frames (all elements equal) with increasing generations.
/// The writer runs until the reader has checked enough frames (or a bounded maximum).
#[test]
fn triple_buffer_reader_never_sees_torn_frames() {
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    const LEN: usize = 512;
    const MAX_FRAMES: u32 = 200_000;
    const WANTED: u32 = 300;
    let (mut w, mut r) = triple_buffer(vec![0.0f32; LEN]);
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU32::new(0));
    let (stop2, written2) = (stop.clone(), written.clone());
    let writer = thread::spawn(move || {
        let mut g = 1u32;
        while g <= MAX_FRAMES && !stop2.load(Ordering::Relaxed) {
            no_alloc(|| w.write_with(|buf| buf.fill(g as f32)));
            written2.store(g, Ordering::Release);
            if g.is_multiple_of(16) {
                // On a loaded machine give the reader a chance to run alongside.
                thread::yield_now();
            }
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
    assert!(seen >= 50, "reader saw only {seen} frames");
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
            pushed += no_alloc(|| p.push_slice(&block[..n]));
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
                no_alloc(|| m2.update_max(v));
            }
            no_alloc(|| m2.update_max(r as f32 + 1.0));
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

use shared_dsp::dither::{Dither, NoiseShaping};
use shared_dsp::stereo::{
    CorrelationMeter, PanInput, PanLaw, Panner, StereoWidth, balance_gains, decode_ms, encode_ms,
    pan_gains,
};
use shared_dsp::util::{DelayLine, DryWetMix, gain_to_db};

// ---------------------------------------------------------------------------------------------
// util: delay line and crossfade

#[test]
fn delay_line_any_split_and_delay_change_read_true_past() {
    let len = 20_000;
    let x = white(len, 1, 1.0);
    let y = white(len, 2, 1.0);
    for delay in [0usize, 1, 333, 4096] {
        let mut d = DelayLine::new(2, 4096);
        d.set_delay(delay);
        let (mut l, mut r) = (x.clone(), y.clone());
        let sizes = block_sizes(len, delay as u64);
        run_in_place_no_alloc(&mut [&mut l, &mut r], &sizes, |ch, _| d.process(ch));
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
    no_alloc(|| d.reset());
    let mut z = [1.0f32; 800];
    d.process(&mut [&mut z]);
    assert!(z[..700].iter().all(|&s| s == 0.0) && z[700] == 1.0);
}

#[test]
fn dry_wet_crossfade_is_a_raised_cosine_click_free_and_exact_at_rest() {
    let sr = 48_000.0;
    let fade_ms = 10.0;
    let fade_samples = 480;
    let len = 4000;
    let dry = vec![1.0f32; len];
    let wet0 = vec![-1.0f32; len];
    // Any split gives the same output, and the fade is a raised cosine of 480 samples.
    let mut outs = Vec::new();
    for seed in [3u64, 4] {
        let mut mix = DryWetMix::new(0.0, sr);
        mix.set_fade_time(fade_ms, sr);
        let mut wet = wet0.clone();
        let mut pos = 0;
        for n in (Split::Random { seed, max: 700 }).sizes_cut_at(len, &[100]) {
            if pos == 100 {
                // Switch on at sample 100, whatever the split.
                mix.set_mix(1.0);
            }
            let d = &dry[pos..pos + n];
            no_alloc(|| mix.process(&[d], &mut [&mut wet[pos..pos + n]]));
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
    // The raised cosine's steepest step (at its midpoint) is π/2 times a straight line's, and
    // it starts and ends with zero slope: no corner at either end.
    assert!(
        (max_step - std::f32::consts::PI / fade_samples as f32).abs() < 1e-4,
        "step {max_step}"
    );
    assert!((out[101] - out[100]).abs() < 0.01 * max_step);
    assert!((out[99 + fade_samples] - out[98 + fade_samples]).abs() < 0.01 * max_step);
    // Midpoint of the fade is the equal-gain average.
    assert!(out[100 + fade_samples / 2 - 1].abs() < 1e-3);
}

// ---------------------------------------------------------------------------------------------
// stereo

#[test]
fn ms_round_trip_within_rounding() {
    let l0 = white(10_000, 5, 1.0);
    let r0 = white(10_000, 6, 1.0);
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
        (PanLaw::Minus3Db, -3.0103),
        (PanLaw::Minus4_5Db, -4.51545),
        (PanLaw::Minus6Db, -6.0206),
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
    let l0 = white(len, 7, 0.5);
    let r0 = white(len, 8, 0.5);
    // Centred stereo passes bit-exact.
    let mut p = Panner::new(sr);
    let (mut l, mut r) = (l0.clone(), r0.clone());
    no_alloc(|| p.process(&mut l, &mut r));
    assert_eq!((l, r), (l0.clone(), r0.clone()));
    // Mono input, hard-ish right after a glide: the settled gains equal the law.
    let mut p = Panner::new(sr);
    p.set_input(PanInput::Mono);
    p.set_law(PanLaw::Minus4_5Db);
    p.set_pan(0.5);
    no_alloc(|| p.reset());
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
        let sizes = Split::Random { seed, max: 700 }.sizes_cut_at(len, &[5000]);
        run_in_place_no_alloc(&mut [&mut l, &mut r], &sizes, |ch, pos| {
            // Parameter changes land at fixed sample positions regardless of block size.
            if pos == 5000 {
                p.set_pan(-1.0);
            }
            let [a, b] = ch else { unreachable!() };
            p.process(a, b);
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
    let l0 = white(len, 11, 0.5);
    let r0 = white(len, 12, 0.5);
    let run = |width: f32, mono: bool| {
        let mut w = StereoWidth::new(sr);
        w.set_width_percent(width);
        w.set_mono(mono);
        w.reset();
        let (mut l, mut r) = (l0.clone(), r0.clone());
        no_alloc(|| w.process(&mut l, &mut r));
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
        let sizes = Split::Random { seed, max: 700 }.sizes_cut_at(len, &[1000]);
        run_in_place(&mut [&mut l, &mut r], &sizes, |ch, pos| {
            if pos == 1000 {
                w.set_mono(true);
            }
            let [a, b] = ch else { unreachable!() };
            w.process(a, b);
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
    let a = white(len, 15, 0.5);
    let b = white(len, 16, 0.5);
    let meter = |l: &[f32], r: &[f32]| {
        let mut m = CorrelationMeter::new(sr);
        no_alloc(|| m.process(l, r));
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
    no_alloc(|| m2.reset());
    assert_eq!(m2.correlation(), 0.0);
}

// ---------------------------------------------------------------------------------------------
// dither

/// Dithers `x` (mono) and returns the total error `(y - x)` in LSB units.
fn dither_error_lsb(bits: u32, shaping: NoiseShaping, x: &[f32]) -> Vec<f64> {
    let mut d = Dither::new(1, bits);
    d.set_noise_shaping(shaping);
    let mut y = x.to_vec();
    d.process(&mut [&mut y]);
    let scale = (1u64 << (bits - 1)) as f64;
    x.iter()
        .zip(y.iter())
        .map(|(&a, &b)| (b as f64 - a as f64) * scale)
        .collect()
}

fn test_signal(len: usize, sample_rate: f64) -> Vec<f32> {
    // A -20 dBFS 997 Hz tone plus low-level noise: the error must not depend on it.
    let n = white(len, 21, 0.01);
    let tone = sine(997.0, sample_rate, 0.1, 0.0, len);
    tone.iter().zip(&n).map(|(t, n)| t + n).collect()
}

/// Octave bands (lower edge 62.5 Hz … up to Nyquist) as bin ranges.
fn octave_bands(n: usize, sample_rate: f64) -> Vec<(f64, std::ops::Range<usize>)> {
    let df = sample_rate / n as f64;
    let mut out = Vec::new();
    let mut lo = 62.5;
    while lo < sample_rate / 2.0 {
        let hi = (lo * 2.0).min(sample_rate / 2.0 - df);
        let (a, b) = ((lo / df).ceil() as usize, (hi / df).floor() as usize);
        if b > a {
            out.push((lo, a..b));
        }
        lo *= 2.0;
    }
    out
}

#[test]
fn flat_tpdf_error_power_is_lsb2_over_4_and_white() {
    let sr = 48_000.0;
    let n = 4096;
    let x = test_signal(n * 48, sr);
    for bits in [16u32, 24] {
        let e = dither_error_lsb(bits, NoiseShaping::Off, &x);
        let mean = e.iter().sum::<f64>() / e.len() as f64;
        let power = e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64;
        println!("{bits} bits: error power {power:.4} LSB² (expected 0.25), mean {mean:.4}");
        assert!((power / 0.25 - 1.0).abs() < 0.05, "{bits} bits: {power}");
        assert!(mean.abs() < 0.01);
        assert!(e.iter().all(|v| v.abs() <= 1.5));
        let psd = welch_psd(&e, n);
        for (lo, band) in octave_bands(n, sr) {
            let avg = psd[band.clone()].iter().sum::<f64>() / band.len() as f64;
            let db = 10.0 * (avg / 0.25).log10();
            println!("  octave {lo:>7.1} Hz: {db:+.2} dB");
            assert!(db.abs() < 1.0, "{bits} bits, band {lo} Hz: {db:+.2} dB");
        }
    }
}

#[test]
fn shaped_error_spectrum_follows_the_design_ntf() {
    let sr = 44_100.0;
    let n = 4096;
    let x = test_signal(n * 48, sr);
    for shaping in [
        NoiseShaping::FirstOrder,
        NoiseShaping::SecondOrder,
        NoiseShaping::Lipshitz,
        NoiseShaping::FWeighted,
    ] {
        let e = dither_error_lsb(16, shaping, &x);
        let power = e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64;
        let expected_power = 0.25 * shaping.total_power_gain();
        println!("{shaping:?}: power {power:.3} LSB², design {expected_power:.3}");
        assert!((power / expected_power - 1.0).abs() < 0.05);
        let psd = welch_psd(&e, n);
        let df = sr / n as f64;
        let mut worst = 0.0f64;
        for (lo, band) in octave_bands(n, sr) {
            let measured = psd[band.clone()].iter().sum::<f64>();
            let design: f64 = band
                .clone()
                .map(|k| 0.25 * shaping.ntf_power(k as f64 * df, sr))
                .sum();
            let db = 10.0 * (measured / design).log10();
            worst = worst.max(db.abs());
            println!(
                "  octave {lo:>7.1} Hz: design {:+.1} dB, measured - design {db:+.2} dB",
                10.0 * (design / band.len() as f64 / 0.25).log10()
            );
            // Windowed-spectrum leakage from the loud high band limits how deep a notch can be
            // measured: accept "at least this deep" below -30 dB re flat.
            let design_db = 10.0 * (design / band.len() as f64 / 0.25).log10();
            if design_db > -30.0 {
                assert!(db.abs() < 1.0, "{shaping:?} band {lo} Hz: {db:+.2} dB");
            } else {
                assert!(10.0 * (measured / band.len() as f64 / 0.25).log10() < -29.0);
            }
        }
        println!("  worst band deviation {worst:.2} dB");
    }
}

#[test]
fn dither_deterministic_reset_reproduces_any_split_no_alloc() {
    let len = 20_000;
    let l0 = white(len, 31, 0.8);
    let r0 = white(len, 32, 0.8);
    for shaping in [NoiseShaping::Off, NoiseShaping::Lipshitz] {
        let mut d = Dither::new(2, 16);
        d.set_noise_shaping(shaping);
        let (mut l1, mut r1) = (l0.clone(), r0.clone());
        no_alloc(|| d.process(&mut [&mut l1, &mut r1]));
        no_alloc(|| d.reset());
        let (mut l2, mut r2) = (l0.clone(), r0.clone());
        let sizes = block_sizes(len, 33);
        run_in_place_no_alloc(&mut [&mut l2, &mut r2], &sizes, |ch, _| d.process(ch));
        assert_eq!(
            (&l1, &r1),
            (&l2, &r2),
            "{shaping:?}: reset + any split reproduces"
        );
        assert_ne!(l1, r1);
        // Channels get independent noise: the errors are uncorrelated.
        let el: Vec<f64> = (0..len).map(|i| (l1[i] - l0[i]) as f64).collect();
        let mut d2 = Dither::new(2, 16);
        d2.set_noise_shaping(shaping);
        let (mut a, mut b) = (l0.clone(), l0.clone());
        d2.process(&mut [&mut a, &mut b]);
        let ea: Vec<f64> = (0..len).map(|i| (a[i] - l0[i]) as f64).collect();
        let eb: Vec<f64> = (0..len).map(|i| (b[i] - l0[i]) as f64).collect();
        let dot: f64 = ea.iter().zip(&eb).map(|(x, y)| x * y).sum();
        let na: f64 = ea.iter().map(|x| x * x).sum();
        let nb: f64 = eb.iter().map(|x| x * x).sum();
        assert!(
            (dot / (na * nb).sqrt()).abs() < 0.05,
            "channel errors correlated"
        );
        assert_eq!(ea, el, "first channel reproduces with the same seed");
        // A different seed gives different noise.
        let mut d3 = Dither::new(1, 16);
        d3.set_seed(99);
        d3.set_noise_shaping(shaping);
        let mut c = l0.clone();
        d3.process(&mut [&mut c]);
        assert_ne!(c, l1);
    }
    // Bits can change on the audio thread.
    let mut d = Dither::new(1, 16);
    let mut x = l0.clone();
    no_alloc(|| {
        d.set_bits(24);
        d.set_noise_shaping(NoiseShaping::SecondOrder);
        d.process(&mut [&mut x]);
    });
    assert!(x.iter().all(|&y| (y as f64 * 8_388_608.0).fract() == 0.0));
}

/// A -110 dBFS 1 kHz sine dithered to 16 bits (0.1 LSB peak) keeps its tone above the noise and
/// shows no harmonics; plain rounding of a -95 dBFS sine (0.6 LSB) shows strong harmonics — the
/// criterion can fail.
#[test]
fn low_level_sine_keeps_its_tone_without_distortion() {
    let sr = 48_000.0;
    let n = 16_384;
    let k0 = (1000.0 * n as f64 / sr).round() as usize;
    let f0 = k0 as f64 * sr / n as f64;
    let sine = |db: f64| -> Vec<f32> {
        let a = 10f64.powf(db / 20.0);
        sine(f0, sr, a, 0.0, n * 16)
    };
    // Returns (tone re noise dB, worst harmonic re noise dB).
    let analyse = |y: &[f32]| -> (f64, f64) {
        let psd = welch_psd(&y.iter().map(|&v| v as f64).collect::<Vec<_>>(), n);
        let near_harmonic = |k: usize| (1..=10).any(|h| k.abs_diff(h * k0) <= 3);
        let kmin = (100.0 * n as f64 / sr) as usize;
        let kmax = (20_000.0 * n as f64 / sr) as usize;
        let noise_bins: Vec<f64> = (kmin..kmax)
            .filter(|&k| !near_harmonic(k))
            .map(|k| psd[k])
            .collect();
        let floor = noise_bins.iter().sum::<f64>() / noise_bins.len() as f64;
        let tone = psd[k0];
        let worst = (2..=10)
            .map(|h| {
                psd[h * k0 - 1..=h * k0 + 1]
                    .iter()
                    .cloned()
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max);
        (
            10.0 * (tone / floor).log10(),
            10.0 * (worst / floor.max(1e-30)).log10(),
        )
    };
    let mut d = Dither::new(1, 16);
    let mut y = sine(-110.0);
    d.process(&mut [&mut y]);
    let (tone_db, harm_db) = analyse(&y);
    println!("dithered -110 dBFS: tone {tone_db:+.1} dB, worst harmonic {harm_db:+.1} dB re floor");
    assert!(tone_db > 10.0, "tone lost: {tone_db:+.1} dB");
    assert!(harm_db < 6.0, "harmonic {harm_db:+.1} dB above the floor");
    // Control: undithered rounding of a -95 dBFS sine distorts.
    let mut d = Dither::new(1, 16);
    d.set_dither_enabled(false);
    let mut y = sine(-95.0);
    d.process(&mut [&mut y]);
    let (_, harm_db) = analyse(&y);
    println!("undithered -95 dBFS: worst harmonic {harm_db:+.1} dB re floor");
    assert!(harm_db > 20.0);
}

// ---------------------------------------------------------------------------------------------
// lifecycle: `prepare(sample_rate, max_block)` then processing equals a block built fresh at that
// rate, whatever ran before; `latency()` is what an impulse shows.

use shared_dsp::bypass::Bypass;
use shared_dsp::gain::GainStage;
use test_support::blocks::{assert_outputs_match, process_split};

#[test]
fn prepare_equals_a_fresh_block_at_the_new_rate() {
    let input = test_support::signals::white_stereo(6000, 41, 0.5);
    let sizes = Split::Random { seed: 42, max: 512 }.sizes(6000);
    let warm_up = |p: &mut dyn FnMut(&mut [&mut [f32]], usize)| {
        process_split(&input, &Split::Fixed(300).sizes(6000), p);
    };
    // Gain: glide to -6 dB at 48 kHz, re-prepare at 96 kHz; a fresh stage at 96 kHz set to the
    // same gain and reset. Then both glide to -12 dB.
    let mut used = GainStage::new(48_000.0, 10.0);
    used.set_gain_db(-6.0);
    warm_up(&mut |ch, _| used.process(ch));
    no_alloc(|| used.prepare(96_000.0, 512));
    let mut fresh = GainStage::new(96_000.0, 10.0);
    fresh.set_gain_db(-6.0);
    fresh.reset();
    let mut outs = Vec::new();
    for g in [&mut used, &mut fresh] {
        g.set_gain_db(-12.0);
        assert_eq!(g.latency(), 0);
        outs.push(process_split(&input, &sizes, |ch, _| g.process(ch)));
    }
    assert_outputs_match(&outs[0], &outs[1], 0.0, "gain stage");
    assert_ne!(outs[0], input.to_vec());

    // Panner and width: mid-glide at 44.1 kHz, then prepared at 96 kHz.
    let mut used = (Panner::new(44_100.0), StereoWidth::new(44_100.0));
    used.0.set_pan(0.7);
    used.1.set_width_percent(30.0);
    warm_up(&mut |ch, _| {
        let [l, r] = ch else { unreachable!() };
        used.0.process(l, r);
        used.1.process(l, r);
    });
    no_alloc(|| {
        used.0.prepare(96_000.0, 512);
        used.1.prepare(96_000.0, 512);
    });
    let mut fresh = (Panner::new(96_000.0), StereoWidth::new(96_000.0));
    fresh.0.set_pan(0.7);
    fresh.1.set_width_percent(30.0);
    fresh.0.reset();
    fresh.1.reset();
    let mut outs = Vec::new();
    for (p, w) in [&mut used, &mut fresh] {
        p.set_pan(-0.4);
        w.set_width_percent(150.0);
        assert_eq!((p.latency(), w.latency()), (0, 0));
        outs.push(process_split(&input, &sizes, |ch, _| {
            let [l, r] = ch else { unreachable!() };
            p.process(l, r);
            w.process(l, r);
        }));
    }
    assert_outputs_match(&outs[0], &outs[1], 0.0, "pan and width");

    // Correlation meter: the history is forgotten.
    let mut used = CorrelationMeter::new(48_000.0);
    used.process(&input[0], &input[0]);
    no_alloc(|| used.prepare(96_000.0, 512));
    let mut fresh = CorrelationMeter::new(96_000.0);
    used.process(&input[0], &input[1]);
    fresh.process(&input[0], &input[1]);
    assert_eq!(used.correlation(), fresh.correlation());
    assert_eq!(used.latency(), 0);
}

#[test]
fn bypass_prepare_keeps_latency_and_reports_it() {
    let x = white(4000, 43, 0.5);
    let mut b = Bypass::new(1, 64, 100, 48_000.0);
    b.set_latency(37);
    b.set_bypassed(true);
    let mut y = x.clone();
    b.process(&mut [&mut y[..]], |_| {});
    // Re-prepared for longer blocks at another rate: still bypassed, same latency, dry delay
    // cleared, and blocks up to the new size go through `capture_dry` whole.
    b.prepare(96_000.0, 1024);
    assert_eq!((b.latency(), b.max_block()), (37, 1024));
    let mut y = x.clone();
    b.capture_dry(&[&y[..1024]]);
    b.apply(&mut [&mut y[..1024]]);
    assert!(y[..37].iter().all(|&v| v == 0.0));
    assert_eq!(&y[37..1024], &x[..1024 - 37]);
}
