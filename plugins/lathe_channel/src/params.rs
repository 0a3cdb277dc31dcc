//! Lathe Channel Strip parameters. Ids are stable: never rename one once shipped.

use nice_plug::prelude::*;
use std::sync::Arc;

use crate::engine::ChannelSettings;

#[derive(Params)]
pub struct ChannelParams {
    /// The CLAP id of the plugin that wrote a state; another plugin's state is refused.
    #[persist = "plugin"]
    pub plugin_id: std::sync::RwLock<String>,

    /// Editor size and scale, kept in the state so a project reopens with the editor as left.
    #[persist = "editor"]
    pub editor_state: Arc<shared_gui::EditorMemory>,

    #[id = "trim"]
    pub trim_db: FloatParam,

    #[id = "phl"]
    pub invert_left: BoolParam,

    #[id = "phr"]
    pub invert_right: BoolParam,

    #[id = "out"]
    pub output_db: FloatParam,

    #[id = "bypass"]
    pub bypass: BoolParam,
}

impl Default for ChannelParams {
    fn default() -> Self {
        Self {
            plugin_id: shared_gui::state::plugin_id_field(crate::CLAP_ID),
            editor_state: shared_gui::editor_state(),
            trim_db: shared_gui::text::gain_db_param("Input Trim", -24.0, 24.0),
            invert_left: BoolParam::new("Invert Polarity L", false),
            invert_right: BoolParam::new("Invert Polarity R", false),
            output_db: shared_gui::text::gain_db_param("Output Gain", -24.0, 24.0),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
        }
    }
}

impl ChannelParams {
    /// The engine's plain settings from the current parameter values.
    pub fn settings(&self) -> ChannelSettings {
        ChannelSettings {
            bypass: self.bypass.value(),
            trim_db: self.trim_db.value(),
            invert: [self.invert_left.value(), self.invert_right.value()],
            output_db: self.output_db.value(),
        }
    }
}
