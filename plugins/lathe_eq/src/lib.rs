//! Lathe Mastering EQ: precise, transparent tonal balance of the full mix.

use nice_plug::prelude::*;
use shared_dsp::spectrum::{SpectrumAnalyzer, SpectrumTap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub mod editor;
pub mod engine;
pub mod linear_phase;
pub mod params;

/// The plugin's CLAP id (stable: hosts and saved states refer to it).
pub const CLAP_ID: &str = "audio.lathe.mastering-eq";

use engine::{EqEngine, EqMode};
use linear_phase::LinearPhaseDesign;
use params::EqParams;

pub struct LatheEq {
    params: Arc<EqParams>,
    engine: Option<EqEngine>,
    /// The sample rate in use, for the editor's curves.
    sample_rate: Arc<shared_dsp::exchange::SharedValue>,
    /// The linear-phase kernel designer of the active engine, run by background tasks.
    designer: Arc<Mutex<Option<LinearPhaseDesign>>>,
    /// The processing mode the plugin was activated with. CLAP lets latency change only while
    /// activating: a new mode asks the host for a restart and takes effect then (see the
    /// limiter, which does the same for its lookahead).
    active_mode: EqMode,
    /// The audio thread's ends of the pre- and post-EQ spectrum analysers, fed only while the
    /// editor is open.
    taps: [SpectrumTap; 2],
    /// The analysers themselves, until the editor takes them.
    analyzers: Option<[SpectrumAnalyzer; 2]>,
    editor_open: Arc<AtomicBool>,
}

/// FFT size of the editor's analyser at 48 kHz (5.9 Hz bins).
const ANALYZER_FFT: usize = 8192;

impl Default for LatheEq {
    fn default() -> Self {
        let params = Arc::new(EqParams::default());
        let active_mode = params.settings().mode;
        let (pre, pre_tap) = SpectrumAnalyzer::with_tap(48_000.0, ANALYZER_FFT);
        let (post, post_tap) = SpectrumAnalyzer::with_tap(48_000.0, ANALYZER_FFT);
        Self {
            taps: [pre_tap, post_tap],
            analyzers: Some([pre, post]),
            editor_open: Arc::new(AtomicBool::new(false)),
            params,
            engine: None,
            sample_rate: Arc::new(shared_dsp::exchange::SharedValue::new(48_000.0)),
            designer: Arc::new(Mutex::new(None)),
            active_mode,
        }
    }
}

/// Work the audio thread hands to the background thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EqTask {
    /// Design linear-phase kernels for the newest band settings.
    DesignKernels,
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
    type BackgroundTask = EqTask;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn filter_state(state: &mut PluginState) {
        shared_gui::state::keep_only_own(state, CLAP_ID);
    }

    fn task_executor(&mut self) -> TaskExecutor<Self> {
        let designer = self.designer.clone();
        Box::new(move |task| match task {
            EqTask::DesignKernels => {
                if let Ok(mut d) = designer.lock()
                    && let Some(d) = d.as_mut()
                {
                    d.design_latest();
                }
            }
        })
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(
            self.params.clone(),
            self.sample_rate.clone(),
            self.analyzers.take(),
            self.editor_open.clone(),
        )
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
        let settings = self.params.settings();
        let mut engine = EqEngine::with_settings(
            num_channels,
            buffer_config.sample_rate,
            buffer_config.max_buffer_size as usize,
            &settings,
        );
        self.active_mode = settings.mode;
        self.params.latency_dirty.store(false, Ordering::Release);
        if let Ok(mut d) = self.designer.lock() {
            *d = engine.take_designer();
        }
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
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let Some(engine) = &mut self.engine else {
            return ProcessStatus::Normal;
        };
        let mut settings = self.params.settings();
        // A mode change changes latency. CLAP: ask for a restart (activate reports the new
        // latency). VST3: switch now, with the engine's fades, and report it.
        if self.params.latency_dirty.swap(false, Ordering::AcqRel)
            && settings.mode != self.active_mode
        {
            if context.plugin_api() == PluginApi::Clap {
                context.request_restart();
            } else {
                self.active_mode = settings.mode;
                engine.set_settings(&settings);
                context.set_latency_samples(engine.latency() as u32);
            }
        }
        settings.mode = self.active_mode;
        engine.set_settings(&settings);
        if engine.take_design_request() {
            context.execute_background(EqTask::DesignKernels);
        }
        let open = self.editor_open.load(Ordering::Relaxed);
        if open {
            push(&mut self.taps[0], buffer);
        }
        engine.process(buffer.as_slice());
        if open {
            push(&mut self.taps[1], buffer);
        }
        ProcessStatus::Normal
    }
}

/// The mean of the buffer's channels into an analyser tap. Audio-thread safe.
fn push(tap: &mut SpectrumTap, buffer: &Buffer) {
    let frames = buffer.samples();
    match buffer.as_slice_immutable() {
        [a, b, ..] => tap.push_mean(&[&**a, &**b], frames),
        [a] => tap.push(a),
        [] => {}
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
