//! The `lathe` binary end to end: generated files in, reports and renders out.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::process::Command;

fn lathe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lathe"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lathe-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a stereo WAV of a 1 kHz sine at `level_dbfs` in both channels.
fn write_sine(path: &Path, sample_rate: u32, seconds: f64, level_dbfs: f64, bits: u16) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate,
        bits_per_sample: bits,
        sample_format: if bits == 32 {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let amp = 10f64.powf(level_dbfs / 20.0);
    let n = (seconds * sample_rate as f64) as usize;
    for i in 0..n {
        let x = amp * (2.0 * PI * 1000.0 * i as f64 / sample_rate as f64).sin();
        for _ in 0..2 {
            if bits == 32 {
                w.write_sample(x as f32).unwrap();
            } else {
                let scale = (1i64 << (bits - 1)) as f64;
                w.write_sample((x * scale).round() as i32).unwrap();
            }
        }
    }
    w.finalize().unwrap();
}

fn read_wav(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples = r.samples::<f32>().map(Result::unwrap).collect();
    (spec, samples)
}

#[test]
fn analyze_reads_tech_3341_case_1_in_16_and_24_bit_and_float() {
    let dir = temp_dir("case1");
    for bits in [16u16, 24, 32] {
        let file = dir.join(format!("case1-{bits}.wav"));
        write_sine(&file, 48_000, 20.0, -23.0, bits);
        let out = lathe()
            .args(["analyze", "--json"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let t = &doc["tracks"][0];
        for key in [
            "integrated_lufs",
            "max_momentary_lufs",
            "max_short_term_lufs",
        ] {
            let v = t[key].as_f64().unwrap();
            assert!(
                (v + 23.0).abs() <= 0.1,
                "{bits}-bit {key}: expected -23.0 ±0.1, got {v}"
            );
        }
        let tp = t["true_peak_dbtp"].as_f64().unwrap();
        assert!((tp + 23.0).abs() < 0.1, "{bits}-bit true peak {tp}");
        let spotify = &t["normalisation"][0];
        assert_eq!(spotify["service"], "Spotify");
        assert!((spotify["gain_db"].as_f64().unwrap() - 9.0).abs() < 0.1);
    }
}

#[test]
fn analyze_reports_every_good_file_and_fails_on_bad_ones() {
    let dir = temp_dir("bad");
    let good = dir.join("good.wav");
    write_sine(&good, 44_100, 5.0, -20.0, 16);
    let text = dir.join("notes.wav");
    std::fs::write(&text, b"this is not audio at all").unwrap();
    let missing = dir.join("missing.flac");
    let truncated = dir.join("truncated.wav");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..30]).unwrap();

    let out = lathe()
        .arg("analyze")
        .args([&text, &good, &missing, &truncated])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "bad input must give a non-zero exit code"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("good.wav") && stdout.contains("Integrated loudness"),
        "{stdout}"
    );
    for name in ["notes.wav", "missing.flac", "truncated.wav"] {
        assert!(
            stderr.contains(name),
            "the error must name {name}: {stderr}"
        );
    }
    assert!(stderr.contains("not a WAV or FLAC"), "{stderr}");
}

#[test]
fn analyze_gives_album_figures_for_several_files() {
    let dir = temp_dir("album");
    let a = dir.join("a.wav");
    let b = dir.join("b.wav");
    write_sine(&a, 48_000, 10.0, -20.0, 24);
    write_sine(&b, 48_000, 10.0, -30.0, 24);
    let out = lathe()
        .args(["analyze", "--json"])
        .args([&a, &b])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let album = doc["album"]["integrated_lufs"].as_f64().unwrap();
    // Equal durations at -20 and -30 LUFS, both above the relative gate (about -32.6): the
    // album is the energy mean, 10·log10((10^-2 + 10^-3) / 2) = -22.6 LUFS.
    let expected = 10.0 * ((1e-2f64 + 1e-3) / 2.0).log10();
    assert!(
        (album - expected).abs() < 0.15,
        "album {album}, expected {expected}"
    );
    assert_eq!(doc["album"]["tracks"], 2);
}

#[test]
fn render_limiter_respects_ceiling_and_is_latency_compensated() {
    let dir = temp_dir("render");
    let input = dir.join("loud.wav");
    let output = dir.join("limited.wav");
    write_sine(&input, 48_000, 1.0, 0.0, 32);
    let status = lathe()
        .args(["render", "limiter"])
        .args([&input, &output])
        .args(["--set", "ceil=-3", "--set", "in=6", "--set", "la=5"])
        .status()
        .unwrap();
    assert!(status.success());
    let (spec_in, x) = read_wav(&input);
    let (spec_out, y) = read_wav(&output);
    assert_eq!(spec_in.channels, spec_out.channels);
    assert_eq!(
        x.len(),
        y.len(),
        "latency-compensated output has the input's length"
    );
    let ceiling = 10f32.powf(-3.0 / 20.0);
    let peak = y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(
        peak <= ceiling * 1.000_01,
        "peak {peak} over ceiling {ceiling}"
    );
    // Aligned: the output's zero crossings sit where the input's do.
    let i = 48_000 / 2 * 2;
    assert!(x[i].abs() < 0.05 && y[i].abs() < 0.05, "{} {}", x[i], y[i]);

    let bad = lathe()
        .args(["render", "limiter"])
        .args([&input, &output])
        .args(["--set", "nonsense=1"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ceil"));
}
