//! Lathe Mastering EQ: precise, transparent tonal balance of the full mix.

use nice_plug::prelude::*;
use std::sync::Arc;

pub mod editor;
pub mod engine;
pub mod params;

/// The plugin's CLAP id (stable: hosts and saved states refer to it).
pub const CLAP_ID: &str = "audio.lathe.mastering-eq";

use engine::EqEngine;
use params::EqParams;

pub struct LatheEq {
    params: Arc<EqParams>,
    engine: Option<EqEngine>,
    /// The sample rate in use, for the editor's curves.
    sample_rate: Arc<shared_dsp::exchange::SharedValue>,
}

impl Default for LatheEq {
    fn default() -> Self {
        Self {
            params: Arc::new(EqParams::default()),
            engine: None,
            sample_rate: Arc::new(shared_dsp::exchange::SharedValue::new(48_000.0)),
        }
    }
}

impl Plugin for LatheEq {
    const NAME: &'static str = "Lathe Mastering EQ";
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
        editor::create(self.params.clone(), self.sample_rate.clone())
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
        let mut engine = EqEngine::new(
            num_channels,
            buffer_config.sample_rate,
            buffer_config.max_buffer_size as usize,
        );
        engine.set_settings(&self.params.settings());
        engine.reset();
        self.sample_rate.store(buffer_config.sample_rate);
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
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        if let Some(engine) = &mut self.engine {
            engine.set_settings(&self.params.settings());
            engine.process(buffer.as_slice());
        }
        ProcessStatus::Normal
    }
}

impl ClapPlugin for LatheEq {
    const CLAP_ID: &'static str = CLAP_ID;
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Precise, transparent mastering equalizer with analog-matched and linear-phase modes");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Equalizer,
        ClapFeature::Mastering,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ];
}

impl Vst3Plugin for LatheEq {
    const VST3_CLASS_ID: [u8; 16] = *b"LatheMasterEQ001";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Eq,
        Vst3SubCategory::Mastering,
    ];
}

nice_export_clap!(LatheEq);
nice_export_vst3!(LatheEq);
