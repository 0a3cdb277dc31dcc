//! The Channel Strip's editor.

use crate::params::ChannelParams;
use std::sync::Arc;

pub type Editor = nice_plug_egui::EguiEditor<shared_gui::GenericApp<ChannelParams>>;

pub fn create(params: Arc<ChannelParams>) -> Option<Editor> {
    let state = params.editor_state.clone();
    shared_gui::generic_editor("Lathe Channel Strip", params, state)
}
