//! Reference tests of the Lathe filters: measured magnitude (FFT of the impulse response via
//! `realfft`, and steady sines) against the analytic `response_db` and the analog prototype at
//! several sample rates; block-split, reset and SIMD/scalar equivalences; a fast sweep against an
//! 8×-finer reference; NaN recovery; no allocation; no subnormal output.

use shared_dsp::filter::{
    BandParams, BandType, ButterworthFilter, ChainScratch, EqBank, PassKind, Placement,
    analog_response_db,
};
use test_support::blocks::{assert_outputs_match, assert_split_invariant, process_split};
use test_support::measure::{magnitude_db, max_abs_diff, max_step, peak, rms};
use test_support::signals::{white, white_stereo};
use test_support::{Split, no_alloc};

/// Magnitude in dB at every bin of the FFT of `h`.
fn spectrum_db(h: &[f32]) -> Vec<f64> {
    magnitude_db(h, h.len())
}

fn one_band(p: BandParams, fs: f32) -> EqBank {
    let mut bank = EqBank::new(1);
    bank.prepare(fs, 1024);
    bank.set_band(0, p);
    bank.reset();
    bank
}

fn impulse_response(bank: &mut EqBank, n: usize) -> Vec<f32> {
    let mut l = vec![0.0f32; n];
    l[0] = 1.0;
    let mut r = l.clone();
    bank.process_stereo(&mut l, &mut r);
    assert_eq!(l, r, "stereo lanes differ");
    l
}

fn all_types(f0: f32) -> Vec<BandParams> {
    let mut v = vec![
        BandParams::bell(f0, 9.0, 1.5),
        BandParams::bell(f0, -15.0, 4.0),
        BandParams::low_shelf(f0, 8.0, 0.707),
        BandParams::low_shelf(f0, -12.0, 1.0),
        BandParams::high_shelf(f0, -9.0, 0.707),
        BandParams::high_shelf(f0, 12.0, 0.5),
        BandParams::new(BandType::Notch, f0, 0.0, 2.0),
        BandParams::new(BandType::BandPass, f0, 0.0, 1.0),
        BandParams::new(BandType::Tilt, f0, 6.0, 1.0),
        BandParams::new(BandType::Tilt, f0, -4.0, 1.0),
        BandParams::new(BandType::AllPass, f0, 0.0, 1.0),
    ];
    for order in [1, 2, 3, 4, 8, 16] {
        v.push(BandParams::high_pass(f0, order));
        v.push(BandParams::low_pass(f0, order));
    }
    v
}

/// Impulse-response FFT vs analytic `response_db`, every type, four rates. Where the analytic
/// response is below −100 dB the measurement only has to be at least −90 dB deep.
#[test]
fn measured_response_matches_analytic_at_all_rates() {
    let n = 1 << 15;
    let mut worst = 0.0f64;
    for fs in [44_100.0f32, 48_000.0, 96_000.0, 192_000.0] {
        for p in all_types(1000.0) {
            let mut bank = one_band(p, fs);
            let h = impulse_response(&mut bank, n);
            let spec = spectrum_db(&h);
            for (bin, &m) in spec.iter().enumerate().skip(1) {
                let f = bin as f64 * fs as f64 / n as f64;
                if !(20.0..=0.45 * fs as f64).contains(&f) || bin % 7 != 0 {
                    continue;
                }
                let a = bank.band_response_db(0, f);
                if a < -100.0 {
                    assert!(m < -90.0, "{p:?} fs {fs} f {f}: {m} not deep ({a})");
                    continue;
                }
                let e = (m - a).abs();
                if a > -60.0 {
                    worst = worst.max(e);
                }
                // f32 output rounding limits the measurement of deep stop bands.
                let tol = if a > -60.0 { 0.01 } else { 0.5 };
                assert!(e < tol, "{p:?} fs {fs} f {f}: measured {m} analytic {a}");
            }
        }
    }
    println!("worst |measured - analytic| = {worst:.2e} dB");
}

