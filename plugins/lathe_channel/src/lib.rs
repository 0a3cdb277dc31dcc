//! Lathe Channel Strip: the per-track mixing insert.

use lathe_plugin::{Block, EngineConfig, EntryFor, LathePlugin, PluginInfo, Shell, info};
use nice_plug::prelude::*;
use std::sync::Arc;

#[cfg(feature = "gui")]
pub mod editor;
pub mod engine;
pub mod params;
pub mod presets;
pub mod readout;

pub const INFO: PluginInfo = PluginInfo {
    name: "Lathe Channel Strip",
    crate_name: "lathe_channel",
    cli_name: "channel",
    clap_id: "audio.lathe.channel-strip",
    description: "Per-track channel strip: trim, polarity, filters, gate, EQ, compressor, pan/width, output",
    clap_features: &[
        ClapFeature::AudioEffect,
        ClapFeature::Equalizer,
        ClapFeature::Compressor,
        ClapFeature::Gate,
        ClapFeature::Filter,
        ClapFeature::Mixing,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ],
    vst3_class_id: *b"LatheChanStrip01",
    vst3_subcategories: &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Dynamics,
        Vst3SubCategory::Eq,
    ],
    layouts: &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            aux_input_ports: &[new_nonzero_u32(2)],
            names: PortNames {
                layout: Some("Stereo with sidechain"),
                // The main buses keep the framework's default names ("Input", "Output"):
                // nice-plug 0.4.2 names the main output after a named main input, and the JACK
                // standalone then registers `input_1` twice (docs/framework-issues.md).
                main_input: None,
                main_output: None,
                aux_inputs: &["Sidechain"],
                aux_outputs: &[],
            },
            ..AudioIOLayout::const_default()
        },
        // Mono without a sidechain port: nice-plug 0.4.2's VST3 wrapper dereferences the null
        // channel pointers a host (JUCE/pedalboard) passes for a disabled mono sidechain bus and
        // aborts. Stereo tracks keep the stereo sidechain.
        info::plain_layout(1),
    ],
};

#[derive(Default)]
pub struct Channel {
    params: Arc<params::ChannelParams>,
    readout: Arc<readout::Readout>,
}

impl LathePlugin for Channel {
    const INFO: &'static PluginInfo = &INFO;
    type Engine = engine::ChannelEngine;
    type Params = params::ChannelParams;
    lathe_plugin::editor!(editor::Editor, |p| editor::create(
        p.params.clone(),
        p.readout.clone()
    ));

    fn params(&self) -> &Arc<Self::Params> {
        &self.params
    }

    fn activated(&mut self, _: &mut Self::Engine, config: &EngineConfig, _fresh: bool) {
        self.readout.sample_rate.store(config.sample_rate);
    }

    fn before_process(&mut self, _: &mut Self::Engine, main: &[&mut [f32]], _: &Block) {
        self.readout.input(main);
    }

    fn after_process(&mut self, engine: &mut Self::Engine, main: &[&mut [f32]], _: &Block) -> bool {
        self.readout.output(main);
        self.readout.dynamics(engine);
        false
    }
}

pub type LatheChannel = Shell<Channel>;
pub static ENTRY: EntryFor<Channel> = EntryFor::new();
