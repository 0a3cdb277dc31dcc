//! A gain-reduction meter: a bar growing down from 0 dB, with the value written under it.

use crate::{mapping, theme};
use egui::{CornerRadius, Pos2, Rect, Sense, Ui, Vec2};

/// Draws gain reduction `reduction_db` (positive = reducing) on a 0..`range_db` scale.
pub fn gain_reduction_meter(
    ui: &mut Ui,
    label: &str,
    reduction_db: f32,
    range_db: f32,
    size: Vec2,
) -> egui::Response {
    super::keep_repainting(ui);
    ui.vertical(|ui| {
        ui.spacing_mut().item_spacing.y = 2.0;
        crate::widgets::caption(ui, label);
        let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, CornerRadius::same(2), theme::WELL);
        let gr = if reduction_db.is_finite() {
            reduction_db.max(0.0)
        } else {
            0.0
        };
        let u = mapping::to_unit(gr, 0.0, range_db);
        painter.rect_filled(
            Rect::from_min_max(
                rect.min,
                Pos2::new(rect.right(), rect.top() + u * rect.height()),
            ),
            CornerRadius::ZERO,
            theme::REDUCTION,
        );
        let mut db = 3.0;
        while db < range_db {
            let y = rect.top() + mapping::to_unit(db, 0.0, range_db) * rect.height();
            painter.line_segment(
                [Pos2::new(rect.left(), y), Pos2::new(rect.left() + 4.0, y)],
                (1.0, theme::GRID),
            );
            db += 3.0;
        }
        ui.label(
            egui::RichText::new(if gr < 0.05 {
                "0.0".to_string()
            } else {
                format!("{:.1}", -gr)
            })
            .font(theme::mono(theme::SIZE_SMALL))
            .color(theme::TEXT),
        );
        response.on_hover_text(format!("Gain reduction: {gr:.1} dB"))
    })
    .inner
}
