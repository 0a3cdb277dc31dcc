//! A rotary knob bound to a parameter: name above, value (click to type) below, an arc from the
//! default to the current value in the plugin's accent colour.

use crate::binding::{Bound, ParamSink};
use crate::{mapping, theme};
use egui::{Color32, Pos2, Response, Sense, Shape, Stroke, Ui, Vec2};
use nice_plug::prelude::{Param, ParamSetter};

pub struct Knob<'a, S: ParamSink> {
    sink: S,
    accent: Color32,
    diameter: f32,
    width: Option<f32>,
    label: Option<&'a str>,
}

impl<'a, P: Param + 'static> Knob<'a, Bound<'a, P>> {
    /// A knob for `param`.
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>, accent: theme::Accent) -> Self {
        Self::for_sink(Bound::new(param, setter), accent.color())
    }
}

impl<'a, S: ParamSink> Knob<'a, S> {
    pub fn for_sink(sink: S, accent: Color32) -> Self {
        Self {
            sink,
            accent,
            diameter: 40.0,
            width: None,
            label: None,
        }
    }

    /// Knob diameter in logical points (default 40).
    pub fn diameter(mut self, diameter: f32) -> Self {
        self.diameter = diameter;
        self
    }

    /// The width the knob takes with its name and value (default: diameter + 36, at least 76).
    pub fn width(mut self, width: f32) -> Self {
        self.width = Some(width);
        self
    }

    /// A shorter label than the parameter's name.
    pub fn label(mut self, label: &'a str) -> Self {
        self.label = Some(label);
        self
    }

    pub fn show(self, ui: &mut Ui) -> Response {
        let width = self
            .width
            .unwrap_or((self.diameter + 36.0).max(76.0))
            .max(self.diameter + 4.0);
        ui.allocate_ui_with_layout(
            Vec2::new(width, self.diameter + 44.0),
            egui::Layout::top_down(egui::Align::Center),
            |ui| {
                ui.spacing_mut().item_spacing.y = 2.0;
                let name = self.label.map_or_else(|| self.sink.name(), str::to_string);
                ui.add(
                    egui::Label::new(
                        egui::RichText::new(&name)
                            .font(theme::font(theme::SIZE_SMALL))
                            .color(theme::TEXT_DIM),
                    )
                    .truncate(),
                );
                let (rect, response) =
                    ui.allocate_exact_size(Vec2::splat(self.diameter), Sense::click_and_drag());
                super::interact(ui, &response, &self.sink, true, 200.0);
                let value = self.sink.normalized();
                paint(
                    ui,
                    rect.center(),
                    self.diameter * 0.5,
                    value,
                    self.sink.default_normalized(),
                    self.accent,
                    response.hovered() || response.dragged(),
                );
                let response = response.on_hover_text(format!(
                    "{name}: {}\n{}",
                    self.sink.display(value),
                    super::HELP
                ));
                super::value_entry(ui, &self.sink, width - 4.0);
                response
            },
        )
        .inner
    }
}

fn arc_points(center: Pos2, radius: f32, from: f32, to: f32) -> Vec<Pos2> {
    let n = ((from - to).abs() / 0.08).ceil().max(2.0) as usize;
    (0..=n)
        .map(|i| {
            let a = from + (to - from) * i as f32 / n as f32;
            // Screen y grows downwards: negate the sine.
            center + Vec2::new(a.cos(), -a.sin()) * radius
        })
        .collect()
}

fn paint(ui: &Ui, center: Pos2, radius: f32, value: f32, default: f32, accent: Color32, hot: bool) {
    let painter = ui.painter();
    painter.circle_filled(center, radius - 1.0, theme::WELL);
    let track = radius - 3.0;
    painter.add(Shape::line(
        arc_points(
            center,
            track,
            mapping::knob_angle(0.0),
            mapping::knob_angle(1.0),
        ),
        Stroke::new(3.0, theme::GRID),
    ));
    let (a0, a1) = (mapping::knob_angle(default), mapping::knob_angle(value));
    if (a0 - a1).abs() > 1e-3 {
        painter.add(Shape::line(
            arc_points(center, track, a0, a1),
            Stroke::new(3.0, accent),
        ));
    }
    let tip = center + Vec2::new(a1.cos(), -a1.sin()) * (track - 5.0);
    painter.line_segment(
        [center + (tip - center) * 0.25, tip],
        Stroke::new(2.0, if hot { theme::TEXT } else { theme::TEXT_DIM }),
    );
}
