//! A frequency-response plot: log frequency axis (20 Hz–20 kHz or wider) with a dB grid, curves
//! drawn from analytic responses (`Fn(freq_hz) -> dB`), a spectrum trace, and band handles that
//! report drags (frequency/gain), wheel (Q), double-click on empty space (add a band) and
//! right-click (the caller opens its own menu) as [`HandleEvent`]s for the editor to turn into
//! parameter gestures.

use crate::{mapping, theme};
use egui::{Color32, CornerRadius, Pos2, Rect, Response, Sense, Shape, Stroke, Ui, Vec2};

/// A band handle to draw: where it is and how it looks.
#[derive(Clone, Copy, Debug)]
pub struct BandHandle {
    pub freq_hz: f64,
    pub gain_db: f32,
    pub color: Color32,
    pub enabled: bool,
    /// A short label drawn in the handle ("1".."8").
    pub label: u8,
}

/// What the user did on the plot this frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HandleEvent {
    /// Handle `index` was grabbed (begin gestures on its frequency and gain).
    DragStarted(usize),
    /// Handle `index` dragged to this frequency and gain.
    Dragged {
        index: usize,
        freq_hz: f64,
        gain_db: f32,
    },
    /// The drag of handle `index` ended (end the gestures).
    DragStopped(usize),
    /// Wheel over handle `index`: positive notches = narrower (higher Q).
    Wheel { index: usize, notches: f32 },
    /// Double-click on empty plot space: add a band here.
    AddAt { freq_hz: f64, gain_db: f32 },
    /// Right-click on handle `index`.
    Menu(usize),
}

impl HandleEvent {
    /// The same event with its handle index mapped through `f` (a caller that shows handles for
    /// some bands only maps them back to band numbers).
    pub fn map_index(self, f: impl Fn(usize) -> usize) -> Self {
        match self {
            Self::DragStarted(i) => Self::DragStarted(f(i)),
            Self::Dragged {
                index,
                freq_hz,
                gain_db,
            } => Self::Dragged {
                index: f(index),
                freq_hz,
                gain_db,
            },
            Self::DragStopped(i) => Self::DragStopped(f(i)),
            Self::Wheel { index, notches } => Self::Wheel {
                index: f(index),
                notches,
            },
            Self::AddAt { freq_hz, gain_db } => Self::AddAt { freq_hz, gain_db },
            Self::Menu(i) => Self::Menu(f(i)),
        }
    }
}

pub struct FreqPlot {
    pub f_min: f64,
    pub f_max: f64,
    /// dB range shown, symmetric: ±`db_range`.
    pub db_range: f32,
    pub size: Vec2,
}

impl Default for FreqPlot {
    fn default() -> Self {
        Self {
            f_min: 10.0,
            f_max: 30_000.0,
            db_range: 24.0,
            size: Vec2::new(600.0, 260.0),
        }
    }
}

/// Where things are on a drawn plot.
#[derive(Clone, Copy, Debug)]
pub struct PlotFrame {
    pub rect: Rect,
    pub f_min: f64,
    pub f_max: f64,
    pub db_range: f32,
}

impl PlotFrame {
    pub fn x(&self, freq_hz: f64) -> f32 {
        self.rect.left()
            + mapping::freq_to_unit(freq_hz, self.f_min, self.f_max) * self.rect.width()
    }
    pub fn y(&self, db: f32) -> f32 {
        self.rect.bottom()
            - mapping::to_unit(db, -self.db_range, self.db_range) * self.rect.height()
    }
    pub fn freq(&self, x: f32) -> f64 {
        mapping::unit_to_freq(
            (x - self.rect.left()) / self.rect.width(),
            self.f_min,
            self.f_max,
        )
    }
    pub fn db(&self, y: f32) -> f32 {
        mapping::from_unit(
            (self.rect.bottom() - y) / self.rect.height(),
            -self.db_range,
            self.db_range,
        )
    }
    pub fn pos(&self, freq_hz: f64, db: f32) -> Pos2 {
        Pos2::new(self.x(freq_hz), self.y(db))
    }
}

/// "1k", "200", "20k".
pub fn freq_label(freq_hz: f64) -> String {
    if freq_hz >= 1000.0 {
        format!("{}k", freq_hz / 1000.0)
    } else {
        format!("{freq_hz}")
    }
}

