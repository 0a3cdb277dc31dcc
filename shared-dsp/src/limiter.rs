//! The Lathe Limiter's core: a look-ahead brickwall limiter with sample-peak or true-peak
//! ceilings, optional 2x/4x/8x oversampled gain stage, stereo link and a program-dependent
//! (dual-stage) auto-release.
//!
//! Signal flow per block (internally in chunks of [`CHUNK`] frames so any host block size gives
//! bit-identical output):
//! 1. input gain (drive) and ceiling, each glided in dB by a 20 ms one-pole ([`crate::util::Smoother`]);
//! 2. upsampling by the oversampling factor `M` ([`crate::oversampling::Oversampler`]; M = 1 is a
//!    copy): everything up to step 5 runs at `M × fs`;
//! 3. detection: sample-peak mode uses `|x|`; true-peak mode also takes the peak of a polyphase
//!    interpolation of the (oversampled) signal — 8x at M = 1, then 16x of the base rate at
//!    M = 2, 4, 8 — so inter-sample peaks are limited too; stereo link `L` turns each channel's
//!    level `a_c` into `max(a_c, L · max_k a_k + (1 - L) · a_c)`;
//! 4. required gain `q = ceiling / level` (rounded down so `|x| q ≤ ceiling` exactly), then the
//!    [`GainComputer`]: release envelope, sliding-minimum hold over the look-ahead window
//!    (Lemire's ascending-minima deque, O(1) amortised), box-average attack as long as the
//!    look-ahead. The applied gain provably never exceeds any sample's required gain (proof in
//!    `limiter/gain_computer.rs`, checked by its unit test);
//! 5. the audio, delayed by the look-ahead, times that gain;
//! 6. downsampling; in true-peak mode the output is then band-limited to 0.455–0.49 fs (a
//!    linear-phase Kaiser low-pass, 80 dB), so no content is left where finite detectors are
//!    blind, and a base-rate safety stage (the same gain computer with an 8x true-peak
//!    detector, 1 ms look-ahead and hold, 20 ms release) pulls back the inter-sample overs that
//!    the gain modulation, the downsampling filter and the band limit create. True-peak mode
//!    has no clip (a clip shapes the waveform and creates inter-sample peaks) and limits
//!    [`METER_HEADROOM_DB`] below the ceiling for meters that over-read. In sample-peak mode a
//!    final clip at the ceiling catches the downsampling filter's small ringing (it never acts
//!    without oversampling: step 4 is exact in f32).
//!
//! Measured true-peak accuracy (`tests/limiter.rs`, 128 runs of noise, pink noise with drum
//! hits, a dense mix, squares, fs/4 at 45°, bass with kicks and full-scale noise bursts, drives
//! +6 to +30 dB, every oversampling factor, 44.1–192 kHz, random block sizes): at most 0.003 dB
//! above the limiting level by an exact band-limited reconstruction
//! ([`verify::ExactTruePeak`]). Before the band limit and the longer safety stage the same
//! runs went up to 0.63 dB over, read by the exact reconstruction, while a 16x Blackman-Harris
//! reference (response 0.5 at fs/2) read them under the ceiling.
//!
//! Auto-release (dual stage): a fast stage releases with the user's release time; a slow stage
//! follows the required gain with a 100 ms attack and 1 s release, and the applied gain is the
//! lower of the two. Isolated transients barely move the slow stage, so they recover at the fast
//! rate; dense material pulls the slow stage down to its average reduction, so the gain no
//! longer swings back up between peaks (less pumping and distortion). Auto mode also holds the
//! gain for 10 ms (half a period of 50 Hz) before releasing, so bass waveforms are not
//! followed cycle by cycle; the manual release holds the same 10 ms. Release envelopes move linearly in gain (cheap at 8x), not in dB.
//!
//! Latency (exact, integer, base-rate samples): look-ahead + oversampler round trip (76 at
//! 2x/4x/8x) + in true-peak mode the detector's delay (rounded up to whole base samples, so the
//! attack still spans the full look-ahead: 47 at 1x, 3 at 2x, 1 at 4x/8x), the band limit's
//! delay (half its length) and the safety stage (its detector's delay + 1 ms).
//!
//! Allocation: `new` allocates for every setting (8x, 10 ms look-ahead, the given sample rate);
//! `set_*`, `process`, `reset` never allocate.

