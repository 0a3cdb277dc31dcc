//! The Limiter's editor: input and output meters (the ceiling drawn on the output, true-peak
//! readout), a scrolling gain-reduction history over the input and output waveform envelope,
//! the output loudness, and every control — all shared-gui widgets.

use crate::params::LimiterParams;
use crate::readout::{HISTORY_POINT_S, LANE_GR, LANE_INPUT, LANE_OUTPUT, Readout};
use nice_plug::prelude::ParamSetter;
use shared_dsp::util::gain_to_db;
use shared_gui::egui::{self, Color32, RichText, Vec2};
use shared_gui::meters::{LevelMeter, PeakHold, gain_reduction_meter};
use shared_gui::plots::HistoryGraph;
use shared_gui::widgets::{Knob, Selector, Toggle, section};
use shared_gui::{Accent, EditorBody, EditorSpec, theme};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Title, accent colour and sizes of this editor.
pub const SPEC: EditorSpec = EditorSpec {
    title: "Lathe Limiter",
    accent: Accent::Limiter,
    default_size: (880.0, 480.0),
    min_size: (760.0, 440.0),
};

const A: Accent = Accent::Limiter;
/// Seconds of history shown.
const SPAN_S: f32 = 10.0;

pub struct Body {
    params: Arc<LimiterParams>,
    readout: Arc<Readout>,
    in_holds: [PeakHold; 2],
    out_holds: [PeakHold; 2],
    /// Output true peak shown, dBTP, and when it was last refreshed.
    history: [Vec<f32>; 3],
}

pub type Editor = shared_gui::Editor<Body>;

pub fn create(params: Arc<LimiterParams>, readout: Arc<Readout>) -> Option<Editor> {
    let memory = params.editor_state.clone();
    let n = (SPAN_S / HISTORY_POINT_S) as usize;
    shared_gui::create_editor(
        SPEC,
        memory,
        Body {
            params,
            readout,
            in_holds: Default::default(),
            out_holds: Default::default(),
            history: [vec![0.0; n], vec![0.0; n], vec![0.0; n]],
        },
    )
}

