//! Host-free tests of the Channel Strip engine, section by section against references:
//! analytic filter responses, the compressor's static curve (Giannoulis, Massberg & Reiss, JAES
//! 2012, soft-knee gain computer), time constants from steps at 44.1/96/192 kHz, gate range,
//! ratio and hold, exact pan-law gains, width, external/internal keying, the neutral null,
//! click-free automation of every parameter, block-split invariance, bad input, presets and
//! no allocation on the audio path.

use lathe_channel::engine::{ChannelEngine, ChannelSettings, Order, PassSettings};
use lathe_channel::params::ChannelParams;
use lathe_channel::presets::{PRESETS, apply_offline, holds, resolve};
use nice_plug::prelude::Params;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use shared_dsp::dynamics::DetectorMode;
use shared_dsp::filter::{BandParams, ButterworthFilter, PassKind, analog_response_db};
use shared_dsp::stereo::PanLaw;
use std::f64::consts::PI;
use test_support::no_alloc as assert_no_alloc;

// nice-plug's `assert_process_allocs` installs nice_assert_no_alloc's allocator for this binary;
// `test_support::no_alloc` checks through that same crate, so it aborts on any allocation in the
// engine (the `assert_no_alloc` crate used before keeps its own counter and checked nothing).

const MAX_BLOCK: usize = 1024;

fn sine(freq: f64, amp: f64, sr: f32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (amp * (2.0 * PI * freq * i as f64 / sr as f64).sin()) as f32)
        .collect()
}

fn db(x: f64) -> f64 {
    20.0 * x.max(1e-30).log10()
}

/// Runs a stereo (or mono) signal through `engine` in blocks of `block` frames.
fn run(engine: &mut ChannelEngine, input: &[Vec<f32>], block: usize) -> Vec<Vec<f32>> {
    run_keyed(engine, input, None, block)
}

fn run_keyed(
    engine: &mut ChannelEngine,
    input: &[Vec<f32>],
    key: Option<&[Vec<f32>]>,
    block: usize,
) -> Vec<Vec<f32>> {
    let mut out: Vec<Vec<f32>> = input.to_vec();
    let n = input[0].len();
    let mut start = 0;
    while start < n {
        let end = (start + block).min(n);
        let nch = out.len();
        let (a, b) = out.split_at_mut(1.min(nch));
        let mut chans: Vec<&mut [f32]> = vec![&mut a[0][start..end]];
        if let Some(r) = b.first_mut() {
            chans.push(&mut r[start..end]);
        }
        let keys: Option<Vec<&[f32]>> = key.map(|k| k.iter().map(|c| &c[start..end]).collect());
        assert_no_alloc(|| engine.process_with_sidechain(&mut chans, keys.as_deref()));
        start = end;
    }
    out
}

fn engine_with(settings: &ChannelSettings, channels: usize, sr: f32) -> ChannelEngine {
    let mut e = ChannelEngine::new(channels, sr, MAX_BLOCK);
    e.set_settings(settings);
    e.reset();
    e
}

/// Amplitude of the `freq` component of `x[skip..]` (Hann-windowed lock-in).
fn tone_amplitude(x: &[f32], freq: f64, sr: f32, skip: usize) -> f64 {
    let x = &x[skip..];
    let n = x.len();
    let (mut re, mut im, mut wsum) = (0.0f64, 0.0f64, 0.0f64);
    for (i, &v) in x.iter().enumerate() {
        let w = 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos();
        let ph = 2.0 * PI * freq * (i + skip) as f64 / sr as f64;
        re += w * v as f64 * ph.cos();
        im += w * v as f64 * ph.sin();
        wsum += w;
    }
    2.0 * (re * re + im * im).sqrt() / wsum
}

fn pass(on: bool, freq_hz: f32, order: u8) -> PassSettings {
    PassSettings { on, freq_hz, order }
}

#[test]
fn filters_match_their_analytic_responses() {
    // Bilinear Butterworth prewarped at the corner: |H|² = 1 / (1 + (t/tc)^(±2n)),
    // t = tan(π f / fs).
    let mut worst = 0.0f64;
    for &sr in &[44_100.0f32, 96_000.0, 192_000.0] {
        for &(hp_on, fc, order) in &[(true, 120.0f32, 4u8), (true, 300.0, 1), (false, 4000.0, 8)] {
            let s = ChannelSettings {
                high_pass: pass(hp_on, fc, order),
                low_pass: pass(!hp_on, fc, order),
                ..ChannelSettings::default()
            };
            let tc = (PI * fc as f64 / sr as f64).tan();
            for &f in &[
                fc as f64 * 0.5,
                fc as f64 * 0.8,
                fc as f64,
                fc as f64 * 1.5,
                fc as f64 * 3.0,
            ] {
                let n = (sr * 0.25) as usize;
                let x = sine(f, 0.5, sr, n);
                let mut e = engine_with(&s, 1, sr);
                let y = run(&mut e, &[x], 512);
                let got = db(tone_amplitude(&y[0], f, sr, n / 2) / 0.5);
                let t = (PI * f / sr as f64).tan();
                let u = if hp_on { tc / t } else { t / tc };
                let want = -10.0 * (1.0 + u.powi(2 * order as i32)).log10();
                if want > -60.0 {
                    let err = (got - want).abs();
                    worst = worst.max(err);
                    assert!(
                        err < 0.05,
                        "{sr} Hz, {} {fc} Hz order {order}, at {f:.1} Hz: {got:.3} dB vs {want:.3}",
                        if hp_on { "HP" } else { "LP" }
                    );
                }
            }
        }
    }
    println!("filters: worst deviation from the analytic Butterworth response {worst:.4} dB");
}

