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
use shared_gui::widgets::{Selector, Slider, Toggle, section};
use shared_gui::{EditorBody, EditorSpec};
use std::collections::HashMap;
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
/// A section panel's margin and border below its contents, points.
const SECTION_BOTTOM: f32 = 9.0;
/// The history never gets shorter than this, points.
const MIN_HISTORY_H: f32 = 80.0;
/// The bar and figures row never gets shorter than this, points.
const MIN_TOP_H: f32 = 200.0;

pub struct Body {
    params: Arc<MeterParams>,
    readout: Arc<Readout>,
    holds: [PeakHold; crate::readout::MAX_CHANNELS],
    /// History copies (allocated once, refilled each frame from the ring).
    momentary: Vec<f32>,
    short_term: Vec<f32>,
    /// Widths of the controls on the last frame, by name (for wrapping them into rows).
    control_widths: HashMap<&'static str, f32>,
    /// Natural height of the loudness figures on the last frame.
    figures_h: f32,
    /// Where the history was drawn on the last frame.
    history_rect: egui::Rect,
    /// Height of the correlation row on the last frame.
    corr_h: f32,
}

pub type Editor = shared_gui::Editor<Body>;

pub fn create(params: Arc<MeterParams>, readout: Arc<Readout>) -> Option<Editor> {
    let memory = params.editor_state.clone();
    shared_gui::create_editor(SPEC, memory, Body::new(params, readout))
}

impl Body {
    fn new(params: Arc<MeterParams>, readout: Arc<Readout>) -> Self {
        let n = HISTORY_SECONDS * HISTORY_POINTS_PER_SECOND;
        Self {
            params,
            readout,
            holds: Default::default(),
            momentary: vec![f32::NEG_INFINITY; n],
            short_term: vec![f32::NEG_INFINITY; n],
            control_widths: HashMap::new(),
            figures_h: 0.0,
            history_rect: egui::Rect::NOTHING,
            corr_h: 20.0,
        }
    }
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

/// A control drawn by [`flow`]: its name (the key of its measured width) and how to draw it.
type Control<'a> = (&'static str, &'a mut dyn FnMut(&mut egui::Ui));

/// Lays `items` out left to right and starts a new row where the next one would cross the
/// right edge, using each item's width measured on the last frame (kept in `widths` by name):
/// controls wrap instead of running off the window, whatever is shown.
fn flow(ui: &mut egui::Ui, widths: &mut HashMap<&'static str, f32>, items: &mut [Control<'_>]) {
    let avail = ui.available_width();
    let gap = ui.spacing().item_spacing.x;
    let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
    let mut x = 0.0;
    for (i, (name, _)) in items.iter().enumerate() {
        let w = widths.get(name).copied().unwrap_or(0.0);
        let row = rows.last_mut().expect("one row");
        if !row.is_empty() && x + w > avail {
            rows.push(vec![i]);
            x = w + gap;
        } else {
            row.push(i);
            x += w + gap;
        }
    }
    for row in rows {
        ui.horizontal(|ui| {
            for i in row {
                let (name, item) = &mut items[i];
                let w = ui.scope(|ui| item(ui)).response.rect.width();
                widths.insert(*name, w);
            }
        });
    }
}