/// The digital response against the analog prototype: where the analog curve is far from
/// Nyquist they must coincide; bells near Nyquist at 44.1 kHz are measured at 15 kHz.
#[test]
fn measured_response_follows_analog_prototype() {
    let n = 1 << 15;
    for fs in [44_100.0f32, 48_000.0, 96_000.0, 192_000.0] {
        for p in all_types(1000.0) {
            if p.kind == BandType::LowPass || p.kind == BandType::Notch {
                // Bilinear low-pass cramps to −∞ at Nyquist by design; the notch is exact at f0.
                continue;
            }
            let mut bank = one_band(p, fs);
            let spec = spectrum_db(&impulse_response(&mut bank, n));
            for f in [50.0, 200.0, 1000.0, 3000.0] {
                let bin = (f * n as f64 / fs as f64).round() as usize;
                let fb = bin as f64 * fs as f64 / n as f64;
                let a = analog_response_db(&p, fb);
                if a < -100.0 {
                    continue;
                }
                let tol = if fs < 90_000.0 { 0.15 } else { 0.03 };
                assert!(
                    (spec[bin] - a).abs() < tol,
                    "{p:?} fs {fs} f {fb}: {} vs analog {a}",
                    spec[bin]
                );
            }
        }
    }
    // Bells at f0 = 10–16 kHz, 44.1 kHz: measured at 15 kHz against the analog prototype.
    let fs = 44_100.0f32;
    let mut worst = (0.0f64, BandParams::default());
    for f0 in [10_000.0, 12_000.0, 14_000.0, 16_000.0] {
        for q in [0.707, 2.0, 6.0] {
            for g in [-12.0, 6.0, 12.0] {
                let p = BandParams::bell(f0, g, q);
                let mut bank = one_band(p, fs);
                let spec = spectrum_db(&impulse_response(&mut bank, n));
                let bin = (15_000.0 * n as f64 / fs as f64).round() as usize;
                let fb = bin as f64 * fs as f64 / n as f64;
                let e = (spec[bin] - analog_response_db(&p, fb)).abs();
                if e > worst.0 {
                    worst = (e, p);
                }
            }
        }
    }
    println!(
        "bells 10–16 kHz at 44.1 kHz: worst |measured − analog| at 15 kHz = {:.3} dB ({:?})",
        worst.0, worst.1
    );
    assert!(worst.0 < 0.5, "{worst:?}");
}

/// RMS of a steady sine through `f`, in dB relative to the input, after `settle` samples.
fn sine_gain_db(
    f: &mut dyn FnMut(f32) -> f32,
    freq: f64,
    fs: f64,
    settle: usize,
    measure: usize,
) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / fs;
    let mut acc = 0.0f64;
    let mut acc_in = 0.0f64;
    for i in 0..settle + measure {
        let x = (w * i as f64).sin() as f32 * 0.5;
        let y = f(x);
        if i >= settle {
            acc += (y as f64).powi(2);
            acc_in += (x as f64).powi(2);
        }
    }
    10.0 * (acc / acc_in).log10()
}

/// A 20 Hz high-pass at 384 kHz keeps its precision (f64 state in the SVF): steady sines at
/// 20/40/100 Hz against the analytic response within 0.1 dB, for the plain filter and the bank.
#[test]
fn high_pass_20_hz_at_384_khz_is_precise() {
    let fs = 384_000.0;
    for order in [2usize, 4, 8] {
        for freq in [20.0, 40.0, 100.0] {
            let period = (fs / freq) as usize;
            let measure = period * (fs as usize / 2 / period);
            let mut hp = ButterworthFilter::new(PassKind::HighPass, order, 20.0, fs as f32);
            let expect = hp.response_db(freq);
            let analog = hp.analog_response_db(freq);
            let got = sine_gain_db(
                &mut |x| hp.process_sample(x),
                freq,
                fs,
                fs as usize / 2,
                measure,
            );
            assert!(
                (got - expect).abs() < 0.1,
                "order {order} {freq} Hz: {got} vs {expect}"
            );
            assert!(
                (expect - analog).abs() < 0.01,
                "order {order} {freq} Hz: {expect} vs analog {analog}"
            );
            let mut bank = one_band(BandParams::high_pass(20.0, order as u8), fs as f32);
            let mut one = [0.0f32];
            let got_bank = sine_gain_db(
                &mut |x| {
                    one[0] = x;
                    bank.process_mono(&mut one);
                    one[0]
                },
                freq,
                fs,
                fs as usize / 2,
                measure,
            );
            assert!(
                (got_bank - expect).abs() < 0.1,
                "bank order {order} {freq} Hz: {got_bank} vs {expect}"
            );
        }
    }
}

