//! A scrolling history graph: one or more traces of values over the last `span_s` seconds
//! (loudness, gain reduction), newest at the right, on a fixed value range, with a numbered value
//! scale (its unit written at the top), seconds/minutes marked along the bottom, and optional
//! horizontal reference lines (a target, a ceiling).
//!
//! A trace is continuous: a line from point to point, or (gain reduction) an area filled from
//! the top edge down to the trace, built as one triangle strip so it reads as a solid shape at
//! any width, not a comb of bars.

use crate::meters::scale::{self, signed_label, text_inside};
use crate::{mapping, theme};
use egui::epaint::{Mesh, Vertex, WHITE_UV};
use egui::{Color32, CornerRadius, Painter, Pos2, Rect, Sense, Shape, Stroke, Ui, Vec2};

pub struct HistoryGraph<'a> {
    /// Traces: values oldest first, evenly spaced `point_s` apart, the last one is "now".
    pub traces: &'a [(&'a [f32], Color32)],
    pub point_s: f32,
    pub span_s: f32,
    pub min: f32,
    pub max: f32,
    /// Horizontal lines: value and colour.
    pub lines: &'a [(f32, Color32)],
    /// Draw traces as areas filled from the top edge down to the trace (gain reduction drawn as
    /// negative dB) instead of lines.
    pub fill_from_top: bool,
    /// The unit of the value scale ("LUFS", "LU", "dBFS"), written at its top.
    pub unit: &'a str,
    /// A value the grid passes through (a loudness target; 0 for dB scales).
    pub origin: f32,
    pub size: Vec2,
}

/// A grid step giving at most nine lines over `span` (3 LU on an EBU +9 scale, 6 on +18, as
/// the loudness bar marks them).
pub fn value_step(span: f32) -> f32 {
    [1.0f32, 2.0, 3.0, 6.0, 10.0, 12.0, 20.0]
        .into_iter()
        .find(|s| span / s <= 9.0)
        .unwrap_or(span / 5.0)
}

/// Numbered value scale on the left (`right` false) or right edge of `rect`, `min` at the
/// bottom, `max` at the top, with the unit at the top; lines through `origin` at a round step,
/// grid lines drawn when `grid`. Numbers closer than a line of text to the previous one are
/// skipped.
#[allow(clippy::too_many_arguments)]
pub fn paint_value_scale(
    painter: &Painter,
    rect: Rect,
    min: f32,
    max: f32,
    origin: f32,
    unit: &str,
    right: bool,
    grid: bool,
    color: Color32,
) {
    let y = |v: f32| rect.bottom() - mapping::to_unit(v, min, max) * rect.height();
    let (x, align) = if right {
        (rect.right() - 3.0, egui::Align2::RIGHT_CENTER)
    } else {
        (rect.left() + 3.0, egui::Align2::LEFT_CENTER)
    };
    let inner = rect.shrink(1.0);
    // The unit sits in the top corner; numbers start below it.
    let unit_rect = if unit.is_empty() {
        Rect::from_min_max(inner.min, Pos2::new(inner.min.x, inner.min.y))
    } else {
        let anchor = if right {
            egui::Align2::RIGHT_TOP
        } else {
            egui::Align2::LEFT_TOP
        };
        text_inside(
            painter,
            inner,
            Pos2::new(x, inner.top() + 1.0),
            anchor,
            unit,
            color,
        )
    };
    let step = value_step(max - min);
    let mut v = origin + ((min - origin) / step).ceil() * step;
    let mut last: Option<Rect> = None;
    while v <= max + 1e-3 {
        let yy = y(v);
        if grid {
            painter.line_segment(
                [Pos2::new(rect.left(), yy), Pos2::new(rect.right(), yy)],
                Stroke::new(1.0, theme::GRID),
            );
        }
        let galley = painter.layout_no_wrap(signed_label(v), theme::font(scale::SCALE_TEXT), color);
        let r = align.anchor_size(Pos2::new(x, yy), galley.size());
        let r = r.translate(scale::shift_inside(r, inner));
        let clashes = last.is_some_and(|l| l.expand(1.0).intersects(r))
            || (!unit.is_empty() && unit_rect.expand(1.0).intersects(r));
        if !clashes {
            painter.galley(r.min, galley, color);
            last = Some(r);
        }
        v += step;
    }
}

