//! Reference tests of the dynamics blocks (compressor, gate/expander) against their analytic
//! definitions: static curves measured on steady sines, time constants measured on level steps at
//! several sample rates, hold and range of the gate, external keying, stereo link, block-split
//! invariance, reset, NaN recovery, subnormal-free output, lookahead latency, and no allocation
//! on the audio path.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use shared_dsp::dynamics::gate::GATE_PEAK_RELEASE_MS;
use shared_dsp::dynamics::{
    Compressor, CompressorParams, DetectorMode, ExpanderCurve, Gate, GateParams,
};
use std::f64::consts::PI;
use test_support::no_alloc as assert_no_alloc;

fn sine(amp: f64, freq: f64, sr: f64, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (amp * (2.0 * PI * freq * i as f64 / sr).sin()) as f32)
        .collect()
}

/// Sine-calibrated level (RMS + 3.01 dB) in dB.
fn level_db(x: &[f32]) -> f64 {
    let ms = x.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / x.len() as f64;
    10.0 * (2.0 * ms).log10()
}

/// Processes `channels` through `f` in blocks of `block`, inside `assert_no_alloc`.
fn run_blocks<F: FnMut(&mut [&mut [f32]], usize, usize)>(
    channels: &mut [Vec<f32>],
    block: usize,
    mut f: F,
) {
    let n = channels[0].len();
    let mut start = 0;
    while start < n {
        let end = (start + block).min(n);
        let mut slices: Vec<&mut [f32]> = channels.iter_mut().map(|c| &mut c[start..end]).collect();
        assert_no_alloc(|| f(&mut slices, start, end));
        start = end;
    }
}

fn compress_mono(comp: &mut Compressor, x: &[f32], block: usize) -> Vec<f32> {
    let mut ch = vec![x.to_vec()];
    run_blocks(&mut ch, block, |s, _, _| comp.process(s, None));
    ch.pop().unwrap()
}

#[test]
fn compressor_static_curve_matches_steady_sines() {
    let sr = 48_000.0;
    let settings = [
        (-20.0f32, 4.0f32, 0.0f32),
        (-20.0, f32::INFINITY, 0.0),
        (-24.0, 3.0, 12.0),
        (-10.0, 2.0, 6.0),
        (-30.0, 10.0, 24.0),
        (-18.0, f32::INFINITY, 12.0),
    ];
    let mut worst = 0.0f64;
    for mode in [DetectorMode::Peak, DetectorMode::Rms] {
        for &(threshold_db, ratio, knee_db) in &settings {
            let p = CompressorParams {
                threshold_db,
                ratio,
                knee_db,
                detector: mode,
                // Peak: near-instant attack and slow release hold the reduction at the peaks'
                // value with little ripple. RMS: 20 ms window, ripple ≈ ±0.02 dB at 1 kHz.
                attack_ms: if mode == DetectorMode::Peak {
                    0.05
                } else {
                    5.0
                },
                release_ms: if mode == DetectorMode::Peak {
                    1000.0
                } else {
                    50.0
                },
                rms_window_ms: 20.0,
                ..Default::default()
            };
            let mut comp = Compressor::new(1, sr, 512);
            for level in (-40..=0).step_by(4) {
                let level = level as f64;
                comp.set_params(&p);
                assert_no_alloc(|| comp.reset());
                let x = sine(10f64.powf(level / 20.0), 1000.0, sr as f64, 36_000);
                let y = compress_mono(&mut comp, &x, 512);
                // Last 0.25 s: a whole number of periods.
                let tail = 12_000;
                let measured = level_db(&y[y.len() - tail..]) - level_db(&x[x.len() - tail..]);
                let curve = p.curve();
                let expected = (curve.output_db(level as f32) - level as f32) as f64;
                let err = (measured - expected).abs();
                worst = worst.max(err);
                assert!(
                    err < 0.1,
                    "{mode:?} T {threshold_db} R {ratio} W {knee_db} at {level} dB: \
                     gain {measured:.3} dB, curve {expected:.3} dB"
                );
            }
        }
    }
    println!("static curve worst error {worst:.4} dB");
}