fn busy_bank(fs: f32) -> EqBank {
    let mut bank = EqBank::new(8);
    bank.prepare(fs, 512);
    bank.set_band(0, BandParams::high_pass(30.0, 4));
    bank.set_band(1, BandParams::low_shelf(120.0, 3.0, 0.707));
    bank.set_band(
        2,
        BandParams::bell(400.0, -4.0, 2.0).with_placement(Placement::Mid),
    );
    bank.set_band(
        3,
        BandParams::bell(2500.0, 5.0, 1.0).with_placement(Placement::Side),
    );
    bank.set_band(
        4,
        BandParams::bell(6000.0, -3.0, 4.0).with_placement(Placement::Left),
    );
    bank.set_band(
        5,
        BandParams::high_shelf(9000.0, 2.0, 0.707).with_placement(Placement::Right),
    );
    bank.set_band(6, BandParams::new(BandType::Tilt, 1000.0, 1.5, 1.0));
    bank.set_band(7, BandParams::low_pass(18_000.0, 3));
    bank.reset();
    bank
}

/// Parameter changes applied after the first second (glides, a type change, a band switched on).
fn automate(bank: &mut EqBank) {
    bank.set_band(
        2,
        BandParams::bell(800.0, 6.0, 0.5).with_placement(Placement::Mid),
    );
    bank.set_band(4, BandParams::new(BandType::Notch, 5000.0, 0.0, 3.0));
    bank.set_band(7, BandParams::low_pass(12_000.0, 8));
}

/// Runs `bank` over a copy of stereo `input` in blocks of `split`, calling `change` on it at the
/// middle sample (a block boundary at every split), allocation forbidden.
fn run_split(
    bank: &mut EqBank,
    input: &[Vec<f32>],
    split: &Split,
    change: fn(&mut EqBank),
) -> Vec<Vec<f32>> {
    let half = input[0].len() / 2;
    let sizes = split.sizes_cut_at(input[0].len(), &[half]);
    process_split(input, &sizes, |ch, pos| {
        if pos == half {
            change(bank);
        }
        let [l, r] = ch else { unreachable!() };
        bank.process_stereo(l, r);
    })
}

/// Per-sample, per-block and random block splits give bit-identical output, including while
/// parameters glide and a band changes type; reset() reproduces the first run.
#[test]
fn block_splits_and_reset_are_bit_identical() {
    let fs = 48_000.0;
    let n = 24_000;
    let input = white_stereo(n, 1, 0.5);
    let splits = [
        Split::Whole,
        Split::PER_SAMPLE,
        Split::Random { seed: 7, max: 700 },
    ];
    let whole = assert_split_invariant(&input, &splits, &[n / 2], 0.0, || {
        let mut bank = busy_bank(fs);
        move |ch: &mut [&mut [f32]], pos: usize| {
            if pos == n / 2 {
                automate(&mut bank);
            }
            let [l, r] = ch else { unreachable!() };
            bank.process_stereo(l, r);
        }
    });
    // reset() reproduces the first run (with the first-run parameters restored).
    let mut bank2 = busy_bank(fs);
    let first = run_split(&mut bank2, &input, &Split::Fixed(256), automate);
    let fresh = busy_bank(fs);
    for i in 0..fresh.num_bands() {
        bank2.set_band(i, fresh.band(i));
    }
    bank2.reset();
    let second = run_split(&mut bank2, &input, &Split::Fixed(256), automate);
    assert_outputs_match(&first, &second, 0.0, "reset run");
    assert_outputs_match(&first, &whole, 0.0, "256-frame blocks vs whole");
    // The processed signal is not the input (the test could fail).
    assert!(whole[0] != input[0]);
    // Stereo-only bands (the two-frame fast paths), with a glide.
    let glide = |bank: &mut EqBank| bank.set_band(3, BandParams::bell(2000.0, 6.0, 3.0));
    let a = run_split(&mut stereo_bank(fs), &input, &Split::PER_SAMPLE, glide);
    let b = run_split(
        &mut stereo_bank(fs),
        &input,
        &Split::Random { seed: 8, max: 300 },
        glide,
    );
    assert_outputs_match(&a, &b, 0.0, "stereo-only bank: random split");
    assert!(a[0] != input[0]);
}

