//! The Loudness Meter's editor: big EBU Mode readouts, a momentary/short-term loudness bar with
//! the target marker, true-peak bars against the target's ceiling, the loudness history, stereo
//! correlation and balance, and the target, scale, unit and measurement controls. Everything it
//! shows comes from the [`Readout`] snapshot; it never touches the DSP.

use crate::params::{MeterParams, Target, Units};
use crate::readout::{
    HISTORY_MOMENTARY, HISTORY_POINTS_PER_SECOND, HISTORY_SECONDS, HISTORY_SHORT_TERM, Readout,
};
use nice_plug::prelude::*;
use shared_gui::meters::loudness_bar::target_color;
use shared_gui::meters::{LevelMeter, LoudnessBar, PeakHold, correlation_meter};
use shared_gui::plots::HistoryGraph;
use shared_gui::theme::{self, Accent};
use shared_gui::widgets::{Knob, Selector, Toggle, section};
use shared_gui::{EditorBody, EditorSpec};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Title, accent colour and sizes of this editor.
pub const SPEC: EditorSpec = EditorSpec {
    title: "Lathe Loudness Meter",
    accent: Accent::Meter,
    default_size: (900.0, 600.0),
    min_size: (760.0, 540.0),
};

const ACCENT: Accent = Accent::Meter;
/// Width of one column of figures.
const COLUMN_W: f32 = 190.0;

pub struct Body {
    params: Arc<MeterParams>,
    readout: Arc<Readout>,
    holds: [PeakHold; crate::readout::MAX_CHANNELS],
    /// History copies (allocated once, refilled each frame from the ring).
    momentary: Vec<f32>,
    short_term: Vec<f32>,
}

pub type Editor = shared_gui::Editor<Body>;

pub fn create(params: Arc<MeterParams>, readout: Arc<Readout>) -> Option<Editor> {
    let memory = params.editor_state.clone();
    let n = HISTORY_SECONDS * HISTORY_POINTS_PER_SECOND;
    shared_gui::create_editor(
        SPEC,
        memory,
        Body {
            params,
            readout,
            holds: Default::default(),
            momentary: vec![f32::NEG_INFINITY; n],
            short_term: vec![f32::NEG_INFINITY; n],
        },
    )
}

/// A loudness figure in the chosen units: "-23.0 LUFS" or "+1.2 LU" relative to the target.
fn loudness_text(lufs: f32, target: f32, units: Units) -> String {
    if !lufs.is_finite() {
        return match units {
            Units::Lufs => "-inf LUFS".into(),
            Units::Lu => "-inf LU".into(),
        };
    }
    match units {
        Units::Lufs => format!("{lufs:.1} LUFS"),
        Units::Lu => format!("{:+.1} LU", lufs - target),
    }
}

fn db_text(db: f32, unit: &str) -> String {
    if db.is_finite() {
        format!("{db:.1} {unit}")
    } else {
        format!("-inf {unit}")
    }
}

/// One labelled figure: small dim label above a large number in `color`.
fn readout(
    ui: &mut egui::Ui,
    label: &str,
    value: &str,
    color: egui::Color32,
    size: f32,
    tip: &str,
) {
    ui.vertical(|ui| {
        ui.spacing_mut().item_spacing.y = 0.0;
        shared_gui::widgets::caption(ui, label);
        ui.label(
            egui::RichText::new(value)
                .font(theme::mono(size))
                .color(color),
        )
        .on_hover_text(tip);
    });
}

fn elapsed_text(seconds: f32) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

