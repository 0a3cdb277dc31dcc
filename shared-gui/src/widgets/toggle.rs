//! A toggle button bound to a two-state parameter: lit in the accent colour when on.

use crate::binding::{Action, Bound, Gesture, ParamSink};
use crate::theme;
use egui::{Color32, Response, Ui};
use nice_plug::prelude::{Param, ParamSetter};

pub struct Toggle<'a, S: ParamSink> {
    sink: S,
    accent: Color32,
    label: Option<&'a str>,
}

impl<'a, P: Param + 'static> Toggle<'a, Bound<'a, P>> {
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>, accent: theme::Accent) -> Self {
        Self::for_sink(Bound::new(param, setter), accent.color())
    }
}

impl<'a, S: ParamSink> Toggle<'a, S> {
    pub fn for_sink(sink: S, accent: Color32) -> Self {
        Self {
            sink,
            accent,
            label: None,
        }
    }

    /// Text on the button (default: the parameter's name).
    pub fn label(mut self, label: &'a str) -> Self {
        self.label = Some(label);
        self
    }

    pub fn show(self, ui: &mut Ui) -> Response {
        let on = self.sink.normalized() >= 0.5;
        let name = self.label.map_or_else(|| self.sink.name(), str::to_string);
        let response = toggle_button(ui, &name, on, self.accent);
        if response.clicked() {
            Gesture::default().apply(&self.sink, Action::Pick(if on { 0.0 } else { 1.0 }));
        }
        response.on_hover_text(format!(
            "{name}: {}",
            self.sink.display(self.sink.normalized())
        ))
    }
}

/// The look of every on/off button, bound to a parameter or not (the EQ analyser's Freeze): lit
/// in `accent` when on; off, a raised button with an outline, so it reads as a control on any
/// panel.
pub fn toggle_button(ui: &mut Ui, text: &str, on: bool, accent: Color32) -> Response {
    let text = egui::RichText::new(text).color(if on { theme::BACKGROUND } else { theme::TEXT });
    let button = egui::Button::new(text)
        .fill(if on { accent } else { theme::CONTROL })
        .stroke(egui::Stroke::new(
            1.0,
            if on { accent } else { theme::GRID },
        ));
    ui.add(button)
}
