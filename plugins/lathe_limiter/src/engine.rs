//! Host-free processing of the Limiter, shared by the plugin, the CLI and the tests.
//!
//! Signal flow: input meter → `shared_dsp::limiter::Limiter` (drive, look-ahead gain computer,
//! sample-peak or true-peak ceiling, optional 2x/4x/8x oversampling, stereo link, auto-release)
//! → optional TPDF dither with noise shaping (`shared_dsp::dither::Dither`, the very last stage,
//! after the ceiling) → the host bypass crossfade (`shared_dsp::bypass::Bypass`, which delays the
//! dry path by the same latency) → output meters (sample peak, BS.1770 true peak, momentary /
//! short-term / integrated loudness). Latency = the limiter's (look-ahead + oversampler + true-peak
//! stages), exact and integer.

use shared_dsp::bypass::Bypass;
use shared_dsp::dither::{Dither, NoiseShaping};
use shared_dsp::limiter::{Limiter, LimiterMode};
use shared_dsp::loudness::{ChannelLayout, LoudnessMeter};
use shared_dsp::true_peak::{TruePeakMeter, TruePeakMode};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LimiterSettings {
    pub input_db: f32,
    pub ceiling_db: f32,
    pub lookahead_ms: f32,
    pub release_ms: f32,
    pub auto_release: bool,
    pub link_percent: f32,
    pub mode: LimiterMode,
    /// 1 (off), 2, 4 or 8.
    pub oversampling: usize,
    /// 0 = no dither; 16 or 24 = dither and quantise to that many bits.
    pub dither_bits: u32,
    pub noise_shaping: NoiseShaping,
    pub bypass: bool,
    /// The integrated loudness to land on, LUFS (`None`: no target, the learned gain is unused).
    pub loudness_target_lufs: Option<f32>,
    /// Learning: the engine moves its extra input gain until the output's loudness sits on the
    /// target. Off: the learned gain holds.
    pub learn: bool,
    /// The learned extra input gain to start from (restored from the plugin state), dB.
    pub learned_gain_db: f32,
}

impl Default for LimiterSettings {
    fn default() -> Self {
        Self {
            input_db: 0.0,
            ceiling_db: -1.0,
            lookahead_ms: 1.5,
            release_ms: 100.0,
            auto_release: true,
            link_percent: 100.0,
            mode: LimiterMode::TruePeak,
            oversampling: 4,
            dither_bits: 0,
            noise_shaping: NoiseShaping::Off,
            bypass: false,
            loudness_target_lufs: None,
            learn: false,
            learned_gain_db: 0.0,
        }
    }
}

impl LimiterSettings {
    /// The settings that change the latency: a change needs the host told (a restart in CLAP).
    pub fn latency_key(&self) -> (u32, usize, LimiterMode) {
        (self.lookahead_ms.to_bits(), self.oversampling, self.mode)
    }
}

/// Loudness learning: it waits for a full short-term window after it starts, then every 100 ms
/// moves the learned gain by `LEARN_RATE` × (target − short-term loudness), at most
/// `LEARN_MAX_STEP_DB` per step, within ±`LEARN_RANGE_DB`. A slow integrator on the 3 s loudness:
/// it converges in a few seconds on steady program and never chases single transients.
pub const LEARN_RATE: f32 = 0.15;
pub const LEARN_MAX_STEP_DB: f32 = 0.5;
pub const LEARN_RANGE_DB: f32 = 24.0;
const LEARN_WAIT_S: f32 = 3.0;
const LEARN_STEP_S: f32 = 0.1;

/// Longest lookahead the parameter allows, for preallocation.
pub const MAX_LOOKAHEAD_MS: f32 = 10.0;

/// Most channels metered per side (the limiter takes mono or stereo).
pub const METER_CHANNELS: usize = 2;

/// Meter readings of the last processed block.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BlockMeters {
    /// Input sample peak per channel (before the drive), linear.
    pub input_peak: [f32; METER_CHANNELS],
    /// Output sample peak per channel, linear.
    pub output_peak: [f32; METER_CHANNELS],
    /// Largest gain reduction in the block, positive dB.
    pub gain_reduction_db: f32,
}

pub struct LimiterEngine {
    num_channels: usize,
    limiter: Limiter,
    dither: Dither,
    dither_on: bool,
    bypass: Bypass,
    output_true_peak: TruePeakMeter,
    /// Output true peak per channel since the last `take_output_true_peak`, linear.
    held_true_peak: [f32; METER_CHANNELS],
    output_loudness: LoudnessMeter,
    meters: BlockMeters,
    settings: LimiterSettings,
    sample_rate: f32,
    learned_gain_db: f32,
    /// Samples since learning started, and since the last learning step.
    learn_elapsed: usize,
    learn_since_step: usize,
}

