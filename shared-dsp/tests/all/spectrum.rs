//! Reference tests for the spectrum analyser: dBFS calibration against sines of known
//! amplitude, white-noise level against the window's equivalent noise bandwidth, ballistics
//! against their time constants, smoothing keeping a tone's frequency, and the audio side's
//! allocation-free pushes through the lock-free ring.

use shared_dsp::spectrum::{SpectrumAnalyzer, Window, log_frequencies};
use test_support::measure::argmax;
use test_support::no_alloc;
use test_support::signals::{sine, white};

#[test]
fn full_scale_sine_reads_0_dbfs_at_its_bin() {
    let sr = 48_000.0;
    for window in [Window::Hann, Window::BlackmanHarris] {
        for n in [1024usize, 4096, 16384] {
            let mut a = SpectrumAnalyzer::new(sr as f32, n);
            a.set_window(window);
            let k = n / 16 + 3;
            let f = k as f64 * sr / n as f64;
            assert_eq!(a.feed(&sine(f, sr, 1.0, 0.0, 2 * n)), 5);
            let db = a.bin_db(k);
            let peak = argmax(a.power());
            println!("{window:?} N {n}: {f:.2} Hz at bin {k}: {db:+.4} dBFS, peak bin {peak}");
            assert_eq!(peak, k);
            assert!(db.abs() < 0.1, "{db}");

            // −20 dB sine reads −20 dBFS.
            a.reset();
            a.feed(&sine(f, sr, 0.1, 0.0, 2 * n));
            assert!((a.bin_db(k) + 20.0).abs() < 0.1);

            // Half-way between bins: the scalloping loss of Harris (1978), Table 1.
            a.reset();
            a.feed(&sine(f + 0.5 * sr / n as f64, sr, 1.0, 0.0, 2 * n));
            let loss = a.bin_db(k).max(a.bin_db(k + 1));
            let want = match window {
                Window::Hann => -1.42,
                Window::BlackmanHarris => -0.83,
            };
            assert!((loss - want).abs() < 0.05, "{window:?} scalloping {loss}");
        }
    }
}

#[test]
fn white_noise_reads_flat_at_the_enbw_level() {
    let sr = 48_000.0f32;
    let n = 4096;
    for window in [Window::Hann, Window::BlackmanHarris] {
        let mut a = SpectrumAnalyzer::new(sr, n);
        a.set_window(window);
        a.set_averaging_ms(4000.0);
        a.set_smoothing_octaves(1.0 / 3.0);
        let noise = white((8.0 * sr) as usize, 7, 1.0);
        a.feed(&noise);
        // Uniform noise in ±1: σ² = 1/3; per bin E[P] = 4 σ² ENBW / N.
        let expected = 10.0 * (4.0 / 3.0 * window.enbw_bins() / n as f64).log10();
        let mut freqs = vec![0.0f32; 120];
        log_frequencies(100.0, 10_000.0, &mut freqs);
        let mut db = vec![0.0f32; freqs.len()];
        a.display_db(&freqs, &mut db);
        let mean = db.iter().map(|&x| x as f64).sum::<f64>() / db.len() as f64;
        let (lo, hi) = db
            .iter()
            .fold((f32::MAX, f32::MIN), |(l, h), &x| (l.min(x), h.max(x)));
        println!(
            "{window:?}: expected {expected:.2} dB/bin, mean {mean:.2}, range {lo:.2}..{hi:.2} over 100 Hz-10 kHz"
        );
        for (&f, &d) in freqs.iter().zip(&db) {
            assert!((d as f64 - expected).abs() < 1.0, "{window:?} {f} Hz: {d}");
        }
        assert!((mean - expected).abs() < 0.3);
    }
}

