//! The Loudness Meter's editor.

use crate::params::MeterParams;
use std::sync::Arc;

pub type Editor = nice_plug_egui::EguiEditor<shared_gui::GenericApp<MeterParams>>;

pub fn create(params: Arc<MeterParams>, _readout: Arc<crate::readout::Readout>) -> Option<Editor> {
    let state = params.editor_state.clone();
    shared_gui::generic_editor("Lathe Loudness Meter", params, state)
}
