//! The Lathe Limiter's core: a look-ahead brickwall limiter with sample-peak or true-peak
//! ceilings, optional 2x/4x/8x oversampled gain stage, stereo link and a program-dependent
//! (dual-stage) auto-release.
//!
//! Signal flow per block (internally in chunks of [`CHUNK`] frames so any host block size gives
//! bit-identical output):
//! 1. input gain (drive) and ceiling, each glided in dB by a 20 ms one-pole ([`crate::util::Smoother`]);
//! 2. upsampling by the oversampling factor `M` ([`crate::oversampling::Oversampler`]; M = 1 is a
//!    copy): everything up to step 5 runs at `M × fs`;
//! 3. detection: sample-peak mode uses `|x|`; true-peak mode also takes the peak of the signal
//!    interpolated to 8x of the base rate (half-band stages, [`detector`]; at M = 8 the signal
//!    itself) with a parabola through each point and its neighbours, so inter-sample peaks are
//!    limited too; stereo link `L` turns each channel's level `a_c` into
//!    `max(a_c, L · max_k a_k + (1 - L) · a_c)`;
//! 4. per base-rate sample, the required gain `q = ceiling / level` of the largest level among
//!    its `M` samples (rounded down so `|x| q ≤ ceiling` exactly), then the [`GainComputer`] at
//!    the base rate: release envelope, sliding-minimum hold over the look-ahead window (Lemire's
//!    ascending-minima deque, O(1) amortised), box-average attack as long as the look-ahead. The
//!    applied gain provably never exceeds any sample's required gain (proof in
//!    `limiter/gain_computer.rs`, checked by its unit test). At M > 1 the gain ramps linearly
//!    from one base-rate gain to the next across the `M` samples; the computer treats the
//!    detector as one sample later, so both ends of a ramp, and every point on it, cover the
//!    samples it spans. Under full stereo link every channel needs the same gain and one
//!    computer serves them all;
//! 5. the audio, delayed by the look-ahead, times that gain;
//! 6. downsampling; in true-peak mode the output is then band-limited to 0.455–0.49 fs (a
//!    linear-phase Kaiser low-pass, 80 dB), so no content is left where finite detectors are
//!    blind, and a base-rate safety stage (the same gain computer with the 8x half-band
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
//! followed cycle by cycle; the manual release holds the same 10 ms. Release envelopes move
//! linearly in gain, not in dB.
//!
//! Latency (exact, integer, base-rate samples): look-ahead + oversampler round trip (76 at
//! 2x/4x/8x) + in true-peak mode the detector's delay (rounded up to whole base samples, so the
//! attack still spans the full look-ahead: 49 at 1x, 5 at 2x, 2 at 4x, 1 at 8x), the band
//! limit's delay (72, half its length) and the safety stage (its detector's 49 + 1 ms).
//!
//! Cost: every filter runs as a block kernel across [`CHUNK`] samples under
//! [`crate::util::simd::wide`] (the oversampler, the detectors, the band limit); what remains
//! per sample is the gain computers (one push per base-rate sample and channel group) and the
//! delay lines. `benches/dynamics.rs` measures it beside the oversampler's round trip.
//!
//! Allocation: `new` allocates for every setting (8x, 10 ms look-ahead, the given sample rate);
//! `set_*`, `process`, `reset` never allocate.

pub mod detector;
pub mod gain_computer;
pub mod sliding_min;
pub mod verify;

use crate::oversampling::{FACTORS, Oversampler, factor_index};
use crate::util::simd::wide;
use crate::util::{Smoother, db_to_gain, gain_to_db, one_pole_coef, sanitize};
use detector::{
    BandLimit, BandLimitState, Cascade, CascadeState, OversampledDetector, OversampledState,
};
use gain_computer::GainComputer;

/// Internal processing chunk in base-rate frames.
pub const CHUNK: usize = detector::CHUNK;
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

