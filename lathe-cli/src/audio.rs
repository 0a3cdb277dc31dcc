//! Streaming audio file input and output. Files are read chunk by chunk into planar `f32`, so
//! memory stays constant for any length.
//!
//! Input:
//! - WAV family (RIFF/WAVE, RF64 per EBU Tech 3306, BW64 per ITU-R BS.2088): PCM 8-32 bit and
//!   float 32/64, plain or WAVE_FORMAT_EXTENSIBLE. A small chunk walker of our own ([`riff_format`])
//!   reads the header, because `symphonia` (0.6.1) neither reads RF64/BW64 nor tells a declared
//!   channel mask from one it made up from the channel count; the samples are then decoded in bulk
//!   from the data chunk (a plain little-endian conversion, the fastest part of `lathe analyze`).
//!   Other WAV encodings (ADPCM, A-law, µ-law) go through `symphonia`.
//! - Everything else (AIFF/AIFC, FLAC of any block size, MP3, AAC and ALAC in MP4/M4A, Ogg Vorbis,
//!   CAF, Matroska) through `symphonia`, packet by packet.
//!
//! Output ([`AudioWriter`]): WAV (16/24-bit integer or 32-bit float; RF64 once the data passes
//! 4 GB) or FLAC (16/24-bit, through `flacenc`), always into a temporary file beside the target
//! that is renamed over it only by [`AudioWriter::finish`]: a failed or interrupted render leaves
//! no partial output.

use anyhow::{Context, Result, anyhow, bail};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// What a file holds.
#[derive(Clone, Debug)]
pub struct AudioInfo {
    pub sample_rate: u32,
    pub channels: usize,
    /// Bits per sample of the stored data (0 when the codec has none, e.g. MP3).
    pub bits_per_sample: u16,
    pub float: bool,
    /// Frames the header announces (None if unknown).
    pub frames: Option<u64>,
    /// The container (and codec where it matters), for reports and messages: "WAV", "RF64",
    /// "BW64", "AIFF", "FLAC", "MP3", "MP4/AAC", "Ogg/Vorbis", ...
    pub format: String,
    /// The speakers of the channels as a WAVE channel mask (bit 0 front left, 1 front right,
    /// 2 centre, 3 LFE, 4/5 back left/right, 9/10 side left/right, ...), when the file declares
    /// them: a WAVE_FORMAT_EXTENSIBLE mask with one bit per channel, or a format whose channel
    /// order is fixed by its specification (FLAC, Vorbis, AAC/ALAC, MP3).
    pub channel_mask: Option<u32>,
    /// Lossless PCM (the word length is meaningful and kept by `lathe render`).
    pub lossless: bool,
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
    /// WAVE_FORMAT_EXTENSIBLE's dwChannelMask, if present and non-zero.
    channel_mask: Option<u32>,
    data_start: u64,
    /// The data chunk's size: the 32-bit field, or for RF64/BW64 the 64-bit one from `ds64`.
    data_len: u64,
    /// The 32-bit size field said "see ds64" (0xFFFFFFFF) or "unknown" (0).
    size_unknown: bool,
}

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}
fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
}