/// Largest `|x|` of a block.
fn peak(x: &[f32]) -> f32 {
    x.iter()
        .fold(0.0f32, |m, v| if v.abs() > m { v.abs() } else { m })
}

impl LimiterEngine {
    /// May allocate: call from `activate`.
    pub fn new(num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        let limiter = Limiter::new(num_channels, sample_rate);
        // The largest latency any setting can have: 8x, true peak, longest lookahead.
        let mut probe = Limiter::new(1, sample_rate);
        probe.set_mode(LimiterMode::TruePeak);
        probe.set_oversampling(8);
        probe.set_lookahead_ms(MAX_LOOKAHEAD_MS);
        let max_latency = probe.latency() + 64;
        let layout =
            ChannelLayout::from_num_channels(num_channels).unwrap_or(ChannelLayout::Stereo);
        let mut engine = Self {
            num_channels,
            limiter,
            dither: Dither::new(num_channels, 24),
            dither_on: false,
            bypass: Bypass::new(num_channels, max_block, max_latency, sample_rate),
            output_true_peak: TruePeakMeter::new(num_channels, TruePeakMode::Bs1770),
            held_true_peak: [0.0; METER_CHANNELS],
            output_loudness: LoudnessMeter::new(sample_rate as f64, layout, max_block.max(1)),
            meters: BlockMeters::default(),
            settings: LimiterSettings::default(),
            sample_rate,
            learned_gain_db: 0.0,
            learn_elapsed: 0,
            learn_since_step: 0,
        };
        engine.apply(&LimiterSettings::default(), true);
        engine
    }

    fn apply(&mut self, s: &LimiterSettings, force: bool) {
        let old = self.settings;
        let l = &mut self.limiter;
        if force || s.mode != old.mode {
            l.set_mode(s.mode);
        }
        if force || s.oversampling != old.oversampling {
            l.set_oversampling(s.oversampling);
        }
        if force || s.lookahead_ms != old.lookahead_ms {
            l.set_lookahead_ms(s.lookahead_ms);
        }
        if force || s.auto_release != old.auto_release {
            l.set_auto_release(s.auto_release);
        }
        if force || s.release_ms != old.release_ms {
            l.set_release_ms(s.release_ms);
        }
        l.set_stereo_link_percent(s.link_percent);
        if s.learn && !old.learn {
            // A new learning run: measure the output afresh.
            self.output_loudness.reset();
            self.learn_elapsed = 0;
            self.learn_since_step = 0;
        }
        if !s.learn {
            self.learned_gain_db = s.learned_gain_db.clamp(-LEARN_RANGE_DB, LEARN_RANGE_DB);
        }
        let learned = if s.loudness_target_lufs.is_some() {
            self.learned_gain_db
        } else {
            0.0
        };
        let l = &mut self.limiter;
        l.set_input_gain_db(s.input_db + learned);
        // No safety margin: the core itself holds true peaks within 0.011 dB of the ceiling
        // (shared-dsp's limiter tests; through this engine `tests/engine.rs` measures ≤ 0.006 dB).
        l.set_ceiling_db(s.ceiling_db);
        self.dither_on = s.dither_bits > 0;
        if self.dither_on && (force || s.dither_bits != old.dither_bits) {
            self.dither.set_bits(s.dither_bits);
        }
        if force || s.noise_shaping != old.noise_shaping {
            self.dither.set_noise_shaping(s.noise_shaping);
        }
        self.bypass.set_latency(self.limiter.latency());
        self.bypass.set_bypassed(s.bypass);
        self.settings = *s;
    }

    /// Never allocates. Changing the lookahead, the oversampling or the mode changes
    /// [`LimiterEngine::latency`] and restarts the gain computer.
    pub fn set_settings(&mut self, settings: &LimiterSettings) {
        self.apply(settings, false);
    }

    pub fn settings(&self) -> &LimiterSettings {
        &self.settings
    }

    /// Latency in samples (exact: an impulse lands here).
    pub fn latency(&self) -> usize {
        self.limiter.latency()
    }

    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Audio-thread safe.
    pub fn reset(&mut self) {
        self.limiter.reset();
        self.dither.reset();
        self.bypass.reset();
        self.output_true_peak.reset();
        self.held_true_peak = [0.0; METER_CHANNELS];
        self.output_loudness.reset();
        self.meters = BlockMeters::default();
    }

