//! The CLAP host conformance suite, one test binary: every module loads the built bundles
//! through `clack-host` (see `lathe_host_tests`). One binary instead of one per file: the
//! Windows run under Wine starts one process and links once, and Linux links once too.
//! Run one check with a filter, e.g. `cargo test -p lathe-host-tests -- golden::`.

mod bad_input;
mod channel;
mod golden;
mod latency;
mod lifecycle;
mod params;
mod processing;
mod state;