/// Walks the chunks up to `data` (Microsoft RIFF/WAVE; EBU Tech 3306 RF64 and ITU-R BS.2088
/// BW64, whose `ds64` chunk carries the 64-bit sizes; WAVEFORMATEXTENSIBLE's sub-format GUID
/// starts with the plain format tag).
fn riff_format(file: &mut BufReader<File>) -> Result<RiffFormat> {
    let mut head = [0u8; 12];
    file.read_exact(&mut head)
        .context("the header is cut short")?;
    let big = match &head[0..4] {
        b"RIFF" => false,
        b"RF64" | b"BW64" => true,
        _ => bail!("not a RIFF/WAVE file"),
    };
    if &head[8..12] != b"WAVE" {
        bail!("not a RIFF/WAVE file");
    }
    let mut fmt: Option<RiffFormat> = None;
    let mut ds64_data: Option<u64> = None;
    let mut pos = 12u64;
    loop {
        let mut chunk = [0u8; 8];
        file.read_exact(&mut chunk)
            .context("the file ends before its audio data")?;
        let len = u32_at(&chunk, 4) as u64;
        pos += 8;
        match &chunk[0..4] {
            b"ds64" if big => {
                if len < 24 {
                    bail!("the ds64 chunk is too short ({len} bytes)");
                }
                let mut b = vec![0u8; len as usize];
                file.read_exact(&mut b)
                    .context("the ds64 chunk is cut short")?;
                ds64_data = Some(u64_at(&b, 8));
                if len % 2 == 1 {
                    file.seek(SeekFrom::Current(1))?;
                }
            }
            b"fmt " => {
                if !(16..=1 << 16).contains(&len) {
                    bail!("the format chunk has an impossible size ({len} bytes)");
                }
                let mut b = vec![0u8; len as usize];
                file.read_exact(&mut b)
                    .context("the format chunk is cut short")?;
                let mut format_tag = u16_at(&b, 0);
                let mut channel_mask = None;
                if format_tag == WAVE_FORMAT_EXTENSIBLE && b.len() >= 26 {
                    channel_mask = Some(u32_at(&b, 20)).filter(|&m| m != 0);
                    format_tag = u16_at(&b, 24);
                }
                fmt = Some(RiffFormat {
                    format_tag,
                    channels: u16_at(&b, 2),
                    sample_rate: u32_at(&b, 4),
                    block_align: u16_at(&b, 12),
                    bits_per_sample: u16_at(&b, 14),
                    channel_mask,
                    data_start: 0,
                    data_len: 0,
                    size_unknown: false,
                });
                if len % 2 == 1 {
                    file.seek(SeekFrom::Current(1))?;
                }
            }
            b"data" => {
                let mut f = fmt.context("the audio data comes before its format chunk")?;
                f.data_start = pos;
                f.data_len = len;
                if big && len == u32::MAX as u64 {
                    f.data_len = ds64_data
                        .context("an RF64/BW64 file without its ds64 chunk (64-bit sizes)")?;
                } else if len == 0 || len == u32::MAX as u64 {
                    f.size_unknown = true;
                }
                return Ok(f);
            }
            _ => {
                file.seek(SeekFrom::Current((len + len % 2) as i64))?;
            }
        }
        pos += len + len % 2;
    }
}

/// A `symphonia` format reader and decoder, with the decoded frames not handed out yet.
struct Decoded {
    format: Box<dyn symphonia::core::formats::FormatReader>,
    decoder: Box<dyn symphonia::core::codecs::audio::AudioDecoder>,
    track_id: u32,
    pending: Vec<Vec<f32>>,
    pending_pos: usize,
    done: bool,
    frames_out: u64,
}

enum Source {
    /// Raw little-endian samples from the data chunk; `remaining` bytes still to read.
    Wav {
        file: BufReader<File>,
        encoding: WavEncoding,
        remaining: u64,
        bytes: Vec<u8>,
    },
    Decoded(Box<Decoded>),
}

/// A file being read.
pub struct AudioReader {
    source: Source,
    info: AudioInfo,
}

