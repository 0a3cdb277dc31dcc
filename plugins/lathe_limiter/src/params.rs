//! Lathe Limiter parameters. Ids are stable: never rename one once shipped.

use nice_plug::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::LimiterSettings;
use shared_dsp::dither::NoiseShaping;
use shared_dsp::limiter::LimiterMode;

/// What the ceiling limits.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    #[id = "sample"]
    #[name = "Sample Peak"]
    SamplePeak,
    #[id = "true"]
    #[name = "True Peak"]
    TruePeak,
}

/// Oversampling of the gain stage.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversampling {
    #[id = "off"]
    #[name = "Off"]
    Off,
    #[id = "2x"]
    #[name = "2x"]
    X2,
    #[id = "4x"]
    #[name = "4x"]
    X4,
    #[id = "8x"]
    #[name = "8x"]
    X8,
}

impl Oversampling {
    pub fn factor(self) -> usize {
        match self {
            Oversampling::Off => 1,
            Oversampling::X2 => 2,
            Oversampling::X4 => 4,
            Oversampling::X8 => 8,
        }
    }
}

/// Output word length: dither and quantise as the last stage.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DitherBits {
    #[id = "off"]
    #[name = "Off"]
    Off,
    #[id = "16"]
    #[name = "16 bit"]
    Bits16,
    #[id = "24"]
    #[name = "24 bit"]
    Bits24,
}

/// Noise shaping of the dither (`shared_dsp::dither::NoiseShaping`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shaping {
    #[id = "flat"]
    #[name = "Flat"]
    Flat,
    #[id = "first"]
    #[name = "1st order"]
    FirstOrder,
    #[id = "second"]
    #[name = "2nd order"]
    SecondOrder,
    #[id = "lipshitz"]
    #[name = "Lipshitz"]
    Lipshitz,
    #[id = "fweight"]
    #[name = "F-weighted"]
    FWeighted,
}

/// Loudness targets the limiter can learn its input gain for (integrated LUFS).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoudnessTarget {
    #[id = "off"]
    #[name = "Off"]
    Off,
    #[id = "stream14"]
    #[name = "Spotify / YouTube / Tidal (-14)"]
    Streaming14,
    #[id = "apple"]
    #[name = "Apple Music (-16)"]
    AppleMusic,
    #[id = "ebu"]
    #[name = "EBU R128 (-23)"]
    EbuR128,
    #[id = "custom"]
    #[name = "Custom"]
    Custom,
}

#[derive(Params)]
pub struct LimiterParams {
    /// The CLAP id of the plugin that wrote a state; another plugin's state is refused.
    #[persist = "plugin"]
    pub plugin_id: std::sync::RwLock<String>,

    /// Editor size and scale, kept in the state so a project reopens with the editor as left.
    #[persist = "editor"]
    pub editor_state: Arc<lathe_plugin::EditorMemory>,

    #[id = "in"]
    pub input_db: FloatParam,

    #[id = "ceil"]
    pub ceiling_db: FloatParam,

    #[id = "la"]
    pub lookahead_ms: FloatParam,

    #[id = "rel"]
    pub release_ms: FloatParam,

    #[id = "bypass"]
    pub bypass: BoolParam,

    #[id = "mode"]
    pub mode: EnumParam<Mode>,

    #[id = "os"]
    pub oversampling: EnumParam<Oversampling>,

    #[id = "autorel"]
    pub auto_release: BoolParam,

    #[id = "link"]
    pub link_percent: FloatParam,

    #[id = "dither"]
    pub dither: EnumParam<DitherBits>,

    #[id = "shaping"]
    pub shaping: EnumParam<Shaping>,

    #[id = "target"]
    pub target: EnumParam<LoudnessTarget>,

    #[id = "tgtlufs"]
    pub custom_target_lufs: FloatParam,

    /// Learning the input gain that lands the output on the target.
    #[id = "learn"]
    pub learn: BoolParam,

    /// The learned extra input gain (dB), kept in the state.
    #[persist = "learned-gain"]
    pub learned_gain_db: Arc<atomic_float::AtomicF32>,

    /// Set by parameters that change the latency; the audio thread consumes it.
    pub latency_dirty: Arc<AtomicBool>,
}

