//! The `lathe` binary end to end: generated files in, reports and renders out.

mod common;

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
    let amp = 10f64.powf(level_dbfs / 20.0);
    let n = (seconds * sample_rate as f64) as usize;
    let frames = (0..n).map(|i| {
        let x = amp * (2.0 * PI * 1000.0 * i as f64 / sample_rate as f64).sin();
        [x, x]
    });
    common::write_stereo_wav(path, sample_rate, bits, frames);
}

fn read_wav(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples = if spec.sample_format == hound::SampleFormat::Float {
        r.samples::<f32>().map(Result::unwrap).collect()
    } else {
        let scale = 1.0 / (1i64 << (spec.bits_per_sample - 1)) as f32;
        r.samples::<i32>()
            .map(|s| s.unwrap() as f32 * scale)
            .collect()
    };
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
    assert!(stderr.contains("not a recognised audio file"), "{stderr}");
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

fn sha(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// `render` refuses an output that is its input (same path, symlink, hard link) and leaves the
/// input byte for byte as it was.
#[test]
fn render_refuses_to_overwrite_its_input() {
    let dir = temp_dir("self");
    let input = dir.join("in.wav");
    write_sine(&input, 48_000, 1.0, -6.0, 24);
    let before = sha(&input);
    let link = dir.join("link.wav");
    let hard = dir.join("hard.wav");
    let _ = std::fs::remove_file(&link);
    let _ = std::fs::remove_file(&hard);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&input, &link).unwrap();
    std::fs::hard_link(&input, &hard).unwrap();
    let mut outputs = vec![input.clone(), hard.clone()];
    if cfg!(unix) {
        outputs.push(link.clone());
    }
    for out in outputs {
        let r = lathe()
            .args(["render", "limiter"])
            .arg(&input)
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(2), "{}", out.display());
        assert!(String::from_utf8_lossy(&r.stderr).contains("onto itself"));
        assert_eq!(sha(&input), before, "the input changed ({})", out.display());
    }
}

/// A render killed halfway leaves no file under the output's name (the data goes to a temporary
/// file renamed into place only when complete), and a failed render neither.
#[test]
fn render_killed_halfway_leaves_no_output() {
    let dir = temp_dir("kill");
    let input = dir.join("long.wav");
    write_sine(&input, 48_000, 120.0, -3.0, 32);
    let output = dir.join("out.wav");
    let mut child = lathe()
        .args(["render", "eq"])
        .arg(&input)
        .arg(&output)
        .args(["--set", "mode=linear"])
        .spawn()
        .unwrap();
    // Wait until it is writing, then kill it.
    let start = std::time::Instant::now();
    loop {
        let writing = std::fs::read_dir(&dir).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".out.wav.lathe-tmp-")
        });
        if writing {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the render ended before it could be killed"
        );
        assert!(start.elapsed().as_secs() < 60, "no temporary file appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !output.exists(),
        "a killed render left {}",
        output.display()
    );

    // A render that fails (unknown output format) leaves nothing either.
    let r = lathe()
        .args(["render", "meter"])
        .arg(&input)
        .arg(dir.join("out.mp3"))
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(!dir.join("out.mp3").exists());
}