/// Opens a WAV/RF64/BW64: the format from our walker; encodings other than PCM and float go to
/// `symphonia` (plain RIFF only: it reads no RF64).
fn open_wav(path: &Path) -> Result<(Source, AudioInfo)> {
    let mut file = BufReader::new(File::open(path).context("cannot open the file")?);
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic)?;
    file.seek(SeekFrom::Start(0))?;
    let kind = match &magic {
        b"RF64" => "RF64",
        b"BW64" => "BW64",
        _ => "WAV",
    };
    let f = riff_format(&mut file).with_context(|| format!("{kind}: not a readable file"))?;
    if f.channels == 0 || f.sample_rate == 0 || f.block_align == 0 {
        bail!("{kind}: the header declares no channels, a zero sample rate or an empty frame");
    }
    let container = (f.block_align / f.channels) as usize;
    let encoding = match (f.format_tag, f.bits_per_sample, container) {
        (WAVE_FORMAT_IEEE_FLOAT, 64, 8) => WavEncoding::F64,
        (WAVE_FORMAT_IEEE_FLOAT, 32, 4) => WavEncoding::F32,
        (WAVE_FORMAT_PCM, 1..=8, 1) => WavEncoding::U8,
        (WAVE_FORMAT_PCM, 9..=32, 2..=4) if f.bits_per_sample as usize <= 8 * container => {
            WavEncoding::Int { bytes: container }
        }
        (WAVE_FORMAT_PCM | WAVE_FORMAT_IEEE_FLOAT, bits, _) => bail!(
            "{kind}: unsupported encoding ({bits} bits per sample in {container}-byte \
             containers); supported: 8/16/24/32-bit integer, 32/64-bit float"
        ),
        (tag, bits, _) if kind == "WAV" => {
            // ADPCM, A-law, µ-law and the like: symphonia's decoders.
            return open_symphonia(path, Some("wav")).map_err(|e| {
                anyhow!(
                    "WAV: unsupported or damaged encoding (format tag {tag:#06x}, {bits} bits per \
                     sample): {e:#}"
                )
            });
        }
        (tag, bits, _) => bail!(
            "{kind}: unsupported encoding (format tag {tag:#06x}, {bits} bits per sample); \
             supported: PCM 8-32 bit, float 32/64 bit"
        ),
    };
    let file_len = std::fs::metadata(path)?.len();
    let available = file_len.saturating_sub(f.data_start);
    let block = f.block_align as u64;
    // Writers that stream (and never patch the size) leave 0 or 0xFFFFFFFF: read to the end.
    let data_len = if f.size_unknown {
        available - available % block
    } else {
        f.data_len
    };
    let channel_mask = f
        .channel_mask
        .filter(|m| m.count_ones() as usize == f.channels as usize);
    let info = AudioInfo {
        sample_rate: f.sample_rate,
        channels: f.channels as usize,
        bits_per_sample: f.bits_per_sample,
        float: matches!(encoding, WavEncoding::F32 | WavEncoding::F64),
        frames: Some(data_len / block),
        format: kind.to_string(),
        channel_mask,
        lossless: true,
    };
    let source = Source::Wav {
        file,
        encoding,
        remaining: data_len - data_len % block,
        bytes: Vec::new(),
    };
    Ok((source, info))
}

/// Opens anything `symphonia` reads. `ext` is a hint (the file name's extension).
fn open_symphonia(path: &Path, ext: Option<&str>) -> Result<(Source, AudioInfo)> {
    use symphonia::core::codecs::audio::AudioDecoderOptions;
    use symphonia::core::formats::probe::Hint;
    use symphonia::core::formats::{FormatOptions, TrackType};
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;

    let file = File::open(path).context("cannot open the file")?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = ext {
        hint.with_extension(ext);
    }
    let format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| {
            anyhow!(
                "not a recognised audio file ({e}); lathe reads WAV/RF64/BW64, AIFF, FLAC, MP3, \
                 AAC/ALAC (MP4/M4A), Ogg Vorbis, CAF and Matroska"
            )
        })?;
    let fmt_name = format.format_info().short_name.to_ascii_uppercase();
    let track = format
        .default_track(TrackType::Audio)
        .with_context(|| format!("{fmt_name}: the file has no audio track"))?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .with_context(|| format!("{fmt_name}: the audio track has no codec parameters"))?
        .clone();
    let frames = track.num_frames;
    let track_id = track.id;
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| anyhow!("{fmt_name}: cannot decode this audio codec ({e})"))?;
    let codec = symphonia::default::get_codecs()
        .get_audio_decoder(params.codec)
        .map(|d| d.codec.info.short_name.to_ascii_uppercase())
        .unwrap_or_default();
    let format_name = if codec.is_empty() || fmt_name.contains(&codec) {
        fmt_name.clone()
    } else {
        format!("{fmt_name}/{codec}")
    };
    let sample_rate = params
        .sample_rate
        .with_context(|| format!("{format_name}: no sample rate"))?;
    let channels = params
        .channels
        .as_ref()
        .with_context(|| format!("{format_name}: no channel count"))?;
    let num_channels = channels.count();
    // Positions are real only where the format fixes them; for AIFF, CAF and plain WAV the
    // decoder numbers the first N speakers whatever the file meant.
    let fixed_order = ["FLAC", "OGG", "MP3", "ISOMP4", "MKV", "MP4", "ADTS"]
        .iter()
        .any(|f| fmt_name.contains(f));
    let channel_mask = match channels {
        symphonia::core::audio::Channels::Positioned(p) if fixed_order => {
            u32::try_from(p.bits()).ok()
        }
        _ => None,
    };
    let lossless = ["FLAC", "ALAC", "PCM", "AIFF", "WAV", "CAF"]
        .iter()
        .any(|f| format_name.contains(f));
    let info = AudioInfo {
        sample_rate,
        channels: num_channels,
        bits_per_sample: params.bits_per_sample.unwrap_or(0) as u16,
        float: matches!(
            params.sample_format,
            Some(
                symphonia::core::audio::sample::SampleFormat::F32
                    | symphonia::core::audio::sample::SampleFormat::F64
            )
        ),
        frames,
        format: format_name,
        channel_mask,
        lossless,
    };
    let decoded = Decoded {
        format,
        decoder,
        track_id,
        pending: Vec::new(),
        pending_pos: 0,
        done: false,
        frames_out: 0,
    };
    Ok((Source::Decoded(Box::new(decoded)), info))
}

