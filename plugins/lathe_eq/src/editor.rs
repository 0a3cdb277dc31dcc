//! The Mastering EQ's editor: the summed response and each band's curve on a log-frequency
//! plot with draggable band handles (drag: frequency and gain; wheel: Q; double-click on empty
//! space: switch on a free band there; right-click a handle: its type and channel), and a strip
//! of band controls below — all shared-gui widgets. The curves come from the same analytic
//! designs the audio uses (a display-only `EqBank` fed from the parameters): the matched
//! digital designs in zero-latency mode, the analog prototypes the kernels follow in linear
//! phase. Behind them, a real-time spectrum analyser (`shared_dsp::spectrum`, FFT 8192, Hann,
//! 75 % overlap, 1/6-octave smoothing, +4.5 dB/oct display tilt) of the input (grey) and the
//! output (accent colour); its FFTs run here, on the GUI thread, only while the editor is open.

use crate::engine::NUM_BANDS;
use crate::params::{BandParamSet, Channel, EqParams, Kind, Mode};
use nice_plug::prelude::{Enum, Param, ParamSetter};
use shared_dsp::exchange::SharedValue;
use shared_dsp::filter::EqBank;
use shared_dsp::spectrum::{SpectrumAnalyzer, log_frequencies};
use shared_gui::egui::{self, Color32, RichText, Stroke, Vec2};
use shared_gui::plots::freq_plot::{self, BandHandle, FreqPlot, HandleEvent};
use shared_gui::widgets::{Knob, Selector, Toggle};
use shared_gui::{Accent, EditorBody, EditorSpec, theme};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Title, accent colour and sizes of this editor.
pub const SPEC: EditorSpec = EditorSpec {
    title: "Lathe Mastering EQ",
    accent: Accent::Eq,
    default_size: (1140.0, 600.0),
    min_size: (1100.0, 560.0),
};

const A: Accent = Accent::Eq;

/// One colour per band, distinct on the dark plot.
const BAND_COLOURS: [Color32; NUM_BANDS] = [
    Color32::from_rgb(0xff, 0x6b, 0x6b),
    Color32::from_rgb(0xff, 0xa9, 0x4d),
    Color32::from_rgb(0xf7, 0xd8, 0x4a),
    Color32::from_rgb(0x8c, 0xe0, 0x6a),
    Color32::from_rgb(0x4d, 0xd8, 0xc8),
    Color32::from_rgb(0x5a, 0xa9, 0xff),
    Color32::from_rgb(0xa8, 0x8b, 0xff),
    Color32::from_rgb(0xff, 0x7f, 0xd0),
];

pub struct Body {
    params: Arc<EqParams>,
    sample_rate: Arc<SharedValue>,
    bank: EqBank,
    bank_rate: f32,
    menu_band: Option<usize>,
    /// Pre- and post-EQ analysers (absent in a second editor of the same instance).
    analyzers: Option<[SpectrumAnalyzer; 2]>,
    editor_open: Arc<AtomicBool>,
    freqs: Vec<f32>,
    spectra: [Vec<f32>; 2],
    view: AnalyserView,
    /// The view the analysers were last set up for (`None`: not yet).
    applied: Option<AnalyserView>,
}

/// Which spectra the analyser shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Show {
    Off,
    Pre,
    Post,
    Both,
}

/// The analyser's settings (the editor's own; they are not automatable parameters).
#[derive(Clone, Copy, Debug, PartialEq)]
struct AnalyserView {
    show: Show,
    /// Averaging: 0 fast, 1 medium, 2 slow.
    speed: usize,
    /// Frequency resolution: 0 low, 1 medium, 2 high.
    resolution: usize,
    freeze: bool,
}

impl Default for AnalyserView {
    fn default() -> Self {
        Self {
            show: Show::Both,
            speed: 1,
            resolution: 1,
            freeze: false,
        }
    }
}

/// Averaging time per speed, ms.
const SPEEDS: [(&str, f32); 3] = [("Fast", 100.0), ("Medium", 300.0), ("Slow", 1000.0)];
/// FFT size at 48 kHz per resolution.
const RESOLUTIONS: [(&str, usize); 3] = [("Low", 4096), ("Medium", 8192), ("High", 16384)];
/// Height of the band controls under the plot, points (the plot takes the rest).
const BANDS_HEIGHT: f32 = 218.0;