/// Eight stereo bands only: exercises the two-frame static and ramping fast paths.
fn stereo_bank(fs: f32) -> EqBank {
    let mut bank = EqBank::new(8);
    bank.prepare(fs, 512);
    for i in 0..8 {
        let f = 60.0 * 2.2f32.powi(i as i32);
        bank.set_band(
            i,
            BandParams::bell(f, if i % 2 == 0 { 3.0 } else { -2.0 }, 1.0),
        );
    }
    bank.reset();
    bank
}

/// The SIMD (two-lane) path and the scalar per-channel path give identical output, with every
/// kind of band (mid/side/left/right, fading, ramping) and with stereo-only bands (fast paths).
#[test]
fn simd_equals_scalar() {
    simd_equals_scalar_with(busy_bank);
    simd_equals_scalar_with(stereo_bank);
}

fn simd_equals_scalar_with(make: fn(f32) -> EqBank) {
    let fs = 44_100.0;
    let n = 20_000;
    let in_l = white(n, 3, 0.7);
    let in_r = white(n, 4, 0.7);
    let (mut a_l, mut a_r) = (in_l.clone(), in_r.clone());
    let (mut b_l, mut b_r) = (in_l.clone(), in_r.clone());
    let mut a = make(fs);
    let mut b = make(fs);
    for (i, chunk) in (0..n).step_by(1000).enumerate() {
        if i == 10 {
            automate(&mut a);
            automate(&mut b);
        }
        if i == 14 {
            a.set_band(1, BandParams::bell(300.0, 5.0, 2.0));
            b.set_band(1, BandParams::bell(300.0, 5.0, 2.0));
        }
        let e = (chunk + 1000).min(n);
        a.process_stereo(&mut a_l[chunk..e], &mut a_r[chunk..e]);
        b.process_stereo_scalar(&mut b_l[chunk..e], &mut b_r[chunk..e]);
    }
    let max_diff = max_abs_diff(&a_l, &b_l).max(max_abs_diff(&a_r, &b_r));
    assert!(max_diff == 0.0, "SIMD vs scalar differ by {max_diff}");
}

/// The fused, pipelined cascade a steady bank runs (where the CPU has AVX2 and FMA) and the
/// two-lane path differ only by the rounding of fused multiply-adds: far below one `f32` step
/// of the output, through the same automation as above.
#[test]
fn fused_cascade_matches_the_two_lane_path() {
    for make in [busy_bank as fn(f32) -> EqBank, stereo_bank] {
        let fs = 44_100.0;
        let n = 20_000;
        let in_l = white(n, 5, 0.7);
        let in_r = white(n, 6, 0.7);
        let (mut a_l, mut a_r) = (in_l.clone(), in_r.clone());
        let (mut b_l, mut b_r) = (in_l.clone(), in_r.clone());
        let mut a = make(fs);
        let mut b = make(fs);
        a.set_fused_cascade(true);
        b.set_fused_cascade(false);
        for (i, chunk) in (0..n).step_by(1000).enumerate() {
            if i == 10 {
                automate(&mut a);
                automate(&mut b);
            }
            let e = (chunk + 1000).min(n);
            a.process_stereo(&mut a_l[chunk..e], &mut a_r[chunk..e]);
            b.process_stereo(&mut b_l[chunk..e], &mut b_r[chunk..e]);
        }
        let max_diff = max_abs_diff(&a_l, &b_l).max(max_abs_diff(&a_r, &b_r));
        assert!(max_diff <= 1e-6, "fused vs two-lane differ by {max_diff}");
        assert!(a_l != in_l);
    }
}

