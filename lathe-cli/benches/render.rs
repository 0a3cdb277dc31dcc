//! `lathe render limiter` throughput as a realtime factor: the `lathe` binary itself (the exact
//! command a user types: read, parameter parsing, the Limiter engine, latency removal, write)
//! on 60 s of stereo 48 kHz 24-bit program material generated once into the temp dir, at the
//! default settings (true peak, 4x oversampling) and with oversampling Off, +6 dB of drive so the
//! limiter works. Realtime factor = 60 s / median time per run (process start included: a few
//! ms). Command measured:
//! `lathe render limiter IN.wav OUT.wav --set in=6 [--set os=Off]`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const SAMPLE_RATE: u32 = 48_000;
const SECONDS: usize = 60;

/// Writes the input file if it is not there yet: a kick-like 55 Hz burst twice a second, a bass
/// line, a sweep and level-varying noise, different in each channel, peaking near 0 dBFS.
fn long_file() -> PathBuf {
    let path = std::env::temp_dir().join("lathe-bench-render-60s-48k-24bit.wav");
    let frames = SAMPLE_RATE as usize * SECONDS;
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == 44 + (frames * 6) as u64) {
        return path;
    }
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut noise = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let tau = 2.0 * std::f64::consts::PI;
    for i in 0..frames {
        let t = i as f64 / SAMPLE_RATE as f64;
        let env = (-(t * 2.0).fract() * 25.0).exp();
        let kick = env * (tau * 55.0 * t).sin();
        let bass = 0.25 * (tau * [41.2, 55.0, 49.0, 36.7][(t / 2.0) as usize % 4] * t).sin();
        let sweep = 0.1 * (tau * 200.0 * (t % 10.0) * (1.0 + (t % 10.0))).sin();
        let level = 0.15 + 0.1 * (tau * t / 7.0).sin();
        for ch in 0..2 {
            let s = 0.45 * kick
                + bass
                + if ch == 0 { sweep } else { -sweep }
                + level * noise() * (0.5 + env);
            w.write_sample((s.clamp(-1.0, 1.0) * 8_388_607.0) as i32)
                .unwrap();
        }
    }
    w.finalize().unwrap();
    path
}

fn render(input: &PathBuf, output: &PathBuf, sets: &[&str]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lathe"));
    cmd.args(["render", "limiter"]).arg(input).arg(output);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let status = cmd.status().unwrap();
    assert!(status.success(), "lathe render failed: {status}");
}

fn bench(c: &mut Criterion) {
    let input = long_file();
    let output = std::env::temp_dir().join("lathe-bench-render-out.wav");
    let mut group = c.benchmark_group("lathe_render_limiter_60s_stereo_48k");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for (name, sets) in [
        ("default (true peak, 4x)", &["in=6"][..]),
        ("oversampling Off (true peak, 1x)", &["in=6", "os=Off"][..]),
    ] {
        group.bench_function(name, |b| b.iter(|| render(&input, &output, sets)));
    }
    group.finish();
    let _ = std::fs::remove_file(&output);
}

criterion_group!(benches, bench);
criterion_main!(benches);
