//! One channel's gain computer for the look-ahead limiter: release envelope (with an optional
//! slow second stage), a sliding-minimum hold over the look-ahead window, and a moving-average
//! (box) attack. Its output can never exceed the gain a sample requires (see [`GainComputer`]).
//!
//! Technique: the min-then-box-average brickwall follows the classic look-ahead limiter design
//! (Zölzer, *DAFX*, 2nd ed., §4.2.3 "Limiter"; Giannoulis, Massberg & Reiss, "Digital dynamic
//! range compressor design — a tutorial and analysis", JAES 60(6), 2012, for the
//! release/attack smoothing topologies); the dual-stage, program-dependent release follows the
//! broadcast-limiter idea of a slow "average reduction" stage beneath a fast "peak" stage
//! (Giannoulis et al. §3.4; Orban, "A program-controlled release time for limiters", JAES 1986).

use super::sliding_min::SlidingMin;

/// Fixed-point scale of the box sum: gains are stored as `floor(g * 2^32)` so the running sum
/// is exact (no floating-point drift, however long the stream).
const FIXED_ONE: f64 = 4_294_967_296.0;

/// Gain computer of one channel.
///
/// With `q[n]` the gain sample `n` requires (≤ 1), the output `G[n]` is
/// 1. `e[n] = min(q[n], release(e[n-1]))` — instant attack, so `e[k] ≤ q[k]` for every `k`;
///    in auto mode `e[n] = min(that, s[n])` with `s` a slow average of `q`;
/// 2. `m[n] = min(e[n-W+1 ..= n])` (sliding minimum, `W = D + 1 + hold`);
/// 3. `G[n] = mean(m[n-B+1 ..= n])` (box average, `B ≤ D + 1`), rounded DOWN.
///
/// For a sample delayed by `D`, every `m[j]` with `j` in `n-B+1 ..= n` covers index `n - D`
/// (because `j - W + 1 ≤ n - D ≤ j`), so every term of the mean is ≤ `e[n-D]` ≤ `q[n-D]`, hence
/// `G[n] ≤ q[n - D]`: the delayed sample is never let through above the ceiling. A detector that
/// reports sample `t`'s requirement up to `d` samples late keeps the guarantee if `B ≤ D - d + 1`.
#[derive(Clone, Debug)]
pub struct GainComputer {
    fast: f32,
    slow: f32,
    fast_release_coef: f32,
    slow_attack_coef: f32,
    slow_release_coef: f32,
    auto_release: bool,
    min: SlidingMin,
    ring: Vec<i64>,
    box_len: usize,
    /// `box_len` in fixed point (exact in f64), and its reciprocal.
    box_fixed: f64,
    box_recip: f64,
    pos: usize,
    sum: i64,
}

impl GainComputer {
    /// Allocates for windows up to `max_window` and boxes up to `max_box`.
    pub fn new(max_window: usize, max_box: usize) -> Self {
        let mut s = Self {
            fast: 1.0,
            slow: 1.0,
            fast_release_coef: 0.0,
            slow_attack_coef: 0.0,
            slow_release_coef: 0.0,
            auto_release: false,
            min: SlidingMin::new(max_window),
            ring: vec![0; max_box.max(1)],
            box_len: 1,
            box_fixed: FIXED_ONE,
            box_recip: 1.0 / FIXED_ONE,
            pos: 0,
            sum: 0,
        };
        s.reset();
        s
    }

    /// Sets the hold window `window` (≥ 1) and box length `box_len` (≥ 1), then resets. Never
    /// allocates.
    pub fn set_windows(&mut self, window: usize, box_len: usize) {
        debug_assert!(
            window <= self.min.max_window() && box_len <= self.ring.len(),
            "windows {window} / {box_len} beyond the capacity given to new"
        );
        self.min.set_window(window);
        self.box_len = box_len.clamp(1, self.ring.len());
        debug_assert!(
            self.box_len < 1 << 20,
            "the exact rounding check needs a short box"
        );
        self.box_fixed = self.box_len as f64 * FIXED_ONE;
        self.box_recip = 1.0 / self.box_fixed;
        self.reset();
    }

    /// Sets the release smoothing (one-pole coefficients from `util::one_pole_coef`).
    pub fn set_release(
        &mut self,
        fast_release_coef: f32,
        auto_release: bool,
        slow_attack_coef: f32,
        slow_release_coef: f32,
    ) {
        self.fast_release_coef = fast_release_coef;
        self.auto_release = auto_release;
        self.slow_attack_coef = slow_attack_coef;
        self.slow_release_coef = slow_release_coef;
    }