#[test]
fn eq_bands_match_their_analog_prototypes() {
    let bands = [
        BandParams::low_shelf(150.0, 6.0, 0.707),
        BandParams::bell(700.0, -9.0, 2.0),
        BandParams::bell(2500.0, 12.0, 0.7),
        BandParams::high_shelf(6000.0, -6.0, 0.707),
    ];
    let s = ChannelSettings {
        eq_on: true,
        eq: bands,
        ..ChannelSettings::default()
    };
    let mut worst = 0.0f64;
    for &sr in &[44_100.0f32, 96_000.0] {
        for &f in &[60.0, 150.0, 400.0, 700.0, 1500.0, 2500.0, 5000.0, 10_000.0] {
            let n = (sr * 0.2) as usize;
            let x = sine(f, 0.1, sr, n);
            let mut e = engine_with(&s, 1, sr);
            let y = run(&mut e, &[x], 333);
            let got = db(tone_amplitude(&y[0], f, sr, n / 2) / 0.1);
            let want: f64 = bands.iter().map(|b| analog_response_db(b, f)).sum();
            let err = (got - want).abs();
            worst = worst.max(err);
            // Matched design: within 0.1 dB of analog up to 5 kHz, 0.5 dB above (SPEC: 0.5 dB at
            // 15 kHz/44.1 kHz).
            let tol = if f <= 5000.0 { 0.1 } else { 0.5 };
            assert!(
                err < tol,
                "{sr} Hz, {f} Hz: {got:.3} dB vs analog {want:.3}"
            );
        }
    }
    println!("EQ: worst deviation from the analog prototypes {worst:.4} dB");
}

/// The soft-knee static curve, written out from Giannoulis, Massberg & Reiss (2012).
fn reference_curve(x: f64, t: f64, r: f64, w: f64) -> f64 {
    let slope = if r.is_infinite() { 0.0 } else { 1.0 / r };
    if 2.0 * (x - t) < -w {
        x
    } else if 2.0 * (x - t).abs() <= w && w > 0.0 {
        x + (slope - 1.0) * (x - t + w / 2.0).powi(2) / (2.0 * w)
    } else {
        t + (x - t) * slope
    }
}

#[test]
fn compressor_static_curve_within_a_tenth_of_a_db() {
    let sr = 44_100.0;
    let mut worst = 0.0f64;
    for &(t, r, w) in &[
        (-20.0f32, 4.0f32, 0.0f32),
        (-20.0, 4.0, 12.0),
        (-30.0, 2.0, 6.0),
        (-12.0, f32::INFINITY, 0.0),
        (-24.0, 8.0, 24.0),
    ] {
        let mut s = ChannelSettings {
            comp_on: true,
            ..ChannelSettings::default()
        };
        s.comp.threshold_db = t;
        s.comp.ratio = r;
        s.comp.knee_db = w;
        s.comp.attack_ms = 0.5;
        s.comp.release_ms = 5000.0;
        s.comp.detector = DetectorMode::Peak;
        let mut level = -44.0;
        while level <= 0.0 {
            let amp = 10f64.powf(level / 20.0);
            let n = (sr * 0.15) as usize;
            let x = sine(1000.0, amp, sr, n);
            let mut e = engine_with(&s, 1, sr);
            let y = run(&mut e, &[x], 512);
            let got = db(tone_amplitude(&y[0], 1000.0, sr, n / 2));
            let want = reference_curve(level, t as f64, r as f64, w as f64);
            let err = (got - want).abs();
            worst = worst.max(err);
            assert!(
                err < 0.1,
                "T {t} R {r} W {w}: in {level} dB -> {got:.3} dB, curve {want:.3}"
            );
            level += 4.0;
        }
    }
    println!("compressor static curve: worst deviation {worst:.4} dB");
}

/// Gain reduction (dB) per sample of a DC program through `engine`.
fn dc_gain_reduction(engine: &mut ChannelEngine, dc: &[f32], key: Option<&[Vec<f32>]>) -> Vec<f64> {
    let y = run_keyed(engine, &[dc.to_vec()], key, 256);
    y[0].iter()
        .zip(dc)
        .map(|(&o, &i)| -db(o as f64 / i as f64))
        .collect()
}

/// Index at which `gr` first crosses `level` going the given way, with linear interpolation.
fn crossing(gr: &[f64], from: usize, level: f64, rising: bool) -> f64 {
    for i in from + 1..gr.len() {
        let (a, b) = (gr[i - 1], gr[i]);
        if (rising && a < level && b >= level) || (!rising && a > level && b <= level) {
            return (i - 1) as f64 + (level - a) / (b - a);
        }
    }
    f64::NAN
}

