//! Host-free processing of the Loudness Meter, shared by the plugin, the CLI and the tests.
//! The meter never changes the audio: the engine only reads it.
//!
//! It runs `shared_dsp`'s BS.1770 / EBU Tech 3341 [`LoudnessMeter`] (momentary evaluated every
//! ≤ 10 ms, short-term, integrated, LRA per Tech 3342, maxima), a [`TruePeakMeter`] (BS.1770
//! Annex 2 4x, or the stricter 8x mode), sample peaks, and a [`CorrelationMeter`] on the first
//! two channels. `new` allocates both true-peak meters so that switching mode on the audio thread
//! never allocates.

use crate::readout::{MAX_CHANNELS, Readout};
use shared_dsp::loudness::{ChannelLayout, ChannelRole, LoudnessMeter, plr_db};
use shared_dsp::stereo::correlation::CorrelationMeter;
use shared_dsp::true_peak::{TruePeakMeter, TruePeakMode};

/// The settings the engine needs (display-only ones, like the target and scale, stay in the
/// editor).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeterSettings {
    /// A 1-channel input is a mono programme for two loudspeakers: counted twice (+3.01 dB),
    /// BS.1770 / Tech 3341 dual mono. No effect on stereo and 5.1 inputs.
    pub dual_mono: bool,
    /// True-peak interpolator.
    pub true_peak_mode: TruePeakMode,
    /// False pauses the measurement: every figure holds.
    pub running: bool,
}

impl Default for MeterSettings {
    fn default() -> Self {
        Self {
            dual_mono: false,
            true_peak_mode: TruePeakMode::Bs1770,
            running: true,
        }
    }
}

fn to_db(gain: f32) -> f32 {
    if gain > 0.0 {
        20.0 * gain.log10()
    } else {
        f32::NEG_INFINITY
    }
}

pub struct MeterEngine {
    num_channels: usize,
    sample_rate: f32,
    settings: MeterSettings,
    loudness: LoudnessMeter,
    true_peak_bs1770: TruePeakMeter,
    true_peak_accurate: TruePeakMeter,
    correlation: CorrelationMeter,
    /// Highest true / sample peak per channel since the last reset, linear.
    true_peak_max: [f32; MAX_CHANNELS],
    sample_peak_max: [f32; MAX_CHANNELS],
    /// This block's true / sample peaks per channel (scratch for the bars).
    block_true_peak: [f32; MAX_CHANNELS],
    block_sample_peak: [f32; MAX_CHANNELS],
    /// Highest momentary evaluation within the 100 ms history step being filled.
    hop_max_momentary: f64,
}

impl MeterEngine {
    /// A meter for `num_channels` (1, 2, 5 or 6; others are measured as front channels). May
    /// allocate: call from `activate`.
    pub fn new(num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        let num_channels = num_channels.clamp(1, MAX_CHANNELS);
        let settings = MeterSettings::default();
        let loudness = LoudnessMeter::with_roles(
            sample_rate as f64,
            Self::roles(num_channels, settings.dual_mono),
            max_block.max(1),
        );
        Self {
            num_channels,
            sample_rate,
            settings,
            loudness,
            true_peak_bs1770: TruePeakMeter::new(num_channels, TruePeakMode::Bs1770),
            true_peak_accurate: TruePeakMeter::new(num_channels, TruePeakMode::Accurate),
            correlation: CorrelationMeter::new(sample_rate),
            true_peak_max: [0.0; MAX_CHANNELS],
            sample_peak_max: [0.0; MAX_CHANNELS],
            block_true_peak: [0.0; MAX_CHANNELS],
            block_sample_peak: [0.0; MAX_CHANNELS],
            hop_max_momentary: f64::NEG_INFINITY,
        }
    }

