//! Check 4: parameters, read from the plugin itself (the suite needs no list of them).
//!
//! - every parameter id is unique;
//! - every parameter is CLAP_PARAM_IS_AUTOMATABLE (the bypass too) and there is exactly one
//!   bypass parameter (CLAP_PARAM_IS_BYPASS, stepped); default within [min, max];
//! - value → text → value → text: for 25 values evenly across each continuous parameter's range
//!   and every step of a stepped one, `text_to_value(value_to_text(v))` succeeds, lands in range
//!   (stepped: equals v) and its text equals the first text; a bare number ("-3") parses like
//!   the number with its unit ("-3.00 dB") for dB/ms/%/LUFS units;
//! - out-of-range values (max + 1, 10·max, min − 1, NaN, ±inf) sent as events in a block and
//!   through `params.flush`: no crash, finite output, `get_value` stays finite and in range;
//!   events for an unknown id and events in a foreign event space (space_id ≠ CLAP core) are
//!   ignored: the parameter keeps its value and the output equals a run without them;
//! - sample accuracy: a jump of the plugin's gain-type parameter at a random offset k inside a
//!   block changes the output starting exactly at k + latency: every sample before equals a
//!   run without the event (bit-exact) and the sample at k + latency differs; after the block,
//!   `get_value` returns the new value. Several random block sizes and offsets.

use lathe_host_tests::*;
use rand::{RngExt, SeedableRng};

const RATE: f64 = 48_000.0;

fn flags_and_texts(spec: &'static PluginSpec) {
    let mut f = Failures::new();
    let mut host = PluginHost::load(spec);
    let params = host.params();
    f.check(!params.is_empty(), || {
        format!("{}: no parameters", spec.info.name)
    });
    // Every id once: the framework hashes string ids to CLAP/VST3 ids, and two that collide
    // make the host drive two parameters as one (it happened: "cp_on" and "e2_on").
    let mut ids: Vec<u32> = params.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    let mut repeated = ids.clone();
    repeated.dedup();
    f.check(repeated.len() == ids.len(), || {
        let twice: Vec<_> = params
            .iter()
            .filter(|p| params.iter().filter(|q| q.id == p.id).count() > 1)
            .map(|p| (p.id, p.name.clone()))
            .collect();
        format!("{}: parameters sharing an id: {twice:?}", spec.info.name)
    });
    let bypasses: Vec<_> = params.iter().filter(|p| p.is_bypass()).collect();
    f.check(bypasses.len() == 1, || {
        format!(
            "{}: expected one bypass parameter, found {bypasses:?}",
            spec.info.name
        )
    });
    for p in &params {
        let tag = format!("{} param {:?} (id {})", spec.info.name, p.name, p.id);
        f.check(
            p.flags
                .contains(clack_extensions::params::ParamInfoFlags::IS_AUTOMATABLE),
            || format!("{tag}: not CLAP_PARAM_IS_AUTOMATABLE (flags {:?})", p.flags),
        );
        if p.is_bypass() {
            f.check(p.is_stepped(), || format!("{tag}: bypass is not stepped"));
        }
        f.check(
            p.min < p.max && p.min <= p.default && p.default <= p.max,
            || {
                format!(
                    "{tag}: range/default: min {} default {} max {}",
                    p.min, p.default, p.max
                )
            },
        );
        f.check(!p.name.trim().is_empty(), || format!("{tag}: empty name"));
        f.check(
            host.param_value(p.id).is_some_and(|v| v == p.default),
            || {
                format!(
                    "{tag}: fresh instance value {:?} is not the default {}",
                    host.param_value(p.id),
                    p.default
                )
            },
        );

        let values: Vec<f64> = if p.is_stepped() {
            let (lo, hi) = (p.min.round() as i64, p.max.round() as i64);
            (lo..=hi).map(|v| v as f64).collect()
        } else {
            (0..25)
                .map(|i| p.min + (p.max - p.min) * i as f64 / 24.0)
                .collect()
        };
        for v in values {
            let Some(t1) = host.value_to_text(p.id, v) else {
                f.push(format!("{tag}: value_to_text({v}) failed"));
                continue;
            };
            let Some(v2) = host.text_to_value(p.id, &t1) else {
                f.push(format!("{tag}: text_to_value({t1:?}) failed (text of {v})"));
                continue;
            };
            f.check(v2.is_finite() && v2 >= p.min && v2 <= p.max, || {
                format!(
                    "{tag}: text_to_value({t1:?}) = {v2}, outside [{}, {}]",
                    p.min, p.max
                )
            });
            if p.is_stepped() {
                // nice-plug's wrapper computes a stepped value as f32 normalized × step count in
                // f64, so text_to_value may return 1.0000000149 for step 1: the same step within
                // f32 rounding, which every host rounds. Anything further off is a different step.
                f.check((v2 - v).abs() < 1e-6, || {
                    format!("{tag}: step {v} → {t1:?} → {v2}: not the same step")
                });
            }
            let t2 = host.value_to_text(p.id, v2);
            f.check(t2.as_deref() == Some(t1.as_str()), || {
                format!("{tag}: {v} → {t1:?} → {v2} → {t2:?}: texts differ")
            });
            // The promise: text entry parses what people type, "-3" as well as "-3 dB". For units whose
            // number is in the parameter's own unit (dB, dBTP, ms, %, LUFS, LU; not Hz/kHz, where
            // the display may switch scale), the bare number must parse to the same value.
            if let Some((number, unit)) = t1.rsplit_once(' ')
                && ["dB", "dBTP", "dBFS", "ms", "%", "LUFS", "LU"].contains(&unit)
                && number.parse::<f64>().is_ok()
            {
                let bare = host.text_to_value(p.id, number);
                f.check(bare == Some(v2), || {
                    format!("{tag}: text_to_value({number:?}) = {bare:?}, but {t1:?} gives {v2}")
                });
            }
        }
    }
    check_host(&mut f, &host);
    f.finish(spec.info.name);
}