#[test]
fn compressor_attack_and_release_time_constants_at_three_rates() {
    for &sr in &[44_100.0f32, 96_000.0, 192_000.0] {
        let mut s = ChannelSettings {
            comp_on: true,
            ..ChannelSettings::default()
        };
        s.comp.threshold_db = -30.0;
        s.comp.ratio = f32::INFINITY;
        s.comp.knee_db = 0.0;
        s.comp.attack_ms = 10.0;
        s.comp.release_ms = 100.0;
        let n1 = (sr * 0.1) as usize;
        let n2 = (sr * 0.4) as usize;
        let n3 = (sr * 0.8) as usize;
        // DC steps: -40 dBFS (below), -10 dBFS (20 dB over: 20 dB reduction at ∞:1), -40.
        let lo = 10f32.powf(-40.0 / 20.0);
        let hi = 10f32.powf(-10.0 / 20.0);
        let dc: Vec<f32> = (0..n1 + n2 + n3)
            .map(|i| if i >= n1 && i < n1 + n2 { hi } else { lo })
            .collect();
        let mut e = engine_with(&s, 1, sr);
        let gr = dc_gain_reduction(&mut e, &dc, None);
        let full = gr[n1 + n2 - 1];
        assert!((full - 20.0).abs() < 0.01, "{sr}: settled reduction {full}");
        let attack = crossing(&gr, n1, full * (1.0 - (-1.0f64).exp()), true) - (n1 as f64 - 1.0);
        let attack_ms = attack / sr as f64 * 1000.0;
        let release =
            crossing(&gr, n1 + n2, full * (-1.0f64).exp(), false) - (n1 + n2) as f64 + 1.0;
        let release_ms = release / sr as f64 * 1000.0;
        println!("{sr} Hz: attack {attack_ms:.3} ms (10), release {release_ms:.3} ms (100)");
        assert!(
            (attack_ms - 10.0).abs() < 0.1,
            "{sr}: attack {attack_ms} ms"
        );
        assert!(
            (release_ms - 100.0).abs() < 1.0,
            "{sr}: release {release_ms} ms"
        );
    }
}

#[test]
fn gate_range_ratio_and_hold_measured() {
    for &sr in &[44_100.0f32, 96_000.0, 192_000.0] {
        let mut s = ChannelSettings {
            gate_on: true,
            gate_external: true,
            ..ChannelSettings::default()
        };
        s.gate.threshold_db = -40.0;
        s.gate.range_db = 30.0;
        s.gate.ratio = f32::INFINITY;
        s.gate.attack_ms = 0.5;
        s.gate.hold_ms = 50.0;
        s.gate.release_ms = 5.0;
        s.gate.hysteresis_db = 3.0;
        let n1 = (sr * 0.2) as usize;
        let n2 = (sr * 0.4) as usize;
        let program = vec![0.1f32; n1 + n2];
        // Key: -20 dBFS DC, then silence.
        let key_on = 10f32.powf(-20.0 / 20.0);
        let key: Vec<f32> = (0..n1 + n2)
            .map(|i| if i < n1 { key_on } else { 0.0 })
            .collect();
        let mut e = engine_with(&s, 1, sr);
        let gr = dc_gain_reduction(&mut e, &program, Some(&[key]));
        assert!(
            gr[n1 - 1].abs() < 1e-6,
            "{sr}: open gate reduces {}",
            gr[n1 - 1]
        );
        let closed = gr[n1 + n2 - 1];
        assert!((closed - 30.0).abs() < 0.01, "{sr}: range {closed} dB");
        // The key's peak envelope (10 ms release) falls from -20 dB below the closing level
        // (-43 dB) after 10 ms · ln(10^(23/20)); then the hold; then the release starts.
        let detector_ms = 10.0 * (23.0 / 20.0) * std::f64::consts::LN_10;
        let onset = gr[n1..].iter().position(|&g| g > 1e-3).unwrap() as f64;
        let hold_ms = onset / sr as f64 * 1000.0 - detector_ms;
        println!("{sr} Hz: range {closed:.3} dB, hold {hold_ms:.3} ms (50)");
        assert!((hold_ms - 50.0).abs() < 0.1, "{sr}: hold {hold_ms} ms");
    }
    // Expander: 1:2 below -40 dB; a key 10 dB under the threshold gives 10 dB of reduction.
    let sr = 48_000.0;
    let mut s = ChannelSettings {
        gate_on: true,
        gate_external: true,
        ..ChannelSettings::default()
    };
    s.gate.threshold_db = -40.0;
    s.gate.range_db = 60.0;
    s.gate.ratio = 2.0;
    s.gate.hysteresis_db = 0.0;
    s.gate.release_ms = 10.0;
    let n = (sr * 0.3) as usize;
    let key = vec![10f32.powf(-50.0 / 20.0); n];
    let mut e = engine_with(&s, 1, sr);
    let gr = dc_gain_reduction(&mut e, &vec![0.1; n], Some(&[key]));
    println!("expander 1:2, key 10 dB under: {:.4} dB", gr[n - 1]);
    assert!((gr[n - 1] - 10.0).abs() < 0.01, "expander {}", gr[n - 1]);
}