    /// Whether `other` is in the same state (so the same requirements give the same gains).
    pub fn same_state(&self, other: &Self) -> bool {
        self.fast.to_bits() == other.fast.to_bits()
            && self.slow.to_bits() == other.slow.to_bits()
            && self.fast_release_coef.to_bits() == other.fast_release_coef.to_bits()
            && self.slow_attack_coef.to_bits() == other.slow_attack_coef.to_bits()
            && self.slow_release_coef.to_bits() == other.slow_release_coef.to_bits()
            && self.auto_release == other.auto_release
            && self.box_len == other.box_len
            && self.pos == other.pos
            && self.sum == other.sum
            && self.ring[..self.box_len] == other.ring[..other.box_len]
            && self.min.same_state(&other.min)
    }

    /// Becomes a copy of `other` (built with the same capacities). Never allocates.
    pub fn assign(&mut self, other: &Self) {
        self.fast = other.fast;
        self.slow = other.slow;
        self.fast_release_coef = other.fast_release_coef;
        self.slow_attack_coef = other.slow_attack_coef;
        self.slow_release_coef = other.slow_release_coef;
        self.auto_release = other.auto_release;
        self.min.assign(&other.min);
        self.ring.copy_from_slice(&other.ring);
        self.box_len = other.box_len;
        self.box_fixed = other.box_fixed;
        self.box_recip = other.box_recip;
        self.pos = other.pos;
        self.sum = other.sum;
    }

    /// Back to unity gain with empty windows. Never allocates.
    pub fn reset(&mut self) {
        self.fast = 1.0;
        self.slow = 1.0;
        self.min.reset();
        let one = FIXED_ONE as i64;
        self.ring[..self.box_len].fill(one);
        self.sum = one * self.box_len as i64;
        self.pos = 0;
    }

    /// Takes the gain the newest sample requires (0..=1) and returns the gain to apply to the
    /// sample `D` steps older.
    #[inline(always)]
    pub fn push(&mut self, required_gain: f32) -> f32 {
        let q = required_gain.clamp(0.0, 1.0);
        let released = self.fast + (1.0 - self.fast_release_coef) * (1.0 - self.fast);
        self.fast = q.min(released);
        let mut e = self.fast;
        if self.auto_release {
            let coef = if q < self.slow {
                self.slow_attack_coef
            } else {
                self.slow_release_coef
            };
            self.slow = q + coef * (self.slow - q);
            e = e.min(self.slow);
        }
        let m = self.min.push(e);
        let fixed = (m as f64 * FIXED_ONE) as i64; // truncation = floor for m ≥ 0
        self.sum += fixed - self.ring[self.pos];
        self.ring[self.pos] = fixed;
        self.pos += 1;
        if self.pos == self.box_len {
            self.pos = 0;
        }
        // The mean is sum / box_fixed. A multiply by the reciprocal lands within two roundings
        // of it, so the f32 nearest to that is at most one step above the mean. The check is
        // exact: with box_len < 2^20, g · box_fixed has at most 24 + 20 significant bits, and
        // the sum is an integer below 2^52; both are exact in f64. So the gain is never above
        // the mean. (A division here was a sixth of the limiter's time.)
        let sum = self.sum as f64;
        let g = (sum * self.box_recip) as f32;
        if g as f64 * self.box_fixed > sum {
            g.next_down()
        } else {
            g
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The invariant of the doc comment, checked on random requirements: the applied gain never
    /// exceeds the requirement of any sample the detector may have reported it through.
    #[test]
    fn applied_gain_never_exceeds_required_gain() {
        let mut state = 99u32;
        let mut rand = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32
        };
        for (delay, late, hold, auto) in [
            (10, 0, 0, false),
            (32, 5, 7, true),
            (1, 0, 0, true),
            (50, 20, 100, false),
        ] {
            let mut gc = GainComputer::new(1000, 1000);
            gc.set_windows(delay + 1 + hold, delay + 1 - late);
            gc.set_release(0.99, auto, 0.999, 0.9999);
            let q: Vec<f32> = (0..20_000)
                .map(|i| {
                    if (i / 300) % 3 == 0 {
                        1.0
                    } else {
                        rand().powi(3)
                    }
                })
                .collect();
            let g: Vec<f32> = q.iter().map(|&x| gc.push(x)).collect();
            for (n, &gn) in g.iter().enumerate().skip(delay) {
                for d in 0..=late {
                    let k = n - delay + d;
                    if k < q.len() {
                        assert!(
                            gn <= q[k],
                            "D {delay} late {late}: g[{n}]={gn} > q[{k}]={}",
                            q[k]
                        );
                    }
                }
            }
        }
    }
}