/// Points of the analyser trace.
const TRACE_POINTS: usize = 320;
/// The analyser's scale: 0 dBFS at the top of the plot, this at the bottom.
const TRACE_FLOOR_DB: f32 = -96.0;

pub type Editor = shared_gui::Editor<Body>;

pub fn create(
    params: Arc<EqParams>,
    sample_rate: Arc<SharedValue>,
    mut analyzers: Option<[SpectrumAnalyzer; 2]>,
    editor_open: Arc<AtomicBool>,
) -> Option<Editor> {
    let memory = params.editor_state.clone();
    if let Some(a) = &mut analyzers {
        for an in a.iter_mut() {
            an.set_tilt_db_per_octave(4.5);
        }
    }
    shared_gui::create_editor(
        SPEC,
        memory,
        Body::new(params, sample_rate, analyzers, editor_open),
    )
}

impl Body {
    fn new(
        params: Arc<EqParams>,
        sample_rate: Arc<SharedValue>,
        analyzers: Option<[SpectrumAnalyzer; 2]>,
        editor_open: Arc<AtomicBool>,
    ) -> Self {
        Body {
            params,
            sample_rate,
            bank: EqBank::new(NUM_BANDS),
            bank_rate: 0.0,
            menu_band: None,
            analyzers,
            editor_open,
            freqs: vec![0.0; TRACE_POINTS],
            spectra: [vec![0.0; TRACE_POINTS], vec![0.0; TRACE_POINTS]],
            view: AnalyserView::default(),
            applied: None,
        }
    }
}

fn set<P: Param>(setter: &ParamSetter, param: &P, value: P::Plain) {
    setter.begin_set_parameter(param);
    setter.set_parameter(param, value);
    setter.end_set_parameter(param);
}

impl Body {
    fn sync_bank(&mut self) {
        let sr = self.sample_rate.load().max(8000.0);
        if sr != self.bank_rate {
            self.bank.prepare(sr, 0);
            self.bank_rate = sr;
            self.applied = None;
            log_frequencies(10.0, 30_000f32.min(sr * 0.5), &mut self.freqs);
        }
        if self.applied != Some(self.view) {
            let fft_48k = RESOLUTIONS[self.view.resolution].1;
            if let Some(a) = &mut self.analyzers {
                for an in a.iter_mut() {
                    an.set_sample_rate(sr);
                    // Scaled with the rate: the same resolution in Hz.
                    an.set_fft_size((fft_48k as f32 * sr / 48_000.0) as usize);
                    an.set_averaging_ms(SPEEDS[self.view.speed].1);
                }
            }
            self.applied = Some(self.view);
        }
        for (i, b) in self.params.bands().iter().enumerate() {
            self.bank.set_band(i, b.band());
        }
    }

    fn plot(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        // The plot takes every point the band controls and the analyser row leave.
        let width = ui.available_width();
        let height = (ui.available_height() - BANDS_HEIGHT - 30.0).max(240.0);
        let plot = FreqPlot {
            f_min: 10.0,
            f_max: 30_000f64.min(self.bank_rate as f64 * 0.5),
            db_range: 24.0,
            size: Vec2::new(width, height),
        };
        let (frame, response) = plot.show_grid(ui);
        self.draw_spectra(ui, &frame);
        let params = self.params.clone();
        let bands = params.bands();
        // Linear phase follows the analog prototypes; zero latency the matched designs.
        let analog = params.mode.value() == Mode::LinearPhase;
        for (i, b) in bands.iter().enumerate() {
            if b.on.value() {
                let bank = &self.bank;
                freq_plot::curve(
                    ui,
                    &frame,
                    |f| {
                        if analog {
                            bank.band_analog_response_db(i, f)
                        } else {
                            bank.band_response_db(i, f)
                        }
                    },
                    Stroke::new(1.0, BAND_COLOURS[i].gamma_multiply(0.7)),
                    None,
                );
            }
        }
        let bank = &self.bank;
        let c = A.color();
        freq_plot::curve(
            ui,
            &frame,
            |f| {
                if analog {
                    bank.analog_response_db(f)
                } else {
                    bank.response_db(f)
                }
            },
            Stroke::new(2.5, c),
            Some(Color32::from_rgba_unmultiplied(c.r(), c.g(), c.b(), 36)),
        );
        // Handles for the bands that are on (double-click on empty space switches one on).
        let active: Vec<usize> = (0..NUM_BANDS).filter(|&i| bands[i].on.value()).collect();
        let handles: Vec<BandHandle> = active
            .iter()
            .map(|&i| {
                let band = bands[i].band();
                let gain = if band.kind.uses_gain() {
                    band.gain_db
                } else {
                    // Pass filters, notch, band-pass: the handle sits on the curve at its corner.
                    self.bank.band_response_db(i, band.freq_hz as f64) as f32
                };
                BandHandle {
                    freq_hz: band.freq_hz as f64,
                    gain_db: gain.clamp(-24.0, 24.0),
                    color: BAND_COLOURS[i],
                    enabled: band.enabled,
                    label: (i + 1) as u8,
                }
            })
            .collect();
        for event in freq_plot::handles(ui, &frame, &response, &handles) {
            self.handle_event(event.map_index(|h| active[h]), &bands, setter);
        }
        let menu_band = self.menu_band;
        response.context_menu(|ui| {
            if let Some(i) = menu_band {
                band_menu(ui, bands[i], i, setter);
            } else {
                ui.label("Right-click a band handle");
            }
        });
    }

