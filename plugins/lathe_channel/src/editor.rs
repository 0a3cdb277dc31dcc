//! The Channel Strip's editor: one screen, sections left to right in signal order between the
//! input and output meters — input, filters, gate (with its gain-reduction meter), EQ (the
//! filters' and bands' summed curve on a log-frequency plot), compressor (its transfer curve
//! with the detector's level dot, and its gain-reduction meter), output (pan, width, gain). The
//! title bar holds the factory presets, the dynamics order and the bypass. All shared-gui widgets;
//! the curves come from the same analytic designs the audio uses (display-only copies fed from
//! the parameters), the meters from the lock-free readout.

use crate::params::{ChannelParams, EqBandParams};
use crate::presets::{self, PRESETS};
use crate::readout::Readout;
use nice_plug::prelude::{ParamPtr, ParamSetter};
use shared_dsp::filter::{BandParams, EqBank};
use shared_dsp::util::gain_to_db;
use shared_gui::egui::{self, Color32, Stroke, Vec2};
use shared_gui::meters::{LevelMeter, PeakHold, gain_reduction_meter};
use shared_gui::plots::TransferPlot;
use shared_gui::plots::freq_plot::{self, BandHandle, FreqPlot, HandleEvent};
use shared_gui::widgets::{Knob, Power, Selector, Toggle, pick_menu_marked, section};
use shared_gui::{Accent, EditorBody, EditorSpec};
use std::sync::Arc;

/// Title, accent colour and sizes of this editor.
pub const SPEC: EditorSpec = EditorSpec {
    title: "Lathe Channel Strip",
    accent: Accent::Channel,
    default_size: (1270.0, 560.0),
    min_size: (1270.0, 540.0),
};

const A: Accent = Accent::Channel;
const KNOB: f32 = 30.0;
const KNOB_W: f32 = 60.0;
/// Meter height at the minimum window size; meters and plots grow with the window.
const METER_H: f32 = 462.0;
/// Contents widths of the sections, fixed so switching a section on or off never moves the
/// others (the EQ's grows with the window).
const INPUT_W: f32 = 64.0;
const SIDE_W: f32 = 90.0;
const GATE_W: f32 = 160.0;
const EQ_W: f32 = 328.0;
const COMP_W: f32 = 266.0;

/// Band colours on the EQ plot (filters, then bands 1–4).
const BAND_COLOURS: [Color32; 4] = [
    Color32::from_rgb(0xff, 0x8a, 0x5c),
    Color32::from_rgb(0xf7, 0xd8, 0x4a),
    Color32::from_rgb(0x8c, 0xe0, 0x6a),
    Color32::from_rgb(0xc8, 0x8b, 0xff),
];

pub struct Body {
    params: Arc<ChannelParams>,
    readout: Arc<Readout>,
    in_holds: [PeakHold; 2],
    out_holds: [PeakHold; 2],
    /// Display-only bank: high-pass, low-pass, EQ bands 1–4.
    bank: EqBank,
    bank_rate: f32,
    gate_gr: f32,
    comp_gr: f32,
    /// The factory preset picked last (its name shows, with a mark once edited).
    loaded: Option<usize>,
    /// Every factory preset's parameter values, resolved once (each frame compares the
    /// parameters with them rather than parsing every preset's texts again).
    preset_values: Vec<Vec<(ParamPtr, f32)>>,
}

pub type Editor = shared_gui::Editor<Body>;

pub fn create(params: Arc<ChannelParams>, readout: Arc<Readout>) -> Option<Editor> {
    let memory = params.editor_state.clone();
    shared_gui::create_editor(SPEC, memory, Body::new(params, readout))
}

impl Body {
    fn new(params: Arc<ChannelParams>, readout: Arc<Readout>) -> Self {
        // Every preset resolves (tested in `every_preset_is_valid_and_changes_the_sound`).
        let preset_values = PRESETS
            .iter()
            .map(|q| presets::resolve(&*params, q).unwrap_or_default())
            .collect();
        Body {
            params,
            readout,
            in_holds: Default::default(),
            out_holds: Default::default(),
            bank: EqBank::new(6),
            bank_rate: 0.0,
            gate_gr: 0.0,
            comp_gr: 0.0,
            loaded: None,
            preset_values,
        }
    }
}

