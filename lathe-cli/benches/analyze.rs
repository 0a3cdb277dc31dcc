//! `lathe analyze` speed in realtime factors: a 10-minute stereo 48 kHz 24-bit WAV (generated
//! once into the temp dir) analysed by Lathe (M, S, I, LRA, maxima, BS.1770 4x true peak, sample
//! peak) next to the `ebur128` crate (a port of libebur128, modes M|S|I|LRA|TRUE_PEAK|
//! SAMPLE_PEAK, 4x true peak at 48 kHz) fed by the same streaming reader, in the same run.
//! Realtime factor = 600 s / time per iteration.

use criterion::{Criterion, criterion_group, criterion_main};
use lathe_cli::analyze::analyze_file;
use lathe_cli::audio::AudioReader;
use shared_dsp::true_peak::TruePeakMode;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SAMPLE_RATE: u32 = 48_000;
const SECONDS: usize = 600;

/// Writes the file if it is not there yet: level-varying noise plus tones, 24-bit.
fn long_file() -> PathBuf {
    let path = std::env::temp_dir().join("lathe-bench-analyze-10min-48k-24bit.wav");
    let frames = SAMPLE_RATE as usize * SECONDS;
    let data_len = frames * 2 * 3;
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == 44 + data_len as u64) {
        return path;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut h = Vec::new();
    h.extend(b"RIFF");
    h.extend((36 + data_len as u32).to_le_bytes());
    h.extend(b"WAVEfmt ");
    h.extend(16u32.to_le_bytes());
    h.extend(1u16.to_le_bytes());
    h.extend(2u16.to_le_bytes());
    h.extend(SAMPLE_RATE.to_le_bytes());
    h.extend((SAMPLE_RATE * 6).to_le_bytes());
    h.extend(6u16.to_le_bytes());
    h.extend(24u16.to_le_bytes());
    h.extend(b"data");
    h.extend((data_len as u32).to_le_bytes());
    f.write_all(&h).unwrap();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut buf = Vec::with_capacity(6 * 4096);
    for i in 0..frames {
        let t = i as f64 / SAMPLE_RATE as f64;
        let level = 10f64.powf(-(8.0 + ((t / 2.3) as usize * 7919 % 25) as f64) / 20.0);
        for ch in 0..2 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            let tone = (2.0 * std::f64::consts::PI * (110.0 * (ch + 2) as f64) * t).sin();
            let v = ((level * (0.5 * noise + 0.5 * tone)) * 8_388_607.0) as i32;
            buf.extend(&v.to_le_bytes()[..3]);
        }
        if buf.len() >= 6 * 4096 {
            f.write_all(&buf).unwrap();
            buf.clear();
        }
    }
    f.write_all(&buf).unwrap();
    f.flush().unwrap();
    path
}

fn ebur128_on(path: &Path) -> f64 {
    use ebur128::{EbuR128, Mode};
    let mut reader = AudioReader::open(path).unwrap();
    let mut peer = EbuR128::new(
        2,
        SAMPLE_RATE,
        Mode::M | Mode::S | Mode::I | Mode::LRA | Mode::TRUE_PEAK | Mode::SAMPLE_PEAK,
    )
    .unwrap();
    let mut planar = vec![Vec::new(); 2];
    loop {
        let n = reader.read_chunk(&mut planar, 1 << 16).unwrap();
        if n == 0 {
            break;
        }
        peer.add_frames_planar_f32(&[&planar[0], &planar[1]])
            .unwrap();
    }
    peer.loudness_global().unwrap() + peer.loudness_range().unwrap() + peer.true_peak(0).unwrap()
}

fn read_only(path: &Path) -> usize {
    let mut reader = AudioReader::open(path).unwrap();
    let mut planar = vec![Vec::new(); 2];
    let mut total = 0;
    loop {
        let n = reader.read_chunk(&mut planar, 1 << 16).unwrap();
        if n == 0 {
            return total;
        }
        total += n;
    }
}

fn bench(c: &mut Criterion) {
    let path = long_file();
    let mut group = c.benchmark_group("analyze_10min_stereo_48k_24bit");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("lathe analyze (4x true peak)", |b| {
        let options = lathe_cli::analyze::Options {
            mode: TruePeakMode::Bs1770,
            layout: None,
            clip_threshold_dbtp: -1.0,
        };
        b.iter(|| black_box(analyze_file(&path, &options, None).unwrap()))
    });
    group.bench_function("ebur128 M|S|I|LRA|TRUE_PEAK (same reader)", |b| {
        b.iter(|| black_box(ebur128_on(&path)))
    });
    group.bench_function("reading and decoding only", |b| {
        b.iter(|| black_box(read_only(&path)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
