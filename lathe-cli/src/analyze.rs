//! `lathe analyze`: the loudness report of audio files (EBU R128 / ITU-R BS.1770), with the
//! album figures and what each streaming service's normalisation would do to each track.

use crate::audio::AudioReader;
use anyhow::{Result, bail};
use indicatif::ProgressBar;
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
    /// The delivery-spec check, when `--target` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_check: Option<TargetCheck>,
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

/// Measures one file, streaming it. `mode` selects the true-peak interpolator; `progress`, if
/// given, gets the file's length in frames and is advanced as it is read.
pub fn analyze_file(
    path: &Path,
    mode: TruePeakMode,
    progress: Option<&ProgressBar>,
) -> Result<TrackReport> {
    let mut reader = AudioReader::open(path)?;
    let info = reader.info();
    if let (Some(bar), Some(frames)) = (progress, info.frames) {
        bar.set_length(frames);
        bar.set_position(0);
    }
    let layout = ChannelLayout::from_num_channels(info.channels).unwrap_or(ChannelLayout::Stereo);
    let mut meter = LoudnessMeter::new(info.sample_rate as f64, layout, CHUNK_FRAMES);
    let mut true_peak = TruePeakMeter::new(info.channels, mode);
    let mut planar = vec![Vec::with_capacity(CHUNK_FRAMES); info.channels];
    let mut frames_total = 0u64;
    loop {
        let frames = reader.read_chunk(&mut planar, CHUNK_FRAMES)?;
        if frames == 0 {
            break;
        }
        let slices: Vec<&[f32]> = planar.iter().map(Vec::as_slice).collect();
        meter.process(&slices);
        true_peak.process(&slices);
        frames_total += frames as u64;
        if let Some(bar) = progress {
            bar.set_position(frames_total);
        }
    }
    let sample_peak = true_peak.sample_peak();
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
        target_check: None,
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

/// The figures a track and an album share, one per line: integrated, LRA, max momentary, max
/// short-term, true peak, sample peak.
fn print_figures(values: [Option<f64>; 6]) {
    let rows = [
        ("Integrated loudness", "LUFS"),
        ("Loudness range", "LU"),
        ("Max momentary", "LUFS"),
        ("Max short-term", "LUFS"),
        ("True peak", "dBTP"),
        ("Sample peak", "dBFS"),
    ];
    for ((label, unit), v) in rows.iter().zip(values) {
        println!("  {label:<20} {}", fmt(v, unit));
    }
}

/// The human-readable report of one track.
pub fn print_track(t: &TrackReport) {
    println!("{}", t.file);
    println!(
        "  {:.1} s, {} Hz, {} channel(s)",
        t.duration_s, t.sample_rate, t.channels
    );
    print_figures([
        t.integrated_lufs,
        t.loudness_range_lu,
        t.max_momentary_lufs,
        t.max_short_term_lufs,
        t.true_peak_dbtp,
        t.sample_peak_dbfs,
    ]);
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
    print_figures([
        a.integrated_lufs,
        a.loudness_range_lu,
        a.max_momentary_lufs,
        a.max_short_term_lufs,
        a.true_peak_dbtp,
        a.sample_peak_dbfs,
    ]);
}

/// A delivery specification to check tracks against (`--target`).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct DeliverySpec {
    pub name: String,
    pub integrated_lufs: f64,
    /// Allowed deviation of the integrated loudness, ± LU.
    pub tolerance_lu: f64,
    /// Highest allowed true peak, dBTP.
    pub max_true_peak_dbtp: f64,
}

/// The presets `--target` knows (name, aliases, integrated LUFS, ± LU, max dBTP). Figures from
/// SPEC.md: EBU R128 -23 LUFS ±0.2 and -1 dBTP; ATSC A/85 -24 LKFS (±2 dB, its RP tolerance)
/// and -2 dBTP; the streaming services' normalisation targets with the common -1 dBTP ceiling
/// (±1 LU: they normalise anyway, so this only flags masters far from the reference).
pub const TARGET_PRESETS: [(&str, &[&str], f64, f64, f64); 5] = [
    ("EBU R128", &["ebu", "r128", "ebu-r128"], -23.0, 0.2, -1.0),
    ("ATSC A/85", &["atsc", "a85", "atsc-a85"], -24.0, 2.0, -2.0),
    (
        "Streaming -14 (Spotify, YouTube, Tidal, Amazon)",
        &["spotify", "youtube", "tidal", "amazon", "streaming"],
        -14.0,
        1.0,
        -1.0,
    ),
    ("Apple Music", &["apple", "apple-music"], -16.0, 1.0, -1.0),
    ("AES TD1008", &["aes", "td1008"], -16.0, 1.0, -1.0),
];

