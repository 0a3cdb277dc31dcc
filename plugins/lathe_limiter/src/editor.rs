//! The Limiter's editor: input and output meters (the ceiling drawn on the output, true-peak
//! readout), a scrolling gain-reduction history over the input and output waveform envelope,
//! the output loudness, and every control — all shared-gui widgets.

use crate::params::LimiterParams;
use crate::readout::{HISTORY_POINT_S, LANE_GR, LANE_INPUT, LANE_OUTPUT, Readout};
use nice_plug::prelude::ParamSetter;
use shared_dsp::util::gain_to_db;
use shared_gui::egui::{self, Color32, RichText, Vec2};
use shared_gui::meters::{LevelMeter, PeakHold, gain_reduction_meter};
use shared_gui::plots::{HistoryGraph, history};
use shared_gui::widgets::{Knob, Selector, Toggle, section};
use shared_gui::{Accent, EditorBody, EditorSpec, theme};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Title, accent colour and sizes of this editor.
pub const SPEC: EditorSpec = EditorSpec {
    title: "Lathe Limiter",
    accent: Accent::Limiter,
    default_size: (880.0, 480.0),
    // The controls' row at its natural size (with the custom target's knob) plus margins.
    min_size: (820.0, 440.0),
};

const A: Accent = Accent::Limiter;
/// Seconds of history shown.
const SPAN_S: f32 = 10.0;
/// Gain reduction range of the GR meter and of the history, dB.
const GR_RANGE_DB: f32 = 24.0;
/// The meter row never gets shorter than this, points.
const MIN_ROW_H: f32 = 150.0;

pub struct Body {
    params: Arc<LimiterParams>,
    readout: Arc<Readout>,
    in_holds: [PeakHold; 2],
    out_holds: [PeakHold; 2],
    history: [Vec<f32>; 3],
    /// Natural width and height of the controls, measured on the last frame: the meters and
    /// the history take the height they leave, and the controls stack in two rows when one
    /// row would not fit the window.
    controls_w: f32,
    controls_h: f32,
    /// Where the history graph was drawn on the last frame.
    graph_rect: egui::Rect,
}

pub type Editor = shared_gui::Editor<Body>;

pub fn create(params: Arc<LimiterParams>, readout: Arc<Readout>) -> Option<Editor> {
    let memory = params.editor_state.clone();
    shared_gui::create_editor(SPEC, memory, Body::new(params, readout))
}

impl Body {
    fn new(params: Arc<LimiterParams>, readout: Arc<Readout>) -> Self {
        let n = (SPAN_S / HISTORY_POINT_S) as usize;
        Self {
            params,
            readout,
            in_holds: Default::default(),
            out_holds: Default::default(),
            history: [vec![0.0; n], vec![0.0; n], vec![0.0; n]],
            controls_w: 0.0,
            controls_h: 200.0,
            graph_rect: egui::Rect::NOTHING,
        }
    }
}

/// One row of a readout grid: label, then the value with its unit (or "–" when there is
/// nothing to show).
fn figure(ui: &mut egui::Ui, label: &str, value: f32, unit: &str, color: Color32) {
    shared_gui::widgets::caption(ui, label);
    let text = if value.is_finite() && value > -150.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("– {unit}")
    };
    ui.label(
        RichText::new(text)
            .font(theme::mono(theme::SIZE_BODY))
            .color(color),
    );
    ui.end_row();
}