impl AudioReader {
    /// Opens an audio file, telling formats apart by their first bytes (the extension is only a
    /// hint). Errors name the format and the reason; the caller adds the file name.
    pub fn open(path: &Path) -> Result<Self> {
        let mut magic = [0u8; 4];
        {
            let mut f = File::open(path).context("cannot open the file")?;
            f.read_exact(&mut magic)
                .context("the file is too short to be audio")?;
        }
        let (source, info) = match &magic {
            b"RIFF" | b"RF64" | b"BW64" => open_wav(path)?,
            b"RIFX" => bail!("big-endian WAV (RIFX) is not supported"),
            _ => {
                let ext = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase);
                open_symphonia(path, ext.as_deref())?
            }
        };
        if info.channels == 0 || info.sample_rate == 0 {
            bail!(
                "{}: the header declares no channels or a zero sample rate",
                info.format
            );
        }
        Ok(Self { source, info })
    }

    pub fn info(&self) -> &AudioInfo {
        &self.info
    }

    /// Reads up to `max_frames` frames into `planar` (one `Vec` per channel, resized to the
    /// frames read). Returns the number of frames; 0 at the end of the file. A file whose data
    /// ends before its header says, or that fails to decode, is an error.
    pub fn read_chunk(&mut self, planar: &mut [Vec<f32>], max_frames: usize) -> Result<usize> {
        let channels = self.info.channels;
        for out in planar.iter_mut() {
            out.clear();
        }
        match &mut self.source {
            Source::Wav {
                file,
                encoding,
                remaining,
                bytes,
            } => {
                let width = encoding.bytes();
                let n_bytes = ((max_frames * channels * width) as u64).min(*remaining) as usize;
                bytes.resize(n_bytes, 0);
                file.read_exact(bytes).with_context(|| {
                    format!(
                        "{}: the data ends early: the header announces {} more bytes than the \
                         file holds",
                        self.info.format, *remaining
                    )
                })?;
                *remaining -= n_bytes as u64;
                let frames = n_bytes / (width * channels);
                for out in planar.iter_mut() {
                    out.reserve(frames);
                }
                decode_planar(*encoding, bytes, channels, planar);
                Ok(frames)
            }
            Source::Decoded(d) => {
                let mut got = 0;
                while got < max_frames {
                    let available = d.pending.first().map_or(0, Vec::len) - d.pending_pos;
                    if available > 0 {
                        let take = available.min(max_frames - got);
                        for (out, src) in planar.iter_mut().zip(&d.pending) {
                            out.extend_from_slice(&src[d.pending_pos..d.pending_pos + take]);
                        }
                        d.pending_pos += take;
                        got += take;
                        continue;
                    }
                    if d.done || !d.next_packet(&self.info.format)? {
                        break;
                    }
                }
                d.frames_out += got as u64;
                Ok(got)
            }
        }
    }
}