pub mod gain_computer;
pub mod sliding_min;
pub mod verify;

use crate::oversampling::fir::{
    FirHistory, PeakRefiner, PolyphaseBank, kaiser_beta, kaiser_length, kaiser_lowpass,
};
use crate::oversampling::{FACTORS, Oversampler, factor_index};
use crate::util::{Smoother, db_to_gain, gain_to_db, one_pole_coef, sanitize};
use gain_computer::GainComputer;

/// Internal processing chunk in base-rate frames.
pub const CHUNK: usize = 64;
/// Look-ahead range in ms.
pub const LOOKAHEAD_MS_RANGE: (f32, f32) = (0.5, 10.0);
/// Release range in ms.
pub const RELEASE_MS_RANGE: (f32, f32) = (1.0, 1000.0);
/// Ceiling range in dB (dBFS / dBTP).
pub const CEILING_DB_RANGE: (f32, f32) = (-60.0, 0.0);
/// Input gain (drive) range in dB.
pub const INPUT_GAIN_DB_RANGE: (f32, f32) = (-48.0, 48.0);
/// Glide time of input gain and ceiling changes.
const PARAM_SMOOTH_MS: f32 = 20.0;
/// Auto-release: slow stage attack and release, and the hold before any release.
const SLOW_ATTACK_MS: f32 = 100.0;
const SLOW_RELEASE_MS: f32 = 1000.0;
const AUTO_HOLD_MS: f64 = 10.0;
/// True-peak detector design: stop-band attenuation.
const DETECTOR_ATTEN_DB: f64 = 60.0;
/// True-peak safety stage: its own look-ahead (= attack) beyond the detector delay, its hold,
/// and its release. The attack is long enough that the stage's gain changes stay far below
/// Nyquist: its product with the signal then adds no content the detector cannot see (an
/// 8-sample attack spread the gain's sidebands to ~fs/8, and the stage's overs went up to
/// +0.2 dB by an exact reconstruction).
const STAGE2_LOOKAHEAD_MS: f64 = 1.0;
const STAGE2_RELEASE_MS: f32 = 20.0;

/// True-peak mode's output band limit, ahead of the safety stage: a linear-phase Kaiser low-pass,
/// flat (±0.001 dB) to 0.455 fs (20.1 kHz at 44.1 kHz) and 80 dB down from 0.49 fs. Content
/// between 0.48 fs and Nyquist is where any finite true-peak detector is blind (the
/// reconstruction there needs ever longer filters; a detector symmetric about Nyquist reads a
/// component at 0.49 fs at 0.89 and one at 0.5 fs at half its size), and the oversampler's
/// half-band-like downsampling folds the gain stage's modulation products right into it: with
/// that band left in, full-band noise came out up to 0.6 dB over the ceiling by an exact
/// reconstruction while the detectors read it under. Removed, the safety stage's detector reads
/// everything that remains.
const TP_FILTER_PASS: f64 = 0.455;
const TP_FILTER_STOP: f64 = 0.49;
const TP_FILTER_ATTEN_DB: f64 = 80.0;

fn tp_filter() -> PolyphaseBank {
    let mut taps = kaiser_length(TP_FILTER_ATTEN_DB, TP_FILTER_STOP - TP_FILTER_PASS);
    if taps.is_multiple_of(2) {
        taps += 1;
    }
    let h = kaiser_lowpass(
        1,
        taps,
        0.5 * (TP_FILTER_PASS + TP_FILTER_STOP),
        kaiser_beta(TP_FILTER_ATTEN_DB),
    );
    PolyphaseBank::from_prototype(&h, 1)
}