impl FreqPlot {
    /// Draws the grid and returns the frame and the plot's response; then call the `curve`,
    /// `spectrum` and `handles` functions with the frame.
    pub fn show_grid(&self, ui: &mut Ui) -> (PlotFrame, Response) {
        let (rect, response) = ui.allocate_exact_size(self.size, Sense::click_and_drag());
        let frame = PlotFrame {
            rect: rect.shrink2(Vec2::new(0.0, 0.0)),
            f_min: self.f_min,
            f_max: self.f_max,
            db_range: self.db_range,
        };
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, CornerRadius::same(3), theme::WELL);
        // Frequency labels sit in a band of their own at the bottom: no grid line crosses them.
        let label_top = rect.bottom() - LABEL_BAND;
        for decade in [10.0, 100.0, 1000.0, 10_000.0] {
            for m in 1..10 {
                let f = decade * m as f64;
                if f < self.f_min || f > self.f_max {
                    continue;
                }
                let x = frame.x(f);
                let strong = m == 1 || m == 2 || m == 5;
                painter.line_segment(
                    [Pos2::new(x, rect.top()), Pos2::new(x, label_top)],
                    Stroke::new(
                        1.0,
                        if strong {
                            theme::GRID
                        } else {
                            Color32::from_gray(32)
                        },
                    ),
                );
                if strong {
                    // Centred under its line, kept whole inside the plot at either end.
                    let galley =
                        painter.layout_no_wrap(freq_label(f), theme::font(9.0), theme::TEXT_DIM);
                    let w = galley.size().x;
                    let left = (x - w / 2.0).clamp(rect.left() + 2.0, rect.right() - 2.0 - w);
                    painter.galley(
                        Pos2::new(left, rect.bottom() - 1.0 - galley.size().y),
                        galley,
                        theme::TEXT_DIM,
                    );
                }
            }
        }
        let step = if self.db_range > 12.0 { 6.0 } else { 3.0 };
        let mut db = -self.db_range + step;
        while db < self.db_range {
            let y = frame.y(db);
            if y < label_top - 2.0 {
                painter.line_segment(
                    [Pos2::new(rect.left(), y), Pos2::new(rect.right(), y)],
                    Stroke::new(
                        1.0,
                        if db == 0.0 {
                            theme::TEXT_DIM
                        } else {
                            theme::GRID
                        },
                    ),
                );
                boxed_text(
                    &painter,
                    Pos2::new(rect.right() - 2.0, y),
                    egui::Align2::RIGHT_CENTER,
                    format!("{db:+.0}"),
                    theme::TEXT_DIM,
                );
            }
            db += step;
        }
        (frame, response)
    }
}

/// Height of the band at the bottom of a plot that holds the frequency labels, points.
pub const LABEL_BAND: f32 = 12.0;

/// Scale text on a patch of the plot's background, so grid lines and traces never strike it.
fn boxed_text(
    painter: &egui::Painter,
    pos: Pos2,
    align: egui::Align2,
    text: String,
    color: Color32,
) -> Rect {
    let galley = painter.layout_no_wrap(text, theme::font(9.0), color);
    let rect = align.anchor_size(pos, galley.size());
    painter.rect_filled(rect.expand(1.0), CornerRadius::same(2), theme::WELL);
    painter.galley(rect.min, galley, color);
    rect
}

/// The analyser's level scale along the plot's left edge (0 dBFS at the top, `floor_db` at the
/// bottom, every 24 dB), in the spectrum's colour so it is not read as the EQ's gain scale.
pub fn spectrum_scale(ui: &Ui, frame: &PlotFrame, floor_db: f32, color: Color32) {
    let painter = ui.painter_at(frame.rect);
    let mut db = 0.0;
    while db > floor_db {
        let y = spectrum_y(frame, db, floor_db);
        let text = if db == 0.0 {
            "0 dBFS".to_string()
        } else {
            format!("{db:.0}")
        };
        let align = if db == 0.0 {
            egui::Align2::LEFT_TOP
        } else {
            egui::Align2::LEFT_CENTER
        };
        boxed_text(
            &painter,
            Pos2::new(frame.rect.left() + 2.0, y),
            align,
            text,
            color,
        );
        db -= 24.0;
    }
}

/// Height of a spectrum level: 0 dBFS at the top of the plot, `floor_db` at the top of its label
/// band. The trace and its scale both place levels through this.
fn spectrum_y(frame: &PlotFrame, db: f32, floor_db: f32) -> f32 {
    let bottom = frame.rect.bottom() - LABEL_BAND;
    bottom - mapping::to_unit(db, floor_db, 0.0) * (bottom - frame.rect.top())
}

