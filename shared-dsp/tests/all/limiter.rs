//! Reference tests of the limiter core: the ceiling is never exceeded (sample peak exactly;
//! true peak measured by four meters: the exact band-limited reconstruction
//! `shared_dsp::limiter::verify::ExactTruePeak`, the `ebur128` crate's true-peak mode (a port of
//! libebur128) and Lathe's own meter in its BS.1770 and accurate modes) on seeded
//! noise, sweeps, drum-like bursts, stepped levels and inter-sample-peak torture signals driven
//! up to +40 dB, at every oversampling factor, several sample rates and random block sizes;
//! latency measured = reported; THD+N at 6 dB of reduction; block-split invariance, reset,
//! no allocation, NaN robustness.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use realfft::RealFftPlanner;
use shared_dsp::limiter::verify::ExactTruePeak;
use shared_dsp::limiter::{Limiter, LimiterMode};
use shared_dsp::true_peak::{TruePeakMeter, TruePeakMode};
use shared_dsp::util::db_to_gain;
use std::f64::consts::PI;

const CEILING_DB: f32 = -1.0;

/// Stereo test signals of `len` samples at `sr`, each normalised to a sample peak of 1.
fn signals(sr: f64, len: usize, seed: u64) -> Vec<(&'static str, Vec<f32>, Vec<f32>)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = Vec::new();
    let mut noise = || -> Vec<f32> { (0..len).map(|_| rng.random_range(-1.0f32..1.0)).collect() };
    let (nl, nr) = (noise(), noise());
    out.push(("noise", nl.clone(), nr.clone()));
    // Logarithmic sweep 20 Hz .. 0.45 fs.
    let f1 = 0.45 * sr;
    let k = (f1 / 20.0).ln();
    let dur = len as f64 / sr;
    let sweep: Vec<f32> = (0..len)
        .map(|n| {
            let t = n as f64 / sr;
            (2.0 * PI * 20.0 * dur / k * ((t / dur * k).exp() - 1.0)).sin() as f32
        })
        .collect();
    let sweep_r: Vec<f32> = sweep.iter().map(|v| -v).collect();
    out.push(("sweep", sweep, sweep_r));
    // Drum-like: decaying noise bursts plus a decaying 60 Hz "kick", every 60 ms.
    let period = (0.06 * sr) as usize;
    let drums = |nz: &[f32]| -> Vec<f32> {
        (0..len)
            .map(|n| {
                let t = (n % period) as f64 / sr;
                let env = (-t / 0.015).exp();
                (env * (0.6 * nz[n] as f64 + 0.6 * (2.0 * PI * 60.0 * t).sin())) as f32
            })
            .collect()
    };
    out.push(("drums", drums(&nl), drums(&nr)));
    // Stepped levels of a 200 Hz tone.
    let step = (0.03 * sr) as usize;
    let steps = [0.05, 1.0, 0.3, 1.0, 0.01, 0.7];
    let stepped: Vec<f32> = (0..len)
        .map(|n| {
            (steps[(n / step) % steps.len()] * (2.0 * PI * 200.0 * n as f64 / sr).sin()) as f32
        })
        .collect();
    out.push(("stepped", stepped.clone(), stepped));
    // Inter-sample-peak torture: fs/4 at 45° (true peak √2 above the samples) and 0.45 fs.
    let isp = |f: f64, ph: f64| -> Vec<f32> {
        (0..len)
            .map(|n| (2.0 * PI * f * n as f64 + ph).sin() as f32)
            .collect()
    };
    out.push(("fs/4 45°", isp(0.25, PI / 4.0), isp(1.0 / 6.0, PI / 3.0)));
    out.push(("0.45 fs", isp(0.45, 0.3), isp(0.125, 67.5f64.to_radians())));
    for (_, l, r) in &mut out {
        let p = l
            .iter()
            .chain(r.iter())
            .fold(0.0f32, |a, &b| a.max(b.abs()));
        for v in l.iter_mut().chain(r.iter_mut()) {
            *v /= p;
        }
        // Room for the limiter's latency, so the output ends as the input does instead of being
        // cut off mid-signal (a cut would itself ring in the reference reconstruction).
        let tail = (0.012 * sr) as usize + 200;
        l.resize(len + tail, 0.0);
        r.resize(len + tail, 0.0);
    }
    out
}