impl Default for LimiterParams {
    fn default() -> Self {
        let latency_dirty = Arc::new(AtomicBool::new(true));
        let dirty = latency_dirty.clone();
        let dirty_mode = latency_dirty.clone();
        let dirty_os = latency_dirty.clone();
        Self {
            plugin_id: lathe_plugin::state::plugin_id_field(crate::INFO.clap_id),
            editor_state: lathe_plugin::editor_state(),
            input_db: FloatParam::new(
                "Input Gain",
                0.0,
                FloatRange::Linear {
                    min: -12.0,
                    max: 24.0,
                },
            )
            .with_step_size(0.01)
            .with_unit(" dB")
            .with_value_to_string(formatters::v2s_f32_rounded(2))
            .with_string_to_value(lathe_plugin::text::s2v_db()),
            ceiling_db: FloatParam::new(
                "Ceiling",
                -1.0,
                FloatRange::Linear {
                    min: -12.0,
                    max: 0.0,
                },
            )
            .with_step_size(0.01)
            .with_unit(" dBTP")
            .with_value_to_string(formatters::v2s_f32_rounded(2))
            .with_string_to_value(lathe_plugin::text::s2v_db()),
            lookahead_ms: FloatParam::new(
                "Lookahead",
                1.5,
                FloatRange::Skewed {
                    min: 0.5,
                    max: 10.0,
                    factor: FloatRange::skew_factor(-1.0),
                },
            )
            .with_step_size(0.01)
            .with_unit(" ms")
            .with_value_to_string(formatters::v2s_f32_rounded(2))
            .with_callback(Arc::new(move |_| dirty.store(true, Ordering::Release))),
            release_ms: FloatParam::new(
                "Release",
                100.0,
                FloatRange::Skewed {
                    min: 1.0,
                    max: 1000.0,
                    factor: FloatRange::skew_factor(-2.0),
                },
            )
            .with_step_size(0.1)
            .with_unit(" ms")
            .with_value_to_string(formatters::v2s_f32_rounded(1)),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            mode: EnumParam::new("Mode", Mode::TruePeak)
                .with_callback(Arc::new(move |_| dirty_mode.store(true, Ordering::Release))),
            oversampling: EnumParam::new("Oversampling", Oversampling::X4)
                .with_callback(Arc::new(move |_| dirty_os.store(true, Ordering::Release))),
            auto_release: BoolParam::new("Auto Release", true),
            link_percent: FloatParam::new(
                "Stereo Link",
                100.0,
                FloatRange::Linear {
                    min: 0.0,
                    max: 100.0,
                },
            )
            .with_step_size(1.0)
            .with_unit(" %")
            .with_value_to_string(formatters::v2s_f32_rounded(0))
            .with_string_to_value(Arc::new(|s| {
                lathe_plugin::text::parse_with_units(s, &["%"])
            })),
            dither: EnumParam::new("Dither", DitherBits::Off),
            shaping: EnumParam::new("Noise Shaping", Shaping::Flat),
            target: EnumParam::new("Loudness Target", LoudnessTarget::Off),
            custom_target_lufs: FloatParam::new(
                "Custom Target",
                -14.0,
                FloatRange::Linear {
                    min: -30.0,
                    max: -5.0,
                },
            )
            .with_step_size(0.1)
            .with_unit(" LUFS")
            .with_value_to_string(formatters::v2s_f32_rounded(1))
            .with_string_to_value(Arc::new(|s| {
                lathe_plugin::text::parse_with_units(s, &["LUFS", "LKFS"])
            })),
            learn: BoolParam::new("Learn", false),
            learned_gain_db: Arc::new(atomic_float::AtomicF32::new(0.0)),
            latency_dirty,
        }
    }
}

impl LimiterParams {
    pub fn settings(&self) -> LimiterSettings {
        LimiterSettings {
            bypass: self.bypass.value(),
            input_db: self.input_db.value(),
            ceiling_db: self.ceiling_db.value(),
            lookahead_ms: self.lookahead_ms.value(),
            release_ms: self.release_ms.value(),
            auto_release: self.auto_release.value(),
            link_percent: self.link_percent.value(),
            mode: match self.mode.value() {
                Mode::SamplePeak => LimiterMode::SamplePeak,
                Mode::TruePeak => LimiterMode::TruePeak,
            },
            oversampling: self.oversampling.value().factor(),
            dither_bits: match self.dither.value() {
                DitherBits::Off => 0,
                DitherBits::Bits16 => 16,
                DitherBits::Bits24 => 24,
            },
            loudness_target_lufs: match self.target.value() {
                LoudnessTarget::Off => None,
                LoudnessTarget::Streaming14 => Some(-14.0),
                LoudnessTarget::AppleMusic => Some(-16.0),
                LoudnessTarget::EbuR128 => Some(-23.0),
                LoudnessTarget::Custom => Some(self.custom_target_lufs.value()),
            },
            learn: self.learn.value(),
            learned_gain_db: self.learned_gain_db.load(Ordering::Relaxed),
            noise_shaping: match self.shaping.value() {
                Shaping::Flat => NoiseShaping::Off,
                Shaping::FirstOrder => NoiseShaping::FirstOrder,
                Shaping::SecondOrder => NoiseShaping::SecondOrder,
                Shaping::Lipshitz => NoiseShaping::Lipshitz,
                Shaping::FWeighted => NoiseShaping::FWeighted,
            },
        }
    }
}

impl lathe_plugin::PluginParams for LimiterParams {
    type Settings = LimiterSettings;
    fn settings(&self) -> LimiterSettings {
        LimiterParams::settings(self)
    }
    fn take_latency_change(&self) -> bool {
        self.latency_dirty
            .swap(false, std::sync::atomic::Ordering::AcqRel)
    }
}