impl EditorBody for Body {
    fn ui(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        let p = self.params.clone();
        let r = self.readout.clone();
        let (target, ceiling) = p.target_figures();
        let units = p.units.value();
        let range_lu = p.scale.value().range_lu();
        let relative = units == Units::Lu;

        // Controls: one line each, wrapped into rows that fit the window.
        {
            let mut target_sel = |ui: &mut egui::Ui| {
                Selector::new(&p.target, setter)
                    .label("Target")
                    .width(260.0)
                    .show(ui);
            };
            let mut custom_target = |ui: &mut egui::Ui| {
                Slider::new(&p.custom_target_lufs, setter, ACCENT)
                    .label("Custom target")
                    .width(90.0)
                    .show(ui);
            };
            let mut custom_ceiling = |ui: &mut egui::Ui| {
                Slider::new(&p.custom_ceiling_dbtp, setter, ACCENT)
                    .label("TP ceiling")
                    .width(90.0)
                    .show(ui);
            };
            let mut scale_sel = |ui: &mut egui::Ui| {
                Selector::new(&p.scale, setter)
                    .label("Scale")
                    .width(90.0)
                    .show(ui);
            };
            let mut units_sel = |ui: &mut egui::Ui| {
                Selector::new(&p.units, setter)
                    .label("Units")
                    .width(130.0)
                    .show(ui);
            };
            let mut tp_sel = |ui: &mut egui::Ui| {
                Selector::new(&p.true_peak_mode, setter)
                    .label("True peak")
                    .width(130.0)
                    .show(ui);
            };
            let mut running = |ui: &mut egui::Ui| {
                Toggle::new(&p.running, setter, ACCENT)
                    .label(if p.running.value() {
                        "Measuring"
                    } else {
                        "Paused"
                    })
                    .show(ui);
            };
            let mut reset = |ui: &mut egui::Ui| {
                if ui
                    .button(egui::RichText::new("Reset").font(theme::font(theme::SIZE_BODY)))
                    .on_hover_text("Start a new measurement (integrated, LRA, maxima, history)")
                    .clicked()
                {
                    r.request_reset();
                }
            };
            let mut auto_reset = |ui: &mut egui::Ui| {
                Toggle::new(&p.auto_reset, setter, ACCENT)
                    .label("Reset on play")
                    .show(ui);
            };
            let mut dual_mono = |ui: &mut egui::Ui| {
                Toggle::new(&p.dual_mono, setter, ACCENT)
                    .label("Dual mono")
                    .show(ui);
            };
            let mut status = |ui: &mut egui::Ui| {
                ui.label(
                    egui::RichText::new(format!(
                        "Target {target:.1} LUFS, max {ceiling:.1} dBTP  ·  {}",
                        elapsed_text(r.elapsed_seconds.load())
                    ))
                    .font(theme::mono(theme::SIZE_SMALL))
                    .color(theme::TEXT_DIM),
                );
            };
            let custom = p.target.value() == Target::Custom;
            let mono = r.num_channels.load(Ordering::Relaxed) == 1;
            let mut items: Vec<Control<'_>> = vec![("target", &mut target_sel)];
            if custom {
                items.push(("custom target", &mut custom_target));
                items.push(("custom ceiling", &mut custom_ceiling));
            }
            items.push(("scale", &mut scale_sel));
            items.push(("units", &mut units_sel));
            items.push(("true peak", &mut tp_sel));
            items.push(("running", &mut running));
            items.push(("reset", &mut reset));
            items.push(("auto reset", &mut auto_reset));
            if mono {
                items.push(("dual mono", &mut dual_mono));
            }
            items.push(("status", &mut status));
            flow(ui, &mut self.control_widths, &mut items);
        }
        ui.add_space(6.0);

        // Below the controls everything scales with the window: the figures keep their natural
        // height (measured last frame), the bars and the history share the rest.
        let gap = ui.spacing().item_spacing;
        let cap_h = ui.text_style_height(&egui::TextStyle::Small);
        let corr_h = self.corr_h;
        // Spacing below: three item gaps and two 4-point spaces around the history.
        let free_h = ui.available_height() - corr_h - 3.0 * gap.y - 10.0;
        let top_h = (free_h * 0.6)
            .max(self.figures_h)
            .min(free_h - MIN_HISTORY_H)
            .max(MIN_TOP_H);
        let history_h = (free_h - top_h).max(MIN_HISTORY_H);
        let full_w = ui.available_width();
        let bar_w = 112.0;
        let peaks_w = 190.0;
        let loudness_w = (full_w - bar_w - peaks_w - 2.0 * gap.x).max(2.0 * 150.0 + 30.0);
        let column_w = (loudness_w - 30.0) * 0.5;

        let integrated = r.integrated.load();
        let true_peak = r.true_peak_max.load();
        ui.horizontal_top(|ui| {
            // Loudness bar: momentary (left) and short-term (right).
            LoudnessBar {
                momentary_lufs: r.momentary.load(),
                short_term_lufs: r.short_term.load(),
                target_lufs: target,
                range_lu,
                relative,
                size: egui::vec2(bar_w, top_h),
            }
            .show(ui);

            // The kit's section header fills the width it is given: give it a fixed width.
            let mut natural_h = 0.0;
            ui.allocate_ui(egui::vec2(loudness_w, top_h), |ui| {
                let top = ui.max_rect().top();
                section(
                    ui,
                    "Loudness",
                    ACCENT,
                    true,
                    |_| {},
                    |ui| {
                        ui.set_width(loudness_w - 18.0);
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
                                ui.set_width(column_w);
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
                                ui.set_width(column_w);
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
                        // The figures' own height (with the frame's bottom margin) sets the
                        // row's least height; the panel then reaches down to the row's end so
                        // it lines up with the bar and the peaks.
                        let content_bottom = ui.min_rect().bottom();
                        natural_h = content_bottom - top + SECTION_BOTTOM;
                        ui.add_space((top + top_h - SECTION_BOTTOM - content_bottom).max(0.0));
                    },
                )
            });
            self.figures_h = natural_h;

            ui.allocate_ui(egui::vec2(peaks_w, top_h), |ui| {
                section(
                    ui,
                    "Peaks",
                    ACCENT,
                    true,
                    |_| {},
                    |ui| {
                        ui.set_width(peaks_w - 20.0);
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
                        // The bars take the height the section has left.
                        let meter_h = (ui.available_height() - cap_h - 4.0).max(60.0);
                        LevelMeter::new(&levels[..n], &mut self.holds[..n])
                            .range(-30.0, 3.0)
                            .ceiling(ceiling)
                            .clip_at(ceiling)
                            .size(egui::vec2(30.0 + 16.0 * n as f32, meter_h))
                            .label("True peak, dBTP")
                            .show(ui);
                    },
                )
            });
        });
        ui.add_space(4.0);

        // History: momentary (dim) and short-term, one point per 100 ms, in the bar's units.
        let written = r.history.written() as usize;
        let shown = written.min(self.momentary.len());
        self.momentary.fill(f32::NEG_INFINITY);
        self.short_term.fill(f32::NEG_INFINITY);
        r.history
            .read_latest(HISTORY_MOMENTARY, &mut self.momentary);
        r.history
            .read_latest(HISTORY_SHORT_TERM, &mut self.short_term);
        // LU mode: the history is drawn relative to the target, like the bar and the figures.
        let offset = if relative { target } else { 0.0 };
        if relative {
            for v in self.momentary.iter_mut().chain(self.short_term.iter_mut()) {
                *v -= target;
            }
        }
        let seconds = shown as f32 / HISTORY_POINTS_PER_SECOND as f32;
        // Span: the whole measurement rounded up to a minute, at least one, at most ten.
        let span_s = ((seconds / 60.0).ceil() * 60.0).clamp(60.0, HISTORY_SECONDS as f32);
        let (lo, hi) = (target + range_lu.0 - offset, target + range_lu.1 - offset);
        let m_color = egui::Color32::from_rgba_unmultiplied(0x9a, 0xa0, 0xab, 150);
        let unit = if relative { "LU" } else { "LUFS" };
        let graph = HistoryGraph {
            traces: &[
                (&self.momentary[..], m_color),
                (&self.short_term[..], ACCENT.color()),
            ],
            point_s: 1.0 / HISTORY_POINTS_PER_SECOND as f32,
            span_s,
            min: lo,
            max: hi,
            lines: &[(target - offset, theme::GOOD)],
            fill_from_top: false,
            unit,
            origin: target - offset,
            size: egui::vec2(full_w, history_h),
        }
        .show(ui);
        self.history_rect = graph.rect;
        graph.on_hover_text(format!(
            "Momentary (grey) and short-term (accent) loudness, {unit}, the last {:.0} min; \
             green: the target",
            span_s / 60.0
        ));
        ui.add_space(4.0);
        let meter_w = ((full_w - 2.0 * gap.x) * 0.5 - 74.0 - 56.0 - 2.0 * gap.x).max(80.0);
        let corr = ui.horizontal(|ui| {
            correlation_meter(ui, "Correlation", r.correlation.load(), false, meter_w);
            ui.add_space(gap.x);
            correlation_meter(ui, "Balance", r.balance.load(), true, meter_w);
        });
        self.corr_h = corr.response.rect.height();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_gui::plots::headless::{layout_problems, run_body, set_param, test_sizes, texts};

    const TARGETS: [Target; 6] = [
        Target::EbuR128,
        Target::AtscA85,
        Target::Streaming14,
        Target::AppleMusic,
        Target::AesStreaming,
        Target::Custom,
    ];

    fn body() -> Body {
        Body::new(
            Arc::new(MeterParams::default()),
            Arc::new(Readout::default()),
        )
    }

    /// Every target, unit and channel count fits the minimum, the default and a 1.5x window:
    /// nothing drawn beyond it, no number cut (the Custom target's extra controls wrap).
    #[test]
    fn fits_with_every_target_at_every_size() {
        for (w, h) in test_sizes(&SPEC) {
            for target in TARGETS {
                for (units, mono) in [(Units::Lufs, false), (Units::Lu, true)] {
                    let mut b = body();
                    set_param(&b.params.target, target);
                    set_param(&b.params.units, units);
                    b.readout
                        .num_channels
                        .store(if mono { 1 } else { 2 }, Ordering::Relaxed);
                    let painted = run_body(&mut b, ACCENT, egui::vec2(w, h), 3);
                    let problems = layout_problems(&painted, 0.5);
                    assert!(
                        problems.is_empty(),
                        "{w}x{h} {target:?} {units:?}: {problems:#?}"
                    );
                }
            }
        }
    }

    /// The Custom target's controls are drawn (and still inside the window).
    #[test]
    fn custom_target_shows_its_controls() {
        let mut b = body();
        set_param(&b.params.target, Target::Custom);
        let painted = run_body(&mut b, ACCENT, egui::vec2(760.0, 540.0), 3);
        let t = texts(&painted);
        for name in ["Custom target", "TP ceiling", "True peak"] {
            let (_, r) = t
                .iter()
                .find(|(s, _)| s == name)
                .unwrap_or_else(|| panic!("{name} missing"));
            assert!(painted.window.contains_rect(*r), "{name} at {r:?}");
        }
    }

    /// The history is in the bar's units: LU relative to the target in LU mode, LUFS otherwise,
    /// its scale labelled with the unit; a reading lands at the same relative height.
    #[test]
    fn history_follows_the_units() {
        for units in [Units::Lufs, Units::Lu] {
            let mut b = body();
            set_param(&b.params.units, units);
            let painted = run_body(&mut b, ACCENT, egui::vec2(900.0, 600.0), 3);
            let t: Vec<String> = texts(&painted).into_iter().map(|(s, _)| s).collect();
            let count = |s: &str| t.iter().filter(|x| x.as_str() == s).count();
            let (unit, other) = match units {
                Units::Lu => ("LU", "LUFS"),
                Units::Lufs => ("LUFS", "LU"),
            };
            assert_eq!(count(unit), 2, "bar and history unit: {t:?}");
            assert_eq!(count(other), 0, "{t:?}");
            // LU mode numbers the bar and the history relative to the target (-9: 9 LU
            // below it), LUFS mode in absolute figures (-32 is 9 LU below -23). Neither number
            // is on the true-peak meter's scale.
            let relative = count("-9");
            let absolute = count("-32");
            match units {
                Units::Lu => assert!(relative >= 2 && absolute == 0, "{t:?}"),
                Units::Lufs => assert!(absolute >= 2 && relative == 0, "{t:?}"),
            }
        }
    }

    /// A larger window goes to the history (and the bars), not to empty space.
    #[test]
    fn history_takes_the_space() {
        let mut rects = Vec::new();
        for (w, h) in test_sizes(&SPEC) {
            let mut b = body();
            run_body(&mut b, ACCENT, egui::vec2(w, h), 3);
            rects.push(b.history_rect);
        }
        let sizes = test_sizes(&SPEC);
        let (grow_w, grow_h) = (sizes[2].0 - sizes[1].0, sizes[2].1 - sizes[1].1);
        assert!(
            rects[2].width() - rects[1].width() > 0.9 * grow_w,
            "{rects:?}"
        );
        assert!(
            rects[2].height() - rects[1].height() > 0.3 * grow_h,
            "{rects:?}"
        );
        assert!(rects[0].height() >= MIN_HISTORY_H - 0.5, "{rects:?}");
    }
}