/// Samples until `gr` covers 63.2 % of the step from `from` to `to`.
fn samples_to_63(gr: &[f64], from: f64, to: f64) -> usize {
    let goal = from + (to - from) * (1.0 - (-1.0f64).exp());
    gr.iter()
        .position(|&g| if to > from { g >= goal } else { g <= goal })
        .expect("never reached 63 %")
        + 1
}

#[test]
fn compressor_attack_and_release_are_time_constants_at_all_rates() {
    // DC steps -40 dBFS → 0 dBFS → -40 dBFS with a hard ∞:1 curve at -20 dBFS: the reduction
    // steps 0 → 20 dB → 0, and the time to 63.2 % of it is the time constant.
    let mut report = Vec::new();
    for sr in [44_100.0f32, 96_000.0, 192_000.0] {
        for (attack_ms, release_ms) in [(0.5f32, 20.0f32), (5.0, 200.0), (50.0, 1000.0)] {
            let p = CompressorParams {
                threshold_db: -20.0,
                ratio: f32::INFINITY,
                knee_db: 0.0,
                attack_ms,
                release_ms,
                ..Default::default()
            };
            let mut comp = Compressor::new(1, sr, 4096);
            comp.set_params(&p);
            let high = (release_ms.max(attack_ms) * 0.001 * sr * 10.0) as usize;
            let mut x = vec![0.01f32; 1000];
            x.extend(std::iter::repeat_n(1.0f32, high));
            x.extend(std::iter::repeat_n(0.01f32, high));
            let y = compress_mono(&mut comp, &x, 4096);
            let gr: Vec<f64> = x
                .iter()
                .zip(&y)
                .map(|(&a, &b)| -20.0 * (b as f64 / a as f64).log10())
                .collect();
            let n_att = samples_to_63(&gr[1000..1000 + high], 0.0, 20.0) as f32;
            let n_rel = samples_to_63(&gr[1000 + high..], 20.0, 0.0) as f32;
            let att_err = (n_att - attack_ms * 0.001 * sr).abs();
            let rel_err = (n_rel - release_ms * 0.001 * sr).abs();
            report.push(format!(
                "{sr} Hz: attack {:.4} ms (set {attack_ms}), release {:.3} ms (set {release_ms})",
                n_att / sr * 1000.0,
                n_rel / sr * 1000.0
            ));
            // One sample of quantisation, plus 1 %.
            assert!(att_err <= 1.0 + 0.01 * attack_ms * 0.001 * sr, "{report:?}");
            assert!(
                rel_err <= 1.0 + 0.01 * release_ms * 0.001 * sr,
                "{report:?}"
            );
        }
    }
    println!("{}", report.join("\n"));
}

#[test]
fn compressor_auto_release_depends_on_the_program() {
    use shared_dsp::dynamics::ballistics::{AUTO_FAST_RELEASE_MS, AUTO_SLOW_RELEASE_MS};
    let sr = 48_000.0f32;
    let p = CompressorParams {
        threshold_db: -20.0,
        ratio: f32::INFINITY,
        knee_db: 0.0,
        attack_ms: 0.1,
        release_ms: 5000.0, // ignored in auto mode
        auto_release: true,
        ..Default::default()
    };
    let mut times = Vec::new();
    for burst_ms in [10.0f32, 3000.0] {
        let mut comp = Compressor::new(1, sr, 1024);
        comp.set_params(&p);
        let burst = (burst_ms * 0.001 * sr) as usize;
        let mut x = vec![1.0f32; burst];
        x.extend(std::iter::repeat_n(0.01f32, 5 * sr as usize));
        let y = compress_mono(&mut comp, &x, 1024);
        let gr: Vec<f64> = x
            .iter()
            .zip(&y)
            .map(|(&a, &b)| -20.0 * (b as f64 / a as f64).log10())
            .collect();
        let start = gr[burst - 1];
        times.push(samples_to_63(&gr[burst..], start, 0.0) as f32 / sr * 1000.0);
    }
    println!(
        "auto release: after 10 ms burst {:.1} ms, after 3 s {:.1} ms",
        times[0], times[1]
    );
    assert!(times[0] < 1.2 * AUTO_FAST_RELEASE_MS, "{times:?}");
    assert!(
        (times[1] - AUTO_SLOW_RELEASE_MS).abs() < 0.1 * AUTO_SLOW_RELEASE_MS,
        "{times:?}"
    );
}

