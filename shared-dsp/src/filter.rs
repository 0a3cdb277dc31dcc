//! Lathe's equaliser filters: trapezoidal state-variable sections (Zavalishin, *The Art of VA
//! Filter Design*; Simper, Cytomic SVF notes), magnitude-matched to their analog prototypes
//! (Vicanek, *Matched Second Order Digital Filters*, 2016) so bells and shelves do not cramp near
//! Nyquist, Butterworth high-/low-pass of orders 1–16, and a multi-band, stereo/mid/side,
//! parameter-smoothed EQ bank.
//!
//! - [`params`]: [`BandParams`], [`BandType`], [`Placement`] and their ranges;
//! - [`analog`]: the analog prototypes ([`analog_response_db`]);
//! - [`design`]: digital design of a band as state-variable sections ([`design_band`]);
//! - [`svf`]: the section itself ([`SvfCoefs`], [`SvfSection`]) and its exact response;
//! - [`butterworth`]: a plain single-channel high-/low-pass ([`ButterworthFilter`]);
//! - [`eq_bank`]: the N-band stereo/mid/side equaliser ([`EqBank`]).

pub mod analog;
pub mod butterworth;
mod cascade;
pub mod design;
pub mod eq_bank;
pub mod params;
pub mod svf;

pub use analog::{analog_magnitude_sq, analog_response_db};
pub use butterworth::{ButterworthFilter, PassKind};
pub use design::{BandDesign, design_band};
pub use eq_bank::{ChainScratch, EqBank};
pub use params::{BandParams, BandType, Placement};
pub use svf::{SvfCoefs, SvfSection};
