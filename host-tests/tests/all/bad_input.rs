//! Check 3: NaN, ±inf, subnormal and full-scale input.
//!
//! Setup: 48 kHz stereo, blocks of `B` samples (B = 64 and 256), a clean seeded test signal at
//! -12 dBFS. Block 4 is replaced by the bad content; then clean signal continues.
//!
//! Requirements, all measured against a fresh *reference* instance fed the clean signal only:
//! - every output sample, in every block (including the bad one), is finite and not subnormal;
//! - "back to normal" after NaN/±inf/subnormal input: from the start of the second block after
//!   the bad one, plus the reported latency (`recover = (4 + 2)·B + latency`), every output
//!   sample equals the reference within 1e-3 (absolute) up to the end (6 more blocks). The promise
//!   allows poisoned state for at most one block; one more block of grace covers a block that
//!   straddles the bad one in plugins that work in internal frames.
//! - after full-scale ±1 square waves (not bad data, but a level shock that dynamics legitimately
//!   react to): finite/never-subnormal throughout, and after 2 s of clean signal the RMS of the
//!   last 0.5 s is within 1 dB of the reference's.
//!
//! Each case also runs with the plugin's bypass parameter on (the reference bypassed too): a
//! bypassed plugin must not pass NaN/inf/subnormals through either.

use lathe_host_tests::*;

const RATE: f64 = 48_000.0;
const BAD_BLOCK: usize = 4;

#[derive(Clone, Copy, Debug)]
enum Bad {
    AllNan,
    PosInf,
    NegInf,
    /// One NaN and one +inf sample in the middle of an otherwise clean block.
    SparseNanInf,
    /// Every sample subnormal (alternating sign, different magnitudes).
    Subnormal,
    /// A clean signal scaled into the subnormal range over several blocks (a decaying tail).
    SubnormalTail,
    /// ±1.0 square waves, 100 Hz left and 1 kHz right.
    FullScaleSquare,
}

const CASES: [Bad; 7] = [
    Bad::AllNan,
    Bad::PosInf,
    Bad::NegInf,
    Bad::SparseNanInf,
    Bad::Subnormal,
    Bad::SubnormalTail,
    Bad::FullScaleSquare,
];

fn corrupt(bad: Bad, block: &mut [Vec<f32>], start: usize) {
    for (c, ch) in block.iter_mut().enumerate() {
        let n = ch.len();
        for (i, x) in ch.iter_mut().enumerate() {
            let t = start + i;
            *x = match bad {
                Bad::AllNan => f32::NAN,
                Bad::PosInf => f32::INFINITY,
                Bad::NegInf => f32::NEG_INFINITY,
                Bad::SparseNanInf if i == n / 2 => f32::NAN,
                Bad::SparseNanInf if i == n / 2 + 1 && c == 0 => f32::INFINITY,
                Bad::SparseNanInf => *x,
                Bad::Subnormal => {
                    let m = f32::MIN_POSITIVE * (0.5 / (1 + i % 7) as f32);
                    if i % 2 == 0 { m } else { -m }
                }
                Bad::SubnormalTail => *x * 1e-38,
                Bad::FullScaleSquare => {
                    let period = if c == 0 { RATE / 100.0 } else { RATE / 1000.0 };
                    if (t as f64 % period) < period / 2.0 {
                        1.0
                    } else {
                        -1.0
                    }
                }
            };
        }
    }
}

fn run_case(spec: &'static PluginSpec, bad: Bad, block: usize, bypass: bool, f: &mut Failures) {
    let tag = format!(
        "{} [{bad:?}, block {block}{}]",
        spec.info.name,
        if bypass { ", bypassed" } else { "" }
    );
    let square = matches!(bad, Bad::FullScaleSquare);
    let after_blocks = if square {
        (2.5 * RATE) as usize / block + 1
    } else {
        6
    };
    let n_blocks = BAD_BLOCK + 1 + after_blocks;
    let len = n_blocks * block;
    let clean = test_signal(2, len, RATE, 0.25, 42);
    let mut dirty = clean.clone();
    let bad_blocks = 1;
    for b in BAD_BLOCK..BAD_BLOCK + bad_blocks {
        let mut blk: Vec<Vec<f32>> = dirty
            .iter()
            .map(|c| c[b * block..(b + 1) * block].to_vec())
            .collect();
        corrupt(bad, &mut blk, b * block);
        for (d, s) in dirty.iter_mut().zip(&blk) {
            d[b * block..(b + 1) * block].copy_from_slice(s);
        }
    }

    let mut host = PluginHost::load(spec);
    let mut reference = PluginHost::load(spec);
    let bypass_events: Vec<ParamEvent> = if bypass {
        let Some(p) = host.params().into_iter().find(|p| p.is_bypass()) else {
            f.push(format!("{tag}: no parameter has CLAP_PARAM_IS_BYPASS"));
            return;
        };
        vec![ParamEvent::new(0, p.id, p.max)]
    } else {
        Vec::new()
    };
    for h in [&mut host, &mut reference] {
        h.flush(&bypass_events);
        h.activate(RATE, 1, block as u32);
    }
    let latency = host.latency() as usize;
    let out = host.process_signal(&dirty, &[block], &[]);
    let ref_out = reference.process_signal(&clean, &[block], &[]);

    if let Some((c, i, x)) = first_bad_sample(&out) {
        f.push(format!(
            "{tag}: output[{c}][{i}] = {x:e} (non-finite or subnormal); bad input is samples {}..{}",
            BAD_BLOCK * block,
            (BAD_BLOCK + bad_blocks) * block
        ));
    }
    if square {
        let tail = (0.5 * RATE) as usize;
        for c in 0..2 {
            let a = rms(&out[c][len - tail..]);
            let b = rms(&ref_out[c][len - tail..]);
            let db = 20.0 * (a.max(1e-12) / b.max(1e-12)).log10();
            f.check(db.abs() <= 1.0, || {
                format!("{tag}: channel {c}: RMS of the last 0.5 s is {db:+.2} dB off the clean run (limit ±1 dB) 2 s after the square waves")
            });
        }
    } else {
        let recover = (BAD_BLOCK + bad_blocks + 1) * block + latency;
        let mut first = None;
        for c in 0..2 {
            for i in recover..len {
                let (a, b) = (out[c][i], ref_out[c][i]);
                // (NaN output fails too: a NaN difference is not "within".)
                let within = (a - b).abs() <= 1e-3;
                if !within && first.is_none() {
                    first = Some((c, i, a, b));
                }
            }
        }
        if let Some((c, i, a, b)) = first {
            f.push(format!(
                "{tag}: not back to normal: output[{c}][{i}] = {a}, clean run gives {b} \
                 (recovery required from sample {recover} = bad block + 1 block + latency {latency})"
            ));
        }
    }
    check_host(f, &host);
}

fn bad_input(spec: &'static PluginSpec) {
    let mut f = Failures::new();
    for bad in CASES {
        for block in [64, 256] {
            run_case(spec, bad, block, false, &mut f);
        }
        run_case(spec, bad, 256, true, &mut f);
    }
    f.finish(spec.info.name);
}

#[test]
fn bad_input_channel() {
    bad_input(&CHANNEL);
}
#[test]
fn bad_input_eq() {
    bad_input(&EQ);
}
#[test]
fn bad_input_limiter() {
    bad_input(&LIMITER);
}
#[test]
fn bad_input_meter() {
    bad_input(&METER);
}