#[test]
fn gate_holds_then_releases_to_the_range() {
    for sr in [44_100.0f32, 96_000.0] {
        let p = GateParams {
            threshold_db: -30.0,
            range_db: 60.0,
            ratio: f32::INFINITY,
            attack_ms: 0.1,
            hold_ms: 50.0,
            release_ms: 20.0,
            hysteresis_db: 3.0,
            ..Default::default()
        };
        let mut gate = Gate::new(1, sr, 256);
        gate.set_params(&p);
        let on = (0.2 * sr) as usize;
        let total = on + sr as usize;
        // External DC key: 0.5 then silence; program: steady DC 0.5.
        let key: Vec<f32> = (0..total).map(|i| if i < on { 0.5 } else { 0.0 }).collect();
        let mut prog = vec![vec![0.5f32; total]];
        run_blocks(&mut prog, 256, |s, a, b| {
            gate.process(s, Some(&[&key[a..b]]))
        });
        let gr: Vec<f64> = prog[0]
            .iter()
            .map(|&y| -20.0 * (y as f64 / 0.5).log10())
            .collect();
        // Open during the key (after the first opening).
        assert!(gr[on / 2..on].iter().all(|&g| g.abs() < 1e-4));
        // The peak envelope falls below threshold - hysteresis after k_c samples ...
        let a = (-1.0 / (GATE_PEAK_RELEASE_MS as f64 * 0.001 * sr as f64)).exp();
        let close_lin = 10f64.powf((-30.0 - 3.0) / 20.0);
        let k_c = (0..).find(|&k| 0.5 * a.powi(k) < close_lin).unwrap() as usize;
        let hold = (0.050 * sr as f64).round() as usize;
        let expected = on + k_c + hold;
        let first = gr[on..].iter().position(|&g| g > 1e-3).unwrap() + on;
        println!(
            "{sr} Hz: key off at {on}, below threshold at +{k_c}, release starts at +{} \
             (expected +{})",
            first - on,
            expected - on
        );
        assert!(first.abs_diff(expected) <= 2, "{first} vs {expected}");
        // Then it releases to exactly -range.
        let end = *gr.last().unwrap();
        assert!((end - 60.0).abs() < 0.01, "{end}");
        assert!((gate.gain_reduction_db() - 60.0).abs() < 0.01);
        // Release time constant: 63.2 % of the 60 dB after 20 ms.
        let n_rel = samples_to_63(&gr[first - 1..], 0.0, 60.0) as f32;
        assert!((n_rel - 0.020 * sr).abs() <= 2.0, "{n_rel}");
    }
}

#[test]
fn gate_opens_with_its_attack_time_constant() {
    let sr = 48_000.0f32;
    let p = GateParams {
        threshold_db: -30.0,
        range_db: 40.0,
        attack_ms: 2.0,
        hold_ms: 0.0,
        release_ms: 10.0,
        ..Default::default()
    };
    let mut gate = Gate::new(1, sr, 64);
    gate.set_params(&p);
    let off = 24_000;
    let x: Vec<f32> = (0..48_000)
        .map(|i| if i < off { 0.001 } else { 0.5 })
        .collect();
    let mut ch = vec![x.clone()];
    run_blocks(&mut ch, 64, |s, _, _| gate.process(s, None));
    let gr: Vec<f64> = ch[0]
        .iter()
        .zip(&x)
        .map(|(&y, &a)| -20.0 * (y as f64 / a as f64).log10())
        .collect();
    assert!((gr[off - 1] - 40.0).abs() < 1e-3);
    let n = samples_to_63(&gr[off..], 40.0, 0.0) as f32;
    assert!((n - 0.002 * sr).abs() <= 1.0, "{n}");
}

