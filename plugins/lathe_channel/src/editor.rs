//! The Channel Strip's editor: sections left to right in signal order, between the input and
//! output meters — all shared-gui widgets. Today the strip has its input (trim, polarity) and
//! output stages; the filter, gate, EQ, compressor and pan/width sections join it as their DSP
//! lands (issue 8).

use crate::params::ChannelParams;
use crate::readout::Readout;
use nice_plug::prelude::ParamSetter;
use shared_dsp::util::gain_to_db;
use shared_gui::egui::{self, Vec2};
use shared_gui::meters::{LevelMeter, PeakHold};
use shared_gui::widgets::{Knob, Toggle, section};
use shared_gui::{Accent, EditorBody, EditorSpec};
use std::sync::Arc;

/// Title, accent colour and sizes of this editor.
pub const SPEC: EditorSpec = EditorSpec {
    title: "Lathe Channel Strip",
    accent: Accent::Channel,
    default_size: (520.0, 330.0),
    min_size: (480.0, 300.0),
};

const A: Accent = Accent::Channel;

pub struct Body {
    params: Arc<ChannelParams>,
    readout: Arc<Readout>,
    in_holds: [PeakHold; 2],
    out_holds: [PeakHold; 2],
}

pub type Editor = shared_gui::Editor<Body>;

pub fn create(params: Arc<ChannelParams>, readout: Arc<Readout>) -> Option<Editor> {
    let memory = params.editor_state.clone();
    shared_gui::create_editor(
        SPEC,
        memory,
        Body {
            params,
            readout,
            in_holds: Default::default(),
            out_holds: Default::default(),
        },
    )
}

impl EditorBody for Body {
    fn ui(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        let p = self.params.clone();
        let r = &self.readout;
        let ins: [f32; 2] = std::array::from_fn(|c| gain_to_db(r.input_peak[c].take()));
        let outs: [f32; 2] = std::array::from_fn(|c| gain_to_db(r.output_peak[c].take()));
        let h = 230.0;
        ui.horizontal_top(|ui| {
            LevelMeter::new(&ins, &mut self.in_holds)
                .range(-60.0, 6.0)
                .size(Vec2::new(40.0, h))
                .label("In")
                .show(ui);
            section(
                ui,
                "Input",
                A,
                true,
                |_| {},
                |ui| {
                    ui.set_min_height(h - 24.0);
                    Knob::new(&p.trim_db, setter, A).diameter(52.0).show(ui);
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        Toggle::new(&p.invert_left, setter, A).label("Ø L").show(ui);
                        Toggle::new(&p.invert_right, setter, A)
                            .label("Ø R")
                            .show(ui);
                    });
                },
            );
            section(
                ui,
                "Output",
                A,
                true,
                |_| {},
                |ui| {
                    ui.set_min_height(h - 24.0);
                    Knob::new(&p.output_db, setter, A).diameter(52.0).show(ui);
                    ui.add_space(8.0);
                    Toggle::new(&p.bypass, setter, A).show(ui);
                },
            );
            LevelMeter::new(&outs, &mut self.out_holds)
                .range(-60.0, 6.0)
                .size(Vec2::new(40.0, h))
                .label("Out")
                .show(ui);
        });
    }
}
