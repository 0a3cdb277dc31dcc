//! The channel strip's compressor: feed-forward, log-domain, zero latency unless lookahead is
//! asked for.
//!
//! Signal flow per sample (Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor
//! Design — A Tutorial and Analysis", JAES 60(6), 2012: detector in the log domain
//! after the gain computer):
//! key (program or external sidechain) → sidechain high-pass → level detector (peak `|x|` or
//! sine-calibrated RMS, [`super::detector`]) → stereo link → static curve with soft knee
//! ([`super::gain_computer`]) → attack/release smoothing of the reduction in dB, optionally
//! program-dependent ([`super::ballistics`]) → make-up → dry/wet mix.
//!
//! **Stereo link** (0 … 1) blends, in dB, each channel's own detector level with the loudest
//! channel's: `level_c = link · max_k(level_k) + (1 − link) · level_c`. At 0 the channels are
//! compressed independently, at 1 every channel sees the same level and so gets the identical
//! gain (the image does not shift). The maximum (not the mean) is linked so a hard-panned
//! transient is caught on both sides.
//!
//! **Auto make-up** adds the static curve's reduction at [`AUTO_MAKEUP_REFERENCE_DB`]
//! (-18 dBFS, the EBU R68 alignment level at which tracks are usually recorded and mixed): a
//! steady signal at the nominal level leaves at its input level, so the compressor can be
//! bypassed A/B without a loudness jump at typical track levels. (Compensating the reduction at
//! 0 dBFS, another common rule, over-boosts quiet material by the full reduction of a full-scale
//! peak.) It follows threshold, ratio and knee, is added to the manual make-up, and is applied
//! to the wet path only.
//!
//! **Mix** (dry/wet) is linear and smoothed; the dry path is the same (delayed, with
//! lookahead) program, so it is always time-aligned.
//!
//! **Gliding settings.** The block owns the smoothing of its settings, as the limiter and the EQ
//! bank do: a host sets plain targets with [`Compressor::set_params`] and the compressor glides
//! them per sample with one-pole smoothers of [`PARAM_SMOOTHING_MS`] — threshold, ratio (as
//! `1/R`, the curve's slope, so ∞:1 is an ordinary end point), knee, stereo link, make-up and
//! mix — so a threshold jump under a fast attack makes no click. The auto make-up follows the
//! gliding curve. Attack, release, detector and sidechain changes take effect at once (they act
//! through the attack/release smoothing of the reduction). While nothing glides the steady path
//! runs the curve of the targets exactly, with no per-sample settings.
//!
//! Allocation: `new`/`prepare` allocate; `set_params`, `process`, `reset` and the meter reads
//! never do.

use super::detector::DetectorMode;
use super::gain_computer::{CompressorCurve, inv_ratio, ratio_from_inv};
pub use super::keyed::MAX_LOOKAHEAD_MS;
use super::keyed::{KeyedChannels, SUB, linked_db, sub_blocks};
use crate::util::simd::wide;
use crate::util::{Smoother, approx, gain_to_db, one_pole_coef, sanitize};

/// Reference level of the auto make-up, in dBFS (sine peak, as the detector reads it).
pub const AUTO_MAKEUP_REFERENCE_DB: f32 = -18.0;
/// Glide time constant of every continuous setting (threshold, ratio, knee, stereo link,
/// make-up, mix), in ms.
pub const PARAM_SMOOTHING_MS: f32 = 20.0;
/// Release time constant of the input-level meter envelope (the transfer-curve dot), in ms,
/// on the linear amplitude (a fall of 8.7 dB per time constant).
pub const LEVEL_METER_RELEASE_MS: f32 = 100.0;