/// One row of a readout grid: label, value (or "–" when there is nothing to show), unit.
fn figure(ui: &mut egui::Ui, label: &str, value: f32, unit: &str, color: Color32) {
    shared_gui::widgets::caption(ui, label);
    let text = if value.is_finite() && value > -150.0 {
        format!("{value:.1}")
    } else {
        "–".to_string()
    };
    ui.label(
        RichText::new(text)
            .font(theme::mono(theme::SIZE_BODY))
            .color(color),
    );
    shared_gui::widgets::caption(ui, unit);
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
        let meter_h = 210.0;

        ui.horizontal(|ui| {
            LevelMeter::new(&ins, &mut self.in_holds)
                .range(-48.0, 6.0)
                .size(Vec2::new(40.0, meter_h))
                .label("In")
                .show(ui);
            // The graph takes what the GR bar (22) and the output meter (44) leave, with the
            // spacing between them and a little slack, so the row ends at the window's margin.
            let gap = ui.spacing().item_spacing.x;
            let graph_w = (ui.available_width() - (22.0 + 44.0 + 2.0 * gap + 6.0)).max(240.0);
            ui.vertical(|ui| {
                shared_gui::widgets::caption(
                    ui,
                    "Gain reduction over the input (dim) and output waveform",
                );
                // Waveform envelope on a -48..0 dBFS scale, gain reduction 0..24 dB from the top
                // (both drawn over the same box: GR as filled bars from the top).
                let rect_start = ui.cursor().min;
                HistoryGraph {
                    traces: &[
                        (&self.history[LANE_INPUT], Color32::from_gray(90)),
                        (&self.history[LANE_OUTPUT], A.color()),
                    ],
                    point_s: HISTORY_POINT_S,
                    span_s: SPAN_S,
                    min: -48.0,
                    max: 0.0,
                    lines: &[(ceiling, theme::WARN)],
                    fill_from_top: false,
                    unit: "",
                    size: Vec2::new(graph_w, meter_h - 4.0),
                }
                .show(ui);
                // GR overlay in the same rectangle.
                let overlay =
                    egui::Rect::from_min_size(rect_start, Vec2::new(graph_w, meter_h - 4.0));
                let mut child = ui.new_child(egui::UiBuilder::new().max_rect(overlay));
                let gr_trace: Vec<f32> = self.history[LANE_GR].iter().map(|g| -g).collect();
                let _ = &mut child;
                paint_gr(&child, overlay, &gr_trace);
            });
            gain_reduction_meter(ui, "GR", gr, 24.0, Vec2::new(22.0, meter_h - 18.0));
            LevelMeter::new(&outs, &mut self.out_holds)
                .range(-48.0, 6.0)
                .ceiling(ceiling)
                .clip_at(ceiling)
                .size(Vec2::new(44.0, meter_h))
                .label("Out")
                .show(ui);
        });
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            section(
                ui,
                "Drive",
                A,
                true,
                |_| {},
                |ui| {
                    ui.horizontal(|ui| {
                        Knob::new(&p.input_db, setter, A).diameter(52.0).show(ui);
                        Knob::new(&p.ceiling_db, setter, A).diameter(52.0).show(ui);
                    });
                    Selector::new(&p.target, setter)
                        .label("Target")
                        .width(112.0)
                        .show(ui);
                    if p.target.value() == crate::params::LoudnessTarget::Custom {
                        shared_gui::widgets::Slider::new(&p.custom_target_lufs, setter, A)
                            .label("LUFS")
                            .width(60.0)
                            .show(ui);
                    }
                    ui.horizontal(|ui| {
                        Toggle::new(&p.learn, setter, A).show(ui);
                        let learned = p.learned_gain_db.load(Ordering::Relaxed);
                        shared_gui::widgets::caption(ui, format!("gain {learned:+.1} dB"));
                    });
                },
            );
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
                        Knob::new(&p.release_ms, setter, A).show(ui);
                        Knob::new(&p.lookahead_ms, setter, A).show(ui);
                        Knob::new(&p.link_percent, setter, A).label("Link").show(ui);
                    });
                },
            );
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
                            Selector::new(&p.mode, setter).width(86.0).show(ui);
                            ui.end_row();
                            shared_gui::widgets::caption(ui, "Oversampling");
                            Selector::new(&p.oversampling, setter).width(86.0).show(ui);
                            ui.end_row();
                            shared_gui::widgets::caption(ui, "Dither");
                            Selector::new(&p.dither, setter).width(86.0).show(ui);
                            ui.end_row();
                            shared_gui::widgets::caption(ui, "Shaping");
                            Selector::new(&p.shaping, setter).width(86.0).show(ui);
                            ui.end_row();
                        });
                },
            );
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
                        .num_columns(3)
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
        });
    }
}

/// Gain reduction as bars hanging from the top of `rect` (0..24 dB over the full height).
fn paint_gr(ui: &egui::Ui, rect: egui::Rect, negative_gr: &[f32]) {
    let painter = ui.painter_at(rect);
    let n = negative_gr.len().max(1);
    let w = rect.width() / n as f32;
    let c = theme::REDUCTION;
    let fill = Color32::from_rgba_unmultiplied(c.r(), c.g(), c.b(), 150);
    for (i, g) in negative_gr.iter().enumerate() {
        let gr = (-g).clamp(0.0, 24.0);
        if gr < 0.05 {
            continue;
        }
        let x = rect.left() + i as f32 * w;
        let h = gr / 24.0 * rect.height();
        painter.rect_filled(
            egui::Rect::from_min_size(egui::pos2(x, rect.top()), Vec2::new(w.max(1.0), h)),
            egui::CornerRadius::ZERO,
            fill,
        );
    }
}
