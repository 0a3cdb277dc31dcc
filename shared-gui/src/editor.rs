//! The one editor shell every Lathe plugin uses: the theme, a title bar (plugin name in its
//! accent colour, scale control), a resize corner, the size and scale restored from and saved
//! to the plugin state, and the plugin's own body drawn below.

use crate::theme::{self, Accent};
use lathe_plugin::memory::{EditorGeometry, EditorMemory, SCALES, env_scale, env_size};
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::ParamSetter;
use nice_plug_egui::{
    EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, create_egui_editor,
};
use std::sync::Arc;

/// A plugin editor's contents below the title bar.
pub trait EditorBody: Send + 'static {
    /// Draws the body. `setter` sends parameter gestures to the host.
    fn ui(&mut self, ui: &mut egui::Ui, setter: &ParamSetter);

    /// Extra widgets at the right of the title bar (e.g. a preset menu).
    fn title_bar(&mut self, _ui: &mut egui::Ui, _setter: &ParamSetter) {}

    /// The editor window opened or closed (start/stop GUI-only analysis).
    fn set_open(&mut self, _open: bool) {}
}

/// Fixed facts about a plugin's editor.
#[derive(Clone, Copy, Debug)]
pub struct EditorSpec {
    pub title: &'static str,
    pub accent: Accent,
    /// Default (and minimum) logical size.
    pub default_size: (f32, f32),
    pub min_size: (f32, f32),
}

/// The framework-facing app.
pub struct LatheApp<B: EditorBody> {
    spec: EditorSpec,
    memory: Arc<EditorMemory>,
    body: B,
    context: Option<GuiContext>,
    restore_pending: bool,
    /// The screen's size in pixels when the editor was created (`None`: unknown).
    screen: Option<(f32, f32)>,
}

/// The editor type a plugin declares: `type Editor = shared_gui::Editor<MyBody>`.
pub type Editor<B> = EguiEditor<LatheApp<B>>;

/// Builds the editor. `memory` is the plugin's `#[persist = "editor"]` field; the window opens
/// at its size and scale.
pub fn create_editor<B: EditorBody>(
    spec: EditorSpec,
    memory: Arc<EditorMemory>,
    body: B,
) -> Option<Editor<B>> {
    let screen = crate::screen::screen_px();
    let mut geometry = read(&memory, &spec);
    geometry.scale = env_scale().unwrap_or(geometry.scale);
    if let Some((w, h)) = env_size() {
        (geometry.width, geometry.height) = (w.max(spec.min_size.0), h.max(spec.min_size.1));
    }
    // Never larger than the screen: the saved size and scale may come from a bigger one.
    let geometry = crate::screen::fit(geometry, spec.min_size, screen);
    write(&memory, |g| *g = geometry);
    let state = EguiEditorState::from_size(
        nice_plug::editor::dpi::LogicalSize::new(geometry.width, geometry.height),
        geometry.scale,
    );
    create_egui_editor(
        state,
        Default::default(),
        EguiNiceSettings::new()
            .with_tile(spec.title)
            .with_resize_hint(nice_plug::editor::ResizeHint {
                can_resize: true,
                can_resize_horizontally: true,
                can_resize_vertically: true,
                ..Default::default()
            }),
        LatheApp {
            spec,
            memory,
            body,
            context: None,
            restore_pending: false,
            screen,
        },
    )
}

fn read(memory: &EditorMemory, spec: &EditorSpec) -> EditorGeometry {
    let mut g = memory.read().map(|g| *g).unwrap_or(EditorGeometry {
        width: 0.0,
        height: 0.0,
        scale: 1.0,
    });
    // A size of 0 means "never resized": the plugin's default size.
    if g.width <= 0.0 || g.height <= 0.0 {
        g.width = spec.default_size.0;
        g.height = spec.default_size.1;
    }
    g.sanitized(spec.min_size)
}

fn write(memory: &EditorMemory, update: impl FnOnce(&mut EditorGeometry)) {
    if let Ok(mut g) = memory.write() {
        update(&mut g);
    }
}