fn knob<'a, P: nice_plug::prelude::Param + 'static>(
    p: &'a P,
    setter: &'a ParamSetter<'a>,
    label: &'a str,
) -> Knob<'a, shared_gui::binding::Bound<'a, P>> {
    Knob::new(p, setter, A)
        .label(label)
        .diameter(KNOB)
        .width(KNOB_W)
}

/// A meter value that falls back at a display rate rather than jumping to 0 between reads.
fn ballistic(shown: &mut f32, taken: f32) -> f32 {
    *shown = if taken >= *shown {
        taken
    } else {
        (*shown - 0.6).max(taken)
    };
    *shown
}

impl Body {
    fn sync_bank(&mut self) {
        let sr = self.readout.sample_rate.load().max(8000.0);
        if sr != self.bank_rate {
            self.bank.prepare(sr, 0);
            self.bank_rate = sr;
        }
        let s = self.params.settings();
        self.bank.set_band(
            0,
            BandParams::high_pass(s.high_pass.freq_hz, s.high_pass.order)
                .with_enabled(s.high_pass.on),
        );
        self.bank.set_band(
            1,
            BandParams::low_pass(s.low_pass.freq_hz, s.low_pass.order).with_enabled(s.low_pass.on),
        );
        for (i, b) in s.eq.iter().enumerate() {
            self.bank
                .set_band(2 + i, b.with_enabled(b.enabled && s.eq_on));
        }
    }

    fn eq_plot(&mut self, ui: &mut egui::Ui, setter: &ParamSetter, size: Vec2) {
        let plot = FreqPlot {
            f_min: 20.0,
            f_max: 20_000f64.min(self.bank_rate as f64 * 0.5),
            db_range: 18.0,
            size,
        };
        let (frame, response) = plot.show_grid(ui);
        let bank = &self.bank;
        for (i, colour) in BAND_COLOURS.iter().enumerate() {
            if bank.band(2 + i).enabled {
                freq_plot::curve(
                    ui,
                    &frame,
                    |f| bank.band_response_db(2 + i, f),
                    Stroke::new(1.0, colour.gamma_multiply(0.7)),
                    None,
                );
            }
        }
        let c = A.color();
        freq_plot::curve(
            ui,
            &frame,
            |f| bank.response_db(f),
            Stroke::new(2.0, c),
            Some(Color32::from_rgba_unmultiplied(c.r(), c.g(), c.b(), 36)),
        );
        let p = self.params.clone();
        let bands = self.bands(&p);
        let handles: Vec<BandHandle> = bands
            .iter()
            .enumerate()
            .map(|(i, b)| BandHandle {
                freq_hz: b.freq_hz.value() as f64,
                gain_db: b.gain_db.value(),
                color: BAND_COLOURS[i],
                enabled: b.on.value() && p.eq_on.value(),
                label: (i + 1) as u8,
            })
            .collect();
        for event in freq_plot::handles(ui, &frame, &response, &handles) {
            match event {
                HandleEvent::DragStarted(i) => {
                    setter.begin_set_parameter(&bands[i].freq_hz);
                    setter.begin_set_parameter(&bands[i].gain_db);
                }
                HandleEvent::Dragged {
                    index,
                    freq_hz,
                    gain_db,
                } => {
                    setter.set_parameter(&bands[index].freq_hz, freq_hz as f32);
                    setter.set_parameter(&bands[index].gain_db, (gain_db * 10.0).round() / 10.0);
                }
                HandleEvent::DragStopped(i) => {
                    setter.end_set_parameter(&bands[i].freq_hz);
                    setter.end_set_parameter(&bands[i].gain_db);
                }
                HandleEvent::Wheel { index, notches } => {
                    let q = &bands[index].q;
                    setter.begin_set_parameter(q);
                    setter.set_parameter(q, q.value() * 1.15f32.powf(notches));
                    setter.end_set_parameter(q);
                }
                HandleEvent::AddAt { .. } | HandleEvent::Menu(_) => {}
            }
        }
    }

    fn bands<'a>(&self, p: &'a ChannelParams) -> [&'a EqBandParams; 4] {
        [&p.e1, &p.e2, &p.e3, &p.e4]
    }
}