/// Processes `l`, `r` in random block sizes (1..=max_block) and returns the output.
fn run(
    lim: &mut Limiter,
    l: &[f32],
    r: &[f32],
    rng: &mut Xoshiro256PlusPlus,
    max_block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let (mut ol, mut or) = (l.to_vec(), r.to_vec());
    let mut i = 0;
    let sizes: Vec<usize> = {
        let mut v = Vec::new();
        let mut t = 0;
        while t < l.len() {
            let n = rng.random_range(1..=max_block).min(l.len() - t);
            v.push(n);
            t += n;
        }
        v
    };
    test_support::no_alloc(|| {
        for &n in &sizes {
            lim.process(&mut [&mut ol[i..i + n], &mut or[i..i + n]]);
            i += n;
        }
    });
    (ol, or)
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |a, &b| a.max(b.abs()))
}

/// How far (dB) the true peak of a stereo output lies above `ceiling_db`, as read by each of
/// four meters: [exact reconstruction, ebur128 crate, Lathe BS.1770, Lathe accurate].
fn overs(l: &[f32], r: &[f32], sr: f64, ceiling_db: f64) -> [f64; 4] {
    let exact = ExactTruePeak::new();
    let e = exact.true_peak(l).max(exact.true_peak(r));
    let mut peer = ebur128::EbuR128::new(2, sr as u32, ebur128::Mode::TRUE_PEAK).unwrap();
    let inter: Vec<f32> = l.iter().zip(r).flat_map(|(a, b)| [*a, *b]).collect();
    peer.add_frames_f32(&inter).unwrap();
    let p = peer.true_peak(0).unwrap().max(peer.true_peak(1).unwrap());
    let lathe = |mode| {
        let mut m = TruePeakMeter::new(2, mode);
        m.process(&[l, r]);
        m.peak_gain() as f64
    };
    let (b, a) = (lathe(TruePeakMode::Bs1770), lathe(TruePeakMode::Accurate));
    [e, p, b, a].map(|v| 20.0 * v.max(1e-30).log10() - ceiling_db)
}

const METERS: [&str; 4] = ["exact", "ebur128", "lathe BS.1770", "lathe accurate"];

