//! The `lathe` command line's library half: loudness analysis, channel layouts, parameter
//! setting and audio file I/O, shared by the binary, its tests and its benchmark.

pub mod analyze;
pub mod audio;
pub mod layout;
pub mod params;
