//! A horizontal slider bound to a parameter: name, a bar filled from the default to the value,
//! and the value (click to type).

use crate::binding::{Bound, ParamSink};
use crate::theme;
use egui::{Color32, CornerRadius, Rect, Response, Sense, Ui, Vec2};
use nice_plug::prelude::{Param, ParamSetter};

pub struct Slider<'a, S: ParamSink> {
    sink: S,
    accent: Color32,
    width: f32,
    label: Option<&'a str>,
}

impl<'a, P: Param + 'static> Slider<'a, Bound<'a, P>> {
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>, accent: theme::Accent) -> Self {
        Self::for_sink(Bound::new(param, setter), accent.color())
    }
}

impl<'a, S: ParamSink> Slider<'a, S> {
    pub fn for_sink(sink: S, accent: Color32) -> Self {
        Self {
            sink,
            accent,
            width: 140.0,
            label: None,
        }
    }

    pub fn width(mut self, width: f32) -> Self {
        self.width = width;
        self
    }

    pub fn label(mut self, label: &'a str) -> Self {
        self.label = Some(label);
        self
    }

    pub fn show(self, ui: &mut Ui) -> Response {
        ui.horizontal(|ui| {
            let name = self.label.map_or_else(|| self.sink.name(), str::to_string);
            ui.add_sized(
                Vec2::new(90.0, 18.0),
                egui::Label::new(
                    egui::RichText::new(&name)
                        .font(theme::font(theme::SIZE_SMALL))
                        .color(theme::TEXT_DIM),
                )
                .truncate(),
            );
            let (rect, response) =
                ui.allocate_exact_size(Vec2::new(self.width, 14.0), Sense::click_and_drag());
            super::interact(ui, &response, &self.sink, false, self.width);
            let value = self.sink.normalized();
            let default = self.sink.default_normalized();
            let painter = ui.painter();
            painter.rect_filled(rect, CornerRadius::same(3), theme::WELL);
            let x = |u: f32| rect.left() + u * rect.width();
            let (a, b) = (x(default.min(value)), x(default.max(value)));
            painter.rect_filled(
                Rect::from_min_max(
                    egui::pos2(a, rect.top() + 2.0),
                    egui::pos2(b.max(a + 2.0), rect.bottom() - 2.0),
                ),
                CornerRadius::same(2),
                self.accent,
            );
            painter.line_segment(
                [
                    egui::pos2(x(value), rect.top()),
                    egui::pos2(x(value), rect.bottom()),
                ],
                egui::Stroke::new(2.0, theme::TEXT),
            );
            let response = response.on_hover_text(format!(
                "{name}: {}\n{}",
                self.sink.display(value),
                super::HELP
            ));
            super::value_entry(ui, &self.sink, 70.0);
            response
        })
        .inner
    }
}
