//! The one generic plugin: [`Shell`] implements the framework's `Plugin`, `ClapPlugin` and
//! `Vst3Plugin` for any [`LathePlugin`], so a plugin crate states only what is its own (its
//! identity, engine, parameters, meters and editor) and none of the host plumbing.
//!
//! Per block, on the audio thread: the parameters become a plain settings snapshot
//! ([`PluginParams::settings`]), the latency handshake keeps what the host was told
//! ([`crate::latency`]), the engine takes the snapshot once (`Engine::set_settings`), the
//! plugin's `before_process` hook reads the input (meters), the engine processes in place with
//! the sidechain where the host connects one, and `after_process` publishes meters.

use crate::engine::{Engine, EngineConfig, LatencySettings};
use crate::info::{PluginInfo, VENDOR};
use crate::latency::{LatencyAction, LatencyHandshake};
use nice_plug::prelude::*;
use std::sync::Arc;

/// A plugin's parameter object: the framework's `Params` plus the plain snapshot the engine takes.
pub trait PluginParams: Params + Default + 'static {
    type Settings;
    /// This block's values, read lock-free from the parameters.
    fn settings(&self) -> Self::Settings;
    /// Whether a latency-deciding parameter was touched since the last call; clears the flag.
    fn take_latency_change(&self) -> bool {
        false
    }
}

/// What the hooks know of the block being processed.
#[derive(Clone, Copy, Debug)]
pub struct Block {
    pub sample_rate: f32,
    pub frames: usize,
    /// The host's transport is playing.
    pub playing: bool,
}

/// What a plugin crate provides: its identity, engine and parameters, its editor, and hooks
/// for meters. Everything has a default but the identity, the types, `params` and `editor`.
pub trait LathePlugin: Default + Send + 'static {
    const INFO: &'static PluginInfo;
    /// The engine's state is a measurement the user owns (the loudness meter): the host's resets
    /// and re-activations at an unchanged rate and layout keep it.
    const KEEPS_STATE: bool = false;

    type Engine: Engine;
    type Params: PluginParams<Settings = <Self::Engine as Engine>::Settings>;
    /// The editor (`()` when the crate is built without its `gui` feature).
    type Editor: Editor;

    fn params(&self) -> &Arc<Self::Params>;
    /// Opens the editor; called on the main thread.
    fn editor(&mut self) -> Option<Self::Editor>;

    /// After activation. `fresh`: the engine was built now (not kept, see `KEEPS_STATE`).
    fn activated(&mut self, engine: &mut Self::Engine, config: &EngineConfig, fresh: bool) {
        let _ = (engine, config, fresh);
    }
    /// Before the engine processes the block (input meters, resets the user asked for).
    fn before_process(&mut self, engine: &mut Self::Engine, main: &[&mut [f32]], block: &Block) {
        let _ = (engine, main, block);
    }
    /// After the engine processed the block (output meters). Returns whether the background
    /// task ([`Self::background_task`]) should run.
    fn after_process(
        &mut self,
        engine: &mut Self::Engine,
        main: &[&mut [f32]],
        block: &Block,
    ) -> bool {
        let _ = (engine, main, block);
        false
    }
    /// Work the audio thread hands to the framework's background thread (the EQ designs its
    /// linear-phase kernels there). Called once, on the main thread.
    fn background_task(&mut self) -> Option<Box<dyn Fn() + Send>> {
        None
    }
}

type Key<P> = <<<P as LathePlugin>::Engine as Engine>::Settings as LatencySettings>::Key;

/// The framework-facing plugin for a [`LathePlugin`].
pub struct Shell<P: LathePlugin> {
    plugin: P,
    engine: Option<P::Engine>,
    config: Option<EngineConfig>,
    handshake: Option<LatencyHandshake<Key<P>>>,
}

impl<P: LathePlugin> Default for Shell<P> {
    fn default() -> Self {
        Self {
            plugin: P::default(),
            engine: None,
            config: None,
            handshake: None,
        }
    }
}

impl<P: LathePlugin> Shell<P> {
    /// The plugin crate's part, for tests.
    pub fn plugin(&self) -> &P {
        &self.plugin
    }
}

