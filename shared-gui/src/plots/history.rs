//! A scrolling history graph: one or more traces of values over the last `span_s` seconds
//! (loudness, gain reduction), newest at the right, on a fixed value range, with optional
//! horizontal reference lines (a target, a ceiling).

use crate::{mapping, theme};
use egui::{Color32, CornerRadius, Pos2, Sense, Shape, Stroke, Ui, Vec2};

pub struct HistoryGraph<'a> {
    /// Traces: values oldest first, evenly spaced `point_s` apart, the last one is "now".
    pub traces: &'a [(&'a [f32], Color32)],
    pub point_s: f32,
    pub span_s: f32,
    pub min: f32,
    pub max: f32,
    /// Horizontal lines: value and colour.
    pub lines: &'a [(f32, Color32)],
    /// Draw traces as filled areas from the top (gain reduction) instead of lines.
    pub fill_from_top: bool,
    pub unit: &'a str,
    pub size: Vec2,
}

impl HistoryGraph<'_> {
    pub fn show(self, ui: &mut Ui) -> egui::Response {
        crate::meters::keep_repainting(ui);
        let (rect, response) = ui.allocate_exact_size(self.size, Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, CornerRadius::same(3), theme::WELL);
        let y = |v: f32| rect.bottom() - mapping::to_unit(v, self.min, self.max) * rect.height();
        // Value grid: about five lines.
        let span = self.max - self.min;
        let step = [1.0f32, 2.0, 3.0, 5.0, 6.0, 10.0, 12.0, 20.0]
            .into_iter()
            .find(|s| span / s <= 6.0)
            .unwrap_or(span / 5.0);
        let mut v = (self.min / step).ceil() * step;
        while v <= self.max {
            let yy = y(v);
            painter.line_segment(
                [Pos2::new(rect.left(), yy), Pos2::new(rect.right(), yy)],
                Stroke::new(1.0, theme::GRID),
            );
            painter.text(
                Pos2::new(rect.left() + 3.0, yy),
                egui::Align2::LEFT_BOTTOM,
                format!("{v:.0}{}", self.unit),
                theme::font(9.0),
                theme::TEXT_DIM,
            );
            v += step;
        }
        // Time grid: every minute (or 10 s for short spans).
        let tick = if self.span_s > 120.0 { 60.0 } else { 10.0 };
        let mut t = tick;
        while t < self.span_s {
            let x = rect.right() - t / self.span_s * rect.width();
            painter.line_segment(
                [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
                Stroke::new(1.0, Color32::from_gray(34)),
            );
            t += tick;
        }
        for (value, color) in self.lines {
            let yy = y(*value);
            painter.line_segment(
                [Pos2::new(rect.left(), yy), Pos2::new(rect.right(), yy)],
                Stroke::new(1.5, *color),
            );
        }
        let px_per_point = rect.width() * self.point_s / self.span_s;
        for (values, color) in self.traces {
            let n = values.len();
            let mut run: Vec<Pos2> = Vec::new();
            let flush = |run: &mut Vec<Pos2>| {
                if run.len() >= 2 {
                    painter.add(Shape::line(std::mem::take(run), Stroke::new(1.5, *color)));
                }
                run.clear();
            };
            for (i, v) in values.iter().enumerate() {
                let x = rect.right() - (n - 1 - i) as f32 * px_per_point;
                if x < rect.left() {
                    continue;
                }
                if self.fill_from_top {
                    if v.is_finite() && *v > self.min {
                        painter.line_segment(
                            [Pos2::new(x, rect.top()), Pos2::new(x, y(*v))],
                            Stroke::new(px_per_point.max(1.0), *color),
                        );
                    }
                } else if v.is_finite() && *v >= self.min {
                    run.push(Pos2::new(x, y(v.min(self.max))));
                } else {
                    flush(&mut run);
                }
            }
            flush(&mut run);
        }
        response
    }
}
