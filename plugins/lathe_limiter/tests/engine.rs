//! The Limiter's engine as the plugin and `lathe render limiter` run it: ceiling, latency,
//! bypass and dither, through the whole chain (drive → limiter → dither → bypass → meters).
//! The core's own accuracy grid (exact band-limited reference, the ebur128 crate and Lathe's
//! meter in both modes, every oversampling factor and rate) is in
//! `shared-dsp/tests/limiter.rs`; here the plugin path must keep those guarantees.

use lathe_limiter::engine::{LimiterEngine, LimiterSettings};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use shared_dsp::dither::NoiseShaping;
use shared_dsp::limiter::LimiterMode;
use shared_dsp::limiter::verify::{ExactTruePeak, TECH3341_TRUE_PEAK_CASES, sine};
use shared_dsp::true_peak::{TruePeakMeter, TruePeakMode};
use shared_dsp::util::gain_to_db;

// nice-plug's `assert_process_allocs` installs nice_assert_no_alloc's allocator for this binary;
// `test_support::no_alloc` checks through that same crate, so it aborts on any allocation in the
// engine (the `assert_no_alloc` crate used before keeps its own counter and checked nothing).

/// Program-like test material: seeded noise with drum-like bursts, a bass tone and a sweep.
fn program(sr: f32, seconds: f32, seed: u64) -> [Vec<f32>; 2] {
    let n = (sr * seconds) as usize;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut l = vec![0.0f32; n];
    let mut r = vec![0.0f32; n];
    for i in 0..n {
        let t = i as f32 / sr;
        let beat = (t * 2.0).fract();
        let env = (-beat * 30.0).exp();
        let kick = env * (2.0 * std::f32::consts::PI * 55.0 * t).sin();
        let sweep_f = 40.0 * (sr * 0.45 / 40.0).powf((t / seconds).min(1.0));
        let sweep = 0.2 * (2.0 * std::f32::consts::PI * sweep_f * t).sin();
        let noise: f32 = rng.random_range(-0.3..0.3);
        l[i] = 0.5 * kick + sweep + noise * (0.3 + env);
        r[i] = 0.5 * kick - sweep + rng.random_range(-0.3..0.3f32) * (0.3 + env);
    }
    [l, r]
}

/// Runs the engine over `input` in varying block sizes (1..=1024), with allocation forbidden.
fn run(engine: &mut LimiterEngine, input: &[Vec<f32>; 2], seed: u64) -> [Vec<f32>; 2] {
    run_blocks(engine, input, seed, 1024)
}

/// Runs the engine over `input` in random block sizes 1..=`max_block`, allocation forbidden.
fn run_blocks(
    engine: &mut LimiterEngine,
    input: &[Vec<f32>; 2],
    seed: u64,
    max_block: usize,
) -> [Vec<f32>; 2] {
    let mut out = input.clone();
    let (l, r) = out.split_at_mut(1);
    let (l, r) = (&mut l[0], &mut r[0]);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut i = 0;
    let n = l.len();
    let sizes: Vec<usize> = (0..n).map(|_| rng.random_range(1..=max_block)).collect();
    test_support::no_alloc(|| {
        let mut k = 0;
        while i < n {
            let m = sizes[k].min(n - i);
            k += 1;
            engine.process(&mut [&mut l[i..i + m], &mut r[i..i + m]]);
            i += m;
        }
    });
    out
}

fn settings(mode: LimiterMode, oversampling: usize, drive_db: f32) -> LimiterSettings {
    LimiterSettings {
        input_db: drive_db,
        ceiling_db: -1.0,
        mode,
        oversampling,
        ..LimiterSettings::default()
    }
}

fn engine(sr: f32, s: &LimiterSettings) -> LimiterEngine {
    let mut e = LimiterEngine::new(2, sr, 1024);
    e.set_settings(s);
    e.reset();
    e
}

/// A host may deliver more frames than it declared: the limiter, prepared for 512 frames, takes
/// blocks of 1,024 and 4,096 without panicking or allocating, with the output of 512-frame blocks.
#[test]
fn blocks_longer_than_prepared_run_in_prepared_chunks() {
    let x = program(48_000.0, 0.5, 4);
    let s = settings(LimiterMode::TruePeak, 4, 12.0);
    let render = |block: usize| {
        let mut e = LimiterEngine::new(2, 48_000.0, 512);
        e.set_settings(&s);
        e.reset();
        let mut out = x.clone();
        let (l, r) = out.split_at_mut(1);
        let (l, r) = (&mut l[0], &mut r[0]);
        test_support::no_alloc(|| {
            for (l, r) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
                e.process(&mut [l, r]);
            }
        });
        out
    };
    let reference = render(512);
    for block in [1024, 4096] {
        assert!(render(block) == reference, "block {block} differs from 512");
    }
}