#[test]
fn expander_ratio_and_range_on_steady_levels() {
    let sr = 48_000.0f32;
    let p = GateParams {
        threshold_db: -30.0,
        ratio: 2.0,
        range_db: 40.0,
        hysteresis_db: 0.0,
        attack_ms: 1.0,
        release_ms: 5.0,
        hold_ms: 0.0,
        ..Default::default()
    };
    let curve: ExpanderCurve = p.curve();
    for level in [-20.0f32, -30.0, -35.0, -40.0, -50.0, -80.0] {
        let mut gate = Gate::new(1, sr, 512);
        gate.set_params(&p);
        let amp = 10f32.powf(level / 20.0);
        let mut ch = vec![vec![amp; 24_000]];
        run_blocks(&mut ch, 512, |s, _, _| gate.process(s, None));
        let measured = 20.0 * (ch[0][23_999] / amp).log10();
        let expected = curve.output_db(level) - level;
        assert!(
            (measured - expected).abs() < 0.01,
            "{level}: {measured} vs {expected}"
        );
    }
    assert_eq!(curve.output_db(-50.0), -70.0);
    assert_eq!(curve.output_db(-80.0), -120.0);
}

#[test]
fn external_key_keys_and_internal_ignores_it() {
    let sr = 48_000.0f32;
    let n = 24_000;
    let quiet = sine(0.001, 440.0, sr as f64, n); // -60 dBFS program
    let loud = sine(1.0, 100.0, sr as f64, n); // 0 dBFS key
    let p = CompressorParams {
        threshold_db: -20.0,
        ratio: 4.0,
        knee_db: 0.0,
        attack_ms: 1.0,
        release_ms: 500.0,
        ..Default::default()
    };
    // External: a quiet program is ducked by the curve's reduction at the key's level (15 dB).
    let mut comp = Compressor::new(1, sr, 256);
    comp.set_params(&p);
    let mut ch = vec![quiet.clone()];
    run_blocks(&mut ch, 256, |s, a, b| {
        comp.process(s, Some(&[&loud[a..b]]))
    });
    let gain = level_db(&ch[0][n / 2..]) - level_db(&quiet[n / 2..]);
    assert!((gain + 15.0).abs() < 0.2, "{gain}");
    assert!((comp.gain_reduction_db() - 15.0).abs() < 0.2);
    // Internal: the key is not used, the program is far below threshold.
    let mut comp = Compressor::new(1, sr, 256);
    comp.set_params(&p);
    let mut ch = vec![quiet.clone()];
    run_blocks(&mut ch, 256, |s, _, _| comp.process(s, None));
    assert!(ch[0] == quiet, "internal key: the program was changed");
    assert_eq!(comp.gain_reduction_db(), 0.0);

    // Gate: a loud program with a silent external key is closed; internally it stays open.
    let gp = GateParams {
        threshold_db: -40.0,
        range_db: 50.0,
        release_ms: 10.0,
        ..Default::default()
    };
    let silent = vec![0.0f32; n];
    let mut gate = Gate::new(1, sr, 256);
    gate.set_params(&gp);
    let mut ch = vec![loud.clone()];
    run_blocks(&mut ch, 256, |s, a, b| {
        gate.process(s, Some(&[&silent[a..b]]))
    });
    assert!((gate.gain_reduction_db() - 50.0).abs() < 1e-3);
    let mut gate = Gate::new(1, sr, 256);
    gate.set_params(&gp);
    let mut ch = vec![loud.clone()];
    run_blocks(&mut ch, 256, |s, _, _| gate.process(s, None));
    // Past the first opening (the key starts at a zero crossing), the program is untouched.
    assert!(ch[0][480..] == loud[480..], "internal key: the gate closed");
}

