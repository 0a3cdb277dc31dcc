//! Streaming audio file input (WAV: 8/16/24/32-bit integer and 32/64-bit float; FLAC through
//! `claxon`) and WAV output (`hound`). Files are read chunk by chunk into planar `f32`, so memory
//! stays constant for any length.
//!
//! WAV: `hound` validates the header and gives the format for every format it knows; the
//! samples are then decoded in bulk from the data chunk (a plain little-endian conversion, about
//! ten times faster than hound's one-sample-at-a-time iterator, which was the bottleneck of
//! `lathe analyze`). hound refuses 64-bit float, so for that one format a small RIFF walker of
//! our own ([`riff_format`]) reads the `fmt ` chunk. The walker also gives every file's block
//! alignment, so a container wider than the valid bits (24-in-32 WAVE_FORMAT_EXTENSIBLE) is
//! decoded correctly.

use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// What a file holds.
#[derive(Clone, Copy, Debug)]
pub struct AudioInfo {
    pub sample_rate: u32,
    pub channels: usize,
    pub bits_per_sample: u16,
    pub float: bool,
    /// Frames the header announces (None if unknown).
    pub frames: Option<u64>,
}

/// How a WAV's samples are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WavEncoding {
    /// Unsigned 8-bit.
    U8,
    /// Signed little-endian integer in `bytes` bytes, the valid bits at the top.
    Int {
        bytes: usize,
    },
    F32,
    F64,
}

impl WavEncoding {
    fn bytes(self) -> usize {
        match self {
            WavEncoding::U8 => 1,
            WavEncoding::Int { bytes } => bytes,
            WavEncoding::F32 => 4,
            WavEncoding::F64 => 8,
        }
    }
}

/// The `fmt ` facts and the data chunk's place, from a walk over the RIFF chunks.
#[derive(Clone, Copy, Debug)]
struct RiffFormat {
    format_tag: u16,
    channels: u16,
    sample_rate: u32,
    block_align: u16,
    bits_per_sample: u16,
    data_start: u64,
    data_len: u64,
}

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Walks the RIFF chunks up to `data` (Microsoft RIFF/WAVE; WAVEFORMATEXTENSIBLE's sub-format
/// GUID starts with the plain format tag).
fn riff_format(file: &mut BufReader<File>) -> Result<RiffFormat> {
    fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_le_bytes([b[i], b[i + 1]])
    }
    fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
    }
    let mut head = [0u8; 12];
    file.read_exact(&mut head)
        .context("the WAV header is cut short")?;
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        bail!("not a RIFF/WAVE file");
    }
    let mut fmt: Option<RiffFormat> = None;
    let mut pos = 12u64;
    loop {
        let mut chunk = [0u8; 8];
        file.read_exact(&mut chunk)
            .context("the WAV file ends before its audio data")?;
        let len = u32_at(&chunk, 4) as u64;
        pos += 8;
        match &chunk[0..4] {
            b"fmt " => {
                if !(16..=1 << 16).contains(&len) {
                    bail!("the WAV format chunk has an impossible size ({len} bytes)");
                }
                let mut b = vec![0u8; len as usize];
                file.read_exact(&mut b)
                    .context("the WAV format chunk is cut short")?;
                let mut format_tag = u16_at(&b, 0);
                if format_tag == WAVE_FORMAT_EXTENSIBLE && b.len() >= 26 {
                    format_tag = u16_at(&b, 24);
                }
                fmt = Some(RiffFormat {
                    format_tag,
                    channels: u16_at(&b, 2),
                    sample_rate: u32_at(&b, 4),
                    block_align: u16_at(&b, 12),
                    bits_per_sample: u16_at(&b, 14),
                    data_start: 0,
                    data_len: 0,
                });
                if len % 2 == 1 {
                    file.seek(SeekFrom::Current(1))?;
                }
            }
            b"data" => {
                let mut f = fmt.context("the WAV data comes before its format chunk")?;
                f.data_start = pos;
                f.data_len = len;
                return Ok(f);
            }
            _ => {
                file.seek(SeekFrom::Current((len + len % 2) as i64))?;
            }
        }
        pos += len + len % 2;
    }
}

enum Source {
    /// Raw little-endian samples from the data chunk; `remaining` bytes still to read.
    Wav {
        file: BufReader<File>,
        encoding: WavEncoding,
        remaining: u64,
        bytes: Vec<u8>,
    },
    Flac(claxon::FlacReader<BufReader<File>>),
}

