//! The Windows `lathe.exe` (cross-compiled with MinGW) against this Linux `lathe`, under Wine:
//! `analyze --json` must report the same figures, and `render` through the limiter, the channel
//! strip and the linear-phase EQ must write the same audio, sample for sample within 1e-6.
//!
//! Runs when `LATHE_WINDOWS_TESTS` is set (`cargo xtask test` sets it in its Windows stage, with
//! `LATHE_WINDOWS_EXE` naming `lathe.exe` and `WINEPREFIX` a prepared Wine prefix); without it
//! the test says it is skipped and passes. With it, nothing is skipped: a Wine that does not
//! start, a missing `lathe.exe` or any difference fails.

mod common;

use serde_json::Value;
use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The largest difference allowed between the two builds, in sample values and in the
/// reported figures (dB, LUFS, LU). MinGW's and glibc's maths libraries may round `sin`, `exp`
/// or `pow` differently in the last bit; everything else is the same IEEE arithmetic.
const TOLERANCE: f64 = 1e-6;

fn windows_exe() -> Option<PathBuf> {
    std::env::var_os("LATHE_WINDOWS_TESTS")?;
    let exe = PathBuf::from(
        std::env::var_os("LATHE_WINDOWS_EXE")
            .expect("LATHE_WINDOWS_TESTS is set but LATHE_WINDOWS_EXE does not name lathe.exe"),
    );
    assert!(exe.is_file(), "no lathe.exe at {}", exe.display());
    Some(exe)
}

fn run_linux(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(args)
        .output()
        .expect("starting lathe")
}

/// `lathe.exe ARGS` under Wine, given Linux paths (Wine maps them through its Z: drive).
fn run_windows(exe: &Path, args: &[&str]) -> Output {
    let out = Command::new("timeout")
        .args(["--kill-after=10", "600", "wine"])
        .arg(exe)
        .args(args)
        .env("WINEDEBUG", "-all")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("starting wine (is it installed?)");
    assert_ne!(
        out.status.code(),
        Some(124),
        "lathe.exe {args:?} timed out under Wine"
    );
    out
}

fn check_ok(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A stereo test file: two sines, a sweep-like tone and seeded noise, loud enough for the
/// limiter and the compressor to work, with a quiet passage for the gates and LRA.
fn write_material(path: &Path, sample_rate: u32, seconds: f64, bits: u16) {
    let n = (seconds * sample_rate as f64) as usize;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let frames = (0..n).map(move |i| {
        let t = i as f64 / sample_rate as f64;
        let level = if t % 4.0 < 3.0 { 1.0 } else { 0.05 };
        std::array::from_fn(|c| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let noise = (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            let f = 110.0 * (1.0 + c as f64) + 30.0 * t;
            level
                * (0.55 * (2.0 * PI * f * t).sin()
                    + 0.3 * (2.0 * PI * 2_700.0 * t + c as f64).sin()
                    + 0.15 * noise)
        })
    });
    common::write_stereo_wav(path, sample_rate, bits, frames);
}

fn read_samples(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    assert_eq!(spec.sample_format, hound::SampleFormat::Float, "{path:?}");
    (spec, r.samples::<f32>().map(Result::unwrap).collect())
}

/// Walks two JSON documents side by side: numbers within [`TOLERANCE`], everything else equal,
/// except fields that name the file (the two programs print the path each was given).
/// Returns the number of numbers compared and the largest difference.
fn compare_json(path: &str, a: &Value, b: &Value, diffs: &mut Vec<String>) -> (usize, f64) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let d = (x - y).abs();
            if d > TOLERANCE * (1.0 + x.abs().max(y.abs())) {
                diffs.push(format!("{path}: {x} (Linux) vs {y} (Windows)"));
            }
            (1, d)
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            let mut total = (0, 0.0f64);
            for k in keys {
                let sub = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(_), Some(_)) if k == "path" || k == "file" => {}
                    (Some(va), Some(vb)) => {
                        let (n, d) = compare_json(&sub, va, vb, diffs);
                        total = (total.0 + n, total.1.max(d));
                    }
                    _ => diffs.push(format!("{sub}: present in one report only")),
                }
            }
            total
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            let mut total = (0, 0.0f64);
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                let (n, d) = compare_json(&format!("{path}[{i}]"), va, vb, diffs);
                total = (total.0 + n, total.1.max(d));
            }
            total
        }
        _ => {
            if a != b {
                diffs.push(format!("{path}: {a} (Linux) vs {b} (Windows)"));
            }
            (0, 0.0)
        }
    }
}

