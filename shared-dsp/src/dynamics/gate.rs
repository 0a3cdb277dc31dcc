//! The channel strip's gate / downward expander: feed-forward, log-domain, zero latency unless
//! lookahead is asked for.
//!
//! Per sample: key (program or external sidechain) → sidechain high-pass → level detector
//! (peak envelope with instant attack and a [`GATE_PEAK_RELEASE_MS`] release, or sine-calibrated
//! RMS; [`super::detector`]) → stereo link (as the compressor's: dB blend with the loudest
//! channel) → hysteresis → expander curve `GR = min((T − L)·(R − 1), range)` below the
//! threshold `T` ([`super::gain_computer::ExpanderCurve`]; `R = ∞` is a gate that drops by
//! exactly `range`) → hold → attack/release smoothing of the reduction in dB (smooth branching
//! detector of Giannoulis, Massberg & Reiss, JAES 60(6), 2012, eq. 16; [`super::ballistics`]).
//!
//! - **Attack** is the opening time (reduction falling), **release** the closing time
//!   (reduction rising), both as time constants of the dB reduction (63.2 % of the step).
//! - **Hold**: once the reduction the curve asks for starts to rise (the key fell below the
//!   threshold), the gain stays where it was for `hold_ms` (counted in samples) before the
//!   release starts; any renewed opening restarts the count. This also bridges the dips of a
//!   low-frequency key between its peaks.
//! - **Hysteresis**: once open, the gate closes only when the level falls `hysteresis_db` below
//!   the threshold, so a key hovering at the threshold does not chatter (as in most hardware
//!   gates; Zölzer, *DAFX*, 2nd ed., ch. 4, noise gate). 0 disables it.
//! - The peak detector's short release keeps the level of a key from collapsing at each zero
//!   crossing; the time "the key falls below the threshold" is when this envelope does.
//!
//! **Gliding settings.** As the compressor, the gate owns the smoothing of its settings: a host
//! sets plain targets with [`Gate::set_params`], and threshold, ratio (as `1/R`, so the gate's
//! ∞:1 is an ordinary end point) and range glide per sample with one-pole smoothers of
//! [`GATE_SMOOTHING_MS`]. The other settings act at once, through the attack/release smoothing
//! of the reduction. While nothing glides the steady path runs the targets' curve exactly.
//!
//! Allocation: `new`/`prepare` allocate; `set_params`, `process`, `reset` and the meter reads
//! never do.

use super::detector::DetectorMode;
use super::gain_computer::{ExpanderCurve, inv_ratio, ratio_from_inv};
use super::keyed::{KeyedChannels, SUB, linked_db, sub_blocks};
use crate::util::simd::wide;
use crate::util::{Smoother, approx, db_to_gain, gain_to_db, ms_to_samples, sanitize};

/// Release time constant of the gate's peak detector, in ms.
pub const GATE_PEAK_RELEASE_MS: f32 = 10.0;
/// Glide time constant of threshold, ratio and range, in ms.
pub const GATE_SMOOTHING_MS: f32 = 20.0;

/// Every setting of the gate/expander. Plain data, usable by the editor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GateParams {
    /// Threshold in dBFS (sine peak): the gate opens when the key rises above it.
    pub threshold_db: f32,
    /// Range in dB (0 … 80): the most reduction applied; 0 leaves the signal untouched.
    pub range_db: f32,
    /// Expansion ratio 1 … ∞ (1:R below the threshold); `f32::INFINITY` = gate.
    pub ratio: f32,
    /// Opening time constant in ms.
    pub attack_ms: f32,
    /// Hold time in ms.
    pub hold_ms: f32,
    /// Closing time constant in ms.
    pub release_ms: f32,
    /// Hysteresis in dB (≥ 0): an open gate closes at `threshold_db - hysteresis_db`. In
    /// expander mode (finite ratio) the curve's corner likewise sits `hysteresis_db` lower while
    /// open; set 0 for a pure static expander curve.
    pub hysteresis_db: f32,
    /// Peak or RMS detection.
    pub detector: DetectorMode,
    /// RMS averaging time constant in ms (RMS mode only).
    pub rms_window_ms: f32,
    /// Stereo link, 0 (independent) … 1 (identical gain).
    pub stereo_link: f32,
    /// Sidechain high-pass cutoff in Hz; 0 = off.
    pub sidechain_hpf_hz: f32,
    /// Lookahead in ms (0 … [`MAX_LOOKAHEAD_MS`](super::compressor::MAX_LOOKAHEAD_MS)); reported by `latency()`.
    pub lookahead_ms: f32,
}

