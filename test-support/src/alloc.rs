//! The allocation harness: [`no_alloc`] runs a closure with allocation forbidden, and aborts the
//! test binary (with a backtrace) on any allocation or deallocation inside it.
//!
//! It checks through `nice_assert_no_alloc`, the crate nice-plug's `assert_process_allocs`
//! feature installs as the global allocator of every plugin test binary. Checking through a
//! different crate (e.g. the original `assert_no_alloc`) compiles and runs but checks nothing,
//! since each crate keeps its own forbid counter and only the installed allocator reads one.
//! Binaries without nice-plug (shared-dsp's tests) install the same allocator with
//! [`install_alloc_checker!`](crate::install_alloc_checker).

// The checker exists in debug builds only: nice_assert_no_alloc's default `disable_release`
// feature compiles it out of optimised builds (`cargo bench`, `cargo test --release`), where
// `no_alloc` runs its closure unchecked and `install_alloc_checker!` installs nothing.
#[cfg(debug_assertions)]
pub use nice_assert_no_alloc::AllocDisabler;

/// Runs `f` with allocation forbidden on this thread; any (de)allocation inside aborts the test
/// binary. Needs the checking allocator installed (see the module documentation).
pub fn no_alloc<T>(f: impl FnOnce() -> T) -> T {
    nice_assert_no_alloc::assert_no_alloc(f)
}

/// Runs `f` with allocation allowed again, inside a [`no_alloc`] region (for test bookkeeping
/// that is not part of the code under test).
pub fn permit_alloc<T>(f: impl FnOnce() -> T) -> T {
    nice_assert_no_alloc::permit_alloc(f)
}

/// Installs the checking allocator as this binary's global allocator. Use once per test binary
/// that does not link nice-plug with `assert_process_allocs` (that feature installs it already,
/// and a second global allocator does not link).
#[macro_export]
macro_rules! install_alloc_checker {
    () => {
        #[cfg(debug_assertions)]
        #[global_allocator]
        static LATHE_TEST_ALLOCATOR: $crate::AllocDisabler = $crate::AllocDisabler;
    };
}