/// The true-peak material of the limiter's acceptance list, stereo, `len` samples at `sr`,
/// each near -12 dBFS RMS before the drive: white noise, pink noise with hard-onset drum hits,
/// a dense mix, 1 kHz and 7 kHz squares, fs/4 at 45°, 50 Hz with kicks, bursts of full-scale
/// noise.
fn acceptance_material(sr: f64, len: usize, seed: u64) -> Vec<(&'static str, Vec<f32>, Vec<f32>)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // Uniform noise of RMS 0.251 (-12 dBFS): amplitude 0.251 * sqrt(3).
    let a = 0.251 * 3f32.sqrt();
    let white = |rng: &mut Xoshiro256PlusPlus| -> Vec<f32> {
        (0..len).map(|_| rng.random_range(-a..a)).collect()
    };
    let (wl, wr) = (white(&mut rng), white(&mut rng));
    // Pink noise (Voss-McCartney-like sum of held random rows), scaled to -12 dBFS RMS.
    let pink = |rng: &mut Xoshiro256PlusPlus| -> Vec<f32> {
        let mut rows = [0.0f32; 12];
        let v: Vec<f32> = (0..len)
            .map(|n| {
                let k = (n + 1).trailing_zeros() as usize;
                if k < rows.len() {
                    rows[k] = rng.random_range(-1.0..1.0);
                }
                rows.iter().sum::<f32>() + rng.random_range(-1.0..1.0)
            })
            .collect();
        let rms = (v.iter().map(|x| x * x).sum::<f32>() / len as f32).sqrt();
        v.iter().map(|x| x * 0.251 / rms).collect()
    };
    let (pl, pr) = (pink(&mut rng), pink(&mut rng));
    let t = |n: usize| n as f64 / sr;
    let period = (0.125 * sr) as usize;
    // Hard-onset drum hit: full-scale click-started decaying noise and a 60 Hz body.
    let hits = |base: &[f32], nz: &[f32]| -> Vec<f32> {
        (0..len)
            .map(|n| {
                let u = t(n % period);
                let env = (-u / 0.02).exp();
                base[n] + (env * (2.0 * nz[n] as f64 + 0.8 * (2.0 * PI * 60.0 * u).sin())) as f32
            })
            .collect()
    };
    let mut out = vec![
        ("white", wl.clone(), wr.clone()),
        ("pink+drums", hits(&pl, &wl), hits(&pr, &wr)),
    ];
    // Dense mix: pink bed, bass line, saw chords, hats (white bursts), kicks.
    let mix = |bed: &[f32], nz: &[f32], det: f64| -> Vec<f32> {
        (0..len)
            .map(|n| {
                let u = t(n % period);
                let kick =
                    (-u / 0.05).exp() * (2.0 * PI * (50.0 + 80.0 * (-u / 0.01).exp()) * u).sin();
                let bass = 0.3 * (2.0 * PI * 55.0 * t(n)).sin();
                let saw = |f: f64| 2.0 * ((f * t(n)).fract()) - 1.0;
                let chord = 0.08 * (saw(220.0 * det) + saw(277.2) + saw(329.6 / det));
                let hat_u = t((n + period / 2) % (period / 2));
                let hat = (-hat_u / 0.008).exp() * nz[n] as f64;
                (0.7 * bed[n] as f64 + 0.5 * kick + bass + chord + hat) as f32
            })
            .collect()
    };
    out.push(("dense mix", mix(&pl, &wl, 1.003), mix(&pr, &wr, 0.997)));
    let square = |f: f64| -> Vec<f32> {
        (0..len)
            .map(|n| {
                if (f * t(n)).fract() < 0.5 {
                    0.251
                } else {
                    -0.251
                }
            })
            .collect()
    };
    out.push(("1 kHz square", square(1000.0), square(1000.0)));
    out.push(("7 kHz square", square(7000.0), square(7000.0)));
    let fs4: Vec<f32> = (0..len)
        .map(|n| (0.355 * (PI / 2.0 * n as f64 + PI / 4.0).sin()) as f32)
        .collect();
    out.push(("fs/4 45°", fs4.clone(), fs4));
    let kicks = |nz: &[f32]| -> Vec<f32> {
        (0..len)
            .map(|n| {
                let u = t(n % period);
                let kick = (-u / 0.04).exp()
                    * ((2.0 * PI * 45.0 * u).sin() + 0.3 * nz[n] as f64 * (-u / 0.003).exp());
                (0.3 * (2.0 * PI * 50.0 * t(n)).sin() + 0.5 * kick) as f32
            })
            .collect()
    };
    out.push(("50 Hz + kicks", kicks(&wl), kicks(&wr)));
    // Bursts of full-scale noise: 20 ms on, 30 ms of quiet noise.
    let burst = (0.05 * sr) as usize;
    let bursts = |rng: &mut Xoshiro256PlusPlus| -> Vec<f32> {
        (0..len)
            .map(|n| {
                let v: f32 = rng.random_range(-1.0..1.0);
                if n % burst < burst * 2 / 5 {
                    v
                } else {
                    0.01 * v
                }
            })
            .collect()
    };
    let (bl, br) = (bursts(&mut rng), bursts(&mut rng));
    out.push(("full-scale bursts", bl, br));
    out
}

