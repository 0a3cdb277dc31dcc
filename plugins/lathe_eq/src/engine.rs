//! Host-free processing of the Mastering EQ, shared by the plugin, the CLI and the tests.
//!
//! Eight bands in `shared_dsp::filter::EqBank` (analog-matched zero-latency designs, trapezoidal
//! state-variable filters that glide frequency, gain and Q over 20 ms and crossfade band
//! on/off; stereo, left, right, mid or side per band), then the output gain with auto gain and
//! polarity (`shared_dsp::gain::GainStage`, smoothed), all inside the host bypass crossfade.
//!
//! Auto gain: when on, the output is corrected by the EQ curve's loudness change, computed
//! analytically whenever a band changes: the power gain of the summed response over pink
//! noise (equal energy per octave, 48 points 20 Hz–20 kHz) weighted by the BS.1770
//! K-weighting curve (what a loudness meter hears). Bands on one channel or on mid/side count
//! at half their power change (they touch half the signal). So a +3 dB bell and its auto gain
//! leave the integrated loudness of pink noise unchanged within a fraction of a LU.
//!
//! Processing modes ([`EqMode`]): zero latency (the bank above) or linear phase (the bands'
//! analog prototypes as one zero-phase response by FFT convolution, [`crate::linear_phase`];
//! latency 4607 samples at 48 kHz). A mode change fades the old path out over
//! [`MODE_FADE_MS`], clears the new path and fades its input in over the same time: no click,
//! a short dip. The latency reported changes with the mode at once.

use shared_dsp::bypass::Bypass;
use shared_dsp::filter::{BandParams, EqBank, Placement};
use shared_dsp::gain::{DEFAULT_SMOOTHING_MS, GainStage};
use shared_dsp::loudness::k_weighting;
use shared_dsp::util::LinearRamp;

use crate::linear_phase::{LinearPhaseAudio, LinearPhaseDesign, linear_phase};

/// Number of bands.
pub const NUM_BANDS: usize = 8;
/// Fade-out and fade-in time of a processing-mode change.
pub const MODE_FADE_MS: f32 = 5.0;

/// How the bands are realised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EqMode {
    /// Analog-matched state-variable filters: no latency, the phase of analog filters.
    #[default]
    ZeroLatency,
    /// FFT convolution with the analog magnitudes and no phase shift: constant group delay
    /// (the latency), and pre-ringing before transients on low, narrow boosts.
    LinearPhase,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EqSettings {
    pub bands: [BandParams; NUM_BANDS],
    pub output_db: f32,
    pub auto_gain: bool,
    pub invert: bool,
    pub bypass: bool,
    pub mode: EqMode,
}

impl Default for EqSettings {
    fn default() -> Self {
        Self {
            bands: [BandParams::default(); NUM_BANDS],
            output_db: 0.0,
            auto_gain: false,
            invert: false,
            bypass: false,
            mode: EqMode::ZeroLatency,
        }
    }
}

/// Points of the auto-gain estimate.
const AUTO_GAIN_POINTS: usize = 48;

pub struct EqEngine {
    num_channels: usize,
    sample_rate: f32,
    bank: EqBank,
    output: GainStage,
    bypass: Bypass,
    bands: [BandParams; NUM_BANDS],
    auto_gain_db: f32,
    /// The bands changed since `auto_gain_db` was computed.
    auto_gain_stale: bool,
    /// Samples processed since `auto_gain_db` was computed, and the least between two
    /// computations (10 ms: it costs about 10 µs, and the output gain glides anyway).
    since_auto_gain: usize,
    auto_gain_interval: usize,
    /// K-weighting × pink-noise weight of each auto-gain point (normalised), and its frequency.
    weights: [(f64, f64); AUTO_GAIN_POINTS],
    lp: LinearPhaseAudio,
    /// The kernel designer while the engine owns it (CLI, tests: kernels are designed inside
    /// `set_settings`); the plugin takes it to a background thread.
    designer: Option<LinearPhaseDesign>,
    /// A design request the owner of the designer should act on.
    design_requested: bool,
    switch: ModeSwitch,
}

/// The running mode, the one asked for, and the fades between them.
#[derive(Clone, Copy, Debug)]
struct ModeSwitch {
    mode: EqMode,
    target: EqMode,
    /// Output gain of the running path (fades out before a mode change).
    path_out: LinearRamp,
    /// Input gain of the running path (fades in after a mode change).
    path_in: LinearRamp,
    fade_samples: usize,
}