    /// The input (grey) and output (warm white) spectra behind the curves, on their own dBFS
    /// scale at the left.
    fn draw_spectra(&mut self, ui: &mut egui::Ui, frame: &freq_plot::PlotFrame) {
        let Some(analyzers) = &mut self.analyzers else {
            return;
        };
        let view = self.view;
        let mut fresh = false;
        for (an, out) in analyzers.iter_mut().zip(self.spectra.iter_mut()) {
            if view.freeze || view.show == Show::Off {
                // Frozen or hidden: what arrives is dropped, the trace stays as it was.
                an.discard_pending();
            } else {
                fresh |= an.update();
                an.display_db(&self.freqs, out);
            }
        }
        if view.show == Show::Off {
            return;
        }
        let shown = [
            matches!(view.show, Show::Pre | Show::Both),
            matches!(view.show, Show::Post | Show::Both),
        ];
        let colours = [theme::SPECTRUM_PRE, theme::SPECTRUM_POST];
        for ((out, colour), on) in self.spectra.iter().zip(colours).zip(shown) {
            if on {
                let freqs = &self.freqs;
                freq_plot::spectrum(ui, frame, out, |i| freqs[i] as f64, TRACE_FLOOR_DB, colour);
            }
        }
        let scale = if shown[1] {
            theme::SPECTRUM_POST
        } else {
            theme::SPECTRUM_PRE
        };
        freq_plot::spectrum_scale(ui, frame, TRACE_FLOOR_DB, scale.gamma_multiply(0.8));
        // Keep drawing while audio arrives (the analysers average over 300 ms).
        if fresh || self.editor_open.load(Ordering::Relaxed) {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(33));
        }
    }

    /// The analyser's row under the plot: what it shows (with the trace colours as a legend),
    /// speed, resolution and freeze.
    fn analyser_row(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            shared_gui::widgets::caption(ui, "Analyser");
            let v = &mut self.view;
            egui::ComboBox::from_id_salt("eq-analyser-show")
                .width(96.0)
                .selected_text(show_name(v.show))
                .show_ui(ui, |ui| {
                    for s in [Show::Both, Show::Post, Show::Pre, Show::Off] {
                        ui.selectable_value(&mut v.show, s, show_name(s));
                    }
                })
                .response
                .on_hover_text("Which spectra the analyser draws behind the curve");
            legend(ui, theme::SPECTRUM_PRE, "In");
            legend(ui, theme::SPECTRUM_POST, "Out");
            ui.add_space(8.0);
            shared_gui::widgets::caption(ui, "Speed");
            egui::ComboBox::from_id_salt("eq-analyser-speed")
                .width(72.0)
                .selected_text(SPEEDS[v.speed].0)
                .show_ui(ui, |ui| {
                    for (i, (name, _)) in SPEEDS.iter().enumerate() {
                        ui.selectable_value(&mut v.speed, i, *name);
                    }
                })
                .response
                .on_hover_text("Averaging: fast 100 ms, medium 300 ms, slow 1 s");
            shared_gui::widgets::caption(ui, "Resolution");
            egui::ComboBox::from_id_salt("eq-analyser-resolution")
                .width(72.0)
                .selected_text(RESOLUTIONS[v.resolution].0)
                .show_ui(ui, |ui| {
                    for (i, (name, _)) in RESOLUTIONS.iter().enumerate() {
                        ui.selectable_value(&mut v.resolution, i, *name);
                    }
                })
                .response
                .on_hover_text("FFT size at 48 kHz: low 4096, medium 8192, high 16384");
            if shared_gui::widgets::toggle_button(ui, "Freeze", v.freeze, A.color())
                .on_hover_text("Hold the spectrum as it is now")
                .clicked()
            {
                v.freeze = !v.freeze;
            }
        });
    }

    fn handle_event(
        &mut self,
        event: HandleEvent,
        bands: &[&BandParamSet; NUM_BANDS],
        setter: &ParamSetter,
    ) {
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
                let b = bands[index];
                setter.set_parameter(&b.freq_hz, freq_hz as f32);
                if b.kind.value().band_type().uses_gain() {
                    setter.set_parameter(&b.gain_db, (gain_db * 10.0).round() / 10.0);
                }
            }
            HandleEvent::DragStopped(i) => {
                setter.end_set_parameter(&bands[i].freq_hz);
                setter.end_set_parameter(&bands[i].gain_db);
            }
            HandleEvent::Wheel { index, notches } => {
                let b = bands[index];
                set(setter, &b.q, b.q.value() * 1.15f32.powf(notches));
            }
            HandleEvent::AddAt { freq_hz, gain_db } => {
                // The free band whose type suits the spot: a bell if one is free, else any.
                let free = bands
                    .iter()
                    .position(|b| !b.on.value() && b.kind.value() == Kind::Bell)
                    .or_else(|| bands.iter().position(|b| !b.on.value()));
                if let Some(i) = free {
                    let b = bands[i];
                    set(setter, &b.freq_hz, freq_hz as f32);
                    set(setter, &b.gain_db, (gain_db * 10.0).round() / 10.0);
                    set(setter, &b.on, true);
                }
            }
            HandleEvent::Menu(i) => self.menu_band = Some(i),
        }
    }
}

