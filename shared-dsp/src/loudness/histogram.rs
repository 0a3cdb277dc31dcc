//! Bounded-memory gating for integrated loudness and loudness range: a fine histogram of block
//! loudness that also keeps each bin's exact energy sum.
//!
//! Sources: ITU-R BS.1770-4/5, Annex 1 (gating: absolute gate -70 LKFS, relative gate 10 LU
//! below the energy mean of the blocks above the absolute gate, loudness of the energy mean of
//! the blocks above both gates); EBU Tech 3342 (LRA: absolute gate -70 LUFS, relative gate 20 LU
//! below the energy mean, LRA = 95th − 10th percentile of the short-term loudness distribution).
//! The histogram idea is libebur128's (J. Kokemüller); keeping the exact energy sum per bin, and
//! the bin width used here, are this file's own choices to bound the error:
//!
//! - Bins are 0.005 LU wide from -70 to +20 LUFS (18 000 bins, 12 bytes each: 216 kB); louder
//!   blocks all land in the top bin (their energy is still summed exactly).
//! - Integrated loudness uses the exact energy sums of whole bins, so the only error is the gate
//!   decision for blocks in the one bin that straddles the relative gate (decided on that bin's
//!   mean energy): blocks within 0.005 LU of the gate may be classed on the wrong side. That moves
//!   the result by far less than 0.01 LU unless a large share of the programme sits exactly on
//!   the gate, where the exact figure itself jumps with float rounding.
//! - A percentile is read as the energy mean of the bin holding the wanted rank: within one bin
//!   (0.005 LU) of the exact value, exact when the bin holds equal values (steady tones); the LRA
//!   is therefore within 0.01 LU of the exact computation.
//! - Percentile rank: nearest rank on `(n - 1) · p`, rounded, of the sorted values (as
//!   libebur128 does), so both meters agree on short programmes.

/// BS.1770 absolute gate, LUFS.
pub const ABSOLUTE_GATE_LUFS: f64 = -70.0;
/// BS.1770 relative gate for integrated loudness, LU below the absolute-gated mean.
pub const INTEGRATED_RELATIVE_GATE_LU: f64 = -10.0;
/// EBU Tech 3342 relative gate for loudness range, LU below the absolute-gated mean.
pub const LRA_RELATIVE_GATE_LU: f64 = -20.0;
/// Width of one histogram bin, LU.
pub const BIN_WIDTH_LU: f64 = 0.005;
/// Upper end of the binned range, LUFS; louder blocks share the top bin.
pub const TOP_LUFS: f64 = 20.0;
const NUM_BINS: usize = ((TOP_LUFS - ABSOLUTE_GATE_LUFS) / BIN_WIDTH_LU + 0.5) as usize;