/// True-peak mode limits to this much below the ceiling. The exact reconstruction of the output
/// stays within 0.003 dB of the ceiling without it, but the meters people check a master with
/// over-read band-limited signals: ITU-R BS.1770-4 Annex 2's interpolator ripples in its pass
/// band (+0.045 dB on an fs/4 sine at 45°; EBU Tech 3341 allows meters +0.2 dB), libebur128's
/// 2x interpolator at 96 kHz read a dense mix 0.1 dB above its exact peak, and Lathe's own
/// accurate mode 0.04 dB above on full-band noise. Costs 0.1 LU of loudness.
const METER_HEADROOM_DB: f32 = 0.1;

/// The safety stage's look-ahead in samples at `sample_rate`.
fn stage2_lookahead(sample_rate: f32) -> usize {
    crate::util::ms_to_samples(STAGE2_LOOKAHEAD_MS, sample_rate as f64).max(8)
}

/// What the ceiling limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LimiterMode {
    /// Every output sample stays at or below the ceiling (exactly, in f32).
    SamplePeak,
    /// The reconstructed (inter-sample) peak stays at or below the ceiling, within the
    /// interpolation accuracy (see `tests/limiter.rs` for the measured margin).
    #[default]
    TruePeak,
}

/// The true-peak detector at gain-stage factor `m`: interpolates the `m`-times oversampled
/// signal by `r` (8 at m = 1, else 16/m). Returns the bank and its worst report delay in
/// gain-stage samples (how late an inter-sample peak next to sample `t` may be reported).
fn detector(m: usize) -> (PolyphaseBank, usize) {
    // At M = 1 the transition is narrow (0.48–0.52 fs) so near-Nyquist content, where inter-
    // sample peaks are largest, is measured rather than filtered away: a 0.45–0.55 design
    // under-read full-band noise by ~0.4 dB and let 2 dB overs through; 0.47–0.53 still
    // under-read it by up to 0.33 dB against a 16x, 128-tap-per-phase Blackman-Harris sinc (the
    // test reference: 0.99 at 0.48 fs, 0.88 at 0.49 fs, 0.72 at 0.495 fs; 0.47–0.53 has 0.95,
    // 0.79, 0.65 there); 0.48–0.52 (1.00, 0.89, 0.72) by at most 0.022 dB (worst 64-sample stretch
    // of 40 000 samples of white noise). The symmetric transition keeps H(f) + H(fs - f) ≈ 1, so a
    // component and its image never add up to an over-read. Cost: 91 taps per phase instead of 61. At M ≥ 2 the signal is
    // band-limited to the oversampler's stop-band edge, so the images start far up. The 8x / 16x
    // points are refined by parabolic peak interpolation (`PeakRefiner`).
    let (r, pass, stop) = if m == 1 {
        (8, 0.48, 0.52)
    } else {
        let p = crate::oversampling::STOPBAND_EDGE / m as f64;
        (16 / m, p, 1.0 - p)
    };
    let taps = kaiser_length(DETECTOR_ATTEN_DB, (stop - pass) / r as f64).div_ceil(r);
    let h = kaiser_lowpass(r, taps, 0.5 * (pass + stop), kaiser_beta(DETECTOR_ATTEN_DB));
    let bank = PolyphaseBank::from_prototype(&h, r);
    // Outputs after pushing x[k] describe times k - c .. k - c + (r-1)/r, c = (r T - 1) / (2 r);
    // the peaks next to sample t (within ±1 sample) are reported by step t + c + 1 at the latest.
    let c = bank.delay_high_rate() / r as f64;
    (bank, c.ceil() as usize + 1)
}