    /// Audio-thread safe.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let mut meters = BlockMeters::default();
        for (m, c) in meters.input_peak.iter_mut().zip(channels.iter()) {
            *m = peak(c);
        }
        let (limiter, dither, dither_on) = (&mut self.limiter, &mut self.dither, self.dither_on);
        let mut gr = 0.0f32;
        self.bypass.process(channels, |c| {
            limiter.process(c);
            gr = limiter.gain_reduction_db();
            if dither_on {
                dither.process(c);
            }
        });
        meters.gain_reduction_db = gr;
        let mut refs: [&[f32]; METER_CHANNELS] = [&[]; METER_CHANNELS];
        let n = channels.len().min(METER_CHANNELS);
        for (r, c) in refs.iter_mut().zip(channels.iter()) {
            *r = c;
        }
        // One pass over the output measures both peaks: the true-peak meter's sample peak is the
        // block's output peak meter; its true peak is held until the editor takes it.
        self.output_true_peak.process(&refs[..n]);
        let mut true_peaks = [0.0f32; METER_CHANNELS];
        self.output_true_peak
            .take_channel_peaks(&mut true_peaks, &mut meters.output_peak);
        for (h, t) in self.held_true_peak.iter_mut().zip(true_peaks) {
            *h = h.max(t);
        }
        self.output_loudness.process(&refs[..n]);
        self.meters = meters;
        let frames = refs.first().map_or(0, |c| c.len());
        self.learn(frames);
    }

    fn learn(&mut self, frames: usize) {
        let (Some(target), true) = (self.settings.loudness_target_lufs, self.settings.learn) else {
            return;
        };
        self.learn_elapsed += frames;
        self.learn_since_step += frames;
        let step = (LEARN_STEP_S * self.sample_rate) as usize;
        if (self.learn_elapsed as f32) < LEARN_WAIT_S * self.sample_rate
            || self.learn_since_step < step
        {
            return;
        }
        self.learn_since_step = 0;
        let short_term = self.output_loudness.short_term_lufs() as f32;
        if !short_term.is_finite() {
            return;
        }
        let delta =
            (LEARN_RATE * (target - short_term)).clamp(-LEARN_MAX_STEP_DB, LEARN_MAX_STEP_DB);
        self.learned_gain_db =
            (self.learned_gain_db + delta).clamp(-LEARN_RANGE_DB, LEARN_RANGE_DB);
        self.limiter
            .set_input_gain_db(self.settings.input_db + self.learned_gain_db);
    }

    /// The learned extra input gain, dB (the plugin keeps it in its state).
    pub fn learned_gain_db(&self) -> f32 {
        self.learned_gain_db
    }

    /// Meters of the last block.
    pub fn meters(&self) -> BlockMeters {
        self.meters
    }

    /// Output true peak per channel since the last call, linear (cleared by the call).
    pub fn take_output_true_peak(&mut self) -> [f32; METER_CHANNELS] {
        std::mem::take(&mut self.held_true_peak)
    }

    /// Output loudness: momentary, short-term and integrated LUFS since the last reset.
    pub fn output_loudness(&self) -> (f64, f64, f64) {
        let l = &self.output_loudness;
        (l.momentary_lufs(), l.short_term_lufs(), l.integrated_lufs())
    }

    /// Starts a new output loudness measurement (the editor's reset).
    pub fn reset_loudness(&mut self) {
        self.output_loudness.reset();
    }
}

impl lathe_plugin::LatencySettings for LimiterSettings {
    type Key = (u32, usize, LimiterMode);
    fn latency_key(&self) -> Self::Key {
        LimiterSettings::latency_key(self)
    }
    fn with_latency_key(mut self, (lookahead_bits, oversampling, mode): Self::Key) -> Self {
        self.lookahead_ms = f32::from_bits(lookahead_bits);
        self.oversampling = oversampling;
        self.mode = mode;
        self
    }
}

impl lathe_plugin::Engine for LimiterEngine {
    type Settings = LimiterSettings;
    fn new(config: lathe_plugin::EngineConfig, settings: &LimiterSettings) -> Self {
        let mut engine = Self::new(config.num_channels, config.sample_rate, config.max_block);
        engine.set_settings(settings);
        engine.reset();
        engine
    }
    fn set_settings(&mut self, settings: &LimiterSettings) {
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
