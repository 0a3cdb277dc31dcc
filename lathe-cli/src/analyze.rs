//! `lathe analyze`: the loudness report of audio files (EBU R128 / ITU-R BS.1770), with the
//! album figures and what each streaming service's normalisation would do to each track.

use crate::audio::AudioReader;
use crate::layout::Layout;
use anyhow::{Context, Result, bail};
use indicatif::ProgressBar;
use serde::{Serialize, Serializer};
use shared_dsp::loudness::{LoudnessMeter, histogram::GatingHistogram, plr_db};
use shared_dsp::true_peak::{TruePeakMeter, TruePeakMode};
use std::io::{self, Write};
use std::path::Path;

/// Frames per read: large enough to amortise I/O, small enough to keep memory flat.
const CHUNK_FRAMES: usize = 1 << 16;

/// Whether a service's rule is published by the service (or standard) itself, or inferred from
/// third-party measurements and statements.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    Documented,
    Estimated,
}

/// How a service turns a track towards its target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GainRule {
    /// Up and down, as far as the target.
    Both,
    /// Down only: quieter tracks are left alone.
    DownOnly,
    /// Down freely; up only as far as keeps the true peak at or below `max_tp_dbtp`.
    CapPositive { max_tp_dbtp: f64 },
    /// Up and down to the target; a limiter holds peaks at `limit_db`.
    Limiter { limit_db: f64 },
}

/// One service's loudness normalisation.
#[derive(Clone, Copy, Debug)]
pub struct Service {
    pub name: &'static str,
    pub target_lufs: f64,
    pub rule: GainRule,
    /// The service plays whole albums with one gain (album mode).
    pub album_mode: bool,
    pub basis: Basis,
    /// The rule in words, as shown in the report.
    pub summary: &'static str,
}

/// The services' normalisation rules, each from its own publication where there is one.
pub const SERVICES: [Service; 9] = [
    // Spotify for Artists, "Loudness normalization"
    // (support.spotify.com/artists/article/loudness-normalization): -14 LUFS per ITU-R BS.1770;
    // positive gain leaves 1 dB of true-peak headroom ("a -20 LUFS track with a -5 dBTP true peak
    // is only lifted to -16 LUFS"); an album played in full is normalised as a whole.
    Service {
        name: "Spotify",
        target_lufs: -14.0,
        rule: GainRule::CapPositive { max_tp_dbtp: -1.0 },
        album_mode: true,
        basis: Basis::Documented,
        summary: "up and down; positive gain capped at -1 dBTP",
    },
    // Same page: "Loud: -11 dB LUFS ... regardless of maximum True Peak. We apply a limiter ...
    // set to engage at -1 dB (sample values), with a 5 ms attack time and a 100 ms decay time."
    Service {
        name: "Spotify Loud",
        target_lufs: -11.0,
        rule: GainRule::Limiter { limit_db: -1.0 },
        album_mode: true,
        basis: Basis::Documented,
        summary: "up and down; a limiter at -1 dB holds the peaks",
    },
    // Apple publishes no figure for Sound Check; -16 LUFS is the level measured by engineers
    // (e.g. MeterPlugs, 2016). No limit on positive gain is documented.
    Service {
        name: "Apple Music",
        target_lufs: -16.0,
        rule: GainRule::Both,
        album_mode: false,
        basis: Basis::Estimated,
        summary: "Sound Check; up and down, no documented peak cap",
    },
    // YouTube publishes no figure; -14 LUFS, down only, is what its "content loudness" statistic
    // shows in measurements.
    Service {
        name: "YouTube",
        target_lufs: -14.0,
        rule: GainRule::DownOnly,
        album_mode: false,
        basis: Basis::Estimated,
        summary: "down only",
    },
    // TIDAL to MeterPlugs ("Tidal adds loudness normalization", 2016): ITU-R BS.1770-4, -14
    // LUFS, quieter music is not raised; album normalisation by default since 2017, following
    // E. Grimm's study for TIDAL (AES 2017).
    Service {
        name: "Tidal",
        target_lufs: -14.0,
        rule: GainRule::DownOnly,
        album_mode: true,
        basis: Basis::Estimated,
        summary: "down only; album mode by default",
    },
    // Amazon publishes no figure; -14 LUFS as commonly measured.
    Service {
        name: "Amazon Music",
        target_lufs: -14.0,
        rule: GainRule::Both,
        album_mode: false,
        basis: Basis::Estimated,
        summary: "up and down, no documented peak cap",
    },
    // Deezer publishes no rule for artists; -15 LUFS as commonly measured.
    Service {
        name: "Deezer",
        target_lufs: -15.0,
        rule: GainRule::Both,
        album_mode: false,
        basis: Basis::Estimated,
        summary: "up and down, no documented peak cap",
    },
    // AES TD1008.1.21-9, "Recommendations for loudness of internet audio streaming and on-demand
    // distribution": music normalised to -16 LUFS, album normalisation, -1 dBTP.
    Service {
        name: "AES TD1008",
        target_lufs: -16.0,
        rule: GainRule::Both,
        album_mode: true,
        basis: Basis::Documented,
        summary: "up and down; album normalisation",
    },
    // EBU R 128 (2020): programme loudness -23 LUFS, maximum true peak -1 dBTP.
    Service {
        name: "EBU R128",
        target_lufs: -23.0,
        rule: GainRule::Both,
        album_mode: true,
        basis: Basis::Documented,
        summary: "broadcast; up and down, programme = album",
    },
];