fn band_column(
    ui: &mut egui::Ui,
    i: usize,
    b: &EqBandParams,
    kind: Option<&dyn Fn(&mut egui::Ui)>,
    setter: &ParamSetter,
    width: f32,
) {
    let layout = egui::Layout::top_down(egui::Align::Center);
    ui.allocate_ui_with_layout(Vec2::new(width, 0.0), layout, |ui| {
        ui.set_width(width);
        ui.spacing_mut().item_spacing = egui::vec2(2.0, 2.0);
        Toggle::for_sink(
            shared_gui::binding::Bound::new(&b.on, setter),
            BAND_COLOURS[i],
        )
        .label(["Band 1", "Band 2", "Band 3", "Band 4"][i])
        .show(ui);
        match kind {
            Some(k) => k(ui),
            None => {
                // The middle bands are always bells: the same box as the outer bands' type
                // menus, greyed out, so the row reads as one.
                ui.add_enabled_ui(false, |ui| {
                    egui::ComboBox::from_id_salt(("band-type", i))
                        .width(60.0)
                        .selected_text("Bell")
                        .show_ui(ui, |_| {});
                })
                .response
                .on_disabled_hover_text("Bands 2 and 3 are bells");
            }
        }
        knob(&b.freq_hz, setter, "Freq").show(ui);
        knob(&b.gain_db, setter, "Gain").show(ui);
        knob(&b.q, setter, "Q").show(ui);
    });
}

