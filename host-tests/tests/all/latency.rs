//! Check 6: latency.
//!
//! - At default parameters, at 44.1, 48 and 96 kHz, the latency the plugin reports (CLAP latency
//!   extension) equals the expected figure (0, or the lookahead in samples, rounded) and the
//!   measured delay of an impulse (position of the largest output sample minus the impulse's);
//!   with the bypass parameter on, the latency reported and measured is the same.
//! - Limiter: for several lookahead values at 44.1 and 96 kHz, `la` is set three ways:
//!   (a) by a parameter event inside a block: the plugin must ask for a restart
//!   (`request_restart`, reached through `request_callback` → `on_main_thread`); the host
//!   deactivates/activates as a DAW does; the plugin then calls `latency.changed` (on the main
//!   thread) and reports the new latency, which equals the measured impulse delay;
//!   (b) by `params.flush` while inactive: after activation the reported latency is the new one
//!   and equals the measured delay;
//!   (c) by `params.flush` while active with processing stopped: once processing resumes the
//!   plugin asks for a restart, and after it the figures agree;
//!   (d) by a parameter event, after which the host deactivates (transport stopped, project
//!   closing) *before* its event loop runs the plugin's main-thread callback: the plugin must
//!   not call `latency.changed` outside `activate` (CLAP: "[main-thread & being-activated]";
//!   clap-validator's param-set-events test does exactly this), and the next activation must
//!   report the new latency.
//!
//! Every host callback is also checked for thread and state (see `check_host`): in particular
//! `latency.changed` outside `activate` is a failure.

use lathe_host_tests::*;
use std::sync::atomic::Ordering;

/// Delay (in samples) of an impulse through the active, processing plugin: an impulse of 0.5
/// at sample 37 of a stream of silence, blocks of 256, long enough to cover `max_latency`.
fn measure_delay(host: &mut PluginHost, max_latency: usize) -> Option<usize> {
    let pos = 37;
    let len = pos + max_latency + 2048;
    let ch = host.main_channels();
    let mut input = vec![vec![0.0f32; len]; ch];
    for c in input.iter_mut() {
        c[pos] = 0.5;
    }
    let out = host.process_signal(&input, &[256], &[]);
    let (idx, peak) = out[0]
        .iter()
        .enumerate()
        .map(|(i, x)| (i, x.abs()))
        .fold((0, 0.0f32), |a, b| if b.1 > a.1 { b } else { a });
    if peak < 1e-3 || idx < pos {
        None
    } else {
        Some(idx - pos)
    }
}

fn expected_latency(spec: &PluginSpec, lookahead_ms: f64, rate: f64) -> u32 {
    match spec.latency {
        LatencyRule::Zero => 0,
        LatencyRule::LookaheadMs {
            extra_ms, fixed, ..
        } => {
            (lookahead_ms * rate / 1000.0).round() as u32
                + (extra_ms * rate / 1000.0).round() as u32
                + fixed
        }
    }
}

fn default_latency(spec: &'static PluginSpec) {
    let mut f = Failures::new();
    let mut host = PluginHost::load(spec);
    let lookahead_ms = match spec.latency {
        LatencyRule::Zero => 0.0,
        LatencyRule::LookaheadMs { param: id, .. } => {
            let p = host.param_by_string_id(id);
            let text = host.value_to_text(p.id, p.default).unwrap();
            text.trim_end_matches(|c: char| !c.is_ascii_digit())
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("{}: cannot read ms from {text:?}", spec.info.name))
        }
    };
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        host.activate(rate, 1, 256);
        let reported = host.latency();
        let expected = expected_latency(spec, lookahead_ms, rate);
        let measured = measure_delay(&mut host, reported as usize + 1024);
        f.check(reported == expected, || {
            format!(
                "{} @ {rate} Hz: reports latency {reported}, expected {expected}",
                spec.info.name
            )
        });
        f.check(measured == Some(reported as usize), || {
            format!(
                "{} @ {rate} Hz: reports latency {reported}, impulse measured at {measured:?}",
                spec.info.name
            )
        });
        host.deactivate();

        // Bypass keeps the latency (the bypass promise: "switching it crossfades, with latency kept"): with
        // the bypass parameter on, the same latency is reported and an impulse still lands on it.
        let mut bypassed = PluginHost::load(spec);
        if let Some(b) = bypassed.params().into_iter().find(|p| p.is_bypass()) {
            bypassed.flush(&[ParamEvent::new(0, b.id, b.max)]);
            bypassed.activate(rate, 1, 256);
            let reported_b = bypassed.latency();
            let measured_b = measure_delay(&mut bypassed, reported as usize + 1024);
            f.check(reported_b == reported && measured_b == Some(reported as usize), || {
                format!(
                    "{} @ {rate} Hz, bypassed: reports {reported_b}, impulse at {measured_b:?}; \
                     not bypassed: {reported}",
                    spec.info.name
                )
            });
            check_host(&mut f, &bypassed);
        }
    }
    check_host(&mut f, &host);
    f.finish(spec.info.name);
}