/// A multichannel look-ahead brickwall limiter. See the module documentation.
#[derive(Clone, Debug)]
pub struct Limiter {
    num_channels: usize,
    sample_rate: f32,
    // Settings.
    mode: LimiterMode,
    factor: usize,
    lookahead_ms: f32,
    release_ms: f32,
    auto_release: bool,
    link: f32,
    // Derived.
    latency: usize,
    delay_top: usize,
    // Blocks and states.
    input_gain_db: Smoother,
    ceiling_db: Smoother,
    oversampler: Oversampler,
    detectors: Vec<(PolyphaseBank, usize)>,
    det_hist: Vec<FirHistory>,
    det_refine: Vec<PeakRefiner>,
    gain: Vec<GainComputer>,
    delay: Vec<Vec<f32>>,
    delay_pos: usize,
    ceiling_delay: Vec<f32>,
    ceiling_pos: usize,
    // True-peak safety stage at the base rate (true-peak mode only).
    stage2_hist: Vec<FirHistory>,
    stage2_refine: Vec<PeakRefiner>,
    stage2_gain: Vec<GainComputer>,
    stage2_delay: Vec<Vec<f32>>,
    stage2_ceiling: Vec<f32>,
    stage2_pos: usize,
    stage2_level: Vec<f32>,
    stage2_lookahead: usize,
    stage2_in: Vec<f32>,
    tp_filter: PolyphaseBank,
    tp_hist: Vec<FirHistory>,
    tp_delay: usize,
    // Scratch (CHUNK frames, 8x).
    scaled: Vec<Vec<f32>>,
    level: Vec<Vec<f32>>,
    ceiling_chunk: Vec<f32>,
    min_gain: f32,
}

impl Limiter {
    /// A limiter for `num_channels` channels at `sample_rate`, with defaults: true-peak mode,
    /// no oversampling, 1.5 ms look-ahead, 100 ms release, auto-release on, 100 % link, 0 dB
    /// input gain, -1 dB ceiling. Allocates for every setting.
    pub fn new(num_channels: usize, sample_rate: f32) -> Self {
        let sample_rate = sample_rate.max(1000.0);
        let detectors: Vec<(PolyphaseBank, usize)> = FACTORS.iter().map(|&m| detector(m)).collect();
        let max_det_taps = detectors
            .iter()
            .map(|d| d.0.taps_per_phase())
            .max()
            .unwrap_or(1);
        let max_dd_base = detectors
            .iter()
            .zip(FACTORS)
            .map(|(d, m)| d.1.div_ceil(m))
            .max()
            .unwrap_or(0);
        let max_la = Self::lookahead_samples(LOOKAHEAD_MS_RANGE.1, sample_rate);
        let max_delay_top = (max_la + max_dd_base) * 8;
        let max_hold_top = crate::util::ms_to_samples(AUTO_HOLD_MS, sample_rate as f64 * 8.0);
        let max_latency =
            max_la + max_dd_base + Oversampler::latency_for(8).max(Oversampler::latency_for(2));
        let tp_filter = tp_filter();
        let tp_delay = tp_filter.delay_high_rate() as usize;
        let max_latency = max_latency + tp_delay;
        let stage2_lookahead = stage2_lookahead(sample_rate);
        let stage2_max_delay = detectors[0].1 + stage2_lookahead + 1;
        let mut s = Self {
            num_channels,
            sample_rate,
            mode: LimiterMode::TruePeak,
            factor: 1,
            lookahead_ms: 1.5,
            release_ms: 100.0,
            auto_release: true,
            link: 1.0,
            latency: 0,
            delay_top: 1,
            input_gain_db: Smoother::new(0.0),
            ceiling_db: Smoother::new(-1.0),
            oversampler: Oversampler::new(num_channels, 1, CHUNK),
            detectors,
            det_refine: vec![PeakRefiner::default(); num_channels],
            stage2_refine: vec![PeakRefiner::default(); num_channels],
            det_hist: (0..num_channels)
                .map(|_| FirHistory::new(max_det_taps))
                .collect(),
            gain: (0..num_channels)
                .map(|_| GainComputer::new(max_delay_top + 1 + max_hold_top, max_delay_top + 1))
                .collect(),
            delay: vec![vec![0.0; max_delay_top.max(1)]; num_channels],
            delay_pos: 0,
            ceiling_delay: vec![0.0; max_latency + 1],
            ceiling_pos: 0,
            stage2_hist: (0..num_channels)
                .map(|_| FirHistory::new(max_det_taps))
                .collect(),
            stage2_gain: (0..num_channels)
                .map(|_| {
                    GainComputer::new(
                        stage2_max_delay + 1 + stage2_max_delay,
                        stage2_max_delay + 1,
                    )
                })
                .collect(),
            stage2_delay: vec![vec![0.0; stage2_max_delay]; num_channels],
            stage2_ceiling: vec![0.0; stage2_max_delay],
            stage2_pos: 0,
            stage2_level: vec![0.0; num_channels],
            stage2_lookahead,
            stage2_in: vec![0.0; num_channels],
            tp_hist: (0..num_channels)
                .map(|_| FirHistory::new(tp_filter.taps_per_phase()))
                .collect(),
            tp_filter,
            tp_delay,
            scaled: vec![vec![0.0; CHUNK]; num_channels],
            level: vec![vec![0.0; CHUNK * 8]; num_channels],
            ceiling_chunk: vec![0.0; CHUNK],
            min_gain: 1.0,
        };
        s.input_gain_db.set_time(PARAM_SMOOTH_MS, sample_rate);
        s.ceiling_db.set_time(PARAM_SMOOTH_MS, sample_rate);
        s.configure();
        s
    }