impl EditorBody for Body {
    fn title_bar(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        let p = self.params.clone();
        ui.add_space(12.0);
        Toggle::new(&p.bypass, setter, A).show(ui);
        Selector::new(&p.order, setter).width(130.0).show(ui);
        let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
        // The preset loaded last, marked "*" once edited; else one the settings match exactly.
        let current = match self.loaded {
            Some(i) => Some((i, !presets::holds(&self.preset_values[i]))),
            None => self
                .preset_values
                .iter()
                .position(|values| !values.is_empty() && presets::holds(values))
                .map(|i| (i, false)),
        };
        let caption = match current {
            Some((i, false)) => PRESETS[i].name.to_string(),
            Some((i, true)) => format!("{} *", PRESETS[i].name),
            None => "Presets".to_string(),
        };
        if let Some(i) = pick_menu_marked(
            ui,
            "presets",
            &caption,
            current.map(|(i, _)| i),
            &names,
            "Factory starting points: every parameter is set (recorded as automation gestures); \
             * marks a preset edited since",
        ) {
            presets::apply(&*p, setter.raw_context, &PRESETS[i]);
            self.loaded = Some(i);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        self.sync_bank();
        let p = self.params.clone();
        let r = self.readout.clone();
        let ins: [f32; 2] = std::array::from_fn(|c| gain_to_db(r.input_peak[c].take()));
        let outs: [f32; 2] = std::array::from_fn(|c| gain_to_db(r.output_peak[c].take()));
        let gate_gr = ballistic(&mut self.gate_gr, r.gate_gr_db.take());
        let comp_gr = ballistic(&mut self.comp_gr, r.comp_gr_db.take());
        let comp_level = r.comp_level_db.load();
        // What the window gives beyond its minimum goes to the meters, the EQ plot and the
        // gain-reduction meters; the sections keep their widths.
        let min_body_w = SPEC.min_size.0 - 16.0;
        let extra_w = (ui.available_width() - min_body_w).max(0.0);
        // A section is its contents (h - 24) plus header and margins: 22 more than h.
        let h = (ui.available_height() - 22.0).max(METER_H);
        let extra_h = h - METER_H;
        let eq_w = EQ_W + extra_w;
        ui.horizontal_top(|ui| {
            ui.spacing_mut().item_spacing.x = 6.0;
            LevelMeter::new(&ins, &mut self.in_holds)
                .range(-60.0, 6.0)
                .size(Vec2::new(34.0, h))
                .label("In")
                .show(ui);

            section(
                ui,
                "Input",
                A,
                true,
                |_| {},
                |ui| {
                    ui.set_min_height(h - 24.0);
                    ui.set_width(INPUT_W);
                    knob(&p.trim_db, setter, "Trim").show(ui);
                    ui.add_space(8.0);
                    shared_gui::widgets::caption(ui, "Polarity");
                    Toggle::new(&p.invert_left, setter, A).label("Ø L").show(ui);
                    Toggle::new(&p.invert_right, setter, A)
                        .label("Ø R")
                        .show(ui);
                },
            );

            section(
                ui,
                "Filters",
                A,
                p.hp_on.value() || p.lp_on.value(),
                |_| {},
                |ui| {
                    ui.set_min_height(h - 24.0);
                    ui.set_width(SIDE_W);
                    Toggle::new(&p.hp_on, setter, A).label("High-pass").show(ui);
                    knob(&p.hp_freq, setter, "HP Freq").show(ui);
                    Selector::new(&p.hp_slope, setter).width(84.0).show(ui);
                    ui.add_space(14.0);
                    Toggle::new(&p.lp_on, setter, A).label("Low-pass").show(ui);
                    knob(&p.lp_freq, setter, "LP Freq").show(ui);
                    Selector::new(&p.lp_slope, setter).width(84.0).show(ui);
                },
            );

            section(
                ui,
                "Gate",
                A,
                p.gt_on.value(),
                |ui| {
                    Power::new(&p.gt_on, setter, A).show(ui);
                },
                |ui| {
                    ui.set_min_height(h - 24.0);
                    ui.set_width(GATE_W);
                    ui.horizontal_top(|ui| {
                        ui.vertical(|ui| {
                            ui.horizontal(|ui| {
                                knob(&p.gt_thr, setter, "Threshold").show(ui);
                                knob(&p.gt_range, setter, "Range").show(ui);
                            });
                            ui.horizontal(|ui| {
                                knob(&p.gt_ratio, setter, "Ratio").show(ui);
                                knob(&p.gt_att, setter, "Attack").show(ui);
                            });
                            ui.horizontal(|ui| {
                                knob(&p.gt_hold, setter, "Hold").show(ui);
                                knob(&p.gt_rel, setter, "Release").show(ui);
                            });
                            ui.horizontal(|ui| {
                                knob(&p.gt_schp, setter, "Key HP").show(ui);
                            });
                            Selector::new(&p.gt_key, setter)
                                .label("Key")
                                .width(84.0)
                                .show(ui);
                        });
                        gain_reduction_meter(
                            ui,
                            "GR",
                            gate_gr,
                            60.0,
                            Vec2::new(16.0, 330.0 + extra_h),
                        );
                    });
                },
            );

            section(
                ui,
                "EQ",
                A,
                p.eq_on.value(),
                |ui| {
                    Power::new(&p.eq_on, setter, A).show(ui);
                },
                |ui| {
                    ui.set_min_height(h - 24.0);
                    ui.set_width(eq_w);
                    self.eq_plot(ui, setter, Vec2::new(eq_w, 150.0 + extra_h * 0.8));
                    ui.add_space(4.0);
                    ui.horizontal_top(|ui| {
                        let low = |ui: &mut egui::Ui| {
                            Selector::new(&p.e1_type, setter).width(60.0).show(ui);
                        };
                        let high = |ui: &mut egui::Ui| {
                            Selector::new(&p.e4_type, setter).width(60.0).show(ui);
                        };
                        let col = (eq_w - 3.0 * ui.spacing().item_spacing.x) / 4.0;
                        band_column(ui, 0, &p.e1, Some(&low), setter, col);
                        band_column(ui, 1, &p.e2, None, setter, col);
                        band_column(ui, 2, &p.e3, None, setter, col);
                        band_column(ui, 3, &p.e4, Some(&high), setter, col);
                    });
                },
            );

            section(
                ui,
                "Compressor",
                A,
                p.cp_on.value(),
                |ui| {
                    Power::new(&p.cp_on, setter, A).show(ui);
                },
                |ui| {
                    ui.set_min_height(h - 24.0);
                    ui.set_width(COMP_W);
                    ui.horizontal_top(|ui| {
                        let comp = p.comp();
                        TransferPlot {
                            min_db: -60.0,
                            max_db: 0.0,
                            size: 150.0,
                            grid_db: 12.0,
                        }
                        .show(
                            ui,
                            |x| comp.static_curve_db(x),
                            p.cp_on.value().then_some(comp_level),
                            A.color(),
                        );
                        gain_reduction_meter(ui, "GR", comp_gr, 24.0, Vec2::new(16.0, 132.0));
                        ui.vertical(|ui| {
                            ui.spacing_mut().item_spacing.y = 3.0;
                            Toggle::new(&p.cp_auto, setter, A)
                                .label("Auto rel")
                                .show(ui);
                            Toggle::new(&p.cp_makeup, setter, A)
                                .label("Auto gain")
                                .show(ui);
                            Selector::new(&p.cp_det, setter).width(60.0).show(ui);
                            Selector::new(&p.cp_ext, setter).width(60.0).show(ui);
                        });
                    });
                    ui.horizontal(|ui| {
                        knob(&p.cp_thr, setter, "Threshold").show(ui);
                        knob(&p.cp_ratio, setter, "Ratio").show(ui);
                        knob(&p.cp_knee, setter, "Knee").show(ui);
                        knob(&p.cp_att, setter, "Attack").show(ui);
                    });
                    ui.horizontal(|ui| {
                        knob(&p.cp_rel, setter, "Release").show(ui);
                        knob(&p.cp_link, setter, "Link").show(ui);
                        knob(&p.cp_schp, setter, "Key HP").show(ui);
                        knob(&p.cp_gain, setter, "Makeup").show(ui);
                    });
                    ui.horizontal(|ui| {
                        knob(&p.cp_mix, setter, "Mix").show(ui);
                    });
                },
            );

            section(
                ui,
                "Output",
                A,
                true,
                |_| {},
                |ui| {
                    ui.set_min_height(h - 24.0);
                    ui.set_width(SIDE_W);
                    knob(&p.pan, setter, "Pan").show(ui);
                    shared_gui::widgets::caption(ui, "Pan law");
                    Selector::new(&p.pan_law, setter).width(84.0).show(ui);
                    knob(&p.width, setter, "Width").show(ui);
                    Toggle::new(&p.mono, setter, A).show(ui);
                    ui.add_space(10.0);
                    knob(&p.output_db, setter, "Output").show(ui);
                },
            );

            LevelMeter::new(&outs, &mut self.out_holds)
                .range(-60.0, 6.0)
                .size(Vec2::new(34.0, h))
                .label("Out")
                .show(ui);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_gui::plots::headless::{layout_problems, run_body, set_param, test_sizes};

    /// Nothing is drawn beyond the window and no label is cut at the minimum, the default and a
    /// 1.5x window, with every section off and on; switching sections on moves no section.
    #[test]
    fn fits_at_every_size_and_sections_never_move() {
        let sizes = test_sizes(&SPEC);
        for (w, h) in sizes {
            let mut edges = Vec::new();
            for on in [false, true] {
                let mut b = Body::new(
                    Arc::new(ChannelParams::default()),
                    Arc::new(Readout::default()),
                );
                for p in [&b.params.gt_on, &b.params.eq_on, &b.params.cp_on] {
                    set_param(p, on);
                }
                for p in [&b.params.hp_on, &b.params.lp_on] {
                    set_param(p, on);
                }
                let painted = run_body(&mut b, A, Vec2::new(w, h), 3);
                let problems = layout_problems(&painted, 0.5);
                assert!(
                    problems.is_empty(),
                    "{w}x{h}, sections on: {on}: {problems:#?}"
                );
                // Where the sections' panels are: every filled PANEL rectangle's left edge.
                let mut lefts: Vec<i32> = painted
                    .shapes
                    .iter()
                    .filter_map(|s| match &s.shape {
                        egui::Shape::Rect(r) if r.fill == shared_gui::theme::PANEL => {
                            Some(r.rect.left().round() as i32)
                        }
                        _ => None,
                    })
                    .collect();
                lefts.sort_unstable();
                lefts.dedup();
                edges.push(lefts);
            }
            assert!(
                edges[0].len() >= 6,
                "{w}x{h}: sections found at {:?}",
                edges[0]
            );
            assert_eq!(
                edges[0], edges[1],
                "{w}x{h}: sections moved when switched on"
            );
        }
    }
}
