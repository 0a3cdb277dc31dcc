//! (in progress)

pub mod fir;