impl<P: LathePlugin> Plugin for Shell<P> {
    const NAME: &'static str = P::INFO.name;
    const VENDOR: &'static str = VENDOR;
    const URL: &'static str = "";
    const EMAIL: &'static str = "";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = P::INFO.layouts;
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = P::Editor;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.plugin.params().clone()
    }

    /// A state written by another plugin (Lathe plugins share ids such as `out` and `bypass`) or
    /// by no Lathe plugin at all is refused with a logged error; the instance keeps its settings.
    fn filter_state(state: &mut PluginState) {
        crate::state::keep_only_own(state, P::INFO.clap_id);
    }

    fn task_executor(&mut self) -> TaskExecutor<Self> {
        let task = self.plugin.background_task();
        Box::new(move |()| {
            if let Some(task) = &task {
                task();
            }
        })
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        self.plugin.editor()
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let mut config = EngineConfig {
            num_channels: audio_io_layout
                .main_input_channels
                .map(NonZeroU32::get)
                .unwrap_or(2) as usize,
            sample_rate: buffer_config.sample_rate,
            max_block: buffer_config.max_buffer_size as usize,
        };
        let params = self.plugin.params().clone();
        let settings = params.settings();
        // Activation reports the latency of the settings as they are now: nothing is pending.
        params.take_latency_change();
        self.handshake = Some(LatencyHandshake::activated(&settings));
        // An engine that keeps its state survives a re-activation at the same rate and layout
        // whose blocks fit what it was built for.
        let keep = P::KEEPS_STATE
            && self.engine.is_some()
            && self.config.is_some_and(|old| {
                old.num_channels == config.num_channels
                    && old.sample_rate == config.sample_rate
                    && config.max_block <= old.max_block
            });
        if keep && let Some(old) = self.config {
            config.max_block = old.max_block;
        } else {
            self.engine = Some(P::Engine::new(config, &settings));
        }
        self.config = Some(config);
        let engine = self.engine.as_mut().expect("built above");
        engine.set_settings(&settings);
        self.plugin.activated(engine, &config, !keep);
        context.set_latency_samples(engine.latency() as u32);
        true
    }

    /// The wrappers call this on every start of processing (CLAP `start_processing`, VST3
    /// `setProcessing(true)`).
    fn reset(&mut self) {
        if !P::KEEPS_STATE
            && let Some(engine) = &mut self.engine
        {
            engine.reset();
        }
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let (Some(engine), Some(handshake), Some(config)) =
            (&mut self.engine, &mut self.handshake, &self.config)
        else {
            return ProcessStatus::Normal;
        };
        let params = self.plugin.params();
        let (settings, action) = handshake.block(
            params.settings(),
            params.take_latency_change(),
            context.plugin_api(),
        );
        engine.set_settings(&settings);
        match action {
            LatencyAction::None => {}
            LatencyAction::RequestRestart => context.request_restart(),
            LatencyAction::Report => context.set_latency_samples(engine.latency() as u32),
        }
        let block = Block {
            sample_rate: config.sample_rate,
            frames: buffer.samples(),
            playing: context.transport().playing,
        };
        let main = buffer.as_slice();
        self.plugin.before_process(engine, main, &block);
        // The sidechain port is optional for the host: absent, the external key is silent.
        let mut key: [&[f32]; 2] = [&[]; 2];
        let sidechain = match aux.inputs.first_mut() {
            Some(sc) if sc.channels() > 0 => {
                let sc = sc.as_slice_immutable();
                for (slot, k) in key.iter_mut().zip(sc.iter()) {
                    *slot = &k[..];
                }
                Some(&key[..sc.len().min(2)])
            }
            _ => None,
        };
        process_in_chunks(engine, main, sidechain, config.max_block);
        if self.plugin.after_process(engine, main, &block) {
            context.execute_background(());
        }
        ProcessStatus::Normal
    }
}

/// Channels a block is split for; more are processed whole (no Lathe layout has more than six).
const MAX_SPLIT_CHANNELS: usize = 8;

/// Runs `engine` over the block in pieces of at most `max_block` frames: some hosts (and the
/// framework's JACK standalone) deliver more frames than they declared at activation, and an
/// engine only promises to handle what it was built for. Audio-thread safe: the pieces are
/// slices of the host's buffers, on the stack.
fn process_in_chunks<E: Engine>(
    engine: &mut E,
    main: &mut [&mut [f32]],
    sidechain: Option<&[&[f32]]>,
    max_block: usize,
) {
    let frames = main.first().map_or(0, |c| c.len());
    if frames <= max_block || max_block == 0 || main.len() > MAX_SPLIT_CHANNELS {
        engine.process(main, sidechain);
        return;
    }
    let channels = main.len();
    let mut start = 0;
    while start < frames {
        let end = (start + max_block).min(frames);
        let mut part: [&mut [f32]; MAX_SPLIT_CHANNELS] = Default::default();
        for (p, c) in part.iter_mut().zip(main.iter_mut()) {
            *p = &mut c[start..end];
        }
        let mut key: [&[f32]; 2] = [&[]; 2];
        let key = sidechain.map(|sc| {
            for (k, c) in key.iter_mut().zip(sc) {
                *k = &c[start..end];
            }
            &key[..sc.len().min(2)]
        });
        engine.process(&mut part[..channels], key);
        start = end;
    }
}

