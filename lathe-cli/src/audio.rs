//! Streaming audio file input (WAV through `hound`, FLAC through `claxon`) and WAV output.
//! Files are read chunk by chunk into planar `f32`, so memory stays constant for any length.

use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// What a file holds.
#[derive(Clone, Copy, Debug)]
pub struct AudioInfo {
    pub sample_rate: u32,
    pub channels: usize,
    pub bits_per_sample: u16,
    pub float: bool,
}

enum Source {
    Wav(hound::WavReader<BufReader<File>>),
    Flac(claxon::FlacReader<BufReader<File>>),
}

/// A file being read.
pub struct AudioReader {
    source: Source,
    info: AudioInfo,
    /// Interleaved scratch for one chunk.
    interleaved: Vec<f32>,
}

impl AudioReader {
    /// Opens a WAV or FLAC file, telling them apart by their first bytes, not their names.
    pub fn open(path: &Path) -> Result<Self> {
        let mut magic = [0u8; 4];
        {
            use std::io::Read;
            let mut f = File::open(path).context("cannot open the file")?;
            f.read_exact(&mut magic)
                .context("the file is too short to be audio")?;
        }
        let file = BufReader::new(File::open(path).context("cannot open the file")?);
        let (source, info) = match &magic {
            b"RIFF" | b"RIFX" | b"RF64" => {
                let reader = hound::WavReader::new(file).context("not a readable WAV file")?;
                let spec = reader.spec();
                let info = AudioInfo {
                    sample_rate: spec.sample_rate,
                    channels: spec.channels as usize,
                    bits_per_sample: spec.bits_per_sample,
                    float: spec.sample_format == hound::SampleFormat::Float,
                };
                (Source::Wav(reader), info)
            }
            b"fLaC" => {
                let reader = claxon::FlacReader::new(file).context("not a readable FLAC file")?;
                let s = reader.streaminfo();
                let info = AudioInfo {
                    sample_rate: s.sample_rate,
                    channels: s.channels as usize,
                    bits_per_sample: s.bits_per_sample as u16,
                    float: false,
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
    /// frames read). Returns the number of frames; 0 at the end of the file.
    pub fn read_chunk(&mut self, planar: &mut [Vec<f32>], max_frames: usize) -> Result<usize> {
        let channels = self.info.channels;
        let wanted = max_frames * channels;
        self.interleaved.clear();
        match &mut self.source {
            Source::Wav(reader) => {
                if self.info.float {
                    for s in reader.samples::<f32>().take(wanted) {
                        self.interleaved
                            .push(s.context("the WAV data ends early or is corrupt")?);
                    }
                } else {
                    let scale = 1.0 / (1u64 << (self.info.bits_per_sample - 1)) as f32;
                    for s in reader.samples::<i32>().take(wanted) {
                        self.interleaved.push(
                            s.context("the WAV data ends early or is corrupt")? as f32 * scale,
                        );
                    }
                }
            }
            Source::Flac(reader) => {
                let scale = 1.0 / (1u64 << (self.info.bits_per_sample - 1)) as f32;
                for s in reader.samples().take(wanted) {
                    self.interleaved
                        .push(s.context("the FLAC data ends early or is corrupt")? as f32 * scale);
                }
            }
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