#[test]
fn flags_and_texts_channel() {
    flags_and_texts(&CHANNEL);
}
#[test]
fn flags_and_texts_eq() {
    flags_and_texts(&EQ);
}
#[test]
fn flags_and_texts_limiter() {
    flags_and_texts(&LIMITER);
}
#[test]
fn flags_and_texts_meter() {
    flags_and_texts(&METER);
}

fn out_of_range(spec: &'static PluginSpec) {
    let mut f = Failures::new();
    let mut host = PluginHost::load(spec);
    let params = host.params();
    let bad_values = |p: &ParamDesc| {
        [
            p.max + 1.0,
            p.max * 10.0 + 10.0,
            p.min - 1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]
    };
    let check_values = |host: &mut PluginHost, f: &mut Failures, when: &str| {
        for p in &params {
            let v = host.param_value(p.id);
            f.check(
                v.is_some_and(|v| v.is_finite() && v >= p.min && v <= p.max),
                || {
                    format!(
                        "{} param {:?}: value {v:?} outside [{}, {}] {when}",
                        spec.info.name, p.name, p.min, p.max
                    )
                },
            );
        }
    };

    // Through flush while inactive.
    for p in &params {
        for v in bad_values(p) {
            host.flush(&[ParamEvent::new(0, p.id, v)]);
        }
    }
    check_values(
        &mut host,
        &mut f,
        "after out-of-range flushes while inactive",
    );

    // Through events in blocks.
    host.activate(RATE, 1, 256);
    let input = test_signal(2, 256, RATE, 0.25, 7);
    let mut out = vec![vec![0.0; 256]; 2];
    for p in &params {
        for (i, v) in bad_values(p).into_iter().enumerate() {
            host.process(
                &input,
                &mut out,
                &[ParamEvent::new((i * 37) as u32, p.id, v)],
            );
            if let Some((c, i, x)) = first_bad_sample(&out) {
                f.push(format!(
                    "{} param {:?} = {v}: output[{c}][{i}] = {x:e}",
                    spec.info.name, p.name
                ));
            }
        }
    }
    check_values(&mut host, &mut f, "after out-of-range events");
    // Through flush while active (runs on the audio thread).
    host.stop_processing();
    for p in &params {
        for v in bad_values(p) {
            host.flush(&[ParamEvent::new(0, p.id, v)]);
        }
    }
    check_values(&mut host, &mut f, "after out-of-range flushes while active");
    host.deactivate();

    // Unknown ids and foreign event spaces are ignored: same values, same output as a run
    // without them. Use the in-range value farthest from the current one so a misread event
    // would show.
    let mut host = PluginHost::load(spec);
    let mut reference = PluginHost::load(spec);
    host.activate(RATE, 1, 256);
    reference.activate(RATE, 1, 256);
    let known: Vec<u32> = params.iter().map(|p| p.id).collect();
    let unknown_id = (1..u32::MAX / 2)
        .map(|i| i.wrapping_mul(2_654_435_761) & 0x7fff_ffff)
        .find(|id| !known.contains(id))
        .unwrap();
    let before: Vec<Option<f64>> = params.iter().map(|p| host.param_value(p.id)).collect();
    let mut events = vec![
        ParamEvent::new(0, unknown_id, 0.5),
        ParamEvent::new(10, unknown_id, f64::NAN),
        ParamEvent::new(20, 0xffff_fffe, 1.0),
    ];
    for (i, p) in params.iter().enumerate() {
        let far = if p.default - p.min > p.max - p.default {
            p.min
        } else {
            p.max
        };
        events.push(ParamEvent {
            time: 30 + i as u32,
            param_id: p.id,
            value: far,
            space_id: Some(0x7a5e),
        });
    }
    for b in 0..4 {
        let input = test_signal(2, 256, RATE, 0.25, 100 + b);
        let mut out = vec![vec![0.0; 256]; 2];
        let mut ref_out = vec![vec![0.0; 256]; 2];
        host.process(&input, &mut out, if b == 1 { &events } else { &[] });
        reference.process(&input, &mut ref_out, &[]);
        f.check(out == ref_out, || {
            format!(
                "{}: block {b}: output changed by events for unknown ids / a foreign event space",
                spec.info.name
            )
        });
    }
    let after: Vec<Option<f64>> = params.iter().map(|p| host.param_value(p.id)).collect();
    f.check(before == after, || {
        format!(
            "{}: parameter values changed by unknown-id / foreign-space events: {before:?} → {after:?}",
            spec.info.name
        )
    });
    check_host(&mut f, &host);
    f.finish(spec.info.name);
}