/// Runs the acceptance material through the limiter in true-peak mode and returns the worst over
/// per meter (and asserts nothing), printing each case when LIMITER_REPORT is set.
fn acceptance_overs(
    sr: f64,
    factors: &[usize],
    drives: &[f32],
    secs: f64,
    seed: u64,
) -> ([f64; 4], usize) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let len = (sr * secs) as usize;
    let mut worst = [-100.0f64; 4];
    let mut runs = 0;
    for (ci, (name, mut l, mut r)) in acceptance_material(sr, len, seed).into_iter().enumerate() {
        let tail = (0.012 * sr) as usize + 200;
        l.resize(len + tail, 0.0);
        r.resize(len + tail, 0.0);
        for (di, &drive) in drives.iter().enumerate() {
            // Rotate the factors so every factor meets every material and drive somewhere.
            let m = factors[(ci + di) % factors.len()];
            let mut lim = Limiter::new(2, sr as f32);
            lim.set_mode(LimiterMode::TruePeak);
            lim.set_oversampling(m);
            lim.set_ceiling_db(CEILING_DB);
            lim.set_input_gain_db(drive);
            lim.reset();
            let (ol, or) = run(&mut lim, &l, &r, &mut rng, 1024);
            let o = overs(&ol, &or, sr, CEILING_DB as f64);
            if std::env::var("LIMITER_REPORT").is_ok() {
                println!("{name} {sr} {m}x +{drive}: {o:+.3?}");
            }
            for k in 0..4 {
                worst[k] = worst[k].max(o[k]);
            }
            runs += 1;
        }
    }
    (worst, runs)
}

/// The first measurement: seeded white noise at -12 dBFS RMS, +18 dB of drive, ceiling
/// -1 dBTP, defaults otherwise (4x): every meter reads the output at or below the ceiling +
/// 0.02 dB.
#[test]
fn white_noise_at_18_db_of_drive_stays_under_the_ceiling_on_every_meter() {
    let sr = 48_000.0;
    let len = 24_000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(18);
    let a = 0.251 * 3f32.sqrt();
    let mut l: Vec<f32> = (0..len).map(|_| rng.random_range(-a..a)).collect();
    let mut r: Vec<f32> = (0..len).map(|_| rng.random_range(-a..a)).collect();
    l.resize(len + 1000, 0.0);
    r.resize(len + 1000, 0.0);
    let mut lim = Limiter::new(2, sr as f32);
    lim.set_oversampling(4);
    lim.set_ceiling_db(CEILING_DB);
    lim.set_input_gain_db(18.0);
    lim.reset();
    let (ol, or) = run(&mut lim, &l, &r, &mut rng, 512);
    let o = overs(&ol, &or, sr, CEILING_DB as f64);
    println!("white noise +18 dB, 4x: over the ceiling {o:+.3?} dB ({METERS:?})");
    for k in 0..4 {
        assert!(o[k] <= 0.02, "{}: {:+.3} dB over", METERS[k], o[k]);
    }
}

/// The acceptance list at 44.1 and 48 kHz (every factor, every drive) and at 96 and 192 kHz
/// (rotated): every meter at or below the ceiling + 0.02 dB.
#[test]
fn true_peak_mode_holds_the_ceiling_on_every_meter() {
    let mut all = [-100.0f64; 4];
    let mut runs = 0;
    for (sr, secs) in [
        (44_100.0, 0.25),
        (48_000.0, 0.25),
        (96_000.0, 0.15),
        (192_000.0, 0.08),
    ] {
        let (w, n) = acceptance_overs(sr, &[1, 2, 4, 8], &[6.0, 12.0, 20.0, 30.0], secs, sr as u64);
        println!("{sr} Hz: worst over per meter {w:+.3?} dB ({METERS:?})");
        runs += n;
        for k in 0..4 {
            all[k] = all[k].max(w[k]);
        }
    }
    println!("{runs} runs: worst over per meter {all:+.3?} dB ({METERS:?})");
    for k in 0..4 {
        assert!(all[k] <= 0.02, "{}: {:+.3} dB over", METERS[k], all[k]);
    }
}