    fn lookahead_samples(lookahead_ms: f32, sample_rate: f32) -> usize {
        crate::util::ms_to_samples(lookahead_ms as f64, sample_rate as f64).max(1)
    }

    /// Recomputes windows, delays and latency, and resets the states. Never allocates.
    fn configure(&mut self) {
        let m = self.factor;
        let la = Self::lookahead_samples(self.lookahead_ms, self.sample_rate);
        let (dd_top, dd_base) = match self.mode {
            LimiterMode::SamplePeak => (0, 0),
            LimiterMode::TruePeak => {
                let d = self.detectors[factor_index(m)].1;
                (d, d.div_ceil(m))
            }
        };
        self.delay_top = (la + dd_base) * m;
        self.latency = la
            + dd_base
            + self.oversampler.latency()
            + self.tp_filter_delay()
            + self.stage2_delay_len();
        // Held for half a period of 50 Hz before any release, in manual mode too: without it a
        // fixed release followed bass waveforms cycle by cycle (50 Hz at 6 dB of reduction with
        // a 100 ms release measured -35 dB THD+N).
        let hold = crate::util::ms_to_samples(AUTO_HOLD_MS, self.sample_rate as f64 * m as f64);
        let window = self.delay_top + 1 + hold;
        let box_len = self.delay_top + 1 - dd_top;
        let taps = self.detectors[factor_index(m)].0.taps_per_phase();
        for h in &mut self.det_hist {
            h.set_len(taps);
        }
        for g in &mut self.gain {
            g.set_windows(window, box_len);
        }
        let d2 = self.stage2_delay_len().max(1);
        let late2 = self.detectors[0].1;
        let taps2 = self.detectors[0].0.taps_per_phase();
        for (h, g) in self.stage2_hist.iter_mut().zip(&mut self.stage2_gain) {
            h.set_len(taps2);
            g.set_windows(
                d2 + 1 + self.stage2_lookahead,
                (d2 + 1).saturating_sub(late2).max(1),
            );
            g.set_release(
                one_pole_coef(STAGE2_RELEASE_MS, self.sample_rate),
                false,
                0.0,
                0.0,
            );
        }
        self.update_release();
        self.reset();
    }

    /// The linear ceiling the gain stages limit to for a ceiling of `ceiling_db` (true-peak mode
    /// keeps [`METER_HEADROOM_DB`] below it).
    fn ceiling_gain(&self, ceiling_db: f32) -> f32 {
        match self.mode {
            LimiterMode::SamplePeak => db_to_gain(ceiling_db),
            LimiterMode::TruePeak => db_to_gain(ceiling_db - METER_HEADROOM_DB),
        }
    }

    /// Delay of true-peak mode's output band limit (0 in sample-peak mode).
    fn tp_filter_delay(&self) -> usize {
        match self.mode {
            LimiterMode::SamplePeak => 0,
            LimiterMode::TruePeak => self.tp_delay,
        }
    }

