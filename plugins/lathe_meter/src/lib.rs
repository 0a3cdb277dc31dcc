//! Lathe Loudness Meter: EBU R128 / ITU-R BS.1770 loudness, true peak and loudness range.

use lathe_plugin::{Block, EngineConfig, EntryFor, LathePlugin, PluginInfo, Shell, info};
use nice_plug::prelude::*;
use std::sync::Arc;
use std::sync::atomic::Ordering;

#[cfg(feature = "gui")]
pub mod editor;
pub mod engine;
pub mod params;
pub mod readout;

pub const INFO: PluginInfo = PluginInfo {
    name: "Lathe Loudness Meter",
    crate_name: "lathe_meter",
    cli_name: "meter",
    clap_id: "audio.lathe.loudness-meter",
    description: "EBU R128 / ITU-R BS.1770 loudness, true peak and loudness range meter",
    clap_features: &[
        ClapFeature::AudioEffect,
        ClapFeature::Analyzer,
        ClapFeature::Mastering,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Surround,
    ],
    vst3_class_id: *b"LatheLoudMeter01",
    vst3_subcategories: &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Analyzer,
        Vst3SubCategory::Mastering,
    ],
    layouts: &[
        info::plain_layout(2),
        info::plain_layout(1),
        info::plain_layout(6),
    ],
};

#[derive(Default)]
pub struct Meter {
    params: Arc<params::MeterParams>,
    readout: Arc<readout::Readout>,
    /// Host transport state at the previous block, for auto-reset on play.
    was_playing: bool,
}

impl LathePlugin for Meter {
    const INFO: &'static PluginInfo = &INFO;
    /// Hosts deactivate and re-activate idle plugins and reset them at every start of
    /// processing: a loudness measurement survives that. A new one starts only from the editor's
    /// Reset, on host play with "Reset on Play", or when the rate or layout changes.
    const KEEPS_STATE: bool = true;
    type Engine = engine::MeterEngine;
    type Params = params::MeterParams;
    lathe_plugin::editor!(editor::Editor, |p| editor::create(
        p.params.clone(),
        p.readout.clone()
    ));

    fn params(&self) -> &Arc<Self::Params> {
        &self.params
    }

    fn activated(&mut self, _: &mut Self::Engine, _: &EngineConfig, fresh: bool) {
        if fresh {
            self.readout.clear();
        }
    }

    fn before_process(&mut self, engine: &mut Self::Engine, _: &[&mut [f32]], block: &Block) {
        let play_started = block.playing && !self.was_playing;
        self.was_playing = block.playing;
        if self.readout.reset_request.swap(false, Ordering::Relaxed)
            || (play_started && self.params.auto_reset.value())
        {
            engine.reset();
            self.readout.clear();
        }
    }

    fn after_process(&mut self, engine: &mut Self::Engine, _: &[&mut [f32]], _: &Block) -> bool {
        engine.publish(&self.readout);
        false
    }
}

pub type LatheMeter = Shell<Meter>;
pub static ENTRY: EntryFor<Meter> = EntryFor::new();
