//! `lathe render`: runs a file through a plugin's own engine with given parameter values.
//!
//! Parameters are set through the plugin's own parameter objects, by their stable ids and with
//! their own text parsing, so `--set ceil=-1` or `--set out="-3 dB"` means what it means in the
//! plugin. The output is latency-compensated: it lines up with the input sample for sample.

use anyhow::{Context, Result};
use lathe_cli::audio::{AudioReader, AudioWriter, Container, SampleFormat};
use lathe_cli::params;
use lathe_cli::params::{UsageError, apply_sets};
use lathe_plugin::{EngineConfig, Entry};
use std::path::Path;

const CHUNK_FRAMES: usize = 4096;

/// The plugin `lathe render` names `name` (`limiter`), from the suite's list.
pub fn plugin(name: &str) -> Result<&'static dyn Entry> {
    lathe_suite::by_cli_name(name).ok_or_else(|| {
        let names: Vec<&str> = lathe_suite::PLUGINS
            .iter()
            .map(|p| p.info().cli_name)
            .collect();
        UsageError(format!(
            "unknown plugin '{name}'; Lathe has: {}",
            names.join(", ")
        ))
        .into()
    })
}

/// Refuses an output that is the input: the same path, or a symlink or hard link to it (same
/// device and inode).
fn check_not_input(input: &Path, output: &Path) -> Result<()> {
    let same = match (std::fs::metadata(input), std::fs::metadata(output)) {
        (Ok(i), Ok(o)) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                i.dev() == o.dev() && i.ino() == o.ino()
            }
            #[cfg(not(unix))]
            {
                let _ = (i, o);
                std::fs::canonicalize(input).ok() == std::fs::canonicalize(output).ok()
            }
        }
        _ => false,
    };
    if same {
        return Err(UsageError(format!(
            "refusing to render {} onto itself ({} is the same file): choose another output",
            input.display(),
            output.display()
        ))
        .into());
    }
    Ok(())
}

/// Renders `input` through the plugin into `output`: WAV or FLAC by the output's extension, at
/// `bits` or else the input's word length, TPDF-dithered when written as integers (the engines
/// work in 32-bit float). Written to a temporary file and renamed only when complete.
pub fn render(
    plugin: &dyn Entry,
    input: &Path,
    output: &Path,
    sets: &[String],
    bits: Option<SampleFormat>,
) -> Result<()> {
    check_not_input(input, output)?;
    let container = Container::from_path(output).map_err(|e| UsageError(format!("{e:#}")))?;
    let mut reader = AudioReader::open(input).with_context(|| format!("{}", input.display()))?;
    let info = reader.info().clone();
    let format = bits.unwrap_or_else(|| match (container, SampleFormat::keeping(&info)) {
        // FLAC stores integers: a float source becomes 24-bit.
        (Container::Flac, SampleFormat::Float32) => SampleFormat::Int24,
        (_, f) => f,
    });
    if container == Container::Flac && format == SampleFormat::Float32 {
        return Err(UsageError("FLAC stores integers only: use --bits 16 or 24".into()).into());
    }
    // The meter passes audio untouched: an integer source written at its own word length needs
    // no dither. Every other engine's float output is a longer word than any integer format.
    let untouched = plugin.info().cli_name == "meter"
        && !info.float
        && info.lossless
        && info.bits_per_sample > 0
        && info.bits_per_sample <= format.bits();
    let mut dither = (format != SampleFormat::Float32 && !untouched)
        .then(|| shared_dsp::dither::Dither::new(info.channels, format.bits() as u32));
    let params = plugin.new_params();
    apply_sets(params.params(), sets)?;
    let mut engine = params.engine(EngineConfig {
        num_channels: info.channels,
        sample_rate: info.sample_rate as f32,
        max_block: CHUNK_FRAMES,
    });
    let mut writer = AudioWriter::create(
        output,
        container,
        format,
        info.sample_rate,
        info.channels,
        info.channel_mask,
        info.frames,
    )
    .with_context(|| format!("{}", output.display()))?;
    let mut planar = vec![Vec::with_capacity(CHUNK_FRAMES); info.channels];
    // Output samples still to drop so the output lines up with the input.
    let latency = engine.latency();
    let mut to_skip = latency;
    let mut write = |planar: &mut [Vec<f32>], frames: usize, to_skip: &mut usize| -> Result<()> {
        let mut slices: Vec<&mut [f32]> = planar.iter_mut().map(|c| &mut c[..frames]).collect();
        engine.process(&mut slices);
        let skip = (*to_skip).min(frames);
        *to_skip -= skip;
        let mut outs: Vec<&mut [f32]> = slices.into_iter().map(|c| &mut c[skip..]).collect();
        if let Some(d) = dither.as_mut() {
            d.process(&mut outs);
        }
        let outs: Vec<&[f32]> = outs.iter().map(|c| &**c).collect();
        writer.write(&outs, frames - skip)
    };
    loop {
        let frames = reader
            .read_chunk(&mut planar, CHUNK_FRAMES)
            .with_context(|| format!("{}", input.display()))?;
        if frames == 0 {
            break;
        }
        write(&mut planar, frames, &mut to_skip)?;
    }
    // Flush the latency's worth of tail.
    let mut tail = latency;
    while tail > 0 {
        let frames = tail.min(CHUNK_FRAMES);
        for ch in planar.iter_mut() {
            ch.clear();
            ch.resize(frames, 0.0);
        }
        write(&mut planar, frames, &mut to_skip)?;
        tail -= frames;
    }
    writer
        .finish()
        .with_context(|| format!("{}", output.display()))
}

/// The default parameters of a plugin, for `lathe params`.
pub fn print_params(plugin: &dyn Entry, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    params::print_params(out, plugin.new_params().params())
}