    /// Delay of the true-peak safety stage (0 in sample-peak mode).
    fn stage2_delay_len(&self) -> usize {
        match self.mode {
            LimiterMode::SamplePeak => 0,
            LimiterMode::TruePeak => self.detectors[0].1 + self.stage2_lookahead,
        }
    }

    fn update_release(&mut self) {
        let rate = self.sample_rate * self.factor as f32;
        let fast = one_pole_coef(self.release_ms, rate);
        let sa = one_pole_coef(SLOW_ATTACK_MS, rate);
        let sr = one_pole_coef(SLOW_RELEASE_MS.max(self.release_ms), rate);
        for g in &mut self.gain {
            g.set_release(fast, self.auto_release, sa, sr);
        }
    }

    /// Sample-peak or true-peak ceiling. Changes the latency in true-peak mode; resets the gain
    /// state. Never allocates.
    pub fn set_mode(&mut self, mode: LimiterMode) {
        if mode != self.mode {
            self.mode = mode;
            self.configure();
        }
    }

    /// Oversampling of the gain stage: 1 (off), 2, 4 or 8. Changes the latency; resets.
    /// Never allocates.
    pub fn set_oversampling(&mut self, factor: usize) {
        let f = FACTORS[factor_index(factor)];
        if f != self.factor {
            self.factor = f;
            self.oversampler.set_factor(f);
            self.configure();
        }
    }

    /// Look-ahead (= attack) in ms, clamped to 0.5–10 and rounded to whole samples. Changes the
    /// latency; resets. Never allocates.
    pub fn set_lookahead_ms(&mut self, lookahead_ms: f32) {
        let v = lookahead_ms.clamp(LOOKAHEAD_MS_RANGE.0, LOOKAHEAD_MS_RANGE.1);
        if v != self.lookahead_ms {
            self.lookahead_ms = v;
            self.configure();
        }
    }

    /// Release time in ms (1–1000): the fast stage's time constant.
    pub fn set_release_ms(&mut self, release_ms: f32) {
        self.release_ms = release_ms.clamp(RELEASE_MS_RANGE.0, RELEASE_MS_RANGE.1);
        self.update_release();
    }

    /// Program-dependent auto-release (dual stage + 10 ms hold) on or off. Resets the gain state
    /// (the hold window changes). Never allocates.
    pub fn set_auto_release(&mut self, auto_release: bool) {
        if auto_release != self.auto_release {
            self.auto_release = auto_release;
            self.configure();
        }
    }

    /// Stereo link in percent (0 = channels limited independently, 100 = same gain on all).
    pub fn set_stereo_link_percent(&mut self, link_percent: f32) {
        self.link = (link_percent * 0.01).clamp(0.0, 1.0);
    }

    /// Input gain (drive) in dB, glided over 20 ms.
    pub fn set_input_gain_db(&mut self, gain_db: f32) {
        self.input_gain_db
            .set_target(gain_db.clamp(INPUT_GAIN_DB_RANGE.0, INPUT_GAIN_DB_RANGE.1));
    }

    /// Ceiling in dB (dBFS in sample-peak mode, dBTP in true-peak mode), glided over 20 ms; a
    /// sample is limited against the ceiling in force when it entered.
    pub fn set_ceiling_db(&mut self, ceiling_db: f32) {
        self.ceiling_db
            .set_target(ceiling_db.clamp(CEILING_DB_RANGE.0, CEILING_DB_RANGE.1));
    }

    /// The mode.
    pub fn mode(&self) -> LimiterMode {
        self.mode
    }

    /// The oversampling factor (1, 2, 4, 8).
    pub fn oversampling(&self) -> usize {
        self.factor
    }

    /// Number of channels.
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Latency in samples at the current settings (exact: an impulse lands here).
    pub fn latency(&self) -> usize {
        self.latency
    }

    /// The largest gain reduction (positive dB) applied during the last `process` call, for the
    /// gain-reduction meter.
    pub fn gain_reduction_db(&self) -> f32 {
        -gain_to_db(self.min_gain)
    }

