//! Lathe Mastering EQ: precise, transparent tonal balance of the full mix.

use lathe_plugin::{Block, EngineConfig, EntryFor, LathePlugin, PluginInfo, Shell, info};
use nice_plug::prelude::*;
use shared_dsp::exchange::SharedValue;
use std::sync::{Arc, Mutex};

pub mod analysis;
#[cfg(feature = "gui")]
pub mod editor;
pub mod engine;
pub mod linear_phase;
pub mod params;

pub const INFO: PluginInfo = PluginInfo {
    name: "Lathe Mastering EQ",
    crate_name: "lathe_eq",
    cli_name: "eq",
    clap_id: "audio.lathe.mastering-eq",
    description: "Precise, transparent mastering equalizer with analog-matched and linear-phase modes",
    clap_features: &[
        ClapFeature::AudioEffect,
        ClapFeature::Equalizer,
        ClapFeature::Mastering,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ],
    vst3_class_id: *b"LatheMasterEQ001",
    vst3_subcategories: &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Eq,
        Vst3SubCategory::Mastering,
    ],
    layouts: &info::STEREO_AND_MONO,
};

pub struct Eq {
    params: Arc<params::EqParams>,
    /// The sample rate in use, for the editor's curves.
    sample_rate: Arc<SharedValue>,
    /// The active engine's linear-phase kernel designer, run by the background task.
    designer: Arc<Mutex<Option<linear_phase::LinearPhaseDesign>>>,
    analysis: analysis::Analysis,
}

impl Default for Eq {
    fn default() -> Self {
        Self {
            params: Arc::default(),
            // Until activation tells the real rate.
            sample_rate: Arc::new(SharedValue::new(48_000.0)),
            designer: Arc::default(),
            analysis: analysis::Analysis::default(),
        }
    }
}

impl LathePlugin for Eq {
    const INFO: &'static PluginInfo = &INFO;
    type Engine = engine::EqEngine;
    type Params = params::EqParams;
    lathe_plugin::editor!(editor::Editor, |p| editor::create(
        p.params.clone(),
        p.sample_rate.clone(),
        p.analysis.analyzers.take(),
        p.analysis.editor_open.clone(),
    ));

    fn params(&self) -> &Arc<Self::Params> {
        &self.params
    }

    fn activated(&mut self, engine: &mut Self::Engine, config: &EngineConfig, _fresh: bool) {
        if let Ok(mut d) = self.designer.lock() {
            *d = engine.take_designer();
        }
        self.sample_rate.store(config.sample_rate);
    }

    fn before_process(&mut self, _: &mut Self::Engine, main: &[&mut [f32]], _: &Block) {
        self.analysis.push(0, main);
    }

    fn after_process(&mut self, engine: &mut Self::Engine, main: &[&mut [f32]], _: &Block) -> bool {
        self.analysis.push(1, main);
        engine.take_design_request()
    }

    fn background_task(&mut self) -> Option<Box<dyn Fn() + Send>> {
        let designer = self.designer.clone();
        Some(Box::new(move || {
            if let Ok(mut d) = designer.lock()
                && let Some(d) = d.as_mut()
            {
                d.design_latest();
            }
        }))
    }
}

pub type LatheEq = Shell<Eq>;
pub static ENTRY: EntryFor<Eq> = EntryFor::new();