/// Draws a curve from an analytic response, one point per horizontal pixel.
pub fn curve(
    ui: &Ui,
    frame: &PlotFrame,
    response_db: impl Fn(f64) -> f64,
    stroke: Stroke,
    fill: Option<Color32>,
) {
    let painter = ui.painter_at(frame.rect);
    let n = frame.rect.width().max(2.0) as usize;
    let points: Vec<Pos2> = (0..=n)
        .map(|i| {
            let x = frame.rect.left() + i as f32 * frame.rect.width() / n as f32;
            let db = response_db(frame.freq(x)) as f32;
            let db = if db.is_finite() {
                db
            } else {
                -frame.db_range * 2.0
            };
            Pos2::new(
                x,
                frame.y(db.clamp(-frame.db_range * 2.0, frame.db_range * 2.0)),
            )
        })
        .collect();
    if let Some(fill) = fill {
        let y0 = frame.y(0.0);
        for w in points.windows(2) {
            painter.add(Shape::convex_polygon(
                vec![w[0], w[1], Pos2::new(w[1].x, y0), Pos2::new(w[0].x, y0)],
                fill,
                Stroke::NONE,
            ));
        }
    }
    painter.add(Shape::line(points, stroke));
}

/// Draws a spectrum trace: `bins_db[i]` at frequency `bin_freq(i)`, on a dB scale of
/// `floor_db..0` mapped over the plot above its label band ([`spectrum_scale`] labels it),
/// filled below.
pub fn spectrum(
    ui: &Ui,
    frame: &PlotFrame,
    bins_db: &[f32],
    bin_freq: impl Fn(usize) -> f64,
    floor_db: f32,
    color: Color32,
) {
    let painter = ui.painter_at(frame.rect);
    let bottom = frame.rect.bottom() - LABEL_BAND;
    let y = |db: f32| spectrum_y(frame, db, floor_db);
    let points: Vec<Pos2> = bins_db
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let f = bin_freq(*i);
            f >= frame.f_min && f <= frame.f_max
        })
        .map(|(i, db)| {
            Pos2::new(
                frame.x(bin_freq(i)),
                y(if db.is_finite() { *db } else { floor_db }),
            )
        })
        .collect();
    if points.len() < 2 {
        return;
    }
    let fill = Color32::from_rgba_unmultiplied(color.r(), color.g(), color.b(), 40);
    for w in points.windows(2) {
        painter.add(Shape::convex_polygon(
            vec![
                w[0],
                w[1],
                Pos2::new(w[1].x, bottom),
                Pos2::new(w[0].x, bottom),
            ],
            fill,
            Stroke::NONE,
        ));
    }
    painter.add(Shape::line(points, Stroke::new(1.0, color)));
}

/// Radius of a band handle, points.
pub const HANDLE_RADIUS: f32 = 8.0;