#[test]
fn tap_pushes_without_allocating_and_update_matches_direct_feed() {
    let sr = 44_100.0f32;
    let (mut a, mut tap) = SpectrumAnalyzer::with_tap(sr, 2048);
    let mut direct = SpectrumAnalyzer::new(sr, 2048);
    let l = sine(1000.0, sr as f64, 0.5, 0.0, 20_000);
    let r = sine(3000.0, sr as f64, 0.25, 0.0, 20_000);
    let mono: Vec<f32> = l.iter().zip(&r).map(|(a, b)| (a + b) * 0.5).collect();
    for (lc, rc) in l.chunks(333).zip(r.chunks(333)) {
        no_alloc(|| tap.push_stereo(lc, rc));
        // The GUI thread may update at any time; updating never allocates either.
        no_alloc(|| {
            a.update();
        });
    }
    assert!(!a.update());
    direct.feed(&mono);
    assert!(a.frame_count() > 30);
    assert_eq!(a.frame_count(), direct.frame_count());
    assert_eq!(a.power(), direct.power());
    // Mono pushes and the mean of any channel count go through the same ring.
    no_alloc(|| {
        tap.push(&mono[..100]);
        tap.push_mean(&[&l[..100], &r[..100]], 100);
    });
}

#[test]
fn overflowing_ring_restarts_cleanly() {
    let sr = 48_000.0f32;
    let (mut a, mut tap) = SpectrumAnalyzer::with_tap(sr, 1024);
    // 2 s without an update: far more than the ring holds.
    let x = sine(1000.0, sr as f64, 1.0, 0.0, 96_000);
    for c in x.chunks(512) {
        tap.push(c);
    }
    a.update(); // sees the overflow, drops the stale audio
    let y = sine(1000.0, sr as f64, 1.0, 0.0, 4096);
    tap.push(&y);
    assert!(a.update());
    assert!(a.power().iter().all(|p| p.is_finite()));
    // Stale audio can be dropped unanalysed.
    let frames = a.frame_count();
    tap.push(&y);
    no_alloc(|| a.discard_pending());
    assert!(!a.update());
    assert_eq!(a.frame_count(), frames);
}

#[test]
fn fractional_octave_smoothing_keeps_a_tones_frequency() {
    let sr = 48_000.0f32;
    let mut grid = vec![0.0f32; 1200];
    log_frequencies(20.0, 20_000.0, &mut grid);
    let step = (1000.0f64).powf(1.0 / 1199.0);
    for octaves in [0.0, 1.0 / 6.0, 1.0 / 3.0] {
        for f in [97.3, 1013.0, 9870.0] {
            let mut a = SpectrumAnalyzer::new(sr, 8192);
            a.set_smoothing_octaves(octaves);
            a.feed(&sine(f, sr as f64, 0.5, 0.0, 3 * 8192));
            let mut db = vec![0.0f32; grid.len()];
            a.display_db(&grid, &mut db);
            let peak = grid[argmax(&db)] as f64;
            let ratio = peak / f;
            // Unsmoothed, the curve can only peak on a bin: half a bin of error is allowed.
            let tol = if octaves == 0.0 {
                1.0 + 0.5 * a.bin_hz() as f64 / f
            } else {
                1.0
            };
            println!(
                "{octaves:.3} oct, {f} Hz: display peak {peak:.1} Hz ({:+.2} %), {:.2} dB",
                (ratio - 1.0) * 100.0,
                db[argmax(&db)]
            );
            if octaves == 0.0 {
                // Unsmoothed, the tone keeps its level (−6.02 dBFS) up to the scalloping loss.
                let level = db[argmax(&db)];
                assert!(level < -5.9 && level > -6.02 - 1.43, "{f}: {level}");
            }
            assert!(
                ratio < step * step * tol && ratio > 1.0 / (step * step * tol),
                "{f}: {peak}"
            );
        }
    }
}

