//! The EBU loudness-meter conformance cases, synthesised from their definitions: EBU Tech 3341
//! ("Loudness Metering: 'EBU Mode' metering to supplement EBU R 128 loudness normalization",
//! v3, 2016), test signals 1–6, 9 and 12 and the true-peak signals 15–19, and EBU Tech 3342
//! ("Loudness Range", v3, 2016), LRA test signals 1–4.
//!
//! The tones are 1 kHz sines (peak level in dBFS), phase-continuous across segments; stereo cases
//! carry the same signal in both channels.

use crate::signals::sine_from;
use std::f64::consts::PI;

/// Tolerance of the Tech 3341 loudness cases (M, S, I), in LU.
pub const LOUDNESS_TOLERANCE_LU: f64 = 0.1;
/// Tolerance of the Tech 3342 LRA cases, in LU.
pub const LRA_TOLERANCE_LU: f64 = 1.0;
/// Tolerance of the Tech 3341 true-peak cases: the reading may be this much above ...
pub const TRUE_PEAK_TOLERANCE_ABOVE_DB: f64 = 0.2;
/// ... or this much below the expected dBTP.
pub const TRUE_PEAK_TOLERANCE_BELOW_DB: f64 = 0.4;

/// A `freq_hz` sine at `level_dbfs` peak lasting `seconds` (rounded to whole samples),
/// continuing the phase of sample `start`.
pub fn tone(
    sample_rate: f64,
    freq_hz: f64,
    level_dbfs: f64,
    seconds: f64,
    start: usize,
) -> Vec<f32> {
    let amp = 10f64.powf(level_dbfs / 20.0);
    let n = (seconds * sample_rate).round() as usize;
    sine_from(freq_hz, sample_rate, amp, 0.0, start, n)
}

/// Back-to-back 1 kHz segments `(level_dbfs, seconds)`, phase-continuous.
pub fn tone_sequence(sample_rate: f64, segments: &[(f64, f64)]) -> Vec<f32> {
    tone_sequence_f64(sample_rate, 1_000.0, segments)
        .into_iter()
        .map(|x| x as f32)
        .collect()
}

/// [`tone_sequence`] at any frequency in `f64`, for writing files at more than `f32` precision
/// (the same values before rounding to `f32`).
pub fn tone_sequence_f64(sample_rate: f64, freq_hz: f64, segments: &[(f64, f64)]) -> Vec<f64> {
    let mut out = Vec::new();
    for &(level, seconds) in segments {
        let amp = 10f64.powf(level / 20.0);
        let start = out.len();
        let n = (seconds * sample_rate).round() as usize;
        out.extend(
            (start..start + n).map(|i| amp * (2.0 * PI * freq_hz * i as f64 / sample_rate).sin()),
        );
    }
    out
}

/// A Tech 3341 case that is a stereo 1 kHz tone sequence with one expected reading.
#[derive(Clone, Copy, Debug)]
pub struct ToneCase {
    /// The case's number in Tech 3341.
    pub number: u32,
    /// `(level_dbfs, seconds)` segments.
    pub segments: &'static [(f64, f64)],
    /// Expected integrated loudness (and, for the steady cases 1 and 2, M, S and their maxima).
    pub expected_lufs: f64,
}

impl ToneCase {
    /// One channel of the case (both channels carry it).
    pub fn signal(&self, sample_rate: f64) -> Vec<f32> {
        tone_sequence(sample_rate, self.segments)
    }
}

/// Tech 3341 cases 1 and 2: a steady tone, M = S = I = the tone's level.
pub const TECH3341_STEADY: [ToneCase; 2] = [
    ToneCase {
        number: 1,
        segments: &[(-23.0, 20.0)],
        expected_lufs: -23.0,
    },
    ToneCase {
        number: 2,
        segments: &[(-33.0, 20.0)],
        expected_lufs: -33.0,
    },
];

/// Tech 3341 cases 3–5: the gates (absolute -70 LUFS, relative -10 LU); I = -23.0.
pub const TECH3341_GATING: [ToneCase; 3] = [
    ToneCase {
        number: 3,
        segments: &[(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)],
        expected_lufs: -23.0,
    },
    ToneCase {
        number: 4,
        segments: &[
            (-72.0, 10.0),
            (-36.0, 10.0),
            (-23.0, 60.0),
            (-36.0, 10.0),
            (-72.0, 10.0),
        ],
        expected_lufs: -23.0,
    },
    ToneCase {
        number: 5,
        segments: &[(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)],
        expected_lufs: -23.0,
    },
];

/// Tech 3341 case 6 (5.0 channels): the levels in dBFS of L, R, C, Ls, Rs; I = -23.0.
pub const TECH3341_CASE_6_LEVELS: [f64; 5] = [-28.0, -28.0, -24.0, -30.0, -30.0];

/// Tech 3341 case 6: 20 s of 1 kHz in the 5.0 channels L, R, C, Ls, Rs at
/// [`TECH3341_CASE_6_LEVELS`].
pub fn tech3341_case_6(sample_rate: f64) -> [Vec<f32>; 5] {
    TECH3341_CASE_6_LEVELS.map(|level| tone_sequence(sample_rate, &[(level, 20.0)]))
}

/// A Tech 3341 case of a repeated two-level pattern whose momentary or short-term loudness
/// must stay constant once its window has filled.
#[derive(Clone, Copy, Debug)]
pub struct PatternCase {
    /// The case's number in Tech 3341.
    pub number: u32,
    /// One period: `(level_dbfs, seconds)` twice.
    pub period: [(f64, f64); 2],
    /// How many periods.
    pub repeats: usize,
    /// From this time (s) on, the reading stays at `expected_lufs`.
    pub settle_s: f64,
    /// The constant reading.
    pub expected_lufs: f64,
}

