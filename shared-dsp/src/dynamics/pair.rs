//! Loop drivers for the recursions of a stereo pair (a detector's, the ballistics'): a
//! per-frame stepper trait and the loops that run one stepper, or two independent ones
//! interleaved so that each one's latency hides the other's. The recursions live with their
//! blocks ([`super::detector`], [`super::ballistics`]); the composites that drive them
//! ([`super::keyed`]) import both, and nothing here imports either, so the dynamics modules form
//! no import cycle.

/// A stereo pair's recursion (a detector's or the ballistics'), one frame at a time: a
/// stepper the loops below can run alone or interleaved with another.
pub(crate) trait PairStep {
    /// Feeds one frame `(left, right)` and returns the two outputs.
    fn step(&mut self, a: f32, b: f32) -> (f32, f32);
}

/// Runs `s` over two blocks of the same length in place.
#[inline(always)]
pub(crate) fn run_pair(s: &mut impl PairStep, xa: &mut [f32], xb: &mut [f32]) {
    for (x, y) in xa.iter_mut().zip(xb.iter_mut()) {
        (*x, *y) = s.step(*x, *y);
    }
}

/// Runs `s` over `xa`/`xb` and `t` over `ya`/`yb` in one loop (as far as both reach, then each
/// alone): two independent recursions whose latencies overlap.
#[inline(always)]
pub(crate) fn run_fused(
    s: &mut impl PairStep,
    xa: &mut [f32],
    xb: &mut [f32],
    t: &mut impl PairStep,
    ya: &mut [f32],
    yb: &mut [f32],
) {
    let both = xa.len().min(ya.len());
    for k in 0..both {
        (xa[k], xb[k]) = s.step(xa[k], xb[k]);
        (ya[k], yb[k]) = t.step(ya[k], yb[k]);
    }
    run_pair(s, &mut xa[both..], &mut xb[both..]);
    run_pair(t, &mut ya[both..], &mut yb[both..]);
}