impl Decoded {
    /// Decodes the next packet of our track into `pending`. Returns false at the end.
    fn next_packet(&mut self, format_name: &str) -> Result<bool> {
        use symphonia::core::errors::Error;
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => {
                    self.done = true;
                    return Ok(false);
                }
                // A cut-short file: the stream ends at the last whole packet.
                Err(Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.done = true;
                    return Ok(false);
                }
                Err(e) => bail!(
                    "{format_name}: cannot read the stream after {} frames ({e})",
                    self.frames_out
                ),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let buf = self.decoder.decode(&packet).map_err(|e| {
                anyhow!(
                    "{format_name}: corrupt audio after {} frames ({e})",
                    self.frames_out
                )
            })?;
            buf.copy_to_vecs_planar::<f32>(&mut self.pending);
            self.pending_pos = 0;
            if self.pending.first().is_some_and(|p| !p.is_empty()) {
                return Ok(true);
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

/// The word length of a rendered file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleFormat {
    Int16,
    Int24,
    Float32,
}

impl SampleFormat {
    pub fn bits(self) -> u16 {
        match self {
            SampleFormat::Int16 => 16,
            SampleFormat::Int24 => 24,
            SampleFormat::Float32 => 32,
        }
    }

    /// Parses `--bits`: 16, 24 or 32f.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "16" => Ok(SampleFormat::Int16),
            "24" => Ok(SampleFormat::Int24),
            "32f" | "32float" | "float" => Ok(SampleFormat::Float32),
            _ => bail!("--bits takes 16, 24 or 32f, not {text:?}"),
        }
    }

    /// The format that keeps an input's word length: float stays float; 8/16-bit integer gives
    /// 16; anything wider, or a lossy source, 24.
    pub fn keeping(info: &AudioInfo) -> Self {
        if info.float {
            SampleFormat::Float32
        } else if info.lossless && (1..=16).contains(&info.bits_per_sample) {
            SampleFormat::Int16
        } else if info.lossless && info.bits_per_sample > 24 {
            SampleFormat::Float32
        } else {
            SampleFormat::Int24
        }
    }
}

/// The container of a rendered file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Wav,
    Flac,
}

impl Container {
    /// From the output file's extension.
    pub fn from_path(path: &Path) -> Result<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("wav" | "wave" | "rf64" | "bw64") => Ok(Container::Wav),
            Some("flac") => Ok(Container::Flac),
            _ => bail!(
                "cannot tell the output format from {}: name it .wav or .flac",
                path.display()
            ),
        }
    }
}

/// A rendered file being written: to a temporary file beside the target, renamed over the target
/// by [`AudioWriter::finish`]. Dropped without `finish` (an error, a panic), it deletes the
/// temporary file. An interrupted process leaves at most a hidden `.NAME.lathe-tmp-PID` file,
/// never a partial file under the target's name.
pub struct AudioWriter {
    target: PathBuf,
    temp: PathBuf,
    sink: Option<Sink>,
    format: SampleFormat,
    channels: usize,
}

enum Sink {
    Wav(WavSink),
    Flac(Box<FlacSink>),
}

