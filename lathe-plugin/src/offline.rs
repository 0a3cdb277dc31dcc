//! A plugin's engine and parameters behind one object-safe interface, for the command line:
//! `lathe render` sets parameters by id through the plugin's own parameter objects (with their
//! own text parsing) and runs the plugin's own engine, with no host and no GUI.

use crate::engine::{Engine, EngineConfig};
use crate::info::PluginInfo;
use crate::shell::{LathePlugin, PluginParams};
use nice_plug::prelude::Params;
use std::marker::PhantomData;

/// An engine driven offline: no sidechain, no host.
pub trait OfflineEngine {
    fn latency(&self) -> usize;
    fn process(&mut self, main: &mut [&mut [f32]]);
}

impl<E: Engine> OfflineEngine for E {
    fn latency(&self) -> usize {
        Engine::latency(self)
    }
    fn process(&mut self, main: &mut [&mut [f32]]) {
        Engine::process(self, main, None)
    }
}

/// A parameter set at the plugin's defaults, to set values on and build an engine from.
pub trait OfflineParams {
    /// The parameters, for setting values by id (`param_map`).
    fn params(&self) -> &dyn Params;
    /// An engine with the current values, ready to process.
    fn engine(&self, config: EngineConfig) -> Box<dyn OfflineEngine>;
}

struct Bound<P: LathePlugin>(P::Params);

impl<P: LathePlugin> OfflineParams for Bound<P> {
    fn params(&self) -> &dyn Params {
        &self.0
    }
    fn engine(&self, config: EngineConfig) -> Box<dyn OfflineEngine> {
        Box::new(P::Engine::new(config, &self.0.settings()))
    }
}

/// One plugin of the suite, as the command line and the host tests list it.
pub trait Entry: Sync {
    fn info(&self) -> &'static PluginInfo;
    /// A fresh parameter set at the defaults.
    fn new_params(&self) -> Box<dyn OfflineParams>;
}

/// The [`Entry`] of a [`LathePlugin`]: `pub static ENTRY: EntryFor<MyPlugin> = EntryFor::new();`
pub struct EntryFor<P>(PhantomData<fn() -> P>);

impl<P> EntryFor<P> {
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<P> Default for EntryFor<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: LathePlugin> Entry for EntryFor<P> {
    fn info(&self) -> &'static PluginInfo {
        P::INFO
    }
    fn new_params(&self) -> Box<dyn OfflineParams> {
        Box::new(Bound::<P>(P::Params::default()))
    }
}
