//! The Channel Strip's editor.

use crate::params::ChannelParams;
use std::sync::Arc;

/// Title, accent colour and sizes of this editor.
pub const SPEC: shared_gui::EditorSpec = shared_gui::EditorSpec {
    title: "Lathe Channel Strip",
    accent: shared_gui::Accent::Channel,
    default_size: (860.0, 480.0),
    min_size: (640.0, 360.0),
};

pub type Editor = shared_gui::Editor<shared_gui::GenericBody<ChannelParams>>;

pub fn create(params: Arc<ChannelParams>) -> Option<Editor> {
    let memory = params.editor_state.clone();
    shared_gui::generic_editor(SPEC, params, memory)
}
