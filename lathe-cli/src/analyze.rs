//! `lathe analyze`: the loudness report of audio files (EBU R128 / ITU-R BS.1770), with the
//! album figures and what each streaming service's normalisation would do to each track.

use crate::audio::AudioReader;
use anyhow::Result;
use serde::Serialize;
use shared_dsp::loudness::{ChannelLayout, LoudnessMeter, histogram::GatingHistogram, plr_db};
use shared_dsp::true_peak::{TruePeakMeter, TruePeakMode};
use std::path::Path;

/// Frames per read: large enough to amortise I/O, small enough to keep memory flat.
const CHUNK_FRAMES: usize = 1 << 16;

/// Loudness normalisation targets of the streaming services (integrated LUFS). Services that only
/// turn loud tracks down and never turn quiet ones up have `boosts: false`.
pub const SERVICES: [(&str, f64, bool); 6] = [
    ("Spotify", -14.0, true),
    ("YouTube", -14.0, false),
    ("Tidal", -14.0, false),
    ("Amazon Music", -14.0, true),
    ("Apple Music", -16.0, true),
    ("AES TD1008", -16.0, true),
];

#[derive(Serialize, Clone, Debug)]
pub struct Normalisation {
    pub service: &'static str,
    pub target_lufs: f64,
    /// Gain the service applies to this track, dB.
    pub gain_db: f64,
    /// The track's true peak after that gain, dBTP.
    pub true_peak_after_dbtp: Option<f64>,
    /// True when the normalised true peak passes 0 dBTP (it would clip without a limiter).
    pub clips: bool,
}

#[derive(Serialize, Clone, Debug)]
pub struct TrackReport {
    pub file: String,
    pub sample_rate: u32,
    pub channels: usize,
    pub duration_s: f64,
    pub integrated_lufs: Option<f64>,
    pub loudness_range_lu: Option<f64>,
    pub max_momentary_lufs: Option<f64>,
    pub max_short_term_lufs: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub sample_peak_dbfs: Option<f64>,
    pub plr_db: Option<f64>,
    pub normalisation: Vec<Normalisation>,
    #[serde(skip)]
    blocks: GatingHistogram,
    #[serde(skip)]
    short_terms: GatingHistogram,
}