#[test]
fn out_of_range_channel() {
    out_of_range(&CHANNEL);
}
#[test]
fn out_of_range_eq() {
    out_of_range(&EQ);
}
#[test]
fn out_of_range_limiter() {
    out_of_range(&LIMITER);
}
#[test]
fn out_of_range_meter() {
    out_of_range(&METER);
}

fn sample_accurate(spec: &'static PluginSpec) {
    let Some((string_id, from_db, to_db)) = spec.gain_param else {
        // The meter has no parameter that changes audio: nothing to measure. (Its parameters'
        // events are still exercised by the other parameter checks.)
        return;
    };
    let mut f = Failures::new();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0x5a);
    let mut probe = PluginHost::load(spec);
    let p = probe.param_by_string_id(string_id);
    let text_value = |host: &mut PluginHost, db: f64| {
        host.text_to_value(p.id, &format!("{db}"))
            .unwrap_or_else(|| {
                panic!(
                    "{}: text_to_value({db:?}) for {string_id:?} failed",
                    spec.info.name
                )
            })
    };
    let from = text_value(&mut probe, from_db);
    let to = text_value(&mut probe, to_db);
    drop(probe);

    for trial in 0..8 {
        let block: usize = [64, 100, 256, 512, 1000, 2048][rng.random_range(0..6)];
        let k = rng.random_range(1..block);
        let tag = format!(
            "{} {string_id:?} {from_db} → {to_db} dB at offset {k} of a {block}-sample block (trial {trial})",
            spec.info.name
        );
        let mut host = PluginHost::load(spec);
        let mut reference = PluginHost::load(spec);
        for h in [&mut host, &mut reference] {
            let mut setup = vec![ParamEvent::new(0, p.id, from)];
            // A linear-phase filter (the limiter's oversampler, and in true-peak mode its output
            // band limit) lets a sub-ULP pre-ring of any gain change (its FIR tails, below -150
            // dB) reach the output up to half its length before the latency: the timing is
            // measured exactly with oversampling off, in sample-peak mode.
            for (name, text) in [("Oversampling", "Off"), ("Mode", "Sample Peak")] {
                if let Some(q) = h.params().into_iter().find(|q| q.name == name) {
                    let v = h
                        .text_to_value(q.id, text)
                        .unwrap_or_else(|| panic!("{name}: {text}"));
                    setup.push(ParamEvent::new(0, q.id, v));
                }
            }
            h.flush(&setup);
            h.activate(RATE, 1, block as u32);
        }
        let latency = host.latency() as usize;
        // Warm-up blocks (settle smoothers and fill the lookahead), then the block with the jump,
        // then enough blocks to cover the latency.
        let warm = 3;
        let after = latency / block + 2;
        let mut diff_at = None;
        let mut pre_mismatch = None;
        let mut pos = 0usize;
        let change_at = warm * block + k + latency;
        for b in 0..warm + 1 + after {
            let input = test_signal(2, block, RATE, 0.25, 1000 + b as u64);
            let mut out = vec![vec![0.0; block]; 2];
            let mut ref_out = vec![vec![0.0; block]; 2];
            let ev = [ParamEvent::new(k as u32, p.id, to)];
            host.process(&input, &mut out, if b == warm { &ev } else { &[] });
            reference.process(&input, &mut ref_out, &[]);
            for i in 0..block {
                let t = pos + i;
                let same = out[0][i] == ref_out[0][i] && out[1][i] == ref_out[1][i];
                if t < change_at && !same && pre_mismatch.is_none() {
                    pre_mismatch = Some((t, out[0][i], ref_out[0][i]));
                }
                if t >= change_at && !same && diff_at.is_none() {
                    diff_at = Some(t);
                }
            }
            pos += block;
        }
        if let Some((t, a, b)) = pre_mismatch {
            f.push(format!(
                "{tag}: output changed before the event: sample {t} (event lands at {change_at} incl. latency {latency}): {a} vs {b}"
            ));
        }
        f.check(diff_at == Some(change_at), || {
            format!("{tag}: the change should begin at sample {change_at} (block start + k + latency {latency}), first difference at {diff_at:?}")
        });
        let v = host.param_value(p.id);
        f.check(v.is_some_and(|v| (v - to).abs() < 1e-9), || {
            format!("{tag}: value after the block is {v:?}, the event set {to}")
        });
        check_host(&mut f, &host);
    }
    f.finish(spec.info.name);
}

#[test]
fn sample_accurate_channel() {
    sample_accurate(&CHANNEL);
}
#[test]
fn sample_accurate_eq() {
    sample_accurate(&EQ);
}
#[test]
fn sample_accurate_limiter() {
    sample_accurate(&LIMITER);
}

#[test]
fn every_plugin_of_the_suite_has_host_test_expectations() {
    for plugin in lathe_suite::PLUGINS {
        let info = plugin.info();
        assert!(
            lathe_host_tests::spec_of(info).is_some(),
            "{}: no PluginSpec in host-tests/src/lib.rs",
            info.name
        );
    }
    assert_eq!(lathe_host_tests::ALL.len(), lathe_suite::PLUGINS.len());
}