impl Service {
    /// The gain this service applies to material of `loudness_lufs` with `true_peak_dbtp`.
    pub fn gain_db(&self, loudness_lufs: f64, true_peak_dbtp: Option<f64>) -> f64 {
        let gain = self.target_lufs - loudness_lufs;
        match self.rule {
            GainRule::Both | GainRule::Limiter { .. } => gain,
            GainRule::DownOnly => gain.min(0.0),
            GainRule::CapPositive { max_tp_dbtp } => {
                if gain <= 0.0 {
                    gain
                } else {
                    let room = true_peak_dbtp.map_or(f64::INFINITY, |tp| max_tp_dbtp - tp);
                    gain.min(room).max(0.0)
                }
            }
        }
    }

    /// The result of a gain on a track: loudness and true peak after, and the flags.
    fn apply(
        &self,
        gain_db: f64,
        loudness_lufs: f64,
        true_peak_dbtp: Option<f64>,
        clip_threshold_dbtp: f64,
    ) -> Normalisation {
        let after = true_peak_dbtp.map(|tp| tp + gain_db);
        let over = after.is_some_and(|tp| tp > clip_threshold_dbtp + 1e-9);
        let limited = match self.rule {
            GainRule::Limiter { limit_db } => after.is_some_and(|tp| tp > limit_db),
            _ => false,
        };
        Normalisation {
            service: self.name,
            target_lufs: self.target_lufs,
            basis: self.basis,
            rule: self.summary,
            gain_db,
            loudness_after_lufs: loudness_lufs + gain_db,
            true_peak_after_dbtp: after,
            limited,
            // With a limiter, the peaks do not pass it.
            over_threshold: over && !limited,
        }
    }
}

#[derive(Serialize, Clone, Debug)]
pub struct Normalisation {
    pub service: &'static str,
    pub target_lufs: f64,
    pub basis: Basis,
    pub rule: &'static str,
    /// Gain the service applies to this track, dB.
    pub gain_db: f64,
    pub loudness_after_lufs: f64,
    /// The track's true peak after that gain, dBTP.
    #[serde(serialize_with = "ser_db")]
    pub true_peak_after_dbtp: Option<f64>,
    /// The service's limiter works on this track (Spotify Loud).
    pub limited: bool,
    /// The true peak after the gain passes the clip threshold (`--max-true-peak`, the target's
    /// ceiling, -1 dBTP by default).
    pub over_threshold: bool,
}