impl EqEngine {
    /// May allocate: call from `activate`.
    pub fn new(num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        let mut bank = EqBank::new(NUM_BANDS);
        bank.prepare(sample_rate, max_block);
        let top = 20_000f64.min(sample_rate as f64 * 0.45);
        let mut weights = [(0.0, 0.0); AUTO_GAIN_POINTS];
        let mut total = 0.0;
        for (i, w) in weights.iter_mut().enumerate() {
            let f = 20.0 * (top / 20.0).powf(i as f64 / (AUTO_GAIN_POINTS - 1) as f64);
            let k = 10f64.powf(k_weighting::response_db(f, sample_rate as f64) / 10.0);
            *w = (f, k);
            total += k;
        }
        for w in &mut weights {
            w.1 /= total;
        }
        let bands = [BandParams::default(); NUM_BANDS];
        let (lp, designer) = linear_phase(num_channels.min(2), sample_rate, max_block, &bands);
        // The dry path of the bypass is delayed by up to the linear-phase latency.
        let bypass = Bypass::new(num_channels, max_block, lp.latency(), sample_rate);
        let mut engine = Self {
            num_channels,
            sample_rate,
            lp,
            designer: Some(designer),
            design_requested: false,
            switch: ModeSwitch {
                mode: EqMode::ZeroLatency,
                target: EqMode::ZeroLatency,
                path_out: LinearRamp::new(1.0),
                path_in: LinearRamp::new(1.0),
                fade_samples: ((MODE_FADE_MS * 1e-3 * sample_rate).round() as usize).max(1),
            },
            bank,
            output: GainStage::new(sample_rate, DEFAULT_SMOOTHING_MS),
            bypass,
            bands: [BandParams::default(); NUM_BANDS],
            auto_gain_db: 0.0,
            auto_gain_stale: false,
            since_auto_gain: usize::MAX,
            auto_gain_interval: (0.01 * sample_rate) as usize,
            weights,
        };
        engine.set_settings(&EqSettings::default());
        engine
    }

    /// Like [`EqEngine::new`], starting in `settings` with no fade (kernels designed, the mode
    /// and its latency in place). May allocate.
    pub fn with_settings(
        num_channels: usize,
        sample_rate: f32,
        max_block: usize,
        settings: &EqSettings,
    ) -> Self {
        let mut engine = Self::new(num_channels, sample_rate, max_block);
        engine.set_settings(settings);
        engine.switch.mode = settings.mode;
        engine.switch.target = settings.mode;
        engine.bypass.set_latency(engine.latency());
        engine.reset();
        engine
    }

    /// Takes the linear-phase kernel designer out of the engine (to run it on a background
    /// thread). From then on, [`EqEngine::take_design_request`] says when to run it.
    pub fn take_designer(&mut self) -> Option<LinearPhaseDesign> {
        self.designer.take()
    }

    /// Whether new kernels should be designed (and clears the flag). Only meaningful after
    /// [`EqEngine::take_designer`].
    pub fn take_design_request(&mut self) -> bool {
        std::mem::take(&mut self.design_requested)
    }

    /// The mode asked for (the one whose latency is reported).
    pub fn target_mode(&self) -> EqMode {
        self.switch.target
    }

    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Never allocates. Bands are handed to the bank only when they change.
    pub fn set_settings(&mut self, settings: &EqSettings) {
        let mut changed = false;
        for (i, (band, old)) in settings.bands.iter().zip(self.bands.iter_mut()).enumerate() {
            if band != old {
                *old = *band;
                self.bank.set_band(i, *band);
                changed = true;
            }
        }
        self.auto_gain_stale |= changed;
        if self.auto_gain_stale && self.since_auto_gain >= self.auto_gain_interval {
            // While a band is automated, at most every 10 ms; its last value once it stops.
            self.auto_gain_db = self.loudness_change_db();
            self.auto_gain_stale = false;
            self.since_auto_gain = 0;
        }
        let entering_lp =
            settings.mode == EqMode::LinearPhase && self.switch.target != EqMode::LinearPhase;
        if (changed && settings.mode == EqMode::LinearPhase) || entering_lp {
            self.request_design();
        }
        if settings.mode != self.switch.target {
            self.switch.target = settings.mode;
            self.bypass.set_latency(self.latency());
        }
        let auto = if settings.auto_gain {
            -self.auto_gain_db
        } else {
            0.0
        };
        self.output.set_gain_db(settings.output_db + auto);
        for ch in 0..self.num_channels {
            self.output.set_invert(ch, settings.invert);
        }
        self.bypass.set_bypassed(settings.bypass);
    }

    /// Asks for linear-phase kernels of the current bands: designed at once while the engine
    /// owns the designer, else flagged for its owner.
    fn request_design(&mut self) {
        let schedule = self.lp.request(&self.bands);
        match &mut self.designer {
            Some(d) => {
                d.design_latest();
            }
            None => self.design_requested |= schedule,
        }
    }

    /// The loudness change of the current curve on pink noise, dB (see the module docs).
    pub fn loudness_change_db(&self) -> f32 {
        let mut power = 0.0;
        for &(f, w) in &self.weights {
            let mut g = 1.0;
            for (i, b) in self.bands.iter().enumerate() {
                if !b.enabled {
                    continue;
                }
                let p = 10f64.powf(self.bank.band_response_db(i, f) / 10.0);
                g *= match b.placement {
                    Placement::Stereo => p,
                    _ => 0.5 * (p + 1.0),
                };
            }
            power += w * g;
        }
        (10.0 * power.max(1e-12).log10()) as f32
    }

