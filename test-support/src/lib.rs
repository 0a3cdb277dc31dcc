//! What every Lathe test shares, written once: seeded test signals ([`signals`]), the EBU Tech
//! 3341 and 3342 conformance cases synthesised from their definitions ([`ebu`]), a block-split
//! harness that runs a processor over a signal in whole, fixed, random and one-sample blocks and
//! compares the outputs ([`blocks`]), the allocation checker ([`alloc`]), and the measurements
//! several test files need ([`measure`]).
//!
//! It depends on no Lathe crate: processors are closures over `&mut [&mut [f32]]`, signals are
//! `Vec<f32>`, so shared-dsp, the plugins, the CLI and the host tests can all use it as a
//! dev-dependency without building shared-dsp twice.
//!
//! A test binary that checks allocations installs the checker once (plugin test binaries get it
//! from nice-plug's `assert_process_allocs` feature instead and must not install it again):
//!
//! ```ignore
//! test_support::install_alloc_checker!();
//! ```

pub mod alloc;
pub mod blocks;
pub mod ebu;
pub mod measure;
pub mod signals;
pub mod standalone;

#[cfg(debug_assertions)]
pub use alloc::AllocDisabler;
pub use alloc::no_alloc;
pub use blocks::Split;
