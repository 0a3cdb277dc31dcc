//! A drop-down selector bound to a stepped parameter (an enum): shows the current choice, lists
//! every choice by the parameter's own names; the wheel steps through them.

use crate::binding::{Action, Bound, Gesture, ParamSink};

use egui::{Response, Ui};
use nice_plug::prelude::{Param, ParamSetter};

pub struct Selector<'a, S: ParamSink> {
    sink: S,
    width: f32,
    label: Option<&'a str>,
}

impl<'a, P: Param + 'static> Selector<'a, Bound<'a, P>> {
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>) -> Self {
        Self::for_sink(Bound::new(param, setter))
    }
}

impl<'a, S: ParamSink> Selector<'a, S> {
    pub fn for_sink(sink: S) -> Self {
        Self {
            sink,
            width: 150.0,
            label: None,
        }
    }

    pub fn width(mut self, width: f32) -> Self {
        self.width = width;
        self
    }

    /// A label left of the box (default: none).
    pub fn label(mut self, label: &'a str) -> Self {
        self.label = Some(label);
        self
    }

    pub fn show(self, ui: &mut Ui) -> Response {
        let steps = self.sink.step_count().unwrap_or(1).max(1);
        let current = self.sink.normalized();
        let name = self.sink.name();
        ui.horizontal(|ui| {
            if let Some(label) = self.label {
                crate::widgets::caption(ui, label);
            }
            let mut picked = None;
            let r = egui::ComboBox::from_id_salt(ui.scope_id().with(&name))
                .width(self.width)
                .selected_text(self.sink.display(current))
                .show_ui(ui, |ui| {
                    for i in 0..=steps {
                        let v = i as f32 / steps as f32;
                        let selected = (v - current).abs() < 0.5 / steps as f32;
                        if ui
                            .selectable_label(selected, self.sink.display(v))
                            .clicked()
                        {
                            picked = Some(v);
                        }
                    }
                });
            if let Some(v) = picked {
                Gesture::default().apply(&self.sink, Action::Pick(v));
            }
            let response = r.response;
            if response.hovered() {
                let scroll = super::wheel_notches(ui);
                if scroll != 0.0 {
                    Gesture::default().apply(
                        &self.sink,
                        Action::Wheel {
                            notches: -scroll.signum(),
                            fine: false,
                        },
                    );
                }
            }
            response.on_hover_text(format!("{name}: {}", self.sink.display(current)))
        })
        .inner
    }
}