#[test]
fn stereo_link_blends_detector_levels() {
    let sr = 48_000.0f32;
    let n = 48_000;
    // Left 0 dBFS, right -40 dBFS (DC for exact levels); T -50, 2:1 → GR = (L + 50)/2.
    for (link, right_level) in [(0.0f32, -40.0f32), (0.5, -20.0), (1.0, 0.0)] {
        let p = CompressorParams {
            threshold_db: -50.0,
            ratio: 2.0,
            knee_db: 0.0,
            attack_ms: 1.0,
            release_ms: 10.0,
            stereo_link: link,
            ..Default::default()
        };
        let mut comp = Compressor::new(2, sr, 1000);
        comp.set_params(&p);
        let mut ch = vec![vec![1.0f32; n], vec![0.01f32; n]];
        run_blocks(&mut ch, 1000, |s, _, _| comp.process(s, None));
        let gr_l = -20.0 * ch[0][n - 1].log10();
        let gr_r = -20.0 * (ch[1][n - 1] / 0.01).log10();
        assert!((gr_l - 25.0).abs() < 1e-3, "link {link}: L {gr_l}");
        let expected_r = (right_level + 50.0) / 2.0;
        assert!((gr_r - expected_r).abs() < 1e-3, "link {link}: R {gr_r}");
        assert!((comp.channel_gain_reduction_db(1) - expected_r).abs() < 1e-3);
    }
    // 100 %: identical gain at every sample on arbitrary stereo material.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let l: Vec<f32> = (0..n)
        .map(|i| rng.random_range(-1.0f32..1.0) * (i as f32 / n as f32))
        .collect();
    let r: Vec<f32> = (0..n).map(|_| rng.random_range(-0.1f32..0.1)).collect();
    // Threshold -15 dBFS, 6 dB knee: the right channel (peaks below -20 dBFS) alone is never
    // compressed, the left (up to 0 dBFS) is.
    let p = CompressorParams {
        threshold_db: -15.0,
        stereo_link: 1.0,
        ..Default::default()
    };
    let mut comp = Compressor::new(2, sr, 512);
    comp.set_params(&p);
    let mut ch = vec![l.clone(), r.clone()];
    run_blocks(&mut ch, 512, |s, _, _| comp.process(s, None));
    for i in 0..n {
        if l[i].abs() > 1e-3 && r[i].abs() > 1e-3 {
            let gl = ch[0][i] as f64 / l[i] as f64;
            let gr = ch[1][i] as f64 / r[i] as f64;
            assert!((gl - gr).abs() < 1e-5 * gl.abs(), "{i}: {gl} vs {gr}");
        }
    }
    // 0 % on the same material: the quiet right channel is left alone (below threshold).
    let p0 = CompressorParams {
        stereo_link: 0.0,
        ..p
    };
    let mut comp = Compressor::new(2, sr, 512);
    comp.set_params(&p0);
    let mut ch = vec![l.clone(), r.clone()];
    run_blocks(&mut ch, 512, |s, _, _| comp.process(s, None));
    assert!(ch[1] == r, "link 0: the quiet channel was touched");
    assert!(ch[0] != l);
}

fn test_program(n: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..2)
        .map(|c| {
            (0..n)
                .map(|i| {
                    // Noise bursts at changing levels: lots of attack and release.
                    let env = if (i / 3000 + c) % 3 == 0 { 0.9 } else { 0.03 };
                    env * rng.random_range(-1.0f32..1.0)
                })
                .collect()
        })
        .collect()
}

fn random_splits(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut cuts = vec![0];
    let mut pos = 0;
    while pos < n {
        let len = if rng.random_range(0..4) == 0 {
            rng.random_range(1..8)
        } else {
            rng.random_range(1..3000)
        };
        pos = (pos + len).min(n);
        cuts.push(pos);
    }
    cuts
}

fn comp_params_full() -> CompressorParams {
    CompressorParams {
        threshold_db: -24.0,
        ratio: 6.0,
        knee_db: 12.0,
        attack_ms: 0.5,
        release_ms: 80.0,
        auto_release: true,
        detector: DetectorMode::Rms,
        rms_window_ms: 5.0,
        stereo_link: 0.6,
        sidechain_hpf_hz: 120.0,
        makeup_db: 2.0,
        auto_makeup: true,
        mix: 0.7,
        lookahead_ms: 1.5,
    }
}

fn gate_params_full() -> GateParams {
    GateParams {
        threshold_db: -25.0,
        range_db: 70.0,
        ratio: 3.0,
        attack_ms: 0.2,
        hold_ms: 15.0,
        release_ms: 40.0,
        hysteresis_db: 4.0,
        detector: DetectorMode::Peak,
        rms_window_ms: 5.0,
        stereo_link: 0.3,
        sidechain_hpf_hz: 80.0,
        lookahead_ms: 2.0,
    }
}

