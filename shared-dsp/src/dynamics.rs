//! Dynamics building blocks: the compressor and the gate/expander of the channel strip, and the
//! parts they are made of (level detectors, static gain computers, attack/release ballistics,
//! sidechain key path, lookahead delay), host-free and on plain slices.
//!
//! Design after Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor Design — A
//! Tutorial and Analysis", JAES 60(6), 2012: feed-forward, gain computed in the log domain,
//! the attack/release detector after the gain computer. Each submodule documents its maths.
//!
//! Conventions shared by every block here: levels and gain reductions in dB (reductions are
//! positive numbers of dB), time constants in ms meaning 63.2 % of a step in dB, coefficients
//! derived from the sample rate (`util::one_pole_coef`), so behaviour is identical at any rate.

pub mod ballistics;
pub mod compressor;
pub mod delay;
pub mod detector;
pub mod gain_computer;
pub mod gate;
mod keyed;
mod pair;
pub mod sidechain;

pub use ballistics::GainSmoother;
pub use compressor::{Compressor, CompressorParams};
pub use delay::LookaheadDelay;
pub use detector::{DetectorMode, LevelDetector};
pub use gain_computer::{CompressorCurve, ExpanderCurve};
pub use gate::{Gate, GateParams};
pub use sidechain::{KeyChannel, SidechainHighPass};
