//! Helpers shared by the CLI's test binaries (`mod common;` in each).

use std::path::Path;

/// Writes `frames` (left, right; full scale ±1.0) as a stereo WAV: 32-bit float for `bits == 32`,
/// else integer PCM of `bits`, rounded and clamped to the format's range.
pub fn write_stereo_wav(
    path: &Path,
    sample_rate: u32,
    bits: u16,
    frames: impl IntoIterator<Item = [f64; 2]>,
) {
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
    let scale = (1i64 << (bits - 1)) as f64;
    for frame in frames {
        for x in frame {
            if bits == 32 {
                w.write_sample(x as f32).unwrap();
            } else {
                let v = (x * scale).round().clamp(-scale, scale - 1.0);
                w.write_sample(v as i32).unwrap();
            }
        }
    }
    w.finalize().unwrap();
}