#[test]
fn averaging_and_peak_hold_follow_their_time_constants() {
    let sr = 48_000.0f32;
    for (n, overlap) in [(1024usize, 0.875f32), (2048, 0.5)] {
        let mut a = SpectrumAnalyzer::new(sr, n);
        a.set_overlap(overlap);
        a.set_averaging_ms(200.0);
        a.set_peak_hold(500.0, 20.0);
        let f = 48.0 * sr as f64 / n as f64;
        let k = 48;
        a.feed(&sine(f, sr as f64, 1.0, 0.0, 48_000));
        assert!(a.bin_db(k).abs() < 0.1);
        // Silence: once the frames have left the tone, the average falls 4.343 dB per
        // time constant (1/e in power), counted in hops actually analysed.
        let hop_s = a.hop_size() as f64 / sr as f64;
        let feed_until = |ms: f64, a: &mut SpectrumAnalyzer, fed: &mut usize| {
            let target = (ms * 0.001 * sr as f64) as usize;
            a.feed(&vec![0.0; target - *fed]);
            *fed = target;
            (
                a.bin_db(k) as f64,
                10.0 * (a.peak_power()[k] as f64).log10(),
                a.frame_count(),
            )
        };
        let mut fed = 0;
        let (l1, p1, f1) = feed_until(100.0, &mut a, &mut fed);
        let (l2, p2, f2) = feed_until(300.0, &mut a, &mut fed);
        let (_, p3, f3) = feed_until(800.0, &mut a, &mut fed);
        let (_, p4, f4) = feed_until(1000.0, &mut a, &mut fed);
        let want_avg = 4.343 * (f2 - f1) as f64 * hop_s / 0.2;
        let want_peak = 20.0 * (f4 - f3) as f64 * hop_s;
        println!(
            "N {n} overlap {overlap}: average {l1:.2} -> {l2:.2} dB (want -{want_avg:.2}); peak {p1:.2}, {p2:.2} (held), {p3:.2} -> {p4:.2} dB (want -{want_peak:.2})"
        );
        assert!((l1 - l2 - want_avg).abs() < 0.01, "{}", l1 - l2);
        // Held for 500 ms, then −20 dB/s.
        assert!(p1.abs() < 0.1 && p2.abs() < 0.1);
        assert!((p3 - p4 - want_peak).abs() < 0.01, "{}", p3 - p4);
        assert!(p3 < -1.0);
    }
}

#[test]
fn bad_input_and_settings_changes_are_safe() {
    let mut a = SpectrumAnalyzer::new(48_000.0, 1024);
    let mut x = sine(1000.0, 48_000.0, 1.0, 0.0, 4096);
    x[100] = f32::NAN;
    x[200] = f32::INFINITY;
    x[300] = 1e-40;
    a.feed(&x);
    let mut freqs = [0.0f32; 64];
    log_frequencies(20.0, 24_000.0, &mut freqs);
    let mut out = [0.0f32; 64];
    a.display_db(&freqs, &mut out);
    assert!(out.iter().all(|v| v.is_finite()));
    a.display_peak_db(&freqs, &mut out);
    assert!(out.iter().all(|v| v.is_finite()));
    // Changing every setting never allocates.
    no_alloc(|| {
        a.set_fft_size(16384);
        a.set_window(Window::BlackmanHarris);
        a.set_overlap(0.5);
        a.set_averaging_ms(1000.0);
        a.set_peak_hold(f32::INFINITY, 0.0);
        a.set_smoothing_octaves(1.0 / 3.0);
        a.set_tilt_db_per_octave(4.5);
        a.set_sample_rate(96_000.0);
        a.feed(&x);
        a.display_db(&freqs, &mut out);
        a.reset();
    });
    assert_eq!(a.fft_size(), 16384);
    assert_eq!(a.hop_size(), 8192);
    // Silence reads the floor, not NaN or -inf.
    a.feed(&vec![0.0; 40_000]);
    a.display_db(&freqs, &mut out);
    for (&f, &v) in freqs.iter().zip(&out) {
        assert!(
            (v - (-200.0 + 4.5 * (f / 1000.0).log2())).abs() < 1e-3,
            "{f}: {v}"
        );
    }
}

#[test]
fn tilt_pivots_at_1_khz() {
    let mut a = SpectrumAnalyzer::new(48_000.0, 4096);
    a.set_smoothing_octaves(0.0);
    let x = white(48_000, 3, 0.5);
    a.feed(&x);
    let f = [250.0f32, 1000.0, 4000.0];
    let mut flat = [0.0f32; 3];
    let mut tilted = [0.0f32; 3];
    a.display_db(&f, &mut flat);
    a.set_tilt_db_per_octave(4.5);
    a.display_db(&f, &mut tilted);
    assert!((tilted[0] - flat[0] + 9.0).abs() < 1e-3);
    assert!((tilted[1] - flat[1]).abs() < 1e-4);
    assert!((tilted[2] - flat[2] - 9.0).abs() < 1e-3);
}

#[test]
fn halves_can_move_to_their_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<SpectrumAnalyzer>();
    assert_send::<shared_dsp::spectrum::SpectrumTap>();
}
