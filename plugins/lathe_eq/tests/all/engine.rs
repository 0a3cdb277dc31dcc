//! The Mastering EQ's engine as the plugin and `lathe render eq` run it. The band designs'
//! responses, sweeps, placements and SIMD/scalar equality are tested in
//! `shared-dsp/tests/all/filters.rs`; here: transparency, auto gain, mid/side isolation, polarity and
//! block-size independence through the whole chain.

use lathe_eq::engine::{EqEngine, EqMode, EqSettings, NUM_BANDS};
use shared_dsp::filter::{BandParams, BandType, Placement};
use shared_dsp::loudness::{ChannelLayout, LoudnessMeter};
use test_support::Split;
use test_support::blocks::process_split;
use test_support::measure::{db, max_abs_diff, rms};
use test_support::signals::{pink_stereo, white_stereo};

// nice-plug's `assert_process_allocs` installs the allocation checker `test_support::no_alloc`
// reads as this binary's global allocator.

/// Runs `input` through `e` in random blocks of 1..=1024 frames, allocation forbidden.
fn run(e: &mut EqEngine, input: &[Vec<f32>], seed: u64) -> Vec<Vec<f32>> {
    let sizes = Split::Random { seed, max: 1024 }.sizes(input[0].len());
    process_split(input, &sizes, |ch, _| e.process(ch))
}

fn engine(settings: &EqSettings) -> EqEngine {
    let mut e = EqEngine::new(2, 48_000.0, 1024);
    e.set_settings(settings);
    e.reset();
    e
}

/// Largest difference in dB relative to full scale.
fn max_diff_db(a: &[Vec<f32>], b: &[Vec<f32>]) -> f64 {
    let d = a
        .iter()
        .zip(b)
        .map(|(x, y)| max_abs_diff(x, y))
        .fold(0.0, f32::max);
    db(d as f64)
}

#[test]
fn all_bands_off_or_at_zero_db_is_transparent() {
    let x = white_stereo(48_000, 1, 0.5);
    let off = EqSettings::default();
    let y = run(&mut engine(&off), &x, 2);
    let d = max_diff_db(&x, &y);
    assert!(d < -120.0, "all bands off: difference {d:.1} dB");

    let mut zero = EqSettings::default();
    for (i, b) in zero.bands.iter_mut().enumerate() {
        let kind = [
            BandType::Bell,
            BandType::LowShelf,
            BandType::HighShelf,
            BandType::Tilt,
        ][i % 4];
        *b = BandParams::new(kind, 100.0 * (i + 1) as f32, 0.0, 1.0);
    }
    let y = run(&mut engine(&zero), &x, 3);
    let d = max_diff_db(&x, &y);
    assert!(d < -120.0, "eight bands at 0 dB: difference {d:.1} dB");
}

#[test]
fn any_block_split_gives_the_same_output() {
    let x = white_stereo(20_000, 4, 0.5);
    let mut s = EqSettings::default();
    s.bands[0] = BandParams::bell(1000.0, 6.0, 2.0);
    s.bands[1] = BandParams::high_pass(40.0, 4);
    s.bands[2] = BandParams::high_shelf(8000.0, -3.0, 0.7).with_placement(Placement::Side);
    let a = run(&mut engine(&s), &x, 5);
    let b = run(&mut engine(&s), &x, 6);
    assert_eq!(a, b);
}

/// A host may deliver more frames than it declared: the EQ, prepared for 512 frames, takes blocks
/// of 1,024 and 4,096 (in both processing modes) without panicking or allocating, with the output
/// of 512-frame blocks.
#[test]
fn blocks_longer_than_prepared_run_in_prepared_chunks() {
    let x = white_stereo(12_288, 8, 0.5);
    for mode in [EqMode::ZeroLatency, EqMode::LinearPhase] {
        let mut s = EqSettings::default();
        s.bands[0] = BandParams::bell(1000.0, 6.0, 2.0);
        s.bands[1] = BandParams::high_pass(40.0, 4);
        s.mode = mode;
        let render = |block: usize| {
            let mut e = EqEngine::with_settings(2, 48_000.0, 512, &s);
            process_split(&x, &Split::Fixed(block).sizes(x[0].len()), |ch, _| {
                e.process(ch)
            })
        };
        let reference = render(512);
        for block in [1024, 4096] {
            assert_eq!(render(block), reference, "block {block}, {mode:?}");
        }
    }
}