    /// The bank, for the editor's curves and the tests.
    pub fn bank(&self) -> &EqBank {
        &self.bank
    }

    /// Audio-thread safe.
    pub fn reset(&mut self) {
        self.bank.reset();
        self.lp.reset();
        self.output.reset();
        self.bypass.reset();
        self.switch.mode = self.switch.target;
        self.switch.path_out.reset(1.0);
        self.switch.path_in.reset(1.0);
    }

    /// Latency in samples of the mode asked for: 0, or the convolver's in linear phase.
    pub fn latency(&self) -> usize {
        match self.switch.target {
            EqMode::ZeroLatency => 0,
            EqMode::LinearPhase => self.lp.latency(),
        }
    }

    /// Audio-thread safe.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |c| c.len());
        self.since_auto_gain = self.since_auto_gain.saturating_add(frames);
        let (bank, lp, switch, output) = (
            &mut self.bank,
            &mut self.lp,
            &mut self.switch,
            &mut self.output,
        );
        self.bypass.process(channels, |c| {
            switch.process(bank, lp, c);
            output.process(c);
        });
    }
}

impl ModeSwitch {
    /// The running mode's path, with the fades of a mode change.
    fn process(
        &mut self,
        bank: &mut EqBank,
        lp: &mut LinearPhaseAudio,
        channels: &mut [&mut [f32]],
    ) {
        let run =
            |mode: EqMode, bank: &mut EqBank, lp: &mut LinearPhaseAudio, c: &mut [&mut [f32]]| {
                match mode {
                    EqMode::ZeroLatency => bank.process(c),
                    EqMode::LinearPhase => lp.process(c),
                }
            };
        let steady = self.mode == self.target
            && !self.path_out.is_ramping()
            && !self.path_in.is_ramping()
            && self.path_out.current() == 1.0;
        if steady {
            run(self.mode, bank, lp, channels);
            return;
        }
        // A mode change in progress: 64-sample chunks, per-sample gains.
        const CHUNK: usize = 64;
        let n = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        let [first, rest @ ..] = channels else {
            return;
        };
        let mut second = rest.first_mut();
        let mut pos = 0;
        while pos < n {
            if self.mode != self.target && self.path_out.target() != 0.0 {
                self.path_out.set_target(0.0, self.fade_samples);
            } else if self.mode == self.target && self.path_out.target() != 1.0 {
                // Switched back while fading out: fade the same path back in.
                self.path_out.set_target(1.0, self.fade_samples);
            }
            let len = CHUNK.min(n - pos);
            let mut sub: [&mut [f32]; 2] = [&mut first[pos..pos + len], &mut []];
            let count = match second.as_deref_mut() {
                Some(r) => {
                    sub[1] = &mut r[pos..pos + len];
                    2
                }
                None => 1,
            };
            if self.path_in.is_ramping() {
                for i in 0..len {
                    let g = self.path_in.next();
                    for ch in sub[..count].iter_mut() {
                        ch[i] *= g;
                    }
                }
            }
            run(self.mode, bank, lp, &mut sub[..count]);
            for i in 0..len {
                let g = self.path_out.next();
                for ch in sub[..count].iter_mut() {
                    ch[i] *= g;
                }
            }
            pos += len;
            if self.mode != self.target && self.path_out.current() == 0.0 {
                // Silent now: switch, start the new path from a clean state, fade its input in.
                self.mode = self.target;
                match self.mode {
                    EqMode::ZeroLatency => bank.reset(),
                    EqMode::LinearPhase => lp.reset(),
                }
                self.path_in.reset(0.0);
                self.path_in.set_target(1.0, self.fade_samples);
                self.path_out.reset(1.0);
            }
        }
    }
}

impl lathe_plugin::LatencySettings for EqSettings {
    type Key = EqMode;
    fn latency_key(&self) -> EqMode {
        self.mode
    }
    fn with_latency_key(mut self, mode: EqMode) -> Self {
        self.mode = mode;
        self
    }
}

impl lathe_plugin::Engine for EqEngine {
    type Settings = EqSettings;
    /// Starts in `settings` with no fade, as [`EqEngine::with_settings`] does.
    fn new(config: lathe_plugin::EngineConfig, settings: &EqSettings) -> Self {
        Self::with_settings(
            config.num_channels,
            config.sample_rate,
            config.max_block,
            settings,
        )
    }
    fn set_settings(&mut self, settings: &EqSettings) {
        self.set_settings(settings)
    }
    fn latency(&self) -> usize {
        self.latency()
    }
    fn reset(&mut self) {
        self.reset()
    }
    fn process(&mut self, main: &mut [&mut [f32]], _sidechain: Option<&[&[f32]]>) {
        self.process(main)
    }
}