/// A file being read.
pub struct AudioReader {
    source: Source,
    info: AudioInfo,
    /// Interleaved scratch for one chunk.
    interleaved: Vec<f32>,
}

/// Opens a WAV: the format from our walker, validated by hound for the formats it reads.
fn open_wav(path: &Path) -> Result<(Source, AudioInfo)> {
    let mut file = BufReader::new(File::open(path).context("cannot open the file")?);
    let f = riff_format(&mut file).context("not a readable WAV file")?;
    if f.channels == 0 || f.sample_rate == 0 || f.block_align == 0 {
        bail!("the header declares no channels, a zero sample rate or an empty frame");
    }
    let container = (f.block_align / f.channels) as usize;
    let encoding = match (f.format_tag, f.bits_per_sample, container) {
        (WAVE_FORMAT_IEEE_FLOAT, 64, 8) => WavEncoding::F64,
        (WAVE_FORMAT_IEEE_FLOAT, 32, 4) => WavEncoding::F32,
        (WAVE_FORMAT_PCM, 1..=8, 1) => WavEncoding::U8,
        (WAVE_FORMAT_PCM, 9..=32, 2..=4) if f.bits_per_sample as usize <= 8 * container => {
            WavEncoding::Int { bytes: container }
        }
        (tag, bits, _) => bail!(
            "unsupported WAV encoding (format tag {tag:#06x}, {bits} bits per sample); \
             supported: 8/16/24/32-bit integer, 32/64-bit float"
        ),
    };
    if encoding != WavEncoding::F64 {
        // hound reads every other supported format: let it check the header too.
        hound::WavReader::new(BufReader::new(File::open(path)?))
            .context("not a readable WAV file")?;
    }
    let file_len = std::fs::metadata(path)?.len();
    let available = file_len.saturating_sub(f.data_start);
    // Writers that stream (and never patch the size) leave 0 or 0xFFFFFFFF: read to the end.
    let data_len = if f.data_len == 0 || f.data_len == u32::MAX as u64 {
        available - available % f.block_align as u64
    } else {
        f.data_len
    };
    let info = AudioInfo {
        sample_rate: f.sample_rate,
        channels: f.channels as usize,
        bits_per_sample: f.bits_per_sample,
        float: matches!(encoding, WavEncoding::F32 | WavEncoding::F64),
        frames: Some(data_len / f.block_align as u64),
    };
    let source = Source::Wav {
        file,
        encoding,
        remaining: data_len - data_len % f.block_align as u64,
        bytes: Vec::new(),
    };
    Ok((source, info))
}

impl AudioReader {
    /// Opens a WAV or FLAC file, telling them apart by their first bytes, not their names.
    pub fn open(path: &Path) -> Result<Self> {
        let mut magic = [0u8; 4];
        {
            let mut f = File::open(path).context("cannot open the file")?;
            f.read_exact(&mut magic)
                .context("the file is too short to be audio")?;
        }
        let (source, info) = match &magic {
            b"RIFF" => open_wav(path)?,
            b"RIFX" | b"RF64" => bail!("big-endian (RIFX) and RF64 WAV files are not supported"),
            b"fLaC" => {
                let file = BufReader::new(File::open(path).context("cannot open the file")?);
                let reader = claxon::FlacReader::new(file).context("not a readable FLAC file")?;
                let s = reader.streaminfo();
                let info = AudioInfo {
                    sample_rate: s.sample_rate,
                    channels: s.channels as usize,
                    bits_per_sample: s.bits_per_sample as u16,
                    float: false,
                    frames: s.samples,
                };
                (Source::Flac(reader), info)
            }
            _ => bail!("not a WAV or FLAC file (unrecognised header)"),
        };
        if info.channels == 0 || info.sample_rate == 0 {
            bail!("the header declares no channels or a zero sample rate");
        }
        Ok(Self {
            source,
            info,
            interleaved: Vec::new(),
        })
    }

    pub fn info(&self) -> AudioInfo {
        self.info
    }

