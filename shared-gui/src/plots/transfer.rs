//! A dynamics transfer-curve plot: input level (dB) across, output level (dB) up, on the same
//! scale, with a dB grid, the unity diagonal, the static curve drawn from a function
//! (`Fn(input_db) -> output_db`, e.g. a compressor's or expander's gain computer) and a dot at
//! the detector's present level on the curve. Generic: any static curve of any dynamics block.

use crate::theme;
use egui::{Color32, CornerRadius, Pos2, Rect, Sense, Shape, Stroke, Ui, Vec2};

/// A square transfer plot over `min_db..max_db` on both axes.
pub struct TransferPlot {
    pub min_db: f32,
    pub max_db: f32,
    pub size: f32,
    /// Grid spacing in dB.
    pub grid_db: f32,
}

impl Default for TransferPlot {
    fn default() -> Self {
        Self {
            min_db: -60.0,
            max_db: 0.0,
            size: 160.0,
            grid_db: 12.0,
        }
    }
}

impl TransferPlot {
    fn unit(&self, db: f32) -> f32 {
        ((db - self.min_db) / (self.max_db - self.min_db)).clamp(-0.05, 1.05)
    }

    fn pos(&self, rect: Rect, in_db: f32, out_db: f32) -> Pos2 {
        Pos2::new(
            rect.left() + self.unit(in_db) * rect.width(),
            rect.bottom() - self.unit(out_db) * rect.height(),
        )
    }

    /// Draws the plot: `curve` maps an input level to the output level, `level_db` (if finite and
    /// on the scale) places the dot, `accent` colours curve and dot. Hover shows the curve's
    /// value under the pointer.
    pub fn show(
        &self,
        ui: &mut Ui,
        curve: impl Fn(f32) -> f32,
        level_db: Option<f32>,
        accent: Color32,
    ) -> egui::Response {
        let (rect, response) = ui.allocate_exact_size(Vec2::splat(self.size), Sense::hover());
        let painter = ui.painter_at(rect.expand(1.0));
        painter.rect_filled(rect, CornerRadius::same(3), theme::WELL);
        let mut db = self.min_db + self.grid_db;
        while db < self.max_db {
            let p = self.pos(rect, db, db);
            painter.line_segment(
                [Pos2::new(p.x, rect.top()), Pos2::new(p.x, rect.bottom())],
                Stroke::new(1.0, theme::GRID),
            );
            painter.line_segment(
                [Pos2::new(rect.left(), p.y), Pos2::new(rect.right(), p.y)],
                Stroke::new(1.0, theme::GRID),
            );
            painter.text(
                Pos2::new(p.x + 2.0, rect.bottom() - 2.0),
                egui::Align2::LEFT_BOTTOM,
                format!("{db:.0}"),
                theme::font(9.0),
                theme::TEXT_DIM,
            );
            db += self.grid_db;
        }
        painter.line_segment(
            [
                self.pos(rect, self.min_db, self.min_db),
                self.pos(rect, self.max_db, self.max_db),
            ],
            Stroke::new(1.0, Color32::from_gray(70)),
        );
        let n = rect.width().max(2.0) as usize;
        let points: Vec<Pos2> = (0..=n)
            .map(|i| {
                let x = self.min_db + (self.max_db - self.min_db) * i as f32 / n as f32;
                let y = curve(x);
                let y = if y.is_finite() {
                    y
                } else {
                    self.min_db - 100.0
                };
                self.pos(rect, x, y)
            })
            .collect();
        let clipped = ui.painter_at(rect);
        clipped.add(Shape::line(points, Stroke::new(2.0, accent)));
        if let Some(level) = level_db.filter(|l| l.is_finite() && *l > self.min_db) {
            let level = level.min(self.max_db);
            let out = curve(level);
            if out.is_finite() {
                let p = self.pos(rect, level, out);
                clipped.circle_filled(p, 4.5, accent);
                clipped.circle_stroke(p, 4.5, Stroke::new(1.0, theme::TEXT));
            }
        }
        if let Some(hover) = response.hover_pos() {
            let x =
                self.min_db + (hover.x - rect.left()) / rect.width() * (self.max_db - self.min_db);
            let y = curve(x);
            response
                .clone()
                .on_hover_text(format!("in {x:.1} dB → out {y:.1} dB"))
        } else {
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unity_maps_corner_to_corner() {
        let p = TransferPlot::default();
        let rect = Rect::from_min_size(Pos2::ZERO, Vec2::splat(100.0));
        assert_eq!(p.pos(rect, -60.0, -60.0), Pos2::new(0.0, 100.0));
        assert_eq!(p.pos(rect, 0.0, 0.0), Pos2::new(100.0, 0.0));
        assert_eq!(p.pos(rect, -30.0, -30.0), Pos2::new(50.0, 50.0));
    }
}