/// (sample rate, factors, drives in dB, length in s)
fn grid() -> Vec<(f64, Vec<usize>, Vec<f32>, f64)> {
    vec![
        (44_100.0, vec![1, 2, 4, 8], vec![0.0, 12.0, 40.0], 0.12),
        (48_000.0, vec![1, 2, 4, 8], vec![6.0, 24.0, 40.0], 0.12),
        (96_000.0, vec![1, 4], vec![20.0, 40.0], 0.1),
        (192_000.0, vec![1, 8], vec![40.0], 0.05),
    ]
}

#[test]
fn sample_peak_mode_never_exceeds_the_ceiling() {
    let ceiling = db_to_gain(CEILING_DB);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut runs = 0;
    for (sr, factors, drives, secs) in grid() {
        let len = (sr * secs) as usize;
        for (name, l, r) in signals(sr, len, 42) {
            for &m in &factors {
                for &drive in &drives {
                    let mut lim = Limiter::new(2, sr as f32);
                    lim.set_mode(LimiterMode::SamplePeak);
                    lim.set_oversampling(m);
                    lim.set_lookahead_ms(rng.random_range(0.5..3.0));
                    lim.set_release_ms(rng.random_range(1.0..300.0));
                    lim.set_auto_release(rng.random_range(0..2) == 1);
                    lim.set_stereo_link_percent([0.0, 50.0, 100.0][rng.random_range(0..3)]);
                    lim.set_ceiling_db(CEILING_DB);
                    lim.set_input_gain_db(drive);
                    lim.reset();
                    let (ol, or) = run(&mut lim, &l, &r, &mut rng, 700);
                    let p = peak(&ol).max(peak(&or));
                    assert!(
                        p <= ceiling,
                        "{name} {sr} {m}x +{drive} dB: {p} > {ceiling}"
                    );
                    runs += 1;
                }
            }
        }
    }
    println!("{runs} runs, no sample above the ceiling");
}

#[test]
fn true_peak_mode_stays_within_0_02_db_of_the_ceiling() {
    let reference = ExactTruePeak::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let mut worst = [[-100.0f64; 4]; 2];
    for (sr, factors, drives, secs) in grid() {
        let len = (sr * secs) as usize;
        for (name, l, r) in signals(sr, len, 43) {
            for &m in &factors {
                for &drive in &drives {
                    let mut lim = Limiter::new(2, sr as f32);
                    lim.set_mode(LimiterMode::TruePeak);
                    lim.set_oversampling(m);
                    lim.set_lookahead_ms(rng.random_range(0.5..3.0));
                    lim.set_release_ms(rng.random_range(1.0..300.0));
                    lim.set_auto_release(rng.random_range(0..2) == 1);
                    lim.set_stereo_link_percent([0.0, 50.0, 100.0][rng.random_range(0..3)]);
                    lim.set_ceiling_db(CEILING_DB);
                    lim.set_input_gain_db(drive);
                    lim.reset();
                    let (ol, or) = run(&mut lim, &l, &r, &mut rng, 700);
                    let tp = reference.true_peak(&ol).max(reference.true_peak(&or));
                    let over = 20.0 * tp.log10() - CEILING_DB as f64;
                    // Full-band white noise (also inside "drums") is the hard case: its energy
                    // right up to Nyquist makes the inter-sample peaks depend on how the detector
                    // reconstructs 0.47–0.5 fs.
                    let full_band = name == "noise" || name == "drums";
                    let bound = 0.02;
                    if std::env::var("LIMITER_REPORT").is_ok() {
                        println!("{name} {sr} {m}x +{drive}: {over:.3}");
                    }
                    let fi = [1, 2, 4, 8].iter().position(|&f| f == m).unwrap();
                    let wi = if full_band { 0 } else { 1 };
                    worst[wi][fi] = worst[wi][fi].max(over);
                    assert!(
                        over <= bound,
                        "{name} {sr} {m}x +{drive} dB: true peak {over:.3} dB over"
                    );
                }
            }
        }
    }
    println!(
        "worst true peak re ceiling (dB) at 1x/2x/4x/8x: full-band noise {:.3?}, band-limited {:.3?}",
        worst[0], worst[1]
    );
}

