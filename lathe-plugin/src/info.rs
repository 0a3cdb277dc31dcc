//! A plugin's identity, in one constant per plugin: everything a host, the bundler, the command
//! line and the host tests need to know about who the plugin is. Ids never change once shipped:
//! hosts and saved projects refer to them.

use nice_plug::prelude::{AudioIOLayout, ClapFeature, Vst3SubCategory};

/// Who a plugin is.
#[derive(Debug)]
pub struct PluginInfo {
    /// The name hosts show, which is also the bundle's file name ("Lathe Limiter").
    pub name: &'static str,
    /// The plugin crate's package name, as `bundler.toml` and `cargo xtask bundle` name it.
    pub crate_name: &'static str,
    /// The short name the command line uses (`lathe render limiter ...`).
    pub cli_name: &'static str,
    /// The CLAP id; also written into every saved state, which is refused by any other plugin.
    pub clap_id: &'static str,
    /// One line for hosts' plugin browsers.
    pub description: &'static str,
    pub clap_features: &'static [ClapFeature],
    /// The VST3 class id: 16 ASCII bytes, never changed once shipped.
    pub vst3_class_id: [u8; 16],
    pub vst3_subcategories: &'static [Vst3SubCategory],
    /// Supported layouts, the preferred one first.
    pub layouts: &'static [AudioIOLayout],
}

/// The vendor every Lathe plugin reports.
pub const VENDOR: &str = "Lathe";

/// A main input and output of `channels` channels and nothing else.
pub const fn plain_layout(channels: u32) -> AudioIOLayout {
    AudioIOLayout {
        main_input_channels: std::num::NonZeroU32::new(channels),
        main_output_channels: std::num::NonZeroU32::new(channels),
        ..AudioIOLayout::const_default()
    }
}

/// Stereo, then mono: the layouts of most of the suite.
pub const STEREO_AND_MONO: [AudioIOLayout; 2] = [plain_layout(2), plain_layout(1)];
