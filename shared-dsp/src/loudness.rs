//! EBU R128 / ITU-R BS.1770 loudness meter: momentary, short-term, integrated, loudness range,
//! maximum momentary and short-term, with bounded memory and an allocation-free audio path.
//!
//! Sources: ITU-R BS.1770-4/5 (K-weighting, channel weights, 400 ms gating blocks with 75 %
//! overlap, absolute gate -70 LKFS, relative gate -10 LU, `L = -0.691 + 10 log10 Σ G_i z_i`);
//! EBU Tech 3341 (EBU Mode: momentary 400 ms, short-term 3 s, integrated, maxima; test cases);
//! EBU Tech 3342 (loudness range: short-term values, -70 LUFS absolute and -20 LU relative gate,
//! 10th to 95th percentile). See [`k_weighting`], [`histogram`], [`channels`] for the parts.
//!
//! # How it measures
//! Each channel is K-weighted in `f64` and its squares are summed over *sub-blocks*. A 100 ms hop
//! (`hop = round(sample_rate / 10)` samples) is cut into `S ≥ 10` sub-blocks of `floor` or `ceil`
//! of `hop / S` samples (`S` the smallest count that keeps every sub-block ≤ 10 ms: 10 at 44.1,
//! 48, 88.2, 96, 176.4, 192, 352.8 and 384 kHz; 11 at 22.05 kHz). The lengths repeat with period
//! `S`, so any `4·S` consecutive sub-blocks hold exactly `4·hop` samples and any `30·S` exactly
//! `30·hop`: momentary (400 ms) and short-term (3 s) windows are always exactly 4 and 30 hops long,
//! evaluated at every sub-block end (every ≤ 10 ms), with no per-sample division or branch.
//! When `sample_rate / 10` is not an integer (no standard rate), the windows are `round`ed to
//! whole samples: a relative length error below `0.5 / hop`, i.e. under 0.001 dB.
//!
//! - Momentary / short-term: energy of the last 400 ms / 3 s. Before that much audio has been
//!   measured since the last reset, the missing past counts as silence (as libebur128 does).
//! - Integrated: one gating block per hop once 400 ms have been measured (blocks of 400 ms, 75 %
//!   overlap), gated per BS.1770 by [`GatingHistogram`]: memory is fixed however long it runs.
//! - Loudness range: one short-term value per hop (10 Hz, as Tech 3342 asks; libebur128 uses
//!   1 Hz) once 3 s have been measured, gated and ranked by a second [`GatingHistogram`].
//!
//! # Values when nothing is measured
//! Every `*_lufs()` getter returns `f64::NEG_INFINITY` for silence or before any value exists
//! (integrated: until one gating block passes both gates); [`LoudnessMeter::loudness_range_lu`]
//! returns `0.0` until one short-term value passes both gates.
//!
//! # Non-finite input
//! The part of a sub-block (≤ 10 ms) given in one `process` call that contains a NaN or infinite
//! sample counts as silence in that channel, and that channel's filter restarts from rest: every
//! reading stays a number (finite, or `-inf` for silence), the damage is at most 10 ms of one
//! channel reading as silent, and it leaves the figures once it leaves their windows.
//!
//! # Pausing and resetting
//! The meter only advances when fed: a paused plugin stops calling [`LoudnessMeter::process`] and
//! every figure holds; [`LoudnessMeter::reset`] starts a new measurement.

pub mod channels;
pub mod histogram;
pub mod k_weighting;

pub use channels::{ChannelLayout, ChannelRole, SURROUND_WEIGHT};
pub use histogram::{GatingHistogram, energy_to_lufs, lufs_to_energy};
pub use k_weighting::KWeighting;

use std::sync::atomic::{AtomicU64, Ordering};

/// Hops (100 ms) in a momentary window.
const MOMENTARY_HOPS: usize = 4;
/// Hops (100 ms) in a short-term window.
const SHORT_TERM_HOPS: usize = 30;

