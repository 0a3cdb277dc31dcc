//! Plugin state glue every Lathe plugin shares.

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
