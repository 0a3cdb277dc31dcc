//! Lathe's look and the editor plumbing all four plugins share.
//!
//! - [`theme`]: the palette, one accent per plugin, text sizes;
//! - [`binding`]: every edit as a host gesture (begin/set/end), whatever the input;
//! - [`widgets`]: knob, slider, toggle, selector, section header with bypass;
//! - [`meters`]: level (peak hold, clip), gain reduction, loudness bar, correlation;
//! - [`plots`]: log-frequency response plot with handles and spectrum, history graph;
//! - [`editor`]: the shell (title bar, scale control, resize, size kept in the plugin state);
//! - [`generic`]: a body that lays out every parameter, for editors not hand-laid-out yet;
//! - [`mapping`]: the pure value ↔ position maths, unit-tested.
//!
//! `LATHE_GUI_SCALE=2` opens every editor at 200 % (the screenshot tests use it).

pub mod binding;
pub mod editor;
pub mod generic;
pub mod mapping;
pub mod meters;
pub mod plots;
pub mod size;
pub mod theme;
pub mod widgets;

pub use editor::{Editor, EditorBody, EditorSpec, LatheApp, create_editor};
pub use generic::GenericBody;
pub use nice_plug_egui;
pub use size::{EditorMemory, editor_state};
pub use theme::Accent;

use nice_plug::prelude::Params;
use std::sync::Arc;

/// Builds an editor that lays out every parameter with the kit's widgets.
pub fn generic_editor<P: Params + 'static>(
    spec: EditorSpec,
    params: Arc<P>,
    memory: Arc<EditorMemory>,
) -> Option<Editor<GenericBody<P>>> {
    let accent = spec.accent;
    create_editor(spec, memory, GenericBody { params, accent })
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
