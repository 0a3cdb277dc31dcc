//! Correlation (-1..+1) and balance (L..R) meters, horizontal.

use crate::theme;
use egui::{CornerRadius, Pos2, Rect, Sense, Stroke, Ui, Vec2};

/// Draws a horizontal meter of `value` in -1..1 with a centre line; `kind` picks colours and
/// the end labels: correlation (red when negative) or balance (L/R).
pub fn correlation_meter(
    ui: &mut Ui,
    label: &str,
    value: f32,
    balance: bool,
    width: f32,
) -> egui::Response {
    super::keep_repainting(ui);
    ui.horizontal(|ui| {
        ui.add_sized(
            Vec2::new(74.0, 16.0),
            egui::Label::new(
                egui::RichText::new(label)
                    .font(theme::font(theme::SIZE_SMALL))
                    .color(theme::TEXT_DIM),
            ),
        );
        let (rect, response) = ui.allocate_exact_size(Vec2::new(width, 14.0), Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, CornerRadius::same(2), theme::WELL);
        let v = if value.is_finite() {
            value.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        let cx = rect.center().x;
        let x = cx + v * rect.width() * 0.5;
        let color = if balance {
            theme::TEXT_DIM
        } else if v < 0.0 {
            theme::BAD
        } else if v < 0.3 {
            theme::WARN
        } else {
            theme::GOOD
        };
        painter.rect_filled(
            Rect::from_min_max(
                Pos2::new(cx.min(x), rect.top() + 3.0),
                Pos2::new(cx.max(x).max(cx.min(x) + 2.0), rect.bottom() - 3.0),
            ),
            CornerRadius::ZERO,
            color,
        );
        painter.line_segment(
            [Pos2::new(cx, rect.top()), Pos2::new(cx, rect.bottom())],
            Stroke::new(1.0, theme::GRID),
        );
        painter.line_segment(
            [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
            Stroke::new(2.0, theme::TEXT),
        );
        let (l, r) = if balance { ("L", "R") } else { ("-1", "+1") };
        painter.text(
            rect.left_center() + Vec2::new(3.0, 0.0),
            egui::Align2::LEFT_CENTER,
            l,
            theme::font(super::scale::SCALE_TEXT),
            theme::TEXT_DIM,
        );
        painter.text(
            rect.right_center() - Vec2::new(3.0, 0.0),
            egui::Align2::RIGHT_CENTER,
            r,
            theme::font(super::scale::SCALE_TEXT),
            theme::TEXT_DIM,
        );
        ui.label(egui::RichText::new(format!("{v:+.2}")).font(theme::mono(theme::SIZE_SMALL)));
        response
    })
    .inner
}