/// One momentary/short-term evaluation, for history graphs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoudnessPoint {
    /// Samples measured since the last reset when this value was taken (end of its window).
    pub end_sample: u64,
    /// Momentary loudness (last 400 ms), LUFS (`-inf` for silence).
    pub momentary_lufs: f64,
    /// Short-term loudness (last 3 s), LUFS (`-inf` for silence).
    pub short_term_lufs: f64,
}

/// Iterator over the evaluations not read yet, oldest first; see
/// [`LoudnessMeter::take_points`]. Allocation-free.
pub struct Points<'a> {
    ring: &'a [LoudnessPoint],
    next: u64,
    end: u64,
}

impl Iterator for Points<'_> {
    type Item = LoudnessPoint;

    #[inline]
    fn next(&mut self) -> Option<LoudnessPoint> {
        if self.next >= self.end {
            return None;
        }
        let p = self.ring[(self.next % self.ring.len() as u64) as usize];
        self.next += 1;
        Some(p)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = (self.end - self.next) as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Points<'_> {}

/// An f64 cached behind an atomic so that `&self` getters can memoise (NaN bits = stale).
#[derive(Debug)]
struct Cached(AtomicU64);

impl Cached {
    fn stale() -> Self {
        Cached(AtomicU64::new(f64::NAN.to_bits()))
    }
    #[inline]
    fn invalidate(&self) {
        self.0.store(f64::NAN.to_bits(), Ordering::Relaxed);
    }
    #[inline]
    fn get_or(&self, compute: impl FnOnce() -> f64) -> f64 {
        let v = f64::from_bits(self.0.load(Ordering::Relaxed));
        if !v.is_nan() {
            return v;
        }
        let v = compute();
        self.0.store(v.to_bits(), Ordering::Relaxed);
        v
    }
}

/// The loudness meter. `new`/`with_roles` allocate; `process`, `reset`, `take_points` and
/// every getter never allocate, lock or make a system call.
#[derive(Debug)]
pub struct LoudnessMeter {
    sample_rate: f64,
    num_channels: usize,
    roles: Vec<ChannelRole>,
    /// Input index and BS.1770 weight of every measured channel (LFE/unused are skipped).
    active: Vec<(usize, f64)>,
    /// One K-weighting per measured channel, same order as `active`.
    filters: Vec<KWeighting>,
    hop_samples: usize,
    /// Lengths of the sub-blocks of one hop (`sub_per_hop` entries, summing to `hop_samples`).
    sub_lens: Vec<usize>,
    sub_per_hop: usize,
    /// Index within the hop of the sub-block being filled, and samples it still needs.
    phase: usize,
    remaining: usize,
    /// Channel-weighted sum of squares of the sub-block being filled.
    sub_energy: f64,
    /// Weighted sums of squares of the last `30 · sub_per_hop` sub-blocks (3 s), circular.
    ring: Vec<f64>,
    ring_pos: usize,
    sub_blocks_done: u64,
    samples_done: u64,
    momentary_energy: f64,
    short_term_energy: f64,
    max_momentary_energy: f64,
    max_short_term_energy: f64,
    blocks: GatingHistogram,
    short_terms: GatingHistogram,
    integrated_cache: Cached,
    range_cache: Cached,
    points: Vec<LoudnessPoint>,
    points_written: u64,
    points_read: u64,
}

impl LoudnessMeter {
    /// A meter for `sample_rate` Hz (22.05–384 kHz; anything from 8 kHz works) and a standard
    /// layout. `max_block` is the largest block `process` will usually get: it sizes the history
    /// ring so that one block's evaluations always fit (larger blocks still work; only the
    /// oldest unread history points are then dropped). Allocates.
    pub fn new(sample_rate: f64, channel_layout: ChannelLayout, max_block: usize) -> Self {
        Self::with_roles(sample_rate, channel_layout.roles(), max_block)
    }

    /// A meter whose input channel `i` has role `roles[i]` (any order, any count). Allocates.
    pub fn with_roles(sample_rate: f64, roles: &[ChannelRole], max_block: usize) -> Self {
        assert!(
            sample_rate >= 1_000.0 && sample_rate.is_finite(),
            "sample rate {sample_rate}"
        );
        let hop_samples = ((sample_rate / 10.0).round() as usize).max(10);
        let max_sub_len = ((sample_rate * 0.01).floor() as usize).max(1);
        let sub_per_hop = hop_samples.div_ceil(max_sub_len).max(10);
        let sub_lens: Vec<usize> = (0..sub_per_hop)
            .map(|k| (k + 1) * hop_samples / sub_per_hop - k * hop_samples / sub_per_hop)
            .collect();
        let min_sub_len = *sub_lens.iter().min().unwrap_or(&1);
        let active: Vec<(usize, f64)> = roles
            .iter()
            .enumerate()
            .filter(|(_, r)| r.weight() > 0.0)
            .map(|(i, r)| (i, r.weight()))
            .collect();
        let filters = vec![KWeighting::new(sample_rate); active.len()];
        let points_capacity = (max_block.div_ceil(min_sub_len) + 2).max(256);
        Self {
            sample_rate,
            num_channels: roles.len(),
            roles: roles.to_vec(),
            active,
            filters,
            hop_samples,
            remaining: sub_lens[0],
            sub_lens,
            sub_per_hop,
            phase: 0,
            sub_energy: 0.0,
            ring: vec![0.0; SHORT_TERM_HOPS * sub_per_hop],
            ring_pos: 0,
            sub_blocks_done: 0,
            samples_done: 0,
            momentary_energy: 0.0,
            short_term_energy: 0.0,
            max_momentary_energy: 0.0,
            max_short_term_energy: 0.0,
            blocks: GatingHistogram::new(),
            short_terms: GatingHistogram::new(),
            integrated_cache: Cached::stale(),
            range_cache: Cached::stale(),
            points: vec![
                LoudnessPoint {
                    end_sample: 0,
                    momentary_lufs: f64::NEG_INFINITY,
                    short_term_lufs: f64::NEG_INFINITY,
                };
                points_capacity
            ],
            points_written: 0,
            points_read: 0,
        }
    }

    /// Re-creates the meter for a new sample rate or maximum block size, keeping the channel
    /// roles, and starts a new measurement (a plugin's `initialize`). Allocates.
    pub fn prepare(&mut self, sample_rate: f64, max_block: usize) {
        let roles = std::mem::take(&mut self.roles);
        *self = Self::with_roles(sample_rate, &roles, max_block);
    }

    /// Changes the channel roles without allocating when the same input channels stay measured
    /// (e.g. `Front` ↔ `DualMono` on a mono input: only the weights change), and starts a new
    /// measurement. Returns `false` and changes nothing otherwise (call
    /// [`LoudnessMeter::with_roles`] off the audio thread instead). Audio-thread safe.
    pub fn set_roles(&mut self, roles: &[ChannelRole]) -> bool {
        if roles.len() != self.roles.len() {
            return false;
        }
        let measured = roles.iter().enumerate().filter(|(_, r)| r.weight() > 0.0);
        if measured.clone().count() != self.active.len()
            || measured.zip(&self.active).any(|((i, _), &(j, _))| i != j)
        {
            return false;
        }
        self.roles.copy_from_slice(roles);
        for (slot, role) in self.active.iter_mut() {
            *role = roles[*slot].weight();
        }
        self.reset();
        true
    }

    /// The role of each input channel.
    pub fn channel_roles(&self) -> &[ChannelRole] {
        &self.roles
    }

    /// Sample rate this meter was made for, Hz.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Number of input channels `process` expects.
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }

    /// Samples in one 100 ms hop (gating-block step), `round(sample_rate / 10)`.
    pub fn hop_samples(&self) -> usize {
        self.hop_samples
    }

    /// Mean interval between momentary/short-term evaluations, ms (≤ 10).
    pub fn evaluation_interval_ms(&self) -> f64 {
        self.hop_samples as f64 / self.sub_per_hop as f64 / self.sample_rate * 1000.0
    }

    /// Samples measured since the last reset.
    pub fn samples_measured(&self) -> u64 {
        self.samples_done
    }

    /// Starts a new measurement: clears filters, windows, gating histograms, maxima and unread
    /// history points. Allocation-free (touches only the histogram bins used).
    pub fn reset(&mut self) {
        for f in &mut self.filters {
            f.reset();
        }
        self.phase = 0;
        self.remaining = self.sub_lens[0];
        self.sub_energy = 0.0;
        self.ring.fill(0.0);
        self.ring_pos = 0;
        self.sub_blocks_done = 0;
        self.samples_done = 0;
        self.momentary_energy = 0.0;
        self.short_term_energy = 0.0;
        self.max_momentary_energy = 0.0;
        self.max_short_term_energy = 0.0;
        self.blocks.reset();
        self.short_terms.reset();
        self.integrated_cache.invalidate();
        self.range_cache.invalidate();
        self.points_read = self.points_written;
    }

    /// Measures one block: `channels[i]` is input channel `i`, all of the same length (any
    /// length, varying freely: any split of a signal gives bit-identical figures). Extra channels
    /// are ignored, missing ones count as silent, and only the shortest slice's length is used.
    /// Returns how many new momentary/short-term evaluations the block completed (read them with
    /// [`LoudnessMeter::take_points`]). Allocation-free.
    pub fn process(&mut self, channels: &[&[f32]]) -> usize {
        let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        let before = self.points_written;
        let mut pos = 0;
        while pos < len {
            let take = self.remaining.min(len - pos);
            self.accumulate(channels, pos, pos + take);
            pos += take;
            self.samples_done += take as u64;
            self.remaining -= take;
            if self.remaining == 0 {
                self.finish_sub_block();
            }
        }
        (self.points_written - before) as usize
    }

    /// Filters `channels[..][start..end]` into the current sub-block's energy.
    #[inline]
    fn accumulate(&mut self, channels: &[&[f32]], start: usize, end: usize) {
        let mut energy = 0.0;
        let mut f = 0;
        while f < self.filters.len() {
            let (ci, wi) = self.active[f];
            if f + 1 < self.filters.len() {
                let (cj, wj) = self.active[f + 1];
                if let (Some(a), Some(b)) = (channels.get(ci), channels.get(cj)) {
                    let pair: &mut [KWeighting; 2] = (&mut self.filters[f..f + 2])
                        .try_into()
                        .expect("two filters");
                    let (si, sj) =
                        KWeighting::process_pair_sum_squares(pair, &a[start..end], &b[start..end]);
                    energy +=
                        Self::checked(&mut pair[0], si) * wi + Self::checked(&mut pair[1], sj) * wj;
                    f += 2;
                    continue;
                }
            }
            if let Some(a) = channels.get(ci) {
                let s = self.filters[f].process_sum_squares(&a[start..end]);
                energy += Self::checked(&mut self.filters[f], s) * wi;
            }
            f += 1;
        }
        self.sub_energy += energy;
    }

    /// A non-finite sum means non-finite input: the filter restarts and the span counts as silence.
    #[inline]
    fn checked(filter: &mut KWeighting, sum_squares: f64) -> f64 {
        if sum_squares.is_finite() {
            sum_squares
        } else {
            filter.reset();
            0.0
        }
    }

    fn finish_sub_block(&mut self) {
        self.ring[self.ring_pos] = self.sub_energy;
        self.ring_pos += 1;
        if self.ring_pos == self.ring.len() {
            self.ring_pos = 0;
        }
        self.sub_energy = 0.0;
        self.sub_blocks_done += 1;
        for f in &mut self.filters {
            f.flush_tiny();
        }

        // Momentary: the last 4 hops of sub-blocks, which may wrap around the ring's start.
        let m_len = MOMENTARY_HOPS * self.sub_per_hop;
        let m_sum: f64 = if self.ring_pos >= m_len {
            sum(&self.ring[self.ring_pos - m_len..self.ring_pos])
        } else {
            let wrap = m_len - self.ring_pos;
            sum(&self.ring[..self.ring_pos]) + sum(&self.ring[self.ring.len() - wrap..])
        };
        // Short-term: the ring is exactly 30 hops long.
        let s_sum = sum(&self.ring);
        self.momentary_energy = m_sum / (MOMENTARY_HOPS * self.hop_samples) as f64;
        self.short_term_energy = s_sum / (SHORT_TERM_HOPS * self.hop_samples) as f64;
        self.max_momentary_energy = self.max_momentary_energy.max(self.momentary_energy);
        self.max_short_term_energy = self.max_short_term_energy.max(self.short_term_energy);

        let cap = self.points.len() as u64;
        self.points[(self.points_written % cap) as usize] = LoudnessPoint {
            end_sample: self.samples_done,
            momentary_lufs: energy_to_lufs(self.momentary_energy),
            short_term_lufs: energy_to_lufs(self.short_term_energy),
        };
        self.points_written += 1;

        self.phase += 1;
        if self.phase == self.sub_per_hop {
            self.phase = 0;
            // A hop boundary: a new gating block (400 ms, 75 % overlap) and LRA short-term value.
            if self.sub_blocks_done >= m_len as u64 {
                self.blocks.add(self.momentary_energy);
                self.integrated_cache.invalidate();
            }
            if self.sub_blocks_done >= self.ring.len() as u64 {
                self.short_terms.add(self.short_term_energy);
                self.range_cache.invalidate();
            }
        }
        self.remaining = self.sub_lens[self.phase];
    }

    /// Momentary loudness (last 400 ms at the latest evaluation), LUFS; `-inf` for silence.
    pub fn momentary_lufs(&self) -> f64 {
        energy_to_lufs(self.momentary_energy)
    }

    /// Short-term loudness (last 3 s at the latest evaluation), LUFS; `-inf` for silence.
    pub fn short_term_lufs(&self) -> f64 {
        energy_to_lufs(self.short_term_energy)
    }

    /// Integrated (gated) loudness since the last reset, LUFS; `-inf` until a gating block passes
    /// both gates. Memoised: recomputed (a walk over the occupied histogram bins, a few µs) only
    /// after a new gating block, so calling it every block is cheap.
    pub fn integrated_lufs(&self) -> f64 {
        self.integrated_cache
            .get_or(|| self.blocks.integrated_lufs())
    }

    /// Loudness range (EBU Tech 3342) since the last reset, LU; `0.0` until a short-term value
    /// passes both gates. Memoised like [`LoudnessMeter::integrated_lufs`].
    pub fn loudness_range_lu(&self) -> f64 {
        self.range_cache
            .get_or(|| self.short_terms.loudness_range_lu())
    }

    /// The highest momentary loudness evaluated since the last reset, LUFS (`-inf` if none).
    pub fn max_momentary_lufs(&self) -> f64 {
        energy_to_lufs(self.max_momentary_energy)
    }

    /// The highest short-term loudness evaluated since the last reset, LUFS (`-inf` if none).
    pub fn max_short_term_lufs(&self) -> f64 {
        energy_to_lufs(self.max_short_term_energy)
    }

    /// The gating blocks (400 ms) since the last reset, above the absolute gate. Clone and
    /// [`GatingHistogram::merge`] several tracks' histograms for album integrated loudness.
    pub fn gating_blocks(&self) -> &GatingHistogram {
        &self.blocks
    }

    /// The LRA short-term values since the last reset, above the absolute gate. Merge several
    /// tracks' for the album loudness range.
    pub fn short_term_values(&self) -> &GatingHistogram {
        &self.short_terms
    }

    /// Number of evaluations completed but not yet taken with [`LoudnessMeter::take_points`]
    /// (at most the ring capacity).
    pub fn pending_points(&self) -> usize {
        (self.points_written - self.points_read).min(self.points.len() as u64) as usize
    }

    /// Takes the evaluations (one per ≤ 10 ms sub-block) completed since the last call, oldest
    /// first. If more than the ring holds were completed (blocks far above `max_block`, or no
    /// call for a while) only the newest are returned. Allocation-free.
    pub fn take_points(&mut self) -> Points<'_> {
        let end = self.points_written;
        let start = self
            .points_read
            .max(end.saturating_sub(self.points.len() as u64));
        self.points_read = end;
        Points {
            ring: &self.points,
            next: start,
            end,
        }
    }
}