/// Runs compressor and gate over `prog` (with an external key for the gate) split at `cuts`,
/// changing parameters mid-stream at a fixed sample so that smoothing is exercised too.
fn run_split(
    prog: &[Vec<f32>],
    key: &[Vec<f32>],
    cuts: &[usize],
    sr: f32,
    comp_params: fn() -> CompressorParams,
) -> Vec<Vec<f32>> {
    let mut comp = Compressor::new(2, sr, 8192);
    comp.set_params(&comp_params());
    let mut gate = Gate::new(2, sr, 8192);
    gate.set_params(&gate_params_full());
    let mut out = prog.to_vec();
    let change_at = prog[0].len() / 2;
    let mut changed = false;
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if !changed && a >= change_at {
            changed = true;
            let p = CompressorParams {
                mix: 0.2,
                makeup_db: -3.0,
                ..comp_params()
            };
            assert_no_alloc(|| comp.set_params(&p));
        }
        let (l, r) = out.split_at_mut(1);
        let mut slices: [&mut [f32]; 2] = [&mut l[0][a..b], &mut r[0][a..b]];
        let k: [&[f32]; 2] = [&key[0][a..b], &key[1][a..b]];
        assert_no_alloc(|| {
            gate.process(&mut slices, Some(&k));
            comp.process(&mut slices, None);
        });
    }
    out
}

#[test]
fn any_block_split_gives_the_same_output() {
    let sr = 44_100.0;
    let n = 40_000;
    let prog = test_program(n, 1);
    let key = test_program(n, 2);
    // The parameter change is applied at the first block starting at or after n/2: make every
    // split have a cut there.
    // The full settings (auto-release, partial link, sidechain filters, lookahead), and the
    // plain ones whose stereo recursions take the interleaved paths (fixed release, RMS key
    // detected ahead while the ballistics run).
    fn plain() -> CompressorParams {
        CompressorParams {
            auto_release: false,
            stereo_link: 1.0,
            sidechain_hpf_hz: 0.0,
            lookahead_ms: 0.0,
            ..comp_params_full()
        }
    }
    for comp_params in [comp_params_full as fn() -> CompressorParams, plain] {
        let whole = vec![0, n / 2, n];
        let reference = run_split(&prog, &key, &whole, sr, comp_params);
        for seed in 0..4 {
            let mut cuts = random_splits(n, 100 + seed);
            cuts.push(n / 2);
            cuts.sort();
            cuts.dedup();
            let out = run_split(&prog, &key, &cuts, sr, comp_params);
            assert!(out == reference, "split seed {seed} differs");
        }
        assert!(reference.iter().flatten().all(|x| x.is_finite()));
        // The compressor did work: the output is not the gated input scaled by the mix alone.
        assert!(reference[0] != prog[0]);
    }
}

#[test]
fn reset_reproduces_the_first_run() {
    let sr = 48_000.0;
    let n = 20_000;
    let prog = test_program(n, 3);
    let mut comp = Compressor::new(2, sr, 1024);
    comp.set_params(&comp_params_full());
    let mut gate = Gate::new(2, sr, 1024);
    gate.set_params(&gate_params_full());
    let mut first = prog.clone();
    run_blocks(&mut first, 1024, |s, _, _| {
        gate.process(s, None);
        comp.process(s, None);
    });
    assert_no_alloc(|| {
        comp.reset();
        gate.reset();
    });
    let mut second = prog.clone();
    run_blocks(&mut second, 1024, |s, _, _| {
        gate.process(s, None);
        comp.process(s, None);
    });
    assert!(first == second, "reset did not reproduce the first run");
}

#[test]
fn nan_and_inf_input_never_reach_the_output_and_do_not_stick() {
    let sr = 48_000.0;
    let n = 16_384;
    let block = 1024;
    let clean = test_program(n, 4);
    let mut dirty = clean.clone();
    // Bad samples in one block only, in the program and in the key.
    for (j, v) in [f32::NAN, f32::INFINITY, -f32::INFINITY, f32::NAN]
        .into_iter()
        .enumerate()
    {
        dirty[j % 2][4096 + 100 * j] = v;
    }
    // Zeros where the bad samples were: what a sanitised input would have been.
    let mut zeroed = clean.clone();
    for (j, _) in [0, 1, 2, 3].into_iter().enumerate() {
        zeroed[j % 2][4096 + 100 * j] = 0.0;
    }
    let mut outs = Vec::new();
    for input in [&dirty, &zeroed] {
        let mut comp = Compressor::new(2, sr, block);
        comp.set_params(&comp_params_full());
        let mut gate = Gate::new(2, sr, block);
        gate.set_params(&gate_params_full());
        let key = input.clone();
        let mut out = input.clone();
        run_blocks(&mut out, block, |s, a, b| {
            let k: [&[f32]; 2] = [&key[0][a..b], &key[1][a..b]];
            gate.process(s, Some(&k));
            comp.process(s, Some(&k));
        });
        assert!(out.iter().flatten().all(|x| x.is_finite()));
        outs.push(out);
    }
    // From the block after the bad one, the output is exactly what clean input gives.
    for (c, (dirty_out, zeroed_out)) in outs[0].iter().zip(&outs[1]).enumerate() {
        assert!(
            dirty_out[5120..] == zeroed_out[5120..],
            "channel {c} did not recover"
        );
    }
}

