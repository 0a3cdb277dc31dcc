//! A level meter on a dB scale: bar, held peak, clip indicator and an optional ceiling line,
//! vertical or horizontal, one bar per channel.

use super::PeakHold;
use crate::{mapping, theme};
use egui::{Color32, CornerRadius, Pos2, Rect, Sense, Stroke, Ui, Vec2};

/// Scale marks for a dBFS meter from `min_db` to `max_db`.
pub fn dbfs_scale_marks(min_db: f32, max_db: f32) -> Vec<f32> {
    [
        3.0, 0.0, -3.0, -6.0, -12.0, -18.0, -24.0, -36.0, -48.0, -60.0, -72.0,
    ]
    .into_iter()
    .filter(|d| *d >= min_db && *d <= max_db)
    .collect()
}

pub struct LevelMeter<'a> {
    levels_db: &'a [f32],
    holds: &'a mut [PeakHold],
    min_db: f32,
    max_db: f32,
    clip_db: f32,
    ceiling_db: Option<f32>,
    size: Vec2,
    vertical: bool,
    label: Option<&'a str>,
}

impl<'a> LevelMeter<'a> {
    /// One bar per entry of `levels_db` (dB, `-inf` for silence); `holds` (same length, kept by
    /// the editor between frames) give peak hold and clip latch.
    pub fn new(levels_db: &'a [f32], holds: &'a mut [PeakHold]) -> Self {
        Self {
            levels_db,
            holds,
            min_db: -60.0,
            max_db: 6.0,
            clip_db: 0.0,
            ceiling_db: None,
            size: Vec2::new(36.0, 180.0),
            vertical: true,
            label: None,
        }
    }

    pub fn range(mut self, min_db: f32, max_db: f32) -> Self {
        self.min_db = min_db;
        self.max_db = max_db;
        self
    }

    /// Levels above this latch the clip indicator (default 0 dB).
    pub fn clip_at(mut self, clip_db: f32) -> Self {
        self.clip_db = clip_db;
        self
    }

    /// Draws a ceiling line (a limiter's output ceiling, a delivery spec's true-peak limit).
    pub fn ceiling(mut self, ceiling_db: f32) -> Self {
        self.ceiling_db = Some(ceiling_db);
        self
    }

    pub fn size(mut self, size: Vec2) -> Self {
        self.size = size;
        self
    }

    pub fn horizontal(mut self) -> Self {
        self.vertical = false;
        self
    }

    pub fn label(mut self, label: &'a str) -> Self {
        self.label = Some(label);
        self
    }