impl AudioWriter {
    /// Starts writing `target`. `channel_mask` goes into a WAV's WAVE_FORMAT_EXTENSIBLE header
    /// (None: the first N speakers). `expected_frames` decides RF64 up front when known.
    pub fn create(
        target: &Path,
        container: Container,
        format: SampleFormat,
        sample_rate: u32,
        channels: usize,
        channel_mask: Option<u32>,
        expected_frames: Option<u64>,
    ) -> Result<Self> {
        let name = target
            .file_name()
            .with_context(|| format!("{} is not a file name", target.display()))?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let temp = dir.join(format!(
            ".{}.lathe-tmp-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = File::create(&temp)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        let mut writer = Self {
            target: target.to_path_buf(),
            temp,
            sink: None,
            format,
            channels,
        };
        let sink = match container {
            Container::Wav => Sink::Wav(WavSink::new(
                file,
                format,
                sample_rate,
                channels,
                channel_mask,
                expected_frames,
            )?),
            Container::Flac => {
                if format == SampleFormat::Float32 {
                    bail!("FLAC stores integers only: give --bits 16 or 24 for a .flac output");
                }
                Sink::Flac(Box::new(FlacSink::new(
                    file,
                    format,
                    sample_rate,
                    channels,
                )?))
            }
        };
        writer.sink = Some(sink);
        Ok(writer)
    }

    /// Writes `frames` frames from planar channels. Integer formats expect samples already on
    /// the integer grid (dithered); anything else is rounded and clipped.
    pub fn write(&mut self, planar: &[&[f32]], frames: usize) -> Result<()> {
        debug_assert_eq!(planar.len(), self.channels);
        let format = self.format;
        match self.sink.as_mut().expect("open until finish") {
            Sink::Wav(w) => w.write(planar, frames, format),
            Sink::Flac(f) => f.write(planar, frames),
        }
        .with_context(|| format!("cannot write {}", self.temp.display()))
    }

    /// Completes the file and renames it over the target.
    pub fn finish(mut self) -> Result<()> {
        match self.sink.take().expect("open until finish") {
            Sink::Wav(w) => w.finish(),
            Sink::Flac(f) => f.finish(),
        }
        .with_context(|| format!("cannot complete {}", self.temp.display()))?;
        std::fs::rename(&self.temp, &self.target).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.temp.display(),
                self.target.display()
            )
        })?;
        Ok(())
    }
}