/// Mid/side: a mid band on a centred (L = R) signal acts like a stereo band; a side band leaves it
/// untouched; left/right bands touch only their channel.
#[test]
fn placements_route_correctly() {
    let fs = 48_000.0;
    let x = white(8192, 5, 0.5);
    let p = BandParams::bell(1000.0, 9.0, 1.0);
    let run = |placement: Placement, l_in: &[f32], r_in: &[f32]| {
        let mut bank = one_band(p.with_placement(placement), fs);
        let (mut l, mut r) = (l_in.to_vec(), r_in.to_vec());
        bank.process_stereo(&mut l, &mut r);
        (l, r)
    };
    let (sl, sr) = run(Placement::Stereo, &x, &x);
    let (ml, mr) = run(Placement::Mid, &x, &x);
    let d = max_abs_diff(&sl, &ml);
    assert!(d < 1e-6, "mid vs stereo on centred signal: {d}");
    assert_eq!(ml, mr);
    let (sdl, sdr) = run(Placement::Side, &x, &x);
    assert_eq!(sdl, x);
    assert_eq!(sdr, x);
    let (ll, lr) = run(Placement::Left, &x, &x);
    assert_eq!(ll, sl);
    assert_eq!(lr, x);
    let (rl, rr) = run(Placement::Right, &x, &x);
    assert_eq!(rl, x);
    assert_eq!(rr, sr);
    // Side band on an anti-phase signal (L = −R, pure side) acts like the stereo band.
    let neg: Vec<f32> = x.iter().map(|v| -v).collect();
    let (al, _) = run(Placement::Side, &x, &neg);
    let d = max_abs_diff(&sl, &al);
    assert!(d < 1e-6, "side vs stereo on anti-phase signal: {d}");
}

/// Largest sample-to-sample jump of the difference between two signals, and the RMS of the
/// difference relative to the RMS of `b`, in dB.
fn sweep(interval: usize, smoothing_ms: f32, x: &[f32], fs: f32) -> Vec<f32> {
    let mut bank = EqBank::new(1);
    bank.prepare(fs, 64);
    bank.set_design_interval(interval);
    bank.set_smoothing_ms(smoothing_ms);
    bank.set_band(0, BandParams::bell(20.0, 12.0, 2.0));
    bank.reset();
    let mut out = x.to_vec();
    let block = 64;
    let n = out.len();
    let mut pos = 0;
    while pos < n {
        // 20 Hz → 20 kHz exponentially in 1 s, set once per host block.
        let t = pos as f32 / fs;
        bank.set_band(
            0,
            BandParams::bell(20.0 * 1000f32.powf(t.min(1.0)), 12.0, 2.0),
        );
        let e = (pos + block).min(n);
        let mut r = out[pos..e].to_vec();
        bank.process_stereo(&mut out[pos..e], &mut r);
        pos = e;
    }
    out
}

/// A bell (+12 dB, Q 2) swept 20 Hz → 20 kHz in 1 s on noise: the default design interval (32
/// samples, coefficients interpolated per sample) against a reference re-designed 8× more often
/// (every 4 samples). The difference must be far below the signal and the largest
/// sample-to-sample step must not exceed the reference's.
#[test]
fn fast_sweep_is_click_free() {
    let fs = 48_000.0;
    let x = white(48_000, 9, 0.25);
    let fast = sweep(32, 20.0, &x, fs);
    let fine = sweep(4, 20.0, &x, fs);
    let (s_fast, s_fine) = (max_step(&fast), max_step(&fine));
    // The largest jump of the difference signal: a click would show as a spike here.
    let diff: Vec<f32> = fast.iter().zip(&fine).map(|(a, b)| a - b).collect();
    let rel_db = 20.0 * (rms(&diff) / rms(&fine)).log10();
    let diff_step = max_step(&diff);
    println!(
        "sweep: max step {s_fast:.4} (reference {s_fine:.4}); difference {rel_db:.1} dB re signal, max diff step {diff_step:.2e}"
    );
    assert!(s_fast <= s_fine * 1.01 + 1e-4, "{s_fast} vs {s_fine}");
    assert!(rel_db < -60.0, "{rel_db}");
    assert!(fast.iter().all(|v| v.is_finite()));
}