impl Default for GateParams {
    fn default() -> Self {
        Self {
            threshold_db: -50.0,
            range_db: 80.0,
            ratio: f32::INFINITY,
            attack_ms: 0.5,
            hold_ms: 20.0,
            release_ms: 100.0,
            hysteresis_db: 3.0,
            detector: DetectorMode::Peak,
            rms_window_ms: 10.0,
            stereo_link: 1.0,
            sidechain_hpf_hz: 0.0,
            lookahead_ms: 0.0,
        }
    }
}

impl GateParams {
    /// The static curve (threshold, ratio, range), without hysteresis.
    pub fn curve(&self) -> ExpanderCurve {
        ExpanderCurve::new(self.threshold_db, self.ratio, finite_or(self.range_db, 0.0))
    }
}

/// A channel's gate state beside its keyed core: hysteresis and hold.
#[derive(Clone, Copy, Debug, Default)]
struct GateState {
    open: bool,
    held_db: f32,
    hold_left: usize,
}

/// The static-curve settings on their way to the targets.
#[derive(Clone, Copy, Debug)]
struct CurveGlide {
    threshold_db: Smoother,
    /// `1/R` (0 for a gate).
    inv_ratio: Smoother,
    range_db: Smoother,
}

impl CurveGlide {
    fn new(p: &GateParams) -> Self {
        Self {
            threshold_db: Smoother::new(p.threshold_db),
            inv_ratio: Smoother::new(inv_ratio(p.ratio)),
            range_db: Smoother::new(finite_or(p.range_db, 0.0)),
        }
    }

    fn all(&mut self) -> [&mut Smoother; 3] {
        [
            &mut self.threshold_db,
            &mut self.inv_ratio,
            &mut self.range_db,
        ]
    }

    fn set_targets(&mut self, p: &GateParams) {
        if p.threshold_db.is_finite() {
            self.threshold_db.set_target(p.threshold_db);
        }
        self.inv_ratio.set_target(inv_ratio(p.ratio));
        self.range_db.set_target(finite_or(p.range_db, 0.0));
    }

    fn is_moving(&self) -> bool {
        self.threshold_db.is_smoothing()
            || self.inv_ratio.is_smoothing()
            || self.range_db.is_smoothing()
    }
}

/// A multichannel gate / downward expander (see the module doc).
#[derive(Clone, Debug)]
pub struct Gate {
    sample_rate: f32,
    max_block: usize,
    /// The settings last set: the targets the glides head for.
    params: GateParams,
    /// The static curve in force while nothing glides: the targets' curve, exactly.
    curve: ExpanderCurve,
    glide: CurveGlide,
    /// True from `new`/`prepare`/`reset` until the first `process`: settings then apply without
    /// a glide, so `reset` reproduces a fresh instance.
    fresh: bool,
    hysteresis_db: f32,
    hold_samples: usize,
    core: KeyedChannels,
    states: Vec<GateState>,
    /// Linear thresholds of opening and (with hysteresis) closing.
    open_gain: f32,
    close_gain: f32,
}