/// The output format comes from the extension and `--bits` (default: the input's word length);
/// integer output is TPDF-dithered: the error against the float input has the power of TPDF
/// dither plus rounding, LSB²/4 (RMS LSB/2), not of plain rounding (LSB/√12 ≈ 0.29 LSB).
#[test]
fn render_writes_the_asked_format_and_word_length_with_dither() {
    let dir = temp_dir("fmt");
    let input = dir.join("in24.wav");
    write_sine(&input, 48_000, 2.0, -20.0, 24);
    // Default: the input's word length, in the output's container.
    for (name, want_bits) in [("o.wav", 24u16), ("o.flac", 24)] {
        let out = dir.join(name);
        let r = lathe()
            .args(["render", "meter"])
            .arg(&input)
            .arg(&out)
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let a = lathe()
            .args(["analyze", "--json"])
            .arg(&out)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
        assert_eq!(
            doc["tracks"][0]["bits_per_sample"].as_u64(),
            Some(want_bits as u64),
            "{name}"
        );
        assert_eq!(doc["tracks"][0]["frames"].as_u64(), Some(96_000), "{name}");
    }
    // The meter passes 24-bit audio through untouched: the 24-bit WAV is the input's samples.
    let (_, x) = read_wav(&input);
    let (_, y) = read_wav(&dir.join("o.wav"));
    assert_eq!(x, y);

    let float_in = dir.join("in32f.wav");
    write_sine(&float_in, 48_000, 2.0, -40.0, 32);
    let out16 = dir.join("o16.wav");
    let r = lathe()
        .args(["render", "meter", "--bits", "16"])
        .arg(&float_in)
        .arg(&out16)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let (spec, y) = read_wav(&out16);
    assert_eq!(
        (spec.bits_per_sample, spec.sample_format),
        (16, hound::SampleFormat::Int)
    );
    let (_, x) = read_wav(&float_in);
    let lsb = 1.0 / 32_768.0;
    let rms = (x
        .iter()
        .zip(&y)
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum::<f64>()
        / x.len() as f64)
        .sqrt()
        / lsb;
    println!("16-bit render error: {rms:.3} LSB RMS");
    assert!(
        (0.45..0.55).contains(&rms),
        "error {rms} LSB RMS: not TPDF-dithered"
    );

    let bad = lathe()
        .args(["render", "meter", "--bits", "32f"])
        .arg(&input)
        .arg(dir.join("f.flac"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "FLAC cannot hold float");
}

/// `--set` is strict: booleans in every usual spelling, choices by id or name in any case, and
/// anything else (or out of range) an error naming the parameter, the value and what is
/// accepted. `lathe params` lists every parameter.
#[test]
fn set_is_strict_and_params_lists_everything() {
    let dir = temp_dir("set");
    let input = dir.join("in.wav");
    write_sine(&input, 48_000, 1.0, -3.0, 32);
    let render = |plugin: &str, sets: &[&str]| {
        let out = dir.join("out.wav");
        let mut cmd = lathe();
        cmd.args(["render", plugin]).arg(&input).arg(&out);
        for s in sets {
            cmd.args(["--set", s]);
        }
        let r = cmd.output().unwrap();
        let samples = r.status.success().then(|| read_wav(&out).1);
        (r, samples)
    };
    let peak = |y: &[f32]| y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    // The compressor really switches on with every spelling of "on", and off with "off" ones.
    let comp = ["cp_thr=-40", "cp_ratio=10", "cp_att=0.1"];
    for word in ["1", "yes", "ON", "True", "on"] {
        let on = format!("cp_on={word}");
        let (r, y) = render("channel", &[comp[0], comp[1], comp[2], &on]);
        assert!(
            r.status.success(),
            "{on}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert!(
            peak(&y.unwrap()) < 0.5,
            "{on} did not switch the compressor on"
        );
    }
    for word in ["0", "no", "OFF", "false"] {
        let off = format!("cp_on={word}");
        let (r, y) = render("channel", &[comp[0], comp[1], comp[2], &off]);
        assert!(r.status.success());
        assert!(
            peak(&y.unwrap()) > 0.6,
            "{off} did not leave the compressor off"
        );
    }
    // Choices by id and by display name, any case.
    for mode in [
        "true",
        "TRUE",
        "True Peak",
        "true peak",
        "sample",
        "Sample Peak",
    ] {
        let (r, _) = render("limiter", &[&format!("mode={mode}")]);
        assert!(
            r.status.success(),
            "mode={mode}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
    for (set, needles) in [
        ("cp_on=banana", &["cp_on", "banana", "true/false"][..]),
        ("ceil=-100", &["ceil", "-100", "out of range", "-12"]),
        (
            "mode=bogus",
            &["mode", "bogus", "sample (Sample Peak)", "true (True Peak)"],
        ),
        ("ceil=loud", &["ceil", "loud"]),
        ("nonsense=1", &["nonsense", "ceil"]),
    ] {
        let plugin = if set.starts_with("cp_") {
            "channel"
        } else {
            "limiter"
        };
        let (r, _) = render(plugin, &[set]);
        assert_eq!(r.status.code(), Some(2), "{set} was accepted");
        let err = String::from_utf8_lossy(&r.stderr);
        for n in needles {
            assert!(err.contains(n), "{set}: {n:?} missing from {err}");
        }
    }
    let p = lathe().args(["params", "limiter"]).output().unwrap();
    assert!(p.status.success());
    let text = String::from_utf8_lossy(&p.stdout);
    for needle in [
        "ceil",
        "Ceiling",
        "-12.00 dBTP to 0.00 dBTP",
        "-1.00 dBTP",
        "sample (Sample Peak)",
        "true/false",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from `lathe params limiter`:\n{text}"
        );
    }
}

/// `lathe analyze ... | head -1`: the closed pipe ends the program quietly (no panic), with the
/// usual status of a Unix filter (SIGPIPE) or success.
#[test]
fn analyze_into_a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = temp_dir("pipe");
    let mut files = Vec::new();
    for i in 0..6 {
        let f = dir.join(format!("p{i}.wav"));
        write_sine(&f, 48_000, 2.0, -20.0, 16);
        files.push(f);
    }
    let mut child = lathe()
        .arg("analyze")
        .args(&files)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: the pipe is closed after one line, as `head -1` does.
    assert!(first.contains("p0.wav"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert!(
            out.status.success() || out.status.signal() == Some(13),
            "{:?} {stderr}",
            out.status
        );
    }
    #[cfg(not(unix))]
    assert!(out.status.success(), "{stderr}");
}
