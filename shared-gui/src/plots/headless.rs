//! Runs an editor body headlessly for layout tests: no window, no host, the body laid out in a
//! window of a given size the way the editor shell lays it out, and the shapes it painted
//! checked against the window. Parameter edits made through the [`ParamSetter`] it passes apply
//! at once (the test sets a parameter with [`set_param`] and draws the next frame).
//!
//! It lives here because `plots` is where it could be registered without touching `lib.rs`;
//! it belongs at the crate root.

use crate::editor::EditorBody;
use crate::theme::{self, Accent};
use egui::epaint::ClippedShape;
use egui::{Pos2, Rect, Shape, Vec2};
use nice_plug::context::PluginApi;
use nice_plug::context::gui::GuiContextInner;
use nice_plug::params::Param;
use nice_plug::params::internals::ParamPtr;
use nice_plug::plugin::PluginState;
use nice_plug::prelude::ParamSetter;

/// A GUI context that applies every edit to the parameter immediately (no host).
pub struct DirectContext;

impl GuiContextInner for DirectContext {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Standalone
    }
    unsafe fn raw_begin_set_parameter(&self, _param: ParamPtr) {}
    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        // SAFETY: the parameter outlives the test frame that edits it.
        unsafe {
            param._internal_set_normalized_value(normalized);
        }
    }
    unsafe fn raw_end_set_parameter(&self, _param: ParamPtr) {}
    fn get_state(&self) -> PluginState {
        unimplemented!("no plugin state in a headless layout test")
    }
    fn set_state(&self, _state: PluginState) {}
    fn request_restart(&self) {}
}

/// Sets `param` to `value` at once, as if the host had applied an edit.
pub fn set_param<P: Param>(param: &P, value: P::Plain) {
    let setter = ParamSetter {
        raw_context: &DirectContext,
    };
    setter.set_parameter(param, value);
}

/// The window sizes every editor's layout test checks: its minimum, its default and 1.5 times
/// its default.
pub fn test_sizes(spec: &crate::EditorSpec) -> [(f32, f32); 3] {
    let (w, h) = spec.default_size;
    [spec.min_size, spec.default_size, (w * 1.5, h * 1.5)]
}

/// A primary-button press (or release) at `pos`, as input for a headless frame.
pub fn button(pos: Pos2, pressed: bool) -> egui::Event {
    egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: Default::default(),
    }
}

/// The editor shell's margin around the body, points.
pub const MARGIN: f32 = 8.0;
/// Height the shell's title bar takes above the body (title, separator, spacing), points.
pub const TITLE_H: f32 = 40.0;

/// What one headless frame painted.
pub struct Painted {
    pub window: Rect,
    pub shapes: Vec<ClippedShape>,
    /// The space the body was given (the window less margins and the title bar).
    pub body: Rect,
    /// The space the body used (everything it allocated).
    pub used: Rect,
}

/// Lays `body` out in a window of `size` points (at 100 %) for `frames` frames (bodies that
/// measure their controls settle on the second) and returns the last frame's shapes.
pub fn run_body<B: EditorBody>(body: &mut B, accent: Accent, size: Vec2, frames: usize) -> Painted {
    let ctx = egui::Context::default();
    theme::apply(&ctx, accent);
    let window = Rect::from_min_size(Pos2::ZERO, size);
    let setter = ParamSetter {
        raw_context: &DirectContext,
    };
    let mut body_rect = Rect::NOTHING;
    let mut used = Rect::NOTHING;
    let mut shapes = Vec::new();
    for i in 0..frames.max(1) {
        let input = egui::RawInput {
            screen_rect: Some(window),
            time: Some(i as f64 / 60.0),
            ..Default::default()
        };
        let mut out = ctx.run_ui(input, |ui| {
            egui::Frame::new()
                .inner_margin(egui::Margin::same(MARGIN as i8))
                .show(ui, |ui| {
                    ui.add_space(TITLE_H);
                    body_rect = ui.available_rect_before_wrap();
                    let top = ui.cursor().min;
                    body.ui(ui, &setter);
                    used = Rect::from_min_max(top, ui.min_rect().max);
                });
        });
        // Nothing renders: drop the font atlas upload egui asks for.
        out.textures_delta.clear();
        shapes = out.shapes;
    }
    Painted {
        window,
        shapes,
        body: body_rect,
        used,
    }
}

/// The visible part of a painted shape (its bounds within its clip rect), or `None`.
fn visible(s: &ClippedShape) -> Option<Rect> {
    let r = s.shape.visual_bounding_rect();
    if !r.is_positive() && !matches!(s.shape, Shape::LineSegment { .. }) {
        return None;
    }
    let v = r.intersect(s.clip_rect);
    (v.width() >= 0.0 && v.height() >= 0.0 && r.is_finite()).then_some(v)
}

/// Every problem with a frame: anything visible beyond the window (less `slack` points), and
/// any text cut by its clip rect (a scale number half drawn at the end of a meter). Empty when
/// the layout fits.
pub fn layout_problems(p: &Painted, slack: f32) -> Vec<String> {
    let window = p.window.expand(slack);
    let mut problems = Vec::new();
    if !p.body.expand(slack).contains_rect(p.used) {
        problems.push(format!(
            "the body used {:?}, beyond its space {:?}",
            p.used, p.body
        ));
    }
    for s in &p.shapes {
        let Some(v) = visible(s) else { continue };
        if !window.contains_rect(v) {
            problems.push(format!(
                "{} drawn at {v:?}, outside the window",
                describe(&s.shape)
            ));
        }
        if let Shape::Text(t) = &s.shape {
            let r = t.visual_bounding_rect();
            if !t.galley.text().trim().is_empty() && !s.clip_rect.expand(slack).contains_rect(r) {
                problems.push(format!(
                    "text {:?} at {r:?} cut by its clip rect {:?}",
                    t.galley.text(),
                    s.clip_rect
                ));
            }
        }
    }
    problems
}

/// Texts painted in a frame, with their rects.
pub fn texts(p: &Painted) -> Vec<(String, Rect)> {
    p.shapes
        .iter()
        .filter_map(|s| match &s.shape {
            Shape::Text(t) => Some((t.galley.text().to_string(), t.visual_bounding_rect())),
            _ => None,
        })
        .collect()
}

fn describe(s: &Shape) -> String {
    match s {
        Shape::Text(t) => format!("text {:?}", t.galley.text()),
        Shape::Rect(_) => "a rect".into(),
        Shape::Path(_) => "a path".into(),
        Shape::Mesh(_) => "a mesh".into(),
        Shape::LineSegment { .. } => "a line".into(),
        _ => "a shape".into(),
    }
}