#[test]
fn output_is_never_subnormal() {
    let sr = 48_000.0;
    let n = 48_000;
    // A loud burst decaying through the subnormal range, then tiny values and silence.
    let x: Vec<f32> = (0..n)
        .map(|i| {
            if i < 1000 {
                0.9 * ((i as f32) * 0.3).sin()
            } else if i < 30_000 {
                1e-36 * (((i as f32) * 0.1).sin())
            } else {
                f32::MIN_POSITIVE * 0.5
            }
        })
        .collect();
    let mut comp = Compressor::new(1, sr, 512);
    comp.set_params(&comp_params_full());
    let mut gate = Gate::new(1, sr, 512);
    gate.set_params(&GateParams {
        range_db: 80.0,
        ..gate_params_full()
    });
    let mut ch = vec![x];
    run_blocks(&mut ch, 512, |s, _, _| {
        gate.process(s, None);
        comp.process(s, None);
    });
    assert!(ch[0].iter().all(|&y| y == 0.0 || y.is_normal()));
}

#[test]
fn lookahead_is_exact_latency_and_the_gain_moves_first() {
    for sr in [44_100.0f32, 96_000.0] {
        let p = CompressorParams {
            threshold_db: -20.0,
            ratio: f32::INFINITY,
            knee_db: 0.0,
            attack_ms: 0.5,
            release_ms: 100.0,
            lookahead_ms: 5.0,
            ..Default::default()
        };
        let mut comp = Compressor::new(1, sr, 256);
        comp.set_params(&p);
        let lat = comp.latency();
        assert_eq!(lat, (0.005 * sr as f64).round() as usize);
        // A small impulse (below threshold) lands exactly at the latency, unchanged.
        let mut x = vec![0.0f32; 2000];
        x[10] = 0.05;
        let y = compress_mono(&mut comp, &x, 256);
        assert_eq!(y.iter().position(|&v| v != 0.0), Some(10 + lat));
        assert_eq!(y[10 + lat], 0.05);
        // A step: by the time it comes out the reduction has had `lat` samples of attack.
        assert_no_alloc(|| comp.reset());
        let x: Vec<f32> = (0..4000)
            .map(|i| if i < 1000 { 0.0 } else { 1.0 })
            .collect();
        let y = compress_mono(&mut comp, &x, 256);
        let gr_first = -20.0 * (y[1000 + lat] as f64).log10();
        assert!(gr_first > 19.0, "{gr_first}"); // 10 time constants of attack: ~20 dB
        let mut gate = Gate::new(1, sr, 256);
        gate.set_params(&GateParams {
            lookahead_ms: 2.0,
            ..Default::default()
        });
        assert_eq!(gate.latency(), (0.002 * sr as f64).round() as usize);
    }
}

#[test]
fn mix_blends_dry_and_compressed() {
    let sr = 48_000.0;
    let n = 24_000;
    for mix in [0.0f32, 0.5, 1.0] {
        let p = CompressorParams {
            threshold_db: -20.0,
            ratio: f32::INFINITY,
            knee_db: 0.0,
            attack_ms: 1.0,
            release_ms: 10.0,
            makeup_db: 6.0,
            mix,
            ..Default::default()
        };
        let mut comp = Compressor::new(1, sr, 512);
        comp.set_params(&p);
        let x = vec![1.0f32; n];
        let y = compress_mono(&mut comp, &x, 512);
        // Wet gain: -20 dB reduction + 6 dB make-up.
        let wet = 10f32.powf(-14.0 / 20.0);
        let expected = (1.0 - mix) + mix * wet;
        assert!(
            (y[n - 1] - expected).abs() < 1e-5,
            "mix {mix}: {}",
            y[n - 1]
        );
        if mix == 0.0 {
            assert!(y == x, "mix 0 is not bit-exact dry");
        }
    }
}