#[test]
fn windows_lathe_matches_linux_lathe() {
    let Some(exe) = windows_exe() else {
        eprintln!(
            "skipped: set LATHE_WINDOWS_TESTS=1 (cargo xtask test does, in its Windows stage)"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("lathe-cli-windows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let float48 = dir.join("float48.wav");
    let int44 = dir.join("int44.wav");
    write_material(&float48, 48_000, 12.0, 32);
    write_material(&int44, 44_100, 9.0, 24);
    // A FLAC written by Linux lathe, so the Windows build decodes FLAC too.
    let flac = dir.join("flac44.flac");
    check_ok(
        "lathe render meter (to FLAC)",
        &run_linux(&[
            "render",
            "meter",
            int44.to_str().unwrap(),
            flac.to_str().unwrap(),
        ]),
    );
    let s = |p: &Path| p.to_str().unwrap().to_string();

    // analyze --json: every figure of every file and of the album.
    let files = [s(&float48), s(&int44), s(&flac)];
    let mut args = vec!["analyze", "--json", "--true-peak", "accurate"];
    args.extend(files.iter().map(String::as_str));
    let linux = run_linux(&args);
    let windows = run_windows(&exe, &args);
    check_ok("lathe analyze (Linux)", &linux);
    check_ok("lathe.exe analyze (Wine)", &windows);
    let a: Value = serde_json::from_slice(&linux.stdout).expect("Linux JSON");
    let b: Value = serde_json::from_slice(&windows.stdout).expect("Windows JSON");
    assert_eq!(a["files"].as_array().map(Vec::len), Some(3), "{a}");
    let mut diffs = Vec::new();
    let (numbers, worst) = compare_json("", &a, &b, &mut diffs);
    eprintln!(
        "analyze: {numbers} numbers compared, largest difference {worst:e}; first track \
         integrated {} / {} LUFS, true peak {} / {} dBTP (Linux / Windows)",
        a["tracks"][0]["integrated_lufs"],
        b["tracks"][0]["integrated_lufs"],
        a["tracks"][0]["true_peak_dbtp"],
        b["tracks"][0]["true_peak_dbtp"]
    );
    assert_eq!(a["tracks"].as_array().map(Vec::len), Some(3), "{a}");
    assert!(
        a["tracks"][0]["integrated_lufs"].is_number(),
        "no integrated loudness: {a}"
    );
    assert!(numbers >= 30, "too few figures compared ({numbers}): {a}");
    assert!(
        diffs.is_empty(),
        "analyze differs:\n  {}",
        diffs.join("\n  ")
    );

    // render: the same audio from the same engines.
    let renders: [(&str, &Path, &[&str]); 4] = [
        ("limiter", &float48, &["in=6", "ceil=-1"]),
        ("limiter", &int44, &["in=9", "ceil=-0.3", "os=8x", "la=2"]),
        (
            "channel",
            &float48,
            &[
                "hp_on=true",
                "hp_freq=120",
                "gt_on=true",
                "gt_thr=-30",
                "cp_on=true",
                "cp_thr=-24",
                "cp_ratio=4",
                "width=150",
            ],
        ),
        ("eq", &float48, &["mode=linear"]),
    ];
    for (i, (plugin, input, sets)) in renders.iter().enumerate() {
        let out_l = dir.join(format!("render{i}-linux.wav"));
        let out_w = dir.join(format!("render{i}-windows.wav"));
        let mut base = vec!["render", plugin, input.to_str().unwrap()];
        let tail: Vec<&str> = sets
            .iter()
            .flat_map(|s| ["--set", s])
            .chain(["--bits", "32f"])
            .collect();
        let mut la = base.clone();
        la.push(out_l.to_str().unwrap());
        la.extend(&tail);
        base.push(out_w.to_str().unwrap());
        base.extend(&tail);
        check_ok(&format!("lathe render {plugin} (Linux)"), &run_linux(&la));
        check_ok(
            &format!("lathe.exe render {plugin} (Wine)"),
            &run_windows(&exe, &base),
        );
        let (spec_l, l) = read_samples(&out_l);
        let (spec_w, w) = read_samples(&out_w);
        assert_eq!(spec_l, spec_w, "{plugin}: formats differ");
        assert_eq!(l.len(), w.len(), "{plugin}: lengths differ");
        let identical = l
            .iter()
            .zip(&w)
            .filter(|(x, y)| x.to_bits() == y.to_bits())
            .count();
        let (at, worst) = l
            .iter()
            .zip(&w)
            .map(|(x, y)| (x - y).abs() as f64)
            .enumerate()
            .fold((0, 0.0f64), |m, (i, d)| if d > m.1 { (i, d) } else { m });
        let rms = (l.iter().map(|x| (*x as f64).powi(2)).sum::<f64>() / l.len() as f64).sqrt();
        eprintln!(
            "render {plugin} {sets:?}: {} samples, {identical} bit-identical, largest difference \
             {worst:e} (output RMS {rms:.3})",
            l.len()
        );
        assert!(rms > 0.01, "{plugin}: the render is (nearly) silent");
        assert!(
            worst <= TOLERANCE,
            "{plugin}: sample {at} differs by {worst:e} ({} vs {})",
            l[at],
            w[at]
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
