//! A gain-reduction meter: a bar growing down from 0 dB, with the value written under it. Given
//! room (at least [`SCALED_MIN_W`] wide) it numbers its scale 0, -3, -6 … -range in a column at
//! its left; reduction beyond the range shows a triangle at the bottom.

use super::scale::{self, range_arrow};
use crate::{mapping, theme};
use egui::{CornerRadius, Pos2, Rect, Sense, Ui, Vec2};

/// Width from which the meter draws its numbered scale, points.
pub const SCALED_MIN_W: f32 = 34.0;
/// Width of the number column, points.
const SCALE_W: f32 = 20.0;

/// Scale marks (positive dB of reduction) for a 0..`range_db` meter.
pub fn gr_scale_marks(range_db: f32) -> Vec<f32> {
    [
        0.0, 1.0, 2.0, 3.0, 6.0, 9.0, 12.0, 18.0, 24.0, 30.0, 36.0, 48.0, 60.0,
    ]
    .into_iter()
    .filter(|d| *d <= range_db + 1e-3)
    .filter(|d| range_db <= 12.0 || *d == 0.0 || *d >= 3.0)
    .collect()
}

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
        let scaled = size.x >= SCALED_MIN_W;
        let well = if scaled {
            Rect::from_min_max(rect.min + Vec2::new(SCALE_W, 0.0), rect.max)
        } else {
            rect
        };
        painter.rect_filled(well, CornerRadius::same(2), theme::WELL);
        let gr = if reduction_db.is_finite() {
            reduction_db.max(0.0)
        } else {
            0.0
        };
        // Keep a little room at the bottom for the over-range triangle.
        let pad = if scaled { 6.0 } else { 0.0 };
        let bar = Rect::from_min_max(well.min, well.max - Vec2::new(0.0, pad));
        let y = |db: f32| bar.top() + mapping::to_unit(db, 0.0, range_db) * bar.height();
        painter.rect_filled(
            Rect::from_min_max(bar.min, Pos2::new(bar.right(), y(gr))),
            CornerRadius::ZERO,
            theme::REDUCTION,
        );
        if scaled {
            let numbers = Rect::from_min_max(rect.min, Pos2::new(well.left() - 2.0, rect.bottom()));
            let mut last: Option<Rect> = None;
            for db in gr_scale_marks(range_db) {
                let yy = y(db);
                painter.line_segment(
                    [Pos2::new(bar.left(), yy), Pos2::new(bar.left() + 4.0, yy)],
                    (1.0, theme::GRID),
                );
                let galley = painter.layout_no_wrap(
                    scale::signed_label(-db),
                    theme::font(scale::SCALE_TEXT),
                    theme::TEXT_DIM,
                );
                let r = egui::Align2::RIGHT_CENTER
                    .anchor_size(Pos2::new(numbers.right(), yy), galley.size());
                let r = r.translate(scale::shift_inside(r, numbers));
                if !last.is_some_and(|l| l.expand(1.0).intersects(r)) {
                    painter.galley(r.min, galley, theme::TEXT_DIM);
                    last = Some(r);
                }
            }
            if gr > range_db {
                range_arrow(
                    &painter,
                    Pos2::new(well.center().x, well.bottom() - 0.5),
                    false,
                    (well.width() - 4.0).min(10.0),
                    theme::BAD,
                );
            }
        } else {
            let mut db = 3.0;
            while db < range_db {
                let yy = y(db);
                painter.line_segment(
                    [Pos2::new(rect.left(), yy), Pos2::new(rect.left() + 4.0, yy)],
                    (1.0, theme::GRID),
                );
                db += 3.0;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_cover_the_range() {
        assert_eq!(
            gr_scale_marks(24.0),
            vec![0.0, 3.0, 6.0, 9.0, 12.0, 18.0, 24.0]
        );
        assert_eq!(gr_scale_marks(6.0), vec![0.0, 1.0, 2.0, 3.0, 6.0]);
    }

    /// A wide meter numbers its scale, every number inside the meter.
    #[test]
    fn wide_meter_is_numbered_inside() {
        let ctx = egui::Context::default();
        let mut rect = Rect::NOTHING;
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            rect = gain_reduction_meter(ui, "GR", 30.0, 24.0, Vec2::new(40.0, 200.0)).rect;
        });
        // Nothing renders: drop the font atlas upload egui asks for.
        out.textures_delta.clear();
        let mut numbers = Vec::new();
        let mut triangles = 0;
        for s in &out.shapes {
            match &s.shape {
                egui::Shape::Text(t) if rect.intersects(t.visual_bounding_rect()) => {
                    assert!(rect.contains_rect(t.visual_bounding_rect()));
                    numbers.push(t.galley.text().to_string());
                }
                egui::Shape::Path(p) if p.closed && p.points.len() == 3 => triangles += 1,
                _ => {}
            }
        }
        assert!(numbers.contains(&"0".to_string()), "{numbers:?}");
        assert!(numbers.contains(&"-24".to_string()), "{numbers:?}");
        assert_eq!(triangles, 1, "30 dB on a 24 dB meter is beyond the scale");
    }
}