#[test]
fn pan_law_gains_are_exact_and_width_zero_is_mono() {
    let sr = 48_000.0;
    let n = 2000;
    for (law, centre_db) in [
        (PanLaw::Minus3Db, -3.0103),
        (PanLaw::Minus4_5Db, -4.5154),
        (PanLaw::Minus6Db, -6.0206),
    ] {
        // The laws as defined (Rumsey): -3 dB sin/cos, -6 dB linear, -4.5 dB their geometric mean.
        let law_gains = |p: f64| -> (f64, f64) {
            let pw = (((1.0 - p) * PI / 4.0).sin(), ((1.0 + p) * PI / 4.0).sin());
            let li = ((1.0 - p) / 2.0, (1.0 + p) / 2.0);
            match law {
                PanLaw::Minus3Db => pw,
                PanLaw::Minus6Db => li,
                PanLaw::Minus4_5Db => ((pw.0 * li.0).sqrt(), (pw.1 * li.1).sqrt()),
            }
        };
        let c = law_gains(0.0);
        assert!((db(c.0) - centre_db).abs() < 1e-3);
        for &p in &[-1.0, -0.6, -0.25, 0.0, 0.3, 0.75, 1.0] {
            let s = ChannelSettings {
                pan: p as f32,
                pan_law: law,
                ..ChannelSettings::default()
            };
            let mut e = engine_with(&s, 2, sr);
            let y = run(&mut e, &[vec![0.5; n], vec![0.5; n]], 256);
            // A stereo track is balanced: each side follows the law normalised to 0 dB at the
            // centre, never above 0 dB.
            let g = law_gains(p);
            let want = ((g.0 / c.0).min(1.0), (g.1 / c.1).min(1.0));
            let got = (y[0][n - 1] as f64 / 0.5, y[1][n - 1] as f64 / 0.5);
            assert!(
                (got.0 - want.0).abs() < 1e-6 && (got.1 - want.1).abs() < 1e-6,
                "{law:?} pan {p}: {got:?} vs {want:?}"
            );
        }
    }
    // Width 0 %: identical channels; 200 %: side doubled; mono check: identical.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let l: Vec<f32> = (0..n).map(|_| rng.random_range(-0.5..0.5f32)).collect();
    let r: Vec<f32> = (0..n).map(|_| rng.random_range(-0.5..0.5f32)).collect();
    for (width, mono) in [(0.0, false), (100.0, true)] {
        let s = ChannelSettings {
            width_percent: width,
            mono,
            ..ChannelSettings::default()
        };
        let mut e = engine_with(&s, 2, sr);
        let y = run(&mut e, &[l.clone(), r.clone()], 100);
        assert_eq!(y[0], y[1], "width {width} mono {mono}");
        assert!((y[0][5] - 0.5 * (l[5] + r[5])).abs() < 1e-7);
    }
    let s = ChannelSettings {
        width_percent: 200.0,
        ..ChannelSettings::default()
    };
    let mut e = engine_with(&s, 2, sr);
    let y = run(&mut e, &[l.clone(), r.clone()], 100);
    for i in 0..n {
        let (m, side) = (0.5 * (l[i] + r[i]), 0.5 * (l[i] - r[i]));
        assert!((y[0][i] - (m + 2.0 * side)).abs() < 1e-6);
        assert!((y[1][i] - (m - 2.0 * side)).abs() < 1e-6);
    }
}

#[test]
fn external_sidechain_keys_gate_and_compressor_internal_ignores_it() {
    let sr = 48_000.0;
    let n = (sr * 0.5) as usize;
    let program = sine(200.0, 0.05, sr, n); // -26 dBFS
    let loud_key = sine(1000.0, 0.9, sr, n);
    let silent_key = vec![0.0f32; n];
    let level = |y: &[f32]| db(tone_amplitude(y, 200.0, sr, n / 2) / 0.05);
    // A fresh mono engine with `settings` over the program, keyed by `key`: its output.
    let keyed_run = |settings: &ChannelSettings, key: &Vec<f32>| {
        let mut e = engine_with(settings, 1, sr);
        run_keyed(
            &mut e,
            std::slice::from_ref(&program),
            Some(std::slice::from_ref(key)),
            512,
        )
        .remove(0)
    };

    // Gate, threshold -40: the program alone would open it.
    let mut g = ChannelSettings {
        gate_on: true,
        gate_external: true,
        ..ChannelSettings::default()
    };
    g.gate.threshold_db = -40.0;
    g.gate.range_db = 40.0;
    g.gate.release_ms = 5.0;
    let silent = level(&keyed_run(&g, &silent_key));
    let keyed = level(&keyed_run(&g, &loud_key));
    println!("gate, external key: silent key {silent:.2} dB, loud key {keyed:.2} dB");
    assert!(
        (silent + 40.0).abs() < 0.05,
        "silent key should close by the range: {silent}"
    );
    assert!(keyed.abs() < 0.01, "loud key should open: {keyed}");
    g.gate_external = false;
    let internal = level(&keyed_run(&g, &silent_key));
    assert!(
        internal.abs() < 0.01,
        "internal key ignores the silent sidechain: {internal}"
    );

    // Compressor, threshold -20: the program (-26 dB) alone is not compressed.
    let mut c = ChannelSettings {
        comp_on: true,
        comp_external: true,
        ..ChannelSettings::default()
    };
    c.comp.threshold_db = -20.0;
    c.comp.ratio = 4.0;
    c.comp.knee_db = 0.0;
    let keyed = level(&keyed_run(&c, &loud_key));
    println!("compressor, external loud key: {keyed:.2} dB");
    assert!(
        keyed < -10.0,
        "loud key should compress the quiet program: {keyed}"
    );
    c.comp_external = false;
    let internal = keyed_run(&c, &loud_key);
    let mut e = engine_with(&c, 1, sr);
    let plain = run(&mut e, std::slice::from_ref(&program), 512).remove(0);
    assert_eq!(
        internal, plain,
        "internal keying must ignore the sidechain input"
    );
    assert!(level(&plain).abs() < 0.01);
}

