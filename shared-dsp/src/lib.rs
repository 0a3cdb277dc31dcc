//! Lathe's DSP: every block the four plugins and the `lathe` command line run, in one place.
//!
//! Blocks work on plain `f32` slices and know nothing of plugin hosts, GUIs or frameworks.
//! Lifecycle, the same in every block (see `docs/ARCHITECTURE.md`):
//! - `new(...)` / `prepare(sample_rate, max_block, ...)` may allocate;
//! - `set_*` / `update` recompute coefficients and never allocate;
//! - `process(...)` and `reset()` are audio-thread safe: no allocation, lock or syscall;
//! - `latency()` reports samples added by the block.

pub mod biquad;
pub mod bypass;
pub mod convolution;
pub mod dither;
pub mod dynamics;
pub mod exchange;
pub mod filter;
pub mod gain;
pub mod limiter;
pub mod loudness;
pub mod oversampling;
pub mod section;
pub mod spectrum;
pub mod stereo;
pub mod true_peak;
pub mod util;
