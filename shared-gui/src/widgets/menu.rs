//! A drop-down of actions that are not a parameter (presets, "copy settings", …): shows a fixed
//! caption, lists the items, returns the one picked this frame. The caller turns the pick into
//! parameter gestures itself.

use egui::Ui;

/// A menu button reading `caption`; returns the index of the item clicked this frame.
pub fn pick_menu(ui: &mut Ui, caption: &str, items: &[&str], tooltip: &str) -> Option<usize> {
    pick_menu_marked(ui, caption, caption, None, items, tooltip)
}

/// [`pick_menu`] with a stable `id` (the caption may change: a preset menu shows the preset that
/// is loaded) and the `current` item ticked in the list.
pub fn pick_menu_marked(
    ui: &mut Ui,
    id: &str,
    caption: &str,
    current: Option<usize>,
    items: &[&str],
    tooltip: &str,
) -> Option<usize> {
    let mut picked = None;
    let response = egui::ComboBox::from_id_salt(ui.scope_id().with(id))
        .selected_text(caption)
        .width(130.0)
        .show_ui(ui, |ui| {
            for (i, item) in items.iter().enumerate() {
                if ui.selectable_label(current == Some(i), *item).clicked() {
                    picked = Some(i);
                }
            }
        })
        .response;
    if !tooltip.is_empty() {
        response.on_hover_text(tooltip);
    }
    picked
}