impl EditorBody for Body {
    fn ui(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        let p = self.params.clone();
        let r = self.readout.clone();
        let ceiling = p.ceiling_db.value();
        let ins: [f32; 2] = std::array::from_fn(|c| gain_to_db(r.input_peak[c].take()));
        let outs: [f32; 2] = std::array::from_fn(|c| gain_to_db(r.output_peak[c].take()));
        let tps: [f32; 2] = std::array::from_fn(|c| gain_to_db(r.output_true_peak[c].take()));
        let gr = r.gain_reduction_db.take();
        for (lane, buf) in self.history.iter_mut().enumerate() {
            let filled = r.history.read_latest(lane, buf);
            let empty = buf.len() - filled;
            buf[..empty].fill(if lane == LANE_GR {
                0.0
            } else {
                f32::NEG_INFINITY
            });
        }
        // The controls keep their natural size (measured last frame); the meters and the
        // history take every point the window gives the row above them.
        let gap = ui.spacing().item_spacing;
        let cap_h = ui.text_style_height(&egui::TextStyle::Small);
        let row_h = (ui.available_height() - self.controls_h - 2.0 * gap.y - 4.0).max(MIN_ROW_H);
        let level_w = 24.0 + 2.0 * 15.0;
        let gr_w = 46.0;
        ui.horizontal_top(|ui| {
            LevelMeter::new(&ins, &mut self.in_holds)
                .range(-48.0, 6.0)
                .size(Vec2::new(level_w, row_h - cap_h - 2.0))
                .label("In")
                .show(ui)
                .on_hover_text("Level entering the limiter: the input after the drive, dBFS");
            let graph_w = (ui.available_width() - (gr_w + level_w + 2.0 * gap.x)).max(200.0);
            ui.vertical(|ui| {
                ui.spacing_mut().item_spacing.y = 2.0;
                shared_gui::widgets::caption(
                    ui,
                    "Input (dark) and output (light) peak, dBFS  ·  gain reduction (orange) from the top, dB",
                );
                let graph = HistoryGraph {
                    traces: &[
                        // Waveform in greys, so the orange gain reduction stands apart.
                        (&self.history[LANE_INPUT], Color32::from_gray(100)),
                        (&self.history[LANE_OUTPUT], Color32::from_gray(210)),
                    ],
                    point_s: HISTORY_POINT_S,
                    span_s: SPAN_S,
                    min: -48.0,
                    max: 0.0,
                    lines: &[(ceiling, theme::WARN)],
                    fill_from_top: false,
                    unit: "dBFS",
                    origin: 0.0,
                    size: Vec2::new(graph_w, row_h - cap_h - 2.0),
                }
                .show(ui);
                // Gain reduction over the same box: a continuous area hanging from the top,
                // 0..GR_RANGE_DB over the full height, numbered on the right.
                let rect = graph.rect;
                self.graph_rect = rect;
                let painter = ui.painter_at(rect);
                let gr_y = |g: f32| rect.top() + (g / GR_RANGE_DB).clamp(0.0, 1.0) * rect.height();
                let px_per_point = rect.width() * HISTORY_POINT_S / SPAN_S;
                history::fill_from_top(
                    &painter,
                    rect,
                    &self.history[LANE_GR],
                    px_per_point,
                    gr_y,
                    theme::REDUCTION,
                );
                history::paint_value_scale(
                    &painter,
                    rect,
                    -GR_RANGE_DB,
                    0.0,
                    0.0,
                    "GR dB",
                    true,
                    false,
                    theme::REDUCTION,
                );
                graph.on_hover_text(
                    "Last 10 s: input peak (dark grey, after the drive) and output peak (light grey) on \
                     the left dBFS scale, the ceiling (yellow); gain reduction (orange) hangs \
                     from the top on the right dB scale",
                );
            });
            gain_reduction_meter(
                ui,
                "GR",
                gr,
                GR_RANGE_DB,
                Vec2::new(gr_w, row_h - 2.0 * cap_h - 6.0),
            );
            LevelMeter::new(&outs, &mut self.out_holds)
                .range(-48.0, 6.0)
                .ceiling(ceiling)
                .clip_at(ceiling)
                .size(Vec2::new(level_w, row_h - cap_h - 2.0))
                .label("Out")
                .show(ui);
        });
        ui.add_space(4.0);
        let avail_w = ui.available_width();
        let stacked = self.controls_w > avail_w + 1.0;
        let drive = |ui: &mut egui::Ui| {
            section(
                ui,
                "Drive",
                A,
                true,
                |_| {},
                |ui| {
                    ui.horizontal(|ui| {
                        Knob::new(&p.input_db, setter, A)
                            .diameter(44.0)
                            .width(66.0)
                            .show(ui);
                        // Wide enough for "-1.00 dBTP".
                        Knob::new(&p.ceiling_db, setter, A)
                            .diameter(44.0)
                            .width(76.0)
                            .show(ui);
                        // The custom loudness target sits beside the drive it steers, as a
                        // third knob (a slider row would not fit the minimum width).
                        if p.target.value() == crate::params::LoudnessTarget::Custom {
                            Knob::new(&p.custom_target_lufs, setter, A)
                                .label("Target")
                                .diameter(44.0)
                                .width(72.0)
                                .show(ui);
                        }
                    });
                    Selector::new(&p.target, setter)
                        .label("Target")
                        .width(112.0)
                        .show(ui);
                    ui.horizontal(|ui| {
                        Toggle::new(&p.learn, setter, A).show(ui);
                        let learned = p.learned_gain_db.load(Ordering::Relaxed);
                        shared_gui::widgets::caption(ui, format!("gain {learned:+.1} dB"));
                    });
                },
            );
        };
        let release = |ui: &mut egui::Ui| {
            section(
                ui,
                "Release",
                A,
                true,
                |ui| {
                    Toggle::new(&p.auto_release, setter, A)
                        .label("Auto")
                        .show(ui);
                },
                |ui| {
                    ui.horizontal(|ui| {
                        Knob::new(&p.release_ms, setter, A).width(62.0).show(ui);
                        Knob::new(&p.lookahead_ms, setter, A).width(62.0).show(ui);
                        Knob::new(&p.link_percent, setter, A)
                            .label("Link")
                            .width(62.0)
                            .show(ui);
                    });
                },
            );
        };
        let quality = |ui: &mut egui::Ui| {
            section(
                ui,
                "Quality",
                A,
                true,
                |_| {},
                |ui| {
                    egui::Grid::new("quality")
                        .num_columns(2)
                        .spacing([6.0, 4.0])
                        .show(ui, |ui| {
                            shared_gui::widgets::caption(ui, "Mode");
                            Selector::new(&p.mode, setter).width(74.0).show(ui);
                            ui.end_row();
                            shared_gui::widgets::caption(ui, "Oversampling");
                            Selector::new(&p.oversampling, setter).width(74.0).show(ui);
                            ui.end_row();
                            shared_gui::widgets::caption(ui, "Dither");
                            Selector::new(&p.dither, setter).width(74.0).show(ui);
                            ui.end_row();
                            shared_gui::widgets::caption(ui, "Shaping");
                            Selector::new(&p.shaping, setter).width(74.0).show(ui);
                            ui.end_row();
                        });
                },
            );
        };
        let output = |ui: &mut egui::Ui| {
            section(
                ui,
                "Output",
                A,
                true,
                |ui| {
                    if ui
                        .small_button("Reset")
                        .on_hover_text("Start a new loudness measurement")
                        .clicked()
                    {
                        r.reset_loudness.store(true, Ordering::Release);
                    }
                },
                |ui| {
                    let tp_max = r.output_true_peak_max_db.load();
                    let tp_now = tps[0].max(tps[1]);
                    let over = tp_max > ceiling + 0.1;
                    egui::Grid::new("loudness")
                        .num_columns(2)
                        .spacing([6.0, 2.0])
                        .show(ui, |ui| {
                            figure(
                                ui,
                                "True peak",
                                tp_max,
                                "dBTP",
                                if over { theme::BAD } else { theme::TEXT },
                            );
                            figure(ui, "TP now", tp_now, "dBTP", theme::TEXT_DIM);
                            figure(
                                ui,
                                "Momentary",
                                r.momentary_lufs.load(),
                                "LUFS",
                                theme::TEXT,
                            );
                            figure(
                                ui,
                                "Short-term",
                                r.short_term_lufs.load(),
                                "LUFS",
                                theme::TEXT,
                            );
                            figure(
                                ui,
                                "Integrated",
                                r.integrated_lufs.load(),
                                "LUFS",
                                A.color(),
                            );
                        });
                    Toggle::new(&p.bypass, setter, A).show(ui);
                },
            );
        };
        let controls = ui.vertical(|ui| {
            ui.spacing_mut().item_spacing.x = 6.0;
            if stacked {
                let a = ui.horizontal_top(|ui| {
                    drive(ui);
                    release(ui);
                });
                let b = ui.horizontal_top(|ui| {
                    quality(ui);
                    output(ui);
                });
                a.response.rect.width() + b.response.rect.width() + ui.spacing().item_spacing.x
            } else {
                ui.horizontal_top(|ui| {
                    drive(ui);
                    release(ui);
                    quality(ui);
                    output(ui);
                })
                .response
                .rect
                .width()
            }
        });
        self.controls_w = controls.inner;
        self.controls_h = controls.response.rect.height();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::LoudnessTarget;
    use shared_gui::plots::headless::{layout_problems, run_body, set_param, test_sizes, texts};

    fn body() -> Body {
        Body::new(
            Arc::new(LimiterParams::default()),
            Arc::new(Readout::default()),
        )
    }

    /// Nothing is drawn beyond the window and no number is cut, at the minimum, the default
    /// and a 1.5x window, with and without the custom loudness target's extra control.
    #[test]
    fn fits_at_every_size() {
        for (w, h) in test_sizes(&SPEC) {
            for target in [LoudnessTarget::Off, LoudnessTarget::Custom] {
                let mut b = body();
                set_param(&b.params.target, target);
                let painted = run_body(&mut b, A, Vec2::new(w, h), 3);
                let problems = layout_problems(&painted, 0.5);
                assert!(problems.is_empty(), "{w}x{h} {target:?}: {problems:#?}");
                assert!(b.controls_w <= w - 16.0, "controls in one row at {w}");
            }
        }
    }

    /// A larger window goes to the history and the meters, not to empty space.
    #[test]
    fn history_takes_the_space() {
        let mut sizes = Vec::new();
        for (w, h) in test_sizes(&SPEC) {
            let mut b = body();
            run_body(&mut b, A, Vec2::new(w, h), 3);
            sizes.push(b.graph_rect.size());
        }
        let (def, large) = (sizes[1], sizes[2]);
        let (dw, dh) = (
            test_sizes(&SPEC)[2].0 - test_sizes(&SPEC)[1].0,
            test_sizes(&SPEC)[2].1 - test_sizes(&SPEC)[1].1,
        );
        assert!(large.x - def.x > 0.9 * dw, "{def:?} -> {large:?}");
        assert!(large.y - def.y > 0.9 * dh, "{def:?} -> {large:?}");
        assert!(sizes[0].y > 100.0, "{:?}", sizes[0]);
    }

    /// Every meter has numbers: the GR scales (meter and history) run 0..-24 dB, In and Out
    /// carry dBFS numbers.
    #[test]
    fn every_meter_is_numbered() {
        let mut b = body();
        let painted = run_body(&mut b, A, Vec2::new(880.0, 480.0), 3);
        let t: Vec<String> = texts(&painted).into_iter().map(|(t, _)| t).collect();
        let count = |s: &str| t.iter().filter(|x| x.as_str() == s).count();
        assert!(count("-24") >= 2, "GR meter and history: {t:?}");
        assert!(count("-48") + count("-36") >= 2, "In and Out: {t:?}");
        assert!(count("-12") >= 4, "In, Out, GR meter, history: {t:?}");
        assert_eq!(count("GR dB"), 1);
        assert_eq!(count("dBFS"), 1);
    }

    /// The gain-reduction history is one continuous filled trace, not a bar per point.
    #[test]
    fn gain_reduction_history_is_continuous() {
        let b = body();
        for i in 0..400 {
            let gr = 3.0 + 3.0 * ((i as f32) * 0.05).sin();
            b.readout.history.push(&[gr, -6.0, -9.0]);
        }
        let mut b = b;
        let painted = run_body(&mut b, A, Vec2::new(880.0, 480.0), 2);
        let graph = b.graph_rect;
        let meshes: Vec<usize> = painted
            .shapes
            .iter()
            .filter_map(|s| match &s.shape {
                egui::Shape::Mesh(m)
                    if m.vertices.first().is_some_and(|v| graph.contains(v.pos)) =>
                {
                    Some(m.vertices.len())
                }
                _ => None,
            })
            .collect();
        assert_eq!(meshes.len(), 1, "{meshes:?}");
        assert!(meshes[0] >= 2 * 400, "{meshes:?}");
        let bars = painted
            .shapes
            .iter()
            .filter(|s| match &s.shape {
                egui::Shape::Rect(r) => {
                    graph.contains_rect(r.rect)
                        && r.fill == theme::REDUCTION
                        && r.rect.width() < 4.0
                }
                _ => false,
            })
            .count();
        assert_eq!(bars, 0);
    }
}