/// NaN and infinity in the input: no NaN/inf out, and the next block is normal again.
#[test]
fn nan_input_recovers_within_a_block() {
    let fs = 48_000.0;
    let mut bank = busy_bank(fs);
    let mut mono = ButterworthFilter::new(PassKind::HighPass, 4, 80.0, fs);
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut l = white(512, 11, 0.5);
        let mut r = white(512, 12, 0.5);
        l[100] = bad;
        r[300] = bad;
        bank.process_stereo(&mut l, &mut r);
        assert!(l.iter().chain(&r).all(|v| v.is_finite()));
        let mut l2 = white(512, 13, 0.5);
        let mut r2 = white(512, 14, 0.5);
        bank.process_stereo(&mut l2, &mut r2);
        assert!(l2.iter().chain(&r2).all(|v| v.is_finite()));
        let energy: f32 = l2.iter().chain(&r2).map(|v| v * v).sum();
        assert!(energy > 1.0, "bank output dead after {bad}: {energy}");
        let mut m = white(256, 15, 0.5);
        m[10] = bad;
        mono.process(&mut m);
        assert!(m.iter().all(|v| v.is_finite()));
        let mut m2 = white(256, 16, 0.5);
        mono.process(&mut m2);
        assert!(m2.iter().all(|v| v.is_finite()) && m2.iter().map(|v| v * v).sum::<f32>() > 1.0);
    }
}

/// process/reset/set_band never allocate (assert_no_alloc), and the output after an impulse
/// decaying into long silence is never subnormal.
#[test]
fn no_allocation_and_no_subnormal_output() {
    let fs = 96_000.0;
    let mut bank = busy_bank(fs);
    let mut hp = ButterworthFilter::new(PassKind::HighPass, 8, 20.0, fs);
    let mut l = vec![0.0f32; 4096];
    let mut r = vec![0.0f32; 4096];
    let mut m = vec![0.0f32; 4096];
    l[0] = 1.0;
    r[0] = -1.0;
    m[0] = 1.0;
    no_alloc(|| {
        for blk in 0..200 {
            if blk == 50 {
                bank.set_band(3, BandParams::bell(3000.0, -6.0, 3.0));
                hp.set_cutoff_hz(40.0);
                hp.set_order(5);
            }
            bank.process_stereo(&mut l, &mut r);
            bank.process_mono(&mut m);
            hp.process(&mut m);
            for v in l.iter().chain(&r).chain(&m) {
                assert!(*v == 0.0 || v.is_normal(), "subnormal/NaN output {v:e}");
            }
            if blk == 0 {
                l.fill(0.0);
                r.fill(0.0);
                m.fill(0.0);
            }
        }
        bank.reset();
        hp.reset();
        let mut chans: [&mut [f32]; 2] = [&mut l[..], &mut r[..]];
        bank.process(&mut chans);
    });
    // Tiny inputs (subnormal-range f32) give zero or normal output.
    let mut bank = busy_bank(fs);
    let mut l: Vec<f32> = (0..2048).map(|i| 1e-39 * ((i % 5) as f32 - 2.0)).collect();
    let mut r = l.clone();
    bank.process_stereo(&mut l, &mut r);
    assert!(l.iter().chain(&r).all(|v| *v == 0.0 || v.is_normal()));
}