/// Parses `--target`: a preset name or a loudness ("-18", "-18 LUFS"), which checks ±0.5 LU and
/// -1 dBTP. `tolerance_lu` / `max_true_peak_dbtp` override the preset's.
pub fn parse_target(
    text: &str,
    tolerance_lu: Option<f64>,
    max_true_peak_dbtp: Option<f64>,
) -> Result<DeliverySpec> {
    let key = text.trim().to_ascii_lowercase();
    let mut spec = if let Some(&(name, _, lufs, tol, tp)) = TARGET_PRESETS
        .iter()
        .find(|(_, aliases, ..)| aliases.contains(&key.as_str()))
    {
        DeliverySpec {
            name: name.to_string(),
            integrated_lufs: lufs,
            tolerance_lu: tol,
            max_true_peak_dbtp: tp,
        }
    } else {
        let number = key
            .trim_end_matches("lufs")
            .trim_end_matches("lkfs")
            .trim()
            .replace('\u{2212}', "-");
        match number.parse::<f64>() {
            Ok(lufs) if lufs.is_finite() && (-70.0..=0.0).contains(&lufs) => DeliverySpec {
                name: format!("{lufs:.1} LUFS"),
                integrated_lufs: lufs,
                tolerance_lu: 0.5,
                max_true_peak_dbtp: -1.0,
            },
            _ => bail!(
                "unknown target {text:?}: give a loudness in LUFS (-70 to 0) or one of {}",
                TARGET_PRESETS
                    .iter()
                    .map(|(_, a, ..)| a[0])
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    };
    if let Some(t) = tolerance_lu {
        spec.tolerance_lu = t.abs();
    }
    if let Some(tp) = max_true_peak_dbtp {
        spec.max_true_peak_dbtp = tp;
    }
    Ok(spec)
}

/// The outcome of checking one track against a [`DeliverySpec`].
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct TargetCheck {
    pub pass: bool,
    /// Integrated loudness minus the target, LU (None for silence).
    pub deviation_lu: Option<f64>,
    /// True peak minus the ceiling, dB (positive = over).
    pub true_peak_over_db: Option<f64>,
    /// What fails, in words.
    pub problems: Vec<String>,
}

/// Checks a track: integrated within ±tolerance of the target, true peak at or below the ceiling.
pub fn check_target(t: &TrackReport, spec: &DeliverySpec) -> TargetCheck {
    let mut problems = Vec::new();
    let deviation = t.integrated_lufs.map(|i| i - spec.integrated_lufs);
    match deviation {
        None => problems.push("no integrated loudness (silent or too short)".to_string()),
        // A hair of slack so that a figure printed as the limit (one decimal) passes.
        Some(d) if d.abs() > spec.tolerance_lu + 1e-9 => problems.push(format!(
            "integrated {:.1} LUFS is {:+.1} LU off {:.1} (±{:.1} allowed)",
            t.integrated_lufs.unwrap_or_default(),
            d,
            spec.integrated_lufs,
            spec.tolerance_lu
        )),
        _ => {}
    }
    let over = t.true_peak_dbtp.map(|tp| tp - spec.max_true_peak_dbtp);
    if let Some(o) = over.filter(|&o| o > 1e-9) {
        problems.push(format!(
            "true peak {:.1} dBTP is {o:.1} dB over the {:.1} dBTP ceiling",
            t.true_peak_dbtp.unwrap_or_default(),
            spec.max_true_peak_dbtp
        ));
    }
    TargetCheck {
        pass: problems.is_empty(),
        deviation_lu: deviation,
        true_peak_over_db: over,
        problems,
    }
}

/// The human-readable line of a target check.
pub fn print_check(check: &TargetCheck, spec: &DeliverySpec) {
    let head = format!(
        "  Target {} ({:.1} LUFS ±{:.1}, max {:.1} dBTP):",
        spec.name, spec.integrated_lufs, spec.tolerance_lu, spec.max_true_peak_dbtp
    );
    if check.pass {
        println!("{head} PASS");
    } else {
        println!("{head} FAIL");
        for p in &check.problems {
            println!("    - {p}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_presets_numbers_and_overrides() {
        let ebu = parse_target("EBU", None, None).unwrap();
        assert_eq!(
            (
                ebu.integrated_lufs,
                ebu.tolerance_lu,
                ebu.max_true_peak_dbtp
            ),
            (-23.0, 0.2, -1.0)
        );
        assert_eq!(
            parse_target("atsc", None, None).unwrap().max_true_peak_dbtp,
            -2.0
        );
        assert_eq!(
            parse_target("spotify", None, None).unwrap().integrated_lufs,
            -14.0
        );
        assert_eq!(
            parse_target("apple", None, None).unwrap().integrated_lufs,
            -16.0
        );
        let n = parse_target("-18 LUFS", Some(1.0), Some(-2.0)).unwrap();
        assert_eq!(
            (n.integrated_lufs, n.tolerance_lu, n.max_true_peak_dbtp),
            (-18.0, 1.0, -2.0)
        );
        assert!(parse_target("loud", None, None).is_err());
        assert!(parse_target("+5", None, None).is_err());
    }
}
