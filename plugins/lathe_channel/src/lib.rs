//! Lathe Channel Strip: the per-track mixing insert.

use nice_plug::prelude::*;
use std::sync::Arc;

pub mod editor;
pub mod engine;
pub mod params;
pub mod presets;
pub mod readout;

/// The plugin's CLAP id (stable: hosts and saved states refer to it).
pub const CLAP_ID: &str = "audio.lathe.channel-strip";

use engine::ChannelEngine;
use params::ChannelParams;

pub struct LatheChannel {
    params: Arc<ChannelParams>,
    readout: Arc<readout::Readout>,
    engine: Option<ChannelEngine>,
}

impl Default for LatheChannel {
    fn default() -> Self {
        Self {
            params: Arc::new(ChannelParams::default()),
            readout: Arc::new(readout::Readout::default()),
            engine: None,
        }
    }
}

impl Plugin for LatheChannel {
    const NAME: &'static str = "Lathe Channel Strip";
    const VENDOR: &'static str = "Lathe";
    const URL: &'static str = "";
    const EMAIL: &'static str = "";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            aux_input_ports: &[new_nonzero_u32(2)],
            names: PortNames {
                layout: Some("Stereo with sidechain"),
                main_input: Some("Input"),
                main_output: Some("Output"),
                aux_inputs: &["Sidechain"],
                aux_outputs: &[],
            },
            ..AudioIOLayout::const_default()
        },
        // Mono without a sidechain port: nice-plug 0.4.2's VST3 wrapper dereferences the null
        // channel pointers a host (JUCE/pedalboard) passes for a disabled mono sidechain bus and
        // aborts. Stereo tracks keep the stereo sidechain.
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
        let mut engine = ChannelEngine::new(
            num_channels,
            buffer_config.sample_rate,
            buffer_config.max_buffer_size as usize,
        );
        engine.set_settings(&self.params.settings());
        engine.reset();
        self.readout.sample_rate.store(buffer_config.sample_rate);
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
        aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        if let Some(engine) = &mut self.engine {
            engine.set_settings(&self.params.settings());
            self.readout.input(buffer.as_slice());
            // The sidechain port is optional for the host: absent, the external key is silent.
            match aux.inputs.first_mut() {
                Some(sc) if sc.channels() > 0 => {
                    let sc = sc.as_slice_immutable();
                    let mut key: [&[f32]; 2] = [&[]; 2];
                    let n = sc.len().min(2);
                    for (slot, k) in key.iter_mut().zip(sc.iter()) {
                        *slot = &k[..];
                    }
                    engine.process_with_sidechain(buffer.as_slice(), Some(&key[..n]));
                }
                _ => engine.process_with_sidechain(buffer.as_slice(), None),
            }
            self.readout.output(buffer.as_slice());
            self.readout.dynamics(engine);
        }
        ProcessStatus::Normal
    }
}

impl ClapPlugin for LatheChannel {
    const CLAP_ID: &'static str = CLAP_ID;
    const CLAP_DESCRIPTION: Option<&'static str> = Some(
        "Per-track channel strip: trim, polarity, filters, gate, EQ, compressor, pan/width, output",
    );
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Equalizer,
        ClapFeature::Compressor,
        ClapFeature::Gate,
        ClapFeature::Filter,
        ClapFeature::Mixing,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ];
}

impl Vst3Plugin for LatheChannel {
    const VST3_CLASS_ID: [u8; 16] = *b"LatheChanStrip01";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Dynamics,
        Vst3SubCategory::Eq,
    ];
}

nice_export_clap!(LatheChannel);
nice_export_vst3!(LatheChannel);