#[test]
fn measured_latency_equals_reported_latency() {
    for sr in [44_100.0f32, 48_000.0, 96_000.0] {
        for mode in [LimiterMode::SamplePeak, LimiterMode::TruePeak] {
            for m in [1, 2, 4, 8] {
                for la in [0.5f32, 1.0, 5.0, 10.0] {
                    let mut lim = Limiter::new(2, sr);
                    lim.set_mode(mode);
                    lim.set_oversampling(m);
                    lim.set_lookahead_ms(la);
                    let lat = lim.latency();
                    let n = lat + 200;
                    let mut l = vec![0.0f32; n];
                    l[5] = 0.25;
                    let mut r = l.clone();
                    lim.process(&mut [&mut l, &mut r]);
                    let argmax = l
                        .iter()
                        .enumerate()
                        .fold((0, 0.0f32), |a, (i, &v)| if v > a.1 { (i, v) } else { a })
                        .0;
                    assert_eq!(argmax, 5 + lat, "{sr} {mode:?} {m}x {la} ms");
                    if sr == 48_000.0 && la == 1.0 {
                        println!("latency at 48 kHz, 1 ms look-ahead, {mode:?} {m}x: {lat}");
                    }
                    assert!(
                        (l[5 + lat] - 0.25).abs() < 0.03,
                        "{sr} {mode:?} {m}x {la} ms"
                    );
                    if m == 1 && mode == LimiterMode::SamplePeak {
                        assert_eq!(l[5 + lat], 0.25, "{sr} {mode:?} {la} ms");
                    }
                    if m == 1 && mode == LimiterMode::TruePeak {
                        // The output band limit (cut-off 0.4725 fs) passes an impulse as its
                        // centre tap, 2 × 0.4725 = 0.945 of it.
                        assert!((l[5 + lat] - 0.25 * 0.945).abs() < 2e-3, "{sr} {la} ms");
                    }
                }
            }
        }
    }
}

/// THD+N in dB of a steady tone on DFT bin `bin` of `x` (rectangular window, exact bin).
fn thd_n_db(x: &[f32], bin: usize) -> f64 {
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(x.len());
    let mut input: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).unwrap();
    let fund = out[bin].norm_sqr();
    let rest: f64 = out
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != bin && *k != 0)
        .map(|(_, c)| c.norm_sqr())
        .sum();
    10.0 * (rest / fund).log10()
}