/// Loudness (LUFS) of a channel-weighted mean square: `-0.691 + 10 log10(energy)`; `-inf` for
/// zero energy.
#[inline]
pub fn energy_to_lufs(energy: f64) -> f64 {
    if energy > 0.0 {
        -0.691 + 10.0 * energy.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// Inverse of [`energy_to_lufs`].
#[inline]
pub fn lufs_to_energy(lufs: f64) -> f64 {
    10f64.powf((lufs + 0.691) * 0.1)
}

/// The distribution of gating-block (or short-term) energies above the absolute gate. `add`,
/// `reset` and every query are allocation-free; `new` allocates the bins.
#[derive(Clone, Debug)]
pub struct GatingHistogram {
    counts: Vec<u32>,
    energies: Vec<f64>,
    total_count: u64,
    total_energy: f64,
    /// Range of bins ever touched since the last reset (`lowest > highest` when empty).
    lowest: usize,
    highest: usize,
    absolute_gate_energy: f64,
}

impl Default for GatingHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl GatingHistogram {
    /// An empty histogram (allocates its bins once).
    pub fn new() -> Self {
        Self {
            counts: vec![0; NUM_BINS],
            energies: vec![0.0; NUM_BINS],
            total_count: 0,
            total_energy: 0.0,
            lowest: NUM_BINS,
            highest: 0,
            absolute_gate_energy: lufs_to_energy(ABSOLUTE_GATE_LUFS),
        }
    }

    #[inline]
    fn bin_of(lufs: f64) -> usize {
        let i = ((lufs - ABSOLUTE_GATE_LUFS) / BIN_WIDTH_LU).floor();
        // NaN and below-range map to 0 through the saturating cast.
        (i.max(0.0) as usize).min(NUM_BINS - 1)
    }

    /// Adds one block's channel-weighted mean square. Blocks at or below the absolute gate, and
    /// non-finite values, are not stored; returns whether the block was kept.
    #[inline]
    pub fn add(&mut self, energy: f64) -> bool {
        if !(energy > self.absolute_gate_energy && energy.is_finite()) {
            return false;
        }
        let bin = Self::bin_of(energy_to_lufs(energy));
        self.counts[bin] = self.counts[bin].saturating_add(1);
        self.energies[bin] += energy;
        self.total_count += 1;
        self.total_energy += energy;
        self.lowest = self.lowest.min(bin);
        self.highest = self.highest.max(bin);
        true
    }

    /// Adds every block of `other` (album figures: one histogram per track, merged).
    pub fn merge(&mut self, other: &GatingHistogram) {
        if other.is_empty() {
            return;
        }
        for bin in other.lowest..=other.highest {
            self.counts[bin] = self.counts[bin].saturating_add(other.counts[bin]);
            self.energies[bin] += other.energies[bin];
        }
        self.total_count += other.total_count;
        self.total_energy += other.total_energy;
        self.lowest = self.lowest.min(other.lowest);
        self.highest = self.highest.max(other.highest);
    }

    /// Forgets every block. Touches only the bins used since the last reset.
    pub fn reset(&mut self) {
        if !self.is_empty() {
            self.counts[self.lowest..=self.highest].fill(0);
            self.energies[self.lowest..=self.highest].fill(0.0);
        }
        self.total_count = 0;
        self.total_energy = 0.0;
        self.lowest = NUM_BINS;
        self.highest = 0;
    }

    /// Number of blocks above the absolute gate.
    pub fn len(&self) -> u64 {
        self.total_count
    }

    /// True when no block passed the absolute gate.
    pub fn is_empty(&self) -> bool {
        self.total_count == 0
    }

    /// Loudness of the energy mean of all blocks above the absolute gate, LUFS (`-inf` if none).
    pub fn absolute_gated_lufs(&self) -> f64 {
        if self.is_empty() {
            f64::NEG_INFINITY
        } else {
            energy_to_lufs(self.total_energy / self.total_count as f64)
        }
    }

    /// The first bin whose blocks pass the relative gate `relative_gate_lu` (negative, LU below
    /// the absolute-gated mean), or `None` when nothing passes.
    fn first_included_bin(&self, relative_gate_lu: f64) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        let gate_energy =
            self.total_energy / self.total_count as f64 * 10f64.powf(relative_gate_lu * 0.1);
        let gate_bin = Self::bin_of(energy_to_lufs(gate_energy)).max(self.lowest);
        let mut first = gate_bin;
        // The bin straddling the gate: in if its blocks' mean is above the gate.
        let n = self.counts[gate_bin];
        if n > 0 && self.energies[gate_bin] / n as f64 <= gate_energy {
            first += 1;
        }
        (first <= self.highest).then_some(first)
    }

    /// Loudness of the energy mean of the blocks above both gates, LUFS; `-inf` when no block
    /// passes. With [`INTEGRATED_RELATIVE_GATE_LU`] this is BS.1770 integrated loudness.
    pub fn gated_loudness_lufs(&self, relative_gate_lu: f64) -> f64 {
        let Some(first) = self.first_included_bin(relative_gate_lu) else {
            return f64::NEG_INFINITY;
        };
        let mut count = 0u64;
        let mut energy = 0.0f64;
        for bin in first..=self.highest {
            count += self.counts[bin] as u64;
            energy += self.energies[bin];
        }
        if count == 0 {
            f64::NEG_INFINITY
        } else {
            energy_to_lufs(energy / count as f64)
        }
    }

    /// BS.1770 integrated loudness of the stored gating blocks, LUFS (`-inf` when none passes).
    pub fn integrated_lufs(&self) -> f64 {
        self.gated_loudness_lufs(INTEGRATED_RELATIVE_GATE_LU)
    }

    /// EBU Tech 3342 loudness range of the stored short-term values, LU (0 when none passes).
    pub fn loudness_range_lu(&self) -> f64 {
        match self.percentiles_lufs(LRA_RELATIVE_GATE_LU, 0.10, 0.95) {
            Some((low, high)) => high - low,
            None => 0.0,
        }
    }

    /// The `low_fraction` and `high_fraction` percentiles (0..=1) of the loudness of the blocks
    /// above both gates, LUFS, or `None` when no block passes.
    pub fn percentiles_lufs(
        &self,
        relative_gate_lu: f64,
        low_fraction: f64,
        high_fraction: f64,
    ) -> Option<(f64, f64)> {
        let first = self.first_included_bin(relative_gate_lu)?;
        let n: u64 = self.counts[first..=self.highest]
            .iter()
            .map(|&c| c as u64)
            .sum();
        if n == 0 {
            return None;
        }
        let rank = |p: f64| (((n - 1) as f64 * p.clamp(0.0, 1.0) + 0.5) as u64).min(n - 1);
        let (rank_low, rank_high) = (rank(low_fraction), rank(high_fraction));
        let mut low = None;
        let mut below = 0u64;
        for bin in first..=self.highest {
            let c = self.counts[bin] as u64;
            if c == 0 {
                continue;
            }
            let bin_lufs = || energy_to_lufs(self.energies[bin] / c as f64);
            if low.is_none() && rank_low < below + c {
                low = Some(bin_lufs());
            }
            if rank_high < below + c {
                return Some((low.unwrap_or_else(bin_lufs), bin_lufs()));
            }
            below += c;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip() {
        for l in [-70.0, -23.0, 0.0, 12.5] {
            assert!((energy_to_lufs(lufs_to_energy(l)) - l).abs() < 1e-12);
        }
        assert_eq!(energy_to_lufs(0.0), f64::NEG_INFINITY);
        assert_eq!(NUM_BINS, 18_000);
    }

    #[test]
    fn absolute_gate_and_reset() {
        let mut h = GatingHistogram::new();
        assert!(!h.add(lufs_to_energy(-70.5)));
        assert!(!h.add(f64::NAN));
        assert!(!h.add(f64::INFINITY));
        assert!(h.add(lufs_to_energy(-23.0)));
        assert!(h.add(lufs_to_energy(45.0)));
        assert_eq!(h.len(), 2);
        // +45 LUFS lands in the top bin with its exact energy; -23 is gated out relative to it.
        assert!((h.integrated_lufs() - 45.0).abs() < 1e-9);
        h.reset();
        assert!(h.is_empty());
        assert_eq!(h.integrated_lufs(), f64::NEG_INFINITY);
        assert_eq!(h.loudness_range_lu(), 0.0);
        assert!(h.counts.iter().all(|&c| c == 0) && h.energies.iter().all(|&e| e == 0.0));
    }

    #[test]
    fn steady_values_are_exact() {
        let mut h = GatingHistogram::new();
        for _ in 0..100 {
            h.add(lufs_to_energy(-20.0));
            h.add(lufs_to_energy(-30.0));
        }
        assert!((h.loudness_range_lu() - 10.0).abs() < 1e-9);
        let mut merged = GatingHistogram::new();
        merged.merge(&h);
        merged.merge(&h);
        assert_eq!(merged.len(), 400);
        assert!((merged.integrated_lufs() - h.integrated_lufs()).abs() < 1e-12);
    }
}