fn neutral_all_on(order: Order) -> ChannelSettings {
    let mut s = ChannelSettings {
        gate_on: true,
        eq_on: true,
        comp_on: true,
        order,
        ..ChannelSettings::default()
    };
    for b in &mut s.eq {
        b.enabled = true;
        b.gain_db = 0.0;
    }
    s.gate.range_db = 0.0;
    s.comp.ratio = 1.0;
    s
}

#[test]
fn neutral_sections_null_against_the_input() {
    let sr = 44_100.0;
    let n = 20_000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let x: Vec<Vec<f32>> = (0..2)
        .map(|_| (0..n).map(|_| rng.random_range(-0.5..0.5f32)).collect())
        .collect();
    let mut worst = 0.0f64;
    for order in [Order::GateEqComp, Order::DynamicsEq, Order::EqDynamics] {
        for channels in [1usize, 2] {
            let s = neutral_all_on(order);
            let mut e = engine_with(&s, channels, sr);
            let y = run(&mut e, &x[..channels], 300);
            for c in 0..channels {
                for i in 0..n {
                    worst = worst.max((y[c][i] - x[c][i]).abs() as f64);
                }
            }
        }
    }
    println!("neutral null: worst difference {:.1} dB", db(worst));
    assert!(db(worst) < -120.0, "residual {} dB", db(worst));
}

/// Program for the automation test: low tones (so a click's high-frequency energy stands out).
fn low_program(sr: f32, n: usize) -> Vec<Vec<f32>> {
    let a = sine(80.0, 0.25, sr, n);
    let b = sine(190.0, 0.2, sr, n);
    vec![
        a.iter().zip(&b).map(|(x, y)| x + y).collect(),
        a.iter().zip(&b).map(|(x, y)| x - 0.5 * y).collect(),
    ]
}

/// Peak of the 4 kHz 4th-order high-passed signal over `range`: a click detector.
fn hf_peak(y: &[Vec<f32>], sr: f32, range: std::ops::Range<usize>) -> f64 {
    let mut peak = 0.0f64;
    for c in y {
        let mut f = ButterworthFilter::new(PassKind::HighPass, 4, 4000.0, sr);
        for (i, &v) in c.iter().enumerate() {
            let h = f.process_sample(v);
            if range.contains(&i) {
                peak = peak.max(h.abs() as f64);
            }
        }
    }
    peak
}

/// Renders with `params` changed from its current values by `set` at frame `at`, in random blocks
/// (split at `at`), the settings read every block as the plugin does.
fn render_with_change(
    params: &ChannelParams,
    set: &[(&str, &str)],
    input: &[Vec<f32>],
    sr: f32,
    at: usize,
    seed: u64,
) -> Vec<Vec<f32>> {
    let mut e = ChannelEngine::new(2, sr, MAX_BLOCK);
    e.set_settings(&params.settings());
    e.reset();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = input.to_vec();
    let n = input[0].len();
    let mut start = 0;
    let mut changed = false;
    while start < n {
        let mut end = (start + rng.random_range(1..700usize)).min(n);
        if !changed && end > at {
            end = at;
        }
        if !changed && start == at {
            set_texts(params, set);
            changed = true;
        }
        let s = params.settings();
        let (l, r) = out.split_at_mut(1);
        assert_no_alloc(|| {
            e.set_settings(&s);
            e.process(&mut [&mut l[0][start..end], &mut r[0][start..end]]);
        });
        start = end;
    }
    out
}

fn set_texts(params: &ChannelParams, set: &[(&str, &str)]) {
    let map = params.param_map();
    for (id, text) in set {
        let (_, ptr, _) = map
            .iter()
            .find(|(pid, _, _)| pid == id)
            .unwrap_or_else(|| panic!("no parameter {id}"));
        // SAFETY: offline, single-threaded.
        unsafe {
            let v = ptr
                .string_to_normalized_value(text)
                .unwrap_or_else(|| panic!("{id}: '{text}' does not parse"));
            ptr._internal_set_normalized_value(v);
        }
    }
}

/// Every section on, working: the base for the automation test.
fn busy_params() -> ChannelParams {
    busy_params_gate(false)
}