    fn roles(num_channels: usize, dual_mono: bool) -> &'static [ChannelRole] {
        match (num_channels, dual_mono) {
            (1, true) => ChannelLayout::DualMono.roles(),
            (n, _) => match ChannelLayout::from_num_channels(n) {
                Some(layout) => layout.roles(),
                None => &[ChannelRole::Front; MAX_CHANNELS][..n],
            },
        }
    }

    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    pub fn latency(&self) -> usize {
        0
    }

    pub fn settings(&self) -> MeterSettings {
        self.settings
    }

    /// Applies new settings. A dual-mono change starts a new loudness measurement (the figures
    /// would otherwise mix two weightings); a true-peak mode change restarts the true peak.
    /// Audio-thread safe.
    pub fn set_settings(&mut self, settings: MeterSettings) {
        if settings.dual_mono != self.settings.dual_mono {
            let changed = self
                .loudness
                .set_roles(Self::roles(self.num_channels, settings.dual_mono));
            debug_assert!(changed || self.num_channels != 1);
        }
        if settings.true_peak_mode != self.settings.true_peak_mode {
            self.true_peak_mut_for(settings.true_peak_mode).reset();
            self.true_peak_max = [0.0; MAX_CHANNELS];
            self.sample_peak_max = [0.0; MAX_CHANNELS];
        }
        self.settings = settings;
    }

    fn true_peak_mut_for(&mut self, mode: TruePeakMode) -> &mut TruePeakMeter {
        match mode {
            TruePeakMode::Bs1770 => &mut self.true_peak_bs1770,
            TruePeakMode::Accurate => &mut self.true_peak_accurate,
        }
    }

    /// Measures one block (one slice per channel). While paused nothing is measured and every
    /// figure holds. Audio-thread safe; the audio passes through untouched.
    pub fn process<S: AsRef<[f32]>>(&mut self, channels: &[S]) {
        self.block_true_peak = [0.0; MAX_CHANNELS];
        self.block_sample_peak = [0.0; MAX_CHANNELS];
        if !self.settings.running {
            self.loudness.take_points().for_each(drop);
            return;
        }
        let mut slices: [&[f32]; MAX_CHANNELS] = [&[]; MAX_CHANNELS];
        let n = channels.len().min(self.num_channels);
        for (s, c) in slices.iter_mut().zip(channels) {
            *s = c.as_ref();
        }
        let slices = &slices[..n];
        self.loudness.process(slices);
        let mode = self.settings.true_peak_mode;
        let (mut tp, mut sp) = (self.block_true_peak, self.block_sample_peak);
        let meter = self.true_peak_mut_for(mode);
        meter.process(slices);
        meter.take_channel_peaks(&mut tp, &mut sp);
        self.block_true_peak = tp;
        self.block_sample_peak = sp;
        for ch in 0..n {
            self.true_peak_max[ch] = self.true_peak_max[ch].max(tp[ch]);
            self.sample_peak_max[ch] = self.sample_peak_max[ch].max(sp[ch]);
        }
        if n >= 2 {
            self.correlation.process(slices[0], slices[1]);
        }
    }

    /// Starts a new measurement. Audio-thread safe.
    pub fn reset(&mut self) {
        self.loudness.reset();
        self.true_peak_bs1770.reset();
        self.true_peak_accurate.reset();
        self.correlation.reset();
        self.true_peak_max = [0.0; MAX_CHANNELS];
        self.sample_peak_max = [0.0; MAX_CHANNELS];
        self.block_true_peak = [0.0; MAX_CHANNELS];
        self.block_sample_peak = [0.0; MAX_CHANNELS];
        self.hop_max_momentary = f64::NEG_INFINITY;
    }

    /// The loudness meter (momentary, short-term, integrated, LRA, maxima, gating histograms).
    pub fn loudness(&self) -> &LoudnessMeter {
        &self.loudness
    }

    /// Highest true peak over all channels since the last reset, dBTP.
    pub fn true_peak_dbtp(&self) -> f32 {
        to_db(self.true_peak_max.iter().fold(0.0f32, |a, &b| a.max(b)))
    }

    /// Highest true peak of channel `ch` since the last reset, dBTP.
    pub fn channel_true_peak_dbtp(&self, ch: usize) -> f32 {
        to_db(self.true_peak_max.get(ch).copied().unwrap_or(0.0))
    }

    /// Highest sample peak over all channels since the last reset, dBFS.
    pub fn sample_peak_dbfs(&self) -> f32 {
        to_db(self.sample_peak_max.iter().fold(0.0f32, |a, &b| a.max(b)))
    }

    /// Peak-to-loudness ratio (true-peak max − integrated), dB, once both exist.
    pub fn plr_db(&self) -> Option<f64> {
        plr_db(
            self.true_peak_dbtp() as f64,
            self.loudness.integrated_lufs(),
        )
    }

    /// Seconds measured since the last reset.
    pub fn elapsed_seconds(&self) -> f64 {
        self.loudness.samples_measured() as f64 / self.sample_rate as f64
    }

    /// Writes every figure into `readout` and appends the finished 100 ms history points (the
    /// highest momentary of each step, so the graph never hides a peak, and the short-term at its
    /// end). Call after `process`. Audio-thread safe.
    pub fn publish(&mut self, readout: &Readout) {
        let hop = self.loudness.hop_samples() as u64;
        let mut hop_max = self.hop_max_momentary;
        for p in self.loudness.take_points() {
            readout.momentary_peak.update_max(p.momentary_lufs as f32);
            hop_max = hop_max.max(p.momentary_lufs);
            if p.end_sample % hop == 0 {
                readout
                    .history
                    .push(&[hop_max as f32, p.short_term_lufs as f32]);
                hop_max = f64::NEG_INFINITY;
            }
        }
        self.hop_max_momentary = hop_max;
        let l = &self.loudness;
        readout.momentary.store(l.momentary_lufs() as f32);
        readout.short_term.store(l.short_term_lufs() as f32);
        readout.integrated.store(l.integrated_lufs() as f32);
        readout.loudness_range.store(l.loudness_range_lu() as f32);
        readout.max_momentary.store(l.max_momentary_lufs() as f32);
        readout.max_short_term.store(l.max_short_term_lufs() as f32);
        readout.true_peak_max.store(self.true_peak_dbtp());
        readout.sample_peak_max.store(self.sample_peak_dbfs());
        for ch in 0..MAX_CHANNELS {
            readout.true_peak_channel_max[ch].store(self.channel_true_peak_dbtp(ch));
            readout.true_peak_now[ch].update_max(self.block_true_peak[ch]);
        }
        readout
            .plr
            .store(self.plr_db().map_or(f32::NAN, |p| p as f32));
        if self.num_channels >= 2 {
            readout.correlation.store(self.correlation.correlation());
            readout.balance.store(self.correlation.balance());
            readout.balance_db.store(self.correlation.balance_db());
        }
        readout.elapsed_seconds.store(self.elapsed_seconds() as f32);
        readout.num_channels.store(
            self.num_channels as u32,
            std::sync::atomic::Ordering::Relaxed,
        );
        readout
            .running
            .store(self.settings.running, std::sync::atomic::Ordering::Relaxed);
    }
}

impl lathe_plugin::LatencySettings for MeterSettings {
    /// The meter has no latency.
    type Key = ();
    fn latency_key(&self) {}
    fn with_latency_key(self, (): ()) -> Self {
        self
    }
}

impl lathe_plugin::Engine for MeterEngine {
    type Settings = MeterSettings;
    fn new(config: lathe_plugin::EngineConfig, settings: &MeterSettings) -> Self {
        let mut engine = Self::new(config.num_channels, config.sample_rate, config.max_block);
        engine.set_settings(*settings);
        engine
    }
    fn set_settings(&mut self, settings: &MeterSettings) {
        self.set_settings(*settings)
    }
    fn latency(&self) -> usize {
        self.latency()
    }
    fn reset(&mut self) {
        self.reset()
    }
    /// The audio passes untouched, except that NaN, infinite and subnormal samples become zero
    /// (plugins never output them: hosts' validators reject them); normal samples stay
    /// bit-exact. Done before metering so a bad sample cannot poison the loudness state either.
    fn process(&mut self, main: &mut [&mut [f32]], _sidechain: Option<&[&[f32]]>) {
        for channel in main.iter_mut() {
            shared_dsp::util::sanitize_slice(channel);
        }
        self.process(main)
    }
}
