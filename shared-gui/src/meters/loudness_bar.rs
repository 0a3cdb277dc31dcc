//! A loudness bar (EBU Mode display): momentary and short-term against a target marker on the
//! EBU +9 or +18 scale, coloured by how far from the target the short-term loudness is.

use crate::{mapping, theme};
use egui::{Color32, CornerRadius, Pos2, Rect, Sense, Stroke, Ui, Vec2};

pub struct LoudnessBar {
    pub momentary_lufs: f32,
    pub short_term_lufs: f32,
    pub target_lufs: f32,
    /// Scale relative to the target, LU: (-18, 9) for EBU +9, (-36, 18) for EBU +18.
    pub range_lu: (f32, f32),
    /// Mark the scale in LU relative to the target (true) or in LUFS (false).
    pub relative: bool,
    pub size: Vec2,
}

/// How close to the target counts as on target, LU (EBU R128 s1 allows ±1 LU live).
pub const ON_TARGET_LU: f32 = 1.0;

/// The colour of a loudness `lu_from_target` away from the target.
pub fn target_color(lu_from_target: f32) -> Color32 {
    if !lu_from_target.is_finite() {
        theme::TEXT_DIM
    } else if lu_from_target.abs() <= ON_TARGET_LU {
        theme::GOOD
    } else if lu_from_target > 0.0 {
        theme::BAD
    } else {
        theme::WARN
    }
}

impl LoudnessBar {
    pub fn show(self, ui: &mut Ui) -> egui::Response {
        super::keep_repainting(ui);
        let (rect, response) = ui.allocate_exact_size(self.size, Sense::hover());
        let painter = ui.painter_at(rect);
        let scale_w = 30.0;
        let bar = Rect::from_min_max(rect.min + Vec2::new(scale_w, 0.0), rect.max);
        painter.rect_filled(bar, CornerRadius::same(2), theme::WELL);
        let (lo, hi) = (
            self.target_lufs + self.range_lu.0,
            self.target_lufs + self.range_lu.1,
        );
        let y = |lufs: f32| bar.bottom() - mapping::to_unit(lufs, lo, hi) * bar.height();
        // Scale every 3 LU (+9) or 6 LU (+18).
        let step = if self.range_lu.1 - self.range_lu.0 > 30.0 {
            6.0
        } else {
            3.0
        };
        let mut lu = (self.range_lu.0 / step).ceil() * step;
        while lu <= self.range_lu.1 {
            let yy = y(self.target_lufs + lu);
            painter.line_segment(
                [Pos2::new(bar.left(), yy), Pos2::new(bar.right(), yy)],
                Stroke::new(1.0, theme::GRID),
            );
            let label = if self.relative {
                format!("{lu:+.0}")
            } else {
                format!("{:.0}", self.target_lufs + lu)
            };
            painter.text(
                Pos2::new(bar.left() - 3.0, yy),
                egui::Align2::RIGHT_CENTER,
                label,
                theme::font(9.0),
                theme::TEXT_DIM,
            );
            lu += step;
        }
        let half = bar.width() * 0.5;
        for (i, (value, alpha)) in [(self.momentary_lufs, 140u8), (self.short_term_lufs, 255)]
            .into_iter()
            .enumerate()
        {
            if !value.is_finite() || value < lo {
                continue;
            }
            let c = target_color(value - self.target_lufs);
            let c = Color32::from_rgba_unmultiplied(c.r(), c.g(), c.b(), alpha);
            let x0 = bar.left() + 2.0 + i as f32 * half;
            painter.rect_filled(
                Rect::from_min_max(
                    Pos2::new(x0, y(value)),
                    Pos2::new(x0 + half - 4.0, bar.bottom()),
                ),
                CornerRadius::ZERO,
                c,
            );
        }
        let ty = y(self.target_lufs);
        painter.line_segment(
            [Pos2::new(bar.left() - 4.0, ty), Pos2::new(bar.right(), ty)],
            Stroke::new(2.0, theme::TEXT),
        );
        response.on_hover_text(format!(
            "Momentary (left) {:.1} LUFS, short-term (right) {:.1} LUFS, target {:.1} LUFS",
            self.momentary_lufs, self.short_term_lufs, self.target_lufs
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_follow_the_target() {
        assert_eq!(target_color(0.5), theme::GOOD);
        assert_eq!(target_color(-1.0), theme::GOOD);
        assert_eq!(target_color(2.0), theme::BAD);
        assert_eq!(target_color(-3.0), theme::WARN);
        assert_eq!(target_color(f32::NEG_INFINITY), theme::TEXT_DIM);
    }
}
