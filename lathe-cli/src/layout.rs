//! Which speaker each channel of a file feeds, and so its weight in the loudness sum.
//!
//! Weights per ITU-R BS.1770-4, Annex 1, Table 3: left, right, centre 1.0; left and right
//! surround 1.41 (+1.5 dB); LFE not measured. Every channel behind the listener (side, back, back
//! centre, top back) counts as a surround, as libebur128 and ffmpeg's `ebur128` filter count them;
//! every other speaker (front, front wide, front of centre, top front, top centre) weighs 1.0.
//!
//! Where the layout comes from, in order: `--layout`; the file's own declaration (a WAVE
//! channel mask, or a format whose channel order its specification fixes: FLAC, Vorbis, AAC,
//! ALAC, MP3); otherwise the standard default order for the channel count (1 mono, 2 L R,
//! 5 L R C Ls Rs, 6 = 5.1 L R C LFE Ls Rs, 8 = 7.1 L R C LFE Ls Rs Lrs Rrs, as in ITU-R BS.775
//! and SMPTE ST 428-12 / WAVE order). For 3, 4, 7 and more than 8 channels without a declaration
//! the speakers cannot be known (3 is L R C or 2.1, 4 is quad, L R C S or 3.1, 7 is 6.1 or 7.0):
//! such a layout is reported as ambiguous and every channel is measured at weight 1.0 until
//! `--layout` says otherwise.

use anyhow::{Result, bail};
use serde::Serialize;
use shared_dsp::loudness::ChannelRole;

/// WAVE speaker bits (the WAVEFORMATEXTENSIBLE dwChannelMask order) with their short labels.
const SPEAKERS: [(&str, ChannelRole); 18] = [
    ("L", ChannelRole::Front),      // front left
    ("R", ChannelRole::Front),      // front right
    ("C", ChannelRole::Front),      // front centre
    ("LFE", ChannelRole::Lfe),      // low frequency
    ("Lrs", ChannelRole::Surround), // back left
    ("Rrs", ChannelRole::Surround), // back right
    ("Lc", ChannelRole::Front),     // front left of centre
    ("Rc", ChannelRole::Front),     // front right of centre
    ("Cs", ChannelRole::Surround),  // back centre
    ("Ls", ChannelRole::Surround),  // side left
    ("Rs", ChannelRole::Surround),  // side right
    ("Tc", ChannelRole::Front),     // top centre
    ("Tfl", ChannelRole::Front),    // top front left
    ("Tfc", ChannelRole::Front),    // top front centre
    ("Tfr", ChannelRole::Front),    // top front right
    ("Tbl", ChannelRole::Surround), // top back left
    ("Tbc", ChannelRole::Surround), // top back centre
    ("Tbr", ChannelRole::Surround), // top back right
];

/// Where a file's layout came from.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutSource {
    /// `--layout`.
    Option,
    /// The file declares it (channel mask or the format's fixed order).
    File,
    /// The standard order for the channel count.
    Default,
    /// No declaration and no standard order: every channel at weight 1.0.
    Ambiguous,
}

/// The layout a file is measured with.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Layout {
    /// One label per channel ("L", "R", "C", "LFE", "Ls", "Rs", "Lrs", "Rrs", ...; "M" dual
    /// mono; "?" unknown; "-" left out).
    pub channels: Vec<String>,
    /// The BS.1770 weight of each channel.
    pub weights: Vec<f64>,
    pub source: LayoutSource,
    #[serde(skip)]
    pub roles: Vec<ChannelRole>,
}

impl Layout {
    fn from_labels(labels: Vec<(String, ChannelRole)>, source: LayoutSource) -> Self {
        Self {
            weights: labels.iter().map(|(_, r)| r.weight()).collect(),
            roles: labels.iter().map(|(_, r)| *r).collect(),
            channels: labels.into_iter().map(|(l, _)| l).collect(),
            source,
        }
    }

    /// The speakers of a WAVE channel mask, in channel order (ascending bits).
    fn from_mask(mask: u32, source: LayoutSource) -> Self {
        let labels = (0..32)
            .filter(|b| mask & (1 << b) != 0)
            .map(|b| match SPEAKERS.get(b) {
                Some((l, r)) => (l.to_string(), *r),
                None => ("?".to_string(), ChannelRole::Front),
            })
            .collect();
        Self::from_labels(labels, source)
    }

    /// The layout of a file: its declared mask if it has one, else the standard order for the
    /// channel count, else ambiguous.
    pub fn for_file(channels: usize, mask: Option<u32>) -> Self {
        if let Some(m) = mask.filter(|m| m.count_ones() as usize == channels) {
            // A mono file's single speaker, wherever the mask puts it, is one loudspeaker.
            if channels == 1 {
                return Self::from_labels(
                    vec![("C".to_string(), ChannelRole::Front)],
                    LayoutSource::File,
                );
            }
            return Self::from_mask(m, LayoutSource::File);
        }
        let default = match channels {
            1 => Some(vec![("C", ChannelRole::Front)]),
            2 => Some(named("stereo").expect("known")),
            5 => Some(named("5.0").expect("known")),
            6 => Some(named("5.1").expect("known")),
            8 => Some(named("7.1").expect("known")),
            _ => None,
        };
        match default {
            Some(labels) => Self::from_labels(
                labels
                    .into_iter()
                    .map(|(l, r)| (l.to_string(), r))
                    .collect(),
                LayoutSource::Default,
            ),
            None => Self::from_labels(
                (0..channels)
                    .map(|_| ("?".to_string(), ChannelRole::Front))
                    .collect(),
                LayoutSource::Ambiguous,
            ),
        }
    }

