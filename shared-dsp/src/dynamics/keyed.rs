//! The per-channel machinery the compressor and the gate share: a key (sidechain filter and
//! level detector, [`super::sidechain::KeyChannel`]), the ballistics of the reduction
//! ([`super::ballistics::GainSmoother`]), the lookahead delay of the program
//! ([`super::delay::LookaheadDelay`]), and the reduction meters. Each block keeps its own
//! gain computer and its own per-sample loop; this holds what they have in common.
//!
//! Allocation: [`KeyedChannels::new`] allocates; everything else never does.

use super::ballistics::GainSmoother;
use super::delay::LookaheadDelay;
use super::detector::{DetectorMode, LevelDetector};
use super::sidechain::KeyChannel;
use crate::util::{approx, ms_to_samples, sanitize};

/// Frames per sub-block of the block-wise processing: each stage (detection, gain computer,
/// ballistics, gain) runs over this many frames before the next, in stack buffers.
pub(crate) const SUB: usize = 64;

/// What a `process` call runs: channels, frames, and the key (`None` = the program).
pub(crate) type BlockShape<'k> = (usize, usize, Option<&'k [&'k [f32]]>);

/// The sub-blocks of a block of `n` frames: `(start, length, n)`.
pub(crate) fn sub_blocks(n: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    (0..n)
        .step_by(SUB)
        .map(move |start| (start, (n - start).min(SUB), n))
}

/// A channel's level for the gain computer under stereo link `link` (0 … 1), in dB: the blend
/// of the loudest channel's level (`max_db`) and its own (`own`, linear).
#[inline(always)]
pub(crate) fn linked_db(max_db: f32, own: f32, link: f32) -> f32 {
    max_db + (1.0 - link) * (approx::gain_to_db(own) - max_db)
}

/// Longest lookahead any dynamics block offers, in ms.
pub const MAX_LOOKAHEAD_MS: f32 = 10.0;

/// One channel's key, ballistics, lookahead and meter.
#[derive(Clone, Debug)]
pub(crate) struct KeyedChannel {
    pub key: KeyChannel,
    pub smoother: GainSmoother,
    pub delay: LookaheadDelay,
    pub gain_reduction_db: f32,
}

/// Every channel of a dynamics block, the detector levels of the current sample, the lookahead
/// in use and the reduction peak since the meter last read it.
#[derive(Clone, Debug)]
pub(crate) struct KeyedChannels {
    pub channels: Vec<KeyedChannel>,
    /// Detector levels of the last sample processed (linear amplitude).
    pub levels: Vec<f32>,
    /// Per channel, one sub-block of work: the key's levels, then the reduction targets, then
    /// the smoothed reduction.
    pub block: Vec<[f32; SUB]>,
    /// Per channel, the next sub-block's key levels, detected ahead
    /// ([`Self::smooth_and_detect_next`]).
    next: Vec<[f32; SUB]>,
    pub lookahead_samples: usize,
    pub max_gain_reduction_db: f32,
}

impl KeyedChannels {
    /// `num_channels` channels with room for [`MAX_LOOKAHEAD_MS`] at `sample_rate`. Allocates.
    pub fn new(num_channels: usize, sample_rate: f32) -> Self {
        let max_delay = Self::max_delay(sample_rate);
        Self {
            channels: (0..num_channels)
                .map(|_| KeyedChannel {
                    key: KeyChannel::default(),
                    smoother: GainSmoother::new(),
                    delay: LookaheadDelay::new(max_delay),
                    gain_reduction_db: 0.0,
                })
                .collect(),
            levels: vec![0.0; num_channels],
            block: vec![[0.0; SUB]; num_channels],
            next: vec![[0.0; SUB]; num_channels],
            lookahead_samples: 0,
            max_gain_reduction_db: 0.0,
        }
    }

    fn max_delay(sample_rate: f32) -> usize {
        ms_to_samples(MAX_LOOKAHEAD_MS as f64, sample_rate as f64)
    }

    /// Whether the lookahead buffers were sized for another sample rate.
    pub fn sized_for(&self, sample_rate: f32) -> bool {
        self.channels
            .first()
            .is_none_or(|c| c.delay.max_delay() == Self::max_delay(sample_rate))
    }

    /// Sets every channel's key filter and detector.
    pub fn configure_keys(
        &mut self,
        sample_rate: f32,
        sidechain_hpf_hz: f32,
        detector: DetectorMode,
        rms_window_ms: f32,
        peak_release_ms: f32,
    ) {
        for ch in &mut self.channels {
            ch.key.configure(
                sample_rate,
                sidechain_hpf_hz,
                detector,
                rms_window_ms,
                peak_release_ms,
            );
        }
    }

    /// Sets the lookahead (clamped to 0 … [`MAX_LOOKAHEAD_MS`] and to the buffers).
    pub fn set_lookahead_ms(&mut self, lookahead_ms: f32, sample_rate: f32) {
        let ms = if lookahead_ms.is_finite() {
            lookahead_ms.clamp(0.0, MAX_LOOKAHEAD_MS)
        } else {
            0.0
        };
        let max_delay = self.channels.first().map_or(0, |c| c.delay.max_delay());
        let was_off = self.lookahead_samples == 0;
        self.lookahead_samples = ms_to_samples(ms as f64, sample_rate as f64).min(max_delay);
        for ch in &mut self.channels {
            ch.delay.set_delay(self.lookahead_samples);
            // Without lookahead the program skips the (empty) delay line: start it silent.
            if was_off && self.lookahead_samples > 0 {
                ch.delay.reset();
            }
        }
    }

    /// Starts a `process` call: how many channels and frames it runs (`None` when it has no
    /// channel) and the key (an empty key slice list reads as none); detects the first
    /// sub-block ([`Self::begin`]).
    pub fn begin_block<'k>(
        &mut self,
        channels: &[&mut [f32]],
        key: Option<&'k [&'k [f32]]>,
    ) -> Option<BlockShape<'k>> {
        let nch = channels.len().min(self.channels.len());
        if nch == 0 {
            return None;
        }
        let n = channels[..nch].iter().map(|c| c.len()).min().unwrap_or(0);
        let key = key.filter(|k| !k.is_empty());
        if n > 0 {
            self.begin(channels, key, n, nch);
        }
        Some((nch, n, key))
    }

    /// Starts a block of `n` frames: detects its first sub-block, so `block` holds that
    /// sub-block's levels (linear). `key` as in
    /// [`Compressor::process`](super::compressor::Compressor::process).
    pub fn begin(&mut self, channels: &[&mut [f32]], key: Option<&[&[f32]]>, n: usize, nch: usize) {
        let m = n.min(SUB);
        self.gather(channels, key, 0, m, nch);
        self.detect_next(m, nch);
        std::mem::swap(&mut self.block, &mut self.next);
    }

    /// Ends the sub-block `start .. start + m` of a block of `n` frames whose reduction targets
    /// are in `block[c][..m]`: smooths them (ballistics) into the reduction, and detects the
    /// next sub-block's key into `next`, the two recursions interleaved in one loop for a
    /// stereo pair (neither depends on the other: the key is read ahead, the program is not
    /// touched). Call [`Self::advance`] once the reduction has been applied.
    pub fn smooth_and_detect_next(
        &mut self,
        channels: &[&mut [f32]],
        key: Option<&[&[f32]]>,
        (start, m, n): (usize, usize, usize),
        nch: usize,
    ) {
        let next_start = start + m;
        if next_start >= n {
            self.smooth_block(m, nch);
            return;
        }
        let nm = (n - next_start).min(SUB);
        self.gather(channels, key, next_start, nm, nch);
        if let ([a, b], [ta, tb], [ka, kb]) = (
            &mut self.channels[..nch],
            &mut self.block[..nch],
            &mut self.next[..nch],
        ) {
            let smoothers = GainSmoother::pair(&a.smoother, &b.smoother, &ta[..m], &tb[..m]);
            let detectors = LevelDetector::pair(&a.key.detector, &b.key.detector);
            if let (Some(mut sm), Some(mut det)) = (smoothers, detectors) {
                let (ta, tb, ka, kb) = (&mut ta[..m], &mut tb[..m], &mut ka[..nm], &mut kb[..nm]);
                det.run_beside(&mut sm, (ta, tb), (&mut *ka, &mut *kb));
                GainSmoother::store_pair(&mut a.smoother, &mut b.smoother, &sm);
                LevelDetector::store_pair(&mut a.key.detector, &mut b.key.detector, &det);
                self.levels[0] = ka[nm - 1];
                self.levels[1] = kb[nm - 1];
                return;
            }
        }
        self.smooth_block(m, nch);
        self.detect_next(nm, nch);
    }

    /// Makes the sub-block detected ahead the current one.
    pub fn advance(&mut self) {
        std::mem::swap(&mut self.block, &mut self.next);
    }

    /// Frames `start .. start + m` (`m` ≤ [`SUB`]) of the key (or silence past a short key
    /// slice) into `next[c][..m]`, through each channel's sidechain filter and rectified.
    fn gather(
        &mut self,
        channels: &[&mut [f32]],
        key: Option<&[&[f32]]>,
        start: usize,
        m: usize,
        nch: usize,
    ) {
        for c in 0..nch {
            let buf = &mut self.next[c][..m];
            match key {
                Some(k) => {
                    let kc = k[c.min(k.len() - 1)];
                    let end = (start + m).min(kc.len());
                    let avail = end.saturating_sub(start);
                    buf[..avail].copy_from_slice(&kc[start.min(end)..end]);
                    buf[avail..].fill(0.0);
                }
                None => buf.copy_from_slice(&channels[c][start..start + m]),
            }
            self.channels[c].key.prepare_block(buf);
        }
    }

    /// The detectors' recursions over `next[c][..m]` (a stereo pair interleaved): rectified
    /// key in, levels out; the last ones land in `levels`.
    fn detect_next(&mut self, m: usize, nch: usize) {
        let mut paired = false;
        if let ([a, b], [ka, kb]) = (&mut self.channels[..nch], &mut self.next[..nch])
            && let Some(mut d) = LevelDetector::pair(&a.key.detector, &b.key.detector)
        {
            d.run(&mut ka[..m], &mut kb[..m]);
            LevelDetector::store_pair(&mut a.key.detector, &mut b.key.detector, &d);
            paired = true;
        }
        for c in 0..nch {
            if !paired {
                self.channels[c]
                    .key
                    .detector
                    .run_rectified(&mut self.next[c][..m]);
            }
            self.levels[c] = self.next[c][m - 1];
        }
    }

    /// The first `nch` channels' ballistics over a sub-block: reduction targets in
    /// `block[c][..m]` in, smoothed reduction out (a stereo pair interleaved,
    /// [`GainSmoother::process_pair`]).
    pub fn smooth_block(&mut self, m: usize, nch: usize) {
        if let ([a, b], [ba, bb]) = (&mut self.channels[..nch], &mut self.block[..nch]) {
            GainSmoother::process_pair(
                &mut a.smoother,
                &mut b.smoother,
                &mut ba[..m],
                &mut bb[..m],
            );
        } else {
            for c in 0..nch {
                self.channels[c]
                    .smoother
                    .process_block(&mut self.block[c][..m]);
            }
        }
    }

    /// The first `nch` channels' smoothed reductions of a sub-block (`block[c][..m]`) into the
    /// meters.
    pub fn meter_block(&mut self, m: usize, nch: usize) {
        for c in 0..nch {
            let gr = &self.block[c][..m];
            let peak = gr.iter().copied().fold(0.0f32, f32::max);
            self.channels[c].gain_reduction_db = gr[m - 1];
            self.max_gain_reduction_db = self.max_gain_reduction_db.max(peak);
        }
    }

    /// The lookahead delay over one channel's sub-block (nothing to do without lookahead), and
    /// NaN/inf/subnormal program samples read as 0.
    pub fn delay_block(&mut self, c: usize, samples: &mut [f32]) {
        for x in samples.iter_mut() {
            *x = sanitize(*x);
        }
        if self.lookahead_samples > 0 {
            let d = &mut self.channels[c].delay;
            for x in samples.iter_mut() {
                *x = d.process_sample(*x);
            }
        }
    }

    /// Clears keys, ballistics, lookahead, levels and meters.
    pub fn reset(&mut self) {
        for ch in &mut self.channels {
            ch.key.reset();
            ch.smoother.reset();
            ch.delay.reset();
            ch.gain_reduction_db = 0.0;
        }
        self.levels.fill(0.0);
        self.max_gain_reduction_db = 0.0;
    }

    /// Gain reduction now, in dB ≥ 0, the most of any channel.
    pub fn gain_reduction_db(&self) -> f32 {
        self.channels
            .iter()
            .map(|c| c.gain_reduction_db)
            .fold(0.0, f32::max)
    }

    /// Gain reduction now of one channel, in dB (0 for a channel that does not exist).
    pub fn channel_gain_reduction_db(&self, channel: usize) -> f32 {
        self.channels
            .get(channel)
            .map_or(0.0, |c| c.gain_reduction_db)
    }

    /// The most reduction since the last call, then starts a new interval at the present one.
    pub fn take_max_gain_reduction_db(&mut self) -> f32 {
        let m = self.max_gain_reduction_db;
        self.max_gain_reduction_db = self.gain_reduction_db();
        m
    }
}