#[test]
fn sample_peak_mode_never_passes_the_ceiling() {
    for (sr, drive) in [(44_100.0, 24.0), (96_000.0, 12.0)] {
        for os in [1, 4] {
            let s = settings(LimiterMode::SamplePeak, os, drive);
            let mut e = engine(sr, &s);
            let out = run(&mut e, &program(sr, 2.0, 7), 3);
            let ceiling = shared_dsp::util::db_to_gain(-1.0);
            let peak = out.iter().flatten().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(
                peak <= ceiling,
                "{sr} Hz, {os}x, +{drive} dB: sample peak {} dBFS over the -1 dB ceiling",
                gain_to_db(peak)
            );
        }
    }
}

/// Material for the true-peak test at `sr`: 0.3 s of program (bursts, bass, a sweep to 0.45 fs,
/// noise), then the EBU Tech 3341 true-peak cases 15–19 (40 ms each, the same in both channels;
/// 16 and 19 are fs/4 at 45°, whose true peak is 3 dB above its samples), then 40 ms of fs/4 at
/// 45° at full scale in the left channel and the 0.45 fs torture tone in the right.
fn true_peak_material(sr: f32, seed: u64) -> [Vec<f32>; 2] {
    let [mut l, mut r] = program(sr, 0.3, seed);
    let seg = (0.04 * sr) as usize;
    for case in TECH3341_TRUE_PEAK_CASES {
        let x = case.signal(seg);
        l.extend_from_slice(&x);
        r.extend_from_slice(&x);
    }
    l.extend(sine(0.25, 1.0, 45.0, seg));
    r.extend(sine(0.45, 1.0, 30.0, seg));
    [l, r]
}

#[test]
fn true_peak_mode_stays_within_0_02_db_at_every_rate_oversampling_and_block_size() {
    // The output's true peak, read by the exact band-limited reconstruction
    // (shared_dsp::limiter::verify::ExactTruePeak) and by Lathe's own meter in both modes, stays
    // at or below the ceiling + 0.02 dB (float rounding). Every oversampling setting at 44.1, 48, 96 and 192 kHz, drives from 0 to +24 dB
    // rotated so that each setting meets each drive at one of the rates, random block sizes
    // 1..=8192.
    let reference = ExactTruePeak::new();
    let drives = [24.0f32, 12.0, 0.0, 18.0];
    let mut worst = [-100.0f64; 4];
    let mut combo = 0;
    for (ri, sr) in [44_100.0f32, 48_000.0, 96_000.0, 192_000.0]
        .into_iter()
        .enumerate()
    {
        for (oi, os) in [1, 2, 4, 8].into_iter().enumerate() {
            let drive = drives[(oi + ri) % drives.len()];
            combo += 1;
            let s = settings(LimiterMode::TruePeak, os, drive);
            let mut e = LimiterEngine::new(2, sr, 8192);
            e.set_settings(&s);
            e.reset();
            let mut input = true_peak_material(sr, combo as u64);
            // Room for the latency, so the output ends as the input does.
            for c in &mut input {
                c.resize(c.len() + e.latency() + 256, 0.0);
            }
            let out = run_blocks(&mut e, &input, 100 + combo as u64, 8192);
            let tp = reference
                .true_peak(&out[0])
                .max(reference.true_peak(&out[1]));
            let mut over = 20.0 * tp.log10() - s.ceiling_db as f64;
            for mode in [TruePeakMode::Bs1770, TruePeakMode::Accurate] {
                let mut m = TruePeakMeter::new(2, mode);
                m.process(&[&out[0], &out[1]]);
                over = over.max(gain_to_db(m.peak_gain()) as f64 - s.ceiling_db as f64);
            }
            eprintln!("{sr} Hz, {os}x, +{drive} dB: true peak {over:+.3} dB re the ceiling");
            worst[oi] = worst[oi].max(over);
            assert!(
                over <= 0.02,
                "{sr} Hz, {os}x, +{drive} dB: true peak {over:.3} dB over the ceiling"
            );
        }
    }
    eprintln!("worst true peak re ceiling at 1x/2x/4x/8x: {worst:.3?} dB");
}

/// Position of the largest absolute sample.
fn argmax(x: &[f32]) -> usize {
    x.iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .unwrap()
        .0
}