impl<P: LathePlugin> ClapPlugin for Shell<P> {
    const CLAP_ID: &'static str = P::INFO.clap_id;
    const CLAP_DESCRIPTION: Option<&'static str> = Some(P::INFO.description);
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = P::INFO.clap_features;
}

impl<P: LathePlugin> Vst3Plugin for Shell<P> {
    const VST3_CLASS_ID: [u8; 16] = P::INFO.vst3_class_id;
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = P::INFO.vst3_subcategories;
}

/// The editor items of a [`LathePlugin`] impl, written once for every plugin crate: with the
/// crate's `gui` feature, `type Editor = $editor` and `editor()` opening it with `$open` (which
/// sees the plugin as `$this`); without it, no editor (`()`, `None`). The `cfg` is evaluated in
/// the crate that invokes the macro, so each plugin crate's own `gui` feature decides.
///
/// ```ignore
/// impl LathePlugin for Limiter {
///     lathe_plugin::editor!(editor::Editor, |this| editor::create(this.params.clone()));
///     // ...
/// }
/// ```
#[macro_export]
macro_rules! editor {
    ($editor:ty, |$this:ident| $open:expr) => {
        #[cfg(feature = "gui")]
        type Editor = $editor;
        #[cfg(not(feature = "gui"))]
        type Editor = ();

        fn editor(&mut self) -> Option<Self::Editor> {
            #[cfg(feature = "gui")]
            {
                let $this = self;
                $open
            }
            #[cfg(not(feature = "gui"))]
            None
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An engine that records the blocks it is given and fails on one longer than promised.
    struct Recorder {
        max_block: usize,
        blocks: Vec<usize>,
        out: f32,
    }

    #[derive(Clone)]
    struct NoSettings;
    impl LatencySettings for NoSettings {
        type Key = ();
        fn latency_key(&self) {}
        fn with_latency_key(self, (): ()) -> Self {
            self
        }
    }

    impl Engine for Recorder {
        type Settings = NoSettings;
        fn new(config: EngineConfig, _: &NoSettings) -> Self {
            Self {
                max_block: config.max_block,
                blocks: Vec::new(),
                out: 0.0,
            }
        }
        fn set_settings(&mut self, _: &NoSettings) {}
        fn latency(&self) -> usize {
            0
        }
        fn reset(&mut self) {}
        fn process(&mut self, main: &mut [&mut [f32]], sidechain: Option<&[&[f32]]>) {
            let n = main[0].len();
            assert!(n <= self.max_block, "{n} frames > {}", self.max_block);
            self.blocks.push(n);
            // Output: a running count plus the key, so the test sees every frame in order.
            for i in 0..n {
                self.out += 1.0;
                let key = sidechain.map_or(0.0, |k| k[0][i]);
                for c in main.iter_mut() {
                    c[i] = self.out + key;
                }
            }
        }
    }

    #[test]
    fn a_block_longer_than_declared_runs_in_pieces_with_every_frame_in_order() {
        let config = EngineConfig {
            num_channels: 2,
            sample_rate: 48_000.0,
            max_block: 512,
        };
        let mut engine = Recorder::new(config, &NoSettings);
        let (mut l, mut r) = (vec![0.0f32; 1300], vec![0.0f32; 1300]);
        let key: Vec<f32> = (0..1300).map(|i| 10_000.0 * i as f32).collect();
        let keys = [&key[..], &key[..]];
        process_in_chunks(
            &mut engine,
            &mut [&mut l[..], &mut r[..]],
            Some(&keys[..]),
            512,
        );
        assert_eq!(engine.blocks, vec![512, 512, 276]);
        for (i, (a, b)) in l.iter().zip(&r).enumerate() {
            let want = (i + 1) as f32 + key[i];
            assert_eq!((*a, *b), (want, want), "frame {i}");
        }
        // A block within the promise is passed whole.
        process_in_chunks(&mut engine, &mut [&mut l[..100], &mut r[..100]], None, 512);
        assert_eq!(engine.blocks.last(), Some(&100));
    }
}
