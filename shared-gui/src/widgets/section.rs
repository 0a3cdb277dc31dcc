//! A titled section panel, optionally with the section's bypass toggle in its header; the
//! contents dim while the section is bypassed.

use crate::theme;
use egui::{Color32, CornerRadius, Frame, Margin, Stroke, Ui};

/// Draws a section: `title`, an optional header widget (usually a [`super::Toggle`] for the
/// section's on/off parameter) and the contents. `active == false` dims the contents.
pub fn section<R>(
    ui: &mut Ui,
    title: &str,
    accent: theme::Accent,
    active: bool,
    header: impl FnOnce(&mut Ui),
    contents: impl FnOnce(&mut Ui) -> R,
) -> R {
    Frame::new()
        .fill(theme::PANEL)
        .corner_radius(CornerRadius::same(theme::ROUNDING))
        .stroke(Stroke::new(
            1.0,
            if active {
                theme::GRID
            } else {
                Color32::from_gray(40)
            },
        ))
        .inner_margin(Margin::same(8))
        .show(ui, |ui| {
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.label(
                        egui::RichText::new(title)
                            .font(theme::font(theme::SIZE_HEADING))
                            .strong()
                            .color(if active {
                                accent.color()
                            } else {
                                theme::TEXT_DIM
                            }),
                    );
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), header);
                });
                ui.add_space(2.0);
                if !active {
                    ui.multiply_opacity(0.45);
                }
                contents(ui)
            })
            .inner
        })
        .inner
}
