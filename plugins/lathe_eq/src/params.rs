//! Lathe Mastering EQ parameters. Ids are stable: never rename one once shipped.

use nice_plug::prelude::*;
use std::sync::Arc;

use crate::engine::EqSettings;

#[derive(Params)]
pub struct EqParams {
    /// The CLAP id of the plugin that wrote a state; another plugin's state is refused.
    #[persist = "plugin"]
    pub plugin_id: std::sync::RwLock<String>,

    /// Editor size and scale, kept in the state so a project reopens with the editor as left.
    #[persist = "editor"]
    pub editor_state: Arc<shared_gui::EditorMemory>,

    #[id = "out"]
    pub output_db: FloatParam,

    #[id = "bypass"]
    pub bypass: BoolParam,
}

impl Default for EqParams {
    fn default() -> Self {
        Self {
            plugin_id: shared_gui::state::plugin_id_field(crate::CLAP_ID),
            editor_state: shared_gui::editor_state(),
            output_db: FloatParam::new(
                "Output Gain",
                0.0,
                FloatRange::Linear {
                    min: -24.0,
                    max: 24.0,
                },
            )
            .with_step_size(0.01)
            .with_unit(" dB")
            .with_value_to_string(formatters::v2s_f32_rounded(2))
            .with_string_to_value(shared_gui::text::s2v_db()),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
        }
    }
}

impl EqParams {
    pub fn settings(&self) -> EqSettings {
        EqSettings {
            bypass: self.bypass.value(),
            output_db: self.output_db.value(),
        }
    }
}
