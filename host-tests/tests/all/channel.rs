//! The Channel Strip through a real CLAP host: every section on, the plugin still reports and
//! has zero latency (an impulse through neutral sections lands at sample 0, unchanged); the
//! stereo sidechain input really keys the compressor and the gate; set to its internal key the
//! strip ignores a fed sidechain.

use lathe_host_tests::*;
use test_support::signals::sine;

/// `(string id, text as typed)` → a parameter event with the value the plugin parses it to.
fn events(host: &mut PluginHost, set: &[(&str, &str)]) -> Vec<ParamEvent> {
    set.iter()
        .map(|(sid, text)| {
            let id = host.param_by_string_id(sid).id;
            let v = host
                .text_to_value(id, text)
                .unwrap_or_else(|| panic!("{sid}: '{text}' does not parse"));
            ParamEvent::new(0, id, v)
        })
        .collect()
}

/// Renders a 200 Hz, −26 dBFS stereo program with `settings` and the sidechain fed with a loud
/// 1 kHz tone (or not); returns the output's level change in dB over its second half.
fn render(settings: &[(&str, &str)], sidechain: bool) -> f64 {
    let sr = 48_000.0;
    let n = 24_000;
    let mut host = PluginHost::load(&CHANNEL);
    let ev = events(&mut host, settings);
    host.flush(&ev);
    host.activate(sr, 1, 512);
    let program = vec![sine(200.0, sr, 0.05, 0.0, n); 2];
    let key = vec![sine(1000.0, sr, 0.9, 0.0, n); 2];
    let mut out = vec![vec![0.0f32; n]; 2];
    for start in (0..n).step_by(512) {
        let end = (start + 512).min(n);
        let input: Vec<Vec<f32>> = program.iter().map(|c| c[start..end].to_vec()).collect();
        let sc: Vec<Vec<f32>> = key.iter().map(|c| c[start..end].to_vec()).collect();
        let mut block = vec![vec![0.0f32; end - start]; 2];
        host.process_with_sidechain(&input, sidechain.then_some(&sc[..]), &mut block, &[]);
        for c in 0..2 {
            out[c][start..end].copy_from_slice(&block[c]);
        }
    }
    host.deactivate();
    assert!(first_bad_sample(&out).is_none());
    20.0 * (rms(&out[0][n / 2..]) / rms(&program[0][n / 2..])).log10()
}

#[test]
fn channel_sidechain_keys_the_dynamics() {
    let mut f = Failures::new();
    let comp = [
        ("cp_on", "On"),
        ("cp_thr", "-20"),
        ("cp_ratio", "4:1"),
        ("cp_knee", "0"),
    ];
    let mut ext = comp.to_vec();
    ext.push(("cp_ext", "Sidechain"));
    let keyed = render(&ext, true);
    let internal = render(&comp, true);
    println!("compressor: external loud key {keyed:.2} dB, internal key {internal:.3} dB");
    f.check(keyed < -10.0, || {
        format!("external key should compress the quiet program: {keyed:.2} dB")
    });
    f.check(internal.abs() < 0.01, || {
        format!("internal key must ignore the sidechain: {internal:.3} dB")
    });
    let gate = [
        ("gt_on", "On"),
        ("gt_thr", "-40"),
        ("gt_range", "40"),
        ("gt_rel", "5 ms"),
        ("gt_key", "Sidechain"),
    ];
    let open = render(&gate, true);
    let closed = render(&gate, false);
    println!("gate on the sidechain: key fed {open:.2} dB, key absent {closed:.2} dB");
    f.check(open.abs() < 0.01, || {
        format!("fed key should open: {open:.2} dB")
    });
    f.check((closed + 40.0).abs() < 0.1, || {
        format!("an absent key is silence: closed by the range, got {closed:.2} dB")
    });
    f.finish("channel sidechain");
}

#[test]
fn channel_zero_latency_with_every_section_on() {
    let mut f = Failures::new();
    for sr in [44_100.0, 96_000.0] {
        let mut host = PluginHost::load(&CHANNEL);
        // Every section on, at neutral values.
        let ev = events(
            &mut host,
            &[
                ("gt_on", "On"),
                ("gt_range", "0"),
                ("eq_on", "On"),
                ("cp_on", "On"),
                ("cp_ratio", "1"),
            ],
        );
        host.flush(&ev);
        host.activate(sr, 1, 256);
        f.check(host.latency() == 0, || {
            format!("{sr}: latency {} reported", host.latency())
        });
        let len = 2048;
        let mut input = vec![vec![0.0f32; len]; 2];
        input[0][37] = 0.5;
        input[1][37] = -0.25;
        let out = host.process_signal(&input, &[256], &[]);
        f.check(out == input, || {
            format!("{sr}: the impulse through neutral sections is not returned unchanged")
        });
        host.deactivate();
    }
    f.finish("channel latency");
}