    /// Reads up to `max_frames` frames into `planar` (one `Vec` per channel, resized to the
    /// frames read). Returns the number of frames; 0 at the end of the file. A file whose data
    /// ends before its header says is an error.
    pub fn read_chunk(&mut self, planar: &mut [Vec<f32>], max_frames: usize) -> Result<usize> {
        let channels = self.info.channels;
        let wanted = max_frames * channels;
        match &mut self.source {
            Source::Wav {
                file,
                encoding,
                remaining,
                bytes,
            } => {
                let width = encoding.bytes();
                let n_bytes = ((wanted * width) as u64).min(*remaining) as usize;
                bytes.resize(n_bytes, 0);
                file.read_exact(bytes).with_context(|| {
                    format!(
                        "the WAV data ends early: the header announces {} more bytes than the file holds",
                        *remaining
                    )
                })?;
                *remaining -= n_bytes as u64;
                let frames = n_bytes / (width * channels);
                for out in planar.iter_mut() {
                    out.clear();
                    out.reserve(frames);
                }
                decode_planar(*encoding, bytes, channels, planar);
                Ok(frames)
            }
            Source::Flac(reader) => {
                self.interleaved.clear();
                let scale = 1.0 / (1u64 << (self.info.bits_per_sample - 1)) as f32;
                for s in reader.samples().take(wanted) {
                    self.interleaved
                        .push(s.context("the FLAC data ends early or is corrupt")? as f32 * scale);
                }
                let frames = self.interleaved.len() / channels;
                for (ch, out) in planar.iter_mut().enumerate().take(channels) {
                    out.clear();
                    out.extend(
                        self.interleaved
                            .iter()
                            .skip(ch)
                            .step_by(channels)
                            .take(frames),
                    );
                }
                Ok(frames)
            }
        }
    }
}

/// Decodes whole frames of little-endian samples straight into one `Vec` per channel.
fn decode_planar(encoding: WavEncoding, bytes: &[u8], channels: usize, planar: &mut [Vec<f32>]) {
    #[inline(always)]
    fn run(
        bytes: &[u8],
        width: usize,
        channels: usize,
        planar: &mut [Vec<f32>],
        conv: impl Fn(&[u8]) -> f32,
    ) {
        if channels == 2 && planar.len() >= 2 {
            let (l, r) = planar.split_at_mut(1);
            let (l, r) = (&mut l[0], &mut r[0]);
            for frame in bytes.chunks_exact(2 * width) {
                l.push(conv(&frame[..width]));
                r.push(conv(&frame[width..]));
            }
            return;
        }
        for frame in bytes.chunks_exact(width * channels) {
            for (out, s) in planar.iter_mut().zip(frame.chunks_exact(width)) {
                out.push(conv(s));
            }
        }
    }
    let w = encoding.bytes();
    match encoding {
        WavEncoding::U8 => run(bytes, w, channels, planar, |b| {
            (b[0] as f32 - 128.0) / 128.0
        }),
        WavEncoding::Int { bytes: 2 } => run(bytes, w, channels, planar, |b| {
            i16::from_le_bytes([b[0], b[1]]) as f32 * (1.0 / 32_768.0)
        }),
        WavEncoding::Int { bytes: 3 } => run(bytes, w, channels, planar, |b| {
            (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 * (1.0 / 8_388_608.0)
        }),
        WavEncoding::Int { .. } => run(bytes, w, channels, planar, |b| {
            i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 * (1.0 / 2_147_483_648.0)
        }),
        WavEncoding::F32 => run(bytes, w, channels, planar, |b| {
            f32::from_le_bytes([b[0], b[1], b[2], b[3]])
        }),
        WavEncoding::F64 => run(bytes, w, channels, planar, |b| {
            f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
        }),
    }
}

/// Writes 32-bit float WAV, frame by frame from planar chunks.
pub struct WavOut {
    writer: hound::WavWriter<std::io::BufWriter<File>>,
}

impl WavOut {
    pub fn create(path: &Path, sample_rate: u32, channels: usize) -> Result<Self> {
        let spec = hound::WavSpec {
            channels: channels as u16,
            sample_rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        Ok(Self {
            writer: hound::WavWriter::create(path, spec)
                .with_context(|| format!("cannot create {}", path.display()))?,
        })
    }

    pub fn write(&mut self, planar: &[&[f32]], frames: usize) -> Result<()> {
        for i in 0..frames {
            for ch in planar {
                self.writer.write_sample(ch[i])?;
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        self.writer.finalize()?;
        Ok(())
    }
}
