//! Stereo tools: mid/side coding, pan laws and balance, stereo width with mono check, and the
//! correlation/balance meter.
//!
//! - [`ms`]: `M = (L + R) / 2`, `S = (L − R) / 2`, decoded `L = M + S`, `R = M − S` — the
//!   normalisation whose round trip is the identity (exact in real arithmetic; in `f32` within
//!   one rounding of each operation). A mono signal (L = R) has `M = L`, `S = 0`.
//! - [`pan`]: the −3 dB (sin/cos, constant power), −4.5 dB (geometric mean of the −3 and −6 dB
//!   laws) and −6 dB (linear, constant voltage) pan laws, and the channel strip's [`Panner`]
//!   which pans a mono source and *balances* a stereo one.
//! - [`width`]: 0–200 % width by scaling the side signal, with a mono-check switch.
//! - [`correlation`]: Pearson correlation and L/R energy balance over an exponential window.
//!
//! Sources: M/S — A. D. Blumlein, GB patent 394325 (1931), the sum/difference matrix; pan laws —
//! F. Rumsey, *Spatial Audio* (Focal Press, 2001), ch. 3 on amplitude panning, and the
//! −3/−4.5/−6 dB pan-law options offered by common DAWs; correlation — Pearson's product-moment
//! correlation coefficient, here with exponentially weighted (RC-integrator) moments as in
//! analogue phase-correlation meters.

pub mod correlation;
pub mod ms;
pub mod pan;
pub mod width;

pub use correlation::CorrelationMeter;
pub use ms::{decode_ms, encode_ms};
pub use pan::{PanInput, PanLaw, Panner, balance_gains, pan_gains};
pub use width::StereoWidth;
