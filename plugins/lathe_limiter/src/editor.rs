//! The Limiter's editor.

use crate::params::LimiterParams;
use std::sync::Arc;

pub type Editor = nice_plug_egui::EguiEditor<shared_gui::GenericApp<LimiterParams>>;

pub fn create(params: Arc<LimiterParams>) -> Option<Editor> {
    let state = params.editor_state.clone();
    shared_gui::generic_editor("Lathe Limiter", params, state)
}