fn show_name(s: Show) -> &'static str {
    match s {
        Show::Off => "Off",
        Show::Pre => "In",
        Show::Post => "Out",
        Show::Both => "In + Out",
    }
}

/// A colour swatch and its name: the legend of a trace.
fn legend(ui: &mut egui::Ui, colour: Color32, name: &str) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(16.0, 10.0), egui::Sense::hover());
    ui.painter().line_segment(
        [rect.left_center(), rect.right_center()],
        Stroke::new(2.0, colour),
    );
    ui.label(
        RichText::new(name)
            .font(theme::font(theme::SIZE_SMALL))
            .color(colour),
    );
}

/// The right-click menu of band `i`: on/off, type and channel.
fn band_menu(ui: &mut egui::Ui, b: &BandParamSet, i: usize, setter: &ParamSetter) {
    ui.label(
        RichText::new(format!("Band {}", i + 1))
            .color(BAND_COLOURS[i])
            .strong(),
    );
    let on = b.on.value();
    if ui
        .button(if on { "Switch off" } else { "Switch on" })
        .clicked()
    {
        set(setter, &b.on, !on);
        ui.close();
    }
    ui.separator();
    for idx in 0..Kind::variants().len() {
        let k = Kind::from_index(idx);
        if ui
            .selectable_label(b.kind.value() == k, Kind::variants()[idx])
            .clicked()
        {
            set(setter, &b.kind, k);
            ui.close();
        }
    }
    ui.separator();
    for idx in 0..Channel::variants().len() {
        let c = Channel::from_index(idx);
        if ui
            .selectable_label(b.channel.value() == c, Channel::variants()[idx])
            .clicked()
        {
            set(setter, &b.channel, c);
            ui.close();
        }
    }
}

