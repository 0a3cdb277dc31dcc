//! Lathe Limiter parameters. Ids are stable: never rename one once shipped.

use nice_plug::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::LimiterSettings;

#[derive(Params)]
pub struct LimiterParams {
    /// The CLAP id of the plugin that wrote a state; another plugin's state is refused.
    #[persist = "plugin"]
    pub plugin_id: std::sync::RwLock<String>,

    /// Editor size and scale, kept in the state so a project reopens with the editor as left.
    #[persist = "editor"]
    pub editor_state: Arc<shared_gui::EditorMemory>,

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

    /// Set by parameters that change the latency; the audio thread consumes it.
    pub latency_dirty: Arc<AtomicBool>,
}

impl Default for LimiterParams {
    fn default() -> Self {
        let latency_dirty = Arc::new(AtomicBool::new(true));
        let dirty = latency_dirty.clone();
        Self {
            plugin_id: shared_gui::state::plugin_id_field(crate::CLAP_ID),
            editor_state: shared_gui::editor_state(),
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
            .with_string_to_value(shared_gui::text::s2v_db()),
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
            .with_string_to_value(shared_gui::text::s2v_db()),
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
        }
    }
}
