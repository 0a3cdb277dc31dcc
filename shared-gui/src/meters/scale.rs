//! Scale text and range marks shared by the meters and plots: every number is drawn fully inside
//! the widget that owns it (a label at the end of a scale is moved in, never clipped), and a
//! reading beyond the scale is marked with a triangle at that end (the value text elsewhere still
//! shows the true number).

use crate::theme;
use egui::{Align2, Color32, Painter, Pos2, Rect, Shape, Stroke, Vec2};

/// Size of scale numbers, points. Large enough to read at 100 %.
pub const SCALE_TEXT: f32 = 10.0;

/// Writes `text` anchored at `pos` by `align`, then moves it by the least amount that puts it
/// inside `bounds` (a label at the very end of a scale stays whole). Returns the text's rect.
pub fn text_inside(
    painter: &Painter,
    bounds: Rect,
    pos: Pos2,
    align: Align2,
    text: impl ToString,
    color: Color32,
) -> Rect {
    let galley = painter.layout_no_wrap(text.to_string(), theme::font(SCALE_TEXT), color);
    let rect = align.anchor_size(pos, galley.size());
    let rect = rect.translate(shift_inside(rect, bounds));
    painter.galley(rect.min, galley, color);
    rect
}

/// The smallest move that puts `rect` inside `bounds` (centred on an axis where it cannot fit).
pub fn shift_inside(rect: Rect, bounds: Rect) -> Vec2 {
    let axis = |lo: f32, hi: f32, blo: f32, bhi: f32| -> f32 {
        if hi - lo > bhi - blo {
            (blo + bhi) * 0.5 - (lo + hi) * 0.5
        } else if lo < blo {
            blo - lo
        } else if hi > bhi {
            bhi - hi
        } else {
            0.0
        }
    };
    Vec2::new(
        axis(rect.left(), rect.right(), bounds.left(), bounds.right()),
        axis(rect.top(), rect.bottom(), bounds.top(), bounds.bottom()),
    )
}

/// "+3", "0", "-12": scale numbers carry a sign above zero.
pub fn signed_label(v: f32) -> String {
    if v > 0.05 {
        format!("+{v:.0}")
    } else if v.abs() <= 0.05 {
        "0".to_string()
    } else {
        format!("{v:.0}")
    }
}

/// Which end of a scale a reading lies beyond.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beyond {
    Below,
    Within,
    Above,
}

/// Where `value` lies against the scale `lo..hi` (`-inf` and NaN count as within: silence is
/// not an under-range reading).
pub fn beyond(value: f32, lo: f32, hi: f32) -> Beyond {
    if !value.is_finite() {
        Beyond::Within
    } else if value > hi {
        Beyond::Above
    } else if value < lo {
        Beyond::Below
    } else {
        Beyond::Within
    }
}

/// A small filled triangle pointing `up` (or down) with its tip at `tip`, `size` wide: the
/// over/under-range sign at the end of a bar.
pub fn range_arrow(painter: &Painter, tip: Pos2, up: bool, size: f32, color: Color32) {
    let h = size * 0.7;
    let base_y = if up { tip.y + h } else { tip.y - h };
    painter.add(Shape::convex_polygon(
        vec![
            tip,
            Pos2::new(tip.x + size * 0.5, base_y),
            Pos2::new(tip.x - size * 0.5, base_y),
        ],
        color,
        Stroke::NONE,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_moved_inside() {
        let b = Rect::from_min_max(Pos2::new(0.0, 0.0), Pos2::new(100.0, 200.0));
        let above = Rect::from_min_max(Pos2::new(10.0, -6.0), Pos2::new(30.0, 6.0));
        let moved = above.translate(shift_inside(above, b));
        assert!(b.contains_rect(moved), "{moved:?}");
        assert_eq!(moved.top(), 0.0);
        let right = Rect::from_min_max(Pos2::new(90.0, 50.0), Pos2::new(110.0, 60.0));
        assert_eq!(shift_inside(right, b), Vec2::new(-10.0, 0.0));
        let inside = Rect::from_min_max(Pos2::new(10.0, 10.0), Pos2::new(20.0, 20.0));
        assert_eq!(shift_inside(inside, b), Vec2::ZERO);
    }

    #[test]
    fn range_ends_and_labels() {
        assert_eq!(beyond(10.0, -18.0, 9.0), Beyond::Above);
        assert_eq!(beyond(-30.0, -18.0, 9.0), Beyond::Below);
        assert_eq!(beyond(0.0, -18.0, 9.0), Beyond::Within);
        assert_eq!(beyond(f32::NEG_INFINITY, -18.0, 9.0), Beyond::Within);
        assert_eq!(signed_label(3.0), "+3");
        assert_eq!(signed_label(-0.0), "0");
        assert_eq!(signed_label(-12.0), "-12");
    }
}