impl PatternCase {
    /// The `(level, seconds)` segments of the whole case.
    pub fn segments(&self) -> Vec<(f64, f64)> {
        self.period
            .iter()
            .cycle()
            .take(2 * self.repeats)
            .copied()
            .collect()
    }

    /// One channel of the case (both channels carry it).
    pub fn signal(&self, sample_rate: f64) -> Vec<f32> {
        tone_sequence(sample_rate, &self.segments())
    }
}

/// Tech 3341 case 9: (1.34 s at -20, 1.66 s at -30) × 5; short-term = -23.0 after 3 s.
pub const TECH3341_CASE_9: PatternCase = PatternCase {
    number: 9,
    period: [(-20.0, 1.34), (-30.0, 1.66)],
    repeats: 5,
    settle_s: 3.0,
    expected_lufs: -23.0,
};

/// Tech 3341 case 12: (0.18 s at -20, 0.22 s at -30) × 25; momentary = -23.0 after 1 s.
pub const TECH3341_CASE_12: PatternCase = PatternCase {
    number: 12,
    period: [(-20.0, 0.18), (-30.0, 0.22)],
    repeats: 25,
    settle_s: 1.0,
    expected_lufs: -23.0,
};

/// A Tech 3341 true-peak case: a sine at a fraction of the sample rate, with a phase offset
/// chosen so that the samples miss the peak.
#[derive(Clone, Copy, Debug)]
pub struct TruePeakCase {
    /// The case's number in Tech 3341.
    pub number: u32,
    /// Frequency as a fraction of the sample rate.
    pub freq_over_fs: f64,
    /// Peak amplitude (linear).
    pub amplitude: f64,
    /// Phase at sample 0, in degrees.
    pub phase_deg: f64,
    /// Expected true peak, dBTP (tolerance +0.2/-0.4 dB).
    pub expected_dbtp: f64,
}

impl TruePeakCase {
    /// `len` samples of the case, starting abruptly at full level.
    pub fn signal(&self, len: usize) -> Vec<f32> {
        self.signal_faded(len, 0)
    }

    /// `len` samples of the case, faded in over `fade` samples (raised cosine): without the
    /// abrupt start, whose band-limited reconstruction overshoots the steady sine.
    pub fn signal_faded(&self, len: usize, fade: usize) -> Vec<f32> {
        let phase = self.phase_deg.to_radians();
        (0..len)
            .map(|n| {
                let g = if n < fade {
                    0.5 - 0.5 * (PI * n as f64 / fade as f64).cos()
                } else {
                    1.0
                };
                (g * self.amplitude * (2.0 * PI * self.freq_over_fs * n as f64 + phase).sin())
                    as f32
            })
            .collect()
    }

    /// Whether `dbtp` reads within the case's tolerance.
    pub fn accepts(&self, dbtp: f64) -> bool {
        dbtp - self.expected_dbtp <= TRUE_PEAK_TOLERANCE_ABOVE_DB
            && self.expected_dbtp - dbtp <= TRUE_PEAK_TOLERANCE_BELOW_DB
    }
}

/// Tech 3341 true-peak cases 15–19.
pub const TECH3341_TRUE_PEAK: [TruePeakCase; 5] = [
    TruePeakCase {
        number: 15,
        freq_over_fs: 0.25,
        amplitude: 0.5,
        phase_deg: 0.0,
        expected_dbtp: -6.0,
    },
    TruePeakCase {
        number: 16,
        freq_over_fs: 0.25,
        amplitude: 0.5,
        phase_deg: 45.0,
        expected_dbtp: -6.0,
    },
    TruePeakCase {
        number: 17,
        freq_over_fs: 1.0 / 6.0,
        amplitude: 0.5,
        phase_deg: 60.0,
        expected_dbtp: -6.0,
    },
    TruePeakCase {
        number: 18,
        freq_over_fs: 0.125,
        amplitude: 0.5,
        phase_deg: 67.5,
        expected_dbtp: -6.0,
    },
    TruePeakCase {
        number: 19,
        freq_over_fs: 0.25,
        amplitude: 1.41,
        phase_deg: 45.0,
        expected_dbtp: 3.0,
    },
];

/// A Tech 3342 loudness-range case: 20 s stereo 1 kHz tones back to back.
#[derive(Clone, Copy, Debug)]
pub struct LraCase {
    /// The case's number in Tech 3342.
    pub number: u32,
    /// The tones' levels in dBFS, 20 s each.
    pub levels: &'static [f64],
    /// Expected loudness range, LU (tolerance ±1).
    pub expected_lu: f64,
}

impl LraCase {
    /// The `(level, seconds)` segments.
    pub fn segments(&self) -> Vec<(f64, f64)> {
        self.levels.iter().map(|&l| (l, 20.0)).collect()
    }

    /// One channel of the case (both channels carry it).
    pub fn signal(&self, sample_rate: f64) -> Vec<f32> {
        tone_sequence(sample_rate, &self.segments())
    }
}

/// Tech 3342 LRA cases 1–4.
pub const TECH3342: [LraCase; 4] = [
    LraCase {
        number: 1,
        levels: &[-20.0, -30.0],
        expected_lu: 10.0,
    },
    LraCase {
        number: 2,
        levels: &[-20.0, -15.0],
        expected_lu: 5.0,
    },
    LraCase {
        number: 3,
        levels: &[-40.0, -20.0],
        expected_lu: 20.0,
    },
    LraCase {
        number: 4,
        levels: &[-50.0, -35.0, -20.0, -35.0, -50.0],
        expected_lu: 15.0,
    },
];