impl Gate {
    /// A gate for `num_channels` channels with default [`GateParams`]. Allocates.
    /// `max_block` is kept for the lifecycle convention; `process` accepts any length.
    pub fn new(num_channels: usize, sample_rate: f32, max_block: usize) -> Self {
        let mut g = Self {
            sample_rate,
            max_block,
            params: GateParams::default(),
            curve: ExpanderCurve::default(),
            glide: CurveGlide::new(&GateParams::default()),
            fresh: true,
            hysteresis_db: 0.0,
            hold_samples: 0,
            core: KeyedChannels::new(num_channels, sample_rate),
            states: vec![GateState::default(); num_channels],
            open_gain: f32::INFINITY,
            close_gain: f32::INFINITY,
        };
        g.prepare(sample_rate, max_block);
        g
    }

    /// Sets the sample rate (and block size); may allocate. Keeps the parameters, recomputes
    /// every coefficient and resets the state.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.max_block = max_block;
        self.sample_rate = sample_rate;
        if !self.core.sized_for(sample_rate) {
            self.core = KeyedChannels::new(self.core.channels.len(), sample_rate);
        }
        for s in self.glide.all() {
            s.set_time(GATE_SMOOTHING_MS, sample_rate);
        }
        let params = self.params;
        self.apply_params(&params);
        self.reset();
    }

    /// Number of channels.
    pub fn num_channels(&self) -> usize {
        self.core.channels.len()
    }

    /// The settings last set (the targets, which threshold, ratio and range glide to).
    pub fn params(&self) -> &GateParams {
        &self.params
    }

    /// Applies new settings: the one call a host makes, with plain target values, as often as
    /// it likes. Threshold, ratio and range glide there (they jump before the first `process`
    /// after `new`/`prepare`/`reset`); the rest takes effect at once. Never allocates.
    pub fn set_params(&mut self, params: &GateParams) {
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
        let curve = self.params.curve();
        self.set_curve(curve);
    }

    /// The curve in force, and the linear thresholds of opening and closing that go with it.
    fn set_curve(&mut self, curve: ExpanderCurve) {
        self.curve = curve;
        self.open_gain = db_to_gain(curve.threshold_db());
        self.close_gain = db_to_gain(curve.threshold_db() - self.hysteresis_db);
    }

    fn apply_params(&mut self, p: &GateParams) {
        self.params = *p;
        self.hysteresis_db = finite_or(p.hysteresis_db, 0.0).max(0.0);
        self.glide.set_targets(p);
        let curve = if self.glide.is_moving() {
            self.curve
        } else {
            p.curve()
        };
        self.set_curve(curve);
        let sr = self.sample_rate;
        self.hold_samples = ms_to_samples(finite_or(p.hold_ms, 0.0).max(0.0) as f64, sr as f64);
        let attack_ms = finite_or(p.attack_ms, 0.0).max(0.0);
        let release_ms = finite_or(p.release_ms, 0.0).max(0.0);
        self.core.configure_keys(
            sr,
            finite_or(p.sidechain_hpf_hz, 0.0),
            p.detector,
            finite_or(p.rms_window_ms, 0.0),
            GATE_PEAK_RELEASE_MS,
        );
        for ch in &mut self.core.channels {
            // Rising reduction = closing = release; falling = opening = attack.
            ch.smoother.set_times(release_ms, attack_ms, sr);
        }
        self.core.set_lookahead_ms(p.lookahead_ms, sr);
    }

    /// Latency in samples: the lookahead (0 unless `lookahead_ms` > 0).
    pub fn latency(&self) -> usize {
        self.core.lookahead_samples
    }

    /// Clears every state; the gate starts with no reduction and closes with its release if
    /// the key is quiet. Never allocates.
    pub fn reset(&mut self) {
        self.core.reset();
        self.states.fill(GateState::default());
        self.jump_glides();
        self.fresh = true;
    }

    /// Gates `channels` in place; `key` as in
    /// [`Compressor::process`](super::compressor::Compressor::process): `None` = internal key
    /// (the program), `Some` = external sidechain. Any length, any split: the same output.
    /// Never allocates. Runs stage by stage over sub-blocks, as the compressor does.
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
        let link = finite_or(self.params.stereo_link, 1.0).clamp(0.0, 1.0);
        let mut loudest = [0.0f32; SUB];
        loudest[..m].copy_from_slice(&self.core.block[0][..m]);
        for c in 1..nch {
            for (l, &x) in loudest[..m].iter_mut().zip(&self.core.block[c][..m]) {
                *l = l.max(x);
            }
        }
        // Gain computer with hysteresis: levels → reduction targets, in place.
        if self.glide.is_moving() {
            // The curve glides: each frame's curve first (the hysteresis stays put), then each
            // channel in dB.
            let mut curves = [self.curve; SUB];
            for c in curves[..m].iter_mut() {
                let g = &mut self.glide;
                *c = ExpanderCurve::new(
                    g.threshold_db.next(),
                    ratio_from_inv(g.inv_ratio.next()),
                    g.range_db.next(),
                );
            }
            for l in loudest[..m].iter_mut() {
                *l = approx::gain_to_db(*l);
            }
            for c in 0..nch {
                let mut open = self.states[c].open;
                for (k, x) in self.core.block[c][..m].iter_mut().enumerate() {
                    let level = linked_db(loudest[k], *x, link);
                    let threshold_db = curves[k].threshold_db();
                    let close_db = threshold_db - self.hysteresis_db;
                    open = (level >= threshold_db) || (open && level >= close_db);
                    let in_force = if open { close_db } else { threshold_db };
                    *x = curves[k].gain_reduction_db_at(level, in_force);
                }
                self.states[c].open = open;
            }
            // The curve reached (once settled, the targets' own, exactly), with the linear
            // thresholds of the steady path.
            let reached = if self.glide.is_moving() {
                curves[m - 1]
            } else {
                self.params.curve()
            };
            self.set_curve(reached);
        } else {
            let block = &mut self.core.block;
            let curve = self.curve;
            let threshold_db = curve.threshold_db();
            let close_db = threshold_db - self.hysteresis_db;
            let range_db = curve.range_db();
            if curve.ratio().is_infinite() && (link == 0.0 || link == 1.0) {
                // A hard gate with the link fully on or off only compares linear levels with
                // the thresholds: no logarithm.
                let (open_gain, close_gain) = (self.open_gain, self.close_gain);
                for c in 0..nch {
                    if link == 1.0 {
                        block[c][..m].copy_from_slice(&loudest[..m]);
                    }
                    // Hysteresis: open above the threshold, closed below threshold - hysteresis.
                    let mut open = self.states[c].open;
                    for x in block[c][..m].iter_mut() {
                        open = (*x >= open_gain) || (open && *x >= close_gain);
                        *x = if open { 0.0 } else { range_db };
                    }
                    self.states[c].open = open;
                }
            } else {
                for l in loudest[..m].iter_mut() {
                    *l = approx::gain_to_db(*l);
                }
                for c in 0..nch {
                    let mut level_db = [0.0f32; SUB];
                    for (k, (&x, &max_db)) in block[c][..m].iter().zip(&loudest[..m]).enumerate() {
                        level_db[k] = linked_db(max_db, x, link);
                    }
                    let mut open = self.states[c].open;
                    for (x, &level) in block[c][..m].iter_mut().zip(&level_db[..m]) {
                        open = (level >= threshold_db) || (open && level >= close_db);
                        // The threshold in force; the curve runs vectorised below.
                        *x = if open { close_db } else { threshold_db };
                    }
                    self.states[c].open = open;
                    for (x, &level) in block[c][..m].iter_mut().zip(&level_db[..m]) {
                        *x = curve.gain_reduction_db_at(level, *x);
                    }
                }
            }
        }
        let block = &mut self.core.block;
        // Hold: a rising reduction waits `hold_samples` after the last non-rising one.
        let hold_samples = self.hold_samples;
        for c in 0..nch {
            let st = &mut self.states[c];
            let (mut held, mut left) = (st.held_db, st.hold_left);
            for x in block[c][..m].iter_mut() {
                let target = *x;
                // Targets are never NaN (levels are sanitised), so "not falling" is `>`.
                let rising = target > held;
                if !rising || left == 0 {
                    held = target;
                }
                left = if !rising {
                    hold_samples
                } else {
                    left.saturating_sub(1)
                };
                *x = held;
            }
            (st.held_db, st.hold_left) = (held, left);
        }
        // Ballistics: held targets → smoothed reduction, in place; then the gain.
        self.core
            .smooth_and_detect_next(channels, key, (start, m, n), nch);
        self.core.meter_block(m, nch);
        for c in 0..nch {
            let x = &mut channels[c][start..start + m];
            self.core.delay_block(c, x);
            for (x, &gr) in x.iter_mut().zip(&self.core.block[c][..m]) {
                *x = if gr == 0.0 {
                    *x
                } else {
                    sanitize(*x * approx::db_to_gain(-gr))
                };
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

    /// The most gain reduction since the last call (dB), then starts a new interval.
    pub fn take_max_gain_reduction_db(&mut self) -> f32 {
        self.core.take_max_gain_reduction_db()
    }

    /// True while the gate of `channel` is open (key above the threshold, with hysteresis).
    pub fn is_open(&self, channel: usize) -> bool {
        self.states.get(channel).is_some_and(|c| c.open)
    }

    /// The key level of the loudest channel at the end of the last block, in dB.
    pub fn current_input_level_db(&self) -> f32 {
        gain_to_db(self.core.levels.iter().copied().fold(0.0, f32::max))
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
    fn a_curve_change_before_audio_equals_setting_it_directly() {
        let sr = 48_000.0;
        let base = GateParams::default();
        let target = GateParams {
            threshold_db: -30.0,
            ratio: 3.0,
            range_db: 20.0,
            ..base
        };
        let mut a = Gate::new(1, sr, 256);
        a.set_params(&target);
        let mut b = Gate::new(1, sr, 256);
        b.set_params(&base);
        b.set_params(&target);
        assert_eq!(a.params(), b.params());
        let mut x1: Vec<f32> = (0..4000)
            .map(|i| 0.05 * (i as f32 * 0.05).sin() * if i > 2000 { 0.1 } else { 1.0 })
            .collect();
        let mut x2 = x1.clone();
        a.process(&mut [&mut x1], None);
        b.process(&mut [&mut x2], None);
        assert_eq!(x1, x2);
    }

    #[test]
    fn a_range_change_while_running_glides_then_settles_on_the_exact_curve() {
        let sr = 48_000.0;
        let base = GateParams {
            ratio: 2.0,
            hysteresis_db: 0.0,
            attack_ms: 0.05,
            release_ms: 0.05,
            // No hold: the held target would wait, then step (by design, not by the glide).
            hold_ms: 0.0,
            ..GateParams::default()
        };
        let target = GateParams {
            range_db: 10.0,
            threshold_db: -40.0,
            ..base
        };
        // A steady key 30 dB below the threshold: 30 dB of reduction, then 10 dB.
        let mut g = Gate::new(1, sr, 256);
        g.set_params(&base);
        let quiet = 10f32.powf(-80.0 / 20.0);
        let mut x = vec![quiet; 9600];
        g.process(&mut [&mut x], None);
        assert!((g.gain_reduction_db() - 30.0).abs() < 1e-3);
        g.set_params(&target);
        let mut reductions = Vec::new();
        for _ in 0..24_000 {
            let mut one = [quiet];
            g.process(&mut [&mut one], None);
            reductions.push(g.gain_reduction_db());
        }
        // No jump: the largest one-sample move is a small part of the 20 dB step.
        let mut prev = 30.0f32;
        let mut worst = 0.0f32;
        for &r in &reductions {
            worst = worst.max((r - prev).abs());
            prev = r;
        }
        assert!(worst < 0.05, "{worst}");
        assert!(
            (reductions[23_999] - 10.0).abs() < 1e-3,
            "{}",
            reductions[23_999]
        );
        assert_eq!(g.curve, target.curve());
    }
}
