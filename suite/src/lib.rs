//! The suite: every Lathe plugin, in one list.
//!
//! The command line (`lathe render`, `lathe params`) and the host tests take their plugins from
//! [`PLUGINS`]. The bundler has its own list, `bundler.toml`, which `cargo xtask` reads; a test
//! here checks that both name the same plugins with the same names. Adding a plugin: its crate
//! in `plugins/`, one line here, one table in `bundler.toml` (the test says what is missing).

use lathe_plugin::Entry;

// The plugin crates themselves, for tests that need a plugin's own constants.
pub use {lathe_channel, lathe_eq, lathe_limiter, lathe_meter};

/// Every plugin, in the order they are listed to users.
pub static PLUGINS: [&dyn Entry; 4] = [
    &lathe_channel::ENTRY,
    &lathe_eq::ENTRY,
    &lathe_limiter::ENTRY,
    &lathe_meter::ENTRY,
];

/// The plugin the command line calls `name` (`"limiter"`).
pub fn by_cli_name(name: &str) -> Option<&'static dyn Entry> {
    PLUGINS.iter().copied().find(|p| p.info().cli_name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn bundler_toml_names_every_plugin_and_nothing_else() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../bundler.toml");
        let text = std::fs::read_to_string(path).expect("bundler.toml");
        let tables: BTreeMap<String, toml::Table> = toml::from_str(&text).expect("valid TOML");
        let bundled: BTreeMap<String, String> = tables
            .into_iter()
            .map(|(package, t)| (package, t["name"].as_str().unwrap().to_string()))
            .collect();
        let ours: BTreeMap<String, String> = PLUGINS
            .iter()
            .map(|p| {
                let i = p.info();
                (format!("{}_bundle", i.crate_name), i.name.to_string())
            })
            .collect();
        assert_eq!(
            bundled, ours,
            "bundler.toml and lathe-suite's PLUGINS differ"
        );
    }

    /// The JACK standalone registers one port per channel named after its bus
    /// (`input_1`, `output_1`, `sidechain_1`, ...) and fails to start when two collide. nice-plug
    /// 0.4.2's `main_output_name()` returns the main *input's* name when one is set
    /// (docs/framework-issues.md), which stopped the Channel Strip's stereo + sidechain layout on
    /// JACK. Every layout of every plugin must give distinct port names.
    #[test]
    fn every_layout_gives_the_jack_standalone_distinct_port_names() {
        for p in PLUGINS {
            for layout in p.info().layouts {
                let mut buses = vec![
                    (layout.main_input_name(), layout.main_input_channels),
                    (layout.main_output_name(), layout.main_output_channels),
                ];
                for (i, n) in layout.aux_input_ports.iter().enumerate() {
                    buses.push((layout.aux_input_name(i).unwrap(), Some(*n)));
                }
                for (i, n) in layout.aux_output_ports.iter().enumerate() {
                    buses.push((layout.aux_output_name(i).unwrap(), Some(*n)));
                }
                let mut seen = std::collections::HashSet::new();
                for (name, channels) in buses {
                    let name = name.to_lowercase().replace(' ', "_");
                    for c in 1..=channels.map_or(0, |n| n.get()) {
                        let port = format!("{name}_{c}");
                        assert!(
                            seen.insert(port.clone()),
                            "{}, layout {:?}: JACK port {port} twice",
                            p.info().name,
                            layout.name()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn identities_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in PLUGINS {
            let i = p.info();
            for key in [i.name, i.crate_name, i.cli_name, i.clap_id] {
                assert!(seen.insert(key.to_string()), "{key} is used twice");
            }
            assert!(seen.insert(String::from_utf8(i.vst3_class_id.to_vec()).unwrap()));
            assert_eq!(by_cli_name(i.cli_name).unwrap().info().clap_id, i.clap_id);
        }
    }
}
