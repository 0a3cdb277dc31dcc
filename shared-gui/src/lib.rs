//! Lathe's look and the editor plumbing all four plugins share.
//!
//! For now: a generic editor listing every parameter with the framework's slider, titled and
//! coloured per plugin, with a user scale factor (`LATHE_GUI_SCALE`, e.g. `2` for 200 %) so the
//! screenshot tests can render at 100 % and 200 %. The suite's own widgets (knobs, meters,
//! plots) grow here.

use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::Params;
use nice_plug_egui::{
    EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, create_egui_editor,
};
use std::sync::Arc;

pub use nice_plug_egui;

/// An egui app drawing a title bar and every parameter of `P`.
pub struct GenericApp<P: Params + 'static> {
    title: &'static str,
    params: Arc<P>,
    context: Option<GuiContext>,
}

/// Default editor size in logical pixels.
pub const DEFAULT_SIZE: (f32, f32) = (520.0, 420.0);

/// The editor state to keep in a plugin's params (size and zoom).
pub fn editor_state() -> Arc<EguiEditorState> {
    let zoom = std::env::var("LATHE_GUI_SCALE")
        .ok()
        .and_then(|s| s.parse::<f32>().ok())
        .filter(|z| *z > 0.25 && *z <= 4.0)
        .unwrap_or(1.0);
    EguiEditorState::from_size(
        nice_plug::editor::dpi::LogicalSize::new(DEFAULT_SIZE.0, DEFAULT_SIZE.1),
        zoom,
    )
}

/// Builds the generic editor for a plugin.
pub fn generic_editor<P: Params + 'static>(
    title: &'static str,
    params: Arc<P>,
    state: Arc<EguiEditorState>,
) -> Option<EguiEditor<GenericApp<P>>> {
    create_egui_editor(
        state,
        Default::default(),
        EguiNiceSettings::new().with_tile(title),
        GenericApp {
            title,
            params,
            context: None,
        },
    )
}

impl<P: Params + 'static> NiceEguiApp for GenericApp<P> {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        egui_ctx.set_visuals(egui::Visuals::dark());
        self.context = Some(nice_gui_ctx);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(context) = &self.context else {
            return;
        };
        let setter = context.param_setter();
        egui::Frame::new()
            .inner_margin(egui::Margin::same(10))
            .show(ui, |ui| {
                ui.heading(self.title);
                ui.separator();
                nice_plug_egui::widgets::generic_ui::create(
                    ui,
                    self.params.clone(),
                    &setter,
                    nice_plug_egui::widgets::generic_ui::GenericSlider,
                );
            });
    }

    fn editor_closed(&mut self) {}
}

/// Plugin state glue every Lathe plugin shares.
pub mod state {
    use nice_plug::prelude::PluginState;
    use std::sync::RwLock;

    /// The persisted field that names the plugin a state belongs to.
    pub const PLUGIN_FIELD: &str = "plugin";

    /// The value to keep in a `#[persist = "plugin"]` field: the plugin's CLAP id.
    pub fn plugin_id_field(clap_id: &str) -> RwLock<String> {
        RwLock::new(clap_id.to_string())
    }

    /// Call from `Plugin::filter_state`: a state written by another plugin (another Lathe plugin
    /// shares parameter ids such as `out` and `bypass`) or by no Lathe plugin at all is refused
    /// with a logged error; nothing of it is applied, so the instance keeps its settings.
    pub fn keep_only_own(state: &mut PluginState, clap_id: &str) {
        let expected = format!("\"{clap_id}\"");
        match state.fields.get(PLUGIN_FIELD) {
            Some(found) if *found == expected => {}
            found => {
                nice_plug::nice_error!(
                    "{clap_id}: refusing a state written by {}; keeping the current settings",
                    found.map_or("an unknown plugin", String::as_str)
                );
                state.params.clear();
                state.fields.clear();
            }
        }
    }
}

/// Text entry shared by every Lathe parameter: what people type, parsed the same everywhere.
pub mod text {
    use std::sync::Arc;

    /// Parses a number followed by an optional unit from `units` (case-insensitive, with or
    /// without a space): `"-3"`, `"-3 dB"`, `"-3dBTP"`, `"−3,5 db"`.
    pub fn parse_with_units(text: &str, units: &[&str]) -> Option<f32> {
        let t = text.trim().replace('\u{2212}', "-").replace(',', ".");
        let lower = t.to_ascii_lowercase();
        let mut number = lower.as_str();
        // Longest unit first, so "dbtp" is not read as "db" + "tp".
        let mut sorted: Vec<&str> = units.to_vec();
        sorted.sort_by_key(|u| std::cmp::Reverse(u.len()));
        for unit in sorted {
            if let Some(stripped) = number.strip_suffix(&unit.to_ascii_lowercase()) {
                number = stripped;
                break;
            }
        }
        number.trim().parse::<f32>().ok().filter(|v| v.is_finite())
    }

    /// A parameter's text-to-value function, as the framework takes it.
    pub type StringToValue = Arc<dyn Fn(&str) -> Option<f32> + Send + Sync>;

    /// String-to-value for any level in decibels: accepts dB, dBFS, dBTP or no unit.
    pub fn s2v_db() -> StringToValue {
        Arc::new(|s| parse_with_units(s, &["dB", "dBFS", "dBTP"]))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn decibels_parse_with_and_without_units() {
            let p = s2v_db();
            for (text, want) in [
                ("-3", -3.0),
                ("-3 dB", -3.0),
                ("-3dB", -3.0),
                ("-1.5 dBTP", -1.5),
                (" -6 DBFS ", -6.0),
                ("\u{2212}2,5 db", -2.5),
                ("+4", 4.0),
            ] {
                assert_eq!(p(text), Some(want), "{text}");
            }
            for bad in ["", "dB", "loud", "nan", "inf dB", "-3 LUFS"] {
                assert_eq!(p(bad), None, "{bad}");
            }
        }
    }
}