/// Sum with four independent accumulators: a plain `iter().sum()` is one serial chain of adds
/// (the compiler may not reassociate them), four times slower on the 3 s window. The order is
/// fixed by the slice, so results are deterministic.
#[inline]
fn sum(values: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut chunks = values.chunks_exact(4);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    let tail: f64 = chunks.remainder().iter().sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Peak-to-loudness ratio (EBU R128 s1, Tech 3341): true-peak maximum (dBTP) minus integrated
/// loudness (LUFS), in dB; `None` until both are finite. The true peak comes from
/// `crate::true_peak`; this module does not measure it.
pub fn plr_db(true_peak_dbtp: f64, integrated_lufs: f64) -> Option<f64> {
    let plr = true_peak_dbtp - integrated_lufs;
    plr.is_finite().then_some(plr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_blocks_tile_the_hop_and_stay_within_10_ms() {
        for sr in [
            22_050.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0, 384_000.0, 44_101.0,
            8_000.0,
        ] {
            let m = LoudnessMeter::new(sr, ChannelLayout::Stereo, 512);
            assert_eq!(m.sub_lens.iter().sum::<usize>(), m.hop_samples, "{sr}");
            assert!(
                m.sub_lens.iter().all(|&l| l as f64 <= sr * 0.01),
                "{sr}: {:?}",
                m.sub_lens
            );
            assert!(m.evaluation_interval_ms() <= 10.0);
            assert_eq!(m.ring.len(), 30 * m.sub_per_hop);
        }
        assert_eq!(
            LoudnessMeter::new(48_000.0, ChannelLayout::Mono, 1).sub_lens,
            vec![480; 10]
        );
        assert_eq!(
            LoudnessMeter::new(22_050.0, ChannelLayout::Mono, 1).sub_per_hop,
            11
        );
    }

    #[test]
    fn set_roles_changes_weights_in_place() {
        use ChannelRole::*;
        let tone: Vec<f32> = (0..48_000).map(|i| (i as f32 * 0.13).sin() * 0.1).collect();
        let mut a = LoudnessMeter::new(48_000.0, ChannelLayout::Mono, 4800);
        a.process(&[&tone]);
        let mono = a.momentary_lufs();
        assert!(a.set_roles(&[DualMono]));
        assert_eq!(a.samples_measured(), 0);
        a.process(&[&tone]);
        assert!((a.momentary_lufs() - mono - 10.0 * 2f64.log10()).abs() < 1e-9);
        assert!(!a.set_roles(&[Front, Front]));
        assert!(!a.set_roles(&[Lfe]));
        assert_eq!(a.channel_roles(), &[DualMono]);
    }

    #[test]
    fn plr_needs_finite_figures() {
        assert_eq!(plr_db(-1.0, -14.0), Some(13.0));
        assert_eq!(plr_db(-1.0, f64::NEG_INFINITY), None);
    }

    #[test]
    fn prepare_keeps_roles_and_changes_rate() {
        let mut m = LoudnessMeter::new(48_000.0, ChannelLayout::Surround51, 512);
        m.prepare(96_000.0, 1024);
        assert_eq!(m.sample_rate(), 96_000.0);
        assert_eq!(m.channel_roles(), ChannelLayout::Surround51.roles());
        assert_eq!(m.hop_samples(), 9_600);
    }

    #[test]
    fn lfe_is_not_measured() {
        let mut a = LoudnessMeter::new(48_000.0, ChannelLayout::Surround51, 4800);
        let tone: Vec<f32> = (0..48_000).map(|i| (i as f32 * 0.1).sin() * 0.5).collect();
        let silent = vec![0.0f32; 48_000];
        a.process(&[&silent, &silent, &silent, &tone, &silent, &silent]);
        assert_eq!(a.momentary_lufs(), f64::NEG_INFINITY);
        assert_eq!(a.integrated_lufs(), f64::NEG_INFINITY);
        assert_eq!(a.loudness_range_lu(), 0.0);
    }
}