fn band_column(ui: &mut egui::Ui, i: usize, b: &BandParamSet, setter: &ParamSetter, width: f32) {
    let on = b.on.value();
    let colour = BAND_COLOURS[i];
    let knob = |param, label| {
        Knob::for_sink(shared_gui::binding::Bound::new(param, setter), colour)
            .label(label)
            .diameter(30.0)
            .width(58.0)
    };
    egui::Frame::new()
        .fill(theme::PANEL)
        .stroke(Stroke::new(1.0, if on { colour } else { theme::GRID }))
        .corner_radius(egui::CornerRadius::same(theme::ROUNDING))
        .inner_margin(egui::Margin::same(4))
        .show(ui, |ui| {
            ui.set_width(width);
            ui.vertical_centered(|ui| {
                ui.spacing_mut().item_spacing = egui::vec2(2.0, 3.0);
                Toggle::for_sink(shared_gui::binding::Bound::new(&b.on, setter), colour)
                    .label(&format!("Band {}", i + 1))
                    .show(ui);
                if !on {
                    ui.multiply_opacity(0.5);
                }
                Selector::new(&b.kind, setter).width(104.0).show(ui);
                let kind = b.kind.value().band_type();
                ui.horizontal(|ui| {
                    knob(&b.freq_hz, "Freq").show(ui);
                    if kind.uses_gain() {
                        knob(&b.gain_db, "Gain").show(ui);
                    } else if kind.uses_q() {
                        knob(&b.q, "Q").show(ui);
                    }
                });
                if kind.uses_order() {
                    Selector::new(&b.slope, setter).width(104.0).show(ui);
                } else if kind.uses_gain() && kind.uses_q() {
                    knob(&b.q, "Q").show(ui);
                }
                Selector::new(&b.channel, setter).width(104.0).show(ui);
            });
        });
}

impl EditorBody for Body {
    /// Output gain, auto gain, polarity and bypass live in the title bar (laid out right to left).
    fn title_bar(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        let p = self.params.clone();
        ui.add_space(12.0);
        Toggle::new(&p.bypass, setter, A).show(ui);
        Selector::new(&p.mode, setter).width(118.0).show(ui);
        Toggle::new(&p.invert, setter, A).label("Invert").show(ui);
        Toggle::new(&p.auto_gain, setter, A).show(ui);
        ui.allocate_ui_with_layout(
            Vec2::new(290.0, 20.0),
            egui::Layout::left_to_right(egui::Align::Center),
            |ui| {
                shared_gui::widgets::Slider::new(&p.output_db, setter, A)
                    .label("Output")
                    .width(110.0)
                    .show(ui);
            },
        );
    }

    fn set_open(&mut self, open: bool) {
        self.editor_open.store(open, Ordering::Relaxed);
        if let Some(a) = &mut self.analyzers {
            for an in a.iter_mut() {
                // Drop what queued while closed: the trace starts from the present.
                an.discard_pending();
                an.reset();
            }
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        self.sync_bank();
        self.plot(ui, setter);
        if self.analyzers.is_some() {
            self.analyser_row(ui);
        }
        ui.add_space(4.0);
        let p = self.params.clone();
        // The eight columns share the width (no empty space at the right of a wide window).
        let gap = ui.spacing().item_spacing.x;
        let width = ((ui.available_width() - gap * 7.0) / 8.0 - 10.0).clamp(112.0, 200.0);
        ui.horizontal_top(|ui| {
            for (i, b) in p.bands().iter().enumerate() {
                band_column(ui, i, b, setter, width);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::spectrum::SpectrumAnalyzer;
    use shared_gui::plots::headless::{layout_problems, run_body, set_param, test_sizes};

    fn body() -> Body {
        let analyzers = Some([
            SpectrumAnalyzer::new(48_000.0, 8192),
            SpectrumAnalyzer::new(48_000.0, 8192),
        ]);
        Body::new(
            Arc::new(EqParams::default()),
            Arc::new(SharedValue::new(48_000.0)),
            analyzers,
            Arc::new(AtomicBool::new(true)),
        )
    }

    /// Nothing is drawn beyond the window and no label is cut, at the minimum, the default and a
    /// 1.5x window, with every band on; and the plot takes a larger window's space.
    #[test]
    fn fits_at_every_size_and_the_plot_grows() {
        let sizes = test_sizes(&SPEC);
        let mut plot_areas = Vec::new();
        for (w, h) in sizes {
            let mut b = body();
            for band in b.params.bands() {
                set_param(&band.on, true);
            }
            let painted = run_body(&mut b, A, Vec2::new(w, h), 3);
            let problems = layout_problems(&painted, 0.5);
            assert!(problems.is_empty(), "{w}x{h}: {problems:#?}");
            // The plot is the largest filled rectangle drawn: its well.
            let plot = painted
                .shapes
                .iter()
                .filter_map(|s| match &s.shape {
                    egui::Shape::Rect(r) if r.fill == theme::WELL => Some(r.rect.area()),
                    _ => None,
                })
                .fold(0.0f32, f32::max);
            plot_areas.push(plot);
        }
        let (def, large) = (plot_areas[1], plot_areas[2]);
        assert!(
            large > 1.8 * def,
            "plot area {def} -> {large} at 1.5x the window"
        );
    }
}
