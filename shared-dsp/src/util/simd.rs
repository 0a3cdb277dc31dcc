//! Runtime CPU-feature dispatch: the one mechanism every vector path in shared-dsp uses.
//!
//! A kernel is written once, as plain Rust over fixed-size arrays. [`wide`] runs it inside a
//! function compiled for AVX2 and FMA when this CPU has both, so the compiler widens the same
//! loops to eight `f32` lanes; elsewhere it runs as compiled for the baseline target. Rust never
//! contracts a multiply and an add into a fused multiply-add on its own, so both forms compute
//! bit-identical results, and tests can compare them through [`scalar`].

/// Whether this CPU runs the AVX2/FMA forms (the standard library checks once and caches).
#[inline]
pub fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Runs `f` compiled for AVX2 and FMA when the CPU has them, otherwise as it is. Mark the
/// closure itself and the kernels it calls `#[inline(always)]`
/// (`wide(#[inline(always)] || kernel(..))`): a closure left to the inliner's judgement is, once
/// its body grows, compiled on its own for the baseline target and only called from the wide
/// function, and the work runs four lanes wide (seen: the compressor and gate 20 % slower).
#[inline(always)]
pub fn wide<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if has_avx2_fma() {
            // SAFETY: the CPU has the features the function is compiled for.
            return unsafe { avx2(f) };
        }
    }
    f()
}

/// Runs `f` as compiled for the baseline target, never widened: the reference the tests hold
/// [`wide`] against.
#[inline(never)]
pub fn scalar<R>(f: impl FnOnce() -> R) -> R {
    f()
}
