//! The Mastering EQ's editor.

use crate::params::EqParams;
use std::sync::Arc;

/// Title, accent colour and sizes of this editor.
pub const SPEC: shared_gui::EditorSpec = shared_gui::EditorSpec {
    title: "Lathe Mastering EQ",
    accent: shared_gui::Accent::Eq,
    default_size: (860.0, 520.0),
    min_size: (640.0, 400.0),
};

pub type Editor = shared_gui::Editor<shared_gui::GenericBody<EqParams>>;

pub fn create(params: Arc<EqParams>) -> Option<Editor> {
    let memory = params.editor_state.clone();
    shared_gui::generic_editor(SPEC, params, memory)
}
