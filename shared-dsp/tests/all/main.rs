//! shared-dsp's reference and cross-block tests (filters, convolution, dynamics, limiter,
//! loudness meter, oversampling, spectrum analyser, true-peak meter, utility blocks) in one test
//! binary: every `tests/*.rs` file is a binary of its own that links shared-dsp and all the
//! dev-dependencies again, so each file here is a module instead. Run one area with e.g. `cargo test -p shared-dsp --test all filters::`.

// Every module checks allocations through `test_support::no_alloc`.
test_support::install_alloc_checker!();

mod convolution;
mod dynamics;
mod filters;
mod limiter;
mod loudness;
mod oversampling;
mod spectrum;
mod true_peak;
mod utility;
