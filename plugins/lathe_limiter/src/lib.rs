//! Lathe Limiter: a true-peak brickwall limiter, the last insert on the master bus.

use nice_plug::prelude::*;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub mod editor;
pub mod engine;
pub mod params;
pub mod readout;

/// The plugin's CLAP id (stable: hosts and saved states refer to it).
pub const CLAP_ID: &str = "audio.lathe.limiter";

use engine::{LimiterEngine, LimiterSettings};
use params::LimiterParams;
use readout::Readout;

pub struct LatheLimiter {
    params: Arc<LimiterParams>,
    readout: Arc<Readout>,
    engine: Option<LimiterEngine>,
    sample_rate: f32,
    /// The latency-setting values (lookahead, oversampling, mode) the plugin was activated with.
    /// CLAP lets latency change only while the plugin is being activated: a new value asks the
    /// host for a restart and takes effect on reactivation. Until then the engine keeps these, so
    /// the audio delay always equals the latency the host was told.
    active: LimiterSettings,
}

impl Default for LatheLimiter {
    fn default() -> Self {
        let params = Arc::new(LimiterParams::default());
        let active = params.settings();
        Self {
            params,
            readout: Arc::new(Readout::default()),
            engine: None,
            sample_rate: 48_000.0,
            active,
        }
    }
}

/// `settings` with the latency-setting values of `active`.
fn keep_latency(mut settings: LimiterSettings, active: &LimiterSettings) -> LimiterSettings {
    settings.lookahead_ms = active.lookahead_ms;
    settings.oversampling = active.oversampling;
    settings.mode = active.mode;
    settings
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
        editor::create(self.params.clone(), self.readout.clone())
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
        self.active = settings;
        self.sample_rate = buffer_config.sample_rate;
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
        let settings = self.params.settings();
        if self.params.latency_dirty.swap(false, Ordering::AcqRel)
            && settings.latency_key() != self.active.latency_key()
        {
            if context.plugin_api() == PluginApi::Clap {
                context.request_restart();
            } else {
                self.active = settings;
                engine.set_settings(&settings);
                context.set_latency_samples(engine.latency() as u32);
            }
        }
        engine.set_settings(&keep_latency(settings, &self.active));
        let frames = buffer.samples();
        engine.process(buffer.as_slice());
        self.params
            .learned_gain_db
            .store(engine.learned_gain_db(), Ordering::Relaxed);
        self.readout.publish(engine, frames, self.sample_rate);
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