/// Index of the handle under `pos`, nearest first, within the handle radius.
pub fn hit_handle(frame: &PlotFrame, handles: &[BandHandle], pos: Pos2) -> Option<usize> {
    handles
        .iter()
        .enumerate()
        .map(|(i, h)| (i, frame.pos(h.freq_hz, h.gain_db).distance(pos)))
        .filter(|(_, d)| *d <= HANDLE_RADIUS + 3.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// Draws the band handles and turns the plot's input into [`HandleEvent`]s.
pub fn handles(
    ui: &Ui,
    frame: &PlotFrame,
    response: &Response,
    handles: &[BandHandle],
) -> Vec<HandleEvent> {
    let painter = ui.painter_at(frame.rect.expand(HANDLE_RADIUS));
    let drag_id = response.id.with("dragged-handle");
    // The handle being dragged and the offset from the pointer to its centre.
    let mut dragged: Option<(usize, Vec2)> = ui.data(|d| d.get_temp(drag_id)).flatten();
    let mut events = Vec::new();
    let pointer = response.interact_pointer_pos().or(response.hover_pos());
    if response.drag_started() {
        // egui reports a drag once the pointer has moved past its threshold: hit-test where the
        // button went down, so a grab-and-throw in one quick motion takes the handle with it.
        let origin = ui.input(|i| i.pointer.press_origin()).or(pointer);
        dragged = origin.and_then(|o| {
            let i = hit_handle(frame, handles, o)?;
            Some((i, frame.pos(handles[i].freq_hz, handles[i].gain_db) - o))
        });
        if let Some((i, _)) = dragged {
            events.push(HandleEvent::DragStarted(i));
        }
    }
    if response.dragged()
        && let (Some((i, offset)), Some(p)) = (dragged, pointer)
    {
        let p = frame.rect.clamp(p + offset);
        events.push(HandleEvent::Dragged {
            index: i,
            freq_hz: frame.freq(p.x),
            gain_db: frame.db(p.y),
        });
    }
    if response.drag_stopped()
        && let Some((i, _)) = dragged.take()
    {
        events.push(HandleEvent::DragStopped(i));
    }
    if let Some(p) = response.hover_pos() {
        let hit = hit_handle(frame, handles, p);
        if response.double_clicked() && hit.is_none() {
            events.push(HandleEvent::AddAt {
                freq_hz: frame.freq(p.x),
                gain_db: frame.db(p.y),
            });
        }
        if response.secondary_clicked()
            && let Some(i) = hit
        {
            events.push(HandleEvent::Menu(i));
        }
        let scroll = crate::widgets::wheel_notches(ui);
        if scroll != 0.0
            && let Some(i) = hit
        {
            events.push(HandleEvent::Wheel {
                index: i,
                notches: scroll.signum(),
            });
        }
    }
    ui.data_mut(|d| d.insert_temp(drag_id, dragged));
    for (i, h) in handles.iter().enumerate() {
        let c = frame.pos(h.freq_hz, h.gain_db);
        let hot = dragged.is_some_and(|(d, _)| d == i)
            || response
                .hover_pos()
                .is_some_and(|p| p.distance(c) <= HANDLE_RADIUS + 3.0);
        let fill = if h.enabled {
            h.color
        } else {
            Color32::from_gray(70)
        };
        painter.circle(
            c,
            HANDLE_RADIUS,
            fill,
            Stroke::new(if hot { 2.0 } else { 1.0 }, theme::TEXT),
        );
        painter.text(
            c,
            egui::Align2::CENTER_CENTER,
            h.label.to_string(),
            theme::font(10.0),
            theme::BACKGROUND,
        );
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::headless::button;
    use egui::{Event, RawInput};

    /// Runs one frame of a plot with two handles under `events`, returning its handle events.
    fn frame(ctx: &egui::Context, events: Vec<Event>) -> (Vec<HandleEvent>, PlotFrame) {
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(800.0, 400.0))),
            events,
            ..Default::default()
        };
        let mut out = (Vec::new(), None);
        let mut output = ctx.run_ui(input, |ui| {
            let plot = FreqPlot::default();
            let (f, response) = plot.show_grid(ui);
            let bands = [
                BandHandle {
                    freq_hz: 100.0,
                    gain_db: 0.0,
                    color: Color32::RED,
                    enabled: true,
                    label: 1,
                },
                BandHandle {
                    freq_hz: 5000.0,
                    gain_db: 6.0,
                    color: Color32::RED,
                    enabled: true,
                    label: 2,
                },
            ];
            out = (handles(ui, &f, &response, &bands), Some(f));
        });
        // No renderer here: the font atlas upload is dropped on purpose.
        output.textures_delta.clear();
        (out.0, out.1.unwrap())
    }

    /// Grab-and-throw: the button goes down on a handle and the pointer is 80 points away by the
    /// next frame (a normal-speed drag; egui's drag threshold is passed in that one move). The
    /// handle must come along, keeping the grab offset, and let go on release.
    #[test]
    fn a_fast_drag_takes_the_handle_under_the_button() {
        let ctx = egui::Context::default();
        let (_, f) = frame(&ctx, vec![]);
        let grab = f.pos(100.0, 0.0) + Vec2::new(3.0, -2.0);
        let (events, _) = frame(&ctx, vec![Event::PointerMoved(grab), button(grab, true)]);
        assert!(events.is_empty(), "{events:?}");
        let to = grab + Vec2::new(80.0, -40.0);
        let (events, _) = frame(&ctx, vec![Event::PointerMoved(to)]);
        assert_eq!(
            events.first(),
            Some(&HandleEvent::DragStarted(0)),
            "{events:?}"
        );
        let Some(HandleEvent::Dragged {
            index: 0,
            freq_hz,
            gain_db,
        }) = events.get(1).copied()
        else {
            panic!("no drag of handle 0: {events:?}");
        };
        // The handle's centre follows the pointer with the offset it was grabbed at.
        let centre = f.pos(freq_hz, gain_db);
        let want = f.pos(100.0, 0.0) + Vec2::new(80.0, -40.0);
        assert!(centre.distance(want) < 0.5, "{centre:?} vs {want:?}");
        let (events, _) = frame(&ctx, vec![button(to, false)]);
        assert!(events.contains(&HandleEvent::DragStopped(0)), "{events:?}");
    }

    /// A press on empty space followed by a drag over a handle moves nothing.
    #[test]
    fn a_drag_from_empty_space_grabs_nothing() {
        let ctx = egui::Context::default();
        let (_, f) = frame(&ctx, vec![]);
        let start = f.pos(1000.0, -12.0);
        frame(&ctx, vec![Event::PointerMoved(start), button(start, true)]);
        let (events, _) = frame(&ctx, vec![Event::PointerMoved(f.pos(100.0, 0.0))]);
        assert!(events.is_empty(), "{events:?}");
    }
}