#[derive(Serialize, Clone, Debug)]
pub struct AlbumReport {
    pub tracks: usize,
    pub duration_s: f64,
    pub integrated_lufs: Option<f64>,
    pub loudness_range_lu: Option<f64>,
    pub max_momentary_lufs: Option<f64>,
    pub max_short_term_lufs: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub sample_peak_dbfs: Option<f64>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn to_db(gain: f64) -> Option<f64> {
    (gain > 0.0).then(|| 20.0 * gain.log10())
}

fn normalisation(integrated: Option<f64>, true_peak: Option<f64>) -> Vec<Normalisation> {
    let Some(integrated) = integrated else {
        return Vec::new();
    };
    SERVICES
        .iter()
        .map(|&(service, target, boosts)| {
            let mut gain_db = target - integrated;
            if !boosts {
                gain_db = gain_db.min(0.0);
            }
            let after = true_peak.map(|tp| tp + gain_db);
            Normalisation {
                service,
                target_lufs: target,
                gain_db,
                true_peak_after_dbtp: after,
                clips: after.is_some_and(|tp| tp > 0.0),
            }
        })
        .collect()
}

/// Measures one file, streaming it. `mode` selects the true-peak interpolator.
pub fn analyze_file(path: &Path, mode: TruePeakMode) -> Result<TrackReport> {
    let mut reader = AudioReader::open(path)?;
    let info = reader.info();
    let layout = ChannelLayout::from_num_channels(info.channels).unwrap_or(ChannelLayout::Stereo);
    let mut meter = LoudnessMeter::new(info.sample_rate as f64, layout, CHUNK_FRAMES);
    let mut true_peak = TruePeakMeter::new(info.channels, mode);
    let mut planar = vec![Vec::with_capacity(CHUNK_FRAMES); info.channels];
    let mut sample_peak = 0.0f32;
    let mut frames_total = 0u64;
    loop {
        let frames = reader.read_chunk(&mut planar, CHUNK_FRAMES)?;
        if frames == 0 {
            break;
        }
        let slices: Vec<&[f32]> = planar.iter().map(Vec::as_slice).collect();
        meter.process(&slices);
        true_peak.process(&slices);
        for ch in &slices {
            for &x in *ch {
                sample_peak = sample_peak.max(x.abs());
            }
        }
        frames_total += frames as u64;
    }
    let integrated = finite(meter.integrated_lufs());
    let tp = to_db(true_peak.peak_gain() as f64);
    Ok(TrackReport {
        file: path.display().to_string(),
        sample_rate: info.sample_rate,
        channels: info.channels,
        duration_s: frames_total as f64 / info.sample_rate as f64,
        integrated_lufs: integrated,
        loudness_range_lu: finite(meter.loudness_range_lu()),
        max_momentary_lufs: finite(meter.max_momentary_lufs()),
        max_short_term_lufs: finite(meter.max_short_term_lufs()),
        true_peak_dbtp: tp,
        sample_peak_dbfs: to_db(sample_peak as f64),
        plr_db: tp.zip(integrated).and_then(|(tp, i)| plr_db(tp, i)),
        normalisation: normalisation(integrated, tp),
        blocks: meter.gating_blocks().clone(),
        short_terms: meter.short_term_values().clone(),
    })
}

/// The album figures: loudness over all tracks' gating blocks together, maxima over tracks.
pub fn album(tracks: &[TrackReport]) -> AlbumReport {
    let mut blocks = GatingHistogram::new();
    let mut short_terms = GatingHistogram::new();
    for t in tracks {
        blocks.merge(&t.blocks);
        short_terms.merge(&t.short_terms);
    }
    let max = |f: fn(&TrackReport) -> Option<f64>| tracks.iter().filter_map(f).reduce(f64::max);
    AlbumReport {
        tracks: tracks.len(),
        duration_s: tracks.iter().map(|t| t.duration_s).sum(),
        integrated_lufs: finite(blocks.integrated_lufs()),
        loudness_range_lu: finite(short_terms.loudness_range_lu()),
        max_momentary_lufs: max(|t| t.max_momentary_lufs),
        max_short_term_lufs: max(|t| t.max_short_term_lufs),
        true_peak_dbtp: max(|t| t.true_peak_dbtp),
        sample_peak_dbfs: max(|t| t.sample_peak_dbfs),
    }
}

fn fmt(x: Option<f64>, unit: &str) -> String {
    match x {
        Some(v) => format!("{v:.1} {unit}"),
        None => format!("-inf {unit}"),
    }
}

/// The human-readable report of one track.
pub fn print_track(t: &TrackReport) {
    println!("{}", t.file);
    println!(
        "  {:.1} s, {} Hz, {} channel(s)",
        t.duration_s, t.sample_rate, t.channels
    );
    println!("  Integrated loudness  {}", fmt(t.integrated_lufs, "LUFS"));
    println!("  Loudness range       {}", fmt(t.loudness_range_lu, "LU"));
    println!(
        "  Max momentary        {}",
        fmt(t.max_momentary_lufs, "LUFS")
    );
    println!(
        "  Max short-term       {}",
        fmt(t.max_short_term_lufs, "LUFS")
    );
    println!("  True peak            {}", fmt(t.true_peak_dbtp, "dBTP"));
    println!("  Sample peak          {}", fmt(t.sample_peak_dbfs, "dBFS"));
    println!("  PLR                  {}", fmt(t.plr_db, "dB"));
    if !t.normalisation.is_empty() {
        println!("  Streaming normalisation:");
        for n in &t.normalisation {
            println!(
                "    {:<13} {:>6.1} LUFS  gain {:>+6.1} dB  true peak after {}{}",
                n.service,
                n.target_lufs,
                n.gain_db,
                fmt(n.true_peak_after_dbtp, "dBTP"),
                if n.clips { "  CLIPS" } else { "" }
            );
        }
    }
}

pub fn print_album(a: &AlbumReport) {
    println!("Album ({} tracks, {:.1} s)", a.tracks, a.duration_s);
    println!("  Integrated loudness  {}", fmt(a.integrated_lufs, "LUFS"));
    println!("  Loudness range       {}", fmt(a.loudness_range_lu, "LU"));
    println!(
        "  Max momentary        {}",
        fmt(a.max_momentary_lufs, "LUFS")
    );
    println!(
        "  Max short-term       {}",
        fmt(a.max_short_term_lufs, "LUFS")
    );
    println!("  True peak            {}", fmt(a.true_peak_dbtp, "dBTP"));
    println!("  Sample peak          {}", fmt(a.sample_peak_dbfs, "dBFS"));
}