#[test]
fn an_impulse_lands_at_the_reported_latency_for_every_setting() {
    let sr = 48_000.0;
    for mode in [LimiterMode::SamplePeak, LimiterMode::TruePeak] {
        for os in [1, 2, 4, 8] {
            for la in [0.5, 1.5, 10.0] {
                for bypass in [false, true] {
                    let s = LimiterSettings {
                        lookahead_ms: la,
                        bypass,
                        ..settings(mode, os, 0.0)
                    };
                    let mut e = engine(sr, &s);
                    let latency = e.latency();
                    let n = latency + 4096;
                    let mut imp = [vec![0.0f32; n], vec![0.0f32; n]];
                    imp[0][100] = 0.1;
                    imp[1][100] = 0.1;
                    let out = run(&mut e, &imp, 1);
                    assert_eq!(
                        argmax(&out[0]),
                        100 + latency,
                        "{mode:?} {os}x lookahead {la} ms bypass {bypass}: latency {latency}"
                    );
                }
            }
        }
    }
}

#[test]
fn dither_quantises_exactly_to_the_chosen_bits() {
    for bits in [16u32, 24] {
        let s = LimiterSettings {
            dither_bits: bits,
            ..settings(LimiterMode::TruePeak, 2, 6.0)
        };
        let mut e = engine(44_100.0, &s);
        let out = run(&mut e, &program(44_100.0, 1.0, 3), 9);
        let scale = (1u64 << (bits - 1)) as f64;
        let skip = e.latency() + 64;
        for x in out.iter().flat_map(|c| c[skip..].iter()) {
            let q = *x as f64 * scale;
            assert_eq!(q, q.round(), "{bits} bit: sample {x} is not on the grid");
        }
        // And the output is not silent: the quantiser passes the music.
        assert!(out[0][skip..].iter().any(|x| x.abs() > 0.1));
    }
}

/// Welch power spectrum of `e` (Hann window, `n`-point segments, 50 % overlap), scaled so that
/// each bin's expectation is the variance of a white input: `E|Σ w e e^{-jωk}|² = σ² Σ w²`.
/// Returns the per-bin powers for bins 0..=n/2.
fn welch(e: &[f64], n: usize) -> Vec<f64> {
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let w: Vec<f64> = (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos())
        .collect();
    let w2: f64 = w.iter().map(|v| v * v).sum();
    let mut acc = vec![0.0f64; n / 2 + 1];
    let mut buf = vec![0.0f64; n];
    let mut spec = fft.make_output_vec();
    let mut segments = 0;
    let mut start = 0;
    while start + n <= e.len() {
        for (b, (x, wv)) in buf.iter_mut().zip(e[start..start + n].iter().zip(&w)) {
            *b = x * wv;
        }
        fft.process(&mut buf, &mut spec).unwrap();
        for (a, c) in acc.iter_mut().zip(&spec) {
            *a += c.norm_sqr() / w2;
        }
        segments += 1;
        start += n / 2;
    }
    for a in &mut acc {
        *a /= segments as f64;
    }
    acc
}

