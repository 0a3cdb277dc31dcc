//! Lathe Loudness Meter parameters. Ids are stable: never rename one once shipped.

use nice_plug::prelude::*;
use std::sync::Arc;

/// Delivery targets from SPEC.md: EBU R128 -23 LUFS, ATSC A/85 -24 LKFS, streaming -14 / -16.
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

#[derive(Params)]
pub struct MeterParams {
    /// The CLAP id of the plugin that wrote a state; another plugin's state is refused.
    #[persist = "plugin"]
    pub plugin_id: std::sync::RwLock<String>,

    /// Editor size and scale, kept in the state so a project reopens with the editor as left.
    #[persist = "editor"]
    pub editor_state: Arc<shared_gui::EditorMemory>,

    #[id = "target"]
    pub target: EnumParam<Target>,

    #[id = "custom"]
    pub custom_target_lufs: FloatParam,

    #[id = "dualmono"]
    pub dual_mono: BoolParam,

    #[id = "bypass"]
    pub bypass: BoolParam,
}

impl Default for MeterParams {
    fn default() -> Self {
        Self {
            plugin_id: shared_gui::state::plugin_id_field(crate::CLAP_ID),
            editor_state: shared_gui::editor_state(),
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
            .with_value_to_string(formatters::v2s_f32_rounded(1)),
            dual_mono: BoolParam::new("Dual Mono", false),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
        }
    }
}