#[test]
fn default_latency_channel() {
    default_latency(&CHANNEL);
}
#[test]
fn default_latency_eq() {
    default_latency(&EQ);
}
#[test]
fn default_latency_limiter() {
    default_latency(&LIMITER);
}
#[test]
fn default_latency_meter() {
    default_latency(&METER);
}

const LOOKAHEADS_MS: [f64; 5] = [0.5, 2.0, 3.3, 7.25, 10.0];

fn check_after(
    f: &mut Failures,
    host: &mut PluginHost,
    tag: &str,
    expected: u32,
    changed_before: u32,
) {
    let reported = host.latency();
    f.check(reported == expected, || {
        format!("{tag}: reports latency {reported}, expected {expected}")
    });
    let changed = host.rec.latency_changed.load(Ordering::SeqCst);
    f.check(changed > changed_before, || {
        format!("{tag}: the plugin never called latency.changed")
    });
    let measured = measure_delay(host, expected as usize + 1024);
    f.check(measured == Some(reported as usize), || {
        format!("{tag}: reports latency {reported}, impulse measured at {measured:?}")
    });
}

#[test]
fn limiter_lookahead_changes_latency() {
    let spec = &LIMITER;
    let LatencyRule::LookaheadMs { param: id, .. } = spec.latency else {
        unreachable!()
    };
    let mut f = Failures::new();
    for rate in [44_100.0, 96_000.0] {
        for (n, &ms) in LOOKAHEADS_MS.iter().enumerate() {
            let expected = expected_latency(spec, ms, rate);

            // (a) A parameter event inside a block.
            let mut host = PluginHost::load(spec);
            let p = host.param_by_string_id(id);
            let value = host
                .text_to_value(p.id, &format!("{ms}"))
                .unwrap_or_else(|| panic!("text_to_value({ms}) for {id:?} failed"));
            host.activate(rate, 1, 512);
            let input = test_signal(2, 512, rate, 0.25, 1);
            let mut out = vec![vec![0.0; 512]; 2];
            host.process(&input, &mut out, &[]);
            let before = host.latency();
            let changed_before = host.rec.latency_changed.load(Ordering::SeqCst);
            host.process(
                &input,
                &mut out,
                &[ParamEvent::new(100 + n as u32 * 50, p.id, value)],
            );
            let tag = format!("{} @ {rate} Hz, {id} → {ms} ms by event", spec.info.name);
            // (No lookahead in the list is the default, so the latency always changes.)
            assert_ne!(before, expected);
            let restarted = host.restart_if_requested();
            f.check(restarted, || {
                format!("{tag}: latency {before} → {expected} but no request_restart")
            });
            if !restarted {
                host.deactivate();
                host.activate(rate, 1, 512);
            }
            check_after(&mut f, &mut host, &tag, expected, changed_before);
            check_host(&mut f, &host);
            drop(host);

            // (b) flush while inactive, then activate.
            let mut host = PluginHost::load(spec);
            host.flush(&[ParamEvent::new(0, p.id, value)]);
            host.activate(rate, 1, 512);
            let tag = format!(
                "{} @ {rate} Hz, {id} → {ms} ms by flush while inactive",
                spec.info.name
            );
            let reported = host.latency();
            f.check(reported == expected, || {
                format!("{tag}: reports latency {reported}, expected {expected}")
            });
            let measured = measure_delay(&mut host, expected as usize + 1024);
            f.check(measured == Some(reported as usize), || {
                format!("{tag}: reports latency {reported}, impulse measured at {measured:?}")
            });
            check_host(&mut f, &host);
            drop(host);

            // (c) flush while active, processing stopped; then processing resumes.
            let mut host = PluginHost::load(spec);
            host.activate(rate, 1, 512);
            host.process(&input, &mut out, &[]);
            let before = host.latency();
            let changed_before = host.rec.latency_changed.load(Ordering::SeqCst);
            host.stop_processing();
            host.flush(&[ParamEvent::new(0, p.id, value)]);
            host.start_processing();
            host.process(&input, &mut out, &[]);
            let tag = format!(
                "{} @ {rate} Hz, {id} → {ms} ms by flush while active",
                spec.info.name
            );
            assert_ne!(before, expected);
            let restarted = host.restart_if_requested();
            f.check(restarted, || {
                format!("{tag}: latency {before} → {expected} but no request_restart")
            });
            if !restarted {
                host.deactivate();
                host.activate(rate, 1, 512);
            }
            check_after(&mut f, &mut host, &tag, expected, changed_before);
            check_host(&mut f, &host);
        }
    }
    f.finish("Lathe Limiter lookahead");
}

