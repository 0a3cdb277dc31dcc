//! The interface every plugin's processing implements.
//!
//! An engine is host-free: it knows nothing of the framework, of parameters or of the GUI. The
//! plugin shell, the `lathe` command line, the tests and the benchmarks all drive it through this
//! trait, so what a user renders offline is exactly what the plugin does in a DAW.
//!
//! Lifecycle (the same as every shared-dsp block's): [`Engine::new`] may allocate; `set_settings`
//! takes a plain snapshot of the parameters once per block and never allocates (each block inside
//! glides what it must); `process` and `reset` are audio-thread safe; `latency` reports samples.

/// What an engine is built for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineConfig {
    /// Channels of the main input (and output).
    pub num_channels: usize,
    pub sample_rate: f32,
    /// The longest block `process` is promised.
    pub max_block: usize,
}

/// The part of a settings snapshot that decides an engine's latency.
///
/// CLAP lets a plugin's latency change only while it is being activated, so the shell keeps the
/// latency-deciding values the host was told about until the next activation (see
/// [`crate::latency`]). Engines whose latency never changes use `Key = ()` and return `self`.
pub trait LatencySettings: Clone + Send + 'static {
    /// The values that decide latency, comparable.
    type Key: Copy + PartialEq + Send + 'static;
    fn latency_key(&self) -> Self::Key;
    /// These settings with the latency-deciding values of `key`.
    fn with_latency_key(self, key: Self::Key) -> Self;
}

/// A plugin's processing, host-free.
pub trait Engine: Send + 'static {
    /// The plain snapshot of the parameters the engine takes once per block.
    type Settings: LatencySettings;

    /// An engine ready to process: built for `config`, with `settings` applied and its state
    /// reset (nothing glides from a default on the first block). May allocate.
    fn new(config: EngineConfig, settings: &Self::Settings) -> Self;
    /// Takes this block's settings. Never allocates; what must glide, glides inside.
    fn set_settings(&mut self, settings: &Self::Settings);
    /// Samples of delay the engine adds, for the current settings.
    fn latency(&self) -> usize;
    /// Clears all signal state (delay lines, envelopes, filters). Audio-thread safe.
    fn reset(&mut self);
    /// Processes one block in place. `sidechain` is the external key input where the plugin has
    /// one (absent when the host connects none). Audio-thread safe.
    fn process(&mut self, main: &mut [&mut [f32]], sidechain: Option<&[&[f32]]>);
}