/// The normalisation of one track by every service.
pub fn normalisation(
    integrated: Option<f64>,
    true_peak: Option<f64>,
    clip_threshold_dbtp: f64,
) -> Vec<Normalisation> {
    let Some(integrated) = integrated else {
        return Vec::new();
    };
    SERVICES
        .iter()
        .map(|s| {
            s.apply(
                s.gain_db(integrated, true_peak),
                integrated,
                true_peak,
                clip_threshold_dbtp,
            )
        })
        .collect()
}

/// Non-finite samples (NaN or infinite) found in a file.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct NonFinite {
    pub count: u64,
    /// Frame index and channel (from 0) of the first one.
    pub first_frame: u64,
    pub first_channel: usize,
    pub first_time_s: f64,
}

/// JSON has no infinity: `+inf`/`-inf` are written as the strings "inf" and "-inf".
fn ser_db<S: Serializer>(v: &Option<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.is_infinite() => s.serialize_str(if *x > 0.0 { "inf" } else { "-inf" }),
        Some(x) => s.serialize_f64(*x),
        None => s.serialize_none(),
    }
}

#[derive(Serialize, Clone, Debug)]
pub struct TrackReport {
    pub file: String,
    /// "ok", or the findings: "non-finite samples", "target missed".
    pub status: String,
    pub format: String,
    pub sample_rate: u32,
    pub channels: usize,
    pub bits_per_sample: u16,
    pub layout: Layout,
    pub duration_s: f64,
    pub frames: u64,
    pub integrated_lufs: Option<f64>,
    pub loudness_range_lu: Option<f64>,
    pub max_momentary_lufs: Option<f64>,
    pub max_short_term_lufs: Option<f64>,
    /// `inf` when the file holds non-finite samples (as ffmpeg and libebur128 report).
    #[serde(serialize_with = "ser_db")]
    pub true_peak_dbtp: Option<f64>,
    #[serde(serialize_with = "ser_db")]
    pub sample_peak_dbfs: Option<f64>,
    pub plr_db: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_finite: Option<NonFinite>,
    pub warnings: Vec<String>,
    pub normalisation: Vec<Normalisation>,
    /// The delivery-spec check, when `--target` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_check: Option<TargetCheck>,
    #[serde(skip)]
    blocks: GatingHistogram,
    #[serde(skip)]
    short_terms: GatingHistogram,
}

/// One service's album normalisation.
#[derive(Serialize, Clone, Debug)]
pub struct AlbumNormalisation {
    pub service: &'static str,
    pub target_lufs: f64,
    pub basis: Basis,
    /// True where the service plays an album with one gain; otherwise it uses track gains even
    /// in an album, and `album_gain_db` shows what an album gain would be.
    pub album_mode: bool,
    pub album_gain_db: f64,
    /// What the album gain does to each track, in argument order.
    pub tracks: Vec<Normalisation>,
}

