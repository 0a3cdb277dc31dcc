//! Lathe's look: one dark, high-contrast palette for every editor, one accent colour per plugin,
//! and text sizes chosen to read at 100 % and 200 % (egui scales everything by the zoom factor).

use egui::{Color32, CornerRadius, FontFamily, FontId, Stroke, TextStyle, Visuals};

/// Background of the editor window.
pub const BACKGROUND: Color32 = Color32::from_rgb(0x16, 0x18, 0x1c);
/// Background of a section panel.
pub const PANEL: Color32 = Color32::from_rgb(0x20, 0x23, 0x29);
/// Background of meters and plots.
pub const WELL: Color32 = Color32::from_rgb(0x0d, 0x0e, 0x11);
/// Grid lines in plots and meter scales.
pub const GRID: Color32 = Color32::from_rgb(0x38, 0x3c, 0x45);
/// Main text.
pub const TEXT: Color32 = Color32::from_rgb(0xe8, 0xea, 0xee);
/// Secondary text (units, scale labels, captions): 7.9:1 against [`PANEL`], readable at 100 %.
pub const TEXT_DIM: Color32 = Color32::from_rgb(0xb0, 0xb6, 0xc0);
/// Fill of a control that is off (toggles, power buttons): visible on a [`PANEL`].
pub const CONTROL: Color32 = Color32::from_rgb(0x2c, 0x30, 0x38);
/// The analyser's input (pre) spectrum: neutral, behind everything.
pub const SPECTRUM_PRE: Color32 = Color32::from_rgb(0x7d, 0x84, 0x90);
/// The analyser's output (post) spectrum: a warm light tone no band and no accent uses.
pub const SPECTRUM_POST: Color32 = Color32::from_rgb(0xe6, 0xd2, 0xa0);
/// A level that is fine / a target met.
pub const GOOD: Color32 = Color32::from_rgb(0x4c, 0xd1, 0x7a);
/// A level getting close to a limit.
pub const WARN: Color32 = Color32::from_rgb(0xf2, 0xc1, 0x4e);
/// Over a limit / clipping / target missed.
pub const BAD: Color32 = Color32::from_rgb(0xf2, 0x4e, 0x4e);
/// Gain reduction.
pub const REDUCTION: Color32 = Color32::from_rgb(0xf2, 0x8c, 0x3a);

/// Each plugin's accent colour, so a user tells them apart at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accent {
    Channel,
    Eq,
    Limiter,
    Meter,
}

impl Accent {
    pub fn color(self) -> Color32 {
        match self {
            Accent::Channel => Color32::from_rgb(0x5a, 0xb4, 0xff),
            Accent::Eq => Color32::from_rgb(0x3d, 0xd6, 0xc6),
            Accent::Limiter => Color32::from_rgb(0xff, 0x7a, 0x59),
            Accent::Meter => Color32::from_rgb(0xb7, 0x8c, 0xff),
        }
    }

    /// The accent at reduced strength, for fills behind text.
    pub fn faint(self) -> Color32 {
        let c = self.color();
        Color32::from_rgba_unmultiplied(c.r(), c.g(), c.b(), 60)
    }
}

/// Corner radius of panels and widgets.
pub const ROUNDING: u8 = 4;

/// Text sizes (logical points, before the zoom factor).
pub const SIZE_SMALL: f32 = 11.0;
pub const SIZE_BODY: f32 = 13.0;
pub const SIZE_HEADING: f32 = 15.0;
/// Big numeric readouts (loudness figures).
pub const SIZE_READOUT: f32 = 24.0;

/// A font id of `size` points, proportional.
pub fn font(size: f32) -> FontId {
    FontId::new(size, FontFamily::Proportional)
}

/// A monospace font id of `size` points (numbers that change must not jitter).
pub fn mono(size: f32) -> FontId {
    FontId::new(size, FontFamily::Monospace)
}

/// Applies the theme to an egui context. Call from the editor's `build`.
pub fn apply(ctx: &egui::Context, accent: Accent) {
    let mut visuals = Visuals::dark();
    visuals.panel_fill = BACKGROUND;
    visuals.window_fill = PANEL;
    visuals.extreme_bg_color = WELL;
    visuals.faint_bg_color = PANEL;
    visuals.override_text_color = Some(TEXT);
    visuals.selection.bg_fill = accent.faint();
    visuals.selection.stroke = Stroke::new(1.0, accent.color());
    visuals.hyperlink_color = accent.color();
    let r = CornerRadius::same(ROUNDING);
    for w in [
        &mut visuals.widgets.noninteractive,
        &mut visuals.widgets.inactive,
        &mut visuals.widgets.hovered,
        &mut visuals.widgets.active,
        &mut visuals.widgets.open,
    ] {
        w.corner_radius = r;
    }
    visuals.widgets.inactive.bg_fill = CONTROL;
    visuals.widgets.inactive.weak_bg_fill = CONTROL;
    visuals.widgets.hovered.bg_fill = Color32::from_rgb(0x38, 0x3d, 0x47);
    visuals.widgets.hovered.weak_bg_fill = Color32::from_rgb(0x38, 0x3d, 0x47);
    visuals.widgets.active.bg_fill = accent.faint();
    ctx.set_visuals(visuals);

    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (TextStyle::Small, font(SIZE_SMALL)),
            (TextStyle::Body, font(SIZE_BODY)),
            (TextStyle::Button, font(SIZE_BODY)),
            (TextStyle::Heading, font(SIZE_HEADING)),
            (TextStyle::Monospace, mono(SIZE_BODY)),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(8.0, 3.0);
        style.spacing.interact_size.y = 20.0;
    });
}