/// Every setting of the compressor. Plain data: the plugin fills it from its parameters and
/// the editor can use it to draw the curve ([`CompressorParams::curve`]) without touching DSP
/// state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompressorParams {
    /// Threshold in dBFS (sine peak).
    pub threshold_db: f32,
    /// Ratio 1 … ∞ (`f32::INFINITY` for ∞:1).
    pub ratio: f32,
    /// Soft-knee width in dB (0 … 24; 0 = hard knee).
    pub knee_db: f32,
    /// Attack time constant in ms (63 % of a reduction step in dB).
    pub attack_ms: f32,
    /// Release time constant in ms (ignored when `auto_release` is on).
    pub release_ms: f32,
    /// Program-dependent release (see [`super::ballistics`]).
    pub auto_release: bool,
    /// Peak or RMS detection.
    pub detector: DetectorMode,
    /// RMS averaging time constant in ms (RMS mode only).
    pub rms_window_ms: f32,
    /// Stereo link, 0 (independent) … 1 (identical gain on every channel).
    pub stereo_link: f32,
    /// Sidechain high-pass cutoff in Hz; 0 = off.
    pub sidechain_hpf_hz: f32,
    /// Manual make-up gain in dB (wet path).
    pub makeup_db: f32,
    /// Adds the automatic make-up (see the module doc).
    pub auto_makeup: bool,
    /// Dry/wet mix, 0 (dry) … 1 (fully compressed).
    pub mix: f32,
    /// Lookahead in ms (0 … [`MAX_LOOKAHEAD_MS`]); reported by `latency()`.
    pub lookahead_ms: f32,
}

impl Default for CompressorParams {
    fn default() -> Self {
        Self {
            threshold_db: -18.0,
            ratio: 4.0,
            knee_db: 6.0,
            attack_ms: 10.0,
            release_ms: 100.0,
            auto_release: false,
            detector: DetectorMode::Peak,
            rms_window_ms: 10.0,
            stereo_link: 1.0,
            sidechain_hpf_hz: 0.0,
            makeup_db: 0.0,
            auto_makeup: false,
            mix: 1.0,
            lookahead_ms: 0.0,
        }
    }
}

impl CompressorParams {
    /// The static curve these settings give (threshold, ratio, knee).
    pub fn curve(&self) -> CompressorCurve {
        CompressorCurve::new(self.threshold_db, self.ratio, self.knee_db)
    }

    /// The automatic make-up alone, in dB: the curve's reduction at
    /// [`AUTO_MAKEUP_REFERENCE_DB`].
    pub fn auto_makeup_db(&self) -> f32 {
        self.curve().gain_reduction_db(AUTO_MAKEUP_REFERENCE_DB)
    }

    /// Total make-up in dB: manual plus automatic when enabled.
    pub fn total_makeup_db(&self) -> f32 {
        let m = if self.makeup_db.is_finite() {
            self.makeup_db
        } else {
            0.0
        };
        if self.auto_makeup {
            m + self.auto_makeup_db()
        } else {
            m
        }
    }

    /// Output level in dB for a steady input level, make-up included: what the editor's transfer
    /// curve shows for the wet path.
    pub fn static_curve_db(&self, input_db: f32) -> f32 {
        self.curve().output_db(input_db) + self.total_makeup_db()
    }
}

/// A multichannel compressor (see the module doc). Construct with [`Compressor::new`], set
/// [`CompressorParams`] with [`Compressor::set_params`], call [`Compressor::process`] per block.
#[derive(Clone, Debug)]
pub struct Compressor {
    sample_rate: f32,
    max_block: usize,
    /// The settings last set: the targets the glides head for.
    params: CompressorParams,
    /// The static curve in force while nothing glides: the targets' curve, exactly.
    curve: CompressorCurve,
    glide: CurveGlide,
    core: KeyedChannels,
    makeup_db: Smoother,
    mix: Smoother,
    /// Input-level meter envelope (linear amplitude).
    level_meter: f32,
    level_meter_coef: f32,
    /// `level_meter_coef` to the power [`SUB`]: the meter's fall over a whole sub-block.
    level_meter_decay: f32,
    /// True from `new`/`prepare`/`reset` until the first `process`: settings then apply without
    /// a glide (there is no audio to click yet), so `reset` reproduces a fresh instance.
    fresh: bool,
}

/// The static-curve settings on their way to the targets.
#[derive(Clone, Copy, Debug)]
struct CurveGlide {
    threshold_db: Smoother,
    /// `1/R` (0 for ∞:1).
    inv_ratio: Smoother,
    knee_db: Smoother,
    /// Stereo link, 0 … 1.
    link: Smoother,
}

impl CurveGlide {
    fn new(p: &CompressorParams) -> Self {
        Self {
            threshold_db: Smoother::new(p.threshold_db),
            inv_ratio: Smoother::new(inv_ratio(p.ratio)),
            knee_db: Smoother::new(p.knee_db),
            link: Smoother::new(valid_link(p.stereo_link)),
        }
    }