impl<B: EditorBody> NiceEguiApp for LatheApp<B> {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&egui_ctx, self.spec.accent);
        self.context = Some(nice_gui_ctx);
        self.restore_pending = true;
        self.body.set_open(true);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(context) = &self.context else {
            return;
        };
        let setter = context.param_setter();
        if std::mem::take(&mut self.restore_pending) {
            let g = read(&self.memory, &self.spec);
            let size = egui::vec2(g.width, g.height);
            if (ui.ctx().content_rect().size() - size).length() > 2.0 {
                ui.ctx()
                    .send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
            }
        }
        let min = egui::vec2(self.spec.min_size.0, self.spec.min_size.1);
        nice_plug_egui::resizable_window::ResizableWindow::new("lathe-editor")
            .min_size(min)
            .show(ui, |ui| {
                egui::Frame::new()
                    .inner_margin(egui::Margin::same(8))
                    .show(ui, |ui| {
                        title_bar(
                            ui,
                            &self.spec,
                            &self.memory,
                            self.screen,
                            &mut self.body,
                            &setter,
                        );
                        ui.add_space(4.0);
                        self.body.ui(ui, &setter);
                    });
            });
    }

    fn resized(&mut self, new_size: nice_plug_egui::baseview::WindowSize) {
        let zoom = self.memory.read().map(|g| g.scale).unwrap_or(1.0).max(0.1) as f64;
        let logical = new_size.logical;
        write(&self.memory, |g| {
            g.width = (logical.width / zoom) as f32;
            g.height = (logical.height / zoom) as f32;
        });
    }

    fn zoom_factor_changed(&mut self, zoom_factor: f32) {
        write(&self.memory, |g| g.scale = zoom_factor);
    }

    fn editor_closed(&mut self) {
        self.body.set_open(false);
    }
}

fn title_bar<B: EditorBody>(
    ui: &mut egui::Ui,
    spec: &EditorSpec,
    memory: &EditorMemory,
    screen: Option<(f32, f32)>,
    body: &mut B,
    setter: &ParamSetter,
) {
    ui.horizontal(|ui| {
        ui.label(
            egui::RichText::new(spec.title)
                .font(theme::font(theme::SIZE_HEADING + 2.0))
                .strong()
                .color(spec.accent.color()),
        );
        // The scale control sits at the left, beside the name, so it stays on screen whatever
        // the window's width.
        ui.add_space(8.0);
        scale_control(ui, spec, memory, screen);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            body.title_bar(ui, setter);
        });
    });
    ui.separator();
}

/// The scale menu: the offered scales, those too large for the screen greyed out; a pick resizes
/// the window to the same layout in points, shrunk to what the screen allows.
fn scale_control(
    ui: &mut egui::Ui,
    spec: &EditorSpec,
    memory: &EditorMemory,
    screen: Option<(f32, f32)>,
) {
    crate::widgets::caption(ui, "Scale");
    let current = ui.ctx().zoom_factor();
    egui::ComboBox::from_id_salt("lathe-scale")
        .width(64.0)
        .selected_text(format!("{:.0} %", current * 100.0))
        .show_ui(ui, |ui| {
            for s in SCALES {
                let fits = crate::screen::scale_fits(s, spec.min_size, screen);
                let label = format!("{:.0} %", s * 100.0);
                let item = ui
                    .add_enabled(
                        fits,
                        egui::Button::selectable((s - current).abs() < 0.01, label),
                    )
                    .on_disabled_hover_text("Too large for this screen");
                if item.clicked() {
                    let size = ui.ctx().content_rect().size();
                    let g = crate::screen::fit(
                        EditorGeometry {
                            width: size.x,
                            height: size.y,
                            scale: s,
                        },
                        spec.min_size,
                        screen,
                    );
                    ui.ctx().set_zoom_factor(g.scale);
                    write(memory, |m| *m = g);
                    // Keep the same layout in points: the window grows with the scale.
                    ui.ctx()
                        .send_viewport_cmd(egui::ViewportCommand::InnerSize(egui::vec2(
                            g.width, g.height,
                        )));
                }
            }
        })
        .response
        .on_hover_text("Editor scale");
}
