//! A loudness bar (EBU Mode display): momentary and short-term against a target marker on the
//! EBU +9 or +18 scale, coloured by how far from the target the short-term loudness is. Every
//! scale number sits inside the widget, the unit (LU or LUFS) and the lanes (M, S) are written
//! under it, and a reading beyond either end of the scale shows a triangle at that end.

use super::scale::{self, Beyond, range_arrow, text_inside};
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
/// Width of the number column left of the bar, points.
const SCALE_W: f32 = 30.0;
/// Room kept above and below the bar for the end numbers and the range triangles, points.
const END_PAD: f32 = 8.0;
/// Height of the caption row under the bar (unit, lane names), points.
const FOOT_H: f32 = 14.0;

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
        let well = Rect::from_min_max(
            Pos2::new(rect.left() + SCALE_W, rect.top()),
            Pos2::new(rect.right(), rect.bottom() - FOOT_H),
        );
        painter.rect_filled(well, CornerRadius::same(2), theme::WELL);
        let bar = Rect::from_min_max(
            well.min + Vec2::new(0.0, END_PAD),
            well.max - Vec2::new(0.0, END_PAD),
        );
        let (lo, hi) = (
            self.target_lufs + self.range_lu.0,
            self.target_lufs + self.range_lu.1,
        );
        let y = |lufs: f32| bar.bottom() - mapping::to_unit(lufs, lo, hi) * bar.height();
        // Scale every 3 LU (+9) or 6 LU (+18); labels kept a line apart on short bars.
        let step = if self.range_lu.1 - self.range_lu.0 > 30.0 {
            6.0
        } else {
            3.0
        };
        let numbers = Rect::from_min_max(
            Pos2::new(rect.left(), rect.top()),
            Pos2::new(well.left() - 2.0, well.bottom()),
        );
        let mut last: Option<Rect> = None;
        let mut lu = (self.range_lu.1 / step).floor() * step;
        while lu >= self.range_lu.0 - 1e-3 {
            let yy = y(self.target_lufs + lu);
            painter.line_segment(
                [Pos2::new(bar.left(), yy), Pos2::new(bar.right(), yy)],
                Stroke::new(1.0, theme::GRID),
            );
            let label = if self.relative {
                scale::signed_label(lu)
            } else {
                format!("{:.0}", self.target_lufs + lu)
            };
            let galley =
                painter.layout_no_wrap(label, theme::font(scale::SCALE_TEXT), theme::TEXT_DIM);
            let r = egui::Align2::RIGHT_CENTER
                .anchor_size(Pos2::new(numbers.right(), yy), galley.size());
            let r = r.translate(scale::shift_inside(r, numbers));
            if !last.is_some_and(|l| l.intersects(r)) {
                painter.galley(r.min, galley, theme::TEXT_DIM);
                last = Some(r);
            }
            lu -= step;
        }
        let half = bar.width() * 0.5;
        for (i, (value, alpha)) in [(self.momentary_lufs, 140u8), (self.short_term_lufs, 255)]
            .into_iter()
            .enumerate()
        {
            let x0 = bar.left() + 2.0 + i as f32 * half;
            let lane_mid = x0 + (half - 4.0) * 0.5;
            let c = target_color(value - self.target_lufs);
            match scale::beyond(value, lo, hi) {
                Beyond::Above => range_arrow(
                    &painter,
                    Pos2::new(lane_mid, well.top() + 1.0),
                    true,
                    (half - 6.0).min(10.0),
                    theme::BAD,
                ),
                Beyond::Below => range_arrow(
                    &painter,
                    Pos2::new(lane_mid, well.bottom() - 1.0),
                    false,
                    (half - 6.0).min(10.0),
                    theme::TEXT_DIM,
                ),
                Beyond::Within => {}
            }
            if !value.is_finite() || value < lo {
                continue;
            }
            let c = Color32::from_rgba_unmultiplied(c.r(), c.g(), c.b(), alpha);
            painter.rect_filled(
                Rect::from_min_max(
                    Pos2::new(x0, y(value.min(hi))),
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
        // Caption row: the unit under the numbers, the lane names under the lanes.
        let foot = Rect::from_min_max(Pos2::new(rect.left(), well.bottom()), rect.max);
        let fy = foot.center().y;
        text_inside(
            &painter,
            foot,
            Pos2::new(numbers.right(), fy),
            egui::Align2::RIGHT_CENTER,
            if self.relative { "LU" } else { "LUFS" },
            theme::TEXT_DIM,
        );
        for (i, name) in ["M", "S"].into_iter().enumerate() {
            text_inside(
                &painter,
                foot,
                Pos2::new(bar.left() + 2.0 + i as f32 * half + (half - 4.0) * 0.5, fy),
                egui::Align2::CENTER_CENTER,
                name,
                theme::TEXT_DIM,
            );
        }
        response.on_hover_text(format!(
            "Momentary (M) {:.1} LUFS, short-term (S) {:.1} LUFS, target {:.1} LUFS; a \
             triangle marks a reading beyond the scale",
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

    /// Runs one frame drawing `bar` and returns the shapes painted.
    fn shapes_of(bar: LoudnessBar) -> (Rect, Vec<egui::epaint::ClippedShape>) {
        let ctx = egui::Context::default();
        let mut rect = Rect::NOTHING;
        let size = bar.size;
        let mut bar = Some(bar);
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            if let Some(b) = bar.take() {
                rect = b.show(ui).rect;
            }
        });
        // Nothing renders: drop the font atlas upload egui asks for.
        out.textures_delta.clear();
        assert_eq!(rect.size(), size);
        (rect, out.shapes)
    }

    fn bar(momentary: f32, short_term: f32, relative: bool) -> LoudnessBar {
        LoudnessBar {
            momentary_lufs: momentary,
            short_term_lufs: short_term,
            target_lufs: -23.0,
            range_lu: (-18.0, 9.0),
            relative,
            size: Vec2::new(96.0, 200.0),
        }
    }

    fn triangles(shapes: &[egui::epaint::ClippedShape]) -> usize {
        shapes
            .iter()
            .filter(|s| matches!(&s.shape, egui::Shape::Path(p) if p.points.len() == 3 && p.closed))
            .count()
    }

    /// Every number and caption lies whole inside the bar's rect (none clipped at the ends).
    #[test]
    fn scale_text_is_inside() {
        for relative in [false, true] {
            let (rect, shapes) = shapes_of(bar(-23.0, -23.0, relative));
            let mut texts = 0;
            for s in &shapes {
                if let egui::Shape::Text(t) = &s.shape {
                    texts += 1;
                    let r = t.visual_bounding_rect();
                    assert!(rect.expand(0.5).contains_rect(r), "{r:?} outside {rect:?}");
                }
            }
            // 10 numbers (+9..-18 every 3) less any skipped for room, the unit and M, S.
            assert!(texts >= 8, "{texts}");
        }
    }

    #[test]
    fn beyond_the_scale_shows_a_triangle() {
        assert_eq!(triangles(&shapes_of(bar(-23.0, -23.0, false)).1), 0);
        assert_eq!(triangles(&shapes_of(bar(-10.0, -23.0, false)).1), 1);
        assert_eq!(triangles(&shapes_of(bar(-50.0, -60.0, true)).1), 2);
    }
}