    fn all(&mut self) -> [&mut Smoother; 4] {
        [
            &mut self.threshold_db,
            &mut self.inv_ratio,
            &mut self.knee_db,
            &mut self.link,
        ]
    }

    fn set_targets(&mut self, p: &CompressorParams) {
        if p.threshold_db.is_finite() {
            self.threshold_db.set_target(p.threshold_db);
        }
        self.inv_ratio.set_target(inv_ratio(p.ratio));
        if p.knee_db.is_finite() {
            self.knee_db.set_target(p.knee_db);
        }
        self.link.set_target(valid_link(p.stereo_link));
    }

    fn is_moving(&self) -> bool {
        self.threshold_db.is_smoothing()
            || self.inv_ratio.is_smoothing()
            || self.knee_db.is_smoothing()
            || self.link.is_smoothing()
    }
}

/// The stereo link as the block uses it: 0 … 1, NaN/inf read as fully linked.
#[inline]
fn valid_link(link: f32) -> f32 {
    finite_or(link, 1.0).clamp(0.0, 1.0)
}

impl Compressor {
    /// A compressor for `num_channels` channels with default [`CompressorParams`]. Allocates.
    /// `max_block` is kept for the lifecycle convention; `process` accepts any length.
    pub fn new(num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        let mut c = Self {
            sample_rate,
            max_block,
            params: CompressorParams::default(),
            curve: CompressorCurve::default(),
            glide: CurveGlide::new(&CompressorParams::default()),
            core: KeyedChannels::new(num_channels, sample_rate),
            makeup_db: Smoother::new(0.0),
            mix: Smoother::new(1.0),
            level_meter: 0.0,
            level_meter_coef: 0.0,
            level_meter_decay: 0.0,
            fresh: true,
        };
        c.prepare(sample_rate, max_block);
        c
    }