/// As [`busy_params`]; `gate_closed`: the gate's threshold above the program, so it is reducing
/// (its range, ratio and threshold then act on the sound).
fn busy_params_gate(gate_closed: bool) -> ChannelParams {
    let p = ChannelParams::default();
    set_texts(
        &p,
        &[
            ("hp_on", "On"),
            ("hp_freq", "30 Hz"),
            ("lp_on", "On"),
            ("lp_freq", "16 kHz"),
            ("gt_on", "On"),
            ("gt_thr", "-70"),
            ("eq_on", "On"),
            ("eq1_gain", "2"),
            ("eq2_gain", "-2"),
            ("eq3_gain", "1"),
            ("eq4_gain", "1"),
            ("cp_on", "On"),
            ("cp_thr", "-20"),
            ("cp_ratio", "4"),
            ("cp_att", "1 ms"),
            ("cp_rel", "50 ms"),
        ],
    );
    if gate_closed {
        set_texts(
            &p,
            &[("gt_thr", "-3"), ("gt_range", "20"), ("gt_ratio", "3")],
        );
    }
    p
}

#[test]
fn automation_of_every_parameter_is_click_free() {
    let sr = 44_100.0;
    let n = (sr * 0.5) as usize;
    let at = (sr * 0.2) as usize + 3;
    let input = low_program(sr, n);
    let fade = (0.01 * sr) as usize;
    // A jump shows at the change or within the first milliseconds of a glide (a one-pole glide
    // moves fastest at its start); the window is the change ± 20 ms, so differences in the
    // settled sound of the two settings (e.g. the auto-release's own modulation while its slow
    // state charges) are not mistaken for a click.
    let window = at - 2 * fade..at + 2 * fade;
    // (id, new value): every parameter of the strip, jumped far.
    let changes: &[(&str, &str)] = &[
        ("trim", "12"),
        ("phl", "On"),
        ("phr", "On"),
        ("hp_on", "Off"),
        ("hp_freq", "400 Hz"),
        ("hp_slope", "48 dB/oct"),
        ("lp_on", "Off"),
        ("lp_freq", "1.5 kHz"),
        ("lp_slope", "36 dB/oct"),
        ("gt_on", "Off"),
        ("gt_thr", "-5"),
        ("gt_range", "10"),
        ("gt_ratio", "2"),
        ("gt_att", "20 ms"),
        ("gt_hold", "300 ms"),
        ("gt_rel", "1 s"),
        ("gt_schp", "1 kHz"),
        ("gt_key", "Sidechain"),
        ("eq_on", "Off"),
        ("eq1_type", "Bell"),
        ("eq1_on", "Off"),
        ("eq1_freq", "90 Hz"),
        ("eq1_gain", "15"),
        ("eq1_q", "6"),
        ("eq2_freq", "150 Hz"),
        ("eq2_gain", "-15"),
        ("eq2_q", "0.2"),
        ("eq3_gain", "18"),
        ("eq4_type", "Bell"),
        ("eq4_gain", "-18"),
        ("order", "EQ > Dynamics"),
        ("cp_on", "Off"),
        ("cp_thr", "-45"),
        ("cp_ratio", "∞:1"),
        ("cp_knee", "24"),
        ("cp_att", "0.05 ms"),
        ("cp_rel", "5 ms"),
        ("cp_auto", "On"),
        ("cp_det", "RMS"),
        ("cp_link", "0"),
        ("cp_schp", "500 Hz"),
        ("cp_ext", "Sidechain"),
        ("cp_makeup", "On"),
        ("cp_gain", "12"),
        ("cp_mix", "0"),
        ("pan", "R100"),
        ("pan_law", "-6 dB"),
        ("width", "0"),
        ("mono", "On"),
        ("out", "-20"),
        ("bypass", "On"),
    ];
    let mut report = Vec::new();
    let mut failures = Vec::new();
    // The gate's settings again with the gate reducing (closed on this program).
    let gate_changes: &[(&str, &str)] = &[
        ("gt_on", "Off"),
        ("gt_thr", "-60"),
        ("gt_range", "60"),
        ("gt_ratio", "∞"),
        ("gt_att", "20 ms"),
        ("gt_hold", "0 ms"),
        ("gt_rel", "5 ms"),
        ("gt_schp", "1 kHz"),
        ("gt_key", "Sidechain"),
    ];
    let all = changes
        .iter()
        .map(|c| (c, false))
        .chain(gate_changes.iter().map(|c| (c, true)));
    for (i, (&(id, value), gate_closed)) in all.enumerate() {
        let busy_params = || busy_params_gate(gate_closed);
        let p = busy_params();
        let stepped = render_with_change(&p, &[(id, value)], &input, sr, at, i as u64);
        // Reference: the steady renders before and after, crossfaded linearly over 10 ms.
        let p_a = busy_params();
        let a = render_with_change(&p_a, &[], &input, sr, n, 99);
        let p_b = busy_params();
        set_texts(&p_b, &[(id, value)]);
        let b = render_with_change(&p_b, &[], &input, sr, n, 99);
        let reference: Vec<Vec<f32>> = (0..2)
            .map(|c| {
                (0..n)
                    .map(|k| {
                        let m = ((k as f32 - at as f32) / fade as f32).clamp(0.0, 1.0);
                        a[c][k] + m * (b[c][k] - a[c][k])
                    })
                    .collect()
            })
            .collect();
        let got = hf_peak(&stepped, sr, window.clone());
        let want = hf_peak(&reference, sr, window.clone());
        let tag = if gate_closed { " (gate closed)" } else { "" };
        report.push(format!(
            "{id}{tag}: {:.1} dB (ref {:.1})",
            db(got),
            db(want)
        ));
        if got > 2.0 * want + 1e-4 {
            failures.push(format!(
                "{id} -> {value}: click {:.1} dB above the smooth reference's {:.1} dB",
                db(got),
                db(want)
            ));
        }
    }
    println!("high-frequency peak after each jump: {}", report.join(", "));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn any_block_split_gives_the_same_output() {
    let sr = 48_000.0;
    let n = 30_000;
    let input = low_program(sr, n);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let noisy: Vec<Vec<f32>> = input
        .iter()
        .map(|c| {
            c.iter()
                .map(|&x| x + rng.random_range(-0.1..0.1f32))
                .collect()
        })
        .collect();
    let p = busy_params();
    let whole = {
        let mut e = ChannelEngine::new(2, sr, 8192);
        e.set_settings(&p.settings());
        e.reset();
        run(&mut e, &noisy, 8192)
    };
    for block in [1usize, 7, 64, 1000] {
        let mut e = ChannelEngine::new(2, sr, MAX_BLOCK);
        e.set_settings(&p.settings());
        e.reset();
        let split = run(&mut e, &noisy, block);
        let diff = (0..2)
            .flat_map(|c| (0..n).map(move |i| (c, i)))
            .map(|(c, i)| (whole[c][i] - split[c][i]).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-6, "block {block}: differs by {diff}");
    }
}

/// A host may deliver more frames than it declared (the framework's JACK standalone declares 512
/// and then sends 1,024-frame periods): the strip, prepared for 512, takes blocks of 1,024 and
/// 4,096 (keyed by a sidechain, with sections switching off and on, so their crossfades run on a
/// long block) without panicking or allocating, with the output of 512-frame blocks.
#[test]
fn blocks_longer_than_prepared_run_in_prepared_chunks() {
    let sr = 48_000.0;
    let n = 12_288;
    let input = low_program(sr, n);
    let key: Vec<Vec<f32>> = input
        .iter()
        .map(|c| c.iter().map(|x| x * 0.5).collect())
        .collect();
    let on = busy_params().settings();
    let mut off = on;
    off.gate_on = false;
    off.comp_on = false;
    off.eq_on = false;
    let render = |block: usize| {
        let mut e = ChannelEngine::new(2, sr, 512);
        e.set_settings(&on);
        e.reset();
        let mut out = Vec::new();
        // Sections off at 4,096 and on again at 8,192: both are block boundaries at every size.
        for (part, settings) in [(0..4096, &on), (4096..8192, &off), (8192..n, &on)] {
            e.set_settings(settings);
            let x: Vec<Vec<f32>> = input.iter().map(|c| c[part.clone()].to_vec()).collect();
            let k: Vec<Vec<f32>> = key.iter().map(|c| c[part.clone()].to_vec()).collect();
            out.push(run_keyed(&mut e, &x, Some(&k), block));
        }
        (0..2)
            .map(|c| out.iter().flat_map(|o| o[c].iter().copied()).collect())
            .collect::<Vec<Vec<f32>>>()
    };
    let reference = render(512);
    for block in [1024, 4096] {
        let long = render(block);
        let diff = (0..2)
            .flat_map(|c| (0..n).map(move |i| (c, i)))
            .map(|(c, i)| (reference[c][i] - long[c][i]).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-6, "block {block}: differs by {diff}");
    }
}

#[test]
fn nan_and_inf_input_never_poison_the_strip() {
    let sr = 48_000.0;
    let n = 20_000;
    let mut input = low_program(sr, n);
    input[0][5000..5010].fill(f32::NAN);
    input[1][5000..5010].fill(f32::INFINITY);
    let p = busy_params();
    let mut e = engine_with(&p.settings(), 2, sr);
    let y = run(&mut e, &input, 512);
    assert!(y.iter().flatten().all(|v| v.is_finite()));
    let clean = {
        let mut e = engine_with(&p.settings(), 2, sr);
        run(&mut e, &low_program(sr, n), 512)
    };
    // One block after the burst the output is sound again (finite, not silent, near the clean).
    let late = &y[0][15_000..];
    assert!(late.iter().any(|v| v.abs() > 0.05));
    let diff = late
        .iter()
        .zip(&clean[0][15_000..])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 0.05, "recovered output differs by {diff}");
    // Subnormal input never reaches the output.
    let mut e = engine_with(&p.settings(), 2, sr);
    let tiny = vec![vec![1e-39f32; 4096], vec![-1e-40f32; 4096]];
    let y = run(&mut e, &tiny, 512);
    assert!(y.iter().flatten().all(|v| *v == 0.0 || v.is_normal()));
}