impl Drop for AudioWriter {
    fn drop(&mut self) {
        if self.sink.is_some() {
            self.sink = None;
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Integer value of a sample on the `bits` grid, rounded and clipped.
#[inline]
fn to_int(x: f32, bits: u16) -> i32 {
    let scale = (1i64 << (bits - 1)) as f64;
    let v = if x.is_finite() {
        (x as f64 * scale).round()
    } else {
        0.0
    };
    v.clamp(-scale, scale - 1.0) as i32
}

/// The WAV writer. Header layout: RIFF, a `fmt ` chunk (WAVE_FORMAT_EXTENSIBLE for float,
/// 24-bit or more than two channels, otherwise plain PCM), `data`. When the data may pass 4 GB
/// (EBU Tech 3306), a 28-byte `JUNK` chunk is reserved before `fmt `, turned into `ds64` and the
/// header into `RF64` if it does.
struct WavSink {
    file: BufWriter<File>,
    bytes_per_sample: usize,
    data_len: u64,
    /// Offset of the data chunk's size field, and whether a JUNK chunk was reserved.
    data_size_pos: u64,
    reserved_ds64: bool,
    frames: u64,
    scratch: Vec<u8>,
}

impl WavSink {
    fn new(
        file: File,
        format: SampleFormat,
        sample_rate: u32,
        channels: usize,
        channel_mask: Option<u32>,
        expected_frames: Option<u64>,
    ) -> Result<Self> {
        let bytes_per_sample = (format.bits() / 8) as usize;
        let block = bytes_per_sample * channels;
        let reserve = expected_frames.is_none_or(|f| f * block as u64 > u32::MAX as u64 - 1024);
        let extensible = format != SampleFormat::Int16 || channels > 2 || channel_mask.is_some();
        let mut h: Vec<u8> = Vec::with_capacity(96);
        h.extend(b"RIFF");
        h.extend(0u32.to_le_bytes());
        h.extend(b"WAVE");
        if reserve {
            h.extend(b"JUNK");
            h.extend(28u32.to_le_bytes());
            h.extend([0u8; 28]);
        }
        h.extend(b"fmt ");
        h.extend((if extensible { 40u32 } else { 16 }).to_le_bytes());
        let tag = if extensible {
            WAVE_FORMAT_EXTENSIBLE
        } else {
            WAVE_FORMAT_PCM
        };
        h.extend(tag.to_le_bytes());
        h.extend((channels as u16).to_le_bytes());
        h.extend(sample_rate.to_le_bytes());
        h.extend((sample_rate * block as u32).to_le_bytes());
        h.extend((block as u16).to_le_bytes());
        h.extend(format.bits().to_le_bytes());
        if extensible {
            h.extend(22u16.to_le_bytes());
            h.extend(format.bits().to_le_bytes());
            let mask = channel_mask.unwrap_or(if channels >= 18 {
                0x3FFFF
            } else {
                (1u32 << channels) - 1
            });
            h.extend(mask.to_le_bytes());
            let sub = if format == SampleFormat::Float32 {
                WAVE_FORMAT_IEEE_FLOAT
            } else {
                WAVE_FORMAT_PCM
            };
            // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: the tag, then a fixed GUID tail.
            h.extend(sub.to_le_bytes());
            h.extend([
                0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
            ]);
        }
        h.extend(b"data");
        let data_size_pos = h.len() as u64;
        h.extend(0u32.to_le_bytes());
        let mut file = BufWriter::with_capacity(1 << 20, file);
        file.write_all(&h)?;
        Ok(Self {
            file,
            bytes_per_sample,
            data_len: 0,
            data_size_pos,
            reserved_ds64: reserve,
            frames: 0,
            scratch: Vec::new(),
        })
    }

    fn write(&mut self, planar: &[&[f32]], frames: usize, format: SampleFormat) -> Result<()> {
        self.scratch.clear();
        self.scratch
            .reserve(frames * planar.len() * self.bytes_per_sample);
        for i in 0..frames {
            for ch in planar {
                let x = ch[i];
                match format {
                    SampleFormat::Float32 => self.scratch.extend(x.to_le_bytes()),
                    SampleFormat::Int16 => {
                        self.scratch.extend((to_int(x, 16) as i16).to_le_bytes())
                    }
                    SampleFormat::Int24 => self.scratch.extend(&to_int(x, 24).to_le_bytes()[..3]),
                }
            }
        }
        self.file.write_all(&self.scratch)?;
        self.data_len += self.scratch.len() as u64;
        self.frames += frames as u64;
        if !self.reserved_ds64 && self.data_len > u32::MAX as u64 - 1024 {
            bail!("the output passed 4 GB without room for an RF64 header");
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        if self.data_len % 2 == 1 {
            self.file.write_all(&[0])?;
        }
        let total = self.file.stream_position()?;
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        if total - 8 > u32::MAX as u64 || self.data_len > u32::MAX as u64 {
            // RF64: the 32-bit sizes say "see ds64", which takes the place of the JUNK chunk.
            file.seek(SeekFrom::Start(0))?;
            file.write_all(b"RF64")?;
            file.write_all(&u32::MAX.to_le_bytes())?;
            file.seek(SeekFrom::Start(12))?;
            file.write_all(b"ds64")?;
            file.write_all(&28u32.to_le_bytes())?;
            file.write_all(&(total - 8).to_le_bytes())?;
            file.write_all(&self.data_len.to_le_bytes())?;
            file.write_all(&self.frames.to_le_bytes())?;
            file.write_all(&0u32.to_le_bytes())?;
            file.seek(SeekFrom::Start(self.data_size_pos))?;
            file.write_all(&u32::MAX.to_le_bytes())?;
        } else {
            file.seek(SeekFrom::Start(4))?;
            file.write_all(&((total - 8) as u32).to_le_bytes())?;
            file.seek(SeekFrom::Start(self.data_size_pos))?;
            file.write_all(&(self.data_len as u32).to_le_bytes())?;
        }
        file.sync_all()?;
        Ok(())
    }
}

/// The FLAC writer: `flacenc` encodes one fixed-size frame at a time; the stream header is
/// written first as a placeholder and rewritten at the end with the length and MD5.
struct FlacSink {
    file: BufWriter<File>,
    config: flacenc::error::Verified<flacenc::config::Encoder>,
    stream_info: flacenc::component::StreamInfo,
    framebuf: flacenc::source::FrameBuf,
    context: flacenc::source::Context,
    bits: u16,
    channels: usize,
    block: Vec<i32>,
    frames_total: u64,
}

const FLAC_BLOCK: usize = 4096;

impl FlacSink {
    fn new(file: File, format: SampleFormat, sample_rate: u32, channels: usize) -> Result<Self> {
        use flacenc::error::Verify;
        let bits = format.bits();
        let config = flacenc::config::Encoder::default()
            .into_verified()
            .map_err(|(_, e)| anyhow!("FLAC encoder configuration: {e:?}"))?;
        let stream_info =
            flacenc::component::StreamInfo::new(sample_rate as usize, channels, bits as usize)
                .map_err(|e| anyhow!("FLAC cannot store this stream: {e}"))?;
        let framebuf = flacenc::source::FrameBuf::with_size(channels, FLAC_BLOCK)
            .map_err(|e| anyhow!("FLAC cannot store this stream: {e}"))?;
        let mut sink = Self {
            file: BufWriter::with_capacity(1 << 20, file),
            config,
            stream_info,
            framebuf,
            context: flacenc::source::Context::new(bits as usize, channels),
            bits,
            channels,
            block: Vec::with_capacity(FLAC_BLOCK * channels),
            frames_total: 0,
        };
        let header = sink.header_bytes()?;
        sink.file.write_all(&header)?;
        Ok(sink)
    }

    fn header_bytes(&self) -> Result<Vec<u8>> {
        flac_bytes(&flacenc::component::Stream::with_stream_info(
            self.stream_info.clone(),
        ))
    }

    fn write(&mut self, planar: &[&[f32]], frames: usize) -> Result<()> {
        for i in 0..frames {
            for ch in planar {
                self.block.push(to_int(ch[i], self.bits));
            }
            if self.block.len() == FLAC_BLOCK * self.channels {
                self.encode_block()?;
            }
        }
        Ok(())
    }

    fn encode_block(&mut self) -> Result<()> {
        use flacenc::source::Fill;
        if self.block.is_empty() {
            return Ok(());
        }
        let frames = self.block.len() / self.channels;
        self.framebuf.resize(frames);
        (&mut self.framebuf, &mut self.context)
            .fill_interleaved(&self.block)
            .map_err(|e| anyhow!("FLAC encoder: {e}"))?;
        let number = self
            .context
            .current_frame_number()
            .context("FLAC encoder: no frame number")?;
        let frame = flacenc::encode_fixed_size_frame(
            &self.config,
            &self.framebuf,
            number,
            &self.stream_info,
        )
        .map_err(|e| anyhow!("FLAC encoder: {e}"))?;
        self.stream_info.update_frame_info(&frame);
        self.file.write_all(&flac_bytes(&frame)?)?;
        self.frames_total += frames as u64;
        self.block.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.encode_block()?;
        self.stream_info
            .set_total_samples(self.frames_total as usize);
        self.stream_info.set_md5_digest(&self.context.md5_digest());
        // A fixed-blocksize stream: the short last frame does not count as the minimum (FLAC
        // format, STREAMINFO), and decoders such as symphonia reject a minimum below the maximum.
        self.stream_info
            .set_block_sizes(FLAC_BLOCK, FLAC_BLOCK)
            .map_err(|e| anyhow!("FLAC encoder: {e}"))?;
        let header = self.header_bytes()?;
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header)?;
        file.sync_all()?;
        Ok(())
    }
}

/// The bytes of a FLAC stream header or frame (both end on a byte boundary).
fn flac_bytes(x: &impl flacenc::component::BitRepr) -> Result<Vec<u8>> {
    let mut sink = flacenc::bitsink::MemSink::<u8>::new();
    x.write(&mut sink)
        .map_err(|e| anyhow!("FLAC encoder: {e:?}"))?;
    Ok(sink.into_inner())
}