/// The bank's summed response is the sum (in dB) of its bands, and a band's response equals a
/// single-band bank's measured response.
#[test]
fn bank_response_is_sum_of_bands() {
    let bank = busy_bank(48_000.0);
    for f in [30.0, 100.0, 1000.0, 5000.0, 15_000.0] {
        let sum: f64 = (0..8).map(|i| bank.band_response_db(i, f)).sum();
        assert!((bank.response_db(f) - sum).abs() < 1e-9);
        let analog: f64 = (0..8).map(|i| bank.band_analog_response_db(i, f)).sum();
        assert!((bank.analog_response_db(f) - analog).abs() < 1e-9);
    }
}

/// Three banks chained through `EqBank::process_chain` (one fused cascade while all are steady)
/// give what processing them one after another gives, up to the `f32` rounding the chain skips
/// between banks, and fall back to bank-by-bank processing while one of them glides.
#[test]
fn chained_banks_match_bank_by_bank() {
    let fs = 48_000.0;
    let make = || {
        let mut hp = one_band(BandParams::high_pass(60.0, 4), fs);
        let lp = one_band(BandParams::low_pass(14_000.0, 8), fs);
        let mut eq = EqBank::new(3);
        eq.prepare(fs, 512);
        eq.set_band(0, BandParams::low_shelf(120.0, 2.0, 0.707));
        eq.set_band(1, BandParams::bell(400.0, -3.0, 1.2));
        eq.set_band(2, BandParams::bell(3000.0, 2.5, 1.0));
        eq.reset();
        hp.reset();
        [hp, lp, eq]
    };
    let (mut a, mut b) = (make(), make());
    let mut scratch = ChainScratch::new(4 + 4 + 3);
    let (l0, r0) = (white(48_000, 11, 0.5), white(48_000, 12, 0.5));
    let (mut l1, mut r1) = (l0.clone(), r0.clone());
    let (mut l2, mut r2) = (l0.clone(), r0.clone());
    for (k, ((cl1, cr1), (cl2, cr2))) in l1
        .chunks_mut(512)
        .zip(r1.chunks_mut(512))
        .zip(l2.chunks_mut(512).zip(r2.chunks_mut(512)))
        .enumerate()
    {
        if k == 40 {
            // A glide in the middle bank: the chain must fall back, then resume.
            a[1].set_band(0, BandParams::low_pass(9_000.0, 8));
            b[1].set_band(0, BandParams::low_pass(9_000.0, 8));
        }
        let [x, y, z] = &mut a;
        EqBank::process_chain(
            &mut [Some(x), None, Some(y), Some(z)],
            cl1,
            cr1,
            &mut scratch,
        );
        for bank in &mut b {
            bank.process_stereo(cl2, cr2);
        }
    }
    let peak = peak(&l2).max(peak(&r2));
    let worst = max_abs_diff(&l1, &l2).max(max_abs_diff(&r1, &r2));
    assert!(peak > 0.1, "{peak}");
    assert!(worst < 1e-6 * peak, "worst {worst} of {peak}");
    // Not a wire: the chain filtered.
    assert!(l1.iter().zip(&l0).any(|(x, y)| (x - y).abs() > 0.01));
}

/// Lifecycle: `prepare(sample_rate, max_block)` on a used filter equals a filter built fresh at
/// that rate (state cleared, coefficients redesigned), without allocating; no latency.
#[test]
fn butterworth_prepare_equals_a_fresh_filter() {
    let x = white(5000, 17, 0.5);
    let mut used = ButterworthFilter::new(PassKind::LowPass, 6, 3000.0, 44_100.0);
    let mut warm = x.clone();
    used.process(&mut warm);
    no_alloc(|| used.prepare(96_000.0, 512));
    let mut fresh = ButterworthFilter::new(PassKind::LowPass, 6, 3000.0, 96_000.0);
    let sizes = Split::Random { seed: 18, max: 512 }.sizes(x.len());
    let a = process_split(&[&x], &sizes, |ch, _| used.process(ch[0]));
    let b = process_split(&[&x], &sizes, |ch, _| fresh.process(ch[0]));
    assert_outputs_match(&a, &b, 0.0, "prepared vs fresh");
    assert!(a[0] != x);
    assert_eq!(used.latency(), 0);
}