/// The editor's preset caption: the parameters hold exactly the preset applied last, and no other;
/// one edit and they hold none.
#[test]
fn parameters_hold_the_preset_applied_and_no_other() {
    let p = ChannelParams::default();
    for (i, preset) in PRESETS.iter().enumerate() {
        apply_offline(&p, preset).unwrap();
        for (j, other) in PRESETS.iter().enumerate() {
            let values = resolve(&p, other).unwrap();
            assert_eq!(
                holds(&values),
                i == j,
                "{} applied, {} held?",
                preset.name,
                other.name
            );
        }
    }
    let vocal = PRESETS.iter().find(|q| q.name == "Vocal").unwrap();
    apply_offline(&p, vocal).unwrap();
    let ptr = p
        .param_map()
        .into_iter()
        .find(|(id, ..)| id == "cp_thr")
        .unwrap()
        .1;
    // SAFETY: offline, nothing else touches the parameters.
    unsafe { ptr._internal_set_normalized_value(ptr.unmodulated_normalized_value() + 0.01) };
    assert!(
        !holds(&resolve(&p, vocal).unwrap()),
        "an edited preset is not held"
    );
}

#[test]
fn every_preset_is_valid_and_changes_the_sound() {
    let sr = 48_000.0;
    let n = 24_000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let input: Vec<Vec<f32>> = (0..2)
        .map(|_| (0..n).map(|_| rng.random_range(-0.3..0.3f32)).collect())
        .collect();
    let clean = {
        let p = ChannelParams::default();
        apply_offline(&p, &PRESETS[0]).unwrap();
        let mut e = engine_with(&p.settings(), 2, sr);
        let y = run(&mut e, &input, 512);
        assert_eq!(y, input, "the Clean preset is transparent");
        y
    };
    let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
    for wanted in [
        "Clean",
        "Vocal",
        "Kick",
        "Snare",
        "Bass",
        "Acoustic Guitar",
        "Drum Bus",
    ] {
        assert!(names.contains(&wanted), "missing preset {wanted}");
    }
    for preset in &PRESETS[1..] {
        let p = ChannelParams::default();
        apply_offline(&p, preset).unwrap_or_else(|e| panic!("{e}"));
        // Every value it names landed (the text parsed to what it says).
        for (id, text) in preset.values {
            let map = p.param_map();
            let (_, ptr, _) = map.iter().find(|(pid, _, _)| pid == id).unwrap();
            let want = unsafe { ptr.string_to_normalized_value(text) }.unwrap();
            let got = unsafe { ptr.unmodulated_normalized_value() };
            assert!((want - got).abs() < 1e-6, "{}: {id}", preset.name);
        }
        let mut e = engine_with(&p.settings(), 2, sr);
        let y = run(&mut e, &input, 512);
        let diff = (0..n)
            .map(|i| (y[0][i] - clean[0][i]).abs())
            .fold(0.0f32, f32::max);
        assert!(diff > 0.01, "{} does not change the output", preset.name);
        assert!(y.iter().flatten().all(|v| v.is_finite()));
    }
}

