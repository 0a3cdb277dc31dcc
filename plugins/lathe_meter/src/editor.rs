//! The Loudness Meter's editor.

use crate::params::MeterParams;
use std::sync::Arc;

/// Title, accent colour and sizes of this editor.
pub const SPEC: shared_gui::EditorSpec = shared_gui::EditorSpec {
    title: "Lathe Loudness Meter",
    accent: shared_gui::Accent::Meter,
    default_size: (820.0, 520.0),
    min_size: (640.0, 420.0),
};

pub type Editor = shared_gui::Editor<shared_gui::GenericBody<MeterParams>>;

pub fn create(params: Arc<MeterParams>) -> Option<Editor> {
    let memory = params.editor_state.clone();
    shared_gui::generic_editor(SPEC, params, memory)
}