    pub fn show(self, ui: &mut Ui) -> egui::Response {
        super::keep_repainting(ui);
        let now = ui.input(|i| i.time);
        ui.vertical(|ui| {
            ui.spacing_mut().item_spacing.y = 2.0;
            if let Some(label) = self.label {
                crate::widgets::caption(ui, label);
            }
            let (rect, response) = ui.allocate_exact_size(self.size, Sense::click());
            let painter = ui.painter_at(rect.expand(1.0));
            painter.rect_filled(rect, CornerRadius::same(2), theme::WELL);
            let n = self.levels_db.len().max(1);
            let scale_w = if self.vertical { 24.0 } else { 0.0 };
            let bars = Rect::from_min_max(rect.min + Vec2::new(scale_w, 0.0), rect.max);
            let clip_h = 6.0;
            let (lo, hi) = (self.min_db, self.max_db);
            let pos = |db: f32| mapping::to_unit(db, lo, hi);
            // Point along the meter axis: vertical meters grow up.
            let along = |r: Rect, u: f32| -> f32 {
                if self.vertical {
                    r.bottom() - u * (r.height() - clip_h)
                } else {
                    r.left() + u * (r.width() - clip_h)
                }
            };
            let mut any_clip = false;
            for (i, (level, hold)) in self.levels_db.iter().zip(self.holds.iter_mut()).enumerate() {
                let held = hold.update(*level, self.clip_db, now);
                any_clip |= hold.clipped();
                let lane = if self.vertical {
                    let w = bars.width() / n as f32;
                    Rect::from_min_size(
                        Pos2::new(bars.left() + i as f32 * w + 1.0, bars.top()),
                        Vec2::new(w - 2.0, bars.height()),
                    )
                } else {
                    let h = bars.height() / n as f32;
                    Rect::from_min_size(
                        Pos2::new(bars.left(), bars.top() + i as f32 * h + 1.0),
                        Vec2::new(bars.width(), h - 2.0),
                    )
                };
                let u = pos(*level);
                let color = level_color(*level, self.clip_db);
                let bar = if self.vertical {
                    Rect::from_min_max(
                        Pos2::new(lane.left(), along(lane, u)),
                        Pos2::new(lane.right(), lane.bottom()),
                    )
                } else {
                    Rect::from_min_max(
                        Pos2::new(lane.left(), lane.top()),
                        Pos2::new(along(lane, u), lane.bottom()),
                    )
                };
                if u > 0.0 {
                    painter.rect_filled(bar, CornerRadius::ZERO, color);
                }
                if held.is_finite() && pos(held) > 0.0 {
                    let p = along(lane, pos(held));
                    let seg = if self.vertical {
                        [Pos2::new(lane.left(), p), Pos2::new(lane.right(), p)]
                    } else {
                        [Pos2::new(p, lane.top()), Pos2::new(p, lane.bottom())]
                    };
                    painter.line_segment(seg, Stroke::new(2.0, theme::TEXT));
                }
                // Clip indicator at the far end of the lane.
                let clip_rect = if self.vertical {
                    Rect::from_min_size(lane.min, Vec2::new(lane.width(), clip_h - 1.0))
                } else {
                    Rect::from_min_size(
                        Pos2::new(lane.right() - clip_h + 1.0, lane.top()),
                        Vec2::new(clip_h - 1.0, lane.height()),
                    )
                };
                painter.rect_filled(
                    clip_rect,
                    CornerRadius::ZERO,
                    if hold.clipped() {
                        theme::BAD
                    } else {
                        Color32::from_gray(50)
                    },
                );
            }
            if let Some(c) = self.ceiling_db {
                let p = along(bars, pos(c));
                let seg = if self.vertical {
                    [Pos2::new(bars.left(), p), Pos2::new(bars.right(), p)]
                } else {
                    [Pos2::new(p, bars.top()), Pos2::new(p, bars.bottom())]
                };
                painter.line_segment(seg, Stroke::new(1.5, theme::WARN));
            }
            if self.vertical {
                let mut last_y = f32::INFINITY;
                for db in dbfs_scale_marks(lo, hi).into_iter().rev() {
                    let y = along(bars, pos(db));
                    // Keep labels at least a line apart (small meters show fewer marks).
                    if last_y - y < 14.0 {
                        continue;
                    }
                    last_y = y;
                    super::scale::text_inside(
                        &painter,
                        Rect::from_min_max(rect.min, Pos2::new(bars.left() - 1.0, rect.bottom())),
                        Pos2::new(bars.left() - 2.0, y),
                        egui::Align2::RIGHT_CENTER,
                        super::scale::signed_label(db),
                        theme::TEXT_DIM,
                    );
                }
            }
            if response.clicked() {
                for h in self.holds.iter_mut() {
                    h.clear_clip();
                }
            }
            let text = self
                .levels_db
                .iter()
                .map(|d| format_db(*d))
                .collect::<Vec<_>>()
                .join(" / ");
            let clip_note = if any_clip {
                "\nClipped: click to clear"
            } else {
                ""
            };
            response.on_hover_text(format!("{text}{clip_note}"))
        })
        .inner
    }
}

fn level_color(db: f32, clip_db: f32) -> Color32 {
    if db > clip_db {
        theme::BAD
    } else if db > clip_db - 6.0 {
        theme::WARN
    } else {
        theme::GOOD
    }
}

/// "-12.3 dB", or "-inf dB" for silence.
pub fn format_db(db: f32) -> String {
    if db.is_finite() {
        format!("{db:.1} dB")
    } else {
        "-inf dB".to_string()
    }
}
