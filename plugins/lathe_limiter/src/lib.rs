//! Lathe Limiter: a true-peak brickwall limiter, the last insert on the master bus.

use lathe_plugin::{Block, EntryFor, LathePlugin, PluginInfo, Shell, info};
use nice_plug::prelude::*;
use std::sync::Arc;

#[cfg(feature = "gui")]
pub mod editor;
pub mod engine;
pub mod params;
pub mod readout;

pub const INFO: PluginInfo = PluginInfo {
    name: "Lathe Limiter",
    crate_name: "lathe_limiter",
    cli_name: "limiter",
    clap_id: "audio.lathe.limiter",
    description: "True-peak brickwall limiter for the master bus",
    clap_features: &[
        ClapFeature::AudioEffect,
        ClapFeature::Limiter,
        ClapFeature::Mastering,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ],
    vst3_class_id: *b"LatheLimiter0001",
    vst3_subcategories: &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Dynamics,
        Vst3SubCategory::Mastering,
    ],
    layouts: &info::STEREO_AND_MONO,
};

#[derive(Default)]
pub struct Limiter {
    params: Arc<params::LimiterParams>,
    readout: Arc<readout::Readout>,
}

impl LathePlugin for Limiter {
    const INFO: &'static PluginInfo = &INFO;
    type Engine = engine::LimiterEngine;
    type Params = params::LimiterParams;
    lathe_plugin::editor!(editor::Editor, |p| editor::create(
        p.params.clone(),
        p.readout.clone()
    ));

    fn params(&self) -> &Arc<Self::Params> {
        &self.params
    }

    fn after_process(&mut self, engine: &mut Self::Engine, _: &[&mut [f32]], b: &Block) -> bool {
        let learned = engine.learned_gain_db();
        self.params
            .learned_gain_db
            .store(learned, std::sync::atomic::Ordering::Relaxed);
        self.readout.publish(engine, b.frames, b.sample_rate);
        false
    }
}

pub type LatheLimiter = Shell<Limiter>;
pub static ENTRY: EntryFor<Limiter> = EntryFor::new();
