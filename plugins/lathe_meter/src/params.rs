//! Lathe Loudness Meter parameters. Ids are stable: never rename one once shipped.

use crate::engine::MeterSettings;
use nice_plug::prelude::*;
use shared_dsp::true_peak::TruePeakMode;
use std::sync::Arc;

/// Delivery targets: EBU R128 -23 LUFS, ATSC A/85 -24 LKFS (their recommendations), streaming
/// -14 / -16 (the services' published reference levels).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    #[id = "ebu"]
    #[name = "EBU R128 (-23 LUFS)"]
    EbuR128,
    #[id = "atsc"]
    #[name = "ATSC A/85 (-24 LKFS)"]
    AtscA85,
    #[id = "stream14"]
    #[name = "Spotify / YouTube / Tidal / Amazon (-14 LUFS)"]
    Streaming14,
    #[id = "apple"]
    #[name = "Apple Music (-16 LUFS)"]
    AppleMusic,
    #[id = "aes"]
    #[name = "AES streaming (-16 LUFS)"]
    AesStreaming,
    #[id = "custom"]
    #[name = "Custom"]
    Custom,
}

impl Target {
    /// Target integrated loudness in LUFS and maximum true peak in dBTP, or `None` for custom.
    pub fn figures(self) -> Option<(f32, f32)> {
        match self {
            Target::EbuR128 => Some((-23.0, -1.0)),
            Target::AtscA85 => Some((-24.0, -2.0)),
            Target::Streaming14 => Some((-14.0, -1.0)),
            Target::AppleMusic => Some((-16.0, -1.0)),
            Target::AesStreaming => Some((-16.0, -1.0)),
            Target::Custom => None,
        }
    }
}

/// Vertical range of the loudness bar and history graph (EBU Tech 3341 §2.2).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// -18 … +9 LU around the target.
    #[id = "ebu9"]
    #[name = "EBU +9"]
    Ebu9,
    /// -36 … +18 LU around the target.
    #[id = "ebu18"]
    #[name = "EBU +18"]
    Ebu18,
}

impl Scale {
    /// The scale's range in LU relative to the target: (bottom, top).
    pub fn range_lu(self) -> (f32, f32) {
        match self {
            Scale::Ebu9 => (-18.0, 9.0),
            Scale::Ebu18 => (-36.0, 18.0),
        }
    }
}

/// How loudness figures are shown: absolute (LUFS) or relative to the target (LU).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    #[id = "lufs"]
    #[name = "LUFS (absolute)"]
    Lufs,
    #[id = "lu"]
    #[name = "LU (relative)"]
    Lu,
}

/// True-peak interpolator (shared_dsp::true_peak).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TruePeakChoice {
    #[id = "bs1770"]
    #[name = "BS.1770 (4x)"]
    Bs1770,
    #[id = "accurate"]
    #[name = "Accurate (8x)"]
    Accurate,
}

#[derive(Params)]
pub struct MeterParams {
    /// The CLAP id of the plugin that wrote a state; another plugin's state is refused.
    #[persist = "plugin"]
    pub plugin_id: std::sync::RwLock<String>,

    /// Editor size and scale, kept in the state so a project reopens with the editor as left.
    #[persist = "editor"]
    pub editor_state: Arc<lathe_plugin::EditorMemory>,

    #[id = "target"]
    pub target: EnumParam<Target>,

    #[id = "custom"]
    pub custom_target_lufs: FloatParam,

    #[id = "dualmono"]
    pub dual_mono: BoolParam,

    #[id = "bypass"]
    pub bypass: BoolParam,

    /// True-peak ceiling of the custom target, dBTP.
    #[id = "customtp"]
    pub custom_ceiling_dbtp: FloatParam,

    #[id = "scale"]
    pub scale: EnumParam<Scale>,

    #[id = "display"]
    pub units: EnumParam<Units>,

    #[id = "tpmode"]
    pub true_peak_mode: EnumParam<TruePeakChoice>,

    /// Start a new measurement whenever the host starts playback.
    #[id = "autoreset"]
    pub auto_reset: BoolParam,

    /// Measuring (on) or paused (off: every figure holds).
    #[id = "run"]
    pub running: BoolParam,
}

impl MeterParams {
    /// The active target: integrated loudness (LUFS) and true-peak ceiling (dBTP).
    pub fn target_figures(&self) -> (f32, f32) {
        self.target.value().figures().unwrap_or((
            self.custom_target_lufs.value(),
            self.custom_ceiling_dbtp.value(),
        ))
    }

    /// The engine's settings from the parameters.
    pub fn settings(&self) -> MeterSettings {
        MeterSettings {
            dual_mono: self.dual_mono.value(),
            true_peak_mode: match self.true_peak_mode.value() {
                TruePeakChoice::Bs1770 => TruePeakMode::Bs1770,
                TruePeakChoice::Accurate => TruePeakMode::Accurate,
            },
            running: self.running.value(),
        }
    }
}

impl Default for MeterParams {
    fn default() -> Self {
        Self {
            plugin_id: lathe_plugin::state::plugin_id_field(crate::INFO.clap_id),
            editor_state: lathe_plugin::editor_state(),
            target: EnumParam::new("Target", Target::EbuR128),
            custom_target_lufs: FloatParam::new(
                "Custom Target",
                -23.0,
                FloatRange::Linear {
                    min: -40.0,
                    max: 0.0,
                },
            )
            .with_step_size(0.1)
            .with_unit(" LUFS")
            .with_value_to_string(formatters::v2s_f32_rounded(1))
            .with_string_to_value(Arc::new(|s| {
                lathe_plugin::text::parse_with_units(s, &["LUFS", "LKFS", "dB"])
            })),
            dual_mono: BoolParam::new("Dual Mono", false),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            custom_ceiling_dbtp: FloatParam::new(
                "Custom TP Ceiling",
                -1.0,
                FloatRange::Linear {
                    min: -12.0,
                    max: 0.0,
                },
            )
            .with_step_size(0.1)
            .with_unit(" dBTP")
            .with_value_to_string(formatters::v2s_f32_rounded(1))
            .with_string_to_value(lathe_plugin::text::s2v_db()),
            scale: EnumParam::new("Scale", Scale::Ebu9),
            units: EnumParam::new("Units", Units::Lufs),
            true_peak_mode: EnumParam::new("True Peak Mode", TruePeakChoice::Bs1770),
            auto_reset: BoolParam::new("Reset on Play", false),
            running: BoolParam::new("Running", true),
        }
    }
}

impl lathe_plugin::PluginParams for MeterParams {
    type Settings = MeterSettings;
    fn settings(&self) -> MeterSettings {
        MeterParams::settings(self)
    }
}