#[test]
fn dither_noise_spectrum_matches_its_design() {
    // A -100 dBFS 1 kHz tone (a third of a 16-bit LSB) through the engine at 0 dB drive in
    // sample-peak mode without oversampling, so the limiter is an exact delay and the output
    // minus the delayed input is the dither stage's total error, in LSB units.
    //
    // Theory (Lipshitz, Wannamaker & Vanderkooy, "Quantization and dither: a theoretical
    // survey", JAES 40(5), 1992; Wannamaker, "The theory of dithered quantization", 2003): with
    // TPDF dither of 2 LSB peak-to-peak the total error (dither + requantisation) is white,
    // independent of the signal, with variance Δ²/6 (the dither: two uniforms of Δ²/12 each)
    // + Δ²/12 (the rounding) = Δ²/4. Error feedback with filter H makes it (1 − H(z))·e, so its
    // power spectrum is Δ²/4 · |1 − H(e^{jω})|² (`NoiseShaping::ntf_power`).
    let sr = 44_100.0f32;
    let n = (10.0 * sr) as usize;
    let amp = shared_dsp::util::db_to_gain(-100.0) as f64;
    let tone: Vec<f32> = (0..n)
        .map(|i| (amp * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / sr as f64).sin()) as f32)
        .collect();
    let lsb = 1.0 / 32768.0f64;
    let fft_n = 4096;
    let bin_hz = sr as f64 / fft_n as f64;
    // Octave bands from 62.5 Hz to 16 kHz, then 16 kHz to Nyquist.
    let mut bands: Vec<(f64, f64)> = (0..8)
        .map(|k| (62.5 * 2f64.powi(k), 125.0 * 2f64.powi(k)))
        .collect();
    bands.push((16_000.0, sr as f64 / 2.0));
    for shaping in [
        NoiseShaping::Off,
        NoiseShaping::FirstOrder,
        NoiseShaping::SecondOrder,
        NoiseShaping::Lipshitz,
        NoiseShaping::FWeighted,
    ] {
        let s = LimiterSettings {
            dither_bits: 16,
            noise_shaping: shaping,
            ..settings(LimiterMode::SamplePeak, 1, 0.0)
        };
        let mut e = engine(sr, &s);
        let lat = e.latency();
        let mut input = [tone.clone(), tone.clone()];
        for c in &mut input {
            c.resize(n + lat, 0.0);
        }
        let out = run(&mut e, &input, 12);
        // Every sample on the 16-bit grid.
        for &y in out[0].iter().chain(&out[1]) {
            let k = y as f64 * 32768.0;
            assert_eq!(k, k.round(), "{shaping:?}: {y} is not a 16-bit value");
        }
        let err: Vec<f64> = (0..n)
            .map(|i| (out[0][i + lat] as f64 - tone[i] as f64) / lsb)
            .collect();
        let var = err.iter().map(|v| v * v).sum::<f64>() / n as f64;
        let var_theory = 0.25 * shaping.total_power_gain();
        let var_db = 10.0 * (var / var_theory).log10();
        let psd = welch(&err, fft_n);
        let mut worst = 0.0f64;
        let mut line = String::new();
        for &(lo, hi) in &bands {
            let bins =
                (lo / bin_hz).ceil() as usize..=((hi / bin_hz).floor() as usize).min(fft_n / 2);
            let count = bins.clone().count() as f64;
            let measured: f64 = psd[bins.clone()].iter().sum::<f64>() / count;
            let theory: f64 = bins
                .map(|k| 0.25 * shaping.ntf_power(k as f64 * bin_hz, sr as f64))
                .sum::<f64>()
                / count;
            let d = 10.0 * (measured / theory).log10();
            line += &format!(" {lo:.0}: {d:+.2}");
            if d.abs() > worst.abs() {
                worst = d;
            }
        }
        eprintln!(
            "{shaping:?}: error power {var:.4} LSB² ({var_db:+.3} dB re theory {var_theory:.4}), \
             octave bands re |NTF|²·Δ²/4 (dB):{line}"
        );
        assert!(
            var_db.abs() < 0.1,
            "{shaping:?}: error power {var} LSB², theory {var_theory}"
        );
        let tolerance = if shaping == NoiseShaping::Off {
            1.0
        } else {
            1.5
        };
        assert!(
            worst.abs() <= tolerance,
            "{shaping:?}: an octave band is {worst:+.2} dB off its design (bands:{line})"
        );
    }
}

#[test]
fn output_meters_report_the_output() {
    let sr = 48_000.0;
    let s = settings(LimiterMode::TruePeak, 4, 12.0);
    let mut e = engine(sr, &s);
    let out = run(&mut e, &program(sr, 4.0, 21), 2);
    let (m, st, i) = e.output_loudness();
    assert!(m.is_finite() && st.is_finite() && i.is_finite());
    // Heavy limiting to -1 dBTP of dense material lands well above -20 LUFS.
    assert!(i > -20.0 && i < 0.0, "integrated {i}");
    // The output true-peak meter (BS.1770 4x) reads what a separate meter reads on the output.
    let tp = e.take_output_true_peak();
    let mut reference = TruePeakMeter::new(2, TruePeakMode::Bs1770);
    reference.process(&[&out[0], &out[1]]);
    for (ch, v) in tp.iter().enumerate() {
        assert_eq!(*v, reference.channel_peak_gain(ch), "channel {ch}");
    }
    assert_eq!(
        e.take_output_true_peak(),
        [0.0, 0.0],
        "taking clears the peaks"
    );
    assert!(e.meters().gain_reduction_db >= 0.0);
}

