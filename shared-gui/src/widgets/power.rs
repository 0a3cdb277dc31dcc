//! A power button bound to a section's on/off parameter: the usual power symbol, lit in the
//! accent colour when on, dim when off. Every section of every editor uses it, so on and off
//! look the same everywhere (a text toggle reading "On" in both states did not).

use crate::binding::{Action, Bound, Gesture, ParamSink};
use crate::theme;
use egui::{Color32, Pos2, Response, Sense, Shape, Stroke, Ui, Vec2};
use nice_plug::prelude::{Param, ParamSetter};

/// Side of the button, points.
pub const SIZE: f32 = 18.0;

pub struct Power<S: ParamSink> {
    sink: S,
    accent: Color32,
}

impl<'a, P: Param + 'static> Power<Bound<'a, P>> {
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>, accent: theme::Accent) -> Self {
        Self::for_sink(Bound::new(param, setter), accent.color())
    }
}

impl<S: ParamSink> Power<S> {
    pub fn for_sink(sink: S, accent: Color32) -> Self {
        Self { sink, accent }
    }

    pub fn show(self, ui: &mut Ui) -> Response {
        let on = self.sink.normalized() >= 0.5;
        let (rect, response) = ui.allocate_exact_size(Vec2::splat(SIZE), Sense::click());
        if response.clicked() {
            Gesture::default().apply(&self.sink, Action::Pick(if on { 0.0 } else { 1.0 }));
        }
        let on = self.sink.normalized() >= 0.5;
        let colour = if on {
            self.accent
        } else {
            Color32::from_gray(120)
        };
        let painter = ui.painter_at(rect.expand(1.0));
        let c = rect.center();
        painter.circle(
            c,
            SIZE * 0.5,
            if on { theme::WELL } else { theme::CONTROL },
            Stroke::new(
                if response.hovered() { 1.5 } else { 1.0 },
                if on { self.accent } else { theme::GRID },
            ),
        );
        // The power symbol: an open ring with a bar through its gap.
        let r = SIZE * 0.27;
        let points: Vec<Pos2> = (0..=24)
            .map(|i| {
                let a = (-60.0f32 + 300.0 * i as f32 / 24.0).to_radians();
                c + Vec2::new(a.sin(), -a.cos()) * r
            })
            .collect();
        let stroke = Stroke::new(1.6, colour);
        painter.add(Shape::line(points, stroke));
        painter.line_segment(
            [c + Vec2::new(0.0, -r - 1.5), c + Vec2::new(0.0, -1.0)],
            stroke,
        );
        let name = self.sink.name();
        response.on_hover_text(format!("{name}: {}", if on { "on" } else { "off" }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binding::tests::Recorder;
    use crate::plots::headless::button;
    use egui::{Event, RawInput, Rect};

    fn frame(ctx: &egui::Context, sink: &Recorder, events: Vec<Event>) -> Rect {
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(200.0, 100.0))),
            events,
            ..Default::default()
        };
        let mut rect = Rect::NOTHING;
        let mut out = ctx.run_ui(input, |ui| {
            rect = Power::for_sink(sink, Color32::RED).show(ui).rect;
        });
        out.textures_delta.clear();
        rect
    }

    /// A click switches the section on, another off, each one host gesture.
    #[test]
    fn a_click_toggles_the_section_as_one_gesture() {
        let ctx = egui::Context::default();
        let sink = Recorder::new(0.0, Some(1));
        let rect = frame(&ctx, &sink, vec![]);
        let c = rect.center();
        for want in [1.0, 0.0] {
            frame(&ctx, &sink, vec![Event::PointerMoved(c), button(c, true)]);
            frame(&ctx, &sink, vec![button(c, false)]);
            assert_eq!(sink.normalized(), want);
            assert_eq!(
                sink.take(),
                ["begin", &format!("set {want:.3}")[..], "end"],
                "one gesture per click"
            );
        }
    }
}