    /// Sets the sample rate (and block size); may allocate (the lookahead buffer). Keeps the
    /// parameters, recomputes every coefficient and resets the state.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.max_block = max_block;
        if !self.core.sized_for(sample_rate) {
            self.core = KeyedChannels::new(self.core.channels.len(), sample_rate);
        }
        self.makeup_db.set_time(PARAM_SMOOTHING_MS, sample_rate);
        self.mix.set_time(PARAM_SMOOTHING_MS, sample_rate);
        for s in self.glide.all() {
            s.set_time(PARAM_SMOOTHING_MS, sample_rate);
        }
        self.level_meter_coef = one_pole_coef(LEVEL_METER_RELEASE_MS, sample_rate);
        self.level_meter_decay = self.level_meter_coef.powi(SUB as i32);
        let params = self.params;
        self.apply_params(&params);
        self.reset();
    }

    /// Number of channels.
    pub fn num_channels(&self) -> usize {
        self.core.channels.len()
    }

    /// The sample rate in Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// The settings last set (the targets, which the continuous ones glide to).
    pub fn params(&self) -> &CompressorParams {
        &self.params
    }

    /// Applies new settings: the one call a host makes, with plain target values, as often as
    /// it likes (every block is fine). Never allocates. Threshold, ratio, knee, stereo link,
    /// make-up and mix glide there (see the module doc) — except before the first `process`
    /// after `new`/`prepare`/`reset`, when they jump; the rest takes effect at once (the
    /// reduction itself is smoothed by attack/release).
    pub fn set_params(&mut self, params: &CompressorParams) {
        self.apply_params(params);
        if self.fresh {
            self.jump_glides();
        }
    }

    /// Every glide onto its target, and the steady curve of the targets.
    fn jump_glides(&mut self) {
        for s in self.glide.all() {
            s.reset(s.target());
        }
        self.curve = self.params.curve();
        self.makeup_db.reset(self.params.total_makeup_db());
        self.mix.reset(self.mix.target());
    }

    fn apply_params(&mut self, p: &CompressorParams) {
        self.params = *p;
        self.glide.set_targets(p);
        if !self.glide.is_moving() {
            self.curve = p.curve();
        }
        let sr = self.sample_rate;
        let attack_ms = finite_or(p.attack_ms, 0.0).max(0.0);
        let release_ms = finite_or(p.release_ms, 0.0).max(0.0);
        self.core.configure_keys(
            sr,
            finite_or(p.sidechain_hpf_hz, 0.0),
            p.detector,
            finite_or(p.rms_window_ms, 0.0),
            0.0,
        );
        for ch in &mut self.core.channels {
            ch.smoother.set_times(attack_ms, release_ms, sr);
            ch.smoother.set_auto_release(p.auto_release);
        }
        self.makeup_db.set_target(p.total_makeup_db());
        self.mix.set_target(finite_or(p.mix, 1.0).clamp(0.0, 1.0));
        self.core.set_lookahead_ms(p.lookahead_ms, sr);
    }

    /// Latency in samples: the lookahead (0 unless `lookahead_ms` > 0).
    pub fn latency(&self) -> usize {
        self.core.lookahead_samples
    }

    /// Clears every state (detectors, filters, smoothing, lookahead, meters); make-up and mix
    /// jump to their targets. Never allocates.
    pub fn reset(&mut self) {
        self.core.reset();
        self.jump_glides();
        self.level_meter = 0.0;
        self.fresh = true;
    }

    /// Compresses `channels` in place (one slice per channel, all the same length; channels
    /// beyond `num_channels` are left untouched). `key`: `None` detects on the program itself;
    /// `Some(slices)` detects on an external sidechain, key channel `c` driving program channel
    /// `c` (a mono key drives every channel; a key slice shorter than the block reads as
    /// silence past its end). Any length, any split: the same output. Never allocates.
    ///
    /// The work runs stage by stage over sub-blocks of [`SUB`] frames (detection, gain
    /// computer, ballistics, gain), each stage a tight loop: the gain computer and the gain are
    /// branch-free and vectorise, the recursions (detector, ballistics) run without branches on
    /// the signal. Every sample still gets exactly the per-sample arithmetic, so the output does
    /// not depend on where blocks or sub-blocks start, nor on where the settings changed
    /// (the glides advance per sample).
    pub fn process(&mut self, channels: &mut [&mut [f32]], key: Option<&[&[f32]]>) {
        let Some((nch, n, key)) = self.core.begin_block(channels, key) else {
            return;
        };
        self.fresh = false;
        for span in sub_blocks(n) {
            wide(
                #[inline(always)]
                || self.process_sub(channels, key, span, nch),
            );
        }
    }

    /// One sub-block of [`Self::process`]: frames `start .. start + m` (`m` ≤ [`SUB`]) of `n`,
    /// whose key levels are already in the core's `block`.
    // Sub-block stages over several channels' buffers: indices are the clear form here.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn process_sub(
        &mut self,
        channels: &mut [&mut [f32]],
        key: Option<&[&[f32]]>,
        (start, m, n): (usize, usize, usize),
        nch: usize,
    ) {
        let mut makeup = [self.makeup_db.current(); SUB];
        let mut mix = [self.mix.current(); SUB];
        // The loudest channel's level, frame by frame.
        let mut loudest = [0.0f32; SUB];
        loudest[..m].copy_from_slice(&self.core.block[0][..m]);
        for c in 1..nch {
            for (l, &x) in loudest[..m].iter_mut().zip(&self.core.block[c][..m]) {
                *l = l.max(x);
            }
        }
        // Meter envelope for the transfer-curve dot: the sub-block's peak, or the envelope
        // decayed over the sub-block if higher (a display value: per sub-block is enough, and
        // keeps a one-sample recursion off the audio path).
        let peak = loudest[..m].iter().copied().fold(0.0f32, f32::max);
        let decay = if m == SUB {
            self.level_meter_decay
        } else {
            self.level_meter_coef.powi(m as i32)
        };
        self.level_meter = peak.max(self.level_meter * decay);
        // Gain computer: levels → reduction targets, in place (below the knee the curve gives
        // 0), with each frame's make-up and mix.
        if self.glide.is_moving() {
            // The curve glides: each frame's settings first (the make-up target follows them),
            // then the curve over each channel in a loop of its own (it vectorises).
            let mut curves = [self.curve; SUB];
            let mut links = [0.0f32; SUB];
            let mut at = self.params;
            for k in 0..m {
                let g = &mut self.glide;
                at.threshold_db = g.threshold_db.next();
                at.ratio = ratio_from_inv(g.inv_ratio.next());
                at.knee_db = g.knee_db.next();
                links[k] = g.link.next();
                curves[k] = at.curve();
                self.makeup_db.set_target(at.total_makeup_db());
                makeup[k] = self.makeup_db.next();
                mix[k] = self.mix.next();
            }
            // Settled: from here on the targets' own curve, exactly (and its make-up).
            self.curve = if self.glide.is_moving() {
                curves[m - 1]
            } else {
                self.makeup_db.set_target(self.params.total_makeup_db());
                self.params.curve()
            };
            for l in loudest[..m].iter_mut() {
                *l = approx::gain_to_db(*l);
            }
            for c in 0..nch {
                for (k, x) in self.core.block[c][..m].iter_mut().enumerate() {
                    *x = curves[k].gain_reduction_db(linked_db(loudest[k], *x, links[k]));
                }
            }
        } else {
            if self.makeup_db.is_smoothing() || self.mix.is_smoothing() {
                for k in 0..m {
                    makeup[k] = self.makeup_db.next();
                    mix[k] = self.mix.next();
                }
            }
            let curve = self.curve;
            let link = self.glide.link.current();
            let block = &mut self.core.block;
            if link >= 1.0 || nch == 1 {
                // Every channel sees the loudest level: one curve evaluation per frame.
                for l in loudest[..m].iter_mut() {
                    *l = curve.gain_reduction_db(approx::gain_to_db(*l));
                }
                for c in 0..nch {
                    block[c][..m].copy_from_slice(&loudest[..m]);
                }
            } else {
                for l in loudest[..m].iter_mut() {
                    *l = approx::gain_to_db(*l);
                }
                for c in 0..nch {
                    for (x, &max_db) in block[c][..m].iter_mut().zip(&loudest[..m]) {
                        *x = curve.gain_reduction_db(linked_db(max_db, *x, link));
                    }
                }
            }
        }
        // Ballistics: targets → smoothed reduction, in place.
        self.core
            .smooth_and_detect_next(channels, key, (start, m, n), nch);
        self.core.meter_block(m, nch);
        // The gain: x · (dry + mix · 10^((make-up − GR)/20)).
        for c in 0..nch {
            let x = &mut channels[c][start..start + m];
            self.core.delay_block(c, x);
            let gr = &self.core.block[c][..m];
            for k in 0..m {
                let wet_db = makeup[k] - gr[k];
                let wet = if wet_db == 0.0 {
                    1.0
                } else {
                    approx::db_to_gain(wet_db)
                };
                x[k] = sanitize(x[k] * ((1.0 - mix[k]) + mix[k] * wet));
            }
        }
        self.core.advance();
    }

    /// Gain reduction now (end of the last block), in dB ≥ 0, the most of any channel.
    pub fn gain_reduction_db(&self) -> f32 {
        self.core.gain_reduction_db()
    }

    /// Gain reduction now of one channel, in dB (0 for a channel that does not exist).
    pub fn channel_gain_reduction_db(&self, channel: usize) -> f32 {
        self.core.channel_gain_reduction_db(channel)
    }

    /// The most gain reduction (dB, any channel, any sample) since the last call, then starts
    /// a new interval: what a meter polled once per block should show. Never allocates.
    pub fn take_max_gain_reduction_db(&mut self) -> f32 {
        self.core.take_max_gain_reduction_db()
    }

    /// The detector's input level in dB (loudest channel, after the sidechain filter; instant
    /// rise, [`LEVEL_METER_RELEASE_MS`] fall): the x position of the transfer-curve dot, whose
    /// y is `params().static_curve_db(x)`.
    pub fn current_input_level_db(&self) -> f32 {
        gain_to_db(self.level_meter)
    }

    /// The static curve (no make-up) of the current settings at `input_db`.
    pub fn static_curve_db(&self, input_db: f32) -> f32 {
        self.curve.output_db(input_db)
    }

    /// Total make-up now targeted, in dB (manual + automatic).
    pub fn makeup_db(&self) -> f32 {
        self.makeup_db.target()
    }
}