    /// Parses `--layout`: a name (mono, dual-mono, stereo, 3.0, 2.1, quad, lcrs, 4.0, 5.0, 5.1,
    /// 6.1, 7.0, 7.1) or a comma-separated list of channel labels (L, R, C, LFE, Ls, Rs, Lrs,
    /// Rrs, Cs, Lc, Rc, Tc, Tfl, Tfc, Tfr, Tbl, Tbc, Tbr, M for dual mono, - to leave a channel
    /// out).
    pub fn parse(text: &str) -> Result<Self> {
        let key = text.trim().to_ascii_lowercase();
        if let Some(labels) = named(&key) {
            return Ok(Self::from_labels(
                labels
                    .into_iter()
                    .map(|(l, r)| (l.to_string(), r))
                    .collect(),
                LayoutSource::Option,
            ));
        }
        let mut labels = Vec::new();
        for token in text.split(',').map(str::trim) {
            let role = match token {
                "M" | "m" => ChannelRole::DualMono,
                "-" => ChannelRole::Unused,
                _ => match SPEAKERS.iter().find(|(l, _)| l.eq_ignore_ascii_case(token)) {
                    Some((_, r)) => *r,
                    None => bail!(
                        "unknown layout {text:?}: give one of {} or a comma-separated list of \
                         channels from {}, M (dual mono), - (left out)",
                        NAMES.join(", "),
                        SPEAKERS.map(|(l, _)| l).join(", ")
                    ),
                },
            };
            labels.push((token.to_string(), role));
        }
        Ok(Self::from_labels(labels, LayoutSource::Option))
    }

    /// A warning to print, if the layout is a guess.
    pub fn warning(&self) -> Option<String> {
        (self.source == LayoutSource::Ambiguous).then(|| {
            format!(
                "ambiguous channel layout: {} channels and no channel mask; every channel is \
                 measured at weight 1.0; give --layout (e.g. quad, lcrs, 3.0, 2.1, 7.0, or \
                 L,R,C,LFE,...) to weight them by position",
                self.channels.len()
            )
        })
    }
}

const NAMES: [&str; 13] = [
    "mono",
    "dual-mono",
    "stereo",
    "3.0",
    "2.1",
    "quad",
    "lcrs",
    "4.0",
    "5.0",
    "5.1",
    "6.1",
    "7.0",
    "7.1",
];

fn named(key: &str) -> Option<Vec<(&'static str, ChannelRole)>> {
    use ChannelRole::*;
    Some(match key {
        "mono" => vec![("C", Front)],
        "dual-mono" | "dualmono" => vec![("M", DualMono)],
        "stereo" | "2.0" => vec![("L", Front), ("R", Front)],
        "3.0" => vec![("L", Front), ("R", Front), ("C", Front)],
        "2.1" => vec![("L", Front), ("R", Front), ("LFE", Lfe)],
        "quad" => vec![
            ("L", Front),
            ("R", Front),
            ("Ls", Surround),
            ("Rs", Surround),
        ],
        "lcrs" | "4.0" => vec![("L", Front), ("R", Front), ("C", Front), ("Cs", Surround)],
        "5.0" => vec![
            ("L", Front),
            ("R", Front),
            ("C", Front),
            ("Ls", Surround),
            ("Rs", Surround),
        ],
        "5.1" => vec![
            ("L", Front),
            ("R", Front),
            ("C", Front),
            ("LFE", Lfe),
            ("Ls", Surround),
            ("Rs", Surround),
        ],
        "6.1" => vec![
            ("L", Front),
            ("R", Front),
            ("C", Front),
            ("LFE", Lfe),
            ("Cs", Surround),
            ("Ls", Surround),
            ("Rs", Surround),
        ],
        "7.0" => vec![
            ("L", Front),
            ("R", Front),
            ("C", Front),
            ("Ls", Surround),
            ("Rs", Surround),
            ("Lrs", Surround),
            ("Rrs", Surround),
        ],
        "7.1" => vec![
            ("L", Front),
            ("R", Front),
            ("C", Front),
            ("LFE", Lfe),
            ("Ls", Surround),
            ("Rs", Surround),
            ("Lrs", Surround),
            ("Rrs", Surround),
        ],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::loudness::SURROUND_WEIGHT;

    #[test]
    fn masks_defaults_and_ambiguity() {
        // 5.1 with side surrounds (0x60F) and back surrounds (0x3F): LFE out, surrounds 1.41.
        for mask in [0x60F, 0x3F] {
            let l = Layout::for_file(6, Some(mask));
            assert_eq!(l.source, LayoutSource::File);
            assert_eq!(
                l.weights,
                vec![1.0, 1.0, 1.0, 0.0, SURROUND_WEIGHT, SURROUND_WEIGHT]
            );
        }
        let l = Layout::for_file(8, None);
        assert_eq!(l.source, LayoutSource::Default);
        assert_eq!(l.channels, ["L", "R", "C", "LFE", "Ls", "Rs", "Lrs", "Rrs"]);
        let l = Layout::for_file(4, None);
        assert_eq!(l.source, LayoutSource::Ambiguous);
        assert!(l.warning().is_some());
        assert_eq!(l.weights, vec![1.0; 4]);
        // A mask that does not match the channel count is not trusted.
        assert_eq!(
            Layout::for_file(4, Some(0x7)).source,
            LayoutSource::Ambiguous
        );
        let q = Layout::parse("quad").unwrap();
        assert_eq!(q.weights, vec![1.0, 1.0, SURROUND_WEIGHT, SURROUND_WEIGHT]);
        let c = Layout::parse("L,R,-,lfe").unwrap();
        assert_eq!(c.weights, vec![1.0, 1.0, 0.0, 0.0]);
        let err = Layout::parse("hexagon").unwrap_err().to_string();
        assert!(err.contains("7.1") && err.contains("Lrs"), "{err}");
    }
}