impl EditorBody for Body {
    fn ui(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        let p = self.params.clone();
        let r = self.readout.clone();
        let (target, ceiling) = p.target_figures();
        let units = p.units.value();
        let range_lu = p.scale.value().range_lu();

        // Controls.
        ui.horizontal_wrapped(|ui| {
            Selector::new(&p.target, setter)
                .label("Target")
                .width(260.0)
                .show(ui);
            if p.target.value() == Target::Custom {
                Knob::new(&p.custom_target_lufs, setter, ACCENT)
                    .label("Custom")
                    .diameter(34.0)
                    .show(ui);
                Knob::new(&p.custom_ceiling_dbtp, setter, ACCENT)
                    .label("TP ceiling")
                    .diameter(34.0)
                    .show(ui);
            }
            Selector::new(&p.scale, setter)
                .label("Scale")
                .width(90.0)
                .show(ui);
            Selector::new(&p.units, setter)
                .label("Units")
                .width(130.0)
                .show(ui);
            Selector::new(&p.true_peak_mode, setter)
                .label("True peak")
                .width(130.0)
                .show(ui);
        });
        ui.horizontal(|ui| {
            Toggle::new(&p.running, setter, ACCENT)
                .label(if p.running.value() {
                    "Measuring"
                } else {
                    "Paused"
                })
                .show(ui);
            if ui
                .button(egui::RichText::new("Reset").font(theme::font(theme::SIZE_BODY)))
                .on_hover_text("Start a new measurement (integrated, LRA, maxima, history)")
                .clicked()
            {
                r.request_reset();
            }
            Toggle::new(&p.auto_reset, setter, ACCENT)
                .label("Reset on play")
                .show(ui);
            if r.num_channels.load(Ordering::Relaxed) == 1 {
                Toggle::new(&p.dual_mono, setter, ACCENT)
                    .label("Dual mono")
                    .show(ui);
            }
            ui.label(
                egui::RichText::new(format!(
                    "Target {target:.1} LUFS, max {ceiling:.1} dBTP   ·   {}",
                    elapsed_text(r.elapsed_seconds.load())
                ))
                .font(theme::mono(theme::SIZE_SMALL))
                .color(theme::TEXT_DIM),
            );
        });
        ui.add_space(6.0);

        let integrated = r.integrated.load();
        let true_peak = r.true_peak_max.load();
        let bar_height = 290.0;
        ui.horizontal_top(|ui| {
            // Loudness bar: momentary (left) and short-term (right).
            LoudnessBar {
                momentary_lufs: r.momentary.load(),
                short_term_lufs: r.short_term.load(),
                target_lufs: target,
                range_lu,
                relative: units == Units::Lu,
                size: egui::vec2(96.0, bar_height),
            }
            .show(ui);

            // The kit's section header fills the width it is given: give it a fixed width.
            ui.allocate_ui(egui::vec2(2.0 * COLUMN_W + 30.0, bar_height), |ui| {
                section(
                    ui,
                    "Loudness",
                    ACCENT,
                    true,
                    |_| {},
                    |ui| {
                        ui.set_width(2.0 * COLUMN_W + 12.0);
                        readout(
                            ui,
                            "Integrated",
                            &loudness_text(integrated, target, units),
                            target_color(integrated - target),
                            theme::SIZE_READOUT * 1.6,
                            "Gated programme loudness since the last reset (BS.1770)",
                        );
                        ui.add_space(4.0);
                        let fig = |ui: &mut egui::Ui, label: &str, lufs: f32, tip: &str| {
                            readout(
                                ui,
                                label,
                                &loudness_text(lufs, target, units),
                                theme::TEXT,
                                theme::SIZE_READOUT * 0.8,
                                tip,
                            )
                        };
                        let provisional = r.lra_provisional();
                        let plr = r.plr.load();
                        ui.horizontal_top(|ui| {
                            ui.vertical(|ui| {
                                ui.set_width(COLUMN_W);
                                fig(
                                    ui,
                                    "Short-term",
                                    r.short_term.load(),
                                    "Last 3 s (EBU Tech 3341)",
                                );
                                ui.add_space(6.0);
                                fig(
                                    ui,
                                    "Max short-term",
                                    r.max_short_term.load(),
                                    "Highest short-term since the last reset",
                                );
                                ui.add_space(6.0);
                                readout(
                                    ui,
                                    if provisional {
                                        "Loudness range (provisional)"
                                    } else {
                                        "Loudness range"
                                    },
                                    &format!("{:.1} LU", r.loudness_range.load()),
                                    if provisional {
                                        theme::TEXT_DIM
                                    } else {
                                        theme::TEXT
                                    },
                                    theme::SIZE_READOUT * 0.8,
                                    "EBU Tech 3342: 10th to 95th percentile of the gated \
                                 short-term loudness; provisional for the first 60 s",
                                );
                            });
                            ui.vertical(|ui| {
                                ui.set_width(COLUMN_W);
                                fig(
                                    ui,
                                    "Momentary",
                                    r.momentary.load(),
                                    "Last 400 ms, evaluated every 10 ms",
                                );
                                ui.add_space(6.0);
                                fig(
                                    ui,
                                    "Max momentary",
                                    r.max_momentary.load(),
                                    "Highest momentary since the last reset",
                                );
                                ui.add_space(6.0);
                                readout(
                                    ui,
                                    "PLR",
                                    &if plr.is_finite() {
                                        format!("{plr:.1} dB")
                                    } else {
                                        "-".into()
                                    },
                                    theme::TEXT,
                                    theme::SIZE_READOUT * 0.8,
                                    "Peak-to-loudness ratio: true-peak max minus integrated",
                                );
                            });
                        });
                    },
                )
            });

            ui.allocate_ui(egui::vec2(190.0, bar_height), |ui| {
                section(
                    ui,
                    "Peaks",
                    ACCENT,
                    true,
                    |_| {},
                    |ui| {
                        ui.set_width(170.0);
                        let over = true_peak > ceiling;
                        readout(
                            ui,
                            "True peak max",
                            &db_text(true_peak, "dBTP"),
                            if !true_peak.is_finite() {
                                theme::TEXT_DIM
                            } else if over {
                                theme::BAD
                            } else {
                                theme::GOOD
                            },
                            theme::SIZE_READOUT,
                            "Highest inter-sample peak since the last reset, against the \
                         target's ceiling",
                        );
                        readout(
                            ui,
                            "Sample peak max",
                            &db_text(r.sample_peak_max.load(), "dBFS"),
                            theme::TEXT,
                            theme::SIZE_READOUT * 0.8,
                            "Highest sample magnitude since the last reset",
                        );
                        ui.add_space(4.0);
                        let n = (r.num_channels.load(Ordering::Relaxed) as usize)
                            .clamp(1, crate::readout::MAX_CHANNELS);
                        let mut levels = [f32::NEG_INFINITY; crate::readout::MAX_CHANNELS];
                        for (l, v) in levels.iter_mut().zip(&r.true_peak_now).take(n) {
                            let g = v.take();
                            *l = if g > 0.0 {
                                20.0 * g.log10()
                            } else {
                                f32::NEG_INFINITY
                            };
                        }
                        LevelMeter::new(&levels[..n], &mut self.holds[..n])
                            .range(-30.0, 3.0)
                            .ceiling(ceiling)
                            .clip_at(ceiling)
                            .size(egui::vec2(28.0 + 16.0 * n as f32, 160.0))
                            .label("True peak")
                            .show(ui);
                    },
                )
            });
        });
        ui.add_space(6.0);

        // History: momentary (dim) and short-term, one point per 100 ms.
        let written = r.history.written() as usize;
        let shown = written.min(self.momentary.len());
        self.momentary.fill(f32::NEG_INFINITY);
        self.short_term.fill(f32::NEG_INFINITY);
        r.history
            .read_latest(HISTORY_MOMENTARY, &mut self.momentary);
        r.history
            .read_latest(HISTORY_SHORT_TERM, &mut self.short_term);
        let seconds = shown as f32 / HISTORY_POINTS_PER_SECOND as f32;
        // Span: the whole measurement rounded up to a minute, at least one, at most ten.
        let span_s = ((seconds / 60.0).ceil() * 60.0).clamp(60.0, HISTORY_SECONDS as f32);
        let (lo, hi) = (target + range_lu.0, target + range_lu.1);
        let m_color = egui::Color32::from_rgba_unmultiplied(0x9a, 0xa0, 0xab, 150);
        let width = ui.available_width();
        HistoryGraph {
            traces: &[
                (&self.momentary[..], m_color),
                (&self.short_term[..], ACCENT.color()),
            ],
            point_s: 1.0 / HISTORY_POINTS_PER_SECOND as f32,
            span_s,
            min: lo,
            max: hi,
            lines: &[(target, theme::GOOD)],
            fill_from_top: false,
            unit: "",
            size: egui::vec2(width, 130.0),
        }
        .show(ui)
        .on_hover_text(format!(
            "Momentary (grey) and short-term ({}) loudness, LUFS, the last {:.0} min; green: \
             target",
            "accent",
            span_s / 60.0
        ));
        ui.add_space(4.0);
        let meter_w = (width * 0.5 - 140.0).max(120.0);
        ui.horizontal(|ui| {
            correlation_meter(ui, "Correlation", r.correlation.load(), false, meter_w);
            correlation_meter(ui, "Balance", r.balance.load(), true, meter_w);
        });
    }
}