    /// Clears delay lines, filters and envelopes (unity gain); jumps the input gain and ceiling
    /// to their targets. Never allocates.
    pub fn reset(&mut self) {
        self.oversampler.reset();
        for h in self.det_hist.iter_mut().chain(self.tp_hist.iter_mut()) {
            h.reset();
        }
        for r in self
            .det_refine
            .iter_mut()
            .chain(self.stage2_refine.iter_mut())
        {
            r.reset();
        }
        for g in &mut self.gain {
            g.reset();
        }
        for d in &mut self.delay {
            d.fill(0.0);
        }
        self.delay_pos = 0;
        let t = self.input_gain_db.target();
        self.input_gain_db.reset(t);
        let c = self.ceiling_db.target();
        self.ceiling_db.reset(c);
        let cg = self.ceiling_gain(c);
        self.ceiling_delay.fill(cg);
        self.ceiling_pos = 0;
        for ((h, g), d) in self
            .stage2_hist
            .iter_mut()
            .zip(&mut self.stage2_gain)
            .zip(&mut self.stage2_delay)
        {
            h.reset();
            g.reset();
            d.fill(0.0);
        }
        self.stage2_ceiling.fill(cg);
        self.stage2_pos = 0;
        self.min_gain = 1.0;
    }

    /// Limits one block in place: one slice per channel, all the same length (any length).
    /// Channels beyond `num_channels` are left untouched. Never allocates.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let n_ch = channels.len().min(self.num_channels);
        let len = channels.first().map_or(0, |c| c.len());
        self.min_gain = 1.0;
        let mut start = 0;
        while start < len {
            let n = (len - start).min(CHUNK);
            self.process_chunk(&mut channels[..n_ch], start, n);
            start += n;
        }
    }

    fn process_chunk(&mut self, channels: &mut [&mut [f32]], start: usize, n: usize) {
        let m = self.factor;
        // 1. Drive and ceiling, glided in dB at the base rate.
        let mut drive = db_to_gain(self.input_gain_db.current());
        let mut ceiling = self.ceiling_gain(self.ceiling_db.current());
        for i in 0..n {
            if self.input_gain_db.is_smoothing() {
                drive = db_to_gain(self.input_gain_db.next());
            }
            if self.ceiling_db.is_smoothing() {
                let next = self.ceiling_db.next();
                ceiling = self.ceiling_gain(next);
            }
            self.ceiling_chunk[i] = ceiling;
            for (ch, input) in channels.iter().enumerate() {
                self.scaled[ch][i] = sanitize(input[start + i] * drive);
            }
        }
        // 2. Upsample.
        for ch in 0..channels.len() {
            self.oversampler.upsample_channel(ch, &self.scaled[ch][..n]);
        }
        let top = n * m;
        // 3. Detection.
        let (bank, _) = &self.detectors[factor_index(m)];
        for ch in 0..channels.len() {
            let x = self.oversampler.oversampled(ch);
            let level = &mut self.level[ch][..top];
            match self.mode {
                LimiterMode::SamplePeak => {
                    for (l, &v) in level.iter_mut().zip(x) {
                        *l = v.abs();
                    }
                }
                LimiterMode::TruePeak => {
                    let hist = &mut self.det_hist[ch];
                    let refine = &mut self.det_refine[ch];
                    for (l, &v) in level.iter_mut().zip(x) {
                        hist.push(v);
                        *l = v.abs().max(refine.peak(bank, hist.window()));
                    }
                }
            }
        }
        // Stereo link.
        if channels.len() > 1 && self.link > 0.0 {
            let link = self.link;
            for k in 0..top {
                let mut mx = 0.0f32;
                for lv in &self.level[..channels.len()] {
                    mx = mx.max(lv[k]);
                }
                for lv in &mut self.level[..channels.len()] {
                    let own = lv[k];
                    lv[k] = own.max(link * mx + (1.0 - link) * own);
                }
            }
        }
        // 4.–5. Gain computer, delay, gain.
        let delay_len = self.delay_top;
        let mut min_gain = self.min_gain;
        let mut pos_after = self.delay_pos;
        for ch in 0..channels.len() {
            let x = self.oversampler.oversampled_mut(ch);
            let level = &self.level[ch][..top];
            let gc = &mut self.gain[ch];
            let ring = &mut self.delay[ch][..delay_len];
            let mut pos = self.delay_pos;
            for (k, (xv, &lv)) in x.iter_mut().zip(level).enumerate() {
                let c = self.ceiling_chunk[k / m];
                let q = gain_under(c, lv);
                let g = gc.push(q);
                min_gain = min_gain.min(g);
                let delayed = ring[pos];
                ring[pos] = *xv;
                pos += 1;
                if pos == delay_len {
                    pos = 0;
                }
                *xv = delayed * g;
            }
            pos_after = pos;
        }
        self.delay_pos = pos_after;
        self.min_gain = min_gain;
        // 6. Downsample, then the safety clip at the ceiling each sample entered with.
        for (ch, out) in channels.iter_mut().enumerate() {
            self.oversampler
                .downsample_channel(ch, &mut out[start..start + n]);
        }
        let d2 = self.stage2_delay_len();
        let cl = (self.latency - d2).clamp(1, self.ceiling_delay.len() - 1);
        let (bank1, _) = &self.detectors[0];
        let link = self.link;
        for i in 0..n {
            // Ceiling each sample entered with, delayed alongside it.
            let mut c = self.ceiling_delay[self.ceiling_pos];
            self.ceiling_delay[self.ceiling_pos] = self.ceiling_chunk[i];
            self.ceiling_pos += 1;
            if self.ceiling_pos >= cl {
                self.ceiling_pos = 0;
            }
            if d2 > 0 {
                // True-peak safety stage: the gain stage's own modulation (and, oversampled, the
                // downsampling filter) can move inter-sample peaks; measure the result at the
                // base rate and pull any remaining over back under the ceiling.
                let mut mx = 0.0f32;
                for (ch, out) in channels.iter().enumerate() {
                    let th = &mut self.tp_hist[ch];
                    th.push(sanitize(out[start + i]));
                    let v = self.tp_filter.phase_output(0, th.window());
                    self.stage2_in[ch] = v;
                    let h = &mut self.stage2_hist[ch];
                    h.push(v);
                    let lv = v.abs().max(self.stage2_refine[ch].peak(bank1, h.window()));
                    self.stage2_level[ch] = lv;
                    mx = mx.max(lv);
                }
                let p = self.stage2_pos;
                for (ch, out) in channels.iter_mut().enumerate() {
                    let own = self.stage2_level[ch];
                    let lv = own.max(link * mx + (1.0 - link) * own);
                    let q = gain_under(c, lv);
                    let g = self.stage2_gain[ch].push(q);
                    let y = &mut out[start + i];
                    let delayed = self.stage2_delay[ch][p];
                    self.stage2_delay[ch][p] = self.stage2_in[ch];
                    *y = delayed * g;
                }
                std::mem::swap(&mut self.stage2_ceiling[p], &mut c);
                self.stage2_pos = if p + 1 >= d2 { 0 } else { p + 1 };
            }
            if d2 == 0 {
                // Sample-peak mode: the clip catches the downsampling filter's ringing after an
                // oversampled stage (and never acts at 1x). True-peak mode has no clip: a clip
                // shapes the waveform and creates the inter-sample peaks it is meant to stop.
                for out in channels.iter_mut() {
                    let y = &mut out[start + i];
                    *y = sanitize(*y).clamp(-c, c);
                }
            }
        }
    }
}

/// The largest gain `q ≤ 1` with `q · level ≤ ceiling` exactly in `f32` (the quotient rounded
/// down when rounding took it over): what a sample-peak guarantee needs.
#[inline]
fn gain_under(ceiling: f32, level: f32) -> f32 {
    if level > ceiling {
        let q = ceiling / level;
        if q as f64 * level as f64 > ceiling as f64 {
            q.next_down()
        } else {
            q
        }
    } else {
        1.0
    }
}