#[inline]
fn finite_or(x: f32, fallback: f32) -> f32 {
    if x.is_finite() { x } else { fallback }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_makeup_restores_the_reference_level() {
        let p = CompressorParams {
            threshold_db: -30.0,
            ratio: 4.0,
            knee_db: 0.0,
            auto_makeup: true,
            makeup_db: 1.0,
            ..Default::default()
        };
        assert!((p.auto_makeup_db() - 9.0).abs() < 1e-5);
        assert!((p.total_makeup_db() - 10.0).abs() < 1e-5);
        assert!((p.static_curve_db(AUTO_MAKEUP_REFERENCE_DB) - (-17.0)).abs() < 1e-4);
        // Threshold above the reference: nothing to make up.
        let q = CompressorParams {
            threshold_db: -6.0,
            auto_makeup: true,
            knee_db: 0.0,
            ..p
        };
        assert_eq!(q.auto_makeup_db(), 0.0);
    }

    #[test]
    fn dc_above_threshold_settles_on_the_curve_with_makeup() {
        let sr = 48_000.0;
        let mut comp = Compressor::new(1, sr, 512);
        let p = CompressorParams {
            threshold_db: -20.0,
            ratio: 4.0,
            knee_db: 0.0,
            attack_ms: 1.0,
            release_ms: 50.0,
            makeup_db: 3.0,
            ..Default::default()
        };
        comp.set_params(&p);
        let mut buf = vec![0.5f32; 48_000];
        comp.process(&mut [&mut buf], None);
        // -6.02 dB in: 13.98 over → 10.49 dB reduction, +3 make-up.
        let out_db = 20.0 * buf[47_999].log10();
        let expected = p.static_curve_db(20.0 * 0.5f32.log10());
        assert!((out_db - expected).abs() < 1e-3, "{out_db} vs {expected}");
        assert!((comp.gain_reduction_db() - 10.485).abs() < 0.01);
        assert!((comp.current_input_level_db() + 6.0206).abs() < 1e-3);
        assert_eq!(comp.latency(), 0);
    }

    #[test]
    fn a_curve_change_before_audio_equals_setting_it_directly() {
        // Before the first `process` there is nothing to click: a second `set_params` jumps
        // straight to its curve, exactly as if it had been the only one.
        let sr = 48_000.0;
        let base = CompressorParams {
            auto_makeup: true,
            ..Default::default()
        };
        let target = CompressorParams {
            threshold_db: -30.0,
            ratio: 8.0,
            knee_db: 12.0,
            stereo_link: 0.3,
            ..base
        };
        let mut a = Compressor::new(2, sr, 256);
        a.set_params(&target);
        let mut b = Compressor::new(2, sr, 256);
        b.set_params(&base);
        b.set_params(&target);
        assert_eq!(a.params(), b.params());
        let sig: Vec<f32> = (0..4000).map(|i| 0.5 * (i as f32 * 0.05).sin()).collect();
        let (mut l1, mut r1) = (sig.clone(), sig.iter().map(|x| 0.3 * x).collect::<Vec<_>>());
        let (mut l2, mut r2) = (l1.clone(), r1.clone());
        a.process(&mut [&mut l1, &mut r1], None);
        b.process(&mut [&mut l2, &mut r2], None);
        assert_eq!(l1, l2);
        assert_eq!(r1, r2);
    }

    #[test]
    fn a_curve_change_while_running_glides_then_settles_on_the_exact_curve() {
        let sr = 48_000.0;
        let base = CompressorParams {
            knee_db: 0.0,
            attack_ms: 0.05,
            release_ms: 5.0,
            auto_makeup: true,
            ..Default::default()
        };
        let target = CompressorParams {
            threshold_db: -30.0,
            ratio: 8.0,
            ..base
        };
        let mut a = Compressor::new(1, sr, 256);
        a.set_params(&base);
        let mut dc = vec![0.5f32; 4800];
        a.process(&mut [&mut dc], None);
        a.set_params(&target);
        // The reduction moves towards the new curve gradually: one sample later it has covered
        // a small part of the 12.1 dB step (a jump would be there under a 0.05 ms attack).
        let before = a.gain_reduction_db();
        let mut one = [0.5f32];
        a.process(&mut [&mut one], None);
        let step = a.gain_reduction_db() - before;
        let full = CompressorCurve::new(-30.0, 8.0, 0.0).gain_reduction_db(-6.0206)
            - CompressorCurve::new(-18.0, 4.0, 0.0).gain_reduction_db(-6.0206);
        assert!(step > 0.0 && step < 0.01 * full, "{step} of {full}");
        // Settled, the steady curve is the target's, bit for bit.
        let mut more = vec![0.5f32; 48_000];
        a.process(&mut [&mut more], None);
        assert_eq!(a.curve, target.curve());
        assert_eq!(a.makeup_db(), target.total_makeup_db());
        let mut b = Compressor::new(1, sr, 256);
        b.set_params(&target);
        let mut settled = vec![0.5f32; 48_000];
        b.process(&mut [&mut settled], None);
        assert_eq!(more[47_999], settled[47_999]);
    }
}