#[test]
fn learning_lands_the_output_on_the_loudness_target() {
    let sr = 48_000.0;
    let material = program(sr, 40.0, 99);
    for target in [-14.0f32, -9.0] {
        let s = LimiterSettings {
            loudness_target_lufs: Some(target),
            learn: true,
            ..settings(LimiterMode::TruePeak, 2, 0.0)
        };
        let mut e = engine(sr, &s);
        // Learn over the first 25 s, then hold and measure the last 15 s.
        let split = (25.0 * sr) as usize;
        let head = [material[0][..split].to_vec(), material[1][..split].to_vec()];
        let tail = [material[0][split..].to_vec(), material[1][split..].to_vec()];
        let _ = run(&mut e, &head, 4);
        let learned = e.learned_gain_db();
        e.set_settings(&LimiterSettings {
            learn: false,
            learned_gain_db: learned,
            ..s
        });
        let out = run(&mut e, &tail, 6);
        let mut meter = shared_dsp::loudness::LoudnessMeter::new(
            sr as f64,
            shared_dsp::loudness::ChannelLayout::Stereo,
            4096,
        );
        meter.process(&[&out[0], &out[1]]);
        let got = meter.integrated_lufs() as f32;
        eprintln!("target {target} LUFS: learned {learned:+.2} dB, output {got:.2} LUFS");
        assert!(
            (got - target).abs() <= 0.5,
            "target {target} LUFS: learned {learned:+.2} dB, output {got:.2} LUFS"
        );
    }
}

/// THD+N of a steady sine in dB: the residual after a least-squares fit of the fundamental
/// (sine, cosine and DC at the known frequency) relative to the whole signal.
// Index loops mirror the matrix algebra; iterator forms would hide it.
#[allow(clippy::needless_range_loop)]
fn thd_n_db(x: &[f32], freq: f64, sr: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / sr;
    // Normal equations for [sin, cos, 1]; the fundamental is orthogonal enough over many cycles
    // that solving the 3x3 system directly is exact to rounding.
    let mut m = [[0.0f64; 3]; 3];
    let mut v = [0.0f64; 3];
    for (n, &y) in x.iter().enumerate() {
        let b = [(w * n as f64).sin(), (w * n as f64).cos(), 1.0];
        for i in 0..3 {
            v[i] += b[i] * y as f64;
            for j in 0..3 {
                m[i][j] += b[i] * b[j];
            }
        }
    }
    // Gaussian elimination.
    for i in 0..3 {
        for k in i + 1..3 {
            let f = m[k][i] / m[i][i];
            for j in 0..3 {
                m[k][j] -= f * m[i][j];
            }
            v[k] -= f * v[i];
        }
    }
    let mut c = [0.0f64; 3];
    for i in (0..3).rev() {
        let s: f64 = (i + 1..3).map(|j| m[i][j] * c[j]).sum();
        c[i] = (v[i] - s) / m[i][i];
    }
    let (mut res, mut tot) = (0.0f64, 0.0f64);
    for (n, &y) in x.iter().enumerate() {
        let fit = c[0] * (w * n as f64).sin() + c[1] * (w * n as f64).cos() + c[2];
        res += (y as f64 - fit).powi(2);
        tot += (y as f64).powi(2);
    }
    10.0 * (res / tot).log10()
}

#[test]
fn distortion_at_six_db_of_gain_reduction() {
    // 1 kHz and 50 Hz sines at 0 dBFS peak driven so the limiter reduces ~6 dB, true peak 4x
    // (the defaults otherwise), with the default release (100 ms, auto), a manual 100 ms release
    // and a fast manual 10 ms release (which follows the 50 Hz waveform and distorts, as any
    // limiter does). The figures go into the README.
    let sr = 48_000.0f32;
    for (freq, auto, release_ms, limit_db) in [
        (1000.0f64, true, 100.0f32, -80.0f64),
        (50.0, true, 100.0, -80.0),
        (1000.0, false, 100.0, -80.0),
        (50.0, false, 100.0, -30.0),
        (1000.0, false, 10.0, -30.0),
        (50.0, false, 10.0, -15.0),
    ] {
        let n = (4.0 * sr) as usize;
        let sine: Vec<f32> = (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / sr as f64).sin() as f32)
            .collect();
        let s = LimiterSettings {
            auto_release: auto,
            release_ms,
            ..settings(LimiterMode::TruePeak, 4, 5.0)
        };
        let mut e = engine(sr, &s);
        let out = run(&mut e, &[sine.clone(), sine], 8);
        let gr = e.meters().gain_reduction_db;
        let steady = &out[0][(2.0 * sr) as usize..];
        let thd = thd_n_db(steady, freq, sr as f64);
        eprintln!(
            "{freq} Hz, auto {auto}, release {release_ms} ms, GR {gr:.2} dB: THD+N {thd:.1} dB"
        );
        assert!(
            (5.0..7.0).contains(&gr),
            "{freq} Hz: gain reduction {gr} dB, wanted ~6"
        );
        assert!(
            thd < limit_db,
            "{freq} Hz: THD+N {thd:.1} dB at {gr:.1} dB GR"
        );
    }
}