fn tp_filter() -> BandLimit {
    BandLimit::new(TP_FILTER_PASS, TP_FILTER_STOP, TP_FILTER_ATTEN_DB)
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

/// The oversampled detectors, for factors 2, 4 and 8.
const OVERSAMPLED: [usize; 3] = [2, 4, 8];

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
    /// The detectors at 2x, 4x, 8x.
    detectors: Vec<OversampledDetector>,
    det_state: Vec<OversampledState>,
    /// The base-rate detector (1x and the safety stage) and its per-channel states.
    cascade: Cascade,
    det1_state: Vec<CascadeState>,
    gain: Vec<GainComputer>,
    /// Every channel's gain computer is in the same state as the first: with full stereo link
    /// all channels then need the same gains, and only the first computes them.
    gain_shared: bool,
    /// The same for the safety stage's gain computers.
    stage2_shared: bool,
    /// Per channel: this chunk's base-rate gains, and the last one of the previous chunk (the
    /// start of the next ramp).
    group_gain: Vec<[f32; CHUNK]>,
    last_gain: Vec<f32>,
    /// Tests: never share (the reference the shared path is held to).
    #[cfg(test)]
    never_share: bool,
    delay: Vec<Vec<f32>>,
    delay_pos: usize,
    ceiling_delay: Vec<f32>,
    ceiling_pos: usize,
    // True-peak safety stage at the base rate (true-peak mode only).
    stage2_state: Vec<CascadeState>,
    stage2_gain: Vec<GainComputer>,
    stage2_delay: Vec<Vec<f32>>,
    stage2_pos: usize,
    stage2_lookahead: usize,
    /// The chunk after the band limit, and its detector levels, per channel.
    stage2_in: Vec<[f32; CHUNK]>,
    stage2_level: Vec<[f32; CHUNK]>,
    tp_filter: BandLimit,
    tp_state: Vec<BandLimitState>,
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
        let detectors: Vec<OversampledDetector> = OVERSAMPLED
            .iter()
            .map(|&m| OversampledDetector::new(m))
            .collect();
        let max_dd_base = detectors
            .iter()
            .zip(OVERSAMPLED)
            .map(|(d, m)| d.late().div_ceil(m))
            .max()
            .unwrap_or(0)
            .max(Cascade::LATE);
        let max_la = Self::lookahead_samples(LOOKAHEAD_MS_RANGE.1, sample_rate);
        // The gain computers run at the base rate; the audio delay line at up to 8x.
        let max_delay_base = max_la + max_dd_base;
        let max_delay_top = max_delay_base * 8;
        let max_hold = crate::util::ms_to_samples(AUTO_HOLD_MS, sample_rate as f64);
        let max_latency =
            max_la + max_dd_base + Oversampler::latency_for(8).max(Oversampler::latency_for(2));
        let max_latency = max_latency + BandLimit::DELAY;
        let stage2_lookahead = stage2_lookahead(sample_rate);
        let stage2_max_delay = Cascade::LATE + stage2_lookahead + 1;
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
            det_state: vec![OversampledState::default(); num_channels],
            cascade: Cascade::new(),
            det1_state: vec![CascadeState::default(); num_channels],
            gain: (0..num_channels)
                .map(|_| GainComputer::new(max_delay_base + 1 + max_hold, max_delay_base + 1))
                .collect(),
            gain_shared: true,
            stage2_shared: true,
            group_gain: vec![[1.0; CHUNK]; num_channels],
            last_gain: vec![1.0; num_channels],
            #[cfg(test)]
            never_share: false,
            delay: vec![vec![0.0; max_delay_top.max(1)]; num_channels],
            delay_pos: 0,
            ceiling_delay: vec![0.0; max_latency + 1],
            ceiling_pos: 0,
            stage2_state: vec![CascadeState::default(); num_channels],
            stage2_gain: (0..num_channels)
                .map(|_| {
                    GainComputer::new(
                        stage2_max_delay + 1 + stage2_max_delay,
                        stage2_max_delay + 1,
                    )
                })
                .collect(),
            stage2_delay: vec![vec![0.0; stage2_max_delay]; num_channels],
            stage2_pos: 0,
            stage2_lookahead,
            stage2_in: vec![[0.0; CHUNK]; num_channels],
            stage2_level: vec![[0.0; CHUNK]; num_channels],
            tp_filter: tp_filter(),
            tp_state: vec![[0.0; detector::BAND_LIMIT_TAPS - 1]; num_channels],
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
        let dd_base = match self.mode {
            LimiterMode::SamplePeak => 0,
            LimiterMode::TruePeak => self.detector_late(m).div_ceil(m),
        };
        self.delay_top = (la + dd_base) * m;
        self.latency = la
            + dd_base
            + self.oversampler.latency()
            + self.tp_filter_delay()
            + self.stage2_delay_len();
        // The gain computers run at the base rate on each base sample's group of `m` gain-stage
        // samples (their largest level), and the gain is interpolated linearly between
        // consecutive base-rate gains; both ends of each ramp must cover the group it spans, so
        // at m > 1 the detector counts as one base sample later (see `process_chunk`, step 4).
        // Held for half a period of 50 Hz before any release, in manual mode too: without it a
        // fixed release followed bass waveforms cycle by cycle (50 Hz at 6 dB of reduction with
        // a 100 ms release measured -35 dB THD+N).
        let hold = crate::util::ms_to_samples(AUTO_HOLD_MS, self.sample_rate as f64);
        let delay_base = la + dd_base;
        let late_base = dd_base + usize::from(m > 1);
        let window = delay_base + 1 + hold;
        let box_len = delay_base + 1 - late_base;
        for g in &mut self.gain {
            g.set_windows(window, box_len);
        }
        let d2 = self.stage2_delay_len().max(1);
        let late2 = Cascade::LATE;
        for g in &mut self.stage2_gain {
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

    /// How late the true-peak detector at factor `m` reports a peak, in gain-stage samples.
    fn detector_late(&self, m: usize) -> usize {
        if m == 1 {
            Cascade::LATE
        } else {
            self.detectors[factor_index(m) - 1].late()
        }
    }

    /// Whether `nch` channels all need the same gain (full stereo link), so one gain computer
    /// can serve them (never in the tests that hold the shared path to the unshared one).
    fn fully_linked(&self, nch: usize) -> bool {
        #[cfg(test)]
        if self.never_share {
            return false;
        }
        nch > 1 && self.link >= 1.0
    }

    /// Delay of true-peak mode's output band limit (0 in sample-peak mode).
    fn tp_filter_delay(&self) -> usize {
        match self.mode {
            LimiterMode::SamplePeak => 0,
            LimiterMode::TruePeak => BandLimit::DELAY,
        }
    }

    /// Delay of the true-peak safety stage (0 in sample-peak mode).
    fn stage2_delay_len(&self) -> usize {
        match self.mode {
            LimiterMode::SamplePeak => 0,
            LimiterMode::TruePeak => Cascade::LATE + self.stage2_lookahead,
        }
    }

    fn update_release(&mut self) {
        let rate = self.sample_rate;
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
        for st in &mut self.det_state {
            *st = OversampledState::default();
        }
        for st in self.det1_state.iter_mut().chain(&mut self.stage2_state) {
            *st = CascadeState::default();
        }
        for st in &mut self.tp_state {
            st.fill(0.0);
        }
        for g in &mut self.gain {
            g.reset();
        }
        self.gain_shared = true;
        self.stage2_shared = true;
        self.last_gain.fill(1.0);
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
        for (g, d) in self.stage2_gain.iter_mut().zip(&mut self.stage2_delay) {
            g.reset();
            d.fill(0.0);
        }
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
            let chs = &mut channels[..n_ch];
            wide(
                #[inline(always)]
                || self.process_chunk(chs, start, n),
            );
            start += n;
        }
    }

    #[inline(always)]
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
        for ch in 0..channels.len() {
            let x = self.oversampler.oversampled(ch);
            let level = &mut self.level[ch][..top];
            match self.mode {
                LimiterMode::SamplePeak => {
                    for (l, &v) in level.iter_mut().zip(x) {
                        *l = v.abs();
                    }
                }
                LimiterMode::TruePeak if m == 1 => {
                    self.cascade.levels(&mut self.det1_state[ch], x, level);
                }
                LimiterMode::TruePeak => {
                    let d = &self.detectors[factor_index(m) - 1];
                    for (x, l) in x.chunks(CHUNK).zip(level.chunks_mut(CHUNK)) {
                        d.levels(&mut self.det_state[ch], x, l);
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
        // 4. Gain computers at the base rate. Each base sample's requirement is the lowest of
        // its group of m gain-stage samples (the gain under their largest level); fully linked
        // channels share one computer ([`run_gain_computers`]).
        let nch = channels.len();
        let mut min_gain = self.min_gain;
        for (lv, req) in self.level[..nch].iter().zip(&mut self.group_gain) {
            for (b, (r, group)) in req[..n]
                .iter_mut()
                .zip(lv[..top].chunks_exact(m))
                .enumerate()
            {
                let mx = group.iter().fold(0.0f32, |a, &v| if v > a { v } else { a });
                *r = gain_under(self.ceiling_chunk[b], mx);
            }
        }
        let linked = self.fully_linked(nch);
        run_gain_computers(
            &mut self.gain,
            &mut self.gain_shared,
            linked,
            &mut self.group_gain[..nch],
            n,
        );
        // The gain-stage gains (replacing the levels): a linear ramp from the previous base
        // gain to this one across each group. At m > 1 both ends are at most the requirement of
        // every sample of the delayed group (the computers count the detector one sample late
        // for this), and so is every point between; the clamp to the larger end keeps rounding
        // from stepping over it.
        let step = 1.0 / m as f32;
        for ((lv, gains), last) in self.level[..nch]
            .iter_mut()
            .zip(&self.group_gain)
            .zip(&mut self.last_gain)
        {
            let mut prev = *last;
            for (group, &g) in lv[..top].chunks_exact_mut(m).zip(&gains[..n]) {
                min_gain = min_gain.min(g);
                let hi = prev.max(g);
                let (ramp, end) = group.split_at_mut(m - 1);
                for (i, v) in ramp.iter_mut().enumerate() {
                    let t = (i + 1) as f32 * step;
                    *v = (prev + (g - prev) * t).min(hi);
                }
                // The ramp ends exactly on the base gain (at 1x that is all there is, and only
                // it is known to cover the group).
                end[0] = g;
                prev = g;
            }
            *last = prev;
        }
        self.min_gain = min_gain;
        // 5. The audio, delayed by the look-ahead, times the gain.
        let delay_len = self.delay_top;
        let mut pos_after = self.delay_pos;
        for ch in 0..nch {
            let x = self.oversampler.oversampled_mut(ch);
            let gains = &self.level[ch][..top];
            let ring = &mut self.delay[ch][..delay_len];
            let mut pos = self.delay_pos;
            for (xv, &g) in x.iter_mut().zip(gains) {
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
        // 6. Downsample, then the safety clip at the ceiling each sample entered with.
        for (ch, out) in channels.iter_mut().enumerate() {
            self.oversampler
                .downsample_channel(ch, &mut out[start..start + n]);
        }
        let d2 = self.stage2_delay_len();
        let cl = (self.latency - d2).clamp(1, self.ceiling_delay.len() - 1);
        let link = self.link;
        if d2 > 0 {
            // True-peak safety stage, first the whole chunk: band limit, then the detector.
            for (ch, out) in channels.iter().enumerate() {
                let buf = &mut self.stage2_in[ch][..n];
                buf.copy_from_slice(&out[start..start + n]);
                self.tp_filter.process(&mut self.tp_state[ch], buf);
                let lv = &mut self.stage2_level[ch][..n];
                self.cascade.levels(&mut self.stage2_state[ch], buf, lv);
            }
        }
        // Ceiling each sample entered with, delayed alongside it.
        for i in 0..n {
            let c = self.ceiling_delay[self.ceiling_pos];
            self.ceiling_delay[self.ceiling_pos] = self.ceiling_chunk[i];
            self.ceiling_pos += 1;
            if self.ceiling_pos >= cl {
                self.ceiling_pos = 0;
            }
            self.ceiling_chunk[i] = c;
        }
        if d2 == 0 {
            // Sample-peak mode: the clip catches the downsampling filter's ringing after an
            // oversampled stage (and never acts at 1x). True-peak mode has no clip: a clip
            // shapes the waveform and creates the inter-sample peaks it is meant to stop.
            for out in channels.iter_mut() {
                for (y, &c) in out[start..start + n]
                    .iter_mut()
                    .zip(&self.ceiling_chunk[..n])
                {
                    *y = sanitize(*y).clamp(-c, c);
                }
            }
            return;
        }
        // True-peak safety stage: the gain stage's own modulation (and, oversampled, the
        // downsampling filter) can move inter-sample peaks; measure the result at the base rate
        // and pull any remaining over back under the ceiling. Requirements first (linked as in
        // step 3; they replace the levels), then the gain computers (shared under full link as
        // in step 4), then the delay.
        let nch = channels.len();
        for i in 0..n {
            let mut mx = 0.0f32;
            for lv in &self.stage2_level[..nch] {
                mx = mx.max(lv[i]);
            }
            let c = self.ceiling_chunk[i];
            for lv in &mut self.stage2_level[..nch] {
                let own = lv[i];
                lv[i] = gain_under(c, own.max(link * mx + (1.0 - link) * own));
            }
        }
        let linked = self.fully_linked(nch);
        run_gain_computers(
            &mut self.stage2_gain,
            &mut self.stage2_shared,
            linked,
            &mut self.stage2_level[..nch],
            n,
        );
        let p0 = self.stage2_pos;
        for (ch, out) in channels.iter_mut().enumerate() {
            let ring = &mut self.stage2_delay[ch][..d2];
            let mut p = p0;
            for ((y, &v), &g) in out[start..start + n]
                .iter_mut()
                .zip(&self.stage2_in[ch][..n])
                .zip(&self.stage2_level[ch][..n])
            {
                let delayed = ring[p];
                ring[p] = v;
                *y = delayed * g;
                p = if p + 1 >= d2 { 0 } else { p + 1 };
            }
            self.stage2_pos = p;
        }
    }
}

/// Turns each channel's requirements `req[ch][..n]` into gains, through its gain computer in
/// `gains`. With `linked` (every channel's requirement is the same) and `shared` (every
/// computer is in the first one's state), the first computes for all, half the work in stereo;
/// the others take its state over when the link drops (`shared` then clears), and once linked
/// again they run on their own until their states meet the first one's (the same inputs make
/// them converge), when `shared` is set again. Never allocates.
#[inline(always)]
fn run_gain_computers(
    gains: &mut [GainComputer],
    shared: &mut bool,
    linked: bool,
    req: &mut [[f32; CHUNK]],
    n: usize,
) {
    let nch = req.len();
    if !linked && *shared && nch > 1 {
        let (first, rest) = gains.split_first_mut().expect("a channel");
        for g in rest {
            g.assign(first);
        }
        *shared = false;
    }
    if linked && *shared {
        let (first, rest) = req.split_first_mut().expect("a channel");
        for r in &mut first[..n] {
            *r = gains[0].push(*r);
        }
        for g in rest {
            g[..n].copy_from_slice(&first[..n]);
        }
    } else {
        for i in 0..n {
            for (r, gc) in req.iter_mut().zip(gains.iter_mut()) {
                r[i] = gc.push(r[i]);
            }
        }
        if linked {
            let (first, rest) = gains.split_first().expect("a channel");
            *shared = rest.iter().all(|g| g.same_state(first));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Sharing the first channel's gain computer under full link, handing its state over when
    /// the link drops and sharing again once the states meet changes no output bit. With a
    /// manual release the states meet again soon after the link returns (an attack sets both
    /// envelopes to the same requirement); the auto release's slow stage keeps them apart until
    /// it settles, so there the channels compute their own gains meanwhile.
    #[test]
    fn sharing_linked_gain_computers_changes_nothing() {
        let len = 48_000;
        let l = test_support::signals::white(len, 5, 1.0);
        let r: Vec<f32> = test_support::signals::white(len, 6, 0.5)
            .iter()
            .enumerate()
            .map(|(i, &v)| v * (i % 9000) as f32 / 9000.0)
            .collect();
        for (factor, auto) in [(1, false), (4, false), (4, true)] {
            let mut outs = Vec::new();
            let mut resumed = false;
            for never_share in [false, true] {
                let mut lim = Limiter::new(2, 48_000.0);
                lim.never_share = never_share;
                lim.set_oversampling(factor);
                lim.set_auto_release(auto);
                lim.set_input_gain_db(12.0);
                let (mut a, mut b) = (l.clone(), r.clone());
                for (i, (ca, cb)) in a.chunks_mut(480).zip(b.chunks_mut(480)).enumerate() {
                    lim.set_stereo_link_percent(match i % 40 {
                        10..=14 => 40.0,
                        25 => 0.0,
                        _ => 100.0,
                    });
                    lim.process(&mut [ca, cb]);
                    if !never_share && i % 40 > 30 && lim.gain_shared {
                        resumed = true;
                    }
                }
                outs.push((a, b));
            }
            assert!(outs[0] == outs[1], "{factor}x: outputs differ");
            assert!(
                resumed || auto,
                "{factor}x: the gain computers never met again"
            );
        }
    }
}