#[test]
fn a_mid_band_leaves_the_side_untouched_and_a_side_band_the_mid() {
    let x = white_stereo(24_000, 7, 0.5);
    for (placement, untouched) in [(Placement::Mid, "side"), (Placement::Side, "mid")] {
        let mut s = EqSettings::default();
        s.bands[0] = BandParams::bell(1000.0, 12.0, 1.0).with_placement(placement);
        let y = run(&mut engine(&s), &x, 8);
        let part = |c: &[Vec<f32>], i: usize| -> Vec<f32> {
            c[0].iter()
                .zip(&c[1])
                .map(|(l, r)| {
                    if untouched == "side" {
                        (l - r) * 0.5
                    } else {
                        (l + r) * 0.5
                    }
                })
                .skip(i)
                .collect()
        };
        let (a, b) = (part(&x, 0), part(&y, 0));
        let d = max_abs_diff(&a, &b);
        assert!(
            db(d as f64) < -100.0,
            "{placement:?} band changed the {untouched} by {d}"
        );
        // And it does change the other part.
        assert!(max_diff_db(&x, &y) > -20.0);
    }
}

#[test]
fn invert_flips_the_polarity_exactly() {
    let x = white_stereo(4_800, 9, 0.5);
    let s = EqSettings {
        invert: true,
        ..EqSettings::default()
    };
    let y = run(&mut engine(&s), &x, 10);
    // After the 20 ms gain glide the output is exactly the negated input.
    for c in 0..2 {
        for i in 2_400..4_800 {
            assert_eq!(y[c][i], -x[c][i], "channel {c} sample {i}");
        }
    }
}

fn integrated(x: &[Vec<f32>]) -> f64 {
    let mut m = LoudnessMeter::new(48_000.0, ChannelLayout::Stereo, 1 << 16);
    m.process(&[&x[0], &x[1]]);
    m.integrated_lufs()
}

#[test]
fn auto_gain_keeps_the_loudness_of_pink_noise() {
    let x = pink_stereo(48_000 * 8, 11);
    let reference = integrated(&x);
    let cases: [(&str, [Option<BandParams>; 2]); 4] = [
        (
            "+6 dB bell at 3 kHz",
            [Some(BandParams::bell(3000.0, 6.0, 1.0)), None],
        ),
        (
            "-9 dB low shelf at 200 Hz",
            [Some(BandParams::low_shelf(200.0, -9.0, 0.7)), None],
        ),
        (
            "+4 dB high shelf and 24 dB/oct high-pass",
            [
                Some(BandParams::high_shelf(6000.0, 4.0, 0.7)),
                Some(BandParams::high_pass(120.0, 4)),
            ],
        ),
        (
            "+8 dB side bell",
            [
                Some(BandParams::bell(2000.0, 8.0, 0.8).with_placement(Placement::Side)),
                None,
            ],
        ),
    ];
    for (name, bands) in cases {
        let mut s = EqSettings::default();
        for (slot, b) in s.bands.iter_mut().zip(bands) {
            if let Some(b) = b {
                *slot = b;
            }
        }
        let without = integrated(&run(&mut engine(&s), &x, 12));
        s.auto_gain = true;
        let with = integrated(&run(&mut engine(&s), &x, 12));
        eprintln!(
            "{name}: EQ alone {:+.2} LU, with auto gain {:+.2} LU",
            without - reference,
            with - reference
        );
        assert!(
            (with - reference).abs() <= 0.5,
            "{name}: auto gain leaves {:+.2} LU (EQ alone {:+.2} LU)",
            with - reference,
            without - reference
        );
    }
    assert_eq!(NUM_BANDS, 8);
}

/// Auto gain follows automation: recomputed at most every 10 ms while a band moves, and once
/// the band stops it settles on the same gain as an engine set to the final curve directly.
#[test]
fn auto_gain_settles_after_automation() {
    let x = white_stereo(24_000, 21, 0.5);
    let mut s = EqSettings {
        auto_gain: true,
        ..EqSettings::default()
    };
    let mut moving = engine(&s);
    let (mut l, mut r) = (x[0].clone(), x[1].clone());
    for (k, (cl, cr)) in l.chunks_mut(64).zip(r.chunks_mut(64)).enumerate() {
        // +0.06 dB per block for 100 blocks, then held at +6 dB.
        s.bands[0] = BandParams::bell(2000.0, (0.06 * k as f32).min(6.0), 1.0);
        moving.set_settings(&s);
        moving.process(&mut [cl, cr]);
    }
    let mut fixed = engine(&s);
    let (mut fl, mut fr) = (x[0].clone(), x[1].clone());
    fixed.process(&mut [&mut fl, &mut fr]);
    // After the glides (20 ms band, 10 ms gain), the two play at the same level. A missed last
    // recomputation would leave the gain of a block up to 10 ms earlier: about 0.05 dB off.
    let tail = 12_000..24_000;
    let d = 20.0 * (rms(&l[tail.clone()]) / rms(&fl[tail])).log10();
    assert!(d.abs() < 0.005, "moving vs fixed after settling: {d:.4} dB");
    assert!((fixed.loudness_change_db() - 2.0).abs() < 1.5);
}
