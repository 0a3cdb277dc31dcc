//! Lathe Limiter: a true-peak brickwall limiter, the last insert on the master bus.

use nice_plug::prelude::*;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub mod editor;
pub mod engine;
pub mod params;

/// The plugin's CLAP id (stable: hosts and saved states refer to it).
pub const CLAP_ID: &str = "audio.lathe.limiter";

use engine::LimiterEngine;
use params::LimiterParams;

pub struct LatheLimiter {
    params: Arc<LimiterParams>,
    engine: Option<LimiterEngine>,
    /// The lookahead the plugin was activated with. The lookahead is the latency, and CLAP lets
    /// latency change only while the plugin is being activated: a new value asks the host for a
    /// restart and takes effect on reactivation. Until then the engine keeps this lookahead, so
    /// the audio delay always equals the latency the host was told.
    active_lookahead_ms: f32,
}

impl Default for LatheLimiter {
    fn default() -> Self {
        let params = Arc::new(LimiterParams::default());
        let active_lookahead_ms = params.lookahead_ms.value();
        Self {
            params,
            engine: None,
            active_lookahead_ms,
        }
    }
}

impl Plugin for LatheLimiter {
    const NAME: &'static str = "Lathe Limiter";
    const VENDOR: &'static str = "Lathe";
    const URL: &'static str = "";
    const EMAIL: &'static str = "";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            ..AudioIOLayout::const_default()
        },
    ];

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = editor::Editor;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn filter_state(state: &mut PluginState) {
        shared_gui::state::keep_only_own(state, CLAP_ID);
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone())
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let num_channels = audio_io_layout
            .main_input_channels
            .map(NonZeroU32::get)
            .unwrap_or(2) as usize;
        let mut engine = LimiterEngine::new(
            num_channels,
            buffer_config.sample_rate,
            buffer_config.max_buffer_size as usize,
        );
        let settings = self.params.settings();
        self.active_lookahead_ms = settings.lookahead_ms;
        engine.set_settings(&settings);
        context.set_latency_samples(engine.latency() as u32);
        self.engine = Some(engine);
        true
    }

    fn reset(&mut self) {
        if let Some(engine) = &mut self.engine {
            engine.reset();
        }
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let Some(engine) = &mut self.engine else {
            return ProcessStatus::Normal;
        };
        // CLAP: not `set_latency_samples` here. nice-plug would report it through a main-thread
        // task that calls `latency.changed` even when the host has deactivated the plugin by
        // then, which CLAP forbids (clap-validator param-set-events; host-tests
        // limiter_lookahead_change_then_deactivate). A restart request is thread-safe, and
        // `activate` reports the new latency while being activated, as CLAP wants.
        // VST3: hosts (JUCE, Reaper) act on the latency-changed restart flag that
        // `set_latency_samples` raises but may ignore a reload request, so the new lookahead
        // takes effect at once and its latency is reported.
        let mut settings = self.params.settings();
        if self.params.latency_dirty.swap(false, Ordering::AcqRel)
            && settings.lookahead_ms != self.active_lookahead_ms
        {
            if context.plugin_api() == PluginApi::Clap {
                context.request_restart();
            } else {
                self.active_lookahead_ms = settings.lookahead_ms;
                engine.set_settings(&settings);
                context.set_latency_samples(engine.latency() as u32);
            }
        }
        settings.lookahead_ms = self.active_lookahead_ms;
        engine.set_settings(&settings);
        engine.process(buffer.as_slice());
        ProcessStatus::Normal
    }
}

impl ClapPlugin for LatheLimiter {
    const CLAP_ID: &'static str = CLAP_ID;
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("True-peak brickwall limiter for the master bus");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Limiter,
        ClapFeature::Mastering,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ];
}

impl Vst3Plugin for LatheLimiter {
    const VST3_CLASS_ID: [u8; 16] = *b"LatheLimiter0001";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Dynamics,
        Vst3SubCategory::Mastering,
    ];
}

nice_export_clap!(LatheLimiter);
nice_export_vst3!(LatheLimiter);
