//! The switchable parts of a channel strip, host-free: a section's on/off switch with its
//! crossfade ([`switch`]), a high- or low-pass section whose slope can change while it runs
//! ([`pass`]), and the dip that lets a chain change the order of its sections ([`dip`]). Every
//! transition follows the suite's one fade law (equal-gain, raised cosine in time:
//! [`crate::util::smoothing`]), so switching anything makes no click.

pub mod dip;
pub mod pass;
pub mod switch;

pub use dip::OrderDip;
pub use pass::{PassSection, PassSettings};
pub use switch::{SectionSwitch, save_dry};
