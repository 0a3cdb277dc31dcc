//! Check 2: activation at 22.05–384 kHz with max blocks 1, 64, 512, 8192; seeded random block
//! sizes 1..=max. Output is always finite (and never subnormal); it equals a run of a fresh
//! instance processed in max-size blocks (block-split invariance, the suite's promise: "the same result within
//! float rounding", here |diff| ≤ 1e-5 · (1 + |reference|)); and for plugins that pass audio
//! through at defaults, it equals the input delayed by the reported latency, bit-exact.
//! Then the same (finite, never subnormal, block-split invariant) with three seeded random
//! settings of every parameter at every rate, max block 512, so filters and dynamics added
//! later are exercised at 22.05 and 384 kHz with non-default values too.

use lathe_host_tests::*;

const RATES: [f64; 6] = [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0, 384_000.0];
const MAX_BLOCKS: [u32; 4] = [1, 64, 512, 8192];

fn rates_and_blocks(spec: &'static PluginSpec) {
    let mut f = Failures::new();
    let mut host = PluginHost::load(spec);
    let mut reference = PluginHost::load(spec);
    for (ri, &rate) in RATES.iter().enumerate() {
        for (bi, &max_block) in MAX_BLOCKS.iter().enumerate() {
            // Enough audio for several max-size blocks, bounded so the suite stays fast: single
            // samples cost one process call each.
            let len = match max_block {
                1 => 3_000,
                64 => 6_000,
                512 => 12_000,
                _ => 3 * 8192 + 1234,
            };
            let seed = (ri * 10 + bi) as u64;
            let input = test_signal(2, len, rate, 0.25, seed);
            let blocks = random_blocks(seed + 100, max_block as usize, len);

            host.activate(rate, 1, max_block);
            let latency = host.latency() as usize;
            let out = host.process_signal(&input, &blocks, &[]);
            host.deactivate();

            reference.activate(rate, 1, max_block);
            let ref_out = reference.process_signal(&input, &[max_block as usize], &[]);
            reference.deactivate();

            let tag = format!("{} @ {rate} Hz, max block {max_block}", spec.info.name);
            if let Some((c, i, x)) = first_bad_sample(&out) {
                f.push(format!(
                    "{tag}: output[{c}][{i}] = {x:e} (non-finite or subnormal)"
                ));
                continue;
            }
            let mut worst: Option<(usize, usize, f32, f32)> = None;
            for c in 0..2 {
                for i in 0..len {
                    let (a, b) = (out[c][i], ref_out[c][i]);
                    if (a - b).abs() > 1e-5 * (1.0 + b.abs()) && worst.is_none() {
                        worst = Some((c, i, a, b));
                    }
                }
            }
            if let Some((c, i, a, b)) = worst {
                f.push(format!(
                    "{tag}: random blocks differ from max-size blocks at [{c}][{i}]: {a} vs {b}"
                ));
            }
            if spec.bit_exact_at_default {
                let mut first_diff = None;
                for c in 0..2 {
                    for i in 0..len {
                        let want = if i >= latency {
                            input[c][i - latency]
                        } else {
                            0.0
                        };
                        if out[c][i] != want && first_diff.is_none() {
                            first_diff = Some((c, i, out[c][i], want));
                        }
                    }
                }
                if let Some((c, i, got, want)) = first_diff {
                    f.push(format!(
                        "{tag}: output is not the input delayed by {latency} samples: \
                         [{c}][{i}] = {got}, expected {want}"
                    ));
                }
            }
        }
    }
    check_host(&mut f, &host);
    f.finish(spec.info.name);
}

#[test]
fn rates_and_blocks_channel() {
    rates_and_blocks(&CHANNEL);
}
#[test]
fn rates_and_blocks_eq() {
    rates_and_blocks(&EQ);
}
#[test]
fn rates_and_blocks_limiter() {
    rates_and_blocks(&LIMITER);
}
#[test]
fn rates_and_blocks_meter() {
    rates_and_blocks(&METER);
}

fn random_settings(spec: &'static PluginSpec) {
    let mut f = Failures::new();
    for (ri, &rate) in RATES.iter().enumerate() {
        for set in 0..3u64 {
            let seed = 1_000 + ri as u64 * 10 + set;
            let mut host = PluginHost::load(spec);
            let mut reference = PluginHost::load(spec);
            host.randomise_params(seed);
            reference.randomise_params(seed);
            let len = 12_000;
            let input = test_signal(2, len, rate, 0.5, seed);
            let blocks = random_blocks(seed, 512, len);
            host.activate(rate, 1, 512);
            reference.activate(rate, 1, 512);
            let out = host.process_signal(&input, &blocks, &[]);
            let ref_out = reference.process_signal(&input, &[512], &[]);
            let tag = format!(
                "{} @ {rate} Hz, random settings #{set} (seed {seed})",
                spec.info.name
            );
            if let Some((c, i, x)) = first_bad_sample(&out) {
                f.push(format!(
                    "{tag}: output[{c}][{i}] = {x:e} (non-finite or subnormal)"
                ));
                continue;
            }
            let diff = (0..2)
                .flat_map(|c| (0..len).map(move |i| (c, i)))
                .find(|&(c, i)| {
                    (out[c][i] - ref_out[c][i]).abs() > 1e-5 * (1.0 + ref_out[c][i].abs())
                });
            if let Some((c, i)) = diff {
                f.push(format!(
                    "{tag}: random blocks differ from max-size blocks at [{c}][{i}]: {} vs {}",
                    out[c][i], ref_out[c][i]
                ));
            }
            check_host(&mut f, &host);
        }
    }
    f.finish(spec.info.name);
}

#[test]
fn random_settings_channel() {
    random_settings(&CHANNEL);
}
#[test]
fn random_settings_eq() {
    random_settings(&EQ);
}
#[test]
fn random_settings_limiter() {
    random_settings(&LIMITER);
}
#[test]
fn random_settings_meter() {
    random_settings(&METER);
}
