//! The Mastering EQ's engine tests in one test binary (each `tests/*.rs` file would be a binary
//! of its own, linking the plugin, nice-plug and the GUI stack again): the engine through the
//! whole chain, and the linear-phase mode. Run one area with e.g.
//! `cargo test -p lathe_eq --test all linear_phase::`.

mod engine;
mod linear_phase;