#[test]
fn limiter_lookahead_change_then_deactivate() {
    let spec = &LIMITER;
    let LatencyRule::LookaheadMs { param: id, .. } = spec.latency else {
        unreachable!()
    };
    let mut f = Failures::new();
    for rate in [44_100.0, 96_000.0] {
        let ms = 4.0;
        let expected = expected_latency(spec, ms, rate);
        let mut host = PluginHost::load(spec);
        let p = host.param_by_string_id(id);
        let value = host.text_to_value(p.id, &format!("{ms}")).unwrap();
        host.activate(rate, 1, 512);
        let input = test_signal(2, 512, rate, 0.25, 1);
        let mut out = vec![vec![0.0; 512]; 2];
        host.process_without_callbacks(&input, &mut out, &[ParamEvent::new(200, p.id, value)]);
        // The host stops and deactivates before its event loop gets to the plugin's callback
        // (`deactivate` then runs the pending `on_main_thread`).
        host.deactivate();
        host.rec
            .restart_requested
            .store(false, std::sync::atomic::Ordering::SeqCst);
        host.activate(rate, 1, 512);
        let tag = format!(
            "{} @ {rate} Hz, {id} → {ms} ms, deactivated before on_main_thread",
            spec.info.name
        );
        let reported = host.latency();
        f.check(reported == expected, || {
            format!("{tag}: reports latency {reported}, expected {expected}")
        });
        let measured = measure_delay(&mut host, expected as usize + 1024);
        f.check(measured == Some(reported as usize), || {
            format!("{tag}: reports latency {reported}, impulse measured at {measured:?}")
        });
        for v in host.thread_violations() {
            f.push(format!("{tag}: {v}"));
        }
    }
    f.finish("Lathe Limiter lookahead, deactivated before the callback");
}

/// The Mastering EQ's processing mode: linear phase adds `512 + (N − 1)/2` samples (N = 8191
/// taps at 44.1/48 kHz, 16383 at 88.2/96 kHz). Switched by a parameter event inside a block the
/// plugin asks for a restart and then reports and delays by the new figure; switched back, 0.
/// Switched by `params.flush` while inactive, the next activation reports it.
#[test]
fn eq_linear_phase_mode_changes_latency() {
    let spec = &EQ;
    let mut f = Failures::new();
    for (rate, expected) in [(44_100.0, 512 + 4095), (96_000.0, 512 + 8191)] {
        let mut host = PluginHost::load(spec);
        let p = host.param_by_string_id("mode");
        let linear = host.text_to_value(p.id, "Linear Phase").unwrap();
        let zero = host.text_to_value(p.id, "Zero Latency").unwrap();
        host.activate(rate, 1, 512);
        let input = test_signal(2, 512, rate, 0.25, 1);
        let mut out = vec![vec![0.0; 512]; 2];
        host.process(&input, &mut out, &[]);
        for (value, want, what) in [
            (linear, expected, "linear phase"),
            (zero, 0, "zero latency"),
        ] {
            let before = host.latency();
            let changed_before = host.rec.latency_changed.load(Ordering::SeqCst);
            host.process(&input, &mut out, &[ParamEvent::new(300, p.id, value)]);
            let tag = format!("{} @ {rate} Hz, mode → {what} by event", spec.info.name);
            assert_ne!(before, want);
            // A DAW honours every restart request. nice-plug reports a latency set in
            // `activate` through one more restart request, and calls `latency.changed` in the
            // activation after that: two restarts where one would do (the limiter shows the
            // same once its latency differs from the last one reported).
            let mut restarts = 0;
            while restarts < 3 && host.restart_if_requested() {
                restarts += 1;
            }
            f.check((1..=2).contains(&restarts), || {
                format!(
                    "{tag}: latency {before} → {want} after {restarts} restarts (1 or 2 expected)"
                )
            });
            if restarts == 0 {
                host.deactivate();
                host.activate(rate, 1, 512);
            }
            check_after(&mut f, &mut host, &tag, want, changed_before);
            check_host(&mut f, &host);
        }
        drop(host);

        let mut host = PluginHost::load(spec);
        let p = host.param_by_string_id("mode");
        let linear = host.text_to_value(p.id, "Linear Phase").unwrap();
        host.flush(&[ParamEvent::new(0, p.id, linear)]);
        host.activate(rate, 1, 512);
        let tag = format!(
            "{} @ {rate} Hz, linear phase by flush while inactive",
            spec.info.name
        );
        let reported = host.latency();
        f.check(reported == expected, || {
            format!("{tag}: reports latency {reported}, expected {expected}")
        });
        let measured = measure_delay(&mut host, expected as usize + 1024);
        f.check(measured == Some(reported as usize), || {
            format!("{tag}: reports latency {reported}, impulse measured at {measured:?}")
        });
        check_host(&mut f, &host);
    }
    f.finish("Lathe Mastering EQ processing mode");
}
