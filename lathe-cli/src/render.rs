//! `lathe render`: runs a file through a plugin's own engine with given parameter values.
//!
//! Parameters are set through the plugin's own parameter objects, by their stable ids and with
//! their own text parsing, so `--set ceil=-1` or `--set out="-3 dB"` means what it means in the
//! plugin. The output is latency-compensated: it lines up with the input sample for sample.

use crate::audio::{AudioReader, WavOut};
use anyhow::{Context, Result, bail};
use lathe_plugin::{EngineConfig, Entry};
use nice_plug::prelude::Params;
use std::path::Path;

const CHUNK_FRAMES: usize = 4096;

/// Sets each `id=value` on the plugin's parameters, parsing the value as the plugin does.
fn apply_sets(params: &dyn Params, sets: &[String]) -> Result<()> {
    let map = params.param_map();
    for set in sets {
        let (id, text) = set
            .split_once('=')
            .with_context(|| format!("--set takes id=value, got '{set}'"))?;
        let Some((_, ptr, _)) = map.iter().find(|(pid, _, _)| pid == id) else {
            let ids: Vec<&str> = map.iter().map(|(id, _, _)| id.as_str()).collect();
            bail!(
                "unknown parameter '{id}'; this plugin has: {}",
                ids.join(", ")
            );
        };
        // SAFETY: `ptr` points into `params`, which outlives this call; offline, nothing else
        // reads or writes the parameter concurrently.
        unsafe {
            let normalized = ptr
                .string_to_normalized_value(text)
                .with_context(|| format!("'{text}' is not a valid value for '{id}'"))?;
            ptr._internal_set_normalized_value(normalized);
        }
    }
    Ok(())
}

/// The plugin `lathe render` names `name` (`limiter`), from the suite's list.
pub fn plugin(name: &str) -> Result<&'static dyn Entry> {
    lathe_suite::by_cli_name(name).with_context(|| {
        let names: Vec<&str> = lathe_suite::PLUGINS
            .iter()
            .map(|p| p.info().cli_name)
            .collect();
        format!("unknown plugin '{name}'; Lathe has: {}", names.join(", "))
    })
}

/// Renders `input` through the plugin into a 32-bit float WAV at `output`.
pub fn render(plugin: &dyn Entry, input: &Path, output: &Path, sets: &[String]) -> Result<()> {
    let mut reader = AudioReader::open(input).with_context(|| format!("{}", input.display()))?;
    let info = reader.info();
    let params = plugin.new_params();
    apply_sets(params.params(), sets)?;
    let mut engine = params.engine(EngineConfig {
        num_channels: info.channels,
        sample_rate: info.sample_rate as f32,
        max_block: CHUNK_FRAMES,
    });
    let mut writer = WavOut::create(output, info.sample_rate, info.channels)?;
    let mut planar = vec![Vec::with_capacity(CHUNK_FRAMES); info.channels];
    // Output samples still to drop so the output lines up with the input.
    let latency = engine.latency();
    let mut to_skip = latency;
    let mut write = |planar: &mut [Vec<f32>], frames: usize, to_skip: &mut usize| -> Result<()> {
        let mut slices: Vec<&mut [f32]> = planar.iter_mut().map(|c| &mut c[..frames]).collect();
        engine.process(&mut slices);
        let skip = (*to_skip).min(frames);
        *to_skip -= skip;
        let outs: Vec<&[f32]> = slices.iter().map(|c| &c[skip..]).collect();
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
    writer.finish()
}