/// Fills the area between the top edge of `rect` and a trace of `values` (oldest first, the last
/// one at the right edge, `px_per_point` apart), with the trace edge stroked: one triangle strip,
/// continuous from point to point. `y` maps a value to a height; values that are not finite sit
/// at the top edge (nothing to show).
pub fn fill_from_top(
    painter: &Painter,
    rect: Rect,
    values: &[f32],
    px_per_point: f32,
    y: impl Fn(f32) -> f32,
    color: Color32,
) {
    let n = values.len();
    if n < 2 {
        return;
    }
    let fill = Color32::from_rgba_unmultiplied(color.r(), color.g(), color.b(), 130);
    let mut mesh = Mesh::default();
    let mut edge: Vec<Pos2> = Vec::with_capacity(n);
    // Only the points that reach into the rect (and the one just before, for continuity).
    let first = n.saturating_sub((rect.width() / px_per_point.max(1e-3)).ceil() as usize + 2);
    for (i, v) in values.iter().enumerate().skip(first) {
        let x = (rect.right() - (n - 1 - i) as f32 * px_per_point).max(rect.left());
        let yy = if v.is_finite() {
            y(*v).clamp(rect.top(), rect.bottom())
        } else {
            rect.top()
        };
        let k = mesh.vertices.len() as u32;
        mesh.vertices.push(Vertex {
            pos: Pos2::new(x, rect.top()),
            uv: WHITE_UV,
            color: fill,
        });
        mesh.vertices.push(Vertex {
            pos: Pos2::new(x, yy),
            uv: WHITE_UV,
            color: fill,
        });
        if k >= 2 {
            mesh.add_triangle(k - 2, k - 1, k);
            mesh.add_triangle(k - 1, k + 1, k);
        }
        edge.push(Pos2::new(x, yy));
    }
    painter.add(Shape::mesh(mesh));
    painter.add(Shape::line(edge, Stroke::new(1.5, color)));
}

impl HistoryGraph<'_> {
    pub fn show(self, ui: &mut Ui) -> egui::Response {
        crate::meters::keep_repainting(ui);
        let (rect, response) = ui.allocate_exact_size(self.size, Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, CornerRadius::same(3), theme::WELL);
        let y = |v: f32| rect.bottom() - mapping::to_unit(v, self.min, self.max) * rect.height();
        // Time grid, labelled along the bottom: every minute (or 2/10 s for short spans).
        let tick = if self.span_s > 120.0 {
            60.0
        } else if self.span_s > 20.0 {
            10.0
        } else {
            2.0
        };
        let mut t = tick;
        while t < self.span_s - 0.5 * tick {
            let x = rect.right() - t / self.span_s * rect.width();
            painter.line_segment(
                [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
                Stroke::new(1.0, Color32::from_gray(40)),
            );
            let label = if tick >= 60.0 {
                format!("-{:.0} min", t / 60.0)
            } else {
                format!("-{t:.0} s")
            };
            text_inside(
                &painter,
                rect.shrink(1.0),
                Pos2::new(x, rect.bottom() - 2.0),
                egui::Align2::CENTER_BOTTOM,
                label,
                theme::TEXT_DIM,
            );
            t += tick;
        }
        paint_value_scale(
            &painter,
            rect,
            self.min,
            self.max,
            self.origin,
            self.unit,
            false,
            true,
            theme::TEXT_DIM,
        );
        for (value, color) in self.lines {
            let yy = y(*value);
            painter.line_segment(
                [Pos2::new(rect.left(), yy), Pos2::new(rect.right(), yy)],
                Stroke::new(1.5, *color),
            );
        }
        let px_per_point = rect.width() * self.point_s / self.span_s;
        for (values, color) in self.traces {
            if self.fill_from_top {
                fill_from_top(&painter, rect, values, px_per_point, y, *color);
                continue;
            }
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
                if v.is_finite() && *v >= self.min {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The reduction area is one continuous strip (two triangles per step between neighbouring
    /// points), not one bar per point, and it stays inside its rect.
    #[test]
    fn reduction_is_a_continuous_strip() {
        let ctx = egui::Context::default();
        let rect = Rect::from_min_size(Pos2::ZERO, Vec2::new(200.0, 100.0));
        let values: Vec<f32> = (0..50).map(|i| -((i % 10) as f32)).collect();
        let y = |v: f32| rect.top() - v / 24.0 * rect.height();
        let mut out = ctx.run_pass(egui::RawInput::default(), |ctx| {
            let painter = ctx.layer_painter(egui::LayerId::background());
            fill_from_top(&painter, rect, &values, 4.0, y, theme::REDUCTION);
        });
        // Nothing renders: drop the font atlas upload egui asks for.
        out.textures_delta.clear();
        let meshes: Vec<_> = out
            .shapes
            .iter()
            .filter_map(|s| match &s.shape {
                Shape::Mesh(m) => Some(m.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(meshes.len(), 1, "one filled strip");
        let m = &meshes[0];
        assert_eq!(m.vertices.len(), 2 * values.len());
        assert_eq!(m.indices.len(), 6 * (values.len() - 1));
        for v in &m.vertices {
            assert!(rect.expand(0.01).contains(v.pos), "{:?}", v.pos);
        }
        // The deepest point (9 dB of 24) reaches 9/24 of the height.
        let deepest = m.vertices.iter().map(|v| v.pos.y).fold(0.0, f32::max);
        assert!((deepest - 9.0 / 24.0 * 100.0).abs() < 0.01, "{deepest}");
    }
}
