//! Lathe Loudness Meter: EBU R128 / ITU-R BS.1770 loudness, true peak and loudness range.

use nice_plug::prelude::*;
use std::sync::Arc;

pub mod editor;
pub mod engine;
pub mod params;
pub mod readout;

/// The plugin's CLAP id (stable: hosts and saved states refer to it).
pub const CLAP_ID: &str = "audio.lathe.loudness-meter";

use engine::MeterEngine;
use params::MeterParams;
use readout::Readout;
use std::sync::atomic::Ordering;

pub struct LatheMeter {
    params: Arc<MeterParams>,
    readout: Arc<Readout>,
    engine: Option<MeterEngine>,
    /// Host transport state at the previous block, for auto-reset on play.
    was_playing: bool,
}

impl Default for LatheMeter {
    fn default() -> Self {
        Self {
            params: Arc::new(MeterParams::default()),
            readout: Arc::new(Readout::default()),
            engine: None,
            was_playing: false,
        }
    }
}

impl LatheMeter {
    fn start_new_measurement(&mut self) {
        if let Some(engine) = &mut self.engine {
            engine.reset();
        }
        self.readout.clear();
    }
}

impl Plugin for LatheMeter {
    const NAME: &'static str = "Lathe Loudness Meter";
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
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(6),
            main_output_channels: NonZeroU32::new(6),
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
        // Hosts deactivate and re-activate idle plugins (and call `reset` on every start of
        // processing): a loudness measurement must survive that, so the engine is only rebuilt
        // (and the measurement restarted) when the rate or the channel count changes.
        let same = self.engine.as_ref().is_some_and(|e| {
            e.sample_rate() == buffer_config.sample_rate
                && e.num_channels() == num_channels.clamp(1, readout::MAX_CHANNELS)
        });
        if !same {
            let mut engine = MeterEngine::new(
                num_channels,
                buffer_config.sample_rate,
                buffer_config.max_buffer_size as usize,
            );
            engine.set_settings(self.params.settings());
            self.engine = Some(engine);
            self.readout.clear();
        }
        context.set_latency_samples(0);
        true
    }

    /// Keeps the measurement: the wrappers call this on every start of processing (CLAP
    /// `start_processing`, VST3 `setProcessing(true)`), which some hosts do at every transport
    /// start or after idling. A new measurement starts only from the editor's Reset, on host
    /// play with "Reset on Play", or when the rate or layout changes.
    fn reset(&mut self) {}

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let playing = context.transport().playing;
        let play_started = playing && !self.was_playing;
        self.was_playing = playing;
        if self.readout.reset_request.swap(false, Ordering::Relaxed)
            || (play_started && self.params.auto_reset.value())
        {
            self.start_new_measurement();
        }
        // The meter passes audio untouched, except that NaN, infinite and subnormal samples
        // become zero: SPEC ("never produces NaN/inf output", "denormals never reach the
        // output") and hosts' validators; normal samples stay bit-exact. Done before metering so
        // a bad sample cannot poison the loudness state either.
        for channel in buffer.as_slice() {
            shared_dsp::util::sanitize_slice(channel);
        }
        if let Some(engine) = &mut self.engine {
            engine.set_settings(self.params.settings());
            engine.process(buffer.as_slice_immutable());
            engine.publish(&self.readout);
        }
        ProcessStatus::Normal
    }
}

impl ClapPlugin for LatheMeter {
    const CLAP_ID: &'static str = CLAP_ID;
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("EBU R128 / ITU-R BS.1770 loudness, true peak and loudness range meter");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Analyzer,
        ClapFeature::Mastering,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Surround,
    ];
}

impl Vst3Plugin for LatheMeter {
    const VST3_CLASS_ID: [u8; 16] = *b"LatheLoudMeter01";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Analyzer,
        Vst3SubCategory::Mastering,
    ];
}

nice_export_clap!(LatheMeter);
nice_export_vst3!(LatheMeter);
