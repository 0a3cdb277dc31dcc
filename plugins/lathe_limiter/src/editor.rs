//! The Limiter's editor.

use crate::params::LimiterParams;
use std::sync::Arc;

/// Title, accent colour and sizes of this editor.
pub const SPEC: shared_gui::EditorSpec = shared_gui::EditorSpec {
    title: "Lathe Limiter",
    accent: shared_gui::Accent::Limiter,
    default_size: (760.0, 460.0),
    min_size: (560.0, 360.0),
};

pub type Editor = shared_gui::Editor<shared_gui::GenericBody<LimiterParams>>;

pub fn create(params: Arc<LimiterParams>) -> Option<Editor> {
    let memory = params.editor_state.clone();
    shared_gui::generic_editor(SPEC, params, memory)
}