#[derive(Serialize, Clone, Debug)]
pub struct AlbumReport {
    pub tracks: usize,
    pub duration_s: f64,
    pub integrated_lufs: Option<f64>,
    pub loudness_range_lu: Option<f64>,
    pub max_momentary_lufs: Option<f64>,
    pub max_short_term_lufs: Option<f64>,
    #[serde(serialize_with = "ser_db")]
    pub true_peak_dbtp: Option<f64>,
    #[serde(serialize_with = "ser_db")]
    pub sample_peak_dbfs: Option<f64>,
    /// The loudness album gains are computed from: the loudest track's integrated loudness for
    /// the streaming services (album normalisation as AES TD1008 describes it: the loudest track
    /// plays at the target, the others keep their distance), the album's integrated loudness for
    /// EBU R128 (a programme).
    pub loudest_track_lufs: Option<f64>,
    pub normalisation: Vec<AlbumNormalisation>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn to_db(gain: f64) -> Option<f64> {
    (gain > 0.0).then(|| 20.0 * gain.log10())
}

/// Options of one analysis.
#[derive(Clone, Debug)]
pub struct Options {
    pub mode: TruePeakMode,
    /// `--layout`, for every file.
    pub layout: Option<Layout>,
    /// The one true-peak threshold for "over" in the normalisation tables (and `--target`).
    pub clip_threshold_dbtp: f64,
}

/// Measures one file, streaming it. `progress`, if given, gets the file's length in frames added
/// to its own and is advanced as it is read (several files may share one bar).
pub fn analyze_file(
    path: &Path,
    options: &Options,
    progress: Option<&ProgressBar>,
) -> Result<TrackReport> {
    let mut reader = AudioReader::open(path)?;
    let info = reader.info().clone();
    if let (Some(bar), Some(frames)) = (progress, info.frames) {
        bar.inc_length(frames);
    }
    let layout = match &options.layout {
        Some(l) if l.channels.len() != info.channels => bail!(
            "--layout gives {} channels, the file has {}",
            l.channels.len(),
            info.channels
        ),
        Some(l) => l.clone(),
        None => Layout::for_file(info.channels, info.channel_mask),
    };
    let mut warnings: Vec<String> = layout.warning().into_iter().collect();
    let mut meter = LoudnessMeter::with_roles(info.sample_rate as f64, &layout.roles, CHUNK_FRAMES);
    let mut true_peak = TruePeakMeter::new(info.channels, options.mode);
    let mut planar = vec![Vec::with_capacity(CHUNK_FRAMES); info.channels];
    let mut frames_total = 0u64;
    let mut non_finite: Option<NonFinite> = None;
    loop {
        let frames = reader
            .read_chunk(&mut planar, CHUNK_FRAMES)
            .with_context(|| format!("after {frames_total} frames"))?;
        if frames == 0 {
            break;
        }
        let slices: Vec<&[f32]> = planar.iter().map(Vec::as_slice).collect();
        scan_non_finite(&slices, frames_total, info.sample_rate, &mut non_finite);
        meter.process(&slices);
        true_peak.process(&slices);
        frames_total += frames as u64;
        if let Some(bar) = progress {
            bar.inc(frames as u64);
        }
    }
    let integrated = finite(meter.integrated_lufs());
    let (tp, sample_peak) = if let Some(nf) = &non_finite {
        warnings.push(format!(
            "{} non-finite sample(s) (NaN or infinite), the first at frame {} ({:.3} s), \
             channel {}: true and sample peak read +inf; loudness leaves those spans out",
            nf.count,
            nf.first_frame,
            nf.first_time_s,
            nf.first_channel + 1
        ));
        (Some(f64::INFINITY), Some(f64::INFINITY))
    } else {
        (
            to_db(true_peak.peak_gain() as f64),
            to_db(true_peak.sample_peak() as f64),
        )
    };
    if let Some(expected) = info
        .frames
        .filter(|&f| f != frames_total && frames_total > 0)
    {
        warnings.push(format!(
            "the header announces {expected} frames, the file holds {frames_total}"
        ));
    }
    Ok(TrackReport {
        file: path.display().to_string(),
        status: if non_finite.is_some() {
            "non-finite samples".to_string()
        } else {
            "ok".to_string()
        },
        format: info.format.clone(),
        sample_rate: info.sample_rate,
        channels: info.channels,
        bits_per_sample: info.bits_per_sample,
        layout,
        duration_s: frames_total as f64 / info.sample_rate as f64,
        frames: frames_total,
        integrated_lufs: integrated,
        loudness_range_lu: finite(meter.loudness_range_lu()),
        max_momentary_lufs: finite(meter.max_momentary_lufs()),
        max_short_term_lufs: finite(meter.max_short_term_lufs()),
        true_peak_dbtp: tp,
        sample_peak_dbfs: sample_peak,
        plr_db: tp
            .filter(|t| t.is_finite())
            .zip(integrated)
            .and_then(|(tp, i)| plr_db(tp, i)),
        non_finite,
        warnings,
        normalisation: normalisation(integrated, tp, options.clip_threshold_dbtp),
        target_check: None,
        blocks: meter.gating_blocks().clone(),
        short_terms: meter.short_term_values().clone(),
    })
}

/// Counts NaN and infinite samples, keeping the first one's place.
fn scan_non_finite(
    channels: &[&[f32]],
    start_frame: u64,
    sample_rate: u32,
    found: &mut Option<NonFinite>,
) {
    for (ch, samples) in channels.iter().enumerate() {
        // A fast all-finite check first (the usual case), the counting only when needed.
        if samples.iter().all(|x| x.is_finite()) {
            continue;
        }
        for (i, x) in samples.iter().enumerate() {
            if x.is_finite() {
                continue;
            }
            let frame = start_frame + i as u64;
            let nf = found.get_or_insert(NonFinite {
                count: 0,
                first_frame: frame,
                first_channel: ch,
                first_time_s: frame as f64 / sample_rate as f64,
            });
            nf.count += 1;
            if frame < nf.first_frame || (frame == nf.first_frame && ch < nf.first_channel) {
                nf.first_frame = frame;
                nf.first_channel = ch;
                nf.first_time_s = frame as f64 / sample_rate as f64;
            }
        }
    }
}

/// The album figures: loudness over all tracks' gating blocks together, maxima over tracks, and
/// each service's album gain.
pub fn album(tracks: &[TrackReport], clip_threshold_dbtp: f64) -> AlbumReport {
    let mut blocks = GatingHistogram::new();
    let mut short_terms = GatingHistogram::new();
    for t in tracks {
        blocks.merge(&t.blocks);
        short_terms.merge(&t.short_terms);
    }
    let max = |f: fn(&TrackReport) -> Option<f64>| tracks.iter().filter_map(f).reduce(f64::max);
    let integrated = finite(blocks.integrated_lufs());
    let loudest = max(|t| t.integrated_lufs);
    let album_tp = max(|t| t.true_peak_dbtp);
    let normalisation = SERVICES
        .iter()
        .filter_map(|s| {
            let reference = if s.name == "EBU R128" {
                integrated?
            } else {
                loudest?
            };
            let gain = s.gain_db(reference, album_tp);
            Some(AlbumNormalisation {
                service: s.name,
                target_lufs: s.target_lufs,
                basis: s.basis,
                album_mode: s.album_mode,
                album_gain_db: gain,
                tracks: tracks
                    .iter()
                    .filter_map(|t| {
                        Some(s.apply(
                            gain,
                            t.integrated_lufs?,
                            t.true_peak_dbtp,
                            clip_threshold_dbtp,
                        ))
                    })
                    .collect(),
            })
        })
        .collect();
    AlbumReport {
        tracks: tracks.len(),
        duration_s: tracks.iter().map(|t| t.duration_s).sum(),
        integrated_lufs: integrated,
        loudness_range_lu: finite(short_terms.loudness_range_lu()),
        max_momentary_lufs: max(|t| t.max_momentary_lufs),
        max_short_term_lufs: max(|t| t.max_short_term_lufs),
        true_peak_dbtp: album_tp,
        sample_peak_dbfs: max(|t| t.sample_peak_dbfs),
        loudest_track_lufs: loudest,
        normalisation,
    }
}

fn fmt(x: Option<f64>, unit: &str) -> String {
    match x {
        Some(v) if v.is_infinite() => format!("{}inf {unit}", if v > 0.0 { "+" } else { "-" }),
        Some(v) => format!("{v:.1} {unit}"),
        None => format!("-inf {unit}"),
    }
}

/// The figures a track and an album share, one per line: integrated, LRA, max momentary, max
/// short-term, true peak, sample peak.
fn print_figures(out: &mut dyn Write, values: [Option<f64>; 6]) -> io::Result<()> {
    let rows = [
        ("Integrated loudness", "LUFS"),
        ("Loudness range", "LU"),
        ("Max momentary", "LUFS"),
        ("Max short-term", "LUFS"),
        ("True peak", "dBTP"),
        ("Sample peak", "dBFS"),
    ];
    for ((label, unit), v) in rows.iter().zip(values) {
        writeln!(out, "  {label:<20} {}", fmt(v, unit))?;
    }
    Ok(())
}

fn print_normalisation_row(
    out: &mut dyn Write,
    n: &Normalisation,
    gain_label: &str,
) -> io::Result<()> {
    writeln!(
        out,
        "    {:<13} {:>6.1} LUFS  {gain_label} {:>+6.1} dB -> {:>6.1} LUFS, {:>10}{}  [{}: {}]",
        n.service,
        n.target_lufs,
        n.gain_db,
        n.loudness_after_lufs,
        fmt(n.true_peak_after_dbtp, "dBTP"),
        if n.limited {
            "  LIMITED"
        } else if n.over_threshold {
            "  OVER"
        } else {
            ""
        },
        match n.basis {
            Basis::Documented => "documented",
            Basis::Estimated => "estimated",
        },
        n.rule
    )
}

/// The human-readable report of one track.
pub fn print_track(
    out: &mut dyn Write,
    t: &TrackReport,
    clip_threshold_dbtp: f64,
) -> io::Result<()> {
    writeln!(out, "{}", t.file)?;
    writeln!(
        out,
        "  {}, {:.1} s ({} frames), {} Hz, {} channel(s): {}{}",
        t.format,
        t.duration_s,
        t.frames,
        t.sample_rate,
        t.channels,
        t.layout.channels.join(" "),
        match t.layout.source {
            crate::layout::LayoutSource::Option => " (--layout)",
            crate::layout::LayoutSource::File => "",
            crate::layout::LayoutSource::Default => " (standard order assumed)",
            crate::layout::LayoutSource::Ambiguous => " (AMBIGUOUS layout)",
        }
    )?;
    for w in &t.warnings {
        writeln!(out, "  WARNING: {w}")?;
    }
    print_figures(
        out,
        [
            t.integrated_lufs,
            t.loudness_range_lu,
            t.max_momentary_lufs,
            t.max_short_term_lufs,
            t.true_peak_dbtp,
            t.sample_peak_dbfs,
        ],
    )?;
    writeln!(out, "  PLR                  {}", fmt(t.plr_db, "dB"))?;
    if !t.normalisation.is_empty() {
        writeln!(
            out,
            "  Streaming normalisation (OVER: true peak after gain above {clip_threshold_dbtp:.1} dBTP):"
        )?;
        for n in &t.normalisation {
            print_normalisation_row(out, n, "gain")?;
        }
    }
    Ok(())
}

pub fn print_album(out: &mut dyn Write, a: &AlbumReport, names: &[&str]) -> io::Result<()> {
    writeln!(out, "Album ({} tracks, {:.1} s)", a.tracks, a.duration_s)?;
    print_figures(
        out,
        [
            a.integrated_lufs,
            a.loudness_range_lu,
            a.max_momentary_lufs,
            a.max_short_term_lufs,
            a.true_peak_dbtp,
            a.sample_peak_dbfs,
        ],
    )?;
    if a.normalisation.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "  Album normalisation (one gain for the album: the loudest track, {}, to the target; EBU R128: the album's integrated loudness):",
        fmt(a.loudest_track_lufs, "LUFS")
    )?;
    for s in &a.normalisation {
        writeln!(
            out,
            "    {:<13} album gain {:>+6.1} dB{}",
            s.service,
            s.album_gain_db,
            if s.album_mode {
                ""
            } else {
                "  (no album mode: the service plays track gains)"
            }
        )?;
        for (n, name) in s.tracks.iter().zip(names) {
            writeln!(
                out,
                "      {name}: {:.1} LUFS, {}{}",
                n.loudness_after_lufs,
                fmt(n.true_peak_after_dbtp, "dBTP"),
                if n.limited {
                    "  LIMITED"
                } else if n.over_threshold {
                    "  OVER"
                } else {
                    ""
                }
            )?;
        }
    }
    Ok(())
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

/// The presets `--target` knows (name, aliases, integrated LUFS, ± LU, max dBTP): EBU R128 -23 LUFS ±0.2 and -1 dBTP; ATSC A/85 -24 LKFS (±2 dB, its RP tolerance)
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
                    .flat_map(|(_, a, ..)| a.iter().copied())
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
pub fn print_check(
    out: &mut dyn Write,
    check: &TargetCheck,
    spec: &DeliverySpec,
) -> io::Result<()> {
    let head = format!(
        "  Target {} ({:.1} LUFS ±{:.1}, max {:.1} dBTP):",
        spec.name, spec.integrated_lufs, spec.tolerance_lu, spec.max_true_peak_dbtp
    );
    if check.pass {
        writeln!(out, "{head} PASS")
    } else {
        writeln!(out, "{head} FAIL")?;
        for p in &check.problems {
            writeln!(out, "    - {p}")?;
        }
        Ok(())
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

    fn service(name: &str) -> &'static Service {
        SERVICES.iter().find(|s| s.name == name).unwrap()
    }

    #[test]
    fn spotify_documented_example_and_a_loud_master() {
        // Spotify's own example: -20 LUFS, -5 dBTP is lifted only to -16 LUFS (+4 dB), and does
        // not go over -1 dBTP.
        let n = normalisation(Some(-20.0), Some(-5.0), -1.0);
        let spotify = &n[0];
        assert_eq!(spotify.service, "Spotify");
        assert_eq!(spotify.basis, Basis::Documented);
        assert!((spotify.gain_db - 4.0).abs() < 1e-12);
        assert!((spotify.loudness_after_lufs + 16.0).abs() < 1e-12);
        assert!(!spotify.over_threshold);
        let by = |name: &str| n.iter().find(|x| x.service == name).unwrap();
        assert_eq!(by("YouTube").gain_db, 0.0);
        assert_eq!(by("Tidal").gain_db, 0.0);
        // Spotify Loud lifts to -11 regardless (+9 dB) and its limiter works.
        assert!((by("Spotify Loud").gain_db - 9.0).abs() < 1e-12 && by("Spotify Loud").limited);
        // Apple: +4 dB to -16 LUFS, peak -1 dBTP: at the threshold, not over it.
        assert!(!by("Apple Music").over_threshold);
        // Amazon: +6 dB, no documented cap: +1 dBTP, over the one -1 dBTP threshold.
        assert!(
            (by("Amazon Music").gain_db - 6.0).abs() < 1e-12 && by("Amazon Music").over_threshold
        );
        assert!((by("Deezer").gain_db - 5.0).abs() < 1e-12);

        // A loud master, -8 LUFS, +0.5 dBTP: everyone turns it down.
        let n = normalisation(Some(-8.0), Some(0.5), -1.0);
        for (name, gain) in [
            ("Spotify", -6.0),
            ("Spotify Loud", -3.0),
            ("Apple Music", -8.0),
            ("YouTube", -6.0),
            ("Tidal", -6.0),
            ("Amazon Music", -6.0),
            ("Deezer", -7.0),
            ("AES TD1008", -8.0),
            ("EBU R128", -15.0),
        ] {
            let x = n.iter().find(|x| x.service == name).unwrap();
            assert!((x.gain_db - gain).abs() < 1e-12, "{name}: {}", x.gain_db);
            assert!(!x.over_threshold, "{name}");
        }
        // Spotify Loud at -3 dB leaves the peak at -2.5 dBTP: no limiting.
        assert!(!n[1].limited);
        // A quiet track already peaking above the cap gets no positive gain from Spotify.
        assert_eq!(service("Spotify").gain_db(-20.0, Some(-0.5)), 0.0);
    }
}