#[test]
fn distortion_at_6_db_gain_reduction() {
    let sr = 48_000.0f32;
    let n = 8192;
    let mut report = Vec::new();
    // (bin, label): bin 171 = 1001.95 Hz, bin 9 = 52.7 Hz.
    for (bin, label) in [(171usize, "1 kHz"), (9, "50 Hz")] {
        for (auto, release) in [(false, 100.0f32), (false, 10.0), (true, 100.0)] {
            for (mode, m) in [
                (LimiterMode::SamplePeak, 1),
                (LimiterMode::TruePeak, 1),
                (LimiterMode::TruePeak, 4),
            ] {
                let mut lim = Limiter::new(1, sr);
                lim.set_mode(mode);
                lim.set_oversampling(m);
                lim.set_release_ms(release);
                lim.set_auto_release(auto);
                lim.set_ceiling_db(CEILING_DB);
                lim.set_input_gain_db(6.0);
                lim.reset();
                let amp = db_to_gain(CEILING_DB) as f64;
                let total = 6 * n;
                let mut x: Vec<f32> = (0..total)
                    .map(|i| (amp * (2.0 * PI * bin as f64 * i as f64 / n as f64).sin()) as f32)
                    .collect();
                lim.process(&mut [&mut x]);
                let gr = lim.gain_reduction_db();
                let d = thd_n_db(&x[total - n..], bin);
                report.push((label, auto, release, mode, m, d, gr));
            }
        }
    }
    for (label, auto, release, mode, m, d, gr) in &report {
        println!("{label} auto={auto} {release} ms {mode:?} {m}x: THD+N {d:.1} dB (GR {gr:.2} dB)");
    }
    for (label, auto, release, mode, _, d, gr) in &report {
        assert!((gr - 6.0).abs() < 0.5, "{label}: GR {gr}");
        // Before the hold applied to manual release too, 50 Hz with a manual 100 ms release
        // measured -35.4 dB (the gain rippled every half cycle) and 1 kHz -66.0 dB.
        let bound = match (*label, *auto, *release) {
            // True peak (the default) at the float floor; sample-peak mode measured -116.9
            // before and after.
            ("1 kHz", _, _) if *mode == LimiterMode::TruePeak => -120.0,
            ("1 kHz", _, _) => -110.0,
            (_, true, _) => -100.0,
            (_, false, r) if r >= 100.0 => -75.0,
            _ => -55.0,
        };
        assert!(
            *d < bound,
            "{label} auto={auto} {release} ms: THD+N {d} dB (bound {bound})"
        );
    }
}

#[test]
fn block_splits_and_reset_reproduce_bit_exactly() {
    let sr = 48_000.0;
    let sigs = signals(sr, 9000, 9);
    let (_, l, r) = &sigs[2];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    for (mode, m) in [
        (LimiterMode::SamplePeak, 1),
        (LimiterMode::TruePeak, 1),
        (LimiterMode::TruePeak, 8),
    ] {
        let mut lim = Limiter::new(2, sr as f32);
        lim.set_mode(mode);
        lim.set_oversampling(m);
        lim.set_stereo_link_percent(60.0);
        lim.set_input_gain_db(18.0);
        lim.reset();
        let (wl, wr) = run(&mut lim, l, r, &mut rng, 9000);
        test_support::no_alloc(|| {
            lim.set_mode(LimiterMode::SamplePeak);
            lim.set_oversampling(2);
            lim.set_lookahead_ms(7.0);
            lim.set_auto_release(false);
            lim.set_release_ms(3.0);
            lim.set_mode(mode);
            lim.set_oversampling(m);
            lim.set_lookahead_ms(1.5);
            lim.set_auto_release(true);
            lim.set_release_ms(100.0);
            lim.set_stereo_link_percent(60.0);
            lim.set_input_gain_db(18.0);
            lim.set_ceiling_db(CEILING_DB);
            lim.reset();
        });
        let (sl, sr2) = run(&mut lim, l, r, &mut rng, 300);
        let first = wl.iter().zip(&sl).position(|(a, b)| a != b);
        assert_eq!(first, None, "{mode:?} {m}x: first difference");
        assert!(wr == sr2, "{mode:?} {m}x");
        lim.reset();
        let (one_l, _) = run(&mut lim.clone(), l, r, &mut rng, 1);
        lim.reset();
        let (again, _) = run(&mut lim, l, r, &mut rng, 1);
        assert!(one_l == again);
    }
}

