//! Parameter widgets: knob, slider, toggle, enum selector, section header, each bound to a
//! parameter through [`crate::binding`], so every edit is a host gesture; and an action menu.

pub mod knob;
pub mod menu;
pub mod power;
pub mod section;
pub mod selector;
pub mod slider;
pub mod toggle;

pub use knob::Knob;
pub use menu::{pick_menu, pick_menu_marked};
pub use power::Power;
pub use section::section;
pub use selector::Selector;
pub use slider::Slider;
pub use toggle::{Toggle, toggle_button};

use crate::binding::{Action, Gesture, ParamSink};
use egui::{Response, Ui};

/// The help every parameter widget shows on hover, after its name and value.
pub const HELP: &str =
    "Drag to change (Shift: fine) · double-click: default · wheel · click the value to type";

/// Turns egui input on `response` into gesture actions on `sink`. `vertical`: dragging up
/// increases (knobs); otherwise dragging right increases (sliders). `range_px`: the travel for
/// the full range.
pub(crate) fn interact(
    ui: &Ui,
    response: &Response,
    sink: &dyn ParamSink,
    vertical: bool,
    range_px: f32,
) -> bool {
    let id = response.id.with("gesture");
    let mut gesture: Gesture = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    let (shift, command) = ui.input(|i| (i.modifiers.shift, i.modifiers.command));
    let mut changed = false;
    if response.double_clicked() || (response.clicked() && command) {
        changed |= gesture.apply(sink, Action::Reset);
    } else {
        if response.drag_started() {
            gesture.apply(sink, Action::Press);
        }
        if response.dragged() {
            let d = response.drag_delta();
            let px = if vertical { -d.y } else { d.x };
            if px != 0.0 {
                changed |= gesture.apply(
                    sink,
                    Action::Drag {
                        px,
                        range_px,
                        fine: shift,
                    },
                );
            }
        }
    }
    if response.drag_stopped() || (gesture.is_active() && !response.dragged()) {
        gesture.apply(sink, Action::Release);
    }
    if response.hovered() && !gesture.is_active() {
        let scroll = wheel_notches(ui);
        if scroll != 0.0 {
            let notches = scroll.clamp(-4.0, 4.0);
            let notches = if notches.abs() < 1.0 {
                notches.signum()
            } else {
                notches.round()
            };
            changed |= gesture.apply(
                sink,
                Action::Wheel {
                    notches,
                    fine: shift,
                },
            );
        }
    }
    ui.data_mut(|d| d.insert_temp(id, gesture));
    changed
}

/// A small dim label: parameter names, units, scale captions — the kit's secondary text.
pub fn caption(ui: &mut Ui, text: impl Into<String>) -> Response {
    ui.label(
        egui::RichText::new(text.into())
            .font(crate::theme::font(crate::theme::SIZE_SMALL))
            .color(crate::theme::TEXT_DIM),
    )
}

/// Mouse-wheel notches over this frame (positive = wheel up), from the raw wheel events:
/// a line is one notch, 40 points or a page count as one.
pub fn wheel_notches(ui: &Ui) -> f32 {
    ui.input(|i| {
        i.events
            .iter()
            .map(|e| match e {
                egui::Event::MouseWheel { unit, delta, .. } => match unit {
                    egui::MouseWheelUnit::Line => delta.y,
                    egui::MouseWheelUnit::Point => delta.y / 40.0,
                    egui::MouseWheelUnit::Page => delta.y.signum(),
                },
                _ => 0.0,
            })
            .sum()
    })
}

/// The value under a widget: a label showing the formatted value that turns into a text field
/// when clicked; Enter applies the text through the parameter's own parser, Escape cancels.
pub(crate) fn value_entry(ui: &mut Ui, sink: &dyn ParamSink, width: f32) -> Response {
    let id = ui.scope_id().with(sink.name()).with("entry");
    let editing: Option<String> = ui.data(|d| d.get_temp(id));
    match editing {
        Some(mut text) => {
            let r = ui.add(
                egui::TextEdit::singleline(&mut text)
                    .desired_width(width)
                    .font(egui::TextStyle::Small)
                    .align(egui::Align2::CENTER_CENTER),
            );
            r.request_focus();
            let (enter, escape) = ui.input(|i| {
                (
                    i.key_pressed(egui::Key::Enter),
                    i.key_pressed(egui::Key::Escape),
                )
            });
            if enter {
                Gesture::default().apply(sink, Action::Text(text));
                ui.data_mut(|d| d.remove::<String>(id));
            } else if escape || r.lost_focus() {
                ui.data_mut(|d| d.remove::<String>(id));
            } else {
                ui.data_mut(|d| d.insert_temp(id, text));
            }
            r
        }
        None => {
            let value = sink.display(sink.normalized());
            let r = ui.add(
                egui::Label::new(
                    egui::RichText::new(value)
                        .font(crate::theme::mono(crate::theme::SIZE_SMALL))
                        .color(crate::theme::TEXT),
                )
                .sense(egui::Sense::click())
                .truncate(),
            );
            if r.clicked() {
                let current = sink.display(sink.normalized());
                ui.data_mut(|d| d.insert_temp(id, current));
            }
            r.on_hover_text("Click to type a value")
        }
    }
}