#[test]
fn host_bypass_returns_the_input_exactly() {
    // Bypassed the strip returns the input exactly (zero latency).
    let sr = 48_000.0;
    let n = 10_000;
    let input = low_program(sr, n);
    let mut s = busy_params().settings();
    s.bypass = true;
    let mut e = engine_with(&s, 2, sr);
    let y = run(&mut e, &input, 256);
    assert_eq!(y, input);
}

#[test]
fn every_rate_from_22k_to_384k_gives_the_same_tone_gain() {
    // Every section on; a steady 1 kHz tone below the compressor's threshold: the strip's gain
    // is the filters' and EQ's, which derive from the rate (analog-matched), so it must agree.
    let p = busy_params();
    let mut gains = Vec::new();
    for sr in [22_050.0f32, 44_100.0, 96_000.0, 384_000.0] {
        let n = (sr * 0.3) as usize;
        let x = sine(1000.0, 0.02, sr, n);
        let mut e = engine_with(&p.settings(), 2, sr);
        let y = run(&mut e, &[x.clone(), x], 512);
        assert!(y.iter().flatten().all(|v| v.is_finite()));
        gains.push(db(tone_amplitude(&y[0], 1000.0, sr, n / 2) / 0.02));
    }
    println!("1 kHz gain at 22.05/44.1/96/384 kHz: {gains:.3?} dB");
    for g in &gains {
        assert!((g - gains[1]).abs() < 0.05, "{gains:?}");
    }
}

#[test]
fn order_change_with_one_dynamics_section_is_seamless() {
    // Only the compressor in: the order makes no difference, so changing it must not dip.
    let sr = 48_000.0;
    let n = 9600;
    let input = low_program(sr, n);
    let p = ChannelParams::default();
    set_texts(&p, &[("cp_on", "On"), ("cp_thr", "-20")]);
    let steady = render_with_change(&p, &[], &input, sr, n, 1);
    let p = ChannelParams::default();
    set_texts(&p, &[("cp_on", "On"), ("cp_thr", "-20")]);
    let changed = render_with_change(&p, &[("order", "EQ > Dynamics")], &input, sr, 4000, 1);
    assert_eq!(steady, changed);
}
