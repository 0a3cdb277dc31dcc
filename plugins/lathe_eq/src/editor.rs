//! The Mastering EQ's editor.

use crate::params::EqParams;
use std::sync::Arc;

pub type Editor = nice_plug_egui::EguiEditor<shared_gui::GenericApp<EqParams>>;

pub fn create(params: Arc<EqParams>) -> Option<Editor> {
    let state = params.editor_state.clone();
    shared_gui::generic_editor("Lathe Mastering EQ", params, state)
}