#[test]
fn meters_report_max_since_last_read_and_input_level() {
    let sr = 48_000.0;
    let mut comp = Compressor::new(1, sr, 512);
    comp.set_params(&CompressorParams {
        threshold_db: -20.0,
        ratio: f32::INFINITY,
        knee_db: 0.0,
        attack_ms: 0.1,
        release_ms: 5.0,
        ..Default::default()
    });
    let mut x = vec![1.0f32; 4800];
    x.extend(std::iter::repeat_n(0.001f32, 96_000));
    let _ = compress_mono(&mut comp, &x, 512);
    assert!(comp.gain_reduction_db() < 0.01);
    let m = assert_no_alloc(|| comp.take_max_gain_reduction_db());
    assert!((m - 20.0).abs() < 0.01, "{m}");
    assert!(comp.take_max_gain_reduction_db() < 0.01);
    // The dot sits at the -60 dBFS input after the meter's fall.
    assert!((comp.current_input_level_db() + 60.0).abs() < 0.1);
}

#[test]
fn sidechain_high_pass_removes_bass_from_the_key() {
    // A 50 Hz sine at 0 dBFS drives a -30 dBFS, 4:1 threshold. With a 500 Hz sidechain
    // high-pass (12 dB/oct) the detector sees the filter's response at 50 Hz (≈ -40 dB), so
    // the reduction follows the curve at that lower level.
    let sr = 48_000.0f32;
    let n = 48_000;
    let x = sine(1.0, 50.0, sr as f64, n);
    let mut reductions = Vec::new();
    for hpf_hz in [0.0f32, 500.0] {
        let p = CompressorParams {
            threshold_db: -50.0,
            ratio: 4.0,
            knee_db: 0.0,
            // RMS over 50 ms: little ripple at 50 Hz, and the filter's start-up transient is
            // forgotten within the second.
            detector: DetectorMode::Rms,
            rms_window_ms: 50.0,
            attack_ms: 5.0,
            release_ms: 100.0,
            sidechain_hpf_hz: hpf_hz,
            ..Default::default()
        };
        let mut comp = Compressor::new(1, sr, 512);
        comp.set_params(&p);
        let y = compress_mono(&mut comp, &x, 512);
        let gain = level_db(&y[n / 2..]) - level_db(&x[n / 2..]);
        let mut hp = shared_dsp::dynamics::SidechainHighPass::new();
        hp.set_cutoff_hz(hpf_hz, sr);
        let key_db = hp.response_db(50.0) as f32;
        let expected = p.curve().output_db(key_db) - key_db;
        assert!(
            (gain - expected as f64).abs() < 0.1,
            "hpf {hpf_hz}: {gain} vs {expected}"
        );
        reductions.push(-gain);
    }
    println!("reduction without / with 500 Hz sidechain HPF: {reductions:?}");
    assert!(reductions[0] > 37.0 && reductions[1] < 8.0);
}

#[test]
fn gate_stereo_link_zero_is_independent_and_full_is_identical() {
    let sr = 48_000.0f32;
    let n = 24_000;
    // Left loud (open), right silent: unlinked, only the right closes; linked, both stay open.
    for (link, right_gr) in [(0.0f32, 60.0f32), (1.0, 0.0)] {
        let p = GateParams {
            threshold_db: -40.0,
            range_db: 60.0,
            release_ms: 5.0,
            stereo_link: link,
            ..Default::default()
        };
        let mut gate = Gate::new(2, sr, 512);
        gate.set_params(&p);
        let mut ch = vec![vec![0.5f32; n], vec![0.0f32; n]];
        run_blocks(&mut ch, 512, |s, _, _| gate.process(s, None));
        assert_eq!(gate.channel_gain_reduction_db(0), 0.0);
        assert!(
            (gate.channel_gain_reduction_db(1) - right_gr).abs() < 1e-3,
            "link {link}"
        );
        assert_eq!(gate.is_open(1), link == 1.0);
    }
}