#[test]
fn parameter_changes_glide_and_stay_under_the_ceiling() {
    let sr = 44_100.0;
    let sigs = signals(sr, 20_000, 5);
    let (_, l, r) = &sigs[0];
    let mut lim = Limiter::new(2, sr as f32);
    lim.set_mode(LimiterMode::SamplePeak);
    let (mut ol, mut or) = (l.clone(), r.clone());
    let mut min_ceiling = 1.0f32;
    let mut max_jump = 0.0f32;
    test_support::no_alloc(|| {
        for (i, (bl, br)) in ol.chunks_mut(500).zip(or.chunks_mut(500)).enumerate() {
            let c = if i % 2 == 0 { -6.0 } else { -0.5 };
            lim.set_ceiling_db(c);
            lim.set_input_gain_db(if i % 3 == 0 { 30.0 } else { 0.0 });
            lim.process(&mut [bl, br]);
            min_ceiling = min_ceiling.min(db_to_gain(c));
        }
    });
    // Never above the highest ceiling ever set, and no step bigger than the signal allows.
    assert!(peak(&ol).max(peak(&or)) <= db_to_gain(-0.5));
    for w in ol.windows(2) {
        max_jump = max_jump.max((w[1] - w[0]).abs());
    }
    assert!(max_jump < 2.0);
    assert!(min_ceiling < 1.0);
}

#[test]
fn nan_and_inf_never_reach_the_output() {
    let mut lim = Limiter::new(2, 48_000.0);
    lim.set_oversampling(4);
    let mut l = vec![0.5f32; 512];
    let mut r = vec![0.5f32; 512];
    l[10] = f32::NAN;
    r[20] = f32::INFINITY;
    l[30] = f32::NEG_INFINITY;
    lim.process(&mut [&mut l, &mut r]);
    assert!(l.iter().chain(&r).all(|v| v.is_finite()));
    let mut l = vec![0.5f32; 4096];
    let mut r = vec![0.5f32; 4096];
    lim.process(&mut [&mut l, &mut r]);
    assert!(l.iter().chain(&r).all(|v| v.is_finite()));
    assert!((l[4000] - 0.5).abs() < 1e-3, "{}", l[4000]);
}

/// Integrated loudness (ebur128 crate) of the dense mix of the acceptance list, 4 s at 48 kHz,
/// through the limiter at its plugin defaults (true peak, 4x, 1.5 ms, auto release) with +12 dB
/// of drive into -1 dBTP.
fn dense_mix_loudness() -> f64 {
    let sr = 48_000.0;
    let len = 4 * 48_000;
    let mix = acceptance_material(sr, len, 5)
        .into_iter()
        .find(|m| m.0 == "dense mix")
        .unwrap();
    let mut lim = Limiter::new(2, sr as f32);
    lim.set_oversampling(4);
    lim.set_ceiling_db(CEILING_DB);
    lim.set_input_gain_db(12.0);
    lim.reset();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let (ol, or) = run(&mut lim, &mix.1, &mix.2, &mut rng, 1024);
    let mut peer = ebur128::EbuR128::new(2, sr as u32, ebur128::Mode::I).unwrap();
    let inter: Vec<f32> = ol.iter().zip(&or).flat_map(|(a, b)| [*a, *b]).collect();
    peer.add_frames_f32(&inter).unwrap();
    peer.loudness_global().unwrap()
}

/// The limiter as it was before the true-peak fixes (16x-checked detector, final clip) gave
/// this dense mix this integrated loudness (measured with this same function on that code).
const DENSE_MIX_LUFS_BEFORE: f64 = -9.101;

#[test]
fn holding_the_ceiling_costs_at_most_0_2_lu_on_a_dense_mix() {
    let now = dense_mix_loudness();
    println!(
        "dense mix +12 dB into -1 dBTP: {now:.3} LUFS (before: {DENSE_MIX_LUFS_BEFORE:.3}, change {:+.3} LU)",
        now - DENSE_MIX_LUFS_BEFORE
    );
    assert!(
        now >= DENSE_MIX_LUFS_BEFORE - 0.2,
        "{now} vs {DENSE_MIX_LUFS_BEFORE}"
    );
}
